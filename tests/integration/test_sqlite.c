/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Upgrade, downgrade and stamp on real SQLite files through libdbi. */
#include <dlfcn.h>

#include "../unit/testutil.h"
#include "db/db.h"
#include "graph/graph_priv.h"

typedef struct fx {
	aurmig_context *ctx;
	char *dir;       /* scratch migrations directory */
	char *dbdir;
	char url[4200];
	aurmig_conn *conn;
	aurmig_graph *graph;
} fx;

static const char *fixture(void)
{
	static char path[4096];
	const char *root = getenv("AURMIG_SOURCE_ROOT");
	snprintf(path, sizeof(path), "%s/tests/data/graphs/branched", root ? root : ".");
	return path;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_int_equal(aurmig_context_new(&f->ctx), AURMIG_OK);
	f->dir = tu_mkdtemp();
	f->dbdir = tu_mkdtemp();
	snprintf(f->url, sizeof(f->url), "sqlite:///%s/test.db", f->dbdir);
	assert_int_equal(aurmig_conn_open(&f->conn, f->ctx, f->url), AURMIG_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	aurmig_graph_free(f->graph);
	aurmig_conn_free(f->conn);
	aurmig_context_free(f->ctx);
	tu_rmtree(f->dir);
	tu_rmtree(f->dbdir);
	free(f);
	return 0;
}

static void load(fx *f, const char *dir)
{
	aurmig_graph_free(f->graph);
	f->graph = NULL;
	if (aurmig_graph_load(&f->graph, f->ctx, dir) != AURMIG_OK)
		fail_msg("load: %s", aurmig_error_last(f->ctx)->message);
}

/* Run a command; returns the library's code. */
static int run(fx *f, int cmd, const char *target, unsigned int flags)
{
	aurmig_plan_options o = AURMIG_PLAN_OPTIONS_INIT;
	aurmig_plan *p = NULL;
	int rc;

	o.flags = flags;
	rc = aurmig_plan_new(&p, f->conn, f->graph, cmd, &target, 1, &o);
	if (!rc)
		rc = aurmig_plan_run(p);
	aurmig_plan_free(p);
	return rc;
}

static void run_ok(fx *f, int cmd, const char *target)
{
	int rc = run(f, cmd, target, 0);
	if (rc)
		fail_msg("%s %s: %s", cmd == AURMIG_CMD_UPGRADE ? "upgrade" : cmd == AURMIG_CMD_DOWNGRADE ?
			"downgrade" : "stamp", target, aurmig_error_last(f->ctx)->message);
}

/* The version rows must be exactly the space-separated ids in want. */
static void expect_rows(fx *f, const char *want)
{
	size_t n, nwant = 0;
	char buf[512], *tok, *save;

	assert_int_equal(aurmig_conn_read_current(f->conn, &n), AURMIG_OK);
	snprintf(buf, sizeof(buf), "%s", want);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		int found = 0;
		nwant++;
		for (size_t i = 0; i < n; i++)
			found |= strcmp(aurmig_conn_current_head(f->conn, i), tok) == 0;
		if (!found)
			fail_msg("row %s missing (want '%s', %zu rows)", tok, want, n);
	}
	if (n != nwant) {
		for (size_t i = 0; i < n; i++)
			print_error("row: %s\n", aurmig_conn_current_head(f->conn, i));
		fail_msg("want %zu rows '%s', got %zu", nwant, want, n);
	}
}

static int table_exists(fx *f, const char *name)
{
	int e;
	assert_int_equal(aurmig__db_table_exists(f->conn, name, &e), AURMIG_OK);
	return e;
}

