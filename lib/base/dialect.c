/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The dialect table (base/dialect.h), and the public names of dialects. */
#include <string.h>
#include <strings.h>

#include "base/dialect.h"
#include "aurmig/graph.h"

static const char *const no_names[] = { NULL };
static const char *const sqlite_aliases[] = { "sqlite3", NULL };
static const char *const sqlite_schemes[] = { "sqlite", NULL };
static const char *const mysql_aliases[] = { "mariadb", NULL };
static const char *const mysql_schemes[] = { "mysql", "mariadb", NULL };
static const char *const pgsql_aliases[] = { "postgresql", "postgres", NULL };
static const char *const pgsql_schemes[] = { "pgsql", "postgresql", "postgres", NULL };

static const aurmig__dialect dialects[] = {
	{
		.id = AURMIG_DIALECT_SQLITE, .name = "sqlite", .title = "SQLite",
		.aliases = sqlite_aliases, .url_schemes = sqlite_schemes, .dbi_driver = "sqlite3",
		.transactional_ddl = 1, .ident_quote = '"',
		.fk_default_rule = "NO ACTION", .begin_sql = "BEGIN", .begin_write_sql = "BEGIN IMMEDIATE",
		.list_tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
	},
	{
		.id = AURMIG_DIALECT_MYSQL, .name = "mysql", .title = "MariaDB/MySQL",
		.aliases = mysql_aliases, .url_schemes = mysql_schemes, .dbi_driver = "mysql",
		.transactional_ddl = 0, .ident_quote = '`', .hash_comments = 1, .backslash_escapes = 1,
		.dquote_strings = 1, .max_ident_len = 64, .inline_indexes = 1, .fk_makes_index = 1,
		.fk_default_rule = "RESTRICT", .begin_sql = "START TRANSACTION", .begin_write_sql = "START TRANSACTION",
		.reset_lock_wait_sql = "SET SESSION lock_wait_timeout = DEFAULT, innodb_lock_wait_timeout = DEFAULT",
		.list_tables_sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()",
	},
	{
		.id = AURMIG_DIALECT_PGSQL, .name = "pgsql", .title = "PostgreSQL",
		.aliases = pgsql_aliases, .url_schemes = pgsql_schemes, .dbi_driver = "pgsql",
		.transactional_ddl = 1, .ident_quote = '"', .max_ident_len = 63,
		.fk_default_rule = "NO ACTION", .begin_sql = "BEGIN", .begin_write_sql = "BEGIN",
		.reset_lock_wait_sql = "RESET lock_timeout",
		.list_tables_sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()",
	},
};

const aurmig__dialect *aurmig__dialect_get(int id)
{
	for (size_t i = 0; i < sizeof(dialects) / sizeof(dialects[0]); i++)
		if (dialects[i].id == id)
			return &dialects[i];
	return NULL;
}

static const aurmig__dialect standard_sql = {
	.id = AURMIG_DIALECT_ANY, .name = "", .title = "SQL", .aliases = no_names,
	.url_schemes = no_names, .transactional_ddl = 1, .ident_quote = '"',
	.fk_default_rule = "NO ACTION", .begin_sql = "BEGIN", .begin_write_sql = "BEGIN",
};

const aurmig__dialect *aurmig__dialect_of(int id)
{
	const aurmig__dialect *d = aurmig__dialect_get(id);

	return d ? d : &standard_sql;
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
