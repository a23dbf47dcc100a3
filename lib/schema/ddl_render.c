/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Portable DDL rendered per dialect: CREATE TABLE through the schema
 * renderer (render.c), ALTER TABLE as one statement (MySQL), one per action
 * (PostgreSQL), or SQLite's own ALTER where it can and the table rebuild
 * where it cannot.
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
/* rendering                                                           */

static void emit(sink *o, aurmig__buf *b)
{
	char *s = aurmig__buf_detach(b);

	if (!s) {
		o->rc = AURMIG_ENOMEM;
		return;
	}
	if (!o->rc)
		o->rc = aurmig__strv_push_own(o->v, o->ctx, s);
	else
		free(s);
}

static void put_id(aurmig__buf *b, int d, const char *n) { aurmig__schema_put_ident(b, d, n); }

void aurmig__ddl_put_create_index(aurmig__buf *b, int d, const char *table, const sindex *ix)
{
	aurmig__buf_printf(b, "CREATE %sINDEX ", ix->unique ? "UNIQUE " : "");
	put_id(b, d, ix->name);
	aurmig__buf_puts(b, " ON ");
	put_id(b, d, table);
	aurmig__buf_puts(b, " ");
	aurmig__schema_put_index_cols(b, d, ix);
}

/* A string literal holding an identifier as the dialect quotes it. */
static void put_ident_literal(aurmig__buf *b, int d, const char *name)
{
	aurmig__buf t;
	char *s;

	aurmig__buf_init(&t, b->ctx);
	put_id(&t, d, name);
	if (!(s = aurmig__buf_detach(&t))) {
		b->failed = 1;
		return;
	}
	aurmig__db_quote(b, d, s);
	free(s);
}

static void put_literal(aurmig__buf *b, int d, const char *s) { aurmig__db_quote(b, d, s); }

/* A column's definition for dialect (t: its table, for SQLite's rowid rule). */
static void put_coldef(aurmig__buf *b, int d, const stable *t, const scol *c)
{
	put_id(b, d, c->name);
	aurmig__buf_puts(b, " ");
	aurmig__schema_put_column_def(b, d, t, c);
}

static int check_sqlite_table(aurmig_context *ctx, const stable *t, const char *file, int line)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i].auto_increment && !(t->pk.n == 1 && !strcmp(t->pk.v[0], t->cols[i].name)))
			return aurmig__err_at(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_SCRIPT, file, line,
				"portable DDL: on SQLite an AUTO_INCREMENT column (%s.%s) must be the table's "
				"whole primary key", t->name, t->cols[i].name);
	return AURMIG_OK;
}

static void render_create_table(sink *o, int d, const stable *t)
{
	aurmig__buf b;

	aurmig__buf_init(&b, o->ctx);
	aurmig__schema_put_table(&b, d, t);
	emit(o, &b);
	if (!aurmig__dialect_of(d)->inline_indexes)
		for (size_t i = 0; i < t->nidx; i++) {
			if (t->idx[i].auto_named)
				continue;
			aurmig__buf_init(&b, o->ctx);
			aurmig__ddl_put_create_index(&b, d, t->name, &t->idx[i]);
			emit(o, &b);
		}
	o->fk_from = o->v->n;
	if (d != AURMIG_DIALECT_SQLITE)
		for (size_t i = 0; i < t->nfks; i++) {
			aurmig__buf_init(&b, o->ctx);
			aurmig__buf_puts(&b, "ALTER TABLE ");
			put_id(&b, d, t->name);
			aurmig__buf_puts(&b, " ADD ");
			aurmig__schema_put_fkey(&b, d, &t->fks[i]);
			emit(o, &b);
		}
}

