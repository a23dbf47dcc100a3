/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Two schema models compared (aurmig_schema_diff_new): tables, columns,
 * indexes, foreign keys and table options, with backend-equivalent types,
 * defaults and rules treated as equal. */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "schema/schema.h"

typedef struct aurmig_schema_table stable;
typedef struct aurmig_schema_column scol;
typedef struct aurmig_schema_index sindex;
typedef struct aurmig_schema_fkey sfkey;

/* ------------------------------------------------------------------ */
/* comparing                                                           */

typedef struct ditem {
	int kind;
	int change;
	char *table;
	char *object;
	char *a;
	char *b;
	char *message;
} ditem;

struct aurmig_schema_diff {
	aurmig_context *ctx;
	ditem *items;
	size_t n;
};

typedef struct differ {
	aurmig_schema_diff *d;
	const aurmig_schema *a, *b;
	const char *la, *lb;   /* labels */
	int cross;             /* different backends: the mapping applies */
	int ci;                /* names compare case-insensitively */
} differ;

void aurmig_schema_diff_free(aurmig_schema_diff *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].table);
		free(d->items[i].object);
		free(d->items[i].a);
		free(d->items[i].b);
		free(d->items[i].message);
	}
	free(d->items);
	aurmig__context_unref(d->ctx);
	free(d);
}

size_t aurmig_schema_diff_count(const aurmig_schema_diff *d) { return d ? d->n : 0; }
int aurmig_schema_diff_kind(const aurmig_schema_diff *d, size_t i) { return d && i < d->n ? d->items[i].kind : 0; }
int aurmig_schema_diff_change(const aurmig_schema_diff *d, size_t i) { return d && i < d->n ? d->items[i].change : 0; }

const char *aurmig_schema_diff_table(const aurmig_schema_diff *d, size_t i)
{
	return d && i < d->n ? d->items[i].table : NULL;
}

const char *aurmig_schema_diff_object(const aurmig_schema_diff *d, size_t i)
{
	return d && i < d->n ? d->items[i].object : NULL;
}

const char *aurmig_schema_diff_a(const aurmig_schema_diff *d, size_t i) { return d && i < d->n ? d->items[i].a : NULL; }
const char *aurmig_schema_diff_b(const aurmig_schema_diff *d, size_t i) { return d && i < d->n ? d->items[i].b : NULL; }

const char *aurmig_schema_diff_message(const aurmig_schema_diff *d, size_t i)
{
	return d && i < d->n ? d->items[i].message : NULL;
}

const char *aurmig_schema_object_name(int kind)
{
	static const char *const names[] = { NULL, "table", "column", "column_order", "primary_key", "index",
		"foreign_key", "table_options" };

	return kind > 0 && kind < (int)(sizeof(names) / sizeof(names[0])) ? names[kind] : NULL;
}

static const char *what_of(int kind)
{
	static const char *const what[] = { "", "table", "column", "column order", "primary key", "index",
		"foreign key", "table options" };

	return what[kind];
}

/* Record one difference; a_text/b_text are taken (NULL: that side lacks it). */
static int add_item(differ *df, int kind, const char *table, const char *object, char *a_text, char *b_text)
{
	aurmig_context *ctx = df->d->ctx;
	ditem *it = aurmig__schema_grow(ctx, (void **)&df->d->items, &df->d->n, sizeof(*it));
	aurmig__buf m;
	char *subject;

	if (!it) {
		free(a_text);
		free(b_text);
		return AURMIG_ENOMEM;
	}
	it->kind = kind;
	it->change = !b_text ? AURMIG_SCHEMA_ONLY_A : !a_text ? AURMIG_SCHEMA_ONLY_B : AURMIG_SCHEMA_CHANGED;
	it->a = a_text;
	it->b = b_text;
	if (!(it->table = aurmig__strdup(ctx, table)) || (object && !(it->object = aurmig__strdup(ctx, object))))
		return AURMIG_ENOMEM;
	subject = kind == AURMIG_SCHEMA_TABLE ? aurmig__printf(ctx, "table %s", table) :
		kind == AURMIG_SCHEMA_COLUMN ? aurmig__printf(ctx, "column %s.%s", table, object) :
		object ? aurmig__printf(ctx, "%s %s of table %s", what_of(kind), object, table) :
		aurmig__printf(ctx, "%s of table %s", what_of(kind), table);
	if (!subject)
		return AURMIG_ENOMEM;
	aurmig__buf_init(&m, ctx);
	if (it->change == AURMIG_SCHEMA_CHANGED)
		aurmig__buf_printf(&m, "%s %s: %s in %s, %s in %s", subject,
			kind == AURMIG_SCHEMA_TABLE_OPTIONS ? "differ" : "differs", a_text, df->la, b_text, df->lb);
	else if (kind == AURMIG_SCHEMA_TABLE)
		aurmig__buf_printf(&m, "%s exists only in %s", subject, a_text ? df->la : df->lb);
	else
		aurmig__buf_printf(&m, "%s exists only in %s: %s", subject, a_text ? df->la : df->lb,
			a_text ? a_text : b_text);
	free(subject);
	return (it->message = aurmig__buf_detach(&m)) ? AURMIG_OK : AURMIG_ENOMEM;
}

