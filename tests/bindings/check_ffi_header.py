#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks of the FFI header (bindings/php/aurmig.ffi.h).

  check_ffi_header.py sync GENERATED CHECKED_IN
      the checked-in copy is the generated one (same tokens; layout aside);
      on a difference: run `ninja -C build update-ffi-header`.
  check_ffi_header.py symbols HEADER LIBRARY INCLUDE_DIR
      three-way: the functions declared in the FFI header = the dynamic
      symbols the built library defines (nm -D --defined-only) = the
      AURMIG_EXTERN declarations of the public headers; all aurmig_*.
      Also: FFI_SCOPE and FFI_LIB are the first two lines, no other
      preprocessor line, nothing PHP's parser refuses; every enum of the C
      headers is a named enum and each of its constants is in the header.
"""
import difflib
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ffi_header  # noqa: E402


def sync(generated, checked_in):
    a, b = open(generated).read(), open(checked_in).read()
    if ffi_header.tokens(a) == ffi_header.tokens(b) and a.splitlines()[:2] == b.splitlines()[:2]:
        print("%s matches the generated header (%d functions)" % (checked_in, len(ffi_header.functions(a))))
        return 0
    print("FAIL: %s differs from the generated %s:" % (checked_in, generated))
    sys.stdout.writelines(difflib.unified_diff(b.splitlines(True), a.splitlines(True), "checked-in", "generated"))
    print("\nRefresh it with: ninja -C build update-ffi-header (and commit bindings/php/aurmig.ffi.h)")
    return 1


def symbols(header, library, include_dir):
    failures = []
    text = open(header).read()
    lines = text.splitlines()
    if not (len(lines) > 2 and re.match(r'^#define FFI_SCOPE "aurmig"$', lines[0])
            and re.match(r'^#define FFI_LIB "libaurmig\.so\.\d+"$', lines[1])):
        failures.append("the first two lines must be FFI_SCOPE \"aurmig\" and FFI_LIB \"libaurmig.so.N\"")
    for i, l in enumerate(lines[2:], 3):
        if l.lstrip().startswith("#"):
            failures.append("line %d: a preprocessor line PHP's FFI cannot read: %s" % (i, l))
    for bad in ("__attribute__", "__declspec", 'extern "C"', "static", "inline", "...", "time_t", "FILE",
                "wchar_t", "bool"):
        if re.search(r"(?<!\w)%s(?!\w)" % re.escape(bad), ffi_header.body(text)):
            failures.append("the header contains '%s'" % bad)

    in_ffi = set(ffi_header.functions(text))
    out = subprocess.run(["nm", "-D", "--defined-only", library], stdout=subprocess.PIPE, check=True,
                         universal_newlines=True).stdout
    exported = set()
    for l in out.splitlines():
        f = l.split()
        if len(f) >= 3 and f[1] in ("T", "W", "D", "B", "R"):
            exported.add(f[2].split("@")[0])
    declared, c_enums = set(), {}
    for h in sorted(glob.glob(os.path.join(include_dir, "aurmig", "*.h"))):
        src = open(h).read()
        declared |= {m.group(1) for m in re.finditer(r"AURMIG_EXTERN\([^)]*\)\s*(\w+)\s*\(", src)}
        for m in re.finditer(r"typedef\s+enum\s*(\w*)\s*\{(.*?)\}\s*(\w+)\s*;", src, re.S):
            if not m.group(1):
                failures.append("%s: anonymous enum %s (PHP FFI wants named enums)" % (h, m.group(3)))
            body = re.sub(r"/\*.*?\*/", "", m.group(2), flags=re.S)
            for item in body.split(","):
                name = item.split("=")[0].strip()
                if name:
                    c_enums[name] = m.group(3)
    declared -= {"type", "__attribute__", "__declspec"}  # the export macro's own definitions

    names = {"the FFI header": in_ffi, "the library's dynamic symbols": exported,
             "include/aurmig/*.h": declared}
    for a, sa in names.items():
        for b, sb in names.items():
            if a != b:
                for s in sorted(sa - sb):
                    failures.append("in %s but not in %s: %s" % (a, b, s))
    for s in sorted(exported | in_ffi):
        if not s.startswith("aurmig_") or s.startswith("aurmig__"):
            failures.append("outside the public namespace: " + s)
    ffi_enums = ffi_header.enums(text)
    for name in sorted(c_enums):
        if name not in ffi_enums:
            failures.append("enum constant %s (enum %s) is missing from the FFI header" % (name, c_enums[name]))
    if len(in_ffi) < 50:
        failures.append("suspiciously few functions in the FFI header: %d" % len(in_ffi))
    for f in failures:
        print("FAIL:", f)
    print("%d functions in the FFI header, %d exported, %d declared; %d enum constants"
          % (len(in_ffi), len(exported), len(declared), len(ffi_enums)))
    return 1 if failures else 0


def main(argv):
    if argv[:1] == ["sync"] and len(argv) == 3:
        return sync(argv[1], argv[2])
    if argv[:1] == ["symbols"] and len(argv) == 4:
        return symbols(*argv[1:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