static void render_drop_index(sink *o, int d, const char *table, const char *name)
{
	aurmig__buf b;

	aurmig__buf_init(&b, o->ctx);
	if (d == AURMIG_DIALECT_PGSQL) {
		/* a unique constraint's index goes with the constraint */
		aurmig__buf_puts(&b, "DO $aurmig$ BEGIN IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ");
		put_ident_literal(&b, d, table);
		aurmig__buf_puts(&b, "::regclass AND conname = ");
		put_literal(&b, d, name);
		aurmig__buf_puts(&b, ") THEN ALTER TABLE ");
		put_id(&b, d, table);
		aurmig__buf_puts(&b, " DROP CONSTRAINT ");
		put_id(&b, d, name);
		aurmig__buf_puts(&b, "; ELSE DROP INDEX ");
		put_id(&b, d, name);
		aurmig__buf_puts(&b, "; END IF; END $aurmig$");
	} else {
		aurmig__buf_puts(&b, "DROP INDEX ");
		put_id(&b, d, name);
		if (d == AURMIG_DIALECT_MYSQL) {
			aurmig__buf_puts(&b, " ON ");
			put_id(&b, d, table);
		}
	}
	emit(o, &b);
}

static void put_pk_list(aurmig__buf *b, int d, const aurmig__strv *pk)
{
	aurmig__buf_puts(b, "ADD PRIMARY KEY (");
	for (size_t k = 0; k < pk->n; k++) {
		if (k)
			aurmig__buf_puts(b, ", ");
		put_id(b, d, pk->v[k]);
	}
	aurmig__buf_puts(b, ")");
}

/* The clause of an action that MySQL and PostgreSQL spell alike; 0 (and
 * nothing written) for the others. */
static int put_common_clause(aurmig__buf *b, int d, const action *a)
{
	stable none = { 0 };

	switch (a->kind) {
	case A_ADD_COLUMN:
		aurmig__buf_puts(b, "ADD COLUMN ");
		put_coldef(b, d, &none, &a->col);
		return 1;
	case A_DROP_COLUMN:
		aurmig__buf_puts(b, "DROP COLUMN ");
		put_id(b, d, a->name);
		return 1;
	case A_RENAME_COLUMN:
		aurmig__buf_puts(b, "RENAME COLUMN ");
		put_id(b, d, a->name);
		aurmig__buf_puts(b, " TO ");
		put_id(b, d, a->new_name);
		return 1;
	case A_SET_DEFAULT:
	case A_DROP_DEFAULT:
		aurmig__buf_puts(b, "ALTER COLUMN ");
		put_id(b, d, a->name);
		if (a->kind == A_SET_DEFAULT) {
			aurmig__buf_puts(b, " SET DEFAULT ");
			aurmig__schema_put_default(b, d, a->dflt);
		} else {
			aurmig__buf_puts(b, " DROP DEFAULT");
		}
		return 1;
	case A_ADD_FKEY:
		aurmig__buf_puts(b, "ADD ");
		aurmig__schema_put_fkey(b, d, &a->fk);
		return 1;
	case A_ADD_PK:
		put_pk_list(b, d, &a->pk);
		return 1;
	case A_RENAME_TABLE:
		aurmig__buf_puts(b, "RENAME TO ");
		put_id(b, d, a->new_name);
		return 1;
	default:
		return 0;
	}
}

