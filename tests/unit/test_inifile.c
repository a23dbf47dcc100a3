/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/ini/inifile_*.c: the format-preserving editor of aurweb's INI configuration. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ini/inifile.h"
#include "aurmig/ini.h"

#define NOBODY 65534

/* ---------------------------------------------------------------- helpers */

static int setup_ctx(void **state)
{
	aurmig_context *ctx;

	if (aurmig_context_new(&ctx) != AURMIG_OK)
		return -1;
	*state = ctx;
	return 0;
}

static int teardown_ctx(void **state)
{
	aurmig_context_free(*state);
	return 0;
}

/* Path of a file in tests/data/ini/ (static buffer). */
static const char *data_path(const char *name)
{
	static char buf[4096];
	const char *root = getenv("AURMIG_SOURCE_ROOT");
	int n;

	if (!root || !*root)
		root = ".";
	n = snprintf(buf, sizeof(buf), "%s/tests/data/ini/%s", root, name);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	return buf;
}

/* The whole file, NUL-terminated; *len its size (may be NULL). */
static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return p;
}

static char *data_text(const char *name)
{
	return read_all(data_path(name), NULL);
}

static void write_all(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

/* LF -> CRLF */
static char *crlf(const char *s)
{
	size_t n = 0;
	char *p, *q;

	for (const char *t = s; *t; t++)
		n += *t == '\n' ? 2 : 1;
	p = q = malloc(n + 1);
	assert_non_null(p);
	for (; *s; s++) {
		if (*s == '\n')
			*q++ = '\r';
		*q++ = *s;
	}
	*q = '\0';
	return p;
}

static aurmig__ini *parse_str(aurmig_context *ctx, const char *text, const char *name)
{
	aurmig__ini *ini = NULL;
	int rc = aurmig__ini_parse(&ini, ctx, text, strlen(text), name);

	if (rc)
		fail_msg("parse failed: %s", aurmig_error_last(ctx)->message);
	assert_non_null(ini);
	return ini;
}

static aurmig__ini *load_data(aurmig_context *ctx, const char *name)
{
	aurmig__ini *ini = NULL;
	int rc = aurmig__ini_load(&ini, ctx, data_path(name));

	if (rc)
		fail_msg("load failed: %s", aurmig_error_last(ctx)->message);
	assert_non_null(ini);
	return ini;
}

static void assert_text(const aurmig__ini *ini, const char *want)
{
	size_t len;
	const char *got = aurmig__ini_text(ini, &len);

	assert_int_equal(len, strlen(want));
	assert_string_equal(got, want);
}

/* Render through aurmig__ini_render and compare. */
static void assert_render(aurmig_context *ctx, const aurmig__ini *ini, const char *want, size_t want_len)
{
	aurmig__buf b;

	aurmig__buf_init(&b, ctx);
	assert_int_equal(aurmig__ini_render(ini, &b), AURMIG_OK);
	assert_int_equal(b.len, want_len);
	assert_memory_equal(b.p ? b.p : "", want, want_len);
	aurmig__buf_dispose(&b);
}

static void assert_error(aurmig_context *ctx, int code, const char *message)
{
	const aurmig_error *e = aurmig_error_last(ctx);

	assert_int_equal(e->code, code);
	assert_string_equal(e->message, message);
}

/* ---------------------------------------------------------------- reading */

static void test_roundtrip_files(void **state)
{
	static const char *const files[] = {
		"aurweb.ini", "aurweb-crlf.ini", "no-final-newline.ini", "bom.ini",
	};
	aurmig_context *ctx = *state;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *text = read_all(data_path(files[i]), &len);
		aurmig__ini *ini = load_data(ctx, files[i]);

		assert_render(ctx, ini, text, len);
		assert_false(aurmig__ini_modified(ini));
		aurmig__ini_free(ini);
		free(text);
	}
}

static void test_roundtrip_odd_texts(void **state)
{
	static const char *const texts[] = {
		"",
		"\n",
		"; only a comment",
		"[a]",
		"[a]\r\nk=v\n\r\n",          /* mixed line endings */
		"[a]\nk = v\n\n\n\n",
		"  [a]  \n  k  :  v  \n\t\n",
		"\xef\xbb\xbf",
		"\xef\xbb\xbf[a]\nk=v",
	};
	aurmig_context *ctx = *state;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		aurmig__ini *ini = parse_str(ctx, texts[i], "odd.ini");
		assert_render(ctx, ini, texts[i], strlen(texts[i]));
		aurmig__ini_free(ini);
	}
}

static void test_crlf_sample_matches_lf(void **state)
{
	char *lf = data_text("aurweb.ini"), *cr = data_text("aurweb-crlf.ini"), *conv = crlf(lf);

	(void)state;
	assert_string_equal(cr, conv);
	free(lf);
	free(cr);
	free(conv);
}

static void test_get(void **state)
{
	static const char *const files[] = { "aurweb.ini", "aurweb-crlf.ini" };
	aurmig_context *ctx = *state;

	for (size_t i = 0; i < 2; i++) {
		aurmig__ini *ini = load_data(ctx, files[i]);

		assert_string_equal(aurmig__ini_get(ini, "database", "backend"), "mysql");
		assert_string_equal(aurmig__ini_get(ini, "database", "password"), "hunter2-example");
		assert_null(aurmig__ini_get(ini, "database", "port"));      /* commented out */
		assert_string_equal(aurmig__ini_get(ini, "options", "max_search_results"), "2500");
		assert_string_equal(aurmig__ini_get(ini, "options", "max_depends"), "1000");
		assert_string_equal(aurmig__ini_get(ini, "options", "enable-maintenance"), "0");
		/* no inline comments in configparser */
		assert_string_equal(aurmig__ini_get(ini, "options", "maintenance-exceptions"),
			"127.0.0.1 ; not a comment for configparser");
		assert_string_equal(aurmig__ini_get(ini, "notifications", "sendmail"), "");
		assert_string_equal(aurmig__ini_get(ini, "notifications", "welcome"),
			"Welcome to the AUR.\nPlease read the guidelines\n\nbefore uploading.");
		assert_string_equal(aurmig__ini_get(ini, "notifications", "sender"), "notify@aur.example.org");
		assert_string_equal(aurmig__ini_get(ini, "serve", "repo-regex"), "[a-z0-9][a-z0-9.+_-]*$");
		/* keys keep their case, as aurweb's optionxform does */
		assert_non_null(aurmig__ini_get(ini, "fingerprints", "Ed25519"));
		assert_null(aurmig__ini_get(ini, "fingerprints", "ed25519"));
		assert_null(aurmig__ini_get(ini, "Database", "backend"));
		assert_null(aurmig__ini_get(ini, "nosuch", "backend"));
		assert_null(aurmig__ini_get(ini, "devel", "commit_hash"));

		assert_true(aurmig__ini_has_section(ini, "devel"));
		assert_true(aurmig__ini_has_section(ini, "fingerprints"));
		assert_false(aurmig__ini_has_section(ini, "tracing"));
		assert_false(aurmig__ini_has_section(ini, "DEFAULT"));

		assert_int_equal(aurmig__ini_line_of(ini, "database", NULL), 4);
		assert_int_equal(aurmig__ini_line_of(ini, "database", "socket"), 7);
		assert_int_equal(aurmig__ini_line_of(ini, "notifications", "welcome"), 36);
		assert_int_equal(aurmig__ini_line_of(ini, "notifications", "nosuch"), 0);
		assert_int_equal(aurmig__ini_line_of(ini, "nosuch", NULL), 0);
		aurmig__ini_free(ini);
	}
}

