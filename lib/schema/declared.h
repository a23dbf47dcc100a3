/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The declared schema of a migrations directory (declared.c). */
#ifndef AURMIG_DECLARED_H
#define AURMIG_DECLARED_H

#include "base/internal.h"

/* <dir>/schema/<dialect>.sql, else <dir>/schema/portable.sql when that
 * exists (a backend's own file wins, as a backend's own section does). */
int aurmig__declared_path(const aurmig_graph *g, int dialect, char **out);

/* The whole file at path, NUL-terminated (*len bytes before the NUL); a NUL
 * byte inside is an error. what names the file in messages. */
int aurmig__declared_read(aurmig_context *ctx, const char *path, const char *what, char **text, size_t *len);

#endif
