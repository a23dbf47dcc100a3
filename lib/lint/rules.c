/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lint rules on one statement (docs/lint.md). A statement is read as
 * tokens (words, quoted identifiers, strings, numbers, punctuation, with
 * the parenthesis depth of each); the rules look at the leading keywords
 * and at ALTER TABLE's comma-separated actions. What earlier statements of
 * the same section did (tables created, columns backfilled) is in the scope.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <regex.h>

#include <aurmig/lint.h>
#include "lint/lint_priv.h"

#include "lint/tok.h"

/* Tokens of sql[0..len) into st (at most MAXTOK); returns where it stopped. */
static size_t lex(stmt *st, const char *sql, size_t len, int dialect)
{
	size_t i = 0;
	int depth = 0;

	st->n = 0;
	st->dialect = dialect;
	while (i < len && st->n < MAXTOK) {
		unsigned char c = (unsigned char)sql[i];
		tok *t = &st->t[st->n];

		if (isspace(c)) {
			i++;
			continue;
		}
		if (c == '-' && i + 1 < len && sql[i + 1] == '-') {
			while (i < len && sql[i] != '\n')
				i++;
			continue;
		}
		if (c == '#' && aurmig__dialect_of(dialect)->hash_comments) {
			while (i < len && sql[i] != '\n')
				i++;
			continue;
		}
		if (c == '/' && i + 1 < len && sql[i + 1] == '*') {
			i += 2;
			while (i + 1 < len && !(sql[i] == '*' && sql[i + 1] == '/'))
				i++;
			i += 2;
			continue;
		}
		t->depth = depth;
		if (c == '\'' || c == '"' || c == '`') {
			size_t s = ++i;
			while (i < len && !((unsigned char)sql[i] == c && !(i + 1 < len && (unsigned char)sql[i + 1] == c))) {
				if ((unsigned char)sql[i] == c)
					i++;   /* a doubled quote */
				else if (sql[i] == '\\' && c == '\'' && aurmig__dialect_of(dialect)->backslash_escapes)
					i++;
				i++;
			}
			/* MySQL's double quotes are strings (without ANSI_QUOTES) */
			t->type = c == '\'' || (c == '"' && aurmig__dialect_of(dialect)->dquote_strings) ? T_STRING : T_QUOTED;
			t->s = sql + s;
			t->n = (i < len ? i : len) - s;
			i++;
			st->n++;
			continue;
		}
		if (c == '$' && dialect == AURMIG_DIALECT_PGSQL) {
			/* a dollar-quoted body: one string */
			size_t s = i++, tl;
			while (i < len && (isalnum((unsigned char)sql[i]) || sql[i] == '_'))
				i++;
			if (i < len && sql[i] == '$') {
				const char *tag = sql + s;
				tl = i + 1 - s;
				i++;
				while (i + tl <= len && memcmp(sql + i, tag, tl) != 0)
					i++;
				t->type = T_STRING;
				t->s = sql + s;
				t->n = (i + tl <= len ? i + tl : len) - s;
				i += tl;
				st->n++;
				continue;
			}
			i = s;
		}
		if (isalpha(c) || c == '_' || c >= 0x80) {
			size_t s = i;
			while (i < len && (isalnum((unsigned char)sql[i]) || sql[i] == '_' || sql[i] == '$' ||
					   (unsigned char)sql[i] >= 0x80))
				i++;
			t->type = T_WORD;
			t->s = sql + s;
			t->n = i - s;
			st->n++;
			continue;
		}
		if (isdigit(c)) {
			size_t s = i;
			while (i < len && (isalnum((unsigned char)sql[i]) || sql[i] == '.'))
				i++;
			t->type = T_NUMBER;
			t->s = sql + s;
			t->n = i - s;
			st->n++;
			continue;
		}
		if (c == '(')
			depth++;
		if (c == ')' && depth > 0)
			depth--;
		t->type = T_PUNCT;
		t->s = sql + i;
		t->n = 1;
		t->depth = c == ')' ? depth : t->depth;
		i++;
		st->n++;
	}
	return i;
}

static void push(aurmig__lint_scope *s, aurmig__strv *v, const char *x)
{
	if (!s->rc && !aurmig__strv_contains(v, x) && aurmig__strv_push(v, s->ctx, x))
		s->rc = AURMIG_ENOMEM;
}

/* A finding about existing rows: with --live, counted (live.c). */
static void emit_rows(aurmig__lint_scope *s, int rule, const aurmig__lint_live_q *q, const char *fmt, ...)
	AURMIG__PRINTF(4, 5);
static void emit_rows(aurmig__lint_scope *s, int rule, const aurmig__lint_live_q *q, const char *fmt, ...)
{
	char msg[512], note[320];
	va_list ap;
	int severity;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	severity = aurmig__lint_live_count(s, q, note, sizeof(note));
	if (s->rc)
		return;
	aurmig__lint_emit(s, rule, severity, "%s%s", msg, note);
	s->live_set = 0;
}

/* A query about table and the columns of the first ( ... ) at or after i. */
static void live_q(aurmig__lint_live_q *q, int kind, const tok *table, const stmt *st, size_t i, size_t end)
{
	memset(q, 0, sizeof(*q));
	q->kind = kind;
	q->table = table;
	if (st)
		aurmig__lint_live_cols(st, i, end, q->cols, 16, &q->ncols);
}

static void made(aurmig__lint_scope *s, const char *name)
{
	if (s->direction != AURMIG_UPGRADE || s->rc || aurmig__strv_contains(&s->made, name))
		return;
	if (aurmig__strv_push(&s->made, s->ctx, name) || aurmig__idxv_push(&s->made_line, s->ctx, (size_t)s->line))
		s->rc = AURMIG_ENOMEM;
}

/* The columns of the first parenthesised list at or after i all were added
 * nullable without default earlier in the section: every row holds NULL
 * there, which a UNIQUE key allows. */
static int only_new_null_columns(const aurmig__lint_scope *s, const stmt *st, size_t i, size_t end, const char *tb)
{
	char key[260], col[128];
	int any = 0;

	while (i < end && !punct(st, i, '('))
		i++;
	if (i >= end)
		return 0;
	for (size_t j = i + 1; j < end && st->t[j].depth > st->t[i].depth; j++) {
		if (st->t[j].depth != st->t[i].depth + 1 || !is_name(st, j) || !(punct(st, j - 1, '(') || punct(st, j - 1, ',')))
			continue;
		snprintf(key, sizeof(key), "%s.%s", tb, lower(col, sizeof(col), &st->t[j]));
		if (!aurmig__strv_contains(&s->added_null, key))
			return 0;
		any = 1;
	}
	return any;
}

