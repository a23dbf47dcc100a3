/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * After a failure: the operator's recovery actions, and validation of the
 * database against the files (checksums). The gate every run passes is in
 * gate.c.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/journal.h"
#include "db/state.h"
#include "db/lock.h"
#include "run/init_priv.h"
#include "run/plan_priv.h"
#include "base/split.h"
#include "db/version.h"
#include "graph/sum.h"

#define BLOCKING "(outcome = 'failed' OR (outcome = 'running' AND is_atomic = 0))"

/* ---------------------------------------------------------------- recover */

static void resolution_entry(aurmig__jentry *e, const char *run_id, const aurmig__jrow *j, const char *op,
	const char *outcome, const aurmig_step *s, long done, const char *checksum, int atomic)
{
	memset(e, 0, sizeof(*e));
	e->run_id = run_id;
	e->seq = 0;
	e->revision = j->revision;
	e->operation = op;
	e->from = &s->from;
	e->to = &s->to;
	e->checksum = checksum;
	e->total = j->total;
	e->done = done;
	e->outcome = outcome;
	e->atomic = atomic;
}

static int insert_resolution(aurmig_conn *c, const char *run_id, const aurmig__jrow *j, const char *op,
	const char *outcome, const aurmig_step *s, long done, const char *checksum, int atomic)
{
	aurmig__jentry e;

	resolution_entry(&e, run_id, j, op, outcome, s, done, checksum, atomic);
	return aurmig__journal_insert(c, &e);
}

/* A revision and one of its descendants recorded together (issue 14.4). */
static int broken_rows(aurmig_conn *c, const aurmig_graph *g, const aurmig__strv *rows)
{
	unsigned char *mark;
	int rc = AURMIG_OK;

	if (rows->n < 2)
		return AURMIG_OK;
	if (!(mark = aurmig__calloc(c->ctx, g->n ? g->n : 1, 1)))
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < rows->n && !rc; i++) {
		size_t x = aurmig__graph_index(g, rows->v[i]);
		if (x == AURMIG__NONE)
			continue;
		/* the down-revision lineage only: a dependency (depends_on) may
		 * stay recorded beside its dependent */
		memset(mark, 0, g->n);
		if ((rc = aurmig__graph_mark_descendants(g, c->ctx, &x, 1, mark, 0)))
			break;
		for (size_t k = 0; k < rows->n; k++) {
			size_t y = aurmig__graph_index(g, rows->v[k]);
			if (k == i || y == AURMIG__NONE || !mark[y])
				continue;
			rc = aurmig__err(c->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB,
				"the version table %s is broken: it records both %s and its descendant %s, which no "
				"migration writes (a revision's row replaces its ancestors'); find out which is true, "
				"then delete the other row by hand (DELETE FROM %s WHERE version_num = '%s' if %s is)",
				c->version_table, rows->v[i], rows->v[k], c->version_table, rows->v[i], rows->v[k]);
			break;
		}
	}
	free(mark);
	return rc;
}

/* Where the version table stands for the migration a row recovers: the
 * recorded row that is its revision or a descendant of it (NULL: none). */
static const char *recorded_at(aurmig_conn *c, const aurmig_graph *g, const aurmig_migration *m,
	const aurmig__strv *heads, int *rc)
{
	unsigned char *mark = aurmig__calloc(c->ctx, g->n ? g->n : 1, 1);
	size_t x = m->idx;
	const char *at = NULL;

	*rc = mark ? aurmig__graph_mark_descendants(g, c->ctx, &x, 1, mark, 0) : AURMIG_ENOMEM;
	for (size_t i = 0; i < heads->n && !*rc && !at; i++) {
		size_t y = aurmig__graph_index(g, heads->v[i]);
		if (y != AURMIG__NONE && mark[y])
			at = heads->v[i];
	}
	free(mark);
	return at;
}

/* Refuse a recovery that the version table contradicts (issue 14.4): an
 * upgrade whose revision, or a descendant, is recorded already; a downgrade
 * with a descendant recorded, or whose revision is no longer recorded. Only
 * mark-applied goes on then, when the version change is the one already made:
 * *journal_only is set, and it resolves the journal row alone. */
