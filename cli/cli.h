/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The aurmig command line: shared declarations. The CLI only parses
 * arguments, calls the public API and prints. */
#ifndef AURMIG_CLI_H
#define AURMIG_CLI_H

#include <stdio.h>
#include <jansson.h>
#include <aurmig/aurmig.h>

/* Exit codes: stable, documented in README.md. */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_NOT_AT_HEAD = 3,
	EXIT_LOCKED = 4,          /* lock timeout, or timed out waiting for the database */
	EXIT_NEEDS_RECOVERY = 5,  /* a failed migration awaits recovery */
	EXIT_DRIFT = 6,           /* an applied migration was edited */
	EXIT_UNKNOWN_REVISION = 7,
	EXIT_SCHEMA_DIFFERS = 8,  /* check --schema: the database is not the declared schema */
	EXIT_IN_PROGRESS = 9,     /* a migration is running now (its run holds the deploy lock) */
	EXIT_LINT = 10,           /* lint: an error-level finding (or a warning with --werror) */
	EXIT_ASSERT = 12          /* a script's -- aurmig:assert failed: nothing of its step ran */
};

typedef struct cli {
	const char *url;
	const char *aurweb_config;
	const char *dir;
	const char *version_table;
	const char *config_file;   /* --config-file: the INI file config steps edit */
	int quiet;
	int verbose;
	long lock_timeout_ms;
	int lock_mode;            /* --lock-mode: aurmig_lock_mode */
	long lock_lease_s;        /* --lock-lease: seconds (0: the library's 600) */
	int allow_non_toi;        /* --allow-non-toi */
	long timeout_ms;          /* --timeout: wait bound of read-only verbs (0: none) */
	long ddl_lock_wait_ms;    /* --ddl-lock-wait: lock-wait bound of migration statements */
	int lock_retries;         /* --lock-retries */
	int online;               /* upgrade/downgrade --online: refuse blocking DDL (MariaDB) */
	long warn_blocking_ms;    /* upgrade/downgrade --warn-blocking: warn before a write stall this long */
	json_t *warnings;         /* --json: the plan's blocking-statement warnings */
	int read_only;            /* the verb only reads: cli_connect applies timeout_ms */
	int stdout_tty;           /* progress: stdout is a terminal */
	int step_open;            /* progress: a step's line is printed, its time not yet */
	int step_redrawn;         /* progress: the line was redrawn with statement counts */
	double step_t0;           /* progress: when the step began (monotonic seconds) */
	int config_read;  /* --config given */
	const char *config_path;   /* --config or AURMIG_CONFIG: aurmig's configuration file */
	int json;         /* --json: one JSON document on stdout (docs/json.md) */
	int color;        /* colours on stderr (a terminal, and no NO_COLOR) */
	int open_existing; /* a read-only verb: an SQLite file must exist (AURMIG_OPEN_EXISTING) */
	int config_file_default; /* config_file is aurweb's config, not --config-file */
	int no_sum_check;  /* --no-sum-check: DIR/aurmig.sum is not compared */
	const char *verb;  /* the command being run ("check"), for messages */
	size_t steps_done; /* progress: steps committed so far */
	aurmig_context *ctx;
	aurmig_graph *graph;
	aurmig_conn *conn;
} cli;

/* The one table of commands, options, exit codes and environment variables
 * (commands.c). main.c parses with it; --help and `aurmig help [--json]`
 * print it; tests/cli/check_docs.py checks the docs and completion. */
