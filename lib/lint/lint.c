/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lint driver (docs/lint.md): the sections of one revision that run on each
 * dialect, split into statements (portable ones rendered for the dialect),
 * the suppressions of the script and of the options, and the rules about a
 * revision as a whole (downgrade missing or not undoing the upgrade,
 * hooks without a default, a configured dialect without a section).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <aurmig/lint.h>
#include <aurmig/schema.h>
#include "lint/lint_priv.h"
#include "base/split.h"
#include "schema/ddl.h"

static int is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* `-- aurmig:<key>` on text[s, e): the value's span, or 0. */
static int directive(const char *t, size_t s, size_t e, const char *key, size_t *vs, size_t *ve)
{
	size_t n = strlen(key);

	while (s < e && is_blank(t[s]))
		s++;
	if (e - s < 2 || t[s] != '-' || t[s + 1] != '-')
		return 0;
	s += 2;
	while (s < e && is_blank(t[s]))
		s++;
	if (e - s < 7 + n || memcmp(t + s, "aurmig:", 7) != 0 || memcmp(t + s + 7, key, n) != 0 ||
	    (s + 7 + n < e && !is_blank(t[s + 7 + n])))
		return 0;
	s += 7 + n;
	while (s < e && is_blank(t[s]))
		s++;
	while (e > s && is_blank(t[e - 1]))
		e--;
	*vs = s;
	*ve = e;
	return 1;
}

static int code_shaped(const char *w, size_t n)
{
	if (n == 1)
		return strchr("DCMLTPX", w[0]) != NULL;
	return n == 4 && w[0] >= 'A' && w[0] <= 'Z' && w[1] >= '0' && w[1] <= '9' && w[2] >= '0' && w[2] <= '9' &&
		w[3] >= '0' && w[3] <= '9';
}

typedef struct run {
	aurmig_lint_report *rep;
	const aurmig_lint_options *opts;
	const aurmig_migration *m;
	aurmig_context *ctx;
	aurmig__nolint *nl;
	size_t nnl;
	int first_section_line;
} run;

/* Does the section that runs on dialect hold a `-- aurmig:batch` line? Its
 * step is then not atomic (each batch commits by itself). */
static int section_batched(const aurmig_migration *m, int direction, int dialect)
{
	const char *t = aurmig_migration_sql(m, direction, dialect ? dialect : AURMIG_DIALECT_SQLITE, NULL);
	size_t pos = 0, len = t ? strlen(t) : 0, vs, ve;

	while (pos < len) {
		const char *nl = memchr(t + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - t) : len;
		if (directive(t, pos, end, "batch", &vs, &ve))
			return 1;
		pos = end + 1;
	}
	return 0;
}

/* A scope for findings about the revision (not one statement). */
static void scope_init(aurmig__lint_scope *s, run *r, int dialect, int direction)
{
	memset(s, 0, sizeof(*s));
	s->rep = r->rep;
	s->opts = r->opts;
	s->ctx = r->ctx;
	s->file = r->m->path;
	s->revision = r->m->id;
	s->dialect = dialect;
	s->direction = direction;
	s->transactional = r->m->transactional && !(dialect && section_batched(r->m, direction, dialect));
	s->lock_wait_ms = r->m->lock_wait_ms;
	s->online_required = r->m->online_required;
	s->nl = r->nl;
	s->nnl = r->nnl;
}

