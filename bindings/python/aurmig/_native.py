# SPDX-License-Identifier: GPL-2.0-or-later
"""ctypes declarations of libaurmig's C API.

DECLARATIONS below is the function part of the generated FFI header
(bindings/php/aurmig.ffi.h, made from include/aurmig/*.h by the C
preprocessor), written into this file by `ninja -C build update-ffi-header`
together with the PHP copy; tests/bindings/python checks that both list the
same functions with the same types, and that every type has a ctypes
mapping here (a new struct or callback type needs one), so a change of the
C API fails the tests instead of crashing here. Each line is turned into
argtypes/restype; pointer results are never left to ctypes' int default.

The library is looked up in this order: $AURMIG_LIBRARY; the build tree
($AURMIG_BUILD_ROOT/lib, or build*/lib of the source checkout this package
sits in); what meson recorded for the installed library (_installed.py: its
path, or under prefix /usr its SONAME for the loader); the dynamic
loader (ctypes.util.find_library, then "libaurmig.so.0").
"""
import ctypes
import ctypes.util
import glob
import os
import re

SONAME = "libaurmig.so.0"


class _Opaque(ctypes.Structure):
    _fields_ = []


def _opaque(name):
    return type(name, (_Opaque,), {})


OPAQUE = {n: _opaque(n) for n in (
    "aurmig_context", "aurmig_graph", "aurmig_migration", "aurmig_conn", "aurmig_plan",
    "aurmig_step", "aurmig_revlist", "aurmig_report", "aurmig_status", "aurmig_config_status",
    "aurmig_lock_info")}


class aurmig_error(ctypes.Structure):
    """The error record (aurmig_error_last); fields are only ever appended."""
    _fields_ = [
        ("code", ctypes.c_int),
        ("klass", ctypes.c_int),
        ("message", ctypes.c_char_p),
        ("file", ctypes.c_char_p),
        ("line", ctypes.c_int),
        ("revision", ctypes.c_char_p),
        ("statement", ctypes.c_char_p),
        ("db_code", ctypes.c_int),
    ]


aurmig_log_fn = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p)
aurmig_hook_fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(OPAQUE["aurmig_conn"]),
                                  ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int)
aurmig_progress_fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(OPAQUE["aurmig_step"]),
                                      ctypes.c_int)
aurmig_ini_entry_fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                       ctypes.c_char_p, ctypes.c_int)


class aurmig_plan_options(ctypes.Structure):
    """Options of aurmig_plan_new(); fill with aurmig_plan_options_init()."""
    _fields_ = [
        ("version", ctypes.c_uint),
        ("flags", ctypes.c_uint),
        ("progress", aurmig_progress_fn),
        ("progress_payload", ctypes.c_void_p),
        ("lock_timeout_ms", ctypes.c_long),
        ("config_file", ctypes.c_char_p),
        ("ddl_lock_wait_ms", ctypes.c_long),
        ("lock_retries", ctypes.c_int),
        ("lock_retry_delay_ms", ctypes.c_long),
        ("online", ctypes.c_int),
        ("warn_blocking_ms", ctypes.c_long),
    ]


class aurmig_step_warning(ctypes.Structure):
    """A statement about to block writes (AURMIG_PROGRESS_WARNING); aurmig_step_warning_last()."""
    _fields_ = [
        ("message", ctypes.c_char_p),
        ("table", ctypes.c_char_p),
        ("algorithm", ctypes.c_char_p),
        ("lock", ctypes.c_char_p),
        ("refusal", ctypes.c_char_p),
        ("file", ctypes.c_char_p),
        ("line", ctypes.c_int),
        ("seconds", ctypes.c_double),
        ("rows", ctypes.c_double),
        ("bytes", ctypes.c_double),
    ]


class aurmig_revision_options(ctypes.Structure):
    """Options of aurmig_graph_write_revision(); fill with aurmig_revision_options_init()."""
    _fields_ = [
        ("version", ctypes.c_uint),
        ("message", ctypes.c_char_p),
        ("heads", ctypes.POINTER(ctypes.c_char_p)),
        ("nheads", ctypes.c_size_t),
        ("branch_label", ctypes.c_char_p),
        ("depends_on", ctypes.POINTER(ctypes.c_char_p)),
        ("ndepends_on", ctypes.c_size_t),
        ("rev_id", ctypes.c_char_p),
        ("create_date", ctypes.c_char_p),
        ("upgrade_sql", ctypes.c_char_p),
        ("downgrade_sql", ctypes.c_char_p),
        ("portable", ctypes.c_int),
    ]


