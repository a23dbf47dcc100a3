/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aurmig lint (docs/lint.md): which revisions (arguments, --all, --pending,
 * --since, the configured baseline), the [lint] configuration, and the
 * report as text, JSON, gcc-style or GitHub annotations.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>


#include "cli.h"

const char cmd_lint_help[] =
	"usage: aurmig [global options] lint [SPEC|FILE]... [--all | --pending | --since REV]\n"
	"                                [--dialect sqlite|mysql|pgsql]... [--check-down]\n"
	"                                [--error CODES] [--warning CODES] [--info CODES]\n"
	"                                [--ignore CODES] [--werror] [--list-rules]\n"
	"                                [--server-version DIALECT:VERSION]... [--online]\n"
	"                                [--large-table NAME[=ROWS]]... [--large-table-rows N]\n"
	"                                [--probe --scratch-url URL] [--live [--live-timeout S]]\n"
	"                                [--format text|json|gcc|github|gitlab]\n\n"
	"Check migration scripts for statements that lose data, break the running\n"
	"release, fail on existing rows, lock a big table, or misuse transactions\n"
	"(rules and codes: docs/lint.md). Reads no database except for --pending.\n"
	"SPEC is a revision or a range START:END; FILE a script path. Without them:\n"
	"--pending when a database is given (--url, --aurweb-config, AURMIG_URL), else\n"
	"the revisions after [lint] baseline, else --all. Each dialect section is\n"
	"linted for its dialect; the common one for every --dialect (default: the\n"
	"database's with --pending, else [lint] dialects, else sqlite, mysql, pgsql).\n"
	"Suppress in a script with '-- aurmig:nolint CODES -- reason' above a statement\n"
	"(or in the header, for the file), or in [lint] as ignore.REV = CODES -- reason.\n"
	"Configuration: [lint] of DIR/lint.ini, then of --config. CODES are codes\n"
	"(D101) or classes (D). Exit 0 when no error-level finding (no warning either\n"
	"with --werror), 10 when there is one, 1 when a script cannot be read.\n"
	"--server-version mariadb:10.11|postgresql:15 lets rules that depend on it\n"
	"(INSTANT ADD/DROP COLUMN, DEFAULT rewrites) answer for that version.\n"
	"--large-table NAME[=ROWS] marks a big table: lock and rewrite findings (L) on\n"
	"it are errors, and UPDATE/DELETE of it in a transaction is L111; a marked table\n"
	"with fewer than --large-table-rows rows is not big. --online: the release keeps\n"
	"running during the deploy, so renames and blocking locks are errors, and an\n"
	"ALTER without ALGORITHM=/LOCK= is L103. --format gitlab writes GitLab's\n"
	"code-quality report (JSON). --probe --scratch-url mysql://... (an EMPTY\n"
	"MariaDB database) runs each revision on it, upgraded to the revision's parent,\n"
	"with ALGORITHM=INSTANT, NOCOPY, INPLACE, COPY forced, and reports what the\n"
	"server accepted (L112, L101) instead of the rules of thumb; it drops every\n"
	"table it made. A FILE is probed from the parent it names. With its own mysql\n"
	"or sqlite section, a revision also runs on a scratch SQLite file, and schemas\n"
	"that differ after it are X102. --live reads the target database (--url ...; read-only, all\n"
	"queries within --live-timeout, default 10 s): table sizes decide what is large\n"
	"(--large-table-rows, default 1M), and UNIQUE, NOT NULL, FOREIGN KEY, PRIMARY\n"
	"KEY and CHECK findings say how many rows would fail (error if any, info if none).\n";

enum { F_TEXT, F_JSON, F_GCC, F_GITHUB, F_GITLAB };

typedef struct lint_cfg {
	cli *c;
	aurmig_lint_options *opts;
	const char *path;
	int line;         /* of the key being read */
	char *baseline;
	char *dialects;   /* [lint] dialects, applied unless --dialect is given */
	int dialects_set;
	int live;         /* [lint] live = yes */
	long live_timeout_ms;   /* [lint] live-timeout; 0: the default */
	int failed;
} lint_cfg;

static int parse_severity(const char *name)
{
	if (!strcmp(name, "error"))
		return AURMIG_LINT_ERROR;
	if (!strcmp(name, "warning"))
		return AURMIG_LINT_WARNING;
	if (!strcmp(name, "info"))
		return AURMIG_LINT_INFO;
	if (!strcmp(name, "ignore"))
		return AURMIG_LINT_IGNORE;
	return -1;
}

/* A dialect to lint for: the library's names, not "portable" (-1: none). */
static int parse_dialect(const char *s, size_t n)
{
	char name[32];
	int d;

	if (n >= sizeof(name))
		return -1;
	memcpy(name, s, n);
	name[n] = '\0';
	d = aurmig_dialect_from_name(name);
	return d == AURMIG_DIALECT_ANY ? -1 : d;
}

