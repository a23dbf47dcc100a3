/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Plans and steps (private layout, shared by plan.c and migrator.c). */
#ifndef AURMIG_PLAN_PRIV_H
#define AURMIG_PLAN_PRIV_H

#include "graph/planner.h"
#include "db/db.h"
#include "db/journal.h"
#include "run/config.h"

struct aurmig_step {
	int kind;                    /* aurmig_step_kind */
	const aurmig_migration *mig; /* NULL for stamp steps */
	aurmig__strv from, to;       /* Alembic's from_revisions / to_revisions */
	aurmig__rowop *ops;          /* version-table changes, decided at plan time */
	size_t nops;
	const char *sql;             /* the section that runs (NULL for stamp steps) */
	struct aurmig__stmt *stmts;  /* its statements, split at plan time */
	size_t nstmts;
	aurmig__item *items;         /* statements and hook calls, in order */
	size_t nitems;
	struct aurmig__ddl **ddl;    /* portable section: statement k parsed, or NULL (passes through); else NULL */
	int own_conn_hook;           /* a hook with its own connection: not atomic */
	int has_batch;               /* a `-- aurmig:batch` statement (run/batch.c): not atomic */
	size_t batches;              /* batches of batched statements committed so far */
	size_t batch_rows;           /* rows they changed */
	aurmig__cfgop *cfg;          /* config steps, applied after the step commits */
	size_t ncfg;
	char cfg_run_id[33];         /* its "pending" journal row, written before the commit */
	size_t statements;           /* run so far */
	double seconds;              /* -1 until run */
	size_t retries;              /* statements retried after a lock-wait timeout or deadlock */
	aurmig_step_warning warning; /* the last blocking-statement warning (online.c); strings owned */
	size_t nwarnings;
};

struct aurmig_plan {
	aurmig_context *ctx;
	aurmig_conn *conn;
	const aurmig_graph *graph;
	int command;
	aurmig_plan_options opts;
	aurmig_step *steps;
	size_t nsteps;
	size_t steps_cap;            /* allocated steps (the array grows geometrically) */
	size_t next;                 /* first step not yet applied */
	aurmig__strv before, after;  /* version rows before and after the plan */
	int purge;                   /* stamp --purge: empty the table first */
	int failed;                  /* a step failed: the plan cannot continue */
	int plan_tx;                 /* the whole-plan transaction is open */
	int started;                 /* the first step was begun */
	int own_lock;                /* this plan took the deploy lock */
	char run_id[33];             /* journal rows of this run */
	long marker_seq;             /* step whose journal row exists ("running"), or -1 */
	size_t queued_lo, queued_hi; /* MySQL: steps [lo, hi) have a "queued" journal row, written
	                              * at the start; the step before each makes it "running" */
	char *sql;                   /* aurmig_plan_sql() result */
	aurmig__ini *ini;            /* the configuration file, when config steps run */
	char *config_file;           /* the plan's copy of opts.config_file (owned) */
	aurmig__strv heads_now;      /* version rows as the steps run (for [aurmig] revision) */
	size_t cfg_done;             /* steps whose config steps have been applied */
	void (*cfg_test_hook)(void *arg, int point);   /* test only: aurmig__plan_test_config_hook */
	void *cfg_test_arg;
	int cfg_saved;               /* this run wrote the file (config.c) */
	int cfg_backups;             /* the run's own backups of it, PATH.aurmig-bak.RUN[.N] */
	char cfg_stamp[48];          /* their name's run part: "<UTC time>.<run id>" */
	aurmig__buf jrows;           /* one-transaction plans: journal rows not yet written */
	size_t njrows;               /* (VALUES tuples in jrows; see queue_row in migrator.c) */
	char *init_schema;           /* an empty database: built from this declared schema
	                              * (aurmig_init) before the first step; NULL otherwise */
	/* bounded lock waits (waits.c) */
	long wait_session_ms;        /* lock-wait bound set at session level, or -1 */
	int retry_step;              /* the failed atomic step was rolled back and runs again */
	int tail_ok;                 /* aurmig__run_statements may leave tail_dml's transaction open */
	int tail_dml;                /* a non-atomic step's last statement, DML, ran in the open
	                              * transaction of its version change (uncommitted) */
	int tail_ddl_ok;             /* the step's success is one statement: the last statement's
	                              * progress can ride on it (MySQL, see migrator.c) */
	int tail_ddl;                /* so it did: the last statement ran, its progress is not
	                              * written yet (the success statement writes it) */
	char *wait_note;             /* attempts and blockers, for the message of a step out of retries */
	char *batch_resume;          /* resume: the journal row's batch note (run/batch.c), or NULL */
	aurmig__strv sizes;          /* MySQL: table, rows, bytes of each table (information_schema),
	                              * read at the first statement that needs them (online.c) */
	int sizes_read;
};

/* Apply the next step (migrator.c). */
int aurmig__plan_apply_next(aurmig_plan *p, const aurmig_step **out);
/* Run statements [from, n) of the step's script; *done counts the ones that
 * succeeded (from + successes), *total the script's statements. Non-atomic
 * steps record progress in the journal after each statement. */
/* Run the step's `-- aurmig:assert` queries (asserts.c): AURMIG_EASSERT
 * (file:line in the record) when one fails. */
int aurmig__step_asserts(aurmig_plan *p, aurmig_step *s);
int aurmig__run_statements(aurmig_plan *p, aurmig_step *s, size_t from, size_t *done, size_t *total,
	int atomic);