STRUCTS = {"aurmig_error": aurmig_error, "aurmig_plan_options": aurmig_plan_options,
           "aurmig_revision_options": aurmig_revision_options, "aurmig_step_warning": aurmig_step_warning}
CALLBACKS = {"aurmig_log_fn": aurmig_log_fn, "aurmig_progress_fn": aurmig_progress_fn,
             "aurmig_hook_fn": aurmig_hook_fn, "aurmig_ini_entry_fn": aurmig_ini_entry_fn}
SCALARS = {
    "int": ctypes.c_int, "unsigned int": ctypes.c_uint, "long": ctypes.c_long,
    "size_t": ctypes.c_size_t, "double": ctypes.c_double,
}

# BEGIN DECLARATIONS (written by bindings/gen_ffi_header.py --python-declarations; do not edit)
DECLARATIONS = """
const aurmig_error *aurmig_error_last(const aurmig_context *ctx);
const char *aurmig_error_str(int code);
size_t aurmig_error_count(void);
int aurmig_error_at(size_t i);
const char *aurmig_error_name(int code);
int aurmig_error_from_name(const char *name);
const char *aurmig_error_family(int code);
int aurmig_error_exit_code(int code);
int aurmig_context_new(aurmig_context **out);
void aurmig_context_free(aurmig_context *ctx);
void aurmig_context_set_log(aurmig_context *ctx, aurmig_log_fn fn, void *payload, int max_level);
int aurmig_context_set_hook(aurmig_context *ctx, const char *name, aurmig_hook_fn fn, void *payload, unsigned int flags);
void aurmig_version(int *major, int *minor, int *patch);
const char *aurmig_version_string(void);
const char *aurmig_dialect_name(int dialect);
int aurmig_dialect_from_name(const char *name);
int aurmig_dialect_from_url(const char *url);
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
int aurmig_conn_open_flags(aurmig_conn **out, aurmig_context *ctx, const char *url, unsigned int flags);
int aurmig_conn_open_aurweb_config_flags(aurmig_conn **out, aurmig_context *ctx, const char *path, unsigned int flags);
void aurmig_conn_free(aurmig_conn *conn);
int aurmig_conn_set_version_table(aurmig_conn *conn, const char *name);
const char *aurmig_conn_version_table(const aurmig_conn *conn);
const char *aurmig_conn_journal_table(const aurmig_conn *conn);
int aurmig_conn_exec(aurmig_conn *conn, const char *sql);
int aurmig_conn_set_timeout(aurmig_conn *conn, long timeout_ms);
int aurmig_conn_set_cluster(aurmig_conn *conn, int lock_mode, long lease_seconds, int allow_non_toi);
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
const aurmig_step_warning *aurmig_step_warning_last(const aurmig_step *step);
size_t aurmig_step_warnings(const aurmig_step *step);
int aurmig_graph_declared_schema(char *path_out, size_t path_size, const aurmig_graph *graph, int dialect);
int aurmig_init(aurmig_conn *conn, const aurmig_graph *graph, const aurmig_plan_options *opts);
int aurmig_config_check(int *state_out, aurmig_conn *conn, const aurmig_graph *graph, const char *path);
int aurmig_config_status_new(aurmig_config_status **out, aurmig_conn *conn, const aurmig_graph *graph, const char *path);
int aurmig_config_status_state(const aurmig_config_status *status);
const char *aurmig_config_status_message(const aurmig_config_status *status);
void aurmig_config_status_free(aurmig_config_status *status);
int aurmig_config_stamp(aurmig_conn *conn, const aurmig_graph *graph, const char *path);
int aurmig_config_stamp_opts(aurmig_conn *conn, const aurmig_graph *graph, const char *path, const aurmig_plan_options *opts);
const char *aurmig_plan_init_schema(const aurmig_plan *plan);
int aurmig_upgrade_builds_from_schema(int *out, aurmig_conn *conn, const aurmig_graph *graph);
const char *aurmig_state_name(int state);
const char *aurmig_config_state_name(int state);
const char *aurmig_step_kind_name(int kind);
int aurmig_check(int *state_out, size_t *pending_out, aurmig_conn *conn, const aurmig_graph *graph);
int aurmig_recover(aurmig_conn *conn, const aurmig_graph *graph, int action, const char *revision, const aurmig_plan_options *opts);
int aurmig_validate(aurmig_report **out, aurmig_conn *conn, const aurmig_graph *graph);
size_t aurmig_report_count(const aurmig_report *report);
int aurmig_report_kind(const aurmig_report *report, size_t i);
const char *aurmig_report_revision(const aurmig_report *report, size_t i);
const char *aurmig_report_message(const aurmig_report *report, size_t i);
void aurmig_report_free(aurmig_report *report);
int aurmig_accept_checksums(aurmig_conn *conn, const aurmig_graph *graph, const char *revision);
int aurmig_accept_checksums_opts(aurmig_conn *conn, const aurmig_graph *graph, const char *revision, const aurmig_plan_options *opts);
int aurmig_status_new(aurmig_status **out, aurmig_context *ctx, const char *url, const char *aurweb_config, const char *dir);
int aurmig_status_new_timeout(aurmig_status **out, aurmig_context *ctx, const char *url, const char *aurweb_config, const char *dir, long timeout_ms);
int aurmig_status_from(aurmig_status **out, aurmig_conn *conn, const aurmig_graph *graph);
int aurmig_status_state(const aurmig_status *status);
const char *aurmig_status_message(const aurmig_status *status);
const char *aurmig_status_run(const aurmig_status *status, int field);
size_t aurmig_status_current_count(const aurmig_status *status);
const char *aurmig_status_current(const aurmig_status *status, size_t i);
size_t aurmig_status_head_count(const aurmig_status *status);
const char *aurmig_status_head(const aurmig_status *status, size_t i);
size_t aurmig_status_pending_count(const aurmig_status *status);
const char *aurmig_status_pending(const aurmig_status *status, size_t i);
void aurmig_status_free(aurmig_status *status);
int aurmig_revision_options_init(aurmig_revision_options *opts, unsigned int version);
int aurmig_graph_write_revision(char *id_out, size_t id_size, const aurmig_graph *graph, const aurmig_revision_options *opts);
size_t aurmig_graph_real_head_count(const aurmig_graph *graph);
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
int aurmig_drift_read(aurmig_schema **live_out, aurmig_schema **expected_out, char **revisions_out, aurmig_conn *conn, aurmig_conn *scratch, const aurmig_graph *graph, int lock, long lock_timeout_ms);
int aurmig_ini_read(aurmig_context *ctx, const char *path, aurmig_ini_entry_fn fn, void *payload);
"""
# END DECLARATIONS

