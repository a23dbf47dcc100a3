/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file aurmig/plan.h
 * @brief Plans: the steps from the database's current heads to a target,
 *        their execution, and the read-only state check.
 *
 * A plan is made against a connection and a graph; both must outlive it.
 * It is iterated with a pull API: aurmig_plan_next() applies one step and
 * hands it back, so a caller can report progress without callbacks;
 * aurmig_plan_run() applies everything that is left.
 *
 * Targets follow Alembic's grammar: full ids, unique prefixes of at least
 * one character (ids longer than 3 characters are searched), `head`,
 * `heads`, `base`, `label@head`, `label@heads`, `label@base`, `rev@head`,
 * `+N`, `-N`, `rev+N`, `rev-N`, `label@+N`, `label@-N`.
 */
#ifndef AURMIG_PLAN_H
#define AURMIG_PLAN_H

#include "common.h"

AURMIG_BEGIN_DECL

/** What a plan does. */
typedef enum aurmig_command {
	AURMIG_CMD_UPGRADE = 1,
	AURMIG_CMD_DOWNGRADE = 2,
	AURMIG_CMD_STAMP = 3   /**< rewrite the version table only; runs no SQL from the scripts */
} aurmig_command;

/** Plan flags (bits of aurmig_plan_options.flags). */
typedef enum aurmig_plan_flag {
	/** Run the whole plan in one transaction (SQLite, PostgreSQL): all or nothing. */
	AURMIG_PLAN_ONE_TRANSACTION = 1,
	/** Stamp only: empty the version table before stamping (the way out of unknown rows). */
	AURMIG_PLAN_PURGE = 2,
	/** Do not take the deploy lock (for callers that serialise runs themselves). */
	AURMIG_PLAN_NO_LOCK = 4,
	/** Use aurmig_plan_options.config_file only when the plan has config
	 *  steps or a config step of an earlier run is pending: a file given by
	 *  default (aurweb's config) is then neither written nor required to be
	 *  writable when no migration edits it. */
	AURMIG_PLAN_CONFIG_WHEN_NEEDED = 8
} aurmig_plan_flag;

/** Kinds of step. */
typedef enum aurmig_step_kind {
	AURMIG_STEP_UPGRADE = 1,
	AURMIG_STEP_DOWNGRADE = 2,
	AURMIG_STEP_STAMP = 3
} aurmig_step_kind;

/** Progress phases. */
typedef enum aurmig_progress_phase {
	AURMIG_PROGRESS_START = 1,    /**< before the step */
	AURMIG_PROGRESS_DONE = 2,     /**< after the step committed */
	AURMIG_PROGRESS_STATEMENT = 3, /**< before each statement; aurmig_step_statements() says how many ran */
	/**
	 * A statement timed out waiting for a lock (or lost a deadlock) and will
	 * be retried after a pause: aurmig_step_retries() counts the retries,
	 * the context's error record says what timed out and who blocked it.
	 * A non-zero return gives up (the step fails as if out of retries).
	 */
	AURMIG_PROGRESS_LOCK_WAIT = 4,
	/**
	 * A batch of a batched statement (`-- aurmig:batch`) committed:
	 * aurmig_step_batches() and aurmig_step_batch_rows() count them. A
	 * non-zero return stops the step (the committed batches stay; resume
	 * goes on after them).
	 */
	AURMIG_PROGRESS_BATCH = 5,
	/**
	 * MariaDB/MySQL: the next statement blocks writes to a table (a copy
	 * of it, or an in-place change under a shared lock) and the estimate
	 * of how long reaches aurmig_plan_options.warn_blocking_ms:
	 * aurmig_step_warning() says which table, how and how long. The
	 * statement runs after the callback returns; a non-zero return stops
	 * the step before it (the step fails like a failing statement).
	 */
	AURMIG_PROGRESS_WARNING = 6
} aurmig_progress_phase;

/**
 * Called before and after each step, and before each of its statements. A
 * non-zero return stops the plan with AURMIG_EUSER: before the step
 * (START), after its commit (DONE), or before the statement (STATEMENT:
 * the step then fails like a failing statement would).
 */
typedef int (*aurmig_progress_fn)(void *payload, const aurmig_step *step, int phase);

/** Version of aurmig_plan_options this header describes. */
typedef enum aurmig_plan_options_version {
	AURMIG_PLAN_OPTIONS_VERSION = 3   /**< 1: up to config_file; 2: the lock-wait fields; 3: online, warn_blocking_ms */
} aurmig_plan_options_version;

