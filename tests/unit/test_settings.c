/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/ini/settings.c: database URLs and aurweb's configuration. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ini/settings.h"

/* ---------------------------------------------------------------- helpers */

static int setup_ctx(void **state)
{
	aurmig_context *ctx;

	if (aurmig_context_new(&ctx) != AURMIG_OK)
		return -1;
	*state = ctx;
	return 0;
}

static int teardown_ctx(void **state)
{
	aurmig_context_free(*state);
	return 0;
}

/* Path of a file in tests/data/aurweb-config/ (static buffer). */
static const char *data_path(const char *name)
{
	static char buf[4096];
	const char *root = getenv("AURMIG_SOURCE_ROOT");
	int n;

	if (!root || !*root)
		root = ".";
	n = snprintf(buf, sizeof(buf), "%s/tests/data/aurweb-config/%s", root, name);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	return buf;
}

static void assert_str_or_null(const char *got, const char *want)
{
	if (!want) {
		assert_null(got);
	} else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

static void assert_cleared(const aurmig__settings *s)
{
	assert_int_equal(s->dialect, 0);
	assert_null(s->driver);
	assert_null(s->host);
	assert_null(s->socket);
	assert_int_equal(s->port, 0);
	assert_null(s->user);
	assert_null(s->password);
	assert_null(s->dbname);
	assert_null(s->sqlite_dir);
	assert_null(s->display_url);
}

typedef struct expect {
	int dialect;
	const char *driver;
	const char *host;
	const char *socket;
	int port;
	const char *user;
	const char *password;
	const char *dbname;
	const char *sqlite_dir;
	const char *display_url;
} expect;

static void assert_settings(const aurmig__settings *s, const expect *e)
{
	assert_int_equal(s->dialect, e->dialect);
	assert_non_null(s->driver);
	assert_string_equal(s->driver, e->driver);
	assert_str_or_null(s->host, e->host);
	assert_str_or_null(s->socket, e->socket);
	assert_int_equal(s->port, e->port);
	assert_str_or_null(s->user, e->user);
	assert_str_or_null(s->password, e->password);
	assert_str_or_null(s->dbname, e->dbname);
	assert_str_or_null(s->sqlite_dir, e->sqlite_dir);
	assert_str_or_null(s->display_url, e->display_url);
	/* a password never shows in display_url */
	if (e->password && *e->password)
		assert_null(strstr(s->display_url, e->password));
}

static void check_url(aurmig_context *ctx, const char *url, const expect *e)
{
	aurmig__settings s;
	int rc;

	rc = aurmig__settings_from_url(&s, ctx, url);
	if (rc != AURMIG_OK)
		fail_msg("%s: %d %s", url, rc, aurmig_error_last(ctx)->message);
	assert_settings(&s, e);
	aurmig__settings_clear(&s);
	assert_cleared(&s);
	aurmig__settings_clear(&s);
	assert_cleared(&s);
}

/* A URL that must fail with EINVALID and exactly this message; secret (may
 * be NULL) must not appear in it. */
static void check_url_error(aurmig_context *ctx, const char *url, const char *message,
	const char *secret)
{
	aurmig__settings s;
	const aurmig_error *err;
	int rc;

	memset(&s, 0x5a, sizeof(s));   /* garbage in: must come out cleared */
	rc = aurmig__settings_from_url(&s, ctx, url);
	err = aurmig_error_last(ctx);
	if (rc != AURMIG_EINVALID)
		fail_msg("%s: expected AURMIG_EINVALID, got %d (%s)", url, rc, err->message);
	assert_int_equal(err->code, AURMIG_EINVALID);
	assert_int_equal(err->klass, AURMIG_ERRCLASS_CONFIG);
	assert_non_null(err->message);
	if (strcmp(err->message, message) != 0)
		fail_msg("%s: message\n  got:  %s\n  want: %s", url, err->message, message);
	if (secret)
		assert_null(strstr(err->message, secret));
	assert_null(err->file);
	assert_int_equal(err->line, 0);
	assert_cleared(&s);
}

/* ---------------------------------------------------------------- SQLite URLs */

static void test_url_sqlite(void **state)
{
	aurmig_context *ctx = *state;

	check_url(ctx, "sqlite:///relative/path.db", &(expect){
		.dialect = AURMIG_DIALECT_SQLITE, .driver = "sqlite3",
		.dbname = "path.db", .sqlite_dir = "relative",
		.display_url = "sqlite:///relative/path.db" });
	check_url(ctx, "sqlite:////abs/path.db", &(expect){
		.dialect = AURMIG_DIALECT_SQLITE, .driver = "sqlite3",
		.dbname = "path.db", .sqlite_dir = "/abs",
		.display_url = "sqlite:////abs/path.db" });
	check_url(ctx, "sqlite:///file.db", &(expect){
		.dialect = AURMIG_DIALECT_SQLITE, .driver = "sqlite3",
		.dbname = "file.db", .sqlite_dir = ".",
		.display_url = "sqlite:///file.db" });
	check_url(ctx, "sqlite:////file.db", &(expect){
		.dialect = AURMIG_DIALECT_SQLITE, .driver = "sqlite3",
		.dbname = "file.db", .sqlite_dir = "/",
		.display_url = "sqlite:////file.db" });
	check_url(ctx, "sqlite:///a/b/c.sqlite3", &(expect){
		.dialect = AURMIG_DIALECT_SQLITE, .driver = "sqlite3",
		.dbname = "c.sqlite3", .sqlite_dir = "a/b",
		.display_url = "sqlite:///a/b/c.sqlite3" });
	check_url(ctx, "sqlite:///a//c.db", &(expect){
		.dialect = AURMIG_DIALECT_SQLITE, .driver = "sqlite3",
		.dbname = "c.db", .sqlite_dir = "a",
		.display_url = "sqlite:///a//c.db" });
	check_url(ctx, "sqlite:///./my db.sqlite", &(expect){
		.dialect = AURMIG_DIALECT_SQLITE, .driver = "sqlite3",
		.dbname = "my db.sqlite", .sqlite_dir = ".",
		.display_url = "sqlite:///./my db.sqlite" });
	/* scheme case and a SQLAlchemy "+driver" suffix */
	check_url(ctx, "SQLite:///x.db", &(expect){
		.dialect = AURMIG_DIALECT_SQLITE, .driver = "sqlite3",
		.dbname = "x.db", .sqlite_dir = ".", .display_url = "sqlite:///x.db" });
	check_url(ctx, "sqlite+pysqlite:////srv/x.db", &(expect){
		.dialect = AURMIG_DIALECT_SQLITE, .driver = "sqlite3",
		.dbname = "x.db", .sqlite_dir = "/srv", .display_url = "sqlite:////srv/x.db" });
}

static void test_url_sqlite_errors(void **state)
{
	aurmig_context *ctx = *state;
	const char *needs = "sqlite URL needs a path: sqlite:///file.db";

	check_url_error(ctx, "sqlite://", needs, NULL);
	check_url_error(ctx, "sqlite:///", needs, NULL);
	check_url_error(ctx, "sqlite://file.db", needs, NULL);
	check_url_error(ctx, "sqlite://user:Lite-S3cret@host/file.db",
		"sqlite URL must not name a host or user: "
		"use sqlite:///relative/file.db or sqlite:////absolute/file.db", "Lite-S3cret");
	check_url_error(ctx, "sqlite:///dir/",
		"sqlite URL path 'dir/' names a directory, not a database file", NULL);
	check_url_error(ctx, "sqlite:////",
		"sqlite URL path '/' names a directory, not a database file", NULL);
	check_url_error(ctx, "sqlite:///a/..",
		"sqlite URL path 'a/..' names a directory, not a database file", NULL);
	check_url_error(ctx, "sqlite:///.",
		"sqlite URL path '.' names a directory, not a database file", NULL);
	check_url_error(ctx, "sqlite:///x.db?mode=ro", "sqlite URL parameters are not supported", NULL);
}

/* ---------------------------------------------------------------- MySQL URLs */

static void test_url_mysql(void **state)
{
	aurmig_context *ctx = *state;

	check_url(ctx, "mysql://aur:Zq9-secret@127.0.0.1:3306/aurweb", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "127.0.0.1", .port = 3306, .user = "aur", .password = "Zq9-secret",
		.dbname = "aurweb", .display_url = "mysql://aur:***@127.0.0.1:3306/aurweb" });
	check_url(ctx, "mariadb://aur:Zq9-secret@db.example.org/aurweb", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "db.example.org", .user = "aur", .password = "Zq9-secret",
		.dbname = "aurweb", .display_url = "mariadb://aur:***@db.example.org/aurweb" });
	check_url(ctx, "MySQL+mysqldb://aur@localhost/AUR", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "localhost", .user = "aur", .dbname = "AUR",
		.display_url = "mysql://aur@localhost/AUR" });
	/* no host, socket in the query */
	check_url(ctx, "mysql://aur@/aurweb?unix_socket=/run/mysqld/mysqld.sock", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.socket = "/run/mysqld/mysqld.sock", .user = "aur", .dbname = "aurweb",
		.display_url = "mysql://aur@/aurweb?unix_socket=/run/mysqld/mysqld.sock" });
	check_url(ctx, "mysql://aur:Zq9-secret@localhost/aurweb?socket=/tmp/my%20sock", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "localhost", .socket = "/tmp/my sock", .user = "aur", .password = "Zq9-secret",
		.dbname = "aurweb",
		.display_url = "mysql://aur:***@localhost/aurweb?unix_socket=/tmp/my%20sock" });
	check_url(ctx, "mysql:///aurweb", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.dbname = "aurweb", .display_url = "mysql:///aurweb" });
	check_url(ctx, "mysql://db:3307/aurweb?", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "db", .port = 3307, .dbname = "aurweb",
		.display_url = "mysql://db:3307/aurweb" });
	/* IPv6 */
	check_url(ctx, "mysql://aur:Zq9-secret@[::1]:3307/aurweb", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "::1", .port = 3307, .user = "aur", .password = "Zq9-secret",
		.dbname = "aurweb", .display_url = "mysql://aur:***@[::1]:3307/aurweb" });
	/* percent-decoding of user and password; the user is re-encoded for display */
	check_url(ctx, "mysql://a%40b%3Ac:p%40ss%3Aw%2Fd%25@host/aurweb", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "host", .user = "a@b:c", .password = "p@ss:w/d%",
		.dbname = "aurweb", .display_url = "mysql://a%40b%3Ac:***@host/aurweb" });
	/* as in SQLAlchemy, the password runs to the first '@': raw '/' and '?' are fine */
	check_url(ctx, "mysql://aur:pa/ss?wd@host/aurweb", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "host", .user = "aur", .password = "pa/ss?wd",
		.dbname = "aurweb", .display_url = "mysql://aur:***@host/aurweb" });
	/* an empty password is still a password; no user but a password */
	check_url(ctx, "mysql://aur:@host/aurweb", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "host", .user = "aur", .password = "",
		.dbname = "aurweb", .display_url = "mysql://aur:***@host/aurweb" });
	check_url(ctx, "mysql://:Zq9-secret@host/aurweb", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "host", .password = "Zq9-secret",
		.dbname = "aurweb", .display_url = "mysql://:***@host/aurweb" });
	check_url(ctx, "mysql://@host/aurweb", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "host", .dbname = "aurweb", .display_url = "mysql://host/aurweb" });
	check_url(ctx, "mysql://host:65535/aurweb", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "host", .port = 65535, .dbname = "aurweb",
		.display_url = "mysql://host:65535/aurweb" });
	check_url(ctx, "mysql://host:1/aurweb", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "host", .port = 1, .dbname = "aurweb",
		.display_url = "mysql://host:1/aurweb" });
}

