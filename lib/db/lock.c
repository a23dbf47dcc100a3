/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The deploy lock, per dialect. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db/lease.h"
#include "db/lock.h"
#include "db/waits.h"

#define POLL_MS 100


/* 64-bit FNV-1a, for the PostgreSQL advisory lock key. */
long long aurmig__lock_key(const char *s)
{
	unsigned long long h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (long long)(h & 0x7fffffffffffffffull);
}

/*
 * The lock's name: "aurmig:" and the version table, lower-cased. The
 * journal goes with the version table (aurmig_journal, or
 * aurmig_journal_<table>: db/conn.c), so one name covers one journal; names
 * that differ only in case (one table on PostgreSQL, and on MySQL with
 * lower_case_table_names) take one lock, which covers more, never less.
 */
void aurmig__lock_name(const aurmig_conn *c, char name[96])
{
	size_t i;

	snprintf(name, 96, "aurmig:%s", c->version_table);
	for (i = 7; name[i]; i++)
		name[i] = (char)tolower((unsigned char)name[i]);
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
		sql = aurmig__printf(c->ctx, "SELECT CAST(pg_try_advisory_lock(%lld) AS INTEGER)", aurmig__lock_key(name));
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

/*
 * The lock file: "<database>.lock" beside the database file with every
 * symbolic link of the path resolved, so that the database reached through a
 * symlink and through its real path takes one lock (SQLite names its own
 * journal files the same way). A database file that does not exist yet:
 * its resolved directory and its name.
 */
int aurmig__lock_file_path(aurmig_conn *c, char **out)
{
	const char *p = c->sqlite_path, *slash = strrchr(p, '/');
	char *real = aurmig__realpath(c->ctx, p), *dir;
	int err = errno;

	*out = NULL;
	if (!real && err == ENOMEM)
		return AURMIG_ENOMEM;
	if (!real && err == ENOENT) {
		dir = slash ? aurmig__strndup(c->ctx, p, slash == p ? 1 : (size_t)(slash - p)) : aurmig__strdup(c->ctx, ".");
		if (!dir)
			return AURMIG_ENOMEM;
		real = aurmig__realpath(c->ctx, dir);
		err = errno;
		free(dir);
		if (!real && err == ENOMEM)
			return AURMIG_ENOMEM;
		if (real) {
			*out = aurmig__printf(c->ctx, "%s/%s.lock", strcmp(real, "/") ? real : "", slash ? slash + 1 : p);
			free(real);
			return *out ? AURMIG_OK : AURMIG_ENOMEM;
		}
	} else if (real) {
		*out = aurmig__printf(c->ctx, "%s.lock", real);
		free(real);
		return *out ? AURMIG_OK : AURMIG_ENOMEM;
	}
	return aurmig__err(c->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, "cannot resolve the path of %s for its lock file: %s",
		p, strerror(err));
}

/*
 * Open (or create) the lock file. Whoever may write the database's directory
 * (a web server's user, by design) could plant a symlink or a hard link
 * there: the last component is never followed (O_NOFOLLOW), and a file that
 * is not a regular file with one link, owned by this user or root, is
 * refused before it is used (SECURITY.md).
 */
static int open_lock_file(aurmig_conn *c)
{
	struct stat st;
	const char *why = NULL;
	char *path;
	int fd, rc;

	if (c->lock_fd >= 0)
		return AURMIG_OK;
	if (!c->sqlite_path)
		return aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"SQLite connection without a file path: cannot lock");
	if ((rc = aurmig__lock_file_path(c, &path)))
		return rc;
	/* O_NONBLOCK: opening a planted FIFO must not hang; flock() ignores it */
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0644);
	if (fd < 0) {
		rc = aurmig__err(c->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, "cannot open lock file %s: %s", path,
			errno == ELOOP ? "it is a symbolic link (refused: remove it)" :
			errno == ENXIO ? "not a regular file (refused: remove it)" : strerror(errno));
		free(path);
		return rc;
	}
	if (fstat(fd, &st) != 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file (refused: remove it)";
	else if (st.st_uid != geteuid() && st.st_uid != 0)
		why = "owned by another user (refused: remove it, or deploy as its owner)";
	else if (st.st_nlink != 1)
		why = "it has other hard links (refused: remove it)";
	if (why) {
		close(fd);
		rc = aurmig__err(c->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, "cannot use lock file %s: %s", path, why);
		free(path);
		return rc;
	}
	c->lock_fd = fd;
	free(path);
	return AURMIG_OK;
}

int aurmig__lock_acquire(aurmig_conn *c, long timeout_ms)
{
	char name[96];
	long start = aurmig__now_ms();
	int got = 0, warned = 0, rc;

	if (c->locked)
		return AURMIG_OK;
	/* a replica would take the lock, read, and fail at its first write */
	if ((rc = aurmig__db_require_writable(c)))
		return rc;
	if (aurmig__lease_wanted(c)) {
		/* Galera: GET_LOCK is local to one node */
		if ((rc = aurmig__lease_acquire(c, timeout_ms)))
			return rc;
		c->locked = 1;
		return AURMIG_OK;
	}
	aurmig__lock_name(c, name);
	if (c->dialect == AURMIG_DIALECT_SQLITE && (rc = open_lock_file(c)))
		return rc;
	for (;;) {
		if ((rc = try_once(c, &got, name)))
			return rc;
		if (got) {
			c->locked = 1;
			if (warned)
				aurmig__log(c->ctx, AURMIG_LOG_INFO, "got the migration lock after %.1f s",
					(double)(aurmig__now_ms() - start) / 1000.0);
			return AURMIG_OK;
		}
		if (timeout_ms >= 0 && aurmig__now_ms() - start >= timeout_ms)
			return aurmig__err(c->ctx, AURMIG_ELOCKED, AURMIG_ERRCLASS_DB,
				"timed out after %.1f s waiting for the migration lock on %s: another aurmig "
				"run holds it (use --lock-timeout to wait longer)",
				(double)timeout_ms / 1000.0, c->display_url);
		if (!warned) {
			aurmig__log(c->ctx, AURMIG_LOG_WARNING,
				"waiting for the migration lock on %s: another aurmig run holds it", c->display_url);
			warned = 1;
		}
		aurmig__sleep_ms(POLL_MS);
	}
}

