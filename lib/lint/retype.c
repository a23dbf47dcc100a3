/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * D105: a column's type changes (MODIFY, CHANGE, ALTER COLUMN ... TYPE).
 * The old definition comes from earlier statements of the section (an ADD
 * COLUMN or an earlier type change of an existing table) or, with --live,
 * from the target database; both types are read by the schema layer's type
 * parser (aurmig__schema_parse_type) and compared: a narrowing (shorter
 * strings, a smaller integer range, a character set that holds fewer
 * characters, ENUM values removed, another type family) is an error with
 * its reason, and with --live the rows it damages are counted; a widening
 * or no change is info; an unknown old type is today's warning, saying why.
 * SQLite's types are affinity only (docs/lint.md, D105).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/tok.h"
#include "db/db.h"
#include "schema/schema.h"

enum { V_SAME, V_WIDEN, V_NARROW, V_UNKNOWN };
enum { F_INT, F_NUM, F_STR, F_BIN, F_TIME, F_BOOL, F_ENUM, F_OTHER };

typedef struct coltype {
	aurmig__ctype t;
	char spelling[512];   /* as written / as the database spells it */
	char charset[64];     /* MySQL string types: lower case, utf8 -> utf8mb3; "" not known */
	int is_enum;
} coltype;

typedef struct verdict {
	int v;
	char why[600];        /* the reasons, "; " apart */
	aurmig__buf where;    /* the damaged rows' condition, " OR " apart; empty: not counted */
	int uncounted;        /* a reason whose rows are not counted */
	int oom;
} verdict;

/* ---------------------------------------------------------------- the new type */

static int stop_word(const stmt *st, size_t i)
{
	static const char *const w[] = {
		"NOT", "NULL", "DEFAULT", "CHARSET", "COLLATE", "AUTO_INCREMENT", "PRIMARY", "UNIQUE", "KEY", "COMMENT",
		"FIRST", "AFTER", "USING", "ON", "GENERATED", "AS", "CHECK", "REFERENCES", "INVISIBLE", "COLUMN_FORMAT",
		"STORAGE", "CONSTRAINT", NULL
	};
	if (is(st, i, "CHARACTER") && is(st, i + 1, "SET"))
		return 1;
	for (size_t k = 0; w[k]; k++)
		if (is(st, i, w[k]))
			return 1;
	return 0;
}

static void lower_cs(char *out, size_t n, const char *cs, size_t len)
{
	size_t k = 0;
	for (; k < len && k + 1 < n; k++)
		out[k] = (char)tolower((unsigned char)cs[k]);
	out[k] = '\0';
	if (!strcmp(out, "utf8"))
		snprintf(out, n, "utf8mb3");
}

/* The type written from i to end (and its CHARACTER SET / COLLATE) into *ct. */
static void type_from_tokens(coltype *ct, const stmt *st, size_t i, size_t end)
{
	size_t o = 0, n = sizeof(ct->spelling);
	int depth;

	memset(ct, 0, sizeof(*ct));
	while (is(st, i, "SET") || is(st, i, "DATA") || is(st, i, "TYPE"))
		i++;
	depth = i < st->n ? st->t[i].depth : 0;
	for (size_t j = i; j < end && j < st->n; j++) {
		const tok *t = &st->t[j];
		if (t->depth == depth && j > i && stop_word(st, j) && !punct(st, j, '('))
			break;
		if (o && !(punct(st, j, '(') || punct(st, j, ')') || punct(st, j, ',')) && ct->spelling[o - 1] != '(' &&
		    ct->spelling[o - 1] != ',' && o + 1 < n)
			ct->spelling[o++] = ' ';
		if (t->type == T_STRING)
			o += (size_t)snprintf(ct->spelling + o, n - o, "'%.*s'", (int)t->n, t->s);
		else
			o += (size_t)snprintf(ct->spelling + o, n - o, "%.*s", (int)t->n, t->s);
		if (o >= n) {
			o = n - 1;
			break;
		}
	}
	ct->spelling[o] = '\0';
	for (size_t j = i; j < end && j < st->n; j++) {
		size_t k = 0;
		if (st->t[j].depth != depth)
			continue;
		if (is(st, j, "CHARACTER") && is(st, j + 1, "SET"))
			k = j + 2;
		else if (is(st, j, "CHARSET"))
			k = j + 1;
		if (k) {
			k += punct(st, k, '=');
			if (k < st->n && st->t[k].type != T_PUNCT)
				lower_cs(ct->charset, sizeof(ct->charset), st->t[k].s, st->t[k].n);
		} else if (is(st, j, "COLLATE") && !ct->charset[0] && j + 1 + punct(st, j + 1, '=') < st->n &&
			   st->t[j + 1 + punct(st, j + 1, '=')].type != T_PUNCT) {
			const tok *c = &st->t[j + 1 + punct(st, j + 1, '=')];
			size_t len = 0;
			while (len < c->n && c->s[len] != '_')
				len++;
			lower_cs(ct->charset, sizeof(ct->charset), c->s, len);
		}
	}
}

