/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dialect-aware SQL statement splitter.
 *
 * Hand-written because no library packaged in Debian splits SQL the way
 * SQLite, MySQL and PostgreSQL each lex it (quoting and escapes, comment
 * rules, dollar quotes, trigger and routine bodies, the mysql client's
 * DELIMITER); sqlite3_complete() knows only SQLite and wants NUL-terminated
 * text.
 *
 * One pass over the text, O(n); the only allocation is the result array,
 * grown by doubling. Statement bodies are tracked with a small token state
 * machine: a header recogniser (CREATE|ALTER [OR REPLACE] [DEFINER = ...]
 * [TEMP] TRIGGER|PROCEDURE|FUNCTION|EVENT) and a block depth counter.
 */
#include <string.h>

#include "base/split.h"

enum { SQL_SQLITE, SQL_MYSQL, SQL_PGSQL };

/* Where the statement being scanned is in its header. */
enum {
	HDR_START,      /* expecting CREATE or ALTER */
	HDR_CREATE,     /* after CREATE [OR REPLACE] / TEMP: expecting the object */
	HDR_OR,         /* after CREATE OR */
	HDR_DEFINER,    /* inside DEFINER = user@host */
	HDR_PLAIN,      /* an ordinary statement: the delimiter ends it */
	HDR_BODY        /* a trigger or routine: track BEGIN ... END */
};

/* Tokens fed to the state machines (whitespace and comments are not tokens). */
enum { TK_WORD, TK_LPAREN, TK_SEMI, TK_LABEL, TK_OTHER };

/* Kinds of open MySQL blocks, for telling IF() from IF ... END IF. */
enum { BLK_BLOCK, BLK_CASE_STMT, BLK_CASE_EXPR };
enum { PEND_NONE, PEND_IF, PEND_REPEAT };

enum {
	KW_NONE, KW_CREATE, KW_ALTER, KW_OR, KW_REPLACE, KW_DEFINER, KW_TEMP, KW_AGGREGATE,
	KW_TRIGGER, KW_PROCEDURE, KW_FUNCTION, KW_EVENT,
	KW_BEGIN, KW_ATOMIC, KW_CASE, KW_IF, KW_LOOP, KW_WHILE, KW_REPEAT, KW_END,
	KW_THEN, KW_ELSE, KW_DO, KW_ROW, KW_EXISTS, KW_NOT
};

static const struct {
	const char *name;
	size_t len;
	int id;
} keywords[] = {
	{ "CREATE", 6, KW_CREATE }, { "ALTER", 5, KW_ALTER }, { "OR", 2, KW_OR }, { "REPLACE", 7, KW_REPLACE },
	{ "DEFINER", 7, KW_DEFINER }, { "TEMP", 4, KW_TEMP }, { "TEMPORARY", 9, KW_TEMP },
	{ "AGGREGATE", 9, KW_AGGREGATE }, { "TRIGGER", 7, KW_TRIGGER },
	{ "PROCEDURE", 9, KW_PROCEDURE }, { "FUNCTION", 8, KW_FUNCTION },
	{ "EVENT", 5, KW_EVENT }, { "BEGIN", 5, KW_BEGIN }, { "ATOMIC", 6, KW_ATOMIC },
	{ "CASE", 4, KW_CASE }, { "IF", 2, KW_IF }, { "LOOP", 4, KW_LOOP },
	{ "WHILE", 5, KW_WHILE }, { "REPEAT", 6, KW_REPEAT }, { "END", 3, KW_END },
	{ "THEN", 4, KW_THEN }, { "ELSE", 4, KW_ELSE }, { "DO", 2, KW_DO },
	{ "ROW", 3, KW_ROW }, { "EXISTS", 6, KW_EXISTS }, { "NOT", 3, KW_NOT },
};

/* Block kinds remembered this deep; deeper blocks are only counted. */
#define KIND_STACK 64

