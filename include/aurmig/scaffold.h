/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file aurmig/scaffold.h
 * @brief Writing new migration scripts: revisions and merges.
 */
#ifndef AURMIG_SCAFFOLD_H
#define AURMIG_SCAFFOLD_H

#include "common.h"

AURMIG_BEGIN_DECL

/** Version of aurmig_revision_options this header describes. */
typedef enum aurmig_revision_options_version {
	AURMIG_REVISION_OPTIONS_VERSION = 2
} aurmig_revision_options_version;

/** What a new script says. Fields are only ever appended. */
typedef struct aurmig_revision_options {
	unsigned int version;          /**< AURMIG_REVISION_OPTIONS_VERSION */
	const char *message;           /**< required */
	/**
	 * The revisions it follows: revision specs (ids, prefixes, `heads`,
	 * `label@head`, `base` for a new base). Two or more make a merge.
	 * NULL/0: the graph's only head (an error listing the heads when
	 * there are several), or a base in an empty directory.
	 */
	const char *const *heads;
	size_t nheads;
	const char *branch_label;      /**< optional */
	const char *const *depends_on; /**< optional revision specs or labels */
	size_t ndepends_on;
	const char *rev_id;            /**< NULL: 12 random hex digits */
	const char *create_date;       /**< NULL: now, UTC, "YYYY-MM-DD HH:MM:SS" */
	/* version 2 */
	const char *upgrade_sql;       /**< body of the upgrade section (NULL: empty) */
	const char *downgrade_sql;     /**< body of the downgrade section (NULL: empty) */
	int portable;                  /**< 1: the sections are `portable` (portable DDL) */
} aurmig_revision_options;

#define AURMIG_REVISION_OPTIONS_INIT { AURMIG_REVISION_OPTIONS_VERSION, NULL, NULL, 0, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 }

/** Fill @p opts with defaults for @p version. @return AURMIG_OK or AURMIG_EINVALID. */
AURMIG_EXTERN(int) aurmig_revision_options_init(aurmig_revision_options *opts, unsigned int version);

/**
 * Write a new script `<id>_<slug>.sql` into the graph's directory (never
 * overwriting a file). The graph is not changed: load it again to see the
 * new revision.
 *
 * @param[out] id_out buffer for the new id (33 bytes are always enough).
 * @return AURMIG_OK; AURMIG_EAMBIGUOUS when no head was given and there
 *         are several (the message lists them); AURMIG_EINVALID for an id
 *         or label already in use or malformed;
 *         AURMIG_ENOTFOUND for an unknown head or dependency; AURMIG_EBUFS;
 *         AURMIG_EIO.
 */
AURMIG_EXTERN(int) aurmig_graph_write_revision(char *id_out, size_t id_size, const aurmig_graph *graph,
	const aurmig_revision_options *opts);

/** The number of heads that are not effective heads (what a CI guard wants to be 1). */
AURMIG_EXTERN(size_t) aurmig_graph_real_head_count(const aurmig_graph *graph);

AURMIG_END_DECL

#endif
