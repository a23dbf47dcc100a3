/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lint rules (docs/lint.md): each rule fires on a statement it is about
 * and stays silent on a close one that is safe; suppressions (nolint in a
 * section and in the header, configured ignores), severities, the
 * portable section rendered per dialect, and the reverse check of a
 * downgrade. Scripts are parsed from memory by the real script parser.
 */
#include "testutil.h"

#include <aurmig/aurmig.h>
#include "graph/script.h"

static aurmig_context *ctx;

static int setup(void **state)
{
	(void)state;
	return aurmig_context_new(&ctx);
}

static int teardown(void **state)
{
	(void)state;
	aurmig_context_free(ctx);
	return 0;
}

/* Lint "-- aurmig:revision r1" + text; dialect 0: the script's own
 * dialects; opts may be NULL (fresh options). */
static aurmig_lint_report *lint_with(const char *text, int dialect, aurmig_lint_options *opts)
{
	aurmig_migration *m = NULL;
	aurmig_lint_report *rep = NULL;
	aurmig_lint_options *o = opts;
	size_t n = strlen(text) + 64;
	char *t = malloc(n);

	assert_non_null(t);
	snprintf(t, n, "-- aurmig:revision r1\n%s", text);
	if (aurmig__script_parse(&m, ctx, "r1_t.sql", "r1_t.sql", t, strlen(t)) != AURMIG_OK)
		fail_msg("parse: %s", aurmig_error_last(ctx)->message);
	if (!o)
		assert_int_equal(aurmig_lint_options_new(&o, ctx), AURMIG_OK);
	if (dialect)
		assert_int_equal(aurmig_lint_options_add_dialect(o, dialect), AURMIG_OK);
	assert_int_equal(aurmig_lint_report_new(&rep, ctx), AURMIG_OK);
	if (aurmig_lint_migration(rep, m, o) != AURMIG_OK)
		fail_msg("lint: %s", aurmig_error_last(ctx)->message);
	if (!opts)
		aurmig_lint_options_free(o);
	aurmig__script_free(m);
	return rep;
}

/* Unsuppressed findings of code. */
static size_t count(const aurmig_lint_report *rep, const char *code)
{
	size_t n = 0;

	for (size_t i = 0; i < aurmig_lint_report_count(rep); i++) {
		const aurmig_lint_finding *f = aurmig_lint_report_at(rep, i);
		n += !aurmig_lint_finding_suppressed(f) && strcmp(aurmig_lint_finding_code(f), code) == 0;
	}
	return n;
}

static const aurmig_lint_finding *find(const aurmig_lint_report *rep, const char *code)
{
	for (size_t i = 0; i < aurmig_lint_report_count(rep); i++)
		if (!strcmp(aurmig_lint_finding_code(aurmig_lint_report_at(rep, i)), code))
			return aurmig_lint_report_at(rep, i);
	return NULL;
}

typedef struct rule_case {
	const char *code;
	int dialect;
	const char *fires;    /* script body where the rule fires */
	const char *silent;   /* a close one where it does not */
	void (*prep)(aurmig_lint_options *o);   /* options for both, or NULL */
} rule_case;

static void on_l103(aurmig_lint_options *o) { assert_int_equal(aurmig_lint_options_set_severity(o, "L103", AURMIG_LINT_WARNING), 0); }
static void large_packages(aurmig_lint_options *o) { assert_int_equal(aurmig_lint_options_large_table(o, "Packages", 90000), 0); }
static void on_p108(aurmig_lint_options *o)
{
	assert_int_equal(aurmig_lint_options_set_severity(o, "P108", AURMIG_LINT_WARNING), 0);
	assert_int_equal(aurmig_lint_options_set_name_pattern(o, "table", "^[A-Z][A-Za-z]*$"), 0);
	assert_int_equal(aurmig_lint_options_set_name_pattern(o, "index", "^(idx|uq)_"), 0);
}
static void on_p11x(aurmig_lint_options *o) { assert_int_equal(aurmig_lint_options_set_severity(o, "P110 P111", AURMIG_LINT_INFO), 0); }

#define UP_MY "-- aurmig:upgrade mysql\n"
#define UP_SQ "-- aurmig:upgrade sqlite\n"
#define UP_PG "-- aurmig:upgrade pgsql\n"
#define UP "-- aurmig:upgrade\n"
#define TXOFF "-- aurmig:transaction off\n"
#define MY AURMIG_DIALECT_MYSQL
#define SQ AURMIG_DIALECT_SQLITE
#define PG AURMIG_DIALECT_PGSQL

