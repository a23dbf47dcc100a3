/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Lint: the rules, the options, the report and its findings (docs/lint.md). */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <regex.h>

#include <aurmig/lint.h>
#include "lint/lint_priv.h"

#define E AURMIG_LINT_ERROR
#define W AURMIG_LINT_WARNING
#define I AURMIG_LINT_INFO

const aurmig__lint_rule aurmig__lint_rules[R__COUNT] = {
	[R_D101] = { "D101", E, "all", "DROP TABLE of a table the revision did not create",
		"the table's rows are gone; a downgrade cannot bring them back",
		"stop using the table in one release, drop it in a later one (and keep a backup)" },
	[R_D102] = { "D102", E, "all", "DROP COLUMN of an existing column",
		"the column's values are gone, and code of the running release that reads it fails",
		"stop reading the column in one release, drop it in a later one" },
	[R_D103] = { "D103", E, "all", "DROP DATABASE / DROP SCHEMA",
		"everything in it is gone", "never from a migration" },
	[R_D104] = { "D104", E, "all", "TRUNCATE",
		"every row of the table is gone", "DELETE with a WHERE clause, or say so with a nolint and a reason" },
	[R_D105] = { "D105", W, "all", "column type change (MODIFY, CHANGE, ALTER COLUMN TYPE) of an existing column",
		"a narrower type (shorter string, smaller integer, other charset) truncates or rejects values",
		"check the old definition; widen only, or copy into a new column and verify first" },
	[R_D106] = { "D106", W, "all", "UPDATE or DELETE without WHERE",
		"it touches every row of the table", "add a WHERE clause, or a nolint saying every row is meant" },
	[R_D107] = { "D107", E, "mysql,pgsql", "DROP PARTITION / TRUNCATE PARTITION",
		"the partition's rows are gone", "archive the partition first" },
	[R_C101] = { "C101", W, "all", "table rename",
		"code of the running release still uses the old name until the deploy ends",
		"create the new table (or a view) and move the code over in steps" },
	[R_C102] = { "C102", W, "all", "column rename (RENAME COLUMN, CHANGE with a new name)",
		"code of the running release still uses the old name until the deploy ends",
		"add the new column, write both, backfill, switch reads, drop the old one later" },
	[R_C103] = { "C103", W, "all", "DROP COLUMN and ADD COLUMN on the same table in one revision",
		"probably a rename written as drop + add: the old values are lost",
		"use RENAME COLUMN / CHANGE, or copy the values before the drop" },
	[R_C104] = { "C104", I, "all", "DROP FOREIGN KEY",
		"rows that break the relation can be written from now on", "make sure the application keeps the relation" },
	[R_M101] = { "M101", W, "all", "UNIQUE index or constraint added to an existing table",
		"it fails when the table already holds duplicate values",
		"remove (or merge) duplicates first in the same revision, and check none exist" },
	[R_M102] = { "M102", W, "all", "ADD COLUMN ... NOT NULL without DEFAULT on an existing table",
		"PostgreSQL fails when rows exist, SQLite always; MariaDB fills an implicit 0, '' or zero date; "
		"code of the running release inserts without the column",
		"add the column with a DEFAULT (or nullable), backfill, then make it NOT NULL" },
	[R_M103] = { "M103", W, "all", "column made NOT NULL (MODIFY/CHANGE ... NOT NULL, SET NOT NULL)",
		"it fails (or on MariaDB without strict mode silently converts) where the column holds NULLs",
		"backfill first in the same revision: UPDATE t SET c = ... WHERE c IS NULL" },
	[R_M104] = { "M104", W, "all", "foreign key added to an existing table",
		"it fails when existing rows break it (orphans)",
		"delete or fix orphans first; on PostgreSQL add it NOT VALID and VALIDATE later" },
	[R_M105] = { "M105", W, "all", "primary key added or redefined on an existing table",
		"it fails on duplicate or NULL key values",
		"remove duplicates first in the same revision, and check none exist" },
	[R_M106] = { "M106", W, "all", "CHECK constraint added to an existing table",
		"MariaDB and PostgreSQL check the existing rows: it fails where one breaks it",
		"fix the rows first; on PostgreSQL add it NOT VALID and VALIDATE later" },
	[R_L101] = { "L101", W, "mysql", "ALTER that MariaDB runs as a table copy (ALGORITHM=COPY)",
		"writes to the table wait until the copy ends: minutes or hours on a big table",
		"run it off-peak, or with pt-online-schema-change; split out what can run INPLACE/INSTANT" },
	[R_L102] = { "L102", W, "mysql", "explicit ALGORITHM=COPY or LOCK=SHARED/EXCLUSIVE",
		"it blocks writes (or reads) for the length of the ALTER",
		"ask for ALGORITHM=INPLACE/INSTANT, LOCK=NONE, so MariaDB refuses instead of blocking" },
	[R_L104] = { "L104", I, "mysql", "ADD COLUMN ... FIRST / AFTER",
		"column reordering needs a table rebuild on older MariaDB versions", "add the column at the end" },
	[R_L105] = { "L105", I, "mysql", "several ALTER TABLE statements on the same table in one revision",
		"each one may copy the table again", "combine them into one ALTER TABLE" },
	[R_L106] = { "L106", W, "pgsql", "CREATE INDEX / DROP INDEX without CONCURRENTLY on an existing table",
		"it blocks writes to the table until the index is built",
		"CREATE INDEX CONCURRENTLY in a 'transaction off' revision" },
	[R_L107] = { "L107", E, "pgsql", "CONCURRENTLY inside a transactional revision",
		"PostgreSQL refuses CONCURRENTLY inside a transaction block: the revision fails",
		"put it in its own revision with '-- aurmig:transaction off'" },
	[R_L108] = { "L108", W, "pgsql", "foreign key or CHECK added without NOT VALID on an existing table",
		"validating every row holds a lock that blocks writes",
		"ADD ... NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later statement" },
	[R_L109] = { "L109", W, "pgsql", "PostgreSQL ALTER that rewrites or scans the table under an exclusive lock",
		"ALTER COLUMN TYPE and volatile defaults rewrite the table; SET NOT NULL and ADD PRIMARY KEY/UNIQUE scan it",
		"for NOT NULL: a CHECK (c IS NOT NULL) NOT VALID, VALIDATE, then SET NOT NULL; for keys: "
		"CREATE UNIQUE INDEX CONCURRENTLY, then ADD ... USING INDEX" },
	[R_L110] = { "L110", I, "sqlite", "SQLite table rebuild (new table, copy, drop, rename)",
		"the whole table is copied inside the step's transaction", "expected on SQLite; mind the time on a big table" },
	[R_T101] = { "T101", E, "all", "BEGIN, COMMIT, ROLLBACK, SAVEPOINT inside a section",
		"aurmig owns the transaction of a step: this commits or ends it early",
		"remove it; use '-- aurmig:transaction off' for statements that cannot run in a transaction" },
	[R_T104] = { "T104", W, "all", "DDL and DML mixed in a non-atomic step (any MySQL step, 'transaction off', or a batched statement)",
		"MariaDB commits at each DDL: a failure in between leaves the step half done (resume needed)",
		"put the data change in its own revision, or make each statement safe to re-run" },
	[R_T105] = { "T105", W, "all", "no downgrade section for a dialect the upgrade runs on",
		"the revision cannot be downgraded there",
		"write the downgrade, or '-- aurmig:irreversible' plus a downgrade that refuses" },
	[R_T106] = { "T106", W, "all", "the downgrade does not mention something the upgrade creates",
		"a downgrade that does not undo the upgrade leaves it behind", "drop (or rename back) what the upgrade made" },
	[R_P101] = { "P101", W, "all", "CREATE TABLE without a primary key",
		"replication, row-based tools and ORMs need one; InnoDB makes a hidden one", "declare a PRIMARY KEY" },
	[R_P102] = { "P102", W, "mysql", "utf8 / utf8mb3 character set or collation",
		"utf8mb3 holds no 4-byte characters (emoji) and is deprecated", "use utf8mb4" },
	[R_P103] = { "P103", W, "mysql", "storage engine other than InnoDB",
		"no transactions, no crash safety, no foreign keys", "ENGINE=InnoDB" },
	[R_P104] = { "P104", W, "mysql", "zero-date default ('0000-00-00')",
		"strict SQL modes refuse zero dates", "a real default, or NULL" },
	[R_P109] = { "P109", E, "mysql,pgsql", "identifier too long (more than 64 on MySQL, 63 on PostgreSQL)",
		"MySQL refuses it; PostgreSQL silently truncates it", "a shorter name" },
	[R_X101] = { "X101", E, "all", "a configured dialect has no section (own or common)",
		"the revision does nothing there, which is rarely meant", "add the section (an empty one says it is meant)" },
	[R_X103] = { "X103", I, "all", "hook without an SQL default",
		"without a registered callback the hook fails the step; CI cannot replay it",
		"give the hook an SQL default, or document how to map it" },
	[R_X104] = { "X104", W, "all", "nolint naming an unknown code, or suppressing nothing",
		"a stale suppression hides the next real finding", "remove it or fix its codes" },
	[R_X106] = { "X106", W, "all", "the upgrade deletes rows or columns, but the script has no '-- aurmig:irreversible'",
		"the downgrade cannot bring the data back, and without the marker nothing warns before it runs",
		"add '-- aurmig:irreversible <what a downgrade cannot restore>' to the header" },
	[R_L103] = { "L103", AURMIG_LINT_IGNORE, "mysql", "ALTER TABLE on an existing table without ALGORITHM= or LOCK= (on with --online)",
		"without them MariaDB silently picks a copy that blocks writes when the fast way is not possible",
		"add ALGORITHM=INSTANT (or NOCOPY/INPLACE), LOCK=NONE: MariaDB then refuses instead of blocking" },
	[R_L111] = { "L111", W, "all", "UPDATE or DELETE of a large table (--large-table) in a transactional step",
		"every touched row stays locked until the step commits, and the undo log grows with it",
		"batch it (a bounded WHERE per run, or a hook that commits per batch) in a 'transaction off' revision" },
	[R_T102] = { "T102", I, "mysql", "DDL without IF [NOT] EXISTS before the last statement of a non-atomic MySQL step",
		"when a later statement fails, this one stays done, and running the step again fails on it",
		"CREATE ... IF NOT EXISTS, ADD COLUMN IF NOT EXISTS, DROP ... IF EXISTS, so the step can be resumed" },
	[R_T103] = { "T103", W, "all", "no lock-wait bound for the DDL of this step ('-- aurmig:lock_wait 0' or a SET of 0)",
		"the ALTER waits for the lock behind a long transaction, and every query on the table queues behind it",
		"leave aurmig's bound on (--ddl-lock-wait, default 10 s) or set a finite '-- aurmig:lock_wait'" },
	[R_P105] = { "P105", W, "all", "redundant index: the same columns as, or a leading part of, another index of the table",
		"it costs writes and space and serves no query the other one does not",
		"drop the shorter (non-unique) index, or do not create it" },
	[R_P106] = { "P106", W, "all", "foreign key whose parent table (known from the section) has no unique key on the referenced columns, or was dropped",
		"MariaDB refuses it (or accepts a key that does not identify a row); PostgreSQL and SQLite refuse the reference",
		"reference the parent's primary key or a unique key on exactly those columns" },
	[R_P107] = { "P107", W, "all", "a reserved word (MariaDB or PostgreSQL) as a table or column name",
		"every query must quote it, and it breaks on the other dialect when not quoted",
		"a name that is not reserved" },
	[R_P108] = { "P108", AURMIG_LINT_IGNORE, "all", "a name that does not match [lint] name.table/column/index/constraint",
		"the project's naming convention is broken", "rename it to match the configured pattern" },
	[R_P110] = { "P110", AURMIG_LINT_IGNORE, "mysql", "integer display width (INT(11)); TINYINT(1) is not flagged",
		"the width does not limit the range, MySQL 8 deprecates it, and it misleads readers", "INT, BIGINT ... without a width" },
	[R_P111] = { "P111", AURMIG_LINT_IGNORE, "mysql", "FLOAT/DOUBLE, ENUM/SET or TIMESTAMP column",
		"floats round, ENUM/SET changes rebuild the table, TIMESTAMP ends in 2038 and converts by time zone",
		"DECIMAL, a lookup table or a CHECK, DATETIME (or a BIGINT epoch)" },
	[R_P112] = { "P112", W, "pgsql,sqlite", "foreign key on new columns without an index that starts with them",
		"each DELETE or key UPDATE of the parent scans the child table (MariaDB creates the index itself; PostgreSQL and SQLite do not)",
		"CREATE INDEX on the foreign-key columns in the same revision" },
	[R_L112] = { "L112", I, "mysql", "--probe: the ALGORITHM and LOCK a scratch MariaDB accepted for the statement",
		"what the server does, not a rule of thumb: LOCK=SHARED blocks writes, LOCK=NONE does not",
		"for SHARED: split the ALTER so each part runs INPLACE/INSTANT with LOCK=NONE, or run it off-peak" },
	[R_X102] = { "X102", W, "mysql,sqlite", "--probe: the mysql and sqlite sections of a revision leave different schemas",
		"the revision does not do the same on both databases: code or later revisions that rely on it break on one",
		"make the sections agree (schema diff's cross-backend mapping), or suppress with the reason it is meant" },
	[R_X105] = { "X105", I, "all", "a statement lint does not understand (nothing was checked)",
		"lint checks only the statements it knows: this one may lock or lose data unseen",
		"review it by hand, then suppress with a nolint and a reason" },
};

