/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The planner: upgrade, downgrade and stamp plans over a graph from given
 * version rows, checked step by step with the version-row changes each step
 * makes (Alembic's version-traversal cases: branches, merges, dependencies,
 * labels, relative targets, stamps). The rows are given, so no database is
 * read: the connection's operations fail the test if anything calls them.
 *
 * A plan is written as one line:
 *   up ->aaaa +aaaa; up aaaa->bbbb aaaa>bbbb = bbbb
 * step kind, from->to revisions, the row changes (+a insert, a>b update,
 * -a delete), and after '=' the version rows after the plan.
 */
#include "testutil.h"
#include "run/plan_priv.h"

static int io_calls;
static unsigned long fail_at;   /* test_alloc_failures: the planner's allocation to fail */

static int no_exec(aurmig_conn *c, const char *sql, unsigned long long *affected)
{
	(void)c;
	(void)sql;
	(void)affected;
	io_calls++;
	return AURMIG_EDB;
}

static int no_query(aurmig_conn *c, const char *sql, aurmig__strv *rows)
{
	(void)c;
	(void)sql;
	(void)rows;
	io_calls++;
	return AURMIG_EDB;
}

static int no_cells(aurmig_conn *c, const char *sql, aurmig__strv *cells, size_t *ncols)
{
	(void)c;
	(void)sql;
	(void)cells;
	(void)ncols;
	io_calls++;
	return AURMIG_EDB;
}

static void no_close(aurmig_conn *c)
{
	(void)c;
}

static const aurmig__db_ops no_io = { no_exec, no_query, no_close, no_cells };

typedef struct fx {
	aurmig_context *ctx;
	aurmig_conn *conn;
	aurmig_graph *g;
	char *dir;
	char line[2048];
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(aurmig_context_new(&f->ctx), AURMIG_OK);
	assert_int_equal(aurmig__conn_new(&f->conn, f->ctx, AURMIG_DIALECT_SQLITE, "(test)", &no_io, NULL), AURMIG_OK);
	f->dir = tu_mkdtemp();
	io_calls = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	assert_int_equal(io_calls, 0);
	aurmig_graph_free(f->g);
	aurmig_conn_free(f->conn);
	tu_rmtree(f->dir);
	aurmig_context_free(f->ctx);
	free(f);
	return 0;
}

static void load(fx *f)
{
	int rc = aurmig_graph_load(&f->g, f->ctx, f->dir);
	if (rc)
		print_error("%s\n", aurmig_error_last(f->ctx)->message);
	assert_int_equal(rc, AURMIG_OK);
}

/* linear: aaaa <- bbbb <- cccc <- dddd */
static void linear(fx *f)
{
	tu_add(f->dir, "aaaa", NULL, NULL);
	tu_add(f->dir, "bbbb", "aaaa", NULL);
	tu_add(f->dir, "cccc", "bbbb", NULL);
	tu_add(f->dir, "dddd", "cccc", NULL);
	load(f);
}

/* two branches from bbbb:
 *   aaaa <- bbbb <- cc1x (left) <- dd1x
 *                \- cc2x (right) <- dd2x
 * and with merge, mmmm merging dd1x and dd2x */
static void branches(fx *f, int merge)
{
	tu_add(f->dir, "aaaa", NULL, NULL);
	tu_add(f->dir, "bbbb", "aaaa", NULL);
	tu_add(f->dir, "cc1x", "bbbb", "-- aurmig:branch_labels left\n");
	tu_add(f->dir, "dd1x", "cc1x", NULL);
	tu_add(f->dir, "cc2x", "bbbb", "-- aurmig:branch_labels right\n");
	tu_add(f->dir, "dd2x", "cc2x", NULL);
	if (merge)
		tu_add(f->dir, "mmmm", "dd1x dd2x", NULL);
	load(f);
}

/* a dependency across two roots:
 *   aaaa <- bbbb
 *   xxxx (other) <- yyyy, depends_on bbbb */
static void dependency(fx *f)
{
	tu_add(f->dir, "aaaa", NULL, NULL);
	tu_add(f->dir, "bbbb", "aaaa", NULL);
	tu_add(f->dir, "xxxx", NULL, "-- aurmig:branch_labels other\n");
	tu_add(f->dir, "yyyy", "xxxx", "-- aurmig:depends_on bbbb\n");
	load(f);
}

