/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hostile input: what a broken or malicious migrations directory, database
 * or argument does to the library. Each case asserts the error (or that the
 * input is handled), never a crash, a hang, or unbounded recursion:
 *
 *  - scripts with NUL bytes, invalid UTF-8, control characters in headers,
 *    10 MB lines, more than 64 MiB;
 *  - a 10,000-deep chain (graph, planning, SQL rendering, history, a real
 *    upgrade and downgrade), a 1,000-parent merge and a 1,000-head fan;
 *    run on a thread with a small stack, so recursion over the depth of
 *    the graph would overflow it;
 *  - cycles (short, through depends_on, a 10,000-long ring);
 *  - symlink loops, dangling links, FIFOs and devices in the directory;
 *  - a version table with garbage rows or extra columns, a broken journal;
 *  - version table names with quotes;
 *  - quotes, "--" and ";" in messages and failing statements: they land in
 *    SQL quoted, and in the journal intact;
 *  - relative steps beyond a long (a fuzz_target find).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>

#include "../unit/testutil.h"
#include "db/db.h"
#include "graph/graph_priv.h"
#include "base/split.h"

#define DEEP 10000
#define WIDE 1000
#define TEN_MB (10u * 1024u * 1024u)

typedef struct fx {
	aurmig_context *ctx;
	char *dir;
	char *dbdir;
	char url[4300];
	char db[4200];
	aurmig_conn *conn;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(aurmig_context_new(&f->ctx), AURMIG_OK);
	f->dir = tu_mkdtemp();
	f->dbdir = tu_mkdtemp();
	snprintf(f->db, sizeof(f->db), "%s/h.db", f->dbdir);
	snprintf(f->url, sizeof(f->url), "sqlite:///%s", f->db);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	aurmig_conn_free(f->conn);
	aurmig_context_free(f->ctx);
	tu_rmtree(f->dir);
	tu_rmtree(f->dbdir);
	free(f);
	return 0;
}

static aurmig_conn *conn(fx *f)
{
	if (!f->conn && aurmig_conn_open(&f->conn, f->ctx, f->url) != AURMIG_OK)
		fail_msg("open: %s", aurmig_error_last(f->ctx)->message);
	return f->conn;
}

/* Write len bytes (may hold NULs). */
static void write_bytes(const char *dir, const char *name, const char *text, size_t len)
{
	char path[4400];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static char *path_in(const char *dir, const char *name)
{
	char *p = malloc(4400);

	assert_non_null(p);
	snprintf(p, 4400, "%s/%s", dir, name);
	return p;
}

/* Load dir; expect code, a message holding needle, the error on `line` (-1: any). */
static void expect_load(fx *f, const char *dir, int code, const char *needle, int line)
{
	aurmig_graph *g = (aurmig_graph *)0x1;
	int rc = aurmig_graph_load(&g, f->ctx, dir);
	const aurmig_error *e = aurmig_error_last(f->ctx);

	if (rc != code)
		fail_msg("load: got %d (%s), want %d", rc, e->message, code);
	if (code == AURMIG_OK) {
		aurmig_graph_free(g);
		return;
	}
	assert_null(g);
	assert_int_equal(e->code, code);
	if (!strstr(e->message, needle))
		fail_msg("message '%.300s' lacks '%s'", e->message, needle);
	if (line >= 0)
		assert_int_equal(e->line, line);
}

static aurmig_graph *load_ok(fx *f, const char *dir)
{
	aurmig_graph *g = NULL;

	if (aurmig_graph_load(&g, f->ctx, dir) != AURMIG_OK)
		fail_msg("load: %.500s", aurmig_error_last(f->ctx)->message);
	return g;
}

static int plan_run(aurmig_conn *c, const aurmig_graph *g, int cmd, const char *target, unsigned flags)
{
	aurmig_plan_options o = AURMIG_PLAN_OPTIONS_INIT;
	aurmig_plan *p = NULL;
	int rc;

	o.flags = flags;
	rc = aurmig_plan_new(&p, c, g, cmd, &target, 1, &o);
	if (!rc)
		rc = aurmig_plan_run(p);
	aurmig_plan_free(p);
	return rc;
}

static void run_ok(fx *f, const aurmig_graph *g, int cmd, const char *target, unsigned flags)
{
	if (plan_run(conn(f), g, cmd, target, flags) != AURMIG_OK)
		fail_msg("%d %s: %.500s", cmd, target, aurmig_error_last(f->ctx)->message);
}

static size_t nrows(fx *f)
{
	size_t n = 0;

	assert_int_equal(aurmig_conn_read_current(conn(f), &n), AURMIG_OK);
	return n;
}

/* ---------------------------------------------------------------- bytes */

static void test_nul_bytes(void **state)
{
	fx *f = *state;
	static const char header[] = "-- aurmig:revision aaaa\n-- aurmig:message a\0b\n-- aurmig:upgrade\n";
	static const char sql[] = "-- aurmig:revision aaaa\n-- aurmig:upgrade\nSELECT 1;\nSELECT '\0';\n";

	write_bytes(f->dir, "aaaa_nul.sql", header, sizeof(header) - 1);
	expect_load(f, f->dir, AURMIG_EPARSE, "NUL byte", 2);
	write_bytes(f->dir, "aaaa_nul.sql", sql, sizeof(sql) - 1);
	expect_load(f, f->dir, AURMIG_EPARSE, "NUL byte", 4);
	/* and a NUL where the splitter would see it, had the parser let it through */
	{
		aurmig__stmt *st = NULL;
		size_t n = 0;
		assert_int_equal(aurmig__split(&st, &n, f->ctx, "SELECT 1;\nSELECT\0 2;", 20, AURMIG_DIALECT_MYSQL,
			"x.sql", 1), AURMIG_EPARSE);
		assert_null(st);
		assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "NUL"));
		assert_int_equal(aurmig_error_last(f->ctx)->line, 2);
	}
}

