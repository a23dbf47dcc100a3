/* SPDX-License-Identifier: GPL-2.0-or-later */
/* aurmig: global options, connection and dispatch. */
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "cli.h"

int opt_flag(int argc, char **argv, int *i, const char *shortf, const char *longf)
{
	(void)argc;
	if ((shortf && strcmp(argv[*i], shortf) == 0) || (longf && strcmp(argv[*i], longf) == 0))
		return 1;
	return 0;
}

int opt_value(int argc, char **argv, int *i, const char *shortf, const char *longf, const char **val)
{
	size_t n = longf ? strlen(longf) : 0;

	if (longf && strncmp(argv[*i], longf, n) == 0 && argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	if (shortf && strncmp(argv[*i], shortf, 2) == 0 && argv[*i][2]) {
		*val = argv[*i] + 2;
		return 1;
	}
	if ((shortf && strcmp(argv[*i], shortf) == 0) || (longf && strcmp(argv[*i], longf) == 0)) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "aurmig: option %s needs a value\n", argv[*i]);
			exit(EXIT_USAGE);
		}
		*val = argv[++*i];
		return 1;
	}
	return 0;
}

int cli_seconds(const char *opt, const char *v, long *ms_out)
{
	char *end;
	double secs = strtod(v, &end);

	if (*v == '\0' || *end != '\0' || !(secs >= 0) || secs > 86400 * 7) {
		fprintf(stderr, "aurmig: %s takes seconds (0 to 604800), not '%s'\n", opt, v);
		return -1;
	}
	*ms_out = (long)(secs * 1000 + 0.5);
	return 0;
}

int cli_wait_option(cli *c, int argc, char **argv, int *i, int reads, int writes)
{
	const char *v = NULL;

	if (reads && opt_value(argc, argv, i, NULL, "--timeout", &v))
		return cli_seconds("--timeout", v, &c->timeout_ms) ? -1 : 1;
	if (writes && opt_value(argc, argv, i, NULL, "--ddl-lock-wait", &v))
		return cli_seconds("--ddl-lock-wait", v, &c->ddl_lock_wait_ms) ? -1 : 1;
	if (writes && opt_value(argc, argv, i, NULL, "--lock-retries", &v)) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n < 0 || n > 100) {
			fprintf(stderr, "aurmig: --lock-retries takes a count (0 to 100), not '%s'\n", v);
			return -1;
		}
		c->lock_retries = (int)n;
		return 1;
	}
	return 0;
}

int cli_fail(cli *c, int rc)
{
	int code = cli_fail_doc(c, rc);

	if (c->json)
		jout_error(c, rc, code);
	return code;
}

int cli_fail_doc(cli *c, int rc)
{
	const aurmig_error *e = aurmig_error_last(c->ctx);
	int code;

	/* the library's table of codes says which exit code each has */
	if (!(code = aurmig_error_exit_code(rc)))
		code = EXIT_ERROR;
	fprintf(stderr, "aurmig: %serror:%s ", c->color ? "\033[1;31m" : "", c->color ? "\033[0m" : "");
	out_line(stderr, "", e && e->message && *e->message ? e->message : aurmig_error_str(rc), 1);
	if (e && e->statement)
		out_line(stderr, "  statement: ", e->statement, 1);
	return code;
}

int cli_load_graph(cli *c)
{
	int rc;

	if (c->graph)
		return EXIT_OK;
	rc = aurmig_graph_load(&c->graph, c->ctx, c->dir);
	/* DIR/aurmig.sum, when there is one, before any database is touched */
	if (!rc && !c->no_sum_check)
		rc = aurmig_graph_sum_check(NULL, c->graph);
	return rc ? cli_fail(c, rc) : EXIT_OK;
}

/* aurweb's config is also the file config steps edit, unless --config-file
 * names another one. */
void cli_default_config_file(cli *c)
{
	if (!c->config_file && c->aurweb_config) {
		c->config_file = c->aurweb_config;
		c->config_file_default = 1;
	}
}