/* ---------------------------------------------------------------- PostgreSQL URLs */

static void test_url_pgsql(void **state)
{
	aurmig_context *ctx = *state;

	check_url(ctx, "pgsql://aur:Pg9-secret@localhost:5432/aurweb", &(expect){
		.dialect = AURMIG_DIALECT_PGSQL, .driver = "pgsql",
		.host = "localhost", .port = 5432, .user = "aur", .password = "Pg9-secret",
		.dbname = "aurweb", .display_url = "pgsql://aur:***@localhost:5432/aurweb" });
	check_url(ctx, "postgresql://aur@/aurweb?host=/run/postgresql", &(expect){
		.dialect = AURMIG_DIALECT_PGSQL, .driver = "pgsql",
		.socket = "/run/postgresql", .user = "aur", .dbname = "aurweb",
		.display_url = "postgresql://aur@/aurweb?host=/run/postgresql" });
	check_url(ctx, "postgres://aur:Pg9-secret@[2001:db8::5]/aurweb", &(expect){
		.dialect = AURMIG_DIALECT_PGSQL, .driver = "pgsql",
		.host = "2001:db8::5", .user = "aur", .password = "Pg9-secret",
		.dbname = "aurweb", .display_url = "postgres://aur:***@[2001:db8::5]/aurweb" });
	check_url(ctx, "postgresql+psycopg2://aur@/aurweb?host=db.example.org", &(expect){
		.dialect = AURMIG_DIALECT_PGSQL, .driver = "pgsql",
		.host = "db.example.org", .user = "aur", .dbname = "aurweb",
		.display_url = "postgresql://aur@db.example.org/aurweb" });
	check_url(ctx, "pgsql://aur@/aurweb?host=%2Frun%2Fpostgresql", &(expect){
		.dialect = AURMIG_DIALECT_PGSQL, .driver = "pgsql",
		.socket = "/run/postgresql", .user = "aur", .dbname = "aurweb",
		.display_url = "pgsql://aur@/aurweb?host=/run/postgresql" });
	check_url(ctx, "pgsql://aur@/aurweb?&host=/run/postgresql&", &(expect){
		.dialect = AURMIG_DIALECT_PGSQL, .driver = "pgsql",
		.socket = "/run/postgresql", .user = "aur", .dbname = "aurweb",
		.display_url = "pgsql://aur@/aurweb?host=/run/postgresql" });
}

