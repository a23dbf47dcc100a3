/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Connection settings, from a database URL or from aurweb's configuration.
 *
 * URLs are split the way SQLAlchemy splits them, so that an Alembic URL
 * means the same thing here: the user name runs up to ':' or '/', the
 * password from that ':' up to the first '@' (it may hold a raw '/' or '?'),
 * a '+driver' suffix on the scheme is accepted and ignored. User and
 * password are percent-decoded; nothing else is.
 *
 * The password is never put in an error message or in display_url. The
 * parts of a URL that are echoed in messages (scheme, port, database name,
 * parameter names) are only taken from text that cannot be part of a
 * password: a stray '@' after the user information makes the URL invalid
 * instead of being guessed at.
 *
 * aurweb's configuration is read with libinih. The section [database] gives
 * backend, host, socket, port, name, user and password; every other section
 * is skipped unread (aurweb uses RawConfigParser, so values are taken
 * literally, and %(name)s in other sections is none of our business).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "ini/settings.h"

#define URL_SCHEMES "sqlite, mysql, mariadb, pgsql, postgresql"

/* ---------------------------------------------------------------- helpers */

void aurmig__settings_clear(aurmig__settings *s)
{
	if (!s)
		return;
	aurmig__free(s->host);
	aurmig__free(s->socket);
	aurmig__free(s->user);
	if (s->password) {
		/* do not leave the secret lying around in freed memory */
		volatile char *p = s->password;
		while (*p)
			*p++ = '\0';
	}
	aurmig__free(s->password);
	aurmig__free(s->dbname);
	aurmig__free(s->sqlite_dir);
	aurmig__free(s->display_url);
	memset(s, 0, sizeof(*s));
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode %XX escapes in s[0..n) into a new string. Returns AURMIG_EINVALID
 * without recording anything when an escape is malformed or decodes to a
 * NUL byte (the caller names the part), AURMIG_ENOMEM (recorded).
 */
static int percent_decode(aurmig_context *ctx, const char *s, size_t n, char **out)
{
	char *p;
	size_t i, j;

	*out = NULL;
	for (i = 0; i < n; i++) {
		if (s[i] != '%')
			continue;
		if (n - i < 3 || hex_value((unsigned char)s[i + 1]) < 0
			|| hex_value((unsigned char)s[i + 2]) < 0)
			return AURMIG_EINVALID;
		if (s[i + 1] == '0' && s[i + 2] == '0')
			return AURMIG_EINVALID;
		i += 2;
	}
	p = aurmig__malloc(ctx, n + 1);
	if (!p)
		return AURMIG_ENOMEM;
	for (i = 0, j = 0; i < n; i++) {
		if (s[i] == '%') {
			p[j++] = (char)(hex_value((unsigned char)s[i + 1]) * 16
				+ hex_value((unsigned char)s[i + 2]));
			i += 2;
		} else {
			p[j++] = s[i];
		}
	}
	p[j] = '\0';
	*out = p;
	return AURMIG_OK;
}

/* Port: 1 to 65535, decimal digits only. Returns the port or 0 when invalid. */
static int parse_port(const char *s, size_t n)
{
	long v = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
		if (v > 65535)
			return 0;
	}
	return (int)v;
}

/*
 * Split a SQLite file path into sqlite_dir and dbname. Returns
 * AURMIG_EINVALID (not recorded) when the path names no file (empty, ends in
 * '/', "." or ".."), AURMIG_ENOMEM (recorded).
 */
static int sqlite_split(aurmig__settings *s, aurmig_context *ctx, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dlen;

	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return AURMIG_EINVALID;
	if (!slash) {
		s->sqlite_dir = aurmig__strdup(ctx, ".");
	} else {
		dlen = (size_t)(slash - path);
		while (dlen > 1 && path[dlen - 1] == '/')
			dlen--;
		if (dlen == 0)
			s->sqlite_dir = aurmig__strdup(ctx, "/");
		else
			s->sqlite_dir = aurmig__strndup(ctx, path, dlen);
	}
	if (!s->sqlite_dir)
		return AURMIG_ENOMEM;
	s->dbname = aurmig__strdup(ctx, base);
	if (!s->dbname)
		return AURMIG_ENOMEM;
	return AURMIG_OK;
}

/* Append s with every byte outside [A-Za-z0-9] and keep as %XX. */
static void buf_put_encoded(aurmig__buf *b, const char *s, const char *keep)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
			|| strchr(keep, c))
			aurmig__buf_add(b, s, 1);
		else
			aurmig__buf_printf(b, "%%%02X", c);
	}
}

