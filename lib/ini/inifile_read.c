/* SPDX-License-Identifier: GPL-2.0-or-later */
/* aurmig_ini_read(): the library's INI reader (configparser's rules) for
 * callers, key by key (aurmig/ini.h). */
#include <string.h>

#include "aurmig/ini.h"
#include "ini/inifile.h"
#include "ini/inifile_priv.h"

int aurmig_ini_read(aurmig_context *ctx, const char *path, aurmig_ini_entry_fn fn, void *payload)
{
	aurmig__ini *ini = NULL;
	int rc;

	if (!ctx)
		return AURMIG_EINVALID;
	aurmig__err_clear(ctx);
	if (!path || !fn)
		return aurmig__err(ctx, AURMIG_EINVALID, AURMIG_ERRCLASS_API, "aurmig_ini_read: NULL argument");
	if ((rc = aurmig__ini_load(&ini, ctx, path)))
		return rc;
	for (size_t i = 0; i < ini->nlines && !rc; i++) {
		const ini_line *l = &ini->lines[i];
		const ini_line *s;
		char *section, *key;
		if (l->kind != LINE_KEY)
			continue;
		s = &ini->lines[l->section];
		section = aurmig__strndup(ctx, aurmig__ini_line_text(ini, l->section) + s->name_off, s->name_len);
		key = aurmig__strndup(ctx, aurmig__ini_line_text(ini, i) + l->name_off, l->name_len);
		if (!section || !key)
			rc = AURMIG_ENOMEM;
		else if (fn(payload, section, key, l->value ? l->value : "", aurmig__ini_lineno(i)))
			rc = AURMIG_EUSER;
		aurmig__free(section);
		aurmig__free(key);
	}
	aurmig__ini_free(ini);
	return rc;
}
