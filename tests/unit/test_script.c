/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One script parsed on its own (lib/graph/script.c): header fields,
 * sections per dialect and direction, hook items, and errors that name the
 * file and line. */
#include "testutil.h"
#include "graph/script.h"
#include "base/split.h"

/* Parse text as file `name`; the parser takes over a malloc'd copy. */
static int parse(aurmig_migration **out, aurmig_context *ctx, const char *name, const char *text)
{
	size_t n = strlen(text);
	char *copy = malloc(n + 1);
	char path[256];

	assert_non_null(copy);
	memcpy(copy, text, n + 1);
	snprintf(path, sizeof(path), "versions/%s", name);
	return aurmig__script_parse(out, ctx, path, name, copy, n);
}

static void expect_error(const char *name, const char *text, int code, int line, const char *needle)
{
	aurmig_context *ctx;
	aurmig_migration *m = (aurmig_migration *)0x1;
	const aurmig_error *e;
	int rc;

	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	rc = parse(&m, ctx, name, text);
	e = aurmig_error_last(ctx);
	if (rc != code || !strstr(e->message, needle))
		print_error("got %d '%s', want %d '%s'\n", rc, e->message, code, needle);
	assert_int_equal(rc, code);
	assert_null(m);
	assert_int_equal(e->code, code);
	assert_int_equal(e->klass, AURMIG_ERRCLASS_SCRIPT);
	assert_non_null(strstr(e->message, needle));
	assert_non_null(e->file);
	assert_non_null(strstr(e->file, name));
	/* the message starts with file:line */
	{
		char prefix[300];
		snprintf(prefix, sizeof(prefix), "versions/%s:%d: ", name, line);
		if (strncmp(e->message, prefix, strlen(prefix)) != 0)
			print_error("message '%s' does not start with '%s'\n", e->message, prefix);
		assert_int_equal(strncmp(e->message, prefix, strlen(prefix)), 0);
	}
	assert_int_equal(e->line, line);
	aurmig_context_free(ctx);
}

static void test_headers(void **state)
{
	aurmig_context *ctx;
	aurmig_migration *m = NULL;
	(void)state;

	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	assert_int_equal(parse(&m, ctx, "ab12_merge.sql",
		"-- aurmig:revision ab12\n"
		"-- aurmig:down_revision (p1, p2)\n"
		"-- aurmig:message Merge two branches\n"
		"-- aurmig:create_date 2020-06-08 10:04:18\n"
		"-- aurmig:branch_labels sso, extra\n"
		"--aurmig:depends_on d1 d2\n"
		"-- aurmig:transaction off\n"
		"-- aurmig:irreversible deleted rows stay deleted\n"
		"-- aurmig:online required\n"
		"-- an ordinary comment\n"
		"\n"
		"-- aurmig:upgrade\n"
		"SELECT 1;\n"), AURMIG_OK);
	assert_non_null(m);
	assert_string_equal(aurmig_migration_id(m), "ab12");
	assert_string_equal(aurmig_migration_message(m), "Merge two branches");
	assert_string_equal(aurmig_migration_create_date(m), "2020-06-08 10:04:18");
	assert_string_equal(aurmig_migration_path(m), "versions/ab12_merge.sql");
	assert_int_equal(aurmig_migration_parent_count(m), 2);
	assert_string_equal(aurmig_migration_parent(m, 0), "p1");
	assert_string_equal(aurmig_migration_parent(m, 1), "p2");
	assert_null(aurmig_migration_parent(m, 2));
	assert_int_equal(aurmig_migration_dependency_count(m), 2);
	assert_string_equal(aurmig_migration_dependency(m, 1), "d2");
	assert_int_equal(aurmig_migration_label_count(m), 2);
	assert_string_equal(aurmig_migration_label(m, 0), "sso");
	assert_string_equal(aurmig_migration_label(m, 1), "extra");
	assert_int_equal(aurmig_migration_transactional(m), 0);
	assert_string_equal(aurmig_migration_data_loss(m), "deleted rows stay deleted");
	assert_int_equal(m->online_required, 1);
	assert_true(aurmig_migration_is_merge_point(m));
	assert_false(aurmig_migration_is_base(m));
	assert_int_equal(m->line_revision, 1);
	assert_int_equal(m->line_down, 2);
	assert_int_equal(m->line_deps, 6);
	assert_int_equal(m->line_labels, 5);
	aurmig__script_free(m);
	aurmig_context_free(ctx);
}

