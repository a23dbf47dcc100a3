/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one-call start-up check: graph, connection, report, all read-only. */
#include <stdlib.h>
#include <string.h>

#include "graph/graph_priv.h"
#include "db/db.h"
#include "run/plan_priv.h"

struct aurmig_status {
	aurmig_context *ctx;
	int state;
	char *message;
	aurmig__strv current;
	aurmig__strv heads;
	aurmig__strv pending;
	char *run[AURMIG__RUN_FIELDS];
};

void aurmig_status_free(aurmig_status *s)
{
	if (!s)
		return;
	free(s->message);
	for (int i = 0; i < AURMIG__RUN_FIELDS; i++)
		free(s->run[i]);
	aurmig__strv_clear(&s->current);
	aurmig__strv_clear(&s->heads);
	aurmig__strv_clear(&s->pending);
	aurmig__context_unref(s->ctx);
	free(s);
}

static int fill(aurmig_status *s, aurmig_conn *c, const aurmig_graph *g)
{
	aurmig_report *r = NULL;
	const char *first[7] = { 0 };
	int rc;

	/* one read of the database (validate's): the version rows come with it */
	if ((rc = aurmig__validate_rows(&r, c, g, &s->current)))
		return rc;
	/* as aurmig_conn_read_current would leave the connection */
	aurmig__strv_clear(&c->current);
	if ((rc = aurmig__strv_copy(&c->current, s->ctx, &s->current)))
		goto out;
	for (size_t i = 0; i < g->nrheads; i++)
		if ((rc = aurmig__strv_push(&s->heads, s->ctx, g->migs[g->rheads[i]]->id)))
			goto out;
	for (size_t i = 0; i < aurmig_report_count(r) && !rc; i++) {
		int k = aurmig_report_kind(r, i);
		if (k > 0 && k < 7 && !first[k])
			first[k] = aurmig_report_message(r, i);
		if (k == AURMIG_ISSUE_PENDING)
			rc = aurmig__strv_push(&s->pending, s->ctx, aurmig_report_revision(r, i));
	}
	if (!rc) {
		if (first[AURMIG_ISSUE_IN_PROGRESS])
			s->state = AURMIG_STATE_IN_PROGRESS;
		else if (first[AURMIG_ISSUE_UNKNOWN])
			s->state = AURMIG_STATE_UNKNOWN;
		else if (first[AURMIG_ISSUE_RECOVERY])
			s->state = AURMIG_STATE_RECOVERY;
		else if (first[AURMIG_ISSUE_CHANGED])
			s->state = AURMIG_STATE_DRIFT;
		else if (s->pending.n)
			s->state = AURMIG_STATE_BEHIND;
		else
			s->state = AURMIG_STATE_AT_HEAD;
		s->message = s->state == AURMIG_STATE_IN_PROGRESS ? aurmig__strdup(s->ctx, first[AURMIG_ISSUE_IN_PROGRESS]) :
			s->state == AURMIG_STATE_UNKNOWN ? aurmig__strdup(s->ctx, first[AURMIG_ISSUE_UNKNOWN]) :
			s->state == AURMIG_STATE_RECOVERY ? aurmig__strdup(s->ctx, first[AURMIG_ISSUE_RECOVERY]) :
			s->state == AURMIG_STATE_DRIFT ? aurmig__strdup(s->ctx, first[AURMIG_ISSUE_CHANGED]) :
			s->state == AURMIG_STATE_BEHIND ? aurmig__printf(s->ctx,
				"the database is behind: %zu migration%s pending", s->pending.n, s->pending.n == 1 ? "" : "s") :
			aurmig__strdup(s->ctx, "the database is at head");
		if (!s->message)
			rc = AURMIG_ENOMEM;
		for (int i = 1; i < AURMIG__RUN_FIELDS && !rc && s->state == AURMIG_STATE_IN_PROGRESS; i++)
			if (aurmig__report_run(r, i) && !(s->run[i] = aurmig__strdup(s->ctx, aurmig__report_run(r, i))))
				rc = AURMIG_ENOMEM;
	}
out:
	aurmig_report_free(r);
	return rc;
}

