/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file aurmig/lint.h
 * @brief Static checks of migration scripts before they reach a database.
 *
 * aurmig_lint_migration() reads the sections of one revision that would run
 * on each dialect (its own section, else the common one; a portable section
 * as rendered for the dialect) and records findings: a rule code (D101,
 * L106, ... see docs/lint.md), a severity, the file and line of the
 * statement, a message, why it matters and what to do instead. Findings a
 * `-- aurmig:nolint` directive or aurmig_lint_options_ignore() covers are
 * kept, marked suppressed. Nothing here touches a database.
 */
#ifndef AURMIG_LINT_H
#define AURMIG_LINT_H

#include "common.h"

AURMIG_BEGIN_DECL

/** Severities of lint rules and findings. */
typedef enum aurmig_lint_severity {
	AURMIG_LINT_IGNORE = 0,   /**< the rule is off: no finding is recorded */
	AURMIG_LINT_INFO = 1,
	AURMIG_LINT_WARNING = 2,
	AURMIG_LINT_ERROR = 3
} aurmig_lint_severity;

/** What to lint and how severe each rule is. */
typedef struct aurmig_lint_options aurmig_lint_options;
/** The findings of one or more lint runs. */
typedef struct aurmig_lint_report aurmig_lint_report;
/** One finding, borrowed from its report. */
typedef struct aurmig_lint_finding aurmig_lint_finding;

/** New options: every dialect the script has a section for, rule defaults. */
AURMIG_EXTERN(int) aurmig_lint_options_new(aurmig_lint_options **out, aurmig_context *ctx);
/** Free options. NULL is a no-op. */
AURMIG_EXTERN(void) aurmig_lint_options_free(aurmig_lint_options *opts);
/**
 * Lint for @p dialect (AURMIG_DIALECT_SQLITE, _MYSQL or _PGSQL). Once any
 * dialect is added, only the added ones are linted, and a revision without
 * a section for one of them is a finding (X101).
 */
AURMIG_EXTERN(int) aurmig_lint_options_add_dialect(aurmig_lint_options *opts, int dialect);
/**
 * Set the severity (an aurmig_lint_severity) of rules: @p codes lists rule
 * codes or classes (a letter: D, C, M, L, T, P, X), separated by blanks or
 * commas. AURMIG_EINVALID, naming it, for an unknown code.
 */
AURMIG_EXTERN(int) aurmig_lint_options_set_severity(aurmig_lint_options *opts, const char *codes, int severity);
/** 1: lint the statements of downgrade sections too (default 0). */
AURMIG_EXTERN(int) aurmig_lint_options_set_check_down(aurmig_lint_options *opts, int on);
/**
 * Suppress findings without editing the script: findings of the rules in
 * @p codes (codes or classes; NULL or "" for every rule) in revision
 * @p revision (NULL for every revision) are marked suppressed with
 * @p reason (may be NULL). A suppression that suppresses nothing in a
 * linted revision is reported (X104).
 */
AURMIG_EXTERN(int) aurmig_lint_options_ignore(aurmig_lint_options *opts, const char *revision, const char *codes,
	const char *reason);

/**
 * 1: lint for a rolling deploy, where the release keeps running while the
 * step does: renames (C101, C102, C103), NOT NULL without default (M102),
 * and statements that block writes (L101, L102, L106, L109, L111, T103)
 * become errors, L103/L104/L105 warnings. Severities set with
 * aurmig_lint_options_set_severity() still win.
 */
AURMIG_EXTERN(int) aurmig_lint_options_set_online(aurmig_lint_options *opts, int on);
/**
 * The server version the revisions will run on, as DIALECT:MAJOR[.MINOR]
 * ("mariadb:10.11", "mysql:10.6", "postgresql:15", "pgsql:11", "sqlite:3.40");
 * rules whose answer depends on it (docs/lint.md) use it. AURMIG_EINVALID
 * for another form.
 */
AURMIG_EXTERN(int) aurmig_lint_options_set_server_version(aurmig_lint_options *opts, const char *spec);
/**
 * Mark @p table (case-insensitive) as large, with @p rows rows (-1 when not
 * known): lock and rewrite findings (L) on it become errors, and UPDATE or
 * DELETE of it in a transactional step is L111.
 */
