/* SPDX-License-Identifier: GPL-2.0-or-later */
/* aurmig_verify_run: `aurmig test` on a scratch database. Single head,
 * upgrade base -> heads, the stairway (up, down, up at every revision,
 * each downgrade compared with the schema before its step, each
 * re-upgrade with the schema after it), the final schema against the
 * declared one. Built from the public plan and schema calls. */
#include <stdlib.h>
#include <string.h>

#include "run/plan_priv.h"
#include "db/version.h"
#include "schema/schema.h"
#include "run/verify_priv.h"

typedef struct verify_entry {
	int check, status, dialect;
	char *revision, *message;
} verify_entry;

struct aurmig_verify {
	aurmig_context *ctx;
	verify_entry *v;
	size_t n, cap;
	aurmig_schema *heads[4];   /* per aurmig_dialect: the schema at heads of its first run */
};

int aurmig_verify_new(aurmig_verify **out, aurmig_context *ctx)
{
	if (out)
		*out = NULL;
	if (!out || !ctx)
		return ctx ? aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig_verify_new: NULL argument")
			   : AURMIG_EINVALID;
	if (!(*out = aurmig__calloc(ctx, 1, sizeof(**out))))
		return AURMIG_ENOMEM;
	(*out)->ctx = ctx;
	return AURMIG_OK;
}

void aurmig_verify_free(aurmig_verify *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].revision);
		free(r->v[i].message);
	}
	free(r->v);
	for (size_t i = 0; i < sizeof(r->heads) / sizeof(r->heads[0]); i++)
		aurmig_schema_free(r->heads[i]);
	free(r);
}

/* Append an entry; msg is taken over (freed on failure). */
static int add(aurmig_verify *r, int check, int status, int dialect, const char *rev, char *msg)
{
	verify_entry *e;

	if (!msg)
		return AURMIG_ENOMEM;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		verify_entry *v = aurmig__reallocarray(r->ctx, r->v, cap, sizeof(*v));
		if (!v) {
			free(msg);
			return AURMIG_ENOMEM;
		}
		r->v = v;
		r->cap = cap;
	}
	e = &r->v[r->n];
	e->check = check;
	e->status = status;
	e->dialect = dialect;
	e->message = msg;
	e->revision = NULL;
	if (rev && !(e->revision = aurmig__strdup(r->ctx, rev))) {
		free(msg);
		return AURMIG_ENOMEM;
	}
	r->n++;
	return AURMIG_OK;
}

/* The context's last error message, copied (the record is overwritten by the next call). */
static char *last_error(aurmig_context *ctx)
{
	const aurmig_error *e = aurmig_error_last(ctx);
	return aurmig__strdup(ctx, e && e->message && *e->message ? e->message : "unknown error");
}

/* Run one plan to one target on the scratch database. *nsteps: how many
 * steps it had; *only: the migration of its only step, when one. */
static int run_plan(aurmig_conn *c, const aurmig_graph *g, int command, const char *target, size_t *nsteps,
	const aurmig_migration **only)
{
	aurmig_plan_options o;
	aurmig_plan *p = NULL;
	int rc;

	aurmig_plan_options_init(&o, AURMIG_PLAN_OPTIONS_VERSION);
	o.flags = AURMIG_PLAN_NO_LOCK;
	o.lock_retries = 0;
	if ((rc = aurmig_plan_new(&p, c, g, command, &target, 1, &o)))
		return rc;
	if (nsteps)
		*nsteps = aurmig_plan_count(p);
	if (only)
		*only = aurmig_plan_count(p) == 1 ? aurmig_step_migration(aurmig_plan_at(p, 0)) : NULL;
	rc = aurmig_plan_run(p);
	aurmig_plan_free(p);
	return rc;
}

