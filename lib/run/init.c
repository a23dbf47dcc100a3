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
#include "graph/planner.h"
#include "db/lock.h"
#include "run/init_priv.h"
#include "run/plan_priv.h"
#include "graph/resolve.h"
#include "schema/ddl.h"
#include "schema/declared.h"
#include "base/split.h"
#include "db/version.h"

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
	size_t textlen = 0;
	aurmig__strv stamp = { 0 };   /* the version rows the stamp leaves */
	aurmig__strv none_from = { 0 };
	int rc, locked = 0, tx = 0, journalled = 0;
	char run_id[33];

	if (!c || !g)
		return c ? aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig_init: NULL argument") :
			AURMIG_EINVALID;
	aurmig__err_clear(c->ctx);
	if (opts && (rc = aurmig__opts_version(c->ctx, "aurmig_init", "aurmig_plan_options",
			opts->version, AURMIG_PLAN_OPTIONS_VERSION)))
		return rc;
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
		if ((rc = aurmig__declared_path(g, c->dialect, &path)) ||
		    (rc = aurmig__declared_read(c->ctx, path, "the head schema", &text, &textlen)) ||
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
	if ((rc = aurmig__declared_path(g, c->dialect, &path)) ||
	    (rc = aurmig__declared_read(c->ctx, path, "the head schema", &text, &textlen)) ||
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
		aurmig__planner pl = { g, c->ctx, c->dialect, NULL, NULL };
		aurmig__strv none = { 0 };
		if ((rc = aurmig__planner_run(&pl, AURMIG_CMD_STAMP, (const char *const *)revs.v, revs.n, &none,
			&stamp)))
			goto done;
	}
	if (aurmig__journal_run_id(run_id))
		memcpy(run_id, "00000000000000000000000000000000", 33);
	if (aurmig__dialect_of(c->dialect)->transactional_ddl) {
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
			char *why = aurmig__err_message_dup(c->ctx, 0);
			aurmig__err_at(c->ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB, path, st[i].line,
				"init failed at statement %zu of %zu: %s%s", i + 1, n, why ? why : "",
				tx ? "; nothing of it remains" : "; fix the cause, then run 'aurmig init' again: it drops "
				"the empty tables this one created and starts over");
			if (journalled) {
				aurmig__err_hold(c->ctx);
				aurmig__journal_update(c, run_id, 0, (long)i, AURMIG__J_FAILED, why ? why : "", AURMIG__J_RUNNING);
				aurmig__err_release(c->ctx);
			}
			free(why);
			aurmig__err_set_statement(c->ctx, one);
		} else if (journalled) {
			rc = aurmig__journal_update(c, run_id, 0, (long)i + 1, NULL, NULL, AURMIG__J_RUNNING);
		}
		free(one);
	}
	if (!rc && !tx && (rc = aurmig__db_begin(c)) == AURMIG_OK)
		tx = 1;
	if (!rc)
		rc = aurmig__version_ensure(c);
	for (size_t k = 0; !rc && k < stamp.n; k++)
		rc = aurmig__version_insert(c, stamp.v[k]);
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
			e.from = &none_from;   /* empty */
			e.to = &self;
			e.checksum = aurmig__script_checksum(g->migs[i]);
			e.total = e.done = (long)n;
			e.outcome = AURMIG__J_SUCCESS;
			e.atomic = aurmig__dialect_of(c->dialect)->transactional_ddl;
			rc = aurmig__journal_insert(c, &e);
			aurmig__strv_clear(&self);
		}
		free(mark);
		aurmig__idxv_clear(&idx);
	}
	if (!rc && journalled)
		rc = aurmig__journal_update(c, run_id, 0, (long)n, AURMIG__J_SUCCESS, NULL, AURMIG__J_RUNNING);
	if (!rc && tx) {
		rc = aurmig__db_commit(c);
		tx = 0;
	}
done:
	if (tx)
		aurmig__db_rollback(c);
	aurmig__strv_clear(&stamp);
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

int aurmig__init_schema_revisions(aurmig_context *ctx, const aurmig_graph *g, const char *path,
	aurmig__strv *out)
{
	char *text = NULL;
	size_t len;
	int rc = aurmig__declared_read(ctx, path, "the head schema", &text, &len);

	if (!rc)
		rc = schema_revisions(ctx, g, path, text, out);
	free(text);
	return rc;
}
