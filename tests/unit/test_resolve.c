/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Revision identifiers and targets over a graph (lib/graph/resolve.c):
 * heads, head, base, relative +-N, partial ids, labels and branches, and
 * the ambiguity errors, as in Alembic's revision map.
 *
 *   aa01 <- ab02 <- ac03 (left) <- ad04
 *              \
 *               `- bc03 (right)
 */
#include "testutil.h"
#include "graph/resolve.h"

typedef tu_fx fx;

static int setup(void **state)
{
	fx *f = tu_fx_new();
	tu_add(f->dir, "aa01", NULL, NULL);
	tu_add(f->dir, "ab02", "aa01", NULL);
	tu_add(f->dir, "ac03", "ab02", "-- aurmig:branch_labels left\n");
	tu_add(f->dir, "ad04", "ac03", NULL);
	tu_add(f->dir, "bc03", "ab02", "-- aurmig:branch_labels right\n");
	tu_fx_load(f);
	*state = f;
	return 0;
}

/* The ids of a resolved set, sorted and joined by ',' ("" for base). */
static const char *ids(fx *f, const aurmig__idxv *v)
{
	static char buf[512];
	const char *sorted[32];
	size_t n = v->n;

	assert_true(n < 32);
	for (size_t i = 0; i < n; i++)
		sorted[i] = f->g->migs[v->v[i]]->id;
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && strcmp(sorted[k - 1], sorted[k]) > 0; k--) {
			const char *t = sorted[k];
			sorted[k] = sorted[k - 1];
			sorted[k - 1] = t;
		}
	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		strcat(buf, i ? "," : "");
		strcat(buf, sorted[i]);
	}
	return buf;
}

static void set_ok(fx *f, const char *spec, const char *want)
{
	aurmig__idxv v = { 0 };
	int rc = aurmig__resolve_set(&v, f->g, f->ctx, spec);

	if (rc)
		print_error("%s: %s\n", spec, aurmig_error_last(f->ctx)->message);
	assert_int_equal(rc, AURMIG_OK);
	if (strcmp(ids(f, &v), want) != 0)
		print_error("%s: got '%s', want '%s'\n", spec, ids(f, &v), want);
	assert_string_equal(ids(f, &v), want);
	aurmig__idxv_clear(&v);
}

static void set_fails(fx *f, const char *spec, int code, const char *needle)
{
	aurmig__idxv v = { 0 };
	int rc = aurmig__resolve_set(&v, f->g, f->ctx, spec);
	const aurmig_error *e = aurmig_error_last(f->ctx);

	if (rc != code || !strstr(e->message, needle))
		print_error("%s: got %d '%s', want %d '%s'\n", spec, rc, e->message, code, needle);
	assert_int_equal(rc, code);
	assert_int_equal(e->code, code);
	assert_int_equal(e->klass, AURMIG_ERRCLASS_TARGET);
	assert_non_null(strstr(e->message, needle));
	aurmig__idxv_clear(&v);
}

static const char *id_of(fx *f, size_t i)
{
	return i == AURMIG__NONE ? "(none)" : i == AURMIG__BASE ? "(base)" : f->g->migs[i]->id;
}

static void test_heads_head_base(void **state)
{
	fx *f = *state;
	size_t one;

	set_ok(f, "heads", "ad04,bc03");
	set_ok(f, "left@heads", "ad04");
	set_ok(f, "right@heads", "bc03");
	set_ok(f, "left@head", "ad04");
	set_ok(f, "right@head", "bc03");
	set_fails(f, "head", AURMIG_EAMBIGUOUS, "Multiple head revisions are present for given argument 'head'");
	assert_int_equal(aurmig__resolve_one(&one, f->g, f->ctx, "heads"), AURMIG_EAMBIGUOUS);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "(ad04, bc03)"));
	set_ok(f, "base", "");
	set_ok(f, "", "");
	set_ok(f, "left@base", "");
	set_fails(f, "nope@base", AURMIG_ENOTFOUND, "No such branch: 'nope'");
	assert_int_equal(aurmig__resolve_one(&one, f->g, f->ctx, "base"), AURMIG_OK);
	assert_int_equal(one, AURMIG__NONE);
	assert_int_equal(aurmig__resolve_one(&one, f->g, f->ctx, "right@head"), AURMIG_OK);
	assert_string_equal(id_of(f, one), "bc03");
}

static void test_ids_and_partial_ids(void **state)
{
	fx *f = *state;

	set_ok(f, "ab02", "ab02");
	set_ok(f, "ab", "ab02");                 /* unique prefix */
	set_ok(f, "ad0", "ad04");
	set_fails(f, "a", AURMIG_EAMBIGUOUS, "Multiple revisions start with 'a': 'aa01' (msg aa01), 'ab02'");
	set_fails(f, "a", AURMIG_EAMBIGUOUS, "give more characters");
	set_fails(f, "zz", AURMIG_ENOTFOUND,
		"No such revision or branch 'zz'; please ensure at least four characters are present");
	set_fails(f, "zzzzz", AURMIG_ENOTFOUND, "No such revision or branch 'zzzzz'");
	{
		aurmig__idxv v = { 0 };
		assert_int_equal(aurmig__resolve_set(&v, f->g, f->ctx, "zzzzz"), AURMIG_ENOTFOUND);
		assert_null(strstr(aurmig_error_last(f->ctx)->message, "four characters"));
		aurmig__idxv_clear(&v);
	}
	/* a label alone names the revision declaring it */
	set_ok(f, "left", "ac03");
	set_ok(f, "right", "bc03");
}

static void test_labels_restrict_lineage(void **state)
{
	fx *f = *state;
	size_t b;
	aurmig__idxv v = { 0 };

	set_ok(f, "left@ac", "ac03");             /* partial id within the branch */
	set_ok(f, "left@ab02", "ab02");           /* an ancestor shares the lineage */
	set_ok(f, "right@b", "bc03");             /* the prefix 'b' is unique on the branch */
	/* 'a' on the right branch: aa01 and ab02 remain, still ambiguous */
	set_fails(f, "right@a", AURMIG_EAMBIGUOUS, "Multiple revisions start with 'a': 'aa01' (msg aa01), 'ab02' (msg ab02);");
	set_fails(f, "right@ac03", AURMIG_ENOTFOUND, "Revision ac03 is not a member of branch 'right'");
	set_fails(f, "right@ad", AURMIG_ENOTFOUND, "No such revision or branch 'ad'");
	set_fails(f, "nope@ab02", AURMIG_ENOTFOUND, "No such branch: 'nope'");
	/* a revision id works as a branch name too */
	set_ok(f, "bc03@head", "bc03");

	assert_int_equal(aurmig__resolve_branch(&b, f->g, f->ctx, "left"), AURMIG_OK);
	assert_string_equal(id_of(f, b), "ac03");
	assert_int_equal(aurmig__resolve_branch(&b, f->g, f->ctx, "ad04"), AURMIG_OK);
	assert_string_equal(id_of(f, b), "ad04");
	assert_int_equal(aurmig__resolve_branch(&b, f->g, f->ctx, "nope"), AURMIG_ENOTFOUND);
	assert_string_equal(aurmig_error_last(f->ctx)->message, "No such branch: 'nope'");

	assert_int_equal(aurmig__resolve_set(&v, f->g, f->ctx, "heads"), AURMIG_OK);
	assert_int_equal(aurmig__filter_lineage(&v, f->g, f->ctx, "left", 0), AURMIG_OK);
	assert_string_equal(ids(f, &v), "ad04");
	v.n = 0;
	assert_int_equal(aurmig__resolve_set(&v, f->g, f->ctx, "heads"), AURMIG_OK);
	assert_int_equal(aurmig__filter_lineage(&v, f->g, f->ctx, "ab02", 0), AURMIG_OK);
	assert_string_equal(ids(f, &v), "ad04,bc03");   /* both descend from ab02 */
	aurmig__idxv_clear(&v);
}

static void test_relative_sets(void **state)
{
	fx *f = *state;

	set_ok(f, "left@-1", "ac03");
	set_ok(f, "left@-3", "aa01");
	set_ok(f, "left@-4", "");                 /* base */
	set_fails(f, "left@-5", AURMIG_ENOTFOUND, "Relative revision -5 didn't produce 5 migrations");
	set_ok(f, "-1", "ab02,ac03");             /* one step down from each head */
	set_ok(f, "right@-2", "aa01");
	set_fails(f, "left@-99999999999", AURMIG_EINVALID, "out of range");
}

static void relative(const char *spec, int want, const char *label, const char *symbol, long rel)
{
	aurmig_context *ctx;
	char *l = (char *)0x1, *s = (char *)0x1;
	long r = 99;

	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	assert_int_equal(aurmig__parse_relative(spec, ctx, &l, &s, &r), want);
	if (want == 1) {
		if (label)
			assert_string_equal(l, label);
		else
			assert_null(l);
		if (symbol)
			assert_string_equal(s, symbol);
		else
			assert_null(s);
		assert_int_equal(r, rel);
	} else {
		assert_null(l);
		assert_null(s);
	}
	free(l);
	free(s);
	aurmig_context_free(ctx);
}

static void test_parse_relative(void **state)
{
	(void)state;
	relative("+2", 1, NULL, NULL, 2);
	relative("-1", 1, NULL, NULL, -1);
	relative("left@+1", 1, "left", NULL, 1);
	relative("ab02+3", 1, NULL, "ab02", 3);
	relative("left@ab02-1", 1, "left", "ab02", -1);
	relative("head-2", 1, NULL, "head", -2);
	relative("ab02", 0, NULL, NULL, 0);
	relative("heads", 0, NULL, NULL, 0);
	relative("ab+", 0, NULL, NULL, 0);
	relative("ab+1x", 0, NULL, NULL, 0);
	relative("a.b+1", 0, NULL, NULL, 0);
	relative("+99999999999", AURMIG_EINVALID, NULL, NULL, 0);
}

static void walk(fx *f, const char *from, long steps, const char *branch, int rc_want, const char *want)
{
	size_t start = !from ? AURMIG__NONE : !strcmp(from, "base") ? AURMIG__BASE : aurmig__graph_index(f->g, from);
	size_t out = 12345;
	int rc = aurmig__walk(&out, f->g, f->ctx, start, steps, branch);

	if (rc != rc_want)
		print_error("walk %s %+ld: %d %s\n", from ? from : "(none)", steps, rc, aurmig_error_last(f->ctx)->message);
	assert_int_equal(rc, rc_want);
	if (!rc)
		assert_string_equal(id_of(f, out), want);
	else {
		if (!strstr(aurmig_error_last(f->ctx)->message, want))
			print_error("got '%s'\n", aurmig_error_last(f->ctx)->message);
		assert_non_null(strstr(aurmig_error_last(f->ctx)->message, want));
	}
}

static void test_walk(void **state)
{
	fx *f = *state;

	walk(f, NULL, 1, NULL, AURMIG_OK, "aa01");
	walk(f, NULL, 2, NULL, AURMIG_OK, "ab02");
	walk(f, "base", 1, NULL, AURMIG_OK, "aa01");
	walk(f, NULL, 3, NULL, AURMIG_EAMBIGUOUS, "Ambiguous walk: upward, the path forks at ab02 (ac03, bc03)");
	walk(f, NULL, 3, "left", AURMIG_OK, "ac03");
	walk(f, NULL, 3, "right", AURMIG_OK, "bc03");
	walk(f, NULL, 5, "left", AURMIG_OK, "(none)");   /* walked past the head */
	walk(f, "ab02", 2, "left", AURMIG_OK, "ad04");
	walk(f, "ad04", 1, NULL, AURMIG_OK, "(none)");
	walk(f, "ad04", -2, NULL, AURMIG_OK, "ab02");
	walk(f, "ad04", -4, NULL, AURMIG_OK, "(base)");
	walk(f, "ad04", -5, NULL, AURMIG_OK, "(none)");
	walk(f, NULL, -1, NULL, AURMIG_EAMBIGUOUS, "Ambiguous walk: from base, the path forks at base (ad04, bc03)");
	walk(f, "bc03", -1, NULL, AURMIG_OK, "ab02");
	walk(f, "ab02", 0, NULL, AURMIG_OK, "ab02");
}

static void test_lookup(void **state)
{
	fx *f = *state;
	const aurmig_migration *m = NULL;

	assert_int_equal(aurmig_graph_lookup(&m, f->g, "left@ad"), AURMIG_OK);
	assert_string_equal(aurmig_migration_id(m), "ad04");
	assert_int_equal(aurmig_error_last(f->ctx)->code, AURMIG_OK);
	assert_int_equal(aurmig_graph_lookup(&m, f->g, "right@ad04"), AURMIG_ENOTFOUND);
	assert_null(m);
	assert_int_equal(aurmig_graph_lookup(&m, f->g, "a"), AURMIG_EAMBIGUOUS);
	assert_int_equal(aurmig_graph_lookup(&m, f->g, "bc"), AURMIG_OK);
	assert_string_equal(aurmig_migration_id(m), "bc03");
	assert_int_equal(aurmig_error_last(f->ctx)->code, AURMIG_OK);   /* success clears the record */
	assert_int_equal(aurmig_graph_lookup(NULL, f->g, "bc"), AURMIG_EINVALID);
}

static void test_alloc_failures(void **state)
{
	fx *f = *state;
	const char *specs[] = { "heads", "left@head", "a", "-1", "left@-2", "right@ab02", "zz" };

	for (size_t k = 0; k < sizeof(specs) / sizeof(specs[0]); k++) {
		int done = 0;
		for (unsigned long n = 1; n < 100 && !done; n++) {
			aurmig__idxv v = { 0 };
			int rc;
			aurmig__context_fail_alloc_at(f->ctx, n);
			rc = aurmig__resolve_set(&v, f->g, f->ctx, specs[k]);
			aurmig__context_fail_alloc_at(f->ctx, 0);
			if (rc != AURMIG_ENOMEM)
				done = 1;
			else
				assert_int_equal(aurmig_error_last(f->ctx)->code, AURMIG_ENOMEM);
			aurmig__idxv_clear(&v);
		}
		assert_true(done);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_heads_head_base, setup, tu_fx_free),
		cmocka_unit_test_setup_teardown(test_ids_and_partial_ids, setup, tu_fx_free),
		cmocka_unit_test_setup_teardown(test_labels_restrict_lineage, setup, tu_fx_free),
		cmocka_unit_test_setup_teardown(test_relative_sets, setup, tu_fx_free),
		cmocka_unit_test(test_parse_relative),
		cmocka_unit_test_setup_teardown(test_walk, setup, tu_fx_free),
		cmocka_unit_test_setup_teardown(test_lookup, setup, tu_fx_free),
		cmocka_unit_test_setup_teardown(test_alloc_failures, setup, tu_fx_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
