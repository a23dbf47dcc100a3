/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the dialect-aware SQL statement splitter (lib/base/split.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/split.h"

#define ANY AURMIG_DIALECT_ANY
#define SQLITE AURMIG_DIALECT_SQLITE
#define MYSQL AURMIG_DIALECT_MYSQL
#define PGSQL AURMIG_DIALECT_PGSQL

static const int all_dialects[] = { ANY, SQLITE, MYSQL, PGSQL };
#define N_DIALECTS (sizeof(all_dialects) / sizeof(all_dialects[0]))

typedef struct exp_stmt {
	const char *text;
	int line;
} exp_stmt;

/* Copy without a terminating NUL, so that AddressSanitizer catches any read past len. */
static char *copy_exact(const char *sql, size_t len)
{
	char *buf = malloc(len ? len : 1);

	assert_non_null(buf);
	memcpy(buf, sql, len);
	return buf;
}

static void check_split_len(int dialect, const char *sql, size_t len, int first_line,
	const exp_stmt *exp, size_t n_exp)
{
	aurmig_context *ctx = NULL;
	aurmig__stmt *v = (aurmig__stmt *)&ctx;        /* garbage: must be overwritten */
	size_t count = 12345, k;
	char *buf = copy_exact(sql, len);

	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	assert_int_equal(aurmig__split(&v, &count, ctx, buf, len, dialect, "test.sql", first_line),
		AURMIG_OK);
	if (count != n_exp) {
		print_message("dialect %d: got %zu statements, want %zu\n", dialect, count, n_exp);
		for (k = 0; k < count; k++)
			print_message("  [%zu] line %d: <%.*s>\n", k, v[k].line, (int)v[k].len,
				buf + v[k].offset);
	}
	assert_int_equal(count, n_exp);
	if (!count)
		assert_null(v);
	for (k = 0; k < count; k++) {
		char *got;

		assert_true(v[k].offset <= len);
		assert_true(v[k].len <= len - v[k].offset);
		got = malloc(v[k].len + 1);
		assert_non_null(got);
		memcpy(got, buf + v[k].offset, v[k].len);
		got[v[k].len] = '\0';
		if (strcmp(got, exp[k].text) != 0)
			print_message("dialect %d, statement %zu differs\n", dialect, k);
		assert_string_equal(got, exp[k].text);
		free(got);
		if (v[k].line != exp[k].line)
			print_message("dialect %d, statement %zu: line %d, want %d\n", dialect, k,
				v[k].line, exp[k].line);
		assert_int_equal(v[k].line, exp[k].line);
	}
	aurmig__free(v);
	aurmig_context_free(ctx);
	free(buf);
}

static void check_split(int dialect, const char *sql, int first_line, const exp_stmt *exp, size_t n_exp)
{
	check_split_len(dialect, sql, strlen(sql), first_line, exp, n_exp);
}

#define CHECK_AT(d, first_line, sql, ...) do { \
	static const exp_stmt exp_[] = { __VA_ARGS__ }; \
	check_split((d), (sql), (first_line), exp_, sizeof(exp_) / sizeof(exp_[0])); \
} while (0)
#define CHECK(d, sql, ...) CHECK_AT(d, 1, sql, __VA_ARGS__)
#define CHECK_NONE(d, sql) check_split((d), (sql), 1, NULL, 0)
#define S(text, line) { (text), (line) }

/* Expect AURMIG_EPARSE at line, with the cause in the message. */
static void check_error_len(int dialect, const char *sql, size_t len, int line, const char *cause)
{
	aurmig_context *ctx = NULL;
	aurmig__stmt *v = (aurmig__stmt *)&ctx;
	size_t count = 12345;
	const aurmig_error *err;
	char *buf = copy_exact(sql, len);

	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	assert_int_equal(aurmig__split(&v, &count, ctx, buf, len, dialect, "bad/script.sql", 1),
		AURMIG_EPARSE);
	assert_null(v);
	assert_int_equal(count, 0);
	err = aurmig_error_last(ctx);
	assert_non_null(err);
	assert_int_equal(err->code, AURMIG_EPARSE);
	assert_int_equal(err->klass, AURMIG_ERRCLASS_SCRIPT);
	if (err->line != line)
		print_message("dialect %d: error line %d, want %d (%s)\n", dialect, err->line, line,
			err->message);
	assert_int_equal(err->line, line);
	assert_non_null(err->file);
	assert_string_equal(err->file, "bad/script.sql");
	assert_non_null(strstr(err->message, "bad/script.sql"));
	if (!strstr(err->message, cause))
		print_message("message <%s> lacks <%s>\n", err->message, cause);
	assert_non_null(strstr(err->message, cause));
	aurmig_context_free(ctx);
	free(buf);
}

static void check_error(int dialect, const char *sql, int line, const char *cause)
{
	check_error_len(dialect, sql, strlen(sql), line, cause);
}

/* ---------------------------------------------------------------- basics */

static void test_basic(void **state)
{
	size_t d;

	(void)state;
	for (d = 0; d < N_DIALECTS; d++) {
		CHECK(all_dialects[d], "SELECT 1;\n  SELECT 2 ;\n\n\tSELECT\n 3",
			S("SELECT 1", 1), S("SELECT 2", 2), S("SELECT\n 3", 4));
		CHECK_AT(all_dialects[d], 10, "SELECT 1;\n  SELECT 2 ;\n\n\tSELECT\n 3 \n\n",
			S("SELECT 1", 10), S("SELECT 2", 11), S("SELECT\n 3", 13));
		CHECK(all_dialects[d], "SELECT 1;\r\nSELECT 2\r\n",
			S("SELECT 1", 1), S("SELECT 2", 2));
		CHECK(all_dialects[d], "; ;SELECT 1;;\n;",
			S("SELECT 1", 1));
		CHECK(all_dialects[d], "x", S("x", 1));
	}
}