int cli_connect(cli *c)
{
	int rc;
	const char *env;

	if (c->conn)
		return EXIT_OK;
	if (!c->url && !c->aurweb_config) {
		if ((env = getenv("AURMIG_URL")) && *env)
			c->url = env;
		else if ((env = getenv("AUR_CONFIG")) && *env)
			c->aurweb_config = env;
	}
	cli_default_config_file(c);
	if (c->url)
		rc = aurmig_conn_open_flags(&c->conn, c->ctx, c->url, c->open_existing ? AURMIG_OPEN_EXISTING : 0);
	else if (c->aurweb_config)
		rc = aurmig_conn_open_aurweb_config_flags(&c->conn, c->ctx, c->aurweb_config,
			c->open_existing ? AURMIG_OPEN_EXISTING : 0);
	else {
		fprintf(stderr, "aurmig: no database given: use --url, --aurweb-config, "
			"or set AURMIG_URL or AUR_CONFIG\n");
		return EXIT_USAGE;
	}
	if (!rc && c->version_table)
		rc = aurmig_conn_set_version_table(c->conn, c->version_table);
	if (!rc && (c->lock_mode || c->lock_lease_s || c->allow_non_toi))
		rc = aurmig_conn_set_cluster(c->conn, c->lock_mode, c->lock_lease_s, c->allow_non_toi);
	if (!rc && c->read_only && c->timeout_ms > 0)
		rc = aurmig_conn_set_timeout(c->conn, c->timeout_ms);
	return rc ? cli_fail(c, rc) : EXIT_OK;
}

static void log_to_stderr(void *payload, int level, const char *message)
{
	const cli *c = payload;
	int warn = level <= AURMIG_LOG_WARNING;

	fprintf(stderr, "aurmig: %s%s%s", warn && c->color ? "\033[1;33m" : "", warn ? "warning:" : "",
		warn && c->color ? "\033[0m " : warn ? " " : "");
	out_line(stderr, "", message, 1);
}


/* The verb, with its context, hooks and configuration. */
static int run_verb(cli *c, const cli_command *cmd, int argc, char **argv)
{
	const char *nc = getenv("NO_COLOR"), *cfg = getenv("AURMIG_CONFIG");
	int code;

#ifdef __linux__
	/* The password is in this process from here on (--url, AURMIG_URL, the
	 * aurweb configuration file, the client libraries' copies): no core
	 * dump, and no ptrace or /proc/PID/{environ,mem} for other processes of
	 * the same user. Hooks are unaffected (exec makes them dumpable again). */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
	cli_default_config_file(c);
	if (aurmig_context_new(&c->ctx) != AURMIG_OK) {
		fprintf(stderr, "aurmig: out of memory\n");
		return EXIT_ERROR;
	}
	c->color = isatty(STDERR_FILENO) && !(nc && *nc);
	aurmig_context_set_log(c->ctx, log_to_stderr, c,
		c->quiet ? AURMIG_LOG_ERROR : c->verbose ? AURMIG_LOG_DEBUG : AURMIG_LOG_WARNING);
	if (!c->config_read && cfg && *cfg) {
		if ((code = cli_read_config(c, cfg)))
			goto done;
		c->config_path = cfg;
	}
	if ((code = cli_register_hooks(c)))
		goto done;
	code = cmd->fn(c, argc, argv);
done:
	cli_free_hooks();
	aurmig_conn_free(c->conn);
	aurmig_graph_free(c->graph);
	aurmig_context_free(c->ctx);
	c->conn = NULL;
	c->graph = NULL;
	c->ctx = NULL;
	return code;
}

/* ---- the command line (getopt_long over the table in commands.c) ---- */

/* Levenshtein distance, for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b), prev[64], cur[64];

	if (na >= 63 || nb >= 63)
		return 99;
	for (size_t j = 0; j <= nb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= na; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1, sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			cur[j] = del < ins ? (del < sub ? del : sub) : (ins < sub ? ins : sub);
		}
		memcpy(prev, cur, sizeof(prev));
	}
	return prev[nb];
}

/* The nearest name (distance at most 2, and less than half its length). */
static const char *nearest(const char *word, const char *(*name_at)(size_t), size_t n)
{
	const char *best = NULL;
	size_t bd = 3;

	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, name_at(i));
		if (d < bd && d * 2 < strlen(name_at(i))) {
			bd = d;
			best = name_at(i);
		}
	}
	return best;
}

