#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What a user gets from `meson install`, checked on the installed files only.

Installs the build into a temporary DESTDIR (meson install --destdir), then,
per mode:
  python  the package lands where Debian's /usr/bin/python3 searches under
          the prefix, imports from there, __version__ is the project's, its
          _installed.py names the library by SONAME under prefix /usr and
          by path elsewhere, the start-up check runs on a SQLite database;
          and the offline `pip
          install` of bindings/python/README.md, as written there, into a
          plain venv (no system site packages, PIP_NO_INDEX=1) works
          against the installed library (AURMIG_LIBRARY, and
          LD_LIBRARY_PATH for the dynamic loader).
  rpath   <prefix>/bin/aurmig runs with no LD_LIBRARY_PATH and loads the
          installed library (RUNPATH $ORIGIN/../<libdir>).
  php     composer.json's autoload (PSR-4 + files) loads every class of the
          installed src/, at <datadir>/php/Aurmig; a missing library names
          AURMIG_LIBRARY and ldconfig; ffi.enable=0 names ffi.enable and the
          preload recipe.
"""
import argparse
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

GRAPH = "tests/data/graphs/branched"


def run(cmd, env=None, cwd=None, check=True):
    p = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check and p.returncode != 0:
        sys.exit("FAIL: %s exited %d:\n%s" % (" ".join(cmd), p.returncode, p.stdout))
    return p


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AURMIG_", "LD_", "PYTHON", "PIP_", "VIRTUAL_ENV"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PIP_CONFIG_FILE"] = os.devnull     # no machine-wide pip configuration (indexes, find-links)
    env.update(extra)
    return env


def fail(msg):
    sys.exit("FAIL: " + msg)


class Install:
    def __init__(self, build, tmp):
        self.build = build
        self.destdir = os.path.join(tmp, "destdir")
        run(["meson", "install", "-C", build, "--no-rebuild", "--quiet", "--destdir", self.destdir])
        self.installed = json.loads(run(["meson", "introspect", "--installed", build]).stdout)
        opts = {o["name"]: o["value"] for o in json.loads(run(["meson", "introspect", "--buildoptions", build]).stdout)}
        self.prefix = opts["prefix"]
        libdir = opts["libdir"]
        self.libdir = libdir if libdir.startswith("/") else os.path.join(self.prefix, libdir)

    def dest(self, path):
        return self.destdir + path

    def where(self, suffix):
        hits = [v for v in self.installed.values() if v.endswith(suffix)]
        if not hits:
            fail("meson installs nothing ending in %s" % suffix)
        return hits[0]

    def library(self):
        return self.dest(os.path.join(self.libdir, "libaurmig.so.0"))

    def aurmig(self):
        return self.dest(os.path.join(self.prefix, "bin", "aurmig"))


def make_db(inst, src, tmp, name):
    db = os.path.join(tmp, name)
    run([inst.aurmig(), "--url", "sqlite:///" + db, "-d", os.path.join(src, GRAPH), "upgrade", "heads"],
        env=clean_env(LD_LIBRARY_PATH=os.path.dirname(inst.library())))
    return db


PY_CHECK = r"""
import os, sys
extra = os.environ.get("CHECK_SYSPATH_ROOT")
if extra:   # the DESTDIR tree stands in for /: search it where python3 searches /
    sys.path[:0] = [extra + p for p in sys.path if p.endswith(("dist-packages", "site-packages"))]
import aurmig
want_under, version, graph, db = sys.argv[1:5]
assert aurmig.__file__.startswith(want_under), ("imported from", aurmig.__file__, "not under", want_under)
assert aurmig.__version__ == version, ("__version__", aurmig.__version__, version)
assert aurmig.version() == version, ("library version", aurmig.version(), version)
st = aurmig.status(graph, "sqlite:///" + db)
assert st.at_head and st.state == "at_head", (st.state, st.message)
print("ok", aurmig.__file__, aurmig.__version__, st.state)
"""


def offline_pip_command(readme):
    """The README's command line marked '# offline', as words (pip ... ./bindings/python)."""
    for line in open(readme):
        if line.startswith("    pip install ") and "# offline" in line:
            return shlex.split(line, comments=True)
    fail("%s has no indented 'pip install ... # offline' line" % readme)


