/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal helpers shared by every module: allocation (with a failure hook
 * for tests), the error record, a growable string buffer and string vectors.
 * Internal cross-file functions are named aurmig__<noun>_<verb> and are
 * never exported.
 */
#ifndef AURMIG_INTERNAL_H
#define AURMIG_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "aurmig/aurmig.h"
#include "base/dialect.h"

#if defined(__GNUC__)
#define AURMIG__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define AURMIG__PRINTF(f, a)
#endif

typedef struct aurmig__hook {
	char name[33];
	aurmig_hook_fn fn;
	void *payload;
	unsigned int flags;
} aurmig__hook;

struct aurmig_context {
	int refs;
	aurmig__hook *hooks;    /* registered hooks */
	void *dbi_inst[4];      /* libdbi instances, per dialect, shared by the context's connections (db.c) */
	void (*dbi_release)(void *inst);
	size_t nhooks;
	aurmig_error err;       /* record handed out by aurmig_error_last */
	char *err_message;      /* owned strings behind err */
	char *err_file;
	char *err_revision;
	char *err_statement;
	aurmig_log_fn log_fn;
	void *log_payload;
	int log_level;
	int err_hold;           /* >0: leave the error record alone (rollback paths) */
	/* allocation-failure hook for tests: fail allocation number fail_at
	 * (1-based) counted from when it was armed; 0 = never */
	unsigned long alloc_count;
	unsigned long alloc_fail_at;
};

/* ---- context life ---- */
aurmig_context *aurmig__context_ref(aurmig_context *ctx);
void aurmig__context_unref(aurmig_context *ctx);
/* Tests: make allocation number n (1-based, counted from now) fail; 0 disarms. */
void aurmig__context_fail_alloc_at(aurmig_context *ctx, unsigned long n);

/* The hook registered under name, or NULL. */
const aurmig__hook *aurmig__context_hook(const aurmig_context *ctx, const char *name);

/* ---- allocation; every failure records AURMIG_ENOMEM on ctx ---- */
void *aurmig__malloc(aurmig_context *ctx, size_t n);
void *aurmig__calloc(aurmig_context *ctx, size_t n, size_t size);
void *aurmig__realloc(aurmig_context *ctx, void *p, size_t n);
/* realloc for arrays of n elements of size, overflow-checked */
void *aurmig__reallocarray(aurmig_context *ctx, void *p, size_t n, size_t size);
char *aurmig__strdup(aurmig_context *ctx, const char *s);
/* path with every symbolic link resolved (realpath(3)), allocated; NULL with
 * errno set when it cannot be resolved (ENOMEM when out of memory). Not
 * realpath(path, NULL): under a sanitizer's interceptor that can reach
 * glibc's oldest realpath, which refuses a NULL buffer (EINVAL). */
char *aurmig__realpath(aurmig_context *ctx, const char *path);
/* A monotonic clock in milliseconds, and a sleep of ms milliseconds (whole,
 * across signals): the lock loops' polling. */
long aurmig__now_ms(void);
void aurmig__sleep_ms(long ms);
char *aurmig__strndup(aurmig_context *ctx, const char *s, size_t n);
char *aurmig__printf(aurmig_context *ctx, const char *fmt, ...) AURMIG__PRINTF(2, 3);
void aurmig__free(void *p);

/* ---- errors: all return the code passed in, for `return aurmig__err(...)` ---- */
void aurmig__err_clear(aurmig_context *ctx);
int aurmig__err(aurmig_context *ctx, int code, int klass, const char *fmt, ...) AURMIG__PRINTF(4, 5);
/* With a file and line; the message is prefixed "file:line: ". line 0 omits the line. */
int aurmig__err_at(aurmig_context *ctx, int code, int klass, const char *file, int line,
	const char *fmt, ...) AURMIG__PRINTF(6, 7);
int aurmig__verr_at(aurmig_context *ctx, int code, int klass, const char *file, int line,
	const char *fmt, va_list ap);
/* Attach details to the error just recorded (copies; silently skipped when out of memory). */
void aurmig__err_set_revision(aurmig_context *ctx, const char *revision);
void aurmig__err_set_statement(aurmig_context *ctx, const char *statement);
void aurmig__err_set_db_code(aurmig_context *ctx, int db_code);
/* An options struct's version field: 0 when 1 <= version <= max; else
 * AURMIG_EINVALID recorded as "FN: TYPE version V is not supported (1 to MAX)".
 * One check for every versioned options struct of the public API. */
