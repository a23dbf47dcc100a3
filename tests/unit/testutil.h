/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the C tests: temporary directories and script files. */
#ifndef AURMIG_TESTUTIL_H
#define AURMIG_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aurmig/aurmig.h"
#include <unistd.h>

/* A fresh directory under $TMPDIR; the caller frees the string. */
static inline char *tu_mkdtemp(void)
{
	const char *t = getenv("TMPDIR");
	char *p = malloc(4096);
	assert_non_null(p);
	snprintf(p, 4096, "%s/aurmig-test-XXXXXX", t && *t ? t : "/tmp");
	assert_non_null(mkdtemp(p));
	return p;
}

static inline void tu_write(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	fclose(f);
}

/* Remove a directory tree one level deep (files and empty subdirectories). */
static inline void tu_rmtree(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];

	if (d) {
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (unlink(path) != 0)
				rmdir(path);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

/* A minimal valid script text. */
static inline char *tu_script(const char *id, const char *down, const char *extra_headers)
{
	char *s = malloc(4096);
	assert_non_null(s);
	snprintf(s, 4096,
		"-- aurmig:revision %s\n"
		"%s%s%s"
		"-- aurmig:message msg %s\n"
		"%s"
		"\n-- aurmig:upgrade\nCREATE TABLE t_%s (id INTEGER);\n"
		"-- aurmig:downgrade\nDROP TABLE t_%s;\n",
		id, down ? "-- aurmig:down_revision " : "", down ? down : "", down ? "\n" : "",
		id, extra_headers ? extra_headers : "", id, id);
	return s;
}

static inline void tu_add(const char *dir, const char *id, const char *down, const char *extra)
{
	char name[256];
	char *s = tu_script(id, down, extra);
	snprintf(name, sizeof(name), "%s_script.sql", id);
	tu_write(dir, name, s);
	free(s);
}

/* A graph fixture: a context and a temporary scripts directory (fill it
 * with tu_add, then tu_fx_load), freed with the graph by tu_fx_free. */
typedef struct tu_fx {
	aurmig_context *ctx;
	aurmig_graph *g;
	char *dir;
} tu_fx;

static inline tu_fx *tu_fx_new(void)
{
	tu_fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(aurmig_context_new(&f->ctx), AURMIG_OK);
	f->dir = tu_mkdtemp();
	return f;
}

static inline void tu_fx_load(tu_fx *f)
{
	assert_int_equal(aurmig_graph_load(&f->g, f->ctx, f->dir), AURMIG_OK);
}

static inline int tu_fx_free(void **state)
{
	tu_fx *f = *state;
	aurmig_graph_free(f->g);
	tu_rmtree(f->dir);
	aurmig_context_free(f->ctx);
	free(f);
	return 0;
}

#endif
