/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the format-preserving INI editor (lib/ini/inifile_*.c) that
 * config-file migrations use on aurweb's configuration. The first byte
 * holds the flags (bit 0: fold key case) and picks edits (bits 1-7); the
 * rest is the file. Checked: an unedited file renders byte for byte; every
 * edit either applies completely (the result parses again and reads back
 * what was set) or leaves the text untouched; error messages never quote
 * the file's lines (they hold the password).
 */
#include "fuzz_common.h"
#include "ini/inifile.h"

#define SECRET "Zq9SECRETpw7"

/* 1 when every occurrence of the secret is in a value or in a line without
 * a delimiter (never in a [section] header or a key, which messages may name). */
static int secret_only_in_values(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size, *p = data, *hit;
	size_t n = sizeof(SECRET) - 1;

	if (!memmem(data, size, SECRET, n))
		return 0;
	while ((hit = memmem(p, (size_t)(end - p), SECRET, n))) {
		const uint8_t *ls = hit, *le = hit, *q;
		int before = 0, after = 0;
		while (ls > data && ls[-1] != '\n')
			ls--;
		while (le < end && *le != '\n')
			le++;
		q = ls;
		if (q == data && size >= 3 && !memcmp(q, "\xef\xbb\xbf", 3))
			q += 3;     /* a byte order mark */
		/* the parser's blanks: Python's str.strip() (\f, \v, \x1c-\x1f too) */
		for (; q < hit && (*q == ' ' || *q == '\t' || *q == '\v' || *q == '\f' || *q == '\r' ||
			(*q >= 0x1c && *q <= 0x1f)); q++)
			;
		if (q < end && *q == '[')
			return 0;
		for (q = ls; q < hit; q++)
			before |= *q == '=' || *q == ':';
		for (q = hit + n; q < le; q++)
			after |= *q == '=' || *q == ':';
		if (!before && after)
			return 0;
		p = hit + 1;
	}
	return 1;
}

static const char *text_of(const aurmig__ini *ini, size_t *len)
{
	const char *t = aurmig__ini_text(ini, len);
	FZ_CHECK(t != NULL && t[*len] == '\0');
	return t;
}

/* The object's text parses again, with the same flags, to the same text. */
static void reparses(aurmig_context *ctx, const aurmig__ini *ini, unsigned flags)
{
	aurmig__ini *again = NULL;
	aurmig__buf b;
	size_t len;
	const char *t = text_of(ini, &len);
	int rc;

	aurmig__buf_init(&b, ctx);
	FZ_CHECK(aurmig__ini_render(ini, &b) == AURMIG_OK);
	FZ_CHECK(b.len == len && (len == 0 || memcmp(b.p, t, len) == 0));
	aurmig__buf_dispose(&b);
	rc = aurmig__ini_parse_ex(&again, ctx, t, len, "again", flags);
	if (rc)
		fprintf(stderr, "re-parse: %s\n", aurmig_error_last(ctx)->message);
	FZ_CHECK(rc == AURMIG_OK);
	aurmig__ini_free(again);
}

/* remove-section of the section that add-section just added gives back the
 * text before it (on a copy), unless that text ended with a blank line,
 * which the removal takes as the separator; if-empty leaves it (it has keys). */
static void removes_added(aurmig_context *ctx, const aurmig__ini *ini, unsigned flags, const char *before,
	size_t before_len)
{
	aurmig__ini *copy = NULL;
	size_t len, i = before_len, start = before_len >= 3 && !memcmp(before, "\xef\xbb\xbf", 3) ? 3 : 0;
	const char *t = text_of(ini, &len);
	int applied = -1, ends_blank;

	FZ_CHECK(aurmig__ini_parse_ex(&copy, ctx, t, len, "copy", flags) == AURMIG_OK);
	FZ_CHECK(aurmig__ini_remove_section(copy, "fuzz", 1, &applied) == AURMIG_OK && applied == 0);
	FZ_CHECK(aurmig__ini_remove_section(copy, "fuzz", 0, &applied) == AURMIG_OK && applied == 1);
	FZ_CHECK(!aurmig__ini_has_section(copy, "fuzz"));
	reparses(ctx, copy, flags);
	/* the last line of the text before: blank when only blanks follow its start */
	if (i && before[i - 1] == '\n')
		i--;
	if (i && before[i - 1] == '\r')
		i--;
	while (i > start && before[i - 1] != '\n')
		i--;
	if (i < start)
		i = start;
	ends_blank = before_len > start;   /* an empty file has no last line */
	for (size_t j = i; j < before_len; j++)
		if (!before[j] || !strchr(" \t\v\f\r\n\x1c\x1d\x1e\x1f", before[j]))
			ends_blank = 0;
	if (!ends_blank) {
		t = text_of(copy, &len);
		FZ_CHECK(len == before_len && memcmp(t, before, len) == 0);
	}
	aurmig__ini_free(copy);
}

