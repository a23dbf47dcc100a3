/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Script parser, graph loader and single-revision lookup. */
#include <sys/stat.h>

#include "testutil.h"
#include "graph/graph_priv.h"

typedef struct fx {
	aurmig_context *ctx;
	char *dir;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_int_equal(aurmig_context_new(&f->ctx), AURMIG_OK);
	f->dir = tu_mkdtemp();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	tu_rmtree(f->dir);
	aurmig_context_free(f->ctx);
	free(f);
	return 0;
}

/* Load f->dir expecting failure `code`; the message must contain each of the
 * NULL-terminated needles, and the record must name `file` (basename) and `line`. */
static void expect_fail(fx *f, int code, const char *file, int line, const char *needle)
{
	aurmig_graph *g = (aurmig_graph *)0x1;
	const aurmig_error *e;
	int rc = aurmig_graph_load(&g, f->ctx, f->dir);

	e = aurmig_error_last(f->ctx);
	if (rc != code)
		print_error("got %d (%s), want %d\n", rc, e->message, code);
	assert_int_equal(rc, code);
	assert_null(g);
	assert_int_equal(e->code, code);
	if (!strstr(e->message, needle))
		print_error("message '%s' lacks '%s'\n", e->message, needle);
	assert_non_null(strstr(e->message, needle));
	if (file) {
		assert_non_null(e->file);
		assert_non_null(strstr(e->file, file));
		assert_non_null(strstr(e->message, file));
	}
	if (line >= 0)
		assert_int_equal(e->line, line);
}

static void test_unknown_header(void **state)
{
	fx *f = *state;
	tu_write(f->dir, "abcd_x.sql", "-- aurmig:revision abcd\n-- aurmig:colour blue\n-- aurmig:upgrade\n");
	expect_fail(f, AURMIG_EPARSE, "abcd_x.sql", 2, "unknown header key 'colour'");
}

static void test_header_after_section(void **state)
{
	fx *f = *state;
	tu_write(f->dir, "abcd_x.sql", "-- aurmig:revision abcd\n-- aurmig:upgrade\nSELECT 1;\n-- aurmig:message late\n");
	expect_fail(f, AURMIG_EPARSE, "abcd_x.sql", 4, "after the first section");
}

static void test_sql_outside_section(void **state)
{
	fx *f = *state;
	tu_write(f->dir, "abcd_x.sql", "-- aurmig:revision abcd\n-- a comment is fine\n\nCREATE TABLE t (a INT);\n-- aurmig:upgrade\n");
	expect_fail(f, AURMIG_EPARSE, "abcd_x.sql", 4, "SQL outside a section");
}

static void test_duplicate_section(void **state)
{
	fx *f = *state;
	tu_write(f->dir, "abcd_x.sql", "-- aurmig:revision abcd\n-- aurmig:upgrade sqlite\n-- aurmig:upgrade\n-- aurmig:upgrade sqlite\n");
	expect_fail(f, AURMIG_EPARSE, "abcd_x.sql", 4, "given twice (first on line 2)");
}

static void test_unknown_dialect(void **state)
{
	fx *f = *state;
	tu_write(f->dir, "abcd_x.sql", "-- aurmig:revision abcd\n-- aurmig:upgrade oracle\n");
	expect_fail(f, AURMIG_EPARSE, "abcd_x.sql", 2, "unknown dialect 'oracle'");
}

static void test_id_too_long(void **state)
{
	fx *f = *state;
	const char *id = "a23456789012345678901234567890123";   /* 33 characters */
	tu_add(f->dir, id, NULL, NULL);
	expect_fail(f, AURMIG_EPARSE, "_script.sql", 1, "longer than 32 characters");
}

static void test_id_reserved_chars(void **state)
{
	const char *bad[] = { "ab-cd", "ab@cd", "ab+cd", "ab:cd" };
	for (size_t i = 0; i < 4; i++) {
		fx *f;
		setup((void **)&f);
		tu_add(f->dir, bad[i], NULL, NULL);
		expect_fail(f, AURMIG_EPARSE, "_script.sql", 1, "reserved characters @ - + :");
		teardown((void **)&f);
	}
	(void)state;
}

static void test_bad_down_revision_id(void **state)
{
	fx *f = *state;
	tu_add(f->dir, "abcd", "x@y", NULL);
	expect_fail(f, AURMIG_EPARSE, "abcd_script.sql", 2, "down_revision entry 'x@y'");
}

