/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bounded waits: timeouts, lock-wait settings, blockers, read-only servers (db/waits.h). */
#include <stdlib.h>
#include <string.h>

#include "db/waits.h"

int aurmig__db_wait_retryable(int kind)
{
	return kind == AURMIG__WAIT_LOCK || kind == AURMIG__WAIT_DEADLOCK || kind == AURMIG__WAIT_BUSY;
}

char *aurmig__db_lock_wait_sql(aurmig_context *ctx, int dialect, long ms, int local)
{
	if (ms <= 0 || dialect == AURMIG_DIALECT_SQLITE)
		return NULL;
	if (dialect == AURMIG_DIALECT_MYSQL) {
		/* lock_wait_timeout (metadata locks: DDL) takes whole seconds */
		long s = (ms + 999) / 1000;
		return aurmig__printf(ctx, "SET SESSION lock_wait_timeout = %ld, innodb_lock_wait_timeout = %ld", s, s);
	}
	return aurmig__printf(ctx, "SET %slock_timeout = %ld", local ? "LOCAL " : "", ms);
}

int aurmig__db_set_lock_wait(aurmig_conn *c, long ms, int local)
{
	char *sql;
	int rc;

	if (ms <= 0)
		return AURMIG_OK;
	/* SQLite: the busy timeout, how long a write waits for another writer */
	if (c->dialect == AURMIG_DIALECT_SQLITE)
		return aurmig__db_sqlite_busy_timeout(c, ms);
	sql = aurmig__db_lock_wait_sql(c->ctx, c->dialect, ms, local);
	if (!sql)
		return AURMIG_ENOMEM;
	rc = c->ops->exec(c, sql, NULL);
	free(sql);
	return rc;
}

void aurmig__db_reset_lock_wait(aurmig_conn *c)
{
	const char *sql = aurmig__dialect_of(c->dialect)->reset_lock_wait_sql;

	if (!sql)
		return;
	aurmig__err_hold(c->ctx);
	if (c->ops->exec(c, sql, NULL))
		aurmig__log(c->ctx, AURMIG_LOG_WARNING, "could not reset the lock wait bound of the session");
	aurmig__err_release(c->ctx);
}

/* Cells per blocker row: id, user, host, state, seconds, query. */
#define BCOLS 6

char *aurmig__db_blockers(aurmig_conn *c)
{
	static const char *const mysql_mdl =
		/* the metadata_lock_info plugin, where it is loaded: exact */
		"SELECT DISTINCT p.ID, p.USER, p.HOST, COALESCE(p.STATE, p.COMMAND), p.TIME, "
		"COALESCE(LEFT(p.INFO, 80), '') FROM information_schema.METADATA_LOCK_INFO m "
		"JOIN information_schema.PROCESSLIST p ON p.ID = m.THREAD_ID "
		"WHERE p.ID <> CONNECTION_ID() AND m.TABLE_SCHEMA = DATABASE()";
	static const char *const mysql_trx =
		/* else the sessions with an open InnoDB transaction (they hold
		 * the metadata locks of every table they touched) */
		"SELECT p.ID, p.USER, p.HOST, CASE WHEN p.COMMAND = 'Sleep' THEN 'idle in transaction' "
		"ELSE COALESCE(p.STATE, p.COMMAND) END, "
		"CAST(TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS SIGNED), COALESCE(LEFT(p.INFO, 80), '') "
		"FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p "
		"ON p.ID = t.trx_mysql_thread_id WHERE p.ID <> CONNECTION_ID() ORDER BY p.ID";
	static const char *const pgsql =
		"SELECT DISTINCT a.pid, CAST(a.usename AS TEXT), COALESCE(host(a.client_addr), 'local'), "
		"COALESCE(a.state, ''), CAST(COALESCE(EXTRACT(EPOCH FROM now() - a.xact_start), 0) AS INTEGER), "
		"LEFT(COALESCE(a.query, ''), 80) FROM pg_catalog.pg_locks l "
		"JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
		"WHERE l.locktype = 'relation' AND l.granted AND a.pid <> pg_backend_pid() "
		"AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) "
		"ORDER BY a.pid";
	static const char *const mysql_db =
		/* else every other session on this database (a plain SELECT in an
		 * open transaction holds its metadata lock but is not in
		 * INNODB_TRX): one of them holds the lock */
		"SELECT p.ID, p.USER, p.HOST, CASE WHEN p.COMMAND = 'Sleep' THEN 'idle' "
		"ELSE COALESCE(p.STATE, p.COMMAND) END, p.TIME, COALESCE(LEFT(p.INFO, 80), '') "
		"FROM information_schema.PROCESSLIST p WHERE p.ID <> CONNECTION_ID() AND p.DB = DATABASE() "
		"ORDER BY p.ID";
	aurmig__strv v = { 0 };
	aurmig__buf b;
	size_t ncols = 0;
	int rc = AURMIG_ERROR, maybe = 0;

	if (c->dialect == AURMIG_DIALECT_SQLITE)
		return aurmig__strdup(c->ctx, "; another process holds the database's write lock");
	aurmig__err_hold(c->ctx);
	if (c->dialect == AURMIG_DIALECT_MYSQL) {
		rc = c->ops->query_cells(c, mysql_mdl, &v, &ncols);
		if (rc || !v.n) {
			aurmig__strv_clear(&v);
			rc = c->ops->query_cells(c, mysql_trx, &v, &ncols);
		}
		if (rc || !v.n) {
			aurmig__strv_clear(&v);
			rc = c->ops->query_cells(c, mysql_db, &v, &ncols);
			maybe = 1;
		}
	} else {
		rc = c->ops->query_cells(c, pgsql, &v, &ncols);
	}
	aurmig__err_release(c->ctx);
	aurmig__buf_init(&b, c->ctx);
	if (!rc && ncols == BCOLS) {
		for (size_t i = 0; i + BCOLS <= v.n && i < 5 * BCOLS; i += BCOLS)
			aurmig__buf_printf(&b, "%s session %s (%s@%s, %s for %s s%s%s)", i ? "," :
				maybe ? "; blocked by one of the sessions on this database:" : "; blocked by",
				v.v[i], v.v[i + 1], v.v[i + 2], *v.v[i + 3] ? v.v[i + 3] : "running", v.v[i + 4],
				*v.v[i + 5] ? ": " : "", v.v[i + 5]);
		if (v.n > 5 * BCOLS)
			aurmig__buf_printf(&b, " and %zu more", v.n / BCOLS - 5);
	}
	aurmig__strv_clear(&v);
	aurmig__buf_puts(&b, "");
	return aurmig__buf_detach(&b);
}

