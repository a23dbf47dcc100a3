/* SPDX-License-Identifier: GPL-2.0-or-later */
/* aurmig_check: is the database at head? Validation (recovery.c) reduced to one state. */
#include "run/plan_priv.h"

int aurmig_check(int *state_out, size_t *pending_out, aurmig_conn *conn, const aurmig_graph *graph)
{
	aurmig_report *r = NULL;
	int has[7] = { 0 };
	const char *first[7] = { 0 };
	size_t pending = 0;
	int rc;

	if (!state_out || !conn || !graph)
		return conn ? aurmig__err(conn->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_check: NULL argument") : AURMIG_EINVALID;
	*state_out = AURMIG_STATE_AT_HEAD;
	if (pending_out)
		*pending_out = 0;
	if ((rc = aurmig_validate(&r, conn, graph)))
		return rc;
	for (size_t i = 0; i < aurmig_report_count(r); i++) {
		int k = aurmig_report_kind(r, i);
		if (k > 0 && k < 7) {
			has[k] = 1;
			if (!first[k])
				first[k] = aurmig_report_message(r, i);
		}
		pending += k == AURMIG_ISSUE_PENDING;
	}
	if (has[AURMIG_ISSUE_IN_PROGRESS]) {
		*state_out = AURMIG_STATE_IN_PROGRESS;
		aurmig__err(conn->ctx, AURMIG_EINPROGRESS, AURMIG_ERRCLASS_DB, "%s", first[AURMIG_ISSUE_IN_PROGRESS]);
	} else if (has[AURMIG_ISSUE_UNKNOWN]) {
		*state_out = AURMIG_STATE_UNKNOWN;
		aurmig__err(conn->ctx, AURMIG_EUNKNOWNREV, AURMIG_ERRCLASS_TARGET, "%s", first[AURMIG_ISSUE_UNKNOWN]);
	} else if (has[AURMIG_ISSUE_RECOVERY]) {
		*state_out = AURMIG_STATE_RECOVERY;
		aurmig__err(conn->ctx, AURMIG_ERECOVERY, AURMIG_ERRCLASS_DB, "%s", first[AURMIG_ISSUE_RECOVERY]);
	} else if (has[AURMIG_ISSUE_CHANGED]) {
		*state_out = AURMIG_STATE_DRIFT;
		aurmig__err(conn->ctx, AURMIG_EDRIFT, AURMIG_ERRCLASS_SCRIPT, "%s", first[AURMIG_ISSUE_CHANGED]);
	} else if (pending) {
		*state_out = AURMIG_STATE_BEHIND;
	}
	if (pending_out)
		*pending_out = pending;
	aurmig_report_free(r);
	return AURMIG_OK;
}