/* most cases need no options: prep left out */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const rule_case cases[] = {
	{ "D101", MY, UP_MY "DROP TABLE Users;\n",
	  UP_MY "CREATE TABLE t (id INT PRIMARY KEY);\nDROP TABLE t;\n" },
	{ "D101", SQ, UP_SQ "DROP TABLE IF EXISTS a, Users;\n",
	  UP_SQ "CREATE TEMP TABLE w (id INTEGER PRIMARY KEY);\nDROP TABLE w;\n" },
	{ "D102", MY, UP_MY "ALTER TABLE Users DROP COLUMN Nick;\n", UP_MY "ALTER TABLE Users DROP INDEX Nick;\n" },
	{ "D102", SQ, UP_SQ "ALTER TABLE Users DROP Nick;\n",
	  UP_SQ "ALTER TABLE Users ADD COLUMN N INT NULL;\nALTER TABLE Users DROP COLUMN N;\n" },
	{ "D103", MY, UP_MY "DROP DATABASE aur;\n", UP_MY "DROP INDEX x ON t;\n" },
	{ "D104", MY, UP_MY "TRUNCATE TABLE Sessions;\n", UP_MY "CREATE TABLE s (id INT PRIMARY KEY);\nTRUNCATE s;\n" },
	{ "D105", MY, UP_MY "ALTER TABLE t MODIFY c VARCHAR(10) NULL;\n", UP_MY "ALTER TABLE t ALTER COLUMN c SET DEFAULT 1;\n" },
	{ "D105", PG, UP_PG "ALTER TABLE t ALTER COLUMN c TYPE smallint;\n", UP_PG "ALTER TABLE t ALTER COLUMN c DROP NOT NULL;\n" },
	{ "D106", MY, UP_MY "DELETE FROM Sessions;\n", UP_MY "DELETE FROM Sessions WHERE LastUpdateTS < 5;\n" },
	{ "D106", SQ, UP_SQ "UPDATE t SET a = (SELECT 1 FROM u WHERE u.x = t.x);\n",
	  UP_SQ "UPDATE t SET a = (SELECT 1 FROM u) WHERE a IS NULL;\n" },
	{ "D107", MY, UP_MY "ALTER TABLE t DROP PARTITION p0;\n", UP_MY "ALTER TABLE t ADD INDEX i (c);\n" },
	{ "C101", MY, UP_MY "RENAME TABLE a TO b;\n", UP_MY "CREATE TABLE a (id INT PRIMARY KEY);\nRENAME TABLE a TO b;\n" },
	{ "C101", SQ, UP_SQ "ALTER TABLE a RENAME TO b;\n",
	  UP_SQ "CREATE TABLE t_new (id INTEGER PRIMARY KEY);\nINSERT INTO t_new SELECT * FROM t;\nDROP TABLE t;\n"
	  "ALTER TABLE t_new RENAME TO t;\n" },
	{ "C102", SQ, UP_SQ "ALTER TABLE t RENAME COLUMN a TO b;\n", UP_SQ "ALTER TABLE t RENAME TO t;\n" },
	{ "C102", MY, UP_MY "ALTER TABLE t CHANGE a b INT;\n", UP_MY "ALTER TABLE t CHANGE a a BIGINT;\n" },
	{ "C103", MY, UP_MY "ALTER TABLE t ADD COLUMN nn INT NULL;\nALTER TABLE t DROP COLUMN n;\n",
	  UP_MY "ALTER TABLE u ADD COLUMN nn INT NULL;\nALTER TABLE t DROP COLUMN n;\n" },
	{ "C104", MY, UP_MY "ALTER TABLE t DROP FOREIGN KEY fk1;\n", UP_MY "ALTER TABLE t DROP INDEX i1;\n" },
	{ "M101", SQ, UP_SQ "CREATE UNIQUE INDEX u ON Users (Email);\n",
	  UP_SQ "ALTER TABLE Users ADD COLUMN S VARCHAR(9) NULL;\nCREATE UNIQUE INDEX u ON Users (S);\n" },
	{ "M101", SQ, UP_SQ "ALTER TABLE Users ADD COLUMN S VARCHAR(9) NULL;\nUPDATE Users SET S = Email;\n"
	  "CREATE UNIQUE INDEX u ON Users (S);\n",
	  UP_SQ "ALTER TABLE Users ADD COLUMN S VARCHAR(9) NULL;\nUPDATE Users SET T = Email;\nCREATE UNIQUE INDEX u ON Users (S);\n" },
	{ "M101", SQ, UP_SQ "ALTER TABLE Users ADD COLUMN S VARCHAR(9) NULL;\n-- aurmig:hook fill\nCREATE UNIQUE INDEX u ON Users (S);\n",
	  UP_SQ "ALTER TABLE Users ADD COLUMN S VARCHAR(9) NULL;\nCREATE UNIQUE INDEX u ON Users (S);\n-- aurmig:hook fill\n" },
	{ "M101", MY, UP_MY "ALTER TABLE Users ADD COLUMN S VARCHAR(9) NOT NULL DEFAULT '', ADD UNIQUE KEY S (S);\n",
	  UP_MY "ALTER TABLE Users ADD COLUMN S VARCHAR(9) NULL, ADD UNIQUE KEY S (S);\n" },
	{ "M102", PG, UP_PG "ALTER TABLE t ADD COLUMN c INT NOT NULL;\n", UP_PG "ALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT 0;\n" },
	{ "M102", SQ, UP_SQ "ALTER TABLE t ADD c INT NOT NULL;\n",
	  UP_SQ "CREATE TABLE t (id INTEGER PRIMARY KEY);\nALTER TABLE t ADD c INT NOT NULL;\n" },
	{ "M103", MY, UP_MY "ALTER TABLE t MODIFY c INT NOT NULL;\n",
	  UP_MY "UPDATE t SET c = 0 WHERE c IS NULL;\nALTER TABLE t MODIFY c INT NOT NULL;\n" },
	{ "M103", PG, UP_PG "ALTER TABLE t ALTER COLUMN c SET NOT NULL;\n", UP_PG "ALTER TABLE t ALTER COLUMN c DROP NOT NULL;\n" },
	{ "M104", MY, UP_MY "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES Users(ID);\n",
	  UP_MY "CREATE TABLE t (id INT PRIMARY KEY, u INT);\nALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES Users(ID);\n" },
	{ "M104", PG, UP_PG "ALTER TABLE t ADD FOREIGN KEY (u) REFERENCES users(id);\n",
	  UP_PG "ALTER TABLE t ADD FOREIGN KEY (u) REFERENCES users(id) NOT VALID;\n" },
	{ "M105", MY, UP_MY "ALTER TABLE t DROP KEY u, ADD PRIMARY KEY (u);\n",
	  UP_MY "CREATE TABLE t (id INT);\nALTER TABLE t ADD PRIMARY KEY (id);\n" },
	{ "M106", MY, UP_MY "ALTER TABLE t ADD CONSTRAINT c CHECK (x > 0);\n", UP_MY "ALTER TABLE t DROP CONSTRAINT c;\n" },
	{ "M106", PG, UP_PG "ALTER TABLE t ADD CHECK (x > 0);\n", UP_PG "ALTER TABLE t ADD CHECK (x > 0) NOT VALID;\n" },
	{ "L101", MY, UP_MY "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;\n",
	  UP_MY "ALTER TABLE t ADD COLUMN c INT NULL;\n" },
	{ "L101", MY, UP_MY "ALTER TABLE t ENGINE=InnoDB;\n", UP_MY "ALTER TABLE t DEFAULT CHARSET=utf8mb4;\n" },
	{ "L102", MY, UP_MY "ALTER TABLE t ADD COLUMN c INT NULL, ALGORITHM=COPY;\n",
	  UP_MY "ALTER TABLE t ADD COLUMN c INT NULL, ALGORITHM=INSTANT, LOCK=NONE;\n" },
	{ "L104", MY, UP_MY "ALTER TABLE t ADD COLUMN c INT NULL AFTER b;\n", UP_MY "ALTER TABLE t ADD COLUMN c INT NULL;\n" },
	{ "L105", MY, UP_MY "ALTER TABLE t ADD COLUMN a INT NULL;\nALTER TABLE t ADD COLUMN b INT NULL;\n",
	  UP_MY "ALTER TABLE t ADD COLUMN a INT NULL, ADD COLUMN b INT NULL;\n" },
	{ "L106", PG, UP_PG "CREATE INDEX i ON t (c);\n", TXOFF UP_PG "CREATE INDEX CONCURRENTLY i ON t (c);\n" },
	{ "L106", PG, UP_PG "DROP INDEX i;\n", TXOFF UP_PG "DROP INDEX CONCURRENTLY i;\n" },
	{ "L107", PG, UP_PG "CREATE INDEX CONCURRENTLY i ON t (c);\n", TXOFF UP_PG "CREATE INDEX CONCURRENTLY i ON t (c);\n" },
	{ "L107", PG, UP_PG "REINDEX INDEX CONCURRENTLY i;\n", UP_PG "REINDEX INDEX i;\n" },
	{ "L108", PG, UP_PG "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES users(id);\n",
	  UP_PG "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES users(id) NOT VALID;\n" },
	{ "L109", PG, UP_PG "ALTER TABLE t ALTER COLUMN c TYPE bigint;\n", UP_PG "ALTER TABLE t ALTER COLUMN c SET DEFAULT 0;\n" },
	{ "L109", PG, UP_PG "ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();\n",
	  UP_PG "ALTER TABLE t ADD COLUMN at timestamptz DEFAULT now();\n" },
	{ "L109", PG, UP_PG "ALTER TABLE t ADD PRIMARY KEY (id);\n", UP_PG "ALTER TABLE t ADD PRIMARY KEY USING INDEX t_pk;\n" },
	{ "L110", SQ, UP_SQ "CREATE TABLE t_new (id INTEGER PRIMARY KEY);\nINSERT INTO t_new SELECT * FROM t;\nDROP TABLE t;\n"
	  "ALTER TABLE t_new RENAME TO t;\n", UP_SQ "ALTER TABLE t ADD COLUMN c INT NULL;\n" },
	{ "L110", SQ, "-- aurmig:upgrade portable\nALTER TABLE t MODIFY COLUMN c BIGINT NOT NULL;\n",
	  "-- aurmig:upgrade portable\nALTER TABLE t ADD COLUMN c BIGINT NULL;\n" },
	{ "T101", SQ, UP_SQ "BEGIN;\nUPDATE t SET a = 1 WHERE b = 2;\nCOMMIT;\n", UP_SQ "UPDATE t SET a = 1 WHERE b = 2;\n" },
	{ "T104", MY, UP_MY "ALTER TABLE t ADD COLUMN c INT NULL;\nUPDATE t SET c = 1 WHERE c IS NULL;\n",
	  UP_SQ "ALTER TABLE t ADD COLUMN c INT NULL;\nUPDATE t SET c = 1 WHERE c IS NULL;\n" },
	{ "T104", PG, TXOFF UP_PG "ALTER TABLE t ADD COLUMN c INT NULL;\nUPDATE t SET c = 1 WHERE c IS NULL;\n",
	  UP_PG "ALTER TABLE t ADD COLUMN c INT NULL;\nUPDATE t SET c = 1 WHERE c IS NULL;\n" },
	{ "T105", MY, UP_MY "ALTER TABLE t ADD COLUMN c INT NULL;\n",
	  UP_MY "ALTER TABLE t ADD COLUMN c INT NULL;\n-- aurmig:downgrade\nALTER TABLE t DROP COLUMN c;\n" },
	{ "T106", MY, UP_MY "ALTER TABLE t ADD COLUMN c INT NULL;\n-- aurmig:downgrade\nALTER TABLE t DROP COLUMN d;\n",
	  UP_MY "ALTER TABLE t ADD COLUMN c INT NULL;\n-- aurmig:downgrade\nALTER TABLE t DROP COLUMN c;\n" },
	{ "T106", SQ, UP_SQ "CREATE TABLE n (id INTEGER PRIMARY KEY);\n-- aurmig:downgrade\n-- nothing\n",
	  UP_SQ "CREATE TABLE n (id INTEGER PRIMARY KEY);\n-- aurmig:downgrade\nDROP TABLE n;\n" },
	{ "P101", MY, UP_MY "CREATE TABLE t (a INT, b INT);\n", UP_MY "CREATE TABLE t (a INT, b INT, PRIMARY KEY (a));\n" },
	{ "P102", MY, UP_MY "CREATE TABLE t (a INT PRIMARY KEY) DEFAULT CHARSET=utf8;\n",
	  UP_MY "CREATE TABLE t (a INT PRIMARY KEY) DEFAULT CHARSET=utf8mb4;\n" },
	{ "P103", MY, UP_MY "CREATE TABLE t (a INT PRIMARY KEY) ENGINE=MyISAM;\n",
	  UP_MY "CREATE TABLE t (a INT PRIMARY KEY) ENGINE=InnoDB;\n" },
	{ "P104", MY, UP_MY "CREATE TABLE t (a INT PRIMARY KEY, d DATETIME NOT NULL DEFAULT '0000-00-00 00:00:00');\n",
	  UP_MY "CREATE TABLE t (a INT PRIMARY KEY, d DATETIME NOT NULL DEFAULT '1970-01-01 00:00:01');\n" },
	{ "P109", MY, UP_MY "CREATE TABLE a234567890123456789012345678901234567890123456789012345678901234567890 (a INT PRIMARY KEY);\n",
	  UP_MY "CREATE TABLE a2345678901234567890123456789012345678901234567890123456789012 (a INT PRIMARY KEY);\n" },
	{ "X101", PG, UP_MY "SELECT 1;\n", UP "SELECT 1;\n" },
	{ "X103", MY, UP_MY "-- aurmig:hook h\n",
	  UP_MY "-- aurmig:hook h default\nUPDATE t SET a = 1 WHERE b = 1;\n-- aurmig:end-hook\n" },
	{ "X104", MY, UP_MY "-- aurmig:nolint D101 -- not needed\nCREATE TABLE t (a INT PRIMARY KEY);\n",
	  UP_MY "-- aurmig:nolint D101 -- dropped on purpose\nDROP TABLE Users;\n" },
	{ "X104", MY, "-- aurmig:nolint Z999\n" UP_MY "SELECT 1;\n", "-- aurmig:nolint P\n" UP_MY "CREATE TABLE t (a INT);\n" },
	{ "X106", MY, UP_MY "DELETE FROM Sessions WHERE LastUpdateTS < 5;\n",
	  "-- aurmig:irreversible expired sessions are not restored\n" UP_MY "DELETE FROM Sessions WHERE LastUpdateTS < 5;\n" },
	{ "X106", SQ, UP_SQ "ALTER TABLE t DROP COLUMN c;\n",
	  UP_SQ "CREATE TEMP TABLE w (id INTEGER PRIMARY KEY);\nDELETE FROM w WHERE id > 1;\nDROP TABLE w;\n" },
	/* the second part of issue 16 */
	{ "L103", MY, UP_MY "ALTER TABLE t ADD COLUMN c INT NULL;\n",
	  UP_MY "ALTER TABLE t ADD COLUMN c INT NULL, ALGORITHM=INSTANT;\n", on_l103 },
	{ "L103", MY, UP_MY "ALTER TABLE t DROP INDEX i;\n",
	  UP_MY "CREATE TABLE t (id INT PRIMARY KEY);\nALTER TABLE t ADD COLUMN c INT NULL;\n", on_l103 },
	{ "L111", PG, UP_PG "UPDATE packages SET n = 0 WHERE n IS NULL;\n",
	  TXOFF UP_PG "UPDATE packages SET n = 0 WHERE n IS NULL;\n", large_packages },
	{ "L111", MY, UP_MY "DELETE FROM Packages WHERE ID > 5;\n", UP_MY "DELETE FROM Users WHERE ID > 5;\n", large_packages },
	{ "T102", MY, UP_MY "CREATE INDEX i ON t (c);\nALTER TABLE t ADD COLUMN d INT NULL;\n",
	  UP_MY "CREATE INDEX IF NOT EXISTS i ON t (c);\nALTER TABLE t ADD COLUMN d INT NULL;\n" },
	{ "T102", MY, UP_MY "ALTER TABLE t ADD COLUMN d INT NULL, DROP INDEX i;\nUPDATE t SET d = 1 WHERE d IS NULL;\n",
	  UP_MY "ALTER TABLE t ADD COLUMN d INT NULL, DROP INDEX i;\n" },
	{ "T102", MY, UP_MY "DROP TABLE x;\nCREATE TABLE y (id INT PRIMARY KEY);\n",
	  UP_MY "ALTER TABLE t ADD COLUMN IF NOT EXISTS d INT NULL, DROP INDEX IF EXISTS i;\nCREATE TABLE IF NOT EXISTS y (id INT PRIMARY KEY);\n" },
	{ "T103", MY, "-- aurmig:lock_wait 0\n" UP_MY "ALTER TABLE t ADD COLUMN c INT NULL;\n",
	  "-- aurmig:lock_wait 0\n" UP_MY "SET SESSION lock_wait_timeout = 5;\nALTER TABLE t ADD COLUMN c INT NULL;\n" },
	{ "T103", PG, UP_PG "SET lock_timeout = 0;\nCREATE INDEX i ON t (c);\n",
	  UP_PG "SET lock_timeout = '5s';\nCREATE INDEX i ON t (c);\n" },
	{ "T103", SQ, "-- aurmig:lock_wait 0\n" UP_SQ "DROP TABLE t;\n",
	  "-- aurmig:lock_wait 30\n" UP_SQ "DROP TABLE t;\n" },
	{ "P105", MY, UP_MY "CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, KEY ab (a, b), KEY a (a));\n",
	  UP_MY "CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, KEY ab (a, b), KEY b (b));\n" },
	{ "P105", PG, UP_PG "CREATE TABLE t (id INT PRIMARY KEY, a INT);\nCREATE INDEX t_id ON t (id);\n",
	  UP_PG "CREATE TABLE t (id INT PRIMARY KEY, a INT);\nCREATE INDEX t_a ON t (a, id);\n" },
	{ "P105", SQ, UP_SQ "CREATE INDEX a ON t (a);\nCREATE INDEX ab ON t (a, b);\n",
	  UP_SQ "CREATE INDEX a ON t (a);\nDROP INDEX a;\nCREATE INDEX ab ON t (a, b);\n" },
	{ "P106", MY, UP_MY "CREATE TABLE p (id INT PRIMARY KEY, k INT);\n"
	  "CREATE TABLE c (id INT PRIMARY KEY, pk INT, FOREIGN KEY (pk) REFERENCES p (k));\n",
	  UP_MY "CREATE TABLE p (id INT PRIMARY KEY, k INT, UNIQUE KEY (k));\n"
	  "CREATE TABLE c (id INT PRIMARY KEY, pk INT, FOREIGN KEY (pk) REFERENCES p (k));\n" },
	{ "P106", SQ, UP_SQ "DROP TABLE p;\nALTER TABLE c ADD COLUMN pid INTEGER REFERENCES p (id);\n",
	  UP_SQ "ALTER TABLE c ADD COLUMN pid INTEGER REFERENCES p (id);\n" },
	{ "P107", MY, UP_MY "CREATE TABLE t (id INT PRIMARY KEY, `order` INT);\n",
	  UP_MY "CREATE TABLE t (id INT PRIMARY KEY, ordering INT);\n" },
	{ "P107", PG, UP_PG "ALTER TABLE t ADD COLUMN \"user\" text;\n", UP_PG "ALTER TABLE t ADD COLUMN username text;\n" },
	{ "P108", MY, UP_MY "CREATE TABLE bad_name (id INT PRIMARY KEY);\n",
	  UP_MY "CREATE TABLE GoodName (id INT PRIMARY KEY);\nCREATE INDEX idx_goodname_id ON GoodName (id);\n", on_p108 },
	{ "P108", MY, UP_MY "CREATE INDEX GoodIdx ON T (id);\n", UP_MY "CREATE INDEX uq_t ON T (id);\n", on_p108 },
	{ "P110", MY, UP_MY "CREATE TABLE t (id INT(11) PRIMARY KEY);\n",
	  UP_MY "CREATE TABLE t (id INT PRIMARY KEY, flag TINYINT(1) NOT NULL DEFAULT 0, v VARCHAR(11));\n", on_p11x },
	{ "P111", MY, UP_MY "ALTER TABLE t ADD COLUMN at TIMESTAMP NULL;\n",
	  UP_MY "ALTER TABLE t ADD COLUMN at DATETIME NULL, ADD COLUMN price DECIMAL(9,2) NULL;\n", on_p11x },
	{ "P111", MY, UP_MY "CREATE TABLE t (id INT PRIMARY KEY, k ENUM('a','b'));\n",
	  UP_MY "CREATE TABLE t (id INT PRIMARY KEY, k VARCHAR(1));\n", on_p11x },
	{ "P112", PG, UP_PG "CREATE TABLE c (id INT PRIMARY KEY, pid INT REFERENCES p (id));\n",
	  UP_PG "CREATE TABLE c (id INT PRIMARY KEY, pid INT REFERENCES p (id));\nCREATE INDEX c_pid ON c (pid);\n" },
	{ "P112", SQ, UP_SQ "ALTER TABLE c ADD COLUMN pid INTEGER REFERENCES p (id);\n",
	  UP_SQ "ALTER TABLE c ADD COLUMN pid INTEGER REFERENCES p (id);\nCREATE INDEX c_pid_x ON c (pid, x);\n" },
	{ "P112", PG, UP_PG "ALTER TABLE c ADD COLUMN a INT, ADD FOREIGN KEY (a) REFERENCES p (id) NOT VALID;\n",
	  UP_PG "ALTER TABLE c ADD COLUMN a INT, ADD FOREIGN KEY (a) REFERENCES p (id) NOT VALID;\n"
	  "ALTER TABLE c ADD PRIMARY KEY (a, id);\n" },

	{ "X105", MY, UP_MY "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1;\n",
	  UP_MY "SET @x = 1;\nSELECT 1;\nINSERT INTO t VALUES (1);\n" },
	{ "X105", PG, UP_PG "COMMENT ON TABLE t IS 'x';\n", UP_PG "DROP INDEX i;\n" },
};

