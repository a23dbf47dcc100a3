/* SPDX-License-Identifier: GPL-2.0-or-later */
/* upgrade, downgrade, stamp, current, check. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

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

static double mono_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "Running upgrade A -> B, message ..." */
static void step_line(FILE *f, const aurmig_step *s)
{
	char from[512], to[512];
	const aurmig_migration *m = aurmig_step_migration(s);
	int kind = aurmig_step_kind_of(s);

	join_step_side(from, sizeof(from), s, 0);
	join_step_side(to, sizeof(to), s, 1);
	fprintf(f, "Running %s %s -> %s%s%s ...",
		kind == AURMIG_STEP_UPGRADE ? "upgrade" : kind == AURMIG_STEP_DOWNGRADE ? "downgrade" : "stamp",
		from, to, m && *aurmig_migration_message(m) ? ", " : "", m ? aurmig_migration_message(m) : "");
}

/* A blocking statement's warning on stderr, the step's line kept whole. */
static void print_warning(cli *c, const aurmig_step *s)
{
	const aurmig_step_warning *w = aurmig_step_warning_last(s);

	if (!w)
		return;
	if (c->step_open) {
		/* the step's line is open: the warning goes below it, the line again after it */
		putchar('\n');
		fflush(stdout);
	}
	fprintf(stderr, "aurmig: warning: %s:%d: %s\n", w->file, w->line, w->message);
	fflush(stderr);
	if (c->step_open) {
		step_line(stdout, s);
		fflush(stdout);
		c->step_redrawn = 0;
	}
}

/* --json: the warning into the document's "warnings". */
static void json_warning(cli *c, const aurmig_step *s)
{
	const aurmig_step_warning *w = aurmig_step_warning_last(s);
	const aurmig_migration *m = aurmig_step_migration(s);
	json_t *o;

	if (!w || (!c->warnings && !(c->warnings = json_array())))
		return;
	o = json_object();
	json_object_set_new(o, "revision", json_string(m ? aurmig_migration_id(m) : ""));
	json_object_set_new(o, "file", json_string(w->file));
	json_object_set_new(o, "line", json_integer(w->line));
	json_object_set_new(o, "table", json_string(w->table));
	json_object_set_new(o, "algorithm", json_string(w->algorithm));
	json_object_set_new(o, "lock", json_string(w->lock));
	json_object_set_new(o, "seconds", json_real(w->seconds));
	json_object_set_new(o, "rows", json_integer((json_int_t)w->rows));
	json_object_set_new(o, "bytes", json_integer((json_int_t)w->bytes));
	json_object_set_new(o, "message", json_string(w->message));
	json_object_set_new(o, "refusal", json_string(w->refusal));
	json_array_append_new(c->warnings, o);
}

/*
 * Progress on stdout: the step's line before it runs (as Alembic prints
 * it), its time once it is done; on a terminal, steps running longer than
 * a second also show "statement k/n, T s" as they go. --json prints
 * nothing here: the final document has the steps.
 */
static int progress_cb(void *payload, const aurmig_step *s, int phase)
{
	cli *c = payload;
	double now = mono_seconds();

	if (phase == AURMIG_PROGRESS_DONE)
		c->steps_done++;   /* committed (in a whole-plan transaction: once it commits) */
	if (phase == AURMIG_PROGRESS_WARNING && c->json) {
		json_warning(c, s);
		return 0;
	}
	if ((c->quiet && phase != AURMIG_PROGRESS_WARNING) || c->json)
		return 0;
	switch (phase) {
	case AURMIG_PROGRESS_START:
		step_line(stdout, s);
		fflush(stdout);
		c->step_t0 = now;
		c->step_open = 1;
		c->step_redrawn = 0;
		break;
	case AURMIG_PROGRESS_STATEMENT:
	case AURMIG_PROGRESS_LOCK_WAIT:
		if (!c->step_open || !c->stdout_tty || now - c->step_t0 < 1.0)
			break;
		fputs("\r\033[K", stdout);
		step_line(stdout, s);
		printf(" statement %zu/%zu, %.0f s%s", aurmig_step_statements(s) + 1, aurmig_step_statement_count(s),
			now - c->step_t0, phase == AURMIG_PROGRESS_LOCK_WAIT ? ", waiting for a lock" : "");
		fflush(stdout);
		c->step_redrawn = 1;
		break;
	case AURMIG_PROGRESS_BATCH:
		/* a batched statement (-- aurmig:batch): its batches as they commit */
		if (!c->step_open || !c->stdout_tty || now - c->step_t0 < 1.0)
			break;
		fputs("\r\033[K", stdout);
		step_line(stdout, s);
		printf(" statement %zu/%zu, batch %zu (%zu rows), %.0f s", aurmig_step_statements(s) + 1,
			aurmig_step_statement_count(s), aurmig_step_batches(s), aurmig_step_batch_rows(s), now - c->step_t0);
		fflush(stdout);
		c->step_redrawn = 1;
		break;
	case AURMIG_PROGRESS_WARNING:
		/* the next statement blocks writes (MariaDB): said before it runs */
		print_warning(c, s);
		break;
	case AURMIG_PROGRESS_DONE:
		if (c->step_redrawn) {
			fputs("\r\033[K", stdout);
			step_line(stdout, s);
		}
		printf(" %.3f s%s", aurmig_step_seconds(s), aurmig_step_retries(s) ? " (after lock-wait retries)" : "");
		if (aurmig_step_batches(s))
			printf(" (%zu batch%s, %zu rows)", aurmig_step_batches(s), aurmig_step_batches(s) == 1 ? "" : "es",
				aurmig_step_batch_rows(s));
		putchar('\n');
		fflush(stdout);
		c->step_open = 0;
		break;
	default:
		break;
	}
	return 0;
}

/* A step failed with its line open: end the line. */
static void progress_failed(cli *c)
{
	if (c->step_open) {
		printf(" failed\n");
		fflush(stdout);
		c->step_open = 0;
	}
}

/* The lock-wait options of a plan. */
static void wait_options(const cli *c, aurmig_plan_options *opts)
{
	opts->ddl_lock_wait_ms = c->ddl_lock_wait_ms;
	opts->lock_retries = c->lock_retries;
	opts->online = c->online;
	opts->warn_blocking_ms = c->warn_blocking_ms;
}

/* --dialect of offline SQL: a real dialect, not "portable" (0: none given) */
static int dialect_of(const char *name)
{
	int d = aurmig_dialect_from_name(name);

	return d == AURMIG_DIALECT_ANY ? -1 : d;
}

/* --sql: print the script instead of running it. A "start:" prefix on the
 * (first) target plans offline, without connecting. */
