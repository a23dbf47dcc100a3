/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Config steps: parsing the `-- aurmig:config` lines and applying them. */
#include <stdlib.h>
#include <string.h>

#include "run/config.h"

void aurmig__config_ops_free(aurmig__cfgop *ops, size_t n)
{
	for (size_t i = 0; ops && i < n; i++) {
		free(ops[i].cond_value);
		free(ops[i].section);
		free(ops[i].key);
		free(ops[i].arg);
	}
	free(ops);
}

static int blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The next blank-separated word of [*p, e). */
static char *word(aurmig_context *ctx, const char **p, const char *e)
{
	const char *s;
	while (*p < e && blank(**p))
		(*p)++;
	s = *p;
	while (*p < e && !blank(**p))
		(*p)++;
	return *p > s ? aurmig__strndup(ctx, s, (size_t)(*p - s)) : NULL;
}

static int bad(aurmig_context *ctx, const char *path, int line, const char *why)
{
	return aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
		"config step: %s (expected: set [if-unset] [if-equal=OLD] SECTION KEY = VALUE | "
		"remove [if-equal=OLD] SECTION KEY | rename-key SECTION OLD NEW | rename-section OLD NEW | "
		"add-section SECTION | remove-section [if-empty] SECTION)", why);
}

static int parse_line(aurmig__cfgop *op, aurmig_context *ctx, const char *p, const char *e,
	const char *path, int line)
{
	char *verb = word(ctx, &p, e), *w;
	int rc = AURMIG_OK;

	memset(op, 0, sizeof(*op));
	op->line = line;
	if (!verb)
		return bad(ctx, path, line, "nothing after 'config'");
	if (!strcmp(verb, "set") || !strcmp(verb, "remove")) {
		op->kind = !strcmp(verb, "set") ? AURMIG__CFG_SET : AURMIG__CFG_REMOVE;
		for (;;) {
			const char *save = p;
			w = word(ctx, &p, e);
			if (w && op->cond && (!strcmp(w, "if-unset") || !strncmp(w, "if-equal=", 9))) {
				free(w);
				free(verb);
				return bad(ctx, path, line, "only one condition per step");
			} else if (w && !strcmp(w, "if-unset") && op->kind == AURMIG__CFG_SET) {
				op->cond = AURMIG__INI_IF_UNSET;
			} else if (w && !strncmp(w, "if-equal=", 9)) {
				op->cond = AURMIG__INI_IF_EQUAL;
				if (!(op->cond_value = aurmig__strdup(ctx, w + 9))) {
					free(w);
					free(verb);
					return AURMIG_ENOMEM;
				}
			} else {
				free(w);
				p = save;
				break;
			}
			free(w);
		}
		op->section = word(ctx, &p, e);
		op->key = word(ctx, &p, e);
		if (!op->section || !op->key)
			rc = bad(ctx, path, line, "a section and a key are needed");
		else if (op->kind == AURMIG__CFG_SET) {
			while (p < e && blank(*p))
				p++;
			if (p >= e || *p != '=')
				rc = bad(ctx, path, line, "'= VALUE' is missing");
			else {
				p++;
				while (p < e && blank(*p))
					p++;
				while (e > p && blank(e[-1]))
					e--;
				if (!(op->arg = aurmig__strndup(ctx, p, (size_t)(e - p))))
					rc = AURMIG_ENOMEM;
			}
		} else if ((w = word(ctx, &p, e))) {
			free(w);
			rc = bad(ctx, path, line, "too many words");
		}
	} else if (!strcmp(verb, "rename-key")) {
		op->kind = AURMIG__CFG_RENAME_KEY;
		op->section = word(ctx, &p, e);
		op->key = word(ctx, &p, e);
		op->arg = word(ctx, &p, e);
		if (!op->section || !op->key || !op->arg)
			rc = bad(ctx, path, line, "rename-key needs SECTION OLD NEW");
	} else if (!strcmp(verb, "rename-section")) {
		op->kind = AURMIG__CFG_RENAME_SECTION;
		op->section = word(ctx, &p, e);
		op->arg = word(ctx, &p, e);
		if (!op->section || !op->arg)
			rc = bad(ctx, path, line, "rename-section needs OLD NEW");
	} else if (!strcmp(verb, "remove-section")) {
		op->kind = AURMIG__CFG_REMOVE_SECTION;
		op->section = word(ctx, &p, e);
		if (op->section && !strcmp(op->section, "if-empty")) {
			op->cond = AURMIG__CFG_IF_EMPTY;
			free(op->section);
			op->section = word(ctx, &p, e);
		}
		if (!op->section)
			rc = bad(ctx, path, line, "remove-section needs SECTION");
		else if ((w = word(ctx, &p, e))) {
			free(w);
			rc = bad(ctx, path, line, "too many words");
		}
	} else if (!strcmp(verb, "add-section")) {
		op->kind = AURMIG__CFG_ADD_SECTION;
		op->section = word(ctx, &p, e);
		if (!op->section)
			rc = bad(ctx, path, line, "add-section needs SECTION");
	} else {
		rc = aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, line,
			"unknown config step '%s'", verb);
	}
	free(verb);
	return rc;
}

