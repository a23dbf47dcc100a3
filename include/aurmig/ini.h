/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file aurmig/ini.h
 * @brief Reading an INI file by the rules aurmig uses for every INI file.
 *
 * The library reads aurweb's configuration with Python configparser's rules
 * (RawConfigParser: values taken literally, no inline comments, `%` as it
 * is, continuation lines joined with "\n", `#` and `;` comments only at the
 * start of a line, keys compared exactly). aurmig_ini_read() gives the same
 * reader to a caller, e.g. for the CLI's own `--config` file and `lint.ini`,
 * so one tool has one set of INI rules.
 */
#ifndef AURMIG_INI_H
#define AURMIG_INI_H

#include "common.h"
#include "context.h"

AURMIG_BEGIN_DECL

/**
 * Called for each key of the file, in file order: its section, its key,
 * its value (continuation lines joined with "\n"), and the 1-based line of
 * the key. The strings live until the callback returns. Return 0 to go on,
 * anything else to stop reading (aurmig_ini_read() then returns
 * AURMIG_EUSER and records nothing of its own).
 */
typedef int (*aurmig_ini_entry_fn)(void *payload, const char *section, const char *key, const char *value,
	int line);

/**
 * Read the INI file at @p path and call @p fn for each key. AURMIG_OK;
 * AURMIG_ENOTFOUND when the file does not exist, AURMIG_EIO when it cannot
 * be read, AURMIG_EPARSE for a syntax error (the record names the file and
 * line: a key before any section header, a line that is neither a section,
 * a key, a comment nor a continuation, a duplicate section or key),
 * AURMIG_EUSER when @p fn asked to stop, AURMIG_EINVALID for a NULL
 * argument. Lines have no length limit; files over 64 MiB are refused.
 */
AURMIG_EXTERN(int) aurmig_ini_read(aurmig_context *ctx, const char *path, aurmig_ini_entry_fn fn, void *payload);

AURMIG_END_DECL

#endif