/** Options for aurmig_plan_new(). Fields are only ever appended. */
typedef struct aurmig_plan_options {
	unsigned int version;        /**< AURMIG_PLAN_OPTIONS_VERSION */
	unsigned int flags;          /**< aurmig_plan_flag bits */
	aurmig_progress_fn progress; /**< optional */
	void *progress_payload;
	/**
	 * How long aurmig_plan_new() waits for the deploy lock, in
	 * milliseconds; < 0 waits forever, 0 does not wait. Default 60000.
	 */
	long lock_timeout_ms;
	/**
	 * The INI configuration file the migrations' config steps edit
	 * (`-- aurmig:config ...`, docs/config-steps.md); NULL when none. A
	 * plan with config steps and no file fails before anything runs.
	 * aurmig_plan_new() copies the string.
	 */
	const char *config_file;
	/* version 2 */
	/**
	 * How long each statement of a migration waits for a lock (MariaDB
	 * `lock_wait_timeout` and `innodb_lock_wait_timeout`, PostgreSQL
	 * `lock_timeout`, SQLite the busy timeout), in milliseconds; a script's
	 * `-- aurmig:lock_wait SECONDS` header overrides it. 0 leaves the
	 * server's value (MariaDB: a day). Default 10000.
	 */
	long ddl_lock_wait_ms;
	/**
	 * How often a statement that timed out waiting for a lock (or lost a
	 * deadlock) is retried: an atomic step as a whole, after a rollback; a
	 * non-atomic step from the failed statement. Default 3; 0 never retries.
	 * Then the step fails with AURMIG_ELOCKED when nothing of it remains,
	 * AURMIG_ERECOVERY otherwise.
	 */
	int lock_retries;
	/** The pause before the first retry, doubled for each further one (at most 30 s), in milliseconds. Default 1000. */
	long lock_retry_delay_ms;
	/* version 3 */
	/**
	 * 1: online DDL on MariaDB/MySQL (docs/script-format.md, "Online DDL
	 * on MariaDB"): each ALTER TABLE, CREATE INDEX and DROP INDEX without
	 * an ALGORITHM= or LOCK= of its own runs with ALGORITHM=INSTANT, else
	 * ALGORITHM=NOCOPY, LOCK=NONE, else ALGORITHM=INPLACE, LOCK=NONE, else
	 * ALGORITHM=COPY, LOCK=NONE (MariaDB 11.2+), the first the server
	 * accepts; when it accepts none (only a blocking copy or lock
	 * remains) the step fails at that statement with AURMIG_EUNSUPPORTED
	 * (AURMIG_ERECOVERY when earlier statements of it ran), naming the
	 * table and the server's refusal. A script's `-- aurmig:online
	 * required` header does the same for its own steps. 0 (default): the
	 * statements run as written. SQLite and PostgreSQL: no effect.
	 */
	int online;
	/**
	 * MariaDB/MySQL: announce a statement that blocks writes to a table
	 * (AURMIG_PROGRESS_WARNING) when the estimate of how long reaches this
	 * many milliseconds (the table's size in information_schema over a
	 * measured copy rate). 0 announces every blocking statement on a table
	 * with rows; < 0 never. Default 1000.
	 */
	long warn_blocking_ms;
} aurmig_plan_options;

#define AURMIG_PLAN_OPTIONS_INIT { AURMIG_PLAN_OPTIONS_VERSION, 0, NULL, NULL, 60000, NULL, 10000, 3, 1000, 0, 1000 }

/** Fill @p opts with defaults for @p version. @return AURMIG_OK or AURMIG_EINVALID. */
AURMIG_EXTERN(int) aurmig_plan_options_init(aurmig_plan_options *opts, unsigned int version);

/**
 * Take the deploy lock (see lock_timeout_ms), read the current heads from
 * @p conn and compute the steps to @p targets.
 *
 * Upgrade and downgrade take exactly one target; stamp takes one or more.
 * Nothing is written to the database, except that a journal entry of an
 * earlier run that died inside a transaction (so the database rolled it
 * back) is marked "interrupted". The lock is held until the plan has run,
 * failed, or is freed; it dies with the process.
 *
 * @param opts NULL for defaults.
 * @return AURMIG_OK; AURMIG_ENOTFOUND / AURMIG_EAMBIGUOUS for a target;
 *         AURMIG_EUNKNOWNREV when the database holds an id the graph lacks
 *         (use a stamp with AURMIG_PLAN_PURGE to recover);
 *         AURMIG_EIRREVERSIBLE when a downgrade crosses a script without a
 *         downgrade section; AURMIG_ELOCKED when the lock wait timed out;
 *         AURMIG_ERECOVERY when an earlier migration failed half-way (the
 *         message says what was applied and how to recover, see
 *         aurmig_recover()); AURMIG_EINVALID; AURMIG_EDB.
 */
