/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Is the server a read-only replica, and how far behind (docs/clusters.md)?
 * For the read-only verbs, which answer from replicas: they say so.
 */
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

/* The row's cell under the first of the column names present, or NULL. */
static const char *cell(const aurmig__strv *v, size_t ncols, size_t row, const char *const *names)
{
	for (const char *const *n = names; *n; n++)
		for (size_t i = 0; i < ncols; i++)
			if (!strcmp(v->v[i], *n))
				return v->v[(row + 1) * ncols + i];
	return NULL;
}

/*
 * MySQL/MariaDB: the replication channels this server applies. Any
 * configured channel makes it a replica, read_only or not (its answers are
 * as old as its applier's position). Lag: the largest Seconds_Behind_Master
 * (MySQL 8.0.22+: Seconds_Behind_Source) over the channels, unknown (-1)
 * when one of them is NULL (its SQL thread stopped, or its IO thread not
 * connected). Needs SUPER / REPLICA MONITOR (MariaDB; SLAVE MONITOR),
 * REPLICATION CLIENT (MySQL): without it, or on a server too old for the
 * statement, nothing is learnt and that is no error.
 */
static int mysql_channels(aurmig_conn *c, int mariadb, int *is_replica, double *lag_seconds)
{
	static const char *const lag_cols[] = { "Seconds_Behind_Master", "Seconds_Behind_Source", NULL };
	/* MariaDB: every connection of multi-source replication (SHOW SLAVE
	 * STATUS shows the default one only); MySQL: every channel */
	const char *sql[] = { mariadb ? "SHOW ALL SLAVES STATUS" : "SHOW REPLICA STATUS", "SHOW SLAVE STATUS" };
	aurmig__strv v = { 0 };
	size_t ncols = 0, nrows;
	int rc = AURMIG_OK, code = -1;
	double lag = 0;

	for (size_t i = 0; i < 2 && rc == AURMIG_OK; i++) {
		aurmig__strv_clear(&v);
		rc = aurmig__db_try_query_named(c, sql[i], &v, &ncols, &code);
		if (code != 1064)   /* ER_PARSE_ERROR: an older server's spelling next */
			break;
	}
	if (rc || code != 0 || !ncols || v.n % ncols) {
		aurmig__strv_clear(&v);
		return rc;
	}
	nrows = v.n / ncols - 1;
	if (nrows)
		*is_replica = 1;
	for (size_t r = 0; r < nrows && lag >= 0; r++) {
		const char *s = cell(&v, ncols, r, lag_cols);
		char *end = NULL;
		double d = s && *s ? strtod(s, &end) : -1;
		if (!s || !*s || *end || d < 0)
			lag = -1;
		else if (d > lag)
			lag = d;
	}
	if (nrows)
		*lag_seconds = lag;
	aurmig__strv_clear(&v);
	return rc;
}

int aurmig_conn_replica(aurmig_conn *c, int *is_replica, double *lag_seconds)
{
	aurmig__strv v = { 0 };
	size_t ncols = 0;
	int rc = AURMIG_OK;

	if (is_replica)
		*is_replica = 0;
	if (lag_seconds)
		*lag_seconds = -1;
	if (!c || !is_replica || !lag_seconds)
		return c ? aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig_conn_replica: NULL argument")
			: AURMIG_EINVALID;
	aurmig__err_clear(c->ctx);
	if (c->dialect == AURMIG_DIALECT_SQLITE || c->offline)
		return AURMIG_OK;
	if (c->dialect == AURMIG_DIALECT_PGSQL) {
		/* the last replayed commit's age: how stale the standby's answer may be
		 * (an idle primary makes it grow too; NULL: nothing replayed yet) */
		rc = c->ops->query_cells(c, "SELECT CAST(pg_is_in_recovery() AS INTEGER), "
			"COALESCE(CAST(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) AS TEXT), '')",
			&v, &ncols);
		if (!rc && ncols == 2 && v.n == 2 && !strcmp(v.v[0], "1")) {
			*is_replica = 1;
			if (*v.v[1]) {
				double lag = strtod(v.v[1], NULL);
				*lag_seconds = lag < 0 ? 0 : lag;
			}
		}
	} else {
		int mariadb = 0;
		rc = c->ops->query_cells(c, "SELECT CAST(@@global.read_only AS CHAR), @@version", &v, &ncols);
		if (!rc && ncols == 2 && v.n == 2) {
			if (strcmp(v.v[0], "0") != 0 && strcmp(v.v[0], "OFF") != 0)
				*is_replica = 1;
			mariadb = strstr(v.v[1], "MariaDB") != NULL;
		}
		if (!rc)
			rc = mysql_channels(c, mariadb, is_replica, lag_seconds);
	}
	aurmig__strv_clear(&v);
	return rc;
}
