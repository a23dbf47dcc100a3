/* SPDX-License-Identifier: GPL-2.0-or-later */
/* upgrade, downgrade, stamp, current, check. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void join_step_side(char *buf, size_t n, const aurmig_step *s, int to)
{
	size_t count = to ? aurmig_step_to_count(s) : aurmig_step_from_count(s);
	size_t used = 0;

	buf[0] = '\0';
	if (count == 0) {
		snprintf(buf, n, "<base>");
		return;
	}
	for (size_t i = 0; i < count && used < n; i++) {
		int w = snprintf(buf + used, n - used, "%s%s", i ? ", " : "",
			to ? aurmig_step_to(s, i) : aurmig_step_from(s, i));
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static int progress_cb(void *payload, const aurmig_step *s, int phase)
{
	cli *c = payload;
	char from[512], to[512];
	const aurmig_migration *m = aurmig_step_migration(s);
	int kind = aurmig_step_kind_of(s);

	if (c->quiet)
		return 0;
	join_step_side(from, sizeof(from), s, 0);
	join_step_side(to, sizeof(to), s, 1);
	if (phase == AURMIG_PROGRESS_START) {
		if (c->verbose)
			fprintf(stderr, "Running %s %s -> %s ...\n",
				kind == AURMIG_STEP_UPGRADE ? "upgrade" : kind == AURMIG_STEP_DOWNGRADE ? "downgrade" : "stamp",
				from, to);
		return 0;
	}
	printf("Running %s %s -> %s%s%s (%.3fs)\n",
		kind == AURMIG_STEP_UPGRADE ? "upgrade" : kind == AURMIG_STEP_DOWNGRADE ? "downgrade" : "stamp",
		from, to, m ? ", " : "", m ? aurmig_migration_message(m) : "", aurmig_step_seconds(s));
	fflush(stdout);
	return 0;
}

static int run_plan(cli *c, int command, const char *const *targets, size_t ntargets, unsigned int flags)
{
	aurmig_plan_options opts = AURMIG_PLAN_OPTIONS_INIT;
	aurmig_plan *plan = NULL;
	int rc, code;

	if ((code = cli_load_graph(c)) || (code = cli_connect(c)))
		return code;
	opts.flags = flags;
	opts.progress = progress_cb;
	opts.progress_payload = c;
	rc = aurmig_plan_new(&plan, c->conn, c->graph, command, targets, ntargets, &opts);
	if (rc)
		return cli_fail(c, rc);
	rc = aurmig_plan_run(plan);
	aurmig_plan_free(plan);
	return rc ? cli_fail(c, rc) : EXIT_OK;
}

static int bad_usage(const char *verb, const char *msg)
{
	fprintf(stderr, "aurmig %s: %s (see aurmig %s --help)\n", verb, msg, verb);
	return EXIT_USAGE;
}

int cmd_upgrade(cli *c, int argc, char **argv)
{
	const char *target = NULL;
	unsigned int flags = 0;

	for (int i = 1; i < argc; i++) {
		if (opt_flag(argc, argv, &i, NULL, "--one-transaction"))
			flags |= AURMIG_PLAN_ONE_TRANSACTION;
		else if (argv[i][0] == '-' && argv[i][1] != '\0' && !(argv[i][1] >= '0' && argv[i][1] <= '9'))
			return bad_usage(argv[0], "unknown option");
		else if (target)
			return bad_usage(argv[0], "takes one target");
		else
			target = argv[i];
	}
	if (!target)
		target = "heads";
	return run_plan(c, strcmp(argv[0], "upgrade") == 0 ? AURMIG_CMD_UPGRADE : AURMIG_CMD_DOWNGRADE,
		&target, 1, flags);
}

int cmd_downgrade(cli *c, int argc, char **argv)
{
	int has_target = 0;

	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-' || (argv[i][1] >= '0' && argv[i][1] <= '9'))
			has_target = 1;
	if (!has_target)
		return bad_usage(argv[0], "needs a target (a revision, -N, or base)");
	return cmd_upgrade(c, argc, argv);
}

int cmd_stamp(cli *c, int argc, char **argv)
{
	const char **targets = calloc((size_t)argc, sizeof(*targets));
	size_t n = 0;
	unsigned int flags = 0;
	int code;

	if (!targets)
		return EXIT_ERROR;
	for (int i = 1; i < argc; i++) {
		if (opt_flag(argc, argv, &i, NULL, "--purge"))
			flags |= AURMIG_PLAN_PURGE;
		else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			free(targets);
			return bad_usage(argv[0], "unknown option");
		} else
			targets[n++] = argv[i];
	}
	if (!n) {
		free(targets);
		return bad_usage(argv[0], "needs at least one target");
	}
	code = run_plan(c, AURMIG_CMD_STAMP, targets, n, flags);
	free(targets);
	return code;
}

int cmd_current(cli *c, int argc, char **argv)
{
	size_t n;
	int rc, code;
	int verbose = c->verbose;

	for (int i = 1; i < argc; i++) {
		if (opt_flag(argc, argv, &i, "-v", "--verbose"))
			verbose = 1;
		else
			return bad_usage(argv[0], "takes no arguments");
	}
	if ((code = cli_load_graph(c)) || (code = cli_connect(c)))
		return code;
	if ((rc = aurmig_conn_read_current(c->conn, &n)))
		return cli_fail(c, rc);
	if (verbose)
		printf("Current revision(s) for %s:\n", aurmig_conn_display_url(c->conn));
	{
		const char **rows = calloc(n ? n : 1, sizeof(*rows));
		aurmig_revlist *list = NULL;
		if (!rows)
			return EXIT_ERROR;
		for (size_t i = 0; i < n; i++) {
			rows[i] = aurmig_conn_current_head(c->conn, i);
			if (!aurmig_graph_get(c->graph, rows[i]))
				printf("%s (unknown revision: not in %s)\n", rows[i], c->dir);
		}
		/* Alembic's current: rows plus revisions applied only as dependencies */
		rc = aurmig_graph_current(&list, c->graph, rows, n);
		free(rows);
		if (rc)
			return cli_fail(c, rc);
		for (size_t i = 0; i < aurmig_revlist_count(list); i++) {
			const aurmig_migration *m = aurmig_revlist_at(list, i);
			if (verbose)
				out_rev_verbose(stdout, m, 0);
			else
				out_rev_line(stdout, m, 0, 1, 1, 0, 0);
		}
		aurmig_revlist_free(list);
	}
	return EXIT_OK;
}

int cmd_check(cli *c, int argc, char **argv)
{
	int state, rc, code;
	size_t pending = 0;

	if (argc > 1)
		return bad_usage(argv[0], "takes no arguments");
	if ((code = cli_load_graph(c)) || (code = cli_connect(c)))
		return code;
	if ((rc = aurmig_check(&state, &pending, c->conn, c->graph)))
		return cli_fail(c, rc);
	switch (state) {
	case AURMIG_STATE_AT_HEAD:
		if (!c->quiet)
			printf("Database is up to date.\n");
		return EXIT_OK;
	case AURMIG_STATE_BEHIND:
		if (!c->quiet)
			printf("Database is not at head: %zu migration%s pending (run 'aurmig upgrade heads').\n",
				pending, pending == 1 ? "" : "s");
		return EXIT_NOT_AT_HEAD;
	default:
		fprintf(stderr, "aurmig: %s\n", aurmig_error_last(c->ctx)->message);
		return EXIT_UNKNOWN_REVISION;
	}
}