/* The differences between two schemas as lines ("" when equal), or NULL. */
static char *diff_text(aurmig_context *ctx, aurmig_schema *a, aurmig_schema *b, size_t *count)
{
	aurmig_schema_diff *d = NULL;
	aurmig__buf buf;

	*count = 0;
	if (aurmig_schema_diff_new(&d, a, b))
		return NULL;
	aurmig__buf_init(&buf, ctx);
	aurmig__buf_puts(&buf, "");
	for (size_t i = 0; i < aurmig_schema_diff_count(d); i++) {
		aurmig__buf_printf(&buf, "%s%s", *count ? "\n" : "", aurmig_schema_diff_message(d, i));
		(*count)++;
	}
	aurmig_schema_diff_free(d);
	return aurmig__buf_detach(&buf);
}

/* Drop every table of the scratch database (libaurmig's own tables too). */
int aurmig__verify_empty_scratch(aurmig_conn *c)
{
	aurmig__strv tables = { 0 };
	int rc, rc2 = AURMIG_OK;

	if ((rc = aurmig__db_list_tables(c, &tables)))
		return rc;
	if (c->dialect == AURMIG_DIALECT_MYSQL)
		rc = c->ops->exec(c, "SET FOREIGN_KEY_CHECKS = 0", NULL);
	else if (c->dialect == AURMIG_DIALECT_SQLITE)
		rc = c->ops->exec(c, "PRAGMA foreign_keys = OFF", NULL);
	for (size_t i = 0; i < tables.n && !rc; i++) {
		aurmig__buf b;
		aurmig__buf_init(&b, c->ctx);
		aurmig__buf_puts(&b, "DROP TABLE IF EXISTS ");
		aurmig__schema_put_ident(&b, c->dialect, tables.v[i]);
		if (c->dialect == AURMIG_DIALECT_PGSQL)
			aurmig__buf_puts(&b, " CASCADE");
		rc = aurmig__db_exec_buf(c, &b);
	}
	if (c->dialect == AURMIG_DIALECT_MYSQL)
		rc2 = c->ops->exec(c, "SET FOREIGN_KEY_CHECKS = 1", NULL);
	aurmig__strv_clear(&tables);
	return rc ? rc : rc2;
}

/* The schema at heads on this backend against the other backends' (taken
 * over: stored in the report when it is the first of its dialect). */
static int check_dialects(aurmig_verify *r, int dialect, aurmig_schema **heads)
{
	aurmig_context *ctx = r->ctx;
	int rc;

	if (dialect < 1 || dialect > 3)
		return AURMIG_OK;
	if ((rc = aurmig_schema_set_label(*heads, aurmig_dialect_name(dialect))))
		return rc;
	for (int d = 1; d <= 3; d++) {
		aurmig_schema_diff *diff = NULL;
		aurmig__buf b;
		size_t n = 0;
		char *text;
		if (d == dialect || !r->heads[d])
			continue;
		if ((rc = aurmig_schema_diff_new(&diff, r->heads[d], *heads)))
			return rc;
		aurmig__buf_init(&b, ctx);
		aurmig__buf_puts(&b, "");
		for (size_t i = 0; i < aurmig_schema_diff_count(diff); i++) {
			if (aurmig_schema_diff_kind(diff, i) == AURMIG_SCHEMA_COLUMN_ORDER)
				continue;
			aurmig__buf_printf(&b, "\n%s", aurmig_schema_diff_message(diff, i));
			n++;
		}
		aurmig_schema_diff_free(diff);
		if (!(text = aurmig__buf_detach(&b)))
			return AURMIG_ENOMEM;
		rc = n ? add(r, AURMIG_VERIFY_DIALECTS, AURMIG_VERIFY_FAILED, dialect, NULL,
			aurmig__printf(ctx, "the schema at heads on %s is not equivalent to the one on %s (%zu difference%s):%s",
				aurmig_dialect_name(dialect), aurmig_dialect_name(d), n, n == 1 ? "" : "s", text)) :
			add(r, AURMIG_VERIFY_DIALECTS, AURMIG_VERIFY_PASSED, dialect, NULL,
			aurmig__printf(ctx, "the schema at heads is equivalent to the one on %s", aurmig_dialect_name(d)));
		free(text);
		if (rc)
			return rc;
	}
	if (!r->heads[dialect]) {
		r->heads[dialect] = *heads;
		*heads = NULL;
	}
	return AURMIG_OK;
}

