/* SPDX-License-Identifier: GPL-2.0-or-later */
/* aurmig schema dump | diff: introspection, DDL, comparison (docs/schema.md). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"


static int schema_usage(const char *msg)
{
	fprintf(stderr, "aurmig schema: %s (see aurmig schema --help)\n", msg);
	return EXIT_USAGE;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *json_table(const aurmig_schema_table *t)
{
	json_t *o = json_object(), *cols = json_array(), *pk = json_array(), *idx = json_array(), *fks = json_array();

	json_object_set_new(o, "name", jstr(aurmig_schema_table_name(t)));
	json_object_set_new(o, "charset", jstr(aurmig_schema_table_charset(t)));
	json_object_set_new(o, "collation", jstr(aurmig_schema_table_collation(t)));
	for (size_t i = 0; i < aurmig_schema_table_column_count(t); i++) {
		const aurmig_schema_column *c = aurmig_schema_table_column(t, i);
		json_t *jc = json_object();
		json_object_set_new(jc, "name", jstr(aurmig_schema_column_name(c)));
		json_object_set_new(jc, "type", jstr(aurmig_schema_column_type(c)));
		json_object_set_new(jc, "raw_type", jstr(aurmig_schema_column_raw_type(c)));
		json_object_set_new(jc, "nullable", json_boolean(aurmig_schema_column_is_nullable(c)));
		json_object_set_new(jc, "default", jstr(aurmig_schema_column_default(c)));
		json_object_set_new(jc, "auto_increment", json_boolean(aurmig_schema_column_is_auto_increment(c)));
		json_object_set_new(jc, "on_update", jstr(aurmig_schema_column_on_update(c)));
		json_object_set_new(jc, "charset", jstr(aurmig_schema_column_charset(c)));
		json_object_set_new(jc, "collation", jstr(aurmig_schema_column_collation(c)));
		json_array_append_new(cols, jc);
	}
	for (size_t i = 0; i < aurmig_schema_table_primary_key_count(t); i++)
		json_array_append_new(pk, jstr(aurmig_schema_table_primary_key(t, i)));
	for (size_t i = 0; i < aurmig_schema_table_index_count(t); i++) {
		const aurmig_schema_index *ix = aurmig_schema_table_index(t, i);
		json_t *ji = json_object(), *ic = json_array();
		for (size_t k = 0; k < aurmig_schema_index_column_count(ix); k++)
			json_array_append_new(ic, jstr(aurmig_schema_index_column(ix, k)));
		json_object_set_new(ji, "name", jstr(aurmig_schema_index_name(ix)));
		json_object_set_new(ji, "unique", json_boolean(aurmig_schema_index_is_unique(ix)));
		json_object_set_new(ji, "columns", ic);
		json_array_append_new(idx, ji);
	}
	for (size_t i = 0; i < aurmig_schema_table_fkey_count(t); i++) {
		const aurmig_schema_fkey *fk = aurmig_schema_table_fkey(t, i);
		json_t *jf = json_object(), *fc = json_array(), *rc = json_array();
		for (size_t k = 0; k < aurmig_schema_fkey_column_count(fk); k++) {
			json_array_append_new(fc, jstr(aurmig_schema_fkey_column(fk, k)));
			json_array_append_new(rc, jstr(aurmig_schema_fkey_ref_column(fk, k)));
		}
		json_object_set_new(jf, "name", jstr(aurmig_schema_fkey_name(fk)));
		json_object_set_new(jf, "columns", fc);
		json_object_set_new(jf, "ref_table", jstr(aurmig_schema_fkey_ref_table(fk)));
		json_object_set_new(jf, "ref_columns", rc);
		json_object_set_new(jf, "on_delete", jstr(aurmig_schema_fkey_on_delete(fk)));
		json_object_set_new(jf, "on_update", jstr(aurmig_schema_fkey_on_update(fk)));
		json_array_append_new(fks, jf);
	}
	json_object_set_new(o, "columns", cols);
	json_object_set_new(o, "primary_key", pk);
	json_object_set_new(o, "indexes", idx);
	json_object_set_new(o, "foreign_keys", fks);
	return o;
}

static int schema_dump(cli *c, int argc, char **argv)
{
	const char *dname = NULL, *sql;
	unsigned int flags = 0;
	aurmig_schema *s = NULL;
	int dialect = AURMIG_DIALECT_ANY, code, rc;

	c->open_existing = 1;   /* read-only: never create an SQLite file */

	for (int i = 1; i < argc; i++) {
		if (opt_value(argc, argv, &i, NULL, "--dialect", &dname))
			continue;
		if (opt_flag(argc, argv, &i, NULL, "--all"))
			flags |= AURMIG_SCHEMA_OWN_TABLES;
		else
			return schema_usage(argv[i][0] == '-' ? "unknown option to dump" : "dump takes no arguments");
	}
	if (dname && (dialect = aurmig_dialect_from_name(dname)) < 0) {
		fprintf(stderr, "aurmig: unknown --dialect '%s' (portable, sqlite, mysql, pgsql)\n", dname);
		return EXIT_USAGE;
	}
	if ((code = cli_connect(c)))
		return code;
	if ((rc = aurmig_schema_read_flags(&s, c->conn, flags)) || (rc = aurmig_schema_dump(&sql, s, dialect))) {
		aurmig_schema_free(s);
		return cli_fail(c, rc);
	}
	if (c->json) {
		json_t *o = json_object(), *tables = json_array();
		for (size_t i = 0; i < aurmig_schema_table_count(s); i++)
			json_array_append_new(tables, json_table(aurmig_schema_table_at(s, i)));
		json_object_set_new(o, "source_dialect", json_string(aurmig_dialect_name(aurmig_schema_dialect(s))));
		json_object_set_new(o, "dialect", json_string(aurmig_dialect_name(dialect)));
		json_object_set_new(o, "sql", json_string(sql));
		json_object_set_new(o, "tables", tables);
		aurmig_schema_free(s);
		return jout_print(o);
	}
	fputs(sql, stdout);
	aurmig_schema_free(s);
	return fflush(stdout) ? EXIT_ERROR : EXIT_OK;
}

