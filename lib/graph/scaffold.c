/* SPDX-License-Identifier: GPL-2.0-or-later */
/* New revision and merge scripts from a template. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "graph/resolve.h"

int aurmig_revision_options_init(aurmig_revision_options *o, unsigned int version)
{
	if (!o || version == 0 || version > AURMIG_REVISION_OPTIONS_VERSION)
		return AURMIG_EINVALID;
	memset(o, 0, sizeof(*o));
	o->version = version;
	return AURMIG_OK;
}

size_t aurmig_graph_real_head_count(const aurmig_graph *g)
{
	size_t n = 0;
	for (size_t i = 0; g && i < g->nheads; i++)
		n += g->migs[g->heads[i]]->ndependents == 0;
	return n;
}

/* Alembic-like slug: lower-case words joined by '_', at most 40 characters. */
static void slugify(char *out, size_t size, const char *msg)
{
	size_t n = 0;
	int sep = 0;

	for (; *msg && n + 1 < size && n < 40; msg++) {
		unsigned char ch = (unsigned char)*msg;
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
			if (sep && n)
				out[n++] = '_';
			if (n + 1 < size)
				out[n++] = (char)ch;
			sep = 0;
		} else if (ch >= 'A' && ch <= 'Z') {
			if (sep && n)
				out[n++] = '_';
			if (n + 1 < size)
				out[n++] = (char)(ch - 'A' + 'a');
			sep = 0;
		} else {
			sep = 1;
		}
	}
	while (n && out[n - 1] == '_')
		n--;
	out[n] = '\0';
	if (!n)
		snprintf(out, size, "revision");
}

static int add_unique(aurmig__strv *v, aurmig_context *ctx, const char *id)
{
	return aurmig__strv_contains(v, id) ? AURMIG_OK : aurmig__strv_push(v, ctx, id);
}

static int check_text(aurmig_context *ctx, const char *what, const char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "the %s must be one line", what);
	return AURMIG_OK;
}