/* ---------------------------------------------------------------- comparing */

static int family(const aurmig__ctype *t, int is_enum, int dialect)
{
	if (is_enum)
		return F_ENUM;
	switch (t->kind) {
	case AURMIG_TYPE_INTEGER: case AURMIG_TYPE_TINYINT: case AURMIG_TYPE_SMALLINT: case AURMIG_TYPE_MEDIUMINT:
	case AURMIG_TYPE_INT: case AURMIG_TYPE_BIGINT:
		return F_INT;
	case AURMIG_TYPE_BOOLEAN:
		return dialect == AURMIG_DIALECT_MYSQL ? F_INT : F_BOOL;
	case AURMIG_TYPE_DECIMAL: case AURMIG_TYPE_FLOAT: case AURMIG_TYPE_DOUBLE:
		return F_NUM;
	case AURMIG_TYPE_CHAR: case AURMIG_TYPE_VARCHAR: case AURMIG_TYPE_TEXT:
		return F_STR;
	case AURMIG_TYPE_BLOB:
		return F_BIN;
	case AURMIG_TYPE_DATE: case AURMIG_TYPE_TIME: case AURMIG_TYPE_DATETIME: case AURMIG_TYPE_TIMESTAMP:
		return F_TIME;
	default:
		return F_OTHER;
	}
}

static const char *family_word(int f)
{
	static const char *const w[] = { "integer", "number", "text", "binary", "date/time", "boolean", "enum", "other" };
	return w[f];
}

/* An integer type's range. */
static void int_range(const aurmig__ctype *t, long double *lo, long double *hi, const char **text)
{
	static const struct { int kind; const char *s, *u; long double lo, hi, uhi; } r[] = {
		{ AURMIG_TYPE_TINYINT, "-128..127", "0..255", -128.0L, 127.0L, 255.0L },
		{ AURMIG_TYPE_BOOLEAN, "-128..127", "0..255", -128.0L, 127.0L, 255.0L },
		{ AURMIG_TYPE_SMALLINT, "-32768..32767", "0..65535", -32768.0L, 32767.0L, 65535.0L },
		{ AURMIG_TYPE_MEDIUMINT, "-8388608..8388607", "0..16777215", -8388608.0L, 8388607.0L, 16777215.0L },
		{ AURMIG_TYPE_INT, "-2147483648..2147483647", "0..4294967295", -2147483648.0L, 2147483647.0L, 4294967295.0L },
		{ AURMIG_TYPE_BIGINT, "-9223372036854775808..9223372036854775807", "0..18446744073709551615",
		  -9223372036854775808.0L, 9223372036854775807.0L, 18446744073709551615.0L },
		{ AURMIG_TYPE_INTEGER, "-9223372036854775808..9223372036854775807", "0..18446744073709551615",
		  -9223372036854775808.0L, 9223372036854775807.0L, 18446744073709551615.0L },
	};
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (r[i].kind == t->kind) {
			*lo = t->is_unsigned ? 0.0L : r[i].lo;
			*hi = t->is_unsigned ? r[i].uhi : r[i].hi;
			*text = t->is_unsigned ? r[i].u : r[i].s;
			return;
		}
	*lo = r[5].lo, *hi = r[5].hi, *text = r[5].s;
}

/* The most bytes one character takes in a MySQL character set (4 when not known). */
static int mbmax(const char *cs)
{
	if (!strcmp(cs, "latin1") || !strcmp(cs, "ascii") || !strcmp(cs, "binary") || !strcmp(cs, "latin2"))
		return 1;
	if (!strcmp(cs, "ucs2"))
		return 2;
	if (!strcmp(cs, "utf8mb3"))
		return 3;
	return 4;
}