/* 1 when a crash during the step leaves nothing behind. */
int aurmig__step_atomic(const aurmig_plan *p, const aurmig_step *s);
/* Journal row of a step the plan announced but did not run: "cancelled". */
void aurmig__plan_cancel_marker(aurmig_plan *p);
/* Release the deploy lock if this plan holds it. */
void aurmig__plan_unlock(aurmig_plan *p);

/* batch.c: check the step's batched statements at plan time (path and
 * line: the section's file and first line); sets s->has_batch. */
int aurmig__batch_check(aurmig_plan *p, aurmig_step *s, const char *path, int line);
/* batch.c: run item i (statement text one) as batches, each committed with
 * its journal note; on success the journal row says statement i is done.
 * Errors carry the full message (n: the step's item count). */
int aurmig__batch_run(aurmig_plan *p, aurmig_step *s, const aurmig__item *it, const char *one, size_t i,
	size_t n);
/* batch.c: resume: the failed row's error column, read for a batch note
 * so the resumed statement goes on after its last committed batch. */
int aurmig__batch_resume_from(aurmig_plan *p, const char *journal_error);

/* online.c: run one statement of a step on MariaDB/MySQL, with --online's
 * forms and the warning before a blocking statement (sql[0..len), the
 * script's line); other statements and dialects as written. */
int aurmig__online_exec(aurmig_plan *p, aurmig_step *s, const char *sql, size_t len, int line);
/* online.c: the same for a portable statement (rendered for MySQL). */
int aurmig__online_exec_ddl(aurmig_plan *p, aurmig_step *s, const struct aurmig__ddl *op, int line);
/* online.c: whether statements of step s go through aurmig__online_exec. */
int aurmig__online_wanted(const aurmig_plan *p, const aurmig_step *s);
/* online.c: free the step's warning strings. */
void aurmig__step_warning_clear(aurmig_step *s);

/* Copy caller's options of any supported version (NULL: defaults). */
void aurmig__plan_options_copy(aurmig_plan_options *dst, const aurmig_plan_options *src);

/* waits.c: bounded lock waits and retries of a step's statements. */
/* The lock-wait bound of a step: its script's header, else the plan's. */
long aurmig__step_lock_wait_ms(const aurmig_plan *p, const aurmig_step *s);
/* Apply it before the step's statements (SET LOCAL inside an atomic step). */
int aurmig__step_set_lock_wait(aurmig_plan *p, const aurmig_step *s, int atomic);
/* Undo session-level settings at the end of the plan. */
void aurmig__plan_reset_lock_wait(aurmig_plan *p);
/* Statement i of the step failed (the error is on the context). 0: give
 * up; 1: run the statement again now (non-atomic); 2: the atomic step was
 * rolled back, run it again (p->retry_step is set). */
int aurmig__step_wait_retry(aurmig_plan *p, aurmig_step *s, size_t i, int atomic);
/* The first transaction of a plan (the journal, the first step's row),
 * under the first step's lock-wait bound, retried like a step's BEGIN. */
int aurmig__plan_first_begin(aurmig_plan *p);
/* The step's transaction could not begin (out of retries): say so, with the attempts. */
int aurmig__step_wait_failed(aurmig_plan *p, const aurmig_step *s, int rc);

/* aurmig_plan_new, with the recovery gate optional (read-only callers). */
int aurmig__plan_create(aurmig_plan **out, aurmig_conn *conn, const aurmig_graph *graph,
	int command, const char *const *targets, size_t ntargets, const aurmig_plan_options *opts, int gate,
	const aurmig__strv *start);
/* A one-step plan for migration m from the given heads (no lock, no gate). */
int aurmig__plan_single(aurmig_plan **out, aurmig_conn *conn, const aurmig_graph *graph, int kind,
	const aurmig_migration *m, const aurmig__strv *heads_now);

/* init.c: the revisions the declared schema at path says it is. */
int aurmig__init_schema_revisions(aurmig_context *ctx, const aurmig_graph *g, const char *path,
	aurmig__strv *out);
/* plan.c: whether an upgrade to heads would build the database from the
 * declared schema (no version rows, no tables, the schema file exists);
 * *path_out gets the schema's path then (owned), else NULL. */
int aurmig__plan_would_init(aurmig_conn *conn, const aurmig_graph *graph, const aurmig__strv *rows,
	char **path_out);

/* gate.c: before planning (lock held): mark interrupted atomic runs,
 * refuse with AURMIG_ERECOVERY while a failed migration awaits recovery. */
int aurmig__recovery_gate(aurmig_conn *c, const aurmig_graph *g, int have_lock);
/* gate.c: a running step whose run still holds the deploy lock, as a
 * sentence (owned by the caller; NULL when out of memory). */
char *aurmig__in_progress_msg(aurmig_context *ctx, const char *op, const char *rev, long done, long total,
	const char *run_id, long pid, const char *host, const char *since, const char *note);
/* gate.c: refuse when one of rows is 'running' and its run is alive (holds
 * the deploy lock, which the caller does not): one probe, only when a
 * running row exists. AURMIG_EINPROGRESS naming the run, else AURMIG_OK. */
int aurmig__refuse_if_live(aurmig_conn *c, const aurmig__jrows *rows);
/* recovery.c: a field (aurmig_run_field) of the report's first migration in
 * progress, or NULL. Borrowed. */
#define AURMIG__RUN_FIELDS 9
const char *aurmig__report_run(const aurmig_report *r, int field);
/* aurmig_validate, also handing over the version table's rows it read
 * (*current, when not NULL; the caller clears it): the start-up check reads
 * the database once. */
int aurmig__validate_rows(aurmig_report **out, aurmig_conn *c, const aurmig_graph *g, aurmig__strv *current);

#endif