static int contradicted(aurmig_conn *c, const aurmig_graph *g, const aurmig_migration *m, int down,
	int action, const aurmig__strv *heads, int *journal_only)
{
	int rc;
	const char *at = recorded_at(c, g, m, heads, &rc);

	*journal_only = 0;
	if (rc)
		return rc;
	if (down && at && strcmp(at, m->id) != 0)
		return aurmig__err(c->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB,
			"the version table %s records %s, a descendant of %s: the downgrade of %s cannot be "
			"recovered while %s is applied; correct the version table first", c->version_table, at,
			m->id, m->id, at);
	if (down ? at != NULL : at == NULL)
		return AURMIG_OK;   /* as the failed step left it */
	if (action == AURMIG_RECOVER_MARK_APPLIED) {
		*journal_only = 1;
		if (down)
			aurmig__log(c->ctx, AURMIG_LOG_WARNING, "the version table %s no longer records %s: its "
				"downgrade counts as done; resolving only the journal row, the version table stays as it is",
				c->version_table, m->id);
		else
			aurmig__log(c->ctx, AURMIG_LOG_WARNING, "the version table %s already records %s (%s or a "
				"descendant of it): %s counts as applied; resolving only the journal row, the "
				"version table stays as it is", c->version_table, at, m->id, m->id);
		return AURMIG_OK;
	}
	if (down)
		return aurmig__err(c->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB,
			"the version table %s no longer records %s (nor a descendant of it): its downgrade counts as "
			"done, and %s. If it is done, run 'aurmig mark-applied %s' (it resolves only the journal "
			"row); else correct the version table first", c->version_table, m->id,
			action == AURMIG_RECOVER_RESUME ? "resuming would record it again" :
			"marking it rolled back would contradict that", m->id);
	return aurmig__err(c->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB,
		"the version table %s already records %s (%s or a descendant of it): %s counts as applied, and "
		"%s. If it is applied, run 'aurmig mark-applied %s' (it resolves only the journal row); else "
		"correct the version table first", c->version_table, at, m->id, m->id,
		action == AURMIG_RECOVER_RESUME ? "resuming would record it again" :
		"marking it rolled back would contradict that", m->id);
}

static int rowops(aurmig_plan *p)
{
	const aurmig_step *s = &p->steps[0];
	int rc = AURMIG_OK;

	for (size_t k = 0; k < s->nops && !rc; k++) {
		const aurmig__rowop *o = &s->ops[k];
		rc = o->op == AURMIG__OP_INSERT ? aurmig__version_insert(p->conn, o->a) :
		     o->op == AURMIG__OP_UPDATE ? aurmig__version_update(p->conn, o->a, o->b) :
		     aurmig__version_delete(p->conn, o->a);
	}
	return rc;
}

/* Before rowops' transaction (MySQL's CREATE TABLE would commit it): the
 * version table, when a row goes in. The first revision's run may have died
 * after its journal row, before it made the table. */
static int rowops_table(aurmig_plan *p)
{
	const aurmig_step *s = &p->steps[0];

	for (size_t k = 0; k < s->nops; k++)
		if (s->ops[k].op == AURMIG__OP_INSERT)
			return aurmig__version_ensure(p->conn);
	return AURMIG_OK;
}

