/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The journal table: creation, rows written per step, rows read back. */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/journal.h"
#include "db/lock.h"
#include "aurmig/version.h"

/* No column name may contain "from": libdbd-sqlite3 0.9 loops forever parsing
 * such a SELECT (it searches the text for FROM to find the table). */
#define JCOLS "run_id, seq, revision, operation, source_revisions, target_revisions, checksum, " \
	"statements_total, statements_done, outcome, is_atomic, error, started_at, finished_at, " \
	"host, os_user, pid"
#define NJCOLS 17
#define MAX_ERROR_TEXT 4000

int aurmig__journal_run_id(char out[33])
{
	return aurmig__random_hex(out, 16);
}

int aurmig__journal_exists(aurmig_conn *c, int *exists)
{
	return aurmig__db_table_exists(c, c->journal_table, exists);
}

/* The journal table and its index; the caller holds the creation guard. */
static int create_journal(aurmig_conn *c)
{
	int rc;
	const char *id;
	char *sql;

	switch (c->dialect) {
	case AURMIG_DIALECT_MYSQL: id = "id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"; break;
	case AURMIG_DIALECT_PGSQL: id = "id BIGSERIAL PRIMARY KEY"; break;
	default: id = "id INTEGER PRIMARY KEY"; break;
	}
	sql = aurmig__printf(c->ctx,
		"CREATE TABLE %s%s (\n"
		"\t%s,\n"
		"\trun_id VARCHAR(32) NOT NULL,\n"
		"\tseq INTEGER NOT NULL,\n"
		"\trevision VARCHAR(32) NOT NULL,\n"
		"\toperation VARCHAR(20) NOT NULL,\n"
		/* TEXT: a merge of many heads lists them all (1000 ids are 33 kB) */
		"\tsource_revisions TEXT NOT NULL,\n"
		"\ttarget_revisions TEXT NOT NULL,\n"
		"\tchecksum VARCHAR(80),\n"
		"\tstatements_total INTEGER NOT NULL,\n"
		"\tstatements_done INTEGER NOT NULL,\n"
		"\toutcome VARCHAR(16) NOT NULL,\n"
		"\tis_atomic INTEGER NOT NULL,\n"
		"\terror TEXT,\n"
		"\tstarted_at VARCHAR(32) NOT NULL,\n"
		"\tfinished_at VARCHAR(32),\n"
		"\thost VARCHAR(255),\n"
		"\tos_user VARCHAR(255),\n"
		"\tpid INTEGER,\n"
		"\taurmig_version VARCHAR(16)%s\n"
		")", "IF NOT EXISTS ", c->journal_table, id,
		/* steps update their row by (run_id, seq): without an index every
		 * step would scan the whole journal */
		aurmig__dialect_of(c->dialect)->inline_indexes ? ",\n\tINDEX aurmig_journal_run (run_id, seq)" : "");
	if (!sql)
		return AURMIG_ENOMEM;
	rc = c->ops->exec(c, sql, NULL);
	free(sql);
	if (!rc && !aurmig__dialect_of(c->dialect)->inline_indexes) {
		sql = aurmig__printf(c->ctx, "CREATE INDEX IF NOT EXISTS %s_run ON %s (run_id, seq)",
			c->journal_table, c->journal_table);
		if (!sql)
			return AURMIG_ENOMEM;
		rc = c->ops->exec(c, sql, NULL);
		free(sql);
	}
	return rc;
}

int aurmig__journal_ensure(aurmig_conn *c)
{
	int exists, rc;

	if ((rc = aurmig__journal_exists(c, &exists)) || exists)
		return rc;
	/* concurrent first runs (of projects with other version tables, whose
	 * deploy locks differ) create it at the same moment: IF NOT EXISTS, and
	 * on PostgreSQL, where that is not enough, one creator at a time, each
	 * looking again once it is its turn */
	if ((rc = aurmig__db_create_guard(c, 1)))
		return rc;
	if (!(rc = aurmig__journal_exists(c, &exists)) && !exists)
		rc = create_journal(c);
	aurmig__db_create_guard(c, 0);
	return rc;
}

static void utc_now(char out[64])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

static void quote_or_null(aurmig__buf *b, int dialect, const char *s)
{
	if (!s) {
		aurmig__buf_puts(b, "NULL");
		return;
	}
	if (strlen(s) > MAX_ERROR_TEXT) {
		char *cut;
		/* out of memory: NULL is written, the error being journalled stays */
		aurmig__err_hold(b->ctx);
		cut = aurmig__strndup(b->ctx, s, MAX_ERROR_TEXT);
		aurmig__err_release(b->ctx);
		if (!cut) {
			aurmig__buf_puts(b, "NULL");
			return;
		}
		aurmig__db_quote(b, dialect, cut);
		free(cut);
		return;
	}
	aurmig__db_quote(b, dialect, s);
}

