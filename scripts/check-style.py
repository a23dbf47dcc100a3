#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The project's C style and its lib/ disciplines, checked (libcurl's
checksrc lesson: a rule nobody checks is a suggestion). Run by meson as the
`style` test and so by CI.

Every C file (lib/ cli/ include/ tests/ bench/):
  spdx      the first line is the SPDX licence comment
  space     no trailing whitespace, no CR, the file ends in one newline
  indent    indentation is tabs (spaces only after them, or a comment's ' *')
  keyword   `if (`, `for (`, `while (`, `switch (`, `return (`-free spacing
  long      no line wider than 160 columns (tabs of 8)
lib/ only (the rules of docs/architecture.md):
  print     no printing: no stdout, stderr, printf, puts, perror
  alloc     allocations through the context (aurmig__malloc & co.), so the
            allocation-failure tests reach them; plain malloc only in
            base/context.c, where error records are built
  hold      the error record's hold counter through aurmig__err_hold() and
            aurmig__err_release(), never poked
  global    no file-scope mutable variable (a `static` or global without
            const)
A line that must break a lib/ rule says why in a comment holding
`style: ok` (e.g. a shrinking realloc whose failure keeps the block).

Usage: check-style.py [SOURCE_ROOT]; prints FILE:LINE: RULE: what, exits 1
when anything is found.
"""
import os
import re
import subprocess
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
os.chdir(root)
files = subprocess.run(["git", "ls-files", "lib/*.[ch]", "cli/*.[ch]", "include/*.h", "tests/*.[ch]",
                        "bench/*.c"], capture_output=True, text=True, check=True).stdout.split()
findings = []


def say(f, n, rule, what):
    findings.append("%s:%d: %s: %s" % (f, n, rule, what))


def code_only(text):
    """The text with comments and string/char literals blanked, lines kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


ALLOC = re.compile(r"(?<![\w.>])(malloc|calloc|realloc|strdup|strndup|asprintf|vasprintf)\s*\(")
PRINT = re.compile(r"(?<![\w.>])(printf|puts|perror|putchar)\s*\(|\b(stdout|stderr)\b")
KEYWORD = re.compile(r"\b(if|for|while|switch)\(")
GLOBAL = re.compile(r"^(?!typedef\b|extern\b|enum\b|union\b|struct\b[^=;]*\{)"
                    r"[A-Za-z_][\w \t\*]*?\b[A-Za-z_]\w*\s*(\[[^\]]*\])*\s*(=.*)?[;{]?$")

for f in files:
    raw = open(f, "rb").read()
    text = raw.decode("utf-8", "replace")
    lines = text.split("\n")
    if not lines[0].startswith("/* SPDX-License-Identifier: "):
        say(f, 1, "spdx", "the first line is not the SPDX licence comment")
    if b"\r" in raw:
        say(f, 1, "space", "carriage return in the file")
    if not text.endswith("\n") or text.endswith("\n\n"):
        say(f, len(lines), "space", "the file does not end in exactly one newline")
    for n, line in enumerate(lines, 1):
        if line != line.rstrip():
            say(f, n, "space", "trailing whitespace")
        if re.match(r"^ +(?!\*)\S", line) or re.match(r"^\t* +\t", line):
            say(f, n, "indent", "indented with spaces")
        if len(line.expandtabs(8)) > 160:
            say(f, n, "long", "%d columns (at most 160)" % len(line.expandtabs(8)))
    code = code_only(text).split("\n")
    depth = 0
    for n, line in enumerate(code, 1):
        if KEYWORD.search(line):
            say(f, n, "keyword", "no space between keyword and '(': " + lines[n - 1].strip())
        if not f.startswith("lib/") or "style: ok" in lines[n - 1]:
            continue
        if PRINT.search(line):
            say(f, n, "print", "lib/ does not print: " + lines[n - 1].strip())
        if f != "lib/base/context.c" and ALLOC.search(line):
            say(f, n, "alloc", "allocate through the context (aurmig__malloc, aurmig__strndup, ...): "
                + lines[n - 1].strip())
        if not f.startswith("lib/base/") and re.search(r"(->|\.)err_hold\b", line):
            say(f, n, "hold", "use aurmig__err_hold()/aurmig__err_release(): " + lines[n - 1].strip())
        decl = line.split("=")[0]
        if depth == 0 and f.endswith(".c") and not line.startswith(("#", " ", "\t", "}")) and GLOBAL.match(line) \
                and "(" not in decl and not re.search(r"\bconst\b", decl) \
                and line.rstrip().endswith((";", "{", "=")):
            say(f, n, "global", "file-scope mutable variable: " + lines[n - 1].strip())
        depth += line.count("{") - line.count("}")

for x in findings:
    print(x)
print("check-style: %d files, %d findings" % (len(files), len(findings)))
sys.exit(1 if findings else 0)
