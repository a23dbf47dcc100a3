/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Allocation-failure walks: every allocation the library makes during an
 * operation is made to fail once, in turn (aurmig__context_fail_alloc_at),
 * from the first until the operation gets through. Each failing run must
 * return AURMIG_ENOMEM with the error recorded, must not crash, and must
 * leave the database in a state a later run accepts (no half-applied
 * step, nothing that awaits recovery); the leak checkers (ASan's and
 * valgrind's, scripts/hardening.sh) see every failing run.
 *
 * Covered: graph loading, connecting, upgrade (per step and in one
 * transaction), downgrade, stamp (into an empty table, moving down, with
 * purge), offline SQL for every dialect and command, the read-only checks
 * (check and validate, status, history, current), validate --accept,
 * the recovery actions, and the checks of a running journal row (the
 * deploy-lock probe: its run alive, or dead).
 *
 * The databases are copies of template files, made before the failure is
 * armed, in /dev/shm when there is one (no fsync cost).
 */
#include <fcntl.h>
#include <sys/file.h>
#include <time.h>

#include "../unit/testutil.h"
#include "db/db.h"
#include "graph/graph_priv.h"

typedef struct walk {
	aurmig_context *ctx;
	char *dir;                 /* scratch: databases and graphs */
	aurmig_graph *g;           /* tests/data/graphs/branched */
	char empty_db[4200];
	char head_db[4200];        /* upgraded to heads */
	char broken_db[4200];      /* a transaction-off migration failed half-way */
	char broken_dir[4200], fixed_dir[4200];
	aurmig_graph *broken, *fixed;
	int serial;
	char db[4200];             /* the copy the current run works on */
} walk;

static const char *fixture(void)
{
	static char path[4096];
	const char *root = getenv("AURMIG_SOURCE_ROOT");
	snprintf(path, sizeof(path), "%s/tests/data/graphs/branched", root ? root : ".");
	return path;
}

static char *scratch_dir(void)
{
	struct stat st;
	char *p;

	if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0) {
		p = malloc(4096);
		assert_non_null(p);
		snprintf(p, 4096, "/dev/shm/aurmig-alloc-XXXXXX");
		assert_non_null(mkdtemp(p));
		return p;
	}
	return tu_mkdtemp();
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[65536];
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static void remove_db(const char *path)
{
	char lock[4300];

	unlink(path);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	unlink(lock);
}

static aurmig_conn *open_db(walk *w, const char *path)
{
	aurmig_conn *c = NULL;
	char url[4300];

	snprintf(url, sizeof(url), "sqlite:///%s", path);
	if (aurmig_conn_open(&c, w->ctx, url) != AURMIG_OK)
		fail_msg("open %s: %s", url, aurmig_error_last(w->ctx)->message);
	return c;
}

/* A fresh copy of a template (NULL: a new empty database). */
static aurmig_conn *open_copy(walk *w, const char *template)
{
	snprintf(w->db, sizeof(w->db), "%s/run-%d.db", w->dir, w->serial++);
	if (template)
		copy_file(template, w->db);
	return open_db(w, w->db);
}

static int plan_run(aurmig_conn *c, const aurmig_graph *g, int cmd, const char *const *targets, size_t n,
	unsigned flags)
{
	aurmig_plan_options o = AURMIG_PLAN_OPTIONS_INIT;
	aurmig_plan *p = NULL;
	int rc;

	o.flags = flags;
	rc = aurmig_plan_new(&p, c, g, cmd, targets, n, &o);
	if (!rc)
		rc = aurmig_plan_run(p);
	aurmig_plan_free(p);
	return rc;
}

static size_t rows(aurmig_conn *c, const char *first)
{
	size_t n = 0;

	assert_int_equal(aurmig_conn_read_current(c, &n), AURMIG_OK);
	if (first) {
		assert_int_equal(n, 1);
		assert_string_equal(aurmig_conn_current_head(c, 0), first);
	}
	return n;
}

/* The database is consistent: readable, nothing awaits recovery, no unknown rows. */
static void consistent(walk *w, aurmig_conn *c)
{
	int st = -1;

	if (aurmig_check(&st, NULL, c, w->g) != AURMIG_OK)
		fail_msg("check after a failed run: %s", aurmig_error_last(w->ctx)->message);
	assert_true(st == AURMIG_STATE_AT_HEAD || st == AURMIG_STATE_BEHIND);
}

typedef int (*op_fn)(walk *w, aurmig_conn *c);
typedef void (*check_fn)(walk *w, aurmig_conn *c);

/*
 * Fail allocation 1, 2, ... of op until it succeeds. template: the database
 * each run starts from (NULL: none is opened; "" : an empty one).
 */
static unsigned long walk_op(walk *w, const char *what, const char *template, op_fn op,
	check_fn after_fail, check_fn after_ok)
{
	unsigned long n, total;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);

	/* count first: a failure the library swallowed would end the walk early */
	{
		aurmig_conn *c = template ? open_copy(w, *template ? template : NULL) : NULL;
		int rc;

		aurmig__context_fail_alloc_at(w->ctx, (unsigned long)-1);
		rc = op(w, c);
		total = w->ctx->alloc_count;
		aurmig__context_fail_alloc_at(w->ctx, 0);
		if (rc != AURMIG_OK)
			fail_msg("%s: %s", what, aurmig_error_last(w->ctx)->message);
		aurmig_conn_free(c);
		if (template)
			remove_db(w->db);
	}
	for (n = 1; n < 200000; n++) {
		aurmig_conn *c = template ? open_copy(w, *template ? template : NULL) : NULL;
		int rc;

		aurmig__context_fail_alloc_at(w->ctx, n);
		rc = op(w, c);
		aurmig__context_fail_alloc_at(w->ctx, 0);
		if (rc == AURMIG_ENOMEM) {
			const aurmig_error *e = aurmig_error_last(w->ctx);
			if (e->code != AURMIG_ENOMEM)
				fail_msg("%s: allocation %lu: ENOMEM returned, but the record says %d: %s",
					what, n, e->code, e->message);
			if (after_fail && c)
				after_fail(w, c);
		} else if (rc != AURMIG_OK) {
			fail_msg("%s: allocation %lu failed: got %d (%s), not AURMIG_ENOMEM", what, n, rc,
				aurmig_error_last(w->ctx)->message);
		} else if (after_ok) {
			after_ok(w, c);
		}
		aurmig_conn_free(c);
		if (template)
			remove_db(w->db);
		if (rc == AURMIG_OK)
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("%s: %lu allocations walked (%.1f s)\n", what, n - 1,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (n - 1 != total)
		fail_msg("%s: succeeded with allocation %lu failing, of %lu: a failure was ignored", what, n, total);
	assert_true(n > 1);
	return n;
}

/* ---------------------------------------------------------------- operations */

static int op_load(walk *w, aurmig_conn *c)
{
	aurmig_graph *g = NULL;
	int rc = aurmig_graph_load(&g, w->ctx, fixture());

	(void)c;
	if (!rc)
		assert_int_equal(aurmig_graph_count(g), 7);
	else
		assert_null(g);
	aurmig_graph_free(g);
	return rc;
}

static int op_open(walk *w, aurmig_conn *c)
{
	aurmig_conn *mine = NULL;
	char url[4300];
	size_t n;
	int rc;

	(void)c;
	snprintf(w->db, sizeof(w->db), "%s/open-%d.db", w->dir, w->serial++);
	snprintf(url, sizeof(url), "sqlite:///%s", w->db);
	rc = aurmig_conn_open(&mine, w->ctx, url);
	if (!rc)
		rc = aurmig_conn_set_version_table(mine, "other_version");
	if (!rc)
		rc = aurmig_conn_read_current(mine, &n);
	aurmig_conn_free(mine);
	remove_db(w->db);
	return rc;
}

static const char *const heads[] = { "heads" };

static int op_upgrade(walk *w, aurmig_conn *c) { return plan_run(c, w->g, AURMIG_CMD_UPGRADE, heads, 1, 0); }
static int op_upgrade_one_tx(walk *w, aurmig_conn *c)
{
	return plan_run(c, w->g, AURMIG_CMD_UPGRADE, heads, 1, AURMIG_PLAN_ONE_TRANSACTION);
}
static void at_head(walk *w, aurmig_conn *c) { (void)w; rows(c, "5000eeee0001"); }
static void nothing_applied(walk *w, aurmig_conn *c)
{
	consistent(w, c);
	assert_int_equal(rows(c, NULL), 0);      /* all or nothing */
}

static int op_downgrade(walk *w, aurmig_conn *c)
{
	static const char *const base[] = { "base" };
	return plan_run(c, w->g, AURMIG_CMD_DOWNGRADE, base, 1, 0);
}
static void at_base(walk *w, aurmig_conn *c) { (void)w; assert_int_equal(rows(c, NULL), 0); }

/* below the merge: the version table splits again (an unmerge) */
static int op_downgrade_unmerge(walk *w, aurmig_conn *c)
{
	static const char *const t[] = { "3000cccc0001" };
	return plan_run(c, w->g, AURMIG_CMD_DOWNGRADE, t, 1, 0);
}
static void unmerged(walk *w, aurmig_conn *c) { (void)w; assert_int_equal(rows(c, NULL), 2); }

static int op_downgrade_relative(walk *w, aurmig_conn *c)
{
	static const char *const minus[] = { "-1" };
	return plan_run(c, w->g, AURMIG_CMD_DOWNGRADE, minus, 1, 0);
}
static void down_one(walk *w, aurmig_conn *c) { (void)w; rows(c, "4000dddd0001"); }

static int op_stamp_heads(walk *w, aurmig_conn *c) { return plan_run(c, w->g, AURMIG_CMD_STAMP, heads, 1, 0); }

/* two new branches in an empty table */
static int op_stamp_two(walk *w, aurmig_conn *c)
{
	static const char *const two[] = { "2000bbbb0002", "3000cccc0001" };
	return plan_run(c, w->g, AURMIG_CMD_STAMP, two, 2, 0);
}
static void stamped_two(walk *w, aurmig_conn *c) { (void)w; assert_int_equal(rows(c, NULL), 2); }

/* from the head down to the root */
static int op_stamp_down(walk *w, aurmig_conn *c)
{
	static const char *const one[] = { "1000aaaa0001" };
	return plan_run(c, w->g, AURMIG_CMD_STAMP, one, 1, 0);
}

static int op_stamp_purge(walk *w, aurmig_conn *c)
{
	static const char *const one[] = { "1000aaaa0001" };
	return plan_run(c, w->g, AURMIG_CMD_STAMP, one, 1, AURMIG_PLAN_PURGE);
}
static void stamped_one(walk *w, aurmig_conn *c) { (void)w; rows(c, "1000aaaa0001"); }

static int op_offline(walk *w, aurmig_conn *c)
{
	static const struct {
		int cmd;
		const char *start;
		const char *targets[2];
		size_t n;
		unsigned flags;
	} cases[] = {
		{ AURMIG_CMD_UPGRADE, NULL, { "heads" }, 1, 0 },
		{ AURMIG_CMD_UPGRADE, "1000aaaa0001", { "2000bbbb0001+1" }, 1, 0 },
		{ AURMIG_CMD_DOWNGRADE, "heads", { "base" }, 1, 0 },
		{ AURMIG_CMD_DOWNGRADE, "5000eeee0001", { "bee@-1" }, 1, 0 },
		{ AURMIG_CMD_STAMP, "2000bbbb0001 3000cccc0001", { "heads" }, 1, 0 },
		{ AURMIG_CMD_STAMP, "heads", { "2000bbbb0002", "3000cccc0001" }, 2, AURMIG_PLAN_PURGE },
	};
	int rc = AURMIG_OK;

	(void)c;
	for (int d = AURMIG_DIALECT_SQLITE; d <= AURMIG_DIALECT_PGSQL && !rc; d++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]) && !rc; i++) {
			aurmig_plan_options o = AURMIG_PLAN_OPTIONS_INIT;
			aurmig_plan *p = NULL;
			const char *sql = NULL;

			o.flags = cases[i].flags;
			rc = aurmig_plan_new_offline(&p, w->ctx, w->g, d, cases[i].start, cases[i].cmd,
				cases[i].targets, cases[i].n, &o);
			if (!rc)
				rc = aurmig_plan_sql(&sql, p);
			if (!rc)
				assert_non_null(strstr(sql, "COMMIT"));
			aurmig_plan_free(p);
		}
	return rc;
}