static void test_empty_and_comment_only(void **state)
{
	size_t d;

	(void)state;
	for (d = 0; d < N_DIALECTS; d++) {
		CHECK_NONE(all_dialects[d], "");
		CHECK_NONE(all_dialects[d], "  \n\t ;; ;\n");
		CHECK_NONE(all_dialects[d], "-- c\n/* x; */;\n-- y");
		CHECK_NONE(all_dialects[d], "/* a */ ; -- b\n ; /* c */");
	}
}

static void test_null_text_empty(void **state)
{
	aurmig_context *ctx;
	aurmig__stmt *v = (aurmig__stmt *)&ctx;
	size_t count = 3;

	(void)state;
	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	assert_int_equal(aurmig__split(&v, &count, ctx, NULL, 0, SQLITE, NULL, 1), AURMIG_OK);
	assert_null(v);
	assert_int_equal(count, 0);
	aurmig_context_free(ctx);
}

static void test_leading_comments_and_lines(void **state)
{
	size_t d;

	(void)state;
	for (d = 0; d < N_DIALECTS; d++) {
		CHECK(all_dialects[d],
			"-- header\n/* multi\nline */ -- more\n\n  INSERT INTO t VALUES (1); -- trailing\n"
			"/* c */ SELECT 2 /* in */ ;",
			S("INSERT INTO t VALUES (1)", 5), S("SELECT 2 /* in */", 6));
		/* a comment before the delimiter stays; only blanks are trimmed */
		CHECK(all_dialects[d], "SELECT 1 -- note\n;\n\n-- c\nSELECT 2\n-- end\n",
			S("SELECT 1 -- note", 1), S("SELECT 2\n-- end", 5));
	}
}

static void test_length_not_terminated(void **state)
{
	static const exp_stmt one[] = { S("SELECT 1", 1) };
	static const exp_stmt two[] = { S("SELECT 1", 1), S("SELECT", 1) };

	(void)state;
	/* the text ends at len: what follows is never looked at */
	check_split_len(SQLITE, "SELECT 1; SELECT 'x", 9, 1, one, 1);
	check_split_len(MYSQL, "SELECT 1; SELECT 'x", 16, 1, two, 2);
	check_split_len(PGSQL, "SELECT 1; SELECT $$", 16, 1, two, 2);
}

/* ---------------------------------------------------------------- quotes */

static void test_single_quotes(void **state)
{
	size_t d;

	(void)state;
	for (d = 0; d < N_DIALECTS; d++) {
		CHECK(all_dialects[d],
			"INSERT INTO t VALUES ('a;b', 'it''s; ok', '');\nSELECT ';'",
			S("INSERT INTO t VALUES ('a;b', 'it''s; ok', '')", 1), S("SELECT ';'", 2));
		CHECK(all_dialects[d], "SELECT 'a\nb;\nc';\nSELECT '--', '/*', '#';",
			S("SELECT 'a\nb;\nc'", 1), S("SELECT '--', '/*', '#'", 4));
		CHECK(all_dialects[d], "SELECT '''';SELECT 2",
			S("SELECT ''''", 1), S("SELECT 2", 1));
	}
}

static void test_backslash_escapes(void **state)
{
	static const char single[] = "SELECT 'x\\'; SELECT 1; -- ';\nSELECT 2;";
	static const char dbl[] = "SELECT \"x\\\"; SELECT 1; -- \";\nSELECT 2;";

	(void)state;
	/* MySQL: \' does not end the string */
	CHECK(MYSQL, single, S("SELECT 'x\\'; SELECT 1; -- '", 1), S("SELECT 2", 2));
	CHECK(MYSQL, dbl, S("SELECT \"x\\\"; SELECT 1; -- \"", 1), S("SELECT 2", 2));
	CHECK(MYSQL, "SELECT 'a\\\\'; SELECT 2", S("SELECT 'a\\\\'", 1), S("SELECT 2", 1));
	CHECK(MYSQL, "SELECT 'a\\\nb';\nSELECT 2;", S("SELECT 'a\\\nb'", 1), S("SELECT 2", 3));
	/* elsewhere a backslash is an ordinary character */
	CHECK(SQLITE, single, S("SELECT 'x\\'", 1), S("SELECT 1", 1), S("SELECT 2", 2));
	CHECK(ANY, single, S("SELECT 'x\\'", 1), S("SELECT 1", 1), S("SELECT 2", 2));
	CHECK(PGSQL, single, S("SELECT 'x\\'", 1), S("SELECT 1", 1), S("SELECT 2", 2));
	CHECK(SQLITE, dbl, S("SELECT \"x\\\"", 1), S("SELECT 1", 1), S("SELECT 2", 2));
	CHECK(PGSQL, dbl, S("SELECT \"x\\\"", 1), S("SELECT 1", 1), S("SELECT 2", 2));
	/* backticks never take backslash escapes */
	CHECK(MYSQL, "SELECT `a\\`; SELECT 2", S("SELECT `a\\`", 1), S("SELECT 2", 1));
}

static void test_pgsql_escape_strings(void **state)
{
	(void)state;
	CHECK(PGSQL, "SELECT E'x\\'; SELECT 1; -- ';\nSELECT 2;",
		S("SELECT E'x\\'; SELECT 1; -- '", 1), S("SELECT 2", 2));
	CHECK(PGSQL, "SELECT e'\\\\', e'\\''; SELECT 2",
		S("SELECT e'\\\\', e'\\''", 1), S("SELECT 2", 1));
	/* only a lone E prefixes an escape string */
	CHECK(PGSQL, "SELECT xe'a\\'; SELECT 1;", S("SELECT xe'a\\'", 1), S("SELECT 1", 1));
	CHECK(PGSQL, "SELECT E 'a\\'; SELECT 1;", S("SELECT E 'a\\'", 1), S("SELECT 1", 1));
	/* not in SQLite */
	CHECK(SQLITE, "SELECT E'x\\'; SELECT 1",
		S("SELECT E'x\\'", 1), S("SELECT 1", 1));
}