int aurmig__lock_renew(aurmig_conn *c)
{
	return c->locked && c->lease ? aurmig__lease_renew(c) : AURMIG_OK;
}

void aurmig__lock_release(aurmig_conn *c)
{
	char *sql = NULL;
	aurmig__strv rows = { 0 };
	char name[96];

	if (!c->locked)
		return;
	c->locked = 0;
	if (c->lease) {
		aurmig__lease_release(c);
		return;
	}
	aurmig__lock_name(c, name);
	if (c->dialect == AURMIG_DIALECT_SQLITE) {
		if (c->lock_fd >= 0)
			flock(c->lock_fd, LOCK_UN);
		return;
	}
	if (c->dialect == AURMIG_DIALECT_PGSQL) {
		sql = aurmig__printf(c->ctx, "SELECT CAST(pg_advisory_unlock(%lld) AS INTEGER)", aurmig__lock_key(name));
	} else {
		aurmig__buf b;
		aurmig__buf_init(&b, c->ctx);
		aurmig__buf_puts(&b, "SELECT CAST(RELEASE_LOCK(CONCAT(");
		aurmig__db_quote(&b, c->dialect, name);
		aurmig__buf_puts(&b, ", '@', DATABASE())) AS CHAR)");
		sql = aurmig__buf_detach(&b);
	}
	if (sql) {
		aurmig__err_hold(c->ctx);
		if (c->ops->query(c, sql, &rows))
			aurmig__log(c->ctx, AURMIG_LOG_WARNING, "releasing the migration lock failed");
		aurmig__err_release(c->ctx);
	}
	aurmig__strv_clear(&rows);
	free(sql);
}

int aurmig__lock_probe(aurmig_conn *c, int *held)
{
	aurmig__strv rows = { 0 };
	char name[96];
	char *sql = NULL;
	int rc;

	*held = 0;
	if (c->locked) {
		*held = 1;
		return AURMIG_OK;
	}
	if (aurmig__lease_wanted(c))
		return aurmig__lease_probe(c, held);
	aurmig__lock_name(c, name);   /* the name and the file the deployer takes */
	if (c->dialect == AURMIG_DIALECT_SQLITE) {
		char *path;
		int fd;

		if (!c->sqlite_path)
			return AURMIG_OK;   /* nobody else can lock a database without a file */
		if ((rc = aurmig__lock_file_path(c, &path)))
			return rc;
		/* read-only, never created, never followed: no lock file, no
		 * holder. A shared lock, so that probes never see each other as
		 * the holder. */
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
		if (fd < 0) {
			rc = errno == ENOENT ? AURMIG_OK : aurmig__err(c->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS,
				"cannot open lock file %s: %s", path, strerror(errno));
			free(path);
			return rc;
		}
		rc = AURMIG_OK;
		if (flock(fd, LOCK_SH | LOCK_NB) == 0)
			flock(fd, LOCK_UN);
		else if (errno == EWOULDBLOCK)
			*held = 1;
		else
			rc = aurmig__err(c->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, "cannot probe lock file %s: %s",
				path, strerror(errno));
		close(fd);
		free(path);
		return rc;
	}
	if (c->dialect == AURMIG_DIALECT_PGSQL) {
		/* a one-key advisory lock shows as classid (high half), objid (low half), objsubid 1 */
		unsigned long long key = (unsigned long long)aurmig__lock_key(name);
		sql = aurmig__printf(c->ctx, "SELECT CAST(COUNT(*) AS INTEGER) FROM pg_locks WHERE locktype = 'advisory' "
			"AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
			"AND classid = CAST(%llu AS oid) AND objid = CAST(%llu AS oid) AND objsubid = 1",
			key >> 32, key & 0xffffffffull);
	} else {
		aurmig__buf b;
		aurmig__buf_init(&b, c->ctx);
		aurmig__buf_puts(&b, "SELECT CAST(IS_FREE_LOCK(CONCAT(");
		aurmig__db_quote(&b, c->dialect, name);
		aurmig__buf_puts(&b, ", '@', DATABASE())) AS CHAR)");
		sql = aurmig__buf_detach(&b);
	}
	if (!sql)
		return AURMIG_ENOMEM;
	rc = c->ops->query(c, sql, &rows);
	free(sql);
	if (!rc && rows.n == 1)
		*held = c->dialect == AURMIG_DIALECT_PGSQL ? strcmp(rows.v[0], "0") != 0 : strcmp(rows.v[0], "1") != 0;
	else if (!rc)
		rc = aurmig__err(c->ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB, "probing the migration lock returned %zu rows",
			rows.n);
	aurmig__strv_clear(&rows);
	return rc;
}