int aurmig__lint_rule_find(const char *code, size_t n)
{
	for (int i = 0; i < R__COUNT; i++)
		if (strlen(aurmig__lint_rules[i].code) == n && strncasecmp(aurmig__lint_rules[i].code, code, n) == 0)
			return i;
	return -1;
}

/* Each word of codes[0..n): calls back with its span; stops when fn returns nonzero. */
static int each_code(const char *codes, size_t n, int (*fn)(const char *, size_t, void *), void *p)
{
	size_t i = 0;

	while (i < n) {
		size_t s;
		while (i < n && (codes[i] == ' ' || codes[i] == '\t' || codes[i] == ','))
			i++;
		s = i;
		while (i < n && codes[i] != ' ' && codes[i] != '\t' && codes[i] != ',')
			i++;
		if (i > s && fn(codes + s, i - s, p))
			return 1;
	}
	return 0;
}

static int word_names(const char *w, size_t n, int rule)
{
	if (n == 1)
		return toupper((unsigned char)w[0]) == aurmig__lint_rules[rule].code[0];
	return aurmig__lint_rule_find(w, n) == rule;
}

static int match_cb(const char *w, size_t n, void *p)
{
	return word_names(w, n, *(int *)p);
}

int aurmig__lint_codes_match(const char *codes, size_t n, int rule)
{
	size_t i = 0;

	while (i < n && (codes[i] == ' ' || codes[i] == '\t' || codes[i] == ','))
		i++;
	if (i == n)
		return 1;   /* no codes: every rule */
	return each_code(codes, n, match_cb, &rule);
}