static void test_invalid_utf8(void **state)
{
	fx *f = *state;
	static const struct {
		const char *bytes;
		const char *what;
	} bad[] = {
		{ "\xff", "0xFF" },
		{ "\x80", "lone continuation" },
		{ "\xc0\xaf", "overlong /" },
		{ "\xe0\x80\xaf", "overlong 3-byte" },
		{ "\xed\xa0\x80", "surrogate" },
		{ "\xf4\x90\x80\x80", "above U+10FFFF" },
		{ "\xf8\x88\x80\x80\x80", "5-byte form" },
		{ "\xe2\x82", "truncated" },
		{ "\xe9t\xe9", "Latin-1" },
	};
	char text[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* in the message (line 2), then in SQL (line 4), then as the very last bytes */
		snprintf(text, sizeof(text), "-- aurmig:revision aaaa\n-- aurmig:message x%s\n-- aurmig:upgrade\n", bad[i].bytes);
		tu_write(f->dir, "aaaa_utf8.sql", text);
		print_message("%s\n", bad[i].what);
		expect_load(f, f->dir, AURMIG_EPARSE, "invalid UTF-8", 2);
		assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "column 20"));
		snprintf(text, sizeof(text), "-- aurmig:revision aaaa\n-- aurmig:upgrade\nSELECT 1;\nSELECT '%s';\n", bad[i].bytes);
		tu_write(f->dir, "aaaa_utf8.sql", text);
		expect_load(f, f->dir, AURMIG_EPARSE, "invalid UTF-8", 4);
		snprintf(text, sizeof(text), "-- aurmig:revision aaaa\n-- aurmig:upgrade\n--%s", bad[i].bytes);
		tu_write(f->dir, "aaaa_utf8.sql", text);
		expect_load(f, f->dir, AURMIG_EPARSE, "invalid UTF-8", 3);
	}
	/* well-formed UTF-8 of every length is fine, in headers and SQL */
	tu_write(f->dir, "aaaa_utf8.sql", "-- aurmig:revision aaaa\n-- aurmig:message caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e\n"
		"-- aurmig:upgrade\nCREATE TABLE t (a TEXT DEFAULT '\xef\xbf\xbd');\n");
	expect_load(f, f->dir, AURMIG_OK, NULL, -1);
}

static void test_control_characters_in_headers(void **state)
{
	fx *f = *state;
	aurmig_graph *g;

	/* a carriage return ends a PostgreSQL comment: in offline SQL the rest would run */
	tu_write(f->dir, "aaaa_cr.sql", "-- aurmig:revision aaaa\n-- aurmig:message x\rDROP TABLE users; --\n"
		"-- aurmig:upgrade\n");
	expect_load(f, f->dir, AURMIG_EPARSE, "message contains a control character (0x0D)", 2);
	tu_write(f->dir, "aaaa_cr.sql", "-- aurmig:revision aaaa\n-- aurmig:message \x1b[31mred\n-- aurmig:upgrade\n");
	expect_load(f, f->dir, AURMIG_EPARSE, "control character (0x1B)", 2);
	tu_write(f->dir, "aaaa_cr.sql", "-- aurmig:revision aaaa\n-- aurmig:create_date 2020\x0b" "01\n-- aurmig:upgrade\n");
	expect_load(f, f->dir, AURMIG_EPARSE, "create_date contains a control character", 2);
	/* tabs, and CRLF line ends, are fine */
	tu_write(f->dir, "aaaa_cr.sql", "-- aurmig:revision aaaa\r\n-- aurmig:message a\tb\r\n-- aurmig:upgrade\r\n");
	g = load_ok(f, f->dir);
	assert_string_equal(aurmig_migration_message(aurmig_graph_get(g, "aaaa")), "a\tb");
	aurmig_graph_free(g);
}

/* A 10 MB run of c. */
static char *big(char c)
{
	char *s = malloc(TEN_MB + 1);

	assert_non_null(s);
	memset(s, c, TEN_MB);
	s[TEN_MB] = '\0';
	return s;
}

static void write_script(const char *dir, const char *name, const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *text = malloc(la + lb + lc + 1);

	assert_non_null(text);
	memcpy(text, a, la);
	memcpy(text + la, b, lb);
	memcpy(text + la + lb, c, lc + 1);
	write_bytes(dir, name, text, la + lb + lc);
	free(text);
}