AURMIG_EXTERN(int) aurmig_lint_options_large_table(aurmig_lint_options *opts, const char *table, long rows);
/** A table marked with fewer than @p rows rows is not large (default 0: every marked table is). */
AURMIG_EXTERN(int) aurmig_lint_options_set_large_rows(aurmig_lint_options *opts, long rows);
/**
 * P108: names of @p kind ("table", "column", "index", "constraint") created
 * by a revision must match the POSIX extended regular expression @p regex
 * (NULL or "" removes the pattern). P108 is off by default: enable it with
 * aurmig_lint_options_set_severity().
 */
AURMIG_EXTERN(int) aurmig_lint_options_set_name_pattern(aurmig_lint_options *opts, const char *kind, const char *regex);

/**
 * --live: learn about the tables the linted statements change from
 * @p conn, the target database (NULL: off). Findings of its dialect then
 * carry the table's size (L rules: a measured table with at least
 * aurmig_lint_options_set_large_rows() rows, default 1,000,000, is large,
 * instead of the aurmig_lint_options_large_table() list), and the rules
 * about existing rows (M101 UNIQUE, M102 NOT NULL without default on
 * PostgreSQL, M103 NOT NULL, M104 foreign key, M105 primary key, M106
 * CHECK) count the rows that would fail: error when some would, info when
 * none, the message saying so ("live: 3 rows would violate this"), or why
 * it cannot know. Read-only: each query runs in a read-only transaction
 * that is rolled back at once (SQLite: PRAGMA query_only), and all of them
 * together within @p timeout_ms (<= 0: 10 s). @p conn is referenced until
 * the options are freed.
 */
AURMIG_EXTERN(int) aurmig_lint_options_set_live(aurmig_lint_options *opts, aurmig_conn *conn, long timeout_ms);

/** A new, empty report. */
AURMIG_EXTERN(int) aurmig_lint_report_new(aurmig_lint_report **out, aurmig_context *ctx);
/** Free a report and its findings. NULL is a no-op. */
AURMIG_EXTERN(void) aurmig_lint_report_free(aurmig_lint_report *report);
/** Lint one revision of a graph; its findings are appended to @p report. */
AURMIG_EXTERN(int) aurmig_lint_migration(aurmig_lint_report *report, const aurmig_migration *m,
	const aurmig_lint_options *opts);
/**
 * Lint one script file that need not belong to a loaded graph. AURMIG_EIO
 * when it cannot be read, AURMIG_EPARSE when it is not a valid script.
 */
AURMIG_EXTERN(int) aurmig_lint_file(aurmig_lint_report *report, const char *path, const aurmig_lint_options *opts);

/**
 * Probe revision @p m (of a loaded graph) on @p scratch, an EMPTY MariaDB
 * database: upgrade it to m's parents, then run each statement of m's mysql
 * (or common) upgrade section with ALGORITHM=INSTANT, NOCOPY + LOCK=NONE,
 * INPLACE + LOCK=NONE, INPLACE + LOCK=SHARED, COPY + LOCK=NONE, COPY, and as
 * written, the first form the server accepts being what it does. Findings
 * (L112, or L101 for a blocking copy) replace lint's L101/L104 guesses for
 * those statements in @p report (lint m first). When m has its own mysql
 * or sqlite section, the sqlite one also runs on a temporary SQLite file
 * (upgraded to m's parents, then to m) and each difference between the two
 * schemas after m that was not there before m is an X102 finding (schema
 * diff's cross-backend mapping). Every table is dropped
 * from @p scratch afterwards. AURMIG_EINVALID when scratch is not MariaDB or
 * holds a table. Implemented in the run layer (it runs a plan).
 */
AURMIG_EXTERN(int) aurmig_lint_probe(aurmig_lint_report *report, aurmig_conn *scratch, const aurmig_migration *m,
	const aurmig_lint_options *opts);

/**
 * aurmig_lint_probe() for the script file at @p path, which need not be a
 * revision of @p graph: @p scratch is upgraded to the parents the file names
 * (its down_revision), which must be revisions of @p graph; when one is not,
 * the finding (L112 warning) says so and nothing is probed. X102 (mysql and
 * sqlite sections compared) needs a revision of the graph and is not checked
 * here. Lint the file first (aurmig_lint_file()).
 */
AURMIG_EXTERN(int) aurmig_lint_probe_file(aurmig_lint_report *report, aurmig_conn *scratch, const aurmig_graph *graph,
	const char *path, const aurmig_lint_options *opts);

