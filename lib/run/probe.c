/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * aurmig_lint_probe (docs/lint.md, "Probe"): ask a scratch MariaDB what it
 * does with each ALTER TABLE / CREATE INDEX / DROP INDEX of a revision's
 * mysql section. The scratch database (empty) is upgraded to the
 * revision's parents (schema only, no rows); each statement is tried with
 * ALGORITHM=INSTANT, then NOCOPY + LOCK=NONE, INPLACE + LOCK=NONE,
 * INPLACE + LOCK=SHARED, COPY + LOCK=NONE, COPY (db/online.c, which the
 * migrator's --online shares), and as written; the first
 * form the server accepts is what it does, and it has applied the
 * statement, so the next one sees the schema it changed. The findings
 * replace lint's rules of thumb for those statements (L101, L104). The
 * scratch database is emptied again afterwards.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/plan_priv.h"
#include "db/online.h"
#include "db/version.h"
#include "lint/lint_priv.h"
#include "base/split.h"
#include "schema/ddl.h"
#include "schema/schema.h"
#include <aurmig/schema.h>

/* Every table of the scratch database, dropped (libaurmig's too). */
static int empty_db(aurmig_conn *c)
{
	aurmig__strv tables = { 0 };
	int rc, rc2;

	if ((rc = aurmig__db_list_tables(c, &tables)))
		return rc;
	rc = c->ops->exec(c, "SET FOREIGN_KEY_CHECKS = 0", NULL);
	for (size_t i = 0; i < tables.n && !rc; i++) {
		aurmig__buf b;
		aurmig__buf_init(&b, c->ctx);
		aurmig__buf_puts(&b, "DROP TABLE IF EXISTS ");
		aurmig__schema_put_ident(&b, c->dialect, tables.v[i]);
		rc = aurmig__db_exec_buf(c, &b);
	}
	rc2 = c->ops->exec(c, "SET FOREIGN_KEY_CHECKS = 1", NULL);
	aurmig__strv_clear(&tables);
	return rc ? rc : rc2;
}

/* Upgrade c to targets with the revisions' own scripts (no lock). */
static int upgrade_to(aurmig_conn *c, const aurmig_graph *g, const char *const *targets, size_t n)
{
	aurmig_plan_options o;
	aurmig_plan *p = NULL;
	int rc;

	if (n == 0)
		return AURMIG_OK;
	/* the version table first: an upgrade of a database without any table
	 * would build it from the declared schema instead of running the
	 * scripts (and refuse any target but the heads) */
	if ((rc = aurmig__version_ensure(c)))
		return rc;
	aurmig_plan_options_init(&o, AURMIG_PLAN_OPTIONS_VERSION);
	o.flags = AURMIG_PLAN_NO_LOCK;
	o.lock_retries = 0;
	rc = aurmig_plan_new(&p, c, g, AURMIG_CMD_UPGRADE, targets, n, &o);
	if (!rc)
		rc = aurmig_plan_run(p);
	aurmig_plan_free(p);
	return rc;
}

/* The parents of m: from the graph, or as the script names them (a file
 * outside the graph). */
static int upgrade_to_parents(aurmig_conn *c, const aurmig_graph *g, const aurmig_migration *m)
{
	size_t n = m->graph ? aurmig_migration_parent_count(m) : m->down.n;
	const char **targets;
	int rc;

	if (n == 0)
		return AURMIG_OK;
	if (!(targets = aurmig__calloc(c->ctx, n, sizeof(*targets))))
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < n; i++)
		targets[i] = m->graph ? aurmig_migration_parent(m, i) : m->down.v[i];
	rc = upgrade_to(c, g, targets, n);
	free(targets);
	return rc;
}

/* What the probe reports for each of db/online.c's forms. */
static const int form_severity[AURMIG__ALTER_NFORMS] = {
	AURMIG_LINT_INFO, AURMIG_LINT_INFO, AURMIG_LINT_INFO, AURMIG_LINT_WARNING,
	AURMIG_LINT_WARNING, AURMIG_LINT_WARNING,
};

/* The probe's order: the online forms, then INPLACE with LOCK=SHARED before
 * COPY with LOCK=NONE (the probe asks the lock first: a shared lock of an
 * index build is cheaper than a whole copy), then COPY. */
static const int probe_order[AURMIG__ALTER_NFORMS] = { 0, 1, 2, 4, 3, 5 };

