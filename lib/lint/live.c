/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lint --live (docs/lint.md, "Live"): what the target database says about
 * the tables a revision changes. Read-only and bounded: each query runs in
 * a read-only transaction (MariaDB START TRANSACTION READ ONLY, PostgreSQL
 * BEGIN READ ONLY; SQLite PRAGMA query_only), rolled back at once so no
 * metadata lock stays held, with the time left of the whole budget as its
 * statement timeout (MariaDB SET STATEMENT max_statement_time, PostgreSQL
 * SET LOCAL statement_timeout; SQLite has none: its tables are counted). A table's
 * size (rows, bytes) is read once per run; the rules about existing rows
 * (M101-M106) count the rows that would fail the change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/tok.h"
#include "db/db.h"
#include "schema/schema.h"

/* Rows counted exactly up to this (beyond: the server's estimate). */
#define LIVE_EXACT 100000LL

typedef struct live_table {
	char *key;          /* lower case, as lint names it */
	char *name;         /* as the database spells it */
	int state;          /* 1 found, 0 not in the database, -1 not known (why) */
	long long rows, bytes;   /* bytes -1 when not known */
	int estimate;       /* rows is the server's estimate (or "at least" on SQLite) */
	char why[200];
} live_table;

struct aurmig__lint_live {
	aurmig_conn *conn;
	long timeout_ms;
	long start_ms;      /* the first query's time; 0 before it */
	live_table *t;
	size_t nt;
};

int aurmig__lint_live_new(aurmig__lint_live **out, aurmig_context *ctx, aurmig_conn *conn, long timeout_ms)
{
	aurmig__lint_live *L = aurmig__calloc(ctx, 1, sizeof(*L));

	*out = NULL;
	if (!L)
		return AURMIG_ENOMEM;
	L->conn = aurmig__conn_ref(conn);
	L->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
	*out = L;
	return AURMIG_OK;
}

void aurmig__lint_live_free(aurmig__lint_live *L)
{
	if (!L)
		return;
	for (size_t i = 0; i < L->nt; i++) {
		free(L->t[i].key);
		free(L->t[i].name);
	}
	free(L->t);
	aurmig_conn_free(L->conn);
	free(L);
}

int aurmig__lint_live_dialect(const aurmig__lint_live *L)
{
	return L ? L->conn->dialect : -1;
}