typedef struct unknown_at { const char *w; size_t n; } unknown_at;

static int unknown_cb(const char *w, size_t n, void *p)
{
	unknown_at *u = p;

	if (n == 1 && strchr("DCMLTPXdcmltpx", w[0]))
		return 0;
	if (aurmig__lint_rule_find(w, n) >= 0)
		return 0;
	u->w = w;
	u->n = n;
	return 1;
}

const char *aurmig__lint_codes_unknown(const char *codes, size_t n, size_t *len)
{
	unknown_at u = { NULL, 0 };

	each_code(codes, n, unknown_cb, &u);
	*len = u.n;
	return u.w;
}

/* ---------------------------------------------------------------- options */

int aurmig_lint_options_new(aurmig_lint_options **out, aurmig_context *ctx)
{
	aurmig_lint_options *o;

	if (!out || !ctx)
		return AURMIG_EINVALID;
	aurmig__err_clear(ctx);
	*out = NULL;
	if (!(o = aurmig__calloc(ctx, 1, sizeof(*o))))
		return AURMIG_ENOMEM;
	o->ctx = aurmig__context_ref(ctx);
	memset(o->severity, -1, sizeof(o->severity));
	*out = o;
	return AURMIG_OK;
}

void aurmig_lint_options_free(aurmig_lint_options *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->nignores; i++) {
		free(o->ignores[i].revision);
		free(o->ignores[i].codes);
		free(o->ignores[i].reason);
	}
	free(o->ignores);
	for (size_t i = 0; i < o->nlarge; i++)
		free(o->large[i].table);
	free(o->large);
	for (int i = 0; i < 4; i++)
		free(o->name_re[i]);
	aurmig__lint_live_free(o->live);
	aurmig__context_unref(o->ctx);
	free(o);
}