static void test_huge_lines(void **state)
{
	fx *f = *state;
	char *x = big('x');
	aurmig_graph *g;
	const aurmig_migration *m;
	size_t n;

	/* a 10 MB revision id: refused, and the message quotes only the start of it */
	write_script(f->dir, "aaaa_big.sql", "-- aurmig:revision ", x, "\n-- aurmig:upgrade\n");
	expect_load(f, f->dir, AURMIG_EPARSE, "longer than 32 characters", 1);
	assert_true(strlen(aurmig_error_last(f->ctx)->message) < 512);
	/* 10 MB of SQL before the first section */
	write_script(f->dir, "aaaa_big.sql", "-- aurmig:revision aaaa\n", x, "\n-- aurmig:upgrade\n");
	expect_load(f, f->dir, AURMIG_EPARSE, "SQL outside a section", 2);
	assert_true(strlen(aurmig_error_last(f->ctx)->message) < 512);
	/* a 10 MB unterminated string: found at plan time, on its line */
	write_script(f->dir, "aaaa_big.sql", "-- aurmig:revision aaaa\n-- aurmig:upgrade\nSELECT 1;\nSELECT '", x, "\n");
	g = load_ok(f, f->dir);
	assert_int_equal(plan_run(conn(f), g, AURMIG_CMD_UPGRADE, "heads", 0), AURMIG_EPARSE);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "unterminated single-quoted string"));
	assert_int_equal(aurmig_error_last(f->ctx)->line, 4);
	assert_true(strlen(aurmig_error_last(f->ctx)->message) < 4600);
	aurmig_graph_free(g);
	assert_int_equal(nrows(f), 0);
	/* a 10 MB message is kept whole */
	write_script(f->dir, "aaaa_big.sql", "-- aurmig:revision aaaa\n-- aurmig:message ", x, "\n-- aurmig:upgrade\n");
	g = load_ok(f, f->dir);
	assert_int_equal(strlen(aurmig_migration_message(aurmig_graph_get(g, "aaaa"))), TEN_MB);
	aurmig_graph_free(g);
	/* a 10 MB statement on one line runs */
	write_script(f->dir, "aaaa_big.sql", "-- aurmig:revision aaaa\n-- aurmig:upgrade\nCREATE TABLE big (v TEXT);\n"
		"INSERT INTO big VALUES ('", x, "');\n-- aurmig:downgrade\nDROP TABLE big;\n");
	g = load_ok(f, f->dir);
	m = aurmig_graph_get(g, "aaaa");
	{
		int line;
		const char *sql = aurmig_migration_sql(m, AURMIG_UPGRADE, AURMIG_DIALECT_SQLITE, &line);
		aurmig__stmt *st = NULL;
		assert_int_equal(aurmig__split(&st, &n, f->ctx, sql, strlen(sql), AURMIG_DIALECT_SQLITE, "x", line), AURMIG_OK);
		assert_int_equal(n, 2);
		assert_int_equal(st[1].len, TEN_MB + 27);
		assert_int_equal(st[1].line, 4);
		free(st);
	}
	run_ok(f, g, AURMIG_CMD_UPGRADE, "heads", 0);
	{
		aurmig__strv cells = { 0 };
		size_t ncols;
		assert_int_equal(conn(f)->ops->query_cells(conn(f), "SELECT length(v) FROM big", &cells, &ncols), AURMIG_OK);
		assert_int_equal(cells.n, 1);
		assert_int_equal(strtoul(cells.v[0], NULL, 10), TEN_MB);
		aurmig__strv_clear(&cells);
	}
	run_ok(f, g, AURMIG_CMD_DOWNGRADE, "base", 0);
	aurmig_graph_free(g);
	free(x);
}

static void test_too_large(void **state)
{
	fx *f = *state;
	char *p = path_in(f->dir, "aaaa_huge.sql");
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0600);

	/* sparse: 65 MiB of file without writing them */
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "-- aurmig:revision aaaa\n", 24), 24);
	assert_int_equal(ftruncate(fd, 65 * 1024 * 1024), 0);
	close(fd);
	expect_load(f, f->dir, AURMIG_EPARSE, "larger than 64 MiB", -1);
	free(p);
}

/* ---------------------------------------------------------------- deep and wide graphs */

/* Runs work on a thread with a 512 KiB stack: recursion over the 10,000
 * levels of the graph would overflow it (and crash the test). */
typedef struct small_stack {
	void (*work)(fx *f, void *arg);
	fx *f;
	void *arg;
	int failed;
	char message[1024];
} small_stack;

static __thread small_stack *current_job;

/* Record a failure on the worker thread (cmocka's asserts must stay on the main thread). */
#define WCHECK(cond) do { \
	if (!(cond) && !current_job->failed) { \
		current_job->failed = 1; \
		snprintf(current_job->message, sizeof(current_job->message), "%s:%d: %s (%.600s)", __FILE__, \
			__LINE__, #cond, aurmig_error_last(current_job->f->ctx)->message); \
	} \
} while (0)

static void *job_main(void *arg)
{
	small_stack *j = arg;

	current_job = j;
	j->work(j->f, j->arg);
	return NULL;
}

static void on_small_stack(fx *f, void (*work)(fx *, void *), void *arg)
{
	small_stack j = { work, f, arg, 0, "" };
	pthread_attr_t attr;
	pthread_t t;

	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(pthread_attr_setstacksize(&attr, 512 * 1024), 0);
	assert_int_equal(pthread_create(&t, &attr, job_main, &j), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_attr_destroy(&attr);
	if (j.failed)
		fail_msg("%s", j.message);
}

static void write_chain(const char *dir, size_t n, int ring)
{
	char name[64], text[512], id[16], down[16];

	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "c%05zu", i);
		snprintf(down, sizeof(down), "c%05zu", i ? i - 1 : n - 1);
		snprintf(name, sizeof(name), "%s_step.sql", id);
		snprintf(text, sizeof(text), "-- aurmig:revision %s\n%s%s%s%s-- aurmig:message step %zu\n"
			"-- aurmig:upgrade\n-- aurmig:downgrade\n", id,
			i || ring ? "-- aurmig:down_revision " : "", i || ring ? down : "", i || ring ? "\n" : "",
			i == 0 ? "-- aurmig:branch_labels deep\n" : "", i);
		tu_write(dir, name, text);
	}
}