static int do_recover(aurmig_conn *c, const aurmig_graph *g, int action, const char *revision,
	const aurmig_plan_options *opts, aurmig_plan **pp)
{
	aurmig__jrows rows = { 0 };
	aurmig__jrow *j;
	const aurmig_migration *m;
	aurmig__strv heads = { 0 };
	aurmig_plan *p = NULL;
	char run_id[33];
	int rc, kind, down, journal_only = 0;

	if ((rc = aurmig__journal_read(c, BLOCKING, &rows)))
		return rc;
	if (!rows.n) {
		rc = aurmig__err(c->ctx, AURMIG_ENOTFOUND, AURMIG_ERRCLASS_DB,
			"no failed migration awaits recovery");
		goto done;
	}
	j = &rows.v[rows.n - 1];
	if (!strcmp(j->operation, "init")) {
		rc = aurmig__init_blocked(c, j);   /* the head schema is no migration to resume */
		goto done;
	}
	if (revision && strcmp(revision, j->revision) != 0) {
		rc = aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"the migration awaiting recovery is %s, not %s", j->revision, revision);
		goto done;
	}
	if (!(m = aurmig_graph_get(g, j->revision))) {
		rc = aurmig__err(c->ctx, AURMIG_EUNKNOWNREV, AURMIG_ERRCLASS_TARGET,
			"the failed migration %s is not in the migrations directory", j->revision);
		goto done;
	}
	down = aurmig__journal_row_downgrade(j);
	kind = down ? AURMIG_STEP_DOWNGRADE : AURMIG_STEP_UPGRADE;
	if ((rc = aurmig__version_read(c, &heads)) || (rc = broken_rows(c, g, &heads)) ||
	    (rc = contradicted(c, g, m, down, action, &heads, &journal_only)))
		goto done;
	if (journal_only) {
		/* the version table says the step is done: record the operator's
		 * word in the journal only */
		aurmig_step none = { 0 };
		if (aurmig__journal_run_id(run_id)) {
			rc = aurmig__err(c->ctx, AURMIG_ERROR, AURMIG_ERRCLASS_OS, "no random numbers for the run id");
			goto done;
		}
		if ((rc = aurmig__db_begin(c)) ||
		    (rc = aurmig__journal_set_outcome(c, j->run_id, j->seq, AURMIG__J_RESOLVED, j->outcome)) ||
		    (rc = insert_resolution(c, run_id, j, "mark-applied", AURMIG__J_SUCCESS, &none, j->total,
			    down ? NULL : aurmig__script_checksum(m), 1)) ||
		    (rc = aurmig__db_commit(c)))
			aurmig__db_rollback(c);
		goto done;
	}
	if ((rc = aurmig__plan_single(&p, c, g, kind, m, &heads)))
		goto done;
	*pp = p;
	if (opts)
		aurmig__plan_options_copy(&p->opts, opts);
	if (aurmig__journal_run_id(run_id)) {
		rc = aurmig__err(c->ctx, AURMIG_ERROR, AURMIG_ERRCLASS_OS, "no random numbers for the run id");
		goto done;
	}
	memcpy(p->run_id, run_id, sizeof(run_id));

	if (action == AURMIG_RECOVER_RESUME) {
		size_t done = 0, total = 0;
		aurmig_step *s = &p->steps[0];

		/* hand the state over to a new row, in one transaction */
		if ((rc = aurmig__db_begin(c)) ||
		    (rc = aurmig__journal_set_outcome(c, j->run_id, j->seq, AURMIG__J_RESOLVED, j->outcome)) ||
		    (rc = insert_resolution(c, run_id, j, "resume", AURMIG__J_RUNNING, s, j->done, aurmig__script_checksum(m), 0)) ||
		    (rc = aurmig__db_commit(c))) {
			aurmig__db_rollback(c);
			goto done;
		}
		p->marker_seq = 0;
		if (p->opts.progress && p->opts.progress(p->opts.progress_payload, s, AURMIG_PROGRESS_START)) {
			rc = aurmig__err(c->ctx, AURMIG_EUSER, AURMIG_ERRCLASS_CALLBACK, "stopped by the progress callback");
			goto resume_failed;
		}
		{
			struct timespec t0, t1;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			if ((rc = aurmig__batch_resume_from(p, j->error)) ||
			    (rc = aurmig__run_statements(p, s, (size_t)j->done, &done, &total, 0)))
				goto resume_failed;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			s->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		}
		if ((rc = rowops_table(p)) || (rc = aurmig__db_begin(c)) || (rc = rowops(p)) ||
		    (rc = aurmig__journal_update(c, run_id, 0, (long)done, AURMIG__J_SUCCESS, NULL, AURMIG__J_RUNNING)) ||
		    (rc = aurmig__db_commit(c))) {
			aurmig__db_rollback(c);
			goto resume_failed;
		}
		p->next = 1;
		if (p->opts.progress)
			p->opts.progress(p->opts.progress_payload, s, AURMIG_PROGRESS_DONE);
		goto done;
resume_failed:
		{
			char *msg = aurmig__err_message_dup(c->ctx, 1);
			aurmig__jentry e;
			/* the version change's transaction, if open, goes first */
			aurmig__db_rollback(c);
			resolution_entry(&e, run_id, j, "resume", AURMIG__J_FAILED, s, (long)done,
				aurmig__script_checksum(m), 0);
			e.error = msg ? msg : "";
			aurmig__err_hold(c->ctx);
			aurmig__journal_finish(c, &e, AURMIG__J_RUNNING);
			aurmig__err_release(c->ctx);
			free(msg);
			if (rc != AURMIG_EUSER && rc != AURMIG_ENOMEM)
				rc = AURMIG_ERECOVERY;
		}
		goto done;
	}
	if (action == AURMIG_RECOVER_MARK_APPLIED || action == AURMIG_RECOVER_MARK_ROLLED_BACK) {
		int applied = action == AURMIG_RECOVER_MARK_APPLIED;
		if ((applied && (rc = rowops_table(p))) || (rc = aurmig__db_begin(c)) ||
		    (applied && (rc = rowops(p))) ||
		    (rc = aurmig__journal_set_outcome(c, j->run_id, j->seq, AURMIG__J_RESOLVED, j->outcome)) ||
		    (rc = insert_resolution(c, run_id, j, applied ? "mark-applied" : "mark-rolled-back",
			    AURMIG__J_SUCCESS, &p->steps[0], applied ? j->total : 0, applied ? aurmig__script_checksum(m) : NULL, 1)) ||
		    (rc = aurmig__db_commit(c)))
			aurmig__db_rollback(c);
		goto done;
	}
	rc = aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "unknown recovery action %d", action);