static void test_each_rule_fires_and_stays_silent(void **state)
{
	size_t seen[64] = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const rule_case *c = &cases[i];
		aurmig_lint_options *o = NULL;
		aurmig_lint_report *rep;
		assert_int_equal(aurmig_lint_options_new(&o, ctx), AURMIG_OK);
		if (c->prep)
			c->prep(o);
		rep = lint_with(c->fires, c->dialect, o);
		if (count(rep, c->code) == 0)
			fail_msg("%s does not fire on:\n%s", c->code, c->fires);
		aurmig_lint_report_free(rep);
		rep = lint_with(c->silent, c->dialect, o);
		if (count(rep, c->code) != 0)
			fail_msg("%s fires on:\n%s", c->code, c->silent);
		aurmig_lint_report_free(rep);
		aurmig_lint_options_free(o);
		for (size_t r = 0; r < aurmig_lint_rule_count(); r++)
			if (!strcmp(aurmig_lint_rule_code(r), c->code))
				seen[r] = 1;
	}
	/* every rule has a case (L112 and X102 are the probe's: tests/integration/test_lint_probe.py) */
	for (size_t r = 0; r < aurmig_lint_rule_count(); r++)
		if (!seen[r] && strcmp(aurmig_lint_rule_code(r), "L112") != 0 && strcmp(aurmig_lint_rule_code(r), "X102") != 0)
			fail_msg("rule %s has no test case", aurmig_lint_rule_code(r));
}

