/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The planner: from the version rows and a target to the ordered steps,
 * each with the version-table change Alembic's HeadMaintainer would make
 * (upgrade, downgrade and stamp; branches, merges, dependencies, labels,
 * relative targets). A pure function of the graph, the rows and the
 * target: no database, no lock, no file. run/plan.c turns its steps into
 * a runnable plan.
 */
#include <stdlib.h>
#include <string.h>

#include "graph/planner.h"

/* Indices of the ids in sv (all known to the graph). */
static int to_idxv(aurmig__idxv *out, const aurmig_graph *g, aurmig_context *ctx, const aurmig__strv *sv)
{
	for (size_t i = 0; i < sv->n; i++) {
		size_t x = aurmig__graph_index(g, sv->v[i]);
		if (x != AURMIG__NONE && aurmig__idxv_push(out, ctx, x))
			return AURMIG_ENOMEM;
	}
	return AURMIG_OK;
}

/* mark = ancestors (inclusive, with dependencies) of the ids in heads except `skip` entries. */
static int mark_ancestors_of(unsigned char *mark, const aurmig_graph *g, aurmig_context *ctx,
	const aurmig__strv *heads, const aurmig__strv *skip)
{
	aurmig__idxv v = { 0 };
	int rc = AURMIG_OK;

	memset(mark, 0, g->n);
	for (size_t i = 0; i < heads->n && !rc; i++) {
		size_t x;
		if (skip && aurmig__strv_contains(skip, heads->v[i]))
			continue;
		x = aurmig__graph_index(g, heads->v[i]);
		if (x != AURMIG__NONE)
			rc = aurmig__idxv_push(&v, ctx, x);
	}
	if (!rc)
		rc = aurmig__graph_mark_ancestors(g, ctx, v.v, v.n, mark, 1);
	aurmig__idxv_clear(&v);
	return rc;
}

static int add_op(aurmig__pstep *s, aurmig_context *ctx, aurmig__strv *heads, int op, const char *a, const char *b)
{
	aurmig__rowop *ops = aurmig__reallocarray(ctx, s->ops, s->nops + 1, sizeof(*ops));
	aurmig__rowop *o;
	size_t i;

	if (!ops)
		return AURMIG_ENOMEM;
	s->ops = ops;
	o = &ops[s->nops];
	memset(o, 0, sizeof(*o));
	o->op = op;
	if (!(o->a = aurmig__strdup(ctx, a)) || (b && !(o->b = aurmig__strdup(ctx, b)))) {
		free(o->a);
		return AURMIG_ENOMEM;
	}
	s->nops++;
	/* keep the simulated head set in step; a row change that would not hit
	 * exactly one row is the conflict Alembic reports online */
	switch (op) {
	case AURMIG__OP_INSERT:
		if (aurmig__strv_contains(heads, a))
			return aurmig__err(ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB,
				"version table already holds '%s'", a);
		return aurmig__strv_push(heads, ctx, a);
	case AURMIG__OP_UPDATE:
	case AURMIG__OP_DELETE:
		for (i = 0; i < heads->n && strcmp(heads->v[i], a) != 0; i++)
			;
		if (i == heads->n)
			return aurmig__err(ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB,
				"Online migration expected to match one row when %s '%s'%s%s in the version "
				"table; 0 found", op == AURMIG__OP_UPDATE ? "updating" : "deleting", a,
				b ? " to " : "", b ? b : "");
		aurmig__strv_remove_at(heads, i);
		if (op == AURMIG__OP_UPDATE)
			return aurmig__strv_push(heads, ctx, b);
		return AURMIG_OK;
	}
	return AURMIG_OK;
}

/* ---------------------------------------------------------------- head maintenance */