/* The revision's fixture: before its upgrade (after = 0: load it, insert
 * its rows) or after it (check its expectations, one entry). < 0 an
 * error, 1 a failure recorded in the report, AURMIG_OK otherwise. */
static int fixture_step(aurmig_verify *r, aurmig_conn *c, const aurmig_migration *m, aurmig__fixture *fx, int after)
{
	const char *id = aurmig_migration_id(m);
	char *failure = NULL;
	int rc;

	if (!after) {
		if ((rc = aurmig__fixture_load(fx, r->ctx, m, c->dialect))) {
			if (rc == AURMIG_ENOMEM)
				return rc;
			rc = add(r, AURMIG_VERIFY_FIXTURES, AURMIG_VERIFY_FAILED, c->dialect, id, last_error(r->ctx));
			return rc ? rc : 1;
		}
		if (!fx->found)
			return AURMIG_OK;
		rc = aurmig__fixture_before(c, fx, &failure);
	} else {
		rc = aurmig__fixture_expect(c, fx, &failure);
	}
	if (rc)
		return rc;
	if (failure) {
		rc = add(r, AURMIG_VERIFY_FIXTURES, AURMIG_VERIFY_FAILED, c->dialect, id,
			aurmig__printf(r->ctx, "%s: %s", id, failure));
		free(failure);
		return rc ? rc : 1;
	}
	if (!after)
		return AURMIG_OK;
	return add(r, AURMIG_VERIFY_FIXTURES, AURMIG_VERIFY_PASSED, c->dialect, id,
		aurmig__printf(r->ctx, "%s: %zu fixture statement%s before the upgrade, %zu expectation%s after it held",
			id, fx->nbefore, fx->nbefore == 1 ? "" : "s", fx->nexpect, fx->nexpect == 1 ? "" : "s"));
}

static int check_single_head(aurmig_verify *r, const aurmig_graph *g)
{
	size_t n = aurmig_graph_head_count(g);
	aurmig__buf b;

	if (n == 1)
		return add(r, AURMIG_VERIFY_SINGLE_HEAD, AURMIG_VERIFY_PASSED, -1, aurmig_migration_id(aurmig_graph_head(g, 0)),
			aurmig__printf(r->ctx, "one head: %s", aurmig_migration_id(aurmig_graph_head(g, 0))));
	aurmig__buf_init(&b, r->ctx);
	if (n == 0)
		aurmig__buf_puts(&b, "the migrations have no head (no revision at all)");
	else
		aurmig__buf_printf(&b, "%zu heads (merge them with `aurmig merge`):", n);
	for (size_t i = 0; i < n; i++)
		aurmig__buf_printf(&b, " %s", aurmig_migration_id(aurmig_graph_head(g, i)));
	return add(r, AURMIG_VERIFY_SINGLE_HEAD, AURMIG_VERIFY_FAILED, -1, NULL, aurmig__buf_detach(&b));
}

/* The stairway at one revision whose upgrade just ran: before/after are
 * the schemas around it. Returns AURMIG_OK to go on, 1 to stop (a
 * failure left the scratch database in an unknown state), or an error. */