static void test_get_rules(void **state)
{
	aurmig_context *ctx = *state;
	aurmig__ini *ini = parse_str(ctx,
		"[DEFAULT]\n"
		"shared = from default\n"
		"[a]\n"
		"  indented = 1\n"
		"  next = 2\n"
		"      cont\n"
		"k:v=w\n"
		"e=\n"
		"    \n"
		"    only continuation\n"
		"[ spaced ] trailing text\n"
		"Key = upper\n"
		"shared = own\n", "rules.ini");

	assert_string_equal(aurmig__ini_get(ini, "a", "shared"), "from default");
	assert_string_equal(aurmig__ini_get(ini, "DEFAULT", "shared"), "from default");
	assert_string_equal(aurmig__ini_get(ini, " spaced ", "shared"), "own");
	assert_string_equal(aurmig__ini_get(ini, "a", "indented"), "1");
	assert_string_equal(aurmig__ini_get(ini, "a", "next"), "2\ncont");
	assert_string_equal(aurmig__ini_get(ini, "a", "k"), "v=w");
	assert_string_equal(aurmig__ini_get(ini, "a", "e"), "\n\nonly continuation");
	assert_string_equal(aurmig__ini_get(ini, " spaced ", "Key"), "upper");
	assert_null(aurmig__ini_get(ini, " spaced ", "key"));
	assert_null(aurmig__ini_get(ini, "nosuch", "shared"));     /* no section: nothing, like configparser */
	assert_true(aurmig__ini_has_section(ini, "DEFAULT"));
	aurmig__ini_free(ini);
}