static int add_dialects(lint_cfg *lc, const char *list, const char *where)
{
	const char *p = list;

	while (*p) {
		size_t n;
		int d;
		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (!n)
			break;
		if ((d = parse_dialect(p, n)) < 0) {
			fprintf(stderr, "aurmig: %s: unknown dialect '%.*s' (sqlite, mysql, pgsql)\n", where, (int)n, p);
			return EXIT_USAGE;
		}
		aurmig_lint_options_add_dialect(lc->opts, d);
		lc->dialects_set = 1;
		p += n;
	}
	return EXIT_OK;
}

/* ROWS: digits, with an optional k/M/G (thousands, millions, billions). */
static int parse_rows(const char *v, long long *out)
{
	char *end;
	long long n;

	if (!*v || *v < '0' || *v > '9')
		return -1;
	n = strtoll(v, &end, 10);
	if (*end == 'k' || *end == 'K')
		n *= 1000, end++;
	else if (*end == 'M')
		n *= 1000000, end++;
	else if (*end == 'G')
		n *= 1000000000, end++;
	if (*end || n < 0)
		return -1;
	*out = n;
	return 0;
}

/* NAME[=ROWS] */
static int add_large(aurmig_lint_options *o, const char *spec)
{
	const char *eq = strchr(spec, '=');
	long long rows = -1;
	char *name;
	int rc;

	if (eq && parse_rows(eq + 1, &rows))
		return AURMIG_EINVALID;
	if (!(name = strndup(spec, eq ? (size_t)(eq - spec) : strlen(spec))))
		return AURMIG_ENOMEM;
	rc = *name ? aurmig_lint_options_large_table(o, name, rows) : AURMIG_EINVALID;
	free(name);
	return rc;
}

/* one key of [lint]: 1 when taken, 0 on failure (after saying why, FILE:LINE) */
static int config_key(lint_cfg *lc, const char *section, const char *name, const char *value)
{
	int sev, rc = AURMIG_OK;

	if (strcmp(section, "lint") != 0)
		return 1;
	if (!strcmp(name, "baseline")) {
		free(lc->baseline);
		lc->baseline = strdup(value);
		return lc->baseline != NULL;
	}
	if (!strcmp(name, "dialects")) {
		free(lc->dialects);
		lc->dialects = strdup(value);
		return lc->dialects != NULL;
	}
	if (!strcmp(name, "live")) {
		lc->live = !strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1");
		return 1;
	}
	if (!strcmp(name, "live-timeout")) {
		if (cli_seconds("[lint] live-timeout", value, &lc->live_timeout_ms)) {
			lc->failed = 1;
			return 0;
		}
		return 1;
	}
	if (!strcmp(name, "online"))
		return aurmig_lint_options_set_online(lc->opts, !strcmp(value, "yes") || !strcmp(value, "true") ||
			!strcmp(value, "1")) == AURMIG_OK;
	if (!strcmp(name, "server-version") || !strcmp(name, "large-tables")) {
		/* a list, blanks or commas between */
		const char *p = value;
		int server = name[0] == 's';
		while (*p && !rc) {
			size_t n;
			char *w;
			p += strspn(p, " \t,");
			if (!(n = strcspn(p, " \t,")))
				break;
			if (!(w = strndup(p, n)))
				return 0;
			rc = server ? aurmig_lint_options_set_server_version(lc->opts, w) : add_large(lc->opts, w);
			free(w);
			p += n;
		}
	} else if (!strcmp(name, "large-table-rows")) {
		long long n;
		if (parse_rows(value, &n)) {
			fprintf(stderr, "aurmig: %s:%d: [lint] large-table-rows takes a number of rows, not '%s'\n", lc->path, lc->line, value);
			lc->failed = 1;
			return 0;
		}
		rc = aurmig_lint_options_set_large_rows(lc->opts, n);
	} else if (!strncmp(name, "name.", 5))
		rc = aurmig_lint_options_set_name_pattern(lc->opts, name + 5, value);
	else if (!strcmp(name, "check-down"))
		return aurmig_lint_options_set_check_down(lc->opts, !strcmp(value, "yes") || !strcmp(value, "true") ||
			!strcmp(value, "1")) == AURMIG_OK;
	else if ((sev = parse_severity(name)) >= 0)
		rc = aurmig_lint_options_set_severity(lc->opts, value, sev);
	else if (!strncmp(name, "ignore.", 7) && name[7]) {
		const char *dash = strstr(value, "--");
		size_t cn = dash ? (size_t)(dash - value) : strlen(value);
		char *codes;
		while (cn && (value[cn - 1] == ' ' || value[cn - 1] == '\t'))
			cn--;
		codes = strndup(value, cn);
		const char *reason = dash ? dash + 2 + strspn(dash + 2, " \t") : NULL;
		if (!codes)
			return 0;
		rc = aurmig_lint_options_ignore(lc->opts, name + 7, codes, reason);
		free(codes);
	} else {
		fprintf(stderr, "aurmig: %s:%d: unknown key '%s' in [lint] (see docs/lint.md)\n", lc->path, lc->line, name);
		lc->failed = 1;
		return 0;
	}
	if (rc && !strcmp(name, "large-tables")) {
		fprintf(stderr, "aurmig: %s:%d: [lint] large-tables: NAME[=ROWS] expected, not '%s'\n", lc->path, lc->line, value);
		lc->failed = 1;
		return 0;
	}
	if (rc) {
		fprintf(stderr, "aurmig: %s:%d: [lint] %s: %s\n", lc->path, lc->line, name, aurmig_error_last(lc->c->ctx)->message);
		lc->failed = 1;
		return 0;
	}
	return 1;
}