/* Characters left as they are in a user name and in a query value. */
#define KEEP_USER "-._~!$&'()*+,;="
#define KEEP_QUERY "-._~!$'()*+,;=:@/"

/*
 * Build s->display_url. For SQLite, sqlite_path is the path as given;
 * otherwise socket_key names the query parameter that carries s->socket.
 */
static int make_display_url(aurmig__settings *s, aurmig_context *ctx, const char *scheme,
	const char *sqlite_path, const char *socket_key)
{
	aurmig__buf b;

	aurmig__buf_init(&b, ctx);
	aurmig__buf_puts(&b, scheme);
	aurmig__buf_puts(&b, "://");
	if (sqlite_path) {
		aurmig__buf_puts(&b, "/");
		aurmig__buf_puts(&b, sqlite_path);
	} else {
		if (s->user || s->password) {
			if (s->user)
				buf_put_encoded(&b, s->user, KEEP_USER);
			if (s->password)
				aurmig__buf_puts(&b, ":***");
			aurmig__buf_puts(&b, "@");
		}
		if (s->host && strchr(s->host, ':'))
			aurmig__buf_printf(&b, "[%s]", s->host);
		else if (s->host)
			aurmig__buf_puts(&b, s->host);
		if (s->port)
			aurmig__buf_printf(&b, ":%d", s->port);
		aurmig__buf_puts(&b, "/");
		aurmig__buf_puts(&b, s->dbname);
		if (s->socket) {
			aurmig__buf_printf(&b, "?%s=", socket_key);
			buf_put_encoded(&b, s->socket, KEEP_QUERY);
		}
	}
	s->display_url = aurmig__buf_detach(&b);
	return s->display_url ? AURMIG_OK : AURMIG_ENOMEM;
}

/* ---------------------------------------------------------------- URLs */

static const struct {
	const char *name;
	int dialect;
} url_schemes[] = {
	{ "sqlite", AURMIG_DIALECT_SQLITE },
	{ "mysql", AURMIG_DIALECT_MYSQL },
	{ "mariadb", AURMIG_DIALECT_MYSQL },
	{ "pgsql", AURMIG_DIALECT_PGSQL },
	{ "postgresql", AURMIG_DIALECT_PGSQL },
	{ "postgres", AURMIG_DIALECT_PGSQL },
};

static int ascii_casecmp_n(const char *a, const char *b, size_t n)
{
	/* b is NUL-terminated and lower case; a has n bytes */
	size_t i;

	for (i = 0; i < n; i++) {
		if (!b[i] || tolower((unsigned char)a[i]) != b[i])
			return 1;
	}
	return b[i] != '\0';
}

static int url_err(aurmig_context *ctx, const char *fmt, ...) AURMIG__PRINTF(2, 3);

static int url_err(aurmig_context *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	aurmig__verr_at(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_CONFIG, NULL, 0, fmt, ap);
	va_end(ap);
	return AURMIG_EINVALID;
}

static int url_sqlite(aurmig__settings *s, aurmig_context *ctx, const char *scheme,
	const char *rest)
{
	const char *path;
	int rc;

	if (rest[0] != '/') {
		if (strchr(rest, '/'))
			return url_err(ctx, "sqlite URL must not name a host or user: "
				"use sqlite:///relative/file.db or sqlite:////absolute/file.db");
		return url_err(ctx, "sqlite URL needs a path: sqlite:///file.db");
	}
	path = rest + 1;
	if (!*path)
		return url_err(ctx, "sqlite URL needs a path: sqlite:///file.db");
	if (strchr(path, '?'))
		return url_err(ctx, "sqlite URL parameters are not supported");
	rc = sqlite_split(s, ctx, path);
	if (rc == AURMIG_EINVALID)
		return url_err(ctx, "sqlite URL path '%s' names a directory, not a database file", path);
	if (rc)
		return rc;
	s->driver = "sqlite3";
	s->dialect = AURMIG_DIALECT_SQLITE;
	return make_display_url(s, ctx, scheme, path, NULL);
}