static void quote_list(aurmig__buf *b, int dialect, const aurmig__strv *l)
{
	aurmig__buf joined;
	char *s;

	aurmig__buf_init(&joined, b->ctx);
	for (size_t i = 0; l && i < l->n; i++)
		aurmig__buf_printf(&joined, "%s%s", i ? " " : "", l->v[i]);
	s = aurmig__buf_detach(&joined);
	if (!s) {
		b->failed = 1;
		return;
	}
	aurmig__db_quote(b, dialect, s);
	free(s);
}

/* Host and OS user for the journal rows, once per connection. */
static void lookup_ident(aurmig_conn *c)
{
	struct passwd pw, *pwp = NULL;
	char pwbuf[1024];

	if (c->ident_done)
		return;
	memset(c->ident_host, 0, sizeof(c->ident_host));
	if (gethostname(c->ident_host, sizeof(c->ident_host) - 1) != 0)
		c->ident_host[0] = '\0';
	c->ident_has_user = getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &pwp) == 0 && pwp &&
		strlen(pwp->pw_name) < sizeof(c->ident_user);
	if (c->ident_has_user)
		strcpy(c->ident_user, pwp->pw_name);
	c->ident_done = 1;
}

/* The head of every INSERT of journal rows; VALUES tuples follow. */
static void insert_head(aurmig__buf *b, aurmig_conn *c)
{
	aurmig__buf_printf(b, "INSERT INTO %s (" JCOLS ", aurmig_version) VALUES ", c->journal_table);
}

void aurmig__journal_values(aurmig__buf *b, aurmig_conn *c, const aurmig__jentry *e)
{
	char now[64];
	int final = strcmp(e->outcome, AURMIG__J_RUNNING) != 0 && strcmp(e->outcome, AURMIG__J_QUEUED) != 0;

	utc_now(now);
	lookup_ident(c);
	aurmig__buf_puts(b, "(");
	aurmig__db_quote(b, c->dialect, e->run_id);
	aurmig__buf_printf(b, ", %ld, ", e->seq);
	aurmig__db_quote(b, c->dialect, e->revision);
	aurmig__buf_puts(b, ", ");
	aurmig__db_quote(b, c->dialect, e->operation);
	aurmig__buf_puts(b, ", ");
	quote_list(b, c->dialect, e->from);
	aurmig__buf_puts(b, ", ");
	quote_list(b, c->dialect, e->to);
	aurmig__buf_puts(b, ", ");
	quote_or_null(b, c->dialect, e->checksum);
	aurmig__buf_printf(b, ", %ld, %ld, ", e->total, e->done);
	aurmig__db_quote(b, c->dialect, e->outcome);
	aurmig__buf_printf(b, ", %d, ", e->atomic ? 1 : 0);
	quote_or_null(b, c->dialect, e->error);
	aurmig__buf_puts(b, ", ");
	aurmig__db_quote(b, c->dialect, now);
	aurmig__buf_puts(b, ", ");
	quote_or_null(b, c->dialect, final ? now : NULL);
	aurmig__buf_puts(b, ", ");
	aurmig__db_quote(b, c->dialect, c->ident_host);
	aurmig__buf_puts(b, ", ");
	quote_or_null(b, c->dialect, c->ident_has_user ? c->ident_user : NULL);
	aurmig__buf_printf(b, ", %ld, ", (long)getpid());
	aurmig__db_quote(b, c->dialect, AURMIG_VERSION);
	aurmig__buf_puts(b, ")");
}

int aurmig__journal_insert(aurmig_conn *c, const aurmig__jentry *e)
{
	aurmig__buf b;

	aurmig__buf_init(&b, c->ctx);
	insert_head(&b, c);
	aurmig__journal_values(&b, c, e);
	return aurmig__db_exec_buf(c, &b);
}

int aurmig__journal_insert_values(aurmig_conn *c, const char *values)
{
	aurmig__buf b;

	aurmig__buf_init(&b, c->ctx);
	insert_head(&b, c);
	aurmig__buf_puts(&b, values);
	return aurmig__db_exec_buf(c, &b);
}

static void where_row(aurmig__buf *b, aurmig_conn *c, const char *run_id, long seq)
{
	aurmig__buf_puts(b, " WHERE run_id = ");
	aurmig__db_quote(b, c->dialect, run_id);
	aurmig__buf_printf(b, " AND seq = %ld", seq);
}

