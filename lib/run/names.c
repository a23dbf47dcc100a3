/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one vocabulary of states, config states and step kinds: the CLI (JSON
 * and text) and the bindings take their names from here (docs/json.md). */
#include <stddef.h>

#include "base/internal.h"

static const char *const state_names[] = {
	[AURMIG_STATE_AT_HEAD] = "at_head",
	[AURMIG_STATE_BEHIND] = "behind",
	[AURMIG_STATE_UNKNOWN] = "unknown_revision",
	[AURMIG_STATE_RECOVERY] = "needs_recovery",
	[AURMIG_STATE_DRIFT] = "drift",
	[AURMIG_STATE_IN_PROGRESS] = "in_progress",
};

static const char *const config_state_names[] = {
	[AURMIG_CONFIG_IN_SYNC] = "in_sync",
	[AURMIG_CONFIG_BEHIND] = "behind",
	[AURMIG_CONFIG_EDITED] = "edited",
	[AURMIG_CONFIG_PENDING] = "pending",
	[AURMIG_CONFIG_MISSING] = "missing",
};

static const char *const step_kind_names[] = {
	[AURMIG_STEP_UPGRADE] = "upgrade",
	[AURMIG_STEP_DOWNGRADE] = "downgrade",
	[AURMIG_STEP_STAMP] = "stamp",
};

#define NAME(table, i) ((i) >= 0 && (size_t)(i) < sizeof(table) / sizeof(table[0]) ? table[i] : NULL)

const char *aurmig_state_name(int state) { return NAME(state_names, state); }
const char *aurmig_config_state_name(int state) { return NAME(config_state_names, state); }
const char *aurmig_step_kind_name(int kind) { return NAME(step_kind_names, kind); }