/* One query parameter of a server URL: key[0..klen), value[0..vlen). */
static int url_param(aurmig__settings *s, aurmig_context *ctx, const char *key, size_t klen,
	const char *value, size_t vlen)
{
	char *v;
	int rc, is_socket;

	if (s->dialect == AURMIG_DIALECT_MYSQL) {
		is_socket = (klen == 11 && memcmp(key, "unix_socket", 11) == 0)
			|| (klen == 6 && memcmp(key, "socket", 6) == 0);
		if (!is_socket) {
			if (memchr(key, '@', klen))
				return url_err(ctx, "unknown URL parameter (expected unix_socket or socket)");
			return url_err(ctx, "unknown URL parameter '%.*s' (expected unix_socket or socket)",
				(int)klen, key);
		}
	} else {
		if (!(klen == 4 && memcmp(key, "host", 4) == 0)) {
			if (memchr(key, '@', klen))
				return url_err(ctx, "unknown URL parameter (expected host)");
			return url_err(ctx, "unknown URL parameter '%.*s' (expected host)", (int)klen, key);
		}
		is_socket = -1;     /* decided on the decoded value */
	}
	if (vlen == 0)
		return url_err(ctx, "URL parameter '%.*s' has no value", (int)klen, key);
	rc = percent_decode(ctx, value, vlen, &v);
	if (rc == AURMIG_EINVALID)
		return url_err(ctx, "invalid percent-escape in URL parameter '%.*s'", (int)klen, key);
	if (rc)
		return rc;
	if (is_socket < 0)
		is_socket = v[0] == '/';
	if (is_socket) {
		if (s->socket) {
			aurmig__free(v);
			return url_err(ctx, "socket given twice in URL parameters");
		}
		s->socket = v;
	} else {
		if (s->host) {
			aurmig__free(v);
			return url_err(ctx, "host given twice: in the URL and as parameter 'host'");
		}
		s->host = v;
	}
	return AURMIG_OK;
}

static int url_server(aurmig__settings *s, aurmig_context *ctx, const char *scheme,
	int dialect, const char *rest)
{
	const char *user = NULL, *pass = NULL, *host, *p, *at, *db, *q;
	size_t run, user_len = 0, pass_len = 0, host_len, db_len;
	int rc;

	s->dialect = dialect;
	s->driver = dialect == AURMIG_DIALECT_MYSQL ? "mysql" : "pgsql";

	/* user information, as SQLAlchemy reads it */
	run = strcspn(rest, ":/");
	at = NULL;
	if (rest[run] == ':')
		at = strchr(rest + run + 1, '@');
	if (at) {
		user = rest;
		user_len = run;
		pass = rest + run + 1;
		pass_len = (size_t)(at - pass);
		host = at + 1;
	} else {
		for (p = rest; p < rest + run; p++)
			if (*p == '@')
				at = p;
		if (at) {
			user = rest;
			user_len = (size_t)(at - rest);
			host = at + 1;
		} else {
			host = rest;
		}
	}

	/* Past the user information no '@' may remain before the query: it
	 * would mean a password with a raw '@', part of which would otherwise
	 * end up as host, port or database name in messages. */
	q = strchr(host, '?');
	if (memchr(host, '@', q ? (size_t)(q - host) : strlen(host)))
		return url_err(ctx, "malformed URL: '@' after the user information "
			"(write '@' in a user name or password as %%40)");

	/* host */
	if (*host == '[') {
		const char *end = strchr(host, ']');
		if (!end || (q && end > q) || memchr(host, '/', (size_t)(end - host)))
			return url_err(ctx, "malformed URL: '[' without ']' around an IPv6 address");
		if (end == host + 1)
			return url_err(ctx, "malformed URL: empty IPv6 address '[]'");
		host_len = (size_t)(end - host - 1);
		p = end + 1;
		host++;
	} else {
		host_len = strcspn(host, ":/?");
		p = host + host_len;
	}

	/* port */
	if (*p == ':') {
		size_t n = strcspn(p + 1, "/?");
		s->port = parse_port(p + 1, n);
		if (!s->port)
			return url_err(ctx, "invalid port '%.*s'", (int)n, p + 1);
		p += 1 + n;
	}
	if (*p && *p != '/' && *p != '?')
		return url_err(ctx, "malformed URL: unexpected text after the host");

	/* database */
	db = NULL;
	db_len = 0;
	if (*p == '/') {
		db = p + 1;
		db_len = strcspn(db, "?");
		p = db + db_len;
	}
	if (db_len == 0)
		return url_err(ctx, "missing database name");
	if (memchr(db, '/', db_len))
		return url_err(ctx, "invalid database name '%.*s': it contains '/'", (int)db_len, db);

	/* store */
	if (user && user_len) {
		rc = percent_decode(ctx, user, user_len, &s->user);
		if (rc == AURMIG_EINVALID)
			return url_err(ctx, "invalid percent-escape in the user name");
		if (rc)
			return rc;
	}
	if (pass) {
		rc = percent_decode(ctx, pass, pass_len, &s->password);
		if (rc == AURMIG_EINVALID)
			return url_err(ctx, "invalid percent-escape in the password");
		if (rc)
			return rc;
	}
	if (host_len) {
		s->host = aurmig__strndup(ctx, host, host_len);
		if (!s->host)
			return AURMIG_ENOMEM;
	}
	s->dbname = aurmig__strndup(ctx, db, db_len);
	if (!s->dbname)
		return AURMIG_ENOMEM;

	/* query: key=value&... */
	if (*p == '?') {
		p++;
		while (*p) {
			size_t n = strcspn(p, "&");
			const char *eq = memchr(p, '=', n);
			if (n) {
				size_t klen = eq ? (size_t)(eq - p) : n;
				size_t vlen = eq ? n - klen - 1 : 0;
				rc = url_param(s, ctx, p, klen, eq ? eq + 1 : p + n, vlen);
				if (rc)
					return rc;
			}
			p += n;
			if (*p == '&')
				p++;
		}
	}
	return make_display_url(s, ctx, scheme, NULL,
		dialect == AURMIG_DIALECT_MYSQL ? "unix_socket" : "host");
}

