/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file aurmig/recovery.h
 * @brief Failed-migration recovery, validation and checksums.
 *
 * libaurmig keeps a journal table (`aurmig_journal`; one per version table:
 * aurmig_conn_journal_table()) beside `alembic_version`: one row per step with its progress, outcome, the
 * script's checksum and who ran it. On SQLite and PostgreSQL a failed or
 * killed migration is rolled back by the database and only recorded. On
 * MySQL/MariaDB (DDL commits at once) and for `transaction off` scripts, a
 * failure leaves the statements before it applied: every later run refuses
 * (AURMIG_ERECOVERY) until an operator resolves it with aurmig_recover().
 */
#ifndef AURMIG_RECOVERY_H
#define AURMIG_RECOVERY_H

#include "common.h"
#include "plan.h"

AURMIG_BEGIN_DECL

/** Ways to resolve a migration that failed half-way. */
typedef enum aurmig_recovery_action {
	/** Run the rest of the failed migration (from the failed statement, of the current file) and record it done. */
	AURMIG_RECOVER_RESUME = 1,
	/** The operator completed the migration by hand: record it done (version table and journal). */
	AURMIG_RECOVER_MARK_APPLIED = 2,
	/** The operator undid its partial changes by hand: record that nothing of it remains. */
	AURMIG_RECOVER_MARK_ROLLED_BACK = 3
} aurmig_recovery_action;

/**
 * Resolve the failed migration the journal reports.
 * @param revision the revision the operator means (checked against the
 *        journal), or NULL for "the one that failed".
 * @param opts lock timeout, progress callback, AURMIG_PLAN_NO_LOCK; NULL for defaults.
 * @return AURMIG_OK; AURMIG_ENOTFOUND when nothing awaits recovery;
 *         AURMIG_EINPROGRESS when the journal's running step belongs to a
 *         run that is alive (holds the deploy lock): recovery is for a run
 *         that died, and is refused at once, without waiting for the lock;
 *         AURMIG_EINVALID when @p revision is not the failed one;
 *         AURMIG_ERECOVERY when a resumed statement fails again (the
 *         journal then points at it); AURMIG_ELOCKED; AURMIG_EDB.
 */
AURMIG_EXTERN(int) aurmig_recover(aurmig_conn *conn, const aurmig_graph *graph, int action,
	const char *revision, const aurmig_plan_options *opts);

/** Kinds of finding in a validation report. */
typedef enum aurmig_issue_kind {
	AURMIG_ISSUE_PENDING = 1,    /**< a migration has not run yet */
	AURMIG_ISSUE_CHANGED = 2,    /**< an applied migration's file changed since it ran */
	AURMIG_ISSUE_UNKNOWN = 3,    /**< the database holds a revision no file knows */
	AURMIG_ISSUE_RECOVERY = 4,   /**< a migration failed half-way and awaits recovery */
	AURMIG_ISSUE_UNRECORDED = 5, /**< applied, but no checksum was recorded (e.g. applied by Alembic); informational */
	AURMIG_ISSUE_IN_PROGRESS = 6 /**< a migration is running now: its run holds the deploy lock (who, where in the message) */
} aurmig_issue_kind;

/** A validation report. */
typedef struct aurmig_report aurmig_report;

/**
 * Compare the database with the migrations directory: pending migrations,
 * applied migrations whose file changed since (checksums from the
 * journal), revisions the files do not know, failed migrations. Read-only.
 */
AURMIG_EXTERN(int) aurmig_validate(aurmig_report **out, aurmig_conn *conn, const aurmig_graph *graph);
AURMIG_EXTERN(size_t) aurmig_report_count(const aurmig_report *report);
/** An aurmig_issue_kind. */
AURMIG_EXTERN(int) aurmig_report_kind(const aurmig_report *report, size_t i);
/** The revision the finding is about (borrowed). */
AURMIG_EXTERN(const char *) aurmig_report_revision(const aurmig_report *report, size_t i);
/** A sentence for people (borrowed). */
AURMIG_EXTERN(const char *) aurmig_report_message(const aurmig_report *report, size_t i);
AURMIG_EXTERN(void) aurmig_report_free(aurmig_report *report);

/**
 * Accept the current files of applied migrations as the reference for
 * future validation (the way out after a harmless edit, such as a comment):
 * records their checksums in the journal. @p revision limits it to one
 * revision; NULL accepts every changed or unrecorded one.
 */
AURMIG_EXTERN(int) aurmig_accept_checksums(aurmig_conn *conn, const aurmig_graph *graph, const char *revision);
/**
 * aurmig_accept_checksums() with options: of @p opts only lock_timeout_ms
 * is read (NULL: the default, 60 s). @return as aurmig_accept_checksums(),
 * or AURMIG_ELOCKED when the deploy lock was not free in time.
 */
AURMIG_EXTERN(int) aurmig_accept_checksums_opts(aurmig_conn *conn, const aurmig_graph *graph, const char *revision,
	const aurmig_plan_options *opts);

AURMIG_END_DECL

#endif