/* ---------------------------------------------------------------- URL errors */

static void test_url_errors(void **state)
{
	aurmig_context *ctx = *state;
	const char *secret = "Hx7-secret";

	check_url_error(ctx, "foo://aur:Hx7-secret@host/db",
		"unknown URL scheme 'foo' (expected sqlite, mysql, mariadb, pgsql, postgresql)", secret);
	check_url_error(ctx, "oracle+cx://aur:Hx7-secret@host/db",
		"unknown URL scheme 'oracle+cx' (expected sqlite, mysql, mariadb, pgsql, postgresql)",
		secret);
	check_url_error(ctx, "mysqlx://host/db",
		"unknown URL scheme 'mysqlx' (expected sqlite, mysql, mariadb, pgsql, postgresql)", NULL);
	check_url_error(ctx, "aur:Hx7-secret@localhost/db",
		"malformed URL: no scheme (expected sqlite, mysql, mariadb, pgsql, postgresql, "
		"e.g. sqlite:///file.db)", secret);
	check_url_error(ctx, "",
		"malformed URL: no scheme (expected sqlite, mysql, mariadb, pgsql, postgresql, "
		"e.g. sqlite:///file.db)", NULL);
	check_url_error(ctx, "aur:Hx7-secret://host/db",
		"malformed URL scheme (expected sqlite, mysql, mariadb, pgsql, postgresql)", secret);
	check_url_error(ctx, "://host/db",
		"malformed URL scheme (expected sqlite, mysql, mariadb, pgsql, postgresql)", NULL);

	check_url_error(ctx, "mysql://aur:Hx7-secret@host", "missing database name", secret);
	check_url_error(ctx, "mysql://aur:Hx7-secret@host/", "missing database name", secret);
	check_url_error(ctx, "pgsql://aur:Hx7-secret@host:5432/?host=/run/postgresql",
		"missing database name", secret);
	check_url_error(ctx, "mysql://aur:Hx7-secret@host/a/b",
		"invalid database name 'a/b': it contains '/'", secret);

	check_url_error(ctx, "mysql://aur:Hx7-secret@127.0.0.1:99999/aurweb",
		"invalid port '99999'", secret);
	check_url_error(ctx, "mysql://aur:Hx7-secret@host:0/aurweb", "invalid port '0'", secret);
	check_url_error(ctx, "mysql://aur:Hx7-secret@host:65536/aurweb", "invalid port '65536'", secret);
	check_url_error(ctx, "mysql://aur:Hx7-secret@host:33a/aurweb", "invalid port '33a'", secret);
	check_url_error(ctx, "mysql://aur:Hx7-secret@host:-1/aurweb", "invalid port '-1'", secret);
	check_url_error(ctx, "mysql://aur:Hx7-secret@host:+80/aurweb", "invalid port '+80'", secret);
	check_url_error(ctx, "mysql://aur:Hx7-secret@host:/aurweb", "invalid port ''", secret);
	check_url_error(ctx, "mysql://aur:Hx7-secret@host:99999999999999999999/aurweb",
		"invalid port '99999999999999999999'", secret);
	check_url_error(ctx, "mysql://aur:Hx7-secret@[::1]:x/aurweb", "invalid port 'x'", secret);

	check_url_error(ctx, "mysql://aur:Hx7%4@host/aurweb",
		"invalid percent-escape in the password", "Hx7");
	check_url_error(ctx, "mysql://aur:Hx7%zz-secret@host/aurweb",
		"invalid percent-escape in the password", "Hx7");
	check_url_error(ctx, "mysql://aur:Hx7-secret%@host/aurweb",
		"invalid percent-escape in the password", secret);
	check_url_error(ctx, "mysql://aur:Hx7%00-secret@host/aurweb",
		"invalid percent-escape in the password", "Hx7");
	check_url_error(ctx, "mysql://a%g1r:Hx7-secret@host/aurweb",
		"invalid percent-escape in the user name", secret);

	/* a raw '@' in the password: refused, and no part of it is echoed */
	check_url_error(ctx, "mysql://aur:Hx7@secret@host/aurweb",
		"malformed URL: '@' after the user information (write '@' in a user name or password as %40)",
		"secret");
	check_url_error(ctx, "mysql://aur:Hx7@sec:99@host/aurweb",
		"malformed URL: '@' after the user information (write '@' in a user name or password as %40)",
		"sec");
	check_url_error(ctx, "mysql://aur:Hx7@sec/ret@host/aurweb",
		"malformed URL: '@' after the user information (write '@' in a user name or password as %40)",
		"ret");

	check_url_error(ctx, "mysql://aur:Hx7-secret@[::1/aurweb",
		"malformed URL: '[' without ']' around an IPv6 address", secret);
	check_url_error(ctx, "mysql://aur:Hx7-secret@[]/aurweb",
		"malformed URL: empty IPv6 address '[]'", secret);
	check_url_error(ctx, "mysql://aur:Hx7-secret@[::1]x/aurweb",
		"malformed URL: unexpected text after the host", secret);
	check_url_error(ctx, "mysql://aur:Hx7-secret@host/aurweb\n",
		"malformed URL: it contains a control character", secret);

	check_url_error(ctx, "mysql://aur:Hx7-secret@host/aurweb?charset=utf8mb4",
		"unknown URL parameter 'charset' (expected unix_socket or socket)", secret);
	check_url_error(ctx, "pgsql://aur:Hx7-secret@host/aurweb?sslmode=require",
		"unknown URL parameter 'sslmode' (expected host)", secret);
	check_url_error(ctx, "mysql://aur:Hx7-secret@host/aurweb?unix_socket=",
		"URL parameter 'unix_socket' has no value", secret);
	check_url_error(ctx, "mysql://aur:Hx7-secret@host/aurweb?socket",
		"URL parameter 'socket' has no value", secret);
	check_url_error(ctx, "mysql://aur:Hx7-secret@host/aurweb?socket=/a%2",
		"invalid percent-escape in URL parameter 'socket'", secret);
	check_url_error(ctx, "mysql://aur:Hx7-secret@host/aurweb?socket=/a&unix_socket=/b",
		"socket given twice in URL parameters", secret);
	check_url_error(ctx, "pgsql://aur:Hx7-secret@host/aurweb?host=other",
		"host given twice: in the URL and as parameter 'host'", secret);
}

