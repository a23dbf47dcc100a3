/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The backend seam. A connection runs SQL through an ops table: the libdbi
 * implementation (db.c) for real databases, or a fake in unit tests. The
 * planner and the graph never see it; the executor and the version table
 * code use only these calls and the per-dialect SQL below.
 */
#ifndef AURMIG_DB_H
#define AURMIG_DB_H

#include "base/internal.h"

typedef struct aurmig__db_ops {
	/* Run one statement; *affected (may be NULL) gets the row count.
	 * Errors are recorded on the context with class DB, the driver's code
	 * and the statement. */
	int (*exec)(aurmig_conn *c, const char *sql, unsigned long long *affected);
	/* Run a query; push the first column of every row (NULL as ""). */
	int (*query)(aurmig_conn *c, const char *sql, aurmig__strv *rows);
	void (*close)(aurmig_conn *c);
	/* Run a query; push every cell, row by row (NULL as ""); *ncols gets
	 * the number of columns. Integers are formatted in decimal. */
	int (*query_cells)(aurmig_conn *c, const char *sql, aurmig__strv *cells, size_t *ncols);
} aurmig__db_ops;

struct aurmig_conn {
	int refs;                    /* the caller's, plus one per plan using it */
	aurmig_context *ctx;
	const aurmig__db_ops *ops;
	void *impl;
	int dialect;
	char *display_url;
	const char *version_table;   /* "alembic_version", or version_table_buf */
	char version_table_buf[64];
	aurmig__strv current;        /* rows of the last aurmig_conn_read_current */
	int in_tx;
	char *sqlite_path;           /* SQLite: the database file (for the deploy lock) */
	const char *journal_table;   /* the version table's journal: "aurmig_journal", or journal_table_buf */
	char journal_table_buf[64];  /* "aurmig_journal_<version table>" */
	int lock_fd;                 /* SQLite deploy lock: flock()ed file, -1 when none */
	int locked;                  /* the deploy lock is held */
	int offline;                 /* recording connection: CREATE TABLE IF NOT EXISTS */
	long timeout_ms;             /* aurmig_conn_set_timeout(): the session's wait bound, 0 when none */
	int lock_mode;               /* aurmig_lock_mode (aurmig_conn_set_cluster) */
	long lease_s;                /* lease length in seconds (0: the default, 600) */
	int allow_non_toi;           /* Galera: migrate even when wsrep_OSU_method is not TOI */
	int wsrep;                   /* MySQL/MariaDB: -1 not known yet, 0 no Galera, 1 wsrep_on */
	int causal;                  /* Galera: wsrep_sync_wait has the read bit on this session */
	int stmt_settings;           /* MariaDB: SET STATEMENT ... FOR works, -1 not tried yet, 0 refused */
	long read_timeout_ms;        /* aurmig_status_new's bound, carried by the state read itself */
	int lease;                   /* the deploy lock held is the lease row (db/lease.c) */
	char lease_owner[80];        /* this run's owner id in the lease row */
	/* who writes the journal rows (host, OS user), looked up on the first row:
	 * getpwuid_r reads /etc/passwd each time (7 system calls a row) */
	int ident_done;
	int ident_has_user;
	char ident_host[256];
	char ident_user[256];
	unsigned long statements;    /* statements sent to the server (tests count round trips) */
};

/* Open through libdbi from parsed settings (lib/ini/settings.h). */
struct aurmig__settings;
int aurmig__db_open(aurmig_conn *c, const struct aurmig__settings *s);

/* Kinds of wait failure, from the driver's code and message (0: none). */
enum {
	AURMIG__WAIT_NONE = 0,
	AURMIG__WAIT_LOCK = 1,       /* a lock wait timed out (retryable) */
	AURMIG__WAIT_DEADLOCK = 2,   /* chosen as a deadlock victim (retryable) */
	AURMIG__WAIT_STATEMENT = 3,  /* the statement ran past its timeout (not retried) */
	AURMIG__WAIT_BUSY = 4        /* SQLite: the database is locked (retryable) */
};
int aurmig__db_wait_kind(int dialect, int db_code, const char *msg);
/* SQLite through libdbi: set the busy timeout (a no-op elsewhere). */
int aurmig__db_sqlite_busy_timeout(aurmig_conn *c, long ms);

