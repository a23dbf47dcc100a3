#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ABI checks: the functions declared in the public headers are exactly the
dynamic symbols the built library exports, all named aurmig_*; the headers
compile as C99 and as C++ and need nothing but themselves.

The exported symbols are also exactly those of lib/symbols-in-versions, each
with a release no later than the project's version.

Usage: check_abi.py LIBRARY SOURCE_INCLUDE_DIR BUILD_INCLUDE_DIR SYMBOLS_FILE PROJECT_VERSION
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

lib, src_inc, build_inc, symbols_file, project_version = sys.argv[1:6]
failures = []


def vtuple(v):
    return tuple(int(x) for x in v.split("."))

declared = set()
for h in glob.glob(os.path.join(src_inc, "aurmig", "*.h")):
    text = open(h).read()
    for m in re.finditer(r"AURMIG_EXTERN\([^)]*\)\s*(\w+)\s*\(", text):
        declared.add(m.group(1))
declared -= {"type", "__attribute__", "__declspec"}  # the macro definitions themselves

out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True, check=True).stdout
exported = {line.split()[-1].split("@")[0] for line in out.splitlines() if line.split()[1:2] == ["T"]}

for s in sorted(exported - declared):
    failures.append("exported but not declared in a public header: " + s)
for s in sorted(declared - exported):
    failures.append("declared but not exported: " + s)
for s in sorted(exported):
    if not s.startswith("aurmig_") or s.startswith("aurmig__"):
        failures.append("exported symbol outside the public namespace: " + s)
listed = {}
for no, line in enumerate(open(symbols_file), 1):
    line = line.split("#", 1)[0].split()
    if not line:
        continue
    where = "%s:%d" % (symbols_file, no)
    if len(line) not in (2, 3) or not all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in line[1:]):
        failures.append(where + ": expected 'NAME ADDED [REMOVED]' with versions like 0.1.0")
        continue
    if line[0] in listed:
        failures.append(where + ": %s is listed twice" % line[0])
    if vtuple(line[1]) > vtuple(project_version):
        failures.append(where + ": %s added in %s, after the project's version %s" % (line[0], line[1], project_version))
    listed[line[0]] = line[1:]
live = {name for name, v in listed.items() if len(v) == 1}
for s in sorted(exported - set(listed)):
    failures.append("exported but missing from %s (add '%s %s'): %s" % (symbols_file, s, project_version, s))
for s in sorted(live - exported):
    failures.append("listed in %s but not exported (removed? give it a removal version and bump the SONAME): %s"
                    % (symbols_file, s))
for s in sorted(exported & (set(listed) - live)):
    failures.append("listed as removed in %s but still exported: %s" % (symbols_file, s))
if len(declared) < 50:
    failures.append("suspiciously few declarations found: %d" % len(declared))

with tempfile.TemporaryDirectory() as tmp:
    for compiler, std, ext in (("cc", "-std=c99", "c"), ("c++", "-std=c++11", "cpp")):
        if not shutil.which(compiler):
            continue
        src = os.path.join(tmp, "t." + ext)
        with open(src, "w") as f:
            f.write('#include <aurmig/aurmig.h>\n#include <aurmig/version.h>\n'
                    'int main(void) { aurmig_context *c = 0; (void)aurmig_error_last(c); return AURMIG_OK; }\n')
        p = subprocess.run([compiler, std, "-Wall", "-Wextra", "-pedantic", "-Werror", "-fsyntax-only",
                            "-I", src_inc, "-I", build_inc, src], capture_output=True, text=True)
        if p.returncode:
            failures.append("public headers do not compile with %s %s:\n%s" % (compiler, std, p.stderr))

for f in failures:
    print("FAIL:", f)
print("%d symbols checked" % len(exported))
sys.exit(1 if failures else 0)
