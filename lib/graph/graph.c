/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading a migrations directory into a checked revision graph. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/graph_priv.h"

#define MAX_SCRIPT_SIZE (64u * 1024u * 1024u)

/* ---------------------------------------------------------------- map */

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ull;   /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int map_init(aurmig__map *m, aurmig_context *ctx, size_t expect)
{
	size_t cap = 16;
	while (cap < expect * 2 + 1)
		cap *= 2;
	m->keys = aurmig__calloc(ctx, cap, sizeof(*m->keys));
	m->vals = aurmig__calloc(ctx, cap, sizeof(*m->vals));
	if (!m->keys || !m->vals)
		return AURMIG_ENOMEM;
	m->cap = cap;
	m->n = 0;
	return AURMIG_OK;
}

/* Insert; returns the existing value instead when the key is present. */
static size_t map_put(aurmig__map *m, const char *key, size_t val)
{
	size_t i = hash_str(key) & (m->cap - 1);
	while (m->keys[i]) {
		if (strcmp(m->keys[i], key) == 0)
			return m->vals[i];
		i = (i + 1) & (m->cap - 1);
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return AURMIG__NONE;
}

static size_t map_get(const aurmig__map *m, const char *key)
{
	size_t i;
	if (!m->cap)
		return AURMIG__NONE;
	i = hash_str(key) & (m->cap - 1);
	while (m->keys[i]) {
		if (strcmp(m->keys[i], key) == 0)
			return m->vals[i];
		i = (i + 1) & (m->cap - 1);
	}
	return AURMIG__NONE;
}

static void map_free(aurmig__map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

size_t aurmig__graph_index(const aurmig_graph *g, const char *id)
{
	return map_get(&g->ids, id);
}

size_t aurmig__graph_label(const aurmig_graph *g, const char *label)
{
	return map_get(&g->labels, label);
}

/* ---------------------------------------------------------------- free */

aurmig_graph *aurmig__graph_ref(const aurmig_graph *g)
{
	aurmig_graph *m = (aurmig_graph *)g;   /* the count is not part of the graph's meaning */
	if (m)
		m->refs++;
	return m;
}

void aurmig__graph_unref(aurmig_graph *g)
{
	if (g && --g->refs <= 0)
		aurmig_graph_free(g);
}

void aurmig_graph_free(aurmig_graph *g)
{
	if (!g)
		return;
	if (g->refs > 1) {
		g->refs--;
		return;
	}
	for (size_t i = 0; i < g->n; i++) {
		aurmig_migration *m = g->migs[i];
		/* the index arrays belong to the pool */
		m->parents = m->deps_idx = m->norm = m->children = m->dependents = NULL;
		aurmig__script_free(m);
	}
	free(g->pool);
	free(g->migs);
	free(g->heads);
	free(g->rheads);
	free(g->bases);
	free(g->by_id);
	map_free(&g->ids);
	map_free(&g->labels);
	free(g->dir);
	aurmig__context_unref(g->ctx);
	free(g);
}

/* ---------------------------------------------------------------- reading */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Reading works relative to the open directory (openat, fstatat), so no
 * full path is built per file except the one a migration keeps; each file
 * costs one open, one fstat, its reads and a close (readdir's d_type saves
 * a stat for regular files).
 */

/* dir + "/" + name in a buffer reused from file to file. */
static const char *join_path(aurmig_context *ctx, char **buf, size_t *cap, const char *dir,
	size_t dlen, const char *name)
{
	size_t n = strlen(name), need = dlen + 1 + n + 1;

	if (need > *cap) {
		size_t c = *cap ? *cap : 256;
		char *p;
		while (c < need)
			c *= 2;
		if (!(p = aurmig__realloc(ctx, *buf, c)))
			return NULL;
		*buf = p;
		*cap = c;
	}
	memcpy(*buf, dir, dlen);
	(*buf)[dlen] = '/';
	memcpy(*buf + dlen + 1, name, n + 1);
	return *buf;
}

static int read_file(aurmig_context *ctx, int dfd, const char *name, const char *path, char **text,
	size_t *len)
{
	struct stat st;
	char *buf;
	size_t n = 0, size;
	int fd;

	*text = NULL;
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return aurmig__err_at(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0,
			"cannot open script: %s", strerror(errno));
	if (fstat(fd, &st) != 0 || st.st_size < 0) {
		int e = errno;
		close(fd);
		return aurmig__err_at(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0,
			"cannot stat script: %s", strerror(e));
	}
	if ((unsigned long long)st.st_size > MAX_SCRIPT_SIZE) {
		close(fd);
		return aurmig__err_at(ctx, AURMIG_EPARSE, AURMIG_ERRCLASS_SCRIPT, path, 0,
			"script is larger than 64 MiB");
	}
	size = (size_t)st.st_size;
	buf = aurmig__malloc(ctx, size + 1);
	if (!buf) {
		close(fd);
		return AURMIG_ENOMEM;
	}
	/* the size fstat gave, as fread did; a file that grew meanwhile is cut there */
	while (n < size) {
		ssize_t r = read(fd, buf + n, size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			free(buf);
			return aurmig__err_at(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0,
				"cannot read script: %s", strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return AURMIG_OK;
}

/* The scripts' file names: one buffer of NUL-separated names, and pointers
 * into it sorted by name. */
typedef struct names_list {
	char *buf;
	char **v;
	size_t n;
} names_list;

static void names_clear(names_list *l)
{
	free(l->buf);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int list_scripts(aurmig_context *ctx, DIR *d, const char *dir, names_list *names)
{
	struct dirent *de;
	char *pbuf = NULL;
	size_t pcap = 0, dlen = strlen(dir), off = 0;
	aurmig__buf all;
	int rc = AURMIG_OK;

	aurmig__buf_init(&all, ctx);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		struct stat st;

		if (de->d_name[0] == '.' || n < 5 || strcmp(de->d_name + n - 4, ".sql") != 0)
			continue;
		if (de->d_type == DT_DIR)
			continue;
		/* fstatat follows symlinks: a dangling or looping link is an error,
		 * a directory named *.sql is skipped */
		if (de->d_type != DT_REG) {
			if (fstatat(dirfd(d), de->d_name, &st, 0) != 0) {
				int e = errno;
				const char *path = join_path(ctx, &pbuf, &pcap, dir, dlen, de->d_name);
				rc = path ? aurmig__err_at(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0,
					"cannot stat script: %s", strerror(e)) : AURMIG_ENOMEM;
				break;
			}
			if (!S_ISREG(st.st_mode))
				continue;
		}
		if ((rc = aurmig__buf_add(&all, de->d_name, n + 1)))
			break;
		names->n++;
	}
	free(pbuf);
	if (rc) {
		aurmig__buf_dispose(&all);
		return rc;
	}
	if (!names->n)
		return AURMIG_OK;
	if (!(names->buf = aurmig__buf_detach(&all)) ||
	    !(names->v = aurmig__calloc(ctx, names->n, sizeof(*names->v))))
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < names->n; i++) {
		names->v[i] = names->buf + off;
		off += strlen(names->v[i]) + 1;
	}
	qsort(names->v, names->n, sizeof(*names->v), name_cmp);
	return AURMIG_OK;
}

/* ---------------------------------------------------------------- traversal */

static int mark_walk(const aurmig_graph *g, aurmig_context *ctx, const size_t *starts,
	size_t nstarts, unsigned char *mark, int deps, int up)
{
	aurmig__idxv st = { 0 };
	int rc = AURMIG_OK;

	for (size_t i = 0; i < nstarts; i++) {
		if (mark[starts[i]])
			continue;
		mark[starts[i]] = 1;
		if ((rc = aurmig__idxv_push(&st, ctx, starts[i])))
			goto done;
	}
	while (st.n) {
		const aurmig_migration *m = g->migs[st.v[--st.n]];
		const size_t *a = up ? m->children : m->parents;
		size_t na = up ? m->nchildren : m->nparents;
		const size_t *b = up ? m->dependents : m->deps_idx;
		size_t nb = deps ? (up ? m->ndependents : m->ndeps) : 0;

		for (size_t k = 0; k < na + nb; k++) {
			size_t x = k < na ? a[k] : b[k - na];
			if (mark[x])
				continue;
			mark[x] = 1;
			if ((rc = aurmig__idxv_push(&st, ctx, x)))
				goto done;
		}
	}
done:
	free(st.v);
	return rc;
}

int aurmig__graph_mark_ancestors(const aurmig_graph *g, aurmig_context *ctx,
	const size_t *starts, size_t nstarts, unsigned char *mark, int deps)
{
	return mark_walk(g, ctx, starts, nstarts, mark, deps, 0);
}

int aurmig__graph_mark_descendants(const aurmig_graph *g, aurmig_context *ctx,
	const size_t *starts, size_t nstarts, unsigned char *mark, int deps)
{
	return mark_walk(g, ctx, starts, nstarts, mark, deps, 1);
}

int aurmig__graph_shares_lineage(const aurmig_graph *g, aurmig_context *ctx, size_t a, size_t b,
	int deps, int *out)
{
	unsigned char *mark = aurmig__calloc(ctx, g->n, 1);
	int rc;

	*out = 0;
	if (!mark)
		return AURMIG_ENOMEM;
	rc = aurmig__graph_mark_ancestors(g, ctx, &a, 1, mark, deps);
	if (!rc && !mark[b]) {
		memset(mark, 0, g->n);
		rc = aurmig__graph_mark_descendants(g, ctx, &a, 1, mark, deps);
	}
	if (!rc)
		*out = mark[b];
	free(mark);
	return rc;
}

/* ---------------------------------------------------------------- building */

/* n indices from the graph's pool (NULL for none), zeroed. */
static int index_array(aurmig_graph *g, size_t **out, size_t n)
{
	*out = NULL;
	if (!n)
		return AURMIG_OK;
	if (n > g->pool_size - g->pool_used)
		return aurmig__err(g->ctx, AURMIG_ERROR, AURMIG_ERRCLASS_API, "graph index pool exhausted");
	*out = g->pool + g->pool_used;
	g->pool_used += n;
	return AURMIG_OK;
}

/* One allocation for every index array the graph makes: parents, children
 * and the normalised down revisions (each as many as the down revisions in
 * all), dependencies and dependents (each as many as depends_on entries),
 * and one more per revision for the normalised list (which has room for
 * parents plus dependencies). A graph of 100,000 revisions makes 300,000
 * fewer small allocations (and frees). */
static int make_pool(aurmig_graph *g, aurmig_context *ctx)
{
	size_t down = 0, deps = 0;

	for (size_t i = 0; i < g->n; i++) {
		down += g->migs[i]->down.n;
		deps += g->migs[i]->deps.n;
	}
	g->pool_size = 3 * down + 3 * deps + g->n;
	g->pool_used = 0;
	if (!g->pool_size)
		return AURMIG_OK;
	g->pool = aurmig__calloc(ctx, g->pool_size, sizeof(*g->pool));
	return g->pool ? AURMIG_OK : AURMIG_ENOMEM;
}

/* Resolve down_revision and depends_on into indices (file order). */
static int resolve_edges(aurmig_graph *g, aurmig_context *ctx)
{
	for (size_t i = 0; i < g->n; i++) {
		aurmig_migration *m = g->migs[i];

		int rc;
		if ((rc = index_array(g, &m->parents, m->down.n)) || (rc = index_array(g, &m->deps_idx, m->deps.n)))
			return rc;
		for (size_t k = 0; k < m->down.n; k++) {
			size_t p = map_get(&g->ids, m->down.v[k]);
			if (p == AURMIG__NONE)
				return aurmig__err_at(ctx, AURMIG_EGRAPH, AURMIG_ERRCLASS_GRAPH, m->path,
					m->line_down, "down_revision '%s' of revision '%s' is not in the migrations directory",
					m->down.v[k], m->id);
			m->parents[m->nparents++] = p;
		}
		for (size_t k = 0; k < m->deps.n; k++) {
			size_t p = map_get(&g->ids, m->deps.v[k]);
			if (p == AURMIG__NONE)
				p = map_get(&g->labels, m->deps.v[k]);
			if (p == AURMIG__NONE)
				return aurmig__err_at(ctx, AURMIG_EGRAPH, AURMIG_ERRCLASS_GRAPH, m->path,
					m->line_deps, "depends_on '%s' of revision '%s' is neither a revision nor a branch label",
					m->deps.v[k], m->id);
			if (p == i)
				return aurmig__err_at(ctx, AURMIG_EGRAPH, AURMIG_ERRCLASS_GRAPH, m->path,
					m->line_deps, "revision '%s' depends on itself", m->id);
			m->deps_idx[m->ndeps++] = p;
		}
	}
	/* reverse edges */
	for (size_t i = 0; i < g->n; i++) {
		aurmig_migration *m = g->migs[i];
		for (size_t k = 0; k < m->nparents; k++)
			g->migs[m->parents[k]]->nchildren++;
		for (size_t k = 0; k < m->ndeps; k++)
			g->migs[m->deps_idx[k]]->ndependents++;
	}
	for (size_t i = 0; i < g->n; i++) {
		aurmig_migration *m = g->migs[i];
		int rc;
		if ((rc = index_array(g, &m->children, m->nchildren)) ||
		    (rc = index_array(g, &m->dependents, m->ndependents)))
			return rc;
		m->nchildren = m->ndependents = 0;
	}
	for (size_t i = 0; i < g->n; i++) {
		aurmig_migration *m = g->migs[i];
		for (size_t k = 0; k < m->nparents; k++) {
			aurmig_migration *p = g->migs[m->parents[k]];
			p->children[p->nchildren++] = i;
		}
		for (size_t k = 0; k < m->ndeps; k++) {
			aurmig_migration *p = g->migs[m->deps_idx[k]];
			p->dependents[p->ndependents++] = i;
		}
	}
	return AURMIG_OK;
}

/* Report the cycle found when the DFS reached `node` already on the stack. */
static int report_cycle(aurmig_graph *g, aurmig_context *ctx, const size_t *stack, size_t depth,
	size_t node)
{
	aurmig__buf b;
	size_t from = depth;
	const aurmig_migration *m = g->migs[node];
	char *chain;
	int rc;

	while (from > 0 && stack[from - 1] != node)
		from--;
	if (from > 0)
		from--;
	aurmig__buf_init(&b, ctx);
	/* stack runs child -> parent; print it in that order and close the loop */
	for (size_t k = from; k < depth; k++)
		aurmig__buf_printf(&b, "%s -> ", g->migs[stack[k]]->id);
	aurmig__buf_puts(&b, m->id);
	chain = aurmig__buf_detach(&b);
	if (!chain)
		return AURMIG_ENOMEM;
	rc = aurmig__err_at(ctx, AURMIG_EGRAPH, AURMIG_ERRCLASS_GRAPH, m->path,
		m->line_down ? m->line_down : m->line_revision,
		"revision graph has a cycle (through down_revision/depends_on): %s", chain);
	free(chain);
	return rc;
}

/*
 * Topological order by depth-first search from each head (file order),
 * emitting parents and dependencies before a revision, so each line of
 * descent stays together. Detects cycles.
 */
static int topo_order(aurmig_graph *g, aurmig_context *ctx, size_t *order)
{
	unsigned char *color = aurmig__calloc(ctx, g->n, 1);
	size_t *stack = aurmig__calloc(ctx, g->n, sizeof(*stack));
	size_t *edge = aurmig__calloc(ctx, g->n, sizeof(*edge));
	size_t out = 0;
	int rc = AURMIG_OK;

	if (!color || !stack || !edge) {
		rc = AURMIG_ENOMEM;
		goto done;
	}
	for (int pass = 0; pass < 2 && rc == AURMIG_OK; pass++) {
		for (size_t root = 0; root < g->n; root++) {
			size_t depth = 0;

			if (color[root])
				continue;
			/* pass 0: real heads only; pass 1: anything left (only cycles) */
			if (pass == 0 && (g->migs[root]->nchildren || g->migs[root]->ndependents))
				continue;
			stack[depth] = root;
			edge[depth++] = 0;
			color[root] = 1;
			while (depth) {
				size_t cur = stack[depth - 1];
				aurmig_migration *m = g->migs[cur];
				size_t k = edge[depth - 1]++;

				if (k < m->nparents + m->ndeps) {
					size_t nx = k < m->nparents ? m->parents[k] : m->deps_idx[k - m->nparents];
					if (color[nx] == 1) {
						rc = report_cycle(g, ctx, stack, depth, nx);
						goto done;
					}
					if (color[nx] == 0) {
						color[nx] = 1;
						stack[depth] = nx;
						edge[depth++] = 0;
					}
					continue;
				}
				color[cur] = 2;
				order[out++] = cur;
				depth--;
			}
		}
	}
done:
	free(color);
	free(stack);
	free(edge);
	return rc;
}

static int remap(aurmig_context *ctx, size_t *a, size_t n, const size_t *pos)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++)
		a[i] = pos[a[i]];
	return AURMIG_OK;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* Dependencies not already dependencies of an ancestor (Alembic's rule). */
static int normalize(aurmig_graph *g, aurmig_context *ctx)
{
	unsigned char *mark = NULL;
	int rc = AURMIG_OK;

	for (size_t i = 0; i < g->n; i++) {
		aurmig_migration *m = g->migs[i];

		if ((rc = index_array(g, &m->norm, m->nparents + m->ndeps + 1)))
			break;
		for (size_t k = 0; k < m->nparents; k++)
			m->norm[m->nnorm++] = m->parents[k];
		if (!m->ndeps)
			continue;
		if (!mark && !(mark = aurmig__calloc(ctx, g->n, 1))) {
			rc = AURMIG_ENOMEM;
			break;
		}
		memset(mark, 0, g->n);
		if ((rc = aurmig__graph_mark_ancestors(g, ctx, m->parents, m->nparents, mark, 0)))
			break;
		for (size_t k = 0; k < m->ndeps; k++) {
			size_t d = m->deps_idx[k];
			int implied = 0;
			for (size_t a = 0; a < g->n && !implied; a++) {
				if (!mark[a])
					continue;
				for (size_t j = 0; j < g->migs[a]->ndeps; j++)
					if (g->migs[a]->deps_idx[j] == d)
						implied = 1;
			}
			for (size_t j = 0; j < m->nnorm; j++)
				if (m->norm[j] == d)
					implied = 1;
			if (!implied)
				m->norm[m->nnorm++] = d;
		}
	}
	free(mark);
	return rc;
}

static int add_branch(aurmig_context *ctx, aurmig_migration *m, const char *label)
{
	if (aurmig__strv_contains(&m->branches, label))
		return AURMIG_OK;
	return aurmig__strv_push(&m->branches, ctx, label);
}

/* A label applies to its revision, all descendants, and ancestors down to
 * the nearest branch point or merge point. */
static int propagate_labels(aurmig_graph *g, aurmig_context *ctx)
{
	unsigned char *mark = NULL;
	int rc = AURMIG_OK;

	for (size_t i = 0; i < g->n && rc == AURMIG_OK; i++) {
		aurmig_migration *m = g->migs[i];
		if (!m->labels.n)
			continue;
		if (!mark && !(mark = aurmig__calloc(ctx, g->n, 1)))
			return AURMIG_ENOMEM;
		memset(mark, 0, g->n);
		if ((rc = aurmig__graph_mark_descendants(g, ctx, &i, 1, mark, 0)))
			break;
		for (size_t k = 0; k < m->labels.n && rc == AURMIG_OK; k++) {
			for (size_t j = 0; j < g->n && rc == AURMIG_OK; j++)
				if (mark[j])
					rc = add_branch(ctx, g->migs[j], m->labels.v[k]);
			for (aurmig_migration *p = m; p && rc == AURMIG_OK;) {
				if (p->nchildren + p->ndependents > 1 || p->nparents > 1)
					break;
				rc = add_branch(ctx, p, m->labels.v[k]);
				p = p->nparents == 1 ? g->migs[p->parents[0]] : NULL;
			}
		}
	}
	free(mark);
	for (size_t i = 0; i < g->n && rc == AURMIG_OK; i++)
		if (g->migs[i]->branches.n > 1)
			qsort(g->migs[i]->branches.v, g->migs[i]->branches.n, sizeof(char *), name_cmp);
	return rc;
}

static int by_id_cmp(const void *a, const void *b)
{
	return strcmp((*(aurmig_migration *const *)a)->id, (*(aurmig_migration *const *)b)->id);
}

static int load_scripts(aurmig_graph *g, aurmig_context *ctx, int dfd, const names_list *names)
{
	char *pbuf = NULL;
	size_t pcap = 0, dlen = strlen(g->dir);
	int rc = AURMIG_OK;

	g->migs = aurmig__calloc(ctx, names->n, sizeof(*g->migs));
	if (!g->migs)
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < names->n; i++) {
		const char *path = join_path(ctx, &pbuf, &pcap, g->dir, dlen, names->v[i]);
		char *text = NULL;
		size_t len = 0;

		if (!path) {
			rc = AURMIG_ENOMEM;
			break;
		}
		rc = read_file(ctx, dfd, names->v[i], path, &text, &len);
		if (!rc)
			rc = aurmig__script_parse(&g->migs[g->n], ctx, path, names->v[i], text, len);
		if (rc)
			break;
		g->migs[g->n]->graph = g;
		g->migs[g->n]->file_order = i;
		g->n++;
	}
	free(pbuf);
	return rc;
}

static int index_names(aurmig_graph *g, aurmig_context *ctx)
{
	size_t nlabels = 0;

	for (size_t i = 0; i < g->n; i++)
		nlabels += g->migs[i]->labels.n;
	if (map_init(&g->ids, ctx, g->n) || map_init(&g->labels, ctx, nlabels))
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < g->n; i++) {
		aurmig_migration *m = g->migs[i];
		size_t prev = map_put(&g->ids, m->id, i);
		if (prev != AURMIG__NONE)
			return aurmig__err_at(ctx, AURMIG_EGRAPH, AURMIG_ERRCLASS_GRAPH, m->path,
				m->line_revision, "duplicate revision '%s' (also in %s:%d)",
				m->id, g->migs[prev]->path, g->migs[prev]->line_revision);
	}
	for (size_t i = 0; i < g->n; i++) {
		aurmig_migration *m = g->migs[i];
		for (size_t k = 0; k < m->labels.n; k++) {
			size_t prev;
			if (map_get(&g->ids, m->labels.v[k]) != AURMIG__NONE)
				return aurmig__err_at(ctx, AURMIG_EGRAPH, AURMIG_ERRCLASS_GRAPH, m->path,
					m->line_labels, "branch label '%s' is also a revision id", m->labels.v[k]);
			prev = map_put(&g->labels, m->labels.v[k], i);
			if (prev != AURMIG__NONE)
				return aurmig__err_at(ctx, AURMIG_EGRAPH, AURMIG_ERRCLASS_GRAPH, m->path,
					m->line_labels, "branch label '%s' is already used by revision '%s' (%s:%d)",
					m->labels.v[k], g->migs[prev]->id, g->migs[prev]->path,
					g->migs[prev]->line_labels);
		}
	}
	return AURMIG_OK;
}

/* Put the migrations in topological order and rebuild every index. */
static int reorder(aurmig_graph *g, aurmig_context *ctx)
{
	size_t *order = aurmig__calloc(ctx, g->n, sizeof(*order));
	size_t *pos = aurmig__calloc(ctx, g->n, sizeof(*pos));
	aurmig_migration **migs = aurmig__calloc(ctx, g->n, sizeof(*migs));
	int rc;

	if (!order || !pos || !migs) {
		rc = AURMIG_ENOMEM;
		goto done;
	}
	if ((rc = topo_order(g, ctx, order)))
		goto done;
	for (size_t i = 0; i < g->n; i++) {
		pos[order[i]] = i;
		migs[i] = g->migs[order[i]];
	}
	for (size_t i = 0; i < g->n; i++) {
		aurmig_migration *m = migs[i];
		m->idx = i;
		remap(ctx, m->parents, m->nparents, pos);
		remap(ctx, m->deps_idx, m->ndeps, pos);
		remap(ctx, m->children, m->nchildren, pos);
		remap(ctx, m->dependents, m->ndependents, pos);
		/* qsort's array must not be NULL, even for 0 elements */
		if (m->nchildren > 1)
			qsort(m->children, m->nchildren, sizeof(size_t), cmp_size);
		if (m->ndependents > 1)
			qsort(m->dependents, m->ndependents, sizeof(size_t), cmp_size);
	}
	free(g->migs);
	g->migs = migs;
	migs = NULL;
	for (size_t i = 0; i < g->ids.cap; i++)
		if (g->ids.keys[i])
			g->ids.vals[i] = pos[g->ids.vals[i]];
	for (size_t i = 0; i < g->labels.cap; i++)
		if (g->labels.keys[i])
			g->labels.vals[i] = pos[g->labels.vals[i]];
done:
	free(order);
	free(pos);
	free(migs);
	return rc;
}

static int ends_array(aurmig_context *ctx, size_t **out, size_t n)
{
	*out = NULL;
	if (!n)
		return AURMIG_OK;
	*out = aurmig__calloc(ctx, n, sizeof(**out));
	return *out ? AURMIG_OK : AURMIG_ENOMEM;
}

static int collect_ends(aurmig_graph *g, aurmig_context *ctx)
{
	if (ends_array(ctx, &g->heads, g->n) || ends_array(ctx, &g->rheads, g->n) ||
	    ends_array(ctx, &g->bases, g->n))
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < g->n; i++) {
		const aurmig_migration *m = g->migs[i];
		if (!m->nchildren)
			g->heads[g->nheads++] = i;
		if (!m->nchildren && !m->ndependents)
			g->rheads[g->nrheads++] = i;
		if (!m->nparents)
			g->bases[g->nbases++] = i;
	}
	if (g->n) {
		g->by_id = aurmig__calloc(ctx, g->n, sizeof(*g->by_id));
		if (!g->by_id)
			return AURMIG_ENOMEM;
		memcpy(g->by_id, g->migs, g->n * sizeof(*g->by_id));
		qsort(g->by_id, g->n, sizeof(*g->by_id), by_id_cmp);
	}
	return AURMIG_OK;
}

/*
 * A directory without SQL scripts that holds Alembic's env.py or a
 * versions/ directory is Alembic's, not ours: say so (else it loads as an
 * empty graph and every database looks newer than "these migrations").
 */
static int alembic_dir(int dfd)
{
	struct stat st;

	return fstatat(dfd, "env.py", &st, 0) == 0 ||
	       (fstatat(dfd, "versions", &st, 0) == 0 && S_ISDIR(st.st_mode) &&
		fstatat(dfd, "script.py.mako", &st, 0) == 0) ||
	       (fstatat(dfd, "alembic.ini", &st, 0) == 0);
}

int aurmig_graph_load(aurmig_graph **out, aurmig_context *ctx, const char *dir)
{
	aurmig_graph *g;
	names_list names = { 0 };
	DIR *d = NULL;
	int rc;

	if (!out || !ctx || !dir)
		return ctx ? aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API,
			"aurmig_graph_load: NULL argument") : AURMIG_EINVALID;
	*out = NULL;
	aurmig__err_clear(ctx);
	g = aurmig__calloc(ctx, 1, sizeof(*g));
	if (!g)
		return AURMIG_ENOMEM;
	g->ctx = aurmig__context_ref(ctx);
	g->refs = 1;
	if (!(g->dir = aurmig__strdup(ctx, dir))) {
		rc = AURMIG_ENOMEM;
		goto fail;
	}
	if (!(d = opendir(dir))) {
		rc = aurmig__err_at(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, dir, 0,
			"cannot open migrations directory: %s", strerror(errno));
		goto fail;
	}
	if ((rc = list_scripts(ctx, d, dir, &names)))
		goto fail;
	if (names.n == 0 && alembic_dir(dirfd(d))) {
		rc = aurmig__err_at(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_SCRIPT, dir, 0,
			"this is an Alembic scripts directory (env.py, versions/*.py), not aurmig SQL scripts: "
			"give the directory of aurmig's .sql migrations (aurweb's are in migrations/)");
		goto fail;
	}
	if ((rc = load_scripts(g, ctx, dirfd(d), &names)))
		goto fail;
	closedir(d);
	d = NULL;
	if ((rc = index_names(g, ctx)) ||
	    (rc = make_pool(g, ctx)) ||
	    (rc = resolve_edges(g, ctx)) ||
	    (rc = reorder(g, ctx)) ||
	    (rc = normalize(g, ctx)) ||
	    (rc = propagate_labels(g, ctx)) ||
	    (rc = collect_ends(g, ctx)))
		goto fail;
	names_clear(&names);
	*out = g;
	return AURMIG_OK;
fail:
	if (d)
		closedir(d);
	names_clear(&names);
	aurmig_graph_free(g);
	return rc;
}