/* norm (Alembic's _normalized_down_revisions) minus ancestors of the other heads */
static int unmerge_to(aurmig__strv *to, const aurmig_graph *g, aurmig_context *ctx,
	const aurmig_migration *m, const aurmig__strv *heads, unsigned char *mark)
{
	aurmig__strv self = { 0 };
	int others = 0, rc;

	for (size_t i = 0; i < heads->n; i++)
		others |= strcmp(heads->v[i], m->id) != 0;
	if ((rc = aurmig__strv_push(&self, ctx, m->id)))
		return rc;
	rc = mark_ancestors_of(mark, g, ctx, heads, &self);
	aurmig__strv_clear(&self);
	if (rc)
		return rc;
	for (size_t k = 0; k < m->nnorm; k++)
		if (!(others && mark[m->norm[k]]) && (rc = aurmig__strv_push(to, ctx, g->migs[m->norm[k]]->id)))
			return rc;
	return AURMIG_OK;
}

static int maintain_revision(aurmig__pstep *s, const aurmig_graph *g, aurmig_context *ctx,
	aurmig__strv *heads, unsigned char *mark)
{
	const aurmig_migration *m = s->mig;
	int rc = AURMIG_OK;

	if (s->kind == AURMIG_STEP_DOWNGRADE) {
		int in_heads = aurmig__strv_contains(heads, m->id);
		aurmig__strv to = { 0 };

		if (in_heads && (rc = unmerge_to(&to, g, ctx, m, heads, mark)))
			goto down_done;
		if (in_heads && (m->nnorm == 0 || to.n == 0)) {
			rc = add_op(s, ctx, heads, AURMIG__OP_DELETE, m->id, NULL);      /* delete branch */
		} else if (in_heads && m->nnorm > 1) {
			/* unmerge: insert all but the last, update to the last */
			for (size_t k = 0; k + 1 < to.n && !rc; k++)
				rc = add_op(s, ctx, heads, AURMIG__OP_INSERT, to.v[k], NULL);
			if (!rc)
				rc = add_op(s, ctx, heads, AURMIG__OP_UPDATE, m->id, to.v[to.n - 1]);
		} else {
			const char *down = m->nnorm == 1 ? g->migs[m->norm[0]]->id : NULL;
			if (!down) {
				rc = aurmig__err(ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB,
					"cannot downgrade '%s': it is not in the version table", m->id);
				goto down_done;
			}
			rc = add_op(s, ctx, heads, AURMIG__OP_UPDATE, m->id, down);
		}
down_done:
		aurmig__strv_clear(&to);
		return rc;
	}

	/* upgrade */
	{
		size_t present = 0;
		const char *one = NULL;

		for (size_t k = 0; k < m->nnorm; k++)
			if (aurmig__strv_contains(heads, g->migs[m->norm[k]]->id)) {
				present++;
				one = g->migs[m->norm[k]]->id;
			}
		if (m->nnorm == 0 || present == 0)
			return add_op(s, ctx, heads, AURMIG__OP_INSERT, m->id, NULL);   /* new branch */
		if (m->nnorm > 1 && present > 1) {
			/* merge: parents implied by other heads are left alone; of the
			 * rest, delete all but the last and update the last */
			aurmig__strv from = { 0 };
			aurmig__strv skip = { 0 };
			int others = 0;

			for (size_t k = 0; k < m->nnorm && !rc; k++)
				rc = aurmig__strv_push(&skip, ctx, g->migs[m->norm[k]]->id);
			for (size_t i = 0; i < heads->n; i++)
				others |= !aurmig__strv_contains(&skip, heads->v[i]);
			if (!rc && others)
				rc = mark_ancestors_of(mark, g, ctx, heads, &skip);
			for (size_t k = 0; k < m->nnorm && !rc; k++)
				if (!(others && mark[m->norm[k]]))
					rc = aurmig__strv_push(&from, ctx, g->migs[m->norm[k]]->id);
			for (size_t k = 0; k + 1 < from.n && !rc; k++)
				rc = add_op(s, ctx, heads, AURMIG__OP_DELETE, from.v[k], NULL);
			if (!rc && from.n)
				rc = add_op(s, ctx, heads, AURMIG__OP_UPDATE, from.v[from.n - 1], m->id);
			aurmig__strv_clear(&from);
			aurmig__strv_clear(&skip);
			return rc;
		}
		return add_op(s, ctx, heads, AURMIG__OP_UPDATE, m->nnorm == 1 ? g->migs[m->norm[0]]->id : one, m->id);
	}
}

