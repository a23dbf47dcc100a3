/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Portable DDL: a MySQL-flavoured subset of DDL parsed into operations and
 * rendered per dialect (docs/portable-ddl.md).
 *
 * Written by hand: no Debian library parses MySQL-flavoured DDL into a
 * model we could render for three backends. Definitions reuse the schema
 * model of schema.c (tables, columns, indexes, foreign keys), so a table
 * created from portable DDL is rendered by the same code as `schema dump`
 * and reads back through introspection as what was declared.
 *
 * SQLite's ALTER TABLE adds, renames and drops (simple) columns and renames
 * tables; everything else (a column's type, nullability or default, primary
 * and foreign keys, unique constraints made with the table) is done with
 * the table rebuild of https://sqlite.org/lang_altertable.html ("making
 * other kinds of table schema changes"): create the new table, copy the
 * rows, drop the old one, rename the new one, recreate indexes and
 * triggers, check foreign keys.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
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

/* ------------------------------------------------------------------ */
/* lexer                                                               */

enum { T_END = 0, T_WORD, T_QIDENT, T_STRING, T_NUMBER, T_PUNCT, T_OTHER };

typedef struct tok {
	int type;
	size_t start, len;
	int line;
} tok;

typedef struct parser {
	aurmig_context *ctx;
	const char *sql;
	size_t len, pos;
	int line;
	const char *file;
	tok t;              /* the current token */
	size_t prev_end;    /* where the token before it ended */
	aurmig__ddl *op;
	int keep_names;     /* leave unnamed keys unnamed (reading SQLite's own text) */
} parser;

static void skip_blank(parser *p)
{
	for (;;) {
		while (p->pos < p->len && isspace((unsigned char)p->sql[p->pos])) {
			if (p->sql[p->pos] == '\n')
				p->line++;
			p->pos++;
		}
		if (p->pos + 1 < p->len && p->sql[p->pos] == '-' && p->sql[p->pos + 1] == '-') {
			while (p->pos < p->len && p->sql[p->pos] != '\n')
				p->pos++;
		} else if (p->pos < p->len && p->sql[p->pos] == '#') {
			while (p->pos < p->len && p->sql[p->pos] != '\n')
				p->pos++;
		} else if (p->pos + 1 < p->len && p->sql[p->pos] == '/' && p->sql[p->pos + 1] == '*') {
			p->pos += 2;
			while (p->pos < p->len && !(p->sql[p->pos] == '*' && p->pos + 1 < p->len && p->sql[p->pos + 1] == '/')) {
				if (p->sql[p->pos] == '\n')
					p->line++;
				p->pos++;
			}
			p->pos = p->pos + 2 < p->len ? p->pos + 2 : p->len;
		} else {
			return;
		}
	}
}

