/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Format-preserving editor for aurweb's INI configuration (see inifile.h).
 *
 * The object keeps the text exactly as read and an index of its lines.
 * Queries use the index. An edit builds the new text from untouched byte
 * ranges of the old one plus the few new lines, parses that text again with
 * the same rules, checks that the result means what the edit intended and
 * only then swaps it in: all-or-nothing, and the index can never drift from
 * the text.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "ini/inifile.h"

#define INI_MAX_SIZE ((size_t)64 * 1024 * 1024)
#define NONE ((size_t)-1)
#define DIFF_CONTEXT 3
#define DIFF_MAX_CELLS ((size_t)1000 * 1000)

enum { LINE_BLANK, LINE_COMMENT, LINE_SECTION, LINE_KEY, LINE_CONT };

typedef struct ini_line {
	size_t off;          /* start of the line's text in ini->text (after a BOM) */
	size_t len;          /* text length, line ending excluded */
	unsigned char eol;   /* length of the line ending: 0, 1 (LF) or 2 (CRLF) */
	unsigned char kind;
	size_t indent;       /* leading blanks */
	/* SECTION: the name; KEY: the key (offsets from the line's start) */
	size_t name_off, name_len;
	size_t delim;        /* KEY: offset of '=' or ':' */
	size_t val_off, val_len; /* KEY: the value on the key line, stripped */
	/* KEY: one past its last continuation line; SECTION: one past its last line */
	size_t end;
	size_t section;      /* KEY: index of its section's header line */
	const char *value;   /* KEY: the value as configparser returns it */
} ini_line;

struct aurmig__ini {
	aurmig_context *ctx;
	char *name;          /* for messages */
	unsigned int flags;
	char *text;          /* exactly the file's bytes, NUL-terminated */
	size_t len;
	int bom;             /* text starts with a UTF-8 byte order mark */
	int final_eol;       /* the last line ends with a line ending (or no lines) */
	const char *eol;     /* line ending for new lines */
	ini_line *lines;
	size_t nlines;
	size_t nkeys, nsections;
	char *values;        /* storage for the joined values */
	size_t values_size;  /* its size in bytes */
	int modified;
	int save_fail_step;  /* test only: see aurmig__ini_test_fail_save_step */
	void (*save_hook)(void *arg, int step);   /* test only: see aurmig__ini_test_save_hook */
	void *save_hook_arg;
};

/* Python's str.strip() on ASCII: space, \t, \n, \v, \f, \r, \x1c-\x1f */
static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
	       (c >= 0x1c && c <= 0x1f);
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static const char *line_text(const aurmig__ini *ini, size_t i)
{
	return ini->text + ini->lines[i].off;
}

static int lineno(size_t i)
{
	return (int)(i + 1);
}

/* ================================================================ parsing */

