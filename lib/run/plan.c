/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plan object: aurmig_plan_new takes the deploy lock, passes the
 * recovery gate (gate.c), reads the version rows, has the planner
 * (graph/planner.c) compute the steps and their row changes, prepares each
 * step (split, portable DDL, hooks, config steps) and loads the
 * configuration file; migrator.c runs the steps.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/journal.h"
#include "db/lock.h"
#include "run/plan_priv.h"
#include "schema/ddl.h"
#include "schema/declared.h"
#include "base/split.h"
#include "db/version.h"

/* ---------------------------------------------------------------- helpers */

static int idx_of(const aurmig_graph *g, const char *id)
{
	return (int)(aurmig__graph_index(g, id) != AURMIG__NONE);
}

/* ---------------------------------------------------------------- plan building */

static aurmig_step *new_step(aurmig_plan *p, int kind, const aurmig_migration *m)
{
	aurmig_step *s;

	if (p->nsteps == p->steps_cap) {
		/* geometric growth: one step at a time made long plans quadratic */
		size_t cap = p->steps_cap ? p->steps_cap * 2 : 8;
		aurmig_step *steps = aurmig__reallocarray(p->ctx, p->steps, cap, sizeof(*steps));
		if (!steps)
			return NULL;
		p->steps = steps;
		p->steps_cap = cap;
	}
	s = &p->steps[p->nsteps++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->mig = m;
	s->seconds = -1;
	return s;
}

/* Make a planned revision step runnable: its section split, portable DDL
 * parsed, hook calls and config steps found, before anything runs. */
static int prepare_step(aurmig_plan *p, aurmig_step *s)
{
	const aurmig_migration *m = s->mig;
	int kind = s->kind;
	int rc = AURMIG_OK;

	if (!rc) {
		/* split now: a malformed section fails the plan before anything runs,
		 * and the journal knows each step's statement count up front */
		int dir = kind == AURMIG_STEP_UPGRADE ? AURMIG_UPGRADE : AURMIG_DOWNGRADE, line;
		s->sql = aurmig_migration_sql(m, dir, p->conn->dialect, &line);
		if (!s->sql)
			return aurmig__err_at(p->ctx, dir == AURMIG_UPGRADE ? AURMIG_EPARSE : AURMIG_EIRREVERSIBLE,
				AURMIG_ERRCLASS_SCRIPT, m->path, 0, "revision %s has no %s section for this database",
				m->id, dir == AURMIG_UPGRADE ? "upgrade" : "downgrade");
		rc = aurmig__split(&s->stmts, &s->nstmts, p->ctx, s->sql, strlen(s->sql), p->conn->dialect,
			m->path, line);
	}
	if (!rc && s->nstmts &&
	    aurmig__migration_portable(m, kind == AURMIG_STEP_UPGRADE ? AURMIG_UPGRADE : AURMIG_DOWNGRADE,
		    p->conn->dialect)) {
		/* portable DDL: bad DDL fails the plan before anything runs */
		if (!(s->ddl = aurmig__calloc(p->ctx, s->nstmts, sizeof(*s->ddl))))
			rc = AURMIG_ENOMEM;
		for (size_t k = 0; !rc && k < s->nstmts; k++)
			rc = aurmig__ddl_parse(&s->ddl[k], p->ctx, s->sql + s->stmts[k].offset, s->stmts[k].len,
				m->path, s->stmts[k].line);
	}
	if (!rc)
		rc = aurmig__script_items(&s->items, &s->nitems, p->ctx, s->sql, s->stmts, s->nstmts);
	if (!rc && s->sql) {
		int dir = kind == AURMIG_STEP_UPGRADE ? AURMIG_UPGRADE : AURMIG_DOWNGRADE, line;
		(void)aurmig_migration_sql(m, dir, p->conn->dialect, &line);
		rc = aurmig__config_ops(&s->cfg, &s->ncfg, p->ctx, s->sql, m->path, line);
	}
	if (!rc && s->sql) {
		int dir = kind == AURMIG_STEP_UPGRADE ? AURMIG_UPGRADE : AURMIG_DOWNGRADE, line;
		(void)aurmig_migration_sql(m, dir, p->conn->dialect, &line);
		rc = aurmig__batch_check(p, s, m->path, line);
	}
	for (size_t k = 0; !rc && k < s->nitems; k++) {
		const aurmig__hook *h;
		if (!s->items[k].hook)
			continue;
		h = aurmig__context_hook(p->ctx, s->items[k].name);
		if (h && (h->flags & AURMIG_HOOK_OWN_CONNECTION))
			s->own_conn_hook = 1;
		/* a hook nobody provides fails the plan before anything runs */
		if (!h && !s->items[k].has_default && !p->conn->offline) {
			rc = aurmig__err_at(p->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_SCRIPT, m->path, 0,
				"revision %s needs the hook '%s', which nobody provides: register it "
				"(aurmig_context_set_hook) or map it to a command (aurmig --hook %s=COMMAND)",
				m->id, s->items[k].name, s->items[k].name);
			aurmig__err_set_revision(p->ctx, m->id);
		}
	}
	return rc;
}


/* The planner's step, taken over into the plan (graph/planner.c). */
static int take_step(void *arg, aurmig__pstep *ps)
{
	aurmig_plan *p = arg;
	aurmig_step *s = new_step(p, ps->kind, ps->mig);

	if (!s)
		return AURMIG_ENOMEM;
	s->from = ps->from;
	s->to = ps->to;
	s->ops = ps->ops;
	s->nops = ps->nops;
	memset(&ps->from, 0, sizeof(ps->from));
	memset(&ps->to, 0, sizeof(ps->to));
	ps->ops = NULL;
	ps->nops = 0;
	return s->mig ? prepare_step(p, s) : AURMIG_OK;
}

/* ---------------------------------------------------------------- public */

int aurmig_plan_options_init(aurmig_plan_options *opts, unsigned int version)
{
	if (!opts || version == 0 || version > AURMIG_PLAN_OPTIONS_VERSION)
		return AURMIG_EINVALID;
	memset(opts, 0, sizeof(*opts));
	opts->version = version;
	opts->lock_timeout_ms = 60000;
	if (version >= 2) {
		opts->ddl_lock_wait_ms = 10000;
		opts->lock_retries = 3;
		opts->lock_retry_delay_ms = 1000;
	}
	if (version >= 3)
		opts->warn_blocking_ms = 1000;
	return AURMIG_OK;
}

void aurmig__plan_options_copy(aurmig_plan_options *dst, const aurmig_plan_options *src)
{
	aurmig_plan_options_init(dst, AURMIG_PLAN_OPTIONS_VERSION);
	if (!src)
		return;
	/* a version-1 caller's struct ends at config_file, a version-2 one at
	 * lock_retry_delay_ms: the rest keeps the defaults */
	memcpy(dst, src, src->version >= 3 ? sizeof(*dst) : src->version == 2 ? offsetof(aurmig_plan_options, online) :
		offsetof(aurmig_plan_options, ddl_lock_wait_ms));
	dst->version = AURMIG_PLAN_OPTIONS_VERSION;
}

void aurmig_plan_free(aurmig_plan *p)
{
	if (!p)
		return;
	if (p->plan_tx || (p->conn && p->conn->in_tx))
		aurmig__db_rollback(p->conn);
	aurmig__plan_cancel_marker(p);
	aurmig__plan_unlock(p);
	for (size_t i = 0; i < p->nsteps; i++) {
		aurmig_step *s = &p->steps[i];
		aurmig__strv_clear(&s->from);
		aurmig__strv_clear(&s->to);
		if (s->ddl)
			for (size_t k = 0; k < s->nstmts; k++)
				aurmig__ddl_free(s->ddl[k]);
		free(s->ddl);
		free(s->stmts);
		free(s->items);
		aurmig__config_ops_free(s->cfg, s->ncfg);
		for (size_t k = 0; k < s->nops; k++) {
			free(s->ops[k].a);
			free(s->ops[k].b);
		}
		free(s->ops);
	}
	for (size_t i = 0; i < p->nsteps; i++)
		aurmig__step_warning_clear(&p->steps[i]);
	free(p->steps);
	free(p->batch_resume);
	aurmig__strv_clear(&p->sizes);
	free(p->wait_note);
	aurmig__strv_clear(&p->before);
	aurmig__strv_clear(&p->after);
	free(p->sql);
	aurmig__ini_free(p->ini);
	free(p->config_file);
	free(p->init_schema);
	aurmig__strv_clear(&p->heads_now);
	aurmig__buf_dispose(&p->jrows);                  /* rolled back with the plan's transaction */
	aurmig_conn_free(p->conn);                       /* drops the plan's reference */
	aurmig__graph_unref((aurmig_graph *)p->graph);
	aurmig__context_unref(p->ctx);
	free(p);
}

static int unknown_rows(aurmig_plan *p)
{
	for (size_t i = 0; i < p->before.n; i++)
		if (!idx_of(p->graph, p->before.v[i]))
			return aurmig__err(p->ctx, AURMIG_EUNKNOWNREV, AURMIG_ERRCLASS_TARGET,
				"the database is at revision '%s', which is not in %s: the database is newer "
				"than these migrations, or they belong to another project; run the newer "
				"release's downgrade first, or 'stamp --purge <revision>' if you know better",
				p->before.v[i], p->graph->dir);
	return AURMIG_OK;
}

int aurmig__plan_create(aurmig_plan **out, aurmig_conn *conn, const aurmig_graph *graph,
	int command, const char *const *targets, size_t ntargets, const aurmig_plan_options *opts, int gate,
	const aurmig__strv *start)
{
	aurmig_context *ctx = conn ? conn->ctx : NULL;
	aurmig_plan *p;
	aurmig__strv none = { 0 }, init_rows = { 0 };
	int rc;

	if (!out || !conn || !graph || (ntargets && !targets))
		return ctx ? aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_plan_new: NULL argument") : AURMIG_EINVALID;
	*out = NULL;
	aurmig__err_clear(ctx);
	if (opts && (rc = aurmig__opts_version(ctx, "aurmig_plan_new", "aurmig_plan_options",
			opts->version, AURMIG_PLAN_OPTIONS_VERSION)))
		return rc;
	if (command == AURMIG_CMD_STAMP ? ntargets < 1 :
	    (command == AURMIG_CMD_UPGRADE || command == AURMIG_CMD_DOWNGRADE) ? ntargets != 1 : 1)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"%s", command == AURMIG_CMD_STAMP ? "stamp needs at least one target" :
			(command == AURMIG_CMD_UPGRADE || command == AURMIG_CMD_DOWNGRADE) ?
			"upgrade and downgrade take exactly one target" : "unknown command");
	for (size_t i = 0; i < ntargets; i++)
		if (!targets[i])
			return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "NULL target");
	if (!(p = aurmig__calloc(ctx, 1, sizeof(*p))))
		return AURMIG_ENOMEM;
	p->ctx = aurmig__context_ref(ctx);
	p->conn = aurmig__conn_ref(conn);
	p->graph = aurmig__graph_ref(graph);
	p->command = command;
	aurmig__plan_options_copy(&p->opts, opts);
	/* the plan keeps its own copy of the file name (bindings pass temporaries) */
	if (p->opts.config_file) {
		if (!(p->config_file = aurmig__strdup(ctx, p->opts.config_file))) {
			rc = AURMIG_ENOMEM;
			goto fail;
		}
		p->opts.config_file = p->config_file;
	}
	p->purge = command == AURMIG_CMD_STAMP && (p->opts.flags & AURMIG_PLAN_PURGE);
	p->marker_seq = -1;
	p->wait_session_ms = -1;
	if (aurmig__journal_run_id(p->run_id)) {
		rc = aurmig__err(ctx, AURMIG_ERROR, AURMIG_ERRCLASS_OS, "no random numbers for the run id");
		goto fail;
	}

	if (start) {
		/* offline: the caller says where the database stands */
		if ((rc = aurmig__strv_copy(&p->before, ctx, start)))
			goto fail;
	} else {
		/* the lock comes before the first read, and stays until the plan is done */
		if (!(p->opts.flags & AURMIG_PLAN_NO_LOCK)) {
			if ((rc = aurmig__lock_acquire(conn, p->opts.lock_timeout_ms)))
				goto fail;
			p->own_lock = 1;
		}
		if (gate && (rc = aurmig__recovery_gate(conn, graph, p->own_lock)))
			goto fail;
		if ((rc = aurmig__version_read(conn, &p->before)))
			goto fail;
	}
	if (!p->purge && (rc = unknown_rows(p)))
		goto fail;
	if (command == AURMIG_CMD_UPGRADE && gate && !start && !p->before.n) {
		/* an empty database, and the migrations ship a head schema: an
		 * upgrade to the heads builds it from that schema, as init does,
		 * then runs what comes after the schema's revision (usually
		 * nothing); other targets are refused (history is for existing
		 * databases) */
		char *path = NULL;
		if ((rc = aurmig__plan_would_init(conn, graph, &p->before, &path)))
			goto fail;
		if (path && strcmp(targets[0], "heads") != 0 && strcmp(targets[0], "head") != 0) {
			rc = aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
				"the database is empty: 'aurmig upgrade heads' (or 'aurmig init') builds it from "
				"%s and stamps it at head; migrations to '%s' run on existing databases",
				path, targets[0]);
			free(path);
			goto fail;
		}
		if (path) {
			/* plan from the revisions the schema is stamped at */
			p->init_schema = path;
			if ((rc = aurmig__init_schema_revisions(ctx, graph, path, &init_rows)))
				goto fail;
		}
	}
	{
		/* the steps and their row changes, from the rows (none after a purge) */
		aurmig__planner pl = { graph, ctx, conn->dialect, take_step, p };
		if ((rc = aurmig__planner_run(&pl, command, targets, ntargets,
			p->purge ? &none : p->init_schema ? &init_rows : &p->before, &p->after)))
			goto fail;
	}
	{
		/* config steps need the file, loaded now so a problem stops the plan
		 * before anything runs; a pending one from an earlier run is finished */
		size_t ncfg = 0;
		for (size_t i = 0; i < p->nsteps; i++)
			ncfg += p->steps[i].ncfg;
		if (!ncfg && p->opts.config_file && (p->opts.flags & AURMIG_PLAN_CONFIG_WHEN_NEEDED)) {
			aurmig__jrows pend = { 0 };
			if (!conn->offline &&
			    (rc = aurmig__journal_read(conn, "operation LIKE 'config-%' AND outcome = 'pending'", &pend)))
				goto fail;
			if (conn->offline || pend.n == 0)
				p->opts.config_file = NULL;   /* no migration here edits it */
			aurmig__journal_rows_clear(&pend);
		}
		/* (read-only planning, validate's pending list, needs no file) */
		if (ncfg && !p->opts.config_file && !conn->offline && gate) {
			for (size_t i = 0; i < p->nsteps; i++)
				if (p->steps[i].ncfg) {
					rc = aurmig__err_at(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, p->steps[i].mig->path,
						p->steps[i].cfg[0].line, "revision %s changes the configuration file: give it "
						"(--config-file, or aurmig_plan_options.config_file)", p->steps[i].mig->id);
					break;
				}
			goto fail;
		}
		if (p->opts.config_file && (rc = aurmig__ini_load(&p->ini, ctx, p->opts.config_file)))
			goto fail;
		if (p->ini && (rc = aurmig__strv_copy(&p->heads_now, ctx, &p->before)))
			goto fail;
		if (gate && p->ini && (rc = aurmig__config_finish_pending(p)))
			goto fail;
	}
	if (p->nsteps == 0 && !(p->purge && p->before.n) && !p->init_schema)
		aurmig__plan_unlock(p);   /* nothing to do: let the next deployer in */
	aurmig__strv_clear(&init_rows);
	*out = p;
	return AURMIG_OK;
