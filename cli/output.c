/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text output in Alembic's shapes, and the help texts. */
#include <string.h>

#include "cli.h"

/* Length of the valid UTF-8 sequence at s (2 to 4 bytes) and its code point, or 0. */
static size_t utf8_seq(const unsigned char *s, unsigned long *cp)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
	unsigned long v;

	if (!n)
		return 0;
	v = s[0] & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)) || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/*
 * Text that came from the database (version rows, journal columns, and the
 * library's messages that quote them) reaches the terminal with its control
 * characters escaped, so that it cannot move the cursor, overprint or retitle
 * the terminal: C0 controls but tab (and newline when lines), DEL, C1
 * controls, invalid UTF-8 and the bidirectional overrides are written as \xNN
 * (\r and \n by name), byte by byte. Everything else is written as it is.
 */
void out_text(FILE *f, const char *text, int lines)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");

	while (*s) {
		unsigned long cp = 0;
		size_t n;
		if (*s >= 0x20 && *s < 0x7f) {
			const unsigned char *run = s;
			while (*s >= 0x20 && *s < 0x7f)
				s++;
			fwrite(run, 1, (size_t)(s - run), f);
			continue;
		}
		if (*s == '\t' || (*s == '\n' && lines)) {
			fputc(*s++, f);
			continue;
		}
		if (*s < 0x80) {
			if (*s == '\r' || *s == '\n')
				fputs(*s == '\r' ? "\\r" : "\\n", f);
			else
				fprintf(f, "\\x%02x", *s);
			s++;
			continue;
		}
		n = utf8_seq(s, &cp);
		if (n && !(cp >= 0x80 && cp <= 0x9f) && !(cp >= 0x202a && cp <= 0x202e) && !(cp >= 0x2066 && cp <= 0x2069)) {
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		for (size_t i = 0; i < (n ? n : 1); i++)
			fprintf(f, "\\x%02x", *s++);
	}
}

void out_line(FILE *f, const char *prefix, const char *text, int lines)
{
	fputs(prefix, f);
	out_text(f, text, lines);
	fputc('\n', f);
}

static void print_list(FILE *f, size_t n, const char *(*at)(const aurmig_migration *, size_t),
	const aurmig_migration *m)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", at(m, i));
}

void out_rev_line(FILE *f, const aurmig_migration *m, int parents, int branches, int indicators,
	int doc, int is_current)
{
	if (parents) {
		if (aurmig_migration_parent_count(m) == 0)
			fprintf(f, "<base>");
		else
			print_list(f, aurmig_migration_parent_count(m), aurmig_migration_parent, m);
		if (aurmig_migration_dependency_count(m)) {
			fprintf(f, " (");
			print_list(f, aurmig_migration_dependency_count(m), aurmig_migration_dependency, m);
			fprintf(f, ")");
		}
		fprintf(f, " -> ");
	}
	fprintf(f, "%s", aurmig_migration_id(m));
	if (branches && aurmig_migration_branch_count(m)) {
		fprintf(f, " (");
		print_list(f, aurmig_migration_branch_count(m), aurmig_migration_branch, m);
		fprintf(f, ")");
	}
	if (indicators) {
		if (aurmig_migration_is_head(m))
			fprintf(f, aurmig_migration_is_effective_head(m) ? " (effective head)" : " (head)");
		if (is_current)
			fprintf(f, " (current)");
		if (aurmig_migration_is_branch_point(m))
			fprintf(f, " (branchpoint)");
		if (aurmig_migration_is_merge_point(m))
			fprintf(f, " (mergepoint)");
	}
	if (doc)
		fprintf(f, ", %s", aurmig_migration_message(m));
	fprintf(f, "\n");
}