AURMIG_EXTERN(int) aurmig_plan_new(aurmig_plan **out, aurmig_conn *conn, const aurmig_graph *graph,
	int command, const char *const *targets, size_t ntargets, const aurmig_plan_options *opts);

/**
 * A plan made without a database, for offline SQL: @p start says where the
 * database stands (NULL, "" or "base" for an empty one, else revision specs
 * separated by blanks or commas), @p dialect is an aurmig_dialect. The plan
 * can be rendered with aurmig_plan_sql(), not run.
 */
AURMIG_EXTERN(int) aurmig_plan_new_offline(aurmig_plan **out, aurmig_context *ctx, const aurmig_graph *graph,
	int dialect, const char *start, int command, const char *const *targets, size_t ntargets,
	const aurmig_plan_options *opts);

/**
 * The SQL script the plan would run, for a DBA to review or apply by hand:
 * per step BEGIN, the statements, the version-table and journal changes,
 * COMMIT (MySQL statements holding ';' are wrapped in DELIMITER lines).
 * The tables are created with CREATE TABLE IF NOT EXISTS.
 * @param[out] out the script, owned by the plan (valid until it is freed
 *        or this is called again).
 */
AURMIG_EXTERN(int) aurmig_plan_sql(const char **out, aurmig_plan *plan);

/** Free a plan. A plan freed inside an open whole-plan transaction rolls it back. NULL is a no-op. */
AURMIG_EXTERN(void) aurmig_plan_free(aurmig_plan *plan);

/** Number of steps. */
AURMIG_EXTERN(size_t) aurmig_plan_count(const aurmig_plan *plan);

/** Step @p i (0-based), or NULL. */
AURMIG_EXTERN(const aurmig_step *) aurmig_plan_at(const aurmig_plan *plan, size_t i);

/** Number of version rows before the plan (the current heads). */
AURMIG_EXTERN(size_t) aurmig_plan_before_count(const aurmig_plan *plan);
AURMIG_EXTERN(const char *) aurmig_plan_before(const aurmig_plan *plan, size_t i);
/** Number of version rows once every step has run. */
AURMIG_EXTERN(size_t) aurmig_plan_after_count(const aurmig_plan *plan);
AURMIG_EXTERN(const char *) aurmig_plan_after(const aurmig_plan *plan, size_t i);

/**
 * Apply the next step (its statements and its version-row change, in one
 * transaction unless the script says `transaction off`).
 * @param[out] out the step that was applied (borrowed), or NULL.
 * @return AURMIG_OK, AURMIG_ITEROVER when no step is left, or an error; a
 *         failed step is rolled back where the database allows it and the
 *         plan cannot continue.
 */
AURMIG_EXTERN(int) aurmig_plan_next(const aurmig_step **out, aurmig_plan *plan);

/** Apply every remaining step. @return AURMIG_OK or the first error. */
AURMIG_EXTERN(int) aurmig_plan_run(aurmig_plan *plan);

/** @name Step accessors. Strings are borrowed from the plan. */
/**@{*/
/** An aurmig_step_kind. */
AURMIG_EXTERN(int) aurmig_step_kind_of(const aurmig_step *step);
/** The migration that runs, or NULL for a stamp step. */
AURMIG_EXTERN(const aurmig_migration *) aurmig_step_migration(const aurmig_step *step);
/** Revisions the step moves from (parents for an upgrade, the revision for a downgrade). */
AURMIG_EXTERN(size_t) aurmig_step_from_count(const aurmig_step *step);
AURMIG_EXTERN(const char *) aurmig_step_from(const aurmig_step *step, size_t i);
/** Revisions the step moves to. Empty means base. */
AURMIG_EXTERN(size_t) aurmig_step_to_count(const aurmig_step *step);
AURMIG_EXTERN(const char *) aurmig_step_to(const aurmig_step *step, size_t i);
/** Number of statements the step ran (after it ran). */
AURMIG_EXTERN(size_t) aurmig_step_statements(const aurmig_step *step);
/** Wall-clock seconds the step took, or -1 before it ran. */
AURMIG_EXTERN(double) aurmig_step_seconds(const aurmig_step *step);
/** Number of statements and hook calls in the step's script (the n of "statement k of n"). */
AURMIG_EXTERN(size_t) aurmig_step_statement_count(const aurmig_step *step);
/** How often a statement of the step was retried after a lock-wait timeout or a deadlock. */
AURMIG_EXTERN(size_t) aurmig_step_retries(const aurmig_step *step);
/** Batches of the step's batched statements (`-- aurmig:batch`) committed so far by this run. */
AURMIG_EXTERN(size_t) aurmig_step_batches(const aurmig_step *step);
/** Rows those batches changed (as the database counts them). */
AURMIG_EXTERN(size_t) aurmig_step_batch_rows(const aurmig_step *step);
/**@}*/

