/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test-only fault injection: runs `upgrade heads` through the library and
 * SIGKILLs itself, or pauses, before the Nth statement of the run.
 *
 *   crash_helper URL DIR kill-before N
 *   crash_helper URL DIR pause-before N SECONDS
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <aurmig/aurmig.h>

static long target, seen;
static int do_kill;
static unsigned pause_s;

static int progress(void *payload, const aurmig_step *s, int phase)
{
	(void)payload;
	(void)s;
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

int main(int argc, char **argv)
{
	aurmig_context *ctx;
	aurmig_graph *g;
	aurmig_conn *c;
	aurmig_plan *p;
	aurmig_plan_options o = AURMIG_PLAN_OPTIONS_INIT;
	const char *t = "heads";
	int rc;

	if (argc < 5 || (strcmp(argv[3], "kill-before") && strcmp(argv[3], "pause-before")) ||
	    (!strcmp(argv[3], "pause-before") && argc < 6)) {
		fprintf(stderr, "usage: %s URL DIR kill-before N | pause-before N SECONDS\n", argv[0]);
		return 2;
	}
	do_kill = !strcmp(argv[3], "kill-before");
	target = atol(argv[4]);
	pause_s = argc > 5 ? (unsigned)atoi(argv[5]) : 0;
	o.progress = progress;
	if (aurmig_context_new(&ctx) || aurmig_graph_load(&g, ctx, argv[2]) ||
	    aurmig_conn_open(&c, ctx, argv[1])) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	rc = aurmig_plan_new(&p, c, g, AURMIG_CMD_UPGRADE, &t, 1, &o);
	if (!rc)
		rc = aurmig_plan_run(p);
	if (rc)
		fprintf(stderr, "%s\n", aurmig_error_last(ctx)->message);
	aurmig_plan_free(p);
	aurmig_conn_free(c);
	aurmig_graph_free(g);
	aurmig_context_free(ctx);
	return rc ? 1 : 0;
}
