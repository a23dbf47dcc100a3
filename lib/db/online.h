/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MariaDB's ALTER algorithms, asked of the server (docs/script-format.md,
 * "Online DDL on MariaDB"; docs/lint.md, "Probe"): an ALTER TABLE, CREATE
 * INDEX or DROP INDEX is tried with ALGORITHM=... / LOCK=... clauses in
 * order of cost; a form MariaDB cannot do is refused with "... is not
 * supported ..." before anything changes, the first form it accepts has
 * run. Shared by the lint probe (run/probe.c, on a scratch database) and
 * the migrator (run/migrator.c, `--online` and the warning before a
 * blocking copy of a large table).
 */
#ifndef AURMIG_DB_ONLINE_H
#define AURMIG_DB_ONLINE_H

#include "db/db.h"

/* The kinds of statement that take the clauses. */
enum {
	AURMIG__ALTER_NONE = 0,   /* any other statement: runs as written */
	AURMIG__ALTER_TABLE = 1,  /* ALTER TABLE: clauses after a comma */
	AURMIG__ALTER_INDEX = 2   /* CREATE INDEX / DROP INDEX: clauses after a blank */
};

/* One form: the clause appended, and what it means. */
typedef struct aurmig__alter_form {
	const char *clause;     /* "ALGORITHM=NOCOPY, LOCK=NONE" */
	const char *algorithm;  /* "NOCOPY" */
	const char *lock;       /* "NONE" */
} aurmig__alter_form;

/* Every form, cheapest first: INSTANT; NOCOPY, INPLACE and COPY (MariaDB
 * 11.2+) with LOCK=NONE; then the blocking ones, INPLACE with LOCK=SHARED
 * and COPY. The first AURMIG__ALTER_ONLINE forms block no writes. */
extern const aurmig__alter_form aurmig__alter_forms[];
#define AURMIG__ALTER_NFORMS 6
#define AURMIG__ALTER_ONLINE 4

/* A statement made ready for the clauses: trailing blanks and comment lines
 * cut (they would swallow a clause), `DROP INDEX i ON t` as `ALTER TABLE t
 * DROP INDEX i` (MariaDB takes no ALGORITHM there). */
typedef struct aurmig__alter {
	char *sql;              /* owned */
	int kind;               /* AURMIG__ALTER_* */
	int own_clause;         /* the statement names ALGORITHM= or LOCK= itself */
	char table[128];        /* as written (quotes removed), "" when not known */
} aurmig__alter;

/* Prepare sql[0..len) (a copy is made). */
int aurmig__alter_prepare(aurmig__alter *a, aurmig_context *ctx, const char *sql, size_t len);
void aurmig__alter_clear(aurmig__alter *a);

/* The statement with form f's clause appended (caller frees), NULL when out of memory. */
char *aurmig__alter_with(aurmig_context *ctx, const aurmig__alter *a, const aurmig__alter_form *f);

/* 1 when the context's last error is MariaDB refusing an algorithm or lock
 * ("... is not supported for this operation", "... is not supported.
 * Reason: ..."): the statement changed nothing. */
int aurmig__alter_refused(aurmig_context *ctx);

/*
 * Try n forms of aurmig__alter_forms in turn: those order names (indexes),
 * or with order NULL the first n. *accepted: the index of
 * the form the server took (it ran), or -1 when it refused all (nothing
 * changed; *refusal then holds the server's words, owned by the caller:
 * those for the last INPLACE form tried, which say what remains, "... Try
 * ALGORITHM=COPY", else the last refusal). Returns AURMIG_OK in both
 * cases; any other failure of a form is returned with its error on the
 * context (*syntax = 1 when the server took no such clause at all).
 */
int aurmig__alter_try(aurmig_conn *c, const aurmig__alter *a, const int *order, size_t n, int *accepted,
	char **refusal, int *syntax);

/* What a refusal says remains ("... Try ALGORITHM=COPY" or "Try
 * LOCK=SHARED"): *algorithm and *lock (static strings). */
void aurmig__alter_remains(const char *refusal, const char **algorithm, const char **lock);

#endif
