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
 * aurweb's configuration is read as aurweb's config.py reads it: the
 * defaults file (AUR_CONFIG_DEFAULTS, else "<config>.defaults") when it is
 * a regular file, then the config file on top, both with inifile.c, which
 * follows Python's RawConfigParser exactly (no inline comments, values taken
 * literally, '%' included, continuation lines). The section [database]
 * gives backend, host, socket, port, name, user and password; other
 * sections are parsed but not looked at.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "base/dialect.h"
#include "ini/inifile.h"
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
	s->driver = aurmig__dialect_get(AURMIG_DIALECT_SQLITE)->dbi_driver;
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
	s->driver = aurmig__dialect_get(dialect)->dbi_driver;

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
	const char *sep, *plus, *scheme = NULL;
	size_t len, base_len, i;
	int dialect;

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
	dialect = aurmig__dialect_from_scheme(url, base_len, &scheme);
	if (dialect == AURMIG_DIALECT_SQLITE)
		return url_sqlite(s, ctx, scheme, sep + 3);
	if (dialect > 0)
		return url_server(s, ctx, scheme, dialect, sep + 3);
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

/*
 * aurweb's config.py reads AUR_CONFIG_DEFAULTS (else "<config>.defaults")
 * when it is a regular file, then the config file on top: one
 * RawConfigParser, so a key of [database] in the config file overrides the
 * defaults' and [DEFAULT] of either file fills in what [database] lacks.
 * Both files are read with inifile.c (configparser's exact rules).
 */
enum { LAYER_DEFAULTS, LAYER_CONFIG, LAYER_COUNT };

typedef struct config_state {
	aurmig_context *ctx;
	const char *path;                  /* the config file */
	const char *lpath[LAYER_COUNT];    /* path of each layer, NULL when not read */
	aurmig__ini *ini[LAYER_COUNT];
	int dialect;
	const char *value[KEY_COUNT];      /* borrowed from ini; NULL when absent or empty */
	const char *file[KEY_COUNT];       /* the file the key was given in, NULL when absent */
	int line[KEY_COUNT];               /* its line */
} config_state;

static int config_err_in(config_state *st, const char *file, int line, const char *fmt, ...)
	AURMIG__PRINTF(4, 5);

static int config_err_in(config_state *st, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	aurmig__verr_at(st->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_CONFIG, file, line, fmt, ap);
	va_end(ap);
	return AURMIG_EPARSE;
}

#define config_err(st, line, ...) config_err_in((st), (st)->path, (line), __VA_ARGS__)

/* Zero a buffer that held a configuration file (it holds the password). */
static void wipe(char *p, size_t n)
{
	volatile char *v = p;

	while (n--)
		*v++ = '\0';
}

/* Read the file at path and parse it into *out. AURMIG_EIO naming the file. */
static int read_layer(config_state *st, const char *path, aurmig__ini **out)
{
	aurmig__buf b;
	char chunk[8192];
	FILE *fp;
	size_t got;
	int rc, saved;

	fp = fopen(path, "r");
	if (!fp) {
		saved = errno;
		return aurmig__err(st->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS,
			"cannot read aurweb config '%s': %s", path, strerror(saved));
	}
	aurmig__buf_init(&b, st->ctx);
	errno = 0;
	while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (aurmig__buf_add(&b, chunk, got))
			break;
	saved = ferror(fp) ? (errno ? errno : EIO) : 0;
	fclose(fp);
	wipe(chunk, sizeof(chunk));
	if (b.failed) {
		rc = AURMIG_ENOMEM;
	} else if (saved) {
		rc = aurmig__err(st->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS,
			"cannot read aurweb config '%s': %s", path, strerror(saved));
	} else {
		rc = aurmig__ini_parse(out, st->ctx, b.p ? b.p : "", b.len, path);
	}
	if (b.p)
		wipe(b.p, b.len);
	aurmig__buf_dispose(&b);
	return rc;
}

/*
 * Where configparser finds section/key: [database] of the later file first,
 * then [database] of the earlier one, then [DEFAULT] in the same order.
 */
static void config_lookup(config_state *st, int k)
{
	static const char *const sections[] = { "database", "DEFAULT" };

	for (int s = 0; s < 2; s++) {
		for (int l = LAYER_COUNT; l-- > 0;) {
			int line = st->ini[l] ? aurmig__ini_line_of(st->ini[l], sections[s], config_keys[k]) : 0;

			if (!line)
				continue;
			st->value[k] = aurmig__ini_get(st->ini[l], sections[s], config_keys[k]);
			st->file[k] = st->lpath[l];
			st->line[k] = line;
			return;
		}
	}
}

/* Look the [database] keys up and check them. */
static int config_collect(config_state *st)
{
	int k;

	for (k = 0; k < KEY_COUNT; k++) {
		config_lookup(st, k);
		if (!st->file[k])
			continue;
		if (strchr(st->value[k], '\n'))
			return config_err_in(st, st->file[k], st->line[k],
				"multi-line value for '%s' in [database] is not supported", config_keys[k]);
		if (k == KEY_BACKEND) {
			size_t i;
			for (i = 0; i < sizeof(config_backends) / sizeof(config_backends[0]); i++)
				if (strcmp(st->value[k], config_backends[i].name) == 0)
					break;
			if (i == sizeof(config_backends) / sizeof(config_backends[0]))
				return config_err_in(st, st->file[k], st->line[k],
					"unknown database backend '%s' (expected mysql, sqlite or postgres)",
					st->value[k]);
			st->dialect = config_backends[i].dialect;
		}
		if (k == KEY_PORT && *st->value[k] && !parse_port(st->value[k], strlen(st->value[k])))
			return config_err_in(st, st->file[k], st->line[k], "invalid port '%s'", st->value[k]);
		if (!*st->value[k])
			st->value[k] = NULL;
	}
	return AURMIG_OK;
}

