/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * In-process micro-benchmarks of libaurmig (built and run by bench/run.sh).
 *
 *   micro graph DIR SPEC [REPS]   graph load, heads, lookup of SPEC, offline
 *                                 plans base->heads and SPEC->heads
 *   micro once DIR SPEC           one pass of load + heads + lookup + plan to
 *                                 heads, as a fresh process would do it
 *                                 (for peak memory and instruction counts)
 *   micro status URL DIR [REPS]   aurmig_status_new (load + connect + check),
 *                                 "request": the same in a new context, as
 *                                 each php-fpm request does, and
 *                                 aurmig_status_from (check only)
 *   micro dbi [DRIVERDIR]         dbi_initialize_r(DRIVERDIR, or NULL for
 *                                 libdbi's default directory) once, timed
 *
 * Every mode prints one JSON object per measurement on stdout:
 * {"op": ..., "reps": R, "median_us": ..., "min_us": ..., "max_us": ...,
 *  "cpu_median_us": ...} plus mode-specific fields, and "maxrss_kb", the
 * process's peak resident set size so far (VmHWM).
 *
 * Each measurement is repeated REPS times (default: as many as fit in about
 * 0.5 s, at least 3, at most 200) and the median is reported, with the
 * minimum and maximum as the spread.
 */
#define _GNU_SOURCE
#include <aurmig/aurmig.h>
#include <dbi/dbi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/*
 * Peak resident set size of this process image (VmHWM). Not getrusage():
 * its ru_maxrss survives execve(), so a process started by posix_spawn()
 * from a large parent would report the parent's size.
 */
static long maxrss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void die(aurmig_context *ctx, const char *what)
{
	const aurmig_error *e = ctx ? aurmig_error_last(ctx) : NULL;
	fprintf(stderr, "micro: %s failed: %s\n", what, e && e->message ? e->message : "?");
	exit(1);
}

typedef int (*bench_fn)(void *arg);

#define MAX_REPS 200

/* Run fn reps times (reps <= 0: adaptive) and print one JSON line. */
static void measure(const char *op, const char *extra, int reps, bench_fn fn, void *arg)
{
	double wall[MAX_REPS], cpu[MAX_REPS];
	int n = 0;
	double budget_end = now_us(CLOCK_MONOTONIC) + 0.5e6;

	for (;;) {
		double w0 = now_us(CLOCK_MONOTONIC), c0 = now_us(CLOCK_PROCESS_CPUTIME_ID);
		if (fn(arg) != 0) {
			fprintf(stderr, "micro: %s failed\n", op);
			exit(1);
		}
		wall[n] = now_us(CLOCK_MONOTONIC) - w0;
		cpu[n] = now_us(CLOCK_PROCESS_CPUTIME_ID) - c0;
		n++;
		if (n >= MAX_REPS)
			break;
		if (reps > 0 ? n >= reps : (n >= 3 && now_us(CLOCK_MONOTONIC) > budget_end))
			break;
	}
	double ws[MAX_REPS], cs[MAX_REPS];
	memcpy(ws, wall, sizeof(double) * n);
	memcpy(cs, cpu, sizeof(double) * n);
	qsort(ws, n, sizeof(double), cmp_double);
	qsort(cs, n, sizeof(double), cmp_double);
	double wmed = n % 2 ? ws[n / 2] : (ws[n / 2 - 1] + ws[n / 2]) / 2;
	double cmed = n % 2 ? cs[n / 2] : (cs[n / 2 - 1] + cs[n / 2]) / 2;
	printf("{\"op\": \"%s\", \"reps\": %d, \"median_us\": %.2f, \"min_us\": %.2f, \"max_us\": %.2f, "
		"\"cpu_median_us\": %.2f, \"maxrss_kb\": %ld%s%s}\n",
		op, n, wmed, ws[0], ws[n - 1], cmed, maxrss_kb(), extra ? ", " : "", extra ? extra : "");
	fflush(stdout);
}

/* --- graph ------------------------------------------------------------------ */

struct graph_arg {
	aurmig_context *ctx;
	const char *dir;
	const char *spec;
	aurmig_graph *g; /* loaded once for the non-load measurements */
	size_t sink;
};

static int b_load(void *p)
{
	struct graph_arg *a = p;
	aurmig_graph *g;
	if (aurmig_graph_load(&g, a->ctx, a->dir) != AURMIG_OK)
		die(a->ctx, "aurmig_graph_load");
	a->sink += aurmig_graph_count(g);
	aurmig_graph_free(g);
	return 0;
}

static int b_heads(void *p)
{
	struct graph_arg *a = p;
	size_t n = aurmig_graph_head_count(a->g);
	for (size_t i = 0; i < n; i++)
		a->sink += strlen(aurmig_migration_id(aurmig_graph_head(a->g, i)));
	return 0;
}

static int b_lookup(void *p)
{
	struct graph_arg *a = p;
	const aurmig_migration *m;
	if (aurmig_graph_lookup(&m, a->g, a->spec) != AURMIG_OK)
		die(a->ctx, "aurmig_graph_lookup");
	a->sink += (size_t)m;
	return 0;
}

static int plan_to_heads(struct graph_arg *a, const char *start)
{
	const char *target = "heads";
	aurmig_plan *plan;
	if (aurmig_plan_new_offline(&plan, a->ctx, a->g, AURMIG_DIALECT_SQLITE, start, AURMIG_CMD_UPGRADE,
		    &target, 1, NULL) != AURMIG_OK)
		die(a->ctx, "aurmig_plan_new_offline");
	a->sink += aurmig_plan_count(plan);
	aurmig_plan_free(plan);
	return 0;
}

static int b_plan_base(void *p) { return plan_to_heads(p, "base"); }
static int b_plan_spec(void *p) { struct graph_arg *a = p; return plan_to_heads(a, a->spec); }

static int mode_graph(const char *dir, const char *spec, int reps)
{
	struct graph_arg a = { 0 };
	char extra[256];
	if (aurmig_context_new(&a.ctx) != AURMIG_OK)
		return 1;
	a.dir = dir;
	a.spec = spec;
	if (aurmig_graph_load(&a.g, a.ctx, dir) != AURMIG_OK)
		die(a.ctx, "aurmig_graph_load");
	snprintf(extra, sizeof extra, "\"revisions\": %zu, \"heads\": %zu",
		aurmig_graph_count(a.g), aurmig_graph_head_count(a.g));
	measure("graph_load", extra, reps, b_load, &a);
	measure("graph_heads", extra, reps, b_heads, &a);
	measure("graph_lookup", extra, reps, b_lookup, &a);
	measure("plan_offline_base_to_heads", extra, reps, b_plan_base, &a);
	measure("plan_offline_spec_to_heads", extra, reps, b_plan_spec, &a);
	aurmig_graph_free(a.g);
	aurmig_context_free(a.ctx);
	return a.sink == 0; /* keeps the work observable */
}

/* One pass, as `aurmig heads` / the start of `aurmig upgrade` would do it. */
static int mode_once(const char *dir, const char *spec)
{
	aurmig_context *ctx;
	aurmig_graph *g;
	const aurmig_migration *m;
	aurmig_plan *plan;
	const char *target = "heads";
	double t0, t1, t2, t3, t4;
	size_t sink = 0;

	t0 = now_us(CLOCK_MONOTONIC);
	if (aurmig_context_new(&ctx) != AURMIG_OK)
		return 1;
	if (aurmig_graph_load(&g, ctx, dir) != AURMIG_OK)
		die(ctx, "aurmig_graph_load");
	t1 = now_us(CLOCK_MONOTONIC);
	for (size_t i = 0; i < aurmig_graph_head_count(g); i++)
		sink += strlen(aurmig_migration_id(aurmig_graph_head(g, i)));
	t2 = now_us(CLOCK_MONOTONIC);
	if (aurmig_graph_lookup(&m, g, spec) != AURMIG_OK)
		die(ctx, "aurmig_graph_lookup");
	t3 = now_us(CLOCK_MONOTONIC);
	if (aurmig_plan_new_offline(&plan, ctx, g, AURMIG_DIALECT_SQLITE, spec, AURMIG_CMD_UPGRADE,
		    &target, 1, NULL) != AURMIG_OK)
		die(ctx, "aurmig_plan_new_offline");
	sink += aurmig_plan_count(plan);
	t4 = now_us(CLOCK_MONOTONIC);
	printf("{\"op\": \"once\", \"revisions\": %zu, \"heads\": %zu, \"load_us\": %.1f, \"heads_us\": %.1f, "
		"\"lookup_us\": %.1f, \"plan_us\": %.1f, \"total_us\": %.1f, \"maxrss_kb\": %ld, \"sink\": %zu}\n",
		aurmig_graph_count(g), aurmig_graph_head_count(g), t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0,
		maxrss_kb(), sink);
	aurmig_plan_free(plan);
	aurmig_graph_free(g);
	aurmig_context_free(ctx);
	return 0;
}

/* --- status ----------------------------------------------------------------- */

struct status_arg {
	aurmig_context *ctx;
	const char *url, *dir;
	aurmig_conn *conn;
	aurmig_graph *g;
	int state;
};

static int b_status_new(void *p)
{
	struct status_arg *a = p;
	aurmig_status *st;
	if (aurmig_status_new(&st, a->ctx, a->url, NULL, a->dir) != AURMIG_OK)
		die(a->ctx, "aurmig_status_new");
	a->state = aurmig_status_state(st);
	aurmig_status_free(st);
	return 0;
}

static int b_status_from(void *p)
{
	struct status_arg *a = p;
	aurmig_status *st;
	if (aurmig_status_from(&st, a->conn, a->g) != AURMIG_OK)
		die(a->ctx, "aurmig_status_from");
	a->state = aurmig_status_state(st);
	aurmig_status_free(st);
	return 0;
}

/* What a php-fpm request does: a new context (and so a new libdbi
 * instance), the start-up check, everything freed. */
static int b_request(void *p)
{
	struct status_arg *a = p;
	aurmig_context *ctx;
	aurmig_status *st;
	if (aurmig_context_new(&ctx) != AURMIG_OK)
		die(a->ctx, "aurmig_context_new");
	if (aurmig_status_new(&st, ctx, a->url, NULL, a->dir) != AURMIG_OK)
		die(ctx, "aurmig_status_new");
	a->state = aurmig_status_state(st);
	aurmig_status_free(st);
	aurmig_context_free(ctx);
	return 0;
}

static int mode_status(const char *url, const char *dir, int reps)
{
	struct status_arg a = { 0 };
	char extra[128];
	if (aurmig_context_new(&a.ctx) != AURMIG_OK)
		return 1;
	a.url = url;
	a.dir = dir;
	b_status_new(&a); /* warm-up; also tells the state */
	snprintf(extra, sizeof extra, "\"state\": %d", a.state);
	measure("status_new", extra, reps, b_status_new, &a);
	measure("request", extra, reps, b_request, &a);
	if (aurmig_graph_load(&a.g, a.ctx, dir) != AURMIG_OK)
		die(a.ctx, "aurmig_graph_load");
	if (aurmig_conn_open(&a.conn, a.ctx, url) != AURMIG_OK)
		die(a.ctx, "aurmig_conn_open");
	measure("status_from", extra, reps, b_status_from, &a);
	aurmig_conn_free(a.conn);
	aurmig_graph_free(a.g);
	aurmig_context_free(a.ctx);
	return 0;
}

/* --- libdbi start-up -------------------------------------------------------- */

static int mode_dbi(const char *driverdir)
{
	dbi_inst inst;
	dbi_driver d = NULL;
	int n = 0;
	double t0 = now_us(CLOCK_MONOTONIC), c0 = now_us(CLOCK_PROCESS_CPUTIME_ID);
	int r = dbi_initialize_r(driverdir, &inst);
	double t1 = now_us(CLOCK_MONOTONIC), c1 = now_us(CLOCK_PROCESS_CPUTIME_ID);
	if (r < 0) {
		fprintf(stderr, "micro: dbi_initialize_r failed\n");
		return 1;
	}
	while ((d = dbi_driver_list_r(d, inst)) != NULL)
		n++;
	printf("{\"op\": \"dbi_initialize_r\", \"driverdir\": \"%s\", \"drivers\": %d, \"wall_us\": %.1f, "
		"\"cpu_us\": %.1f, \"maxrss_kb\": %ld}\n",
		driverdir ? driverdir : "(default)", n, t1 - t0, c1 - c0, maxrss_kb());
	dbi_shutdown_r(inst);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "graph") == 0)
		return mode_graph(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 0);
	if (argc == 4 && strcmp(argv[1], "once") == 0)
		return mode_once(argv[2], argv[3]);
	if (argc >= 4 && strcmp(argv[1], "status") == 0)
		return mode_status(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 0);
	if (argc >= 2 && argc <= 3 && strcmp(argv[1], "dbi") == 0)
		return mode_dbi(argc == 3 ? argv[2] : NULL);
	fprintf(stderr, "usage: micro graph DIR SPEC [REPS] | once DIR SPEC | status URL DIR [REPS] | dbi [DRIVERDIR]\n");
	return 2;
}