def mode_python(inst, src, version, tmp):
    py = "/usr/bin/python3"
    init = inst.where("/aurmig/__init__.py")
    site = os.path.dirname(os.path.dirname(init))
    syspath = json.loads(run([py, "-c", "import sys, json; print(json.dumps(sys.path))"], env=clean_env()).stdout)
    if inst.prefix in ("/usr", "/usr/local") and site not in syspath:
        fail("the package goes to %s, which %s does not search (%s)" % (site, py, syspath))
    # how the installed package loads the library: prefix /usr its SONAME (through the loader:
    # no architecture's directory in an Architecture: all package), else the installed path
    # (this build's prefix, and prefix /usr, as Debian's package is built: configured only)
    usr_build = os.path.join(tmp, "build-prefix-usr")
    run(["meson", "setup", "--prefix", "/usr", "-Dtests=false", usr_build, src])
    for prefix, installed, libdir in ((inst.prefix, inst.dest(inst.where("/aurmig/_installed.py")), inst.libdir),
                                      ("/usr", os.path.join(usr_build, "bindings", "_installed.py"), None)):
        recorded = {}
        exec(open(installed).read(), recorded)
        want = "libaurmig.so.0" if prefix == "/usr" else os.path.join(libdir, "libaurmig.so.0")
        if recorded.get("LIBRARY") != want:
            fail("_installed.py: LIBRARY = %r, want %r for prefix %s" % (recorded.get("LIBRARY"), want, prefix))
    shutil.rmtree(usr_build)
    db = make_db(inst, src, tmp, "py.db")
    graph = os.path.join(src, GRAPH)
    # 1. the meson-installed package, as the interpreter finds it under the prefix
    env = clean_env(CHECK_SYSPATH_ROOT=inst.destdir, AURMIG_LIBRARY=inst.library())
    print(run([py, "-c", PY_CHECK, inst.dest(site), version, graph, db], env=env, cwd=tmp).stdout.strip())
    # 2. bindings/python/README.md's offline command, as written there, in a plain venv (no
    #    system site packages) with no index: from a copy, so that the checkout stays clean
    venv = os.path.join(tmp, "venv")
    run([py, "-m", "venv", venv], env=clean_env())
    pkg = os.path.join(tmp, "python-src")
    shutil.copytree(os.path.join(src, "bindings", "python"), pkg)
    cmd = offline_pip_command(os.path.join(src, "bindings", "python", "README.md"))
    cmd = [os.path.join(venv, "bin", "pip") if w == "pip" else pkg if w == "./bindings/python" else w for w in cmd]
    if "--find-links" in cmd:
        links = cmd[cmd.index("--find-links") + 1]
        for name, deb in (("setuptools", "python3-setuptools-whl"), ("wheel", "python3-wheel-whl")):
            if not glob.glob(os.path.join(links, name + "-*.whl")):
                fail("no %s wheel in %s: install %s (scripts/install-deps.sh)" % (name, links, deb))
    run(cmd, env=clean_env(PIP_NO_INDEX="1"), cwd=tmp)
    vpy = os.path.join(venv, "bin", "python")
    for how in (dict(AURMIG_LIBRARY=inst.library()), dict(LD_LIBRARY_PATH=os.path.dirname(inst.library()))):
        print(run([vpy, "-c", PY_CHECK, venv, version, graph, db], env=clean_env(**how), cwd=tmp).stdout.strip())


def mode_rpath(inst, src, version, tmp):
    if inst.prefix == "/usr":
        print("SKIP: prefix /usr has no RUNPATH (the loader's default path)")
        sys.exit(77)
    exe = inst.aurmig()
    dyn = run(["readelf", "-d", exe]).stdout
    if "$ORIGIN" not in dyn:
        fail("%s has no RUNPATH relative to $ORIGIN:\n%s" % (exe, dyn))
    env = clean_env()
    p = run([exe, "--version"], env=env, check=False)
    if p.returncode != 0 or version not in p.stdout:
        fail("%s --version (no LD_LIBRARY_PATH) exited %d: %s" % (exe, p.returncode, p.stdout))
    ldd = run(["ldd", exe], env=env).stdout
    line = [l for l in ldd.splitlines() if "libaurmig.so" in l]
    if not line or os.path.realpath(inst.library()) not in os.path.realpath(line[0].split("=>")[1].split("(")[0].strip()):
        fail("aurmig does not load the installed library %s:\n%s" % (inst.library(), ldd))
    print("ok", p.stdout.strip(), "|", line[0].strip())


