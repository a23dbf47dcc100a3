/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The dialect table (base/dialect.h), and the public names of dialects. */
#include <string.h>
#include <strings.h>

#include "base/dialect.h"
#include "aurmig/graph.h"

static const char *const sqlite_aliases[] = { "sqlite3", NULL };
static const char *const sqlite_schemes[] = { "sqlite", NULL };
static const char *const mysql_aliases[] = { "mariadb", NULL };
static const char *const mysql_schemes[] = { "mysql", "mariadb", NULL };
static const char *const pgsql_aliases[] = { "postgresql", "postgres", NULL };
static const char *const pgsql_schemes[] = { "pgsql", "postgresql", "postgres", NULL };

static const aurmig__dialect dialects[] = {
	{ AURMIG_DIALECT_SQLITE, "sqlite", "SQLite", sqlite_aliases, sqlite_schemes, "sqlite3", 1 },
	{ AURMIG_DIALECT_MYSQL, "mysql", "MariaDB/MySQL", mysql_aliases, mysql_schemes, "mysql", 0 },
	{ AURMIG_DIALECT_PGSQL, "pgsql", "PostgreSQL", pgsql_aliases, pgsql_schemes, "pgsql", 1 },
};

const aurmig__dialect *aurmig__dialect_get(int id)
{
	for (size_t i = 0; i < sizeof(dialects) / sizeof(dialects[0]); i++)
		if (dialects[i].id == id)
			return &dialects[i];
	return NULL;
}

const char *aurmig__dialect_name(int id)
{
	const aurmig__dialect *d = aurmig__dialect_get(id);

	return id == AURMIG_DIALECT_ANY ? "" : d ? d->name : NULL;
}

static int word_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

int aurmig__dialect_from_name(const char *s, size_t n)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof(dialects) / sizeof(dialects[0]); i++) {
		if (word_is(s, n, dialects[i].name))
			return dialects[i].id;
		for (const char *const *a = dialects[i].aliases; *a; a++)
			if (word_is(s, n, *a))
				return dialects[i].id;
	}
	return -1;
}

int aurmig__dialect_from_scheme(const char *s, size_t n, const char **scheme_out)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof(dialects) / sizeof(dialects[0]); i++)
		for (const char *const *a = dialects[i].url_schemes; *a; a++)
			if (word_is(s, n, *a)) {
				if (scheme_out)
					*scheme_out = *a;
				return dialects[i].id;
			}
	return -1;
}

const char *aurmig_dialect_name(int dialect)
{
	return dialect == AURMIG_DIALECT_ANY ? "portable" : aurmig__dialect_name(dialect);
}

int aurmig_dialect_from_name(const char *name)
{
	if (name && (!strcasecmp(name, "portable") || !strcasecmp(name, "any")))
		return AURMIG_DIALECT_ANY;
	return name ? aurmig__dialect_from_name(name, strlen(name)) : -1;
}

int aurmig_dialect_from_url(const char *url)
{
	size_t n = url ? strcspn(url, ":+") : 0;

	if (!url || !n || url[n] == '\0')
		return -1;
	return aurmig__dialect_from_scheme(url, n, NULL);
}
