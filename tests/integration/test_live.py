#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A live deploy seen from outside (issue 14): while `aurmig upgrade` runs a
slow atomic step and a slow `transaction off` step, concurrent `aurmig
check`s (CLI, JSON) and status calls from the Python and the PHP bindings
answer "in progress" (exit 9) or a correct state, never "awaits recovery"
(5); after the run they all say at head; once the deployer is SIGKILLed in
the middle of a step, they say 5 and `aurmig resume` finishes it. The CLI,
Python and PHP give the same state names (the library's one vocabulary).

Usage: test_live.py AURMIG BUILD_ROOT SOURCE_ROOT
SQLite always; MariaDB and PostgreSQL when AURMIG_TEST_MYSQL_URL /
AURMIG_TEST_PGSQL_URL are set (tests/servers/start.sh sets both).
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_processes import Backend  # noqa: E402

AURMIG = BUILD = SOURCE = None

# a second or more each, without holding a write lock (SQLite: a read)
SLOW = {
    "sqlite": "SELECT COUNT(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c "
              "WHERE x < 2500000) SELECT x FROM c);",
    "mysql": "DO SLEEP(1.5);",
    "pgsql": "SELECT pg_sleep(1.5);",
}
# exit codes of `aurmig check` and the names every interface gives them
# concurrent `aurmig check` processes beside the two binding loops
# (5 under the sanitizers: each instrumented process is several times slower
# and 48 of them on two cores starve the deployer past its own timeout)
UNDER_ASAN = "ASAN_OPTIONS" in os.environ
CLI_CHECKERS = int(os.environ.get("AURMIG_LIVE_CLI_CHECKERS", "5" if UNDER_ASAN else "48"))
CODES = {"at_head": 0, "behind": 3, "needs_recovery": 5, "in_progress": 9}
EXIT_OF = {v: k for k, v in CODES.items()}

PY_LOOP = r"""
import os, sys, time
import aurmig
d, url, stop = sys.argv[1:4]
while True:
    t0 = time.monotonic()
    try:
        st = aurmig.status(d, url)
        print("%d %s %.2f %s" % (st.code, st.state, time.monotonic() - t0, st.run["revision"] if st.run else "-"),
              flush=True)
    except aurmig.Error as e:
        print("error %s" % str(e).replace("\n", " "), flush=True)
    if os.path.exists(stop):
        break
    time.sleep(0.03)
"""

PHP_LOOP = r"""<?php
require getenv('AURMIG_PHP_AUTOLOAD');
[, $d, $url, $stop] = $argv;
while (true) {
    $t0 = microtime(true);
    try {
        $s = Aurmig\Migrator::status($d, url: $url);
        printf("%d %s %.2f %s\n", $s->code, $s->state, microtime(true) - $t0, $s->run['revision'] ?? '-');
    } catch (Aurmig\Exception $e) {
        echo 'error ', str_replace("\n", ' ', $e->getMessage()), "\n";
    }
    if (file_exists($stop)) {
        break;
    }
    usleep(30000);
}
"""


def write_migrations(d, kind):
    """r1 (fast), r2 (atomic where the backend can: slow statements 2-3), r3
    (transaction off: slow statements 2-4)."""
    os.makedirs(d, exist_ok=True)
    slow = SLOW[kind]

    def w(name, text):
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    w("r1.sql", "-- aurmig:revision r1\n-- aurmig:message one\n-- aurmig:upgrade\n"
      "CREATE TABLE l1 (x INTEGER);\n-- aurmig:downgrade\nDROP TABLE l1;\n")
    w("r2.sql", "-- aurmig:revision r2\n-- aurmig:down_revision r1\n-- aurmig:message two\n"
      "-- aurmig:upgrade\nCREATE TABLE l2 (x INTEGER);\n%s\n%s\nINSERT INTO l2 VALUES (2);\n"
      "-- aurmig:downgrade\nDROP TABLE l2;\n" % (slow, slow))
    w("r3.sql", "-- aurmig:revision r3\n-- aurmig:down_revision r2\n-- aurmig:message three\n"
      "-- aurmig:transaction off\n-- aurmig:upgrade\nCREATE TABLE l3 (x INTEGER);\n%s\n%s\n%s\n"
      "INSERT INTO l3 VALUES (3);\n-- aurmig:downgrade\nDROP TABLE l3;\n" % (slow, slow, slow))


class LiveTests:
    kind = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-live-")
        self.mig = os.path.join(self.tmp, "m")
        self.db = Backend(self.kind, self.tmp)
        write_migrations(self.mig, self.kind)
        self.env = {k: v for k, v in os.environ.items() if k not in ("AURMIG_URL", "AUR_CONFIG")}
        self.env.update({
            "PYTHONPATH": os.path.join(SOURCE, "bindings", "python"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "AURMIG_LIBRARY": os.path.join(BUILD, "lib", "libaurmig.so.0"),
            "AURMIG_FFI_HEADER": os.path.join(BUILD, "bindings", "aurmig.ffi.h"),
            "AURMIG_PHP_AUTOLOAD": os.path.join(SOURCE, "bindings", "php", "autoload.php"),
        })
        # not under the sanitizers (meson test --setup=asan): PHP is not
        # built with them, and libdbi's frees inside a PHP process trip
        # ASan's allocator checks (as for the bindings suite, left out there)
        self.php = None if UNDER_ASAN else shutil.which("php")
        self.pyloop = os.path.join(self.tmp, "loop.py")
        self.phploop = os.path.join(self.tmp, "loop.php")
        with open(self.pyloop, "w") as f:
            f.write(PY_LOOP)
        with open(self.phploop, "w") as f:
            f.write(PHP_LOOP)

    def tearDown(self):
        self.db.drop()
        shutil.rmtree(self.tmp)

    def aurmig(self, *args, timeout=60):
        p = subprocess.run([AURMIG, "--dir", self.mig, "--url", self.db.url] + list(args),
                           capture_output=True, text=True, timeout=timeout, env=self.env)
        return p.returncode, p.stdout, p.stderr

    def cli_check(self):
        """(source, exit code, state name, seconds) of one `aurmig --json check`."""
        t0 = time.monotonic()
        rc, out, err = self.aurmig("--json", "check")
        try:
            state = json.loads(out)["state"]
        except (ValueError, KeyError):
            state = "unparsed: %r %r" % (out, err)
        return ("cli", rc, state, time.monotonic() - t0, err)

    def loops(self, stop):
        """The Python and PHP status loops, started."""
        procs = [("python", subprocess.Popen([sys.executable, self.pyloop, self.mig, self.db.url, stop],
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                             env=self.env))]
        if self.php:
            procs.append(("php", subprocess.Popen([self.php, "-d", "ffi.enable=1", self.phploop, self.mig,
                                                   self.db.url, stop], stdout=subprocess.PIPE,
                                                  stderr=subprocess.PIPE, text=True, env=self.env)))
        return procs

    @staticmethod
    def collect(procs):
        answers = []
        for src, p in procs:
            out, err = p.communicate(timeout=60)
            for line in out.splitlines():
                parts = line.split(" ")
                if parts[0] == "error":
                    answers.append((src, None, line, 0.0, err))
                    continue
                # the run of a migration in progress names its revision, else "-"
                if (parts[1] == "in_progress") != (parts[3] in ("r2", "r3")):
                    parts[1] = "bad run %r" % line
                answers.append((src, int(parts[0]), parts[1], float(parts[2]), err))
            if p.returncode:
                answers.append((src, None, "exit %d" % p.returncode, 0.0, err))
        return answers

    def once_each(self):
        """One answer from the CLI, Python and PHP, on a quiet database."""
        stop = os.path.join(self.tmp, "stop-once")
        open(stop, "w").close()
        try:
            return [self.cli_check()] + self.collect(self.loops(stop))
        finally:
            os.unlink(stop)

    def assert_names_agree(self, answers):
        """Every answer names its state with the one vocabulary: the CLI's
        exit code and the bindings' codes map to the same names."""
        for src, code, state, _, err in answers:
            self.assertIsNotNone(code, "%s: %s %s" % (src, state, err))
            if src == "cli":
                self.assertEqual(EXIT_OF.get(code), state, "cli: exit %d says %r" % (code, state))
        by_code = {}
        for src, code, state, _, _ in answers:
            if src != "cli":
                by_code.setdefault(code, set()).add(state)
        for code, names in by_code.items():
            self.assertEqual(len(names), 1, "binding code %d has names %s" % (code, names))

    def test_checks_during_a_live_deploy(self):
        self.assertEqual(self.aurmig("upgrade", "r1")[0], 0)
        stop = os.path.join(self.tmp, "stop")
        answers, lock = [], threading.Lock()
        deployer = subprocess.Popen([AURMIG, "--dir", self.mig, "--url", self.db.url, "upgrade", "heads"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)
        loops = self.loops(stop)

        def cli_worker():
            while deployer.poll() is None:
                a = self.cli_check()
                with lock:
                    answers.append(a)
                time.sleep(0.02)
        # 48 CLI checkers and the Python and PHP loops: 50 clients at once (the bound is
        # for a hang: under ASan on 2 loaded cores the deploy took more than 90 s once)
        workers = [threading.Thread(target=cli_worker) for _ in range(CLI_CHECKERS)]
        for t in workers:
            t.start()
        try:
            out, err = deployer.communicate(timeout=240)
        finally:
            open(stop, "w").close()
            for t in workers:
                t.join()
        answers += self.collect(loops)
        self.assertEqual(deployer.returncode, 0, err)
        self.assertEqual(self.db.rows(), {"r3"})
        counts = {}
        for a in answers:
            counts[(a[0], a[2])] = counts.get((a[0], a[2]), 0) + 1
        sys.stderr.write("%s: %d answers during the deploy: %s\n" % (self.kind, len(answers), sorted(counts.items())))
        self.assertGreaterEqual(len(answers), 50)
        bad = [a for a in answers if a[2] not in ("in_progress", "behind", "at_head")]
        self.assertEqual(bad, [], "answers during a live deploy (%d in all)" % len(answers))
        for a in answers:
            self.assertLess(a[3], 10, "a check waited %.1f s" % a[3])
        seen = {(a[0], a[2]) for a in answers}
        for src in ("cli", "python") + (("php",) if self.php else ()):
            self.assertIn((src, "in_progress"), seen, "%s never saw the migration in progress" % src)
        self.assert_names_agree(answers)
        # after the run, every interface says at head
        after = self.once_each()
        self.assertEqual({a[2] for a in after}, {"at_head"}, after)
        self.assert_names_agree(after)
        self.assertEqual(self.aurmig("validate")[0], 0)

    def test_deployer_killed_mid_step(self):
        self.assertEqual(self.aurmig("upgrade", "r2")[0], 0)
        deployer = subprocess.Popen([AURMIG, "--dir", self.mig, "--url", self.db.url, "upgrade", "heads"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)
        try:
            # wait until r3 (transaction off) is past its first statement
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                running = [j for j in self.db.journal() if j[0] == "r3" and j[2] == "running" and j[3] >= 1]
                if running:
                    break
                time.sleep(0.05)
            self.assertTrue(running, self.db.journal())
            rc, out, err = self.aurmig("--json", "check")
            self.assertEqual(rc, 9, out + err)
            doc = json.loads(out)
            self.assertEqual(doc["state"], "in_progress")
            run = doc["in_progress"]
            self.assertEqual((run["revision"], run["operation"], run["pid"], run["statements"]),
                             ("r3", "upgrade", deployer.pid, 5), run)
            self.assertIn(run["statement"], (2, 3, 4, 5), run)
            self.assertRegex(run["run_id"], "^[0-9a-f]{32}$")
            self.assertTrue(run["host"] and run["since"], run)
            self.assertIn("run %s by pid %d" % (run["run_id"], deployer.pid), doc["message"])
            rc, out, err = self.aurmig("check")
            self.assertEqual(rc, 9, out + err)
            self.assertIn("a migration is in progress: upgrade of r3, at statement", err)
            p = subprocess.run([sys.executable, "-c", "import aurmig, sys; st = aurmig.status(sys.argv[1], "
                                "sys.argv[2]); print(st.state, st.run['revision'], st.run['pid'])",
                                self.mig, self.db.url], capture_output=True, text=True, timeout=60, env=self.env)
            self.assertEqual(p.stdout.split(), ["in_progress", "r3", str(deployer.pid)], p.stderr)
            rc, out, err = self.aurmig("resume")
            self.assertNotEqual(rc, 0, "resume while the deployer lives")
            self.assertIn("in progress", err)
            rc, out, err = self.aurmig("mark-applied", "r3")
            self.assertNotEqual(rc, 0, "mark-applied while the deployer lives")
            self.assertIn("in progress", err)
        finally:
            deployer.send_signal(signal.SIGKILL)
            deployer.wait()
        # the server may finish the running statement before it lets go of
        # the dead session's lock: until then the answer is still 9
        deadline = time.monotonic() + 15
        while True:
            a = self.cli_check()
            if a[1] != 9 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual((a[1], a[2]), (5, "needs_recovery"), a)
        after = self.once_each()
        self.assertEqual({a[2] for a in after}, {"needs_recovery"}, after)
        self.assert_names_agree(after)
        rc, out, err = self.aurmig("resume")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.db.rows(), {"r3"})
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM l3")[0][0], 1)
        self.assertEqual(self.aurmig("check")[0], 0)


class SQLiteLiveTests(LiveTests, unittest.TestCase):
    kind = "sqlite"


@unittest.skipUnless(os.environ.get("AURMIG_TEST_MYSQL_URL"), "no MariaDB test server (AURMIG_TEST_MYSQL_URL)")
class MySQLLiveTests(LiveTests, unittest.TestCase):
    kind = "mysql"


@unittest.skipUnless(os.environ.get("AURMIG_TEST_PGSQL_URL"), "no PostgreSQL test server (AURMIG_TEST_PGSQL_URL)")
class PgSQLLiveTests(LiveTests, unittest.TestCase):
    kind = "pgsql"


if __name__ == "__main__":
    AURMIG = os.path.abspath(sys.argv[1])
    BUILD, SOURCE = os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[4:])
