#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# contrib/archlinux/PKGBUILD without makepkg (not on Debian): bash -n, then
# sourced in a subshell: the split matches debian/ (library, CLI, Python,
# PHP), the version is the project's, every package has its function, and
# every sub-package depends on the library of the same version.
# With BUILDDIR: the package functions run on a staged tree made of the
# files meson installs (as arch-meson lays them out: prefix /usr, libdir
# lib, site-packages), and must take every file, leaving nothing behind.
# Usage: check_pkgbuild.sh PKGBUILD VERSION [BUILDDIR]
set -u
pkgbuild=$1 version=$2 builddir=${3:-}
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
for dest in json.load(sys.stdin).values():
    rel = os.path.relpath(dest, prefix)
    rel = re.sub(r"^lib/[^/]+-linux-gnu[^/]*/", "lib/", rel)
    rel = re.sub(r"^lib/python3(\.\d+)?/dist-packages/", "lib/python3.11/site-packages/", rel)
    path = os.path.join(stage, "usr", rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
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
fi
echo "ok: $pkgbuild"
