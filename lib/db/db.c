/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libdbi backend, and per-dialect transaction and catalogue SQL. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <dbi/dbi.h>
#include <dbi/dbi-dev.h>   /* dbi_conn_t: the driver's own handle, for the SQLite busy timeout */

#include "db/db.h"
#include "ini/settings.h"

/*
 * dbi_conn_error() formats into a function-level static buffer shared by
 * every connection and thread: the error must be copied under a lock.
 * This mutex is the library's only static state, and it holds no data.
 */
static pthread_mutex_t dbi_error_lock = PTHREAD_MUTEX_INITIALIZER; /* style: ok (libdbi's own state is global) */

typedef struct dbi_impl {
	dbi_conn conn;
} dbi_impl;

/*
 * libdbi instances live in the context, one per dialect (made with the
 * first connection, shut down with the context), because initialising
 * libdbi dlopen()s every driver in its directory together with its client
 * library (libmysqlclient, libpq): 60% of a whole `aurmig check` on
 * SQLite. So the instance is made from a private directory holding a
 * symlink to the one driver needed; if that cannot be done, from libdbi's
 * own directory. Each context has its own instances because dbi_conn_open
 * on a shared one races between threads.
 */
#ifndef AURMIG_DBI_DRIVER_DIR
#define AURMIG_DBI_DRIVER_DIR ""
#endif

static void release_instance(void *inst)
{
	dbi_shutdown_r((dbi_inst)inst);
}

static int init_from(const char *dir, dbi_inst *inst)
{
	*inst = NULL;
	if (dbi_initialize_r(dir, inst) <= 0) {
		if (*inst)   /* libdbi 0.9 hands back an instance even on failure */
			dbi_shutdown_r(*inst);
		*inst = NULL;
		return -1;
	}
	return 0;
}

static dbi_inst one_driver_instance(const char *driver)
{
	/* tmpfs first: making and removing the directory and the link costs
	 * ~0.6 ms on a disk-backed /tmp, a fifth of a whole `aurmig current` */
	static const char *const parents[] = { "/dev/shm", "/tmp" };
	char target[512], dir[64], link[96];
	dbi_inst inst = NULL;

	if (!*AURMIG_DBI_DRIVER_DIR)
		return NULL;
	snprintf(target, sizeof(target), "%s/libdbd%s.so", AURMIG_DBI_DRIVER_DIR, driver);
	if (access(target, R_OK) != 0)
		return NULL;
	for (size_t i = 0; i < sizeof(parents) / sizeof(*parents); i++) {
		snprintf(dir, sizeof(dir), "%s/aurmig-dbd-XXXXXX", parents[i]);
		if (mkdtemp(dir))
			break;
		dir[0] = '\0';
	}
	if (!dir[0])
		return NULL;
	snprintf(link, sizeof(link), "%s/libdbd%s.so", dir, driver);
	if (symlink(target, link) == 0) {
		init_from(dir, &inst);
		unlink(link);
	}
	rmdir(dir);
	return inst;
}

/*
 * Keep the driver's module (and with it libsqlite3, libmariadb or libpq)
 * loaded after dbi_shutdown_r() dlclose()s it. Without this every context
 * unloads and reloads the client library: under php-fpm, where a Migrator
 * lives for one request, that unmap + map + relocation was ~3 ms of the
 * start-up check's ~3.6 ms (bench/RESULTS.md, "start-up check ... module").
 * RTLD_NOLOAD only marks the module libdbi already loaded; nothing of ours
 * is kept, and a failure changes nothing but the speed.
 */
