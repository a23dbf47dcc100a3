/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the revision-spec grammar over a small fixed graph (two
 * roots, a branch point, merges, labels, dependencies on a label, an
 * irreversible script, short and prefix-sharing ids), through
 * aurmig_graph_lookup, the resolver, history ranges and offline plans
 * (aurmig_plan_new_offline + aurmig_plan_sql), which need no database.
 *
 * Input: byte 0 picks the command (bits 0-1), the dialect (bits 2-3), the
 * purge flag (bit 4) and the current heads used for history (bits 6-7);
 * the rest is lines: the starting point, then up to four targets.
 */
#include <unistd.h>

#include "fuzz_common.h"
#include "graph/graph_priv.h"
#include "graph/resolve.h"

static char graph_dir[4096];
static aurmig_context *gctx;
static aurmig_graph *graph;

static const struct script {
	const char *name;
	const char *text;
} scripts[] = {
	{ "1a2b3c4d5e6f_core.sql",
	  "-- aurmig:revision 1a2b3c4d5e6f\n-- aurmig:branch_labels core\n-- aurmig:message core base\n"
	  "-- aurmig:upgrade\nCREATE TABLE core (id INTEGER);\n-- aurmig:downgrade\nDROP TABLE core;\n" },
	{ "1a2b3c4d0000_two.sql",
	  "-- aurmig:revision 1a2b3c4d0000\n-- aurmig:down_revision 1a2b3c4d5e6f\n"
	  "-- aurmig:upgrade\nCREATE TABLE two (id INTEGER);\n-- aurmig:downgrade\nDROP TABLE two;\n" },
	{ "2b00_left.sql",
	  "-- aurmig:revision 2b00\n-- aurmig:down_revision 1a2b3c4d0000\n"
	  "-- aurmig:upgrade\nSELECT 1;\n-- aurmig:downgrade\n" },
	{ "2b01_right.sql",
	  "-- aurmig:revision 2b01\n-- aurmig:down_revision 1a2b3c4d0000\n-- aurmig:branch_labels side\n"
	  "-- aurmig:upgrade\nSELECT 2; SELECT 3;\n-- aurmig:downgrade\nSELECT 4;\n" },
	{ "3c00_merge.sql",
	  "-- aurmig:revision 3c00\n-- aurmig:down_revision (2b00, 2b01)\n"
	  "-- aurmig:upgrade\n-- aurmig:downgrade\n" },
	{ "abc_other.sql",
	  "-- aurmig:revision abc\n-- aurmig:branch_labels other\n-- aurmig:message no way back\n"
	  "-- aurmig:upgrade\nCREATE TABLE other (id INTEGER);\n" },
	{ "abcd1234_dep.sql",
	  "-- aurmig:revision abcd1234\n-- aurmig:down_revision abc\n-- aurmig:depends_on side\n"
	  "-- aurmig:upgrade\nSELECT 5;\n-- aurmig:downgrade\nSELECT 6;\n" },
	{ "4d00_dialects.sql",
	  "-- aurmig:revision 4d00\n-- aurmig:down_revision 3c00\n-- aurmig:transaction off\n"
	  "-- aurmig:upgrade sqlite\nCREATE TRIGGER t AFTER INSERT ON core BEGIN SELECT 1; END;\n"
	  "-- aurmig:upgrade mysql\nDELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END //\nDELIMITER ;\n"
	  "-- aurmig:upgrade pgsql\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
	  "-- aurmig:downgrade\nSELECT 7;\n" },
	{ "5e00_merge2.sql",
	  "-- aurmig:revision 5e00\n-- aurmig:down_revision 4d00 abcd1234\n"
	  "-- aurmig:upgrade\n-- aurmig:downgrade\n" },
	{ "6f00_head.sql",
	  "-- aurmig:revision 6f00\n-- aurmig:down_revision 5e00\n-- aurmig:depends_on 2b00\n"
	  "-- aurmig:message It's a \"test\" -- with; quotes\n"
	  "-- aurmig:upgrade\nINSERT INTO core VALUES (1);\n-- aurmig:downgrade\nDELETE FROM core;\n" },
	{ "7a00_hot.sql",
	  "-- aurmig:revision 7a00\n-- aurmig:down_revision 5e00\n-- aurmig:branch_labels hot\n"
	  "-- aurmig:upgrade\n-- aurmig:downgrade\n" },
	{ "x9_alone.sql",
	  "-- aurmig:revision x9\n-- aurmig:upgrade\n-- aurmig:downgrade\n" },
};

static void cleanup(void)
{
	char path[4200];

	aurmig_graph_free(graph);
	aurmig_context_free(gctx);
	for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", graph_dir, scripts[i].name);
		unlink(path);
	}
	rmdir(graph_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char path[4200];

	(void)argc;
	(void)argv;
	snprintf(graph_dir, sizeof(graph_dir), "%s/aurmig-fuzz-graph-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(graph_dir))
		abort();
	for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		FILE *f;
		snprintf(path, sizeof(path), "%s/%s", graph_dir, scripts[i].name);
		if (!(f = fopen(path, "w")) || fputs(scripts[i].text, f) < 0 || fclose(f) != 0)
			abort();
	}
	gctx = fz_context();
	if (aurmig_graph_load(&graph, gctx, graph_dir) != AURMIG_OK) {
		fprintf(stderr, "fuzz_target: %s\n", aurmig_error_last(gctx)->message);
		abort();
	}
	atexit(cleanup);
	return 0;
}