# The enum constants the binding uses; tests/bindings/python checks each
# against the FFI header (values are fixed forever in the C API).
CONSTANTS = {
    "AURMIG_OK": 0, "AURMIG_ERROR": -1, "AURMIG_ENOMEM": -2, "AURMIG_EINVALID": -3,
    "AURMIG_EPARSE": -4, "AURMIG_EGRAPH": -5, "AURMIG_ENOTFOUND": -6, "AURMIG_EAMBIGUOUS": -7,
    "AURMIG_EIO": -8, "AURMIG_EDB": -9, "AURMIG_ECONFLICT": -10, "AURMIG_EUNKNOWNREV": -11,
    "AURMIG_EIRREVERSIBLE": -12, "AURMIG_ELOCKED": -13, "AURMIG_EUSER": -14, "AURMIG_EBUFS": -15,
    "AURMIG_EUNSUPPORTED": -16, "AURMIG_ERECOVERY": -17, "AURMIG_EDRIFT": -18, "AURMIG_EINPROGRESS": -19,
    "AURMIG_EASSERT": -20,
    "AURMIG_ITEROVER": -31,
    "AURMIG_DIALECT_SQLITE": 1, "AURMIG_DIALECT_MYSQL": 2, "AURMIG_DIALECT_PGSQL": 3,
    "AURMIG_LOG_ERROR": 1, "AURMIG_LOG_WARNING": 2, "AURMIG_LOG_INFO": 3, "AURMIG_LOG_DEBUG": 4,
    "AURMIG_CMD_UPGRADE": 1, "AURMIG_CMD_DOWNGRADE": 2, "AURMIG_CMD_STAMP": 3,
    "AURMIG_PLAN_ONE_TRANSACTION": 1, "AURMIG_PLAN_PURGE": 2, "AURMIG_PLAN_NO_LOCK": 4,
    "AURMIG_STEP_UPGRADE": 1, "AURMIG_STEP_DOWNGRADE": 2, "AURMIG_STEP_STAMP": 3,
    "AURMIG_PROGRESS_START": 1, "AURMIG_PROGRESS_DONE": 2, "AURMIG_PROGRESS_STATEMENT": 3,
    "AURMIG_PROGRESS_LOCK_WAIT": 4, "AURMIG_PROGRESS_BATCH": 5, "AURMIG_PROGRESS_WARNING": 6, "AURMIG_PLAN_OPTIONS_VERSION": 3, "AURMIG_STATUS_TIMEOUT_MS": 5000,
    "AURMIG_STATE_AT_HEAD": 0, "AURMIG_STATE_BEHIND": 1, "AURMIG_STATE_UNKNOWN": 2,
    "AURMIG_STATE_RECOVERY": 3, "AURMIG_STATE_DRIFT": 4, "AURMIG_STATE_IN_PROGRESS": 5,
    "AURMIG_RUN_ID": 1, "AURMIG_RUN_HOST": 2, "AURMIG_RUN_PID": 3, "AURMIG_RUN_SINCE": 4,
    "AURMIG_RUN_REVISION": 5, "AURMIG_RUN_OPERATION": 6, "AURMIG_RUN_STATEMENT": 7, "AURMIG_RUN_STATEMENTS": 8,
    "AURMIG_UPGRADE": 1, "AURMIG_DOWNGRADE": 2, "AURMIG_HOOK_OWN_CONNECTION": 1,
    "AURMIG_CONFIG_IN_SYNC": 0, "AURMIG_CONFIG_BEHIND": 1, "AURMIG_CONFIG_EDITED": 2,
    "AURMIG_CONFIG_PENDING": 3, "AURMIG_CONFIG_MISSING": 4,
    "AURMIG_LOCK_KIND_FLOCK": 1, "AURMIG_LOCK_KIND_GET_LOCK": 2, "AURMIG_LOCK_KIND_ADVISORY": 3,
    "AURMIG_LOCK_KIND_LEASE": 4,
    "AURMIG_LOCKINFO_NAME": 1, "AURMIG_LOCKINFO_OWNER": 2, "AURMIG_LOCKINFO_HOST": 3, "AURMIG_LOCKINFO_PID": 4,
    "AURMIG_LOCKINFO_NODE": 5, "AURMIG_LOCKINFO_ACQUIRED_AT": 6, "AURMIG_LOCKINFO_HEARTBEAT_AT": 7,
    "AURMIG_LOCKINFO_EXPIRES_AT": 8, "AURMIG_LOCKINFO_CONNECTION": 9, "AURMIG_LOCKINFO_USER": 10,
}
globals().update(CONSTANTS)

