/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * LD_PRELOAD shim for the AddressSanitizer runs of scripts/hardening.sh:
 * dlclose() that keeps the module loaded.
 *
 * libdbi dlclose()s its drivers at dbi_shutdown_r(). LeakSanitizer reports
 * at exit, when the SQLite driver and libsqlite3 are gone, so their frames
 * in a leak report have no module name and the known leaks inside them
 * (tests/hostile/lsan.supp) could not be told from ours. Nothing else
 * changes: the library still calls dlclose() as it would.
 */
int dlclose(void *handle);

int dlclose(void *handle)
{
	(void)handle;
	return 0;
}