/* The statement deletes data a downgrade cannot restore (X106). */
static void destroys(aurmig__lint_scope *s)
{
	if (!s->destroys)
		s->destroys = s->line;
}

static void check_length(aurmig__lint_scope *s, const tok *t, const char *what)
{
	size_t max = aurmig__dialect_of(s->dialect)->max_ident_len;

	if (t && max && t->n > max)
		aurmig__lint_emit(s, R_P109, -1, "%s name '%.*s...' is %zu bytes long (at most %zu here)", what, 24, t->s,
			t->n, max);
}

/* Charset names and collations of a token: utf8 / utf8mb3 (P102). */
static int is_utf8mb3(const tok *t)
{
	char b[80];
	lower(b, sizeof(b), t);
	return strcmp(b, "utf8") == 0 || strcmp(b, "utf8mb3") == 0 || strncmp(b, "utf8_", 5) == 0 ||
		strncmp(b, "utf8mb3_", 8) == 0;
}

/* Table options and column attributes: P102 (utf8mb3), P103 (engine), P104 (zero dates). */
static void check_policy(aurmig__lint_scope *s, const stmt *st, size_t from, size_t to, int table_options)
{
	if (s->dialect != AURMIG_DIALECT_MYSQL)
		return;
	for (size_t i = from; i < to && i < st->n; i++) {
		if ((is(st, i, "CHARSET") || is(st, i, "COLLATE") || (is(st, i, "SET") && i > 0 && is(st, i - 1, "CHARACTER")))) {
			size_t k = i + 1 + punct(st, i + 1, '=');
			if (k < st->n && (st->t[k].type == T_WORD || st->t[k].type == T_STRING) && is_utf8mb3(&st->t[k])) {
				aurmig__lint_emit(s, R_P102, -1, "character set or collation %.*s is utf8mb3", (int)st->t[k].n,
					st->t[k].s);
				break;
			}
		}
		if (table_options && is(st, i, "ENGINE")) {
			size_t k = i + 1 + punct(st, i + 1, '=');
			if (k < st->n && !is(st, k, "InnoDB"))
				aurmig__lint_emit(s, R_P103, -1, "ENGINE=%.*s is not InnoDB", (int)st->t[k].n, st->t[k].s);
		}
		if (is(st, i, "DEFAULT") && i + 1 < st->n && st->t[i + 1].type == T_STRING && st->t[i + 1].n >= 10 &&
		    strncmp(st->t[i + 1].s, "0000-00-00", 10) == 0)
			aurmig__lint_emit(s, R_P104, -1, "zero-date default '%.*s'", (int)st->t[i + 1].n, st->t[i + 1].s);
	}
}

/* ---------------------------------------------------------------- statements */

static void create_table(aurmig__lint_scope *s, const stmt *st, size_t i)
{
	size_t k = skip_if(st, i);
	const tok *name = name_at(st, &k);
	char tb[128];
	int pk = 0, cols = 0;

	if (!name)
		return;
	lower(tb, sizeof(tb), name);
	check_length(s, name, "table");
	aurmig__lint_check_reserved(s, name, "table");
	aurmig__lint_check_name(s, NAME_TABLE, name);
	/* a table of that name created or dropped before: forget its indexes */
	aurmig__lint_index_drop_table(s, tb);
	push(s, &s->created, tb);
	if (punct(st, k, '(')) {
		/* elements at depth 1: a column definition starts with its name */
		size_t open = k;
		for (size_t j = k; j < st->n; j++) {
			if (st->t[j].depth == 1 && is(st, j, "PRIMARY"))
				pk = 1;
			int starts = j > k && st->t[j].depth == 1 &&
				((punct(st, j - 1, '(') && j - 1 == open) || (punct(st, j - 1, ',') && st->t[j - 1].depth == 1));
			if (!starts)
				continue;
			size_t e = j;
			while (e < st->n && !(st->t[e].depth <= 1 && punct(st, e, ',') && st->t[e].depth == 1) &&
			       !(punct(st, e, ')') && st->t[e].depth == 0))
				e++;
			{
				size_t a = j;
				const tok *cname = NULL;
				if (is(st, a, "CONSTRAINT")) {
					a++;
					if (is_name(st, a) && !is(st, a, "PRIMARY") && !is(st, a, "UNIQUE") && !is(st, a, "FOREIGN") &&
					    !is(st, a, "CHECK")) {
						cname = &st->t[a];
						aurmig__lint_check_name(s, NAME_CONSTRAINT, cname);
						a++;
					}
				}
				if (aurmig__lint_key_element(s, st, a, e, tb, 1, cname) || is(st, a, "CHECK") || is(st, a, "FULLTEXT") ||
				    is(st, a, "SPATIAL") || a != j)
					continue;
			}
			if (is_name(st, j)) {
				cols++;
				check_length(s, &st->t[j], "column");
				aurmig__lint_column_policy(s, st, j, e, tb, 1);
			}
		}
		if (!pk && cols)
			aurmig__lint_emit(s, R_P101, -1, "table %.*s has no primary key", (int)name->n, name->s);
	}
	check_policy(s, st, k, st->n, 1);
	if (!aurmig__strv_contains(&s->renamed_from, tb))
		made(s, tb);
}

/* The column definition from i (type and attributes) up to the action's end. */
static int has_not_null(const stmt *st, size_t from, size_t to)
{
	if (from >= st->n)
		return 0;
	for (size_t i = from; i + 1 < to; i++)
		if (is(st, i, "NOT") && is(st, i + 1, "NULL") && st->t[i].depth == st->t[from].depth)
			return 1;
	return 0;
}

static const char *const volatile_fns[] = {
	"random", "clock_timestamp", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v4", "nextval",
	"timeofday", NULL
};

