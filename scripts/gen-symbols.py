#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""debian/libaurmig0.symbols from lib/aurmig.map and the built library.

  gen-symbols.py --map lib/aurmig.map --library build/lib/libaurmig.so.0 \
      --version 0.1.0 [--check] debian/libaurmig0.symbols

The version nodes are those lib/aurmig.map declares (AURMIG_0 ...); the
symbols are what the built library exports in them (nm -D), each with the
version it first appeared in: kept from the existing file, the project
version for new ones. A symbol that disappeared is an ABI break: the script
fails (bump the SONAME, aurmig_soversion in meson.build, instead). --check
compares instead of writing (the symbols-sync test).
"""
import argparse
import re
import subprocess
import sys


def nodes(mapfile):
    text = re.sub(r"/\*.*?\*/|#[^\n]*", "", open(mapfile).read(), flags=re.S)
    return re.findall(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\{", text, re.M)


def exported(library, wanted):
    out = subprocess.run(["nm", "-D", "--defined-only", "--with-symbol-versions", library],
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        name = parts[2]
        m = re.match(r"^([^@]+)@@?([^@]+)$", name)
        if m and m.group(2) in wanted:
            syms.add("%s@%s" % (m.group(1), m.group(2)))
        elif parts[1] == "A" and name in wanted:
            syms.add("%s@%s" % (name, name))
    return syms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--map", required=True)
    ap.add_argument("--library", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--soname", default="libaurmig.so.0")
    ap.add_argument("--package", default="libaurmig0")
    ap.add_argument("--dev-package", default="libaurmig-dev")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("output")
    a = ap.parse_args()
    wanted = nodes(a.map)
    if not wanted:
        sys.exit("%s declares no version node" % a.map)
    old = {}
    try:
        for line in open(a.output):
            m = re.match(r"^ (\S+) (\S+)", line)
            if m:
                old[m.group(1)] = m.group(2)
    except FileNotFoundError:
        pass
    syms = exported(a.library, wanted)
    gone = sorted(set(old) - syms)
    if gone and not a.check:
        sys.exit("symbols gone from %s (an ABI break: bump the SONAME): %s" % (a.library, ", ".join(gone)))
    text = "%s %s #MINVER#\n* Build-Depends-Package: %s\n" % (a.soname, a.package, a.dev_package)
    text += "".join(" %s %s\n" % (s, old.get(s, a.version)) for s in sorted(syms))
    if a.check:
        have = open(a.output).read() if old else ""
        if have != text:
            new = sorted(syms - set(old))
            short = lambda xs: ", ".join(xs[:8]) + (" and %d more" % (len(xs) - 8) if len(xs) > 8 else "") if xs else "-"
            sys.exit("%s is not up to date (new: %s; gone: %s): run `ninja -C build update-symbols`"
                     " (a symbol gone is an ABI break: bump the SONAME)" % (a.output, short(new), short(gone)))
        print("%s: %d symbols in %s, up to date" % (a.output, len(syms), ", ".join(wanted)))
        return
    with open(a.output, "w") as f:
        f.write(text)
    print("wrote %s: %d symbols" % (a.output, len(syms)))


if __name__ == "__main__":
    main()
