/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The INI editor's private layout, shared by inifile_parse.c (parse, load,
 * query), inifile_edit.c (edits) and inifile_render.c (render, diff, save). */
#ifndef AURMIG_INIFILE_PRIV_H
#define AURMIG_INIFILE_PRIV_H

#include "ini/inifile.h"

#define NONE ((size_t)-1)

enum { LINE_BLANK, LINE_COMMENT, LINE_SECTION, LINE_KEY, LINE_CONT };

typedef struct ini_line {
	size_t off;          /* start of the line's text in ini->text (after a BOM) */
	size_t len;          /* text length, line ending excluded */
	unsigned char eol;   /* length of the line ending: 0, 1 (LF) or 2 (CRLF) */
	unsigned char kind;
	size_t indent;       /* leading blanks */
	/* SECTION: the name; KEY: the key (offsets from the line's start) */
	size_t name_off, name_len;
	size_t delim;        /* KEY: offset of '=' or ':' */
	size_t val_off, val_len; /* KEY: the value on the key line, stripped */
	/* KEY: one past its last continuation line; SECTION: one past its last line */
	size_t end;
	size_t section;      /* KEY: index of its section's header line */
	const char *value;   /* KEY: the value as configparser returns it */
} ini_line;

struct aurmig__ini {
	aurmig_context *ctx;
	char *name;          /* for messages */
	unsigned int flags;
	char *text;          /* exactly the file's bytes, NUL-terminated */
	size_t len;
	int bom;             /* text starts with a UTF-8 byte order mark */
	int final_eol;       /* the last line ends with a line ending (or no lines) */
	const char *eol;     /* line ending for new lines */
	ini_line *lines;
	size_t nlines;
	size_t nkeys, nsections;
	char *values;        /* storage for the joined values */
	size_t values_size;  /* its size in bytes */
	int modified;
	int save_fail_step;  /* test only: see aurmig__ini_test_fail_save_step */
	void (*save_hook)(void *arg, int step);   /* test only: see aurmig__ini_test_save_hook */
	void *save_hook_arg;
};

/* inifile_parse.c */
/* Python's str.strip() on ASCII: space, \t, \n, \v, \f, \r, \x1c-\x1f */
int aurmig__ini_is_blank(unsigned char c);
const char *aurmig__ini_line_text(const aurmig__ini *ini, size_t i);
int aurmig__ini_lineno(size_t i);   /* 1-based line number of line i */
int aurmig__ini_keys_equal(unsigned int flags, const char *a, size_t an, const char *b, size_t bn);
void aurmig__ini_clear(aurmig__ini *ini);
/* Fill ini's text and index from text/len (ini->ctx, name and flags set). */
int aurmig__ini_fill(aurmig__ini *ini, const char *text, size_t len);
aurmig__ini *aurmig__ini_new(aurmig_context *ctx, const char *name, unsigned int flags);
/* Line index of a section's header or a key's line, or NONE. */
size_t aurmig__ini_find_section(const aurmig__ini *ini, const char *name);
size_t aurmig__ini_find_key(const aurmig__ini *ini, size_t sec, const char *key);

#endif