/* Every head-maintenance case of Alembic, step by step (ANCHORS.md 3.3). */
static void test_branched_steps(void **state)
{
	fx *f = *state;
	load(f, fixture());
	run_ok(f, AURMIG_CMD_UPGRADE, "1000aaaa0001");
	expect_rows(f, "1000aaaa0001");                               /* insert: base */
	run_ok(f, AURMIG_CMD_UPGRADE, "2000bbbb0001");
	expect_rows(f, "2000bbbb0001");                               /* update */
	run_ok(f, AURMIG_CMD_UPGRADE, "3000cccc0001");
	expect_rows(f, "2000bbbb0001 3000cccc0001");                  /* insert: parent superseded */
	run_ok(f, AURMIG_CMD_UPGRADE, "3000cccc0002");
	expect_rows(f, "3000cccc0002");                               /* merge through depends_on */
	run_ok(f, AURMIG_CMD_UPGRADE, "2000bbbb0002");
	expect_rows(f, "2000bbbb0002 3000cccc0002");                  /* insert */
	run_ok(f, AURMIG_CMD_UPGRADE, "4000dddd0001");
	expect_rows(f, "4000dddd0001");                               /* merge */
	run_ok(f, AURMIG_CMD_UPGRADE, "+1");
	expect_rows(f, "5000eeee0001");
	assert_true(table_exists(f, "t_d"));
	run_ok(f, AURMIG_CMD_DOWNGRADE, "-1");
	expect_rows(f, "4000dddd0001");
	assert_false(table_exists(f, "t_d"));
	run_ok(f, AURMIG_CMD_DOWNGRADE, "2000bbbb0002");
	expect_rows(f, "2000bbbb0002 3000cccc0002");                  /* unmerge */
	run_ok(f, AURMIG_CMD_DOWNGRADE, "3000cccc0001");
	expect_rows(f, "2000bbbb0002 3000cccc0001");                  /* unmerge of a dependency */
	run_ok(f, AURMIG_CMD_DOWNGRADE, "base");
	expect_rows(f, "");
	assert_false(table_exists(f, "t_a"));
	assert_true(table_exists(f, "alembic_version"));              /* never dropped */
	run_ok(f, AURMIG_CMD_UPGRADE, "bee@head");
	expect_rows(f, "5000eeee0001");
	assert_int_equal(run(f, AURMIG_CMD_DOWNGRADE, "bee@-2", 0), AURMIG_EAMBIGUOUS);  /* forks at the merge */
	run_ok(f, AURMIG_CMD_DOWNGRADE, "bee@-1");
	expect_rows(f, "4000dddd0001");
	run_ok(f, AURMIG_CMD_UPGRADE, "heads");
	expect_rows(f, "5000eeee0001");
	/* an up-to-date database: no step */
	{
		const char *t = "heads";
		aurmig_plan *p;
		assert_int_equal(aurmig_plan_new(&p, f->conn, f->graph, AURMIG_CMD_UPGRADE, &t, 1, NULL), AURMIG_OK);
		assert_int_equal(aurmig_plan_count(p), 0);
		assert_int_equal(aurmig_plan_run(p), AURMIG_OK);
		aurmig_plan_free(p);
	}
}

static void test_relative_errors(void **state)
{
	fx *f = *state;
	load(f, fixture());
	run_ok(f, AURMIG_CMD_UPGRADE, "2000bbbb0001");
	run_ok(f, AURMIG_CMD_UPGRADE, "3000cccc0001");
	/* two current heads: +1 is ambiguous */
	assert_int_equal(run(f, AURMIG_CMD_UPGRADE, "+1", 0), AURMIG_EAMBIGUOUS);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "Ambiguous upgrade from multiple current revisions"));
	assert_int_equal(run(f, AURMIG_CMD_DOWNGRADE, "-1", 0), AURMIG_EAMBIGUOUS);
	/* head is ambiguous only when several heads exist; here there is one */
	assert_int_equal(run(f, AURMIG_CMD_UPGRADE, "nosuch", 0), AURMIG_ENOTFOUND);
	assert_int_equal(run(f, AURMIG_CMD_DOWNGRADE, "1000aaaa0001+9", 0), AURMIG_EAMBIGUOUS); /* forks at a1 */
	expect_rows(f, "2000bbbb0001 3000cccc0001");
	run_ok(f, AURMIG_CMD_DOWNGRADE, "base");
	assert_int_equal(run(f, AURMIG_CMD_DOWNGRADE, "-1", 0), AURMIG_ENOTFOUND);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "didn't produce 1 migrations"));
}