/* Alembic's StampStep decisions. */
static int maintain_stamp(aurmig__pstep *s, aurmig_context *ctx, aurmig__strv *heads, int upgrade, int branch_move)
{
	int rc = AURMIG_OK;

	if (!upgrade && branch_move)
		return add_op(s, ctx, heads, AURMIG__OP_DELETE, s->from.v[0], NULL);
	if (upgrade && s->to.n) {
		int from_missing = 0, to_missing = 0;
		for (size_t i = 0; i < s->from.n; i++)
			from_missing |= !aurmig__strv_contains(heads, s->from.v[i]);
		for (size_t i = 0; i < s->to.n; i++)
			to_missing |= !aurmig__strv_contains(heads, s->to.v[i]);
		if ((branch_move || from_missing) && to_missing)
			return add_op(s, ctx, heads, AURMIG__OP_INSERT, s->to.v[0], NULL);
	}
	if (s->from.n > 1) {
		for (size_t k = 0; k + 1 < s->from.n && !rc; k++)
			rc = add_op(s, ctx, heads, AURMIG__OP_DELETE, s->from.v[k], NULL);
		if (!rc)
			rc = add_op(s, ctx, heads, AURMIG__OP_UPDATE, s->from.v[s->from.n - 1], s->to.v[0]);
		return rc;
	}
	if (s->from.n != 1 || s->to.n != 1)
		return aurmig__err(ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB, "cannot stamp: nothing to update");
	return add_op(s, ctx, heads, AURMIG__OP_UPDATE, s->from.v[0], s->to.v[0]);
}

/* A step is done: the caller takes it over (or it is freed). */
static int hand_over(const aurmig__planner *pl, aurmig__pstep *s, int rc)
{
	if (!rc && pl->step)
		rc = pl->step(pl->arg, s);
	aurmig__pstep_clear(s);
	return rc;
}

static int add_revision_step(const aurmig__planner *pl, aurmig__strv *heads, unsigned char *mark, size_t idx,
	int kind)
{
	const aurmig_graph *g = pl->graph;
	const aurmig_migration *m = g->migs[idx];
	aurmig__pstep s = { .kind = kind, .mig = m };
	aurmig__strv *downs, *self;
	int rc = AURMIG_OK;

	downs = kind == AURMIG_STEP_UPGRADE ? &s.from : &s.to;
	self = kind == AURMIG_STEP_UPGRADE ? &s.to : &s.from;
	for (size_t k = 0; k < m->nnorm && !rc; k++)
		rc = aurmig__strv_push(downs, pl->ctx, g->migs[m->norm[k]]->id);
	if (!rc)
		rc = aurmig__strv_push(self, pl->ctx, m->id);
	if (!rc)
		rc = maintain_revision(&s, g, pl->ctx, heads, mark);
	return hand_over(pl, &s, rc);
}

static int err_relative(aurmig_context *ctx, long rel)
{
	return aurmig__err(ctx, AURMIG_ENOTFOUND, AURMIG_ERRCLASS_TARGET,
		"Relative revision %+ld didn't produce %ld migrations", rel, rel < 0 ? -rel : rel);
}

