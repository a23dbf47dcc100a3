/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aurmig's journal table, beside alembic_version (which keeps Alembic's
 * shape): one row per step run, with its progress, outcome, checksum and
 * who ran it. It is what makes a failed migration on a database without
 * transactional DDL (MySQL/MariaDB) recoverable, and what checksums are
 * compared against.
 */
#ifndef AURMIG_JOURNAL_H
#define AURMIG_JOURNAL_H

#include "db/db.h"

/* Outcomes. */
#define AURMIG__J_RUNNING "running"         /* started; still running, or the run died */
#define AURMIG__J_SUCCESS "success"
#define AURMIG__J_ROLLED_BACK "rolled-back" /* failed and rolled back: nothing remains */
#define AURMIG__J_FAILED "failed"           /* failed with partial changes: needs recovery */
#define AURMIG__J_INTERRUPTED "interrupted" /* the run died; the database rolled it back */
#define AURMIG__J_RESOLVED "resolved"       /* a failed step an operator then resolved */
#define AURMIG__J_CANCELLED "cancelled"     /* announced but never started */
/* MySQL/MariaDB: a later step of a run, written when the run starts; the
 * step before it turns it into "running" in its own last statement. A run
 * that died leaves its later steps so: never started (the next run's gate
 * deletes them; a run that fails or stops deletes its own). */
#define AURMIG__J_QUEUED "queued"

/* One journal row as read back. Strings are "" when NULL in the table. */
typedef struct aurmig__jrow {
	char *run_id;
	long seq;
	char *revision;
	char *operation;     /* upgrade, downgrade, stamp, resume, mark-applied, mark-rolled-back, accept */
	char *from_revs;     /* space-separated */
	char *to_revs;
	char *checksum;
	long total;
	long done;
	char *outcome;
	int atomic;          /* 1: ran in a transaction that a crash rolls back */
	char *error;
	char *started_at;
	char *finished_at;
	char *host;
	char *os_user;
	long pid;
} aurmig__jrow;

typedef struct aurmig__jrows {
	aurmig__jrow *v;
	size_t n;
} aurmig__jrows;

/* What a new row says. */
typedef struct aurmig__jentry {
	const char *run_id;
	long seq;
	const char *revision;
	const char *operation;
	const aurmig__strv *from;
	const aurmig__strv *to;
	const char *checksum;   /* may be NULL */
	long total;
	long done;
	const char *outcome;
	int atomic;
	const char *error;      /* may be NULL */
} aurmig__jentry;

int aurmig__journal_exists(aurmig_conn *c, int *exists);
int aurmig__journal_ensure(aurmig_conn *c);
int aurmig__journal_insert(aurmig_conn *c, const aurmig__jentry *e);
/* The row's VALUES tuple "(...)" appended to b (failures are kept in b), with
 * the time of this call: rows collected this way are written together by
 * aurmig__journal_insert_values (values: tuples separated by ", "). */
void aurmig__journal_values(aurmig__buf *b, aurmig_conn *c, const aurmig__jentry *e);
int aurmig__journal_insert_values(aurmig_conn *c, const char *values);
/* Set done (and outcome/error/finished_at when outcome is not NULL) of one
 * row, which must have the outcome expect. Anything but exactly one row
 * changed is AURMIG_ECONFLICT, with a message that says the row or the whole
 * journal table vanished (dropped, deleted or changed by someone else). */
int aurmig__journal_update(aurmig_conn *c, const char *run_id, long seq, long done,
	const char *outcome, const char *error, const char *expect);
/* Set done and the progress note (the error column of a running row: a
 * batched statement's "[batch ...]", docs/script-format.md) of one row whose
 * outcome is expect (errors as above). */
int aurmig__journal_progress(aurmig_conn *c, const char *run_id, long seq, long done, const char *note,
	const char *expect);
/* Set the outcome of one row whose outcome is expect (errors as above). */
int aurmig__journal_set_outcome(aurmig_conn *c, const char *run_id, long seq, const char *outcome,
	const char *expect);
/* Record a row's end (e's done, outcome and error) where it was expect; if the
 * row or the table vanished, the journal is made again and e inserted anew so
 * the outcome is not lost, and the AURMIG_ECONFLICT is returned all the same. */
int aurmig__journal_finish(aurmig_conn *c, const aurmig__jentry *e, const char *expect);
/* Rows matching an SQL condition (may be NULL), oldest first. A missing table reads as none. */
int aurmig__journal_read(aurmig_conn *c, const char *where, aurmig__jrows *out);
void aurmig__journal_rows_clear(aurmig__jrows *rows);
/* The rows that record the checksum a revision was applied with, and the
 * rows that block every run until recovered (an SQL condition each). */
#define AURMIG__J_CHECKSUM_ROWS "(outcome = '" AURMIG__J_SUCCESS "' AND checksum IS NOT NULL AND " \
	"checksum <> '' AND operation IN ('upgrade', 'resume', 'mark-applied', 'accept', 'init'))"
#define AURMIG__J_RECOVERY_ROWS "(outcome = '" AURMIG__J_FAILED "' OR (outcome = '" AURMIG__J_RUNNING \
	"' AND is_atomic = 0))"
/* Only some columns (cols, ncols of them) of the rows matching where (may be
 * NULL), oldest first, every cell pushed row by row. Reading few columns
 * matters: libdbd-sqlite3 looks up the type of each result column with a
 * PRAGMA of its own. A missing table reads as none. */
int aurmig__journal_select(aurmig_conn *c, const char *cols, size_t ncols, const char *where,
	aurmig__strv *cells);
/* The recorded checksums (AURMIG__J_CHECKSUM_ROWS), oldest first, as
 * revision/checksum pairs (pairs->v[2i], pairs->v[2i + 1]). */
int aurmig__journal_read_checksums(aurmig_conn *c, aurmig__strv *pairs);

/* MySQL/MariaDB: the step's version change (from -> to, one row; from NULL:
 * none), its journal row's success (run_id, seq, running -> success, done)
 * and, when next >= 0, the next step's row (queued -> running, started now)
 * in one multi-table UPDATE: *merged is 1 when all the rows matched. When
 * none did (a row or the version moved), nothing changed and *merged is 0:
 * the caller makes the changes apart, and their errors say which vanished.
 * Elsewhere *merged is 0 and nothing runs. */
int aurmig__journal_success_with_version(aurmig_conn *c, const char *run_id, long seq, long done,
	const char *from, const char *to, long next, int *merged);
/* A queued row (run_id, seq) starts: running, started now (one row must change). */
int aurmig__journal_start(aurmig_conn *c, const char *run_id, long seq);
/* Every queued row of the run deleted (any number of rows): steps that
 * never started leave no row, as before rows were written ahead. */
int aurmig__journal_drop_queued(aurmig_conn *c, const char *run_id);

/* A fresh random run id (32 hex digits). */
int aurmig__journal_run_id(char out[33]);

/* Does the row record a downgrade? A step row says so in its operation; a
 * recovery row (resume, mark-*) by where its revision goes, so the direction
 * survives any number of failed resumes. */
int aurmig__journal_row_downgrade(const aurmig__jrow *j);

#endif