/* Drop the rules of thumb the probe answers for this statement: L101 and
 * L104 of the mysql dialect at line. */
static void drop_guesses(aurmig_lint_report *rep, size_t from, int line)
{
	for (size_t i = rep->n; i-- > from;) {
		aurmig_lint_finding *f = &rep->v[i];
		if (f->line != line || (f->rule != R_L101 && f->rule != R_L104) ||
		    !(f->dialects & (1u << AURMIG_DIALECT_MYSQL)) || f->suppressed)
			continue;
		if (f->dialects != (1u << AURMIG_DIALECT_MYSQL)) {
			f->dialects &= ~(1u << AURMIG_DIALECT_MYSQL);
			continue;   /* dialect names are rebuilt only on emit; keep them as they were */
		}
		free(f->file);
		free(f->revision);
		free(f->message);
		free(f->statement);
		free(f->reason);
		free(f->live_unknown);
		memmove(f, f + 1, (rep->n - i - 1) * sizeof(*f));
		rep->n--;
	}
}

/* Try one statement in each form; emit what the server did. */
static int probe_statement(aurmig__lint_scope *s, aurmig_conn *c, const char *sql, size_t len, size_t from)
{
	aurmig__alter a;
	char tb[128], *refusal = NULL;
	int rc, accepted, clause_error = 0;

	if ((rc = aurmig__alter_prepare(&a, c->ctx, sql, len)))
		return rc;
	if (!a.kind || a.own_clause) {
		/* other statements (and one that names its own algorithm) run as written */
		rc = aurmig_conn_exec(c, a.sql);
		aurmig__alter_clear(&a);
		if (rc)
			aurmig__lint_emit(s, R_L112, AURMIG_LINT_WARNING, "probe: the statement failed on the scratch "
				"database: %.200s; the statements after it were not probed", aurmig_error_last(c->ctx)->message);
		return rc ? AURMIG_EDB : AURMIG_OK;
	}
	/* the findings name the table in lower case */
	for (size_t i = 0; i < sizeof(tb); i++)
		if (!(tb[i] = (char)tolower((unsigned char)a.table[i])))
			break;
	tb[sizeof(tb) - 1] = '\0';
	snprintf(s->table, sizeof(s->table), "%s", tb);
	rc = aurmig__alter_try(c, &a, probe_order, AURMIG__ALTER_NFORMS, &accepted, &refusal, &clause_error);
	free(refusal);
	if (rc == AURMIG_ENOMEM) {
		aurmig__alter_clear(&a);
		return rc;
	}
	if (rc == AURMIG_OK && accepted >= 0) {
		const aurmig__alter_form *f = &aurmig__alter_forms[accepted];
		drop_guesses(s->rep, from, s->line);
		if (!strcmp(f->algorithm, "COPY") && f->lock[0] != 'N')
			aurmig__lint_emit(s, R_L101, -1, "probe: MariaDB %s runs this as ALGORITHM=COPY: writes to %s wait "
				"until the copy ends", s->probe_version, tb);
		else
			aurmig__lint_emit(s, R_L112, form_severity[accepted], "probe: MariaDB %s runs this with ALGORITHM=%s, "
				"LOCK=%s", s->probe_version, f->algorithm, f->lock);
		aurmig__alter_clear(&a);
		return AURMIG_OK;
	}
	/* refused in every form, or an error of the statement itself (as
	 * written says which), or no such clause here */
	rc = aurmig_conn_exec(c, a.sql);
	if (rc == AURMIG_OK && clause_error) {
		aurmig__lint_emit(s, R_L112, AURMIG_LINT_INFO, "probe: MariaDB %s takes no ALGORITHM/LOCK clause on this "
			"statement; it ran as written (algorithm not known)", s->probe_version);
	} else if (rc == AURMIG_OK) {
		drop_guesses(s->rep, from, s->line);
		aurmig__lint_emit(s, R_L112, AURMIG_LINT_WARNING, "probe: MariaDB %s refused every ALGORITHM/LOCK form but "
			"ran the statement as written: it chose its own way (probably a copy)", s->probe_version);
	} else
		aurmig__lint_emit(s, R_L112, AURMIG_LINT_WARNING, "probe: the statement failed on the scratch database: "
			"%.200s; the statements after it were not probed", aurmig_error_last(c->ctx)->message);
	aurmig__alter_clear(&a);
	return rc ? AURMIG_EDB : AURMIG_OK;
}

