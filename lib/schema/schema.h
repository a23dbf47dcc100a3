/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The schema model behind the opaque handles of aurmig/schema.h, shared by
 * the files of lib/schema/: model.c (life, normalisers, accessors), read.c
 * (introspection), render.c (DDL), diff.c (comparison), declared.c (the
 * declared schema file) and the portable DDL module (ddl*.c). See
 * docs/schema.md for the mapping per backend.
 */
#ifndef AURMIG_SCHEMA_PRIV_H
#define AURMIG_SCHEMA_PRIV_H

#include "base/internal.h"

/* A normalised column type. */
typedef struct aurmig__ctype {
	int kind;          /* aurmig_column_type */
	int length;        /* char/varchar length, decimal precision, fractional seconds; -1 none */
	int scale;         /* decimal scale; -1 none */
	int is_unsigned;
	char *text;        /* normalised spelling, e.g. "int unsigned", "varchar(32)" */
} aurmig__ctype;

struct aurmig_schema_column {
	char *name;
	char *raw_type;        /* the backend's own spelling */
	aurmig__ctype type;
	int nullable;
	int auto_increment;
	int sqlite_autoincrement;  /* SQLite: the AUTOINCREMENT keyword was given */
	char *default_value;   /* normalised SQL expression, NULL for none */
	char *on_update;       /* MySQL ON UPDATE expression, NULL for none */
	char *charset;         /* MySQL, when it differs from the table's; else NULL */
	char *collation;
	int null_default;      /* SQLite: `DEFAULT NULL` was written (kept by rebuilds) */
	int lent;              /* dump: type is borrowed (see lend_integer_types), own_type is its own */
	aurmig__ctype own_type;
};

typedef struct aurmig__icol {
	char *text;        /* "name", "name DESC", "name(10)", "(expression)" */
	char *name;        /* the column, NULL for an expression */
	char *expr;        /* the expression, NULL for a column */
	int desc;
	int prefix;        /* MySQL prefix length, 0 none */
} aurmig__icol;

struct aurmig_schema_index {
	char *name;
	int unique;
	int auto_named;    /* SQLite's sqlite_autoindex_*: a UNIQUE constraint without a name */
	int partial;       /* has a WHERE clause (not modelled further) */
	aurmig__icol *cols;
	size_t ncols;
};

struct aurmig_schema_fkey {
	char *name;            /* NULL when the backend keeps none (SQLite) */
	aurmig__strv columns;
	char *ref_table;
	aurmig__strv ref_columns;
	const char *on_delete; /* static: "NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT" */
	const char *on_update;
};

struct aurmig_schema_table {
	char *name;
	char *charset;         /* MySQL only */
	char *collation;
	struct aurmig_schema_column *cols;
	size_t ncols;
	aurmig__strv pk;
	struct aurmig_schema_index *idx;
	size_t nidx;
	struct aurmig_schema_fkey *fks;
	size_t nfks;
	int has_pk_index;      /* SQLite: the primary key has its own index (not a rowid alias) */
};

struct aurmig_schema {
	aurmig_context *ctx;
	int dialect;
	char *label;
	struct aurmig_schema_table *tables;
	size_t ntables;
	char *dump;            /* the last aurmig_schema_dump() text */
};

/* Normalise a type as the backend of dialect spells it (SQLite's declared
 * type, MySQL's COLUMN_TYPE, PostgreSQL's format_type()). */
int aurmig__schema_parse_type(aurmig__ctype *out, aurmig_context *ctx, int dialect, const char *spelling);
/* Normalise a default expression as the backend reports it (SQLite's
 * dflt_value, MariaDB's COLUMN_DEFAULT, PostgreSQL's pg_get_expr()); *out
 * is NULL when it means no default (none, or NULL). */
int aurmig__schema_norm_default(char **out, aurmig_context *ctx, int dialect,
	const aurmig__ctype *type, const char *text);


/* model.c: small helpers shared by the readers, the renderer and the differ. */
int aurmig__schema_ieq(const char *a, const char *b);                 /* ASCII case-insensitive equality */
int aurmig__schema_name_eq(const char *a, const char *b, int ci);     /* names equal (ci: case-insensitive) */
int aurmig__schema_starts_ci(const char *s, const char *prefix);
int aurmig__schema_is_numeric_kind(int k);
const char *aurmig__schema_kind_word(int k);
/* A quoted literal starting at s: its end, and its value (unescaped). */
const char *aurmig__schema_literal_end(const char *s, int backslash);
char *aurmig__schema_literal_value(aurmig_context *ctx, const char *s, const char *end, int backslash);
int aurmig__schema_canon_number(char *out, size_t size, const char *s);
struct aurmig_schema_column *aurmig__schema_find_column(struct aurmig_schema_table *t, const char *name);

/* render.c: pieces of the renderer for the differ; src_dialect is the
 * dialect the model was read from (AURMIG_DIALECT_ANY: portable). */
void aurmig__schema_put_column_def_from(aurmig__buf *b, int dialect, int src_dialect,
	const struct aurmig_schema_table *t, const struct aurmig_schema_column *c);
void aurmig__schema_put_fkey_from(aurmig__buf *b, int dialect, int src_dialect, const struct aurmig_schema_fkey *fk);
void aurmig__schema_put_ident_list(aurmig__buf *b, int dialect, const aurmig__strv *v);

/* For the portable DDL module (ddl_*.c): the renderer's pieces and the
 * model's life. Rendering appends to b; src dialect is "portable". */
void aurmig__schema_put_ident(aurmig__buf *b, int dialect, const char *name);
void aurmig__schema_put_column_def(aurmig__buf *b, int dialect, const struct aurmig_schema_table *t,
	const struct aurmig_schema_column *c);
void aurmig__schema_put_table(aurmig__buf *b, int dialect, const struct aurmig_schema_table *t);
void aurmig__schema_put_table_from(aurmig__buf *b, int dialect, int src_dialect, const struct aurmig_schema_table *t);
void aurmig__schema_put_fkey(aurmig__buf *b, int dialect, const struct aurmig_schema_fkey *fk);
void aurmig__schema_put_index_cols(aurmig__buf *b, int dialect, const struct aurmig_schema_index *ix);
void aurmig__schema_put_default(aurmig__buf *b, int dialect, const char *d);
void aurmig__schema_put_type(aurmig__buf *b, int dialect, const struct aurmig_schema_column *c);
void aurmig__schema_free_table(struct aurmig_schema_table *t);
void aurmig__schema_free_column(struct aurmig_schema_column *c);
void aurmig__schema_free_index(struct aurmig_schema_index *ix);
void aurmig__schema_free_fkey(struct aurmig_schema_fkey *fk);
/* Append a zeroed element; NULL when out of memory. */
void *aurmig__schema_grow(aurmig_context *ctx, void **arr, size_t *n, size_t size);
/* Sort tables, indexes and foreign keys; primary-key columns NOT NULL. */
int aurmig__schema_finish(aurmig_schema *s);
int aurmig__schema_is_int_kind(int kind);

#endif