static int parse_url(aurmig__settings *s, aurmig_context *ctx, const char *url)
{
	const char *sep, *plus;
	size_t len, base_len, i;

	for (const char *c = url; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return url_err(ctx, "malformed URL: it contains a control character");
	sep = strstr(url, "://");
	if (!sep)
		return url_err(ctx, "malformed URL: no scheme (expected " URL_SCHEMES
			", e.g. sqlite:///file.db)");
	len = (size_t)(sep - url);
	if (len == 0 || !isalpha((unsigned char)url[0]))
		return url_err(ctx, "malformed URL scheme (expected " URL_SCHEMES ")");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)url[i];
		if (!isalnum(c) && c != '+' && c != '-' && c != '.')
			return url_err(ctx, "malformed URL scheme (expected " URL_SCHEMES ")");
	}
	/* "mysql+mysqldb" and the like: SQLAlchemy's DBAPI choice, ignored */
	plus = memchr(url, '+', len);
	base_len = plus ? (size_t)(plus - url) : len;
	for (i = 0; i < sizeof(url_schemes) / sizeof(url_schemes[0]); i++) {
		if (ascii_casecmp_n(url, url_schemes[i].name, base_len) != 0)
			continue;
		if (url_schemes[i].dialect == AURMIG_DIALECT_SQLITE)
			return url_sqlite(s, ctx, url_schemes[i].name, sep + 3);
		return url_server(s, ctx, url_schemes[i].name, url_schemes[i].dialect, sep + 3);
	}
	return url_err(ctx, "unknown URL scheme '%.*s' (expected " URL_SCHEMES ")", (int)len, url);
}

int aurmig__settings_from_url(aurmig__settings *out, aurmig_context *ctx, const char *url)
{
	int rc;

	if (!out)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig__settings_from_url: no settings to fill");
	memset(out, 0, sizeof(*out));
	if (!url)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "no database URL given");
	rc = parse_url(out, ctx, url);
	if (rc)
		aurmig__settings_clear(out);
	return rc;
}

/* ---------------------------------------------------------------- aurweb config */

enum {
	KEY_BACKEND,
	KEY_HOST,
	KEY_SOCKET,
	KEY_PORT,
	KEY_NAME,
	KEY_USER,
	KEY_PASSWORD,
	KEY_COUNT
};

/* aurweb's RawConfigParser keeps key case, so the match is exact */
static const char *const config_keys[KEY_COUNT] = {
	"backend", "host", "socket", "port", "name", "user", "password",
};

static const struct {
	const char *name;
	int dialect;
} config_backends[] = {
	{ "mysql", AURMIG_DIALECT_MYSQL },
	{ "sqlite", AURMIG_DIALECT_SQLITE },
	{ "postgres", AURMIG_DIALECT_PGSQL },
	{ "postgresql", AURMIG_DIALECT_PGSQL },
	{ "pgsql", AURMIG_DIALECT_PGSQL },
};

