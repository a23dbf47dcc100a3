/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one table of aurmig's commands, options, exit codes and environment
 * variables. main.c parses the command line with it (getopt_long), and
 * --help, `aurmig help VERB` and `aurmig help --json` print it;
 * tests/cli/check_docs.py checks README.md, doc/aurmig.1 and the bash
 * completion (generated from it by scripts/gen-completion.py) against it.
 *
 * To add a verb option: a row in cli_options with its verbs (the verb's
 * cmd_*.c scans it as before: main.c hands each verb its options as
 * "--name" or "--name" "value", in the order given). To add a global
 * option: a row with verbs NULL and a new CLI_G_* case in main.c. To add a
 * verb: a row in cli_commands.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help_upgrade[] =
	  "usage: aurmig [global options] upgrade [--one-transaction] [--ddl-lock-wait SECS]\n"
	  "                                       [--lock-retries N] [--online]\n"
	  "                                       [--warn-blocking SECS|off]\n"
	  "                                       [--check-drift [--scratch-url URL]] [TARGET]\n"
	  "       aurmig [global options] upgrade --sql [START:]TARGET [--dialect D]\n\n"
	  "Run the migrations from the current revision(s) up to TARGET (default: heads).\n"
	  "TARGET: a revision id or unique prefix, head, heads, LABEL@head, REV@head, +N,\n"
	  "LABEL@+N, REV+N. Each migration runs in its own transaction together with its\n"
	  "version-row change; --one-transaction runs the whole plan in one (SQLite,\n"
	  "PostgreSQL). Prints 'Running upgrade A -> B, message ...' before each migration\n"
	  "and its time after (on a terminal also 'statement k/n' while a step runs);\n"
	  "nothing when already there. Each statement waits at most --ddl-lock-wait\n"
	  "seconds for a lock (default 10; a script's '-- aurmig:lock_wait' overrides it);\n"
	  "one that times out is retried --lock-retries times (default 3), naming the\n"
	  "sessions that blocked it; then exit 4 if nothing of the step remains, else 5.\n"
	  "Refuses a read-only server (replica, hot standby) before taking the lock.\n"
	  "--sql prints the SQL script instead (statements, version-table and journal\n"
	  "changes, the lock-wait settings); with START it works offline, for --dialect\n"
	  "sqlite|mysql|pgsql.\n"
	  "--check-drift: first, under the deploy lock, compare the database with the\n"
	  "migrations replayed to its revision on a scratch database, as check does\n"
	  "behind head (MySQL and PostgreSQL need --scratch-url, an empty database):\n"
	  "exit 8 on drift, nothing ran.\n"
	  "--online (MariaDB): run each ALTER TABLE / CREATE INDEX / DROP INDEX without\n"
	  "an ALGORITHM= of its own with ALGORITHM=INSTANT, else NOCOPY, INPLACE or COPY\n"
	  "with LOCK=NONE, the first MariaDB accepts; when only a blocking copy or lock\n"
	  "remains the migration fails at that statement (exit 1, or 5 when statements\n"
	  "before it ran), naming the table and MariaDB's refusal. A script's header\n"
	  "'-- aurmig:online required' does the same for it. SQLite, PostgreSQL: no effect.\n"
	  "--warn-blocking SECS (MariaDB; default 1, off: never): warn on stderr before a\n"
	  "statement that blocks writes to a table for about SECS or more (estimated from\n"
	  "the table's size); --json lists the warnings.\n";

static const char help_downgrade[] =
	  "usage: aurmig [global options] downgrade [--online] [--warn-blocking SECS|off] TARGET\n"
	  "       aurmig [global options] downgrade --sql [START:]TARGET [--dialect D]\n\n"
	  "Revert migrations down to TARGET: a revision, base, LABEL@base, -N, LABEL@-N,\n"
	  "REV-N. Refuses before running anything if a migration on the way has no\n"
	  "downgrade section. --online, --warn-blocking: as for upgrade.\n";

static const char help_stamp[] =
	  "usage: aurmig [global options] stamp [--purge] TARGET...\n"
	  "       aurmig [global options] stamp --sql [START:]TARGET [--dialect D]\n\n"
	  "Rewrite the version table to TARGET(s) without running any migration, the\n"
	  "way Alembic does. --purge empties the table first (the way out when it holds\n"
	  "revisions these migrations do not know).\n";

