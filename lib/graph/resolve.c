/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resolving revision identifiers and relative targets (Alembic's grammar). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph/resolve.h"

/* Revisions whose id starts with prefix (binary search over sorted ids). */
static int prefix_matches(aurmig__idxv *out, const aurmig_graph *g, aurmig_context *ctx, const char *prefix)
{
	size_t lo = 0, hi = g->n, plen = strlen(prefix);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strncmp(g->by_id[mid]->id, prefix, plen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < g->n && strncmp(g->by_id[i]->id, prefix, plen) == 0; i++)
		if (strlen(g->by_id[i]->id) > 3 && aurmig__idxv_push(out, ctx, g->by_id[i]->idx))
			return AURMIG_ENOMEM;
	return AURMIG_OK;
}

int aurmig__resolve_branch(size_t *out, const aurmig_graph *g, aurmig_context *ctx, const char *branch)
{
	size_t i = aurmig__graph_label(g, branch);
	int rc;

	if (i != AURMIG__NONE) {
		*out = i;
		return AURMIG_OK;
	}
	rc = aurmig__resolve_ident(out, g, ctx, branch, NULL);
	if (rc == AURMIG_ENOTFOUND)
		return aurmig__err(ctx, AURMIG_ENOTFOUND, AURMIG_ERRCLASS_TARGET, "No such branch: '%s'", branch);
	return rc;
}

int aurmig__filter_lineage(aurmig__idxv *set, const aurmig_graph *g, aurmig_context *ctx,
	const char *branch, int deps)
{
	size_t b;
	size_t keep = 0;
	int rc = aurmig__resolve_branch(&b, g, ctx, branch);

	if (rc)
		return rc;
	for (size_t i = 0; i < set->n; i++) {
		int shares;
		if ((rc = aurmig__graph_shares_lineage(g, ctx, set->v[i], b, deps, &shares)))
			return rc;
		if (shares)
			set->v[keep++] = set->v[i];
	}
	set->n = keep;
	return AURMIG_OK;
}

int aurmig__resolve_ident(size_t *out, const aurmig_graph *g, aurmig_context *ctx,
	const char *ident, const char *branch)
{
	size_t i = aurmig__graph_index(g, ident);
	int rc = AURMIG_OK;

	*out = AURMIG__NONE;
	if (i == AURMIG__NONE)
		i = aurmig__graph_label(g, ident);
	if (i == AURMIG__NONE) {
		aurmig__idxv hits = { 0 };

		if (!*ident)
			return aurmig__err(ctx, AURMIG_ENOTFOUND, AURMIG_ERRCLASS_TARGET, "empty revision identifier");
		if ((rc = prefix_matches(&hits, g, ctx, ident)))
			goto done_hits;
		if (branch && hits.n && (rc = aurmig__filter_lineage(&hits, g, ctx, branch, 0)))
			goto done_hits;
		if (hits.n == 0) {
			rc = aurmig__err(ctx, AURMIG_ENOTFOUND, AURMIG_ERRCLASS_TARGET, "No such revision or branch '%s'%s", ident,
				strlen(ident) < 4 ? "; please ensure at least four characters are present "
				"for partial revision identifier matches" : "");
		} else if (hits.n > 1) {
			aurmig__buf b;
			char *list;
			aurmig__buf_init(&b, ctx);
			for (size_t k = 0; k < hits.n; k++) {
				const aurmig_migration *m = g->migs[hits.v[k]];
				aurmig__buf_printf(&b, "%s'%s' (%s)", k ? ", " : "", m->id, m->message);
			}
			list = aurmig__buf_detach(&b);
			if (!list) {
				rc = AURMIG_ENOMEM;
				goto done_hits;
			}
			rc = aurmig__err(ctx, AURMIG_EAMBIGUOUS, AURMIG_ERRCLASS_TARGET,
				"Multiple revisions start with '%s': %s; give more characters", ident, list);
			free(list);
		} else {
			i = hits.v[0];
		}
done_hits:
		aurmig__idxv_clear(&hits);
		if (rc)
			return rc;
	}
	if (branch) {
		size_t b;
		int shares;
		if ((rc = aurmig__resolve_branch(&b, g, ctx, branch)) ||
		    (rc = aurmig__graph_shares_lineage(g, ctx, i, b, 0, &shares)))
			return rc;
		if (!shares)
			return aurmig__err(ctx, AURMIG_ENOTFOUND, AURMIG_ERRCLASS_TARGET, "Revision %s is not a member of branch '%s'",
				g->migs[i]->id, branch);
	}
	*out = i;
	return AURMIG_OK;
}

static int copy_list(aurmig__idxv *out, aurmig_context *ctx, const size_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (aurmig__idxv_push(out, ctx, v[i]))
			return AURMIG_ENOMEM;
	return AURMIG_OK;
}

static int multiple_heads(const aurmig_graph *g, aurmig_context *ctx, const aurmig__idxv *heads,
	const char *what)
{
	aurmig__buf b;
	char *list;
	int rc;

	aurmig__buf_init(&b, ctx);
	for (size_t k = 0; k < heads->n; k++)
		aurmig__buf_printf(&b, "%s%s", k ? ", " : "", g->migs[heads->v[k]]->id);
	list = aurmig__buf_detach(&b);
	if (!list)
		return AURMIG_ENOMEM;
	rc = aurmig__err(ctx, AURMIG_EAMBIGUOUS, AURMIG_ERRCLASS_TARGET,
		"Multiple head revisions are present for given argument '%s' (%s); please specify a "
		"specific target revision, '<branchname>@head' to narrow to a specific head, or 'heads' "
		"for all heads", what, list);
	free(list);
	return rc;
}

/* Split "label@rest" at the first '@'. *label is NULL without one. */
static int split_at(const char *spec, aurmig_context *ctx, char **label, const char **rest)
{
	const char *at = strchr(spec, '@');

	*label = NULL;
	*rest = spec;
	if (!at)
		return AURMIG_OK;
	if (!(*label = aurmig__strndup(ctx, spec, (size_t)(at - spec))))
		return AURMIG_ENOMEM;
	*rest = at + 1;
	return AURMIG_OK;
}

static int is_negative_int(const char *s)
{
	if (*s != '-' || !s[1])
		return 0;
	for (s++; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

int aurmig__resolve_set(aurmig__idxv *out, const aurmig_graph *g, aurmig_context *ctx, const char *spec)
{
	char *label = NULL;
	const char *id;
	int rc;

	if ((rc = split_at(spec, ctx, &label, &id)))
		return rc;
	if (strcmp(id, "heads") == 0) {
		if (label) {
			rc = copy_list(out, ctx, g->heads, g->nheads);
			if (!rc)
				rc = aurmig__filter_lineage(out, g, ctx, label, 0);
		} else {
			rc = copy_list(out, ctx, g->rheads, g->nrheads);
		}
	} else if (strcmp(id, "head") == 0) {
		aurmig__idxv heads = { 0 };
		rc = copy_list(&heads, ctx, g->heads, g->nheads);
		if (!rc && label)
			rc = aurmig__filter_lineage(&heads, g, ctx, label, 0);
		if (!rc && heads.n > 1)
			rc = multiple_heads(g, ctx, &heads, spec);
		if (!rc && heads.n == 1)
			rc = aurmig__idxv_push(out, ctx, heads.v[0]);
		aurmig__idxv_clear(&heads);
	} else if (strcmp(id, "base") == 0 || !*id) {
		if (label) {
			size_t b;
			rc = aurmig__resolve_branch(&b, g, ctx, label);   /* must exist */
		}
	} else if (is_negative_int(id)) {
		/* label@-N: walk down N from each head (of the branch) */
		long n;
		aurmig__idxv heads = { 0 };
		errno = 0;
		n = strtol(id, NULL, 10);
		/* bounded as in aurmig__parse_relative: -LONG_MIN overflows */
		if (errno || n < -1000000000L)
			rc = aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_TARGET,
				"relative step in '%s' is out of range", spec);
		if (!rc)
			rc = copy_list(&heads, ctx, g->rheads, g->nrheads);
		if (!rc && label)
			rc = aurmig__filter_lineage(&heads, g, ctx, label, 0);
		for (size_t k = 0; !rc && k < heads.n; k++) {
			size_t r;
			rc = aurmig__walk(&r, g, ctx, heads.v[k], n, NULL);
			if (!rc && r == AURMIG__NONE)
				rc = aurmig__err(ctx, AURMIG_ENOTFOUND, AURMIG_ERRCLASS_TARGET,
					"Relative revision %s didn't produce %ld migrations", id, -n);
			if (!rc && r != AURMIG__BASE)
				rc = aurmig__idxv_push(out, ctx, r);
		}
		aurmig__idxv_clear(&heads);
	} else {
		size_t r;
		rc = aurmig__resolve_ident(&r, g, ctx, id, label);
		if (!rc)
			rc = aurmig__idxv_push(out, ctx, r);
	}
	free(label);
	return rc;
}

int aurmig__resolve_one(size_t *out, const aurmig_graph *g, aurmig_context *ctx, const char *spec)
{
	aurmig__idxv set = { 0 };
	int rc = aurmig__resolve_set(&set, g, ctx, spec);

	*out = AURMIG__NONE;
	if (!rc && set.n > 1)
		rc = multiple_heads(g, ctx, &set, spec);
	if (!rc && set.n == 1)
		*out = set.v[0];
	aurmig__idxv_clear(&set);
	return rc;
}

int aurmig__parse_relative(const char *spec, aurmig_context *ctx, char **label, char **symbol, long *rel)
{
	const char *p = spec, *at = strchr(spec, '@'), *sym, *num;
	char *end;

	*label = *symbol = NULL;
	*rel = 0;
	if (at)
		p = at + 1;
	sym = p;
	while (*p && (isalnum((unsigned char)*p) || *p == '_'))
		p++;
	num = p;
	if ((*p != '+' && *p != '-') || !isdigit((unsigned char)p[1]))
		return 0;
	for (p++; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	errno = 0;
	*rel = strtol(num, &end, 10);
	if (errno || *rel > 1000000000L || *rel < -1000000000L)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_TARGET,
			"relative step in '%s' is out of range", spec);
	if (at && !(*label = aurmig__strndup(ctx, spec, (size_t)(at - spec))))
		return AURMIG_ENOMEM;
	if (num > sym && !(*symbol = aurmig__strndup(ctx, sym, (size_t)(num - sym)))) {
		free(*label);
		*label = NULL;
		return AURMIG_ENOMEM;
	}
	return 1;
}

int aurmig__walk(size_t *out, const aurmig_graph *g, aurmig_context *ctx, size_t start, long steps,
	const char *branch)
{
	size_t cur = start;
	long n = steps < 0 ? -steps : steps;
	int rc = AURMIG_OK;

	*out = AURMIG__NONE;
	for (long s = 0; s < n; s++) {
		aurmig__idxv next = { 0 };

		if (steps > 0) {
			if (cur == AURMIG__BASE)
				cur = AURMIG__NONE;
			if (cur == AURMIG__NONE)
				rc = copy_list(&next, ctx, g->bases, g->nbases);
			else
				rc = copy_list(&next, ctx, g->migs[cur]->children, g->migs[cur]->nchildren);
			if (!rc && branch && next.n)
				rc = aurmig__filter_lineage(&next, g, ctx, branch, 0);
		} else if (cur != AURMIG__BASE) {
			if (cur == AURMIG__NONE)
				rc = copy_list(&next, ctx, g->heads, g->nheads);
			else
				rc = copy_list(&next, ctx, g->migs[cur]->parents, g->migs[cur]->nparents);
			if (!rc && !next.n)
				rc = aurmig__idxv_push(&next, ctx, AURMIG__BASE);
		}
		if (rc) {
			aurmig__idxv_clear(&next);
			return rc;
		}
		if (next.n == 0) {
			aurmig__idxv_clear(&next);
			*out = AURMIG__NONE;
			return AURMIG_OK;
		}
		if (next.n > 1) {
			aurmig__buf b;
			char *list;
			aurmig__buf_init(&b, ctx);
			for (size_t k = 0; k < next.n; k++)
				aurmig__buf_printf(&b, "%s%s", k ? ", " : "",
					next.v[k] == AURMIG__BASE ? "base" : g->migs[next.v[k]]->id);
			aurmig__idxv_clear(&next);
			list = aurmig__buf_detach(&b);
			if (!list)
				return AURMIG_ENOMEM;
			rc = aurmig__err(ctx, AURMIG_EAMBIGUOUS, AURMIG_ERRCLASS_TARGET,
				"Ambiguous walk: %s the path forks at %s (%s); name a revision or use "
				"<branchname>@%+ld", cur == AURMIG__NONE ? "from base," :
				(steps > 0 ? "upward," : "downward,"),
				cur == AURMIG__NONE || cur == AURMIG__BASE ? "base" : g->migs[cur]->id, list, steps);
			free(list);
			return rc;
		}
		cur = next.v[0];
		aurmig__idxv_clear(&next);
	}
	*out = cur;
	return AURMIG_OK;
}

int aurmig_graph_lookup(const aurmig_migration **out, const aurmig_graph *g, const char *spec)
{
	char *label = NULL;
	const char *id;
	size_t i;
	int rc;

	if (!out || !g || !spec)
		return AURMIG_EINVALID;
	*out = NULL;
	aurmig__err_clear(g->ctx);
	if ((rc = split_at(spec, g->ctx, &label, &id)))
		return rc;
	rc = aurmig__resolve_ident(&i, g, g->ctx, id, label);
	free(label);
	if (!rc)
		*out = g->migs[i];
	return rc;
}