/* Remove X102's scratch SQLite file and what SQLite and the deploy lock
 * put beside it. */
static void unlink_sqlite(const char *path)
{
	static const char *const ext[] = { "", ".lock", "-journal", "-wal", "-shm" };
	char b[4200];

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(b, sizeof(b), "%s%s", path, ext[i]);
		unlink(b);
	}
}

/* X102: the mysql section (just probed on scratch) and the sqlite section
 * (run on a scratch SQLite file brought to m's parents, then to m, by the
 * revisions' own scripts) leave different schemas: each difference
 * schema diff reports across the two backends that was not there, the same,
 * at the revision's parents. */
static int x102(aurmig__lint_scope *s, aurmig_conn *scratch, const aurmig_graph *g, const aurmig_migration *m,
	aurmig_schema *my_before, const aurmig__section *mysec)
{
	aurmig_context *ctx = s->ctx;
	aurmig_schema *my_after = NULL, *lb = NULL, *la = NULL;
	aurmig_schema_diff *d0 = NULL, *d1 = NULL;
	aurmig_conn *lite = NULL;
	const char *tmp = getenv("TMPDIR");
	char path[4096], *url = NULL;
	int fd, rc, made = 0;

	s->line = mysec->directive_line;
	s->col = 0;
	s->stmt = NULL;
	s->table[0] = '\0';
	if ((rc = aurmig_schema_read(&my_after, scratch)))
		goto out;
	snprintf(path, sizeof(path), "%s/aurmig-x102-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkstemp(path)) < 0) {
		rc = aurmig__err(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, "lint --probe: cannot create a scratch SQLite "
			"file %s: %s", path, strerror(errno));
		goto out;
	}
	close(fd);
	made = 1;
	if (!(url = aurmig__printf(ctx, "sqlite:///%s", path))) {
		rc = AURMIG_ENOMEM;
		goto out;
	}
	if ((rc = aurmig_conn_open(&lite, ctx, url)))
		goto out;
	if ((rc = upgrade_to_parents(lite, g, m))) {
		if (rc == AURMIG_ENOMEM)
			goto out;
		aurmig__lint_emit(s, R_X102, -1, "not compared: the parents' sqlite sections fail on a scratch SQLite "
			"database: %.200s", aurmig_error_last(ctx)->message);
		goto done;
	}
	if ((rc = aurmig_schema_read(&lb, lite)))
		goto out;
	{
		const char *t = m->id;
		if ((rc = upgrade_to(lite, g, &t, 1))) {
			if (rc == AURMIG_ENOMEM)
				goto out;
			aurmig__lint_emit(s, R_X102, -1, "the sqlite section fails on a scratch SQLite database (the mysql "
				"one ran on MariaDB): %.200s", aurmig_error_last(ctx)->message);
			goto done;
		}
	}
	if ((rc = aurmig_schema_read(&la, lite)) || (rc = aurmig_schema_set_label(my_before, "mysql")) ||
	    (rc = aurmig_schema_set_label(my_after, "mysql")) || (rc = aurmig_schema_set_label(lb, "sqlite")) ||
	    (rc = aurmig_schema_set_label(la, "sqlite")) || (rc = aurmig_schema_diff_new(&d0, my_before, lb)) ||
	    (rc = aurmig_schema_diff_new(&d1, my_after, la)))
		goto out;
	for (size_t i = 0; i < aurmig_schema_diff_count(d1) && !s->rc; i++) {
		const char *msg = aurmig_schema_diff_message(d1, i);
		int before = 0;
		for (size_t j = 0; j < aurmig_schema_diff_count(d0) && !before; j++)
			before = !strcmp(msg, aurmig_schema_diff_message(d0, j));
		if (before)
			continue;
		/* one finding for both dialects */
		s->dialect = AURMIG_DIALECT_MYSQL;
		aurmig__lint_emit(s, R_X102, -1, "the mysql and sqlite sections leave different schemas: %s", msg);
		s->dialect = AURMIG_DIALECT_SQLITE;
		aurmig__lint_emit(s, R_X102, -1, "the mysql and sqlite sections leave different schemas: %s", msg);
		s->dialect = AURMIG_DIALECT_MYSQL;
	}
done:
	aurmig__err_clear(ctx);
	rc = s->rc;
out:
	aurmig_schema_diff_free(d0);
	aurmig_schema_diff_free(d1);
	aurmig_schema_free(my_after);
	aurmig_schema_free(lb);
	aurmig_schema_free(la);
	aurmig_conn_free(lite);
	free(url);
	if (made)
		unlink_sqlite(path);
	return rc;
}

