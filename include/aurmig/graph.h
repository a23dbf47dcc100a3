/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file aurmig/graph.h
 * @brief The revision graph: a migrations directory, loaded and validated.
 *
 * A graph is immutable once loaded. Migrations are borrowed from it and
 * stay valid until aurmig_graph_free(). See docs/script-format.md for the
 * script format and the rules checked at load time.
 */
#ifndef AURMIG_GRAPH_H
#define AURMIG_GRAPH_H

#include "common.h"

AURMIG_BEGIN_DECL

/** SQL dialects. */
typedef enum aurmig_dialect {
	AURMIG_DIALECT_ANY = 0,    /**< the common section, used when no dialect section exists */
	AURMIG_DIALECT_SQLITE = 1,
	AURMIG_DIALECT_MYSQL = 2,  /**< MySQL and MariaDB */
	AURMIG_DIALECT_PGSQL = 3   /**< PostgreSQL */
} aurmig_dialect;

/**
 * The dialect's canonical name: "sqlite", "mysql", "pgsql" (the names of
 * script sections and schema files), "portable" for AURMIG_DIALECT_ANY;
 * NULL for a value that is no dialect. Static storage.
 */
AURMIG_EXTERN(const char *) aurmig_dialect_name(int dialect);
/**
 * The dialect a name means, ASCII case ignored: the canonical names and
 * their aliases (sqlite3; mariadb; postgresql, postgres), "portable" or
 * "any" for AURMIG_DIALECT_ANY; -1 for anything else. The CLI's --dialect
 * and lint's configuration accept exactly these.
 */
AURMIG_EXTERN(int) aurmig_dialect_from_name(const char *name);
/**
 * The dialect a connection URL names by its scheme, without connecting:
 * "sqlite:", "mysql:"/"mariadb:", "pgsql:"/"postgresql:"/"postgres:" (a
 * driver suffix as in "mysql+pymysql:" is ignored); -1 for anything else.
 */
AURMIG_EXTERN(int) aurmig_dialect_from_url(const char *url);

/** Directions of a migration. */
typedef enum aurmig_direction {
	AURMIG_UPGRADE = 1,
	AURMIG_DOWNGRADE = 2
} aurmig_direction;

/**
 * Load every `*.sql` script of @p dir and check the graph they form.
 *
 * Fails on the first problem, with file and line in the error record:
 * AURMIG_EPARSE for a malformed script (unknown header key, section in the
 * wrong place, bad id), AURMIG_EGRAPH for duplicate ids or labels, missing
 * parents and cycles, AURMIG_EIO when the directory cannot be read.
 *
 * @param[out] out the graph (caller frees with aurmig_graph_free), NULL on failure.
 */
AURMIG_EXTERN(int) aurmig_graph_load(aurmig_graph **out, aurmig_context *ctx, const char *dir);

/** Free a graph and its migrations. NULL is a no-op. */
AURMIG_EXTERN(void) aurmig_graph_free(aurmig_graph *graph);

/** Number of migrations. */
AURMIG_EXTERN(size_t) aurmig_graph_count(const aurmig_graph *graph);

/**
 * Migration @p i in topological order: every migration comes after its
 * parents and dependencies; ties are broken by file name. NULL when out of range.
 */
AURMIG_EXTERN(const aurmig_migration *) aurmig_graph_at(const aurmig_graph *graph, size_t i);

/** The migration with exactly this full revision id, or NULL. */
AURMIG_EXTERN(const aurmig_migration *) aurmig_graph_get(const aurmig_graph *graph, const char *id);

/** Number of heads (migrations no other migration names as down_revision), including effective heads. */
AURMIG_EXTERN(size_t) aurmig_graph_head_count(const aurmig_graph *graph);
/** Head @p i, in topological order; NULL when out of range. */
AURMIG_EXTERN(const aurmig_migration *) aurmig_graph_head(const aurmig_graph *graph, size_t i);

/** Number of bases (migrations without down_revision). */
AURMIG_EXTERN(size_t) aurmig_graph_base_count(const aurmig_graph *graph);
/** Base @p i, in topological order; NULL when out of range. */
AURMIG_EXTERN(const aurmig_migration *) aurmig_graph_base(const aurmig_graph *graph, size_t i);

/**
 * Resolve a single revision: full id, unique prefix, branch label, or
 * `label@prefix`. Symbolic names (head, base, +N, ...) need current heads:
 * see aurmig_plan_new().
 *
 * @return AURMIG_OK, AURMIG_ENOTFOUND, or AURMIG_EAMBIGUOUS (the message lists
 *         the candidates).
 */
AURMIG_EXTERN(int) aurmig_graph_lookup(const aurmig_migration **out, const aurmig_graph *graph, const char *spec);

/** A list of migrations, borrowed from a graph; see aurmig_graph_history(). */
typedef struct aurmig_revlist aurmig_revlist;

/**
 * The revisions in a range, newest first (children before parents), as
 * `aurmig history -r` shows them.
 *
 * @param range NULL or "" for the whole graph, else "lower:upper" where
 *        either side may be empty (base, heads), a revision spec, `current`,
 *        or relative: `-N` (N below current), `+N`, `rev-N`, `rev+N`.
 *        Both ends are included.
 * @param current the database's current heads, needed when the range says
 *        `current` or is relative without a revision; may be NULL.
 * @return AURMIG_OK, AURMIG_ENOTFOUND, AURMIG_EAMBIGUOUS, AURMIG_EINVALID.
 */
