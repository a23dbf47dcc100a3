/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Round trips (issue 20.5, 20.6), counted on real databases: the start-up
 * check (aurmig_status_from) sends at most 2 statements whatever the state
 * (on SQLite 2 + the BEGIN and COMMIT of its read transaction),
 * and an upgrade's bookkeeping stays within its bound per revision. SQLite
 * always; MariaDB and PostgreSQL when AURMIG_TEST_MYSQL_URL /
 * AURMIG_TEST_PGSQL_URL are set (scripts/test.sh). The count is the
 * connection's own (every statement libaurmig hands the driver), and on
 * MariaDB the server's session counter Questions must agree with it.
 * Each run uses its own version table (and so its own journal) and table
 * names, so runs sharing a server do not meet.
 */
#include <unistd.h>

#include "../unit/testutil.h"
#include "db/db.h"

typedef struct fx {
	aurmig_context *ctx;
	char *dir;
	char *dbdir;
	char url[4200];
	char vt[64];
	char tag[32];
	aurmig_conn *conn;
	aurmig_graph *graph;
} fx;

static const char *backend_url(int dialect)
{
	return dialect == AURMIG_DIALECT_MYSQL ? getenv("AURMIG_TEST_MYSQL_URL") :
		getenv("AURMIG_TEST_PGSQL_URL");
}

static void exec_ok(fx *f, const char *sql)
{
	if (aurmig_conn_exec(f->conn, sql) != AURMIG_OK)
		fail_msg("%s: %s", sql, aurmig_error_last(f->ctx)->message);
}

static void drop_all(fx *f, int nt)
{
	char sql[256];

	f->ctx->err_hold++;
	for (int i = 1; i <= nt; i++) {
		snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS t_%s_%d", f->tag, i);
		aurmig_conn_exec(f->conn, sql);
	}
	snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", f->vt);
	aurmig_conn_exec(f->conn, sql);
	snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", aurmig_conn_journal_table(f->conn));
	aurmig_conn_exec(f->conn, sql);
	f->ctx->err_hold--;
}

/* dialect's database, or NULL (skip) when no server is configured */
static fx *open_fx(int dialect, const char *what)
{
	fx *f = calloc(1, sizeof(*f));
	const char *url = dialect == AURMIG_DIALECT_SQLITE ? NULL : backend_url(dialect);

	assert_non_null(f);
	if (dialect != AURMIG_DIALECT_SQLITE && (!url || !*url)) {
		free(f);
		return NULL;
	}
	assert_int_equal(aurmig_context_new(&f->ctx), AURMIG_OK);
	f->dir = tu_mkdtemp();
	f->dbdir = tu_mkdtemp();
	if (url)
		snprintf(f->url, sizeof(f->url), "%s", url);
	else
		snprintf(f->url, sizeof(f->url), "sqlite:///%s/test.db", f->dbdir);
	snprintf(f->tag, sizeof(f->tag), "%s%ld", what, (long)getpid());
	snprintf(f->vt, sizeof(f->vt), "rt_%s", f->tag);
	if (aurmig_conn_open(&f->conn, f->ctx, f->url) != AURMIG_OK)
		fail_msg("open %s: %s", f->url, aurmig_error_last(f->ctx)->message);
	assert_int_equal(aurmig_conn_set_version_table(f->conn, f->vt), AURMIG_OK);
	return f;
}

static void close_fx(fx *f, int nt)
{
	drop_all(f, nt);
	aurmig_graph_free(f->graph);
	aurmig_conn_free(f->conn);
	aurmig_context_free(f->ctx);
	tu_rmtree(f->dir);
	tu_rmtree(f->dbdir);
	free(f);
}

/* n revisions r1..rn; each creates a table and an index, and inserts a row
 * (with dml; else only the two DDL statements) */