static int keys_equal(unsigned int flags, const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return 0;
	if (!(flags & AURMIG__INI_FOLD_KEY_CASE))
		return memcmp(a, b, an) == 0;
	for (size_t i = 0; i < an; i++)
		if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

static int parse_err(aurmig__ini *ini, size_t i, const char *fmt, ...) AURMIG__PRINTF(3, 4);
static int parse_err(aurmig__ini *ini, size_t i, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	aurmig__verr_at(ini->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_CONFIG, ini->name, lineno(i), fmt, ap);
	va_end(ap);
	return AURMIG_EPARSE;
}

/* Join the value of the key at line k, whose block ends after line last. */
static void close_key(aurmig__ini *ini, size_t k, size_t last, char **store)
{
	ini_line *l = &ini->lines[k];
	char *start = *store, *p = start;

	l->end = last + 1;
	memcpy(p, line_text(ini, k) + l->val_off, l->val_len);
	p += l->val_len;
	for (size_t j = k + 1; j <= last; j++) {
		const ini_line *c = &ini->lines[j];
		const char *t = line_text(ini, j);
		size_t e = c->len;

		if (c->kind == LINE_BLANK) {
			*p++ = '\n';
		} else if (c->kind == LINE_CONT) {
			while (e > c->indent && is_blank((unsigned char)t[e - 1]))
				e--;
			*p++ = '\n';
			memcpy(p, t + c->indent, e - c->indent);
			p += e - c->indent;
		}
	}
	while (p > start && is_blank((unsigned char)p[-1]))
		p--;
	*p++ = '\0';
	l->value = start;
	*store = p;
}

/* A section or key name, for finding duplicates by sorting. */
typedef struct name_ref {
	const char *p;
	size_t n;
	size_t sec;          /* keys: their section's header line; sections: NONE */
	size_t line;
	unsigned int fold;   /* compare ignoring ASCII case */
} name_ref;

static int name_ref_cmp_names(const name_ref *a, const name_ref *b)
{
	size_t m = a->n < b->n ? a->n : b->n;

	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	for (size_t i = 0; i < m; i++) {
		int ca = (unsigned char)a->p[i], cb = (unsigned char)b->p[i];

		if (a->fold) {
			ca = ascii_lower(ca);
			cb = ascii_lower(cb);
		}
		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	return a->n < b->n ? -1 : a->n > b->n;
}

static int name_ref_cmp(const void *x, const void *y)
{
	const name_ref *a = x, *b = y;
	int c = name_ref_cmp_names(a, b);

	if (c)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* The earliest line (before line `before`) repeating a section or a key of
 * its section: *dup and *first, or NONE. Sorting keeps this O(n log n). */
static int find_duplicate(aurmig__ini *ini, size_t before, size_t *dup, size_t *first)
{
	size_t m = 0, group = 0;
	name_ref *refs;

	*dup = *first = NONE;
	for (size_t i = 0; i < before; i++)
		m += ini->lines[i].kind == LINE_SECTION || ini->lines[i].kind == LINE_KEY;
	if (m < 2)
		return AURMIG_OK;
	refs = aurmig__reallocarray(ini->ctx, NULL, m, sizeof(*refs));
	if (!refs)
		return AURMIG_ENOMEM;
	m = 0;
	for (size_t i = 0; i < before; i++) {
		const ini_line *l = &ini->lines[i];

		if (l->kind != LINE_SECTION && l->kind != LINE_KEY)
			continue;
		refs[m].p = line_text(ini, i) + l->name_off;
		refs[m].n = l->name_len;
		refs[m].sec = l->kind == LINE_KEY ? l->section : NONE;
		refs[m].line = i;
		refs[m].fold = l->kind == LINE_KEY ? ini->flags & AURMIG__INI_FOLD_KEY_CASE : 0;
		m++;
	}
	qsort(refs, m, sizeof(*refs), name_ref_cmp);
	for (size_t i = 1; i < m; i++) {
		if (name_ref_cmp_names(&refs[group], &refs[i]) != 0) {
			group = i;
		} else if (*dup == NONE || refs[i].line < *dup) {
			*dup = refs[i].line;
			*first = refs[group].line;
		}
	}
	free(refs);
	return AURMIG_OK;
}

enum { BAD_NUL = 1, BAD_CR, BAD_NO_SECTION, BAD_SYNTAX, BAD_NO_KEY };

/* Split ini->text into lines and classify them as configparser would. The
 * error reported is the one on the earliest line. */
static int index_text(aurmig__ini *ini)
{
	const char *text = ini->text;
	size_t pos, n = 0, sec = NONE, key = NONE, key_indent = 0, last = 0, bad = NONE, dup, first;
	int why = 0, rc;
	char delim = 0;
	char *store;

	ini->bom = ini->len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0;
	pos = ini->bom ? 3 : 0;
	for (size_t i = pos; i < ini->len; i++)
		if (text[i] == '\n')
			n++;
	n++;
	ini->lines = aurmig__reallocarray(ini->ctx, NULL, n, sizeof(*ini->lines));
	if (!ini->lines)
		return AURMIG_ENOMEM;
	ini->values = aurmig__malloc(ini->ctx, ini->len + n + 1);
	if (!ini->values)
		return AURMIG_ENOMEM;
	ini->values_size = ini->len + n + 1;
	store = ini->values;

	/* lines */
	n = 0;
	while (pos < ini->len) {
		const char *nl = memchr(text + pos, '\n', ini->len - pos);
		size_t end = nl ? (size_t)(nl - text) : ini->len;
		ini_line *l = &ini->lines[n];

		memset(l, 0, sizeof(*l));
		l->off = pos;
		l->len = end - pos;
		if (nl) {
			l->eol = 1;
			if (l->len && text[end - 1] == '\r') {
				l->len--;
				l->eol = 2;
			}
		}
		if (bad == NONE && memchr(text + pos, '\0', l->len)) {
			bad = n;
			why = BAD_NUL;
		} else if (bad == NONE && memchr(text + pos, '\r', l->len)) {
			bad = n;
			why = BAD_CR;
		}
		ini->nlines = ++n;
		pos = nl ? end + 1 : ini->len;
	}
	ini->final_eol = n == 0 || ini->lines[n - 1].eol != 0;
	ini->eol = "\n";
	for (size_t i = 0; i < n; i++) {
		if (ini->lines[i].eol) {
			ini->eol = ini->lines[i].eol == 2 ? "\r\n" : "\n";
			break;
		}
	}

	/* classification: configparser's RawConfigParser._read, strict */
	for (size_t i = 0; i < n && i < bad; i++) {
		ini_line *l = &ini->lines[i];
		const char *t = text + l->off;
		size_t b = 0, e = l->len, d, k;

		while (b < e && is_blank((unsigned char)t[b]))
			b++;
		while (e > b && is_blank((unsigned char)t[e - 1]))
			e--;
		l->indent = b;
		if (b == e) {
			l->kind = LINE_BLANK;
			continue;
		}
		if (t[b] == '#' || t[b] == ';') {
			l->kind = LINE_COMMENT;
			continue;
		}
		if (key != NONE && b > key_indent) {
			l->kind = LINE_CONT;
			last = i;
			continue;
		}
		if (key != NONE) {
			close_key(ini, key, last, &store);
			key = NONE;
		}
		key_indent = b;
		if (t[b] == '[') {
			size_t r = e - 1;

			while (r > b && t[r] != ']')
				r--;
			if (r >= b + 2) {
				l->kind = LINE_SECTION;
				l->name_off = b + 1;
				l->name_len = r - b - 1;
				if (sec != NONE)
					ini->lines[sec].end = i;
				sec = i;
				ini->nsections++;
				continue;
			}
		}
		l->kind = LINE_BLANK;   /* until it proves to be a key */
		if (sec == NONE) {
			bad = i;
			why = BAD_NO_SECTION;
			break;
		}
		for (d = b; d < e && t[d] != '=' && t[d] != ':'; d++)
			;
		if (d == e) {
			bad = i;
			why = BAD_SYNTAX;
			break;
		}
		for (k = d; k > b && is_blank((unsigned char)t[k - 1]); k--)
			;
		if (k == b) {
			bad = i;
			why = BAD_NO_KEY;
			delim = t[d];
			break;
		}
		l->kind = LINE_KEY;
		l->name_off = b;
		l->name_len = k - b;
		l->delim = d;
		for (l->val_off = d + 1; l->val_off < e && is_blank((unsigned char)t[l->val_off]); l->val_off++)
			;
		l->val_len = e - l->val_off;
		l->section = sec;
		key = i;
		last = i;
		ini->nkeys++;
	}

	if ((rc = find_duplicate(ini, bad == NONE ? n : bad, &dup, &first)))
		return rc;
	if (dup != NONE) {
		const ini_line *l = &ini->lines[dup];
		const char *t = line_text(ini, dup);

		if (l->kind == LINE_SECTION)
			return parse_err(ini, dup, "section [%.*s] appears twice (first at line %d)",
				(int)l->name_len, t + l->name_off, lineno(first));
		return parse_err(ini, dup, "key '%.*s' appears twice in [%.*s] (first at line %d)",
			(int)l->name_len, t + l->name_off, (int)ini->lines[l->section].name_len,
			line_text(ini, l->section) + ini->lines[l->section].name_off, lineno(first));
	}
	switch (why) {
	case BAD_NUL: return parse_err(ini, bad, "contains a NUL byte");
	case BAD_CR: return parse_err(ini, bad, "a carriage return that does not end the line");
	case BAD_NO_SECTION: return parse_err(ini, bad, "a line before the first [section] header");
	case BAD_SYNTAX:
		return parse_err(ini, bad, "not a [section] header, a key = value line, a comment "
			"or an indented continuation line");
	case BAD_NO_KEY: return parse_err(ini, bad, "a line with '%c' but no key before it", delim);
	default: break;
	}
	if (key != NONE)
		close_key(ini, key, last, &store);
	if (sec != NONE)
		ini->lines[sec].end = n;
	return AURMIG_OK;
}

static void ini_clear(aurmig__ini *ini)
{
	/* the text and the values may hold a password: zero them before free */
	if (ini->text) {
		volatile char *p = ini->text;
		for (size_t i = 0; i < ini->len; i++)
			p[i] = '\0';
	}
	if (ini->values) {
		volatile char *p = ini->values;
		for (size_t i = 0; i < ini->values_size; i++)
			p[i] = '\0';
	}
	free(ini->text);
	free(ini->lines);
	free(ini->values);
	ini->text = NULL;
	ini->lines = NULL;
	ini->values = NULL;
	ini->len = ini->nlines = ini->nkeys = ini->nsections = ini->values_size = 0;
}

void aurmig__ini_free(aurmig__ini *ini)
{
	if (!ini)
		return;
	ini_clear(ini);
	free(ini->name);
	aurmig__context_unref(ini->ctx);
	free(ini);
}

/* Fill ini's text and index from text/len (ini->ctx, name and flags set). */
static int ini_fill(aurmig__ini *ini, const char *text, size_t len)
{
	int rc;

	if (len > INI_MAX_SIZE)
		return aurmig__err_at(ini->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_CONFIG, ini->name, 0,
			"larger than %zu bytes: not a configuration file", INI_MAX_SIZE);
	ini->text = aurmig__malloc(ini->ctx, len + 1);
	if (!ini->text)
		return AURMIG_ENOMEM;
	if (len)
		memcpy(ini->text, text, len);
	ini->text[len] = '\0';
	ini->len = len;
	rc = index_text(ini);
	if (rc)
		ini_clear(ini);
	return rc;
}

static aurmig__ini *ini_new(aurmig_context *ctx, const char *name, unsigned int flags)
{
	aurmig__ini *ini = aurmig__calloc(ctx, 1, sizeof(*ini));

	if (!ini)
		return NULL;
	ini->name = aurmig__strdup(ctx, name ? name : "<config>");
	if (!ini->name) {
		free(ini);
		return NULL;
	}
	ini->ctx = aurmig__context_ref(ctx);
	ini->flags = flags;
	return ini;
}

int aurmig__ini_parse_ex(aurmig__ini **out, aurmig_context *ctx, const char *text, size_t len,
	const char *name, unsigned int flags)
{
	aurmig__ini *ini;
	int rc;

	if (!out)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig__ini_parse: no result pointer");
	*out = NULL;
	if (!text && len)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig__ini_parse: no text");
	ini = ini_new(ctx, name, flags);
	if (!ini)
		return AURMIG_ENOMEM;
	rc = ini_fill(ini, text ? text : "", len);
	if (rc) {
		aurmig__ini_free(ini);
		return rc;
	}
	*out = ini;
	return AURMIG_OK;
}

int aurmig__ini_parse(aurmig__ini **out, aurmig_context *ctx, const char *text, size_t len,
	const char *name)
{
	return aurmig__ini_parse_ex(out, ctx, text, len, name, 0);
}

int aurmig__ini_load_ex(aurmig__ini **out, aurmig_context *ctx, const char *path, unsigned int flags)
{
	aurmig__buf b;
	char chunk[65536];
	struct stat st;
	int fd, rc, e;

	if (!out)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig__ini_load: no result pointer");
	*out = NULL;
	if (!path)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig__ini_load: no path");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		return aurmig__err_at(ctx, e == ENOENT ? AURMIG_ENOTFOUND : AURMIG_EIO, AURMIG_ERRCLASS_OS,
			path, 0, "cannot open: %s", strerror(e));
	}
	e = fstat(fd, &st) != 0 ? errno : 0;
	if (e || !S_ISREG(st.st_mode)) {
		close(fd);
		return aurmig__err_at(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0, "cannot read: %s",
			e ? strerror(e) : "not a regular file");
	}
	aurmig__buf_init(&b, ctx);
	for (;;) {
		ssize_t got = read(fd, chunk, sizeof(chunk));

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			e = errno;
			close(fd);
			aurmig__buf_dispose(&b);
			return aurmig__err_at(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0, "cannot read: %s",
				strerror(e));
		}
		if (got == 0)
			break;
		if (b.len + (size_t)got > INI_MAX_SIZE) {
			close(fd);
			aurmig__buf_dispose(&b);
			return aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_CONFIG, path, 0,
				"larger than %zu bytes: not a configuration file", INI_MAX_SIZE);
		}
		if (aurmig__buf_add(&b, chunk, (size_t)got)) {
			close(fd);
			aurmig__buf_dispose(&b);
			return AURMIG_ENOMEM;
		}
	}
	close(fd);
	rc = aurmig__ini_parse_ex(out, ctx, b.p ? b.p : "", b.len, path, flags);
	aurmig__buf_dispose(&b);
	return rc;
}