AURMIG_EXTERN(int) aurmig_graph_history(aurmig_revlist **out, const aurmig_graph *graph, const char *range,
	const char *const *current, size_t ncurrent);
/**
 * What `current` shows for these version-table rows, as Alembic does: the
 * rows plus revisions that are applied only as dependencies (a `depends_on`
 * target below no row's down_revision line), newest first. Ids the graph
 * does not know are skipped.
 */
AURMIG_EXTERN(int) aurmig_graph_current(aurmig_revlist **out, const aurmig_graph *graph,
	const char *const *rows, size_t nrows);
AURMIG_EXTERN(size_t) aurmig_revlist_count(const aurmig_revlist *list);
AURMIG_EXTERN(const aurmig_migration *) aurmig_revlist_at(const aurmig_revlist *list, size_t i);
AURMIG_EXTERN(void) aurmig_revlist_free(aurmig_revlist *list);

/** @name Migration accessors. Strings are borrowed from the graph. */
/**@{*/
AURMIG_EXTERN(const char *) aurmig_migration_id(const aurmig_migration *m);
/** The message; "" when the script has none. */
AURMIG_EXTERN(const char *) aurmig_migration_message(const aurmig_migration *m);
/** The create_date header as written, or "". */
AURMIG_EXTERN(const char *) aurmig_migration_create_date(const aurmig_migration *m);
/** Path of the script file. */
AURMIG_EXTERN(const char *) aurmig_migration_path(const aurmig_migration *m);
/** Number of down revisions (0 for a base, 2 or more for a merge). */
AURMIG_EXTERN(size_t) aurmig_migration_parent_count(const aurmig_migration *m);
AURMIG_EXTERN(const char *) aurmig_migration_parent(const aurmig_migration *m, size_t i);
/** Number of depends_on entries, as written (ids or labels). */
AURMIG_EXTERN(size_t) aurmig_migration_dependency_count(const aurmig_migration *m);
AURMIG_EXTERN(const char *) aurmig_migration_dependency(const aurmig_migration *m, size_t i);
/** Number of branch labels declared by this script (not inherited ones). */
AURMIG_EXTERN(size_t) aurmig_migration_label_count(const aurmig_migration *m);
AURMIG_EXTERN(const char *) aurmig_migration_label(const aurmig_migration *m, size_t i);
/** Number of branch labels that apply to this revision (own and inherited), sorted. */
AURMIG_EXTERN(size_t) aurmig_migration_branch_count(const aurmig_migration *m);
AURMIG_EXTERN(const char *) aurmig_migration_branch(const aurmig_migration *m, size_t i);
/** Number of migrations naming this one as down_revision. */
AURMIG_EXTERN(size_t) aurmig_migration_child_count(const aurmig_migration *m);
AURMIG_EXTERN(const char *) aurmig_migration_child(const aurmig_migration *m, size_t i);
/** 1 when no migration names this one as down_revision. */
AURMIG_EXTERN(int) aurmig_migration_is_head(const aurmig_migration *m);
/** 1 when a head that other migrations depend on (Alembic's "effective head"). */
AURMIG_EXTERN(int) aurmig_migration_is_effective_head(const aurmig_migration *m);
/** 1 when the migration has no down_revision. */
AURMIG_EXTERN(int) aurmig_migration_is_base(const aurmig_migration *m);
/** 1 when two or more migrations name this one as down_revision. */
AURMIG_EXTERN(int) aurmig_migration_is_branch_point(const aurmig_migration *m);
/** 1 when the migration has two or more down revisions. */
AURMIG_EXTERN(int) aurmig_migration_is_merge_point(const aurmig_migration *m);
/** 1 when statements run inside a transaction (the default), 0 for `transaction off`. */
AURMIG_EXTERN(int) aurmig_migration_transactional(const aurmig_migration *m);
/**
 * The script's checksum, "v1:" followed by the SHA-256 (hex) of the file
 * with line endings, trailing whitespace and trailing blank lines
 * normalised away. Recorded in the journal when the migration runs.
 */
AURMIG_EXTERN(const char *) aurmig_migration_checksum(const aurmig_migration *m);
/**
 * What a downgrade of this migration cannot restore (the script's
 * `-- aurmig:irreversible <sentence>`, e.g. deleted spam accounts), or
 * NULL. Such a downgrade still runs; plans warn before it.
 */
AURMIG_EXTERN(const char *) aurmig_migration_data_loss(const aurmig_migration *m);
/** 1 when the script has a section for @p direction (for @p dialect or the common one). */
AURMIG_EXTERN(int) aurmig_migration_has_section(const aurmig_migration *m, int direction, int dialect);
/**
 * The SQL text that runs for @p direction on @p dialect (the dialect's own
 * section if present, else the common one), and the 1-based line in the file
 * where it starts. NULL when the script has no such section.
 */
AURMIG_EXTERN(const char *) aurmig_migration_sql(const aurmig_migration *m, int direction, int dialect, int *line_out);
/**@}*/

AURMIG_END_DECL

#endif