static void next(parser *p)
{
	const char *s = p->sql;
	size_t i;

	p->prev_end = p->t.start + p->t.len;
	skip_blank(p);
	p->t.start = p->pos;
	p->t.line = p->line;
	if (p->pos >= p->len) {
		p->t.type = T_END;
		p->t.len = 0;
		return;
	}
	i = p->pos;
	if (isalpha((unsigned char)s[i]) || s[i] == '_') {
		while (i < p->len && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '$'))
			i++;
		p->t.type = T_WORD;
	} else if (isdigit((unsigned char)s[i])) {
		while (i < p->len && (isdigit((unsigned char)s[i]) || s[i] == '.'))
			i++;
		p->t.type = T_NUMBER;
	} else if (s[i] == '\'' || s[i] == '"' || s[i] == '`') {
		char q = s[i++];
		for (;;) {
			if (i >= p->len) {
				p->t.type = T_OTHER;   /* unterminated: the splitter reports it first */
				break;
			}
			if (s[i] == '\n')
				p->line++;
			if (s[i] == q) {
				if (i + 1 < p->len && s[i + 1] == q) {
					i += 2;
					continue;
				}
				i++;
				p->t.type = q == '\'' ? T_STRING : T_QIDENT;
				break;
			}
			i++;
		}
	} else if (s[i] && strchr("(),;.=-+", s[i])) {   /* strchr finds the NUL too */
		i++;
		p->t.type = T_PUNCT;
	} else {
		/* one UTF-8 character */
		i++;
		while (i < p->len && ((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		p->t.type = T_OTHER;
	}
	p->t.len = i - p->pos;
	p->pos = i;
}

static int is_kw(const parser *p, const char *kw)
{
	size_t n = strlen(kw);

	if (p->t.type != T_WORD || p->t.len != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (toupper((unsigned char)p->sql[p->t.start + i]) != kw[i])
			return 0;
	return 1;
}

static int is_punct(const parser *p, char c)
{
	return p->t.type == T_PUNCT && p->sql[p->t.start] == c;
}

static int accept_kw(parser *p, const char *kw)
{
	if (!is_kw(p, kw))
		return 0;
	next(p);
	return 1;
}

static int accept_punct(parser *p, char c)
{
	if (!is_punct(p, c))
		return 0;
	next(p);
	return 1;
}

static int fail(parser *p, const char *expected)
{
	if (p->t.type == T_END)
		return aurmig__err_at(p->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, p->file, p->t.line,
			"portable DDL: the statement ends where %s was expected", expected);
	return aurmig__err_at(p->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, p->file, p->t.line,
		"portable DDL: unexpected '%.*s' where %s was expected", (int)(p->t.len > 60 ? 60 : p->t.len),
		p->sql + p->t.start, expected);
}

static int refuse(parser *p, const char *why)
{
	return aurmig__err_at(p->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, p->file, p->t.line,
		"portable DDL: '%.*s': %s", (int)(p->t.len > 60 ? 60 : p->t.len), p->sql + p->t.start, why);
}

static int expect_kw(parser *p, const char *kw)
{
	char what[64];

	if (accept_kw(p, kw))
		return AURMIG_OK;
	snprintf(what, sizeof(what), "%s", kw);
	return fail(p, what);
}

static int expect_punct(parser *p, char c)
{
	char what[8] = { '\'', c, '\'', 0 };

	if (accept_punct(p, c))
		return AURMIG_OK;
	return fail(p, what);
}

/* A name: a plain word or a quoted identifier (quotes removed). */
static int ident(parser *p, char **out, const char *what)
{
	const char *s = p->sql + p->t.start;

	*out = NULL;
	if (p->t.type == T_WORD) {
		if (!(*out = aurmig__strndup(p->ctx, s, p->t.len)))
			return AURMIG_ENOMEM;
	} else if (p->t.type == T_QIDENT) {
		char q = s[0], *d;
		size_t o = 0;
		if (p->t.len < 3)
			return refuse(p, "an empty name");
		for (size_t i = 1; i + 1 < p->t.len; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				return refuse(p, "a name with a control character (a line break, a tab)");
		if (!(d = aurmig__malloc(p->ctx, p->t.len)))
			return AURMIG_ENOMEM;
		for (size_t i = 1; i + 1 < p->t.len; i++) {
			d[o++] = s[i];
			if (s[i] == q)
				i++;
		}
		d[o] = '\0';
		*out = d;
	} else {
		return fail(p, what);
	}
	next(p);
	return AURMIG_OK;
}

/* (a, b, c) */
static int ident_list(parser *p, aurmig__strv *out, const char *what)
{
	int rc;

	if ((rc = expect_punct(p, '(')))
		return rc;
	do {
		char *n;
		if ((rc = ident(p, &n, what)) || (rc = aurmig__strv_push_own(out, p->ctx, n)))
			return rc;
	} while (accept_punct(p, ','));
	return expect_punct(p, ')');
}

static int number(parser *p, int *out)
{
	long v = 0;

	if (p->t.type != T_NUMBER)
		return fail(p, "a number");
	for (size_t i = 0; i < p->t.len; i++) {
		char ch = p->sql[p->t.start + i];
		if (!isdigit((unsigned char)ch) || v > 100000000)
			return refuse(p, "not a whole number of reasonable size");
		v = v * 10 + (ch - '0');
	}
	*out = (int)v;
	next(p);
	return AURMIG_OK;
}

/* ------------------------------------------------------------------ */
/* parsing definitions                                                 */

/* Generated names, the same on every backend (PostgreSQL's pattern):
 * <table>_<columns>_key for a unique index, _fkey for a foreign key. */
static char *gen_name(aurmig_context *ctx, const char *table, const aurmig__strv *cols, const char *suffix)
{
	aurmig__buf b;
	char *s;

	aurmig__buf_init(&b, ctx);
	aurmig__buf_puts(&b, table);
	for (size_t i = 0; i < cols->n; i++)
		aurmig__buf_printf(&b, "_%s", cols->v[i]);
	aurmig__buf_printf(&b, "_%s", suffix);
	if (!(s = aurmig__buf_detach(&b)))
		return NULL;
	if (strlen(s) > 63)
		s[63] = '\0';   /* PostgreSQL's limit; MySQL's is 64 */
	return s;
}

/* Give up a buffer on an error path: a failed allocation in it wins over rc. */
static int drop_buf(aurmig__buf *b, int rc)
{
	char *x = aurmig__buf_detach(b);   /* records the allocation failure */

	if (!x)
		return AURMIG_ENOMEM;
	free(x);
	return rc;
}

static int type_def(parser *p, scol *c)
{
	aurmig__buf b;
	char *spelling;
	tok first = p->t;
	int rc;

	if (p->t.type != T_WORD)
		return fail(p, "a column type");
	aurmig__buf_init(&b, p->ctx);
	aurmig__buf_add(&b, p->sql + p->t.start, p->t.len);
	next(p);
	if (is_kw(p, "PRECISION") || is_kw(p, "VARYING")) {
		aurmig__buf_puts(&b, " ");
		aurmig__buf_add(&b, p->sql + p->t.start, p->t.len);
		next(p);
	}
	if (accept_punct(p, '(')) {
		int a, bb;
		if ((rc = number(p, &a)))
			return drop_buf(&b, rc);
		aurmig__buf_printf(&b, "(%d", a);
		if (accept_punct(p, ',')) {
			if ((rc = number(p, &bb)))
				return drop_buf(&b, rc);
			aurmig__buf_printf(&b, ",%d", bb);
		}
		aurmig__buf_puts(&b, ")");
		if ((rc = expect_punct(p, ')')))
			return drop_buf(&b, rc);
	}
	while (is_kw(p, "UNSIGNED") || is_kw(p, "SIGNED") || is_kw(p, "ZEROFILL")) {
		if (is_kw(p, "UNSIGNED")) {
			aurmig__buf_puts(&b, " ");
			aurmig__buf_add(&b, p->sql + p->t.start, p->t.len);   /* as written */
		}
		next(p);
	}
	if (!(spelling = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	if ((rc = aurmig__schema_parse_type(&c->type, p->ctx, AURMIG_DIALECT_MYSQL, spelling))) {
		free(spelling);
		return rc;
	}
	{
		/* SQLite gets the spelling as written when it means the same there
		 * (not "integer": SQLite's any-width integer, the rowid's type) */
		aurmig__ctype as_sqlite;
		if ((rc = aurmig__schema_parse_type(&as_sqlite, p->ctx, AURMIG_DIALECT_SQLITE, spelling))) {
			free(spelling);
			return rc;
		}
		if (as_sqlite.kind == c->type.kind && as_sqlite.length == c->type.length &&
		    as_sqlite.scale == c->type.scale && as_sqlite.is_unsigned == c->type.is_unsigned &&
		    c->type.kind != AURMIG_TYPE_OTHER && !(c->raw_type = aurmig__strdup(p->ctx, spelling)))
			rc = AURMIG_ENOMEM;
		free(as_sqlite.text);
		if (rc) {
			free(spelling);
			return rc;
		}
	}
	if (c->type.kind == AURMIG_TYPE_OTHER || (c->type.kind == AURMIG_TYPE_VARCHAR && c->type.length < 0) ||
	    (c->type.kind == AURMIG_TYPE_CHAR && c->type.length < 0 && strchr(spelling, '('))) {
		p->t = first;
		rc = aurmig__err_at(p->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, p->file, first.line,
			"portable DDL: type '%s' is not portable (use tinyint, smallint, mediumint, int, bigint "
			"[unsigned], decimal(p,s), float, double, char(n), varchar(n), text, blob, boolean, date, "
			"time, datetime, timestamp; or a per-dialect section)", spelling);
		free(spelling);
		return rc;
	}
	free(spelling);
	return AURMIG_OK;
}

/* DEFAULT's value: a literal, a time keyword, or (expression) */
static int default_value(parser *p, scol *c, char **out)
{
	size_t start = p->t.start, end;
	char *text;
	int rc;

	if (is_punct(p, '(')) {
		/* (expression): its tokens, one blank apart, without the comments
		 * between them (a -- comment would swallow what follows it on
		 * one line) */
		aurmig__buf e;
		int depth = 0;
		aurmig__buf_init(&e, p->ctx);
		do {
			if (p->t.type == T_OTHER || is_punct(p, ';'))
				return drop_buf(&e, fail(p, "an expression made of names, numbers, strings and ( ) , . = - +"));
			if (is_punct(p, '('))
				depth++;
			else if (is_punct(p, ')'))
				depth--;
			if (e.len && e.p[e.len - 1] != '(' && !is_punct(p, ')') && !is_punct(p, ','))
				aurmig__buf_puts(&e, " ");
			aurmig__buf_add(&e, p->sql + p->t.start, p->t.len);
			next(p);
		} while (depth && p->t.type != T_END);
		if (depth)
			return drop_buf(&e, fail(p, "')'"));
		if (!(text = aurmig__buf_detach(&e)))
			return AURMIG_ENOMEM;
		rc = aurmig__schema_norm_default(out, p->ctx, AURMIG_DIALECT_SQLITE, &c->type, text);
		free(text);
		return rc;
	} else if (is_punct(p, '-') || is_punct(p, '+')) {
		next(p);
		if (p->t.type != T_NUMBER)
			return fail(p, "a number");
		next(p);
	} else if (p->t.type == T_STRING || p->t.type == T_NUMBER) {
		next(p);
	} else if (is_kw(p, "NULL") || is_kw(p, "TRUE") || is_kw(p, "FALSE") || is_kw(p, "CURRENT_DATE") ||
		   is_kw(p, "CURRENT_TIME")) {
		next(p);
	} else if (is_kw(p, "CURRENT_TIMESTAMP") || is_kw(p, "NOW")) {
		int now = is_kw(p, "NOW");
		next(p);
		if (accept_punct(p, '(')) {
			if (p->t.type == T_NUMBER)
				next(p);
			if ((rc = expect_punct(p, ')')))
				return rc;
		} else if (now) {
			return fail(p, "'('");
		}
	} else {
		return fail(p, "a default value (a string, a number, NULL, TRUE, FALSE, CURRENT_TIMESTAMP or (expression))");
	}
	end = p->prev_end;   /* not the next token's start: comments may lie between */
	if (!(text = aurmig__strndup(p->ctx, p->sql + start, end - start)))
		return AURMIG_ENOMEM;
	rc = aurmig__schema_norm_default(out, p->ctx, AURMIG_DIALECT_SQLITE, &c->type, text);
	free(text);
	return rc;
}

static const char *rule_word(parser *p)
{
	if (accept_kw(p, "CASCADE"))
		return "CASCADE";
	if (accept_kw(p, "RESTRICT"))
		return "RESTRICT";
	if (accept_kw(p, "SET")) {
		if (accept_kw(p, "NULL"))
			return "SET NULL";
		if (accept_kw(p, "DEFAULT"))
			return "SET DEFAULT";
		return NULL;
	}
	if (accept_kw(p, "NO")) {
		if (accept_kw(p, "ACTION"))
			return "NO ACTION";
		return NULL;
	}
	return NULL;
}

/* REFERENCES t (cols) [ON DELETE r] [ON UPDATE r] */
static int references(parser *p, sfkey *fk)
{
	int rc;

	fk->on_delete = fk->on_update = "NO ACTION";
	if ((rc = ident(p, &fk->ref_table, "the referenced table")) ||
	    (rc = ident_list(p, &fk->ref_columns, "a referenced column")))
		return rc;
	while (is_kw(p, "ON")) {
		int del;
		const char *r;
		next(p);
		if (accept_kw(p, "DELETE"))
			del = 1;
		else if (accept_kw(p, "UPDATE"))
			del = 0;
		else
			return fail(p, "DELETE or UPDATE");
		if (!(r = rule_word(p)))
			return fail(p, "CASCADE, RESTRICT, SET NULL, SET DEFAULT or NO ACTION");
		if (del)
			fk->on_delete = r;
		else
			fk->on_update = r;
	}
	return AURMIG_OK;
}

/* Inline constraints of a column definition. */
typedef struct inline_cons {
	int primary;
	int unique;
	int has_fk;
	sfkey fk;
} inline_cons;

/* name type [attributes] */
static int column_def(parser *p, scol *c, inline_cons *ic)
{
	int rc, saw_null = 0;

	memset(ic, 0, sizeof(*ic));
	c->nullable = 1;
	if ((rc = ident(p, &c->name, "a column name")) || (rc = type_def(p, c)))
		return rc;
	for (;;) {
		if (accept_kw(p, "NOT")) {
			if ((rc = expect_kw(p, "NULL")))
				return rc;
			c->nullable = 0;
			saw_null = 1;
		} else if (accept_kw(p, "NULL")) {
			if (saw_null && !c->nullable)
				return refuse(p, "NULL after NOT NULL");
			c->nullable = 1;
			saw_null = 1;
		} else if (accept_kw(p, "DEFAULT")) {
			free(c->default_value);
			c->default_value = NULL;
			c->null_default = is_kw(p, "NULL");
			if ((rc = default_value(p, c, &c->default_value)))
				return rc;
		} else if (accept_kw(p, "AUTO_INCREMENT") || accept_kw(p, "AUTOINCREMENT")) {
			if (!aurmig__schema_is_int_kind(c->type.kind))
				return refuse(p, "AUTO_INCREMENT needs an integer column");
			c->auto_increment = 1;
			c->sqlite_autoincrement = 1;   /* SQLite: AUTOINCREMENT, numbers never reused */
		} else if (accept_kw(p, "PRIMARY")) {
			if ((rc = expect_kw(p, "KEY")))
				return rc;
			ic->primary = 1;
			c->nullable = 0;
		} else if (accept_kw(p, "UNIQUE")) {
			(void)(accept_kw(p, "KEY") || accept_kw(p, "INDEX"));
			ic->unique = 1;
		} else if (accept_kw(p, "REFERENCES")) {
			if (ic->has_fk)
				return refuse(p, "a second REFERENCES");
			ic->has_fk = 1;
			if ((rc = references(p, &ic->fk)) || (rc = aurmig__strv_push(&ic->fk.columns, p->ctx, c->name)))
				return rc;
		} else if (is_kw(p, "CHARACTER") || is_kw(p, "CHARSET")) {
			if (accept_kw(p, "CHARACTER") && (rc = expect_kw(p, "SET")))
				return rc;
			(void)accept_kw(p, "CHARSET");
			free(c->charset);
			if ((rc = ident(p, &c->charset, "a character set")))
				return rc;
		} else if (accept_kw(p, "COLLATE")) {
			free(c->collation);
			if ((rc = ident(p, &c->collation, "a collation")))
				return rc;
		} else if (is_kw(p, "ON")) {
			next(p);
			if ((rc = expect_kw(p, "UPDATE")))
				return rc;
			if (!is_kw(p, "CURRENT_TIMESTAMP"))
				return fail(p, "CURRENT_TIMESTAMP");
			next(p);
			if (accept_punct(p, '(') && (rc = expect_punct(p, ')')))
				return rc;
			free(c->on_update);
			if (!(c->on_update = aurmig__strdup(p->ctx, "CURRENT_TIMESTAMP")))
				return AURMIG_ENOMEM;
		} else if (accept_kw(p, "COMMENT")) {
			if (p->t.type != T_STRING)
				return fail(p, "a string");
			next(p);
		} else if (is_kw(p, "CHECK") || is_kw(p, "GENERATED") || is_kw(p, "AS") || is_kw(p, "FIRST") ||
			   is_kw(p, "AFTER") || is_kw(p, "INVISIBLE")) {
			return refuse(p, "not in the portable subset (use a per-dialect section)");
		} else {
			break;
		}
	}
	return AURMIG_OK;
}

/* index columns: (name [(n)] [ASC|DESC], ...) */
static int index_cols(parser *p, sindex *ix)
{
	int rc;

	if ((rc = expect_punct(p, '(')))
		return rc;
	do {
		aurmig__icol *ic = aurmig__schema_grow(p->ctx, (void **)&ix->cols, &ix->ncols, sizeof(*ic));
		aurmig__buf b;
		if (!ic)
			return AURMIG_ENOMEM;
		if (is_punct(p, '('))
			return refuse(p, "expression indexes are not portable (use a per-dialect section)");
		if ((rc = ident(p, &ic->name, "an indexed column")))
			return rc;
		if (accept_punct(p, '(') && ((rc = number(p, &ic->prefix)) || (rc = expect_punct(p, ')'))))
			return rc;
		if (accept_kw(p, "DESC"))
			ic->desc = 1;
		else
			(void)accept_kw(p, "ASC");
		aurmig__buf_init(&b, p->ctx);
		aurmig__buf_puts(&b, ic->name);
		if (ic->prefix)
			aurmig__buf_printf(&b, "(%d)", ic->prefix);
		if (ic->desc)
			aurmig__buf_puts(&b, " DESC");
		if (!(ic->text = aurmig__buf_detach(&b)))
			return AURMIG_ENOMEM;
	} while (accept_punct(p, ','));
	return expect_punct(p, ')');
}

static int copy_strv_names(aurmig__strv *out, aurmig_context *ctx, const sindex *ix)
{
	for (size_t i = 0; i < ix->ncols; i++)
		if (aurmig__strv_push(out, ctx, ix->cols[i].name))
			return AURMIG_ENOMEM;
	return AURMIG_OK;
}

/* A unique index without a name gets <table>_<cols>_key. */
static int name_unique(aurmig_context *ctx, sindex *ix, const char *table)
{
	aurmig__strv v = { 0 };

	if (ix->name)
		return AURMIG_OK;
	if (copy_strv_names(&v, ctx, ix) || !(ix->name = gen_name(ctx, table, &v, "key"))) {
		aurmig__strv_clear(&v);
		return AURMIG_ENOMEM;
	}
	aurmig__strv_clear(&v);
	return AURMIG_OK;
}

static int name_fkey(aurmig_context *ctx, sfkey *fk, const char *table)
{
	if (fk->name)
		return AURMIG_OK;
	return (fk->name = gen_name(ctx, table, &fk->columns, "fkey")) ? AURMIG_OK : AURMIG_ENOMEM;
}

/* [CONSTRAINT [name]] PRIMARY KEY / UNIQUE / FOREIGN KEY, or KEY/INDEX:
 * what a table element or ADD may be besides a column. 1 when it was one. */
static int constraint_def(parser *p, const char *table, stable *t, action *a, int *matched)
{
	char *cname = NULL;
	int rc = AURMIG_OK;

	*matched = 1;
	if (accept_kw(p, "CONSTRAINT")) {
		if (!is_kw(p, "PRIMARY") && !is_kw(p, "UNIQUE") && !is_kw(p, "FOREIGN") &&
		    (rc = ident(p, &cname, "a constraint name")))
			return rc;
	} else if (!is_kw(p, "PRIMARY") && !is_kw(p, "UNIQUE") && !is_kw(p, "FOREIGN") && !is_kw(p, "KEY") &&
		   !is_kw(p, "INDEX")) {
		*matched = 0;
		return AURMIG_OK;
	}
	if (accept_kw(p, "PRIMARY")) {
		aurmig__strv *pk = t ? &t->pk : &a->pk;
		if ((rc = expect_kw(p, "KEY")))
			goto done;
		if (pk->n) {
			rc = refuse(p, "a second primary key");
			goto done;
		}
		if (a)
			a->kind = A_ADD_PK;
		rc = ident_list(p, pk, "a primary-key column");
	} else if (is_kw(p, "UNIQUE") || is_kw(p, "KEY") || is_kw(p, "INDEX")) {
		int unique = accept_kw(p, "UNIQUE");
		sindex *ix;
		if (!unique || !(accept_kw(p, "KEY") || accept_kw(p, "INDEX")))
			(void)(accept_kw(p, "KEY") || accept_kw(p, "INDEX"));
		if (cname && !unique) {
			rc = refuse(p, "CONSTRAINT names a UNIQUE, PRIMARY KEY or FOREIGN KEY, not a plain index");
			goto done;
		}
		if (t) {
			if (!(ix = aurmig__schema_grow(p->ctx, (void **)&t->idx, &t->nidx, sizeof(*ix)))) {
				rc = AURMIG_ENOMEM;
				goto done;
			}
		} else {
			ix = &a->idx;
			a->kind = A_ADD_INDEX;
		}
		ix->unique = unique;
		if (!is_punct(p, '(') && (rc = ident(p, &ix->name, "an index name")))
			goto done;
		if (!ix->name) {
			ix->name = cname;
			cname = NULL;
		}
		if (!ix->name && !unique) {
			rc = fail(p, "an index name (portable indexes are named)");
			goto done;
		}
		if ((rc = index_cols(p, ix)) || (unique && !p->keep_names && (rc = name_unique(p->ctx, ix, table))))
			goto done;
	} else if (accept_kw(p, "FOREIGN")) {
		sfkey *fk;
		if ((rc = expect_kw(p, "KEY")))
			goto done;
		if (t) {
			if (!(fk = aurmig__schema_grow(p->ctx, (void **)&t->fks, &t->nfks, sizeof(*fk)))) {
				rc = AURMIG_ENOMEM;
				goto done;
			}
		} else {
			fk = &a->fk;
			a->kind = A_ADD_FKEY;
		}
		if (!is_punct(p, '(') && !cname && (rc = ident(p, &cname, "a constraint name")))
			goto done;
		fk->name = cname;
		cname = NULL;
		if ((rc = ident_list(p, &fk->columns, "a column")) || (rc = expect_kw(p, "REFERENCES")) ||
		    (rc = references(p, fk)))
			goto done;
		if (fk->columns.n != fk->ref_columns.n) {
			rc = refuse(p, "the foreign key's column lists differ in length");
			goto done;
		}
		if (!p->keep_names)
			rc = name_fkey(p->ctx, fk, table);
	} else {
		rc = fail(p, "PRIMARY KEY, UNIQUE or FOREIGN KEY");
	}
done:
	free(cname);
	return rc;
}

/* Inline column constraints become table-level ones. */
static int lift_inline(aurmig_context *ctx, stable *t, const scol *c, inline_cons *ic, const char *table,
	int keep_names)
{
	if (ic->primary) {
		if (t->pk.n)
			return AURMIG_EPARSE;
		if (aurmig__strv_push(&t->pk, ctx, c->name))
			return AURMIG_ENOMEM;
	}
	if (ic->unique) {
		sindex *ix = aurmig__schema_grow(ctx, (void **)&t->idx, &t->nidx, sizeof(*ix));
		aurmig__icol *col;
		if (!ix)
			return AURMIG_ENOMEM;
		ix->unique = 1;
		if (!(col = aurmig__schema_grow(ctx, (void **)&ix->cols, &ix->ncols, sizeof(*col))) ||
		    !(col->name = aurmig__strdup(ctx, c->name)) || !(col->text = aurmig__strdup(ctx, c->name)) ||
		    (!keep_names && name_unique(ctx, ix, table)))
			return AURMIG_ENOMEM;
	}
	if (ic->has_fk) {
		sfkey *fk = aurmig__schema_grow(ctx, (void **)&t->fks, &t->nfks, sizeof(*fk));
		if (!fk)
			return AURMIG_ENOMEM;
		*fk = ic->fk;
		memset(&ic->fk, 0, sizeof(ic->fk));
		ic->has_fk = 0;
		if (!keep_names && name_fkey(ctx, fk, table))
			return AURMIG_ENOMEM;
	}
	return AURMIG_OK;
}

static void free_inline(inline_cons *ic)
{
	aurmig__schema_free_fkey(&ic->fk);
	memset(ic, 0, sizeof(*ic));
}

static int create_table(parser *p)
{
	aurmig__ddl *op = p->op;
	stable *t = &op->def;
	int rc;

	if (is_kw(p, "IF"))
		return refuse(p, "IF NOT EXISTS is not portable");
	if ((rc = ident(p, &op->table, "a table name")))
		return rc;
	if (!(t->name = aurmig__strdup(p->ctx, op->table)))
		return AURMIG_ENOMEM;
	if ((rc = expect_punct(p, '(')))
		return rc;
	do {
		int matched;
		if ((rc = constraint_def(p, op->table, t, NULL, &matched)))
			return rc;
		if (!matched) {
			scol *c = aurmig__schema_grow(p->ctx, (void **)&t->cols, &t->ncols, sizeof(*c));
			inline_cons ic;
			tok at = p->t;
			if (!c)
				return AURMIG_ENOMEM;
			rc = column_def(p, c, &ic);
			if (!rc) {
				for (size_t i = 0; i + 1 < t->ncols; i++)
					if (!strcmp(t->cols[i].name, c->name)) {
						p->t = at;
						rc = refuse(p, "a column of this name was declared before");
					}
			}
			if (!rc && (rc = lift_inline(p->ctx, t, c, &ic, op->table, p->keep_names)) == AURMIG_EPARSE) {
				p->t = at;
				rc = refuse(p, "a second primary key");
			}
			free_inline(&ic);
			if (rc)
				return rc;
		}
	} while (accept_punct(p, ','));
	if ((rc = expect_punct(p, ')')))
		return rc;
	if (!t->ncols)
		return refuse(p, "a table needs a column");
	/* table options: MySQL's character set and collation are kept, the
	 * engine and other options are accepted and not rendered */
	while (p->t.type != T_END) {
		char **slot = NULL;
		if (accept_punct(p, ','))
			continue;
		(void)accept_kw(p, "DEFAULT");
		if (accept_kw(p, "CHARSET"))
			slot = &t->charset;
		else if (accept_kw(p, "CHARACTER")) {
			if ((rc = expect_kw(p, "SET")))
				return rc;
			slot = &t->charset;
		} else if (accept_kw(p, "COLLATE"))
			slot = &t->collation;
		else if (accept_kw(p, "ENGINE") || accept_kw(p, "ROW_FORMAT") || accept_kw(p, "COMMENT") ||
			 accept_kw(p, "AUTO_INCREMENT")) {
			(void)accept_punct(p, '=');
			if (p->t.type == T_END)
				return fail(p, "a value");
			next(p);
			continue;
		} else
			return fail(p, "a table option (ENGINE, CHARSET, COLLATE) or the end of the statement");
		(void)accept_punct(p, '=');
		free(*slot);
		if ((rc = ident(p, slot, "a name")))
			return rc;
	}
	for (size_t i = 0; i < t->pk.n; i++) {
		int found = 0;
		for (size_t k = 0; k < t->ncols; k++)
			if (!strcmp(t->cols[k].name, t->pk.v[i])) {
				t->cols[k].nullable = 0;
				found = 1;
			}
		if (!found)
			return aurmig__err_at(p->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, p->file, p->t.line,
				"portable DDL: the primary key names column '%s', which table %s does not have",
				t->pk.v[i], op->table);
	}
	return AURMIG_OK;
}

static action *new_action(parser *p)
{
	return aurmig__schema_grow(p->ctx, (void **)&p->op->acts, &p->op->nacts, sizeof(action));
}

/* The actions after ALTER TABLE t */
static int alter_actions(parser *p)
{
	aurmig__ddl *op = p->op;
	int rc;

	do {
		action *a = new_action(p);
		if (!a)
			return AURMIG_ENOMEM;
		if (accept_kw(p, "ADD")) {
			int matched = 0;
			if (!accept_kw(p, "COLUMN") && (rc = constraint_def(p, op->table, NULL, a, &matched)))
				return rc;
			if (!matched) {
				inline_cons ic;
				stable extra = { 0 };
				a->kind = A_ADD_COLUMN;
				if (is_punct(p, '('))
					return refuse(p, "add one column per ADD");
				rc = column_def(p, &a->col, &ic);
				if (!rc)
					rc = lift_inline(p->ctx, &extra, &a->col, &ic, op->table, p->keep_names);
				free_inline(&ic);
				/* inline PRIMARY KEY / UNIQUE / REFERENCES: actions of their own */
				if (!rc && extra.pk.n) {
					action *b = new_action(p);
					if (!b)
						rc = AURMIG_ENOMEM;
					else {
						b->kind = A_ADD_PK;
						b->pk = extra.pk;
						memset(&extra.pk, 0, sizeof(extra.pk));
					}
				}
				for (size_t i = 0; !rc && i < extra.nidx; i++) {
					action *b = new_action(p);
					if (!b) {
						rc = AURMIG_ENOMEM;
						break;
					}
					b->kind = A_ADD_INDEX;
					b->idx = extra.idx[i];
					memset(&extra.idx[i], 0, sizeof(extra.idx[i]));
				}
				for (size_t i = 0; !rc && i < extra.nfks; i++) {
					action *b = new_action(p);
					if (!b) {
						rc = AURMIG_ENOMEM;
						break;
					}
					b->kind = A_ADD_FKEY;
					b->fk = extra.fks[i];
					memset(&extra.fks[i], 0, sizeof(extra.fks[i]));
				}
				aurmig__schema_free_table(&extra);
				if (rc)
					return rc;
			}
		} else if (accept_kw(p, "DROP")) {
			if (accept_kw(p, "PRIMARY")) {
				if ((rc = expect_kw(p, "KEY")))
					return rc;
				a->kind = A_DROP_PK;
			} else if (accept_kw(p, "FOREIGN")) {
				if ((rc = expect_kw(p, "KEY")) || (rc = ident(p, &a->name, "the foreign key's name")))
					return rc;
				a->kind = A_DROP_FKEY;
			} else if (accept_kw(p, "INDEX") || accept_kw(p, "KEY")) {
				if ((rc = ident(p, &a->name, "the index's name")))
					return rc;
				a->kind = A_DROP_INDEX;
			} else if (is_kw(p, "CONSTRAINT") || is_kw(p, "CHECK")) {
				return refuse(p, "say DROP FOREIGN KEY name, DROP INDEX name or DROP PRIMARY KEY");
			} else {
				(void)accept_kw(p, "COLUMN");
				if ((rc = ident(p, &a->name, "a column name")))
					return rc;
				a->kind = A_DROP_COLUMN;
			}
		} else if (accept_kw(p, "RENAME")) {
			if (accept_kw(p, "COLUMN")) {
				a->kind = A_RENAME_COLUMN;
				if ((rc = ident(p, &a->name, "a column name")) || (rc = expect_kw(p, "TO")) ||
				    (rc = ident(p, &a->new_name, "the new name")))
					return rc;
			} else if (is_kw(p, "INDEX") || is_kw(p, "KEY")) {
				return refuse(p, "renaming an index is not portable: drop it and create it again");
			} else {
				(void)(accept_kw(p, "TO") || accept_kw(p, "AS"));
				a->kind = A_RENAME_TABLE;
				if ((rc = ident(p, &a->new_name, "the new table name")))
					return rc;
			}
		} else if (accept_kw(p, "MODIFY") || is_kw(p, "CHANGE")) {
			int change = accept_kw(p, "CHANGE");
			inline_cons ic;
			(void)accept_kw(p, "COLUMN");
			a->kind = A_MODIFY_COLUMN;
			if (change && (rc = ident(p, &a->name, "the column's current name")))
				return rc;
			rc = column_def(p, &a->col, &ic);
			if (!rc && (ic.primary || ic.unique || ic.has_fk))
				rc = refuse(p, "MODIFY/CHANGE cannot add keys: use ADD PRIMARY KEY, ADD UNIQUE or ADD FOREIGN KEY");
			free_inline(&ic);
			if (rc)
				return rc;
			if (!a->name && !(a->name = aurmig__strdup(p->ctx, a->col.name)))
				return AURMIG_ENOMEM;
		} else if (accept_kw(p, "ALTER")) {
			(void)accept_kw(p, "COLUMN");
			if ((rc = ident(p, &a->name, "a column name")))
				return rc;
			if (accept_kw(p, "SET")) {
				scol typeless = { 0 };
				if ((rc = expect_kw(p, "DEFAULT")))
					return rc;
				typeless.type.kind = AURMIG_TYPE_OTHER;
				a->kind = A_SET_DEFAULT;
				if ((rc = default_value(p, &typeless, &a->dflt)))
					return rc;
				if (!a->dflt)
					a->kind = A_DROP_DEFAULT;
			} else if (accept_kw(p, "DROP")) {
				if ((rc = expect_kw(p, "DEFAULT")))
					return rc;
				a->kind = A_DROP_DEFAULT;
			} else {
				return fail(p, "SET DEFAULT or DROP DEFAULT");
			}
		} else {
			return fail(p, "ADD, DROP, RENAME, MODIFY, CHANGE or ALTER");
		}
	} while (accept_punct(p, ','));
	if (p->t.type != T_END)
		return fail(p, "',' or the end of the statement");
	return AURMIG_OK;
}

static void free_action(action *a)
{
	free(a->name);
	free(a->new_name);
	aurmig__schema_free_column(&a->col);
	aurmig__schema_free_index(&a->idx);
	aurmig__schema_free_fkey(&a->fk);
	aurmig__strv_clear(&a->pk);
	free(a->dflt);
}

void aurmig__ddl_free(aurmig__ddl *op)
{
	if (!op)
		return;
	free(op->table);
	free(op->name);
	aurmig__schema_free_table(&op->def);
	aurmig__schema_free_index(&op->idx);
	for (size_t i = 0; i < op->nacts; i++)
		free_action(&op->acts[i]);
	free(op->acts);
	free(op);
}

static int parse(aurmig__ddl **out, aurmig_context *ctx, const char *sql, size_t len,
	const char *file, int line, int keep_names)
{
	parser p = { 0 };
	aurmig__ddl *op;
	int rc;

	*out = NULL;
	p.keep_names = keep_names;
	if (memchr(sql, '\0', len))   /* scripts cannot hold one; other callers might */
		return aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, file, line,
			"portable DDL: a NUL byte in the statement");
	p.ctx = ctx;
	p.sql = sql;
	p.len = len;
	p.line = line;
	p.file = file;
	next(&p);
	/* which statements are ours? */
	{
		parser look = p;
		int ours = 0;
		if (accept_kw(&look, "CREATE")) {
			(void)accept_kw(&look, "UNIQUE");
			ours = is_kw(&look, "TABLE") || is_kw(&look, "INDEX");
		} else if (accept_kw(&look, "DROP")) {
			ours = is_kw(&look, "TABLE") || is_kw(&look, "INDEX");
		} else if (accept_kw(&look, "ALTER") || accept_kw(&look, "RENAME")) {
			ours = is_kw(&look, "TABLE");
		}
		if (!ours)
			return AURMIG_OK;
	}
	if (!(op = aurmig__calloc(ctx, 1, sizeof(*op))))
		return AURMIG_ENOMEM;
	op->ctx = ctx;
	p.op = op;
	if (accept_kw(&p, "CREATE")) {
		int unique = accept_kw(&p, "UNIQUE");
		if (!unique && accept_kw(&p, "TABLE")) {
			op->kind = OP_CREATE_TABLE;
			rc = create_table(&p);
		} else {
			op->kind = OP_CREATE_INDEX;
			op->idx.unique = unique;
			if (!(rc = expect_kw(&p, "INDEX")) && !(rc = ident(&p, &op->name, "an index name")) &&
			    !(rc = expect_kw(&p, "ON")) && !(rc = ident(&p, &op->table, "a table name")) &&
			    !(rc = index_cols(&p, &op->idx)) && p.t.type != T_END)
				rc = fail(&p, "the end of the statement");
			if (!rc && !(op->idx.name = aurmig__strdup(ctx, op->name)))
				rc = AURMIG_ENOMEM;
		}
	} else if (accept_kw(&p, "DROP")) {
		if (accept_kw(&p, "TABLE")) {
			op->kind = OP_DROP_TABLE;
			if (accept_kw(&p, "IF")) {
				if ((rc = expect_kw(&p, "EXISTS")))
					goto done;
				op->if_exists = 1;
			}
			rc = ident(&p, &op->table, "a table name");
			if (!rc && is_punct(&p, ','))
				rc = refuse(&p, "drop one table per statement");
			else if (!rc && (is_kw(&p, "CASCADE") || is_kw(&p, "RESTRICT")))
				rc = refuse(&p, "not portable");
			else if (!rc && p.t.type != T_END)
				rc = fail(&p, "the end of the statement");
		} else {
			op->kind = OP_DROP_INDEX;
			(void)expect_kw(&p, "INDEX");
			if (!(rc = ident(&p, &op->name, "an index name"))) {
				if (!is_kw(&p, "ON"))
					rc = fail(&p, "ON <table> (MySQL needs the table of the index)");
				else {
					next(&p);
					if (!(rc = ident(&p, &op->table, "a table name")) && p.t.type != T_END)
						rc = fail(&p, "the end of the statement");
				}
			}
		}
	} else if (accept_kw(&p, "RENAME")) {
		op->kind = OP_RENAME_TABLE;
		if (!(rc = expect_kw(&p, "TABLE")) && !(rc = ident(&p, &op->table, "a table name")) &&
		    !(rc = expect_kw(&p, "TO")) && !(rc = ident(&p, &op->name, "the new table name"))) {
			if (is_punct(&p, ','))
				rc = refuse(&p, "rename one table per statement");
			else if (p.t.type != T_END)
				rc = fail(&p, "the end of the statement");
		}
	} else {
		(void)accept_kw(&p, "ALTER");
		op->kind = OP_ALTER;
		if (!(rc = expect_kw(&p, "TABLE")) && !(rc = ident(&p, &op->table, "a table name")))
			rc = alter_actions(&p);
	}
done:
	if (rc) {
		aurmig__ddl_free(op);
		return rc;
	}
	*out = op;
	return AURMIG_OK;
}

int aurmig__ddl_parse(aurmig__ddl **out, aurmig_context *ctx, const char *sql, size_t len,
	const char *file, int line)
{
	return parse(out, ctx, sql, len, file, line, 0);
}

/* ------------------------------------------------------------------ */
/* model: copies and changes                                           */

static int dup(aurmig_context *ctx, char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return AURMIG_OK;
	return (*dst = aurmig__strdup(ctx, src)) ? AURMIG_OK : AURMIG_ENOMEM;
}

static int copy_column(aurmig_context *ctx, scol *d, const scol *s)
{
	*d = *s;
	d->lent = 0;
	d->name = d->raw_type = d->type.text = d->default_value = d->on_update = d->charset = d->collation = NULL;
	if (dup(ctx, &d->name, s->name) || dup(ctx, &d->raw_type, s->raw_type) ||
	    dup(ctx, &d->type.text, s->type.text) || dup(ctx, &d->default_value, s->default_value) ||
	    dup(ctx, &d->on_update, s->on_update) || dup(ctx, &d->charset, s->charset) ||
	    dup(ctx, &d->collation, s->collation))
		return AURMIG_ENOMEM;
	return AURMIG_OK;
}

static int copy_index(aurmig_context *ctx, sindex *d, const sindex *s)
{
	*d = *s;
	d->name = NULL;
	d->cols = NULL;
	d->ncols = 0;
	if (dup(ctx, &d->name, s->name))
		return AURMIG_ENOMEM;
	if (s->ncols && !(d->cols = aurmig__calloc(ctx, s->ncols, sizeof(*d->cols))))
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < s->ncols; i++) {
		d->cols[i] = s->cols[i];
		d->cols[i].text = d->cols[i].name = d->cols[i].expr = NULL;
		d->ncols = i + 1;
		if (dup(ctx, &d->cols[i].text, s->cols[i].text) || dup(ctx, &d->cols[i].name, s->cols[i].name) ||
		    dup(ctx, &d->cols[i].expr, s->cols[i].expr))
			return AURMIG_ENOMEM;
	}
	return AURMIG_OK;
}

static int copy_fkey(aurmig_context *ctx, sfkey *d, const sfkey *s)
{
	memset(d, 0, sizeof(*d));
	d->on_delete = s->on_delete;
	d->on_update = s->on_update;
	if (dup(ctx, &d->name, s->name) || dup(ctx, &d->ref_table, s->ref_table) ||
	    aurmig__strv_copy(&d->columns, ctx, &s->columns) || aurmig__strv_copy(&d->ref_columns, ctx, &s->ref_columns))
		return AURMIG_ENOMEM;
	return AURMIG_OK;
}

static int copy_table(aurmig_context *ctx, stable *d, const stable *s)
{
	memset(d, 0, sizeof(*d));
	d->has_pk_index = s->has_pk_index;
	if (dup(ctx, &d->name, s->name) || dup(ctx, &d->charset, s->charset) || dup(ctx, &d->collation, s->collation) ||
	    aurmig__strv_copy(&d->pk, ctx, &s->pk))
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < s->ncols; i++) {
		scol *c = aurmig__schema_grow(ctx, (void **)&d->cols, &d->ncols, sizeof(*c));
		if (!c || copy_column(ctx, c, &s->cols[i]))
			return AURMIG_ENOMEM;
	}
	for (size_t i = 0; i < s->nidx; i++) {
		sindex *ix = aurmig__schema_grow(ctx, (void **)&d->idx, &d->nidx, sizeof(*ix));
		if (!ix || copy_index(ctx, ix, &s->idx[i]))
			return AURMIG_ENOMEM;
	}
	for (size_t i = 0; i < s->nfks; i++) {
		sfkey *fk = aurmig__schema_grow(ctx, (void **)&d->fks, &d->nfks, sizeof(*fk));
		if (!fk || copy_fkey(ctx, fk, &s->fks[i]))
			return AURMIG_ENOMEM;
	}
	return AURMIG_OK;
}

static stable *model_table(aurmig_schema *m, const char *name)
{
	for (size_t i = 0; m && i < m->ntables; i++)
		if (!strcmp(m->tables[i].name, name))
			return &m->tables[i];
	return NULL;
}

static long find_col(const stable *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i].name, name))
			return (long)i;
	return -1;
}