/** A statement about to block writes to a table (AURMIG_PROGRESS_WARNING). */
typedef struct aurmig_step_warning {
	/** "PackageVotes: ALGORITHM=COPY, writes blocked ≈3 s (1,000,000 rows, 48 MB)" */
	const char *message;
	const char *table;      /**< the table, as the statement names it */
	const char *algorithm;  /**< what the server will do: "COPY" or "INPLACE" */
	const char *lock;       /**< the lock it takes: "SHARED", "EXCLUSIVE", "SHARED or EXCLUSIVE" */
	const char *refusal;    /**< the server's words refusing the online forms */
	const char *file;       /**< the script */
	int line;               /**< the statement's line in it */
	double seconds;         /**< the estimate of the stall */
	double rows;            /**< the table's rows as information_schema estimates them */
	double bytes;           /**< its data and indexes, bytes */
} aurmig_step_warning;

/**
 * The step's last warning, or NULL when it has none: valid in the
 * AURMIG_PROGRESS_WARNING callback and after it until the step's next
 * warning or the plan is freed. Borrowed.
 */
AURMIG_EXTERN(const aurmig_step_warning *) aurmig_step_warning_last(const aurmig_step *step);
/** How many warnings the step gave so far. */
AURMIG_EXTERN(size_t) aurmig_step_warnings(const aurmig_step *step);

/**
 * The declared head schema of the migrations for a dialect (an
 * aurmig_dialect): `<migrations>/schema/<dialect>.sql` when it exists, else
 * `<migrations>/schema/portable.sql` when that exists (one portable
 * declaration for every backend), else the dialect's file name anyway.
 * What aurmig_init() runs and `check --schema` compares with.
 * @return AURMIG_OK, AURMIG_EBUFS (path_size too small), AURMIG_EINVALID.
 */
AURMIG_EXTERN(int) aurmig_graph_declared_schema(char *path_out, size_t path_size, const aurmig_graph *graph, int dialect);

/**
 * Build a fresh database: run the head schema (aurmig_graph_declared_schema())
 * (its line `-- aurmig:schema-revision REV...` says which revision(s) it is),
 * then stamp those revisions, with a journal entry. SQLite and PostgreSQL do
 * it all in one transaction. Takes the deploy lock (opts may be NULL).
 * @return AURMIG_OK; AURMIG_EINVALID when the database has any table;
 *         AURMIG_ENOTFOUND when there is no schema file for the dialect;
 *         AURMIG_EPARSE / AURMIG_EUNKNOWNREV for a bad schema file; AURMIG_EDB.
 */
AURMIG_EXTERN(int) aurmig_init(aurmig_conn *conn, const aurmig_graph *graph, const aurmig_plan_options *opts);

/** State of the configuration file against the database (aurmig_config_check()). */
typedef enum aurmig_config_state {
	AURMIG_CONFIG_IN_SYNC = 0,  /**< the file says the database's revision(s) and is as aurmig wrote it */
	AURMIG_CONFIG_BEHIND = 1,   /**< the file says another revision (restored from a backup? config steps not run?) */
	AURMIG_CONFIG_EDITED = 2,   /**< the file changed since aurmig last wrote it (a hand edit) */
	AURMIG_CONFIG_PENDING = 3,  /**< a config step failed to write and waits for the next run */
	AURMIG_CONFIG_MISSING = 4   /**< the file does not exist */
} aurmig_config_state;

/**
 * Compare the configuration file with the database, read-only: the state
 * only (success leaves no error record behind; aurmig_config_status_new()
 * also says what differs and what to do).
 * @return AURMIG_OK (also for a missing file: AURMIG_CONFIG_MISSING);
 *         AURMIG_EPARSE for a file that is not INI; AURMIG_EDB.
 */
AURMIG_EXTERN(int) aurmig_config_check(int *state_out, aurmig_conn *conn, const aurmig_graph *graph, const char *path);

/** The configuration file against the database, with its explanation. */
typedef struct aurmig_config_status aurmig_config_status;