done:
	aurmig__strv_clear(&heads);
	aurmig__journal_rows_clear(&rows);
	return rc;
}

int aurmig_recover(aurmig_conn *c, const aurmig_graph *g, int action, const char *revision,
	const aurmig_plan_options *opts)
{
	aurmig_plan *p = NULL;
	int locked = 0, rc;

	if (!c || !g)
		return c ? aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_recover: NULL argument") : AURMIG_EINVALID;
	aurmig__err_clear(c->ctx);
	if (opts && (rc = aurmig__opts_version(c->ctx, "aurmig_recover", "aurmig_plan_options",
			opts->version, AURMIG_PLAN_OPTIONS_VERSION)))
		return rc;
	{
		/* recovery is for a run that died: never wait for (or, without
		 * the lock, run beside) one that is alive */
		aurmig__jrows live = { 0 };
		if (!(rc = aurmig__journal_read(c, "outcome = '" AURMIG__J_RUNNING "'", &live)))
			rc = aurmig__refuse_if_live(c, &live);
		aurmig__journal_rows_clear(&live);
		if (rc)
			return rc;
	}
	if (!opts || !(opts->flags & AURMIG_PLAN_NO_LOCK)) {
		if ((rc = aurmig__lock_acquire(c, opts ? opts->lock_timeout_ms : 60000)))
			return rc;
		locked = 1;
	}
	rc = do_recover(c, g, action, revision, opts, &p);
	if (p)
		p->marker_seq = -1;
	aurmig_plan_free(p);
	if (locked)
		aurmig__lock_release(c);
	return rc;
}

/* ---------------------------------------------------------------- validate */

struct aurmig_report {
	aurmig_context *ctx;
	int *kinds;
	aurmig__strv revs;
	aurmig__strv msgs;
	char *run[AURMIG__RUN_FIELDS];   /* the first in-progress row, by aurmig_run_field */
};

/* Keep the fields of the first in-progress row (cells of DETAIL_COLS). */
static int keep_run(aurmig_report *r, char *const *j, long done, long total)
{
	char k[32], n[32];
	const char *v[AURMIG__RUN_FIELDS] = { 0 };

	if (r->run[AURMIG_RUN_ID])
		return AURMIG_OK;
	snprintf(k, sizeof(k), "%ld", done + 1 < total ? done + 1 : total);
	snprintf(n, sizeof(n), "%ld", total);
	v[AURMIG_RUN_ID] = j[6];
	v[AURMIG_RUN_HOST] = j[7];
	v[AURMIG_RUN_PID] = j[8];
	v[AURMIG_RUN_SINCE] = j[9];
	v[AURMIG_RUN_REVISION] = j[0];
	v[AURMIG_RUN_OPERATION] = j[1];
	v[AURMIG_RUN_STATEMENT] = k;
	v[AURMIG_RUN_STATEMENTS] = n;
	for (int i = 1; i < AURMIG__RUN_FIELDS; i++)
		if (!(r->run[i] = aurmig__strdup(r->ctx, v[i])))
			return AURMIG_ENOMEM;
	return AURMIG_OK;
}

const char *aurmig__report_run(const aurmig_report *r, int field)
{
	return r && field > 0 && field < AURMIG__RUN_FIELDS ? r->run[field] : NULL;
}