static void test_double_quotes(void **state)
{
	size_t d;

	(void)state;
	for (d = 0; d < N_DIALECTS; d++) {
		CHECK(all_dialects[d], "SELECT \"a\"\";b\" FROM \"t;\n\"; SELECT 2",
			S("SELECT \"a\"\";b\" FROM \"t;\n\"", 1), S("SELECT 2", 2));
	}
}

static void test_backticks(void **state)
{
	static const char sql[] = "SELECT `a;b`, `c``;d` FROM t; SELECT 2";

	(void)state;
	CHECK(MYSQL, sql, S("SELECT `a;b`, `c``;d` FROM t", 1), S("SELECT 2", 1));
	CHECK(SQLITE, sql, S("SELECT `a;b`, `c``;d` FROM t", 1), S("SELECT 2", 1));
	CHECK(ANY, sql, S("SELECT `a;b`, `c``;d` FROM t", 1), S("SELECT 2", 1));
	/* PostgreSQL has no backtick quoting */
	CHECK(PGSQL, sql, S("SELECT `a", 1), S("b`, `c``", 1), S("d` FROM t", 1), S("SELECT 2", 1));
}

static void test_brackets(void **state)
{
	static const char sql[] = "SELECT [a;b] FROM [t;\n]; SELECT 2";

	(void)state;
	CHECK(SQLITE, sql, S("SELECT [a;b] FROM [t;\n]", 1), S("SELECT 2", 2));
	CHECK(ANY, sql, S("SELECT [a;b] FROM [t;\n]", 1), S("SELECT 2", 2));
	CHECK(MYSQL, sql, S("SELECT [a", 1), S("b] FROM [t", 1), S("]", 2), S("SELECT 2", 2));
	CHECK(PGSQL, sql, S("SELECT [a", 1), S("b] FROM [t", 1), S("]", 2), S("SELECT 2", 2));
}

/* ---------------------------------------------------------------- comments */

static void test_dash_comments(void **state)
{
	size_t d;

	(void)state;
	for (d = 0; d < N_DIALECTS; d++)
		CHECK(all_dialects[d], "SELECT 1 -- a; 'b\n, 2; SELECT 3",
			S("SELECT 1 -- a; 'b\n, 2", 1), S("SELECT 3", 2));

	/* MySQL: "--" starts a comment only before a blank or control character */
	CHECK(MYSQL, "SELECT 5--1; SELECT 2;", S("SELECT 5--1", 1), S("SELECT 2", 1));
	CHECK(MYSQL, "SELECT 1 --\t; x\n; SELECT 2", S("SELECT 1 --\t; x", 1), S("SELECT 2", 2));
	CHECK(MYSQL, "SELECT 1 --\n; SELECT 2", S("SELECT 1 --", 1), S("SELECT 2", 2));
	CHECK(MYSQL, "SELECT 1 --\x7f; x\n; SELECT 2", S("SELECT 1 --\x7f; x", 1), S("SELECT 2", 2));
	CHECK(MYSQL, "SELECT 1 --\r; x\n; SELECT 2", S("SELECT 1 --\r; x", 1), S("SELECT 2", 2));
	CHECK(MYSQL, "SELECT 1 --", S("SELECT 1 --", 1));
	CHECK(MYSQL, "SELECT 1; --", S("SELECT 1", 1));
	CHECK(MYSQL, "--x;\n-- y;\nSELECT 1;", S("--x", 1), S("SELECT 1", 3));
	CHECK(SQLITE, "SELECT 5--1; SELECT 2;", S("SELECT 5--1; SELECT 2;", 1));
	CHECK(ANY, "SELECT 5--1; SELECT 2;", S("SELECT 5--1; SELECT 2;", 1));
	CHECK(PGSQL, "SELECT 5--1; SELECT 2;", S("SELECT 5--1; SELECT 2;", 1));
	CHECK(SQLITE, "--x;\n-- y;\nSELECT 1;", S("SELECT 1", 3));
}

static void test_hash_comments(void **state)
{
	static const char sql[] = "SELECT 1 # c; d\n; SELECT 2 # x";
	static const char lead[] = "# header;\nSELECT 1;";

	(void)state;
	CHECK(MYSQL, sql, S("SELECT 1 # c; d", 1), S("SELECT 2 # x", 2));
	CHECK(MYSQL, lead, S("SELECT 1", 2));
	/* # is an operator elsewhere */
	CHECK(PGSQL, sql, S("SELECT 1 # c", 1), S("d", 1), S("SELECT 2 # x", 2));
	CHECK(SQLITE, lead, S("# header", 1), S("SELECT 1", 2));
}

static void test_block_comments(void **state)
{
	static const char nested[] = "SELECT 1 /* a /* b */ ; */ ; SELECT 2";
	size_t d;

	(void)state;
	for (d = 0; d < N_DIALECTS; d++) {
		CHECK(all_dialects[d], "SELECT /* ; ' \" */ 1; /* only */; SELECT 2",
			S("SELECT /* ; ' \" */ 1", 1), S("SELECT 2", 1));
		/* slash-star-slash does not close the comment */
		CHECK(all_dialects[d], "SELECT 1 /*/ ; */; SELECT 2",
			S("SELECT 1 /*/ ; */", 1), S("SELECT 2", 1));
		CHECK(all_dialects[d], "SELECT 1 /*\n;\n*/ + 2;\nSELECT 2",
			S("SELECT 1 /*\n;\n*/ + 2", 1), S("SELECT 2", 4));
	}
	/* only PostgreSQL nests block comments */
	CHECK(PGSQL, nested, S("SELECT 1 /* a /* b */ ; */", 1), S("SELECT 2", 1));
	CHECK(SQLITE, nested, S("SELECT 1 /* a /* b */", 1), S("*/", 1), S("SELECT 2", 1));
	CHECK(MYSQL, nested, S("SELECT 1 /* a /* b */", 1), S("*/", 1), S("SELECT 2", 1));
	CHECK(SQLITE, "SELECT 1 /* a /* b */", S("SELECT 1 /* a /* b */", 1));
}

