/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The migration script format (docs/script-format.md): a header of
 * `-- aurmig:<key> <value>` lines, then sections introduced by
 * `-- aurmig:upgrade [dialect]` and `-- aurmig:downgrade [dialect]`.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include "graph/script.h"
#include "base/dialect.h"
#include "base/split.h"


void aurmig__script_free(aurmig_migration *m)
{
	if (!m)
		return;
	free(m->id);
	free(m->message);
	free(m->create_date);
	free(m->data_loss);
	aurmig__strv_clear(&m->down);
	aurmig__strv_clear(&m->deps);
	aurmig__strv_clear(&m->labels);
	free(m->text);
	free(m->parents);
	free(m->deps_idx);
	free(m->norm);
	free(m->children);
	free(m->dependents);
	aurmig__strv_clear(&m->branches);
	free(m);
}

int aurmig__ident_valid(const char *s, size_t n, const char **why)
{
	if (n == 0) {
		*why = "is empty";
		return 0;
	}
	if (n > AURMIG__MAX_ID) {
		*why = "is longer than 32 characters (alembic_version.version_num is VARCHAR(32))";
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '@' || c == '-' || c == '+' || c == ':') {
			*why = "contains one of the reserved characters @ - + :";
			return 0;
		}
		if (c <= ' ' || c >= 0x7f || c == ',' || c == ';' || c == '(' || c == ')' || c == '\'' ||
		    c == '"' || c == '`' || c == '\\') {
			*why = "contains a character other than printable ASCII letters, digits and punctuation";
			return 0;
		}
	}
	if ((n == 4 && memcmp(s, "head", 4) == 0) || (n == 5 && memcmp(s, "heads", 5) == 0) ||
	    (n == 4 && memcmp(s, "base", 4) == 0) || (n == 7 && memcmp(s, "current", 7) == 0)) {
		*why = "is a reserved word (head, heads, base, current)";
		return 0;
	}
	*why = NULL;
	return 1;
}

/*
 * The script's checksum: SHA-256 of the text with line endings and trailing
 * whitespace normalised away (CRLF, trailing blanks and trailing blank
 * lines do not count), prefixed with the algorithm version so a future
 * change of normalisation can be told apart from an edit.
 */
static int is_blank(int c);

/* The byte of the original text at i: the sections' terminating NULs put back. */
static char orig_at(const aurmig_migration *m, size_t i)
{
	char c = m->text[i];
	if (c == '\0')
		for (int dir = 0; dir < 2; dir++)
			for (int d = 0; d < AURMIG__NDIALECTS; d++) {
				const aurmig__section *s = &m->sections[dir][d];
				if (s->present && s->offset + s->len == i)
					return s->cut;
			}
	return c;
}

/*
 * Where the normalised text equals the file (lines without trailing blanks,
 * blank lines without blanks: the usual case), it is hashed in long runs of
 * the file, not line by line: one sha256_update per run instead of two per
 * line (the calls, not the compression, cost most on short lines).
 */
static void checksum_text(char out[AURMIG__CHECKSUM_SIZE], const aurmig_migration *m)
{
	struct sha256_ctx h;
	uint8_t digest[SHA256_DIGEST_SIZE], nls[64];
	const char *t = m->text;
	size_t len = m->text_len, pos = 0, blanks = 0;
	size_t run_s = 0, run_e = 0;   /* text[run_s, run_e) is output not yet hashed */
	int first = 1;

	memset(nls, '\n', sizeof(nls));
	sha256_init(&h);
	while (pos < len) {
		/* a NUL put at the start of a line never hides a newline: see
		 * aurmig__script_parse */
		const char *nl = memchr(t + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - t) : len, e = end;
		char c0 = orig_at(m, pos);

		while (e > pos + 1 && is_blank(t[e - 1]))
			e--;
		if (e == pos + 1 && is_blank(c0))
			e = pos;
		if (e == pos) {
			blanks++;
		} else {
			/* output: a newline after the previous line, one per blank
			 * line, then the line without its trailing blanks */
			size_t sep = (first ? 0 : 1) + blanks;
			if (pos - run_e == sep && c0 == t[pos]) {
				/* the file between the runs holds exactly these newlines */
				run_e = e;
			} else {
				if (run_e > run_s)
					sha256_update(&h, run_e - run_s, (const uint8_t *)t + run_s);
				for (size_t k = sep; k;) {
					size_t n = k < sizeof(nls) ? k : sizeof(nls);
					sha256_update(&h, n, nls);
					k -= n;
				}
				run_s = pos;
				if (c0 != t[pos]) {
					sha256_update(&h, 1, (const uint8_t *)&c0);
					run_s = pos + 1;
				}
				run_e = e;
			}
			blanks = 0;
			first = 0;
		}
		pos = nl ? end + 1 : len;
	}
	if (run_e > run_s)
		sha256_update(&h, run_e - run_s, (const uint8_t *)t + run_s);
	sha256_digest(&h, sizeof(digest), digest);
	memcpy(out, "v1:", 3);
	aurmig__hex(out + 3, digest, sizeof(digest));
}