static void test_stamp(void **state)
{
	fx *f = *state;
	const char *two[] = { "2000bbbb0002", "3000cccc0001" };
	aurmig_plan *p;

	load(f, fixture());
	run_ok(f, AURMIG_CMD_STAMP, "2000bbbb0001");
	expect_rows(f, "2000bbbb0001");
	assert_false(table_exists(f, "t_b1"));          /* stamp runs no script */
	run_ok(f, AURMIG_CMD_STAMP, "3000cccc0001");
	expect_rows(f, "2000bbbb0001 3000cccc0001");    /* other lineage: new row */
	run_ok(f, AURMIG_CMD_STAMP, "heads");
	expect_rows(f, "5000eeee0001");                 /* both below: collapse */
	run_ok(f, AURMIG_CMD_STAMP, "1000aaaa0001");
	expect_rows(f, "1000aaaa0001");                 /* above: move down */
	run_ok(f, AURMIG_CMD_STAMP, "base");
	expect_rows(f, "");
	assert_int_equal(aurmig_plan_new(&p, f->conn, f->graph, AURMIG_CMD_STAMP, two, 2, NULL), AURMIG_OK);
	assert_int_equal(aurmig_plan_run(p), AURMIG_OK);
	aurmig_plan_free(p);
	expect_rows(f, "2000bbbb0002 3000cccc0001");
}

static void test_unknown_revision_and_purge(void **state)
{
	fx *f = *state;
	int st;
	size_t pending;

	load(f, fixture());
	run_ok(f, AURMIG_CMD_UPGRADE, "1000aaaa0001");
	assert_int_equal(f->conn->ops->exec(f->conn, "UPDATE alembic_version SET version_num = 'feedface1234'", NULL), AURMIG_OK);
	assert_int_equal(run(f, AURMIG_CMD_UPGRADE, "heads", 0), AURMIG_EUNKNOWNREV);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "'feedface1234'"));
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "newer"));
	assert_int_equal(aurmig_check(&st, &pending, f->conn, f->graph), AURMIG_OK);
	assert_int_equal(st, AURMIG_STATE_UNKNOWN);
	assert_int_equal(run(f, AURMIG_CMD_STAMP, "1000aaaa0001", 0), AURMIG_EUNKNOWNREV);
	assert_int_equal(run(f, AURMIG_CMD_STAMP, "1000aaaa0001", AURMIG_PLAN_PURGE), AURMIG_OK);
	expect_rows(f, "1000aaaa0001");
	assert_int_equal(aurmig_check(&st, &pending, f->conn, f->graph), AURMIG_OK);
	assert_int_equal(st, AURMIG_STATE_BEHIND);
	assert_int_equal(pending, 6);
	run_ok(f, AURMIG_CMD_UPGRADE, "heads");
	assert_int_equal(aurmig_check(&st, &pending, f->conn, f->graph), AURMIG_OK);
	assert_int_equal(st, AURMIG_STATE_AT_HEAD);
	assert_int_equal(pending, 0);
	/* purge to base empties the table */
	assert_int_equal(run(f, AURMIG_CMD_STAMP, "base", AURMIG_PLAN_PURGE), AURMIG_OK);
	expect_rows(f, "");
}

static void test_read_only(void **state)
{
	fx *f = *state;
	size_t n = 99;
	int st;

	load(f, fixture());
	assert_int_equal(aurmig_conn_read_current(f->conn, &n), AURMIG_OK);
	assert_int_equal(n, 0);
	assert_int_equal(aurmig_check(&st, NULL, f->conn, f->graph), AURMIG_OK);
	assert_int_equal(st, AURMIG_STATE_BEHIND);
	assert_false(table_exists(f, "alembic_version"));
	/* a downgrade of an empty database creates nothing either */
	run_ok(f, AURMIG_CMD_DOWNGRADE, "base");
	assert_false(table_exists(f, "alembic_version"));
}