/* The revisions an upgrade must reach (Alembic's _parse_upgrade_target). */
static int upgrade_targets(aurmig__idxv *out, const aurmig__planner *pl, const aurmig__idxv *cur, const char *target)
{
	const aurmig_graph *g = pl->graph;
	aurmig_context *ctx = pl->ctx;
	char *label = NULL, *symbol = NULL;
	long rel;
	size_t start, r = AURMIG__NONE;
	int rc = aurmig__parse_relative(target, ctx, &label, &symbol, &rel);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return aurmig__resolve_set(out, g, ctx, target);
	rc = AURMIG_OK;
	if (rel > 0 && !symbol) {
		aurmig__idxv starts = { 0 };
		for (size_t i = 0; i < cur->n && !rc; i++)
			rc = aurmig__idxv_push(&starts, ctx, cur->v[i]);
		if (!rc && label) {
			rc = aurmig__filter_lineage(&starts, g, ctx, label, 0);
			if (!rc && !starts.n) {
				/* nothing of the branch is current: start below its lowest
				 * revision that is applied, or from base */
				unsigned char *mark = aurmig__calloc(ctx, g->n, 1);
				if (!mark)
					rc = AURMIG_ENOMEM;
				if (!rc)
					rc = aurmig__graph_mark_ancestors(g, ctx, cur->v, cur->n, mark, 1);
				for (size_t i = 0; i < g->n && !rc; i++)
					if (mark[i])
						rc = aurmig__idxv_push(&starts, ctx, i);
				if (!rc)
					rc = aurmig__filter_lineage(&starts, g, ctx, label, 0);
				if (!rc) {
					/* keep those that are nobody's normalized down revision */
					memset(mark, 0, g->n);
					for (size_t i = 0; i < starts.n; i++)
						for (size_t k = 0; k < g->migs[starts.v[i]]->nnorm; k++)
							mark[g->migs[starts.v[i]]->norm[k]] = 1;
					size_t keep = 0;
					for (size_t i = 0; i < starts.n; i++)
						if (!mark[starts.v[i]])
							starts.v[keep++] = starts.v[i];
					starts.n = keep;
				}
				free(mark);
			}
		}
		if (!rc && starts.n > 1)
			rc = aurmig__err(ctx, AURMIG_EAMBIGUOUS, AURMIG_ERRCLASS_TARGET,
				"Ambiguous upgrade from multiple current revisions; use <branchname>@%+ld "
				"or name a revision", rel);
		start = starts.n ? starts.v[0] : AURMIG__NONE;
		aurmig__idxv_clear(&starts);
		if (!rc)
			rc = aurmig__walk(&r, g, ctx, start, rel, label);
		if (!rc && r == AURMIG__NONE)
			rc = err_relative(ctx, rel);
	} else if (!symbol) {
		rc = err_relative(ctx, rel);
	} else {
		char *spec = rel > 0 || !label ? aurmig__strdup(ctx, symbol) :
			aurmig__printf(ctx, "%s@%s", label, symbol);
		if (!spec)
			rc = AURMIG_ENOMEM;
		if (!rc)
			rc = aurmig__resolve_one(&start, g, ctx, spec);
		free(spec);
		if (!rc)
			rc = aurmig__walk(&r, g, ctx, start == AURMIG__NONE ? AURMIG__BASE : start, rel,
				rel > 0 ? label : NULL);
		if (!rc && r == AURMIG__NONE)
			rc = err_relative(ctx, rel);
	}
	if (!rc && r != AURMIG__BASE && r != AURMIG__NONE)
		rc = aurmig__idxv_push(out, ctx, r);
	free(label);
	free(symbol);
	return rc;
}

static int plan_upgrade(const aurmig__planner *pl, aurmig__strv *heads, const aurmig__idxv *cur, const char *target)
{
	const aurmig_graph *g = pl->graph;
	aurmig__idxv tgt = { 0 };
	unsigned char *need = aurmig__calloc(pl->ctx, g->n ? g->n : 1, 1);
	unsigned char *have = aurmig__calloc(pl->ctx, g->n ? g->n : 1, 1);
	unsigned char *mark = aurmig__calloc(pl->ctx, g->n ? g->n : 1, 1);
	int rc = need && have && mark ? AURMIG_OK : AURMIG_ENOMEM;

	if (!rc)
		rc = upgrade_targets(&tgt, pl, cur, target);
	if (!rc)
		rc = aurmig__graph_mark_ancestors(g, pl->ctx, tgt.v, tgt.n, need, 1);
	if (!rc)
		rc = aurmig__graph_mark_ancestors(g, pl->ctx, cur->v, cur->n, have, 1);
	/* topological order is index order */
	for (size_t i = 0; i < g->n && !rc; i++)
		if (need[i] && !have[i])
			rc = add_revision_step(pl, heads, mark, i, AURMIG_STEP_UPGRADE);
	aurmig__idxv_clear(&tgt);
	free(need);
	free(have);
	free(mark);
	return rc;
}

