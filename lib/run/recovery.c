/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * After a failure: the gate every run passes (interrupted atomic runs are
 * marked, half-applied ones block), the operator's recovery actions, and
 * validation of the database against the files (checksums).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/journal.h"
#include "db/lock.h"
#include "run/plan_priv.h"
#include "base/split.h"
#include "db/version.h"

#define BLOCKING "(outcome = 'failed' OR (outcome = 'running' AND is_atomic = 0))"

/* The file line of statement k (0-based) of the row's migration, or 0. */
static int statement_line(aurmig_conn *c, const aurmig_migration *m, const char *op, long k)
{
	int dir = strcmp(op, "downgrade") == 0 ? AURMIG_DOWNGRADE : AURMIG_UPGRADE;
	int line = 0, first;
	const char *sql = m ? aurmig_migration_sql(m, dir, c->dialect, &first) : NULL;
	aurmig__stmt *st = NULL;
	size_t n = 0;

	if (!sql)
		return 0;
	c->ctx->err_hold++;
	if (aurmig__split(&st, &n, c->ctx, sql, strlen(sql), c->dialect, m->path, first) == AURMIG_OK &&
	    k >= 0 && (size_t)k < n)
		line = st[k].line;
	c->ctx->err_hold--;
	free(st);
	return line;
}

