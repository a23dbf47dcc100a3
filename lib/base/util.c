/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Growable string buffer and string vector. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <sys/random.h>

#include "base/internal.h"

void aurmig__buf_init(aurmig__buf *b, aurmig_context *ctx)
{
	memset(b, 0, sizeof(*b));
	b->ctx = ctx;
}

static int buf_grow(aurmig__buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return AURMIG_ENOMEM;
	if (extra > SIZE_MAX - b->len - 1) {
		b->failed = 1;
		return aurmig__oom(b->ctx);
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return AURMIG_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = aurmig__realloc(b->ctx, b->p, cap);
	if (!p) {
		b->failed = 1;
		return AURMIG_ENOMEM;
	}
	b->p = p;
	b->cap = cap;
	return AURMIG_OK;
}

int aurmig__buf_add(aurmig__buf *b, const char *s, size_t n)
{
	if (buf_grow(b, n))
		return AURMIG_ENOMEM;
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return AURMIG_OK;
}

int aurmig__buf_puts(aurmig__buf *b, const char *s)
{
	return aurmig__buf_add(b, s, strlen(s));
}

int aurmig__buf_printf(aurmig__buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return AURMIG_ERROR;
	if (buf_grow(b, (size_t)n))
		return AURMIG_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return AURMIG_OK;
}

char *aurmig__buf_detach(aurmig__buf *b)
{
	char *p;

	if (b->failed) {
		aurmig__buf_dispose(b);
		aurmig__oom(b->ctx);
		return NULL;
	}
	if (!b->p && aurmig__buf_add(b, "", 0))
		return NULL;
	p = b->p;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void aurmig__buf_dispose(aurmig__buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

int aurmig__strv_push_own(aurmig__strv *sv, aurmig_context *ctx, char *s)
{
	if (!s)
		return AURMIG_ENOMEM;
	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 4;
		char **v = aurmig__reallocarray(ctx, sv->v, cap, sizeof(*v));
		if (!v) {
			free(s);
			return AURMIG_ENOMEM;
		}
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n++] = s;
	return AURMIG_OK;
}

int aurmig__strv_push(aurmig__strv *sv, aurmig_context *ctx, const char *s)
{
	char *c = aurmig__strdup(ctx, s);
	if (!c)
		return AURMIG_ENOMEM;
	return aurmig__strv_push_own(sv, ctx, c);
}

int aurmig__strv_contains(const aurmig__strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return 1;
	return 0;
}

void aurmig__strv_remove_at(aurmig__strv *sv, size_t i)
{
	if (i >= sv->n)
		return;
	free(sv->v[i]);
	memmove(sv->v + i, sv->v + i + 1, (sv->n - i - 1) * sizeof(*sv->v));
	sv->n--;
}

void aurmig__strv_clear(aurmig__strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

int aurmig__strv_copy(aurmig__strv *dst, aurmig_context *ctx, const aurmig__strv *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (aurmig__strv_push(dst, ctx, src->v[i]))
			return AURMIG_ENOMEM;
	return AURMIG_OK;
}

void aurmig__hex(char *out, const unsigned char *bytes, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

int aurmig__random_hex(char *out, size_t n)
{
	unsigned char r[32];
	size_t got = 0;

	if (n > sizeof(r))
		return AURMIG_EINVALID;
	while (got < n) {
		ssize_t k = getrandom(r + got, n - got, 0);
		if (k <= 0)
			return AURMIG_ERROR;
		got += (size_t)k;
	}
	aurmig__hex(out, r, n);
	return AURMIG_OK;
}

int aurmig__idxv_push(aurmig__idxv *s, aurmig_context *ctx, size_t x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		size_t *v = aurmig__reallocarray(ctx, s->v, cap, sizeof(*v));
		if (!v)
			return AURMIG_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
	return AURMIG_OK;
}

int aurmig__idxv_contains(const aurmig__idxv *s, size_t x)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == x)
			return 1;
	return 0;
}

void aurmig__idxv_clear(aurmig__idxv *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

char *aurmig__realpath(aurmig_context *ctx, const char *path)
{
	char buf[PATH_MAX], *out;

	if (!realpath(path, buf))
		return NULL;
	if (!(out = aurmig__strdup(ctx, buf)))
		errno = ENOMEM;
	return out;
}

long aurmig__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void aurmig__sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}