static void write_line_of(fx *f, int n, int dml)
{
	for (int i = 1; i <= n; i++) {
		char name[64], text[1024], down[64] = "";
		if (i > 1)
			snprintf(down, sizeof(down), "-- aurmig:down_revision r%d\n", i - 1);
		snprintf(text, sizeof(text),
			"-- aurmig:revision r%d\n%s-- aurmig:message m%d\n-- aurmig:upgrade\n"
			"CREATE TABLE t_%s_%d (id INTEGER PRIMARY KEY, name VARCHAR(40));\n"
			"CREATE INDEX ix_%s_%d ON t_%s_%d (name);\n"
			"%s%s%s%.0d%s"
			"-- aurmig:downgrade\nDROP TABLE t_%s_%d;\n",
			i, down, i, f->tag, i, f->tag, i, f->tag, i, dml ? "INSERT INTO t_" : "", dml ? f->tag : "",
			dml ? "_" : "", dml ? i : 0, dml ? " (id, name) VALUES (1, 'x');\n" : "", f->tag, i);
		snprintf(name, sizeof(name), "r%d.sql", i);
		tu_write(f->dir, name, text);
	}
	if (aurmig_graph_load(&f->graph, f->ctx, f->dir) != AURMIG_OK)
		fail_msg("load: %s", aurmig_error_last(f->ctx)->message);
}

static void write_line(fx *f, int n)
{
	write_line_of(f, n, 1);
}

static void upgrade(fx *f, const char *target)
{
	aurmig_plan *p = NULL;
	int rc = aurmig_plan_new(&p, f->conn, f->graph, AURMIG_CMD_UPGRADE, &target, 1, NULL);

	if (!rc)
		rc = aurmig_plan_run(p);
	aurmig_plan_free(p);
	if (rc)
		fail_msg("upgrade %s: %s", target, aurmig_error_last(f->ctx)->message);
}

/* MariaDB's count of the statements this session sent (Questions). */
static long questions(fx *f)
{
	aurmig__strv cells = { 0 };
	size_t ncols = 0;
	long v;

	if (f->conn->ops->query_cells(f->conn, "SHOW SESSION STATUS LIKE 'Questions'", &cells, &ncols))
		fail_msg("Questions: %s", aurmig_error_last(f->ctx)->message);
	assert_int_equal(ncols, 2);
	assert_int_equal(cells.n, 2);
	v = strtol(cells.v[1], NULL, 10);
	aurmig__strv_clear(&cells);
	return v;
}

/* Statements sent by fn(f), by the connection's count; on MariaDB checked
 * against the server's. */
static unsigned long count(fx *f, void (*fn)(fx *, void *), void *arg)
{
	unsigned long before, sent;
	long q0 = 0, q1 = 0, q2 = 0;

	if (f->conn->dialect == AURMIG_DIALECT_MYSQL) {
		q0 = questions(f);
		q1 = questions(f);   /* what one SHOW adds (it counts itself) */
	}
	before = f->conn->statements;
	fn(f, arg);
	sent = f->conn->statements - before;
	if (f->conn->dialect == AURMIG_DIALECT_MYSQL) {
		q2 = questions(f);
		if ((unsigned long)(q2 - q1 - (q1 - q0)) != sent)
			fail_msg("the server counted %ld statements, the connection %lu", q2 - q1 - (q1 - q0), sent);
	}
	return sent;
}

static void status_fn(fx *f, void *arg)
{
	aurmig_status *s = NULL;
	int *state = arg;

	if (aurmig_status_from(&s, f->conn, f->graph) != AURMIG_OK)
		fail_msg("status: %s", aurmig_error_last(f->ctx)->message);
	*state = aurmig_status_state(s);
	aurmig_status_free(s);
}

static void expect_status(fx *f, const char *what, int want_state)
{
	int state = -1;
	unsigned long n = count(f, status_fn, &state);
	/* on SQLite (no round trips: the database is in-process) the reads run
	 * inside one BEGIN ... COMMIT, which saves libdbd-sqlite3's per-column
	 * type lookups a file-lock cycle each (lib/db/state.c) */
	unsigned long bound = f->conn->dialect == AURMIG_DIALECT_SQLITE ? 4 : 2;

	if (state != want_state)
		fail_msg("%s (%s): state %d, want %d", what, f->url, state, want_state);
	if (n > bound)
		fail_msg("%s (%s): the start-up check sent %lu statements, more than %lu", what, f->url, n, bound);
	print_message("  %-40s %lu statement%s\n", what, n, n == 1 ? "" : "s");
}

