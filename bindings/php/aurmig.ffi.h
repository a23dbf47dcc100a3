#define FFI_SCOPE "aurmig"
#define FFI_LIB "libaurmig.so.0"
/* Generated from include/aurmig/aurmig.h by bindings/gen_ffi_header.py (cc -E -P -DAURMIG_FFI). Do not edit: run `ninja -C build update-ffi-header`. */
typedef struct aurmig_context aurmig_context;
typedef struct aurmig_graph aurmig_graph;
typedef struct aurmig_migration aurmig_migration;
typedef struct aurmig_conn aurmig_conn;
typedef struct aurmig_plan aurmig_plan;
typedef struct aurmig_step aurmig_step;
typedef enum aurmig_error_code {
  AURMIG_OK = 0,
  AURMIG_ERROR = -1,
  AURMIG_ENOMEM = -2,
  AURMIG_EINVALID = -3,
  AURMIG_EPARSE = -4,
  AURMIG_EGRAPH = -5,
  AURMIG_ENOTFOUND = -6,
  AURMIG_EAMBIGUOUS = -7,
  AURMIG_EIO = -8,
  AURMIG_EDB = -9,
  AURMIG_ECONFLICT = -10,
  AURMIG_EUNKNOWNREV = -11,
  AURMIG_EIRREVERSIBLE = -12,
  AURMIG_ELOCKED = -13,
  AURMIG_EUSER = -14,
  AURMIG_EBUFS = -15,
  AURMIG_EUNSUPPORTED = -16,
  AURMIG_ERECOVERY = -17,
  AURMIG_EDRIFT = -18,
  AURMIG_EINPROGRESS = -19,
  AURMIG_EASSERT = -20,
  AURMIG_ITEROVER = -31
} aurmig_error_code;
typedef enum aurmig_error_class {
  AURMIG_ERRCLASS_NONE = 0,
  AURMIG_ERRCLASS_NOMEM = 1,
  AURMIG_ERRCLASS_OS = 2,
  AURMIG_ERRCLASS_SCRIPT = 3,
  AURMIG_ERRCLASS_GRAPH = 4,
  AURMIG_ERRCLASS_TARGET = 5,
  AURMIG_ERRCLASS_DB = 6,
  AURMIG_ERRCLASS_CONFIG = 7,
  AURMIG_ERRCLASS_API = 8,
  AURMIG_ERRCLASS_CALLBACK = 9
} aurmig_error_class;
typedef struct aurmig_error {
  int code;
  int klass;
  const char *message;
  const char *file;
  int line;
  const char *revision;
  const char *statement;
  int db_code;
} aurmig_error;
const aurmig_error *aurmig_error_last(const aurmig_context *ctx);
const char *aurmig_error_str(int code);
size_t aurmig_error_count(void);
int aurmig_error_at(size_t i);
const char *aurmig_error_name(int code);
int aurmig_error_from_name(const char *name);
const char *aurmig_error_family(int code);
int aurmig_error_exit_code(int code);
typedef enum aurmig_log_level {
  AURMIG_LOG_ERROR = 1,
  AURMIG_LOG_WARNING = 2,
  AURMIG_LOG_INFO = 3,
  AURMIG_LOG_DEBUG = 4
} aurmig_log_level;
typedef void (*aurmig_log_fn)(void *payload, int level, const char *message);
int aurmig_context_new(aurmig_context **out);
void aurmig_context_free(aurmig_context *ctx);
void aurmig_context_set_log(aurmig_context *ctx, aurmig_log_fn fn, void *payload, int max_level);
typedef enum aurmig_hook_flag {
  AURMIG_HOOK_OWN_CONNECTION = 1
} aurmig_hook_flag;
typedef int (*aurmig_hook_fn)(void *payload, aurmig_conn *conn, const char *hook, const char *revision, int direction);
int aurmig_context_set_hook(aurmig_context *ctx, const char *name, aurmig_hook_fn fn, void *payload, unsigned int flags);
void aurmig_version(int *major, int *minor, int *patch);
const char *aurmig_version_string(void);
typedef enum aurmig_dialect {
  AURMIG_DIALECT_ANY = 0,
  AURMIG_DIALECT_SQLITE = 1,
  AURMIG_DIALECT_MYSQL = 2,
  AURMIG_DIALECT_PGSQL = 3
} aurmig_dialect;
const char *aurmig_dialect_name(int dialect);
int aurmig_dialect_from_name(const char *name);
int aurmig_dialect_from_url(const char *url);
typedef enum aurmig_direction {
  AURMIG_UPGRADE = 1,
  AURMIG_DOWNGRADE = 2
} aurmig_direction;
int aurmig_graph_load(aurmig_graph **out, aurmig_context *ctx, const char *dir);
void aurmig_graph_free(aurmig_graph *graph);
size_t aurmig_graph_count(const aurmig_graph *graph);
const aurmig_migration *aurmig_graph_at(const aurmig_graph *graph, size_t i);
const aurmig_migration *aurmig_graph_get(const aurmig_graph *graph, const char *id);
size_t aurmig_graph_head_count(const aurmig_graph *graph);
const aurmig_migration *aurmig_graph_head(const aurmig_graph *graph, size_t i);
size_t aurmig_graph_base_count(const aurmig_graph *graph);
const aurmig_migration *aurmig_graph_base(const aurmig_graph *graph, size_t i);
int aurmig_graph_lookup(const aurmig_migration **out, const aurmig_graph *graph, const char *spec);
typedef struct aurmig_revlist aurmig_revlist;
int aurmig_graph_history(aurmig_revlist **out, const aurmig_graph *graph, const char *range, const char *const *current, size_t ncurrent);
int aurmig_graph_current(aurmig_revlist **out, const aurmig_graph *graph, const char *const *rows, size_t nrows);
size_t aurmig_revlist_count(const aurmig_revlist *list);
const aurmig_migration *aurmig_revlist_at(const aurmig_revlist *list, size_t i);
void aurmig_revlist_free(aurmig_revlist *list);
const char *aurmig_migration_id(const aurmig_migration *m);
const char *aurmig_migration_message(const aurmig_migration *m);
const char *aurmig_migration_create_date(const aurmig_migration *m);
const char *aurmig_migration_path(const aurmig_migration *m);
size_t aurmig_migration_parent_count(const aurmig_migration *m);
const char *aurmig_migration_parent(const aurmig_migration *m, size_t i);
size_t aurmig_migration_dependency_count(const aurmig_migration *m);
const char *aurmig_migration_dependency(const aurmig_migration *m, size_t i);
size_t aurmig_migration_label_count(const aurmig_migration *m);
const char *aurmig_migration_label(const aurmig_migration *m, size_t i);
size_t aurmig_migration_branch_count(const aurmig_migration *m);
const char *aurmig_migration_branch(const aurmig_migration *m, size_t i);
size_t aurmig_migration_child_count(const aurmig_migration *m);
const char *aurmig_migration_child(const aurmig_migration *m, size_t i);
int aurmig_migration_is_head(const aurmig_migration *m);
int aurmig_migration_is_effective_head(const aurmig_migration *m);
int aurmig_migration_is_base(const aurmig_migration *m);
int aurmig_migration_is_branch_point(const aurmig_migration *m);
int aurmig_migration_is_merge_point(const aurmig_migration *m);
int aurmig_migration_transactional(const aurmig_migration *m);
const char *aurmig_migration_checksum(const aurmig_migration *m);
const char *aurmig_migration_data_loss(const aurmig_migration *m);
int aurmig_migration_has_section(const aurmig_migration *m, int direction, int dialect);
const char *aurmig_migration_sql(const aurmig_migration *m, int direction, int dialect, int *line_out);
int aurmig_conn_open(aurmig_conn **out, aurmig_context *ctx, const char *url);
int aurmig_conn_open_aurweb_config(aurmig_conn **out, aurmig_context *ctx, const char *path);
typedef enum aurmig_open_flag {
  AURMIG_OPEN_EXISTING = 1
} aurmig_open_flag;
int aurmig_conn_open_flags(aurmig_conn **out, aurmig_context *ctx, const char *url, unsigned int flags);
int aurmig_conn_open_aurweb_config_flags(aurmig_conn **out, aurmig_context *ctx, const char *path, unsigned int flags);
void aurmig_conn_free(aurmig_conn *conn);
int aurmig_conn_set_version_table(aurmig_conn *conn, const char *name);
const char *aurmig_conn_version_table(const aurmig_conn *conn);
const char *aurmig_conn_journal_table(const aurmig_conn *conn);
int aurmig_conn_exec(aurmig_conn *conn, const char *sql);
int aurmig_conn_set_timeout(aurmig_conn *conn, long timeout_ms);
enum aurmig_lock_mode {
  AURMIG_LOCK_AUTO = 0,
  AURMIG_LOCK_SESSION = 1,
  AURMIG_LOCK_LEASE = 2
};
int aurmig_conn_set_cluster(aurmig_conn *conn, int lock_mode, long lease_seconds, int allow_non_toi);
typedef enum aurmig_lock_kind {
  AURMIG_LOCK_KIND_FLOCK = 1,
  AURMIG_LOCK_KIND_GET_LOCK = 2,
  AURMIG_LOCK_KIND_ADVISORY = 3,
  AURMIG_LOCK_KIND_LEASE = 4
} aurmig_lock_kind;
typedef enum aurmig_lock_field {
  AURMIG_LOCKINFO_NAME = 1,
  AURMIG_LOCKINFO_OWNER = 2,
  AURMIG_LOCKINFO_HOST = 3,
  AURMIG_LOCKINFO_PID = 4,
  AURMIG_LOCKINFO_NODE = 5,
  AURMIG_LOCKINFO_ACQUIRED_AT = 6,
  AURMIG_LOCKINFO_HEARTBEAT_AT = 7,
  AURMIG_LOCKINFO_EXPIRES_AT = 8,
  AURMIG_LOCKINFO_CONNECTION = 9,
  AURMIG_LOCKINFO_USER = 10
} aurmig_lock_field;
typedef struct aurmig_lock_info aurmig_lock_info;
int aurmig_lock_info_new(aurmig_lock_info **out, aurmig_conn *conn);
int aurmig_lock_info_kind(const aurmig_lock_info *info);
int aurmig_lock_info_held(const aurmig_lock_info *info);
int aurmig_lock_info_expired(const aurmig_lock_info *info);
int aurmig_lock_info_mine(const aurmig_lock_info *info);
const char *aurmig_lock_info_field(const aurmig_lock_info *info, int field);
void aurmig_lock_info_free(aurmig_lock_info *info);
int aurmig_lock_break(aurmig_conn *conn, int force, aurmig_lock_info **previous);
int aurmig_conn_replica(aurmig_conn *conn, int *is_replica, double *lag_seconds);
int aurmig_conn_dialect(const aurmig_conn *conn);
const char *aurmig_conn_display_url(const aurmig_conn *conn);
int aurmig_conn_read_current(aurmig_conn *conn, size_t *count_out);
const char *aurmig_conn_current_head(const aurmig_conn *conn, size_t i);
typedef enum aurmig_command {
  AURMIG_CMD_UPGRADE = 1,
  AURMIG_CMD_DOWNGRADE = 2,
  AURMIG_CMD_STAMP = 3
} aurmig_command;
typedef enum aurmig_plan_flag {
  AURMIG_PLAN_ONE_TRANSACTION = 1,
  AURMIG_PLAN_PURGE = 2,
  AURMIG_PLAN_NO_LOCK = 4,
  AURMIG_PLAN_CONFIG_WHEN_NEEDED = 8
} aurmig_plan_flag;
typedef enum aurmig_step_kind {
  AURMIG_STEP_UPGRADE = 1,
  AURMIG_STEP_DOWNGRADE = 2,
  AURMIG_STEP_STAMP = 3
} aurmig_step_kind;
typedef enum aurmig_progress_phase {
  AURMIG_PROGRESS_START = 1,
  AURMIG_PROGRESS_DONE = 2,
  AURMIG_PROGRESS_STATEMENT = 3,
  AURMIG_PROGRESS_LOCK_WAIT = 4,
  AURMIG_PROGRESS_BATCH = 5,
  AURMIG_PROGRESS_WARNING = 6
} aurmig_progress_phase;
typedef int (*aurmig_progress_fn)(void *payload, const aurmig_step *step, int phase);
typedef enum aurmig_plan_options_version {
  AURMIG_PLAN_OPTIONS_VERSION = 3
} aurmig_plan_options_version;
typedef struct aurmig_plan_options {
  unsigned int version;
  unsigned int flags;
  aurmig_progress_fn progress;
  void *progress_payload;
  long lock_timeout_ms;
  const char *config_file;
  long ddl_lock_wait_ms;
  int lock_retries;
  long lock_retry_delay_ms;
  int online;
  long warn_blocking_ms;
} aurmig_plan_options;
int aurmig_plan_options_init(aurmig_plan_options *opts, unsigned int version);
int aurmig_plan_new(aurmig_plan **out, aurmig_conn *conn, const aurmig_graph *graph, int command, const char *const *targets, size_t ntargets, const aurmig_plan_options *opts);
int aurmig_plan_new_offline(aurmig_plan **out, aurmig_context *ctx, const aurmig_graph *graph, int dialect, const char *start, int command, const char *const *targets, size_t ntargets, const aurmig_plan_options *opts);
int aurmig_plan_sql(const char **out, aurmig_plan *plan);
void aurmig_plan_free(aurmig_plan *plan);
size_t aurmig_plan_count(const aurmig_plan *plan);
const aurmig_step *aurmig_plan_at(const aurmig_plan *plan, size_t i);
size_t aurmig_plan_before_count(const aurmig_plan *plan);
const char *aurmig_plan_before(const aurmig_plan *plan, size_t i);
size_t aurmig_plan_after_count(const aurmig_plan *plan);
const char *aurmig_plan_after(const aurmig_plan *plan, size_t i);
int aurmig_plan_next(const aurmig_step **out, aurmig_plan *plan);
int aurmig_plan_run(aurmig_plan *plan);
int aurmig_step_kind_of(const aurmig_step *step);
const aurmig_migration *aurmig_step_migration(const aurmig_step *step);
size_t aurmig_step_from_count(const aurmig_step *step);
const char *aurmig_step_from(const aurmig_step *step, size_t i);
size_t aurmig_step_to_count(const aurmig_step *step);
const char *aurmig_step_to(const aurmig_step *step, size_t i);
size_t aurmig_step_statements(const aurmig_step *step);
double aurmig_step_seconds(const aurmig_step *step);
size_t aurmig_step_statement_count(const aurmig_step *step);
size_t aurmig_step_retries(const aurmig_step *step);
size_t aurmig_step_batches(const aurmig_step *step);
size_t aurmig_step_batch_rows(const aurmig_step *step);
typedef struct aurmig_step_warning {
  const char *message;
  const char *table;
  const char *algorithm;
  const char *lock;
  const char *refusal;
  const char *file;
  int line;
  double seconds;
  double rows;
  double bytes;
} aurmig_step_warning;
const aurmig_step_warning *aurmig_step_warning_last(const aurmig_step *step);
size_t aurmig_step_warnings(const aurmig_step *step);
int aurmig_graph_declared_schema(char *path_out, size_t path_size, const aurmig_graph *graph, int dialect);
int aurmig_init(aurmig_conn *conn, const aurmig_graph *graph, const aurmig_plan_options *opts);
typedef enum aurmig_config_state {
  AURMIG_CONFIG_IN_SYNC = 0,
  AURMIG_CONFIG_BEHIND = 1,
  AURMIG_CONFIG_EDITED = 2,
  AURMIG_CONFIG_PENDING = 3,
  AURMIG_CONFIG_MISSING = 4
} aurmig_config_state;
int aurmig_config_check(int *state_out, aurmig_conn *conn, const aurmig_graph *graph, const char *path);
typedef struct aurmig_config_status aurmig_config_status;
int aurmig_config_status_new(aurmig_config_status **out, aurmig_conn *conn, const aurmig_graph *graph, const char *path);
int aurmig_config_status_state(const aurmig_config_status *status);
const char *aurmig_config_status_message(const aurmig_config_status *status);
void aurmig_config_status_free(aurmig_config_status *status);
int aurmig_config_stamp(aurmig_conn *conn, const aurmig_graph *graph, const char *path);
int aurmig_config_stamp_opts(aurmig_conn *conn, const aurmig_graph *graph, const char *path, const aurmig_plan_options *opts);
const char *aurmig_plan_init_schema(const aurmig_plan *plan);
int aurmig_upgrade_builds_from_schema(int *out, aurmig_conn *conn, const aurmig_graph *graph);
typedef enum aurmig_state {
  AURMIG_STATE_AT_HEAD = 0,
  AURMIG_STATE_BEHIND = 1,
  AURMIG_STATE_UNKNOWN = 2,
  AURMIG_STATE_RECOVERY = 3,
  AURMIG_STATE_DRIFT = 4,
  AURMIG_STATE_IN_PROGRESS = 5
} aurmig_state;
const char *aurmig_state_name(int state);
const char *aurmig_config_state_name(int state);
const char *aurmig_step_kind_name(int kind);
int aurmig_check(int *state_out, size_t *pending_out, aurmig_conn *conn, const aurmig_graph *graph);
typedef enum aurmig_recovery_action {
  AURMIG_RECOVER_RESUME = 1,
  AURMIG_RECOVER_MARK_APPLIED = 2,
  AURMIG_RECOVER_MARK_ROLLED_BACK = 3
} aurmig_recovery_action;
int aurmig_recover(aurmig_conn *conn, const aurmig_graph *graph, int action, const char *revision, const aurmig_plan_options *opts);
typedef enum aurmig_issue_kind {
  AURMIG_ISSUE_PENDING = 1,
  AURMIG_ISSUE_CHANGED = 2,
  AURMIG_ISSUE_UNKNOWN = 3,
  AURMIG_ISSUE_RECOVERY = 4,
  AURMIG_ISSUE_UNRECORDED = 5,
  AURMIG_ISSUE_IN_PROGRESS = 6
} aurmig_issue_kind;
typedef struct aurmig_report aurmig_report;
int aurmig_validate(aurmig_report **out, aurmig_conn *conn, const aurmig_graph *graph);
size_t aurmig_report_count(const aurmig_report *report);
int aurmig_report_kind(const aurmig_report *report, size_t i);
const char *aurmig_report_revision(const aurmig_report *report, size_t i);
const char *aurmig_report_message(const aurmig_report *report, size_t i);
void aurmig_report_free(aurmig_report *report);
int aurmig_accept_checksums(aurmig_conn *conn, const aurmig_graph *graph, const char *revision);
int aurmig_accept_checksums_opts(aurmig_conn *conn, const aurmig_graph *graph, const char *revision, const aurmig_plan_options *opts);
typedef struct aurmig_status aurmig_status;
int aurmig_status_new(aurmig_status **out, aurmig_context *ctx, const char *url, const char *aurweb_config, const char *dir);
typedef enum aurmig_status_defaults {
  AURMIG_STATUS_TIMEOUT_MS = 5000
} aurmig_status_defaults;
int aurmig_status_new_timeout(aurmig_status **out, aurmig_context *ctx, const char *url, const char *aurweb_config, const char *dir, long timeout_ms);
int aurmig_status_from(aurmig_status **out, aurmig_conn *conn, const aurmig_graph *graph);
int aurmig_status_state(const aurmig_status *status);
const char *aurmig_status_message(const aurmig_status *status);
typedef enum aurmig_run_field {
  AURMIG_RUN_ID = 1,
  AURMIG_RUN_HOST = 2,
  AURMIG_RUN_PID = 3,
  AURMIG_RUN_SINCE = 4,
  AURMIG_RUN_REVISION = 5,
  AURMIG_RUN_OPERATION = 6,
  AURMIG_RUN_STATEMENT = 7,
  AURMIG_RUN_STATEMENTS = 8
} aurmig_run_field;
const char *aurmig_status_run(const aurmig_status *status, int field);
size_t aurmig_status_current_count(const aurmig_status *status);
const char *aurmig_status_current(const aurmig_status *status, size_t i);
size_t aurmig_status_head_count(const aurmig_status *status);
const char *aurmig_status_head(const aurmig_status *status, size_t i);
size_t aurmig_status_pending_count(const aurmig_status *status);
const char *aurmig_status_pending(const aurmig_status *status, size_t i);
void aurmig_status_free(aurmig_status *status);
typedef enum aurmig_revision_options_version {
  AURMIG_REVISION_OPTIONS_VERSION = 2
} aurmig_revision_options_version;
typedef struct aurmig_revision_options {
  unsigned int version;
  const char *message;
  const char *const *heads;
  size_t nheads;
  const char *branch_label;
  const char *const *depends_on;
  size_t ndepends_on;
  const char *rev_id;
  const char *create_date;
  const char *upgrade_sql;
  const char *downgrade_sql;
  int portable;
} aurmig_revision_options;
int aurmig_revision_options_init(aurmig_revision_options *opts, unsigned int version);
int aurmig_graph_write_revision(char *id_out, size_t id_size, const aurmig_graph *graph, const aurmig_revision_options *opts);
size_t aurmig_graph_real_head_count(const aurmig_graph *graph);
typedef struct aurmig_schema aurmig_schema;
typedef struct aurmig_schema_table aurmig_schema_table;
typedef struct aurmig_schema_column aurmig_schema_column;
typedef struct aurmig_schema_index aurmig_schema_index;
typedef struct aurmig_schema_fkey aurmig_schema_fkey;
typedef struct aurmig_schema_diff aurmig_schema_diff;
typedef enum aurmig_schema_flag {
  AURMIG_SCHEMA_OWN_TABLES = 1
} aurmig_schema_flag;
typedef enum aurmig_column_type {
  AURMIG_TYPE_OTHER = 0,
  AURMIG_TYPE_INTEGER = 1,
  AURMIG_TYPE_TINYINT = 2,
  AURMIG_TYPE_SMALLINT = 3,
  AURMIG_TYPE_MEDIUMINT = 4,
  AURMIG_TYPE_INT = 5,
  AURMIG_TYPE_BIGINT = 6,
  AURMIG_TYPE_DECIMAL = 7,
  AURMIG_TYPE_FLOAT = 8,
  AURMIG_TYPE_DOUBLE = 9,
  AURMIG_TYPE_CHAR = 10,
  AURMIG_TYPE_VARCHAR = 11,
  AURMIG_TYPE_TEXT = 12,
  AURMIG_TYPE_BLOB = 13,
  AURMIG_TYPE_BOOLEAN = 14,
  AURMIG_TYPE_DATE = 15,
  AURMIG_TYPE_TIME = 16,
  AURMIG_TYPE_DATETIME = 17,
  AURMIG_TYPE_TIMESTAMP = 18
} aurmig_column_type;
typedef enum aurmig_schema_object {
  AURMIG_SCHEMA_TABLE = 1,
  AURMIG_SCHEMA_COLUMN = 2,
  AURMIG_SCHEMA_COLUMN_ORDER = 3,
  AURMIG_SCHEMA_PRIMARY_KEY = 4,
  AURMIG_SCHEMA_INDEX = 5,
  AURMIG_SCHEMA_FOREIGN_KEY = 6,
  AURMIG_SCHEMA_TABLE_OPTIONS = 7
} aurmig_schema_object;
typedef enum aurmig_schema_change {
  AURMIG_SCHEMA_ONLY_A = 1,
  AURMIG_SCHEMA_ONLY_B = 2,
  AURMIG_SCHEMA_CHANGED = 3
} aurmig_schema_change;
int aurmig_schema_read(aurmig_schema **out, aurmig_conn *conn);
int aurmig_schema_read_flags(aurmig_schema **out, aurmig_conn *conn, unsigned int flags);
int aurmig_schema_load_file(aurmig_schema **out, aurmig_conn *scratch, const char *path);
void aurmig_schema_free(aurmig_schema *schema);
int aurmig_schema_dialect(const aurmig_schema *schema);
int aurmig_schema_set_label(aurmig_schema *schema, const char *label);
const char *aurmig_schema_label(const aurmig_schema *schema);
size_t aurmig_schema_table_count(const aurmig_schema *schema);
const aurmig_schema_table *aurmig_schema_table_at(const aurmig_schema *schema, size_t i);
const aurmig_schema_table *aurmig_schema_table_get(const aurmig_schema *schema, const char *name);
const char *aurmig_schema_table_name(const aurmig_schema_table *table);
const char *aurmig_schema_table_charset(const aurmig_schema_table *table);
const char *aurmig_schema_table_collation(const aurmig_schema_table *table);
size_t aurmig_schema_table_column_count(const aurmig_schema_table *table);
const aurmig_schema_column *aurmig_schema_table_column(const aurmig_schema_table *table, size_t i);
size_t aurmig_schema_table_primary_key_count(const aurmig_schema_table *table);
const char *aurmig_schema_table_primary_key(const aurmig_schema_table *table, size_t i);
size_t aurmig_schema_table_index_count(const aurmig_schema_table *table);
const aurmig_schema_index *aurmig_schema_table_index(const aurmig_schema_table *table, size_t i);
size_t aurmig_schema_table_fkey_count(const aurmig_schema_table *table);
const aurmig_schema_fkey *aurmig_schema_table_fkey(const aurmig_schema_table *table, size_t i);
const char *aurmig_schema_column_name(const aurmig_schema_column *column);
const char *aurmig_schema_column_type(const aurmig_schema_column *column);
const char *aurmig_schema_column_raw_type(const aurmig_schema_column *column);
int aurmig_schema_column_kind(const aurmig_schema_column *column);
int aurmig_schema_column_length(const aurmig_schema_column *column);
int aurmig_schema_column_scale(const aurmig_schema_column *column);
int aurmig_schema_column_is_unsigned(const aurmig_schema_column *column);
int aurmig_schema_column_is_nullable(const aurmig_schema_column *column);
const char *aurmig_schema_column_default(const aurmig_schema_column *column);
int aurmig_schema_column_is_auto_increment(const aurmig_schema_column *column);
const char *aurmig_schema_column_on_update(const aurmig_schema_column *column);
const char *aurmig_schema_column_charset(const aurmig_schema_column *column);
const char *aurmig_schema_column_collation(const aurmig_schema_column *column);
const char *aurmig_schema_index_name(const aurmig_schema_index *index);
int aurmig_schema_index_is_unique(const aurmig_schema_index *index);
size_t aurmig_schema_index_column_count(const aurmig_schema_index *index);
const char *aurmig_schema_index_column(const aurmig_schema_index *index, size_t i);
const char *aurmig_schema_fkey_name(const aurmig_schema_fkey *fkey);
size_t aurmig_schema_fkey_column_count(const aurmig_schema_fkey *fkey);
const char *aurmig_schema_fkey_column(const aurmig_schema_fkey *fkey, size_t i);
const char *aurmig_schema_fkey_ref_table(const aurmig_schema_fkey *fkey);
const char *aurmig_schema_fkey_ref_column(const aurmig_schema_fkey *fkey, size_t i);
const char *aurmig_schema_fkey_on_delete(const aurmig_schema_fkey *fkey);
const char *aurmig_schema_fkey_on_update(const aurmig_schema_fkey *fkey);
int aurmig_schema_dump(const char **out, aurmig_schema *schema, int dialect);
int aurmig_schema_migration(const char **out, aurmig_schema *to, const aurmig_schema *from);
int aurmig_schema_diff_new(aurmig_schema_diff **out, const aurmig_schema *a, const aurmig_schema *b);
void aurmig_schema_diff_free(aurmig_schema_diff *diff);
size_t aurmig_schema_diff_count(const aurmig_schema_diff *diff);
int aurmig_schema_diff_kind(const aurmig_schema_diff *diff, size_t i);
const char *aurmig_schema_object_name(int kind);
int aurmig_schema_diff_change(const aurmig_schema_diff *diff, size_t i);
const char *aurmig_schema_diff_table(const aurmig_schema_diff *diff, size_t i);
const char *aurmig_schema_diff_object(const aurmig_schema_diff *diff, size_t i);
const char *aurmig_schema_diff_a(const aurmig_schema_diff *diff, size_t i);
const char *aurmig_schema_diff_b(const aurmig_schema_diff *diff, size_t i);
const char *aurmig_schema_diff_message(const aurmig_schema_diff *diff, size_t i);
typedef enum aurmig_lint_severity {
  AURMIG_LINT_IGNORE = 0,
  AURMIG_LINT_INFO = 1,
  AURMIG_LINT_WARNING = 2,
  AURMIG_LINT_ERROR = 3
} aurmig_lint_severity;
typedef struct aurmig_lint_options aurmig_lint_options;
typedef struct aurmig_lint_report aurmig_lint_report;
typedef struct aurmig_lint_finding aurmig_lint_finding;
int aurmig_lint_options_new(aurmig_lint_options **out, aurmig_context *ctx);
void aurmig_lint_options_free(aurmig_lint_options *opts);
int aurmig_lint_options_add_dialect(aurmig_lint_options *opts, int dialect);
int aurmig_lint_options_set_severity(aurmig_lint_options *opts, const char *codes, int severity);
int aurmig_lint_options_set_check_down(aurmig_lint_options *opts, int on);
int aurmig_lint_options_ignore(aurmig_lint_options *opts, const char *revision, const char *codes, const char *reason);
int aurmig_lint_options_set_online(aurmig_lint_options *opts, int on);
int aurmig_lint_options_set_server_version(aurmig_lint_options *opts, const char *spec);
int aurmig_lint_options_large_table(aurmig_lint_options *opts, const char *table, long rows);
int aurmig_lint_options_set_large_rows(aurmig_lint_options *opts, long rows);
int aurmig_lint_options_set_name_pattern(aurmig_lint_options *opts, const char *kind, const char *regex);
int aurmig_lint_options_set_live(aurmig_lint_options *opts, aurmig_conn *conn, long timeout_ms);
int aurmig_lint_report_new(aurmig_lint_report **out, aurmig_context *ctx);
void aurmig_lint_report_free(aurmig_lint_report *report);
int aurmig_lint_migration(aurmig_lint_report *report, const aurmig_migration *m, const aurmig_lint_options *opts);
int aurmig_lint_file(aurmig_lint_report *report, const char *path, const aurmig_lint_options *opts);
int aurmig_lint_probe(aurmig_lint_report *report, aurmig_conn *scratch, const aurmig_migration *m, const aurmig_lint_options *opts);
int aurmig_lint_probe_file(aurmig_lint_report *report, aurmig_conn *scratch, const aurmig_graph *graph, const char *path, const aurmig_lint_options *opts);
size_t aurmig_lint_report_count(const aurmig_lint_report *report);
const aurmig_lint_finding *aurmig_lint_report_at(const aurmig_lint_report *report, size_t i);
size_t aurmig_lint_report_severity_count(const aurmig_lint_report *report, int severity);
size_t aurmig_lint_report_suppressed_count(const aurmig_lint_report *report);
const char *aurmig_lint_finding_code(const aurmig_lint_finding *f);
int aurmig_lint_finding_severity(const aurmig_lint_finding *f);
const char *aurmig_lint_finding_file(const aurmig_lint_finding *f);
const char *aurmig_lint_finding_revision(const aurmig_lint_finding *f);
int aurmig_lint_finding_line(const aurmig_lint_finding *f);
int aurmig_lint_finding_column(const aurmig_lint_finding *f);
const char *aurmig_lint_finding_dialects(const aurmig_lint_finding *f);
const char *aurmig_lint_finding_message(const aurmig_lint_finding *f);
const char *aurmig_lint_finding_why(const aurmig_lint_finding *f);
const char *aurmig_lint_finding_hint(const aurmig_lint_finding *f);
const char *aurmig_lint_finding_statement(const aurmig_lint_finding *f);
int aurmig_lint_finding_suppressed(const aurmig_lint_finding *f);
const char *aurmig_lint_finding_reason(const aurmig_lint_finding *f);
long aurmig_lint_finding_live_rows(const aurmig_lint_finding *f);
long aurmig_lint_finding_live_bytes(const aurmig_lint_finding *f);
int aurmig_lint_finding_live_estimated(const aurmig_lint_finding *f);
long aurmig_lint_finding_live_violations(const aurmig_lint_finding *f);
const char *aurmig_lint_finding_live_unknown(const aurmig_lint_finding *f);
size_t aurmig_lint_rule_count(void);
const char *aurmig_lint_rule_code(size_t i);
int aurmig_lint_rule_severity(size_t i);
const char *aurmig_lint_rule_dialects(size_t i);
const char *aurmig_lint_rule_summary(size_t i);
typedef struct aurmig_verify aurmig_verify;
typedef enum aurmig_verify_check {
  AURMIG_VERIFY_SINGLE_HEAD = 1,
  AURMIG_VERIFY_UPGRADE = 2,
  AURMIG_VERIFY_STAIRWAY = 4,
  AURMIG_VERIFY_DECLARED = 8,
  AURMIG_VERIFY_DIALECTS = 16,
  AURMIG_VERIFY_FIXTURES = 32,
  AURMIG_VERIFY_ALL = 63
} aurmig_verify_check;
typedef enum aurmig_verify_status {
  AURMIG_VERIFY_PASSED = 1,
  AURMIG_VERIFY_FAILED = 2,
  AURMIG_VERIFY_SKIPPED = 3
} aurmig_verify_status;
int aurmig_verify_new(aurmig_verify **out, aurmig_context *ctx);
void aurmig_verify_free(aurmig_verify *report);
int aurmig_verify_run(aurmig_verify *report, aurmig_conn *scratch, const aurmig_graph *graph, unsigned int checks);
size_t aurmig_verify_count(const aurmig_verify *report);
size_t aurmig_verify_failures(const aurmig_verify *report);
int aurmig_verify_check_of(const aurmig_verify *report, size_t i);
const char *aurmig_verify_check_name(int check);
int aurmig_verify_status_of(const aurmig_verify *report, size_t i);
const char *aurmig_verify_status_name(int status);
int aurmig_verify_dialect(const aurmig_verify *report, size_t i);
const char *aurmig_verify_revision(const aurmig_verify *report, size_t i);
const char *aurmig_verify_message(const aurmig_verify *report, size_t i);
int aurmig_graph_sum_write(const aurmig_graph *graph);
int aurmig_graph_sum_check(int *found_out, const aurmig_graph *graph);
typedef enum aurmig_drift_lock {
  AURMIG_DRIFT_PROBE = 0,
  AURMIG_DRIFT_HOLD = 1
} aurmig_drift_lock;
int aurmig_drift_read(aurmig_schema **live_out, aurmig_schema **expected_out, char **revisions_out, aurmig_conn *conn, aurmig_conn *scratch, const aurmig_graph *graph, int lock, long lock_timeout_ms);
typedef int (*aurmig_ini_entry_fn)(void *payload, const char *section, const char *key, const char *value, int line);
int aurmig_ini_read(aurmig_context *ctx, const char *path, aurmig_ini_entry_fn fn, void *payload);