static void test_finding_fields(void **state)
{
	aurmig_lint_report *rep = lint_with("-- aurmig:upgrade mysql\n-- a comment\n  DROP TABLE Users;\n", MY, NULL);
	const aurmig_lint_finding *f = find(rep, "D101");

	(void)state;
	assert_non_null(f);
	assert_int_equal(aurmig_lint_finding_severity(f), AURMIG_LINT_ERROR);
	assert_string_equal(aurmig_lint_finding_file(f), "r1_t.sql");
	assert_string_equal(aurmig_lint_finding_revision(f), "r1");
	assert_int_equal(aurmig_lint_finding_line(f), 4);
	assert_int_equal(aurmig_lint_finding_column(f), 3);
	assert_string_equal(aurmig_lint_finding_dialects(f), "mysql");
	assert_string_equal(aurmig_lint_finding_statement(f), "DROP TABLE Users");
	assert_non_null(strstr(aurmig_lint_finding_message(f), "Users"));
	assert_true(*aurmig_lint_finding_why(f) && *aurmig_lint_finding_hint(f));
	assert_false(aurmig_lint_finding_suppressed(f));
	assert_null(aurmig_lint_finding_reason(f));
	assert_int_equal(aurmig_lint_report_severity_count(rep, AURMIG_LINT_ERROR), 1);
	aurmig_lint_report_free(rep);
}

