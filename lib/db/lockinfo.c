/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who holds the deploy lock, and breaking it (aurmig lock, docs/clusters.md).
 * Read-only but for aurmig_lock_break(): the lease row is read in full; a
 * session lock (flock, GET_LOCK, advisory lock) tells whether it is held
 * and, where the server tells, by whom.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "db/lease.h"
#include "db/lock.h"

#define LEASE_TABLE "aurmig_lock"
#define NFIELDS 11   /* aurmig_lock_field values 1..10 */
#define BREAK_WAIT_MS 5000

struct aurmig_lock_info {
	aurmig_context *ctx;
	int kind;
	int held;
	int expired;
	int mine;
	char *field[NFIELDS];
};

void aurmig_lock_info_free(aurmig_lock_info *info)
{
	if (!info)
		return;
	for (int i = 0; i < NFIELDS; i++)
		free(info->field[i]);
	aurmig__context_unref(info->ctx);
	free(info);
}

int aurmig_lock_info_kind(const aurmig_lock_info *info)
{
	return info ? info->kind : 0;
}

int aurmig_lock_info_held(const aurmig_lock_info *info)
{
	return info ? info->held : 0;
}

int aurmig_lock_info_expired(const aurmig_lock_info *info)
{
	return info ? info->expired : 0;
}

int aurmig_lock_info_mine(const aurmig_lock_info *info)
{
	return info ? info->mine : 0;
}

const char *aurmig_lock_info_field(const aurmig_lock_info *info, int field)
{
	if (!info || field < 1 || field >= NFIELDS)
		return NULL;
	return info->field[field];
}

/* Set a field to a copy of v; "" (SQL NULL) leaves it unknown. */
static int set_field(aurmig_lock_info *info, int field, const char *v)
{
	if (!v || !*v)
		return AURMIG_OK;
	free(info->field[field]);
	if (!(info->field[field] = aurmig__strdup(info->ctx, v)))
		return AURMIG_ENOMEM;
	return AURMIG_OK;
}

