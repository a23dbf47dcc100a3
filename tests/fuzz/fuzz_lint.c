/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: lint (lib/lint) of one migration script, for every dialect
 * and with the downgrades, with the tokenizer and rules over whatever the
 * sections hold; then the same input with one allocation failing, which
 * must give AURMIG_ENOMEM and nothing else. The file name is made to match
 * the script's revision header, so that inputs get past the name check.
 */
#include "fuzz_common.h"
#include "graph/script.h"
#include <aurmig/lint.h>

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

static int lint(aurmig_context *ctx, const aurmig_migration *m, int check)
{
	aurmig_lint_options *o = NULL;
	aurmig_lint_report *r = NULL;
	int rc;

	if ((rc = aurmig_lint_options_new(&o, ctx)) || (rc = aurmig_lint_options_set_check_down(o, 1)) ||
	    (rc = aurmig_lint_options_ignore(o, NULL, "P", "policy")) || (rc = aurmig_lint_report_new(&r, ctx)))
		goto out;
	rc = aurmig_lint_migration(r, m, o);
	if (!rc && check) {
		FZ_CHECK(aurmig_lint_report_severity_count(r, AURMIG_LINT_ERROR) +
			aurmig_lint_report_severity_count(r, AURMIG_LINT_WARNING) +
			aurmig_lint_report_severity_count(r, AURMIG_LINT_INFO) +
			aurmig_lint_report_suppressed_count(r) == aurmig_lint_report_count(r));
		for (size_t i = 0; i < aurmig_lint_report_count(r); i++) {
			const aurmig_lint_finding *f = aurmig_lint_report_at(r, i);
			const char *code = aurmig_lint_finding_code(f);
			FZ_CHECK(code && strlen(code) == 4);
			FZ_CHECK(aurmig_lint_finding_severity(f) >= AURMIG_LINT_INFO &&
				aurmig_lint_finding_severity(f) <= AURMIG_LINT_ERROR);
			FZ_CHECK(aurmig_lint_finding_line(f) >= 0 && (size_t)aurmig_lint_finding_line(f) <= m->text_len + 1);
			FZ_CHECK(aurmig_lint_finding_column(f) >= 0);
			FZ_CHECK(!strcmp(aurmig_lint_finding_file(f), m->path) && !strcmp(aurmig_lint_finding_revision(f), m->id));
			FZ_CHECK(*aurmig_lint_finding_message(f) && strlen(aurmig_lint_finding_statement(f)) <= 103);
			/* a P finding is covered by the configured ignore */
			FZ_CHECK(code[0] != 'P' || aurmig_lint_finding_suppressed(f));
			if (i > 0)
				FZ_CHECK(aurmig_lint_finding_line(aurmig_lint_report_at(r, i - 1)) <= aurmig_lint_finding_line(f));
		}
		FZ_CHECK(aurmig_error_last(ctx) == NULL || aurmig_error_last(ctx)->code == AURMIG_OK);
	}
out:
	if (rc)
		fz_check_error(ctx, rc);
	aurmig_lint_report_free(r);
	aurmig_lint_options_free(o);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	aurmig_context *ctx = fz_context();
	aurmig_migration *m = NULL;
	char basename[64];
	unsigned long n;
	int rc;

	make_basename(basename, data, size);
	if (aurmig__script_parse(&m, ctx, "fuzz/lint.sql", basename, fz_strndup(data, size), size) != AURMIG_OK) {
		aurmig_context_free(ctx);
		return 0;
	}
	fz_count_allocs(ctx);
	rc = lint(ctx, m, 1);
	n = fz_allocs(ctx);
	aurmig__context_fail_alloc_at(ctx, 0);
	/* the same with one allocation failing: ENOMEM (or, for an input lint
	 * refuses, that refusal before the failing allocation) */
	if (n) {
		int again;
		aurmig__context_fail_alloc_at(ctx, fz_pick(data, size, n));
		again = lint(ctx, m, 0);
		aurmig__context_fail_alloc_at(ctx, 0);
		FZ_CHECK(again == AURMIG_ENOMEM || (rc && again == rc));
	}
	aurmig__script_free(m);
	aurmig_context_free(ctx);
	return 0;
}