/* Alembic's _parse_downgrade_target: (branch label, target or AURMIG__NONE for base). */
static int downgrade_target(const aurmig__planner *pl, const aurmig__idxv *cur, const char *target,
	char **label_out, size_t *out)
{
	const aurmig_graph *g = pl->graph;
	aurmig_context *ctx = pl->ctx;
	char *label = NULL, *symbol = NULL;
	long rel;
	size_t start = AURMIG__NONE, r = AURMIG__NONE;
	int rc = aurmig__parse_relative(target, ctx, &label, &symbol, &rel);

	*label_out = NULL;
	*out = AURMIG__NONE;
	if (rc < 0)
		return rc;
	if (rc == 0) {
		/* [label@]symbol, split at the last '@' */
		const char *at = strrchr(target, '@');
		if (at && !(label = aurmig__strndup(ctx, target, (size_t)(at - target))))
			return AURMIG_ENOMEM;
		rc = aurmig__resolve_one(out, g, ctx, at ? at + 1 : target);
		if (rc)
			free(label);
		else
			*label_out = label;
		return rc;
	}
	rc = AURMIG_OK;
	if (rel >= 0) {
		if (!symbol)
			rc = err_relative(ctx, rel);
		if (!rc)
			rc = aurmig__resolve_one(&start, g, ctx, symbol);
		if (!rc)
			rc = aurmig__walk(&r, g, ctx, start == AURMIG__NONE ? AURMIG__BASE : start, rel, label);
		if (!rc && r == AURMIG__NONE)
			rc = aurmig__err(ctx, AURMIG_ENOTFOUND, AURMIG_ERRCLASS_TARGET, "Walked too far");
	} else {
		char *spec = NULL;
		if (!symbol && label) {
			aurmig__idxv on = { 0 };
			for (size_t i = 0; i < cur->n && !rc; i++)
				rc = aurmig__idxv_push(&on, ctx, cur->v[i]);
			if (!rc)
				rc = aurmig__filter_lineage(&on, g, ctx, label, 0);
			if (!rc && on.n != 1)
				rc = aurmig__err(ctx, AURMIG_EAMBIGUOUS, AURMIG_ERRCLASS_TARGET,
					"%s current revision of branch '%s'; cannot walk %ld down from it",
					on.n ? "more than one" : "no", label, rel);
			if (!rc && !(symbol = aurmig__strdup(ctx, g->migs[on.v[0]]->id)))
				rc = AURMIG_ENOMEM;
			aurmig__idxv_clear(&on);
		} else if (!symbol) {
			if (cur->n == 0)
				rc = err_relative(ctx, rel);
			else if (cur->n > 1) {
				rc = aurmig__err(ctx, AURMIG_EAMBIGUOUS, AURMIG_ERRCLASS_TARGET,
					"downgrade %ld from multiple heads is ambiguous; use <branchname>@%ld or "
					"<revision>%ld", rel, rel, rel);
			} else if (!(symbol = aurmig__strdup(ctx, g->migs[cur->v[0]]->id)) ||
				   !(label = aurmig__strdup(ctx, symbol))) {
				rc = AURMIG_ENOMEM;
			}
		}
		if (!rc && !(spec = label ? aurmig__printf(ctx, "%s@%s", label, symbol) : aurmig__strdup(ctx, symbol)))
			rc = AURMIG_ENOMEM;
		if (!rc)
			rc = aurmig__resolve_one(&start, g, ctx, spec);
		free(spec);
		if (!rc)
			rc = aurmig__walk(&r, g, ctx, start == AURMIG__NONE ? AURMIG__BASE : start, rel, NULL);
		if (!rc && r == AURMIG__NONE)
			rc = err_relative(ctx, rel);
	}
	if (!rc) {
		*out = r == AURMIG__BASE ? AURMIG__NONE : r;
		*label_out = label;
		label = NULL;
	}
	free(label);
	free(symbol);
	return rc;
}