static const char help_init[] =
	  "usage: aurmig [global options] init\n\n"
	  "Build an empty database at head: run the head schema of the migrations\n"
	  "directory (schema/<dialect>.sql, with the seed rows) and stamp the revision\n"
	  "it names. Refuses on a database that has any table.\n";

static const char help_config_stamp[] =
	  "usage: aurmig [global options] --config-file FILE config-stamp\n\n"
	  "Accept the configuration file as it is: write the database's revision into\n"
	  "its [aurmig] revision key and record its checksum (after a hand edit was\n"
	  "checked, or a restore from a backup).\n";

static const char help_current[] =
	  "usage: aurmig [global options] current [-v] [--timeout SECS]\n\n"
	  "Print the database's current revision(s). Read-only: never creates the\n"
	  "version table. --timeout: how long a statement may wait (default 5; exit 4).\n";

static const char help_lock[] =
	  "usage: aurmig [global options] lock [--break [--force]] [--timeout SECS]\n\n"
	  "Show the deploy lock of the database: its kind (lease, get_lock, advisory,\n"
	  "flock), whether it is held, and by whom (a lease: owner, host, pid, node,\n"
	  "acquired, heartbeat, expires; a session lock: the connection, where the\n"
	  "server tells). Read-only; exit 0. --break removes an expired lease (not when\n"
	  "its process is alive on this host) and names its holder; a live lease or a\n"
	  "held session lock is refused with exit 9. --break --force deletes a live\n"
	  "lease (its run stops at its next renewal) or kills the session holding\n"
	  "GET_LOCK / the advisory lock; an SQLite flock cannot be broken (exit 1).\n";

static const char help_check[] =
	  "usage: aurmig [global options] check [--timeout SECS] [--schema [--scratch-url URL]]\n\n"
	  "Read-only: exit 0 when the database is at the heads, 3 when migrations are\n"
	  "pending, 5 when a failed migration awaits recovery, 6 when an applied\n"
	  "migration's file changed since it ran, 7 when the database holds a revision\n"
	  "these migrations do not know, 9 when a migration is in progress (its run\n"
	  "holds the deploy lock; the message names it: wait, do not recover), 4 when\n"
	  "a statement waited longer than --timeout SECS (default 5) for a lock or an\n"
	  "answer (timed out waiting for the database), 1 when it cannot tell (a\n"
	  "pending script that cannot be planned: file:line). Works on read-only\n"
	  "replicas. --schema: also compare the schema with the\n"
	  "declared one (schema/<dialect>.sql, else schema/portable.sql; MySQL and\n"
	  "PostgreSQL load it into the empty --scratch-url database): exit 8 when\n"
	  "they differ. Behind head (or without a declared schema) the migrations are\n"
	  "replayed on a scratch database (SQLite: a temporary file; else the empty\n"
	  "--scratch-url database) to the database's version rows and compared with\n"
	  "it: exit 8 on drift, else 3 (0 at head); 9 when a run holds the deploy lock.\n";

static const char help_heads[] =
	  "usage: aurmig [global options] heads [-v] [--single]\n\n"
	  "Print the head revisions of the migrations directory. --single (a CI guard)\n"
	  "exits 1, naming them, when there is more than one head.\n";

static const char help_revision[] =
	  "usage: aurmig [global options] revision -m MESSAGE [--head REV]... [--branch-label L]\n"
	  "                                [--depends-on REV]... [--rev-id ID]\n"
	  "                                [--autogenerate [--scratch-url URL]]\n\n"
	  "Write a new script <id>_<slug>.sql into the migrations directory, after the\n"
	  "only head, or after --head (several --head make a merge; --head base starts a\n"
	  "new base). With several heads and no --head it refuses, listing them.\n"
	  "--autogenerate: the database must be at head; the script's portable sections\n"
	  "turn its schema into the declared one (schema/<dialect>.sql, else\n"
	  "schema/portable.sql) and back. Review it before use.\n";