int aurmig__ini_load(aurmig__ini **out, aurmig_context *ctx, const char *path)
{
	return aurmig__ini_load_ex(out, ctx, path, 0);
}

/* ================================================================ queries */

static size_t find_section(const aurmig__ini *ini, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < ini->nlines; i++) {
		const ini_line *l = &ini->lines[i];
		if (l->kind == LINE_SECTION && l->name_len == n && memcmp(line_text(ini, i) + l->name_off, name, n) == 0)
			return i;
	}
	return NONE;
}

static size_t find_key(const aurmig__ini *ini, size_t sec, const char *key)
{
	size_t n = strlen(key);

	if (sec == NONE)
		return NONE;
	for (size_t i = sec + 1; i < ini->lines[sec].end; i++) {
		const ini_line *l = &ini->lines[i];
		if (l->kind == LINE_KEY && keys_equal(ini->flags, line_text(ini, i) + l->name_off, l->name_len, key, n))
			return i;
	}
	return NONE;
}

const char *aurmig__ini_get(const aurmig__ini *ini, const char *section, const char *key)
{
	size_t sec, k;

	if (!ini || !section || !key)
		return NULL;
	sec = find_section(ini, section);
	if (sec == NONE)
		return NULL;
	k = find_key(ini, sec, key);
	if (k == NONE && strcmp(section, "DEFAULT") != 0)
		k = find_key(ini, find_section(ini, "DEFAULT"), key);
	return k == NONE ? NULL : ini->lines[k].value;
}

int aurmig__ini_has_section(const aurmig__ini *ini, const char *section)
{
	return ini && section && find_section(ini, section) != NONE;
}

int aurmig__ini_line_of(const aurmig__ini *ini, const char *section, const char *key)
{
	size_t sec, k;

	if (!ini || !section)
		return 0;
	sec = find_section(ini, section);
	if (sec == NONE)
		return 0;
	if (!key)
		return lineno(sec);
	k = find_key(ini, sec, key);
	return k == NONE ? 0 : lineno(k);
}

const char *aurmig__ini_text(const aurmig__ini *ini, size_t *len)
{
	if (len)
		*len = ini ? ini->len : 0;
	return ini ? ini->text : NULL;
}

int aurmig__ini_modified(const aurmig__ini *ini)
{
	return ini && ini->modified;
}

/* ================================================================ edits */

/* Reasons a name or value cannot be written so that configparser reads it
 * back unchanged; NULL when it can. */
static const char *bad_section(const char *s)
{
	if (!*s)
		return "the section name is empty";
	if (strpbrk(s, "\r\n"))
		return "the section name contains a line break";
	return NULL;
}

static const char *bad_key(const char *k)
{
	size_t n = strlen(k);

	if (n == 0)
		return "the key is empty";
	if (strpbrk(k, "\r\n"))
		return "the key contains a line break";
	if (strpbrk(k, "=:"))
		return "the key contains '=' or ':'";
	if (is_blank((unsigned char)k[0]) || is_blank((unsigned char)k[n - 1]))
		return "the key starts or ends with a blank";
	if (k[0] == '#' || k[0] == ';' || k[0] == '[')
		return "the key starts with '#', ';' or '['";
	return NULL;
}

static const char *bad_value(const char *v)
{
	const char *p = v;
	int first = 1;

	if (strchr(v, '\r'))
		return "the value contains a carriage return";
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n && (is_blank((unsigned char)p[0]) || is_blank((unsigned char)p[n - 1])))
			return first ? "the value starts or ends with a blank" :
				"a line of the value starts or ends with a blank";
		if (!first && n && (p[0] == '#' || p[0] == ';'))
			return "a continuation line of the value starts with '#' or ';'";
		if (!nl) {
			if (!first && n == 0)
				return "the value ends with a line break";
			return NULL;
		}
		p = nl + 1;
		first = 0;
	}
}

static int check_arg(aurmig__ini *ini, const char *what, const char *why)
{
	if (!why)
		return AURMIG_OK;
	return aurmig__err_at(ini->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_CONFIG, ini->name, 0,
		"cannot write %s: %s", what, why);
}

static int check_cond(aurmig__ini *ini, aurmig__ini_cond cond, const char *cond_value, int allow_unset)
{
	if (cond == AURMIG__INI_ALWAYS || (cond == AURMIG__INI_IF_UNSET && allow_unset) ||
	    (cond == AURMIG__INI_IF_EQUAL && cond_value))
		return AURMIG_OK;
	return aurmig__err(ini->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
		cond == AURMIG__INI_IF_EQUAL ? "an 'if equal' condition needs a value" :
		"this edit does not take that condition");
}

static int cond_holds(const char *cur, aurmig__ini_cond cond, const char *cond_value)
{
	switch (cond) {
	case AURMIG__INI_IF_UNSET: return cur == NULL;
	case AURMIG__INI_IF_EQUAL: return cur && strcmp(cur, cond_value) == 0;
	default: return 1;
	}
}

/* ---- building the new text ---- */

static size_t raw_start(const aurmig__ini *ini, size_t i)
{
	return i < ini->nlines ? ini->lines[i].off : ini->len;
}

static void emit(aurmig__buf *b, const char *p, size_t n)
{
	aurmig__buf_add(b, p, n);   /* failures are sticky; checked at the end */
}

static void emit_s(aurmig__buf *b, const char *s)
{
	emit(b, s, strlen(s));
}

/* Lines [from, to) as they are; a last line without a line ending gets one
 * (finish_text takes it away again if it is still last). */
