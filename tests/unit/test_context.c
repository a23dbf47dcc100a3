/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The context (lib/base/context.c): the error record, the allocator and its
 * failure hook, the log callback, hooks, reference counting. */
#include "testutil.h"
#include "base/internal.h"

static void test_new_and_empty_record(void **state)
{
	aurmig_context *ctx = (aurmig_context *)0x1;
	const aurmig_error *e;
	(void)state;

	assert_int_equal(aurmig_context_new(NULL), AURMIG_EINVALID);
	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	assert_non_null(ctx);
	e = aurmig_error_last(ctx);
	assert_non_null(e);
	assert_int_equal(e->code, AURMIG_OK);
	assert_string_equal(e->message, "");
	assert_null(e->file);
	assert_int_equal(e->line, 0);
	assert_null(e->revision);
	assert_null(e->statement);
	aurmig_context_free(ctx);
	aurmig_context_free(NULL);   /* NULL-safe */
}

static void test_error_record(void **state)
{
	aurmig_context *ctx;
	const aurmig_error *e;
	(void)state;

	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	assert_int_equal(aurmig__err(ctx, AURMIG_ENOTFOUND, AURMIG_ERRCLASS_TARGET, "no revision '%s'", "abc"),
		AURMIG_ENOTFOUND);
	e = aurmig_error_last(ctx);
	assert_int_equal(e->code, AURMIG_ENOTFOUND);
	assert_int_equal(e->klass, AURMIG_ERRCLASS_TARGET);
	assert_string_equal(e->message, "no revision 'abc'");
	assert_null(e->file);

	/* a new error replaces the old one, details included */
	assert_int_equal(aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, "v/a.sql", 12, "bad %d", 7),
		AURMIG_EPARSE);
	aurmig__err_set_revision(ctx, "a1");
	aurmig__err_set_statement(ctx, "SELECT 1");
	aurmig__err_set_db_code(ctx, 1062);
	e = aurmig_error_last(ctx);
	assert_string_equal(e->message, "v/a.sql:12: bad 7");
	assert_string_equal(e->file, "v/a.sql");
	assert_int_equal(e->line, 12);
	assert_string_equal(e->revision, "a1");
	assert_string_equal(e->statement, "SELECT 1");
	assert_int_equal(e->db_code, 1062);

	/* a file without a line: "file: message" */
	aurmig__err_at(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, "dir", 0, "cannot read");
	e = aurmig_error_last(ctx);
	assert_string_equal(e->message, "dir: cannot read");
	assert_int_equal(e->line, 0);
	assert_null(e->revision);
	assert_null(e->statement);
	assert_int_equal(e->db_code, 0);

	aurmig__err_clear(ctx);
	e = aurmig_error_last(ctx);
	assert_int_equal(e->code, AURMIG_OK);
	assert_string_equal(e->message, "");
	assert_null(e->file);

	/* err_hold: rollback paths keep the first error */
	aurmig__err(ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB, "first");
	ctx->err_hold++;
	aurmig__err(ctx, AURMIG_ERROR, AURMIG_ERRCLASS_DB, "second");
	aurmig__err_set_revision(ctx, "zz");
	ctx->err_hold--;
	assert_string_equal(aurmig_error_last(ctx)->message, "first");
	assert_int_equal(aurmig_error_last(ctx)->code, AURMIG_EDB);
	assert_null(aurmig_error_last(ctx)->revision);
	aurmig_context_free(ctx);
}

static void test_error_str(void **state)
{
	(void)state;
	for (int c = 0; c >= -40; c--) {
		const char *s = aurmig_error_str(c);
		assert_non_null(s);
		assert_true(strlen(s) > 0);
	}
	assert_string_not_equal(aurmig_error_str(AURMIG_ENOMEM), aurmig_error_str(AURMIG_EPARSE));
	assert_non_null(aurmig_error_str(12345));
}

/* The file name the recovery gate puts on its refusal (run/gate.c blocked())
 * is copied through the context's allocator: the allocation-failure walks
 * reach it, and a failure says out of memory instead of dropping the file
 * silently (issue 18 point 5). */
