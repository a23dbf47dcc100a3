/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: one migration script (aurmig__script_parse), then the
 * statement splitter over every section it found, for every dialect, and
 * the section's items (statements and hook lines, aurmig__script_items)
 * and its config steps (aurmig__config_ops, applied to a small file).
 * The file name is made to match the script's revision header, so that
 * inputs get past the name check.
 */
#include <nettle/sha2.h>

#include "fuzz_common.h"
#include "run/config.h"
#include "graph/script.h"
#include "base/split.h"

static const char base_config[] = "[options]\naur_location = https://aur.archlinux.org\n\n"
	"[database]\nbackend = mysql\nname = aurweb\nuser = aur\npassword = x\n";

/* The section's config steps, applied to a small aurweb configuration. */
static void check_config(aurmig_context *ctx, const aurmig_migration *m, const char *sql, int line)
{
	aurmig__cfgop *ops = NULL;
	aurmig__ini *ini = NULL;
	size_t n = 0;
	int changed = 0, rc;

	rc = aurmig__config_ops(&ops, &n, ctx, sql, m->path, line);
	if (rc) {
		fz_check_error(ctx, rc);
		return;
	}
	for (size_t i = 0; i < n; i++)
		FZ_CHECK(ops[i].kind >= AURMIG__CFG_SET && ops[i].kind <= AURMIG__CFG_REMOVE_SECTION && ops[i].line >= line);
	FZ_CHECK(aurmig__ini_parse(&ini, ctx, base_config, sizeof(base_config) - 1, "config") == AURMIG_OK);
	rc = aurmig__config_apply(ini, ops, n, &changed);
	if (rc) {
		fz_check_error(ctx, rc);
	} else {
		/* whatever the steps did, the result is still a file aurweb can read */
		size_t len;
		const char *t = aurmig__ini_text(ini, &len);
		aurmig__ini *again = NULL;
		FZ_CHECK(changed >= 0 && (size_t)changed <= n);
		FZ_CHECK(aurmig__ini_parse(&again, ctx, t, len, "again") == AURMIG_OK);
		aurmig__ini_free(again);
	}
	aurmig__ini_free(ini);
	aurmig__config_ops_free(ops, n);
}

/* "<id>_fuzz.sql" from the first "aurmig:revision <id>" in the input. */
static void make_basename(char out[64], const uint8_t *data, size_t size)
{
	static const char key[] = "aurmig:revision";
	const uint8_t *p = memmem(data, size, key, sizeof(key) - 1);
	size_t n = 0;

	snprintf(out, 64, "fuzz.sql");
	if (!p)
		return;
	p += sizeof(key) - 1;
	while (p < data + size && (*p == ' ' || *p == '\t'))
		p++;
	while (p + n < data + size && n < 40 && p[n] > ' ' && p[n] != '/')
		n++;
	if (n)
		snprintf(out, 64, "%.*s_fuzz.sql", (int)n, (const char *)p);
}

static void check_sections(aurmig_context *ctx, const aurmig_migration *m)
{
	for (int dir = AURMIG_UPGRADE; dir <= AURMIG_DOWNGRADE; dir++)
		for (int d = AURMIG_DIALECT_ANY; d <= AURMIG_DIALECT_PGSQL; d++) {
			int line = -1, rc;
			const char *sql = aurmig_migration_sql(m, dir, d, &line);
			aurmig__stmt *st = NULL;
			size_t n = 0, len;
			const char *why;

			FZ_CHECK(!sql == !aurmig_migration_has_section(m, dir, d));
			if (!sql)
				continue;
			FZ_CHECK(sql >= m->text && sql <= m->text + m->text_len);
			len = strlen(sql);
			FZ_CHECK(sql + len <= m->text + m->text_len);
			FZ_CHECK(line >= 2);
			check_config(ctx, m, sql, line);
			rc = aurmig__split(&st, &n, ctx, sql, len, d, m->path, line);
			if (rc)
				fz_check_error(ctx, rc);
			for (size_t i = 0; i < n; i++)
				FZ_CHECK(st[i].offset + st[i].len <= len && st[i].len > 0 && st[i].line >= line);
			if (!rc) {
				/* statements and hook lines, in order */
				aurmig__item *items = NULL;
				size_t ni = 0, stmts = 0;
				rc = aurmig__script_items(&items, &ni, ctx, sql, st, n);
				if (rc)
					fz_check_error(ctx, rc);
				for (size_t i = 0; i < ni; i++) {
					if (items[i].hook) {
						FZ_CHECK(aurmig__ident_valid(items[i].name, strlen(items[i].name), &why));
					} else {
						FZ_CHECK(items[i].stmt == stmts);
						stmts++;
					}
				}
				FZ_CHECK(rc || stmts == n);
				free(items);
			}
			free(st);
		}
}

