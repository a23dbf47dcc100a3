/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Execution of a plan. Each step's statements, its version-row changes and
 * its journal row commit together when the database can do that
 * (SQLite, PostgreSQL: "atomic" steps). Otherwise (MySQL/MariaDB, whose DDL
 * commits at once, or a script with `transaction off`) the journal records
 * progress after every statement, so a failure or a crash leaves an exact
 * account of how far the migration got.
 *
 * A kill during an atomic step must be detectable afterwards without an
 * extra commit per step: the journal row announcing step i+1 ("running")
 * is written in step i's transaction, and only the first step's
 * announcement costs a commit of its own.
 *
 * MySQL/MariaDB (issue 20.5): every step's row is written when the run
 * starts (the first "running", the others "queued", one INSERT per 100),
 * and step i's last statement (the multi-table UPDATE of the version row
 * and its success record) also turns step i+1's row into "running". So a
 * step costs no statement of its own to announce it, and a kill anywhere
 * leaves what it always did: the step that was running marked so (with the
 * statements it finished), the ones after it "queued" (never started; the
 * next run's gate deletes them, as a run that fails or stops deletes its
 * own). A step with config steps does not start the next one: its config
 * steps run after its commit, and a kill there must not leave the next step
 * "running" (it has not begun). When the step's last statement is
 * DDL, its progress rides on that UPDATE too, in autocommit: a kill
 * between the two leaves the DDL unrecorded, as a kill between a DDL
 * statement and its own progress update always did.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/journal.h"
#include "db/lock.h"
#include "run/plan_priv.h"
#include "schema/ddl.h"
#include "base/split.h"
#include "db/version.h"

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int aurmig__step_atomic(const aurmig_plan *p, const aurmig_step *s)
{
	if (!s->mig)
		return 1;     /* stamp steps only change rows: transactional everywhere */
	return aurmig__dialect_of(p->conn->dialect)->transactional_ddl && s->mig->transactional && !s->own_conn_hook &&
	       !s->has_batch;
}

static const char *operation(const aurmig_step *s)
{
	return s->kind == AURMIG_STEP_UPGRADE ? "upgrade" : s->kind == AURMIG_STEP_DOWNGRADE ? "downgrade" : "stamp";
}

static const char *step_revision(const aurmig_step *s)
{
	if (s->mig)
		return s->mig->id;
	return s->to.n ? s->to.v[0] : s->from.n ? s->from.v[0] : "base";
}

/* The journal row of step seq, nothing of it done yet. */
static void step_entry(aurmig__jentry *e, const aurmig_plan *p, long seq, const char *outcome)
{
	const aurmig_step *s = &p->steps[seq];

	memset(e, 0, sizeof(*e));
	e->run_id = p->run_id;
	e->seq = seq;
	e->revision = step_revision(s);
	e->operation = operation(s);
	e->from = &s->from;
	e->to = &s->to;
	e->checksum = s->mig ? aurmig__script_checksum(s->mig) : NULL;
	e->total = (long)s->nitems;
	e->done = 0;
	e->outcome = outcome;
	e->atomic = aurmig__step_atomic(p, s);
}

static int insert_row(aurmig_plan *p, long seq, const char *outcome)
{
	aurmig__jentry e;

	step_entry(&e, p, seq, outcome);
	return aurmig__journal_insert(p->conn, &e);
}

/* Was step seq's row written "queued" at the start, and not started yet? */
static int is_queued(const aurmig_plan *p, long seq)
{
	return seq >= 0 && (size_t)seq >= p->queued_lo && (size_t)seq < p->queued_hi;
}

/* Step seq's row says "running": its queued row starts, else a new row. */
static int announce(aurmig_plan *p, long seq)
{
	int rc;

	if (!is_queued(p, seq))
		return insert_row(p, seq, AURMIG__J_RUNNING);
	if (!(rc = aurmig__journal_start(p->conn, p->run_id, seq)))
		p->queued_lo = (size_t)seq + 1;
	return rc;
}

/* The later steps' rows that no step will start: deleted (errors held). */
static void cancel_queued(aurmig_plan *p)
{
	if (p->queued_lo >= p->queued_hi)
		return;
	aurmig__err_hold(p->ctx);
	aurmig__journal_drop_queued(p->conn, p->run_id);
	aurmig__err_release(p->ctx);
	p->queued_lo = p->queued_hi = 0;
}