void out_rev_verbose(FILE *f, const aurmig_migration *m, int is_current)
{
	fprintf(f, "Rev: ");
	out_rev_line(f, m, 0, 0, 1, 0, is_current);
	if (aurmig_migration_parent_count(m) > 1) {
		fprintf(f, "Merges: ");
		print_list(f, aurmig_migration_parent_count(m), aurmig_migration_parent, m);
		fprintf(f, "\n");
	} else {
		fprintf(f, "Parent: %s\n", aurmig_migration_parent_count(m) ? aurmig_migration_parent(m, 0) : "<base>");
	}
	if (aurmig_migration_dependency_count(m)) {
		fprintf(f, "Also depends on: ");
		print_list(f, aurmig_migration_dependency_count(m), aurmig_migration_dependency, m);
		fprintf(f, "\n");
	}
	if (aurmig_migration_is_branch_point(m)) {
		fprintf(f, "Branches into: ");
		print_list(f, aurmig_migration_child_count(m), aurmig_migration_child, m);
		fprintf(f, "\n");
	}
	if (aurmig_migration_branch_count(m)) {
		fprintf(f, "Branch names: ");
		print_list(f, aurmig_migration_branch_count(m), aurmig_migration_branch, m);
		fprintf(f, "\n");
	}
	fprintf(f, "Path: %s\n\n", aurmig_migration_path(m));
	fprintf(f, "    %s\n", aurmig_migration_message(m));
	if (*aurmig_migration_create_date(m))
		fprintf(f, "\n    Create Date: %s\n", aurmig_migration_create_date(m));
}