static void deep_work(fx *f, void *arg)
{
	aurmig_graph *g = NULL;
	aurmig_revlist *l = NULL;
	aurmig_plan *p = NULL;
	const aurmig_migration *m = NULL;
	const char *t = "heads", *sql = NULL, *cur[] = { "c05000" };
	int rc;

	(void)arg;
	rc = aurmig_graph_load(&g, f->ctx, f->dir);
	WCHECK(rc == AURMIG_OK);
	if (rc)
		return;
	WCHECK(aurmig_graph_count(g) == DEEP);
	WCHECK(aurmig_graph_head_count(g) == 1 && aurmig_graph_base_count(g) == 1);
	WCHECK(aurmig_migration_branch_count(aurmig_graph_get(g, "c09999")) == 1);   /* the label reached the top */
	WCHECK(aurmig_graph_lookup(&m, g, "deep@c0999") == AURMIG_EAMBIGUOUS);
	WCHECK(aurmig_graph_lookup(&m, g, "deep@c09999") == AURMIG_OK);
	/* history: everything, a range, relative walks over the whole depth */
	WCHECK(aurmig_graph_history(&l, g, NULL, NULL, 0) == AURMIG_OK && aurmig_revlist_count(l) == DEEP);
	aurmig_revlist_free(l);
	WCHECK(aurmig_graph_history(&l, g, "c00001:c09998", NULL, 0) == AURMIG_OK && aurmig_revlist_count(l) == DEEP - 2);
	aurmig_revlist_free(l);
	WCHECK(aurmig_graph_history(&l, g, "-5000:current", cur, 1) == AURMIG_OK && aurmig_revlist_count(l) == 5001);
	aurmig_revlist_free(l);
	WCHECK(aurmig_graph_history(&l, g, "base:c00000+9999", NULL, 0) == AURMIG_OK && aurmig_revlist_count(l) == DEEP);
	aurmig_revlist_free(l);
	WCHECK(aurmig_graph_history(&l, g, "c09999-10000:", NULL, 0) == AURMIG_OK && aurmig_revlist_count(l) == DEEP);
	aurmig_revlist_free(l);
	WCHECK(aurmig_graph_history(&l, g, "c09999-10001:", NULL, 0) == AURMIG_ENOTFOUND);
	WCHECK(aurmig_graph_current(&l, g, cur, 1) == AURMIG_OK && aurmig_revlist_count(l) == 1);
	aurmig_revlist_free(l);
	/* planning and rendering, offline */
	WCHECK(aurmig_plan_new_offline(&p, f->ctx, g, AURMIG_DIALECT_PGSQL, NULL, AURMIG_CMD_UPGRADE, &t, 1, NULL) == AURMIG_OK);
	WCHECK(aurmig_plan_count(p) == DEEP);
	WCHECK(aurmig_plan_sql(&sql, p) == AURMIG_OK && strstr(sql, "c09999"));
	aurmig_plan_free(p);
	t = "deep@-9999";
	WCHECK(aurmig_plan_new_offline(&p, f->ctx, g, AURMIG_DIALECT_MYSQL, "heads", AURMIG_CMD_DOWNGRADE, &t, 1, NULL) == AURMIG_OK);
	WCHECK(aurmig_plan_count(p) == DEEP - 1);
	aurmig_plan_free(p);
	/* and for real, each way in one transaction */
	WCHECK(plan_run(conn(f), g, AURMIG_CMD_UPGRADE, "heads", AURMIG_PLAN_ONE_TRANSACTION) == AURMIG_OK);
	WCHECK(aurmig_conn_read_current(conn(f), NULL) == AURMIG_OK && !strcmp(aurmig_conn_current_head(conn(f), 0), "c09999"));
	WCHECK(plan_run(conn(f), g, AURMIG_CMD_DOWNGRADE, "c00000+1", AURMIG_PLAN_ONE_TRANSACTION) == AURMIG_OK);
	WCHECK(aurmig_conn_read_current(conn(f), NULL) == AURMIG_OK && !strcmp(aurmig_conn_current_head(conn(f), 0), "c00001"));
	aurmig_graph_free(g);
}

static void test_deep_chain(void **state)
{
	fx *f = *state;

	write_chain(f->dir, DEEP, 0);
	conn(f);        /* libdbi's start-up on the main thread */
	on_small_stack(f, deep_work, NULL);
}

static void write_wide(const char *dir, int fan)
{
	aurmig__buf b;
	char name[64], text[256];
	aurmig_context *ctx;

	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	aurmig__buf_init(&b, ctx);
	if (fan)
		tu_write(dir, "root_base.sql", "-- aurmig:revision root\n-- aurmig:upgrade\n-- aurmig:downgrade\n");
	aurmig__buf_puts(&b, "-- aurmig:revision merge\n-- aurmig:down_revision");
	for (int i = 0; i < WIDE; i++) {
		snprintf(name, sizeof(name), "w%04d_p.sql", i);
		snprintf(text, sizeof(text), "-- aurmig:revision w%04d\n%s-- aurmig:upgrade\nCREATE TABLE w%04d (a INTEGER);\n"
			"-- aurmig:downgrade\nDROP TABLE w%04d;\n", i, fan ? "-- aurmig:down_revision root\n" : "", i, i);
		tu_write(dir, name, text);
		aurmig__buf_printf(&b, " w%04d", i);
	}
	aurmig__buf_puts(&b, "\n-- aurmig:upgrade\n-- aurmig:downgrade\n");
	if (!fan)
		tu_write(dir, "merge_all.sql", b.p);
	aurmig__buf_dispose(&b);
	aurmig_context_free(ctx);
}