int aurmig_lint_options_add_dialect(aurmig_lint_options *o, int dialect)
{
	if (!o)
		return AURMIG_EINVALID;
	aurmig__err_clear(o->ctx);
	if (!aurmig__dialect_get(dialect))
		return aurmig__err(o->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"lint: dialect %d is not sqlite, mysql or pgsql", dialect);
	o->dialects |= 1u << dialect;
	return AURMIG_OK;
}

static int check_codes(aurmig_context *ctx, const char *codes)
{
	size_t n;
	const char *bad = codes ? aurmig__lint_codes_unknown(codes, strlen(codes), &n) : NULL;

	if (bad)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"lint: unknown rule code '%.*s' (see docs/lint.md)", (int)(n > 32 ? 32 : n), bad);
	return AURMIG_OK;
}

int aurmig_lint_options_set_severity(aurmig_lint_options *o, const char *codes, int severity)
{
	int rc;

	if (!o || !codes)
		return AURMIG_EINVALID;
	aurmig__err_clear(o->ctx);
	if (severity < AURMIG_LINT_IGNORE || severity > AURMIG_LINT_ERROR)
		return aurmig__err(o->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "lint: severity %d out of range", severity);
	if ((rc = check_codes(o->ctx, codes)))
		return rc;
	for (int r = 0; r < R__COUNT; r++)
		if (strspn(codes, " \t,") < strlen(codes) && aurmig__lint_codes_match(codes, strlen(codes), r))
			o->severity[r] = (signed char)severity;
	return AURMIG_OK;
}

