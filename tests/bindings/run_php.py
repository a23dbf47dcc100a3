#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run tests/bindings/php/tests.php with the real `php` CLI, one way of
loading the binding per --mode:

  cli-cdef  FFI::cdef(header, $AURMIG_LIBRARY)            (CLI, explicit path)
  cli-load  FFI::load(header), FFI_LIB found by the loader (CLI)
  preload   opcache.preload=bindings/php/preload.php, ffi.enable=preload,
            FFI::scope("aurmig"): as root both ways PHP allows it (ffi.preload
            with opcache.preload_user=nobody, and FFI::load in the preload
            script run by user nobody); otherwise as the calling user
  server    the same preloading in PHP's built-in web server (the cli-server
            SAPI), where ffi.enable=preload is enforced as in PHP-FPM: only
            preloaded code may use FFI; the suite runs in one request

against fresh SQLite files and, when AURMIG_TEST_MYSQL_URL /
AURMIG_TEST_PGSQL_URL are set, fresh MariaDB / PostgreSQL databases.
Exit 77 (skip) without php or its FFI extension. $AURMIG_TEST_WRAPPER (e.g.
"valgrind --error-exitcode=99 ...") is put in front of the php command
(not in server mode).
"""
import argparse
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dbs  # noqa: E402

SKIP = 77


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def readable_by(user, paths):
    if os.geteuid() != 0:
        return True
    for p in paths:
        r = subprocess.run(["/usr/sbin/runuser", "-u", user, "--", "test", "-r", p])
        if r.returncode:
            return False
    return True


def judge(label, rc, out, err):
    text = out + err
    ok = rc == 0 and "RESULT:" in out and ", 0 failed" in out.split("RESULT:")[-1]
    for bad in ("PHP Warning", "PHP Notice", "PHP Deprecated", "PHP Fatal", "Segmentation", "Warning:",
                "Deprecated:", "Fatal error"):
        if bad in text:
            ok = False
    print("== php %s: exit %s" % (label, rc))
    sys.stdout.write(out)
    if err.strip():
        print("-- stderr:")
        sys.stdout.write(err)
    return ok


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--php", default="php")
    ap.add_argument("--mode", required=True, choices=["cli-cdef", "cli-load", "preload", "server"])
    ap.add_argument("--graph", required=True)
    ap.add_argument("--bindings", required=True, help="bindings/php of the source tree")
    ap.add_argument("--header", required=True, help="the generated aurmig.ffi.h")
    ap.add_argument("--libdir", required=True, help="directory of the built libaurmig.so.0")
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args(argv)

    php = shutil.which(args.php)
    if not php:
        print("SKIP: no php CLI (Debian: apt install php8.2-cli)")
        return SKIP
    mods = subprocess.run([php, "-m"], stdout=subprocess.PIPE, universal_newlines=True).stdout.split()
    if "FFI" not in mods:
        print("SKIP: php has no FFI extension")
        return SKIP
    if args.mode in ("preload", "server") and "Zend OPcache" not in mods and "Zend" not in mods:
        print("SKIP: php has no OPcache")
        return SKIP

    work = os.path.abspath(args.workdir)
    if os.path.isdir(work):
        shutil.rmtree(work)
    os.makedirs(work)
    os.chmod(work, 0o1777)  # user nobody writes its SQLite files here too
    tests = os.path.join(HERE, "php", "tests.php")
    lib = os.path.join(args.libdir, "libaurmig.so.0")

    created = []
    failed = False
    try:
        urls = []
        for kind, base in sorted(dbs.available().items()):
            url, name = dbs.create(kind, base, "php_" + args.mode.replace("-", "_"))
            created.append((kind, base, name))
            urls.append(url)
        env = dict(os.environ)
        env.update({
            "AURMIG_TEST_MODE": args.mode,
            "AURMIG_TEST_GRAPH": os.path.abspath(args.graph),
            "AURMIG_TEST_WORK": work,
            "AURMIG_TEST_URLS": " ".join(urls),
            "AURMIG_TEST_GRAPH_SERVERS": dbs.portable_graph(args.graph, os.path.join(work, "graph-servers")),
            "AURMIG_TEST_BINDINGS": os.path.abspath(args.bindings),
            "AURMIG_FFI_HEADER": os.path.abspath(args.header),
            "USE_ZEND_ALLOC": env.get("USE_ZEND_ALLOC", "1"),
        })
        env.pop("AURMIG_LIBRARY", None)
        base = [php, "-d", "error_reporting=-1", "-d", "display_errors=stderr", "-d", "log_errors=0"]
        preload = ["-d", "opcache.enable=1", "-d", "opcache.enable_cli=1", "-d", "ffi.enable=preload",
                   "-d", "opcache.preload=" + os.path.join(os.path.abspath(args.bindings), "preload.php")]
        env["LD_LIBRARY_PATH"] = args.libdir + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
        wrapper = shlex.split(os.environ.get("AURMIG_TEST_WRAPPER", ""))

        runs = []  # (label, argv, env)
        if args.mode == "cli-cdef":
            e = dict(env, AURMIG_LIBRARY=lib)
            del e["LD_LIBRARY_PATH"]
            runs.append(("cli-cdef", wrapper + base + [tests], e))
        elif args.mode == "cli-load":
            runs.append(("cli-load", wrapper + base + [tests], env))
        elif args.mode == "preload":
            if os.geteuid() == 0:
                runs.append(("preload as root (ffi.preload, opcache.preload_user=nobody)",
                             wrapper + base + preload + ["-d", "opcache.preload_user=nobody",
                                                         "-d", "ffi.preload=" + env["AURMIG_FFI_HEADER"], tests],
                             env))
                if readable_by("nobody", [tests, args.header, lib, os.path.join(args.bindings, "preload.php"),
                                          os.path.join(args.graph, os.listdir(args.graph)[0])]):
                    runs.append(("preload as nobody (FFI::load in the preload script)",
                                 ["/usr/sbin/runuser", "-u", "nobody", "--", "env"]
                                 + ["%s=%s" % kv for kv in env.items() if kv[0].startswith(("AURMIG_", "LD_", "USE_"))]
                                 + wrapper + base + preload + [tests], {"PATH": env.get("PATH", "/usr/bin:/bin")}))
                else:
                    print("note: user nobody cannot read the tree; FFI::load-while-preloading not run as nobody")
            else:
                runs.append(("preload (FFI::load in the preload script)", wrapper + base + preload + [tests], env))

        for label, cmd, e in runs:
            p = subprocess.run(cmd, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True, timeout=600)
            if not judge(label, p.returncode, p.stdout, p.stderr):
                failed = True

        if args.mode == "server":
            port = free_port()
            router = os.path.join(HERE, "php", "server.php")
            cmd = base + preload
            if os.geteuid() == 0:
                cmd += ["-d", "opcache.preload_user=nobody", "-d", "ffi.preload=" + env["AURMIG_FFI_HEADER"]]
            cmd += ["-S", "127.0.0.1:%d" % port, router]
            log = open(os.path.join(work, "server.log"), "w+")
            srv = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                out = ""
                deadline = time.time() + 20
                while time.time() < deadline:
                    try:
                        with socket.create_connection(("127.0.0.1", port), timeout=1):
                            break
                    except OSError:
                        if srv.poll() is not None:
                            break
                        time.sleep(0.05)
                try:
                    with urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=600) as r:
                        out = r.read().decode("utf-8", "replace")
                    # a second request: the preloaded classes and scope serve every request
                    with urllib.request.urlopen("http://127.0.0.1:%d/?second=1" % port, timeout=600) as r:
                        out2 = r.read().decode("utf-8", "replace")
                    if "RESULT:" not in out2 or ", 0 failed" not in out2:
                        out += "second request:\n" + out2
                        failed = True
                except OSError as ex:
                    out += "request failed: %s\n" % ex
                    failed = True
            finally:
                srv.terminate()
                try:
                    rc = srv.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    srv.kill()
                    rc = srv.wait()
                log.seek(0)
                server_log = log.read()
                log.close()
            # the built-in server logs each request; anything else is a problem
            noise = [l for l in server_log.splitlines() if not any(
                k in l for k in ("Development Server", "Accepted", "Closing", "[200]: GET",
                                "Closed without sending a request"))]
            if not judge("cli-server SAPI (port %d)" % port, 0, out, "\n".join(noise)):
                failed = True
            if rc not in (0, -15):
                print("php -S ended with %s" % rc)
                failed = True
    finally:
        for kind, base, name in created:
            try:
                dbs.drop(kind, base, name)
            except Exception as ex:  # report, do not mask the result
                print("note: could not drop %s database %s: %s" % (kind, name, ex))
    print("php %s: %s" % (args.mode, "FAILED" if failed else "passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
