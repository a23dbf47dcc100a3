#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the Debian packages (debian/) from a copy of this checkout, lint them,
# unpack them into an empty directory tree (dpkg -x: nothing is installed on
# the machine) and run the start-up checks against the unpacked files only:
#   C       pkg-config --cflags --libs aurmig, a tiny program compiled and run
#   CLI     aurmig --version, upgrade and check on a fresh SQLite database
#   Python  import aurmig from the unpacked dist-packages, aurmig.status()
#   PHP     Aurmig/autoload.php from the unpacked /usr/share/php, status()
# Needs: debhelper dh-python dpkg-dev fakeroot lintian (scripts/install-deps.sh).
# The last line is 'N passed, N failed'; exit status non-zero on any failure.
# Usage: scripts/build-debs.sh [OUTDIR]   (the .debs are kept in OUTDIR)
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/aurmig-debs.XXXXXX")
trap 'rm -rf "$work"' EXIT
outdir=${1:-}

passed=0; failed=0
ok()   { echo "PASS: $1"; passed=$((passed + 1)); }
bad()  { echo "FAIL: $1"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)

# 1. a clean copy: the files git knows of and the new ones it does not ignore
tree="$work/libaurmig-$version"
mkdir -p "$tree"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  tar --null -T - -cf -) | tar -xf - -C "$tree" || { bad "copy the source tree"; finish; }

# 2. build
if (cd "$tree" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
  ok "dpkg-buildpackage -us -uc -b ($(ls "$work"/*.deb | wc -l) packages)"
else
  tail -n 40 "$work/build.log"; bad "dpkg-buildpackage -us -uc -b"; finish
fi
changes=$(ls "$work"/*.changes)
[ -z "$outdir" ] || { mkdir -p "$outdir" && cp "$work"/*.deb "$work"/*.buildinfo "$changes" "$outdir"/; }

# 3. lint: no errors, no warnings (infos are listed)
lintian --fail-on error,warning --display-info "$changes" >"$work/lintian.log" 2>&1
lint_rc=$?
cat "$work/lintian.log"
if [ "$lint_rc" -eq 0 ]; then
  ok "lintian: no errors, no warnings"
else
  bad "lintian: errors or warnings"
fi

# 3b. an Architecture: all package holds nothing of one architecture: no
# multiarch library directory (python3-aurmig loads libaurmig.so.0 by SONAME)
archall_bad=""
for deb in "$work"/*_all.deb; do
  one="$work/all-$(basename "$deb" .deb)"
  mkdir -p "$one" && dpkg -x "$deb" "$one" || archall_bad="$archall_bad $(basename "$deb"):unpack"
  hits=$(grep -rlF -e "$ma" -e "$(dpkg-architecture -qDEB_HOST_GNU_TYPE)" "$one" | sed "s|^$one||")
  [ -z "$hits" ] || archall_bad="$archall_bad $(basename "$deb"):$(echo $hits)"
done
if [ -z "$archall_bad" ]; then
  ok "Architecture: all packages name no architecture ($ma)"
else
  bad "Architecture: all packages name $ma:$archall_bad"
fi

# 4. unpack into an empty tree
root="$work/root"
mkdir -p "$root"
for deb in "$work"/*.deb; do dpkg -x "$deb" "$root" || bad "dpkg -x $deb"; done
libdir="$root/usr/lib/$ma"
graph="$src/tests/data/graphs/branched"
# only the unpacked files: no build tree, no installed copy, no configuration
run_clean() { env -i PATH=/usr/bin:/bin HOME="$work" LD_LIBRARY_PATH="$libdir" "$@"; }

# 5a. C: pkg-config and a tiny program
cat >"$work/t.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <aurmig/aurmig.h>
int main(int argc, char **argv)
{
    const char *v = aurmig_version_string();
    printf("%s\n", v);
    return argc > 1 && strcmp(v, argv[1]) == 0 ? 0 : 1;
}
C
pc_flags=$(env -i PATH=/usr/bin:/bin PKG_CONFIG_SYSROOT_DIR="$root" \
  PKG_CONFIG_LIBDIR="$libdir/pkgconfig:/usr/lib/$ma/pkgconfig:/usr/share/pkgconfig" \
  pkg-config --cflags --libs aurmig 2>&1)
if [ $? -eq 0 ] && [[ "$pc_flags" == *"-I$root/usr/include"* ]] &&
   cc -o "$work/t" "$work/t.c" $pc_flags >"$work/cc.log" 2>&1 &&
   out=$(run_clean "$work/t" "${version%%-*}") &&
   ldd_out=$(run_clean ldd "$work/t") && [[ "$ldd_out" == *"libaurmig.so.0 => $libdir/"* ]]; then
  ok "C: pkg-config ($pc_flags), compiled, runs against the unpacked library ($out)"
else
  cat "$work/cc.log" 2>/dev/null; bad "C: pkg-config/compile/run ($pc_flags)"
fi

# 5b. the CLI
db="$work/cli.db"
if cli_version=$(run_clean "$root/usr/bin/aurmig" --version) && [[ "$cli_version" == *"${version%%-*}"* ]] &&
   run_clean "$root/usr/bin/aurmig" --url "sqlite:///$db" -d "$graph" upgrade heads >/dev/null &&
   run_clean "$root/usr/bin/aurmig" --url "sqlite:///$db" -d "$graph" check >/dev/null; then
  ok "CLI: aurmig --version, upgrade heads, check on SQLite"
else
  bad "CLI: aurmig --version / upgrade / check"
fi

# 5c. Python
pysite="$root/usr/lib/python3/dist-packages"
if out=$(run_clean PYTHONPATH="$pysite" PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c '
import os, sys, aurmig
assert aurmig.__file__.startswith(sys.argv[1]), aurmig.__file__
assert aurmig.__version__ == aurmig.version() == sys.argv[2], (aurmig.__version__, aurmig.version())
st = aurmig.status(sys.argv[3], "sqlite:///" + sys.argv[4])
assert st.at_head, (st.state, st.message)
maps = {l.split()[-1] for l in open("/proc/self/maps") if "libaurmig.so" in l}
assert maps == {os.path.realpath(os.path.join(sys.argv[5], "libaurmig.so.0"))}, ("loaded", maps)
print(aurmig.__file__, aurmig.__version__, st.state, "from", maps.pop())' "$pysite" "${version%%-*}" "$graph" "$db" "$libdir" 2>&1); then
  ok "Python: $out"
else
  echo "$out"; bad "Python: import aurmig / status"
fi

# 5d. PHP
if command -v php >/dev/null; then
  if out=$(run_clean php -d include_path=".:$root/usr/share/php" -r '
require "Aurmig/autoload.php";
$st = Aurmig\Migrator::status($argv[1], url: "sqlite:///" . $argv[2]);
if (!$st->isAtHead()) { fwrite(STDERR, "{$st->state}: {$st->message}\n"); exit(1); }
echo Aurmig\Library::version(), " ", $st->state, " ", (new ReflectionClass("Aurmig\\Library"))->getFileName(), "\n";' \
      -- "$graph" "$db" 2>&1) && [[ "$out" == *"$root/usr/share/php/Aurmig/"* ]]; then
    ok "PHP: $out"
  else
    echo "$out"; bad "PHP: Aurmig/autoload.php / status"
  fi
else
  bad "PHP: no php (Debian: php8.2-cli)"
fi
finish