static void add_column(aurmig__lint_scope *s, const stmt *st, size_t i, size_t end, const tok *table, int exist)
{
	char key[260], tb[128], col[128];
	const tok *c;
	int notnull, deflt, generated = 0, ai = 0;

	i = skip_if(st, i);
	if (!is_name(st, i))
		return;
	c = &st->t[i++];
	check_length(s, c, "column");
	lower(tb, sizeof(tb), table);
	lower(col, sizeof(col), c);
	snprintf(key, sizeof(key), "%s.%s", tb, col);
	push(s, &s->added, key);
	if (exist) {
		made(s, col);
		aurmig__lint_coltype_note(s, st, i, end, tb, c);
	}
	aurmig__lint_column_policy(s, st, i - 1, end, tb, !exist);
	notnull = has_not_null(st, i, end);
	deflt = word_in(st, i, end, "DEFAULT", st->t[i - 1].depth);
	generated = word_in(st, i, end, "GENERATED", -1) || word_in(st, i, end, "AS", st->t[i - 1].depth);
	ai = word_in(st, i, end, "AUTO_INCREMENT", -1) || word_in(st, i, end, "SERIAL", -1) ||
		word_in(st, i, end, "BIGSERIAL", -1) || word_in(st, i, end, "SMALLSERIAL", -1);
	if (!notnull && !deflt && !generated && !ai)
		push(s, &s->added_null, key);
	if (!exist)
		return;
	if (notnull && !deflt && !generated && !ai && s->dialect == AURMIG_DIALECT_PGSQL) {
		/* PostgreSQL fails only when the table holds rows: count them */
		aurmig__lint_live_q q;
		live_q(&q, LIVE_ROWS, table, NULL, 0, 0);
		emit_rows(s, R_M102, &q, "column %.*s.%.*s is added NOT NULL without DEFAULT", (int)table->n, table->s,
			(int)c->n, c->s);
	} else if (notnull && !deflt && !generated && !ai)
		aurmig__lint_emit(s, R_M102, s->dialect == AURMIG_DIALECT_SQLITE ? AURMIG_LINT_ERROR : -1,
			s->dialect == AURMIG_DIALECT_SQLITE ? "column %.*s.%.*s is added NOT NULL without DEFAULT (SQLite refuses it)"
							    : "column %.*s.%.*s is added NOT NULL without DEFAULT",
			(int)table->n, table->s, (int)c->n, c->s);
	if (word_in(st, i, end, "UNIQUE", -1))
		aurmig__lint_emit(s, R_M101, -1, "column %.*s.%.*s is added UNIQUE", (int)table->n, table->s, (int)c->n, c->s);
	if (word_in(st, i, end, "REFERENCES", -1))
		aurmig__lint_emit(s, R_M104, -1, "column %.*s.%.*s is added with a foreign key", (int)table->n, table->s,
			(int)c->n, c->s);
	if (word_in(st, i, end, "PRIMARY", -1))
		aurmig__lint_emit(s, R_M105, -1, "column %.*s.%.*s is added as primary key", (int)table->n, table->s,
			(int)c->n, c->s);
	if (s->dialect == AURMIG_DIALECT_MYSQL) {
		int pos = word_in(st, i, end, "FIRST", 0) || word_in(st, i, end, "AFTER", 0), v = version(s);
		if (pos && (!v || v < 1004))
			aurmig__lint_emit(s, R_L104, -1, "column %.*s is added at a position (FIRST/AFTER)", (int)c->n, c->s);
		if (v && v < 1004 && (pos || v < 1003))
			aurmig__lint_emit(s, R_L101, -1, "adding column %.*s%s rebuilds table %.*s before MariaDB %s (INSTANT from then on)",
				(int)c->n, c->s, pos ? " at a position" : "", (int)table->n, table->s, pos ? "10.4" : "10.3");
		if ((generated && word_in(st, i, end, "STORED", -1)) || word_in(st, i, end, "AUTO_INCREMENT", -1) ||
		    word_in(st, i, end, "PRIMARY", -1))
			aurmig__lint_emit(s, R_L101, -1, "adding column %.*s (stored generated, AUTO_INCREMENT or key) copies table %.*s",
				(int)c->n, c->s, (int)table->n, table->s);
	}
	if (s->dialect == AURMIG_DIALECT_PGSQL) {
		int vol = 0;
		for (size_t j = i; j < end && !vol; j++)
			for (const char *const *f = volatile_fns; *f && !vol; f++)
				vol = is(st, j, *f) && punct(st, j + 1, '(');
		int old_default = 0;
		for (size_t j = i; j + 1 < end && !old_default && version(s) && version(s) < 1100; j++)
			old_default = is(st, j, "DEFAULT") && !is(st, j + 1, "NULL");
		if (old_default && !vol && !ai)
			aurmig__lint_emit(s, R_L109, -1, "adding column %.*s with a DEFAULT rewrites table %.*s before PostgreSQL 11",
				(int)c->n, c->s, (int)table->n, table->s);
		else if (vol || ai || (generated && word_in(st, i, end, "STORED", -1)))
			aurmig__lint_emit(s, R_L109, -1, "adding column %.*s with a volatile default, serial or stored value "
				"rewrites table %.*s", (int)c->n, c->s, (int)table->n, table->s);
	}
	check_policy(s, st, i, end, 0);
}

/* MODIFY / CHANGE / ALTER COLUMN TYPE: a new type for column c of table. */
static void retype(aurmig__lint_scope *s, const stmt *st, size_t i, size_t end, const tok *table, const tok *c,
	int exist, int pg_type_only)
{
	char key[260], tb[128], col[128];

	if (!exist)
		return;
	aurmig__lint_retype(s, st, i, end, table, c);
	if (s->dialect == AURMIG_DIALECT_MYSQL)
		aurmig__lint_emit(s, R_L101, -1, "changing the definition of %.*s.%.*s copies table %.*s (unless it only "
			"widens a VARCHAR within its length bytes, or changes a default)",
			(int)table->n, table->s, (int)c->n, c->s, (int)table->n, table->s);
	if (s->dialect == AURMIG_DIALECT_PGSQL)
		aurmig__lint_emit(s, R_L109, -1, "ALTER COLUMN %.*s TYPE rewrites table %.*s", (int)c->n, c->s,
			(int)table->n, table->s);
	if (!pg_type_only && has_not_null(st, i, end)) {
		lower(tb, sizeof(tb), table);
		lower(col, sizeof(col), c);
		snprintf(key, sizeof(key), "%s.%s", tb, col);
		if (!aurmig__strv_contains(&s->backfilled, key) && !aurmig__strv_contains(&s->added, key)) {
			aurmig__lint_live_q q;
			live_q(&q, LIVE_NULL, table, NULL, 0, 0);
			q.cols[0] = c;
			q.ncols = 1;
			emit_rows(s, R_M103, &q, "%.*s.%.*s becomes NOT NULL without a backfill of its NULLs before it",
				(int)table->n, table->s, (int)c->n, c->s);
		}
	}
	check_policy(s, st, i, end, 0);
}

/* what the upgrade makes on an existing table (T106) */
static void made_on(aurmig__lint_scope *s, int exist, const char *name)
{
	if (exist)
		made(s, name);
}

