/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Offline SQL: the model follows plain (per-dialect) statements too. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "schema/ddl.h"
#include "schema/ddl_priv.h"
#include "schema/schema.h"

/* Does text (after blanks) start with the words of kw (case-insensitive,
 * single blanks in kw match any run of blanks)? Returns the length matched
 * or 0. */
static size_t words(const char *text, size_t len, const char *kw)
{
	size_t i = 0;

	while (i < len && isspace((unsigned char)text[i]))
		i++;
	for (; *kw; kw++) {
		if (*kw == ' ') {
			if (i >= len || !isspace((unsigned char)text[i]))
				return 0;
			while (i < len && isspace((unsigned char)text[i]))
				i++;
			continue;
		}
		if (i >= len || tolower((unsigned char)text[i]) != tolower((unsigned char)*kw))
			return 0;
		i++;
	}
	return i < len && (isspace((unsigned char)text[i]) || text[i] == '"' || text[i] == '`') ? i : 0;
}

int aurmig__ddl_model_follow(aurmig_schema *m, aurmig_context *ctx, const char *sql, size_t len)
{
	static const char *const creates[] = { "CREATE TABLE", "CREATE INDEX", "CREATE UNIQUE INDEX" };
	aurmig__ddl *op = NULL;
	aurmig__strv out = { 0 };
	char *text = NULL;
	size_t n;
	int ine = 0, rc;

	/* the portable subset has no IF NOT EXISTS: drop it, and leave a table
	 * the model has alone */
	for (size_t k = 0; k < sizeof(creates) / sizeof(creates[0]); k++) {
		size_t a = words(sql, len, creates[k]), b;
		if (a && (b = words(sql + a, len - a, "IF NOT EXISTS"))) {
			if (!(text = aurmig__calloc(ctx, 1, len + 1)))
				return AURMIG_ENOMEM;
			memcpy(text, sql, a);
			memcpy(text + a, sql + a + b, len - a - b);
			len -= b;
			ine = 1;
			break;
		}
	}
	n = len;
	aurmig__err_hold(ctx);
	rc = aurmig__ddl_parse_names(&op, ctx, text ? text : sql, n, NULL, 0, 1);
	if (!rc && op && op->kind == OP_CREATE_TABLE) {
		/* an unnamed UNIQUE constraint: as SQLite's catalogue names it
		 * (sqlite_autoindex_T_N), as the live model reads it */
		for (size_t i = 0, k = 0; i < op->def.nidx; i++) {
			sindex *ix = &op->def.idx[i];
			if (ix->name)
				continue;
			if (!(ix->name = aurmig__printf(ctx, "sqlite_autoindex_%s_%zu", op->table, ++k))) {
				rc = AURMIG_ENOMEM;
				break;
			}
			ix->auto_named = 1;
		}
	}
	if (!rc && op && !(ine && op->kind == OP_CREATE_TABLE && aurmig__ddl_model_table(m, op->table)))
		rc = aurmig__ddl_render(&out, op, m->dialect, m, NULL, 0);
	aurmig__err_release(ctx);
	aurmig__strv_clear(&out);
	aurmig__ddl_free(op);
	free(text);
	/* errors were held: only running out of memory is ours to report */
	return rc == AURMIG_ENOMEM ? aurmig__oom(ctx) : AURMIG_OK;
}
