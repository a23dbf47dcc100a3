/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by verify.c (aurmig test) and drift.c (drift at any revision). */
#ifndef AURMIG_VERIFY_PRIV_H
#define AURMIG_VERIFY_PRIV_H

#include "db/db.h"
#include "graph/script.h"

/* Drop every table of a scratch database (libaurmig's own tables too). */
int aurmig__verify_empty_scratch(aurmig_conn *c);

/* asserts.c: whether a query's cell is true (not NULL, '', 0, 'f', 'false'). */
int aurmig__assert_true(const char *v);

/* fixtures.c: the data fixture of a revision, tests/<revision>.sql beside
 * its script, for one dialect (docs/verify.md#data-fixtures). */
typedef struct aurmig__fixture {
	int found;                /* the file exists */
	char *path;
	char *before, *expect;    /* the sections' text, every other line blank */
	size_t nbefore, nexpect;  /* statements run */
} aurmig__fixture;
int aurmig__fixture_load(aurmig__fixture *f, aurmig_context *ctx, const aurmig_migration *m, int dialect);
void aurmig__fixture_free(aurmig__fixture *f);
/* Run the before statements / the expectations on c: AURMIG_OK with
 * *failure (owned) naming file:line when one failed, NULL when all held. */
int aurmig__fixture_before(aurmig_conn *c, aurmig__fixture *f, char **failure);
int aurmig__fixture_expect(aurmig_conn *c, aurmig__fixture *f, char **failure);

#endif