static int op_read_only(walk *w, aurmig_conn *c)
{
	aurmig_revlist *l = NULL;
	const char *cur[] = { "3000cccc0002", "2000bbbb0002" };
	size_t pending;
	int st, rc;

	/* aurmig_check runs aurmig_validate; status_new (walked below) fills a status */
	rc = aurmig_check(&st, &pending, c, w->g);
	if (!rc)
		rc = aurmig_graph_history(&l, w->g, "1000aaaa0001:current", cur, 2);
	aurmig_revlist_free(l);
	l = NULL;
	if (!rc)
		rc = aurmig_graph_history(&l, w->g, "-1:heads", cur + 1, 1);
	aurmig_revlist_free(l);
	l = NULL;
	if (!rc)
		rc = aurmig_graph_current(&l, w->g, cur, 2);
	aurmig_revlist_free(l);
	return rc;
}

static int op_status_new(walk *w, aurmig_conn *c)
{
	aurmig_status *s = NULL;
	char url[4300];
	int rc;

	(void)c;
	snprintf(url, sizeof(url), "sqlite:///%s", w->head_db);
	rc = aurmig_status_new(&s, w->ctx, url, NULL, fixture());
	if (!rc)
		assert_int_equal(aurmig_status_state(s), AURMIG_STATE_AT_HEAD);
	aurmig_status_free(s);
	return rc;
}

