/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A format-preserving editor for aurweb's INI configuration
 * (/etc/aurweb/config), for config-file migrations.
 *
 * aurweb reads the file with Python's configparser.RawConfigParser (default
 * options; current aurweb sets optionxform to the identity, so key case
 * matters). This module reads the file the way that parser does and edits
 * it by rewriting only the lines an edit must touch. Everything else stays
 * byte for byte: comments, blank lines, spacing, key spelling, line endings
 * (LF or CRLF, per line), a UTF-8 byte order mark, a missing final newline.
 *
 * How a file is read (configparser's rules, strict mode):
 *  - Lines end at LF; a CR right before the LF belongs to the line ending.
 *    A CR anywhere else is an error (Python would split the line there).
 *    A NUL byte is an error.
 *  - A UTF-8 byte order mark is kept and skipped (Python's default UTF-8
 *    decoding would not: there a BOM makes the first line no section header).
 *  - "Blanks" are what Python's str.strip() removes in ASCII: space, \t,
 *    \v, \f and \x1c-\x1f. Non-ASCII spaces (U+00A0...), which Python also
 *    strips, are kept as part of keys and values here.
 *  - A line whose text, stripped of blanks, is empty is a blank line; one
 *    that starts with '#' or ';' after optional blanks is a comment. There
 *    are no inline comments: in `key = v ; x` the value is `v ; x`, as
 *    aurweb sees it.
 *  - A line indented deeper than the key line above it (blank and comment
 *    lines in between do not count) is a continuation: the value is the
 *    stripped key-line value and the stripped continuation lines joined with
 *    "\n", blank lines in between kept as empty lines, trailing ones dropped.
 *  - Otherwise `[name]` (first '[' to the last ']' on the stripped line;
 *    text after the ']' is ignored, as configparser does) starts a section.
 *    Section names are case-sensitive.
 *  - Otherwise `key = value` or `key: value`; the first '=' or ':' splits.
 *    Key and value are stripped. An empty key, a line without a delimiter
 *    and a key line before the first section are errors.
 *  - Duplicates are errors, as they are for aurweb's strict parser: a
 *    section header that repeats (also [DEFAULT], which configparser would
 *    merge: this editor does not) and a key that repeats in a section. Keys
 *    compare exactly unless AURMIG__INI_FOLD_KEY_CASE (ASCII case folding,
 *    for parsers with configparser's default lower-casing optionxform).
 *  - [DEFAULT] is an ordinary section for editing, but aurmig__ini_get()
 *    falls back to it the way configparser does.
 * Errors are AURMIG_EPARSE (class CONFIG) with "name:line: cause" for the
 * earliest bad line; the message never quotes a value or an unparsable line
 * (the file holds the database password).
 *
 * Edits re-read the edited text with the same rules before they commit:
 * an edit either applies completely or leaves the object untouched
 * (AURMIG_ENOMEM included). Each edit reports through *applied whether it
 * changed anything. Conditions (aurmig__ini_cond) test the value aurweb
 * would see, i.e. with the [DEFAULT] fallback.
 *
 * Where new lines go and how they look:
 *  - Lines get the file's line ending (the first line ending in the file,
 *    LF when there is none). A file without a final newline keeps lacking
 *    one: an appended last line gets no newline, the line before it does.
 *  - A new key goes after the last key (and its continuation lines) of its
 *    section, i.e. before the blank and comment lines that lead into the
 *    next section; in a section without keys, right after the header. It
 *    copies the indentation and the spacing around the delimiter of the
 *    section's last key. In a section without keys it takes the header's
 *    indentation (deeper if the next header is indented deeper, so that
 *    header does not turn into a continuation) and the spacing most keys of
 *    the file use ("key = value" in a file without keys).
 *  - Keys of a new section are unindented, with the spacing most keys of
 *    the file use.
 *  - A new section goes at the end of the file, after one blank line
 *    (none if the file is empty or already ends with a blank line).
 *  - A value with "\n" is written as continuation lines indented by the
 *    existing continuation indentation of that key, else the key's
 *    indentation plus four spaces. Values that configparser could not give
 *    back unchanged are refused with AURMIG_EINVALID (leading or trailing
 *    blanks, CR, a trailing newline, continuation lines with surrounding
 *    blanks or starting with '#' or ';').
 */
#ifndef AURMIG_INIFILE_H
#define AURMIG_INIFILE_H

#include <stddef.h>

#include "base/internal.h"

typedef struct aurmig__ini aurmig__ini;

/* ---- flags for aurmig__ini_parse_ex / aurmig__ini_load_ex ---- */
/* Compare keys ignoring ASCII case (configparser's default optionxform
 * lower-cases keys; aurweb's config.py does not, so the default is exact). */
#define AURMIG__INI_FOLD_KEY_CASE 0x1u

/* ---- reading ---- */

/* Parse text (len bytes, need not be NUL-terminated). name is used in error
 * messages ("name:line: cause") and copied; NULL means "<config>". On
 * success *out owns a copy of the text; on failure *out is NULL. */
int aurmig__ini_parse(aurmig__ini **out, aurmig_context *ctx, const char *text, size_t len,
	const char *name);
int aurmig__ini_parse_ex(aurmig__ini **out, aurmig_context *ctx, const char *text, size_t len,
	const char *name, unsigned int flags);

/* Read and parse the file at path (which also names it in messages).
 * AURMIG_ENOTFOUND when it does not exist, AURMIG_EIO when it cannot be
 * read, AURMIG_EPARSE for a syntax error. Files over 64 MiB are refused. */
int aurmig__ini_load(aurmig__ini **out, aurmig_context *ctx, const char *path);
int aurmig__ini_load_ex(aurmig__ini **out, aurmig_context *ctx, const char *path, unsigned int flags);

void aurmig__ini_free(aurmig__ini *ini);

/* ---- queries ---- */

/* The value aurweb would get for section/key (continuation lines joined with
 * "\n"), falling back to [DEFAULT] like configparser; NULL when the section
 * or the key is missing. The string lives until the next edit or free. */
const char *aurmig__ini_get(const aurmig__ini *ini, const char *section, const char *key);
/* Whether the file has a [section] header (also for "DEFAULT"). */
int aurmig__ini_has_section(const aurmig__ini *ini, const char *section);
/* 1-based line of the [section] header or of the key line in section (no
 * [DEFAULT] fallback) in the current text; 0 when missing. */
int aurmig__ini_line_of(const aurmig__ini *ini, const char *section, const char *key);
/* The current text, exactly (no copy; NUL-terminated; valid until the next edit). */
const char *aurmig__ini_text(const aurmig__ini *ini, size_t *len);
/* Whether an edit applied since parsing, loading or the last successful save. */
int aurmig__ini_modified(const aurmig__ini *ini);

/* ---- edits ---- */

typedef enum aurmig__ini_cond {
	AURMIG__INI_ALWAYS = 0,   /* apply unconditionally (cond_value ignored) */
	AURMIG__INI_IF_UNSET,     /* only when aurweb would see no value (set only) */
	AURMIG__INI_IF_EQUAL      /* only when aurweb would see exactly cond_value */
} aurmig__ini_cond;

/*
 * Set section/key to value. An existing key line (in the section itself,
 * not [DEFAULT]) keeps its spelling, indentation, delimiter, the spacing
 * around it and any blanks after the value; its continuation lines (and
 * the comment and blank lines between them) are replaced. A missing key is
 * added at the end of the section; a missing section is added at the end of
 * the file. Not applied when the condition fails or the section already
 * holds exactly that value.
 */
int aurmig__ini_set(aurmig__ini *ini, const char *section, const char *key, const char *value,
	aurmig__ini_cond cond, const char *cond_value, int *applied);

/* Remove the key line from the section, with its continuation lines (and
 * the comment and blank lines between them). Not applied when the section
 * has no such key line or the condition fails. AURMIG__INI_IF_UNSET is
 * AURMIG_EINVALID. */
int aurmig__ini_remove(aurmig__ini *ini, const char *section, const char *key,
	aurmig__ini_cond cond, const char *cond_value, int *applied);

/* Rename a key within its section, in place (only the key's text changes).
 * The condition tests the old key's value. Not applied when the old key is
 * missing (also when the rename happened before) or the condition fails;
 * AURMIG_ECONFLICT when both keys exist. AURMIG__INI_IF_UNSET is
 * AURMIG_EINVALID. */
int aurmig__ini_rename_key(aurmig__ini *ini, const char *section, const char *old_key,
	const char *new_key, aurmig__ini_cond cond, const char *cond_value, int *applied);

/* Rename a section header in place (text after the ']' kept). Not applied
 * when old is missing; AURMIG_ECONFLICT when both exist. */
int aurmig__ini_rename_section(aurmig__ini *ini, const char *old_name, const char *new_name,
	int *applied);

/* Add [section] with the given keys at the end of the file. pairs holds
 * npairs key/value pairs: pairs[2*i] is a key, pairs[2*i+1] its value.
 * Applies only when the section does not exist (an existing section is
 * left alone: use aurmig__ini_set with AURMIG__INI_IF_UNSET per key). */
int aurmig__ini_add_section(aurmig__ini *ini, const char *section, const char *const *pairs,
	size_t npairs, int *applied);

/* Remove [section]: the comment lines right above its header (no blank
 * line between: they describe it), the header, its key lines with their
 * continuation lines, and the comment and blank lines among them. The blank and comment
 * lines after its last key stay when another section follows (they lead
 * into it, as for new keys); a last section goes to the end of the file.
 * One blank line that separated the section goes too: the one right before
 * the header, else the one right after the removed lines; so removing a
 * section that aurmig__ini_add_section added restores the file byte for
 * byte unless it ended with a blank line. if_empty: only when the section
 * has no keys. Not applied when the section is missing (or, with if_empty,
 * has keys). Keys of [DEFAULT] are not looked at. */
int aurmig__ini_remove_section(aurmig__ini *ini, const char *section, int if_empty, int *applied);

/* ---- output ---- */

/* Append the current text to out: byte for byte the parsed text when no
 * edit applied. */
int aurmig__ini_render(const aurmig__ini *ini, aurmig__buf *out);

/* "v1:" + 64 lower-case hex digits + NUL */
#define AURMIG__INI_CHECKSUM_SIZE 68
/* Checksum for the journal: "v1:" + hex SHA-256 of the exact bytes (no
 * normalisation: for a configuration file every byte is a change). */
void aurmig__ini_checksum_text(const char *text, size_t len, char out[AURMIG__INI_CHECKSUM_SIZE]);
/* The checksum of the current text. */
void aurmig__ini_checksum(const aurmig__ini *ini, char out[AURMIG__INI_CHECKSUM_SIZE]);

/*
 * Append a unified diff of old_text against new_text (NUL-terminated) to
 * out: "--- a/PATH", "+++ b/PATH" (leading '/' of path dropped), hunks
 * "@@ -l,n +l,n @@" with 3 lines of context (",n" left out when n is 1, as
 * diff -u does), "\ No newline at end of file" after a last line without a
 * newline. Nothing is appended when the texts are equal. Lines are compared
 * as bytes, line ending included. Common leading and trailing lines are cut
 * first; a middle part over a million line pairs is shown as replaced
 * wholesale instead of searched for common lines.
 * out must not hold old_text or new_text (it may move while growing).
 * Note: the diff shows the lines as they are, passwords included.
 */
int aurmig__ini_diff(const char *old_text, const char *new_text, const char *path, aurmig__buf *out);

/* ---- saving ---- */

/*
 * Replace the file at path with the current text, atomically:
 *   1. resolve path (symbolic links are followed: the file they point at is
 *      replaced and the link stays) and stat it; it must be a regular file;
 *   2. create a temporary file ".NAME.XXXXXX" in the same directory (mkstemp);
 *   3. write the text;
 *   4. give it the original's owner and group (fchown; skipped when they
 *      already match, so a non-root owner can save; otherwise a failure is
 *      an error);
 *   5. give it the original's permission bits (fchmod);
 *   6. fsync; 7. close;
 *   8. when backup_suffix is neither NULL nor "", replace "RESOLVED_PATH"
 *      + backup_suffix (an existing one is overwritten; the suffix cannot
 *      contain '/') by a hard link to the original or, when the file system
 *      refuses links, 9. by a copy (written, fsynced and renamed into place
 *      like the file itself; its mode is the original's only when it could
 *      get the original's owner, else it stays 0600);
 *   10. open the directory; 11. rename the temporary file over the original;
 *   12. fsync the directory.
 * A failure in steps 1-11 leaves the original untouched and removes the
 * temporary files; a backup made in step 8/9 stays and holds the untouched
 * original (a hard link to it, until a later save). Step 12 comes after
 * the commit point: its failure is AURMIG_EIO with the new text in place,
 * which may not survive a crash. The file is written even when nothing
 * changed; the caller decides (aurmig__ini_modified).
 * Errors are AURMIG_EIO (class OS) naming the path and the system's cause;
 * AURMIG_ENOTFOUND when the file does not exist. ACLs, extended attributes
 * and SELinux labels are not carried over. On success the object is no
 * longer "modified".
 */
int aurmig__ini_save_atomic(aurmig__ini *ini, aurmig_context *ctx, const char *path,
	const char *backup_suffix);

/* Steps of aurmig__ini_save_atomic, for the test-only fault injection. */
enum aurmig__ini_save_step {
	AURMIG__INI_SAVE_STAT = 1,
	AURMIG__INI_SAVE_CREATE,
	AURMIG__INI_SAVE_WRITE,
	AURMIG__INI_SAVE_CHOWN,
	AURMIG__INI_SAVE_CHMOD,
	AURMIG__INI_SAVE_FSYNC,
	AURMIG__INI_SAVE_CLOSE,
	AURMIG__INI_SAVE_BACKUP_LINK,  /* injected as EPERM: the copy fallback takes over */
	AURMIG__INI_SAVE_BACKUP_COPY,  /* injected with the link refused, so that the copy runs and fails */
	AURMIG__INI_SAVE_OPENDIR,
	AURMIG__INI_SAVE_RENAME,
	AURMIG__INI_SAVE_SYNCDIR,
	AURMIG__INI_SAVE_NSTEPS
};

/* TEST ONLY: make step `step` of the next saves of ini fail as if the system
 * call had failed (EIO; EPERM for BACKUP_LINK). 0 disarms. */
void aurmig__ini_test_fail_save_step(aurmig__ini *ini, int step);
/* TEST ONLY: call fn(arg, step) right before each step of the next saves of
 * ini (for a process-level test that kills itself there: before
 * AURMIG__INI_SAVE_RENAME the temporary file is complete and the original
 * untouched; before AURMIG__INI_SAVE_SYNCDIR the new file is in place).
 * NULL disarms. Not exported from the shared library. */
void aurmig__ini_test_save_hook(aurmig__ini *ini, void (*fn)(void *arg, int step), void *arg);

#endif
