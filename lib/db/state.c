/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The start-up check's read: version table and journal in one round trip. */
#include <stdlib.h>
#include <string.h>

#include "db/journal.h"
#include "db/lease.h"
#include "db/state.h"
#include "db/version.h"
#include "db/waits.h"

/* SELECT ... FROM the version table, as the first branch of the union:
 * kind 0, id 0, version_num, then NULL for the journal's other columns. */
static void version_branch(aurmig__buf *b, aurmig_conn *c, size_t jncols)
{
	aurmig__buf_printf(b, "SELECT 0, 0, %s.version_num", c->version_table);
	for (size_t i = 1; i < jncols; i++)
		aurmig__buf_puts(b, ", NULL");
	aurmig__buf_printf(b, " FROM %s", c->version_table);
}

static void journal_branch(aurmig__buf *b, aurmig_conn *c, const char *jcols, const char *jwhere)
{
	aurmig__buf_printf(b, "SELECT 1, id, %s FROM %s%s%s", jcols, c->journal_table,
		jwhere ? " WHERE " : "", jwhere ? jwhere : "");
}

/* The rows in the order the callers want: the version rows first, sorted,
 * then the journal's by id. Sorted here rather than by an ORDER BY, which
 * made MariaDB materialise the union in a temporary table and sort it
 * (~0.2 ms of the start-up check's server time). */
static int row_cmp(const void *pa, const void *pb)
{
	char *const *a = *(char *const *const *)pa, *const *b = *(char *const *const *)pb;
	long long ia, ib;
	int k = strcmp(a[0], b[0]);

	if (k)
		return k;
	ia = strtoll(a[1], NULL, 10);
	ib = strtoll(b[1], NULL, 10);
	if (ia != ib)
		return ia < ib ? -1 : 1;
	return strcmp(a[2] ? a[2] : "", b[2] ? b[2] : "");
}

/* Run the query built in b; rows of kind 0 go to version (their third
 * cell), of kind 1 to journal (cells 3..). */
static int run(aurmig_conn *c, aurmig__buf *b, size_t jncols, aurmig__strv *version, aurmig__strv *journal,
	size_t *missing)
{
	const char *tables[2] = { c->version_table, c->journal_table };
	aurmig__strv cells = { 0 };
	char *const **rows = NULL;
	size_t ncols = 0, nrows;
	char *sql = aurmig__buf_detach(b);
	int rc;

	if (!sql)
		return AURMIG_ENOMEM;
	rc = aurmig__db_try_query_cells(c, sql, &cells, &ncols, tables, 2, missing);
	if (!rc && cells.n && ncols != jncols + 2)
		rc = aurmig__err(c->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB,
			"the journal table %s has an unexpected shape (%zu columns)", c->journal_table, ncols);
	nrows = !rc && ncols ? cells.n / ncols : 0;
	if (nrows && !(rows = aurmig__calloc(c->ctx, nrows, sizeof(*rows))))
		rc = AURMIG_ENOMEM;
	for (size_t i = 0; rows && i < nrows; i++)
		rows[i] = cells.v + i * ncols;
	if (rows)
		qsort(rows, nrows, sizeof(*rows), row_cmp);
	for (size_t i = 0; !rc && i < nrows; i++) {
		if (strcmp(rows[i][0], "0") == 0)
			rc = aurmig__strv_push(version, c->ctx, rows[i][2]);
		else
			for (size_t k = 2; k < ncols && !rc; k++)
				rc = aurmig__strv_push(journal, c->ctx, rows[i][k]);
	}
	free(rows);
	free(sql);
	aurmig__strv_clear(&cells);
	return rc;
}

/*
 * On SQLite, the read inside one deferred read transaction: libdbd-sqlite3
 * looks up each result column's declared type with further queries, and
 * outside a transaction each of them takes and drops the file lock and
 * checks for a hot journal (~60 fcntl and ~45 stat calls per check). One
 * transaction halves the start-up check's time there (bench/RESULTS.md).
 * Only when none is open, never on a recording connection; a failure only
 * loses the speed-up. Returns whether the transaction was opened.
 */
static int sqlite_read_begin(aurmig_conn *c)
{
	int ok;

	if (c->dialect != AURMIG_DIALECT_SQLITE || c->in_tx || c->offline)
		return 0;
	aurmig__err_hold(c->ctx);
	ok = c->ops->exec(c, "BEGIN", NULL) == AURMIG_OK;
	aurmig__err_release(c->ctx);
	return ok;
}

/* Its end: nothing was written, so a COMMIT that fails is a ROLLBACK, and
 * the connection is never left inside the transaction. */
static void sqlite_read_end(aurmig_conn *c)
{
	aurmig__err_hold(c->ctx);
	if (c->ops->exec(c, "COMMIT", NULL) != AURMIG_OK)
		c->ops->exec(c, "ROLLBACK", NULL);
	aurmig__err_release(c->ctx);
}

/*
 * MariaDB: the session settings the read needs, carried by the read itself
 * (SET STATEMENT ... FOR), so that a fresh connection's start-up check is
 * one statement, not three:
 * - wsrep_sync_wait = 1: on a Galera node, a causal read (what the cluster
 *   has committed, not what this node has applied so far); harmless on a
 *   server without Galera, where the variable exists and does nothing;
 * - aurmig_status_new's timeout, when it opened the connection.
 * *out is NULL when there is nothing to carry (not MariaDB, refused
 * before, the session has it already, a transaction is open).
 */
