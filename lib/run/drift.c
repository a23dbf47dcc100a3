/* SPDX-License-Identifier: GPL-2.0-or-later */
/* aurmig_drift_read: the schema a database should have at its own version
 * rows (the migrations replayed on a scratch database up to them) and the
 * schema it has, read so that both belong to the same rows: under the
 * deploy lock, or between two probes of it (read-only callers). */
#include <stdlib.h>
#include <string.h>

#include "run/plan_priv.h"
#include "run/verify_priv.h"
#include "db/lock.h"
#include "db/version.h"

/* The same rows, in any order. */
static int same_rows(const aurmig__strv *a, const aurmig__strv *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (!aurmig__strv_contains(b, a->v[i]))
			return 0;
	return 1;
}

static int in_progress(aurmig_conn *c)
{
	return aurmig__err(c->ctx, AURMIG_EINPROGRESS, AURMIG_ERRCLASS_DB,
		"a migration is in progress on %s (a run holds the deploy lock): its schema is not compared "
		"while it changes; wait for it to end", c->display_url);
}

/* Read the live side: version rows and schema, consistent with each other. */
static int read_live(aurmig_conn *c, const aurmig_graph *g, int lock, long timeout_ms, aurmig__strv *rows,
	aurmig_schema **live)
{
	aurmig__strv again = { 0 };
	int rc, held = 0;

	if (lock == AURMIG_DRIFT_HOLD) {
		if ((rc = aurmig__lock_acquire(c, timeout_ms)) || (rc = aurmig__recovery_gate(c, g, 1)))
			return rc;
	} else {
		if ((rc = aurmig__lock_probe(c, &held)))
			return rc;
		if (held)
			return in_progress(c);
	}
	if ((rc = aurmig__version_read(c, rows)))
		return rc;
	for (size_t i = 0; i < rows->n; i++)
		if (!aurmig_graph_get(g, rows->v[i]))
			return aurmig__err(c->ctx, AURMIG_EUNKNOWNREV, AURMIG_ERRCLASS_TARGET,
				"the database is at revision %s, which the migrations do not know (newer code ran on it?)",
				rows->v[i]);
	if ((rc = aurmig_schema_read(live, c)))
		return rc;
	if (lock == AURMIG_DRIFT_HOLD)
		return AURMIG_OK;
	/* a run that began meanwhile holds the lock now, or has changed the rows */
	if ((rc = aurmig__lock_probe(c, &held)) || (!held && (rc = aurmig__version_read(c, &again))))
		return rc;
	rc = held || !same_rows(rows, &again) ? in_progress(c) : AURMIG_OK;
	aurmig__strv_clear(&again);
	return rc;
}

/* The migrations on the empty scratch database up to rows. */
static int replay(aurmig_conn *s, const aurmig_graph *g, const aurmig__strv *rows)
{
	aurmig_plan_options o;
	aurmig_plan *p = NULL;
	size_t nhooks = s->ctx->nhooks;
	int rc;

	/* the version table first: an upgrade of a database without any table
	 * would build it from the declared schema instead of running the scripts */
	if ((rc = aurmig__version_ensure(s)) || !rows->n)
		return rc;
	aurmig_plan_options_init(&o, AURMIG_PLAN_OPTIONS_VERSION);
	o.flags = AURMIG_PLAN_NO_LOCK;
	o.lock_retries = 0;
	/* hooks run their SQL defaults only: the host's callbacks (the CLI's
	 * hook commands) act on the database they know, the real one */
	s->ctx->nhooks = 0;
	if (!(rc = aurmig_plan_new(&p, s, g, AURMIG_CMD_UPGRADE, (const char *const *)rows->v, rows->n, &o)))
		rc = aurmig_plan_run(p);
	aurmig_plan_free(p);
	s->ctx->nhooks = nhooks;
	if (rc && rc != AURMIG_ENOMEM) {
		const aurmig_error *e = aurmig_error_last(s->ctx);
		char *msg = aurmig__strdup(s->ctx, e && e->message ? e->message : "unknown error");
		if (!msg)
			return AURMIG_ENOMEM;
		rc = aurmig__err(s->ctx, rc, AURMIG_ERRCLASS_DB, "replaying the migrations on the scratch database %s "
			"failed: %s", s->display_url, msg);
		free(msg);
	}
	return rc;
}

int aurmig_drift_read(aurmig_schema **live_out, aurmig_schema **expected_out, char **revisions_out,
	aurmig_conn *conn, aurmig_conn *scratch, const aurmig_graph *g, int lock, long timeout_ms)
{
	aurmig__strv rows = { 0 }, tables = { 0 };
	aurmig_schema *live = NULL, *expected = NULL;
	aurmig_context *ctx;
	char *revs = NULL;
	int rc, took = 0;

	if (live_out)
		*live_out = NULL;
	if (expected_out)
		*expected_out = NULL;
	if (revisions_out)
		*revisions_out = NULL;
	if (!live_out || !expected_out || !conn || !scratch || !g ||
	    (lock != AURMIG_DRIFT_PROBE && lock != AURMIG_DRIFT_HOLD))
		return conn ? aurmig__err(conn->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_drift_read: NULL or invalid argument") : AURMIG_EINVALID;
	ctx = conn->ctx;
	aurmig__err_clear(ctx);
	if (scratch->dialect != conn->dialect)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"the scratch database %s is not of the database's kind", scratch->display_url);
	if ((rc = aurmig__db_list_tables(scratch, &tables)))
		return rc;
	if (tables.n) {
		rc = aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"the scratch database %s is not empty (%zu table%s, e.g. %s)", scratch->display_url, tables.n,
			tables.n == 1 ? "" : "s", tables.v[0]);
		aurmig__strv_clear(&tables);
		return rc;
	}
	took = lock == AURMIG_DRIFT_HOLD && !conn->locked;
	if ((rc = read_live(conn, g, lock, timeout_ms, &rows, &live)))
		goto done;
	rc = replay(scratch, g, &rows);
	if (!rc)
		rc = aurmig_schema_read(&expected, scratch);
	{
		/* leave the scratch database as it was: empty */
		int rc2;
		if (rc)
			aurmig__err_hold(ctx);
		rc2 = aurmig__verify_empty_scratch(scratch);
		if (rc)
			aurmig__err_release(ctx);
		if (!rc)
			rc = rc2;
	}
	if (rc)
		goto done;
	{
		aurmig__buf b;
		aurmig__buf_init(&b, ctx);
		aurmig__buf_puts(&b, "");
		for (size_t i = 0; i < rows.n; i++)
			aurmig__buf_printf(&b, "%s%s", i ? " " : "", rows.v[i]);
		if (!(revs = aurmig__buf_detach(&b))) {
			rc = AURMIG_ENOMEM;
			goto done;
		}
	}
	{
		char *label = aurmig__printf(ctx, "the migrations at %s", *revs ? revs : "base");
		if (!label) {
			rc = AURMIG_ENOMEM;
			goto done;
		}
		rc = aurmig_schema_set_label(expected, label);
		free(label);
		if (!rc)
			rc = aurmig_schema_set_label(live, conn->display_url);
		if (rc)
			goto done;
	}
	*live_out = live;
	*expected_out = expected;
	live = expected = NULL;
	if (revisions_out) {
		*revisions_out = revs;
		revs = NULL;
	}
	aurmig__err_clear(ctx);
done:
	if (rc && took)
		aurmig__lock_release(conn);   /* kept only for a caller that goes on */
	aurmig_schema_free(live);
	aurmig_schema_free(expected);
	aurmig__strv_clear(&rows);
	free(revs);
	return rc;
}
