/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The start-up check's read: version table and journal in one round trip. */
#include <stdlib.h>
#include <string.h>

#include "db/journal.h"
#include "db/lease.h"
#include "db/state.h"
#include "db/version.h"

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

/* Run the query built in b; rows of kind 0 go to version (their third
 * cell), of kind 1 to journal (cells 3..). */
static int run(aurmig_conn *c, aurmig__buf *b, size_t jncols, aurmig__strv *version, aurmig__strv *journal,
	size_t *missing)
{
	const char *tables[2] = { c->version_table, c->journal_table };
	aurmig__strv cells = { 0 };
	size_t ncols = 0;
	char *sql = aurmig__buf_detach(b);
	int rc;

	if (!sql)
		return AURMIG_ENOMEM;
	rc = aurmig__db_try_query_cells(c, sql, &cells, &ncols, tables, 2, missing);
	if (!rc && cells.n && ncols != jncols + 2)
		rc = aurmig__err(c->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB,
			"the journal table %s has an unexpected shape (%zu columns)", c->journal_table, ncols);
	for (size_t i = 0; !rc && i + ncols <= cells.n && ncols; i += ncols) {
		if (strcmp(cells.v[i], "0") == 0)
			rc = aurmig__strv_push(version, c->ctx, cells.v[i + 2]);
		else
			for (size_t k = 2; k < ncols && !rc; k++)
				rc = aurmig__strv_push(journal, c->ctx, cells.v[i + k]);
	}
	free(sql);
	aurmig__strv_clear(&cells);
	return rc;
}

int aurmig__db_read_state(aurmig_conn *c, const char *jcols, size_t jncols, const char *jwhere,
	aurmig__strv *version, aurmig__strv *journal)
{
	aurmig__buf b;
	size_t missing;
	int rc;

	memset(version, 0, sizeof(*version));
	memset(journal, 0, sizeof(*journal));
	/* on a Galera node, read what the cluster has committed (db/lease.c) */
	if ((rc = aurmig__db_causal_reads(c)))
		return rc;
	if (!aurmig__db_can_try(c)) {
		if (!(rc = aurmig__version_read(c, version)))
			rc = aurmig__journal_select(c, jcols, jncols, jwhere, journal);
		goto done;
	}
	/* both tables: the version rows first (sorted), then the journal's by id */
	aurmig__buf_init(&b, c->ctx);
	version_branch(&b, c, jncols);
	aurmig__buf_puts(&b, " UNION ALL ");
	journal_branch(&b, c, jcols, jwhere);
	aurmig__buf_puts(&b, " ORDER BY 1, 2, 3");
	if ((rc = run(c, &b, jncols, version, journal, &missing)) || missing == 2)
		goto done;
	/* one of them is missing: the other alone (missing too: nothing) */
	aurmig__buf_init(&b, c->ctx);
	if (missing == 0)
		journal_branch(&b, c, jcols, jwhere);
	else
		version_branch(&b, c, jncols);
	aurmig__buf_puts(&b, " ORDER BY 1, 2, 3");
	rc = run(c, &b, jncols, version, journal, &missing);
done:
	if (rc) {
		aurmig__strv_clear(version);
		aurmig__strv_clear(journal);
	}
	return rc;
}
