#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ABI checks: the functions declared in the public headers are exactly the
dynamic symbols the built library exports, all named aurmig_*; the headers
compile as C99 and as C++ and need nothing but themselves.

Usage: check_abi.py LIBRARY SOURCE_INCLUDE_DIR BUILD_INCLUDE_DIR
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

lib, src_inc, build_inc = sys.argv[1:4]
failures = []

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