/* Every `-- aurmig:nolint` line of the script, and the configured ignores of this revision. */
static int collect_nolint(run *r)
{
	const aurmig_migration *m = r->m;
	const char *t = m->text;
	size_t pos = 0, cap = 0;
	int line = 0;

	r->first_section_line = 1 << 30;
	for (int dir = 0; dir < 2; dir++)
		for (int d = 0; d < AURMIG__NDIALECTS; d++)
			if (m->sections[dir][d].present && m->sections[dir][d].directive_line < r->first_section_line)
				r->first_section_line = m->sections[dir][d].directive_line;
	for (size_t i = 0; r->opts && i < r->opts->nignores; i++) {
		const struct aurmig__lint_ignore *ig = &r->opts->ignores[i];
		aurmig__nolint *n;
		if (ig->revision && strcmp(ig->revision, m->id) != 0)
			continue;
		if (r->nnl == cap) {
			aurmig__nolint *v = aurmig__reallocarray(r->ctx, r->nl, cap = cap ? cap * 2 : 8, sizeof(*v));
			if (!v)
				return AURMIG_ENOMEM;
			r->nl = v;
		}
		n = &r->nl[r->nnl++];
		memset(n, 0, sizeof(*n));
		n->config = 1;
		n->codes = ig->codes;
		n->codes_len = strlen(ig->codes);
		n->reason = ig->reason;
		n->reason_len = ig->reason ? strlen(ig->reason) : 0;
	}
	while (pos < m->text_len) {
		const char *nl = memchr(t + pos, '\n', m->text_len - pos);
		size_t end = nl ? (size_t)(nl - t) : m->text_len, vs, ve;

		line++;
		if (directive(t, pos, end, "nolint", &vs, &ve)) {
			aurmig__nolint *n;
			const char *dash = NULL;
			if (r->nnl == cap) {
				aurmig__nolint *v = aurmig__reallocarray(r->ctx, r->nl, cap = cap ? cap * 2 : 8, sizeof(*v));
				if (!v)
					return AURMIG_ENOMEM;
				r->nl = v;
			}
			n = &r->nl[r->nnl++];
			memset(n, 0, sizeof(*n));
			n->line = line;
			/* before the first section: the whole file; else set per section */
			n->target = line < r->first_section_line ? 0 : -1;
			for (size_t k = vs; k + 1 < ve; k++)
				if (t[k] == '-' && t[k + 1] == '-') {
					dash = t + k;
					break;
				}
			n->codes = t + vs;
			if (dash) {
				n->codes_len = (size_t)(dash - n->codes);
				n->reason = dash + 2;
				while (n->reason < t + ve && is_blank(*n->reason))
					n->reason++;
				n->reason_len = (size_t)(t + ve - n->reason);
			} else {
				/* CODE[,CODE] reason: the leading code-shaped words are the codes */
				size_t k = vs, last = vs;
				while (k < ve) {
					size_t s;
					while (k < ve && (is_blank(t[k]) || t[k] == ','))
						k++;
					s = k;
					while (k < ve && !is_blank(t[k]) && t[k] != ',')
						k++;
					if (k == s || !code_shaped(t + s, k - s))
						break;
					last = k;
				}
				n->codes_len = last - vs;
				n->reason = t + last;
				while (n->reason < t + ve && (is_blank(*n->reason) || *n->reason == ','))
					n->reason++;
				n->reason_len = (size_t)(t + ve - n->reason);
			}
		}
		pos = nl ? end + 1 : m->text_len;
	}
	return AURMIG_OK;
}

int aurmig__lint_collect_nolint(aurmig_context *ctx, const aurmig_migration *m, const aurmig_lint_options *opts,
	aurmig__nolint **nl, size_t *nnl)
{
	run r = { 0 };
	int rc;

	r.opts = opts;
	r.m = m;
	r.ctx = ctx;
	rc = collect_nolint(&r);
	if (rc) {
		free(r.nl);
		r.nl = NULL;
		r.nnl = 0;
	}
	*nl = r.nl;
	*nnl = r.nnl;
	return rc;
}

/* Does a code list name only the probe's rules (L112, X102)? Lint alone
 * never emits them, so such a suppression is not "unused" without --probe. */
static int probe_only(const char *codes, size_t n)
{
	size_t i = 0;
	int any = 0;

	while (i < n) {
		size_t st;
		while (i < n && (is_blank(codes[i]) || codes[i] == ','))
			i++;
		st = i;
		while (i < n && !is_blank(codes[i]) && codes[i] != ',')
			i++;
		if (i == st)
			break;
		if (!(i - st == 4 && (!strncasecmp(codes + st, "L112", 4) || !strncasecmp(codes + st, "X102", 4))))
			return 0;
		any = 1;
	}
	return any;
}

/* Findings about the nolint directives themselves (X104): unknown codes, unused ones. */
static int check_nolint(run *r, int unused)
{
	aurmig__lint_scope s;

	scope_init(&s, r, 0, AURMIG_UPGRADE);
	for (size_t i = 0; i < r->nnl && !s.rc; i++) {
		aurmig__nolint *n = &r->nl[i];
		size_t len;
		const char *bad = aurmig__lint_codes_unknown(n->codes, n->codes_len, &len);
		s.line = n->line;
		if (!unused && bad && !n->config)
			aurmig__lint_emit(&s, R_X104, -1, "nolint names unknown rule code '%.*s'", (int)(len > 16 ? 16 : len), bad);
		if (unused && !n->used && (n->config || n->target == 0 || n->seen) && !probe_only(n->codes, n->codes_len)) {
			if (n->config)
				aurmig__lint_emit(&s, R_X104, -1, "the configured ignore '%.*s' of this revision suppresses nothing",
					(int)n->codes_len, n->codes);
			else
				aurmig__lint_emit(&s, R_X104, -1, "this nolint suppresses nothing");
		}
	}
	return s.rc;
}