static void wide_work(fx *f, void *arg)
{
	aurmig_graph *g = NULL;
	aurmig_revlist *l = NULL;
	aurmig_plan *p = NULL;
	const char *t = "heads", *sql = NULL;
	size_t n = 0;

	(void)arg;
	WCHECK(aurmig_graph_load(&g, f->ctx, f->dir) == AURMIG_OK);
	if (!g)
		return;
	WCHECK(aurmig_graph_count(g) == WIDE + 1 && aurmig_graph_base_count(g) == WIDE);
	WCHECK(aurmig_migration_parent_count(aurmig_graph_get(g, "merge")) == WIDE);
	WCHECK(aurmig_graph_history(&l, g, "w0500:", NULL, 0) == AURMIG_OK && aurmig_revlist_count(l) == 2);
	aurmig_revlist_free(l);
	WCHECK(aurmig_plan_new_offline(&p, f->ctx, g, AURMIG_DIALECT_SQLITE, NULL, AURMIG_CMD_UPGRADE, &t, 1, NULL) == AURMIG_OK);
	WCHECK(aurmig_plan_count(p) == WIDE + 1);
	WCHECK(aurmig_plan_sql(&sql, p) == AURMIG_OK);
	aurmig_plan_free(p);
	/* upgrade: 1000 rows, then the merge deletes 999 and updates one */
	WCHECK(plan_run(conn(f), g, AURMIG_CMD_UPGRADE, "heads", AURMIG_PLAN_ONE_TRANSACTION) == AURMIG_OK);
	WCHECK(aurmig_conn_read_current(conn(f), &n) == AURMIG_OK && n == 1);
	/* one step down from a merge forks: refused; to a parent: unmerge, back to 1000 rows */
	WCHECK(plan_run(conn(f), g, AURMIG_CMD_DOWNGRADE, "-1", 0) == AURMIG_EAMBIGUOUS);
	WCHECK(plan_run(conn(f), g, AURMIG_CMD_DOWNGRADE, "w0000", 0) == AURMIG_OK);
	WCHECK(aurmig_conn_read_current(conn(f), &n) == AURMIG_OK && n == WIDE);
	WCHECK(plan_run(conn(f), g, AURMIG_CMD_STAMP, "merge", 0) == AURMIG_OK);
	WCHECK(aurmig_conn_read_current(conn(f), &n) == AURMIG_OK && n == 1);
	WCHECK(plan_run(conn(f), g, AURMIG_CMD_DOWNGRADE, "base", AURMIG_PLAN_ONE_TRANSACTION) == AURMIG_OK);
	WCHECK(aurmig_conn_read_current(conn(f), &n) == AURMIG_OK && n == 0);
	aurmig_graph_free(g);
}

static void test_wide_merge(void **state)
{
	fx *f = *state;

	write_wide(f->dir, 0);
	conn(f);
	on_small_stack(f, wide_work, NULL);
}

static void test_wide_fan(void **state)
{
	fx *f = *state;
	aurmig_graph *g;
	const aurmig_migration *m;
	size_t n;

	write_wide(f->dir, 1);
	g = load_ok(f, f->dir);
	assert_int_equal(aurmig_graph_head_count(g), WIDE);
	assert_int_equal(aurmig_migration_child_count(aurmig_graph_get(g, "root")), WIDE);
	/* "head" names no single revision: refused, listing the heads */
	assert_int_equal(plan_run(conn(f), g, AURMIG_CMD_UPGRADE, "head", 0), AURMIG_EAMBIGUOUS);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "w0999"));
	assert_int_equal(aurmig_graph_lookup(&m, g, "w0"), AURMIG_EAMBIGUOUS);    /* 1000 candidates */
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "w0999"));
	assert_int_equal(aurmig_graph_lookup(&m, g, "w099"), AURMIG_EAMBIGUOUS);
	assert_int_equal(aurmig_graph_lookup(&m, g, "w0999"), AURMIG_OK);
	assert_int_equal(aurmig_graph_lookup(&m, g, "zz"), AURMIG_ENOTFOUND);
	run_ok(f, g, AURMIG_CMD_UPGRADE, "heads", AURMIG_PLAN_ONE_TRANSACTION);
	assert_int_equal(aurmig_conn_read_current(conn(f), &n), AURMIG_OK);
	assert_int_equal(n, WIDE);
	assert_int_equal(plan_run(conn(f), g, AURMIG_CMD_UPGRADE, "+1", 0), AURMIG_EAMBIGUOUS);
	run_ok(f, g, AURMIG_CMD_DOWNGRADE, "root", 0);
	assert_int_equal(nrows(f), 1);
	aurmig_graph_free(g);
}

/* ---------------------------------------------------------------- cycles */

static void test_cycles(void **state)
{
	fx *f = *state;
	char *sub = path_in(f->dir, "ring");

	tu_add(f->dir, "aaaa", "bbbb", NULL);
	tu_add(f->dir, "bbbb", "aaaa", NULL);
	expect_load(f, f->dir, AURMIG_EGRAPH, "cycle", -1);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "aaaa"));
	/* a cycle below a real head */
	tu_add(f->dir, "cccc", "aaaa", NULL);
	expect_load(f, f->dir, AURMIG_EGRAPH, "cycle", -1);
	/* through depends_on */
	tu_add(f->dir, "aaaa", NULL, "-- aurmig:depends_on cccc\n");
	tu_add(f->dir, "bbbb", "aaaa", NULL);
	expect_load(f, f->dir, AURMIG_EGRAPH, "cycle", -1);
	/* to itself */
	tu_add(f->dir, "aaaa", "aaaa", NULL);
	expect_load(f, f->dir, AURMIG_EPARSE, "names itself", 2);
	tu_add(f->dir, "aaaa", NULL, "-- aurmig:depends_on aaaa\n");
	expect_load(f, f->dir, AURMIG_EGRAPH, "depends on itself", -1);
	/* a ring of 10,000: no head at all; the message names the whole ring */
	assert_int_equal(mkdir(sub, 0700), 0);
	write_chain(sub, DEEP, 1);
	expect_load(f, sub, AURMIG_EGRAPH, "cycle", -1);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "c09999"));
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "c00000"));
	tu_rmtree(sub);
}

/* ---------------------------------------------------------------- the directory */

