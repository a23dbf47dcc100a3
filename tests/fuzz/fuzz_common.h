/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c). Each harness
 * runs its input twice: once as it is, counting the library's allocations,
 * then again with one of those allocations failing (chosen from the
 * input), which must end in AURMIG_ENOMEM, without a crash or a leak.
 *
 * A check that fails calls abort(), which libFuzzer (and the replay
 * driver, replay.c) report as a crash.
 */
#ifndef AURMIG_FUZZ_COMMON_H
#define AURMIG_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

static inline aurmig_context *fz_context(void)
{
	aurmig_context *ctx = NULL;

	if (aurmig_context_new(&ctx) != AURMIG_OK)
		abort();
	return ctx;
}

/* Count allocations from now on without failing any. */
static inline void fz_count_allocs(aurmig_context *ctx)
{
	aurmig__context_fail_alloc_at(ctx, (unsigned long)-1);
}

static inline unsigned long fz_allocs(const aurmig_context *ctx)
{
	return ctx->alloc_count;
}

/* A stable choice in 1..n derived from the input (FNV-1a). */
static inline unsigned long fz_pick(const uint8_t *data, size_t size, unsigned long n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ull;
	return n ? (unsigned long)(h % n) + 1 : 0;
}

/* Every error leaves a message, and a bounded one. */
static inline void fz_check_error(const aurmig_context *ctx, int rc)
{
	const aurmig_error *e = aurmig_error_last(ctx);

	FZ_CHECK(rc < 0);
	FZ_CHECK(e != NULL && e->message != NULL);
	FZ_CHECK(e->code == rc || rc == AURMIG_ENOMEM);
	FZ_CHECK(*e->message != '\0');
	FZ_CHECK(strlen(e->message) < 8192);
}

/* A NUL-terminated copy. */
static inline char *fz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
