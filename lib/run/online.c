/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Online DDL on MariaDB/MySQL at deploy time (docs/script-format.md,
 * "Online DDL on MariaDB"). An ALTER TABLE, CREATE INDEX or DROP INDEX
 * without an ALGORITHM=/LOCK= of its own is tried with db/online.c's
 * non-blocking forms (INSTANT; NOCOPY, INPLACE, COPY with LOCK=NONE), the
 * first the server accepts runs; a refusal changes nothing.
 *
 * - With --online (aurmig_plan_options.online) or a script's
 *   `-- aurmig:online required`: every such statement; when the server
 *   refuses every form, the statement fails, naming the table and the
 *   server's words, before anything of it ran.
 * - Without: only a statement on a table whose copy would block writes for
 *   at least warn_blocking_ms (its size in information_schema over
 *   COPY_BYTES_PER_S); when the server refuses every form, the step's
 *   warning is filled in and announced (AURMIG_PROGRESS_WARNING), and the
 *   statement runs as written (MariaDB then does what it would have done
 *   anyway: it picks the cheapest algorithm by itself). Other statements
 *   run as written, as before.
 */
#include <stdlib.h>
#include <string.h>

#include "db/online.h"
#include "run/plan_priv.h"
#include "schema/ddl.h"

/*
 * How fast MariaDB copies a table (ALGORITHM=COPY: rows read, written and
 * every index rebuilt), in bytes of information_schema's DATA_LENGTH +
 * INDEX_LENGTH per second. Measured with `ALTER TABLE t FORCE,
 * ALGORITHM=COPY` on bench/aurgen.py's data at scale 0.2 (MariaDB 10.11.19,
 * the test server's settings, 2 shared cores, rotational disk, load 3-6):
 * PackageVotes 21.5 MB in 0.60-1.42 s, PackageDepends 15.8 MB in 0.60-1.02 s,
 * Users 8.2 MB in 0.22 s, Packages 4.7 MB in 0.18 s, PackageComments 4.2 MB
 * in 0.31 s: 13-37 MB/s, 25 the middle. Issue 20's scale-1 stall on
 * PackageVotes (3.0-3.6 s for about 100 MB) agrees. For an estimate only: a
 * faster server copies faster, a table with more indexes slower.
 */
#define COPY_BYTES_PER_S 25e6

void aurmig__step_warning_clear(aurmig_step *s)
{
	aurmig_step_warning *w = &s->warning;

	free((char *)w->message);
	free((char *)w->table);
	free((char *)w->refusal);
	memset(w, 0, sizeof(*w));
}

int aurmig__online_wanted(const aurmig_plan *p, const aurmig_step *s)
{
	if (p->conn->dialect != AURMIG_DIALECT_MYSQL || !s->mig)
		return 0;
	return p->opts.online || s->mig->online_required || p->opts.warn_blocking_ms >= 0;
}

/* The tables' sizes, once per plan: table, rows, bytes. */
static int read_sizes(aurmig_plan *p)
{
	size_t ncols = 0;
	int rc;

	if (p->sizes_read)
		return AURMIG_OK;
	rc = p->conn->ops->query_cells(p->conn, "SELECT TABLE_NAME, COALESCE(TABLE_ROWS, 0), "
		"COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) FROM information_schema.TABLES "
		"WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'", &p->sizes, &ncols);
	if (!rc && ncols != 3 && p->sizes.n)
		aurmig__strv_clear(&p->sizes);
	if (!rc)
		p->sizes_read = 1;
	return rc;
}

/* The table's rows and bytes (0 when not known: created by this plan). */
static void size_of(const aurmig_plan *p, const char *table, double *rows, double *bytes)
{
	*rows = *bytes = 0;
	for (size_t i = 0; i + 2 < p->sizes.n; i += 3)
		if (!strcmp(p->sizes.v[i], table) || (!*rows && !strcasecmp(p->sizes.v[i], table))) {
			*rows = strtod(p->sizes.v[i + 1], NULL);
			*bytes = strtod(p->sizes.v[i + 2], NULL);
		}
}

