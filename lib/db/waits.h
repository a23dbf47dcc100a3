/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bounded waits (docs/safety.md, "Bounded waits"): which driver errors mean
 * "timed out waiting" (a lock wait, a statement timeout, a deadlock), the
 * session settings that bound a read-only session and a migration's lock
 * waits, who blocked a timed-out statement, and whether the server takes
 * writes at all (a read-only replica, a hot standby).
 */
#ifndef AURMIG_WAITS_H
#define AURMIG_WAITS_H

#include "db/db.h"

/* (kinds: AURMIG__WAIT_*, aurmig__db_wait_kind() in db/db.h) */
/* 1 when a failure of that kind may be retried: it changed nothing. */
int aurmig__db_wait_retryable(int kind);

/* Bound the lock waits of the following statements to ms (> 0), for a
 * migration step; local: only until the end of the current transaction
 * (PostgreSQL SET LOCAL). ms == 0 leaves the server's value. */
int aurmig__db_set_lock_wait(aurmig_conn *c, long ms, int local);
/* MariaDB's bound of ms on a statement and its lock waits, as assignments
 * between prefix and suffix ("SET SESSION ", or "SET STATEMENT ...,"
 * and " FOR "); NULL when out of memory (recorded). */
char *aurmig__db_mariadb_timeouts(aurmig_context *ctx, const char *prefix, long ms, const char *suffix);
/* Undo a session-level aurmig__db_set_lock_wait (errors are only logged). */
void aurmig__db_reset_lock_wait(aurmig_conn *c);
/* The SQL that aurmig__db_set_lock_wait runs, for offline scripts, or NULL
 * when nothing is set (ms == 0, SQLite). Caller frees. */
char *aurmig__db_lock_wait_sql(aurmig_context *ctx, int dialect, long ms, int local);

/* Describe the other sessions that hold locks in this database (best
 * effort, read-only): "; blocked by session 12 (user@host, ...)", or "" when
 * none is seen. Never fails: the error record is left alone. Caller frees;
 * NULL only when out of memory. */
char *aurmig__db_blockers(aurmig_conn *c);

/* Refuse (AURMIG_ERROR, exit 1 in the CLI) when the server cannot take
 * writes: a PostgreSQL hot standby, a database with
 * default_transaction_read_only, a MariaDB/MySQL server with read_only
 * (super_read_only implies it), a Galera node that is not ready. */
int aurmig__db_require_writable(aurmig_conn *c);

/* A Galera node's state (GLOBAL_STATUS) and one session variable, in one
 * query. A node outside the primary component or not ready is an error:
 * "this Galera node NOT_READY (its state): ADVICE (url)". Else the
 * variable's value is copied to value (size bytes). */
int aurmig__db_galera_node(aurmig_conn *c, const char *session_var, char *value, size_t size,
	const char *not_ready, const char *advice);

#endif