/* aurmig_ini_read's callback: 0 goes on */
static int config_entry(void *user, const char *section, const char *key, const char *value, int line)
{
	lint_cfg *lc = user;

	lc->line = line;
	return !config_key(lc, section, key, value);
}

static int read_config(lint_cfg *lc, const char *path, int must_exist)
{
	struct stat sb;
	int rc;

	if (!must_exist && stat(path, &sb) != 0)
		return EXIT_OK;
	lc->path = path;
	/* the library's INI reader: configparser's rules, as for aurweb's config */
	rc = aurmig_ini_read(lc->c->ctx, path, config_entry, lc);
	if (rc && rc != AURMIG_EUSER) {
		const aurmig_error *e = aurmig_error_last(lc->c->ctx);
		fprintf(stderr, "aurmig: lint configuration: %s\n", e && e->message ? e->message : aurmig_error_str(rc));
	}
	return rc || lc->failed ? EXIT_ERROR : EXIT_OK;
}

/* ---------------------------------------------------------------- selection */

typedef struct sel {
	unsigned char *pick;   /* per graph index */
	char **files;
	size_t nfiles;
} sel;

static size_t index_of(const aurmig_graph *g, const aurmig_migration *m)
{
	for (size_t i = 0; i < aurmig_graph_count(g); i++)
		if (aurmig_graph_at(g, i) == m)
			return i;
	return (size_t)-1;
}

static int pick_range(cli *c, sel *s, const char *range, const char *exclude)
{
	aurmig_revlist *l = NULL;
	int rc = aurmig_graph_history(&l, c->graph, range, NULL, 0);

	if (rc)
		return cli_fail(c, rc);
	for (size_t i = 0; i < aurmig_revlist_count(l); i++) {
		const aurmig_migration *m = aurmig_revlist_at(l, i);
		size_t k = index_of(c->graph, m);
		if (exclude && !strcmp(aurmig_migration_id(m), exclude))
			continue;
		if (k != (size_t)-1)
			s->pick[k] = 1;
	}
	aurmig_revlist_free(l);
	return EXIT_OK;
}

static int pick_pending(cli *c, sel *s, lint_cfg *lc)
{
	aurmig_status *st = NULL;
	int rc, code;

	if ((code = cli_connect(c)))
		return code;
	if ((rc = aurmig_status_from(&st, c->conn, c->graph)))
		return cli_fail(c, rc);
	for (size_t i = 0; i < aurmig_status_pending_count(st); i++) {
		const aurmig_migration *m = aurmig_graph_get(c->graph, aurmig_status_pending(st, i));
		size_t k = m ? index_of(c->graph, m) : (size_t)-1;
		if (k != (size_t)-1)
			s->pick[k] = 1;
	}
	aurmig_status_free(st);
	if (!lc->dialects_set)
		aurmig_lint_options_add_dialect(lc->opts, aurmig_conn_dialect(c->conn));
	return EXIT_OK;
}

/* ---------------------------------------------------------------- output */

static const char *sev_name(int s)
{
	return s == AURMIG_LINT_ERROR ? "error" : s == AURMIG_LINT_WARNING ? "warning" : "info";
}

/* GitHub workflow commands: %, CR, LF escaped (and : , in properties). */
static void gh_escape(FILE *f, const char *s, int property)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", f);
		else if (*s == '\r')
			fputs("%0D", f);
		else if (*s == '\n')
			fputs("%0A", f);
		else if (property && *s == ':')
			fputs("%3A", f);
		else if (property && *s == ',')
			fputs("%2C", f);
		else
			fputc(*s, f);
	}
}