enum cli_global {   /* what main.c does with a global option */
	CLI_G_URL = 1, CLI_G_AURWEB_CONFIG, CLI_G_DIR, CLI_G_LOCK_TIMEOUT, CLI_G_LOCK_MODE, CLI_G_LOCK_LEASE,
	CLI_G_ALLOW_NON_TOI, CLI_G_TIMEOUT, CLI_G_DDL_LOCK_WAIT, CLI_G_LOCK_RETRIES, CLI_G_VERSION_TABLE,
	CLI_G_JSON, CLI_G_HOOK, CLI_G_CONFIG, CLI_G_CONFIG_FILE, CLI_G_NO_COLOR, CLI_G_NO_SUM_CHECK,
	CLI_G_QUIET, CLI_G_VERBOSE, CLI_G_VERSION, CLI_G_HELP
};
typedef struct cli_option {
	const char *name;     /* long name, without "--" */
	int short_name;       /* 'd', or 0 */
	const char *arg;      /* its value's name ("SECS"), or NULL: a flag */
	const char *verbs;    /* NULL: global; else the verbs that take it, space-separated */
	const char *help;     /* lines separated by \n */
	int global;           /* a global option's CLI_G_*; 0 for verb options */
} cli_option;
typedef struct cli_command {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);  /* argv[0] is the verb */
	const char *args;     /* in the command list: "[TARGET]" */
	const char *summary;  /* one line for aurmig --help */
	const char *help;     /* usage and description for aurmig help VERB */
	const char *exits;    /* exit codes besides 0, 1, 2, space-separated ("3 4") */
	const char *subcommands; /* "dump diff", or NULL */
} cli_command;
typedef struct cli_exit { int code; const char *meaning; } cli_exit;
typedef struct cli_env { const char *name; const char *meaning; } cli_env;
extern const cli_command cli_commands[];
extern const size_t cli_ncommands;
extern const cli_option cli_options[];
extern const size_t cli_noptions;
extern const cli_exit cli_exits[];
extern const size_t cli_nexits;
extern const cli_env cli_envs[];
extern const size_t cli_nenvs;
/* Whether the option row is taken by verb (global options: by every verb). */
int cli_option_of(const cli_option *o, const char *verb);
const cli_command *cli_command_find(const char *name);
/* The table as one JSON document (aurmig help --json). */
json_t *cli_table_json(void);

/* Loading on demand; each prints its own error and returns an exit code. */
int cli_load_graph(cli *c);
int cli_connect(cli *c);
/* --config-file defaults to aurweb's config (--aurweb-config or AUR_CONFIG). */
void cli_default_config_file(cli *c);
/* Parse SECONDS (0 to a week) into milliseconds; prints and returns -1 when bad. */
int cli_seconds(const char *opt, const char *v, long *ms_out);
/* --timeout (reads), --ddl-lock-wait and --lock-retries (writes), as global
 * or verb options: 1 when argv[*i] was one (advanced), 0 when not, -1 when
 * its value is bad (printed). */
int cli_wait_option(cli *c, int argc, char **argv, int *i, int reads, int writes);
/* Print the context's last error to stderr; returns the exit code for it. */
int cli_fail(cli *c, int rc);
/* cli_fail() without the --json document (the caller adds to it: jout_error_new()). */
int cli_fail_doc(cli *c, int rc);

/* Hooks as external commands (hooks.c). */
int cli_add_hook(cli *c, const char *spec);          /* NAME=COMMAND */
int cli_read_config(cli *c, const char *path);       /* [hooks] name = command */
int cli_register_hooks(cli *c);
void cli_free_hooks(void);

/* Verbs. argv[0] is the verb. */
int cmd_upgrade(cli *c, int argc, char **argv);
int cmd_downgrade(cli *c, int argc, char **argv);
int cmd_stamp(cli *c, int argc, char **argv);
int cmd_current(cli *c, int argc, char **argv);
int cmd_check(cli *c, int argc, char **argv);
int cmd_heads(cli *c, int argc, char **argv);
int cmd_branches(cli *c, int argc, char **argv);
int cmd_history(cli *c, int argc, char **argv);
int cmd_show(cli *c, int argc, char **argv);
int cmd_validate(cli *c, int argc, char **argv);
int cmd_recover(cli *c, int argc, char **argv);   /* resume, mark-applied, mark-rolled-back */
int cmd_revision(cli *c, int argc, char **argv);  /* revision, merge */
int cmd_init(cli *c, int argc, char **argv);
int cmd_config_stamp(cli *c, int argc, char **argv);
int cmd_lock(cli *c, int argc, char **argv);      /* cmd_migrate.c */
int cmd_schema(cli *c, int argc, char **argv);
int cmd_lint(cli *c, int argc, char **argv);       /* cmd_lint.c */
extern const char cmd_lint_help[];
void cli_lint_written(cli *c, const char *id);   /* revision --autogenerate: lint what it wrote */
int cmd_test(cli *c, int argc, char **argv);       /* cmd_test.c */
extern const char cmd_test_help[];
int cmd_hash(cli *c, int argc, char **argv);       /* cmd_test.c */
extern const char cmd_hash_help[];
int cli_sum_update(cli *c);   /* revision, merge: renew DIR/aurmig.sum when there is one */

