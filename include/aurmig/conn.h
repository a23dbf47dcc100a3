/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file aurmig/conn.h
 * @brief Database connections over libdbi, and the version table.
 *
 * URLs:
 *   - `sqlite:///relative/path.db`, `sqlite:////absolute/path.db`
 *   - `mysql://user:password@host:port/database` (also `mariadb://`),
 *     `mysql://user@/database?unix_socket=/run/mysqld/mysqld.sock`
 *   - `pgsql://user:password@host:port/database` (also `postgresql://`)
 * User and password are percent-decoded. The password is never shown in
 * messages: aurmig_conn_display_url() masks it.
 */
#ifndef AURMIG_CONN_H
#define AURMIG_CONN_H

#include "common.h"

AURMIG_BEGIN_DECL

/**
 * Open a connection from a URL.
 * @return AURMIG_OK, AURMIG_EINVALID (malformed URL: the record says why),
 *         AURMIG_EUNSUPPORTED (no libdbi driver for it), AURMIG_EDB.
 */
AURMIG_EXTERN(int) aurmig_conn_open(aurmig_conn **out, aurmig_context *ctx, const char *url);

/**
 * Open a connection described by aurweb's configuration, read as aurweb's
 * config.py reads it: the defaults file (`$AUR_CONFIG_DEFAULTS`, else
 * `PATH.defaults`) when it is a regular file, then the file at @p path on
 * top, with Python's RawConfigParser rules (no inline comments, values
 * literal). Section `[database]`: backend, host, socket, port, name, user,
 * password.
 * @return as aurmig_conn_open(), or AURMIG_EPARSE / AURMIG_EIO for the file.
 */
AURMIG_EXTERN(int) aurmig_conn_open_aurweb_config(aurmig_conn **out, aurmig_context *ctx, const char *path);

/** Flags for aurmig_conn_open_flags() and aurmig_conn_open_aurweb_config_flags(). */
typedef enum aurmig_open_flag {
	/** SQLite: the database file must exist: AURMIG_ENOTFOUND ("no such
	 *  database file: PATH") instead of creating an empty one. For
	 *  read-only work (status, current, check, schema diff). */
	AURMIG_OPEN_EXISTING = 1
} aurmig_open_flag;

/** aurmig_conn_open() with flags (aurmig_open_flag values or'ed). */
AURMIG_EXTERN(int) aurmig_conn_open_flags(aurmig_conn **out, aurmig_context *ctx, const char *url,
	unsigned int flags);
/** aurmig_conn_open_aurweb_config() with flags. */
AURMIG_EXTERN(int) aurmig_conn_open_aurweb_config_flags(aurmig_conn **out, aurmig_context *ctx,
	const char *path, unsigned int flags);

/** Close and free. NULL is a no-op. */
AURMIG_EXTERN(void) aurmig_conn_free(aurmig_conn *conn);

/**
 * Use another version table than `alembic_version` (Alembic's
 * `version_table` setting). The name must be a plain identifier: 1 to 48
 * letters, digits or '_', not starting with a digit, nor with
 * `aurmig_journal` (the journals' names); anything else is
 * AURMIG_EINVALID (it is spliced into SQL as an identifier).
 */
AURMIG_EXTERN(int) aurmig_conn_set_version_table(aurmig_conn *conn, const char *name);
/** The version table's name. Borrowed. */
AURMIG_EXTERN(const char *) aurmig_conn_version_table(const aurmig_conn *conn);
/**
 * The journal table that goes with the version table: `aurmig_journal` for
 * `alembic_version`, else `aurmig_journal_<version table>` (one journal per
 * version table, as the deploy lock is per version table: two projects in
 * one database never see each other's runs). Borrowed.
 */
AURMIG_EXTERN(const char *) aurmig_conn_journal_table(const aurmig_conn *conn);

/**
 * Run one SQL statement on the connection (for hooks, inside the
 * migration's transaction). @return AURMIG_OK or AURMIG_EDB with the
 * database's message.
 */
AURMIG_EXTERN(int) aurmig_conn_exec(aurmig_conn *conn, const char *sql);

