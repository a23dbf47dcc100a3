/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The start-up check's read of the database: the version table's rows and
 * some of the journal's, in one query where the backend allows.
 */
#ifndef AURMIG_DB_STATE_H
#define AURMIG_DB_STATE_H

#include "db/db.h"

/*
 * The version table's rows (sorted) into *version, and the cells of the
 * journal's rows matching jwhere (jncols columns jcols, oldest first, row
 * by row) into *journal. A missing table reads as empty. One statement when
 * both tables exist, two when one of them is missing (the error of the
 * first says which: no lookup of information_schema first), where
 * aurmig__db_can_try; elsewhere the tables are looked up first.
 */
int aurmig__db_read_state(aurmig_conn *c, const char *jcols, size_t jncols, const char *jwhere,
	aurmig__strv *version, aurmig__strv *journal);

#endif