static void test_failure_rolls_back(void **state)
{
	fx *f = *state;
	const aurmig_error *e;

	tu_add(f->dir, "aaaa", NULL, NULL);
	tu_write(f->dir, "bbbb_bad.sql",
		"-- aurmig:revision bbbb\n"                 /* 1 */
		"-- aurmig:down_revision aaaa\n"            /* 2 */
		"-- aurmig:upgrade\n"                       /* 3 */
		"CREATE TABLE good (id INTEGER);\n"         /* 4 */
		"INSERT INTO good VALUES (1);\n"            /* 5 */
		"\n"                                        /* 6 */
		"INSERT INTO missing_table VALUES (1);\n"   /* 7 */
		"-- aurmig:downgrade\nDROP TABLE good;\n");
	load(f, f->dir);
	assert_int_equal(run(f, AURMIG_CMD_UPGRADE, "heads", 0), AURMIG_EDB);
	e = aurmig_error_last(f->ctx);
	assert_int_equal(e->klass, AURMIG_ERRCLASS_DB);
	assert_non_null(e->file);
	assert_non_null(strstr(e->file, "bbbb_bad.sql"));
	assert_int_equal(e->line, 7);
	assert_string_equal(e->revision, "bbbb");
	assert_string_equal(e->statement, "INSERT INTO missing_table VALUES (1)");
	assert_non_null(strstr(e->message, "missing_table"));           /* the database's own words */
	assert_non_null(strstr(e->message, "bbbb_bad.sql:7"));
	/* aaaa committed on its own; bbbb rolled back entirely */
	expect_rows(f, "aaaa");
	assert_true(table_exists(f, "t_aaaa"));
	assert_false(table_exists(f, "good"));
}

static void test_one_transaction(void **state)
{
	fx *f = *state;
	tu_add(f->dir, "aaaa", NULL, NULL);
	tu_add(f->dir, "bbbb", "aaaa", NULL);
	tu_write(f->dir, "cccc_bad.sql", "-- aurmig:revision cccc\n-- aurmig:down_revision bbbb\n"
		"-- aurmig:upgrade\nCREATE TABLE x (a INTEGER);\nNOT SQL AT ALL;\n-- aurmig:downgrade\n");
	load(f, f->dir);
	assert_int_equal(run(f, AURMIG_CMD_UPGRADE, "heads", AURMIG_PLAN_ONE_TRANSACTION), AURMIG_EDB);
	expect_rows(f, "");
	assert_false(table_exists(f, "t_aaaa"));
	assert_false(table_exists(f, "alembic_version"));
	/* per migration: the first two stay */
	assert_int_equal(run(f, AURMIG_CMD_UPGRADE, "heads", 0), AURMIG_EDB);
	expect_rows(f, "bbbb");
	assert_true(table_exists(f, "t_aaaa"));
	assert_true(table_exists(f, "t_bbbb"));
	assert_false(table_exists(f, "x"));
	/* and the whole plan succeeds in one transaction */
	run_ok(f, AURMIG_CMD_DOWNGRADE, "base");
	load(f, fixture());
	assert_int_equal(run(f, AURMIG_CMD_UPGRADE, "heads", AURMIG_PLAN_ONE_TRANSACTION), AURMIG_OK);
	expect_rows(f, "5000eeee0001");
}

static void test_irreversible(void **state)
{
	fx *f = *state;
	tu_add(f->dir, "aaaa", NULL, NULL);
	tu_write(f->dir, "bbbb_x.sql", "-- aurmig:revision bbbb\n-- aurmig:down_revision aaaa\n"
		"-- aurmig:upgrade\nCREATE TABLE y (a INTEGER);\n");
	tu_add(f->dir, "cccc", "bbbb", NULL);
	load(f, f->dir);
	run_ok(f, AURMIG_CMD_UPGRADE, "heads");
	assert_int_equal(run(f, AURMIG_CMD_DOWNGRADE, "base", 0), AURMIG_EIRREVERSIBLE);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "bbbb"));
	/* refused before anything ran: cccc is still applied */
	expect_rows(f, "cccc");
	assert_true(table_exists(f, "t_cccc"));
	run_ok(f, AURMIG_CMD_DOWNGRADE, "bbbb");
	expect_rows(f, "bbbb");
}

