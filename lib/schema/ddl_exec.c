/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Portable DDL run on a live connection, and the statements of a declared
 * schema file (declared.c, run/init.c). */
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
/* running on a live connection                                        */

/* SQLite keeps no foreign-key names in its catalogue; read them from the
 * table's CREATE TABLE text when it parses as portable DDL. */
static void sqlite_fkey_names(aurmig_conn *c, aurmig_schema *m)
{
	aurmig__strv v = { 0 };
	size_t ncols = 0;

	aurmig__err_hold(c->ctx);
	if (c->ops->query_cells(c, "SELECT name, sql FROM sqlite_master WHERE type = 'table'", &v, &ncols) ||
	    ncols != 2)
		goto done;
	for (size_t i = 0; i + 1 < v.n; i += 2) {
		stable *t = aurmig__ddl_model_table(m, v.v[i]);
		aurmig__ddl *op = NULL;
		if (!t || !t->nfks)
			continue;
		if (aurmig__ddl_parse_names(&op, c->ctx, v.v[i + 1], strlen(v.v[i + 1]), NULL, 1, 1) || !op ||
		    op->kind != OP_CREATE_TABLE) {
			aurmig__ddl_free(op);
			continue;
		}
		for (size_t f = 0; f < t->nfks; f++) {
			for (size_t g = 0; g < op->def.nfks; g++) {
				const sfkey *x = &op->def.fks[g];
				int same = x->columns.n == t->fks[f].columns.n && !strcmp(x->ref_table, t->fks[f].ref_table);
				for (size_t k = 0; same && k < x->columns.n; k++)
					same = !strcmp(x->columns.v[k], t->fks[f].columns.v[k]);
				if (same && x->name && !t->fks[f].name) {
					t->fks[f].name = aurmig__strdup(c->ctx, x->name);
					break;
				}
			}
		}
		aurmig__ddl_free(op);
	}
done:
	aurmig__err_release(c->ctx);
	aurmig__strv_clear(&v);
}

int aurmig__ddl_model_from_conn(aurmig_schema **out, aurmig_conn *c)
{
	int rc = aurmig_schema_read(out, c);

	if (!rc && c->dialect == AURMIG_DIALECT_SQLITE)
		sqlite_fkey_names(c, *out);
	return rc;
}

/* Foreign-key violations involving table (as child or parent). Only the
 * table itself and the tables whose foreign keys name it are checked, not
 * the whole database: a rebuild of one table cannot break the others, and
 * checking every table costs seconds on a large database (fkcheck.c). */
static int sqlite_fk_check(aurmig_conn *c, const char *table, const char *file, int line)
{
	aurmig__strv v = { 0 };
	char *sql;
	size_t ncols = 0;
	int rc;

	if ((rc = aurmig__sqlite_fk_check_sql(c, table, 0, &sql)) || !sql)
		return rc;
	rc = c->ops->query_cells(c, sql, &v, &ncols);
	free(sql);
	if (!rc && ncols == 2 && v.n >= 2)
		rc = aurmig__err_at(c->ctx, AURMIG_EDB, AURMIG_ERRCLASS_DB, file, line,
			"portable DDL: after rebuilding table %s, rows of %s break a foreign key to %s "
			"(PRAGMA foreign_key_check)", table, v.v[0], v.v[1]);
	aurmig__strv_clear(&v);
	return rc;
}

static int exec_all(aurmig_conn *c, const aurmig__strv *v)
{
	for (size_t i = 0; i < v->n; i++) {
		int rc = c->ops->exec(c, v->v[i], NULL);
		if (rc)
			return rc;
	}
	return AURMIG_OK;
}

int aurmig__ddl_run_declared(aurmig_conn *c, const char *stmt, size_t len, int portable, const char *file, int line,
	aurmig__strv *later)
{
	aurmig__ddl *op = NULL;
	aurmig__strv v = { 0 };
	char *one;
	int rc;

	if (portable && (rc = aurmig__ddl_parse(&op, c->ctx, stmt, len, file, line)))
		return rc;
	if (!op) {
		if (!(one = aurmig__strndup(c->ctx, stmt, len)))
			return AURMIG_ENOMEM;
		rc = c->ops->exec(c, one, NULL);
		free(one);
		return rc;
	}
	if (c->dialect != AURMIG_DIALECT_SQLITE && op->kind == OP_CREATE_TABLE) {
		sink o = { c->ctx, &v, AURMIG_OK, 0, 0 };
		rc = aurmig__ddl_render_sink(&o, op, c->dialect, NULL, file, line);
		for (size_t k = 0; !rc && k < v.n; k++)
			rc = k >= o.fk_from ? aurmig__strv_push(later, c->ctx, v.v[k]) : c->ops->exec(c, v.v[k], NULL);
		aurmig__strv_clear(&v);
	} else {
		rc = aurmig__ddl_exec(c, op, file, line);
	}
	aurmig__ddl_free(op);
	return rc;
}

/* A rebuild copies the table, builds its indexes and checks its foreign
 * keys, all in one transaction: with SQLite's default page cache (2 MiB)
 * the check's probes of the parent tables miss the cache for nearly every
 * row once the copy has filled it with dirty pages (measured: 170,000 reads
 * for 100,000 rows against 1,800 with a larger cache). The check runs with
 * a cache of at least REBUILD_CACHE_KIB (it grows only as pages are used);
 * the copy and the index builds do not: a larger cache made them slower at
 * 1M rows (SQLite's sorter sizes its in-memory runs by it; 3.2 s -> 5.9 s
 * CPU). *old gets the connection's setting to restore, NULL when it is
 * large enough already. */