int aurmig__config_ops(aurmig__cfgop **out, size_t *n, aurmig_context *ctx, const char *sql,
	const char *path, int first_line)
{
	const char *p = sql;
	int line = first_line, rc = AURMIG_OK;
	aurmig__cfgop *ops = NULL;
	size_t cnt = 0;

	*out = NULL;
	*n = 0;
	while (*p && !rc) {
		const char *e = strchr(p, '\n'), *q = p;
		if (!e)
			e = p + strlen(p);
		while (q < e && blank(*q))
			q++;
		if (e - q > 2 && q[0] == '-' && q[1] == '-') {
			q += 2;
			while (q < e && blank(*q))
				q++;
			if ((size_t)(e - q) > 14 && !strncmp(q, "aurmig:config", 13) && blank(q[13])) {
				aurmig__cfgop *grown = aurmig__reallocarray(ctx, ops, cnt + 1, sizeof(*ops));
				if (!grown) {
					rc = AURMIG_ENOMEM;
					break;
				}
				ops = grown;
				rc = parse_line(&ops[cnt], ctx, q + 14, e, path, line);
				cnt++;
			}
		}
		p = *e ? e + 1 : e;
		line++;
	}
	if (rc) {
		aurmig__config_ops_free(ops, cnt);
		return rc;
	}
	*out = ops;
	*n = cnt;
	return AURMIG_OK;
}

int aurmig__config_apply(aurmig__ini *ini, const aurmig__cfgop *ops, size_t n, int *changed)
{
	int rc = AURMIG_OK;

	*changed = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		const aurmig__cfgop *o = &ops[i];
		int applied = 0;
		switch (o->kind) {
		case AURMIG__CFG_SET:
			rc = aurmig__ini_set(ini, o->section, o->key, o->arg, (aurmig__ini_cond)o->cond, o->cond_value, &applied);
			break;
		case AURMIG__CFG_REMOVE:
			rc = aurmig__ini_remove(ini, o->section, o->key, (aurmig__ini_cond)o->cond, o->cond_value, &applied);
			break;
		case AURMIG__CFG_RENAME_KEY:
			rc = aurmig__ini_rename_key(ini, o->section, o->key, o->arg, AURMIG__INI_ALWAYS, NULL, &applied);
			break;
		case AURMIG__CFG_RENAME_SECTION:
			rc = aurmig__ini_rename_section(ini, o->section, o->arg, &applied);
			break;
		case AURMIG__CFG_REMOVE_SECTION:
			rc = aurmig__ini_remove_section(ini, o->section, o->cond == AURMIG__CFG_IF_EMPTY, &applied);
			break;
		default:
			rc = aurmig__ini_add_section(ini, o->section, NULL, 0, &applied);
			break;
		}
		*changed += applied;
	}
	return rc;
}

