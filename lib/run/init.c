/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fresh databases: the head schema from <migrations>/schema/<dialect>.sql,
 * then the version table stamped at the revision the file says it is.
 * Refuses on a database that has any table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/journal.h"
#include "db/lock.h"
#include "run/init_priv.h"
#include "run/plan_priv.h"
#include "graph/resolve.h"
#include "schema/ddl.h"
#include "base/split.h"
#include "db/version.h"

static const char *const schema_names[] = { "", "sqlite", "mysql", "pgsql" };

/* <dir>/schema/<dialect>.sql, else <dir>/schema/portable.sql when that
 * exists (a backend's own file wins, as a backend's own section does). */
int aurmig__init_schema_path(const aurmig_graph *g, int dialect, char **out)
{
	char *portable;

	*out = aurmig__printf(g->ctx, "%s/schema/%s.sql", g->dir, schema_names[dialect]);
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
	if ((rc = aurmig__init_schema_path(g, dialect, &path)))
		return rc;
	if (strlen(path) >= path_size)
		rc = aurmig__err(g->ctx, AURMIG_EBUFS, AURMIG_ERRCLASS_API,
			"aurmig_graph_declared_schema: the path needs %zu bytes", strlen(path) + 1);
	else
		memcpy(path_out, path, strlen(path) + 1);
	free(path);
	return rc;
}

/* Names of the tables in the database (the current schema). */
int aurmig__db_list_tables(aurmig_conn *c, aurmig__strv *out)
{
	const char *sql = c->dialect == AURMIG_DIALECT_MYSQL ?
		"SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()" :
		c->dialect == AURMIG_DIALECT_PGSQL ?
		"SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()" :
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
	return c->ops->query(c, sql, out);
}

static int read_schema(aurmig_context *ctx, const char *path, char **text)
{
	FILE *f = fopen(path, "rb");
	aurmig__buf b;
	char chunk[8192];
	size_t n;

	*text = NULL;
	if (!f)
		return aurmig__err_at(ctx, errno == ENOENT ? AURMIG_ENOTFOUND : AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0,
			"cannot read the head schema: %s", strerror(errno));
	aurmig__buf_init(&b, ctx);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		aurmig__buf_add(&b, chunk, n);
	fclose(f);
	if (!(*text = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	if (memchr(*text, '\0', b.len)) {
		free(*text);
		*text = NULL;
		return aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, 0, "NUL byte in the schema file");
	}
	return AURMIG_OK;
}

/* "-- aurmig:schema-revision A [B ...]" at the top of the file. */
static int schema_revisions(aurmig_context *ctx, const aurmig_graph *g, const char *path, const char *text,
	aurmig__strv *revs)
{
	const char *p = text;
	int line = 1;

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		static const char key[] = "-- aurmig:schema-revision";
		if (len > sizeof(key) - 1 && !strncmp(p, key, sizeof(key) - 1)) {
			char *list = aurmig__strndup(ctx, p + sizeof(key) - 1, len - (sizeof(key) - 1));
			char *tok, *save = NULL;
			int rc = list ? AURMIG_OK : AURMIG_ENOMEM;
			for (tok = list ? strtok_r(list, " \t\r,", &save) : NULL; tok && !rc; tok = strtok_r(NULL, " \t\r,", &save)) {
				if (!aurmig_graph_get(g, tok))
					rc = aurmig__err_at(ctx, AURMIG_EUNKNOWNREV, AURMIG_ERRCLASS_SCRIPT, path, line,
						"schema-revision '%s' is not in the migrations directory", tok);
				else
					rc = aurmig__strv_push(revs, ctx, tok);
			}
			free(list);
			return rc;
		}
		if (!e)
			break;
		p = e + 1;
		line++;
	}
	return aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, 0,
		"no '-- aurmig:schema-revision <revision>' line saying which revision the schema is");
}

