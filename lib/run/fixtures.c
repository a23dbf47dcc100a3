/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Data fixtures of `aurmig test` (docs/verify.md#data-fixtures): the file
 * tests/<revision>.sql beside the scripts. Lines after
 * `-- aurmig:fixture before [DIALECT]` are statements run on the scratch
 * database before the revision's upgrade; lines after
 * `-- aurmig:expect [DIALECT]` are queries run after it, each of which must
 * return no row or a true first column in every row (as a precondition;
 * a second column is the message). A section with a dialect is for that
 * backend only. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/plan_priv.h"
#include "run/verify_priv.h"
#include "base/split.h"

void aurmig__fixture_free(aurmig__fixture *f)
{
	free(f->path);
	free(f->before);
	free(f->expect);
	memset(f, 0, sizeof(*f));
}

static int dialect_word(const char *w, size_t n)
{
	return aurmig__dialect_from_name(w, n);   /* the dialect table's names and aliases */
}

/* A marker line: 1 before, 2 expect (*dialect 0 for all, -1 unknown), 0 none. */
static int marker(const char *t, size_t len, int *dialect)
{
	size_t p = 0, w;
	int kind;

	*dialect = 0;
	while (p < len && (t[p] == ' ' || t[p] == '\t'))
		p++;
	if (len - p < 2 || t[p] != '-' || t[p + 1] != '-')
		return 0;
	p += 2;
	while (p < len && (t[p] == ' ' || t[p] == '\t'))
		p++;
	if (len - p >= 21 && memcmp(t + p, "aurmig:fixture before", 21) == 0)
		kind = 1, p += 21;
	else if (len - p >= 13 && memcmp(t + p, "aurmig:expect", 13) == 0)
		kind = 2, p += 13;
	else
		return 0;
	if (p < len && !isspace((unsigned char)t[p]))
		return 0;
	while (p < len && isspace((unsigned char)t[p]))
		p++;
	for (w = p; w < len && !isspace((unsigned char)t[w]); w++)
		;
	if (w > p)
		*dialect = dialect_word(t + p, w - p);
	return kind;
}

int aurmig__fixture_load(aurmig__fixture *f, aurmig_context *ctx, const aurmig_migration *m, int dialect)
{
	const char *slash = strrchr(m->path, '/');
	aurmig__buf before, expect;
	FILE *in;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int section = 0, mine = 0, rc = AURMIG_OK;

	memset(f, 0, sizeof(*f));
	f->path = slash ? aurmig__printf(ctx, "%.*s/tests/%s.sql", (int)(slash - m->path), m->path, m->id)
			: aurmig__printf(ctx, "tests/%s.sql", m->id);
	if (!f->path)
		return AURMIG_ENOMEM;
	if (!(in = fopen(f->path, "r"))) {
		if (errno == ENOENT)
			return AURMIG_OK;
		rc = aurmig__err_at(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, f->path, 0, "cannot read %s: %s", f->path,
			strerror(errno));
		aurmig__fixture_free(f);
		return rc;
	}
	f->found = 1;
	aurmig__buf_init(&before, ctx);
	aurmig__buf_init(&expect, ctx);
	/* every line of the file in both texts (blank where it is not theirs),
	 * so that statements keep the file's line numbers */
	while ((n = getline(&line, &cap, in)) >= 0) {
		size_t len = (size_t)n;
		int d, k;
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if ((k = marker(line, len, &d))) {
			if (d < 0) {
				rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, f->path, (int)lineno,
					"%s:%zu: unknown dialect (sqlite, mysql, pgsql)", f->path, lineno);
				break;
			}
			section = k;
			mine = d == 0 || d == dialect;
			aurmig__buf_puts(&before, "\n");
			aurmig__buf_puts(&expect, "\n");
			continue;
		}
		if (section == 1 && mine)
			aurmig__buf_add(&before, line, len);
		aurmig__buf_puts(&before, "\n");
		if (section == 2 && mine)
			aurmig__buf_add(&expect, line, len);
		aurmig__buf_puts(&expect, "\n");
	}
	free(line);
	fclose(in);
	f->before = aurmig__buf_detach(&before);
	f->expect = aurmig__buf_detach(&expect);
	if (!rc && (!f->before || !f->expect))
		rc = AURMIG_ENOMEM;
	if (rc)
		aurmig__fixture_free(f);
	return rc;
}

/* The statements of a text, one call each: exec (0) or expect (1). */
static int each(aurmig_conn *c, aurmig__fixture *f, const char *text, int check, size_t *count, char **failure)
{
	aurmig__stmt *st = NULL;
	size_t n = 0;
	int rc;

	*count = 0;
	if ((rc = aurmig__split(&st, &n, c->ctx, text, strlen(text), c->dialect, f->path, 1)))
		return rc;
	for (size_t k = 0; k < n && !rc && !*failure; k++) {
		char *q = aurmig__strndup(c->ctx, text + st[k].offset, st[k].len);
		aurmig__strv cells = { 0 };
		size_t ncols = 0;
		if (!q) {
			rc = AURMIG_ENOMEM;
			break;
		}
		rc = check ? c->ops->query_cells(c, q, &cells, &ncols) : c->ops->exec(c, q, NULL);
		if (rc && rc != AURMIG_ENOMEM) {
			*failure = aurmig__printf(c->ctx, "%s:%d: the %s failed: %s: %s", f->path, st[k].line,
				check ? "expectation" : "fixture statement", aurmig_error_last(c->ctx)->message, q);
			rc = *failure ? AURMIG_OK : AURMIG_ENOMEM;
		} else if (!rc && check) {
			for (size_t r = 0; ncols && r * ncols < cells.n; r++)
				if (!aurmig__assert_true(cells.v[r * ncols])) {
					const char *note = ncols > 1 ? cells.v[r * ncols + 1] : NULL;
					*failure = aurmig__printf(c->ctx, "%s:%d: the expectation does not hold%s%s: %s",
						f->path, st[k].line, note && *note ? ": " : "", note && *note ? note : "", q);
					if (!*failure)
						rc = AURMIG_ENOMEM;
					break;
				}
		}
		(*count)++;
		aurmig__strv_clear(&cells);
		free(q);
	}
	free(st);
	return rc;
}

int aurmig__fixture_before(aurmig_conn *c, aurmig__fixture *f, char **failure)
{
	*failure = NULL;
	return each(c, f, f->before, 0, &f->nbefore, failure);
}

int aurmig__fixture_expect(aurmig_conn *c, aurmig__fixture *f, char **failure)
{
	*failure = NULL;
	return each(c, f, f->expect, 1, &f->nexpect, failure);
}