static void test_mysql_executable_comments(void **state)
{
	static const char sql[] =
		"/*!40101 SET @x = 1; */;\n"
		"/* plain */;\n"
		"/*M!100100 SET @y = 2; */;\n"
		"SELECT 1 /*!50000 ; */;";

	(void)state;
	CHECK(MYSQL, sql,
		S("/*!40101 SET @x = 1; */", 1),
		S("/*M!100100 SET @y = 2; */", 3),
		S("SELECT 1 /*!50000 ; */", 4));
	/* plain comments elsewhere */
	CHECK(SQLITE, sql, S("SELECT 1 /*!50000 ; */", 4));
	CHECK(PGSQL, sql, S("SELECT 1 /*!50000 ; */", 4));
}

/* ---------------------------------------------------------------- dollar quotes */

static void test_dollar_quotes(void **state)
{
	static const char sql[] =
		"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
		"CREATE FUNCTION g() RETURNS int AS $body$\n"
		"BEGIN\n"
		"  RETURN $$;$$ || $b$;$b$ || $Body$;$Body$;\n"
		"END\n"
		"$body$ LANGUAGE plpgsql;\n"
		"SELECT $1, $2::int; SELECT x$$y; SELECT $_a1$ ; $_a1$;";

	(void)state;
	CHECK(PGSQL, sql,
		S("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql", 1),
		S("CREATE FUNCTION g() RETURNS int AS $body$\nBEGIN\n"
			"  RETURN $$;$$ || $b$;$b$ || $Body$;$Body$;\nEND\n$body$ LANGUAGE plpgsql", 2),
		S("SELECT $1, $2::int", 7),
		S("SELECT x$$y", 7),
		S("SELECT $_a1$ ; $_a1$", 7));
	/* a tag does not start with a digit: $1 is a parameter */
	CHECK(PGSQL, "SELECT $1a$; SELECT 2;", S("SELECT $1a$", 1), S("SELECT 2", 1));
	CHECK(PGSQL, "SELECT $1$$;$$; SELECT 2;", S("SELECT $1$$;$$", 1), S("SELECT 2", 1));
	CHECK(PGSQL, "SELECT $a$ x $b$ ; $a$; SELECT 2", S("SELECT $a$ x $b$ ; $a$", 1), S("SELECT 2", 1));
	CHECK(PGSQL, "SELECT $$;$$; SELECT $$$$;", S("SELECT $$;$$", 1), S("SELECT $$$$", 1));
	CHECK(PGSQL, "SELECT $ ; SELECT 2", S("SELECT $", 1), S("SELECT 2", 1));
	/* no dollar quoting elsewhere */
	CHECK(SQLITE, "SELECT $$;$$; SELECT 2", S("SELECT $$", 1), S("$$", 1), S("SELECT 2", 1));
	CHECK(MYSQL, "SELECT $$;$$; SELECT 2", S("SELECT $$", 1), S("$$", 1), S("SELECT 2", 1));
}

/* ---------------------------------------------------------------- bodies */

#define SQLITE_TRG1 \
	"CREATE TRIGGER trg AFTER INSERT ON a\n" \
	"WHEN CASE WHEN new.x > 0 THEN 1 ELSE 0 END\n" \
	"BEGIN\n" \
	"  INSERT INTO log(msg) VALUES ('insert; done');\n" \
	"  UPDATE b SET y = CASE new.x WHEN 1 THEN 'one' ELSE 'other' END, backend = new.end;\n" \
	"END"
#define SQLITE_TRG2 \
	"create temp trigger if not exists t2 before delete on a begin select raise(abort, 'no'); end"
#define SQLITE_TRG3 \
	"CREATE /* c */ TEMPORARY -- x\n TRIGGER t3 AFTER UPDATE ON a BEGIN DELETE FROM c; END"

static void test_sqlite_triggers(void **state)
{
	static const char sql[] = SQLITE_TRG1 ";\n" SQLITE_TRG2 ";\n" SQLITE_TRG3 "; SELECT 1;";

	(void)state;
	CHECK(SQLITE, sql, S(SQLITE_TRG1, 1), S(SQLITE_TRG2, 7), S(SQLITE_TRG3, 8), S("SELECT 1", 9));
	CHECK(ANY, sql, S(SQLITE_TRG1, 1), S(SQLITE_TRG2, 7), S(SQLITE_TRG3, 8), S("SELECT 1", 9));
	/* a body that is never closed runs to the end of the text */
	CHECK(SQLITE, "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT 2;",
		S("CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT 2;", 1));
}