int aurmig_lint_options_set_check_down(aurmig_lint_options *o, int on)
{
	if (!o)
		return AURMIG_EINVALID;
	o->check_down = on != 0;
	return AURMIG_OK;
}

int aurmig_lint_options_ignore(aurmig_lint_options *o, const char *revision, const char *codes, const char *reason)
{
	struct aurmig__lint_ignore *v, *ig;
	int rc;

	if (!o)
		return AURMIG_EINVALID;
	aurmig__err_clear(o->ctx);
	if ((rc = check_codes(o->ctx, codes)))
		return rc;
	v = aurmig__reallocarray(o->ctx, o->ignores, o->nignores + 1, sizeof(*v));
	if (!v)
		return AURMIG_ENOMEM;
	o->ignores = v;
	ig = &v[o->nignores];
	memset(ig, 0, sizeof(*ig));
	if ((revision && *revision && !(ig->revision = aurmig__strdup(o->ctx, revision))) ||
	    !(ig->codes = aurmig__strdup(o->ctx, codes ? codes : "")) ||
	    (reason && *reason && !(ig->reason = aurmig__strdup(o->ctx, reason)))) {
		free(ig->revision);
		free(ig->codes);
		return AURMIG_ENOMEM;
	}
	o->nignores++;
	return AURMIG_OK;
}


/* --online: the release keeps running while the step does, so a rename or
 * drop it still uses, and a lock that blocks its writes, are outages. */
static int online_severity(int rule, int severity)
{
	switch (rule) {
	case R_C101: case R_C102: case R_C103: case R_M102:
	case R_L101: case R_L102: case R_L106: case R_L109: case R_L111: case R_T103:
		return AURMIG_LINT_ERROR;
	case R_L103: case R_L104: case R_L105:
		return severity < AURMIG_LINT_WARNING ? AURMIG_LINT_WARNING : severity;
	default:
		return severity;
	}
}

int aurmig_lint_options_set_online(aurmig_lint_options *o, int on)
{
	if (!o)
		return AURMIG_EINVALID;
	aurmig__err_clear(o->ctx);
	o->online = on != 0;
	return AURMIG_OK;
}

int aurmig_lint_options_set_server_version(aurmig_lint_options *o, const char *spec)
{
	const char *colon;
	long major = 0, minor = 0;
	char *end;
	int d = -1;

	if (!o || !spec)
		return AURMIG_EINVALID;
	aurmig__err_clear(o->ctx);
	colon = strchr(spec, ':');
	if (colon)
		d = aurmig__dialect_from_name(spec, (size_t)(colon - spec));
	if (d < 0 || !isdigit((unsigned char)colon[1]))
		goto bad;
	major = strtol(colon + 1, &end, 10);
	if (*end == '.') {
		if (!isdigit((unsigned char)end[1]))
			goto bad;
		minor = strtol(end + 1, &end, 10);
		if (*end == '.') {   /* a patch level: not used */
			if (!isdigit((unsigned char)end[1]))
				goto bad;
			strtol(end + 1, &end, 10);
		}
	}
	if (*end || major < 1 || major > 99 || minor > 99)
		goto bad;
	o->version[d] = (int)(major * 100 + minor);
	return AURMIG_OK;
bad:
	return aurmig__err(o->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
		"lint: server version '%.40s' is not DIALECT:MAJOR[.MINOR] (e.g. mariadb:10.11, postgresql:15)", spec);
}

int aurmig_lint_options_large_table(aurmig_lint_options *o, const char *table, long rows)
{
	struct aurmig__lint_large *v;
	char *t;

	if (!o || !table || !*table)
		return AURMIG_EINVALID;
	aurmig__err_clear(o->ctx);
	if (!(t = aurmig__strdup(o->ctx, table)))
		return AURMIG_ENOMEM;
	for (char *p = t; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!(v = aurmig__reallocarray(o->ctx, o->large, o->nlarge + 1, sizeof(*v)))) {
		free(t);
		return AURMIG_ENOMEM;
	}
	o->large = v;
	v[o->nlarge].table = t;
	v[o->nlarge].rows = rows < 0 ? -1 : rows;
	o->nlarge++;
	return AURMIG_OK;
}

int aurmig_lint_options_set_large_rows(aurmig_lint_options *o, long rows)
{
	if (!o)
		return AURMIG_EINVALID;
	aurmig__err_clear(o->ctx);
	o->large_rows = rows < 0 ? 0 : rows;
	return AURMIG_OK;
}