static int stair(aurmig_verify *r, aurmig_conn *c, const aurmig_graph *g, const char *id, aurmig_schema *before,
	aurmig_schema *after, int *failed)
{
	aurmig_context *ctx = r->ctx;
	const aurmig_migration *only = NULL;
	aurmig_schema *s = NULL;
	size_t nsteps = 0, count = 0;
	char *target, *text;
	int rc;

	if (!(target = aurmig__printf(ctx, "%s-1", id)))
		return AURMIG_ENOMEM;
	/* plan first: a downgrade that would take more than this revision
	 * (another branch, a merge) is not a stair */
	{
		aurmig_plan_options o;
		aurmig_plan *p = NULL;
		const char *t = target;
		aurmig_plan_options_init(&o, AURMIG_PLAN_OPTIONS_VERSION);
		o.flags = AURMIG_PLAN_NO_LOCK;
		rc = aurmig_plan_new(&p, c, g, AURMIG_CMD_DOWNGRADE, &t, 1, &o);
		if (rc == AURMIG_EIRREVERSIBLE || rc == AURMIG_EAMBIGUOUS || rc == AURMIG_ENOTFOUND) {
			free(target);
			aurmig__err_clear(ctx);
			return add(r, AURMIG_VERIFY_STAIRWAY, AURMIG_VERIFY_SKIPPED, c->dialect, id,
				aurmig__printf(ctx, "%s: %s", id, rc == AURMIG_EIRREVERSIBLE ?
					"no downgrade section (irreversible)" :
					"a merge point: a downgrade by one revision is ambiguous"));
		}
		if (!rc && (aurmig_plan_count(p) != 1 ||
			    aurmig_step_migration(aurmig_plan_at(p, 0)) != aurmig_graph_get(g, id))) {
			size_t k = aurmig_plan_count(p);
			aurmig_plan_free(p);
			free(target);
			return add(r, AURMIG_VERIFY_STAIRWAY, AURMIG_VERIFY_SKIPPED, c->dialect, id,
				aurmig__printf(ctx, "%s: its downgrade by one revision would revert %zu revisions "
					"(branches); not stepped", id, k));
		}
		if (!rc && aurmig_step_statement_count(aurmig_plan_at(p, 0)) == 0) {
			/* an empty downgrade section is a no-op by design (aurweb's
			 * baseline): there is nothing to compare */
			aurmig_plan_free(p);
			free(target);
			return add(r, AURMIG_VERIFY_STAIRWAY, AURMIG_VERIFY_SKIPPED, c->dialect, id,
				aurmig__printf(ctx, "%s: its downgrade section is empty (a no-op); not stepped", id));
		}
		if (!rc)
			rc = aurmig_plan_run(p);
		aurmig_plan_free(p);
	}
	free(target);
	if (rc) {
		if (rc == AURMIG_ENOMEM)
			return rc;
		*failed = 1;
		return add(r, AURMIG_VERIFY_STAIRWAY, AURMIG_VERIFY_FAILED, c->dialect, id,
			aurmig__printf(ctx, "%s: the downgrade failed: %s", id, aurmig_error_last(ctx)->message)) ? AURMIG_ENOMEM : 1;
	}
	if ((rc = aurmig_schema_read(&s, c)))
		return rc;
	if (!(text = diff_text(ctx, before, s, &count))) {
		aurmig_schema_free(s);
		return AURMIG_ENOMEM;
	}
	aurmig_schema_free(s);
	s = NULL;
	if (count) {
		*failed = 1;
		rc = add(r, AURMIG_VERIFY_STAIRWAY, AURMIG_VERIFY_FAILED, c->dialect, id,
			aurmig__printf(ctx, "%s: the downgrade does not restore the schema before the upgrade "
				"(%zu difference%s; before the upgrade = a, after the downgrade = b):\n%s",
				id, count, count == 1 ? "" : "s", text));
		free(text);
		return rc ? rc : 1;
	}
	free(text);
	/* up again */
	if ((rc = run_plan(c, g, AURMIG_CMD_UPGRADE, id, &nsteps, &only))) {
		if (rc == AURMIG_ENOMEM)
			return rc;
		*failed = 1;
		rc = add(r, AURMIG_VERIFY_STAIRWAY, AURMIG_VERIFY_FAILED, c->dialect, id,
			aurmig__printf(ctx, "%s: the upgrade after its downgrade failed: %s", id,
				aurmig_error_last(ctx)->message));
		return rc ? rc : 1;
	}
	if ((rc = aurmig_schema_read(&s, c)))
		return rc;
	text = diff_text(ctx, after, s, &count);
	aurmig_schema_free(s);
	if (!text)
		return AURMIG_ENOMEM;
	if (count) {
		*failed = 1;
		rc = add(r, AURMIG_VERIFY_STAIRWAY, AURMIG_VERIFY_FAILED, c->dialect, id,
			aurmig__printf(ctx, "%s: the upgrade after its downgrade gives another schema "
				"(%zu difference%s; first upgrade = a, second = b):\n%s",
				id, count, count == 1 ? "" : "s", text));
		free(text);
		return rc ? rc : 1;
	}
	free(text);
	return AURMIG_OK;
}