static int read_only_error(aurmig_conn *c, const char *why)
{
	return aurmig__err(c->ctx, AURMIG_ERROR, AURMIG_ERRCLASS_DB,
		"this server is a read-only replica: run against the primary (%s: %s)", c->display_url, why);
}

int aurmig__db_galera_node(aurmig_conn *c, const char *session_var, char *value, size_t size,
	const char *not_ready, const char *advice)
{
	aurmig__strv v = { 0 };
	size_t ncols = 0, i;
	const char *ready = "", *status = "", *state = "", *var = "";
	char *sql;
	int rc;

	if (size)
		value[0] = '\0';
	if (!(sql = aurmig__printf(c->ctx, "SELECT UPPER(VARIABLE_NAME), VARIABLE_VALUE FROM "
			"information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN ('WSREP_READY', "
			"'WSREP_CLUSTER_STATUS', 'WSREP_LOCAL_STATE_COMMENT') "
			"UNION ALL SELECT 'VAR', CAST(@@session.%s AS CHAR)", session_var)))
		return AURMIG_ENOMEM;
	rc = c->ops->query_cells(c, sql, &v, &ncols);
	free(sql);
	if (rc || ncols != 2) {
		aurmig__strv_clear(&v);
		return rc;
	}
	for (i = 0; i + 1 < v.n; i += 2) {
		if (!strcmp(v.v[i], "WSREP_READY"))
			ready = v.v[i + 1];
		else if (!strcmp(v.v[i], "WSREP_CLUSTER_STATUS"))
			status = v.v[i + 1];
		else if (!strcmp(v.v[i], "WSREP_LOCAL_STATE_COMMENT"))
			state = v.v[i + 1];
		else if (!strcmp(v.v[i], "VAR"))
			var = v.v[i + 1];
	}
	if (strcmp(status, "Primary") != 0 || strcmp(ready, "ON") != 0)
		rc = aurmig__err(c->ctx, AURMIG_ERROR, AURMIG_ERRCLASS_DB,
			"this Galera node %s (wsrep_cluster_status %s, wsrep_ready %s, state %s): %s (%s)",
			not_ready, *status ? status : "unknown", *ready ? ready : "unknown",
			*state ? state : "unknown", advice, c->display_url);
	else if (size)
		snprintf(value, size, "%s", var);
	aurmig__strv_clear(&v);
	return rc;
}

/* A Galera node takes writes for the cluster when it is in the primary
 * component and ready; DDL must replicate as TOI, or the version row
 * would move everywhere while the schema changed on one node. */
static int require_galera_ready(aurmig_conn *c)
{
	char osu[32];
	int rc;

	if ((rc = aurmig__db_galera_node(c, "wsrep_OSU_method", osu, sizeof(osu), "is not ready for writes",
			"it is not part of the cluster's primary component or not synced; run against a synced "
			"node of the primary component")))
		return rc;
	if (*osu && strcmp(osu, "TOI") != 0 && !c->allow_non_toi)
		return aurmig__err(c->ctx, AURMIG_ERROR, AURMIG_ERRCLASS_DB,
			"this Galera node runs DDL with wsrep_OSU_method %s, not TOI: the schema change would "
			"apply to this node only while the version row replicates to every node; set it to TOI, "
			"or pass --allow-non-toi if you apply the DDL on every node yourself (%s)", osu,
			c->display_url);
	return AURMIG_OK;
}