/*
 * In a whole-plan transaction the steps' journal rows ("success") are
 * collected and written by one INSERT per JBATCH steps instead of one per
 * step: libdbi, the driver and SQLite parse and plan every statement, and
 * this one has 18 columns. They are written before the transaction commits
 * and before anything else could read or add journal rows (a hook, a config
 * step); a failure rolls the transaction back, and them with it.
 */
#define JBATCH 100

static int flush_rows(aurmig_plan *p)
{
	char *values;
	int rc;

	if (!p->njrows)
		return AURMIG_OK;
	p->njrows = 0;
	if (!(values = aurmig__buf_detach(&p->jrows)))
		return AURMIG_ENOMEM;
	rc = aurmig__journal_insert_values(p->conn, values);
	free(values);
	return rc;
}

static void drop_rows(aurmig_plan *p)
{
	aurmig__buf_dispose(&p->jrows);
	p->njrows = 0;
}

static int queue_row(aurmig_plan *p, long seq, const char *outcome)
{
	aurmig__jentry e;

	if (!p->njrows)
		aurmig__buf_init(&p->jrows, p->ctx);
	else
		aurmig__buf_puts(&p->jrows, ", ");
	step_entry(&e, p, seq, outcome);
	aurmig__journal_values(&p->jrows, p->conn, &e);
	p->njrows++;
	if (p->jrows.failed) {
		drop_rows(p);
		return aurmig__oom(p->ctx);
	}
	return p->njrows >= JBATCH ? flush_rows(p) : AURMIG_OK;
}

/* MySQL: every step's row at once, the first "running", the others
 * "queued" (JBATCH rows per INSERT, each committed by itself). */
static int write_rows_ahead(aurmig_plan *p)
{
	aurmig__buf b;
	size_t k = 0;
	int rc = AURMIG_OK;

	for (size_t i = 0; i < p->nsteps && !rc; i++) {
		aurmig__jentry e;
		char *values;

		if (k++)
			aurmig__buf_puts(&b, ", ");
		else
			aurmig__buf_init(&b, p->ctx);
		step_entry(&e, p, (long)i, i ? AURMIG__J_QUEUED : AURMIG__J_RUNNING);
		aurmig__journal_values(&b, p->conn, &e);
		if (k < JBATCH && i + 1 < p->nsteps)
			continue;
		k = 0;
		if (!(values = aurmig__buf_detach(&b)))
			return AURMIG_ENOMEM;
		rc = aurmig__journal_insert_values(p->conn, values);
		free(values);
		if (!rc && p->marker_seq != 0) {   /* the first INSERT, which holds step 0's row */
			p->marker_seq = 0;
			p->queued_lo = 1;
		}
		if (!rc)
			p->queued_hi = i + 1;
	}
	return rc;
}