/* Copy a value (NULL stays NULL). */
static int dup_value(aurmig_context *ctx, const char *v, char **out)
{
	*out = NULL;
	if (v && !(*out = aurmig__strdup(ctx, v)))
		return AURMIG_ENOMEM;
	return AURMIG_OK;
}

/* Move the [database] values into s. */
static int config_apply(aurmig__settings *s, config_state *st)
{
	aurmig_context *ctx = st->ctx;
	const char *const *v = st->value;
	const char *also = st->ini[LAYER_DEFAULTS] ? " (nor in " : "";
	const char *dpath = st->ini[LAYER_DEFAULTS] ? st->lpath[LAYER_DEFAULTS] : "";
	const char *close = st->ini[LAYER_DEFAULTS] ? ")" : "";
	int rc, has_section = 0;

	for (int l = 0; l < LAYER_COUNT; l++)
		has_section |= st->ini[l] && aurmig__ini_has_section(st->ini[l], "database");
	if (!has_section)
		return config_err(st, 0, "no [database] section%s%s%s", also, dpath, close);
	if (!st->file[KEY_BACKEND])
		return config_err(st, 0, "missing 'backend' in [database]%s%s%s", also, dpath, close);
	if (!st->file[KEY_NAME])
		return config_err(st, 0, "missing 'name' in [database]%s%s%s", also, dpath, close);
	if (!v[KEY_NAME])
		return config_err_in(st, st->file[KEY_NAME], st->line[KEY_NAME], "empty 'name' in [database]");

	s->dialect = st->dialect;
	if (st->dialect == AURMIG_DIALECT_SQLITE) {
		s->driver = aurmig__dialect_get(AURMIG_DIALECT_SQLITE)->dbi_driver;
		rc = sqlite_split(s, ctx, v[KEY_NAME]);
		if (rc == AURMIG_EINVALID)
			return config_err_in(st, st->file[KEY_NAME], st->line[KEY_NAME],
				"'name' = '%s' names a directory, not an SQLite database file", v[KEY_NAME]);
		if (rc)
			return rc;
		return make_display_url(s, ctx, "sqlite", v[KEY_NAME], NULL);
	}

	s->driver = aurmig__dialect_get(st->dialect)->dbi_driver;
	if ((rc = dup_value(ctx, v[KEY_NAME], &s->dbname)) ||
	    (rc = dup_value(ctx, v[KEY_HOST], &s->host)) ||
	    (rc = dup_value(ctx, v[KEY_USER], &s->user)) ||
	    (rc = dup_value(ctx, v[KEY_PASSWORD], &s->password)))
		return rc;
	if (v[KEY_PORT])
		s->port = parse_port(v[KEY_PORT], strlen(v[KEY_PORT]));
	/* aurweb connects to MySQL through the socket only when no port is
	 * set; PostgreSQL uses the port to name the socket in the directory */
	if ((st->dialect == AURMIG_DIALECT_PGSQL || !s->port) &&
	    (rc = dup_value(ctx, v[KEY_SOCKET], &s->socket)))
		return rc;
	if (st->dialect == AURMIG_DIALECT_MYSQL)
		return make_display_url(s, ctx, "mysql", NULL, "unix_socket");
	return make_display_url(s, ctx, "postgresql", NULL, "host");
}

/* Whether path names a regular file (aurweb's os.path.isfile). */
static int is_regular_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int read_aurweb_config(aurmig__settings *s, config_state *st, const char *defaults)
{
	char *dpath = NULL;
	int rc;

	if (!defaults || !*defaults) {
		if (!(dpath = aurmig__printf(st->ctx, "%s.defaults", st->path)))
			return AURMIG_ENOMEM;
		defaults = dpath;
	}
	rc = AURMIG_OK;
	if (is_regular_file(defaults)) {
		st->lpath[LAYER_DEFAULTS] = defaults;
		rc = read_layer(st, defaults, &st->ini[LAYER_DEFAULTS]);
	}
	st->lpath[LAYER_CONFIG] = st->path;
	if (!rc)
		rc = read_layer(st, st->path, &st->ini[LAYER_CONFIG]);
	if (!rc)
		rc = config_collect(st);
	if (!rc)
		rc = config_apply(s, st);
	aurmig__free(dpath);
	return rc;
}

int aurmig__settings_from_aurweb_config_layered(aurmig__settings *out, aurmig_context *ctx,
	const char *path, const char *defaults)
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
	rc = read_aurweb_config(out, &st, defaults);
	for (int l = 0; l < LAYER_COUNT; l++)
		aurmig__ini_free(st.ini[l]);
	if (rc)
		aurmig__settings_clear(out);
	return rc;
}

int aurmig__settings_from_aurweb_config(aurmig__settings *out, aurmig_context *ctx, const char *path)
{
	return aurmig__settings_from_aurweb_config_layered(out, ctx, path, NULL);
}
