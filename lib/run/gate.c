/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The recovery gate every run passes before planning: interrupted atomic
 * runs are marked, a half-applied migration blocks with the commands that
 * resolve it (recovery.c).
 */
#include <stdlib.h>
#include <string.h>

#include "db/journal.h"
#include "db/lock.h"
#include "run/plan_priv.h"
#include "run/init_priv.h"
#include "base/split.h"

/* Statement k (0-based) of the row's migration: its file line (or 0), and
 * whether it is a data statement (run in one transaction with its journal
 * update: kept whole or not at all) or DDL, or unsure (may be partly
 * applied). Only for the message: a script that no longer splits gives 0, 0. */
static void statement_at(aurmig_conn *c, const aurmig_migration *m, int downgrade, long k, int *line, int *dml)
{
	int dir = downgrade ? AURMIG_DOWNGRADE : AURMIG_UPGRADE;
	int first;
	const char *sql = m ? aurmig_migration_sql(m, dir, c->dialect, &first) : NULL;
	aurmig__stmt *st = NULL;
	size_t n = 0;

	*line = *dml = 0;
	if (!sql)
		return;
	aurmig__err_hold(c->ctx);
	if (aurmig__split(&st, &n, c->ctx, sql, strlen(sql), c->dialect, m->path, first) == AURMIG_OK &&
	    k >= 0 && (size_t)k < n) {
		*line = st[k].line;
		*dml = aurmig__stmt_is_dml(sql + st[k].offset, st[k].len, c->dialect);
	}
	aurmig__err_release(c->ctx);
	free(st);
}