static void print_finding(FILE *f, int format, const aurmig_lint_finding *x, int color)
{
	const char *code = aurmig_lint_finding_code(x), *file = aurmig_lint_finding_file(x);
	const char *dl = aurmig_lint_finding_dialects(x);
	int sev = aurmig_lint_finding_severity(x), line = aurmig_lint_finding_line(x);
	int col = aurmig_lint_finding_column(x);

	switch (format) {
	case F_GCC:
		fprintf(f, "%s:%d:%d: %s: %s%s%s%s [aurmig:%s]\n", file, line, col ? col : 1,
			sev == AURMIG_LINT_INFO ? "note" : sev_name(sev), *dl ? "[" : "", dl, *dl ? "] " : "",
			aurmig_lint_finding_message(x), code);
		break;
	case F_GITHUB:
		fprintf(f, "::%s file=", sev == AURMIG_LINT_ERROR ? "error" : sev == AURMIG_LINT_WARNING ? "warning" : "notice");
		gh_escape(f, file, 1);
		fprintf(f, ",line=%d", line ? line : 1);
		if (col)
			fprintf(f, ",col=%d", col);
		fprintf(f, ",title=aurmig %s::", code);
		if (*dl) {
			fputc('[', f);
			gh_escape(f, dl, 0);
			fputs("] ", f);
		}
		gh_escape(f, aurmig_lint_finding_message(x), 0);
		fputs(" (do instead: ", f);
		gh_escape(f, aurmig_lint_finding_hint(x), 0);
		fputs(")\n", f);
		break;
	default: {
		const char *on = !color ? "" : sev == AURMIG_LINT_ERROR ? "\033[1;31m" : sev == AURMIG_LINT_WARNING ?
			"\033[1;33m" : "\033[1;36m";
		fprintf(f, "%s:%d: %s%s%s: %s%s%s%s%s\n", file, line, on, sev_name(sev), color ? "\033[0m" : "", code,
			*dl ? " [" : "", dl, *dl ? "] " : " ", aurmig_lint_finding_message(x));
		if (*aurmig_lint_finding_statement(x))
			fprintf(f, "  statement: %s\n", aurmig_lint_finding_statement(x));
		fprintf(f, "  why: %s\n  good: %s\n", aurmig_lint_finding_why(x), aurmig_lint_finding_hint(x));
		if (aurmig_lint_finding_suppressed(x))
			fprintf(f, "  suppressed%s%s\n", aurmig_lint_finding_reason(x) ? ": " : "",
				aurmig_lint_finding_reason(x) ? aurmig_lint_finding_reason(x) : "");
	}
	}
}

static json_t *finding_json(const aurmig_lint_finding *x)
{
	json_t *o = json_object();
	const char *code = aurmig_lint_finding_code(x), *dl = aurmig_lint_finding_dialects(x);
	json_t *dialects = json_array();
	char cls[2] = { code[0], 0 };

	while (*dl) {
		size_t n = strcspn(dl, ",");
		json_array_append_new(dialects, json_stringn(dl, n));
		dl += n + (dl[n] == ',');
	}
	json_object_set_new(o, "code", json_string(code));
	json_object_set_new(o, "class", json_string(cls));
	json_object_set_new(o, "severity", json_string(sev_name(aurmig_lint_finding_severity(x))));
	json_object_set_new(o, "revision", json_string(aurmig_lint_finding_revision(x)));
	json_object_set_new(o, "file", json_string(aurmig_lint_finding_file(x)));
	json_object_set_new(o, "line", json_integer(aurmig_lint_finding_line(x)));
	json_object_set_new(o, "column", json_integer(aurmig_lint_finding_column(x)));
	json_object_set_new(o, "dialects", dialects);
	json_object_set_new(o, "statement", json_string(aurmig_lint_finding_statement(x)));
	json_object_set_new(o, "message", json_string(aurmig_lint_finding_message(x)));
	json_object_set_new(o, "why", json_string(aurmig_lint_finding_why(x)));
	json_object_set_new(o, "good", json_string(aurmig_lint_finding_hint(x)));
	json_object_set_new(o, "suppressed", json_boolean(aurmig_lint_finding_suppressed(x)));
	json_object_set_new(o, "reason", aurmig_lint_finding_reason(x) ? json_string(aurmig_lint_finding_reason(x)) : json_null());
	if (aurmig_lint_finding_live_rows(x) >= 0 || aurmig_lint_finding_live_unknown(x)) {
		json_t *l = json_object();
		long rows = aurmig_lint_finding_live_rows(x), bytes = aurmig_lint_finding_live_bytes(x);
		long v = aurmig_lint_finding_live_violations(x);
		json_object_set_new(l, "rows", rows >= 0 ? json_integer(rows) : json_null());
		json_object_set_new(l, "rows_estimated", json_boolean(aurmig_lint_finding_live_estimated(x)));
		json_object_set_new(l, "bytes", bytes >= 0 ? json_integer(bytes) : json_null());
		json_object_set_new(l, "violations", v >= 0 ? json_integer(v) : json_null());
		json_object_set_new(l, "unknown", aurmig_lint_finding_live_unknown(x) ?
			json_string(aurmig_lint_finding_live_unknown(x)) : json_null());
		json_object_set_new(o, "live", l);
	} else
		json_object_set_new(o, "live", json_null());
	return o;
}

/* GitLab code quality (the Code Climate subset GitLab reads): one object per
 * finding; the fingerprint does not hold the line, so a finding keeps it
 * when lines above it move (a repeat of the same finding gets a count). */
static void fnv(uint64_t *h, const char *s)
{
	for (; s && *s; s++)
		*h = (*h ^ (unsigned char)*s) * 1099511628211ULL;
	*h = (*h ^ 0xff) * 1099511628211ULL;
}