/* A scratch SQLite database in a new temporary directory. */
static int sqlite_scratch(cli *c, char *dir, size_t dirsize, char **url)
{
	const char *tmp = getenv("TMPDIR");

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if ((size_t)snprintf(dir, dirsize, "%s/aurmig-schema-XXXXXX", tmp) >= dirsize || !mkdtemp(dir)) {
		fprintf(stderr, "aurmig: cannot make a temporary directory in %s: %s\n", tmp, strerror(errno));
		return EXIT_ERROR;
	}
	/* sqlite:///ABSOLUTE needs a fourth slash; a relative TMPDIR gets one
	 * from the current directory */
	if (dir[0] == '/') {
		if (!(*url = malloc(strlen(dir) + 32)))
			goto oom;
		sprintf(*url, "sqlite:///%s/declared.db", dir);
	} else {
		char *cwd = getcwd(NULL, 0);
		if (!cwd || !(*url = malloc(strlen(cwd) + strlen(dir) + 32))) {
			free(cwd);
			goto oom;
		}
		sprintf(*url, "sqlite:///%s/%s/declared.db", cwd, dir);
		free(cwd);
	}
	(void)c;
	return EXIT_OK;
oom:
	fprintf(stderr, "aurmig: out of memory\n");
	rmdir(dir);
	dir[0] = '\0';
	return EXIT_ERROR;
}

