/* SPDX-License-Identifier: GPL-2.0-or-later */
/* aurmig: global options, connection and dispatch. */
#include <stdlib.h>
#include <string.h>
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
	const aurmig_error *e = aurmig_error_last(c->ctx);
	int code;

	switch (rc) {
	case AURMIG_EUNKNOWNREV: code = EXIT_UNKNOWN_REVISION; break;
	case AURMIG_ELOCKED: code = EXIT_LOCKED; break;
	case AURMIG_ERECOVERY: code = EXIT_NEEDS_RECOVERY; break;
	case AURMIG_EDRIFT: code = EXIT_DRIFT; break;
	case AURMIG_EINPROGRESS: code = EXIT_IN_PROGRESS; break;
	case AURMIG_EASSERT: code = EXIT_ASSERT; break;
	default: code = EXIT_ERROR; break;
	}
	fprintf(stderr, "aurmig: %serror:%s ", c->color ? "\033[1;31m" : "", c->color ? "\033[0m" : "");
	out_line(stderr, "", e && e->message && *e->message ? e->message : aurmig_error_str(rc), 1);
	if (e && e->statement)
		out_line(stderr, "  statement: ", e->statement, 1);
	if (c->json)
		jout_error(c, rc, code);
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

static const struct verb {
	const char *name;
	int (*fn)(cli *, int, char **);
} verbs[] = {
	{ "upgrade", cmd_upgrade },
	{ "downgrade", cmd_downgrade },
	{ "stamp", cmd_stamp },
	{ "current", cmd_current },
	{ "check", cmd_check },
	{ "heads", cmd_heads },
	{ "branches", cmd_branches },
	{ "history", cmd_history },
	{ "show", cmd_show },
	{ "validate", cmd_validate },
	{ "resume", cmd_recover },
	{ "mark-applied", cmd_recover },
	{ "mark-rolled-back", cmd_recover },
	{ "init", cmd_init },
	{ "config-stamp", cmd_config_stamp },
	{ "revision", cmd_revision },
	{ "merge", cmd_revision },
	{ "schema", cmd_schema },
	{ "lint", cmd_lint },
	{ "test", cmd_test },
	{ "hash", cmd_hash },
	{ "lock", cmd_lock },
};

static void log_to_stderr(void *payload, int level, const char *message)
{
	const cli *c = payload;
	int warn = level <= AURMIG_LOG_WARNING;

	fprintf(stderr, "aurmig: %s%s%s", warn && c->color ? "\033[1;33m" : "", warn ? "warning:" : "",
		warn && c->color ? "\033[0m " : warn ? " " : "");
	out_line(stderr, "", message, 1);
}

