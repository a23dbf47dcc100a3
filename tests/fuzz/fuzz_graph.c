/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: a whole migrations directory (aurmig_graph_load): up to 16
 * scripts, separated in the input by lines "====". Each is written to a
 * scratch directory as <revision>_g.sql (the id taken from its revision
 * header, so that most get past the file-name check). A loaded graph must
 * be in topological order; it is then planned and rendered both ways
 * offline, and its history listed.
 */
#include <unistd.h>

#include "fuzz_common.h"
#include "graph/graph_priv.h"

#define MAX_SCRIPTS 16

static char dir[4096];
static char names[MAX_SCRIPTS][96];
static size_t nnames;

static void remove_scripts(void)
{
	char path[8192];

	for (size_t i = 0; i < nnames; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	nnames = 0;
}

static void cleanup(void)
{
	remove_scripts();
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/aurmig-fuzz-dir-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	return 0;
}

/* The file name for one script: "<id>_g.sql", or "sN.sql" without a usable id. */
static void name_for(char out[96], const uint8_t *p, size_t n, size_t i)
{
	static const char key[] = "aurmig:revision";
	const uint8_t *k = memmem(p, n, key, sizeof(key) - 1);
	size_t len = 0;

	snprintf(out, 96, "s%zu.sql", i);
	if (!k)
		return;
	k += sizeof(key) - 1;
	while (k < p + n && (*k == ' ' || *k == '\t'))
		k++;
	while (k + len < p + n && len < 40 && k[len] > ' ' && k[len] < 0x7f && k[len] != '/')
		len++;
	if (len && !(len == 1 && *k == '.'))
		snprintf(out, 96, "%.*s_g.sql", (int)len, (const char *)k);
}

static void write_scripts(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;

	remove_scripts();
	while (p <= end && nnames < MAX_SCRIPTS) {
		const uint8_t *sep = memmem(p, (size_t)(end - p), "\n====\n", 6);
		size_t n = sep ? (size_t)(sep - p) + 1 : (size_t)(end - p);
		char path[8192];
		FILE *f;
		int dup = 0;

		name_for(names[nnames], p, n, nnames);
		for (size_t i = 0; i < nnames; i++)
			dup |= strcmp(names[i], names[nnames]) == 0;
		if (dup)
			snprintf(names[nnames], 96, "s%zu.sql", nnames);
		snprintf(path, sizeof(path), "%s/%s", dir, names[nnames]);
		if (!(f = fopen(path, "wb")))
			abort();
		if (n && fwrite(p, 1, n, f) != n)
			abort();
		fclose(f);
		nnames++;
		if (!sep)
			break;
		p = sep + 6;
	}
}

static void check_graph(aurmig_context *ctx, const aurmig_graph *g)
{
	static const char *const up[] = { "heads" }, *const down[] = { "base" };
	aurmig_revlist *l = NULL;

	for (size_t i = 0; i < g->n; i++) {
		const aurmig_migration *m = g->migs[i];
		FZ_CHECK(m->idx == i);
		for (size_t k = 0; k < m->nparents; k++)
			FZ_CHECK(m->parents[k] < i);
		for (size_t k = 0; k < m->ndeps; k++)
			FZ_CHECK(m->deps_idx[k] < i);
		FZ_CHECK(aurmig_graph_get(g, m->id) == m);
	}
	FZ_CHECK(g->n == 0 || (aurmig_graph_head_count(g) > 0 && aurmig_graph_base_count(g) > 0));
	FZ_CHECK(aurmig_graph_history(&l, g, NULL, NULL, 0) == AURMIG_OK);
	FZ_CHECK(aurmig_revlist_count(l) == g->n);
	aurmig_revlist_free(l);
	for (int d = AURMIG_DIALECT_SQLITE; d <= AURMIG_DIALECT_PGSQL; d++) {
		aurmig_plan *p = NULL;
		const char *sql;
		int rc = aurmig_plan_new_offline(&p, ctx, g, d, NULL, AURMIG_CMD_UPGRADE, up, 1, NULL);
		if (rc) {
			/* a section the splitter refuses, or a script without this dialect's upgrade */
			fz_check_error(ctx, rc);
			continue;
		}
		FZ_CHECK(aurmig_plan_count(p) == g->n);
		rc = aurmig_plan_sql(&sql, p);
		FZ_CHECK(rc == AURMIG_OK);
		aurmig_plan_free(p);
		rc = aurmig_plan_new_offline(&p, ctx, g, d, "heads", AURMIG_CMD_DOWNGRADE, down, 1, NULL);
		if (rc)
			fz_check_error(ctx, rc);
		else
			FZ_CHECK(aurmig_plan_count(p) == g->n && aurmig_plan_after_count(p) == 0);
		aurmig_plan_free(p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	aurmig_context *ctx;
	aurmig_graph *g = (aurmig_graph *)&g;
	unsigned long n;
	int rc;

	if (size > 65536)
		return 0;
	write_scripts(data, size);
	ctx = fz_context();
	fz_count_allocs(ctx);
	rc = aurmig_graph_load(&g, ctx, dir);
	n = fz_allocs(ctx);
	aurmig__context_fail_alloc_at(ctx, 0);
	if (rc) {
		FZ_CHECK(g == NULL);
		fz_check_error(ctx, rc);
	} else {
		check_graph(ctx, g);
		aurmig_graph_free(g);
	}
	if (n) {
		aurmig__context_fail_alloc_at(ctx, fz_pick(data, size, n));
		rc = aurmig_graph_load(&g, ctx, dir);
		FZ_CHECK(rc == AURMIG_ENOMEM && g == NULL);
	}
	aurmig_context_free(ctx);
	return 0;
}