static int print_sql(cli *c, int command, const char *const *targets, size_t ntargets, unsigned int flags,
	const char *dialect_name)
{
	aurmig_plan_options opts = AURMIG_PLAN_OPTIONS_INIT;
	aurmig_plan *plan = NULL;
	const char *colon = strchr(targets[0], ':');
	const char *sql;
	const char **t = calloc(ntargets, sizeof(*t));
	char *start = NULL;
	int rc, code;

	if (!t)
		return EXIT_ERROR;
	memcpy(t, targets, ntargets * sizeof(*t));
	opts.flags = flags | AURMIG_PLAN_NO_LOCK | (c->config_file_default ? AURMIG_PLAN_CONFIG_WHEN_NEEDED : 0);
	opts.config_file = c->config_file;
	wait_options(c, &opts);
	if ((code = cli_load_graph(c))) {
		free(t);
		return code;
	}
	if (colon) {
		int d = dialect_name ? dialect_of(dialect_name) : 0;
		const char *url = c->url ? c->url : getenv("AURMIG_URL");
		if (d < 0) {
			free(t);
			fprintf(stderr, "aurmig: unknown --dialect '%s' (sqlite, mysql, pgsql)\n", dialect_name);
			return EXIT_USAGE;
		}
		if (!d && url && (d = aurmig_dialect_from_url(url)) < 0)
			d = 0;
		if (!d) {
			free(t);
			fprintf(stderr, "aurmig: offline SQL needs --dialect sqlite|mysql|pgsql (or a URL to take it from)\n");
			return EXIT_USAGE;
		}
		start = strndup(targets[0], (size_t)(colon - targets[0]));
		t[0] = colon + 1;
		rc = aurmig_plan_new_offline(&plan, c->ctx, c->graph, d, start, command, t, ntargets, &opts);
		free(start);
	} else {
		c->read_only = 1;
		if ((code = cli_connect(c))) {
			free(t);
			return code;
		}
		rc = aurmig_plan_new(&plan, c->conn, c->graph, command, t, ntargets, &opts);
	}
	free(t);
	if (!rc)
		rc = aurmig_plan_sql(&sql, plan);
	if (!rc && c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "sql", json_string(sql));
		aurmig_plan_free(plan);
		return jout_print(o);
	}
	if (!rc)
		fputs(sql, stdout);
	aurmig_plan_free(plan);
	return rc ? cli_fail(c, rc) : EXIT_OK;
}

/* The first n steps of a plan, as --json prints them. */
static json_t *steps_json(const aurmig_plan *plan, size_t n)
{
	json_t *steps = json_array();

	for (size_t i = 0; i < n && i < aurmig_plan_count(plan); i++) {
		const aurmig_step *s = aurmig_plan_at(plan, i);
		const aurmig_migration *m = aurmig_step_migration(s);
		int k = aurmig_step_kind_of(s);
		json_t *st = json_object();
		json_object_set_new(st, "revision", json_string(m ? aurmig_migration_id(m) :
			aurmig_step_to_count(s) ? aurmig_step_to(s, 0) : "base"));
		json_object_set_new(st, "direction", json_string(aurmig_step_kind_name(k)));
		json_object_set_new(st, "message", json_string(m ? aurmig_migration_message(m) : ""));
		json_object_set_new(st, "seconds", json_real(aurmig_step_seconds(s)));
		json_object_set_new(st, "statements", json_integer((json_int_t)aurmig_step_statements(s)));
		json_object_set_new(st, "retries", json_integer((json_int_t)aurmig_step_retries(s)));
		json_array_append_new(steps, st);
	}
	return steps;
}

/*
 * --json, a run that failed: the error document, with what did change
 * before the failure ("changed", the committed "steps", the version rows
 * "from" and "to"), so that a half-failed run does not look like nothing ran.
 */
static int plan_failed_json(cli *c, aurmig_plan *plan, int rc, unsigned int flags)
{
	int code = cli_fail_doc(c, rc);
	json_t *o = jout_error_new(c, rc, code), *from = json_array(), *to = NULL;
	size_t n = c->steps_done, nrows = 0;
	int changed, differ = 0, read;

	if (!o) {
		json_decref(from);
		aurmig_plan_free(plan);
		return code;
	}
	for (size_t i = 0; i < aurmig_plan_before_count(plan); i++)
		json_array_append_new(from, json_string(aurmig_plan_before(plan, i)));
	/* the rows now (the error is in the document already) */
	read = aurmig_conn_read_current(c->conn, &nrows) == AURMIG_OK;
	if (read) {
		to = json_array();
		differ = nrows != aurmig_plan_before_count(plan);
		for (size_t i = 0; i < nrows; i++) {
			const char *r = aurmig_conn_current_head(c->conn, i);
			int found = 0;
			for (size_t k = 0; k < aurmig_plan_before_count(plan); k++)
				found |= strcmp(r, aurmig_plan_before(plan, k)) == 0;
			differ |= !found;
			json_array_append_new(to, json_string(r));
		}
		if (!differ)
			n = 0;   /* a whole-plan transaction rolled back what it had done */
	} else if (flags & AURMIG_PLAN_ONE_TRANSACTION) {
		n = 0;
	}
	/* a step that failed half-way (exit 5) left part of itself applied */
	changed = n > 0 || differ || code == EXIT_NEEDS_RECOVERY;
	json_object_set_new(o, "changed", json_boolean(changed));
	if (aurmig_plan_init_schema(plan) && differ)
		json_object_set_new(o, "init", json_string(aurmig_plan_init_schema(plan)));
	json_object_set_new(o, "from", from);
	if (to)
		json_object_set_new(o, "to", to);
	json_object_set_new(o, "steps", steps_json(plan, n));
	json_object_set_new(o, "warnings", c->warnings ? c->warnings : json_array());
	c->warnings = NULL;
	aurmig_plan_free(plan);
	jout_print(o);
	return code;
}