static void emit_lines(aurmig__buf *b, const aurmig__ini *ini, size_t from, size_t to)
{
	if (from >= to)
		return;
	emit(b, ini->text + raw_start(ini, from), raw_start(ini, to) - raw_start(ini, from));
	if (to == ini->nlines && !ini->lines[to - 1].eol)
		emit_s(b, ini->eol);
}

/* The line ending of line i, or the file's for a last line without one. */
static void emit_eol_of(aurmig__buf *b, const aurmig__ini *ini, size_t i)
{
	const ini_line *l = &ini->lines[i];

	if (l->eol)
		emit(b, line_text(ini, i) + l->len, l->eol);
	else
		emit_s(b, ini->eol);
}

static void start_text(aurmig__buf *b, const aurmig__ini *ini)
{
	aurmig__buf_init(b, ini->ctx);
	if (ini->bom)
		emit(b, ini->text, 3);
}

/* Keep a missing final newline missing. */
static void finish_text(aurmig__buf *b, const aurmig__ini *ini)
{
	if (ini->final_eol || b->failed || b->len == (size_t)(ini->bom ? 3 : 0))
		return;
	if (b->len && b->p[b->len - 1] == '\n') {
		b->len--;
		if (b->len && b->p[b->len - 1] == '\r')
			b->len--;
		b->p[b->len] = '\0';
	}
}

/* What a new key line looks like. */
typedef struct key_style {
	const char *indent;
	size_t indent_len;
	const char *ws1;     /* between key and delimiter */
	size_t ws1_len;
	char delim;
	const char *ws2;     /* between delimiter and value */
	size_t ws2_len;
} key_style;

/* The spacing of key line k ("key = " when k is NONE). */
static key_style style_of(const aurmig__ini *ini, size_t k)
{
	key_style s = { "", 0, " ", 1, '=', " ", 1 };
	const ini_line *l;
	const char *t;

	if (k == NONE)
		return s;
	l = &ini->lines[k];
	t = line_text(ini, k);
	s.indent = t;
	s.indent_len = l->indent;
	s.ws1 = t + l->name_off + l->name_len;
	s.ws1_len = l->delim - l->name_off - l->name_len;
	s.delim = t[l->delim];
	if (l->val_len) {
		s.ws2 = t + l->delim + 1;
		s.ws2_len = l->val_off - l->delim - 1;
	} else {
		s.ws2 = s.ws1;      /* an empty value shows no spacing after the delimiter: mirror */
		s.ws2_len = s.ws1_len;
	}
	return s;
}

static int same_style(const aurmig__ini *ini, size_t a, size_t b)
{
	key_style x = style_of(ini, a), y = style_of(ini, b);

	return x.ws1_len == y.ws1_len && memcmp(x.ws1, y.ws1, x.ws1_len) == 0 && x.delim == y.delim &&
	       x.ws2_len == y.ws2_len && memcmp(x.ws2, y.ws2, x.ws2_len) == 0;
}

/* The spacing most key lines of the file use (the earliest on a tie), unindented.
 * Only the first few distinct spacings are counted: files have one or two. */
static key_style file_style(const aurmig__ini *ini)
{
	struct { size_t line, count; } seen[8];
	size_t nseen = 0, best = NONE, best_n = 0;
	key_style s;

	for (size_t i = 0; i < ini->nlines; i++) {
		size_t j;

		if (ini->lines[i].kind != LINE_KEY)
			continue;
		for (j = 0; j < nseen && !same_style(ini, seen[j].line, i); j++)
			;
		if (j < nseen) {
			seen[j].count++;
		} else if (nseen < sizeof(seen) / sizeof(seen[0])) {
			seen[nseen].line = i;
			seen[nseen++].count = 1;
		}
	}
	for (size_t j = 0; j < nseen; j++) {
		if (seen[j].count > best_n) {
			best = seen[j].line;
			best_n = seen[j].count;
		}
	}
	s = style_of(ini, best);
	s.indent = "";
	s.indent_len = 0;
	return s;
}

/* Continuation lines for the part of value after its first line. */
static void emit_continuations(aurmig__buf *b, const aurmig__ini *ini, const char *value,
	const char *indent, size_t indent_len, const char *more)
{
	const char *p = strchr(value, '\n');

	while (p) {
		const char *q = strchr(++p, '\n');
		size_t n = q ? (size_t)(q - p) : strlen(p);

		if (n) {
			emit(b, indent, indent_len);
			emit_s(b, more);
			emit(b, p, n);
		}
		emit_s(b, ini->eol);
		p = q;
	}
}

static size_t first_line_len(const char *value)
{
	const char *nl = strchr(value, '\n');
	return nl ? (size_t)(nl - value) : strlen(value);
}

static void emit_new_key(aurmig__buf *b, const aurmig__ini *ini, const key_style *s, const char *key,
	const char *value)
{
	size_t n = first_line_len(value);

	emit(b, s->indent, s->indent_len);
	emit_s(b, key);
	emit(b, s->ws1, s->ws1_len);
	emit(b, &s->delim, 1);
	if (n) {
		emit(b, s->ws2, s->ws2_len);
		emit(b, value, n);
	}
	emit_s(b, ini->eol);
	/* continuation lines: the key's indentation plus four spaces */
	emit_continuations(b, ini, value, s->indent, s->indent_len, "    ");
}

/* A new section at the end of the file. */
static void emit_new_section(aurmig__buf *b, const aurmig__ini *ini, const char *section,
	const char *const *pairs, size_t npairs)
{
	key_style s = file_style(ini);

	emit_lines(b, ini, 0, ini->nlines);
	if (ini->nlines && ini->lines[ini->nlines - 1].kind != LINE_BLANK)
		emit_s(b, ini->eol);
	emit_s(b, "[");
	emit_s(b, section);
	emit_s(b, "]");
	emit_s(b, ini->eol);
	for (size_t i = 0; i < npairs; i++)
		emit_new_key(b, ini, &s, pairs[2 * i], pairs[2 * i + 1]);
}

/* Expected meaning of the edited text, checked before it is swapped in. */
typedef struct expect {
	long dkeys, dsections;        /* change in key lines and sections */
	const char *section, *key;    /* this key line must hold value */
	const char *value;
	const char *gone_section, *gone_key;  /* this one must be gone (gone_key NULL: the section) */
} expect;

static int meets(const aurmig__ini *n, const aurmig__ini *o, const expect *x)
{
	size_t k;

	if ((long)n->nkeys - (long)o->nkeys != x->dkeys || (long)n->nsections - (long)o->nsections != x->dsections)
		return 0;
	if (x->section) {
		size_t sec = find_section(n, x->section);
		if (sec == NONE)
			return 0;
		if (x->key) {
			k = find_key(n, sec, x->key);
			if (k == NONE || strcmp(n->lines[k].value, x->value) != 0)
				return 0;
		}
	}
	if (x->gone_section) {
		size_t sec = find_section(n, x->gone_section);
		if (x->gone_key ? find_key(n, sec, x->gone_key) != NONE : sec != NONE)
			return 0;
	}
	return 1;
}