/* Run an UPDATE of one journal row (run_id, seq) whose outcome was expect:
 * anything but one row changed is an error that says what vanished. */
static int run_row_update(aurmig_conn *c, aurmig__buf *b, const char *run_id, long seq, const char *expect)
{
	unsigned long long n = 0;
	char *sql;
	int exists = 1, rc;

	where_row(b, c, run_id, seq);
	aurmig__buf_puts(b, " AND outcome = ");
	aurmig__db_quote(b, c->dialect, expect);
	if (!(sql = aurmig__buf_detach(b)))
		return AURMIG_ENOMEM;
	rc = c->ops->exec(c, sql, &n);
	if (rc) {
		/* a missing table is the journal dropped under the run */
		aurmig__err_hold(c->ctx);
		if (aurmig__journal_exists(c, &exists))
			exists = 1;
		aurmig__err_release(c->ctx);
	}
	if (!exists)
		rc = aurmig__err(c->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB,
			"the journal vanished: the table %s was dropped while this run used it", c->journal_table);
	else if (!rc && n != 1)
		rc = aurmig__err(c->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB,
			"the journal row vanished: the row of run %s step %ld in %s was deleted, or is no longer "
			"'%s', while this run used it", run_id, seq, c->journal_table, expect);
	if (rc == AURMIG_ECONFLICT)
		aurmig__err_set_statement(c->ctx, sql);
	free(sql);
	return rc;
}

int aurmig__journal_update(aurmig_conn *c, const char *run_id, long seq, long done,
	const char *outcome, const char *error, const char *expect)
{
	aurmig__buf b;
	char now[64];

	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_printf(&b, "UPDATE %s SET statements_done = %ld", c->journal_table, done);
	if (outcome) {
		utc_now(now);
		aurmig__buf_puts(&b, ", outcome = ");
		aurmig__db_quote(&b, c->dialect, outcome);
		aurmig__buf_puts(&b, ", finished_at = ");
		aurmig__db_quote(&b, c->dialect, now);
		aurmig__buf_puts(&b, ", error = ");
		quote_or_null(&b, c->dialect, error);
	}
	return run_row_update(c, &b, run_id, seq, expect);
}

int aurmig__journal_progress(aurmig_conn *c, const char *run_id, long seq, long done, const char *note,
	const char *expect)
{
	aurmig__buf b;

	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_printf(&b, "UPDATE %s SET statements_done = %ld, error = ", c->journal_table, done);
	quote_or_null(&b, c->dialect, note);
	return run_row_update(c, &b, run_id, seq, expect);
}

int aurmig__journal_set_outcome(aurmig_conn *c, const char *run_id, long seq, const char *outcome,
	const char *expect)
{
	aurmig__buf b;

	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_printf(&b, "UPDATE %s SET outcome = ", c->journal_table);
	aurmig__db_quote(&b, c->dialect, outcome);
	return run_row_update(c, &b, run_id, seq, expect);
}

int aurmig__journal_finish(aurmig_conn *c, const aurmig__jentry *e, const char *expect)
{
	int rc = aurmig__journal_update(c, e->run_id, e->seq, e->done, e->outcome, e->error, expect);

	if (rc != AURMIG_ECONFLICT)
		return rc;
	/* the row or the table vanished: write it again, the update's error stays */
	aurmig__err_hold(c->ctx);
	if (aurmig__journal_ensure(c) || aurmig__journal_insert(c, e))
		aurmig__log(c->ctx, AURMIG_LOG_ERROR, "the journal could not record the outcome of %s either",
			e->revision);
	aurmig__err_release(c->ctx);
	return rc;
}

static int take(aurmig_context *ctx, char **dst, const char *src)
{
	*dst = aurmig__strdup(ctx, src);
	return *dst ? AURMIG_OK : AURMIG_ENOMEM;
}