int aurmig_init(aurmig_conn *c, const aurmig_graph *g, const aurmig_plan_options *opts)
{
	aurmig__strv tables = { 0 }, revs = { 0 }, later = { 0 };
	aurmig__stmt *st = NULL;
	size_t n = 0;
	int portable = 0;
	char *path = NULL, *text = NULL;
	aurmig_plan *p = NULL;
	int rc, locked = 0, tx = 0, journalled = 0;
	char run_id[33];

	if (!c || !g)
		return c ? aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig_init: NULL argument") :
			AURMIG_EINVALID;
	aurmig__err_clear(c->ctx);
	if (!opts || !(opts->flags & AURMIG_PLAN_NO_LOCK)) {
		if ((rc = aurmig__lock_acquire(c, opts ? opts->lock_timeout_ms : 60000)))
			return rc;
		locked = 1;
	}
	if ((rc = aurmig__db_list_tables(c, &tables)))
		goto done;
	if (tables.n) {
		/* what an interrupted init left (its journal row says so) is cleared */
		int recovered = 0;
		if ((rc = aurmig__init_schema_path(g, c->dialect, &path)) || (rc = read_schema(c->ctx, path, &text)) ||
		    (rc = aurmig__split(&st, &n, c->ctx, text, strlen(text), c->dialect, path, 1)) ||
		    (rc = aurmig__init_leftovers(c, path, text, st, n, &tables, &recovered)))
			goto done;
		if (!recovered) {
			rc = aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
				"the database is not empty (%zu table%s, e.g. %s): init only builds empty databases; "
				"use 'aurmig upgrade' on existing ones", tables.n, tables.n == 1 ? "" : "s", tables.v[0]);
			goto done;
		}
		free(st);
		st = NULL;
		free(path);
		path = NULL;
		free(text);
		text = NULL;
	}
	if ((rc = aurmig__init_schema_path(g, c->dialect, &path)) || (rc = read_schema(c->ctx, path, &text)) ||
	    (rc = schema_revisions(c->ctx, g, path, text, &revs)) ||
	    (rc = aurmig__split(&st, &n, c->ctx, text, strlen(text), c->dialect, path, 1)))
		goto done;
	/* portable DDL: bad DDL fails before anything runs */
	portable = aurmig__ddl_is_portable_text(text);
	for (size_t i = 0; portable && i < n && !rc; i++) {
		aurmig__ddl *op = NULL;
		rc = aurmig__ddl_parse(&op, c->ctx, text + st[i].offset, st[i].len, path, st[i].line);
		aurmig__ddl_free(op);
	}
	if (rc)
		goto done;
	/* the stamp is planned first, so a bad schema-revision fails before anything runs */
	{
		aurmig_plan_options o = AURMIG_PLAN_OPTIONS_INIT;
		aurmig__strv none = { 0 };
		o.flags = AURMIG_PLAN_NO_LOCK;
		if ((rc = aurmig__plan_create(&p, c, g, AURMIG_CMD_STAMP, (const char *const *)revs.v, revs.n, &o, 0, &none)))
			goto done;
	}
	if (aurmig__journal_run_id(run_id))
		memcpy(run_id, "00000000000000000000000000000000", 33);
	if (c->dialect != AURMIG_DIALECT_MYSQL) {
		if ((rc = aurmig__db_begin(c)))
			goto done;
		tx = 1;
	} else {
		/* DDL commits at once: journal the init like a non-atomic step */
		if ((rc = aurmig__init_journal_begin(c, run_id, revs.v[0], &revs, (long)n)))
			goto done;
		journalled = 1;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		char *one = aurmig__strndup(c->ctx, text + st[i].offset, st[i].len);
		if (!one) {
			rc = AURMIG_ENOMEM;
			break;
		}
		rc = aurmig__ddl_run_declared(c, one, st[i].len, portable, path, st[i].line, &later);
		if (i + 1 == n)
			for (size_t k = 0; !rc && k < later.n; k++)
				rc = c->ops->exec(c, later.v[k], NULL);   /* foreign keys after every table */
		if (rc) {
			char *why = strdup(aurmig_error_last(c->ctx)->message);
			aurmig__err_at(c->ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB, path, st[i].line,
				"init failed at statement %zu of %zu: %s%s", i + 1, n, why ? why : "",
				tx ? "; nothing of it remains" : "; fix the cause, then run 'aurmig init' again: it drops "
				"the empty tables this one created and starts over");
			if (journalled) {
				c->ctx->err_hold++;
				aurmig__journal_update(c, run_id, 0, (long)i, AURMIG__J_FAILED, why ? why : "");
				c->ctx->err_hold--;
			}
			free(why);
			aurmig__err_set_statement(c->ctx, one);
		} else if (journalled) {
			rc = aurmig__journal_update(c, run_id, 0, (long)i + 1, NULL, NULL);
		}
		free(one);
	}
	if (!rc && !tx && (rc = aurmig__db_begin(c)) == AURMIG_OK)
		tx = 1;
	if (!rc)
		rc = aurmig__version_ensure(c);
	for (size_t k = 0; !rc && k < p->nsteps; k++)
		for (size_t j = 0; !rc && j < p->steps[k].nops; j++)
			rc = aurmig__version_insert(c, p->steps[k].ops[j].op == AURMIG__OP_INSERT ? p->steps[k].ops[j].a :
				p->steps[k].ops[j].b);
	if (!rc)
		rc = aurmig__journal_ensure(c);
	if (!rc) {
		/* one journal row per revision the schema stands for, with the
		 * script's checksum, so validate knows them as applied by us */
		unsigned char *mark = aurmig__calloc(c->ctx, g->n ? g->n : 1, 1);
		aurmig__idxv idx = { 0 };
		long seq = journalled;   /* after init's own row */
		rc = mark ? AURMIG_OK : AURMIG_ENOMEM;
		for (size_t i = 0; !rc && i < revs.n; i++)
			rc = aurmig__idxv_push(&idx, c->ctx, aurmig__graph_index(g, revs.v[i]));
		if (!rc)
			rc = aurmig__graph_mark_ancestors(g, c->ctx, idx.v, idx.n, mark, 1);
		for (size_t i = 0; !rc && i < g->n; i++) {
			aurmig__jentry e = { 0 };
			aurmig__strv self = { 0 };
			if (!mark[i])
				continue;
			if ((rc = aurmig__strv_push(&self, c->ctx, g->migs[i]->id)))
				break;
			e.run_id = run_id;
			e.seq = seq++;
			e.revision = g->migs[i]->id;
			e.operation = "init";
			e.from = &tables;   /* empty */
			e.to = &self;
			e.checksum = aurmig__script_checksum(g->migs[i]);
			e.total = e.done = (long)n;
			e.outcome = AURMIG__J_SUCCESS;
			e.atomic = c->dialect != AURMIG_DIALECT_MYSQL;
			rc = aurmig__journal_insert(c, &e);
			aurmig__strv_clear(&self);
		}
		free(mark);
		aurmig__idxv_clear(&idx);
	}
	if (!rc && journalled)
		rc = aurmig__journal_update(c, run_id, 0, (long)n, AURMIG__J_SUCCESS, NULL);
	if (!rc && tx) {
		rc = aurmig__db_commit(c);
		tx = 0;
	}
done:
	if (tx)
		aurmig__db_rollback(c);
	aurmig_plan_free(p);
	if (locked)
		aurmig__lock_release(c);
	free(st);
	free(path);
	free(text);
	aurmig__strv_clear(&tables);
	aurmig__strv_clear(&revs);
	aurmig__strv_clear(&later);
	return rc;
}