static void remove_scratch(const char *dir)
{
	char path[4200];

	if (!dir[0])
		return;
	snprintf(path, sizeof(path), "%s/declared.db", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/declared.db-journal", dir);
	unlink(path);
	rmdir(dir);
}

int cli_sqlite_scratch(cli *c, char *dir, size_t dirsize, char **url)
{
	return sqlite_scratch(c, dir, dirsize, url);
}

void cli_remove_scratch(const char *dir)
{
	remove_scratch(dir);
}

int cli_drift_read(cli *c, const char *scratch_url, int hold, cli_drift *out)
{
	int dialect = aurmig_conn_dialect(c->conn), code = EXIT_OK, rc;
	char tmpdir[4096] = "";
	char *tmpurl = NULL;
	aurmig_conn *scratch = NULL;

	memset(out, 0, sizeof(*out));
	if (!scratch_url && dialect != AURMIG_DIALECT_SQLITE) {
		fprintf(stderr, "aurmig: comparing the schema at the database's revision on MySQL/MariaDB or PostgreSQL "
			"needs --scratch-url URL (an empty database the migrations are replayed on, emptied again)\n");
		return EXIT_USAGE;
	}
	if (!scratch_url) {
		if ((code = sqlite_scratch(c, tmpdir, sizeof(tmpdir), &tmpurl)))
			return code;
		scratch_url = tmpurl;
	}
	if ((rc = aurmig_conn_open(&scratch, c->ctx, scratch_url)) ||
	    (c->version_table && (rc = aurmig_conn_set_version_table(scratch, c->version_table))))
		code = cli_fail(c, rc);
	else if (aurmig_conn_dialect(scratch) != dialect) {
		fprintf(stderr, "aurmig: the scratch database must be of the database's kind (%s)\n",
			aurmig_dialect_name(dialect));
		code = EXIT_USAGE;
	} else if ((rc = aurmig_drift_read(&out->live, &out->expected, &out->revisions, c->conn, scratch, c->graph,
			hold ? AURMIG_DRIFT_HOLD : AURMIG_DRIFT_PROBE, c->lock_timeout_ms)) ||
		   (rc = aurmig_schema_diff_new(&out->diff, out->live, out->expected))) {
		code = cli_fail(c, rc);
	} else {
		/* column order is not compared: ADD COLUMN appends on every backend */
		for (size_t i = 0; i < aurmig_schema_diff_count(out->diff); i++)
			out->ndiff += aurmig_schema_diff_kind(out->diff, i) != AURMIG_SCHEMA_COLUMN_ORDER;
	}
	aurmig_conn_free(scratch);
	remove_scratch(tmpdir);
	free(tmpurl);
	if (code)
		cli_drift_done(out);
	return code;
}

void cli_drift_done(cli_drift *d)
{
	aurmig_schema_diff_free(d->diff);
	aurmig_schema_free(d->live);
	aurmig_schema_free(d->expected);
	free(d->revisions);
	memset(d, 0, sizeof(*d));
}

static const char *change_name(int change)
{
	return change == AURMIG_SCHEMA_ONLY_A ? "only_a" : change == AURMIG_SCHEMA_ONLY_B ? "only_b" : "changed";
}

/*
 * The declared head schema: <dir>/schema/<dialect>.sql when there is one,
 * else <dir>/schema/portable.sql, loaded into a scratch database (SQLite:
 * a temporary file; other backends: scratch_url, required) and read.
 * Prints the error and returns the exit code on failure.
 */
int cli_declared_schema(cli *c, const char *scratch_url, aurmig_schema **out, cli_declared *d)
{
	int dialect = aurmig_conn_dialect(c->conn), code = EXIT_OK, rc;
	struct stat st;

	*out = NULL;
	if (!c->graph && (code = cli_load_graph(c)))
		return code;
	if (!(d->path = malloc(PATH_MAX))) {
		fprintf(stderr, "aurmig: out of memory\n");
		return EXIT_ERROR;
	}
	if ((rc = aurmig_graph_declared_schema(d->path, PATH_MAX, c->graph, dialect)))
		return cli_fail(c, rc);
	if (stat(d->path, &st) != 0) {
		fprintf(stderr, "aurmig: no declared schema for this database: %s: %s\n", d->path, strerror(errno));
		if (c->json) {
			json_t *o = json_object(), *e = json_object();
			json_object_set_new(e, "code", json_integer(AURMIG_ENOTFOUND));
			json_object_set_new(e, "exit_code", json_integer(EXIT_ERROR));
			json_object_set_new(e, "message", json_string("no declared schema for this database"));
			json_object_set_new(e, "file", json_string(d->path));
			json_object_set_new(o, "error", e);
			jout_print(o);
		}
		return EXIT_ERROR;
	}
	if (!scratch_url && dialect != AURMIG_DIALECT_SQLITE) {
		/* named as the user typed it: check --schema, schema diff --declared, revision --autogenerate */
		const char *v = c->verb ? c->verb : "schema";
		fprintf(stderr, "aurmig %s: %s on MySQL/MariaDB or PostgreSQL needs --scratch-url URL "
			"(an empty database aurmig may fill and empty again; see aurmig %s --help)\n", v,
			!strcmp(v, "check") ? "check --schema" : !strcmp(v, "revision") ? "revision --autogenerate" :
			"schema diff --declared", v);
		return EXIT_USAGE;
	}
	if (!scratch_url) {
		if ((code = sqlite_scratch(c, d->tmpdir, sizeof(d->tmpdir), &d->tmpurl)))
			return code;
		scratch_url = d->tmpurl;
	}
	if ((rc = aurmig_conn_open(&d->scratch, c->ctx, scratch_url)))
		return cli_fail(c, rc);
	if (aurmig_conn_dialect(d->scratch) != dialect) {
		fprintf(stderr, "aurmig: the scratch database must be of the database's kind (%s)\n",
			aurmig_dialect_name(dialect));
		return EXIT_USAGE;
	}
	if ((rc = aurmig_schema_load_file(out, d->scratch, d->path)) || (rc = aurmig_schema_set_label(*out, d->path)))
		return cli_fail(c, rc);
	return EXIT_OK;
}

void cli_declared_done(cli_declared *d)
{
	aurmig_conn_free(d->scratch);
	remove_scratch(d->tmpdir);
	free(d->tmpurl);
	free(d->path);
	memset(d, 0, sizeof(*d));
}

/* One line per difference (or the JSON object); EXIT_OK or `differs`. */
/* The differences as a JSON array of {kind, change, table, object, a, b, message}. */
json_t *cli_diff_json(const aurmig_schema_diff *d, int skip_order)
{
	json_t *list = json_array();
	for (size_t i = 0; i < aurmig_schema_diff_count(d); i++) {
		json_t *it;
		if (skip_order && aurmig_schema_diff_kind(d, i) == AURMIG_SCHEMA_COLUMN_ORDER)
			continue;
		it = json_object();
		json_object_set_new(it, "kind", jstr(aurmig_schema_object_name(aurmig_schema_diff_kind(d, i))));
		json_object_set_new(it, "change", json_string(change_name(aurmig_schema_diff_change(d, i))));
		json_object_set_new(it, "table", jstr(aurmig_schema_diff_table(d, i)));
		json_object_set_new(it, "object", jstr(aurmig_schema_diff_object(d, i)));
		json_object_set_new(it, "a", jstr(aurmig_schema_diff_a(d, i)));
		json_object_set_new(it, "b", jstr(aurmig_schema_diff_b(d, i)));
		json_object_set_new(it, "message", jstr(aurmig_schema_diff_message(d, i)));
		json_array_append_new(list, it);
	}
	return list;
}

int cli_print_diff(cli *c, const aurmig_schema *a, const aurmig_schema *b, const aurmig_schema_diff *d, int differs,
	int skip_order)
{
	size_t n = 0;
	int code;

	for (size_t i = 0; i < aurmig_schema_diff_count(d); i++)
		n += !(skip_order && aurmig_schema_diff_kind(d, i) == AURMIG_SCHEMA_COLUMN_ORDER);
	code = n ? differs : EXIT_OK;

	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "equal", json_boolean(n == 0));
		json_object_set_new(o, "exit_code", json_integer(code));
		json_object_set_new(o, "a", jstr(aurmig_schema_label(a)));
		json_object_set_new(o, "b", jstr(aurmig_schema_label(b)));
		json_object_set_new(o, "differences", cli_diff_json(d, skip_order));
		if (jout_print(o))
			code = EXIT_ERROR;
	} else if (!c->quiet) {
		for (size_t i = 0; i < aurmig_schema_diff_count(d); i++)
			if (!(skip_order && aurmig_schema_diff_kind(d, i) == AURMIG_SCHEMA_COLUMN_ORDER))
				out_line(stdout, "", aurmig_schema_diff_message(d, i), 1);
		if (!n)
			printf("The schemas are equal.\n");
	}
	return code;
}

