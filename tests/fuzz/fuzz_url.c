/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: database URLs (aurmig__settings_from_url). On success the
 * settings must be complete and the display URL must mask the password.
 * The display URL is parsed again too (it need not give the same settings:
 * a PostgreSQL host given as ?host= may hold characters that mean something
 * else in the authority part).
 */
#include "fuzz_common.h"
#include "ini/settings.h"

static int parse(aurmig_context *ctx, const char *url, int check)
{
	aurmig__settings s;
	int rc = aurmig__settings_from_url(&s, ctx, url);

	if (rc) {
		fz_check_error(ctx, rc);
		FZ_CHECK(rc == AURMIG_EINVALID || rc == AURMIG_ENOMEM);
		FZ_CHECK(!s.host && !s.user && !s.password && !s.dbname && !s.display_url);
		return rc;
	}
	FZ_CHECK(s.driver && s.dbname && *s.dbname && s.display_url);
	FZ_CHECK(s.dialect >= AURMIG_DIALECT_SQLITE && s.dialect <= AURMIG_DIALECT_PGSQL);
	FZ_CHECK(s.port >= 0 && s.port <= 65535);
	if (s.dialect == AURMIG_DIALECT_SQLITE)
		FZ_CHECK(s.sqlite_dir && !s.password && !s.host);
	if (s.password)
		FZ_CHECK(strstr(s.display_url, ":***@") != NULL);
	if (check) {
		aurmig__settings again;
		int rc2;

		/* the display URL is a URL too (its password is the literal ***) */
		aurmig__context_fail_alloc_at(ctx, 0);
		rc2 = aurmig__settings_from_url(&again, ctx, s.display_url);
		if (rc2)
			fz_check_error(ctx, rc2);
		aurmig__settings_clear(&again);
	}
	aurmig__settings_clear(&s);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	aurmig_context *ctx = fz_context();
	char *url = fz_strndup(data, size);
	unsigned long n;

	fz_count_allocs(ctx);
	parse(ctx, url, 0);
	n = fz_allocs(ctx);
	parse(ctx, url, 1);
	if (n) {
		aurmig__context_fail_alloc_at(ctx, fz_pick(data, size, n));
		FZ_CHECK(parse(ctx, url, 0) == AURMIG_ENOMEM);
	}
	aurmig_context_free(ctx);
	free(url);
	return 0;
}