/* Recovery: the broken graph's bbbb failed at its second statement, outside a transaction. */
static int op_resume(walk *w, aurmig_conn *c) { return aurmig_recover(c, w->fixed, AURMIG_RECOVER_RESUME, NULL, NULL); }
static int op_mark_applied(walk *w, aurmig_conn *c)
{
	return aurmig_recover(c, w->broken, AURMIG_RECOVER_MARK_APPLIED, "bbbb", NULL);
}
static int op_mark_rolled_back(walk *w, aurmig_conn *c)
{
	return aurmig_recover(c, w->broken, AURMIG_RECOVER_MARK_ROLLED_BACK, NULL, NULL);
}
/* After a failed recovery action the migration still awaits recovery, or it is resolved. */
static void still_recoverable(walk *w, aurmig_conn *c)
{
	int st = -1;

	if (aurmig_check(&st, NULL, c, w->broken) != AURMIG_OK)
		fail_msg("check: %s", aurmig_error_last(w->ctx)->message);
	assert_true(st == AURMIG_STATE_RECOVERY || st == AURMIG_STATE_AT_HEAD || st == AURMIG_STATE_BEHIND);
}
static void resolved_applied(walk *w, aurmig_conn *c) { (void)w; rows(c, "bbbb"); }
static void resolved_rolled_back(walk *w, aurmig_conn *c) { (void)w; rows(c, "aaaa"); }

