/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The context: reference count, error record, log callback, allocation. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"
#include "aurmig/version.h"

static const char oom_message[] = "out of memory";

int aurmig_context_new(aurmig_context **out)
{
	aurmig_context *ctx;

	if (!out)
		return AURMIG_EINVALID;
	*out = NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return AURMIG_ENOMEM;
	ctx->refs = 1;
	ctx->err.message = "";
	*out = ctx;
	return AURMIG_OK;
}

aurmig_context *aurmig__context_ref(aurmig_context *ctx)
{
	if (ctx)
		ctx->refs++;
	return ctx;
}

void aurmig__context_unref(aurmig_context *ctx)
{
	if (!ctx || --ctx->refs > 0)
		return;
	aurmig__err_clear(ctx);
	for (int i = 0; i < 4; i++)
		if (ctx->dbi_inst[i] && ctx->dbi_release)
			ctx->dbi_release(ctx->dbi_inst[i]);
	free(ctx->hooks);
	free(ctx);
}

void aurmig_context_free(aurmig_context *ctx)
{
	aurmig__context_unref(ctx);
}

void aurmig_context_set_log(aurmig_context *ctx, aurmig_log_fn fn, void *payload, int max_level)
{
	if (!ctx)
		return;
	ctx->log_fn = fn;
	ctx->log_payload = payload;
	ctx->log_level = max_level;
}

const aurmig__hook *aurmig__context_hook(const aurmig_context *ctx, const char *name)
{
	for (size_t i = 0; ctx && i < ctx->nhooks; i++)
		if (strcmp(ctx->hooks[i].name, name) == 0)
			return &ctx->hooks[i];
	return NULL;
}

int aurmig_context_set_hook(aurmig_context *ctx, const char *name, aurmig_hook_fn fn, void *payload,
	unsigned int flags)
{
	size_t n, i;
	aurmig__hook *h;

	if (!ctx || !name)
		return AURMIG_EINVALID;
	aurmig__err_clear(ctx);
	n = strlen(name);
	if (n == 0 || n > 32)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "hook names have 1 to 32 characters");
	for (i = 0; i < ctx->nhooks && strcmp(ctx->hooks[i].name, name) != 0; i++)
		;
	if (!fn) {
		if (i < ctx->nhooks) {
			memmove(ctx->hooks + i, ctx->hooks + i + 1, (ctx->nhooks - i - 1) * sizeof(*ctx->hooks));
			ctx->nhooks--;
		}
		return AURMIG_OK;
	}
	if (i == ctx->nhooks) {
		h = aurmig__reallocarray(ctx, ctx->hooks, ctx->nhooks + 1, sizeof(*h));
		if (!h)
			return AURMIG_ENOMEM;
		ctx->hooks = h;
		ctx->nhooks++;
		memcpy(ctx->hooks[i].name, name, n + 1);
	}
	ctx->hooks[i].fn = fn;
	ctx->hooks[i].payload = payload;
	ctx->hooks[i].flags = flags;
	return AURMIG_OK;
}

void aurmig__context_fail_alloc_at(aurmig_context *ctx, unsigned long n)
{
	ctx->alloc_count = 0;
	ctx->alloc_fail_at = n;
}

void aurmig_version(int *major, int *minor, int *patch)
{
	if (major)
		*major = AURMIG_VERSION_MAJOR;
	if (minor)
		*minor = AURMIG_VERSION_MINOR;
	if (patch)
		*patch = AURMIG_VERSION_PATCH;
}

const char *aurmig_version_string(void)
{
	return AURMIG_VERSION;
}

/* ---------------------------------------------------------------- alloc */

static int alloc_should_fail(aurmig_context *ctx)
{
	if (!ctx || !ctx->alloc_fail_at)
		return 0;
	return ++ctx->alloc_count == ctx->alloc_fail_at;
}

void *aurmig__malloc(aurmig_context *ctx, size_t n)
{
	void *p = alloc_should_fail(ctx) ? NULL : malloc(n ? n : 1);
	if (!p)
		aurmig__oom(ctx);
	return p;
}

void *aurmig__calloc(aurmig_context *ctx, size_t n, size_t size)
{
	void *p = alloc_should_fail(ctx) ? NULL : calloc(n ? n : 1, size ? size : 1);
	if (!p)
		aurmig__oom(ctx);
	return p;
}

void *aurmig__realloc(aurmig_context *ctx, void *p, size_t n)
{
	void *q = alloc_should_fail(ctx) ? NULL : realloc(p, n ? n : 1);
	if (!q)
		aurmig__oom(ctx);
	return q;
}

void *aurmig__reallocarray(aurmig_context *ctx, void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		aurmig__oom(ctx);
		return NULL;
	}
	return aurmig__realloc(ctx, p, n * size);
}

