/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file aurmig/verify.h
 * @brief `aurmig test`: migrations checked against scratch databases.
 *
 * aurmig_verify_run() runs the checks a project runs in CI on one scratch
 * database (an empty database of any backend: a temporary SQLite file, or
 * an empty MariaDB/PostgreSQL database): the graph has a single head; it
 * upgrades from base to its heads; the stairway (at every revision: up one,
 * down one, up one; the downgrade must restore exactly the schema before
 * the step, the upgrade after it the same schema again); the final schema
 * equals the declared head schema (`schema/<dialect>.sql` or
 * `schema/portable.sql`). Results accumulate in a report: one entry per
 * check that passed or was skipped, one per failure. Afterwards every table
 * of the scratch database is dropped again.
 *
 * Strings are borrowed from the report and live until aurmig_verify_free().
 */
#ifndef AURMIG_VERIFY_H
#define AURMIG_VERIFY_H

#include "common.h"
#include "schema.h"

AURMIG_BEGIN_DECL

/** A report of aurmig_verify_run(). */
typedef struct aurmig_verify aurmig_verify;

/** The checks (bits for aurmig_verify_run()'s @p checks). */
typedef enum aurmig_verify_check {
	AURMIG_VERIFY_SINGLE_HEAD = 1,  /**< the graph has exactly one head (no database needed) */
	AURMIG_VERIFY_UPGRADE = 2,      /**< base -> heads, step by step */
	AURMIG_VERIFY_STAIRWAY = 4,     /**< at every revision: up, down (restores the schema before), up (the same schema again) */
	AURMIG_VERIFY_DECLARED = 8,     /**< the schema at heads equals the declared head schema */
	/**
	 * The schema at heads on this backend is equivalent (the cross-backend
	 * aurmig_schema_diff_new(), column order left out) to the one an
	 * earlier aurmig_verify_run() of the same report reached on each other
	 * backend: the per-dialect and portable sections end at the same schema.
	 */
	AURMIG_VERIFY_DIALECTS = 16,
	/**
	 * Data fixtures: for each revision with a file tests/<revision>.sql
	 * beside the scripts, its `-- aurmig:fixture before` statements run
	 * before the revision's upgrade and its `-- aurmig:expect` queries
	 * after it must hold (no row, or a true first column in every row).
	 */
	AURMIG_VERIFY_FIXTURES = 32,
	AURMIG_VERIFY_ALL = 63
} aurmig_verify_check;

/** The outcome of an entry. */
typedef enum aurmig_verify_status {
	AURMIG_VERIFY_PASSED = 1,
	AURMIG_VERIFY_FAILED = 2,
	AURMIG_VERIFY_SKIPPED = 3   /**< could not run (an earlier check failed, no declared schema, ...) */
} aurmig_verify_status;

/** An empty report. @return AURMIG_OK, AURMIG_EINVALID or AURMIG_ENOMEM. */
AURMIG_EXTERN(int) aurmig_verify_new(aurmig_verify **out, aurmig_context *ctx);
AURMIG_EXTERN(void) aurmig_verify_free(aurmig_verify *report);

/**
 * Run @p checks (aurmig_verify_check bits) on @p scratch, appending to the
 * report. @p scratch must hold no table; it may be NULL when @p checks is
 * only AURMIG_VERIFY_SINGLE_HEAD. Takes no deploy lock (the database is
 * scratch), runs hooks' SQL defaults (and callbacks registered on the
 * context), refuses config steps.
 * @return AURMIG_OK when the checks ran, whatever they found (see
 *         aurmig_verify_failures()); AURMIG_EINVALID (a table in the scratch
 *         database, NULL arguments), AURMIG_ENOMEM, AURMIG_EDB when the
 *         scratch database could not be read.
 */
AURMIG_EXTERN(int) aurmig_verify_run(aurmig_verify *report, aurmig_conn *scratch, const aurmig_graph *graph,
	unsigned int checks);