static json_t *gitlab_report(const aurmig_lint_report *rep)
{
	json_t *a = json_array();
	size_t n = aurmig_lint_report_count(rep), k = 0;
	uint64_t *seen = calloc(n ? n : 1, sizeof(*seen));

	for (size_t i = 0; seen && i < n; i++) {
		const aurmig_lint_finding *x = aurmig_lint_report_at(rep, i);
		int sev = aurmig_lint_finding_severity(x);
		uint64_t h1 = 14695981039346656037ULL, h2 = 0x84222325cbf29ce4ULL;
		unsigned rep_no = 0;
		char fp[40], desc[1024];
		json_t *o, *loc, *lines;

		if (aurmig_lint_finding_suppressed(x))
			continue;
		fnv(&h1, aurmig_lint_finding_code(x));
		fnv(&h1, aurmig_lint_finding_file(x));
		fnv(&h1, aurmig_lint_finding_dialects(x));
		fnv(&h1, aurmig_lint_finding_message(x));
		fnv(&h1, aurmig_lint_finding_statement(x));
		for (size_t j = 0; j < k; j++)
			rep_no += seen[j] == h1;
		seen[k++] = h1;
		h2 ^= h1;
		fnv(&h2, aurmig_lint_finding_revision(x));
		snprintf(fp, sizeof(fp), "%016llx%08x%08x", (unsigned long long)h1, (unsigned)(h2 >> 32) ^ rep_no,
			(unsigned)h2);
		snprintf(desc, sizeof(desc), "%s%s%s%s: %s (do instead: %s)", aurmig_lint_finding_code(x),
			*aurmig_lint_finding_dialects(x) ? " [" : "", aurmig_lint_finding_dialects(x),
			*aurmig_lint_finding_dialects(x) ? "]" : "", aurmig_lint_finding_message(x), aurmig_lint_finding_hint(x));
		o = json_object();
		loc = json_object();
		lines = json_object();
		json_object_set_new(o, "description", json_string(desc));
		json_object_set_new(o, "check_name", json_string(aurmig_lint_finding_code(x)));
		json_object_set_new(o, "fingerprint", json_string(fp));
		json_object_set_new(o, "severity", json_string(sev == AURMIG_LINT_ERROR ? "critical" :
			sev == AURMIG_LINT_WARNING ? "major" : "info"));
		json_object_set_new(lines, "begin", json_integer(aurmig_lint_finding_line(x) ? aurmig_lint_finding_line(x) : 1));
		json_object_set_new(loc, "path", json_string(aurmig_lint_finding_file(x)));
		json_object_set_new(loc, "lines", lines);
		json_object_set_new(o, "location", loc);
		json_array_append_new(a, o);
	}
	free(seen);
	return a;
}

static int list_rules(int format)
{
	if (format == F_JSON) {
		json_t *a = json_array();
		for (size_t i = 0; i < aurmig_lint_rule_count(); i++) {
			json_t *o = json_object();
			json_object_set_new(o, "code", json_string(aurmig_lint_rule_code(i)));
			json_object_set_new(o, "severity", json_string(sev_name(aurmig_lint_rule_severity(i))));
			json_object_set_new(o, "dialects", json_string(aurmig_lint_rule_dialects(i)));
			json_object_set_new(o, "summary", json_string(aurmig_lint_rule_summary(i)));
			json_array_append_new(a, o);
		}
		return jout_print(a);
	}
	for (size_t i = 0; i < aurmig_lint_rule_count(); i++)
		printf("%s  %-7s  %-11s  %s\n", aurmig_lint_rule_code(i), sev_name(aurmig_lint_rule_severity(i)),
			aurmig_lint_rule_dialects(i), aurmig_lint_rule_summary(i));
	return EXIT_OK;
}

/* ---------------------------------------------------------------- the verb */

static int usage(const char *msg)
{
	fprintf(stderr, "aurmig: lint: %s (see aurmig lint --help)\n", msg);
	return EXIT_USAGE;
}