static long find_index(const stable *t, const char *name)
{
	for (size_t i = 0; i < t->nidx; i++)
		if (!strcmp(t->idx[i].name, name))
			return (long)i;
	return -1;
}

static long find_fkey(const stable *t, const char *name)
{
	for (size_t i = 0; i < t->nfks; i++)
		if (t->fks[i].name && !strcmp(t->fks[i].name, name))
			return (long)i;
	return -1;
}

static int index_has_col(const sindex *ix, const char *col)
{
	for (size_t i = 0; i < ix->ncols; i++)
		if (ix->cols[i].name && !strcmp(ix->cols[i].name, col))
			return 1;
	return 0;
}

/* Remove element k of an array of *n elements of size (already freed). */
static void remove_at(void *arr, size_t *n, size_t size, size_t k)
{
	char *a = arr;

	memmove(a + k * size, a + (k + 1) * size, (*n - k - 1) * size);
	(*n)--;
}

static int rename_in(aurmig_context *ctx, char **slot, const char *from, const char *to)
{
	char *d;

	if (!*slot || strcmp(*slot, from))
		return AURMIG_OK;
	if (!(d = aurmig__strdup(ctx, to)))
		return AURMIG_ENOMEM;
	free(*slot);
	*slot = d;
	return AURMIG_OK;
}