static void pin_driver_module(dbi_inst inst, const char *driver)
{
	dbi_driver drv = dbi_driver_open_r(driver, inst);
	const struct dbi_driver_s *d = (const struct dbi_driver_s *)drv;
	void *h;

	if (!d || !d->filename)
		return;
	h = dlopen(d->filename, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
	if (h)
		dlclose(h);   /* drops our reference; the NODELETE mark stays */
}

static dbi_inst context_instance(aurmig_context *ctx, int dialect, const char *driver)
{
	dbi_inst inst;

	if (dialect < 0 || dialect > 3)
		dialect = 0;
	if (ctx->dbi_inst[dialect])
		return (dbi_inst)ctx->dbi_inst[dialect];
	inst = one_driver_instance(driver);
	if (!inst && init_from(NULL, &inst) != 0)
		return NULL;
	dbi_set_verbosity_r(0, inst);
	pin_driver_module(inst, driver);
	ctx->dbi_inst[dialect] = inst;
	ctx->dbi_release = release_instance;
	return inst;
}

/*
 * The driver's message, made readable: libdbi prefixes "<number>: "; the
 * pgsql driver's number is the SQLSTATE in base 36 and libpq adds
 * "ERROR:  " and further lines (LINE 1: ..., a caret). Keep one line.
 */
static void tidy_message(char *out, size_t size, const char *msg, int code, int dialect)
{
	const char *p = msg;
	size_t n;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p != msg && p[0] == ':' && p[1] == ' ')
		msg = p + 2;
	if (!strncmp(msg, "ERROR:", 6) || !strncmp(msg, "FATAL:", 6)) {
		msg += 6;
		while (*msg == ' ')
			msg++;
	}
	n = strcspn(msg, "\n");
	while (n && (msg[n - 1] == ' ' || msg[n - 1] == '\r'))
		n--;
	if (dialect == AURMIG_DIALECT_PGSQL && code > 0) {
		char state[6];
		unsigned v = (unsigned)code;
		for (int i = 4; i >= 0; i--) {
			unsigned digit = v % 36;
			state[i] = (char)(digit < 10 ? '0' + digit : 'A' + digit - 10);
			v /= 36;
		}
		state[5] = '\0';
		snprintf(out, size, "SQLSTATE %s: %.*s", state, (int)n, msg);
	} else if (code) {
		snprintf(out, size, "%d: %.*s", code, (int)n, msg);
	} else {
		snprintf(out, size, "%.*s", (int)n, msg);
	}
}

/* libdbd-pgsql reports the SQLSTATE as a base-36 number. */
static int sqlstate(const char *s)
{
	int v = 0;

	for (; *s; s++)
		v = v * 36 + (*s >= '0' && *s <= '9' ? *s - '0' : *s - 'A' + 10);
	return v;
}

int aurmig__db_wait_kind(int dialect, int code, const char *msg)
{
	switch (dialect) {
	case AURMIG_DIALECT_MYSQL:
		/* ER_LOCK_WAIT_TIMEOUT (also lock_wait_timeout on a metadata
		 * lock), ER_LOCK_DEADLOCK, ER_STATEMENT_TIMEOUT (MariaDB
		 * max_statement_time), ER_QUERY_TIMEOUT (MySQL max_execution_time) */
		return code == 1205 ? AURMIG__WAIT_LOCK : code == 1213 ? AURMIG__WAIT_DEADLOCK :
			code == 1969 || code == 3024 ? AURMIG__WAIT_STATEMENT : AURMIG__WAIT_NONE;
	case AURMIG_DIALECT_PGSQL:
		/* lock_not_available, deadlock_detected, query_canceled */
		if (code == sqlstate("55P03"))
			return AURMIG__WAIT_LOCK;
		if (code == sqlstate("40P01"))
			return AURMIG__WAIT_DEADLOCK;
		if (code == sqlstate("57014"))
			return AURMIG__WAIT_STATEMENT;
		return AURMIG__WAIT_NONE;
	default:
		/* SQLITE_BUSY, SQLITE_LOCKED: libdbd-sqlite3 passes the message */
		return msg && (strstr(msg, "database is locked") || strstr(msg, "database table is locked")) ?
			AURMIG__WAIT_BUSY : AURMIG__WAIT_NONE;
	}
}

