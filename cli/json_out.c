/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --json output (jansson). The shapes are documented in docs/json.md. */
#include <string.h>

#include "cli.h"

json_t *jout_strings(size_t n, const char *(*at)(const void *, size_t), const void *obj)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(at(obj, i)));
	return a;
}

static const char *mig_parent(const void *m, size_t i) { return aurmig_migration_parent(m, i); }
static const char *mig_dep(const void *m, size_t i) { return aurmig_migration_dependency(m, i); }
static const char *mig_branch(const void *m, size_t i) { return aurmig_migration_branch(m, i); }
static const char *mig_child(const void *m, size_t i) { return aurmig_migration_child(m, i); }

json_t *jout_revision(const aurmig_migration *m, int is_current)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "revision", json_string(aurmig_migration_id(m)));
	json_object_set_new(o, "parents", jout_strings(aurmig_migration_parent_count(m), mig_parent, m));
	json_object_set_new(o, "depends_on", jout_strings(aurmig_migration_dependency_count(m), mig_dep, m));
	json_object_set_new(o, "branches", jout_strings(aurmig_migration_branch_count(m), mig_branch, m));
	json_object_set_new(o, "children", jout_strings(aurmig_migration_child_count(m), mig_child, m));
	json_object_set_new(o, "message", json_string(aurmig_migration_message(m)));
	json_object_set_new(o, "create_date", json_string(aurmig_migration_create_date(m)));
	json_object_set_new(o, "path", json_string(aurmig_migration_path(m)));
	json_object_set_new(o, "checksum", json_string(aurmig_migration_checksum(m)));
	json_object_set_new(o, "head", json_boolean(aurmig_migration_is_head(m) && !aurmig_migration_is_effective_head(m)));
	json_object_set_new(o, "effective_head", json_boolean(aurmig_migration_is_effective_head(m)));
	json_object_set_new(o, "branchpoint", json_boolean(aurmig_migration_is_branch_point(m)));
	json_object_set_new(o, "mergepoint", json_boolean(aurmig_migration_is_merge_point(m)));
	json_object_set_new(o, "current", json_boolean(is_current));
	return o;
}

int jout_print(json_t *o)
{
	int rc;

	if (!o) {
		fprintf(stderr, "aurmig: out of memory\n");
		return EXIT_ERROR;
	}
	rc = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(o);
	fputc('\n', stdout);
	return rc ? EXIT_ERROR : EXIT_OK;
}

void jout_error(cli *c, int rc, int exit_code)
{
	const aurmig_error *e = c->ctx ? aurmig_error_last(c->ctx) : NULL;
	json_t *o = json_object(), *err = json_object();

	if (!o || !err) {
		json_decref(o);
		json_decref(err);
		return;
	}
	json_object_set_new(err, "code", json_integer(rc));
	json_object_set_new(err, "exit_code", json_integer(exit_code));
	json_object_set_new(err, "message", json_string(e && e->message && *e->message ? e->message : aurmig_error_str(rc)));
	if (e && e->file)
		json_object_set_new(err, "file", json_string(e->file));
	if (e && e->line)
		json_object_set_new(err, "line", json_integer(e->line));
	if (e && e->revision)
		json_object_set_new(err, "revision", json_string(e->revision));
	if (e && e->statement)
		json_object_set_new(err, "statement", json_string(e->statement));
	json_object_set_new(o, "error", err);
	jout_print(o);
}
