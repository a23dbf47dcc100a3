/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Portable DDL (ddl_parse.c) applied to a schema model: copies of tables,
 * columns, indexes and keys, and each ALTER action's change to the model,
 * so a rendering knows the table before and after the statement.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "schema/ddl.h"
#include "schema/ddl_priv.h"
#include "schema/schema.h"

/* ------------------------------------------------------------------ */
/* model: copies and changes                                           */

static int dup(aurmig_context *ctx, char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return AURMIG_OK;
	return (*dst = aurmig__strdup(ctx, src)) ? AURMIG_OK : AURMIG_ENOMEM;
}

static int copy_column(aurmig_context *ctx, scol *d, const scol *s)
{
	*d = *s;
	d->lent = 0;
	d->name = d->raw_type = d->type.text = d->default_value = d->on_update = d->charset = d->collation = NULL;
	if (dup(ctx, &d->name, s->name) || dup(ctx, &d->raw_type, s->raw_type) ||
	    dup(ctx, &d->type.text, s->type.text) || dup(ctx, &d->default_value, s->default_value) ||
	    dup(ctx, &d->on_update, s->on_update) || dup(ctx, &d->charset, s->charset) ||
	    dup(ctx, &d->collation, s->collation))
		return AURMIG_ENOMEM;
	return AURMIG_OK;
}

static int copy_index(aurmig_context *ctx, sindex *d, const sindex *s)
{
	*d = *s;
	d->name = NULL;
	d->cols = NULL;
	d->ncols = 0;
	if (dup(ctx, &d->name, s->name))
		return AURMIG_ENOMEM;
	if (s->ncols && !(d->cols = aurmig__calloc(ctx, s->ncols, sizeof(*d->cols))))
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < s->ncols; i++) {
		d->cols[i] = s->cols[i];
		d->cols[i].text = d->cols[i].name = d->cols[i].expr = NULL;
		d->ncols = i + 1;
		if (dup(ctx, &d->cols[i].text, s->cols[i].text) || dup(ctx, &d->cols[i].name, s->cols[i].name) ||
		    dup(ctx, &d->cols[i].expr, s->cols[i].expr))
			return AURMIG_ENOMEM;
	}
	return AURMIG_OK;
}

static int copy_fkey(aurmig_context *ctx, sfkey *d, const sfkey *s)
{
	memset(d, 0, sizeof(*d));
	d->on_delete = s->on_delete;
	d->on_update = s->on_update;
	if (dup(ctx, &d->name, s->name) || dup(ctx, &d->ref_table, s->ref_table) ||
	    aurmig__strv_copy(&d->columns, ctx, &s->columns) || aurmig__strv_copy(&d->ref_columns, ctx, &s->ref_columns))
		return AURMIG_ENOMEM;
	return AURMIG_OK;
}

int aurmig__ddl_copy_table(aurmig_context *ctx, stable *d, const stable *s)
{
	memset(d, 0, sizeof(*d));
	d->has_pk_index = s->has_pk_index;
	if (dup(ctx, &d->name, s->name) || dup(ctx, &d->charset, s->charset) || dup(ctx, &d->collation, s->collation) ||
	    aurmig__strv_copy(&d->pk, ctx, &s->pk))
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < s->ncols; i++) {
		scol *c = aurmig__schema_grow(ctx, (void **)&d->cols, &d->ncols, sizeof(*c));
		if (!c || copy_column(ctx, c, &s->cols[i]))
			return AURMIG_ENOMEM;
	}
	for (size_t i = 0; i < s->nidx; i++) {
		sindex *ix = aurmig__schema_grow(ctx, (void **)&d->idx, &d->nidx, sizeof(*ix));
		if (!ix || copy_index(ctx, ix, &s->idx[i]))
			return AURMIG_ENOMEM;
	}
	for (size_t i = 0; i < s->nfks; i++) {
		sfkey *fk = aurmig__schema_grow(ctx, (void **)&d->fks, &d->nfks, sizeof(*fk));
		if (!fk || copy_fkey(ctx, fk, &s->fks[i]))
			return AURMIG_ENOMEM;
	}
	return AURMIG_OK;
}

stable *aurmig__ddl_model_table(aurmig_schema *m, const char *name)
{
	for (size_t i = 0; m && i < m->ntables; i++)
		if (!strcmp(m->tables[i].name, name))
			return &m->tables[i];
	return NULL;
}

long aurmig__ddl_find_col(const stable *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i].name, name))
			return (long)i;
	return -1;
}