static int add_issue(aurmig_report *r, int kind, const char *rev, char *msg)
{
	int *k;

	if (!msg)
		return AURMIG_ENOMEM;
	k = aurmig__reallocarray(r->ctx, r->kinds, r->revs.n + 1, sizeof(*k));
	if (!k) {
		free(msg);
		return AURMIG_ENOMEM;
	}
	r->kinds = k;
	if (aurmig__strv_push(&r->revs, r->ctx, rev)) {
		free(msg);
		return AURMIG_ENOMEM;
	}
	if (aurmig__strv_push_own(&r->msgs, r->ctx, msg)) {
		r->revs.n--;
		free(r->revs.v[r->revs.n]);
		return AURMIG_ENOMEM;
	}
	r->kinds[r->revs.n - 1] = kind;
	return AURMIG_OK;
}

/* Latest recorded checksum of each revision, by graph index (NULL: none),
 * from rows of ncols cells whose first two are revision and checksum, oldest
 * first (later wins); rows for which skip is set are left out. Points into
 * cells. */
static int recorded_checksums(const aurmig_graph *g, aurmig_context *ctx, const aurmig__strv *cells,
	size_t ncols, const unsigned char *skip, const char ***out)
{
	const char **sums = aurmig__calloc(ctx, g->n ? g->n : 1, sizeof(*sums));

	*out = sums;
	if (!sums)
		return AURMIG_ENOMEM;
	for (size_t r = 0, i = 0; i + ncols <= cells->n; r++, i += ncols) {
		size_t x;
		if (skip && skip[r])
			continue;
		x = aurmig__graph_index(g, cells->v[i]);
		if (x != AURMIG__NONE)
			sums[x] = cells->v[i + 1];
	}
	return AURMIG_OK;
}

/* Applied revisions (ancestors of the known rows) as marks over the graph. */
static int applied_marks(const aurmig_graph *g, aurmig_context *ctx, const aurmig__strv *rows,
	unsigned char **out)
{
	aurmig__idxv cur = { 0 };
	int rc = AURMIG_OK;

	*out = aurmig__calloc(ctx, g->n ? g->n : 1, 1);
	if (!*out)
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < rows->n && !rc; i++) {
		size_t x = aurmig__graph_index(g, rows->v[i]);
		if (x != AURMIG__NONE)
			rc = aurmig__idxv_push(&cur, ctx, x);
	}
	if (!rc)
		rc = aurmig__graph_mark_ancestors(g, ctx, cur.v, cur.n, *out, 1);
	aurmig__idxv_clear(&cur);
	return rc;
}

/* Running rows: an atomic step's (rolled back by the database if its run
 * died) as well as the others (which then await recovery). */
#define LIVE_ROWS "outcome = '" AURMIG__J_RUNNING "'"
#define DETAIL_COLS "revision, operation, statements_done, statements_total, outcome, is_atomic, run_id, " \
	"host, pid, started_at, error"
#define DETAIL_NCOLS 11
/* what validate reads of those rows and of the rows recording checksums */
#define STATE_COLS "revision, checksum, outcome, operation, statements_done, statements_total, is_atomic, " \
	"run_id, host, pid, started_at, error"
#define STATE_NCOLS 12

/* A batched statement's note in a journal row's error column (run/batch.c), for messages. */
static const char *note_at(const char *error)
{
	const char *b = strstr(error, "[batch ");
	return b ? b : "";
}

static int note_len(const char *error)
{
	const char *b = note_at(error);
	return *b ? (int)(strcspn(b, "]") + (b[strcspn(b, "]")] ? 1 : 0)) : 0;
}

static int in_strv(const aurmig__strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return 1;
	return 0;
}

/* The findings of the failed and running rows (cells of DETAIL_COLS, read
 * before): a running row whose run holds the deploy lock is a migration in
 * progress (one probe of the lock, only when there is a running row). When
 * none holds it, the run died, or ended between the read and the probe:
 * the running rows' run ids are read again, and a row still running after
 * the lock was seen free belongs to a dead run: a non-atomic one awaits
 * recovery, an atomic one was rolled back by the database (the next run
 * marks it). One that ended meanwhile was in progress when read. */