static int record_dbi_error(aurmig_conn *c, const char *sql, const char *what)
{
	dbi_impl *d = c->impl;
	const char *msg = NULL;
	char tidy[1024];
	int code, rc, wait;

	pthread_mutex_lock(&dbi_error_lock);
	code = dbi_conn_error(d->conn, &msg);
	tidy_message(tidy, sizeof(tidy), msg && *msg ? msg : "unknown database error", code, c->dialect);
	wait = sql ? aurmig__db_wait_kind(c->dialect, code, tidy) : AURMIG__WAIT_NONE;
	if (wait == AURMIG__WAIT_DEADLOCK)
		rc = aurmig__err(c->ctx, AURMIG_ELOCKED, AURMIG_ERRCLASS_DB,
			"deadlock waiting for the database (chosen as the victim): %s", tidy);
	else if (wait != AURMIG__WAIT_NONE && c->timeout_ms > 0)
		rc = aurmig__err(c->ctx, AURMIG_ELOCKED, AURMIG_ERRCLASS_DB,
			"timed out after %.1f s waiting for the database: %s (another session holds a lock on "
			"what the statement reads; --timeout sets the bound)", (double)c->timeout_ms / 1000.0, tidy);
	else if (wait != AURMIG__WAIT_NONE)
		rc = aurmig__err(c->ctx, AURMIG_ELOCKED, AURMIG_ERRCLASS_DB,
			"timed out waiting for the database: %s", tidy);
	else if (c->dialect == AURMIG_DIALECT_MYSQL && code == 1047 && strstr(tidy, "WSREP")) {
		/* a Galera node cut off from the cluster's primary component */
		rc = aurmig__err(c->ctx, AURMIG_ERROR, AURMIG_ERRCLASS_DB,
			"this Galera node is not part of the cluster's primary component (not synced, or cut "
			"off from its peers): run against a synced node, or wait for it to rejoin (%s): %s",
			c->display_url, tidy);
	} else if (c->dialect == AURMIG_DIALECT_SQLITE && c->sqlite_path && msg && strstr(msg, "readonly database")) {
		/* the file (or its directory, for the journal) is not writable:
		 * name it rather than the internal statement that tried */
		rc = aurmig__err(c->ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB,
			"the SQLite database %s is read-only (check the permissions of the file and of "
			"its directory): %s", c->sqlite_path, tidy);
		sql = NULL;
	} else
		rc = aurmig__err(c->ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB, "%s: %s", what, tidy);
	pthread_mutex_unlock(&dbi_error_lock);
	aurmig__err_set_db_code(c->ctx, code);
	if (sql)
		aurmig__err_set_statement(c->ctx, sql);
	return rc;
}

static int dbi_exec(aurmig_conn *c, const char *sql, unsigned long long *affected)
{
	dbi_impl *d = c->impl;
	dbi_result r = (c->statements++, dbi_conn_query(d->conn, sql));

	if (!r)
		return record_dbi_error(c, sql, "database error");
	if (affected)
		*affected = dbi_result_get_numrows_affected(r);
	dbi_result_free(r);
	return AURMIG_OK;
}

static int read_first_column(aurmig_conn *c, dbi_result r, aurmig__strv *rows)
{
	int rc = AURMIG_OK;

	while (dbi_result_next_row(r)) {
		const char *v = NULL;
		char num[32];
		if (dbi_result_get_field_type_idx(r, 1) == DBI_TYPE_STRING) {
			v = dbi_result_get_string_idx(r, 1);
		} else if (dbi_result_get_field_type_idx(r, 1) == DBI_TYPE_INTEGER &&
			   dbi_result_field_is_null_idx(r, 1) != 1) {
			snprintf(num, sizeof(num), "%lld", dbi_result_get_as_longlong_idx(r, 1));
			v = num;
		}
		if ((rc = aurmig__strv_push(rows, c->ctx, v ? v : "")))
			break;
	}
	dbi_result_free(r);
	return rc;
}

static int dbi_query(aurmig_conn *c, const char *sql, aurmig__strv *rows)
{
	dbi_impl *d = c->impl;
	dbi_result r = (c->statements++, dbi_conn_query(d->conn, sql));

	if (!r)
		return record_dbi_error(c, sql, "database error");
	return read_first_column(c, r, rows);
}

static int read_cells(aurmig_conn *c, dbi_result r, aurmig__strv *cells, size_t *ncols)
{
	unsigned int n;
	int rc = AURMIG_OK;

	n = dbi_result_get_numfields(r);
	*ncols = n == DBI_FIELD_ERROR ? 0 : n;
	while (rc == AURMIG_OK && dbi_result_next_row(r)) {
		for (unsigned int i = 1; i <= *ncols && rc == AURMIG_OK; i++) {
			char num[32];
			const char *v = "";
			if (dbi_result_field_is_null_idx(r, i) == 1) {
				v = "";
			} else if (dbi_result_get_field_type_idx(r, i) == DBI_TYPE_INTEGER) {
				snprintf(num, sizeof(num), "%lld", dbi_result_get_as_longlong_idx(r, i));
				v = num;
			} else if (dbi_result_get_field_type_idx(r, i) == DBI_TYPE_STRING) {
				v = dbi_result_get_string_idx(r, i);
				if (!v)
					v = "";
			}
			rc = aurmig__strv_push(cells, c->ctx, v);
		}
	}
	dbi_result_free(r);
	return rc;
}

