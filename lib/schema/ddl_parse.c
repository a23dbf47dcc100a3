/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Portable DDL: a MySQL-flavoured subset of DDL parsed into operations and
 * rendered per dialect (docs/portable-ddl.md).
 *
 * Written by hand: no Debian library parses MySQL-flavoured DDL into a
 * model we could render for three backends. Definitions reuse the schema
 * model of schema.h (tables, columns, indexes, foreign keys), so a table
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
#include "schema/ddl_priv.h"
#include "schema/schema.h"

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
char *aurmig__ddl_gen_name(aurmig_context *ctx, const char *table, const aurmig__strv *cols, const char *suffix)
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
		/* reading SQLite's own text (keep_names): its spelling, always */
		if ((p->keep_names || (as_sqlite.kind == c->type.kind && as_sqlite.length == c->type.length &&
		    as_sqlite.scale == c->type.scale && as_sqlite.is_unsigned == c->type.is_unsigned)) &&
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
	if (copy_strv_names(&v, ctx, ix) || !(ix->name = aurmig__ddl_gen_name(ctx, table, &v, "key"))) {
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
	return (fk->name = aurmig__ddl_gen_name(ctx, table, &fk->columns, "fkey")) ? AURMIG_OK : AURMIG_ENOMEM;
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

int aurmig__ddl_parse_names(aurmig__ddl **out, aurmig_context *ctx, const char *sql, size_t len,
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
	return aurmig__ddl_parse_names(out, ctx, sql, len, file, line, 0);
}
