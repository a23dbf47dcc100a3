/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Preconditions: `-- aurmig:assert QUERY` lines of the section a step runs,
 * each run before the step's first statement (inside the step's
 * transaction when it is atomic). A query passes when it returns no row, or
 * when the first column of every row it returns is true (not NULL, '', 0,
 * 'f' or 'false'); a second column, when there is one, says why in the
 * message. A failure is AURMIG_EASSERT: the step fails before its first
 * statement, so nothing of it ran and the journal row says "rolled-back"
 * with the message. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "run/plan_priv.h"
#include "run/verify_priv.h"

int aurmig__assert_true(const char *v)
{
	char *end;
	double d;

	if (!v || !*v || strcasecmp(v, "f") == 0 || strcasecmp(v, "false") == 0)
		return 0;
	d = strtod(v, &end);
	if (end != v && *end == '\0')
		return d != 0;
	return 1;
}

/* The query of an assert line [pos, end) into *q (NULL when the line is none). */
static int assert_query(aurmig_context *ctx, const char *t, size_t pos, size_t end, char **q)
{
	size_t p = pos;
	static const char key[] = "aurmig:assert";

	*q = NULL;
	while (p < end && (t[p] == ' ' || t[p] == '\t'))
		p++;
	if (end - p < 2 || t[p] != '-' || t[p + 1] != '-')
		return AURMIG_OK;
	p += 2;
	while (p < end && (t[p] == ' ' || t[p] == '\t'))
		p++;
	if (end - p <= sizeof(key) - 1 || memcmp(t + p, key, sizeof(key) - 1) != 0 ||
	    !isspace((unsigned char)t[p + sizeof(key) - 1]))
		return AURMIG_OK;
	p += sizeof(key) - 1;
	while (p < end && isspace((unsigned char)t[p]))
		p++;
	while (end > p && isspace((unsigned char)t[end - 1]))
		end--;
	if (end > p && t[end - 1] == ';')
		end--;
	if (end <= p)
		return AURMIG_OK;
	return (*q = aurmig__strndup(ctx, t + p, end - p)) ? AURMIG_OK : AURMIG_ENOMEM;
}

int aurmig__step_asserts(aurmig_plan *p, aurmig_step *s)
{
	const char *sql = s->sql;
	size_t len, pos = 0, lineno = 0;
	int first = 0, rc = AURMIG_OK;

	if (!sql || !s->mig)
		return AURMIG_OK;
	if (aurmig_migration_sql(s->mig, s->kind == AURMIG_STEP_UPGRADE ? AURMIG_UPGRADE : AURMIG_DOWNGRADE,
		    p->conn->dialect, &first) != sql)
		first = 0;
	len = strlen(sql);
	while (pos < len && !rc) {
		const char *nl = memchr(sql + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - sql) : len;
		char *q = NULL;

		if ((rc = assert_query(p->ctx, sql, pos, end, &q)))
			break;
		if (q) {
			aurmig__strv cells = { 0 };
			size_t ncols = 0, bad = (size_t)-1;
			int line = first ? first + (int)lineno : 0;

			rc = p->conn->ops->query_cells(p->conn, q, &cells, &ncols);
			if (rc) {
				char *why = aurmig__strdup(p->ctx, aurmig_error_last(p->ctx)->message);
				rc = aurmig__err_at(p->ctx, AURMIG_EASSERT, AURMIG_ERRCLASS_SCRIPT, s->mig->path, line,
					"%s of revision %s: the precondition on line %d could not be checked (%s): %s; "
					"nothing of it ran", s->kind == AURMIG_STEP_UPGRADE ? "upgrade" : "downgrade",
					s->mig->id, line, why ? why : "database error", q);
				free(why);
			} else {
				for (size_t r = 0; ncols && r * ncols < cells.n && bad == (size_t)-1; r++)
					if (!aurmig__assert_true(cells.v[r * ncols]))
						bad = r;
				if (bad != (size_t)-1) {
					const char *note = ncols > 1 ? cells.v[bad * ncols + 1] : NULL;
					rc = aurmig__err_at(p->ctx, AURMIG_EASSERT, AURMIG_ERRCLASS_SCRIPT, s->mig->path, line,
						"%s of revision %s refused: the precondition on line %d failed%s%s: %s; "
						"nothing of it ran", s->kind == AURMIG_STEP_UPGRADE ? "upgrade" : "downgrade",
						s->mig->id, line, note && *note ? ": " : "", note && *note ? note : "", q);
				}
			}
			aurmig__strv_clear(&cells);
			free(q);
		}
		lineno++;
		pos = end + 1;
	}
	return rc;
}