/* Characters a string type holds; -1 unbounded. */
static long double str_capacity(const coltype *c, int dialect)
{
	if (c->t.kind == AURMIG_TYPE_CHAR)
		return c->t.length >= 0 ? c->t.length : 1;
	if (c->t.kind == AURMIG_TYPE_VARCHAR)
		return c->t.length >= 0 ? c->t.length : -1;
	if (c->t.kind == AURMIG_TYPE_TEXT && dialect == AURMIG_DIALECT_MYSQL) {
		long double bytes = !strcmp(c->t.text, "tinytext") ? 255.0L : !strcmp(c->t.text, "mediumtext") ? 16777215.0L
			: !strcmp(c->t.text, "longtext") ? 4294967295.0L : 65535.0L;
		return bytes / mbmax(c->charset);
	}
	return -1;
}

static long double bin_capacity(const coltype *c, int dialect)
{
	if (dialect != AURMIG_DIALECT_MYSQL)
		return -1;
	return !strcmp(c->t.text, "tinyblob") ? 255.0L : !strcmp(c->t.text, "mediumblob") ? 16777215.0L
		: !strcmp(c->t.text, "longblob") ? 4294967295.0L : 65535.0L;
}

/* Upper-case copy of a type's text (outside quotes). */
static const char *upper_type(char *out, size_t n, const coltype *c)
{
	const char *s = c->is_enum || c->t.kind == AURMIG_TYPE_OTHER || c->t.kind == AURMIG_TYPE_BOOLEAN || !c->t.text
		? c->spelling : c->t.text;
	char q = 0;
	size_t k = 0;

	for (; s[k] && k + 1 < n; k++) {
		char ch = s[k];
		if (q)
			q = ch == q ? 0 : q;
		else if (ch == '\'' || ch == '"')
			q = ch;
		else
			ch = (char)toupper((unsigned char)ch);
		out[k] = ch;
	}
	out[k] = '\0';
	return out;
}

/* "1" and d zeros (10^d) into out; d clamped to 0..60. */
static void pow10_text(char *out, size_t n, int d)
{
	d = d < 0 ? 0 : d > 60 ? 60 : d;
	snprintf(out, n, "1%.*s", d, "000000000000000000000000000000000000000000000000000000000000");
}

static void reason(verdict *v, const char *fmt, ...) AURMIG__PRINTF(2, 3);
static void reason(verdict *v, const char *fmt, ...)
{
	size_t o = strlen(v->why);
	va_list ap;

	v->v = V_NARROW;
	if (o && o + 2 < sizeof(v->why))
		o += (size_t)snprintf(v->why + o, sizeof(v->why) - o, "; ");
	if (o >= sizeof(v->why))
		return;
	va_start(ap, fmt);
	vsnprintf(v->why + o, sizeof(v->why) - o, fmt, ap);
	va_end(ap);
}

/* A condition on the damaged rows (col is the column's quoted name). */
static void cond(verdict *v, const char *fmt, const char *col, const char *a)
{
	if (v->where.len)
		aurmig__buf_puts(&v->where, " OR ");
	aurmig__buf_puts(&v->where, "(");
	for (const char *p = fmt; *p; p++) {
		if (*p == '@')
			aurmig__buf_puts(&v->where, col);
		else if (*p == '%')
			aurmig__buf_puts(&v->where, a);
		else
			aurmig__buf_add(&v->where, p, 1);
	}
	aurmig__buf_puts(&v->where, ")");
}

/* The next value of an ENUM('a','b') spelling at *p into buf; 0 at the end. */
static int enum_next(const char **p, char *buf, size_t n)
{
	const char *s = *p;
	size_t o = 0;

	while (*s && *s != '\'')
		s++;
	if (!*s)
		return 0;
	for (s++; *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		else if (*s == '\'' && s[1] == '\'')
			s++;
		else if (*s == '\'')
			break;
		if (o + 1 < n)
			buf[o++] = *s;
	}
	buf[o] = '\0';
	*p = *s ? s + 1 : s;
	return 1;
}

static int enum_has(const char *spelling, const char *value)
{
	const char *p = strchr(spelling, '(');
	char v[256];

	while (p && enum_next(&p, v, sizeof(v)))
		if (!strcasecmp(v, value))
			return 1;
	return 0;
}

static size_t enum_longest(const char *spelling)
{
	const char *p = strchr(spelling, '(');
	char v[256];
	size_t m = 0;

	while (p && enum_next(&p, v, sizeof(v)))
		m = strlen(v) > m ? strlen(v) : m;
	return m;
}

static int unicode_cs(const char *cs)
{
	return !strcmp(cs, "utf8mb4") || !strcmp(cs, "utf16") || !strcmp(cs, "utf16le") || !strcmp(cs, "utf32");
}

