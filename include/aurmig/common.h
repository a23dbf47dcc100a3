/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file aurmig/common.h
 * @brief Export macros and the basic types every libaurmig header uses.
 *
 * When AURMIG_FFI is defined (as the generated FFI header is), the export
 * macro expands to nothing and no system header is included, so PHP's FFI
 * parser and Python's cffi can read the declarations as they are.
 */
#ifndef AURMIG_COMMON_H
#define AURMIG_COMMON_H

#ifndef AURMIG_FFI
#include <stddef.h>
#include <stdint.h>
#endif

#if defined(AURMIG_FFI)
#define AURMIG_EXTERN(type) type
#elif defined(_WIN32) && defined(AURMIG_BUILDING)
#define AURMIG_EXTERN(type) __declspec(dllexport) type
#elif defined(_WIN32)
#define AURMIG_EXTERN(type) __declspec(dllimport) type
#elif defined(__GNUC__) && __GNUC__ >= 4
#define AURMIG_EXTERN(type) __attribute__((visibility("default"))) type
#else
#define AURMIG_EXTERN(type) type
#endif

#if defined(__cplusplus) && !defined(AURMIG_FFI)
#define AURMIG_BEGIN_DECL extern "C" {
#define AURMIG_END_DECL }
#else
#define AURMIG_BEGIN_DECL
#define AURMIG_END_DECL
#endif

AURMIG_BEGIN_DECL

/** Library context: error record, log callback. See aurmig/context.h. */
typedef struct aurmig_context aurmig_context;
/** A loaded, validated migrations directory. See aurmig/graph.h. */
typedef struct aurmig_graph aurmig_graph;
/** One migration script (one revision). Borrowed from its graph. */
typedef struct aurmig_migration aurmig_migration;
/** A database connection with its dialect. See aurmig/conn.h. */
typedef struct aurmig_conn aurmig_conn;
/** An ordered list of steps from the current heads to a target. See aurmig/plan.h. */
typedef struct aurmig_plan aurmig_plan;
/** One step of a plan. Borrowed from its plan. */
typedef struct aurmig_step aurmig_step;

AURMIG_END_DECL

#endif
