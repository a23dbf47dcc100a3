/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The planner (planner.c): graph + version rows + target -> steps, each
 * with its version-table changes. No I/O.
 */
#ifndef AURMIG_PLANNER_H
#define AURMIG_PLANNER_H

#include "graph/resolve.h"

enum { AURMIG__OP_INSERT = 1, AURMIG__OP_UPDATE = 2, AURMIG__OP_DELETE = 3 };

/* One change to the version table: INSERT a, UPDATE a -> b, DELETE a. */
typedef struct aurmig__rowop {
	int op;
	char *a;
	char *b;
} aurmig__rowop;

/* A planned step: an aurmig_step_kind, the migration (NULL for a stamp),
 * Alembic's from_revisions / to_revisions, and the row changes in order. */
typedef struct aurmig__pstep {
	int kind;
	const aurmig_migration *mig;
	aurmig__strv from, to;
	aurmig__rowop *ops;
	size_t nops;
} aurmig__pstep;

void aurmig__pstep_clear(aurmig__pstep *s);

/* Called with each step as soon as it is planned, in order. It may take
 * the step's lists over (leaving them empty); what it leaves is freed. A
 * non-zero return stops the planning with that code. */
typedef int (*aurmig__planner_step_fn)(void *arg, aurmig__pstep *s);

typedef struct aurmig__planner {
	const aurmig_graph *graph;
	aurmig_context *ctx;          /* errors, allocation, the log (irreversible downgrades warn) */
	int dialect;                  /* whose downgrade sections count (AURMIG_DIALECT_*) */
	aurmig__planner_step_fn step; /* may be NULL: the steps are dropped (only *after is wanted) */
	void *arg;
} aurmig__planner;

/*
 * Plan command (AURMIG_CMD_UPGRADE / DOWNGRADE: targets[0]; STAMP: every
 * target) from the version rows (ids of the graph; others are ignored).
 * On success *after holds the rows after every step (caller clears it).
 * A row change that would not hit exactly one row is AURMIG_ECONFLICT.
 */
int aurmig__planner_run(const aurmig__planner *pl, int command, const char *const *targets, size_t ntargets,
	const aurmig__strv *rows, aurmig__strv *after);

/* One step (kind) of migration m from the rows (recovery's resume). */
int aurmig__planner_single(const aurmig__planner *pl, int kind, const aurmig_migration *m, const aurmig__strv *rows,
	aurmig__strv *after);

#endif