static void test_common_section_per_dialect(void **state)
{
	/* one finding for both dialects the common section runs on */
	aurmig_lint_options *o = NULL;
	aurmig_lint_report *rep;
	const aurmig_lint_finding *f;

	(void)state;
	assert_int_equal(aurmig_lint_options_new(&o, ctx), AURMIG_OK);
	assert_int_equal(aurmig_lint_options_add_dialect(o, SQ), AURMIG_OK);
	rep = lint_with(UP "DROP TABLE Users;\nCREATE INDEX i ON t (c);\n", MY, o);
	f = find(rep, "D101");
	assert_non_null(f);
	assert_string_equal(aurmig_lint_finding_dialects(f), "sqlite,mysql");
	assert_int_equal(count(rep, "D101"), 1);
	assert_int_equal(count(rep, "L106"), 0);   /* pgsql only, not linted */
	aurmig_lint_report_free(rep);
	aurmig_lint_options_free(o);
	/* without dialects: the common section runs on all three */
	rep = lint_with(UP "CREATE INDEX i ON t (c);\n", 0, NULL);
	assert_int_equal(count(rep, "L106"), 1);
	aurmig_lint_report_free(rep);
	/* the own section of a dialect replaces the common one there */
	rep = lint_with(UP_PG "SELECT 1;\n" UP "CREATE INDEX i ON t (c);\n", 0, NULL);
	assert_int_equal(count(rep, "L106"), 0);
	aurmig_lint_report_free(rep);
}

static void test_nolint_statement_and_file(void **state)
{
	aurmig_lint_report *rep;
	const aurmig_lint_finding *f;

	(void)state;
	/* statement: covers the next statement only */
	rep = lint_with(UP_MY "-- aurmig:nolint D101, D106 -- Nick was never read\n-- more words\nDROP TABLE Nick;\n"
		"DROP TABLE Users;\n", MY, NULL);
	assert_int_equal(count(rep, "D101"), 1);
	f = find(rep, "D101");
	assert_true(aurmig_lint_finding_suppressed(f));
	assert_string_equal(aurmig_lint_finding_reason(f), "Nick was never read");
	assert_int_equal(aurmig_lint_report_suppressed_count(rep), 1);
	assert_int_equal(count(rep, "X104"), 0);
	aurmig_lint_report_free(rep);
	/* the brief form: CODE[,CODE] reason */
	rep = lint_with(UP_MY "-- aurmig:nolint D101,D104 old data, archived\nDROP TABLE Nick;\n", MY, NULL);
	f = find(rep, "D101");
	assert_true(aurmig_lint_finding_suppressed(f));
	assert_string_equal(aurmig_lint_finding_reason(f), "old data, archived");
	aurmig_lint_report_free(rep);
	/* a class, in the header: the whole file */
	rep = lint_with("-- aurmig:nolint D -- a cleanup revision\n" UP_MY "DROP TABLE a;\nTRUNCATE b;\n", MY, NULL);
	assert_int_equal(count(rep, "D101") + count(rep, "D104"), 0);
	assert_int_equal(aurmig_lint_report_suppressed_count(rep), 2);
	aurmig_lint_report_free(rep);
	/* no codes: every rule */
	rep = lint_with(UP_MY "-- aurmig:nolint\nDROP TABLE a;\n", MY, NULL);
	assert_int_equal(count(rep, "D101"), 0);
	aurmig_lint_report_free(rep);
	/* a nolint in a section that is not linted is not "unused" */
	rep = lint_with(UP_MY "SELECT 1;\n" UP_PG "-- aurmig:nolint D101\nDROP TABLE a;\n", MY, NULL);
	assert_int_equal(count(rep, "X104"), 0);
	aurmig_lint_report_free(rep);
}

