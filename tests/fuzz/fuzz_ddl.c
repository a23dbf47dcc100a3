/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: portable DDL (lib/schema/ddl_*.c). The input is one statement (the
 * splitter's job is fuzzed elsewhere). It is parsed; when it is portable
 * DDL it is rendered for MySQL and PostgreSQL, and for SQLite against a
 * model holding two tables (so ALTER TABLE reaches the rebuild code), and
 * the portable DDL that aurmig_schema_migration() writes between the model
 * before and after must parse again. Then the whole run is repeated with
 * one allocation failing, which must end in AURMIG_ENOMEM.
 */
#include "fuzz_common.h"
#include "schema/ddl.h"
#include "schema/schema.h"
#include "base/split.h"

static const char seed_parent[] =
	"CREATE TABLE p (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, code CHAR(4) NOT NULL UNIQUE)";
static const char seed_table[] =
	"CREATE TABLE t (\n"
	"  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,\n"
	"  p_id INT UNSIGNED NULL REFERENCES p (id) ON DELETE SET NULL,\n"
	"  name VARCHAR(32) NOT NULL DEFAULT 'x',\n"
	"  flag BOOLEAN NOT NULL DEFAULT FALSE,\n"
	"  at TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP,\n"
	"  amount DECIMAL(10,2) NULL,\n"
	"  UNIQUE KEY t_name (name, flag),\n"
	"  KEY t_at (at)\n"
	")";

static int seed(aurmig_context *ctx, aurmig_schema *m)
{
	const char *stmts[] = { seed_parent, seed_table };
	int rc = AURMIG_OK;

	for (size_t i = 0; i < 2 && !rc; i++) {
		aurmig__ddl *op = NULL;
		aurmig__strv v = { 0 };
		rc = aurmig__ddl_parse(&op, ctx, stmts[i], strlen(stmts[i]), "seed.sql", 1);
		if (!rc) {
			FZ_CHECK(op != NULL);
			rc = aurmig__ddl_render(&v, op, AURMIG_DIALECT_SQLITE, m, "seed.sql", 1);
		}
		aurmig__strv_clear(&v);
		aurmig__ddl_free(op);
	}
	return rc;
}

static int one(aurmig_context *ctx, const char *text, size_t len, int check)
{
	aurmig__ddl *op = NULL;
	aurmig_schema *before = NULL, *after = NULL;
	aurmig__strv v = { 0 };
	const char *gen = NULL;
	int rc;

	rc = aurmig__ddl_parse(&op, ctx, text, len, "fuzz.sql", 7);
	if (rc) {
		FZ_CHECK(op == NULL);
		fz_check_error(ctx, rc);
		FZ_CHECK(rc == AURMIG_ENOMEM || (aurmig_error_last(ctx)->line >= 7 &&
			strstr(aurmig_error_last(ctx)->message, "portable DDL") != NULL));
		return rc;
	}
	if (!op)
		return AURMIG_OK;   /* outside the subset: passes through */
	for (int d = AURMIG_DIALECT_MYSQL; d <= AURMIG_DIALECT_PGSQL && !rc; d++) {
		rc = aurmig__ddl_render(&v, op, d, NULL, "fuzz.sql", 7);
		if (!rc && check)
			for (size_t i = 0; i < v.n; i++)
				FZ_CHECK(v.v[i] && *v.v[i]);
		aurmig__strv_clear(&v);
	}
	if (rc) {
		/* MySQL and PostgreSQL render without a model: only memory can fail */
		FZ_CHECK(rc == AURMIG_ENOMEM);
		goto done;
	}
	if ((rc = aurmig__ddl_model_new(&before, ctx, AURMIG_DIALECT_SQLITE)) ||
	    (rc = aurmig__ddl_model_new(&after, ctx, AURMIG_DIALECT_SQLITE)) ||
	    (rc = seed(ctx, before)) || (rc = seed(ctx, after)))
		goto done;
	rc = aurmig__ddl_render(&v, op, AURMIG_DIALECT_SQLITE, after, "fuzz.sql", 7);
	aurmig__strv_clear(&v);
	if (rc) {
		fz_check_error(ctx, rc);
		goto done;
	}
	/* the portable DDL between the two models parses again */
	if ((rc = aurmig_schema_migration(&gen, after, before)))
		goto done;
	{
		/* split as a script would be (strings may hold ";\n") */
		aurmig__stmt *st = NULL;
		size_t nst = 0;
		rc = aurmig__split(&st, &nst, ctx, gen, strlen(gen), AURMIG_DIALECT_SQLITE, "generated.sql", 1);
		if (check && rc && rc != AURMIG_ENOMEM) {
			fprintf(stderr, "generated DDL does not split: %s\n%s\n", gen, aurmig_error_last(ctx)->message);
			abort();
		}
		for (size_t i = 0; i < nst && !rc; i++) {
			aurmig__ddl *back = NULL;
			rc = aurmig__ddl_parse(&back, ctx, gen + st[i].offset, st[i].len, "generated.sql", st[i].line);
			if (check && rc != AURMIG_ENOMEM && rc) {
				fprintf(stderr, "generated DDL does not parse: %.*s\n%s\n", (int)st[i].len, gen + st[i].offset,
					aurmig_error_last(ctx)->message);
				abort();
			}
			aurmig__ddl_free(back);
		}
		free(st);
	}
done:
	aurmig_schema_free(before);
	aurmig_schema_free(after);
	aurmig__ddl_free(op);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	aurmig_context *ctx;
	char *text;
	unsigned long n;

	if (size > 65536)
		return 0;
	text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);   /* no NUL: a read past the end is caught */
	ctx = fz_context();
	fz_count_allocs(ctx);
	one(ctx, text, size, 1);
	n = fz_allocs(ctx);
	if (n && getenv("AURMIG_FUZZ_EVERY_ALLOC")) {
		/* debugging: every allocation point in turn */
		for (unsigned long k = 1; k <= n; k++) {
			int rc;
			aurmig__context_fail_alloc_at(ctx, k);
			if ((rc = one(ctx, text, size, 0)) != AURMIG_ENOMEM) {
				fprintf(stderr, "allocation %lu of %lu failing: rc %d: %s\n", k, n, rc,
					aurmig_error_last(ctx)->message);
				abort();
			}
		}
	} else if (n) {
		int rc;
		aurmig__context_fail_alloc_at(ctx, fz_pick(data, size, n));
		rc = one(ctx, text, size, 0);
		FZ_CHECK(rc == AURMIG_ENOMEM);
	}
	aurmig_context_free(ctx);
	free(text);
	return 0;
}
