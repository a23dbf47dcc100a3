/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --json output (jansson). The shapes are documented in docs/json.md. */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/*
 * With --json every outcome is one JSON document on stdout (docs/json.md).
 * Verbs print theirs; for the outcomes that only wrote a message to stderr
 * (usage errors, "no database given", ...), jout_finish() prints the error
 * document with that message. So stderr is passed through a stream that
 * writes to fd 2 as before and keeps the first line that is not a warning.
 */
static int documents;          /* JSON documents printed */
static char first_msg[2048];   /* the first error line written to stderr */
static char line[2048];
static size_t line_len;
static int line_cut;

static void keep_line(void)
{
	char *p = line, *q;

	line[line_len] = '\0';
	/* colours out, "aurmig: " and "error: " off */
	for (q = line; *p;) {
		if (*p == '\033') {
			p += strcspn(p, "m");
			p += *p != '\0';
		} else {
			*q++ = *p++;
		}
	}
	*q = '\0';
	p = line;
	if (!strncmp(p, "aurmig: ", 8))
		p += 8;
	if (!strncmp(p, "error: ", 7))
		p += 7;
	if (!first_msg[0] && *p && strncmp(p, "warning:", 8) != 0 && strncmp(p, "  ", 2) != 0)
		snprintf(first_msg, sizeof(first_msg), "%s", p);
	line_len = 0;
	line_cut = 0;
}

static ssize_t tee_write(void *cookie, const char *buf, size_t n)
{
	size_t done = 0;

	(void)cookie;
	while (done < n) {
		ssize_t w = write(STDERR_FILENO, buf + done, n - done);
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n')
			keep_line();
		else if (line_len + 1 < sizeof(line))
			line[line_len++] = buf[i];
		else
			line_cut = 1;
	}
	return (ssize_t)n;
}

void jout_capture_stderr(void)
{
	cookie_io_functions_t io = { NULL, tee_write, NULL, NULL };
	FILE *f = fopencookie(NULL, "w", io);

	if (!f)
		return;
	setvbuf(f, NULL, _IOLBF, 0);
	fflush(stderr);
	stderr = f;   /* glibc: stderr is an ordinary variable */
}

void jout_finish(int exit_code)
{
	json_t *o, *err;

	fflush(stderr);
	if (line_len)
		keep_line();
	if (documents)
		return;
	o = json_object();
	json_object_set_new(o, "ok", json_boolean(exit_code == EXIT_OK));
	json_object_set_new(o, "exit_code", json_integer(exit_code));
	json_object_set_new(o, "changed", json_false());
	if (exit_code != EXIT_OK) {
		const char *msg = first_msg[0] ? first_msg : "failed (no message)";
		err = json_object();
		json_object_set_new(err, "exit_code", json_integer(exit_code));
		json_object_set_new(err, "message", json_string(msg));
		json_object_set_new(o, "message", json_string(msg));
		json_object_set_new(o, "error", err);
	}
	jout_print(o);
}

int jout_print(json_t *o)
{
	int rc;

	if (!o) {
		fprintf(stderr, "aurmig: out of memory\n");
		return EXIT_ERROR;
	}
	if (documents++) {
		/* one document per run: a second one is a bug, not output */
		json_decref(o);
		return EXIT_OK;
	}
	rc = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(o);
	fputc('\n', stdout);
	return rc ? EXIT_ERROR : EXIT_OK;
}

json_t *jout_error_new(cli *c, int rc, int exit_code)
{
	const aurmig_error *e = c->ctx ? aurmig_error_last(c->ctx) : NULL;
	const char *msg = e && e->message && *e->message ? e->message : aurmig_error_str(rc);
	json_t *o = json_object(), *err = json_object();

	if (!o || !err) {
		json_decref(o);
		json_decref(err);
		return NULL;
	}
	json_object_set_new(err, "code", json_integer(rc));
	if (aurmig_error_name(rc))
		json_object_set_new(err, "name", json_string(aurmig_error_name(rc)));
	json_object_set_new(err, "exit_code", json_integer(exit_code));
	json_object_set_new(err, "message", json_string(msg));
	if (e && e->file)
		json_object_set_new(err, "file", json_string(e->file));
	if (e && e->line)
		json_object_set_new(err, "line", json_integer(e->line));
	if (e && e->revision)
		json_object_set_new(err, "revision", json_string(e->revision));
	if (e && e->statement)
		json_object_set_new(err, "statement", json_string(e->statement));
	json_object_set_new(o, "ok", json_false());
	json_object_set_new(o, "exit_code", json_integer(exit_code));
	json_object_set_new(o, "changed", json_false());
	json_object_set_new(o, "message", json_stringn(msg, strcspn(msg, "\n")));
	json_object_set_new(o, "error", err);
	return o;
}

void jout_error(cli *c, int rc, int exit_code)
{
	json_t *o = jout_error_new(c, rc, exit_code);

	if (o)
		jout_print(o);
}