/** Number of findings, suppressed ones included, in the order found. */
AURMIG_EXTERN(size_t) aurmig_lint_report_count(const aurmig_lint_report *report);
/** Finding @p i, or NULL when out of range. */
AURMIG_EXTERN(const aurmig_lint_finding *) aurmig_lint_report_at(const aurmig_lint_report *report, size_t i);
/** Number of findings of @p severity that are not suppressed. */
AURMIG_EXTERN(size_t) aurmig_lint_report_severity_count(const aurmig_lint_report *report, int severity);
/** Number of suppressed findings. */
AURMIG_EXTERN(size_t) aurmig_lint_report_suppressed_count(const aurmig_lint_report *report);

/** @name Finding accessors. Strings are borrowed from the report; never NULL unless said. */
/**@{*/
/** The rule code, e.g. "D101". */
AURMIG_EXTERN(const char *) aurmig_lint_finding_code(const aurmig_lint_finding *f);
/** The severity in effect (an aurmig_lint_severity). */
AURMIG_EXTERN(int) aurmig_lint_finding_severity(const aurmig_lint_finding *f);
AURMIG_EXTERN(const char *) aurmig_lint_finding_file(const aurmig_lint_finding *f);
/** The revision id, or "" for a file that did not parse that far. */
AURMIG_EXTERN(const char *) aurmig_lint_finding_revision(const aurmig_lint_finding *f);
/** 1-based line of the statement (or directive); 0 for the whole file. */
AURMIG_EXTERN(int) aurmig_lint_finding_line(const aurmig_lint_finding *f);
/** 1-based column of the statement's first character; 0 when unknown. */
AURMIG_EXTERN(int) aurmig_lint_finding_column(const aurmig_lint_finding *f);
/** The dialects the finding holds for, e.g. "mysql" or "mysql,sqlite"; "" for the file. */
AURMIG_EXTERN(const char *) aurmig_lint_finding_dialects(const aurmig_lint_finding *f);
/** One line: what the statement does. */
AURMIG_EXTERN(const char *) aurmig_lint_finding_message(const aurmig_lint_finding *f);
/** Why it matters (the rule's text). */
AURMIG_EXTERN(const char *) aurmig_lint_finding_why(const aurmig_lint_finding *f);
/** What to do instead (the rule's text). */
AURMIG_EXTERN(const char *) aurmig_lint_finding_hint(const aurmig_lint_finding *f);
/** The statement's start, on one line (at most 100 bytes), or "". */
AURMIG_EXTERN(const char *) aurmig_lint_finding_statement(const aurmig_lint_finding *f);
/** 1 when a nolint directive or an ignore option covers the finding. */
AURMIG_EXTERN(int) aurmig_lint_finding_suppressed(const aurmig_lint_finding *f);
/** The suppression's reason, or NULL when not suppressed or none was given. */
AURMIG_EXTERN(const char *) aurmig_lint_finding_reason(const aurmig_lint_finding *f);
/** --live: rows of the finding's table in the live database, or -1 when not measured. */
AURMIG_EXTERN(long) aurmig_lint_finding_live_rows(const aurmig_lint_finding *f);
/** --live: bytes (data and indexes) of the table, or -1 when not known (SQLite). */
AURMIG_EXTERN(long) aurmig_lint_finding_live_bytes(const aurmig_lint_finding *f);
/** --live: 1 when the row count is the server's estimate (a table over 100,000 rows). */
AURMIG_EXTERN(int) aurmig_lint_finding_live_estimated(const aurmig_lint_finding *f);
/** --live: rows that would fail the change (M rules), or -1 when not counted. */
AURMIG_EXTERN(long) aurmig_lint_finding_live_violations(const aurmig_lint_finding *f);
/** --live: why the live database could not answer for this finding, or NULL. */
AURMIG_EXTERN(const char *) aurmig_lint_finding_live_unknown(const aurmig_lint_finding *f);
/**@}*/

/** @name The rules (for documentation and `aurmig lint --list-rules`). */
/**@{*/
AURMIG_EXTERN(size_t) aurmig_lint_rule_count(void);
/** Code of rule @p i, or NULL when out of range. */
AURMIG_EXTERN(const char *) aurmig_lint_rule_code(size_t i);
/** Default severity of rule @p i (an aurmig_lint_severity), -1 when out of range. */
AURMIG_EXTERN(int) aurmig_lint_rule_severity(size_t i);
/** Dialects rule @p i applies to ("all", "mysql", "mysql,pgsql", ...), or NULL. */
AURMIG_EXTERN(const char *) aurmig_lint_rule_dialects(size_t i);
/** One line: what rule @p i flags, or NULL. */
AURMIG_EXTERN(const char *) aurmig_lint_rule_summary(size_t i);
/**@}*/

AURMIG_END_DECL

#endif