/**
 * Bound every wait of the statements that follow on this connection to
 * @p timeout_ms milliseconds (for read-only work: a start-up check, a
 * status call), as session settings: MariaDB `max_statement_time` and
 * `lock_wait_timeout` / `innodb_lock_wait_timeout` (MySQL:
 * `max_execution_time`), PostgreSQL `statement_timeout` and `lock_timeout`,
 * SQLite the busy timeout. A statement that waits longer fails with
 * AURMIG_ELOCKED, "timed out waiting for the database", naming the
 * statement. @p timeout_ms <= 0 removes the bound (SQLite: back to the
 * 5 s busy timeout every connection starts with). Migrations set their own
 * lock-wait bound per step (aurmig_plan_options.ddl_lock_wait_ms).
 * @return AURMIG_OK, AURMIG_EINVALID, AURMIG_EDB.
 */
AURMIG_EXTERN(int) aurmig_conn_set_timeout(aurmig_conn *conn, long timeout_ms);

/** How the deploy lock is taken (aurmig_conn_set_cluster()). */
enum aurmig_lock_mode {
	AURMIG_LOCK_AUTO = 0,     /**< a lease on a MariaDB Galera node (wsrep_on), else the session lock */
	AURMIG_LOCK_SESSION = 1,  /**< always the session lock (GET_LOCK, pg_try_advisory_lock, flock) */
	AURMIG_LOCK_LEASE = 2     /**< always the lease row (MySQL/MariaDB only; elsewhere the session lock) */
};

/**
 * Cluster settings of this connection (docs/clusters.md). @p lock_mode is
 * an aurmig_lock_mode. @p lease_seconds (> 0; <= 0 keeps the default 600)
 * is how long a lease lasts without renewal: it is renewed before every
 * statement and in every version-row transaction, so it must outlast the
 * longest single statement. @p allow_non_toi 1 lets migrations run on a
 * Galera node whose wsrep_OSU_method is not TOI (refused by default: RSU
 * applies DDL to one node only while the version row replicates).
 * @return AURMIG_OK, AURMIG_EINVALID.
 */
AURMIG_EXTERN(int) aurmig_conn_set_cluster(aurmig_conn *conn, int lock_mode, long lease_seconds,
	int allow_non_toi);

/** What the deploy lock of a connection is (aurmig_lock_info_kind()). */
typedef enum aurmig_lock_kind {
	AURMIG_LOCK_KIND_FLOCK = 1,     /**< SQLite: flock() of `<database>.lock` */
	AURMIG_LOCK_KIND_GET_LOCK = 2,  /**< MySQL/MariaDB: GET_LOCK, one server */
	AURMIG_LOCK_KIND_ADVISORY = 3,  /**< PostgreSQL: pg_try_advisory_lock */
	AURMIG_LOCK_KIND_LEASE = 4      /**< the lease row in `aurmig_lock` (Galera, or --lock-mode lease) */
} aurmig_lock_kind;

/** Fields of aurmig_lock_info_field(); NULL where the lock or the server does not tell. */
typedef enum aurmig_lock_field {
	AURMIG_LOCKINFO_NAME = 1,         /**< the lock's name (lease row, GET_LOCK name, advisory key, lock file) */
	AURMIG_LOCKINFO_OWNER = 2,        /**< lease: the holder's owner id */
	AURMIG_LOCKINFO_HOST = 3,         /**< lease: the holder's host; session locks: the client host the server reports */
	AURMIG_LOCKINFO_PID = 4,          /**< lease: the holder's process id; SQLite: from /proc/locks (decimal) */
	AURMIG_LOCKINFO_NODE = 5,         /**< lease: the node it was taken on (host:port); GET_LOCK: this server */
	AURMIG_LOCKINFO_ACQUIRED_AT = 6,  /**< lease: when it was taken (UTC); PostgreSQL: the holder's backend start */
	AURMIG_LOCKINFO_HEARTBEAT_AT = 7, /**< lease: its last renewal (UTC) */
	AURMIG_LOCKINFO_EXPIRES_AT = 8,   /**< lease: when it expires without renewal (UTC) */
	AURMIG_LOCKINFO_CONNECTION = 9,   /**< GET_LOCK: the holder's connection id; PostgreSQL: its backend pid */
	AURMIG_LOCKINFO_USER = 10         /**< session locks: the holder's database user */
} aurmig_lock_field;

/** The deploy lock's state, read by aurmig_lock_info_new(). */
typedef struct aurmig_lock_info aurmig_lock_info;

/**
 * Read who holds the deploy lock of @p conn's version table, without
 * taking it (read-only; on a Galera node a causal read). A lease row is
 * read in full, held or expired; a session lock tells whether it is held
 * and, where the server tells, by which connection.
 * @return AURMIG_OK, AURMIG_ENOMEM, AURMIG_EDB, AURMIG_EIO.
 */