static void test_minimal_defaults(void **state)
{
	aurmig_context *ctx;
	aurmig_migration *m = NULL;
	int line = -1;
	(void)state;

	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	/* <id>.sql is a valid file name too; an empty upgrade section is fine */
	assert_int_equal(parse(&m, ctx, "base1.sql", "-- aurmig:revision base1\n-- aurmig:upgrade\n"), AURMIG_OK);
	assert_true(aurmig_migration_is_base(m));
	assert_int_equal(aurmig_migration_parent_count(m), 0);
	assert_int_equal(aurmig_migration_transactional(m), 1);
	assert_int_equal(m->online_required, 0);
	assert_null(aurmig_migration_data_loss(m));
	assert_true(aurmig_migration_has_section(m, AURMIG_UPGRADE, AURMIG_DIALECT_SQLITE));
	assert_false(aurmig_migration_has_section(m, AURMIG_DOWNGRADE, AURMIG_DIALECT_SQLITE));
	assert_non_null(aurmig_migration_sql(m, AURMIG_UPGRADE, AURMIG_DIALECT_PGSQL, &line));
	assert_string_equal(aurmig_migration_sql(m, AURMIG_UPGRADE, AURMIG_DIALECT_PGSQL, &line), "");
	assert_null(aurmig_migration_sql(m, AURMIG_DOWNGRADE, AURMIG_DIALECT_PGSQL, &line));
	aurmig__script_free(m);
	aurmig_context_free(ctx);
}

static void test_sections_per_dialect(void **state)
{
	aurmig_context *ctx;
	aurmig_migration *m = NULL;
	int line = 0;
	const char *sql;
	(void)state;

	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	assert_int_equal(parse(&m, ctx, "c0de_x.sql",
		"-- aurmig:revision c0de\n"          /* 1 */
		"-- aurmig:upgrade\n"                /* 2 */
		"CREATE TABLE t (a INT);\n"          /* 3 */
		"-- aurmig:upgrade sqlite\n"         /* 4 */
		"CREATE TABLE t (a INTEGER);\n"      /* 5 */
		"-- aurmig:downgrade mysql\n"        /* 6 */
		"DROP TABLE t;\n"                    /* 7 */
		"-- aurmig:downgrade portable\n"     /* 8 */
		"DROP TABLE t;\n"), AURMIG_OK);      /* 9 */
	sql = aurmig_migration_sql(m, AURMIG_UPGRADE, AURMIG_DIALECT_SQLITE, &line);
	assert_string_equal(sql, "CREATE TABLE t (a INTEGER);\n");
	assert_int_equal(line, 5);
	sql = aurmig_migration_sql(m, AURMIG_UPGRADE, AURMIG_DIALECT_MYSQL, &line);
	assert_string_equal(sql, "CREATE TABLE t (a INT);\n");
	assert_int_equal(line, 3);
	/* the common downgrade is the portable one; mysql has its own */
	assert_int_equal(aurmig__migration_portable(m, AURMIG_DOWNGRADE, AURMIG_DIALECT_PGSQL), 1);
	assert_int_equal(aurmig__migration_portable(m, AURMIG_DOWNGRADE, AURMIG_DIALECT_MYSQL), 0);
	assert_int_equal(aurmig__migration_portable(m, AURMIG_UPGRADE, AURMIG_DIALECT_PGSQL), 0);
	sql = aurmig_migration_sql(m, AURMIG_DOWNGRADE, AURMIG_DIALECT_PGSQL, &line);
	assert_string_equal(sql, "DROP TABLE t;\n");
	assert_int_equal(line, 9);
	assert_true(aurmig_migration_has_section(m, AURMIG_DOWNGRADE, AURMIG_DIALECT_MYSQL));
	aurmig__script_free(m);
	aurmig_context_free(ctx);
}