/* n with thousands separators ("1,000,000") into buf. */
static void thousands(char *buf, size_t size, double n)
{
	char digits[32];
	size_t len, o = 0;

	snprintf(digits, sizeof(digits), "%.0f", n < 0 ? 0 : n);
	len = strlen(digits);
	for (size_t i = 0; i < len && o + 2 < size; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

/* Fill in the step's warning and announce it. */
static int warn(aurmig_plan *p, aurmig_step *s, const aurmig__alter *a, const char *refusal, int line,
	double rows, double bytes, double seconds)
{
	aurmig_step_warning *w = &s->warning;
	const char *algorithm, *lock;
	char nrows[32], size[32], secs[32];

	aurmig__alter_remains(refusal, &algorithm, &lock);
	aurmig__step_warning_clear(s);
	thousands(nrows, sizeof(nrows), rows);
	if (bytes >= 1e6)
		snprintf(size, sizeof(size), "%.0f MB", bytes / 1e6);
	else
		snprintf(size, sizeof(size), "%.0f kB", bytes / 1e3);
	snprintf(secs, sizeof(secs), seconds >= 10 ? "%.0f" : "%.1f", seconds);
	w->table = aurmig__strdup(p->ctx, a->table);
	w->refusal = aurmig__strdup(p->ctx, refusal ? refusal : "");
	if (!strcmp(algorithm, "COPY"))
		w->message = aurmig__printf(p->ctx, "%s: ALGORITHM=COPY, writes blocked \xe2\x89\x88%s s (%s rows, %s)",
			a->table, secs, nrows, size);
	else
		w->message = aurmig__printf(p->ctx, "%s: ALGORITHM=%s, LOCK=%s, writes blocked \xe2\x89\x88%s s "
			"(%s rows, %s)", a->table, algorithm, lock, secs, nrows, size);
	if (!w->table || !w->refusal || !w->message) {
		aurmig__step_warning_clear(s);
		return aurmig__oom(p->ctx);
	}
	w->algorithm = algorithm;
	w->lock = lock;
	w->file = s->mig->path;
	w->line = line;
	w->rows = rows;
	w->bytes = bytes;
	w->seconds = seconds;
	s->nwarnings++;
	if (p->opts.progress && p->opts.progress(p->opts.progress_payload, s, AURMIG_PROGRESS_WARNING))
		return aurmig__err(p->ctx, AURMIG_EUSER, AURMIG_ERRCLASS_CALLBACK,
			"stopped by the progress callback before the statement that blocks writes to %s", a->table);
	return AURMIG_OK;
}

/* One statement, prepared. */
static int exec_one(aurmig_plan *p, aurmig_step *s, const char *sql, size_t len, int line)
{
	int online = p->opts.online || s->mig->online_required;
	double rows = 0, bytes = 0, seconds = 0;
	char *refusal = NULL;
	aurmig__alter a;
	int rc, accepted, syntax;

	if ((rc = aurmig__alter_prepare(&a, p->ctx, sql, len)))
		return rc;
	if (!a.kind || a.own_clause)
		goto as_written;
	if (!online) {
		/* only where a copy would matter: the size first (one query per plan) */
		if ((rc = read_sizes(p)))
			goto out;
		size_of(p, a.table, &rows, &bytes);
		seconds = bytes / COPY_BYTES_PER_S;
		if (p->opts.warn_blocking_ms < 0 || (p->opts.warn_blocking_ms > 0 &&
		    seconds * 1000.0 < (double)p->opts.warn_blocking_ms))
			goto as_written;
	}
	rc = aurmig__alter_try(p->conn, &a, NULL, AURMIG__ALTER_ONLINE, &accepted, &refusal, &syntax);
	if (rc && syntax && !online)
		goto as_written;   /* the statement takes no such clause: as before */
	if (rc && syntax) {
		aurmig__err_saved k;
		aurmig__err_save(p->ctx, &k);
		rc = aurmig__err(p->ctx, rc, AURMIG_ERRCLASS_DB, "%s (online DDL appended ALGORITHM=INSTANT: MariaDB "
			"takes no ALGORITHM/LOCK clause on this statement, so aurmig cannot tell whether it blocks "
			"writes; run it without --online / 'online required')", k.message ? k.message : "syntax error");
		aurmig__err_restore_details(p->ctx, &k);
		goto out;
	}
	if (rc || accepted >= 0)
		goto out;   /* an error of the statement itself, or it ran online */
	if (online) {
		const char *algorithm, *lock;
		aurmig__alter_remains(refusal, &algorithm, &lock);
		rc = aurmig__err(p->ctx, AURMIG_EUNSUPPORTED, AURMIG_ERRCLASS_DB,
			"online DDL: MariaDB cannot change table %s without blocking writes (it would need ALGORITHM=%s"
			"%s%s); it said: %s. Nothing of the statement ran. Run it off-peak without --online (the script "
			"without 'online required'), or write it so that it needs no copy",
			*a.table ? a.table : "?", algorithm, strcmp(algorithm, "COPY") ? ", LOCK=" : "",
			strcmp(algorithm, "COPY") ? lock : "", refusal ? refusal : "every form was refused");
		goto out;
	}
	if ((rc = warn(p, s, &a, refusal, line, rows, bytes, seconds)))
		goto out;
as_written:
	aurmig__err_clear(p->ctx);   /* a refused form's error is not the statement's */
	{
		/* the text as the script has it, not the copy trimmed for a clause */
		char *one = aurmig__strndup(p->ctx, sql, len);
		rc = one ? p->conn->ops->exec(p->conn, one, NULL) : AURMIG_ENOMEM;
		free(one);
	}
out:
	free(refusal);
	aurmig__alter_clear(&a);
	return rc;
}

int aurmig__online_exec(aurmig_plan *p, aurmig_step *s, const char *sql, size_t len, int line)
{
	return exec_one(p, s, sql, len, line);
}

int aurmig__online_exec_ddl(aurmig_plan *p, aurmig_step *s, const struct aurmig__ddl *op, int line)
{
	aurmig__strv v = { 0 };
	int rc;

	/* on MySQL, aurmig__ddl_exec renders and runs each statement: the same, each through exec_one */
	if ((rc = aurmig__ddl_render(&v, op, AURMIG_DIALECT_MYSQL, NULL, s->mig->path, line)))
		return rc;
	for (size_t i = 0; !rc && i < v.n; i++)
		rc = exec_one(p, s, v.v[i], strlen(v.v[i]), line);
	aurmig__strv_clear(&v);
	return rc;
}
