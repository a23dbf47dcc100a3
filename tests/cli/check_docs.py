#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""--help, `aurmig help VERB`, the man page (doc/aurmig.1), the bash
completion (completions/aurmig.bash) and README.md's CLI reference agree
with the CLI's one table of commands and options (cli/commands.c, printed
by `aurmig help --json`): every verb, every option, every exit code, every
environment variable (issue 17).

Usage: check_docs.py AURMIG_BINARY SOURCE_ROOT
"""
import importlib.util
import json
import os
import re
import subprocess
import sys
import unittest

AURMIG = None
ROOT = None
TABLE = None


def aurmig(*args):
    p = subprocess.run([AURMIG] + list(args), capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def flags(o):
    return ["--" + o["name"]] + (["-" + o["short"]] if o["short"] else [])


def man_text():
    """doc/aurmig.1 as plain text, with its section headers."""
    text = open(os.path.join(ROOT, "doc", "aurmig.1")).read()
    text = text.replace("\\-", "-").replace("\\(em", "-")
    text = re.sub(r"\\f[BIRP]", "", text)
    return text


def man_sections(text):
    sections, name = {}, None
    for line in text.split("\n"):
        if line.startswith(".SH "):
            name = line[4:].strip().strip('"')
            sections[name] = []
        elif name:
            sections[name].append(line)
    return {k: "\n".join(v) for k, v in sections.items()}


def readme_cli():
    text = open(os.path.join(ROOT, "README.md")).read()
    start = text.index("## The CLI")
    end = text.index("\n## ", start + 1)
    return text[start:end]


class DocsAgree(unittest.TestCase):
    def test_help_lists_the_table(self):
        rc, out, _ = aurmig("--help")
        self.assertEqual(rc, 0)
        for c in TABLE["commands"]:
            self.assertRegex(out, r"\n  %s\b" % re.escape(c["name"]), c["name"])
        for o in TABLE["options"]:
            if o["global"]:
                for f in flags(o):
                    self.assertRegex(out, r"(?<![\w-])%s(?![\w-])" % re.escape(f), f)
        for e in TABLE["exit_codes"]:
            self.assertRegex(out, r"\n  %d +%s" % (e["code"], re.escape(e["meaning"])))
        for e in TABLE["environment"]:
            self.assertIn(e["name"], out)

    def test_help_of_each_verb(self):
        glob = {f for o in TABLE["options"] if o["global"] for f in flags(o)}
        for c in TABLE["commands"]:
            rc, out, err = aurmig("help", c["name"])
            self.assertEqual(rc, 0, err)
            self.assertEqual((rc, out), aurmig(c["name"], "--help")[:2]) if c["name"] != "help" else None
            self.assertTrue(out.startswith("usage: aurmig "), c["name"])
            own = [o for o in TABLE["options"] if c["name"] in o["verbs"]]
            names = {f for o in own for f in flags(o)} | glob
            for o in own:
                self.assertRegex(out, r"\n  (-\w, )?--%s\b" % re.escape(o["name"]), (c["name"], o["name"]))
            # the usage lines and the text name only options the verb takes
            usage = out.split("\nOptions")[0]
            for f in re.findall(r"(?<![\w-])--?[a-z][a-z-]*", usage):
                if f in ("--", "-N", "-v") or re.match(r"^-[A-Z]", f):
                    continue
                self.assertIn(f, names, "%s --help names %s, which is not in the table for it" % (c["name"], f))
            for code in c["exit_codes"]:
                self.assertRegex(out, r"\n  %d " % code, (c["name"], code))

    def test_man_page(self):
        text = man_text()
        sec = man_sections(text)
        for name in ("GLOBAL OPTIONS", "COMMANDS", "EXIT STATUS", "ENVIRONMENT"):
            self.assertIn(name, sec)
        for o in TABLE["options"]:
            if o["global"]:
                for f in flags(o):
                    self.assertRegex(sec["GLOBAL OPTIONS"], r"(?<![\w-])%s(?![\w-])" % re.escape(f),
                                     "man page: global option %s" % f)
        # each verb has its paragraph in COMMANDS, which names its options
        paras = [p for p in re.split(r"\n\.(?:TP|TQ)\n", "\n" + sec["COMMANDS"]) if p.strip()]
        for c in TABLE["commands"]:
            if c["name"] == "help":
                continue
            mine = [p for p in paras if re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(c["name"]), p.split("\n")[0])]
            self.assertTrue(mine, "man page: no COMMANDS entry for %s" % c["name"])
            body = "\n".join(mine)
            for o in TABLE["options"]:
                if c["name"] in o["verbs"]:
                    self.assertTrue(any(re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(f), body) for f in flags(o)),
                                    "man page: %s %s" % (c["name"], o["name"]))
        for e in TABLE["exit_codes"]:
            self.assertRegex(sec["EXIT STATUS"], r"\.TP\n\.B %d\n" % e["code"], "man page: exit %d" % e["code"])
        codes = {int(x) for x in re.findall(r"\.B (\d+)\n", sec["EXIT STATUS"])}
        self.assertEqual(codes, {e["code"] for e in TABLE["exit_codes"]})
        for e in TABLE["environment"]:
            self.assertIn(e["name"], sec["ENVIRONMENT"], "man page: environment %s" % e["name"])
        # no option the CLI does not have
        known = {f for o in TABLE["options"] for f in flags(o)}
        for f in set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", text)) - {"--opt"}:
            self.assertIn(f, known, "man page names %s, which aurmig does not have" % f)
        # the declared schema: <dialect>.sql first, then portable.sql (lib/schema/declared.c)
        self.assertNotRegex(text, r"portable\.sql\S*,? else")

    def test_completion(self):
        spec = importlib.util.spec_from_file_location("gen", os.path.join(ROOT, "scripts", "gen-completion.py"))
        gen = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(gen)
        path = os.path.join(ROOT, "completions", "aurmig.bash")
        self.assertEqual(open(path).read(), gen.generate(TABLE),
                         "completions/aurmig.bash is stale: run scripts/gen-completion.py build/cli/aurmig "
                         "completions/aurmig.bash")

        def complete(line):
            script = ('source "$1"; read -a COMP_WORDS <<< "$2"; [[ "$2" == *" " ]] && COMP_WORDS+=(""); '
                      'COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _aurmig; printf "%s\\n" "${COMPREPLY[@]}"')
            p = subprocess.run(["bash", "-c", script, "_", path, line], capture_output=True, text=True,
                               cwd=ROOT, timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr)
            return set(p.stdout.split())

        graph = "tests/data/graphs/branched"
        self.assertEqual(complete("aurmig schema d"), {"dump", "diff"})
        self.assertEqual(complete("aurmig -d %s schema diff " % graph), set())
        self.assertIn("1000aaaa0001", complete("aurmig -d %s upgrade 1" % graph))
        self.assertIn("1000aaaa0001", complete("aurmig --url x -d %s downgrade " % graph))
        self.assertEqual(complete("aurmig updat"), set())
        self.assertEqual(complete("aurmig upg"), {"upgrade"})
        self.assertEqual(complete("aurmig help upg"), {"upgrade"})
        for c in TABLE["commands"]:
            got = complete("aurmig %s -" % c["name"])
            for o in TABLE["options"]:
                if o["global"] or c["name"] in o["verbs"]:
                    for f in flags(o):
                        self.assertIn(f, got, "completion of '%s -' lacks %s" % (c["name"], f))

    def test_readme(self):
        text = readme_cli()
        glob_para = text[text.index("Global options:"):text.index("| command |")]
        for o in TABLE["options"]:
            if o["global"]:
                self.assertRegex(glob_para, r"`(-\w/)?--%s[ `]" % re.escape(o["name"]), "README: --%s" % o["name"])
        table = text[text.index("| command |"):text.index("### Exit codes")]
        for c in TABLE["commands"]:
            self.assertIn("`" + c["name"], table, "README: command %s" % c["name"])
        exits = text[text.index("### Exit codes"):]
        for e in TABLE["exit_codes"]:
            self.assertRegex(exits, r"\n\| %d \|" % e["code"], "README: exit %d" % e["code"])
        known = {f for o in TABLE["options"] for f in flags(o)}
        for f in set(re.findall(r"(?<![\w/-])--[a-z][a-z-]*", text)) - {"--opt"}:
            self.assertIn(f, known, "README's CLI section names %s, which aurmig does not have" % f)
        self.assertNotRegex(text, r"portable\.sql`?,? else")


if __name__ == "__main__":
    AURMIG, ROOT = os.path.abspath(sys.argv[1]), sys.argv[2]
    TABLE = json.loads(aurmig("help", "--json")[1])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
