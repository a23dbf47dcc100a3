/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lint rules that need more than one statement's tokens (docs/lint.md):
 * the indexes and foreign keys a section makes known (P105, P106, P112),
 * names (P107, P108), column types (P110, P111), and the step-level rules
 * T102 (guards), T103 (lock-wait bound) and X105 (statements lint does not
 * read). Called from rules.c.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <aurmig/lint.h>
#include "lint/tok.h"

/* ---------------------------------------------------------------- schema policy (P105-P112) */


/* Words reserved in MariaDB or PostgreSQL (a subset: those a schema might
 * pick as a name), and where. */
static const char *reserved_in(const tok *t, unsigned dialects)
{
	static const char *const both[] = {
		"all", "and", "as", "asc", "both", "case", "check", "collate", "column", "constraint", "create", "cross",
		"current_date", "current_time", "current_timestamp", "current_user", "default", "desc", "distinct",
		"else", "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in", "leading",
		"limit", "not", "null", "offset", "on", "or", "order", "primary", "references", "select", "table",
		"then", "to", "trailing", "true", "union", "unique", "using", "when", "where", "with", "window",
		"inner", "join", "left", "right", "outer", "natural", "is", "like", "between", NULL
	};
	static const char *const my[] = {
		"add", "alter", "analyze", "by", "change", "condition", "database", "databases", "delete", "div", "drop",
		"exists", "index", "insert", "interval", "into", "key", "keys", "kill", "lock", "match", "mod", "modify",
		"option", "range", "read", "release", "rename", "replace", "require", "restrict", "return", "revoke",
		"schema", "separator", "set", "show", "signal", "sql", "trigger", "undo", "unlock", "unsigned", "update",
		"usage", "use", "values", "write", "xor", "zerofill", "over", "rows", "row_number", "recursive", NULL
	};
	static const char *const pg[] = { "user", "analyse", "array", "authorization", "only", "placing", "session_user",
		"symmetric", "variadic", "returning", "do", "end", "cast", NULL };
	char b[40];
	int my_on = !dialects || (dialects & (1u << AURMIG_DIALECT_MYSQL));
	int pg_on = !dialects || (dialects & (1u << AURMIG_DIALECT_PGSQL));

	if (!t || t->n >= sizeof(b))
		return NULL;
	lower(b, sizeof(b), t);
	for (const char *const *w = both; *w; w++)
		if (!strcmp(*w, b))
			return my_on && pg_on ? "MariaDB and PostgreSQL" : my_on ? "MariaDB" : pg_on ? "PostgreSQL" : NULL;
	for (const char *const *w = my; my_on && *w; w++)
		if (!strcmp(*w, b))
			return "MariaDB";
	for (const char *const *w = pg; pg_on && *w; w++)
		if (!strcmp(*w, b))
			return "PostgreSQL";
	return NULL;
}

void aurmig__lint_check_reserved(aurmig__lint_scope *s, const tok *t, const char *what)
{
	/* the dialects linted for: a word reserved only where the project does not run is no problem */
	const char *where = reserved_in(t, s->opts ? s->opts->dialects : 0);

	if (where && s->direction == AURMIG_UPGRADE)
		aurmig__lint_emit(s, R_P107, -1, "%s name %.*s is a reserved word in %s", what, (int)t->n, t->s, where);
}

/* P108: a created name against [lint] name.<kind>. */
void aurmig__lint_check_name(aurmig__lint_scope *s, int kind, const tok *t)
{
	static const char *const kinds[] = { "table", "column", "index", "constraint" };
	const char *pat = s->opts ? s->opts->name_re[kind] : NULL;
	char b[256];
	regex_t re;

	if (!pat || !t || s->direction != AURMIG_UPGRADE || s->opts->severity[R_P108] <= 0)
		return;   /* off by default: no regex work */
	if (regcomp(&re, pat, REG_EXTENDED | REG_NOSUB))
		return;   /* checked when set */
	snprintf(b, sizeof(b), "%.*s", (int)(t->n < 255 ? t->n : 255), t->s);
	if (regexec(&re, b, 0, NULL, 0) != 0)
		aurmig__lint_emit(s, R_P108, -1, "%s name %s does not match name.%s = %s", kinds[kind], b, kinds[kind], pat);
	regfree(&re);
}