int aurmig__db_require_writable(aurmig_conn *c)
{
	aurmig__strv v = { 0 };
	size_t ncols = 0;
	int rc;

	if (c->dialect == AURMIG_DIALECT_SQLITE || c->offline)
		return AURMIG_OK;
	if (c->dialect == AURMIG_DIALECT_PGSQL) {
		rc = c->ops->query_cells(c, "SELECT CAST(pg_is_in_recovery() AS INTEGER), "
			"current_setting('transaction_read_only')", &v, &ncols);
		if (!rc && ncols == 2 && v.n == 2) {
			if (!strcmp(v.v[0], "1"))
				rc = read_only_error(c, "pg_is_in_recovery() is true: a hot standby");
			else if (!strcmp(v.v[1], "on"))
				rc = aurmig__err(c->ctx, AURMIG_ERROR, AURMIG_ERRCLASS_DB,
					"this database is read-only: run against the primary (%s: "
					"default_transaction_read_only is on)", c->display_url);
		}
		aurmig__strv_clear(&v);
		return rc;
	}
	/* read_only (super_read_only implies it); Galera: is the node ready? */
	aurmig__err_hold(c->ctx);
	rc = c->ops->query_cells(c, "SELECT CAST(@@global.read_only AS CHAR), CAST(@@global.wsrep_on AS CHAR)",
		&v, &ncols);
	aurmig__err_release(c->ctx);
	if (rc) {   /* not MariaDB (no wsrep_on): read_only alone */
		aurmig__strv_clear(&v);
		if ((rc = c->ops->query_cells(c, "SELECT CAST(@@global.read_only AS CHAR)", &v, &ncols)))
			return rc;
	}
	if (v.n >= 1 && strcmp(v.v[0], "0") != 0 && strcmp(v.v[0], "OFF") != 0) {
		rc = read_only_error(c, "read_only is on");
	} else if (v.n >= 2 && ncols == 2 && (!strcmp(v.v[1], "1") || !strcmp(v.v[1], "ON"))) {
		/* (MariaDB casts a boolean system variable to "ON"/"OFF") */
		c->wsrep = 1;
		aurmig__strv_clear(&v);
		rc = require_galera_ready(c);
	} else if (v.n >= 2 && ncols == 2)
		c->wsrep = 0;
	aurmig__strv_clear(&v);
	return rc;
}

char *aurmig__db_mariadb_timeouts(aurmig_context *ctx, const char *prefix, long ms, const char *suffix)
{
	long s = (ms + 999) / 1000;   /* the lock waits take whole seconds: rounded up */

	return aurmig__printf(ctx, "%smax_statement_time = %.3f, lock_wait_timeout = %ld, innodb_lock_wait_timeout = %ld%s",
		prefix, (double)ms / 1000.0, s, s, suffix);
}

int aurmig_conn_set_timeout(aurmig_conn *c, long ms)
{
	char *sql;
	int rc;

	if (!c)
		return AURMIG_EINVALID;
	aurmig__err_clear(c->ctx);
	if (ms < 0)
		ms = 0;
	if (c->dialect == AURMIG_DIALECT_SQLITE) {
		if (!(rc = aurmig__db_sqlite_busy_timeout(c, ms ? ms : 5000L)))
			c->timeout_ms = ms;
		return rc;
	}
	if (c->dialect == AURMIG_DIALECT_PGSQL) {
		sql = aurmig__printf(c->ctx, "SELECT set_config('statement_timeout', '%ld', false), "
			"set_config('lock_timeout', '%ld', false)", ms, ms);
	} else if (ms) {
		sql = aurmig__db_mariadb_timeouts(c->ctx, "SET SESSION ", ms, "");
	} else {
		sql = aurmig__strdup(c->ctx, "SET SESSION max_statement_time = DEFAULT, lock_wait_timeout = DEFAULT, "
			"innodb_lock_wait_timeout = DEFAULT");
	}
	if (!sql)
		return AURMIG_ENOMEM;
	if (c->dialect == AURMIG_DIALECT_PGSQL) {
		aurmig__strv v = { 0 };
		rc = c->ops->query(c, sql, &v);
		aurmig__strv_clear(&v);
	} else {
		if (c->dialect == AURMIG_DIALECT_MYSQL)
			aurmig__err_hold(c->ctx);
		rc = c->ops->exec(c, sql, NULL);
		if (c->dialect == AURMIG_DIALECT_MYSQL) {
			aurmig__err_release(c->ctx);
			if (rc) {
				/* MySQL: no max_statement_time; max_execution_time (SELECTs only) */
				free(sql);
				sql = ms ? aurmig__printf(c->ctx, "SET SESSION max_execution_time = %ld, "
					"lock_wait_timeout = %ld, innodb_lock_wait_timeout = %ld", ms,
					(ms + 999) / 1000, (ms + 999) / 1000) :
					aurmig__strdup(c->ctx, "SET SESSION max_execution_time = DEFAULT, "
					"lock_wait_timeout = DEFAULT, innodb_lock_wait_timeout = DEFAULT");
				rc = sql ? c->ops->exec(c, sql, NULL) : AURMIG_ENOMEM;
			}
		}
	}
	free(sql);
	if (!rc)
		c->timeout_ms = ms;
	return rc;
}