static int stop_at_second(void *payload, const aurmig_step *s, int phase)
{
	int *calls = payload;
	(void)s;
	return phase == AURMIG_PROGRESS_START && ++*calls == 2;
}

static void test_pull_api_and_progress(void **state)
{
	fx *f = *state;
	const char *t = "heads";
	aurmig_plan *p;
	const aurmig_step *s;
	aurmig_plan_options o;
	int calls = 0, rc;
	size_t n = 0;

	load(f, fixture());
	assert_int_equal(aurmig_plan_new(&p, f->conn, f->graph, AURMIG_CMD_UPGRADE, &t, 1, NULL), AURMIG_OK);
	assert_int_equal(aurmig_plan_count(p), 7);
	assert_int_equal(aurmig_plan_after_count(p), 1);
	assert_string_equal(aurmig_plan_after(p, 0), "5000eeee0001");
	assert_int_equal(aurmig_plan_before_count(p), 0);
	assert_true(aurmig_step_seconds(aurmig_plan_at(p, 0)) < 0);
	while ((rc = aurmig_plan_next(&s, p)) == AURMIG_OK) {
		assert_ptr_equal(s, aurmig_plan_at(p, n));
		assert_int_equal(aurmig_step_kind_of(s), AURMIG_STEP_UPGRADE);
		assert_int_equal(aurmig_step_statements(s), 2);
		assert_true(aurmig_step_seconds(s) >= 0);
		n++;
		if (n == 1)
			expect_rows(f, "1000aaaa0001");
	}
	assert_int_equal(rc, AURMIG_ITEROVER);
	assert_int_equal(n, 7);
	expect_rows(f, "5000eeee0001");
	aurmig_plan_free(p);

	run_ok(f, AURMIG_CMD_DOWNGRADE, "base");
	assert_int_equal(aurmig_plan_options_init(&o, AURMIG_PLAN_OPTIONS_VERSION), AURMIG_OK);
	assert_int_equal(aurmig_plan_options_init(&o, 99), AURMIG_EINVALID);
	/* version 3: online off, blocking statements announced from 1 s */
	assert_int_equal(aurmig_plan_options_init(&o, 3), AURMIG_OK);
	assert_int_equal(o.online, 0);
	assert_int_equal(o.warn_blocking_ms, 1000);
	assert_int_equal(aurmig_plan_options_init(&o, AURMIG_PLAN_OPTIONS_VERSION), AURMIG_OK);
	o.progress = stop_at_second;
	o.progress_payload = &calls;
	assert_int_equal(aurmig_plan_new(&p, f->conn, f->graph, AURMIG_CMD_UPGRADE, &t, 1, &o), AURMIG_OK);
	assert_int_equal(aurmig_plan_run(p), AURMIG_EUSER);
	assert_int_equal(aurmig_plan_next(&s, p), AURMIG_EINVALID);   /* a stopped plan stays stopped */
	aurmig_plan_free(p);
	expect_rows(f, "1000aaaa0001");
}

