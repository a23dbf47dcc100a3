/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test-only fault injection: runs `upgrade heads` through the library and
 * SIGKILLs itself, or pauses, before the Nth statement of the run; or, with
 * a configuration file (config steps), SIGKILLs itself at a point of the
 * config-file write of the first step that has config steps.
 *
 *   crash_helper URL DIR kill-before N
 *   crash_helper URL DIR pause-before N SECONDS
 *   crash_helper URL DIR kill-after-batch N   (after the Nth committed batch of a batched statement)
 *   crash_helper URL DIR kill-before-sql N    (before the Nth SQL statement the connection sends,
 *                                              counted from the connection's opening; the run's
 *                                              bookkeeping included)
 *   crash_helper URL DIR count-sql            (no kill: print the number of statements the run sent)
 *   crash_helper URL DIR kill-config POINT CONFIG_FILE
 *
 * POINT: after-commit   the step's database part committed, the file not touched
 *        before-write   the temporary file created, nothing written to it
 *        before-rename  the temporary file complete, synced, the backup made
 *        after-rename   the new file renamed into place, its directory not synced
 *
 * Linked against the internal library: the config-file points use its
 * test-only hooks (aurmig__plan_test_config_hook), which the shared library
 * does not export.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <aurmig/aurmig.h>

#include "db/db.h"
#include "run/config.h"

static long target, seen, batch_target, batches_seen;
static int do_kill;
static unsigned pause_s;
static int kill_point;

/* kill-before-sql: the connection's statements, counted through a copy of
 * its ops table whose calls count first */
static long sql_target, sql_seen;
static aurmig__db_ops counting_ops;
static const aurmig__db_ops *real_ops;

static void count_sql(void)
{
	if (++sql_seen == sql_target) {
		fflush(NULL);
		raise(SIGKILL);
	}
}

static int counting_exec(aurmig_conn *c, const char *sql, unsigned long long *affected)
{
	count_sql();
	return real_ops->exec(c, sql, affected);
}

static int counting_query(aurmig_conn *c, const char *sql, aurmig__strv *rows)
{
	count_sql();
	return real_ops->query(c, sql, rows);
}

static int counting_query_cells(aurmig_conn *c, const char *sql, aurmig__strv *cells, size_t *ncols)
{
	count_sql();
	return real_ops->query_cells(c, sql, cells, ncols);
}

static int progress(void *payload, const aurmig_step *s, int phase)
{
	(void)payload;
	(void)s;
	if (phase == AURMIG_PROGRESS_BATCH && batch_target && ++batches_seen == batch_target) {
		fflush(NULL);
		raise(SIGKILL);
	}
	if (phase != AURMIG_PROGRESS_STATEMENT || ++seen != target)
		return 0;
	if (do_kill) {
		fflush(NULL);
		raise(SIGKILL);
	}
	printf("paused\n");
	fflush(stdout);
	sleep(pause_s);
	return 0;
}

static void config_point(void *arg, int point)
{
	(void)arg;
	if (point != kill_point)
		return;
	fflush(NULL);
	raise(SIGKILL);
}

static const struct {
	const char *name;
	int point;
} points[] = {
	{ "after-commit", AURMIG__CFG_TEST_COMMITTED },
	{ "before-write", AURMIG__INI_SAVE_WRITE },
	{ "before-rename", AURMIG__INI_SAVE_RENAME },
	{ "after-rename", AURMIG__INI_SAVE_SYNCDIR },
};

static int usage(const char *argv0)
{
	fprintf(stderr, "usage: %s URL DIR kill-before N | pause-before N SECONDS | kill-after-batch N | "
		"kill-before-sql N | count-sql | kill-config POINT CONFIG_FILE\n"
		"POINT: after-commit | before-write | before-rename | after-rename\n", argv0);
	return 2;
}

int main(int argc, char **argv)
{
	aurmig_context *ctx;
	aurmig_graph *g;
	aurmig_conn *c;
	aurmig_plan *p;
	aurmig_plan_options o = AURMIG_PLAN_OPTIONS_INIT;
	const char *t = "heads";
	int rc;

	if (argc < 5 && !(argc == 4 && !strcmp(argv[3], "count-sql")))
		return usage(argv[0]);
	if (!strcmp(argv[3], "kill-config")) {
		if (argc < 6)
			return usage(argv[0]);
		for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++)
			if (!strcmp(argv[4], points[i].name))
				kill_point = points[i].point;
		if (!kill_point)
			return usage(argv[0]);
		o.config_file = argv[5];
	} else if (!strcmp(argv[3], "kill-before") || !strcmp(argv[3], "pause-before")) {
		if (!strcmp(argv[3], "pause-before") && argc < 6)
			return usage(argv[0]);
		do_kill = !strcmp(argv[3], "kill-before");
		target = atol(argv[4]);
		pause_s = argc > 5 ? (unsigned)atoi(argv[5]) : 0;
		o.progress = progress;
	} else if (!strcmp(argv[3], "kill-after-batch")) {
		batch_target = atol(argv[4]);
		o.progress = progress;
	} else if (!strcmp(argv[3], "kill-before-sql")) {
		sql_target = atol(argv[4]);
	} else if (!strcmp(argv[3], "count-sql")) {
		sql_target = -1;
	} else {
		return usage(argv[0]);
	}
	if (aurmig_context_new(&ctx) || aurmig_graph_load(&g, ctx, argv[2]) ||
	    aurmig_conn_open(&c, ctx, argv[1])) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	if (sql_target) {
		/* the statements from here on (opening the connection sent some) */
		real_ops = c->ops;
		counting_ops = *c->ops;
		counting_ops.exec = counting_exec;
		counting_ops.query = counting_query;
		counting_ops.query_cells = counting_query_cells;
		c->ops = &counting_ops;
	}
	rc = aurmig_plan_new(&p, c, g, AURMIG_CMD_UPGRADE, &t, 1, &o);
	if (!rc && kill_point)
		aurmig__plan_test_config_hook(p, config_point, NULL);
	if (!rc)
		rc = aurmig_plan_run(p);
	if (rc)
		fprintf(stderr, "%s\n", aurmig_error_last(ctx)->message);
	aurmig_plan_free(p);
	if (sql_target < 0)
		printf("%ld\n", sql_seen);
	aurmig_conn_free(c);
	aurmig_graph_free(g);
	aurmig_context_free(ctx);
	return rc ? 1 : 0;
}