static int recovery_issues(aurmig_report *r, aurmig_conn *c, const aurmig__strv *details)
{
	aurmig__strv still = { 0 };
	int running = 0, held = 0, rc = AURMIG_OK;

	for (size_t i = 0; i + DETAIL_NCOLS <= details->n; i += DETAIL_NCOLS)
		running |= strcmp(details->v[i + 4], AURMIG__J_RUNNING) == 0;
	if (running && (rc = aurmig__lock_probe(c, &held)))
		return rc;
	if (running && !held && (rc = aurmig__journal_select(c, "run_id", 1, LIVE_ROWS, &still)))
		return rc;
	for (size_t i = 0; i + DETAIL_NCOLS <= details->n && !rc; i += DETAIL_NCOLS) {
		/* revision, operation, done, total, outcome, atomic, run id, host, pid, since */
		char *const *j = details->v + i;
		long done = strtol(j[2], NULL, 10), total = strtol(j[3], NULL, 10);
		int live = strcmp(j[4], AURMIG__J_RUNNING) == 0;
		int alive = held || !in_strv(&still, j[6]);

		if (live && alive) {
			rc = add_issue(r, AURMIG_ISSUE_IN_PROGRESS, j[0], aurmig__in_progress_msg(c->ctx, j[1], j[0], done,
				total, j[6], strtol(j[8], NULL, 10), j[7], j[9], j[10]));
			if (!rc)
				rc = keep_run(r, j, done, total);
		}
		else if ((!live || strcmp(j[5], "0") == 0) && !strcmp(j[1], "init"))
			rc = add_issue(r, AURMIG_ISSUE_RECOVERY, j[0], aurmig__printf(c->ctx,
				"aurmig init stopped after statement %ld of %ld of the head schema: the database holds "
				"part of it and no version row; run 'aurmig init' again (it drops the empty tables the "
				"stopped init created), or drop the tables by hand and retry", done, total));
		else if (!live || strcmp(j[5], "0") == 0)
			rc = add_issue(r, AURMIG_ISSUE_RECOVERY, j[0], aurmig__printf(c->ctx,
				"%s of %s stopped after statement %ld of %ld%s%.*s and awaits recovery "
				"(aurmig resume, mark-applied or mark-rolled-back)", j[1], j[0], done, total,
				strstr(j[10], "[batch ") ? " " : "", note_len(j[10]), note_at(j[10])));
	}
	aurmig__strv_clear(&still);
	return rc;
}

static int has_unknown(const aurmig_report *r)
{
	for (size_t i = 0; i < r->revs.n; i++)
		if (r->kinds[i] == AURMIG_ISSUE_UNKNOWN)
			return 1;
	return 0;
}

/* An applied revision without a recorded checksum (stamped or migrated by
 * Alembic): the committed aurmig.sum, when there is one, is its reference.
 * A script that differs from it was edited since the sum was written. */
static int unrecorded_issue(aurmig_report *r, aurmig_conn *c, const aurmig_graph *g, const aurmig_migration *m)
{
	char *committed = NULL;
	int found = 0, rc;

	if ((rc = aurmig__graph_sum_of(g, m, &found, &committed)))
		return rc;
	if (!found)
		rc = add_issue(r, AURMIG_ISSUE_UNRECORDED, m->id, aurmig__printf(c->ctx,
			"%s is applied but no checksum was recorded for it (applied by another tool?)", m->id));
	else if (!committed)
		rc = add_issue(r, AURMIG_ISSUE_UNRECORDED, m->id, aurmig__printf(c->ctx,
			"%s is applied but no checksum was recorded for it (applied by another tool?), and aurmig.sum "
			"has no line for %s: nothing to compare it with", m->id, m->path));
	else if (strcmp(committed, aurmig__script_checksum(m)) == 0)
		rc = add_issue(r, AURMIG_ISSUE_UNRECORDED, m->id, aurmig__printf(c->ctx,
			"%s is applied but no checksum was recorded for it (applied by another tool?); its script "
			"matches the committed aurmig.sum", m->id));
	else
		rc = add_issue(r, AURMIG_ISSUE_CHANGED, m->id, aurmig__printf(c->ctx,
			"%s is applied but no checksum was recorded for it (applied by another tool?), and %s differs "
			"from the committed aurmig.sum: the script was edited since the sum was written; revert the "
			"edit, or accept it with 'aurmig validate --accept %s'", m->id, m->path, m->id));
	free(committed);
	return rc;
}

int aurmig_validate(aurmig_report **out, aurmig_conn *c, const aurmig_graph *g)
{
	return aurmig__validate_rows(out, c, g, NULL);
}