static int dbi_query_cells(aurmig_conn *c, const char *sql, aurmig__strv *cells, size_t *ncols)
{
	dbi_impl *d = c->impl;
	dbi_result r = (c->statements++, dbi_conn_query(d->conn, sql));

	*ncols = 0;
	if (!r)
		return record_dbi_error(c, sql, "database error");
	return read_cells(c, r, cells, ncols);
}

static void dbi_close(aurmig_conn *c)
{
	dbi_impl *d = c->impl;

	if (!d)
		return;
	if (d->conn)
		dbi_conn_close(d->conn);
	free(d);
	c->impl = NULL;
}

/*
 * Whether a MySQL/MariaDB connection already talks utf8mb4: the character
 * set the client library announced in the handshake, read off its handle
 * with its own mysql_character_set_name() (no round trip; libdbi's
 * dbi_conn_get_encoding() asks the server with SHOW VARIABLES). The
 * function is looked up through the driver's module, which links the
 * client library, so libaurmig does not link it itself. Anything not known
 * reads as no, and SET NAMES follows.
 */
static int mysql_handshake_utf8mb4(dbi_conn conn)
{
	const struct dbi_driver_s *drv = (const struct dbi_driver_s *)dbi_conn_get_driver(conn);
	void *handle = ((dbi_conn_t *)conn)->connection, *mod, *fn;
	const char *(*charset_name)(void *) = NULL;
	const char *name = NULL;

	if (!drv || !drv->filename || !handle ||
	    !(mod = dlopen(drv->filename, RTLD_LAZY | RTLD_NOLOAD)))
		return 0;
	fn = dlsym(mod, "mysql_character_set_name");
	memcpy(&charset_name, &fn, sizeof(charset_name));   /* object to function pointer, without -Wpedantic */
	if (charset_name)
		name = charset_name(handle);
	dlclose(mod);
	return name && strcasecmp(name, "utf8mb4") == 0;
}

static const aurmig__db_ops dbi_ops = { dbi_exec, dbi_query, dbi_close, dbi_query_cells };

static int set_opt(aurmig_conn *c, dbi_conn conn, const char *key, const char *value)
{
	if (value && dbi_conn_set_option(conn, key, value) != 0)
		return aurmig__err(c->ctx, AURMIG_ENOMEM, AURMIG_ERRCLASS_NOMEM,
			"cannot set connection option '%s'", key);
	return AURMIG_OK;
}