AURMIG_EXTERN(int) aurmig_lock_info_new(aurmig_lock_info **out, aurmig_conn *conn);
/** An aurmig_lock_kind. */
AURMIG_EXTERN(int) aurmig_lock_info_kind(const aurmig_lock_info *info);
/** 1 when the lock is held now (a lease: a row that has not expired), else 0. */
AURMIG_EXTERN(int) aurmig_lock_info_held(const aurmig_lock_info *info);
/** 1 when a lease row is there but expired (its run stopped renewing it), else 0. */
AURMIG_EXTERN(int) aurmig_lock_info_expired(const aurmig_lock_info *info);
/** 1 when this very connection holds the lock. */
AURMIG_EXTERN(int) aurmig_lock_info_mine(const aurmig_lock_info *info);
/** One aurmig_lock_field, borrowed; NULL when unknown. */
AURMIG_EXTERN(const char *) aurmig_lock_info_field(const aurmig_lock_info *info, int field);
AURMIG_EXTERN(void) aurmig_lock_info_free(aurmig_lock_info *info);

/**
 * Break the deploy lock (docs/clusters.md). Without @p force only an
 * expired lease row is removed, and not when its holder's process is seen
 * alive on this host; a held lease, or a held session lock (its run is
 * alive: it dies with its session), is refused with AURMIG_EINPROGRESS
 * naming the holder. With @p force a lease row is deleted whatever its
 * state (its run stops at its next renewal, before its next version
 * change), and the session holding GET_LOCK or the advisory lock is
 * killed (KILL CONNECTION, pg_terminate_backend; the server's privileges
 * apply). An flock() cannot be broken from outside (AURMIG_EUNSUPPORTED:
 * stop the process). Never breaks a lock this connection holds
 * (AURMIG_EINVALID). Nothing held: AURMIG_OK, nothing done.
 * @param[out] previous (may be NULL) the lock as it was before: the
 *             previous holder; free with aurmig_lock_info_free().
 * @return AURMIG_OK, AURMIG_EINPROGRESS, AURMIG_EUNSUPPORTED,
 *         AURMIG_ELOCKED (the lock changed hands meanwhile), AURMIG_EDB.
 */
AURMIG_EXTERN(int) aurmig_lock_break(aurmig_conn *conn, int force, aurmig_lock_info **previous);

/**
 * Whether the server is a read-only replica, and how far behind it is
 * (read-only verbs answer from replicas: docs/clusters.md). PostgreSQL:
 * pg_is_in_recovery(), and the age of the last replayed commit
 * (pg_last_xact_replay_timestamp(); it grows while the primary is idle
 * too). MySQL/MariaDB: `read_only`, or a configured replication channel
 * (SHOW ALL SLAVES STATUS on MariaDB, SHOW REPLICA STATUS on MySQL), and
 * the largest Seconds_Behind_Master / _Source over the channels. The
 * channels need SUPER or REPLICA MONITOR (MariaDB), REPLICATION CLIENT
 * (MySQL): without it, or with a channel's SQL thread stopped, the lag is
 * unknown (-1), which is no error. Not part of aurmig_status_from().
 * @param[out] is_replica 1 on a replica, else 0.
 * @param[out] lag_seconds seconds behind, or -1 when unknown or not a replica.
 * @return AURMIG_OK, AURMIG_EINVALID, AURMIG_EDB.
 */
AURMIG_EXTERN(int) aurmig_conn_replica(aurmig_conn *conn, int *is_replica, double *lag_seconds);

/** The connection's aurmig_dialect. */
AURMIG_EXTERN(int) aurmig_conn_dialect(const aurmig_conn *conn);

/** The URL with any password replaced by `***`. Borrowed. */
AURMIG_EXTERN(const char *) aurmig_conn_display_url(const aurmig_conn *conn);

/**
 * Read the current heads from the version table (`alembic_version`).
 * Never creates the table: a missing table reads as no heads (base).
 * The ids are available through aurmig_conn_current_head() until the next
 * call on this connection.
 * @param[out] count_out number of rows.
 */
AURMIG_EXTERN(int) aurmig_conn_read_current(aurmig_conn *conn, size_t *count_out);

/** Row @p i of the last aurmig_conn_read_current(), or NULL. Borrowed. */
AURMIG_EXTERN(const char *) aurmig_conn_current_head(const aurmig_conn *conn, size_t i);

AURMIG_END_DECL

#endif