/* Does a value of character set a always fit character set b? */
static int cs_fits(const char *a, const char *b)
{
	if (!strcmp(a, b) || unicode_cs(b))
		return 1;
	if (!strcmp(b, "utf8mb3"))
		return !strcmp(a, "ascii") || !strcmp(a, "latin1") || !strcmp(a, "ucs2") || !strcmp(a, "latin2");
	if (!strcmp(b, "latin1") || !strcmp(b, "ucs2"))
		return !strcmp(a, "ascii");
	return 0;
}

/* Compare old o with new n (dialect's spelling); col: the column quoted for a condition, or NULL. */
static void compare(verdict *v, const coltype *o, const coltype *n, int dialect, const char *col, aurmig_context *ctx)
{
	int fo = family(&o->t, o->is_enum, dialect), fn = family(&n->t, n->is_enum, dialect);
	char a[160], b[160], num[80];
	const char *len_fn = dialect == AURMIG_DIALECT_SQLITE ? "length(@) > %" : "CHAR_LENGTH(@) > %";

	(void)ctx;
	v->v = V_SAME;
	upper_type(a, sizeof(a), o);
	upper_type(b, sizeof(b), n);
	if (fo == F_OTHER || fn == F_OTHER) {
		if (fo == fn && !strcasecmp(o->spelling, n->spelling))
			return;
		v->v = V_UNKNOWN;
		snprintf(v->why, sizeof(v->why), "lint does not compare %s with %s", a, b);
		return;
	}
	if (fo == F_INT && fn == F_INT) {
		long double lo1, hi1, lo2, hi2;
		const char *r1, *r2;
		int_range(&o->t, &lo1, &hi1, &r1);
		int_range(&n->t, &lo2, &hi2, &r2);
		if (lo2 > lo1 || hi2 < hi1) {
			char lo[48], hi[48];
			reason(v, "%s -> %s: values outside %s fail or are cut", a, b, r2);
			snprintf(lo, sizeof(lo), "%.0Lf", lo2);
			snprintf(hi, sizeof(hi), "%.0Lf", hi2);
			if (lo2 > lo1)
				cond(v, "@ < %", col, lo);
			if (hi2 < hi1)
				cond(v, "@ > %", col, hi);
		} else if (lo2 < lo1 || hi2 > hi1)
			v->v = V_WIDEN;
		return;
	}
	if (fo == F_INT && fn == F_NUM) {
		long double lo, hi;
		const char *r;
		int_range(&o->t, &lo, &hi, &r);
		if (n->t.kind == AURMIG_TYPE_DECIMAL) {
			int digits = n->t.length >= 0 ? n->t.length - (n->t.scale > 0 ? n->t.scale : 0) : 10;
			pow10_text(num, sizeof(num), digits);
			if (digits < 0 || (long double)strtold(num, NULL) <= hi) {
				reason(v, "%s -> %s: integers of %d digits or more fail", a, b, digits + 1);
				cond(v, "@ >= % OR @ <= -%", col, num);
			} else
				v->v = V_WIDEN;
		} else if (n->t.kind == AURMIG_TYPE_FLOAT ? hi > 16777216.0L : hi > 9007199254740992.0L) {
			reason(v, "%s -> %s: integers above %s lose precision", a, b,
				n->t.kind == AURMIG_TYPE_FLOAT ? "16777216" : "9007199254740992");
			cond(v, "@ > % OR @ < -%", col, n->t.kind == AURMIG_TYPE_FLOAT ? "16777216" : "9007199254740992");
		} else
			v->v = V_WIDEN;
		return;
	}
	if (fo == F_NUM && fn == F_INT) {
		long double lo, hi;
		const char *r;
		char l[48], h[48];
		int_range(&n->t, &lo, &hi, &r);
		snprintf(l, sizeof(l), "%.0Lf", lo);
		snprintf(h, sizeof(h), "%.0Lf", hi);
		if (o->t.kind != AURMIG_TYPE_DECIMAL || o->t.scale > 0) {
			reason(v, "%s -> %s: fractions are rounded", a, b);
			cond(v, "@ <> ROUND(@)", col, "");
		}
		if (o->t.kind != AURMIG_TYPE_DECIMAL || o->t.length < 0 || o->t.length - o->t.scale > (int)strlen(h) - 1) {
			reason(v, "%s -> %s: values outside %s fail or are cut", a, b, r);
			cond(v, "@ < %", col, l);
			cond(v, "@ > %", col, h);
		}
		if (v->v == V_SAME)
			v->v = V_WIDEN;
		return;
	}
	if (fo == F_NUM && fn == F_NUM) {
		if (o->t.kind == AURMIG_TYPE_DECIMAL && n->t.kind == AURMIG_TYPE_DECIMAL) {
			int p1 = o->t.length >= 0 ? o->t.length : 10, s1 = o->t.scale > 0 ? o->t.scale : 0;
			int p2 = n->t.length >= 0 ? n->t.length : 10, s2 = n->t.scale > 0 ? n->t.scale : 0;
			if (dialect == AURMIG_DIALECT_PGSQL && (o->t.length < 0 || n->t.length < 0)) {
				if (n->t.length >= 0)
					reason(v, "%s -> %s: values beyond %s fail or are rounded", a, b, b);
				else
					v->v = V_WIDEN;
				return;
			}
			if (s2 < s1) {
				reason(v, "%s -> %s: decimals beyond %d places are rounded", a, b, s2);
				snprintf(num, sizeof(num), "%d", s2);
				cond(v, "@ <> ROUND(@, %)", col, num);
			}
			if (p2 - s2 < p1 - s1) {
				pow10_text(num, sizeof(num), p2 - s2);
				reason(v, "%s -> %s: values of %d integer digits or more fail", a, b, p2 - s2 + 1);
				cond(v, "@ >= % OR @ <= -%", col, num);
			}
			if (v->v == V_SAME && (p2 != p1 || s2 != s1))
				v->v = V_WIDEN;
			return;
		}
		if (o->t.kind == n->t.kind)
			return;
		if (n->t.kind == AURMIG_TYPE_DOUBLE && (o->t.kind == AURMIG_TYPE_FLOAT ||
		    (o->t.kind == AURMIG_TYPE_DECIMAL && o->t.length >= 0 && o->t.length <= 15))) {
			v->v = V_WIDEN;
			return;
		}
		if (n->t.kind == AURMIG_TYPE_FLOAT && o->t.kind == AURMIG_TYPE_DECIMAL && o->t.length >= 0 && o->t.length <= 6) {
			v->v = V_WIDEN;
			return;
		}
		reason(v, "%s -> %s: digits are rounded", a, b);
		v->uncounted = 1;
		return;
	}
	if ((fo == F_STR || fo == F_ENUM) && (fn == F_STR || fn == F_ENUM)) {
		long double c1 = fo == F_ENUM ? (long double)enum_longest(o->spelling) : str_capacity(o, dialect);
		long double c2 = str_capacity(n, dialect);
		if (fn == F_ENUM) {
			const char *p = strchr(o->spelling, '(');
			char val[256];
			int lost = 0;
			if (fo == F_ENUM) {
				aurmig__buf list;
				aurmig__buf_init(&list, ctx);
				while (p && enum_next(&p, val, sizeof(val)))
					if (!enum_has(n->spelling, val)) {
						reason(v, "ENUM loses value '%s'", val);
						if (list.len)
							aurmig__buf_puts(&list, ", ");
						aurmig__db_quote(&list, dialect, val);
						lost = 1;
					}
				if (lost) {
					char *l = aurmig__buf_detach(&list);
					if (l)
						cond(v, "@ IN (%)", col, l);
					else
						v->oom = 1;
					free(l);
				} else {
					aurmig__buf_dispose(&list);
					if (strcasecmp(o->spelling, n->spelling))
						v->v = V_WIDEN;
				}
			} else {
				aurmig__buf list;
				char *l;
				aurmig__buf_init(&list, ctx);
				p = strchr(n->spelling, '(');
				while (p && enum_next(&p, val, sizeof(val))) {
					if (list.len)
						aurmig__buf_puts(&list, ", ");
					aurmig__db_quote(&list, dialect, val);
				}
				reason(v, "%s -> %s: values that are not in the ENUM are lost", a, b);
				if ((l = aurmig__buf_detach(&list)))
					cond(v, "@ NOT IN (%)", col, l);
				else
					v->oom = 1;
				free(l);
			}
		} else if (c2 >= 0 && (c1 < 0 || c2 < c1)) {
			snprintf(num, sizeof(num), "%.0Lf", c2);
			reason(v, "%s -> %s: values longer than %s characters are cut", a, b, num);
			cond(v, len_fn, col, num);
		} else if (c1 != c2 || o->t.kind != n->t.kind)
			v->v = V_WIDEN;
		if (dialect == AURMIG_DIALECT_MYSQL && o->charset[0] && n->charset[0] && strcmp(o->charset, n->charset)) {
			if (cs_fits(o->charset, n->charset)) {
				if (v->v == V_SAME)
					v->v = V_WIDEN;
			} else {
				char conv[200];
				reason(v, "%s -> %s: characters outside %s are lost", o->charset, n->charset, n->charset);
				snprintf(conv, sizeof(conv), "CAST(CONVERT(CONVERT(@ USING %s) USING %s) AS BINARY) <> CAST(@ AS BINARY)",
					n->charset, o->charset);
				cond(v, conv, col, "");
			}
		}
		return;
	}
	if (fo == F_BIN && fn == F_BIN) {
		long double c1 = bin_capacity(o, dialect), c2 = bin_capacity(n, dialect);
		if (c2 >= 0 && (c1 < 0 || c2 < c1)) {
			snprintf(num, sizeof(num), "%.0Lf", c2);
			reason(v, "%s -> %s: values longer than %s bytes are cut", a, b, num);
			cond(v, "LENGTH(@) > %", col, num);
		} else if (c1 != c2)
			v->v = V_WIDEN;
		return;
	}
	if (fo == F_TIME && fn == F_TIME) {
		int k1 = o->t.kind, k2 = n->t.kind;
		int dflt = dialect == AURMIG_DIALECT_PGSQL ? 6 : 0;
		int l1 = o->t.length >= 0 ? o->t.length : dflt, l2 = n->t.length >= 0 ? n->t.length : dflt;
		int has_time1 = k1 != AURMIG_TYPE_DATE, has_time2 = k2 != AURMIG_TYPE_DATE;
		if ((k1 == AURMIG_TYPE_TIME) != (k2 == AURMIG_TYPE_TIME)) {
			reason(v, "%s -> %s: the type family changes (a time of day and a date)", a, b);
			v->uncounted = 1;
			return;
		}
		if (has_time1 && !has_time2) {
			reason(v, "%s -> %s: the time of day is lost", a, b);
			cond(v, "CAST(@ AS TIME) <> '00:00:00'", col, "");
		}
		if (dialect == AURMIG_DIALECT_MYSQL && k2 == AURMIG_TYPE_TIMESTAMP && k1 != AURMIG_TYPE_TIMESTAMP) {
			reason(v, "%s -> %s: dates outside 1970..2038 fail", a, b);
			cond(v, "@ < '1970-01-02' OR @ >= '2038-01-19'", col, "");
		}
		if (has_time1 && has_time2 && l2 < l1) {
			reason(v, "%s -> %s: fractional seconds beyond %d digits are rounded", a, b, l2);
			v->uncounted = 1;
		}
		if (v->v == V_SAME && (k1 != k2 || l1 != l2))
			v->v = V_WIDEN;
		return;
	}
	if ((fo == F_INT || fo == F_NUM || fo == F_BOOL) && fn == F_STR) {
		long double c2 = str_capacity(n, dialect);
		if (c2 >= 0 && c2 < 25) {
			snprintf(num, sizeof(num), "%.0Lf", c2);
			reason(v, "%s -> %s: numbers longer than %s characters are cut", a, b, num);
			v->uncounted = 1;
		} else
			v->v = V_WIDEN;
		return;
	}
	if (fo == F_STR && fn == F_BIN) {
		v->v = V_WIDEN;   /* the bytes are kept */
		return;
	}
	if (fo == F_BOOL && fn == F_INT) {
		v->v = V_WIDEN;
		return;
	}
	reason(v, "the type family changes (%s -> %s, %s -> %s): values that do not convert are lost or fail",
		family_word(fo), family_word(fn), a, b);
	v->uncounted = 1;
}