static void test_options(void **state)
{
	aurmig_lint_options *o = NULL;
	aurmig_lint_report *rep;

	(void)state;
	assert_int_equal(aurmig_lint_options_new(&o, ctx), AURMIG_OK);
	assert_int_equal(aurmig_lint_options_set_severity(o, "D9x9", AURMIG_LINT_ERROR), AURMIG_EINVALID);
	assert_non_null(strstr(aurmig_error_last(ctx)->message, "D9x9"));
	assert_int_equal(aurmig_lint_options_set_severity(o, "C, M101", AURMIG_LINT_ERROR), AURMIG_OK);
	assert_int_equal(aurmig_lint_options_set_severity(o, "D106", AURMIG_LINT_IGNORE), AURMIG_OK);
	assert_int_equal(aurmig_lint_options_ignore(o, "r1", "D101", "archived in 2020"), AURMIG_OK);
	assert_int_equal(aurmig_lint_options_ignore(o, "other", "D104", NULL), AURMIG_OK);
	rep = lint_with(UP_MY "RENAME TABLE a TO b;\nDELETE FROM s;\nDROP TABLE c;\nTRUNCATE d;\n", MY, o);
	assert_int_equal(aurmig_lint_finding_severity(find(rep, "C101")), AURMIG_LINT_ERROR);
	assert_null(find(rep, "D106"));
	assert_true(aurmig_lint_finding_suppressed(find(rep, "D101")));
	assert_string_equal(aurmig_lint_finding_reason(find(rep, "D101")), "archived in 2020");
	assert_false(aurmig_lint_finding_suppressed(find(rep, "D104")));
	aurmig_lint_report_free(rep);
	/* a configured ignore that suppresses nothing is reported */
	rep = lint_with(UP_MY "SELECT 1;\n", MY, o);
	assert_int_equal(count(rep, "X104"), 1);
	aurmig_lint_report_free(rep);
	/* check_down lints the downgrade's statements */
	rep = lint_with(UP_MY "SELECT 1;\n-- aurmig:downgrade\nDROP TABLE x;\n", MY, NULL);
	assert_int_equal(count(rep, "D101"), 0);
	aurmig_lint_report_free(rep);
	assert_int_equal(aurmig_lint_options_set_check_down(o, 1), AURMIG_OK);
	rep = lint_with(UP_MY "SELECT 1;\n-- aurmig:downgrade\nTRUNCATE x;\n", MY, o);
	assert_int_equal(count(rep, "D104"), 1);
	aurmig_lint_report_free(rep);
	assert_int_equal(aurmig_lint_options_add_dialect(o, 7), AURMIG_EINVALID);
	aurmig_lint_options_free(o);
}

static void test_portable_rendered_per_dialect(void **state)
{
	aurmig_lint_report *rep;

	(void)state;
	/* portable MODIFY: MySQL copies, PostgreSQL rewrites, SQLite rebuilds */
	rep = lint_with("-- aurmig:upgrade portable\nALTER TABLE t MODIFY COLUMN c BIGINT NOT NULL;\n", 0, NULL);
	assert_int_equal(count(rep, "L101"), 1);
	assert_int_equal(count(rep, "L109"), 1 + 1);   /* TYPE, SET NOT NULL */
	assert_int_equal(count(rep, "L110"), 1);
	aurmig_lint_report_free(rep);
	/* portable CREATE INDEX rendered for PostgreSQL */
	rep = lint_with("-- aurmig:upgrade portable\nCREATE INDEX i ON t (c);\n", PG, NULL);
	assert_int_equal(count(rep, "L106"), 1);
	aurmig_lint_report_free(rep);
}

static void test_lint_file(void **state)
{
	char *dir = tu_mkdtemp(), path[4200];
	aurmig_lint_report *rep = NULL;

	(void)state;
	assert_int_equal(aurmig_lint_report_new(&rep, ctx), AURMIG_OK);
	tu_write(dir, "ab12_x.sql", "-- aurmig:revision ab12\n-- aurmig:upgrade\nTRUNCATE t;\n");
	snprintf(path, sizeof(path), "%s/ab12_x.sql", dir);
	assert_int_equal(aurmig_lint_file(rep, path, NULL), AURMIG_OK);
	assert_int_equal(count(rep, "D104"), 1);
	assert_string_equal(aurmig_lint_finding_revision(find(rep, "D104")), "ab12");
	snprintf(path, sizeof(path), "%s/missing.sql", dir);
	assert_int_equal(aurmig_lint_file(rep, path, NULL), AURMIG_EIO);
	tu_write(dir, "cd34_x.sql", "-- aurmig:revision cd34\nSELECT 1;\n");
	snprintf(path, sizeof(path), "%s/cd34_x.sql", dir);
	assert_int_equal(aurmig_lint_file(rep, path, NULL), AURMIG_EPARSE);
	aurmig_lint_report_free(rep);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
	free(dir);
}


/* One finding of code in a fresh lint of text with options o (kept). */
static int sev_of(const char *text, int dialect, aurmig_lint_options *o, const char *code, const char **msg)
{
	aurmig_lint_report *rep = lint_with(text, dialect, o);
	const aurmig_lint_finding *f = find(rep, code);
	int sev = f ? aurmig_lint_finding_severity(f) : -1;
	static char buf[512];

	if (msg)
		*msg = f ? (snprintf(buf, sizeof(buf), "%s", aurmig_lint_finding_message(f)), buf) : NULL;
	aurmig_lint_report_free(rep);
	return sev;
}

static aurmig_lint_options *opts_new(void)
{
	aurmig_lint_options *o = NULL;
	assert_int_equal(aurmig_lint_options_new(&o, ctx), AURMIG_OK);
	return o;
}

/* D105: the old type known from the section (an ADD COLUMN or an earlier
 * type change of an existing table) against the new one. */
