/* SPDX-License-Identifier: GPL-2.0-or-later */
/* alembic_version reads and writes, in Alembic's exact shape. */
#include <stdlib.h>
#include <string.h>

#include "db/lease.h"
#include "db/lock.h"
#include "db/version.h"

int aurmig__version_read(aurmig_conn *c, aurmig__strv *rows)
{
	int exists, rc;
	char *sql;

	/* Galera: every decision starts here; read what the cluster committed */
	if ((rc = aurmig__db_causal_reads(c)))
		return rc;
	sql = aurmig__printf(c->ctx, "SELECT %s.version_num FROM %s ORDER BY %s.version_num",
		c->version_table, c->version_table, c->version_table);
	if (!sql)
		return AURMIG_ENOMEM;
	rc = aurmig__db_query_table(c, c->version_table, sql, rows, &exists);
	free(sql);
	return rc;
}

int aurmig__version_ensure(aurmig_conn *c)
{
	int exists, rc;
	char *sql;

	if ((rc = aurmig__db_table_exists(c, c->version_table, &exists)) || exists)
		return rc;
	/* The same text SQLAlchemy emits for Alembic, so even SQLite's stored
	 * schema (sqlite_master.sql, which drops IF NOT EXISTS) is identical.
	 * IF NOT EXISTS and the guard (looking again once held): a concurrent
	 * first run, or another tool, may create it at the same moment. */
	sql = aurmig__printf(c->ctx, "CREATE TABLE IF NOT EXISTS %s (\n\tversion_num VARCHAR(32) NOT NULL, \n\t"
		"CONSTRAINT %s_pkc PRIMARY KEY (version_num)\n)", c->version_table, c->version_table);
	if (!sql)
		return AURMIG_ENOMEM;
	if (!(rc = aurmig__db_create_guard(c, 1))) {
		if (!(rc = aurmig__db_table_exists(c, c->version_table, &exists)) && !exists)
			rc = c->ops->exec(c, sql, NULL);
		aurmig__db_create_guard(c, 0);
	}
	free(sql);
	return rc;
}

static int run_row_change(aurmig_conn *c, aurmig__buf *b, const char *what, const char *from,
	const char *to)
{
	unsigned long long n = 0;
	char *sql = aurmig__buf_detach(b);
	int rc;

	if (!sql)
		return AURMIG_ENOMEM;
	rc = c->ops->exec(c, sql, &n);
	if (!rc && n != 1) {
		if (to)
			rc = aurmig__err(c->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB,
				"Online migration expected to match one row when %s '%s' to '%s' in '%s'; %llu found",
				what, from, to, c->version_table, n);
		else
			rc = aurmig__err(c->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB,
				"Online migration expected to match one row when %s '%s' in '%s'; %llu found",
				what, from, c->version_table, n);
		aurmig__err_set_statement(c->ctx, sql);
	}
	free(sql);
	return rc;
}

int aurmig__version_insert(aurmig_conn *c, const char *rev)
{
	aurmig__buf b;
	int rc;

	if ((rc = aurmig__lock_renew(c)))   /* a cluster's lease: still ours? */
		return rc;
	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_printf(&b, "INSERT INTO %s (version_num) VALUES (", c->version_table);
	aurmig__db_quote(&b, c->dialect, rev);
	aurmig__buf_puts(&b, ")");
	return run_row_change(c, &b, "inserting", rev, NULL);
}

int aurmig__version_update(aurmig_conn *c, const char *from, const char *to)
{
	aurmig__buf b;
	int rc;

	if ((rc = aurmig__lock_renew(c)))   /* a cluster's lease: still ours? */
		return rc;
	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_printf(&b, "UPDATE %s SET version_num=", c->version_table);
	aurmig__db_quote(&b, c->dialect, to);
	aurmig__buf_printf(&b, " WHERE %s.version_num = ", c->version_table);
	aurmig__db_quote(&b, c->dialect, from);
	return run_row_change(c, &b, "updating", from, to);
}

int aurmig__version_delete(aurmig_conn *c, const char *rev)
{
	aurmig__buf b;
	int rc;

	if ((rc = aurmig__lock_renew(c)))   /* a cluster's lease: still ours? */
		return rc;
	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_printf(&b, "DELETE FROM %s WHERE %s.version_num = ", c->version_table, c->version_table);
	aurmig__db_quote(&b, c->dialect, rev);
	return run_row_change(c, &b, "deleting", rev, NULL);
}

int aurmig__version_delete_all(aurmig_conn *c)
{
	int exists, rc;
	char *sql;

	if ((rc = aurmig__lock_renew(c)))   /* a cluster's lease: still ours? */
		return rc;

	if ((rc = aurmig__db_table_exists(c, c->version_table, &exists)) || !exists)
		return rc;
	sql = aurmig__printf(c->ctx, "DELETE FROM %s", c->version_table);
	if (!sql)
		return AURMIG_ENOMEM;
	rc = c->ops->exec(c, sql, NULL);
	free(sql);
	return rc;
}