AURMIG_EXTERN(size_t) aurmig_verify_count(const aurmig_verify *report);
/** Entries with AURMIG_VERIFY_FAILED. */
AURMIG_EXTERN(size_t) aurmig_verify_failures(const aurmig_verify *report);
/** The entry's check: one aurmig_verify_check bit; -1 out of range. */
AURMIG_EXTERN(int) aurmig_verify_check_of(const aurmig_verify *report, size_t i);
/** "single-head", "upgrade", "stairway", "declared", "dialects", "fixtures"; NULL for others. Static. */
AURMIG_EXTERN(const char *) aurmig_verify_check_name(int check);
/** An aurmig_verify_status; -1 out of range. */
AURMIG_EXTERN(int) aurmig_verify_status_of(const aurmig_verify *report, size_t i);
/** "passed", "failed", "skipped"; NULL for others. Static. */
AURMIG_EXTERN(const char *) aurmig_verify_status_name(int status);
/** The scratch database's aurmig_dialect; -1 for graph checks and out of range. */
AURMIG_EXTERN(int) aurmig_verify_dialect(const aurmig_verify *report, size_t i);
/** The revision the entry is about, or NULL. */
AURMIG_EXTERN(const char *) aurmig_verify_revision(const aurmig_verify *report, size_t i);
/** A sentence (several lines for schema differences). */
AURMIG_EXTERN(const char *) aurmig_verify_message(const aurmig_verify *report, size_t i);

/**
 * @name The integrity file <dir>/aurmig.sum
 * One line per script (its file name and aurmig_migration_checksum()),
 * sorted by file name, after a `total v1:HEX` line over them
 * (docs/script-format.md). `aurmig revision`, `merge` and `hash` write it;
 * the aurmig command checks it whenever it loads the migrations.
 */
/**@{*/
/** Write (replace) <dir>/aurmig.sum for the graph's scripts. @return AURMIG_OK, AURMIG_ENOMEM, AURMIG_EIO. */
AURMIG_EXTERN(int) aurmig_graph_sum_write(const aurmig_graph *graph);
/**
 * Compare <dir>/aurmig.sum with the graph's scripts. A directory without
 * the file passes (*found_out 0).
 * @param[out] found_out optional: 1 when the file exists.
 * @return AURMIG_OK when it matches or is absent; AURMIG_ERROR naming every
 *         edited, removed or renamed, and added script in the message (file
 *         = the sum file); AURMIG_EPARSE for a malformed line; AURMIG_EIO.
 */
AURMIG_EXTERN(int) aurmig_graph_sum_check(int *found_out, const aurmig_graph *graph);
/**@}*/

/**
 * @name Drift at the database's revision
 * The schema a database should have at its own version rows (its revision,
 * behind head or at head): the migrations replayed on an empty scratch
 * database of the same backend up to those rows, read back; and the
 * database's own schema, read in the same call so that both belong to the
 * same version rows. Compare them with aurmig_schema_diff_new().
 */
/**@{*/
/** How aurmig_drift_read() keeps a running migration from being read as drift. */
typedef enum aurmig_drift_lock {
	/**
	 * Read-only callers (`check --schema`): take nothing; refuse with
	 * AURMIG_EINPROGRESS when a run holds the deploy lock before or after
	 * the database was read, or its version rows changed meanwhile.
	 */
	AURMIG_DRIFT_PROBE = 0,
	/**
	 * Take the deploy lock on the database (waiting up to
	 * lock_timeout_ms, < 0 forever: AURMIG_ELOCKED) and keep it: an
	 * aurmig_plan_new() on the same connection afterwards runs under it
	 * (and releases it when the plan is freed); else aurmig_conn_free()
	 * releases it. Passes the recovery gate first (AURMIG_ERECOVERY).
	 */
	AURMIG_DRIFT_HOLD = 1
} aurmig_drift_lock;

/**
 * Read @p conn's schema (libaurmig's tables left out) into *live_out and
 * replay @p graph on @p scratch (empty, same backend: a temporary SQLite
 * file, an empty MariaDB/PostgreSQL database) to @p conn's version rows,
 * read it into *expected_out; the scratch database is emptied again. A
 * database without version rows gives an empty expected schema. Hooks run
 * their SQL defaults only (the context's callbacks are not called: they
 * would act on the real database); config steps are refused. With
 * AURMIG_DRIFT_HOLD the lock is released again when the call fails.
 * @param lock an aurmig_drift_lock.
 * @param[out] revisions_out optional: the version rows compared at, one
 *         string of revisions separated by spaces ("" for none; caller frees).
 * @return AURMIG_OK; AURMIG_EINPROGRESS (see @p lock), AURMIG_ELOCKED,
 *         AURMIG_ERECOVERY, AURMIG_EUNKNOWNREV (a version row the graph
 *         does not know), AURMIG_EINVALID (scratch not empty or another
 *         backend), or the replay's error (the message says it was the replay).
 */
AURMIG_EXTERN(int) aurmig_drift_read(aurmig_schema **live_out, aurmig_schema **expected_out, char **revisions_out,
	aurmig_conn *conn, aurmig_conn *scratch, const aurmig_graph *graph, int lock, long lock_timeout_ms);
/**@}*/

AURMIG_END_DECL

#endif