static int rename_icol(aurmig_context *ctx, aurmig__icol *ic, const char *from, const char *to)
{
	aurmig__buf b;
	char *text;

	if (!ic->name || strcmp(ic->name, from))
		return AURMIG_OK;
	if (rename_in(ctx, &ic->name, from, to))
		return AURMIG_ENOMEM;
	aurmig__buf_init(&b, ctx);
	aurmig__buf_puts(&b, ic->name);
	if (ic->prefix)
		aurmig__buf_printf(&b, "(%d)", ic->prefix);
	if (ic->desc)
		aurmig__buf_puts(&b, " DESC");
	if (!(text = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	free(ic->text);
	ic->text = text;
	return AURMIG_OK;
}

static int err_model(aurmig_context *ctx, const char *file, int line, const char *fmt, ...) AURMIG__PRINTF(4, 5);

/* The statement does not fit the schema it runs on. */
static int err_model(aurmig_context *ctx, const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return aurmig__err_at(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_SCRIPT, file, line, "portable DDL: %s", msg);
}

/* Rename column from -> to in t and in references to t from the model. */
static int rename_column(aurmig_context *ctx, aurmig_schema *m, stable *t, const char *from, const char *to)
{
	long k = find_col(t, from);

	if (k < 0)
		return AURMIG_OK;
	if (rename_in(ctx, &t->cols[k].name, from, to))
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < t->pk.n; i++)
		if (rename_in(ctx, &t->pk.v[i], from, to))
			return AURMIG_ENOMEM;
	for (size_t i = 0; i < t->nidx; i++)
		for (size_t j = 0; j < t->idx[i].ncols; j++)
			if (rename_icol(ctx, &t->idx[i].cols[j], from, to))
				return AURMIG_ENOMEM;
	for (size_t i = 0; i < t->nfks; i++)
		for (size_t j = 0; j < t->fks[i].columns.n; j++)
			if (rename_in(ctx, &t->fks[i].columns.v[j], from, to))
				return AURMIG_ENOMEM;
	for (size_t i = 0; m && i < m->ntables; i++)
		for (size_t f = 0; f < m->tables[i].nfks; f++) {
			sfkey *fk = &m->tables[i].fks[f];
			if (strcmp(fk->ref_table, t->name))
				continue;
			for (size_t j = 0; j < fk->ref_columns.n; j++)
				if (rename_in(ctx, &fk->ref_columns.v[j], from, to))
					return AURMIG_ENOMEM;
		}
	return AURMIG_OK;
}

/*
 * Apply one action to table t (a copy, or the model's own). src: for each
 * column of t, the column of the original table it is copied from ("" for
 * a new one), kept in step. m: the model, for references from other tables.
 */
static int apply_action(aurmig_context *ctx, aurmig_schema *m, stable *t, aurmig__strv *src, const action *a,
	const char *file, int line)
{
	long k;

	switch (a->kind) {
	case A_ADD_COLUMN: {
		scol *c;
		if (find_col(t, a->col.name) >= 0)
			return err_model(ctx, file, line, "table %s already has a column %s", t->name, a->col.name);
		if (!(c = aurmig__schema_grow(ctx, (void **)&t->cols, &t->ncols, sizeof(*c))))
			return AURMIG_ENOMEM;
		if (copy_column(ctx, c, &a->col))
			return AURMIG_ENOMEM;
		return src ? aurmig__strv_push(src, ctx, "") : AURMIG_OK;
	}
	case A_DROP_COLUMN:
		if ((k = find_col(t, a->name)) < 0)
			return err_model(ctx, file, line, "table %s has no column %s", t->name, a->name);
		aurmig__schema_free_column(&t->cols[k]);
		remove_at(t->cols, &t->ncols, sizeof(*t->cols), (size_t)k);
		if (src)
			aurmig__strv_remove_at(src, (size_t)k);
		/* indexes, keys and foreign keys with the column go with it */
		for (size_t i = t->nidx; i-- > 0;)
			if (index_has_col(&t->idx[i], a->name)) {
				aurmig__schema_free_index(&t->idx[i]);
				remove_at(t->idx, &t->nidx, sizeof(*t->idx), i);
			}
		for (size_t i = t->pk.n; i-- > 0;)
			if (!strcmp(t->pk.v[i], a->name))
				aurmig__strv_remove_at(&t->pk, i);
		for (size_t i = t->nfks; i-- > 0;)
			if (aurmig__strv_contains(&t->fks[i].columns, a->name)) {
				aurmig__schema_free_fkey(&t->fks[i]);
				remove_at(t->fks, &t->nfks, sizeof(*t->fks), i);
			}
		return AURMIG_OK;
	case A_RENAME_COLUMN:
		if (find_col(t, a->name) < 0)
			return err_model(ctx, file, line, "table %s has no column %s", t->name, a->name);
		if (find_col(t, a->new_name) >= 0)
			return err_model(ctx, file, line, "table %s already has a column %s", t->name, a->new_name);
		return rename_column(ctx, m, t, a->name, a->new_name);
	case A_MODIFY_COLUMN: {
		scol c;
		int rc;
		if ((k = find_col(t, a->name)) < 0)
			return err_model(ctx, file, line, "table %s has no column %s", t->name, a->name);
		if (strcmp(a->name, a->col.name)) {
			if (find_col(t, a->col.name) >= 0)
				return err_model(ctx, file, line, "table %s already has a column %s", t->name, a->col.name);
			if ((rc = rename_column(ctx, m, t, a->name, a->col.name)))
				return rc;
		}
		if (copy_column(ctx, &c, &a->col)) {
			aurmig__schema_free_column(&c);
			return AURMIG_ENOMEM;
		}
		if (aurmig__strv_contains(&t->pk, c.name))
			c.nullable = 0;
		aurmig__schema_free_column(&t->cols[k]);
		t->cols[k] = c;
		return AURMIG_OK;
	}
	case A_SET_DEFAULT:
	case A_DROP_DEFAULT: {
		char *d = NULL;
		if ((k = find_col(t, a->name)) < 0)
			return err_model(ctx, file, line, "table %s has no column %s", t->name, a->name);
		if (a->kind == A_SET_DEFAULT) {
			/* the value was read without the column's type: normalise again */
			int rc = aurmig__schema_norm_default(&d, ctx, AURMIG_DIALECT_SQLITE, &t->cols[k].type, a->dflt);
			if (rc)
				return rc;
		}
		free(t->cols[k].default_value);
		t->cols[k].default_value = d;
		return AURMIG_OK;
	}
	case A_ADD_INDEX: {
		sindex *ix;
		if (find_index(t, a->idx.name) >= 0)
			return err_model(ctx, file, line, "table %s already has an index %s", t->name, a->idx.name);
		for (size_t i = 0; i < a->idx.ncols; i++)
			if (find_col(t, a->idx.cols[i].name) < 0)
				return err_model(ctx, file, line, "table %s has no column %s", t->name, a->idx.cols[i].name);
		if (!(ix = aurmig__schema_grow(ctx, (void **)&t->idx, &t->nidx, sizeof(*ix))))
			return AURMIG_ENOMEM;
		return copy_index(ctx, ix, &a->idx);
	}
	case A_DROP_INDEX:
		if ((k = find_index(t, a->name)) < 0)
			return err_model(ctx, file, line, "table %s has no index %s", t->name, a->name);
		aurmig__schema_free_index(&t->idx[k]);
		remove_at(t->idx, &t->nidx, sizeof(*t->idx), (size_t)k);
		return AURMIG_OK;
	case A_ADD_FKEY: {
		sfkey *fk;
		for (size_t i = 0; i < a->fk.columns.n; i++)
			if (find_col(t, a->fk.columns.v[i]) < 0)
				return err_model(ctx, file, line, "table %s has no column %s", t->name, a->fk.columns.v[i]);
		if (!(fk = aurmig__schema_grow(ctx, (void **)&t->fks, &t->nfks, sizeof(*fk))))
			return AURMIG_ENOMEM;
		return copy_fkey(ctx, fk, &a->fk);
	}
	case A_DROP_FKEY:
		if ((k = find_fkey(t, a->name)) < 0)
			return err_model(ctx, file, line, "table %s has no foreign key named %s", t->name, a->name);
		aurmig__schema_free_fkey(&t->fks[k]);
		remove_at(t->fks, &t->nfks, sizeof(*t->fks), (size_t)k);
		return AURMIG_OK;
	case A_ADD_PK:
		if (t->pk.n)
			return err_model(ctx, file, line, "table %s already has a primary key", t->name);
		for (size_t i = 0; i < a->pk.n; i++) {
			if ((k = find_col(t, a->pk.v[i])) < 0)
				return err_model(ctx, file, line, "table %s has no column %s", t->name, a->pk.v[i]);
			t->cols[k].nullable = 0;
		}
		return aurmig__strv_copy(&t->pk, ctx, &a->pk);
	case A_DROP_PK:
		if (!t->pk.n)
			return err_model(ctx, file, line, "table %s has no primary key", t->name);
		aurmig__strv_clear(&t->pk);
		return AURMIG_OK;
	case A_RENAME_TABLE: {
		const char *old = t->name;
		char *n;
		if (model_table(m, a->new_name))
			return err_model(ctx, file, line, "there is a table %s already", a->new_name);
		if (!(n = aurmig__strdup(ctx, a->new_name)))
			return AURMIG_ENOMEM;
		for (size_t i = 0; m && i < m->ntables; i++)
			for (size_t f = 0; f < m->tables[i].nfks; f++)
				if (rename_in(ctx, &m->tables[i].fks[f].ref_table, old, n)) {
					free(n);
					return AURMIG_ENOMEM;
				}
		for (size_t f = 0; f < t->nfks; f++)
			if (rename_in(ctx, &t->fks[f].ref_table, old, n)) {
				free(n);
				return AURMIG_ENOMEM;
			}
		free(t->name);
		t->name = n;
		return AURMIG_OK;
	}
	default:
		return AURMIG_EINVALID;
	}
}

static int model_add_table(aurmig_schema *m, const stable *def)
{
	stable *t = aurmig__schema_grow(m->ctx, (void **)&m->tables, &m->ntables, sizeof(*t));

	if (!t)
		return AURMIG_ENOMEM;
	if (copy_table(m->ctx, t, def))
		return AURMIG_ENOMEM;
	return aurmig__schema_finish(m);
}

static void model_drop_table(aurmig_schema *m, const char *name)
{
	for (size_t i = 0; i < m->ntables; i++)
		if (!strcmp(m->tables[i].name, name)) {
			aurmig__schema_free_table(&m->tables[i]);
			remove_at(m->tables, &m->ntables, sizeof(*m->tables), i);
			return;
		}
}

int aurmig__ddl_is_create_table(const aurmig__ddl *op)
{
	return op && op->kind == OP_CREATE_TABLE;
}

int aurmig__ddl_is_portable_text(const char *text)
{
	static const char key[] = "-- aurmig:portable";
	size_t n = sizeof(key) - 1;

	return text && !strncmp(text, key, n) && (text[n] == '\n' || text[n] == '\r' || text[n] == ' ' || !text[n]);
}


int aurmig__ddl_model_new(aurmig_schema **out, aurmig_context *ctx, int dialect)
{
	aurmig_schema *s = aurmig__calloc(ctx, 1, sizeof(*s));

	*out = NULL;
	if (!s)
		return AURMIG_ENOMEM;
	s->ctx = aurmig__context_ref(ctx);
	s->dialect = dialect;
	*out = s;
	return AURMIG_OK;
}

/* ------------------------------------------------------------------ */
/* rendering                                                           */

typedef struct out {
	aurmig_context *ctx;
	aurmig__strv *v;
	int rc;
	int rebuilt;        /* a SQLite table rebuild was rendered */
	size_t fk_from;     /* CREATE TABLE: the ALTER TABLE ... ADD of its foreign keys start here */
} sink;

static void emit(sink *o, aurmig__buf *b)
{
	char *s = aurmig__buf_detach(b);

	if (!s) {
		o->rc = AURMIG_ENOMEM;
		return;
	}
	if (!o->rc)
		o->rc = aurmig__strv_push_own(o->v, o->ctx, s);
	else
		free(s);
}

static void put_id(aurmig__buf *b, int d, const char *n) { aurmig__schema_put_ident(b, d, n); }

static void put_create_index(aurmig__buf *b, int d, const char *table, const sindex *ix)
{
	aurmig__buf_printf(b, "CREATE %sINDEX ", ix->unique ? "UNIQUE " : "");
	put_id(b, d, ix->name);
	aurmig__buf_puts(b, " ON ");
	put_id(b, d, table);
	aurmig__buf_puts(b, " ");
	aurmig__schema_put_index_cols(b, d, ix);
}

/* A string literal holding an identifier as the dialect quotes it. */
static void put_ident_literal(aurmig__buf *b, int d, const char *name)
{
	aurmig__buf t;
	char *s;

	aurmig__buf_init(&t, b->ctx);
	put_id(&t, d, name);
	if (!(s = aurmig__buf_detach(&t))) {
		b->failed = 1;
		return;
	}
	aurmig__db_quote(b, d, s);
	free(s);
}

static void put_literal(aurmig__buf *b, int d, const char *s) { aurmig__db_quote(b, d, s); }

/* A column's definition for dialect (t: its table, for SQLite's rowid rule). */
static void put_coldef(aurmig__buf *b, int d, const stable *t, const scol *c)
{
	put_id(b, d, c->name);
	aurmig__buf_puts(b, " ");
	aurmig__schema_put_column_def(b, d, t, c);
}

static int check_sqlite_table(aurmig_context *ctx, const stable *t, const char *file, int line)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i].auto_increment && !(t->pk.n == 1 && !strcmp(t->pk.v[0], t->cols[i].name)))
			return aurmig__err_at(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_SCRIPT, file, line,
				"portable DDL: on SQLite an AUTO_INCREMENT column (%s.%s) must be the table's "
				"whole primary key", t->name, t->cols[i].name);
	return AURMIG_OK;
}

