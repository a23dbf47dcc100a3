/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file aurmig/context.h
 * @brief The library context.
 *
 * A context owns the error record and the log callback. Every other object
 * (graph, connection, plan) holds a reference on the context it was made
 * from, so objects may be freed in any order. A context and everything made
 * from it may be used by one thread at a time; use one context per thread.
 * The library has no global state and never prints: messages go to the log
 * callback.
 */
#ifndef AURMIG_CONTEXT_H
#define AURMIG_CONTEXT_H

#include "common.h"

AURMIG_BEGIN_DECL

/** Log levels, most severe first. */
typedef enum aurmig_log_level {
	AURMIG_LOG_ERROR = 1,
	AURMIG_LOG_WARNING = 2,
	AURMIG_LOG_INFO = 3,
	AURMIG_LOG_DEBUG = 4
} aurmig_log_level;

/** Receives one log message (no trailing newline). @p level is an aurmig_log_level. */
typedef void (*aurmig_log_fn)(void *payload, int level, const char *message);

/**
 * Create a context.
 * @param[out] out set to the new context, or NULL on failure.
 * @return AURMIG_OK or AURMIG_ENOMEM (there is no context to hold details).
 */
AURMIG_EXTERN(int) aurmig_context_new(aurmig_context **out);

/** Drop the caller's reference. The context lives on while objects made from it exist. NULL is a no-op. */
AURMIG_EXTERN(void) aurmig_context_free(aurmig_context *ctx);

/**
 * Route log messages up to @p max_level to @p fn. A NULL @p fn disables logging
 * (the default).
 */
AURMIG_EXTERN(void) aurmig_context_set_log(aurmig_context *ctx, aurmig_log_fn fn, void *payload, int max_level);

/** Hook flags. */
typedef enum aurmig_hook_flag {
	/**
	 * The hook works through a connection of its own (an external command,
	 * the application's ORM): the step's transaction is committed before
	 * the hook runs and a new one begun after, so the hook sees the
	 * changes before it and does not wait for our locks. Such a step is
	 * not atomic: the journal records its progress (docs/safety.md).
	 */
	AURMIG_HOOK_OWN_CONNECTION = 1
} aurmig_hook_flag;

/**
 * A named hook: a data step a migration cannot express in SQL (it says
 * `-- aurmig:hook NAME`). Called with the migration's connection, inside
 * its transaction unless AURMIG_HOOK_OWN_CONNECTION was given; use
 * aurmig_conn_exec() to run SQL there. @p direction is an aurmig_direction.
 * Return 0 on success; anything else fails the step like a failing
 * statement.
 */
typedef int (*aurmig_hook_fn)(void *payload, aurmig_conn *conn, const char *hook, const char *revision, int direction);

/**
 * Register @p fn for hook @p name on this context (replacing an earlier
 * one); a NULL @p fn removes it. A plan that reaches a hook with no
 * callback and no SQL default fails before anything runs.
 * @return AURMIG_OK, AURMIG_EINVALID (bad name), AURMIG_ENOMEM.
 */
AURMIG_EXTERN(int) aurmig_context_set_hook(aurmig_context *ctx, const char *name, aurmig_hook_fn fn,
	void *payload, unsigned int flags);

/** The run-time library version. Any pointer may be NULL. */
AURMIG_EXTERN(void) aurmig_version(int *major, int *minor, int *patch);

/** The run-time library version as a static string such as "0.1.0". */
AURMIG_EXTERN(const char *) aurmig_version_string(void);

AURMIG_END_DECL

#endif