/* MySQL: the whole ALTER TABLE as one statement. */
static void render_alter_mysql(sink *o, const aurmig__ddl *op)
{
	const int d = AURMIG_DIALECT_MYSQL;
	aurmig__buf b;
	stable none = { 0 };

	aurmig__buf_init(&b, o->ctx);
	aurmig__buf_puts(&b, "ALTER TABLE ");
	put_id(&b, d, op->table);
	for (size_t i = 0; i < op->nacts; i++) {
		const action *a = &op->acts[i];
		aurmig__buf_puts(&b, i ? ", " : " ");
		if (put_common_clause(&b, d, a))
			continue;
		switch (a->kind) {
		case A_MODIFY_COLUMN:
			aurmig__buf_puts(&b, "CHANGE COLUMN ");
			put_id(&b, d, a->name);
			aurmig__buf_puts(&b, " ");
			put_coldef(&b, d, &none, &a->col);
			break;
		case A_ADD_INDEX:
			aurmig__buf_puts(&b, a->idx.unique ? "ADD UNIQUE KEY " : "ADD KEY ");
			put_id(&b, d, a->idx.name);
			aurmig__buf_puts(&b, " ");
			aurmig__schema_put_index_cols(&b, d, &a->idx);
			break;
		case A_DROP_INDEX:
			aurmig__buf_puts(&b, "DROP INDEX ");
			put_id(&b, d, a->name);
			break;
		case A_DROP_FKEY:
			/* and the index InnoDB made for the key, if it made one (MariaDB's
			 * IF EXISTS): no other backend keeps one */
			aurmig__buf_puts(&b, "DROP FOREIGN KEY ");
			put_id(&b, d, a->name);
			aurmig__buf_puts(&b, ", DROP INDEX IF EXISTS ");
			put_id(&b, d, a->name);
			break;
		case A_DROP_PK:
			aurmig__buf_puts(&b, "DROP PRIMARY KEY");
			break;
		default:
			break;
		}
	}
	emit(o, &b);
}

static void pg_alter_prefix(aurmig__buf *b, const char *table)
{
	aurmig__buf_puts(b, "ALTER TABLE ");
	put_id(b, AURMIG_DIALECT_PGSQL, table);
	aurmig__buf_puts(b, " ");
}

/* PostgreSQL: a statement per action (RENAME cannot share one). */
static void render_alter_pgsql(sink *o, const aurmig__ddl *op)
{
	const int d = AURMIG_DIALECT_PGSQL;
	const char *table = op->table;
	aurmig__buf b;

	for (size_t i = 0; i < op->nacts && !o->rc; i++) {
		const action *a = &op->acts[i];
		aurmig__buf_init(&b, o->ctx);
		switch (a->kind) {
		case A_MODIFY_COLUMN: {
			const scol *c = &a->col;
			scol plain = *c;
			if (strcmp(a->name, c->name)) {
				pg_alter_prefix(&b, table);
				aurmig__buf_puts(&b, "RENAME COLUMN ");
				put_id(&b, d, a->name);
				aurmig__buf_puts(&b, " TO ");
				put_id(&b, d, c->name);
				emit(o, &b);
				aurmig__buf_init(&b, o->ctx);
			}
			plain.auto_increment = 0;   /* the type, not serial */
			pg_alter_prefix(&b, table);
			aurmig__buf_puts(&b, "ALTER COLUMN ");
			put_id(&b, d, c->name);
			aurmig__buf_puts(&b, " TYPE ");
			aurmig__schema_put_type(&b, d, &plain);
			aurmig__buf_puts(&b, " USING ");
			put_id(&b, d, c->name);
			aurmig__buf_puts(&b, "::");
			aurmig__schema_put_type(&b, d, &plain);
			aurmig__buf_puts(&b, ", ALTER COLUMN ");
			put_id(&b, d, c->name);
			aurmig__buf_puts(&b, c->nullable ? " DROP NOT NULL" : " SET NOT NULL");
			if (!c->auto_increment) {
				aurmig__buf_puts(&b, ", ALTER COLUMN ");
				put_id(&b, d, c->name);
				if (c->default_value) {
					aurmig__buf_puts(&b, " SET DEFAULT ");
					aurmig__schema_put_default(&b, d, c->default_value);
				} else {
					aurmig__buf_puts(&b, " DROP DEFAULT");
				}
			}
			break;
		}
		case A_ADD_INDEX:
			aurmig__ddl_put_create_index(&b, d, table, &a->idx);
			break;
		case A_DROP_INDEX:
			aurmig__buf_dispose(&b);
			render_drop_index(o, d, table, a->name);
			continue;
		case A_DROP_FKEY:
			pg_alter_prefix(&b, table);
			aurmig__buf_puts(&b, "DROP CONSTRAINT ");
			put_id(&b, d, a->name);
			break;
		case A_DROP_PK:
			/* the key's name depends on the table's history: look it up */
			aurmig__buf_puts(&b, "DO $aurmig$ DECLARE n name; BEGIN SELECT conname INTO n FROM pg_constraint "
				"WHERE conrelid = ");
			put_ident_literal(&b, d, table);
			aurmig__buf_puts(&b, "::regclass AND contype = 'p'; IF n IS NOT NULL THEN "
				"EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', ");
			put_literal(&b, d, table);
			aurmig__buf_puts(&b, ", n); END IF; END $aurmig$");
			break;
		default:
			pg_alter_prefix(&b, table);
			(void)put_common_clause(&b, d, a);
			if (a->kind == A_RENAME_TABLE)
				table = a->new_name;
			break;
		}
		emit(o, &b);
	}
}