static void status_states(int dialect, const char *name)
{
	fx *f = open_fx(dialect, name);
	char sql[512];

	if (!f) {
		print_message("  %s: no server (AURMIG_TEST_*_URL unset), skipped\n", name);
		return;
	}
	write_line(f, 3);
	drop_all(f, 3);
	expect_status(f, "no version table, no journal", AURMIG_STATE_BEHIND);
	upgrade(f, "r1");
	expect_status(f, "behind", AURMIG_STATE_BEHIND);
	upgrade(f, "heads");
	expect_status(f, "at head", AURMIG_STATE_AT_HEAD);
	/* the last step's row: failed after its first statement */
	snprintf(sql, sizeof(sql), "UPDATE %s SET outcome = 'failed', statements_done = 1, is_atomic = 0 "
		"WHERE revision = 'r3'", aurmig_conn_journal_table(f->conn));
	exec_ok(f, sql);
	expect_status(f, "a failed journal row", AURMIG_STATE_RECOVERY);
	/* a journal, no version table (as after an init that stopped) */
	snprintf(sql, sizeof(sql), "DROP TABLE %s", f->vt);
	exec_ok(f, sql);
	expect_status(f, "journal, no version table", AURMIG_STATE_RECOVERY);
	/* a database Alembic manages: a version table, no journal */
	snprintf(sql, sizeof(sql), "CREATE TABLE %s (version_num VARCHAR(32) NOT NULL PRIMARY KEY)", f->vt);
	exec_ok(f, sql);
	snprintf(sql, sizeof(sql), "INSERT INTO %s (version_num) VALUES ('r3')", f->vt);
	exec_ok(f, sql);
	snprintf(sql, sizeof(sql), "DROP TABLE %s", aurmig_conn_journal_table(f->conn));
	exec_ok(f, sql);
	expect_status(f, "version table, no journal", AURMIG_STATE_AT_HEAD);
	close_fx(f, 3);
}

static void test_status_sqlite(void **state) { (void)state; status_states(AURMIG_DIALECT_SQLITE, "sqlite"); }
static void test_status_mysql(void **state) { (void)state; status_states(AURMIG_DIALECT_MYSQL, "mysql"); }
static void test_status_pgsql(void **state) { (void)state; status_states(AURMIG_DIALECT_PGSQL, "pgsql"); }

/* One cell of a query on the fixture's connection. */
static char *cell(fx *f, const char *sql, size_t col)
{
	aurmig__strv cells = { 0 };
	size_t ncols = 0;
	char *v;

	if (f->conn->ops->query_cells(f->conn, sql, &cells, &ncols))
		fail_msg("%s: %s", sql, aurmig_error_last(f->ctx)->message);
	assert_true(col < ncols && cells.n == ncols);
	v = strdup(cells.v[col] ? cells.v[col] : "(null)");
	aurmig__strv_clear(&cells);
	return v;
}

/*
 * MariaDB, a fresh connection as each PHP-FPM request opens (issue 20.6):
 * opening it sends nothing (the driver's SET NAMES and the Galera probe
 * were two round trips: the handshake already sets utf8mb4), the session
 * still talks utf8mb4, and the start-up check with aurmig_status_new's
 * timeout is one statement: the read carries the timeout and the causal
 * read setting itself (SET STATEMENT ... FOR), which leave the session's
 * own settings as they were.
 */