const char *aurmig__script_checksum(const aurmig_migration *m)
{
	/* the cache is not part of the migration's meaning; objects of a
	 * context are used by one thread at a time (context.h) */
	aurmig_migration *w = (aurmig_migration *)m;

	if (!m)
		return NULL;
	if (!m->checksum_done) {
		checksum_text(w->checksum, m);
		w->checksum_done = 1;
	}
	return m->checksum;
}

/* Cursor over the file, one line at a time. */
typedef struct line_iter {
	const char *text;
	size_t len;
	size_t pos;       /* start of the next line */
	int lineno;       /* number of the line last returned */
} line_iter;

static int next_line(line_iter *it, size_t *start, size_t *end)
{
	const char *nl;

	if (it->pos >= it->len)
		return 0;
	*start = it->pos;
	nl = memchr(it->text + it->pos, '\n', it->len - it->pos);
	*end = nl ? (size_t)(nl - it->text) : it->len;
	it->pos = nl ? *end + 1 : it->len;
	it->lineno++;
	return 1;
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* If [s, e) is a directive line, set key/value spans and return 1. */
static int parse_directive(const char *t, size_t s, size_t e, size_t *ks, size_t *ke,
	size_t *vs, size_t *ve)
{
	size_t p = s;

	while (p < e && is_blank(t[p]))
		p++;
	if (e - p < 2 || t[p] != '-' || t[p + 1] != '-')
		return 0;
	p += 2;
	while (p < e && is_blank(t[p]))
		p++;
	if (e - p < 7 || memcmp(t + p, "aurmig:", 7) != 0)
		return 0;
	p += 7;
	*ks = p;
	while (p < e && !is_blank(t[p]))
		p++;
	*ke = p;
	while (p < e && is_blank(t[p]))
		p++;
	*vs = p;
	while (e > p && is_blank(t[e - 1]))
		e--;
	*ve = e;
	return 1;
}

static int key_is(const char *t, size_t ks, size_t ke, const char *key)
{
	size_t n = strlen(key);
	return ke - ks == n && memcmp(t + ks, key, n) == 0;
}

/* Split a list value ("a b", "a, b", "(a, b)") into ids, validating each. */
static int parse_list(aurmig__strv *out, aurmig_context *ctx, const char *path, int line,
	const char *key, const char *t, size_t vs, size_t ve)
{
	size_t p = vs;

	if (p < ve && t[p] == '(' && t[ve - 1] == ')') {
		p++;
		ve--;
	}
	while (p < ve) {
		size_t s;
		const char *why;

		while (p < ve && (is_blank(t[p]) || t[p] == ','))
			p++;
		if (p >= ve)
			break;
		s = p;
		while (p < ve && !is_blank(t[p]) && t[p] != ',')
			p++;
		if (!aurmig__ident_valid(t + s, p - s, &why))
			return aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
				"%s entry '%.*s' %s", key, (int)(p - s > 64 ? 64 : p - s), t + s, why);
		{
			char *id = aurmig__strndup(ctx, t + s, p - s);
			if (!id)
				return AURMIG_ENOMEM;
			if (aurmig__strv_contains(out, id)) {
				int rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
					"%s lists '%s' twice", key, id);
				free(id);
				return rc;
			}
			if (aurmig__strv_push_own(out, ctx, id))
				return AURMIG_ENOMEM;
		}
	}
	return AURMIG_OK;
}

