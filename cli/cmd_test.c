/* SPDX-License-Identifier: GPL-2.0-or-later */
/* aurmig test: the migrations checked on scratch databases (aurmig/verify.h). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_test_help[] =
	"usage: aurmig [global options] test [--scratch-url URL]... [--only CHECKS]\n\n"
	"Check the migrations on scratch databases: always a temporary SQLite file,\n"
	"and each --scratch-url (an empty MariaDB/MySQL or PostgreSQL database; its\n"
	"tables are dropped again afterwards). CHECKS is a comma-separated list of\n"
	"  single-head  the migrations have exactly one head\n"
	"  upgrade      base -> heads, one step at a time\n"
	"  stairway     at every revision: up, down, up; the downgrade must restore the\n"
	"               schema before the step exactly, the upgrade after it the same\n"
	"               schema again\n"
	"  declared     the schema at heads equals schema/<dialect>.sql (or portable.sql)\n"
	"  dialects     with --scratch-url of another backend: the schema at heads there\n"
	"               is equivalent to SQLite's (and each earlier backend's): the\n"
	"               per-dialect and portable sections end at the same schema\n"
	"  fixtures     for each revision with a file tests/<revision>.sql beside the\n"
	"               scripts: its '-- aurmig:fixture before' statements run before\n"
	"               the upgrade, its '-- aurmig:expect' queries (no row or a true\n"
	"               first column) must hold after it\n"
	"(default: all). --url and --aurweb-config are not used: no real database is\n"
	"touched. Hooks run their SQL defaults. Exit 0 when every check passed (or was\n"
	"skipped), 1 when one failed or a scratch database could not be used.\n";

static int parse_only(const char *s, unsigned int *out)
{
	char *copy = strdup(s), *save = NULL;

	if (!copy)
		return -1;
	*out = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int found = 0;
		for (int bit = 1; bit <= AURMIG_VERIFY_FIXTURES; bit <<= 1)
			if (strcmp(t, aurmig_verify_check_name(bit)) == 0) {
				*out |= (unsigned)bit;
				found = 1;
			}
		if (!found) {
			fprintf(stderr, "aurmig: test: unknown check '%s' (single-head, upgrade, stairway, declared, dialects, fixtures)\n", t);
			free(copy);
			return -1;
		}
	}
	free(copy);
	return *out ? 0 : -1;
}

/* a result's dialect; NULL for one that concerns no database (single-head) */
static const char *result_dialect(const aurmig_verify *r, size_t i)
{
	int d = aurmig_verify_dialect(r, i);

	return d == AURMIG_DIALECT_ANY ? NULL : aurmig_dialect_name(d);
}

/* Run the checks on one scratch URL (NULL: a temporary SQLite file). */
static int run_on(cli *c, aurmig_verify *r, const char *url, unsigned int checks)
{
	char tmpdir[4096] = "";
	char *tmpurl = NULL;
	aurmig_conn *conn = NULL;
	int rc, code = EXIT_OK;

	if (!url) {
		if ((code = cli_sqlite_scratch(c, tmpdir, sizeof(tmpdir), &tmpurl)))
			return code;
		url = tmpurl;
	}
	if ((rc = aurmig_conn_open(&conn, c->ctx, url)) ||
	    (c->version_table && (rc = aurmig_conn_set_version_table(conn, c->version_table))) ||
	    (rc = aurmig_verify_run(r, conn, c->graph, checks)))
		code = cli_fail(c, rc);
	aurmig_conn_free(conn);
	cli_remove_scratch(tmpdir);
	free(tmpurl);
	return code;
}

