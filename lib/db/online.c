/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MariaDB's ALTER algorithms, asked of the server (db/online.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "db/online.h"

const aurmig__alter_form aurmig__alter_forms[AURMIG__ALTER_NFORMS] = {
	{ "ALGORITHM=INSTANT", "INSTANT", "NONE" },
	{ "ALGORITHM=NOCOPY, LOCK=NONE", "NOCOPY", "NONE" },
	{ "ALGORITHM=INPLACE, LOCK=NONE", "INPLACE", "NONE" },
	{ "ALGORITHM=COPY, LOCK=NONE", "COPY", "NONE" },
	{ "ALGORITHM=INPLACE, LOCK=SHARED", "INPLACE", "SHARED" },
	{ "ALGORITHM=COPY", "COPY", "SHARED or EXCLUSIVE" },
};

/* Past blanks and comments (-- and # to the end of the line, C-style blocks) at p. */
static const char *skip_space(const char *p)
{
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if ((p[0] == '-' && p[1] == '-') || p[0] == '#') {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			p = e ? e + 2 : p + strlen(p);
		} else
			return p;
	}
}

/* A leading keyword (case-insensitive) at *p, skipping blanks before it. */
static int kw(const char **p, const char *w)
{
	const char *s = *p;
	size_t n = strlen(w);

	while (isspace((unsigned char)*s))
		s++;
	if (strncasecmp(s, w, n) != 0 || isalnum((unsigned char)s[n]) || s[n] == '_')
		return 0;
	*p = s + n;
	return 1;
}

/* A table name at p (bare or in backticks) into tb. */
static void table_at(const char *p, char *tb, size_t size)
{
	size_t n = 0;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '`')
		p++;
	while (n + 1 < size && (isalnum((unsigned char)*p) || *p == '_' || *p == '$'))
		tb[n++] = *p++;
	tb[n] = '\0';
}

/* The statement's kind; the table in tb. */
static int kind_of(const char *sql, char *tb, size_t size)
{
	const char *p;
	int k = 0;

	sql = skip_space(sql);   /* a comment before the statement is part of its text */
	p = sql;
	tb[0] = '\0';
	if (kw(&p, "ALTER") && (kw(&p, "ONLINE"), kw(&p, "IGNORE"), kw(&p, "TABLE")))
		k = AURMIG__ALTER_TABLE;
	else if ((p = sql, kw(&p, "CREATE")) && (kw(&p, "OR") ? kw(&p, "REPLACE") : 1) &&
		 (kw(&p, "UNIQUE") || kw(&p, "FULLTEXT") || kw(&p, "SPATIAL") || 1) && kw(&p, "INDEX"))
		k = AURMIG__ALTER_INDEX;
	else if ((p = sql, kw(&p, "DROP")) && kw(&p, "INDEX"))
		k = AURMIG__ALTER_INDEX;
	if (k == AURMIG__ALTER_TABLE) {
		if (kw(&p, "IF"))
			kw(&p, "EXISTS");
		table_at(p, tb, size);
	} else if (k == AURMIG__ALTER_INDEX) {
		/* ... ON table */
		const char *on = NULL;
		for (const char *q = p; *q && !on; q++)
			if ((q[0] == 'O' || q[0] == 'o') && (q[1] == 'N' || q[1] == 'n') && isspace((unsigned char)q[2]) &&
			    q > p && isspace((unsigned char)q[-1]))
				on = q + 2;
		if (on)
			table_at(on, tb, size);
	}
	return k;
}

static int names_clause(const char *sql)
{
	for (const char *p = sql; *p; p++)
		if ((p == sql || !isalnum((unsigned char)p[-1])) &&
		    (!strncasecmp(p, "ALGORITHM", 9) || !strncasecmp(p, "LOCK", 4)) &&
		    !isalnum((unsigned char)p[strncasecmp(p, "LOCK", 4) ? 9 : 4]))
			return 1;
	return 0;
}

/* An identifier at *p (bare or in backticks): its span, *p advanced. */
static int ident(const char **p, const char **s, size_t *n)
{
	const char *q = *p;

	while (isspace((unsigned char)*q))
		q++;
	if (*q == '`') {
		const char *e = strchr(q + 1, '`');
		if (!e)
			return 0;
		*s = q;
		*n = (size_t)(e + 1 - q);
		*p = e + 1;
		return 1;
	}
	*s = q;
	while (isalnum((unsigned char)*q) || *q == '_' || *q == '$' || *q == '.')
		q++;
	*n = (size_t)(q - *s);
	*p = q;
	return *n > 0;
}

/* MariaDB takes no ALGORITHM/LOCK on DROP INDEX ... ON t (a syntax error):
 * "DROP INDEX [IF EXISTS] i ON t" as "ALTER TABLE t DROP INDEX [IF EXISTS] i",
 * or NULL when it has more. */