int aurmig__db_open(aurmig_conn *c, const aurmig__settings *s)
{
	dbi_impl *d = aurmig__calloc(c->ctx, 1, sizeof(*d));
	dbi_inst inst;
	int rc = AURMIG_OK;

	if (!d)
		return AURMIG_ENOMEM;
	c->impl = d;
	c->ops = &dbi_ops;
	if (!(inst = context_instance(c->ctx, s->dialect, s->driver)))
		return aurmig__err(c->ctx, AURMIG_EUNSUPPORTED, AURMIG_ERRCLASS_DB,
			"cannot initialise libdbi (are the libdbi drivers installed?)");
	d->conn = dbi_conn_new_r(s->driver, inst);
	if (!d->conn)
		return aurmig__err(c->ctx, AURMIG_EUNSUPPORTED, AURMIG_ERRCLASS_DB,
			"libdbi has no '%s' driver (install libdbd-%s)", s->driver,
			strcmp(s->driver, "sqlite3") == 0 ? "sqlite3" : s->driver);
	if (s->dialect == AURMIG_DIALECT_SQLITE) {
		if ((rc = set_opt(c, d->conn, "sqlite3_dbdir", s->sqlite_dir)) ||
		    (rc = set_opt(c, d->conn, "dbname", s->dbname)) ||
		    dbi_conn_set_option_numeric(d->conn, "sqlite3_timeout", 5000) != 0)
			return rc ? rc : aurmig__oom(c->ctx);
	} else if (s->dialect == AURMIG_DIALECT_MYSQL) {
		/*
		 * libdbd-mysql (its manual, "Driver options"). As in libmysqlclient,
		 * no host or "localhost" means the unix socket (mysql_unix_socket,
		 * else the client library's default) and the port is then unused:
		 * TCP on the local machine needs host 127.0.0.1.
		 * - encoding: not set. The driver sends "SET NAMES" for it, one
		 *   more round trip on every connection (a third of the start-up
		 *   check's). The client library announces its default character
		 *   set in the handshake, which is utf8mb4 for libmariadb 3 (and
		 *   libmysqlclient 8); only when it is another one, SET NAMES
		 *   utf8mb4 follows the connect (below). Not "UTF-8": the driver
		 *   maps that to MySQL's 3-byte utf8 (utf8mb3), which rejects
		 *   characters outside the BMP (SQLAlchemy also asks for utf8mb4).
		 * - mysql_client_found_rows: UPDATE reports the rows it matched, not
		 *   only those it changed, like the other drivers and like SQLAlchemy
		 *   (CLIENT_FOUND_ROWS); the version-row checks count on it.
		 * - timeout: connect timeout in seconds (none by default).
		 */
		if ((rc = set_opt(c, d->conn, "host", s->host)) ||
		    (rc = set_opt(c, d->conn, "mysql_unix_socket", s->socket)) ||
		    (rc = set_opt(c, d->conn, "username", s->user)) ||
		    (rc = set_opt(c, d->conn, "password", s->password)) ||
		    (rc = set_opt(c, d->conn, "dbname", s->dbname)))
			return rc;
		if ((s->port && dbi_conn_set_option_numeric(d->conn, "port", s->port) != 0) ||
		    dbi_conn_set_option_numeric(d->conn, "mysql_client_found_rows", 1) != 0 ||
		    dbi_conn_set_option_numeric(d->conn, "timeout", 10) != 0)
			return aurmig__oom(c->ctx);
	} else {
		/*
		 * libdbd-pgsql: a host starting with '/' is libpq's socket
		 * directory, and the port also names the socket file in it
		 * (.s.PGSQL.PORT); no host means libpq's default socket directory.
		 * "timeout" becomes libpq's connect_timeout; an option pgsql_X is
		 * passed to libpq as X.
		 */
		if ((rc = set_opt(c, d->conn, "host", s->host ? s->host : s->socket)) ||
		    (rc = set_opt(c, d->conn, "username", s->user)) ||
		    (rc = set_opt(c, d->conn, "password", s->password)) ||
		    (rc = set_opt(c, d->conn, "dbname", s->dbname)) ||
		    (rc = set_opt(c, d->conn, "encoding", "UTF-8")) ||
		    (rc = set_opt(c, d->conn, "pgsql_application_name", "aurmig")))
			return rc;
		if ((s->port && dbi_conn_set_option_numeric(d->conn, "port", s->port) != 0) ||
		    dbi_conn_set_option_numeric(d->conn, "timeout", 10) != 0)
			return aurmig__oom(c->ctx);
	}
	if (dbi_conn_connect(d->conn) < 0) {
		char *what = aurmig__printf(c->ctx, "cannot connect to %s", c->display_url);
		if (!what)
			return AURMIG_ENOMEM;
		rc = record_dbi_error(c, NULL, what);
		free(what);
	} else if (s->dialect == AURMIG_DIALECT_MYSQL && !mysql_handshake_utf8mb4(d->conn)) {
		rc = c->ops->exec(c, "SET NAMES utf8mb4", NULL);
	} else if (s->dialect == AURMIG_DIALECT_PGSQL) {
		/* libpq hands the server's NOTICEs and WARNINGs (DROP ... IF
		 * EXISTS, RAISE NOTICE in a migration, ROLLBACK outside a
		 * transaction) to a processor that prints them on stderr, and
		 * libdbi sets none: have the server not send them, as the library
		 * never prints. Errors are unaffected. A SET, not libpq's startup
		 * "options", which poolers such as PgBouncer refuse. */
		rc = c->ops->exec(c, "SET client_min_messages = error", NULL);
	}
	return rc;
}