static int run_db_checks(aurmig_verify *r, aurmig_conn *c, const aurmig_graph *g, unsigned int checks)
{
	aurmig_context *ctx = r->ctx;
	aurmig_schema *declared = NULL, *cur = NULL, *next = NULL;
	aurmig_plan *off = NULL;
	const char *heads = "heads";
	char path[4096];
	size_t steps = 0, stairs = 0;
	aurmig__fixture fx = { 0 };
	int rc, up_failed = 0, stair_failed = 0, fx_failed = 0, want_up = (checks & (AURMIG_VERIFY_UPGRADE |
		AURMIG_VERIFY_STAIRWAY | AURMIG_VERIFY_DECLARED | AURMIG_VERIFY_DIALECTS | AURMIG_VERIFY_FIXTURES)) != 0,
		declared_skip = 0;

	/* the declared schema first, while the scratch database is empty */
	if (checks & AURMIG_VERIFY_DECLARED) {
		rc = aurmig_graph_declared_schema(path, sizeof(path), g, c->dialect);
		if (rc == AURMIG_ENOTFOUND) {
			aurmig__err_clear(ctx);
			declared_skip = 1;
			if ((rc = add(r, AURMIG_VERIFY_DECLARED, AURMIG_VERIFY_SKIPPED, c->dialect, NULL,
				aurmig__strdup(ctx, "no declared schema (schema/<dialect>.sql or schema/portable.sql)"))))
				return rc;
		} else if (rc) {
			return rc;
		} else if ((rc = aurmig_schema_load_file(&declared, c, path))) {
			if (rc == AURMIG_ENOMEM || rc == AURMIG_EINVALID)
				return rc;
			if (rc == AURMIG_ENOTFOUND) {
				aurmig__err_clear(ctx);
				declared_skip = 1;
				if ((rc = add(r, AURMIG_VERIFY_DECLARED, AURMIG_VERIFY_SKIPPED, c->dialect, NULL,
					aurmig__printf(ctx, "no declared schema (%s)", path))))
					return rc;
				goto declared_done;
			}
			declared_skip = 1;
			if ((rc = add(r, AURMIG_VERIFY_DECLARED, AURMIG_VERIFY_FAILED, c->dialect, NULL,
				aurmig__printf(ctx, "%s does not load: %s", path, aurmig_error_last(ctx)->message))))
				return rc;
		}
	}
declared_done:
	if (!want_up)
		goto done;
	/* the version table first: an upgrade of a database without any table
	 * would build it from the declared schema (as init does) instead of
	 * running the scripts */
	if ((rc = aurmig__version_ensure(c)))
		goto fail_up;
	/* the order of the steps from base to heads */
	if ((rc = aurmig_plan_new_offline(&off, ctx, g, c->dialect, "base", AURMIG_CMD_UPGRADE, &heads, 1, NULL)))
		goto fail_up;
	if ((rc = aurmig_schema_read(&cur, c)))
		goto done;
	for (size_t i = 0; i < aurmig_plan_count(off); i++) {
		const aurmig_migration *m = aurmig_step_migration(aurmig_plan_at(off, i));
		const char *id;
		if (!m)
			continue;
		id = aurmig_migration_id(m);
		aurmig__fixture_free(&fx);
		if ((checks & AURMIG_VERIFY_FIXTURES) && (rc = fixture_step(r, c, m, &fx, 0)) != AURMIG_OK) {
			if (rc < 0)
				goto done;
			rc = AURMIG_OK;
			fx_failed = 1;
			break;
		}
		if ((rc = run_plan(c, g, AURMIG_CMD_UPGRADE, id, NULL, NULL))) {
			if (rc == AURMIG_ENOMEM)
				goto done;
			up_failed = 1;
			if ((rc = add(r, AURMIG_VERIFY_UPGRADE, AURMIG_VERIFY_FAILED, c->dialect, id,
				aurmig__printf(ctx, "%s: the upgrade failed: %s", id, aurmig_error_last(ctx)->message))))
				goto done;
			break;
		}
		steps++;
		if (fx.found && (rc = fixture_step(r, c, m, &fx, 1)) < 0)
			goto done;
		if ((rc = aurmig_schema_read(&next, c)))
			goto done;
		if (checks & AURMIG_VERIFY_STAIRWAY) {
			size_t before = r->n;
			rc = stair(r, c, g, id, cur, next, &stair_failed);
			if (rc < 0)
				goto done;
			stairs += r->n == before;
			if (rc == 1) {
				rc = AURMIG_OK;
				break;
			}
		}
		aurmig_schema_free(cur);
		cur = next;
		next = NULL;
	}
	rc = AURMIG_OK;
	if ((checks & AURMIG_VERIFY_UPGRADE) && !up_failed &&
	    (rc = add(r, AURMIG_VERIFY_UPGRADE, stair_failed || fx_failed ? AURMIG_VERIFY_SKIPPED : AURMIG_VERIFY_PASSED,
		c->dialect, NULL, fx_failed ? aurmig__strdup(ctx, "not finished: a fixture failed") :
		stair_failed ? aurmig__strdup(ctx, "not finished: the stairway failed") :
		aurmig__printf(ctx, "base -> heads in %zu step%s", steps, steps == 1 ? "" : "s"))))
		goto done;
	if ((checks & AURMIG_VERIFY_STAIRWAY) && !stair_failed &&
	    (rc = add(r, AURMIG_VERIFY_STAIRWAY, up_failed || fx_failed ? AURMIG_VERIFY_SKIPPED : AURMIG_VERIFY_PASSED,
		c->dialect, NULL, fx_failed ? aurmig__strdup(ctx, "not finished: a fixture failed") :
		up_failed ? aurmig__strdup(ctx, "not finished: the upgrade failed") :
		aurmig__printf(ctx, "%zu of %zu revision%s stepped up, down and up again", stairs, steps,
			steps == 1 ? "" : "s"))))
		goto done;
	if ((checks & AURMIG_VERIFY_DECLARED) && !declared_skip) {
		if (up_failed || stair_failed || fx_failed) {
			rc = add(r, AURMIG_VERIFY_DECLARED, AURMIG_VERIFY_SKIPPED, c->dialect, NULL,
				aurmig__strdup(ctx, "the migrations did not reach their heads"));
		} else {
			size_t count = 0;
			char *text = diff_text(ctx, cur, declared, &count);
			if (!text)
				rc = AURMIG_ENOMEM;
			else if (count)
				rc = add(r, AURMIG_VERIFY_DECLARED, AURMIG_VERIFY_FAILED, c->dialect, NULL,
					aurmig__printf(ctx, "the schema at heads is not %s (%zu difference%s; "
						"migrations = a, declared = b):\n%s", path, count, count == 1 ? "" : "s", text));
			else
				rc = add(r, AURMIG_VERIFY_DECLARED, AURMIG_VERIFY_PASSED, c->dialect, NULL,
					aurmig__printf(ctx, "the schema at heads is %s", path));
			free(text);
		}
		if (rc)
			goto done;
	}
	if ((checks & AURMIG_VERIFY_DIALECTS) && !up_failed && !stair_failed && !fx_failed)
		rc = check_dialects(r, c->dialect, &cur);
	goto done;
fail_up:
	if (rc != AURMIG_ENOMEM)
		rc = add(r, AURMIG_VERIFY_UPGRADE, AURMIG_VERIFY_FAILED, c->dialect, NULL, last_error(ctx));
done:
	aurmig__fixture_free(&fx);
	aurmig_plan_free(off);
	aurmig_schema_free(declared);
	aurmig_schema_free(cur);
	aurmig_schema_free(next);
	return rc;
}