/* The refusal that names what was applied and the commands to recover. */
static int blocked(aurmig_conn *c, const aurmig_graph *g, const aurmig__jrow *j)
{
	if (!strcmp(j->operation, "init"))
		return aurmig__init_blocked(c, j);   /* a stopped init: its own account */
	const aurmig_migration *m = aurmig_graph_get(g, j->revision);
	int died = strcmp(j->outcome, AURMIG__J_RUNNING) == 0;
	int down = aurmig__journal_row_downgrade(j);
	/* all statements ran: what failed (or died) is the version change */
	int after = j->total > 0 && j->done >= j->total;
	int line = 0, dml = 0;
	const char *dir = down ? "downgrade" : "upgrade";
	aurmig__buf b;
	char *msg;
	int rc;

	if (!after)
		statement_at(c, m, down, j->done, &line, &dml);
	aurmig__buf_init(&b, c->ctx);
	if (strcmp(j->operation, dir) == 0)
		aurmig__buf_printf(&b, "%s of revision %s ", dir, j->revision);
	else
		aurmig__buf_printf(&b, "%s (%s) of revision %s ", dir, j->operation, j->revision);
	if (after)
		aurmig__buf_printf(&b, "%s after its last statement (%ld of %ld), before the version change",
			died ? "was interrupted (the process died)" : "failed", j->done, j->total);
	else
		aurmig__buf_printf(&b, "%s at statement %ld of %ld",
			died ? "was interrupted (the process died)" : "failed", j->done + 1, j->total);
	if (line)
		aurmig__buf_printf(&b, " (%s:%d)", m->path, line);
	aurmig__buf_printf(&b, ", run by pid %ld on %s as %s, started %s", j->pid, j->host,
		*j->os_user ? j->os_user : "?", j->started_at);
	if (*j->error)
		aurmig__buf_printf(&b, ": %s", j->error);
	aurmig__buf_printf(&b, ".\nStatements 1..%ld of it are applied", j->done);
	if (died && !after && dml)
		aurmig__buf_printf(&b, "; statement %ld is a data statement (DML), which ran in one transaction "
			"with its journal record: it is not applied (on a transactional table such as InnoDB's), "
			"and resume runs it once", j->done + 1);
	else if (died && !after)
		aurmig__buf_printf(&b, ", and statement %ld (DDL, or not known to be a data statement) may be "
			"partly applied (check it by hand)", j->done + 1);
	aurmig__buf_printf(&b, "; the version table was not changed for it. Every run refuses until this "
		"is resolved. Fix the cause, then run one of:\n");
	if (after)
		aurmig__buf_printf(&b, "  aurmig resume\n      record %s as done (no statement is left to run)\n",
			j->revision);
	else
		aurmig__buf_printf(&b, "  aurmig resume\n      run the rest of %s (from statement %ld of the current "
			"file)\n", j->revision, j->done + 1);
	aurmig__buf_printf(&b, "  aurmig mark-applied %s\n      you completed it by hand\n"
		"  aurmig mark-rolled-back %s\n      you undid statements 1..%ld by hand",
		j->revision, j->revision, j->done);
	if (!(msg = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	rc = aurmig__err_at(c->ctx, AURMIG_ERECOVERY, AURMIG_ERRCLASS_DB, NULL, 0, "%s", msg);
	free(msg);
	if (m && aurmig__err_set_location(c->ctx, m->path, line))
		return AURMIG_ENOMEM;
	aurmig__err_set_revision(c->ctx, j->revision);
	return rc;
}

/* A running step whose run still holds the deploy lock, as a sentence. */
char *aurmig__in_progress_msg(aurmig_context *ctx, const char *op, const char *rev, long done, long total,
	const char *run_id, long pid, const char *host, const char *since, const char *note)
{
	/* a batched statement's progress (run/batch.c) */
	const char *b = note ? strstr(note, "[batch ") : NULL;

	int blen = b ? (int)(strcspn(b, "]") + (b[strcspn(b, "]")] ? 1 : 0)) : 0;

	return aurmig__printf(ctx, "a migration is in progress: %s of %s, at statement %ld of %ld%s%.*s, run %s by "
		"pid %ld on %s, started %s (its process holds the deploy lock); wait for it to end",
		op, rev, done + 1 < total ? done + 1 : total, total, b ? " " : "", blen, b ? b : "", run_id, pid,
		*host ? host : "?", since);
}

/* Refuse when one of rows is 'running' and its run is alive (holds the
 * deploy lock, which the caller does not): one probe, only when a running
 * row exists. AURMIG_EINPROGRESS naming the run, else AURMIG_OK. */
int aurmig__refuse_if_live(aurmig_conn *c, const aurmig__jrows *rows)
{
	const aurmig__jrow *j = NULL;
	char *msg;
	int held, rc;

	for (size_t i = 0; i < rows->n; i++)
		if (strcmp(rows->v[i].outcome, AURMIG__J_RUNNING) == 0)
			j = &rows->v[i];
	if (!j)
		return AURMIG_OK;
	if ((rc = aurmig__lock_probe(c, &held)) || !held)
		return rc;
	if (!(msg = aurmig__in_progress_msg(c->ctx, j->operation, j->revision, j->done, j->total, j->run_id, j->pid,
		      j->host, j->started_at, j->error)))
		return AURMIG_ENOMEM;
	rc = aurmig__err(c->ctx, AURMIG_EINPROGRESS, AURMIG_ERRCLASS_DB, "%s", msg);
	free(msg);
	aurmig__err_set_revision(c->ctx, j->revision);
	return rc;
}

int aurmig__recovery_gate(aurmig_conn *c, const aurmig_graph *g, int have_lock)
{
	aurmig__jrows rows;
	int rc = aurmig__journal_read(c, "outcome IN ('running', 'failed', 'queued')", &rows);
	const char *cancelled = NULL;

	/* with the lock held (by us), a running row's run is dead; without it
	 * (AURMIG_PLAN_NO_LOCK), ask whether it is alive */
	if (!rc && !have_lock)
		rc = aurmig__refuse_if_live(c, &rows);
	for (size_t i = 0; i < rows.n && !rc; i++) {
		aurmig__jrow *j = &rows.v[i];
		if (strcmp(j->outcome, AURMIG__J_QUEUED) == 0) {
			/* a dead run's later steps (MySQL), never started: deleted,
			 * all of a run at once (its rows follow each other) */
			if (have_lock && (!cancelled || strcmp(cancelled, j->run_id) != 0)) {
				rc = aurmig__journal_drop_queued(c, j->run_id);
				cancelled = j->run_id;
			}
			continue;
		}
		if (strcmp(j->outcome, AURMIG__J_RUNNING) == 0 && j->atomic) {
			if (!have_lock)
				continue;   /* may be another run, live */
			aurmig__log(c->ctx, AURMIG_LOG_WARNING,
				"an earlier run (pid %ld on %s, started %s) was interrupted during %s of %s; "
				"the database rolled it back", j->pid, j->host, j->started_at, j->operation, j->revision);
			rc = aurmig__journal_set_outcome(c, j->run_id, j->seq, AURMIG__J_INTERRUPTED, AURMIG__J_RUNNING);
			continue;
		}
		rc = blocked(c, g, j);
	}
	aurmig__journal_rows_clear(&rows);
	return rc;
}
