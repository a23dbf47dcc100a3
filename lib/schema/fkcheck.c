/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SQLite: the foreign-key check after a table rebuild, set-based where it
 * can be (issue 20.2). PRAGMA foreign_key_check(C) walks every row of the
 * child table C and seeks its parent row, one seek per row and foreign key:
 * on a million-row table seconds, mostly spent reading the table's pages.
 * For a foreign key whose parent key is the parent's rowid (a single
 * INTEGER PRIMARY KEY column, the common case) the same violations are a
 * query: the child rows whose key columns are all non-NULL and that no
 * parent row matches, `p.key = +c.col`. The parent column on the left gives
 * the comparison its collation, and the child value without affinity (the
 * unary +) gets the parent's, as the pragma's OP_SeekRowid does; the planner
 * reads the child column from an index when there is one, and the check
 * looks each distinct value up once. Every other child table (a composite
 * or non-rowid parent key, a missing parent table, a WITHOUT ROWID child,
 * a parent key without a unique index, which the pragma reports as an
 * error) is checked by the pragma itself, as before: the same violations
 * and the same errors by construction.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/db.h"
#include "schema/ddl.h"
#include "schema/schema.h"

static void put_literal(aurmig__buf *b, const char *s)
{
	aurmig__buf_puts(b, "'");
	for (const char *q; (q = strchr(s, '\'')); s = q + 1) {
		aurmig__buf_add(b, s, (size_t)(q - s) + 1);
		aurmig__buf_puts(b, "'");
	}
	aurmig__buf_puts(b, s);
	aurmig__buf_puts(b, "'");
}

/* The foreign keys of table and of the tables referencing it, one row per
 * key column: child, then pragma_foreign_key_list's id, seq, table (the
 * parent), from, to, on_update, on_delete, match, then the parent's rowid
 * column ("" unless it has exactly one primary-key column and no index for
 * it, i.e. an INTEGER PRIMARY KEY), and whether the child is WITHOUT ROWID
 * (by its text: a false match only costs the pragma). Written so that no
 * FROM precedes the statement's own and the column "from" is not named:
 * libdbd-sqlite3 0.9 looks for the table after the first FROM of the text,
 * and loops forever on a column called "from". */
#define FK_COLS 11
#define K_CHILD 0
#define K_ID 1
#define K_SEQ 2
#define K_PARENT 3
#define K_FROM 4
#define K_TO 5
#define K_IPK 9
#define K_WR 10

static int read_keys(aurmig_conn *c, const char *table, aurmig__strv *cells)
{
	aurmig__buf q;
	size_t ncols = 0;
	char *sql;
	int rc;

	aurmig__buf_init(&q, c->ctx);
	aurmig__buf_puts(&q, "SELECT * FROM (SELECT m.name AS child_name, f.*, "
		"(SELECT i.name FROM pragma_table_info(f.\"table\") AS i WHERE i.pk = 1 AND "
		"(SELECT COUNT(*) FROM pragma_table_info(f.\"table\") AS j WHERE j.pk > 0) = 1 AND "
		"NOT EXISTS (SELECT 1 FROM pragma_index_list(f.\"table\") AS x WHERE x.origin = 'pk')) AS ipk, "
		"upper(m.sql) LIKE '%WITHOUT%ROWID%' AS wr "
		"FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table' AND "
		"(m.name = ");
	put_literal(&q, table);
	aurmig__buf_puts(&q, " COLLATE NOCASE OR m.name IN (SELECT m2.name FROM sqlite_master AS m2, "
		"pragma_foreign_key_list(m2.name) AS f2 WHERE m2.type = 'table' AND f2.\"table\" = ");
	put_literal(&q, table);
	aurmig__buf_puts(&q, " COLLATE NOCASE))) ORDER BY 1, 2, 3");
	if (!(sql = aurmig__buf_detach(&q)))
		return AURMIG_ENOMEM;
	rc = c->ops->query_cells(c, sql, cells, &ncols);
	free(sql);
	if (!rc && cells->n && ncols != FK_COLS)
		rc = aurmig__err(c->ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB, "foreign keys of %s: %zu columns", table, ncols);
	return rc;
}

/* Can rows [lo, hi) (one child's keys) all be checked by a query? */
static int child_simple(char *const *v, size_t lo, size_t hi)
{
	for (size_t r = lo; r < hi; r++) {
		char *const *k = v + r * FK_COLS;
		if (strcmp(k[K_WR], "0") != 0 || strcmp(k[K_SEQ], "0") != 0 || !*k[K_IPK] ||
		    (*k[K_TO] && strcasecmp(k[K_TO], k[K_IPK]) != 0))
			return 0;
		/* a composite key: a row with seq 1 follows */
		if (r + 1 < hi && strcmp(k[K_ID], v[(r + 1) * FK_COLS + K_ID]) == 0)
			return 0;
	}
	return 1;
}