static const char help_merge[] =
	  "usage: aurmig [global options] merge -m MESSAGE [--branch-label L] [--rev-id ID] REV...|heads\n\n"
	  "Write a merge script whose down revisions are the given revisions (or all\n"
	  "heads).\n";

static const char help_schema[] =
	  "usage: aurmig [global options] schema dump [--dialect D] [--all]\n"
	  "       aurmig [global options] schema diff [--all] URL_OTHER\n"
	  "       aurmig [global options] schema diff [--all] --declared [--scratch-url URL]\n\n"
	  "Read the database's schema (tables, columns, keys, indexes, foreign keys).\n"
	  "dump prints it as DDL: portable MySQL-flavoured by default, or for --dialect\n"
	  "sqlite|mysql|pgsql so that it loads into an empty database of that kind.\n"
	  "diff compares it with another database, or with --declared the head schema\n"
	  "<dir>/schema/<dialect>.sql loaded into a scratch database (SQLite: a temporary\n"
	  "file; MySQL/PostgreSQL: --scratch-url of an empty database). Exit 0 when equal,\n"
	  "6 when different, printing the differences. --all includes the version table\n"
	  "and its journal. See docs/schema.md for the type mapping.\n";

static const char help_branches[] =
	  "usage: aurmig [global options] branches [-v]\n\n"
	  "Print the branch points and the revisions they branch into.\n";

static const char help_history[] =
	  "usage: aurmig [global options] history [-r START:END] [-v] [-i]\n\n"
	  "List revisions, newest first. -r limits the range (either side may be empty;\n"
	  "current, base, heads, a revision, -N, REV+N). -i marks the current revision(s).\n";

static const char help_show[] =
	  "usage: aurmig [global options] show REV|current\n\n"
	  "Describe one revision.\n";

static const char help_validate[] =
	  "usage: aurmig [global options] validate [--timeout SECS] [--accept [REV]]\n\n"
	  "Compare the database with the migrations: pending migrations (exit 3),\n"
	  "applied migrations whose file changed since they ran (exit 6), a failed\n"
	  "migration awaiting recovery (exit 5), revisions no file knows (exit 7), a\n"
	  "migration in progress now (exit 9); a version table recording a revision\n"
	  "and its descendant is an error (1).\n"
	  "-v also lists applied migrations without a recorded checksum. --accept\n"
	  "records the current files' checksums (of REV, or every changed one).\n";

static const char help_resume[] =
	  "usage: aurmig [global options] resume [--ddl-lock-wait SECS] [--lock-retries N] [REV]\n\n"
	  "Run the rest of the migration that failed half-way (MySQL/MariaDB, or a\n"
	  "script with 'transaction off'), from the statement that failed, using the\n"
	  "current file; then record it as done. Refuses when the version table\n"
	  "already records it (or, for a downgrade, no longer does), and (exit 9)\n"
	  "while the run that failed is alive (a migration in progress).\n";

static const char help_mark_applied[] =
	  "usage: aurmig [global options] mark-applied [REV]\n\n"
	  "Record the migration that failed half-way as applied: you completed it by\n"
	  "hand. Updates the version table; when that already records it, resolves\n"
	  "only the journal row and says so. Refuses (exit 9) while the run is alive.\n";

static const char help_mark_rolled_back[] =
	  "usage: aurmig [global options] mark-rolled-back [REV]\n\n"
	  "Record that the partial changes of the migration that failed half-way were\n"
	  "undone by hand. The version table stays as it is. Refuses when the version\n"
	  "table already records the migration as done, and (exit 9) while the run\n"
	  "is alive.\n";

static const char help_help[] =
	"usage: aurmig help [COMMAND]\n"
	"       aurmig help --json\n\n"
	"Print the help of aurmig or of a COMMAND (as 'aurmig COMMAND --help' does).\n"
	"--json prints this table of commands, options, exit codes and environment\n"
	"variables as one JSON document.\n";