int aurmig__db_sqlite_busy_timeout(aurmig_conn *c, long ms)
{
	/* "PRAGMA busy_timeout = N" returns a row, and libdbd-sqlite3 prints
	 * "no tables in statement !" on stdout for it: call SQLite's own
	 * sqlite3_busy_timeout(), which the driver hands out as a
	 * driver-specific function, on the driver's handle */
	dbi_impl *d = c->impl;
	int (*busy)(void *, int) = NULL;
	void *handle;

	if (c->ops != &dbi_ops || c->dialect != AURMIG_DIALECT_SQLITE)
		return AURMIG_OK;
	void *fn = dbi_driver_specific_function(dbi_conn_get_driver(d->conn), "sqlite3_busy_timeout");

	memcpy(&busy, &fn, sizeof(busy));   /* an object pointer to a function pointer, without -Wpedantic */
	handle = ((dbi_conn_t *)d->conn)->connection;
	if (!busy || !handle)
		return aurmig__err(c->ctx, AURMIG_EUNSUPPORTED, AURMIG_ERRCLASS_DB,
			"this libdbd-sqlite3 cannot set the busy timeout");
	if (ms > 0x7fffffffL)
		ms = 0x7fffffffL;
	busy(handle, (int)(ms < 0 ? 0 : ms));
	return AURMIG_OK;
}

int aurmig__conn_new(aurmig_conn **out, aurmig_context *ctx, int dialect, const char *display_url,
	const aurmig__db_ops *ops, void *impl)
{
	aurmig_conn *c = aurmig__calloc(ctx, 1, sizeof(*c));

	*out = NULL;
	if (!c)
		return AURMIG_ENOMEM;
	c->display_url = aurmig__strdup(ctx, display_url ? display_url : "");
	if (!c->display_url) {
		free(c);
		return AURMIG_ENOMEM;
	}
	c->ctx = aurmig__context_ref(ctx);
	c->refs = 1;
	c->dialect = dialect;
	c->ops = ops;
	c->impl = impl;
	c->version_table = "alembic_version";
	c->journal_table = "aurmig_journal";
	c->lock_fd = -1;
	c->wsrep = -1;
	c->stmt_settings = -1;
	*out = c;
	return AURMIG_OK;
}

int aurmig__db_begin(aurmig_conn *c)
{
	/* SQLite: IMMEDIATE takes the write lock now, so a second writer waits
	 * (busy timeout) instead of failing halfway through a migration. */
	const char *sql = aurmig__dialect_of(c->dialect)->begin_write_sql;
	int rc = c->ops->exec(c, sql, NULL);
	if (!rc)
		c->in_tx = 1;
	return rc;
}

int aurmig__db_commit(aurmig_conn *c)
{
	int rc = c->ops->exec(c, "COMMIT", NULL);
	c->in_tx = 0;
	return rc;
}

int aurmig__db_rollback(aurmig_conn *c)
{
	int rc = AURMIG_OK;

	/* keep the error that caused the rollback; a failing ROLLBACK only logs */
	if (c->in_tx) {
		aurmig__err_hold(c->ctx);
		rc = c->ops->exec(c, "ROLLBACK", NULL);
		aurmig__err_release(c->ctx);
		if (rc)
			aurmig__log(c->ctx, AURMIG_LOG_WARNING, "ROLLBACK failed too");
	}
	c->in_tx = 0;
	return rc;
}

/* The guard's advisory key, in the two-key space (the deploy locks use the
 * one-key space, which never overlaps it): "aurm", 1. */
#define CREATE_GUARD "1635087725, 1"

int aurmig__db_create_guard(aurmig_conn *c, int take)
{
	aurmig__strv rows = { 0 };
	int rc;

	if (c->dialect != AURMIG_DIALECT_PGSQL || c->offline || (!take && c->in_tx))
		return AURMIG_OK;   /* a transaction's lock ends with it */
	if (take) {
		rc = c->ops->query(c, c->in_tx ? "SELECT CAST(pg_advisory_xact_lock(" CREATE_GUARD ") AS TEXT)" :
			"SELECT CAST(pg_advisory_lock(" CREATE_GUARD ") AS TEXT)", &rows);
	} else {
		aurmig__err_hold(c->ctx);
		rc = c->ops->query(c, "SELECT CAST(pg_advisory_unlock(" CREATE_GUARD ") AS TEXT)", &rows);
		aurmig__err_release(c->ctx);
	}
	aurmig__strv_clear(&rows);
	return rc;
}