static void render_create_table(sink *o, int d, const stable *t)
{
	aurmig__buf b;

	aurmig__buf_init(&b, o->ctx);
	aurmig__schema_put_table(&b, d, t);
	emit(o, &b);
	if (d != AURMIG_DIALECT_MYSQL)
		for (size_t i = 0; i < t->nidx; i++) {
			if (t->idx[i].auto_named)
				continue;
			aurmig__buf_init(&b, o->ctx);
			put_create_index(&b, d, t->name, &t->idx[i]);
			emit(o, &b);
		}
	o->fk_from = o->v->n;
	if (d != AURMIG_DIALECT_SQLITE)
		for (size_t i = 0; i < t->nfks; i++) {
			aurmig__buf_init(&b, o->ctx);
			aurmig__buf_puts(&b, "ALTER TABLE ");
			put_id(&b, d, t->name);
			aurmig__buf_puts(&b, " ADD ");
			aurmig__schema_put_fkey(&b, d, &t->fks[i]);
			emit(o, &b);
		}
}

static void render_drop_index(sink *o, int d, const char *table, const char *name)
{
	aurmig__buf b;

	aurmig__buf_init(&b, o->ctx);
	if (d == AURMIG_DIALECT_PGSQL) {
		/* a unique constraint's index goes with the constraint */
		aurmig__buf_puts(&b, "DO $aurmig$ BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ");
		put_ident_literal(&b, d, table);
		aurmig__buf_puts(&b, "::regclass AND conname = ");
		put_literal(&b, d, name);
		aurmig__buf_puts(&b, ") THEN ALTER TABLE ");
		put_id(&b, d, table);
		aurmig__buf_puts(&b, " DROP CONSTRAINT ");
		put_id(&b, d, name);
		aurmig__buf_puts(&b, "; ELSE DROP INDEX ");
		put_id(&b, d, name);
		aurmig__buf_puts(&b, "; END IF; END $aurmig$");
	} else {
		aurmig__buf_puts(&b, "DROP INDEX ");
		put_id(&b, d, name);
		if (d == AURMIG_DIALECT_MYSQL) {
			aurmig__buf_puts(&b, " ON ");
			put_id(&b, d, table);
		}
	}
	emit(o, &b);
}

static void put_pk_list(aurmig__buf *b, int d, const aurmig__strv *pk)
{
	aurmig__buf_puts(b, "ADD PRIMARY KEY (");
	for (size_t k = 0; k < pk->n; k++) {
		if (k)
			aurmig__buf_puts(b, ", ");
		put_id(b, d, pk->v[k]);
	}
	aurmig__buf_puts(b, ")");
}

/* The clause of an action that MySQL and PostgreSQL spell alike; 0 (and
 * nothing written) for the others. */