static void test_url_bad_arguments(void **state)
{
	aurmig_context *ctx = *state;
	aurmig__settings s;

	memset(&s, 0x5a, sizeof(s));
	assert_int_equal(aurmig__settings_from_url(&s, ctx, NULL), AURMIG_EINVALID);
	assert_int_equal(aurmig_error_last(ctx)->klass, AURMIG_ERRCLASS_API);
	assert_cleared(&s);
	assert_int_equal(aurmig__settings_from_url(NULL, ctx, "sqlite:///x.db"), AURMIG_EINVALID);
	memset(&s, 0x5a, sizeof(s));
	assert_int_equal(aurmig__settings_from_aurweb_config(&s, ctx, NULL), AURMIG_EINVALID);
	assert_cleared(&s);
	assert_int_equal(aurmig__settings_from_aurweb_config(NULL, ctx, data_path("sqlite.ini")),
		AURMIG_EINVALID);
}

static void test_clear(void **state)
{
	aurmig__settings s;

	(void)state;
	memset(&s, 0, sizeof(s));
	aurmig__settings_clear(&s);
	assert_cleared(&s);
	aurmig__settings_clear(&s);
	assert_cleared(&s);
	aurmig__settings_clear(NULL);
}

/* ---------------------------------------------------------------- aurweb config */

