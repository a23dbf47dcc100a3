/* SPDX-License-Identifier: GPL-2.0-or-later */
/** @file aurmig.h @brief Umbrella header: includes every public libaurmig header. */
#ifndef AURMIG_H
#define AURMIG_H
#include "common.h"
#include "errors.h"
#include "context.h"
#include "graph.h"
#include "conn.h"
#include "plan.h"
#include "recovery.h"
#include "status.h"
#include "scaffold.h"
#include "schema.h"
#include "lint.h"
#include "verify.h"
#include "ini.h"
#endif