static void test_no_revision(void **state)
{
	fx *f = *state;
	tu_write(f->dir, "abcd_x.sql", "-- aurmig:message hi\n-- aurmig:upgrade\n");
	expect_fail(f, AURMIG_EPARSE, "abcd_x.sql", 1, "no '-- aurmig:revision <id>' header");
}

static void test_file_name_mismatch(void **state)
{
	fx *f = *state;
	tu_write(f->dir, "other_x.sql", "-- aurmig:revision abcd\n-- aurmig:upgrade\n");
	expect_fail(f, AURMIG_EPARSE, "other_x.sql", 1, "file name does not match revision 'abcd'");
}

static void test_no_upgrade(void **state)
{
	fx *f = *state;
	tu_write(f->dir, "abcd_x.sql", "-- aurmig:revision abcd\n-- aurmig:downgrade\n");
	expect_fail(f, AURMIG_EPARSE, "abcd_x.sql", 0, "no '-- aurmig:upgrade' section");
}

static void test_duplicate_header(void **state)
{
	fx *f = *state;
	tu_write(f->dir, "abcd_x.sql", "-- aurmig:revision abcd\n-- aurmig:message a\n-- aurmig:message b\n-- aurmig:upgrade\n");
	expect_fail(f, AURMIG_EPARSE, "abcd_x.sql", 3, "header 'message' given twice (first on line 2)");
}

static void test_nul_byte(void **state)
{
	fx *f = *state;
	char path[4096];
	FILE *fp;
	snprintf(path, sizeof(path), "%s/abcd_x.sql", f->dir);
	fp = fopen(path, "wb");
	fwrite("-- aurmig:revision abcd\n-- aurmig:upgrade\nSELECT\0 1;\n", 1, 53, fp);
	fclose(fp);
	expect_fail(f, AURMIG_EPARSE, "abcd_x.sql", 3, "NUL byte");
}

static void test_bad_transaction(void **state)
{
	fx *f = *state;
	tu_write(f->dir, "abcd_x.sql", "-- aurmig:revision abcd\n-- aurmig:transaction maybe\n-- aurmig:upgrade\n");
	expect_fail(f, AURMIG_EPARSE, "abcd_x.sql", 2, "transaction must be 'on' or 'off'");
}

static void test_duplicate_id(void **state)
{
	fx *f = *state;
	tu_write(f->dir, "abcd_one.sql", "-- aurmig:revision abcd\n-- aurmig:upgrade\n");
	tu_write(f->dir, "abcd_two.sql", "-- aurmig:revision abcd\n-- aurmig:upgrade\n");
	expect_fail(f, AURMIG_EGRAPH, "abcd_two.sql", 1, "duplicate revision 'abcd' (also in");
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "abcd_one.sql:1"));
}

static void test_missing_parent(void **state)
{
	fx *f = *state;
	tu_add(f->dir, "aaaa", NULL, NULL);
	tu_add(f->dir, "bbbb", "zzzz", NULL);
	expect_fail(f, AURMIG_EGRAPH, "bbbb_script.sql", 2, "down_revision 'zzzz' of revision 'bbbb' is not in");
}

static void test_reserved_word(void **state)
{
	fx *f = *state;
	tu_add(f->dir, "base", NULL, NULL);   /* "base" is reserved */
	expect_fail(f, AURMIG_EPARSE, "base_script.sql", 1, "reserved word");
}

static void test_cycle_real(void **state)
{
	fx *f = *state;
	tu_add(f->dir, "root", NULL, NULL);
	tu_add(f->dir, "aaaa", "cccc", NULL);
	tu_add(f->dir, "bbbb", "aaaa", NULL);
	tu_add(f->dir, "cccc", "bbbb", NULL);
	expect_fail(f, AURMIG_EGRAPH, "_script.sql", 2, "cycle");
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "aaaa"));
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "bbbb"));
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "cccc"));
}

static void test_self_parent(void **state)
{
	fx *f = *state;
	tu_add(f->dir, "aaaa", "aaaa", NULL);
	expect_fail(f, AURMIG_EPARSE, "aaaa_script.sql", 2, "names itself");
}

static void test_unknown_dependency(void **state)
{
	fx *f = *state;
	tu_add(f->dir, "aaaa", NULL, "-- aurmig:depends_on nope\n");
	expect_fail(f, AURMIG_EGRAPH, "aaaa_script.sql", 3, "depends_on 'nope' of revision 'aaaa'");
}

