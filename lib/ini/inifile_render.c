/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The INI file's text out: rendering, checksums, the unified diff of two
 * texts, and the atomic save (backup, fsync, rename) with its fault
 * injection points for tests. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "ini/inifile.h"
#include "ini/inifile_priv.h"

#define DIFF_CONTEXT 3
#define DIFF_MAX_CELLS ((size_t)1000 * 1000)

int aurmig__ini_render(const aurmig__ini *ini, aurmig__buf *out)
{
	if (!out)
		return AURMIG_EINVALID;
	if (!ini)
		return aurmig__err(out->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig__ini_render: no object");
	return aurmig__buf_add(out, ini->text, ini->len);
}

void aurmig__ini_checksum_text(const char *text, size_t len, char out[AURMIG__INI_CHECKSUM_SIZE])
{
	struct sha256_ctx h;
	uint8_t digest[SHA256_DIGEST_SIZE];

	sha256_init(&h);
	if (len)
		sha256_update(&h, len, (const uint8_t *)text);
	sha256_digest(&h, sizeof(digest), digest);
	memcpy(out, "v1:", 3);
	aurmig__hex(out + 3, digest, sizeof(digest));
}

void aurmig__ini_checksum(const aurmig__ini *ini, char out[AURMIG__INI_CHECKSUM_SIZE])
{
	aurmig__ini_checksum_text(ini ? ini->text : "", ini ? ini->len : 0, out);
}

/* ---- unified diff ---- */

typedef struct dline {
	const char *p;
	size_t n;   /* with its '\n', if any */
} dline;

enum { OP_SAME, OP_DEL, OP_ADD };

static int split_lines(aurmig_context *ctx, const char *t, dline **out, size_t *count)
{
	size_t n = 0, len = strlen(t), pos = 0;
	dline *v;

	for (size_t i = 0; i < len; i++)
		if (t[i] == '\n')
			n++;
	if (len && t[len - 1] != '\n')
		n++;
	v = aurmig__reallocarray(ctx, NULL, n ? n : 1, sizeof(*v));
	if (!v)
		return AURMIG_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *nl = memchr(t + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - t) + 1 : len;

		v[i].p = t + pos;
		v[i].n = end - pos;
		pos = end;
	}
	*out = v;
	*count = n;
	return AURMIG_OK;
}

