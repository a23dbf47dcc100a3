/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lint's view of one statement: tokens (words, quoted identifiers, strings,
 * numbers, punctuation, with their parenthesis depth), the helpers the rules
 * read them with, and the rules of policy.c that rules.c calls.
 */
#ifndef AURMIG_LINT_TOK_H
#define AURMIG_LINT_TOK_H

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "lint/lint_priv.h"

enum { T_WORD, T_QUOTED, T_STRING, T_NUMBER, T_PUNCT };

typedef struct tok {
	int type;
	const char *s;   /* text (without the quotes for T_QUOTED) */
	size_t n;
	int depth;       /* parenthesis depth at the token */
} tok;

#define MAXTOK 4096

typedef struct stmt {
	tok t[MAXTOK];
	size_t n;
	int dialect;
} stmt;

/* token helpers */

static inline int is(const stmt *st, size_t i, const char *kw)
{
	return i < st->n && st->t[i].type == T_WORD && strlen(kw) == st->t[i].n &&
		strncasecmp(st->t[i].s, kw, st->t[i].n) == 0;
}

static inline int punct(const stmt *st, size_t i, char c)
{
	return i < st->n && st->t[i].type == T_PUNCT && st->t[i].s[0] == c;
}

static inline int is_name(const stmt *st, size_t i)
{
	return i < st->n && (st->t[i].type == T_WORD || st->t[i].type == T_QUOTED);
}

/* Skip IF [NOT] EXISTS at i. */
static inline size_t skip_if(const stmt *st, size_t i)
{
	if (is(st, i, "IF") && is(st, i + 1, "NOT") && is(st, i + 2, "EXISTS"))
		return i + 3;
	if (is(st, i, "IF") && is(st, i + 1, "EXISTS"))
		return i + 2;
	return i;
}

/* A possibly qualified name at *i (schema.table): the last part, *i advanced. */
static inline const tok *name_at(const stmt *st, size_t *i)
{
	const tok *t;

	if (!is_name(st, *i))
		return NULL;
	t = &st->t[(*i)++];
	while (punct(st, *i, '.') && is_name(st, *i + 1)) {
		t = &st->t[*i + 1];
		*i += 2;
	}
	return t;
}

/* Lower-cased copy of a token into buf (truncated to size-1). */
static inline const char *lower(char *buf, size_t size, const tok *t)
{
	size_t n = t ? (t->n < size - 1 ? t->n : size - 1) : 0;

	for (size_t k = 0; k < n; k++)
		buf[k] = (char)tolower((unsigned char)t->s[k]);
	buf[n] = '\0';
	return buf;
}

static inline int word_in(const stmt *st, size_t from, size_t to, const char *kw, int depth)
{
	for (size_t i = from; i < to && i < st->n; i++)
		if ((depth < 0 || st->t[i].depth == depth) && is(st, i, kw))
			return 1;
	return 0;
}

/* A table that existed before the section (not created earlier in it). */
static inline int existing(const aurmig__lint_scope *s, const char *table)
{
	return !aurmig__strv_contains(&s->created, table);
}

static inline int version(const aurmig__lint_scope *s)
{
	return s->opts ? s->opts->version[s->dialect] : 0;
}

/* policy.c */
void aurmig__lint_check_reserved(aurmig__lint_scope *s, const tok *t, const char *what);
void aurmig__lint_check_name(aurmig__lint_scope *s, int kind, const tok *t);
size_t aurmig__lint_collist(const stmt *st, size_t i, size_t end, char *out, size_t size, int *prefix);
void aurmig__lint_index_add(aurmig__lint_scope *s, const char *name, const char *tb, int uniq, const char *cols, int check);
void aurmig__lint_index_drop(aurmig__lint_scope *s, const char *name, const char *tb);
void aurmig__lint_index_drop_table(aurmig__lint_scope *s, const char *tb);
void aurmig__lint_column_policy(aurmig__lint_scope *s, const stmt *st, size_t i, size_t end, const char *tb, int new_table);
int aurmig__lint_key_element(aurmig__lint_scope *s, const stmt *st, size_t i, size_t end, const char *tb, int new_table, const tok *cname);
void aurmig__lint_unknown(aurmig__lint_scope *s, const stmt *st);
void aurmig__lint_lock_wait(aurmig__lint_scope *s);
void aurmig__lint_set_statement(aurmig__lint_scope *s, const stmt *st);
void aurmig__lint_guard(aurmig__lint_scope *s, const stmt *st);

/* live.c: a rule about existing rows, counted in the live database */
enum { LIVE_ROWS, LIVE_DUP, LIVE_PK, LIVE_NULL, LIVE_ORPHAN, LIVE_CHECK, LIVE_WHERE };
typedef struct aurmig__lint_live_q {
	int kind;
	const tok *table;
	const tok *cols[16];     /* the key / the column(s) */
	size_t ncols;            /* 0: not a plain column list */
	const tok *parent;       /* LIVE_ORPHAN: the referenced table and columns */
	const tok *pcols[16];
	size_t npcols;
	const char *expr;        /* LIVE_CHECK: the expression inside CHECK ( ); LIVE_WHERE: the condition */
	size_t expr_len;
} aurmig__lint_live_q;
/* The plain columns of the first ( ... ) at or after i into out (n = 0
 * when one is a prefix length or an expression); returns the index after ')'. */
size_t aurmig__lint_live_cols(const stmt *st, size_t i, size_t end, const tok **out, size_t max, size_t *n);
/* With --live on this dialect: count the rows that would fail (q); the
 * note for the message ("; live: 3 rows would violate this", or why it is
 * not known) and the scope's live fields for the next finding (live_set).
 * Returns the severity the count implies: error when some rows would fail,
 * info when none, -1 (the rule's) when not known or without --live. */
int aurmig__lint_live_count(aurmig__lint_scope *s, const aurmig__lint_live_q *q, char *note, size_t note_size);

/* live.c: a column's definition in the live database (D105) */
typedef struct aurmig__lint_live_col {
	char name[128], table[128];   /* as the database spells them */
	char type[512];               /* COLUMN_TYPE, format_type(), SQLite's declared type */
	char charset[64];             /* MySQL: the column's character set, "" none */
	char table_charset[64];       /* MySQL: the table's default character set */
	int nullable;
} aurmig__lint_live_col;
/* 1 and *out; 0 not known (why); -1 without --live on this dialect. */
int aurmig__lint_live_column(aurmig__lint_scope *s, const char *table, const char *col, aurmig__lint_live_col *out,
	char *why, size_t wn);

/* retype.c: D105, a column's type change, compared with its old definition */
void aurmig__lint_retype(aurmig__lint_scope *s, const stmt *st, size_t i, size_t end, const tok *table, const tok *c);
/* An ADD COLUMN of an existing table (tokens of its type from i): its type
 * is known to the section's later type changes. */
void aurmig__lint_coltype_note(aurmig__lint_scope *s, const stmt *st, size_t i, size_t end, const char *tb, const tok *c);

#endif
