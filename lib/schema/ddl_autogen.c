/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Generating portable DDL from one schema model to another
 * (aurmig_schema_migration). */
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
/* generating: the portable DDL from one schema to another             */

static void gen_coldef(aurmig__buf *b, const stable *t, const scol *c)
{
	aurmig__schema_put_ident(b, AURMIG_DIALECT_ANY, c->name);
	aurmig__buf_puts(b, " ");
	aurmig__schema_put_column_def(b, AURMIG_DIALECT_ANY, t, c);
}

/* out: marked failed when the comparison ran out of memory */
static int same_coldef(aurmig__buf *out, const stable *ta, const scol *a, const stable *tb, const scol *b)
{
	aurmig__buf x, y;
	int same;

	aurmig__buf_init(&x, out->ctx);
	aurmig__buf_init(&y, out->ctx);
	gen_coldef(&x, ta, a);
	gen_coldef(&y, tb, b);
	if (x.failed || y.failed || !x.p || !y.p)
		out->failed = 1;
	same = x.p && y.p && !strcmp(x.p, y.p);
	aurmig__buf_dispose(&x);
	aurmig__buf_dispose(&y);
	return same;
}

static int same_index(const sindex *a, const sindex *b)
{
	if (a->unique != b->unique || a->ncols != b->ncols)
		return 0;
	for (size_t i = 0; i < a->ncols; i++)
		if (strcmp(a->cols[i].text, b->cols[i].text))
			return 0;
	return 1;
}

static int strv_eq(const aurmig__strv *a, const aurmig__strv *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return 0;
	return 1;
}

static int same_fkey(const sfkey *a, const sfkey *b)
{
	return strv_eq(&a->columns, &b->columns) && !strcmp(a->ref_table, b->ref_table) &&
		strv_eq(&a->ref_columns, &b->ref_columns) && !strcmp(a->on_delete, b->on_delete) &&
		!strcmp(a->on_update, b->on_update);
}

/* The counterpart of fk in t: by name when both have one, else by columns and reference. */
static const sfkey *match_fkey(const stable *t, const sfkey *fk)
{
	for (size_t i = 0; i < t->nfks; i++) {
		const sfkey *o = &t->fks[i];
		if (fk->name && o->name ? !strcmp(fk->name, o->name) :
		    strv_eq(&fk->columns, &o->columns) && !strcmp(fk->ref_table, o->ref_table))
			return o;
	}
	return NULL;
}

static const stable *find_table_c(const aurmig_schema *s, const char *name)
{
	for (size_t i = 0; i < s->ntables; i++)
		if (!strcmp(s->tables[i].name, name))
			return &s->tables[i];
	return NULL;
}

static const scol *find_col_c(const stable *t, const char *name)
{
	long k = aurmig__ddl_find_col(t, name);
	return k < 0 ? NULL : &t->cols[k];
}

static void gen_create_table(aurmig__buf *b, const stable *t)
{
	aurmig__schema_put_table(b, AURMIG_DIALECT_ANY, t);
	aurmig__buf_puts(b, ";\n");
	for (size_t i = 0; i < t->nidx; i++) {
		if (t->idx[i].auto_named)
			continue;
		aurmig__ddl_put_create_index(b, AURMIG_DIALECT_ANY, t->name, &t->idx[i]);
		aurmig__buf_puts(b, ";\n");
	}
}

static void gen_drop_fkey(aurmig__buf *b, const stable *t, const sfkey *fk)
{
	char *gen = fk->name ? NULL : aurmig__ddl_gen_name(b->ctx, t->name, &fk->columns, "fkey");

	if (!fk->name && !gen)
		b->failed = 1;

	aurmig__buf_puts(b, "ALTER TABLE ");
	aurmig__schema_put_ident(b, AURMIG_DIALECT_ANY, t->name);
	aurmig__buf_puts(b, " DROP FOREIGN KEY ");
	aurmig__schema_put_ident(b, AURMIG_DIALECT_ANY, fk->name ? fk->name : gen ? gen : "?");
	aurmig__buf_puts(b, ";\n");
	free(gen);
}

static void gen_add_fkey(aurmig__buf *b, const stable *t, const sfkey *fk)
{
	aurmig__buf_puts(b, "ALTER TABLE ");
	aurmig__schema_put_ident(b, AURMIG_DIALECT_ANY, t->name);
	aurmig__buf_puts(b, " ADD ");
	aurmig__schema_put_fkey(b, AURMIG_DIALECT_ANY, fk);
	aurmig__buf_puts(b, ";\n");
}

/* Tables of s that are not in other, in an order where a table comes after
 * the ones it refers to (reverse: before). */
static int table_order(aurmig_context *ctx, const aurmig_schema *s, const aurmig_schema *other, int reverse,
	aurmig__strv *out)
{
	size_t n = 0, total = 0;
	unsigned char *done = aurmig__calloc(ctx, s->ntables + 1, 1);

	if (!done)
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < s->ntables; i++)
		if (!find_table_c(other, s->tables[i].name))
			total++;
		else
			done[i] = 1;
	while (n < total) {
		int progress = 0;
		for (size_t i = 0; i < s->ntables; i++) {
			const stable *t = &s->tables[i];
			int ready = 1;
			if (done[i])
				continue;
			for (size_t f = 0; f < t->nfks && ready; f++)
				for (size_t j = 0; j < s->ntables; j++)
					if (!done[j] && j != i && !strcmp(s->tables[j].name, t->fks[f].ref_table))
						ready = 0;
			if (!ready)
				continue;
			done[i] = 1;
			progress = 1;
			n++;
			if (aurmig__strv_push(out, ctx, t->name)) {
				free(done);
				return AURMIG_ENOMEM;
			}
		}
		if (!progress)   /* a cycle: the rest as they come */
			for (size_t i = 0; i < s->ntables; i++)
				if (!done[i]) {
					done[i] = 1;
					n++;
					if (aurmig__strv_push(out, ctx, s->tables[i].name)) {
						free(done);
						return AURMIG_ENOMEM;
					}
				}
	}
	free(done);
	if (reverse)
		for (size_t i = 0; i < out->n / 2; i++) {
			char *x = out->v[i];
			out->v[i] = out->v[out->n - 1 - i];
			out->v[out->n - 1 - i] = x;
		}
	return AURMIG_OK;
}