int cmd_lint(cli *c, int argc, char **argv)
{
	lint_cfg lc = { 0 };
	aurmig_lint_report *rep = NULL;
	aurmig_conn *scratch = NULL;
	sel s = { 0 };
	const char *since = NULL, *fmt = NULL;
	int all = 0, pending = 0, werror = 0, format = c->json ? F_JSON : F_TEXT, code = EXIT_OK, rc, rules = 0;
	int nspecs = 0, check_down = -1;
	char **specs = calloc((size_t)argc + 1, sizeof(*specs));
	struct { const char *codes; int sev; } sevs[64];
	size_t nsev = 0;
	const char *dls[16], *versions[16], *large[64], *large_rows = NULL, *scratch_url = NULL, *live_timeout = NULL;
	int probe = 0, live = 0;
	size_t ndls = 0, nversions = 0, nlarge = 0;
	int online = 0;

	if (!specs)
		return EXIT_ERROR;
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		if (opt_value(argc, argv, &i, NULL, "--since", &since) || opt_value(argc, argv, &i, NULL, "--format", &fmt))
			continue;
		if (opt_value(argc, argv, &i, NULL, "--dialect", &v)) {
			if (ndls < 16)
				dls[ndls++] = v;
			continue;
		}
		if (opt_value(argc, argv, &i, NULL, "--server-version", &v)) {
			if (nversions < 16)
				versions[nversions++] = v;
			continue;
		}
		if (opt_value(argc, argv, &i, NULL, "--large-table", &v)) {
			if (nlarge < 64)
				large[nlarge++] = v;
			continue;
		}
		if (opt_value(argc, argv, &i, NULL, "--large-table-rows", &large_rows) ||
		    opt_value(argc, argv, &i, NULL, "--scratch-url", &scratch_url) ||
		    opt_value(argc, argv, &i, NULL, "--live-timeout", &live_timeout))
			continue;
		{
			static const char *const names[] = { "--ignore", "--info", "--warning", "--error" };
			int hit = -1;
			for (int k = 0; k < 4 && hit < 0; k++)
				if (opt_value(argc, argv, &i, NULL, names[k], &v))
					hit = k;
			if (hit >= 0) {
				if (nsev < 64) {
					sevs[nsev].codes = v;
					sevs[nsev++].sev = hit;   /* the aurmig_lint_severity values, in order */
				}
				continue;
			}
		}
		if (opt_flag(argc, argv, &i, NULL, "--all"))
			all = 1;
		else if (opt_flag(argc, argv, &i, NULL, "--pending"))
			pending = 1;
		else if (opt_flag(argc, argv, &i, NULL, "--werror"))
			werror = 1;
		else if (opt_flag(argc, argv, &i, NULL, "--check-down"))
			check_down = 1;
		else if (opt_flag(argc, argv, &i, NULL, "--online"))
			online = 1;
		else if (opt_flag(argc, argv, &i, NULL, "--probe"))
			probe = 1;
		else if (opt_flag(argc, argv, &i, NULL, "--live"))
			live = 1;
		else if (opt_flag(argc, argv, &i, NULL, "--list-rules"))
			rules = 1;
		else if (argv[i][0] == '-' && argv[i][1]) {
			free(specs);
			fprintf(stderr, "aurmig: lint: unknown option '%s' (see aurmig lint --help)\n", argv[i]);
			return EXIT_USAGE;
		} else
			specs[nspecs++] = argv[i];
	}
	if (fmt) {
		if (!strcmp(fmt, "text"))
			format = F_TEXT;
		else if (!strcmp(fmt, "json"))
			format = F_JSON;
		else if (!strcmp(fmt, "gcc"))
			format = F_GCC;
		else if (!strcmp(fmt, "github"))
			format = F_GITHUB;
		else if (!strcmp(fmt, "gitlab"))
			format = F_GITLAB;
		else {
			free(specs);
			return usage("--format takes text, json, gcc, github or gitlab");
		}
	}
	if (rules) {
		free(specs);
		return list_rules(format);
	}
	if (probe != (scratch_url != NULL)) {
		free(specs);
		return usage("--probe and --scratch-url URL go together");
	}
	if (all + pending + (since != NULL) > 1 || ((all || pending || since) && nspecs)) {
		free(specs);
		return usage("give revisions or files, or one of --all, --pending, --since");
	}
	if ((rc = aurmig_lint_options_new(&lc.opts, c->ctx)) || (rc = aurmig_lint_report_new(&rep, c->ctx))) {
		free(specs);
		aurmig_lint_options_free(lc.opts);
		return cli_fail(c, rc);
	}
	lc.c = c;
	/* the project's policy beside the scripts, then the operator's, then the command line */
	{
		char *p = malloc(strlen(c->dir) + 16);
		if (!p) {
			code = EXIT_ERROR;
			goto out;
		}
		sprintf(p, "%s/lint.ini", c->dir);
		code = read_config(&lc, p, 0);
		free(p);
		if (!code && c->config_path)
			code = read_config(&lc, c->config_path, 1);
		if (code)
			goto out;
	}
	for (size_t k = 0; k < ndls; k++)
		if (parse_dialect(dls[k], strlen(dls[k])) < 0) {
			fprintf(stderr, "aurmig: lint: unknown dialect '%s' (sqlite, mysql, pgsql)\n", dls[k]);
			code = EXIT_USAGE;
			goto out;
		}
	/* --dialect replaces the configured list */
	if (ndls) {
		for (size_t k = 0; k < ndls; k++)
			aurmig_lint_options_add_dialect(lc.opts, parse_dialect(dls[k], strlen(dls[k])));
		lc.dialects_set = 1;
	} else if (lc.dialects && (code = add_dialects(&lc, lc.dialects, "[lint] dialects"))) {
		goto out;
	}
	for (size_t k = 0; k < nsev; k++)
		if ((rc = aurmig_lint_options_set_severity(lc.opts, sevs[k].codes, sevs[k].sev))) {
			fprintf(stderr, "aurmig: lint: %s\n", aurmig_error_last(c->ctx)->message);
			code = EXIT_USAGE;
			goto out;
		}
	if (check_down > 0)
		aurmig_lint_options_set_check_down(lc.opts, 1);
	if (online)
		aurmig_lint_options_set_online(lc.opts, 1);
	for (size_t k = 0; k < nversions; k++)
		if (aurmig_lint_options_set_server_version(lc.opts, versions[k])) {
			fprintf(stderr, "aurmig: lint: --server-version: %s\n", aurmig_error_last(c->ctx)->message);
			code = EXIT_USAGE;
			goto out;
		}
	for (size_t k = 0; k < nlarge; k++)
		if (add_large(lc.opts, large[k])) {
			fprintf(stderr, "aurmig: lint: --large-table takes NAME or NAME=ROWS, not '%s'\n", large[k]);
			code = EXIT_USAGE;
			goto out;
		}
	if (large_rows) {
		long long n;
		if (parse_rows(large_rows, &n)) {
			fprintf(stderr, "aurmig: lint: --large-table-rows takes a number of rows, not '%s'\n", large_rows);
			code = EXIT_USAGE;
			goto out;
		}
		aurmig_lint_options_set_large_rows(lc.opts, n);
	}
	if (live_timeout && cli_seconds("--live-timeout", live_timeout, &lc.live_timeout_ms)) {
		code = EXIT_USAGE;
		goto out;
	}
	if (live || lc.live) {
		/* the target database, read-only: never creates an SQLite file */
		const char *env_url = getenv("AURMIG_URL"), *env_cfg = getenv("AUR_CONFIG");
		if (!c->url && !c->aurweb_config && !(env_url && *env_url) && !(env_cfg && *env_cfg)) {
			code = usage("--live needs the target database (--url, --aurweb-config, AURMIG_URL or AUR_CONFIG)");
			goto out;
		}
		c->open_existing = 1;
		c->read_only = 1;
		if ((code = cli_connect(c)))
			goto out;
		if (!lc.dialects_set)
			aurmig_lint_options_add_dialect(lc.opts, aurmig_conn_dialect(c->conn));
		if ((rc = aurmig_lint_options_set_live(lc.opts, c->conn, lc.live_timeout_ms))) {
			code = cli_fail(c, rc);
			goto out;
		}
	}

	/* what to lint */
	{
		int files_only = nspecs > 0;
		struct stat sb;
		for (int k = 0; k < nspecs; k++)
			if (stat(specs[k], &sb) != 0 || !S_ISREG(sb.st_mode))
				files_only = 0;
		if (probe)
			files_only = 0;   /* a FILE is probed from its parent in the graph */
		if (!files_only && (code = cli_load_graph(c)))
			goto out;
		if (!files_only && !(s.pick = calloc(aurmig_graph_count(c->graph) + 1, 1))) {
			code = EXIT_ERROR;
			goto out;
		}
		for (int k = 0; k < nspecs; k++) {
			const aurmig_migration *m = NULL;
			if (stat(specs[k], &sb) == 0 && S_ISREG(sb.st_mode)) {
				specs[s.nfiles++] = specs[k];
				continue;
			}
			if (strchr(specs[k], ':')) {
				if ((code = pick_range(c, &s, specs[k], NULL)))
					goto out;
				continue;
			}
			if ((rc = aurmig_graph_lookup(&m, c->graph, specs[k]))) {
				code = cli_fail(c, rc);
				goto out;
			}
			s.pick[index_of(c->graph, m)] = 1;
		}
		s.files = specs;
		if (!nspecs) {
			const char *env_url = getenv("AURMIG_URL"), *env_cfg = getenv("AUR_CONFIG");
			int have_db = c->url || c->aurweb_config || (env_url && *env_url) || (env_cfg && *env_cfg);
			if (!all && !since && !pending) {
				if (have_db)
					pending = 1;
				else if (lc.baseline)
					since = lc.baseline;
				else
					all = 1;
			}
			if (all)
				memset(s.pick, 1, aurmig_graph_count(c->graph));
			else if (since) {
				const aurmig_migration *m = NULL;
				if ((rc = aurmig_graph_lookup(&m, c->graph, since))) {
					code = cli_fail(c, rc);
					goto out;
				}
				char *range = malloc(strlen(aurmig_migration_id(m)) + 2);
				if (!range) {
					code = EXIT_ERROR;
					goto out;
				}
				sprintf(range, "%s:", aurmig_migration_id(m));
				code = pick_range(c, &s, range, aurmig_migration_id(m));
				free(range);
				if (code)
					goto out;
			} else if ((code = pick_pending(c, &s, &lc)))
				goto out;
		}
	}
	/* lint, in graph order (with --probe, each revision probed after its lint), then the files */
	if (probe && (rc = aurmig_conn_open(&scratch, c->ctx, scratch_url))) {
		code = cli_fail(c, rc);
		goto out;
	}
	for (size_t i = 0; s.pick && i < aurmig_graph_count(c->graph); i++)
		if (s.pick[i] && ((rc = aurmig_lint_migration(rep, aurmig_graph_at(c->graph, i), lc.opts)) ||
				  (scratch && (rc = aurmig_lint_probe(rep, scratch, aurmig_graph_at(c->graph, i), lc.opts))))) {
			code = cli_fail(c, rc);
			goto out;
		}
	for (size_t i = 0; i < s.nfiles; i++)
		if ((rc = aurmig_lint_file(rep, s.files[i], lc.opts)) ||
		    (scratch && (rc = aurmig_lint_probe_file(rep, scratch, c->graph, s.files[i], lc.opts)))) {
			code = cli_fail(c, rc);
			goto out;
		}

	{
		size_t ne = aurmig_lint_report_severity_count(rep, AURMIG_LINT_ERROR);
		size_t nw = aurmig_lint_report_severity_count(rep, AURMIG_LINT_WARNING);
		size_t ni = aurmig_lint_report_severity_count(rep, AURMIG_LINT_INFO);
		size_t nsup = aurmig_lint_report_suppressed_count(rep);
		code = ne || (werror && nw) ? EXIT_LINT : EXIT_OK;
		if (format == F_JSON) {
			json_t *o = json_object(), *a = json_array(), *counts = json_object();
			for (size_t i = 0; i < aurmig_lint_report_count(rep); i++)
				json_array_append_new(a, finding_json(aurmig_lint_report_at(rep, i)));
			json_object_set_new(counts, "error", json_integer((json_int_t)ne));
			json_object_set_new(counts, "warning", json_integer((json_int_t)nw));
			json_object_set_new(counts, "info", json_integer((json_int_t)ni));
			json_object_set_new(counts, "suppressed", json_integer((json_int_t)nsup));
			json_object_set_new(o, "findings", a);
			json_object_set_new(o, "counts", counts);
			json_object_set_new(o, "exit_code", json_integer(code));
			jout_print(o);
		} else if (format == F_GITLAB) {
			jout_print(gitlab_report(rep));
		} else {
			for (size_t i = 0; i < aurmig_lint_report_count(rep); i++) {
				const aurmig_lint_finding *x = aurmig_lint_report_at(rep, i);
				if (!aurmig_lint_finding_suppressed(x) || (format == F_TEXT && c->verbose))
					print_finding(stdout, format, x, format == F_TEXT && c->color);
			}
			if (!c->quiet)
				fprintf(stderr, "aurmig: lint: %zu error(s), %zu warning(s), %zu info, %zu suppressed\n", ne, nw,
					ni, nsup);
		}
	}