/* The message of the last error, cut short and on one line. */
static void error_text(aurmig_context *ctx, char *out, size_t n)
{
	const aurmig_error *e = aurmig_error_last(ctx);
	const char *m = e && e->message ? e->message : "unknown error";

	snprintf(out, n, "%.150s", m);
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

/*
 * Run one SELECT read-only, bounded by what is left of the budget: every
 * cell in cells. 0 done; 1 not known (why says why; no error left behind);
 * AURMIG_ENOMEM.
 */
static int live_query(aurmig__lint_live *L, aurmig_context *ctx, const char *sql, aurmig__strv *cells, size_t *ncols,
	char *why, size_t wn)
{
	aurmig_conn *c = L->conn;
	long now = aurmig__now_ms(), left;
	const char *pre, *post;
	char *q = NULL, *bound = NULL;
	int rc;

	if (!L->start_ms)
		L->start_ms = now ? now : 1;
	left = L->timeout_ms - (now - L->start_ms);
	if (left <= 0) {
		snprintf(why, wn, "the --live-timeout of %.1f s is used up", (double)L->timeout_ms / 1000.0);
		return 1;
	}
	switch (c->dialect) {
	case AURMIG_DIALECT_MYSQL:
		pre = "START TRANSACTION READ ONLY";
		post = "ROLLBACK";
		q = aurmig__printf(ctx, "SET STATEMENT max_statement_time = %.3f FOR %s", (double)left / 1000.0, sql);
		break;
	case AURMIG_DIALECT_PGSQL:
		pre = "BEGIN READ ONLY";
		post = "ROLLBACK";
		bound = aurmig__printf(ctx, "SET LOCAL statement_timeout = %ld", left);
		q = aurmig__strdup(ctx, sql);
		break;
	default:
		pre = "PRAGMA query_only = 1";
		post = "PRAGMA query_only = 0";
		q = aurmig__strdup(ctx, sql);
	}
	if (!q || (c->dialect == AURMIG_DIALECT_PGSQL && !bound)) {
		free(q);
		free(bound);
		return AURMIG_ENOMEM;
	}
	rc = c->ops->exec(c, pre, NULL);
	if (!rc && bound)
		rc = c->ops->exec(c, bound, NULL);
	if (!rc)
		rc = c->ops->query_cells(c, q, cells, ncols);
	if (rc == AURMIG_ENOMEM) {
		c->ops->exec(c, post, NULL);
		free(q);
		free(bound);
		return rc;
	}
	if (rc) {
		const aurmig_error *e = aurmig_error_last(ctx);
		char msg[160];
		error_text(ctx, msg, sizeof(msg));
		if (aurmig__db_wait_kind(c->dialect, e->db_code, e->message) == AURMIG__WAIT_STATEMENT)
			snprintf(why, wn, "the query ran past the %.1f s left of --live-timeout", (double)left / 1000.0);
		else if (strstr(msg, "denied") || strstr(msg, "permission"))
			snprintf(why, wn, "no privilege to read it (%s)", msg);
		else
			snprintf(why, wn, "the database refused the query (%s)", msg);
		aurmig__strv_clear(cells);
		rc = 1;
	}
	c->ops->exec(c, post, NULL);
	aurmig__err_clear(ctx);
	free(q);
	free(bound);
	return rc;
}

static long long cell_ll(const aurmig__strv *cells, size_t i)
{
	return i < cells->n && cells->v[i][0] ? strtoll(cells->v[i], NULL, 10) : -1;
}

/* One number from sql: 0 and *n; 1 not known (why); AURMIG_ENOMEM. */
static int live_count(aurmig__lint_live *L, aurmig_context *ctx, aurmig__buf *b, long long *n, long long *n2, char *why,
	size_t wn)
{
	aurmig__strv cells = { 0 };
	size_t ncols = 0;
	char *sql = aurmig__buf_detach(b);
	int rc;

	if (!sql)
		return AURMIG_ENOMEM;
	rc = live_query(L, ctx, sql, &cells, &ncols, why, wn);
	free(sql);
	if (!rc) {
		*n = cell_ll(&cells, 0);
		if (n2)
			*n2 = cell_ll(&cells, 1);
		if (*n < 0) {
			snprintf(why, wn, "the database returned no count");
			rc = 1;
		}
	}
	aurmig__strv_clear(&cells);
	return rc;
}

/* The table `key` (lower case) as the database knows it, read once. NULL: out of memory. */
static live_table *lookup(aurmig__lint_live *L, aurmig_context *ctx, const char *key, int *nomem)
{
	aurmig_conn *c = L->conn;
	live_table *t, *v;
	aurmig__buf b;
	aurmig__strv cells = { 0 };
	size_t ncols = 0;
	char *sql;
	int rc;

	for (size_t i = 0; i < L->nt; i++)
		if (!strcmp(L->t[i].key, key))
			return &L->t[i];
	if (!(v = aurmig__reallocarray(ctx, L->t, L->nt + 1, sizeof(*v)))) {
		*nomem = 1;
		return NULL;
	}
	L->t = v;
	t = &v[L->nt];
	memset(t, 0, sizeof(*t));
	t->bytes = -1;
	t->state = -1;
	if (!(t->key = aurmig__strdup(ctx, key))) {
		*nomem = 1;
		return NULL;
	}
	L->nt++;
	aurmig__buf_init(&b, ctx);
	if (c->dialect == AURMIG_DIALECT_MYSQL)
		aurmig__buf_puts(&b, "SELECT TABLE_NAME, TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES "
			"WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND LOWER(TABLE_NAME) = ");
	else if (c->dialect == AURMIG_DIALECT_PGSQL)
		aurmig__buf_puts(&b, "SELECT c.relname, CAST(c.reltuples AS BIGINT), pg_total_relation_size(c.oid) "
			"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') "
			"AND n.nspname = current_schema() AND lower(c.relname) = ");
	else
		aurmig__buf_puts(&b, "SELECT name, NULL, NULL FROM sqlite_master WHERE type = 'table' AND lower(name) = ");
	aurmig__db_quote(&b, c->dialect, key);
	if (!(sql = aurmig__buf_detach(&b))) {
		*nomem = 1;
		return NULL;
	}
	rc = live_query(L, ctx, sql, &cells, &ncols, t->why, sizeof(t->why));
	free(sql);
	if (rc == AURMIG_ENOMEM) {
		*nomem = 1;
		return NULL;
	}
	if (rc)
		return t;
	if (cells.n < 3 || ncols < 3) {
		aurmig__strv_clear(&cells);
		t->state = 0;
		snprintf(t->why, sizeof(t->why), "table %s is not in the database", key);
		return t;
	}
	if (!(t->name = aurmig__strdup(ctx, cells.v[0]))) {
		aurmig__strv_clear(&cells);
		*nomem = 1;
		return NULL;
	}
	t->rows = cell_ll(&cells, 1);
	t->bytes = cell_ll(&cells, 2);
	aurmig__strv_clear(&cells);
	t->estimate = 1;
	if (t->rows < LIVE_EXACT) {
		/* small (or never analysed: PostgreSQL says -1): count, capped */
		long long cap = LIVE_EXACT, n = -1;
		aurmig__buf_init(&b, ctx);
		if (c->dialect == AURMIG_DIALECT_SQLITE) {
			/* every row: libdbd-sqlite3 leaks on a FROM (subquery) */
			aurmig__buf_puts(&b, "SELECT COUNT(*) FROM ");
			aurmig__schema_put_ident(&b, c->dialect, t->name);
		} else {
			aurmig__buf_puts(&b, "SELECT COUNT(*) FROM (SELECT 1 FROM ");
			aurmig__schema_put_ident(&b, c->dialect, t->name);
			aurmig__buf_printf(&b, " LIMIT %lld) aurmig_n", cap + 1);
		}
		rc = live_count(L, ctx, &b, &n, NULL, t->why, sizeof(t->why));
		if (rc == AURMIG_ENOMEM) {
			*nomem = 1;
			return NULL;
		}
		if (rc)
			return t;   /* state -1, why set */
		if (n <= cap || c->dialect == AURMIG_DIALECT_SQLITE)
			t->rows = n, t->estimate = 0;
		else if (t->rows < n)
			t->rows = n;   /* at least */
	}
	t->state = 1;
	return t;
}

/* ---------------------------------------------------------------- sizes */

int aurmig__lint_live_size(aurmig__lint_scope *s, const char *table, long long *rows, long long *bytes, int *estimate)
{
	aurmig__lint_live *L = s->opts ? s->opts->live : NULL;
	live_table *t;
	int nomem = 0;

	if (!L || L->conn->dialect != s->dialect || !table || !*table || !existing(s, table) ||
	    aurmig__strv_contains(&s->dropped, table))
		return 0;
	if (!(t = lookup(L, s->ctx, table, &nomem))) {
		if (nomem)
			s->rc = AURMIG_ENOMEM;
		return 0;
	}
	if (t->state != 1)
		return 0;
	*rows = t->rows;
	*bytes = t->bytes;
	*estimate = t->estimate;
	return 1;
}

/* ---------------------------------------------------------------- counts */

/* An identifier token as the statement wrote it. */
static void put_tok(aurmig__buf *b, int dialect, const tok *t)
{
	if (t->type == T_QUOTED) {
		char name[200];
		snprintf(name, sizeof(name), "%.*s", (int)(t->n < 199 ? t->n : 199), t->s);
		aurmig__schema_put_ident(b, dialect, name);
	} else
		aurmig__buf_add(b, t->s, t->n);
}

static void put_cols(aurmig__buf *b, int dialect, const char *alias, const tok *const *cols, size_t n,
	const char *between, const char *after)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			aurmig__buf_puts(b, between);
		if (alias) {
			aurmig__buf_puts(b, alias);
			aurmig__buf_puts(b, ".");
		}
		put_tok(b, dialect, cols[i]);
		aurmig__buf_puts(b, after);
	}
}