static int run_plan(cli *c, int command, const char *const *targets, size_t ntargets, unsigned int flags)
{
	aurmig_plan_options opts = AURMIG_PLAN_OPTIONS_INIT;
	aurmig_plan *plan = NULL;
	int rc, code;

	if ((code = cli_load_graph(c)) || (code = cli_connect(c)))
		return code;
	opts.flags = flags | (c->config_file_default ? AURMIG_PLAN_CONFIG_WHEN_NEEDED : 0);
	opts.lock_timeout_ms = c->lock_timeout_ms;
	opts.config_file = c->config_file;
	opts.progress = progress_cb;
	opts.progress_payload = c;
	wait_options(c, &opts);
	c->stdout_tty = isatty(STDOUT_FILENO);
	rc = aurmig_plan_new(&plan, c->conn, c->graph, command, targets, ntargets, &opts);
	if (rc)
		return cli_fail(c, rc);
	if (aurmig_plan_init_schema(plan) && !c->quiet && !c->json)
		printf("The database is empty: building it at head from the declared schema %s "
			"(as 'aurmig init' does).\n", aurmig_plan_init_schema(plan));
	rc = aurmig_plan_run(plan);
	if (rc)
		progress_failed(c);
	if (!rc && aurmig_plan_init_schema(plan) && !c->quiet && !c->json) {
		printf("Created the head schema; stamped");
		for (size_t i = 0; i < aurmig_plan_after_count(plan); i++)
			printf(" %s", aurmig_plan_after(plan, i));
		printf("\n");
	}
	if (rc && c->json)
		return plan_failed_json(c, plan, rc, flags);
	if (!rc && c->json) {
		/* {"changed", "from", "to", "steps": [{"revision", "direction", "seconds", "statements"}]} */
		json_t *o = json_object(), *from = json_array(), *to = json_array();
		for (size_t i = 0; i < aurmig_plan_before_count(plan); i++)
			json_array_append_new(from, json_string(aurmig_plan_before(plan, i)));
		for (size_t i = 0; i < aurmig_plan_after_count(plan); i++)
			json_array_append_new(to, json_string(aurmig_plan_after(plan, i)));
		json_object_set_new(o, "ok", json_true());
		json_object_set_new(o, "changed", json_boolean(aurmig_plan_count(plan) > 0 ||
			aurmig_plan_init_schema(plan)));
		if (aurmig_plan_init_schema(plan))
			json_object_set_new(o, "init", json_string(aurmig_plan_init_schema(plan)));
		json_object_set_new(o, "from", from);
		json_object_set_new(o, "to", to);
		json_object_set_new(o, "steps", steps_json(plan, aurmig_plan_count(plan)));
		json_object_set_new(o, "warnings", c->warnings ? c->warnings : json_array());
		c->warnings = NULL;
		aurmig_plan_free(plan);
		return jout_print(o);
	}
	json_decref(c->warnings);
	c->warnings = NULL;
	aurmig_plan_free(plan);
	return rc ? cli_fail(c, rc) : EXIT_OK;
}

static int bad_usage(const char *verb, const char *msg)
{
	fprintf(stderr, "aurmig %s: %s (see aurmig %s --help)\n", verb, msg, verb);
	return EXIT_USAGE;
}

static int drift_gate(cli *c, const char *scratch_url);

