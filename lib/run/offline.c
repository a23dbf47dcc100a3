/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Offline SQL: a plan rendered as the script that would run, for a DBA to
 * review or apply by hand. The version-table and journal statements come
 * from the same code that runs them online, through a connection whose
 * "execution" appends to a buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "base/dialect.h"
#include "run/config.h"
#include "db/journal.h"
#include "run/plan_priv.h"
#include "schema/ddl.h"
#include "graph/resolve.h"
#include "base/split.h"
#include "db/version.h"
#include "db/waits.h"

typedef struct recorder {
	aurmig__buf out;
	int tables_exist;
} recorder;

static int rec_exec(aurmig_conn *c, const char *sql, unsigned long long *affected)
{
	recorder *r = c->impl;

	if (affected)
		*affected = 1;
	if (!strcmp(sql, "BEGIN IMMEDIATE") || !strcmp(sql, "BEGIN"))
		sql = aurmig__dialect_of(c->dialect)->begin_sql;
	aurmig__buf_puts(&r->out, sql);
	return aurmig__buf_puts(&r->out, ";\n");
}

static int rec_query(aurmig_conn *c, const char *sql, aurmig__strv *rows)
{
	recorder *r = c->impl;
	(void)sql;
	/* only ever asked whether a table exists */
	return r->tables_exist ? aurmig__strv_push(rows, c->ctx, "x") : AURMIG_OK;
}

static int rec_cells(aurmig_conn *c, const char *sql, aurmig__strv *cells, size_t *ncols)
{
	(void)c;
	(void)sql;
	(void)cells;
	*ncols = 0;
	return AURMIG_OK;
}

static void rec_close(aurmig_conn *c)
{
	recorder *r = c->impl;
	if (r) {
		aurmig__buf_dispose(&r->out);
		free(r);
	}
	c->impl = NULL;
}

static const aurmig__db_ops recorder_ops = { rec_exec, rec_query, rec_close, rec_cells };

static int recorder_new(aurmig_conn **out, aurmig_context *ctx, int dialect)
{
	recorder *r = aurmig__calloc(ctx, 1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r)
		return AURMIG_ENOMEM;
	aurmig__buf_init(&r->out, ctx);
	if ((rc = aurmig__conn_new(out, ctx, dialect, "(offline)", &recorder_ops, r))) {
		free(r);
		return rc;
	}
	(*out)->offline = 1;
	return AURMIG_OK;
}

int aurmig_plan_new_offline(aurmig_plan **out, aurmig_context *ctx, const aurmig_graph *graph, int dialect,
	const char *start, int command, const char *const *targets, size_t ntargets, const aurmig_plan_options *opts)
{
	aurmig_conn *c = NULL;
	aurmig__strv before = { 0 };
	aurmig__idxv set = { 0 };
	char *copy = NULL, *tok, *save = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !ctx || !graph)
		return ctx ? aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_plan_new_offline: NULL argument") : AURMIG_EINVALID;
	aurmig__err_clear(ctx);
	if (!aurmig__dialect_get(dialect))
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"offline SQL needs a dialect: sqlite, mysql or pgsql");
	/* the starting point: base, or revisions (space-separated) */
	if (start && *start && !(copy = aurmig__strdup(ctx, start)))
		return AURMIG_ENOMEM;
	rc = AURMIG_OK;
	for (tok = copy ? strtok_r(copy, " ,", &save) : NULL; tok && !rc; tok = strtok_r(NULL, " ,", &save)) {
		set.n = 0;
		rc = aurmig__resolve_set(&set, graph, ctx, tok);
		for (size_t i = 0; i < set.n && !rc; i++)
			if (!aurmig__strv_contains(&before, graph->migs[set.v[i]]->id))
				rc = aurmig__strv_push(&before, ctx, graph->migs[set.v[i]]->id);
	}
	free(copy);
	aurmig__idxv_clear(&set);
	if (!rc)
		rc = recorder_new(&c, ctx, dialect);
	if (!rc) {
		aurmig_plan_options o;
		aurmig__plan_options_copy(&o, opts);
		o.flags |= AURMIG_PLAN_NO_LOCK;
		rc = aurmig__plan_create(out, c, graph, command, targets, ntargets, &o, 0, &before);
	}
	aurmig_conn_free(c);   /* the plan holds its own reference */
	aurmig__strv_clear(&before);
	return rc;
}