static int dline_eq(const dline *a, const dline *b)
{
	return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

/* The edit script: ops[] over both line lists, deletions before additions. */
static int diff_ops(aurmig_context *ctx, const dline *a, size_t na, const dline *b, size_t nb,
	unsigned char **out, size_t *nops)
{
	size_t pre = 0, suf = 0, ma, mb, o = 0;
	unsigned char *ops = aurmig__malloc(ctx, na + nb + 1);
	uint32_t *lcs = NULL;

	if (!ops)
		return AURMIG_ENOMEM;
	while (pre < na && pre < nb && dline_eq(&a[pre], &b[pre]))
		pre++;
	while (suf < na - pre && suf < nb - pre && dline_eq(&a[na - 1 - suf], &b[nb - 1 - suf]))
		suf++;
	ma = na - pre - suf;
	mb = nb - pre - suf;
	for (size_t i = 0; i < pre; i++)
		ops[o++] = OP_SAME;
	if (ma && mb && ma <= DIFF_MAX_CELLS / mb) {
		/* lcs[i][j]: longest common subsequence of a[pre+i..] and b[pre+j..] */
		size_t w = mb + 1, i = 0, j = 0;

		lcs = aurmig__calloc(ctx, (ma + 1) * w, sizeof(*lcs));
		if (!lcs) {
			free(ops);
			return AURMIG_ENOMEM;
		}
		for (size_t x = ma; x-- > 0;)
			for (size_t y = mb; y-- > 0;)
				lcs[x * w + y] = dline_eq(&a[pre + x], &b[pre + y]) ? lcs[(x + 1) * w + y + 1] + 1 :
					(lcs[(x + 1) * w + y] >= lcs[x * w + y + 1] ? lcs[(x + 1) * w + y] : lcs[x * w + y + 1]);
		while (i < ma || j < mb) {
			if (i < ma && j < mb && dline_eq(&a[pre + i], &b[pre + j])) {
				ops[o++] = OP_SAME;
				i++;
				j++;
			} else if (j == mb || (i < ma && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
				ops[o++] = OP_DEL;
				i++;
			} else {
				ops[o++] = OP_ADD;
				j++;
			}
		}
		free(lcs);
	} else {
		for (size_t i = 0; i < ma; i++)
			ops[o++] = OP_DEL;
		for (size_t i = 0; i < mb; i++)
			ops[o++] = OP_ADD;
	}
	for (size_t i = 0; i < suf; i++)
		ops[o++] = OP_SAME;
	*out = ops;
	*nops = o;
	return AURMIG_OK;
}

static void diff_range(aurmig__buf *out, char sign, size_t start, size_t count)
{
	/* diff -u: "l" for one line, "l,0" naming the line before for none */
	if (count == 1)
		aurmig__buf_printf(out, "%c%zu", sign, start + 1);
	else
		aurmig__buf_printf(out, "%c%zu,%zu", sign, count ? start + 1 : start, count);
}

static void diff_line(aurmig__buf *out, char sign, const dline *l)
{
	aurmig__buf_add(out, &sign, 1);
	aurmig__buf_add(out, l->p, l->n);
	if (!l->n || l->p[l->n - 1] != '\n')
		aurmig__buf_puts(out, "\n\\ No newline at end of file\n");
}

int aurmig__ini_diff(const char *old_text, const char *new_text, const char *path, aurmig__buf *out)
{
	dline *a = NULL, *b = NULL;
	size_t na, nb, nops, i = 0, ai = 0, bi = 0;
	unsigned char *ops = NULL;
	int rc, header = 0;

	if (!out)
		return AURMIG_EINVALID;
	if (!old_text || !new_text || !path)
		return aurmig__err(out->ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig__ini_diff: missing argument");
	if (strcmp(old_text, new_text) == 0)
		return AURMIG_OK;
	if ((rc = split_lines(out->ctx, old_text, &a, &na)) || (rc = split_lines(out->ctx, new_text, &b, &nb)) ||
	    (rc = diff_ops(out->ctx, a, na, b, nb, &ops, &nops)))
		goto done;
	while (path[0] == '/')
		path++;
	/* hunks: the changes with DIFF_CONTEXT lines around them; changes at most
	 * 2 * DIFF_CONTEXT unchanged lines apart share a hunk, as in diff -u */
	while (i < nops) {
		size_t first, last, j, end, as, bs, ac = 0, bc = 0;

		for (first = i; first < nops && ops[first] == OP_SAME; first++)
			;
		if (first == nops)
			break;
		last = first;
		for (j = first + 1; j < nops;) {
			size_t k = j;

			while (k < nops && ops[k] == OP_SAME)
				k++;
			if (k == nops || k - j > 2 * DIFF_CONTEXT)
				break;
			last = k;
			j = k + 1;
		}
		end = last + 1 + DIFF_CONTEXT < nops ? last + 1 + DIFF_CONTEXT : nops;
		/* skip to the hunk's first line */
		for (; i + DIFF_CONTEXT < first; i++) {
			ai += ops[i] != OP_ADD;
			bi += ops[i] != OP_DEL;
		}
		as = ai;
		bs = bi;
		for (j = i; j < end; j++) {
			ac += ops[j] != OP_ADD;
			bc += ops[j] != OP_DEL;
		}
		if (!header) {
			aurmig__buf_printf(out, "--- a/%s\n+++ b/%s\n", path, path);
			header = 1;
		}
		aurmig__buf_puts(out, "@@ ");
		diff_range(out, '-', as, ac);
		aurmig__buf_puts(out, " ");
		diff_range(out, '+', bs, bc);
		aurmig__buf_puts(out, " @@\n");
		for (; i < end; i++) {
			if (ops[i] == OP_SAME) {
				diff_line(out, ' ', &a[ai++]);
				bi++;
			} else if (ops[i] == OP_DEL) {
				diff_line(out, '-', &a[ai++]);
			} else {
				diff_line(out, '+', &b[bi++]);
			}
		}
	}
	rc = out->failed ? aurmig__oom(out->ctx) : AURMIG_OK;
done:
	free(a);
	free(b);
	free(ops);
	return rc;
}

/* ================================================================ saving */

void aurmig__ini_test_fail_save_step(aurmig__ini *ini, int step)
{
	if (ini)
		ini->save_fail_step = step;
}

void aurmig__ini_test_save_hook(aurmig__ini *ini, void (*fn)(void *arg, int step), void *arg)
{
	if (ini) {
		ini->save_hook = fn;
		ini->save_hook_arg = arg;
	}
}

/* Whether the test hook makes this step fail; sets errno like the call would.
 * The test-only callback, if any, runs first (before the step). */
static int injected(const aurmig__ini *ini, int step)
{
	if (ini->save_hook)
		ini->save_hook(ini->save_hook_arg, step);
	if (ini->save_fail_step != step)
		return 0;
	errno = step == AURMIG__INI_SAVE_BACKUP_LINK ? EPERM : EIO;
	return 1;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Give fd the owner of st unless it has it. */
static int same_owner(int fd, const struct stat *st)
{
	struct stat cur;

	if (fstat(fd, &cur) != 0)
		return -1;
	if (cur.st_uid == st->st_uid && cur.st_gid == st->st_gid)
		return 0;
	return fchown(fd, st->st_uid, st->st_gid);
}

typedef struct save_state {
	aurmig__ini *ini;
	aurmig_context *ctx;
	const char *path;          /* as given, for messages */
	char real[PATH_MAX];       /* resolved */
	struct stat st;
	char *dir, *tmp, *backup, *btmp;
	int tmp_made, btmp_made;
} save_state;

static int save_err(save_state *s, int code, const char *what, int e)
{
	return aurmig__err_at(s->ctx, code, AURMIG_ERRCLASS_OS, s->path, 0, "%s: %s", what, strerror(e));
}

/* A copy of the original at s->btmp, owner and mode kept when possible. */
static int backup_copy(save_state *s)
{
	char chunk[65536];
	int in = -1, out = -1, e;

	if (injected(s->ini, AURMIG__INI_SAVE_BACKUP_COPY))
		goto fail;
	in = open(s->real, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		goto fail;
	out = open(s->btmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		goto fail;
	s->btmp_made = 1;
	for (;;) {
		ssize_t got = read(in, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto fail;
		if (got == 0)
			break;
		if (write_all(out, chunk, (size_t)got) != 0)
			goto fail;
	}
	/* the backup holds the password too: widen the mode only with the right owner */
	if (same_owner(out, &s->st) == 0 && fchmod(out, s->st.st_mode & 07777) != 0)
		goto fail;
	if (fsync(out) != 0)
		goto fail;
	close(in);
	in = -1;
	e = close(out);
	out = -1;
	if (e != 0)
		goto fail;
	return AURMIG_OK;
fail:
	e = errno;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return save_err(s, AURMIG_EIO, "cannot copy the file for the backup", e);
}

/* Step 8/9: s->backup becomes the original's content. */
static int make_backup(save_state *s)
{
	int fd, e;

	fd = mkostemp(s->btmp, O_CLOEXEC);
	if (fd < 0)
		return save_err(s, AURMIG_EIO, "cannot create the backup", errno);
	close(fd);
	unlink(s->btmp);
	/* a fault injected into the copy needs the link refused to get there */
	if (injected(s->ini, AURMIG__INI_SAVE_BACKUP_LINK) ||
	    (s->ini->save_fail_step == AURMIG__INI_SAVE_BACKUP_COPY && (errno = EPERM)) ||
	    link(s->real, s->btmp) != 0) {
		e = errno;
		if (e != EPERM && e != EXDEV && e != EMLINK && e != ENOTSUP && e != EOPNOTSUPP && e != ENOSYS)
			return save_err(s, AURMIG_EIO, "cannot link the backup", e);
		if (backup_copy(s))
			return AURMIG_EIO;
	}
	s->btmp_made = 1;
	if (rename(s->btmp, s->backup) != 0)
		return save_err(s, AURMIG_EIO, "cannot rename the backup into place", errno);
	s->btmp_made = 0;
	return AURMIG_OK;
}

static int save_steps(save_state *s, int *fd, int *dfd)
{
	aurmig__ini *ini = s->ini;
	int e;

	/* 2. the temporary file (mode 0600 until the end) */
	if (injected(ini, AURMIG__INI_SAVE_CREATE) || (*fd = mkostemp(s->tmp, O_CLOEXEC)) < 0)
		return save_err(s, AURMIG_EIO, "cannot create a temporary file next to it", errno);
	s->tmp_made = 1;
	if (injected(ini, AURMIG__INI_SAVE_WRITE) || write_all(*fd, ini->text, ini->len) != 0)
		return save_err(s, AURMIG_EIO, "cannot write the temporary file", errno);
	/* owner before mode: chown may clear set-id bits */
	if (injected(ini, AURMIG__INI_SAVE_CHOWN) || same_owner(*fd, &s->st) != 0) {
		e = errno;
		aurmig__err_at(s->ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, s->path, 0,
			"cannot give the new file the owner %ld:%ld of the old one (run as root or as the owner): %s",
			(long)s->st.st_uid, (long)s->st.st_gid, strerror(e));
		return AURMIG_EIO;
	}
	if (injected(ini, AURMIG__INI_SAVE_CHMOD) || fchmod(*fd, s->st.st_mode & 07777) != 0)
		return save_err(s, AURMIG_EIO, "cannot set the temporary file's mode", errno);
	if (injected(ini, AURMIG__INI_SAVE_FSYNC) || fsync(*fd) != 0)
		return save_err(s, AURMIG_EIO, "cannot sync the temporary file", errno);
	if (injected(ini, AURMIG__INI_SAVE_CLOSE)) {
		e = EIO;
		close(*fd);
	} else {
		e = close(*fd) != 0 ? errno : 0;
	}
	*fd = -1;
	if (e)
		return save_err(s, AURMIG_EIO, "cannot close the temporary file", e);
	if (s->backup && make_backup(s))
		return AURMIG_EIO;
	if (injected(ini, AURMIG__INI_SAVE_OPENDIR) ||
	    (*dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return save_err(s, AURMIG_EIO, "cannot open the directory", errno);
	if (injected(ini, AURMIG__INI_SAVE_RENAME) || rename(s->tmp, s->real) != 0)
		return save_err(s, AURMIG_EIO, "cannot rename the temporary file over it", errno);
	s->tmp_made = 0;
	/* the commit point is behind us */
	if (injected(ini, AURMIG__INI_SAVE_SYNCDIR) || fsync(*dfd) != 0)
		return save_err(s, AURMIG_EIO, "the new file is in place, but syncing its directory failed "
			"(the change may not survive a crash)", errno);
	return AURMIG_OK;
}

int aurmig__ini_save_atomic(aurmig__ini *ini, aurmig_context *ctx, const char *path,
	const char *backup_suffix)
{
	save_state *s;
	char *slash;
	int fd = -1, dfd = -1, rc;

	if (!ini || !path)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig__ini_save_atomic: missing argument");
	if (backup_suffix && strchr(backup_suffix, '/'))
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "a backup suffix cannot contain '/'");
	aurmig__err_clear(ctx);
	s = aurmig__calloc(ctx, 1, sizeof(*s));
	if (!s)
		return AURMIG_ENOMEM;
	s->ini = ini;
	s->ctx = ctx;
	s->path = path;

	/* 1. what to replace */
	if (injected(ini, AURMIG__INI_SAVE_STAT) || !realpath(path, s->real) || stat(s->real, &s->st) != 0) {
		int e = errno;
		rc = save_err(s, e == ENOENT ? AURMIG_ENOTFOUND : AURMIG_EIO, "cannot find the file to replace", e);
		goto done;
	}
	if (!S_ISREG(s->st.st_mode)) {
		rc = aurmig__err_at(ctx, AURMIG_EIO, AURMIG_ERRCLASS_OS, path, 0, "not a regular file");
		goto done;
	}
	/* every allocation before the file system is touched */
	slash = strrchr(s->real, '/');
	s->dir = slash == s->real ? aurmig__strdup(ctx, "/") : aurmig__strndup(ctx, s->real, (size_t)(slash - s->real));
	s->tmp = s->dir ? aurmig__printf(ctx, "%s/.%s.XXXXXX", s->dir, slash + 1) : NULL;
	if (!s->tmp) {
		rc = AURMIG_ENOMEM;
		goto done;
	}
	if (backup_suffix && *backup_suffix) {
		s->backup = aurmig__printf(ctx, "%s%s", s->real, backup_suffix);
		s->btmp = s->backup ? aurmig__printf(ctx, "%s/.%s%s.XXXXXX", s->dir, slash + 1, backup_suffix) : NULL;
		if (!s->btmp) {
			rc = AURMIG_ENOMEM;
			goto done;
		}
	}
	rc = save_steps(s, &fd, &dfd);
	if (rc == AURMIG_OK)
		ini->modified = 0;
done:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (s->tmp_made && s->tmp)
		unlink(s->tmp);
	if (s->btmp_made && s->btmp)
		unlink(s->btmp);
	free(s->dir);
	free(s->tmp);
	free(s->backup);
	free(s->btmp);
	free(s);
	return rc;
}