static void test_symlinks_and_special_files(void **state)
{
	fx *f = *state;
	char *a = path_in(f->dir, "aaaa_a.sql"), *b = path_in(f->dir, "bbbb_b.sql");
	char *sub = path_in(f->dir, "sub"), *loopdir = path_in(f->dir, "loopdir");
	aurmig_graph *g;

	tu_add(f->dir, "cccc", NULL, NULL);
	/* a link to itself, and a loop of two */
	assert_int_equal(symlink("aaaa_a.sql", a), 0);
	expect_load(f, f->dir, AURMIG_EIO, "Too many levels of symbolic links", -1);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->file, "aaaa_a.sql"));
	unlink(a);
	assert_int_equal(symlink("bbbb_b.sql", a), 0);
	assert_int_equal(symlink("aaaa_a.sql", b), 0);
	expect_load(f, f->dir, AURMIG_EIO, "Too many levels of symbolic links", -1);
	unlink(a);
	unlink(b);
	/* dangling */
	assert_int_equal(symlink("nowhere.sql", a), 0);
	expect_load(f, f->dir, AURMIG_EIO, "No such file", -1);
	unlink(a);
	/* a directory, a link back to the directory itself, a FIFO and a device
	 * named *.sql are not scripts: skipped, without blocking on the FIFO */
	assert_int_equal(mkdir(sub, 0700), 0);
	{
		char *d = path_in(f->dir, "dir.sql"), *self = path_in(f->dir, "self.sql");
		char *fifo = path_in(f->dir, "fifo.sql"), *dev = path_in(f->dir, "null.sql");
		assert_int_equal(mkdir(d, 0700), 0);
		assert_int_equal(symlink(".", self), 0);
		assert_int_equal(mkfifo(fifo, 0600), 0);
		assert_int_equal(symlink("/dev/null", dev), 0);
		g = load_ok(f, f->dir);
		assert_int_equal(aurmig_graph_count(g), 1);
		aurmig_graph_free(g);
		rmdir(d);
		unlink(self);
		unlink(fifo);
		unlink(dev);
		free(d);
		free(self);
		free(fifo);
		free(dev);
	}
	/* the migrations directory itself is a symlink loop */
	assert_int_equal(symlink("loopdir", loopdir), 0);
	expect_load(f, loopdir, AURMIG_EIO, "cannot open migrations directory", -1);
	unlink(loopdir);
	rmdir(sub);
	free(a);
	free(b);
	free(sub);
	free(loopdir);
}

/* ---------------------------------------------------------------- the database */

static void exec_ok(fx *f, const char *sql)
{
	if (conn(f)->ops->exec(conn(f), sql, NULL) != AURMIG_OK)
		fail_msg("%s: %s", sql, aurmig_error_last(f->ctx)->message);
}

static void test_version_table_garbage(void **state)
{
	fx *f = *state;
	aurmig_graph *g;
	aurmig_status *st = NULL;
	int state_ = -1;
	size_t n;

	tu_add(f->dir, "aaaa", NULL, NULL);
	tu_add(f->dir, "bbbb", "aaaa", NULL);
	g = load_ok(f, f->dir);
	/* extra columns, a NULL, an integer, an empty string, SQL, a long string */
	exec_ok(f, "CREATE TABLE alembic_version (version_num VARCHAR(32), extra TEXT, n INTEGER)");
	exec_ok(f, "INSERT INTO alembic_version VALUES (NULL, 'x', 1), (42, NULL, 2), ('', 'y', 3), "
		"('x''); DROP TABLE alembic_version; --', NULL, 4), "
		"('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', NULL, 5)");
	assert_int_equal(aurmig_conn_read_current(conn(f), &n), AURMIG_OK);
	assert_int_equal(n, 5);
	assert_int_equal(plan_run(conn(f), g, AURMIG_CMD_UPGRADE, "heads", 0), AURMIG_EUNKNOWNREV);
	assert_int_equal(aurmig_check(&state_, NULL, conn(f), g), AURMIG_OK);
	assert_int_equal(state_, AURMIG_STATE_UNKNOWN);
	assert_int_equal(aurmig_status_from(&st, conn(f), g), AURMIG_OK);
	assert_int_equal(aurmig_status_state(st), AURMIG_STATE_UNKNOWN);
	aurmig_status_free(st);
	assert_int_equal(plan_run(conn(f), g, AURMIG_CMD_STAMP, "aaaa", 0), AURMIG_EUNKNOWNREV);
	assert_int_equal(plan_run(conn(f), g, AURMIG_CMD_DOWNGRADE, "base", 0), AURMIG_EUNKNOWNREV);
	/* the way out: stamp --purge; the extra columns stay, Alembic's rows work */
	run_ok(f, g, AURMIG_CMD_STAMP, "aaaa", AURMIG_PLAN_PURGE);
	run_ok(f, g, AURMIG_CMD_UPGRADE, "heads", 0);
	assert_int_equal(nrows(f), 1);
	assert_string_equal(aurmig_conn_current_head(conn(f), 0), "bbbb");
	run_ok(f, g, AURMIG_CMD_DOWNGRADE, "aaaa", 0);
	/* a table of that name without version_num: a database error, no crash */
	exec_ok(f, "DROP TABLE alembic_version");
	exec_ok(f, "CREATE TABLE alembic_version (something_else INTEGER)");
	assert_int_equal(plan_run(conn(f), g, AURMIG_CMD_UPGRADE, "heads", 0), AURMIG_EDB);
	assert_int_equal(aurmig_check(&state_, NULL, conn(f), g), AURMIG_EDB);
	exec_ok(f, "DROP TABLE alembic_version");
	aurmig_graph_free(g);
}