static int put_common_clause(aurmig__buf *b, int d, const action *a)
{
	stable none = { 0 };

	switch (a->kind) {
	case A_ADD_COLUMN:
		aurmig__buf_puts(b, "ADD COLUMN ");
		put_coldef(b, d, &none, &a->col);
		return 1;
	case A_DROP_COLUMN:
		aurmig__buf_puts(b, "DROP COLUMN ");
		put_id(b, d, a->name);
		return 1;
	case A_RENAME_COLUMN:
		aurmig__buf_puts(b, "RENAME COLUMN ");
		put_id(b, d, a->name);
		aurmig__buf_puts(b, " TO ");
		put_id(b, d, a->new_name);
		return 1;
	case A_SET_DEFAULT:
	case A_DROP_DEFAULT:
		aurmig__buf_puts(b, "ALTER COLUMN ");
		put_id(b, d, a->name);
		if (a->kind == A_SET_DEFAULT) {
			aurmig__buf_puts(b, " SET DEFAULT ");
			aurmig__schema_put_default(b, d, a->dflt);
		} else {
			aurmig__buf_puts(b, " DROP DEFAULT");
		}
		return 1;
	case A_ADD_FKEY:
		aurmig__buf_puts(b, "ADD ");
		aurmig__schema_put_fkey(b, d, &a->fk);
		return 1;
	case A_ADD_PK:
		put_pk_list(b, d, &a->pk);
		return 1;
	case A_RENAME_TABLE:
		aurmig__buf_puts(b, "RENAME TO ");
		put_id(b, d, a->new_name);
		return 1;
	default:
		return 0;
	}
}

/* MySQL: the whole ALTER TABLE as one statement. */
static void render_alter_mysql(sink *o, const aurmig__ddl *op)
{
	const int d = AURMIG_DIALECT_MYSQL;
	aurmig__buf b;
	stable none = { 0 };

	aurmig__buf_init(&b, o->ctx);
	aurmig__buf_puts(&b, "ALTER TABLE ");
	put_id(&b, d, op->table);
	for (size_t i = 0; i < op->nacts; i++) {
		const action *a = &op->acts[i];
		aurmig__buf_puts(&b, i ? ", " : " ");
		if (put_common_clause(&b, d, a))
			continue;
		switch (a->kind) {
		case A_MODIFY_COLUMN:
			aurmig__buf_puts(&b, "CHANGE COLUMN ");
			put_id(&b, d, a->name);
			aurmig__buf_puts(&b, " ");
			put_coldef(&b, d, &none, &a->col);
			break;
		case A_ADD_INDEX:
			aurmig__buf_puts(&b, a->idx.unique ? "ADD UNIQUE KEY " : "ADD KEY ");
			put_id(&b, d, a->idx.name);
			aurmig__buf_puts(&b, " ");
			aurmig__schema_put_index_cols(&b, d, &a->idx);
			break;
		case A_DROP_INDEX:
			aurmig__buf_puts(&b, "DROP INDEX ");
			put_id(&b, d, a->name);
			break;
		case A_DROP_FKEY:
			/* and the index InnoDB made for the key, if it made one (MariaDB's
			 * IF EXISTS): no other backend keeps one */
			aurmig__buf_puts(&b, "DROP FOREIGN KEY ");
			put_id(&b, d, a->name);
			aurmig__buf_puts(&b, ", DROP INDEX IF EXISTS ");
			put_id(&b, d, a->name);
			break;
		case A_DROP_PK:
			aurmig__buf_puts(&b, "DROP PRIMARY KEY");
			break;
		default:
			break;
		}
	}
	emit(o, &b);
}

static void pg_alter_prefix(aurmig__buf *b, const char *table)
{
	aurmig__buf_puts(b, "ALTER TABLE ");
	put_id(b, AURMIG_DIALECT_PGSQL, table);
	aurmig__buf_puts(b, " ");
}

/* PostgreSQL: a statement per action (RENAME cannot share one). */
static void render_alter_pgsql(sink *o, const aurmig__ddl *op)
{
	const int d = AURMIG_DIALECT_PGSQL;
	const char *table = op->table;
	aurmig__buf b;

	for (size_t i = 0; i < op->nacts && !o->rc; i++) {
		const action *a = &op->acts[i];
		aurmig__buf_init(&b, o->ctx);
		switch (a->kind) {
		case A_MODIFY_COLUMN: {
			const scol *c = &a->col;
			scol plain = *c;
			if (strcmp(a->name, c->name)) {
				pg_alter_prefix(&b, table);
				aurmig__buf_puts(&b, "RENAME COLUMN ");
				put_id(&b, d, a->name);
				aurmig__buf_puts(&b, " TO ");
				put_id(&b, d, c->name);
				emit(o, &b);
				aurmig__buf_init(&b, o->ctx);
			}
			plain.auto_increment = 0;   /* the type, not serial */
			pg_alter_prefix(&b, table);
			aurmig__buf_puts(&b, "ALTER COLUMN ");
			put_id(&b, d, c->name);
			aurmig__buf_puts(&b, " TYPE ");
			aurmig__schema_put_type(&b, d, &plain);
			aurmig__buf_puts(&b, " USING ");
			put_id(&b, d, c->name);
			aurmig__buf_puts(&b, "::");
			aurmig__schema_put_type(&b, d, &plain);
			aurmig__buf_puts(&b, ", ALTER COLUMN ");
			put_id(&b, d, c->name);
			aurmig__buf_puts(&b, c->nullable ? " DROP NOT NULL" : " SET NOT NULL");
			if (!c->auto_increment) {
				aurmig__buf_puts(&b, ", ALTER COLUMN ");
				put_id(&b, d, c->name);
				if (c->default_value) {
					aurmig__buf_puts(&b, " SET DEFAULT ");
					aurmig__schema_put_default(&b, d, c->default_value);
				} else {
					aurmig__buf_puts(&b, " DROP DEFAULT");
				}
			}
			break;
		}
		case A_ADD_INDEX:
			put_create_index(&b, d, table, &a->idx);
			break;
		case A_DROP_INDEX:
			aurmig__buf_dispose(&b);
			render_drop_index(o, d, table, a->name);
			continue;
		case A_DROP_FKEY:
			pg_alter_prefix(&b, table);
			aurmig__buf_puts(&b, "DROP CONSTRAINT ");
			put_id(&b, d, a->name);
			break;
		case A_DROP_PK:
			/* the key's name depends on the table's history: look it up */
			aurmig__buf_puts(&b, "DO $aurmig$ DECLARE n name; BEGIN SELECT conname INTO n FROM pg_constraint "
				"WHERE conrelid = ");
			put_ident_literal(&b, d, table);
			aurmig__buf_puts(&b, "::regclass AND contype = 'p'; IF n IS NOT NULL THEN "
				"EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', ");
			put_literal(&b, d, table);
			aurmig__buf_puts(&b, ", n); END IF; END $aurmig$");
			break;
		default:
			pg_alter_prefix(&b, table);
			(void)put_common_clause(&b, d, a);
			if (a->kind == A_RENAME_TABLE)
				table = a->new_name;
			break;
		}
		emit(o, &b);
	}
}

/* Can SQLite's own ALTER TABLE do this action on t? */
static int sqlite_native(const stable *t, const action *a)
{
	switch (a->kind) {
	case A_ADD_COLUMN: {
		const scol *c = &a->col;
		const char *dv = c->default_value;
		if (c->auto_increment)
			return 0;
		if (dv && !(dv[0] == '\'' || isdigit((unsigned char)dv[0]) || dv[0] == '-' ||
			    !strcmp(dv, "TRUE") || !strcmp(dv, "FALSE")))
			return 0;   /* SQLite adds no column with an expression default */
		return c->nullable || dv;
	}
	case A_DROP_COLUMN: {
		long k = find_col(t, a->name);
		if (k < 0 || aurmig__strv_contains(&t->pk, a->name))
			return 0;
		for (size_t i = 0; i < t->nidx; i++)
			if (index_has_col(&t->idx[i], a->name))
				return 0;
		for (size_t i = 0; i < t->nfks; i++)
			if (aurmig__strv_contains(&t->fks[i].columns, a->name))
				return 0;
		return 1;
	}
	case A_RENAME_COLUMN:
	case A_RENAME_TABLE:
	case A_ADD_INDEX:
		return 1;
	case A_DROP_INDEX: {
		long k = find_index(t, a->name);
		return k >= 0 && !t->idx[k].auto_named;
	}
	default:
		return 0;
	}
}

static void render_sqlite_native(sink *o, const stable *t, const action *a)
{
	const int d = AURMIG_DIALECT_SQLITE;
	aurmig__buf b;

	aurmig__buf_init(&b, o->ctx);
	switch (a->kind) {
	case A_ADD_INDEX:
		put_create_index(&b, d, t->name, &a->idx);
		break;
	case A_DROP_INDEX:
		aurmig__buf_puts(&b, "DROP INDEX ");
		put_id(&b, d, a->name);
		break;
	default:
		aurmig__buf_puts(&b, "ALTER TABLE ");
		put_id(&b, d, t->name);
		if (a->kind == A_ADD_COLUMN) {
			aurmig__buf_puts(&b, " ADD COLUMN ");
			put_coldef(&b, d, t, &a->col);
		} else if (a->kind == A_DROP_COLUMN) {
			aurmig__buf_puts(&b, " DROP COLUMN ");
			put_id(&b, d, a->name);
		} else if (a->kind == A_RENAME_COLUMN) {
			aurmig__buf_puts(&b, " RENAME COLUMN ");
			put_id(&b, d, a->name);
			aurmig__buf_puts(&b, " TO ");
			put_id(&b, d, a->new_name);
		} else {
			aurmig__buf_puts(&b, " RENAME TO ");
			put_id(&b, d, a->new_name);
		}
		break;
	}
	emit(o, &b);
}

#define REBUILD_PREFIX "_aurmig_new_"

/* The rebuild of table `old_name` (whose definition was `before`) into
 * `after`; src: the source column of each column of after. */
static void render_rebuild(sink *o, const stable *after, const aurmig__strv *src, const char *old_name, int src_dialect)
{
	const int d = AURMIG_DIALECT_SQLITE;
	stable tmp = *after;
	aurmig__buf b;
	char *tmpname = aurmig__printf(o->ctx, REBUILD_PREFIX "%s", after->name);
	int first = 1;

	if (!tmpname) {
		o->rc = AURMIG_ENOMEM;
		return;
	}
	tmp.name = tmpname;
	/* unnamed UNIQUE constraints (sqlite_autoindex_*) stay inside the
	 * table; named indexes are made after the rename */
	aurmig__buf_init(&b, o->ctx);
	aurmig__schema_put_table_from(&b, d, src_dialect, &tmp);
	emit(o, &b);
	aurmig__buf_init(&b, o->ctx);
	aurmig__buf_puts(&b, "INSERT INTO ");
	put_id(&b, d, tmpname);
	aurmig__buf_puts(&b, " (");
	for (size_t i = 0; i < after->ncols; i++) {
		if (!*src->v[i])
			continue;
		if (!first)
			aurmig__buf_puts(&b, ", ");
		first = 0;
		put_id(&b, d, after->cols[i].name);
	}
	aurmig__buf_puts(&b, ") SELECT ");
	first = 1;
	for (size_t i = 0; i < after->ncols; i++) {
		if (!*src->v[i])
			continue;
		if (!first)
			aurmig__buf_puts(&b, ", ");
		first = 0;
		put_id(&b, d, src->v[i]);
	}
	aurmig__buf_puts(&b, " FROM ");
	put_id(&b, d, old_name);
	if (first)
		aurmig__buf_dispose(&b);   /* no column survives: nothing to copy */
	else
		emit(o, &b);
	aurmig__buf_init(&b, o->ctx);
	aurmig__buf_puts(&b, "DROP TABLE ");
	put_id(&b, d, old_name);
	emit(o, &b);
	/* legacy_alter_table: the rename must not rewrite (or check) the
	 * references of other tables, views and triggers to the dropped name */
	aurmig__buf_init(&b, o->ctx);
	aurmig__buf_puts(&b, "PRAGMA legacy_alter_table = ON");
	emit(o, &b);
	aurmig__buf_init(&b, o->ctx);
	aurmig__buf_puts(&b, "ALTER TABLE ");
	put_id(&b, d, tmpname);
	aurmig__buf_puts(&b, " RENAME TO ");
	put_id(&b, d, after->name);
	emit(o, &b);
	aurmig__buf_init(&b, o->ctx);
	aurmig__buf_puts(&b, "PRAGMA legacy_alter_table = OFF");
	emit(o, &b);
	for (size_t i = 0; i < after->nidx; i++) {
		if (after->idx[i].auto_named)
			continue;
		aurmig__buf_init(&b, o->ctx);
		put_create_index(&b, d, after->name, &after->idx[i]);
		emit(o, &b);
	}
	free(tmpname);
}

static int no_table(aurmig_context *ctx, const char *file, int line, const char *table)
{
	return aurmig__err_at(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_SCRIPT, file, line,
		"portable DDL: SQLite needs the definition of table %s to alter it, and there is no such table "
		"(offline SQL knows only the tables made by portable DDL earlier in its output)", table);
}