/* Can SQLite's own ALTER TABLE do this action on t? */
static int sqlite_native(const stable *t, const action *a)
{
	switch (a->kind) {
	case A_ADD_COLUMN: {
		const scol *c = &a->col;
		const char *dv = c->default_value;
		if (c->auto_increment)
			return 0;
		if (dv && !(dv[0] == '\'' || isdigit((unsigned char)dv[0]) || dv[0] == '-' ||
			    !strcmp(dv, "TRUE") || !strcmp(dv, "FALSE")))
			return 0;   /* SQLite adds no column with an expression default */
		return c->nullable || dv;
	}
	case A_DROP_COLUMN: {
		long k = aurmig__ddl_find_col(t, a->name);
		if (k < 0 || aurmig__strv_contains(&t->pk, a->name))
			return 0;
		for (size_t i = 0; i < t->nidx; i++)
			if (aurmig__ddl_index_has_col(&t->idx[i], a->name))
				return 0;
		for (size_t i = 0; i < t->nfks; i++)
			if (aurmig__strv_contains(&t->fks[i].columns, a->name))
				return 0;
		return 1;
	}
	case A_RENAME_COLUMN:
	case A_RENAME_TABLE:
	case A_ADD_INDEX:
		return 1;
	case A_DROP_INDEX: {
		long k = aurmig__ddl_find_index(t, a->name);
		return k >= 0 && !t->idx[k].auto_named;
	}
	default:
		return 0;
	}
}

static void render_sqlite_native(sink *o, const stable *t, const action *a)
{
	const int d = AURMIG_DIALECT_SQLITE;
	aurmig__buf b;

	aurmig__buf_init(&b, o->ctx);
	switch (a->kind) {
	case A_ADD_INDEX:
		aurmig__ddl_put_create_index(&b, d, t->name, &a->idx);
		break;
	case A_DROP_INDEX:
		aurmig__buf_puts(&b, "DROP INDEX ");
		put_id(&b, d, a->name);
		break;
	default:
		aurmig__buf_puts(&b, "ALTER TABLE ");
		put_id(&b, d, t->name);
		if (a->kind == A_ADD_COLUMN) {
			aurmig__buf_puts(&b, " ADD COLUMN ");
			put_coldef(&b, d, t, &a->col);
		} else if (a->kind == A_DROP_COLUMN) {
			aurmig__buf_puts(&b, " DROP COLUMN ");
			put_id(&b, d, a->name);
		} else if (a->kind == A_RENAME_COLUMN) {
			aurmig__buf_puts(&b, " RENAME COLUMN ");
			put_id(&b, d, a->name);
			aurmig__buf_puts(&b, " TO ");
			put_id(&b, d, a->new_name);
		} else {
			aurmig__buf_puts(&b, " RENAME TO ");
			put_id(&b, d, a->new_name);
		}
		break;
	}
	emit(o, &b);
}

#define REBUILD_PREFIX "_aurmig_new_"

/* The rebuild of table `old_name` (whose definition was `before`) into
 * `after`; src: the source column of each column of after. */