static const char *command_name_at(size_t i) { return cli_commands[i].name; }
static const char *option_name_at(size_t i) { return cli_options[i].name; }

static int usage_error(const char *verb, const char *what, const char *quoted, const char *hint)
{
	fprintf(stderr, "aurmig%s%s: %s '%s'%s%s%s (see aurmig %s%s--help)\n", verb ? " " : "", verb ? verb : "",
		what, quoted, hint ? ": did you mean '" : "", hint ? hint : "", hint ? "'?" : "", verb ? verb : "",
		verb ? " " : "");
	return EXIT_USAGE;
}

/* The first row of each option name: its index is the getopt value. */
static int first_row(size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (strcmp(cli_options[k].name, cli_options[i].name) == 0)
			return 0;
	return 1;
}

static int row_by_short(int ch)
{
	for (size_t i = 0; i < cli_noptions; i++)
		if (cli_options[i].short_name == ch)
			return (int)i;
	return -1;
}

/* A long option by exact name or unique prefix (as getopt_long matches). */
static int row_by_long(const char *text, size_t n)
{
	int hit = -1, hits = 0;

	for (size_t i = 0; i < cli_noptions; i++) {
		if (!first_row(i) || strncmp(cli_options[i].name, text, n) != 0)
			continue;
		if (strlen(cli_options[i].name) == n)
			return (int)i;
		hit = (int)i;
		hits++;
	}
	return hits == 1 ? hit : -1;
}

/* The row of option `name` that `verb` takes, or -1. */
static int row_for_verb(const char *name, const char *verb)
{
	for (size_t i = 0; i < cli_noptions; i++)
		if (strcmp(cli_options[i].name, name) == 0 && cli_option_of(&cli_options[i], verb))
			return (int)i;
	return -1;
}

/* The verb's own (not global) row of option `name`: 1 and *row when there is one. */
static int verb_row(const char *name, const char *verb, int *row)
{
	for (size_t i = 0; i < cli_noptions; i++)
		if (cli_options[i].verbs && strcmp(cli_options[i].name, name) == 0 && cli_option_of(&cli_options[i], verb)) {
			*row = (int)i;
			return 1;
		}
	return 0;
}

static int apply_global(cli *c, int g, const char *v)
{
	char *end;
	int e;

	switch (g) {
	case CLI_G_URL: c->url = v; break;
	case CLI_G_AURWEB_CONFIG: c->aurweb_config = v; break;
	case CLI_G_DIR: c->dir = v; break;
	case CLI_G_VERSION_TABLE: c->version_table = v; break;
	case CLI_G_CONFIG_FILE: c->config_file = v; break;
	case CLI_G_HOOK:
		return cli_add_hook(c, v);
	case CLI_G_CONFIG:
		if ((e = cli_read_config(c, v)))
			return e;
		c->config_read = 1;
		c->config_path = v;
		break;
	case CLI_G_TIMEOUT:
		return cli_seconds("--timeout", v, &c->timeout_ms) ? EXIT_USAGE : EXIT_OK;
	case CLI_G_DDL_LOCK_WAIT:
		return cli_seconds("--ddl-lock-wait", v, &c->ddl_lock_wait_ms) ? EXIT_USAGE : EXIT_OK;
	case CLI_G_LOCK_RETRIES: {
		long n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n < 0 || n > 100) {
			fprintf(stderr, "aurmig: --lock-retries takes a count (0 to 100), not '%s'\n", v);
			return EXIT_USAGE;
		}
		c->lock_retries = (int)n;
		break;
	}
	case CLI_G_LOCK_LEASE: {
		long secs = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || secs < 1 || secs > 86400) {
			fprintf(stderr, "aurmig: --lock-lease takes whole seconds (1 to 86400), not '%s'\n", v);
			return EXIT_USAGE;
		}
		c->lock_lease_s = secs;
		break;
	}
	case CLI_G_LOCK_MODE:
		if (!strcmp(v, "auto"))
			c->lock_mode = AURMIG_LOCK_AUTO;
		else if (!strcmp(v, "session"))
			c->lock_mode = AURMIG_LOCK_SESSION;
		else if (!strcmp(v, "lease"))
			c->lock_mode = AURMIG_LOCK_LEASE;
		else {
			fprintf(stderr, "aurmig: --lock-mode takes auto, session or lease, not '%s'\n", v);
			return EXIT_USAGE;
		}
		break;
	case CLI_G_LOCK_TIMEOUT: {
		double secs = strtod(v, &end);
		if (*v == '\0' || *end != '\0' || !(secs >= 0) || secs > 86400 * 7) {
			fprintf(stderr, "aurmig: --lock-timeout takes seconds (0 to 604800), not '%s'\n", v);
			return EXIT_USAGE;
		}
		c->lock_timeout_ms = (long)(secs * 1000);
		break;
	}
	case CLI_G_ALLOW_NON_TOI: c->allow_non_toi = 1; break;
	case CLI_G_JSON: c->json = 1; break;
	case CLI_G_NO_COLOR: setenv("NO_COLOR", "1", 1); break;
	case CLI_G_NO_SUM_CHECK: c->no_sum_check = 1; break;
	case CLI_G_QUIET: c->quiet = 1; break;
	case CLI_G_VERBOSE: c->verbose++; break;
	default: break;   /* --help, --version: main() */
	}
	return EXIT_OK;
}