static int stmt_settings(aurmig_conn *c, char **out)
{
	int sync = c->wsrep != 0 && !c->causal;
	long ms = c->read_timeout_ms;

	*out = NULL;
	if (c->dialect != AURMIG_DIALECT_MYSQL || c->offline || c->in_tx || c->stmt_settings == 0 ||
	    (!sync && ms <= 0))
		return AURMIG_OK;
	if (ms > 0)
		*out = aurmig__db_mariadb_timeouts(c->ctx, sync ? "SET STATEMENT wsrep_sync_wait = 1, " : "SET STATEMENT ",
			ms, " FOR ");
	else
		*out = aurmig__strdup(c->ctx, "SET STATEMENT wsrep_sync_wait = 1 FOR ");
	return *out ? AURMIG_OK : aurmig__oom(c->ctx);
}

/* Refusals that say the server has no SET STATEMENT or no such variable
 * (MySQL: parse error; a MariaDB built without wsrep: unknown variable). */
static int stmt_settings_refused(int db_code)
{
	return db_code == 1064 || db_code == 1193 || db_code == 1238 || db_code == 1231 || db_code == 1232;
}

/* The read failed with the settings carried: a wait or a Galera refusal is
 * explained by the node's state when that is the cause (db/lease.c), as
 * the session-wide setting explains it; else the error stands. */
static int explain_failed_read(aurmig_conn *c, int rc)
{
	const aurmig_error *e = aurmig_error_last(c->ctx);
	aurmig__err_saved k;
	int drc;

	if (c->wsrep == 0 || (e->db_code != 1047 &&
	    aurmig__db_wait_kind(c->dialect, e->db_code, e->message ? e->message : "") == AURMIG__WAIT_NONE))
		return rc;
	aurmig__err_save(c->ctx, &k);
	if ((drc = aurmig__db_causal_reads(c))) {
		aurmig__err_restore_details(c->ctx, &k);
		return drc;
	}
	rc = aurmig__err(c->ctx, rc, AURMIG_ERRCLASS_DB, "%s", k.message ? k.message : "database error");
	aurmig__err_restore_details(c->ctx, &k);
	return rc;
}

/* The classic setup the carried settings replace: the session's timeout
 * and causal reads, one statement each. */
static int session_settings(aurmig_conn *c)
{
	int rc = AURMIG_OK;

	if (c->read_timeout_ms > 0) {
		long ms = c->read_timeout_ms;
		c->read_timeout_ms = 0;
		rc = aurmig_conn_set_timeout(c, ms);
	}
	/* on a Galera node, read what the cluster has committed (db/lease.c) */
	return rc ? rc : aurmig__db_causal_reads(c);
}

int aurmig__db_read_state(aurmig_conn *c, const char *jcols, size_t jncols, const char *jwhere,
	aurmig__strv *version, aurmig__strv *journal)
{
	aurmig__buf b;
	size_t missing;
	int rc, snapshot = 0;
	char *pre = NULL;

	memset(version, 0, sizeof(*version));
	memset(journal, 0, sizeof(*journal));
	if (!aurmig__db_can_try(c)) {
		if (!(rc = session_settings(c)) && !(rc = aurmig__version_read(c, version)))
			rc = aurmig__journal_select(c, jcols, jncols, jwhere, journal);
		goto done;
	}
	if ((rc = stmt_settings(c, &pre)))
		return rc;
	if (!pre && (rc = session_settings(c)))
		goto done;
	snapshot = sqlite_read_begin(c);
again:
	/* both tables (run() puts the version rows first, sorted, then the journal's by id) */
	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_puts(&b, pre ? pre : "");
	version_branch(&b, c, jncols);
	aurmig__buf_puts(&b, " UNION ALL ");
	journal_branch(&b, c, jcols, jwhere);
	rc = run(c, &b, jncols, version, journal, &missing);
	if (rc && pre && c->stmt_settings < 0 && stmt_settings_refused(aurmig_error_last(c->ctx)->db_code)) {
		/* this server has no SET STATEMENT (MySQL) or not the variable:
		 * the session-wide settings, now and from now on */
		c->stmt_settings = 0;
		free(pre);
		pre = NULL;
		aurmig__err_clear(c->ctx);
		if ((rc = session_settings(c)))
			goto done;
		goto again;
	}
	if (rc && pre)
		rc = explain_failed_read(c, rc);
	if (!rc && pre)
		c->stmt_settings = 1;
	if (rc || missing == 2)
		goto done;
	/* one of them is missing: the other alone (missing too: nothing) */
	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_puts(&b, pre ? pre : "");
	if (missing == 0)
		journal_branch(&b, c, jcols, jwhere);
	else
		version_branch(&b, c, jncols);
	rc = run(c, &b, jncols, version, journal, &missing);
	if (rc && pre)
		rc = explain_failed_read(c, rc);
done:
	free(pre);
	if (snapshot)
		sqlite_read_end(c);
	if (rc) {
		aurmig__strv_clear(version);
		aurmig__strv_clear(journal);
	}
	return rc;
}
