/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Schema introspection: SQLite (table-valued PRAGMA functions and
 * sqlite_master), MySQL/MariaDB (information_schema) and PostgreSQL
 * (pg_catalog) read into one model; the model rendered as DDL; two models
 * compared. The type and default mapping is documented in docs/schema.md.
 *
 * libdbd-sqlite3 quirks this file works around: a statement that holds
 * "from" anywhere but in its FROM keyword (an identifier or string such as
 * 'from_x') makes the driver loop forever, and a SELECT without FROM (and a
 * PRAGMA) makes it print to stdout. So SQLite is read with four SELECTs
 * that join sqlite_master to the pragma_*() functions: no table name is
 * ever spelled in the SQL, and pragma_foreign_key_list's "from" column is
 * only reached through f.*.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "schema/schema.h"
#include "base/split.h"

typedef struct aurmig_schema_table stable;
typedef struct aurmig_schema_column scol;
typedef struct aurmig_schema_index sindex;
typedef struct aurmig_schema_fkey sfkey;

/* ------------------------------------------------------------------ */
/* small string helpers                                                */

static int ieq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

/* NULL-safe equality, exact or case-insensitive */
static int name_eq(const char *a, const char *b, int ci)
{
	if (!a || !b)
		return a == b;
	return ci ? ieq(a, b) : strcmp(a, b) == 0;
}

static int starts_ci(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (tolower((unsigned char)*s) != tolower((unsigned char)*prefix))
			return 0;
	return 1;
}

static int is_plain_ident(const char *s)
{
	if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

/* keywords the portable dump quotes when they are used as names */
static const char *const reserved[] = {
	"add", "all", "alter", "and", "as", "asc", "between", "by", "case", "check", "column",
	"constraint", "create", "cross", "current_date", "current_time", "current_timestamp",
	"database", "default", "delete", "desc", "distinct", "drop", "else", "exists", "for",
	"foreign", "from", "group", "having", "in", "index", "inner", "insert", "interval", "into",
	"is", "join", "key", "keys", "left", "like", "limit", "match", "not", "null", "on", "or",
	"order", "outer", "primary", "range", "references", "rename", "replace", "right", "row",
	"rows", "schema", "select", "set", "table", "then", "to", "union", "unique", "update",
	"usage", "user", "using", "values", "when", "where", "with",
};

static int is_reserved(const char *s)
{
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (ieq(s, reserved[i]))
			return 1;
	return 0;
}

/* An identifier for dialect: MySQL backticks, SQLite and PostgreSQL double
 * quotes, always; the portable dump quotes (MySQL-style) only when needed. */
static void put_ident(aurmig__buf *b, int dialect, const char *name)
{
	char q = dialect == AURMIG_DIALECT_SQLITE || dialect == AURMIG_DIALECT_PGSQL ? '"' : '`';

	if (dialect == AURMIG_DIALECT_ANY && is_plain_ident(name) && !is_reserved(name)) {
		aurmig__buf_puts(b, name);
		return;
	}
	aurmig__buf_add(b, &q, 1);
	for (const char *p = name; *p; p++) {
		if (*p == q)
			aurmig__buf_add(b, &q, 1);
		aurmig__buf_add(b, p, 1);
	}
	aurmig__buf_add(b, &q, 1);
}

/* ------------------------------------------------------------------ */
/* model life                                                          */

static void free_column(scol *c)
{
	free(c->name);
	free(c->raw_type);
	free(c->type.text);
	free(c->default_value);
	free(c->on_update);
	free(c->charset);
	free(c->collation);
}

static void free_index(sindex *ix)
{
	free(ix->name);
	for (size_t i = 0; i < ix->ncols; i++) {
		free(ix->cols[i].text);
		free(ix->cols[i].name);
		free(ix->cols[i].expr);
	}
	free(ix->cols);
}

static void free_fkey(sfkey *fk)
{
	free(fk->name);
	aurmig__strv_clear(&fk->columns);
	free(fk->ref_table);
	aurmig__strv_clear(&fk->ref_columns);
}

static void free_table(stable *t)
{
	free(t->name);
	free(t->charset);
	free(t->collation);
	for (size_t i = 0; i < t->ncols; i++)
		free_column(&t->cols[i]);
	free(t->cols);
	aurmig__strv_clear(&t->pk);
	for (size_t i = 0; i < t->nidx; i++)
		free_index(&t->idx[i]);
	free(t->idx);
	for (size_t i = 0; i < t->nfks; i++)
		free_fkey(&t->fks[i]);
	free(t->fks);
}

void aurmig_schema_free(aurmig_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ntables; i++)
		free_table(&s->tables[i]);
	free(s->tables);
	free(s->label);
	free(s->dump);
	aurmig__context_unref(s->ctx);
	free(s);
}

/* Append a zeroed element to an array of n elements of size; NULL when out of memory. */
static void *grow(aurmig_context *ctx, void **arr, size_t *n, size_t size)
{
	char *p = aurmig__reallocarray(ctx, *arr, *n + 1, size);

	if (!p)
		return NULL;
	*arr = p;
	memset(p + *n * size, 0, size);
	return p + (*n)++ * size;
}

/* ------------------------------------------------------------------ */
/* types                                                               */

/* Lower-case outside quotes, collapse blanks, no blanks around '(' ',' ')'
 * nor at either end. */
static char *norm_spelling(aurmig_context *ctx, const char *s)
{
	size_t n = strlen(s);
	char *out = aurmig__malloc(ctx, n + 1), q = 0;
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (q) {
			out[o++] = ch;
			if (ch == q)
				q = 0;
			continue;
		}
		if (ch == '\'' || ch == '"' || ch == '`') {
			q = ch;
			out[o++] = ch;
			continue;
		}
		if (isspace((unsigned char)ch)) {
			size_t j = i;
			while (j + 1 < n && isspace((unsigned char)s[j + 1]))
				j++;
			if (o > 0 && out[o - 1] != '(' && out[o - 1] != ',' && j + 1 < n &&
			    s[j + 1] != '(' && s[j + 1] != ')' && s[j + 1] != ',')
				out[o++] = ' ';
			i = j;
			continue;
		}
		out[o++] = (char)tolower((unsigned char)ch);
	}
	out[o] = '\0';
	return out;
}

static const struct tname {
	const char *name;
	int kind;
} type_names[] = {
	{ "tinyint", AURMIG_TYPE_TINYINT }, { "smallint", AURMIG_TYPE_SMALLINT }, { "int2", AURMIG_TYPE_SMALLINT },
	{ "mediumint", AURMIG_TYPE_MEDIUMINT }, { "int3", AURMIG_TYPE_MEDIUMINT }, { "middleint", AURMIG_TYPE_MEDIUMINT },
	{ "int", AURMIG_TYPE_INT }, { "int4", AURMIG_TYPE_INT }, { "integer", AURMIG_TYPE_INT },
	{ "bigint", AURMIG_TYPE_BIGINT }, { "int8", AURMIG_TYPE_BIGINT },
	{ "decimal", AURMIG_TYPE_DECIMAL }, { "numeric", AURMIG_TYPE_DECIMAL }, { "dec", AURMIG_TYPE_DECIMAL },
	{ "fixed", AURMIG_TYPE_DECIMAL },
	{ "float", AURMIG_TYPE_FLOAT }, { "float4", AURMIG_TYPE_FLOAT }, { "real", AURMIG_TYPE_DOUBLE },
	{ "double", AURMIG_TYPE_DOUBLE }, { "double precision", AURMIG_TYPE_DOUBLE }, { "float8", AURMIG_TYPE_DOUBLE },
	{ "char", AURMIG_TYPE_CHAR }, { "character", AURMIG_TYPE_CHAR }, { "nchar", AURMIG_TYPE_CHAR },
	{ "national char", AURMIG_TYPE_CHAR }, { "national character", AURMIG_TYPE_CHAR }, { "bpchar", AURMIG_TYPE_CHAR },
	{ "varchar", AURMIG_TYPE_VARCHAR }, { "character varying", AURMIG_TYPE_VARCHAR },
	{ "nvarchar", AURMIG_TYPE_VARCHAR }, { "national varchar", AURMIG_TYPE_VARCHAR },
	{ "national character varying", AURMIG_TYPE_VARCHAR }, { "varying character", AURMIG_TYPE_VARCHAR },
	{ "nchar varying", AURMIG_TYPE_VARCHAR }, { "native character", AURMIG_TYPE_CHAR },
	{ "varchar2", AURMIG_TYPE_VARCHAR }, { "nvarchar2", AURMIG_TYPE_VARCHAR },
	{ "text", AURMIG_TYPE_TEXT }, { "tinytext", AURMIG_TYPE_TEXT }, { "mediumtext", AURMIG_TYPE_TEXT },
	{ "longtext", AURMIG_TYPE_TEXT }, { "clob", AURMIG_TYPE_TEXT },
	{ "blob", AURMIG_TYPE_BLOB }, { "tinyblob", AURMIG_TYPE_BLOB }, { "mediumblob", AURMIG_TYPE_BLOB },
	{ "longblob", AURMIG_TYPE_BLOB }, { "bytea", AURMIG_TYPE_BLOB },
	{ "bool", AURMIG_TYPE_BOOLEAN }, { "boolean", AURMIG_TYPE_BOOLEAN },
	{ "date", AURMIG_TYPE_DATE },
	{ "time", AURMIG_TYPE_TIME }, { "time without time zone", AURMIG_TYPE_TIME },
	{ "datetime", AURMIG_TYPE_DATETIME },
	{ "timestamp", AURMIG_TYPE_TIMESTAMP }, { "timestamp without time zone", AURMIG_TYPE_TIMESTAMP },
};

static int is_int_kind(int k)
{
	return k >= AURMIG_TYPE_INTEGER && k <= AURMIG_TYPE_BIGINT;
}

static int is_numeric_kind(int k)
{
	return is_int_kind(k) || k == AURMIG_TYPE_DECIMAL || k == AURMIG_TYPE_FLOAT || k == AURMIG_TYPE_DOUBLE;
}

static const char *kind_word(int k)
{
	switch (k) {
	case AURMIG_TYPE_INTEGER: return "integer";
	case AURMIG_TYPE_TINYINT: return "tinyint";
	case AURMIG_TYPE_SMALLINT: return "smallint";
	case AURMIG_TYPE_MEDIUMINT: return "mediumint";
	case AURMIG_TYPE_INT: return "int";
	case AURMIG_TYPE_BIGINT: return "bigint";
	case AURMIG_TYPE_DECIMAL: return "decimal";
	case AURMIG_TYPE_FLOAT: return "float";
	case AURMIG_TYPE_DOUBLE: return "double";
	case AURMIG_TYPE_CHAR: return "char";
	case AURMIG_TYPE_VARCHAR: return "varchar";
	case AURMIG_TYPE_TEXT: return "text";
	case AURMIG_TYPE_BLOB: return "blob";
	case AURMIG_TYPE_BOOLEAN: return "boolean";
	case AURMIG_TYPE_DATE: return "date";
	case AURMIG_TYPE_TIME: return "time";
	case AURMIG_TYPE_DATETIME: return "datetime";
	case AURMIG_TYPE_TIMESTAMP: return "timestamp";
	default: return "";
	}
}

/* Parse "n" or "n,m" into up to two numbers; 0 when not numeric. */
static int parse_args(const char *s, size_t len, int *a, int *b, int *nargs)
{
	long v[2] = { -1, -1 };
	int n = 0;
	size_t i = 0;

	*nargs = 0;
	while (i < len && n < 2) {
		long x = 0;
		size_t start = i;
		while (i < len && isdigit((unsigned char)s[i])) {
			if (x > 100000000)
				return 0;
			x = x * 10 + (s[i] - '0');
			i++;
		}
		if (i == start)
			return 0;
		v[n++] = x;
		if (i < len && s[i] == ',')
			i++;
		else
			break;
	}
	if (i != len)
		return 0;
	*a = (int)v[0];
	*b = (int)v[1];
	*nargs = n;
	return 1;
}