static int read_lease(aurmig_conn *c, aurmig_lock_info *info, const char *name)
{
	static const int cols[] = { AURMIG_LOCKINFO_OWNER, AURMIG_LOCKINFO_HOST, AURMIG_LOCKINFO_PID,
		AURMIG_LOCKINFO_NODE, AURMIG_LOCKINFO_ACQUIRED_AT, AURMIG_LOCKINFO_HEARTBEAT_AT,
		AURMIG_LOCKINFO_EXPIRES_AT };
	aurmig__strv v = { 0 };
	aurmig__buf b;
	size_t ncols = 0, i;
	char *sql;
	int exists = 0, rc;

	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_puts(&b, "SELECT owner, host, CAST(pid AS CHAR), node, CAST(acquired_at AS CHAR), "
		"CAST(heartbeat_at AS CHAR), CAST(expires_at AS CHAR), "
		"CAST(expires_at < UTC_TIMESTAMP(6) AS CHAR) FROM " LEASE_TABLE " WHERE name = ");
	aurmig__db_quote(&b, c->dialect, name);
	if (!(sql = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	rc = aurmig__db_query_table_cells(c, LEASE_TABLE, sql, &v, &ncols, &exists);
	free(sql);
	if (!rc && exists && ncols == 8 && v.n == 8) {
		for (i = 0; i < 7 && !rc; i++)
			rc = set_field(info, cols[i], v.v[i]);
		info->expired = strcmp(v.v[7], "0") != 0;
		info->held = !info->expired;
	}
	aurmig__strv_clear(&v);
	return rc;
}

static int read_get_lock(aurmig_conn *c, aurmig_lock_info *info, const char *name)
{
	aurmig__strv v = { 0 };
	aurmig__buf b;
	size_t ncols = 0;
	char *sql;
	int rc;

	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_puts(&b, "SELECT CAST(IS_USED_LOCK(CONCAT(");
	aurmig__db_quote(&b, c->dialect, name);
	aurmig__buf_puts(&b, ", '@', DATABASE())) AS CHAR), CONCAT(@@hostname, ':', @@port)");
	if (!(sql = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	rc = c->ops->query_cells(c, sql, &v, &ncols);
	free(sql);
	if (!rc && ncols == 2 && v.n == 2 && *v.v[0]) {
		char *id = v.v[0];
		info->held = 1;
		if (!(rc = set_field(info, AURMIG_LOCKINFO_CONNECTION, id)))
			rc = set_field(info, AURMIG_LOCKINFO_NODE, v.v[1]);
		if (!rc && strspn(id, "0123456789") == strlen(id)) {
			/* who: only with the PROCESS privilege, or the same user */
			aurmig__strv p = { 0 };
			size_t pc = 0;
			sql = aurmig__printf(c->ctx, "SELECT USER, HOST FROM information_schema.PROCESSLIST WHERE ID = %s", id);
			if (!sql)
				rc = AURMIG_ENOMEM;
			else {
				aurmig__err_hold(c->ctx);
				if (!c->ops->query_cells(c, sql, &p, &pc) && pc == 2 && p.n == 2) {
					if (!(rc = set_field(info, AURMIG_LOCKINFO_USER, p.v[0])))
						rc = set_field(info, AURMIG_LOCKINFO_HOST, p.v[1]);
				}
				aurmig__err_release(c->ctx);
				aurmig__err_clear(c->ctx);
				free(sql);
			}
			aurmig__strv_clear(&p);
		}
	}
	aurmig__strv_clear(&v);
	return rc;
}

static int read_advisory(aurmig_conn *c, aurmig_lock_info *info, const char *name)
{
	unsigned long long key = (unsigned long long)aurmig__lock_key(name);
	aurmig__strv v = { 0 };
	size_t ncols = 0;
	char *sql;
	int rc;

	sql = aurmig__printf(c->ctx, "SELECT CAST(l.pid AS TEXT), COALESCE(HOST(a.client_addr), 'local'), "
		"COALESCE(CAST(a.usename AS TEXT), ''), COALESCE(CAST(a.backend_start AT TIME ZONE 'UTC' AS TEXT), '') "
		"FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
		"AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
		"AND l.classid = CAST(%llu AS oid) AND l.objid = CAST(%llu AS oid) AND l.objsubid = 1",
		key >> 32, key & 0xffffffffull);
	if (!sql)
		return AURMIG_ENOMEM;
	rc = c->ops->query_cells(c, sql, &v, &ncols);
	free(sql);
	if (!rc && ncols == 4 && v.n >= 4) {
		info->held = 1;
		if (!(rc = set_field(info, AURMIG_LOCKINFO_CONNECTION, v.v[0])) &&
		    !(rc = set_field(info, AURMIG_LOCKINFO_HOST, v.v[1])) &&
		    !(rc = set_field(info, AURMIG_LOCKINFO_USER, v.v[2])))
			rc = set_field(info, AURMIG_LOCKINFO_ACQUIRED_AT, v.v[3]);
	}
	aurmig__strv_clear(&v);
	return rc;
}

/* SQLite: the flock() holder's pid, as Linux lists it in /proc/locks. */
static int flock_pid(aurmig_lock_info *info, const char *path)
{
	struct stat st;
	char line[256];
	FILE *f;
	int rc = AURMIG_OK;

	if (stat(path, &st) != 0 || !(f = fopen("/proc/locks", "re")))
		return AURMIG_OK;
	while (fgets(line, sizeof(line), f)) {
		char type[16], mode[16];
		unsigned int maj, min;
		unsigned long ino;
		long pid;
		if (sscanf(line, "%*d: %15s %*s %15s %ld %x:%x:%lu", type, mode, &pid, &maj, &min, &ino) != 6)
			continue;   /* "->" lines are waiters */
		if (strcmp(type, "FLOCK") != 0 || strcmp(mode, "WRITE") != 0 || ino != (unsigned long)st.st_ino ||
		    maj != (unsigned int)major(st.st_dev) || min != (unsigned int)minor(st.st_dev))
			continue;
		{
			char num[32];
			snprintf(num, sizeof(num), "%ld", pid);
			rc = set_field(info, AURMIG_LOCKINFO_PID, num);
		}
		break;
	}
	fclose(f);
	return rc;
}

static int read_flock(aurmig_conn *c, aurmig_lock_info *info)
{
	char *path = NULL;
	int held = 0, rc;

	if (!c->sqlite_path)
		return AURMIG_OK;
	if ((rc = aurmig__lock_file_path(c, &path)))
		return rc;
	rc = set_field(info, AURMIG_LOCKINFO_NAME, path);
	if (!rc)
		rc = aurmig__lock_probe(c, &held);
	if (!rc && held) {
		info->held = 1;
		rc = flock_pid(info, path);
	}
	free(path);
	return rc;
}

int aurmig_lock_info_new(aurmig_lock_info **out, aurmig_conn *c)
{
	aurmig_lock_info *info;
	char name[96];
	int rc;

	if (!out || !c)
		return AURMIG_EINVALID;
	*out = NULL;
	aurmig__err_clear(c->ctx);
	if (!(info = aurmig__calloc(c->ctx, 1, sizeof(*info))))
		return AURMIG_ENOMEM;
	info->ctx = aurmig__context_ref(c->ctx);
	aurmig__lock_name(c, name);
	if (c->dialect == AURMIG_DIALECT_SQLITE)
		info->kind = AURMIG_LOCK_KIND_FLOCK;
	else if (c->dialect == AURMIG_DIALECT_PGSQL)
		info->kind = AURMIG_LOCK_KIND_ADVISORY;
	else
		info->kind = aurmig__lease_wanted(c) ? AURMIG_LOCK_KIND_LEASE : AURMIG_LOCK_KIND_GET_LOCK;
	rc = AURMIG_OK;
	if (info->kind != AURMIG_LOCK_KIND_FLOCK) {
		if (info->kind == AURMIG_LOCK_KIND_ADVISORY) {
			char key[32];
			snprintf(key, sizeof(key), "%lld", aurmig__lock_key(name));
			rc = set_field(info, AURMIG_LOCKINFO_NAME, key);
		} else
			rc = set_field(info, AURMIG_LOCKINFO_NAME, name);
	}
	/* Galera: see the cluster's last committed lease */
	if (!rc)
		rc = aurmig__db_causal_reads(c);
	if (!rc) {
		switch (info->kind) {
		case AURMIG_LOCK_KIND_LEASE: rc = read_lease(c, info, name); break;
		case AURMIG_LOCK_KIND_GET_LOCK: rc = read_get_lock(c, info, name); break;
		case AURMIG_LOCK_KIND_ADVISORY: rc = read_advisory(c, info, name); break;
		default: rc = read_flock(c, info); break;
		}
	}
	if (rc) {
		aurmig_lock_info_free(info);
		return rc;
	}
	if (c->locked) {
		info->mine = 1;
		info->held = 1;
	}
	aurmig__err_clear(c->ctx);
	*out = info;
	return AURMIG_OK;
}

/* "owner (host h, pid p, node n, last heartbeat t UTC, expires t UTC)", or the session's. */
static char *describe(aurmig_context *ctx, const aurmig_lock_info *i)
{
	const char *const *f = (const char *const *)i->field;
#define F(k) (f[k] ? f[k] : "?")
	if (i->kind == AURMIG_LOCK_KIND_LEASE)
		return aurmig__printf(ctx, "%s (host %s, pid %s, node %s, last heartbeat %s UTC, expires %s UTC)",
			F(AURMIG_LOCKINFO_OWNER), F(AURMIG_LOCKINFO_HOST), F(AURMIG_LOCKINFO_PID),
			F(AURMIG_LOCKINFO_NODE), F(AURMIG_LOCKINFO_HEARTBEAT_AT), F(AURMIG_LOCKINFO_EXPIRES_AT));
	if (i->kind == AURMIG_LOCK_KIND_FLOCK)
		return f[AURMIG_LOCKINFO_PID] ? aurmig__printf(ctx, "process %s", f[AURMIG_LOCKINFO_PID])
			: aurmig__strdup(ctx, "another process");
	if (f[AURMIG_LOCKINFO_CONNECTION])
		return aurmig__printf(ctx, "%s %s (user %s, client %s)",
			i->kind == AURMIG_LOCK_KIND_ADVISORY ? "backend" : "connection", f[AURMIG_LOCKINFO_CONNECTION],
			F(AURMIG_LOCKINFO_USER), F(AURMIG_LOCKINFO_HOST));
	return aurmig__strdup(ctx, "another session");
#undef F
}

/* The lease holder's process runs on this host (a stalled run, not a dead one). */
static int holder_alive_here(const aurmig_lock_info *i)
{
	char host[256];
	const char *h = i->field[AURMIG_LOCKINFO_HOST], *p = i->field[AURMIG_LOCKINFO_PID];
	long pid;

	if (!h || !p || gethostname(host, sizeof(host)) != 0)
		return 0;
	host[sizeof(host) - 1] = '\0';
	if (strcmp(h, host) != 0 || (pid = strtol(p, NULL, 10)) <= 0)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

static int break_lease(aurmig_conn *c, const aurmig_lock_info *i, int force, const char *who)
{
	unsigned long long n = 0;
	aurmig__buf b;
	char *sql;
	int rc;

	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_puts(&b, "DELETE FROM " LEASE_TABLE " WHERE name = ");
	aurmig__db_quote(&b, c->dialect, i->field[AURMIG_LOCKINFO_NAME]);
	aurmig__buf_puts(&b, " AND owner = ");
	aurmig__db_quote(&b, c->dialect, i->field[AURMIG_LOCKINFO_OWNER] ? i->field[AURMIG_LOCKINFO_OWNER] : "");
	if (!force)
		aurmig__buf_puts(&b, " AND expires_at < UTC_TIMESTAMP(6)");
	if (!(sql = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	rc = c->ops->exec(c, sql, &n);
	free(sql);
	if (rc)
		return rc;
	if (n != 1)
		return aurmig__err(c->ctx, AURMIG_ELOCKED, AURMIG_ERRCLASS_DB,
			"the migration lease on %s changed while it was being broken (renewed, or taken over): "
			"nothing was broken; run 'aurmig lock' again", c->display_url);
	aurmig__log(c->ctx, AURMIG_LOG_WARNING, "broke the %smigration lease on %s held by %s",
		i->held ? "live " : "expired ", c->display_url, who);
	return AURMIG_OK;
}

static int break_session(aurmig_conn *c, const aurmig_lock_info *i, const char *who)
{
	const char *id = i->field[AURMIG_LOCKINFO_CONNECTION];
	long start = aurmig__now_ms();
	char *sql;
	int held = 1, rc;

	if (!id || !*id || strspn(id, "0123456789") != strlen(id))
		return aurmig__err(c->ctx, AURMIG_EUNSUPPORTED, AURMIG_ERRCLASS_DB,
			"the server does not tell which session holds the migration lock on %s: cannot break it",
			c->display_url);
	sql = c->dialect == AURMIG_DIALECT_PGSQL ?
		aurmig__printf(c->ctx, "SELECT CAST(pg_terminate_backend(%s) AS INTEGER)", id) :
		aurmig__printf(c->ctx, "KILL CONNECTION %s", id);
	if (!sql)
		return AURMIG_ENOMEM;
	if (c->dialect == AURMIG_DIALECT_PGSQL) {
		aurmig__strv v = { 0 };
		rc = c->ops->query(c, sql, &v);
		if (!rc && (v.n != 1 || strcmp(v.v[0], "1") != 0))
			rc = aurmig__err(c->ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB,
				"pg_terminate_backend(%s) did not end the session holding the migration lock on %s", id,
				c->display_url);
		aurmig__strv_clear(&v);
	} else
		rc = c->ops->exec(c, sql, NULL);
	free(sql);
	if (rc)
		return rc;
	/* the lock goes when the session has ended */
	while (!(rc = aurmig__lock_probe(c, &held)) && held && aurmig__now_ms() - start < BREAK_WAIT_MS)
		aurmig__sleep_ms(50);
	if (!rc && held)
		return aurmig__err(c->ctx, AURMIG_ELOCKED, AURMIG_ERRCLASS_DB,
			"killed %s, but the migration lock on %s is still held after %d s", who, c->display_url,
			BREAK_WAIT_MS / 1000);
	if (!rc)
		aurmig__log(c->ctx, AURMIG_LOG_WARNING, "broke the migration lock on %s: killed the session of %s",
			c->display_url, who);
	return rc;
}

int aurmig_lock_break(aurmig_conn *c, int force, aurmig_lock_info **previous)
{
	aurmig_lock_info *i = NULL;
	char *who;
	int rc;

	if (previous)
		*previous = NULL;
	if (!c)
		return AURMIG_EINVALID;
	if (c->locked)
		return aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"this connection holds the migration lock itself: release it instead of breaking it");
	if ((rc = aurmig_lock_info_new(&i, c)))
		return rc;
	if (!i->held && !i->expired) {   /* nothing to break */
		if (previous)
			*previous = i;
		else
			aurmig_lock_info_free(i);
		return AURMIG_OK;
	}
	if (!(who = describe(c->ctx, i))) {
		aurmig_lock_info_free(i);
		return AURMIG_ENOMEM;
	}
	if (i->kind == AURMIG_LOCK_KIND_LEASE) {
		if (!force && i->held)
			rc = aurmig__err(c->ctx, AURMIG_EINPROGRESS, AURMIG_ERRCLASS_DB,
				"the migration lease on %s is held by %s and has not expired: its run is alive (or "
				"stalled in a statement); wait for it, or break it with --force", c->display_url, who);
		else if (!force && holder_alive_here(i))
			rc = aurmig__err(c->ctx, AURMIG_EINPROGRESS, AURMIG_ERRCLASS_DB,
				"the migration lease on %s expired, but its holder %s is still running on this host: "
				"its run is alive (stalled in a statement longer than --lock-lease?); stop it, or break "
				"the lease with --force", c->display_url, who);
		else
			rc = break_lease(c, i, force, who);
	} else if (!force)
		rc = aurmig__err(c->ctx, AURMIG_EINPROGRESS, AURMIG_ERRCLASS_DB,
			"the migration lock on %s is held by %s: a session lock ends with its session, so its run "
			"is alive; wait for it, or break it with --force (which kills that session)", c->display_url, who);
	else if (i->kind == AURMIG_LOCK_KIND_FLOCK)
		rc = aurmig__err(c->ctx, AURMIG_EUNSUPPORTED, AURMIG_ERRCLASS_OS,
			"the migration lock on %s is an flock() held by %s: it cannot be broken from outside; stop "
			"that process (the lock ends with it)", c->display_url, who);
	else
		rc = break_session(c, i, who);
	free(who);
	if (!rc && previous)
		*previous = i;
	else
		aurmig_lock_info_free(i);
	if (!rc)
		aurmig__err_clear(c->ctx);
	return rc;
}
