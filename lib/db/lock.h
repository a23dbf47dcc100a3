/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The deploy lock: one migrating process per database. Session-scoped on
 * every backend, so it dies with the process and can never go stale:
 * PostgreSQL pg_try_advisory_lock, MySQL/MariaDB GET_LOCK, SQLite flock()
 * on a file beside the database. On a MariaDB Galera node (or when forced
 * by aurmig_conn_set_cluster) it is a lease row instead (db/lease.c).
 */
#ifndef AURMIG_LOCK_H
#define AURMIG_LOCK_H

#include "db/db.h"

/* Take the lock, waiting up to timeout_ms (< 0: forever). AURMIG_ELOCKED on timeout. */
int aurmig__lock_acquire(aurmig_conn *c, long timeout_ms);
/* Renew the lease where the lock is one (db/lease.c; a no-op otherwise):
 * before each statement and in each version-row transaction. AURMIG_ELOCKED
 * when another run took it over. */
int aurmig__lock_renew(aurmig_conn *c);
/* Release it if held (errors are only logged: the session ends anyway). */
void aurmig__lock_release(aurmig_conn *c);
/* Whether a session (this one, or another, in any process) holds the lock
 * now, without taking it: one query on MySQL/MariaDB (IS_FREE_LOCK) and
 * PostgreSQL (pg_locks), a shared non-blocking flock() of the lock file on
 * SQLite (no file: not held). For read-only callers that found a 'running'
 * journal row: held means its run is alive. */
int aurmig__lock_probe(aurmig_conn *c, int *held);

/* The lock's name, "aurmig:<version table>" lower-cased (the lease row's
 * name too; GET_LOCK appends '@' and the database). */
void aurmig__lock_name(const aurmig_conn *c, char name[96]);
/* The PostgreSQL advisory lock key of a name. */
long long aurmig__lock_key(const char *name);
/* SQLite: the lock file's path (symbolic links resolved). */
int aurmig__lock_file_path(aurmig_conn *c, char **out);

#endif