static void check_config(aurmig_context *ctx, const char *name, const expect *e)
{
	aurmig__settings s;
	int rc;

	memset(&s, 0x5a, sizeof(s));
	rc = aurmig__settings_from_aurweb_config(&s, ctx, data_path(name));
	if (rc != AURMIG_OK)
		fail_msg("%s: %d %s", name, rc, aurmig_error_last(ctx)->message);
	assert_settings(&s, e);
	aurmig__settings_clear(&s);
	assert_cleared(&s);
}

/* A config that must fail with code, the message "<path>[:line]: body",
 * err->file the path and err->line line; secret (may be NULL) not in it. */
static void check_config_error(aurmig_context *ctx, const char *name, int line,
	const char *body, const char *secret)
{
	aurmig__settings s;
	const aurmig_error *err;
	const char *path = data_path(name);
	char want[4096];
	int rc;

	if (line)
		snprintf(want, sizeof(want), "%s:%d: %s", path, line, body);
	else
		snprintf(want, sizeof(want), "%s: %s", path, body);
	memset(&s, 0x5a, sizeof(s));
	rc = aurmig__settings_from_aurweb_config(&s, ctx, path);
	err = aurmig_error_last(ctx);
	if (rc != AURMIG_EPARSE)
		fail_msg("%s: expected AURMIG_EPARSE, got %d (%s)", name, rc, err->message);
	assert_int_equal(err->code, AURMIG_EPARSE);
	assert_int_equal(err->klass, AURMIG_ERRCLASS_CONFIG);
	if (strcmp(err->message, want) != 0)
		fail_msg("%s: message\n  got:  %s\n  want: %s", name, err->message, want);
	assert_non_null(err->file);
	assert_string_equal(err->file, path);
	assert_int_equal(err->line, line);
	if (secret)
		assert_null(strstr(err->message, secret));
	assert_cleared(&s);
}

