/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Revision ranges for history listings ("lower:upper", Alembic's -r). */
#include <stdlib.h>
#include <string.h>

#include "graph/resolve.h"

struct aurmig_revlist {
	aurmig_context *ctx;
	aurmig_graph *graph;    /* kept alive: the list borrows its migrations */
	const aurmig_migration **v;
	size_t n;
};

/* One end of a range to a set of revisions; *is_base when it means base. */
static int range_end(aurmig__idxv *out, int *is_base, const aurmig_graph *g, aurmig_context *ctx,
	const char *spec, const aurmig__idxv *cur, int upper)
{
	char *label = NULL, *symbol = NULL;
	long rel;
	int rc;

	*is_base = 0;
	if (!*spec) {
		if (upper)
			return aurmig__resolve_set(out, g, ctx, "heads");
		*is_base = 1;
		return AURMIG_OK;
	}
	if (strcmp(spec, "current") == 0) {
		for (size_t i = 0; i < cur->n; i++)
			if (aurmig__idxv_push(out, ctx, cur->v[i]))
				return AURMIG_ENOMEM;
		*is_base = cur->n == 0;
		return AURMIG_OK;
	}
	rc = aurmig__parse_relative(spec, ctx, &label, &symbol, &rel);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		size_t start = AURMIG__NONE, r = AURMIG__NONE;
		rc = AURMIG_OK;
		if (!symbol || strcmp(symbol, "current") == 0) {
			if (cur->n != 1)
				rc = aurmig__err(ctx, AURMIG_EAMBIGUOUS, AURMIG_ERRCLASS_TARGET,
					"'%s' is relative to the current revision, but the database has %zu", spec, cur->n);
			else
				start = cur->v[0];
		} else {
			rc = aurmig__resolve_one(&start, g, ctx, symbol);
		}
		if (!rc)
			rc = aurmig__walk(&r, g, ctx, start == AURMIG__NONE ? AURMIG__BASE : start, rel, label);
		if (!rc && r == AURMIG__NONE)
			rc = aurmig__err(ctx, AURMIG_ENOTFOUND, AURMIG_ERRCLASS_TARGET,
				"Relative revision %s didn't produce %ld migrations", spec, rel < 0 ? -rel : rel);
		if (!rc && r == AURMIG__BASE)
			*is_base = 1;
		else if (!rc)
			rc = aurmig__idxv_push(out, ctx, r);
		free(label);
		free(symbol);
		return rc;
	}
	rc = aurmig__resolve_set(out, g, ctx, spec);
	if (!rc && !out->n)
		*is_base = 1;
	return rc;
}

int aurmig_graph_history(aurmig_revlist **out, const aurmig_graph *g, const char *range,
	const char *const *current, size_t ncurrent)
{
	aurmig_context *ctx;
	aurmig__idxv cur = { 0 }, lo = { 0 }, hi = { 0 };
	unsigned char *up = NULL, *down = NULL;
	aurmig_revlist *l = NULL;
	char *lower = NULL;
	const char *upper = "";
	int lo_base = 1, hi_base = 0, rc = AURMIG_OK;

	if (!out || !g)
		return AURMIG_EINVALID;
	ctx = g->ctx;
	*out = NULL;
	aurmig__err_clear(ctx);
	for (size_t i = 0; i < ncurrent; i++) {
		size_t x = current && current[i] ? aurmig__graph_index(g, current[i]) : AURMIG__NONE;
		if (x == AURMIG__NONE) {
			rc = aurmig__err(ctx, AURMIG_EUNKNOWNREV, AURMIG_ERRCLASS_TARGET,
				"current revision '%s' is not in the migrations directory",
				current && current[i] ? current[i] : "(null)");
			goto done;
		}
		if ((rc = aurmig__idxv_push(&cur, ctx, x)))
			goto done;
	}
	if (range && *range) {
		const char *colon = strchr(range, ':');
		if (!colon) {
			rc = aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_TARGET,
				"history range '%s' must have the form [start]:[end]", range);
			goto done;
		}
		if (!(lower = aurmig__strndup(ctx, range, (size_t)(colon - range)))) {
			rc = AURMIG_ENOMEM;
			goto done;
		}
		upper = colon + 1;
		if ((rc = range_end(&lo, &lo_base, g, ctx, lower, &cur, 0)))
			goto done;
	}
	if ((rc = range_end(&hi, &hi_base, g, ctx, upper, &cur, 1)))
		goto done;
	up = aurmig__calloc(ctx, g->n ? g->n : 1, 1);
	down = aurmig__calloc(ctx, g->n ? g->n : 1, 1);
	l = aurmig__calloc(ctx, 1, sizeof(*l));
	if (!up || !down || !l || !(l->v = aurmig__calloc(ctx, g->n ? g->n : 1, sizeof(*l->v)))) {
		rc = AURMIG_ENOMEM;
		goto done;
	}
	if ((rc = aurmig__graph_mark_ancestors(g, ctx, hi.v, hi.n, up, 1)))
		goto done;
	if (!lo_base && (rc = aurmig__graph_mark_descendants(g, ctx, lo.v, lo.n, down, 1)))
		goto done;
	for (size_t i = g->n; i-- > 0;)
		if (up[i] && (lo_base || down[i]))
			l->v[l->n++] = g->migs[i];
	l->ctx = aurmig__context_ref(ctx);
	l->graph = aurmig__graph_ref(g);
	*out = l;
	l = NULL;
