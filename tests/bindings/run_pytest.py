#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the Python binding's tests with Debian's pytest; exit 77 (skip) when
/usr/bin/python3 has no pytest (apt install python3-pytest)."""
import os
import sys

try:
    import pytest
except ImportError:
    print("SKIP: %s has no pytest (Debian: apt install python3-pytest)" % sys.executable)
    sys.exit(77)

here = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
rc = pytest.main(["-p", "no:cacheprovider", "-v", "-rs", os.path.join(here, "python")] + sys.argv[1:])
sys.exit(int(rc))