static void test_config_mysql_socket(void **state)
{
	check_config(*state, "mysql-socket.ini", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "localhost", .socket = "/var/run/mysqld/mysqld.sock",
		.user = "aur", .password = "Sock-S3cret", .dbname = "aurweb",
		.display_url = "mysql://aur:***@localhost/aurweb?unix_socket=/var/run/mysqld/mysqld.sock" });
}

static void test_config_mysql_tcp(void **state)
{
	/* a port is set: like aurweb, the socket is not used */
	check_config(*state, "mysql-tcp.ini", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "127.0.0.1", .port = 3306,
		.user = "aur_admin", .password = "Tcp-S3cret", .dbname = "AUR",
		.display_url = "mysql://aur_admin:***@127.0.0.1:3306/AUR" });
}

static void test_config_sqlite(void **state)
{
	check_config(*state, "sqlite.ini", &(expect){
		.dialect = AURMIG_DIALECT_SQLITE, .driver = "sqlite3",
		.dbname = "aurweb.sqlite3", .sqlite_dir = "data",
		.display_url = "sqlite:///data/aurweb.sqlite3" });
	check_config(*state, "sqlite-absolute.ini", &(expect){
		.dialect = AURMIG_DIALECT_SQLITE, .driver = "sqlite3",
		.dbname = "aurweb.sqlite3", .sqlite_dir = "/var/lib/aurweb",
		.display_url = "sqlite:////var/lib/aurweb/aurweb.sqlite3" });
}

static void test_config_postgres(void **state)
{
	check_config(*state, "postgres.ini", &(expect){
		.dialect = AURMIG_DIALECT_PGSQL, .driver = "pgsql",
		.host = "db.example.org", .port = 5432, .socket = "/run/postgresql",
		.user = "aur", .password = "Pg-S3cret", .dbname = "aurweb",
		.display_url = "postgresql://aur:***@db.example.org:5432/aurweb?host=/run/postgresql" });
}

/*
 * Python's configparser (RawConfigParser, as aurweb uses it) has no inline
 * comments and takes values literally: ';' and '#' inside a value and '%'
 * stay; "name: value" is accepted; text after a section's ']' is ignored.
 * (libinih, which read this before, cut "pa ;ss#1" to "pa".)
 */
static void test_config_literal_values(void **state)
{
	check_config(*state, "literal-values.ini", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "db.example ; not a comment", .port = 3307,
		.user = "aur#ops", .password = "pa ;ss#1 %(x)s", .dbname = "aurweb",
		.display_url = "mysql://aur%23ops:***@db.example ; not a comment:3307/aurweb" });
}

/* aurweb reads "<config>.defaults" first and the config on top: a config
 * holding only the overrides is complete. */
static void test_config_defaults_layer(void **state)
{
	check_config(*state, "layered/config", &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "localhost", .socket = "/var/run/mysqld/mysqld.sock",
		.user = "aur", .password = "Over-S3cret", .dbname = "aurweb",
		.display_url = "mysql://aur:***@localhost/aurweb?unix_socket=/var/run/mysqld/mysqld.sock" });
}

/* An explicit defaults file (AUR_CONFIG_DEFAULTS); [DEFAULT] fills in what
 * [database] lacks in either file. Without a defaults file the overrides
 * alone are incomplete, named with both files. */
static void test_config_defaults_explicit(void **state)
{
	aurmig_context *ctx = *state;
	aurmig__settings s;
	char cfg[4096], defaults[4096], want[9000];

	snprintf(cfg, sizeof(cfg), "%s", data_path("layered/only-password"));
	snprintf(defaults, sizeof(defaults), "%s", data_path("layered/other.defaults"));
	memset(&s, 0x5a, sizeof(s));
	assert_int_equal(aurmig__settings_from_aurweb_config_layered(&s, ctx, cfg, defaults), AURMIG_OK);
	assert_settings(&s, &(expect){
		.dialect = AURMIG_DIALECT_MYSQL, .driver = "mysql",
		.host = "from-default", .port = 3306,
		.password = "Over-S3cret", .dbname = "AUR",
		.display_url = "mysql://:***@from-default:3306/AUR" });
	aurmig__settings_clear(&s);

	/* no "only-password.defaults": the config alone lacks backend */
	memset(&s, 0x5a, sizeof(s));
	assert_int_equal(aurmig__settings_from_aurweb_config(&s, ctx, cfg), AURMIG_EPARSE);
	snprintf(want, sizeof(want), "%s: missing 'backend' in [database]", cfg);
	assert_string_equal(aurmig_error_last(ctx)->message, want);
	assert_cleared(&s);

	/* an error in a key that came from the defaults names the defaults file */
	snprintf(cfg, sizeof(cfg), "%s", data_path("layered/config"));
	snprintf(defaults, sizeof(defaults), "%s", data_path("bad-port.ini"));
	assert_int_equal(aurmig__settings_from_aurweb_config_layered(&s, ctx, cfg, defaults), AURMIG_EPARSE);
	snprintf(want, sizeof(want), "%s:4: invalid port '99999'", defaults);
	assert_string_equal(aurmig_error_last(ctx)->message, want);
	assert_cleared(&s);
}