static char *drop_index_as_alter(aurmig_context *ctx, const char *sql)
{
	const char *p = skip_space(sql), *is, *ts;
	size_t in, tn;
	int ifx;

	if (!kw(&p, "DROP") || !kw(&p, "INDEX"))
		return NULL;
	ifx = kw(&p, "IF") && kw(&p, "EXISTS");
	if (!ident(&p, &is, &in) || !kw(&p, "ON") || !ident(&p, &ts, &tn))
		return NULL;
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		return NULL;
	return aurmig__printf(ctx, "ALTER TABLE %.*s DROP INDEX %s%.*s", (int)tn, ts, ifx ? "IF EXISTS " : "", (int)in, is);
}

int aurmig__alter_prepare(aurmig__alter *a, aurmig_context *ctx, const char *sql, size_t len)
{
	char *base, *alt;
	size_t n = len;

	memset(a, 0, sizeof(*a));
	if (!(base = aurmig__strndup(ctx, sql, len)))
		return AURMIG_ENOMEM;
	/* trailing blanks and a trailing comment line would swallow a clause */
	for (;;) {
		char *nl, *t;
		while (n && isspace((unsigned char)base[n - 1]))
			base[--n] = '\0';
		nl = strrchr(base, '\n');
		t = nl ? nl + 1 : base;
		while (isspace((unsigned char)*t))
			t++;
		if (nl && (!strncmp(t, "--", 2) || *t == '#')) {
			*nl = '\0';
			n = (size_t)(nl - base);
			continue;
		}
		break;
	}
	if ((alt = drop_index_as_alter(ctx, base))) {
		free(base);
		base = alt;
	}
	a->sql = base;
	a->kind = kind_of(base, a->table, sizeof(a->table));
	a->own_clause = a->kind && names_clause(base);
	return AURMIG_OK;
}

void aurmig__alter_clear(aurmig__alter *a)
{
	free(a->sql);
	a->sql = NULL;
}

char *aurmig__alter_with(aurmig_context *ctx, const aurmig__alter *a, const aurmig__alter_form *f)
{
	size_t n = strlen(a->sql);
	char *q = aurmig__printf(ctx, "%s%s%s", a->sql, a->kind == AURMIG__ALTER_TABLE ? ", " : " ", f->clause);

	if (q && a->kind == AURMIG__ALTER_INDEX) {
		/* CREATE/DROP INDEX takes the options blank-separated: the commas go */
		char *w = q + n;
		for (const char *r = q + n; *r; r++)
			if (*r != ',')
				*w++ = *r;
		*w = '\0';
	}
	return q;
}

int aurmig__alter_refused(aurmig_context *ctx)
{
	const aurmig_error *e = aurmig_error_last(ctx);
	const char *m = e && e->message ? e->message : "";

	return strstr(m, "is not supported") != NULL || strstr(m, "not supported for this operation") != NULL;
}

int aurmig__alter_try(aurmig_conn *c, const aurmig__alter *a, const int *order, size_t n, int *accepted,
	char **refusal, int *syntax)
{
	int rc = AURMIG_OK;

	*accepted = -1;
	*refusal = NULL;
	*syntax = 0;
	for (size_t k = 0; k < n && k < AURMIG__ALTER_NFORMS; k++) {
		int i = order ? order[k] : (int)k;
		const aurmig__alter_form *f = &aurmig__alter_forms[i];
		char *q = aurmig__alter_with(c->ctx, a, f);
		const aurmig_error *e;

		if (!q) {
			rc = AURMIG_ENOMEM;
			break;
		}
		rc = c->ops->exec(c, q, NULL);
		free(q);
		if (rc == AURMIG_OK) {
			*accepted = i;
			break;
		}
		if (!aurmig__alter_refused(c->ctx)) {
			/* an error of the statement itself, or no such clause here */
			e = aurmig_error_last(c->ctx);
			*syntax = e && e->message && strstr(e->message, "SQL syntax") != NULL;
			break;
		}
		/* keep what the INPLACE form's refusal says (what remains), else the last */
		if (!*refusal || strcmp(f->algorithm, "COPY") != 0) {
			e = aurmig_error_last(c->ctx);
			free(*refusal);
			*refusal = aurmig__strdup(c->ctx, e && e->message ? e->message : "not supported");
		}
		rc = AURMIG_OK;
	}
	if (rc == AURMIG_OK && *accepted < 0) {
		/* the refusals changed nothing: no error is left behind */
		aurmig__err_clear(c->ctx);
	}
	if (rc) {
		free(*refusal);
		*refusal = NULL;
	}
	return rc;
}

void aurmig__alter_remains(const char *refusal, const char **algorithm, const char **lock)
{
	const char *t = refusal ? strstr(refusal, "Try ") : NULL;

	*algorithm = "COPY";
	*lock = "SHARED or EXCLUSIVE";
	if (!t)
		return;
	t += 4;
	if (!strncasecmp(t, "LOCK=SHARED", 11)) {
		*algorithm = "INPLACE";
		*lock = "SHARED";
	} else if (!strncasecmp(t, "LOCK=EXCLUSIVE", 14)) {
		*algorithm = "INPLACE";
		*lock = "EXCLUSIVE";
	}
}