static void alter_action(aurmig__lint_scope *s, const stmt *st, size_t i, size_t end, const tok *table, int exist)
{
	char tb[128], col[128];
	int is_constraint = 0;
	const tok *cname = NULL;

	lower(tb, sizeof(tb), table);
	if (is(st, i, "ADD")) {
		size_t k = i + 1;
		if (is(st, k, "CONSTRAINT")) {
			is_constraint = 1;
			k++;
			if (is_name(st, k) && !is(st, k, "UNIQUE") && !is(st, k, "PRIMARY") && !is(st, k, "FOREIGN") &&
			    !is(st, k, "CHECK")) {
				cname = &st->t[k];
				aurmig__lint_check_name(s, NAME_CONSTRAINT, cname);
				check_length(s, &st->t[k], "constraint");
				made_on(s, exist, lower(col, sizeof(col), &st->t[k]));
				k++;
			}
		}
		if (is(st, k, "UNIQUE") || is(st, k, "PRIMARY") || is(st, k, "FOREIGN") || is(st, k, "INDEX") || is(st, k, "KEY"))
			aurmig__lint_key_element(s, st, k, end, tb, !exist, cname);
		if (is(st, k, "UNIQUE")) {
			if (is_name(st, k + 1) && !is(st, k + 1, "INDEX") && !is(st, k + 1, "KEY") && !is(st, k + 1, "USING"))
				made_on(s, exist, lower(col, sizeof(col), &st->t[k + 1]));
			if (is(st, k + 1, "INDEX") || is(st, k + 1, "KEY"))
				if (is_name(st, k + 2) && !punct(st, k + 2, '('))
					made_on(s, exist, lower(col, sizeof(col), &st->t[k + 2]));
			if (exist && !only_new_null_columns(s, st, k, end, tb)) {
				aurmig__lint_live_q q;
				live_q(&q, LIVE_DUP, table, st, k, end);
				emit_rows(s, R_M101, &q, "a UNIQUE key is added to existing table %.*s", (int)table->n, table->s);
			}
			if (exist && s->dialect == AURMIG_DIALECT_PGSQL && !word_in(st, k, end, "USING", -1))
				aurmig__lint_emit(s, R_L109, -1, "ADD UNIQUE builds its index under a lock that blocks writes to %.*s",
					(int)table->n, table->s);
		} else if (is(st, k, "PRIMARY")) {
			if (exist) {
				aurmig__lint_live_q q;
				live_q(&q, LIVE_PK, table, st, k, end);
				emit_rows(s, R_M105, &q, "a primary key is added to existing table %.*s", (int)table->n, table->s);
				if (s->dialect == AURMIG_DIALECT_MYSQL)
					aurmig__lint_emit(s, R_L101, -1, "adding a primary key copies table %.*s", (int)table->n, table->s);
				if (s->dialect == AURMIG_DIALECT_PGSQL && !word_in(st, k, end, "USING", -1))
					aurmig__lint_emit(s, R_L109, -1, "ADD PRIMARY KEY scans %.*s and builds its index under a lock",
						(int)table->n, table->s);
			}
		} else if (is(st, k, "FOREIGN") || is(st, k, "CHECK")) {
			int fk = is(st, k, "FOREIGN"), notvalid = 0;
			for (size_t j = k; j + 1 < end; j++)
				notvalid |= is(st, j, "NOT") && is(st, j + 1, "VALID");
			if (exist && !notvalid) {
				aurmig__lint_live_q q;
				size_t j = k;
				if (fk) {
					/* FOREIGN KEY [name] (cols) REFERENCES parent [(cols)] */
					live_q(&q, LIVE_ORPHAN, table, st, k, end);
					j = aurmig__lint_live_cols(st, k, end, q.cols, 16, &q.ncols);
					if (is(st, j, "REFERENCES")) {
						j++;
						q.parent = name_at(st, &j);
						if (q.parent && punct(st, j, '('))
							aurmig__lint_live_cols(st, j, end, q.pcols, 16, &q.npcols);
					}
				} else {
					live_q(&q, LIVE_CHECK, table, NULL, 0, 0);
					while (j < end && !punct(st, j, '('))
						j++;
					if (j < end) {
						size_t e = j + 1;
						while (e < end && !(punct(st, e, ')') && st->t[e].depth == st->t[j].depth))
							e++;
						if (e < end) {
							q.expr = st->t[j].s + 1;
							q.expr_len = (size_t)(st->t[e].s - q.expr);
						}
					}
					q.ncols = q.expr ? 1 : 0;
					if (!q.expr)
						q.kind = LIVE_DUP;   /* no expression: "not counted" */
				}
				emit_rows(s, fk ? R_M104 : R_M106, &q, "a %s is added to existing table %.*s",
					fk ? "foreign key" : "CHECK constraint", (int)table->n, table->s);
			}
			if (exist && !notvalid && s->dialect == AURMIG_DIALECT_PGSQL)
				aurmig__lint_emit(s, R_L108, -1, "the %s on %.*s is validated at once (no NOT VALID)",
					fk ? "foreign key" : "CHECK", (int)table->n, table->s);
		} else if (is(st, k, "INDEX") || is(st, k, "KEY") || is(st, k, "FULLTEXT") || is(st, k, "SPATIAL")) {
			size_t j = k + 1;
			if (is(st, j, "INDEX") || is(st, j, "KEY"))
				j++;
			j = skip_if(st, j);
			if (is_name(st, j) && !punct(st, j, '(')) {
				check_length(s, &st->t[j], "index");
				made_on(s, exist, lower(col, sizeof(col), &st->t[j]));
			}
		} else if (is(st, k, "PARTITION")) {
			if (exist && s->dialect == AURMIG_DIALECT_MYSQL)
				aurmig__lint_emit(s, R_L101, -1, "ADD PARTITION may copy table %.*s", (int)table->n, table->s);
		} else if (!is_constraint) {
			if (is(st, k, "COLUMN"))
				k++;
			if (punct(st, k, '(')) {
				/* MySQL: ADD (c1 t1, c2 t2) */
				return;
			}
			add_column(s, st, k, end, table, exist);
		}
		return;
	}
	if (is(st, i, "DROP")) {
		size_t k = i + 1;
		if ((is(st, k, "INDEX") || is(st, k, "KEY")) && is_name(st, skip_if(st, k + 1)))
			aurmig__lint_index_drop(s, lower(col, sizeof(col), &st->t[skip_if(st, k + 1)]), tb);
		if (is(st, k, "CONSTRAINT") && is_name(st, skip_if(st, k + 1)))
			aurmig__lint_index_drop(s, lower(col, sizeof(col), &st->t[skip_if(st, k + 1)]), tb);
		if (is(st, k, "PRIMARY")) {
			aurmig__lint_index_drop(s, "primary", tb);
			if (exist && s->dialect == AURMIG_DIALECT_MYSQL)
				aurmig__lint_emit(s, R_L101, -1, "dropping the primary key copies table %.*s", (int)table->n, table->s);
			return;
		}
		if (is(st, k, "FOREIGN")) {
			aurmig__lint_emit(s, R_C104, -1, "a foreign key of %.*s is dropped", (int)table->n, table->s);
			return;
		}
		if (is(st, k, "PARTITION")) {
			aurmig__lint_emit(s, R_D107, -1, "a partition of %.*s is dropped with its rows", (int)table->n, table->s);
			destroys(s);
			return;
		}
		if (is(st, k, "INDEX") || is(st, k, "KEY") || is(st, k, "CONSTRAINT") || is(st, k, "CHECK") ||
		    is(st, k, "DEFAULT"))
			return;
		if (is(st, k, "COLUMN"))
			k++;
		k = skip_if(st, k);
		if (is_name(st, k)) {
			char key[260];
			lower(col, sizeof(col), &st->t[k]);
			snprintf(key, sizeof(key), "%s.%s", tb, col);
			if (exist && !aurmig__strv_contains(&s->added, key)) {
				aurmig__lint_emit(s, R_D102, -1, "column %.*s.%.*s is dropped with its values", (int)table->n,
					table->s, (int)st->t[k].n, st->t[k].s);
				destroys(s);
				if (s->dialect == AURMIG_DIALECT_MYSQL && version(s) && version(s) < 1004)
					aurmig__lint_emit(s, R_L101, -1, "DROP COLUMN rebuilds table %.*s before MariaDB 10.4 (INSTANT from then on)",
						(int)table->n, table->s);
				for (size_t a = 0; a < s->added.n; a++)
					if (strncmp(s->added.v[a], tb, strlen(tb)) == 0 && s->added.v[a][strlen(tb)] == '.') {
						aurmig__lint_emit(s, R_C103, -1, "%.*s drops column %.*s and adds %s in the same revision",
							(int)table->n, table->s, (int)st->t[k].n, st->t[k].s, s->added.v[a] + strlen(tb) + 1);
						break;
					}
			}
		}
		return;
	}
	if (is(st, i, "TRUNCATE") && is(st, i + 1, "PARTITION")) {
		aurmig__lint_emit(s, R_D107, -1, "a partition of %.*s is emptied", (int)table->n, table->s);
		return;
	}
	if (is(st, i, "RENAME")) {
		size_t k = i + 1;
		if (is(st, k, "INDEX") || is(st, k, "KEY") || is(st, k, "CONSTRAINT"))
			return;
		if (is(st, k, "COLUMN") || (is_name(st, k) && !is(st, k, "TO") && !is(st, k, "AS"))) {
			if (is(st, k, "COLUMN"))
				k++;
			if (is_name(st, k)) {
				aurmig__lint_emit(s, R_C102, -1, "column %.*s.%.*s is renamed", (int)table->n, table->s,
					(int)st->t[k].n, st->t[k].s);
				if (is(st, k + 1, "TO") && is_name(st, k + 2)) {
					made_on(s, exist, lower(col, sizeof(col), &st->t[k + 2]));
					aurmig__lint_check_reserved(s, &st->t[k + 2], "column");
					aurmig__lint_check_name(s, NAME_COLUMN, &st->t[k + 2]);
				}
			}
			return;
		}
		if (is(st, k, "TO") || is(st, k, "AS"))
			k++;
		{
			size_t j = k;
			const tok *to = name_at(st, &j);
			char nb[128];
			if (!to)
				return;
			lower(nb, sizeof(nb), to);
			if (aurmig__strv_contains(&s->replaced, nb) && aurmig__strv_contains(&s->renamed_from, tb)) {
				/* the end of a hand-written rebuild: reported at its DROP TABLE */
				push(s, &s->created, nb);
				return;
			}
			if (exist)
				aurmig__lint_emit(s, R_C101, -1, "table %.*s is renamed to %.*s", (int)table->n, table->s,
					(int)to->n, to->s);
			made(s, nb);
			push(s, &s->created, nb);
		}
		return;
	}
	if (is(st, i, "CHANGE")) {
		size_t k = i + 1 + is(st, i + 1, "COLUMN");
		k = skip_if(st, k);
		if (is_name(st, k) && is_name(st, k + 1)) {
			if (st->t[k].n != st->t[k + 1].n || strncasecmp(st->t[k].s, st->t[k + 1].s, st->t[k].n) != 0) {
				if (exist)
					aurmig__lint_emit(s, R_C102, -1, "column %.*s.%.*s is renamed to %.*s", (int)table->n, table->s,
						(int)st->t[k].n, st->t[k].s, (int)st->t[k + 1].n, st->t[k + 1].s);
				made_on(s, exist, lower(col, sizeof(col), &st->t[k + 1]));
				aurmig__lint_check_reserved(s, &st->t[k + 1], "column");
				aurmig__lint_check_name(s, NAME_COLUMN, &st->t[k + 1]);
			}
			retype(s, st, k + 2, end, table, &st->t[k], exist, 0);
		}
		return;
	}
	if (is(st, i, "MODIFY")) {
		size_t k = i + 1 + is(st, i + 1, "COLUMN");
		k = skip_if(st, k);
		if (is_name(st, k))
			retype(s, st, k + 1, end, table, &st->t[k], exist, 0);
		return;
	}
	if (is(st, i, "ALTER")) {
		size_t k = i + 1 + is(st, i + 1, "COLUMN");
		const tok *c = is_name(st, k) ? &st->t[k] : NULL;
		if (!c)
			return;
		if (is(st, k + 1, "TYPE") || (is(st, k + 1, "SET") && is(st, k + 2, "DATA") && is(st, k + 3, "TYPE")))
			retype(s, st, k + 2, end, table, c, exist, 1);
		else if (is(st, k + 1, "SET") && is(st, k + 2, "NOT") && is(st, k + 3, "NULL") && exist) {
			char key[260];
			snprintf(key, sizeof(key), "%s.%s", tb, lower(col, sizeof(col), c));
			if (!aurmig__strv_contains(&s->backfilled, key)) {
				aurmig__lint_live_q q;
				live_q(&q, LIVE_NULL, table, NULL, 0, 0);
				q.cols[0] = c;
				q.ncols = 1;
				emit_rows(s, R_M103, &q, "%.*s.%.*s becomes NOT NULL without a backfill of its NULLs before it",
					(int)table->n, table->s, (int)c->n, c->s);
			}
			if (s->dialect == AURMIG_DIALECT_PGSQL)
				aurmig__lint_emit(s, R_L109, -1, "SET NOT NULL scans %.*s under an exclusive lock", (int)table->n,
					table->s);
		}
		return;
	}
	if (is(st, i, "CONVERT") && is(st, i + 1, "TO")) {
		if (exist && s->dialect == AURMIG_DIALECT_MYSQL)
			aurmig__lint_emit(s, R_L101, -1, "CONVERT TO CHARACTER SET copies table %.*s and rewrites every string "
				"column", (int)table->n, table->s);
		check_policy(s, st, i, end, 0);
		return;
	}
	if (s->dialect == AURMIG_DIALECT_MYSQL && exist) {
		if (is(st, i, "ENGINE") || is(st, i, "FORCE") || is(st, i, "ROW_FORMAT") || is(st, i, "KEY_BLOCK_SIZE") ||
		    (is(st, i, "ORDER") && is(st, i + 1, "BY")) || (is(st, i, "PARTITION") && is(st, i + 1, "BY")) ||
		    is(st, i, "REMOVE"))
			aurmig__lint_emit(s, R_L101, -1, "%.*s copies table %.*s", (int)st->t[i].n, st->t[i].s, (int)table->n,
				table->s);
		if (is(st, i, "ALGORITHM") || is(st, i, "LOCK")) {
			size_t k = i + 1 + punct(st, i + 1, '=');
			if ((is(st, i, "ALGORITHM") && is(st, k, "COPY")) ||
			    (is(st, i, "LOCK") && (is(st, k, "SHARED") || is(st, k, "EXCLUSIVE"))))
				aurmig__lint_emit(s, R_L102, -1, "%.*s=%.*s on %.*s", (int)st->t[i].n, st->t[i].s, (int)st->t[k].n,
					st->t[k].s, (int)table->n, table->s);
		}
	}
	check_policy(s, st, i, end, 1);
}

