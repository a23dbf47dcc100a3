/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A schema model rendered as DDL for a dialect (aurmig_schema_dump), and
 * the renderer's pieces the portable DDL module (ddl_*.c) and the differ use.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "schema/schema.h"

typedef struct aurmig_schema_table stable;
typedef struct aurmig_schema_column scol;
typedef struct aurmig_schema_index sindex;
typedef struct aurmig_schema_fkey sfkey;

/* ------------------------------------------------------------------ */
/* rendering                                                           */

/* The type for dialect (ANY: the normalised text). */
void aurmig__schema_put_type(aurmig__buf *b, int dialect, const scol *c)
{
	const aurmig__ctype *t = &c->type;
	int k = t->kind;

	if (dialect == AURMIG_DIALECT_ANY || k == AURMIG_TYPE_OTHER) {
		aurmig__buf_puts(b, t->text);
		return;
	}
	if (dialect == AURMIG_DIALECT_PGSQL) {
		const char *w = aurmig__schema_kind_word(k);
		switch (k) {
		case AURMIG_TYPE_INTEGER: case AURMIG_TYPE_MEDIUMINT: case AURMIG_TYPE_INT:
			w = c->auto_increment ? "serial" : "integer";
			break;
		case AURMIG_TYPE_TINYINT: case AURMIG_TYPE_SMALLINT:
			w = c->auto_increment ? "smallserial" : "smallint";
			break;
		case AURMIG_TYPE_BIGINT: w = c->auto_increment ? "bigserial" : "bigint"; break;
		case AURMIG_TYPE_DECIMAL: w = "numeric"; break;
		case AURMIG_TYPE_FLOAT: w = "real"; break;
		case AURMIG_TYPE_DOUBLE: w = "double precision"; break;
		case AURMIG_TYPE_TEXT: w = "text"; break;
		case AURMIG_TYPE_BLOB: w = "bytea"; break;
		case AURMIG_TYPE_DATETIME: w = "timestamp"; break;
		default: break;
		}
		aurmig__buf_puts(b, w);
		if (k == AURMIG_TYPE_DECIMAL && t->length >= 0)
			aurmig__buf_printf(b, "(%d,%d)", t->length, t->scale);
		else if (k != AURMIG_TYPE_DECIMAL && t->length >= 0)
			aurmig__buf_printf(b, "(%d)", t->length);
		return;
	}
	if (dialect == AURMIG_DIALECT_MYSQL) {
		if (k == AURMIG_TYPE_BOOLEAN) {
			aurmig__buf_puts(b, "tinyint(1)");
			return;
		}
		if (k == AURMIG_TYPE_VARCHAR && t->length < 0) {
			aurmig__buf_puts(b, "text");
			return;
		}
		aurmig__buf_puts(b, k == AURMIG_TYPE_INTEGER ? "int" : t->text);
		if (k == AURMIG_TYPE_INTEGER && t->is_unsigned)
			aurmig__buf_puts(b, " unsigned");
		return;
	}
	/* SQLite: a type name's (arguments) come last: "decimal unsigned(10,2)" */
	if (k == AURMIG_TYPE_TEXT || k == AURMIG_TYPE_BLOB) {
		aurmig__buf_puts(b, t->text);
		return;
	}
	aurmig__buf_puts(b, aurmig__schema_kind_word(k));
	if (t->is_unsigned)
		aurmig__buf_puts(b, " unsigned");
	if (k == AURMIG_TYPE_DECIMAL && t->length >= 0)
		aurmig__buf_printf(b, "(%d,%d)", t->length, t->scale);
	else if (k != AURMIG_TYPE_DECIMAL && t->length >= 0)
		aurmig__buf_printf(b, "(%d)", t->length);
}