/* The checksum as it was computed at load time before it became lazy (over
 * the text as read, before the parser put NULs into it): the lazy one must
 * give the same bytes. */
static void reference_checksum(char out[AURMIG__CHECKSUM_SIZE], const char *t, size_t len)
{
	struct sha256_ctx h;
	uint8_t digest[SHA256_DIGEST_SIZE];
	size_t pos = 0, blanks = 0;
	int first = 1;

	sha256_init(&h);
	while (pos < len) {
		const char *nl = memchr(t + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - t) : len, e = end;

		while (e > pos && (t[e - 1] == ' ' || t[e - 1] == '\t' || t[e - 1] == '\r' ||
				   t[e - 1] == '\f' || t[e - 1] == '\v'))
			e--;
		if (e == pos) {
			blanks++;
		} else {
			if (!first)
				sha256_update(&h, 1, (const uint8_t *)"\n");
			for (; blanks; blanks--)
				sha256_update(&h, 1, (const uint8_t *)"\n");
			sha256_update(&h, e - pos, (const uint8_t *)t + pos);
			first = 0;
		}
		pos = nl ? end + 1 : len;
	}
	sha256_digest(&h, sizeof(digest), digest);
	memcpy(out, "v1:", 3);
	aurmig__hex(out + 3, digest, sizeof(digest));
}

/* Parse; with allocs, count the parser's allocations (only), then check
 * the sections. */
static int parse(aurmig_context *ctx, const uint8_t *data, size_t size, const char *basename,
	unsigned long *allocs)
{
	aurmig_migration *m = NULL;
	char *text = fz_strndup(data, size);
	const char *why;
	int rc = aurmig__script_parse(&m, ctx, "fuzz/script.sql", basename, text, size);

	if (allocs) {
		*allocs = fz_allocs(ctx);
		aurmig__context_fail_alloc_at(ctx, 0);
	}
	if (rc) {
		FZ_CHECK(m == NULL);
		fz_check_error(ctx, rc);
		return rc;
	}
	FZ_CHECK(m != NULL);
	FZ_CHECK(aurmig__ident_valid(m->id, strlen(m->id), &why));
	{
		/* computed on first use, from the text the parser has cut into sections */
		char want[AURMIG__CHECKSUM_SIZE];
		const char *sum = aurmig__script_checksum(m);
		reference_checksum(want, (const char *)data, size);
		FZ_CHECK(sum && strlen(sum) == 67 && strncmp(sum, "v1:", 3) == 0);
		FZ_CHECK(strcmp(sum, want) == 0);
		FZ_CHECK(aurmig__script_checksum(m) == sum);
	}
	FZ_CHECK(m->message && m->create_date);
	FZ_CHECK(aurmig_migration_has_section(m, AURMIG_UPGRADE, AURMIG_DIALECT_SQLITE) ||
		aurmig_migration_has_section(m, AURMIG_UPGRADE, AURMIG_DIALECT_MYSQL) ||
		aurmig_migration_has_section(m, AURMIG_UPGRADE, AURMIG_DIALECT_PGSQL));
	for (size_t i = 0; i < m->down.n; i++)
		FZ_CHECK(aurmig__ident_valid(m->down.v[i], strlen(m->down.v[i]), &why));
	if (allocs)
		check_sections(ctx, m);
	aurmig__script_free(m);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	aurmig_context *ctx = fz_context();
	char basename[64];
	unsigned long n;
	int rc;

	make_basename(basename, data, size);
	fz_count_allocs(ctx);
	parse(ctx, data, size, basename, &n);
	/* the same input with one allocation failing: ENOMEM, nothing else */
	if (n) {
		aurmig__context_fail_alloc_at(ctx, fz_pick(data, size, n));
		rc = parse(ctx, data, size, basename, NULL);
		FZ_CHECK(rc == AURMIG_ENOMEM);
	}
	aurmig_context_free(ctx);
	return 0;
}