/* A NUL byte: not a text file. */
static void test_config_nul_byte(void **state)
{
	check_config_error(*state, "nul-byte.ini", 4, "contains a NUL byte", NULL);
}

static void test_config_bom_crlf(void **state)
{
	check_config(*state, "bom-crlf.ini", &(expect){
		.dialect = AURMIG_DIALECT_SQLITE, .driver = "sqlite3",
		.dbname = "crlf.sqlite3", .sqlite_dir = ".",
		.display_url = "sqlite:///crlf.sqlite3" });
}

/* Long lines are read whole (inih's 200-byte line buffer split them). */
static void test_config_long_line(void **state)
{
	check_config(*state, "long-line.ini", &(expect){
		.dialect = AURMIG_DIALECT_SQLITE, .driver = "sqlite3",
		.dbname = "long.sqlite3", .sqlite_dir = ".",
		.display_url = "sqlite:///long.sqlite3" });
}

static void test_config_long_line_database(void **state)
{
	aurmig_context *ctx = *state;
	aurmig__settings s;

	assert_int_equal(aurmig__settings_from_aurweb_config(&s, ctx, data_path("long-line-database.ini")),
		AURMIG_OK);
	assert_non_null(s.password);
	assert_true(strlen(s.password) > 200);
	assert_int_equal(strncmp(s.password, "Long-S3cret", 11), 0);
	assert_null(strstr(s.display_url, "Long-S3cret"));
	aurmig__settings_clear(&s);
}

static void test_config_errors(void **state)
{
	aurmig_context *ctx = *state;

	check_config_error(ctx, "missing-section.ini", 0, "no [database] section", NULL);
	check_config_error(ctx, "empty-section.ini", 0, "missing 'backend' in [database]", NULL);
	check_config_error(ctx, "missing-name.ini", 0, "missing 'name' in [database]",
		"Nameless-S3cret");
	check_config_error(ctx, "bad-backend.ini", 7,
		"unknown database backend 'oracle' (expected mysql, sqlite or postgres)",
		"Oracle-S3cret");
	check_config_error(ctx, "empty-backend.ini", 2,
		"unknown database backend '' (expected mysql, sqlite or postgres)", NULL);
	check_config_error(ctx, "syntax-error.ini", 6,
		"not a [section] header, a key = value line, a comment or an indented continuation line",
		"Syntax-S3cret");
	check_config_error(ctx, "bad-port.ini", 4, "invalid port '99999'", "Port-S3cret");
	check_config_error(ctx, "duplicate-key.ini", 5,
		"key 'host' appears twice in [database] (first at line 3)", NULL);
	/* configparser joins the indented line to the value: refused */
	check_config_error(ctx, "multiline.ini", 5,
		"multi-line value for 'password' in [database] is not supported", "Multi-S3cret");
	check_config_error(ctx, "sqlite-directory.ini", 3,
		"'name' = 'data/' names a directory, not an SQLite database file", NULL);
}

static void test_config_io_errors(void **state)
{
	aurmig_context *ctx = *state;
	aurmig__settings s;
	const aurmig_error *err;
	char want[4096];
	const char *path;

	path = data_path("no-such-file.ini");
	snprintf(want, sizeof(want), "cannot read aurweb config '%s': No such file or directory", path);
	memset(&s, 0x5a, sizeof(s));
	assert_int_equal(aurmig__settings_from_aurweb_config(&s, ctx, path), AURMIG_EIO);
	err = aurmig_error_last(ctx);
	assert_int_equal(err->code, AURMIG_EIO);
	assert_int_equal(err->klass, AURMIG_ERRCLASS_OS);
	assert_string_equal(err->message, want);
	assert_cleared(&s);

	/* a directory opens, but does not read */
	path = data_path("");
	snprintf(want, sizeof(want), "cannot read aurweb config '%s': Is a directory", path);
	memset(&s, 0x5a, sizeof(s));
	assert_int_equal(aurmig__settings_from_aurweb_config(&s, ctx, path), AURMIG_EIO);
	err = aurmig_error_last(ctx);
	assert_int_equal(err->code, AURMIG_EIO);
	assert_string_equal(err->message, want);
	assert_cleared(&s);
}

