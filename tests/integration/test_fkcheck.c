/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SQLite's foreign-key check after a table rebuild (issue 20.2): the
 * set-based query (schema/fkcheck.c) finds exactly the violations PRAGMA
 * foreign_key_check(C) finds for the table and the tables referencing it,
 * row for row (child, rowid, parent, fkid), and fails where the pragma
 * fails, on crafted data: NULL child keys, child values of every storage
 * class and affinity (text that is a number, with spaces, reals, blobs),
 * implicit and differently cased parent columns, self references, composite
 * keys, a missing parent table, INTEGER PRIMARY KEY DESC (not a rowid), a
 * parent key with no unique index (the pragma's "foreign key mismatch"), a
 * unique non-rowid parent key with a collation, WITHOUT ROWID children.
 * (Not compared: a table that does not exist, where the pragma fails and the
 * query, finding no foreign key, is not run; the check runs after a rebuild
 * of the table, which exists then.)
 */
#include <string.h>

#include "../unit/testutil.h"
#include "db/db.h"
#include "schema/ddl.h"

static const char *const SCHEMA[] = {
	"CREATE TABLE P1 (id INTEGER PRIMARY KEY, name TEXT)",
	"INSERT INTO P1 (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (5, 'e')",
	"CREATE TABLE C1 (a INTEGER REFERENCES P1(id), b TEXT REFERENCES P1, c REFERENCES P1(ID))",
	"INSERT INTO C1 VALUES (1, '1', 1), (NULL, NULL, NULL), (99, 'x', 2.0), ('5', ' 5', '5'), (2, '2.0', '2'), "
	"(3, '3 ', 3.5), (4, 'abc', X'01'), (NULL, '1', 7), (5.0, '05', '1e0')",
	"CREATE TABLE C8 (t TEXT REFERENCES P1(id), r REAL REFERENCES P1(id), n NUMERIC REFERENCES P1(id), "
	"x BLOB REFERENCES P1(id), i INT REFERENCES \"p1\")",
	"INSERT INTO C8 VALUES ('1', 1.0, '01', X'31', 1), ('1.0', 1.5, ' 1', 1, '2'), ('a', '2', '2.5', '3', 4), "
	"(NULL, NULL, NULL, NULL, NULL), ('+1', '3e0', '0x1', 5, -1)",
	"CREATE TABLE S (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES S(id))",
	"INSERT INTO S VALUES (1, NULL), (2, 1), (3, 7), (4, 4)",
	"CREATE TABLE P7 (ID INTEGER PRIMARY KEY)",
	"INSERT INTO P7 VALUES (1)",
	"CREATE TABLE C7 (pid INTEGER, FOREIGN KEY (pid) REFERENCES \"p7\"(\"id\"))",
	"INSERT INTO C7 VALUES (1), (2), (NULL)",
	"CREATE TABLE P2 (id INTEGER PRIMARY KEY DESC)",
	"INSERT INTO P2 VALUES (1)",
	"CREATE TABLE C2 (a REFERENCES P2(id))",
	"INSERT INTO C2 VALUES (1), ('1'), (2)",
	"CREATE TABLE P3 (k1 TEXT, k2 INT, PRIMARY KEY (k1, k2))",
	"INSERT INTO P3 VALUES ('a', 1), ('b', 2)",
	"CREATE TABLE C3 (x, y, FOREIGN KEY (x, y) REFERENCES P3(k1, k2))",
	"INSERT INTO C3 VALUES ('a', 1), ('a', 2), (NULL, 2), ('b', NULL), ('c', 3)",
	"CREATE TABLE C4 (z REFERENCES Missing(id), w INTEGER REFERENCES P1(id))",
	"INSERT INTO C4 VALUES (1, 1), (NULL, 9), (2, NULL)",
	"CREATE TABLE P6 (id INTEGER PRIMARY KEY, code TEXT UNIQUE COLLATE NOCASE)",
	"INSERT INTO P6 VALUES (1, 'abc'), (2, 'DEF')",
	"CREATE TABLE C6 (a REFERENCES P6(code), b INTEGER REFERENCES P6(id))",
	"INSERT INTO C6 VALUES ('ABC', 1), ('def', 3), ('x', NULL)",
	"CREATE TABLE W (id INTEGER PRIMARY KEY, p INTEGER REFERENCES P1(id)) WITHOUT ROWID",
	"INSERT INTO W VALUES (1, 1), (2, 8)",
	"CREATE TABLE M (a REFERENCES P1(id), b REFERENCES Missing2(id))",
	"INSERT INTO M VALUES (9, NULL), (1, 1)",
	"CREATE TABLE N (n INTEGER)",
	"INSERT INTO N VALUES (1)",
	/* a separate database for the mismatch: it fails every check of P5 or C5 */
	NULL,
};

/* (parent key without a unique index: the pragma fails) */
static const char *const MISMATCH[] = {
	"CREATE TABLE P5 (v TEXT)",
	"INSERT INTO P5 VALUES ('a')",
	"CREATE TABLE C5 (w REFERENCES P5(v), q INTEGER REFERENCES P0(id))",
	"CREATE TABLE P0 (id INTEGER PRIMARY KEY)",
	"INSERT INTO C5 VALUES ('a', 1), ('b', NULL)",
	NULL,
};

static aurmig_conn *open_db(aurmig_context *ctx, const char *dir, const char *name, const char *const *sql)
{
	char url[4200];
	aurmig_conn *c;

	snprintf(url, sizeof(url), "sqlite:///%s/%s", dir, name);
	assert_int_equal(aurmig_conn_open(&c, ctx, url), AURMIG_OK);
	for (size_t i = 0; sql[i]; i++)
		if (aurmig_conn_exec(c, sql[i]) != AURMIG_OK)
			fail_msg("%s: %s", sql[i], aurmig_error_last(ctx)->message);
	return c;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Rows of sql as one sorted text, or NULL when it fails. */
static char *rows_of(aurmig_conn *c, const char *sql)
{
	aurmig__strv cells = { 0 }, lines = { 0 };
	aurmig__buf b;
	size_t ncols = 0;
	char *out;

	c->ctx->err_hold++;
	if (c->ops->query_cells(c, sql, &cells, &ncols) != AURMIG_OK) {
		c->ctx->err_hold--;
		return NULL;
	}
	c->ctx->err_hold--;
	for (size_t i = 0; ncols && i < cells.n; i += ncols) {
		aurmig__buf_init(&b, c->ctx);
		for (size_t k = 0; k < ncols; k++)
			aurmig__buf_printf(&b, "%s%s", k ? "|" : "", cells.v[i + k]);
		assert_int_equal(aurmig__strv_push(&lines, c->ctx, (out = aurmig__buf_detach(&b))), AURMIG_OK);
		free(out);
	}
	if (lines.n)
		qsort(lines.v, lines.n, sizeof(*lines.v), cmp_str);
	aurmig__buf_init(&b, c->ctx);
	for (size_t i = 0; i < lines.n; i++)
		aurmig__buf_printf(&b, "%s\n", lines.v[i]);
	aurmig__strv_clear(&cells);
	aurmig__strv_clear(&lines);
	out = aurmig__buf_detach(&b);
	assert_non_null(out);
	return out;
}

/* The pragma's answer for table, as the check before fkcheck.c asked it. */
static char *pragma_rows(aurmig_conn *c, const char *t)
{
	char sql[2048];

	snprintf(sql, sizeof(sql), "SELECT k.\"table\", k.rowid, k.parent, k.fkid FROM (SELECT '%s' AS n UNION "
		"SELECT m.name FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table' "
		"AND f.\"table\" = '%s' COLLATE NOCASE) AS t, pragma_foreign_key_check(t.n) AS k WHERE k.\"table\" = "
		"'%s' COLLATE NOCASE OR k.parent = '%s' COLLATE NOCASE", t, t, t, t);
	return rows_of(c, sql);
}

/* Compare for table t; returns whether the query used no pragma. */
static int compare(aurmig_conn *c, const char *t, int *violations)
{
	char *sql = NULL, *want = pragma_rows(c, t), *got;
	int set_based;

	assert_int_equal(aurmig__sqlite_fk_check_sql(c, t, 1, &sql), AURMIG_OK);
	got = sql ? rows_of(c, sql) : aurmig__strdup(c->ctx, "");
	if (!want || !got) {
		if (want || got)
			fail_msg("%s: the pragma %s, the query %s\n%s", t, want ? "holds" : "fails", got ? "holds" : "fails",
				sql ? sql : "(none)");
	} else if (strcmp(want, got) != 0)
		fail_msg("%s: the pragma finds\n%sthe query\n%s(%s)", t, want, got, sql);
	*violations = want && *want;
	set_based = sql && !strstr(sql, "pragma_foreign_key_check");
	print_message("  %-3s %-10s %s", t, set_based ? "set-based" : sql ? "pragma" : "no keys",
		want ? (*want ? "violations\n" : "none\n") : "fails\n");
	/* the check's own query (one row, or none) agrees */
	free(sql);
	sql = NULL;
	assert_int_equal(aurmig__sqlite_fk_check_sql(c, t, 0, &sql), AURMIG_OK);
	if (sql) {
		char *one = rows_of(c, sql);
		if (!want != !one || (one && (*one != 0) != (*want != 0)))
			fail_msg("%s: the check's query says %s", t, one ? one : "(fails)");
		free(one);
	}
	free(sql);
	free(want);
	free(got);
	return set_based;
}

static void test_same_as_pragma(void **state)
{
	static const char *const tables[] = { "P1", "C1", "C8", "S", "P7", "C7", "P2", "C2", "P3", "C3", "C4", "P6",
		"C6", "W", "M", "N", "p1" };
	static const char *const mismatch[] = { "P5", "C5", "P0" };
	aurmig_context *ctx;
	char *dir = tu_mkdtemp();
	aurmig_conn *c;
	int v, sb, set_based = 0, violations = 0;

	(void)state;
	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	c = open_db(ctx, dir, "a.db", SCHEMA);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		sb = compare(c, tables[i], &v);
		set_based += sb;
		violations += sb && v;
	}
	aurmig_conn_free(c);
	c = open_db(ctx, dir, "b.db", MISMATCH);
	for (size_t i = 0; i < sizeof(mismatch) / sizeof(mismatch[0]); i++)
		compare(c, mismatch[i], &v);
	aurmig_conn_free(c);
	/* the set-based path ran, and found violations */
	if (set_based < 4 || violations < 3)
		fail_msg("set-based for %d tables, with violations %d", set_based, violations);
	aurmig_context_free(ctx);
	tu_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_pragma),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