/**
 * As aurmig_config_check(), into an object that also holds the sentence
 * saying what differs and how to reconcile (re-run the pending steps with
 * `upgrade`, or `config-stamp` to accept the file as it is). Free it with
 * aurmig_config_status_free(), in any order with the connection.
 */
AURMIG_EXTERN(int) aurmig_config_status_new(aurmig_config_status **out, aurmig_conn *conn,
	const aurmig_graph *graph, const char *path);
/** An aurmig_config_state (-1 for NULL). */
AURMIG_EXTERN(int) aurmig_config_status_state(const aurmig_config_status *status);
/** What differs and what to do; "" when in sync. Owned by status. */
AURMIG_EXTERN(const char *) aurmig_config_status_message(const aurmig_config_status *status);
AURMIG_EXTERN(void) aurmig_config_status_free(aurmig_config_status *status);

/**
 * Accept the file as it is: write the database's revision(s) into its
 * `[aurmig] revision` and record its checksum in the journal.
 */
AURMIG_EXTERN(int) aurmig_config_stamp(aurmig_conn *conn, const aurmig_graph *graph, const char *path);
/**
 * aurmig_config_stamp() with options: of @p opts only lock_timeout_ms is
 * read (NULL: the default, 60 s); AURMIG_ELOCKED when the deploy lock was
 * not free in time.
 */
AURMIG_EXTERN(int) aurmig_config_stamp_opts(aurmig_conn *conn, const aurmig_graph *graph, const char *path,
	const aurmig_plan_options *opts);

/**
 * The declared schema an upgrade plan builds the empty database from before
 * its steps (as aurmig_init() does), or NULL. aurmig_plan_new() makes such a
 * plan for `upgrade heads` on a database with no version rows and no
 * tables when the migrations ship a declared schema
 * (aurmig_graph_declared_schema()); its steps are those after the schema's
 * revision (usually none), its "after" the heads. Borrowed.
 */
AURMIG_EXTERN(const char *) aurmig_plan_init_schema(const aurmig_plan *plan);

/**
 * Read-only: whether `upgrade heads` would build the database from the
 * declared schema (see aurmig_plan_init_schema()). @param[out] out 1 or 0.
 */
AURMIG_EXTERN(int) aurmig_upgrade_builds_from_schema(int *out, aurmig_conn *conn, const aurmig_graph *graph);

/** Result of aurmig_check(). */
typedef enum aurmig_state {
	AURMIG_STATE_AT_HEAD = 0,  /**< every head is applied */
	AURMIG_STATE_BEHIND = 1,   /**< migrations are pending */
	AURMIG_STATE_UNKNOWN = 2,  /**< the database holds a revision the graph lacks (newer than the code?) */
	AURMIG_STATE_RECOVERY = 3, /**< a migration failed half-way and awaits recovery (see aurmig_recover()) */
	AURMIG_STATE_DRIFT = 4,    /**< an applied migration's file changed since it ran */
	AURMIG_STATE_IN_PROGRESS = 5 /**< a migration is running now (its run holds the deploy lock): wait, do not recover */
} aurmig_state;

/**
 * The one name of each state, config state and step kind, as the CLI's
 * JSON and text and the bindings spell them (docs/json.md): "at_head",
 * "behind", "unknown_revision", "needs_recovery", "drift", "in_progress";
 * "in_sync", "behind", "edited", "pending", "missing"; "upgrade",
 * "downgrade", "stamp". Static strings; NULL for a number that is none
 * (states and config states count up from 0, step kinds from 1, without
 * gaps: iterate until NULL).
 */
AURMIG_EXTERN(const char *) aurmig_state_name(int state);
AURMIG_EXTERN(const char *) aurmig_config_state_name(int state);
AURMIG_EXTERN(const char *) aurmig_step_kind_name(int kind);

/**
 * Read-only check: is the database at the graph's heads? Never writes and
 * never creates the version table. When several things are wrong, the
 * state is the first of: in progress, unknown revision, awaiting recovery,
 * drift, behind. In progress: the journal shows a running step and its run
 * holds the deploy lock (probed only when there is a running row); the
 * record (AURMIG_EINPROGRESS) names the run: host, pid, run id, start,
 * revision, statement k of n.
 * @param[out] state_out an aurmig_state.
 * @param[out] pending_out number of migrations `upgrade heads` would run (0 when unknown); may be NULL.
 * @return AURMIG_OK (whatever the state) or an error reading the database.
 */
AURMIG_EXTERN(int) aurmig_check(int *state_out, size_t *pending_out, aurmig_conn *conn, const aurmig_graph *graph);

AURMIG_END_DECL

#endif