static void test_retype_from_section(void **state)
{
	static const struct { int dialect; const char *body; int severity; const char *text; } c[] = {
		{ MY, "ALTER TABLE t ADD COLUMN c VARCHAR(255) NULL;\nALTER TABLE t MODIFY c VARCHAR(100) NULL;\n",
		  AURMIG_LINT_ERROR, "VARCHAR(255) -> VARCHAR(100): values longer than 100 characters are cut" },
		{ MY, "ALTER TABLE t ADD COLUMN c VARCHAR(10) NULL;\nALTER TABLE t CHANGE c c VARCHAR(5) NULL;\n",
		  AURMIG_LINT_ERROR, "values longer than 5 characters are cut" },
		{ MY, "ALTER TABLE t ADD n INT NULL;\nALTER TABLE t MODIFY n SMALLINT NULL;\n",
		  AURMIG_LINT_ERROR, "INT -> SMALLINT: values outside -32768..32767" },
		{ MY, "ALTER TABLE t ADD n INT UNSIGNED NULL;\nALTER TABLE t MODIFY n INT NULL;\n",
		  AURMIG_LINT_ERROR, "INT UNSIGNED -> INT: values outside -2147483648..2147483647" },
		{ MY, "ALTER TABLE t ADD s VARCHAR(10) CHARACTER SET utf8mb4 NULL;\n"
		  "ALTER TABLE t MODIFY s VARCHAR(10) CHARACTER SET latin1 NULL;\n",
		  AURMIG_LINT_ERROR, "utf8mb4 -> latin1: characters outside latin1 are lost" },
		{ MY, "ALTER TABLE t ADD s VARCHAR(10) CHARACTER SET latin1 NULL;\n"
		  "ALTER TABLE t MODIFY s VARCHAR(10) COLLATE utf8mb4_bin NULL;\n", AURMIG_LINT_INFO, "widens" },
		{ MY, "ALTER TABLE t ADD e ENUM('a','b','x') NULL;\nALTER TABLE t MODIFY e ENUM('a','b') NULL;\n",
		  AURMIG_LINT_ERROR, "ENUM loses value 'x'" },
		{ MY, "ALTER TABLE t ADD e ENUM('a','b') NULL;\nALTER TABLE t MODIFY e ENUM('a','b','c') NULL;\n",
		  AURMIG_LINT_INFO, "widens" },
		{ MY, "ALTER TABLE t ADD n SMALLINT NULL;\nALTER TABLE t MODIFY n BIGINT NULL;\n", AURMIG_LINT_INFO,
		  "widens (SMALLINT -> BIGINT): no data lost" },
		{ MY, "ALTER TABLE t ADD n INT NULL;\nALTER TABLE t MODIFY n INT NOT NULL;\n", AURMIG_LINT_INFO, "stays" },
		{ MY, "ALTER TABLE t ADD x TEXT NULL;\nALTER TABLE t MODIFY x INT NULL;\n", AURMIG_LINT_ERROR,
		  "the type family changes (text -> integer" },
		{ MY, "ALTER TABLE t ADD d DECIMAL(10,2) NULL;\nALTER TABLE t MODIFY d DECIMAL(10,1) NULL;\n",
		  AURMIG_LINT_ERROR, "are rounded" },
		{ MY, "ALTER TABLE t ADD d DATETIME NULL;\nALTER TABLE t MODIFY d DATE NULL;\n", AURMIG_LINT_ERROR,
		  "the time of day is lost" },
		{ MY, "ALTER TABLE t ADD c VARCHAR(255) NULL;\nALTER TABLE t MODIFY c VARCHAR(100) NULL;\n"
		  "ALTER TABLE t MODIFY c VARCHAR(200) NULL;\n", AURMIG_LINT_INFO, "widens (VARCHAR(100) -> VARCHAR(200))" },
		{ MY, "ALTER TABLE t MODIFY u INT NULL;\n", AURMIG_LINT_WARNING,
		  "cannot see the old definition (no earlier statement of this section defines it" },
		{ PG, "ALTER TABLE t ADD COLUMN n integer NULL;\nALTER TABLE t ALTER COLUMN n TYPE smallint;\n",
		  AURMIG_LINT_ERROR, "INT -> SMALLINT" },
		{ PG, "ALTER TABLE t ADD COLUMN v varchar(10) NULL;\nALTER TABLE t ALTER COLUMN v TYPE text;\n",
		  AURMIG_LINT_INFO, "widens" },
		{ PG, "ALTER TABLE t ADD COLUMN v text NULL;\nALTER TABLE t ALTER COLUMN v SET DATA TYPE character varying(20);\n",
		  AURMIG_LINT_ERROR, "TEXT -> VARCHAR(20): values longer than 20 characters are cut" },
	};
	char text[600];

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		aurmig_lint_report *rep;
		const aurmig_lint_finding *last = NULL;
		snprintf(text, sizeof(text), "%s%s", c[i].dialect == MY ? UP_MY : UP_PG, c[i].body);
		rep = lint_with(text, c[i].dialect, NULL);
		for (size_t k = 0; k < aurmig_lint_report_count(rep); k++)
			if (!strcmp(aurmig_lint_finding_code(aurmig_lint_report_at(rep, k)), "D105"))
				last = aurmig_lint_report_at(rep, k);
		if (!last)
			fail_msg("no D105 on:\n%s", text);
		if (aurmig_lint_finding_severity(last) != c[i].severity || !strstr(aurmig_lint_finding_message(last), c[i].text))
			fail_msg("D105 on:\n%s\nis %d: %s", text, aurmig_lint_finding_severity(last), aurmig_lint_finding_message(last));
		aurmig_lint_report_free(rep);
	}
	/* a table created in the section holds no rows: no D105 */
	{
		aurmig_lint_report *rep = lint_with(UP_MY "CREATE TABLE t2 (id INT PRIMARY KEY, c VARCHAR(255) NULL);\n"
			"ALTER TABLE t2 MODIFY c VARCHAR(10) NULL;\n", MY, NULL);
		assert_int_equal(count(rep, "D105"), 0);
		aurmig_lint_report_free(rep);
	}
}

static void test_server_version(void **state)
{
	const char *after = UP_MY "ALTER TABLE t ADD COLUMN c INT NULL AFTER b;\n-- aurmig:downgrade\nALTER TABLE t DROP COLUMN c;\n";
	const char *plain = UP_MY "ALTER TABLE t ADD COLUMN c INT NULL;\n-- aurmig:downgrade\nALTER TABLE t DROP COLUMN c;\n";
	const char *drop = "-- aurmig:irreversible c\n" UP_MY "ALTER TABLE t DROP COLUMN c;\n";
	const char *pgdef = UP_PG "ALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT 0;\n";
	aurmig_lint_options *o;
	const char *msg;

	(void)state;
	/* unknown version: the rules of thumb */
	o = opts_new();
	assert_int_equal(sev_of(after, MY, o, "L104", NULL), AURMIG_LINT_INFO);
	assert_int_equal(sev_of(after, MY, o, "L101", NULL), -1);
	assert_int_equal(sev_of(pgdef, PG, o, "L109", NULL), -1);
	aurmig_lint_options_free(o);
	/* 10.11: ADD COLUMN anywhere and DROP COLUMN are INSTANT */
	o = opts_new();
	assert_int_equal(aurmig_lint_options_set_server_version(o, "mariadb:10.11"), AURMIG_OK);
	assert_int_equal(sev_of(after, MY, o, "L104", NULL), -1);
	assert_int_equal(sev_of(drop, MY, o, "L101", NULL), -1);
	aurmig_lint_options_free(o);
	/* 10.3: INSTANT only at the end */
	o = opts_new();
	assert_int_equal(aurmig_lint_options_set_server_version(o, "mysql:10.3.39"), AURMIG_OK);
	assert_int_equal(sev_of(after, MY, o, "L101", &msg), AURMIG_LINT_WARNING);
	assert_non_null(strstr(msg, "before MariaDB 10.4"));
	assert_int_equal(sev_of(after, MY, o, "L104", NULL), AURMIG_LINT_INFO);
	assert_int_equal(sev_of(plain, MY, o, "L101", NULL), -1);
	assert_int_equal(sev_of(drop, MY, o, "L101", NULL), AURMIG_LINT_WARNING);
	aurmig_lint_options_free(o);
	/* 10.2: ADD COLUMN rebuilds */
	o = opts_new();
	assert_int_equal(aurmig_lint_options_set_server_version(o, "mariadb:10.2"), AURMIG_OK);
	assert_int_equal(sev_of(plain, MY, o, "L101", &msg), AURMIG_LINT_WARNING);
	assert_non_null(strstr(msg, "before MariaDB 10.3"));
	aurmig_lint_options_free(o);
	/* PostgreSQL before 11: any DEFAULT rewrites */
	o = opts_new();
	assert_int_equal(aurmig_lint_options_set_server_version(o, "postgresql:10"), AURMIG_OK);
	assert_int_equal(sev_of(pgdef, PG, o, "L109", &msg), AURMIG_LINT_WARNING);
	assert_non_null(strstr(msg, "before PostgreSQL 11"));
	assert_int_equal(aurmig_lint_options_set_server_version(o, "pgsql:15"), AURMIG_OK);
	assert_int_equal(sev_of(pgdef, PG, o, "L109", NULL), -1);
	/* a copy is online from MariaDB 11.2 with LOCK=NONE: said in the message */
	assert_int_equal(aurmig_lint_options_set_server_version(o, "mariadb:11.4"), AURMIG_OK);
	assert_int_equal(sev_of(UP_MY "ALTER TABLE t ENGINE=InnoDB;\n", MY, o, "L101", &msg), AURMIG_LINT_WARNING);
	assert_non_null(strstr(msg, "LOCK=NONE"));
	/* bad forms */
	assert_int_equal(aurmig_lint_options_set_server_version(o, "oracle:19"), AURMIG_EINVALID);
	assert_non_null(strstr(aurmig_error_last(ctx)->message, "DIALECT:MAJOR"));
	assert_int_equal(aurmig_lint_options_set_server_version(o, "mariadb:"), AURMIG_EINVALID);
	assert_int_equal(aurmig_lint_options_set_server_version(o, "mariadb:10.x"), AURMIG_EINVALID);
	assert_int_equal(aurmig_lint_options_set_server_version(o, "mariadb"), AURMIG_EINVALID);
	aurmig_lint_options_free(o);
}