/* CURRENT_TIMESTAMP or CURRENT_TIMESTAMP(n), and nothing more */
static int is_current_timestamp(const char *d)
{
	const char *p = d + 17;

	if (strncmp(d, "CURRENT_TIMESTAMP", 17))
		return 0;
	if (!*p)
		return 1;
	if (*p++ != '(' || !isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	return p[0] == ')' && !p[1];
}

/* Is the normalised default a literal (no parentheses needed)? */
static int default_is_literal(const char *d)
{
	char num[80];

	const char *end = d[0] == '\'' ? aurmig__schema_literal_end(d, 0) : NULL;

	return (end && end[1] == '\0') || aurmig__schema_canon_number(num, sizeof(num), d) || !strcmp(d, "TRUE") || !strcmp(d, "FALSE") ||
		is_current_timestamp(d) || !strcmp(d, "CURRENT_DATE") || !strcmp(d, "CURRENT_TIME");
}

void aurmig__schema_put_default(aurmig__buf *b, int dialect, const char *d)
{
	if (d[0] == '\'' && dialect == AURMIG_DIALECT_MYSQL) {
		/* MySQL: backslashes escape */
		const char *end = aurmig__schema_literal_end(d, 0);
		char *v = end ? aurmig__schema_literal_value(b->ctx, d, end, 0) : NULL;
		if (v) {
			aurmig__db_quote(b, AURMIG_DIALECT_MYSQL, v);
			free(v);
			return;
		}
		if (end) {
			b->failed = 1;   /* out of memory */
			return;
		}
	}
	if (default_is_literal(d))
		aurmig__buf_puts(b, d);
	else
		aurmig__buf_printf(b, "(%s)", d);
}

/* Will the column be SQLite's INTEGER PRIMARY KEY in a dump for SQLite? */
static int sqlite_rowid(const stable *t, const scol *c)
{
	return c->auto_increment && t->pk.n == 1 && !strcmp(t->pk.v[0], c->name);
}

/* A column's definition after its name. */
void aurmig__schema_put_column_def_from(aurmig__buf *b, int dialect, int src_dialect, const stable *t, const scol *c)
{
	int rowid = dialect == AURMIG_DIALECT_SQLITE && sqlite_rowid(t, c);

	if (rowid)
		aurmig__buf_puts(b, "INTEGER");
	else if (dialect == AURMIG_DIALECT_SQLITE && src_dialect == AURMIG_DIALECT_SQLITE && c->raw_type)
		aurmig__buf_puts(b, c->raw_type);   /* SQLite to SQLite: the declared type as it was */
	else
		aurmig__schema_put_type(b, dialect, c);
	if ((c->charset || c->collation) && (dialect == AURMIG_DIALECT_ANY || dialect == AURMIG_DIALECT_MYSQL)) {
		if (c->charset)
			aurmig__buf_printf(b, " CHARACTER SET %s", c->charset);
		if (c->collation)
			aurmig__buf_printf(b, " COLLATE %s", c->collation);
	}
	if (!c->nullable)
		aurmig__buf_puts(b, " NOT NULL");
	else if (dialect == AURMIG_DIALECT_MYSQL)
		aurmig__buf_puts(b, " NULL");   /* a TIMESTAMP is NOT NULL unless told */
	if (rowid)
		aurmig__buf_puts(b, c->sqlite_autoincrement || src_dialect != AURMIG_DIALECT_SQLITE ?
			" PRIMARY KEY AUTOINCREMENT" : " PRIMARY KEY");
	if (c->default_value && !(c->auto_increment && (dialect == AURMIG_DIALECT_PGSQL || rowid))) {
		aurmig__buf_puts(b, " DEFAULT ");
		aurmig__schema_put_default(b, dialect, c->default_value);
	} else if (!c->default_value && c->null_default && c->nullable && dialect == AURMIG_DIALECT_SQLITE) {
		aurmig__buf_puts(b, " DEFAULT NULL");
	}
	if (c->on_update && (dialect == AURMIG_DIALECT_ANY || dialect == AURMIG_DIALECT_MYSQL))
		aurmig__buf_printf(b, " ON UPDATE %s", c->on_update);
	if (c->auto_increment && (dialect == AURMIG_DIALECT_ANY || dialect == AURMIG_DIALECT_MYSQL))
		aurmig__buf_puts(b, " AUTO_INCREMENT");
}

void aurmig__schema_put_ident_list(aurmig__buf *b, int dialect, const aurmig__strv *v)
{
	aurmig__buf_puts(b, "(");
	for (size_t i = 0; i < v->n; i++) {
		if (i)
			aurmig__buf_puts(b, ", ");
		aurmig__schema_put_ident(b, dialect, v->v[i]);
	}
	aurmig__buf_puts(b, ")");
}

void aurmig__schema_put_index_cols(aurmig__buf *b, int dialect, const sindex *ix)
{
	aurmig__buf_puts(b, "(");
	for (size_t i = 0; i < ix->ncols; i++) {
		const aurmig__icol *ic = &ix->cols[i];
		if (i)
			aurmig__buf_puts(b, ", ");
		if (ic->name)
			aurmig__schema_put_ident(b, dialect, ic->name);
		else
			aurmig__buf_printf(b, "(%s)", ic->expr);
		if (ic->prefix && (dialect == AURMIG_DIALECT_MYSQL || dialect == AURMIG_DIALECT_ANY))
			aurmig__buf_printf(b, "(%d)", ic->prefix);
		if (ic->desc)
			aurmig__buf_puts(b, " DESC");
	}
	aurmig__buf_puts(b, ")");
}

/* The default action of the schema's backend (left unsaid in dumps). */
static int default_rule(int src_dialect, const char *rule)
{
	return !strcmp(rule, aurmig__dialect_of(src_dialect)->fk_default_rule);
}

/* "[CONSTRAINT name] FOREIGN KEY (c) REFERENCES t (c) [ON DELETE x] [ON UPDATE y]" */
void aurmig__schema_put_fkey_from(aurmig__buf *b, int dialect, int src_dialect, const sfkey *fk)
{
	if (fk->name) {
		aurmig__buf_puts(b, "CONSTRAINT ");
		aurmig__schema_put_ident(b, dialect, fk->name);
		aurmig__buf_puts(b, " ");
	}
	aurmig__buf_puts(b, "FOREIGN KEY ");
	aurmig__schema_put_ident_list(b, dialect, &fk->columns);
	aurmig__buf_puts(b, " REFERENCES ");
	aurmig__schema_put_ident(b, dialect, fk->ref_table);
	aurmig__buf_puts(b, " ");
	aurmig__schema_put_ident_list(b, dialect, &fk->ref_columns);
	if (!default_rule(src_dialect, fk->on_delete))
		aurmig__buf_printf(b, " ON DELETE %s", fk->on_delete);
	if (!default_rule(src_dialect, fk->on_update))
		aurmig__buf_printf(b, " ON UPDATE %s", fk->on_update);
}

/* SQLite and PostgreSQL name indexes per database (schema), MySQL per
 * table: an index name another table uses too, or a table's name, becomes
 * <table>_<index>. */
static int index_name_taken(const aurmig_schema *s, const stable *t, const sindex *ix)
{
	for (size_t i = 0; i < s->ntables; i++) {
		const stable *o = &s->tables[i];
		if (aurmig__schema_ieq(o->name, ix->name))
			return 1;
		for (size_t k = 0; k < o->nidx && o != t; k++)
			if (aurmig__schema_ieq(o->idx[k].name, ix->name))
				return 1;
	}
	return 0;
}

static void put_create_index(aurmig__buf *b, int dialect, const aurmig_schema *s, const stable *t, const sindex *ix)
{
	aurmig__buf_printf(b, "CREATE %sINDEX ", ix->unique ? "UNIQUE " : "");
	if (dialect != AURMIG_DIALECT_ANY && index_name_taken(s, t, ix)) {
		char *n = aurmig__printf(b->ctx, "%s_%s", t->name, ix->name);
		if (!n)
			b->failed = 1;
		else
			aurmig__schema_put_ident(b, dialect, n);
		free(n);
	} else {
		aurmig__schema_put_ident(b, dialect, ix->name);
	}
	aurmig__buf_puts(b, " ON ");
	aurmig__schema_put_ident(b, dialect, t->name);
	aurmig__buf_puts(b, " ");
	aurmig__schema_put_index_cols(b, dialect, ix);
}

void aurmig__schema_put_table_from(aurmig__buf *b, int dialect, int src_dialect, const stable *t)
{
	int sep = 0, rowid_pk = 0;

	aurmig__buf_puts(b, "CREATE TABLE ");
	aurmig__schema_put_ident(b, dialect, t->name);
	aurmig__buf_puts(b, " (\n");
	for (size_t i = 0; i < t->ncols; i++) {
		size_t mark;
		aurmig__buf_puts(b, sep++ ? ",\n  " : "  ");
		aurmig__schema_put_ident(b, dialect, t->cols[i].name);
		aurmig__buf_puts(b, " ");
		mark = b->len;
		aurmig__schema_put_column_def_from(b, dialect, src_dialect, t, &t->cols[i]);
		if (b->len == mark && !b->failed) {
			/* SQLite: a column without type, default or constraint */
			b->p[--b->len] = '\0';
		} else if (b->len > mark && b->p[mark] == ' ' && !b->failed) {
			/* no type: " NOT NULL ..." */
			memmove(b->p + mark, b->p + mark + 1, b->len - mark);
			b->len--;
		}
		if (dialect == AURMIG_DIALECT_SQLITE && sqlite_rowid(t, &t->cols[i]))
			rowid_pk = 1;
	}
	if (t->pk.n && !rowid_pk) {
		aurmig__buf_puts(b, sep++ ? ",\n  PRIMARY KEY " : "  PRIMARY KEY ");
		aurmig__schema_put_ident_list(b, dialect, &t->pk);
	}
	for (size_t i = 0; i < t->nidx; i++) {
		const sindex *ix = &t->idx[i];
		if (aurmig__dialect_of(dialect)->inline_indexes) {
			/* every index inside, so that no foreign key makes one of its own */
			aurmig__buf_puts(b, sep++ ? ",\n  " : "  ");
			aurmig__buf_puts(b, ix->unique ? "UNIQUE KEY " : "KEY ");
			if (!ix->auto_named) {
				aurmig__schema_put_ident(b, dialect, ix->name);
				aurmig__buf_puts(b, " ");
			}
			aurmig__schema_put_index_cols(b, dialect, ix);
		} else if (ix->auto_named) {
			aurmig__buf_puts(b, sep++ ? ",\n  UNIQUE " : "  UNIQUE ");
			aurmig__schema_put_index_cols(b, dialect, ix);
		}
	}
	if (dialect == AURMIG_DIALECT_ANY || dialect == AURMIG_DIALECT_SQLITE)
		for (size_t i = 0; i < t->nfks; i++) {
			aurmig__buf_puts(b, sep++ ? ",\n  " : "  ");
			aurmig__schema_put_fkey_from(b, dialect, src_dialect, &t->fks[i]);
		}
	aurmig__buf_puts(b, "\n)");
	if (t->charset && (dialect == AURMIG_DIALECT_ANY || dialect == AURMIG_DIALECT_MYSQL))
		aurmig__buf_printf(b, " DEFAULT CHARSET=%s", t->charset);
	if (t->collation && (dialect == AURMIG_DIALECT_ANY || dialect == AURMIG_DIALECT_MYSQL))
		aurmig__buf_printf(b, " COLLATE=%s", t->collation);
}

/*
 * SQLite's integer key (the rowid) has no width or sign: a dump for MySQL
 * would make it `int`, and a foreign key from an `int unsigned` column to it
 * could not be made. While dumping, such a column borrows the type of a
 * column that refers to it (lend = 1), and gets its own back (lend = 0).
 */
static void lend_integer_types(aurmig_schema *s, int lend)
{
	for (size_t i = 0; i < s->ntables; i++) {
		stable *t = &s->tables[i];
		for (size_t k = 0; k < t->ncols; k++) {
			scol *c = &t->cols[k];
			const aurmig__ctype *found = NULL;
			if (!lend) {
				if (c->lent) {
					c->type = c->own_type;
					c->lent = 0;
				}
				continue;
			}
			if (c->type.kind != AURMIG_TYPE_INTEGER)
				continue;
			for (size_t j = 0; j < s->ntables && !found; j++)
				for (size_t f = 0; f < s->tables[j].nfks && !found; f++) {
					const sfkey *fk = &s->tables[j].fks[f];
					if (strcmp(fk->ref_table, t->name))
						continue;
					for (size_t n = 0; n < fk->ref_columns.n && !found; n++) {
						const scol *from;
						if (strcmp(fk->ref_columns.v[n], c->name) ||
						    !(from = aurmig__schema_find_column(&s->tables[j], fk->columns.v[n])))
							continue;
						if (aurmig__schema_is_int_kind(from->type.kind) && from->type.kind != AURMIG_TYPE_INTEGER)
							found = &from->type;
					}
				}
			if (found) {
				c->own_type = c->type;
				c->type = *found;
				c->lent = 1;
			}
		}
	}
}

int aurmig_schema_dump(const char **out, aurmig_schema *s, int dialect)
{
	aurmig__buf b;
	char *text;

	if (out)
		*out = NULL;
	if (!out || !s)
		return s ? aurmig__err(s->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig_schema_dump: NULL argument") :
			AURMIG_EINVALID;
	if (dialect < AURMIG_DIALECT_ANY || dialect > AURMIG_DIALECT_PGSQL)
		return aurmig__err(s->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "unknown dialect %d", dialect);
	aurmig__buf_init(&b, s->ctx);
	if (dialect == AURMIG_DIALECT_MYSQL || dialect == AURMIG_DIALECT_PGSQL)
		lend_integer_types(s, 1);
	for (size_t i = 0; i < s->ntables; i++) {
		const stable *t = &s->tables[i];
		aurmig__schema_put_table_from(&b, dialect, s->dialect, t);
		aurmig__buf_puts(&b, ";\n");
		if (dialect != AURMIG_DIALECT_MYSQL)
			for (size_t k = 0; k < t->nidx; k++) {
				if (t->idx[k].auto_named)
					continue;
				put_create_index(&b, dialect, s, t, &t->idx[k]);
				aurmig__buf_puts(&b, ";\n");
			}
	}
	/* MySQL and PostgreSQL check references at once: the foreign keys come
	 * after every table */
	if (dialect == AURMIG_DIALECT_MYSQL || dialect == AURMIG_DIALECT_PGSQL)
		for (size_t i = 0; i < s->ntables; i++)
			for (size_t k = 0; k < s->tables[i].nfks; k++) {
				aurmig__buf_puts(&b, "ALTER TABLE ");
				aurmig__schema_put_ident(&b, dialect, s->tables[i].name);
				aurmig__buf_puts(&b, " ADD ");
				aurmig__schema_put_fkey_from(&b, dialect, s->dialect, &s->tables[i].fks[k]);
				aurmig__buf_puts(&b, ";\n");
			}
	if (dialect == AURMIG_DIALECT_MYSQL || dialect == AURMIG_DIALECT_PGSQL)
		lend_integer_types(s, 0);
	if (!(text = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	free(s->dump);
	s->dump = text;
	*out = text;
	return AURMIG_OK;
}


/* ------------------------------------------------------------------ */
/* shared with the portable DDL module (ddl_*.c)                      */

/* For SQLite, models of portable DDL and of SQLite databases are SQLite's
 * own: declared types kept (raw_type), AUTOINCREMENT as the column says. */
void aurmig__schema_put_column_def(aurmig__buf *b, int dialect, const stable *t, const scol *c)
{
	aurmig__schema_put_column_def_from(b, dialect, dialect == AURMIG_DIALECT_SQLITE ? AURMIG_DIALECT_SQLITE : AURMIG_DIALECT_ANY, t, c);
}
void aurmig__schema_put_table(aurmig__buf *b, int dialect, const stable *t)
{
	aurmig__schema_put_table_from(b, dialect, dialect == AURMIG_DIALECT_SQLITE ? AURMIG_DIALECT_SQLITE : AURMIG_DIALECT_ANY, t);
}
void aurmig__schema_put_fkey(aurmig__buf *b, int dialect, const sfkey *fk) { aurmig__schema_put_fkey_from(b, dialect, AURMIG_DIALECT_ANY, fk); }