/* The column names of the parenthesised list at or after i (before end):
 * "c1,c2" lower case into out; returns the index after ')' (0: no list).
 * *prefix is set when an element has a prefix length or an expression. */
size_t aurmig__lint_collist(const stmt *st, size_t i, size_t end, char *out, size_t size, int *prefix)
{
	size_t k = 0, j;
	int d;

	out[0] = '\0';
	while (i < end && !punct(st, i, '('))
		i++;
	if (i >= end)
		return 0;
	d = st->t[i].depth;
	for (j = i + 1; j < end && !(punct(st, j, ')') && st->t[j].depth == d); j++) {
		if (st->t[j].depth != d + 1)
			continue;
		if (is_name(st, j) && (punct(st, j - 1, '(') || punct(st, j - 1, ','))) {
			char b[128];
			lower(b, sizeof(b), &st->t[j]);
			if (k + strlen(b) + 2 < size)
				k += (size_t)snprintf(out + k, size - k, "%s%s", k ? "," : "", b);
			if (punct(st, j + 1, '(') && prefix)
				*prefix = 1;
		} else if (punct(st, j, '(') && prefix)
			*prefix = 1;
	}
	return j < end ? j + 1 : j;
}

/* cols a leading part of (or equal to) of, element-wise. */
static int cols_prefix(const char *cols, const char *of)
{
	size_t n = strlen(cols);

	return n && strncmp(cols, of, n) == 0 && (of[n] == '\0' || of[n] == ',');
}

/* The same set of columns. */
static int cols_same_set(const char *a, const char *b)
{
	size_t na = 1, nb = 1;

	for (const char *p = a; *p; p++)
		na += *p == ',';
	for (const char *p = b; *p; p++)
		nb += *p == ',';
	if (na != nb)
		return 0;
	for (const char *p = a; *p;) {
		size_t n = strcspn(p, ",");
		int found = 0;
		for (const char *q = b; *q && !found;) {
			size_t m = strcspn(q, ",");
			found = m == n && !strncmp(p, q, n);
			q += m + (q[m] == ',');
		}
		if (!found)
			return 0;
		p += n + (p[n] == ',');
	}
	return 1;
}

/* Fields of an index entry "name|table|u|cols". */
static int index_fields(const char *e, const char **name, size_t *nn, const char **table, size_t *tn, int *uniq,
	const char **cols)
{
	const char *a = strchr(e, '|'), *b = a ? strchr(a + 1, '|') : NULL;

	if (!b || !b[1] || b[2] != '|')
		return 0;
	*name = e;
	*nn = (size_t)(a - e);
	*table = a + 1;
	*tn = (size_t)(b - a - 1);
	*uniq = b[1] == 'u';
	*cols = b + 3;
	return 1;
}

/* An index the section makes known (created here, or part of a table created
 * here): P105 against the other indexes of the table. */