/* Hooks of a section without an SQL default (X103). */
static void check_hooks(aurmig__lint_scope *s, const char *sql, size_t len, int first_line, const aurmig__stmt *st,
	size_t nst)
{
	size_t pos = 0;
	int line = first_line - 1, open = 0;
	size_t oname = 0, onlen = 0;

	while (pos < len) {
		const char *nl = memchr(sql + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - sql) : len, vs, ve;

		line++;
		if (directive(sql, pos, end, "hook", &vs, &ve)) {
			size_t ne = vs;
			while (ne < ve && !is_blank(sql[ne]))
				ne++;
			s->line = line;
			s->col = 0;
			s->stmt = NULL;
			if (ne == ve) {
				aurmig__lint_emit(s, R_X103, -1, "hook %.*s has no SQL default", (int)(ne - vs), sql + vs);
			} else {
				open = line;
				oname = vs;
				onlen = ne - vs;
			}
		} else if (directive(sql, pos, end, "end-hook", &vs, &ve) && open) {
			int any = 0;
			for (size_t k = 0; k < nst; k++)
				any |= st[k].line > open && st[k].line < line;
			if (!any) {
				s->line = open;
				s->col = 0;
				s->stmt = NULL;
				aurmig__lint_emit(s, R_X103, -1, "hook %.*s has an empty SQL default", (int)onlen, sql + oname);
			}
			open = 0;
		}
		pos = nl ? end + 1 : len;
	}
}

/* A `-- aurmig:hook` line after file line `after` and before `before`? */
static int hook_between(const char *sql, size_t len, int first_line, int after, int before)
{
	size_t pos = 0, vs, ve;
	int line = first_line - 1;

	while (pos < len) {
		const char *nl = memchr(sql + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - sql) : len;
		line++;
		if (line >= before)
			break;
		if (line > after && directive(sql, pos, end, "hook", &vs, &ve))
			return 1;
		pos = nl ? end + 1 : len;
	}
	return 0;
}

static int column_of(const char *sql, size_t off)
{
	int col = 1;

	while (off > 0 && sql[off - 1] != '\n')
		off--, col++;
	return col;
}