/* Can SQLite do every action of op without knowing the table's definition? */
static int sqlite_blind_ok(const aurmig__ddl *op)
{
	const stable none = { 0 };

	if (op->kind != OP_ALTER)
		return 0;
	for (size_t i = 0; i < op->nacts; i++) {
		int k = op->acts[i].kind;
		if (!(k == A_RENAME_COLUMN || k == A_RENAME_TABLE || k == A_ADD_INDEX ||
		      (k == A_ADD_COLUMN && sqlite_native(&none, &op->acts[i]))))
			return 0;
	}
	return 1;
}

/* Without the table's definition (offline, a table made by other SQL; or
 * online, actions that need none): SQLite's own ALTER only. */
static int render_alter_sqlite_blind(sink *o, const aurmig__ddl *op, const char *file, int line)
{
	stable t = { 0 };

	if (!sqlite_blind_ok(op))
		return no_table(o->ctx, file, line, op->table);
	t.name = op->table;
	for (size_t i = 0; i < op->nacts && !o->rc; i++) {
		render_sqlite_native(o, &t, &op->acts[i]);
		if (op->acts[i].kind == A_RENAME_TABLE)
			t.name = op->acts[i].new_name;
	}
	return o->rc;
}

/* SQLite: native actions where possible, consecutive others as one rebuild. */
static int render_alter_sqlite(sink *o, const aurmig__ddl *op, aurmig_schema *m, const char *file, int line)
{
	aurmig_context *ctx = o->ctx;
	stable *t = model_table(m, op->table);
	stable work = { 0 };
	aurmig__strv src = { 0 };
	char *old_name = NULL;
	int rebuilding = 0, rc = AURMIG_OK;

	if (!t)
		return render_alter_sqlite_blind(o, op, file, line);
	for (size_t i = 0; i <= op->nacts && !rc && !o->rc; i++) {
		const action *a = i < op->nacts ? &op->acts[i] : NULL;
		int native = a && !rebuilding && sqlite_native(t, a);
		if (rebuilding && (!a || sqlite_native(&work, a))) {
			/* flush the rebuild */
			if (!(rc = check_sqlite_table(ctx, &work, file, line))) {
				render_rebuild(o, &work, &src, old_name, m ? m->dialect : AURMIG_DIALECT_ANY);
				o->rebuilt = 1;
				aurmig__schema_free_table(t);
				*t = work;
				memset(&work, 0, sizeof(work));
			}
			aurmig__strv_clear(&src);
			free(old_name);
			old_name = NULL;
			rebuilding = 0;
			if (!a || rc)
				break;
			native = 1;
		}
		if (!a)
			break;
		if (native) {
			render_sqlite_native(o, t, a);
			rc = apply_action(ctx, m, t, NULL, a, file, line);
			continue;
		}
		if (!rebuilding) {
			if ((rc = copy_table(ctx, &work, t)) || !(old_name = aurmig__strdup(ctx, t->name))) {
				rc = rc ? rc : AURMIG_ENOMEM;
				break;
			}
			for (size_t k = 0; k < t->ncols && !rc; k++)
				rc = aurmig__strv_push(&src, ctx, t->cols[k].name);
			rebuilding = 1;
		}
		if (!rc)
			rc = apply_action(ctx, m, &work, &src, a, file, line);
	}
	aurmig__schema_free_table(&work);
	aurmig__strv_clear(&src);
	free(old_name);
	if (!rc && m)
		rc = aurmig__schema_finish(m);
	return o->rc == AURMIG_ENOMEM ? o->rc : rc ? rc : o->rc;   /* memory first */
}

static int render(sink *so, const aurmig__ddl *op, int dialect, aurmig_schema *m, const char *file, int line);

int aurmig__ddl_render(aurmig__strv *v, const aurmig__ddl *op, int dialect, aurmig_schema *m,
	const char *file, int line)
{
	sink o = { op->ctx, v, AURMIG_OK, 0, 0 };

	return render(&o, op, dialect, m, file, line);
}

/* Render into so (which also says what was rendered: a rebuild, where the
 * foreign keys of a CREATE TABLE start). */
static int render(sink *so, const aurmig__ddl *op, int dialect, aurmig_schema *m, const char *file, int line)
{
	aurmig_context *ctx = op->ctx;
	aurmig__buf b;
	int rc = AURMIG_OK;

	switch (op->kind) {
	case OP_CREATE_TABLE:
		if (dialect == AURMIG_DIALECT_SQLITE && (rc = check_sqlite_table(ctx, &op->def, file, line)))
			return rc;
		if (m && model_table(m, op->table))
			return err_model(ctx, file, line, "there is a table %s already", op->table);
		render_create_table(so, dialect, &op->def);
		if (!so->rc && m)
			rc = model_add_table(m, &op->def);
		break;
	case OP_DROP_TABLE:
		aurmig__buf_init(&b, ctx);
		aurmig__buf_puts(&b, op->if_exists ? "DROP TABLE IF EXISTS " : "DROP TABLE ");
		put_id(&b, dialect, op->table);
		emit(so, &b);
		if (m)
			model_drop_table(m, op->table);
		break;
	case OP_RENAME_TABLE: {
		action a = { 0 };
		stable *t = m ? model_table(m, op->table) : NULL;
		aurmig__buf_init(&b, ctx);
		if (dialect == AURMIG_DIALECT_MYSQL) {
			aurmig__buf_puts(&b, "RENAME TABLE ");
			put_id(&b, dialect, op->table);
			aurmig__buf_puts(&b, " TO ");
		} else {
			aurmig__buf_puts(&b, "ALTER TABLE ");
			put_id(&b, dialect, op->table);
			aurmig__buf_puts(&b, " RENAME TO ");
		}
		put_id(&b, dialect, op->name);
		emit(so, &b);
		a.kind = A_RENAME_TABLE;
		a.new_name = op->name;
		if (t && !so->rc && !(rc = apply_action(ctx, m, t, NULL, &a, file, line)))
			rc = aurmig__schema_finish(m);
		break;
	}
	case OP_CREATE_INDEX: {
		stable *t = m ? model_table(m, op->table) : NULL;
		aurmig__buf_init(&b, ctx);
		put_create_index(&b, dialect, op->table, &op->idx);
		emit(so, &b);
		if (t && !so->rc) {
			action a = { 0 };
			a.kind = A_ADD_INDEX;
			a.idx = op->idx;
			if (!(rc = apply_action(ctx, m, t, NULL, &a, file, line)))
				rc = aurmig__schema_finish(m);
		}
		break;
	}
	case OP_DROP_INDEX:
		if (dialect == AURMIG_DIALECT_SQLITE && m && model_table(m, op->table)) {
			/* an unnamed UNIQUE constraint of SQLite needs a rebuild */
			aurmig__ddl alter = *op;
			action a = { 0 };
			a.kind = A_DROP_INDEX;
			a.name = op->name;
			alter.kind = OP_ALTER;
			alter.acts = &a;
			alter.nacts = 1;
			return render_alter_sqlite(so, &alter, m, file, line);
		}
		render_drop_index(so, dialect, op->table, op->name);
		break;
	case OP_ALTER:
		if (dialect == AURMIG_DIALECT_MYSQL)
			render_alter_mysql(so, op);
		else if (dialect == AURMIG_DIALECT_PGSQL)
			render_alter_pgsql(so, op);
		else
			return render_alter_sqlite(so, op, m, file, line);
		if (m && !so->rc) {
			stable *t = model_table(m, op->table);
			for (size_t i = 0; t && i < op->nacts && !rc; i++)
				rc = apply_action(ctx, m, t, NULL, &op->acts[i], file, line);
			if (t && !rc)
				rc = aurmig__schema_finish(m);
		}
		break;
	default:
		return AURMIG_EINVALID;
	}
	return so->rc == AURMIG_ENOMEM ? so->rc : rc ? rc : so->rc;   /* memory first */
}

/* ------------------------------------------------------------------ */
/* running on a live connection                                        */

/* SQLite keeps no foreign-key names in its catalogue; read them from the
 * table's CREATE TABLE text when it parses as portable DDL. */
static void sqlite_fkey_names(aurmig_conn *c, aurmig_schema *m)
{
	aurmig__strv v = { 0 };
	size_t ncols = 0;

	c->ctx->err_hold++;
	if (c->ops->query_cells(c, "SELECT name, sql FROM sqlite_master WHERE type = 'table'", &v, &ncols) ||
	    ncols != 2)
		goto done;
	for (size_t i = 0; i + 1 < v.n; i += 2) {
		stable *t = model_table(m, v.v[i]);
		aurmig__ddl *op = NULL;
		if (!t || !t->nfks)
			continue;
		if (parse(&op, c->ctx, v.v[i + 1], strlen(v.v[i + 1]), NULL, 1, 1) || !op ||
		    op->kind != OP_CREATE_TABLE) {
			aurmig__ddl_free(op);
			continue;
		}
		for (size_t f = 0; f < t->nfks; f++) {
			for (size_t g = 0; g < op->def.nfks; g++) {
				const sfkey *x = &op->def.fks[g];
				int same = x->columns.n == t->fks[f].columns.n && !strcmp(x->ref_table, t->fks[f].ref_table);
				for (size_t k = 0; same && k < x->columns.n; k++)
					same = !strcmp(x->columns.v[k], t->fks[f].columns.v[k]);
				if (same && x->name && !t->fks[f].name) {
					t->fks[f].name = aurmig__strdup(c->ctx, x->name);
					break;
				}
			}
		}
		aurmig__ddl_free(op);
	}
done:
	c->ctx->err_hold--;
	aurmig__strv_clear(&v);
}

/* Foreign-key violations involving table (as child or parent). */
static int sqlite_fk_check(aurmig_conn *c, const char *table, const char *file, int line)
{
	aurmig__strv v = { 0 };
	size_t ncols = 0;
	int rc = c->ops->query_cells(c, "SELECT \"table\", parent FROM pragma_foreign_key_check", &v, &ncols);

	for (size_t i = 0; !rc && ncols == 2 && i + 1 < v.n; i += 2)
		if (!strcmp(v.v[i], table) || !strcmp(v.v[i + 1], table)) {
			rc = aurmig__err_at(c->ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB, file, line,
				"portable DDL: after rebuilding table %s, rows of %s break a foreign key to %s "
				"(PRAGMA foreign_key_check)", table, v.v[i], v.v[i + 1]);
			break;
		}
	aurmig__strv_clear(&v);
	return rc;
}

static int exec_all(aurmig_conn *c, const aurmig__strv *v)
{
	for (size_t i = 0; i < v->n; i++) {
		int rc = c->ops->exec(c, v->v[i], NULL);
		if (rc)
			return rc;
	}
	return AURMIG_OK;
}

int aurmig__ddl_run_declared(aurmig_conn *c, const char *stmt, size_t len, int portable, const char *file, int line,
	aurmig__strv *later)
{
	aurmig__ddl *op = NULL;
	aurmig__strv v = { 0 };
	char *one;
	int rc;

	if (portable && (rc = aurmig__ddl_parse(&op, c->ctx, stmt, len, file, line)))
		return rc;
	if (!op) {
		if (!(one = aurmig__strndup(c->ctx, stmt, len)))
			return AURMIG_ENOMEM;
		rc = c->ops->exec(c, one, NULL);
		free(one);
		return rc;
	}
	if (c->dialect != AURMIG_DIALECT_SQLITE && op->kind == OP_CREATE_TABLE) {
		sink o = { c->ctx, &v, AURMIG_OK, 0, 0 };
		rc = render(&o, op, c->dialect, NULL, file, line);
		for (size_t k = 0; !rc && k < v.n; k++)
			rc = k >= o.fk_from ? aurmig__strv_push(later, c->ctx, v.v[k]) : c->ops->exec(c, v.v[k], NULL);
		aurmig__strv_clear(&v);
	} else {
		rc = aurmig__ddl_exec(c, op, file, line);
	}
	aurmig__ddl_free(op);
	return rc;
}

