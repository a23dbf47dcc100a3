/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Schema introspection: SQLite (table-valued PRAGMA functions and
 * sqlite_master), MySQL/MariaDB (information_schema) and PostgreSQL
 * (pg_catalog) read into one model (model.c); rendering is in render.c,
 * comparing in diff.c. The type and default mapping is documented in
 * docs/schema.md.
 *
 * libdbd-sqlite3 quirks this file works around: a statement that holds
 * "from" anywhere but in its FROM keyword (an identifier or string such as
 * 'from_x') makes the driver loop forever, and a SELECT without FROM (and a
 * PRAGMA) makes it print to stdout. So SQLite is read with four SELECTs
 * that join sqlite_master to the pragma_*() functions: no table name is
 * ever spelled in the SQL, and pragma_foreign_key_list's "from" column is
 * only reached through f.*.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "schema/schema.h"

typedef struct aurmig_schema_table stable;
typedef struct aurmig_schema_column scol;
typedef struct aurmig_schema_index sindex;
typedef struct aurmig_schema_fkey sfkey;

/* ------------------------------------------------------------------ */
/* introspection                                                       */

typedef struct reader {
	aurmig_conn *c;
	aurmig_schema *s;
	unsigned int flags;
	int mariadb;            /* MySQL: the server is MariaDB */
	size_t last;            /* table cache for find_table */
} reader;

static int cmp_table(const void *x, const void *y)
{
	return strcmp(((const stable *)x)->name, ((const stable *)y)->name);
}