const cli_command cli_commands[] = {
	{ "init", cmd_init, "", "build an empty database at head (head schema + stamp)", help_init, "4 5", NULL },
	{ "upgrade", cmd_upgrade, "[TARGET]", "run migrations up to TARGET (default heads)", help_upgrade,
	  "4 5 6 7 9 12", NULL },
	{ "downgrade", cmd_downgrade, "TARGET", "revert migrations down to TARGET", help_downgrade, "4 5 6 7 9 12", NULL },
	{ "stamp", cmd_stamp, "TARGET...", "set the version table without running migrations", help_stamp, "4 7 9",
	  NULL },
	{ "current", cmd_current, "", "show the database's revision(s)", help_current, "4", NULL },
	{ "check", cmd_check, "", "exit 0 if the database is at head, 3 if not (see its help)", help_check,
	  "3 4 5 6 7 8 9", NULL },
	{ "lock", cmd_lock, "", "show (or break) the deploy lock's holder", help_lock, "1 9", NULL },
	{ "config-stamp", cmd_config_stamp, "", "accept --config-file FILE as it is", help_config_stamp, "4", NULL },
	{ "validate", cmd_validate, "", "compare the database with the migrations (checksums)", help_validate,
	  "3 4 5 6 7 9", NULL },
	{ "heads", cmd_heads, "", "show the head revisions", help_heads, "", NULL },
	{ "branches", cmd_branches, "", "show branch points", help_branches, "", NULL },
	{ "history", cmd_history, "", "list revisions", help_history, "4 7", NULL },
	{ "show", cmd_show, "REV", "describe a revision", help_show, "4 7", NULL },
	{ "revision", cmd_revision, "-m MSG", "write a new migration script", help_revision, "3", NULL },
	{ "merge", cmd_revision, "-m MSG heads", "write a merge script", help_merge, "7", NULL },
	{ "schema", cmd_schema, "dump|diff", "print the schema as DDL, or compare it with another", help_schema, "6",
	  "dump diff" },
	{ "lint", cmd_lint, "[REV|FILE]...", "check scripts for data loss, locks, failing changes", cmd_lint_help,
	  "10", NULL },
	{ "test", cmd_test, "", "upgrade, step down and up, compare on scratch databases", cmd_test_help, "", NULL },
	{ "hash", cmd_hash, "", "write DIR/aurmig.sum, the scripts' checksums", cmd_hash_help, "", NULL },
	{ "resume", cmd_recover, "[REV]", "finish a migration that failed half-way", help_resume, "4 5 9", NULL },
	{ "mark-applied", cmd_recover, "[REV]", "record a half-failed migration as completed by hand",
	  help_mark_applied, "4 9", NULL },
	{ "mark-rolled-back", cmd_recover, "[REV]", "record a half-failed migration as undone by hand",
	  help_mark_rolled_back, "4 9", NULL },
	{ "help", NULL, "[COMMAND]", "this help, or a command's ('aurmig help --json': this table)", help_help, "",
	  NULL },
};
const size_t cli_ncommands = sizeof(cli_commands) / sizeof(cli_commands[0]);

/* Verb lists of options several verbs share. */
#define PLANS "upgrade downgrade stamp"

