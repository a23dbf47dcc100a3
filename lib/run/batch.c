/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Batched data statements (`-- aurmig:batch N [key=COLUMN]` before an
 * UPDATE or DELETE; docs/script-format.md#batched-data-statements): the
 * statement runs as repeated bounded statements, each batch in a short
 * transaction of its own together with the journal's progress note, so
 * writers on the table wait for one batch at most and a killed run resumes
 * after the last committed batch.
 *
 * With a key column (key=COLUMN; SQLite's default is rowid) the batches are
 * key windows: the next N keys of the table after the last batch's end,
 *   SELECT MAX(k) FROM (SELECT COLUMN AS k FROM t WHERE COLUMN > last
 *                       ORDER BY COLUMN LIMIT N)
 * then the statement with `AND t.COLUMN > last AND t.COLUMN <= that` added
 * to its WHERE. Windows always move forward, so the statement ends after
 * one pass over the table whatever its SET does to the WHERE. Without a key
 * (MySQL/MariaDB only) the statement runs with `LIMIT N` until a batch
 * changes no row; its WHERE must stop matching the rows it changed, which
 * is checked (a statement that does not converge is an error, not a loop).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/journal.h"
#include "db/lock.h"
#include "run/plan_priv.h"
#include "base/split.h"

/* The parts of a batched statement. */
typedef struct bstmt {
	int is_update;
	size_t table_s, table_e;   /* the table's name as written (may be schema-qualified, quoted) */
	size_t ref_s, ref_e;       /* the table reference: name and alias */
	size_t qual_s, qual_e;     /* what qualifies the key column: the alias, else the name */
	size_t where_at;           /* offset of the top-level WHERE, or len */
	size_t cond_s;             /* start of the condition after WHERE (len when none) */
	size_t len;                /* the statement without a trailing ';' and blanks */
} bstmt;

/* A token of a statement: a word, a quoted name or string, a parenthesised
 * group (with everything in it), or one other character. Comments and
 * blanks are skipped. */
static int next_tok(const char *t, size_t len, size_t *pos, size_t *ts, size_t *te, int dialect)
{
	size_t p = *pos;

	for (;;) {
		while (p < len && isspace((unsigned char)t[p]))
			p++;
		if (p + 1 < len && t[p] == '-' && t[p + 1] == '-') {
			while (p < len && t[p] != '\n')
				p++;
		} else if (p < len && t[p] == '#' && aurmig__dialect_of(dialect)->hash_comments) {
			while (p < len && t[p] != '\n')
				p++;
		} else if (p + 1 < len && t[p] == '/' && t[p + 1] == '*') {
			p += 2;
			while (p + 1 < len && !(t[p] == '*' && t[p + 1] == '/'))
				p++;
			p = p + 2 < len ? p + 2 : len;
		} else
			break;
	}
	if (p >= len)
		return 0;
	*ts = p;
	if (isalnum((unsigned char)t[p]) || t[p] == '_' || t[p] == '$' || (unsigned char)t[p] >= 0x80) {
		while (p < len && (isalnum((unsigned char)t[p]) || t[p] == '_' || t[p] == '$' ||
			(unsigned char)t[p] >= 0x80))
			p++;
	} else if (t[p] == '\'' || t[p] == '"' || t[p] == '`') {
		char q = t[p++];
		while (p < len) {
			if (t[p] == '\\' && q == '\'' && aurmig__dialect_of(dialect)->backslash_escapes && p + 1 < len) {
				p += 2;
				continue;
			}
			if (t[p] == q) {
				if (p + 1 < len && t[p + 1] == q) {
					p += 2;
					continue;
				}
				break;
			}
			p++;
		}
		p = p < len ? p + 1 : len;
	} else if (t[p] == '(') {
		int depth = 0;
		do {
			size_t a, b;
			if (t[p] == '(') {
				depth++;
				p++;
			} else if (t[p] == ')') {
				depth--;
				p++;
			} else {
				/* quotes and comments inside the group */
				size_t q = p;
				if (!next_tok(t, len, &q, &a, &b, dialect))
					break;
				p = t[a] == '(' || t[a] == ')' ? a : b;
			}
		} while (p < len && depth > 0);
	} else {
		p++;
	}
	*te = p;
	*pos = p;
	return 1;
}

static int word_is(const char *t, size_t ts, size_t te, const char *w)
{
	size_t n = strlen(w);
	return te - ts == n && strncasecmp(t + ts, w, n) == 0;
}

static int is_word(const char *t, size_t ts)
{
	return isalpha((unsigned char)t[ts]) || t[ts] == '_';
}

/* A table name (word or quoted, optionally schema.name) at the cursor. */
static int table_name(const char *t, size_t len, size_t *pos, size_t *s, size_t *e, int dialect)
{
	size_t ts, te, save;

	if (!next_tok(t, len, pos, &ts, &te, dialect) || !(is_word(t, ts) || t[ts] == '"' || t[ts] == '`'))
		return 0;
	*s = ts;
	*e = te;
	save = *pos;
	if (next_tok(t, len, pos, &ts, &te, dialect) && t[ts] == '.' && te == ts + 1 &&
	    next_tok(t, len, pos, &ts, &te, dialect) && (is_word(t, ts) || t[ts] == '"' || t[ts] == '`'))
		*e = te;
	else
		*pos = save;
	return 1;
}

/* Parse the statement; NULL or why it cannot be batched. */
static const char *analyse(bstmt *b, const char *t, size_t len, int dialect)
{
	size_t pos = 0, ts, te, save;
	const char *stop;

	memset(b, 0, sizeof(*b));
	while (len && (isspace((unsigned char)t[len - 1]) || t[len - 1] == ';'))
		len--;
	b->len = len;
	if (!next_tok(t, len, &pos, &ts, &te, dialect) ||
	    !(word_is(t, ts, te, "UPDATE") || word_is(t, ts, te, "DELETE")))
		return "a batched statement must be an UPDATE or a DELETE (not WITH ..., not a multi-statement)";
	b->is_update = word_is(t, ts, te, "UPDATE");
	stop = b->is_update ? "SET" : "WHERE";
	for (;;) {
		save = pos;
		if (!next_tok(t, len, &pos, &ts, &te, dialect))
			return b->is_update ? "an UPDATE without SET" : "a DELETE without FROM";
		if (word_is(t, ts, te, "LOW_PRIORITY") || word_is(t, ts, te, "IGNORE") || word_is(t, ts, te, "QUICK"))
			continue;
		if (!b->is_update) {
			if (!word_is(t, ts, te, "FROM"))
				return "a batched DELETE names one table: DELETE FROM t [WHERE ...]";
			save = pos;
			if (next_tok(t, len, &pos, &ts, &te, dialect) && !word_is(t, ts, te, "ONLY"))
				pos = save;
		} else if (!word_is(t, ts, te, "ONLY")) {
			pos = save;
		}
		break;
	}
	if (!table_name(t, len, &pos, &b->table_s, &b->table_e, dialect))
		return "no table name after UPDATE / DELETE FROM";
	b->ref_s = b->qual_s = b->table_s;
	b->ref_e = b->qual_e = b->table_e;
	/* an alias: [AS] name, up to SET (UPDATE) or WHERE/USING/the end (DELETE) */
	save = pos;
	if (next_tok(t, len, &pos, &ts, &te, dialect)) {
		if (word_is(t, ts, te, "AS") && !next_tok(t, len, &pos, &ts, &te, dialect))
			return "AS without an alias";
		if ((is_word(t, ts) || t[ts] == '"' || t[ts] == '`') && !word_is(t, ts, te, stop) &&
		    !word_is(t, ts, te, "USING")) {
			b->qual_s = ts;
			b->qual_e = b->ref_e = te;
		} else
			pos = save;
	}
	if (b->is_update) {
		if (!next_tok(t, len, &pos, &ts, &te, dialect) || !word_is(t, ts, te, "SET"))
			return "a batched UPDATE changes one table: UPDATE t [alias] SET ... [WHERE ...] (no joins)";
	}
	b->where_at = b->cond_s = len;
	while (next_tok(t, len, &pos, &ts, &te, dialect)) {
		if (word_is(t, ts, te, "ORDER") || word_is(t, ts, te, "LIMIT") || word_is(t, ts, te, "RETURNING"))
			return "a batched statement has no ORDER BY, LIMIT or RETURNING of its own (the batches add theirs)";
		if (word_is(t, ts, te, "JOIN"))
			return "a batched statement changes one table (no joins)";
		if (word_is(t, ts, te, "WHERE") && b->where_at == len) {
			b->where_at = ts;
			b->cond_s = te;
		}
	}
	return NULL;
}

int aurmig__batch_check(aurmig_plan *p, aurmig_step *s, const char *path, int line)
{
	for (size_t k = 0; k < s->nitems; k++) {
		const aurmig__item *it = &s->items[k];
		const aurmig__stmt *st;
		const char *why;
		bstmt b;

		if (it->hook || !it->batch)
			continue;
		st = &s->stmts[it->stmt];
		s->has_batch = 1;
		if (s->ddl && s->ddl[it->stmt])
			why = "a batched statement must be an UPDATE or a DELETE";
		else
			why = analyse(&b, s->sql + st->offset, st->len, p->conn->dialect);
		if (!why && !it->batch_key[0] && p->conn->dialect == AURMIG_DIALECT_PGSQL)
			why = "on PostgreSQL a batch needs its key column: -- aurmig:batch N key=COLUMN (the primary key)";
		if (why) {
			int rc = aurmig__err_at(p->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path,
				line + it->batch_line - 1, "revision %s: %s", s->mig->id, why);
			aurmig__err_set_revision(p->ctx, s->mig->id);
			return rc;
		}
	}
	return AURMIG_OK;
}

/* ---------------------------------------------------------------- progress notes */

/*
 * The journal row's note while a batched statement runs (and in the first
 * line of its failure message):
 *   [batch statement S: B batches, R rows, next key after K]
 * K last (it may hold anything); without a key the part is left out.
 * Resume reads it back to go on after K.
 */
static char *note_make(aurmig_context *ctx, size_t stmt_no, size_t batches, unsigned long long rows,
	const char *key, int complete)
{
	return aurmig__printf(ctx, "[batch statement %zu: %zu batch%s, %llu row%s%s%s%s]", stmt_no, batches,
		batches == 1 ? "" : "es", rows, rows == 1 ? "" : "s", complete ? ", complete" : "",
		key && !complete ? ", next key after " : "", key && !complete ? key : "");
}

typedef struct resume_point {
	size_t stmt_no, batches;
	unsigned long long rows;
	char *key;    /* owned, or NULL */
} resume_point;

/* Parse a note found in text (a journal row's error column); 0 when none,
 * -1 when out of memory. */
static int note_parse(aurmig_context *ctx, const char *text, resume_point *r)
{
	const char *at = NULL, *q, *k;
	char word[16];

	memset(r, 0, sizeof(*r));
	for (q = text; q && (q = strstr(q, "[batch statement ")); q++)
		at = q;
	if (!at || sscanf(at, "[batch statement %zu: %zu %15s %llu", &r->stmt_no, &r->batches, word, &r->rows) != 4)
		return 0;
	if ((k = strstr(at, ", next key after "))) {
		const char *e;
		k += strlen(", next key after ");
		e = k + strlen(k);
		while (e > k && e[-1] != ']')
			e--;
		if (e > k && (r->key = aurmig__strndup(ctx, k, (size_t)(e - 1 - k))) == NULL)
			return -1;
	}
	return 1;
}

int aurmig__batch_resume_from(aurmig_plan *p, const char *journal_error)
{
	free(p->batch_resume);
	p->batch_resume = NULL;
	if (journal_error && strstr(journal_error, "[batch statement ") &&
	    !(p->batch_resume = aurmig__strdup(p->ctx, journal_error)))
		return AURMIG_ENOMEM;
	return AURMIG_OK;
}

/* ---------------------------------------------------------------- running */

/* Append value as a key literal: SQLite takes integers bare (rowid); the
 * others get a string literal, which they convert to the column's type. */
static void key_literal(aurmig__buf *b, int dialect, const char *v)
{
	const char *q = v + (*v == '-');
	int integer = *q != '\0';

	for (; *q; q++)
		integer &= *q >= '0' && *q <= '9';
	if (integer && dialect == AURMIG_DIALECT_SQLITE && strlen(v) < 19)
		aurmig__buf_puts(b, v);
	else
		aurmig__db_quote(b, dialect, v);
}

typedef struct brun {
	aurmig_plan *p;
	aurmig_step *s;
	const char *sql;     /* the statement */
	bstmt b;
	const char *key;     /* key column, or NULL (LIMIT mode) */
	long n;
	size_t i;            /* item index */
	size_t batches;      /* of this statement, resumed ones included */
	unsigned long long rows;
	char *last;          /* the last committed batch's end key, or NULL before the first */
} brun;

/* The next window's end key (NULL when the table has no key after last); *empty set. */
static int window_end(brun *r, char **hi, int *empty)
{
	aurmig__buf q;
	aurmig__strv rows = { 0 };
	char *sql;
	int rc;

	*hi = NULL;
	*empty = 0;
	aurmig__buf_init(&q, r->p->ctx);
	aurmig__buf_printf(&q, "SELECT MAX(aurmig_k) FROM (SELECT %s AS aurmig_k FROM %.*s", r->key,
		(int)(r->b.table_e - r->b.table_s), r->sql + r->b.table_s);
	if (r->last) {
		aurmig__buf_printf(&q, " WHERE %s > ", r->key);
		key_literal(&q, r->p->conn->dialect, r->last);
	}
	aurmig__buf_printf(&q, " ORDER BY %s LIMIT %ld) aurmig_batch", r->key, r->n);
	if (!(sql = aurmig__buf_detach(&q)))
		return AURMIG_ENOMEM;
	rc = r->p->conn->ops->query(r->p->conn, sql, &rows);
	free(sql);
	if (!rc) {
		if (rows.n == 0 || rows.v[0][0] == '\0')
			*empty = 1;
		else if (!(*hi = aurmig__strdup(r->p->ctx, rows.v[0])))
			rc = AURMIG_ENOMEM;
	}
	aurmig__strv_clear(&rows);
	return rc;
}

/* The bounded statement of one batch. */
static char *bounded(brun *r, const char *hi)
{
	aurmig__buf q;
	int dialect = r->p->conn->dialect;
	int qual = (int)(r->b.qual_e - r->b.qual_s);
	const char *qs = r->sql + r->b.qual_s;

	aurmig__buf_init(&q, r->p->ctx);
	aurmig__buf_add(&q, r->sql, r->b.where_at);
	if (!r->key) {
		if (r->b.where_at < r->b.len)
			aurmig__buf_add(&q, r->sql + r->b.where_at, r->b.len - r->b.where_at);
		aurmig__buf_printf(&q, "\nLIMIT %ld", r->n);
		return aurmig__buf_detach(&q);
	}
	/* newlines: the condition may end in a -- comment */
	if (r->b.where_at < r->b.len) {
		aurmig__buf_puts(&q, "WHERE (");
		aurmig__buf_add(&q, r->sql + r->b.cond_s, r->b.len - r->b.cond_s);
		aurmig__buf_puts(&q, "\n) AND ");
	} else {
		aurmig__buf_puts(&q, "\nWHERE ");
	}
	if (r->last) {
		aurmig__buf_printf(&q, "%.*s.%s > ", qual, qs, r->key);
		key_literal(&q, dialect, r->last);
		aurmig__buf_puts(&q, " AND ");
	}
	aurmig__buf_printf(&q, "%.*s.%s <= ", qual, qs, r->key);
	key_literal(&q, dialect, hi);
	return aurmig__buf_detach(&q);
}

/* LIMIT mode: how many rows the statement's WHERE matches now. */
static int count_matching(brun *r, unsigned long long *out)
{
	aurmig__buf q;
	aurmig__strv rows = { 0 };
	char *sql;
	int rc;

	*out = 0;
	aurmig__buf_init(&q, r->p->ctx);
	aurmig__buf_printf(&q, "SELECT COUNT(*) FROM %.*s", (int)(r->b.ref_e - r->b.ref_s), r->sql + r->b.ref_s);
	if (r->b.where_at < r->b.len) {
		aurmig__buf_puts(&q, " ");
		aurmig__buf_add(&q, r->sql + r->b.where_at, r->b.len - r->b.where_at);
	}
	if (!(sql = aurmig__buf_detach(&q)))
		return AURMIG_ENOMEM;
	rc = r->p->conn->ops->query(r->p->conn, sql, &rows);
	free(sql);
	if (!rc && rows.n)
		*out = strtoull(rows.v[0], NULL, 10);
	aurmig__strv_clear(&rows);
	return rc;
}

/* One batch and its journal note, in one transaction. *finished when the
 * statement has nothing left; *failed_sql gets the statement when it failed itself. */
static int one_batch(brun *r, int *finished, unsigned long long *affected, char **failed_sql)
{
	aurmig_plan *p = r->p;
	long seq = (long)(r->s - p->steps);
	char *hi = NULL, *sql = NULL, *note = NULL;
	int empty = 0, counted = 0, rc;

	*finished = 0;
	*affected = 0;
	*failed_sql = NULL;
	if ((rc = aurmig__db_begin(p->conn)))
		return rc;
	if (r->key && (rc = window_end(r, &hi, &empty)))
		goto out;
	if (!empty) {
		if (!(sql = bounded(r, hi))) {
			rc = AURMIG_ENOMEM;
			goto out;
		}
		if ((rc = p->conn->ops->exec(p->conn, sql, affected))) {
			*failed_sql = sql;
			sql = NULL;
			goto out;
		}
		if (!r->key && *affected == 0)
			empty = 1;
	}
	if (!empty) {
		r->batches++;
		r->rows += *affected;
		counted = 1;
	}
	/* the last batch's note says the statement is complete: done counts it */
	note = note_make(p->ctx, r->i + 1, r->batches, r->rows, empty ? NULL : hi, empty);
	if (!note) {
		rc = AURMIG_ENOMEM;
		goto out;
	}
	if ((rc = aurmig__journal_progress(p->conn, p->run_id, seq, (long)r->i + (empty ? 1 : 0), note,
		     AURMIG__J_RUNNING)))
		goto out;
	rc = aurmig__db_commit(p->conn);
out:
	if (rc) {
		aurmig__db_rollback(p->conn);   /* keeps the error */
		if (counted) {
			/* the batch did not commit */
			r->batches--;
			r->rows -= *affected;
		}
	} else {
		*finished = empty;
		if (!empty) {
			free(r->last);
			r->last = hi;
			hi = NULL;
		}
	}
	free(hi);
	free(sql);
	free(note);
	return rc;
}

int aurmig__batch_run(aurmig_plan *p, aurmig_step *s, const aurmig__item *it, const char *one, size_t i,
	size_t n)
{
	brun r;
	resume_point rp;
	unsigned long long start_count = 0, affected;
	int rc = AURMIG_OK, strikes = 0;
	char *failed_sql = NULL;
	const char *why;

	memset(&r, 0, sizeof(r));
	r.p = p;
	r.s = s;
	r.sql = one;
	r.n = it->batch;
	r.i = i;
	r.key = it->batch_key[0] ? it->batch_key : p->conn->dialect == AURMIG_DIALECT_SQLITE ? "rowid" : NULL;
	if ((why = analyse(&r.b, one, strlen(one), p->conn->dialect)))
		return aurmig__err(p->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, "%s", why);
	/* a resumed statement goes on after its last committed batch */
	if (p->batch_resume) {
		int got = note_parse(p->ctx, p->batch_resume, &rp);
		if (got < 0)
			return AURMIG_ENOMEM;
		if (got && rp.stmt_no == i + 1) {
			r.batches = rp.batches;
			r.rows = rp.rows;
			r.last = r.key ? rp.key : NULL;
			if (!r.key)
				free(rp.key);
		} else
			free(rp.key);
		free(p->batch_resume);
		p->batch_resume = NULL;
	}
	if (!r.key && r.b.is_update && (rc = count_matching(&r, &start_count)))
		goto failed;
	for (;;) {
		int finished;

		if ((rc = aurmig__lock_renew(p->conn)))
			break;
		rc = one_batch(&r, &finished, &affected, &failed_sql);
		if (rc && failed_sql && aurmig__step_wait_retry(p, s, i, 0) == 1) {
			free(failed_sql);
			failed_sql = NULL;
			continue;   /* a lock-wait timeout rolled the batch back: again */
		}
		if (rc)
			goto failed;
		if (!finished) {
			s->batches++;
			s->batch_rows += affected;
			if (p->opts.progress && p->opts.progress(p->opts.progress_payload, s, AURMIG_PROGRESS_BATCH)) {
				rc = aurmig__err(p->ctx, AURMIG_EUSER, AURMIG_ERRCLASS_CALLBACK,
					"stopped by the progress callback after batch %zu of statement %zu", r.batches, i + 1);
				goto failed;
			}
			if (!r.key && r.b.is_update && r.rows > 2 * start_count + (unsigned long long)r.n) {
				rc = aurmig__err(p->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_SCRIPT,
					"the batched UPDATE does not converge: its batches changed %llu rows where %llu matched "
					"its WHERE at the start (its SET leaves rows matching its WHERE); name a key "
					"column (-- aurmig:batch %ld key=COLUMN) to batch it over key windows",
					r.rows, start_count, r.n);
				goto failed;
			}
			strikes = 0;
			continue;
		}
		if (!r.key && r.b.is_update) {
			/* a batch changed no row: done only if no row matches any more */
			unsigned long long left;
			if ((rc = count_matching(&r, &left)))
				goto failed;
			if (left && ++strikes < 2)
				continue;   /* rows that came in meanwhile: one more batch */
			if (left) {
				rc = aurmig__err(p->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_SCRIPT,
					"the batched UPDATE does not converge: a batch changed no row while %llu rows still "
					"match its WHERE (its SET leaves them matching); name a key column "
					"(-- aurmig:batch %ld key=COLUMN) to batch it over key windows", left, r.n);
				goto failed;
			}
		}
		break;
	}
	if (rc)
		goto failed;
	free(r.last);
	return AURMIG_OK;
failed:
	{
		const aurmig_error *e = aurmig_error_last(p->ctx);
		char *dbmsg = aurmig__strdup(p->ctx, e->message && *e->message ? e->message : "database error");
		char *note = note_make(p->ctx, i + 1, r.batches, r.rows, r.last, 0);
		int code = e->db_code, cls = e->klass;
		size_t cut = dbmsg ? strcspn(dbmsg, "\n") : 0;
		char last[32];

		char prev[48];

		snprintf(last, sizeof(last), "%zu", n);
		snprintf(prev, sizeof(prev), "%zu of it and ", i);

		if (rc == AURMIG_ENOMEM || !dbmsg || !note) {
			free(dbmsg);
			free(note);
			free(r.last);
			free(failed_sql);
			return AURMIG_ENOMEM;
		}
		dbmsg[cut] = '\0';
		if (!s->batches && i == 0)
			aurmig__err_at(p->ctx, rc, cls, s->mig->path, s->stmts[it->stmt].line,
				"%s of revision %s failed at statement %zu of %zu %s: %s; nothing of it remains",
				s->kind == AURMIG_STEP_DOWNGRADE ? "downgrade" : "upgrade", s->mig->id, i + 1, n, note, dbmsg);
		else
			aurmig__err_at(p->ctx, rc, cls, s->mig->path, s->stmts[it->stmt].line,
				"%s of revision %s failed at statement %zu of %zu %s: %s\n"
				"%s%sthe batches of statement %zu the note counts are applied "
				"and stay applied (each batch commits by itself); the version table was not changed. "
				"Fix the cause, then run one of:\n"
				"  aurmig resume\n      go on with statement %zu after its last committed batch%s%s, then "
				"record %s as done\n"
				"  aurmig mark-applied %s\n      you completed the migration by hand\n"
				"  aurmig mark-rolled-back %s\n      you undid its changes by hand",
				s->kind == AURMIG_STEP_DOWNGRADE ? "downgrade" : "upgrade", s->mig->id, i + 1, n, note, dbmsg,
				i ? "Statements 1.." : "", i ? prev : "The", i + 1, i + 1,
				i + 1 < n ? ", then the statements after it up to " : "", i + 1 < n ? last : "",
				s->mig->id, s->mig->id, s->mig->id);
		aurmig__err_set_db_code(p->ctx, code);
		if (failed_sql)
			aurmig__err_set_statement(p->ctx, failed_sql);
		free(dbmsg);
		free(note);
	}
	free(r.last);
	free(failed_sql);
	return rc;
}