int aurmig__config_mark(aurmig__ini *ini, aurmig_context *ctx, const aurmig__strv *rows)
{
	aurmig__buf b;
	char *v;
	int applied, rc;

	aurmig__buf_init(&b, ctx);
	for (size_t i = 0; i < rows->n; i++)
		aurmig__buf_printf(&b, "%s%s", i ? " " : "", rows->v[i]);
	if (!(v = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	rc = aurmig__ini_set(ini, "aurmig", "revision", v, AURMIG__INI_ALWAYS, NULL, &applied);
	free(v);
	return rc;
}

/* ---------------------------------------------------------------- running */

#include <fcntl.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>

#include "db/journal.h"
#include "db/lock.h"
#include "run/plan_priv.h"
#include "db/version.h"

#define BACKUP_SUFFIX ".aurmig-bak"

static int config_journal_id(aurmig_plan *p, const char *revision, const char *op, const char *outcome,
	const char *error, char run_id[33])
{
	aurmig__jentry e = { 0 };
	char sum[AURMIG__INI_CHECKSUM_SIZE];
	aurmig__strv none = { 0 };

	aurmig__ini_checksum(p->ini, sum);
	if (aurmig__journal_run_id(run_id))
		memcpy(run_id, "00000000000000000000000000000000", 33);
	e.run_id = run_id;
	e.revision = revision;
	e.operation = op;
	e.from = &none;
	e.to = &p->heads_now;
	e.checksum = sum;
	e.outcome = outcome;
	e.atomic = 1;
	e.error = error;
	return aurmig__journal_insert(p->conn, &e);
}

static int config_journal(aurmig_plan *p, const char *revision, const char *op, const char *outcome,
	const char *error)
{
	char run_id[33];
	return config_journal_id(p, revision, op, outcome, error, run_id);
}

static const char *step_rev(const aurmig_step *s)
{
	return s->mig ? s->mig->id : s->to.n ? s->to.v[0] : "base";
}

static const char *step_op(const aurmig_step *s)
{
	return s->kind == AURMIG_STEP_DOWNGRADE ? "config-downgrade" : "config-upgrade";
}

int aurmig__config_announce(aurmig_plan *p, aurmig_step *s)
{
	/* written in the step's transaction: a crash between the commit and the
	 * file write leaves this row, and the next run finishes the step */
	if (!p->ini || !s->ncfg)
		return AURMIG_OK;
	return config_journal_id(p, step_rev(s), step_op(s), "pending", NULL, s->cfg_run_id);
}

/* Apply the rows a step changes to heads_now. */
static int track_heads(aurmig_plan *p, const aurmig_step *s)
{
	int rc = AURMIG_OK;

	for (size_t k = 0; k < s->nops && !rc; k++) {
		const aurmig__rowop *o = &s->ops[k];
		for (size_t i = 0; i < p->heads_now.n; i++)
			if (o->op != AURMIG__OP_INSERT && !strcmp(p->heads_now.v[i], o->a)) {
				aurmig__strv_remove_at(&p->heads_now, i);
				break;
			}
		if (o->op == AURMIG__OP_INSERT)
			rc = aurmig__strv_push(&p->heads_now, p->ctx, o->a);
		else if (o->op == AURMIG__OP_UPDATE)
			rc = aurmig__strv_push(&p->heads_now, p->ctx, o->b);
	}
	return rc;
}

/*
 * The file may change while a deploy runs (an operator's hand edit): every
 * write compares the file on disk with what aurmig last read or wrote
 * (snapshot taken before the edits of the write, cfg_snap). When they
 * differ, the edits are applied again on top of the file as it is now, if
 * nothing they read or write changed (the "signature": the values of the
 * keys they touch, whether their sections exist, [aurmig] revision;
 * section-wide edits such as rename-section take the whole file); else
 * the write is refused: the file stays as the operator left it, aurmig's
 * version is kept beside it (FILE.aurmig-new.RUN) and the config step stays
 * pending (AURMIG_EDRIFT, exit 6).
 */
typedef struct cfg_snap {
	char sum[AURMIG__INI_CHECKSUM_SIZE];
	char *sig;
} cfg_snap;

static void sig_key(aurmig__buf *b, const aurmig__ini *ini, const char *section, const char *key)
{
	const char *v = key ? aurmig__ini_get(ini, section, key) : NULL;

	aurmig__buf_printf(b, "%zu:%s %d", strlen(section), section, aurmig__ini_has_section(ini, section));
	if (key)
		aurmig__buf_printf(b, " %zu:%s %s%zu:%s", strlen(key), key, v ? "=" : "-", v ? strlen(v) : 0, v ? v : "");
	aurmig__buf_puts(b, "\n");
}

static char *signature(const aurmig__ini *ini, aurmig_context *ctx, const aurmig__cfgop *ops, size_t n)
{
	aurmig__buf b;
	char sum[AURMIG__INI_CHECKSUM_SIZE];

	aurmig__buf_init(&b, ctx);
	sig_key(&b, ini, "aurmig", "revision");
	for (size_t i = 0; i < n; i++) {
		const aurmig__cfgop *o = &ops[i];
		switch (o->kind) {
		case AURMIG__CFG_SET:
		case AURMIG__CFG_REMOVE:
			sig_key(&b, ini, o->section, o->key);
			break;
		case AURMIG__CFG_RENAME_KEY:
			sig_key(&b, ini, o->section, o->key);
			sig_key(&b, ini, o->section, o->arg);
			break;
		case AURMIG__CFG_ADD_SECTION:
			sig_key(&b, ini, o->section, NULL);
			break;
		default:   /* section-wide: any change of the file counts */
			aurmig__ini_checksum(ini, sum);
			aurmig__buf_printf(&b, "file %s\n", sum);
			break;
		}
	}
	return aurmig__buf_detach(&b);
}

/* Before the edits of a write: what the file says (p->ini is what aurmig
 * last read or wrote, unedited). */
static int snap_take(aurmig_plan *p, const aurmig__cfgop *ops, size_t n, cfg_snap *snap)
{
	aurmig__ini_checksum(p->ini, snap->sum);
	snap->sig = signature(p->ini, p->ctx, ops, n);
	return snap->sig ? AURMIG_OK : AURMIG_ENOMEM;
}

static void snap_clear(cfg_snap *snap)
{
	free(snap->sig);
	snap->sig = NULL;
}

/* The run part of backup names, once per plan: sortable UTC time, run id. */
static const char *run_stamp(aurmig_plan *p)
{
	if (!p->cfg_stamp[0]) {
		char rnd[17];
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		if (!p->run_id[0] && aurmig__random_hex(rnd, 8))
			strcpy(rnd, "0000000000000000");
		snprintf(p->cfg_stamp, sizeof(p->cfg_stamp), "%04d%02d%02dT%02d%02d%02dZ.%.8s", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, p->run_id[0] ? p->run_id : rnd);
	}
	return p->cfg_stamp;
}

/* Keep aurmig's version beside the file the operator changed: PATH.aurmig-new.RUN
 * (mode 0600: the file holds the database password). */
static char *keep_ours(aurmig_plan *p, const aurmig__ini *ours)
{
	size_t len;
	const char *text = aurmig__ini_text(ours, &len);
	char *path = aurmig__printf(p->ctx, "%s.aurmig-new.%s", p->opts.config_file, run_stamp(p));
	int fd, ok;

	if (!path)
		return NULL;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	ok = fd >= 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	if (!ok) {
		free(path);
		return NULL;
	}
	return path;
}

/* The run's own backup, PATH.aurmig-bak.RUN[.N]: the file as it was before
 * the run's first write (and before each write after an operator changed
 * it), kept when later runs replace PATH.aurmig-bak. A hard link to the
 * backup the save just made, else a copy (mode 0600). A failure only warns:
 * the file itself is written. */
static void keep_run_backup(aurmig_plan *p)
{
	char *real = aurmig__realpath(p->ctx, p->opts.config_file), *from = NULL, *to = NULL;
	int ok = 0;

	if (real) {
		from = aurmig__printf(p->ctx, "%s%s", real, BACKUP_SUFFIX);
		to = p->cfg_backups ? aurmig__printf(p->ctx, "%s%s.%s.%d", real, BACKUP_SUFFIX, run_stamp(p), p->cfg_backups + 1) :
			aurmig__printf(p->ctx, "%s%s.%s", real, BACKUP_SUFFIX, run_stamp(p));
	}
	if (from && to) {
		ok = link(from, to) == 0;
		if (!ok) {
			aurmig__ini *copy = NULL;
			aurmig__err_hold(p->ctx);
			if (aurmig__ini_load(&copy, p->ctx, from) == AURMIG_OK) {
				size_t len;
				const char *text = aurmig__ini_text(copy, &len);
				int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
				ok = fd >= 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
				if (fd >= 0 && close(fd) != 0)
					ok = 0;
			}
			aurmig__err_release(p->ctx);
			aurmig__ini_free(copy);
		}
	}
	if (ok)
		p->cfg_backups++;
	else
		aurmig__log(p->ctx, AURMIG_LOG_WARNING, "could not keep this run's backup of %s (%s only)",
			p->opts.config_file, BACKUP_SUFFIX);
	free(real);
	free(from);
	free(to);
}

static int save_plain(aurmig_plan *p, const char *revision, const char *op, const char *announced, int backup)
{
	int rc;

	/* PATH.aurmig-bak: the file before this run's first write (later steps
	 * of the run do not replace it), and the run's own copy of it */
	rc = aurmig__ini_save_atomic(p->ini, p->ctx, p->opts.config_file, backup ? BACKUP_SUFFIX : NULL);
	if (!rc && backup)
		keep_run_backup(p);
	if (rc) {
		char *why = aurmig__err_message_dup(p->ctx, 0);
		aurmig__err_hold(p->ctx);
		if (announced && *announced)
			aurmig__journal_update(p->conn, announced, 0, 0, "pending", why, "pending");
		else
			config_journal(p, revision, op, "pending", why);
		aurmig__err_release(p->ctx);
		aurmig__err(p->ctx, rc, AURMIG_ERRCLASS_OS,
			"the database part of %s is applied, but writing %s failed: %s; the file is unchanged "
			"and the config step is pending: the next run with --config-file %s finishes it",
			revision, p->opts.config_file, why ? why : "", p->opts.config_file);
		free(why);
		return rc;
	}
	p->cfg_saved = 1;
	if (announced && *announced && (rc = aurmig__journal_set_outcome(p->conn, announced, 0, AURMIG__J_RESOLVED,
	    "pending")))
		return rc;
	return config_journal(p, revision, op, AURMIG__J_SUCCESS, NULL);
}

/* The file changed under the deploy and the edits cannot go on top of it:
 * nothing is written, the step stays pending. */
static int refuse(aurmig_plan *p, const char *revision, const char *op, const char *announced, const char *why)
{
	char *ours = keep_ours(p, p->ini);
	char *msg = aurmig__printf(p->ctx, "%s changed during the deploy (%s): it was left as it is",
		p->opts.config_file, why);

	aurmig__err_hold(p->ctx);
	if (announced && *announced)
		aurmig__journal_update(p->conn, announced, 0, 0, "pending", msg ? msg : why, "pending");
	else
		config_journal(p, revision, op, "pending", msg ? msg : why);
	aurmig__err_release(p->ctx);
	aurmig__err(p->ctx, AURMIG_EDRIFT, AURMIG_ERRCLASS_CONFIG,
		"the database part of %s is applied, but %s changed during the deploy (%s): it was left as it is, "
		"%s%s%sand the config step of %s is pending. Merge by hand, then accept the file with "
		"'aurmig --config-file %s config-stamp', or run 'aurmig --config-file %s upgrade' to apply the "
		"step's edits onto the file as it is now", revision, p->opts.config_file, why,
		ours ? "aurmig's version is in " : "", ours ? ours : "", ours ? ", " : "", revision,
		p->opts.config_file, p->opts.config_file);
	free(ours);
	free(msg);
	return AURMIG_EDRIFT;
}

static int save(aurmig_plan *p, const cfg_snap *snap, const aurmig__cfgop *ops, size_t n, const char *revision,
	const char *op, const char *announced)
{
	aurmig__ini *disk = NULL;
	char sum[AURMIG__INI_CHECKSUM_SIZE], *sig;
	int rc, changed, same;

	/* read the file again right before writing it */
	aurmig__err_hold(p->ctx);
	rc = aurmig__ini_load(&disk, p->ctx, p->opts.config_file);
	aurmig__err_release(p->ctx);
	if (rc == AURMIG_ENOMEM)
		return aurmig__oom(p->ctx);
	if (rc)
		return refuse(p, revision, op, announced, rc == AURMIG_ENOTFOUND ? "it was removed" :
			rc == AURMIG_EPARSE ? "it no longer parses" : "it cannot be read");
	aurmig__ini_checksum(disk, sum);
	if (!strcmp(sum, snap->sum)) {
		aurmig__ini_free(disk);
		return save_plain(p, revision, op, announced, !p->cfg_saved);
	}
	/* a hand edit: the edits again, on top of it, when nothing they touch changed */
	if (!(sig = signature(disk, p->ctx, ops, n))) {
		aurmig__ini_free(disk);
		return AURMIG_ENOMEM;
	}
	same = !strcmp(sig, snap->sig);
	free(sig);
	if (!same) {
		aurmig__ini_free(disk);
		return refuse(p, revision, op, announced, "the change touches what the config step edits");
	}
	aurmig__err_hold(p->ctx);
	rc = aurmig__config_apply(disk, ops, n, &changed);
	if (!rc)
		rc = aurmig__config_mark(disk, p->ctx, &p->heads_now);
	aurmig__err_release(p->ctx);
	if (rc == AURMIG_ENOMEM) {
		aurmig__ini_free(disk);
		return aurmig__oom(p->ctx);
	}
	if (rc) {
		aurmig__ini_free(disk);
		return refuse(p, revision, op, announced, "the config step's edits do not apply to it");
	}
	aurmig__log(p->ctx, AURMIG_LOG_WARNING, "%s changed during the deploy (a hand edit?): the config "
		"step of %s is applied on top of the change, which stays", p->opts.config_file, revision);
	aurmig__ini_free(p->ini);
	p->ini = disk;
	if (p->cfg_test_hook)
		aurmig__ini_test_save_hook(p->ini, p->cfg_test_hook, p->cfg_test_arg);
	return save_plain(p, revision, op, announced, 1);
}

void aurmig__plan_test_config_hook(aurmig_plan *p, void (*fn)(void *arg, int point), void *arg)
{
	if (!p)
		return;
	p->cfg_test_hook = fn;
	p->cfg_test_arg = arg;
	aurmig__ini_test_save_hook(p->ini, fn, arg);
}

int aurmig__config_after_step(aurmig_plan *p, aurmig_step *s)
{
	cfg_snap snap;
	int changed = 0, rc;
	const char *rev = s->mig ? s->mig->id : s->to.n ? s->to.v[0] : "base";

	if (!p->ini)
		return AURMIG_OK;    /* no configuration file: nothing to follow */
	if ((rc = track_heads(p, s)) || !s->ncfg)
		return rc;
	if (p->cfg_test_hook)
		p->cfg_test_hook(p->cfg_test_arg, AURMIG__CFG_TEST_COMMITTED);
	if ((rc = snap_take(p, s->cfg, s->ncfg, &snap)))
		return rc;
	if (!(rc = aurmig__config_apply(p->ini, s->cfg, s->ncfg, &changed)) &&
	    !(rc = aurmig__config_mark(p->ini, p->ctx, &p->heads_now)))
		rc = save(p, &snap, s->cfg, s->ncfg, rev, step_op(s), s->cfg_run_id);
	snap_clear(&snap);
	return rc;
}

int aurmig__config_final(aurmig_plan *p)
{
	cfg_snap snap;
	int rc;
	const char *marker;

	if (!p->ini)
		return AURMIG_OK;
	marker = aurmig__ini_get(p->ini, "aurmig", "revision");
	(void)marker;
	if ((rc = snap_take(p, NULL, 0, &snap)))
		return rc;
	if (!(rc = aurmig__config_mark(p->ini, p->ctx, &p->heads_now)) && aurmig__ini_modified(p->ini))
		rc = save(p, &snap, NULL, 0, p->heads_now.n ? p->heads_now.v[0] : "base", "config-mark", NULL);
	snap_clear(&snap);
	return rc;
}

int aurmig__config_finish_pending(aurmig_plan *p)
{
	aurmig__jrows rows;
	int rc = aurmig__journal_read(p->conn, "operation LIKE 'config-%' AND outcome = 'pending'", &rows);

	for (size_t i = 0; i < rows.n && !rc; i++) {
		const aurmig__jrow *j = &rows.v[i];
		const aurmig_migration *m = aurmig_graph_get(p->graph, j->revision);
		int down = !strcmp(j->operation, "config-downgrade"), line, changed;
		const char *sql = m ? aurmig_migration_sql(m, down ? AURMIG_DOWNGRADE : AURMIG_UPGRADE,
			p->conn->dialect, &line) : NULL;
		aurmig__cfgop *ops = NULL;
		cfg_snap snap = { .sig = NULL };
		size_t n = 0;

		if (sql && (rc = aurmig__config_ops(&ops, &n, p->ctx, sql, m->path, line)))
			break;
		aurmig__log(p->ctx, AURMIG_LOG_WARNING, "finishing the pending config step of %s in %s",
			j->revision, p->opts.config_file);
		rc = snap_take(p, ops, n, &snap);
		if (!rc)
			rc = aurmig__config_apply(p->ini, ops, n, &changed);
		if (!rc)
			rc = aurmig__config_mark(p->ini, p->ctx, &p->heads_now);
		if (!rc)
			rc = save(p, &snap, ops, n, j->revision, j->operation, j->run_id);
		snap_clear(&snap);
		aurmig__config_ops_free(ops, n);
	}
	aurmig__journal_rows_clear(&rows);
	return rc;
}

/* ---------------------------------------------------------------- check */

static int rows_joined(aurmig_conn *c, char **out)
{
	aurmig__strv rows = { 0 };
	aurmig__buf b;
	int rc = aurmig__version_read(c, &rows);

	*out = NULL;
	if (rc)
		return rc;
	aurmig__buf_init(&b, c->ctx);
	for (size_t i = 0; i < rows.n; i++)
		aurmig__buf_printf(&b, "%s%s", i ? " " : "", rows.v[i]);
	aurmig__strv_clear(&rows);
	*out = aurmig__buf_detach(&b);
	return *out ? AURMIG_OK : AURMIG_ENOMEM;
}

struct aurmig_config_status {
	int state;
	char *message;   /* "" when in sync */
};

/* The state of PATH against the database and, when msg is given, the
 * sentence that says what differs and what to do (allocated; "" in sync). */
static int config_state(aurmig_conn *c, const aurmig_graph *g, const char *path, int *state, char **msg)
{
	aurmig__ini *ini = NULL;
	aurmig__jrows rows = { 0 };
	char *db = NULL, *text = NULL, sum[AURMIG__INI_CHECKSUM_SIZE];
	const char *marker, *written = NULL;
	int rc;

	*state = AURMIG_CONFIG_IN_SYNC;
	rc = aurmig__ini_load(&ini, c->ctx, path);
	if (rc == AURMIG_ENOTFOUND) {
		aurmig__err_clear(c->ctx);
		*state = AURMIG_CONFIG_MISSING;
		rc = AURMIG_OK;
		if (msg && !(text = aurmig__printf(c->ctx, "%s does not exist: restore it, or run the config steps again",
				path)))
			rc = AURMIG_ENOMEM;
		goto done;
	}
	if (rc || (rc = rows_joined(c, &db)) ||
	    (rc = aurmig__journal_read(c, "operation LIKE 'config%'", &rows)))
		goto done;
	for (size_t i = 0; i < rows.n; i++) {
		if (!strcmp(rows.v[i].outcome, "pending"))
			*state = AURMIG_CONFIG_PENDING;
		else if (!strcmp(rows.v[i].outcome, AURMIG__J_SUCCESS))
			written = rows.v[i].checksum;
	}
	aurmig__ini_checksum(ini, sum);
	marker = aurmig__ini_get(ini, "aurmig", "revision");
	if (*state == AURMIG_CONFIG_PENDING)
		text = !msg ? NULL : aurmig__printf(c->ctx,
			"a config step is pending: its database part is applied, but writing %s failed or was "
			"interrupted: run 'aurmig --config-file %s upgrade' to finish it", path, path);
	else if (written && strcmp(written, sum) != 0) {
		*state = AURMIG_CONFIG_EDITED;
		text = !msg ? NULL : aurmig__printf(c->ctx,
			"%s changed since aurmig wrote it (a hand edit, or restored from a backup): check the "
			"change, then accept the file with 'aurmig --config-file %s config-stamp'", path, path);
	} else if (!marker || strcmp(marker, db) != 0) {
		*state = AURMIG_CONFIG_BEHIND;
		text = !msg ? NULL : aurmig__printf(c->ctx,
			"%s is at revision '%s' but the database is at '%s': run the config steps "
			"('aurmig --config-file %s upgrade'), or 'config-stamp' if the file is right",
			path, marker ? marker : "(none)", *db ? db : "base", path);
	} else if (msg)
		text = aurmig__strndup(c->ctx, "", 0);
	if (msg && !text)
		rc = AURMIG_ENOMEM;
done:
	aurmig__ini_free(ini);
	aurmig__journal_rows_clear(&rows);
	free(db);
	if (msg && !rc)
		*msg = text;
	else
		free(text);
	return rc;
}

int aurmig_config_check(int *state, aurmig_conn *c, const aurmig_graph *g, const char *path)
{
	if (!state || !c || !g || !path)
		return c ? aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig_config_check: NULL argument") :
			AURMIG_EINVALID;
	aurmig__err_clear(c->ctx);
	return config_state(c, g, path, state, NULL);
}

int aurmig_config_status_new(aurmig_config_status **out, aurmig_conn *c, const aurmig_graph *g, const char *path)
{
	aurmig_config_status *s;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !c || !g || !path)
		return c ? aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_config_status_new: NULL argument") : AURMIG_EINVALID;
	aurmig__err_clear(c->ctx);
	if (!(s = aurmig__calloc(c->ctx, 1, sizeof(*s))))
		return AURMIG_ENOMEM;
	if ((rc = config_state(c, g, path, &s->state, &s->message))) {
		free(s);
		return rc;
	}
	*out = s;
	return AURMIG_OK;
}

int aurmig_config_status_state(const aurmig_config_status *s)
{
	return s ? s->state : -1;
}

const char *aurmig_config_status_message(const aurmig_config_status *s)
{
	return s ? s->message : NULL;
}

void aurmig_config_status_free(aurmig_config_status *s)
{
	if (!s)
		return;
	free(s->message);
	free(s);
}

int aurmig_config_stamp(aurmig_conn *c, const aurmig_graph *g, const char *path)
{
	return aurmig_config_stamp_opts(c, g, path, NULL);
}

int aurmig_config_stamp_opts(aurmig_conn *c, const aurmig_graph *g, const char *path,
	const aurmig_plan_options *opts)
{
	aurmig_plan p;
	cfg_snap snap = { .sig = NULL };
	int rc;

	if (!c || !g || !path)
		return c ? aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig_config_stamp: NULL argument") :
			AURMIG_EINVALID;
	aurmig__err_clear(c->ctx);
	memset(&p, 0, sizeof(p));
	p.ctx = c->ctx;
	p.conn = c;
	p.graph = g;
	p.opts.config_file = path;
	if ((rc = aurmig__lock_acquire(c, opts ? opts->lock_timeout_ms : 60000)))
		return rc;
	if (!(rc = aurmig__ini_load(&p.ini, c->ctx, path)) && !(rc = aurmig__version_read(c, &p.heads_now)) &&
	    !(rc = aurmig__journal_ensure(c)) && !(rc = snap_take(&p, NULL, 0, &snap)) &&
	    !(rc = aurmig__config_mark(p.ini, c->ctx, &p.heads_now))) {
		rc = aurmig__ini_modified(p.ini) ? save(&p, &snap, NULL, 0, p.heads_now.n ? p.heads_now.v[0] : "base",
			"config-stamp", NULL) :
			config_journal(&p, p.heads_now.n ? p.heads_now.v[0] : "base", "config-stamp", AURMIG__J_SUCCESS, NULL);
		/* resolve what was pending: the operator accepted the file */
		if (!rc) {
			char *sql = aurmig__printf(c->ctx, "UPDATE %s SET outcome = 'resolved' WHERE operation LIKE "
				"'config-%%' AND outcome = 'pending'", c->journal_table);
			rc = sql ? c->ops->exec(c, sql, NULL) : AURMIG_ENOMEM;
			free(sql);
		}
	}
	snap_clear(&snap);
	aurmig__ini_free(p.ini);
	aurmig__strv_clear(&p.heads_now);
	aurmig__lock_release(c);
	return rc;
}