static void test_error_location_uses_the_allocator(void **state)
{
	aurmig_context *ctx;
	const aurmig_error *e;
	(void)state;

	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	aurmig__err(ctx, AURMIG_ERECOVERY, AURMIG_ERRCLASS_DB, "upgrade of revision a failed");
	assert_int_equal(aurmig__err_set_location(ctx, "m/a.sql", 4), AURMIG_OK);
	e = aurmig_error_last(ctx);
	assert_string_equal(e->file, "m/a.sql");
	assert_int_equal(e->line, 4);
	aurmig__err(ctx, AURMIG_ERECOVERY, AURMIG_ERRCLASS_DB, "upgrade of revision a failed");
	aurmig__context_fail_alloc_at(ctx, 1);
	assert_int_equal(aurmig__err_set_location(ctx, "m/a.sql", 4), AURMIG_ENOMEM);
	e = aurmig_error_last(ctx);
	assert_int_equal(e->code, AURMIG_ENOMEM);
	assert_null(e->file);
	aurmig__context_fail_alloc_at(ctx, 0);
	aurmig_context_free(ctx);
}

static void test_allocator_hook(void **state)
{
	aurmig_context *ctx;
	void *a, *b, *c;
	char *s;
	(void)state;

	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	/* the third allocation from now fails, and only that one */
	aurmig__context_fail_alloc_at(ctx, 3);
	a = aurmig__malloc(ctx, 10);
	b = aurmig__calloc(ctx, 2, 8);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(aurmig_error_last(ctx)->code, AURMIG_OK);
	c = aurmig__realloc(ctx, NULL, 5);
	assert_null(c);
	assert_int_equal(aurmig_error_last(ctx)->code, AURMIG_ENOMEM);
	assert_int_equal(aurmig_error_last(ctx)->klass, AURMIG_ERRCLASS_NOMEM);
	assert_string_equal(aurmig_error_last(ctx)->message, "out of memory");
	s = aurmig__strdup(ctx, "after");
	assert_non_null(s);
	assert_string_equal(s, "after");
	free(s);
	/* strdup, printf go through the hook as well */
	aurmig__context_fail_alloc_at(ctx, 1);
	assert_null(aurmig__strdup(ctx, "x"));
	aurmig__context_fail_alloc_at(ctx, 1);
	assert_null(aurmig__printf(ctx, "%d", 5));
	aurmig__context_fail_alloc_at(ctx, 0);   /* disarmed */
	s = aurmig__printf(ctx, "%s-%d", "a", 5);
	assert_string_equal(s, "a-5");
	free(s);
	/* overflowing array sizes fail without allocating */
	assert_null(aurmig__reallocarray(ctx, NULL, SIZE_MAX / 2, 4));
	assert_int_equal(aurmig_error_last(ctx)->code, AURMIG_ENOMEM);
	/* recording an error does not consume the countdown: the error after
	 * the failing allocation still has its message */
	aurmig__context_fail_alloc_at(ctx, 2);
	aurmig__err(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, "message %s", "kept");
	assert_string_equal(aurmig_error_last(ctx)->message, "message kept");
	c = aurmig__malloc(ctx, 1);
	assert_non_null(c);                       /* allocation 1 */
	assert_null(aurmig__malloc(ctx, 1));      /* allocation 2 */
	free(a);
	free(b);
	free(c);
	aurmig_context_free(ctx);
}

static int logged;
static char last_log[256];
static void log_fn(void *payload, int level, const char *msg)
{
	(void)level;
	logged += *(int *)payload;
	snprintf(last_log, sizeof(last_log), "%s", msg);
}

static void test_log(void **state)
{
	aurmig_context *ctx;
	int weight = 1;
	(void)state;

	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	aurmig_context_set_log(ctx, log_fn, &weight, AURMIG_LOG_WARNING);
	logged = 0;
	aurmig__log(ctx, AURMIG_LOG_WARNING, "warn %d", 1);
	assert_int_equal(logged, 1);
	assert_string_equal(last_log, "warn 1");
	aurmig__log(ctx, AURMIG_LOG_DEBUG, "debug");   /* above the level: dropped */
	assert_int_equal(logged, 1);
	/* at debug level, recorded errors are logged too */
	aurmig_context_set_log(ctx, log_fn, &weight, AURMIG_LOG_DEBUG);
	aurmig__err(ctx, AURMIG_ERROR, AURMIG_ERRCLASS_API, "boom");
	assert_int_equal(logged, 2);
	assert_string_equal(last_log, "boom");
	aurmig_context_set_log(ctx, NULL, NULL, 0);
	aurmig__log(ctx, AURMIG_LOG_ERROR, "nobody listens");
	assert_int_equal(logged, 2);
	aurmig_context_free(ctx);
}

static int hook_fn(void *payload, aurmig_conn *conn, const char *hook, const char *revision, int direction)
{
	(void)payload;
	(void)conn;
	(void)hook;
	(void)revision;
	(void)direction;
	return 0;
}

