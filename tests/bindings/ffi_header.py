# SPDX-License-Identifier: GPL-2.0-or-later
"""Reading the generated FFI header (bindings/php/aurmig.ffi.h): its
functions, enum constants and structs. Shared by check_ffi_header.py and the
Python binding's tests."""
import re


def body(text):
    """The declarations: without the FFI_SCOPE/FFI_LIB lines and comments."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))


def tokens(text):
    return re.findall(r'"(?:\\.|[^"\\])*"|[A-Za-z_]\w*|\d[\w.]*|\.\.\.|->|[^\s\w]', body(text))


def statements(text):
    """Top-level declarations, each as one line of tokens joined by spaces."""
    out, cur, depth = [], [], 0
    for t in tokens(text):
        cur.append(t)
        if t == "{":
            depth += 1
        elif t == "}":
            depth -= 1
        elif t == ";" and depth == 0:
            out.append(" ".join(cur))
            cur = []
    if cur:
        out.append(" ".join(cur))
    return out


def functions(text):
    """{name: (return type, [parameter types])}, types normalised like
    aurmig._native.normalise_type (parameter names dropped)."""
    out = {}
    for s in statements(text):
        if s.startswith("typedef") or "(" not in s:
            continue
        m = re.match(r"^(.*?)\b(aurmig_\w+) \( (.*) \) ;$", s)
        if not m:
            raise ValueError("cannot read declaration: " + s)
        ret, name, params = m.groups()
        ptypes = []
        if params.strip() not in ("", "void"):
            for p in split_params(params):
                words = p.split()
                # the last identifier is the name when a type comes before it
                if len(words) > 1 and re.match(r"^[A-Za-z_]\w*$", words[-1]) and words[-1] not in (
                        "int", "long", "double", "char", "void", "const", "unsigned", "size_t"):
                    words = words[:-1]
                ptypes.append(norm(" ".join(words)))
        out[name] = (norm(ret), ptypes)
    return out


def split_params(params):
    parts, depth, cur = [], 0, []
    for t in params.split():
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
        if t == "," and depth == 0:
            parts.append(" ".join(cur))
            cur = []
        else:
            cur.append(t)
    parts.append(" ".join(cur))
    return parts


def norm(t):
    t = re.sub(r"\s*\*\s*", " *", t.strip())
    t = re.sub(r"\s+", " ", t)
    while "* *" in t:
        t = t.replace("* *", "**")
    return t.replace("* const", "*const").strip()


def enums(text):
    """{constant: value} of every enum."""
    out = {}
    for s in statements(text):
        m = re.match(r"^typedef enum (\w+) \{ (.*) \} (\w+) ;$", s)
        if not m:
            continue
        value = -1
        for item in m.group(2).split(","):
            item = item.strip()
            if not item:
                continue
            if "=" in item:
                name, expr = item.split("=", 1)
                value = int(expr.replace(" ", ""), 0)
            else:
                name = item
                value += 1
            out[name.strip()] = value
    return out


def enum_names(text):
    return [re.match(r"^typedef enum (\w+)", s).group(1) for s in statements(text)
            if s.startswith("typedef enum")]


def structs(text):
    """{struct: [(field type, field name)]} of the structs with a body."""
    out = {}
    for s in statements(text):
        m = re.match(r"^typedef struct (\w+) \{ (.*) \} (\w+) ;$", s)
        if not m:
            continue
        fields = []
        for f in m.group(2).split(";"):
            f = f.strip()
            if not f:
                continue
            fm = re.match(r"^(.*?)(\w+)$", f)
            fields.append((norm(fm.group(1)), fm.group(2)))
        out[m.group(1)] = fields
    return out
