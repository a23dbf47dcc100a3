/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lease lock for MariaDB Galera (docs/clusters.md). GET_LOCK is local to
 * one node under Galera, so the deploy lock is a committed row instead:
 *
 *   aurmig_lock(name PRIMARY KEY, owner, host, pid, node,
 *               acquired_at, heartbeat_at, expires_at)   (UTC, server clock)
 *
 * acquired by an INSERT committed on its own (a concurrent insert on another
 * node loses certification, 1213, or hits the key, 1062: "held"), taken over
 * only when expired (UPDATE ... WHERE name = ? AND expires_at < now, one
 * row changed), renewed by an owner-checked UPDATE before every statement
 * and inside every version-row transaction (a run whose lease was taken
 * over fails there, or loses certification at COMMIT, before its version
 * row moves), released by an owner-checked DELETE.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/lease.h"
#include "db/waits.h"

#define LEASE_TABLE "aurmig_lock"
#define POLL_MS 100


static long lease_seconds(const aurmig_conn *c)
{
	return c->lease_s > 0 ? c->lease_s : AURMIG__LEASE_DEFAULT_S;
}

int aurmig_conn_set_cluster(aurmig_conn *c, int lock_mode, long lease_seconds_, int allow_non_toi)
{
	if (!c)
		return AURMIG_EINVALID;
	aurmig__err_clear(c->ctx);
	if (lock_mode < AURMIG_LOCK_AUTO || lock_mode > AURMIG_LOCK_LEASE)
		return aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "unknown lock mode %d", lock_mode);
	if (c->locked)
		return aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"the deploy lock is held: change the cluster settings before taking it");
	c->lock_mode = lock_mode;
	c->lease_s = lease_seconds_ > 0 ? lease_seconds_ : 0;
	c->allow_non_toi = allow_non_toi != 0;
	return AURMIG_OK;
}

int aurmig__db_wsrep(aurmig_conn *c, int *on)
{
	aurmig__strv v = { 0 };

	*on = 0;
	if (c->dialect != AURMIG_DIALECT_MYSQL || c->offline)
		return AURMIG_OK;
	if (c->wsrep < 0) {
		/* MySQL has no wsrep_on: no Galera */
		aurmig__err_hold(c->ctx);
		if (c->ops->query(c, "SELECT CAST(@@global.wsrep_on AS CHAR)", &v))
			c->wsrep = 0;
		else
			c->wsrep = v.n == 1 && (!strcmp(v.v[0], "1") || !strcmp(v.v[0], "ON"));
		aurmig__err_release(c->ctx);
		aurmig__strv_clear(&v);
	}
	*on = c->wsrep;
	return AURMIG_OK;
}

int aurmig__db_causal_reads(aurmig_conn *c)
{
	char sync[32];
	int on = 0, rc;

	if (c->causal || aurmig__db_wsrep(c, &on) || !on)
		return AURMIG_OK;
	/* a node outside the primary component would make a causal read wait
	 * for its timeout (1205), and a plain one answer stale: say why instead */
	if ((rc = aurmig__db_galera_node(c, "wsrep_sync_wait", sync, sizeof(sync),
			"is not part of the cluster's primary component or not synced",
			"what it holds may be stale; ask a synced node of the primary component")))
		return rc;
	if (!(strtol(sync, NULL, 10) & 1) && (rc = c->ops->exec(c, "SET SESSION wsrep_sync_wait = 1", NULL)))
		return rc;
	c->causal = 1;
	return AURMIG_OK;
}

int aurmig__lease_wanted(aurmig_conn *c)
{
	int on = 0;

	if (c->dialect != AURMIG_DIALECT_MYSQL || c->lock_mode == AURMIG_LOCK_SESSION)
		return 0;
	if (c->lock_mode == AURMIG_LOCK_LEASE)
		return 1;
	aurmig__db_wsrep(c, &on);
	return on;
}