static char *column_text(aurmig_context *ctx, const aurmig_schema *s, const stable *t, const scol *c)
{
	aurmig__buf b;

	aurmig__buf_init(&b, ctx);
	aurmig__schema_put_column_def_from(&b, AURMIG_DIALECT_ANY, s->dialect, t, c);
	return aurmig__buf_detach(&b);
}

static char *index_text(aurmig_context *ctx, const sindex *ix)
{
	aurmig__buf b;

	aurmig__buf_init(&b, ctx);
	aurmig__buf_puts(&b, ix->unique ? "UNIQUE " : "INDEX ");
	if (!ix->auto_named) {
		aurmig__schema_put_ident(&b, AURMIG_DIALECT_ANY, ix->name);
		aurmig__buf_puts(&b, " ");
	}
	aurmig__schema_put_index_cols(&b, AURMIG_DIALECT_ANY, ix);
	if (ix->partial)
		aurmig__buf_puts(&b, " WHERE ...");
	return aurmig__buf_detach(&b);
}

static char *fkey_text(aurmig_context *ctx, const aurmig_schema *s, const sfkey *fk)
{
	aurmig__buf b;

	aurmig__buf_init(&b, ctx);
	aurmig__schema_put_fkey_from(&b, AURMIG_DIALECT_ANY, s->dialect, fk);
	return aurmig__buf_detach(&b);
}

static char *table_text(aurmig_context *ctx, const aurmig_schema *s, const stable *t)
{
	aurmig__buf b;

	aurmig__buf_init(&b, ctx);
	aurmig__schema_put_table_from(&b, AURMIG_DIALECT_ANY, s->dialect, t);
	return aurmig__buf_detach(&b);
}

static char *options_text(aurmig_context *ctx, const stable *t)
{
	return aurmig__printf(ctx, "CHARSET=%s COLLATE=%s", t->charset ? t->charset : "-",
		t->collation ? t->collation : "-");
}