static void test_hook_items(void **state)
{
	aurmig_context *ctx;
	aurmig_migration *m = NULL;
	aurmig__stmt *st = NULL;
	aurmig__item *items = NULL;
	size_t nst = 0, nitems = 0;
	int line = 0;
	const char *sql;
	(void)state;

	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	assert_int_equal(parse(&m, ctx, "h00k_x.sql",
		"-- aurmig:revision h00k\n"
		"-- aurmig:upgrade\n"
		"UPDATE a SET x = 1;\n"
		"-- aurmig:hook fix_emails default\n"
		"UPDATE b SET y = 2;\n"
		"UPDATE b SET y = 3;\n"
		"-- aurmig:end-hook\n"
		"-- aurmig:hook notify\n"
		"UPDATE c SET z = 4;\n"), AURMIG_OK);
	sql = aurmig_migration_sql(m, AURMIG_UPGRADE, AURMIG_DIALECT_SQLITE, &line);
	assert_int_equal(aurmig__split(&st, &nst, ctx, sql, strlen(sql), AURMIG_DIALECT_SQLITE, m->path, line),
		AURMIG_OK);
	assert_int_equal(nst, 4);
	assert_int_equal(aurmig__script_items(&items, &nitems, ctx, sql, st, nst), AURMIG_OK);
	/* stmt, hook(default: 2 stmts), stmt, stmt, hook, stmt */
	assert_int_equal(nitems, 6);
	assert_int_equal(items[0].hook, 0);
	assert_int_equal(items[0].stmt, 0);
	assert_int_equal(items[0].in_default, -1);
	assert_int_equal(items[1].hook, 1);
	assert_string_equal(items[1].name, "fix_emails");
	assert_int_equal(items[1].has_default, 1);
	assert_int_equal(items[1].ndefault, 2);
	assert_int_equal(items[2].in_default, 1);
	assert_int_equal(items[3].in_default, 1);
	assert_int_equal(items[3].stmt, 2);
	assert_int_equal(items[4].hook, 1);
	assert_string_equal(items[4].name, "notify");
	assert_int_equal(items[4].has_default, 0);
	assert_int_equal(items[5].stmt, 3);
	assert_int_equal(items[5].in_default, -1);
	free(items);
	free(st);
	aurmig__script_free(m);
	aurmig_context_free(ctx);
}

static void test_errors_name_file_and_line(void **state)
{
	(void)state;
	expect_error("ab12_x.sql", "-- aurmig:revision ab12\n-- aurmig:colour blue\n-- aurmig:upgrade\n",
		AURMIG_EPARSE, 2, "unknown header key 'colour'");
	expect_error("ab12_x.sql", "-- aurmig:revision ab12\n-- aurmig:upgrade\n-- aurmig:message late\n",
		AURMIG_EPARSE, 3, "after the first section");
	expect_error("ab12_x.sql", "-- aurmig:revision ab12\n\nSELECT 1;\n-- aurmig:upgrade\n",
		AURMIG_EPARSE, 3, "SQL outside a section");
	expect_error("ab12_x.sql", "-- aurmig:revision ab12\n-- aurmig:upgrade\n-- aurmig:upgrade\n",
		AURMIG_EPARSE, 3, "given twice (first on line 2)");
	expect_error("ab12_x.sql", "-- aurmig:revision ab12\n-- aurmig:upgrade oracle\n",
		AURMIG_EPARSE, 2, "unknown dialect 'oracle'");
	expect_error("ab12_x.sql", "-- aurmig:revision ab12\n-- aurmig:message a\n-- aurmig:message b\n"
		"-- aurmig:upgrade\n", AURMIG_EPARSE, 3, "header 'message' given twice (first on line 2)");
	expect_error("ab12_x.sql", "-- aurmig:revision ab12\n-- aurmig:transaction maybe\n-- aurmig:upgrade\n",
		AURMIG_EPARSE, 2, "transaction must be 'on' or 'off', not 'maybe'");
	expect_error("ab12_x.sql", "-- aurmig:revision ab12\n-- aurmig:online maybe\n-- aurmig:upgrade\n",
		AURMIG_EPARSE, 2, "online takes 'required', not 'maybe'");
	expect_error("ab12_x.sql", "-- aurmig:revision ab12\n-- aurmig:online required\n-- aurmig:online required\n"
		"-- aurmig:upgrade\n", AURMIG_EPARSE, 3, "header 'online' given twice");
	expect_error("ab12_x.sql", "-- aurmig:revision ab12\n-- aurmig:down_revision p1 p1\n-- aurmig:upgrade\n",
		AURMIG_EPARSE, 2, "lists 'p1' twice");
	expect_error("ab12_x.sql", "-- aurmig:revision ab12\n-- aurmig:down_revision ab12\n-- aurmig:upgrade\n",
		AURMIG_EPARSE, 2, "names itself as down_revision");
	expect_error("ab12_x.sql", "-- aurmig:revision ab12\n-- aurmig:upgrade\n-- aurmig:hook h default\nSELECT 1;\n",
		AURMIG_EPARSE, 3, "not closed with '-- aurmig:end-hook'");
	expect_error("ab12_x.sql", "-- aurmig:revision ab12\n-- aurmig:upgrade\n-- aurmig:end-hook\n",
		AURMIG_EPARSE, 3, "'-- aurmig:end-hook' without");
	expect_error("ab12_x.sql", "-- aurmig:revision ab12\n-- aurmig:message bad\x01text\n-- aurmig:upgrade\n",
		AURMIG_EPARSE, 2, "control character (0x01)");
	expect_error("ab12_x.sql", "-- aurmig:revision ab12\n-- aurmig:upgrade\nSELECT '\xff';\n",
		AURMIG_EPARSE, 3, "invalid UTF-8");
	expect_error("ab12_x.sql", "-- aurmig:revision he@d\n-- aurmig:upgrade\n",
		AURMIG_EPARSE, 1, "reserved characters");
}