typedef struct splitter {
	aurmig_context *ctx;
	const char *s;
	size_t n;
	size_t i;               /* scan position */
	int line;               /* file line of s[i] */
	int dialect;            /* SQL_* */
	const char *file;
	const char *delim;      /* ";" or a DELIMITER's string (points into s) */
	size_t delim_len;
	int custom_delim;       /* delim is not ";": it ends statements unconditionally */
	aurmig__stmt *v;
	size_t count;
	size_t cap;
	/* the statement being scanned */
	int hdr;                /* HDR_* */
	size_t depth;           /* open BEGIN/CASE/... blocks */
	int stmt_start;         /* MySQL: the next token starts a statement of a body */
	int after_end;          /* MySQL: END just seen, an IF/LOOP/... qualifier may follow */
	int after_begin;        /* PG: BEGIN just seen, ATOMIC may follow */
	int pending;            /* MySQL: IF or REPEAT seen, decided by the next token */
	int pending_start;      /* stmt_start where the pending word stood */
	unsigned char kinds[KIND_STACK];
} splitter;

/* ---------------------------------------------------------------- chars */

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '_' || c == '$' || c >= 0x80;
}

/* First character of a PostgreSQL dollar-quote tag. */
static int is_tag_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int is_tag_char(unsigned char c)
{
	return is_tag_start(c) || (c >= '0' && c <= '9');
}

/* Case-insensitive comparison of w[0..len) with the upper-case keyword k. */
static int word_is(const char *w, size_t len, const char *k)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)w[i];

		if (c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 'a' + 'A');
		if (!k[i] || c != (unsigned char)k[i])
			return 0;
	}
	return k[len] == '\0';
}

