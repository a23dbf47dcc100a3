/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aurmig lint (docs/lint.md): the rule table and report (report.c), the
 * statement rules (rules.c) and the driver over a script's sections
 * (lint.c). Above schema (portable sections are rendered with ddl.c),
 * below run.
 */
#ifndef AURMIG_LINT_PRIV_H
#define AURMIG_LINT_PRIV_H

#include "base/internal.h"
#include "graph/script.h"
#include <aurmig/lint.h>

/* Rule ids: indices into aurmig__lint_rules (report.c), in that order. */
enum {
	R_D101, R_D102, R_D103, R_D104, R_D105, R_D106, R_D107,
	R_C101, R_C102, R_C103, R_C104,
	R_M101, R_M102, R_M103, R_M104, R_M105, R_M106,
	R_L101, R_L102, R_L104, R_L105, R_L106, R_L107, R_L108, R_L109, R_L110,
	R_T101, R_T104, R_T105, R_T106,
	R_P101, R_P102, R_P103, R_P104, R_P109,
	R_X101, R_X103, R_X104, R_X106,
	/* added later (issue 16, second part); kept after the first ones so
	 * the table's order of the first rules does not change */
	R_L103, R_L111, R_T102, R_T103, R_P105, R_P106, R_P107, R_P108, R_P110, R_P111, R_P112, R_X105, R_L112,
	/* --probe on MariaDB and SQLite */
	R_X102,
	R__COUNT
};

typedef struct aurmig__lint_rule {
	const char *code;
	int severity;          /* default */
	const char *dialects;  /* "all" or dialect names */
	const char *summary;   /* what it flags */
	const char *why;
	const char *good;      /* what to do instead */
} aurmig__lint_rule;

extern const aurmig__lint_rule aurmig__lint_rules[R__COUNT];

struct aurmig_lint_options {
	aurmig_context *ctx;
	unsigned dialects;          /* bit 1 << dialect; 0: the script's own */
	int check_down;
	signed char severity[R__COUNT];   /* -1: the rule's default */
	struct aurmig__lint_ignore {
		char *revision;         /* NULL: every revision */
		char *codes;            /* "" : every rule */
		char *reason;
	} *ignores;
	size_t nignores;
	int online;                 /* rolling deploy: C and blocking L rules escalate */
	int version[4];             /* server version per dialect, major*100+minor; 0 unknown */
	struct aurmig__lint_large {
		char *table;            /* lower case */
		long long rows;         /* -1 unknown */
	} *large;
	size_t nlarge;
	long long large_rows;       /* a listed table with fewer rows is not large; 0: every listed one */
	char *name_re[4];           /* P108: table, column, index, constraint (POSIX ERE), or NULL */
	struct aurmig__lint_live *live;  /* --live: the target database (live.c), or NULL; its cache changes
	                                  * while lint reads (the options stay the caller's) */
};

typedef struct aurmig__lint_live aurmig__lint_live;
/* With --live and no --large-table-rows: a measured table this big is large. */
#define AURMIG__LINT_LIVE_LARGE 1000000LL

enum { NAME_TABLE, NAME_COLUMN, NAME_INDEX, NAME_CONSTRAINT };

/* A suppression in force while a section is linted. */
typedef struct aurmig__nolint {
	int line;          /* directive line (0 for a configured one) */
	int target;        /* statement line it covers; 0: the whole file */
	const char *codes; /* borrowed; "" every rule */
	size_t codes_len;
	const char *reason;   /* borrowed, may be NULL */
	size_t reason_len;
	int used;
	int seen;          /* its section was linted */
	int config;        /* from aurmig_lint_options_ignore() */
} aurmig__nolint;

/* One section being linted for one dialect, with what earlier statements
 * of it did (tables created, columns added, ...). */
