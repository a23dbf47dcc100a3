/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file aurmig/errors.h
 * @brief Return codes and the per-context error record.
 *
 * Every fallible call returns AURMIG_OK (0) or a negative aurmig_error_code.
 * The numbers are fixed forever; retired numbers stay reserved. Details of the
 * last failure (message, file, line, revision, statement, driver code) are
 * kept in the context, see aurmig_error_last().
 */
#ifndef AURMIG_ERRORS_H
#define AURMIG_ERRORS_H

#include "common.h"

AURMIG_BEGIN_DECL

/** Return codes. */
typedef enum aurmig_error_code {
	AURMIG_OK = 0,            /**< success */
	AURMIG_ERROR = -1,        /**< generic failure */
	AURMIG_ENOMEM = -2,       /**< out of memory */
	AURMIG_EINVALID = -3,     /**< bad argument or misuse of the API */
	AURMIG_EPARSE = -4,       /**< malformed migration script or configuration (file and line in the record) */
	AURMIG_EGRAPH = -5,       /**< inconsistent revision graph: duplicate id, missing parent, cycle */
	AURMIG_ENOTFOUND = -6,    /**< no such revision, branch or file */
	AURMIG_EAMBIGUOUS = -7,   /**< a target names several revisions (candidates in the message) */
	AURMIG_EIO = -8,          /**< reading a file or directory failed */
	AURMIG_EDB = -9,          /**< the database or its driver reported an error */
	AURMIG_ECONFLICT = -10,   /**< the version table does not match the expected rows */
	AURMIG_EUNKNOWNREV = -11, /**< the database holds a revision these migrations do not know (database newer than the code?) */
	AURMIG_EIRREVERSIBLE = -12, /**< a downgrade reaches a migration without a downgrade section */
	AURMIG_ELOCKED = -13,     /**< the migration lock is held by someone else */
	AURMIG_EUSER = -14,       /**< a callback asked to stop */
	AURMIG_EBUFS = -15,       /**< a caller's buffer is too small */
	AURMIG_EUNSUPPORTED = -16, /**< the backend or build does not support this */
	AURMIG_ERECOVERY = -17,   /**< a migration failed half-way earlier and awaits recovery (see aurmig_recover()) */
	AURMIG_EDRIFT = -18,      /**< an applied migration's file changed since it ran */
	AURMIG_EINPROGRESS = -19, /**< a migration is in progress: its run is alive and holds the deploy lock */
	AURMIG_EASSERT = -20,     /**< a script's `-- aurmig:assert` failed before its step ran: nothing of the step ran */
	AURMIG_ITEROVER = -31     /**< end of an iteration; not a failure */
} aurmig_error_code;

/** What part of the system an error comes from. */
typedef enum aurmig_error_class {
	AURMIG_ERRCLASS_NONE = 0,
	AURMIG_ERRCLASS_NOMEM = 1,
	AURMIG_ERRCLASS_OS = 2,       /**< file system */
	AURMIG_ERRCLASS_SCRIPT = 3,   /**< a migration script */
	AURMIG_ERRCLASS_GRAPH = 4,    /**< the revision graph */
	AURMIG_ERRCLASS_TARGET = 5,   /**< resolving a revision or target */
	AURMIG_ERRCLASS_DB = 6,       /**< database or driver */
	AURMIG_ERRCLASS_CONFIG = 7,   /**< connection URL or configuration file */
	AURMIG_ERRCLASS_API = 8,      /**< misuse of the API */
	AURMIG_ERRCLASS_CALLBACK = 9  /**< a user callback */
} aurmig_error_class;

/**
 * The detail of the last failure on a context.
 *
 * Owned by the context, valid until the next fallible call on it. Fields are
 * only ever appended. Strings are NULL when they do not apply; line is 0 then.
 */
typedef struct aurmig_error {
	int code;              /**< an aurmig_error_code */
	int klass;             /**< an aurmig_error_class */
	const char *message;   /**< full human-readable message (never contains a password) */
	const char *file;      /**< script or configuration file, or NULL */
	int line;              /**< 1-based line in file, or 0 */
	const char *revision;  /**< revision involved, or NULL */
	const char *statement; /**< the failing SQL statement, or NULL */
	int db_code;           /**< the driver's own error number, or 0 */
} aurmig_error;

/**
 * The last error recorded on @p ctx.
 * @return a record owned by the context; its code is AURMIG_OK when the last
 *         call succeeded. Never NULL for a non-NULL context.
 */
AURMIG_EXTERN(const aurmig_error *) aurmig_error_last(const aurmig_context *ctx);

/** Static English text for a return code, for when no context exists. Never NULL. */
AURMIG_EXTERN(const char *) aurmig_error_str(int code);

/*
 * The vocabulary of return codes, one table in the library (the CLI and both
 * bindings take names, exception families and exit statuses from it instead
 * of keeping copies). Codes are listed in the order of the enum above.
 */

/** The number of return codes, AURMIG_OK and AURMIG_ITEROVER included. */
AURMIG_EXTERN(size_t) aurmig_error_count(void);
/** The @p i th return code (0 <= i < aurmig_error_count()); 1 (no code is positive) past the end. */
AURMIG_EXTERN(int) aurmig_error_at(size_t i);
/** A code's name, its enum name without "AURMIG_": "OK", "ELOCKED", "ITEROVER"; NULL for a number that is no code. Static storage. */
AURMIG_EXTERN(const char *) aurmig_error_name(int code);
/**
 * The code a name means: "ELOCKED" or "AURMIG_ELOCKED", ASCII case ignored.
 * @return the code (0 or negative), or 1 (no code is positive) for a name that is none
 */
AURMIG_EXTERN(int) aurmig_error_from_name(const char *name);
/**
 * The family of a failure code, the exception both bindings raise for it:
 * Python's `aurmig.<family>Error`, PHP's `Aurmig\<family>Exception`
 * ("LockTimeout", "Usage", "NotFound", ...). Several codes share one family
 * (AURMIG_EINVALID, AURMIG_EBUFS and AURMIG_EUNSUPPORTED are "Usage"). NULL
 * for AURMIG_OK, AURMIG_ERROR, AURMIG_ITEROVER and numbers that are no code:
 * the base class. Static storage.
 */
AURMIG_EXTERN(const char *) aurmig_error_family(int code);
/**
 * The exit status of the `aurmig` command when a command fails with @p code
 * (README.md, "Exit status"): 4 AURMIG_ELOCKED, 5 AURMIG_ERECOVERY,
 * 6 AURMIG_EDRIFT, 7 AURMIG_EUNKNOWNREV, 9 AURMIG_EINPROGRESS,
 * 12 AURMIG_EASSERT, 0 AURMIG_OK, 1 for every other number.
 */
AURMIG_EXTERN(int) aurmig_error_exit_code(int code);

AURMIG_END_DECL

#endif