static void test_fresh_connection_mysql(void **state)
{
	fx *f = open_fx(AURMIG_DIALECT_MYSQL, "fresh");
	int st = -1;
	unsigned long n;
	long q;
	char *v;

	(void)state;
	if (!f) {
		print_message("  mysql: no server (AURMIG_TEST_MYSQL_URL unset), skipped\n");
		return;
	}
	assert_int_equal(f->conn->statements, 0);
	q = questions(f);   /* counts itself */
	if (q != 1)
		fail_msg("opening the connection sent %ld statements the library did not (want 0)", q - 1);
	for (size_t i = 0; i < 3; i++) {
		v = cell(f, "SELECT @@character_set_client, @@character_set_connection, @@character_set_results", i);
		if (strcmp(v, "utf8mb4") != 0)
			fail_msg("the session's character set %zu is %s, not utf8mb4", i, v);
		free(v);
	}
	write_line(f, 2);
	upgrade(f, "heads");
	f->conn->read_timeout_ms = 3000;   /* as aurmig_status_new_timeout leaves it */
	f->conn->timeout_ms = 3000;
	n = count(f, status_fn, &st);
	assert_int_equal(st, AURMIG_STATE_AT_HEAD);
	if (n != 1)
		fail_msg("the start-up check on a fresh connection sent %lu statements, want 1", n);
	v = cell(f, "SELECT @@session.max_statement_time, @@session.wsrep_sync_wait", 0);
	assert_true(strtod(v, NULL) == 0.0);   /* the session's own: not changed */
	free(v);
	print_message("  fresh MariaDB connection: 0 statements to open, %lu for the check\n", n);
	close_fx(f, 2);
}

static void upgrade_fn(fx *f, void *arg)
{
	upgrade(f, arg);
}

/*
 * The bookkeeping per revision of an upgrade: each revision creates a table
 * and an index and inserts a row (bench/'s revisions); the same commits run
 * by a client take 6 statements (the 3, START TRANSACTION, the version row's
 * UPDATE, COMMIT). A fixed cost per run (the lock, the reads before the
 * plan) is taken out by comparing a run of 1 revision with one of 8.
 * MariaDB commits DDL at once: after each DDL statement the journal records
 * it (recovery needs to know); the rest rides along: the last DML
 * statement, the version change, the success record and the next step's
 * running row (written "queued" when the run starts) in one transaction, the
 * last three in one statement. 2 more than the client (was 8, then 3).
 * Without the INSERT (dml 0; the client: 5) the last DDL statement's
 * progress rides on that statement too, in autocommit: 4, one fewer than
 * the client (was 8).
 */
static void per_revision_of(int dialect, const char *name, double bound, int dml)
{
	fx *f = open_fx(dialect, name);
	char r2[] = "r2", r10[] = "r10";
	unsigned long one, eight;
	double per;

	if (!f) {
		print_message("  %s: no server (AURMIG_TEST_*_URL unset), skipped\n", name);
		return;
	}
	write_line_of(f, 10, dml);
	drop_all(f, 10);
	upgrade(f, "r1");
	one = count(f, upgrade_fn, r2);
	eight = count(f, upgrade_fn, r10);
	per = (double)(eight - one) / 7.0;
	print_message("  %s%s: %lu statements for 1 revision, %lu for 8: %.2f per revision (a client: %d)\n",
		name, dml ? "" : ", DDL only", one, eight, per, dml ? 6 : 5);
	if (per > bound)
		fail_msg("%s: %.2f statements per revision, more than %.0f", name, per, bound);
	close_fx(f, 10);
}

static void per_revision(int dialect, const char *name, double bound)
{
	per_revision_of(dialect, name, bound, 1);
}

static void test_per_revision_mysql(void **state) { (void)state; per_revision(AURMIG_DIALECT_MYSQL, "mysql", 8); }
static void test_per_revision_ddl_mysql(void **state)
{
	(void)state;
	per_revision_of(AURMIG_DIALECT_MYSQL, "mysql", 4, 0);
}
static void test_per_revision_sqlite(void **state) { (void)state; per_revision(AURMIG_DIALECT_SQLITE, "sqlite", 8); }
/* SQLite and PostgreSQL: a step is one transaction (BEGIN, the statements,
 * the version row, the success record, the next step's running row, COMMIT;
 * PostgreSQL also sets its lock timeout in it): as before, a bound that holds */
static void test_per_revision_pgsql(void **state) { (void)state; per_revision(AURMIG_DIALECT_PGSQL, "pgsql", 9); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_sqlite),
		cmocka_unit_test(test_status_mysql),
		cmocka_unit_test(test_status_pgsql),
		cmocka_unit_test(test_fresh_connection_mysql),
		cmocka_unit_test(test_per_revision_mysql),
		cmocka_unit_test(test_per_revision_ddl_mysql),
		cmocka_unit_test(test_per_revision_sqlite),
		cmocka_unit_test(test_per_revision_pgsql),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
