/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Edits of the INI file (inifile.h): each builds the new text from the old
 * one's byte ranges plus the new lines, parses it again and swaps it in
 * only when it means what the edit intended. */
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
	if (aurmig__ini_is_blank((unsigned char)k[0]) || aurmig__ini_is_blank((unsigned char)k[n - 1]))
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

		if (n && (aurmig__ini_is_blank((unsigned char)p[0]) || aurmig__ini_is_blank((unsigned char)p[n - 1])))
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
		emit(b, aurmig__ini_line_text(ini, i) + l->len, l->eol);
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
	t = aurmig__ini_line_text(ini, k);
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
		size_t sec = aurmig__ini_find_section(n, x->section);
		if (sec == NONE)
			return 0;
		if (x->key) {
			k = aurmig__ini_find_key(n, sec, x->key);
			if (k == NONE || strcmp(n->lines[k].value, x->value) != 0)
				return 0;
		}
	}
	if (x->gone_section) {
		size_t sec = aurmig__ini_find_section(n, x->gone_section);
		if (x->gone_key ? aurmig__ini_find_key(n, sec, x->gone_key) != NONE : sec != NONE)
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
	n = aurmig__ini_new(ini->ctx, ini->name, ini->flags);
	if (!n) {
		aurmig__buf_dispose(b);
		return AURMIG_ENOMEM;
	}
	rc = aurmig__ini_fill(n, b->p ? b->p : "", b->len);
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
	aurmig__ini_clear(ini);
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
	s->indent = aurmig__ini_line_text(ini, sec);
	s->indent_len = ini->lines[sec].indent;
	at = sec + 1;
	/* the next header must not turn into a continuation of the new key */
	for (size_t i = at; i < ini->nlines; i++) {
		const ini_line *l = &ini->lines[i];
		if (l->kind == LINE_BLANK || l->kind == LINE_COMMENT)
			continue;
		if (l->indent > s->indent_len) {
			s->indent = aurmig__ini_line_text(ini, i);
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

	sec = aurmig__ini_find_section(ini, section);
	/* the value is there already: done, before a buffer is allocated for nothing */
	if (sec != NONE && (k = aurmig__ini_find_key(ini, sec, key)) != NONE && strcmp(ini->lines[k].value, value) == 0)
		return AURMIG_OK;
	start_text(&b, ini);
	if (sec == NONE) {
		const char *pair[2] = { key, value };

		x.dkeys = x.dsections = 1;
		emit_new_section(&b, ini, section, pair, 1);
		return commit(ini, &b, &x, applied);
	}
	k = aurmig__ini_find_key(ini, sec, key);
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
		const char *t = aurmig__ini_line_text(ini, k);
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
				emit_continuations(&b, ini, value, aurmig__ini_line_text(ini, c), ini->lines[c].indent, "");
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
	k = aurmig__ini_find_key(ini, aurmig__ini_find_section(ini, section), key);
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
	sec = aurmig__ini_find_section(ini, section);
	k = aurmig__ini_find_key(ini, sec, old_key);
	if (k == NONE)
		return AURMIG_OK;
	l = &ini->lines[k];
	t = aurmig__ini_line_text(ini, k);
	other = aurmig__ini_find_key(ini, sec, new_key);
	if (other != NONE && other != k)
		return aurmig__err_at(ini->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_CONFIG, ini->name, aurmig__ini_lineno(other),
			"cannot rename key '%s' (line %d) in [%s]: '%s' exists", old_key, aurmig__ini_lineno(k), section, new_key);
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
	sec = aurmig__ini_find_section(ini, old_name);
	if (sec == NONE || strcmp(old_name, new_name) == 0)
		return AURMIG_OK;
	other = aurmig__ini_find_section(ini, new_name);
	if (other != NONE)
		return aurmig__err_at(ini->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_CONFIG, ini->name, aurmig__ini_lineno(other),
			"cannot rename section [%s] (line %d): [%s] exists", old_name, aurmig__ini_lineno(sec), new_name);
	l = &ini->lines[sec];
	t = aurmig__ini_line_text(ini, sec);
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
	sec = aurmig__ini_find_section(ini, section);
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
			if (aurmig__ini_keys_equal(ini->flags, pairs[2 * j], strlen(pairs[2 * j]), k, strlen(k)))
				return aurmig__err_at(ini->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_CONFIG, ini->name, 0,
					"cannot add section [%s]: key '%s' given twice", section, k);
	}
	if (aurmig__ini_find_section(ini, section) != NONE)
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