void aurmig__lint_index_add(aurmig__lint_scope *s, const char *name, const char *tb, int uniq, const char *cols, int check)
{
	char e[1100];

	if (!*cols)
		return;
	for (size_t i = 0; check && i < s->indexes.n; i++) {
		const char *on, *ot, *oc;
		size_t onn, otn;
		int ou;
		if (!index_fields(s->indexes.v[i], &on, &onn, &ot, &otn, &ou, &oc) || strlen(tb) != otn || strncmp(ot, tb, otn))
			continue;
		if (!strcmp(oc, cols) || (!uniq && cols_prefix(cols, oc))) {
			aurmig__lint_emit(s, R_P105, -1, "index %s (%s) on %s is redundant: index %.*s covers (%s)",
				*name ? name : "(unnamed)", cols, tb, (int)onn, on, oc);
			break;
		}
		if (!ou && cols_prefix(oc, cols)) {
			aurmig__lint_emit(s, R_P105, -1, "index %.*s (%s) on %s becomes redundant: the new index %s covers (%s)",
				(int)onn, on, oc, tb, *name ? name : "(unnamed)", cols);
			break;
		}
	}
	snprintf(e, sizeof(e), "%s|%s|%c|%s", name, tb, uniq ? 'u' : 'i', cols);
	if (!s->rc && aurmig__strv_push(&s->indexes, s->ctx, e))
		s->rc = AURMIG_ENOMEM;
}

void aurmig__lint_index_drop(aurmig__lint_scope *s, const char *name, const char *tb)
{
	for (size_t i = s->indexes.n; i-- > 0;) {
		const char *on, *ot, *oc;
		size_t onn, otn;
		int ou;
		if (index_fields(s->indexes.v[i], &on, &onn, &ot, &otn, &ou, &oc) && strlen(name) == onn &&
		    !strncmp(on, name, onn) && (!tb || (strlen(tb) == otn && !strncmp(ot, tb, otn))))
			aurmig__strv_remove_at(&s->indexes, i);
	}
}

void aurmig__lint_index_drop_table(aurmig__lint_scope *s, const char *tb)
{
	for (size_t i = s->indexes.n; i-- > 0;) {
		const char *on, *ot, *oc;
		size_t onn, otn;
		int ou;
		if (index_fields(s->indexes.v[i], &on, &onn, &ot, &otn, &ou, &oc) && strlen(tb) == otn && !strncmp(ot, tb, otn))
			aurmig__strv_remove_at(&s->indexes, i);
	}
}

/* The columns "c1,c2" of table all are new (the table or the columns were added in the section). */
static int new_columns(const aurmig__lint_scope *s, const char *tb, const char *cols, int new_table)
{
	char key[260];

	if (new_table)
		return 1;
	for (const char *p = cols; *p;) {
		size_t n = strcspn(p, ",");
		snprintf(key, sizeof(key), "%s.%.*s", tb, (int)n, p);
		if (!aurmig__strv_contains(&s->added, key))
			return 0;
		p += n + (p[n] == ',');
	}
	return *cols != '\0';
}

/* A foreign key of child table tb on cols; st[k] is REFERENCES. P106
 * (the parent is known from the section), P112 recorded (new columns). */
static void foreign_key(aurmig__lint_scope *s, const stmt *st, size_t k, size_t end, const char *tb, const char *cols,
	int new_cols)
{
	const tok *parent;
	char pb[128], pcols[400];
	size_t j = k + 1;
	int pre = 0;

	if (!(parent = name_at(st, &j)))
		return;
	lower(pb, sizeof(pb), parent);
	pcols[0] = '\0';
	if (punct(st, j, '('))
		aurmig__lint_collist(st, j, end, pcols, sizeof(pcols), &pre);
	if (aurmig__strv_contains(&s->dropped, pb) && !aurmig__strv_contains(&s->created, pb))
		aurmig__lint_emit(s, R_P106, -1, "the foreign key on %s (%s) references table %.*s, dropped earlier in "
			"this section", tb, cols, (int)parent->n, parent->s);
	else if (aurmig__strv_contains(&s->created, pb) && !pre) {
		int ok = 0;
		for (size_t i = 0; i < s->indexes.n && !ok; i++) {
			const char *on, *ot, *oc;
			size_t onn, otn;
			int ou;
			if (!index_fields(s->indexes.v[i], &on, &onn, &ot, &otn, &ou, &oc) || !ou || strlen(pb) != otn ||
			    strncmp(ot, pb, otn))
				continue;
			ok = *pcols ? cols_same_set(pcols, oc) : (onn == 7 && !strncmp(on, "primary", 7));
		}
		if (!ok)
			aurmig__lint_emit(s, R_P106, -1, "the foreign key on %s (%s) references %.*s (%s), which has no %s there",
				tb, cols, (int)parent->n, parent->s, *pcols ? pcols : "its primary key",
				*pcols ? "primary or unique key on exactly those columns" : "primary key");
	}
	if (new_cols && *cols && s->direction == AURMIG_UPGRADE && !aurmig__dialect_of(s->dialect)->fk_makes_index) {
		char e[600];
		snprintf(e, sizeof(e), "%s|%s", tb, cols);
		if (!s->rc && (aurmig__strv_push(&s->fks, s->ctx, e) || aurmig__idxv_push(&s->fk_line, s->ctx, (size_t)s->line)))
			s->rc = AURMIG_ENOMEM;
	}
}