static void test_not_bodies(void **state)
{
	size_t d;

	(void)state;
	for (d = 0; d < N_DIALECTS; d++) {
		/* transactions are not bodies */
		CHECK(all_dialects[d], "BEGIN;\nINSERT INTO t VALUES (1);\nEND;\nBEGIN TRANSACTION; COMMIT;",
			S("BEGIN", 1), S("INSERT INTO t VALUES (1)", 2), S("END", 3),
			S("BEGIN TRANSACTION", 4), S("COMMIT", 4));
		CHECK(all_dialects[d],
			"CREATE TABLE begin_end (x); CREATE VIEW v AS SELECT CASE WHEN 1 THEN 2 END; "
			"CREATE TABLE triggers (begin_at int); SELECT 1",
			S("CREATE TABLE begin_end (x)", 1),
			S("CREATE VIEW v AS SELECT CASE WHEN 1 THEN 2 END", 1),
			S("CREATE TABLE triggers (begin_at int)", 1), S("SELECT 1", 1));
		/* not CREATE first */
		CHECK(all_dialects[d], "SELECT 'CREATE TRIGGER' BEGIN; SELECT 2",
			S("SELECT 'CREATE TRIGGER' BEGIN", 1), S("SELECT 2", 1));
		CHECK(all_dialects[d], "SELECT function, begin FROM t; SELECT 2",
			S("SELECT function, begin FROM t", 1), S("SELECT 2", 1));
	}
}

#define MYSQL_PROC \
	"CREATE DEFINER=`root`@`localhost` PROCEDURE p(IN n INT)\n" \
	"BEGIN\n" \
	"  DECLARE i INT DEFAULT 0;\n" \
	"  DECLARE CONTINUE HANDLER FOR NOT FOUND SET i = -1;\n" \
	"  lbl: LOOP\n" \
	"    SET i = i + 1;\n" \
	"    IF i > n THEN LEAVE lbl; END IF;\n" \
	"    IF (i = 3) THEN ITERATE lbl; ELSE IF(i = 4) THEN SET i = 5; END IF; END IF;\n" \
	"  END LOOP lbl;\n" \
	"  WHILE i > 0 DO SET i = i - 1; END WHILE;\n" \
	"  REPEAT SET i = i + 1; UNTIL i >= 5 END REPEAT;\n" \
	"  CASE i WHEN 5 THEN SELECT 'five;'; ELSE BEGIN END; END CASE;\n" \
	"  SELECT IF(i > 1, 'a', 'b'), REPEAT('x', 3), CASE WHEN i THEN IF(i, 1, 2) ELSE IF(i, 3, 4) END;\n" \
	"  SET @end = 1, @x := IF(i, 1, 0);\n" \
	"  DROP TEMPORARY TABLE IF EXISTS tmp;\n" \
	"  CREATE TEMPORARY TABLE IF NOT EXISTS tmp (a INT);\n" \
	"  inner_blk: begin select 1; end inner_blk;\n" \
	"END"

static void test_mysql_procedure(void **state)
{
	(void)state;
	CHECK(MYSQL, MYSQL_PROC ";\nSELECT 1;", S(MYSQL_PROC, 1), S("SELECT 1", 19));
	/* SQLite does not know IF ... END IF: the first END IF closes the BEGIN */
	CHECK(SQLITE, "CREATE PROCEDURE p() BEGIN IF a THEN SELECT 1; END IF; SELECT 2; END;",
		S("CREATE PROCEDURE p() BEGIN IF a THEN SELECT 1; END IF", 1),
		S("SELECT 2", 1), S("END", 1));
}

static void test_mysql_routines(void **state)
{
	(void)state;
	/* IF() function, DEFINER with quoted account, OR REPLACE */
	CHECK(MYSQL,
		"CREATE OR REPLACE DEFINER = 'u'@'%' FUNCTION f() RETURNS INT DETERMINISTIC "
		"RETURN IF(1, 2, 3);\nSELECT 2;",
		S("CREATE OR REPLACE DEFINER = 'u'@'%' FUNCTION f() RETURNS INT DETERMINISTIC "
			"RETURN IF(1, 2, 3)", 1),
		S("SELECT 2", 2));
	/* trigger bodies without BEGIN */
	CHECK(MYSQL,
		"CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW IF NEW.a < 0 THEN SET NEW.a = 0; END IF;\n"
		"create trigger u before insert on x for each row if (new.a < 0) then set new.a = 0; end if;\n"
		"SELECT 1;",
		S("CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW IF NEW.a < 0 THEN SET NEW.a = 0; END IF", 1),
		S("create trigger u before insert on x for each row if (new.a < 0) then set new.a = 0; end if", 2),
		S("SELECT 1", 3));
	/* events, DEFINER = CURRENT_USER(), MariaDB IF NOT EXISTS */
	CHECK(MYSQL,
		"CREATE EVENT IF NOT EXISTS ev ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM t WHERE ts < NOW(); END;\n"
		"CREATE DEFINER = CURRENT_USER() TRIGGER t BEFORE INSERT ON x FOR EACH ROW "
		"BEGIN SET NEW.a = 1; END;SELECT 1",
		S("CREATE EVENT IF NOT EXISTS ev ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM t WHERE ts < NOW(); END", 1),
		S("CREATE DEFINER = CURRENT_USER() TRIGGER t BEFORE INSERT ON x FOR EACH ROW "
			"BEGIN SET NEW.a = 1; END", 2),
		S("SELECT 1", 2));
	/* executable comments and comments in the header are transparent */
	CHECK(MYSQL,
		"CREATE /*!50017 DEFINER=`root`@`%`*/ /* c */ TRIGGER t BEFORE INSERT ON x FOR EACH ROW "
		"BEGIN SET NEW.a = 1; END;\nSELECT 1;",
		S("CREATE /*!50017 DEFINER=`root`@`%`*/ /* c */ TRIGGER t BEFORE INSERT ON x FOR EACH ROW "
			"BEGIN SET NEW.a = 1; END", 1),
		S("SELECT 1", 2));
	/* IF (...) THEN as the first statement inside REPEAT, LOOP and after a label */
	CHECK(MYSQL,
		"CREATE PROCEDURE p() BEGIN REPEAT IF(i > 1) THEN SET i = 0; END IF; UNTIL i END REPEAT; "
		"l2: IF(i) THEN SELECT 1; END IF; LOOP IF(i) THEN LEAVE l2; END IF; END LOOP; END; SELECT 1",
		S("CREATE PROCEDURE p() BEGIN REPEAT IF(i > 1) THEN SET i = 0; END IF; UNTIL i END REPEAT; "
			"l2: IF(i) THEN SELECT 1; END IF; LOOP IF(i) THEN LEAVE l2; END IF; END LOOP; END", 1),
		S("SELECT 1", 1));
	/* ALTER EVENT carries a body too */
	CHECK(MYSQL, "ALTER DEFINER = `a`@`b` EVENT ev DO BEGIN SELECT 1; END; SELECT 2",
		S("ALTER DEFINER = `a`@`b` EVENT ev DO BEGIN SELECT 1; END", 1), S("SELECT 2", 1));
	/* a procedure without a block ends at its first delimiter */
	CHECK(MYSQL, "CREATE PROCEDURE p() SELECT 1; SELECT 2",
		S("CREATE PROCEDURE p() SELECT 1", 1), S("SELECT 2", 1));
	/* WHILE / REPEAT / CASE statements at the top of a body; REPEAT() and IF() as functions */
	CHECK(MYSQL,
		"CREATE PROCEDURE p() WHILE 1 DO SELECT 1; END WHILE; "
		"CREATE PROCEDURE q() REPEAT SELECT REPEAT('a', 2); UNTIL 1 END REPEAT; "
		"CREATE PROCEDURE r() CASE WHEN 1 THEN SELECT IF(1, 2, 3); ELSE SELECT 4; END CASE; SELECT 5",
		S("CREATE PROCEDURE p() WHILE 1 DO SELECT 1; END WHILE", 1),
		S("CREATE PROCEDURE q() REPEAT SELECT REPEAT('a', 2); UNTIL 1 END REPEAT", 1),
		S("CREATE PROCEDURE r() CASE WHEN 1 THEN SELECT IF(1, 2, 3); ELSE SELECT 4; END CASE", 1),
		S("SELECT 5", 1));
}

