/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text output in Alembic's shapes, and the help texts. */
#include <string.h>

#include "cli.h"

/* Length of the valid UTF-8 sequence at s (2 to 4 bytes) and its code point, or 0. */
static size_t utf8_seq(const unsigned char *s, unsigned long *cp)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
	unsigned long v;

	if (!n)
		return 0;
	v = s[0] & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)) || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/*
 * Text that came from the database (version rows, journal columns, and the
 * library's messages that quote them) reaches the terminal with its control
 * characters escaped, so that it cannot move the cursor, overprint or retitle
 * the terminal: C0 controls but tab (and newline when lines), DEL, C1
 * controls, invalid UTF-8 and the bidirectional overrides are written as \xNN
 * (\r and \n by name), byte by byte. Everything else is written as it is.
 */
void out_text(FILE *f, const char *text, int lines)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");

	while (*s) {
		unsigned long cp = 0;
		size_t n;
		if (*s >= 0x20 && *s < 0x7f) {
			const unsigned char *run = s;
			while (*s >= 0x20 && *s < 0x7f)
				s++;
			fwrite(run, 1, (size_t)(s - run), f);
			continue;
		}
		if (*s == '\t' || (*s == '\n' && lines)) {
			fputc(*s++, f);
			continue;
		}
		if (*s < 0x80) {
			if (*s == '\r' || *s == '\n')
				fputs(*s == '\r' ? "\\r" : "\\n", f);
			else
				fprintf(f, "\\x%02x", *s);
			s++;
			continue;
		}
		n = utf8_seq(s, &cp);
		if (n && !(cp >= 0x80 && cp <= 0x9f) && !(cp >= 0x202a && cp <= 0x202e) && !(cp >= 0x2066 && cp <= 0x2069)) {
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		for (size_t i = 0; i < (n ? n : 1); i++)
			fprintf(f, "\\x%02x", *s++);
	}
}

void out_line(FILE *f, const char *prefix, const char *text, int lines)
{
	fputs(prefix, f);
	out_text(f, text, lines);
	fputc('\n', f);
}

static void print_list(FILE *f, size_t n, const char *(*at)(const aurmig_migration *, size_t),
	const aurmig_migration *m)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", at(m, i));
}

void out_rev_line(FILE *f, const aurmig_migration *m, int parents, int branches, int indicators,
	int doc, int is_current)
{
	if (parents) {
		if (aurmig_migration_parent_count(m) == 0)
			fprintf(f, "<base>");
		else
			print_list(f, aurmig_migration_parent_count(m), aurmig_migration_parent, m);
		if (aurmig_migration_dependency_count(m)) {
			fprintf(f, " (");
			print_list(f, aurmig_migration_dependency_count(m), aurmig_migration_dependency, m);
			fprintf(f, ")");
		}
		fprintf(f, " -> ");
	}
	fprintf(f, "%s", aurmig_migration_id(m));
	if (branches && aurmig_migration_branch_count(m)) {
		fprintf(f, " (");
		print_list(f, aurmig_migration_branch_count(m), aurmig_migration_branch, m);
		fprintf(f, ")");
	}
	if (indicators) {
		if (aurmig_migration_is_head(m))
			fprintf(f, aurmig_migration_is_effective_head(m) ? " (effective head)" : " (head)");
		if (is_current)
			fprintf(f, " (current)");
		if (aurmig_migration_is_branch_point(m))
			fprintf(f, " (branchpoint)");
		if (aurmig_migration_is_merge_point(m))
			fprintf(f, " (mergepoint)");
	}
	if (doc)
		fprintf(f, ", %s", aurmig_migration_message(m));
	fprintf(f, "\n");
}

void out_rev_verbose(FILE *f, const aurmig_migration *m, int is_current)
{
	fprintf(f, "Rev: ");
	out_rev_line(f, m, 0, 0, 1, 0, is_current);
	if (aurmig_migration_parent_count(m) > 1) {
		fprintf(f, "Merges: ");
		print_list(f, aurmig_migration_parent_count(m), aurmig_migration_parent, m);
		fprintf(f, "\n");
	} else {
		fprintf(f, "Parent: %s\n", aurmig_migration_parent_count(m) ? aurmig_migration_parent(m, 0) : "<base>");
	}
	if (aurmig_migration_dependency_count(m)) {
		fprintf(f, "Also depends on: ");
		print_list(f, aurmig_migration_dependency_count(m), aurmig_migration_dependency, m);
		fprintf(f, "\n");
	}
	if (aurmig_migration_is_branch_point(m)) {
		fprintf(f, "Branches into: ");
		print_list(f, aurmig_migration_child_count(m), aurmig_migration_child, m);
		fprintf(f, "\n");
	}
	if (aurmig_migration_branch_count(m)) {
		fprintf(f, "Branch names: ");
		print_list(f, aurmig_migration_branch_count(m), aurmig_migration_branch, m);
		fprintf(f, "\n");
	}
	fprintf(f, "Path: %s\n\n", aurmig_migration_path(m));
	fprintf(f, "    %s\n", aurmig_migration_message(m));
	if (*aurmig_migration_create_date(m))
		fprintf(f, "\n    Create Date: %s\n", aurmig_migration_create_date(m));
}