static void put_list(char *line, size_t size, const aurmig__strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		snprintf(line + strlen(line), size - strlen(line), "%s%s", i ? "," : "", v->v[i]);
}

/* The plan as one line (see the top of the file). */
static const char *render(fx *f, const aurmig_plan *p)
{
	char *l = f->line;
	size_t size = sizeof(f->line);

	l[0] = 0;
	for (size_t i = 0; i < aurmig_plan_count(p); i++) {
		const aurmig_step *s = aurmig_plan_at(p, i);
		int k = aurmig_step_kind_of(s);
		snprintf(l + strlen(l), size - strlen(l), "%s%s ", i ? "; " : "",
			k == AURMIG_STEP_UPGRADE ? "up" : k == AURMIG_STEP_DOWNGRADE ? "down" : "stamp");
		/* the public accessors and the private lists agree */
		assert_int_equal(aurmig_step_from_count(s), s->from.n);
		assert_int_equal(aurmig_step_to_count(s), s->to.n);
		if (k != AURMIG_STEP_STAMP) {
			const char *id = aurmig_migration_id(aurmig_step_migration(s));
			assert_true(aurmig__strv_contains(k == AURMIG_STEP_UPGRADE ? &s->to : &s->from, id));
		} else {
			assert_null(aurmig_step_migration(s));
		}
		put_list(l, size, &s->from);
		snprintf(l + strlen(l), size - strlen(l), "->");
		put_list(l, size, &s->to);
		for (size_t k2 = 0; k2 < s->nops; k2++) {
			const aurmig__rowop *o = &s->ops[k2];
			if (o->op == AURMIG__OP_INSERT)
				snprintf(l + strlen(l), size - strlen(l), " +%s", o->a);
			else if (o->op == AURMIG__OP_UPDATE)
				snprintf(l + strlen(l), size - strlen(l), " %s>%s", o->a, o->b);
			else
				snprintf(l + strlen(l), size - strlen(l), " -%s", o->a);
		}
	}
	snprintf(l + strlen(l), size - strlen(l), "%s=", aurmig_plan_count(p) ? " " : "");
	for (size_t i = 0; i < aurmig_plan_after_count(p); i++)
		snprintf(l + strlen(l), size - strlen(l), "%s%s", i ? "," : " ", aurmig_plan_after(p, i));
	return l;
}

/* Plan command from rows (space-separated, "" for none) to the targets
 * ('|'-separated); returns the rc, and *out the rendering or the message. */
