#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark: the start-up check's added latency per request behind a real
php-fpm (issue 20.6; a script to run by hand, not a test).

  bench/startup/fpm.py [--build build] [--requests 500] [--url URL]

Needs php-fpm (Debian: php8.2-fpm; its service need not run) and the PHP
FFI extension. Starts a private php-fpm (one static worker, FFI preloaded
as in production: ffi.preload of the build's header, opcache.preload of
bindings/php/preload.php) on a unix socket, and sends it FastCGI requests
itself, one connection each, round-robin, for:
  noop         a script that prints "ok"
  open         new Aurmig\\Migrator(migrations/, url) and close()
  check        the same with ->check() (the start-up check of a request)
  status       Aurmig\\Migrator::status(migrations/, url): the one-call check
               (aurmig_status_new_timeout: load, connect, read, free)
URL: a database at head of migrations/ (default: a SQLite file made here;
e.g. mysql://aurmig:aurmig-secret@/aurmig_x?unix_socket=... for MariaDB over
its socket, upgraded to head first with the CLI). Prints each case's median,
p10, p90, min, and the per-round difference to noop.
"""
import argparse
import glob
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def record(kind, content):
    return struct.pack("!BBHHBx", 1, kind, 1, len(content), 0) + content


def pair(k, v):
    k, v = k.encode(), v.encode()

    def n(x):
        return bytes([x]) if x < 128 else struct.pack("!I", x | 0x80000000)
    return n(len(k)) + n(len(v)) + k + v


def request(path, script):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    params = pair("SCRIPT_FILENAME", script) + pair("REQUEST_METHOD", "GET")
    s.sendall(record(1, struct.pack("!HB5x", 1, 0)) + record(4, params) + record(4, b"") + record(5, b""))
    out = b""
    while True:
        h = s.recv(8, socket.MSG_WAITALL)
        if len(h) < 8:
            break
        _, kind, _, n, pad = struct.unpack("!BBHHBx", h)
        body = s.recv(n + pad, socket.MSG_WAITALL) if n + pad else b""
        if kind == 6:
            out += body[:n]
        if kind == 3:
            break
    s.close()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--url")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    fpm = (glob.glob("/usr/sbin/php-fpm*") or [None])[0]
    if not fpm:
        sys.exit("no php-fpm (Debian: apt-get install php8.2-fpm)")
    mig = os.path.join(ROOT, "migrations")
    work = tempfile.mkdtemp(prefix="aurmig-fpm-")
    proc = None
    try:
        url = a.url or "sqlite:///" + os.path.join(work, "aur.db")
        subprocess.run([os.path.join(build, "cli", "aurmig"), "-q", "-d", mig, "--url", url, "upgrade", "heads"],
                       check=True)
        php = lambda body: "<?php\nrequire_once %r;\n%s" % (os.path.join(ROOT, "bindings", "php", "autoload.php"), body)
        scripts = {
            "noop": "<?php\necho \"ok\\n\";\n",
            "open": php("$m = new Aurmig\\Migrator(getenv('BENCH_DIR'), url: getenv('BENCH_URL'));\n"
                        "$m->close();\necho \"ok\\n\";\n"),
            "check": php("$m = new Aurmig\\Migrator(getenv('BENCH_DIR'), url: getenv('BENCH_URL'));\n"
                         "echo $m->check()->isAtHead() ? \"ok\\n\" : \"not at head\\n\";\n$m->close();\n"),
            "status": php("echo Aurmig\\Migrator::status(getenv('BENCH_DIR'), url: getenv('BENCH_URL'))->isAtHead()"
                          " ? \"ok\\n\" : \"not at head\\n\";\n"),
        }
        for k, text in scripts.items():
            with open(os.path.join(work, k + ".php"), "w") as f:
                f.write(text)
        user = "root" if os.getuid() == 0 else None
        with open(os.path.join(work, "php.ini"), "w") as f:
            f.write("extension=ffi\nzend_extension=opcache\nopcache.enable=1\nopcache.jit=off\n"
                    "ffi.enable=preload\nffi.preload=%s\nopcache.preload=%s\n%s" % (
                        os.path.join(build, "bindings", "aurmig.ffi.h"),
                        os.path.join(ROOT, "bindings", "php", "preload.php"),
                        "opcache.preload_user=root\n" if user else ""))
        sock = os.path.join(work, "fpm.sock")
        with open(os.path.join(work, "fpm.conf"), "w") as f:
            f.write("[global]\npid = %s/fpm.pid\nerror_log = %s/fpm.log\ndaemonize = no\n[bench]\n%s"
                    "listen = %s\npm = static\npm.max_children = 1\nclear_env = no\n" % (
                        work, work, "user = root\ngroup = root\n" if user else "", sock))
        env = dict(os.environ, BENCH_DIR=mig, BENCH_URL=url, LD_LIBRARY_PATH=os.path.join(build, "lib"),
                   AURMIG_FFI_HEADER=os.path.join(build, "bindings", "aurmig.ffi.h"))
        proc = subprocess.Popen([fpm, "-n", "-c", os.path.join(work, "php.ini"), "-y", os.path.join(work, "fpm.conf")]
                                + (["-R"] if user else []), env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        paths = {k: os.path.join(work, k + ".php") for k in scripts}
        for k, p in paths.items():
            r = request(sock, p)
            if b"ok" not in r:
                sys.exit("%s: %s" % (k, r.decode(errors="replace")))
            for _ in range(50):
                request(sock, p)
        t = {k: [] for k in paths}
        items = list(paths.items())
        for i in range(a.requests):
            for k, p in items[i % len(items):] + items[:i % len(items)]:
                t0 = time.perf_counter()
                request(sock, p)
                t[k].append((time.perf_counter() - t0) * 1e6)
        print("php-fpm %s, %s, %d requests each; microseconds per request" % (fpm, url, a.requests))
        for k, x in t.items():
            x = sorted(x)
            print("%-6s median %6.0f  p10 %6.0f  p90 %6.0f  min %6.0f" % (k, statistics.median(x), x[len(x) // 10],
                                                                        x[len(x) * 9 // 10], x[0]))
        for k in ("open", "check", "status"):
            d = sorted(c - o for c, o in zip(t[k], t["noop"]))
            print("%-6s - noop, per round: median %6.0f  p10 %6.0f  p90 %6.0f" % (k, statistics.median(d), d[len(d) // 10],
                                                                               d[len(d) * 9 // 10]))
    finally:
        if proc:
            proc.terminate()
            proc.wait()
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