#define PG_FUNC \
	"CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql\n" \
	"BEGIN ATOMIC\n" \
	"  SELECT a + 1;\n" \
	"  SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END;\n" \
	"END"
#define PG_PROC \
	"create procedure p() language sql begin atomic insert into t values (1); end"

static void test_pgsql_begin_atomic(void **state)
{
	(void)state;
	CHECK(PGSQL, PG_FUNC ";\n" PG_PROC ";\nSELECT 3;",
		S(PG_FUNC, 1), S(PG_PROC, 6), S("SELECT 3", 7));
	/* BEGIN without ATOMIC opens nothing */
	CHECK(PGSQL, "CREATE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql; BEGIN; SELECT 1;",
		S("CREATE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql", 1),
		S("BEGIN", 1), S("SELECT 1", 1));
	/* begin is a name here (non-reserved in PostgreSQL), not BEGIN ATOMIC */
	CHECK(PGSQL, "CREATE FUNCTION f(begin int) RETURNS int AS 'select begin' LANGUAGE sql; SELECT 2;",
		S("CREATE FUNCTION f(begin int) RETURNS int AS 'select begin' LANGUAGE sql", 1),
		S("SELECT 2", 1));
	/* PostgreSQL triggers have no inline body */
	CHECK(PGSQL, "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW EXECUTE FUNCTION f(); BEGIN; END;",
		S("CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW EXECUTE FUNCTION f()", 1),
		S("BEGIN", 1), S("END", 1));
}

/* ---------------------------------------------------------------- DELIMITER */

#define DELIM_SCRIPT \
	"DELIMITER //\n" \
	"CREATE PROCEDURE p()\nBEGIN\n  SELECT '//';\n  SELECT 1;\nEND//\n" \
	"delimiter $$\n" \
	"CREATE FUNCTION f() RETURNS INT RETURN 1$$\n" \
	"SELECT 2 $$ SELECT 3$$\n" \
	"  DeLiMiTeR ;\n" \
	"SELECT 4;\n"

static void test_mysql_delimiter(void **state)
{
	(void)state;
	CHECK(MYSQL, DELIM_SCRIPT,
		S("CREATE PROCEDURE p()\nBEGIN\n  SELECT '//';\n  SELECT 1;\nEND", 2),
		S("CREATE FUNCTION f() RETURNS INT RETURN 1", 8),
		S("SELECT 2", 9), S("SELECT 3", 9), S("SELECT 4", 11));
	/* only MySQL knows the client's DELIMITER */
	CHECK(SQLITE, DELIM_SCRIPT,
		S("DELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n  SELECT '//'", 1),
		S("SELECT 1", 5),
		S("END//\ndelimiter $$\nCREATE FUNCTION f() RETURNS INT RETURN 1$$\n"
			"SELECT 2 $$ SELECT 3$$\n  DeLiMiTeR", 6),
		S("SELECT 4", 11));
	CHECK(PGSQL, "DELIMITER //\nSELECT 1//\n", S("DELIMITER //\nSELECT 1//", 1));
	/* a DELIMITER that is not the first token of its line is SQL */
	CHECK(MYSQL, "SELECT 1; DELIMITER //\nSELECT 2//", S("SELECT 1", 1), S("DELIMITER //\nSELECT 2//", 1));
	CHECK(MYSQL, "DELIMITERX;\nSELECT 1;", S("DELIMITERX", 1), S("SELECT 1", 2));
	/* mysqldump: the custom delimiter ends the statement whatever the nesting */
	CHECK(MYSQL,
		"DELIMITER ;;\n"
		"/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`%`*/ /*!50003 TRIGGER t BEFORE INSERT ON x "
		"FOR EACH ROW BEGIN\n  SET NEW.a = 1;\nEND */;;\n"
		"DELIMITER ;\n"
		"SELECT 1;;;",
		S("/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`%`*/ /*!50003 TRIGGER t BEFORE INSERT ON x "
			"FOR EACH ROW BEGIN\n  SET NEW.a = 1;\nEND */", 2),
		S("SELECT 1", 6));
	CHECK(MYSQL, "DELIMITER ;;\nCREATE PROCEDURE p() BEGIN SELECT 1; ;;\nSELECT 2;;",
		S("CREATE PROCEDURE p() BEGIN SELECT 1;", 2), S("SELECT 2", 3));
	/* back at ";", bodies are tracked again */
	CHECK(MYSQL, "DELIMITER //\nSELECT 1//\nDELIMITER ;\nCREATE PROCEDURE p() BEGIN SELECT 2; END;\nSELECT 3;",
		S("SELECT 1", 2), S("CREATE PROCEDURE p() BEGIN SELECT 2; END", 4), S("SELECT 3", 5));
	/* rest of the DELIMITER line is ignored; the custom delimiter also ends the text's gaps */
	CHECK(MYSQL, "DELIMITER $$ trailing words\n$$ $$\nSELECT 1$$", S("SELECT 1", 3));
	/* a delimiter inside quotes and comments does not count */
	CHECK(MYSQL, "DELIMITER //\nSELECT '//', \"//\", `//` /* // */ -- //\n//",
		S("SELECT '//', \"//\", `//` /* // */ -- //", 2));
}