static void test_fold_key_case(void **state)
{
	aurmig_context *ctx = *state;
	const char *text = "[a]\nKey = v\nother = w\n";
	aurmig__ini *ini = NULL;
	int applied;

	assert_int_equal(aurmig__ini_parse_ex(&ini, ctx, text, strlen(text), "fold.ini", AURMIG__INI_FOLD_KEY_CASE),
		AURMIG_OK);
	assert_string_equal(aurmig__ini_get(ini, "a", "KEY"), "v");
	assert_string_equal(aurmig__ini_get(ini, "a", "key"), "v");
	/* the file's spelling stays */
	assert_int_equal(aurmig__ini_set(ini, "a", "key", "new", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_OK);
	assert_true(applied);
	assert_text(ini, "[a]\nKey = new\nother = w\n");
	/* a case-only rename */
	assert_int_equal(aurmig__ini_rename_key(ini, "a", "KEY", "key", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_OK);
	assert_true(applied);
	assert_text(ini, "[a]\nkey = new\nother = w\n");
	assert_int_equal(aurmig__ini_rename_key(ini, "a", "key", "OTHER", AURMIG__INI_ALWAYS, NULL, &applied),
		AURMIG_ECONFLICT);
	aurmig__ini_free(ini);

	/* duplicates by folded case */
	text = "[a]\nk = 1\nK = 2\n";
	assert_int_equal(aurmig__ini_parse_ex(&ini, ctx, text, strlen(text), "fold.ini", AURMIG__INI_FOLD_KEY_CASE),
		AURMIG_EPARSE);
	assert_error(ctx, AURMIG_EPARSE, "fold.ini:3: key 'K' appears twice in [a] (first at line 2)");
	assert_int_equal(aurmig__ini_parse(&ini, ctx, text, strlen(text), "exact.ini"), AURMIG_OK);
	aurmig__ini_free(ini);
}

/* ---------------------------------------------------------------- errors */

typedef struct parse_case {
	const char *text;
	size_t len;       /* 0: strlen */
	const char *message;
	int line;
} parse_case;

static void test_parse_errors(void **state)
{
	static const parse_case cases[] = {
		{ "key = v\n", 0, "t.ini:1: a line before the first [section] header", 1 },
		{ "; comment\n\n  x = 1\n", 0, "t.ini:3: a line before the first [section] header", 3 },
		{ "[a]\nk = 1\nnot a pair\n", 0,
		  "t.ini:3: not a [section] header, a key = value line, a comment or an indented continuation line", 3 },
		{ "[a]\n[]\n", 0,
		  "t.ini:2: not a [section] header, a key = value line, a comment or an indented continuation line", 2 },
		{ "[a]\n= v\n", 0, "t.ini:2: a line with '=' but no key before it", 2 },
		{ "[a]\n  : v\n", 0, "t.ini:2: a line with ':' but no key before it", 2 },
		{ "[a]\nk=1\n[b]\n[a] again\n", 0, "t.ini:4: section [a] appears twice (first at line 1)", 4 },
		{ "[DEFAULT]\n[DEFAULT]\n", 0, "t.ini:2: section [DEFAULT] appears twice (first at line 1)", 2 },
		{ "[a]\nk=1\n\n; c\nk : 2\n", 0, "t.ini:5: key 'k' appears twice in [a] (first at line 2)", 5 },
		{ "[a]\nk=1\rx=2\n", 0, "t.ini:2: a carriage return that does not end the line", 2 },
		{ "[a]\nk=1\r", 0, "t.ini:2: a carriage return that does not end the line", 2 },
		{ "[a]\nk=\0\n", 7, "t.ini:2: contains a NUL byte", 2 },
	};
	aurmig_context *ctx = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const parse_case *c = &cases[i];
		aurmig__ini *ini = (aurmig__ini *)1;
		const aurmig_error *e;

		assert_int_equal(aurmig__ini_parse(&ini, ctx, c->text, c->len ? c->len : strlen(c->text), "t.ini"),
			AURMIG_EPARSE);
		assert_null(ini);
		e = aurmig_error_last(ctx);
		assert_string_equal(e->message, c->message);
		assert_int_equal(e->klass, AURMIG_ERRCLASS_CONFIG);
		assert_string_equal(e->file, "t.ini");
		assert_int_equal(e->line, c->line);
	}
}

static void test_load_errors(void **state)
{
	aurmig_context *ctx = *state;
	aurmig__ini *ini = (aurmig__ini *)1;
	char want[4200];

	assert_int_equal(aurmig__ini_load(&ini, ctx, data_path("bad-line.ini")), AURMIG_EPARSE);
	assert_null(ini);
	snprintf(want, sizeof(want), "%s:5: not a [section] header, a key = value line, a comment or an indented "
		"continuation line", data_path("bad-line.ini"));
	assert_error(ctx, AURMIG_EPARSE, want);
	/* the message never shows the line: it might hold the password */
	assert_null(strstr(aurmig_error_last(ctx)->message, "s3cret"));

	assert_int_equal(aurmig__ini_load(&ini, ctx, data_path("nosuch.ini")), AURMIG_ENOTFOUND);
	snprintf(want, sizeof(want), "%s: cannot open: %s", data_path("nosuch.ini"), strerror(ENOENT));
	assert_error(ctx, AURMIG_ENOTFOUND, want);

	assert_int_equal(aurmig__ini_load(&ini, ctx, data_path("expected")), AURMIG_EIO);
	snprintf(want, sizeof(want), "%s: cannot read: not a regular file", data_path("expected"));
	assert_error(ctx, AURMIG_EIO, want);

	assert_int_equal(aurmig__ini_load(NULL, ctx, "x"), AURMIG_EINVALID);
	assert_int_equal(aurmig__ini_load(&ini, ctx, NULL), AURMIG_EINVALID);
}

/* ---------------------------------------------------------------- edits, byte for byte */

enum { SET, REMOVE, RENAME_KEY, RENAME_SECTION, ADD_SECTION, REMOVE_SECTION };

typedef struct edit_case {
	const char *expected;   /* file in tests/data/ini/expected/ */
	int op;
	const char *a, *b, *c;  /* section, key, value / new name */
} edit_case;

static const edit_case edit_cases[] = {
	{ "set-in-place.ini", SET, "options", "max_depends", "2000" },
	{ "set-empty-value.ini", SET, "notifications", "sendmail", "/usr/sbin/sendmail" },
	{ "set-append.ini", SET, "options", "git_clone_uri_ssh", "ssh://aur@aur.example.org/%s.git" },
	{ "set-keyless-section.ini", SET, "devel", "commit_hash", "abc1234" },
	{ "set-new-section.ini", SET, "tracing", "otlp_endpoint", "http://localhost:4318" },
	{ "set-multiline-to-single.ini", SET, "notifications", "welcome", "Hello." },
	{ "set-multiline.ini", SET, "notifications", "welcome", "Welcome!\nRead the rules\n\nthen upload." },
	{ "set-new-multiline.ini", SET, "options", "motd", "Planned downtime\nSunday 10:00 UTC" },
	{ "remove-multiline.ini", REMOVE, "notifications", "welcome", NULL },
	{ "remove.ini", REMOVE, "serve", "repo-regex", NULL },
	{ "rename-key.ini", RENAME_KEY, "database", "socket", "unix_socket" },
	{ "rename-colon-key.ini", RENAME_KEY, "options", "enable-maintenance", "maintenance-mode" },
	{ "rename-section.ini", RENAME_SECTION, "serve", "git", NULL },
	{ "add-section.ini", ADD_SECTION, "tracing", NULL, NULL },
	{ "remove-section.ini", REMOVE_SECTION, "fingerprints", NULL, NULL },
};

static const char *const tracing_pairs[] = {
	"otlp_endpoint", "http://localhost:4318",
	"service_name", "aurweb",
};

static int run_edit(aurmig__ini *ini, const edit_case *c, int *applied)
{
	switch (c->op) {
	case SET: return aurmig__ini_set(ini, c->a, c->b, c->c, AURMIG__INI_ALWAYS, NULL, applied);
	case REMOVE: return aurmig__ini_remove(ini, c->a, c->b, AURMIG__INI_ALWAYS, NULL, applied);
	case RENAME_KEY: return aurmig__ini_rename_key(ini, c->a, c->b, c->c, AURMIG__INI_ALWAYS, NULL, applied);
	case RENAME_SECTION: return aurmig__ini_rename_section(ini, c->a, c->b, applied);
	case REMOVE_SECTION: return aurmig__ini_remove_section(ini, c->a, 0, applied);
	default: return aurmig__ini_add_section(ini, c->a, tracing_pairs, 2, applied);
	}
}

static void test_edits_exact(void **state)
{
	aurmig_context *ctx = *state;

	for (size_t i = 0; i < sizeof(edit_cases) / sizeof(edit_cases[0]); i++) {
		const edit_case *c = &edit_cases[i];
		char name[256];
		char *want, *want_crlf;

		snprintf(name, sizeof(name), "expected/%s", c->expected);
		want = data_text(name);
		want_crlf = crlf(want);
		for (int v = 0; v < 2; v++) {
			aurmig__ini *ini = load_data(ctx, v ? "aurweb-crlf.ini" : "aurweb.ini");
			int applied = -1;

			if (run_edit(ini, c, &applied) != AURMIG_OK)
				fail_msg("%s: %s", c->expected, aurmig_error_last(ctx)->message);
			assert_int_equal(applied, 1);
			assert_true(aurmig__ini_modified(ini));
			assert_text(ini, v ? want_crlf : want);
			/* the same edit again changes nothing */
			if (c->op != RENAME_KEY && c->op != RENAME_SECTION) {
				assert_int_equal(run_edit(ini, c, &applied), AURMIG_OK);
				assert_int_equal(applied, 0);
				assert_text(ini, v ? want_crlf : want);
			}
			aurmig__ini_free(ini);
		}
		free(want);
		free(want_crlf);
	}
}

static void test_edits_read_back(void **state)
{
	aurmig_context *ctx = *state;
	aurmig__ini *ini = load_data(ctx, "aurweb.ini");
	int applied;

	for (size_t i = 0; i < sizeof(edit_cases) / sizeof(edit_cases[0]); i++) {
		const edit_case *c = &edit_cases[i];

		assert_int_equal(run_edit(ini, c, &applied), AURMIG_OK);
		if (c->op == SET)
			assert_string_equal(aurmig__ini_get(ini, c->a, c->b), c->c);
	}
	assert_null(aurmig__ini_get(ini, "notifications", "welcome"));
	assert_null(aurmig__ini_get(ini, "database", "socket"));
	assert_string_equal(aurmig__ini_get(ini, "database", "unix_socket"), "/var/run/mysqld/mysqld.sock");
	assert_string_equal(aurmig__ini_get(ini, "options", "maintenance-mode"), "0");
	assert_string_equal(aurmig__ini_get(ini, "git", "repo-path"), "/srv/http/aurweb/aur.git/");
	assert_false(aurmig__ini_has_section(ini, "serve"));
	assert_false(aurmig__ini_has_section(ini, "fingerprints"));
	assert_null(aurmig__ini_get(ini, "fingerprints", "Ed25519"));
	assert_string_equal(aurmig__ini_get(ini, "options", "motd"), "Planned downtime\nSunday 10:00 UTC");
	assert_string_equal(aurmig__ini_get(ini, "tracing", "otlp_endpoint"), "http://localhost:4318");
	aurmig__ini_free(ini);
}

typedef struct text_case {
	const char *before;
	int op;
	const char *a, *b, *c;
	const char *after;
} text_case;

static void test_edits_small(void **state)
{
	static const text_case cases[] = {
		/* no final newline stays so */
		{ "[database]\nbackend = sqlite\nname = /srv/aurweb/aur.db", SET, "database", "backend", "mysql",
		  "[database]\nbackend = mysql\nname = /srv/aurweb/aur.db" },
		{ "[database]\nbackend = sqlite\nname = /srv/aurweb/aur.db", SET, "database", "name", "aurweb",
		  "[database]\nbackend = sqlite\nname = aurweb" },
		{ "[database]\nbackend = sqlite\nname = /srv/aurweb/aur.db", SET, "database", "host", "localhost",
		  "[database]\nbackend = sqlite\nname = /srv/aurweb/aur.db\nhost = localhost" },
		{ "[database]\nbackend = sqlite\nname = /srv/aurweb/aur.db", REMOVE, "database", "name", NULL,
		  "[database]\nbackend = sqlite" },
		{ "[database]\nbackend = sqlite\nname = /srv/aurweb/aur.db", SET, "options", "aur_location", "x",
		  "[database]\nbackend = sqlite\nname = /srv/aurweb/aur.db\n\n[options]\naur_location = x" },
		{ "[database]\nbackend = sqlite\nname = db\n    more", SET, "database", "name", "x\ny",
		  "[database]\nbackend = sqlite\nname = x\n    y" },
		{ "[a]", SET, "a", "k", "v", "[a]\nk = v" },
		/* a byte order mark stays */
		{ "\xef\xbb\xbf[a]\r\nk = v\r\n", SET, "b", "k", "w", "\xef\xbb\xbf[a]\r\nk = v\r\n\r\n[b]\r\nk = w\r\n" },
		{ "\xef\xbb\xbf", SET, "a", "k", "v", "\xef\xbb\xbf[a]\nk = v\n" },
		/* empty file, file ending in a blank line, in a comment */
		{ "", SET, "a", "k", "v", "[a]\nk = v\n" },
		{ "[a]\nk = v\n\n", SET, "b", "k", "v", "[a]\nk = v\n\n[b]\nk = v\n" },
		{ "[a]\nk = v\n# end\n", SET, "b", "k", "v", "[a]\nk = v\n# end\n\n[b]\nk = v\n" },
		/* spacing around the delimiter, empty values */
		{ "[a]\nk=\n", SET, "a", "k", "v", "[a]\nk=v\n" },
		{ "[a]\nk =\n", SET, "a", "k", "v", "[a]\nk = v\n" },
		{ "[a]\nk :  \n", SET, "a", "k", "v", "[a]\nk :  v\n" },
		{ "[a]\nk = v   \n", SET, "a", "k", "w", "[a]\nk = w   \n" },
		{ "[a]\nk = v\n", SET, "a", "k", "", "[a]\nk =\n" },
		{ "[a]\n\tk\t:\tv\n", SET, "a", "j", "w", "[a]\n\tk\t:\tv\n\tj\t:\tw\n" },
		/* new sections take the spacing most keys use */
		{ "[a]\nx=1\ny=2\nz = 3\n", ADD_SECTION, "b", NULL, NULL, "[a]\nx=1\ny=2\nz = 3\n\n[b]\n" },
		{ "[a]\nx=1\ny=2\nz = 3\n", SET, "b", "k", "v", "[a]\nx=1\ny=2\nz = 3\n\n[b]\nk=v\n" },
		/* a key for a section without keys goes under the header... */
		{ "[a]\n; c\n\n[b]\nk = v\n", SET, "a", "n", "1", "[a]\nn = 1\n; c\n\n[b]\nk = v\n" },
		/* ...indented so that an indented next header stays a header */
		{ "[a]\n  [b]\nk = v\n", SET, "a", "n", "1", "[a]\n  n = 1\n  [b]\nk = v\n" },
		/* comment lines and blank lines between continuation lines go with the value */
		{ "[a]\nk = 1\n  2\n# c\n\n  3\n# after\nj = 4\n", REMOVE, "a", "k", NULL, "[a]\n# after\nj = 4\n" },
		{ "[a]\nk = 1\n  2\n\n", SET, "a", "k", "x", "[a]\nk = x\n\n" },
		/* an indented continuation after a blank line */
		{ "[a]\n  k = 1\n\n      2\n  j = 3\n", SET, "a", "k", "one\ntwo", "[a]\n  k = one\n      two\n  j = 3\n" },
		/* a key added after a section's last key, before the comment leading into the next one */
		{ "[a]\nk = 1\n  2\n\n# next\n[b]\n", SET, "a", "j", "3", "[a]\nk = 1\n  2\nj = 3\n\n# next\n[b]\n" },
		/* rename keeps what follows the ']' */
		{ "[a] ; old\nk = v\n", RENAME_SECTION, "a", "b", NULL, "[b] ; old\nk = v\n" },
		{ "[a]\n  K  =  v\n", RENAME_KEY, "a", "K", "key", "[a]\n  key  =  v\n" },
	};
	aurmig_context *ctx = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const text_case *c = &cases[i];
		edit_case e = { "small", c->op, c->a, c->b, c->c };
		aurmig__ini *ini = parse_str(ctx, c->before, "small.ini");
		int applied = -1, rc;

		if (c->op == ADD_SECTION)
			rc = aurmig__ini_add_section(ini, c->a, NULL, 0, &applied);
		else
			rc = run_edit(ini, &e, &applied);
		if (rc)
			fail_msg("case %zu: %s", i, aurmig_error_last(ctx)->message);
		assert_int_equal(applied, 1);
		assert_text(ini, c->after);
		aurmig__ini_free(ini);
	}
}