fail:
	aurmig__strv_clear(&init_rows);
	aurmig_plan_free(p);
	return rc;
}

int aurmig_plan_new(aurmig_plan **out, aurmig_conn *conn, const aurmig_graph *graph,
	int command, const char *const *targets, size_t ntargets, const aurmig_plan_options *opts)
{
	return aurmig__plan_create(out, conn, graph, command, targets, ntargets, opts, 1, NULL);
}

int aurmig__plan_single(aurmig_plan **out, aurmig_conn *conn, const aurmig_graph *graph, int kind,
	const aurmig_migration *m, const aurmig__strv *heads_now)
{
	aurmig_context *ctx = conn->ctx;
	aurmig_plan *p;
	aurmig__planner pl = { graph, ctx, conn->dialect, take_step, NULL };
	int rc;

	*out = NULL;
	if (!(p = aurmig__calloc(ctx, 1, sizeof(*p))))
		return AURMIG_ENOMEM;
	p->ctx = aurmig__context_ref(ctx);
	p->conn = aurmig__conn_ref(conn);
	p->graph = aurmig__graph_ref(graph);
	p->command = kind == AURMIG_STEP_UPGRADE ? AURMIG_CMD_UPGRADE : AURMIG_CMD_DOWNGRADE;
	p->marker_seq = -1;
	p->wait_session_ms = -1;
	aurmig_plan_options_init(&p->opts, AURMIG_PLAN_OPTIONS_VERSION);
	pl.arg = p;
	rc = aurmig__strv_copy(&p->before, ctx, heads_now);
	if (!rc)
		rc = aurmig__planner_single(&pl, kind, m, heads_now, &p->after);
	if (rc) {
		aurmig_plan_free(p);
		return rc;
	}
	*out = p;
	return AURMIG_OK;
}