static const struct help {
	const char *verb;
	const char *text;
} helps[] = {
	{ "upgrade",
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
	  "migrations replayed to its revision (as check --schema behind head; MySQL and\n"
	  "PostgreSQL need --scratch-url, an empty database): exit 8 on drift, nothing ran.\n"
	  "--online (MariaDB): run each ALTER TABLE / CREATE INDEX / DROP INDEX without\n"
	  "an ALGORITHM= of its own with ALGORITHM=INSTANT, else NOCOPY, INPLACE or COPY\n"
	  "with LOCK=NONE, the first MariaDB accepts; when only a blocking copy or lock\n"
	  "remains the migration fails at that statement (exit 1, or 5 when statements\n"
	  "before it ran), naming the table and MariaDB's refusal. A script's header\n"
	  "'-- aurmig:online required' does the same for it. SQLite, PostgreSQL: no effect.\n"
	  "--warn-blocking SECS (MariaDB; default 1, off: never): warn on stderr before a\n"
	  "statement that blocks writes to a table for about SECS or more (estimated from\n"
	  "the table's size); --json lists the warnings.\n" },
	{ "downgrade",
	  "usage: aurmig [global options] downgrade [--online] [--warn-blocking SECS|off] TARGET\n"
	  "       aurmig [global options] downgrade --sql [START:]TARGET [--dialect D]\n\n"
	  "Revert migrations down to TARGET: a revision, base, LABEL@base, -N, LABEL@-N,\n"
	  "REV-N. Refuses before running anything if a migration on the way has no\n"
	  "downgrade section. --online, --warn-blocking: as for upgrade.\n" },
	{ "stamp",
	  "usage: aurmig [global options] stamp [--purge] TARGET...\n"
	  "       aurmig [global options] stamp --sql [START:]TARGET [--dialect D]\n\n"
	  "Rewrite the version table to TARGET(s) without running any migration, the\n"
	  "way Alembic does. --purge empties the table first (the way out when it holds\n"
	  "revisions these migrations do not know).\n" },
	{ "init",
	  "usage: aurmig [global options] init\n\n"
	  "Build an empty database at head: run the head schema of the migrations\n"
	  "directory (schema/<dialect>.sql, with the seed rows) and stamp the revision\n"
	  "it names. Refuses on a database that has any table.\n" },
	{ "config-stamp",
	  "usage: aurmig [global options] --config-file FILE config-stamp\n\n"
	  "Accept the configuration file as it is: write the database's revision into\n"
	  "its [aurmig] revision key and record its checksum (after a hand edit was\n"
	  "checked, or a restore from a backup).\n" },
	{ "current",
	  "usage: aurmig [global options] current [-v] [--timeout SECS]\n\n"
	  "Print the database's current revision(s). Read-only: never creates the\n"
	  "version table. --timeout: how long a statement may wait (default 5; exit 4).\n" },
	{ "lock",
	  "usage: aurmig [global options] lock [--break [--force]] [--timeout SECS]\n\n"
	  "Show the deploy lock of the database: its kind (lease, get_lock, advisory,\n"
	  "flock), whether it is held, and by whom (a lease: owner, host, pid, node,\n"
	  "acquired, heartbeat, expires; a session lock: the connection, where the\n"
	  "server tells). Read-only; exit 0. --break removes an expired lease (not when\n"
	  "its process is alive on this host) and names its holder; a live lease or a\n"
	  "held session lock is refused with exit 9. --break --force deletes a live\n"
	  "lease (its run stops at its next renewal) or kills the session holding\n"
	  "GET_LOCK / the advisory lock; an SQLite flock cannot be broken (exit 1).\n" },
	{ "check",
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
	  "declared one (schema/portable.sql, else schema/<dialect>.sql; MySQL and\n"
	  "PostgreSQL load it into the empty --scratch-url database): exit 8 when\n"
	  "they differ. Behind head (or without a declared schema) the migrations are\n"
	  "replayed on a scratch database (SQLite: a temporary file; else the empty\n"
	  "--scratch-url database) to the database's version rows and compared with\n"
	  "it: exit 8 on drift, else 3 (0 at head); 9 when a run holds the deploy lock.\n" },
	{ "heads",
	  "usage: aurmig [global options] heads [-v] [--single]\n\n"
	  "Print the head revisions of the migrations directory. --single (a CI guard)\n"
	  "exits 1, naming them, when there is more than one head.\n" },
	{ "revision",
	  "usage: aurmig [global options] revision -m MESSAGE [--head REV]... [--branch-label L]\n"
	  "                                [--depends-on REV]... [--rev-id ID]\n"
	  "                                [--autogenerate [--scratch-url URL]]\n\n"
	  "Write a new script <id>_<slug>.sql into the migrations directory, after the\n"
	  "only head, or after --head (several --head make a merge; --head base starts a\n"
	  "new base). With several heads and no --head it refuses, listing them.\n"
	  "--autogenerate: the database must be at head; the script's portable sections\n"
	  "turn its schema into the declared one (schema/portable.sql, else\n"
	  "schema/<dialect>.sql) and back. Review it before use.\n" },
	{ "merge",
	  "usage: aurmig [global options] merge -m MESSAGE [--branch-label L] [--rev-id ID] REV...|heads\n\n"
	  "Write a merge script whose down revisions are the given revisions (or all\n"
	  "heads).\n" },
	{ "schema",
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
	  "and its journal. See docs/schema.md for the type mapping.\n" },
	{ "branches",
	  "usage: aurmig [global options] branches [-v]\n\n"
	  "Print the branch points and the revisions they branch into.\n" },
	{ "history",
	  "usage: aurmig [global options] history [-r START:END] [-v] [-i]\n\n"
	  "List revisions, newest first. -r limits the range (either side may be empty;\n"
	  "current, base, heads, a revision, -N, REV+N). -i marks the current revision(s).\n" },
	{ "show",
	  "usage: aurmig [global options] show REV|current\n\n"
	  "Describe one revision.\n" },
	{ "validate",
	  "usage: aurmig [global options] validate [--timeout SECS] [--accept [REV]]\n\n"
	  "Compare the database with the migrations: pending migrations (exit 3),\n"
	  "applied migrations whose file changed since they ran (exit 6), a failed\n"
	  "migration awaiting recovery (exit 5), revisions no file knows (exit 7), a\n"
	  "migration in progress now (exit 9); a version table recording a revision\n"
	  "and its descendant is an error (1).\n"
	  "-v also lists applied migrations without a recorded checksum. --accept\n"
	  "records the current files' checksums (of REV, or every changed one).\n" },
	{ "resume",
	  "usage: aurmig [global options] resume [--ddl-lock-wait SECS] [--lock-retries N] [REV]\n\n"
	  "Run the rest of the migration that failed half-way (MySQL/MariaDB, or a\n"
	  "script with 'transaction off'), from the statement that failed, using the\n"
	  "current file; then record it as done. Refuses when the version table\n"
	  "already records it (or, for a downgrade, no longer does), and (exit 9)\n"
	  "while the run that failed is alive (a migration in progress).\n" },
	{ "mark-applied",
	  "usage: aurmig [global options] mark-applied [REV]\n\n"
	  "Record the migration that failed half-way as applied: you completed it by\n"
	  "hand. Updates the version table; when that already records it, resolves\n"
	  "only the journal row and says so. Refuses (exit 9) while the run is alive.\n" },
	{ "mark-rolled-back",
	  "usage: aurmig [global options] mark-rolled-back [REV]\n\n"
	  "Record that the partial changes of the migration that failed half-way were\n"
	  "undone by hand. The version table stays as it is. Refuses when the version\n"
	  "table already records the migration as done, and (exit 9) while the run\n"
	  "is alive.\n" },
};