static int schema_diff(cli *c, int argc, char **argv)
{
	const char *other_url = NULL, *scratch_url = NULL;
	unsigned int flags = 0;
	int declared = 0, code = EXIT_OK, rc;
	aurmig_schema *a = NULL, *b = NULL;
	aurmig_schema_diff *d = NULL;
	aurmig_conn *other = NULL;
	cli_declared decl = { 0 };

	c->open_existing = 1;   /* read-only: never create an SQLite file */

	for (int i = 1; i < argc; i++) {
		if (opt_value(argc, argv, &i, NULL, "--scratch-url", &scratch_url))
			continue;
		if (opt_flag(argc, argv, &i, NULL, "--all"))
			flags |= AURMIG_SCHEMA_OWN_TABLES;
		else if (opt_flag(argc, argv, &i, NULL, "--declared"))
			declared = 1;
		else if (argv[i][0] == '-')
			return schema_usage("unknown option to diff");
		else if (other_url)
			return schema_usage("diff takes one URL");
		else
			other_url = argv[i];
	}
	if (declared == !!other_url)
		return schema_usage("diff needs either another database's URL or --declared");
	if (scratch_url && !declared)
		return schema_usage("--scratch-url goes with --declared");
	if ((code = cli_connect(c)))
		return code;
	if ((rc = aurmig_schema_read_flags(&a, c->conn, flags)) ||
	    (rc = aurmig_schema_set_label(a, aurmig_conn_display_url(c->conn)))) {
		code = cli_fail(c, rc);
		goto done;
	}
	if (other_url) {
		if ((rc = aurmig_conn_open_flags(&other, c->ctx, other_url, AURMIG_OPEN_EXISTING)) ||
		    (c->version_table && (rc = aurmig_conn_set_version_table(other, c->version_table))) ||
		    (rc = aurmig_schema_read_flags(&b, other, flags)) ||
		    (rc = aurmig_schema_set_label(b, aurmig_conn_display_url(other)))) {
			code = cli_fail(c, rc);
			goto done;
		}
	} else if ((code = cli_declared_schema(c, scratch_url, &b, &decl))) {
		goto done;
	}
	if ((rc = aurmig_schema_diff_new(&d, a, b))) {
		code = cli_fail(c, rc);
		goto done;
	}
	code = cli_print_diff(c, a, b, d, EXIT_DRIFT, 0);
done:
	aurmig_schema_diff_free(d);
	aurmig_schema_free(a);
	aurmig_schema_free(b);
	aurmig_conn_free(other);
	cli_declared_done(&decl);
	return code;
}

int cmd_schema(cli *c, int argc, char **argv)
{
	if (argc < 2)
		return schema_usage("needs a subcommand: dump or diff");
	if (!strcmp(argv[1], "dump"))
		return schema_dump(c, argc - 1, argv + 1);
	if (!strcmp(argv[1], "diff"))
		return schema_diff(c, argc - 1, argv + 1);
	return schema_usage("unknown subcommand (dump, diff)");
}