int main(int argc, char **argv)
{
	cli c = { 0 };
	int i, code = EXIT_USAGE;

	c.dir = "migrations";
	c.lock_timeout_ms = 60000;
	c.timeout_ms = 5000;
	c.ddl_lock_wait_ms = 10000;
	c.lock_retries = 3;
	c.warn_blocking_ms = 1000;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *lt = NULL, *hk = NULL, *cfg = NULL;
		if (opt_value(argc, argv, &i, NULL, "--hook", &hk)) {
			int e = cli_add_hook(&c, hk);
			if (e)
				return e;
			continue;
		}
		if (opt_value(argc, argv, &i, NULL, "--config", &cfg)) {
			int e = cli_read_config(&c, cfg);
			if (e)
				return e;
			c.config_read = 1;
			c.config_path = cfg;
			continue;
		}
		{
			int w = cli_wait_option(&c, argc, argv, &i, 1, 1);
			if (w < 0)
				return EXIT_USAGE;
			if (w)
				continue;
		}
		if (opt_value(argc, argv, &i, NULL, "--lock-lease", &lt)) {
			char *end;
			long secs = strtol(lt, &end, 10);
			if (*lt == '\0' || *end != '\0' || secs < 1 || secs > 86400) {
				fprintf(stderr, "aurmig: --lock-lease takes whole seconds (1 to 86400), not '%s'\n", lt);
				return EXIT_USAGE;
			}
			c.lock_lease_s = secs;
			continue;
		}
		if (opt_value(argc, argv, &i, NULL, "--lock-mode", &lt)) {
			if (!strcmp(lt, "auto"))
				c.lock_mode = AURMIG_LOCK_AUTO;
			else if (!strcmp(lt, "session"))
				c.lock_mode = AURMIG_LOCK_SESSION;
			else if (!strcmp(lt, "lease"))
				c.lock_mode = AURMIG_LOCK_LEASE;
			else {
				fprintf(stderr, "aurmig: --lock-mode takes auto, session or lease, not '%s'\n", lt);
				return EXIT_USAGE;
			}
			continue;
		}
		if (opt_value(argc, argv, &i, NULL, "--lock-timeout", &lt)) {
			char *end;
			double secs = strtod(lt, &end);
			if (*lt == '\0' || *end != '\0' || secs < 0 || secs > 86400 * 7) {
				fprintf(stderr, "aurmig: --lock-timeout takes seconds (0 to 604800), not '%s'\n", lt);
				return EXIT_USAGE;
			}
			c.lock_timeout_ms = (long)(secs * 1000);
			continue;
		}
		if (opt_value(argc, argv, &i, NULL, "--url", &c.url) ||
		    opt_value(argc, argv, &i, NULL, "--aurweb-config", &c.aurweb_config) ||
		    opt_value(argc, argv, &i, "-d", "--dir", &c.dir) ||
		    opt_value(argc, argv, &i, NULL, "--version-table", &c.version_table) ||
		    opt_value(argc, argv, &i, NULL, "--config-file", &c.config_file))
			continue;
		if (opt_flag(argc, argv, &i, "-q", "--quiet"))
			c.quiet = 1;
		else if (opt_flag(argc, argv, &i, NULL, "--allow-non-toi"))
			c.allow_non_toi = 1;
		else if (opt_flag(argc, argv, &i, NULL, "--json"))
			c.json = 1;
		else if (opt_flag(argc, argv, &i, "-v", "--verbose"))
			c.verbose++;
		else if (opt_flag(argc, argv, &i, NULL, "--no-color"))
			setenv("NO_COLOR", "1", 1);
		else if (opt_flag(argc, argv, &i, NULL, "--no-sum-check"))
			c.no_sum_check = 1;
		else if (opt_flag(argc, argv, &i, "-h", "--help")) {
			out_help(stdout, NULL);
			return EXIT_OK;
		} else if (opt_flag(argc, argv, &i, NULL, "--version")) {
			printf("aurmig %s\n", aurmig_version_string());
			return EXIT_OK;
		} else {
			fprintf(stderr, "aurmig: unknown option '%s' (see aurmig --help)\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		out_help(stderr, NULL);
		return EXIT_USAGE;
	}
#ifdef __linux__
	/* The password is in this process from here on (--url, AURMIG_URL, the
	 * aurweb configuration file, the client libraries' copies): no core
	 * dump, and no ptrace or /proc/PID/{environ,mem} for other processes of
	 * the same user. Hooks are unaffected (exec makes them dumpable again). */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
	cli_default_config_file(&c);
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 < argc && out_help(stdout, argv[i + 1]) != 0) {
			fprintf(stderr, "aurmig: unknown command '%s'\n", argv[i + 1]);
			return EXIT_USAGE;
		}
		if (i + 1 >= argc)
			out_help(stdout, NULL);
		return EXIT_OK;
	}
	for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++) {
		if (strcmp(argv[i], verbs[k].name) != 0)
			continue;
		for (int j = i + 1; j < argc; j++)
			if (strcmp(argv[j], "-h") == 0 || strcmp(argv[j], "--help") == 0) {
				out_help(stdout, verbs[k].name);
				return EXIT_OK;
			}
		if (aurmig_context_new(&c.ctx) != AURMIG_OK) {
			fprintf(stderr, "aurmig: out of memory\n");
			return EXIT_ERROR;
		}
		{
			const char *nc = getenv("NO_COLOR");
			c.color = isatty(STDERR_FILENO) && !(nc && *nc);
		}
		aurmig_context_set_log(c.ctx, log_to_stderr, &c,
			c.quiet ? AURMIG_LOG_ERROR : c.verbose ? AURMIG_LOG_DEBUG : AURMIG_LOG_WARNING);
		if (!c.config_read && getenv("AURMIG_CONFIG") && *getenv("AURMIG_CONFIG") &&
		    (code = cli_read_config(&c, getenv("AURMIG_CONFIG"))))
			return code;
		if (!c.config_read && getenv("AURMIG_CONFIG") && *getenv("AURMIG_CONFIG"))
			c.config_path = getenv("AURMIG_CONFIG");
		if ((code = cli_register_hooks(&c))) {
			aurmig_context_free(c.ctx);
			cli_free_hooks();
			return code;
		}
		code = verbs[k].fn(&c, argc - i, argv + i);
		cli_free_hooks();
		aurmig_conn_free(c.conn);
		aurmig_graph_free(c.graph);
		aurmig_context_free(c.ctx);
		return code;
	}
	fprintf(stderr, "aurmig: unknown command '%s' (see aurmig --help)\n", argv[i]);
	return EXIT_USAGE;
}
