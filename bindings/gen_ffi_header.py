#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate the FFI header: the public C API preprocessed for PHP's FFI
parser (which has no preprocessor) and ctypes/cffi users.

  gen_ffi_header.py --output OUT --scope aurmig --lib libaurmig.so.0 \\
      --header include/aurmig/aurmig.h -- CC [CC_ARGS...]

runs `CC CC_ARGS -E -P -DAURMIG_FFI HEADER` (AURMIG_FFI turns the export
macro into nothing and drops the system includes), puts each declaration in
a canonical layout (one line per member, no blank lines inside a
declaration, so gcc and clang give the same file), and prepends the two
lines PHP's FFI::load() reads: FFI_SCOPE and FFI_LIB. The result must not
contain any other preprocessor line; the generator fails if it does.
"""
import argparse
import re
import subprocess
import sys


def canonical(text):
    """One token stream, laid out one statement per line: ';' and '{' end
    a line, '}' starts one, enum members get a line each."""
    # A lone '#' line would be a leftover directive (pragmas, say): refuse.
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            raise SystemExit("gen_ffi_header: preprocessor line left in the output: " + line.strip())
    tokens = re.findall(r'"(?:\\.|[^"\\])*"|[A-Za-z_]\w*|\d[\w.]*|\.\.\.|->|[^\s\w]', text)
    out, line, depth = [], [], 0
    enum_body = []  # per brace level: is it an enum body?

    def flush():
        if line:
            out.append("  " * depth + join(line))
            line.clear()

    for t in tokens:
        if t == "{":
            line.append(t)
            is_enum = "enum" in line
            flush()
            depth += 1
            enum_body.append(is_enum)
        elif t == "}":
            flush()
            depth -= 1
            enum_body.pop()
            line.append(t)
        elif t == ";":
            line.append(t)
            flush()
        elif t == "," and enum_body and enum_body[-1] and not line_has_open_paren(line):
            line.append(t)
            flush()
        else:
            line.append(t)
    flush()
    return "\n".join(out) + "\n"


def join(tokens):
    """Tokens of one line, spaced the way people write C."""
    text = ""
    prev = None
    for i, t in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if prev is None:
            space = False
        elif t in (")", "]", ",", ";") or prev in ("(", "[") or prev == "*":
            space = False
        elif prev == "-" and i >= 2 and tokens[i - 2] in ("=", ",", "(", "["):
            space = False  # unary minus
        elif t == "(" and prev != "," and nxt != "*":
            space = False  # call or declarator: f(
        elif t == "(" and prev == ")":
            space = False
        else:
            space = True
        text += (" " if space else "") + t
        prev = t
    return text


def line_has_open_paren(line):
    return line.count("(") > line.count(")")


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--output", required=True)
    ap.add_argument("--scope", required=True)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--header", required=True)
    ap.add_argument("--python-declarations", metavar="FILE",
                    help="also rewrite the DECLARATIONS block of this file (bindings/python/aurmig/_native.py)")
    ap.add_argument("cc", nargs=argparse.REMAINDER)
    args = ap.parse_args(argv)
    cc = [a for a in args.cc if a != "--"] if args.cc[:1] == ["--"] else args.cc
    if not cc:
        ap.error("no compiler command after --")
    p = subprocess.run(cc + ["-E", "-P", "-DAURMIG_FFI", "-x", "c", args.header],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if p.returncode:
        sys.stderr.write(p.stderr)
        return 1
    body = canonical(p.stdout)
    for bad in ("__attribute__", "__declspec", 'extern "C"', "inline"):
        if bad in body:
            raise SystemExit("gen_ffi_header: '%s' in the preprocessed header; PHP FFI refuses it" % bad)
    text = ('#define FFI_SCOPE "%s"\n#define FFI_LIB "%s"\n' % (args.scope, args.lib)
            + "/* Generated from include/aurmig/aurmig.h by bindings/gen_ffi_header.py"
            " (cc -E -P -DAURMIG_FFI). Do not edit: run `ninja -C build update-ffi-header`. */\n"
            + body)
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)
    if args.python_declarations:
        write_python_declarations(args.python_declarations, body)
    return 0


def write_python_declarations(path, body):
    """Put the function declarations (one per line, as in the header) between
    the BEGIN/END DECLARATIONS markers of the ctypes module."""
    decls = [l for l in body.splitlines() if not l.startswith((" ", "typedef", "}")) and "(" in l]
    with open(path, encoding="utf-8") as f:
        src = f.read()
    m = re.search(r"(# BEGIN DECLARATIONS[^\n]*\n)(.*?)(# END DECLARATIONS)", src, re.S)
    if not m:
        raise SystemExit("gen_ffi_header: no DECLARATIONS markers in " + path)
    block = 'DECLARATIONS = """\n' + "\n".join(decls) + '\n"""\n'
    new = src[:m.start(2)] + block + src[m.end(2):]
    if new != src:
        with open(path, "w", encoding="utf-8") as f:
            f.write(new)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