static void test_bad_arguments(void **state)
{
	fx *f = *state;
	const char *t[] = { "heads", "base" };
	aurmig_plan *p = (aurmig_plan *)0x1;
	aurmig_plan_options o = AURMIG_PLAN_OPTIONS_INIT;

	load(f, fixture());
	assert_int_equal(aurmig_plan_new(&p, f->conn, f->graph, AURMIG_CMD_UPGRADE, t, 2, NULL), AURMIG_EINVALID);
	assert_null(p);
	assert_int_equal(aurmig_plan_new(&p, f->conn, f->graph, 42, t, 1, NULL), AURMIG_EINVALID);
	o.version = 77;
	assert_int_equal(aurmig_plan_new(&p, f->conn, f->graph, AURMIG_CMD_UPGRADE, t, 1, &o), AURMIG_EINVALID);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "aurmig_plan_options version 77 is not supported"));
	/* every entry point that takes plan options checks their version the same way */
	assert_int_equal(aurmig_init(f->conn, f->graph, &o), AURMIG_EINVALID);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "aurmig_init: aurmig_plan_options version 77"));
	assert_int_equal(aurmig_recover(f->conn, f->graph, AURMIG_RECOVER_RESUME, NULL, &o), AURMIG_EINVALID);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "aurmig_recover: aurmig_plan_options version 77"));
	o.version = 0;
	assert_int_equal(aurmig_init(f->conn, f->graph, &o), AURMIG_EINVALID);
	o.version = AURMIG_PLAN_OPTIONS_VERSION;
	assert_int_equal(aurmig_plan_new(&p, NULL, f->graph, AURMIG_CMD_UPGRADE, t, 1, NULL), AURMIG_EINVALID);
	{
		aurmig_conn *c = (aurmig_conn *)0x1;
		assert_int_equal(aurmig_conn_open(&c, f->ctx, "oracle://x/y"), AURMIG_EINVALID);
		assert_null(c);
		assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "oracle"));
	}
}

static void test_status(void **state)
{
	fx *f = *state;
	aurmig_status *st = (aurmig_status *)0x1;

	assert_int_equal(aurmig_status_new(&st, f->ctx, f->url, NULL, fixture()), AURMIG_OK);
	assert_int_equal(aurmig_status_state(st), AURMIG_STATE_BEHIND);
	assert_int_equal(aurmig_status_pending_count(st), 7);
	assert_string_equal(aurmig_status_pending(st, 0), "1000aaaa0001");
	assert_string_equal(aurmig_status_pending(st, 6), "5000eeee0001");
	assert_int_equal(aurmig_status_current_count(st), 0);
	assert_int_equal(aurmig_status_head_count(st), 1);
	assert_non_null(strstr(aurmig_status_message(st), "7 migrations pending"));
	aurmig_status_free(st);
	assert_false(table_exists(f, "alembic_version"));          /* read-only */
	assert_false(table_exists(f, "aurmig_journal"));

	load(f, fixture());
	run_ok(f, AURMIG_CMD_UPGRADE, "heads");
	assert_int_equal(aurmig_status_new(&st, f->ctx, f->url, NULL, fixture()), AURMIG_OK);
	assert_int_equal(aurmig_status_state(st), AURMIG_STATE_AT_HEAD);
	assert_int_equal(aurmig_status_pending_count(st), 0);
	assert_string_equal(aurmig_status_current(st, 0), "5000eeee0001");
	aurmig_status_free(st);
	assert_int_equal(aurmig_status_from(&st, f->conn, f->graph), AURMIG_OK);
	assert_int_equal(aurmig_status_state(st), AURMIG_STATE_AT_HEAD);
	aurmig_status_free(st);

	assert_int_equal(f->conn->ops->exec(f->conn, "UPDATE alembic_version SET version_num = 'cafe0000'", NULL), AURMIG_OK);
	assert_int_equal(aurmig_status_new(&st, f->ctx, f->url, NULL, fixture()), AURMIG_OK);
	assert_int_equal(aurmig_status_state(st), AURMIG_STATE_UNKNOWN);
	assert_non_null(strstr(aurmig_status_message(st), "newer than these migrations"));
	aurmig_status_free(st);

	assert_int_equal(aurmig_status_new(&st, f->ctx, f->url, "/etc/aurweb/config", fixture()), AURMIG_EINVALID);
	assert_null(st);
	assert_int_equal(aurmig_status_new(&st, f->ctx, f->url, NULL, "/nonexistent"), AURMIG_EIO);
	assert_null(st);
}

static int hook_calls;

static int hook_in_tx(void *payload, aurmig_conn *conn, const char *hook, const char *revision, int direction)
{
	(void)payload;
	hook_calls++;
	assert_string_equal(hook, "fill");
	assert_string_equal(revision, "hhhh");
	assert_int_equal(direction, AURMIG_UPGRADE);
	return aurmig_conn_exec(conn, "INSERT INTO h VALUES (42)");
}