int aurmig_status_new(aurmig_status **out, aurmig_context *ctx, const char *url,
	const char *aurweb_config, const char *dir)
{
	return aurmig_status_new_timeout(out, ctx, url, aurweb_config, dir, AURMIG_STATUS_TIMEOUT_MS);
}

int aurmig_status_new_timeout(aurmig_status **out, aurmig_context *ctx, const char *url,
	const char *aurweb_config, const char *dir, long timeout_ms)
{
	aurmig_status *s;
	aurmig_graph *g = NULL;
	aurmig_conn *c = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !ctx || !dir || (!url == !aurweb_config))
		return ctx ? aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_status_new: give a directory and exactly one of url and aurweb_config") : AURMIG_EINVALID;
	*out = NULL;
	if (!(s = aurmig__calloc(ctx, 1, sizeof(*s))))
		return AURMIG_ENOMEM;
	s->ctx = aurmig__context_ref(ctx);
	if (!(rc = aurmig_graph_load(&g, ctx, dir)))
		rc = url ? aurmig_conn_open_flags(&c, ctx, url, AURMIG_OPEN_EXISTING)
			: aurmig_conn_open_aurweb_config_flags(&c, ctx, aurweb_config, AURMIG_OPEN_EXISTING);
	if (!rc && timeout_ms > 0 && c->dialect == AURMIG_DIALECT_MYSQL) {
		/* carried by the read itself, not set on the session first: one
		 * round trip fewer (db/state.c); the bound the messages name */
		c->read_timeout_ms = timeout_ms;
		c->timeout_ms = timeout_ms;
	} else if (!rc && timeout_ms > 0)
		rc = aurmig_conn_set_timeout(c, timeout_ms);
	if (!rc)
		rc = fill(s, c, g);
	aurmig_conn_free(c);
	aurmig_graph_free(g);
	if (rc) {
		aurmig_status_free(s);
		return rc;
	}
	*out = s;
	return AURMIG_OK;
}

int aurmig_status_from(aurmig_status **out, aurmig_conn *conn, const aurmig_graph *graph)
{
	aurmig_status *s;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !conn || !graph)
		return conn ? aurmig__err(conn->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_status_from: NULL argument") : AURMIG_EINVALID;
	aurmig__err_clear(conn->ctx);
	if (!(s = aurmig__calloc(conn->ctx, 1, sizeof(*s))))
		return AURMIG_ENOMEM;
	s->ctx = aurmig__context_ref(conn->ctx);
	if ((rc = fill(s, conn, graph))) {
		aurmig_status_free(s);
		return rc;
	}
	*out = s;
	return AURMIG_OK;
}

int aurmig_status_state(const aurmig_status *s) { return s ? s->state : AURMIG_STATE_UNKNOWN; }
const char *aurmig_status_run(const aurmig_status *s, int field)
{
	return s && field > 0 && field < AURMIG__RUN_FIELDS ? s->run[field] : NULL;
}
const char *aurmig_status_message(const aurmig_status *s) { return s ? s->message : NULL; }
size_t aurmig_status_current_count(const aurmig_status *s) { return s ? s->current.n : 0; }
const char *aurmig_status_current(const aurmig_status *s, size_t i)
{
	return s && i < s->current.n ? s->current.v[i] : NULL;
}
size_t aurmig_status_head_count(const aurmig_status *s) { return s ? s->heads.n : 0; }
const char *aurmig_status_head(const aurmig_status *s, size_t i)
{
	return s && i < s->heads.n ? s->heads.v[i] : NULL;
}
size_t aurmig_status_pending_count(const aurmig_status *s) { return s ? s->pending.n : 0; }
const char *aurmig_status_pending(const aurmig_status *s, size_t i)
{
	return s && i < s->pending.n ? s->pending.v[i] : NULL;
}