static void alter_table(aurmig__lint_scope *s, const stmt *st, size_t i)
{
	size_t k = i, start;
	const tok *table;
	char tb[128];
	int exist;

	if (is(st, k, "ONLY"))
		k++;
	k = skip_if(st, k);
	if (!(table = name_at(st, &k)))
		return;
	lower(tb, sizeof(tb), table);
	snprintf(s->table, sizeof(s->table), "%s", tb);
	exist = existing(s, tb);
	if (exist && s->dialect == AURMIG_DIALECT_MYSQL && !word_in(st, k, st->n, "ALGORITHM", 0) &&
	    !word_in(st, k, st->n, "LOCK", 0))
		aurmig__lint_emit(s, R_L103, -1, "ALTER TABLE %.*s names no ALGORITHM= or LOCK=: MariaDB may copy it without "
			"saying so", (int)table->n, table->s);
	if (exist && s->dialect == AURMIG_DIALECT_MYSQL) {
		if (aurmig__strv_contains(&s->altered, tb))
			aurmig__lint_emit(s, R_L105, -1, "table %.*s is altered again in this revision", (int)table->n, table->s);
		push(s, &s->altered, tb);
	}
	/* the actions: comma-separated at depth 0 */
	start = k;
	for (size_t j = k; j <= st->n; j++)
		if (j == st->n || (punct(st, j, ',') && st->t[j].depth == 0)) {
			if (j > start)
				alter_action(s, st, start, j, table, exist);
			start = j + 1;
		}
}