/* MySQL's client ends statements at ';' unless told otherwise. */
static int needs_delimiter(int dialect, const char *stmt, size_t len)
{
	return dialect == AURMIG_DIALECT_MYSQL && memchr(stmt, ';', len) != NULL;
}

static void comment_line(aurmig__buf *b, const char *prefix, const aurmig_step *s)
{
	aurmig__buf_printf(b, "\n-- %s ", prefix);
	if (!s->from.n)
		aurmig__buf_puts(b, "<base>");
	for (size_t i = 0; i < s->from.n; i++)
		aurmig__buf_printf(b, "%s%s", i ? ", " : "", s->from.v[i]);
	aurmig__buf_puts(b, " -> ");
	if (!s->to.n)
		aurmig__buf_puts(b, "<base>");
	for (size_t i = 0; i < s->to.n; i++)
		aurmig__buf_printf(b, "%s%s", i ? ", " : "", s->to.v[i]);
	if (s->mig && *s->mig->message)
		aurmig__buf_printf(b, ", %s", s->mig->message);
	aurmig__buf_puts(b, "\n");
}

/* The session setting the online run makes (db/waits.c), as a statement
 * of the script; ms == 0: the server's own bound. */
static int lock_wait_sql(aurmig__buf *b, const aurmig_plan *p, long ms, const char *why)
{
	int dialect = p->conn->dialect;
	char *sql;

	if (dialect == AURMIG_DIALECT_SQLITE) {
		/* a client setting: sqlite3's shell has .timeout */
		return ms > 0 ? aurmig__buf_printf(b, "-- %s: %ld ms (sqlite3 shell: .timeout %ld)\n", why, ms, ms) :
			AURMIG_OK;
	}
	if (ms <= 0)
		return aurmig__buf_printf(b, "-- %s: the server's own\n%s;\n", why,
			aurmig__dialect_of(dialect)->reset_lock_wait_sql);
	if (!(sql = aurmig__db_lock_wait_sql(p->ctx, dialect, ms, 0)))
		return AURMIG_ENOMEM;
	aurmig__buf_printf(b, "-- %s\n%s;\n", why, sql);
	free(sql);
	return b->failed ? AURMIG_ENOMEM : AURMIG_OK;
}