typedef struct item {
	int row;          /* option row, or -1: a positional argument */
	const char *val;  /* the option's value, or the argument */
} item;

/*
 * Parse the whole command line: global options anywhere, bundled short
 * options, --opt=value, "--", abbreviations; "-N" (a relative revision) is
 * an argument. Fills items in order; EXIT_OK or a printed usage error.
 */
static int parse(int argc, char **argv, item *items, size_t *nitems)
{
	struct option *lo = calloc(cli_noptions + 1, sizeof(*lo));
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	char shorts[128] = "-:";
	size_t ns = 2, n = 0;
	int code = EXIT_OK, ch, li;

	if (!lo || !args) {
		free(lo);
		free(args);
		fprintf(stderr, "aurmig: out of memory\n");
		return EXIT_ERROR;
	}
	for (size_t i = 0, k = 0; i < cli_noptions; i++) {
		const cli_option *o = &cli_options[i];
		if (!first_row(i))
			continue;
		lo[k].name = o->name;
		lo[k].has_arg = o->arg ? required_argument : no_argument;
		lo[k].val = 1000 + (int)i;
		k++;
		if (o->short_name && ns + 3 < sizeof(shorts)) {
			shorts[ns++] = (char)o->short_name;
			if (o->arg)
				shorts[ns++] = ':';
		}
	}
	shorts[ns] = '\0';
	/* "-1", "-2:" are arguments (relative revisions, ranges), not options:
	 * getopt sees them without the dash, and gets them back below */
	memcpy(args, argv, (size_t)argc * sizeof(*args));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r;
		if (!strcmp(a, "--"))
			break;
		if (a[0] == '-' && a[1] >= '0' && a[1] <= '9') {
			args[i] = argv[i] + 1;
			continue;
		}
		if (a[0] == '-' && a[1] == '-') {
			size_t len = strcspn(a + 2, "=");
			if (!a[2 + len] && (r = row_by_long(a + 2, len)) >= 0 && cli_options[r].arg)
				i++;
			continue;
		}
		if (a[0] == '-')
			for (size_t j = 1; a[j]; j++)
				if ((r = row_by_short(a[j])) >= 0 && cli_options[r].arg) {
					if (!a[j + 1])
						i++;
					break;
				}
	}
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, args, shorts, lo, &li)) != -1) {
		if (ch == 1) {
			const char *v = optarg;
			for (int i = 1; i < argc; i++)
				if (args[i] == optarg && args[i] != argv[i])
					v = argv[i];
			items[n].row = -1;
			items[n++].val = v;
		} else if (ch >= 1000) {
			items[n].row = ch - 1000;
			items[n++].val = optarg;
		} else if (ch != ':' && ch != '?' && row_by_short(ch) >= 0) {
			items[n].row = row_by_short(ch);
			items[n++].val = optarg;
		} else if (ch == ':') {
			char name[80];
			if (optopt >= 1000)
				snprintf(name, sizeof(name), "--%s", cli_options[optopt - 1000].name);
			else
				snprintf(name, sizeof(name), "-%c", optopt);
			fprintf(stderr, "aurmig: option '%s' needs a value (%s)\n", name,
				optopt >= 1000 ? cli_options[optopt - 1000].arg : cli_options[row_by_short(optopt)].arg);
			code = EXIT_USAGE;
			break;
		} else if (ch == '?' && optopt >= 1000) {
			fprintf(stderr, "aurmig: option '--%s' takes no value\n", cli_options[optopt - 1000].name);
			code = EXIT_USAGE;
			break;
		} else if (ch == '?' && optopt) {
			char opt[3] = { '-', (char)optopt, 0 };
			code = usage_error(NULL, "unknown option", opt, NULL);
			break;
		} else if (ch == '?') {
			const char *a = args[optind - 1] + 2;
			char name[128];
			size_t len = strcspn(a, "="), hits = 0;
			snprintf(name, sizeof(name), "%.*s", (int)(len < 100 ? len : 100), a);
			for (size_t i = 0; i < cli_noptions; i++)
				hits += first_row(i) && strncmp(cli_options[i].name, name, len) == 0;
			if (hits > 1 && len) {
				fprintf(stderr, "aurmig: option '--%s' is ambiguous:", name);
				for (size_t i = 0; i < cli_noptions; i++)
					if (first_row(i) && strncmp(cli_options[i].name, name, len) == 0)
						fprintf(stderr, " --%s", cli_options[i].name);
				fprintf(stderr, "\n");
				code = EXIT_USAGE;
			} else {
				const char *near = nearest(name, option_name_at, cli_noptions);
				char full[140], hint[80];
				snprintf(full, sizeof(full), "--%s", name);
				if (near)
					snprintf(hint, sizeof(hint), "--%s", near);
				code = usage_error(NULL, "unknown option", full, near ? hint : NULL);
			}
			break;
		}
	}
	if (code == EXIT_OK)
		for (int i = optind; i < argc; i++) {
			items[n].row = -1;
			items[n++].val = argv[i];
		}
	*nitems = n;
	free(lo);
	free(args);
	return code;
}

