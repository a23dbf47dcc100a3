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
#include <stdlib.h>
#include <string.h>

#include "run/plan_priv.h"
#include "db/online.h"
#include "db/version.h"
#include "lint/lint_priv.h"
#include "base/split.h"
#include "schema/ddl.h"
#include "schema/schema.h"

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

static int upgrade_to_parents(aurmig_conn *c, const aurmig_graph *g, const aurmig_migration *m)
{
	size_t n = aurmig_migration_parent_count(m);
	const char **targets;
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
	if (!(targets = aurmig__calloc(c->ctx, n, sizeof(*targets))))
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < n; i++)
		targets[i] = aurmig_migration_parent(m, i);
	aurmig_plan_options_init(&o, AURMIG_PLAN_OPTIONS_VERSION);
	o.flags = AURMIG_PLAN_NO_LOCK;
	o.lock_retries = 0;
	rc = aurmig_plan_new(&p, c, g, AURMIG_CMD_UPGRADE, targets, n, &o);
	if (!rc)
		rc = aurmig_plan_run(p);
	aurmig_plan_free(p);
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

int aurmig_lint_probe(aurmig_lint_report *rep, aurmig_conn *scratch, const aurmig_migration *m,
	const aurmig_lint_options *opts)
{
	aurmig_context *ctx;
	const aurmig__section *sec;
	aurmig__strv tables = { 0 }, rows = { 0 }, rendered = { 0 };
	aurmig__stmt *st = NULL;
	size_t nst = 0, from;
	aurmig__lint_scope s;
	int rc;

	if (!rep || !scratch || !m || !m->graph)
		return AURMIG_EINVALID;
	ctx = rep->ctx;
	aurmig__err_clear(ctx);
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
	if ((rc = upgrade_to_parents(scratch, m->graph, m)))
		goto out;
	if ((rc = aurmig__split(&st, &nst, ctx, m->text + sec->offset, sec->len,
			AURMIG_DIALECT_MYSQL, m->path, sec->line)))
		goto out;
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
	}
	if (!rc)
		rc = s.rc;
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