/* Lint one section of m for dialect d; s is initialised by the caller. */
static int lint_section(run *r, aurmig__lint_scope *s, const aurmig__section *sec)
{
	const char *sql = r->m->text + sec->offset;
	aurmig__stmt *st = NULL;
	size_t nst = 0;
	aurmig_schema *model = NULL;
	size_t sec_lines = 0;
	int rc;

	for (size_t i = 0; i < sec->len; i++)
		sec_lines += sql[i] == '\n';

	rc = aurmig__split(&st, &nst, r->ctx, sql, sec->len, sec->portable ? AURMIG_DIALECT_MYSQL : s->dialect,
		r->m->path, sec->line);
	if (rc)
		return rc;
	/* the section's nolint lines cover the statement after them */
	for (size_t i = 0; i < r->nnl; i++) {
		aurmig__nolint *n = &r->nl[i];
		if (n->config || n->target == 0 || n->line < sec->directive_line ||
		    (size_t)(n->line - sec->line) > sec_lines)
			continue;
		n->seen = 1;
		for (size_t k = 0; k < nst; k++)
			if (st[k].line > n->line) {
				n->target = st[k].line;
				break;
			}
	}
	for (size_t k = 0; k < nst && !s->rc; k++)
		aurmig__lint_prescan(s, sql + st[k].offset, st[k].len);
	if (sec->portable && s->dialect == AURMIG_DIALECT_SQLITE && (rc = aurmig__ddl_model_new(&model, r->ctx, s->dialect)))
		goto out;
	for (size_t k = 0; k < nst && !s->rc; k++) {
		const char *q = sql + st[k].offset;
		int col = column_of(sql, st[k].offset);
		aurmig__ddl *op = NULL;
		aurmig__strv v = { 0 };

		if (hook_between(sql, sec->len, sec->line, k ? st[k - 1].line : 0, st[k].line))
			aurmig__strv_clear(&s->added_null);   /* a hook may write anything */

		s->stmt_index = k;
		s->nstmts = sec->portable ? 0 : nst;   /* T102: rendered statements are aurmig's, not the author's */
		if (!sec->portable) {
			aurmig__lint_statement(s, q, st[k].len, st[k].line, col);
			continue;
		}
		if ((rc = aurmig__ddl_parse(&op, r->ctx, q, st[k].len, r->m->path, st[k].line)))
			goto out;
		if (!op) {
			aurmig__lint_statement(s, q, st[k].len, st[k].line, col);
			continue;
		}
		rc = aurmig__ddl_render(&v, op, s->dialect, model, r->m->path, st[k].line);
		aurmig__ddl_free(op);
		if (rc == AURMIG_ENOMEM) {
			aurmig__strv_clear(&v);
			goto out;
		}
		if (rc) {
			/* SQLite: a rebuild of a table this section did not create
			 * (lint has no definition for it); else the renderer's refusal */
			aurmig__strv_clear(&v);
			if (s->dialect != AURMIG_DIALECT_SQLITE)
				goto out;
			aurmig__err_clear(r->ctx);
			rc = AURMIG_OK;
			s->line = st[k].line;
			s->col = col;
			s->stmt = q;
			s->stmt_len = st[k].len;
			aurmig__lint_emit(s, R_L110, -1, "this portable ALTER runs as a SQLite table rebuild");
			aurmig__lint_statement(s, q, st[k].len, st[k].line, col);
			continue;
		}
		for (size_t i = 0; i < v.n && !s->rc; i++)
			aurmig__lint_statement(s, v.v[i], strlen(v.v[i]), st[k].line, col);
		/* findings name the portable statement, not the rendered one */
		aurmig__strv_clear(&v);
	}
	if (!s->rc)
		aurmig__lint_section_end(s);
	if (s->direction == AURMIG_UPGRADE)
		check_hooks(s, sql, sec->len, sec->line, st, nst);
out:
	aurmig_schema_free(model);
	aurmig__free(st);
	return rc ? rc : s->rc;
}

static const aurmig__section *section_for(const aurmig_migration *m, int direction, int dialect)
{
	const aurmig__section *s = &m->sections[direction - 1][dialect];

	if (s->present)
		return s;
	s = &m->sections[direction - 1][AURMIG_DIALECT_ANY];
	return s->present ? s : NULL;
}

/* T105 / T106: the downgrade for dialect d against what the upgrade made. */
static int check_downgrade(run *r, aurmig__lint_scope *up, const aurmig__section *usec, int d)
{
	const aurmig__section *dsec = section_for(r->m, AURMIG_DOWNGRADE, d);
	aurmig__lint_scope s;
	aurmig__strv ids = { 0 };
	int rc;

	if (!up->ddl_line && !up->dml_line)
		return AURMIG_OK;   /* an empty upgrade (a merge): nothing to undo */
	scope_init(&s, r, d, AURMIG_UPGRADE);
	if (!dsec) {
		s.line = usec->directive_line;
		aurmig__lint_emit(&s, R_T105, -1, "no downgrade section runs on %s",
			aurmig__dialect_name(d));
		return s.rc;
	}
	{
		aurmig__stmt *st = NULL;
		size_t nst = 0;
		if ((rc = aurmig__split(&st, &nst, r->ctx, r->m->text + dsec->offset, dsec->len,
				dsec->portable ? AURMIG_DIALECT_MYSQL : d, r->m->path, dsec->line)))
			return rc;
		aurmig__free(st);
		if (nst == 0) {
			s.line = dsec->directive_line;
			aurmig__lint_emit(&s, R_T106, -1, "the downgrade runs nothing: what the upgrade made stays");
			return s.rc;
		}
	}
	if ((rc = aurmig__lint_idents(&ids, r->ctx, r->m->text + dsec->offset, dsec->len))) {
		aurmig__strv_clear(&ids);
		return rc;
	}
	for (size_t i = 0; i < up->made.n && !s.rc; i++)
		if (!aurmig__strv_contains(&ids, up->made.v[i])) {
			s.line = (int)up->made_line.v[i];
			aurmig__lint_emit(&s, R_T106, -1, "the downgrade (line %d) does not mention %s, which the upgrade creates",
				dsec->directive_line, up->made.v[i]);
		}
	aurmig__strv_clear(&ids);
	return s.rc;
}

