/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Plans and steps (private layout, shared by plan.c and migrator.c). */
#ifndef AURMIG_PLAN_PRIV_H
#define AURMIG_PLAN_PRIV_H

#include "resolve.h"
#include "db.h"

enum { AURMIG__OP_INSERT = 1, AURMIG__OP_UPDATE = 2, AURMIG__OP_DELETE = 3 };

/* One change to the version table: INSERT a, UPDATE a -> b, DELETE a. */
typedef struct aurmig__rowop {
	int op;
	char *a;
	char *b;
} aurmig__rowop;

struct aurmig_step {
	int kind;                    /* aurmig_step_kind */
	const aurmig_migration *mig; /* NULL for stamp steps */
	aurmig__strv from, to;       /* Alembic's from_revisions / to_revisions */
	aurmig__rowop *ops;          /* version-table changes, decided at plan time */
	size_t nops;
	size_t statements;           /* run so far */
	double seconds;              /* -1 until run */
};

struct aurmig_plan {
	aurmig_context *ctx;
	aurmig_conn *conn;
	const aurmig_graph *graph;
	int command;
	aurmig_plan_options opts;
	aurmig_step *steps;
	size_t nsteps;
	size_t next;                 /* first step not yet applied */
	aurmig__strv before, after;  /* version rows before and after the plan */
	int purge;                   /* stamp --purge: empty the table first */
	int failed;                  /* a step failed: the plan cannot continue */
	int plan_tx;                 /* the whole-plan transaction is open */
};

/* Apply the next step (migrator.c). */
int aurmig__plan_apply_next(aurmig_plan *p, const aurmig_step **out);

#endif