int aurmig__schema_parse_type(aurmig__ctype *out, aurmig_context *ctx, int dialect, const char *spelling)
{
	char *norm = norm_spelling(ctx, spelling ? spelling : "");
	char base[128];
	const char *open, *close = NULL;
	int a = -1, b = -1, nargs = 0, numeric_args = 1, kind = -1, is_unsigned = 0;
	size_t bl = 0;
	aurmig__buf t;

	memset(out, 0, sizeof(*out));
	out->length = out->scale = -1;
	if (!norm)
		return AURMIG_ENOMEM;
	/* base words: the spelling without its first (...) and without
	 * unsigned/signed/zerofill; args: what the parentheses hold */
	open = strchr(norm, '(');
	if (open && !strchr(norm, '\'') && !strchr(norm, '"')) {
		close = strchr(open, ')');
		if (close)
			numeric_args = parse_args(open + 1, (size_t)(close - open - 1), &a, &b, &nargs);
	}
	{
		const char *segs[2] = { norm, close ? close + 1 : NULL };
		size_t lens[2] = { open && close ? (size_t)(open - norm) : strlen(norm), close ? strlen(close + 1) : 0 };
		for (int s = 0; s < 2; s++) {
			const char *p = segs[s], *end;
			if (!p)
				continue;
			end = p + lens[s];
			while (p < end) {
				const char *w;
				size_t wl;
				while (p < end && *p == ' ')
					p++;
				w = p;
				while (p < end && *p != ' ')
					p++;
				wl = (size_t)(p - w);
				if (!wl)
					continue;
				if (wl == 8 && !strncmp(w, "unsigned", 8)) {
					is_unsigned = 1;
					continue;
				}
				if ((wl == 6 && !strncmp(w, "signed", 6)) || (wl == 8 && !strncmp(w, "zerofill", 8)))
					continue;
				if (bl + wl + 2 >= sizeof(base)) {
					bl = sizeof(base);
					break;
				}
				if (bl)
					base[bl++] = ' ';
				memcpy(base + bl, w, wl);
				bl += wl;
			}
		}
	}
	if (bl < sizeof(base) && numeric_args) {
		base[bl] = '\0';
		for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
			if (!strcmp(base, type_names[i].name)) {
				kind = type_names[i].kind;
				break;
			}
	}
	if (kind == AURMIG_TYPE_INT && dialect == AURMIG_DIALECT_SQLITE && !strcmp(base, "integer"))
		kind = AURMIG_TYPE_INTEGER;
	if (kind == AURMIG_TYPE_DOUBLE && dialect == AURMIG_DIALECT_PGSQL && !strcmp(base, "real"))
		kind = AURMIG_TYPE_FLOAT;
	if (kind == AURMIG_TYPE_FLOAT && nargs >= 1 && a > 24)
		kind = AURMIG_TYPE_DOUBLE;
	if (kind == AURMIG_TYPE_TINYINT && nargs == 1 && a == 1 && !is_unsigned && dialect != AURMIG_DIALECT_PGSQL)
		kind = AURMIG_TYPE_BOOLEAN;
	if (kind < 0) {
		/* unknown: keep the normalised spelling */
		out->kind = AURMIG_TYPE_OTHER;
		out->text = norm;
		return AURMIG_OK;
	}
	out->kind = kind;
	out->is_unsigned = is_numeric_kind(kind) && is_unsigned;
	if (kind == AURMIG_TYPE_DECIMAL && nargs >= 1) {
		out->length = a;
		out->scale = nargs == 2 ? b : 0;
	} else if ((kind == AURMIG_TYPE_CHAR || kind == AURMIG_TYPE_VARCHAR || kind == AURMIG_TYPE_TIME ||
		    kind == AURMIG_TYPE_DATETIME || kind == AURMIG_TYPE_TIMESTAMP) && nargs == 1) {
		out->length = a;
	}
	aurmig__buf_init(&t, ctx);
	if (kind == AURMIG_TYPE_TEXT || kind == AURMIG_TYPE_BLOB)
		aurmig__buf_puts(&t, !strcmp(base, "clob") ? "text" : !strcmp(base, "bytea") ? "blob" : base);
	else
		aurmig__buf_puts(&t, kind_word(kind));
	if (kind == AURMIG_TYPE_DECIMAL && out->length >= 0)
		aurmig__buf_printf(&t, "(%d,%d)", out->length, out->scale);
	else if (out->length >= 0)
		aurmig__buf_printf(&t, "(%d)", out->length);
	if (out->is_unsigned)
		aurmig__buf_puts(&t, " unsigned");
	free(norm);
	return (out->text = aurmig__buf_detach(&t)) ? AURMIG_OK : AURMIG_ENOMEM;
}

/* ------------------------------------------------------------------ */
/* defaults                                                            */

/* The end of the quoted literal starting at s[0] (a quote), or NULL.
 * backslash: \ escapes the next character (MySQL, PostgreSQL E''). */
static const char *literal_end(const char *s, int backslash)
{
	char q = *s;

	for (s++; *s; s++) {
		if (backslash && *s == '\\' && s[1]) {
			s++;
			continue;
		}
		if (*s == q) {
			if (s[1] == q) {
				s++;
				continue;
			}
			return s;
		}
	}
	return NULL;
}

/* The value of the literal s[0..end], which literal_end() found. */
static char *literal_value(aurmig_context *ctx, const char *s, const char *end, int backslash)
{
	char *v = aurmig__malloc(ctx, (size_t)(end - s) + 1), q = *s;
	size_t o = 0;

	if (!v)
		return NULL;
	for (s++; s < end; s++) {
		if (backslash && *s == '\\' && s + 1 < end) {
			s++;
			switch (*s) {
			case 'n': v[o++] = '\n'; break;
			case 'r': v[o++] = '\r'; break;
			case 't': v[o++] = '\t'; break;
			case 'b': v[o++] = '\b'; break;
			case 'Z': v[o++] = '\032'; break;
			case '0': v[o++] = '\\'; v[o++] = '0'; break;   /* no NULs in C strings */
			case '%': case '_': v[o++] = '\\'; v[o++] = *s; break;  /* MySQL keeps these */
			default: v[o++] = *s; break;
			}
			continue;
		}
		if (*s == q && s + 1 < end && s[1] == q)
			s++;
		v[o++] = *s;
	}
	v[o] = '\0';
	return v;
}

static int push_quoted(aurmig__buf *b, const char *v)
{
	aurmig__buf_add(b, "'", 1);
	for (; *v; v++) {
		if (*v == '\'')
			aurmig__buf_add(b, "''", 2);
		else
			aurmig__buf_add(b, v, 1);
	}
	return aurmig__buf_add(b, "'", 1);
}

/* Canonical text of a decimal number, or 0 when s is not one. */
static int canon_number(char *out, size_t size, const char *s)
{
	const char *p = s, *ip, *fp = NULL;
	size_t il, fl = 0;
	int neg = 0;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	ip = p;
	while (isdigit((unsigned char)*p))
		p++;
	il = (size_t)(p - ip);
	if (*p == '.') {
		fp = ++p;
		while (isdigit((unsigned char)*p))
			p++;
		fl = (size_t)(p - fp);
	}
	if (il + fl == 0)
		return 0;
	if (*p == 'e' || *p == 'E') {
		/* exponent: keep it as written, sign normalised */
		const char *e = p + 1;
		if (*e == '+' || *e == '-')
			e++;
		if (!isdigit((unsigned char)*e))
			return 0;
		while (isdigit((unsigned char)*e))
			e++;
		if (*e || strlen(s) + 2 > size)
			return 0;
		snprintf(out, size, "%s%s", neg ? "-" : "", s + (*s == '+' || *s == '-'));
		for (char *c = out; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		return 1;
	}
	if (*p)
		return 0;
	while (il > 1 && *ip == '0') {
		ip++;
		il--;
	}
	while (fl > 0 && fp[fl - 1] == '0')
		fl--;
	if (il + fl + 4 > size)
		return 0;
	if (il == 0) {
		ip = "0";
		il = 1;
	}
	if (il == 1 && *ip == '0' && fl == 0)
		neg = 0;
	snprintf(out, size, "%s%.*s%s%.*s", neg ? "-" : "", (int)il, ip, fl ? "." : "", (int)fl, fp ? fp : "");
	return 1;
}

/* Does the expression s[0..n) consist of one pair of parentheses around everything? */
static int wrapped(const char *s, size_t n)
{
	int depth = 0;
	char q = 0;

	if (n < 2 || s[0] != '(' || s[n - 1] != ')')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (q) {
			if (s[i] == q)
				q = 0;
			continue;
		}
		if (s[i] == '\'' || s[i] == '"')
			q = s[i];
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0 && i != n - 1)
			return 0;
	}
	return depth == 0;
}

/* PostgreSQL: the length of s without a trailing "::type" cast at top level, or n. */
static size_t strip_cast(const char *s, size_t n)
{
	int depth = 0;
	char q = 0;
	size_t last = n;

	for (size_t i = 0; i < n; i++) {
		if (q) {
			if (s[i] == q)
				q = 0;
			continue;
		}
		if (s[i] == '\'' || s[i] == '"')
			q = s[i];
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')')
			depth--;
		else if (depth == 0 && s[i] == ':' && i + 1 < n && s[i + 1] == ':')
			last = i;
	}
	if (last == n)
		return n;
	for (size_t i = last + 2; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || strchr(" _\"()[],.", s[i])))
			return n;
	return last;
}

static const struct kw {
	const char *in;
	const char *out;
} time_keywords[] = {
	{ "current_timestamp", "CURRENT_TIMESTAMP" }, { "current_timestamp()", "CURRENT_TIMESTAMP" },
	{ "now()", "CURRENT_TIMESTAMP" }, { "localtimestamp", "CURRENT_TIMESTAMP" },
	{ "localtimestamp()", "CURRENT_TIMESTAMP" }, { "transaction_timestamp()", "CURRENT_TIMESTAMP" },
	{ "current_date", "CURRENT_DATE" }, { "current_date()", "CURRENT_DATE" }, { "curdate()", "CURRENT_DATE" },
	{ "current_time", "CURRENT_TIME" }, { "current_time()", "CURRENT_TIME" }, { "curtime()", "CURRENT_TIME" },
};