static void create_index(aurmig__lint_scope *s, const stmt *st, size_t i, int unique)
{
	size_t k = i;
	int conc = 0;
	const tok *name = NULL, *table;
	char tb[128], nb[128];

	if (is(st, k, "CONCURRENTLY"))
		conc = 1, k++;
	k = skip_if(st, k);
	if (!is(st, k, "ON")) {
		name = name_at(st, &k);
		if (name)
			check_length(s, name, "index");
	}
	if (!is(st, k, "ON"))
		return;
	k++;
	if (is(st, k, "ONLY"))
		k++;
	if (!(table = name_at(st, &k)))
		return;
	lower(tb, sizeof(tb), table);
	snprintf(s->table, sizeof(s->table), "%s", tb);
	if (name && existing(s, tb))
		made(s, lower(nb, sizeof(nb), name));
	if (name)
		aurmig__lint_check_name(s, NAME_INDEX, name);
	if (!(unique & 2)) {
		char cols[400];
		int pre = 0;
		if (aurmig__lint_collist(st, k, st->n, cols, sizeof(cols), &pre) && !pre)
			aurmig__lint_index_add(s, name ? lower(nb, sizeof(nb), name) : cols, tb, unique & 1, cols, 1);
	}
	unique &= 1;
	if (conc && s->transactional)
		aurmig__lint_emit(s, R_L107, -1, "CREATE INDEX CONCURRENTLY in a transactional revision fails");
	if (!existing(s, tb))
		return;
	aurmig__lint_lock_wait(s);
	if (unique && !only_new_null_columns(s, st, k, st->n, tb)) {
		aurmig__lint_live_q q;
		live_q(&q, LIVE_DUP, table, st, k, st->n);
		emit_rows(s, R_M101, &q, "a UNIQUE index is added to existing table %.*s", (int)table->n, table->s);
	}
	if (s->dialect == AURMIG_DIALECT_PGSQL && !conc)
		aurmig__lint_emit(s, R_L106, -1, "CREATE INDEX on %.*s without CONCURRENTLY blocks its writes", (int)table->n,
			table->s);
}

static void drop_table(aurmig__lint_scope *s, const stmt *st, size_t i)
{
	size_t k = skip_if(st, i);

	while (k < st->n) {
		const tok *t = name_at(st, &k);
		char tb[128];
		if (!t)
			break;
		lower(tb, sizeof(tb), t);
		snprintf(s->table, sizeof(s->table), "%s", tb);
		aurmig__lint_index_drop_table(s, tb);
		push(s, &s->dropped, tb);
		if (aurmig__strv_contains(&s->rebuilt, tb)) {
			push(s, &s->replaced, tb);
			if (s->dialect == AURMIG_DIALECT_SQLITE)
				aurmig__lint_emit(s, R_L110, -1, "table %.*s is rebuilt (copied into a new table that replaces it)",
					(int)t->n, t->s);
		} else if (existing(s, tb)) {
			aurmig__lint_emit(s, R_D101, -1, "table %.*s is dropped with its rows", (int)t->n, t->s);
			destroys(s);
			aurmig__lint_lock_wait(s);
		}
		if (!punct(st, k, ','))
			break;
		k++;
	}
}

