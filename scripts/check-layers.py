#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check lib/'s layering (docs/architecture.md, "Layers").

1. Every #include "x/y.h" in lib/ names a header of the including file's own
   layer or of a layer below it (LAYERS, lowest first).
2. No circle of #include lines between headers.
3. Every private function (aurmig__*) declared in a header of lib/X/ is
   defined in a source file of lib/X/ (a declaration lives by its definition).
4. With --objects BUILDDIR, from the compiled objects' symbol tables (nm):
   no source calls into a higher layer, and no circle of calls between
   source files (A uses a symbol that B defines and B, directly or through
   others, uses one that A defines).
5. No source file is longer than MAX_LINES.

Exit 0 when clean, 1 with one line per finding otherwise.
"""
import os
import re
import subprocess
import sys

LAYERS = ["base", "ini", "graph", "db", "schema", "lint", "run"]
MAX_LINES = 1200
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = os.path.join(ROOT, "lib")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
DECL = re.compile(r'^[A-Za-z_][\w \*]*?\b(aurmig__\w+)\s*\(', re.M)
DEFN = re.compile(r'^(?:static\s+)?[A-Za-z_][\w \*]*?\b(aurmig__\w+)\s*\([^;{]*\)\s*\{', re.M)


def files(ext):
    out = []
    for layer in LAYERS:
        d = os.path.join(LIB, layer)
        if os.path.isdir(d):
            out += [f"{layer}/{f}" for f in sorted(os.listdir(d)) if f.endswith(ext)]
    return out


def read(rel):
    with open(os.path.join(LIB, rel), encoding="utf-8") as f:
        return f.read()


def find_cycles(graph):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main(argv):
    problems = []
    srcs, hdrs = files(".c"), files(".h")
    known = set(srcs) | set(hdrs)
    inc_graph = {}
    for rel in srcs + hdrs:
        text = read(rel)
        layer = rel.split("/")[0]
        for lineno, line in enumerate(text.splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1)
            if target.startswith("aurmig/"):
                continue
            if target not in known:
                problems.append(f"lib/{rel}:{lineno}: includes \"{target}\", which is not a lib/<layer>/ header")
                continue
            tl = target.split("/")[0]
            if LAYERS.index(tl) > LAYERS.index(layer):
                problems.append(f"lib/{rel}:{lineno}: layer '{layer}' includes \"{target}\" of the higher layer '{tl}'")
            if rel.endswith(".h"):
                inc_graph.setdefault(rel, set()).add(target)
        if rel.endswith(".c"):
            n = text.count("\n")
            if n > MAX_LINES:
                problems.append(f"lib/{rel}: {n} lines, more than {MAX_LINES}")
    for cyc in find_cycles(inc_graph):
        problems.append("include circle between headers: " + " -> ".join(cyc))

    defined_in = {}
    for rel in srcs:
        for m in DEFN.finditer(read(rel)):
            defined_in.setdefault(m.group(1), set()).add(rel.split("/")[0])
    for rel in hdrs:
        layer = rel.split("/")[0]
        for m in DECL.finditer(read(rel)):
            name = m.group(1)
            where = defined_in.get(name)
            if where and layer not in where:
                problems.append(f"lib/{rel}: declares {name}, defined in lib/{'/'.join(sorted(where))}/")

    if len(argv) > 2 and argv[1] == "--objects":
        problems += object_cycles(argv[2])

    for p in problems:
        print(p)
    print(f"check-layers: {len(srcs)} sources, {len(hdrs)} headers, {len(problems)} problem(s)")
    return 1 if problems else 0


def object_cycles(builddir):
    objs = []
    for dirpath, _, names in os.walk(builddir):
        if "aurmig_internal" not in dirpath:
            continue
        objs += [os.path.join(dirpath, n) for n in names if n.endswith(".c.o")]
    if not objs:
        return [f"{builddir}: no objects of aurmig_internal found (build first)"]
    defs, uses = {}, {}
    for o in objs:
        name = os.path.basename(o)[:-4].replace("lib_", "", 1).replace("_", "/", 1)
        out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "TDBR":
                defs[parts[2]] = name
            elif len(parts) == 2 and parts[0] == "U":
                uses.setdefault(name, set()).add(parts[1])
    graph = {}
    for f, syms in uses.items():
        for s in syms:
            d = defs.get(s)
            if d and d != f:
                graph.setdefault(f, set()).add(d)
    problems = []
    for f in sorted(graph):
        for d in sorted(graph[f]):
            if LAYERS.index(d.split("/")[0]) > LAYERS.index(f.split("/")[0]):
                syms = sorted(s for s in uses[f] if defs.get(s) == d)
                problems.append(f"lib/{f}.c calls up into lib/{d}.c: {', '.join(syms)}")
    return problems + ["call circle between sources: " + ", ".join(c) for c in find_cycles(graph)]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