static void test_remove_section(void **state)
{
	static const struct {
		const char *before, *section;
		int if_empty, applied;
		const char *after;
	} cases[] = {
		/* a middle section and the blank line before it; the comment leading into the next stays */
		{ "[a]\nk = 1\n\n[b]\nx = 1\n ; in b\ny = 2\n\n# about c\n[c]\nz = 3\n", "b", 0, 1,
		  "[a]\nk = 1\n\n# about c\n[c]\nz = 3\n" },
		/* the last section goes to the end of the file, comments included */
		{ "[a]\nk = 1\n\n[b]\nx = 1\n# end\n\n", "b", 0, 1, "[a]\nk = 1\n" },
		/* the first one: the blank line after it goes */
		{ "[a]\nk = 1\n\n[b]\nx = 1\n", "a", 0, 1, "[b]\nx = 1\n" },
		/* a comment right above the header goes with it, one separated by a blank line stays */
		{ "; file\n\n[a]\nk = 1\n\n; the b section\n; two lines\n[b]\nx = 1\n\n[c]\n", "b", 0, 1,
		  "; file\n\n[a]\nk = 1\n\n[c]\n" },
		{ "; file\n\n[a]\nk = 1\n", "a", 0, 1, "; file\n" },
		/* continuation lines, the comments and blank lines among them */
		{ "[a]\nk = 1\n  2\n\n  # c\n  3\n[b]\n", "a", 0, 1, "[b]\n" },
		/* a missing final newline stays missing, CRLF and a byte order mark stay */
		{ "[a]\nk = 1\n\n[b]\nx = 1", "b", 0, 1, "[a]\nk = 1" },
		{ "\xef\xbb\xbf[a]\r\nk = 1\r\n\r\n[b]\r\nx = 1\r\n\r\n[c]\r\n", "b", 0, 1,
		  "\xef\xbb\xbf[a]\r\nk = 1\r\n\r\n[c]\r\n" },
		{ "\xef\xbb\xbf[a]\nk = 1\n", "a", 0, 1, "\xef\xbb\xbf" },
		/* [DEFAULT] is a section like the others */
		{ "[DEFAULT]\nd = 1\n\n[a]\nk = 1\n", "DEFAULT", 0, 1, "[a]\nk = 1\n" },
		/* if-empty: only without keys (comments do not count) */
		{ "[a]\nk = 1\n\n[b]\n; nothing yet\n\n[c]\n", "b", 1, 1, "[a]\nk = 1\n; nothing yet\n\n[c]\n" },
		{ "[a]\nk = 1\n\n[b]\n", "b", 1, 1, "[a]\nk = 1\n" },
		{ "[a]\nk = 1\n\n[b]\nx = 1\n", "b", 1, 0, NULL },
		/* missing, case-sensitive */
		{ "[a]\nk = 1\n", "b", 0, 0, NULL },
		{ "[a]\nk = 1\n", "A", 0, 0, NULL },
	};
	aurmig_context *ctx = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		aurmig__ini *ini = parse_str(ctx, cases[i].before, "rs.ini");
		int applied = -1;

		if (aurmig__ini_remove_section(ini, cases[i].section, cases[i].if_empty, &applied))
			fail_msg("case %zu: %s", i, aurmig_error_last(ctx)->message);
		if (applied != cases[i].applied)
			fail_msg("case %zu: applied %d", i, applied);
		assert_text(ini, cases[i].after ? cases[i].after : cases[i].before);
		assert_int_equal(aurmig__ini_modified(ini), cases[i].applied);
		assert_int_equal(aurmig__ini_has_section(ini, cases[i].section), !cases[i].applied && cases[i].if_empty);
		/* again, unconditionally: nothing left to remove (if-empty left one with keys) */
		assert_int_equal(aurmig__ini_remove_section(ini, cases[i].section, 0, &applied), AURMIG_OK);
		assert_int_equal(applied, cases[i].applied ? 0 : cases[i].if_empty);
		aurmig__ini_free(ini);
	}
}

/* add-section then remove-section gives the file back, byte for byte
 * (unless it ended with a blank line: that one is taken as the separator) */
static void test_remove_section_reverses_add(void **state)
{
	static const char *const texts[] = {
		"", "[a]\nk = 1\n", "[a]\nk = 1", "; only a comment\n", "\xef\xbb\xbf[a]\r\nk = 1\r\n",
		"[a]\nk = 1\n# trailing comment\n", "[a]\n  k = 1\n    2\n",
	};
	static const char *const pairs[] = { "x", "1", "y", "a\nb" };
	aurmig_context *ctx = *state;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		aurmig__ini *ini = parse_str(ctx, texts[i], "rt.ini");
		int applied = -1;

		assert_int_equal(aurmig__ini_add_section(ini, "sso", pairs, 2, &applied), AURMIG_OK);
		assert_int_equal(applied, 1);
		assert_int_equal(aurmig__ini_remove_section(ini, "sso", 1, &applied), AURMIG_OK);
		assert_int_equal(applied, 0);   /* it has keys */
		assert_int_equal(aurmig__ini_remove_section(ini, "sso", 0, &applied), AURMIG_OK);
		assert_int_equal(applied, 1);
		assert_text(ini, texts[i]);
		aurmig__ini_free(ini);
	}
}

static void test_remove_section_errors(void **state)
{
	aurmig_context *ctx = *state;
	/* [c] is indented: without [b] in between it would continue k's value */
	const char *text = "[a]\nk = 1\n[b]\n  [c]\n";
	aurmig__ini *ini = parse_str(ctx, text, "rse.ini");
	int applied = -1;

	assert_int_equal(aurmig__ini_remove_section(ini, "b", 0, &applied), AURMIG_ERROR);
	assert_error(ctx, AURMIG_ERROR, "rse.ini: internal error: the edit would change the meaning of other lines");
	assert_int_equal(applied, 0);
	assert_int_equal(aurmig__ini_remove_section(ini, NULL, 0, &applied), AURMIG_EINVALID);
	assert_int_equal(aurmig__ini_remove_section(ini, "b", 0, NULL), AURMIG_EINVALID);
	assert_text(ini, text);
	assert_false(aurmig__ini_modified(ini));
	aurmig__ini_free(ini);
}