int cmd_upgrade(cli *c, int argc, char **argv)
{
	const char *target = NULL, *dialect = NULL, *scratch_url = NULL, *warn = NULL;
	unsigned int flags = 0;
	int sql = 0, check_drift = 0, code;

	for (int i = 1; i < argc; i++) {
		int w = cli_wait_option(c, argc, argv, &i, 0, 1);
		if (w < 0)
			return EXIT_USAGE;
		if (w || opt_value(argc, argv, &i, NULL, "--dialect", &dialect) ||
		    opt_value(argc, argv, &i, NULL, "--scratch-url", &scratch_url))
			continue;
		if (opt_value(argc, argv, &i, NULL, "--warn-blocking", &warn)) {
			/* seconds, or "off" */
			if (!strcmp(warn, "off"))
				c->warn_blocking_ms = -1;
			else if (cli_seconds("--warn-blocking", warn, &c->warn_blocking_ms))
				return EXIT_USAGE;
			continue;
		}
		if (opt_flag(argc, argv, &i, NULL, "--online"))
			c->online = 1;
		else if (opt_flag(argc, argv, &i, NULL, "--one-transaction"))
			flags |= AURMIG_PLAN_ONE_TRANSACTION;
		else if (opt_flag(argc, argv, &i, NULL, "--check-drift"))
			check_drift = 1;
		else if (opt_flag(argc, argv, &i, NULL, "--sql"))
			sql = 1;
		else if (argv[i][0] == '-' && argv[i][1] != '\0' && !(argv[i][1] >= '0' && argv[i][1] <= '9'))
			return bad_usage(argv[0], "unknown option");
		else if (target)
			return bad_usage(argv[0], "takes one target");
		else
			target = argv[i];
	}
	if (!target)
		target = "heads";
	if ((check_drift || scratch_url) && (sql || strcmp(argv[0], "upgrade")))
		return bad_usage(argv[0], "--check-drift goes with upgrade (not --sql, not downgrade)");
	if (scratch_url && !check_drift)
		return bad_usage(argv[0], "--scratch-url goes with --check-drift");
	if ((c->online || warn) && sql)
		return bad_usage(argv[0], "--online and --warn-blocking go with a run against the database, not --sql");
	if (sql)
		return print_sql(c, strcmp(argv[0], "upgrade") == 0 ? AURMIG_CMD_UPGRADE : AURMIG_CMD_DOWNGRADE,
			&target, 1, flags, dialect);
	if (dialect || strchr(target, ':'))
		return bad_usage(argv[0], "--dialect and START:END targets go with --sql");
	if (check_drift && (code = drift_gate(c, scratch_url)))
		return code;
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
	const char *dialect = NULL;
	size_t n = 0;
	unsigned int flags = 0;
	int code, sql = 0;

	if (!targets)
		return EXIT_ERROR;
	for (int i = 1; i < argc; i++) {
		int w = cli_wait_option(c, argc, argv, &i, 0, 1);
		if (w < 0) {
			free(targets);
			return EXIT_USAGE;
		}
		if (w || opt_value(argc, argv, &i, NULL, "--dialect", &dialect))
			continue;
		if (opt_flag(argc, argv, &i, NULL, "--purge"))
			flags |= AURMIG_PLAN_PURGE;
		else if (opt_flag(argc, argv, &i, NULL, "--sql"))
			sql = 1;
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
	code = sql ? print_sql(c, AURMIG_CMD_STAMP, targets, n, flags, dialect) :
		run_plan(c, AURMIG_CMD_STAMP, targets, n, flags);
	free(targets);
	return code;
}

/* --json of the read-only verbs: "replica": null on a primary, else
 * {"lag_seconds": seconds behind, or null where the server does not tell}. */
static int json_replica(cli *c, json_t *o)
{
	double lag = -1;
	int replica = 0, rc;

	if ((rc = aurmig_conn_replica(c->conn, &replica, &lag)))
		return rc;
	if (!replica)
		json_object_set_new(o, "replica", json_null());
	else {
		json_t *r = json_object();
		json_object_set_new(r, "lag_seconds", lag >= 0 ? json_real(lag) : json_null());
		json_object_set_new(o, "replica", r);
	}
	return AURMIG_OK;
}

int cmd_current(cli *c, int argc, char **argv)
{
	size_t n;
	int rc, code;
	int verbose = c->verbose;

	c->open_existing = 1;   /* read-only: never create an SQLite file */

	for (int i = 1; i < argc; i++) {
		int w = cli_wait_option(c, argc, argv, &i, 1, 0);
		if (w < 0)
			return EXIT_USAGE;
		if (w)
			continue;
		if (opt_flag(argc, argv, &i, "-v", "--verbose"))
			verbose = 1;
		else
			return bad_usage(argv[0], "takes no arguments");
	}
	c->read_only = 1;
	if ((code = cli_load_graph(c)) || (code = cli_connect(c)))
		return code;
	if ((rc = aurmig_conn_read_current(c->conn, &n)))
		return cli_fail(c, rc);
	if (verbose && !c->json)
		printf("Current revision(s) for %s:\n", aurmig_conn_display_url(c->conn));
	{
		const char **rows = calloc(n ? n : 1, sizeof(*rows));
		aurmig_revlist *list = NULL;
		if (!rows)
			return EXIT_ERROR;
		for (size_t i = 0; i < n; i++) {
			rows[i] = aurmig_conn_current_head(c->conn, i);
			if (!aurmig_graph_get(c->graph, rows[i]) && !c->json) {
				out_text(stdout, rows[i], 0);
				printf(" (unknown revision: not in %s)\n", c->dir);
			}
		}
		/* Alembic's current: rows plus revisions applied only as dependencies */
		rc = aurmig_graph_current(&list, c->graph, rows, n);
		if (rc) {
			free(rows);
			return cli_fail(c, rc);
		}
		if (c->json) {
			json_t *o = json_object(), *cur = json_array(), *r = json_array(), *unknown = json_array();
			for (size_t i = 0; i < n; i++) {
				json_array_append_new(r, json_string(rows[i]));
				if (!aurmig_graph_get(c->graph, rows[i]))
					json_array_append_new(unknown, json_string(rows[i]));
			}
			for (size_t i = 0; i < aurmig_revlist_count(list); i++)
				json_array_append_new(cur, jout_revision(aurmig_revlist_at(list, i), 1));
			json_object_set_new(o, "rows", r);
			json_object_set_new(o, "current", cur);
			json_object_set_new(o, "unknown", unknown);
			json_object_set_new(o, "url", json_string(aurmig_conn_display_url(c->conn)));
			free(rows);
			aurmig_revlist_free(list);
			if ((rc = json_replica(c, o))) {
				json_decref(o);
				return cli_fail(c, rc);
			}
			return jout_print(o);
		}
		free(rows);
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

/* check --schema: at head, and the schema is the declared one. */
static int check_schema_replay(cli *c, const char *scratch_url, size_t pending);

static int check_schema(cli *c, const char *scratch_url)
{
	aurmig_schema *a = NULL, *b = NULL;
	aurmig_schema_diff *d = NULL;
	cli_declared decl = { 0 };
	int code, rc;

	{
		/* no declared schema: the migrations replayed to head instead */
		char path[4096];
		struct stat st;
		if ((rc = aurmig_graph_declared_schema(path, sizeof(path), c->graph, aurmig_conn_dialect(c->conn))))
			return cli_fail(c, rc);
		if (stat(path, &st) != 0 && errno == ENOENT)
			return check_schema_replay(c, scratch_url, 0);
	}
	if ((rc = aurmig_schema_read(&a, c->conn)) || (rc = aurmig_schema_set_label(a, aurmig_conn_display_url(c->conn)))) {
		code = cli_fail(c, rc);
		goto done;
	}
	if ((code = cli_declared_schema(c, scratch_url, &b, &decl)))
		goto done;
	if ((rc = aurmig_schema_diff_new(&d, a, b))) {
		code = cli_fail(c, rc);
		goto done;
	}
	/* column order is not compared: ADD COLUMN appends on every backend */
	{
		size_t n = 0;
		for (size_t i = 0; i < aurmig_schema_diff_count(d); i++)
			n += aurmig_schema_diff_kind(d, i) != AURMIG_SCHEMA_COLUMN_ORDER;
		if (!n && !c->json) {
			if (!c->quiet)
				printf("Database is up to date, and its schema is the declared one (%s).\n", decl.path);
			code = EXIT_OK;
			goto done;
		}
		if (n && !c->json && !c->quiet)
			printf("Database is at head, but its schema is not the declared one (%s):\n", decl.path);
		code = cli_print_diff(c, a, b, d, EXIT_SCHEMA_DIFFERS, 1);
	}
done:
	aurmig_schema_diff_free(d);
	aurmig_schema_free(a);
	aurmig_schema_free(b);
	cli_declared_done(&decl);
	return code;
}

/* check --schema behind head: the schema is the migrations' at the
 * database's version rows (replayed on a scratch database). */
static int check_schema_replay(cli *c, const char *scratch_url, size_t pending)
{
	cli_drift d;
	int code;

	if ((code = cli_drift_read(c, scratch_url, 0, &d)))
		return code;
	code = d.ndiff ? EXIT_SCHEMA_DIFFERS : pending ? EXIT_NOT_AT_HEAD : EXIT_OK;
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "state", json_string(aurmig_state_name(pending ? AURMIG_STATE_BEHIND :
			AURMIG_STATE_AT_HEAD)));
		json_object_set_new(o, "at_head", json_boolean(!pending));
		json_object_set_new(o, "revision", json_string(d.revisions));
		json_object_set_new(o, "pending", json_integer((json_int_t)pending));
		json_object_set_new(o, "expected", json_string("replay"));
		json_object_set_new(o, "drift", json_boolean(d.ndiff > 0));
		json_object_set_new(o, "equal", json_boolean(d.ndiff == 0));
		json_object_set_new(o, "exit_code", json_integer(code));
		json_object_set_new(o, "a", json_string(aurmig_schema_label(d.live)));
		json_object_set_new(o, "b", json_string(aurmig_schema_label(d.expected)));
		json_object_set_new(o, "differences", cli_diff_json(d.diff, 1));
		cli_drift_done(&d);
		return jout_print(o) ? EXIT_ERROR : code;
	}
	if (!c->quiet && !d.ndiff && !pending)
		printf("Database is up to date, and its schema is the one of the migrations at head (replayed on a "
			"scratch database: there is no declared schema).\n");
	else if (!c->quiet && !d.ndiff)
		printf("Database is not at head: %zu migration%s pending (run 'aurmig upgrade heads'); its schema is "
			"the one of the migrations at its revision (%s).\n", pending, pending == 1 ? "" : "s",
			*d.revisions ? d.revisions : "base");
	else if (!c->quiet) {
		printf("Database is at %s (%zu migration%s pending), but its schema is not the one of the migrations "
			"at that revision (replayed on a scratch database):\n", *d.revisions ? d.revisions : "base",
			pending, pending == 1 ? "" : "s");
		for (size_t i = 0; i < aurmig_schema_diff_count(d.diff); i++)
			if (aurmig_schema_diff_kind(d.diff, i) != AURMIG_SCHEMA_COLUMN_ORDER)
				out_line(stdout, "", aurmig_schema_diff_message(d.diff, i), 1);
	}
	cli_drift_done(&d);
	return code;
}

/* upgrade --check-drift: under the deploy lock (kept for the upgrade),
 * refuse a database whose schema is not the migrations' at its revision. */
static int drift_gate(cli *c, const char *scratch_url)
{
	cli_drift d;
	int code;

	if ((code = cli_load_graph(c)) || (code = cli_connect(c)) || (code = cli_drift_read(c, scratch_url, 1, &d)))
		return code;
	if (!d.ndiff) {
		cli_drift_done(&d);
		return EXIT_OK;
	}
	if (c->json) {
		json_t *o = json_object();
		char *msg = NULL;
		json_object_set_new(o, "ok", json_false());
		if (asprintf(&msg, "refusing to upgrade: the schema is not the one of the migrations at its revision %s "
			"(%zu difference%s; nothing was run)", *d.revisions ? d.revisions : "base", d.ndiff,
			d.ndiff == 1 ? "" : "s") >= 0) {
			json_object_set_new(o, "message", json_string(msg));
			free(msg);
		}
		json_object_set_new(o, "changed", json_false());
		json_object_set_new(o, "drift", json_true());
		json_object_set_new(o, "revision", json_string(d.revisions));
		json_object_set_new(o, "exit_code", json_integer(EXIT_SCHEMA_DIFFERS));
		json_object_set_new(o, "a", json_string(aurmig_schema_label(d.live)));
		json_object_set_new(o, "b", json_string(aurmig_schema_label(d.expected)));
		json_object_set_new(o, "differences", cli_diff_json(d.diff, 1));
		cli_drift_done(&d);
		return jout_print(o) ? EXIT_ERROR : EXIT_SCHEMA_DIFFERS;
	}
	fprintf(stderr, "aurmig: refusing to upgrade: the schema of %s is not the one of the migrations at its "
		"revision %s (%zu difference%s; nothing was run):\n", aurmig_conn_display_url(c->conn),
		*d.revisions ? d.revisions : "base", d.ndiff, d.ndiff == 1 ? "" : "s");
	for (size_t i = 0; i < aurmig_schema_diff_count(d.diff); i++)
		if (aurmig_schema_diff_kind(d.diff, i) != AURMIG_SCHEMA_COLUMN_ORDER)
			out_line(stderr, "  ", aurmig_schema_diff_message(d.diff, i), 1);
	cli_drift_done(&d);
	return EXIT_SCHEMA_DIFFERS;
}

/* check's exit code for an aurmig_state */
static int state_exit_code(int state)
{
	switch (state) {
	case AURMIG_STATE_AT_HEAD: return EXIT_OK;
	case AURMIG_STATE_BEHIND: return EXIT_NOT_AT_HEAD;
	case AURMIG_STATE_RECOVERY: return EXIT_NEEDS_RECOVERY;
	case AURMIG_STATE_DRIFT: return EXIT_DRIFT;
	case AURMIG_STATE_IN_PROGRESS: return EXIT_IN_PROGRESS;
	default: return EXIT_UNKNOWN_REVISION;
	}
}

int cmd_check(cli *c, int argc, char **argv)
{
	int state, rc, code, schema = 0;
	size_t pending = 0;
	const char *scratch_url = NULL;

	c->open_existing = 1;   /* read-only: never create an SQLite file */

	for (int i = 1; i < argc; i++) {
		int w = cli_wait_option(c, argc, argv, &i, 1, 0);
		if (w < 0)
			return EXIT_USAGE;
		if (w || opt_value(argc, argv, &i, NULL, "--scratch-url", &scratch_url))
			continue;
		if (opt_flag(argc, argv, &i, NULL, "--schema"))
			schema = 1;
		else
			return bad_usage(argv[0], "takes --schema [--scratch-url URL] [--timeout SECONDS]");
	}
	if (scratch_url && !schema)
		return bad_usage(argv[0], "--scratch-url goes with --schema");
	c->read_only = 1;
	if (schema && c->json) {
		/* one JSON document: the state first, then the schema */
		if ((code = cli_load_graph(c)) || (code = cli_connect(c)))
			return code;
		if ((rc = aurmig_check(&state, &pending, c->conn, c->graph)))
			return cli_fail(c, rc);
		if (state == AURMIG_STATE_BEHIND)
			return check_schema_replay(c, scratch_url, pending);
		if (state != AURMIG_STATE_AT_HEAD) {
			json_t *o = json_object();
			json_object_set_new(o, "state", json_string(aurmig_state_name(state)));
			json_object_set_new(o, "at_head", json_false());
			json_object_set_new(o, "message", json_string(state == AURMIG_STATE_BEHIND ?
				"the database is not at head" : aurmig_error_last(c->ctx)->message));
			jout_print(o);
			return state_exit_code(state);
		}
		return check_schema(c, scratch_url);
	}
	if ((code = cli_load_graph(c)) || (code = cli_connect(c)))
		return code;
	if (c->json) {
		aurmig_status *st = NULL;
		json_t *o, *a;
		if ((rc = aurmig_status_from(&st, c->conn, c->graph)))
			return cli_fail(c, rc);
		state = aurmig_status_state(st);
		o = json_object();
		if ((rc = json_replica(c, o))) {
			json_decref(o);
			aurmig_status_free(st);
			return cli_fail(c, rc);
		}
		json_object_set_new(o, "state", json_string(aurmig_state_name(state)));
		json_object_set_new(o, "at_head", json_boolean(state == AURMIG_STATE_AT_HEAD));
		json_object_set_new(o, "message", json_string(aurmig_status_message(st)));
		a = json_array();
		for (size_t i = 0; i < aurmig_status_current_count(st); i++)
			json_array_append_new(a, json_string(aurmig_status_current(st, i)));
		json_object_set_new(o, "current", a);
		a = json_array();
		for (size_t i = 0; i < aurmig_status_head_count(st); i++)
			json_array_append_new(a, json_string(aurmig_status_head(st, i)));
		json_object_set_new(o, "heads", a);
		a = json_array();
		for (size_t i = 0; i < aurmig_status_pending_count(st); i++)
			json_array_append_new(a, json_string(aurmig_status_pending(st, i)));
		json_object_set_new(o, "pending", a);
		if (state == AURMIG_STATE_IN_PROGRESS) {
			/* who runs it, from its journal row */
			static const struct { int field; const char *key; int num; } run[] = {
				{ AURMIG_RUN_ID, "run_id", 0 }, { AURMIG_RUN_HOST, "host", 0 }, { AURMIG_RUN_PID, "pid", 1 },
				{ AURMIG_RUN_SINCE, "since", 0 }, { AURMIG_RUN_REVISION, "revision", 0 },
				{ AURMIG_RUN_OPERATION, "operation", 0 }, { AURMIG_RUN_STATEMENT, "statement", 1 },
				{ AURMIG_RUN_STATEMENTS, "statements", 1 },
			};
			json_t *r = json_object();
			for (size_t i = 0; i < sizeof(run) / sizeof(run[0]); i++) {
				const char *v = aurmig_status_run(st, run[i].field);
				json_object_set_new(r, run[i].key, !v ? json_null() : run[i].num ?
					json_integer((json_int_t)strtoll(v, NULL, 10)) : json_string(v));
			}
			json_object_set_new(o, "in_progress", r);
		}
		aurmig_status_free(st);
		if (state == AURMIG_STATE_BEHIND) {
			/* an empty database that upgrade builds from the declared schema */
			char path[4096];
			int init = 0;
			if ((rc = aurmig_upgrade_builds_from_schema(&init, c->conn, c->graph)) ||
			    (init && (rc = aurmig_graph_declared_schema(path, sizeof(path), c->graph,
					aurmig_conn_dialect(c->conn))))) {
				json_decref(o);
				return cli_fail(c, rc);
			}
			if (init)
				json_object_set_new(o, "init", json_string(path));
		}
		if ((state == AURMIG_STATE_AT_HEAD || state == AURMIG_STATE_BEHIND) && c->config_file &&
		    !c->config_file_default) {
			/* the configuration file, as the text output checks it */
			json_t *cfg;
			aurmig_config_status *cst;
			int cs;
			if ((rc = aurmig_config_status_new(&cst, c->conn, c->graph, c->config_file))) {
				json_decref(o);
				return cli_fail(c, rc);
			}
			cs = aurmig_config_status_state(cst);
			cfg = json_object();
			json_object_set_new(cfg, "file", json_string(c->config_file));
			json_object_set_new(cfg, "state", json_string(aurmig_config_state_name(cs) ? aurmig_config_state_name(cs) : "unknown"));
			json_object_set_new(cfg, "message", json_string(aurmig_config_status_message(cst)));
			json_object_set_new(o, "config", cfg);
			aurmig_config_status_free(cst);
			if (cs != AURMIG_CONFIG_IN_SYNC) {
				jout_print(o);
				return EXIT_DRIFT;
			}
		}
		jout_print(o);
		return state_exit_code(state);
	}
	if ((rc = aurmig_check(&state, &pending, c->conn, c->graph)))
		return cli_fail(c, rc);
	if ((state == AURMIG_STATE_AT_HEAD || state == AURMIG_STATE_BEHIND) && c->config_file &&
	    !c->config_file_default) {
		/* the configuration file must agree with the database too (also
		 * behind head: a run killed between a step's commit and the file
		 * write leaves both a pending config step and migrations to run) */
		aurmig_config_status *st;
		if ((rc = aurmig_config_status_new(&st, c->conn, c->graph, c->config_file)))
			return cli_fail(c, rc);
		if (aurmig_config_status_state(st) != AURMIG_CONFIG_IN_SYNC) {
			if (state == AURMIG_STATE_BEHIND && !c->quiet)
				printf("Database is not at head: %zu migration%s pending (run 'aurmig upgrade heads').\n",
					pending, pending == 1 ? "" : "s");
			out_line(stderr, "aurmig: ", aurmig_config_status_message(st), 1);
			aurmig_config_status_free(st);
			return EXIT_DRIFT;
		}
		aurmig_config_status_free(st);
	}
	switch (state) {
	case AURMIG_STATE_AT_HEAD:
		if (schema)
			return check_schema(c, scratch_url);
		if (!c->quiet)
			printf("Database is up to date.\n");
		return EXIT_OK;
	case AURMIG_STATE_BEHIND: {
		char path[4096];
		int init = 0;
		if (schema)
			return check_schema_replay(c, scratch_url, pending);
		if ((rc = aurmig_upgrade_builds_from_schema(&init, c->conn, c->graph)) ||
		    (init && (rc = aurmig_graph_declared_schema(path, sizeof(path), c->graph,
				aurmig_conn_dialect(c->conn)))))
			return cli_fail(c, rc);
		if (!c->quiet && init)
			printf("Database is empty: 'aurmig upgrade heads' builds it at head from the declared "
				"schema %s (as 'aurmig init' does).\n", path);
		else if (!c->quiet)
			printf("Database is not at head: %zu migration%s pending (run 'aurmig upgrade heads').\n",
				pending, pending == 1 ? "" : "s");
		return EXIT_NOT_AT_HEAD;
	}
	case AURMIG_STATE_RECOVERY:
		out_line(stderr, "aurmig: ", aurmig_error_last(c->ctx)->message, 1);
		return EXIT_NEEDS_RECOVERY;
	case AURMIG_STATE_DRIFT:
		out_line(stderr, "aurmig: ", aurmig_error_last(c->ctx)->message, 1);
		return EXIT_DRIFT;
	case AURMIG_STATE_IN_PROGRESS:
		fprintf(stderr, "aurmig: %s\n", aurmig_error_last(c->ctx)->message);
		return EXIT_IN_PROGRESS;
	default:
		/* one sentence naming the unknown revision(s): no newline of theirs either */
		out_line(stderr, "aurmig: ", aurmig_error_last(c->ctx)->message, 0);
		return EXIT_UNKNOWN_REVISION;
	}
}

int cmd_validate(cli *c, int argc, char **argv)
{
	aurmig_report *r = NULL;
	int code, rc, accept = 0, worst = EXIT_OK;
	const char *rev = NULL;

	for (int i = 1; i < argc; i++) {
		int w = cli_wait_option(c, argc, argv, &i, 1, 0);
		if (w < 0)
			return EXIT_USAGE;
		if (w)
			continue;
		if (opt_flag(argc, argv, &i, NULL, "--accept"))
			accept = 1;
		else if (opt_flag(argc, argv, &i, "-v", "--verbose"))
			c->verbose = 1;
		else if (argv[i][0] != '-' && accept && !rev)
			rev = argv[i];
		else
			return bad_usage(argv[0], "takes --accept [REVISION]");
	}
	c->read_only = !accept;
	if ((code = cli_load_graph(c)) || (code = cli_connect(c)))
		return code;
	if (accept) {
		aurmig_plan_options opts = AURMIG_PLAN_OPTIONS_INIT;
		opts.lock_timeout_ms = c->lock_timeout_ms;
		if ((rc = aurmig_accept_checksums_opts(c->conn, c->graph, rev, &opts)))
			return cli_fail(c, rc);
		if (c->json) {
			json_t *o = json_object();
			json_object_set_new(o, "ok", json_true());
			json_object_set_new(o, "changed", json_true());
			json_object_set_new(o, "accepted", rev ? json_string(rev) : json_null());
			return jout_print(o);
		}
		if (!c->quiet)
			printf("Recorded the current checksum of %s.\n", rev ? rev : "every applied migration");
		return EXIT_OK;
	}
	if ((rc = aurmig_validate(&r, c->conn, c->graph)))
		return cli_fail(c, rc);
	json_t *jo = c->json ? json_object() : NULL, *ji = c->json ? json_array() : NULL;
	for (size_t i = 0; i < aurmig_report_count(r); i++) {
		int k = aurmig_report_kind(r, i), e;
		static const char *const tag[] = { "", "pending", "changed", "unknown", "recovery", "unrecorded", "in_progress" };
		if (ji) {
			json_t *it = json_object();
			json_object_set_new(it, "kind", json_string(tag[k]));
			json_object_set_new(it, "revision", json_string(aurmig_report_revision(r, i)));
			json_object_set_new(it, "message", json_string(aurmig_report_message(r, i)));
			json_array_append_new(ji, it);
		} else if (k != AURMIG_ISSUE_UNRECORDED || c->verbose) {
			printf("%-10s ", tag[k]);
			out_line(stdout, "", aurmig_report_message(r, i), 0);
		}
		e = k == AURMIG_ISSUE_IN_PROGRESS ? EXIT_IN_PROGRESS : k == AURMIG_ISSUE_UNKNOWN ? EXIT_UNKNOWN_REVISION :
		    k == AURMIG_ISSUE_RECOVERY ? EXIT_NEEDS_RECOVERY :
		    k == AURMIG_ISSUE_CHANGED ? EXIT_DRIFT : k == AURMIG_ISSUE_PENDING ? EXIT_NOT_AT_HEAD : EXIT_OK;
		/* most severe first: in progress 9, unknown 7, recovery 5, drift 6, pending 3 */
		if (worst == EXIT_IN_PROGRESS)
			continue;
		if (e == EXIT_IN_PROGRESS || e == EXIT_UNKNOWN_REVISION || (e == EXIT_NEEDS_RECOVERY && worst != EXIT_UNKNOWN_REVISION) ||
		    (e == EXIT_DRIFT && (worst == EXIT_OK || worst == EXIT_NOT_AT_HEAD)) ||
		    (e == EXIT_NOT_AT_HEAD && worst == EXIT_OK))
			worst = e;
	}
	aurmig_report_free(r);
	if (jo) {
		json_object_set_new(jo, "ok", json_boolean(worst == EXIT_OK));
		json_object_set_new(jo, "exit_code", json_integer(worst));
		json_object_set_new(jo, "issues", ji);
		jout_print(jo);
		return worst;
	}
	if (worst == EXIT_OK && !c->quiet)
		printf("Database and migrations agree.\n");
	return worst;
}

int cmd_init(cli *c, int argc, char **argv)
{
	aurmig_plan_options opts = AURMIG_PLAN_OPTIONS_INIT;
	size_t n;
	int code, rc;

	if (argc > 1)
		return bad_usage(argv[0], "takes no arguments");
	if ((code = cli_load_graph(c)) || (code = cli_connect(c)))
		return code;
	opts.lock_timeout_ms = c->lock_timeout_ms;
	if ((rc = aurmig_init(c->conn, c->graph, &opts)) && c->json) {
		/* exit 5: it stopped half-way, and changed the database */
		json_t *o;
		code = cli_fail_doc(c, rc);
		if ((o = jout_error_new(c, rc, code)))
			json_object_set_new(o, "changed", json_boolean(code == EXIT_NEEDS_RECOVERY));
		jout_print(o);
		return code;
	}
	if (rc)
		return cli_fail(c, rc);
	if ((rc = aurmig_conn_read_current(c->conn, &n)))
		return cli_fail(c, rc);
	if (c->json) {
		json_t *o = json_object(), *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_string(aurmig_conn_current_head(c->conn, i)));
		json_object_set_new(o, "changed", json_true());
		json_object_set_new(o, "to", a);
		return jout_print(o);
	}
	if (!c->quiet) {
		printf("Created the head schema; stamped");
		for (size_t i = 0; i < n; i++) {
			fputc(' ', stdout);
			out_text(stdout, aurmig_conn_current_head(c->conn, i), 0);
		}
		printf("\n");
	}
	return EXIT_OK;
}

