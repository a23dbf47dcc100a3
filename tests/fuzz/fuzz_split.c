/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the statement splitter (aurmig__split). The first byte picks
 * the dialect and the first line number; the rest is the SQL text, copied
 * without a terminating NUL so that any read past its end is caught.
 */
#include "fuzz_common.h"
#include "base/split.h"

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int split(aurmig_context *ctx, const char *text, size_t len, int dialect, int first_line, int check)
{
	aurmig__stmt *st = (aurmig__stmt *)&st;
	size_t n = 99;
	int rc = aurmig__split(&st, &n, ctx, text, len, dialect, "fuzz.sql", first_line);

	if (rc) {
		FZ_CHECK(st == NULL && n == 0);
		fz_check_error(ctx, rc);
		FZ_CHECK(aurmig_error_last(ctx)->line >= first_line || rc == AURMIG_ENOMEM);
		return rc;
	}
	FZ_CHECK(n == 0 ? st == NULL : st != NULL);
	for (size_t i = 0; check && i < n; i++) {
		/* in bounds, in order, not overlapping, trimmed, non-empty */
		FZ_CHECK(st[i].len > 0 && st[i].offset < len && st[i].len <= len - st[i].offset);
		FZ_CHECK(!is_blank(text[st[i].offset]) && !is_blank(text[st[i].offset + st[i].len - 1]));
		FZ_CHECK(st[i].line >= first_line);
		if (i) {
			FZ_CHECK(st[i].offset >= st[i - 1].offset + st[i - 1].len);
			FZ_CHECK(st[i].line >= st[i - 1].line);
		}
	}
	free(st);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	aurmig_context *ctx;
	char *text;
	size_t len;
	int dialect, first_line;
	unsigned long n;

	if (size < 1)
		return 0;
	dialect = data[0] & 3;
	first_line = 1 + (data[0] >> 2);
	len = size - 1;
	text = malloc(len ? len : 1);
	if (!text)
		abort();
	memcpy(text, data + 1, len);
	ctx = fz_context();
	fz_count_allocs(ctx);
	split(ctx, text, len, dialect, first_line, 1);
	n = fz_allocs(ctx);
	if (n) {
		aurmig__context_fail_alloc_at(ctx, fz_pick(data, size, n));
		FZ_CHECK(split(ctx, text, len, dialect, first_line, 0) == AURMIG_ENOMEM);
	}
	aurmig_context_free(ctx);
	free(text);
	return 0;
}