/* The declared head schema, loaded into a scratch database (cmd_schema.c). */
typedef struct cli_declared {
	char *path;
	char tmpdir[4096];
	char *tmpurl;
	aurmig_conn *scratch;
} cli_declared;
int cli_declared_schema(cli *c, const char *scratch_url, aurmig_schema **out, cli_declared *d);
void cli_declared_done(cli_declared *d);
/* A scratch SQLite database in a new temporary directory, and its removal. */
int cli_sqlite_scratch(cli *c, char *dir, size_t dirsize, char **url);
void cli_remove_scratch(const char *dir);
int cli_print_diff(cli *c, const aurmig_schema *a, const aurmig_schema *b, const aurmig_schema_diff *d, int differs,
	int skip_order);
json_t *cli_diff_json(const aurmig_schema_diff *d, int skip_order);
/* Drift at the database's revision (cmd_schema.c): the migrations replayed
 * on a scratch database (SQLite: a temporary file; else scratch_url) to the
 * database's version rows, compared with it (aurmig_drift_read; hold: take
 * and keep the deploy lock, else probe it). *ndiff: differences, column
 * order left out. Prints the error and returns the exit code on failure. */
typedef struct cli_drift {
	aurmig_schema *live, *expected;
	aurmig_schema_diff *diff;
	char *revisions;   /* the database's version rows, space-separated */
	size_t ndiff;
} cli_drift;
int cli_drift_read(cli *c, const char *scratch_url, int hold, cli_drift *out);
void cli_drift_done(cli_drift *d);

/* JSON helpers (json_out.c). */
json_t *jout_strings(size_t n, const char *(*at)(const void *, size_t), const void *obj);
json_t *jout_revision(const aurmig_migration *m, int is_current);
int jout_print(json_t *o);   /* prints, frees, returns an exit code */
void jout_error(cli *c, int rc, int exit_code);
/* The error document of the context's last error, not printed yet:
 * {"ok": false, "exit_code", "changed": false, "message", "error": {...}}. */
json_t *jout_error_new(cli *c, int rc, int exit_code);
/* --json: stderr keeps its first error line; jout_finish() prints the error
 * (or {"ok": true}) document when the run printed none. */
void jout_capture_stderr(void);
void jout_finish(int exit_code);

/* Output helpers (output.c). */
/* text with its control characters escaped (\x1b, \r, ...; newlines kept
 * when lines): for anything that came from the database, directly or in a
 * library message. out_line: prefix, the escaped text, a newline. */
void out_text(FILE *f, const char *text, int lines);
void out_line(FILE *f, const char *prefix, const char *text, int lines);
/* "rev (labels) (head) ..." with optional parents prefix and message suffix. */
void out_rev_line(FILE *f, const aurmig_migration *m, int parents, int branches, int indicators,
	int doc, int is_current);
/* Alembic-style verbose block. */
void out_rev_verbose(FILE *f, const aurmig_migration *m, int is_current);
/* Help text of a verb, or of the program when verb is NULL; 0 when known. */
int out_help(FILE *f, const char *verb);

/* Tiny option scanner for verbs: returns 1 and advances when argv[*i]
 * is the flag (with its value in *val for options taking one). */
int opt_flag(int argc, char **argv, int *i, const char *shortf, const char *longf);
int opt_value(int argc, char **argv, int *i, const char *shortf, const char *longf, const char **val);

#endif
