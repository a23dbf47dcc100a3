/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Is the server a read-only replica, and how far behind (docs/clusters.md)?
 * For the read-only verbs, which answer from replicas: they say so.
 */
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

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
		/* read_only; how far behind needs SHOW SLAVE STATUS's privileges: not read */
		rc = c->ops->query(c, "SELECT CAST(@@global.read_only AS CHAR)", &v);
		if (!rc && v.n == 1 && strcmp(v.v[0], "0") != 0 && strcmp(v.v[0], "OFF") != 0)
			*is_replica = 1;
	}
	aurmig__strv_clear(&v);
	return rc;
}