/* Types equal modulo the mapping between backends (docs/schema.md). */
static int type_equiv(const differ *df, const aurmig__ctype *x, const aurmig__ctype *y)
{
	int sqlite = df->a->dialect == AURMIG_DIALECT_SQLITE || df->b->dialect == AURMIG_DIALECT_SQLITE;
	int pg = df->a->dialect == AURMIG_DIALECT_PGSQL || df->b->dialect == AURMIG_DIALECT_PGSQL;
	int kx = x->kind, ky = y->kind;

	if (!df->cross)
		return !strcmp(x->text, y->text);
	if (kx == ky && !strcmp(x->text, y->text))
		return 1;
	if (aurmig__schema_is_int_kind(kx) && aurmig__schema_is_int_kind(ky)) {
		if (kx == AURMIG_TYPE_INTEGER || ky == AURMIG_TYPE_INTEGER)
			return 1;
		if (pg) {
			kx = kx == AURMIG_TYPE_TINYINT ? AURMIG_TYPE_SMALLINT : kx == AURMIG_TYPE_MEDIUMINT ? AURMIG_TYPE_INT : kx;
			ky = ky == AURMIG_TYPE_TINYINT ? AURMIG_TYPE_SMALLINT : ky == AURMIG_TYPE_MEDIUMINT ? AURMIG_TYPE_INT : ky;
			return kx == ky;
		}
		return kx == ky && x->is_unsigned == y->is_unsigned;
	}
	if (sqlite && ((kx == AURMIG_TYPE_BOOLEAN && (ky == AURMIG_TYPE_INTEGER || (ky == AURMIG_TYPE_TINYINT && !y->is_unsigned))) ||
		       (ky == AURMIG_TYPE_BOOLEAN && (kx == AURMIG_TYPE_INTEGER || (kx == AURMIG_TYPE_TINYINT && !x->is_unsigned)))))
		return 1;
	if (kx != ky) {
		if ((kx == AURMIG_TYPE_FLOAT || kx == AURMIG_TYPE_DOUBLE) && (ky == AURMIG_TYPE_FLOAT || ky == AURMIG_TYPE_DOUBLE))
			return sqlite;
		if ((kx == AURMIG_TYPE_DATETIME || kx == AURMIG_TYPE_TIMESTAMP) &&
		    (ky == AURMIG_TYPE_DATETIME || ky == AURMIG_TYPE_TIMESTAMP))
			return x->length == y->length;
		return 0;
	}
	switch (kx) {
	case AURMIG_TYPE_DECIMAL:
		if (sqlite && ((df->a->dialect == AURMIG_DIALECT_SQLITE ? x : y)->length < 0))
			return 1;
		return x->length == y->length && x->scale == y->scale && (pg || x->is_unsigned == y->is_unsigned);
	case AURMIG_TYPE_FLOAT:
	case AURMIG_TYPE_DOUBLE:
		return pg || sqlite || x->is_unsigned == y->is_unsigned;
	case AURMIG_TYPE_TEXT:
	case AURMIG_TYPE_BLOB:
	case AURMIG_TYPE_DATE:
	case AURMIG_TYPE_BOOLEAN:
		return 1;
	case AURMIG_TYPE_CHAR:
	case AURMIG_TYPE_VARCHAR:
	case AURMIG_TYPE_TIME:
	case AURMIG_TYPE_DATETIME:
	case AURMIG_TYPE_TIMESTAMP:
		return x->length == y->length;
	default:
		return aurmig__schema_ieq(x->text, y->text);
	}
}

static int default_equiv(const differ *df, const scol *x, const scol *y)
{
	const char *dx = x->default_value, *dy = y->default_value;

	if (!dx || !dy)
		return dx == dy;
	if (!strcmp(dx, dy))
		return 1;
	if (!df->cross)
		return 0;
	/* a boolean on one side, an integer on the other (SQLite) */
	if ((!strcmp(dx, "TRUE") && !strcmp(dy, "1")) || (!strcmp(dx, "1") && !strcmp(dy, "TRUE")) ||
	    (!strcmp(dx, "FALSE") && !strcmp(dy, "0")) || (!strcmp(dx, "0") && !strcmp(dy, "FALSE")))
		return 1;
	return 0;
}

static int column_equiv(const differ *df, const scol *x, const scol *y)
{
	if (!type_equiv(df, &x->type, &y->type) || x->nullable != y->nullable || x->auto_increment != y->auto_increment ||
	    !default_equiv(df, x, y))
		return 0;
	if (df->cross)
		return 1;
	return aurmig__schema_name_eq(x->on_update, y->on_update, 0) && aurmig__schema_name_eq(x->charset, y->charset, 0) &&
		aurmig__schema_name_eq(x->collation, y->collation, 0);
}

static const scol *match_column(const differ *df, const stable *t, const char *name, size_t *pos)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (aurmig__schema_name_eq(t->cols[i].name, name, df->ci)) {
			if (pos)
				*pos = i;
			return &t->cols[i];
		}
	return NULL;
}

static int strv_equiv(const aurmig__strv *x, const aurmig__strv *y, int ci)
{
	if (x->n != y->n)
		return 0;
	for (size_t i = 0; i < x->n; i++)
		if (!aurmig__schema_name_eq(x->v[i], y->v[i], ci))
			return 0;
	return 1;
}