/* ---------------------------------------------------------------- SQLite */

/* SQLite's affinity of a declared type (its rules, in their order). */
static const char *affinity(const char *decl)
{
	char u[512];
	size_t k = 0;

	for (; decl[k] && k + 1 < sizeof(u); k++)
		u[k] = (char)toupper((unsigned char)decl[k]);
	u[k] = '\0';
	if (strstr(u, "INT"))
		return "INTEGER";
	if (strstr(u, "CHAR") || strstr(u, "CLOB") || strstr(u, "TEXT"))
		return "TEXT";
	if (strstr(u, "BLOB") || !u[0])
		return "BLOB";
	if (strstr(u, "REAL") || strstr(u, "FLOA") || strstr(u, "DOUB"))
		return "REAL";
	return "NUMERIC";
}

/* ---------------------------------------------------------------- the rule */

static int parse(coltype *ct, aurmig_context *ctx, int dialect)
{
	char low[16];
	size_t k = 0;

	for (; ct->spelling[k] && k < 5; k++)
		low[k] = (char)tolower((unsigned char)ct->spelling[k]);
	low[k] = '\0';
	ct->is_enum = !strncmp(low, "enum", 4) && strchr(ct->spelling, '(') &&
		(ct->spelling[4] == '(' || ct->spelling[4] == ' ');
	return aurmig__schema_parse_type(&ct->t, ctx, dialect, ct->spelling);
}