static int plan_downgrade(const aurmig__planner *pl, aurmig__strv *heads, const aurmig__idxv *cur, const char *target)
{
	const aurmig_graph *g = pl->graph;
	aurmig_context *ctx = pl->ctx;
	char *label = NULL;
	size_t t;
	aurmig__idxv roots = { 0 };
	size_t n = g->n ? g->n : 1;
	unsigned char *drop = aurmig__calloc(ctx, n, 1);
	unsigned char *active = aurmig__calloc(ctx, n, 1);
	unsigned char *mark = aurmig__calloc(ctx, n, 1);
	int rc = drop && active && mark ? AURMIG_OK : AURMIG_ENOMEM;
	int dialect = pl->dialect;
	size_t any = 0;

	if (!rc)
		rc = downgrade_target(pl, cur, target, &label, &t);
	if (rc)
		goto done;
	if (t == AURMIG__NONE) {
		for (size_t i = 0; i < g->nbases && !rc; i++)
			rc = aurmig__idxv_push(&roots, ctx, g->bases[i]);
	} else {
		for (size_t i = 0; i < g->migs[t]->nchildren && !rc; i++)
			rc = aurmig__idxv_push(&roots, ctx, g->migs[t]->children[i]);
	}
	if (!rc && label && roots.n > 1) {
		size_t b;
		size_t keep = 0;
		if (!(rc = aurmig__resolve_branch(&b, g, ctx, label))) {
			memset(mark, 0, n);
			rc = aurmig__graph_mark_ancestors(g, ctx, &b, 1, mark, 0);
		}
		for (size_t i = 0; i < roots.n && !rc; i++)
			if (mark[roots.v[i]])
				roots.v[keep++] = roots.v[i];
		roots.n = keep;
		if (!rc && !roots.n)
			rc = aurmig__err(ctx, AURMIG_ENOTFOUND, AURMIG_ERRCLASS_TARGET,
				"Not a valid downgrade target from current heads");
	}
	if (!rc)
		rc = aurmig__graph_mark_descendants(g, ctx, roots.v, roots.n, drop, 1);
	if (!rc)
		rc = aurmig__graph_mark_ancestors(g, ctx, cur->v, cur->n, active, 1);
	if (rc)
		goto done;
	for (size_t i = 0; i < g->n; i++) {
		drop[i] = drop[i] && active[i];
		any += drop[i];
	}
	if (t != AURMIG__NONE && !any && !aurmig__idxv_contains(cur, t)) {
		rc = aurmig__err(ctx, AURMIG_ENOTFOUND, AURMIG_ERRCLASS_TARGET,
			"Nothing to downgrade: revision %s is not below the current revision(s)", g->migs[t]->id);
		goto done;
	}
	/* refuse before anything runs if a script cannot be reversed */
	for (size_t i = g->n; i-- > 0;)
		if (drop[i] && !aurmig_migration_has_section(g->migs[i], AURMIG_DOWNGRADE, dialect)) {
			rc = aurmig__err_at(ctx, AURMIG_EIRREVERSIBLE, AURMIG_ERRCLASS_SCRIPT, g->migs[i]->path, 0,
				"revision %s has no downgrade section: it cannot be reversed", g->migs[i]->id);
			aurmig__err_set_revision(ctx, g->migs[i]->id);
			goto done;
		}
	for (size_t i = g->n; i-- > 0 && !rc;)
		if (drop[i]) {
			if (g->migs[i]->data_loss)
				aurmig__log(ctx, AURMIG_LOG_WARNING, "the downgrade of %s cannot restore: %s",
					g->migs[i]->id, g->migs[i]->data_loss);
			rc = add_revision_step(pl, heads, mark, i, AURMIG_STEP_DOWNGRADE);
		}
done:
	free(label);
	aurmig__idxv_clear(&roots);
	free(drop);
	free(active);
	free(mark);
	return rc;
}