_DECL = re.compile(r"^(?P<ret>.+?)\s*\b(?P<name>aurmig_\w+)\((?P<params>.*)\);$")


def parse_declaration(line):
    """'int f(const char *s, size_t n);' -> ('f', 'int', ['const char *', 'size_t'])."""
    m = _DECL.match(line.strip())
    if not m:
        raise ValueError("not a function declaration: %r" % line)
    params = m.group("params").strip()
    types = [] if params in ("", "void") else [param_type(p) for p in params.split(",")]
    return m.group("name"), normalise_type(m.group("ret")), types


def param_type(param):
    """The type of a parameter declaration: the name (a last identifier after
    a type) is dropped."""
    p = param.strip()
    m = re.match(r"^(.*?[\s*])(\w+)$", p)
    if m and m.group(1).strip() and m.group(2) not in ("int", "long", "double", "char", "void"):
        p = m.group(1)
    return normalise_type(p)


def normalise_type(t):
    t = re.sub(r"\s*\*\s*", " *", t.strip())
    t = re.sub(r"\s+", " ", t)
    return t.replace("* *", "**").replace("* const", "*const").strip()


def ctype_of(t):
    """The ctypes type for a C type of the declarations above (None: void)."""
    words = t.replace("*", " * ").split()
    stars = words.count("*")
    base = " ".join(w for w in words if w not in ("*", "const"))
    if base == "void":
        return None if stars == 0 else _pointer(ctypes.c_void_p, stars - 1)
    if base == "char":
        if stars == 0:
            raise TypeError("plain char: " + t)
        if stars == 1 and not t.startswith("const"):
            return ctypes.POINTER(ctypes.c_char)  # a caller's buffer the library writes
        return _pointer(ctypes.c_char_p, stars - 1)
    if base in SCALARS:
        return _pointer(SCALARS[base], stars)
    if base in CALLBACKS:
        return _pointer(CALLBACKS[base], stars)
    if base in STRUCTS:
        return _pointer(STRUCTS[base], stars)
    if re.match(r"^aurmig_\w+$", base):
        # every other aurmig_ type is an opaque handle, only ever used by pointer
        if stars == 0:
            raise TypeError("no ctypes mapping for %r by value (a new struct or enum needs one)" % t)
        if base not in OPAQUE:
            OPAQUE[base] = _opaque(base)
        return _pointer(OPAQUE[base], stars)
    raise TypeError("no ctypes mapping for C type %r" % t)