int aurmig_lint_options_set_live(aurmig_lint_options *o, aurmig_conn *conn, long timeout_ms)
{
	aurmig__lint_live *L = NULL;
	int rc;

	if (!o)
		return AURMIG_EINVALID;
	aurmig__err_clear(o->ctx);
	if (conn && (rc = aurmig__lint_live_new(&L, o->ctx, conn, timeout_ms)))
		return rc;
	aurmig__lint_live_free(o->live);
	o->live = L;
	return AURMIG_OK;
}

int aurmig__lint_large(const aurmig_lint_options *o, const char *table, long long *rows)
{
	for (size_t i = o ? o->nlarge : 0; i-- > 0;)
		if (!strcmp(o->large[i].table, table)) {
			*rows = o->large[i].rows;
			return o->large[i].rows < 0 || o->large[i].rows >= o->large_rows;
		}
	return 0;
}

int aurmig__lint_large_at(aurmig__lint_scope *s, const char *table, long long *rows, int *measured)
{
	long long bytes;
	int est;
	*measured = 0;
	if (aurmig__lint_live_size(s, table, rows, &bytes, &est)) {
		long long limit = s->opts->large_rows > 0 ? s->opts->large_rows : AURMIG__LINT_LIVE_LARGE;
		*measured = 1;
		s->live_rows = *rows;
		s->live_bytes = bytes;
		s->live_estimate = est;
		return *rows >= limit;
	}
	return aurmig__lint_large(s->opts, table, rows);
}

int aurmig_lint_options_set_name_pattern(aurmig_lint_options *o, const char *kind, const char *regex)
{
	static const char *const kinds[] = { "table", "column", "index", "constraint" };
	regex_t re;
	int k = -1;
	char *copy = NULL;

	if (!o || !kind)
		return AURMIG_EINVALID;
	aurmig__err_clear(o->ctx);
	for (int i = 0; i < 4; i++)
		if (!strcmp(kind, kinds[i]))
			k = i;
	if (k < 0)
		return aurmig__err(o->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"lint: name kind '%.20s' is not table, column, index or constraint", kind);
	if (regex && *regex) {
		if (regcomp(&re, regex, REG_EXTENDED | REG_NOSUB))
			return aurmig__err(o->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
				"lint: name.%s: '%.60s' is not a valid extended regular expression", kind, regex);
		regfree(&re);
		if (!(copy = aurmig__strdup(o->ctx, regex)))
			return AURMIG_ENOMEM;
	}
	free(o->name_re[k]);
	o->name_re[k] = copy;
	return AURMIG_OK;
}

/* ---------------------------------------------------------------- report */

int aurmig_lint_report_new(aurmig_lint_report **out, aurmig_context *ctx)
{
	aurmig_lint_report *r;

	if (!out || !ctx)
		return AURMIG_EINVALID;
	aurmig__err_clear(ctx);
	*out = NULL;
	if (!(r = aurmig__calloc(ctx, 1, sizeof(*r))))
		return AURMIG_ENOMEM;
	r->ctx = aurmig__context_ref(ctx);
	*out = r;
	return AURMIG_OK;
}

static void finding_clear(aurmig_lint_finding *f)
{
	free(f->live_unknown);
	free(f->file);
	free(f->revision);
	free(f->message);
	free(f->statement);
	free(f->reason);
}

void aurmig_lint_report_free(aurmig_lint_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		finding_clear(&r->v[i]);
	free(r->v);
	aurmig__context_unref(r->ctx);
	free(r);
}

static void set_dialect_names(aurmig_lint_finding *f)
{
	size_t k = 0;

	f->dialect_names[0] = '\0';
	for (int d = 1; d <= 3; d++)
		if (f->dialects & (1u << d)) {
			size_t n = strlen(aurmig__dialect_name(d));
			if (k)
				f->dialect_names[k++] = ',';
			memcpy(f->dialect_names + k, aurmig__dialect_name(d), n + 1);
			k += n;
		}
}

/* The statement's first line(s) folded onto one line, at most 100 bytes. */
static char *one_line(aurmig_context *ctx, const char *s, size_t n)
{
	char *o = aurmig__malloc(ctx, 104);
	size_t k = 0;
	int blank = 0;

	if (!o)
		return NULL;
	for (size_t i = 0; i < n && k < 100; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
			blank = 1;
			continue;
		}
		if (blank && k)
			o[k++] = ' ';
		blank = 0;
		if (k < 100)
			o[k++] = (char)c;
	}
	if (k >= 100) {
		/* do not cut a UTF-8 sequence */
		while (k > 0 && ((unsigned char)o[k - 1] & 0xC0) == 0x80)
			k--;
		if (k > 0 && ((unsigned char)o[k - 1] & 0xC0) == 0xC0)
			k--;
		memcpy(o + k, "...", 3);
		k += 3;
	}
	o[k] = '\0';
	return o;
}