int cmd_test(cli *c, int argc, char **argv)
{
	const char **urls = NULL;
	size_t nurls = 0;
	unsigned int checks = AURMIG_VERIFY_ALL;
	aurmig_verify *r = NULL;
	int code, rc;

	if (!(urls = calloc((size_t)argc + 1, sizeof(*urls)))) {
		fprintf(stderr, "aurmig: out of memory\n");
		return EXIT_ERROR;
	}
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		if (opt_value(argc, argv, &i, NULL, "--scratch-url", &v)) {
			urls[nurls++] = v;
		} else if (opt_value(argc, argv, &i, NULL, "--only", &v)) {
			if (parse_only(v, &checks)) {
				free(urls);
				return EXIT_USAGE;
			}
		} else {
			fprintf(stderr, "aurmig: test: unexpected argument '%s'\n%s", argv[i], cmd_test_help);
			free(urls);
			return EXIT_USAGE;
		}
	}
	if ((code = cli_load_graph(c))) {
		free(urls);
		return code;
	}
	if ((rc = aurmig_verify_new(&r, c->ctx))) {
		free(urls);
		return cli_fail(c, rc);
	}
	code = run_on(c, r, NULL, checks);
	for (size_t k = 0; k < nurls && !code; k++)
		code = run_on(c, r, urls[k], checks & ~(unsigned)AURMIG_VERIFY_SINGLE_HEAD);
	free(urls);
	if (code) {
		aurmig_verify_free(r);
		return code;
	}
	code = aurmig_verify_failures(r) ? EXIT_ERROR : EXIT_OK;
	if (c->json) {
		json_t *o = json_object(), *a = json_array();
		for (size_t i = 0; i < aurmig_verify_count(r); i++) {
			json_t *e = json_object();
			const char *d = result_dialect(r, i);
			const char *rev = aurmig_verify_revision(r, i);
			json_object_set_new(e, "check", json_string(aurmig_verify_check_name(aurmig_verify_check_of(r, i))));
			json_object_set_new(e, "status", json_string(aurmig_verify_status_name(aurmig_verify_status_of(r, i))));
			json_object_set_new(e, "dialect", d ? json_string(d) : json_null());
			json_object_set_new(e, "revision", rev ? json_string(rev) : json_null());
			json_object_set_new(e, "message", json_string(aurmig_verify_message(r, i)));
			json_array_append_new(a, e);
		}
		json_object_set_new(o, "ok", json_boolean(code == EXIT_OK));
		json_object_set_new(o, "failures", json_integer((json_int_t)aurmig_verify_failures(r)));
		json_object_set_new(o, "results", a);
		json_object_set_new(o, "exit_code", json_integer(code));
		aurmig_verify_free(r);
		rc = jout_print(o);
		return rc ? rc : code;
	}
	for (size_t i = 0; i < aurmig_verify_count(r); i++) {
		int st = aurmig_verify_status_of(r, i);
		const char *d = result_dialect(r, i);
		FILE *f = st == AURMIG_VERIFY_FAILED ? stderr : stdout;
		if (c->quiet && st != AURMIG_VERIFY_FAILED)
			continue;
		fprintf(f, "%s %s%s%s: ", st == AURMIG_VERIFY_PASSED ? "ok  " : st == AURMIG_VERIFY_FAILED ? "FAIL" : "skip",
			aurmig_verify_check_name(aurmig_verify_check_of(r, i)), d ? " " : "", d ? d : "");
		out_line(f, "", aurmig_verify_message(r, i), 1);
	}
	aurmig_verify_free(r);
	return code;
}

/* ---- aurmig.sum ---- */

const char cmd_hash_help[] =
	"usage: aurmig [global options] hash\n\n"
	"Write DIR/aurmig.sum: one line per migration script (file name and v1:\n"
	"checksum), sorted, after a total line over them. Commit it with the scripts:\n"
	"every aurmig command that loads the migrations then refuses, before touching\n"
	"a database, when a script was edited, removed, renamed or added without it\n"
	"(--no-sum-check skips that). revision and merge keep an existing sum up to\n"
	"date.\n";

int cmd_hash(cli *c, int argc, char **argv)
{
	int rc, code;

	if (argc > 1) {
		fprintf(stderr, "aurmig: hash takes no arguments\n%s", cmd_hash_help);
		return EXIT_USAGE;
	}
	c->no_sum_check = 1;   /* hash is how a sum that no longer matches is renewed */
	if ((code = cli_load_graph(c)))
		return code;
	if ((rc = aurmig_graph_sum_write(c->graph)))
		return cli_fail(c, rc);
	if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "file", json_string("aurmig.sum"));
		json_object_set_new(j, "directory", json_string(c->dir));
		json_object_set_new(j, "scripts", json_integer((json_int_t)aurmig_graph_count(c->graph)));
		return jout_print(j);
	}
	if (!c->quiet)
		printf("Wrote %s/aurmig.sum (%zu scripts)\n", c->dir, aurmig_graph_count(c->graph));
	return EXIT_OK;
}

int cli_sum_update(cli *c)
{
	aurmig_graph *g = NULL;
	int found = 0, rc;

	/* only a directory that has a sum gets it renewed */
	if (!c->graph)
		return EXIT_OK;
	rc = aurmig_graph_sum_check(&found, c->graph);
	if (!found)
		return EXIT_OK;
	(void)rc;
	if ((rc = aurmig_graph_load(&g, c->ctx, c->dir)) || (rc = aurmig_graph_sum_write(g))) {
		aurmig_graph_free(g);
		return cli_fail(c, rc);
	}
	aurmig_graph_free(g);
	return EXIT_OK;
}