int aurmig__journal_read(aurmig_conn *c, const char *where, aurmig__jrows *out)
{
	aurmig__strv cells = { 0 };
	size_t ncols = 0;
	int exists, rc;
	char *sql;

	memset(out, 0, sizeof(*out));
	sql = aurmig__printf(c->ctx, "SELECT " JCOLS " FROM %s%s%s ORDER BY id", c->journal_table,
		where ? " WHERE " : "", where ? where : "");
	if (!sql)
		return AURMIG_ENOMEM;
	rc = aurmig__db_query_table_cells(c, c->journal_table, sql, &cells, &ncols, &exists);
	free(sql);
	if (!rc && ncols != NJCOLS && cells.n)
		rc = aurmig__err(c->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB,
			"the journal table %s has an unexpected shape (%zu columns)", c->journal_table, ncols);
	if (!rc && cells.n) {
		size_t nrows = cells.n / NJCOLS;
		out->v = aurmig__calloc(c->ctx, nrows, sizeof(*out->v));
		if (!out->v)
			rc = AURMIG_ENOMEM;
		for (size_t r = 0; r < nrows && !rc; r++) {
			char **v = cells.v + r * NJCOLS;
			aurmig__jrow *j = &out->v[r];
			out->n++;
			if ((rc = take(c->ctx, &j->run_id, v[0])) || (rc = take(c->ctx, &j->revision, v[2])) ||
			    (rc = take(c->ctx, &j->operation, v[3])) || (rc = take(c->ctx, &j->from_revs, v[4])) ||
			    (rc = take(c->ctx, &j->to_revs, v[5])) || (rc = take(c->ctx, &j->checksum, v[6])) ||
			    (rc = take(c->ctx, &j->outcome, v[9])) || (rc = take(c->ctx, &j->error, v[11])) ||
			    (rc = take(c->ctx, &j->started_at, v[12])) || (rc = take(c->ctx, &j->finished_at, v[13])) ||
			    (rc = take(c->ctx, &j->host, v[14])) || (rc = take(c->ctx, &j->os_user, v[15])))
				break;
			j->seq = strtol(v[1], NULL, 10);
			j->total = strtol(v[7], NULL, 10);
			j->done = strtol(v[8], NULL, 10);
			j->atomic = (int)strtol(v[10], NULL, 10);
			j->pid = strtol(v[16], NULL, 10);
		}
	}
	aurmig__strv_clear(&cells);
	if (rc)
		aurmig__journal_rows_clear(out);
	return rc;
}

int aurmig__journal_select(aurmig_conn *c, const char *cols, size_t ncols, const char *where,
	aurmig__strv *cells)
{
	size_t got = 0;
	int exists, rc;
	char *sql;

	memset(cells, 0, sizeof(*cells));
	sql = aurmig__printf(c->ctx, "SELECT %s FROM %s%s%s ORDER BY id", cols, c->journal_table,
		where ? " WHERE " : "", where ? where : "");
	if (!sql)
		return AURMIG_ENOMEM;
	rc = aurmig__db_query_table_cells(c, c->journal_table, sql, cells, &got, &exists);
	free(sql);
	if (!rc && got != ncols && cells->n)
		rc = aurmig__err(c->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB,
			"the journal table %s has an unexpected shape (%zu columns)", c->journal_table, got);
	if (rc)
		aurmig__strv_clear(cells);
	return rc;
}

int aurmig__journal_read_checksums(aurmig_conn *c, aurmig__strv *pairs)
{
	return aurmig__journal_select(c, "revision, checksum", 2, AURMIG__J_CHECKSUM_ROWS, pairs);
}

void aurmig__journal_rows_clear(aurmig__jrows *rows)
{
	for (size_t i = 0; i < rows->n; i++) {
		aurmig__jrow *j = &rows->v[i];
		free(j->run_id);
		free(j->revision);
		free(j->operation);
		free(j->from_revs);
		free(j->to_revs);
		free(j->checksum);
		free(j->outcome);
		free(j->error);
		free(j->started_at);
		free(j->finished_at);
		free(j->host);
		free(j->os_user);
	}
	free(rows->v);
	rows->v = NULL;
	rows->n = 0;
}