/* Changes of one table present on both sides. */
static void alter_prefix(aurmig__buf *b, const char *table)
{
	aurmig__buf_puts(b, "ALTER TABLE ");
	aurmig__schema_put_ident(b, AURMIG_DIALECT_ANY, table);
	aurmig__buf_puts(b, " ");
}

static void gen_alter(aurmig__buf *b, const stable *from, const stable *to)
{
	const int d = AURMIG_DIALECT_ANY;
	int pk_changed = !strv_eq(&from->pk, &to->pk);

	/* what goes first: foreign keys and indexes that change or go */
	for (size_t i = 0; i < from->nfks; i++) {
		const sfkey *o = match_fkey(to, &from->fks[i]);
		if (!o || !same_fkey(o, &from->fks[i]))
			gen_drop_fkey(b, from, &from->fks[i]);
	}
	for (size_t i = 0; i < from->nidx; i++) {
		long k = aurmig__ddl_find_index(to, from->idx[i].name);
		if (k < 0 || !same_index(&to->idx[k], &from->idx[i])) {
			aurmig__buf_puts(b, "DROP INDEX ");
			aurmig__schema_put_ident(b, d, from->idx[i].name);
			aurmig__buf_puts(b, " ON ");
			aurmig__schema_put_ident(b, d, to->name);
			aurmig__buf_puts(b, ";\n");
		}
	}
	if (pk_changed && from->pk.n) {
		alter_prefix(b, to->name);
		aurmig__buf_puts(b, "DROP PRIMARY KEY;\n");
	}
	for (size_t i = 0; i < from->ncols; i++)
		if (!find_col_c(to, from->cols[i].name)) {
			alter_prefix(b, to->name);
			aurmig__buf_puts(b, "DROP COLUMN ");
			aurmig__schema_put_ident(b, d, from->cols[i].name);
			aurmig__buf_puts(b, ";\n");
		}
	for (size_t i = 0; i < to->ncols; i++) {
		const scol *c = &to->cols[i], *o = find_col_c(from, c->name);
		if (o && same_coldef(b, from, o, to, c))
			continue;
		alter_prefix(b, to->name);
		aurmig__buf_puts(b, o ? "MODIFY COLUMN " : "ADD COLUMN ");
		gen_coldef(b, to, c);
		aurmig__buf_puts(b, ";\n");
	}
	if (pk_changed && to->pk.n) {
		alter_prefix(b, to->name);
		aurmig__buf_puts(b, "ADD PRIMARY KEY (");
		for (size_t i = 0; i < to->pk.n; i++) {
			if (i)
				aurmig__buf_puts(b, ", ");
			aurmig__schema_put_ident(b, d, to->pk.v[i]);
		}
		aurmig__buf_puts(b, ");\n");
	}
	for (size_t i = 0; i < to->nidx; i++) {
		long k = aurmig__ddl_find_index(from, to->idx[i].name);
		if (k >= 0 && same_index(&from->idx[k], &to->idx[i]))
			continue;
		aurmig__ddl_put_create_index(b, d, to->name, &to->idx[i]);
		aurmig__buf_puts(b, ";\n");
	}
	for (size_t i = 0; i < to->nfks; i++) {
		const sfkey *o = match_fkey(from, &to->fks[i]);
		if (!o || !same_fkey(o, &to->fks[i]))
			gen_add_fkey(b, to, &to->fks[i]);
	}
}

int aurmig_schema_migration(const char **out, aurmig_schema *to, const aurmig_schema *from)
{
	aurmig_context *ctx;
	aurmig__strv order = { 0 };
	aurmig__buf b;
	char *text;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !to || !from)
		return to ? aurmig__err(to->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_schema_migration: NULL argument") : AURMIG_EINVALID;
	ctx = to->ctx;
	aurmig__buf_init(&b, ctx);
	/* tables that go (those referring to others first), then changes to
	 * common tables, then new tables (those referred to first) */
	if ((rc = table_order(ctx, from, to, 1, &order)))
		goto fail;
	for (size_t i = 0; i < order.n; i++) {
		aurmig__buf_puts(&b, "DROP TABLE ");
		aurmig__schema_put_ident(&b, AURMIG_DIALECT_ANY, order.v[i]);
		aurmig__buf_puts(&b, ";\n");
	}
	aurmig__strv_clear(&order);
	for (size_t i = 0; i < to->ntables; i++) {
		const stable *f = find_table_c(from, to->tables[i].name);
		if (f)
			gen_alter(&b, f, &to->tables[i]);
	}
	if ((rc = table_order(ctx, to, from, 0, &order)))
		goto fail;
	for (size_t i = 0; i < order.n; i++)
		gen_create_table(&b, find_table_c(to, order.v[i]));
	aurmig__strv_clear(&order);
	if (!(text = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	free(to->dump);
	to->dump = text;
	*out = text;
	return AURMIG_OK;
fail:
	aurmig__strv_clear(&order);
	aurmig__buf_dispose(&b);
	return rc;
}