static aurmig__nolint *suppression(aurmig__lint_scope *s, int rule)
{
	for (size_t i = 0; i < s->nnl; i++) {
		aurmig__nolint *n = &s->nl[i];
		if ((n->target == 0 || n->target == s->line) && aurmig__lint_codes_match(n->codes, n->codes_len, rule))
			return n;
	}
	return NULL;
}

void aurmig__lint_emit(aurmig__lint_scope *s, int rule, int severity, const char *fmt, ...)
{
	aurmig_lint_report *r = s->rep;
	aurmig_lint_finding *f;
	aurmig__nolint *sup;
	char *msg, large_note[64] = "", online_note[96] = "";
	int measured = 0;
	va_list ap;

	if (s->rc)
		return;
	{
		long long rows = -1;
		int large = 0, user = s->opts && s->opts->severity[rule] >= 0;
		if (severity < 0)
			severity = aurmig__lint_rules[rule].severity;
		if ((s->opts && s->opts->online) || s->online_required)
			severity = online_severity(rule, severity);
		if (user)
			severity = s->opts->severity[rule];   /* the user's word wins */
		if (severity == AURMIG_LINT_IGNORE)
			return;
		if (s->opts && s->table[0] && aurmig__lint_rules[rule].code[0] == 'L' && rule != R_L103 && rule != R_L111 &&
		    !(rule == R_L112 && severity == AURMIG_LINT_INFO)) {
			large = aurmig__lint_large_at(s, s->table, &rows, &measured);
			if (s->rc)
				return;
			if (large && !user)
				severity = AURMIG_LINT_ERROR;
		}
		if (rule == R_L101 && s->dialect == AURMIG_DIALECT_MYSQL && s->opts && s->opts->version[AURMIG_DIALECT_MYSQL] >= 1102)
			snprintf(online_note, sizeof(online_note), "; MariaDB 11.2+ copies without blocking writes when asked "
				"for LOCK=NONE");
		if (large && measured)
			snprintf(large_note, sizeof(large_note), " (large table: %s%lld rows, live)", s->live_estimate ? "about " : "",
				rows);
		else if (measured)
			snprintf(large_note, sizeof(large_note), " (live: %s%lld rows)", s->live_estimate ? "about " : "", rows);
		else if (large && rows >= 0)
			snprintf(large_note, sizeof(large_note), " (large table: %lld rows)", rows);
		else if (large)
			snprintf(large_note, sizeof(large_note), " (large table)");
	}
	if (rule == R_L101) {
		/* once per statement: the table is copied once */
		if (s->l101_line == s->line && s->l101_stmt == s->stmt)
			return;
		s->l101_line = s->line;
		s->l101_stmt = s->stmt;
	}
	{
		aurmig__buf b;
		aurmig__buf_init(&b, s->ctx);
		va_start(ap, fmt);
		{
			char tmp[512];
			vsnprintf(tmp, sizeof(tmp), fmt, ap);
			aurmig__buf_puts(&b, tmp);
			aurmig__buf_puts(&b, online_note);
			aurmig__buf_puts(&b, large_note);
		}
		va_end(ap);
		if (!(msg = aurmig__buf_detach(&b))) {
			s->rc = AURMIG_ENOMEM;
			return;
		}
	}
	sup = rule == R_X104 ? NULL : suppression(s, rule);
	/* the same finding from the common section linted for another dialect */
	for (size_t i = r->n; i-- > 0;) {
		f = &r->v[i];
		if (strcmp(f->file, s->file) != 0)
			break;
		if (f->rule == rule && f->line == s->line && f->col == s->col && strcmp(f->message, msg) == 0) {
			free(msg);
			f->dialects |= 1u << s->dialect;
			set_dialect_names(f);
			if (sup)
				sup->used = 1;
			return;
		}
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		aurmig_lint_finding *v = aurmig__reallocarray(s->ctx, r->v, cap, sizeof(*v));
		if (!v) {
			free(msg);
			s->rc = AURMIG_ENOMEM;
			return;
		}
		r->v = v;
		r->cap = cap;
	}
	f = &r->v[r->n];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->severity = severity;
	f->line = s->line;
	f->col = s->col;
	f->message = msg;
	f->live_rows = f->live_bytes = f->live_violations = -1;
	if (s->live_set || measured) {
		f->live_rows = s->live_rows;
		f->live_bytes = s->live_bytes;
		f->live_estimate = s->live_estimate;
		f->live_violations = s->live_set ? s->live_violations : -1;
		if (s->live_set && s->live_unknown[0] && !(f->live_unknown = aurmig__strdup(s->ctx, s->live_unknown))) {
			free(msg);
			s->rc = AURMIG_ENOMEM;
			return;
		}
	}
	f->dialects = s->dialect > 0 ? 1u << s->dialect : 0;
	set_dialect_names(f);
	if (!(f->file = aurmig__strdup(s->ctx, s->file)) || !(f->revision = aurmig__strdup(s->ctx, s->revision ? s->revision : "")) ||
	    !(f->statement = s->stmt ? one_line(s->ctx, s->stmt, s->stmt_len) : aurmig__strdup(s->ctx, ""))) {
		finding_clear(f);
		s->rc = AURMIG_ENOMEM;
		return;
	}
	if (sup) {
		sup->used = 1;
		f->suppressed = 1;
		if (sup->reason && sup->reason_len && !(f->reason = aurmig__strndup(s->ctx, sup->reason, sup->reason_len))) {
			finding_clear(f);
			s->rc = AURMIG_ENOMEM;
			return;
		}
	}
	r->n++;
}

