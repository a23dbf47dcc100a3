/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lease lock for MariaDB Galera clusters (lease.c, docs/clusters.md):
 * a committed row in aurmig_lock, where GET_LOCK is local to one node.
 * Used by db/lock.c when aurmig__lease_wanted() says so.
 */
#ifndef AURMIG_LEASE_H
#define AURMIG_LEASE_H

#include "db/db.h"

/* The lease length when none is set: longer than aurweb's slowest statement. */
#define AURMIG__LEASE_DEFAULT_S 600L

/* *on = 1 on a MariaDB node with wsrep_on (cached on the connection). */
int aurmig__db_wsrep(aurmig_conn *c, int *on);
/* 1 when the deploy lock on c is the lease (lock mode, or wsrep_on). */
int aurmig__lease_wanted(aurmig_conn *c);
/* Take the lease, waiting up to timeout_ms (< 0: forever); AURMIG_ELOCKED on timeout. */
int aurmig__lease_acquire(aurmig_conn *c, long timeout_ms);
/* Renew the lease if this connection holds one (a no-op otherwise); in an
 * open transaction the renewal commits with it. AURMIG_ELOCKED when another
 * run took it over: nothing more may be written. */
int aurmig__lease_renew(aurmig_conn *c);
/* Owner-checked DELETE (errors only logged: the lease expires anyway). */
void aurmig__lease_release(aurmig_conn *c);
/* Whether an unexpired lease row exists (read-only; no table: not held). */
int aurmig__lease_probe(aurmig_conn *c, int *held);

/* On a Galera node, make this session's reads causal (wsrep_sync_wait
 * with its read bit, unless it has it already): a read-only verb that
 * decides (check, current, status, lock) sees every write the cluster
 * committed before it, not only what this node has applied. A no-op
 * elsewhere. */
int aurmig__db_causal_reads(aurmig_conn *c);

#endif
