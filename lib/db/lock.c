/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The deploy lock, per dialect. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "db/lock.h"
#include "db/waits.h"

#define POLL_MS 100

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* 64-bit FNV-1a, for the PostgreSQL advisory lock key. */
static long long lock_key(const char *s)
{
	unsigned long long h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (long long)(h & 0x7fffffffffffffffull);
}

/* One non-blocking attempt: *got = 1 when the lock is ours. */
static int try_once(aurmig_conn *c, int *got, const char *name)
{
	aurmig__strv rows = { 0 };
	char *sql = NULL;
	int rc;

	*got = 0;
	if (c->dialect == AURMIG_DIALECT_SQLITE) {
		if (flock(c->lock_fd, LOCK_EX | LOCK_NB) == 0) {
			*got = 1;
			return AURMIG_OK;
		}
		if (errno == EWOULDBLOCK || errno == EINTR)
			return AURMIG_OK;
		return aurmig__err(c->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, "cannot lock %s.lock: %s",
			c->sqlite_path, strerror(errno));
	}
	if (c->dialect == AURMIG_DIALECT_PGSQL)
		sql = aurmig__printf(c->ctx, "SELECT CAST(pg_try_advisory_lock(%lld) AS INTEGER)", lock_key(name));
	else {
		aurmig__buf b;
		aurmig__buf_init(&b, c->ctx);
		aurmig__buf_puts(&b, "SELECT CAST(GET_LOCK(CONCAT(");
		aurmig__db_quote(&b, c->dialect, name);
		aurmig__buf_puts(&b, ", '@', DATABASE()), 0) AS CHAR)");
		sql = aurmig__buf_detach(&b);
	}
	if (!sql)
		return AURMIG_ENOMEM;
	rc = c->ops->query(c, sql, &rows);
	free(sql);
	if (!rc && rows.n == 1 && strcmp(rows.v[0], "1") == 0)
		*got = 1;
	aurmig__strv_clear(&rows);
	return rc;
}

static int open_lock_file(aurmig_conn *c)
{
	char *path;

	if (c->lock_fd >= 0)
		return AURMIG_OK;
	if (!c->sqlite_path)
		return aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"SQLite connection without a file path: cannot lock");
	path = aurmig__printf(c->ctx, "%s.lock", c->sqlite_path);
	if (!path)
		return AURMIG_ENOMEM;
	c->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (c->lock_fd < 0) {
		int rc = aurmig__err(c->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, "cannot open lock file %s: %s",
			path, strerror(errno));
		free(path);
		return rc;
	}
	free(path);
	return AURMIG_OK;
}

int aurmig__lock_acquire(aurmig_conn *c, long timeout_ms)
{
	char name[96];
	long start = now_ms();
	int got = 0, warned = 0, rc;

	if (c->locked)
		return AURMIG_OK;
	/* a replica would take the lock, read, and fail at its first write */
	if ((rc = aurmig__db_require_writable(c)))
		return rc;
	snprintf(name, sizeof(name), "aurmig:%s", c->version_table);
	if (c->dialect == AURMIG_DIALECT_SQLITE && (rc = open_lock_file(c)))
		return rc;
	for (;;) {
		if ((rc = try_once(c, &got, name)))
			return rc;
		if (got) {
			c->locked = 1;
			if (warned)
				aurmig__log(c->ctx, AURMIG_LOG_INFO, "got the migration lock after %.1f s",
					(double)(now_ms() - start) / 1000.0);
			return AURMIG_OK;
		}
		if (timeout_ms >= 0 && now_ms() - start >= timeout_ms)
			return aurmig__err(c->ctx, AURMIG_ELOCKED, AURMIG_ERRCLASS_DB,
				"timed out after %.1f s waiting for the migration lock on %s: another aurmig "
				"run holds it (use --lock-timeout to wait longer)",
				(double)timeout_ms / 1000.0, c->display_url);
		if (!warned) {
			aurmig__log(c->ctx, AURMIG_LOG_WARNING,
				"waiting for the migration lock on %s: another aurmig run holds it", c->display_url);
			warned = 1;
		}
		sleep_ms(POLL_MS);
	}
}

void aurmig__lock_release(aurmig_conn *c)
{
	char *sql = NULL;
	aurmig__strv rows = { 0 };
	char name[96];

	if (!c->locked)
		return;
	c->locked = 0;
	snprintf(name, sizeof(name), "aurmig:%s", c->version_table);
	if (c->dialect == AURMIG_DIALECT_SQLITE) {
		if (c->lock_fd >= 0)
			flock(c->lock_fd, LOCK_UN);
		return;
	}
	if (c->dialect == AURMIG_DIALECT_PGSQL) {
		sql = aurmig__printf(c->ctx, "SELECT CAST(pg_advisory_unlock(%lld) AS INTEGER)", lock_key(name));
	} else {
		aurmig__buf b;
		aurmig__buf_init(&b, c->ctx);
		aurmig__buf_puts(&b, "SELECT CAST(RELEASE_LOCK(CONCAT(");
		aurmig__db_quote(&b, c->dialect, name);
		aurmig__buf_puts(&b, ", '@', DATABASE())) AS CHAR)");
		sql = aurmig__buf_detach(&b);
	}
	if (sql) {
		c->ctx->err_hold++;
		if (c->ops->query(c, sql, &rows))
			aurmig__log(c->ctx, AURMIG_LOG_WARNING, "releasing the migration lock failed");
		c->ctx->err_hold--;
	}
	aurmig__strv_clear(&rows);
	free(sql);
}
