/* SPDX-License-Identifier: GPL-2.0-or-later */
/* <dir>/aurmig.sum: the committed checksums of the migration scripts. One
 * line per script ("FILE v1:HEX", the script checksum of script.c), sorted
 * by file name, after a "total v1:HEX" line: SHA-256 over the script
 * lines. Not chained (a DAG takes branches added in parallel), so two
 * branches that each add a script conflict only in the total line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nettle/sha2.h>

#include "graph/graph_priv.h"
#include "graph/sum.h"

#define SUM_NAME "aurmig.sum"

typedef struct sum_line {
	const char *name;
	const char *checksum;
} sum_line;

static int by_name(const void *a, const void *b)
{
	return strcmp(((const sum_line *)a)->name, ((const sum_line *)b)->name);
}

/* The script's file name inside the graph's directory. */
static const char *file_name(const aurmig_graph *g, const aurmig_migration *m)
{
	size_t n = strlen(g->dir);
	const char *slash;

	if (strncmp(m->path, g->dir, n) == 0 && m->path[n] == '/')
		return m->path + n + 1;
	slash = strrchr(m->path, '/');
	return slash ? slash + 1 : m->path;
}

/* The graph's lines, sorted (names and checksums borrowed from the graph). */
static int graph_lines(const aurmig_graph *g, sum_line **out)
{
	sum_line *v = aurmig__calloc(g->ctx, g->n ? g->n : 1, sizeof(*v));

	*out = v;
	if (!v)
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < g->n; i++) {
		v[i].name = file_name(g, g->migs[i]);
		v[i].checksum = aurmig__script_checksum(g->migs[i]);
	}
	qsort(v, g->n, sizeof(*v), by_name);
	return AURMIG_OK;
}

/* "total v1:HEX" over the lines, into out (72 bytes at least). */
static void total_of(char *out, const sum_line *v, size_t n)
{
	struct sha256_ctx h;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&h);
	for (size_t i = 0; i < n; i++) {
		sha256_update(&h, strlen(v[i].name), (const uint8_t *)v[i].name);
		sha256_update(&h, 1, (const uint8_t *)" ");
		sha256_update(&h, strlen(v[i].checksum), (const uint8_t *)v[i].checksum);
		sha256_update(&h, 1, (const uint8_t *)"\n");
	}
	sha256_digest(&h, sizeof(d), d);
	memcpy(out, "v1:", 3);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(out + 3 + 2 * i, 3, "%02x", d[i]);
}

static char *sum_path(const aurmig_graph *g)
{
	return aurmig__printf(g->ctx, "%s/" SUM_NAME, g->dir);
}

int aurmig_graph_sum_write(const aurmig_graph *g)
{
	sum_line *v = NULL;
	char *path = NULL, *tmp = NULL, total[72];
	FILE *f = NULL;
	int rc;

	if (!g)
		return AURMIG_EINVALID;
	aurmig__err_clear(g->ctx);
	if ((rc = graph_lines(g, &v)))
		return rc;
	if (!(path = sum_path(g)) || !(tmp = aurmig__printf(g->ctx, "%s.tmp", path))) {
		rc = AURMIG_ENOMEM;
		goto done;
	}
	total_of(total, v, g->n);
	if (!(f = fopen(tmp, "w"))) {
		rc = aurmig__err_at(g->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, tmp, 0, "cannot write %s: %s", tmp, strerror(errno));
		goto done;
	}
	fprintf(f, "total %s\n", total);
	for (size_t i = 0; i < g->n; i++)
		fprintf(f, "%s %s\n", v[i].name, v[i].checksum);
	if (fclose(f) != 0) {
		f = NULL;
		rc = aurmig__err_at(g->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, tmp, 0, "cannot write %s: %s", tmp, strerror(errno));
		remove(tmp);
		goto done;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		rc = aurmig__err_at(g->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0, "cannot write %s: %s", path, strerror(errno));
		remove(tmp);
	}
done:
	free(path);
	free(tmp);
	free(v);
	return rc;
}

/* Read the sum file: AURMIG_ENOTFOUND (no error recorded) when there is none. */
static int read_sum(const aurmig_graph *g, const char *path, char **text)
{
	FILE *f = fopen(path, "rb");
	aurmig__buf b;
	char chunk[8192];
	size_t n;
	int bad;

	*text = NULL;
	if (!f)
		return errno == ENOENT ? AURMIG_ENOTFOUND :
			aurmig__err_at(g->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0, "cannot read %s: %s", path, strerror(errno));
	aurmig__buf_init(&b, g->ctx);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		aurmig__buf_add(&b, chunk, n);
	bad = ferror(f);
	fclose(f);
	if (bad) {
		aurmig__buf_dispose(&b);
		return aurmig__err_at(g->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0, "cannot read %s", path);
	}
	if (!(*text = aurmig__buf_detach(&b)))
		return AURMIG_ENOMEM;
	return AURMIG_OK;
}