static int index_cols_equiv(const sindex *x, const sindex *y, int ci)
{
	if (x->ncols != y->ncols || x->unique != y->unique || x->partial != y->partial)
		return 0;
	for (size_t i = 0; i < x->ncols; i++)
		if (!aurmig__schema_name_eq(x->cols[i].text, y->cols[i].text, ci))
			return 0;
	return 1;
}

static int rule_equiv(const differ *df, const char *x, const char *y)
{
	int mysql = df->a->dialect == AURMIG_DIALECT_MYSQL || df->b->dialect == AURMIG_DIALECT_MYSQL;

	if (!strcmp(x, y))
		return 1;
	/* InnoDB's RESTRICT is NO ACTION */
	return df->cross && mysql && (!strcmp(x, "NO ACTION") || !strcmp(x, "RESTRICT")) &&
		(!strcmp(y, "NO ACTION") || !strcmp(y, "RESTRICT"));
}

static int fkey_target_equiv(const differ *df, const sfkey *x, const sfkey *y)
{
	return strv_equiv(&x->columns, &y->columns, df->ci) && aurmig__schema_name_eq(x->ref_table, y->ref_table, df->ci) &&
		strv_equiv(&x->ref_columns, &y->ref_columns, df->ci);
}

/* MySQL makes an index for a foreign key that has none: across backends it is not a difference. */
static int implicit_fk_index(const differ *df, const aurmig_schema *s, const stable *t, const sindex *ix)
{
	if (!df->cross || !aurmig__dialect_of(s->dialect)->fk_makes_index || ix->unique)
		return 0;
	for (size_t f = 0; f < t->nfks; f++) {
		const sfkey *fk = &t->fks[f];
		size_t k;
		if (fk->columns.n != ix->ncols)
			continue;
		for (k = 0; k < ix->ncols; k++)
			if (!ix->cols[k].name || strcmp(ix->cols[k].name, fk->columns.v[k]) || ix->cols[k].prefix)
				break;
		if (k == ix->ncols)
			return 1;
	}
	return 0;
}

