/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Execution of a plan: each step's statements and version-row changes in
 * one transaction (or the whole plan in one, on request), with the failing
 * statement, its file and line and the database's message in the error.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan_priv.h"
#include "split.h"
#include "version.h"

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_rowops(aurmig_plan *p, const aurmig_step *s)
{
	int rc = AURMIG_OK;

	for (size_t k = 0; k < s->nops && !rc; k++) {
		const aurmig__rowop *o = &s->ops[k];
		switch (o->op) {
		case AURMIG__OP_INSERT: rc = aurmig__version_insert(p->conn, o->a); break;
		case AURMIG__OP_UPDATE: rc = aurmig__version_update(p->conn, o->a, o->b); break;
		default: rc = aurmig__version_delete(p->conn, o->a); break;
		}
	}
	return rc;
}

/* Statements of the step's script for this connection's dialect. */
static int run_script(aurmig_plan *p, aurmig_step *s)
{
	const aurmig_migration *m = s->mig;
	int dir = s->kind == AURMIG_STEP_UPGRADE ? AURMIG_UPGRADE : AURMIG_DOWNGRADE;
	int line;
	const char *sql = aurmig_migration_sql(m, dir, p->conn->dialect, &line);
	aurmig__stmt *st = NULL;
	size_t n = 0;
	int rc;

	if (!sql)
		return aurmig__err_at(p->ctx, dir == AURMIG_UPGRADE ? AURMIG_EPARSE : AURMIG_EIRREVERSIBLE,
			AURMIG_ERRCLASS_SCRIPT, m->path, 0, "revision %s has no %s section for this database",
			m->id, dir == AURMIG_UPGRADE ? "upgrade" : "downgrade");
	if ((rc = aurmig__split(&st, &n, p->ctx, sql, strlen(sql), p->conn->dialect, m->path, line)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		char *one = aurmig__strndup(p->ctx, sql + st[i].offset, st[i].len);
		if (!one) {
			rc = AURMIG_ENOMEM;
			break;
		}
		rc = p->conn->ops->exec(p->conn, one, NULL);
		if (rc) {
			char *dbmsg = strdup(aurmig_error_last(p->ctx)->message);
			int code = aurmig_error_last(p->ctx)->db_code;
			aurmig__err_at(p->ctx, rc, AURMIG_ERRCLASS_DB, m->path, st[i].line,
				"%s of revision %s failed at statement %zu: %s",
				dir == AURMIG_UPGRADE ? "upgrade" : "downgrade", m->id, i + 1,
				dbmsg ? dbmsg : "database error");
			free(dbmsg);
			aurmig__err_set_db_code(p->ctx, code);
			aurmig__err_set_statement(p->ctx, one);
		} else {
			s->statements++;
		}
		free(one);
	}
	free(st);
	return rc;
}

static int fail(aurmig_plan *p, const aurmig_step *s, int rc)
{
	if (s && s->mig)
		aurmig__err_set_revision(p->ctx, s->mig->id);
	aurmig__db_rollback(p->conn);
	p->plan_tx = 0;
	p->failed = 1;
	return rc;
}

static int progress(aurmig_plan *p, const aurmig_step *s, int phase)
{
	if (p->opts.progress && p->opts.progress(p->opts.progress_payload, s, phase))
		return aurmig__err(p->ctx, AURMIG_EUSER, AURMIG_ERRCLASS_CALLBACK,
			"stopped by the progress callback");
	return AURMIG_OK;
}

int aurmig__plan_apply_next(aurmig_plan *p, const aurmig_step **out)
{
	int one_tx = (p->opts.flags & AURMIG_PLAN_ONE_TRANSACTION) != 0;
	int first = p->next == 0;
	aurmig_step *s;
	int tx, rc;
	double t0;

	aurmig__err_clear(p->ctx);
	if (p->failed)
		return aurmig__err(p->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"the plan stopped after a failure; make a new plan");
	if (p->next >= p->nsteps) {
		if (first && p->purge && p->before.n) {
			/* stamp --purge to base: nothing but the purge itself */
			if ((rc = aurmig__db_begin(p->conn)) || (rc = aurmig__version_delete_all(p->conn)) ||
			    (rc = aurmig__db_commit(p->conn)))
				return fail(p, NULL, rc);
			p->next = 1;   /* done once */
		}
		if (p->plan_tx) {
			p->plan_tx = 0;
			if ((rc = aurmig__db_commit(p->conn)))
				return fail(p, NULL, rc);
		}
		return AURMIG_ITEROVER;
	}
	s = &p->steps[p->next];
	if ((rc = progress(p, s, AURMIG_PROGRESS_START)))
		return fail(p, s, rc);
	t0 = now_seconds();
	tx = s->mig ? s->mig->transactional : 1;

	if (one_tx && !p->plan_tx && tx) {
		if ((rc = aurmig__db_begin(p->conn)))
			return fail(p, s, rc);
		p->plan_tx = 1;
	} else if (one_tx && p->plan_tx && !tx) {
		/* a script that must run outside a transaction ends the open one */
		p->plan_tx = 0;
		if ((rc = aurmig__db_commit(p->conn)))
			return fail(p, s, rc);
	} else if (!one_tx && tx) {
		if ((rc = aurmig__db_begin(p->conn)))
			return fail(p, s, rc);
	}
	if (first && p->purge && (rc = aurmig__version_delete_all(p->conn)))
		return fail(p, s, rc);
	if (first && p->command != AURMIG_CMD_DOWNGRADE && (rc = aurmig__version_ensure(p->conn)))
		return fail(p, s, rc);
	if (s->mig && (rc = run_script(p, s)))
		return fail(p, s, rc);
	if (!tx && (rc = aurmig__db_begin(p->conn)))
		return fail(p, s, rc);
	if ((rc = run_rowops(p, s)))
		return fail(p, s, rc);
	if (!one_tx || !tx) {
		if ((rc = aurmig__db_commit(p->conn)))
			return fail(p, s, rc);
		if (one_tx && !tx && p->next + 1 < p->nsteps) {
			if ((rc = aurmig__db_begin(p->conn)))
				return fail(p, s, rc);
			p->plan_tx = 1;
		}
	}
	s->seconds = now_seconds() - t0;
	p->next++;
	if (p->next == p->nsteps && p->plan_tx) {
		p->plan_tx = 0;
		if ((rc = aurmig__db_commit(p->conn)))
			return fail(p, s, rc);
	}
	if (out)
		*out = s;
	if ((rc = progress(p, s, AURMIG_PROGRESS_DONE)))
		return fail(p, s, rc);
	return AURMIG_OK;
}