static void test_journal_garbage(void **state)
{
	fx *f = *state;
	aurmig_graph *g;
	int st;

	tu_add(f->dir, "aaaa", NULL, NULL);
	g = load_ok(f, f->dir);
	run_ok(f, g, AURMIG_CMD_UPGRADE, "heads", 0);
	/* a row an earlier run never wrote: garbage numbers, NULLs, quotes; it blocks */
	exec_ok(f, "INSERT INTO aurmig_journal (run_id, seq, revision, operation, source_revisions, "
		"target_revisions, statements_total, statements_done, outcome, is_atomic, started_at) "
		"VALUES ('x', 'seven', 'nope''--', 'upgrade', '', '', -1, 'lots', 'failed', 'no', '')");
	assert_int_equal(plan_run(conn(f), g, AURMIG_CMD_DOWNGRADE, "base", 0), AURMIG_ERECOVERY);
	assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "nope'--"));
	assert_int_equal(aurmig_check(&st, NULL, conn(f), g), AURMIG_OK);
	assert_int_equal(st, AURMIG_STATE_RECOVERY);
	assert_int_equal(aurmig_recover(conn(f), g, AURMIG_RECOVER_MARK_APPLIED, NULL, NULL), AURMIG_EUNKNOWNREV);
	/* a journal of another shape */
	exec_ok(f, "DROP TABLE aurmig_journal");
	exec_ok(f, "CREATE TABLE aurmig_journal (id INTEGER PRIMARY KEY, outcome TEXT)");
	exec_ok(f, "INSERT INTO aurmig_journal (outcome) VALUES ('failed')");
	assert_int_not_equal(plan_run(conn(f), g, AURMIG_CMD_DOWNGRADE, "base", 0), AURMIG_OK);
	aurmig_graph_free(g);
}

static void test_version_table_names(void **state)
{
	fx *f = *state;
	static const char *const bad[] = {
		"", "alembic_version\"; DROP TABLE t; --", "a'b", "a`b", "a b", "a.b", "a-b", "1abc", "t\xc3\xa9",
		"x;", "[x]", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 49 */, "a\nb",
		"aurmig_journal", "AURMIG_JOURNAL_x" /* the journals' names */,
	};
	aurmig_graph *g;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(aurmig_conn_set_version_table(conn(f), bad[i]), AURMIG_EINVALID);
		assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "version table name"));
		assert_string_equal(aurmig_conn_version_table(conn(f)), "alembic_version");
	}
	assert_int_equal(aurmig_conn_set_version_table(conn(f), NULL), AURMIG_EINVALID);
	/* the longest and oddest allowed names work end to end */
	tu_add(f->dir, "aaaa", NULL, NULL);
	g = load_ok(f, f->dir);
	assert_int_equal(aurmig_conn_set_version_table(conn(f), "_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa9"), AURMIG_OK);
	run_ok(f, g, AURMIG_CMD_UPGRADE, "heads", 0);
	assert_int_equal(nrows(f), 1);
	{
		int e;
		assert_int_equal(aurmig__db_table_exists(conn(f), "_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa9", &e), AURMIG_OK);
		assert_true(e);
		assert_int_equal(aurmig__db_table_exists(conn(f), "alembic_version", &e), AURMIG_OK);
		assert_false(e);
		/* its own journal (63 characters: PostgreSQL's longest identifier) */
		assert_string_equal(aurmig_conn_journal_table(conn(f)),
			"aurmig_journal__aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa9");
		assert_int_equal(aurmig__db_table_exists(conn(f), aurmig_conn_journal_table(conn(f)), &e), AURMIG_OK);
		assert_true(e);
		assert_int_equal(aurmig__db_table_exists(conn(f), "aurmig_journal", &e), AURMIG_OK);
		assert_false(e);
	}
	assert_int_equal(aurmig_conn_set_version_table(conn(f), "Alembic_Version"), AURMIG_OK);
	assert_string_equal(aurmig_conn_journal_table(conn(f)), "aurmig_journal");
	aurmig_graph_free(g);
}

static void test_ids_with_sql_characters(void **state)
{
	fx *f = *state;
	static const char *const bad[] = { "a'b", "a\"b", "a;b", "a`b", "a\\b", "a(b", "a,b", "a--b", "a b" };
	char text[256], name[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "-- aurmig:revision %s\n-- aurmig:upgrade\n", bad[i]);
		snprintf(name, sizeof(name), "x%zu.sql", i);
		tu_write(f->dir, name, text);
		expect_load(f, f->dir, AURMIG_EPARSE, "revision id", 1);
		snprintf(text, sizeof(text), "%s/%s", f->dir, name);
		unlink(text);
		if (strpbrk(bad[i], " ,"))
			continue;       /* list separators: two labels */
		snprintf(text, sizeof(text), "-- aurmig:revision aaaa\n-- aurmig:branch_labels %s\n-- aurmig:upgrade\n", bad[i]);
		tu_write(f->dir, "aaaa_x.sql", text);
		expect_load(f, f->dir, AURMIG_EPARSE, "branch_labels entry", 2);
		snprintf(text, sizeof(text), "%s/aaaa_x.sql", f->dir);
		unlink(text);
	}
}

/* Run an offline script statement by statement on the test database. */
static void apply_offline(fx *f, const char *sql)
{
	aurmig__stmt *st = NULL;
	size_t n = 0;

	assert_int_equal(aurmig__split(&st, &n, f->ctx, sql, strlen(sql), AURMIG_DIALECT_SQLITE, "offline.sql", 1), AURMIG_OK);
	for (size_t i = 0; i < n; i++) {
		char *one = strndup(sql + st[i].offset, st[i].len);
		assert_non_null(one);
		/* the message is in comments only: no statement of ours drops anything */
		assert_null(strstr(one, "DROP TABLE victim"));
		exec_ok(f, one);
		free(one);
	}
	free(st);
}

