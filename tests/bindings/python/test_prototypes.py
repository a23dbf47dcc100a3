# SPDX-License-Identifier: GPL-2.0-or-later
"""The ctypes declarations of aurmig._native against the generated FFI
header (the C API run through the preprocessor) and the C compiler."""
import ctypes
import os
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import ffi_header  # noqa: E402
from aurmig import _native as n  # noqa: E402
from conftest import SOURCE_ROOT  # noqa: E402

HEADER = os.environ.get("AURMIG_FFI_HEADER") or os.path.join(SOURCE_ROOT, "bindings", "php", "aurmig.ffi.h")


@pytest.fixture(scope="module")
def header():
    with open(HEADER) as f:
        return f.read()


def test_functions_match_the_header(header):
    want = ffi_header.functions(header)
    got = {}
    for line in n.DECLARATIONS.strip().splitlines():
        name, ret, params = n.parse_declaration(line)
        got[name] = (ret, params)
    assert sorted(set(want) - set(got)) == [], "in the C API, not in aurmig/_native.py DECLARATIONS"
    assert sorted(set(got) - set(want)) == [], "in aurmig/_native.py, not in the C API"
    for name in want:
        assert got[name] == want[name], name


def test_every_function_has_argtypes_and_restype():
    lib = n.lib()
    for line in n.DECLARATIONS.strip().splitlines():
        name, ret, params = n.parse_declaration(line)
        f = getattr(lib, name)
        assert f.argtypes is not None and len(f.argtypes) == len(params), name
        if "*" in ret:
            assert f.restype not in (ctypes.c_int, None), name   # never the int default
        assert f.restype == n.ctype_of(ret), name


def test_constants_match_the_header(header):
    values = ffi_header.enums(header)
    for k, v in n.CONSTANTS.items():
        assert values.get(k) == v, k


def test_struct_fields_match_the_header(header):
    structs = ffi_header.structs(header)
    for name, cls in n.STRUCTS.items():
        fields = structs[name]
        assert [f for _, f in fields] == [f for f, _ in cls._fields_], name
        for (ctype_text, fname), (_, ct) in zip(fields, cls._fields_):
            assert n.ctype_of(ctype_text) == ct, "%s.%s" % (name, fname)
    assert set(structs) == set(n.STRUCTS), "a new public struct needs a ctypes Structure"


def test_struct_layout_matches_the_compiler(tmp_path):
    cc = shutil.which("cc")
    if not cc:
        pytest.skip("no C compiler")
    lines = []
    for name, cls in n.STRUCTS.items():
        lines.append('printf("%s %%zu\\n", sizeof(%s));' % (name, name))
        for f, _ in cls._fields_:
            lines.append('printf("%s.%s %%zu\\n", offsetof(%s, %s));' % (name, f, name, f))
    src = tmp_path / "layout.c"
    src.write_text("#include <stdio.h>\n#include <stddef.h>\n#include <aurmig/aurmig.h>\n"
                   "int main(void) {\n%s\nreturn 0;\n}\n" % "\n".join(lines))
    exe = tmp_path / "layout"
    subprocess.run([cc, "-I", os.path.join(SOURCE_ROOT, "include"), str(src), "-o", str(exe)], check=True)
    out = dict(l.split() for l in subprocess.run([str(exe)], stdout=subprocess.PIPE, universal_newlines=True,
                                                   check=True).stdout.splitlines())
    for name, cls in n.STRUCTS.items():
        assert int(out[name]) == ctypes.sizeof(cls), name
        for f, _ in cls._fields_:
            assert int(out["%s.%s" % (name, f)]) == getattr(cls, f).offset, "%s.%s" % (name, f)