static stable *find_table(reader *r, const char *name)
{
	aurmig_schema *s = r->s;

	if (r->last < s->ntables && !strcmp(s->tables[r->last].name, name))
		return &s->tables[r->last];
	/* sorted by strcmp: binary search */
	size_t lo = 0, hi = s->ntables;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s->tables[mid].name, name);
		if (!c) {
			r->last = mid;
			return &s->tables[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int own_table(reader *r, const char *name)
{
	if (r->flags & AURMIG_SCHEMA_OWN_TABLES)
		return 0;
	return aurmig__schema_ieq(name, r->c->version_table) || aurmig__schema_ieq(name, r->c->journal_table);
}

/* Run a query expecting ncols columns. */
static int cells(reader *r, const char *sql, aurmig__strv *out, size_t ncols)
{
	size_t n = 0;
	int rc = r->c->ops->query_cells(r->c, sql, out, &n);

	if (!rc && out->n && n != ncols)
		rc = aurmig__err(r->s->ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB,
			"schema query returned %zu columns instead of %zu", n, ncols);
	if (!rc && n && out->n % n)
		rc = aurmig__err(r->s->ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB, "schema query returned a partial row");
	return rc;
}

static int add_table(reader *r, const char *name)
{
	stable *t;

	if (own_table(r, name))
		return AURMIG_OK;
	if (!(t = aurmig__schema_grow(r->s->ctx, (void **)&r->s->tables, &r->s->ntables, sizeof(*t))))
		return AURMIG_ENOMEM;
	if (!(t->name = aurmig__strdup(r->s->ctx, name))) {
		r->s->ntables--;
		return AURMIG_ENOMEM;
	}
	return AURMIG_OK;
}

/* A column from its backend spelling; default already an expression. */
static int add_column(reader *r, stable *t, const char *name, const char *type, int nullable,
	const char *dflt, int auto_increment)
{
	aurmig_context *ctx = r->s->ctx;
	scol *c;
	int rc;

	if (!(c = aurmig__schema_grow(ctx, (void **)&t->cols, &t->ncols, sizeof(*c))))
		return AURMIG_ENOMEM;
	c->nullable = nullable;
	c->auto_increment = auto_increment;
	if (!(c->name = aurmig__strdup(ctx, name)) || !(c->raw_type = aurmig__strdup(ctx, type)))
		return AURMIG_ENOMEM;
	if ((rc = aurmig__schema_parse_type(&c->type, ctx, r->s->dialect, type)))
		return rc;
	if (!auto_increment && (rc = aurmig__schema_norm_default(&c->default_value, ctx, r->s->dialect, &c->type, dflt)))
		return rc;
	return AURMIG_OK;
}

static sindex *add_index(reader *r, stable *t, const char *name, int unique)
{
	sindex *ix = aurmig__schema_grow(r->s->ctx, (void **)&t->idx, &t->nidx, sizeof(*ix));

	if (!ix)
		return NULL;
	ix->unique = unique;
	if (!(ix->name = aurmig__strdup(r->s->ctx, name)))
		return NULL;
	return ix;
}

/* name: a column, or NULL with expr; prefix: MySQL prefix length or 0 */
static int add_icol(reader *r, sindex *ix, const char *name, const char *expr, int desc, int prefix)
{
	aurmig_context *ctx = r->s->ctx;
	aurmig__icol *ic = aurmig__schema_grow(ctx, (void **)&ix->cols, &ix->ncols, sizeof(*ic));
	aurmig__buf b;

	if (!ic)
		return AURMIG_ENOMEM;
	ic->desc = desc;
	ic->prefix = prefix;
	if (name && !(ic->name = aurmig__strdup(ctx, name)))
		return AURMIG_ENOMEM;
	if (!name && !(ic->expr = aurmig__strdup(ctx, expr && *expr ? expr : "?")))
		return AURMIG_ENOMEM;
	aurmig__buf_init(&b, ctx);
	if (name)
		aurmig__buf_puts(&b, name);
	else
		aurmig__buf_printf(&b, "(%s)", ic->expr);
	if (prefix)
		aurmig__buf_printf(&b, "(%d)", prefix);
	if (desc)
		aurmig__buf_puts(&b, " DESC");
	return (ic->text = aurmig__buf_detach(&b)) ? AURMIG_OK : AURMIG_ENOMEM;
}

static const char *rule_of(const char *s)
{
	static const char *const rules[] = { "NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT" };

	/* PostgreSQL's single letters */
	if (s[0] && !s[1]) {
		switch (s[0]) {
		case 'r': return rules[1];
		case 'c': return rules[2];
		case 'n': return rules[3];
		case 'd': return rules[4];
		default: return rules[0];
		}
	}
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (aurmig__schema_ieq(s, rules[i]))
			return rules[i];
	return rules[0];
}

static sfkey *add_fkey(reader *r, stable *t, const char *name, const char *ref_table,
	const char *on_update, const char *on_delete)
{
	aurmig_context *ctx = r->s->ctx;
	sfkey *fk = aurmig__schema_grow(ctx, (void **)&t->fks, &t->nfks, sizeof(*fk));

	if (!fk)
		return NULL;
	fk->on_update = rule_of(on_update);
	fk->on_delete = rule_of(on_delete);
	if ((name && *name && !(fk->name = aurmig__strdup(ctx, name))) || !(fk->ref_table = aurmig__strdup(ctx, ref_table)))
		return NULL;
	return fk;
}

/* Is the word AUTOINCREMENT in the SQL, outside quotes and comments? */
static int has_autoincrement(const char *sql)
{
	for (const char *p = sql; *p; p++) {
		if (*p == '\'' || *p == '"' || *p == '`' || *p == '[') {
			char q = *p == '[' ? ']' : *p;
			const char *e = strchr(p + 1, q);
			if (!e)
				return 0;
			p = e;
		} else if (p[0] == '-' && p[1] == '-') {
			const char *e = strchr(p, '\n');
			if (!e)
				return 0;
			p = e;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			if (!e)
				return 0;
			p = e + 1;
		} else if ((p == sql || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) && aurmig__schema_starts_ci(p, "autoincrement") &&
			   !(isalnum((unsigned char)p[13]) || p[13] == '_')) {
			return 1;
		}
	}
	return 0;
}

static int read_sqlite(reader *r)
{
	aurmig_context *ctx = r->s->ctx;
	aurmig__strv v = { 0 }, autoinc = { 0 };
	int rc;

	/* tables */
	if ((rc = cells(r, "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name", &v, 2)))
		goto done;
	for (size_t i = 0; i + 1 < v.n && !rc; i += 2) {
		if (!strncmp(v.v[i], "sqlite_", 7))
			continue;
		rc = add_table(r, v.v[i]);
		if (!rc && has_autoincrement(v.v[i + 1]))
			rc = aurmig__strv_push(&autoinc, ctx, v.v[i]);
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;
	if (r->s->ntables)   /* qsort(NULL, 0) is undefined */
		qsort(r->s->tables, r->s->ntables, sizeof(stable), cmp_table);

	/* columns: table, cid, name, type, notnull, dflt_value, pk */
	if ((rc = cells(r, "SELECT m.name, p.cid, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk "
		"FROM sqlite_master AS m, pragma_table_info(m.name) AS p WHERE m.type = 'table' "
		"ORDER BY m.name, p.cid", &v, 7)))
		goto done;
	{
		/* primary key: pk is the 1-based position in the key */
		for (size_t i = 0; i + 6 < v.n && !rc; i += 7) {
			stable *t = find_table(r, v.v[i]);
			if (!t)
				continue;
			rc = add_column(r, t, v.v[i + 2], v.v[i + 3], strcmp(v.v[i + 4], "0") == 0, v.v[i + 5], 0);
			if (!rc && aurmig__schema_ieq(v.v[i + 5], "null"))
				t->cols[t->ncols - 1].null_default = 1;
		}
		for (long pos = 1; !rc; pos++) {
			int found = 0;
			for (size_t i = 0; i + 6 < v.n && !rc; i += 7) {
				stable *t;
				if (strtol(v.v[i + 6], NULL, 10) != pos || !(t = find_table(r, v.v[i])))
					continue;
				found = 1;
				rc = aurmig__strv_push(&t->pk, ctx, v.v[i + 2]);
			}
			if (!found)
				break;
		}
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;

	/* indexes: table, index, unique, origin, partial, seqno, cid, column, desc */
	if ((rc = cells(r, "SELECT m.name, l.name, l.\"unique\", l.origin, l.partial, x.seqno, x.cid, x.name, x.\"desc\" "
		"FROM sqlite_master AS m, pragma_index_list(m.name) AS l, pragma_index_xinfo(l.name) AS x "
		"WHERE m.type = 'table' AND x.\"key\" = 1 ORDER BY m.name, l.name, x.seqno", &v, 9)))
		goto done;
	{
		sindex *ix = NULL;
		const char *cur_t = NULL, *cur_i = NULL;
		for (size_t i = 0; i + 8 < v.n && !rc; i += 9) {
			stable *t = find_table(r, v.v[i]);
			if (!t)
				continue;
			if (!strcmp(v.v[i + 3], "pk")) {
				t->has_pk_index = 1;
				continue;
			}
			if (!cur_t || strcmp(cur_t, v.v[i]) || strcmp(cur_i, v.v[i + 1])) {
				if (!(ix = add_index(r, t, v.v[i + 1], strcmp(v.v[i + 2], "0") != 0))) {
					rc = AURMIG_ENOMEM;
					break;
				}
				ix->auto_named = !strcmp(v.v[i + 3], "u") && !strncmp(v.v[i + 1], "sqlite_autoindex_", 17);
				ix->partial = strcmp(v.v[i + 4], "0") != 0;
				cur_t = v.v[i];
				cur_i = v.v[i + 1];
			}
			if (strcmp(v.v[i + 6], "-2") == 0)
				rc = add_icol(r, ix, NULL, "expression", strcmp(v.v[i + 8], "0") != 0, 0);
			else
				rc = add_icol(r, ix, v.v[i + 7], NULL, strcmp(v.v[i + 8], "0") != 0, 0);
		}
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;

	/* foreign keys: table, id, seq, table, from, to, on_update, on_delete, match */
	if ((rc = cells(r, "SELECT m.name, f.* FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f "
		"WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq", &v, 9)))
		goto done;
	{
		sfkey *fk = NULL;
		const char *cur_t = NULL, *cur_id = NULL;
		for (size_t i = 0; i + 8 < v.n && !rc; i += 9) {
			stable *t = find_table(r, v.v[i]);
			if (!t)
				continue;
			if (!cur_t || strcmp(cur_t, v.v[i]) || strcmp(cur_id, v.v[i + 1])) {
				if (!(fk = add_fkey(r, t, NULL, v.v[i + 3], v.v[i + 6], v.v[i + 7]))) {
					rc = AURMIG_ENOMEM;
					break;
				}
				cur_t = v.v[i];
				cur_id = v.v[i + 1];
			}
			/* "to" is empty when the parent's primary key is meant */
			if ((rc = aurmig__strv_push(&fk->columns, ctx, v.v[i + 4])) ||
			    (rc = aurmig__strv_push(&fk->ref_columns, ctx, v.v[i + 5])))
				break;
		}
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;

	/* SQLite's INTEGER PRIMARY KEY is the rowid: it numbers itself */
	for (size_t i = 0; i < r->s->ntables; i++) {
		stable *t = &r->s->tables[i];
		scol *c;
		if (t->pk.n != 1 || t->has_pk_index || !(c = aurmig__schema_find_column(t, t->pk.v[0])) || !aurmig__schema_ieq(c->raw_type, "integer"))
			continue;
		c->auto_increment = 1;
		c->sqlite_autoincrement = aurmig__strv_contains(&autoinc, t->name);
		free(c->default_value);
		c->default_value = NULL;
	}
done:
	aurmig__strv_clear(&v);
	aurmig__strv_clear(&autoinc);
	return rc;
}

static int read_mysql(reader *r)
{
	aurmig_context *ctx = r->s->ctx;
	aurmig__strv v = { 0 };
	int rc;

	if ((rc = cells(r, "SELECT VERSION()", &v, 1)))
		goto done;
	r->mariadb = v.n && strstr(v.v[0], "MariaDB") != NULL;
	aurmig__strv_clear(&v);

	/* tables */
	if ((rc = cells(r, "SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES "
		"WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", &v, 2)))
		goto done;
	for (size_t i = 0; i + 1 < v.n && !rc; i += 2)
		rc = add_table(r, v.v[i]);
	if (rc)
		goto done;
	if (r->s->ntables)   /* qsort(NULL, 0) is undefined */
		qsort(r->s->tables, r->s->ntables, sizeof(stable), cmp_table);
	for (size_t i = 0; i + 1 < v.n && !rc; i += 2) {
		stable *t = find_table(r, v.v[i]);
		const char *coll = v.v[i + 1], *us;
		if (!t || !*coll)
			continue;
		/* a collation's name starts with its character set's, up to the first '_' */
		us = strchr(coll, '_');
		if (!(t->collation = aurmig__strdup(ctx, coll)) ||
		    !(t->charset = us ? aurmig__strndup(ctx, coll, (size_t)(us - coll)) : aurmig__strdup(ctx, coll)))
			rc = AURMIG_ENOMEM;
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;

	/* columns */
	if ((rc = cells(r, "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, "
		"COLUMN_DEFAULT IS NULL, EXTRA, CHARACTER_SET_NAME, COLLATION_NAME, DATA_TYPE "
		"FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
		"ORDER BY TABLE_NAME, ORDINAL_POSITION", &v, 10)))
		goto done;
	for (size_t i = 0; i + 9 < v.n && !rc; i += 10) {
		stable *t = find_table(r, v.v[i]);
		const char *extra = v.v[i + 6], *dflt = strcmp(v.v[i + 5], "0") ? NULL : v.v[i + 4];
		char *expr = NULL, *e;
		int ai = 0;
		scol *c;
		if (!t)
			continue;
		for (const char *p = extra; *p; p++)
			if (aurmig__schema_starts_ci(p, "auto_increment"))
				ai = 1;
		if (dflt && !r->mariadb) {
			/* MySQL reports the bare value; make it an expression */
			aurmig__ctype ty;
			int is_expr = strstr(extra, "DEFAULT_GENERATED") != NULL;
			if ((rc = aurmig__schema_parse_type(&ty, ctx, AURMIG_DIALECT_MYSQL, v.v[i + 2])))
				break;
			if (!is_expr && !(aurmig__schema_is_numeric_kind(ty.kind) || ty.kind == AURMIG_TYPE_BOOLEAN) &&
			    !aurmig__schema_starts_ci(dflt, "current_timestamp") && strncmp(dflt, "b'", 2)) {
				aurmig__buf b;
				aurmig__buf_init(&b, ctx);
				aurmig__db_quote(&b, AURMIG_DIALECT_MYSQL, dflt);
				if (!(expr = aurmig__buf_detach(&b)))
					rc = AURMIG_ENOMEM;
			}
			free(ty.text);
			if (rc)
				break;
		}
		rc = add_column(r, t, v.v[i + 1], v.v[i + 2], aurmig__schema_ieq(v.v[i + 3], "YES"), expr ? expr : dflt, ai);
		free(expr);
		if (rc)
			break;
		c = &t->cols[t->ncols - 1];
		/* "on update current_timestamp()" */
		for (const char *p = extra; *p && !rc; p++)
			if (aurmig__schema_starts_ci(p, "on update ")) {
				char *w = aurmig__strdup(ctx, p + 10);
				if (!w) {
					rc = AURMIG_ENOMEM;
					break;
				}
				if ((e = strchr(w, ' ')))
					*e = '\0';
				rc = aurmig__schema_norm_default(&c->on_update, ctx, AURMIG_DIALECT_MYSQL, &c->type, w);
				free(w);
				break;
			}
		if (!rc && *v.v[i + 8] && (!t->collation || strcmp(v.v[i + 8], t->collation)) &&
		    (!(c->charset = aurmig__strdup(ctx, v.v[i + 7])) || !(c->collation = aurmig__strdup(ctx, v.v[i + 8]))))
			rc = AURMIG_ENOMEM;
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;

	/* indexes (and the primary key) */
	if ((rc = cells(r, "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, COLLATION "
		"FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
		"ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX", &v, 6)))
		goto done;
	{
		sindex *ix = NULL;
		const char *cur_t = NULL, *cur_i = NULL;
		for (size_t i = 0; i + 5 < v.n && !rc; i += 6) {
			stable *t = find_table(r, v.v[i]);
			if (!t)
				continue;
			if (!strcmp(v.v[i + 1], "PRIMARY")) {
				rc = aurmig__strv_push(&t->pk, ctx, v.v[i + 3]);
				continue;
			}
			if (!cur_t || strcmp(cur_t, v.v[i]) || strcmp(cur_i, v.v[i + 1])) {
				if (!(ix = add_index(r, t, v.v[i + 1], strcmp(v.v[i + 2], "0") == 0))) {
					rc = AURMIG_ENOMEM;
					break;
				}
				cur_t = v.v[i];
				cur_i = v.v[i + 1];
			}
			rc = add_icol(r, ix, *v.v[i + 3] ? v.v[i + 3] : NULL, "expression", !strcmp(v.v[i + 5], "D"),
				(int)strtol(v.v[i + 4], NULL, 10));
		}
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;

	/* foreign keys */
	if ((rc = cells(r, "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, "
		"k.REFERENCED_COLUMN_NAME, c.UPDATE_RULE, c.DELETE_RULE "
		"FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS c "
		"ON c.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND c.CONSTRAINT_NAME = k.CONSTRAINT_NAME "
		"AND c.TABLE_NAME = k.TABLE_NAME "
		"WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL "
		"ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION", &v, 7)))
		goto done;
	{
		sfkey *fk = NULL;
		const char *cur_t = NULL, *cur_n = NULL;
		for (size_t i = 0; i + 6 < v.n && !rc; i += 7) {
			stable *t = find_table(r, v.v[i]);
			if (!t)
				continue;
			if (!cur_t || strcmp(cur_t, v.v[i]) || strcmp(cur_n, v.v[i + 1])) {
				if (!(fk = add_fkey(r, t, v.v[i + 1], v.v[i + 3], v.v[i + 5], v.v[i + 6]))) {
					rc = AURMIG_ENOMEM;
					break;
				}
				/* InnoDB: NO ACTION is RESTRICT */
				if (!strcmp(fk->on_update, "NO ACTION"))
					fk->on_update = rule_of("RESTRICT");
				if (!strcmp(fk->on_delete, "NO ACTION"))
					fk->on_delete = rule_of("RESTRICT");
				cur_t = v.v[i];
				cur_n = v.v[i + 1];
			}
			if ((rc = aurmig__strv_push(&fk->columns, ctx, v.v[i + 2])) ||
			    (rc = aurmig__strv_push(&fk->ref_columns, ctx, v.v[i + 4])))
				break;
		}
	}
done:
	aurmig__strv_clear(&v);
	return rc;
}

static int read_pgsql(reader *r)
{
	aurmig_context *ctx = r->s->ctx;
	aurmig__strv v = { 0 };
	int rc;

	if ((rc = cells(r, "SELECT c.relname FROM pg_catalog.pg_class c "
		"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
		"WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
		"ORDER BY c.relname", &v, 1)))
		goto done;
	for (size_t i = 0; i < v.n && !rc; i++)
		rc = add_table(r, v.v[i]);
	aurmig__strv_clear(&v);
	if (rc)
		goto done;
	if (r->s->ntables)   /* qsort(NULL, 0) is undefined */
		qsort(r->s->tables, r->s->ntables, sizeof(stable), cmp_table);

	/* columns: table, name, type, notnull, default, identity */
	if ((rc = cells(r, "SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), "
		"a.attnotnull::int, pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text "
		"FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
		"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
		"LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
		"WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
		"AND NOT a.attisdropped ORDER BY c.relname, a.attnum", &v, 6)))
		goto done;
	for (size_t i = 0; i + 5 < v.n && !rc; i += 6) {
		stable *t = find_table(r, v.v[i]);
		const char *dflt = v.v[i + 4];
		int ai = *v.v[i + 5] != '\0';
		if (!t)
			continue;
		/* serial: the default draws from a sequence */
		if (aurmig__schema_starts_ci(dflt, "nextval("))
			ai = 1;
		rc = add_column(r, t, v.v[i + 1], v.v[i + 2], strcmp(v.v[i + 3], "0") == 0, dflt, ai);
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;

	/* indexes: table, index, unique, primary, column (NULL: expression), expression, desc, partial */
	if ((rc = cells(r, "SELECT c.relname, i.relname, x.indisunique::int, x.indisprimary::int, a.attname, "
		"pg_catalog.pg_get_indexdef(x.indexrelid, k.n, true), x.indoption[k.n - 1] & 1, "
		"(x.indpred IS NOT NULL)::int "
		"FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class c ON c.oid = x.indrelid "
		"JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid "
		"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
		"CROSS JOIN LATERAL generate_series(1, x.indnkeyatts) AS k(n) "
		"LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[k.n - 1] "
		"AND x.indkey[k.n - 1] <> 0 "
		"WHERE n.nspname = current_schema() ORDER BY c.relname, i.relname, k.n", &v, 8)))
		goto done;
	{
		sindex *ix = NULL;
		const char *cur_t = NULL, *cur_i = NULL;
		for (size_t i = 0; i + 7 < v.n && !rc; i += 8) {
			stable *t = find_table(r, v.v[i]);
			if (!t)
				continue;
			if (strcmp(v.v[i + 3], "0")) {
				rc = aurmig__strv_push(&t->pk, ctx, v.v[i + 4]);
				continue;
			}
			if (!cur_t || strcmp(cur_t, v.v[i]) || strcmp(cur_i, v.v[i + 1])) {
				if (!(ix = add_index(r, t, v.v[i + 1], strcmp(v.v[i + 2], "0") != 0))) {
					rc = AURMIG_ENOMEM;
					break;
				}
				ix->partial = strcmp(v.v[i + 7], "0") != 0;
				cur_t = v.v[i];
				cur_i = v.v[i + 1];
			}
			rc = add_icol(r, ix, *v.v[i + 4] ? v.v[i + 4] : NULL, v.v[i + 5], strcmp(v.v[i + 6], "0") != 0, 0);
		}
	}
	aurmig__strv_clear(&v);
	if (rc)
		goto done;

	/* foreign keys: table, name, column, referenced table, referenced column, on update, on delete */
	if ((rc = cells(r, "SELECT c.relname, con.conname, a.attname, fc.relname, fa.attname, "
		"con.confupdtype::text, con.confdeltype::text "
		"FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
		"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
		"JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid "
		"CROSS JOIN LATERAL generate_subscripts(con.conkey, 1) AS k(n) "
		"JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[k.n] "
		"JOIN pg_catalog.pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = con.confkey[k.n] "
		"WHERE con.contype = 'f' AND n.nspname = current_schema() "
		"ORDER BY c.relname, con.conname, k.n", &v, 7)))
		goto done;
	{
		sfkey *fk = NULL;
		const char *cur_t = NULL, *cur_n = NULL;
		for (size_t i = 0; i + 6 < v.n && !rc; i += 7) {
			stable *t = find_table(r, v.v[i]);
			if (!t)
				continue;
			if (!cur_t || strcmp(cur_t, v.v[i]) || strcmp(cur_n, v.v[i + 1])) {
				if (!(fk = add_fkey(r, t, v.v[i + 1], v.v[i + 3], v.v[i + 5], v.v[i + 6]))) {
					rc = AURMIG_ENOMEM;
					break;
				}
				cur_t = v.v[i];
				cur_n = v.v[i + 1];
			}
			if ((rc = aurmig__strv_push(&fk->columns, ctx, v.v[i + 2])) ||
			    (rc = aurmig__strv_push(&fk->ref_columns, ctx, v.v[i + 4])))
				break;
		}
	}
done:
	aurmig__strv_clear(&v);
	return rc;
}

static int cmp_index(const void *x, const void *y)
{
	return strcmp(((const sindex *)x)->name, ((const sindex *)y)->name);
}

/* Foreign keys: named ones by name, then unnamed ones by columns and reference. */
static int cmp_strv(const aurmig__strv *a, const aurmig__strv *b)
{
	for (size_t i = 0; i < a->n && i < b->n; i++) {
		int c = strcmp(a->v[i], b->v[i]);
		if (c)
			return c;
	}
	return a->n < b->n ? -1 : a->n > b->n;
}

static int cmp_fkey(const void *x, const void *y)
{
	const sfkey *a = x, *b = y;
	int c;

	if (a->name && b->name)
		return strcmp(a->name, b->name);
	if (a->name || b->name)
		return a->name ? -1 : 1;
	if ((c = cmp_strv(&a->columns, &b->columns)) || (c = strcmp(a->ref_table, b->ref_table)))
		return c;
	return cmp_strv(&a->ref_columns, &b->ref_columns);
}

static int finish(aurmig_schema *s)
{
	for (size_t i = 0; i < s->ntables; i++) {
		stable *t = &s->tables[i];
		/* primary-key columns are NOT NULL (SQLite's legacy NULLs aside) */
		for (size_t k = 0; k < t->pk.n; k++) {
			scol *c = aurmig__schema_find_column(t, t->pk.v[k]);
			if (c)
				c->nullable = 0;
		}
		/* SQLite: REFERENCES parent without columns means the parent's primary key */
		for (size_t f = 0; f < t->nfks; f++) {
			sfkey *fk = &t->fks[f];
			const stable *p = NULL;
			for (size_t j = 0; j < s->ntables && !p; j++)
				if (!strcmp(s->tables[j].name, fk->ref_table))
					p = &s->tables[j];
			for (size_t k = 0; k < fk->ref_columns.n; k++)
				if (!*fk->ref_columns.v[k] && p && k < p->pk.n) {
					char *d = aurmig__strdup(s->ctx, p->pk.v[k]);
					if (!d)
						return AURMIG_ENOMEM;
					free(fk->ref_columns.v[k]);
					fk->ref_columns.v[k] = d;
				}
		}
		if (t->nidx)
			qsort(t->idx, t->nidx, sizeof(*t->idx), cmp_index);
		if (t->nfks)
			qsort(t->fks, t->nfks, sizeof(*t->fks), cmp_fkey);
	}
	return AURMIG_OK;
}

int aurmig_schema_read_flags(aurmig_schema **out, aurmig_conn *conn, unsigned int flags)
{
	aurmig_schema *s;
	reader r = { 0 };
	int rc;

	if (out)
		*out = NULL;
	if (!out || !conn)
		return conn ? aurmig__err(conn->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_schema_read: NULL argument") : AURMIG_EINVALID;
	aurmig__err_clear(conn->ctx);
	if (conn->offline || !conn->ops->query_cells)
		return aurmig__err(conn->ctx, AURMIG_EUNSUPPORTED, AURMIG_ERRCLASS_API,
			"schema introspection needs a live connection");
	if (!(s = aurmig__calloc(conn->ctx, 1, sizeof(*s))))
		return AURMIG_ENOMEM;
	s->ctx = aurmig__context_ref(conn->ctx);
	s->dialect = conn->dialect;
	r.c = conn;
	r.s = s;
	r.flags = flags;
	switch (conn->dialect) {
	case AURMIG_DIALECT_SQLITE: rc = read_sqlite(&r); break;
	case AURMIG_DIALECT_MYSQL: rc = read_mysql(&r); break;
	case AURMIG_DIALECT_PGSQL: rc = read_pgsql(&r); break;
	default:
		rc = aurmig__err(conn->ctx, AURMIG_EUNSUPPORTED, AURMIG_ERRCLASS_API, "unknown dialect %d", conn->dialect);
		break;
	}
	if (!rc)
		rc = finish(s);
	if (rc) {
		aurmig_schema_free(s);
		return rc;
	}
	*out = s;
	return AURMIG_OK;
}

int aurmig_schema_read(aurmig_schema **out, aurmig_conn *conn)
{
	return aurmig_schema_read_flags(out, conn, 0);
}


int aurmig__schema_finish(aurmig_schema *s)
{
	if (s->ntables)
		qsort(s->tables, s->ntables, sizeof(stable), cmp_table);
	return finish(s);
}
