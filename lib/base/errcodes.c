/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one vocabulary of return codes (libuv's UV_ERRNO_MAP habit): each
 * aurmig_error_code with its name, its family (the exception class both
 * bindings raise for it), the CLI's exit status and its text. The names
 * and texts of aurmig_error_str(), the CLI's exit statuses and the
 * bindings' code-to-exception maps all come from this one table;
 * tests/unit/test_errcodes.c checks that it lists every code of
 * include/aurmig/errors.h. */
#include <string.h>
#include <strings.h>

#include "base/internal.h"

typedef struct errcode {
	int code;
	const char *name;     /* the enum name without "AURMIG_" */
	const char *family;   /* Python <family>Error, PHP <family>Exception; NULL: the base class */
	int exit_code;        /* the CLI's exit status for a command that fails with it */
	const char *text;     /* aurmig_error_str() */
} errcode;

/* Exit statuses README.md documents ("Exit status"). */
enum { EXIT_OK = 0, EXIT_ERROR = 1, EXIT_LOCKED = 4, EXIT_RECOVERY = 5, EXIT_DRIFT = 6, EXIT_UNKNOWN = 7,
	EXIT_IN_PROGRESS = 9, EXIT_ASSERT = 12 };

static const errcode errcodes[] = {
	{ AURMIG_OK, "OK", NULL, EXIT_OK, "success" },
	{ AURMIG_ERROR, "ERROR", NULL, EXIT_ERROR, "error" },
	{ AURMIG_ENOMEM, "ENOMEM", "OutOfMemory", EXIT_ERROR, "out of memory" },
	{ AURMIG_EINVALID, "EINVALID", "Usage", EXIT_ERROR, "invalid argument" },
	{ AURMIG_EPARSE, "EPARSE", "Script", EXIT_ERROR, "malformed input" },
	{ AURMIG_EGRAPH, "EGRAPH", "Graph", EXIT_ERROR, "inconsistent revision graph" },
	{ AURMIG_ENOTFOUND, "ENOTFOUND", "NotFound", EXIT_ERROR, "not found" },
	{ AURMIG_EAMBIGUOUS, "EAMBIGUOUS", "Ambiguous", EXIT_ERROR, "ambiguous" },
	{ AURMIG_EIO, "EIO", "File", EXIT_ERROR, "input/output error" },
	{ AURMIG_EDB, "EDB", "Database", EXIT_ERROR, "database error" },
	{ AURMIG_ECONFLICT, "ECONFLICT", "Database", EXIT_ERROR, "version table conflict" },
	{ AURMIG_EUNKNOWNREV, "EUNKNOWNREV", "UnknownRevision", EXIT_UNKNOWN, "database holds an unknown revision" },
	{ AURMIG_EIRREVERSIBLE, "EIRREVERSIBLE", "Irreversible", EXIT_ERROR, "migration has no downgrade" },
	{ AURMIG_ELOCKED, "ELOCKED", "LockTimeout", EXIT_LOCKED, "migration lock held" },
	{ AURMIG_EUSER, "EUSER", "Aborted", EXIT_ERROR, "stopped by callback" },
	{ AURMIG_EBUFS, "EBUFS", "Usage", EXIT_ERROR, "buffer too small" },
	{ AURMIG_EUNSUPPORTED, "EUNSUPPORTED", "Usage", EXIT_ERROR, "unsupported" },
	{ AURMIG_ERECOVERY, "ERECOVERY", "RecoveryNeeded", EXIT_RECOVERY, "a failed migration awaits recovery" },
	{ AURMIG_EDRIFT, "EDRIFT", "Drift", EXIT_DRIFT, "an applied migration was edited" },
	{ AURMIG_EINPROGRESS, "EINPROGRESS", "InProgress", EXIT_IN_PROGRESS, "a migration is in progress" },
	{ AURMIG_EASSERT, "EASSERT", "Precondition", EXIT_ASSERT, "a precondition of a migration failed" },
	{ AURMIG_ITEROVER, "ITEROVER", NULL, EXIT_ERROR, "end of iteration" },
};

#define NCODES (sizeof(errcodes) / sizeof(errcodes[0]))

static const errcode *find(int code)
{
	for (size_t i = 0; i < NCODES; i++)
		if (errcodes[i].code == code)
			return &errcodes[i];
	return NULL;
}

size_t aurmig_error_count(void)
{
	return NCODES;
}

int aurmig_error_at(size_t i)
{
	return i < NCODES ? errcodes[i].code : 1;
}

const char *aurmig_error_name(int code)
{
	const errcode *e = find(code);

	return e ? e->name : NULL;
}

int aurmig_error_from_name(const char *name)
{
	if (!name)
		return 1;
	if (!strncasecmp(name, "AURMIG_", 7))
		name += 7;
	for (size_t i = 0; i < NCODES; i++)
		if (!strcasecmp(name, errcodes[i].name))
			return errcodes[i].code;
	return 1;
}

const char *aurmig_error_family(int code)
{
	const errcode *e = find(code);

	return e ? e->family : NULL;
}

int aurmig_error_exit_code(int code)
{
	const errcode *e = find(code);

	return e ? e->exit_code : EXIT_ERROR;
}

const char *aurmig_error_str(int code)
{
	const errcode *e = find(code);

	return e ? e->text : "unknown error";
}