int aurmig__schema_norm_default(char **out, aurmig_context *ctx, int dialect,
	const aurmig__ctype *type, const char *text)
{
	const char *s = text;
	size_t n;
	char num[80];
	char *v = NULL;
	aurmig__buf b;
	int kind = type ? type->kind : AURMIG_TYPE_OTHER;

	*out = NULL;
	if (!s)
		return AURMIG_OK;
	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	for (;;) {
		size_t m = n;
		if (dialect == AURMIG_DIALECT_PGSQL)
			m = strip_cast(s, m);
		while (m && isspace((unsigned char)s[m - 1]))
			m--;
		if (wrapped(s, m)) {
			s++;
			m -= 2;
			while (m && isspace((unsigned char)*s)) {
				s++;
				m--;
			}
			while (m && isspace((unsigned char)s[m - 1]))
				m--;
		}
		if (m == n)
			break;
		n = m;
	}
	if (n == 0 || (n == 4 && starts_ci(s, "null")))
		return AURMIG_OK;
	if (!(v = aurmig__strndup(ctx, s, n)))
		return AURMIG_ENOMEM;

	/* a single string literal */
	if (v[0] == '\'' || ((v[0] == 'E' || v[0] == 'e') && v[1] == '\'' && dialect == AURMIG_DIALECT_PGSQL)) {
		int bs = dialect == AURMIG_DIALECT_MYSQL || v[0] != '\'';
		const char *start = v[0] == '\'' ? v : v + 1, *end = literal_end(start, bs);
		if (end && end[1] == '\0') {
			char *val = literal_value(ctx, start, end, bs);
			if (!val) {
				free(v);
				return AURMIG_ENOMEM;
			}
			free(v);
			if (kind == AURMIG_TYPE_BOOLEAN &&
			    (ieq(val, "1") || ieq(val, "0") || ieq(val, "true") || ieq(val, "false") ||
			     ieq(val, "t") || ieq(val, "f"))) {
				int t = ieq(val, "1") || ieq(val, "true") || ieq(val, "t");
				free(val);
				*out = aurmig__strdup(ctx, t ? "TRUE" : "FALSE");
				return *out ? AURMIG_OK : AURMIG_ENOMEM;
			}
			if (is_numeric_kind(kind) && canon_number(num, sizeof(num), val)) {
				free(val);
				*out = aurmig__strdup(ctx, num);
				return *out ? AURMIG_OK : AURMIG_ENOMEM;
			}
			if (kind == AURMIG_TYPE_TIME || kind == AURMIG_TYPE_DATETIME || kind == AURMIG_TYPE_TIMESTAMP) {
				/* '00:00:01.000000' is '00:00:01': no trailing fractional zeros */
				char *dot = strrchr(val, '.'), *e;
				if (dot && strchr(val, ':') && strchr(val, ':') < dot && dot[1]) {
					for (e = dot + 1; isdigit((unsigned char)*e); e++)
						;
					if (!*e) {
						while (e > dot + 1 && e[-1] == '0')
							*--e = '\0';
						if (e == dot + 1)
							*dot = '\0';
					}
				}
			}
			aurmig__buf_init(&b, ctx);
			push_quoted(&b, val);
			free(val);
			*out = aurmig__buf_detach(&b);
			return *out ? AURMIG_OK : AURMIG_ENOMEM;
		}
	}
	if (canon_number(num, sizeof(num), v)) {
		free(v);
		if (kind == AURMIG_TYPE_BOOLEAN && (!strcmp(num, "0") || !strcmp(num, "1")))
			*out = aurmig__strdup(ctx, !strcmp(num, "1") ? "TRUE" : "FALSE");
		else
			*out = aurmig__strdup(ctx, num);
		return *out ? AURMIG_OK : AURMIG_ENOMEM;
	}
	if (ieq(v, "true") || ieq(v, "false")) {
		int t = ieq(v, "true");
		free(v);
		*out = aurmig__strdup(ctx, is_numeric_kind(kind) ? (t ? "1" : "0") : (t ? "TRUE" : "FALSE"));
		return *out ? AURMIG_OK : AURMIG_ENOMEM;
	}
	for (size_t i = 0; i < sizeof(time_keywords) / sizeof(time_keywords[0]); i++)
		if (ieq(v, time_keywords[i].in)) {
			free(v);
			*out = aurmig__strdup(ctx, time_keywords[i].out);
			return *out ? AURMIG_OK : AURMIG_ENOMEM;
		}
	/* current_timestamp(N) / now(N) */
	if ((starts_ci(v, "current_timestamp(") || starts_ci(v, "now(")) && v[n - 1] == ')') {
		const char *p = strchr(v, '(') + 1;
		int digits = 1;
		for (const char *q = p; q < v + n - 1; q++)
			digits &= isdigit((unsigned char)*q) != 0;
		if (digits && p < v + n - 1) {
			char *r = aurmig__printf(ctx, "CURRENT_TIMESTAMP(%.*s)", (int)(v + n - 1 - p), p);
			free(v);
			*out = r;
			return r ? AURMIG_OK : AURMIG_ENOMEM;
		}
	}
	*out = v;
	return AURMIG_OK;
}

/* ------------------------------------------------------------------ */
/* introspection                                                       */

typedef struct reader {
	aurmig_conn *c;
	aurmig_schema *s;
	unsigned int flags;
	int mariadb;            /* MySQL: the server is MariaDB */
	size_t last;            /* table cache for find_table */
} reader;

static int cmp_table(const void *x, const void *y)
{
	return strcmp(((const stable *)x)->name, ((const stable *)y)->name);
}

static stable *find_table(reader *r, const char *name)
{
	aurmig_schema *s = r->s;

	if (r->last < s->ntables && !strcmp(s->tables[r->last].name, name))
		return &s->tables[r->last];
	/* sorted by strcmp: binary search */
	size_t lo = 0, hi = s->ntables;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s->tables[mid].name, name);
		if (!c) {
			r->last = mid;
			return &s->tables[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static scol *find_column(stable *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i].name, name))
			return &t->cols[i];
	return NULL;
}

static int own_table(reader *r, const char *name)
{
	if (r->flags & AURMIG_SCHEMA_OWN_TABLES)
		return 0;
	return ieq(name, r->c->version_table) || ieq(name, r->c->journal_table);
}

/* Run a query expecting ncols columns. */
static int cells(reader *r, const char *sql, aurmig__strv *out, size_t ncols)
{
	size_t n = 0;
	int rc = r->c->ops->query_cells(r->c, sql, out, &n);

	if (!rc && out->n && n != ncols)
		rc = aurmig__err(r->s->ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB,
			"schema query returned %zu columns instead of %zu", n, ncols);
	if (!rc && n && out->n % n)
		rc = aurmig__err(r->s->ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB, "schema query returned a partial row");
	return rc;
}

static int add_table(reader *r, const char *name)
{
	stable *t;

	if (own_table(r, name))
		return AURMIG_OK;
	if (!(t = grow(r->s->ctx, (void **)&r->s->tables, &r->s->ntables, sizeof(*t))))
		return AURMIG_ENOMEM;
	if (!(t->name = aurmig__strdup(r->s->ctx, name))) {
		r->s->ntables--;
		return AURMIG_ENOMEM;
	}
	return AURMIG_OK;
}

/* A column from its backend spelling; default already an expression. */
static int add_column(reader *r, stable *t, const char *name, const char *type, int nullable,
	const char *dflt, int auto_increment)
{
	aurmig_context *ctx = r->s->ctx;
	scol *c;
	int rc;

	if (!(c = grow(ctx, (void **)&t->cols, &t->ncols, sizeof(*c))))
		return AURMIG_ENOMEM;
	c->nullable = nullable;
	c->auto_increment = auto_increment;
	if (!(c->name = aurmig__strdup(ctx, name)) || !(c->raw_type = aurmig__strdup(ctx, type)))
		return AURMIG_ENOMEM;
	if ((rc = aurmig__schema_parse_type(&c->type, ctx, r->s->dialect, type)))
		return rc;
	if (!auto_increment && (rc = aurmig__schema_norm_default(&c->default_value, ctx, r->s->dialect, &c->type, dflt)))
		return rc;
	return AURMIG_OK;
}

static sindex *add_index(reader *r, stable *t, const char *name, int unique)
{
	sindex *ix = grow(r->s->ctx, (void **)&t->idx, &t->nidx, sizeof(*ix));

	if (!ix)
		return NULL;
	ix->unique = unique;
	if (!(ix->name = aurmig__strdup(r->s->ctx, name)))
		return NULL;
	return ix;
}

/* name: a column, or NULL with expr; prefix: MySQL prefix length or 0 */
static int add_icol(reader *r, sindex *ix, const char *name, const char *expr, int desc, int prefix)
{
	aurmig_context *ctx = r->s->ctx;
	aurmig__icol *ic = grow(ctx, (void **)&ix->cols, &ix->ncols, sizeof(*ic));
	aurmig__buf b;

	if (!ic)
		return AURMIG_ENOMEM;
	ic->desc = desc;
	ic->prefix = prefix;
	if (name && !(ic->name = aurmig__strdup(ctx, name)))
		return AURMIG_ENOMEM;
	if (!name && !(ic->expr = aurmig__strdup(ctx, expr && *expr ? expr : "?")))
		return AURMIG_ENOMEM;
	aurmig__buf_init(&b, ctx);
	if (name)
		aurmig__buf_puts(&b, name);
	else
		aurmig__buf_printf(&b, "(%s)", ic->expr);
	if (prefix)
		aurmig__buf_printf(&b, "(%d)", prefix);
	if (desc)
		aurmig__buf_puts(&b, " DESC");
	return (ic->text = aurmig__buf_detach(&b)) ? AURMIG_OK : AURMIG_ENOMEM;
}

static const char *rule_of(const char *s)
{
	static const char *const rules[] = { "NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT" };

	/* PostgreSQL's single letters */
	if (s[0] && !s[1]) {
		switch (s[0]) {
		case 'r': return rules[1];
		case 'c': return rules[2];
		case 'n': return rules[3];
		case 'd': return rules[4];
		default: return rules[0];
		}
	}
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (ieq(s, rules[i]))
			return rules[i];
	return rules[0];
}

static sfkey *add_fkey(reader *r, stable *t, const char *name, const char *ref_table,
	const char *on_update, const char *on_delete)
{
	aurmig_context *ctx = r->s->ctx;
	sfkey *fk = grow(ctx, (void **)&t->fks, &t->nfks, sizeof(*fk));

	if (!fk)
		return NULL;
	fk->on_update = rule_of(on_update);
	fk->on_delete = rule_of(on_delete);
	if ((name && *name && !(fk->name = aurmig__strdup(ctx, name))) || !(fk->ref_table = aurmig__strdup(ctx, ref_table)))
		return NULL;
	return fk;
}

/* Is the word AUTOINCREMENT in the SQL, outside quotes and comments? */
static int has_autoincrement(const char *sql)
{
	for (const char *p = sql; *p; p++) {
		if (*p == '\'' || *p == '"' || *p == '`' || *p == '[') {
			char q = *p == '[' ? ']' : *p;
			const char *e = strchr(p + 1, q);
			if (!e)
				return 0;
			p = e;
		} else if (p[0] == '-' && p[1] == '-') {
			const char *e = strchr(p, '\n');
			if (!e)
				return 0;
			p = e;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			if (!e)
				return 0;
			p = e + 1;
		} else if ((p == sql || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) && starts_ci(p, "autoincrement") &&
			   !(isalnum((unsigned char)p[13]) || p[13] == '_')) {
			return 1;
		}
	}
	return 0;
}