static int classify(const char *w, size_t len)
{
	size_t k;

	if (len < 2 || len > 9)
		return KW_NONE;
	for (k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
		if (keywords[k].len == len && word_is(w, len, keywords[k].name))
			return keywords[k].id;
	return KW_NONE;
}

static int delim_at(const splitter *sp, size_t i)
{
	return sp->n - i >= sp->delim_len && memcmp(sp->s + i, sp->delim, sp->delim_len) == 0;
}

/* ---------------------------------------------------------------- errors */

static int nul_error(splitter *sp)
{
	return aurmig__err_at(sp->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, sp->file, sp->line,
		"NUL byte in SQL text");
}

static int unterminated(splitter *sp, int line, const char *what)
{
	return aurmig__err_at(sp->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, sp->file, line,
		"unterminated %s starting here", what);
}

/* ---------------------------------------------------------------- lexing */

/*
 * A quoted string or identifier opened by the character at sp->i and closed
 * by close. doubled: a doubled close stands for itself; backslash: a
 * backslash escapes the next character.
 */
static int scan_quoted(splitter *sp, char close, int doubled, int backslash, const char *what)
{
	const char *s = sp->s;
	size_t n = sp->n, i = sp->i + 1;
	int start_line = sp->line;

	while (i < n) {
		char c = s[i];

		if (c == close) {
			if (doubled && i + 1 < n && s[i + 1] == close) {
				i += 2;
				continue;
			}
			sp->i = i + 1;
			return AURMIG_OK;
		}
		if (c == '\\' && backslash) {
			if (i + 1 >= n)
				break;
			c = s[++i];
		}
		if (c == '\n')
			sp->line++;
		else if (c == '\0')
			return nul_error(sp);
		i++;
	}
	return unterminated(sp, start_line, what);
}

/* A line comment from sp->i up to (not including) the newline. */
static int skip_line_comment(splitter *sp)
{
	const char *s = sp->s;
	size_t n = sp->n, i = sp->i;

	while (i < n && s[i] != '\n') {
		if (s[i] == '\0') {
			sp->i = i;
			return nul_error(sp);
		}
		i++;
	}
	sp->i = i;
	return AURMIG_OK;
}

/* A block comment at sp->i; PostgreSQL nests them. */
static int skip_block_comment(splitter *sp, int executable)
{
	const char *s = sp->s;
	size_t n = sp->n, i = sp->i + 2;
	int start_line = sp->line, nest = 1;

	while (i < n) {
		char c = s[i];

		if (c == '*' && i + 1 < n && s[i + 1] == '/') {
			i += 2;
			if (--nest == 0) {
				sp->i = i;
				return AURMIG_OK;
			}
			continue;
		}
		if (c == '/' && i + 1 < n && s[i + 1] == '*' && sp->dialect == SQL_PGSQL) {
			nest++;
			i += 2;
			continue;
		}
		if (c == '\n')
			sp->line++;
		else if (c == '\0')
			return nul_error(sp);
		i++;
	}
	return unterminated(sp, start_line, executable ? "executable comment" : "block comment");
}

/* Does a line comment start at i? MySQL wants "-- " (or a control character). */
static int line_comment_at(const splitter *sp, size_t i)
{
	const char *s = sp->s;
	unsigned char c;

	if (s[i] == '#')
		return sp->dialect == SQL_MYSQL;
	if (s[i] != '-' || i + 1 >= sp->n || s[i + 1] != '-')
		return 0;
	if (sp->dialect != SQL_MYSQL || i + 2 >= sp->n)
		return 1;
	c = (unsigned char)s[i + 2];
	return c <= ' ' || c == 0x7f;
}

static int block_comment_at(const splitter *sp, size_t i)
{
	return sp->s[i] == '/' && i + 1 < sp->n && sp->s[i + 1] == '*';
}

/* MySQL executable comments (slash-star-bang, MariaDB slash-star-M-bang) are content. */
static int executable_comment_at(const splitter *sp, size_t i)
{
	const char *s = sp->s;
	size_t n = sp->n;

	if (sp->dialect != SQL_MYSQL || !block_comment_at(sp, i) || i + 2 >= n)
		return 0;
	return s[i + 2] == '!' || (s[i + 2] == 'M' && i + 3 < n && s[i + 3] == '!');
}

/*
 * At a '$' in PostgreSQL: a dollar-quoted string ($$...$$ or $tag$...$tag$)
 * is skipped whole; anything else ($1, a lone $) is left for the caller.
 * *quoted tells which.
 */
static int scan_dollar(splitter *sp, int *quoted)
{
	const char *s = sp->s;
	size_t n = sp->n, i = sp->i + 1, tag_len;
	int start_line = sp->line;

	*quoted = 0;
	if (i < n && is_tag_start((unsigned char)s[i]))
		while (i < n && is_tag_char((unsigned char)s[i]))
			i++;
	if (i >= n || s[i] != '$')
		return AURMIG_OK;
	*quoted = 1;
	tag_len = i + 1 - sp->i;
	for (i++; i < n; i++) {
		char c = s[i];

		if (c == '$' && n - i >= tag_len && memcmp(s + i, s + sp->i, tag_len) == 0) {
			sp->i = i + tag_len;
			return AURMIG_OK;
		}
		if (c == '\n')
			sp->line++;
		else if (c == '\0')
			return nul_error(sp);
	}
	if (tag_len > 64)
		return aurmig__err_at(sp->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, sp->file,
			start_line, "unterminated dollar-quoted string %.60s...", s + sp->i);
	return aurmig__err_at(sp->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, sp->file, start_line,
		"unterminated dollar-quoted string %.*s", (int)tag_len, s + sp->i);
}

/* ---------------------------------------------------------------- bodies */

static void block_push(splitter *sp, int kind)
{
	if (sp->depth < KIND_STACK)
		sp->kinds[sp->depth] = (unsigned char)kind;
	sp->depth++;
}

static void block_pop(splitter *sp)
{
	if (sp->depth)
		sp->depth--;
}

static int block_top(const splitter *sp)
{
	if (!sp->depth || sp->depth > KIND_STACK)
		return BLK_BLOCK;
	return sp->kinds[sp->depth - 1];
}

/*
 * The object keyword after CREATE decides whether the statement may have a
 * body. (PostgreSQL triggers and events have none, but they cannot hold
 * BEGIN ATOMIC either, so treating them alike is harmless.)
 */
static int is_body_object(int kw)
{
	return kw == KW_TRIGGER || kw == KW_PROCEDURE || kw == KW_FUNCTION || kw == KW_EVENT;
}

static void header_token(splitter *sp, int kw)
{
	switch (sp->hdr) {
	case HDR_START:
		/* ALTER too: MySQL's ALTER EVENT ... DO BEGIN ... END has a body */
		sp->hdr = kw == KW_CREATE || kw == KW_ALTER ? HDR_CREATE : HDR_PLAIN;
		break;
	case HDR_CREATE:
		if (kw == KW_OR)
			sp->hdr = HDR_OR;
		else if (kw == KW_DEFINER)
			sp->hdr = HDR_DEFINER;
		else if (kw != KW_TEMP && kw != KW_AGGREGATE)
			sp->hdr = is_body_object(kw) ? HDR_BODY : HDR_PLAIN;
		break;
	case HDR_OR:
		sp->hdr = kw == KW_REPLACE ? HDR_CREATE : HDR_PLAIN;
		break;
	case HDR_DEFINER:
		/* skip the account (`u`@`h`, 'u'@'h', u@h, CURRENT_USER[()]) */
		if (kw == KW_TEMP || kw == KW_AGGREGATE)
			sp->hdr = HDR_CREATE;
		else if (is_body_object(kw))
			sp->hdr = HDR_BODY;
		break;
	}
}

/*
 * MySQL compound statements. IF and REPEAT are also functions, so they open
 * a block only where a statement starts, or when not followed by "(" (nor,
 * for IF, by EXISTS / NOT as in DROP TABLE IF EXISTS). THEN and ELSE start
 * statements except inside a CASE expression.
 */
static void body_token_mysql(splitter *sp, int tk, int kw)
{
	int start = sp->stmt_start;

	if (sp->pending != PEND_NONE) {
		int opener = sp->pending_start || !(tk == TK_LPAREN ||
			(sp->pending == PEND_IF && (kw == KW_EXISTS || kw == KW_NOT)));

		if (opener)
			block_push(sp, BLK_BLOCK);
		start = opener && sp->pending == PEND_REPEAT;
		sp->pending = PEND_NONE;
	}
	sp->stmt_start = 0;
	if (sp->after_end) {
		sp->after_end = 0;
		if (kw == KW_IF || kw == KW_LOOP || kw == KW_CASE || kw == KW_WHILE || kw == KW_REPEAT)
			return;         /* END IF, END LOOP, ...: already closed */
	}
	if (tk == TK_SEMI || tk == TK_LABEL) {
		sp->stmt_start = 1;
		return;
	}
	switch (kw) {
	case KW_BEGIN:
	case KW_LOOP:
		block_push(sp, BLK_BLOCK);
		sp->stmt_start = 1;
		break;
	case KW_WHILE:
		block_push(sp, BLK_BLOCK);
		break;
	case KW_CASE:
		block_push(sp, start ? BLK_CASE_STMT : BLK_CASE_EXPR);
		break;
	case KW_IF:
	case KW_REPEAT:
		sp->pending = kw == KW_IF ? PEND_IF : PEND_REPEAT;
		sp->pending_start = start;
		break;
	case KW_END:
		block_pop(sp);
		sp->after_end = 1;
		break;
	case KW_THEN:
	case KW_ELSE:
		sp->stmt_start = block_top(sp) != BLK_CASE_EXPR;
		break;
	case KW_DO:
	case KW_ROW:
		sp->stmt_start = 1;
		break;
	}
}

/* SQLite trigger bodies: BEGIN ... END holding CASE ... END expressions. */
static void body_token_sqlite(splitter *sp, int kw)
{
	if (kw == KW_BEGIN || kw == KW_CASE)
		sp->depth++;
	else if (kw == KW_END && sp->depth)
		sp->depth--;
}

/* PostgreSQL 14+ SQL-standard bodies: BEGIN ATOMIC ... END. */
static void body_token_pgsql(splitter *sp, int kw)
{
	if (sp->after_begin) {
		sp->after_begin = 0;
		if (kw == KW_ATOMIC) {
			sp->depth++;
			return;
		}
	}
	if (kw == KW_BEGIN && sp->depth == 0)
		sp->after_begin = 1;
	else if (kw == KW_CASE && sp->depth)
		sp->depth++;
	else if (kw == KW_END && sp->depth)
		sp->depth--;
}

static void token(splitter *sp, int tk, int kw)
{
	if (sp->hdr == HDR_PLAIN)
		return;
	if (sp->hdr != HDR_BODY) {
		header_token(sp, kw);
		return;
	}
	switch (sp->dialect) {
	case SQL_MYSQL:
		body_token_mysql(sp, tk, kw);
		break;
	case SQL_PGSQL:
		body_token_pgsql(sp, kw);
		break;
	default:
		body_token_sqlite(sp, kw);
		break;
	}
}

/* A word (keyword, identifier, number) at sp->i. */
static int scan_word(splitter *sp)
{
	const char *s = sp->s;
	size_t n = sp->n, start = sp->i, i = start;
	int kw = KW_NONE;

	while (i < n && is_word_char((unsigned char)s[i])) {
		if (sp->custom_delim && s[i] == sp->delim[0] && delim_at(sp, i))
			break;
		i++;
	}
	sp->i = i;
	/* PostgreSQL E'...' takes backslash escapes */
	if (sp->dialect == SQL_PGSQL && i - start == 1 && (s[start] == 'E' || s[start] == 'e') &&
		i < n && s[i] == '\'') {
		int rc = scan_quoted(sp, '\'', 1, 1, "escape string (E'...')");

		if (rc)
			return rc;
		token(sp, TK_OTHER, KW_NONE);
		return AURMIG_OK;
	}
	if (sp->hdr == HDR_PLAIN)
		return AURMIG_OK;
	/* t.end, @end: names, not keywords */
	if (start == 0 || (s[start - 1] != '.' && s[start - 1] != '@'))
		kw = classify(s + start, i - start);
	token(sp, TK_WORD, kw);
	return AURMIG_OK;
}

/* ---------------------------------------------------------------- statements */

static void statement_reset(splitter *sp)
{
	sp->hdr = HDR_START;
	sp->depth = 0;
	sp->stmt_start = 0;
	sp->after_end = 0;
	sp->after_begin = 0;
	sp->pending = PEND_NONE;
	sp->pending_start = 0;
}

/*
 * Scan the statement starting at sp->i (a real token) up to its delimiter.
 * *end is where the delimiter (or the text) starts; sp->i moves past it.
 */
static int scan_statement(splitter *sp, size_t *end)
{
	const char *s = sp->s;
	size_t n = sp->n;
	int rc = AURMIG_OK, quoted;

	statement_reset(sp);
	while (sp->i < n) {
		size_t i = sp->i;
		char c = s[i];

		if (sp->custom_delim && c == sp->delim[0] && delim_at(sp, i)) {
			*end = i;
			sp->i = i + sp->delim_len;
			return AURMIG_OK;
		}
		switch (c) {
		case '\n':
			sp->line++;
			sp->i++;
			continue;
		case ' ': case '\t': case '\r': case '\f': case '\v':
			sp->i++;
			continue;
		case '\0':
			return nul_error(sp);
		case ';':
			if (!sp->custom_delim && sp->depth == 0) {
				*end = i;
				sp->i = i + 1;
				return AURMIG_OK;
			}
			sp->i++;
			token(sp, TK_SEMI, KW_NONE);
			continue;
		case '\'':
			rc = scan_quoted(sp, '\'', 1, sp->dialect == SQL_MYSQL, "single-quoted string");
			break;
		case '"':
			if (sp->dialect == SQL_MYSQL)
				rc = scan_quoted(sp, '"', 1, 1, "double-quoted string");
			else
				rc = scan_quoted(sp, '"', 1, 0, "double-quoted identifier");
			break;
		case '`':
			if (sp->dialect == SQL_PGSQL)
				sp->i++;
			else
				rc = scan_quoted(sp, '`', 1, 0, "backtick-quoted identifier");
			break;
		case '[':
			if (sp->dialect == SQL_SQLITE)
				rc = scan_quoted(sp, ']', 0, 0, "bracket-quoted identifier");
			else
				sp->i++;
			break;
		case '-':
		case '#':
			if (line_comment_at(sp, i)) {
				rc = skip_line_comment(sp);
				if (rc)
					return rc;
				continue;
			}
			sp->i++;
			break;
		case '/':
			if (block_comment_at(sp, i)) {
				/* executable comments are kept but opaque, like comments */
				rc = skip_block_comment(sp, executable_comment_at(sp, i));
				if (rc)
					return rc;
				continue;
			}
			sp->i++;
			break;
		case '$':
			if (sp->dialect != SQL_PGSQL) {
				rc = scan_word(sp);
				if (rc)
					return rc;
				continue;
			}
			rc = scan_dollar(sp, &quoted);
			if (rc)
				return rc;
			if (!quoted) {
				/* $1 parameter or a lone $ */
				for (sp->i++; sp->i < n && s[sp->i] >= '0' && s[sp->i] <= '9'; sp->i++)
					;
			}
			break;
		case '(':
			sp->i++;
			token(sp, TK_LPAREN, KW_NONE);
			continue;
		case ':':
			sp->i++;
			/* MySQL "label:" but not ":=" */
			token(sp, sp->i < n && s[sp->i] == '=' ? TK_OTHER : TK_LABEL, KW_NONE);
			continue;
		default:
			if (is_word_char((unsigned char)c)) {
				rc = scan_word(sp);
				if (rc)
					return rc;
				continue;
			}
			sp->i++;
			break;
		}
		if (rc)
			return rc;
		token(sp, TK_OTHER, KW_NONE);
	}
	*end = n;
	return AURMIG_OK;
}

/* Skip blanks, comments and empty statements before the next statement. */
static int skip_gap(splitter *sp)
{
	const char *s = sp->s;
	size_t n = sp->n;
	int rc;

	while (sp->i < n) {
		size_t i = sp->i;
		char c = s[i];

		if (c == sp->delim[0] && delim_at(sp, i)) {
			sp->i += sp->delim_len;
			continue;
		}
		if (c == '\n') {
			sp->line++;
			sp->i++;
		} else if (is_blank((unsigned char)c)) {
			sp->i++;
		} else if (line_comment_at(sp, i)) {
			rc = skip_line_comment(sp);
			if (rc)
				return rc;
		} else if (block_comment_at(sp, i) && !executable_comment_at(sp, i)) {
			rc = skip_block_comment(sp, 0);
			if (rc)
				return rc;
		} else {
			break;
		}
	}
	return AURMIG_OK;
}

/* MySQL: is sp->i at a DELIMITER command (the first token of its line)? */
static int delimiter_command_at(const splitter *sp)
{
	const char *s = sp->s;
	size_t p = sp->i, q;

	if (sp->n - p < 9 || !word_is(s + p, 9, "DELIMITER"))
		return 0;
	if (p + 9 < sp->n && is_word_char((unsigned char)s[p + 9]))
		return 0;
	for (q = p; q > 0 && (s[q - 1] == ' ' || s[q - 1] == '\t'); q--)
		;
	return q == 0 || s[q - 1] == '\n';
}

/* DELIMITER xx: the first blank-separated word is the new delimiter; the rest of the line is ignored. */
static int delimiter_command(splitter *sp)
{
	const char *s = sp->s;
	size_t n = sp->n, i = sp->i + 9, start;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	start = i;
	while (i < n && !is_blank((unsigned char)s[i]) && s[i] != '\0')
		i++;
	if (i == start) {
		if (i < n && s[i] == '\0')
			return nul_error(sp);
		return aurmig__err_at(sp->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, sp->file, sp->line,
			"DELIMITER must be followed by a delimiter string");
	}
	sp->delim = s + start;
	sp->delim_len = i - start;
	sp->custom_delim = !(sp->delim_len == 1 && sp->delim[0] == ';');
	sp->i = i;
	return skip_line_comment(sp);
}

static int push_statement(splitter *sp, size_t offset, size_t len, int line)
{
	aurmig__stmt *st;

	if (sp->count == sp->cap) {
		size_t cap = sp->cap ? sp->cap * 2 : 16;
		aurmig__stmt *v = aurmig__reallocarray(sp->ctx, sp->v, cap, sizeof(*v));

		if (!v)
			return AURMIG_ENOMEM;
		sp->v = v;
		sp->cap = cap;
	}
	st = &sp->v[sp->count++];
	st->offset = offset;
	st->len = len;
	st->line = line;
	return AURMIG_OK;
}

static int split_all(splitter *sp)
{
	for (;;) {
		size_t start, end = 0;
		int line, rc;

		rc = skip_gap(sp);
		if (rc)
			return rc;
		if (sp->i >= sp->n)
			return AURMIG_OK;
		if (sp->dialect == SQL_MYSQL && delimiter_command_at(sp)) {
			rc = delimiter_command(sp);
			if (rc)
				return rc;
			continue;
		}
		start = sp->i;
		line = sp->line;
		rc = scan_statement(sp, &end);
		if (rc)
			return rc;
		while (end > start && is_blank((unsigned char)sp->s[end - 1]))
			end--;
		rc = push_statement(sp, start, end - start, line);
		if (rc)
			return rc;
	}
}

int aurmig__split(aurmig__stmt **out, size_t *count, aurmig_context *ctx,
	const char *text, size_t len, int dialect, const char *file, int first_line)
{
	splitter sp;
	int rc;

	if (out)
		*out = NULL;
	if (count)
		*count = 0;
	if (!out || !count || (!text && len))
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig__split: NULL argument");
	memset(&sp, 0, sizeof(sp));
	switch (dialect) {
	case AURMIG_DIALECT_ANY:
	case AURMIG_DIALECT_SQLITE:
		sp.dialect = SQL_SQLITE;
		break;
	case AURMIG_DIALECT_MYSQL:
		sp.dialect = SQL_MYSQL;
		break;
	case AURMIG_DIALECT_PGSQL:
		sp.dialect = SQL_PGSQL;
		break;
	default:
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"unknown SQL dialect %d", dialect);
	}
	sp.ctx = ctx;
	sp.s = text;
	sp.n = len;
	sp.line = first_line;
	sp.file = file;
	sp.delim = ";";
	sp.delim_len = 1;

	rc = split_all(&sp);
	if (rc) {
		aurmig__free(sp.v);
		return rc;
	}
	*out = sp.v;
	*count = sp.count;
	return AURMIG_OK;
}