/* The refusal that names what was applied and the commands to recover. */
static int blocked(aurmig_conn *c, const aurmig_graph *g, const aurmig__jrow *j)
{
	const aurmig_migration *m = aurmig_graph_get(g, j->revision);
	int died = strcmp(j->outcome, AURMIG__J_RUNNING) == 0;
	int line = statement_line(c, m, j->operation, j->done);
	aurmig__buf b;
	char *msg;
	int rc;

	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_printf(&b, "%s of revision %s %s at statement %ld of %ld", j->operation, j->revision,
		died ? "was interrupted (the process died)" : "failed", j->done + 1, j->total);
	if (line)
		aurmig__buf_printf(&b, " (%s:%d)", m->path, line);
	aurmig__buf_printf(&b, ", run by pid %ld on %s as %s, started %s", j->pid, j->host,
		*j->os_user ? j->os_user : "?", j->started_at);
	if (*j->error)
		aurmig__buf_printf(&b, ": %s", j->error);
	aurmig__buf_printf(&b, ".\nStatements 1..%ld of it are applied", j->done);
	if (died)
		aurmig__buf_printf(&b, ", and statement %ld may be partly applied (check it by hand)", j->done + 1);
	aurmig__buf_printf(&b, "; the version table was not changed for it. Every run refuses until this "
		"is resolved. Fix the cause, then run one of:\n"
		"  aurmig resume\n      run the rest of %s (from statement %ld of the current file)\n"
		"  aurmig mark-applied %s\n      you completed it by hand\n"
		"  aurmig mark-rolled-back %s\n      you undid statements 1..%ld by hand",
		j->revision, j->done + 1, j->revision, j->revision, j->done);
	if (!(msg = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	rc = aurmig__err_at(c->ctx, AURMIG_ERECOVERY, AURMIG_ERRCLASS_DB, NULL, 0, "%s", msg);
	free(msg);
	if (m) {
		free(c->ctx->err_file);
		c->ctx->err_file = strdup(m->path);
		c->ctx->err.file = c->ctx->err_file;
		c->ctx->err.line = line;
	}
	aurmig__err_set_revision(c->ctx, j->revision);
	return rc;
}

int aurmig__recovery_gate(aurmig_conn *c, const aurmig_graph *g, int have_lock)
{
	aurmig__jrows rows;
	int rc = aurmig__journal_read(c, "outcome IN ('running', 'failed')", &rows);

	for (size_t i = 0; i < rows.n && !rc; i++) {
		aurmig__jrow *j = &rows.v[i];
		if (strcmp(j->outcome, AURMIG__J_RUNNING) == 0 && j->atomic) {
			if (!have_lock)
				continue;   /* may be another run, live */
			aurmig__log(c->ctx, AURMIG_LOG_WARNING,
				"an earlier run (pid %ld on %s, started %s) was interrupted during %s of %s; "
				"the database rolled it back", j->pid, j->host, j->started_at, j->operation, j->revision);
			rc = aurmig__journal_set_outcome(c, j->run_id, j->seq, AURMIG__J_INTERRUPTED);
			continue;
		}
		rc = blocked(c, g, j);
	}
	aurmig__journal_rows_clear(&rows);
	return rc;
}

/* ---------------------------------------------------------------- recover */

static int insert_resolution(aurmig_conn *c, const char *run_id, const aurmig__jrow *j, const char *op,
	const char *outcome, const aurmig_step *s, long done, const char *checksum, int atomic)
{
	aurmig__jentry e = { 0 };

	e.run_id = run_id;
	e.seq = 0;
	e.revision = j->revision;
	e.operation = op;
	e.from = &s->from;
	e.to = &s->to;
	e.checksum = checksum;
	e.total = j->total;
	e.done = done;
	e.outcome = outcome;
	e.atomic = atomic;
	return aurmig__journal_insert(c, &e);
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

static int do_recover(aurmig_conn *c, const aurmig_graph *g, int action, const char *revision,
	const aurmig_plan_options *opts, aurmig_plan **pp)
{
	aurmig__jrows rows = { 0 };
	aurmig__jrow *j;
	const aurmig_migration *m;
	aurmig__strv heads = { 0 };
	aurmig_plan *p = NULL;
	char run_id[33];
	int rc, kind;

	if ((rc = aurmig__journal_read(c, BLOCKING, &rows)))
		return rc;
	if (!rows.n) {
		rc = aurmig__err(c->ctx, AURMIG_ENOTFOUND, AURMIG_ERRCLASS_DB,
			"no failed migration awaits recovery");
		goto done;
	}
	j = &rows.v[rows.n - 1];
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
	kind = strcmp(j->operation, "downgrade") == 0 ? AURMIG_STEP_DOWNGRADE : AURMIG_STEP_UPGRADE;
	if ((rc = aurmig__version_read(c, &heads)) ||
	    (rc = aurmig__plan_single(&p, c, g, kind, m, &heads)))
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
		    (rc = aurmig__journal_set_outcome(c, j->run_id, j->seq, AURMIG__J_RESOLVED)) ||
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
			if ((rc = aurmig__run_statements(p, s, (size_t)j->done, &done, &total, 0)))
				goto resume_failed;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			s->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		}
		if ((rc = aurmig__db_begin(c)) || (rc = rowops(p)) ||
		    (rc = aurmig__journal_update(c, run_id, 0, (long)done, AURMIG__J_SUCCESS, NULL)) ||
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
			const char *full = aurmig_error_last(c->ctx)->message;
			char *msg = strndup(full, strcspn(full, "\n"));
			c->ctx->err_hold++;
			aurmig__journal_update(c, run_id, 0, (long)done, AURMIG__J_FAILED, msg ? msg : "");
			c->ctx->err_hold--;
			free(msg);
			if (rc != AURMIG_EUSER && rc != AURMIG_ENOMEM)
				rc = AURMIG_ERECOVERY;
		}
		goto done;
	}
	if (action == AURMIG_RECOVER_MARK_APPLIED || action == AURMIG_RECOVER_MARK_ROLLED_BACK) {
		int applied = action == AURMIG_RECOVER_MARK_APPLIED;
		if ((rc = aurmig__db_begin(c)) ||
		    (applied && (rc = rowops(p))) ||
		    (rc = aurmig__journal_set_outcome(c, j->run_id, j->seq, AURMIG__J_RESOLVED)) ||
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
	if (opts && (opts->version == 0 || opts->version > AURMIG_PLAN_OPTIONS_VERSION))
		return aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_plan_options version %u is not supported", opts->version);
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
};

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

int aurmig_validate(aurmig_report **out, aurmig_conn *c, const aurmig_graph *g)
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
	/* of the journal, one query of three columns: the rows recording
	 * checksums and the rows awaiting recovery (whose details are read only
	 * when there are any) */
	if ((rc = aurmig__version_read(c, &rows)) ||
	    (rc = aurmig__journal_select(c, "revision, checksum, outcome", 3,
		    AURMIG__J_CHECKSUM_ROWS " OR " AURMIG__J_RECOVERY_ROWS, &cells)))
		goto done;
	nrows = cells.n / 3;
	if (!(blocking = aurmig__calloc(c->ctx, nrows ? nrows : 1, 1))) {
		rc = AURMIG_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < nrows; i++)
		nblocking += blocking[i] = strcmp(cells.v[i * 3 + 2], AURMIG__J_SUCCESS) != 0;
	if ((rc = recorded_checksums(g, c->ctx, &cells, 3, blocking, &sums)))
		goto done;
	for (size_t i = 0; i < rows.n && !rc; i++)
		if (!aurmig_graph_get(g, rows.v[i]))
			rc = add_issue(r, AURMIG_ISSUE_UNKNOWN, rows.v[i], aurmig__printf(c->ctx,
				"the database is at %s, which no migration file knows: the database is newer than "
				"these migrations; deploy the newer release, or downgrade with it first", rows.v[i]));
	if (!rc && nblocking)
		rc = aurmig__journal_select(c, "revision, operation, statements_done, statements_total", 4,
			AURMIG__J_RECOVERY_ROWS, &details);
	for (size_t i = 0; i + 4 <= details.n && !rc; i += 4) {
		char *const *j = details.v + i;   /* revision, operation, done, total */
		rc = add_issue(r, AURMIG_ISSUE_RECOVERY, j[0], aurmig__printf(c->ctx,
			"%s of %s stopped after statement %ld of %ld and awaits recovery "
			"(aurmig resume, mark-applied or mark-rolled-back)", j[1], j[0],
			strtol(j[2], NULL, 10), strtol(j[3], NULL, 10)));
	}
	if (!rc)
		rc = applied_marks(g, c->ctx, &rows, &applied);
	for (size_t i = 0; i < g->n && !rc; i++) {
		const aurmig_migration *m = g->migs[i];
		const char *sum;
		if (!applied[i])
			continue;
		sum = sums[i];
		if (!sum)
			rc = add_issue(r, AURMIG_ISSUE_UNRECORDED, m->id, aurmig__printf(c->ctx,
				"%s is applied but no checksum was recorded for it (applied by another tool?)", m->id));
		else if (strcmp(sum, aurmig__script_checksum(m)) != 0)
			rc = add_issue(r, AURMIG_ISSUE_CHANGED, m->id, aurmig__printf(c->ctx,
				"%s was edited after it was applied (%s): the database has what the old file said; "
				"revert the edit, or accept it with 'aurmig validate --accept %s'", m->id, m->path, m->id));
	}
	if (!rc) {
		/* pending: what upgrade heads would run (read-only planning) */
		const char *heads = "heads";
		aurmig_plan_options o = AURMIG_PLAN_OPTIONS_INIT;
		aurmig_plan *p = NULL;
		int prc;

		o.flags = AURMIG_PLAN_NO_LOCK;
		c->ctx->err_hold++;
		/* from the rows read above: the version table is read once */
		prc = aurmig__plan_create(&p, c, g, AURMIG_CMD_UPGRADE, &heads, 1, &o, 0, &rows);
		c->ctx->err_hold--;
		for (size_t i = 0; prc == AURMIG_OK && i < p->nsteps && !rc; i++)
			rc = add_issue(r, AURMIG_ISSUE_PENDING, p->steps[i].mig->id, aurmig__printf(c->ctx,
				"%s is pending: %s", p->steps[i].mig->id, p->steps[i].mig->message));
		aurmig_plan_free(p);
		if (prc == AURMIG_ENOMEM)
			rc = aurmig__oom(c->ctx);   /* not recorded while held */
	}
done:
	free(applied);
	free(blocking);
	free(sums);
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
	aurmig__strv_clear(&r->revs);
	aurmig__strv_clear(&r->msgs);
	aurmig__context_unref(r->ctx);
	free(r);
}

int aurmig_accept_checksums(aurmig_conn *c, const aurmig_graph *g, const char *revision)
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
	if ((rc = aurmig__lock_acquire(c, 60000)))
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