static int plan(fx *f, int command, const char *rows, const char *targets, unsigned int flags, const char **out)
{
	aurmig__strv start = { 0 };
	const char *tv[8];
	size_t nt = 0;
	char tbuf[256], rbuf[256], *save = NULL, *tok;
	aurmig_plan_options o = AURMIG_PLAN_OPTIONS_INIT;
	aurmig_plan *p = NULL;
	int rc;

	snprintf(rbuf, sizeof(rbuf), "%s", rows);
	for (tok = strtok_r(rbuf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		assert_int_equal(aurmig__strv_push(&start, f->ctx, tok), AURMIG_OK);
	snprintf(tbuf, sizeof(tbuf), "%s", targets);
	tv[nt++] = tbuf;
	for (char *c = tbuf; *c; c++)
		if (*c == '|') {
			*c = 0;
			tv[nt++] = c + 1;
		}
	o.flags = flags | AURMIG_PLAN_NO_LOCK;
	aurmig__context_fail_alloc_at(f->ctx, fail_at);
	rc = aurmig__plan_create(&p, f->conn, f->g, command, tv, nt, &o, 0, &start);
	aurmig__context_fail_alloc_at(f->ctx, 0);
	aurmig__strv_clear(&start);
	if (rc) {
		assert_null(p);
		assert_int_equal(aurmig_error_last(f->ctx)->code, rc);
		*out = aurmig_error_last(f->ctx)->message;
		return rc;
	}
	assert_non_null(p);
	/* before = the rows given */
	*out = render(f, p);
	aurmig_plan_free(p);
	return rc;
}

static void ok(fx *f, int command, const char *rows, const char *targets, const char *want)
{
	const char *got;
	int rc = plan(f, command, rows, targets, 0, &got);

	if (rc || strcmp(got, want) != 0)
		print_error("%s [%s] -> %s\n  got:  %s\n  want: %s\n",
			command == AURMIG_CMD_UPGRADE ? "upgrade" : command == AURMIG_CMD_DOWNGRADE ? "downgrade" : "stamp",
			rows, targets, got, want);
	assert_int_equal(rc, AURMIG_OK);
	assert_string_equal(got, want);
}

static void fails(fx *f, int command, const char *rows, const char *targets, int code, const char *needle)
{
	const char *got;
	int rc = plan(f, command, rows, targets, 0, &got);

	if (rc != code || !strstr(got, needle))
		print_error("[%s] -> %s: got %d '%s', want %d '%s'\n", rows, targets, rc, got, code, needle);
	assert_int_equal(rc, code);
	assert_non_null(strstr(got, needle));
}

#define UP AURMIG_CMD_UPGRADE
#define DOWN AURMIG_CMD_DOWNGRADE
#define STAMP AURMIG_CMD_STAMP

/* ---------------------------------------------------------------- linear */

static void test_linear_upgrade(void **state)
{
	fx *f = *state;
	linear(f);
	ok(f, UP, "", "heads",
		"up ->aaaa +aaaa; up aaaa->bbbb aaaa>bbbb; up bbbb->cccc bbbb>cccc; up cccc->dddd cccc>dddd = dddd");
	ok(f, UP, "", "head", "up ->aaaa +aaaa; up aaaa->bbbb aaaa>bbbb; up bbbb->cccc bbbb>cccc; up cccc->dddd cccc>dddd = dddd");
	ok(f, UP, "", "bbbb", "up ->aaaa +aaaa; up aaaa->bbbb aaaa>bbbb = bbbb");
	ok(f, UP, "", "cc", "up ->aaaa +aaaa; up aaaa->bbbb aaaa>bbbb; up bbbb->cccc bbbb>cccc = cccc");
	ok(f, UP, "bbbb", "heads", "up bbbb->cccc bbbb>cccc; up cccc->dddd cccc>dddd = dddd");
	ok(f, UP, "dddd", "heads", "= dddd");             /* nothing to do */
	ok(f, UP, "cccc", "bbbb", "= cccc");              /* already past it */
	ok(f, UP, "cccc", "base", "= cccc");
}

static void test_linear_relative(void **state)
{
	fx *f = *state;
	linear(f);
	ok(f, UP, "bbbb", "+1", "up bbbb->cccc bbbb>cccc = cccc");
	ok(f, UP, "bbbb", "+2", "up bbbb->cccc bbbb>cccc; up cccc->dddd cccc>dddd = dddd");
	ok(f, UP, "", "+1", "up ->aaaa +aaaa = aaaa");
	ok(f, UP, "", "bbbb+1", "up ->aaaa +aaaa; up aaaa->bbbb aaaa>bbbb; up bbbb->cccc bbbb>cccc = cccc");
	fails(f, UP, "bbbb", "+3", AURMIG_ENOTFOUND, "Relative revision +3 didn't produce 3 migrations");
	fails(f, UP, "bbbb", "-1", AURMIG_ENOTFOUND, "Relative revision -1 didn't produce 1 migrations");
	ok(f, DOWN, "dddd", "-1", "down dddd->cccc dddd>cccc = cccc");
	ok(f, DOWN, "dddd", "-2", "down dddd->cccc dddd>cccc; down cccc->bbbb cccc>bbbb = bbbb");
	ok(f, DOWN, "dddd", "dddd-3", "down dddd->cccc dddd>cccc; down cccc->bbbb cccc>bbbb; down bbbb->aaaa bbbb>aaaa = aaaa");
	ok(f, DOWN, "dddd", "-4",
		"down dddd->cccc dddd>cccc; down cccc->bbbb cccc>bbbb; down bbbb->aaaa bbbb>aaaa; down aaaa-> -aaaa =");
	fails(f, DOWN, "dddd", "-5", AURMIG_ENOTFOUND, "Relative revision -5 didn't produce 5 migrations");
	fails(f, DOWN, "", "-1", AURMIG_ENOTFOUND, "Relative revision -1 didn't produce 1 migrations");
	fails(f, DOWN, "bbbb", "cccc+2", AURMIG_ENOTFOUND, "Walked too far");
	ok(f, DOWN, "dddd", "aaaa+1", "down dddd->cccc dddd>cccc; down cccc->bbbb cccc>bbbb = bbbb");
}

static void test_linear_downgrade(void **state)
{
	fx *f = *state;
	linear(f);
	ok(f, DOWN, "dddd", "bbbb", "down dddd->cccc dddd>cccc; down cccc->bbbb cccc>bbbb = bbbb");
	ok(f, DOWN, "dddd", "base",
		"down dddd->cccc dddd>cccc; down cccc->bbbb cccc>bbbb; down bbbb->aaaa bbbb>aaaa; down aaaa-> -aaaa =");
	ok(f, DOWN, "bbbb", "bbbb", "= bbbb");
	fails(f, DOWN, "bbbb", "dddd", AURMIG_ENOTFOUND,
		"Nothing to downgrade: revision dddd is not below the current revision(s)");
	fails(f, DOWN, "bbbb", "nope", AURMIG_ENOTFOUND, "No such revision or branch 'nope'");
}

static void test_unknown_rows_and_arguments(void **state)
{
	fx *f = *state;
	const char *got;
	linear(f);
	fails(f, UP, "zzzz", "heads", AURMIG_EUNKNOWNREV, "the database is at revision 'zzzz', which is not in");
	fails(f, DOWN, "bbbb zzzz", "base", AURMIG_EUNKNOWNREV, "'zzzz'");
	/* stamp --purge forgets the rows first: unknown ones are fine */
	assert_int_equal(plan(f, STAMP, "zzzz", "bbbb", AURMIG_PLAN_PURGE, &got), AURMIG_OK);
	assert_string_equal(got, "stamp ->bbbb +bbbb = bbbb");
	assert_int_equal(plan(f, STAMP, "cccc", "base", AURMIG_PLAN_PURGE, &got), AURMIG_OK);
	assert_string_equal(got, "=");
	fails(f, UP, "", "aaaa|bbbb", AURMIG_EINVALID, "upgrade and downgrade take exactly one target");
}

/* ---------------------------------------------------------------- branches */

static void test_branch_upgrade(void **state)
{
	fx *f = *state;
	branches(f, 0);
	/* the second branch starts with a new row (Alembic: "new branch insert") */
	ok(f, UP, "", "heads",
		"up ->aaaa +aaaa; up aaaa->bbbb aaaa>bbbb; up bbbb->cc1x bbbb>cc1x; up cc1x->dd1x cc1x>dd1x; "
		"up bbbb->cc2x +cc2x; up cc2x->dd2x cc2x>dd2x = dd1x,dd2x");
	fails(f, UP, "", "head", AURMIG_EAMBIGUOUS, "Multiple head revisions are present for given argument 'head'");
	ok(f, UP, "bbbb", "left@head", "up bbbb->cc1x bbbb>cc1x; up cc1x->dd1x cc1x>dd1x = dd1x");
	ok(f, UP, "dd1x", "right@head", "up bbbb->cc2x +cc2x; up cc2x->dd2x cc2x>dd2x = dd1x,dd2x");
	ok(f, UP, "bbbb", "dd2x", "up bbbb->cc2x bbbb>cc2x; up cc2x->dd2x cc2x>dd2x = dd2x");
	ok(f, UP, "dd1x", "right@cc2x", "up bbbb->cc2x +cc2x = dd1x,cc2x");
	ok(f, UP, "dd1x cc2x", "heads", "up cc2x->dd2x cc2x>dd2x = dd1x,dd2x");
}

static void test_branch_relative(void **state)
{
	fx *f = *state;
	branches(f, 0);
	fails(f, UP, "dd1x cc2x", "+1", AURMIG_EAMBIGUOUS,
		"Ambiguous upgrade from multiple current revisions; use <branchname>@+1 or name a revision");
	ok(f, UP, "dd1x cc2x", "right@+1", "up cc2x->dd2x cc2x>dd2x = dd1x,dd2x");
	/* nothing of 'right' is current: from below its lowest applied revision */
	ok(f, UP, "dd1x", "right@+1", "up bbbb->cc2x +cc2x = dd1x,cc2x");
	ok(f, UP, "dd1x", "right@+2", "up bbbb->cc2x +cc2x; up cc2x->dd2x cc2x>dd2x = dd1x,dd2x");
	fails(f, UP, "bbbb", "+1", AURMIG_EAMBIGUOUS, "Ambiguous walk: upward, the path forks at bbbb (cc1x, cc2x)");
	ok(f, UP, "bbbb", "left@+2", "up bbbb->cc1x bbbb>cc1x; up cc1x->dd1x cc1x>dd1x = dd1x");
	fails(f, DOWN, "dd1x dd2x", "-1", AURMIG_EAMBIGUOUS,
		"downgrade -1 from multiple heads is ambiguous; use <branchname>@-1 or <revision>-1");
	ok(f, DOWN, "dd1x dd2x", "right@-1", "down dd2x->cc2x dd2x>cc2x = dd1x,cc2x");
	ok(f, DOWN, "dd1x dd2x", "left@-2", "down dd1x->cc1x dd1x>cc1x; down cc1x->bbbb -cc1x = dd2x");
	fails(f, DOWN, "dd1x dd2x", "nope@-1", AURMIG_ENOTFOUND, "No such branch: 'nope'");
	fails(f, DOWN, "dd2x", "left@-1", AURMIG_EAMBIGUOUS, "no current revision of branch 'left'; cannot walk -1 down from it");
}

static void test_branch_downgrade(void **state)
{
	fx *f = *state;
	branches(f, 0);
	/* one branch down to the branch point: its row goes, the other stays */
	ok(f, DOWN, "dd1x dd2x", "left@bbbb", "down dd1x->cc1x dd1x>cc1x; down cc1x->bbbb -cc1x = dd2x");
	ok(f, DOWN, "dd1x dd2x", "right@bbbb", "down dd2x->cc2x dd2x>cc2x; down cc2x->bbbb -cc2x = dd1x");
	/* both branches: the last one back to the branch point updates */
	ok(f, DOWN, "dd1x dd2x", "bbbb",
		"down dd2x->cc2x dd2x>cc2x; down cc2x->bbbb -cc2x; down dd1x->cc1x dd1x>cc1x; down cc1x->bbbb cc1x>bbbb = bbbb");
	ok(f, DOWN, "dd1x dd2x", "cc1x", "down dd1x->cc1x dd1x>cc1x = dd2x,cc1x");
	ok(f, DOWN, "dd1x dd2x", "base",
		"down dd2x->cc2x dd2x>cc2x; down cc2x->bbbb -cc2x; down dd1x->cc1x dd1x>cc1x; down cc1x->bbbb cc1x>bbbb; "
		"down bbbb->aaaa bbbb>aaaa; down aaaa-> -aaaa =");
	/* label@base with one root takes everything down, as Alembic does
	 * (roots are filtered by the label only when there are several) */
	ok(f, DOWN, "dd1x cc2x", "right@base",
		"down cc2x->bbbb -cc2x; down dd1x->cc1x dd1x>cc1x; down cc1x->bbbb cc1x>bbbb; down bbbb->aaaa bbbb>aaaa; "
		"down aaaa-> -aaaa =");
}

/* ---------------------------------------------------------------- merges */

static void test_merge(void **state)
{
	fx *f = *state;
	branches(f, 1);
	/* the merge deletes one parent's row and updates the other's */
	ok(f, UP, "dd1x dd2x", "heads", "up dd1x,dd2x->mmmm -dd1x dd2x>mmmm = mmmm");
	ok(f, UP, "dd1x cc2x", "head", "up cc2x->dd2x cc2x>dd2x; up dd1x,dd2x->mmmm -dd1x dd2x>mmmm = mmmm");
	ok(f, UP, "dd1x", "mmmm", "up bbbb->cc2x +cc2x; up cc2x->dd2x cc2x>dd2x; up dd1x,dd2x->mmmm -dd1x dd2x>mmmm = mmmm");
	ok(f, UP, "", "mmmm",
		"up ->aaaa +aaaa; up aaaa->bbbb aaaa>bbbb; up bbbb->cc1x bbbb>cc1x; up cc1x->dd1x cc1x>dd1x; "
		"up bbbb->cc2x +cc2x; up cc2x->dd2x cc2x>dd2x; up dd1x,dd2x->mmmm -dd1x dd2x>mmmm = mmmm");
	ok(f, UP, "mmmm", "heads", "= mmmm");
	/* unmerge: insert all but the last parent, update to the last */
	ok(f, DOWN, "mmmm", "dd1x", "down mmmm->dd1x,dd2x +dd1x mmmm>dd2x = dd1x,dd2x");
	ok(f, DOWN, "mmmm", "cc2x", "down mmmm->dd1x,dd2x +dd1x mmmm>dd2x; down dd2x->cc2x dd2x>cc2x = dd1x,cc2x");
	/* one step down from a merge point forks */
	fails(f, DOWN, "mmmm", "-1", AURMIG_EAMBIGUOUS, "Ambiguous walk: downward, the path forks at mmmm (dd1x, dd2x)");
	ok(f, DOWN, "mmmm", "bbbb",
		"down mmmm->dd1x,dd2x +dd1x mmmm>dd2x; down dd2x->cc2x dd2x>cc2x; down cc2x->bbbb -cc2x; "
		"down dd1x->cc1x dd1x>cc1x; down cc1x->bbbb cc1x>bbbb = bbbb");
	ok(f, STAMP, "mmmm", "dd1x", "stamp mmmm->dd1x mmmm>dd1x = dd1x");
}

/* ---------------------------------------------------------------- dependencies */

static void test_dependencies(void **state)
{
	fx *f = *state;
	dependency(f);
	/* the dependency is upgraded first, and counts as a parent in the table */
	ok(f, UP, "", "yyyy", "up ->xxxx +xxxx; up ->aaaa +aaaa; up aaaa->bbbb aaaa>bbbb; up xxxx,bbbb->yyyy -xxxx bbbb>yyyy = yyyy");
	ok(f, UP, "", "other@head", "up ->xxxx +xxxx; up ->aaaa +aaaa; up aaaa->bbbb aaaa>bbbb; up xxxx,bbbb->yyyy -xxxx bbbb>yyyy = yyyy");
	ok(f, UP, "bbbb", "heads", "up ->xxxx +xxxx; up xxxx,bbbb->yyyy -xxxx bbbb>yyyy = yyyy");
	ok(f, UP, "aaaa xxxx", "yyyy", "up aaaa->bbbb aaaa>bbbb; up xxxx,bbbb->yyyy -xxxx bbbb>yyyy = yyyy");
	/* downgrading the dependent brings back both rows it stood for */
	ok(f, DOWN, "yyyy", "xxxx", "down yyyy->xxxx,bbbb +xxxx yyyy>bbbb = xxxx,bbbb");
	ok(f, DOWN, "yyyy", "other@base", "down yyyy->xxxx,bbbb +xxxx yyyy>bbbb; down xxxx-> -xxxx = bbbb");
	/* the dependency cannot go while its dependent is applied */
	ok(f, DOWN, "yyyy", "aaaa", "down yyyy->xxxx,bbbb +xxxx yyyy>bbbb; down bbbb->aaaa bbbb>aaaa = xxxx,aaaa");
}

/* ---------------------------------------------------------------- stamps */

static void test_stamp(void **state)
{
	fx *f = *state;
	branches(f, 0);
	ok(f, STAMP, "", "bbbb", "stamp ->bbbb +bbbb = bbbb");
	ok(f, STAMP, "bbbb", "dd1x", "stamp bbbb->dd1x bbbb>dd1x = dd1x");
	ok(f, STAMP, "dd1x", "bbbb", "stamp dd1x->bbbb dd1x>bbbb = bbbb");
	ok(f, STAMP, "dd1x", "aaaa", "stamp dd1x->aaaa dd1x>aaaa = aaaa");
	ok(f, STAMP, "dd1x", "base", "stamp dd1x-> -dd1x =");
	/* a second branch is stamped in beside the first */
	ok(f, STAMP, "dd1x", "dd2x", "stamp ->dd2x +dd2x = dd1x,dd2x");
	ok(f, STAMP, "dd1x dd2x", "right@base", "stamp dd2x-> -dd2x = dd1x");
	ok(f, STAMP, "dd1x dd2x", "cc2x", "stamp dd2x->cc2x dd2x>cc2x = dd1x,cc2x");
	ok(f, STAMP, "dd1x dd2x", "base", "stamp dd1x-> -dd1x; stamp dd2x-> -dd2x =");
	ok(f, STAMP, "", "heads", "stamp ->dd1x +dd1x; stamp ->dd2x +dd2x = dd1x,dd2x");
	ok(f, STAMP, "", "dd1x|cc2x", "stamp ->dd1x +dd1x; stamp ->cc2x +cc2x = dd1x,cc2x");
	ok(f, STAMP, "dd1x", "dd1x", "= dd1x");
	fails(f, STAMP, "", "nope", AURMIG_ENOTFOUND, "No such revision or branch 'nope'");
}

/* label@head names the head of that branch when the heads of the current
 * rows are filtered too (Alembic's filter_for_lineage resolves 'head' with
 * the label): it used to fail with "Multiple head revisions". */
static void test_stamp_label_head(void **state)
{
	fx *f = *state;
	branches(f, 0);
	ok(f, STAMP, "dd1x", "right@head", "stamp ->dd2x +dd2x = dd1x,dd2x");
	ok(f, STAMP, "dd1x cc2x", "right@head", "stamp cc2x->dd2x cc2x>dd2x = dd1x,dd2x");
	ok(f, STAMP, "dd1x cc2x", "left@heads", "= dd1x,cc2x");
	ok(f, STAMP, "cc1x cc2x", "left@heads", "stamp cc1x->dd1x cc1x>dd1x = cc2x,dd1x");
}

/* A one-step plan (recovery's resume path), from given rows. */
static void test_single_step(void **state)
{
	fx *f = *state;
	aurmig__strv rows = { 0 };
	aurmig_plan *p = NULL;

	branches(f, 1);
	assert_int_equal(aurmig__strv_push(&rows, f->ctx, "dd1x"), AURMIG_OK);
	assert_int_equal(aurmig__strv_push(&rows, f->ctx, "dd2x"), AURMIG_OK);
	assert_int_equal(aurmig__plan_single(&p, f->conn, f->g, AURMIG_STEP_UPGRADE,
		aurmig_graph_get(f->g, "mmmm"), &rows), AURMIG_OK);
	assert_string_equal(render(f, p), "up dd1x,dd2x->mmmm -dd1x dd2x>mmmm = mmmm");
	assert_int_equal(aurmig_plan_before_count(p), 2);
	aurmig_plan_free(p);
	aurmig__strv_clear(&rows);
	assert_int_equal(aurmig__strv_push(&rows, f->ctx, "mmmm"), AURMIG_OK);
	assert_int_equal(aurmig__plan_single(&p, f->conn, f->g, AURMIG_STEP_DOWNGRADE,
		aurmig_graph_get(f->g, "mmmm"), &rows), AURMIG_OK);
	assert_string_equal(render(f, p), "down mmmm->dd1x,dd2x +dd1x mmmm>dd2x = dd1x,dd2x");
	aurmig_plan_free(p);
	aurmig__strv_clear(&rows);
}

/* A script without a downgrade stops the downgrade before any step. */
static void test_irreversible(void **state)
{
	fx *f = *state;
	tu_add(f->dir, "aaaa", NULL, NULL);
	tu_write(f->dir, "bbbb_x.sql", "-- aurmig:revision bbbb\n-- aurmig:down_revision aaaa\n-- aurmig:upgrade\nSELECT 1;\n");
	tu_add(f->dir, "cccc", "bbbb", NULL);
	load(f);
	fails(f, DOWN, "cccc", "base", AURMIG_EIRREVERSIBLE, "revision bbbb has no downgrade section: it cannot be reversed");
	assert_string_equal(aurmig_error_last(f->ctx)->revision, "bbbb");
	ok(f, DOWN, "cccc", "bbbb", "down cccc->bbbb cccc>bbbb = bbbb");
}

static void test_alloc_failures(void **state)
{
	fx *f = *state;
	int done = 0;
	branches(f, 1);
	for (unsigned long n = 1; n < 2000 && !done; n++) {
		const char *got;
		int rc;
		fail_at = n;
		rc = plan(f, n % 2 ? UP : DOWN, n % 2 ? "dd1x" : "mmmm", n % 2 ? "heads" : "base", 0, &got);
		fail_at = 0;
		if (rc == AURMIG_OK && n % 2 == 0)
			done = 1;
		else if (rc != AURMIG_OK)
			assert_int_equal(rc, AURMIG_ENOMEM);
	}
	assert_true(done);
	/* the same plans without failures */
	ok(f, UP, "dd1x", "heads", "up bbbb->cc2x +cc2x; up cc2x->dd2x cc2x>dd2x; up dd1x,dd2x->mmmm -dd1x dd2x>mmmm = mmmm");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_linear_upgrade),
		T(test_linear_relative),
		T(test_linear_downgrade),
		T(test_unknown_rows_and_arguments),
		T(test_branch_upgrade),
		T(test_branch_relative),
		T(test_branch_downgrade),
		T(test_merge),
		T(test_dependencies),
		T(test_stamp),
		T(test_stamp_label_head),
		T(test_single_step),
		T(test_irreversible),
		T(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
