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
	char ident_quote;                 /* quotes identifiers: '"' (SQL standard) or '`' */
	int hash_comments;                /* '#' starts a comment to the end of the line */
	int backslash_escapes;            /* a backslash escapes the next character in a '...' string */
	int dquote_strings;               /* "..." is a string, not an identifier (MySQL without ANSI_QUOTES) */
	unsigned max_ident_len;           /* longest identifier in bytes; 0: no limit worth checking */
	int inline_indexes;               /* CREATE TABLE declares indexes (KEY ...) inside, and is how they are made */
	int fk_makes_index;               /* a foreign key without an index gets one of its own */
	const char *fk_default_rule;      /* the ON DELETE / ON UPDATE rule the catalogue reports when none was said */
	const char *begin_sql;            /* the plain BEGIN of a script (offline SQL) */
	const char *begin_write_sql;      /* a BEGIN that takes the write lock at once (SQLite's IMMEDIATE) */
	const char *reset_lock_wait_sql;  /* back to the server's own lock-wait bounds; NULL: a client setting */
	const char *list_tables_sql;      /* one column: the names of the tables of the current schema */
} aurmig__dialect;

/* The row of a dialect (SQLITE, MYSQL, PGSQL); NULL for any other value. */
const aurmig__dialect *aurmig__dialect_get(int id);
/* The row of a dialect, never NULL: for AURMIG_DIALECT_ANY (the common
 * section) and any other value, a row of plain standard SQL (transactional
 * DDL, '"' quotes, no MySQL lexical rules, "BEGIN", no catalogue query), so
 * the lexers and checks treat them as they treat SQLite and PostgreSQL. */
const aurmig__dialect *aurmig__dialect_of(int id);
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