char *aurmig__strndup(aurmig_context *ctx, const char *s, size_t n)
{
	char *p = aurmig__malloc(ctx, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *aurmig__strdup(aurmig_context *ctx, const char *s)
{
	return aurmig__strndup(ctx, s, strlen(s));
}

static char *vprintf_alloc(aurmig_context *ctx, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	p = aurmig__malloc(ctx, (size_t)n + 1);
	if (!p)
		return NULL;
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *aurmig__printf(aurmig_context *ctx, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = vprintf_alloc(ctx, fmt, ap);
	va_end(ap);
	return p;
}

void aurmig__free(void *p)
{
	free(p);
}

/* ---------------------------------------------------------------- errors */

void aurmig__err_clear(aurmig_context *ctx)
{
	if (!ctx)
		return;
	if (ctx->err.message != oom_message)
		free(ctx->err_message);
	free(ctx->err_file);
	free(ctx->err_revision);
	free(ctx->err_statement);
	ctx->err_message = ctx->err_file = ctx->err_revision = ctx->err_statement = NULL;
	memset(&ctx->err, 0, sizeof(ctx->err));
	ctx->err.message = "";
}

int aurmig__oom(aurmig_context *ctx)
{
	if (!ctx || ctx->err_hold)
		return AURMIG_ENOMEM;
	aurmig__err_clear(ctx);
	ctx->err.code = AURMIG_ENOMEM;
	ctx->err.klass = AURMIG_ERRCLASS_NOMEM;
	ctx->err.message = oom_message;
	return AURMIG_ENOMEM;
}

/* Error strings are built with plain malloc: a failure to record an error
 * must not consume the test allocator's countdown or recurse. */
static char *plain_vprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	p = malloc((size_t)n + 1);
	if (p)
		vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

int aurmig__verr_at(aurmig_context *ctx, int code, int klass, const char *file, int line,
	const char *fmt, va_list ap)
{
	char *body, *msg;

	if (!ctx || ctx->err_hold)
		return code;
	aurmig__err_clear(ctx);
	ctx->err.code = code;
	ctx->err.klass = klass;
	body = plain_vprintf(fmt, ap);
	if (!body)
		return aurmig__oom(ctx), code;
	if (file) {
		size_t n = strlen(file) + strlen(body) + 32;
		msg = malloc(n);
		if (msg) {
			if (line > 0)
				snprintf(msg, n, "%s:%d: %s", file, line, body);
			else
				snprintf(msg, n, "%s: %s", file, body);
		}
		free(body);
		ctx->err_file = strdup(file);
		ctx->err.file = ctx->err_file;
		ctx->err.line = line;
	} else {
		msg = body;
	}
	if (!msg) {
		aurmig__oom(ctx);
		ctx->err.code = code;
		return code;
	}
	ctx->err_message = msg;
	ctx->err.message = msg;
	if (ctx->log_fn && ctx->log_level >= AURMIG_LOG_DEBUG)
		ctx->log_fn(ctx->log_payload, AURMIG_LOG_DEBUG, msg);
	return code;
}

int aurmig__err_at(aurmig_context *ctx, int code, int klass, const char *file, int line,
	const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	aurmig__verr_at(ctx, code, klass, file, line, fmt, ap);
	va_end(ap);
	return code;
}

int aurmig__err(aurmig_context *ctx, int code, int klass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	aurmig__verr_at(ctx, code, klass, NULL, 0, fmt, ap);
	va_end(ap);
	return code;
}

void aurmig__err_set_revision(aurmig_context *ctx, const char *revision)
{
	if (!ctx || ctx->err_hold || !revision)
		return;
	free(ctx->err_revision);
	ctx->err_revision = strdup(revision);
	ctx->err.revision = ctx->err_revision;
}

void aurmig__err_set_statement(aurmig_context *ctx, const char *statement)
{
	if (!ctx || ctx->err_hold || !statement)
		return;
	free(ctx->err_statement);
	ctx->err_statement = strdup(statement);
	ctx->err.statement = ctx->err_statement;
}

void aurmig__err_set_db_code(aurmig_context *ctx, int db_code)
{
	if (ctx && !ctx->err_hold)
		ctx->err.db_code = db_code;
}

void aurmig__err_hold(aurmig_context *ctx)
{
	if (ctx)
		ctx->err_hold++;
}

void aurmig__err_release(aurmig_context *ctx)
{
	if (ctx && ctx->err_hold > 0)
		ctx->err_hold--;
}

char *aurmig__err_message_dup(const aurmig_context *ctx, int first_line)
{
	const char *m = ctx && ctx->err.message ? ctx->err.message : "";
	return strndup(m, first_line ? strcspn(m, "\n") : strlen(m));
}

void aurmig__err_save(const aurmig_context *ctx, aurmig__err_saved *saved)
{
	saved->message = aurmig__err_message_dup(ctx, 0);
	saved->statement = ctx && ctx->err.statement ? strdup(ctx->err.statement) : NULL;
	saved->db_code = ctx ? ctx->err.db_code : 0;
}

void aurmig__err_restore_details(aurmig_context *ctx, aurmig__err_saved *saved)
{
	aurmig__err_set_db_code(ctx, saved->db_code);
	if (saved->statement)
		aurmig__err_set_statement(ctx, saved->statement);
	free(saved->message);
	free(saved->statement);
	saved->message = saved->statement = NULL;
}

int aurmig__err_set_location(aurmig_context *ctx, const char *file, int line)
{
	char *copy;

	if (!ctx || ctx->err_hold || !file)
		return AURMIG_OK;
	/* through the context's allocator, so the allocation-failure walks reach
	 * it: out of memory replaces the record with AURMIG_ENOMEM */
	if (!(copy = aurmig__strdup(ctx, file)))
		return AURMIG_ENOMEM;
	free(ctx->err_file);
	ctx->err_file = copy;
	ctx->err.file = copy;
	ctx->err.line = line;
	return AURMIG_OK;
}

const aurmig_error *aurmig_error_last(const aurmig_context *ctx)
{
	return ctx ? &ctx->err : NULL;
}

/* ---------------------------------------------------------------- log */

void aurmig__log(aurmig_context *ctx, int level, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (!ctx || !ctx->log_fn || level > ctx->log_level)
		return;
	va_start(ap, fmt);
	msg = plain_vprintf(fmt, ap);
	va_end(ap);
	if (msg)
		ctx->log_fn(ctx->log_payload, level, msg);
	free(msg);
}

int aurmig__opts_version(aurmig_context *ctx, const char *fn, const char *type,
	unsigned int version, unsigned int max)
{
	if (version >= 1 && version <= max)
		return AURMIG_OK;
	return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
		"%s: %s version %u is not supported (1 to %u)", fn, type, version, max);
}