static void test_errors_without_a_line(void **state)
{
	aurmig_context *ctx;
	aurmig_migration *m = (aurmig_migration *)0x1;
	(void)state;

	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	assert_int_equal(parse(&m, ctx, "ab12_x.sql", "-- aurmig:revision ab12\n"), AURMIG_EPARSE);
	assert_null(m);
	assert_non_null(strstr(aurmig_error_last(ctx)->message, "no '-- aurmig:upgrade' section"));
	assert_non_null(strstr(aurmig_error_last(ctx)->message, "versions/ab12_x.sql"));
	assert_int_equal(parse(&m, ctx, "ab12_x.sql", "-- aurmig:upgrade\n"), AURMIG_EPARSE);
	assert_non_null(strstr(aurmig_error_last(ctx)->message, "no '-- aurmig:revision <id>' header"));
	assert_int_equal(parse(&m, ctx, "cd34_x.sql", "-- aurmig:revision ab12\n-- aurmig:upgrade\n"), AURMIG_EPARSE);
	assert_non_null(strstr(aurmig_error_last(ctx)->message, "file name does not match revision 'ab12'"));
	/* the same context parses the next script (the public entry,
	 * aurmig_graph_load, clears the record; the parser does not) */
	assert_int_equal(parse(&m, ctx, "ab12_x.sql", "-- aurmig:revision ab12\n-- aurmig:upgrade\n"), AURMIG_OK);
	assert_string_equal(aurmig_migration_id(m), "ab12");
	aurmig__script_free(m);
	aurmig_context_free(ctx);
}

static void test_alloc_failures(void **state)
{
	const char *text = "-- aurmig:revision ab12\n-- aurmig:down_revision p1 p2\n-- aurmig:branch_labels l\n"
		"-- aurmig:message m\n-- aurmig:upgrade\nSELECT 1;\n-- aurmig:downgrade\nSELECT 2;\n";
	int ok = 0;
	(void)state;

	for (unsigned long n = 1; n < 200 && !ok; n++) {
		aurmig_context *ctx;
		aurmig_migration *m = NULL;
		int rc;

		assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
		aurmig__context_fail_alloc_at(ctx, n);
		rc = parse(&m, ctx, "ab12_x.sql", text);
		if (rc == AURMIG_OK) {
			ok = 1;
			assert_non_null(m);
		} else {
			assert_int_equal(rc, AURMIG_ENOMEM);
			assert_null(m);
			assert_int_equal(aurmig_error_last(ctx)->code, AURMIG_ENOMEM);
		}
		aurmig__script_free(m);
		aurmig_context_free(ctx);
	}
	assert_true(ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_sections_per_dialect),
		cmocka_unit_test(test_hook_items),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_errors_without_a_line),
		cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
