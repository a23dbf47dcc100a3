/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pure planner (lib/graph/planner.c) called directly: a graph, version
 * rows and a target in, steps with their row changes out; no connection
 * exists at all. (tests/unit/test_plan.c covers the traversal cases
 * through the plan object.)
 */
#include "testutil.h"
#include "graph/planner.h"

typedef struct collected {
	aurmig__pstep v[16];
	size_t n;
	int stop_at;          /* return AURMIG_EUSER for step number stop_at (1-based), 0 never */
} collected;

static int collect(void *arg, aurmig__pstep *s)
{
	collected *c = arg;

	if (c->stop_at && (int)c->n + 1 == c->stop_at)
		return AURMIG_EUSER;
	assert_true(c->n < 16);
	c->v[c->n++] = *s;
	memset(s, 0, sizeof(*s));   /* taken over */
	return AURMIG_OK;
}

static void collected_clear(collected *c)
{
	for (size_t i = 0; i < c->n; i++)
		aurmig__pstep_clear(&c->v[i]);
	c->n = 0;
}

typedef tu_fx fx;

/* aaaa <- bbbb <- {cc1x (left), cc2x (right)} <- mmmm (merge) */
static int setup(void **state)
{
	fx *f = tu_fx_new();
	tu_add(f->dir, "aaaa", NULL, NULL);
	tu_add(f->dir, "bbbb", "aaaa", NULL);
	tu_add(f->dir, "cc1x", "bbbb", "-- aurmig:branch_labels left\n");
	tu_add(f->dir, "cc2x", "bbbb", "-- aurmig:branch_labels right\n");
	tu_add(f->dir, "mmmm", "cc1x cc2x", NULL);
	tu_fx_load(f);
	*state = f;
	return 0;
}

static void rows_of(aurmig__strv *v, aurmig_context *ctx, const char *a, const char *b)
{
	if (a)
		assert_int_equal(aurmig__strv_push(v, ctx, a), AURMIG_OK);
	if (b)
		assert_int_equal(aurmig__strv_push(v, ctx, b), AURMIG_OK);
}

static void test_upgrade_steps_and_rows(void **state)
{
	fx *f = *state;
	collected c = { .n = 0 };
	aurmig__planner pl = { f->g, f->ctx, AURMIG_DIALECT_SQLITE, collect, &c };
	aurmig__strv rows = { 0 }, after = { 0 };
	const char *t[] = { "heads" };

	rows_of(&rows, f->ctx, "cc1x", NULL);
	assert_int_equal(aurmig__planner_run(&pl, AURMIG_CMD_UPGRADE, t, 1, &rows, &after), AURMIG_OK);
	assert_int_equal(c.n, 2);
	/* cc2x: a new branch row */
	assert_int_equal(c.v[0].kind, AURMIG_STEP_UPGRADE);
	assert_string_equal(aurmig_migration_id(c.v[0].mig), "cc2x");
	assert_int_equal(c.v[0].nops, 1);
	assert_int_equal(c.v[0].ops[0].op, AURMIG__OP_INSERT);
	assert_string_equal(c.v[0].ops[0].a, "cc2x");
	/* the merge: delete one parent's row, update the other's */
	assert_string_equal(aurmig_migration_id(c.v[1].mig), "mmmm");
	assert_int_equal(c.v[1].from.n, 2);
	assert_int_equal(c.v[1].nops, 2);
	assert_int_equal(c.v[1].ops[0].op, AURMIG__OP_DELETE);
	assert_string_equal(c.v[1].ops[0].a, "cc1x");
	assert_int_equal(c.v[1].ops[1].op, AURMIG__OP_UPDATE);
	assert_string_equal(c.v[1].ops[1].a, "cc2x");
	assert_string_equal(c.v[1].ops[1].b, "mmmm");
	assert_int_equal(after.n, 1);
	assert_string_equal(after.v[0], "mmmm");
	/* the rows given are not touched */
	assert_int_equal(rows.n, 1);
	assert_string_equal(rows.v[0], "cc1x");
	collected_clear(&c);
	aurmig__strv_clear(&after);
	aurmig__strv_clear(&rows);
}

