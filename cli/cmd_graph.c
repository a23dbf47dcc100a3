/* SPDX-License-Identifier: GPL-2.0-or-later */
/* heads, branches, history, show: reading the revision graph. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int usage(const char *verb, const char *msg)
{
	fprintf(stderr, "aurmig %s: %s (see aurmig %s --help)\n", verb, msg, verb);
	return EXIT_USAGE;
}

static int is_current(cli *c, const aurmig_migration *m, size_t ncur)
{
	for (size_t i = 0; i < ncur; i++)
		if (strcmp(aurmig_conn_current_head(c->conn, i), aurmig_migration_id(m)) == 0)
			return 1;
	return 0;
}

int cmd_heads(cli *c, int argc, char **argv)
{
	int verbose = c->verbose, code, single = 0;

	for (int i = 1; i < argc; i++) {
		if (opt_flag(argc, argv, &i, "-v", "--verbose"))
			verbose = 1;
		else if (opt_flag(argc, argv, &i, NULL, "--single"))
			single = 1;
		else
			return usage(argv[0], "unknown argument");
	}
	if ((code = cli_load_graph(c)))
		return code;
	if (aurmig_graph_count(c->graph) == 0) {
		fprintf(stderr, "aurmig: no migrations in %s (no .sql scripts): nothing has heads "
			"(create the first one with 'aurmig revision -m MESSAGE')\n", c->dir);
		code = EXIT_ERROR;
	}
	if (single && aurmig_graph_real_head_count(c->graph) > 1) {
		/* the CI guard: one head, or a merge is missing */
		fprintf(stderr, "aurmig: the migrations have %zu heads:", aurmig_graph_real_head_count(c->graph));
		for (size_t i = 0; i < aurmig_graph_head_count(c->graph); i++)
			if (!aurmig_migration_is_effective_head(aurmig_graph_head(c->graph, i)))
				fprintf(stderr, " %s", aurmig_migration_id(aurmig_graph_head(c->graph, i)));
		fprintf(stderr, "; merge them: aurmig merge -m \"merge heads\" heads\n");
		code = EXIT_ERROR;
	}
	if (c->json) {
		json_t *o = json_object(), *a = json_array();
		for (size_t i = 0; i < aurmig_graph_head_count(c->graph); i++)
			json_array_append_new(a, jout_revision(aurmig_graph_head(c->graph, i), 0));
		json_object_set_new(o, "heads", a);
		jout_print(o);
		return code;
	}
	for (size_t i = 0; i < aurmig_graph_head_count(c->graph); i++) {
		const aurmig_migration *m = aurmig_graph_head(c->graph, i);
		if (verbose)
			out_rev_verbose(stdout, m, 0);
		else
			out_rev_line(stdout, m, 0, 1, 1, 0, 0);
	}
	return code;
}

int cmd_branches(cli *c, int argc, char **argv)
{
	int verbose = c->verbose, code;

	for (int i = 1; i < argc; i++) {
		if (opt_flag(argc, argv, &i, "-v", "--verbose"))
			verbose = 1;
		else
			return usage(argv[0], "unknown argument");
	}
	if ((code = cli_load_graph(c)))
		return code;
	if (c->json) {
		json_t *o = json_object(), *a = json_array();
		for (size_t i = 0; i < aurmig_graph_count(c->graph); i++)
			if (aurmig_migration_is_branch_point(aurmig_graph_at(c->graph, i)))
				json_array_append_new(a, jout_revision(aurmig_graph_at(c->graph, i), 0));
		json_object_set_new(o, "branchpoints", a);
		return jout_print(o);
	}
	for (size_t i = 0; i < aurmig_graph_count(c->graph); i++) {
		const aurmig_migration *m = aurmig_graph_at(c->graph, i);
		if (!aurmig_migration_is_branch_point(m))
			continue;
		if (verbose)
			out_rev_verbose(stdout, m, 0);
		else
			out_rev_line(stdout, m, 0, 1, 1, 1, 0);
		for (size_t k = 0; k < aurmig_migration_child_count(m); k++) {
			const aurmig_migration *ch = aurmig_graph_get(c->graph, aurmig_migration_child(m, k));
			printf("%*s-> ", (int)strlen(aurmig_migration_id(m)) + 1, "");
			out_rev_line(stdout, ch, 0, 1, 1, 1, 0);
		}
	}
	return EXIT_OK;
}