int aurmig_graph_sum_check(int *found_out, const aurmig_graph *g)
{
	sum_line *v = NULL, *s = NULL;
	size_t ns = 0, cap = 0, lineno = 0, i, k;
	char *path = NULL, *text = NULL, *line, *save = NULL, *total = NULL, want[72];
	aurmig__buf msg;
	int rc, problems = 0;

	if (found_out)
		*found_out = 0;
	if (!g)
		return AURMIG_EINVALID;
	aurmig__err_clear(g->ctx);
	if (!(path = sum_path(g)))
		return AURMIG_ENOMEM;
	rc = read_sum(g, path, &text);
	if (rc == AURMIG_ENOTFOUND) {
		free(path);
		return AURMIG_OK;   /* no sum file: nothing to check (older directories) */
	}
	if (rc) {
		free(path);
		return rc;
	}
	if (found_out)
		*found_out = 1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp;
		size_t len = strlen(line);
		lineno++;
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (!*line || *line == '#')
			continue;
		sp = strrchr(line, ' ');
		if (!sp || sp == line || strncmp(sp + 1, "v1:", 3) != 0) {
			rc = aurmig__err_at(g->ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, (int)lineno,
				"%s:%zu: not a line of an aurmig.sum (FILE v1:CHECKSUM); rewrite the file with `aurmig hash`",
				path, lineno);
			goto done;
		}
		*sp = '\0';
		if (strcmp(line, "total") == 0 && !total) {
			total = sp + 1;
			continue;
		}
		if (ns == cap) {
			size_t nc = cap ? cap * 2 : 32;
			sum_line *p = aurmig__reallocarray(g->ctx, s, nc, sizeof(*p));
			if (!p) {
				rc = AURMIG_ENOMEM;
				goto done;
			}
			s = p;
			cap = nc;
		}
		s[ns].name = line;
		s[ns++].checksum = sp + 1;
	}
	if (ns)
		qsort(s, ns, sizeof(*s), by_name);
	if ((rc = graph_lines(g, &v)))
		goto done;
	aurmig__buf_init(&msg, g->ctx);
	aurmig__buf_printf(&msg, "%s does not match the migration scripts:", path);
	for (i = 0, k = 0; i < g->n || k < ns;) {
		int cmp = i == g->n ? 1 : k == ns ? -1 : strcmp(v[i].name, s[k].name);
		if (cmp < 0) {
			aurmig__buf_printf(&msg, "\n  added (not in the sum): %s", v[i].name);
			problems++;
			i++;
		} else if (cmp > 0) {
			aurmig__buf_printf(&msg, "\n  removed or renamed: %s", s[k].name);
			problems++;
			k++;
		} else {
			if (strcmp(v[i].checksum, s[k].checksum) != 0) {
				aurmig__buf_printf(&msg, "\n  edited: %s", v[i].name);
				problems++;
			}
			i++;
			k++;
		}
	}
	if (!problems) {
		total_of(want, s, ns);
		if (!total || strcmp(total, want) != 0) {
			aurmig__buf_printf(&msg, "\n  %s", total ? "the total line does not match the file lines (edited by hand?)" :
				"no total line");
			problems++;
		}
	}
	if (problems) {
		char *m;
		aurmig__buf_puts(&msg, "\nReview the change; then `aurmig hash` rewrites the sum (--no-sum-check skips the check).");
		if (!(m = aurmig__buf_detach(&msg)))
			rc = AURMIG_ENOMEM;
		else
			rc = aurmig__err_at(g->ctx, AURMIG_ERROR, AURMIG_ERRCLASS_SCRIPT, path, 0, "%s", m);
		free(m);
	} else {
		aurmig__buf_dispose(&msg);
	}
done:
	free(s);
	free(v);
	free(text);
	free(path);
	return rc;
}

int aurmig__graph_sum_of(const aurmig_graph *g, const aurmig_migration *m, int *found, char **out)
{
	char *path, *text = NULL, *line, *save = NULL;
	const char *name = file_name(g, m);
	int rc;

	*found = 0;
	*out = NULL;
	if (!(path = sum_path(g)))
		return AURMIG_ENOMEM;
	rc = read_sum(g, path, &text);
	free(path);
	if (rc == AURMIG_ENOTFOUND)
		return AURMIG_OK;
	if (rc)
		return rc;
	*found = 1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);
		char *sp;
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (!*line || *line == '#' || !(sp = strrchr(line, ' ')) || strncmp(sp + 1, "v1:", 3) != 0)
			continue;
		*sp = '\0';
		if (strcmp(line, name) == 0) {
			if (!(*out = aurmig__strdup(g->ctx, sp + 1)))
				rc = AURMIG_ENOMEM;
			break;
		}
	}
	free(text);
	return rc;
}
