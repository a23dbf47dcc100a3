/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file aurmig/schema.h
 * @brief Schema introspection: one model for SQLite, MySQL/MariaDB and
 *        PostgreSQL, rendered as DDL and compared.
 *
 * aurmig_schema_read() reads the tables of a connection's database (SQLite's
 * main database, MySQL's DATABASE(), PostgreSQL's current_schema()) into a
 * read-only model: tables sorted by name, each with its columns in declared
 * order, primary key, indexes (sorted by name) and foreign keys (sorted by
 * name, unnamed ones by their columns). Types and defaults are normalised
 * so that the same schema reads the same on every backend, modulo the
 * mapping documented in docs/schema.md. libaurmig's own tables (the version
 * table and `aurmig_journal`) are left out unless asked for.
 *
 * Every object is borrowed from its schema and lives until
 * aurmig_schema_free(). Accessors are NULL-safe: they return NULL, 0 or -1
 * for a NULL object or an index out of range.
 */
#ifndef AURMIG_SCHEMA_H
#define AURMIG_SCHEMA_H

#include "common.h"

AURMIG_BEGIN_DECL

/** A database schema read from a connection. */
typedef struct aurmig_schema aurmig_schema;
/** One table of a schema. */
typedef struct aurmig_schema_table aurmig_schema_table;
/** One column of a table. */
typedef struct aurmig_schema_column aurmig_schema_column;
/** One index of a table (the primary key is not among them). */
typedef struct aurmig_schema_index aurmig_schema_index;
/** One foreign key of a table. */
typedef struct aurmig_schema_fkey aurmig_schema_fkey;
/** The differences between two schemas. */
typedef struct aurmig_schema_diff aurmig_schema_diff;

/** Flags of aurmig_schema_read_flags(). */
typedef enum aurmig_schema_flag {
	AURMIG_SCHEMA_OWN_TABLES = 1   /**< include the version table and aurmig_journal */
} aurmig_schema_flag;

/** Normalised column types (aurmig_schema_column_kind()). */
typedef enum aurmig_column_type {
	AURMIG_TYPE_OTHER = 0,      /**< anything else: the type text is the backend's spelling, lower-cased */
	AURMIG_TYPE_INTEGER = 1,    /**< SQLite's INTEGER: an integer of any width */
	AURMIG_TYPE_TINYINT = 2,
	AURMIG_TYPE_SMALLINT = 3,
	AURMIG_TYPE_MEDIUMINT = 4,
	AURMIG_TYPE_INT = 5,
	AURMIG_TYPE_BIGINT = 6,
	AURMIG_TYPE_DECIMAL = 7,    /**< length = precision, scale */
	AURMIG_TYPE_FLOAT = 8,      /**< single precision */
	AURMIG_TYPE_DOUBLE = 9,
	AURMIG_TYPE_CHAR = 10,      /**< length */
	AURMIG_TYPE_VARCHAR = 11,   /**< length */
	AURMIG_TYPE_TEXT = 12,      /**< text, tinytext, mediumtext, longtext */
	AURMIG_TYPE_BLOB = 13,      /**< blob, tinyblob, mediumblob, longblob; PostgreSQL's bytea */
	AURMIG_TYPE_BOOLEAN = 14,   /**< also MySQL's tinyint(1) */
	AURMIG_TYPE_DATE = 15,
	AURMIG_TYPE_TIME = 16,      /**< length = fractional digits when given */
	AURMIG_TYPE_DATETIME = 17,  /**< length = fractional digits when given */
	AURMIG_TYPE_TIMESTAMP = 18  /**< length = fractional digits when given */
} aurmig_column_type;

/** What kind of object a difference is about. */
typedef enum aurmig_schema_object {
	AURMIG_SCHEMA_TABLE = 1,         /**< a table exists on one side only */
	AURMIG_SCHEMA_COLUMN = 2,        /**< a column is missing or defined differently */
	AURMIG_SCHEMA_COLUMN_ORDER = 3,  /**< the common columns are in another order */
	AURMIG_SCHEMA_PRIMARY_KEY = 4,
	AURMIG_SCHEMA_INDEX = 5,
	AURMIG_SCHEMA_FOREIGN_KEY = 6,
	AURMIG_SCHEMA_TABLE_OPTIONS = 7  /**< MySQL charset or collation */
} aurmig_schema_object;