int aurmig__db_quote(aurmig__buf *b, int dialect, const char *s)
{
	aurmig__buf_add(b, "'", 1);
	for (; *s; s++) {
		if (*s == '\'')
			aurmig__buf_add(b, "''", 2);
		else if (*s == '\\' && aurmig__dialect_of(dialect)->backslash_escapes)
			aurmig__buf_add(b, "\\\\", 2);
		else
			aurmig__buf_add(b, s, 1);
	}
	return aurmig__buf_add(b, "'", 1);
}

int aurmig__db_table_exists(aurmig_conn *c, const char *name, int *exists)
{
	aurmig__buf b;
	aurmig__strv rows = { 0 };
	char *sql;
	int rc;

	*exists = 0;
	aurmig__buf_init(&b, c->ctx);
	switch (c->dialect) {
	case AURMIG_DIALECT_MYSQL:
		/* unqualified names resolve in the connection's database; the
		 * query SQLAlchemy's MySQL has_table() runs for Alembic */
		aurmig__buf_puts(&b, "SELECT table_name FROM information_schema.tables "
			"WHERE table_schema = DATABASE() AND table_name = ");
		break;
	case AURMIG_DIALECT_PGSQL:
		/* Unqualified names resolve along search_path, not only in
		 * current_schema(): a version table in a later schema of the path
		 * (say public, with a schema named after the user in front) is the
		 * one the SELECTs and UPDATEs use, and testing current_schema()
		 * alone would create a second, empty one in front of it. So test
		 * visibility, as SQLAlchemy's PostgreSQL has_table() does for
		 * Alembic. information_schema would also hide tables the user
		 * holds no privilege on. */
		aurmig__buf_puts(&b, "SELECT c.relname FROM pg_catalog.pg_class c "
			"WHERE pg_catalog.pg_table_is_visible(c.oid) AND c.relname = ");
		break;
	default:
		aurmig__buf_puts(&b, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ");
		break;
	}
	aurmig__db_quote(&b, c->dialect, name);
	if (!(sql = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	rc = c->ops->query(c, sql, &rows);
	free(sql);
	if (!rc)
		*exists = rows.n > 0;
	aurmig__strv_clear(&rows);
	return rc;
}

/*
 * A query on a table that may not exist yet (the version table, the
 * journal). On SQLite through libdbi the query runs at once and SQLite's
 * "no such table" reads as no table: one statement instead of a
 * sqlite_master lookup first (a SELECT that fails to prepare leaves a
 * transaction as it was, and libdbi prints nothing at verbosity 0). Elsewhere
 * (a failed statement aborts a PostgreSQL transaction; the unit tests' fake
 * backend) the table is looked up first.
 */
static int query_maybe_missing(aurmig_conn *c, const char *table, const char *sql, aurmig__strv *out,
	size_t *ncols, int *exists)
{
	int rc;

	*exists = 0;
	if (ncols)
		*ncols = 0;
	if (c->ops == &dbi_ops && c->dialect == AURMIG_DIALECT_SQLITE) {
		dbi_impl *d = c->impl;
		dbi_result r = (c->statements++, dbi_conn_query(d->conn, sql));
		if (!r) {
			const char *msg = NULL;
			char want[128];
			int missing;

			snprintf(want, sizeof(want), "no such table: %s", table);
			pthread_mutex_lock(&dbi_error_lock);
			dbi_conn_error(d->conn, &msg);
			missing = msg && strstr(msg, want) != NULL;
			pthread_mutex_unlock(&dbi_error_lock);
			return missing ? AURMIG_OK : record_dbi_error(c, sql, "database error");
		}
		*exists = 1;
		return ncols ? read_cells(c, r, out, ncols) : read_first_column(c, r, out);
	}
	if ((rc = aurmig__db_table_exists(c, table, exists)) || !*exists)
		return rc;
	return ncols ? c->ops->query_cells(c, sql, out, ncols) : c->ops->query(c, sql, out);
}

/* Does the driver's error (code, message) say that table does not exist? */
static int names_missing_table(int dialect, int code, const char *msg, const char *table)
{
	char want[160];
	size_t n = strlen(table);

	if (!msg)
		return 0;
	switch (dialect) {
	case AURMIG_DIALECT_MYSQL:
		/* ER_NO_SUCH_TABLE: "Table 'db.name' doesn't exist" */
		snprintf(want, sizeof(want), ".%s' doesn't exist", table);
		return code == 1146 && strcasestr(msg, want) != NULL;
	case AURMIG_DIALECT_PGSQL:
		/* undefined_table (42P01): relation "name" does not exist (folded
		 * to lower case, as the unquoted name in the query) */
		snprintf(want, sizeof(want), "relation \"%s\" does not exist", table);
		return code == sqlstate("42P01") && strcasestr(msg, want) != NULL;
	default: {
		/* "no such table: name", the name ending there */
		const char *at;
		snprintf(want, sizeof(want), "no such table: %s", table);
		at = strcasestr(msg, want);
		return at && !(at[15 + n] == '_' || (at[15 + n] >= '0' && at[15 + n] <= '9') ||
			((at[15 + n] | 0x20) >= 'a' && (at[15 + n] | 0x20) <= 'z'));
	}
	}
}

int aurmig__db_can_try(const aurmig_conn *c)
{
	/* a failed statement aborts a PostgreSQL transaction */
	return c->ops == &dbi_ops && !(c->dialect == AURMIG_DIALECT_PGSQL && c->in_tx);
}

int aurmig__db_try_query_cells(aurmig_conn *c, const char *sql, aurmig__strv *cells, size_t *ncols,
	const char *const *tables, size_t ntables, size_t *missing)
{
	dbi_impl *d = c->impl;
	dbi_result r;

	*ncols = 0;
	*missing = ntables;
	c->statements++;
	r = dbi_conn_query(d->conn, sql);
	if (!r) {
		const char *msg = NULL;
		int code;

		pthread_mutex_lock(&dbi_error_lock);
		code = dbi_conn_error(d->conn, &msg);
		for (size_t i = 0; i < ntables && *missing == ntables; i++)
			if (names_missing_table(c->dialect, code, msg, tables[i]))
				*missing = i;
		pthread_mutex_unlock(&dbi_error_lock);
		return *missing < ntables ? AURMIG_OK : record_dbi_error(c, sql, "database error");
	}
	return read_cells(c, r, cells, ncols);
}

int aurmig__db_query_table(aurmig_conn *c, const char *table, const char *sql, aurmig__strv *rows,
	int *exists)
{
	return query_maybe_missing(c, table, sql, rows, NULL, exists);
}

int aurmig__db_query_table_cells(aurmig_conn *c, const char *table, const char *sql, aurmig__strv *cells,
	size_t *ncols, int *exists)
{
	return query_maybe_missing(c, table, sql, cells, ncols, exists);
}

/* Names of the tables in the database (the current schema). */
int aurmig__db_list_tables(aurmig_conn *c, aurmig__strv *out)
{
	const char *sql = aurmig__dialect_get(c->dialect)->list_tables_sql;
	return c->ops->query(c, sql, out);
}

int aurmig__db_exec_buf(aurmig_conn *c, aurmig__buf *b)
{
	char *sql = aurmig__buf_detach(b);
	int rc;

	if (!sql)
		return AURMIG_ENOMEM;
	rc = c->ops->exec(c, sql, NULL);
	free(sql);
	return rc;
}

int aurmig__db_try_query_named(aurmig_conn *c, const char *sql, aurmig__strv *cells, size_t *ncols,
	int *db_code)
{
	dbi_impl *d = c->impl;
	dbi_result r;
	unsigned int n;
	int rc = AURMIG_OK;

	*ncols = 0;
	*db_code = -1;
	if (!aurmig__db_can_try(c))
		return AURMIG_OK;
	c->statements++;
	if (!(r = dbi_conn_query(d->conn, sql))) {
		const char *msg = NULL;
		pthread_mutex_lock(&dbi_error_lock);
		*db_code = dbi_conn_error(d->conn, &msg);
		pthread_mutex_unlock(&dbi_error_lock);
		if (!*db_code)
			*db_code = -1;
		return AURMIG_OK;
	}
	*db_code = 0;
	n = dbi_result_get_numfields(r);
	for (unsigned int i = 1; n != DBI_FIELD_ERROR && i <= n && rc == AURMIG_OK; i++) {
		const char *name = dbi_result_get_field_name(r, i);
		rc = aurmig__strv_push(cells, c->ctx, name ? name : "");
	}
	if (rc) {
		dbi_result_free(r);
		return rc;
	}
	/* the rows after the names (read_cells appends, and frees r) */
	return read_cells(c, r, cells, ncols);
}
