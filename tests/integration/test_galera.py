#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Deploys on a real 3-node MariaDB Galera cluster (issue 15).

Starts its own cluster (tests/servers/galera.sh, under BUILD/test-galera,
stopped at exit even on failure) and checks:

- 8 deployers spread over the 3 nodes start `upgrade heads` at once on a
  fresh database with 30 small migrations (CREATE TABLE, ALTER ADD COLUMN,
  INSERT), ROUNDS rounds (default 10, AURMIG_GALERA_ROUNDS): every deployer
  exits 0 (or 4 on a lock timeout), no step is applied twice (one data row
  per INSERT step, one journal success per revision), all nodes agree on
  the schema, the version table and the journal, and `check` is 0 on every
  node; then MIDDLE_ROUNDS rounds (default 5, AURMIG_GALERA_MIDDLE_ROUNDS)
  the same on a database one deployer took to r15 first;
- a read-only check on a node whose applier is held (FLUSH TABLES WITH READ
  LOCK) waits for the cluster's last commits (wsrep_sync_wait) and answers
  "at head", where the node's own copy says behind;
- a lease holder killed mid-run: `check` on another node says "in
  progress" (exit 9) while its lease lasts; a deployer waiting on another
  node takes the lease over once it expired (short --lock-lease), with a
  warning naming the previous holder;
- `aurmig lock` on node 3 names a lease holder on node 1, `lock --break`
  refuses it while live (exit 9) and, once its run was killed and the
  lease expired, removes it from node 2 for every node.

With AURMIG_GALERA_LOCK_MODE=session the deployers use GET_LOCK, which is
local to one node: the first check fails (that is how the lease was shown
to be needed). Exit 77 (skipped) when galera-4 is not installed.

Usage: test_galera.py AURMIG SOURCE_ROOT BUILD_ROOT
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

AURMIG, SOURCE_ROOT, BUILD_ROOT = sys.argv[1:4]
PROVIDER = "/usr/lib/galera/libgalera_smm.so"
ROUNDS = int(os.environ.get("AURMIG_GALERA_ROUNDS", "10"))
MODE = os.environ.get("AURMIG_GALERA_LOCK_MODE", "auto")
MIDDLE_ROUNDS = int(os.environ.get("AURMIG_GALERA_MIDDLE_ROUNDS", "5"))
NSTEPS = 30
DEPLOYERS = 8
BASE = os.path.join(BUILD_ROOT, "test-galera")
GALERA_SH = os.path.join(SOURCE_ROOT, "tests", "servers", "galera.sh")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, flush=True)


