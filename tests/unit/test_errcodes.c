/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The vocabulary of return codes (lib/base/errcodes.c) against the public
 * header: every code of enum aurmig_error_code in the include/aurmig headers is in
 * the library's table, in the header's order, under its enum name, and the
 * names, families, texts and exit statuses answer as documented. */
#include <ctype.h>
#include <strings.h>

#include "testutil.h"

#define MAXCODES 64

typedef struct {
	char name[64];
	int value;
} hcode;

/* The codes of the aurmig_error_code enum, as the headers spell them. */
static size_t header_codes(hcode *out)
{
	const char *root = getenv("AURMIG_SOURCE_ROOT");
	char dirpath[4096], path[4200], line[1024];
	DIR *d;
	struct dirent *de;
	size_t n = 0, blocks = 0;

	assert_non_null(root);
	snprintf(dirpath, sizeof(dirpath), "%s/include/aurmig", root);
	assert_non_null(d = opendir(dirpath));
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		FILE *f;
		int in = 0;
		if (len < 3 || strcmp(de->d_name + len - 2, ".h"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirpath, de->d_name);
		assert_non_null(f = fopen(path, "r"));
		while (fgets(line, sizeof(line), f)) {
			char *p = line, *q;
			if (strstr(line, "enum aurmig_error_code {")) {
				in = 1;
				blocks++;
				continue;
			}
			if (in && strstr(line, "} aurmig_error_code;")) {
				in = 0;
				continue;
			}
			if (!in)
				continue;
			while (isspace((unsigned char)*p))
				p++;
			if (strncmp(p, "AURMIG_", 7))
				continue;
			q = p;
			while (isalnum((unsigned char)*q) || *q == '_')
				q++;
			assert_true(n < MAXCODES);
			assert_true((size_t)(q - p - 7) < sizeof(out[n].name));
			memcpy(out[n].name, p + 7, (size_t)(q - p - 7));
			out[n].name[q - p - 7] = '\0';
			while (isspace((unsigned char)*q))
				q++;
			assert_int_equal(*q, '=');   /* every code has its fixed number written out */
			out[n].value = (int)strtol(q + 1, NULL, 10);
			n++;
		}
		fclose(f);
	}
	closedir(d);
	assert_int_equal(blocks, 1);
	assert_true(n >= 20);
	return n;
}

static void test_table_covers_the_header(void **state)
{
	hcode h[MAXCODES];
	size_t n = header_codes(h);
	(void)state;

	assert_int_equal(aurmig_error_count(), n);
	for (size_t i = 0; i < n; i++) {
		char lower[80], prefixed[128];
		size_t k;
		assert_int_equal(aurmig_error_at(i), h[i].value);
		assert_non_null(aurmig_error_name(h[i].value));
		assert_string_equal(aurmig_error_name(h[i].value), h[i].name);
		/* names round-trip, with or without the prefix, in any case */
		assert_int_equal(aurmig_error_from_name(h[i].name), h[i].value);
		snprintf(prefixed, sizeof(prefixed), "AURMIG_%.63s", h[i].name);
		assert_int_equal(aurmig_error_from_name(prefixed), h[i].value);
		for (k = 0; h[i].name[k]; k++)
			lower[k] = (char)tolower((unsigned char)h[i].name[k]);
		lower[k] = '\0';
		assert_int_equal(aurmig_error_from_name(lower), h[i].value);
		assert_string_not_equal(aurmig_error_str(h[i].value), "unknown error");
		/* a failure has a family of its own, except the generic one */
		if (h[i].value < 0 && h[i].value != AURMIG_ERROR && h[i].value != AURMIG_ITEROVER)
			assert_non_null(aurmig_error_family(h[i].value));
		else
			assert_null(aurmig_error_family(h[i].value));
	}
	assert_int_equal(aurmig_error_at(n), 1);
	assert_int_equal(aurmig_error_at((size_t)-1), 1);
}

static void test_no_code_answers(void **state)
{
	(void)state;
	assert_null(aurmig_error_name(1));
	assert_null(aurmig_error_name(-21));
	assert_null(aurmig_error_family(-21));
	assert_string_equal(aurmig_error_str(-21), "unknown error");
	assert_int_equal(aurmig_error_exit_code(-21), 1);
	assert_int_equal(aurmig_error_from_name(NULL), 1);
	assert_int_equal(aurmig_error_from_name(""), 1);
	assert_int_equal(aurmig_error_from_name("AURMIG_"), 1);
	assert_int_equal(aurmig_error_from_name("ELOCKEDX"), 1);
	assert_int_equal(aurmig_error_from_name("LOCKED"), 1);
}

static void test_families_and_exit_codes(void **state)
{
	(void)state;
	assert_string_equal(aurmig_error_name(AURMIG_ELOCKED), "ELOCKED");
	assert_string_equal(aurmig_error_family(AURMIG_ELOCKED), "LockTimeout");
	assert_string_equal(aurmig_error_family(AURMIG_EINVALID), "Usage");
	assert_string_equal(aurmig_error_family(AURMIG_EBUFS), "Usage");
	assert_string_equal(aurmig_error_family(AURMIG_EUNSUPPORTED), "Usage");
	assert_string_equal(aurmig_error_family(AURMIG_ECONFLICT), "Database");
	assert_string_equal(aurmig_error_str(AURMIG_ELOCKED), "migration lock held");
	/* README.md "Exit codes" */
	assert_int_equal(aurmig_error_exit_code(AURMIG_OK), 0);
	assert_int_equal(aurmig_error_exit_code(AURMIG_ERROR), 1);
	assert_int_equal(aurmig_error_exit_code(AURMIG_EDB), 1);
	assert_int_equal(aurmig_error_exit_code(AURMIG_ELOCKED), 4);
	assert_int_equal(aurmig_error_exit_code(AURMIG_ERECOVERY), 5);
	assert_int_equal(aurmig_error_exit_code(AURMIG_EDRIFT), 6);
	assert_int_equal(aurmig_error_exit_code(AURMIG_EUNKNOWNREV), 7);
	assert_int_equal(aurmig_error_exit_code(AURMIG_EINPROGRESS), 9);
	assert_int_equal(aurmig_error_exit_code(AURMIG_EASSERT), 12);
	assert_int_equal(aurmig_error_exit_code(AURMIG_ITEROVER), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_covers_the_header),
		cmocka_unit_test(test_no_code_answers),
		cmocka_unit_test(test_families_and_exit_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