size_t aurmig__lint_live_cols(const stmt *st, size_t i, size_t end, const tok **out, size_t max, size_t *n)
{
	size_t open;
	int plain = 1;

	*n = 0;
	while (i < end && !punct(st, i, '('))
		i++;
	if (i >= end)
		return i;
	open = i;
	for (i = open + 1; i < end && st->t[i].depth > st->t[open].depth; i++) {
		if (st->t[i].depth != st->t[open].depth + 1)
			continue;
		if (punct(st, i, ',') || punct(st, i, ')'))
			continue;
		if (is_name(st, i) && (punct(st, i - 1, '(') || punct(st, i - 1, ','))) {
			/* a plain column: then ',' or ')' or ASC/DESC */
			if (*n < max)
				out[(*n)++] = &st->t[i];
			else
				plain = 0;
			continue;
		}
		if (is(st, i, "ASC") || is(st, i, "DESC"))
			continue;
		plain = 0;   /* a prefix length, an expression */
	}
	if (i < end && punct(st, i, ')'))
		i++;
	if (!plain)
		*n = 0;
	return i;
}

static int plural(long long n)
{
	return n != 1;
}

int aurmig__lint_live_count(aurmig__lint_scope *s, const aurmig__lint_live_q *q, char *note, size_t note_size)
{
	aurmig__lint_live *L = s->opts ? s->opts->live : NULL;
	aurmig_context *ctx = s->ctx;
	live_table *t, *p = NULL;
	char tb[128], why[200] = "";
	long long n = -1, n2 = -1;
	int nomem = 0, rc = 1, severity = -1, dialect;
	aurmig__buf b;

	note[0] = '\0';
	if (!L || L->conn->dialect != s->dialect || s->rc)
		return -1;
	dialect = s->dialect;
	lower(tb, sizeof(tb), q->table);
	if (!(t = lookup(L, ctx, tb, &nomem))) {
		s->rc = AURMIG_ENOMEM;
		return -1;
	}
	if (t->state != 1) {
		snprintf(why, sizeof(why), "%s", t->why);
		goto done;
	}
	s->live_rows = t->rows;
	s->live_bytes = t->bytes;
	s->live_estimate = t->estimate;
	if (q->kind == LIVE_ROWS) {
		n = t->rows;
		rc = 0;
		goto done;
	}
	if (q->kind != LIVE_CHECK && !q->ncols) {
		snprintf(why, sizeof(why), "the key is not a plain column list (a prefix length or an expression): not counted");
		goto done;
	}
	for (size_t i = 0; i < q->ncols; i++) {
		char key[260], col[128];
		snprintf(key, sizeof(key), "%s.%s", tb, lower(col, sizeof(col), q->cols[i]));
		if (aurmig__strv_contains(&s->added, key)) {
			snprintf(why, sizeof(why), "column %s is added earlier in this revision: not counted", col);
			goto done;
		}
	}
	if (q->kind == LIVE_ORPHAN) {
		char pb[128];
		if (!q->parent || !q->npcols || q->npcols != q->ncols) {
			snprintf(why, sizeof(why), "the referenced columns are not named: orphans not counted");
			goto done;
		}
		lower(pb, sizeof(pb), q->parent);
		if (aurmig__strv_contains(&s->created, pb)) {
			snprintf(why, sizeof(why), "the parent table %s is created in this revision: not counted", pb);
			goto done;
		}
		/* (a new entry may move the cache: look the child up again, a hit) */
		if (!(p = lookup(L, ctx, pb, &nomem)) || !(t = lookup(L, ctx, tb, &nomem)) ||
		    !(p = lookup(L, ctx, pb, &nomem))) {
			s->rc = AURMIG_ENOMEM;
			return -1;
		}
		if (p->state != 1) {
			snprintf(why, sizeof(why), "parent: %.180s", p->why);
			goto done;
		}
	}
	aurmig__buf_init(&b, ctx);
	switch (q->kind) {
	case LIVE_DUP:
	case LIVE_PK:
		/* rows in groups of equal non-NULL keys (NULL keys are not duplicates
		 * for UNIQUE; a primary key's NULLs are counted below), and the groups */
		if (dialect == AURMIG_DIALECT_SQLITE) {
			/* no FROM (subquery): libdbd-sqlite3 leaks on it; the groups
			 * only for one column (COUNT(DISTINCT) takes one) */
			aurmig__buf_puts(&b, "SELECT COUNT(*), ");
			if (q->ncols == 1) {
				aurmig__buf_puts(&b, "COUNT(DISTINCT ");
				put_tok(&b, dialect, q->cols[0]);
				aurmig__buf_puts(&b, ")");
			} else
				aurmig__buf_puts(&b, "NULL");
			aurmig__buf_puts(&b, " FROM ");
			aurmig__schema_put_ident(&b, dialect, t->name);
			aurmig__buf_puts(&b, " WHERE (");
			put_cols(&b, dialect, NULL, q->cols, q->ncols, ", ", "");
			aurmig__buf_puts(&b, ") IN (SELECT ");
			put_cols(&b, dialect, NULL, q->cols, q->ncols, ", ", "");
			aurmig__buf_puts(&b, " FROM ");
			aurmig__schema_put_ident(&b, dialect, t->name);
			aurmig__buf_puts(&b, " WHERE ");
			put_cols(&b, dialect, NULL, q->cols, q->ncols, " AND ", " IS NOT NULL");
			aurmig__buf_puts(&b, " GROUP BY ");
			put_cols(&b, dialect, NULL, q->cols, q->ncols, ", ", "");
			aurmig__buf_puts(&b, " HAVING COUNT(*) > 1)");
		} else {
			aurmig__buf_puts(&b, "SELECT COALESCE(SUM(n), 0), COUNT(*) FROM (SELECT COUNT(*) AS n FROM ");
			aurmig__schema_put_ident(&b, dialect, t->name);
			aurmig__buf_puts(&b, " WHERE ");
			put_cols(&b, dialect, NULL, q->cols, q->ncols, " AND ", " IS NOT NULL");
			aurmig__buf_puts(&b, " GROUP BY ");
			put_cols(&b, dialect, NULL, q->cols, q->ncols, ", ", "");
			aurmig__buf_puts(&b, " HAVING COUNT(*) > 1) aurmig_d");
		}
		rc = live_count(L, ctx, &b, &n, &n2, why, sizeof(why));
		if (!rc && q->kind == LIVE_PK) {
			/* and NULL keys, which a primary key refuses */
			long long nulls = -1;
			aurmig__buf_init(&b, ctx);
			aurmig__buf_puts(&b, "SELECT COUNT(*) FROM ");
			aurmig__schema_put_ident(&b, dialect, t->name);
			aurmig__buf_puts(&b, " WHERE ");
			put_cols(&b, dialect, NULL, q->cols, q->ncols, " OR ", " IS NULL");
			rc = live_count(L, ctx, &b, &nulls, NULL, why, sizeof(why));
			if (!rc && nulls > 0) {
				n += nulls;
				snprintf(why, sizeof(why), "%lld with a NULL key", nulls);
			}
		}
		break;
	case LIVE_NULL:
		aurmig__buf_puts(&b, "SELECT COUNT(*) FROM ");
		aurmig__schema_put_ident(&b, dialect, t->name);
		aurmig__buf_puts(&b, " WHERE ");
		put_cols(&b, dialect, NULL, q->cols, q->ncols, " OR ", " IS NULL");
		rc = live_count(L, ctx, &b, &n, NULL, why, sizeof(why));
		break;
	case LIVE_ORPHAN:
		/* MATCH SIMPLE: a row with a NULL in the key is not checked */
		aurmig__buf_puts(&b, "SELECT COUNT(*) FROM ");
		aurmig__schema_put_ident(&b, dialect, t->name);
		aurmig__buf_puts(&b, " aurmig_c WHERE ");
		put_cols(&b, dialect, "aurmig_c", q->cols, q->ncols, " AND ", " IS NOT NULL");
		aurmig__buf_puts(&b, " AND NOT EXISTS (SELECT 1 FROM ");
		aurmig__schema_put_ident(&b, dialect, p->name);
		aurmig__buf_puts(&b, " aurmig_p WHERE ");
		for (size_t i = 0; i < q->ncols; i++) {
			if (i)
				aurmig__buf_puts(&b, " AND ");
			aurmig__buf_puts(&b, "aurmig_p.");
			put_tok(&b, dialect, q->pcols[i]);
			aurmig__buf_puts(&b, " = aurmig_c.");
			put_tok(&b, dialect, q->cols[i]);
		}
		aurmig__buf_puts(&b, ")");
		rc = live_count(L, ctx, &b, &n, NULL, why, sizeof(why));
		break;
	case LIVE_WHERE:
		/* D105: the rows a narrower type damages (the condition is retype.c's) */
		aurmig__buf_puts(&b, "SELECT COUNT(*) FROM ");
		aurmig__schema_put_ident(&b, dialect, t->name);
		aurmig__buf_puts(&b, " WHERE ");
		aurmig__buf_add(&b, q->expr, q->expr_len);
		rc = live_count(L, ctx, &b, &n, NULL, why, sizeof(why));
		break;
	case LIVE_CHECK:
		/* a CHECK fails where its expression is false (NULL passes) */
		aurmig__buf_puts(&b, "SELECT COUNT(*) FROM ");
		aurmig__schema_put_ident(&b, dialect, t->name);
		aurmig__buf_puts(&b, " WHERE NOT (");
		aurmig__buf_add(&b, q->expr, q->expr_len);
		aurmig__buf_puts(&b, ")");
		rc = live_count(L, ctx, &b, &n, NULL, why, sizeof(why));
		break;
	default:
		aurmig__buf_dispose(&b);
	}
	if (rc == AURMIG_ENOMEM) {
		s->rc = rc;
		return -1;
	}
done:
	s->live_set = 1;
	if (rc) {
		s->live_violations = -1;
		snprintf(s->live_unknown, sizeof(s->live_unknown), "%s", why);
		snprintf(note, note_size, "; live: not known: %s", why);
	} else {
		const char *of = t->estimate ? "about " : "";
		s->live_violations = n;
		s->live_unknown[0] = '\0';
		severity = n > 0 ? AURMIG_LINT_ERROR : AURMIG_LINT_INFO;
		if (q->kind == LIVE_ROWS && n > 0)
			snprintf(note, note_size, "; live: the table holds %s%lld row%s, which would fail this", of, n,
				plural(n) ? "s" : "");
		else if (q->kind == LIVE_ROWS)
			snprintf(note, note_size, "; live: the table is empty now");
		else if (n > 0 && (q->kind == LIVE_DUP || q->kind == LIVE_PK) && n2 > 0)
			snprintf(note, note_size, "; live: %lld row%s would violate this (%lld group%s of duplicates%s%s)",
				n, plural(n) ? "s" : "", n2, plural(n2) ? "s" : "", why[0] ? "; " : "", why);
		else if (q->kind == LIVE_WHERE && n > 0)
			snprintf(note, note_size, "; live: %lld row%s would lose data", n, plural(n) ? "s" : "");
		else if (q->kind == LIVE_WHERE)
			snprintf(note, note_size, "; live: 0 rows would lose data now (of %s%lld)", of, t->rows);
		else if (n > 0)
			snprintf(note, note_size, "; live: %lld row%s would violate this%s%s%s", n, plural(n) ? "s" : "",
				why[0] ? " (" : "", why, why[0] ? ")" : "");
		else
			snprintf(note, note_size, "; live: 0 rows would violate this now (of %s%lld)", of, t->rows);
	}
	return severity;
}