/* Does current head h share lineage (with dependencies) with the spec? */
static int heads_for_spec(aurmig__idxv *out, const aurmig__planner *pl, const aurmig__idxv *cur, const char *spec)
{
	const aurmig_graph *g = pl->graph;
	aurmig_context *ctx = pl->ctx;
	aurmig__idxv shares = { 0 };
	char *label = NULL;
	const char *at = strchr(spec, '@');
	const char *id = at ? at + 1 : spec;
	int rc = AURMIG_OK;

	if (at && !(label = aurmig__strndup(ctx, spec, (size_t)(at - spec))))
		return AURMIG_ENOMEM;
	if (label) {
		size_t b;
		if (!(rc = aurmig__resolve_branch(&b, g, ctx, label)))
			rc = aurmig__idxv_push(&shares, ctx, b);
	}
	if (!rc && strcmp(id, "base") != 0 && *id) {
		if (strcmp(id, "heads") == 0 || strcmp(id, "head") == 0) {
			/* label@head: the head of that branch (Alembic resolves it with the label) */
			aurmig__idxv hs = { 0 };
			rc = aurmig__resolve_set(&hs, g, ctx, spec);
			for (size_t i = 0; i < hs.n && !rc; i++)
				rc = aurmig__idxv_push(&shares, ctx, hs.v[i]);
			aurmig__idxv_clear(&hs);
		} else {
			size_t r;
			if (!(rc = aurmig__resolve_ident(&r, g, ctx, id, NULL)))
				rc = aurmig__idxv_push(&shares, ctx, r);
		}
	}
	for (size_t i = 0; i < cur->n && !rc; i++) {
		int ok = shares.n == 0;
		for (size_t k = 0; k < shares.n && !ok && !rc; k++)
			rc = aurmig__graph_shares_lineage(g, ctx, cur->v[i], shares.v[k], 1, &ok);
		if (!rc && ok && !aurmig__idxv_contains(out, cur->v[i]))
			rc = aurmig__idxv_push(out, ctx, cur->v[i]);
	}
	free(label);
	aurmig__idxv_clear(&shares);
	return rc;
}