static void test_duplicate_label(void **state)
{
	fx *f = *state;
	tu_add(f->dir, "aaaa", NULL, "-- aurmig:branch_labels lbl\n");
	tu_add(f->dir, "bbbb", NULL, "-- aurmig:branch_labels lbl\n");
	expect_fail(f, AURMIG_EGRAPH, "bbbb_script.sql", 3, "branch label 'lbl' is already used by revision 'aaaa'");
}

static void test_missing_dir(void **state)
{
	fx *f = *state;
	aurmig_graph *g;
	assert_int_equal(aurmig_graph_load(&g, f->ctx, "/nonexistent/aurmig"), AURMIG_EIO);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "/nonexistent/aurmig"));
	assert_null(g);
}

static const char *fixture(void)
{
	static char path[4096];
	const char *root = getenv("AURMIG_SOURCE_ROOT");
	snprintf(path, sizeof(path), "%s/tests/data/graphs/branched", root ? root : ".");
	return path;
}

static void test_branched_graph(void **state)
{
	fx *f = *state;
	aurmig_graph *g;
	const aurmig_migration *m;

	assert_int_equal(aurmig_graph_load(&g, f->ctx, fixture()), AURMIG_OK);
	assert_int_equal(aurmig_graph_count(g), 7);
	assert_int_equal(aurmig_graph_base_count(g), 1);
	assert_string_equal(aurmig_migration_id(aurmig_graph_base(g, 0)), "1000aaaa0001");
	assert_int_equal(aurmig_graph_head_count(g), 1);
	assert_string_equal(aurmig_migration_id(aurmig_graph_head(g, 0)), "5000eeee0001");
	/* topological: every parent and dependency comes earlier */
	for (size_t i = 0; i < aurmig_graph_count(g); i++) {
		m = aurmig_graph_at(g, i);
		for (size_t k = 0; k < aurmig_migration_parent_count(m); k++) {
			const aurmig_migration *p = aurmig_graph_get(g, aurmig_migration_parent(m, k));
			int seen = 0;
			for (size_t j = 0; j < i; j++)
				seen |= aurmig_graph_at(g, j) == p;
			assert_true(seen);
		}
	}
	m = aurmig_graph_get(g, "1000aaaa0001");
	assert_true(aurmig_migration_is_branch_point(m));
	assert_true(aurmig_migration_is_base(m));
	assert_int_equal(aurmig_migration_child_count(m), 2);
	m = aurmig_graph_get(g, "4000dddd0001");
	assert_true(aurmig_migration_is_merge_point(m));
	assert_int_equal(aurmig_migration_parent_count(m), 2);
	/* the label applies to its revision and everything after it */
	assert_int_equal(aurmig_migration_branch_count(aurmig_graph_get(g, "5000eeee0001")), 1);
	assert_string_equal(aurmig_migration_branch(aurmig_graph_get(g, "2000bbbb0002"), 0), "bee");
	assert_int_equal(aurmig_migration_branch_count(aurmig_graph_get(g, "3000cccc0001")), 0);
	assert_int_equal(aurmig_migration_label_count(aurmig_graph_get(g, "2000bbbb0001")), 1);
	m = aurmig_graph_get(g, "3000cccc0002");
	assert_int_equal(aurmig_migration_dependency_count(m), 1);
	assert_string_equal(aurmig_migration_dependency(m, 0), "2000bbbb0001");
	assert_string_equal(aurmig_migration_message(m), "Branch c second, needs b1");
	assert_string_equal(aurmig_migration_create_date(m), "2026-11-27 12:00:00");
	assert_true(aurmig_migration_transactional(m));
	aurmig_graph_free(g);
}