PHP_AUTOLOAD = r"""<?php
// composer's autoload rules for this package, from its composer.json only
$root = $argv[1];
$c = json_decode(file_get_contents("$root/composer.json"), true, 512, JSON_THROW_ON_ERROR);
foreach ($c['autoload']['files'] ?? [] as $f) { require_once "$root/$f"; }
spl_autoload_register(function (string $class) use ($root, $c) {
    foreach ($c['autoload']['psr-4'] as $prefix => $dir) {
        if (str_starts_with($class, $prefix)) {
            $f = "$root/" . rtrim($dir, '/') . '/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($f)) { require_once $f; return; }
        }
    }
});
$missing = [];
foreach (array_slice($argv, 2) as $class) {
    if (!class_exists($class)) { $missing[] = $class; }
}
if ($missing) { fwrite(STDERR, "not autoloadable: " . implode(', ', $missing) . "\n"); exit(1); }
echo "ok: ", count($argv) - 2, " classes\n";
"""

PHP_LOAD = r"""<?php
require $argv[1] . '/autoload.php';
try {
    echo "loaded ", Aurmig\Library::version(), "\n";
} catch (Aurmig\Exception $e) {
    echo "Aurmig\\Exception: ", $e->getMessage(), "\n";
} catch (Throwable $e) {
    echo get_class($e), ": ", $e->getMessage(), "\n";
}
"""


def mode_php(inst, src, version, tmp):
    php = shutil.which("php")
    if not php:
        print("SKIP: no php (Debian: php8.2-cli)")
        sys.exit(77)
    composer = inst.where("/composer.json")
    want = os.path.join(inst.prefix, "share", "php", "Aurmig", "composer.json")
    if composer != want:
        fail("composer.json goes to %s, not PHP's conventional %s" % (composer, want))
    root = inst.dest(os.path.dirname(composer))
    classes = []
    for f in sorted(os.listdir(os.path.join(root, "src"))):
        text = open(os.path.join(root, "src", f)).read()
        ns = re.search(r"^namespace\s+([\w\\]+);", text, re.M).group(1)
        classes += [ns + "\\" + m for m in re.findall(r"^(?:final\s+|abstract\s+)?(?:class|interface|enum)\s+(\w+)", text, re.M)]
    if len(classes) < 10:
        fail("found only %s in %s/src" % (classes, root))
    script = os.path.join(tmp, "autoload.php")
    open(script, "w").write(PHP_AUTOLOAD)
    print(run([php, script, root] + classes, env=clean_env()).stdout.strip())

    load = os.path.join(tmp, "load.php")
    open(load, "w").write(PHP_LOAD)
    # the installed header's FFI_LIB is libaurmig.so.0: found through LD_LIBRARY_PATH, it works
    out = run([php, load, root], env=clean_env(LD_LIBRARY_PATH=os.path.dirname(inst.library()))).stdout
    if "loaded " + version not in out:
        fail("the installed binding does not load the installed library: " + out)
    # not found by the loader, and a wrong AURMIG_LIBRARY: the message says what to do
    for env in (clean_env(), clean_env(AURMIG_LIBRARY=os.path.join(tmp, "nowhere", "libaurmig.so.0"))):
        out = run([php, load, root], env=env).stdout
        for need in ("Aurmig\\Exception", "AURMIG_LIBRARY", "ldconfig"):
            if need not in out:
                fail("library not found: the message lacks %r: %s" % (need, out))
    # FFI disabled (as PHP-FPM with ffi.enable=preload and no preloading)
    out = run([php, "-d", "ffi.enable=0", load, root],
              env=clean_env(LD_LIBRARY_PATH=os.path.dirname(inst.library()))).stdout
    for need in ("Aurmig\\Exception", "ffi.enable", "opcache.preload=", "preload.php", "ffi.preload="):
        if need not in out:
            fail("ffi.enable=0: the message lacks %r: %s" % (need, out))
    print("ok: messages name AURMIG_LIBRARY/ldconfig and ffi.enable/preload")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["python", "rpath", "php"])
    ap.add_argument("--build", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    tmp = tempfile.mkdtemp(dir=a.workdir)
    inst = Install(a.build, tmp)
    globals()["mode_" + a.mode](inst, a.source, a.version, tmp)
    shutil.rmtree(a.workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