int out_help(FILE *f, const char *verb)
{
	if (!verb) {
		fprintf(f,
			"usage: aurmig [global options] COMMAND [options] [args]\n\n"
			"Alembic-compatible database schema migrations (libaurmig %s).\n\n"
			"Commands:\n"
			"  init                 build an empty database at head (head schema + stamp)\n"
			"  upgrade [TARGET]     run migrations up to TARGET (default heads)\n"
			"  downgrade TARGET     revert migrations down to TARGET\n"
			"  stamp TARGET...      set the version table without running migrations\n"
			"  current              show the database's revision(s)\n"
			"  check                exit 0 if the database is at head, 3 if not\n"
			"  heads                show the head revisions\n"
			"  branches             show branch points\n"
			"  history              list revisions\n"
			"  show REV             describe a revision\n"
			"  validate             compare the database with the migrations (checksums)\n"
			"  revision -m MSG      write a new migration script\n"
			"  merge -m MSG heads   write a merge script\n"
			"  schema dump|diff     print the schema as DDL, or compare it with another\n"
			"  lint [REV|FILE]...   check scripts for data loss, locks, failing changes\n"
			"  test                 upgrade, step down and up, compare on scratch databases\n"
			"  hash                 write DIR/aurmig.sum, the scripts' checksums\n"
			"  lock [--break]       show (or break) the deploy lock's holder\n"
			"  resume               finish a migration that failed half-way\n"
			"  mark-applied         record a half-failed migration as completed by hand\n"
			"  mark-rolled-back     record a half-failed migration as undone by hand\n\n"
			"Global options:\n"
			"  --url URL            sqlite:///path.db, mysql://user:pass@host:port/db,\n"
			"                       pgsql://user:pass@host:port/db (or AURMIG_URL)\n"
			"  --aurweb-config FILE aurweb's config file (or AUR_CONFIG): the connection from\n"
			"                       [database] (FILE.defaults, or AUR_CONFIG_DEFAULTS, read\n"
			"                       first, as aurweb does), and the file config steps edit\n"
			"  -d, --dir DIR        migrations directory (default: migrations)\n"
			"  --lock-timeout SECS  wait at most SECS for the deploy lock (default 60)\n"
			"  --lock-mode MODE     the deploy lock: auto (a lease row on a Galera node, else\n"
			"                       the session lock), session (GET_LOCK etc.), lease\n"
			"  --lock-lease SECS    a lease lasts SECS without renewal (default 600; must\n"
			"                       outlast the longest single statement; docs/clusters.md)\n"
			"  --allow-non-toi      migrate on a Galera node whose wsrep_OSU_method is not TOI\n"
			"  --timeout SECS       read-only commands: any statement waits at most SECS\n"
			"                       for a lock or an answer (default 5; 0: no bound)\n"
			"  --ddl-lock-wait SECS migrations: each statement waits at most SECS for a\n"
			"                       lock (default 10; 0: the server's own bound)\n"
			"  --lock-retries N     retry a statement that timed out on a lock (default 3)\n"
			"  --version-table NAME the version table (default alembic_version)\n"
			"  --json               print one JSON document (docs/json.md)\n"
			"  --hook NAME=COMMAND  run COMMAND for the migrations' hook NAME (repeatable)\n"
			"  --config FILE        aurmig configuration, [hooks] name = command (or AURMIG_CONFIG)\n"
			"  --config-file FILE   the INI file config steps edit, if not --aurweb-config's\n"
			"  --no-color           no colours (also: NO_COLOR set, or not a terminal)\n"
			"  --no-sum-check       do not compare DIR/aurmig.sum with the scripts\n"
			"  -q, --quiet          print only errors\n"
			"  -v, --verbose        print more\n"
			"  --version            print the version\n"
			"  -h, --help           this help; 'aurmig COMMAND --help' for a command\n\n"
			"Exit codes: 0 ok, 1 error, 2 usage, 3 not at head, 4 timed out waiting (lock,\n"
			"database; nothing of the step applied),\n"
			"5 a failed migration awaits recovery, 6 an applied migration was edited,\n"
			"7 the database holds a revision these migrations do not know,\n"
			"8 check --schema: the schema is not the declared one,\n"
			"9 a migration is in progress (another run holds the deploy lock),\n"
			"10 lint found an error.\n",
			aurmig_version_string());
		return 0;
	}
	if (strcmp(verb, "lint") == 0) {
		fputs(cmd_lint_help, f);
		return 0;
	}
	if (strcmp(verb, "test") == 0 || strcmp(verb, "hash") == 0) {
		fputs(verb[0] == 't' ? cmd_test_help : cmd_hash_help, f);
		return 0;
	}
	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (strcmp(helps[i].verb, verb) == 0) {
			fputs(helps[i].text, f);
			return 0;
		}
	return -1;
}