/* The old definition known from the section: 1 and *ct. */
static int known_in_section(const aurmig__lint_scope *s, const char *key, coltype *ct)
{
	size_t kl = strlen(key);

	for (size_t i = s->coltypes.n; i-- > 0;) {
		const char *e = s->coltypes.v[i], *t2;
		if (strncmp(e, key, kl) || e[kl] != '\t')
			continue;
		memset(ct, 0, sizeof(*ct));
		e += kl + 1;
		t2 = strchr(e, '\t');
		snprintf(ct->spelling, sizeof(ct->spelling), "%.*s", (int)(t2 ? (size_t)(t2 - e) : strlen(e)), e);
		if (t2)
			snprintf(ct->charset, sizeof(ct->charset), "%s", t2 + 1);
		return 1;
	}
	return 0;
}

static void note(aurmig__lint_scope *s, const char *key, const coltype *ct)
{
	char *e;

	if (s->rc)
		return;
	if (!(e = aurmig__printf(s->ctx, "%s\t%s\t%s", key, ct->spelling, ct->charset)))
		s->rc = AURMIG_ENOMEM;
	else if (aurmig__strv_push(&s->coltypes, s->ctx, e))
		s->rc = AURMIG_ENOMEM;
	free(e);
}

void aurmig__lint_coltype_note(aurmig__lint_scope *s, const stmt *st, size_t i, size_t end, const char *tb, const tok *c)
{
	char key[260], col[128];
	coltype ct;

	type_from_tokens(&ct, st, i, end);
	snprintf(key, sizeof(key), "%s.%s", tb, lower(col, sizeof(col), c));
	note(s, key, &ct);
}