int aurmig__plan_would_init(aurmig_conn *conn, const aurmig_graph *graph, const aurmig__strv *rows,
	char **path_out)
{
	aurmig__strv tables = { 0 };
	char *path = NULL;
	int rc;

	*path_out = NULL;
	if (rows->n)
		return AURMIG_OK;
	if ((rc = aurmig__declared_path(graph, conn->dialect, &path)))
		return rc;
	if (access(path, R_OK) == 0 && !(rc = aurmig__db_list_tables(conn, &tables)) && tables.n == 0) {
		*path_out = path;
		path = NULL;
	}
	free(path);
	aurmig__strv_clear(&tables);
	return rc;
}

const char *aurmig_plan_init_schema(const aurmig_plan *p) { return p ? p->init_schema : NULL; }

int aurmig_upgrade_builds_from_schema(int *out, aurmig_conn *conn, const aurmig_graph *graph)
{
	aurmig__strv rows = { 0 };
	char *path = NULL;
	int rc;

	if (out)
		*out = 0;
	if (!out || !conn || !graph)
		return conn ? aurmig__err(conn->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_upgrade_builds_from_schema: NULL argument") : AURMIG_EINVALID;
	aurmig__err_clear(conn->ctx);
	if (!(rc = aurmig__version_read(conn, &rows)))
		rc = aurmig__plan_would_init(conn, graph, &rows, &path);
	*out = path != NULL;
	free(path);
	aurmig__strv_clear(&rows);
	return rc;
}

size_t aurmig_plan_count(const aurmig_plan *p) { return p ? p->nsteps : 0; }
const aurmig_step *aurmig_plan_at(const aurmig_plan *p, size_t i)
{
	return p && i < p->nsteps ? &p->steps[i] : NULL;
}
size_t aurmig_plan_before_count(const aurmig_plan *p) { return p ? p->before.n : 0; }
const char *aurmig_plan_before(const aurmig_plan *p, size_t i)
{
	return p && i < p->before.n ? p->before.v[i] : NULL;
}
size_t aurmig_plan_after_count(const aurmig_plan *p) { return p ? p->after.n : 0; }
const char *aurmig_plan_after(const aurmig_plan *p, size_t i)
{
	return p && i < p->after.n ? p->after.v[i] : NULL;
}

int aurmig_step_kind_of(const aurmig_step *s) { return s ? s->kind : 0; }
const aurmig_migration *aurmig_step_migration(const aurmig_step *s) { return s ? s->mig : NULL; }
size_t aurmig_step_from_count(const aurmig_step *s) { return s ? s->from.n : 0; }
const char *aurmig_step_from(const aurmig_step *s, size_t i)
{
	return s && i < s->from.n ? s->from.v[i] : NULL;
}
size_t aurmig_step_to_count(const aurmig_step *s) { return s ? s->to.n : 0; }
const char *aurmig_step_to(const aurmig_step *s, size_t i)
{
	return s && i < s->to.n ? s->to.v[i] : NULL;
}
size_t aurmig_step_statements(const aurmig_step *s) { return s ? s->statements : 0; }
double aurmig_step_seconds(const aurmig_step *s) { return s ? s->seconds : -1; }
size_t aurmig_step_statement_count(const aurmig_step *s) { return s ? s->nitems : 0; }
size_t aurmig_step_retries(const aurmig_step *s) { return s ? s->retries : 0; }
size_t aurmig_step_batches(const aurmig_step *s) { return s ? s->batches : 0; }
size_t aurmig_step_batch_rows(const aurmig_step *s) { return s ? s->batch_rows : 0; }
size_t aurmig_step_warnings(const aurmig_step *s) { return s ? s->nwarnings : 0; }
const aurmig_step_warning *aurmig_step_warning_last(const aurmig_step *s)
{
	return s && s->nwarnings ? &s->warning : NULL;
}

int aurmig_plan_next(const aurmig_step **out, aurmig_plan *p)
{
	if (out)
		*out = NULL;
	if (!p)
		return AURMIG_EINVALID;
	return aurmig__plan_apply_next(p, out);
}

int aurmig_plan_run(aurmig_plan *p)
{
	int rc;

	if (!p)
		return AURMIG_EINVALID;
	while ((rc = aurmig__plan_apply_next(p, NULL)) == AURMIG_OK)
		;
	return rc == AURMIG_ITEROVER ? AURMIG_OK : rc;
}