/* A column's type and attributes from st[i] (the name) to end: P107,
 * P108, P110, P111, inline keys and references. */
void aurmig__lint_column_policy(aurmig__lint_scope *s, const stmt *st, size_t i, size_t end, const char *tb, int new_table)
{
	const tok *c = &st->t[i], *ty = i + 1 < end ? &st->t[i + 1] : NULL;
	char col[128];

	lower(col, sizeof(col), c);
	aurmig__lint_check_reserved(s, c, "column");
	aurmig__lint_check_name(s, NAME_COLUMN, c);
	if (s->dialect == AURMIG_DIALECT_MYSQL && ty && ty->type == T_WORD) {
		static const char *const ints[] = { "tinyint", "smallint", "mediumint", "int", "integer", "bigint", NULL };
		static const char *const p111[] = { "float", "double", "real", "enum", "set", "timestamp", NULL };
		char tb2[32];
		lower(tb2, sizeof(tb2), ty);
		for (const char *const *w = ints; *w; w++)
			if (!strcmp(*w, tb2) && punct(st, i + 2, '(') && i + 3 < end && st->t[i + 3].type == T_NUMBER &&
			    !(!strcmp(tb2, "tinyint") && st->t[i + 3].n == 1 && st->t[i + 3].s[0] == '1'))
				aurmig__lint_emit(s, R_P110, -1, "column %.*s has a display width: %.*s(%.*s)", (int)c->n, c->s,
					(int)ty->n, ty->s, (int)st->t[i + 3].n, st->t[i + 3].s);
		for (const char *const *w = p111; *w; w++)
			if (!strcmp(*w, tb2))
				aurmig__lint_emit(s, R_P111, -1, "column %.*s is %.*s", (int)c->n, c->s, (int)ty->n, ty->s);
	}
	for (size_t j = i + 1; j < end; j++) {
		if (st->t[j].depth != c->depth)
			continue;
		if (is(st, j, "PRIMARY") && is(st, j + 1, "KEY"))
			aurmig__lint_index_add(s, "primary", tb, 1, col, 1);
		else if (is(st, j, "UNIQUE"))
			aurmig__lint_index_add(s, col, tb, 1, col, 1);
		else if (is(st, j, "REFERENCES"))
			foreign_key(s, st, j, end, tb, col, new_table || new_columns(s, tb, col, 0));
	}
}

/* A table-level element of CREATE TABLE or an ADD of ALTER TABLE from st[i]
 * (after CONSTRAINT name): keys and foreign keys. 1 when it was one. */
