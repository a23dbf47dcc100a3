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
 *
 * This file parses, loads and queries; inifile_edit.c edits, and
 * inifile_render.c renders, diffs and saves (layout in inifile_priv.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ini/inifile.h"
#include "ini/inifile_priv.h"

#define INI_MAX_SIZE ((size_t)64 * 1024 * 1024)

/* Python's str.strip() on ASCII: space, \t, \n, \v, \f, \r, \x1c-\x1f */
int aurmig__ini_is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
	       (c >= 0x1c && c <= 0x1f);
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

const char *aurmig__ini_line_text(const aurmig__ini *ini, size_t i)
{
	return ini->text + ini->lines[i].off;
}

int aurmig__ini_lineno(size_t i)
{
	return (int)(i + 1);
}

/* ================================================================ parsing */

int aurmig__ini_keys_equal(unsigned int flags, const char *a, size_t an, const char *b, size_t bn)
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
	aurmig__verr_at(ini->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_CONFIG, ini->name, aurmig__ini_lineno(i), fmt, ap);
	va_end(ap);
	return AURMIG_EPARSE;
}

/* Join the value of the key at line k, whose block ends after line last. */
static void close_key(aurmig__ini *ini, size_t k, size_t last, char **store)
{
	ini_line *l = &ini->lines[k];
	char *start = *store, *p = start;

	l->end = last + 1;
	memcpy(p, aurmig__ini_line_text(ini, k) + l->val_off, l->val_len);
	p += l->val_len;
	for (size_t j = k + 1; j <= last; j++) {
		const ini_line *c = &ini->lines[j];
		const char *t = aurmig__ini_line_text(ini, j);
		size_t e = c->len;

		if (c->kind == LINE_BLANK) {
			*p++ = '\n';
		} else if (c->kind == LINE_CONT) {
			while (e > c->indent && aurmig__ini_is_blank((unsigned char)t[e - 1]))
				e--;
			*p++ = '\n';
			memcpy(p, t + c->indent, e - c->indent);
			p += e - c->indent;
		}
	}
	while (p > start && aurmig__ini_is_blank((unsigned char)p[-1]))
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
		refs[m].p = aurmig__ini_line_text(ini, i) + l->name_off;
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

		while (b < e && aurmig__ini_is_blank((unsigned char)t[b]))
			b++;
		while (e > b && aurmig__ini_is_blank((unsigned char)t[e - 1]))
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
		for (k = d; k > b && aurmig__ini_is_blank((unsigned char)t[k - 1]); k--)
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
		for (l->val_off = d + 1; l->val_off < e && aurmig__ini_is_blank((unsigned char)t[l->val_off]); l->val_off++)
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
		const char *t = aurmig__ini_line_text(ini, dup);

		if (l->kind == LINE_SECTION)
			return parse_err(ini, dup, "section [%.*s] appears twice (first at line %d)",
				(int)l->name_len, t + l->name_off, aurmig__ini_lineno(first));
		return parse_err(ini, dup, "key '%.*s' appears twice in [%.*s] (first at line %d)",
			(int)l->name_len, t + l->name_off, (int)ini->lines[l->section].name_len,
			aurmig__ini_line_text(ini, l->section) + ini->lines[l->section].name_off, aurmig__ini_lineno(first));
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

void aurmig__ini_clear(aurmig__ini *ini)
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
	aurmig__ini_clear(ini);
	free(ini->name);
	aurmig__context_unref(ini->ctx);
	free(ini);
}

/* Fill ini's text and index from text/len (ini->ctx, name and flags set). */
int aurmig__ini_fill(aurmig__ini *ini, const char *text, size_t len)
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
		aurmig__ini_clear(ini);
	return rc;
}

aurmig__ini *aurmig__ini_new(aurmig_context *ctx, const char *name, unsigned int flags)
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
	ini = aurmig__ini_new(ctx, name, flags);
	if (!ini)
		return AURMIG_ENOMEM;
	rc = aurmig__ini_fill(ini, text ? text : "", len);
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

size_t aurmig__ini_find_section(const aurmig__ini *ini, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < ini->nlines; i++) {
		const ini_line *l = &ini->lines[i];
		if (l->kind == LINE_SECTION && l->name_len == n && memcmp(aurmig__ini_line_text(ini, i) + l->name_off, name, n) == 0)
			return i;
	}
	return NONE;
}

size_t aurmig__ini_find_key(const aurmig__ini *ini, size_t sec, const char *key)
{
	size_t n = strlen(key);

	if (sec == NONE)
		return NONE;
	for (size_t i = sec + 1; i < ini->lines[sec].end; i++) {
		const ini_line *l = &ini->lines[i];
		if (l->kind == LINE_KEY && aurmig__ini_keys_equal(ini->flags, aurmig__ini_line_text(ini, i) + l->name_off, l->name_len, key, n))
			return i;
	}
	return NONE;
}

const char *aurmig__ini_get(const aurmig__ini *ini, const char *section, const char *key)
{
	size_t sec, k;

	if (!ini || !section || !key)
		return NULL;
	sec = aurmig__ini_find_section(ini, section);
	if (sec == NONE)
		return NULL;
	k = aurmig__ini_find_key(ini, sec, key);
	if (k == NONE && strcmp(section, "DEFAULT") != 0)
		k = aurmig__ini_find_key(ini, aurmig__ini_find_section(ini, "DEFAULT"), key);
	return k == NONE ? NULL : ini->lines[k].value;
}

int aurmig__ini_has_section(const aurmig__ini *ini, const char *section)
{
	return ini && section && aurmig__ini_find_section(ini, section) != NONE;
}

int aurmig__ini_line_of(const aurmig__ini *ini, const char *section, const char *key)
{
	size_t sec, k;

	if (!ini || !section)
		return 0;
	sec = aurmig__ini_find_section(ini, section);
	if (sec == NONE)
		return 0;
	if (!key)
		return aurmig__ini_lineno(sec);
	k = aurmig__ini_find_key(ini, sec, key);
	return k == NONE ? 0 : aurmig__ini_lineno(k);
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
