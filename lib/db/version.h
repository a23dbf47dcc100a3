/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The version table, byte-compatible with Alembic's alembic_version:
 * VARCHAR(32) NOT NULL, primary key constraint alembic_version_pkc, one row
 * per applied head, created lazily and never dropped.
 */
#ifndef AURMIG_VERSION_TABLE_H
#define AURMIG_VERSION_TABLE_H

#include "db/db.h"

/* Current rows; a missing table reads as no rows and is not created. */
int aurmig__version_read(aurmig_conn *c, aurmig__strv *rows);
/* Create the table when missing. */
int aurmig__version_ensure(aurmig_conn *c);
/* Row changes; UPDATE and DELETE must touch exactly one row (AURMIG_ECONFLICT otherwise). */
int aurmig__version_insert(aurmig_conn *c, const char *rev);
int aurmig__version_update(aurmig_conn *c, const char *from, const char *to);
int aurmig__version_delete(aurmig_conn *c, const char *rev);
int aurmig__version_delete_all(aurmig_conn *c);

#endif