/* Make a connection object around ops (used by aurmig_conn_open and by tests). */
int aurmig__conn_new(aurmig_conn **out, aurmig_context *ctx, int dialect, const char *display_url,
	const aurmig__db_ops *ops, void *impl);

/* Plans keep their connection alive until they are freed (free in any order). */
aurmig_conn *aurmig__conn_ref(aurmig_conn *c);

/* Transactions, spelled per dialect. */
int aurmig__db_begin(aurmig_conn *c);
int aurmig__db_commit(aurmig_conn *c);
int aurmig__db_rollback(aurmig_conn *c);   /* keeps the error already recorded */
/* Does a table exist (in the current database/schema)? name must be a plain identifier. */
int aurmig__db_table_exists(aurmig_conn *c, const char *name, int *exists);
/* Run sql, a SELECT from `table`, which may not exist: then *exists is 0
 * and no rows are read (query: first column of each row; _cells: every cell). */
int aurmig__db_query_table(aurmig_conn *c, const char *table, const char *sql, aurmig__strv *rows,
	int *exists);
int aurmig__db_query_table_cells(aurmig_conn *c, const char *table, const char *sql, aurmig__strv *cells,
	size_t *ncols, int *exists);
/* Around the creation of a bookkeeping table (take 1 before, 0 after; the
 * caller looks again for the table once it holds it): on PostgreSQL, where
 * concurrent CREATE TABLE IF NOT EXISTS of one name can still fail, an
 * advisory lock: for the transaction when one is open (so it is released
 * only once the table is visible), else for the session until take 0.
 * Nothing elsewhere: MariaDB's and SQLite's IF NOT EXISTS suffice. The
 * release keeps the error already recorded. */
int aurmig__db_create_guard(aurmig_conn *c, int take);
/* Can a query that names tables which may not exist be sent as it is, a
 * missing table read from the error (aurmig__db_try_query_cells)? Not on the
 * unit tests' fake backend, nor inside a PostgreSQL transaction (a failed
 * statement aborts it): look the tables up first there. */
int aurmig__db_can_try(const aurmig_conn *c);
/* Run sql (every cell, as query_cells); when it fails because one of the
 * ntables tables does not exist, *missing is that table's index, no error is
 * recorded and AURMIG_OK returned; else *missing is ntables. Only where
 * aurmig__db_can_try. */
int aurmig__db_try_query_cells(aurmig_conn *c, const char *sql, aurmig__strv *cells, size_t *ncols,
	const char *const *tables, size_t ntables, size_t *missing);
/* Run sql, a statement that may fail for want of a privilege or of syntax
 * (SHOW REPLICA STATUS): cells holds the result's column names (ncols of
 * them) and then its rows, cell by cell. When the statement fails, *db_code
 * is the server's error code (-1 when unknown), no error is recorded and
 * AURMIG_OK returned; 0 when it ran. Only where aurmig__db_can_try (else
 * nothing is sent: *db_code -1). */
int aurmig__db_try_query_named(aurmig_conn *c, const char *sql, aurmig__strv *cells, size_t *ncols,
	int *db_code);
/* Names of the tables of the current database/schema. */
int aurmig__db_list_tables(aurmig_conn *c, aurmig__strv *out);
/* Run the statement built in b (detached and freed; a failed build is ENOMEM). */
int aurmig__db_exec_buf(aurmig_conn *c, aurmig__buf *b);
/* Append s as a quoted SQL string literal for the connection's dialect. */
int aurmig__db_quote(aurmig__buf *b, int dialect, const char *s);

#endif