int aurmig__validate_rows(aurmig_report **out, aurmig_conn *c, const aurmig_graph *g, aurmig__strv *current)
{
	aurmig_report *r;
	aurmig__strv rows = { 0 }, cells = { 0 }, details = { 0 };
	unsigned char *applied = NULL, *blocking = NULL;
	const char **sums = NULL;
	size_t nrows, nblocking = 0;
	int rc;

	if (!out || !c || !g)
		return c ? aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_validate: NULL argument") : AURMIG_EINVALID;
	*out = NULL;
	aurmig__err_clear(c->ctx);
	if (!(r = aurmig__calloc(c->ctx, 1, sizeof(*r))))
		return AURMIG_ENOMEM;
	r->ctx = aurmig__context_ref(c->ctx);
	/* the version rows and, of the journal, the rows recording checksums
	 * and those awaiting attention (failed, running) with their details:
	 * one query (db/state.c) */
	if ((rc = aurmig__db_read_state(c, STATE_COLS, STATE_NCOLS, AURMIG__J_CHECKSUM_ROWS " OR "
		    AURMIG__J_RECOVERY_ROWS " OR " LIVE_ROWS, &rows, &cells)) || (rc = broken_rows(c, g, &rows)))
		goto done;
	nrows = cells.n / STATE_NCOLS;
	if (!(blocking = aurmig__calloc(c->ctx, nrows ? nrows : 1, 1))) {
		rc = AURMIG_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < nrows; i++)
		nblocking += blocking[i] = strcmp(cells.v[i * STATE_NCOLS + 2], AURMIG__J_SUCCESS) != 0;
	if ((rc = recorded_checksums(g, c->ctx, &cells, STATE_NCOLS, blocking, &sums)))
		goto done;
	for (size_t i = 0; i < rows.n && !rc; i++)
		if (!aurmig_graph_get(g, rows.v[i]))
			rc = add_issue(r, AURMIG_ISSUE_UNKNOWN, rows.v[i], aurmig__printf(c->ctx,
				"the database is at %s, which no migration file knows: the database is newer than "
				"these migrations; deploy the newer release, or downgrade with it first", rows.v[i]));
	/* the failed and running rows' details, in DETAIL_COLS' order */
	for (size_t i = 0; i < nrows && !rc && nblocking; i++) {
		static const int pick[DETAIL_NCOLS] = { 0, 3, 4, 5, 2, 6, 7, 8, 9, 10, 11 };
		if (!blocking[i])
			continue;
		for (size_t k = 0; k < DETAIL_NCOLS && !rc; k++)
			rc = aurmig__strv_push(&details, c->ctx, cells.v[i * STATE_NCOLS + pick[k]]);
	}
	if (!rc)
		rc = recovery_issues(r, c, &details);
	if (!rc)
		rc = applied_marks(g, c->ctx, &rows, &applied);
	for (size_t i = 0; i < g->n && !rc; i++) {
		const aurmig_migration *m = g->migs[i];
		const char *sum;
		if (!applied[i])
			continue;
		sum = sums[i];
		if (!sum)
			rc = unrecorded_issue(r, c, g, m);
		else if (strcmp(sum, aurmig__script_checksum(m)) != 0)
			rc = add_issue(r, AURMIG_ISSUE_CHANGED, m->id, aurmig__printf(c->ctx,
				"%s was edited after it was applied (%s): the database has what the old file said; "
				"revert the edit, or accept it with 'aurmig validate --accept %s'", m->id, m->path, m->id));
	}
	if (!rc && !has_unknown(r)) {
		/* pending: what upgrade heads would run (read-only planning). A
		 * pending script that cannot be planned for this database (no
		 * section for its dialect, a parse error) is an error: the check
		 * cannot tell, so it must not say "at head". (With a revision no
		 * file knows there is nothing to plan from: that is the finding.) */
		const char *heads = "heads";
		aurmig_plan_options o = AURMIG_PLAN_OPTIONS_INIT;
		aurmig_plan *p = NULL;

		o.flags = AURMIG_PLAN_NO_LOCK;
		/* from the rows read above: the version table is read once */
		rc = aurmig__plan_create(&p, c, g, AURMIG_CMD_UPGRADE, &heads, 1, &o, 0, &rows);
		for (size_t i = 0; !rc && i < p->nsteps; i++)
			rc = add_issue(r, AURMIG_ISSUE_PENDING, p->steps[i].mig->id, aurmig__printf(c->ctx,
				"%s is pending: %s", p->steps[i].mig->id, p->steps[i].mig->message));
		aurmig_plan_free(p);
	}
done:
	free(applied);
	free(blocking);
	free(sums);
	if (!rc && current) {
		*current = rows;   /* handed over */
		memset(&rows, 0, sizeof(rows));
	}
	aurmig__strv_clear(&rows);
	aurmig__strv_clear(&cells);
	aurmig__strv_clear(&details);
	if (rc) {
		aurmig_report_free(r);
		return rc;
	}
	*out = r;
	return AURMIG_OK;
}