static void check_plan(aurmig_plan *p, int check_sql)
{
	const char *sql = NULL;
	int rc;

	for (size_t i = 0; i < aurmig_plan_count(p); i++) {
		const aurmig_step *s = aurmig_plan_at(p, i);
		int k = aurmig_step_kind_of(s);
		FZ_CHECK(k >= AURMIG_STEP_UPGRADE && k <= AURMIG_STEP_STAMP);
		FZ_CHECK((k == AURMIG_STEP_STAMP) == (aurmig_step_migration(s) == NULL));
	}
	for (size_t i = 0; i < aurmig_plan_after_count(p); i++)
		FZ_CHECK(aurmig_graph_get(graph, aurmig_plan_after(p, i)) != NULL);
	if (!check_sql)
		return;
	rc = aurmig_plan_sql(&sql, p);
	if (rc)
		fz_check_error(gctx, rc);
	else
		FZ_CHECK(sql && strncmp(sql, "-- aurmig ", 10) == 0);
}

static void check_set(const aurmig__idxv *set)
{
	for (size_t i = 0; i < set->n; i++)
		FZ_CHECK(set->v[i] < graph->n);
}

/* Everything but offline plans, for one spec. */
static void resolve_spec(const char *spec, const char *const *cur, size_t ncur)
{
	const aurmig_migration *m = (const aurmig_migration *)&m;
	aurmig__idxv set = { 0 };
	aurmig_revlist *l = (aurmig_revlist *)&l;
	char *label, *symbol;
	long rel;
	size_t one;
	int rc;

	rc = aurmig_graph_lookup(&m, graph, spec);
	if (rc) {
		fz_check_error(gctx, rc);
		FZ_CHECK(m == NULL);
	} else {
		FZ_CHECK(m != NULL && aurmig_graph_get(graph, aurmig_migration_id(m)) == m);
	}
	rc = aurmig__resolve_set(&set, graph, gctx, spec);
	if (rc)
		fz_check_error(gctx, rc);
	check_set(&set);
	aurmig__idxv_clear(&set);
	rc = aurmig__resolve_one(&one, graph, gctx, spec);
	if (rc)
		fz_check_error(gctx, rc);
	else
		FZ_CHECK(one == AURMIG__NONE || one < graph->n);
	rc = aurmig__parse_relative(spec, gctx, &label, &symbol, &rel);
	if (rc < 0)
		fz_check_error(gctx, rc);
	if (rc == 1) {
		free(label);
		free(symbol);
	}
	rc = aurmig_graph_history(&l, graph, spec, cur, ncur);
	if (rc) {
		fz_check_error(gctx, rc);
		FZ_CHECK(l == NULL);
	}
	for (size_t i = 0; i < aurmig_revlist_count(l); i++)
		FZ_CHECK(aurmig_revlist_at(l, i) != NULL);
	aurmig_revlist_free(l);
}

static int offline(int command, int dialect, unsigned flags, const char *start, const char *const *targets,
	size_t ntargets, int check)
{
	aurmig_plan_options o = AURMIG_PLAN_OPTIONS_INIT;
	aurmig_plan *p = (aurmig_plan *)&p;
	const char *sql;
	int rc;

	o.flags = flags;
	rc = aurmig_plan_new_offline(&p, gctx, graph, dialect, start, command, targets, ntargets, &o);
	if (rc) {
		fz_check_error(gctx, rc);
		FZ_CHECK(p == NULL);
		return rc;
	}
	check_plan(p, check);
	if (!check)
		rc = aurmig_plan_sql(&sql, p);
	aurmig_plan_free(p);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const currents[4][2] = { { NULL, NULL }, { "2b00", NULL },
		{ "2b00", "abcd1234" }, { "7a00", NULL } };
	static const size_t ncurrents[4] = { 0, 1, 2, 1 };
	const char *fields[5] = { 0 };
	size_t nfields = 0;
	char *text, *line, *save = NULL;
	int command, dialect, which, rc;
	unsigned flags;
	unsigned long n;

	if (size < 1 || size > 4096)
		return 0;
	command = (data[0] & 3) == 3 ? AURMIG_CMD_UPGRADE : (data[0] & 3) + 1;
	dialect = ((data[0] >> 2) & 3) == 0 ? AURMIG_DIALECT_SQLITE : (data[0] >> 2) & 3;
	flags = data[0] & 0x10 ? AURMIG_PLAN_PURGE : 0;
	which = data[0] >> 6;
	text = fz_strndup(data + 1, size - 1);
	/* strsep keeps empty fields: an empty start means base */
	save = text;
	while (nfields < 5 && (line = strsep(&save, "\n")))
		fields[nfields++] = line;
	aurmig__context_fail_alloc_at(gctx, 0);
	for (size_t i = 0; i < nfields; i++)
		resolve_spec(fields[i], currents[which], ncurrents[which]);
	if (nfields >= 2) {
		fz_count_allocs(gctx);
		rc = offline(command, dialect, flags, fields[0], fields + 1, nfields - 1, 1);
		n = fz_allocs(gctx);
		(void)rc;
		if (n) {
			aurmig__context_fail_alloc_at(gctx, fz_pick(data, size, n));
			rc = offline(command, dialect, flags, fields[0], fields + 1, nfields - 1, 0);
			FZ_CHECK(rc == AURMIG_ENOMEM);
		}
		aurmig__context_fail_alloc_at(gctx, 0);
	}
	free(text);
	return 0;
}
