# SPDX-License-Identifier: GPL-2.0-or-later
# The package version: the version of the libaurmig it is made for (meson's
# project version; the test python-package-version compares them).
__version__ = "0.1.0"
