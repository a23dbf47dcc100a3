/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Config steps: `-- aurmig:config ...` lines in a migration's sections
 * edit an INI configuration file (aurweb's) together with the schema.
 *
 *   -- aurmig:config set [if-unset] [if-equal=OLD] SECTION KEY = VALUE
 *   -- aurmig:config remove [if-equal=OLD] SECTION KEY
 *   -- aurmig:config rename-key SECTION OLD NEW
 *   -- aurmig:config rename-section OLD NEW
 *   -- aurmig:config add-section SECTION
 *   -- aurmig:config remove-section [if-empty] SECTION
 *
 * They apply after the step's database part commits. The file records the
 * revision(s) it matches in `[aurmig] revision`.
 */
#ifndef AURMIG_CONFIG_H
#define AURMIG_CONFIG_H

#include "ini/inifile.h"

enum { AURMIG__CFG_SET = 1, AURMIG__CFG_REMOVE, AURMIG__CFG_RENAME_KEY, AURMIG__CFG_RENAME_SECTION,
	AURMIG__CFG_ADD_SECTION, AURMIG__CFG_REMOVE_SECTION };
/* remove-section's condition (in aurmig__cfgop.cond): only a section without keys */
enum { AURMIG__CFG_IF_EMPTY = 1 };

typedef struct aurmig__cfgop {
	int kind;
	int cond;            /* aurmig__ini_cond; remove-section: AURMIG__CFG_IF_EMPTY or 0 */
	char *cond_value;
	char *section;
	char *key;           /* or the old name (rename-key: key; rename-section: unused) */
	char *arg;           /* value (set) or new name (renames) */
	int line;
} aurmig__cfgop;

/* The config lines of a section (sql starts at file line first_line). */
int aurmig__config_ops(aurmig__cfgop **out, size_t *n, aurmig_context *ctx, const char *sql,
	const char *path, int first_line);
void aurmig__config_ops_free(aurmig__cfgop *ops, size_t n);
/* Apply them; *changed counts the edits that applied. */
int aurmig__config_apply(aurmig__ini *ini, const aurmig__cfgop *ops, size_t n, int *changed);
/* Set [aurmig] revision to the given rows (space-separated, sorted as given). */
int aurmig__config_mark(aurmig__ini *ini, aurmig_context *ctx, const aurmig__strv *rows);

/* Run-time (config.c, with the plan's internals). */
struct aurmig_plan;
struct aurmig_step;
/* Before a step commits, in its transaction: journal row "pending" for its
 * config steps (so a crash before the file is written is finished later). */
int aurmig__config_announce(struct aurmig_plan *p, struct aurmig_step *s);
/* After a step committed: track the rows, apply its config steps, save. */
int aurmig__config_after_step(struct aurmig_plan *p, struct aurmig_step *s);
/* At the end of a plan: [aurmig] revision = the final rows. */
int aurmig__config_final(struct aurmig_plan *p);
/* Before planning: finish config steps an earlier run could not write. */
int aurmig__config_finish_pending(struct aurmig_plan *p);

/* TEST ONLY (process-level fault tests, tests/integration/crash_helper.c;
 * not exported from the shared library): call fn(arg, point) at the
 * config-file fault points of plan p: AURMIG__CFG_TEST_COMMITTED when a
 * step's database part has committed and its config steps are not applied
 * yet, and an aurmig__ini_save_step right before each step of every save of
 * the file. NULL disarms. */
enum { AURMIG__CFG_TEST_COMMITTED = 100 };
void aurmig__plan_test_config_hook(struct aurmig_plan *p, void (*fn)(void *arg, int point), void *arg);

#endif