static int probe(aurmig_lint_report *rep, aurmig_conn *scratch, const aurmig_graph *g, const aurmig_migration *m,
	const aurmig_lint_options *opts)
{
	aurmig_context *ctx = rep->ctx;
	const aurmig__section *sec;
	aurmig__strv tables = { 0 }, rows = { 0 }, rendered = { 0 };
	aurmig__stmt *st = NULL;
	size_t nst = 0, from;
	aurmig__lint_scope s;
	aurmig_schema *my_before = NULL;
	int rc, failed = 0, compare;

	if (scratch->dialect != AURMIG_DIALECT_MYSQL)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"lint --probe: the scratch database must be MariaDB (mysql://...)");
	if ((rc = aurmig__db_list_tables(scratch, &tables)))
		return rc;
	if (tables.n) {
		rc = aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"lint --probe: the scratch database holds tables (%s, ...): it must be empty; the probe drops "
			"what it creates", tables.v[0]);
		aurmig__strv_clear(&tables);
		return rc;
	}
	sec = &m->sections[AURMIG_UPGRADE - 1][AURMIG_DIALECT_MYSQL];
	if (!sec->present)
		sec = &m->sections[AURMIG_UPGRADE - 1][AURMIG_DIALECT_ANY];
	if (!sec->present)
		return AURMIG_OK;
	memset(&s, 0, sizeof(s));
	s.rep = rep;
	s.opts = opts;
	s.ctx = ctx;
	s.file = m->path;
	s.revision = m->id;
	s.dialect = AURMIG_DIALECT_MYSQL;
	s.direction = AURMIG_UPGRADE;
	s.transactional = m->transactional;
	if ((rc = scratch->ops->query(scratch, "SELECT VERSION()", &rows)))
		goto out;
	snprintf(s.probe_version, sizeof(s.probe_version), "%.40s", rows.n ? rows.v[0] : "?");
	{
		/* the version's numbers only ("10.11.6-MariaDB-log": "10.11.6") */
		char *e = s.probe_version + strspn(s.probe_version, "0123456789.");
		*e = '\0';
	}
	if ((rc = upgrade_to_parents(scratch, g, m)))
		goto out;
	/* X102: a revision with its own mysql or sqlite section (not one common
	 * section for both), from the graph (the SQLite side runs it by a plan) */
	compare = (m->sections[AURMIG_UPGRADE - 1][AURMIG_DIALECT_MYSQL].present ||
		   m->sections[AURMIG_UPGRADE - 1][AURMIG_DIALECT_SQLITE].present) &&
		(m->sections[AURMIG_UPGRADE - 1][AURMIG_DIALECT_SQLITE].present ||
		 m->sections[AURMIG_UPGRADE - 1][AURMIG_DIALECT_ANY].present) &&
		aurmig_graph_get(g, m->id) == m && !(opts && opts->severity[R_X102] == AURMIG_LINT_IGNORE);
	if (compare && (rc = aurmig_schema_read(&my_before, scratch)))
		goto out;
	if ((rc = aurmig__split(&st, &nst, ctx, m->text + sec->offset, sec->len,
			AURMIG_DIALECT_MYSQL, m->path, sec->line)))
		goto out;
	/* the script's and the configuration's suppressions hold for the probe's findings too */
	if ((rc = aurmig__lint_collect_nolint(ctx, m, opts, &s.nl, &s.nnl)))
		goto out;
	for (size_t i = 0; i < s.nnl; i++) {
		aurmig__nolint *n = &s.nl[i];
		if (n->config || n->target == 0 || n->line < sec->directive_line)
			continue;
		for (size_t k = 0; k < nst; k++)
			if (st[k].line > n->line) {
				if (k == 0 || st[k - 1].line < n->line)
					n->target = st[k].line;
				break;
			}
	}
	/* the findings lint just recorded for m are at the report's end */
	from = rep->n;
	while (from > 0 && !strcmp(rep->v[from - 1].revision, m->id))
		from--;
	for (size_t k = 0; k < nst && !rc; k++) {
		const char *q = m->text + sec->offset + st[k].offset;
		s.line = st[k].line;
		s.col = 1;
		s.stmt = q;
		s.stmt_len = st[k].len;
		s.table[0] = '\0';
		if (!sec->portable) {
			rc = probe_statement(&s, scratch, q, st[k].len, from);
			continue;
		}
		{
			aurmig__ddl *op = NULL;
			if ((rc = aurmig__ddl_parse(&op, ctx, q, st[k].len, m->path, st[k].line)))
				break;
			if (!op) {
				rc = probe_statement(&s, scratch, q, st[k].len, from);
				continue;
			}
			rc = aurmig__ddl_render(&rendered, op, AURMIG_DIALECT_MYSQL, NULL, m->path, st[k].line);
			aurmig__ddl_free(op);
			for (size_t i = 0; !rc && i < rendered.n; i++)
				rc = probe_statement(&s, scratch, rendered.v[i], strlen(rendered.v[i]), from);
			aurmig__strv_clear(&rendered);
		}
	}
	if (rc == AURMIG_EDB) {
		/* reported as a finding; the probe of this revision ends there */
		aurmig__err_clear(ctx);
		rc = AURMIG_OK;
		failed = 1;
	}
	if (!rc)
		rc = s.rc;
	if (!rc && compare && !failed)
		rc = x102(&s, scratch, g, m, my_before, sec);
	/* the revision's findings by line again (stable) */
	for (size_t i = from + 1; !rc && i < rep->n; i++) {
		aurmig_lint_finding f = rep->v[i];
		size_t j = i;
		if (strcmp(f.revision, m->id) != 0)
			continue;
		while (j > from && rep->v[j - 1].line > f.line && !strcmp(rep->v[j - 1].revision, m->id)) {
			rep->v[j] = rep->v[j - 1];
			j--;
		}
		rep->v[j] = f;
	}
