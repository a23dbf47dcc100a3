/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: aurweb's INI configuration (aurmig__settings_from_aurweb_config).
 * The parser reads a file: the input is put in a memfd and read through
 * /proc/self/fd. A password that the input names exactly once (in a
 * "password = ..." line) must never show up in a message or the display URL.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "ini/settings.h"

/* The value of the first "password = VALUE" line (the key first on its line) if it looks like a secret
 * (8+ letters and digits, with both) and occurs only once in the input. */
static char *secret_of(const uint8_t *data, size_t size)
{
	static const char key[] = "password";
	const uint8_t *p = data, *end = data + size;
	char *secret;
	size_t n = 0, letters = 0, digits = 0;

	while ((p = memmem(p, (size_t)(end - p), key, sizeof(key) - 1))) {
		const uint8_t *v = p + sizeof(key) - 1, *b = p;
		/* only a key at the start of a line */
		while (b > data && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > data && b[-1] != '\n') {
			p++;
			continue;
		}
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		if (v < end && *v == '=') {
			v++;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			for (n = 0; v + n < end && ((v[n] >= 'a' && v[n] <= 'z') || (v[n] >= 'A' && v[n] <= 'Z') ||
			     (v[n] >= '0' && v[n] <= '9')); n++) {
				letters += !(v[n] >= '0' && v[n] <= '9');
				digits += v[n] >= '0' && v[n] <= '9';
			}
			if (n < 8 || !letters || !digits)
				return NULL;
			secret = fz_strndup(v, n);
			/* only once in the whole input */
			if (memmem(data, size, secret, n) != (const void *)v ||
			    memmem(v + 1, (size_t)(end - v - 1), secret, n)) {
				free(secret);
				return NULL;
			}
			return secret;
		}
		p++;
	}
	return NULL;
}

static int parse(aurmig_context *ctx, const char *path, const char *secret)
{
	aurmig__settings s;
	int rc = aurmig__settings_from_aurweb_config(&s, ctx, path);

	if (rc) {
		fz_check_error(ctx, rc);
		FZ_CHECK(rc == AURMIG_EPARSE || rc == AURMIG_ENOMEM || rc == AURMIG_EIO);
		FZ_CHECK(!s.password && !s.display_url);
		if (secret)
			FZ_CHECK(!strstr(aurmig_error_last(ctx)->message, secret));
		return rc;
	}
	FZ_CHECK(s.driver && s.dbname && *s.dbname && s.display_url);
	if (secret)
		FZ_CHECK(!strstr(s.display_url, secret));
	if (s.password)
		FZ_CHECK(strstr(s.display_url, ":***@") != NULL);
	aurmig__settings_clear(&s);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	aurmig_context *ctx;
	char path[64], *secret;
	unsigned long n;
	int fd = memfd_create("aurmig-fuzz-config", 0);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	secret = secret_of(data, size);
	ctx = fz_context();
	fz_count_allocs(ctx);
	parse(ctx, path, secret);
	n = fz_allocs(ctx);
	if (n) {
		aurmig__context_fail_alloc_at(ctx, fz_pick(data, size, n));
		FZ_CHECK(parse(ctx, path, secret) == AURMIG_ENOMEM);
	}
	aurmig_context_free(ctx);
	free(secret);
	close(fd);
	return 0;
}