void aurmig__lint_retype(aurmig__lint_scope *s, const stmt *st, size_t i, size_t end, const tok *table, const tok *c)
{
	char key[260], tb[128], col[128], why[300] = "", unknown_why[360], qcol[300] = "";
	coltype o, n;
	aurmig__lint_live_col lc;
	int from_live = 0, known, rc, live_here;
	verdict v;

	lower(tb, sizeof(tb), table);
	lower(col, sizeof(col), c);
	snprintf(key, sizeof(key), "%s.%s", tb, col);
	type_from_tokens(&n, st, i, end);
	known = known_in_section(s, key, &o);
	if (!known) {
		int r = aurmig__lint_live_column(s, tb, col, &lc, why, sizeof(why));
		if (s->rc)
			return;
		if (r == 1) {
			known = from_live = 1;
			memset(&o, 0, sizeof(o));
			snprintf(o.spelling, sizeof(o.spelling), "%s", lc.type);
			lower_cs(o.charset, sizeof(o.charset), lc.charset, strlen(lc.charset));
			/* MySQL: a string type written without a character set takes the table's */
			if (s->dialect == AURMIG_DIALECT_MYSQL && !n.charset[0] && lc.charset[0])
				lower_cs(n.charset, sizeof(n.charset), lc.table_charset, strlen(lc.table_charset));
		} else if (r == -1)
			snprintf(why, sizeof(why), "%s", s->opts && s->opts->live ? "--live reads a database of another dialect"
				: "no earlier statement of this section defines it; --live reads it from the database");
	}
	note(s, key, &n);
	if (!known) {
		snprintf(unknown_why, sizeof(unknown_why), "%s", why);
		aurmig__lint_emit(s, R_D105, -1, "the type of %.*s.%.*s changes; lint cannot see the old definition (%s): "
			"check that it does not narrow", (int)table->n, table->s, (int)c->n, c->s, unknown_why);
		return;
	}
	if (s->dialect == AURMIG_DIALECT_SQLITE) {
		const char *a1 = affinity(o.spelling), *a2 = affinity(n.spelling);
		if (!strcmp(a1, a2))
			aurmig__lint_emit(s, R_D105, AURMIG_LINT_INFO, "the declared type of %.*s.%.*s changes (%s -> %s); "
				"SQLite's types are affinity only (%s both): no value is cut or changed", (int)table->n, table->s,
				(int)c->n, c->s, o.spelling, n.spelling, a1);
		else
			aurmig__lint_emit(s, R_D105, -1, "the declared type of %.*s.%.*s changes (%s -> %s); SQLite's types are "
				"affinity only, but the affinity changes (%s -> %s): copied values are converted where they can be "
				"(text '007' becomes the integer 7)", (int)table->n, table->s, (int)c->n, c->s, o.spelling, n.spelling,
				a1, a2);
		return;
	}
	if ((rc = parse(&o, s->ctx, s->dialect)) || (rc = parse(&n, s->ctx, s->dialect))) {
		free(o.t.text);
		s->rc = rc;
		return;
	}
	/* with --live the rows are counted also when the old type is the
	 * section's (the column's data is the database's until the section runs) */
	live_here = s->opts && s->opts->live && aurmig__lint_live_dialect(s->opts->live) == s->dialect;
	memset(&v, 0, sizeof(v));
	aurmig__buf_init(&v.where, s->ctx);
	{
		aurmig__buf q;
		char *qs;
		aurmig__buf_init(&q, s->ctx);
		char raw[128];
		snprintf(raw, sizeof(raw), "%.*s", (int)(c->n < 127 ? c->n : 127), c->s);
		aurmig__schema_put_ident(&q, s->dialect, from_live ? lc.name : c->type == T_QUOTED ? raw : col);
		if ((qs = aurmig__buf_detach(&q)))
			snprintf(qcol, sizeof(qcol), "%s", qs);
		else
			v.oom = 1;
		free(qs);
	}
	compare(&v, &o, &n, s->dialect, qcol, s->ctx);
	if (v.oom) {
		s->rc = AURMIG_ENOMEM;
		aurmig__buf_dispose(&v.where);
		free(o.t.text);
		free(n.t.text);
		return;
	}
	if (v.v == V_UNKNOWN)
		aurmig__lint_emit(s, R_D105, -1, "the type of %.*s.%.*s changes; %s: check that it does not narrow",
			(int)table->n, table->s, (int)c->n, c->s, v.why);
	else if (v.v == V_SAME || v.v == V_WIDEN)
	{
		int cs = o.charset[0] && n.charset[0] && strcmp(o.charset, n.charset);
		aurmig__lint_emit(s, R_D105, AURMIG_LINT_INFO, "the type of %.*s.%.*s %s (%s -> %s%s%s%s%s): no data lost",
			(int)table->n, table->s, (int)c->n, c->s, v.v == V_SAME ? "stays" : "widens", o.spelling, n.spelling,
			cs ? ", " : "", cs ? o.charset : "", cs ? " -> " : "", cs ? n.charset : "");
	}
	else {
		char *where = aurmig__buf_detach(&v.where);
		char msg[900], cnote[320] = "";
		int severity = AURMIG_LINT_ERROR;
		if (!where)
			s->rc = AURMIG_ENOMEM;
		snprintf(msg, sizeof(msg), "the type of %.*s.%.*s narrows: %s", (int)table->n, table->s, (int)c->n, c->s, v.why);
		if (s->rc) {
			/* out of memory: nothing more */
		} else if (live_here && where && *where && !v.uncounted) {
			aurmig__lint_live_q q;
			memset(&q, 0, sizeof(q));
			q.kind = LIVE_WHERE;
			q.table = table;
			q.cols[0] = c;
			q.ncols = 1;
			q.expr = where;
			q.expr_len = strlen(where);
			if (aurmig__lint_live_count(s, &q, cnote, sizeof(cnote)) == AURMIG_LINT_INFO)
				severity = AURMIG_LINT_WARNING;   /* nothing lost now; later values are */
		} else if (live_here) {
			aurmig__lint_live_q q;
			memset(&q, 0, sizeof(q));
			q.kind = LIVE_ROWS;
			q.table = table;
			aurmig__lint_live_count(s, &q, cnote, sizeof(cnote));
			if (s->live_set) {
				s->live_violations = -1;
				snprintf(s->live_unknown, sizeof(s->live_unknown), "the damaged rows of this change are not counted");
				snprintf(cnote, sizeof(cnote), "; live: the damaged rows are not counted");
			}
		}
		free(where);
		if (!s->rc)
			aurmig__lint_emit(s, R_D105, severity, "%s%s", msg, cnote);
		s->live_set = 0;
	}
	aurmig__buf_dispose(&v.where);
	free(o.t.text);
	free(n.t.text);
}
