/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Planning: from the current heads and a target to an ordered list of
 * steps, each with the version-table change Alembic's HeadMaintainer would
 * make (ANCHORS.md 3.3-3.4). Nothing here touches the database except the
 * read of the current heads.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/journal.h"
#include "db/lock.h"
#include "run/plan_priv.h"
#include "schema/ddl.h"
#include "base/split.h"
#include "db/version.h"

/* ---------------------------------------------------------------- helpers */

static int idx_of(const aurmig_graph *g, const char *id)
{
	return (int)(aurmig__graph_index(g, id) != AURMIG__NONE);
}

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

static int add_op(aurmig_step *s, aurmig_context *ctx, aurmig__strv *heads, int op, const char *a, const char *b)
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

static int maintain_revision(aurmig_step *s, const aurmig_graph *g, aurmig_context *ctx,
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
static int maintain_stamp(aurmig_step *s, aurmig_context *ctx, aurmig__strv *heads, int upgrade, int branch_move)
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

/* ---------------------------------------------------------------- plan building */

static aurmig_step *new_step(aurmig_plan *p, int kind, const aurmig_migration *m)
{
	aurmig_step *s;

	if (p->nsteps == p->steps_cap) {
		/* geometric growth: one step at a time made long plans quadratic */
		size_t cap = p->steps_cap ? p->steps_cap * 2 : 8;
		aurmig_step *steps = aurmig__reallocarray(p->ctx, p->steps, cap, sizeof(*steps));
		if (!steps)
			return NULL;
		p->steps = steps;
		p->steps_cap = cap;
	}
	s = &p->steps[p->nsteps++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->mig = m;
	s->seconds = -1;
	return s;
}

static int add_revision_step(aurmig_plan *p, aurmig__strv *heads, unsigned char *mark, size_t idx, int kind)
{
	const aurmig_graph *g = p->graph;
	const aurmig_migration *m = g->migs[idx];
	aurmig_step *s = new_step(p, kind, m);
	aurmig__strv *downs, *self;
	int rc = AURMIG_OK;

	if (!s)
		return AURMIG_ENOMEM;
	downs = kind == AURMIG_STEP_UPGRADE ? &s->from : &s->to;
	self = kind == AURMIG_STEP_UPGRADE ? &s->to : &s->from;
	for (size_t k = 0; k < m->nnorm && !rc; k++)
		rc = aurmig__strv_push(downs, p->ctx, g->migs[m->norm[k]]->id);
	if (!rc)
		rc = aurmig__strv_push(self, p->ctx, m->id);
	if (!rc)
		rc = maintain_revision(s, g, p->ctx, heads, mark);
	if (!rc) {
		/* split now: a malformed section fails the plan before anything runs,
		 * and the journal knows each step's statement count up front */
		int dir = kind == AURMIG_STEP_UPGRADE ? AURMIG_UPGRADE : AURMIG_DOWNGRADE, line;
		s->sql = aurmig_migration_sql(m, dir, p->conn->dialect, &line);
		if (!s->sql)
			return aurmig__err_at(p->ctx, dir == AURMIG_UPGRADE ? AURMIG_EPARSE : AURMIG_EIRREVERSIBLE,
				AURMIG_ERRCLASS_SCRIPT, m->path, 0, "revision %s has no %s section for this database",
				m->id, dir == AURMIG_UPGRADE ? "upgrade" : "downgrade");
		rc = aurmig__split(&s->stmts, &s->nstmts, p->ctx, s->sql, strlen(s->sql), p->conn->dialect,
			m->path, line);
	}
	if (!rc && s->nstmts &&
	    aurmig__migration_portable(m, kind == AURMIG_STEP_UPGRADE ? AURMIG_UPGRADE : AURMIG_DOWNGRADE,
		    p->conn->dialect)) {
		/* portable DDL: bad DDL fails the plan before anything runs */
		if (!(s->ddl = aurmig__calloc(p->ctx, s->nstmts, sizeof(*s->ddl))))
			rc = AURMIG_ENOMEM;
		for (size_t k = 0; !rc && k < s->nstmts; k++)
			rc = aurmig__ddl_parse(&s->ddl[k], p->ctx, s->sql + s->stmts[k].offset, s->stmts[k].len,
				m->path, s->stmts[k].line);
	}
	if (!rc)
		rc = aurmig__script_items(&s->items, &s->nitems, p->ctx, s->sql, s->stmts, s->nstmts);
	if (!rc && s->sql) {
		int dir = kind == AURMIG_STEP_UPGRADE ? AURMIG_UPGRADE : AURMIG_DOWNGRADE, line;
		(void)aurmig_migration_sql(m, dir, p->conn->dialect, &line);
		rc = aurmig__config_ops(&s->cfg, &s->ncfg, p->ctx, s->sql, m->path, line);
	}
	for (size_t k = 0; !rc && k < s->nitems; k++) {
		const aurmig__hook *h;
		if (!s->items[k].hook)
			continue;
		h = aurmig__context_hook(p->ctx, s->items[k].name);
		if (h && (h->flags & AURMIG_HOOK_OWN_CONNECTION))
			s->own_conn_hook = 1;
		/* a hook nobody provides fails the plan before anything runs */
		if (!h && !s->items[k].has_default && !p->conn->offline) {
			rc = aurmig__err_at(p->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_SCRIPT, m->path, 0,
				"revision %s needs the hook '%s', which nobody provides: register it "
				"(aurmig_context_set_hook) or map it to a command (aurmig --hook %s=COMMAND)",
				m->id, s->items[k].name, s->items[k].name);
			aurmig__err_set_revision(p->ctx, m->id);
		}
	}
	return rc;
}

static int err_relative(aurmig_context *ctx, long rel)
{
	return aurmig__err(ctx, AURMIG_ENOTFOUND, AURMIG_ERRCLASS_TARGET,
		"Relative revision %+ld didn't produce %ld migrations", rel, rel < 0 ? -rel : rel);
}

/* The revisions an upgrade must reach (Alembic's _parse_upgrade_target). */
static int upgrade_targets(aurmig__idxv *out, aurmig_plan *p, const aurmig__idxv *cur, const char *target)
{
	const aurmig_graph *g = p->graph;
	aurmig_context *ctx = p->ctx;
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

static int plan_upgrade(aurmig_plan *p, aurmig__strv *heads, const aurmig__idxv *cur, const char *target)
{
	const aurmig_graph *g = p->graph;
	aurmig__idxv tgt = { 0 };
	unsigned char *need = aurmig__calloc(p->ctx, g->n ? g->n : 1, 1);
	unsigned char *have = aurmig__calloc(p->ctx, g->n ? g->n : 1, 1);
	unsigned char *mark = aurmig__calloc(p->ctx, g->n ? g->n : 1, 1);
	int rc = need && have && mark ? AURMIG_OK : AURMIG_ENOMEM;

	if (!rc)
		rc = upgrade_targets(&tgt, p, cur, target);
	if (!rc)
		rc = aurmig__graph_mark_ancestors(g, p->ctx, tgt.v, tgt.n, need, 1);
	if (!rc)
		rc = aurmig__graph_mark_ancestors(g, p->ctx, cur->v, cur->n, have, 1);
	/* topological order is index order */
	for (size_t i = 0; i < g->n && !rc; i++)
		if (need[i] && !have[i])
			rc = add_revision_step(p, heads, mark, i, AURMIG_STEP_UPGRADE);
	aurmig__idxv_clear(&tgt);
	free(need);
	free(have);
	free(mark);
	return rc;
}

/* Alembic's _parse_downgrade_target: (branch label, target or AURMIG__NONE for base). */
static int downgrade_target(aurmig_plan *p, const aurmig__idxv *cur, const char *target,
	char **label_out, size_t *out)
{
	const aurmig_graph *g = p->graph;
	aurmig_context *ctx = p->ctx;
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

static int plan_downgrade(aurmig_plan *p, aurmig__strv *heads, const aurmig__idxv *cur, const char *target)
{
	const aurmig_graph *g = p->graph;
	aurmig_context *ctx = p->ctx;
	char *label = NULL;
	size_t t;
	aurmig__idxv roots = { 0 };
	size_t n = g->n ? g->n : 1;
	unsigned char *drop = aurmig__calloc(ctx, n, 1);
	unsigned char *active = aurmig__calloc(ctx, n, 1);
	unsigned char *mark = aurmig__calloc(ctx, n, 1);
	int rc = drop && active && mark ? AURMIG_OK : AURMIG_ENOMEM;
	int dialect = p->conn->dialect;
	size_t any = 0;

	if (!rc)
		rc = downgrade_target(p, cur, target, &label, &t);
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
			rc = add_revision_step(p, heads, mark, i, AURMIG_STEP_DOWNGRADE);
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
static int heads_for_spec(aurmig__idxv *out, aurmig_plan *p, const aurmig__idxv *cur, const char *spec)
{
	const aurmig_graph *g = p->graph;
	aurmig_context *ctx = p->ctx;
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
			aurmig__idxv hs = { 0 };
			rc = aurmig__resolve_set(&hs, g, ctx, id);
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

static int plan_stamp(aurmig_plan *p, aurmig__strv *heads, const aurmig__idxv *cur,
	const char *const *targets, size_t ntargets)
{
	const aurmig_graph *g = p->graph;
	aurmig_context *ctx = p->ctx;
	aurmig__idxv filtered = { 0 }, dests = { 0 };
	unsigned char *mark = aurmig__calloc(ctx, g->n ? g->n : 1, 1);
	int rc = mark ? AURMIG_OK : AURMIG_ENOMEM;
	int any_base = 0;

	for (size_t i = 0; i < ntargets && !rc; i++)
		rc = heads_for_spec(&filtered, p, cur, targets[i]);
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
			aurmig_step *s = new_step(p, AURMIG_STEP_STAMP, NULL);
			if (!s) {
				rc = AURMIG_ENOMEM;
				break;
			}
			rc = aurmig__strv_push(&s->from, ctx, g->migs[filtered.v[i]]->id);
			if (!rc)
				rc = maintain_stamp(s, ctx, heads, 0, 1);
		}
		goto done;
	}
	(void)any_base;
	for (size_t d = 0; d < dests.n && !rc; d++) {
		size_t dest = dests.v[d];
		int below = 0, above = 0;
		aurmig_step *s;

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
		if (!(s = new_step(p, AURMIG_STEP_STAMP, NULL))) {
			rc = AURMIG_ENOMEM;
			break;
		}
		rc = aurmig__strv_push(&s->to, ctx, g->migs[dest]->id);
		if (below || above) {
			for (size_t i = 0; i < filtered.n && !rc; i++)
				rc = aurmig__strv_push(&s->from, ctx, g->migs[filtered.v[i]]->id);
			if (!rc)
				rc = maintain_stamp(s, ctx, heads, !below, 0);
		} else if (!rc) {
			rc = maintain_stamp(s, ctx, heads, 1, 1);
		}
	}
done:
	aurmig__idxv_clear(&filtered);
	aurmig__idxv_clear(&dests);
	free(mark);
	return rc;
}

/* ---------------------------------------------------------------- public */

int aurmig_plan_options_init(aurmig_plan_options *opts, unsigned int version)
{
	if (!opts || version == 0 || version > AURMIG_PLAN_OPTIONS_VERSION)
		return AURMIG_EINVALID;
	memset(opts, 0, sizeof(*opts));
	opts->version = version;
	opts->lock_timeout_ms = 60000;
	if (version >= 2) {
		opts->ddl_lock_wait_ms = 10000;
		opts->lock_retries = 3;
		opts->lock_retry_delay_ms = 1000;
	}
	return AURMIG_OK;
}

void aurmig__plan_options_copy(aurmig_plan_options *dst, const aurmig_plan_options *src)
{
	aurmig_plan_options_init(dst, AURMIG_PLAN_OPTIONS_VERSION);
	if (!src)
		return;
	/* a version-1 caller's struct ends at config_file: the rest keeps the defaults */
	memcpy(dst, src, src->version >= 2 ? sizeof(*dst) : offsetof(aurmig_plan_options, ddl_lock_wait_ms));
	dst->version = AURMIG_PLAN_OPTIONS_VERSION;
}

void aurmig_plan_free(aurmig_plan *p)
{
	if (!p)
		return;
	if (p->plan_tx || (p->conn && p->conn->in_tx))
		aurmig__db_rollback(p->conn);
	aurmig__plan_cancel_marker(p);
	aurmig__plan_unlock(p);
	for (size_t i = 0; i < p->nsteps; i++) {
		aurmig_step *s = &p->steps[i];
		aurmig__strv_clear(&s->from);
		aurmig__strv_clear(&s->to);
		if (s->ddl)
			for (size_t k = 0; k < s->nstmts; k++)
				aurmig__ddl_free(s->ddl[k]);
		free(s->ddl);
		free(s->stmts);
		free(s->items);
		aurmig__config_ops_free(s->cfg, s->ncfg);
		for (size_t k = 0; k < s->nops; k++) {
			free(s->ops[k].a);
			free(s->ops[k].b);
		}
		free(s->ops);
	}
	free(p->steps);
	free(p->wait_note);
	aurmig__strv_clear(&p->before);
	aurmig__strv_clear(&p->after);
	free(p->sql);
	aurmig__ini_free(p->ini);
	free(p->config_file);
	aurmig__strv_clear(&p->heads_now);
	aurmig__buf_dispose(&p->jrows);                  /* rolled back with the plan's transaction */
	aurmig_conn_free(p->conn);                       /* drops the plan's reference */
	aurmig__graph_unref((aurmig_graph *)p->graph);
	aurmig__context_unref(p->ctx);
	free(p);
}

static int unknown_rows(aurmig_plan *p)
{
	for (size_t i = 0; i < p->before.n; i++)
		if (!idx_of(p->graph, p->before.v[i]))
			return aurmig__err(p->ctx, AURMIG_EUNKNOWNREV, AURMIG_ERRCLASS_TARGET,
				"the database is at revision '%s', which is not in %s: the database is newer "
				"than these migrations, or they belong to another project; run the newer "
				"release's downgrade first, or 'stamp --purge <revision>' if you know better",
				p->before.v[i], p->graph->dir);
	return AURMIG_OK;
}

int aurmig__plan_create(aurmig_plan **out, aurmig_conn *conn, const aurmig_graph *graph,
	int command, const char *const *targets, size_t ntargets, const aurmig_plan_options *opts, int gate,
	const aurmig__strv *start)
{
	aurmig_context *ctx = conn ? conn->ctx : NULL;
	aurmig_plan *p;
	aurmig__strv heads = { 0 };
	aurmig__idxv cur = { 0 };
	int rc;

	if (!out || !conn || !graph || (ntargets && !targets))
		return ctx ? aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_plan_new: NULL argument") : AURMIG_EINVALID;
	*out = NULL;
	aurmig__err_clear(ctx);
	if (opts && (opts->version == 0 || opts->version > AURMIG_PLAN_OPTIONS_VERSION))
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_plan_options version %u is not supported", opts->version);
	if (command == AURMIG_CMD_STAMP ? ntargets < 1 :
	    (command == AURMIG_CMD_UPGRADE || command == AURMIG_CMD_DOWNGRADE) ? ntargets != 1 : 1)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"%s", command == AURMIG_CMD_STAMP ? "stamp needs at least one target" :
			(command == AURMIG_CMD_UPGRADE || command == AURMIG_CMD_DOWNGRADE) ?
			"upgrade and downgrade take exactly one target" : "unknown command");
	for (size_t i = 0; i < ntargets; i++)
		if (!targets[i])
			return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "NULL target");
	if (!(p = aurmig__calloc(ctx, 1, sizeof(*p))))
		return AURMIG_ENOMEM;
	p->ctx = aurmig__context_ref(ctx);
	p->conn = aurmig__conn_ref(conn);
	p->graph = aurmig__graph_ref(graph);
	p->command = command;
	aurmig__plan_options_copy(&p->opts, opts);
	/* the plan keeps its own copy of the file name (bindings pass temporaries) */
	if (p->opts.config_file) {
		if (!(p->config_file = aurmig__strdup(ctx, p->opts.config_file))) {
			rc = AURMIG_ENOMEM;
			goto fail;
		}
		p->opts.config_file = p->config_file;
	}
	p->purge = command == AURMIG_CMD_STAMP && (p->opts.flags & AURMIG_PLAN_PURGE);
	p->marker_seq = -1;
	p->wait_session_ms = -1;
	if (aurmig__journal_run_id(p->run_id)) {
		rc = aurmig__err(ctx, AURMIG_ERROR, AURMIG_ERRCLASS_OS, "no random numbers for the run id");
		goto fail;
	}

	if (start) {
		/* offline: the caller says where the database stands */
		if ((rc = aurmig__strv_copy(&p->before, ctx, start)))
			goto fail;
	} else {
		/* the lock comes before the first read, and stays until the plan is done */
		if (!(p->opts.flags & AURMIG_PLAN_NO_LOCK)) {
			if ((rc = aurmig__lock_acquire(conn, p->opts.lock_timeout_ms)))
				goto fail;
			p->own_lock = 1;
		}
		if (gate && (rc = aurmig__recovery_gate(conn, graph, p->own_lock)))
			goto fail;
		if ((rc = aurmig__version_read(conn, &p->before)))
			goto fail;
	}
	if (!p->purge) {
		if ((rc = unknown_rows(p)) ||
		    (rc = aurmig__strv_copy(&heads, ctx, &p->before)) ||
		    (rc = to_idxv(&cur, graph, ctx, &p->before)))
			goto fail;
	}
	if (command == AURMIG_CMD_UPGRADE && gate && !start && !p->before.n) {
		/* an empty database, and the migrations ship a head schema: build it
		 * with init instead of replaying history */
		char *path = NULL;
		aurmig__strv tables = { 0 };
		if ((rc = aurmig__init_schema_path(graph, conn->dialect, &path)))
			goto fail;
		if (access(path, R_OK) == 0) {
			if (!(rc = aurmig__db_list_tables(conn, &tables)) && tables.n == 0)
				rc = aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
					"the database is empty: build it with 'aurmig init' (%s) and it is stamped at "
					"head; migrations run on existing databases", path);
		}
		free(path);
		aurmig__strv_clear(&tables);
		if (rc)
			goto fail;
	}
	switch (command) {
	case AURMIG_CMD_UPGRADE:
		rc = plan_upgrade(p, &heads, &cur, targets[0]);
		break;
	case AURMIG_CMD_DOWNGRADE:
		rc = plan_downgrade(p, &heads, &cur, targets[0]);
		break;
	default:
		rc = plan_stamp(p, &heads, &cur, targets, ntargets);
		break;
	}
	if (rc)
		goto fail;
	p->after = heads;
	memset(&heads, 0, sizeof(heads));
	aurmig__idxv_clear(&cur);
	{
		/* config steps need the file, loaded now so a problem stops the plan
		 * before anything runs; a pending one from an earlier run is finished */
		size_t ncfg = 0;
		for (size_t i = 0; i < p->nsteps; i++)
			ncfg += p->steps[i].ncfg;
		if (ncfg && !p->opts.config_file && !conn->offline) {
			for (size_t i = 0; i < p->nsteps; i++)
				if (p->steps[i].ncfg) {
					rc = aurmig__err_at(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, p->steps[i].mig->path,
						p->steps[i].cfg[0].line, "revision %s changes the configuration file: give it "
						"(--config-file, or aurmig_plan_options.config_file)", p->steps[i].mig->id);
					break;
				}
			goto fail;
		}
		if (p->opts.config_file && (rc = aurmig__ini_load(&p->ini, ctx, p->opts.config_file)))
			goto fail;
		if (p->ini && (rc = aurmig__strv_copy(&p->heads_now, ctx, &p->before)))
			goto fail;
		if (gate && p->ini && (rc = aurmig__config_finish_pending(p)))
			goto fail;
	}
	if (p->nsteps == 0 && !(p->purge && p->before.n))
		aurmig__plan_unlock(p);   /* nothing to do: let the next deployer in */
	*out = p;
	return AURMIG_OK;
fail:
	aurmig__strv_clear(&heads);
	aurmig__idxv_clear(&cur);
	aurmig_plan_free(p);
	return rc;
}

int aurmig_plan_new(aurmig_plan **out, aurmig_conn *conn, const aurmig_graph *graph,
	int command, const char *const *targets, size_t ntargets, const aurmig_plan_options *opts)
{
	return aurmig__plan_create(out, conn, graph, command, targets, ntargets, opts, 1, NULL);
}

int aurmig__plan_single(aurmig_plan **out, aurmig_conn *conn, const aurmig_graph *graph, int kind,
	const aurmig_migration *m, const aurmig__strv *heads_now)
{
	aurmig_context *ctx = conn->ctx;
	aurmig_plan *p;
	aurmig__strv heads = { 0 };
	unsigned char *mark;
	int rc;

	*out = NULL;
	if (!(p = aurmig__calloc(ctx, 1, sizeof(*p))))
		return AURMIG_ENOMEM;
	p->ctx = aurmig__context_ref(ctx);
	p->conn = aurmig__conn_ref(conn);
	p->graph = aurmig__graph_ref(graph);
	p->command = kind == AURMIG_STEP_UPGRADE ? AURMIG_CMD_UPGRADE : AURMIG_CMD_DOWNGRADE;
	p->marker_seq = -1;
	p->wait_session_ms = -1;
	aurmig_plan_options_init(&p->opts, AURMIG_PLAN_OPTIONS_VERSION);
	mark = aurmig__calloc(ctx, graph->n ? graph->n : 1, 1);
	rc = mark ? AURMIG_OK : AURMIG_ENOMEM;
	if (!rc)
		rc = aurmig__strv_copy(&p->before, ctx, heads_now);
	if (!rc)
		rc = aurmig__strv_copy(&heads, ctx, heads_now);
	if (!rc)
		rc = add_revision_step(p, &heads, mark, m->idx, kind);
	free(mark);
	if (rc) {
		aurmig__strv_clear(&heads);
		aurmig_plan_free(p);
		return rc;
	}
	p->after = heads;
	*out = p;
	return AURMIG_OK;
}

size_t aurmig_plan_count(const aurmig_plan *p) { return p ? p->nsteps : 0; }
const aurmig_step *aurmig_plan_at(const aurmig_plan *p, size_t i)
{
	return p && i < p->nsteps ? &p->steps[i] : NULL;
}
size_t aurmig_plan_before_count(const aurmig_plan *p) { return p ? p->before.n : 0; }
const char *aurmig_plan_before(const aurmig_plan *p, size_t i)
{
	return p && i < p->before.n ? p->before.v[i] : NULL;
}
size_t aurmig_plan_after_count(const aurmig_plan *p) { return p ? p->after.n : 0; }
const char *aurmig_plan_after(const aurmig_plan *p, size_t i)
{
	return p && i < p->after.n ? p->after.v[i] : NULL;
}

int aurmig_step_kind_of(const aurmig_step *s) { return s ? s->kind : 0; }
const aurmig_migration *aurmig_step_migration(const aurmig_step *s) { return s ? s->mig : NULL; }
size_t aurmig_step_from_count(const aurmig_step *s) { return s ? s->from.n : 0; }
const char *aurmig_step_from(const aurmig_step *s, size_t i)
{
	return s && i < s->from.n ? s->from.v[i] : NULL;
}
size_t aurmig_step_to_count(const aurmig_step *s) { return s ? s->to.n : 0; }
const char *aurmig_step_to(const aurmig_step *s, size_t i)
{
	return s && i < s->to.n ? s->to.v[i] : NULL;
}
size_t aurmig_step_statements(const aurmig_step *s) { return s ? s->statements : 0; }
double aurmig_step_seconds(const aurmig_step *s) { return s ? s->seconds : -1; }
size_t aurmig_step_statement_count(const aurmig_step *s) { return s ? s->nitems : 0; }
size_t aurmig_step_retries(const aurmig_step *s) { return s ? s->retries : 0; }

int aurmig_plan_next(const aurmig_step **out, aurmig_plan *p)
{
	if (out)
		*out = NULL;
	if (!p)
		return AURMIG_EINVALID;
	return aurmig__plan_apply_next(p, out);
}

int aurmig_plan_run(aurmig_plan *p)
{
	int rc;

	if (!p)
		return AURMIG_EINVALID;
	while ((rc = aurmig__plan_apply_next(p, NULL)) == AURMIG_OK)
		;
	return rc == AURMIG_ITEROVER ? AURMIG_OK : rc;
}

int aurmig_check(int *state_out, size_t *pending_out, aurmig_conn *conn, const aurmig_graph *graph)
{
	aurmig_report *r = NULL;
	int has[6] = { 0 };
	const char *first[6] = { 0 };
	size_t pending = 0;
	int rc;

	if (!state_out || !conn || !graph)
		return conn ? aurmig__err(conn->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_check: NULL argument") : AURMIG_EINVALID;
	*state_out = AURMIG_STATE_AT_HEAD;
	if (pending_out)
		*pending_out = 0;
	if ((rc = aurmig_validate(&r, conn, graph)))
		return rc;
	for (size_t i = 0; i < aurmig_report_count(r); i++) {
		int k = aurmig_report_kind(r, i);
		if (k > 0 && k < 6) {
			has[k] = 1;
			if (!first[k])
				first[k] = aurmig_report_message(r, i);
		}
		pending += k == AURMIG_ISSUE_PENDING;
	}
	if (has[AURMIG_ISSUE_UNKNOWN]) {
		*state_out = AURMIG_STATE_UNKNOWN;
		aurmig__err(conn->ctx, AURMIG_EUNKNOWNREV, AURMIG_ERRCLASS_TARGET, "%s", first[AURMIG_ISSUE_UNKNOWN]);
	} else if (has[AURMIG_ISSUE_RECOVERY]) {
		*state_out = AURMIG_STATE_RECOVERY;
		aurmig__err(conn->ctx, AURMIG_ERECOVERY, AURMIG_ERRCLASS_DB, "%s", first[AURMIG_ISSUE_RECOVERY]);
	} else if (has[AURMIG_ISSUE_CHANGED]) {
		*state_out = AURMIG_STATE_DRIFT;
		aurmig__err(conn->ctx, AURMIG_EDRIFT, AURMIG_ERRCLASS_SCRIPT, "%s", first[AURMIG_ISSUE_CHANGED]);
	} else if (pending) {
		*state_out = AURMIG_STATE_BEHIND;
	}
	if (pending_out)
		*pending_out = pending;
	aurmig_report_free(r);
	return AURMIG_OK;
}