static int has_hook(const aurmig_step *s)
{
	for (size_t i = 0; i < s->nitems; i++)
		if (s->items[i].hook)
			return 1;
	return 0;
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

void aurmig__plan_unlock(aurmig_plan *p)
{
	aurmig__plan_reset_lock_wait(p);
	if (p->own_lock) {
		aurmig__lock_release(p->conn);
		p->own_lock = 0;
	}
}

void aurmig__plan_cancel_marker(aurmig_plan *p)
{
	if (p->failed)
		return;
	cancel_queued(p);
	if (p->marker_seq < 0 || (size_t)p->marker_seq < p->next)
		return;
	aurmig__err_hold(p->ctx);
	aurmig__journal_update(p->conn, p->run_id, p->marker_seq, 0, AURMIG__J_CANCELLED, NULL, AURMIG__J_RUNNING);
	aurmig__err_release(p->ctx);
	p->marker_seq = -1;
}

/* Record a failure after the error is on the context; returns rc. */
static int fail(aurmig_plan *p, aurmig_step *s, int rc, int atomic, size_t done, size_t total)
{
	/* the journal keeps the first line (the cause), not the advice after it */
	char *msg = aurmig__err_message_dup(p->ctx, 1);
	long seq = s ? (long)(s - p->steps) : -1;

	if (s && s->mig)
		aurmig__err_set_revision(p->ctx, s->mig->id);
	drop_rows(p);   /* never written: rolled back with the transaction */
	/* also the transaction a non-atomic step opens for its version change:
	 * left open, it would swallow the failure record below */
	if (atomic || p->plan_tx || p->conn->in_tx)
		aurmig__db_rollback(p->conn);
	p->plan_tx = 0;
	p->tail_ddl = 0;
	p->failed = 1;
	aurmig__err_hold(p->ctx);
	if (s) {
		aurmig__jentry e;
		/* nothing remains when the database rolled back, or when the first
		 * statement failed (a failing statement changes nothing) */
		step_entry(&e, p, seq, atomic || (done == 0 && !s->batches) ? AURMIG__J_ROLLED_BACK : AURMIG__J_FAILED);
		e.done = (long)done;
		e.error = msg ? msg : "";
		/* the step's row survived only if it was committed before the
		 * failing transaction began (marker_seq); else write it anew */
		if (p->marker_seq == seq)
			aurmig__journal_finish(p->conn, &e, AURMIG__J_RUNNING);
		else if (is_queued(p, seq)) {
			aurmig__journal_finish(p->conn, &e, AURMIG__J_QUEUED);
			p->queued_lo = (size_t)seq + 1;
		} else
			aurmig__journal_insert(p->conn, &e);
		if (atomic && (p->opts.flags & AURMIG_PLAN_ONE_TRANSACTION) && seq > 0)
			aurmig__journal_update(p->conn, p->run_id, 0, 0, AURMIG__J_ROLLED_BACK,
				"rolled back with the whole plan", AURMIG__J_RUNNING);
		p->marker_seq = -1;
	}
	aurmig__err_release(p->ctx);
	cancel_queued(p);   /* the steps after it never start */
	free(msg);
	aurmig__plan_unlock(p);
	if (!atomic && s && s->mig && (done > 0 || s->batches))
		return AURMIG_ERECOVERY;   /* partial changes stay: the message says how to recover */
	return rc;
}

static int exec_dml_journalled(aurmig_plan *p, aurmig_step *s, const char *one, long done_after,
	int *stmt_failed, int keep_open);

/* A failure of a non-atomic step after its statements ran (the version
 * change, the journal's success record, the commit): recorded, then said as
 * such, with the ways out. */
static int fail_after(aurmig_plan *p, aurmig_step *s, int rc, int atomic, size_t done, size_t total)
{
	aurmig__err_saved k;

	if (p->tail_dml && total) {
		/* the last statement ran in the transaction that fails: rolled back
		 * with it. Run it again on its own (its progress recorded with it),
		 * as without the shared transaction: the failure then comes after
		 * the last statement, as it does elsewhere. If that fails too, it
		 * stays undone. (The error of the version change stays.) */
		const aurmig__stmt *st = &s->stmts[s->items[total - 1].stmt];
		char *one = aurmig__strndup(p->ctx, s->sql + st->offset, st->len);
		int stmt_failed;

		p->tail_dml = 0;
		aurmig__err_hold(p->ctx);
		aurmig__db_rollback(p->conn);
		if (!one || exec_dml_journalled(p, s, one, (long)total, &stmt_failed, 0))
			done--;
		aurmig__err_release(p->ctx);
		free(one);
	}
	rc = fail(p, s, rc, atomic, done, total);
	if (rc != AURMIG_ERECOVERY || done < total)
		return rc;
	aurmig__err_save(p->ctx, &k);
	aurmig__err_at(p->ctx, AURMIG_ERECOVERY, AURMIG_ERRCLASS_DB, s->mig->path, 0,
		"%s of revision %s failed after its last statement (%zu of %zu), before the version change: %s\n"
		"Statements 1..%zu of it are applied and stay applied; the version table was not changed. "
		"Fix the cause, then run one of:\n"
		"  aurmig resume\n      record %s as done (no statement is left to run)\n"
		"  aurmig mark-applied %s\n      the same, if you completed it by hand\n"
		"  aurmig mark-rolled-back %s\n      you undid statements 1..%zu by hand",
		operation(s), s->mig->id, done, total, k.message ? k.message : "database error", done, s->mig->id,
		s->mig->id, s->mig->id, done);
	aurmig__err_restore_details(p->ctx, &k);
	aurmig__err_set_revision(p->ctx, s->mig->id);
	return AURMIG_ERECOVERY;
}

/* The journal lost this run's row while a non-atomic step ran: stop, and say
 * how far the step got (fail() writes the row again). */
static int journal_lost(aurmig_plan *p, const aurmig_step *s, size_t done, size_t n)
{
	aurmig__err_saved k;

	aurmig__err_save(p->ctx, &k);
	aurmig__err(p->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB,
		/* the cause first: the journal keeps the first line */
		"%s\n%s of revision %s stopped after statement %zu of %zu. "
		"Statements 1..%zu of it are applied; the version table was not changed. The failure is "
		"recorded in the journal again, so every run refuses until it is resolved. Find out who "
		"changed the journal, then run one of:\n"
		"  aurmig resume\n      run statements %zu..%zu of the current file, then record %s as done\n"
		"  aurmig mark-applied %s\n      you completed the migration by hand\n"
		"  aurmig mark-rolled-back %s\n      you undid statements 1..%zu by hand",
		k.message ? k.message : "the journal row vanished", operation(s), s->mig->id, done, n, done,
		done + 1, n, s->mig->id, s->mig->id, s->mig->id, done);
	aurmig__err_restore_details(p->ctx, &k);
	return AURMIG_ECONFLICT;
}

static int progress(aurmig_plan *p, const aurmig_step *s, int phase)
{
	if (p->opts.progress && p->opts.progress(p->opts.progress_payload, s, phase))
		return aurmig__err(p->ctx, AURMIG_EUSER, AURMIG_ERRCLASS_CALLBACK,
			"stopped by the progress callback");
	return AURMIG_OK;
}

/* Describe a failed statement; the record names file:line, revision, statement. */
static int statement_error(aurmig_plan *p, const aurmig_step *s, const aurmig__stmt *st, size_t i,
	size_t n, const char *text, int atomic)
{
	const aurmig_error *e = aurmig_error_last(p->ctx);
	/* after a lock-wait timeout: the attempts and who blocked (waits.c) */
	char *dbmsg = aurmig__printf(p->ctx, "%s%s", e->message, p->wait_note ? p->wait_note : "");
	int code = e->db_code, rc = e->code;

	if (atomic || i == 0)
		aurmig__err_at(p->ctx, rc, AURMIG_ERRCLASS_DB, s->mig->path, st->line,
			"%s of revision %s failed at statement %zu of %zu: %s; nothing of it remains",
			operation(s), s->mig->id, i + 1, n, dbmsg ? dbmsg : "database error");
	else
		aurmig__err_at(p->ctx, rc, AURMIG_ERRCLASS_DB, s->mig->path, st->line,
			"%s of revision %s failed at statement %zu of %zu: %s\n"
			"Statements 1..%zu of it were applied and stay applied (%s); the version table was not "
			"changed. Fix the cause, then run one of:\n"
			"  aurmig resume\n      run statements %zu..%zu of the current file, then record %s as done\n"
			"  aurmig mark-applied %s\n      you completed the migration by hand\n"
			"  aurmig mark-rolled-back %s\n      you undid statements 1..%zu by hand",
			operation(s), s->mig->id, i + 1, n, dbmsg ? dbmsg : "database error", i,
			!aurmig__dialect_of(p->conn->dialect)->transactional_ddl ? "MySQL/MariaDB commits DDL at once" :
			"the script runs with 'transaction off'",
			i + 1, n, s->mig->id, s->mig->id, s->mig->id, i);
	free(dbmsg);
	aurmig__err_set_db_code(p->ctx, code);
	aurmig__err_set_statement(p->ctx, text);
	return rc;
}

/* Call a hook item. */
static int run_hook(aurmig_plan *p, aurmig_step *s, const aurmig__item *it, const aurmig__hook *h, size_t i,
	size_t n, int atomic)
{
	int dir = s->kind == AURMIG_STEP_UPGRADE ? AURMIG_UPGRADE : AURMIG_DOWNGRADE;
	int r;

	aurmig__err_clear(p->ctx);
	r = h->fn(h->payload, p->conn, it->name, s->mig->id, dir);
	if (!r)
		return AURMIG_OK;
	{
		char *copy = aurmig__err_message_dup(p->ctx, 0);
		aurmig__err_at(p->ctx, AURMIG_EUSER, AURMIG_ERRCLASS_CALLBACK, s->mig->path, 0,
			"%s of revision %s failed at step %zu of %zu: hook '%s' failed (returned %d)%s%s%s",
			operation(s), s->mig->id, i + 1, n, it->name, r, copy && *copy ? ": " : "",
			copy ? copy : "", atomic || i == 0 ? "; nothing of it remains" : "");
		free(copy);
	}
	return AURMIG_EUSER;
}

/*
 * Exactly-once for data statements outside a step transaction (MySQL/MariaDB,
 * `transaction off`): a DML statement runs in a transaction of its own
 * together with the journal's progress update, so a kill (of the deployer,
 * of the connection, of the server) keeps both or neither, and the journal
 * never says "not run" of a committed UPDATE. DDL (which MySQL commits at
 * once) and whatever aurmig__stmt_is_dml cannot tell keep the old rule: the
 * journal's update follows the statement, and a kill in between leaves the
 * statement "maybe partly applied".
 */
static int dml_in_own_tx(const aurmig_plan *p, const aurmig_step *s, const aurmig__item *it, int atomic)
{
	const aurmig__stmt *st = &s->stmts[it->stmt];

	if (atomic || p->conn->in_tx || (s->ddl && s->ddl[it->stmt]))
		return 0;
	return aurmig__stmt_is_dml(s->sql + st->offset, st->len, p->conn->dialect);
}

/* Run one DML statement and record it as done (done_after) in one transaction.
 * On failure nothing of either remains; *stmt_failed says whether the
 * statement itself failed (its error is then on the context). */
static int exec_dml_journalled(aurmig_plan *p, aurmig_step *s, const char *one, long done_after,
	int *stmt_failed, int keep_open)
{
	int rc;

	*stmt_failed = 0;
	if ((rc = aurmig__db_begin(p->conn)))
		return rc;
	if ((rc = p->conn->ops->exec(p->conn, one, NULL)))
		*stmt_failed = 1;
	else if (keep_open)
		return AURMIG_OK;   /* the step's success record, in this transaction, says it is done */
	else
		rc = aurmig__journal_update(p->conn, p->run_id, (long)(s - p->steps), done_after, NULL, NULL,
			AURMIG__J_RUNNING);
	if (!rc)
		rc = aurmig__db_commit(p->conn);
	if (rc)
		aurmig__db_rollback(p->conn);   /* keeps the error */
	return rc;
}

/* Run one statement; a lock-wait timeout is retried as waits.c decides. */
static int run_one(aurmig_plan *p, aurmig_step *s, const aurmig__item *it, const char *one, size_t i, int atomic)
{
	const aurmig__stmt *st = &s->stmts[it->stmt];
	int rc;

	int online = aurmig__online_wanted(p, s);   /* MariaDB: --online, the warning before a blocking copy */

	for (;;) {
		if (s->ddl && s->ddl[it->stmt])
			rc = online ? aurmig__online_exec_ddl(p, s, s->ddl[it->stmt], st->line) :
				aurmig__ddl_exec(p->conn, s->ddl[it->stmt], s->mig->path, st->line);
		else if (online)
			rc = aurmig__online_exec(p, s, one, strlen(one), st->line);
		else
			rc = p->conn->ops->exec(p->conn, one, NULL);
		if (!rc || aurmig__step_wait_retry(p, s, i, atomic) != 1)
			return rc ? rc : AURMIG_OK;
		/* a non-atomic step: the statement changed nothing; run it again */
	}
}

int aurmig__run_statements(aurmig_plan *p, aurmig_step *s, size_t from, size_t *done, size_t *total,
	int atomic)
{
	const char *sql = s->sql;
	const aurmig__stmt *st = s->stmts;
	size_t n = s->nitems;
	int rc = AURMIG_OK;

	*done = from;
	*total = n;
	if (s->mig && n > from && (rc = aurmig__step_set_lock_wait(p, s, atomic)))
		return rc;
	/* -- aurmig:assert preconditions, before the first statement (asserts.c) */
	if (s->mig && from == 0 && (rc = aurmig__step_asserts(p, s)))
		return rc;
	for (size_t i = from; i < n && !rc; i++) {
		const aurmig__item *it = &s->items[i];
		int journalled = 0;
		char *one;

		if ((rc = aurmig__lock_renew(p->conn)))   /* a cluster's lease, between statements */
			break;
		if (it->hook) {
			const aurmig__hook *h = aurmig__context_hook(p->ctx, it->name);
			if (h) {
				rc = run_hook(p, s, it, h, i, n, atomic);
				if (!rc)
					i += it->ndefault;   /* the SQL default is not needed */
			}
			/* without a callback the default's statements follow */
		} else {
			if (p->opts.progress &&
			    p->opts.progress(p->opts.progress_payload, s, AURMIG_PROGRESS_STATEMENT)) {
				rc = aurmig__err(p->ctx, AURMIG_EUSER, AURMIG_ERRCLASS_CALLBACK,
					"stopped by the progress callback before statement %zu", i + 1);
				break;
			}
			one = aurmig__strndup(p->ctx, sql + st[it->stmt].offset, st[it->stmt].len);
			if (!one) {
				rc = AURMIG_ENOMEM;
				break;
			}
			if (it->batch) {
				/* batches, each committed with its journal note (batch.c) */
				rc = aurmig__batch_run(p, s, it, one, i, n);
				journalled = !rc;
				if (rc) {
					free(one);
					break;   /* the message is complete */
				}
			} else if (dml_in_own_tx(p, s, it, atomic)) {
				int stmt_failed;
				/* the step's last statement: its transaction stays open
				 * for the version change and the success record (fewer
				 * statements, issue 20.5), which commit with it or not */
				int tail = i + 1 == n && s->mig && p->tail_ok;
				/* a lock-wait timeout rolled the statement back with its
				 * journal record: run it again as waits.c decides */
				while ((rc = exec_dml_journalled(p, s, one, (long)i + 1, &stmt_failed, tail)) &&
				       stmt_failed && aurmig__step_wait_retry(p, s, i, atomic) == 1)
					;
				journalled = !rc;
				p->tail_dml = tail && !rc;
				if (rc && !stmt_failed) {
					free(one);
					if (rc == AURMIG_ECONFLICT)   /* the journal row vanished: rolled back with it */
						rc = journal_lost(p, s, i, n);
					break;   /* the journal or the commit failed: reported as it is */
				}
			} else
				rc = run_one(p, s, it, one, i, atomic);
			if (rc && p->retry_step) {
				free(one);
				return rc;   /* rolled back: the caller runs the step again */
			}
			if (rc)
				rc = statement_error(p, s, &st[it->stmt], i, n, one, atomic);
			else
				s->statements++;
			free(one);
		}
		if (!rc) {
			*done = i + 1;
			if (!atomic && !journalled && p->tail_ddl_ok && *done == n)
				p->tail_ddl = 1;   /* the step's success statement, next, records it */
			else if (!atomic && !journalled && (rc = aurmig__journal_update(p->conn, p->run_id,
				    (long)(s - p->steps), (long)*done, NULL, NULL, AURMIG__J_RUNNING)) == AURMIG_ECONFLICT)
				rc = journal_lost(p, s, *done, n);
		}
	}
	return rc;
}

int aurmig__plan_apply_next(aurmig_plan *p, const aurmig_step **out)
{
	int one_tx = (p->opts.flags & AURMIG_PLAN_ONE_TRANSACTION) != 0;
	aurmig_step *s;
	long seq;
	size_t done = 0, total = 0;
	int atomic, rc, merged = 0, vmerge;
	long next, announced = -1;
	double t0;

	aurmig__err_clear(p->ctx);
	if (p->failed)
		return aurmig__err(p->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"the plan stopped after a failure; make a new plan");
	if (!p->started) {
		p->started = 1;
		if (p->init_schema) {
			/* an empty database: build it from the declared schema first
			 * (the plan holds the deploy lock, or runs without one) */
			aurmig_plan_options o = AURMIG_PLAN_OPTIONS_INIT;
			o.flags = AURMIG_PLAN_NO_LOCK;
			rc = aurmig_init(p->conn, p->graph, &o);
			if (!rc && p->ini) {
				/* config steps follow the rows init stamped */
				aurmig__strv_clear(&p->heads_now);
				rc = aurmig__version_read(p->conn, &p->heads_now);
			}
			if (rc) {
				p->failed = 1;
				aurmig__plan_unlock(p);
				return rc;
			}
		}
		if (p->nsteps == 0 && p->purge && p->before.n) {
			/* stamp --purge to base: only the purge */
			if ((rc = aurmig__db_begin(p->conn)) || (rc = aurmig__version_delete_all(p->conn)) ||
			    (rc = aurmig__db_commit(p->conn)))
				return fail(p, NULL, rc, 1, 0, 0);
		}
		if (p->nsteps) {
			/* the journal table (made on first use) and the first step's
			 * "running" row commit together where DDL is transactional:
			 * one commit (four fsyncs on SQLite) instead of three */
			int tx = aurmig__dialect_of(p->conn->dialect)->transactional_ddl;
			if (tx && (rc = aurmig__plan_first_begin(p)))
				return fail(p, NULL, rc, 1, 0, 0);
			if ((rc = aurmig__journal_ensure(p->conn)))
				return fail(p, NULL, rc, 1, 0, 0);
			if (!tx && !one_tx) {
				if ((rc = write_rows_ahead(p))) {
					aurmig__plan_cancel_marker(p);
					return fail(p, NULL, rc, 1, 0, 0);
				}
			} else if (aurmig__step_atomic(p, &p->steps[0])) {
				if ((rc = insert_row(p, 0, AURMIG__J_RUNNING)))
					return fail(p, NULL, rc, 1, 0, 0);
			}
			if (tx && (rc = aurmig__db_commit(p->conn)))
				return fail(p, NULL, rc, 1, 0, 0);
			if (aurmig__step_atomic(p, &p->steps[0]))
				p->marker_seq = 0;
		}
	}
	if (p->next >= p->nsteps) {
		if (p->plan_tx) {
			p->plan_tx = 0;
			if ((rc = flush_rows(p)) || (rc = aurmig__db_commit(p->conn)))
				return fail(p, NULL, rc, 1, 0, 0);
		}
		aurmig__plan_unlock(p);
		return AURMIG_ITEROVER;
	}
	s = &p->steps[p->next];
	seq = (long)p->next;
	atomic = aurmig__step_atomic(p, s);
	if ((rc = progress(p, s, AURMIG_PROGRESS_START))) {
		aurmig__plan_cancel_marker(p);
		return fail(p, NULL, rc, 1, 0, 0);
	}
	t0 = now_seconds();

again:
	/* the lock-wait bound, at session level before BEGIN where it is one
	 * (SQLite: BEGIN IMMEDIATE waits for the write lock); PostgreSQL's
	 * atomic steps SET LOCAL it inside their transaction */
	if ((p->conn->dialect != AURMIG_DIALECT_PGSQL || !atomic) && (rc = aurmig__step_set_lock_wait(p, s, 0)))
		return fail(p, s, rc, atomic, 0, 0);
	if (one_tx && atomic && !p->plan_tx) {
		if ((rc = aurmig__db_begin(p->conn)))
			return fail(p, s, rc, atomic, 0, 0);
		p->plan_tx = 1;
	} else if (one_tx && !atomic && p->plan_tx) {
		/* a step that cannot run in a transaction ends the open one */
		if ((rc = flush_rows(p)))
			return fail(p, s, rc, 1, 0, 0);
		p->plan_tx = 0;
		if ((rc = aurmig__db_commit(p->conn)))
			return fail(p, s, rc, 1, 0, 0);
	} else if (!one_tx && atomic) {
		if ((rc = aurmig__db_begin(p->conn))) {
			if (aurmig__step_wait_retry(p, s, 0, 0) == 1)
				goto again;   /* SQLite: another writer held the database */
			return fail(p, s, aurmig__step_wait_failed(p, s, rc), atomic, 0, 0);
		}
	}
	if (!atomic && p->marker_seq != seq) {
		if ((rc = announce(p, seq)))
			return fail(p, s, rc, atomic, 0, 0);
		p->marker_seq = seq;
	}
	/* a hook may read the journal through the connection */
	if (p->njrows && has_hook(s) && (rc = flush_rows(p)))
		return fail(p, s, rc, atomic, 0, 0);
	if (seq == 0 && p->purge && (rc = aurmig__version_delete_all(p->conn)))
		return fail(p, s, rc, atomic, 0, 0);
	if (seq == 0 && p->command != AURMIG_CMD_DOWNGRADE && (rc = aurmig__version_ensure(p->conn)))
		return fail(p, s, rc, atomic, 0, 0);
	/* MySQL: the version change and the success record (and the next
	 * step's start) are one statement, which also records the last
	 * statement's progress when it is DDL */
	vmerge = p->conn->dialect == AURMIG_DIALECT_MYSQL && p->marker_seq == seq && s->nops == 1 &&
		s->ops[0].op == AURMIG__OP_UPDATE && !s->ncfg;
	next = !one_tx && !s->ncfg && seq + 1 < (long)p->nsteps && is_queued(p, seq + 1) ? seq + 1 : -1;
	p->tail_ok = 1;   /* the version change below joins a last DML statement's transaction */
	p->tail_ddl_ok = vmerge && !atomic;
	rc = aurmig__run_statements(p, s, 0, &done, &total, atomic);
	p->tail_ok = p->tail_ddl_ok = 0;
	if (rc) {
		if (p->retry_step) {
			/* a lock-wait timeout, rolled back: the whole step again */
			p->retry_step = 0;
			goto again;
		}
		return fail(p, s, rc, atomic, done, total);
	}
	/* after a last DDL statement the one statement below runs by itself
	 * (autocommit): nothing else is left to commit with it */
	if (!atomic && !p->tail_dml && !p->tail_ddl && (rc = aurmig__db_begin(p->conn)))
		return fail_after(p, s, rc, atomic, done, total);
	/* MySQL: the version row, the success record and the next step's row
	 * in one statement */
	if (vmerge && (rc = aurmig__journal_success_with_version(p->conn, p->run_id, seq, (long)done, s->ops[0].a,
		    s->ops[0].b, next, &merged)))
		return fail_after(p, s, rc, atomic, done, total);
	if (!merged && p->tail_ddl) {
		/* it matched nothing: the changes apart, in a transaction, say
		 * which row moved */
		p->tail_ddl = 0;
		if ((rc = aurmig__db_begin(p->conn)))
			return fail_after(p, s, rc, atomic, done, total);
	}
	if (!merged && (rc = run_rowops(p, s)))
		return fail_after(p, s, rc, atomic, done, total);
	/* the success record and the next step's row in one statement */
	if (!merged && !vmerge && p->marker_seq == seq && !s->ncfg && next >= 0 &&
	    (rc = aurmig__journal_success_with_version(p->conn, p->run_id, seq, (long)done, NULL, NULL, next,
		    &merged)))
		return fail_after(p, s, rc, atomic, done, total);
	/* config rows keep their place after the earlier steps' rows */
	if (s->ncfg && (rc = flush_rows(p)))
		return fail_after(p, s, rc, atomic, done, total);
	if ((rc = aurmig__config_announce(p, s)))
		return fail_after(p, s, rc, atomic, done, total);
	/* the step's journal row says success, in the step's own transaction
	 * (in a whole-plan transaction: collected, written before it commits) */
	if (merged)
		rc = AURMIG_OK;
	else if (p->marker_seq == seq)
		rc = aurmig__journal_update(p->conn, p->run_id, seq, (long)done, AURMIG__J_SUCCESS, NULL,
			AURMIG__J_RUNNING);
	else if (is_queued(p, seq)) {
		if (!(rc = aurmig__journal_update(p->conn, p->run_id, seq, (long)done, AURMIG__J_SUCCESS, NULL,
			      AURMIG__J_QUEUED)))
			p->queued_lo = (size_t)seq + 1;
	} else if (one_tx && p->plan_tx)
		rc = queue_row(p, seq, AURMIG__J_SUCCESS);
	else
		rc = insert_row(p, seq, AURMIG__J_SUCCESS);
	if (rc)
		return fail_after(p, s, rc, atomic, done, total);
	/* announce the next step in this transaction, so a crash in it is seen
	 * (MySQL: the merged statement did) */
	if (merged && next >= 0) {
		announced = next;
		p->queued_lo = (size_t)next + 1;
	} else if (!one_tx && seq + 1 < (long)p->nsteps &&
		   (aurmig__step_atomic(p, &p->steps[seq + 1]) || (is_queued(p, seq + 1) && !s->ncfg))) {
		if ((rc = announce(p, seq + 1)))
			return fail_after(p, s, rc, atomic, done, total);
		announced = seq + 1;
	}
	/* (merged in autocommit after a last DDL statement: committed) */
	if ((!one_tx || !atomic) && !p->tail_ddl && (rc = aurmig__db_commit(p->conn)))
		return fail_after(p, s, rc, atomic, done, total);
	p->marker_seq = announced;
	p->tail_dml = p->tail_ddl = 0;
	s->seconds = now_seconds() - t0;
	p->next++;
	if (p->next == p->nsteps && p->plan_tx) {
		if ((rc = flush_rows(p)))
			return fail(p, s, rc, 1, done, total);
		p->plan_tx = 0;
		if ((rc = aurmig__db_commit(p->conn)))
			return fail(p, s, rc, 1, done, total);
	}
	/* config steps follow what is committed: now, or at the end of a
	 * whole-plan transaction */
	if (!p->plan_tx) {
		for (; p->cfg_done < p->next; p->cfg_done++)
			if ((rc = aurmig__config_after_step(p, &p->steps[p->cfg_done]))) {
				aurmig__plan_cancel_marker(p);   /* the next step never starts */
				p->failed = 1;
				aurmig__plan_unlock(p);
				return rc;
			}
	}
	if (p->next == p->nsteps) {
		if ((rc = aurmig__config_final(p))) {
			p->failed = 1;
			aurmig__plan_unlock(p);
			return rc;
		}
		aurmig__plan_unlock(p);
	}
	if (out)
		*out = s;
	if ((rc = progress(p, s, AURMIG_PROGRESS_DONE))) {
		aurmig__plan_cancel_marker(p);
		aurmig__plan_unlock(p);
		p->failed = 1;
		return rc;
	}
	return AURMIG_OK;
}