static int hook_fails(void *payload, aurmig_conn *conn, const char *hook, const char *revision, int direction)
{
	(void)payload; (void)hook; (void)revision; (void)direction;
	/* the error of a failing statement is kept in the step's message */
	return aurmig_conn_exec(conn, "INSERT INTO nowhere VALUES (1)") ? 3 : 0;
}

static void test_hooks(void **state)
{
	fx *f = *state;
	const aurmig_error *e;

	tu_write(f->dir, "hhhh_hooks.sql",
		"-- aurmig:revision hhhh\n"
		"-- aurmig:upgrade\n"
		"CREATE TABLE h (x INTEGER);\n"
		"-- aurmig:hook fill default\n"
		"INSERT INTO h VALUES (1);\n"
		"INSERT INTO h VALUES (2);\n"
		"-- aurmig:end-hook\n"
		"-- aurmig:hook needed\n"
		"CREATE TABLE h2 (x INTEGER);\n"
		"-- aurmig:downgrade\nDROP TABLE h2;\nDROP TABLE h;\n");
	load(f, f->dir);
	/* 'needed' has no default and no callback: refused before anything runs */
	assert_int_equal(run(f, AURMIG_CMD_UPGRADE, "heads", 0), AURMIG_EINVALID);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "needs the hook 'needed'"));
	assert_false(table_exists(f, "h"));
	assert_false(table_exists(f, "alembic_version"));

	/* without 'fill', its SQL default runs */
	assert_int_equal(aurmig_context_set_hook(f->ctx, "needed", hook_in_tx, NULL, 0), AURMIG_OK);
	assert_int_equal(aurmig_context_set_hook(f->ctx, "needed", NULL, NULL, 0), AURMIG_OK);   /* removed again */
	assert_int_equal(run(f, AURMIG_CMD_UPGRADE, "heads", 0), AURMIG_EINVALID);
	assert_int_equal(aurmig_context_set_hook(f->ctx, "needed", hook_fails, NULL, 0), AURMIG_OK);
	assert_int_equal(run(f, AURMIG_CMD_UPGRADE, "heads", 0), AURMIG_EUSER);
	e = aurmig_error_last(f->ctx);
	assert_non_null(strstr(e->message, "hook 'needed' failed (returned 3)"));
	assert_non_null(strstr(e->message, "nowhere"));
	assert_false(table_exists(f, "h"));            /* rolled back with the step */
	expect_rows(f, "");

	/* a callback for 'fill' replaces the default, inside the transaction */
	assert_int_equal(aurmig_context_set_hook(f->ctx, "needed", NULL, NULL, 0), AURMIG_OK);
	tu_write(f->dir, "hhhh_hooks.sql",
		"-- aurmig:revision hhhh\n-- aurmig:upgrade\nCREATE TABLE h (x INTEGER);\n"
		"-- aurmig:hook fill default\nINSERT INTO h VALUES (1);\n-- aurmig:end-hook\n"
		"-- aurmig:downgrade\nDROP TABLE h;\n");
	load(f, f->dir);
	run_ok(f, AURMIG_CMD_UPGRADE, "heads");
	{
		aurmig__strv rows = { 0 };
		assert_int_equal(f->conn->ops->query(f->conn, "SELECT x FROM h", &rows), AURMIG_OK);
		assert_int_equal(rows.n, 1);                 /* the default ran */
		aurmig__strv_clear(&rows);
	}
	run_ok(f, AURMIG_CMD_DOWNGRADE, "base");
	hook_calls = 0;
	assert_int_equal(aurmig_context_set_hook(f->ctx, "fill", hook_in_tx, NULL, 0), AURMIG_OK);
	run_ok(f, AURMIG_CMD_UPGRADE, "heads");
	assert_int_equal(hook_calls, 1);
	{
		aurmig__strv rows = { 0 };
		assert_int_equal(f->conn->ops->query(f->conn, "SELECT x FROM h", &rows), AURMIG_OK);
		assert_int_equal(rows.n, 1);
		assert_string_equal(rows.v[0], "42");        /* the hook, not the default */
		aurmig__strv_clear(&rows);
	}
	assert_int_equal(aurmig_context_set_hook(f->ctx, "", hook_in_tx, NULL, 0), AURMIG_EINVALID);
}