/* UPDATE/DELETE: D106 without WHERE; an UPDATE ... SET c = ... WHERE c IS NULL backfills c. */
static void dml(aurmig__lint_scope *s, const stmt *st, int update)
{
	int where = 0, join = 0;
	size_t wi = 0;
	const tok *table = NULL;
	size_t k = 1;

	for (size_t i = 0; i < st->n; i++)
		if (st->t[i].depth == 0) {
			if (is(st, i, "WHERE") && !where)
				where = 1, wi = i;
			if (is(st, i, "JOIN") || is(st, i, "USING"))
				join = 1;
		}
	if (update) {
		if (is(st, k, "LOW_PRIORITY") || is(st, k, "IGNORE") || is(st, k, "ONLY"))
			k++;
		table = name_at(st, &k);
	} else {
		while (k < st->n && !is(st, k, "FROM"))
			k++;
		k++;
		table = name_at(st, &k);
	}
	if (!where && !join && table)
		aurmig__lint_emit(s, R_D106, -1, "%s %.*s without WHERE touches every row", update ? "UPDATE" : "DELETE",
			(int)table->n, table->s);
	if (table && s->transactional) {
		long long rows = -1;
		char tb[128];
		int measured = 0;
		lower(tb, sizeof(tb), table);
		if (existing(s, tb) && aurmig__lint_large_at(s, tb, &rows, &measured)) {
			snprintf(s->table, sizeof(s->table), "%s", tb);
			s->live_set = measured;
			s->live_violations = -1;
			s->live_unknown[0] = '\0';
			aurmig__lint_emit(s, R_L111, -1, "%s of large table %.*s in one transaction locks every row it touches "
				"until the step commits%s", update ? "UPDATE" : "DELETE", (int)table->n, table->s,
				measured ? " (live size)" : "");
			s->live_set = 0;
		}
	}
	if (update && table) {
		/* SET c = ...: c no longer holds NULL in every row */
		char tb[128], col[128], key[260];
		lower(tb, sizeof(tb), table);
		for (size_t i = k; i + 1 < st->n && !(st->t[i].depth == 0 && is(st, i, "WHERE")); i++)
			if (st->t[i].depth == 0 && is_name(st, i) && punct(st, i + 1, '=')) {
				snprintf(key, sizeof(key), "%s.%s", tb, lower(col, sizeof(col), &st->t[i]));
				for (size_t a = 0; a < s->added_null.n; a++)
					if (!strcmp(s->added_null.v[a], key)) {
						aurmig__strv_remove_at(&s->added_null, a);
						break;
					}
			}
	}
	if (update && where && table) {
		/* WHERE c IS NULL: c is backfilled */
		char tb[128], col[128], key[260];
		lower(tb, sizeof(tb), table);
		for (size_t i = wi + 1; i + 2 < st->n; i++)
			if (is_name(st, i) && is(st, i + 1, "IS") && is(st, i + 2, "NULL")) {
				snprintf(key, sizeof(key), "%s.%s", tb, lower(col, sizeof(col), &st->t[i]));
				push(s, &s->backfilled, key);
			}
	}
}

static void mixed(aurmig__lint_scope *s, int ddl)
{
	int nonatomic = !aurmig__dialect_of(s->dialect)->transactional_ddl || !s->transactional;

	if (ddl && !s->ddl_line)
		s->ddl_line = s->line;
	if (!ddl && !s->dml_line)
		s->dml_line = s->line;
	if (nonatomic && !s->mixed && s->ddl_line && s->dml_line) {
		s->mixed = 1;
		aurmig__lint_emit(s, R_T104, -1, "this step mixes data changes (line %d) and DDL (line %d) without one "
			"transaction around them", s->dml_line, s->ddl_line);
	}
}