static void test_lookup(void **state)
{
	fx *f = *state;
	aurmig_graph *g;
	const aurmig_migration *m;

	assert_int_equal(aurmig_graph_load(&g, f->ctx, fixture()), AURMIG_OK);
	assert_int_equal(aurmig_graph_lookup(&m, g, "5000"), AURMIG_OK);
	assert_string_equal(aurmig_migration_id(m), "5000eeee0001");
	assert_int_equal(aurmig_graph_lookup(&m, g, "bee"), AURMIG_OK);
	assert_string_equal(aurmig_migration_id(m), "2000bbbb0001");
	assert_int_equal(aurmig_graph_lookup(&m, g, "2000bbbb"), AURMIG_EAMBIGUOUS);
	assert_null(m);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "'2000bbbb0001'"));
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "'2000bbbb0002'"));
	assert_int_equal(aurmig_graph_lookup(&m, g, "9999"), AURMIG_ENOTFOUND);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "No such revision or branch '9999'"));
	assert_int_equal(aurmig_graph_lookup(&m, g, "99"), AURMIG_ENOTFOUND);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "at least four characters"));
	assert_int_equal(aurmig_graph_lookup(&m, g, "bee@3000cccc0001"), AURMIG_ENOTFOUND);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "is not a member of branch 'bee'"));
	assert_int_equal(aurmig_graph_lookup(&m, g, "bee@2000bbbb0002"), AURMIG_OK);
	assert_int_equal(aurmig_graph_lookup(&m, g, "nolabel@2000bbbb0002"), AURMIG_ENOTFOUND);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "No such branch: 'nolabel'"));
	aurmig_graph_free(g);
}

static void test_sections(void **state)
{
	fx *f = *state;
	aurmig_graph *g;
	const aurmig_migration *m;
	int line;

	tu_write(f->dir, "abcd_x.sql",
		"-- aurmig:revision abcd\n"          /* 1 */
		"-- aurmig:transaction off\n"        /* 2 */
		"-- aurmig:upgrade\n"                /* 3 */
		"COMMON;\n"                          /* 4 */
		"-- aurmig:upgrade sqlite\n"         /* 5 */
		"LITE;\n"                            /* 6 */
		"-- aurmig:downgrade mysql\n"        /* 7 */
		"MY;\n");                            /* 8 */
	assert_int_equal(aurmig_graph_load(&g, f->ctx, f->dir), AURMIG_OK);
	m = aurmig_graph_get(g, "abcd");
	assert_false(aurmig_migration_transactional(m));
	assert_string_equal(aurmig_migration_sql(m, AURMIG_UPGRADE, AURMIG_DIALECT_SQLITE, &line), "LITE;\n");
	assert_int_equal(line, 6);
	assert_string_equal(aurmig_migration_sql(m, AURMIG_UPGRADE, AURMIG_DIALECT_PGSQL, &line), "COMMON;\n");
	assert_int_equal(line, 4);
	assert_string_equal(aurmig_migration_sql(m, AURMIG_DOWNGRADE, AURMIG_DIALECT_MYSQL, &line), "MY;\n");
	assert_null(aurmig_migration_sql(m, AURMIG_DOWNGRADE, AURMIG_DIALECT_SQLITE, &line));
	assert_int_equal(line, 0);
	assert_false(aurmig_migration_has_section(m, AURMIG_DOWNGRADE, AURMIG_DIALECT_PGSQL));
	aurmig_graph_free(g);
}

static void test_byte_order_mark_and_portable_section(void **state)
{
	fx *f = *state;
	aurmig_graph *g;
	const aurmig_migration *m;
	int line;

	/* a UTF-8 BOM before line 1 (some editors write one) is not SQL */
	tu_write(f->dir, "abcd_x.sql",
		"\xEF\xBB\xBF-- aurmig:revision abcd\n"   /* 1 */
		"-- aurmig:upgrade portable\n"              /* 2 */
		"CREATE TABLE t (a INT);\n"                 /* 3 */
		"-- aurmig:downgrade\n"                     /* 4 */
		"DROP TABLE t;\n");                         /* 5 */
	assert_int_equal(aurmig_graph_load(&g, f->ctx, f->dir), AURMIG_OK);
	m = aurmig_graph_get(g, "abcd");
	assert_non_null(m);
	assert_string_equal(aurmig_migration_sql(m, AURMIG_UPGRADE, AURMIG_DIALECT_MYSQL, &line), "CREATE TABLE t (a INT);\n");
	assert_int_equal(line, 3);
	aurmig_graph_free(g);
	/* upgrade and upgrade portable are the same (common) section */
	tu_write(f->dir, "abcd_x.sql", "-- aurmig:revision abcd\n-- aurmig:upgrade\n-- aurmig:upgrade portable\n");
	expect_fail(f, AURMIG_EPARSE, "abcd_x.sql", 3, "given twice");
	/* a BOM anywhere else is still refused as SQL outside a section */
	tu_write(f->dir, "abcd_x.sql", "-- aurmig:revision abcd\n\xEF\xBB\xBF\n-- aurmig:upgrade\n");
	expect_fail(f, AURMIG_EPARSE, "abcd_x.sql", 2, "SQL outside a section");
}

