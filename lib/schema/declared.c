/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The declared schema of a migrations directory: where it lives
 * (<dir>/schema/<dialect>.sql or portable.sql), reading it, and loading it
 * into a scratch database to read it back as a model (schema check). The
 * head-schema build of a fresh database (aurmig_init, run/init.c) uses the
 * same path rule, reader and statement runner (aurmig__ddl_run_declared).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "graph/graph_priv.h"
#include "schema/ddl.h"
#include "schema/declared.h"
#include "schema/schema.h"
#include "base/dialect.h"
#include "base/split.h"


/* <dir>/schema/<dialect>.sql, else <dir>/schema/portable.sql when that
 * exists (a backend's own file wins, as a backend's own section does). */
int aurmig__declared_path(const aurmig_graph *g, int dialect, char **out)
{
	char *portable;

	*out = aurmig__printf(g->ctx, "%s/schema/%s.sql", g->dir, aurmig__dialect_name(dialect));
	if (!*out)
		return AURMIG_ENOMEM;
	if (access(*out, F_OK) == 0)
		return AURMIG_OK;
	if (!(portable = aurmig__printf(g->ctx, "%s/schema/portable.sql", g->dir))) {
		free(*out);
		*out = NULL;
		return AURMIG_ENOMEM;
	}
	if (access(portable, F_OK) == 0) {
		free(*out);
		*out = portable;
	} else {
		free(portable);
	}
	return AURMIG_OK;
}

int aurmig_graph_declared_schema(char *path_out, size_t path_size, const aurmig_graph *g, int dialect)
{
	char *path = NULL;
	int rc;

	if (!g || !path_out || dialect <= AURMIG_DIALECT_ANY || dialect > AURMIG_DIALECT_PGSQL)
		return g ? aurmig__err(g->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_graph_declared_schema: NULL argument or unknown dialect") : AURMIG_EINVALID;
	if ((rc = aurmig__declared_path(g, dialect, &path)))
		return rc;
	if (strlen(path) >= path_size)
		rc = aurmig__err(g->ctx, AURMIG_EBUFS, AURMIG_ERRCLASS_API,
			"aurmig_graph_declared_schema: the path needs %zu bytes", strlen(path) + 1);
	else
		memcpy(path_out, path, strlen(path) + 1);
	free(path);
	return rc;
}


/* ------------------------------------------------------------------ */
/* loading a schema file into a scratch database                       */

/* The whole file at path, NUL-terminated (*len bytes before the NUL);
 * what names it in messages ("the head schema", "the schema file"). */
int aurmig__declared_read(aurmig_context *ctx, const char *path, const char *what, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	aurmig__buf b;
	char chunk[8192];
	size_t n;
	int bad;

	*text = NULL;
	if (!f)
		return aurmig__err_at(ctx, errno == ENOENT ? AURMIG_ENOTFOUND : AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0,
			"cannot read %s: %s", what, strerror(errno));
	aurmig__buf_init(&b, ctx);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		aurmig__buf_add(&b, chunk, n);
	bad = ferror(f);
	fclose(f);
	if (bad) {
		aurmig__buf_dispose(&b);
		return aurmig__err_at(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0, "cannot read %s", what);
	}
	*len = b.len;
	if (!(*text = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	if (memchr(*text, '\0', *len)) {
		free(*text);
		*text = NULL;
		return aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, 0, "NUL byte in the schema file");
	}
	return AURMIG_OK;
}

/* MySQL: drop the tables the file made (DDL cannot be rolled back there). */
static void drop_tables(aurmig_conn *c)
{
	aurmig__strv tables = { 0 };
	int rc;

	aurmig__err_hold(c->ctx);
	if (!aurmig__db_list_tables(c, &tables) && tables.n) {
		rc = c->ops->exec(c, "SET FOREIGN_KEY_CHECKS = 0", NULL);
		for (size_t i = 0; i < tables.n && !rc; i++) {
			aurmig__buf b;
			char *sql;
			aurmig__buf_init(&b, c->ctx);
			aurmig__buf_puts(&b, "DROP TABLE ");
			aurmig__schema_put_ident(&b, AURMIG_DIALECT_MYSQL, tables.v[i]);
			if (!(sql = aurmig__buf_detach(&b)))
				break;
			rc = c->ops->exec(c, sql, NULL);
			free(sql);
		}
		c->ops->exec(c, "SET FOREIGN_KEY_CHECKS = 1", NULL);
		if (rc)
			aurmig__log(c->ctx, AURMIG_LOG_WARNING, "could not drop every table of the scratch database");
	}
	aurmig__err_release(c->ctx);
	aurmig__strv_clear(&tables);
}

int aurmig_schema_load_file(aurmig_schema **out, aurmig_conn *c, const char *path)
{
	aurmig__strv tables = { 0 }, later = { 0 };
	aurmig__stmt *st = NULL;
	size_t n = 0, len = 0;
	char *text = NULL;
	int rc, tx = 0, ran = 0, portable = 0;

	if (out)
		*out = NULL;
	if (!out || !c || !path)
		return c ? aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_schema_load_file: NULL argument") : AURMIG_EINVALID;
	aurmig__err_clear(c->ctx);
	if ((rc = aurmig__declared_read(c->ctx, path, "the schema file", &text, &len)) || ((portable = aurmig__ddl_is_portable_text(text)), 0) ||
	    (rc = aurmig__split(&st, &n, c->ctx, text, len, c->dialect, path, 1)) ||
	    (rc = aurmig__db_list_tables(c, &tables)))
		goto done;
	if (tables.n) {
		rc = aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"the scratch database %s is not empty (%zu table%s, e.g. %s)", c->display_url, tables.n,
			tables.n == 1 ? "" : "s", tables.v[0]);
		goto done;
	}
	/* SQLite and PostgreSQL roll the whole load back afterwards */
	if (aurmig__dialect_of(c->dialect)->transactional_ddl) {
		if ((rc = aurmig__db_begin(c)))
			goto done;
		tx = 1;
	}
	ran = 1;
	for (size_t i = 0; i < n && !rc; i++) {
		if ((rc = aurmig__ddl_run_declared(c, text + st[i].offset, st[i].len, portable, path, st[i].line, &later))) {
			char *why = aurmig__strdup(c->ctx, aurmig_error_last(c->ctx)->message);
			char *one = aurmig__strndup(c->ctx, text + st[i].offset, st[i].len);
			rc = aurmig__err_at(c->ctx, rc == AURMIG_EPARSE ? AURMIG_EPARSE : AURMIG_EDB,
				rc == AURMIG_EPARSE ? AURMIG_ERRCLASS_SCRIPT : AURMIG_ERRCLASS_DB, path, st[i].line,
				"loading the schema failed at statement %zu of %zu: %s", i + 1, n, why ? why : "");
			if (one)
				aurmig__err_set_statement(c->ctx, one);
			free(one);
			free(why);
		}
	}
	for (size_t k = 0; !rc && k < later.n; k++)
		if ((rc = c->ops->exec(c, later.v[k], NULL))) {
			char *why = aurmig__strdup(c->ctx, aurmig_error_last(c->ctx)->message);
			rc = aurmig__err_at(c->ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB, path, 0,
				"loading the schema failed at a foreign key: %s", why ? why : "");
			free(why);
		}
	if (!rc)
		rc = aurmig_schema_read(out, c);
done:
	aurmig__strv_clear(&later);
	if (tx)
		aurmig__db_rollback(c);
	else if (ran)
		drop_tables(c);
	aurmig__strv_clear(&tables);
	aurmig__free(st);
	free(text);
	return rc;
}