/* Does a space-separated list hold id? */
static int list_has(const char *list, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = list; (p = strstr(p, id)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/* Is the migration a row records a downgrade? A step row says so in its
 * operation; a recovery row (resume, mark-*) by where its revision goes: a
 * downgrade's target revisions lack it. So the direction survives any number
 * of failed resumes. */
int aurmig__journal_row_downgrade(const aurmig__jrow *j)
{
	if (strcmp(j->operation, "downgrade") == 0 || strcmp(j->operation, "upgrade") == 0)
		return strcmp(j->operation, "downgrade") == 0;
	return !list_has(j->to_revs, j->revision) && list_has(j->from_revs, j->revision);
}

int aurmig__journal_start(aurmig_conn *c, const char *run_id, long seq)
{
	aurmig__buf b;
	char now[64];

	utc_now(now);
	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_printf(&b, "UPDATE %s SET outcome = ", c->journal_table);
	aurmig__db_quote(&b, c->dialect, AURMIG__J_RUNNING);
	aurmig__buf_puts(&b, ", started_at = ");
	aurmig__db_quote(&b, c->dialect, now);
	return run_row_update(c, &b, run_id, seq, AURMIG__J_QUEUED);
}

int aurmig__journal_drop_queued(aurmig_conn *c, const char *run_id)
{
	aurmig__buf b;

	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_printf(&b, "DELETE FROM %s WHERE run_id = ", c->journal_table);
	aurmig__db_quote(&b, c->dialect, run_id);
	aurmig__buf_puts(&b, " AND outcome = ");
	aurmig__db_quote(&b, c->dialect, AURMIG__J_QUEUED);
	return aurmig__db_exec_buf(c, &b);
}

/* The aliases of the journal table in the merged UPDATE (a version table
 * may have any name, but not one starting with aurmig_journal). */
#define J_THIS "aurmig_journal_this"
#define J_NEXT "aurmig_journal_next"

int aurmig__journal_success_with_version(aurmig_conn *c, const char *run_id, long seq, long done,
	const char *from, const char *to, long next, int *merged)
{
	unsigned long long n = 0, want = 1 + (from ? 1 : 0) + (next >= 0 ? 1 : 0);
	aurmig__buf b;
	char now[64];
	char *sql;
	int rc;

	*merged = 0;
	if (c->dialect != AURMIG_DIALECT_MYSQL || want < 2)
		return AURMIG_OK;
	if ((rc = aurmig__lock_renew(c)))   /* a cluster's lease: still ours? */
		return rc;
	utc_now(now);
	aurmig__buf_init(&b, c->ctx);
	/* a join of single rows: it matches all of them or none */
	aurmig__buf_puts(&b, "UPDATE ");
	if (from)
		aurmig__buf_printf(&b, "%s, ", c->version_table);
	aurmig__buf_printf(&b, "%s AS " J_THIS, c->journal_table);
	if (next >= 0)
		aurmig__buf_printf(&b, ", %s AS " J_NEXT, c->journal_table);
	aurmig__buf_puts(&b, " SET ");
	if (from) {
		aurmig__buf_printf(&b, "%s.version_num = ", c->version_table);
		aurmig__db_quote(&b, c->dialect, to);
		aurmig__buf_puts(&b, ", ");
	}
	aurmig__buf_printf(&b, J_THIS ".statements_done = %ld, " J_THIS ".outcome = ", done);
	aurmig__db_quote(&b, c->dialect, AURMIG__J_SUCCESS);
	aurmig__buf_puts(&b, ", " J_THIS ".finished_at = ");
	aurmig__db_quote(&b, c->dialect, now);
	aurmig__buf_puts(&b, ", " J_THIS ".error = NULL");
	if (next >= 0) {
		aurmig__buf_puts(&b, ", " J_NEXT ".outcome = ");
		aurmig__db_quote(&b, c->dialect, AURMIG__J_RUNNING);
		aurmig__buf_puts(&b, ", " J_NEXT ".started_at = ");
		aurmig__db_quote(&b, c->dialect, now);
	}
	aurmig__buf_puts(&b, " WHERE ");
	if (from) {
		aurmig__buf_printf(&b, "%s.version_num = ", c->version_table);
		aurmig__db_quote(&b, c->dialect, from);
		aurmig__buf_puts(&b, " AND ");
	}
	aurmig__buf_puts(&b, J_THIS ".run_id = ");
	aurmig__db_quote(&b, c->dialect, run_id);
	aurmig__buf_printf(&b, " AND " J_THIS ".seq = %ld AND " J_THIS ".outcome = ", seq);
	aurmig__db_quote(&b, c->dialect, AURMIG__J_RUNNING);
	if (next >= 0) {
		aurmig__buf_puts(&b, " AND " J_NEXT ".run_id = ");
		aurmig__db_quote(&b, c->dialect, run_id);
		aurmig__buf_printf(&b, " AND " J_NEXT ".seq = %ld AND " J_NEXT ".outcome = ", next);
		aurmig__db_quote(&b, c->dialect, AURMIG__J_QUEUED);
	}
	if (!(sql = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	rc = c->ops->exec(c, sql, &n);
	if (!rc && n == want)
		*merged = 1;
	else if (!rc && n != 0) {
		rc = aurmig__err(c->ctx, AURMIG_ECONFLICT, AURMIG_ERRCLASS_DB,
			"Online migration expected to match one row each when updating '%s' to '%s' in '%s', the "
			"journal row of run %s step %ld%s; %llu rows changed, not %llu", from ? from : "-",
			to ? to : "-", c->version_table, run_id, seq, next >= 0 ? " and the next step's row" : "", n,
			want);
		aurmig__err_set_statement(c->ctx, sql);
	}
	free(sql);
	return rc;
}