static void test_declared_schema_path(void **state)
{
	fx *f = *state;
	aurmig_graph *g;
	char path[4096], want[4096], sub[1024];

	tu_write(f->dir, "abcd_x.sql", "-- aurmig:revision abcd\n-- aurmig:upgrade\n");
	snprintf(sub, sizeof(sub), "%s/schema", f->dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(aurmig_graph_load(&g, f->ctx, f->dir), AURMIG_OK);
	/* none there: the dialect's own name */
	assert_int_equal(aurmig_graph_declared_schema(path, sizeof(path), g, AURMIG_DIALECT_MYSQL), AURMIG_OK);
	snprintf(want, sizeof(want), "%s/schema/mysql.sql", f->dir);
	assert_string_equal(path, want);
	/* one portable declaration serves every backend ... */
	tu_write(sub, "portable.sql", "-- aurmig:portable\n");
	assert_int_equal(aurmig_graph_declared_schema(path, sizeof(path), g, AURMIG_DIALECT_PGSQL), AURMIG_OK);
	snprintf(want, sizeof(want), "%s/schema/portable.sql", f->dir);
	assert_string_equal(path, want);
	/* ... and a backend's own file wins */
	tu_write(sub, "sqlite.sql", "\n");
	assert_int_equal(aurmig_graph_declared_schema(path, sizeof(path), g, AURMIG_DIALECT_SQLITE), AURMIG_OK);
	snprintf(want, sizeof(want), "%s/schema/sqlite.sql", f->dir);
	assert_string_equal(path, want);
	assert_int_equal(aurmig_graph_declared_schema(path, 8, g, AURMIG_DIALECT_SQLITE), AURMIG_EBUFS);
	assert_int_equal(aurmig_graph_declared_schema(path, sizeof(path), g, AURMIG_DIALECT_ANY), AURMIG_EINVALID);
	aurmig_graph_free(g);
}

static void test_effective_head_and_lists(void **state)
{
	fx *f = *state;
	aurmig_graph *g;

	tu_add(f->dir, "aaaa", NULL, NULL);
	tu_add(f->dir, "dddd", NULL, NULL);                                 /* second base */
	tu_add(f->dir, "bbbb", "(aaaa)", "-- aurmig:depends_on dddd\n");   /* parenthesised list */
	tu_add(f->dir, "cccc", "aaaa, bbbb", NULL);                        /* comma list */
	assert_int_equal(aurmig_graph_load(&g, f->ctx, f->dir), AURMIG_OK);
	assert_int_equal(aurmig_graph_base_count(g), 2);
	assert_true(aurmig_migration_is_effective_head(aurmig_graph_get(g, "dddd")));
	assert_true(aurmig_migration_is_head(aurmig_graph_get(g, "dddd")));
	assert_false(aurmig_migration_is_effective_head(aurmig_graph_get(g, "cccc")));
	assert_int_equal(aurmig_migration_parent_count(aurmig_graph_get(g, "cccc")), 2);
	aurmig_graph_free(g);
}

static void test_alloc_failures(void **state)
{
	fx *f = *state;
	int rc = AURMIG_ENOMEM;

	for (unsigned long n = 1; rc == AURMIG_ENOMEM && n < 100000; n++) {
		aurmig_graph *g = NULL;
		aurmig__context_fail_alloc_at(f->ctx, n);
		rc = aurmig_graph_load(&g, f->ctx, fixture());
		if (rc == AURMIG_ENOMEM) {
			assert_null(g);
			assert_int_equal(aurmig_error_last(f->ctx)->code, AURMIG_ENOMEM);
		} else {
			assert_int_equal(rc, AURMIG_OK);
			aurmig_graph_free(g);
		}
	}
	aurmig__context_fail_alloc_at(f->ctx, 0);
	assert_int_equal(rc, AURMIG_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unknown_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_after_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sql_outside_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_dialect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_id_too_long, setup, teardown),
		cmocka_unit_test(test_id_reserved_chars),
		cmocka_unit_test_setup_teardown(test_byte_order_mark_and_portable_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_declared_schema_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_down_revision_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_revision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_name_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_parent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserved_word, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cycle_real, setup, teardown),
		cmocka_unit_test_setup_teardown(test_self_parent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_dependency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_label, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_branched_graph, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_effective_head_and_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
