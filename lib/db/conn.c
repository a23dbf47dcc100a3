/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Public connection API: open from a URL or aurweb's config, read current heads. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/db.h"
#include "ini/settings.h"
#include "db/version.h"
#include "db/lock.h"
#include "db/lease.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Before libdbd-sqlite3 opens (and, for a missing file, creates) the
 * database: name the file and the cause of what would fail, which the
 * driver reports as "libdbi could not establish a connection". With
 * AURMIG_OPEN_EXISTING a missing file is AURMIG_ENOTFOUND and nothing is
 * created.
 */
static int sqlite_precheck(aurmig_context *ctx, const char *file, const char *dir, unsigned int flags,
	const char *path)
{
	struct stat st;
	int e;

	if (stat(file, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return aurmig__err(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS,
				"cannot open SQLite database %s: it is a directory", path);
		if (access(file, R_OK) != 0) {
			e = errno;
			return aurmig__err(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS,
				"cannot open SQLite database %s: %s", path, strerror(e));
		}
		return AURMIG_OK;
	}
	e = errno;
	if (e != ENOENT)
		return aurmig__err(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS,
			"cannot open SQLite database %s: %s", path, strerror(e));
	if (stat(dir, &st) != 0) {
		e = errno;
		return aurmig__err(ctx, e == ENOENT ? AURMIG_ENOTFOUND : AURMIG_EIO, AURMIG_ERRCLASS_OS,
			"cannot open SQLite database %s: directory %s: %s", path, dir, strerror(e));
	}
	if (!S_ISDIR(st.st_mode))
		return aurmig__err(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS,
			"cannot open SQLite database %s: %s is not a directory", path, dir);
	if (flags & AURMIG_OPEN_EXISTING)
		return aurmig__err(ctx, AURMIG_ENOTFOUND, AURMIG_ERRCLASS_OS, "no such database file: %s", path);
	if (access(dir, W_OK | X_OK) != 0) {
		e = errno;
		return aurmig__err(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS,
			"cannot create SQLite database %s: directory %s: %s", path, dir, strerror(e));
	}
	return AURMIG_OK;
}

/* A file that is not empty must start with SQLite's header. */
static int sqlite_check_header(aurmig_context *ctx, const char *file, const char *path)
{
	static const char magic[16] = "SQLite format 3";
	char head[16];
	ssize_t got;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return AURMIG_OK;   /* the driver opened it: leave the verdict to it */
	got = read(fd, head, sizeof(head));
	close(fd);
	if (got > 0 && (got < (ssize_t)sizeof(head) || memcmp(head, magic, sizeof(magic)) != 0))
		return aurmig__err(ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB,
			"%s is not an SQLite database (it does not start with SQLite's header)", path);
	return AURMIG_OK;
}

static int open_from(aurmig_conn **out, aurmig_context *ctx, aurmig__settings *s, unsigned int flags)
{
	aurmig_conn *c;
	int rc = aurmig__conn_new(&c, ctx, s->dialect, s->display_url, NULL, NULL);

	if (rc)
		return rc;
	if (s->dialect == AURMIG_DIALECT_SQLITE &&
	    !(c->sqlite_path = aurmig__printf(ctx, "%s/%s", s->sqlite_dir ? s->sqlite_dir : ".", s->dbname))) {
		aurmig_conn_free(c);
		return AURMIG_ENOMEM;
	}
	/* messages name the file as the URL or the config did */
	if (s->dialect == AURMIG_DIALECT_SQLITE &&
	    ((rc = sqlite_precheck(ctx, c->sqlite_path, s->sqlite_dir ? s->sqlite_dir : ".", flags,
			!s->sqlite_dir || strcmp(s->sqlite_dir, ".") == 0 ? s->dbname : c->sqlite_path)) ||
	     (rc = sqlite_check_header(ctx, c->sqlite_path,
			!s->sqlite_dir || strcmp(s->sqlite_dir, ".") == 0 ? s->dbname : c->sqlite_path)))) {
		aurmig_conn_free(c);
		return rc;
	}
	if ((rc = aurmig__db_open(c, s))) {
		aurmig_conn_free(c);
		return rc;
	}
	/* MySQL/MariaDB: whether this is a Galera node is asked when a
	 * statement needs to know (db/lease.c); the start-up check's read
	 * carries its causal-read setting itself (db/state.c) */
	*out = c;
	return AURMIG_OK;
}

int aurmig_conn_open_flags(aurmig_conn **out, aurmig_context *ctx, const char *url, unsigned int flags)
{
	aurmig__settings s = { 0 };
	int rc;

	if (!out || !ctx || !url)
		return ctx ? aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_conn_open: NULL argument") : AURMIG_EINVALID;
	*out = NULL;
	aurmig__err_clear(ctx);
	if (flags & ~(unsigned int)AURMIG_OPEN_EXISTING)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig_conn_open: unknown flags");
	if (!(rc = aurmig__settings_from_url(&s, ctx, url)))
		rc = open_from(out, ctx, &s, flags);
	aurmig__settings_clear(&s);
	return rc;
}

int aurmig_conn_open(aurmig_conn **out, aurmig_context *ctx, const char *url)
{
	return aurmig_conn_open_flags(out, ctx, url, 0);
}

int aurmig_conn_open_aurweb_config_flags(aurmig_conn **out, aurmig_context *ctx, const char *path,
	unsigned int flags)
{
	aurmig__settings s = { 0 };
	int rc;

	if (!out || !ctx || !path)
		return ctx ? aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_conn_open_aurweb_config: NULL argument") : AURMIG_EINVALID;
	*out = NULL;
	aurmig__err_clear(ctx);
	if (flags & ~(unsigned int)AURMIG_OPEN_EXISTING)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_conn_open_aurweb_config: unknown flags");
	/* aurweb's config.py: AUR_CONFIG_DEFAULTS, else "<config>.defaults" */
	if (!(rc = aurmig__settings_from_aurweb_config_layered(&s, ctx, path, getenv("AUR_CONFIG_DEFAULTS"))))
		rc = open_from(out, ctx, &s, flags);
	aurmig__settings_clear(&s);
	return rc;
}

int aurmig_conn_open_aurweb_config(aurmig_conn **out, aurmig_context *ctx, const char *path)
{
	return aurmig_conn_open_aurweb_config_flags(out, ctx, path, 0);
}

aurmig_conn *aurmig__conn_ref(aurmig_conn *c)
{
	if (c)
		c->refs++;
	return c;
}

void aurmig_conn_free(aurmig_conn *c)
{
	if (!c)
		return;
	if (c->refs > 1) {
		c->refs--;
		return;
	}
	if (c->in_tx)
		aurmig__db_rollback(c);
	aurmig__lock_release(c);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	free(c->sqlite_path);
	if (c->ops && c->ops->close)
		c->ops->close(c);
	aurmig__strv_clear(&c->current);
	free(c->display_url);
	aurmig__context_unref(c->ctx);
	free(c);
}

int aurmig_conn_exec(aurmig_conn *c, const char *sql)
{
	if (!c || !sql)
		return c ? aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig_conn_exec: NULL SQL") :
			AURMIG_EINVALID;
	aurmig__err_clear(c->ctx);
	return c->ops->exec(c, sql, NULL);
}

int aurmig_conn_set_version_table(aurmig_conn *c, const char *name)
{
	size_t n;

	if (!c || !name)
		return AURMIG_EINVALID;
	aurmig__err_clear(c->ctx);
	n = strlen(name);
	/* spliced into SQL as an identifier: only a plain, portable one */
	if (n == 0 || n > 48 || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') || name[0] == '_'))
		return aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"version table name must be 1 to 48 letters, digits or '_', starting with a letter or '_'");
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_'))
			return aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
				"version table name must be 1 to 48 letters, digits or '_', starting with a letter or '_'");
	}
	/* aurmig_journal_* are the journals of the version tables: none may be one */
	if (strncasecmp(name, "aurmig_journal", 14) == 0)
		return aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"version table name must not start with 'aurmig_journal' (the journals' names)");
	if (c->locked)
		return aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"cannot change the version table while the deploy lock is held");
	memcpy(c->version_table_buf, name, n + 1);
	c->version_table = c->version_table_buf;
	/* one journal per version table, as the deploy lock is per version
	 * table (db/lock.c): the default keeps the journal's old name */
	if (strcasecmp(name, "alembic_version") == 0) {
		c->journal_table = "aurmig_journal";
	} else {
		snprintf(c->journal_table_buf, sizeof(c->journal_table_buf), "aurmig_journal_%s", name);
		c->journal_table = c->journal_table_buf;
	}
	return AURMIG_OK;
}

const char *aurmig_conn_journal_table(const aurmig_conn *c) { return c ? c->journal_table : NULL; }

const char *aurmig_conn_version_table(const aurmig_conn *c) { return c ? c->version_table : NULL; }

int aurmig_conn_dialect(const aurmig_conn *c) { return c ? c->dialect : 0; }
const char *aurmig_conn_display_url(const aurmig_conn *c) { return c ? c->display_url : NULL; }



int aurmig_conn_read_current(aurmig_conn *c, size_t *count_out)
{
	int rc;

	if (!c)
		return AURMIG_EINVALID;
	aurmig__err_clear(c->ctx);
	aurmig__strv_clear(&c->current);
	rc = aurmig__version_read(c, &c->current);
	if (count_out)
		*count_out = rc ? 0 : c->current.n;
	return rc;
}

const char *aurmig_conn_current_head(const aurmig_conn *c, size_t i)
{
	return c && i < c->current.n ? c->current.v[i] : NULL;
}