/* Run one edit; check all-or-nothing. Returns the library's code. */
static int edit(aurmig_context *ctx, aurmig__ini *ini, unsigned flags, int which, int check)
{
	static const char *const pairs[] = { "k", "v", "user", "x\ny" };
	size_t before_len, after_len;
	char *before;
	int applied = -1, rc;

	{
		const char *t = text_of(ini, &before_len);
		before = fz_strndup((const uint8_t *)t, before_len);
	}
	switch (which) {
	case 0: rc = aurmig__ini_set(ini, "database", "password", SECRET, AURMIG__INI_ALWAYS, NULL, &applied); break;
	case 1: rc = aurmig__ini_set(ini, "options", "new_key", "a\nb", AURMIG__INI_IF_UNSET, NULL, &applied); break;
	case 2: rc = aurmig__ini_remove(ini, "database", "user", AURMIG__INI_ALWAYS, NULL, &applied); break;
	case 3: rc = aurmig__ini_rename_key(ini, "database", "host", "hostname", AURMIG__INI_ALWAYS, NULL, &applied); break;
	case 4: rc = aurmig__ini_rename_section(ini, "options", "opts", &applied); break;
	case 5: rc = aurmig__ini_add_section(ini, "fuzz", pairs, 2, &applied); break;
	case 6: rc = aurmig__ini_set(ini, "DEFAULT", "k", "v", AURMIG__INI_IF_EQUAL, "w", &applied); break;
	default: rc = aurmig__ini_set(ini, "database", "backend", " bad", AURMIG__INI_ALWAYS, NULL, &applied); break;
	}
	text_of(ini, &after_len);
	if (rc) {
		fz_check_error(ctx, rc);
		FZ_CHECK(after_len == before_len && memcmp(text_of(ini, &after_len), before, before_len) == 0);
		FZ_CHECK(!strstr(aurmig_error_last(ctx)->message, SECRET));
	} else if (check) {
		FZ_CHECK(applied == 0 || applied == 1);
		if (!applied)
			FZ_CHECK(after_len == before_len && memcmp(text_of(ini, &after_len), before, before_len) == 0);
		if (applied && which == 0)
			FZ_CHECK(strcmp(aurmig__ini_get(ini, "database", "password"), SECRET) == 0);
		if (applied && which == 1)
			FZ_CHECK(strcmp(aurmig__ini_get(ini, "options", "new_key"), "a\nb") == 0);
		if (applied && which == 5) {
			FZ_CHECK(strcmp(aurmig__ini_get(ini, "fuzz", "user"), "x\ny") == 0);
			removes_added(ctx, ini, flags, before, before_len);
		}
		reparses(ctx, ini, flags);
		if (applied) {
			aurmig__buf d;
			aurmig__buf_init(&d, ctx);
			FZ_CHECK(aurmig__ini_diff(before, text_of(ini, &after_len), "/etc/aurweb/config", &d) == AURMIG_OK);
			FZ_CHECK(d.len > 0);
			aurmig__buf_dispose(&d);
		}
	}
	free(before);
	return rc;
}

static int run(aurmig_context *ctx, const uint8_t *data, size_t size, int check)
{
	unsigned flags = data[0] & 1;
	aurmig__ini *ini = NULL;
	int rc = aurmig__ini_parse_ex(&ini, ctx, (const char *)data + 1, size - 1, "config", flags);

	if (rc) {
		FZ_CHECK(ini == NULL);
		fz_check_error(ctx, rc);
		/* no value or unparsable line is ever quoted: a password planted there does not show */
		if (secret_only_in_values(data + 1, size - 1))
			FZ_CHECK(!strstr(aurmig_error_last(ctx)->message, SECRET));
		return rc;
	}
	if (check) {
		size_t len;
		const char *t = text_of(ini, &len);
		FZ_CHECK(len == size - 1 && memcmp(t, data + 1, len) == 0);
		reparses(ctx, ini, flags);
		(void)aurmig__ini_get(ini, "database", "password");
		(void)aurmig__ini_line_of(ini, "database", "name");
	}
	for (int i = 0; i < 7; i++)
		if (data[0] & (2u << i)) {
			int erc = edit(ctx, ini, flags, i, check);
			if (erc == AURMIG_ENOMEM) {
				rc = erc;
				break;
			}
		}
	aurmig__ini_free(ini);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	aurmig_context *ctx;
	unsigned long n;

	if (size < 1)
		return 0;
	ctx = fz_context();
	fz_count_allocs(ctx);
	run(ctx, data, size, 0);
	n = fz_allocs(ctx);
	aurmig__context_fail_alloc_at(ctx, 0);
	run(ctx, data, size, 1);
	if (n) {
		aurmig__context_fail_alloc_at(ctx, fz_pick(data, size, n));
		FZ_CHECK(run(ctx, data, size, 0) == AURMIG_ENOMEM);
	}
	aurmig_context_free(ctx);
	return 0;
}