/* ---------------------------------------------------------------- columns */

int aurmig__lint_live_column(aurmig__lint_scope *s, const char *table, const char *col, aurmig__lint_live_col *out,
	char *why, size_t wn)
{
	aurmig__lint_live *L = s->opts ? s->opts->live : NULL;
	aurmig_context *ctx = s->ctx;
	aurmig__strv cells = { 0 };
	size_t ncols = 0;
	live_table *t;
	aurmig__buf b;
	char *sql;
	int nomem = 0, rc, dialect;

	memset(out, 0, sizeof(*out));
	why[0] = '\0';
	if (!L || L->conn->dialect != s->dialect || s->rc)
		return -1;
	dialect = s->dialect;
	if (!(t = lookup(L, ctx, table, &nomem))) {
		s->rc = AURMIG_ENOMEM;
		return 0;
	}
	if (t->state != 1) {
		snprintf(why, wn, "%s", t->why);
		return 0;
	}
	aurmig__buf_init(&b, ctx);
	if (dialect == AURMIG_DIALECT_MYSQL) {
		/* the table's collation names its default character set (its prefix) */
		aurmig__buf_puts(&b, "SELECT c.COLUMN_NAME, c.COLUMN_TYPE, COALESCE(c.CHARACTER_SET_NAME, ''), c.IS_NULLABLE, "
			"COALESCE(t.TABLE_COLLATION, '') FROM information_schema.COLUMNS c JOIN information_schema.TABLES t "
			"ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME "
			"WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = ");
		aurmig__db_quote(&b, dialect, t->name);
		aurmig__buf_puts(&b, " AND LOWER(c.COLUMN_NAME) = ");
	} else if (dialect == AURMIG_DIALECT_PGSQL) {
		aurmig__buf_puts(&b, "SELECT a.attname, format_type(a.atttypid, a.atttypmod), '', "
			"CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END, '' FROM pg_attribute a "
			"JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
			"WHERE n.nspname = current_schema() AND a.attnum > 0 AND NOT a.attisdropped AND c.relname = ");
		aurmig__db_quote(&b, dialect, t->name);
		aurmig__buf_puts(&b, " AND lower(a.attname) = ");
	} else {
		aurmig__buf_puts(&b, "SELECT name, type, '', CASE WHEN \"notnull\" THEN 'NO' ELSE 'YES' END, '' "
			"FROM pragma_table_info(");
		aurmig__db_quote(&b, dialect, t->name);
		aurmig__buf_puts(&b, ") WHERE lower(name) = ");
	}
	aurmig__db_quote(&b, dialect, col);
	if (!(sql = aurmig__buf_detach(&b))) {
		s->rc = AURMIG_ENOMEM;
		return 0;
	}
	rc = live_query(L, ctx, sql, &cells, &ncols, why, wn);
	free(sql);
	if (rc == AURMIG_ENOMEM) {
		s->rc = rc;
		return 0;
	}
	if (rc)
		return 0;
	if (cells.n < 5 || ncols < 5) {
		snprintf(why, wn, "column %s.%s is not in the database", table, col);
		aurmig__strv_clear(&cells);
		return 0;
	}
	snprintf(out->name, sizeof(out->name), "%s", cells.v[0]);
	snprintf(out->type, sizeof(out->type), "%s", cells.v[1]);
	snprintf(out->charset, sizeof(out->charset), "%s", cells.v[2]);
	out->nullable = !strcmp(cells.v[3], "YES");
	snprintf(out->table_charset, sizeof(out->table_charset), "%.*s", (int)strcspn(cells.v[4], "_"), cells.v[4]);
	snprintf(out->table, sizeof(out->table), "%s", t->name);
	aurmig__strv_clear(&cells);
	return 1;
}