typedef struct aurmig__lint_scope {
	aurmig_lint_report *rep;
	const aurmig_lint_options *opts;
	aurmig_context *ctx;
	const char *file, *revision;
	int dialect, direction, transactional;
	aurmig__nolint *nl;
	size_t nnl;
	aurmig__strv created;    /* tables created earlier in the section (lower case) */
	aurmig__strv rebuilt;    /* tables a later ALTER ... RENAME TO replaces (hand-written rebuild) */
	aurmig__strv renamed_from; /* rebuild copies renamed onto a dropped table */
	aurmig__strv replaced;   /* tables of `rebuilt` already dropped */
	aurmig__strv altered;    /* existing tables altered so far (L105) */
	aurmig__strv added;      /* "table.column" added */
	aurmig__strv added_null; /* "table.column" added nullable, without default: NULL in every row */
	aurmig__strv backfilled; /* "table.column" set where NULL */
	aurmig__strv made;       /* names the section creates (T106); made_line beside */
	aurmig__idxv made_line;
	int ddl_line, dml_line, mixed;
	int destroys;            /* line of the first statement that deletes rows or columns (X106) */
	aurmig__strv indexes;    /* "name|table|u|c1,c2" (u: unique or primary, i: other) known in the section (P105, P106, P112) */
	aurmig__strv fks;        /* "table|c1,c2" foreign keys on new columns (P112); fk_line beside */
	aurmig__idxv fk_line;
	aurmig__strv dropped;    /* tables dropped earlier in the section (P106) */
	aurmig__strv coltypes;   /* "table.column\ttype\tcharset" of columns added or retyped earlier (D105); the last wins */
	int lock_bound;          /* a SET of lock_wait_timeout / lock_timeout in the section (T103) */
	int lock_unbound;        /* ... that sets it to 0, line */
	int t103_done;
	long lock_wait_ms;       /* the script's lock_wait header, -1 none (T103) */
	int online_required;     /* the script's `-- aurmig:online required`: as --online for it */
	size_t stmt_index, nstmts; /* the statement's index in the section, their number (T102) */
	char table[128];         /* the table the statement changes (lower case), "" unknown */
	char probe_version[48];  /* the scratch server's version (run/probe.c) */
	/* the statement being checked */
	int line, col;
	const char *stmt;
	size_t stmt_len;
	/* --live: what the next finding carries (live.c sets it around one emit) */
	int live_set;
	long long live_rows, live_bytes, live_violations;   /* -1 not known */
	int live_estimate;
	char live_unknown[200];  /* why a count is not known, or "" */
	int l101_line;           /* L101 reported for this statement */
	const char *l101_stmt;
	int rc;                  /* first failure (out of memory) */
} aurmig__lint_scope;

struct aurmig_lint_finding {
	int rule, severity, line, col, suppressed;
	long long live_rows, live_bytes, live_violations;   /* --live; -1 not measured */
	int live_estimate;
	char *live_unknown;      /* why live could not answer, or NULL */
	unsigned dialects;
	char *file, *revision, *message, *statement, *reason;
	char dialect_names[24];
};

struct aurmig_lint_report {
	aurmig_context *ctx;
	aurmig_lint_finding *v;
	size_t n, cap;
};

/* report.c */
int aurmig__lint_rule_find(const char *code, size_t n);
/* Record a finding of rule at the scope's statement; severity -1 for the
 * rule's default. Applies the options' severity and the suppressions. */
void aurmig__lint_emit(aurmig__lint_scope *s, int rule, int severity, const char *fmt, ...) AURMIG__PRINTF(4, 5);
/* 1 when a code list (codes and classes) names rule. */
int aurmig__lint_codes_match(const char *codes, size_t n, int rule);
/* The first word of a code list that names no rule or class, or NULL. */
const char *aurmig__lint_codes_unknown(const char *codes, size_t n, size_t *len);

/* rules.c */
/* Check one statement (sql[0..len), file line/column of its start). */
void aurmig__lint_statement(aurmig__lint_scope *s, const char *sql, size_t len, int line, int col);
/* Before the statements of a section: tables a later `ALTER TABLE x RENAME
 * TO t` replaces (the hand-written rebuild). */
void aurmig__lint_prescan(aurmig__lint_scope *s, const char *sql, size_t len);
/* Identifiers of sql (lower case) pushed on out (for T106). */
int aurmig__lint_idents(aurmig__strv *out, aurmig_context *ctx, const char *sql, size_t len);
void aurmig__lint_scope_clear(aurmig__lint_scope *s);
/* After the last statement of a section: the rules that need all of it (P112). */
void aurmig__lint_section_end(aurmig__lint_scope *s);
/* The listed large table `table` (lower case): 1 and its rows (-1 unknown) in *rows. */
int aurmig__lint_large(const aurmig_lint_options *o, const char *table, long long *rows);

/* lint.c: the suppressions of m (its nolint lines, the options' ignores of
 * it), as lint collects them: a statement's nolint has target -1 until the
 * caller sets the line of the statement it covers. Caller frees *nl. */
int aurmig__lint_collect_nolint(aurmig_context *ctx, const aurmig_migration *m, const aurmig_lint_options *opts,
	aurmig__nolint **nl, size_t *nnl);
/* lint.c: read and parse the script at path (outside any graph). */
int aurmig__lint_read_script(aurmig_migration **out, aurmig_context *ctx, const char *path);

/* live.c (--live) */
int aurmig__lint_live_new(aurmig__lint_live **out, aurmig_context *ctx, aurmig_conn *conn, long timeout_ms);
void aurmig__lint_live_free(aurmig__lint_live *L);
/* The live database's dialect, or -1 without one. */
int aurmig__lint_live_dialect(const aurmig__lint_live *L);
/* The measured size of an existing table of the statement (this dialect):
 * 1 and rows, bytes (-1 not known), *estimate; 0 when not measured. */
int aurmig__lint_live_size(aurmig__lint_scope *s, const char *table, long long *rows, long long *bytes, int *estimate);
/* Is `table` large: measured with --live (then *measured, and the scope's
 * live fields are set for the finding), else from --large-table. */
int aurmig__lint_large_at(aurmig__lint_scope *s, const char *table, long long *rows, int *measured);

#endif