static int run_help(cli *c, const char *verb)
{
	if (verb && !cli_command_find(verb)) {
		const char *near = nearest(verb, command_name_at, cli_ncommands);
		return usage_error(NULL, "unknown command", verb, near);
	}
	if (c->json)
		return jout_print(cli_table_json());
	out_help(stdout, verb);
	return EXIT_OK;
}

static int run(cli *c, int argc, char **argv)
{
	item *items = calloc((size_t)argc + 1, sizeof(*items));
	char **vargv = calloc((size_t)argc * 2 + 2, sizeof(*vargv));
	const cli_command *cmd = NULL;
	const char *verb = NULL, *help_verb = NULL;
	size_t n = 0, nv = 0;
	int code, help = 0, version = 0, sub_done = 0;

	if (!items || !vargv) {
		free(items);
		free(vargv);
		fprintf(stderr, "aurmig: out of memory\n");
		return EXIT_ERROR;
	}
	if ((code = parse(argc, argv, items, &n)))
		goto done;
	c->json = 0;   /* main() guessed from the words; now the options say ("-m --json" is a message) */
	for (size_t i = 0; i < n; i++)
		if (items[i].row < 0 && !verb)
			verb = items[i].val;
	/* after the verb, a verb's own row of an option name wins over the
	 * global one (heads -v: the verbose listing, not the debug log) */
	for (size_t i = 0, after = 0; i < n; i++) {
		int r;
		after |= items[i].row < 0;
		if (after && items[i].row >= 0 && verb && !cli_options[items[i].row].verbs &&
		    verb_row(cli_options[items[i].row].name, verb, &r))
			items[i].row = r;
	}
	/* the global options, in the order given */
	for (size_t i = 0; i < n; i++) {
		const cli_option *o = items[i].row >= 0 ? &cli_options[items[i].row] : NULL;
		if (!o || o->verbs)
			continue;
		help |= o->global == CLI_G_HELP;
		version |= o->global == CLI_G_VERSION;
		if ((code = apply_global(c, o->global, items[i].val)))
			goto done;
	}
	if (version && !help) {
		if (c->json) {
			json_t *o = json_object();
			json_object_set_new(o, "version", json_string(aurmig_version_string()));
			code = jout_print(o);
		} else {
			printf("aurmig %s\n", aurmig_version_string());
		}
		goto done;
	}
	if (verb && !(cmd = cli_command_find(verb))) {
		const char *near = nearest(verb, command_name_at, cli_ncommands);
		code = usage_error(NULL, "unknown command", verb, near);
		goto done;
	}
	if (help || !verb || !cmd->fn) {
		if (cmd && !cmd->fn)   /* aurmig help [VERB] */
			for (size_t i = 0, seen = 0; i < n; i++)
				if (items[i].row < 0 && seen++ == 1)
					help_verb = items[i].val;
		if (!verb && !help) {
			out_help(stderr, NULL);
			code = EXIT_USAGE;
			goto done;
		}
		code = run_help(c, help_verb ? help_verb : cmd && cmd->fn ? verb : NULL);
		goto done;
	}
	/* the verb's own options, in the order given, as "--name" ["value"] */
	vargv[nv++] = (char *)verb;
	for (size_t i = 0, seen = 0; i < n; i++) {
		const cli_option *o;
		if (items[i].row < 0) {
			if (seen++ == 0)
				continue;   /* the verb */
			if (cmd->subcommands && !sub_done) {
				/* the subcommand first: "schema --all dump" is "schema dump --all" */
				memmove(vargv + 2, vargv + 1, (nv - 1) * sizeof(*vargv));
				vargv[1] = (char *)items[i].val;
				nv++;
				sub_done = 1;
				continue;
			}
			vargv[nv++] = (char *)items[i].val;
			continue;
		}
		o = &cli_options[items[i].row];
		if (!o->verbs)
			continue;
		if (row_for_verb(o->name, verb) < 0) {
			char full[80];
			snprintf(full, sizeof(full), "--%s", o->name);
			code = usage_error(verb, "unknown option", full, NULL);
			goto done;
		}
		{
			char *opt = malloc(strlen(o->name) + 3);
			if (!opt) {
				code = EXIT_ERROR;
				goto done;
			}
			sprintf(opt, "--%s", o->name);
			vargv[nv++] = opt;   /* freed with the options below */
		}
		if (o->arg)
			vargv[nv++] = (char *)items[i].val;
	}
	c->verb = verb;
	code = run_verb(c, cmd, (int)nv, vargv);
done:
	for (size_t i = 1; i < nv; i++)
		if (vargv[i] && vargv[i][0] == '-' && vargv[i][1] == '-') {
			int mine = 1;
			for (int k = 0; k < argc; k++)
				mine &= vargv[i] != argv[k];
			if (mine)
				free(vargv[i]);
		}
	free(vargv);
	free(items);
	return code;
}

int main(int argc, char **argv)
{
	cli c = { 0 };
	int code;

	c.dir = "migrations";
	c.lock_timeout_ms = 60000;
	c.timeout_ms = 5000;
	c.ddl_lock_wait_ms = 10000;
	c.lock_retries = 3;
	c.warn_blocking_ms = 1000;
	/* --json anywhere: even a usage error is one JSON document */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			c.json = 1;
	if (c.json)
		jout_capture_stderr();
	code = run(&c, argc, argv);
	cli_free_hooks();   /* also those of a run that stopped before its verb */
	if (c.json)
		jout_finish(code);
	fflush(stdout);
	fflush(stderr);
	return code;
}