static int op_accept(walk *w, aurmig_conn *c) { return aurmig_accept_checksums(c, w->g, NULL); }

/* ---------------------------------------------------------------- fixture */

static int setup(void **state)
{
	walk *w = calloc(1, sizeof(*w));
	aurmig_conn *c;

	assert_non_null(w);
	assert_int_equal(aurmig_context_new(&w->ctx), AURMIG_OK);
	w->dir = scratch_dir();
	assert_int_equal(aurmig_graph_load(&w->g, w->ctx, fixture()), AURMIG_OK);
	snprintf(w->empty_db, sizeof(w->empty_db), "%s/empty.db", w->dir);
	snprintf(w->head_db, sizeof(w->head_db), "%s/head.db", w->dir);
	snprintf(w->broken_db, sizeof(w->broken_db), "%s/broken.db", w->dir);
	c = open_db(w, w->head_db);
	assert_int_equal(plan_run(c, w->g, AURMIG_CMD_UPGRADE, heads, 1, 0), AURMIG_OK);
	aurmig_conn_free(c);

	/* a migration that fails at statement 2 of 2 outside a transaction */
	snprintf(w->broken_dir, sizeof(w->broken_dir), "%s/broken", w->dir);
	snprintf(w->fixed_dir, sizeof(w->fixed_dir), "%s/fixed", w->dir);
	assert_int_equal(mkdir(w->broken_dir, 0700), 0);
	assert_int_equal(mkdir(w->fixed_dir, 0700), 0);
	tu_add(w->broken_dir, "aaaa", NULL, NULL);
	tu_add(w->fixed_dir, "aaaa", NULL, NULL);
	tu_write(w->broken_dir, "bbbb_half.sql", "-- aurmig:revision bbbb\n-- aurmig:down_revision aaaa\n"
		"-- aurmig:transaction off\n-- aurmig:upgrade\nCREATE TABLE half (a INTEGER);\n"
		"INSERT INTO nowhere VALUES (1);\n-- aurmig:downgrade\nDROP TABLE half;\n");
	tu_write(w->fixed_dir, "bbbb_half.sql", "-- aurmig:revision bbbb\n-- aurmig:down_revision aaaa\n"
		"-- aurmig:transaction off\n-- aurmig:upgrade\nCREATE TABLE half (a INTEGER);\n"
		"INSERT INTO half VALUES (1);\n-- aurmig:downgrade\nDROP TABLE half;\n");
	assert_int_equal(aurmig_graph_load(&w->broken, w->ctx, w->broken_dir), AURMIG_OK);
	assert_int_equal(aurmig_graph_load(&w->fixed, w->ctx, w->fixed_dir), AURMIG_OK);
	c = open_db(w, w->broken_db);
	assert_int_equal(plan_run(c, w->broken, AURMIG_CMD_UPGRADE, heads, 1, 0), AURMIG_ERECOVERY);
	aurmig_conn_free(c);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	walk *w = *state;
	char path[4400];

	aurmig_graph_free(w->g);
	aurmig_graph_free(w->broken);
	aurmig_graph_free(w->fixed);
	aurmig_context_free(w->ctx);
	remove_db(w->head_db);
	remove_db(w->broken_db);
	remove_db(w->empty_db);
	snprintf(path, sizeof(path), "%s/aaaa_script.sql", w->broken_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bbbb_half.sql", w->broken_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/aaaa_script.sql", w->fixed_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bbbb_half.sql", w->fixed_dir);
	unlink(path);
	rmdir(w->broken_dir);
	rmdir(w->fixed_dir);
	tu_rmtree(w->dir);
	free(w);
	return 0;
}

/* ---------------------------------------------------------------- tests */

static void test_load_and_connect(void **state)
{
	walk *w = *state;
	walk_op(w, "graph load", NULL, op_load, NULL, NULL);
	walk_op(w, "connect", NULL, op_open, NULL, NULL);
}

static void test_upgrade(void **state)
{
	walk *w = *state;
	walk_op(w, "upgrade heads", "", op_upgrade, consistent, at_head);
	walk_op(w, "upgrade heads in one transaction", "", op_upgrade_one_tx, nothing_applied, at_head);
}

static void test_downgrade(void **state)
{
	walk *w = *state;
	walk_op(w, "downgrade base", w->head_db, op_downgrade, consistent, at_base);
	walk_op(w, "downgrade -1", w->head_db, op_downgrade_relative, consistent, down_one);
	walk_op(w, "downgrade through a merge", w->head_db, op_downgrade_unmerge, consistent, unmerged);
}

static void test_stamp(void **state)
{
	walk *w = *state;
	walk_op(w, "stamp heads", "", op_stamp_heads, consistent, at_head);
	walk_op(w, "stamp two revisions", "", op_stamp_two, consistent, stamped_two);
	walk_op(w, "stamp down", w->head_db, op_stamp_down, consistent, stamped_one);
	walk_op(w, "stamp --purge", w->head_db, op_stamp_purge, consistent, stamped_one);
}

static void test_offline_sql(void **state)
{
	walk *w = *state;
	walk_op(w, "offline SQL", NULL, op_offline, NULL, NULL);
}

static void test_read_only(void **state)
{
	walk *w = *state;
	walk_op(w, "check, history, current", w->head_db, op_read_only, NULL, NULL);
	walk_op(w, "status_new", NULL, op_status_new, NULL, NULL);
	walk_op(w, "validate --accept", w->head_db, op_accept, consistent, at_head);
}

static void test_recovery(void **state)
{
	walk *w = *state;
	walk_op(w, "resume", w->broken_db, op_resume, still_recoverable, resolved_applied);
	walk_op(w, "mark-applied", w->broken_db, op_mark_applied, still_recoverable, resolved_applied);
	walk_op(w, "mark-rolled-back", w->broken_db, op_mark_rolled_back, still_recoverable, resolved_rolled_back);
}

/* ------------------------------------------- a running row: alive or dead */

static char running_db[4200];

static int op_check_dead(walk *w, aurmig_conn *c)
{
	size_t pending;
	int st, rc = aurmig_check(&st, &pending, c, w->broken);

	if (!rc)
		assert_int_equal(st, AURMIG_STATE_RECOVERY);
	return rc;
}

/* the deploy lock held (as by a live run) while checking and recovering */
static int op_check_live(walk *w, aurmig_conn *c)
{
	char lock[4300];
	size_t pending;
	int st, fd, rc;

	snprintf(lock, sizeof(lock), "%s.lock", w->db);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	rc = aurmig_check(&st, &pending, c, w->broken);
	if (!rc)
		assert_int_equal(st, AURMIG_STATE_IN_PROGRESS);
	if (!rc) {
		aurmig_plan_options o = AURMIG_PLAN_OPTIONS_INIT;
		o.lock_timeout_ms = 0;
		rc = aurmig_recover(c, w->fixed, AURMIG_RECOVER_RESUME, NULL, &o);
		if (rc == AURMIG_EINPROGRESS)
			rc = AURMIG_OK;
		else if (rc != AURMIG_ENOMEM)
			fail_msg("resume while the run lives: %d (%s)", rc, aurmig_error_last(w->ctx)->message);
	}
	close(fd);
	return rc;
}

static void test_in_progress(void **state)
{
	walk *w = *state;
	aurmig_conn *c;
	unsigned long long n = 0;

	/* the half-failed migration's row as a killed or a live run leaves it */
	snprintf(running_db, sizeof(running_db), "%s/running.db", w->dir);
	copy_file(w->broken_db, running_db);
	c = open_db(w, running_db);
	assert_int_equal(c->ops->exec(c, "UPDATE aurmig_journal SET outcome = 'running', error = NULL "
		"WHERE outcome = 'failed'", &n), AURMIG_OK);
	assert_int_equal(n, 1);
	aurmig_conn_free(c);
	walk_op(w, "check, a dead run's running row", running_db, op_check_dead, NULL, NULL);
	walk_op(w, "check and resume, a live run's running row", running_db, op_check_live, NULL, NULL);
	remove_db(running_db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_and_connect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_progress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_downgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stamp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offline_sql, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovery, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