static int header_seen(int *seen_line, aurmig_context *ctx, const char *path, int line,
	const char *key)
{
	if (*seen_line)
		return aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
			"header '%s' given twice (first on line %d)", key, *seen_line);
	*seen_line = line;
	return AURMIG_OK;
}

/* `-- aurmig:lock_wait SECONDS`: 0 to 86400, up to three decimals (0 = the server's own bound). */
static int parse_lock_wait(aurmig_migration *m, aurmig_context *ctx, const char *path, int line,
	const char *t, size_t vs, size_t ve)
{
	long whole = 0, frac = 0, scale = 1000;
	size_t i = vs;

	for (; i < ve && t[i] >= '0' && t[i] <= '9' && whole <= 86400; i++)
		whole = whole * 10 + (t[i] - '0');
	if (i < ve && t[i] == '.' && i > vs)
		for (i++; i < ve && t[i] >= '0' && t[i] <= '9' && scale > 1; i++) {
			scale /= 10;
			frac += (t[i] - '0') * scale;
		}
	if (i == vs || i != ve || whole > 86400 || (whole == 86400 && frac))
		return aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
			"lock_wait takes seconds (0 to 86400, e.g. 30 or 2.5), not '%.*s'",
			(int)(ve - vs > 64 ? 64 : ve - vs), t + vs);
	m->lock_wait_ms = whole * 1000 + frac;
	return AURMIG_OK;
}

/* Everything in [s, e) is blank or a `--` comment? (for text before the first section) */
static int line_is_comment_or_blank(const char *t, size_t s, size_t e)
{
	while (s < e && is_blank(t[s]))
		s++;
	return s == e || (e - s >= 2 && t[s] == '-' && t[s + 1] == '-');
}

