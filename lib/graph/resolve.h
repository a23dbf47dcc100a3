/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Alembic's revision identifier grammar (ANCHORS.md 3.5), over a graph. */
#ifndef AURMIG_RESOLVE_H
#define AURMIG_RESOLVE_H

#include "graph/graph_priv.h"

#define AURMIG__BASE ((size_t)-2)   /* the symbolic "base" (below every root) */

/* A branch: label, or any revision identifier (Alembic's _resolve_branch). */
int aurmig__resolve_branch(size_t *out, const aurmig_graph *g, aurmig_context *ctx, const char *branch);

/* One identifier: exact id, label, or unique prefix of an id longer than 3
 * characters; restricted to the lineage of branch when given. */
int aurmig__resolve_ident(size_t *out, const aurmig_graph *g, aurmig_context *ctx,
	const char *ident, const char *branch);

/* Absolute spec to a set: heads, head, base, label@head(s), label@base,
 * label@ident, ident, label@-N. Base yields an empty set. */
int aurmig__resolve_set(aurmig__idxv *out, const aurmig_graph *g, aurmig_context *ctx, const char *spec);

/* Absolute spec to at most one revision (*out = AURMIG__NONE for base). */
int aurmig__resolve_one(size_t *out, const aurmig_graph *g, aurmig_context *ctx, const char *spec);

/* Keep the entries of set that share lineage with branch (a label or revision). */
int aurmig__filter_lineage(aurmig__idxv *set, const aurmig_graph *g, aurmig_context *ctx,
	const char *branch, int deps);

/* Split "[label@][symbol](+|-)N". Returns 1 and fills the parts (caller
 * frees label and symbol) when spec has that shape, 0 when not, <0 on error. */
int aurmig__parse_relative(const char *spec, aurmig_context *ctx, char **label, char **symbol, long *rel);

/* Walk |steps| up (steps > 0) or down from start (AURMIG__NONE = from
 * nothing: bases going up, heads going down; AURMIG__BASE = base). Sets
 * *out to a revision, AURMIG__BASE, or AURMIG__NONE when it walked past the
 * end. Ambiguous forks are an error. */
int aurmig__walk(size_t *out, const aurmig_graph *g, aurmig_context *ctx, size_t start, long steps,
	const char *branch);

#endif
