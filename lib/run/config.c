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

static int save(aurmig_plan *p, const char *revision, const char *op, const char *announced)
{
	int rc = aurmig__ini_save_atomic(p->ini, p->ctx, p->opts.config_file, BACKUP_SUFFIX);

	if (rc) {
		char *why = strdup(aurmig_error_last(p->ctx)->message);
		p->ctx->err_hold++;
		if (announced && *announced)
			aurmig__journal_update(p->conn, announced, 0, 0, "pending", why, "pending");
		else
			config_journal(p, revision, op, "pending", why);
		p->ctx->err_hold--;
		aurmig__err(p->ctx, rc, AURMIG_ERRCLASS_OS,
			"the database part of %s is applied, but writing %s failed: %s; the file is unchanged "
			"and the config step is pending: the next run with --config-file %s finishes it",
			revision, p->opts.config_file, why ? why : "", p->opts.config_file);
		free(why);
		return rc;
	}
	if (announced && *announced && (rc = aurmig__journal_set_outcome(p->conn, announced, 0, AURMIG__J_RESOLVED,
	    "pending")))
		return rc;
	return config_journal(p, revision, op, AURMIG__J_SUCCESS, NULL);
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
	int changed = 0, rc;
	const char *rev = s->mig ? s->mig->id : s->to.n ? s->to.v[0] : "base";

	if (!p->ini)
		return AURMIG_OK;    /* no configuration file: nothing to follow */
	if ((rc = track_heads(p, s)) || !s->ncfg)
		return rc;
	if (p->cfg_test_hook)
		p->cfg_test_hook(p->cfg_test_arg, AURMIG__CFG_TEST_COMMITTED);
	if ((rc = aurmig__config_apply(p->ini, s->cfg, s->ncfg, &changed)) ||
	    (rc = aurmig__config_mark(p->ini, p->ctx, &p->heads_now)))
		return rc;
	return save(p, rev, step_op(s), s->cfg_run_id);
}

int aurmig__config_final(aurmig_plan *p)
{
	int rc;
	const char *marker;

	if (!p->ini)
		return AURMIG_OK;
	marker = aurmig__ini_get(p->ini, "aurmig", "revision");
	(void)marker;
	if ((rc = aurmig__config_mark(p->ini, p->ctx, &p->heads_now)))
		return rc;
	if (!aurmig__ini_modified(p->ini))
		return AURMIG_OK;
	return save(p, p->heads_now.n ? p->heads_now.v[0] : "base", "config-mark", NULL);
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
		size_t n = 0;

		if (sql && (rc = aurmig__config_ops(&ops, &n, p->ctx, sql, m->path, line)))
			break;
		aurmig__log(p->ctx, AURMIG_LOG_WARNING, "finishing the pending config step of %s in %s",
			j->revision, p->opts.config_file);
		rc = aurmig__config_apply(p->ini, ops, n, &changed);
		aurmig__config_ops_free(ops, n);
		if (!rc)
			rc = aurmig__config_mark(p->ini, p->ctx, &p->heads_now);
		if (!rc)
			rc = save(p, j->revision, j->operation, j->run_id);
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

int aurmig_config_check(int *state, aurmig_conn *c, const aurmig_graph *g, const char *path)
{
	aurmig__ini *ini = NULL;
	aurmig__jrows rows = { 0 };
	char *db = NULL, sum[AURMIG__INI_CHECKSUM_SIZE];
	const char *marker, *written = NULL;
	int rc;

	if (!state || !c || !g || !path)
		return c ? aurmig__err(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig_config_check: NULL argument") :
			AURMIG_EINVALID;
	aurmig__err_clear(c->ctx);
	*state = AURMIG_CONFIG_IN_SYNC;
	rc = aurmig__ini_load(&ini, c->ctx, path);
	if (rc == AURMIG_ENOTFOUND) {
		*state = AURMIG_CONFIG_MISSING;
		return aurmig__err(c->ctx, AURMIG_OK, AURMIG_ERRCLASS_NONE,
			"%s does not exist: restore it, or run the config steps again", path), AURMIG_OK;
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
	if (*state == AURMIG_CONFIG_PENDING) {
		aurmig__err(c->ctx, AURMIG_OK, AURMIG_ERRCLASS_NONE,
			"a config step is pending: its database part is applied, but writing %s failed or was "
			"interrupted: run 'aurmig --config-file %s upgrade' to finish it", path, path);
	} else if (written && strcmp(written, sum) != 0) {
		*state = AURMIG_CONFIG_EDITED;
		aurmig__err(c->ctx, AURMIG_OK, AURMIG_ERRCLASS_NONE,
			"%s changed since aurmig wrote it (a hand edit, or restored from a backup): check the "
			"change, then accept the file with 'aurmig --config-file %s config-stamp'", path, path);
	} else if (!marker || strcmp(marker, db) != 0) {
		*state = AURMIG_CONFIG_BEHIND;
		aurmig__err(c->ctx, AURMIG_OK, AURMIG_ERRCLASS_NONE,
			"%s is at revision '%s' but the database is at '%s': run the config steps "
			"('aurmig --config-file %s upgrade'), or 'config-stamp' if the file is right",
			path, marker ? marker : "(none)", *db ? db : "base", path);
	}
	c->ctx->err.code = AURMIG_OK;
done:
	aurmig__ini_free(ini);
	aurmig__journal_rows_clear(&rows);
	free(db);
	return rc;
}

int aurmig_config_stamp(aurmig_conn *c, const aurmig_graph *g, const char *path)
{
	return aurmig_config_stamp_opts(c, g, path, NULL);
}

int aurmig_config_stamp_opts(aurmig_conn *c, const aurmig_graph *g, const char *path,
	const aurmig_plan_options *opts)
{
	aurmig_plan p;
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
	    !(rc = aurmig__journal_ensure(c)) && !(rc = aurmig__config_mark(p.ini, c->ctx, &p.heads_now))) {
		rc = aurmig__ini_modified(p.ini) ? save(&p, p.heads_now.n ? p.heads_now.v[0] : "base", "config-stamp", NULL) :
			config_journal(&p, p.heads_now.n ? p.heads_now.v[0] : "base", "config-stamp", AURMIG__J_SUCCESS, NULL);
		/* resolve what was pending: the operator accepted the file */
		if (!rc) {
			char *sql = aurmig__printf(c->ctx, "UPDATE %s SET outcome = 'resolved' WHERE operation LIKE "
				"'config-%%' AND outcome = 'pending'", c->journal_table);
			rc = sql ? c->ops->exec(c, sql, NULL) : AURMIG_ENOMEM;
			free(sql);
		}
	}
	aurmig__ini_free(p.ini);
	aurmig__strv_clear(&p.heads_now);
	aurmig__lock_release(c);
	return rc;
}