/* Parse the built text and swap it in when it means what was expected. */
static int commit(aurmig__ini *ini, aurmig__buf *b, const expect *x, int *applied)
{
	aurmig__ini *n;
	int rc;

	finish_text(b, ini);
	if (b->failed) {
		aurmig__buf_dispose(b);
		return aurmig__oom(ini->ctx);
	}
	n = ini_new(ini->ctx, ini->name, ini->flags);
	if (!n) {
		aurmig__buf_dispose(b);
		return AURMIG_ENOMEM;
	}
	rc = ini_fill(n, b->p ? b->p : "", b->len);
	aurmig__buf_dispose(b);
	if (rc == AURMIG_OK && !meets(n, ini, x)) {
		rc = aurmig__err_at(ini->ctx, AURMIG_ERROR, AURMIG_ERRCLASS_CONFIG, ini->name, 0,
			"internal error: the edit would change the meaning of other lines");
	} else if (rc != AURMIG_OK && rc != AURMIG_ENOMEM) {
		const aurmig_error *le = aurmig_error_last(ini->ctx);
		char why[512];

		snprintf(why, sizeof(why), "%s", le && le->message ? le->message : "");
		rc = aurmig__err_at(ini->ctx, AURMIG_ERROR, AURMIG_ERRCLASS_CONFIG, ini->name, 0,
			"internal error: the edited text does not parse: %s", why);
	}
	if (rc) {
		aurmig__ini_free(n);
		return rc;
	}
	ini_clear(ini);
	ini->text = n->text;
	ini->len = n->len;
	ini->bom = n->bom;
	ini->final_eol = n->final_eol;
	ini->eol = n->eol;
	ini->lines = n->lines;
	ini->nlines = n->nlines;
	ini->nkeys = n->nkeys;
	ini->nsections = n->nsections;
	ini->values = n->values;
	ini->values_size = n->values_size;
	n->text = NULL;
	n->lines = NULL;
	n->values = NULL;
	aurmig__ini_free(n);
	ini->modified = 1;
	*applied = 1;
	return AURMIG_OK;
}

static int edit_start(aurmig__ini *ini, int *applied)
{
	if (!applied) {
		aurmig__err(ini ? ini->ctx : NULL, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"ini edit: no 'applied' result pointer");
		return AURMIG_EINVALID;
	}
	*applied = 0;
	if (!ini)
		return AURMIG_EINVALID;
	aurmig__err_clear(ini->ctx);
	return AURMIG_OK;
}

/* Where a new key goes in section sec: after the last key's block, else
 * after the header; with the indentation that keeps the following lines'
 * meaning. */
static size_t key_slot(const aurmig__ini *ini, size_t sec, key_style *s)
{
	size_t last = NONE, at;

	for (size_t i = sec + 1; i < ini->lines[sec].end; i++)
		if (ini->lines[i].kind == LINE_KEY)
			last = i;
	if (last != NONE) {
		*s = style_of(ini, last);
		return ini->lines[last].end;
	}
	*s = file_style(ini);
	s->indent = line_text(ini, sec);
	s->indent_len = ini->lines[sec].indent;
	at = sec + 1;
	/* the next header must not turn into a continuation of the new key */
	for (size_t i = at; i < ini->nlines; i++) {
		const ini_line *l = &ini->lines[i];
		if (l->kind == LINE_BLANK || l->kind == LINE_COMMENT)
			continue;
		if (l->indent > s->indent_len) {
			s->indent = line_text(ini, i);
			s->indent_len = l->indent;
		}
		break;
	}
	return at;
}

