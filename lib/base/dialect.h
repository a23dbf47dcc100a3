/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The dialects as one table: each backend's names, URL schemes, libdbi
 * driver and the facts the engine branches on. Adding a dialect starts with
 * a row here (and its enum value in include/aurmig/graph.h). */
#ifndef AURMIG_BASE_DIALECT_H
#define AURMIG_BASE_DIALECT_H

#include <stddef.h>

typedef struct aurmig__dialect {
	int id;                           /* AURMIG_DIALECT_* */
	const char *name;                 /* canonical: script sections, schema/NAME.sql, JSON, --dialect */
	const char *title;                /* for people: "SQLite", "MariaDB/MySQL", "PostgreSQL" */
	const char *const *aliases;       /* other names --dialect and [lint] accept (NULL-terminated) */
	const char *const *url_schemes;   /* URL schemes that mean it (NULL-terminated) */
	const char *dbi_driver;           /* libdbi's driver name */
	int transactional_ddl;            /* DDL takes part in transactions (MySQL commits implicitly) */
} aurmig__dialect;

/* The row of a dialect (SQLITE, MYSQL, PGSQL); NULL for any other value. */
const aurmig__dialect *aurmig__dialect_get(int id);
/* The canonical name; "" for AURMIG_DIALECT_ANY (the common section), NULL
 * for a value that is no dialect. */
const char *aurmig__dialect_name(int id);
/* The dialect the first n bytes of s name (canonical name or alias, ASCII
 * case ignored); -1 when none does. */
int aurmig__dialect_from_name(const char *s, size_t n);
/* The dialect of a URL scheme (n bytes, case ignored); -1 when none.
 * scheme_out (may be NULL) gets the table's spelling of the scheme. */
int aurmig__dialect_from_scheme(const char *s, size_t n, const char **scheme_out);

#endif
