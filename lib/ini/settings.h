/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Connection settings: parsed from a URL or from aurweb's INI configuration. */
#ifndef AURMIG_SETTINGS_H
#define AURMIG_SETTINGS_H

#include "base/internal.h"

typedef struct aurmig__settings {
	int dialect;          /* aurmig_dialect */
	const char *driver;   /* libdbi driver name: "sqlite3", "mysql", "pgsql" (static string) */
	char *host;           /* NULL when unset */
	char *socket;         /* unix socket path, NULL when unset */
	int port;             /* 0 when unset */
	char *user;           /* NULL when unset */
	char *password;       /* NULL when unset; never put in messages */
	char *dbname;         /* database name; for SQLite the file's base name */
	char *sqlite_dir;     /* SQLite only: directory of the file ("." for a bare name) */
	char *display_url;    /* canonical URL with the password replaced by "***" */
} aurmig__settings;

/* Parse a URL (see include/aurmig/conn.h for the forms). AURMIG_EINVALID with
 * a message naming the problem (never the password) on bad input. */
int aurmig__settings_from_url(aurmig__settings *out, aurmig_context *ctx, const char *url);

/* Read aurweb's configuration as aurweb's config.py does: the defaults file
 * (defaults; NULL or "" means "<path>.defaults"), when it is a regular file,
 * then the file at path on top, with Python's RawConfigParser rules
 * (inifile.c). Section [database]: backend (mysql, sqlite or postgres),
 * host, socket, port, name, user, password. AURMIG_EIO when a file is
 * unreadable, AURMIG_EPARSE (file:line) when malformed or missing keys. */
int aurmig__settings_from_aurweb_config_layered(aurmig__settings *out, aurmig_context *ctx,
	const char *path, const char *defaults);
/* The same with defaults "<path>.defaults". */
int aurmig__settings_from_aurweb_config(aurmig__settings *out, aurmig_context *ctx, const char *path);

void aurmig__settings_clear(aurmig__settings *s);

#endif