/** Which side has the object. */
typedef enum aurmig_schema_change {
	AURMIG_SCHEMA_ONLY_A = 1,   /**< in a, not in b (b's text is NULL) */
	AURMIG_SCHEMA_ONLY_B = 2,   /**< in b, not in a (a's text is NULL) */
	AURMIG_SCHEMA_CHANGED = 3   /**< in both, different */
} aurmig_schema_change;

/**
 * Read the schema of the connection's database, without libaurmig's own
 * tables. Read-only; takes no lock.
 * @return AURMIG_OK, AURMIG_EINVALID, AURMIG_ENOMEM or AURMIG_EDB.
 */
AURMIG_EXTERN(int) aurmig_schema_read(aurmig_schema **out, aurmig_conn *conn);
/** aurmig_schema_read() with aurmig_schema_flag bits. */
AURMIG_EXTERN(int) aurmig_schema_read_flags(aurmig_schema **out, aurmig_conn *conn, unsigned int flags);

/**
 * Load an SQL file (say `<migrations>/schema/<dialect>.sql`, the declared
 * head schema) into @p scratch, read the schema it makes, then drop the
 * tables again. A file whose first line is `-- aurmig:portable` is
 * portable DDL (say `<migrations>/schema/portable.sql`), rendered for the
 * scratch database's backend. The scratch database must hold no table (AURMIG_EINVALID
 * otherwise) and be of the dialect the file is written for.
 * @return as aurmig_schema_read(), AURMIG_EIO / AURMIG_ENOTFOUND for the
 *         file, AURMIG_EPARSE for an unterminated quote, AURMIG_EDB (with
 *         file and line) when a statement fails.
 */
AURMIG_EXTERN(int) aurmig_schema_load_file(aurmig_schema **out, aurmig_conn *scratch, const char *path);

/** Free a schema and everything borrowed from it. NULL is a no-op. */
AURMIG_EXTERN(void) aurmig_schema_free(aurmig_schema *schema);

/** The aurmig_dialect the schema was read from. */
AURMIG_EXTERN(int) aurmig_schema_dialect(const aurmig_schema *schema);
/** Name the schema in difference messages (default "a" and "b"). Copies. */
AURMIG_EXTERN(int) aurmig_schema_set_label(aurmig_schema *schema, const char *label);
/** The label, or NULL when none was set. */
AURMIG_EXTERN(const char *) aurmig_schema_label(const aurmig_schema *schema);

AURMIG_EXTERN(size_t) aurmig_schema_table_count(const aurmig_schema *schema);
/** Table @p i, by name (byte order). */
AURMIG_EXTERN(const aurmig_schema_table *) aurmig_schema_table_at(const aurmig_schema *schema, size_t i);
/** The table with exactly this name, or NULL. */
AURMIG_EXTERN(const aurmig_schema_table *) aurmig_schema_table_get(const aurmig_schema *schema, const char *name);

AURMIG_EXTERN(const char *) aurmig_schema_table_name(const aurmig_schema_table *table);
/** MySQL: the table's character set (e.g. utf8mb4); NULL on other backends. */
AURMIG_EXTERN(const char *) aurmig_schema_table_charset(const aurmig_schema_table *table);
/** MySQL: the table's collation (e.g. utf8mb4_general_ci); NULL on other backends. */
AURMIG_EXTERN(const char *) aurmig_schema_table_collation(const aurmig_schema_table *table);
AURMIG_EXTERN(size_t) aurmig_schema_table_column_count(const aurmig_schema_table *table);
/** Column @p i in declared order. */
AURMIG_EXTERN(const aurmig_schema_column *) aurmig_schema_table_column(const aurmig_schema_table *table, size_t i);
/** Number of primary-key columns (0: no primary key). */
AURMIG_EXTERN(size_t) aurmig_schema_table_primary_key_count(const aurmig_schema_table *table);
/** Primary-key column @p i, in key order. */
AURMIG_EXTERN(const char *) aurmig_schema_table_primary_key(const aurmig_schema_table *table, size_t i);
AURMIG_EXTERN(size_t) aurmig_schema_table_index_count(const aurmig_schema_table *table);
AURMIG_EXTERN(const aurmig_schema_index *) aurmig_schema_table_index(const aurmig_schema_table *table, size_t i);
AURMIG_EXTERN(size_t) aurmig_schema_table_fkey_count(const aurmig_schema_table *table);
AURMIG_EXTERN(const aurmig_schema_fkey *) aurmig_schema_table_fkey(const aurmig_schema_table *table, size_t i);