static void test_large_tables_and_online(void **state)
{
	const char *idx = TXOFF UP_PG "CREATE INDEX i ON packages (name);\n";
	const char *upd = UP_MY "UPDATE Packages SET n = 0 WHERE n IS NULL;\n";
	aurmig_lint_options *o = opts_new();
	const char *msg;

	(void)state;
	assert_int_equal(sev_of(idx, PG, o, "L106", NULL), AURMIG_LINT_WARNING);
	assert_int_equal(sev_of(upd, MY, o, "L111", NULL), -1);
	assert_int_equal(aurmig_lint_options_large_table(o, "Packages", 90000), AURMIG_OK);
	assert_int_equal(sev_of(idx, PG, o, "L106", &msg), AURMIG_LINT_ERROR);
	assert_non_null(strstr(msg, "large table: 90000 rows"));
	assert_int_equal(sev_of(upd, MY, o, "L111", NULL), AURMIG_LINT_WARNING);
	/* another table, and rules of other classes, stay as they were */
	assert_int_equal(sev_of(TXOFF UP_PG "CREATE INDEX i ON users (name);\n", PG, o, "L106", NULL), AURMIG_LINT_WARNING);
	assert_int_equal(sev_of(UP_PG "ALTER TABLE packages ADD COLUMN c INT NOT NULL;\n", PG, o, "M102", NULL),
		AURMIG_LINT_WARNING);
	/* below the threshold a marked table is not large */
	assert_int_equal(aurmig_lint_options_set_large_rows(o, 100000), AURMIG_OK);
	assert_int_equal(sev_of(idx, PG, o, "L106", NULL), AURMIG_LINT_WARNING);
	assert_int_equal(sev_of(upd, MY, o, "L111", NULL), -1);
	/* no rows given: large whatever the threshold */
	assert_int_equal(aurmig_lint_options_large_table(o, "packages", -1), AURMIG_OK);
	assert_int_equal(sev_of(idx, PG, o, "L106", &msg), AURMIG_LINT_ERROR);
	assert_non_null(strstr(msg, "(large table)"));
	/* the user's explicit severity wins */
	assert_int_equal(aurmig_lint_options_set_severity(o, "L106", AURMIG_LINT_INFO), AURMIG_OK);
	assert_int_equal(sev_of(idx, PG, o, "L106", NULL), AURMIG_LINT_INFO);
	aurmig_lint_options_free(o);

	/* --online: renames and blocking locks are errors, L103 on */
	o = opts_new();
	assert_int_equal(sev_of(UP_MY "RENAME TABLE a TO b;\n", MY, o, "C101", NULL), AURMIG_LINT_WARNING);
	assert_int_equal(sev_of(UP_MY "ALTER TABLE t ADD COLUMN c INT NULL;\n", MY, o, "L103", NULL), -1);
	assert_int_equal(aurmig_lint_options_set_online(o, 1), AURMIG_OK);
	assert_int_equal(sev_of(UP_MY "RENAME TABLE a TO b;\n", MY, o, "C101", NULL), AURMIG_LINT_ERROR);
	assert_int_equal(sev_of(UP_MY "ALTER TABLE t ENGINE=InnoDB;\n", MY, o, "L101", NULL), AURMIG_LINT_ERROR);
	assert_int_equal(sev_of(UP_MY "ALTER TABLE t ADD COLUMN c INT NULL;\n", MY, o, "L103", NULL), AURMIG_LINT_WARNING);
	assert_int_equal(sev_of(UP_MY "ALTER TABLE t ADD COLUMN c INT NULL, ALGORITHM=INSTANT;\n", MY, o, "L103", NULL), -1);
	assert_int_equal(sev_of(UP_MY "DROP TABLE Users;\n", MY, o, "D101", NULL), AURMIG_LINT_ERROR);
	assert_int_equal(sev_of(UP_MY "ALTER TABLE t DROP FOREIGN KEY f;\n", MY, o, "C104", NULL), AURMIG_LINT_INFO);
	aurmig_lint_options_free(o);

	/* MariaDB makes the foreign key's index itself: no P112 there */
	o = opts_new();
	assert_int_equal(sev_of(UP_MY "CREATE TABLE x (id INT PRIMARY KEY, y INT REFERENCES p (id));\n", MY, o, "P112", NULL), -1);
	/* name patterns: a bad one is refused */
	assert_int_equal(aurmig_lint_options_set_name_pattern(o, "table", "(["), AURMIG_EINVALID);
	assert_int_equal(aurmig_lint_options_set_name_pattern(o, "view", "x"), AURMIG_EINVALID);
	/* without the severity, P108 stays off even with a pattern */
	assert_int_equal(aurmig_lint_options_set_name_pattern(o, "table", "^[A-Z]"), AURMIG_OK);
	assert_int_equal(sev_of(UP_MY "CREATE TABLE bad (id INT PRIMARY KEY);\n", MY, o, "P108", NULL), -1);
	aurmig_lint_options_free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_rule_fires_and_stays_silent),
		cmocka_unit_test(test_server_version),
		cmocka_unit_test(test_large_tables_and_online),
		cmocka_unit_test(test_finding_fields),
		cmocka_unit_test(test_common_section_per_dialect),
		cmocka_unit_test(test_nolint_statement_and_file),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_portable_rendered_per_dialect),
		cmocka_unit_test(test_lint_file),
		cmocka_unit_test(test_retype_from_section),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