/* Offset of the first byte that does not belong to well-formed UTF-8
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or len. */
static size_t utf8_invalid_at(const unsigned char *t, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c, lo = 0x80, hi = 0xBF;
		size_t n;

		/* ASCII eight bytes at a time: most scripts are all ASCII */
		while (len - i >= 8) {
			uint64_t w;
			memcpy(&w, t + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		c = t[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
		else
			return i;
		if (len - i <= n || t[i + 1] < lo || t[i + 1] > hi)
			return i;
		for (size_t k = 2; k <= n; k++)
			if ((t[i + k] & 0xC0) != 0x80)
				return i;
		i += n + 1;
	}
	return len;
}

/* 1-based line of text[at]. */
static int line_of(const char *text, size_t at)
{
	int line = 1;

	for (size_t i = 0; i < at; i++)
		line += text[i] == '\n';
	return line;
}

/* A header value that is shown to people (message, create_date) must be
 * one line of text: no control characters but tabs (a carriage return
 * ends a comment for PostgreSQL, so offline SQL could run the rest). */
static int check_text_value(aurmig_context *ctx, const char *path, int line, const char *key,
	const char *t, size_t vs, size_t ve)
{
	for (size_t i = vs; i < ve; i++) {
		unsigned char c = (unsigned char)t[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
				"%s contains a control character (0x%02X)", key, c);
	}
	return AURMIG_OK;
}

const char *aurmig__batch_value(const char *t, size_t vs, size_t ve, long *n, char *key)
{
	size_t p = vs;
	long v = 0;

	*n = 0;
	key[0] = '\0';
	for (; p < ve && t[p] >= '0' && t[p] <= '9' && v <= AURMIG__MAX_BATCH; p++)
		v = v * 10 + (t[p] - '0');
	if (p == vs || v < 1 || v > AURMIG__MAX_BATCH || (p < ve && !is_blank(t[p])))
		return "batch takes a row count (1 to 1000000), then optionally key=COLUMN";
	while (p < ve && is_blank(t[p]))
		p++;
	if (p < ve) {
		size_t ks;
		if (ve - p < 4 || memcmp(t + p, "key=", 4) != 0)
			return "after the batch size only key=COLUMN may follow";
		ks = p += 4;
		if (p >= ve || !(isalpha((unsigned char)t[p]) || t[p] == '_'))
			return "key= names a column: letters, digits and _, not starting with a digit";
		while (p < ve && (isalnum((unsigned char)t[p]) || t[p] == '_'))
			p++;
		if (p != ve)
			return "key= names a column: letters, digits and _, not starting with a digit";
		if (p - ks > AURMIG__MAX_BATCH_KEY)
			return "the key column's name is longer than 64 characters";
		memcpy(key, t + ks, p - ks);
		key[p - ks] = '\0';
	}
	*n = v;
	return NULL;
}

int aurmig__script_parse(aurmig_migration **out, aurmig_context *ctx, const char *path,
	const char *basename, char *text, size_t len)
{
	aurmig_migration *m;
	/* a UTF-8 byte-order mark (some editors write one) is not part of line 1 */
	line_iter it = { text, len, len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0, 0 };
	size_t s, e;
	aurmig__section *cur = NULL;
	int seen_message = 0, seen_date = 0, seen_tx = 0, seen_lock_wait = 0, seen_online = 0, hook_open = 0;
	int rc = AURMIG_OK;
	const char *why;

	*out = NULL;
	/* the path lives in the same allocation, after the struct */
	m = aurmig__calloc(ctx, 1, sizeof(*m) + strlen(path) + 1);
	if (!m) {
		free(text);
		return AURMIG_ENOMEM;
	}
	m->text = text;
	m->text_len = len;
	m->transactional = 1;
	m->lock_wait_ms = -1;
	m->path = (char *)(m + 1);
	strcpy(m->path, path);
	if (memchr(text, '\0', len)) {
		size_t at = (size_t)((const char *)memchr(text, '\0', len) - text);
		rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line_of(text, at),
			"NUL byte in script");
		goto fail;
	}
	{
		/* scripts are UTF-8, as Alembic's Python files are */
		size_t at = utf8_invalid_at((const unsigned char *)text, len), col = 1;
		if (at < len) {
			while (col <= at && text[at - col] != '\n')
				col++;
			rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line_of(text, at),
				"invalid UTF-8 (byte 0x%02X at column %zu); scripts must be UTF-8 text",
				(unsigned char)text[at], col);
			goto fail;
		}
	}

	while (next_line(&it, &s, &e)) {
		size_t ks, ke, vs, ve;
		int line = it.lineno;

		if (!parse_directive(text, s, e, &ks, &ke, &vs, &ve)) {
			if (cur) {
				cur->len = e - cur->offset;
				if (it.pos > e)
					cur->len = it.pos - cur->offset;
			} else if (!line_is_comment_or_blank(text, s, e)) {
				rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
					"SQL outside a section; put it after a '-- aurmig:upgrade' or "
					"'-- aurmig:downgrade' line");
				goto fail;
			}
			continue;
		}

		if (key_is(text, ks, ke, "upgrade") || key_is(text, ks, ke, "downgrade")) {
			int dir = key_is(text, ks, ke, "upgrade") ? AURMIG_UPGRADE : AURMIG_DOWNGRADE;
			int dialect = -1, portable = 0;

			if (ve == vs)
				dialect = AURMIG_DIALECT_ANY;
			for (int d = 1; d < AURMIG__NDIALECTS; d++)
				if (ve - vs == strlen(aurmig__dialect_name(d)) &&
				    memcmp(text + vs, aurmig__dialect_name(d), ve - vs) == 0)
					dialect = d;
			if (ve - vs == 8 && memcmp(text + vs, "portable", 8) == 0) {
				/* the common section, written in portable DDL */
				dialect = AURMIG_DIALECT_ANY;
				portable = 1;
			}
			if (dialect < 0) {
				rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
					"unknown dialect '%.*s' (expected sqlite, mysql, pgsql, or portable)",
					(int)(ve - vs > 64 ? 64 : ve - vs), text + vs);
				goto fail;
			}
			if (hook_open) {
				rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, hook_open,
					"the hook's default is not closed with '-- aurmig:end-hook'");
				goto fail;
			}
			cur = &m->sections[dir - 1][dialect];
			if (cur->present) {
				rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
					"section '%s%s%s' given twice (first on line %d)",
					dir == AURMIG_UPGRADE ? "upgrade" : "downgrade",
					dialect ? " " : "", aurmig__dialect_name(dialect), cur->directive_line);
				goto fail;
			}
			cur->present = 1;
			cur->portable = portable;
			cur->directive_line = line;
			cur->line = line + 1;
			cur->offset = it.pos;
			cur->len = 0;
			continue;
		}

		if (key_is(text, ks, ke, "nolint")) {
			/* a lint suppression (docs/lint.md): a comment to the parser, in
			 * the header or in a section, read only by lib/lint */
			if (cur)
				cur->len = it.pos - cur->offset;
			continue;
		}
		if (key_is(text, ks, ke, "config")) {
			/* config steps stay in the section text; lib/run/config.c reads them */
			if (!cur) {
				rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
					"'-- aurmig:config' outside a section");
				goto fail;
			}
			cur->len = it.pos - cur->offset;
			continue;
		}
		if (key_is(text, ks, ke, "batch")) {
			/* a batched data statement follows: the planner reads the line
			 * (aurmig__script_items), run/batch.c runs it */
			long bn;
			char bkey[AURMIG__MAX_BATCH_KEY + 1];
			const char *bwhy = cur ? aurmig__batch_value(text, vs, ve, &bn, bkey) :
				"'-- aurmig:batch' outside a section";
			if (bwhy) {
				rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line, "%s", bwhy);
				goto fail;
			}
			cur->len = it.pos - cur->offset;
			continue;
		}
		if (key_is(text, ks, ke, "assert")) {
			/* preconditions stay in the section text; run/asserts.c runs them */
			if (!cur || vs == ve) {
				rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
					!cur ? "'-- aurmig:assert' outside a section" : "'-- aurmig:assert' needs a query");
				goto fail;
			}
			cur->len = it.pos - cur->offset;
			continue;
		}
		if (key_is(text, ks, ke, "hook") || key_is(text, ks, ke, "end-hook")) {
			/* hooks live inside sections and stay in the section text; the
			 * planner finds them there (aurmig__script_items) */
			if (!cur) {
				rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
					"'-- aurmig:%.*s' outside a section", (int)(ke - ks), text + ks);
				goto fail;
			}
			if (key_is(text, ks, ke, "hook")) {
				size_t ns = vs, ne = vs;
				while (ne < ve && !is_blank(text[ne]))
					ne++;
				if (!aurmig__ident_valid(text + ns, ne - ns, &why)) {
					rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
						"hook name '%.*s' %s", (int)(ne - ns > 64 ? 64 : ne - ns), text + ns, why);
					goto fail;
				}
				{
					size_t rs = ne;
					while (rs < ve && is_blank(text[rs]))
						rs++;
					if (rs < ve && !key_is(text, rs, ve, "default")) {
						rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
							"after the hook name only 'default' may follow, not '%.*s'",
							(int)(ve - rs > 64 ? 64 : ve - rs), text + rs);
						goto fail;
					}
					if (hook_open) {
						rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
							"hook inside the default of the hook on line %d", hook_open);
						goto fail;
					}
					if (rs < ve)
						hook_open = line;
				}
			} else if (!hook_open) {
				rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
					"'-- aurmig:end-hook' without a '-- aurmig:hook NAME default' before it");
				goto fail;
			} else {
				hook_open = 0;
			}
			cur->len = it.pos - cur->offset;
			continue;
		}

		/* a header line */
		if (cur) {
			rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
				"header '%.*s' after the first section; headers go at the top of the script",
				(int)(ke - ks > 64 ? 64 : ke - ks), text + ks);
			goto fail;
		}
		if (key_is(text, ks, ke, "revision")) {
			if ((rc = header_seen(&m->line_revision, ctx, path, line, "revision")))
				goto fail;
			if (!aurmig__ident_valid(text + vs, ve - vs, &why)) {
				rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
					"revision id '%.*s' %s", (int)(ve - vs > 64 ? 64 : ve - vs), text + vs, why);
				goto fail;
			}
			if (!(m->id = aurmig__strndup(ctx, text + vs, ve - vs))) {
				rc = AURMIG_ENOMEM;
				goto fail;
			}
		} else if (key_is(text, ks, ke, "down_revision")) {
			if ((rc = header_seen(&m->line_down, ctx, path, line, "down_revision")) ||
			    (rc = parse_list(&m->down, ctx, path, line, "down_revision", text, vs, ve)))
				goto fail;
		} else if (key_is(text, ks, ke, "depends_on")) {
			if ((rc = header_seen(&m->line_deps, ctx, path, line, "depends_on")) ||
			    (rc = parse_list(&m->deps, ctx, path, line, "depends_on", text, vs, ve)))
				goto fail;
		} else if (key_is(text, ks, ke, "branch_labels")) {
			if ((rc = header_seen(&m->line_labels, ctx, path, line, "branch_labels")) ||
			    (rc = parse_list(&m->labels, ctx, path, line, "branch_labels", text, vs, ve)))
				goto fail;
		} else if (key_is(text, ks, ke, "message")) {
			if ((rc = header_seen(&seen_message, ctx, path, line, "message")) ||
			    (rc = check_text_value(ctx, path, line, "message", text, vs, ve)))
				goto fail;
			if (!(m->message = aurmig__strndup(ctx, text + vs, ve - vs))) {
				rc = AURMIG_ENOMEM;
				goto fail;
			}
		} else if (key_is(text, ks, ke, "irreversible")) {
			if (m->data_loss) {
				rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
					"header 'irreversible' given twice");
				goto fail;
			}
			if (ve == vs) {
				rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
					"'irreversible' needs a sentence saying what a downgrade cannot restore");
				goto fail;
			}
			if (!(m->data_loss = aurmig__strndup(ctx, text + vs, ve - vs))) {
				rc = AURMIG_ENOMEM;
				goto fail;
			}
		} else if (key_is(text, ks, ke, "create_date")) {
			if ((rc = header_seen(&seen_date, ctx, path, line, "create_date")) ||
			    (rc = check_text_value(ctx, path, line, "create_date", text, vs, ve)))
				goto fail;
			if (!(m->create_date = aurmig__strndup(ctx, text + vs, ve - vs))) {
				rc = AURMIG_ENOMEM;
				goto fail;
			}
		} else if (key_is(text, ks, ke, "transaction")) {
			if ((rc = header_seen(&seen_tx, ctx, path, line, "transaction")))
				goto fail;
			if (key_is(text, vs, ve, "off") || key_is(text, vs, ve, "false") || key_is(text, vs, ve, "no")) {
				m->transactional = 0;
			} else if (key_is(text, vs, ve, "on") || key_is(text, vs, ve, "true") || key_is(text, vs, ve, "yes")) {
				m->transactional = 1;
			} else {
				rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
					"transaction must be 'on' or 'off', not '%.*s'",
					(int)(ve - vs > 64 ? 64 : ve - vs), text + vs);
				goto fail;
			}
		} else if (key_is(text, ks, ke, "lock_wait")) {
			if ((rc = header_seen(&seen_lock_wait, ctx, path, line, "lock_wait")) ||
			    (rc = parse_lock_wait(m, ctx, path, line, text, vs, ve)))
				goto fail;
		} else if (key_is(text, ks, ke, "online")) {
			/* MariaDB: refuse a blocking ALTER instead of running it (run/online.c) */
			if ((rc = header_seen(&seen_online, ctx, path, line, "online")))
				goto fail;
			if (!key_is(text, vs, ve, "required")) {
				rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
					"online takes 'required', not '%.*s'", (int)(ve - vs > 64 ? 64 : ve - vs), text + vs);
				goto fail;
			}
			m->online_required = 1;
		} else {
			rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
				"unknown header key '%.*s' (expected revision, down_revision, message, "
				"create_date, branch_labels, depends_on, transaction, lock_wait, online, irreversible, upgrade or downgrade)",
				(int)(ke - ks > 64 ? 64 : ke - ks), text + ks);
			goto fail;
		}
	}

	if (hook_open) {
		rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, hook_open,
			"the hook's default is not closed with '-- aurmig:end-hook'");
		goto fail;
	}
	if (!m->id) {
		rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, 1,
			"no '-- aurmig:revision <id>' header");
		goto fail;
	}
	{
		size_t n = strlen(m->id);
		if (strncmp(basename, m->id, n) != 0 || (basename[n] != '_' && strcmp(basename + n, ".sql") != 0)) {
			rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, m->line_revision,
				"file name does not match revision '%s' (expected %s_<slug>.sql)", m->id, m->id);
			goto fail;
		}
	}
	{
		int any_up = 0;
		for (int d = 0; d < AURMIG__NDIALECTS; d++)
			any_up |= m->sections[0][d].present;
		if (!any_up) {
			rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, 0,
				"no '-- aurmig:upgrade' section (an empty one is fine)");
			goto fail;
		}
	}
	for (size_t i = 0; i < m->down.n; i++)
		if (strcmp(m->down.v[i], m->id) == 0) {
			rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, m->line_down,
				"revision '%s' names itself as down_revision", m->id);
			goto fail;
		}
	if ((!m->message && !(m->message = aurmig__strdup(ctx, ""))) ||
	    (!m->create_date && !(m->create_date = aurmig__strdup(ctx, "")))) {
		rc = AURMIG_ENOMEM;
		goto fail;
	}
	/* Terminate every section body in place: from here on the text is only
	 * read section by section. A body ends at the start of a line (of the
	 * next directive) or at the end of the text; the overwritten bytes are
	 * kept for the checksum, computed on first use. */
	for (int dir = 0; dir < 2; dir++)
		for (int d = 0; d < AURMIG__NDIALECTS; d++)
			if (m->sections[dir][d].present) {
				size_t at = m->sections[dir][d].offset + m->sections[dir][d].len;
				m->sections[dir][d].cut = text[at];
				text[at] = '\0';
			}
	*out = m;
	return AURMIG_OK;