/* ---------------------------------------------------------------- errors */

static void test_unterminated(void **state)
{
	size_t d;

	(void)state;
	for (d = 0; d < N_DIALECTS; d++) {
		check_error(all_dialects[d], "SELECT 1;\nSELECT 'abc;\n\n", 2,
			"unterminated single-quoted string starting here");
		check_error(all_dialects[d], "SELECT 1 /* x\n\n", 1, "unterminated block comment starting here");
		check_error(all_dialects[d], "SELECT 1;\n\n/* x", 3, "unterminated block comment");
	}
	check_error(MYSQL, "SELECT 'a\\';", 1, "unterminated single-quoted string");
	check_error(MYSQL, "SELECT 'a\\", 1, "unterminated single-quoted string");
	check_error(MYSQL, "SELECT \"abc", 1, "unterminated double-quoted string starting here");
	check_error(SQLITE, "SELECT 1;\n\nSELECT \"abc", 3, "unterminated double-quoted identifier starting here");
	check_error(PGSQL, "SELECT \"a\"\"", 1, "unterminated double-quoted identifier");
	check_error(MYSQL, "SELECT `a``", 1, "unterminated backtick-quoted identifier starting here");
	check_error(ANY, "\n\nSELECT `a", 3, "unterminated backtick-quoted identifier");
	check_error(SQLITE, "SELECT [a;\n", 1, "unterminated bracket-quoted identifier starting here");
	check_error(PGSQL, "SELECT 1 /* a /* b */", 1, "unterminated block comment");
	check_error(MYSQL, "SELECT 1;\n/*!40101 SET x", 2, "unterminated executable comment");
	check_error(PGSQL, "SELECT 1;\nSELECT $body$ x;\n$$ $BODY$ $body", 2,
		"unterminated dollar-quoted string $body$");
	check_error(PGSQL, "SELECT $$", 1, "unterminated dollar-quoted string $$");
	/* a long tag is shortened in the message */
	check_error(PGSQL, "\nSELECT $t23456789012345678901234567890123456789012345678901234567890"
		"1234567890$ x", 2,
		"unterminated dollar-quoted string $t2345678901234567890123456789012345678901234567890123456789...");
	check_error(PGSQL, "SELECT E'a\\'", 1, "unterminated escape string");
	check_error(MYSQL, "DELIMITER\nSELECT 1;", 1, "DELIMITER must be followed by a delimiter");
	check_error(MYSQL, "SELECT 1;\n  delimiter   ", 2, "DELIMITER must be followed by a delimiter");
}

static void test_nul_byte(void **state)
{
	static const char gap[] = "SELECT 1;\nSELECT 2;\0\n";
	static const char str[] = "SELECT 'a\0b';";
	static const char cmt[] = "-- a\n-- b\0\n";
	static const char stmt[] = "SELECT\n1\0;";
	static const char dollar[] = "SELECT $$\n\0$$";
	static const char block[] = "/*\n\n\0*/";
	static const char delim[] = "DELIMITER /\0/\n";
	size_t d;

	(void)state;
	for (d = 0; d < N_DIALECTS; d++) {
		check_error_len(all_dialects[d], gap, sizeof(gap) - 1, 2, "NUL byte");
		check_error_len(all_dialects[d], str, sizeof(str) - 1, 1, "NUL byte");
		check_error_len(all_dialects[d], cmt, sizeof(cmt) - 1, 2, "NUL byte");
		check_error_len(all_dialects[d], stmt, sizeof(stmt) - 1, 2, "NUL byte");
		check_error_len(all_dialects[d], block, sizeof(block) - 1, 3, "NUL byte");
	}
	check_error_len(PGSQL, dollar, sizeof(dollar) - 1, 2, "NUL byte");
	check_error_len(MYSQL, delim, sizeof(delim) - 1, 1, "NUL byte");
	check_error_len(MYSQL, "SELECT 'a\\\0'", 12, 1, "NUL byte");
}

/* An error after many statements: nothing returned, nothing leaked (ASan / valgrind). */
static void test_error_after_statements(void **state)
{
	char sql[2048];
	size_t k, pos = 0;

	(void)state;
	for (k = 0; k < 100; k++)
		pos += (size_t)snprintf(sql + pos, sizeof(sql) - pos, "SELECT %zu;\n", k);
	snprintf(sql + pos, sizeof(sql) - pos, "SELECT 'oops");
	check_error(SQLITE, sql, 101, "unterminated single-quoted string");
}

