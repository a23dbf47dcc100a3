/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One migration script: header fields and SQL sections (private layout). */
#ifndef AURMIG_SCRIPT_H
#define AURMIG_SCRIPT_H

#include "base/internal.h"

#define AURMIG__NDIALECTS 4   /* ANY, SQLITE, MYSQL, PGSQL */
#define AURMIG__MAX_ID 32     /* VARCHAR(32) of alembic_version.version_num */
#define AURMIG__CHECKSUM_SIZE 68  /* "v1:" + 64 hex digits + NUL */
#define AURMIG__MAX_BATCH 1000000 /* largest `-- aurmig:batch` size */
#define AURMIG__MAX_BATCH_KEY 64  /* longest key column name of a batch directive */

typedef struct aurmig__section {
	int present;
	char cut;        /* the byte of text[offset + len] before the NUL ending the body */
	size_t offset;   /* body start in text */
	size_t len;
	int line;        /* file line of the body's first line */
	int directive_line;
	int portable;    /* `-- aurmig:upgrade portable`: the common section, in portable DDL */
} aurmig__section;

struct aurmig_migration {
	const aurmig_graph *graph;   /* owner, set by the graph */
	char *path;                  /* in the migration's own allocation */
	char *id;
	char *message;
	char *create_date;
	char *data_loss;             /* `-- aurmig:irreversible <what>`: what a downgrade cannot restore, or NULL */
	aurmig__strv down;           /* down_revision ids, as written */
	aurmig__strv deps;           /* depends_on, as written (ids or labels) */
	aurmig__strv labels;         /* branch_labels declared here */
	int transactional;
	long lock_wait_ms;           /* `-- aurmig:lock_wait SECONDS`, or -1 when the header has none */
	int online_required;         /* `-- aurmig:online required`: online DDL on MariaDB (run/online.c) */
	char checksum[AURMIG__CHECKSUM_SIZE];   /* computed on first use: aurmig__script_checksum() */
	int checksum_done;
	int line_revision, line_down, line_deps, line_labels;
	char *text;                  /* whole file, NUL-terminated */
	size_t text_len;
	aurmig__section sections[2][AURMIG__NDIALECTS];   /* [direction-1][dialect] */

	/* filled in by graph.c (indices into the graph's topological array;
	 * the arrays are carved from the graph's pool and freed with it) */
	size_t idx;
	size_t file_order;
	size_t *parents;   size_t nparents;    /* versioned down revisions */
	size_t *deps_idx;  size_t ndeps;       /* resolved depends_on */
	size_t *norm;      size_t nnorm;       /* parents + normalized dependencies */
	size_t *children;  size_t nchildren;   /* versioned children */
	size_t *dependents; size_t ndependents; /* revisions depending on this one */
	aurmig__strv branches;                 /* labels that apply here, sorted */
};

/* One unit of a section's execution: a statement, or a hook call. The
 * statements of a hook's SQL default follow its hook item and run only
 * when no callback is registered for it. */
typedef struct aurmig__item {
	int hook;              /* 1: a hook call named name */
	size_t stmt;           /* statement index (hook == 0) */
	long in_default;       /* index of the hook item whose default this statement is, or -1 */
	int has_default;       /* hook: an SQL default follows */
	size_t ndefault;       /* hook: how many statement items form the default */
	char name[AURMIG__MAX_ID + 1];
	long batch;            /* `-- aurmig:batch N [key=COLUMN]` before the statement: N, else 0 */
	int batch_line;        /* file-relative line of that directive (section line 1 = 1) */
	char batch_key[AURMIG__MAX_BATCH_KEY + 1];   /* its key column, or "" */
} aurmig__item;

struct aurmig__stmt;
/* Items of a section: statements (from the splitter) and hook lines in order.
 * A `-- aurmig:batch` line sets batch/batch_key of the statement after it. */
int aurmig__script_items(aurmig__item **out, size_t *nout, aurmig_context *ctx, const char *sql,
	const struct aurmig__stmt *st, size_t n);

/* Parse one script. path is used in messages; text (len bytes, NUL at
 * text[len]) is taken over on success and on failure. basename is the
 * file name, checked against the revision id. */
int aurmig__script_parse(aurmig_migration **out, aurmig_context *ctx, const char *path,
	const char *basename, char *text, size_t len);
void aurmig__script_free(aurmig_migration *m);
/* 1 when the section that runs on dialect is a portable one. */
int aurmig__migration_portable(const aurmig_migration *m, int direction, int dialect);

/* The script's checksum (see checksum_text() in script.c), computed on
 * first use and kept: loading a graph hashes nothing. */
const char *aurmig__script_checksum(const aurmig_migration *m);

/* `-- aurmig:batch` value t[vs, ve): "N" or "N key=COLUMN". 0 when valid
 * (*n, key filled: key has AURMIG__MAX_BATCH_KEY + 1 bytes), else a static
 * sentence saying why not. */
const char *aurmig__batch_value(const char *t, size_t vs, size_t ve, long *n, char *key);

/* 1 when s is a valid revision id or branch label (see docs/script-format.md). */
int aurmig__ident_valid(const char *s, size_t n, const char **why);

#endif