fail:
	aurmig__script_free(m);
	return rc;
}

/* ---------------------------------------------------------------- hooks in a section */

int aurmig__script_items(aurmig__item **out, size_t *nout, aurmig_context *ctx, const char *sql,
	const aurmig__stmt *st, size_t n)
{
	aurmig__item *items;
	size_t len = strlen(sql), pos = 0, k = 0, cnt = 0, lines = 1;
	long open_hook = -1, batch = 0;
	int batch_line = 0, line = 0;
	char batch_key[AURMIG__MAX_BATCH_KEY + 1] = "";

	*out = NULL;
	*nout = 0;
	/* at most one item per statement plus one per hook line */
	for (size_t i = 0; i < len; i++)
		lines += sql[i] == '\n';
	items = aurmig__calloc(ctx, n + lines + 1, sizeof(*items));
	if (!items)
		return AURMIG_ENOMEM;
	while (pos <= len) {
		const char *nl = memchr(sql + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - sql) : len, ks, ke, vs, ve;

		line++;
		if (parse_directive(sql, pos, end, &ks, &ke, &vs, &ve) &&
		    (key_is(sql, ks, ke, "hook") || key_is(sql, ks, ke, "end-hook") || key_is(sql, ks, ke, "batch"))) {
			/* statements before this line come first */
			for (; k < n && st[k].offset < pos; k++) {
				items[cnt].stmt = k;
				items[cnt].in_default = open_hook;
				if (open_hook >= 0)
					items[open_hook].ndefault++;
				if (batch) {
					items[cnt].batch = batch;
					items[cnt].batch_line = batch_line;
					strcpy(items[cnt].batch_key, batch_key);
					batch = 0;
				}
				cnt++;
			}
			if (batch) {
				free(items);
				return aurmig__err(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT,
					"'-- aurmig:batch' (section line %d) is not followed by a statement before the "
					"next directive", batch_line);
			}
			if (key_is(sql, ks, ke, "batch")) {
				if (aurmig__batch_value(sql, vs, ve, &batch, batch_key))
					batch = 0;   /* checked when the script was loaded */
				batch_line = line;
			} else if (key_is(sql, ks, ke, "hook")) {
				size_t ne = vs;
				while (ne < ve && !is_blank(sql[ne]))
					ne++;
				items[cnt].hook = 1;
				items[cnt].in_default = -1;
				memcpy(items[cnt].name, sql + vs, ne - vs);
				items[cnt].name[ne - vs] = '\0';
				items[cnt].has_default = ne < ve;
				if (items[cnt].has_default)
					open_hook = (long)cnt;
				cnt++;
			} else {
				open_hook = -1;
			}
		}
		if (!nl)
			break;
		pos = end + 1;
	}
	for (; k < n; k++) {
		items[cnt].stmt = k;
		items[cnt].in_default = open_hook;
		if (open_hook >= 0)
			items[open_hook].ndefault++;
		if (batch) {
			items[cnt].batch = batch;
			items[cnt].batch_line = batch_line;
			strcpy(items[cnt].batch_key, batch_key);
			batch = 0;
		}
		cnt++;
	}
	if (batch) {
		free(items);
		return aurmig__err(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT,
			"'-- aurmig:batch' (section line %d) is not followed by a statement", batch_line);
	}
	if (cnt + 1 < n + lines + 1) {
		/* give back the room for lines that were no hook (a plan keeps
		 * the items of every step) */
		aurmig__item *fit = realloc(items, (cnt ? cnt : 1) * sizeof(*items)); /* style: ok (a shrink: failing keeps the block) */
		if (fit)
			items = fit;
	}
	*out = items;
	*nout = cnt;
	return AURMIG_OK;
}