const cli_option cli_options[] = {
	/* global options: CLI_G_* is what main.c does with them */
	{ "url", 0, "URL", NULL, "sqlite:///path.db, mysql://user:pass@host:port/db,\n"
	  "pgsql://user:pass@host:port/db (or AURMIG_URL)", CLI_G_URL },
	{ "aurweb-config", 0, "FILE", NULL, "aurweb's config file (or AUR_CONFIG): the connection\n"
	  "from [database] (FILE.defaults, or AUR_CONFIG_DEFAULTS,\n"
	  "read first, as aurweb does), and the file config steps\n"
	  "edit unless --config-file names another", CLI_G_AURWEB_CONFIG },
	{ "dir", 'd', "DIR", NULL, "migrations directory (default: migrations)", CLI_G_DIR },
	{ "lock-timeout", 0, "SECS", NULL, "wait at most SECS for the deploy lock (default 60)", CLI_G_LOCK_TIMEOUT },
	{ "lock-mode", 0, "MODE", NULL, "the deploy lock: auto (a lease row on a Galera node, else\n"
	  "the session lock), session (GET_LOCK etc.), lease", CLI_G_LOCK_MODE },
	{ "lock-lease", 0, "SECS", NULL, "a lease lasts SECS without renewal (default 600; must\n"
	  "outlast the longest single statement; docs/clusters.md)", CLI_G_LOCK_LEASE },
	{ "allow-non-toi", 0, NULL, NULL, "migrate on a Galera node whose wsrep_OSU_method is not TOI",
	  CLI_G_ALLOW_NON_TOI },
	{ "timeout", 0, "SECS", NULL, "read-only commands: any statement waits at most SECS\n"
	  "for a lock or an answer (default 5; 0: no bound)", CLI_G_TIMEOUT },
	{ "ddl-lock-wait", 0, "SECS", NULL, "migrations: each statement waits at most SECS for a\n"
	  "lock (default 10; 0: the server's own bound)", CLI_G_DDL_LOCK_WAIT },
	{ "lock-retries", 0, "N", NULL, "retry a statement that timed out on a lock (default 3)", CLI_G_LOCK_RETRIES },
	{ "version-table", 0, "NAME", NULL, "the version table (default alembic_version)", CLI_G_VERSION_TABLE },
	{ "json", 0, NULL, NULL, "print one JSON document on stdout, errors included (docs/json.md)", CLI_G_JSON },
	{ "hook", 0, "NAME=COMMAND", NULL, "run COMMAND for the migrations' hook NAME (repeatable)", CLI_G_HOOK },
	{ "config", 0, "FILE", NULL, "aurmig configuration, [hooks] name = command (or AURMIG_CONFIG)",
	  CLI_G_CONFIG },
	{ "config-file", 0, "FILE", NULL, "the INI file config steps edit, if not --aurweb-config's", CLI_G_CONFIG_FILE },
	{ "no-color", 0, NULL, NULL, "no colours (also: NO_COLOR set, or not a terminal)", CLI_G_NO_COLOR },
	{ "no-sum-check", 0, NULL, NULL, "do not compare DIR/aurmig.sum with the scripts", CLI_G_NO_SUM_CHECK },
	{ "quiet", 'q', NULL, NULL, "print only errors", CLI_G_QUIET },
	{ "verbose", 'v', NULL, NULL, "print more", CLI_G_VERBOSE },
	{ "version", 0, NULL, NULL, "print the version", CLI_G_VERSION },
	{ "help", 'h', NULL, NULL, "this help; 'aurmig COMMAND --help' for a command", CLI_G_HELP },

	/* verb options: the verb's cmd_*.c reads them */
	/* after these verbs, -v is theirs (the verbose listing), not the global one (debug log too) */
	{ "verbose", 'v', NULL, "current validate heads branches history", "the verbose form (Alembic's block)", 0 },
	{ "one-transaction", 0, NULL, "upgrade", "run the whole plan in one transaction (SQLite, PostgreSQL)", 0 },
	{ "sql", 0, NULL, PLANS, "print the SQL script instead of running it", 0 },
	{ "dialect", 0, "D", PLANS, "--sql with START:TARGET: sqlite, mysql or pgsql", 0 },
	{ "purge", 0, NULL, "stamp", "empty the version table first", 0 },
	{ "schema", 0, NULL, "check", "also compare the schema with the declared one (exit 8)", 0 },
	{ "online", 0, NULL, "upgrade downgrade", "MariaDB: each ALTER without ALGORITHM= runs INSTANT, NOCOPY or\n"
	  "INPLACE (or COPY) with LOCK=NONE; a blocking one fails its migration", 0 },
	{ "warn-blocking", 0, "SECS", "upgrade downgrade", "MariaDB: warn before a statement that blocks writes for\n"
	  "about SECS or more (default 1; off: never)", 0 },
	{ "check-drift", 0, NULL, "upgrade", "first compare the database with the migrations replayed to\n"
	  "its revision (exit 8 on drift, nothing runs)", 0 },
	{ "scratch-url", 0, "URL", "check revision upgrade", "an empty database of the same kind to load the declared\n"
	  "schema into (MySQL/MariaDB, PostgreSQL)", 0 },
	{ "accept", 0, NULL, "validate", "record the current checksums (of REV, or every changed one)", 0 },
	{ "single", 0, NULL, "heads", "exit 1, naming them, when there is more than one head", 0 },
	{ "rev-range", 'r', "START:END", "history", "the range to list", 0 },
	{ "indicate-current", 'i', NULL, "history", "mark the current revision(s)", 0 },
	{ "message", 'm', "MESSAGE", "revision merge", "the new script's message", 0 },
	{ "branch-label", 0, "LABEL", "revision merge", "a branch label for the new script", 0 },
	{ "rev-id", 0, "ID", "revision merge", "the new revision's id (default: random)", 0 },
	{ "head", 0, "REV", "revision", "the new script follows REV (repeatable; base: a new base)", 0 },
	{ "depends-on", 0, "REV", "revision", "the new script depends on REV (repeatable)", 0 },
	{ "autogenerate", 0, NULL, "revision", "its SQL turns the database into the declared schema", 0 },
	{ "dialect", 0, "D", "schema", "dump: the DDL's dialect (portable, sqlite, mysql, pgsql)", 0 },
	{ "all", 0, NULL, "schema", "include the version table and its journal", 0 },
	{ "declared", 0, NULL, "schema", "diff: compare with the declared head schema", 0 },
	{ "scratch-url", 0, "URL", "schema", "diff --declared: an empty database to load it into", 0 },
	{ "all", 0, NULL, "lint", "lint every revision", 0 },
	{ "pending", 0, NULL, "lint", "lint the revisions the database has not applied", 0 },
	{ "since", 0, "REV", "lint", "lint the revisions after REV", 0 },
	{ "dialect", 0, "D", "lint", "lint for the dialect sqlite, mysql or pgsql (repeatable)", 0 },
	{ "check-down", 0, NULL, "lint", "also check that downgrades undo the upgrades", 0 },
	{ "error", 0, "CODES", "lint", "report these codes or classes as errors", 0 },
	{ "warning", 0, "CODES", "lint", "report these codes or classes as warnings", 0 },
	{ "info", 0, "CODES", "lint", "report these codes or classes as information", 0 },
	{ "ignore", 0, "CODES", "lint", "do not report these codes or classes", 0 },
	{ "werror", 0, NULL, "lint", "a warning fails too (exit 10)", 0 },
	{ "list-rules", 0, NULL, "lint", "print the rules", 0 },
	{ "format", 0, "FORMAT", "lint", "text, json, gcc, github or gitlab", 0 },
	{ "server-version", 0, "D:VERSION", "lint", "the server the rules assume, e.g. mariadb:10.11,\n"
	  "postgresql:15 (repeatable)", 0 },
	{ "large-table", 0, "NAME[=ROWS]", "lint", "a big table: its lock and rewrite findings are\n"
	  "errors (repeatable)", 0 },
	{ "large-table-rows", 0, "N", "lint", "a --large-table with fewer than N rows is not big", 0 },
	{ "online", 0, NULL, "lint", "the release keeps serving: lock findings are escalated", 0 },
	{ "probe", 0, NULL, "lint", "ask the --scratch-url MariaDB which ALGORITHM and LOCK each\n"
	  "ALTER gets", 0 },
	{ "scratch-url", 0, "URL", "lint", "--probe: an empty MariaDB database to try the ALTERs on", 0 },
	{ "live", 0, NULL, "lint", "read the target database (read-only): table sizes, and the rows a\n"
	  "UNIQUE, NOT NULL, FOREIGN KEY, PRIMARY KEY or CHECK would fail on", 0 },
	{ "live-timeout", 0, "SECS", "lint", "the time all --live queries may take together (default 10)", 0 },
	{ "break", 0, NULL, "lock", "remove an expired lease (exit 9 when it is live)", 0 },
	{ "force", 0, NULL, "lock", "with --break: delete a live lease, or kill the session lock's holder", 0 },
	{ "scratch-url", 0, "URL", "test", "also check on this empty database (repeatable)", 0 },
	{ "only", 0, "CHECKS", "test", "run only these checks (comma-separated)", 0 },
};
const size_t cli_noptions = sizeof(cli_options) / sizeof(cli_options[0]);