static void test_stamp_and_single(void **state)
{
	fx *f = *state;
	collected c = { .n = 0 };
	aurmig__planner pl = { f->g, f->ctx, AURMIG_DIALECT_PGSQL, collect, &c };
	aurmig__strv rows = { 0 }, after = { 0 };
	const char *t[] = { "left@head", "right@base" };

	rows_of(&rows, f->ctx, "bbbb", NULL);
	/* left@head is the merge (the label's lineage includes its descendants) */
	assert_int_equal(aurmig__planner_run(&pl, AURMIG_CMD_STAMP, t, 1, &rows, &after), AURMIG_OK);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.v[0].kind, AURMIG_STEP_STAMP);
	assert_null(c.v[0].mig);
	assert_int_equal(c.v[0].ops[0].op, AURMIG__OP_UPDATE);
	assert_string_equal(c.v[0].ops[0].b, "mmmm");
	collected_clear(&c);
	aurmig__strv_clear(&after);

	assert_int_equal(aurmig__planner_single(&pl, AURMIG_STEP_DOWNGRADE, aurmig_graph_get(f->g, "bbbb"), &rows,
		&after), AURMIG_OK);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.v[0].ops[0].op, AURMIG__OP_UPDATE);
	assert_string_equal(c.v[0].ops[0].a, "bbbb");
	assert_string_equal(c.v[0].ops[0].b, "aaaa");
	assert_string_equal(after.v[0], "aaaa");
	collected_clear(&c);
	aurmig__strv_clear(&after);
	aurmig__strv_clear(&rows);
}

static void test_callback_stops_and_no_callback(void **state)
{
	fx *f = *state;
	collected c = { .n = 0, .stop_at = 2 };
	aurmig__planner pl = { f->g, f->ctx, AURMIG_DIALECT_SQLITE, collect, &c };
	aurmig__strv rows = { 0 }, after = { 0 };
	const char *t[] = { "mmmm" };

	assert_int_equal(aurmig__planner_run(&pl, AURMIG_CMD_UPGRADE, t, 1, &rows, &after), AURMIG_EUSER);
	assert_int_equal(c.n, 1);        /* the first step was handed over, then the planner stopped */
	assert_int_equal(after.n, 0);    /* untouched on failure */
	collected_clear(&c);
	/* without a callback only the rows after are computed */
	pl.step = NULL;
	assert_int_equal(aurmig__planner_run(&pl, AURMIG_CMD_UPGRADE, t, 1, &rows, &after), AURMIG_OK);
	assert_int_equal(after.n, 1);
	assert_string_equal(after.v[0], "mmmm");
	aurmig__strv_clear(&after);
	assert_int_equal(aurmig__planner_run(&pl, 99, t, 1, &rows, &after), AURMIG_EINVALID);
}

static void test_downgrade_dialect_sections(void **state)
{
	fx *f = *state;
	aurmig__planner pl = { NULL, f->ctx, AURMIG_DIALECT_MYSQL, NULL, NULL };
	aurmig__strv rows = { 0 }, after = { 0 };
	const char *t[] = { "base" };
	aurmig_graph *g;

	/* bbbb reverses only on SQLite: a MySQL downgrade through it is refused */
	tu_write(f->dir, "bbbb_script.sql", "-- aurmig:revision bbbb\n-- aurmig:down_revision aaaa\n-- aurmig:upgrade\n"
		"SELECT 1;\n-- aurmig:downgrade sqlite\nSELECT 2;\n");
	assert_int_equal(aurmig_graph_load(&g, f->ctx, f->dir), AURMIG_OK);
	pl.graph = g;
	rows_of(&rows, f->ctx, "mmmm", NULL);
	assert_int_equal(aurmig__planner_run(&pl, AURMIG_CMD_DOWNGRADE, t, 1, &rows, &after), AURMIG_EIRREVERSIBLE);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "revision bbbb has no downgrade section"));
	pl.dialect = AURMIG_DIALECT_SQLITE;
	assert_int_equal(aurmig__planner_run(&pl, AURMIG_CMD_DOWNGRADE, t, 1, &rows, &after), AURMIG_OK);
	assert_int_equal(after.n, 0);
	aurmig__strv_clear(&after);
	aurmig__strv_clear(&rows);
	aurmig_graph_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_upgrade_steps_and_rows, setup, tu_fx_free),
		cmocka_unit_test_setup_teardown(test_stamp_and_single, setup, tu_fx_free),
		cmocka_unit_test_setup_teardown(test_callback_stops_and_no_callback, setup, tu_fx_free),
		cmocka_unit_test_setup_teardown(test_downgrade_dialect_sections, setup, tu_fx_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