int aurmig_verify_run(aurmig_verify *r, aurmig_conn *c, const aurmig_graph *g, unsigned int checks)
{
	aurmig__strv tables = { 0 };
	int rc;

	if (!r || !g || (!c && (checks & ~(unsigned)AURMIG_VERIFY_SINGLE_HEAD)))
		return r ? aurmig__err(r->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig_verify_run: NULL argument")
			 : AURMIG_EINVALID;
	aurmig__err_clear(r->ctx);
	if ((checks & AURMIG_VERIFY_SINGLE_HEAD) && (rc = check_single_head(r, g)))
		return rc;
	if (!(checks & ~(unsigned)AURMIG_VERIFY_SINGLE_HEAD))
		return AURMIG_OK;
	if ((rc = aurmig__db_list_tables(c, &tables)))
		return rc;
	if (tables.n) {
		rc = aurmig__err(r->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"the scratch database %s is not empty (%zu table%s, e.g. %s)", c->display_url, tables.n,
			tables.n == 1 ? "" : "s", tables.v[0]);
		aurmig__strv_clear(&tables);
		return rc;
	}
	rc = run_db_checks(r, c, g, checks);
	{
		/* leave the scratch database as it was: empty */
		int rc2;
		if (rc)
			aurmig__err_hold(r->ctx);
		rc2 = aurmig__verify_empty_scratch(c);
		if (rc)
			aurmig__err_release(r->ctx);
		if (!rc)
			rc = rc2;
	}
	if (!rc)
		aurmig__err_clear(r->ctx);
	return rc;
}

size_t aurmig_verify_count(const aurmig_verify *r)
{
	return r ? r->n : 0;
}

size_t aurmig_verify_failures(const aurmig_verify *r)
{
	size_t n = 0;
	for (size_t i = 0; r && i < r->n; i++)
		n += r->v[i].status == AURMIG_VERIFY_FAILED;
	return n;
}

int aurmig_verify_check_of(const aurmig_verify *r, size_t i)
{
	return r && i < r->n ? r->v[i].check : -1;
}

const char *aurmig_verify_check_name(int check)
{
	switch (check) {
	case AURMIG_VERIFY_SINGLE_HEAD: return "single-head";
	case AURMIG_VERIFY_UPGRADE: return "upgrade";
	case AURMIG_VERIFY_STAIRWAY: return "stairway";
	case AURMIG_VERIFY_DECLARED: return "declared";
	case AURMIG_VERIFY_DIALECTS: return "dialects";
	case AURMIG_VERIFY_FIXTURES: return "fixtures";
	default: return NULL;
	}
}

int aurmig_verify_status_of(const aurmig_verify *r, size_t i)
{
	return r && i < r->n ? r->v[i].status : -1;
}

const char *aurmig_verify_status_name(int status)
{
	switch (status) {
	case AURMIG_VERIFY_PASSED: return "passed";
	case AURMIG_VERIFY_FAILED: return "failed";
	case AURMIG_VERIFY_SKIPPED: return "skipped";
	default: return NULL;
	}
}

int aurmig_verify_dialect(const aurmig_verify *r, size_t i)
{
	return r && i < r->n ? r->v[i].dialect : -1;
}

const char *aurmig_verify_revision(const aurmig_verify *r, size_t i)
{
	return r && i < r->n ? r->v[i].revision : NULL;
}

const char *aurmig_verify_message(const aurmig_verify *r, size_t i)
{
	return r && i < r->n ? r->v[i].message : NULL;
}