static void test_hooks(void **state)
{
	aurmig_context *ctx;
	int p1, p2;
	const aurmig__hook *h;
	(void)state;

	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	assert_int_equal(aurmig_context_set_hook(ctx, "", hook_fn, NULL, 0), AURMIG_EINVALID);
	assert_non_null(strstr(aurmig_error_last(ctx)->message, "1 to 32 characters"));
	assert_int_equal(aurmig_context_set_hook(ctx, "a23456789012345678901234567890123", hook_fn, NULL, 0),
		AURMIG_EINVALID);
	assert_int_equal(aurmig_context_set_hook(ctx, "one", hook_fn, &p1, 0), AURMIG_OK);
	assert_int_equal(aurmig_error_last(ctx)->code, AURMIG_OK);   /* success leaves no error */
	assert_int_equal(aurmig_context_set_hook(ctx, "two", hook_fn, &p2, AURMIG_HOOK_OWN_CONNECTION), AURMIG_OK);
	h = aurmig__context_hook(ctx, "two");
	assert_non_null(h);
	assert_ptr_equal(h->payload, &p2);
	assert_int_equal(h->flags, AURMIG_HOOK_OWN_CONNECTION);
	/* replace, then remove */
	assert_int_equal(aurmig_context_set_hook(ctx, "one", hook_fn, &p2, 0), AURMIG_OK);
	assert_ptr_equal(aurmig__context_hook(ctx, "one")->payload, &p2);
	assert_int_equal(aurmig_context_set_hook(ctx, "one", NULL, NULL, 0), AURMIG_OK);
	assert_null(aurmig__context_hook(ctx, "one"));
	assert_non_null(aurmig__context_hook(ctx, "two"));
	assert_null(aurmig__context_hook(ctx, "three"));
	/* out of memory while adding: reported, nothing added */
	aurmig__context_fail_alloc_at(ctx, 1);
	assert_int_equal(aurmig_context_set_hook(ctx, "three", hook_fn, NULL, 0), AURMIG_ENOMEM);
	assert_null(aurmig__context_hook(ctx, "three"));
	aurmig_context_free(ctx);
}

static void test_references(void **state)
{
	aurmig_context *ctx;
	(void)state;

	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	assert_ptr_equal(aurmig__context_ref(ctx), ctx);
	aurmig__err(ctx, AURMIG_ERROR, AURMIG_ERRCLASS_API, "still here");
	aurmig_context_free(ctx);                     /* the caller's reference */
	assert_string_equal(aurmig_error_last(ctx)->message, "still here");   /* kept alive by the other */
	aurmig__context_unref(ctx);
}

/* The dialect vocabulary: one table, the same names everywhere. */
static void test_dialect_names(void **state)
{
	(void)state;
	assert_string_equal(aurmig_dialect_name(AURMIG_DIALECT_SQLITE), "sqlite");
	assert_string_equal(aurmig_dialect_name(AURMIG_DIALECT_MYSQL), "mysql");
	assert_string_equal(aurmig_dialect_name(AURMIG_DIALECT_PGSQL), "pgsql");
	assert_string_equal(aurmig_dialect_name(AURMIG_DIALECT_ANY), "portable");
	assert_null(aurmig_dialect_name(9));
	assert_null(aurmig_dialect_name(-1));
	assert_int_equal(aurmig_dialect_from_name("sqlite3"), AURMIG_DIALECT_SQLITE);
	assert_int_equal(aurmig_dialect_from_name("MariaDB"), AURMIG_DIALECT_MYSQL);
	assert_int_equal(aurmig_dialect_from_name("postgres"), AURMIG_DIALECT_PGSQL);
	assert_int_equal(aurmig_dialect_from_name("PostgreSQL"), AURMIG_DIALECT_PGSQL);
	assert_int_equal(aurmig_dialect_from_name("portable"), AURMIG_DIALECT_ANY);
	assert_int_equal(aurmig_dialect_from_name("oracle"), -1);
	assert_int_equal(aurmig_dialect_from_name("mysq"), -1);
	assert_int_equal(aurmig_dialect_from_name(""), -1);
	assert_int_equal(aurmig_dialect_from_name(NULL), -1);
	for (int d = AURMIG_DIALECT_ANY; d <= AURMIG_DIALECT_PGSQL; d++)
		assert_int_equal(aurmig_dialect_from_name(aurmig_dialect_name(d)), d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_and_empty_record),
		cmocka_unit_test(test_error_record),
		cmocka_unit_test(test_error_str),
		cmocka_unit_test(test_allocator_hook),
		cmocka_unit_test(test_error_location_uses_the_allocator),
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_dialect_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
