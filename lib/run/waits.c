/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bounded lock waits of a migration, and retries (docs/safety.md, "Bounded
 * waits"). Before a step's statements the lock-wait bound is set (MariaDB
 * lock_wait_timeout / innodb_lock_wait_timeout, PostgreSQL lock_timeout:
 * SET LOCAL inside an atomic step, SQLite the busy timeout). A statement
 * that times out waiting for a lock, or loses a deadlock, changed nothing:
 * it is run again after a pause, at the granularity the journal tracks (an
 * atomic step as a whole, after its rollback; a non-atomic step from the
 * failed statement), at most lock_retries times. A statement timeout is
 * not retried (it would run as long again), nor is an atomic step with a
 * hook (application code with unknown side effects) or inside a whole-plan
 * transaction.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/waits.h"
#include "run/plan_priv.h"

long aurmig__step_lock_wait_ms(const aurmig_plan *p, const aurmig_step *s)
{
	if (s->mig && s->mig->lock_wait_ms >= 0)
		return s->mig->lock_wait_ms;
	return p->opts.ddl_lock_wait_ms > 0 ? p->opts.ddl_lock_wait_ms : 0;
}

int aurmig__step_set_lock_wait(aurmig_plan *p, const aurmig_step *s, int atomic)
{
	long ms = aurmig__step_lock_wait_ms(p, s);
	int local = atomic && p->conn->dialect == AURMIG_DIALECT_PGSQL;
	int rc;

	if (ms <= 0) {
		/* the script asks for the server's own bound */
		if (p->wait_session_ms > 0)
			aurmig__plan_reset_lock_wait(p);
		return AURMIG_OK;
	}
	if (!local && p->wait_session_ms == ms)
		return AURMIG_OK;   /* already set for the session */
	if ((rc = aurmig__db_set_lock_wait(p->conn, ms, local)))
		return rc;
	if (!local)
		p->wait_session_ms = ms;
	return AURMIG_OK;
}

void aurmig__plan_reset_lock_wait(aurmig_plan *p)
{
	if (p->wait_session_ms <= 0 || !p->conn || p->conn->offline)
		return;
	p->wait_session_ms = -1;
	if (p->conn->dialect == AURMIG_DIALECT_SQLITE) {
		aurmig__err_hold(p->conn->ctx);
		aurmig__db_sqlite_busy_timeout(p->conn, p->conn->timeout_ms > 0 ? p->conn->timeout_ms : 5000);
		aurmig__err_release(p->conn->ctx);
		return;
	}
	aurmig__db_reset_lock_wait(p->conn);
}

/* The pause before retry k (0-based): delay * 2^k, at most 30 s, +-20 %. */
static long backoff_ms(const aurmig_plan *p, size_t k)
{
	long ms = p->opts.lock_retry_delay_ms > 0 ? p->opts.lock_retry_delay_ms : 0;
	struct timespec ts;

	for (size_t i = 0; i < k && ms < 30000; i++)
		ms *= 2;
	if (ms > 30000)
		ms = 30000;
	/* jitter, so that two deployers blocked by the same session do not retry in step */
	clock_gettime(CLOCK_REALTIME, &ts);
	return ms + (ms / 5) * ((long)(ts.tv_nsec % 2001) - 1000) / 1000;
}

static int has_hook(const aurmig_step *s)
{
	for (size_t i = 0; i < s->nitems; i++)
		if (s->items[i].hook)
			return 1;
	return 0;
}

int aurmig__step_wait_retry(aurmig_plan *p, aurmig_step *s, size_t i, int atomic)
{
	const aurmig_error *e = aurmig_error_last(p->ctx);
	int one_tx = (p->opts.flags & AURMIG_PLAN_ONE_TRANSACTION) != 0;
	int kind = aurmig__db_wait_kind(p->conn->dialect, e->db_code, e->message);
	long wait = aurmig__step_lock_wait_ms(p, s), pause;
	char *blockers = NULL, *what;
	int can;

	free(p->wait_note);
	p->wait_note = NULL;
	if (kind == AURMIG__WAIT_NONE || kind == AURMIG__WAIT_STATEMENT || !s->mig)
		return 0;
	can = s->retries < (size_t)(p->opts.lock_retries > 0 ? p->opts.lock_retries : 0) &&
		!(atomic && (one_tx || has_hook(s)));
	/* PostgreSQL: the failed transaction answers nothing until rolled back */
	if (atomic && !one_tx)
		aurmig__db_rollback(p->conn);
	if (!(atomic && one_tx && p->conn->dialect == AURMIG_DIALECT_PGSQL))
		blockers = aurmig__db_blockers(p->conn);
	if (!can) {
		p->wait_note = aurmig__printf(p->ctx, " (%zu attempt%s, %.1f s lock wait each%s)",
			s->retries + 1, s->retries ? "s" : "", (double)wait / 1000.0, blockers ? blockers : "");
		free(blockers);
		return 0;
	}
	pause = backoff_ms(p, s->retries);
	what = aurmig__printf(p->ctx, "%s of revision %s, statement %zu of %zu: %s%s; retry %zu of %d in %.1f s",
		s->kind == AURMIG_STEP_DOWNGRADE ? "downgrade" : "upgrade", s->mig->id, i + 1, s->nitems,
		e->message, blockers ? blockers : "", s->retries + 1, p->opts.lock_retries, (double)pause / 1000.0);
	free(blockers);
	aurmig__log(p->ctx, AURMIG_LOG_WARNING, "%s", what ? what : "a statement timed out waiting for a lock; retrying");
	free(what);
	s->retries++;
	if (p->opts.progress && p->opts.progress(p->opts.progress_payload, s, AURMIG_PROGRESS_LOCK_WAIT)) {
		s->retries--;
		return 0;
	}
	aurmig__sleep_ms(pause);
	aurmig__err_clear(p->ctx);
	if (atomic) {
		s->statements = 0;
		p->retry_step = 1;
		return 2;
	}
	return 1;
}

int aurmig__step_wait_failed(aurmig_plan *p, const aurmig_step *s, int rc)
{
	const aurmig_error *e = aurmig_error_last(p->ctx);
	char *msg;

	if (!p->wait_note || !s->mig)
		return rc;
	if (!(msg = aurmig__strdup(p->ctx, e->message)))
		return AURMIG_ENOMEM;
	rc = aurmig__err_at(p->ctx, rc, AURMIG_ERRCLASS_DB, s->mig->path, 0,
		"%s of revision %s could not begin: %s%s; nothing of it remains",
		s->kind == AURMIG_STEP_DOWNGRADE ? "downgrade" : "upgrade", s->mig->id, msg, p->wait_note);
	free(msg);
	return rc;
}

int aurmig__plan_first_begin(aurmig_plan *p)
{
	aurmig_step *s = &p->steps[0];
	int rc;

	/* SQLite: BEGIN IMMEDIATE waits (the busy timeout) for another writer */
	if (p->conn->dialect != AURMIG_DIALECT_PGSQL && (rc = aurmig__step_set_lock_wait(p, s, 0)))
		return rc;
	while ((rc = aurmig__db_begin(p->conn)))
		if (aurmig__step_wait_retry(p, s, 0, 0) != 1)
			return aurmig__step_wait_failed(p, s, rc);
	return AURMIG_OK;
}