int aurmig__sqlite_fk_check_sql(aurmig_conn *c, const char *table, int all, char **out)
{
	aurmig__strv cells = { 0 };
	aurmig__buf b;
	size_t nrows, arms = 0;
	int rc;

	*out = NULL;
	if ((rc = read_keys(c, table, &cells)))
		return rc;
	nrows = cells.n / FK_COLS;
	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_puts(&b, "SELECT * FROM (");
	for (size_t lo = 0, hi; lo < nrows; lo = hi) {
		char *const *first = cells.v + lo * FK_COLS;
		int self = strcasecmp(first[K_CHILD], table) == 0;

		for (hi = lo; hi < nrows && strcmp(cells.v[hi * FK_COLS + K_CHILD], first[K_CHILD]) == 0; hi++)
			;
		if (!child_simple(cells.v, lo, hi)) {
			/* the pragma, as before: its violations of and to table */
			aurmig__buf_puts(&b, arms++ ? " UNION ALL " : "");
			aurmig__buf_printf(&b, "SELECT k.\"table\"%s, k.parent%s FROM pragma_foreign_key_check(",
				all ? ", k.rowid" : "", all ? ", k.fkid" : "");
			put_literal(&b, first[K_CHILD]);
			aurmig__buf_puts(&b, ") AS k WHERE k.\"table\" = ");
			put_literal(&b, table);
			aurmig__buf_puts(&b, " COLLATE NOCASE OR k.parent = ");
			put_literal(&b, table);
			aurmig__buf_puts(&b, " COLLATE NOCASE");
			continue;
		}
		for (size_t r = lo; r < hi; r++) {
			char *const *k = cells.v + r * FK_COLS;
			if (!self && strcasecmp(k[K_PARENT], table) != 0)
				continue;   /* another table's key: the rebuild did not touch it */
			aurmig__buf_puts(&b, arms++ ? " UNION ALL " : "");
			aurmig__buf_puts(&b, "SELECT ");
			put_literal(&b, k[K_CHILD]);
			if (all) {
				aurmig__buf_puts(&b, ", c.rowid, ");
				put_literal(&b, k[K_PARENT]);
				aurmig__buf_printf(&b, ", %ld FROM ", strtol(k[K_ID], NULL, 10));
				aurmig__schema_put_ident(&b, AURMIG_DIALECT_SQLITE, k[K_CHILD]);
				aurmig__buf_puts(&b, " AS c WHERE c.");
				aurmig__schema_put_ident(&b, AURMIG_DIALECT_SQLITE, k[K_FROM]);
				aurmig__buf_puts(&b, " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ");
				aurmig__schema_put_ident(&b, AURMIG_DIALECT_SQLITE, k[K_PARENT]);
				aurmig__buf_puts(&b, " AS p WHERE p.");
				aurmig__schema_put_ident(&b, AURMIG_DIALECT_SQLITE, k[K_IPK]);
				aurmig__buf_puts(&b, " = +c.");
				aurmig__schema_put_ident(&b, AURMIG_DIALECT_SQLITE, k[K_FROM]);
				aurmig__buf_puts(&b, ")");
				continue;
			}
			/* each distinct value once (BINARY: only values equal in every
			 * respect are one) */
			aurmig__buf_puts(&b, ", ");
			put_literal(&b, k[K_PARENT]);
			aurmig__buf_puts(&b, " FROM (SELECT DISTINCT c.");
			aurmig__schema_put_ident(&b, AURMIG_DIALECT_SQLITE, k[K_FROM]);
			aurmig__buf_puts(&b, " COLLATE BINARY AS v FROM ");
			aurmig__schema_put_ident(&b, AURMIG_DIALECT_SQLITE, k[K_CHILD]);
			aurmig__buf_puts(&b, " AS c WHERE c.");
			aurmig__schema_put_ident(&b, AURMIG_DIALECT_SQLITE, k[K_FROM]);
			aurmig__buf_puts(&b, " IS NOT NULL) AS d WHERE NOT EXISTS (SELECT 1 FROM ");
			aurmig__schema_put_ident(&b, AURMIG_DIALECT_SQLITE, k[K_PARENT]);
			aurmig__buf_puts(&b, " AS p WHERE p.");
			aurmig__schema_put_ident(&b, AURMIG_DIALECT_SQLITE, k[K_IPK]);
			aurmig__buf_puts(&b, " = +d.v)");
		}
	}
	aurmig__buf_puts(&b, all ? ")" : ") LIMIT 1");
	aurmig__strv_clear(&cells);
	if (!arms) {
		aurmig__buf_dispose(&b);
		return AURMIG_OK;   /* no foreign key of or to the table */
	}
	if (!(*out = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	return AURMIG_OK;
}