static void test_conditions(void **state)
{
	aurmig_context *ctx = *state;
	const char *text = "[DEFAULT]\nshared = d\n[a]\nk = 1\nj = 2\n";
	aurmig__ini *ini = parse_str(ctx, text, "cond.ini");
	int applied;

	/* only if unset */
	assert_int_equal(aurmig__ini_set(ini, "a", "k", "9", AURMIG__INI_IF_UNSET, NULL, &applied), AURMIG_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(aurmig__ini_set(ini, "a", "shared", "9", AURMIG__INI_IF_UNSET, NULL, &applied), AURMIG_OK);
	assert_int_equal(applied, 0);   /* aurweb sees [DEFAULT]'s value */
	assert_text(ini, text);
	assert_false(aurmig__ini_modified(ini));
	assert_int_equal(aurmig__ini_set(ini, "a", "n", "3", AURMIG__INI_IF_UNSET, NULL, &applied), AURMIG_OK);
	assert_int_equal(applied, 1);
	assert_text(ini, "[DEFAULT]\nshared = d\n[a]\nk = 1\nj = 2\nn = 3\n");
	assert_true(aurmig__ini_modified(ini));

	/* only if equal */
	assert_int_equal(aurmig__ini_set(ini, "a", "k", "10", AURMIG__INI_IF_EQUAL, "2", &applied), AURMIG_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(aurmig__ini_set(ini, "a", "nosuch", "10", AURMIG__INI_IF_EQUAL, "", &applied), AURMIG_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(aurmig__ini_set(ini, "a", "k", "10", AURMIG__INI_IF_EQUAL, "1", &applied), AURMIG_OK);
	assert_int_equal(applied, 1);
	assert_string_equal(aurmig__ini_get(ini, "a", "k"), "10");
	/* setting the value it has changes nothing */
	assert_int_equal(aurmig__ini_set(ini, "a", "k", "10", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_OK);
	assert_int_equal(applied, 0);

	/* remove */
	assert_int_equal(aurmig__ini_remove(ini, "a", "j", AURMIG__INI_IF_EQUAL, "3", &applied), AURMIG_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(aurmig__ini_remove(ini, "a", "j", AURMIG__INI_IF_EQUAL, "2", &applied), AURMIG_OK);
	assert_int_equal(applied, 1);
	assert_int_equal(aurmig__ini_remove(ini, "a", "j", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(aurmig__ini_remove(ini, "a", "shared", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_OK);
	assert_int_equal(applied, 0);   /* only [DEFAULT] has it */
	assert_int_equal(aurmig__ini_remove(ini, "nosuch", "k", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_OK);
	assert_int_equal(applied, 0);

	/* rename key */
	assert_int_equal(aurmig__ini_rename_key(ini, "a", "k", "key", AURMIG__INI_IF_EQUAL, "1", &applied), AURMIG_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(aurmig__ini_rename_key(ini, "a", "k", "key", AURMIG__INI_IF_EQUAL, "10", &applied), AURMIG_OK);
	assert_int_equal(applied, 1);
	assert_int_equal(aurmig__ini_rename_key(ini, "a", "k", "key", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_OK);
	assert_int_equal(applied, 0);   /* done before */
	assert_text(ini, "[DEFAULT]\nshared = d\n[a]\nkey = 10\nn = 3\n");

	/* rename / add section */
	assert_int_equal(aurmig__ini_rename_section(ini, "nosuch", "b", &applied), AURMIG_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(aurmig__ini_rename_section(ini, "a", "a", &applied), AURMIG_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(aurmig__ini_add_section(ini, "a", NULL, 0, &applied), AURMIG_OK);
	assert_int_equal(applied, 0);
	assert_text(ini, "[DEFAULT]\nshared = d\n[a]\nkey = 10\nn = 3\n");
	aurmig__ini_free(ini);
}

static void test_edit_errors(void **state)
{
	aurmig_context *ctx = *state;
	const char *text = "[a]\nk = 1\nj = 2\n[b]\n";
	aurmig__ini *ini = parse_str(ctx, text, "e.ini");
	static const char *const dup_pairs[] = { "x", "1", "x", "2" };
	static const char *const bad_pairs[] = { "x", " 1" };
	int applied = -1;

	/* conflicts */
	assert_int_equal(aurmig__ini_rename_key(ini, "a", "k", "j", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_ECONFLICT);
	assert_int_equal(applied, 0);
	assert_error(ctx, AURMIG_ECONFLICT, "e.ini:3: cannot rename key 'k' (line 2) in [a]: 'j' exists");
	assert_int_equal(aurmig__ini_rename_section(ini, "a", "b", &applied), AURMIG_ECONFLICT);
	assert_error(ctx, AURMIG_ECONFLICT, "e.ini:4: cannot rename section [a] (line 1): [b] exists");

	/* values and names that would not read back the same */
	assert_int_equal(aurmig__ini_set(ini, "a", "k", " lead", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_EINVALID);
	assert_error(ctx, AURMIG_EINVALID, "e.ini: cannot write the value: the value starts or ends with a blank");
	assert_int_equal(aurmig__ini_set(ini, "a", "k", "trail\t", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_EINVALID);
	assert_int_equal(aurmig__ini_set(ini, "a", "k", "a\r", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_EINVALID);
	assert_int_equal(aurmig__ini_set(ini, "a", "k", "a\n", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_EINVALID);
	assert_error(ctx, AURMIG_EINVALID, "e.ini: cannot write the value: the value ends with a line break");
	assert_int_equal(aurmig__ini_set(ini, "a", "k", "a\n b", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_EINVALID);
	assert_int_equal(aurmig__ini_set(ini, "a", "k", "a\n#b", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_EINVALID);
	assert_error(ctx, AURMIG_EINVALID,
		"e.ini: cannot write the value: a continuation line of the value starts with '#' or ';'");
	assert_int_equal(aurmig__ini_set(ini, "a", "k=x", "v", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_EINVALID);
	assert_error(ctx, AURMIG_EINVALID, "e.ini: cannot write the key: the key contains '=' or ':'");
	assert_int_equal(aurmig__ini_set(ini, "a", "", "v", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_EINVALID);
	assert_int_equal(aurmig__ini_set(ini, "a", " k", "v", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_EINVALID);
	assert_int_equal(aurmig__ini_set(ini, "a", "#k", "v", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_EINVALID);
	assert_int_equal(aurmig__ini_set(ini, "a", "[k]", "v", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_EINVALID);
	assert_int_equal(aurmig__ini_set(ini, "", "k", "v", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_EINVALID);
	assert_int_equal(aurmig__ini_set(ini, "a\nb", "k", "v", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_EINVALID);
	assert_int_equal(aurmig__ini_rename_key(ini, "a", "k", "x:y", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_EINVALID);
	assert_int_equal(aurmig__ini_rename_section(ini, "a", "", &applied), AURMIG_EINVALID);
	assert_int_equal(aurmig__ini_add_section(ini, "c", dup_pairs, 2, &applied), AURMIG_EINVALID);
	assert_error(ctx, AURMIG_EINVALID, "e.ini: cannot add section [c]: key 'x' given twice");
	assert_int_equal(aurmig__ini_add_section(ini, "c", bad_pairs, 1, &applied), AURMIG_EINVALID);

	/* conditions an edit does not take */
	assert_int_equal(aurmig__ini_remove(ini, "a", "k", AURMIG__INI_IF_UNSET, NULL, &applied), AURMIG_EINVALID);
	assert_int_equal(aurmig__ini_rename_key(ini, "a", "k", "x", AURMIG__INI_IF_UNSET, NULL, &applied), AURMIG_EINVALID);
	assert_int_equal(aurmig__ini_set(ini, "a", "k", "x", AURMIG__INI_IF_EQUAL, NULL, &applied), AURMIG_EINVALID);
	assert_int_equal(aurmig__ini_set(ini, "a", "k", "x", AURMIG__INI_ALWAYS, NULL, NULL), AURMIG_EINVALID);
	assert_int_equal(aurmig__ini_set(ini, NULL, "k", "x", AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_EINVALID);

	assert_int_equal(applied, 0);
	assert_text(ini, text);
	assert_false(aurmig__ini_modified(ini));
	aurmig__ini_free(ini);
}

/* ---------------------------------------------------------------- checksum */

static void test_checksum(void **state)
{
	aurmig_context *ctx = *state;
	char sum[AURMIG__INI_CHECKSUM_SIZE], sum2[AURMIG__INI_CHECKSUM_SIZE];
	aurmig__ini *ini;
	int applied;
	size_t len;
	const char *t;

	aurmig__ini_checksum_text("", 0, sum);
	assert_string_equal(sum, "v1:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	aurmig__ini_checksum_text("abc", 3, sum);
	assert_string_equal(sum, "v1:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

	ini = load_data(ctx, "aurweb.ini");
	aurmig__ini_checksum(ini, sum);
	t = aurmig__ini_text(ini, &len);
	aurmig__ini_checksum_text(t, len, sum2);
	assert_string_equal(sum, sum2);
	assert_int_equal(strlen(sum), AURMIG__INI_CHECKSUM_SIZE - 1);
	assert_int_equal(aurmig__ini_set(ini, "options", "max_depends", "2000", AURMIG__INI_ALWAYS, NULL, &applied),
		AURMIG_OK);
	aurmig__ini_checksum(ini, sum2);
	assert_string_not_equal(sum, sum2);
	aurmig__ini_free(ini);

	/* every byte counts: CRLF and LF differ */
	aurmig__ini_checksum_text("a\n", 2, sum);
	aurmig__ini_checksum_text("a\r\n", 3, sum2);
	assert_string_not_equal(sum, sum2);
}

/* ---------------------------------------------------------------- diff */

static void assert_diff(aurmig_context *ctx, const char *a, const char *b, const char *path, const char *want)
{
	aurmig__buf out;

	aurmig__buf_init(&out, ctx);
	assert_int_equal(aurmig__ini_diff(a, b, path, &out), AURMIG_OK);
	assert_string_equal(out.p ? out.p : "", want);
	aurmig__buf_dispose(&out);
}

static void test_diff(void **state)
{
	aurmig_context *ctx = *state;

	assert_diff(ctx, "a\nb\n", "a\nb\n", "x", "");
	/* one change, three lines of context, absolute path */
	assert_diff(ctx, "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n", "/etc/aurweb/config",
		"--- a/etc/aurweb/config\n+++ b/etc/aurweb/config\n"
		"@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
	/* changes 7 lines apart: two hunks; 6 apart: one */
	assert_diff(ctx, "a\n1\n2\n3\n4\n5\n6\n7\nb\n", "A\n1\n2\n3\n4\n5\n6\n7\nB\n", "x",
		"--- a/x\n+++ b/x\n"
		"@@ -1,4 +1,4 @@\n-a\n+A\n 1\n 2\n 3\n"
		"@@ -6,4 +6,4 @@\n 5\n 6\n 7\n-b\n+B\n");
	assert_diff(ctx, "a\n1\n2\n3\n4\n5\n6\nb\n", "A\n1\n2\n3\n4\n5\n6\nB\n", "x",
		"--- a/x\n+++ b/x\n"
		"@@ -1,8 +1,8 @@\n-a\n+A\n 1\n 2\n 3\n 4\n 5\n 6\n-b\n+B\n");
	/* a missing final newline */
	assert_diff(ctx, "a\nb", "a\nb\nc", "x",
		"--- a/x\n+++ b/x\n"
		"@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n\\ No newline at end of file\n");
	/* empty files: "l,0" names the line before */
	assert_diff(ctx, "", "[a]\nk = v\n", "x", "--- a/x\n+++ b/x\n@@ -0,0 +1,2 @@\n+[a]\n+k = v\n");
	assert_diff(ctx, "k\n", "", "x", "--- a/x\n+++ b/x\n@@ -1 +0,0 @@\n-k\n");
	/* an insertion: one-line ranges drop ",1" */
	assert_diff(ctx, "a\nc\n", "a\nb\nc\n", "x", "--- a/x\n+++ b/x\n@@ -1,2 +1,3 @@\n a\n+b\n c\n");
	/* CRLF lines stay as they are */
	assert_diff(ctx, "a\r\nb\r\n", "a\r\nc\r\n", "x", "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n");
}

static void test_diff_of_edit(void **state)
{
	aurmig_context *ctx = *state;
	aurmig__ini *ini = load_data(ctx, "aurweb.ini");
	char *old = data_text("aurweb.ini");
	int applied;

	assert_int_equal(aurmig__ini_set(ini, "options", "git_clone_uri_ssh", "ssh://aur@aur.example.org/%s.git",
		AURMIG__INI_ALWAYS, NULL, &applied), AURMIG_OK);
	assert_diff(ctx, old, aurmig__ini_text(ini, NULL), "/etc/aurweb/config",
		"--- a/etc/aurweb/config\n+++ b/etc/aurweb/config\n"
		"@@ -21,6 +21,7 @@\n"
		" request_idle_time = 1209600\n"
		" enable-maintenance: 0\n"
		" maintenance-exceptions = 127.0.0.1 ; not a comment for configparser\n"
		"+git_clone_uri_ssh = ssh://aur@aur.example.org/%s.git\n"
		" \t\n"
		" # SSH host key fingerprints, shown on the home page.\n"
		" [fingerprints]\n");
	free(old);
	aurmig__ini_free(ini);
}

/* ---------------------------------------------------------------- saving */

static char *path_in(const char *dir, const char *name)
{
	char *p = malloc(4096);

	assert_non_null(p);
	snprintf(p, 4096, "%s/%s", dir, name);
	return p;
}

/* A fresh directory holding "config" with the sample text and the mode. */
static char *save_dir(const char *text, mode_t mode)
{
	const char *t = getenv("TMPDIR");
	char *dir = malloc(4096), *p;

	assert_non_null(dir);
	snprintf(dir, 4096, "%s/aurmig-ini-XXXXXX", t && *t ? t : "/tmp");
	assert_non_null(mkdtemp(dir));
	p = path_in(dir, "config");
	write_all(p, text);
	assert_int_equal(chmod(p, mode), 0);
	free(p);
	return dir;
}

static void rmtree(char *dir)
{
	DIR *d;
	struct dirent *de;

	chmod(dir, 0700);
	d = opendir(dir);
	if (d) {
		while ((de = readdir(d))) {
			char *p;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			p = path_in(dir, de->d_name);
			unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

/* The directory's entries, sorted, joined by spaces. */
static void listing(const char *dir, char *out, size_t size)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);

	assert_true(n >= 0);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
			if (out[0])
				strncat(out, " ", size - strlen(out) - 1);
			strncat(out, names[i]->d_name, size - strlen(out) - 1);
		}
		free(names[i]);
	}
	free(names);
}

static void assert_listing(const char *dir, const char *want)
{
	char got[4096];

	listing(dir, got, sizeof(got));
	assert_string_equal(got, want);
}

static void assert_file(const char *dir, const char *name, const char *want, mode_t mode)
{
	char *p = path_in(dir, name), *got = read_all(p, NULL);
	struct stat st;

	assert_string_equal(got, want);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, mode);
	free(got);
	free(p);
}

/* Load dir/config and set a key. */
static aurmig__ini *load_and_edit(aurmig_context *ctx, const char *path)
{
	aurmig__ini *ini = NULL;
	int applied;

	assert_int_equal(aurmig__ini_load(&ini, ctx, path), AURMIG_OK);
	assert_int_equal(aurmig__ini_set(ini, "options", "max_depends", "2000", AURMIG__INI_ALWAYS, NULL, &applied),
		AURMIG_OK);
	return ini;
}

static void test_save(void **state)
{
	aurmig_context *ctx = *state;
	char *old = data_text("aurweb.ini"), *want = data_text("expected/set-in-place.ini");
	char *dir = save_dir(old, 0640), *path = path_in(dir, "config");
	aurmig__ini *ini = load_and_edit(ctx, path);
	struct stat st;

	assert_int_equal(aurmig__ini_save_atomic(ini, ctx, path, ".bak"), AURMIG_OK);
	assert_false(aurmig__ini_modified(ini));
	assert_file(dir, "config", want, 0640);
	assert_file(dir, "config.bak", old, 0640);
	assert_listing(dir, "config config.bak");

	/* again: the backup is replaced by the previous version */
	assert_int_equal(aurmig__ini_save_atomic(ini, ctx, path, ".bak"), AURMIG_OK);
	assert_file(dir, "config.bak", want, 0640);
	assert_listing(dir, "config config.bak");

	/* no backup asked for; the owner is kept (root can give it away) */
	if (geteuid() == 0)
		assert_int_equal(chown(path, NOBODY, NOBODY), 0);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(aurmig__ini_save_atomic(ini, ctx, path, NULL), AURMIG_OK);
	assert_int_equal(aurmig__ini_save_atomic(ini, ctx, path, ""), AURMIG_OK);
	assert_listing(dir, "config config.bak");
	assert_file(dir, "config", want, 0600);
	assert_int_equal(stat(path, &st), 0);
	if (geteuid() == 0) {
		assert_int_equal(st.st_uid, NOBODY);
		assert_int_equal(st.st_gid, NOBODY);
	}
	aurmig__ini_free(ini);
	free(path);
	rmtree(dir);
	free(old);
	free(want);
}

static void test_save_symlink(void **state)
{
	aurmig_context *ctx = *state;
	char *old = data_text("aurweb.ini"), *want = data_text("expected/set-in-place.ini");
	char *dir = save_dir(old, 0644), *path = path_in(dir, "config"), *link = path_in(dir, "link");
	aurmig__ini *ini;
	struct stat st;

	assert_int_equal(symlink("config", link), 0);
	ini = load_and_edit(ctx, link);
	assert_int_equal(aurmig__ini_save_atomic(ini, ctx, link, "~"), AURMIG_OK);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_file(dir, "config", want, 0644);
	assert_file(dir, "config~", old, 0644);
	assert_listing(dir, "config config~ link");
	aurmig__ini_free(ini);
	free(link);
	free(path);
	rmtree(dir);
	free(old);
	free(want);
}

static void test_save_errors(void **state)
{
	aurmig_context *ctx = *state;
	char *dir = save_dir("[a]\n", 0644), *path = path_in(dir, "nosuch"), want[4200];
	aurmig__ini *ini = parse_str(ctx, "[a]\nk = v\n", "x.ini");

	assert_int_equal(aurmig__ini_save_atomic(ini, ctx, path, ".bak"), AURMIG_ENOTFOUND);
	snprintf(want, sizeof(want), "%s: cannot find the file to replace: %s", path, strerror(ENOENT));
	assert_error(ctx, AURMIG_ENOTFOUND, want);
	assert_int_equal(aurmig__ini_save_atomic(ini, ctx, dir, ".bak"), AURMIG_EIO);
	snprintf(want, sizeof(want), "%s: not a regular file", dir);
	assert_error(ctx, AURMIG_EIO, want);
	assert_int_equal(aurmig__ini_save_atomic(ini, ctx, NULL, ".bak"), AURMIG_EINVALID);
	free(path);
	path = path_in(dir, "config");
	assert_int_equal(aurmig__ini_save_atomic(ini, ctx, path, "/../x"), AURMIG_EINVALID);
	assert_file(dir, "config", "[a]\n", 0644);
	assert_listing(dir, "config");
	aurmig__ini_free(ini);
	free(path);
	rmtree(dir);
}

static const char *const step_names[] = {
	"", "STAT", "CREATE", "WRITE", "CHOWN", "CHMOD", "FSYNC", "CLOSE", "BACKUP_LINK", "BACKUP_COPY",
	"OPENDIR", "RENAME", "SYNCDIR",
};

static void test_save_faults(void **state)
{
	aurmig_context *ctx = *state;
	char *old = data_text("aurweb.ini"), *want = data_text("expected/set-in-place.ini");

	assert_int_equal(sizeof(step_names) / sizeof(step_names[0]), AURMIG__INI_SAVE_NSTEPS);
	for (int step = 1; step < AURMIG__INI_SAVE_NSTEPS; step++) {
		char *dir = save_dir(old, 0640), *path = path_in(dir, "config");
		aurmig__ini *ini = load_and_edit(ctx, path);
		int rc;

		print_message("fault at step %d (%s)\n", step, step_names[step]);
		aurmig__ini_test_fail_save_step(ini, step);
		rc = aurmig__ini_save_atomic(ini, ctx, path, ".bak");
		if (step == AURMIG__INI_SAVE_BACKUP_LINK) {
			/* the file system "refuses" the hard link: the backup is a copy */
			assert_int_equal(rc, AURMIG_OK);
			assert_file(dir, "config", want, 0640);
			assert_file(dir, "config.bak", old, 0640);
			assert_listing(dir, "config config.bak");
		} else if (step == AURMIG__INI_SAVE_SYNCDIR) {
			/* after the commit point: reported, the new text is in place */
			assert_int_equal(rc, AURMIG_EIO);
			assert_non_null(strstr(aurmig_error_last(ctx)->message, "the new file is in place"));
			assert_file(dir, "config", want, 0640);
			assert_file(dir, "config.bak", old, 0640);
			assert_listing(dir, "config config.bak");
			assert_true(aurmig__ini_modified(ini));
		} else {
			assert_int_equal(rc, AURMIG_EIO);
			assert_int_equal(aurmig_error_last(ctx)->code, AURMIG_EIO);
			assert_string_equal(aurmig_error_last(ctx)->file, path);
			assert_true(aurmig__ini_modified(ini));
			assert_file(dir, "config", old, 0640);
			if (step >= AURMIG__INI_SAVE_OPENDIR) {
				/* the backup was made: a copy of the untouched original */
				assert_file(dir, "config.bak", old, 0640);
				assert_listing(dir, "config config.bak");
			} else {
				assert_listing(dir, "config");
			}
		}
		aurmig__ini_free(ini);
		free(path);
		rmtree(dir);
	}
	free(old);
	free(want);
}

/*
 * As a user other than root (root ignores directory permissions): run fn in
 * a child that became "nobody" if we are root; the child reports through
 * its exit status (0 = fine), never through cmocka.
 */
static int as_unprivileged(int (*fn)(const char *dir, const char *text, const char *cause), const char *dir,
	const char *text, const char *cause)
{
	pid_t pid;
	int status;

	if (geteuid() != 0)
		return fn(dir, text, cause);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
			_exit(90);
		_exit(fn(dir, text, cause));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* 0 when saving dir/config fails with AURMIG_EIO, a message naming cause,
 * and leaves the file as it was. */
static int save_fails_cleanly(const char *dir, const char *text, const char *cause)
{
	aurmig_context *ctx;
	aurmig__ini *ini = NULL;
	char path[4096], got[8192];
	int applied, rc, result = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/config", dir);
	if (aurmig_context_new(&ctx) != AURMIG_OK)
		return 91;
	if (aurmig__ini_load(&ini, ctx, path) != AURMIG_OK ||
	    aurmig__ini_set(ini, "options", "max_depends", "2000", AURMIG__INI_ALWAYS, NULL, &applied) != AURMIG_OK) {
		result = 92;
		goto out;
	}
	rc = aurmig__ini_save_atomic(ini, ctx, path, ".bak");
	if (rc != AURMIG_EIO || !strstr(aurmig_error_last(ctx)->message, cause))
		result = 93;
	f = fopen(path, "rb");
	if (!f) {
		result = 94;
		goto out;
	}
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	if (strcmp(got, text) != 0)
		result = 95;
out:
	aurmig__ini_free(ini);
	aurmig_context_free(ctx);
	return result;
}

static void test_save_read_only_dir(void **state)
{
	char *old = data_text("aurweb.ini");
	char *dir = save_dir(old, 0644), *path = path_in(dir, "config");

	(void)state;
	if (geteuid() == 0) {
		assert_int_equal(chown(dir, NOBODY, NOBODY), 0);
		assert_int_equal(chown(path, NOBODY, NOBODY), 0);
	}
	assert_int_equal(chmod(dir, 0555), 0);
	assert_int_equal(as_unprivileged(save_fails_cleanly, dir, old,
		"cannot create a temporary file next to it: Permission denied"), 0);
	assert_listing(dir, "config");
	assert_file(dir, "config", old, 0644);
	free(path);
	rmtree(dir);
	free(old);
}

/* Another user's file in a directory we may write: the owner cannot be kept. */
static void test_save_foreign_owner(void **state)
{
	char *old = data_text("aurweb.ini");
	char *dir, *path;
	struct stat st;

	(void)state;
	if (geteuid() != 0) {
		skip();   /* needs root to set up a file owned by someone else */
		return;
	}
	dir = save_dir(old, 0644);
	path = path_in(dir, "config");
	assert_int_equal(chown(dir, NOBODY, NOBODY), 0);   /* root keeps owning config */
	assert_int_equal(as_unprivileged(save_fails_cleanly, dir, old,
		"cannot give the new file the owner 0:0 of the old one (run as root or as the owner): "
		"Operation not permitted"), 0);
	assert_listing(dir, "config");
	assert_file(dir, "config", old, 0644);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, 0);
	free(path);
	rmtree(dir);
	free(old);
}

/* ---------------------------------------------------------------- allocation failures */

/* Every allocating operation once; returns the first failure. */
static int scenario(aurmig_context *ctx, const char *path, const char *sample)
{
	static const char *const pairs[] = { "otlp_endpoint", "http://localhost:4318", "service_name", "aurweb" };
	aurmig__ini *ini = NULL, *ini2 = NULL;
	aurmig__buf out, diff;
	char sum[AURMIG__INI_CHECKSUM_SIZE], *before = NULL;
	int applied, rc;

	aurmig__buf_init(&out, ctx);
	aurmig__buf_init(&diff, ctx);
	if ((rc = aurmig__ini_load(&ini, ctx, path)))
		goto done;
	if ((rc = aurmig__ini_parse_ex(&ini2, ctx, sample, strlen(sample), "sample", AURMIG__INI_FOLD_KEY_CASE)))
		goto done;
#define EDIT(call) do { \
		free(before); \
		before = strdup(aurmig__ini_text(ini, NULL)); \
		assert_non_null(before); \
		if ((rc = (call))) { \
			assert_string_equal(aurmig__ini_text(ini, NULL), before); /* all or nothing */ \
			goto done; \
		} \
		assert_int_equal(applied, 1); \
	} while (0)
	EDIT(aurmig__ini_set(ini, "options", "max_depends", "2000", AURMIG__INI_IF_EQUAL, "1000", &applied));
	EDIT(aurmig__ini_set(ini, "options", "motd", "a\nb", AURMIG__INI_IF_UNSET, NULL, &applied));
	EDIT(aurmig__ini_set(ini, "devel", "commit_hash", "abc", AURMIG__INI_ALWAYS, NULL, &applied));
	EDIT(aurmig__ini_set(ini, "tracing", "endpoint", "x", AURMIG__INI_ALWAYS, NULL, &applied));
	EDIT(aurmig__ini_remove(ini, "notifications", "welcome", AURMIG__INI_ALWAYS, NULL, &applied));
	EDIT(aurmig__ini_rename_key(ini, "database", "socket", "unix_socket", AURMIG__INI_ALWAYS, NULL, &applied));
	EDIT(aurmig__ini_rename_section(ini, "serve", "git", &applied));
	EDIT(aurmig__ini_add_section(ini, "metrics", pairs, 2, &applied));
	EDIT(aurmig__ini_remove_section(ini, "fingerprints", 0, &applied));
#undef EDIT
	if ((rc = aurmig__ini_render(ini, &out)))
		goto done;
	aurmig__ini_checksum(ini, sum);
	if ((rc = aurmig__ini_diff(sample, out.p, path, &diff)))
		goto done;
	rc = aurmig__ini_save_atomic(ini, ctx, path, ".bak");
done:
	free(before);
	aurmig__buf_dispose(&out);
	aurmig__buf_dispose(&diff);
	aurmig__ini_free(ini);
	aurmig__ini_free(ini2);
	return rc;
}

static void test_alloc_failures(void **state)
{
	aurmig_context *ctx = *state;
	char *sample = data_text("aurweb.ini");
	char *dir = save_dir(sample, 0640), *path = path_in(dir, "config");
	unsigned long n;
	int rc = AURMIG_ENOMEM;

	for (n = 1; n < 10000; n++) {
		write_all(path, sample);
		aurmig__context_fail_alloc_at(ctx, n);
		rc = scenario(ctx, path, sample);
		aurmig__context_fail_alloc_at(ctx, 0);
		if (rc == AURMIG_OK)
			break;
		if (rc != AURMIG_ENOMEM)
			fail_msg("allocation %lu: %d (%s)", n, rc, aurmig_error_last(ctx)->message);
		assert_int_equal(aurmig_error_last(ctx)->code, AURMIG_ENOMEM);
		assert_file(dir, "config", sample, 0640);
		assert_listing(dir, "config");
	}
	assert_int_equal(rc, AURMIG_OK);
	print_message("%lu allocation failures walked\n", n - 1);
	assert_listing(dir, "config config.bak");
	/* the walk reached every allocation: a full run makes exactly n - 1 */
	write_all(path, sample);
	aurmig__context_fail_alloc_at(ctx, ULONG_MAX);
	assert_int_equal(scenario(ctx, path, sample), AURMIG_OK);
	assert_int_equal(ctx->alloc_count, n - 1);
	aurmig__context_fail_alloc_at(ctx, 0);
	free(path);
	rmtree(dir);
	free(sample);
}

/* ---- aurmig_ini_read(): the public reader, key by key ---- */

typedef struct seen {
	char text[8192];
	int stop_at;   /* stop at this key (1-based; 0: never) */
	int n;
} seen;

static int collect(void *payload, const char *section, const char *key, const char *value, int line)
{
	seen *s = payload;
	size_t len = strlen(s->text);

	snprintf(s->text + len, sizeof(s->text) - len, "%d [%s] %s=<%s>\n", line, section, key, value);
	return ++s->n == s->stop_at;
}

static void test_public_read(void **state)
{
	aurmig_context *ctx = *state;
	char longval[1001];
	char *text, *dir, *p;
	seen s = { "", 0, 0 };

	memset(longval, 'x', 1000);
	longval[1000] = '\0';
	assert_true(asprintf(&text, "# comment\n[hooks]\nrun = a ; b # c\nKey: %%(v)s\n  next line\n\n[lint]\nlong = %s\n",
		longval) > 0);
	dir = save_dir(text, 0600);
	p = path_in(dir, "config");
	assert_int_equal(aurmig_ini_read(ctx, p, collect, &s), AURMIG_OK);
	assert_int_equal(aurmig_error_last(ctx)->code, AURMIG_OK);
	assert_int_equal(s.n, 3);
	assert_non_null(strstr(s.text, "3 [hooks] run=<a ; b # c>\n4 [hooks] Key=<%(v)s\nnext line>\n8 [lint] long=<"));
	assert_non_null(strstr(s.text, longval));
	/* the callback stops the reading */
	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	assert_int_equal(aurmig_ini_read(ctx, p, collect, &s), AURMIG_EUSER);
	assert_int_equal(s.n, 1);
	/* a syntax error names the file and line; nothing is reported before it */
	write_all(p, "[a]\nk = 1\nnot a key\n");
	memset(&s, 0, sizeof(s));
	assert_int_equal(aurmig_ini_read(ctx, p, collect, &s), AURMIG_EPARSE);
	assert_int_equal(s.n, 0);
	assert_int_equal(aurmig_error_last(ctx)->line, 3);
	assert_string_equal(aurmig_error_last(ctx)->file, p);
	unlink(p);
	assert_int_equal(aurmig_ini_read(ctx, p, collect, &s), AURMIG_ENOTFOUND);
	assert_int_equal(aurmig_ini_read(ctx, NULL, collect, &s), AURMIG_EINVALID);
	assert_int_equal(aurmig_ini_read(NULL, p, collect, &s), AURMIG_EINVALID);
	free(p);
	rmtree(dir);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_files, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_roundtrip_odd_texts, setup_ctx, teardown_ctx),
		cmocka_unit_test(test_crlf_sample_matches_lf),
		cmocka_unit_test_setup_teardown(test_get, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_get_rules, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_fold_key_case, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_parse_errors, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_load_errors, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_edits_exact, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_edits_read_back, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_edits_small, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_remove_section, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_remove_section_reverses_add, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_remove_section_errors, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_conditions, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_edit_errors, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_checksum, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_diff, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_diff_of_edit, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_save, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_save_symlink, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_save_errors, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_save_faults, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_save_read_only_dir, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_save_foreign_owner, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_alloc_failures, setup_ctx, teardown_ctx),
		cmocka_unit_test_setup_teardown(test_public_read, setup_ctx, teardown_ctx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