static void lease_name(const aurmig_conn *c, char name[96])
{
	size_t i;

	snprintf(name, 96, "aurmig:%s", c->version_table);
	for (i = 7; name[i]; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			name[i] = (char)(name[i] - 'A' + 'a');
}

/* "WHERE name = '<name>'" */
static void put_where(aurmig__buf *b, const aurmig_conn *c)
{
	char name[96];

	lease_name(c, name);
	aurmig__buf_puts(b, " WHERE name = ");
	aurmig__db_quote(b, c->dialect, name);
}

static void put_owner_check(aurmig__buf *b, const aurmig_conn *c)
{
	put_where(b, c);
	aurmig__buf_puts(b, " AND owner = ");
	aurmig__db_quote(b, c->dialect, c->lease_owner);
}

static int make_owner(aurmig_conn *c, char *host, size_t hsize)
{
	struct timespec ts;

	if (gethostname(host, hsize) != 0)
		snprintf(host, hsize, "unknown");
	host[hsize - 1] = '\0';
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(c->lease_owner, sizeof(c->lease_owner), "%.40s:%ld:%lx.%lx", host, (long)getpid(),
		(unsigned long)ts.tv_sec, (unsigned long)ts.tv_nsec);
	return AURMIG_OK;
}

/* Run sql; on failure *code gets the driver's error number and the error
 * record is cleared (the caller decides what it means). */
static int try_exec(aurmig_conn *c, const char *sql, unsigned long long *affected, int *code)
{
	int rc;

	*code = 0;
	if (affected)
		*affected = 0;
	aurmig__err_clear(c->ctx);
	rc = c->ops->exec(c, sql, affected);
	if (rc) {
		*code = c->ctx->err.db_code;
		if (!*code)
			return rc;   /* not the server's: out of memory, lost connection */
		aurmig__err_clear(c->ctx);
	}
	return AURMIG_OK;
}

static int ensure_table(aurmig_conn *c)
{
	return c->ops->exec(c, "CREATE TABLE IF NOT EXISTS " LEASE_TABLE " ("
		"name VARCHAR(96) NOT NULL PRIMARY KEY, owner VARCHAR(80) NOT NULL, host VARCHAR(255) NOT NULL, "
		"pid BIGINT NOT NULL, node VARCHAR(255) NOT NULL, acquired_at DATETIME(6) NOT NULL, "
		"heartbeat_at DATETIME(6) NOT NULL, expires_at DATETIME(6) NOT NULL) ENGINE=InnoDB", NULL);
}

/* The holder as a phrase: "owner (host h, pid p, node n, heartbeat at t)". */
static char *holder(aurmig_conn *c)
{
	aurmig__strv v = { 0 };
	size_t ncols = 0;
	aurmig__buf b;
	char *out;

	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_puts(&b, "SELECT owner, host, CAST(pid AS CHAR), node, CAST(heartbeat_at AS CHAR), "
		"CAST(expires_at AS CHAR) FROM " LEASE_TABLE);
	put_where(&b, c);
	if (!(out = aurmig__buf_detach(&b)))
		return NULL;
	aurmig__err_hold(c->ctx);
	if (c->ops->query_cells(c, out, &v, &ncols) || ncols != 6 || v.n != 6) {
		free(out);
		out = aurmig__strdup(c->ctx, "an unknown holder");
	} else {
		free(out);
		out = aurmig__printf(c->ctx, "%s (host %s, pid %s, node %s, last heartbeat %s UTC, expires %s UTC)",
			v.v[0], v.v[1], v.v[2], v.v[3], v.v[4], v.v[5]);
	}
	aurmig__err_release(c->ctx);
	aurmig__strv_clear(&v);
	return out;
}

/* One attempt: insert, else take over an expired row. *got = 1 when ours. */
static int try_once(aurmig_conn *c, int *got, const char *host)
{
	char name[96];
	aurmig__buf b;
	unsigned long long n = 0;
	char *sql, *prev;
	int code, rc;

	*got = 0;
	lease_name(c, name);
	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_puts(&b, "INSERT INTO " LEASE_TABLE " (name, owner, host, pid, node, acquired_at, "
		"heartbeat_at, expires_at) VALUES (");
	aurmig__db_quote(&b, c->dialect, name);
	aurmig__buf_puts(&b, ", ");
	aurmig__db_quote(&b, c->dialect, c->lease_owner);
	aurmig__buf_puts(&b, ", ");
	aurmig__db_quote(&b, c->dialect, host);
	aurmig__buf_printf(&b, ", %ld, CONCAT(@@hostname, ':', @@port), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), "
		"UTC_TIMESTAMP(6) + INTERVAL %ld SECOND)", (long)getpid(), lease_seconds(c));
	if (!(sql = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	rc = try_exec(c, sql, NULL, &code);
	if (!rc && code == 1146) {   /* no table yet */
		if ((rc = ensure_table(c))) {
			free(sql);
			return rc;
		}
		rc = try_exec(c, sql, NULL, &code);
	}
	free(sql);
	if (rc)
		return rc;
	if (!code) {
		*got = 1;
		return AURMIG_OK;
	}
	if (code != 1062 && code != 1213 && code != 1205)
		return aurmig__err(c->ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB,
			"taking the lease lock in " LEASE_TABLE " failed (error %d)", code);
	/* held: take it over only when it expired */
	prev = holder(c);
	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_puts(&b, "UPDATE " LEASE_TABLE " SET owner = ");
	aurmig__db_quote(&b, c->dialect, c->lease_owner);
	aurmig__buf_puts(&b, ", host = ");
	aurmig__db_quote(&b, c->dialect, host);
	aurmig__buf_printf(&b, ", pid = %ld, node = CONCAT(@@hostname, ':', @@port), acquired_at = UTC_TIMESTAMP(6), "
		"heartbeat_at = UTC_TIMESTAMP(6), expires_at = UTC_TIMESTAMP(6) + INTERVAL %ld SECOND",
		(long)getpid(), lease_seconds(c));
	put_where(&b, c);
	aurmig__buf_puts(&b, " AND expires_at < UTC_TIMESTAMP(6)");
	if (!(sql = aurmig__buf_detach(&b))) {
		free(prev);
		return AURMIG_ENOMEM;
	}
	rc = try_exec(c, sql, &n, &code);
	free(sql);
	if (!rc && !code && n == 1) {
		*got = 1;
		aurmig__log(c->ctx, AURMIG_LOG_WARNING, "took over the expired migration lease on %s from %s: "
			"that run stopped renewing it (crashed, killed, or stalled); check the journal "
			"(aurmig history) before trusting the database", c->display_url, prev ? prev : "its holder");
	} else if (!rc && code && code != 1213 && code != 1205)
		rc = aurmig__err(c->ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB,
			"taking over the lease lock in " LEASE_TABLE " failed (error %d)", code);
	free(prev);
	return rc;
}

int aurmig__lease_acquire(aurmig_conn *c, long timeout_ms)
{
	char host[256];
	long start = aurmig__now_ms();
	int got = 0, warned = 0, rc;

	if (c->in_tx)
		return aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"the lease lock is taken outside a transaction");
	make_owner(c, host, sizeof(host));
	for (;;) {
		if ((rc = try_once(c, &got, host)))
			return rc;
		if (got) {
			c->lease = 1;
			/* Galera: the reads that decide what to run see every write
			 * the cluster committed before (the previous holder's) */
			if (c->wsrep == 1 && (rc = aurmig__db_causal_reads(c))) {
				aurmig__lease_release(c);
				return rc;
			}
			if (warned)
				aurmig__log(c->ctx, AURMIG_LOG_INFO, "got the migration lease after %.1f s",
					(double)(aurmig__now_ms() - start) / 1000.0);
			return AURMIG_OK;
		}
		if (timeout_ms >= 0 && aurmig__now_ms() - start >= timeout_ms) {
			char *who = holder(c);
			rc = aurmig__err(c->ctx, AURMIG_ELOCKED, AURMIG_ERRCLASS_DB,
				"timed out after %.1f s waiting for the migration lease on %s: held by %s "
				"(use --lock-timeout to wait longer)",
				(double)timeout_ms / 1000.0, c->display_url, who ? who : "another run");
			free(who);
			return rc;
		}
		if (!warned) {
			char *who = holder(c);
			aurmig__log(c->ctx, AURMIG_LOG_WARNING, "waiting for the migration lease on %s: held by %s",
				c->display_url, who ? who : "another run");
			free(who);
			warned = 1;
		}
		aurmig__sleep_ms(POLL_MS);
	}
}

int aurmig__lease_renew(aurmig_conn *c)
{
	aurmig__buf b;
	unsigned long long n = 0;
	char *sql;
	int rc;

	if (!c->lease)
		return AURMIG_OK;
	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_printf(&b, "UPDATE " LEASE_TABLE " SET heartbeat_at = UTC_TIMESTAMP(6), "
		"expires_at = UTC_TIMESTAMP(6) + INTERVAL %ld SECOND", lease_seconds(c));
	put_owner_check(&b, c);
	if (!(sql = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	rc = c->ops->exec(c, sql, &n);
	free(sql);
	if (!rc && n == 0) {
		char *who = holder(c);
		rc = aurmig__err(c->ctx, AURMIG_ELOCKED, AURMIG_ERRCLASS_DB,
			"the migration lease on %s was taken over by %s: this run stopped renewing it in time "
			"(a statement longer than --lock-lease?) and stops here, before its version change",
			c->display_url, who ? who : "another run");
		free(who);
		c->lease = 0;   /* not ours: never released by us */
		c->locked = 0;
	}
	return rc;
}

void aurmig__lease_release(aurmig_conn *c)
{
	aurmig__buf b;
	char *sql;

	if (!c->lease)
		return;
	c->lease = 0;
	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_puts(&b, "DELETE FROM " LEASE_TABLE);
	put_owner_check(&b, c);
	if (!(sql = aurmig__buf_detach(&b)))
		return;
	aurmig__err_hold(c->ctx);
	if (c->in_tx)
		aurmig__db_rollback(c);
	if (c->ops->exec(c, sql, NULL))
		aurmig__log(c->ctx, AURMIG_LOG_WARNING, "releasing the migration lease failed (it expires on its own)");
	aurmig__err_release(c->ctx);
	free(sql);
}

int aurmig__lease_probe(aurmig_conn *c, int *held)
{
	aurmig__strv rows = { 0 };
	aurmig__buf b;
	char *sql;
	int exists = 0, rc;

	*held = 0;
	aurmig__buf_init(&b, c->ctx);
	aurmig__buf_puts(&b, "SELECT CAST(COUNT(*) AS CHAR) FROM " LEASE_TABLE);
	put_where(&b, c);
	aurmig__buf_puts(&b, " AND expires_at >= UTC_TIMESTAMP(6)");
	if (!(sql = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	rc = aurmig__db_query_table(c, LEASE_TABLE, sql, &rows, &exists);
	free(sql);
	if (!rc && exists && rows.n == 1)
		*held = strcmp(rows.v[0], "0") != 0;
	aurmig__strv_clear(&rows);
	return rc;
}
