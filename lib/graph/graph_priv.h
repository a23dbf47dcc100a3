/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The revision graph's private layout, shared with resolve.c and plan.c. */
#ifndef AURMIG_GRAPH_PRIV_H
#define AURMIG_GRAPH_PRIV_H

#include "graph/script.h"

#define AURMIG__NONE ((size_t)-1)

typedef struct aurmig__map {
	const char **keys;   /* borrowed */
	size_t *vals;
	size_t cap;          /* power of two */
	size_t n;
} aurmig__map;

struct aurmig_graph {
	int refs;                         /* the caller's, plus one per plan or list using it */
	aurmig_context *ctx;
	char *dir;
	aurmig_migration **migs;   /* topological order: parents and dependencies first */
	size_t n;
	size_t *heads;  size_t nheads;    /* no versioned children (includes effective heads) */
	size_t *rheads; size_t nrheads;   /* "real" heads: no children and no dependents */
	size_t *bases;  size_t nbases;
	aurmig__map ids;                  /* id -> index */
	aurmig__map labels;               /* branch label -> index of the declaring revision */
	aurmig_migration **by_id;         /* sorted by id (prefix search) */
	size_t *pool;                     /* every migration's index arrays, one allocation */
	size_t pool_used, pool_size;
};

/* Plans and lists keep the graph alive until they are freed (free in any order). */
aurmig_graph *aurmig__graph_ref(const aurmig_graph *g);
void aurmig__graph_unref(aurmig_graph *g);

/* Index of the revision with this exact id, or AURMIG__NONE. */
size_t aurmig__graph_index(const aurmig_graph *g, const char *id);
/* Index of the revision declaring this branch label, or AURMIG__NONE. */
size_t aurmig__graph_label(const aurmig_graph *g, const char *label);

/* Set mark[i] = 1 for every ancestor of the starts (inclusive). Follows down
 * revisions, and dependencies when deps is set. mark has g->n bytes and
 * is not cleared first. */
int aurmig__graph_mark_ancestors(const aurmig_graph *g, aurmig_context *ctx,
	const size_t *starts, size_t nstarts, unsigned char *mark, int deps);
/* The same for descendants (children, and dependents when deps is set). */
int aurmig__graph_mark_descendants(const aurmig_graph *g, aurmig_context *ctx,
	const size_t *starts, size_t nstarts, unsigned char *mark, int deps);
/* 1 when a and b are on one line of descent (one is an ancestor of the other). */
int aurmig__graph_shares_lineage(const aurmig_graph *g, aurmig_context *ctx, size_t a, size_t b,
	int deps, int *out);

#endif