int cmd_config_stamp(cli *c, int argc, char **argv)
{
	aurmig_plan_options opts = AURMIG_PLAN_OPTIONS_INIT;
	int code, rc;

	if (argc > 1 || !c->config_file)
		return bad_usage(argv[0], "takes no arguments and needs --config-file FILE");
	if ((code = cli_load_graph(c)) || (code = cli_connect(c)))
		return code;
	opts.lock_timeout_ms = c->lock_timeout_ms;
	if ((rc = aurmig_config_stamp_opts(c->conn, c->graph, c->config_file, &opts)))
		return cli_fail(c, rc);
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "ok", json_true());
		json_object_set_new(o, "changed", json_true());
		json_object_set_new(o, "file", json_string(c->config_file));
		return jout_print(o);
	}
	if (!c->quiet)
		printf("%s now matches the database.\n", c->config_file);
	return EXIT_OK;
}

int cmd_recover(cli *c, int argc, char **argv)
{
	aurmig_plan_options opts = AURMIG_PLAN_OPTIONS_INIT;
	int action = strcmp(argv[0], "resume") == 0 ? AURMIG_RECOVER_RESUME :
		strcmp(argv[0], "mark-applied") == 0 ? AURMIG_RECOVER_MARK_APPLIED : AURMIG_RECOVER_MARK_ROLLED_BACK;
	const char *rev = NULL;
	int code, rc;

	for (int i = 1; i < argc; i++) {
		int w = cli_wait_option(c, argc, argv, &i, 0, action == AURMIG_RECOVER_RESUME);
		if (w < 0)
			return EXIT_USAGE;
		if (w)
			continue;
		if (argv[i][0] == '-' || rev)
			return bad_usage(argv[0], "takes at most one revision");
		rev = argv[i];
	}
	if ((code = cli_load_graph(c)) || (code = cli_connect(c)))
		return code;
	opts.lock_timeout_ms = c->lock_timeout_ms;
	opts.progress = progress_cb;
	opts.progress_payload = c;
	wait_options(c, &opts);
	c->stdout_tty = isatty(STDOUT_FILENO);
	if ((rc = aurmig_recover(c->conn, c->graph, action, rev, &opts))) {
		progress_failed(c);
		return cli_fail(c, rc);
	}
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "ok", json_true());
		json_object_set_new(o, "changed", json_true());
		json_object_set_new(o, "action", json_string(argv[0]));
		return jout_print(o);
	}
	if (!c->quiet)
		printf("%s\n", action == AURMIG_RECOVER_RESUME ? "Resumed and completed the failed migration." :
			action == AURMIG_RECOVER_MARK_APPLIED ? "Recorded the failed migration as applied." :
			"Recorded the failed migration as rolled back.");
	return EXIT_OK;
}