out:
	free(s.nl);
	aurmig_schema_free(my_before);
	aurmig__free(st);
	aurmig__strv_clear(&rows);
	aurmig__strv_clear(&tables);
	{
		int rc2 = empty_db(scratch);
		if (!rc && rc2)
			rc = rc2;
		else if (!rc)
			aurmig__err_clear(ctx);
	}
	return rc;
}

int aurmig_lint_probe(aurmig_lint_report *rep, aurmig_conn *scratch, const aurmig_migration *m,
	const aurmig_lint_options *opts)
{
	if (!rep || !scratch || !m || !m->graph)
		return AURMIG_EINVALID;
	aurmig__err_clear(rep->ctx);
	return probe(rep, scratch, m->graph, m, opts);
}

int aurmig_lint_probe_file(aurmig_lint_report *rep, aurmig_conn *scratch, const aurmig_graph *g, const char *path,
	const aurmig_lint_options *opts)
{
	aurmig_migration *m = NULL;
	aurmig__lint_scope s;
	int rc;

	if (!rep || !scratch || !g || !path)
		return AURMIG_EINVALID;
	aurmig__err_clear(rep->ctx);
	if ((rc = aurmig__lint_read_script(&m, rep->ctx, path)))
		return rc;
	/* its parents, as it names them, must be revisions of the graph */
	for (size_t i = 0; i < m->down.n; i++) {
		const aurmig_migration *p = NULL;
		if (aurmig_graph_lookup(&p, g, m->down.v[i]) == AURMIG_OK)
			continue;
		aurmig__err_clear(rep->ctx);
		memset(&s, 0, sizeof(s));
		s.rep = rep;
		s.opts = opts;
		s.ctx = rep->ctx;
		s.file = m->path;
		s.revision = m->id;
		s.dialect = AURMIG_DIALECT_MYSQL;
		s.direction = AURMIG_UPGRADE;
		s.line = m->line_down ? m->line_down : 1;
		aurmig__lint_emit(&s, R_L112, AURMIG_LINT_WARNING, "probe: not probed: its down_revision %.40s is not a "
			"revision of the migrations directory, so the scratch database cannot be brought to its parent",
			m->down.v[i]);
		rc = s.rc;
		aurmig__script_free(m);
		return rc;
	}
	rc = probe(rep, scratch, g, m, opts);
	aurmig__script_free(m);
	return rc;
}