static void render_rebuild(sink *o, const stable *after, const aurmig__strv *src, const char *old_name, int src_dialect)
{
	const int d = AURMIG_DIALECT_SQLITE;
	stable tmp = *after;
	aurmig__buf b;
	char *tmpname = aurmig__printf(o->ctx, REBUILD_PREFIX "%s", after->name);
	int first = 1;

	if (!tmpname) {
		o->rc = AURMIG_ENOMEM;
		return;
	}
	tmp.name = tmpname;
	/* unnamed UNIQUE constraints (sqlite_autoindex_*) stay inside the
	 * table; named indexes are made after the rename */
	aurmig__buf_init(&b, o->ctx);
	aurmig__schema_put_table_from(&b, d, src_dialect, &tmp);
	emit(o, &b);
	aurmig__buf_init(&b, o->ctx);
	aurmig__buf_puts(&b, "INSERT INTO ");
	put_id(&b, d, tmpname);
	aurmig__buf_puts(&b, " (");
	for (size_t i = 0; i < after->ncols; i++) {
		if (!*src->v[i])
			continue;
		if (!first)
			aurmig__buf_puts(&b, ", ");
		first = 0;
		put_id(&b, d, after->cols[i].name);
	}
	aurmig__buf_puts(&b, ") SELECT ");
	first = 1;
	for (size_t i = 0; i < after->ncols; i++) {
		if (!*src->v[i])
			continue;
		if (!first)
			aurmig__buf_puts(&b, ", ");
		first = 0;
		put_id(&b, d, src->v[i]);
	}
	aurmig__buf_puts(&b, " FROM ");
	put_id(&b, d, old_name);
	if (first)
		aurmig__buf_dispose(&b);   /* no column survives: nothing to copy */
	else
		emit(o, &b);
	aurmig__buf_init(&b, o->ctx);
	aurmig__buf_puts(&b, "DROP TABLE ");
	put_id(&b, d, old_name);
	emit(o, &b);
	/* legacy_alter_table: the rename must not rewrite (or check) the
	 * references of other tables, views and triggers to the dropped name */
	aurmig__buf_init(&b, o->ctx);
	aurmig__buf_puts(&b, "PRAGMA legacy_alter_table = ON");
	emit(o, &b);
	aurmig__buf_init(&b, o->ctx);
	aurmig__buf_puts(&b, "ALTER TABLE ");
	put_id(&b, d, tmpname);
	aurmig__buf_puts(&b, " RENAME TO ");
	put_id(&b, d, after->name);
	emit(o, &b);
	aurmig__buf_init(&b, o->ctx);
	aurmig__buf_puts(&b, "PRAGMA legacy_alter_table = OFF");
	emit(o, &b);
	for (size_t i = 0; i < after->nidx; i++) {
		if (after->idx[i].auto_named)
			continue;
		aurmig__buf_init(&b, o->ctx);
		aurmig__ddl_put_create_index(&b, d, after->name, &after->idx[i]);
		emit(o, &b);
	}
	free(tmpname);
}

static int no_table(aurmig_context *ctx, const char *file, int line, const char *table)
{
	return aurmig__err_at(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_SCRIPT, file, line,
		"portable DDL: SQLite needs the definition of table %s to alter it, and there is no such table "
		"(offline SQL knows only the tables made earlier in its output: start from base)", table);
}

/* Can SQLite do every action of op without knowing the table's definition? */
int aurmig__ddl_sqlite_blind_ok(const aurmig__ddl *op)
{
	const stable none = { 0 };

	if (op->kind != OP_ALTER)
		return 0;
	for (size_t i = 0; i < op->nacts; i++) {
		int k = op->acts[i].kind;
		if (!(k == A_RENAME_COLUMN || k == A_RENAME_TABLE || k == A_ADD_INDEX ||
		      (k == A_ADD_COLUMN && sqlite_native(&none, &op->acts[i]))))
			return 0;
	}
	return 1;
}