int aurmig__ini_set(aurmig__ini *ini, const char *section, const char *key, const char *value,
	aurmig__ini_cond cond, const char *cond_value, int *applied)
{
	aurmig__buf b;
	expect x = { 0, 0, section, key, value, NULL, NULL };
	size_t sec, k;
	int rc = edit_start(ini, applied);

	if (rc)
		return rc;
	if (!section || !key || !value)
		return aurmig__err(ini->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig__ini_set: missing argument");
	if ((rc = check_cond(ini, cond, cond_value, 1)) || (rc = check_arg(ini, "the section", bad_section(section))) ||
	    (rc = check_arg(ini, "the key", bad_key(key))) || (rc = check_arg(ini, "the value", bad_value(value))))
		return rc;
	if (!cond_holds(aurmig__ini_get(ini, section, key), cond, cond_value))
		return AURMIG_OK;

	sec = find_section(ini, section);
	/* the value is there already: done, before a buffer is allocated for nothing */
	if (sec != NONE && (k = find_key(ini, sec, key)) != NONE && strcmp(ini->lines[k].value, value) == 0)
		return AURMIG_OK;
	start_text(&b, ini);
	if (sec == NONE) {
		const char *pair[2] = { key, value };

		x.dkeys = x.dsections = 1;
		emit_new_section(&b, ini, section, pair, 1);
		return commit(ini, &b, &x, applied);
	}
	k = find_key(ini, sec, key);
	if (k == NONE) {
		key_style s;
		size_t at = key_slot(ini, sec, &s);

		x.dkeys = 1;
		emit_lines(&b, ini, 0, at);
		emit_new_key(&b, ini, &s, key, value);
		emit_lines(&b, ini, at, ini->nlines);
		return commit(ini, &b, &x, applied);
	} else {
		const ini_line *l = &ini->lines[k];
		const char *t = line_text(ini, k);
		size_t n = first_line_len(value);

		if (strcmp(l->value, value) == 0) {
			aurmig__buf_dispose(&b);
			return AURMIG_OK;
		}
		emit_lines(&b, ini, 0, k);
		if (n == 0) {
			emit(&b, t, l->delim + 1);
		} else if (l->val_len) {
			emit(&b, t, l->val_off);
			emit(&b, value, n);
			emit(&b, t + l->val_off + l->val_len, l->len - l->val_off - l->val_len);
		} else {
			/* "key =" or "key = ": keep blanks after the delimiter, else mirror those before it */
			emit(&b, t, l->delim + 1);
			if (l->len > l->delim + 1)
				emit(&b, t + l->delim + 1, l->len - l->delim - 1);
			else
				emit(&b, t + l->name_off + l->name_len, l->delim - l->name_off - l->name_len);
			emit(&b, value, n);
		}
		emit_eol_of(&b, ini, l->end - 1);
		if (value[n]) {
			/* the key's first continuation line's indentation, else the key's plus four spaces */
			size_t c = k + 1;

			while (c < l->end && ini->lines[c].kind != LINE_CONT)
				c++;
			if (c < l->end)
				emit_continuations(&b, ini, value, line_text(ini, c), ini->lines[c].indent, "");
			else
				emit_continuations(&b, ini, value, t, l->indent, "    ");
		}
		emit_lines(&b, ini, l->end, ini->nlines);
		return commit(ini, &b, &x, applied);
	}
}

int aurmig__ini_remove(aurmig__ini *ini, const char *section, const char *key,
	aurmig__ini_cond cond, const char *cond_value, int *applied)
{
	aurmig__buf b;
	expect x = { -1, 0, NULL, NULL, NULL, section, key };
	size_t k;
	int rc = edit_start(ini, applied);

	if (rc)
		return rc;
	if (!section || !key)
		return aurmig__err(ini->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig__ini_remove: missing argument");
	if ((rc = check_cond(ini, cond, cond_value, 0)))
		return rc;
	k = find_key(ini, find_section(ini, section), key);
	if (k == NONE || !cond_holds(ini->lines[k].value, cond, cond_value))
		return AURMIG_OK;
	start_text(&b, ini);
	emit_lines(&b, ini, 0, k);
	emit_lines(&b, ini, ini->lines[k].end, ini->nlines);
	return commit(ini, &b, &x, applied);
}

int aurmig__ini_rename_key(aurmig__ini *ini, const char *section, const char *old_key,
	const char *new_key, aurmig__ini_cond cond, const char *cond_value, int *applied)
{
	aurmig__buf b;
	expect x = { 0, 0, section, new_key, NULL, NULL, NULL };
	const ini_line *l;
	const char *t;
	size_t sec, k, other;
	int rc = edit_start(ini, applied);

	if (rc)
		return rc;
	if (!section || !old_key || !new_key)
		return aurmig__err(ini->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig__ini_rename_key: missing argument");
	if ((rc = check_cond(ini, cond, cond_value, 0)) || (rc = check_arg(ini, "the new key", bad_key(new_key))))
		return rc;
	sec = find_section(ini, section);
	k = find_key(ini, sec, old_key);
	if (k == NONE)
		return AURMIG_OK;
	l = &ini->lines[k];
	t = line_text(ini, k);
	other = find_key(ini, sec, new_key);
	if (other != NONE && other != k)
		return aurmig__err_at(ini->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_CONFIG, ini->name, lineno(other),
			"cannot rename key '%s' (line %d) in [%s]: '%s' exists", old_key, lineno(k), section, new_key);
	if (!cond_holds(l->value, cond, cond_value) ||
	    (l->name_len == strlen(new_key) && memcmp(t + l->name_off, new_key, l->name_len) == 0))
		return AURMIG_OK;
	x.value = l->value;
	if (other == NONE) {   /* a case-only rename with folded keys keeps the key */
		x.gone_section = section;
		x.gone_key = old_key;
	}
	start_text(&b, ini);
	emit_lines(&b, ini, 0, k);
	emit(&b, t, l->name_off);
	emit_s(&b, new_key);
	emit(&b, t + l->name_off + l->name_len, l->len - l->name_off - l->name_len);
	emit_eol_of(&b, ini, k);
	emit_lines(&b, ini, k + 1, ini->nlines);
	return commit(ini, &b, &x, applied);
}

int aurmig__ini_rename_section(aurmig__ini *ini, const char *old_name, const char *new_name,
	int *applied)
{
	aurmig__buf b;
	expect x = { 0, 0, new_name, NULL, NULL, old_name, NULL };
	const ini_line *l;
	const char *t;
	size_t sec, other;
	int rc = edit_start(ini, applied);

	if (rc)
		return rc;
	if (!old_name || !new_name)
		return aurmig__err(ini->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig__ini_rename_section: missing argument");
	if ((rc = check_arg(ini, "the section", bad_section(new_name))))
		return rc;
	sec = find_section(ini, old_name);
	if (sec == NONE || strcmp(old_name, new_name) == 0)
		return AURMIG_OK;
	other = find_section(ini, new_name);
	if (other != NONE)
		return aurmig__err_at(ini->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_CONFIG, ini->name, lineno(other),
			"cannot rename section [%s] (line %d): [%s] exists", old_name, lineno(sec), new_name);
	l = &ini->lines[sec];
	t = line_text(ini, sec);
	start_text(&b, ini);
	emit_lines(&b, ini, 0, sec);
	emit(&b, t, l->name_off);
	emit_s(&b, new_name);
	emit(&b, t + l->name_off + l->name_len, l->len - l->name_off - l->name_len);
	emit_eol_of(&b, ini, sec);
	emit_lines(&b, ini, sec + 1, ini->nlines);
	return commit(ini, &b, &x, applied);
}

int aurmig__ini_remove_section(aurmig__ini *ini, const char *section, int if_empty, int *applied)
{
	aurmig__buf b;
	expect x = { 0, -1, NULL, NULL, NULL, section, NULL };
	size_t sec, from, to, last_end, nkeys = 0;
	int rc = edit_start(ini, applied);

	if (rc)
		return rc;
	if (!section)
		return aurmig__err(ini->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig__ini_remove_section: missing argument");
	sec = find_section(ini, section);
	if (sec == NONE)
		return AURMIG_OK;
	last_end = sec + 1;
	for (size_t i = sec + 1; i < ini->lines[sec].end; i++)
		if (ini->lines[i].kind == LINE_KEY) {
			nkeys++;
			last_end = ini->lines[i].end;
		}
	if (if_empty && nkeys)
		return AURMIG_OK;
	x.dkeys = -(long)nkeys;
	/* the comment lines right above the header (they describe it), the
	 * header and the section's keys; the blank and comment lines after the
	 * last key lead into the next section and stay, unless this one is the
	 * last */
	from = sec;
	while (from > 0 && ini->lines[from - 1].kind == LINE_COMMENT)
		from--;
	to = ini->lines[sec].end == ini->nlines ? ini->nlines : last_end;
	/* and one blank line that separated it: before it, else after it */
	if (from > 0 && ini->lines[from - 1].kind == LINE_BLANK)
		from--;
	else if (to < ini->nlines && ini->lines[to].kind == LINE_BLANK)
		to++;
	start_text(&b, ini);
	emit_lines(&b, ini, 0, from);
	emit_lines(&b, ini, to, ini->nlines);
	return commit(ini, &b, &x, applied);
}

int aurmig__ini_add_section(aurmig__ini *ini, const char *section, const char *const *pairs,
	size_t npairs, int *applied)
{
	aurmig__buf b;
	expect x = { 0, 1, section, NULL, NULL, NULL, NULL };
	int rc = edit_start(ini, applied);

	if (rc)
		return rc;
	if (!section || (npairs && !pairs))
		return aurmig__err(ini->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig__ini_add_section: missing argument");
	if ((rc = check_arg(ini, "the section", bad_section(section))))
		return rc;
	for (size_t i = 0; i < npairs; i++) {
		const char *k = pairs[2 * i], *v = pairs[2 * i + 1];

		if (!k || !v)
			return aurmig__err(ini->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
				"aurmig__ini_add_section: missing key or value");
		if ((rc = check_arg(ini, "the key", bad_key(k))) || (rc = check_arg(ini, "the value", bad_value(v))))
			return rc;
		for (size_t j = 0; j < i; j++)
			if (keys_equal(ini->flags, pairs[2 * j], strlen(pairs[2 * j]), k, strlen(k)))
				return aurmig__err_at(ini->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_CONFIG, ini->name, 0,
					"cannot add section [%s]: key '%s' given twice", section, k);
	}
	if (find_section(ini, section) != NONE)
		return AURMIG_OK;
	x.dkeys = (long)npairs;
	if (npairs) {
		x.key = pairs[2 * npairs - 2];
		x.value = pairs[2 * npairs - 1];
	}
	start_text(&b, ini);
	emit_new_section(&b, ini, section, pairs, npairs);
	return commit(ini, &b, &x, applied);
}

/* ================================================================ output */

int aurmig__ini_render(const aurmig__ini *ini, aurmig__buf *out)
{
	if (!out)
		return AURMIG_EINVALID;
	if (!ini)
		return aurmig__err(out->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig__ini_render: no object");
	return aurmig__buf_add(out, ini->text, ini->len);
}

void aurmig__ini_checksum_text(const char *text, size_t len, char out[AURMIG__INI_CHECKSUM_SIZE])
{
	struct sha256_ctx h;
	uint8_t digest[SHA256_DIGEST_SIZE];

	sha256_init(&h);
	if (len)
		sha256_update(&h, len, (const uint8_t *)text);
	sha256_digest(&h, sizeof(digest), digest);
	memcpy(out, "v1:", 3);
	aurmig__hex(out + 3, digest, sizeof(digest));
}

void aurmig__ini_checksum(const aurmig__ini *ini, char out[AURMIG__INI_CHECKSUM_SIZE])
{
	aurmig__ini_checksum_text(ini ? ini->text : "", ini ? ini->len : 0, out);
}

/* ---- unified diff ---- */

typedef struct dline {
	const char *p;
	size_t n;   /* with its '\n', if any */
} dline;

enum { OP_SAME, OP_DEL, OP_ADD };

static int split_lines(aurmig_context *ctx, const char *t, dline **out, size_t *count)
{
	size_t n = 0, len = strlen(t), pos = 0;
	dline *v;

	for (size_t i = 0; i < len; i++)
		if (t[i] == '\n')
			n++;
	if (len && t[len - 1] != '\n')
		n++;
	v = aurmig__reallocarray(ctx, NULL, n ? n : 1, sizeof(*v));
	if (!v)
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *nl = memchr(t + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - t) + 1 : len;

		v[i].p = t + pos;
		v[i].n = end - pos;
		pos = end;
	}
	*out = v;
	*count = n;
	return AURMIG_OK;
}

static int dline_eq(const dline *a, const dline *b)
{
	return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

/* The edit script: ops[] over both line lists, deletions before additions. */
static int diff_ops(aurmig_context *ctx, const dline *a, size_t na, const dline *b, size_t nb,
	unsigned char **out, size_t *nops)
{
	size_t pre = 0, suf = 0, ma, mb, o = 0;
	unsigned char *ops = aurmig__malloc(ctx, na + nb + 1);
	uint32_t *lcs = NULL;

	if (!ops)
		return AURMIG_ENOMEM;
	while (pre < na && pre < nb && dline_eq(&a[pre], &b[pre]))
		pre++;
	while (suf < na - pre && suf < nb - pre && dline_eq(&a[na - 1 - suf], &b[nb - 1 - suf]))
		suf++;
	ma = na - pre - suf;
	mb = nb - pre - suf;
	for (size_t i = 0; i < pre; i++)
		ops[o++] = OP_SAME;
	if (ma && mb && ma <= DIFF_MAX_CELLS / mb) {
		/* lcs[i][j]: longest common subsequence of a[pre+i..] and b[pre+j..] */
		size_t w = mb + 1, i = 0, j = 0;

		lcs = aurmig__calloc(ctx, (ma + 1) * w, sizeof(*lcs));
		if (!lcs) {
			free(ops);
			return AURMIG_ENOMEM;
		}
		for (size_t x = ma; x-- > 0;)
			for (size_t y = mb; y-- > 0;)
				lcs[x * w + y] = dline_eq(&a[pre + x], &b[pre + y]) ? lcs[(x + 1) * w + y + 1] + 1 :
					(lcs[(x + 1) * w + y] >= lcs[x * w + y + 1] ? lcs[(x + 1) * w + y] : lcs[x * w + y + 1]);
		while (i < ma || j < mb) {
			if (i < ma && j < mb && dline_eq(&a[pre + i], &b[pre + j])) {
				ops[o++] = OP_SAME;
				i++;
				j++;
			} else if (j == mb || (i < ma && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
				ops[o++] = OP_DEL;
				i++;
			} else {
				ops[o++] = OP_ADD;
				j++;
			}
		}
		free(lcs);
	} else {
		for (size_t i = 0; i < ma; i++)
			ops[o++] = OP_DEL;
		for (size_t i = 0; i < mb; i++)
			ops[o++] = OP_ADD;
	}
	for (size_t i = 0; i < suf; i++)
		ops[o++] = OP_SAME;
	*out = ops;
	*nops = o;
	return AURMIG_OK;
}

static void diff_range(aurmig__buf *out, char sign, size_t start, size_t count)
{
	/* diff -u: "l" for one line, "l,0" naming the line before for none */
	if (count == 1)
		aurmig__buf_printf(out, "%c%zu", sign, start + 1);
	else
		aurmig__buf_printf(out, "%c%zu,%zu", sign, count ? start + 1 : start, count);
}

static void diff_line(aurmig__buf *out, char sign, const dline *l)
{
	aurmig__buf_add(out, &sign, 1);
	aurmig__buf_add(out, l->p, l->n);
	if (!l->n || l->p[l->n - 1] != '\n')
		aurmig__buf_puts(out, "\n\\ No newline at end of file\n");
}

int aurmig__ini_diff(const char *old_text, const char *new_text, const char *path, aurmig__buf *out)
{
	dline *a = NULL, *b = NULL;
	size_t na, nb, nops, i = 0, ai = 0, bi = 0;
	unsigned char *ops = NULL;
	int rc, header = 0;

	if (!out)
		return AURMIG_EINVALID;
	if (!old_text || !new_text || !path)
		return aurmig__err(out->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig__ini_diff: missing argument");
	if (strcmp(old_text, new_text) == 0)
		return AURMIG_OK;
	if ((rc = split_lines(out->ctx, old_text, &a, &na)) || (rc = split_lines(out->ctx, new_text, &b, &nb)) ||
	    (rc = diff_ops(out->ctx, a, na, b, nb, &ops, &nops)))
		goto done;
	while (path[0] == '/')
		path++;
	/* hunks: the changes with DIFF_CONTEXT lines around them; changes at most
	 * 2 * DIFF_CONTEXT unchanged lines apart share a hunk, as in diff -u */
	while (i < nops) {
		size_t first, last, j, end, as, bs, ac = 0, bc = 0;

		for (first = i; first < nops && ops[first] == OP_SAME; first++)
			;
		if (first == nops)
			break;
		last = first;
		for (j = first + 1; j < nops;) {
			size_t k = j;

			while (k < nops && ops[k] == OP_SAME)
				k++;
			if (k == nops || k - j > 2 * DIFF_CONTEXT)
				break;
			last = k;
			j = k + 1;
		}
		end = last + 1 + DIFF_CONTEXT < nops ? last + 1 + DIFF_CONTEXT : nops;
		/* skip to the hunk's first line */
		for (; i + DIFF_CONTEXT < first; i++) {
			ai += ops[i] != OP_ADD;
			bi += ops[i] != OP_DEL;
		}
		as = ai;
		bs = bi;
		for (j = i; j < end; j++) {
			ac += ops[j] != OP_ADD;
			bc += ops[j] != OP_DEL;
		}
		if (!header) {
			aurmig__buf_printf(out, "--- a/%s\n+++ b/%s\n", path, path);
			header = 1;
		}
		aurmig__buf_puts(out, "@@ ");
		diff_range(out, '-', as, ac);
		aurmig__buf_puts(out, " ");
		diff_range(out, '+', bs, bc);
		aurmig__buf_puts(out, " @@\n");
		for (; i < end; i++) {
			if (ops[i] == OP_SAME) {
				diff_line(out, ' ', &a[ai++]);
				bi++;
			} else if (ops[i] == OP_DEL) {
				diff_line(out, '-', &a[ai++]);
			} else {
				diff_line(out, '+', &b[bi++]);
			}
		}
	}
	rc = out->failed ? aurmig__oom(out->ctx) : AURMIG_OK;
done:
	free(a);
	free(b);
	free(ops);
	return rc;
}

/* ================================================================ saving */

void aurmig__ini_test_fail_save_step(aurmig__ini *ini, int step)
{
	if (ini)
		ini->save_fail_step = step;
}

void aurmig__ini_test_save_hook(aurmig__ini *ini, void (*fn)(void *arg, int step), void *arg)
{
	if (ini) {
		ini->save_hook = fn;
		ini->save_hook_arg = arg;
	}
}

/* Whether the test hook makes this step fail; sets errno like the call would.
 * The test-only callback, if any, runs first (before the step). */
static int injected(const aurmig__ini *ini, int step)
{
	if (ini->save_hook)
		ini->save_hook(ini->save_hook_arg, step);
	if (ini->save_fail_step != step)
		return 0;
	errno = step == AURMIG__INI_SAVE_BACKUP_LINK ? EPERM : EIO;
	return 1;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Give fd the owner of st unless it has it. */
static int same_owner(int fd, const struct stat *st)
{
	struct stat cur;

	if (fstat(fd, &cur) != 0)
		return -1;
	if (cur.st_uid == st->st_uid && cur.st_gid == st->st_gid)
		return 0;
	return fchown(fd, st->st_uid, st->st_gid);
}

typedef struct save_state {
	aurmig__ini *ini;
	aurmig_context *ctx;
	const char *path;          /* as given, for messages */
	char real[PATH_MAX];       /* resolved */
	struct stat st;
	char *dir, *tmp, *backup, *btmp;
	int tmp_made, btmp_made;
} save_state;

static int save_err(save_state *s, int code, const char *what, int e)
{
	return aurmig__err_at(s->ctx, code, AURMIG_ERRCLASS_OS, s->path, 0, "%s: %s", what, strerror(e));
}

/* A copy of the original at s->btmp, owner and mode kept when possible. */
static int backup_copy(save_state *s)
{
	char chunk[65536];
	int in = -1, out = -1, e;

	if (injected(s->ini, AURMIG__INI_SAVE_BACKUP_COPY))
		goto fail;
	in = open(s->real, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		goto fail;
	out = open(s->btmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		goto fail;
	s->btmp_made = 1;
	for (;;) {
		ssize_t got = read(in, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto fail;
		if (got == 0)
			break;
		if (write_all(out, chunk, (size_t)got) != 0)
			goto fail;
	}
	/* the backup holds the password too: widen the mode only with the right owner */
	if (same_owner(out, &s->st) == 0 && fchmod(out, s->st.st_mode & 07777) != 0)
		goto fail;
	if (fsync(out) != 0)
		goto fail;
	close(in);
	in = -1;
	e = close(out);
	out = -1;
	if (e != 0)
		goto fail;
	return AURMIG_OK;
fail:
	e = errno;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return save_err(s, AURMIG_EIO, "cannot copy the file for the backup", e);
}

/* Step 8/9: s->backup becomes the original's content. */
static int make_backup(save_state *s)
{
	int fd, e;

	fd = mkostemp(s->btmp, O_CLOEXEC);
	if (fd < 0)
		return save_err(s, AURMIG_EIO, "cannot create the backup", errno);
	close(fd);
	unlink(s->btmp);
	/* a fault injected into the copy needs the link refused to get there */
	if (injected(s->ini, AURMIG__INI_SAVE_BACKUP_LINK) ||
	    (s->ini->save_fail_step == AURMIG__INI_SAVE_BACKUP_COPY && (errno = EPERM)) ||
	    link(s->real, s->btmp) != 0) {
		e = errno;
		if (e != EPERM && e != EXDEV && e != EMLINK && e != ENOTSUP && e != EOPNOTSUPP && e != ENOSYS)
			return save_err(s, AURMIG_EIO, "cannot link the backup", e);
		if (backup_copy(s))
			return AURMIG_EIO;
	}
	s->btmp_made = 1;
	if (rename(s->btmp, s->backup) != 0)
		return save_err(s, AURMIG_EIO, "cannot rename the backup into place", errno);
	s->btmp_made = 0;
	return AURMIG_OK;
}

static int save_steps(save_state *s, int *fd, int *dfd)
{
	aurmig__ini *ini = s->ini;
	int e;

	/* 2. the temporary file (mode 0600 until the end) */
	if (injected(ini, AURMIG__INI_SAVE_CREATE) || (*fd = mkostemp(s->tmp, O_CLOEXEC)) < 0)
		return save_err(s, AURMIG_EIO, "cannot create a temporary file next to it", errno);
	s->tmp_made = 1;
	if (injected(ini, AURMIG__INI_SAVE_WRITE) || write_all(*fd, ini->text, ini->len) != 0)
		return save_err(s, AURMIG_EIO, "cannot write the temporary file", errno);
	/* owner before mode: chown may clear set-id bits */
	if (injected(ini, AURMIG__INI_SAVE_CHOWN) || same_owner(*fd, &s->st) != 0) {
		e = errno;
		aurmig__err_at(s->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, s->path, 0,
			"cannot give the new file the owner %ld:%ld of the old one (run as root or as the owner): %s",
			(long)s->st.st_uid, (long)s->st.st_gid, strerror(e));
		return AURMIG_EIO;
	}
	if (injected(ini, AURMIG__INI_SAVE_CHMOD) || fchmod(*fd, s->st.st_mode & 07777) != 0)
		return save_err(s, AURMIG_EIO, "cannot set the temporary file's mode", errno);
	if (injected(ini, AURMIG__INI_SAVE_FSYNC) || fsync(*fd) != 0)
		return save_err(s, AURMIG_EIO, "cannot sync the temporary file", errno);
	if (injected(ini, AURMIG__INI_SAVE_CLOSE)) {
		e = EIO;
		close(*fd);
	} else {
		e = close(*fd) != 0 ? errno : 0;
	}
	*fd = -1;
	if (e)
		return save_err(s, AURMIG_EIO, "cannot close the temporary file", e);
	if (s->backup && make_backup(s))
		return AURMIG_EIO;
	if (injected(ini, AURMIG__INI_SAVE_OPENDIR) ||
	    (*dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return save_err(s, AURMIG_EIO, "cannot open the directory", errno);
	if (injected(ini, AURMIG__INI_SAVE_RENAME) || rename(s->tmp, s->real) != 0)
		return save_err(s, AURMIG_EIO, "cannot rename the temporary file over it", errno);
	s->tmp_made = 0;
	/* the commit point is behind us */
	if (injected(ini, AURMIG__INI_SAVE_SYNCDIR) || fsync(*dfd) != 0)
		return save_err(s, AURMIG_EIO, "the new file is in place, but syncing its directory failed "
			"(the change may not survive a crash)", errno);
	return AURMIG_OK;
}

int aurmig__ini_save_atomic(aurmig__ini *ini, aurmig_context *ctx, const char *path,
	const char *backup_suffix)
{
	save_state *s;
	char *slash;
	int fd = -1, dfd = -1, rc;

	if (!ini || !path)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig__ini_save_atomic: missing argument");
	if (backup_suffix && strchr(backup_suffix, '/'))
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "a backup suffix cannot contain '/'");
	aurmig__err_clear(ctx);
	s = aurmig__calloc(ctx, 1, sizeof(*s));
	if (!s)
		return AURMIG_ENOMEM;
	s->ini = ini;
	s->ctx = ctx;
	s->path = path;

	/* 1. what to replace */
	if (injected(ini, AURMIG__INI_SAVE_STAT) || !realpath(path, s->real) || stat(s->real, &s->st) != 0) {
		int e = errno;
		rc = save_err(s, e == ENOENT ? AURMIG_ENOTFOUND : AURMIG_EIO, "cannot find the file to replace", e);
		goto done;
	}
	if (!S_ISREG(s->st.st_mode)) {
		rc = aurmig__err_at(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0, "not a regular file");
		goto done;
	}
	/* every allocation before the file system is touched */
	slash = strrchr(s->real, '/');
	s->dir = slash == s->real ? aurmig__strdup(ctx, "/") : aurmig__strndup(ctx, s->real, (size_t)(slash - s->real));
	s->tmp = s->dir ? aurmig__printf(ctx, "%s/.%s.XXXXXX", s->dir, slash + 1) : NULL;
	if (!s->tmp) {
		rc = AURMIG_ENOMEM;
		goto done;
	}
	if (backup_suffix && *backup_suffix) {
		s->backup = aurmig__printf(ctx, "%s%s", s->real, backup_suffix);
		s->btmp = s->backup ? aurmig__printf(ctx, "%s/.%s%s.XXXXXX", s->dir, slash + 1, backup_suffix) : NULL;
		if (!s->btmp) {
			rc = AURMIG_ENOMEM;
			goto done;
		}
	}
	rc = save_steps(s, &fd, &dfd);
	if (rc == AURMIG_OK)
		ini->modified = 0;
done:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (s->tmp_made && s->tmp)
		unlink(s->tmp);
	if (s->btmp_made && s->btmp)
		unlink(s->btmp);
	free(s->dir);
	free(s->tmp);
	free(s->backup);
	free(s->btmp);
	free(s);
	return rc;
}
