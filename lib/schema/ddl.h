/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Portable DDL (ddl_*.c, private layout in ddl_priv.h): a documented,
 * MySQL-flavoured subset of CREATE TABLE / ALTER TABLE / CREATE INDEX /
 * DROP ... parsed from a script's
 * `-- aurmig:upgrade portable` section and rendered for SQLite, MySQL and
 * PostgreSQL; SQLite gets the 12-step table rebuild for what its ALTER
 * TABLE cannot do. The subset is described in docs/portable-ddl.md.
 */
#ifndef AURMIG_DDL_H
#define AURMIG_DDL_H

#include "base/internal.h"

/* One parsed portable statement. */
typedef struct aurmig__ddl aurmig__ddl;

/*
 * Parse one statement (sql[0..len), starting on file line `line`).
 * *out is NULL when the statement is outside the subset (INSERT, UPDATE,
 * CREATE VIEW, ...): it passes through unchanged. A statement that starts
 * like one of the subset (CREATE TABLE, CREATE [UNIQUE] INDEX, DROP TABLE,
 * DROP INDEX, RENAME TABLE, ALTER TABLE) must parse: otherwise
 * AURMIG_EPARSE with file, the offending token's line, and the token.
 */
int aurmig__ddl_parse(aurmig__ddl **out, aurmig_context *ctx, const char *sql, size_t len,
	const char *file, int line);
void aurmig__ddl_free(aurmig__ddl *op);

/*
 * Render op for dialect as statements pushed on out. model (may be NULL
 * for MySQL and PostgreSQL) is the schema before the statement, and is
 * brought to the schema after it; SQLite needs it for ALTER TABLE (to
 * decide between its own ALTER and a table rebuild, and to write the
 * rebuilt table). A rebuild on a table the model lacks is an error.
 */
int aurmig__ddl_render(aurmig__strv *out, const aurmig__ddl *op, int dialect, aurmig_schema *model,
	const char *file, int line);

/*
 * Run op on a live connection, inside the caller's transaction when there
 * is one. SQLite reads the table's definition first; a rebuild keeps rows,
 * indexes and triggers, and checks the foreign keys of and to the table
 * afterwards (PRAGMA foreign_key_check).
 */
int aurmig__ddl_exec(aurmig_conn *c, const aurmig__ddl *op, const char *file, int line);

/*
 * SQLite: the query that finds foreign-key violations of and to table after
 * it was rebuilt, as PRAGMA foreign_key_check(C) reports them for the table
 * and every table C referencing it (fkcheck.c: set-based where the parent
 * key is a rowid, the pragma elsewhere). all 0: columns (child, parent), at
 * most one row; all 1: every violation, (child, rowid, parent, fkid) as the
 * pragma's. *out is NULL when no foreign key involves the table.
 */
int aurmig__sqlite_fk_check_sql(aurmig_conn *c, const char *table, int all, char **out);

/* 1 for CREATE TABLE. */
int aurmig__ddl_is_create_table(const aurmig__ddl *op);

/* 1 when text (a declared schema file) starts with the line `-- aurmig:portable`. */
int aurmig__ddl_is_portable_text(const char *text);

/*
 * Run one statement of a declared schema file: portable DDL when portable
 * and it parses as such, else as it is. A declared schema lists tables in
 * any order, so on MySQL and PostgreSQL the foreign keys of CREATE TABLE
 * (ALTER TABLE ... ADD) are pushed on later, to run after every table.
 * Errors name file:line.
 */
int aurmig__ddl_run_declared(aurmig_conn *c, const char *stmt, size_t len, int portable, const char *file, int line,
	aurmig__strv *later);

/* An empty model of dialect (for offline rendering). */
int aurmig__ddl_model_new(aurmig_schema **out, aurmig_context *ctx, int dialect);

/* The model of the live database c (SQLite: with the foreign-key names of
 * its CREATE TABLE texts), as aurmig__ddl_exec reads it before a rebuild:
 * for the SQL of an online `upgrade --sql`. */
int aurmig__ddl_model_from_conn(aurmig_schema **out, aurmig_conn *c);

/* Offline SQL: let the model m follow a plain (per-dialect) statement when
 * it reads as portable DDL (CREATE TABLE [IF NOT EXISTS], CREATE INDEX,
 * ALTER TABLE, RENAME, DROP), so that a later portable rebuild knows a table
 * an earlier revision made by plain SQL. Anything else is left alone;
 * AURMIG_OK unless out of memory. */
int aurmig__ddl_model_follow(aurmig_schema *m, aurmig_context *ctx, const char *sql, size_t len);

#endif
