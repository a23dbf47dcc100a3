/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The schema model (schema.h): its life, and the normalisers every reader
 * and the renderer share: identifiers, types and default expressions as
 * each backend spells them (docs/schema.md), plus the public accessors.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "schema/schema.h"

typedef struct aurmig_schema_table stable;
typedef struct aurmig_schema_column scol;
typedef struct aurmig_schema_index sindex;
typedef struct aurmig_schema_fkey sfkey;

/* ------------------------------------------------------------------ */
/* small string helpers                                                */

int aurmig__schema_ieq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

/* NULL-safe equality, exact or case-insensitive */
int aurmig__schema_name_eq(const char *a, const char *b, int ci)
{
	if (!a || !b)
		return a == b;
	return ci ? aurmig__schema_ieq(a, b) : strcmp(a, b) == 0;
}

int aurmig__schema_starts_ci(const char *s, const char *prefix)
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
		if (aurmig__schema_ieq(s, reserved[i]))
			return 1;
	return 0;
}

/* An identifier for dialect: MySQL backticks, SQLite and PostgreSQL double
 * quotes, always; the portable dump quotes (MySQL-style) only when needed. */
void aurmig__schema_put_ident(aurmig__buf *b, int dialect, const char *name)
{
	char q = dialect == AURMIG_DIALECT_ANY ? '`' : aurmig__dialect_of(dialect)->ident_quote;

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

void aurmig__schema_free_column(scol *c)
{
	free(c->name);
	free(c->raw_type);
	free(c->type.text);
	free(c->default_value);
	free(c->on_update);
	free(c->charset);
	free(c->collation);
}

void aurmig__schema_free_index(sindex *ix)
{
	free(ix->name);
	for (size_t i = 0; i < ix->ncols; i++) {
		free(ix->cols[i].text);
		free(ix->cols[i].name);
		free(ix->cols[i].expr);
	}
	free(ix->cols);
}

void aurmig__schema_free_fkey(sfkey *fk)
{
	free(fk->name);
	aurmig__strv_clear(&fk->columns);
	free(fk->ref_table);
	aurmig__strv_clear(&fk->ref_columns);
}

void aurmig__schema_free_table(stable *t)
{
	free(t->name);
	free(t->charset);
	free(t->collation);
	for (size_t i = 0; i < t->ncols; i++)
		aurmig__schema_free_column(&t->cols[i]);
	free(t->cols);
	aurmig__strv_clear(&t->pk);
	for (size_t i = 0; i < t->nidx; i++)
		aurmig__schema_free_index(&t->idx[i]);
	free(t->idx);
	for (size_t i = 0; i < t->nfks; i++)
		aurmig__schema_free_fkey(&t->fks[i]);
	free(t->fks);
}

void aurmig_schema_free(aurmig_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ntables; i++)
		aurmig__schema_free_table(&s->tables[i]);
	free(s->tables);
	free(s->label);
	free(s->dump);
	aurmig__context_unref(s->ctx);
	free(s);
}

/* Append a zeroed element to an array of n elements of size; NULL when out of memory. */
void *aurmig__schema_grow(aurmig_context *ctx, void **arr, size_t *n, size_t size)
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

int aurmig__schema_is_int_kind(int k)
{
	return k >= AURMIG_TYPE_INTEGER && k <= AURMIG_TYPE_BIGINT;
}

int aurmig__schema_is_numeric_kind(int k)
{
	return aurmig__schema_is_int_kind(k) || k == AURMIG_TYPE_DECIMAL || k == AURMIG_TYPE_FLOAT || k == AURMIG_TYPE_DOUBLE;
}

const char *aurmig__schema_kind_word(int k)
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
	out->is_unsigned = aurmig__schema_is_numeric_kind(kind) && is_unsigned;
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
		aurmig__buf_puts(&t, aurmig__schema_kind_word(kind));
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
const char *aurmig__schema_literal_end(const char *s, int backslash)
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

/* The value of the literal s[0..end], which aurmig__schema_literal_end() found. */
char *aurmig__schema_literal_value(aurmig_context *ctx, const char *s, const char *end, int backslash)
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
int aurmig__schema_canon_number(char *out, size_t size, const char *s)
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
	if (n == 0 || (n == 4 && aurmig__schema_starts_ci(s, "null")))
		return AURMIG_OK;
	if (!(v = aurmig__strndup(ctx, s, n)))
		return AURMIG_ENOMEM;

	/* a single string literal */
	if (v[0] == '\'' || ((v[0] == 'E' || v[0] == 'e') && v[1] == '\'' && dialect == AURMIG_DIALECT_PGSQL)) {
		int bs = aurmig__dialect_of(dialect)->backslash_escapes || v[0] != '\'';
		const char *start = v[0] == '\'' ? v : v + 1, *end = aurmig__schema_literal_end(start, bs);
		if (end && end[1] == '\0') {
			char *val = aurmig__schema_literal_value(ctx, start, end, bs);
			if (!val) {
				free(v);
				return AURMIG_ENOMEM;
			}
			free(v);
			if (kind == AURMIG_TYPE_BOOLEAN &&
			    (aurmig__schema_ieq(val, "1") || aurmig__schema_ieq(val, "0") ||
			     aurmig__schema_ieq(val, "true") || aurmig__schema_ieq(val, "false") ||
			     aurmig__schema_ieq(val, "t") || aurmig__schema_ieq(val, "f"))) {
				int t = aurmig__schema_ieq(val, "1") || aurmig__schema_ieq(val, "true") || aurmig__schema_ieq(val, "t");
				free(val);
				*out = aurmig__strdup(ctx, t ? "TRUE" : "FALSE");
				return *out ? AURMIG_OK : AURMIG_ENOMEM;
			}
			if (aurmig__schema_is_numeric_kind(kind) && aurmig__schema_canon_number(num, sizeof(num), val)) {
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
	if (aurmig__schema_canon_number(num, sizeof(num), v)) {
		free(v);
		if (kind == AURMIG_TYPE_BOOLEAN && (!strcmp(num, "0") || !strcmp(num, "1")))
			*out = aurmig__strdup(ctx, !strcmp(num, "1") ? "TRUE" : "FALSE");
		else
			*out = aurmig__strdup(ctx, num);
		return *out ? AURMIG_OK : AURMIG_ENOMEM;
	}
	if (aurmig__schema_ieq(v, "true") || aurmig__schema_ieq(v, "false")) {
		int t = aurmig__schema_ieq(v, "true");
		free(v);
		*out = aurmig__strdup(ctx, aurmig__schema_is_numeric_kind(kind) ? (t ? "1" : "0") : (t ? "TRUE" : "FALSE"));
		return *out ? AURMIG_OK : AURMIG_ENOMEM;
	}
	for (size_t i = 0; i < sizeof(time_keywords) / sizeof(time_keywords[0]); i++)
		if (aurmig__schema_ieq(v, time_keywords[i].in)) {
			free(v);
			*out = aurmig__strdup(ctx, time_keywords[i].out);
			return *out ? AURMIG_OK : AURMIG_ENOMEM;
		}
	/* current_timestamp(N) / now(N) */
	if ((aurmig__schema_starts_ci(v, "current_timestamp(") || aurmig__schema_starts_ci(v, "now(")) && v[n - 1] == ')') {
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


scol *aurmig__schema_find_column(stable *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i].name, name))
			return &t->cols[i];
	return NULL;
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
