#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark: the PHP start-up check's latency on the repository's
migrations/ (a script to run by hand, not a test).

  bench/startup/run.py [--build build] [--iterations 2000] [--mysql]

Makes a SQLite database at head of migrations/ (with the aurmig CLI), an
Alembic project for the same revisions (tests/interop/alembic_interop.py
writes it from our scripts), then runs bench/startup/bench.php with the
real php CLI, which times in-process, warm, per call:
  aurmig_status_new (load the directory, connect, read, report, free),
  aurmig_status_from on a kept graph and connection,
  the same through the Aurmig\\ PHP classes,
and, for comparison, `aurmig check` and `/usr/bin/python3 -m alembic
current` started from PHP as processes. With --mysql (and
AURMIG_TEST_MYSQL_URL set, e.g. by tests/servers/start.sh) the in-process
part is repeated on a MariaDB database.
Target: under 1 ms per in-process call.
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "interop"))
sys.path.insert(0, os.path.join(ROOT, "tests", "bindings"))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--migrations", default=os.path.join(ROOT, "migrations"))
    ap.add_argument("--iterations", type=int, default=2000)
    ap.add_argument("--mysql", action="store_true")
    ap.add_argument("--php", default="php")
    args = ap.parse_args(argv)
    build = os.path.abspath(args.build)
    mig = os.path.abspath(args.migrations)
    cli = os.path.join(build, "cli", "aurmig")
    header = os.path.join(build, "bindings", "aurmig.ffi.h")
    for p in (cli, header, os.path.join(build, "lib", "libaurmig.so.0")):
        if not os.path.exists(p):
            sys.exit("missing %s: build first (ninja -C %s)" % (p, build))

    work = tempfile.mkdtemp(prefix="aurmig-bench-")
    try:
        db = os.path.join(work, "aur.db")
        url = "sqlite:///" + db
        subprocess.run([cli, "-q", "-d", mig, "--url", url, "upgrade", "heads"], check=True)

        alembic_cmd = ""
        try:
            import alembic_interop
            import alembic  # noqa: F401  (Debian's python3-alembic)
            project = os.path.join(work, "alembic")
            alembic_interop.write_alembic_project(alembic_interop.load_graph(mig), project)
            ini = os.path.join(work, "alembic.ini")
            with open(ini, "w") as f:
                f.write("[alembic]\nscript_location = %s\nsqlalchemy.url = sqlite:///%s\n"
                        % (project.replace("%", "%%"), db.replace("%", "%%")))
            alembic_cmd = "cd %s && /usr/bin/python3 -m alembic -c %s current" % (shlex.quote(work), shlex.quote(ini))
            out = subprocess.run(alembic_cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 universal_newlines=True)
            heads = subprocess.run([cli, "-d", mig, "heads"], stdout=subprocess.PIPE, universal_newlines=True).stdout
            if out.returncode or heads.split()[0] not in out.stdout:
                print("note: alembic current does not agree, left out:\n" + out.stdout)
                alembic_cmd = ""
        except (ImportError, ValueError) as e:   # ValueError: a script the interop parser cannot read
            print("note: no Alembic comparison (%s)" % e)

        env = dict(os.environ,
                   AURMIG_TEST_BINDINGS=os.path.join(ROOT, "bindings", "php"),
                   AURMIG_FFI_HEADER=header,
                   LD_LIBRARY_PATH=os.path.join(build, "lib"),
                   BENCH_DIR=mig, BENCH_URL=url, BENCH_ITER=str(args.iterations),
                   BENCH_CLI="%s -q -d %s --url %s check" % (shlex.quote(cli), shlex.quote(mig), shlex.quote(url)),
                   BENCH_ALEMBIC=alembic_cmd)
        php = [args.php, "-d", "opcache.enable_cli=1", "-d", "opcache.jit=off"]
        subprocess.run(php + [os.path.join(ROOT, "bench", "startup", "bench.php")], env=env, check=True)

        if args.mysql:
            base = os.environ.get("AURMIG_TEST_MYSQL_URL")
            if not base:
                print("note: --mysql needs AURMIG_TEST_MYSQL_URL (tests/servers/start.sh)")
                return 0
            import dbs
            murl, name = dbs.create("mysql", base, "bench")
            try:
                subprocess.run([cli, "-q", "-d", mig, "--url", murl, "upgrade", "heads"], check=True)
                env.update(BENCH_URL=murl, BENCH_ALEMBIC="",
                           BENCH_CLI="%s -q -d %s --url %s check" % (shlex.quote(cli), shlex.quote(mig),
                                                                   shlex.quote(murl)))
                print()
                subprocess.run(php + [os.path.join(ROOT, "bench", "startup", "bench.php")], env=env, check=True)
            finally:
                dbs.drop("mysql", base, name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