AURMIG_EXTERN(const char *) aurmig_schema_column_name(const aurmig_schema_column *column);
/** The normalised type, e.g. "int unsigned", "varchar(32)", "decimal(10,2)", "boolean". */
AURMIG_EXTERN(const char *) aurmig_schema_column_type(const aurmig_schema_column *column);
/** The type as the backend reports it (SQLite: as declared). */
AURMIG_EXTERN(const char *) aurmig_schema_column_raw_type(const aurmig_schema_column *column);
/** An aurmig_column_type. */
AURMIG_EXTERN(int) aurmig_schema_column_kind(const aurmig_schema_column *column);
/** char/varchar length, decimal precision, fractional seconds; -1 when not given. */
AURMIG_EXTERN(int) aurmig_schema_column_length(const aurmig_schema_column *column);
/** decimal scale; -1 when not given. */
AURMIG_EXTERN(int) aurmig_schema_column_scale(const aurmig_schema_column *column);
AURMIG_EXTERN(int) aurmig_schema_column_is_unsigned(const aurmig_schema_column *column);
AURMIG_EXTERN(int) aurmig_schema_column_is_nullable(const aurmig_schema_column *column);
/** The normalised default as an SQL expression ('text', 0, 1.5, true,
 *  CURRENT_TIMESTAMP, ...), or NULL when there is none (or it is NULL). */
AURMIG_EXTERN(const char *) aurmig_schema_column_default(const aurmig_schema_column *column);
/** MySQL AUTO_INCREMENT, PostgreSQL serial or identity, SQLite's INTEGER PRIMARY KEY. */
AURMIG_EXTERN(int) aurmig_schema_column_is_auto_increment(const aurmig_schema_column *column);
/** MySQL: the ON UPDATE expression (CURRENT_TIMESTAMP), or NULL. */
AURMIG_EXTERN(const char *) aurmig_schema_column_on_update(const aurmig_schema_column *column);
/** MySQL: the column's character set when it is not the table's, else NULL. */
AURMIG_EXTERN(const char *) aurmig_schema_column_charset(const aurmig_schema_column *column);
/** MySQL: the column's collation when it is not the table's, else NULL. */
AURMIG_EXTERN(const char *) aurmig_schema_column_collation(const aurmig_schema_column *column);

AURMIG_EXTERN(const char *) aurmig_schema_index_name(const aurmig_schema_index *index);
AURMIG_EXTERN(int) aurmig_schema_index_is_unique(const aurmig_schema_index *index);
AURMIG_EXTERN(size_t) aurmig_schema_index_column_count(const aurmig_schema_index *index);
/** Indexed column @p i in index order: "name", "name DESC", "name(10)" (a
 *  MySQL prefix), or "(expression)". */
AURMIG_EXTERN(const char *) aurmig_schema_index_column(const aurmig_schema_index *index, size_t i);

/** The constraint's name, or NULL (SQLite keeps none). */
AURMIG_EXTERN(const char *) aurmig_schema_fkey_name(const aurmig_schema_fkey *fkey);
AURMIG_EXTERN(size_t) aurmig_schema_fkey_column_count(const aurmig_schema_fkey *fkey);
AURMIG_EXTERN(const char *) aurmig_schema_fkey_column(const aurmig_schema_fkey *fkey, size_t i);
AURMIG_EXTERN(const char *) aurmig_schema_fkey_ref_table(const aurmig_schema_fkey *fkey);
/** The referenced column matching aurmig_schema_fkey_column(@p i). */
AURMIG_EXTERN(const char *) aurmig_schema_fkey_ref_column(const aurmig_schema_fkey *fkey, size_t i);
/** "NO ACTION", "RESTRICT", "CASCADE", "SET NULL" or "SET DEFAULT". */
AURMIG_EXTERN(const char *) aurmig_schema_fkey_on_delete(const aurmig_schema_fkey *fkey);
AURMIG_EXTERN(const char *) aurmig_schema_fkey_on_update(const aurmig_schema_fkey *fkey);