/* ---------------------------------------------------------------- allocation failures */

/* Fail allocation 1, 2, ... until the call succeeds: every failure must be
 * AURMIG_ENOMEM with the settings cleared (and nothing leaked: ASan/valgrind). */
static void alloc_walk(aurmig_context *ctx, const char *what, int is_config)
{
	aurmig__settings ref, s;
	unsigned long n;
	int rc;

	if (is_config)
		rc = aurmig__settings_from_aurweb_config(&ref, ctx, what);
	else
		rc = aurmig__settings_from_url(&ref, ctx, what);
	assert_int_equal(rc, AURMIG_OK);

	for (n = 1; n < 10000; n++) {
		aurmig__context_fail_alloc_at(ctx, n);
		memset(&s, 0x5a, sizeof(s));
		if (is_config)
			rc = aurmig__settings_from_aurweb_config(&s, ctx, what);
		else
			rc = aurmig__settings_from_url(&s, ctx, what);
		aurmig__context_fail_alloc_at(ctx, 0);
		if (rc == AURMIG_OK)
			break;
		if (rc != AURMIG_ENOMEM)
			fail_msg("%s: allocation %lu failed: got %d (%s)", what, n, rc,
				aurmig_error_last(ctx)->message);
		assert_int_equal(aurmig_error_last(ctx)->code, AURMIG_ENOMEM);
		assert_int_equal(aurmig_error_last(ctx)->klass, AURMIG_ERRCLASS_NOMEM);
		assert_cleared(&s);
	}
	assert_int_equal(rc, AURMIG_OK);
	assert_true(n > 1);     /* at least one allocation was made, and failed */
	assert_string_equal(s.display_url, ref.display_url);
	assert_string_equal(s.dbname, ref.dbname);
	aurmig__settings_clear(&s);
	aurmig__settings_clear(&ref);
}

static void test_alloc_failures_url(void **state)
{
	aurmig_context *ctx = *state;

	alloc_walk(ctx, "sqlite:///relative/path.db", 0);
	alloc_walk(ctx, "sqlite:////abs/path.db", 0);
	alloc_walk(ctx, "mysql://a%40b:p%40ss@127.0.0.1:3306/aurweb", 0);
	alloc_walk(ctx, "mysql://aur@/aurweb?unix_socket=/run/mysqld/mysqld.sock", 0);
	alloc_walk(ctx, "postgresql://aur:pw@[::1]/aurweb?host=/run/postgresql", 0);
	alloc_walk(ctx, "pgsql://aur@/aurweb?host=db.example.org", 0);
}

static void test_alloc_failures_config(void **state)
{
	aurmig_context *ctx = *state;
	static const char *const files[] = {
		"mysql-socket.ini", "mysql-tcp.ini", "sqlite.ini", "postgres.ini", "long-line.ini",
		"layered/config",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s", data_path(files[i]));
		alloc_walk(ctx, path, 1);
	}
}

/* Errors found before any allocation fails stay what they are. */
static void test_alloc_failures_error_paths(void **state)
{
	aurmig_context *ctx = *state;
	aurmig__settings s;
	int rc;

	for (unsigned long n = 1; n < 20; n++) {
		aurmig__context_fail_alloc_at(ctx, n);
		rc = aurmig__settings_from_url(&s, ctx, "mysql://aur:pw@host/aurweb?charset=x");
		aurmig__context_fail_alloc_at(ctx, 0);
		assert_true(rc == AURMIG_ENOMEM || rc == AURMIG_EINVALID);
		assert_cleared(&s);
		aurmig__context_fail_alloc_at(ctx, n);
		rc = aurmig__settings_from_aurweb_config(&s, ctx, data_path("bad-port.ini"));
		aurmig__context_fail_alloc_at(ctx, 0);
		assert_true(rc == AURMIG_ENOMEM || rc == AURMIG_EPARSE);
		assert_cleared(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_url_sqlite, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_url_sqlite_errors, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_url_mysql, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_url_pgsql, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_url_errors, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_url_bad_arguments, setup_ctx, teardown_ctx),
		cmocka_unit_test(test_clear),
		cmocka_unit_test_setup_teardown(test_config_mysql_socket, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_config_mysql_tcp, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_config_sqlite, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_config_postgres, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_config_literal_values, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_config_defaults_layer, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_config_defaults_explicit, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_config_bom_crlf, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_config_nul_byte, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_config_long_line, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_config_long_line_database, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_config_errors, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_config_io_errors, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_alloc_failures_url, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_alloc_failures_config, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_alloc_failures_error_paths, setup_ctx, teardown_ctx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