/* ---------------------------------------------------------------- kinds */

int aurmig__stmt_is_dml(const char *text, size_t len, int dialect)
{
	size_t i = 0, w;

	/* leading blanks and comments; an executable comment (MySQL's
	 * "/\*!...*\/", MariaDB's "/\*M!...*\/") may hold anything: unsure */
	for (;;) {
		while (i < len && is_blank((unsigned char)text[i]))
			i++;
		if (i + 1 < len && text[i] == '-' && text[i + 1] == '-') {
			while (i < len && text[i] != '\n')
				i++;
		} else if (i < len && text[i] == '#' && aurmig__dialect_of(dialect)->hash_comments) {
			while (i < len && text[i] != '\n')
				i++;
		} else if (i + 1 < len && text[i] == '/' && text[i + 1] == '*') {
			if (i + 2 < len && (text[i + 2] == '!' || text[i + 2] == 'M'))
				return 0;
			for (i += 2; i + 1 < len && !(text[i] == '*' && text[i + 1] == '/'); i++)
				;
			if (i + 1 >= len)
				return 0;
			i += 2;
		} else {
			break;
		}
	}
	for (w = i; w < len && is_word_char((unsigned char)text[w]); w++)
		;
	if (w == i || (w < len && !is_blank((unsigned char)text[w]) && text[w] != '(' && text[w] != '/' &&
	    text[w] != '-'))
		return 0;
	return word_is(text + i, w - i, "INSERT") || word_is(text + i, w - i, "UPDATE") ||
		word_is(text + i, w - i, "DELETE") ||
		(dialect == AURMIG_DIALECT_MYSQL && word_is(text + i, w - i, "REPLACE"));
}