typedef struct config_state {
	aurmig_context *ctx;
	const char *path;
	FILE *fp;
	int lineno;         /* physical line last handed to inih */
	int max_line;       /* inih's line buffer size */
	int indented;       /* that line starts with a blank: a continuation */
	int truncated;      /* that line did not fit inih's buffer */
	int read_errno;     /* a read error, 0 if none */
	int saw_section;    /* a "[database]" header was seen */
	int dialect;
	char *value[KEY_COUNT];  /* NULL when absent or empty */
	int line[KEY_COUNT];     /* line the key was given on, 0 when absent */
	int err;            /* first error recorded by the handler */
	int err_line;
} config_state;

static int config_fail(config_state *st, int code, const char *fmt, ...) AURMIG__PRINTF(3, 4);

/*
 * fgets-style reader for inih. inih counts one line per call, so a line
 * longer than its buffer would otherwise come back as several lines (the
 * tail parsed as a line of its own): the tail is dropped here and the
 * handler refuses a truncated [database] entry.
 */
static char *config_read_line(char *str, int num, void *stream)
{
	config_state *st = stream;
	const char *p;
	size_t len;
	int c;

	if (st->err)
		return NULL;   /* a NUL byte stopped the reading */
	/* fgets cannot tell a NUL byte in the line from its end: fill the
	 * buffer first, so that the terminator fgets writes is the last NUL */
	memset(str, 0x7f, (size_t)num);
	if (!fgets(str, num, st->fp)) {
		if (ferror(st->fp))
			st->read_errno = errno ? errno : EIO;
		return NULL;
	}
	st->lineno++;
	st->max_line = num;
	st->truncated = 0;
	len = strlen(str);
	{
		size_t end = (size_t)num - 1;
		while (end > len && str[end] != '\0')
			end--;
		if (end > len) {
			config_fail(st, AURMIG_EPARSE, "a NUL byte in the line (the file is not text)");
			return NULL;
		}
	}
	if (len > 0 && str[len - 1] != '\n') {
		while ((c = getc(st->fp)) != EOF && c != '\n')
			st->truncated = 1;
		if (ferror(st->fp))
			st->read_errno = errno ? errno : EIO;
	}
	p = str;
	if (st->lineno == 1 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB
		&& (unsigned char)p[2] == 0xBF)
		p += 3;
	st->indented = *p != '\0' && isspace((unsigned char)*p);
	while (*p && isspace((unsigned char)*p))
		p++;
	if (strncmp(p, "[database]", 10) == 0)
		st->saw_section = 1;
	return str;
}

/* Record the handler's first error at the current line; returns 0 for inih. */
static int config_fail(config_state *st, int code, const char *fmt, ...)
{
	va_list ap;

	if (code != AURMIG_ENOMEM) {
		va_start(ap, fmt);
		aurmig__verr_at(st->ctx, code, AURMIG_ERRCLASS_CONFIG, st->path, st->lineno, fmt, ap);
		va_end(ap);
	}
	st->err = code;
	st->err_line = st->lineno;
	return 0;
}

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
	config_state *st = user;
	int k;

	if (st->err || strcmp(section, "database") != 0)
		return 1;
	for (k = 0; k < KEY_COUNT; k++)
		if (strcmp(name, config_keys[k]) == 0)
			break;
	if (k == KEY_COUNT)
		return 1;
	if (st->truncated)
		return config_fail(st, AURMIG_EPARSE, "line too long for '%s' (at most %d characters)",
			name, st->max_line - 2);
	if (st->line[k]) {
		if (st->indented)
			return config_fail(st, AURMIG_EPARSE,
				"multi-line value for '%s' in [database] is not supported", name);
		return config_fail(st, AURMIG_EPARSE, "'%s' given twice in [database] (first on line %d)",
			name, st->line[k]);
	}
	st->line[k] = st->lineno;
	if (k == KEY_BACKEND) {
		size_t i;
		for (i = 0; i < sizeof(config_backends) / sizeof(config_backends[0]); i++)
			if (strcmp(value, config_backends[i].name) == 0)
				break;
		if (i == sizeof(config_backends) / sizeof(config_backends[0]))
			return config_fail(st, AURMIG_EPARSE,
				"unknown database backend '%s' (expected mysql, sqlite or postgres)", value);
		st->dialect = config_backends[i].dialect;
	}
	if (k == KEY_PORT && *value && !parse_port(value, strlen(value)))
		return config_fail(st, AURMIG_EPARSE, "invalid port '%s'", value);
	if (*value) {
		st->value[k] = aurmig__strdup(st->ctx, value);
		if (!st->value[k])
			return config_fail(st, AURMIG_ENOMEM, "out of memory");
	}
	return 1;
}

static int config_err(config_state *st, int line, const char *fmt, ...) AURMIG__PRINTF(3, 4);