int aurmig__ddl_exec(aurmig_conn *c, const aurmig__ddl *op, const char *file, int line)
{
	aurmig__strv v = { 0 }, trig = { 0 };
	aurmig_schema *m = NULL;
	int rc, rebuild = 0, savepoint = 0;

	/* only SQLite's ALTER TABLE (and DROP INDEX: a UNIQUE constraint's
	 * index needs a rebuild) may need the table's definition */
	if (c->dialect != AURMIG_DIALECT_SQLITE || (op->kind != OP_ALTER && op->kind != OP_DROP_INDEX) ||
	    sqlite_blind_ok(op)) {
		rc = aurmig__ddl_render(&v, op, c->dialect, NULL, file, line);
		if (!rc)
			rc = exec_all(c, &v);
		aurmig__strv_clear(&v);
		return rc;
	}
	if ((rc = aurmig_schema_read(&m, c)))
		return rc;
	sqlite_fkey_names(c, m);
	{
		sink o = { c->ctx, &v, AURMIG_OK, 0, 0 };
		if ((rc = render(&o, op, c->dialect, m, file, line)))
			goto done;
		rebuild = o.rebuilt;
	}
	if (rebuild) {
		aurmig__strv fk = { 0 }, rows = { 0 };
		size_t ncols = 0;
		/* foreign keys ON would delete or refuse rows on DROP TABLE */
		if ((rc = c->ops->query(c, "SELECT foreign_keys FROM pragma_foreign_keys", &fk)))
			goto done;
		if (fk.n && !strcmp(fk.v[0], "1")) {
			aurmig__strv_clear(&fk);
			rc = aurmig__err_at(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_SCRIPT, file, line,
				"portable DDL: rebuilding table %s needs PRAGMA foreign_keys = OFF on this connection",
				op->table);
			goto done;
		}
		aurmig__strv_clear(&fk);
		/* the table's triggers go with DROP TABLE: keep their SQL */
		if ((rc = c->ops->query_cells(c, "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'",
			&rows, &ncols)))
			goto done;
		for (size_t i = 0; !rc && ncols == 2 && i + 1 < rows.n; i += 2)
			if (!strcmp(rows.v[i], op->table) && *rows.v[i + 1])
				rc = aurmig__strv_push(&trig, c->ctx, rows.v[i + 1]);
		aurmig__strv_clear(&rows);
		if (rc)
			goto done;
		if (!c->in_tx) {
			if ((rc = c->ops->exec(c, "SAVEPOINT aurmig_rebuild", NULL)))
				goto done;
			savepoint = 1;
		}
	}
	rc = exec_all(c, &v);
	if (!rc && rebuild) {
		const char *table = op->table;
		for (size_t i = 0; i < op->nacts; i++)
			if (op->acts[i].kind == A_RENAME_TABLE)
				table = op->acts[i].new_name;
		rc = exec_all(c, &trig);
		if (!rc)
			rc = sqlite_fk_check(c, table, file, line);
	}
	if (rc && rebuild) {
		/* a pragma outlives a rollback: switch it back */
		c->ctx->err_hold++;
		(void)c->ops->exec(c, "PRAGMA legacy_alter_table = OFF", NULL);
		c->ctx->err_hold--;
	}
	if (savepoint) {
		if (rc) {
			c->ctx->err_hold++;
			(void)c->ops->exec(c, "ROLLBACK TO aurmig_rebuild", NULL);
			(void)c->ops->exec(c, "RELEASE aurmig_rebuild", NULL);
			c->ctx->err_hold--;
		} else {
			rc = c->ops->exec(c, "RELEASE aurmig_rebuild", NULL);
		}
	}
done:
	aurmig__strv_clear(&v);
	aurmig__strv_clear(&trig);
	aurmig_schema_free(m);
	return rc;
}

/* ------------------------------------------------------------------ */
/* generating: the portable DDL from one schema to another             */

static void gen_coldef(aurmig__buf *b, const stable *t, const scol *c)
{
	put_id(b, AURMIG_DIALECT_ANY, c->name);
	aurmig__buf_puts(b, " ");
	aurmig__schema_put_column_def(b, AURMIG_DIALECT_ANY, t, c);
}

/* out: marked failed when the comparison ran out of memory */
static int same_coldef(aurmig__buf *out, const stable *ta, const scol *a, const stable *tb, const scol *b)
{
	aurmig__buf x, y;
	int same;

	aurmig__buf_init(&x, out->ctx);
	aurmig__buf_init(&y, out->ctx);
	gen_coldef(&x, ta, a);
	gen_coldef(&y, tb, b);
	if (x.failed || y.failed || !x.p || !y.p)
		out->failed = 1;
	same = x.p && y.p && !strcmp(x.p, y.p);
	aurmig__buf_dispose(&x);
	aurmig__buf_dispose(&y);
	return same;
}

static int same_index(const sindex *a, const sindex *b)
{
	if (a->unique != b->unique || a->ncols != b->ncols)
		return 0;
	for (size_t i = 0; i < a->ncols; i++)
		if (strcmp(a->cols[i].text, b->cols[i].text))
			return 0;
	return 1;
}

static int strv_eq(const aurmig__strv *a, const aurmig__strv *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return 0;
	return 1;
}

static int same_fkey(const sfkey *a, const sfkey *b)
{
	return strv_eq(&a->columns, &b->columns) && !strcmp(a->ref_table, b->ref_table) &&
		strv_eq(&a->ref_columns, &b->ref_columns) && !strcmp(a->on_delete, b->on_delete) &&
		!strcmp(a->on_update, b->on_update);
}

/* The counterpart of fk in t: by name when both have one, else by columns and reference. */
static const sfkey *match_fkey(const stable *t, const sfkey *fk)
{
	for (size_t i = 0; i < t->nfks; i++) {
		const sfkey *o = &t->fks[i];
		if (fk->name && o->name ? !strcmp(fk->name, o->name) :
		    strv_eq(&fk->columns, &o->columns) && !strcmp(fk->ref_table, o->ref_table))
			return o;
	}
	return NULL;
}

static const stable *find_table_c(const aurmig_schema *s, const char *name)
{
	for (size_t i = 0; i < s->ntables; i++)
		if (!strcmp(s->tables[i].name, name))
			return &s->tables[i];
	return NULL;
}

static const scol *find_col_c(const stable *t, const char *name)
{
	long k = find_col(t, name);
	return k < 0 ? NULL : &t->cols[k];
}

static void gen_create_table(aurmig__buf *b, const stable *t)
{
	aurmig__schema_put_table(b, AURMIG_DIALECT_ANY, t);
	aurmig__buf_puts(b, ";\n");
	for (size_t i = 0; i < t->nidx; i++) {
		if (t->idx[i].auto_named)
			continue;
		put_create_index(b, AURMIG_DIALECT_ANY, t->name, &t->idx[i]);
		aurmig__buf_puts(b, ";\n");
	}
}

static void gen_drop_fkey(aurmig__buf *b, const stable *t, const sfkey *fk)
{
	char *gen = fk->name ? NULL : gen_name(b->ctx, t->name, &fk->columns, "fkey");

	if (!fk->name && !gen)
		b->failed = 1;

	aurmig__buf_puts(b, "ALTER TABLE ");
	put_id(b, AURMIG_DIALECT_ANY, t->name);
	aurmig__buf_puts(b, " DROP FOREIGN KEY ");
	put_id(b, AURMIG_DIALECT_ANY, fk->name ? fk->name : gen ? gen : "?");
	aurmig__buf_puts(b, ";\n");
	free(gen);
}

static void gen_add_fkey(aurmig__buf *b, const stable *t, const sfkey *fk)
{
	aurmig__buf_puts(b, "ALTER TABLE ");
	put_id(b, AURMIG_DIALECT_ANY, t->name);
	aurmig__buf_puts(b, " ADD ");
	aurmig__schema_put_fkey(b, AURMIG_DIALECT_ANY, fk);
	aurmig__buf_puts(b, ";\n");
}

/* Tables of s that are not in other, in an order where a table comes after
 * the ones it refers to (reverse: before). */
static int table_order(aurmig_context *ctx, const aurmig_schema *s, const aurmig_schema *other, int reverse,
	aurmig__strv *out)
{
	size_t n = 0, total = 0;
	unsigned char *done = aurmig__calloc(ctx, s->ntables + 1, 1);

	if (!done)
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < s->ntables; i++)
		if (!find_table_c(other, s->tables[i].name))
			total++;
		else
			done[i] = 1;
	while (n < total) {
		int progress = 0;
		for (size_t i = 0; i < s->ntables; i++) {
			const stable *t = &s->tables[i];
			int ready = 1;
			if (done[i])
				continue;
			for (size_t f = 0; f < t->nfks && ready; f++)
				for (size_t j = 0; j < s->ntables; j++)
					if (!done[j] && j != i && !strcmp(s->tables[j].name, t->fks[f].ref_table))
						ready = 0;
			if (!ready)
				continue;
			done[i] = 1;
			progress = 1;
			n++;
			if (aurmig__strv_push(out, ctx, t->name)) {
				free(done);
				return AURMIG_ENOMEM;
			}
		}
		if (!progress)   /* a cycle: the rest as they come */
			for (size_t i = 0; i < s->ntables; i++)
				if (!done[i]) {
					done[i] = 1;
					n++;
					if (aurmig__strv_push(out, ctx, s->tables[i].name)) {
						free(done);
						return AURMIG_ENOMEM;
					}
				}
	}
	free(done);
	if (reverse)
		for (size_t i = 0; i < out->n / 2; i++) {
			char *x = out->v[i];
			out->v[i] = out->v[out->n - 1 - i];
			out->v[out->n - 1 - i] = x;
		}
	return AURMIG_OK;
}

/* Changes of one table present on both sides. */
static void alter_prefix(aurmig__buf *b, const char *table)
{
	aurmig__buf_puts(b, "ALTER TABLE ");
	put_id(b, AURMIG_DIALECT_ANY, table);
	aurmig__buf_puts(b, " ");
}

static void gen_alter(aurmig__buf *b, const stable *from, const stable *to)
{
	const int d = AURMIG_DIALECT_ANY;
	int pk_changed = !strv_eq(&from->pk, &to->pk);

	/* what goes first: foreign keys and indexes that change or go */
	for (size_t i = 0; i < from->nfks; i++) {
		const sfkey *o = match_fkey(to, &from->fks[i]);
		if (!o || !same_fkey(o, &from->fks[i]))
			gen_drop_fkey(b, from, &from->fks[i]);
	}
	for (size_t i = 0; i < from->nidx; i++) {
		long k = find_index(to, from->idx[i].name);
		if (k < 0 || !same_index(&to->idx[k], &from->idx[i])) {
			aurmig__buf_puts(b, "DROP INDEX ");
			put_id(b, d, from->idx[i].name);
			aurmig__buf_puts(b, " ON ");
			put_id(b, d, to->name);
			aurmig__buf_puts(b, ";\n");
		}
	}
	if (pk_changed && from->pk.n) {
		alter_prefix(b, to->name);
		aurmig__buf_puts(b, "DROP PRIMARY KEY;\n");
	}
	for (size_t i = 0; i < from->ncols; i++)
		if (!find_col_c(to, from->cols[i].name)) {
			alter_prefix(b, to->name);
			aurmig__buf_puts(b, "DROP COLUMN ");
			put_id(b, d, from->cols[i].name);
			aurmig__buf_puts(b, ";\n");
		}
	for (size_t i = 0; i < to->ncols; i++) {
		const scol *c = &to->cols[i], *o = find_col_c(from, c->name);
		if (o && same_coldef(b, from, o, to, c))
			continue;
		alter_prefix(b, to->name);
		aurmig__buf_puts(b, o ? "MODIFY COLUMN " : "ADD COLUMN ");
		gen_coldef(b, to, c);
		aurmig__buf_puts(b, ";\n");
	}
	if (pk_changed && to->pk.n) {
		alter_prefix(b, to->name);
		aurmig__buf_puts(b, "ADD PRIMARY KEY (");
		for (size_t i = 0; i < to->pk.n; i++) {
			if (i)
				aurmig__buf_puts(b, ", ");
			put_id(b, d, to->pk.v[i]);
		}
		aurmig__buf_puts(b, ");\n");
	}
	for (size_t i = 0; i < to->nidx; i++) {
		long k = find_index(from, to->idx[i].name);
		if (k >= 0 && same_index(&from->idx[k], &to->idx[i]))
			continue;
		put_create_index(b, d, to->name, &to->idx[i]);
		aurmig__buf_puts(b, ";\n");
	}
	for (size_t i = 0; i < to->nfks; i++) {
		const sfkey *o = match_fkey(from, &to->fks[i]);
		if (!o || !same_fkey(o, &to->fks[i]))
			gen_add_fkey(b, to, &to->fks[i]);
	}
}

int aurmig_schema_migration(const char **out, aurmig_schema *to, const aurmig_schema *from)
{
	aurmig_context *ctx;
	aurmig__strv order = { 0 };
	aurmig__buf b;
	char *text;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !to || !from)
		return to ? aurmig__err(to->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_schema_migration: NULL argument") : AURMIG_EINVALID;
	ctx = to->ctx;
	aurmig__buf_init(&b, ctx);
	/* tables that go (those referring to others first), then changes to
	 * common tables, then new tables (those referred to first) */
	if ((rc = table_order(ctx, from, to, 1, &order)))
		goto fail;
	for (size_t i = 0; i < order.n; i++) {
		aurmig__buf_puts(&b, "DROP TABLE ");
		put_id(&b, AURMIG_DIALECT_ANY, order.v[i]);
		aurmig__buf_puts(&b, ";\n");
	}
	aurmig__strv_clear(&order);
	for (size_t i = 0; i < to->ntables; i++) {
		const stable *f = find_table_c(from, to->tables[i].name);
		if (f)
			gen_alter(&b, f, &to->tables[i]);
	}
	if ((rc = table_order(ctx, to, from, 0, &order)))
		goto fail;
	for (size_t i = 0; i < order.n; i++)
		gen_create_table(&b, find_table_c(to, order.v[i]));
	aurmig__strv_clear(&order);
	if (!(text = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	free(to->dump);
	to->dump = text;
	*out = text;
	return AURMIG_OK;
fail:
	aurmig__strv_clear(&order);
	aurmig__buf_dispose(&b);
	return rc;
}