/* Without the table's definition (offline, a table made by other SQL; or
 * online, actions that need none): SQLite's own ALTER only. */
static int render_alter_sqlite_blind(sink *o, const aurmig__ddl *op, const char *file, int line)
{
	stable t = { 0 };

	if (!aurmig__ddl_sqlite_blind_ok(op))
		return no_table(o->ctx, file, line, op->table);
	t.name = op->table;
	for (size_t i = 0; i < op->nacts && !o->rc; i++) {
		render_sqlite_native(o, &t, &op->acts[i]);
		if (op->acts[i].kind == A_RENAME_TABLE)
			t.name = op->acts[i].new_name;
	}
	return o->rc;
}

/* SQLite: native actions where possible, consecutive others as one rebuild. */
static int render_alter_sqlite(sink *o, const aurmig__ddl *op, aurmig_schema *m, const char *file, int line)
{
	aurmig_context *ctx = o->ctx;
	stable *t = aurmig__ddl_model_table(m, op->table);
	stable work = { 0 };
	aurmig__strv src = { 0 };
	char *old_name = NULL;
	int rebuilding = 0, rc = AURMIG_OK;

	if (!t)
		return render_alter_sqlite_blind(o, op, file, line);
	for (size_t i = 0; i <= op->nacts && !rc && !o->rc; i++) {
		const action *a = i < op->nacts ? &op->acts[i] : NULL;
		int native = a && !rebuilding && sqlite_native(t, a);
		if (rebuilding && (!a || sqlite_native(&work, a))) {
			/* flush the rebuild */
			if (!(rc = check_sqlite_table(ctx, &work, file, line))) {
				render_rebuild(o, &work, &src, old_name, m ? m->dialect : AURMIG_DIALECT_ANY);
				o->rebuilt = 1;
				aurmig__schema_free_table(t);
				*t = work;
				memset(&work, 0, sizeof(work));
			}
			aurmig__strv_clear(&src);
			free(old_name);
			old_name = NULL;
			rebuilding = 0;
			if (!a || rc)
				break;
			native = 1;
		}
		if (!a)
			break;
		if (native) {
			render_sqlite_native(o, t, a);
			rc = aurmig__ddl_apply_action(ctx, m, t, NULL, a, file, line);
			continue;
		}
		if (!rebuilding) {
			if ((rc = aurmig__ddl_copy_table(ctx, &work, t)) || !(old_name = aurmig__strdup(ctx, t->name))) {
				rc = rc ? rc : AURMIG_ENOMEM;
				break;
			}
			for (size_t k = 0; k < t->ncols && !rc; k++)
				rc = aurmig__strv_push(&src, ctx, t->cols[k].name);
			rebuilding = 1;
		}
		if (!rc)
			rc = aurmig__ddl_apply_action(ctx, m, &work, &src, a, file, line);
	}
	aurmig__schema_free_table(&work);
	aurmig__strv_clear(&src);
	free(old_name);
	if (!rc && m)
		rc = aurmig__schema_finish(m);
	return o->rc == AURMIG_ENOMEM ? o->rc : rc ? rc : o->rc;   /* memory first */
}

int aurmig__ddl_render(aurmig__strv *v, const aurmig__ddl *op, int dialect, aurmig_schema *m,
	const char *file, int line)
{
	sink o = { op->ctx, v, AURMIG_OK, 0, 0 };

	return aurmig__ddl_render_sink(&o, op, dialect, m, file, line);
}

/* Render into so (which also says what was rendered: a rebuild, where the
 * foreign keys of a CREATE TABLE start). */