int aurmig_graph_write_revision(char *id_out, size_t id_size, const aurmig_graph *g,
	const aurmig_revision_options *o)
{
	aurmig_context *ctx;
	aurmig__strv downs = { 0 }, deps = { 0 };
	aurmig__idxv set = { 0 };
	aurmig__buf b;
	char id[64], slug[48], date[32], *path = NULL, *text = NULL;
	const char *why;
	int rc = AURMIG_OK, fd = -1, base = 0;

	if (!g)
		return AURMIG_EINVALID;
	ctx = g->ctx;
	aurmig__err_clear(ctx);
	if (!id_out || !o || !o->message)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_graph_write_revision: needs an id buffer and options with a message");
	if ((rc = aurmig__opts_version(ctx, "aurmig_graph_write_revision", "aurmig_revision_options",
			o->version, AURMIG_REVISION_OPTIONS_VERSION)))
		return rc;
	if ((rc = check_text(ctx, "message", o->message)))
		return rc;
	/* the new id */
	if (o->rev_id) {
		if (!aurmig__ident_valid(o->rev_id, strlen(o->rev_id), &why))
			return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "revision id '%s' %s", o->rev_id, why);
		snprintf(id, sizeof(id), "%s", o->rev_id);
	} else if (aurmig__random_hex(id, 6)) {
		return aurmig__err(ctx, AURMIG_ERROR, AURMIG_ERRCLASS_OS, "no random numbers for a revision id");
	}
	if (aurmig__graph_index(g, id) != AURMIG__NONE || aurmig__graph_label(g, id) != AURMIG__NONE)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "revision id '%s' is already in use", id);
	if (strlen(id) + 1 > id_size)
		return aurmig__err(ctx, AURMIG_EBUFS, AURMIG_ERRCLASS_API, "id buffer too small");
	if (o->branch_label) {
		if (!aurmig__ident_valid(o->branch_label, strlen(o->branch_label), &why))
			return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "branch label '%s' %s", o->branch_label, why);
		if (aurmig__graph_label(g, o->branch_label) != AURMIG__NONE ||
		    aurmig__graph_index(g, o->branch_label) != AURMIG__NONE || !strcmp(o->branch_label, id))
			return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
				"branch label '%s' is already in use", o->branch_label);
	}
	/* what it follows */
	if (o->nheads == 0) {
		if (aurmig_graph_real_head_count(g) > 1) {
			aurmig__buf_init(&b, ctx);
			for (size_t i = 0; i < g->nheads; i++)
				if (!g->migs[g->heads[i]]->ndependents)
					aurmig__buf_printf(&b, "%s%s", b.len ? ", " : "", g->migs[g->heads[i]]->id);
			text = aurmig__buf_detach(&b);
			rc = aurmig__err(ctx, AURMIG_EAMBIGUOUS, AURMIG_ERRCLASS_TARGET,
				"Multiple heads are present (%s); please specify the head revision on which the new "
				"revision should be based (--head), or perform a merge", text ? text : "?");
			goto done;
		}
		for (size_t i = 0; i < g->nheads && !rc; i++)
			if (!g->migs[g->heads[i]]->ndependents)
				rc = add_unique(&downs, ctx, g->migs[g->heads[i]]->id);
	}
	for (size_t i = 0; i < o->nheads && !rc; i++) {
		if (!o->heads[i]) {
			rc = aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "NULL head");
			break;
		}
		set.n = 0;
		rc = aurmig__resolve_set(&set, g, ctx, o->heads[i]);
		if (!rc && !set.n)
			base = 1;
		for (size_t k = 0; k < set.n && !rc; k++)
			rc = add_unique(&downs, ctx, g->migs[set.v[k]]->id);
	}
	if (!rc && base && downs.n)
		rc = aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "a new base cannot also follow revisions");
	for (size_t i = 0; i < o->ndepends_on && !rc; i++) {
		size_t x;
		if (!o->depends_on[i]) {
			rc = aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "NULL dependency");
			break;
		}
		if (aurmig__graph_label(g, o->depends_on[i]) != AURMIG__NONE) {
			rc = add_unique(&deps, ctx, o->depends_on[i]);
		} else if (!(rc = aurmig__resolve_ident(&x, g, ctx, o->depends_on[i], NULL))) {
			rc = add_unique(&deps, ctx, g->migs[x]->id);
		}
	}
	if (rc)
		goto done;
	if (o->create_date) {
		if ((rc = check_text(ctx, "create date", o->create_date)))
			goto done;
		snprintf(date, sizeof(date), "%s", o->create_date);
	} else {
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	}
	slugify(slug, sizeof(slug), o->message);

	aurmig__buf_init(&b, ctx);
	aurmig__buf_printf(&b, "-- aurmig:revision %s\n", id);
	if (downs.n) {
		aurmig__buf_puts(&b, "-- aurmig:down_revision");
		for (size_t i = 0; i < downs.n; i++)
			aurmig__buf_printf(&b, " %s", downs.v[i]);
		aurmig__buf_puts(&b, "\n");
	}
	aurmig__buf_printf(&b, "-- aurmig:message %s\n-- aurmig:create_date %s\n", o->message, date);
	if (o->branch_label)
		aurmig__buf_printf(&b, "-- aurmig:branch_labels %s\n", o->branch_label);
	if (deps.n) {
		aurmig__buf_puts(&b, "-- aurmig:depends_on");
		for (size_t i = 0; i < deps.n; i++)
			aurmig__buf_printf(&b, " %s", deps.v[i]);
		aurmig__buf_puts(&b, "\n");
	}
	if (downs.n > 1)
		aurmig__buf_puts(&b, "\n-- A merge point: usually nothing to do.\n");
	{
		const char *up = o->version >= 2 ? o->upgrade_sql : NULL, *down = o->version >= 2 ? o->downgrade_sql : NULL;
		const char *kind = o->version >= 2 && o->portable ? " portable" : "";
		size_t ul = up ? strlen(up) : 0, dl = down ? strlen(down) : 0;
		aurmig__buf_printf(&b, "\n-- aurmig:upgrade%s\n%s%s\n-- aurmig:downgrade%s\n%s%s", kind, up ? up : "",
			ul && up[ul - 1] != '\n' ? "\n" : "", kind, down ? down : "", dl && down[dl - 1] != '\n' ? "\n" : "");
	}
	if (!(text = aurmig__buf_detach(&b))) {
		rc = AURMIG_ENOMEM;
		goto done;
	}
	if (!(path = aurmig__printf(ctx, "%s/%s_%s.sql", g->dir, id, slug))) {
		rc = AURMIG_ENOMEM;
		goto done;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = aurmig__err_at(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0, "cannot create: %s", strerror(errno));
		goto done;
	}
	{
		size_t len = strlen(text), off = 0;
		while (off < len) {
			ssize_t w = write(fd, text + off, len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				rc = aurmig__err_at(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0, "cannot write: %s",
					strerror(errno));
				break;
			}
			off += (size_t)w;
		}
	}
	if (close(fd) != 0 && !rc)
		rc = aurmig__err_at(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0, "cannot write: %s", strerror(errno));
	if (rc)
		unlink(path);   /* nothing half-written stays */
	else
		snprintf(id_out, id_size, "%s", id);
done:
	free(path);
	free(text);
	aurmig__strv_clear(&downs);
	aurmig__strv_clear(&deps);
	aurmig__idxv_clear(&set);
	return rc;
}