def _pointer(ct, n):
    for _ in range(n):
        ct = ctypes.POINTER(ct)
    return ct


def _candidates():
    env = os.environ.get("AURMIG_LIBRARY")
    if env:
        yield env
        return
    build = os.environ.get("AURMIG_BUILD_ROOT")
    if build:
        yield os.path.join(build, "lib", SONAME)
    # a source checkout: <root>/bindings/python/aurmig/_native.py, build tree <root>/build*/lib
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    if os.path.exists(os.path.join(root, "meson.build")) and os.path.isdir(os.path.join(root, "lib")):
        for d in sorted(glob.glob(os.path.join(root, "build*", "lib", SONAME))):
            yield d
    try:
        from . import _installed
        yield _installed.LIBRARY
    except ImportError:
        pass
    found = ctypes.util.find_library("aurmig")
    if found == SONAME:
        yield found
    yield SONAME


def load_library(path=None):
    """The CDLL with argtypes/restype set on every declared function. Functions
    the library lacks (an older libaurmig.so.0) are left out of the returned
    table and raise AttributeError when used."""
    errors = []
    lib = None
    for cand in ([path] if path else _candidates()):
        if os.sep in cand and not os.path.exists(cand):
            errors.append("%s: no such file" % cand)
            continue
        try:
            lib = ctypes.CDLL(cand)
            break
        except OSError as e:
            errors.append(str(e))
    if lib is None:
        raise OSError("cannot load libaurmig (set AURMIG_LIBRARY to its path): " + "; ".join(errors))
    funcs = {}
    for line in DECLARATIONS.strip().splitlines():
        name, ret, params = parse_declaration(line)
        try:
            f = getattr(lib, name)
            restype, argtypes = ctype_of(ret), [ctype_of(p) for p in params]
        except (AttributeError, TypeError):
            continue  # not in this library, or a type this module cannot map (the tests say which)
        f.restype = restype
        f.argtypes = argtypes
        funcs[name] = f
    return lib, funcs


class Native:
    """The loaded library, its functions as attributes under their C names
    (lib.aurmig_graph_load)."""

    def __init__(self, path=None):
        self.cdll, self._funcs = load_library(path)
        self.path = self.cdll._name

    def __getattr__(self, name):
        try:
            return self._funcs[name]
        except KeyError:
            raise AttributeError("%s is not in this libaurmig (%s)" % (name, self.path)) from None


_lib = None


def lib():
    """The process-wide library (loaded on first use)."""
    global _lib
    if _lib is None:
        _lib = Native()
    return _lib