size_t aurmig_lint_report_count(const aurmig_lint_report *r) { return r ? r->n : 0; }
const aurmig_lint_finding *aurmig_lint_report_at(const aurmig_lint_report *r, size_t i)
{
	return r && i < r->n ? &r->v[i] : NULL;
}

size_t aurmig_lint_report_severity_count(const aurmig_lint_report *r, int severity)
{
	size_t n = 0;

	for (size_t i = 0; r && i < r->n; i++)
		n += !r->v[i].suppressed && r->v[i].severity == severity;
	return n;
}

size_t aurmig_lint_report_suppressed_count(const aurmig_lint_report *r)
{
	size_t n = 0;

	for (size_t i = 0; r && i < r->n; i++)
		n += r->v[i].suppressed != 0;
	return n;
}

const char *aurmig_lint_finding_code(const aurmig_lint_finding *f) { return f ? aurmig__lint_rules[f->rule].code : NULL; }
int aurmig_lint_finding_severity(const aurmig_lint_finding *f) { return f ? f->severity : -1; }
const char *aurmig_lint_finding_file(const aurmig_lint_finding *f) { return f ? f->file : NULL; }
const char *aurmig_lint_finding_revision(const aurmig_lint_finding *f) { return f ? f->revision : NULL; }
int aurmig_lint_finding_line(const aurmig_lint_finding *f) { return f ? f->line : 0; }
int aurmig_lint_finding_column(const aurmig_lint_finding *f) { return f ? f->col : 0; }
const char *aurmig_lint_finding_dialects(const aurmig_lint_finding *f) { return f ? f->dialect_names : NULL; }
const char *aurmig_lint_finding_message(const aurmig_lint_finding *f) { return f ? f->message : NULL; }
const char *aurmig_lint_finding_why(const aurmig_lint_finding *f) { return f ? aurmig__lint_rules[f->rule].why : NULL; }
const char *aurmig_lint_finding_hint(const aurmig_lint_finding *f) { return f ? aurmig__lint_rules[f->rule].good : NULL; }
const char *aurmig_lint_finding_statement(const aurmig_lint_finding *f) { return f ? f->statement : NULL; }
int aurmig_lint_finding_suppressed(const aurmig_lint_finding *f) { return f ? f->suppressed : 0; }
const char *aurmig_lint_finding_reason(const aurmig_lint_finding *f) { return f ? f->reason : NULL; }
long aurmig_lint_finding_live_rows(const aurmig_lint_finding *f) { return f ? (long)f->live_rows : -1; }
long aurmig_lint_finding_live_bytes(const aurmig_lint_finding *f) { return f ? (long)f->live_bytes : -1; }
int aurmig_lint_finding_live_estimated(const aurmig_lint_finding *f) { return f && f->live_rows >= 0 ? f->live_estimate : 0; }
long aurmig_lint_finding_live_violations(const aurmig_lint_finding *f) { return f ? (long)f->live_violations : -1; }
const char *aurmig_lint_finding_live_unknown(const aurmig_lint_finding *f) { return f ? f->live_unknown : NULL; }

size_t aurmig_lint_rule_count(void) { return R__COUNT; }
const char *aurmig_lint_rule_code(size_t i) { return i < R__COUNT ? aurmig__lint_rules[i].code : NULL; }
int aurmig_lint_rule_severity(size_t i) { return i < R__COUNT ? aurmig__lint_rules[i].severity : -1; }
const char *aurmig_lint_rule_dialects(size_t i) { return i < R__COUNT ? aurmig__lint_rules[i].dialects : NULL; }
const char *aurmig_lint_rule_summary(size_t i) { return i < R__COUNT ? aurmig__lint_rules[i].summary : NULL; }