static void test_free_in_any_order(void **state)
{
	fx *f = *state;
	const char *t = "heads";
	aurmig_plan *p;
	aurmig_revlist *l;
	aurmig_conn *c;
	aurmig_graph *g;

	assert_int_equal(aurmig_conn_open(&c, f->ctx, f->url), AURMIG_OK);
	assert_int_equal(aurmig_graph_load(&g, f->ctx, fixture()), AURMIG_OK);
	assert_int_equal(aurmig_plan_new(&p, c, g, AURMIG_CMD_UPGRADE, &t, 1, NULL), AURMIG_OK);
	assert_int_equal(aurmig_graph_history(&l, g, NULL, NULL, 0), AURMIG_OK);
	/* the caller lets go of everything but the plan and the list */
	aurmig_conn_free(c);
	aurmig_graph_free(g);
	aurmig_context_free(f->ctx);
	assert_int_equal(aurmig_plan_run(p), AURMIG_OK);
	assert_string_equal(aurmig_migration_id(aurmig_revlist_at(l, 0)), "5000eeee0001");
	aurmig_plan_free(p);
	assert_string_equal(aurmig_migration_message(aurmig_revlist_at(l, 6)), "Base table");
	aurmig_revlist_free(l);
	assert_int_equal(aurmig_context_new(&f->ctx), AURMIG_OK);   /* for teardown */
	aurmig_conn_free(f->conn);
	assert_int_equal(aurmig_conn_open(&f->conn, f->ctx, f->url), AURMIG_OK);
	expect_rows(f, "5000eeee0001");
}

static void test_alloc_failures(void **state)
{
	fx *f = *state;
	int rc = AURMIG_ENOMEM;
	unsigned long n;

	load(f, fixture());
	for (n = 1; rc == AURMIG_ENOMEM && n < 100000; n++) {
		aurmig__context_fail_alloc_at(f->ctx, n);
		rc = run(f, AURMIG_CMD_UPGRADE, "heads", 0);
		aurmig__context_fail_alloc_at(f->ctx, 0);
		if (rc == AURMIG_ENOMEM)
			continue;
		assert_int_equal(rc, AURMIG_OK);
	}
	expect_rows(f, "5000eeee0001");
	assert_true(n > 10);
}

/* The driver's module and libsqlite3 stay loaded after the last context is
 * freed (lib/db/db.c pins them): without that, every context of a php-fpm
 * request unloaded and reloaded the client library, ~3 ms of a ~3.6 ms
 * start-up check. (Under the ASan runs' keep_modules shim this holds anyway.) */
static void test_driver_module_kept(void **state)
{
	aurmig_context *ctx = NULL;
	aurmig_conn *c = NULL;
	char *dbdir = tu_mkdtemp(), url[4200];
	void *h;

	(void)state;
	snprintf(url, sizeof(url), "sqlite:///%s/kept.db", dbdir);
	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	assert_int_equal(aurmig_conn_open(&c, ctx, url), AURMIG_OK);
	h = dlopen("libsqlite3.so.0", RTLD_LAZY | RTLD_NOLOAD);   /* loaded while in use */
	assert_non_null(h);
	dlclose(h);
	aurmig_conn_free(c);
	aurmig_context_free(ctx);
	h = dlopen("libsqlite3.so.0", RTLD_LAZY | RTLD_NOLOAD);
	if (!h)
		fail_msg("libsqlite3 was unloaded with the last context: the next one maps and relocates it again");
	dlclose(h);
	tu_rmtree(dbdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_driver_module_kept),
		cmocka_unit_test_setup_teardown(test_branched_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relative_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_revision_and_purge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irreversible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pull_api_and_progress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hooks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_in_any_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
