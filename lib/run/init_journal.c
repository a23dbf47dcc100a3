/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A journalled init. Where DDL commits by itself (MySQL/MariaDB) init runs
 * like a non-atomic step: a "running" journal row (operation 'init') before
 * the first statement of the head schema, its progress after each one, and
 * "success" in the transaction that stamps the version table. A killed or
 * failed init thus leaves a row that blocks every run (the recovery gate)
 * and says what happened; `aurmig init` run again finds it, and when every
 * table of the database is one the schema file creates (or the journal or
 * the version table) and holds no rows, drops them and builds the schema
 * anew. Anything else it refuses to touch.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/journal.h"
#include "run/init_priv.h"

#define INIT_ROWS "operation = 'init' AND outcome IN ('" AURMIG__J_RUNNING "', '" AURMIG__J_FAILED "')"

int aurmig__init_journal_begin(aurmig_conn *c, const char *run_id, const char *revision, const aurmig__strv *to,
	long total)
{
	aurmig__jentry e = { 0 };
	aurmig__strv none = { 0 };
	int rc;

	if ((rc = aurmig__journal_ensure(c)))
		return rc;
	e.run_id = run_id;
	e.seq = 0;
	e.revision = revision;
	e.operation = "init";
	e.from = &none;
	e.to = to;
	e.checksum = NULL;   /* the per-revision rows record the checksums */
	e.total = total;
	e.done = 0;
	e.outcome = AURMIG__J_RUNNING;
	e.atomic = 0;
	return aurmig__journal_insert(c, &e);
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* Skip blanks and comments. */
static size_t skip(const char *s, size_t i, size_t len)
{
	for (;;) {
		while (i < len && is_blank(s[i]))
			i++;
		if (i + 1 < len && s[i] == '-' && s[i + 1] == '-') {
			while (i < len && s[i] != '\n')
				i++;
		} else if (i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
			for (i += 2; i + 1 < len && !(s[i] == '*' && s[i + 1] == '/'); i++)
				;
			i = i + 1 < len ? i + 2 : len;
		} else {
			return i;
		}
	}
}

/* The next word is w (case-insensitive)? Then step over it. */
static int word(const char *s, size_t *i, size_t len, const char *w)
{
	size_t n = strlen(w), j = skip(s, *i, len);

	if (j + n > len || strncasecmp(s + j, w, n) != 0 ||
	    (j + n < len && (s[j + n] == '_' || (s[j + n] >= '0' && s[j + n] <= '9') ||
	    ((s[j + n] | 0x20) >= 'a' && (s[j + n] | 0x20) <= 'z'))))
		return 0;
	*i = j + n;
	return 1;
}

/* One identifier (plain, "quoted", `quoted`, [quoted]) into out. */
static int ident(const char *s, size_t *i, size_t len, char *out, size_t outsz)
{
	size_t j = skip(s, *i, len), k = 0;
	char close = s[j] == '"' ? '"' : s[j] == '`' ? '`' : s[j] == '[' ? ']' : 0;

	if (j >= len)
		return 0;
	if (close) {
		for (j++; j < len && s[j] != close && k + 1 < outsz; j++)
			out[k++] = s[j];
		if (j >= len || s[j] != close)
			return 0;
		j++;
	} else {
		while (j < len && k + 1 < outsz && (s[j] == '_' || s[j] == '$' || (s[j] >= '0' && s[j] <= '9') ||
		       ((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z') || (unsigned char)s[j] >= 0x80))
			out[k++] = s[j++];
	}
	out[k] = '\0';
	*i = j;
	return k > 0;
}

/* The table a CREATE TABLE statement creates (last part of a qualified name), or 0. */
static int created_table(const char *s, size_t len, char *out, size_t outsz)
{
	size_t i = 0;

	if (!word(s, &i, len, "CREATE"))
		return 0;
	(void)(word(s, &i, len, "TEMPORARY") || word(s, &i, len, "TEMP") || word(s, &i, len, "UNLOGGED"));
	if (!word(s, &i, len, "TABLE"))
		return 0;
	if (word(s, &i, len, "IF") && !(word(s, &i, len, "NOT") && word(s, &i, len, "EXISTS")))
		return 0;
	if (!ident(s, &i, len, out, outsz))
		return 0;
	while (i < len && s[i] == '.')
		if (!(i++, ident(s, &i, len, out, outsz)))
			return 0;
	return 1;
}

static void quote_ident(aurmig__buf *b, int dialect, const char *name)
{
	char q = aurmig__dialect_of(dialect)->ident_quote;

	aurmig__buf_add(b, &q, 1);
	for (const char *p = name; *p; p++) {
		aurmig__buf_add(b, p, 1);
		if (*p == q)
			aurmig__buf_add(b, p, 1);
	}
	aurmig__buf_add(b, &q, 1);
}

/* Whether table holds a row. */
static int has_rows(aurmig_conn *c, const char *table, int *yes)
{
	aurmig__strv rows = { 0 };
	aurmig__buf b;
	char *sql;
	int rc;

	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_puts(&b, "SELECT 1 FROM ");
	quote_ident(&b, c->dialect, table);
	aurmig__buf_puts(&b, " LIMIT 1");
	if (!(sql = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	rc = c->ops->query(c, sql, &rows);
	free(sql);
	*yes = rows.n > 0;
	aurmig__strv_clear(&rows);
	return rc;
}

int aurmig__init_leftovers(aurmig_conn *c, const char *path, const char *text, const aurmig__stmt *st, size_t n,
	aurmig__strv *tables, int *recovered)
{
	aurmig__jrows rows = { 0 };
	int rc = AURMIG_OK, exists = 0;
	const aurmig__jrow *j;

	*recovered = 0;
	for (size_t i = 0; i < tables->n && !exists; i++)
		exists = !strcasecmp(tables->v[i], c->journal_table);
	if (!exists || (rc = aurmig__journal_read(c, INIT_ROWS, &rows)) || !rows.n)
		goto done;
	j = &rows.v[rows.n - 1];
	/* every table must be init's own: named by a CREATE TABLE of the file,
	 * or the journal, or the version table; and hold no rows */
	for (size_t t = 0; t < tables->n && !rc; t++) {
		const char *name = tables->v[t];
		int own = !strcasecmp(name, c->journal_table), full = 0;
		char made[256];
		if (own)
			continue;
		own = !strcasecmp(name, c->version_table);
		for (size_t i = 0; i < n && !own; i++)
			own = created_table(text + st[i].offset, st[i].len, made, sizeof(made)) && !strcasecmp(made, name);
		if (!own) {
			rc = aurmig__err(c->ctx, AURMIG_ERECOVERY, AURMIG_ERRCLASS_DB,
				"an earlier init (pid %ld on %s, started %s) stopped at statement %ld of %ld, and the "
				"database also holds table %s, which %s does not create: init touches only its own "
				"tables; drop the database's tables by hand, then run 'aurmig init' again",
				j->pid, j->host, j->started_at, j->done + 1, j->total, name, path);
			break;
		}
		if ((rc = has_rows(c, name, &full)))
			break;
		if (full)
			rc = aurmig__err(c->ctx, AURMIG_ERECOVERY, AURMIG_ERRCLASS_DB,
				"an earlier init (pid %ld on %s, started %s) stopped at statement %ld of %ld, and table %s, "
				"which it created, now holds rows: init does not drop data; empty or drop it by hand, "
				"then run 'aurmig init' again", j->pid, j->host, j->started_at, j->done + 1, j->total, name);
	}
	if (rc)
		goto done;
	aurmig__log(c->ctx, AURMIG_LOG_WARNING, "an earlier init (pid %ld on %s, started %s) stopped at statement "
		"%ld of %ld; dropping the %zu empty table(s) it created and building the schema anew", j->pid, j->host,
		j->started_at, j->done + 1, j->total, tables->n - 1);
	if (c->dialect == AURMIG_DIALECT_MYSQL && (rc = c->ops->exec(c, "SET FOREIGN_KEY_CHECKS = 0", NULL)))
		goto done;
	for (size_t t = 0; t < tables->n && !rc; t++) {
		aurmig__buf b;
		if (!strcasecmp(tables->v[t], c->journal_table))
			continue;
		aurmig__buf_init(&b, c->ctx);
		aurmig__buf_puts(&b, "DROP TABLE ");
		quote_ident(&b, c->dialect, tables->v[t]);
		if (c->dialect == AURMIG_DIALECT_PGSQL)
			aurmig__buf_puts(&b, " CASCADE");
		rc = aurmig__db_exec_buf(c, &b);
	}
	if (c->dialect == AURMIG_DIALECT_MYSQL) {
		aurmig__err_hold(c->ctx);
		c->ops->exec(c, "SET FOREIGN_KEY_CHECKS = 1", NULL);
		aurmig__err_release(c->ctx);
	}
	for (size_t r = 0; r < rows.n && !rc; r++)
		rc = aurmig__journal_set_outcome(c, rows.v[r].run_id, rows.v[r].seq, AURMIG__J_RESOLVED,
			rows.v[r].outcome);
	if (!rc) {
		/* the journal stays: it is init's own */
		for (size_t t = tables->n; t-- > 0;)
			if (strcasecmp(tables->v[t], c->journal_table))
				aurmig__strv_remove_at(tables, t);
		*recovered = 1;
	}
done:
	aurmig__journal_rows_clear(&rows);
	return rc;
}

int aurmig__init_blocked(aurmig_conn *c, const aurmig__jrow *j)
{
	int died = strcmp(j->outcome, AURMIG__J_RUNNING) == 0;

	aurmig__err(c->ctx, AURMIG_ERECOVERY, AURMIG_ERRCLASS_DB,
		"aurmig init %s at statement %ld of %ld of the head schema (revision %s), run by pid %ld on %s "
		"as %s, started %s%s%s.\nThe database holds part of the head schema and no version row; every run "
		"refuses until this is resolved (upgrade would replay the history over the half-built schema). "
		"Run one of:\n"
		"  aurmig init\n      drop the tables the interrupted init created (when the database holds "
		"only those, empty) and build the schema anew\n"
		"  drop the database's tables by hand, then aurmig init",
		died ? "was interrupted (the process died)" : "failed", j->done + 1, j->total, j->revision, j->pid,
		j->host, *j->os_user ? j->os_user : "?", j->started_at, *j->error ? ": " : "", j->error);
	return AURMIG_ERECOVERY;
}
