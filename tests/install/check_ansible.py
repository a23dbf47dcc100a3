#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""docs/ansible.md's play, as written there, run by Debian's ansible-playbook
against localhost (connection: local) with the built aurmig on SQLite:

  fresh database      the task is changed, not failed; "Show what ran" runs
  up-to-date database not changed, not failed
  failing migration   failed, with aurmig's own message (not a templating
                      error from changed_when), and not changed

Exits 77 (skip) without ansible-playbook (Debian: apt install ansible).
Usage: check_ansible.py DOCS_ANSIBLE_MD AURMIG GRAPH WORKDIR
"""
import json
import os
import re
import shutil
import subprocess
import sys

doc, aurmig, graph, workdir = (os.path.abspath(a) for a in sys.argv[1:5])
playbook_bin = shutil.which("ansible-playbook")
if not playbook_bin:
    print("SKIP: no ansible-playbook (Debian: apt install ansible)")
    sys.exit(77)

shutil.rmtree(workdir, ignore_errors=True)
os.makedirs(workdir)
blocks = re.findall(r"```yaml\n(.*?)```", open(doc).read(), re.S)
plays = [b for b in blocks if "hosts:" in b]
if not plays:
    sys.exit("FAIL: %s has no play (a yaml block with hosts:)" % doc)
play = os.path.join(workdir, "play.yml")
with open(play, "w") as f:
    f.write(plays[0])

env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "AURMIG_", "AUR_CONFIG"))}
env.update({
    "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
    "ANSIBLE_LOCAL_TEMP": os.path.join(workdir, "ansible-local"),
    "ANSIBLE_REMOTE_TEMP": os.path.join(workdir, "ansible-remote"),
    "ANSIBLE_HOME": os.path.join(workdir, "ansible-home"),
    "ANSIBLE_NOCOLOR": "1",
    "ANSIBLE_GATHERING": "explicit",   # the play needs no facts
    "ANSIBLE_RETRY_FILES_ENABLED": "0",
    "ANSIBLE_PYTHON_INTERPRETER": "/usr/bin/python3",
})


def run_play(name, migrations):
    db = os.path.join(workdir, name + ".db")
    cfg = os.path.join(workdir, name + ".config")
    with open(cfg, "w") as f:
        f.write("[database]\nbackend = sqlite\nname = %s\n" % db)
    extra = json.dumps({"aurmig_bin": aurmig, "aurweb_config": cfg, "aurweb_migrations": migrations})
    p = subprocess.run([playbook_bin, "-i", "aurweb,", "-c", "local", "-e", extra, play],
                       env=env, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        sys.exit("FAIL: ansible-playbook printed no JSON (rc %d):\n%s\n%s" % (p.returncode, p.stdout, p.stderr))
    tasks = {}
    for pl in out["plays"]:
        for t in pl["tasks"]:
            tasks[t["task"]["name"]] = t["hosts"].get("aurweb")
    return p.returncode, tasks, out["stats"]["aurweb"], db


MIGRATE = "Run the pending migrations"


def expect(cond, what, detail):
    if not cond:
        if isinstance(detail, dict) and MIGRATE in detail:
            detail = {k: v for k, v in detail.items() if k != "Gathering Facts"}
        sys.exit("FAIL: %s\n%s" % (what, json.dumps(detail, indent=1)[:4000]))
    print("ok:", what)


# 1. a fresh database
rc, tasks, stats, db = run_play("fresh", graph)
r = tasks.get(MIGRATE)
expect(rc == 0 and r and r.get("changed") is True and not r.get("failed"), "fresh database: changed, not failed", tasks)
expect(tasks.get("Show what ran") and "5000eeee0001" in str(tasks["Show what ran"].get("msg")),
       "fresh database: 'Show what ran' lists the steps", tasks)

# 2. the same database again: up to date
os.rename(db, os.path.join(workdir, "uptodate.db"))
rc, tasks, stats, db = run_play("uptodate", graph)
r = tasks.get(MIGRATE)
expect(rc == 0 and r and r.get("changed") is False and not r.get("failed"), "up-to-date database: not changed, not failed", tasks)

# 3. a failing migration on top of the up-to-date database
bad = os.path.join(workdir, "bad-migrations")
shutil.copytree(graph, bad)
with open(os.path.join(bad, "6000ffff0001_broken.sql"), "w") as f:
    f.write("-- aurmig:revision 6000ffff0001\n-- aurmig:down_revision 5000eeee0001\n"
            "-- aurmig:message Broken\n\n-- aurmig:upgrade\nINSERT INTO no_such_table VALUES (1);\n\n"
            "-- aurmig:downgrade\nSELECT 1;\n")
os.rename(db, os.path.join(workdir, "failing.db"))
rc, tasks, stats, db = run_play("failing", bad)
r = tasks.get(MIGRATE) or {}
msg = " ".join(str(r.get(k, "")) for k in ("msg", "stderr"))
expect(rc != 0 and r.get("failed") is True and stats.get("failures") == 1, "failing migration: the task fails", tasks)
expect(not re.search(r"conditional|template|from_json|has no attribute",
                     str(r.get("msg", "")) + str(r.get("changed_when_result", "")), re.I),
       "failing migration: the failure is aurmig's, not a templating error", r)
expect("no_such_table" in msg or "6000ffff0001" in msg, "failing migration: aurmig's message is in the result", r)
expect(r.get("changed") is not True, "failing migration: nothing committed, not changed", r)
expect("Show what ran" not in tasks or not tasks["Show what ran"], "failing migration: the play stops", tasks)