done:
	if (l) {
		free(l->v);
		free(l);
	}
	free(lower);
	free(up);
	free(down);
	aurmig__idxv_clear(&cur);
	aurmig__idxv_clear(&lo);
	aurmig__idxv_clear(&hi);
	return rc;
}

int aurmig_graph_current(aurmig_revlist **out, const aurmig_graph *g, const char *const *rows, size_t nrows)
{
	aurmig_context *ctx;
	aurmig__idxv cur = { 0 };
	unsigned char *all = NULL;
	aurmig_revlist *l = NULL;
	int rc = AURMIG_OK;

	if (!out || !g || (nrows && !rows))
		return AURMIG_EINVALID;
	ctx = g->ctx;
	*out = NULL;
	aurmig__err_clear(ctx);
	for (size_t i = 0; i < nrows && !rc; i++) {
		size_t x = rows[i] ? aurmig__graph_index(g, rows[i]) : AURMIG__NONE;
		if (x != AURMIG__NONE)
			rc = aurmig__idxv_push(&cur, ctx, x);
	}
	/* everything applied (dependencies included), then keep the revisions
	 * none of whose down_revision children is applied */
	if (!rc && !(all = aurmig__calloc(ctx, g->n ? g->n : 1, 1)))
		rc = AURMIG_ENOMEM;
	if (!rc)
		rc = aurmig__graph_mark_ancestors(g, ctx, cur.v, cur.n, all, 1);
	if (!rc && (!(l = aurmig__calloc(ctx, 1, sizeof(*l))) ||
		    !(l->v = aurmig__calloc(ctx, g->n ? g->n : 1, sizeof(*l->v)))))
		rc = AURMIG_ENOMEM;
	for (size_t i = g->n; !rc && i-- > 0;) {
		const aurmig_migration *m = g->migs[i];
		int child_applied = 0;
		if (!all[i])
			continue;
		for (size_t k = 0; k < m->nchildren; k++)
			child_applied |= all[m->children[k]];
		if (!child_applied)
			l->v[l->n++] = m;
	}
	if (!rc) {
		l->ctx = aurmig__context_ref(ctx);
		l->graph = aurmig__graph_ref(g);
		*out = l;
		l = NULL;
	}
	if (l) {
		free(l->v);
		free(l);
	}
	free(all);
	aurmig__idxv_clear(&cur);
	return rc;
}

size_t aurmig_revlist_count(const aurmig_revlist *l) { return l ? l->n : 0; }
const aurmig_migration *aurmig_revlist_at(const aurmig_revlist *l, size_t i)
{
	return l && i < l->n ? l->v[i] : NULL;
}
void aurmig_revlist_free(aurmig_revlist *l)
{
	if (!l)
		return;
	free(l->v);
	aurmig__graph_unref(l->graph);
	aurmig__context_unref(l->ctx);
	free(l);
}