/* ---------------------------------------------------------------- public accessors */

const char *aurmig_migration_id(const aurmig_migration *m) { return m ? m->id : NULL; }
const char *aurmig_migration_message(const aurmig_migration *m) { return m ? m->message : NULL; }
const char *aurmig_migration_create_date(const aurmig_migration *m) { return m ? m->create_date : NULL; }
const char *aurmig_migration_path(const aurmig_migration *m) { return m ? m->path : NULL; }
size_t aurmig_migration_parent_count(const aurmig_migration *m) { return m ? m->down.n : 0; }
const char *aurmig_migration_parent(const aurmig_migration *m, size_t i)
{
	return m && i < m->down.n ? m->down.v[i] : NULL;
}
size_t aurmig_migration_dependency_count(const aurmig_migration *m) { return m ? m->deps.n : 0; }
const char *aurmig_migration_dependency(const aurmig_migration *m, size_t i)
{
	return m && i < m->deps.n ? m->deps.v[i] : NULL;
}
size_t aurmig_migration_label_count(const aurmig_migration *m) { return m ? m->labels.n : 0; }
const char *aurmig_migration_label(const aurmig_migration *m, size_t i)
{
	return m && i < m->labels.n ? m->labels.v[i] : NULL;
}
size_t aurmig_migration_branch_count(const aurmig_migration *m) { return m ? m->branches.n : 0; }
const char *aurmig_migration_branch(const aurmig_migration *m, size_t i)
{
	return m && i < m->branches.n ? m->branches.v[i] : NULL;
}
int aurmig_migration_is_base(const aurmig_migration *m) { return m && m->down.n == 0; }
int aurmig_migration_is_merge_point(const aurmig_migration *m) { return m && m->down.n > 1; }
int aurmig_migration_is_branch_point(const aurmig_migration *m) { return m && m->nchildren > 1; }
int aurmig_migration_is_head(const aurmig_migration *m) { return m && m->nchildren == 0; }
int aurmig_migration_is_effective_head(const aurmig_migration *m)
{
	return m && m->nchildren == 0 && m->ndependents > 0;
}
int aurmig_migration_transactional(const aurmig_migration *m) { return m ? m->transactional : 1; }
const char *aurmig_migration_checksum(const aurmig_migration *m) { return aurmig__script_checksum(m); }
const char *aurmig_migration_data_loss(const aurmig_migration *m) { return m ? m->data_loss : NULL; }

static const aurmig__section *pick_section(const aurmig_migration *m, int direction, int dialect)
{
	if (!m || (direction != AURMIG_UPGRADE && direction != AURMIG_DOWNGRADE) ||
	    dialect < 0 || dialect >= AURMIG__NDIALECTS)
		return NULL;
	if (m->sections[direction - 1][dialect].present)
		return &m->sections[direction - 1][dialect];
	if (m->sections[direction - 1][AURMIG_DIALECT_ANY].present)
		return &m->sections[direction - 1][AURMIG_DIALECT_ANY];
	return NULL;
}

int aurmig__migration_portable(const aurmig_migration *m, int direction, int dialect)
{
	const aurmig__section *s = pick_section(m, direction, dialect);

	return s && s->portable;
}

int aurmig_migration_has_section(const aurmig_migration *m, int direction, int dialect)
{
	return pick_section(m, direction, dialect) != NULL;
}

const char *aurmig_migration_sql(const aurmig_migration *m, int direction, int dialect, int *line_out)
{
	const aurmig__section *s = pick_section(m, direction, dialect);

	if (line_out)
		*line_out = s ? s->line : 0;
	return s ? m->text + s->offset : NULL;
}