out:
	aurmig_conn_free(scratch);
	free(specs);
	free(s.pick);
	free(lc.baseline);
	free(lc.dialects);
	aurmig_lint_report_free(rep);
	aurmig_lint_options_free(lc.opts);
	return code;
}

/* revision --autogenerate: lint the script it wrote (DIR/<id>_*.sql) and
 * print the findings on stderr, gcc-style; never changes the exit code. */
void cli_lint_written(cli *c, const char *id)
{
	lint_cfg lc = { 0 };
	aurmig_lint_report *rep = NULL;
	DIR *dir = opendir(c->dir);
	struct dirent *e;
	char *path = NULL;
	size_t n = strlen(id);

	if (!dir)
		return;
	while (!path && (e = readdir(dir)))
		if (!strncmp(e->d_name, id, n) && e->d_name[n] == '_' && (path = malloc(strlen(c->dir) + strlen(e->d_name) + 2)))
			sprintf(path, "%s/%s", c->dir, e->d_name);
	closedir(dir);
	lc.c = c;
	if (path && !aurmig_lint_options_new(&lc.opts, c->ctx) && !aurmig_lint_report_new(&rep, c->ctx)) {
		char *ini = malloc(strlen(c->dir) + 16);
		if (ini) {
			sprintf(ini, "%s/lint.ini", c->dir);
			read_config(&lc, ini, 0);
			free(ini);
		}
		if (lc.dialects)
			add_dialects(&lc, lc.dialects, "[lint] dialects");
		if (!aurmig_lint_file(rep, path, lc.opts)) {
			for (size_t i = 0; i < aurmig_lint_report_count(rep); i++)
				if (!aurmig_lint_finding_suppressed(aurmig_lint_report_at(rep, i)))
					print_finding(stderr, F_GCC, aurmig_lint_report_at(rep, i), 0);
			if (aurmig_lint_report_count(rep))
				fprintf(stderr, "aurmig: review the findings above (aurmig lint %s; docs/lint.md)\n", id);
		}
	}
	free(path);
	free(lc.baseline);
	free(lc.dialects);
	aurmig_lint_report_free(rep);
	aurmig_lint_options_free(lc.opts);
}