long aurmig__ddl_find_index(const stable *t, const char *name)
{
	for (size_t i = 0; i < t->nidx; i++)
		if (!strcmp(t->idx[i].name, name))
			return (long)i;
	return -1;
}

static long find_fkey(const stable *t, const char *name)
{
	for (size_t i = 0; i < t->nfks; i++)
		if (t->fks[i].name && !strcmp(t->fks[i].name, name))
			return (long)i;
	return -1;
}

int aurmig__ddl_index_has_col(const sindex *ix, const char *col)
{
	for (size_t i = 0; i < ix->ncols; i++)
		if (ix->cols[i].name && !strcmp(ix->cols[i].name, col))
			return 1;
	return 0;
}

/* Remove element k of an array of *n elements of size (already freed). */
static void remove_at(void *arr, size_t *n, size_t size, size_t k)
{
	char *a = arr;

	memmove(a + k * size, a + (k + 1) * size, (*n - k - 1) * size);
	(*n)--;
}

static int rename_in(aurmig_context *ctx, char **slot, const char *from, const char *to)
{
	char *d;

	if (!*slot || strcmp(*slot, from))
		return AURMIG_OK;
	if (!(d = aurmig__strdup(ctx, to)))
		return AURMIG_ENOMEM;
	free(*slot);
	*slot = d;
	return AURMIG_OK;
}