int aurmig__opts_version(aurmig_context *ctx, const char *fn, const char *type,
	unsigned int version, unsigned int max);
/* Holding the record: between hold and release nothing recorded changes it
 * (rollback and clean-up paths that must not bury the cause). Nests. */
void aurmig__err_hold(aurmig_context *ctx);
void aurmig__err_release(aurmig_context *ctx);
/* A copy of the last error's message (first_line: up to its first newline,
 * the cause without the advice), NULL when out of memory; free() it. Like
 * the record itself it is made with plain malloc: handling an error does not
 * consume the test allocator's countdown (see context.c). */
char *aurmig__err_message_dup(const aurmig_context *ctx, int first_line);
/* Wrapping an error in a new message that quotes it: save the details, record
 * the new error, then put the old statement and driver code back on it. */
typedef struct aurmig__err_saved {
	char *message;       /* the whole message (plain malloc; NULL when out of memory) */
	char *statement;
	int db_code;
} aurmig__err_saved;
void aurmig__err_save(const aurmig_context *ctx, aurmig__err_saved *saved);
/* Puts saved's statement and driver code on the current record, frees saved. */
void aurmig__err_restore_details(aurmig_context *ctx, aurmig__err_saved *saved);
/* Points the current record at FILE:LINE (the message is left as it is).
 * The copy of FILE is made with aurmig__strdup: AURMIG_ENOMEM (and the
 * record says so) when that fails, else AURMIG_OK. */
int aurmig__err_set_location(aurmig_context *ctx, const char *file, int line);
/* Records AURMIG_ENOMEM without allocating. */
int aurmig__oom(aurmig_context *ctx);

/* ---- logging ---- */
void aurmig__log(aurmig_context *ctx, int level, const char *fmt, ...) AURMIG__PRINTF(3, 4);

/* ---- growable string ---- */
typedef struct aurmig__buf {
	aurmig_context *ctx;
	char *p;        /* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
	int failed;     /* sticky: an allocation failed */
} aurmig__buf;

void aurmig__buf_init(aurmig__buf *b, aurmig_context *ctx);
int aurmig__buf_add(aurmig__buf *b, const char *s, size_t n);
int aurmig__buf_puts(aurmig__buf *b, const char *s);
int aurmig__buf_printf(aurmig__buf *b, const char *fmt, ...) AURMIG__PRINTF(2, 3);
/* Take ownership of the string ("" when empty); NULL and AURMIG_ENOMEM recorded when failed. */
char *aurmig__buf_detach(aurmig__buf *b);
void aurmig__buf_dispose(aurmig__buf *b);

/* ---- growable array of indices (sets of revisions, DFS stacks) ---- */
typedef struct aurmig__idxv {
	size_t *v;
	size_t n, cap;
} aurmig__idxv;

int aurmig__idxv_push(aurmig__idxv *s, aurmig_context *ctx, size_t x);
int aurmig__idxv_contains(const aurmig__idxv *s, size_t x);
void aurmig__idxv_clear(aurmig__idxv *s);

/* ---- hex ---- */
/* Write n bytes as 2n lower-case hex digits and a NUL into out (2n+1 bytes). */
void aurmig__hex(char *out, const unsigned char *bytes, size_t n);
/* 2n random hex digits (getrandom); AURMIG_ERROR when the kernel gives none. */
int aurmig__random_hex(char *out, size_t n);

/* ---- string vector ---- */
typedef struct aurmig__strv {
	char **v;
	size_t n;
	size_t cap;
} aurmig__strv;

int aurmig__strv_push(aurmig__strv *sv, aurmig_context *ctx, const char *s);   /* copies s */
int aurmig__strv_push_own(aurmig__strv *sv, aurmig_context *ctx, char *s);     /* takes s (freed on failure) */
int aurmig__strv_contains(const aurmig__strv *sv, const char *s);
void aurmig__strv_remove_at(aurmig__strv *sv, size_t i);                      /* frees, keeps order */
void aurmig__strv_clear(aurmig__strv *sv);
int aurmig__strv_copy(aurmig__strv *dst, aurmig_context *ctx, const aurmig__strv *src);

#endif
