#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# contrib/archlinux/PKGBUILD without makepkg (not on Debian): bash -n, then
# sourced in a subshell: the split matches debian/ (library, CLI, Python,
# PHP), the version is the project's, every package has its function, and
# every sub-package depends on the library of the same version.
# With BUILDDIR: the package functions run on a staged tree made of the
# files meson installs (as arch-meson lays them out: prefix /usr, libdir
# lib, site-packages), and must take every file, leaving nothing behind;
# each file must land in the Arch package that matches the Debian package
# whose debian/*.install takes it (libaurmig0 and libaurmig-dev: libaurmig,
# python3-aurmig: python-aurmig, the others by name), and each package must
# depend on the package of every shared library its ELF files need
# (readelf NEEDED, as namcap checks).
# Usage: check_pkgbuild.sh PKGBUILD VERSION [BUILDDIR DEBIANDIR]
set -u
pkgbuild=$1 version=$2 builddir=${3:-} debiandir=${4:-}
fail() { echo "FAIL: $*"; exit 1; }
bash -n "$pkgbuild" || fail "bash -n $pkgbuild"
# shellcheck disable=SC1090
out=$(bash -c '
  set -eu
  source "$1"
  echo "pkgbase=$pkgbase"
  echo "pkgname=${pkgname[*]}"
  echo "pkgver=$pkgver"
  echo "license=${license[*]}"
  echo "arch=${arch[*]}"
  for f in build package_libaurmig; do declare -F "$f" >/dev/null || { echo "missing function $f"; exit 1; }; done
  for p in "${pkgname[@]}"; do
    declare -F "package_$p" >/dev/null || { echo "missing function package_$p"; exit 1; }
    depends=()
    eval "$(declare -f "package_$p" | sed -n "s/^ *\(depends=.*[^;]\);\{0,1\}$/\1/p")"
    echo "depends_$p=${depends[*]}"
  done
' _ "$pkgbuild" 2>&1) || fail "sourcing $pkgbuild: $out"
echo "$out"
want() { grep -qxF -- "$1" <<<"$out" || fail "expected '$1'"; }
want "pkgbase=libaurmig"
want "pkgname=libaurmig aurmig python-aurmig php-aurmig"
want "pkgver=$version"
want "license=GPL-2.0-or-later"
for p in aurmig python-aurmig php-aurmig; do
  grep -q "^depends_$p=.*libaurmig=$version" <<<"$out" || fail "$p does not depend on libaurmig=$version"
done

if [ -n "$builddir" ]; then
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  prefix=$(meson introspect --buildoptions "$builddir" | /usr/bin/python3 -c 'import json,sys; print({o["name"]: o["value"] for o in json.load(sys.stdin)}["prefix"])')
  meson introspect --installed "$builddir" | /usr/bin/python3 -c '
import json, os, re, sys
prefix, stage = sys.argv[1], sys.argv[2]
import shutil
for built, dest in json.load(sys.stdin).items():
    rel = os.path.relpath(dest, prefix)
    rel = re.sub(r"^lib/[^/]+-linux-gnu[^/]*/", "lib/", rel)
    rel = re.sub(r"^lib/python3(\.\d+)?/dist-packages/", "lib/python3.11/site-packages/", rel)
    path = os.path.join(stage, "usr", rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.isfile(built):   # the built file (ELF files are read below); symlinks stay empty
        shutil.copyfile(built, path)
    else:
        open(path, "a").close()
' "$prefix" "$work/stage"
  n=$(find "$work/stage" -type f | wc -l)
  bash -c '
    set -eu
    source "$1"
    srcdir=$2
    for p in "${pkgname[@]}"; do
      pkgdir=$2/pkg/$p
      mkdir -p "$pkgdir"
      "package_$p"
    done
  ' _ "$pkgbuild" "$work" || fail "a package function failed on the staged install"
  left=$(find "$work/stage" -type f)
  [ -z "$left" ] || fail "installed files no package takes: $left"
  for p in libaurmig aurmig python-aurmig php-aurmig; do
    [ -n "$(find "$work/pkg/$p" -type f)" ] || fail "package $p is empty"
  done
  echo "ok: the split takes all $n installed files"
  if [ -n "$debiandir" ]; then
    /usr/bin/python3 - "$debiandir" "$work/pkg" "$out" <<'PY' || fail "the split or the dependencies disagree (above)"
import fnmatch, os, re, subprocess, sys
debian, pkgroot, sourced = sys.argv[1:4]
# the Debian package -> the Arch package holding the same files
ARCH_OF = {"libaurmig0": "libaurmig", "libaurmig-dev": "libaurmig", "aurmig": "aurmig",
           "python3-aurmig": "python-aurmig", "php-aurmig": "php-aurmig"}
# a shared library's SONAME -> the Arch package that has it
PROVIDER = {"libc.so.6": "glibc", "libdbi.so.1": "libdbi", "libnettle.so.8": "nettle",
            "libjansson.so.4": "jansson", "libinih.so.1": "libinih", "libaurmig.so.0": "libaurmig"}
bad = []
control = open(os.path.join(debian, "control")).read()
debs = re.findall(r"^Package:\s*(\S+)", control, re.M)
if sorted(debs) != sorted(ARCH_OF):
    bad.append("debian/control's packages %s are not the ones this check maps %s" % (debs, sorted(ARCH_OF)))
patterns = []   # (Arch package, pattern in Arch's layout)
for deb in debs:
    f = os.path.join(debian, deb + ".install")
    if not os.path.exists(f):
        bad.append("no %s" % f); continue
    for line in open(f):
        line = line.split("#")[0].strip()
        if line:
            pat = line.split()[0].replace("${DEB_HOST_MULTIARCH}/", "")
            pat = pat.replace("lib/python3/dist-packages/", "lib/python3.*/site-packages/")
            patterns.append((ARCH_OF.get(deb, "?" + deb), pat))
for pkg in sorted(os.listdir(pkgroot)):
    for dirpath, _, files in os.walk(os.path.join(pkgroot, pkg)):
        for name in files:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, os.path.join(pkgroot, pkg))
            owners = {a for a, pat in patterns if fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(rel, pat + "/*")}
            if owners != {pkg}:
                bad.append("/%s is in %s; Debian's split puts it in %s" % (rel, pkg, sorted(owners) or "no package"))
            with open(full, "rb") as fh:
                if fh.read(4) != b"\x7fELF":
                    continue
            dyn = subprocess.run(["readelf", "-d", full], stdout=subprocess.PIPE, text=True, check=True).stdout
            deps = re.search(r"^depends_%s=(.*)$" % re.escape(pkg), sourced, re.M)
            deps = {re.split(r"[<>=]", d)[0] for d in (deps.group(1).split() if deps else [])}
            for soname in re.findall(r"\(NEEDED\)\s+Shared library: \[([^]]+)\]", dyn):
                need = PROVIDER.get(soname)
                if need is None:
                    bad.append("/%s needs %s: which Arch package has it? (PROVIDER in %s)" % (rel, soname, sys.argv[0]))
                elif need != pkg and need not in deps:
                    bad.append("/%s needs %s (Arch: %s), which %s does not depend on (%s)" % (rel, soname, need, pkg, sorted(deps)))
print("\n".join("FAIL: " + b for b in bad) or "ok: the split is Debian's; depends cover every NEEDED library")
sys.exit(1 if bad else 0)
PY
  fi
fi
echo "ok: $pkgbuild"