static int plan_stamp(const aurmig__planner *pl, aurmig__strv *heads, const aurmig__idxv *cur,
	const char *const *targets, size_t ntargets)
{
	const aurmig_graph *g = pl->graph;
	aurmig_context *ctx = pl->ctx;
	aurmig__idxv filtered = { 0 }, dests = { 0 };
	unsigned char *mark = aurmig__calloc(ctx, g->n ? g->n : 1, 1);
	int rc = mark ? AURMIG_OK : AURMIG_ENOMEM;
	int any_base = 0;

	for (size_t i = 0; i < ntargets && !rc; i++)
		rc = heads_for_spec(&filtered, pl, cur, targets[i]);
	for (size_t i = 0; i < ntargets && !rc; i++) {
		size_t before = dests.n;
		rc = aurmig__resolve_set(&dests, g, ctx, targets[i]);
		any_base |= !rc && dests.n == before;
	}
	if (rc)
		goto done;
	if (dests.n == 0) {
		/* base: delete every head of the lineage */
		for (size_t i = 0; i < filtered.n && !rc; i++) {
			aurmig__pstep s = { .kind = AURMIG_STEP_STAMP };
			rc = aurmig__strv_push(&s.from, ctx, g->migs[filtered.v[i]]->id);
			if (!rc)
				rc = maintain_stamp(&s, ctx, heads, 0, 1);
			rc = hand_over(pl, &s, rc);
		}
		goto done;
	}
	(void)any_base;
	for (size_t d = 0; d < dests.n && !rc; d++) {
		size_t dest = dests.v[d];
		int below = 0, above = 0;
		aurmig__pstep s = { .kind = AURMIG_STEP_STAMP };

		if (aurmig__idxv_contains(&filtered, dest))
			continue;
		memset(mark, 0, g->n);
		if ((rc = aurmig__graph_mark_descendants(g, ctx, &dest, 1, mark, 1)))
			break;
		for (size_t i = 0; i < filtered.n; i++)
			below |= mark[filtered.v[i]];      /* heads above the target */
		memset(mark, 0, g->n);
		if ((rc = aurmig__graph_mark_ancestors(g, ctx, &dest, 1, mark, 1)))
			break;
		for (size_t i = 0; i < filtered.n; i++)
			above |= mark[filtered.v[i]];      /* heads below the target */
		rc = aurmig__strv_push(&s.to, ctx, g->migs[dest]->id);
		if (below || above) {
			for (size_t i = 0; i < filtered.n && !rc; i++)
				rc = aurmig__strv_push(&s.from, ctx, g->migs[filtered.v[i]]->id);
			if (!rc)
				rc = maintain_stamp(&s, ctx, heads, !below, 0);
		} else if (!rc) {
			rc = maintain_stamp(&s, ctx, heads, 1, 1);
		}
		rc = hand_over(pl, &s, rc);
	}
done:
	aurmig__idxv_clear(&filtered);
	aurmig__idxv_clear(&dests);
	free(mark);
	return rc;
}

/* ---------------------------------------------------------------- entry points */

void aurmig__pstep_clear(aurmig__pstep *s)
{
	aurmig__strv_clear(&s->from);
	aurmig__strv_clear(&s->to);
	for (size_t k = 0; k < s->nops; k++) {
		free(s->ops[k].a);
		free(s->ops[k].b);
	}
	free(s->ops);
	s->ops = NULL;
	s->nops = 0;
}

int aurmig__planner_run(const aurmig__planner *pl, int command, const char *const *targets, size_t ntargets,
	const aurmig__strv *rows, aurmig__strv *after)
{
	aurmig_context *ctx = pl->ctx;
	aurmig__strv heads = { 0 };
	aurmig__idxv cur = { 0 };
	int rc;

	if ((rc = aurmig__strv_copy(&heads, ctx, rows)) || (rc = to_idxv(&cur, pl->graph, ctx, rows)))
		goto done;
	switch (command) {
	case AURMIG_CMD_UPGRADE:
		rc = plan_upgrade(pl, &heads, &cur, targets[0]);
		break;
	case AURMIG_CMD_DOWNGRADE:
		rc = plan_downgrade(pl, &heads, &cur, targets[0]);
		break;
	case AURMIG_CMD_STAMP:
		rc = plan_stamp(pl, &heads, &cur, targets, ntargets);
		break;
	default:
		rc = aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "unknown command");
		break;
	}
	if (!rc) {
		*after = heads;
		memset(&heads, 0, sizeof(heads));
	}
done:
	aurmig__strv_clear(&heads);
	aurmig__idxv_clear(&cur);
	return rc;
}

int aurmig__planner_single(const aurmig__planner *pl, int kind, const aurmig_migration *m, const aurmig__strv *rows,
	aurmig__strv *after)
{
	const aurmig_graph *g = pl->graph;
	aurmig__strv heads = { 0 };
	unsigned char *mark = aurmig__calloc(pl->ctx, g->n ? g->n : 1, 1);
	int rc = mark ? AURMIG_OK : AURMIG_ENOMEM;

	if (!rc)
		rc = aurmig__strv_copy(&heads, pl->ctx, rows);
	if (!rc)
		rc = add_revision_step(pl, &heads, mark, m->idx, kind);
	free(mark);
	if (rc) {
		aurmig__strv_clear(&heads);
		return rc;
	}
	*after = heads;
	return AURMIG_OK;
}