/* aurmig lock [--break [--force]]: the deploy lock's holder; break it only when told. */
static const char *lock_kind_name(int kind)
{
	switch (kind) {
	case AURMIG_LOCK_KIND_FLOCK: return "flock";
	case AURMIG_LOCK_KIND_GET_LOCK: return "get_lock";
	case AURMIG_LOCK_KIND_ADVISORY: return "advisory";
	case AURMIG_LOCK_KIND_LEASE: return "lease";
	default: return "unknown";
	}
}

static const struct { int field; const char *key; const char *label; int num; } lock_fields[] = {
	{ AURMIG_LOCKINFO_OWNER, "owner", "owner", 0 },
	{ AURMIG_LOCKINFO_HOST, "host", "host", 0 },
	{ AURMIG_LOCKINFO_PID, "pid", "pid", 1 },
	{ AURMIG_LOCKINFO_NODE, "node", "node", 0 },
	{ AURMIG_LOCKINFO_CONNECTION, "connection", "connection", 1 },
	{ AURMIG_LOCKINFO_USER, "user", "user", 0 },
	{ AURMIG_LOCKINFO_ACQUIRED_AT, "acquired_at", "acquired", 0 },
	{ AURMIG_LOCKINFO_HEARTBEAT_AT, "heartbeat_at", "heartbeat", 0 },
	{ AURMIG_LOCKINFO_EXPIRES_AT, "expires_at", "expires", 0 },
};