static int rename_icol(aurmig_context *ctx, aurmig__icol *ic, const char *from, const char *to)
{
	aurmig__buf b;
	char *text;

	if (!ic->name || strcmp(ic->name, from))
		return AURMIG_OK;
	if (rename_in(ctx, &ic->name, from, to))
		return AURMIG_ENOMEM;
	aurmig__buf_init(&b, ctx);
	aurmig__buf_puts(&b, ic->name);
	if (ic->prefix)
		aurmig__buf_printf(&b, "(%d)", ic->prefix);
	if (ic->desc)
		aurmig__buf_puts(&b, " DESC");
	if (!(text = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	free(ic->text);
	ic->text = text;
	return AURMIG_OK;
}

/* The statement does not fit the schema it runs on. */
int aurmig__ddl_err_model(aurmig_context *ctx, const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return aurmig__err_at(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_SCRIPT, file, line, "portable DDL: %s", msg);
}

/* Rename column from -> to in t and in references to t from the model. */
static int rename_column(aurmig_context *ctx, aurmig_schema *m, stable *t, const char *from, const char *to)
{
	long k = aurmig__ddl_find_col(t, from);

	if (k < 0)
		return AURMIG_OK;
	if (rename_in(ctx, &t->cols[k].name, from, to))
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < t->pk.n; i++)
		if (rename_in(ctx, &t->pk.v[i], from, to))
			return AURMIG_ENOMEM;
	for (size_t i = 0; i < t->nidx; i++)
		for (size_t j = 0; j < t->idx[i].ncols; j++)
			if (rename_icol(ctx, &t->idx[i].cols[j], from, to))
				return AURMIG_ENOMEM;
	for (size_t i = 0; i < t->nfks; i++)
		for (size_t j = 0; j < t->fks[i].columns.n; j++)
			if (rename_in(ctx, &t->fks[i].columns.v[j], from, to))
				return AURMIG_ENOMEM;
	for (size_t i = 0; m && i < m->ntables; i++)
		for (size_t f = 0; f < m->tables[i].nfks; f++) {
			sfkey *fk = &m->tables[i].fks[f];
			if (strcmp(fk->ref_table, t->name))
				continue;
			for (size_t j = 0; j < fk->ref_columns.n; j++)
				if (rename_in(ctx, &fk->ref_columns.v[j], from, to))
					return AURMIG_ENOMEM;
		}
	return AURMIG_OK;
}

/*
 * Apply one action to table t (a copy, or the model's own). src: for each
 * column of t, the column of the original table it is copied from ("" for
 * a new one), kept in step. m: the model, for references from other tables.
 */
int aurmig__ddl_apply_action(aurmig_context *ctx, aurmig_schema *m, stable *t, aurmig__strv *src, const action *a,
	const char *file, int line)
{
	long k;

	switch (a->kind) {
	case A_ADD_COLUMN: {
		scol *c;
		if (aurmig__ddl_find_col(t, a->col.name) >= 0)
			return aurmig__ddl_err_model(ctx, file, line, "table %s already has a column %s", t->name, a->col.name);
		if (!(c = aurmig__schema_grow(ctx, (void **)&t->cols, &t->ncols, sizeof(*c))))
			return AURMIG_ENOMEM;
		if (copy_column(ctx, c, &a->col))
			return AURMIG_ENOMEM;
		return src ? aurmig__strv_push(src, ctx, "") : AURMIG_OK;
	}
	case A_DROP_COLUMN:
		if ((k = aurmig__ddl_find_col(t, a->name)) < 0)
			return aurmig__ddl_err_model(ctx, file, line, "table %s has no column %s", t->name, a->name);
		aurmig__schema_free_column(&t->cols[k]);
		remove_at(t->cols, &t->ncols, sizeof(*t->cols), (size_t)k);
		if (src)
			aurmig__strv_remove_at(src, (size_t)k);
		/* indexes, keys and foreign keys with the column go with it */
		for (size_t i = t->nidx; i-- > 0;)
			if (aurmig__ddl_index_has_col(&t->idx[i], a->name)) {
				aurmig__schema_free_index(&t->idx[i]);
				remove_at(t->idx, &t->nidx, sizeof(*t->idx), i);
			}
		for (size_t i = t->pk.n; i-- > 0;)
			if (!strcmp(t->pk.v[i], a->name))
				aurmig__strv_remove_at(&t->pk, i);
		for (size_t i = t->nfks; i-- > 0;)
			if (aurmig__strv_contains(&t->fks[i].columns, a->name)) {
				aurmig__schema_free_fkey(&t->fks[i]);
				remove_at(t->fks, &t->nfks, sizeof(*t->fks), i);
			}
		return AURMIG_OK;
	case A_RENAME_COLUMN:
		if (aurmig__ddl_find_col(t, a->name) < 0)
			return aurmig__ddl_err_model(ctx, file, line, "table %s has no column %s", t->name, a->name);
		if (aurmig__ddl_find_col(t, a->new_name) >= 0)
			return aurmig__ddl_err_model(ctx, file, line, "table %s already has a column %s", t->name, a->new_name);
		return rename_column(ctx, m, t, a->name, a->new_name);
	case A_MODIFY_COLUMN: {
		scol c;
		int rc;
		if ((k = aurmig__ddl_find_col(t, a->name)) < 0)
			return aurmig__ddl_err_model(ctx, file, line, "table %s has no column %s", t->name, a->name);
		if (strcmp(a->name, a->col.name)) {
			if (aurmig__ddl_find_col(t, a->col.name) >= 0)
				return aurmig__ddl_err_model(ctx, file, line, "table %s already has a column %s", t->name, a->col.name);
			if ((rc = rename_column(ctx, m, t, a->name, a->col.name)))
				return rc;
		}
		if (copy_column(ctx, &c, &a->col)) {
			aurmig__schema_free_column(&c);
			return AURMIG_ENOMEM;
		}
		if (aurmig__strv_contains(&t->pk, c.name))
			c.nullable = 0;
		aurmig__schema_free_column(&t->cols[k]);
		t->cols[k] = c;
		return AURMIG_OK;
	}
	case A_SET_DEFAULT:
	case A_DROP_DEFAULT: {
		char *d = NULL;
		if ((k = aurmig__ddl_find_col(t, a->name)) < 0)
			return aurmig__ddl_err_model(ctx, file, line, "table %s has no column %s", t->name, a->name);
		if (a->kind == A_SET_DEFAULT) {
			/* the value was read without the column's type: normalise again */
			int rc = aurmig__schema_norm_default(&d, ctx, AURMIG_DIALECT_SQLITE, &t->cols[k].type, a->dflt);
			if (rc)
				return rc;
		}
		free(t->cols[k].default_value);
		t->cols[k].default_value = d;
		return AURMIG_OK;
	}
	case A_ADD_INDEX: {
		sindex *ix;
		if (aurmig__ddl_find_index(t, a->idx.name) >= 0)
			return aurmig__ddl_err_model(ctx, file, line, "table %s already has an index %s", t->name, a->idx.name);
		for (size_t i = 0; i < a->idx.ncols; i++)
			if (aurmig__ddl_find_col(t, a->idx.cols[i].name) < 0)
				return aurmig__ddl_err_model(ctx, file, line, "table %s has no column %s", t->name, a->idx.cols[i].name);
		if (!(ix = aurmig__schema_grow(ctx, (void **)&t->idx, &t->nidx, sizeof(*ix))))
			return AURMIG_ENOMEM;
		return copy_index(ctx, ix, &a->idx);
	}
	case A_DROP_INDEX:
		if ((k = aurmig__ddl_find_index(t, a->name)) < 0)
			return aurmig__ddl_err_model(ctx, file, line, "table %s has no index %s", t->name, a->name);
		aurmig__schema_free_index(&t->idx[k]);
		remove_at(t->idx, &t->nidx, sizeof(*t->idx), (size_t)k);
		return AURMIG_OK;
	case A_ADD_FKEY: {
		sfkey *fk;
		for (size_t i = 0; i < a->fk.columns.n; i++)
			if (aurmig__ddl_find_col(t, a->fk.columns.v[i]) < 0)
				return aurmig__ddl_err_model(ctx, file, line, "table %s has no column %s", t->name, a->fk.columns.v[i]);
		if (!(fk = aurmig__schema_grow(ctx, (void **)&t->fks, &t->nfks, sizeof(*fk))))
			return AURMIG_ENOMEM;
		return copy_fkey(ctx, fk, &a->fk);
	}
	case A_DROP_FKEY:
		if ((k = find_fkey(t, a->name)) < 0)
			return aurmig__ddl_err_model(ctx, file, line, "table %s has no foreign key named %s", t->name, a->name);
		aurmig__schema_free_fkey(&t->fks[k]);
		remove_at(t->fks, &t->nfks, sizeof(*t->fks), (size_t)k);
		return AURMIG_OK;
	case A_ADD_PK:
		if (t->pk.n)
			return aurmig__ddl_err_model(ctx, file, line, "table %s already has a primary key", t->name);
		for (size_t i = 0; i < a->pk.n; i++) {
			if ((k = aurmig__ddl_find_col(t, a->pk.v[i])) < 0)
				return aurmig__ddl_err_model(ctx, file, line, "table %s has no column %s", t->name, a->pk.v[i]);
			t->cols[k].nullable = 0;
		}
		return aurmig__strv_copy(&t->pk, ctx, &a->pk);
	case A_DROP_PK:
		if (!t->pk.n)
			return aurmig__ddl_err_model(ctx, file, line, "table %s has no primary key", t->name);
		aurmig__strv_clear(&t->pk);
		return AURMIG_OK;
	case A_RENAME_TABLE: {
		const char *old = t->name;
		char *n;
		if (aurmig__ddl_model_table(m, a->new_name))
			return aurmig__ddl_err_model(ctx, file, line, "there is a table %s already", a->new_name);
		if (!(n = aurmig__strdup(ctx, a->new_name)))
			return AURMIG_ENOMEM;
		for (size_t i = 0; m && i < m->ntables; i++)
			for (size_t f = 0; f < m->tables[i].nfks; f++)
				if (rename_in(ctx, &m->tables[i].fks[f].ref_table, old, n)) {
					free(n);
					return AURMIG_ENOMEM;
				}
		for (size_t f = 0; f < t->nfks; f++)
			if (rename_in(ctx, &t->fks[f].ref_table, old, n)) {
				free(n);
				return AURMIG_ENOMEM;
			}
		free(t->name);
		t->name = n;
		return AURMIG_OK;
	}
	default:
		return AURMIG_EINVALID;
	}
}

int aurmig__ddl_model_add_table(aurmig_schema *m, const stable *def)
{
	stable *t = aurmig__schema_grow(m->ctx, (void **)&m->tables, &m->ntables, sizeof(*t));

	if (!t)
		return AURMIG_ENOMEM;
	if (aurmig__ddl_copy_table(m->ctx, t, def))
		return AURMIG_ENOMEM;
	return aurmig__schema_finish(m);
}

void aurmig__ddl_model_drop_table(aurmig_schema *m, const char *name)
{
	for (size_t i = 0; i < m->ntables; i++)
		if (!strcmp(m->tables[i].name, name)) {
			aurmig__schema_free_table(&m->tables[i]);
			remove_at(m->tables, &m->ntables, sizeof(*m->tables), i);
			return;
		}
}

int aurmig__ddl_is_create_table(const aurmig__ddl *op)
{
	return op && op->kind == OP_CREATE_TABLE;
}

int aurmig__ddl_is_portable_text(const char *text)
{
	static const char key[] = "-- aurmig:portable";
	size_t n = sizeof(key) - 1;

	return text && !strncmp(text, key, n) && (text[n] == '\n' || text[n] == '\r' || text[n] == ' ' || !text[n]);
}


int aurmig__ddl_model_new(aurmig_schema **out, aurmig_context *ctx, int dialect)
{
	aurmig_schema *s = aurmig__calloc(ctx, 1, sizeof(*s));

	*out = NULL;
	if (!s)
		return AURMIG_ENOMEM;
	s->ctx = aurmig__context_ref(ctx);
	s->dialect = dialect;
	*out = s;
	return AURMIG_OK;
}