const cli_exit cli_exits[] = {
	{ 0, "ok (also: nothing to do)" },
	{ 1, "error" },
	{ 2, "usage error" },
	{ 3, "not at head: migrations are pending" },
	{ 4, "timed out waiting (deploy lock, database, a table lock; nothing of the step applied)" },
	{ 5, "a failed migration awaits recovery" },
	{ 6, "an applied migration was edited (or the config file disagrees; schema diff: they differ)" },
	{ 7, "the database holds a revision these migrations do not know" },
	{ 8, "check --schema: the schema is not the declared one" },
	{ 9, "a migration is in progress (another run holds the deploy lock)" },
	{ 10, "lint found an error" },
	{ 12, "a script's precondition (-- aurmig:assert) failed: nothing of its step ran" },
};
const size_t cli_nexits = sizeof(cli_exits) / sizeof(cli_exits[0]);

const cli_env cli_envs[] = {
	{ "AURMIG_URL", "the database URL, when --url and --aurweb-config are not given" },
	{ "AUR_CONFIG", "aurweb's config file, when neither --url, --aurweb-config nor AURMIG_URL is given" },
	{ "AUR_CONFIG_DEFAULTS", "the defaults aurweb's config file overrides (else FILE.defaults)" },
	{ "AURMIG_CONFIG", "aurmig's configuration file, when --config is not given" },
	{ "NO_COLOR", "set and not empty: no colours" },
	{ "TMPDIR", "where scratch SQLite databases are made (default /tmp)" },
	{ "AURMIG_HOOK", "set for a hook command: the hook's name" },
	{ "AURMIG_REVISION", "set for a hook command: the revision whose step calls it" },
	{ "AURMIG_DIRECTION", "set for a hook command: upgrade or downgrade" },
};
const size_t cli_nenvs = sizeof(cli_envs) / sizeof(cli_envs[0]);

