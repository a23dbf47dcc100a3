/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A journalled init (init_journal.c): see there. */
#ifndef AURMIG_INIT_PRIV_H
#define AURMIG_INIT_PRIV_H

#include "db/journal.h"
#include "base/split.h"

/* The journal (made when missing) and init's "running" row (seq 0) for the
 * head schema at revision, standing for the rows `to`, of total statements. */
int aurmig__init_journal_begin(aurmig_conn *c, const char *run_id, const char *revision, const aurmig__strv *to,
	long total);
/* On a database that is not empty (tables: its tables): when the journal
 * records an interrupted or failed init and every table is init's own and
 * empty, drop them (the journal stays), resolve the row, leave only the
 * journal in tables and set *recovered. AURMIG_ERECOVERY, saying why, when
 * there was such an init but the database holds more. */
int aurmig__init_leftovers(aurmig_conn *c, const char *path, const char *text, const aurmig__stmt *st, size_t n,
	aurmig__strv *tables, int *recovered);
/* The refusal for a journal row of an init that did not finish. */
int aurmig__init_blocked(aurmig_conn *c, const aurmig__jrow *j);

#endif