int aurmig__lint_key_element(aurmig__lint_scope *s, const stmt *st, size_t i, size_t end, const char *tb, int new_table,
	const tok *cname)
{
	char cols[400], nb[128];
	size_t k = i, after;
	int uniq = 0, primary = 0, pre = 0;

	nb[0] = '\0';
	if (cname)
		lower(nb, sizeof(nb), cname);
	if (is(st, k, "FOREIGN")) {
		k++;
		if (is(st, k, "KEY"))
			k++;
		k = skip_if(st, k);
		if (!(after = aurmig__lint_collist(st, k, end, cols, sizeof(cols), &pre)))
			return 1;
		while (after < end && !is(st, after, "REFERENCES"))
			after++;
		if (after < end)
			foreign_key(s, st, after, end, tb, cols, new_columns(s, tb, cols, new_table));
		/* MariaDB: the foreign key's own index when none covers it */
		if (aurmig__dialect_of(s->dialect)->fk_makes_index)
			aurmig__lint_index_add(s, *nb ? nb : cols, tb, 0, cols, 0);
		return 1;
	}
	if (is(st, k, "PRIMARY"))
		primary = uniq = 1, k++;
	else if (is(st, k, "UNIQUE"))
		uniq = 1, k++;
	else if (!is(st, k, "KEY") && !is(st, k, "INDEX"))
		return 0;
	if (is(st, k, "KEY") || is(st, k, "INDEX"))
		k++;
	k = skip_if(st, k);
	if (is_name(st, k) && !is(st, k, "USING") && !punct(st, k, '(')) {
		lower(nb, sizeof(nb), &st->t[k]);
		aurmig__lint_check_name(s, NAME_INDEX, &st->t[k]);
		k++;
	}
	if (!aurmig__lint_collist(st, k, end, cols, sizeof(cols), &pre) || pre)
		return 1;
	aurmig__lint_index_add(s, primary ? "primary" : *nb ? nb : cols, tb, uniq, cols, 1);
	return 1;
}

/* After the section: P112, foreign keys on new columns that no index starts with. */
void aurmig__lint_section_end(aurmig__lint_scope *s)
{
	for (size_t f = 0; f < s->fks.n && !s->rc; f++) {
		const char *bar = strchr(s->fks.v[f], '|');
		size_t tn = (size_t)(bar - s->fks.v[f]);
		int ok = 0;
		for (size_t i = 0; i < s->indexes.n && !ok; i++) {
			const char *on, *ot, *oc;
			size_t onn, otn;
			int ou;
			if (index_fields(s->indexes.v[i], &on, &onn, &ot, &otn, &ou, &oc) && otn == tn &&
			    !strncmp(ot, s->fks.v[f], tn))
				ok = cols_prefix(bar + 1, oc);
		}
		if (!ok) {
			s->line = (int)s->fk_line.v[f];
			s->col = 0;
			s->stmt = NULL;
			s->table[0] = '\0';
			aurmig__lint_emit(s, R_P112, -1, "no index starts with the foreign-key columns %.*s (%s)", (int)tn,
				s->fks.v[f], bar + 1);
		}
	}
}

/* X105: nothing of the statement was checked. */
void aurmig__lint_unknown(aurmig__lint_scope *s, const stmt *st)
{
	size_t n = 1 + ((is(st, 0, "CREATE") || is(st, 0, "ALTER") || is(st, 0, "DROP")) && st->n > 1 &&
		st->t[1].type == T_WORD);

	aurmig__lint_emit(s, R_X105, -1, "lint does not check %.*s statements: nothing of this one was checked",
		(int)(st->t[n - 1].s + st->t[n - 1].n - st->t[0].s), st->t[0].s);
}

/* T103: a statement that waits for a table lock, in a step without a bound. */
void aurmig__lint_lock_wait(aurmig__lint_scope *s)
{
	if (s->t103_done)
		return;
	if (s->lock_unbound || (s->lock_wait_ms == 0 && !s->lock_bound)) {
		s->t103_done = 1;
		if (s->lock_unbound)
			aurmig__lint_emit(s, R_T103, -1, "the lock wait is switched off (line %d) before this DDL", s->lock_unbound);
		else
			aurmig__lint_emit(s, R_T103, -1, "'-- aurmig:lock_wait 0' leaves this DDL to the server's lock wait "
				"(a day on MariaDB, none on PostgreSQL)");
	}
}