#define REBUILD_CACHE_KIB 65536L

static int rebuild_cache(aurmig_conn *c, char **old)
{
	aurmig__strv v = { 0 };
	long n;
	int rc;

	*old = NULL;
	if ((rc = c->ops->query(c, "SELECT cache_size FROM pragma_cache_size", &v)))
		return rc;
	n = v.n ? strtol(v.v[0], NULL, 10) : 0;
	/* negative: KiB; positive: pages (of at least 512 bytes) */
	if ((n < 0 && -n >= REBUILD_CACHE_KIB) || (n > 0 && n >= REBUILD_CACHE_KIB)) {
		aurmig__strv_clear(&v);
		return AURMIG_OK;
	}
	if (!(*old = aurmig__strdup(c->ctx, v.n ? v.v[0] : "-2000"))) {
		aurmig__strv_clear(&v);
		return AURMIG_ENOMEM;
	}
	aurmig__strv_clear(&v);
	{
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA cache_size = %ld", -REBUILD_CACHE_KIB);
		rc = c->ops->exec(c, sql, NULL);
	}
	if (rc) {
		free(*old);
		*old = NULL;
	}
	return rc;
}

int aurmig__ddl_exec(aurmig_conn *c, const aurmig__ddl *op, const char *file, int line)
{
	aurmig__strv v = { 0 }, trig = { 0 };
	aurmig_schema *m = NULL;
	char *cache = NULL;
	int rc, rebuild = 0, savepoint = 0;

	/* only SQLite's ALTER TABLE (and DROP INDEX: a UNIQUE constraint's
	 * index needs a rebuild) may need the table's definition */
	if (c->dialect != AURMIG_DIALECT_SQLITE || (op->kind != OP_ALTER && op->kind != OP_DROP_INDEX) ||
	    aurmig__ddl_sqlite_blind_ok(op)) {
		rc = aurmig__ddl_render(&v, op, c->dialect, NULL, file, line);
		if (!rc)
			rc = exec_all(c, &v);
		aurmig__strv_clear(&v);
		return rc;
	}
	if ((rc = aurmig_schema_read(&m, c)))
		return rc;
	sqlite_fkey_names(c, m);
	{
		sink o = { c->ctx, &v, AURMIG_OK, 0, 0 };
		if ((rc = aurmig__ddl_render_sink(&o, op, c->dialect, m, file, line)))
			goto done;
		rebuild = o.rebuilt;
	}
	if (rebuild) {
		aurmig__strv fk = { 0 }, rows = { 0 };
		size_t ncols = 0;
		/* foreign keys ON would delete or refuse rows on DROP TABLE */
		if ((rc = c->ops->query(c, "SELECT foreign_keys FROM pragma_foreign_keys", &fk)))
			goto done;
		if (fk.n && !strcmp(fk.v[0], "1")) {
			aurmig__strv_clear(&fk);
			rc = aurmig__err_at(c->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_SCRIPT, file, line,
				"portable DDL: rebuilding table %s needs PRAGMA foreign_keys = OFF on this connection",
				op->table);
			goto done;
		}
		aurmig__strv_clear(&fk);
		/* the table's triggers go with DROP TABLE: keep their SQL */
		if ((rc = c->ops->query_cells(c, "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'",
			&rows, &ncols)))
			goto done;
		for (size_t i = 0; !rc && ncols == 2 && i + 1 < rows.n; i += 2)
			if (!strcmp(rows.v[i], op->table) && *rows.v[i + 1])
				rc = aurmig__strv_push(&trig, c->ctx, rows.v[i + 1]);
		aurmig__strv_clear(&rows);
		if (rc)
			goto done;
		if (!c->in_tx) {
			if ((rc = c->ops->exec(c, "SAVEPOINT aurmig_rebuild", NULL)))
				goto done;
			savepoint = 1;
		}
	}
	rc = exec_all(c, &v);
	if (!rc && rebuild) {
		const char *table = op->table;
		for (size_t i = 0; i < op->nacts; i++)
			if (op->acts[i].kind == A_RENAME_TABLE)
				table = op->acts[i].new_name;
		rc = exec_all(c, &trig);
		if (!rc)
			rc = rebuild_cache(c, &cache);
		if (!rc)
			rc = sqlite_fk_check(c, table, file, line);
	}
	if (cache) {
		/* the connection's own page cache again */
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA cache_size = %ld", strtol(cache, NULL, 10));
		if (rc) {
			aurmig__err_hold(c->ctx);
			(void)c->ops->exec(c, sql, NULL);
			aurmig__err_release(c->ctx);
		} else {
			rc = c->ops->exec(c, sql, NULL);
		}
	}
	if (rc && rebuild) {
		/* a pragma outlives a rollback: switch it back */
		aurmig__err_hold(c->ctx);
		(void)c->ops->exec(c, "PRAGMA legacy_alter_table = OFF", NULL);
		aurmig__err_release(c->ctx);
	}
	if (savepoint) {
		if (rc) {
			aurmig__err_hold(c->ctx);
			(void)c->ops->exec(c, "ROLLBACK TO aurmig_rebuild", NULL);
			(void)c->ops->exec(c, "RELEASE aurmig_rebuild", NULL);
			aurmig__err_release(c->ctx);
		} else {
			rc = c->ops->exec(c, "RELEASE aurmig_rebuild", NULL);
		}
	}
done:
	free(cache);
	aurmig__strv_clear(&v);
	aurmig__strv_clear(&trig);
	aurmig_schema_free(m);
	return rc;
}
