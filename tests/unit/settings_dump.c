/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helper: read aurweb's configuration with aurmig's reader and print
 * the [database] settings, one "key<TAB>value" line each (absent keys are
 * not printed), or "error<TAB>message". Compared against Python's
 * configparser by tests/unit/compare_configparser.py.
 *
 * Usage: settings_dump CONFIG [DEFAULTS]
 */
#include <stdio.h>
#include <string.h>

#include "ini/settings.h"

static void put(const char *key, const char *value)
{
	if (value)
		printf("%s\t%s\n", key, value);
}

int main(int argc, char **argv)
{
	aurmig_context *ctx;
	aurmig__settings s;
	int rc;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: settings_dump CONFIG [DEFAULTS]\n");
		return 2;
	}
	if (aurmig_context_new(&ctx) != AURMIG_OK)
		return 1;
	rc = aurmig__settings_from_aurweb_config_layered(&s, ctx, argv[1], argc > 2 ? argv[2] : NULL);
	if (rc) {
		printf("error\t%s\n", aurmig_error_last(ctx)->message);
	} else {
		static const char *const names[] = { "?", "sqlite", "mysql", "postgres" };
		char port[16];

		put("backend", s.dialect >= 1 && s.dialect <= 3 ? names[s.dialect] : "?");
		put("host", s.host);
		put("socket", s.socket);
		snprintf(port, sizeof(port), "%d", s.port);
		put("port", s.port ? port : NULL);
		put("user", s.user);
		put("password", s.password);
		if (s.sqlite_dir && strcmp(s.sqlite_dir, ".") != 0) {
			printf("name\t%s%s%s\n", s.sqlite_dir, strcmp(s.sqlite_dir, "/") ? "/" : "", s.dbname);
		} else {
			put("name", s.dbname);
		}
		aurmig__settings_clear(&s);
	}
	aurmig_context_free(ctx);
	return 0;
}