static int diff_table(differ *df, const stable *ta, const stable *tb)
{
	aurmig_context *ctx = df->d->ctx;
	const char *tn = ta->name;
	int rc = AURMIG_OK;
	char *used = NULL;

	/* MySQL table options */
	if (!df->cross && (!aurmig__schema_name_eq(ta->charset, tb->charset, 0) || !aurmig__schema_name_eq(ta->collation, tb->collation, 0))) {
		char *x = options_text(ctx, ta), *y = options_text(ctx, tb);
		if (!x || !y) {
			free(x);
			free(y);
			return AURMIG_ENOMEM;
		}
		if ((rc = add_item(df, AURMIG_SCHEMA_TABLE_OPTIONS, tn, NULL, x, y)))
			return rc;
	}

	/* columns, in a's order, then b's extra ones */
	for (size_t i = 0; i < ta->ncols && !rc; i++) {
		const scol *ca = &ta->cols[i], *cb = match_column(df, tb, ca->name, NULL);
		if (cb && column_equiv(df, ca, cb))
			continue;
		{
			char *x = column_text(ctx, df->a, ta, ca), *y = cb ? column_text(ctx, df->b, tb, cb) : NULL;
			if (!x || (cb && !y)) {
				free(x);
				free(y);
				return AURMIG_ENOMEM;
			}
			rc = add_item(df, AURMIG_SCHEMA_COLUMN, tn, ca->name, x, y);
		}
	}
	for (size_t i = 0; i < tb->ncols && !rc; i++) {
		const scol *cb = &tb->cols[i];
		if (match_column(df, ta, cb->name, NULL))
			continue;
		{
			char *y = column_text(ctx, df->b, tb, cb);
			rc = y ? add_item(df, AURMIG_SCHEMA_COLUMN, tn, cb->name, NULL, y) : AURMIG_ENOMEM;
		}
	}
	if (rc)
		return rc;

	/* the order of the common columns */
	{
		size_t last = 0, pos;
		int first = 1, ordered = 1;
		for (size_t i = 0; i < ta->ncols; i++) {
			if (!match_column(df, tb, ta->cols[i].name, &pos))
				continue;
			if (!first && pos < last)
				ordered = 0;
			last = pos;
			first = 0;
		}
		if (!ordered) {
			aurmig__buf x, y;
			aurmig__buf_init(&x, ctx);
			aurmig__buf_init(&y, ctx);
			for (size_t i = 0; i < ta->ncols; i++)
				if (match_column(df, tb, ta->cols[i].name, NULL))
					aurmig__buf_printf(&x, "%s%s", x.len ? ", " : "", ta->cols[i].name);
			for (size_t i = 0; i < tb->ncols; i++)
				if (match_column(df, ta, tb->cols[i].name, NULL))
					aurmig__buf_printf(&y, "%s%s", y.len ? ", " : "", tb->cols[i].name);
			{
				char *xs = aurmig__buf_detach(&x), *ys = aurmig__buf_detach(&y);
				if (!xs || !ys) {
					free(xs);
					free(ys);
					return AURMIG_ENOMEM;
				}
				if ((rc = add_item(df, AURMIG_SCHEMA_COLUMN_ORDER, tn, NULL, xs, ys)))
					return rc;
			}
		}
	}

	/* primary key */
	if (!strv_equiv(&ta->pk, &tb->pk, df->ci)) {
		aurmig__buf x, y;
		char *xs = NULL, *ys = NULL;
		aurmig__buf_init(&x, ctx);
		aurmig__buf_init(&y, ctx);
		if (ta->pk.n) {
			aurmig__buf_puts(&x, "PRIMARY KEY ");
			aurmig__schema_put_ident_list(&x, AURMIG_DIALECT_ANY, &ta->pk);
			xs = aurmig__buf_detach(&x);
		}
		if (tb->pk.n) {
			aurmig__buf_puts(&y, "PRIMARY KEY ");
			aurmig__schema_put_ident_list(&y, AURMIG_DIALECT_ANY, &tb->pk);
			ys = aurmig__buf_detach(&y);
		}
		if ((ta->pk.n && !xs) || (tb->pk.n && !ys)) {
			free(xs);
			free(ys);
			return AURMIG_ENOMEM;
		}
		if ((rc = add_item(df, AURMIG_SCHEMA_PRIMARY_KEY, tn, NULL, xs, ys)))
			return rc;
	}

	/* indexes: by name within a backend (SQLite's unnamed UNIQUE
	 * constraints by their columns), by their columns across backends */
	if (tb->nidx && !(used = aurmig__calloc(ctx, tb->nidx, 1)))
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < ta->nidx && !rc; i++) {
		const sindex *ia = &ta->idx[i], *ib = NULL;
		int by_name = !df->cross && !ia->auto_named;
		for (size_t k = 0; k < tb->nidx && !ib; k++) {
			if (used[k])
				continue;
			if (by_name ? !tb->idx[k].auto_named && !strcmp(ia->name, tb->idx[k].name) :
			    (df->cross || tb->idx[k].auto_named) && index_cols_equiv(ia, &tb->idx[k], df->ci)) {
				ib = &tb->idx[k];
				used[k] = 1;
			}
		}
		if (ib && index_cols_equiv(ia, ib, df->ci))
			continue;
		if (!ib && implicit_fk_index(df, df->a, ta, ia))
			continue;
		{
			char *x = index_text(ctx, ia), *y = ib ? index_text(ctx, ib) : NULL;
			if (!x || (ib && !y)) {
				free(x);
				free(y);
				rc = AURMIG_ENOMEM;
				break;
			}
			rc = add_item(df, AURMIG_SCHEMA_INDEX, tn, ia->auto_named ? NULL : ia->name, x, y);
		}
	}
	for (size_t k = 0; k < tb->nidx && !rc; k++) {
		char *y;
		if (used[k] || implicit_fk_index(df, df->b, tb, &tb->idx[k]))
			continue;
		if (!(y = index_text(ctx, &tb->idx[k]))) {
			rc = AURMIG_ENOMEM;
			break;
		}
		rc = add_item(df, AURMIG_SCHEMA_INDEX, tn, tb->idx[k].auto_named ? NULL : tb->idx[k].name, NULL, y);
	}
	free(used);
	used = NULL;
	if (rc)
		return rc;

	/* foreign keys: by name when both sides of one backend have names,
	 * else by columns and reference */
	if (tb->nfks && !(used = aurmig__calloc(ctx, tb->nfks, 1)))
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < ta->nfks && !rc; i++) {
		const sfkey *fa = &ta->fks[i], *fb = NULL;
		for (size_t k = 0; k < tb->nfks && !fb; k++) {
			const sfkey *c = &tb->fks[k];
			if (used[k])
				continue;
			if (!df->cross && fa->name && c->name ? !strcmp(fa->name, c->name) : fkey_target_equiv(df, fa, c)) {
				fb = c;
				used[k] = 1;
			}
		}
		if (fb && fkey_target_equiv(df, fa, fb) && rule_equiv(df, fa->on_delete, fb->on_delete) &&
		    rule_equiv(df, fa->on_update, fb->on_update))
			continue;
		{
			char *x = fkey_text(ctx, df->a, fa), *y = fb ? fkey_text(ctx, df->b, fb) : NULL;
			if (!x || (fb && !y)) {
				free(x);
				free(y);
				rc = AURMIG_ENOMEM;
				break;
			}
			rc = add_item(df, AURMIG_SCHEMA_FOREIGN_KEY, tn, fa->name, x, y);
		}
	}
	for (size_t k = 0; k < tb->nfks && !rc; k++) {
		char *y;
		if (used[k])
			continue;
		if (!(y = fkey_text(ctx, df->b, &tb->fks[k]))) {
			rc = AURMIG_ENOMEM;
			break;
		}
		rc = add_item(df, AURMIG_SCHEMA_FOREIGN_KEY, tn, tb->fks[k].name, NULL, y);
	}
	free(used);
	return rc;
}