/* SET ... lock_wait_timeout / lock_timeout = N in the section (T103). */
void aurmig__lint_set_statement(aurmig__lint_scope *s, const stmt *st)
{
	for (size_t i = 1; i + 2 < st->n; i++)
		if (is(st, i, "lock_wait_timeout") || is(st, i, "innodb_lock_wait_timeout") || is(st, i, "lock_timeout")) {
			size_t k = i + 1;
			if (punct(st, k, '=') || is(st, k, "TO"))
				k++;
			if (k < st->n && (st->t[k].type == T_NUMBER || st->t[k].type == T_STRING)) {
				int zero = 1;
				for (size_t c = 0; c < st->t[k].n; c++)
					zero &= st->t[k].s[c] == '0' || st->t[k].s[c] == '.';
				if (zero && s->dialect == AURMIG_DIALECT_PGSQL)
					s->lock_unbound = s->line;
				else {
					s->lock_bound = 1;
					s->lock_unbound = 0;
				}
			}
		}
}

/* T102: DDL of a non-atomic MySQL step, not its last statement, without the
 * IF [NOT] EXISTS guard MariaDB allows there. */
void aurmig__lint_guard(aurmig__lint_scope *s, const stmt *st)
{
	const char *what = NULL;

	if (s->dialect != AURMIG_DIALECT_MYSQL || s->direction != AURMIG_UPGRADE || s->stmt_index + 1 >= s->nstmts)
		return;
	if (is(st, 0, "CREATE")) {
		size_t k = 1 + (is(st, 1, "OR") && is(st, 2, "REPLACE")) * 2;
		if (k == 3)
			return;
		if (is(st, k, "TEMPORARY"))
			k++;
		if (is(st, k, "UNIQUE") || is(st, k, "FULLTEXT") || is(st, k, "SPATIAL"))
			k++;
		if ((is(st, k, "TABLE") || is(st, k, "INDEX")) && !(is(st, k + 1, "IF") || is(st, k + 2, "IF")))
			what = is(st, k, "TABLE") ? "CREATE TABLE" : "CREATE INDEX";
	} else if (is(st, 0, "DROP")) {
		size_t k = 1 + is(st, 1, "TEMPORARY");
		if ((is(st, k, "TABLE") || is(st, k, "INDEX") || is(st, k, "VIEW")) && !is(st, k + 1, "IF"))
			what = "DROP";
	} else if (is(st, 0, "ALTER") && is(st, 1, "TABLE")) {
		size_t start = 2;
		for (size_t j = 2; j <= st->n && !what; j++)
			if (j == st->n || (punct(st, j, ',') && st->t[j].depth == 0)) {
				size_t a = start;
				int guarded = word_in(st, a, j, "IF", 0), kind = 0;
				if (is(st, a, "ADD")) {
					size_t k = a + 1;
					if (is(st, k, "CONSTRAINT"))
						k += 2;
					kind = is(st, k, "PRIMARY") || is(st, k, "CHECK") || is(st, k, "PARTITION") ? 0 : 1;
				} else if (is(st, a, "DROP"))
					kind = is(st, a + 1, "PRIMARY") || is(st, a + 1, "DEFAULT") || is(st, a + 1, "CHECK") ||
						is(st, a + 1, "PARTITION") ? 0 : 1;
				else if (is(st, a, "CHANGE") || is(st, a, "MODIFY"))
					kind = 1;
				if (kind && !guarded)
					what = is(st, a, "ADD") ? "ADD" : is(st, a, "DROP") ? "DROP" : is(st, a, "CHANGE") ? "CHANGE" : "MODIFY";
				start = j + 1;
			}
	}
	if (what)
		aurmig__lint_emit(s, R_T102, -1, "%s without IF [NOT] EXISTS, and statements follow in this non-atomic step: "
			"after a failure further on, running the step again fails here", what);
}