int cmd_history(cli *c, int argc, char **argv)
{
	const char *range = NULL;
	int verbose = c->verbose, indicate = 0, code, rc;
	aurmig_revlist *list = NULL;
	size_t ncur = 0;
	const char **cur = NULL;

	c->open_existing = 1;   /* read-only: never create an SQLite file */

	for (int i = 1; i < argc; i++) {
		if (opt_value(argc, argv, &i, "-r", "--rev-range", &range))
			continue;
		if (opt_flag(argc, argv, &i, "-v", "--verbose"))
			verbose = 1;
		else if (opt_flag(argc, argv, &i, "-i", "--indicate-current"))
			indicate = 1;
		else
			return usage(argv[0], "unknown argument");
	}
	if ((code = cli_load_graph(c)))
		return code;
	if (indicate || (c->json && (c->url || c->aurweb_config || getenv("AURMIG_URL") || getenv("AUR_CONFIG"))) ||
	    (range && strstr(range, "current")) ||
	    (range && (range[0] == '-' || range[0] == '+'))) {
		c->read_only = 1;
		if ((code = cli_connect(c)))
			return code;
		if ((rc = aurmig_conn_read_current(c->conn, &ncur)))
			return cli_fail(c, rc);
		cur = calloc(ncur ? ncur : 1, sizeof(*cur));
		if (!cur)
			return EXIT_ERROR;
		for (size_t i = 0; i < ncur; i++)
			cur[i] = aurmig_conn_current_head(c->conn, i);
	}
	rc = aurmig_graph_history(&list, c->graph, range, cur, ncur);
	if (rc) {
		free(cur);
		return cli_fail(c, rc);
	}
	if (c->json) {
		json_t *o = json_object(), *a = json_array();
		for (size_t i = 0; i < aurmig_revlist_count(list); i++)
			json_array_append_new(a, jout_revision(aurmig_revlist_at(list, i),
				cur && is_current(c, aurmig_revlist_at(list, i), ncur)));
		json_object_set_new(o, "revisions", a);
		aurmig_revlist_free(list);
		free(cur);
		return jout_print(o);
	}
	for (size_t i = 0; i < aurmig_revlist_count(list); i++) {
		const aurmig_migration *m = aurmig_revlist_at(list, i);
		int curm = indicate && is_current(c, m, ncur);
		if (verbose) {
			out_rev_verbose(stdout, m, curm);
			if (i + 1 < aurmig_revlist_count(list))
				printf("\n");
		} else {
			out_rev_line(stdout, m, 1, 1, 1, 1, curm);
		}
	}
	aurmig_revlist_free(list);
	free(cur);
	return EXIT_OK;
}

int cmd_show(cli *c, int argc, char **argv)
{
	int code, rc;

	c->open_existing = 1;   /* read-only: never create an SQLite file */

	if (argc != 2)
		return usage(argv[0], "takes one revision (or 'current')");
	if ((code = cli_load_graph(c)))
		return code;
	if (strcmp(argv[1], "current") == 0) {
		size_t n;
		c->read_only = 1;
		if ((code = cli_connect(c)))
			return code;
		if ((rc = aurmig_conn_read_current(c->conn, &n)))
			return cli_fail(c, rc);
		if (c->json) {
			json_t *o = json_object(), *a = json_array();
			for (size_t i = 0; i < n; i++) {
				const aurmig_migration *m = aurmig_graph_get(c->graph, aurmig_conn_current_head(c->conn, i));
				if (m)
					json_array_append_new(a, jout_revision(m, 1));
			}
			json_object_set_new(o, "revisions", a);
			return jout_print(o);
		}
		for (size_t i = 0; i < n; i++) {
			const aurmig_migration *m = aurmig_graph_get(c->graph, aurmig_conn_current_head(c->conn, i));
			if (m) {
				out_rev_verbose(stdout, m, 1);
			} else {
				fputs("Rev: ", stdout);
				out_text(stdout, aurmig_conn_current_head(c->conn, i), 0);
				printf(" (unknown revision: not in %s)\n", c->dir);
			}
		}
		return EXIT_OK;
	}
	{
		const aurmig_migration *m;
		if ((rc = aurmig_graph_lookup(&m, c->graph, argv[1])))
			return cli_fail(c, rc);
		if (c->json)
			return jout_print(jout_revision(m, 0));
		out_rev_verbose(stdout, m, 0);
	}
	return EXIT_OK;
}