/* ---- lookups and printing ---- */


int cli_option_of(const cli_option *o, const char *verb)
{
	size_t n = verb ? strlen(verb) : 0;
	const char *p;

	if (!o->verbs)
		return 1;
	if (!verb)
		return 0;
	for (p = o->verbs; (p = strstr(p, verb)); p += n)
		if ((p == o->verbs || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

const cli_command *cli_command_find(const char *name)
{
	for (size_t i = 0; i < cli_ncommands; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

/* "  -d, --dir DIR        help" with the help's further lines indented */
static void print_option(FILE *f, const cli_option *o)
{
	char head[64];
	const char *h = o->help, *nl;
	int w;

	w = snprintf(head, sizeof(head), "  %s%c%s--%s%s%s", o->short_name ? "-" : "", o->short_name ? o->short_name : ' ',
		o->short_name ? ", " : "", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	if (!o->short_name)
		w = snprintf(head, sizeof(head), "  --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	fputs(head, f);
	if (w > 23)
		fprintf(f, "\n%25s", "");
	else
		fprintf(f, "%*s", 25 - w, "");
	while ((nl = strchr(h, '\n'))) {
		fprintf(f, "%.*s\n%25s", (int)(nl - h), h, "");
		h = nl + 1;
	}
	fprintf(f, "%s\n", h);
}

static const char *exit_meaning(int code)
{
	for (size_t i = 0; i < cli_nexits; i++)
		if (cli_exits[i].code == code)
			return cli_exits[i].meaning;
	return "";
}

int out_help(FILE *f, const char *verb)
{
	const cli_command *cmd;
	int any = 0;

	if (!verb) {
		fprintf(f, "usage: aurmig [global options] COMMAND [options] [args]\n\n"
			"Alembic-compatible database schema migrations (libaurmig %s).\n"
			"Global options are taken before or after the command.\n\nCommands:\n",
			aurmig_version_string());
		for (size_t i = 0; i < cli_ncommands; i++) {
			char head[64];
			int w = snprintf(head, sizeof(head), "  %s%s%s", cli_commands[i].name, *cli_commands[i].args ? " " : "",
				cli_commands[i].args);
			fprintf(f, "%s%*s%s\n", head, w < 25 ? 25 - w : 1, "", cli_commands[i].summary);
		}
		fputs("\nGlobal options:\n", f);
		for (size_t i = 0; i < cli_noptions; i++)
			if (!cli_options[i].verbs)
				print_option(f, &cli_options[i]);
		fputs("\nExit codes:\n", f);
		for (size_t i = 0; i < cli_nexits; i++)
			fprintf(f, "  %-3d %s\n", cli_exits[i].code, cli_exits[i].meaning);
		fputs("\nEnvironment:\n", f);
		for (size_t i = 0; i < cli_nenvs; i++)
			fprintf(f, "  %-22s %s\n", cli_envs[i].name, cli_envs[i].meaning);
		return 0;
	}
	if (!(cmd = cli_command_find(verb)))
		return -1;
	fputs(cmd->help, f);
	for (size_t i = 0; i < cli_noptions; i++)
		if (cli_options[i].verbs && cli_option_of(&cli_options[i], verb)) {
			if (!any++)
				fputs("\nOptions (and the global options, see aurmig --help):\n", f);
			print_option(f, &cli_options[i]);
		}
	fputs("\nExit codes: 0 ok, 1 error, 2 usage error", f);
	for (const char *p = cmd->exits; *p;) {
		char *end;
		long code = strtol(p, &end, 10);
		if (end == p)
			break;
		fprintf(f, ";\n  %ld %s", code, exit_meaning((int)code));
		p = end;
	}
	fputs(".\n", f);
	return 0;
}

json_t *cli_table_json(void)
{
	json_t *o = json_object(), *cmds = json_array(), *opts = json_array(), *exits = json_array(), *envs = json_array();

	for (size_t i = 0; i < cli_ncommands; i++) {
		const cli_command *c = &cli_commands[i];
		json_t *j = json_object(), *ex = json_array(), *sub = json_array();
		for (const char *p = c->exits; *p;) {
			char *end;
			long code = strtol(p, &end, 10);
			if (end == p)
				break;
			json_array_append_new(ex, json_integer(code));
			p = end;
		}
		for (const char *p = c->subcommands; p && *p;) {
			size_t n = strcspn(p, " ");
			json_array_append_new(sub, json_stringn(p, n));
			p += n + strspn(p + n, " ");
		}
		json_object_set_new(j, "name", json_string(c->name));
		json_object_set_new(j, "args", json_string(c->args));
		json_object_set_new(j, "summary", json_string(c->summary));
		json_object_set_new(j, "help", json_string(c->help));
		json_object_set_new(j, "exit_codes", ex);
		json_object_set_new(j, "subcommands", sub);
		json_array_append_new(cmds, j);
	}
	for (size_t i = 0; i < cli_noptions; i++) {
		const cli_option *op = &cli_options[i];
		json_t *j = json_object(), *v = json_array();
		char s[2] = { (char)op->short_name, 0 };
		for (const char *p = op->verbs; p && *p;) {
			size_t n = strcspn(p, " ");
			json_array_append_new(v, json_stringn(p, n));
			p += n + strspn(p + n, " ");
		}
		json_object_set_new(j, "name", json_string(op->name));
		json_object_set_new(j, "short", op->short_name ? json_string(s) : json_null());
		json_object_set_new(j, "arg", op->arg ? json_string(op->arg) : json_null());
		json_object_set_new(j, "global", json_boolean(!op->verbs));
		json_object_set_new(j, "verbs", v);
		json_object_set_new(j, "help", json_string(op->help));
		json_array_append_new(opts, j);
	}
	for (size_t i = 0; i < cli_nexits; i++) {
		json_t *j = json_object();
		json_object_set_new(j, "code", json_integer(cli_exits[i].code));
		json_object_set_new(j, "meaning", json_string(cli_exits[i].meaning));
		json_array_append_new(exits, j);
	}
	for (size_t i = 0; i < cli_nenvs; i++) {
		json_t *j = json_object();
		json_object_set_new(j, "name", json_string(cli_envs[i].name));
		json_object_set_new(j, "meaning", json_string(cli_envs[i].meaning));
		json_array_append_new(envs, j);
	}
	json_object_set_new(o, "commands", cmds);
	json_object_set_new(o, "options", opts);
	json_object_set_new(o, "exit_codes", exits);
	json_object_set_new(o, "environment", envs);
	return o;
}