static const stable *match_table(const differ *df, const aurmig_schema *s, const char *name)
{
	for (size_t i = 0; i < s->ntables; i++)
		if (aurmig__schema_name_eq(s->tables[i].name, name, df->ci))
			return &s->tables[i];
	return NULL;
}

int aurmig_schema_diff_new(aurmig_schema_diff **out, const aurmig_schema *a, const aurmig_schema *b)
{
	differ df = { 0 };
	aurmig_context *ctx;
	int rc = AURMIG_OK;

	if (out)
		*out = NULL;
	if (!out || !a || !b)
		return a || b ? aurmig__err((a ? a : b)->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_schema_diff_new: NULL argument") : AURMIG_EINVALID;
	ctx = a->ctx;
	if (!(df.d = aurmig__calloc(ctx, 1, sizeof(*df.d))))
		return AURMIG_ENOMEM;
	df.d->ctx = aurmig__context_ref(ctx);
	df.a = a;
	df.b = b;
	df.la = a->label ? a->label : "a";
	df.lb = b->label ? b->label : "b";
	df.cross = a->dialect != b->dialect;
	df.ci = df.cross;
	for (size_t i = 0; i < a->ntables && !rc; i++) {
		const stable *ta = &a->tables[i], *tb = match_table(&df, b, ta->name);
		if (tb) {
			rc = diff_table(&df, ta, tb);
		} else {
			char *x = table_text(ctx, a, ta);
			rc = x ? add_item(&df, AURMIG_SCHEMA_TABLE, ta->name, NULL, x, NULL) : AURMIG_ENOMEM;
		}
	}
	for (size_t i = 0; i < b->ntables && !rc; i++) {
		const stable *tb = &b->tables[i];
		char *y;
		if (match_table(&df, a, tb->name))
			continue;
		y = table_text(ctx, b, tb);
		rc = y ? add_item(&df, AURMIG_SCHEMA_TABLE, tb->name, NULL, NULL, y) : AURMIG_ENOMEM;
	}
	if (rc) {
		aurmig_schema_diff_free(df.d);
		return rc;
	}
	*out = df.d;
	return AURMIG_OK;
}