static int config_err(config_state *st, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	aurmig__verr_at(st->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_CONFIG, st->path, line, fmt, ap);
	va_end(ap);
	return AURMIG_EPARSE;
}

/* Move the [database] values into s. */
static int config_apply(aurmig__settings *s, config_state *st)
{
	aurmig_context *ctx = st->ctx;
	char **v = st->value;
	int rc;

	if (!st->line[KEY_BACKEND] && !st->line[KEY_NAME] && !st->saw_section)
		return config_err(st, 0, "no [database] section");
	if (!st->line[KEY_BACKEND])
		return config_err(st, 0, "missing 'backend' in [database]");
	if (!st->line[KEY_NAME])
		return config_err(st, 0, "missing 'name' in [database]");
	if (!v[KEY_NAME])
		return config_err(st, st->line[KEY_NAME], "empty 'name' in [database]");

	s->dialect = st->dialect;
	if (st->dialect == AURMIG_DIALECT_SQLITE) {
		s->driver = "sqlite3";
		rc = sqlite_split(s, ctx, v[KEY_NAME]);
		if (rc == AURMIG_EINVALID)
			return config_err(st, st->line[KEY_NAME],
				"'name' = '%s' names a directory, not an SQLite database file", v[KEY_NAME]);
		if (rc)
			return rc;
		return make_display_url(s, ctx, "sqlite", v[KEY_NAME], NULL);
	}

	s->driver = st->dialect == AURMIG_DIALECT_MYSQL ? "mysql" : "pgsql";
	s->dbname = v[KEY_NAME];
	v[KEY_NAME] = NULL;
	s->host = v[KEY_HOST];
	v[KEY_HOST] = NULL;
	s->user = v[KEY_USER];
	v[KEY_USER] = NULL;
	s->password = v[KEY_PASSWORD];
	v[KEY_PASSWORD] = NULL;
	if (v[KEY_PORT])
		s->port = parse_port(v[KEY_PORT], strlen(v[KEY_PORT]));
	/* aurweb connects to MySQL through the socket only when no port is
	 * set; PostgreSQL uses the port to name the socket in the directory */
	if (st->dialect == AURMIG_DIALECT_PGSQL || !s->port) {
		s->socket = v[KEY_SOCKET];
		v[KEY_SOCKET] = NULL;
	}
	if (st->dialect == AURMIG_DIALECT_MYSQL)
		return make_display_url(s, ctx, "mysql", NULL, "unix_socket");
	return make_display_url(s, ctx, "postgresql", NULL, "host");
}

static int read_aurweb_config(aurmig__settings *s, config_state *st)
{
	int rc, saved;

	st->fp = fopen(st->path, "r");
	if (!st->fp) {
		saved = errno;
		return aurmig__err(st->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS,
			"cannot read aurweb config '%s': %s", st->path, strerror(saved));
	}
	errno = 0;
	rc = ini_parse_stream(config_read_line, st, config_handler, st);
	fclose(st->fp);
	st->fp = NULL;

	if (st->err == AURMIG_ENOMEM)
		return AURMIG_ENOMEM;
	if (rc == -2)
		return aurmig__oom(st->ctx);
	if (st->read_errno)
		return aurmig__err(st->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS,
			"cannot read aurweb config '%s': %s", st->path, strerror(st->read_errno));
	if (rc > 0 && (!st->err || rc < st->err_line))
		return config_err(st, rc, "syntax error (expected [section], key = value, "
			"an indented continuation or a comment)");
	if (st->err)
		return st->err;
	if (rc < 0)
		return aurmig__err(st->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS,
			"cannot read aurweb config '%s'", st->path);
	return config_apply(s, st);
}

int aurmig__settings_from_aurweb_config(aurmig__settings *out, aurmig_context *ctx, const char *path)
{
	config_state st;
	int rc;

	if (!out)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig__settings_from_aurweb_config: no settings to fill");
	memset(out, 0, sizeof(*out));
	if (!path)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"no aurweb config file given");
	memset(&st, 0, sizeof(st));
	st.ctx = ctx;
	st.path = path;
	rc = read_aurweb_config(out, &st);
	for (int k = 0; k < KEY_COUNT; k++) {
		if (k == KEY_PASSWORD && st.value[k]) {
			volatile char *p = st.value[k];
			while (*p)
				*p++ = '\0';
		}
		aurmig__free(st.value[k]);
	}
	if (rc)
		aurmig__settings_clear(out);
	return rc;
}