size_t aurmig_report_count(const aurmig_report *r) { return r ? r->revs.n : 0; }
int aurmig_report_kind(const aurmig_report *r, size_t i) { return r && i < r->revs.n ? r->kinds[i] : 0; }
const char *aurmig_report_revision(const aurmig_report *r, size_t i)
{
	return r && i < r->revs.n ? r->revs.v[i] : NULL;
}
const char *aurmig_report_message(const aurmig_report *r, size_t i)
{
	return r && i < r->msgs.n ? r->msgs.v[i] : NULL;
}

void aurmig_report_free(aurmig_report *r)
{
	if (!r)
		return;
	free(r->kinds);
	for (int i = 0; i < AURMIG__RUN_FIELDS; i++)
		free(r->run[i]);
	aurmig__strv_clear(&r->revs);
	aurmig__strv_clear(&r->msgs);
	aurmig__context_unref(r->ctx);
	free(r);
}

int aurmig_accept_checksums(aurmig_conn *c, const aurmig_graph *g, const char *revision)
{
	return aurmig_accept_checksums_opts(c, g, revision, NULL);
}

int aurmig_accept_checksums_opts(aurmig_conn *c, const aurmig_graph *g, const char *revision,
	const aurmig_plan_options *opts)
{
	aurmig__strv rows = { 0 }, pairs = { 0 };
	unsigned char *applied = NULL;
	const char **sums = NULL;
	char run_id[33];
	long seq = 0;
	int rc, locked = 0, found = 0;

	if (!c || !g)
		return c ? aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_accept_checksums: NULL argument") : AURMIG_EINVALID;
	aurmig__err_clear(c->ctx);
	if (aurmig__journal_run_id(run_id))
		return aurmig__err(c->ctx, AURMIG_ERROR, AURMIG_ERRCLASS_OS, "no random numbers for the run id");
	if ((rc = aurmig__lock_acquire(c, opts ? opts->lock_timeout_ms : 60000)))
		return rc;
	locked = 1;
	if ((rc = aurmig__version_read(c, &rows)) || (rc = aurmig__journal_read_checksums(c, &pairs)) ||
	    (rc = recorded_checksums(g, c->ctx, &pairs, 2, NULL, &sums)) ||
	    (rc = applied_marks(g, c->ctx, &rows, &applied)) || (rc = aurmig__journal_ensure(c)) ||
	    (rc = aurmig__db_begin(c)))
		goto done;
	for (size_t i = 0; i < g->n && !rc; i++) {
		const aurmig_migration *m = g->migs[i];
		const char *sum;
		aurmig__strv self = { 0 };
		aurmig__jentry e = { 0 };

		if (!applied[i] || (revision && strcmp(revision, m->id) != 0))
			continue;
		found = 1;
		sum = sums[i];
		if (sum && strcmp(sum, aurmig__script_checksum(m)) == 0)
			continue;
		if ((rc = aurmig__strv_push(&self, c->ctx, m->id)))
			break;
		e.run_id = run_id;
		e.seq = seq++;
		e.revision = m->id;
		e.operation = "accept";
		e.from = &self;
		e.to = &self;
		e.checksum = aurmig__script_checksum(m);
		e.outcome = AURMIG__J_SUCCESS;
		e.atomic = 1;
		rc = aurmig__journal_insert(c, &e);
		aurmig__strv_clear(&self);
	}
	if (!rc && revision && !found)
		rc = aurmig__err(c->ctx, AURMIG_ENOTFOUND, AURMIG_ERRCLASS_TARGET,
			"%s is not an applied revision", revision);
	if (rc)
		aurmig__db_rollback(c);
	else
		rc = aurmig__db_commit(c);
done:
	if (c->in_tx)
		aurmig__db_rollback(c);
	if (locked)
		aurmig__lock_release(c);
	free(applied);
	free(sums);
	aurmig__strv_clear(&rows);
	aurmig__strv_clear(&pairs);
	return rc;
}