static int lint_run(run *r)
{
	const aurmig_migration *m = r->m;
	unsigned want = r->opts ? r->opts->dialects : 0;
	int rc = AURMIG_OK;

	if ((rc = collect_nolint(r)) || (rc = check_nolint(r, 0)))
		return rc;
	for (int d = AURMIG_DIALECT_SQLITE; d <= AURMIG_DIALECT_PGSQL && !rc; d++) {
		const aurmig__section *usec = section_for(m, AURMIG_UPGRADE, d);
		aurmig__lint_scope s;

		if (want && !(want & (1u << d)))
			continue;
		if (!want && !m->sections[0][d].present && !m->sections[0][AURMIG_DIALECT_ANY].present)
			continue;
		scope_init(&s, r, d, AURMIG_UPGRADE);
		if (!usec) {
			s.line = 1;
			aurmig__lint_emit(&s, R_X101, -1, "no upgrade section runs on %s (neither its own nor a common one)",
				aurmig__dialect_name(d));
			rc = s.rc;
			continue;
		}
		rc = lint_section(r, &s, usec);
		if (!rc && s.destroys && !m->data_loss) {
			s.line = s.destroys;
			s.col = 0;
			s.stmt = NULL;
			aurmig__lint_emit(&s, R_X106, -1, "the upgrade deletes data (line %d), but the script has no "
				"'-- aurmig:irreversible' saying what a downgrade cannot restore", s.destroys);
			rc = s.rc;
		}
		if (!rc)
			rc = check_downgrade(r, &s, usec, d);
		aurmig__lint_scope_clear(&s);
		if (!rc && r->opts && r->opts->check_down && section_for(m, AURMIG_DOWNGRADE, d)) {
			scope_init(&s, r, d, AURMIG_DOWNGRADE);
			rc = lint_section(r, &s, section_for(m, AURMIG_DOWNGRADE, d));
			aurmig__lint_scope_clear(&s);
		}
	}
	if (!rc)
		rc = check_nolint(r, 1);
	return rc;
}

int aurmig_lint_migration(aurmig_lint_report *rep, const aurmig_migration *m, const aurmig_lint_options *opts)
{
	run r = { 0 };
	size_t start;
	int rc;

	if (!rep || !m)
		return AURMIG_EINVALID;
	aurmig__err_clear(rep->ctx);
	r.rep = rep;
	r.opts = opts;
	r.m = m;
	r.ctx = rep->ctx;
	start = rep->n;
	rc = lint_run(&r);
	free(r.nl);
	if (!rc) {
		/* by line (insertion sort: stable, and a revision has few findings) */
		for (size_t i = start + 1; i < rep->n; i++) {
			aurmig_lint_finding f = rep->v[i];
			size_t j = i;
			while (j > start && rep->v[j - 1].line > f.line) {
				rep->v[j] = rep->v[j - 1];
				j--;
			}
			rep->v[j] = f;
		}
	}
	return rc;
}

int aurmig__lint_read_script(aurmig_migration **out, aurmig_context *ctx, const char *path)
{
	FILE *f;
	char *text = NULL;
	size_t len = 0, cap = 0;
	const char *base;

	*out = NULL;
	if (!(f = fopen(path, "rb")))
		return aurmig__err_at(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0, "cannot read %s: %s", path, strerror(errno));
	for (;;) {
		size_t got;
		if (cap - len < 4097) {
			char *t = aurmig__realloc(ctx, text, cap = cap ? cap * 2 : 16384);
			if (!t) {
				fclose(f);
				free(text);
				return AURMIG_ENOMEM;
			}
			text = t;
		}
		got = fread(text + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		free(text);
		return aurmig__err_at(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0, "cannot read %s", path);
	}
	fclose(f);
	text[len] = '\0';
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return aurmig__script_parse(out, ctx, path, base, text, len);
}

int aurmig_lint_file(aurmig_lint_report *rep, const char *path, const aurmig_lint_options *opts)
{
	aurmig_migration *m = NULL;
	int rc;

	if (!rep || !path)
		return AURMIG_EINVALID;
	aurmig__err_clear(rep->ctx);
	if ((rc = aurmig__lint_read_script(&m, rep->ctx, path)))
		return rc;
	rc = aurmig_lint_migration(rep, m, opts);
	aurmig__script_free(m);
	return rc;
}