void aurmig__lint_statement(aurmig__lint_scope *s, const char *sql, size_t len, int line, int col)
{
	stmt *st = aurmig__malloc(s->ctx, sizeof(*st));

	if (!st) {
		s->rc = AURMIG_ENOMEM;
		return;
	}
	lex(st, sql, len, s->dialect);
	s->line = line;
	s->col = col;
	s->stmt = sql;
	s->stmt_len = len;
	s->table[0] = '\0';
	if (st->n == 0)
		goto done;
	aurmig__lint_guard(s, st);
	if (is(st, 0, "BEGIN") || is(st, 0, "COMMIT") || is(st, 0, "ROLLBACK") || is(st, 0, "SAVEPOINT") ||
	    is(st, 0, "RELEASE") || (is(st, 0, "START") && is(st, 1, "TRANSACTION")) ||
	    (is(st, 0, "END") && st->n <= 2)) {
		aurmig__lint_emit(s, R_T101, -1, "%.*s inside a section", (int)st->t[0].n, st->t[0].s);
		goto done;
	}
	if (is(st, 0, "CREATE")) {
		size_t k = 1;
		int unique = 0;
		mixed(s, 1);
		if (is(st, k, "OR") && is(st, k + 1, "REPLACE"))
			k += 2;
		if (is(st, k, "TEMPORARY") || is(st, k, "TEMP")) {
			/* a work table: created here, dropped later without loss */
			size_t j = k + 1;
			const tok *t;
			char tb[128];
			if (is(st, j, "TABLE") && (j = skip_if(st, j + 1), (t = name_at(st, &j))))
				push(s, &s->created, lower(tb, sizeof(tb), t));
			goto done;
		}
		if (is(st, k, "TABLE"))
			create_table(s, st, k + 1);
		if (is(st, k, "UNIQUE"))
			unique = 1, k++;
		if (is(st, k, "FULLTEXT") || is(st, k, "SPATIAL"))
			k++, unique |= 2;
		if (is(st, k, "INDEX"))
			create_index(s, st, k + 1, unique);
		else if (!is(st, k, "TABLE"))
			aurmig__lint_unknown(s, st);
		goto done;
	}
	if (is(st, 0, "ALTER") && is(st, 1, "TABLE")) {
		mixed(s, 1);
		alter_table(s, st, 2);
		if (s->table[0] && existing(s, s->table))
			aurmig__lint_lock_wait(s);
		goto done;
	}
	if (is(st, 0, "SET")) {
		aurmig__lint_set_statement(s, st);
		goto done;
	}
	if (is(st, 0, "DROP")) {
		mixed(s, 1);
		if (is(st, 1, "TABLE"))
			drop_table(s, st, 2);
		else if (is(st, 1, "DATABASE") || is(st, 1, "SCHEMA"))
			aurmig__lint_emit(s, R_D103, -1, "DROP %.*s", (int)st->t[1].n, st->t[1].s);
		else if (!is(st, 1, "INDEX") && !(is(st, 1, "TEMPORARY") && is(st, 2, "TABLE")))
			aurmig__lint_unknown(s, st);
		else if (is(st, 1, "INDEX")) {
			int conc = is(st, 2, "CONCURRENTLY");
			size_t k = skip_if(st, 2 + conc);
			const tok *iname = name_at(st, &k), *on = NULL;
			char ib[128], ob[128];
			if (is(st, k, "ON") && (k++, (on = name_at(st, &k))))
				lower(ob, sizeof(ob), on);
			if (iname)
				aurmig__lint_index_drop(s, lower(ib, sizeof(ib), iname), on ? ob : NULL);
			aurmig__lint_lock_wait(s);
			if (conc && s->transactional)
				aurmig__lint_emit(s, R_L107, -1, "DROP INDEX CONCURRENTLY in a transactional revision fails");
			if (s->dialect == AURMIG_DIALECT_PGSQL && !conc)
				aurmig__lint_emit(s, R_L106, -1, "DROP INDEX without CONCURRENTLY blocks writes to its table");
		}
		goto done;
	}
	if (is(st, 0, "RENAME") && is(st, 1, "TABLE")) {
		size_t k = 2;
		mixed(s, 1);
		while (k < st->n) {
			const tok *from = name_at(st, &k), *to;
			char nb[128];
			if (!from || !is(st, k, "TO"))
				break;
			k++;
			if (!(to = name_at(st, &k)))
				break;
			if (existing(s, lower(nb, sizeof(nb), from)))
				aurmig__lint_emit(s, R_C101, -1, "table %.*s is renamed to %.*s", (int)from->n, from->s,
					(int)to->n, to->s);
			made(s, lower(nb, sizeof(nb), to));
			push(s, &s->created, nb);
			if (!punct(st, k, ','))
				break;
			k++;
		}
		goto done;
	}
	if (is(st, 0, "TRUNCATE")) {
		size_t k = 1 + is(st, 1, "TABLE");
		const tok *t = name_at(st, &k);
		char tb[128];
		mixed(s, 0);
		if (t && existing(s, lower(tb, sizeof(tb), t))) {
			aurmig__lint_emit(s, R_D104, -1, "TRUNCATE %.*s deletes every row", (int)t->n, t->s);
			destroys(s);
		}
		goto done;
	}
	if (is(st, 0, "REINDEX")) {
		if (word_in(st, 1, st->n, "CONCURRENTLY", 0) && s->transactional)
			aurmig__lint_emit(s, R_L107, -1, "REINDEX CONCURRENTLY in a transactional revision fails");
		goto done;
	}
	if (is(st, 0, "UPDATE") || is(st, 0, "DELETE")) {
		mixed(s, 0);
		if (is(st, 0, "DELETE")) {
			/* rows of a work table the section created are no loss */
			size_t k = 1;
			const tok *t;
			char tb[128];
			while (k < st->n && !is(st, k, "FROM"))
				k++;
			k++;
			if (!(t = name_at(st, &k)) || existing(s, lower(tb, sizeof(tb), t)))
				destroys(s);
		}
		dml(s, st, is(st, 0, "UPDATE"));
		goto done;
	}
	if (is(st, 0, "INSERT") || is(st, 0, "REPLACE")) {
		mixed(s, 0);
		goto done;
	}
	if (!is(st, 0, "SELECT") && !is(st, 0, "WITH") && !is(st, 0, "PRAGMA") && !is(st, 0, "SHOW") &&
	    !is(st, 0, "VALUES") && !(is(st, 0, "ALTER") && is(st, 1, "TABLE")))
		aurmig__lint_unknown(s, st);
done:
	free(st);
}

void aurmig__lint_prescan(aurmig__lint_scope *s, const char *sql, size_t len)
{
	stmt *st;
	size_t k;
	const tok *from, *to;
	char fb[128], tb[128];

	/* a statement `ALTER TABLE x RENAME TO t` */
	if (len < 12 || strncasecmp(sql, "ALTER", 5) != 0)
		return;
	if (!(st = aurmig__malloc(s->ctx, sizeof(*st)))) {
		s->rc = AURMIG_ENOMEM;
		return;
	}
	lex(st, sql, len, s->dialect);
	k = 2;
	if (is(st, 0, "ALTER") && is(st, 1, "TABLE") && (from = name_at(st, &k)) && is(st, k, "RENAME") &&
	    is(st, k + 1, "TO") && (k += 2, (to = name_at(st, &k)))) {
		push(s, &s->rebuilt, lower(tb, sizeof(tb), to));
		push(s, &s->renamed_from, lower(fb, sizeof(fb), from));
	}
	free(st);
}

int aurmig__lint_idents(aurmig__strv *out, aurmig_context *ctx, const char *sql, size_t len)
{
	stmt *st = aurmig__malloc(ctx, sizeof(*st));
	size_t pos = 0;
	char b[128];

	if (!st)
		return AURMIG_ENOMEM;
	while (pos < len) {
		pos += lex(st, sql + pos, len - pos, AURMIG_DIALECT_ANY);
		for (size_t i = 0; i < st->n; i++)
			if (is_name(st, i) && !aurmig__strv_contains(out, lower(b, sizeof(b), &st->t[i])) &&
			    aurmig__strv_push(out, ctx, b)) {
				free(st);
				return AURMIG_ENOMEM;
			}
		if (st->n < MAXTOK)
			break;
	}
	free(st);
	return AURMIG_OK;
}

void aurmig__lint_scope_clear(aurmig__lint_scope *s)
{
	aurmig__strv_clear(&s->created);
	aurmig__strv_clear(&s->rebuilt);
	aurmig__strv_clear(&s->renamed_from);
	aurmig__strv_clear(&s->replaced);
	aurmig__strv_clear(&s->altered);
	aurmig__strv_clear(&s->added);
	aurmig__strv_clear(&s->added_null);
	aurmig__strv_clear(&s->backfilled);
	aurmig__strv_clear(&s->made);
	aurmig__idxv_clear(&s->made_line);
	aurmig__strv_clear(&s->indexes);
	aurmig__strv_clear(&s->fks);
	aurmig__idxv_clear(&s->fk_line);
	aurmig__strv_clear(&s->dropped);
	aurmig__strv_clear(&s->coltypes);
	s->lock_bound = s->lock_unbound = s->t103_done = 0;
	s->ddl_line = s->dml_line = s->mixed = s->destroys = 0;
}