def create_db(db):
    """CREATE DATABASE on node 1, then wait until every node has applied it."""
    sql(1, "CREATE DATABASE %s;" % db)
    for n in (2, 3):
        sql(n, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '%s';" % db)


def sql(node, text, db=None, sync=True):
    """Run text on node (1..3) as root over its socket, read-your-writes."""
    cmd = ["mariadb", "--no-defaults", "--socket", SOCKETS[node], "-u", "root", "--batch",
           "--skip-column-names"] + ([db] if db else [])
    p = subprocess.run(cmd, input=("SET SESSION wsrep_sync_wait = 1;\n" if sync else "") + text, capture_output=True,
                       text=True, timeout=60)
    if p.returncode:
        raise RuntimeError("mariadb on node %d: %s" % (node, p.stderr))
    return [line.split("\t") for line in p.stdout.splitlines()]


def write_migrations(d, slow_at=None):
    prev = None
    for i in range(NSTEPS):
        rev = "r%02d" % i
        if i == 0:
            body = "CREATE TABLE applied (id INTEGER AUTO_INCREMENT PRIMARY KEY, step INTEGER NOT NULL);"
        elif i % 3 == 1:
            body = "CREATE TABLE t%02d (id INTEGER PRIMARY KEY, v INTEGER);" % i
        elif i % 3 == 2:
            body = "ALTER TABLE t%02d ADD COLUMN c%02d INTEGER;" % (i - 1, i)
        else:
            body = "INSERT INTO applied (step) VALUES (%d);" % i
        if i == slow_at:
            body = "".join("DO SLEEP(1);\n" for _ in range(10)) + body
        with open(os.path.join(d, "%s_step.sql" % rev), "w") as f:
            f.write("-- aurmig:revision %s\n%s-- aurmig:message step %d\n-- aurmig:upgrade\n%s\n"
                    % (rev, "-- aurmig:down_revision %s\n" % prev if prev else "", i, body))
        prev = rev


def deployer(node, db, d, *extra):
    return subprocess.Popen([AURMIG, "--url", URLS[node] + db, "-d", d, "--lock-mode", MODE,
                             "--lock-timeout", "90"] + list(extra) + ["upgrade", "heads"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def state(node, db):
    versions = sql(node, "SELECT version_num FROM alembic_version ORDER BY 1;", db)
    journal = sql(node, "SELECT revision, operation, outcome FROM aurmig_journal "
                  "WHERE outcome = 'success' ORDER BY revision, id;", db)
    applied = sql(node, "SELECT step, COUNT(*) FROM applied GROUP BY step ORDER BY step;", db)
    return versions, journal, applied


def round_(r, d, middle=None):
    """One round: 8 deployers at once, on a fresh database, or on one a
    single deployer took to revision `middle` first."""
    db = "aurmig_g%d_%d" % (os.getpid(), r)
    create_db(db)
    if middle:
        p = subprocess.run([AURMIG, "--url", URLS[1 + r % 3] + db, "-d", d, "upgrade", middle],
                           capture_output=True, text=True, timeout=120)
        check(p.returncode == 0, "round %d: upgrade to %s: exit %d: %s" % (r, middle, p.returncode, p.stderr))
    procs = [deployer(1 + k % 3, db, d) for k in range(DEPLOYERS)]
    codes = []
    for k, p in enumerate(procs):
        out, err = p.communicate(timeout=150)
        codes.append(p.returncode)
        check(p.returncode in (0, 4), "round %d deployer %d (node %d) exit %d: %s"
              % (r, k, 1 + k % 3, p.returncode, err.strip()[-600:]))
    try:
        states = [state(n, db) for n in (1, 2, 3)]
    except RuntimeError as e:
        check(False, "round %d: reading the state failed: %s" % (r, e))
        return codes
    versions, journal, applied = states[0]
    check(versions == [["r%02d" % (NSTEPS - 1)]], "round %d: version table %s" % (r, versions))
    ups = [j[0] for j in journal if j[1] == "upgrade"]
    check(ups == sorted(set(ups)) and len(ups) == NSTEPS,
          "round %d: %d journal successes for %d steps (double-applied: %s)"
          % (r, len(ups), NSTEPS, sorted({u for u in ups if ups.count(u) > 1})))
    check(all(c == "1" for _, c in applied) and len(applied) == len(range(3, NSTEPS, 3)),
          "round %d: data rows per INSERT step %s" % (r, applied))
    check(states[1] == states[0] and states[2] == states[0], "round %d: the nodes disagree" % r)
    schemas = [sql(n, "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '%s' "
                   "ORDER BY 1, 2;" % db) for n in (1, 2, 3)]
    check(schemas[1] == schemas[0] and schemas[2] == schemas[0], "round %d: the nodes' schemas disagree" % r)
    # check, on its own (its reads are causal: wsrep_sync_wait), is 0 everywhere
    chk = [subprocess.run([AURMIG, "--url", URLS[n] + db, "-d", d, "check"], capture_output=True,
                          text=True).returncode for n in (1, 2, 3)]
    check(chk == [0, 0, 0], "round %d: check on the nodes: %s" % (r, chk))
    sql(1, "DROP DATABASE %s;" % db)
    return codes


def lock_verb(tmp):
    """aurmig lock on the cluster: a lease taken on node 1 is seen from node 3
    (held, its holder named), refused by --break while live; once its run was
    killed and the lease expired, --break on node 2 removes it for every node."""
    import json
    d = os.path.join(tmp, "slow")
    db = "aurmig_gl%d" % os.getpid()
    create_db(db)
    a = deployer(1, db, d, "--lock-lease", "2")

    def info(n):
        p = subprocess.run([AURMIG, "--json", "--url", URLS[n] + db, "-d", d, "lock"], capture_output=True,
                           text=True, timeout=60)
        check(p.returncode == 0, "lock on node %d: exit %d: %s" % (n, p.returncode, p.stderr))
        return json.loads(p.stdout) if p.returncode == 0 else {}
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not info(3).get("held"):
            time.sleep(0.1)
        j = info(3)
        h = j.get("holder") or {}
        check(j.get("kind") == "lease" and j.get("held") and h.get("pid") == a.pid
              and h.get("node", "").endswith(":" + URLS[1].rsplit(":", 1)[1].split("/")[0]),
              "lock on node 3 names the holder on node 1: %s" % j)
        p = subprocess.run([AURMIG, "--url", URLS[2] + db, "-d", d, "lock", "--break"], capture_output=True, text=True)
        check(p.returncode == 9 and "pid %d" % a.pid in p.stderr, "lock --break of a live lease: exit %d: %s"
              % (p.returncode, p.stderr))
        a.send_signal(signal.SIGKILL)
        a.communicate()
        time.sleep(2.5)
        j = info(3)
        check(not j.get("held") and j.get("expired"), "the dead run's lease expired: %s" % j)
        p = subprocess.run([AURMIG, "--url", URLS[2] + db, "-d", d, "lock", "--break"], capture_output=True, text=True)
        check(p.returncode == 0 and "pid %d" % a.pid in p.stderr, "lock --break of an expired lease: exit %d: %s"
              % (p.returncode, p.stderr))
        for n in (1, 3):
            j = info(n)
            check(not j.get("held") and not j.get("expired"), "after the break node %d sees no lease: %s" % (n, j))
    finally:
        if a.poll() is None:
            a.kill()
            a.communicate()
    sql(1, "DROP DATABASE %s;" % db)


def causal_check(tmp):
    """A read-only check on a node that has not applied the cluster's last
    commits yet waits for them (wsrep_sync_wait): node 3's applier is held
    by FLUSH TABLES WITH READ LOCK (the node desyncs, the others go on)
    while node 1 migrates; check on node 3 must answer 'at head' once the
    lock goes, not 'behind' at once from its stale copy."""
    import pymysql
    d = os.path.join(tmp, "m")
    db = "aurmig_gc%d" % os.getpid()
    create_db(db)
    p = subprocess.run([AURMIG, "--url", URLS[1] + db, "-d", d, "upgrade", "r10"], capture_output=True, text=True)
    check(p.returncode == 0, "causal: upgrade to r10: %s" % p.stderr)
    sql(3, "SELECT 1;", db)   # node 3 has it all
    hold = pymysql.connect(unix_socket=SOCKETS[3], user="root", autocommit=True)
    try:
        hold.cursor().execute("FLUSH TABLES WITH READ LOCK")
        p = subprocess.run([AURMIG, "--url", URLS[1] + db, "-d", d, "upgrade", "heads"], capture_output=True,
                           text=True, timeout=120)
        check(p.returncode == 0, "causal: upgrade on node 1 while node 3 is held: exit %d: %s"
              % (p.returncode, p.stderr))
        stale = sql(3, "SELECT version_num FROM alembic_version;", db, sync=False)
        print("causal: node 3's own copy (no causal wait) says %s" % stale, flush=True)
        check(stale == [["r10"]], "causal: node 3 has not applied node 1's commits yet (%s): "
              "the scenario does not hold" % stale)
        t0 = time.time()
        chk = subprocess.Popen([AURMIG, "--url", URLS[3] + db, "-d", d, "check"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        hold.cursor().execute("UNLOCK TABLES")
        out, err = chk.communicate(timeout=60)
        print("causal: check on node 3 exit %d after %.1f s: %s" % (chk.returncode, time.time() - t0,
                                                                  (out + err).strip()), flush=True)
        check(chk.returncode == 0, "causal: check on the lagging node 3: exit %d (want 0, at head): %s"
              % (chk.returncode, out + err))
    finally:
        hold.close()
    sql(1, "DROP DATABASE %s;" % db)


def takeover(tmp):
    """Kill the lease holder mid-run; another deployer takes over after it expired."""
    d = os.path.join(tmp, "slow")
    os.mkdir(d)
    write_migrations(d, slow_at=10)
    db = "aurmig_gk%d" % os.getpid()
    create_db(db)
    a = deployer(1, db, d, "--lock-lease", "3")
    deadline = time.time() + 60
    while time.time() < deadline:   # A is in the slow step: r09 is its version
        try:
            if sql(2, "SELECT version_num FROM alembic_version;", db) == [["r09"]]:
                break
        except RuntimeError:
            pass
        time.sleep(0.2)
    time.sleep(1.5)
    b = deployer(2, db, d, "--lock-lease", "3")
    time.sleep(1.0)
    probe = subprocess.run([AURMIG, "--url", URLS[3] + db, "-d", d, "check"], capture_output=True, text=True)
    check(probe.returncode == 9, "check on node 3 while the lease is held: exit %d (want 9, in progress): %s"
          % (probe.returncode, probe.stdout + probe.stderr))
    a.send_signal(signal.SIGKILL)
    a.communicate()
    t_kill = time.time()
    out, err = b.communicate(timeout=120)
    waited = time.time() - t_kill
    check("took over the expired migration lease" in err and "pid %d" % a.pid in err,
          "the second deployer took over the dead run's lease, naming it: exit %d: %s" % (b.returncode, err))
    check(waited >= 1.0, "the takeover waited for the lease to expire (%.1f s after the kill)" % waited)
    print("takeover: second deployer exit %d, %.1f s after the kill; its message: %s"
          % (b.returncode, waited, err.strip()[-400:]), flush=True)
    # the state is one the documented commands explain: the interrupted step is named
    hist = subprocess.run([AURMIG, "--url", URLS[2] + db, "-d", d, "check"], capture_output=True, text=True)
    print("check after the takeover: exit %d: %s" % (hist.returncode, (hist.stdout + hist.stderr).strip()[-400:]),
          flush=True)
    check(hist.returncode != 9, "after the takeover nobody is in progress (check exit %d)" % hist.returncode)
    # the documented way on: resume the interrupted step (its sleeps run again), then at head
    res = subprocess.run([AURMIG, "--url", URLS[3] + db, "-d", d, "resume"], capture_output=True, text=True)
    up = subprocess.run([AURMIG, "--url", URLS[3] + db, "-d", d, "upgrade", "heads"], capture_output=True, text=True)
    # no causal wait of the test's own first: check's reads are causal
    chk = [subprocess.run([AURMIG, "--url", URLS[n] + db, "-d", d, "check"], capture_output=True, text=True).returncode
           for n in (1, 2, 3)]
    check(res.returncode == 0 and up.returncode == 0 and chk == [0, 0, 0],
          "resume %d, upgrade %d, check on every node %s: %s" % (res.returncode, up.returncode, chk,
                                                                   (res.stderr + up.stderr)[-400:]))
    for n in (1, 2, 3):
        check(sql(n, "SELECT version_num FROM alembic_version;", db) == [["r%02d" % (NSTEPS - 1)]],
              "after recovery node %d is at head" % n)
    sql(1, "DROP DATABASE %s;" % db)


def refusals(tmp):
    """A node outside the primary component, and a non-TOI node, refuse to migrate with a clear message."""
    d = os.path.join(tmp, "m")
    db = "aurmig_gr%d" % os.getpid()
    create_db(db)
    sql(1, "SET GLOBAL wsrep_OSU_method = 'RSU';")
    try:
        p = subprocess.run([AURMIG, "--url", URLS[1] + db, "-d", d, "upgrade", "heads"], capture_output=True,
                           text=True)
    finally:
        sql(1, "SET GLOBAL wsrep_OSU_method = 'TOI';")
    check(p.returncode == 1 and "wsrep_OSU_method RSU, not TOI" in p.stderr,
          "RSU node: exit %d: %s" % (p.returncode, p.stderr))
    # a deployed database (TOI again), seen by node 3, then node 3 cut off
    half = os.path.join(tmp, "half")
    os.mkdir(half)
    for f in sorted(os.listdir(d))[:NSTEPS // 2]:
        with open(os.path.join(d, f)) as src, open(os.path.join(half, f), "w") as dst:
            dst.write(src.read())
    p = subprocess.run([AURMIG, "--url", URLS[1] + db, "-d", half, "upgrade", "heads"], capture_output=True,
                       text=True)
    check(p.returncode == 0, "upgrade on node 1 after RSU was set back: exit %d: %s" % (p.returncode, p.stderr))
    before = sql(3, "SELECT COUNT(*) FROM aurmig_journal;", db)
    sql(3, "SET GLOBAL wsrep_provider_options = 'gmcast.isolate=1';")
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if sql(3, "SHOW STATUS LIKE 'wsrep_cluster_status';", sync=False)[0][1] != "Primary":
                break
        except RuntimeError:
            break
        time.sleep(0.3)
    p = subprocess.run([AURMIG, "--url", URLS[3] + db, "-d", d, "upgrade", "heads"], capture_output=True, text=True)
    check(p.returncode == 1 and "Galera node" in p.stderr and "primary component" in p.stderr,
          "isolated node: exit %d: %s" % (p.returncode, p.stderr))
    print("isolated node: exit %d: %s" % (p.returncode, p.stderr.strip()), flush=True)
    # a read there gets 1047 "WSREP has not yet prepared node": explained
    p = subprocess.run([AURMIG, "--url", URLS[3] + db, "-d", d, "check"], capture_output=True, text=True)
    check(p.returncode == 1 and "not part of the cluster's primary component" in p.stderr,
          "check on the isolated node: exit %d: %s" % (p.returncode, p.stderr))
    print("check on the isolated node: exit %d: %s" % (p.returncode, p.stderr.strip()), flush=True)
    n = sql(1, "SELECT COUNT(*) FROM aurmig_journal;", db)
    check(n == before, "nothing written by the refused run: journal rows %s, were %s" % (n, before))


def main():
    global URLS, SOCKETS
    if not os.path.exists(PROVIDER):
        print("SKIP: galera-4 is not installed (%s): run scripts/install-deps.sh" % PROVIDER)
        return 77
    if "ASAN_OPTIONS" in os.environ:
        # the sanitizer setup (meson test --setup=asan) runs the suites again
        # instrumented; a 3-node cluster with 8 instrumented deployers a round
        # would take most of CI's time there. The normal run covers it.
        print("SKIP: the Galera cluster test runs in the normal build, not under the sanitizers")
        return 77
    env = dict(os.environ)
    t0 = time.time()
    start = subprocess.run(["sh", GALERA_SH, "start", BASE], capture_output=True, text=True, env=env)
    try:
        if start.returncode:
            print("starting the cluster failed:\n" + start.stderr)
            return 1
        vals = dict(line.split("=", 1) for line in start.stdout.splitlines() if "=" in line)
        URLS = {n: vals["AURMIG_TEST_GALERA_URL%d" % n] for n in (1, 2, 3)}
        SOCKETS = {n: vals["AURMIG_TEST_GALERA_SOCKET%d" % n] for n in (1, 2, 3)}
        print("cluster up in %.1f s; lock mode %s" % (time.time() - t0, MODE), flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            d = os.path.join(tmp, "m")
            os.mkdir(d)
            write_migrations(d)
            for r in range(ROUNDS + MIDDLE_ROUNDS):
                t = time.time()
                middle = "r%02d" % (NSTEPS // 2) if r >= ROUNDS else None
                codes = round_(r, d, middle)
                print("round %d%s: exits %s in %.1f s" % (r, " (from %s)" % middle if middle else "", codes,
                                                          time.time() - t), flush=True)
                if failures and MODE == "session":
                    break
            if MODE != "session":
                t = time.time()
                causal_check(tmp)
                takeover(tmp)
                lock_verb(tmp)
                refusals(tmp)
                print("scenarios in %.1f s" % (time.time() - t), flush=True)
    finally:
        subprocess.run(["sh", GALERA_SH, "stop", BASE], capture_output=True)
    print("%d failures; %.1f s in all" % (len(failures), time.time() - t0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