int aurmig__ddl_render_sink(sink *so, const aurmig__ddl *op, int dialect, aurmig_schema *m, const char *file, int line)
{
	aurmig_context *ctx = op->ctx;
	aurmig__buf b;
	int rc = AURMIG_OK;

	switch (op->kind) {
	case OP_CREATE_TABLE:
		if (dialect == AURMIG_DIALECT_SQLITE && (rc = check_sqlite_table(ctx, &op->def, file, line)))
			return rc;
		if (m && aurmig__ddl_model_table(m, op->table))
			return aurmig__ddl_err_model(ctx, file, line, "there is a table %s already", op->table);
		render_create_table(so, dialect, &op->def);
		if (!so->rc && m)
			rc = aurmig__ddl_model_add_table(m, &op->def);
		break;
	case OP_DROP_TABLE:
		aurmig__buf_init(&b, ctx);
		aurmig__buf_puts(&b, op->if_exists ? "DROP TABLE IF EXISTS " : "DROP TABLE ");
		put_id(&b, dialect, op->table);
		emit(so, &b);
		if (m)
			aurmig__ddl_model_drop_table(m, op->table);
		break;
	case OP_RENAME_TABLE: {
		action a = { 0 };
		stable *t = m ? aurmig__ddl_model_table(m, op->table) : NULL;
		aurmig__buf_init(&b, ctx);
		if (dialect == AURMIG_DIALECT_MYSQL) {
			aurmig__buf_puts(&b, "RENAME TABLE ");
			put_id(&b, dialect, op->table);
			aurmig__buf_puts(&b, " TO ");
		} else {
			aurmig__buf_puts(&b, "ALTER TABLE ");
			put_id(&b, dialect, op->table);
			aurmig__buf_puts(&b, " RENAME TO ");
		}
		put_id(&b, dialect, op->name);
		emit(so, &b);
		a.kind = A_RENAME_TABLE;
		a.new_name = op->name;
		if (t && !so->rc && !(rc = aurmig__ddl_apply_action(ctx, m, t, NULL, &a, file, line)))
			rc = aurmig__schema_finish(m);
		break;
	}
	case OP_CREATE_INDEX: {
		stable *t = m ? aurmig__ddl_model_table(m, op->table) : NULL;
		aurmig__buf_init(&b, ctx);
		aurmig__ddl_put_create_index(&b, dialect, op->table, &op->idx);
		emit(so, &b);
		if (t && !so->rc) {
			action a = { 0 };
			a.kind = A_ADD_INDEX;
			a.idx = op->idx;
			if (!(rc = aurmig__ddl_apply_action(ctx, m, t, NULL, &a, file, line)))
				rc = aurmig__schema_finish(m);
		}
		break;
	}
	case OP_DROP_INDEX:
		if (dialect == AURMIG_DIALECT_SQLITE && m && aurmig__ddl_model_table(m, op->table)) {
			/* an unnamed UNIQUE constraint of SQLite needs a rebuild */
			aurmig__ddl alter = *op;
			action a = { 0 };
			a.kind = A_DROP_INDEX;
			a.name = op->name;
			alter.kind = OP_ALTER;
			alter.acts = &a;
			alter.nacts = 1;
			return render_alter_sqlite(so, &alter, m, file, line);
		}
		render_drop_index(so, dialect, op->table, op->name);
		break;
	case OP_ALTER:
		if (dialect == AURMIG_DIALECT_MYSQL)
			render_alter_mysql(so, op);
		else if (dialect == AURMIG_DIALECT_PGSQL)
			render_alter_pgsql(so, op);
		else
			return render_alter_sqlite(so, op, m, file, line);
		if (m && !so->rc) {
			stable *t = aurmig__ddl_model_table(m, op->table);
			for (size_t i = 0; t && i < op->nacts && !rc; i++)
				rc = aurmig__ddl_apply_action(ctx, m, t, NULL, &op->acts[i], file, line);
			if (t && !rc)
				rc = aurmig__schema_finish(m);
		}
		break;
	default:
		return AURMIG_EINVALID;
	}
	return so->rc == AURMIG_ENOMEM ? so->rc : rc ? rc : so->rc;   /* memory first */
}