static int read_sqlite(reader *r)
{
	aurmig_context *ctx = r->s->ctx;
	aurmig__strv v = { 0 }, autoinc = { 0 };
	int rc;

	/* tables */
	if ((rc = cells(r, "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name", &v, 2)))
		goto done;
	for (size_t i = 0; i + 1 < v.n && !rc; i += 2) {
		if (!strncmp(v.v[i], "sqlite_", 7))
			continue;
		rc = add_table(r, v.v[i]);
		if (!rc && has_autoincrement(v.v[i + 1]))
			rc = aurmig__strv_push(&autoinc, ctx, v.v[i]);
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;
	if (r->s->ntables)   /* qsort(NULL, 0) is undefined */
		qsort(r->s->tables, r->s->ntables, sizeof(stable), cmp_table);

	/* columns: table, cid, name, type, notnull, dflt_value, pk */
	if ((rc = cells(r, "SELECT m.name, p.cid, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk "
		"FROM sqlite_master AS m, pragma_table_info(m.name) AS p WHERE m.type = 'table' "
		"ORDER BY m.name, p.cid", &v, 7)))
		goto done;
	{
		/* primary key: pk is the 1-based position in the key */
		for (size_t i = 0; i + 6 < v.n && !rc; i += 7) {
			stable *t = find_table(r, v.v[i]);
			if (!t)
				continue;
			rc = add_column(r, t, v.v[i + 2], v.v[i + 3], strcmp(v.v[i + 4], "0") == 0, v.v[i + 5], 0);
			if (!rc && ieq(v.v[i + 5], "null"))
				t->cols[t->ncols - 1].null_default = 1;
		}
		for (long pos = 1; !rc; pos++) {
			int found = 0;
			for (size_t i = 0; i + 6 < v.n && !rc; i += 7) {
				stable *t;
				if (strtol(v.v[i + 6], NULL, 10) != pos || !(t = find_table(r, v.v[i])))
					continue;
				found = 1;
				rc = aurmig__strv_push(&t->pk, ctx, v.v[i + 2]);
			}
			if (!found)
				break;
		}
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;

	/* indexes: table, index, unique, origin, partial, seqno, cid, column, desc */
	if ((rc = cells(r, "SELECT m.name, l.name, l.\"unique\", l.origin, l.partial, x.seqno, x.cid, x.name, x.\"desc\" "
		"FROM sqlite_master AS m, pragma_index_list(m.name) AS l, pragma_index_xinfo(l.name) AS x "
		"WHERE m.type = 'table' AND x.\"key\" = 1 ORDER BY m.name, l.name, x.seqno", &v, 9)))
		goto done;
	{
		sindex *ix = NULL;
		const char *cur_t = NULL, *cur_i = NULL;
		for (size_t i = 0; i + 8 < v.n && !rc; i += 9) {
			stable *t = find_table(r, v.v[i]);
			if (!t)
				continue;
			if (!strcmp(v.v[i + 3], "pk")) {
				t->has_pk_index = 1;
				continue;
			}
			if (!cur_t || strcmp(cur_t, v.v[i]) || strcmp(cur_i, v.v[i + 1])) {
				if (!(ix = add_index(r, t, v.v[i + 1], strcmp(v.v[i + 2], "0") != 0))) {
					rc = AURMIG_ENOMEM;
					break;
				}
				ix->auto_named = !strcmp(v.v[i + 3], "u") && !strncmp(v.v[i + 1], "sqlite_autoindex_", 17);
				ix->partial = strcmp(v.v[i + 4], "0") != 0;
				cur_t = v.v[i];
				cur_i = v.v[i + 1];
			}
			if (strcmp(v.v[i + 6], "-2") == 0)
				rc = add_icol(r, ix, NULL, "expression", strcmp(v.v[i + 8], "0") != 0, 0);
			else
				rc = add_icol(r, ix, v.v[i + 7], NULL, strcmp(v.v[i + 8], "0") != 0, 0);
		}
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;

	/* foreign keys: table, id, seq, table, from, to, on_update, on_delete, match */
	if ((rc = cells(r, "SELECT m.name, f.* FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f "
		"WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq", &v, 9)))
		goto done;
	{
		sfkey *fk = NULL;
		const char *cur_t = NULL, *cur_id = NULL;
		for (size_t i = 0; i + 8 < v.n && !rc; i += 9) {
			stable *t = find_table(r, v.v[i]);
			if (!t)
				continue;
			if (!cur_t || strcmp(cur_t, v.v[i]) || strcmp(cur_id, v.v[i + 1])) {
				if (!(fk = add_fkey(r, t, NULL, v.v[i + 3], v.v[i + 6], v.v[i + 7]))) {
					rc = AURMIG_ENOMEM;
					break;
				}
				cur_t = v.v[i];
				cur_id = v.v[i + 1];
			}
			/* "to" is empty when the parent's primary key is meant */
			if ((rc = aurmig__strv_push(&fk->columns, ctx, v.v[i + 4])) ||
			    (rc = aurmig__strv_push(&fk->ref_columns, ctx, v.v[i + 5])))
				break;
		}
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;

	/* SQLite's INTEGER PRIMARY KEY is the rowid: it numbers itself */
	for (size_t i = 0; i < r->s->ntables; i++) {
		stable *t = &r->s->tables[i];
		scol *c;
		if (t->pk.n != 1 || t->has_pk_index || !(c = find_column(t, t->pk.v[0])) || !ieq(c->raw_type, "integer"))
			continue;
		c->auto_increment = 1;
		c->sqlite_autoincrement = aurmig__strv_contains(&autoinc, t->name);
		free(c->default_value);
		c->default_value = NULL;
	}
done:
	aurmig__strv_clear(&v);
	aurmig__strv_clear(&autoinc);
	return rc;
}

static int read_mysql(reader *r)
{
	aurmig_context *ctx = r->s->ctx;
	aurmig__strv v = { 0 };
	int rc;

	if ((rc = cells(r, "SELECT VERSION()", &v, 1)))
		goto done;
	r->mariadb = v.n && strstr(v.v[0], "MariaDB") != NULL;
	aurmig__strv_clear(&v);

	/* tables */
	if ((rc = cells(r, "SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES "
		"WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", &v, 2)))
		goto done;
	for (size_t i = 0; i + 1 < v.n && !rc; i += 2)
		rc = add_table(r, v.v[i]);
	if (rc)
		goto done;
	if (r->s->ntables)   /* qsort(NULL, 0) is undefined */
		qsort(r->s->tables, r->s->ntables, sizeof(stable), cmp_table);
	for (size_t i = 0; i + 1 < v.n && !rc; i += 2) {
		stable *t = find_table(r, v.v[i]);
		const char *coll = v.v[i + 1], *us;
		if (!t || !*coll)
			continue;
		/* a collation's name starts with its character set's, up to the first '_' */
		us = strchr(coll, '_');
		if (!(t->collation = aurmig__strdup(ctx, coll)) ||
		    !(t->charset = us ? aurmig__strndup(ctx, coll, (size_t)(us - coll)) : aurmig__strdup(ctx, coll)))
			rc = AURMIG_ENOMEM;
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;

	/* columns */
	if ((rc = cells(r, "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, "
		"COLUMN_DEFAULT IS NULL, EXTRA, CHARACTER_SET_NAME, COLLATION_NAME, DATA_TYPE "
		"FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
		"ORDER BY TABLE_NAME, ORDINAL_POSITION", &v, 10)))
		goto done;
	for (size_t i = 0; i + 9 < v.n && !rc; i += 10) {
		stable *t = find_table(r, v.v[i]);
		const char *extra = v.v[i + 6], *dflt = strcmp(v.v[i + 5], "0") ? NULL : v.v[i + 4];
		char *expr = NULL, *e;
		int ai = 0;
		scol *c;
		if (!t)
			continue;
		for (const char *p = extra; *p; p++)
			if (starts_ci(p, "auto_increment"))
				ai = 1;
		if (dflt && !r->mariadb) {
			/* MySQL reports the bare value; make it an expression */
			aurmig__ctype ty;
			int is_expr = strstr(extra, "DEFAULT_GENERATED") != NULL;
			if ((rc = aurmig__schema_parse_type(&ty, ctx, AURMIG_DIALECT_MYSQL, v.v[i + 2])))
				break;
			if (!is_expr && !(is_numeric_kind(ty.kind) || ty.kind == AURMIG_TYPE_BOOLEAN) &&
			    !starts_ci(dflt, "current_timestamp") && strncmp(dflt, "b'", 2)) {
				aurmig__buf b;
				aurmig__buf_init(&b, ctx);
				aurmig__db_quote(&b, AURMIG_DIALECT_MYSQL, dflt);
				if (!(expr = aurmig__buf_detach(&b)))
					rc = AURMIG_ENOMEM;
			}
			free(ty.text);
			if (rc)
				break;
		}
		rc = add_column(r, t, v.v[i + 1], v.v[i + 2], ieq(v.v[i + 3], "YES"), expr ? expr : dflt, ai);
		free(expr);
		if (rc)
			break;
		c = &t->cols[t->ncols - 1];
		/* "on update current_timestamp()" */
		for (const char *p = extra; *p && !rc; p++)
			if (starts_ci(p, "on update ")) {
				char *w = aurmig__strdup(ctx, p + 10);
				if (!w) {
					rc = AURMIG_ENOMEM;
					break;
				}
				if ((e = strchr(w, ' ')))
					*e = '\0';
				rc = aurmig__schema_norm_default(&c->on_update, ctx, AURMIG_DIALECT_MYSQL, &c->type, w);
				free(w);
				break;
			}
		if (!rc && *v.v[i + 8] && (!t->collation || strcmp(v.v[i + 8], t->collation)) &&
		    (!(c->charset = aurmig__strdup(ctx, v.v[i + 7])) || !(c->collation = aurmig__strdup(ctx, v.v[i + 8]))))
			rc = AURMIG_ENOMEM;
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;

	/* indexes (and the primary key) */
	if ((rc = cells(r, "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, COLLATION "
		"FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
		"ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX", &v, 6)))
		goto done;
	{
		sindex *ix = NULL;
		const char *cur_t = NULL, *cur_i = NULL;
		for (size_t i = 0; i + 5 < v.n && !rc; i += 6) {
			stable *t = find_table(r, v.v[i]);
			if (!t)
				continue;
			if (!strcmp(v.v[i + 1], "PRIMARY")) {
				rc = aurmig__strv_push(&t->pk, ctx, v.v[i + 3]);
				continue;
			}
			if (!cur_t || strcmp(cur_t, v.v[i]) || strcmp(cur_i, v.v[i + 1])) {
				if (!(ix = add_index(r, t, v.v[i + 1], strcmp(v.v[i + 2], "0") == 0))) {
					rc = AURMIG_ENOMEM;
					break;
				}
				cur_t = v.v[i];
				cur_i = v.v[i + 1];
			}
			rc = add_icol(r, ix, *v.v[i + 3] ? v.v[i + 3] : NULL, "expression", !strcmp(v.v[i + 5], "D"),
				(int)strtol(v.v[i + 4], NULL, 10));
		}
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;

	/* foreign keys */
	if ((rc = cells(r, "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, "
		"k.REFERENCED_COLUMN_NAME, c.UPDATE_RULE, c.DELETE_RULE "
		"FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS c "
		"ON c.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND c.CONSTRAINT_NAME = k.CONSTRAINT_NAME "
		"AND c.TABLE_NAME = k.TABLE_NAME "
		"WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL "
		"ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION", &v, 7)))
		goto done;
	{
		sfkey *fk = NULL;
		const char *cur_t = NULL, *cur_n = NULL;
		for (size_t i = 0; i + 6 < v.n && !rc; i += 7) {
			stable *t = find_table(r, v.v[i]);
			if (!t)
				continue;
			if (!cur_t || strcmp(cur_t, v.v[i]) || strcmp(cur_n, v.v[i + 1])) {
				if (!(fk = add_fkey(r, t, v.v[i + 1], v.v[i + 3], v.v[i + 5], v.v[i + 6]))) {
					rc = AURMIG_ENOMEM;
					break;
				}
				/* InnoDB: NO ACTION is RESTRICT */
				if (!strcmp(fk->on_update, "NO ACTION"))
					fk->on_update = rule_of("RESTRICT");
				if (!strcmp(fk->on_delete, "NO ACTION"))
					fk->on_delete = rule_of("RESTRICT");
				cur_t = v.v[i];
				cur_n = v.v[i + 1];
			}
			if ((rc = aurmig__strv_push(&fk->columns, ctx, v.v[i + 2])) ||
			    (rc = aurmig__strv_push(&fk->ref_columns, ctx, v.v[i + 4])))
				break;
		}
	}
done:
	aurmig__strv_clear(&v);
	return rc;
}

static int read_pgsql(reader *r)
{
	aurmig_context *ctx = r->s->ctx;
	aurmig__strv v = { 0 };
	int rc;

	if ((rc = cells(r, "SELECT c.relname FROM pg_catalog.pg_class c "
		"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
		"WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
		"ORDER BY c.relname", &v, 1)))
		goto done;
	for (size_t i = 0; i < v.n && !rc; i++)
		rc = add_table(r, v.v[i]);
	aurmig__strv_clear(&v);
	if (rc)
		goto done;
	if (r->s->ntables)   /* qsort(NULL, 0) is undefined */
		qsort(r->s->tables, r->s->ntables, sizeof(stable), cmp_table);

	/* columns: table, name, type, notnull, default, identity */
	if ((rc = cells(r, "SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), "
		"a.attnotnull::int, pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text "
		"FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
		"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
		"LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
		"WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
		"AND NOT a.attisdropped ORDER BY c.relname, a.attnum", &v, 6)))
		goto done;
	for (size_t i = 0; i + 5 < v.n && !rc; i += 6) {
		stable *t = find_table(r, v.v[i]);
		const char *dflt = v.v[i + 4];
		int ai = *v.v[i + 5] != '\0';
		if (!t)
			continue;
		/* serial: the default draws from a sequence */
		if (starts_ci(dflt, "nextval("))
			ai = 1;
		rc = add_column(r, t, v.v[i + 1], v.v[i + 2], strcmp(v.v[i + 3], "0") == 0, dflt, ai);
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;

	/* indexes: table, index, unique, primary, column (NULL: expression), expression, desc, partial */
	if ((rc = cells(r, "SELECT c.relname, i.relname, x.indisunique::int, x.indisprimary::int, a.attname, "
		"pg_catalog.pg_get_indexdef(x.indexrelid, k.n, true), x.indoption[k.n - 1] & 1, "
		"(x.indpred IS NOT NULL)::int "
		"FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class c ON c.oid = x.indrelid "
		"JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid "
		"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
		"CROSS JOIN LATERAL generate_series(1, x.indnkeyatts) AS k(n) "
		"LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[k.n - 1] "
		"AND x.indkey[k.n - 1] <> 0 "
		"WHERE n.nspname = current_schema() ORDER BY c.relname, i.relname, k.n", &v, 8)))
		goto done;
	{
		sindex *ix = NULL;
		const char *cur_t = NULL, *cur_i = NULL;
		for (size_t i = 0; i + 7 < v.n && !rc; i += 8) {
			stable *t = find_table(r, v.v[i]);
			if (!t)
				continue;
			if (strcmp(v.v[i + 3], "0")) {
				rc = aurmig__strv_push(&t->pk, ctx, v.v[i + 4]);
				continue;
			}
			if (!cur_t || strcmp(cur_t, v.v[i]) || strcmp(cur_i, v.v[i + 1])) {
				if (!(ix = add_index(r, t, v.v[i + 1], strcmp(v.v[i + 2], "0") != 0))) {
					rc = AURMIG_ENOMEM;
					break;
				}
				ix->partial = strcmp(v.v[i + 7], "0") != 0;
				cur_t = v.v[i];
				cur_i = v.v[i + 1];
			}
			rc = add_icol(r, ix, *v.v[i + 4] ? v.v[i + 4] : NULL, v.v[i + 5], strcmp(v.v[i + 6], "0") != 0, 0);
		}
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;

	/* foreign keys: table, name, column, referenced table, referenced column, on update, on delete */
	if ((rc = cells(r, "SELECT c.relname, con.conname, a.attname, fc.relname, fa.attname, "
		"con.confupdtype::text, con.confdeltype::text "
		"FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
		"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
		"JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid "
		"CROSS JOIN LATERAL generate_subscripts(con.conkey, 1) AS k(n) "
		"JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[k.n] "
		"JOIN pg_catalog.pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = con.confkey[k.n] "
		"WHERE con.contype = 'f' AND n.nspname = current_schema() "
		"ORDER BY c.relname, con.conname, k.n", &v, 7)))
		goto done;
	{
		sfkey *fk = NULL;
		const char *cur_t = NULL, *cur_n = NULL;
		for (size_t i = 0; i + 6 < v.n && !rc; i += 7) {
			stable *t = find_table(r, v.v[i]);
			if (!t)
				continue;
			if (!cur_t || strcmp(cur_t, v.v[i]) || strcmp(cur_n, v.v[i + 1])) {
				if (!(fk = add_fkey(r, t, v.v[i + 1], v.v[i + 3], v.v[i + 5], v.v[i + 6]))) {
					rc = AURMIG_ENOMEM;
					break;
				}
				cur_t = v.v[i];
				cur_n = v.v[i + 1];
			}
			if ((rc = aurmig__strv_push(&fk->columns, ctx, v.v[i + 2])) ||
			    (rc = aurmig__strv_push(&fk->ref_columns, ctx, v.v[i + 4])))
				break;
		}
	}
done:
	aurmig__strv_clear(&v);
	return rc;
}

static int cmp_index(const void *x, const void *y)
{
	return strcmp(((const sindex *)x)->name, ((const sindex *)y)->name);
}

/* Foreign keys: named ones by name, then unnamed ones by columns and reference. */
static int cmp_strv(const aurmig__strv *a, const aurmig__strv *b)
{
	for (size_t i = 0; i < a->n && i < b->n; i++) {
		int c = strcmp(a->v[i], b->v[i]);
		if (c)
			return c;
	}
	return a->n < b->n ? -1 : a->n > b->n;
}

static int cmp_fkey(const void *x, const void *y)
{
	const sfkey *a = x, *b = y;
	int c;

	if (a->name && b->name)
		return strcmp(a->name, b->name);
	if (a->name || b->name)
		return a->name ? -1 : 1;
	if ((c = cmp_strv(&a->columns, &b->columns)) || (c = strcmp(a->ref_table, b->ref_table)))
		return c;
	return cmp_strv(&a->ref_columns, &b->ref_columns);
}

static int finish(aurmig_schema *s)
{
	for (size_t i = 0; i < s->ntables; i++) {
		stable *t = &s->tables[i];
		/* primary-key columns are NOT NULL (SQLite's legacy NULLs aside) */
		for (size_t k = 0; k < t->pk.n; k++) {
			scol *c = find_column(t, t->pk.v[k]);
			if (c)
				c->nullable = 0;
		}
		/* SQLite: REFERENCES parent without columns means the parent's primary key */
		for (size_t f = 0; f < t->nfks; f++) {
			sfkey *fk = &t->fks[f];
			const stable *p = NULL;
			for (size_t j = 0; j < s->ntables && !p; j++)
				if (!strcmp(s->tables[j].name, fk->ref_table))
					p = &s->tables[j];
			for (size_t k = 0; k < fk->ref_columns.n; k++)
				if (!*fk->ref_columns.v[k] && p && k < p->pk.n) {
					char *d = aurmig__strdup(s->ctx, p->pk.v[k]);
					if (!d)
						return AURMIG_ENOMEM;
					free(fk->ref_columns.v[k]);
					fk->ref_columns.v[k] = d;
				}
		}
		if (t->nidx)
			qsort(t->idx, t->nidx, sizeof(*t->idx), cmp_index);
		if (t->nfks)
			qsort(t->fks, t->nfks, sizeof(*t->fks), cmp_fkey);
	}
	return AURMIG_OK;
}

int aurmig_schema_read_flags(aurmig_schema **out, aurmig_conn *conn, unsigned int flags)
{
	aurmig_schema *s;
	reader r = { 0 };
	int rc;

	if (out)
		*out = NULL;
	if (!out || !conn)
		return conn ? aurmig__err(conn->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_schema_read: NULL argument") : AURMIG_EINVALID;
	aurmig__err_clear(conn->ctx);
	if (conn->offline || !conn->ops->query_cells)
		return aurmig__err(conn->ctx, AURMIG_EUNSUPPORTED, AURMIG_ERRCLASS_API,
			"schema introspection needs a live connection");
	if (!(s = aurmig__calloc(conn->ctx, 1, sizeof(*s))))
		return AURMIG_ENOMEM;
	s->ctx = aurmig__context_ref(conn->ctx);
	s->dialect = conn->dialect;
	r.c = conn;
	r.s = s;
	r.flags = flags;
	switch (conn->dialect) {
	case AURMIG_DIALECT_SQLITE: rc = read_sqlite(&r); break;
	case AURMIG_DIALECT_MYSQL: rc = read_mysql(&r); break;
	case AURMIG_DIALECT_PGSQL: rc = read_pgsql(&r); break;
	default:
		rc = aurmig__err(conn->ctx, AURMIG_EUNSUPPORTED, AURMIG_ERRCLASS_API, "unknown dialect %d", conn->dialect);
		break;
	}
	if (!rc)
		rc = finish(s);
	if (rc) {
		aurmig_schema_free(s);
		return rc;
	}
	*out = s;
	return AURMIG_OK;
}

int aurmig_schema_read(aurmig_schema **out, aurmig_conn *conn)
{
	return aurmig_schema_read_flags(out, conn, 0);
}

/* ------------------------------------------------------------------ */
/* accessors                                                           */

int aurmig_schema_dialect(const aurmig_schema *s) { return s ? s->dialect : AURMIG_DIALECT_ANY; }
const char *aurmig_schema_label(const aurmig_schema *s) { return s ? s->label : NULL; }

int aurmig_schema_set_label(aurmig_schema *s, const char *label)
{
	char *l;

	if (!s)
		return AURMIG_EINVALID;
	if (!label) {
		free(s->label);
		s->label = NULL;
		return AURMIG_OK;
	}
	if (!(l = aurmig__strdup(s->ctx, label)))
		return AURMIG_ENOMEM;
	free(s->label);
	s->label = l;
	return AURMIG_OK;
}

size_t aurmig_schema_table_count(const aurmig_schema *s) { return s ? s->ntables : 0; }

const aurmig_schema_table *aurmig_schema_table_at(const aurmig_schema *s, size_t i)
{
	return s && i < s->ntables ? &s->tables[i] : NULL;
}

const aurmig_schema_table *aurmig_schema_table_get(const aurmig_schema *s, const char *name)
{
	if (!s || !name)
		return NULL;
	for (size_t i = 0; i < s->ntables; i++)
		if (!strcmp(s->tables[i].name, name))
			return &s->tables[i];
	return NULL;
}

const char *aurmig_schema_table_name(const aurmig_schema_table *t) { return t ? t->name : NULL; }
const char *aurmig_schema_table_charset(const aurmig_schema_table *t) { return t ? t->charset : NULL; }
const char *aurmig_schema_table_collation(const aurmig_schema_table *t) { return t ? t->collation : NULL; }
size_t aurmig_schema_table_column_count(const aurmig_schema_table *t) { return t ? t->ncols : 0; }

const aurmig_schema_column *aurmig_schema_table_column(const aurmig_schema_table *t, size_t i)
{
	return t && i < t->ncols ? &t->cols[i] : NULL;
}

size_t aurmig_schema_table_primary_key_count(const aurmig_schema_table *t) { return t ? t->pk.n : 0; }

const char *aurmig_schema_table_primary_key(const aurmig_schema_table *t, size_t i)
{
	return t && i < t->pk.n ? t->pk.v[i] : NULL;
}

size_t aurmig_schema_table_index_count(const aurmig_schema_table *t) { return t ? t->nidx : 0; }

const aurmig_schema_index *aurmig_schema_table_index(const aurmig_schema_table *t, size_t i)
{
	return t && i < t->nidx ? &t->idx[i] : NULL;
}

size_t aurmig_schema_table_fkey_count(const aurmig_schema_table *t) { return t ? t->nfks : 0; }

const aurmig_schema_fkey *aurmig_schema_table_fkey(const aurmig_schema_table *t, size_t i)
{
	return t && i < t->nfks ? &t->fks[i] : NULL;
}

const char *aurmig_schema_column_name(const aurmig_schema_column *c) { return c ? c->name : NULL; }
const char *aurmig_schema_column_type(const aurmig_schema_column *c) { return c ? c->type.text : NULL; }
const char *aurmig_schema_column_raw_type(const aurmig_schema_column *c) { return c ? c->raw_type : NULL; }
int aurmig_schema_column_kind(const aurmig_schema_column *c) { return c ? c->type.kind : AURMIG_TYPE_OTHER; }
int aurmig_schema_column_length(const aurmig_schema_column *c) { return c ? c->type.length : -1; }
int aurmig_schema_column_scale(const aurmig_schema_column *c) { return c ? c->type.scale : -1; }
int aurmig_schema_column_is_unsigned(const aurmig_schema_column *c) { return c ? c->type.is_unsigned : 0; }
int aurmig_schema_column_is_nullable(const aurmig_schema_column *c) { return c ? c->nullable : 0; }
const char *aurmig_schema_column_default(const aurmig_schema_column *c) { return c ? c->default_value : NULL; }
int aurmig_schema_column_is_auto_increment(const aurmig_schema_column *c) { return c ? c->auto_increment : 0; }
const char *aurmig_schema_column_on_update(const aurmig_schema_column *c) { return c ? c->on_update : NULL; }
const char *aurmig_schema_column_charset(const aurmig_schema_column *c) { return c ? c->charset : NULL; }
const char *aurmig_schema_column_collation(const aurmig_schema_column *c) { return c ? c->collation : NULL; }

const char *aurmig_schema_index_name(const aurmig_schema_index *ix) { return ix ? ix->name : NULL; }
int aurmig_schema_index_is_unique(const aurmig_schema_index *ix) { return ix ? ix->unique : 0; }
size_t aurmig_schema_index_column_count(const aurmig_schema_index *ix) { return ix ? ix->ncols : 0; }

const char *aurmig_schema_index_column(const aurmig_schema_index *ix, size_t i)
{
	return ix && i < ix->ncols ? ix->cols[i].text : NULL;
}

const char *aurmig_schema_fkey_name(const aurmig_schema_fkey *fk) { return fk ? fk->name : NULL; }
size_t aurmig_schema_fkey_column_count(const aurmig_schema_fkey *fk) { return fk ? fk->columns.n : 0; }

const char *aurmig_schema_fkey_column(const aurmig_schema_fkey *fk, size_t i)
{
	return fk && i < fk->columns.n ? fk->columns.v[i] : NULL;
}

const char *aurmig_schema_fkey_ref_table(const aurmig_schema_fkey *fk) { return fk ? fk->ref_table : NULL; }

const char *aurmig_schema_fkey_ref_column(const aurmig_schema_fkey *fk, size_t i)
{
	return fk && i < fk->ref_columns.n ? fk->ref_columns.v[i] : NULL;
}

const char *aurmig_schema_fkey_on_delete(const aurmig_schema_fkey *fk) { return fk ? fk->on_delete : NULL; }
const char *aurmig_schema_fkey_on_update(const aurmig_schema_fkey *fk) { return fk ? fk->on_update : NULL; }

/* ------------------------------------------------------------------ */
/* rendering                                                           */

/* The type for dialect (ANY: the normalised text). */
static void put_type(aurmig__buf *b, int dialect, const scol *c)
{
	const aurmig__ctype *t = &c->type;
	int k = t->kind;

	if (dialect == AURMIG_DIALECT_ANY || k == AURMIG_TYPE_OTHER) {
		aurmig__buf_puts(b, t->text);
		return;
	}
	if (dialect == AURMIG_DIALECT_PGSQL) {
		const char *w = kind_word(k);
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
	aurmig__buf_puts(b, kind_word(k));
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

	const char *end = d[0] == '\'' ? literal_end(d, 0) : NULL;

	return (end && end[1] == '\0') || canon_number(num, sizeof(num), d) || !strcmp(d, "TRUE") || !strcmp(d, "FALSE") ||
		is_current_timestamp(d) || !strcmp(d, "CURRENT_DATE") || !strcmp(d, "CURRENT_TIME");
}

static void put_default(aurmig__buf *b, int dialect, const char *d)
{
	if (d[0] == '\'' && dialect == AURMIG_DIALECT_MYSQL) {
		/* MySQL: backslashes escape */
		const char *end = literal_end(d, 0);
		char *v = end ? literal_value(b->ctx, d, end, 0) : NULL;
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
static void put_column_def(aurmig__buf *b, int dialect, int src_dialect, const stable *t, const scol *c)
{
	int rowid = dialect == AURMIG_DIALECT_SQLITE && sqlite_rowid(t, c);

	if (rowid)
		aurmig__buf_puts(b, "INTEGER");
	else if (dialect == AURMIG_DIALECT_SQLITE && src_dialect == AURMIG_DIALECT_SQLITE && c->raw_type)
		aurmig__buf_puts(b, c->raw_type);   /* SQLite to SQLite: the declared type as it was */
	else
		put_type(b, dialect, c);
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
		put_default(b, dialect, c->default_value);
	} else if (!c->default_value && c->null_default && c->nullable && dialect == AURMIG_DIALECT_SQLITE) {
		aurmig__buf_puts(b, " DEFAULT NULL");
	}
	if (c->on_update && (dialect == AURMIG_DIALECT_ANY || dialect == AURMIG_DIALECT_MYSQL))
		aurmig__buf_printf(b, " ON UPDATE %s", c->on_update);
	if (c->auto_increment && (dialect == AURMIG_DIALECT_ANY || dialect == AURMIG_DIALECT_MYSQL))
		aurmig__buf_puts(b, " AUTO_INCREMENT");
}

static void put_ident_list(aurmig__buf *b, int dialect, const aurmig__strv *v)
{
	aurmig__buf_puts(b, "(");
	for (size_t i = 0; i < v->n; i++) {
		if (i)
			aurmig__buf_puts(b, ", ");
		put_ident(b, dialect, v->v[i]);
	}
	aurmig__buf_puts(b, ")");
}

static void put_index_cols(aurmig__buf *b, int dialect, const sindex *ix)
{
	aurmig__buf_puts(b, "(");
	for (size_t i = 0; i < ix->ncols; i++) {
		const aurmig__icol *ic = &ix->cols[i];
		if (i)
			aurmig__buf_puts(b, ", ");
		if (ic->name)
			put_ident(b, dialect, ic->name);
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
	return !strcmp(rule, src_dialect == AURMIG_DIALECT_MYSQL ? "RESTRICT" : "NO ACTION");
}

/* "[CONSTRAINT name] FOREIGN KEY (c) REFERENCES t (c) [ON DELETE x] [ON UPDATE y]" */
static void put_fkey(aurmig__buf *b, int dialect, int src_dialect, const sfkey *fk)
{
	if (fk->name) {
		aurmig__buf_puts(b, "CONSTRAINT ");
		put_ident(b, dialect, fk->name);
		aurmig__buf_puts(b, " ");
	}
	aurmig__buf_puts(b, "FOREIGN KEY ");
	put_ident_list(b, dialect, &fk->columns);
	aurmig__buf_puts(b, " REFERENCES ");
	put_ident(b, dialect, fk->ref_table);
	aurmig__buf_puts(b, " ");
	put_ident_list(b, dialect, &fk->ref_columns);
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
		if (ieq(o->name, ix->name))
			return 1;
		for (size_t k = 0; k < o->nidx && o != t; k++)
			if (ieq(o->idx[k].name, ix->name))
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
			put_ident(b, dialect, n);
		free(n);
	} else {
		put_ident(b, dialect, ix->name);
	}
	aurmig__buf_puts(b, " ON ");
	put_ident(b, dialect, t->name);
	aurmig__buf_puts(b, " ");
	put_index_cols(b, dialect, ix);
}

static void put_table(aurmig__buf *b, int dialect, int src_dialect, const stable *t)
{
	int sep = 0, rowid_pk = 0;

	aurmig__buf_puts(b, "CREATE TABLE ");
	put_ident(b, dialect, t->name);
	aurmig__buf_puts(b, " (\n");
	for (size_t i = 0; i < t->ncols; i++) {
		size_t mark;
		aurmig__buf_puts(b, sep++ ? ",\n  " : "  ");
		put_ident(b, dialect, t->cols[i].name);
		aurmig__buf_puts(b, " ");
		mark = b->len;
		put_column_def(b, dialect, src_dialect, t, &t->cols[i]);
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
		put_ident_list(b, dialect, &t->pk);
	}
	for (size_t i = 0; i < t->nidx; i++) {
		const sindex *ix = &t->idx[i];
		if (dialect == AURMIG_DIALECT_MYSQL) {
			/* every index inside, so that no foreign key makes one of its own */
			aurmig__buf_puts(b, sep++ ? ",\n  " : "  ");
			aurmig__buf_puts(b, ix->unique ? "UNIQUE KEY " : "KEY ");
			if (!ix->auto_named) {
				put_ident(b, dialect, ix->name);
				aurmig__buf_puts(b, " ");
			}
			put_index_cols(b, dialect, ix);
		} else if (ix->auto_named) {
			aurmig__buf_puts(b, sep++ ? ",\n  UNIQUE " : "  UNIQUE ");
			put_index_cols(b, dialect, ix);
		}
	}
	if (dialect == AURMIG_DIALECT_ANY || dialect == AURMIG_DIALECT_SQLITE)
		for (size_t i = 0; i < t->nfks; i++) {
			aurmig__buf_puts(b, sep++ ? ",\n  " : "  ");
			put_fkey(b, dialect, src_dialect, &t->fks[i]);
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
						    !(from = find_column(&s->tables[j], fk->columns.v[n])))
							continue;
						if (is_int_kind(from->type.kind) && from->type.kind != AURMIG_TYPE_INTEGER)
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
		put_table(&b, dialect, s->dialect, t);
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
				put_ident(&b, dialect, s->tables[i].name);
				aurmig__buf_puts(&b, " ADD ");
				put_fkey(&b, dialect, s->dialect, &s->tables[i].fks[k]);
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
/* comparing                                                           */

typedef struct ditem {
	int kind;
	int change;
	char *table;
	char *object;
	char *a;
	char *b;
	char *message;
} ditem;

struct aurmig_schema_diff {
	aurmig_context *ctx;
	ditem *items;
	size_t n;
};

typedef struct differ {
	aurmig_schema_diff *d;
	const aurmig_schema *a, *b;
	const char *la, *lb;   /* labels */
	int cross;             /* different backends: the mapping applies */
	int ci;                /* names compare case-insensitively */
} differ;

void aurmig_schema_diff_free(aurmig_schema_diff *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].table);
		free(d->items[i].object);
		free(d->items[i].a);
		free(d->items[i].b);
		free(d->items[i].message);
	}
	free(d->items);
	aurmig__context_unref(d->ctx);
	free(d);
}

size_t aurmig_schema_diff_count(const aurmig_schema_diff *d) { return d ? d->n : 0; }
int aurmig_schema_diff_kind(const aurmig_schema_diff *d, size_t i) { return d && i < d->n ? d->items[i].kind : 0; }
int aurmig_schema_diff_change(const aurmig_schema_diff *d, size_t i) { return d && i < d->n ? d->items[i].change : 0; }

const char *aurmig_schema_diff_table(const aurmig_schema_diff *d, size_t i)
{
	return d && i < d->n ? d->items[i].table : NULL;
}

const char *aurmig_schema_diff_object(const aurmig_schema_diff *d, size_t i)
{
	return d && i < d->n ? d->items[i].object : NULL;
}

const char *aurmig_schema_diff_a(const aurmig_schema_diff *d, size_t i) { return d && i < d->n ? d->items[i].a : NULL; }
const char *aurmig_schema_diff_b(const aurmig_schema_diff *d, size_t i) { return d && i < d->n ? d->items[i].b : NULL; }

const char *aurmig_schema_diff_message(const aurmig_schema_diff *d, size_t i)
{
	return d && i < d->n ? d->items[i].message : NULL;
}

const char *aurmig_schema_object_name(int kind)
{
	static const char *const names[] = { NULL, "table", "column", "column_order", "primary_key", "index",
		"foreign_key", "table_options" };

	return kind > 0 && kind < (int)(sizeof(names) / sizeof(names[0])) ? names[kind] : NULL;
}

static const char *what_of(int kind)
{
	static const char *const what[] = { "", "table", "column", "column order", "primary key", "index",
		"foreign key", "table options" };

	return what[kind];
}

/* Record one difference; a_text/b_text are taken (NULL: that side lacks it). */
static int add_item(differ *df, int kind, const char *table, const char *object, char *a_text, char *b_text)
{
	aurmig_context *ctx = df->d->ctx;
	ditem *it = grow(ctx, (void **)&df->d->items, &df->d->n, sizeof(*it));
	aurmig__buf m;
	char *subject;

	if (!it) {
		free(a_text);
		free(b_text);
		return AURMIG_ENOMEM;
	}
	it->kind = kind;
	it->change = !b_text ? AURMIG_SCHEMA_ONLY_A : !a_text ? AURMIG_SCHEMA_ONLY_B : AURMIG_SCHEMA_CHANGED;
	it->a = a_text;
	it->b = b_text;
	if (!(it->table = aurmig__strdup(ctx, table)) || (object && !(it->object = aurmig__strdup(ctx, object))))
		return AURMIG_ENOMEM;
	subject = kind == AURMIG_SCHEMA_TABLE ? aurmig__printf(ctx, "table %s", table) :
		kind == AURMIG_SCHEMA_COLUMN ? aurmig__printf(ctx, "column %s.%s", table, object) :
		object ? aurmig__printf(ctx, "%s %s of table %s", what_of(kind), object, table) :
		aurmig__printf(ctx, "%s of table %s", what_of(kind), table);
	if (!subject)
		return AURMIG_ENOMEM;
	aurmig__buf_init(&m, ctx);
	if (it->change == AURMIG_SCHEMA_CHANGED)
		aurmig__buf_printf(&m, "%s %s: %s in %s, %s in %s", subject,
			kind == AURMIG_SCHEMA_TABLE_OPTIONS ? "differ" : "differs", a_text, df->la, b_text, df->lb);
	else if (kind == AURMIG_SCHEMA_TABLE)
		aurmig__buf_printf(&m, "%s exists only in %s", subject, a_text ? df->la : df->lb);
	else
		aurmig__buf_printf(&m, "%s exists only in %s: %s", subject, a_text ? df->la : df->lb,
			a_text ? a_text : b_text);
	free(subject);
	return (it->message = aurmig__buf_detach(&m)) ? AURMIG_OK : AURMIG_ENOMEM;
}

static char *column_text(aurmig_context *ctx, const aurmig_schema *s, const stable *t, const scol *c)
{
	aurmig__buf b;

	aurmig__buf_init(&b, ctx);
	put_column_def(&b, AURMIG_DIALECT_ANY, s->dialect, t, c);
	return aurmig__buf_detach(&b);
}

static char *index_text(aurmig_context *ctx, const sindex *ix)
{
	aurmig__buf b;

	aurmig__buf_init(&b, ctx);
	aurmig__buf_puts(&b, ix->unique ? "UNIQUE " : "INDEX ");
	if (!ix->auto_named) {
		put_ident(&b, AURMIG_DIALECT_ANY, ix->name);
		aurmig__buf_puts(&b, " ");
	}
	put_index_cols(&b, AURMIG_DIALECT_ANY, ix);
	if (ix->partial)
		aurmig__buf_puts(&b, " WHERE ...");
	return aurmig__buf_detach(&b);
}

static char *fkey_text(aurmig_context *ctx, const aurmig_schema *s, const sfkey *fk)
{
	aurmig__buf b;

	aurmig__buf_init(&b, ctx);
	put_fkey(&b, AURMIG_DIALECT_ANY, s->dialect, fk);
	return aurmig__buf_detach(&b);
}

static char *table_text(aurmig_context *ctx, const aurmig_schema *s, const stable *t)
{
	aurmig__buf b;

	aurmig__buf_init(&b, ctx);
	put_table(&b, AURMIG_DIALECT_ANY, s->dialect, t);
	return aurmig__buf_detach(&b);
}

static char *options_text(aurmig_context *ctx, const stable *t)
{
	return aurmig__printf(ctx, "CHARSET=%s COLLATE=%s", t->charset ? t->charset : "-",
		t->collation ? t->collation : "-");
}

/* Types equal modulo the mapping between backends (docs/schema.md). */
static int type_equiv(const differ *df, const aurmig__ctype *x, const aurmig__ctype *y)
{
	int sqlite = df->a->dialect == AURMIG_DIALECT_SQLITE || df->b->dialect == AURMIG_DIALECT_SQLITE;
	int pg = df->a->dialect == AURMIG_DIALECT_PGSQL || df->b->dialect == AURMIG_DIALECT_PGSQL;
	int kx = x->kind, ky = y->kind;

	if (!df->cross)
		return !strcmp(x->text, y->text);
	if (kx == ky && !strcmp(x->text, y->text))
		return 1;
	if (is_int_kind(kx) && is_int_kind(ky)) {
		if (kx == AURMIG_TYPE_INTEGER || ky == AURMIG_TYPE_INTEGER)
			return 1;
		if (pg) {
			kx = kx == AURMIG_TYPE_TINYINT ? AURMIG_TYPE_SMALLINT : kx == AURMIG_TYPE_MEDIUMINT ? AURMIG_TYPE_INT : kx;
			ky = ky == AURMIG_TYPE_TINYINT ? AURMIG_TYPE_SMALLINT : ky == AURMIG_TYPE_MEDIUMINT ? AURMIG_TYPE_INT : ky;
			return kx == ky;
		}
		return kx == ky && x->is_unsigned == y->is_unsigned;
	}
	if (sqlite && ((kx == AURMIG_TYPE_BOOLEAN && (ky == AURMIG_TYPE_INTEGER || (ky == AURMIG_TYPE_TINYINT && !y->is_unsigned))) ||
		       (ky == AURMIG_TYPE_BOOLEAN && (kx == AURMIG_TYPE_INTEGER || (kx == AURMIG_TYPE_TINYINT && !x->is_unsigned)))))
		return 1;
	if (kx != ky) {
		if ((kx == AURMIG_TYPE_FLOAT || kx == AURMIG_TYPE_DOUBLE) && (ky == AURMIG_TYPE_FLOAT || ky == AURMIG_TYPE_DOUBLE))
			return sqlite;
		if ((kx == AURMIG_TYPE_DATETIME || kx == AURMIG_TYPE_TIMESTAMP) &&
		    (ky == AURMIG_TYPE_DATETIME || ky == AURMIG_TYPE_TIMESTAMP))
			return x->length == y->length;
		return 0;
	}
	switch (kx) {
	case AURMIG_TYPE_DECIMAL:
		if (sqlite && ((df->a->dialect == AURMIG_DIALECT_SQLITE ? x : y)->length < 0))
			return 1;
		return x->length == y->length && x->scale == y->scale && (pg || x->is_unsigned == y->is_unsigned);
	case AURMIG_TYPE_FLOAT:
	case AURMIG_TYPE_DOUBLE:
		return pg || sqlite || x->is_unsigned == y->is_unsigned;
	case AURMIG_TYPE_TEXT:
	case AURMIG_TYPE_BLOB:
	case AURMIG_TYPE_DATE:
	case AURMIG_TYPE_BOOLEAN:
		return 1;
	case AURMIG_TYPE_CHAR:
	case AURMIG_TYPE_VARCHAR:
	case AURMIG_TYPE_TIME:
	case AURMIG_TYPE_DATETIME:
	case AURMIG_TYPE_TIMESTAMP:
		return x->length == y->length;
	default:
		return ieq(x->text, y->text);
	}
}

static int default_equiv(const differ *df, const scol *x, const scol *y)
{
	const char *dx = x->default_value, *dy = y->default_value;

	if (!dx || !dy)
		return dx == dy;
	if (!strcmp(dx, dy))
		return 1;
	if (!df->cross)
		return 0;
	/* a boolean on one side, an integer on the other (SQLite) */
	if ((!strcmp(dx, "TRUE") && !strcmp(dy, "1")) || (!strcmp(dx, "1") && !strcmp(dy, "TRUE")) ||
	    (!strcmp(dx, "FALSE") && !strcmp(dy, "0")) || (!strcmp(dx, "0") && !strcmp(dy, "FALSE")))
		return 1;
	return 0;
}

static int column_equiv(const differ *df, const scol *x, const scol *y)
{
	if (!type_equiv(df, &x->type, &y->type) || x->nullable != y->nullable || x->auto_increment != y->auto_increment ||
	    !default_equiv(df, x, y))
		return 0;
	if (df->cross)
		return 1;
	return name_eq(x->on_update, y->on_update, 0) && name_eq(x->charset, y->charset, 0) &&
		name_eq(x->collation, y->collation, 0);
}

static const scol *match_column(const differ *df, const stable *t, const char *name, size_t *pos)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (name_eq(t->cols[i].name, name, df->ci)) {
			if (pos)
				*pos = i;
			return &t->cols[i];
		}
	return NULL;
}

static int strv_equiv(const aurmig__strv *x, const aurmig__strv *y, int ci)
{
	if (x->n != y->n)
		return 0;
	for (size_t i = 0; i < x->n; i++)
		if (!name_eq(x->v[i], y->v[i], ci))
			return 0;
	return 1;
}

static int index_cols_equiv(const sindex *x, const sindex *y, int ci)
{
	if (x->ncols != y->ncols || x->unique != y->unique || x->partial != y->partial)
		return 0;
	for (size_t i = 0; i < x->ncols; i++)
		if (!name_eq(x->cols[i].text, y->cols[i].text, ci))
			return 0;
	return 1;
}

static int rule_equiv(const differ *df, const char *x, const char *y)
{
	int mysql = df->a->dialect == AURMIG_DIALECT_MYSQL || df->b->dialect == AURMIG_DIALECT_MYSQL;

	if (!strcmp(x, y))
		return 1;
	/* InnoDB's RESTRICT is NO ACTION */
	return df->cross && mysql && (!strcmp(x, "NO ACTION") || !strcmp(x, "RESTRICT")) &&
		(!strcmp(y, "NO ACTION") || !strcmp(y, "RESTRICT"));
}

static int fkey_target_equiv(const differ *df, const sfkey *x, const sfkey *y)
{
	return strv_equiv(&x->columns, &y->columns, df->ci) && name_eq(x->ref_table, y->ref_table, df->ci) &&
		strv_equiv(&x->ref_columns, &y->ref_columns, df->ci);
}

/* MySQL makes an index for a foreign key that has none: across backends it is not a difference. */
static int implicit_fk_index(const differ *df, const aurmig_schema *s, const stable *t, const sindex *ix)
{
	if (!df->cross || s->dialect != AURMIG_DIALECT_MYSQL || ix->unique)
		return 0;
	for (size_t f = 0; f < t->nfks; f++) {
		const sfkey *fk = &t->fks[f];
		size_t k;
		if (fk->columns.n != ix->ncols)
			continue;
		for (k = 0; k < ix->ncols; k++)
			if (!ix->cols[k].name || strcmp(ix->cols[k].name, fk->columns.v[k]) || ix->cols[k].prefix)
				break;
		if (k == ix->ncols)
			return 1;
	}
	return 0;
}

static int diff_table(differ *df, const stable *ta, const stable *tb)
{
	aurmig_context *ctx = df->d->ctx;
	const char *tn = ta->name;
	int rc = AURMIG_OK;
	char *used = NULL;

	/* MySQL table options */
	if (!df->cross && (!name_eq(ta->charset, tb->charset, 0) || !name_eq(ta->collation, tb->collation, 0))) {
		char *x = options_text(ctx, ta), *y = options_text(ctx, tb);
		if (!x || !y) {
			free(x);
			free(y);
			return AURMIG_ENOMEM;
		}
		if ((rc = add_item(df, AURMIG_SCHEMA_TABLE_OPTIONS, tn, NULL, x, y)))
			return rc;
	}

	/* columns, in a's order, then b's extra ones */
	for (size_t i = 0; i < ta->ncols && !rc; i++) {
		const scol *ca = &ta->cols[i], *cb = match_column(df, tb, ca->name, NULL);
		if (cb && column_equiv(df, ca, cb))
			continue;
		{
			char *x = column_text(ctx, df->a, ta, ca), *y = cb ? column_text(ctx, df->b, tb, cb) : NULL;
			if (!x || (cb && !y)) {
				free(x);
				free(y);
				return AURMIG_ENOMEM;
			}
			rc = add_item(df, AURMIG_SCHEMA_COLUMN, tn, ca->name, x, y);
		}
	}
	for (size_t i = 0; i < tb->ncols && !rc; i++) {
		const scol *cb = &tb->cols[i];
		if (match_column(df, ta, cb->name, NULL))
			continue;
		{
			char *y = column_text(ctx, df->b, tb, cb);
			rc = y ? add_item(df, AURMIG_SCHEMA_COLUMN, tn, cb->name, NULL, y) : AURMIG_ENOMEM;
		}
	}
	if (rc)
		return rc;

	/* the order of the common columns */
	{
		size_t last = 0, pos;
		int first = 1, ordered = 1;
		for (size_t i = 0; i < ta->ncols; i++) {
			if (!match_column(df, tb, ta->cols[i].name, &pos))
				continue;
			if (!first && pos < last)
				ordered = 0;
			last = pos;
			first = 0;
		}
		if (!ordered) {
			aurmig__buf x, y;
			aurmig__buf_init(&x, ctx);
			aurmig__buf_init(&y, ctx);
			for (size_t i = 0; i < ta->ncols; i++)
				if (match_column(df, tb, ta->cols[i].name, NULL))
					aurmig__buf_printf(&x, "%s%s", x.len ? ", " : "", ta->cols[i].name);
			for (size_t i = 0; i < tb->ncols; i++)
				if (match_column(df, ta, tb->cols[i].name, NULL))
					aurmig__buf_printf(&y, "%s%s", y.len ? ", " : "", tb->cols[i].name);
			{
				char *xs = aurmig__buf_detach(&x), *ys = aurmig__buf_detach(&y);
				if (!xs || !ys) {
					free(xs);
					free(ys);
					return AURMIG_ENOMEM;
				}
				if ((rc = add_item(df, AURMIG_SCHEMA_COLUMN_ORDER, tn, NULL, xs, ys)))
					return rc;
			}
		}
	}

	/* primary key */
	if (!strv_equiv(&ta->pk, &tb->pk, df->ci)) {
		aurmig__buf x, y;
		char *xs = NULL, *ys = NULL;
		aurmig__buf_init(&x, ctx);
		aurmig__buf_init(&y, ctx);
		if (ta->pk.n) {
			aurmig__buf_puts(&x, "PRIMARY KEY ");
			put_ident_list(&x, AURMIG_DIALECT_ANY, &ta->pk);
			xs = aurmig__buf_detach(&x);
		}
		if (tb->pk.n) {
			aurmig__buf_puts(&y, "PRIMARY KEY ");
			put_ident_list(&y, AURMIG_DIALECT_ANY, &tb->pk);
			ys = aurmig__buf_detach(&y);
		}
		if ((ta->pk.n && !xs) || (tb->pk.n && !ys)) {
			free(xs);
			free(ys);
			return AURMIG_ENOMEM;
		}
		if ((rc = add_item(df, AURMIG_SCHEMA_PRIMARY_KEY, tn, NULL, xs, ys)))
			return rc;
	}

	/* indexes: by name within a backend (SQLite's unnamed UNIQUE
	 * constraints by their columns), by their columns across backends */
	if (tb->nidx && !(used = aurmig__calloc(ctx, tb->nidx, 1)))
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < ta->nidx && !rc; i++) {
		const sindex *ia = &ta->idx[i], *ib = NULL;
		int by_name = !df->cross && !ia->auto_named;
		for (size_t k = 0; k < tb->nidx && !ib; k++) {
			if (used[k])
				continue;
			if (by_name ? !tb->idx[k].auto_named && !strcmp(ia->name, tb->idx[k].name) :
			    (df->cross || tb->idx[k].auto_named) && index_cols_equiv(ia, &tb->idx[k], df->ci)) {
				ib = &tb->idx[k];
				used[k] = 1;
			}
		}
		if (ib && index_cols_equiv(ia, ib, df->ci))
			continue;
		if (!ib && implicit_fk_index(df, df->a, ta, ia))
			continue;
		{
			char *x = index_text(ctx, ia), *y = ib ? index_text(ctx, ib) : NULL;
			if (!x || (ib && !y)) {
				free(x);
				free(y);
				rc = AURMIG_ENOMEM;
				break;
			}
			rc = add_item(df, AURMIG_SCHEMA_INDEX, tn, ia->auto_named ? NULL : ia->name, x, y);
		}
	}
	for (size_t k = 0; k < tb->nidx && !rc; k++) {
		char *y;
		if (used[k] || implicit_fk_index(df, df->b, tb, &tb->idx[k]))
			continue;
		if (!(y = index_text(ctx, &tb->idx[k]))) {
			rc = AURMIG_ENOMEM;
			break;
		}
		rc = add_item(df, AURMIG_SCHEMA_INDEX, tn, tb->idx[k].auto_named ? NULL : tb->idx[k].name, NULL, y);
	}
	free(used);
	used = NULL;
	if (rc)
		return rc;

	/* foreign keys: by name when both sides of one backend have names,
	 * else by columns and reference */
	if (tb->nfks && !(used = aurmig__calloc(ctx, tb->nfks, 1)))
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < ta->nfks && !rc; i++) {
		const sfkey *fa = &ta->fks[i], *fb = NULL;
		for (size_t k = 0; k < tb->nfks && !fb; k++) {
			const sfkey *c = &tb->fks[k];
			if (used[k])
				continue;
			if (!df->cross && fa->name && c->name ? !strcmp(fa->name, c->name) : fkey_target_equiv(df, fa, c)) {
				fb = c;
				used[k] = 1;
			}
		}
		if (fb && fkey_target_equiv(df, fa, fb) && rule_equiv(df, fa->on_delete, fb->on_delete) &&
		    rule_equiv(df, fa->on_update, fb->on_update))
			continue;
		{
			char *x = fkey_text(ctx, df->a, fa), *y = fb ? fkey_text(ctx, df->b, fb) : NULL;
			if (!x || (fb && !y)) {
				free(x);
				free(y);
				rc = AURMIG_ENOMEM;
				break;
			}
			rc = add_item(df, AURMIG_SCHEMA_FOREIGN_KEY, tn, fa->name, x, y);
		}
	}
	for (size_t k = 0; k < tb->nfks && !rc; k++) {
		char *y;
		if (used[k])
			continue;
		if (!(y = fkey_text(ctx, df->b, &tb->fks[k]))) {
			rc = AURMIG_ENOMEM;
			break;
		}
		rc = add_item(df, AURMIG_SCHEMA_FOREIGN_KEY, tn, tb->fks[k].name, NULL, y);
	}
	free(used);
	return rc;
}

static const stable *match_table(const differ *df, const aurmig_schema *s, const char *name)
{
	for (size_t i = 0; i < s->ntables; i++)
		if (name_eq(s->tables[i].name, name, df->ci))
			return &s->tables[i];
	return NULL;
}

int aurmig_schema_diff_new(aurmig_schema_diff **out, const aurmig_schema *a, const aurmig_schema *b)
{
	differ df = { 0 };
	aurmig_context *ctx;
	int rc = AURMIG_OK;

	if (out)
		*out = NULL;
	if (!out || !a || !b)
		return a || b ? aurmig__err((a ? a : b)->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_schema_diff_new: NULL argument") : AURMIG_EINVALID;
	ctx = a->ctx;
	if (!(df.d = aurmig__calloc(ctx, 1, sizeof(*df.d))))
		return AURMIG_ENOMEM;
	df.d->ctx = aurmig__context_ref(ctx);
	df.a = a;
	df.b = b;
	df.la = a->label ? a->label : "a";
	df.lb = b->label ? b->label : "b";
	df.cross = a->dialect != b->dialect;
	df.ci = df.cross;
	for (size_t i = 0; i < a->ntables && !rc; i++) {
		const stable *ta = &a->tables[i], *tb = match_table(&df, b, ta->name);
		if (tb) {
			rc = diff_table(&df, ta, tb);
		} else {
			char *x = table_text(ctx, a, ta);
			rc = x ? add_item(&df, AURMIG_SCHEMA_TABLE, ta->name, NULL, x, NULL) : AURMIG_ENOMEM;
		}
	}
	for (size_t i = 0; i < b->ntables && !rc; i++) {
		const stable *tb = &b->tables[i];
		char *y;
		if (match_table(&df, a, tb->name))
			continue;
		y = table_text(ctx, b, tb);
		rc = y ? add_item(&df, AURMIG_SCHEMA_TABLE, tb->name, NULL, NULL, y) : AURMIG_ENOMEM;
	}
	if (rc) {
		aurmig_schema_diff_free(df.d);
		return rc;
	}
	*out = df.d;
	return AURMIG_OK;
}

/* ------------------------------------------------------------------ */
/* shared with the portable DDL module (ddl.c)                         */

void aurmig__schema_put_ident(aurmig__buf *b, int dialect, const char *name) { put_ident(b, dialect, name); }
/* For SQLite, models of portable DDL and of SQLite databases are SQLite's
 * own: declared types kept (raw_type), AUTOINCREMENT as the column says. */
void aurmig__schema_put_column_def(aurmig__buf *b, int dialect, const stable *t, const scol *c)
{
	put_column_def(b, dialect, dialect == AURMIG_DIALECT_SQLITE ? AURMIG_DIALECT_SQLITE : AURMIG_DIALECT_ANY, t, c);
}
void aurmig__schema_put_table(aurmig__buf *b, int dialect, const stable *t)
{
	put_table(b, dialect, dialect == AURMIG_DIALECT_SQLITE ? AURMIG_DIALECT_SQLITE : AURMIG_DIALECT_ANY, t);
}
void aurmig__schema_put_table_from(aurmig__buf *b, int dialect, int src_dialect, const stable *t)
{
	put_table(b, dialect, src_dialect, t);
}
void aurmig__schema_put_fkey(aurmig__buf *b, int dialect, const sfkey *fk) { put_fkey(b, dialect, AURMIG_DIALECT_ANY, fk); }
void aurmig__schema_put_index_cols(aurmig__buf *b, int dialect, const sindex *ix) { put_index_cols(b, dialect, ix); }
void aurmig__schema_put_default(aurmig__buf *b, int dialect, const char *d) { put_default(b, dialect, d); }
void aurmig__schema_put_type(aurmig__buf *b, int dialect, const scol *c) { put_type(b, dialect, c); }
void aurmig__schema_free_table(stable *t) { free_table(t); }
void aurmig__schema_free_column(scol *c) { free_column(c); }
void aurmig__schema_free_index(sindex *ix) { free_index(ix); }
void aurmig__schema_free_fkey(sfkey *fk) { free_fkey(fk); }
void *aurmig__schema_grow(aurmig_context *ctx, void **arr, size_t *n, size_t size) { return grow(ctx, arr, n, size); }
int aurmig__schema_finish(aurmig_schema *s)
{
	if (s->ntables)
		qsort(s->tables, s->ntables, sizeof(stable), cmp_table);
	return finish(s);
}
int aurmig__schema_is_int_kind(int kind) { return is_int_kind(kind); }