static json_t *lock_json(const aurmig_lock_info *li)
{
	json_t *o = json_object(), *h = json_object();
	const char *name = aurmig_lock_info_field(li, AURMIG_LOCKINFO_NAME);

	json_object_set_new(o, "kind", json_string(lock_kind_name(aurmig_lock_info_kind(li))));
	json_object_set_new(o, "name", name ? json_string(name) : json_null());
	json_object_set_new(o, "held", json_boolean(aurmig_lock_info_held(li)));
	json_object_set_new(o, "expired", json_boolean(aurmig_lock_info_expired(li)));
	for (size_t i = 0; i < sizeof(lock_fields) / sizeof(lock_fields[0]); i++) {
		const char *v = aurmig_lock_info_field(li, lock_fields[i].field);
		if (v)
			json_object_set_new(h, lock_fields[i].key, lock_fields[i].num ?
				json_integer((json_int_t)strtoll(v, NULL, 10)) : json_string(v));
	}
	if (aurmig_lock_info_held(li) || aurmig_lock_info_expired(li))
		json_object_set_new(o, "holder", h);
	else {
		json_decref(h);
		json_object_set_new(o, "holder", json_null());
	}
	return o;
}

static void lock_text(const aurmig_lock_info *li, const char *url)
{
	const char *name = aurmig_lock_info_field(li, AURMIG_LOCKINFO_NAME);
	int held = aurmig_lock_info_held(li), expired = aurmig_lock_info_expired(li);

	printf("Deploy lock on %s: %s%s%s\n", url, lock_kind_name(aurmig_lock_info_kind(li)),
		name ? " " : "", name ? name : "");
	printf("  state: %s\n", held ? "held" : expired ? "expired (its run stopped renewing it)" : "free");
	if (!held && !expired)
		return;
	for (size_t i = 0; i < sizeof(lock_fields) / sizeof(lock_fields[0]); i++) {
		const char *v = aurmig_lock_info_field(li, lock_fields[i].field);
		if (v) {
			printf("  %s: ", lock_fields[i].label);
			out_text(stdout, v, 0);
			printf("\n");
		}
	}
}

