/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file aurmig/status.h
 * @brief The one-call, read-only start-up check.
 *
 * For an application that wants to know, when it starts, whether its
 * database schema is at head: one call loads the migrations, connects,
 * reads the version table and the journal, and reports. Nothing is
 * written; no lock is taken.
 */
#ifndef AURMIG_STATUS_H
#define AURMIG_STATUS_H

#include "common.h"

AURMIG_BEGIN_DECL

/** The result of aurmig_status_new(). */
typedef struct aurmig_status aurmig_status;

/**
 * Check a database against a migrations directory.
 *
 * @param url a connection URL (see aurmig/conn.h), or NULL when
 *        @p aurweb_config is given.
 * @param aurweb_config aurweb's configuration file, or NULL.
 * @param dir the migrations directory.
 * Every statement waits at most AURMIG_STATUS_TIMEOUT_MS (5 s): see
 * aurmig_status_new_timeout().
 * @return AURMIG_OK when the check ran, whatever the state; an error when
 *         it could not (bad migrations, no connection): then *out is NULL.
 */
AURMIG_EXTERN(int) aurmig_status_new(aurmig_status **out, aurmig_context *ctx, const char *url,
	const char *aurweb_config, const char *dir);

/** The wait bound of aurmig_status_new(), in milliseconds. */
typedef enum aurmig_status_defaults {
	AURMIG_STATUS_TIMEOUT_MS = 5000
} aurmig_status_defaults;

/**
 * aurmig_status_new() with its wait bound: every statement of the check
 * waits at most @p timeout_ms milliseconds for a lock or an answer
 * (aurmig_conn_set_timeout()); <= 0 sets no bound. aurmig_status_new()
 * uses AURMIG_STATUS_TIMEOUT_MS. A check that times out fails with
 * AURMIG_ELOCKED ("timed out waiting for the database"): an application
 * start never hangs behind a lock.
 */
AURMIG_EXTERN(int) aurmig_status_new_timeout(aurmig_status **out, aurmig_context *ctx, const char *url,
	const char *aurweb_config, const char *dir, long timeout_ms);

/**
 * The same check on a connection and a graph the caller already has (the
 * fast path for a long-lived process: no file is read, no connection made).
 * The connection's own wait bound applies (aurmig_conn_set_timeout()).
 */
AURMIG_EXTERN(int) aurmig_status_from(aurmig_status **out, aurmig_conn *conn, const aurmig_graph *graph);

/** An aurmig_state: at head, behind, unknown revision (database ahead), awaiting recovery, drift, in progress. */
AURMIG_EXTERN(int) aurmig_status_state(const aurmig_status *status);
/** A sentence describing the state. Borrowed. */
AURMIG_EXTERN(const char *) aurmig_status_message(const aurmig_status *status);
/** Fields of aurmig_status_run(): the running step's journal row. */
typedef enum aurmig_run_field {
	AURMIG_RUN_ID = 1,          /**< the run's id (32 hex digits) */
	AURMIG_RUN_HOST = 2,        /**< host name of its process */
	AURMIG_RUN_PID = 3,         /**< its process id (decimal) */
	AURMIG_RUN_SINCE = 4,       /**< when the step started (UTC, ISO 8601) */
	AURMIG_RUN_REVISION = 5,    /**< the revision it runs */
	AURMIG_RUN_OPERATION = 6,   /**< upgrade, downgrade, resume, ... */
	AURMIG_RUN_STATEMENT = 7,   /**< the statement it is at, k of n (decimal, from 1) */
	AURMIG_RUN_STATEMENTS = 8   /**< n, the step's statements (decimal) */
} aurmig_run_field;

/**
 * Who runs the migration in progress (state AURMIG_STATE_IN_PROGRESS): one
 * aurmig_run_field of its journal row, borrowed; NULL in any other state.
 */
AURMIG_EXTERN(const char *) aurmig_status_run(const aurmig_status *status, int field);
/** The database's version rows. */
AURMIG_EXTERN(size_t) aurmig_status_current_count(const aurmig_status *status);
AURMIG_EXTERN(const char *) aurmig_status_current(const aurmig_status *status, size_t i);
/** The heads of the migrations directory. */
AURMIG_EXTERN(size_t) aurmig_status_head_count(const aurmig_status *status);
AURMIG_EXTERN(const char *) aurmig_status_head(const aurmig_status *status, size_t i);
/** The migrations `upgrade heads` would run, in order. */
AURMIG_EXTERN(size_t) aurmig_status_pending_count(const aurmig_status *status);
AURMIG_EXTERN(const char *) aurmig_status_pending(const aurmig_status *status, size_t i);
AURMIG_EXTERN(void) aurmig_status_free(aurmig_status *status);

AURMIG_END_DECL

#endif