int aurmig_plan_sql(const char **out, aurmig_plan *p)
{
	aurmig_conn *c = NULL, *saved;
	aurmig__ini *cfg = NULL;
	aurmig_schema *model = NULL;
	recorder *r;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !p)
		return AURMIG_EINVALID;
	aurmig__err_clear(p->ctx);
	if (p->init_schema)
		return aurmig__err(p->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"the database is empty: this upgrade builds it from %s (as 'aurmig init'), which is "
			"no script of steps; for the SQL, give the start: 'upgrade --sql base:heads'", p->init_schema);
	if ((rc = recorder_new(&c, p->ctx, p->conn->dialect)))
		return rc;
	r = c->impl;
	r->tables_exist = 0;
	if (p->opts.config_file && (rc = aurmig__ini_load(&cfg, p->ctx, p->opts.config_file))) {
		aurmig_conn_free(c);
		return rc;
	}
	saved = p->conn;
	p->conn = c;
	aurmig__buf_printf(&r->out, "-- aurmig %s: %s from %s", aurmig_version_string(),
		p->command == AURMIG_CMD_UPGRADE ? "upgrade" : p->command == AURMIG_CMD_DOWNGRADE ? "downgrade" : "stamp",
		p->before.n ? "" : "<base>");
	for (size_t i = 0; i < p->before.n; i++)
		aurmig__buf_printf(&r->out, "%s%s", i ? ", " : "", p->before.v[i]);
	aurmig__buf_printf(&r->out, " (%s); %zu step%s\n", aurmig__dialect_name(c->dialect), p->nsteps, p->nsteps == 1 ? "" : "s");
	if (aurmig__journal_run_id(p->run_id))
		memcpy(p->run_id, "00000000000000000000000000000000", 33);
	rc = AURMIG_OK;
	if (p->nsteps)
		rc = lock_wait_sql(&r->out, p, p->opts.ddl_lock_wait_ms, "the lock-wait bound of every statement (--ddl-lock-wait)");
	if (!rc && (p->nsteps || p->purge)) {
		if (p->command != AURMIG_CMD_DOWNGRADE)
			rc = aurmig__version_ensure(c);
		if (!rc)
			rc = aurmig__journal_ensure(c);
	}
	if (!rc && p->purge) {
		r->tables_exist = 1;
		rc = aurmig__version_delete_all(c);
	}
	for (size_t i = 0; i < p->nsteps && !rc; i++) {
		aurmig_step *s = &p->steps[i];
		aurmig__jentry e = { 0 };

		comment_line(&r->out, s->kind == AURMIG_STEP_UPGRADE ? "Running upgrade" :
			s->kind == AURMIG_STEP_DOWNGRADE ? "Running downgrade" : "Stamping", s);
		/* the script's own bound (-- aurmig:lock_wait), for this step only */
		if (s->mig && s->mig->lock_wait_ms >= 0 && s->mig->lock_wait_ms != p->opts.ddl_lock_wait_ms &&
		    (rc = lock_wait_sql(&r->out, p, s->mig->lock_wait_ms, "this script's lock_wait")))
			break;
		if (s->mig && !s->mig->transactional)
			aurmig__buf_puts(&r->out, "-- (transaction off: these statements run outside a transaction)\n");
		else if ((rc = aurmig__db_begin(c)))
			break;
		for (size_t k = 0; k < s->nitems; k++) {
			const aurmig__item *it = &s->items[k];
			const char *st;
			size_t len;
			if (it->hook) {
				aurmig__buf_printf(&r->out, "-- hook %s: application code runs here online (aurmig --hook %s=COMMAND)%s\n",
					it->name, it->name, it->has_default ? "; without it, this SQL default:" :
					"; it has no SQL default: run it by hand");
				continue;
			}
			st = s->sql + s->stmts[it->stmt].offset;
			len = s->stmts[it->stmt].len;
			if (s->ddl && s->ddl[it->stmt]) {
				/* portable DDL, rendered for the dialect; SQLite's rebuilds
				 * follow the tables made by portable DDL in this output */
				aurmig__strv v = { 0 };
				/* online (--sql without START) on SQLite: start from the
				 * live database's tables, as the engine does */
				if (!model && (rc = !saved->offline && saved->dialect == AURMIG_DIALECT_SQLITE ?
					aurmig__ddl_model_from_conn(&model, saved) :
					aurmig__ddl_model_new(&model, p->ctx, c->dialect)))
					break;
				rc = aurmig__ddl_render(&v, s->ddl[it->stmt], c->dialect, model, s->mig->path,
					s->stmts[it->stmt].line);
				for (size_t j = 0; !rc && j < v.n; j++)
					aurmig__buf_printf(&r->out, "%s;\n", v.v[j]);
				aurmig__strv_clear(&v);
				if (rc)
					break;
				continue;
			}
			/* SQLite's rebuilds need the definitions of tables plain SQL
			 * made: the model follows those statements too */
			if (c->dialect == AURMIG_DIALECT_SQLITE) {
				if (!model && (rc = saved->offline ? aurmig__ddl_model_new(&model, p->ctx, c->dialect) :
					aurmig__ddl_model_from_conn(&model, saved)))
					break;
				if ((rc = aurmig__ddl_model_follow(model, p->ctx, st, len)))
					break;
			}
			if (needs_delimiter(c->dialect, st, len))
				aurmig__buf_printf(&r->out, "DELIMITER //\n%.*s //\nDELIMITER ;\n", (int)len, st);
			else
				aurmig__buf_printf(&r->out, "%.*s;\n", (int)len, st);
		}
		if (rc)
			break;   /* a statement's rendering failed: not to be overwritten below */
		if (s->mig && !s->mig->transactional && (rc = aurmig__db_begin(c)))
			break;
		for (size_t k = 0; k < s->nops && !rc; k++) {
			const aurmig__rowop *o = &s->ops[k];
			rc = o->op == AURMIG__OP_INSERT ? aurmig__version_insert(c, o->a) :
			     o->op == AURMIG__OP_UPDATE ? aurmig__version_update(c, o->a, o->b) :
			     aurmig__version_delete(c, o->a);
		}
		e.run_id = p->run_id;
		e.seq = (long)i;
		e.revision = s->mig ? s->mig->id : s->to.n ? s->to.v[0] : s->from.n ? s->from.v[0] : "base";
		e.operation = s->kind == AURMIG_STEP_UPGRADE ? "upgrade" : s->kind == AURMIG_STEP_DOWNGRADE ? "downgrade" : "stamp";
		e.from = &s->from;
		e.to = &s->to;
		e.checksum = s->mig ? aurmig__script_checksum(s->mig) : NULL;
		e.total = e.done = (long)s->nitems;
		e.outcome = AURMIG__J_SUCCESS;
		e.atomic = aurmig__step_atomic(p, s);
		if (!rc)
			rc = aurmig__journal_insert(c, &e);
		if (!rc)
			rc = aurmig__db_commit(c);
		if (!rc && s->mig && s->mig->lock_wait_ms >= 0 && s->mig->lock_wait_ms != p->opts.ddl_lock_wait_ms)
			rc = lock_wait_sql(&r->out, p, p->opts.ddl_lock_wait_ms, "back to the plan's bound");
		if (!rc && cfg && s->ncfg) {
			/* the config file's change, as a unified diff in comments */
			aurmig__buf before, diff;
			int changed;
			aurmig__buf_init(&before, p->ctx);
			aurmig__buf_init(&diff, p->ctx);
			rc = aurmig__ini_render(cfg, &before);
			if (!rc)
				rc = aurmig__config_apply(cfg, s->cfg, s->ncfg, &changed);
			if (!rc) {
				aurmig__buf after;
				aurmig__buf_init(&after, p->ctx);
				rc = aurmig__ini_render(cfg, &after);
				if (!rc)
					rc = aurmig__ini_diff(before.p ? before.p : "", after.p ? after.p : "",
						p->opts.config_file, &diff);
				aurmig__buf_dispose(&after);
			}
			if (!rc && diff.len) {
				const char *line = diff.p;
				aurmig__buf_puts(&r->out, "-- config file changes after the commit:\n");
				while (line && *line) {
					const char *nl = strchr(line, '\n');
					size_t len = nl ? (size_t)(nl - line) : strlen(line);
					aurmig__buf_printf(&r->out, "-- %.*s\n", (int)len, line);
					line = nl ? nl + 1 : NULL;
				}
			}
			aurmig__buf_dispose(&before);
			aurmig__buf_dispose(&diff);
		}
	}
	p->conn = saved;
	if (!rc) {
		free(p->sql);
		if (!(p->sql = aurmig__buf_detach(&r->out)))
			rc = AURMIG_ENOMEM;
		else
			*out = p->sql;
	}
	aurmig_conn_free(c);
	aurmig__ini_free(cfg);
	aurmig_schema_free(model);
	return rc;
}