int cmd_lock(cli *c, int argc, char **argv)
{
	aurmig_lock_info *li = NULL;
	int rc, code, brk = 0, force = 0;

	c->open_existing = 1;   /* never create an SQLite file */
	for (int i = 1; i < argc; i++) {
		int w = cli_wait_option(c, argc, argv, &i, 1, 0);
		if (w < 0)
			return EXIT_USAGE;
		if (w)
			continue;
		if (opt_flag(argc, argv, &i, NULL, "--break"))
			brk = 1;
		else if (opt_flag(argc, argv, &i, NULL, "--force"))
			force = 1;
		else
			return bad_usage(argv[0], "takes [--break [--force]] [--timeout SECONDS]");
	}
	if (force && !brk)
		return bad_usage(argv[0], "--force goes with --break");
	c->read_only = 1;   /* the wait bound applies; a break is one owner-checked statement */
	if ((code = cli_connect(c)))
		return code;
	rc = brk ? aurmig_lock_break(c->conn, force, &li) : aurmig_lock_info_new(&li, c->conn);
	if (rc)
		return cli_fail(c, rc);
	if (c->json) {
		json_t *o = lock_json(li);
		json_object_set_new(o, "url", json_string(aurmig_conn_display_url(c->conn)));
		if (brk)
			json_object_set_new(o, "broken", json_boolean(aurmig_lock_info_held(li) ||
				aurmig_lock_info_expired(li)));
		aurmig_lock_info_free(li);
		return jout_print(o);
	}
	if (brk && !aurmig_lock_info_held(li) && !aurmig_lock_info_expired(li)) {
		if (!c->quiet)
			printf("The deploy lock on %s is free: nothing to break.\n", aurmig_conn_display_url(c->conn));
	} else if (brk) {
		if (!c->quiet) {
			printf("Broke the deploy lock; it was held by:\n");
			lock_text(li, aurmig_conn_display_url(c->conn));
		}
	} else if (!c->quiet)
		lock_text(li, aurmig_conn_display_url(c->conn));
	aurmig_lock_info_free(li);
	return EXIT_OK;
}
