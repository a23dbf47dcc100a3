#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every packaging file names the project's one contact, AUTHORS' 'Contact:'
line (a team, not a person): debian/control's Maintainer, each signature in
debian/changelog, debian/copyright's Upstream-Contact and copyright holder,
the PKGBUILD's '# Maintainer:', pyproject.toml's maintainers and
composer.json's authors. Usage: check_contact.py SOURCE_ROOT"""
import json
import os
import re
import sys
import tomllib


def main():
    root = sys.argv[1]

    def read(rel):
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            return f.read()

    m = re.search(r"^Contact: ((.+?) <([^<>@\s]+@[^<>@\s]+)>)$", read("AUTHORS"), re.M)
    if not m:
        sys.exit("FAIL: AUTHORS has no line 'Contact: NAME <ADDRESS>'")
    contact, name, email = m.groups()
    found = []   # (file, what, value)
    control = read("debian/control")
    found.append(("debian/control", "Maintainer", re.search(r"^Maintainer: (.*)$", control, re.M).group(1)))
    for sig in re.findall(r"^ -- (.+?>)  ", read("debian/changelog"), re.M):
        found.append(("debian/changelog", "signature", sig))
    copyright_ = read("debian/copyright")
    up = re.search(r"^Upstream-Contact: (.*)$", copyright_, re.M)
    found.append(("debian/copyright", "Upstream-Contact", up.group(1) if up else None))
    holders = re.findall(r"^Copyright: \d{4}(?:-\d{4})? (.*)$", copyright_, re.M)
    found += [("debian/copyright", "Copyright holder", h + " <" + email + ">") for h in holders] or \
        [("debian/copyright", "Copyright holder", None)]
    pm = re.search(r"^# Maintainer: (.*)$", read("contrib/archlinux/PKGBUILD"), re.M)
    found.append(("contrib/archlinux/PKGBUILD", "# Maintainer:", pm.group(1) if pm else None))
    for who in tomllib.loads(read("bindings/python/pyproject.toml"))["project"].get("maintainers", [None]):
        found.append(("bindings/python/pyproject.toml", "maintainers",
                      who and "%s <%s>" % (who.get("name"), who.get("email"))))
    for who in json.loads(read("bindings/php/composer.json")).get("authors", [None]):
        found.append(("bindings/php/composer.json", "authors",
                      who and "%s <%s>" % (who.get("name"), who.get("email"))))
    bad = [(f, what, v) for f, what, v in found if v != contact]
    for f, what, v in bad:
        print("FAIL: %s: %s is %r, not AUTHORS' contact %r" % (f, what, v, contact))
    if bad:
        sys.exit(1)
    print("ok: %d places name %s" % (len(found), contact))


if __name__ == "__main__":
    main()
