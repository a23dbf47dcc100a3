/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dialect-aware SQL statement splitter. libdbi's MySQL driver takes one
 * statement per call, and SQLite's runs several non-atomically, so the
 * library splits scripts itself. Written by hand: no Debian library splits
 * SQL for SQLite, MySQL and PostgreSQL alike.
 */
#ifndef AURMIG_SPLIT_H
#define AURMIG_SPLIT_H

#include "base/internal.h"

typedef struct aurmig__stmt {
	size_t offset;  /* byte offset of the statement's first character in the text */
	size_t len;     /* length, without the terminating delimiter and trailing blanks */
	int line;       /* 1-based line in the FILE where the statement starts (first_line-based) */
} aurmig__stmt;

/*
 * Split text[0..len) into statements for dialect (an aurmig_dialect;
 * AURMIG_DIALECT_ANY splits like SQLite). first_line is the file line of
 * text[0]. Statements that hold only comments and blanks are dropped.
 * On success *out is a malloc'ed array (free with aurmig__free) of *count
 * entries (*out may be NULL when *count is 0).
 * On an unterminated quote, comment or dollar quote: AURMIG_EPARSE with
 * file (may be NULL) and the line where the construct started.
 */
int aurmig__split(aurmig__stmt **out, size_t *count, aurmig_context *ctx,
	const char *text, size_t len, int dialect, const char *file, int first_line);

/*
 * Whether a statement (text[0..len), one statement as aurmig__split gives
 * it) is a data statement whose effect a transaction can hold: INSERT,
 * UPDATE, DELETE (and MySQL's REPLACE) as the first word after blanks and
 * comments. Everything else, and whatever this cannot tell (an executable
 * comment first, WITH ..., a CALL), is 0: treated as DDL, which may commit
 * by itself.
 */
int aurmig__stmt_is_dml(const char *text, size_t len, int dialect);

#endif