static void test_error_without_file(void **state)
{
	aurmig_context *ctx;
	aurmig__stmt *v;
	size_t count;

	(void)state;
	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	assert_int_equal(aurmig__split(&v, &count, ctx, "SELECT '", 8, SQLITE, NULL, 1), AURMIG_EPARSE);
	assert_null(v);
	assert_int_equal(count, 0);
	assert_int_equal(aurmig_error_last(ctx)->code, AURMIG_EPARSE);
	assert_non_null(strstr(aurmig_error_last(ctx)->message, "unterminated single-quoted string"));
	aurmig_context_free(ctx);
}

static void test_invalid_arguments(void **state)
{
	aurmig_context *ctx;
	aurmig__stmt *v = (aurmig__stmt *)&ctx;
	size_t count = 7;

	(void)state;
	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	assert_int_equal(aurmig__split(NULL, &count, ctx, "x", 1, SQLITE, NULL, 1), AURMIG_EINVALID);
	assert_int_equal(count, 0);
	assert_int_equal(aurmig__split(&v, NULL, ctx, "x", 1, SQLITE, NULL, 1), AURMIG_EINVALID);
	assert_null(v);
	v = (aurmig__stmt *)&ctx;
	assert_int_equal(aurmig__split(&v, &count, ctx, NULL, 3, SQLITE, NULL, 1), AURMIG_EINVALID);
	assert_null(v);
	assert_int_equal(aurmig__split(&v, &count, ctx, "x", 1, 4, NULL, 1), AURMIG_EINVALID);
	assert_null(v);
	assert_int_equal(count, 0);
	assert_int_equal(aurmig_error_last(ctx)->code, AURMIG_EINVALID);
	assert_non_null(strstr(aurmig_error_last(ctx)->message, "dialect"));
	aurmig_context_free(ctx);
}

/* ---------------------------------------------------------------- volume, memory */

static void test_many_statements(void **state)
{
	char *sql;
	size_t k, pos = 0, count, cap = 300000;
	aurmig_context *ctx;
	aurmig__stmt *v;
	char want[32];

	(void)state;
	sql = malloc(cap);
	assert_non_null(sql);
	for (k = 0; k < 10000; k++)
		pos += (size_t)snprintf(sql + pos, cap - pos, "INSERT INTO t VALUES (%zu);\n", k);
	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	assert_int_equal(aurmig__split(&v, &count, ctx, sql, pos, MYSQL, "big.sql", 1), AURMIG_OK);
	assert_int_equal(count, 10000);
	for (k = 0; k < count; k++) {
		int n = snprintf(want, sizeof(want), "INSERT INTO t VALUES (%zu)", k);

		assert_int_equal(v[k].len, (size_t)n);
		assert_memory_equal(sql + v[k].offset, want, (size_t)n);
		assert_int_equal(v[k].line, (int)k + 1);
	}
	aurmig__free(v);
	aurmig_context_free(ctx);
	free(sql);
}

static void test_alloc_failures(void **state)
{
	char sql[4096];
	size_t k, pos = 0, count;
	unsigned long n;
	int rc, failures = 0;
	aurmig_context *ctx;
	aurmig__stmt *v;

	(void)state;
	for (k = 0; k < 100; k++)
		pos += (size_t)snprintf(sql + pos, sizeof(sql) - pos, "SELECT %zu; -- c\n", k);
	pos += (size_t)snprintf(sql + pos, sizeof(sql) - pos,
		"CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;");
	assert_int_equal(aurmig_context_new(&ctx), AURMIG_OK);
	for (n = 1; n < 1000; n++) {
		v = (aurmig__stmt *)&ctx;
		count = 99;
		aurmig__context_fail_alloc_at(ctx, n);
		rc = aurmig__split(&v, &count, ctx, sql, pos, SQLITE, "mem.sql", 1);
		if (rc == AURMIG_OK)
			break;
		failures++;
		assert_int_equal(rc, AURMIG_ENOMEM);
		assert_null(v);
		assert_int_equal(count, 0);
		assert_int_equal(aurmig_error_last(ctx)->code, AURMIG_ENOMEM);
	}
	aurmig__context_fail_alloc_at(ctx, 0);
	assert_int_equal(rc, AURMIG_OK);
	/* the array grows a few times for 101 statements: each growth can fail */
	assert_true(failures >= 2);
	assert_int_equal(count, 101);
	assert_int_equal(v[100].line, 101);
	aurmig__free(v);
	aurmig_context_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_empty_and_comment_only),
		cmocka_unit_test(test_null_text_empty),
		cmocka_unit_test(test_leading_comments_and_lines),
		cmocka_unit_test(test_length_not_terminated),
		cmocka_unit_test(test_single_quotes),
		cmocka_unit_test(test_backslash_escapes),
		cmocka_unit_test(test_pgsql_escape_strings),
		cmocka_unit_test(test_double_quotes),
		cmocka_unit_test(test_backticks),
		cmocka_unit_test(test_brackets),
		cmocka_unit_test(test_dash_comments),
		cmocka_unit_test(test_hash_comments),
		cmocka_unit_test(test_block_comments),
		cmocka_unit_test(test_mysql_executable_comments),
		cmocka_unit_test(test_dollar_quotes),
		cmocka_unit_test(test_sqlite_triggers),
		cmocka_unit_test(test_not_bodies),
		cmocka_unit_test(test_mysql_procedure),
		cmocka_unit_test(test_mysql_routines),
		cmocka_unit_test(test_pgsql_begin_atomic),
		cmocka_unit_test(test_mysql_delimiter),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_error_after_statements),
		cmocka_unit_test(test_error_without_file),
		cmocka_unit_test(test_invalid_arguments),
		cmocka_unit_test(test_many_statements),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