/* ---------------------------------------------------------------- accessors */

size_t aurmig_graph_count(const aurmig_graph *g) { return g ? g->n : 0; }

const aurmig_migration *aurmig_graph_at(const aurmig_graph *g, size_t i)
{
	return g && i < g->n ? g->migs[i] : NULL;
}

const aurmig_migration *aurmig_graph_get(const aurmig_graph *g, const char *id)
{
	size_t i;
	if (!g || !id)
		return NULL;
	i = map_get(&g->ids, id);
	return i == AURMIG__NONE ? NULL : g->migs[i];
}

size_t aurmig_graph_head_count(const aurmig_graph *g) { return g ? g->nheads : 0; }
const aurmig_migration *aurmig_graph_head(const aurmig_graph *g, size_t i)
{
	return g && i < g->nheads ? g->migs[g->heads[i]] : NULL;
}
size_t aurmig_graph_base_count(const aurmig_graph *g) { return g ? g->nbases : 0; }
const aurmig_migration *aurmig_graph_base(const aurmig_graph *g, size_t i)
{
	return g && i < g->nbases ? g->migs[g->bases[i]] : NULL;
}

size_t aurmig_migration_child_count(const aurmig_migration *m) { return m ? m->nchildren : 0; }
const char *aurmig_migration_child(const aurmig_migration *m, size_t i)
{
	return m && i < m->nchildren ? m->graph->migs[m->children[i]]->id : NULL;
}
