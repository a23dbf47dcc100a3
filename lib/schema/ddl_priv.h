/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Portable DDL's private layout, shared by ddl_parse.c (lexer, parser),
 * ddl_model.c (changes to a schema model), ddl_render.c (per dialect),
 * ddl_exec.c (on a live connection) and ddl_autogen.c (model to model).
 */
#ifndef AURMIG_DDL_PRIV_H
#define AURMIG_DDL_PRIV_H

#include "schema/ddl.h"
#include "schema/schema.h"

typedef struct aurmig_schema_table stable;
typedef struct aurmig_schema_column scol;
typedef struct aurmig_schema_index sindex;
typedef struct aurmig_schema_fkey sfkey;

enum {
	OP_CREATE_TABLE = 1, OP_DROP_TABLE, OP_RENAME_TABLE, OP_CREATE_INDEX, OP_DROP_INDEX, OP_ALTER
};

enum {
	A_ADD_COLUMN = 1, A_DROP_COLUMN, A_RENAME_COLUMN, A_MODIFY_COLUMN, A_SET_DEFAULT, A_DROP_DEFAULT,
	A_ADD_INDEX, A_DROP_INDEX, A_ADD_FKEY, A_DROP_FKEY, A_ADD_PK, A_DROP_PK, A_RENAME_TABLE
};

typedef struct action {
	int kind;
	char *name;        /* the column, index or constraint acted on */
	char *new_name;    /* RENAME COLUMN / RENAME TO */
	scol col;          /* ADD / MODIFY (col.name: the name afterwards) */
	sindex idx;        /* ADD INDEX */
	sfkey fk;          /* ADD FOREIGN KEY */
	aurmig__strv pk;   /* ADD PRIMARY KEY */
	char *dflt;        /* SET DEFAULT (normalised) */
} action;

struct aurmig__ddl {
	int kind;
	int if_exists;
	char *table;
	char *name;        /* CREATE/DROP INDEX: the index; RENAME TABLE: the new name */
	stable def;        /* CREATE TABLE */
	sindex idx;        /* CREATE INDEX */
	action *acts;
	size_t nacts;
	aurmig_context *ctx;
};

/* Where a rendering goes: statements pushed on v, the first error in rc. */
typedef struct out {
	aurmig_context *ctx;
	aurmig__strv *v;
	int rc;
	int rebuilt;        /* a SQLite table rebuild was rendered */
	size_t fk_from;     /* CREATE TABLE: the ALTER TABLE ... ADD of its foreign keys start here */
} sink;

/* ddl_parse.c */
/* aurmig__ddl_parse; keep_names leaves unnamed keys unnamed (reading SQLite's own text). */
int aurmig__ddl_parse_names(aurmig__ddl **out, aurmig_context *ctx, const char *sql, size_t len,
	const char *file, int line, int keep_names);
/* A generated constraint name: <table>_<cols>_<suffix>. */
char *aurmig__ddl_gen_name(aurmig_context *ctx, const char *table, const aurmig__strv *cols, const char *suffix);

/* ddl_model.c */
/* The statement does not fit the schema it runs on (AURMIG_EINVALID at file:line). */
int aurmig__ddl_err_model(aurmig_context *ctx, const char *file, int line, const char *fmt, ...) AURMIG__PRINTF(4, 5);
int aurmig__ddl_copy_table(aurmig_context *ctx, stable *d, const stable *s);
stable *aurmig__ddl_model_table(aurmig_schema *m, const char *name);
/* Index of the column, index (by name) in t, or -1. */
long aurmig__ddl_find_col(const stable *t, const char *name);
long aurmig__ddl_find_index(const stable *t, const char *name);
int aurmig__ddl_index_has_col(const sindex *ix, const char *col);
/* Apply one ALTER action to t (a table of m); src tracks where the rebuilt
 * table's columns come from. */
int aurmig__ddl_apply_action(aurmig_context *ctx, aurmig_schema *m, stable *t, aurmig__strv *src, const action *a,
	const char *file, int line);
int aurmig__ddl_model_add_table(aurmig_schema *m, const stable *def);
void aurmig__ddl_model_drop_table(aurmig_schema *m, const char *name);

/* ddl_render.c */
void aurmig__ddl_put_create_index(aurmig__buf *b, int d, const char *table, const sindex *ix);
/* Can SQLite do every action of op without knowing the table's definition? */
int aurmig__ddl_sqlite_blind_ok(const aurmig__ddl *op);
/* Render into so (which also says what was rendered: a rebuild, where the
 * foreign keys of a CREATE TABLE start). */
int aurmig__ddl_render_sink(sink *so, const aurmig__ddl *op, int dialect, aurmig_schema *m, const char *file, int line);

#endif
