/* SPDX-License-Identifier: GPL-2.0-or-later */
/* <dir>/aurmig.sum for the other layers (sum.c). */
#ifndef AURMIG_SUM_H
#define AURMIG_SUM_H

#include "graph/script.h"

/* The committed checksum of m's file in the graph's aurmig.sum: *out (owned
 * by the caller) or NULL when the sum has no line for the file; *found 0
 * (and *out NULL) when the directory has no sum. AURMIG_EIO, AURMIG_ENOMEM. */
int aurmig__graph_sum_of(const aurmig_graph *g, const aurmig_migration *m, int *found, char **out);

#endif
