/* SPDX-License-Identifier: GPL-2.0-or-later */
/* revision and merge: new scripts from the template. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int usage(const char *verb, const char *msg)
{
	fprintf(stderr, "aurmig %s: %s (see aurmig %s --help)\n", verb, msg, verb);
	return EXIT_USAGE;
}

int cmd_revision(cli *c, int argc, char **argv)
{
	aurmig_revision_options o = AURMIG_REVISION_OPTIONS_INIT;
	const char **heads = calloc((size_t)argc, sizeof(*heads));
	const char **deps = calloc((size_t)argc, sizeof(*deps));
	const char *val;
	char id[64];
	int merge = strcmp(argv[0], "merge") == 0, code, rc, autogen = 0;
	const char *scratch_url = NULL;
	aurmig_schema *db = NULL, *declared = NULL;
	cli_declared decl = { 0 };

	if (!heads || !deps) {
		free(heads);
		free(deps);
		return EXIT_ERROR;
	}
	for (int i = 1; i < argc; i++) {
		if (opt_value(argc, argv, &i, "-m", "--message", &o.message))
			continue;
		if (opt_value(argc, argv, &i, NULL, "--branch-label", &o.branch_label))
			continue;
		if (opt_value(argc, argv, &i, NULL, "--rev-id", &o.rev_id))
			continue;
		if (!merge && opt_value(argc, argv, &i, NULL, "--scratch-url", &scratch_url))
			continue;
		if (!merge && opt_flag(argc, argv, &i, NULL, "--autogenerate")) {
			autogen = 1;
			continue;
		}
		if (!merge && opt_value(argc, argv, &i, NULL, "--head", &val)) {
			heads[o.nheads++] = val;
			continue;
		}
		if (!merge && opt_value(argc, argv, &i, NULL, "--depends-on", &val)) {
			deps[o.ndepends_on++] = val;
			continue;
		}
		if (merge && argv[i][0] != '-') {
			heads[o.nheads++] = argv[i];
			continue;
		}
		free(heads);
		free(deps);
		return usage(argv[0], "unknown argument");
	}
	if (!o.message || (merge && o.nheads == 0)) {
		free(heads);
		free(deps);
		return usage(argv[0], merge ? "needs -m MESSAGE and the revisions to merge (or 'heads')" :
			"needs -m MESSAGE");
	}
	o.heads = heads;
	o.depends_on = deps;
	if ((code = cli_load_graph(c))) {
		free(heads);
		free(deps);
		return code;
	}
	if (autogen) {
		/* the difference between the database and the declared schema,
		 * as portable DDL: upgrade makes the database the declared schema */
		int state;
		size_t pending;
		if ((code = cli_connect(c)))
			goto gen_fail;
		if ((rc = aurmig_check(&state, &pending, c->conn, c->graph))) {
			code = cli_fail(c, rc);
			goto gen_fail;
		}
		if (state != AURMIG_STATE_AT_HEAD) {
			fprintf(stderr, "aurmig: the database is not at head: upgrade it before --autogenerate "
				"(the new revision must start from the head's schema)\n");
			code = state == AURMIG_STATE_BEHIND ? EXIT_NOT_AT_HEAD : EXIT_ERROR;
			goto gen_fail;
		}
		if ((code = cli_declared_schema(c, scratch_url, &declared, &decl)))
			goto gen_fail;
		if ((rc = aurmig_schema_read(&db, c->conn)) ||
		    (rc = aurmig_schema_migration(&o.upgrade_sql, declared, db)) ||
		    (rc = aurmig_schema_migration(&o.downgrade_sql, db, declared))) {
			code = cli_fail(c, rc);
			goto gen_fail;
		}
		o.portable = 1;
		if (!*o.upgrade_sql && !c->quiet && !c->json)
			fprintf(stderr, "aurmig: the database already has the declared schema; the new revision is empty\n");
	}
	rc = aurmig_graph_write_revision(id, sizeof(id), c->graph, &o);
	free(heads);
	free(deps);
	aurmig_schema_free(db);
	aurmig_schema_free(declared);
	cli_declared_done(&decl);
	if (rc)
		return cli_fail(c, rc);
	if ((rc = cli_sum_update(c)))
		return rc;
	if (o.portable && !c->quiet)
		cli_lint_written(c, id);
	if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "revision", json_string(id));
		json_object_set_new(j, "directory", json_string(c->dir));
		return jout_print(j);
	}
	if (!c->quiet)
		printf("Generated revision %s in %s\n", id, c->dir);
	return EXIT_OK;
gen_fail:
	free(heads);
	free(deps);
	aurmig_schema_free(db);
	aurmig_schema_free(declared);
	cli_declared_done(&decl);
	return code;
}