/**
 * Render the schema as CREATE TABLE / CREATE INDEX statements (and, for
 * MySQL and PostgreSQL, ALTER TABLE ... ADD CONSTRAINT for the foreign
 * keys), each ending in ";\n". @p dialect AURMIG_DIALECT_ANY gives portable,
 * MySQL-flavoured DDL meant for reading and comparing; a backend's dialect
 * gives DDL that loads into an empty database of that backend and reads
 * back as the same schema (from a schema of the same backend).
 * @param[out] out the text, owned by the schema, valid until the next dump or
 *        aurmig_schema_free().
 * @return AURMIG_OK, AURMIG_EINVALID (unknown dialect), AURMIG_ENOMEM.
 */
AURMIG_EXTERN(int) aurmig_schema_dump(const char **out, aurmig_schema *schema, int dialect);

/**
 * Portable DDL (docs/portable-ddl.md) that turns @p from into @p to: DROP
 * TABLE, ALTER TABLE ... DROP/ADD/MODIFY COLUMN, primary keys, CREATE/DROP
 * INDEX, ADD/DROP FOREIGN KEY, CREATE TABLE, each statement ending in ";\n";
 * "" when there is nothing to change. Meant for schemas read from the same
 * backend (a database and its declared schema): what `aurmig revision
 * --autogenerate` writes. Types outside the portable subset are written as
 * they are (and refused when the migration is planned).
 * @param[out] out the text, owned by @p to like aurmig_schema_dump()'s.
 */
AURMIG_EXTERN(int) aurmig_schema_migration(const char **out, aurmig_schema *to, const aurmig_schema *from);

/**
 * Compare two schemas. Tables, columns, indexes and foreign keys are matched
 * by name; when the schemas come from different backends, types, defaults
 * and referential actions are compared modulo the documented mapping, names
 * case-insensitively, indexes by their columns, and foreign keys by their
 * columns and references (docs/schema.md).
 * @param[out] out the differences (caller frees with aurmig_schema_diff_free),
 *        in table order; an empty list when the schemas are equal.
 */
AURMIG_EXTERN(int) aurmig_schema_diff_new(aurmig_schema_diff **out, const aurmig_schema *a, const aurmig_schema *b);
AURMIG_EXTERN(void) aurmig_schema_diff_free(aurmig_schema_diff *diff);
AURMIG_EXTERN(size_t) aurmig_schema_diff_count(const aurmig_schema_diff *diff);
/** What the difference is about: an aurmig_schema_object. */
AURMIG_EXTERN(int) aurmig_schema_diff_kind(const aurmig_schema_diff *diff, size_t i);
/** "table", "column", "column_order", "primary_key", "index", "foreign_key",
 *  "table_options"; NULL for an unknown kind. Static. */
AURMIG_EXTERN(const char *) aurmig_schema_object_name(int kind);
/** An aurmig_schema_change. */
AURMIG_EXTERN(int) aurmig_schema_diff_change(const aurmig_schema_diff *diff, size_t i);
/** The table's name (as a spells it when both have it). */
AURMIG_EXTERN(const char *) aurmig_schema_diff_table(const aurmig_schema_diff *diff, size_t i);
/** The column, index or foreign key's name; NULL for table-level differences. */
AURMIG_EXTERN(const char *) aurmig_schema_diff_object(const aurmig_schema_diff *diff, size_t i);
/** The object's definition in a (portable DDL), or NULL when a lacks it. */
AURMIG_EXTERN(const char *) aurmig_schema_diff_a(const aurmig_schema_diff *diff, size_t i);
/** The object's definition in b, or NULL when b lacks it. */
AURMIG_EXTERN(const char *) aurmig_schema_diff_b(const aurmig_schema_diff *diff, size_t i);
/** A sentence describing the difference. */
AURMIG_EXTERN(const char *) aurmig_schema_diff_message(const aurmig_schema_diff *diff, size_t i);

AURMIG_END_DECL

#endif