static void test_quotes_land_intact(void **state)
{
	fx *f = *state;
	static const char msg[] = "It's \"quoted\" -- not a comment; DROP TABLE victim; /* */ $$ \\' `x`";
	char text[1024], *jerr;
	aurmig_graph *g;
	aurmig_plan *p;
	const char *t = "heads", *sql;
	aurmig__strv cells = { 0 };
	size_t ncols;
	int e;

	snprintf(text, sizeof(text), "-- aurmig:revision aaaa\n-- aurmig:message %s\n-- aurmig:upgrade\n"
		"CREATE TABLE victim (a TEXT);\n-- aurmig:downgrade\nDROP TABLE victim;\n", msg);
	tu_write(f->dir, "aaaa_q.sql", text);
	/* a failing statement full of quotes and comment markers */
	tu_write(f->dir, "bbbb_q.sql", "-- aurmig:revision bbbb\n-- aurmig:down_revision aaaa\n-- aurmig:upgrade\n"
		"INSERT INTO \"it's -- here\" VALUES ('a''b -- c; DROP TABLE victim');\n-- aurmig:downgrade\n");
	g = load_ok(f, f->dir);
	assert_string_equal(aurmig_migration_message(aurmig_graph_get(g, "aaaa")), msg);

	/* offline, for every dialect: the message only ever in a comment line */
	for (int d = AURMIG_DIALECT_SQLITE; d <= AURMIG_DIALECT_PGSQL; d++) {
		const char *at;
		t = "aaaa";
		assert_int_equal(aurmig_plan_new_offline(&p, f->ctx, g, d, NULL, AURMIG_CMD_UPGRADE, &t, 1, NULL), AURMIG_OK);
		assert_int_equal(aurmig_plan_sql(&sql, p), AURMIG_OK);
		at = strstr(sql, msg);
		assert_non_null(at);
		while (at > sql && at[-1] != '\n')
			at--;
		assert_memory_equal(at, "-- Running upgrade", 18);
		assert_non_null(strchr(at, '\n'));
		if (d == AURMIG_DIALECT_SQLITE)
			apply_offline(f, sql);
		aurmig_plan_free(p);
	}
	assert_int_equal(aurmig__db_table_exists(conn(f), "victim", &e), AURMIG_OK);
	assert_true(e);
	run_ok(f, g, AURMIG_CMD_STAMP, "base", AURMIG_PLAN_PURGE);
	exec_ok(f, "DROP TABLE victim");

	/* online: the database's message, quotes and all, lands in the journal as it was */
	assert_int_equal(plan_run(conn(f), g, AURMIG_CMD_UPGRADE, "heads", 0), AURMIG_EDB);
	assert_string_equal(aurmig_error_last(f->ctx)->statement,
		"INSERT INTO \"it's -- here\" VALUES ('a''b -- c; DROP TABLE victim')");
	jerr = strdup(aurmig_error_last(f->ctx)->message);
	assert_non_null(jerr);
	jerr[strcspn(jerr, "\n")] = '\0';
	assert_non_null(strstr(jerr, "it's -- here"));
	assert_int_equal(conn(f)->ops->query_cells(conn(f),
		"SELECT error FROM aurmig_journal WHERE revision = 'bbbb' AND outcome = 'rolled-back'", &cells, &ncols), AURMIG_OK);
	assert_int_equal(cells.n, 1);
	assert_string_equal(cells.v[0], jerr);
	assert_int_equal(aurmig__db_table_exists(conn(f), "victim", &e), AURMIG_OK);
	assert_true(e);
	aurmig__strv_clear(&cells);
	free(jerr);
	aurmig_graph_free(g);
}

/* Relative steps beyond what a long holds, or what the bound allows (found by fuzz_target:
 * "-N" with N = 2^63 used to negate LONG_MIN). */
static void test_relative_overflow(void **state)
{
	fx *f = *state;
	static const char *const specs[] = { "-9223372036854775808", "-99999999999999999999", "aaaa@-9223372036854775808",
		"+9223372036854775808", "aaaa+99999999999999999999", "-1000000001", "aaaa-1000000001" };
	aurmig_graph *g;
	aurmig_revlist *l = NULL;

	tu_add(f->dir, "aaaa", NULL, "-- aurmig:branch_labels lab\n");
	tu_add(f->dir, "bbbb", "aaaa", NULL);
	g = load_ok(f, f->dir);
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		const char *t = specs[i], *cur[] = { "bbbb" };
		aurmig_plan *p = (aurmig_plan *)0x1;
		char range[64];
		int rc;

		print_message("%s\n", t);
		/* as a start, a target of each command, and a history bound */
		rc = aurmig_plan_new_offline(&p, f->ctx, g, AURMIG_DIALECT_SQLITE, t, AURMIG_CMD_UPGRADE,
			(const char *const *)&cur[0], 1, NULL);
		/* a start takes [label@]-N, nothing else relative */
		assert_int_equal(rc, t[0] == '-' || strstr(t, "@-") ? AURMIG_EINVALID : AURMIG_ENOTFOUND);
		assert_null(p);
		for (int cmd = AURMIG_CMD_UPGRADE; cmd <= AURMIG_CMD_DOWNGRADE; cmd++) {
			rc = aurmig_plan_new_offline(&p, f->ctx, g, AURMIG_DIALECT_SQLITE, "bbbb", cmd, &t, 1, NULL);
			assert_int_equal(rc, AURMIG_EINVALID);
			assert_non_null(strstr(aurmig_error_last(f->ctx)->message, "out of range"));
		}
		/* stamp takes no relative targets at all */
		assert_true(aurmig_plan_new_offline(&p, f->ctx, g, AURMIG_DIALECT_SQLITE, "bbbb", AURMIG_CMD_STAMP, &t, 1,
			NULL) < 0);
		snprintf(range, sizeof(range), "%s:", t);
		assert_int_equal(aurmig_graph_history(&l, g, range, cur, 1), AURMIG_EINVALID);
		assert_null(l);
	}
	aurmig_graph_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nul_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_characters_in_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deep_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wide_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wide_fan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cycles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks_and_special_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_table_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_table_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_with_sql_characters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quotes_land_intact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relative_overflow, setup, teardown),
	};
	/* e.g. AURMIG_TEST_FILTER='test_deep*' */
	if (getenv("AURMIG_TEST_FILTER"))
		cmocka_set_test_filter(getenv("AURMIG_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
