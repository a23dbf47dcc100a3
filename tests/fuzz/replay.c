/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs a libFuzzer harness over files, without libFuzzer: the seed corpus
 * and the regression inputs (crashes found and fixed) of a harness are
 * replayed by the normal test suite, under its sanitizers and valgrind.
 *
 * Usage: replay-NAME PATH...   (files, or directories of files)
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f) {
		perror(path);
		return 1;
	}
	do {
		if (n == cap) {
			uint8_t *b = realloc(buf, cap = cap ? cap * 2 : 4096);
			if (!b) {
				fclose(f);
				free(buf);
				return 1;
			}
			buf = b;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, size_t *count)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	if (!(d = opendir(path))) {
		perror(path);
		return 1;
	}
	while ((de = readdir(d))) {
		char **v;
		if (de->d_name[0] == '.')
			continue;
		if (!(v = realloc(names, (n + 1) * sizeof(*names))) || !(v[n] = malloc(strlen(path) + strlen(de->d_name) + 2))) {
			closedir(d);
			return 1;
		}
		names = v;
		sprintf(names[n++], "%s/%s", path, de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (!rc) {
			struct stat fst;
			if (stat(names[i], &fst) == 0 && S_ISREG(fst.st_mode)) {
				(*count)++;
				rc = run_file(names[i]);
			}
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	size_t count = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &count))
			return 1;
	/* an abort() in the harness never gets here */
	printf("%zu passed, 0 failed\n", count);
	return 0;
}
