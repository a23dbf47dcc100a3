#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""AUR-sized aurweb data for the 2020 schema (revision f47cad5d6d03).

usage: aurgen.py --scale F sqlite PATH          fill a SQLite file (schema included)
       aurgen.py --scale F mysql FILE.sql       write multi-row INSERTs for the mariadb client
       aurgen.py --scale F counts               print the row count of each table

Deterministic: the same scale gives the same rows (each table has its own
random.Random, seeded with the table's name and the scale). Scale 1 is the
size issue 20 measured the AUR at (ROWS below: 100k Users, 90k PackageBases,
100k Packages, 1M PackageVotes, 600k PackageDepends, 150k PackageRelations,
80k PackageComments, 200k PackageNotifications, 50k Sessions, 10k
PackageRequests, 150k PackageSources, 100k PackageKeywords and
PackageLicenses, 3,000 suspended users of whom 2,000 spam); the tables the
issue does not size get small counts of the same order as aur.archlinux.org's.
Every count is round(count * scale), at least 1.

What the chain must find in the rows (asserted by tests/bench/test_aur_smoke.py):
- the spam accounts (Suspended = 1, no row in any of the 14 content
  columns b7c419f0a2d1 checks) are the last SPAM user IDs; they have
  Sessions, SSHPubKeys and AcceptedTerms, which go with them; the other
  suspended users (the SUSPENDED - SPAM IDs before them) each cast a vote
  and stay;
- a fifth of Sessions are second sessions of a user (f2701a76f4a9 keeps the
  greatest SessionID of each user);
- 2% of PackageVotes.VoteTS are NULL (d64e5571bc8d sets them to 0);
- PackageBases.NumVotes is random, not the count (6441d3b65270 recounts);
- 5% of Users have an empty Passwd (a3f1c2d4e5b6: EmailVerified = 0).

expected(scale) gives the row counts after the upgrade to head.
"""
import hashlib
import os
import random
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCHEMA = os.path.join(ROOT, "tests", "aurweb", "data", "schema-2020-%s.sql")

ROWS = {
    "Users": 100000, "Suspended": 3000, "Spam": 2000,
    "PackageBases": 90000, "Packages": 100000, "PackageVotes": 1000000,
    "PackageDepends": 600000, "PackageRelations": 150000, "PackageComments": 80000,
    "PackageNotifications": 200000, "Sessions": 50000, "PackageRequests": 10000,
    "PackageSources": 150000, "PackageKeywords": 100000, "PackageLicenses": 100000,
    # not sized by the issue
    "Licenses": 500, "Groups": 200, "PackageGroups": 10000, "PackageComaintainers": 20000,
    "SSHPubKeys": 20000, "AcceptedTerms": 30000, "TU_VoteInfo": 500, "TU_Votes": 20000,
    "OfficialProviders": 10000, "PackageBlacklist": 500, "Bans": 100, "ApiRateLimit": 1000,
}
T0 = 1580000000  # 2020-01-26


def sizes(scale):
    return {k: max(1, int(round(v * scale))) for k, v in ROWS.items()}


def rng(name, scale):
    return random.Random("%s/%r" % (name, scale))


def hexid(*parts):
    return hashlib.md5("/".join(map(str, parts)).encode()).hexdigest()


def tables(scale):
    """(table, columns, iterator of rows) in foreign-key order."""
    n = sizes(scale)
    U, B, P = n["Users"], n["PackageBases"], n["Packages"]
    spam = min(n["Spam"], U // 4)
    susp = min(max(n["Suspended"], spam), U // 3)
    content = U - spam            # users 1..content may own content
    first_spam = content + 1
    kept_suspended = range(content - (susp - spam) + 1, content + 1)

    def users():
        r = rng("Users", scale)
        for i in range(1, U + 1):
            suspended = 1 if i >= kept_suspended.start else 0
            passwd = "" if r.random() < 0.05 else "$2y$10$" + hexid("pw", i)[:22]
            yield (i, 2 if i % 100 == 0 else 1, suspended, "user%d" % i, "user%d@example.org" % i,
                   None, 0, passwd, "", "", "User %d" % i, "en", "UTC", None, "", None,
                   T0 + r.randrange(10 ** 7), None, 0, None, 0, "2015-03-01 10:00:00", 1, 0, 1)

    def cuser(r):
        return r.randrange(1, content + 1)

    def bases():
        r = rng("PackageBases", scale)
        for i in range(1, B + 1):
            yield (i, "pkg%d" % i, r.randrange(50), "%.6f" % (r.random() * 10),
                   T0 + r.randrange(10 ** 7) if r.random() < 0.1 else None, "", T0 - r.randrange(10 ** 8),
                   T0 + r.randrange(10 ** 7), cuser(r) if r.random() < 0.05 else None, cuser(r),
                   cuser(r) if r.random() < 0.9 else None, cuser(r))

    def packages():
        r = rng("Packages", scale)
        for i in range(1, P + 1):
            base = i if i <= B else r.randrange(1, B + 1)
            name = "pkg%d" % i if i <= B else "pkg%d-split%d" % (base, i)
            yield (i, base, name, "1.%d-1" % r.randrange(20), "package number %d" % i, "https://example.org/%s" % name)

    def unique_pairs(name, count, amax, bmax, seed_pairs=()):
        r = rng(name, scale)
        seen = set()
        for a, b in seed_pairs:
            if (a, b) not in seen:
                seen.add((a, b))
                yield a, b, r
        count = min(count, amax * bmax)
        while len(seen) < count:
            a, b = r.randrange(1, amax + 1), r.randrange(1, bmax + 1)
            if (a, b) not in seen:
                seen.add((a, b))
                yield a, b, r

    def votes():
        # every kept suspended user votes for base 1 (content: not spam)
        for u, b, r in unique_pairs("PackageVotes", n["PackageVotes"], content, B,
                                    [(u, 1) for u in kept_suspended]):
            yield (u, b, None if r.random() < 0.02 else T0 + r.randrange(10 ** 7))

    def depends():
        r = rng("PackageDepends", scale)
        for _ in range(n["PackageDepends"]):
            yield (r.randrange(1, P + 1), r.randrange(1, 5), "pkg%d" % r.randrange(1, P + 1), None,
                   ">=1.0" if r.random() < 0.2 else "", None)

    def relations():
        r = rng("PackageRelations", scale)
        for _ in range(n["PackageRelations"]):
            yield (r.randrange(1, P + 1), r.randrange(1, 4), "rel%d" % r.randrange(1, P + 1), "", None)

    def comments():
        r = rng("PackageComments", scale)
        for i in range(1, n["PackageComments"] + 1):
            edited = r.random() < 0.1
            deleted = r.random() < 0.03
            yield (i, r.randrange(1, B + 1), cuser(r) if r.random() < 0.97 else None,
                   "comment %d: builds fine here, thanks for maintaining it. %s" % (i, hexid("c", i)), "",
                   T0 + r.randrange(10 ** 7), T0 + 10 ** 7 if edited else None, cuser(r) if edited else None,
                   T0 + 2 * 10 ** 7 if deleted else None, cuser(r) if deleted else None, 0)

    def notifications():
        for u, b, r in unique_pairs("PackageNotifications", n["PackageNotifications"], content, B):
            yield (b, u)

    def sessions():
        # four fifths first sessions (a tenth of all of spam accounts), one
        # fifth second sessions of those users
        r = rng("Sessions", scale)
        count = n["Sessions"]
        first = count - count // 5
        who = [first_spam + i % spam if i < count // 10 else r.randrange(1, U + 1) for i in range(first)]
        for i in range(count):
            u = who[i] if i < first else r.choice(who)
            yield (u, hexid("session", i), T0 + r.randrange(10 ** 7))

    def requests():
        r = rng("PackageRequests", scale)
        for i in range(1, n["PackageRequests"] + 1):
            base = r.randrange(1, B + 1)
            closed = r.random() < 0.5
            yield (i, r.randrange(1, 4), base if r.random() < 0.9 else None, "pkg%d" % base, None, cuser(r),
                   "please delete", "", T0 + r.randrange(10 ** 7), T0 + 10 ** 7 if closed else None,
                   cuser(r) if closed else None, 2 if closed else 0)

    def sources():
        r = rng("PackageSources", scale)
        for _ in range(n["PackageSources"]):
            p = r.randrange(1, P + 1)
            yield (p, "https://example.org/src/pkg%d-1.0.tar.gz" % p, None)

    def keywords():
        for b, k, r in unique_pairs("PackageKeywords", n["PackageKeywords"], B, 400):
            yield (b, "keyword%d" % k)

    def licenses():
        for i in range(1, n["Licenses"] + 1):
            yield (i, "license-%d" % i)

    def package_licenses():
        for p, lic, r in unique_pairs("PackageLicenses", n["PackageLicenses"], P, n["Licenses"]):
            yield (p, lic)

    def groups():
        for i in range(1, n["Groups"] + 1):
            yield (i, "group-%d" % i)

    def package_groups():
        for p, g, r in unique_pairs("PackageGroups", n["PackageGroups"], P, n["Groups"]):
            yield (p, g)

    def comaintainers():
        r = rng("PackageComaintainers", scale)
        for _ in range(n["PackageComaintainers"]):
            yield (cuser(r), r.randrange(1, B + 1), r.randrange(1, 4))

    def ssh():
        r = rng("SSHPubKeys", scale)
        for i in range(n["SSHPubKeys"]):
            u = first_spam + i % spam if i % 10 == 0 else r.randrange(1, U + 1)
            yield (u, "SHA256:" + hexid("fp", i)[:37], "ssh-ed25519 AAAA%s user%d" % (hexid("key", i), u))

    def terms():
        yield (1, "Terms of service", "https://aur.archlinux.org/tos", 1)
        yield (2, "Code of conduct", "https://terms.archlinux.org/docs/code-of-conduct/", 1)
        yield (3, "Privacy policy", "https://terms.archlinux.org/docs/privacy-policy/", 2)

    def accepted():
        r = rng("AcceptedTerms", scale)
        for i in range(n["AcceptedTerms"]):
            u = first_spam + i % spam if i % 10 == 0 else r.randrange(1, U + 1)
            yield (u, r.randrange(1, 4), 1)

    def voteinfo():
        r = rng("TU_VoteInfo", scale)
        for i in range(1, n["TU_VoteInfo"] + 1):
            yield (i, "proposal %d" % i, "user%d" % i, T0 + i * 1000, T0 + i * 1000 + 604800, "0.66", cuser(r),
                   r.randrange(30), r.randrange(20), r.randrange(10), r.randrange(40, 250))

    def tu_votes():
        r = rng("TU_Votes", scale)
        for _ in range(n["TU_Votes"]):
            yield (r.randrange(1, n["TU_VoteInfo"] + 1), cuser(r))

    def providers():
        for i in range(1, n["OfficialProviders"] + 1):
            yield (i, "official%d" % i, "extra", "official%d" % i)

    def blacklist():
        for i in range(1, n["PackageBlacklist"] + 1):
            yield (i, "blocked%d" % i)

    def bans():
        for i in range(n["Bans"]):
            yield ("10.%d.%d.%d" % (i // 65536, i // 256 % 256, i % 256), "2020-01-01 00:00:00")

    def ratelimit():
        for i in range(n["ApiRateLimit"]):
            yield ("192.168.%d.%d" % (i // 256, i % 256), 1 + i % 100, T0 + i)

    U_COLS = ("ID", "AccountTypeID", "Suspended", "Username", "Email", "BackupEmail", "HideEmail", "Passwd",
              "Salt", "ResetKey", "RealName", "LangPreference", "Timezone", "Homepage", "IRCNick", "PGPKey",
              "LastLogin", "LastLoginIPAddress", "LastSSHLogin", "LastSSHLoginIPAddress", "InactivityTS",
              "RegistrationTS", "CommentNotify", "UpdateNotify", "OwnershipNotify")
    return [
        ("Users", U_COLS, users()),
        ("Terms", ("ID", "Description", "URL", "Revision"), terms()),
        ("AcceptedTerms", ("UsersID", "TermsID", "Revision"), accepted()),
        ("Licenses", ("ID", "Name"), licenses()),
        ("Groups", ("ID", "Name"), groups()),
        ("OfficialProviders", ("ID", "Name", "Repo", "Provides"), providers()),
        ("PackageBlacklist", ("ID", "Name"), blacklist()),
        ("Bans", ("IPAddress", "BanTS"), bans()),
        ("ApiRateLimit", ("IP", "Requests", "WindowStart"), ratelimit()),
        ("PackageBases", ("ID", "Name", "NumVotes", "Popularity", "OutOfDateTS", "FlaggerComment", "SubmittedTS",
                          "ModifiedTS", "FlaggerUID", "SubmitterUID", "MaintainerUID", "PackagerUID"), bases()),
        ("Packages", ("ID", "PackageBaseID", "Name", "Version", "Description", "URL"), packages()),
        ("PackageVotes", ("UsersID", "PackageBaseID", "VoteTS"), votes()),
        ("PackageDepends", ("PackageID", "DepTypeID", "DepName", "DepDesc", "DepCondition", "DepArch"), depends()),
        ("PackageRelations", ("PackageID", "RelTypeID", "RelName", "RelCondition", "RelArch"), relations()),
        ("PackageComments", ("ID", "PackageBaseID", "UsersID", "Comments", "RenderedComment", "CommentTS",
                             "EditedTS", "EditedUsersID", "DelTS", "DelUsersID", "PinnedTS"), comments()),
        ("PackageNotifications", ("PackageBaseID", "UserID"), notifications()),
        ("Sessions", ("UsersID", "SessionID", "LastUpdateTS"), sessions()),
        ("PackageRequests", ("ID", "ReqTypeID", "PackageBaseID", "PackageBaseName", "MergeBaseName", "UsersID",
                             "Comments", "ClosureComment", "RequestTS", "ClosedTS", "ClosedUID", "Status"), requests()),
        ("PackageSources", ("PackageID", "Source", "SourceArch"), sources()),
        ("PackageKeywords", ("PackageBaseID", "Keyword"), keywords()),
        ("PackageLicenses", ("PackageID", "LicenseID"), package_licenses()),
        ("PackageGroups", ("PackageID", "GroupID"), package_groups()),
        ("PackageComaintainers", ("UsersID", "PackageBaseID", "Priority"), comaintainers()),
        ("SSHPubKeys", ("UserID", "Fingerprint", "PubKey"), ssh()),
        ("TU_VoteInfo", ("ID", "Agenda", "User", "Submitted", "End", "Quorum", "SubmitterID", "Yes", "No", "Abstain",
                         "ActiveTUs"), voteinfo()),
        ("TU_Votes", ("VoteID", "UserID"), tu_votes()),
    ]


def facts(scale):
    """What the upgraded database must hold: row counts of the tables the
    chain changes and of a few it must leave alone, computed from the rows
    (the rows are generated again, so this costs a generation)."""
    out = {}
    spam_ids = set()
    n = sizes(scale)
    U = n["Users"]
    spam = min(n["Spam"], U // 4)
    spam_ids = set(range(U - spam + 1, U + 1))
    sess = {}
    for table, cols, rows in tables(scale):
        if table == "Sessions":
            for u, sid, _ in rows:
                if u not in spam_ids:
                    sess[u] = max(sess.get(u, ""), sid)
            out["Sessions"] = len(sess)
        elif table == "Users":
            rows = list(rows)
            out["Users"] = sum(1 for r in rows if r[0] not in spam_ids)
            out["EmailVerified"] = sum(1 for r in rows if r[0] not in spam_ids and r[7] != "")
        elif table in ("SSHPubKeys", "AcceptedTerms"):
            out[table] = sum(1 for r in rows if r[0] not in spam_ids)
        elif table == "PackageVotes":
            rows = list(rows)
            out["PackageVotes"] = len(rows)
            out["VoteTS0"] = sum(1 for r in rows if r[2] is None)
        else:
            out[{"TU_VoteInfo": "VoteInfo", "TU_Votes": "Votes"}.get(table, table)] = sum(1 for _ in rows)
    return out


def schema_statements(dialect):
    with open(SCHEMA % dialect, encoding="utf-8") as f:
        return f.read()


def fill_sqlite(path, scale):
    con = sqlite3.connect(path, isolation_level=None)
    con.executescript(schema_statements("sqlite"))
    con.execute("PRAGMA journal_mode = DELETE")
    con.execute("BEGIN")
    for table, cols, rows in tables(scale):
        q = 'INSERT INTO "%s" (%s) VALUES (%s)' % (table, ", ".join('"%s"' % c for c in cols),
                                                   ", ".join("?" * len(cols)))
        con.executemany(q, rows)
    con.execute("COMMIT")
    con.execute("ANALYZE") if os.environ.get("AURGEN_ANALYZE") else None
    con.close()


def lit(v):
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("\\", "\\\\").replace("'", "''") + "'"


def write_mysql(f, scale, per=2000):
    """Multi-row INSERTs (per rows each) for the mariadb client, with the
    foreign-key and unique checks off while loading."""
    f.write("SET FOREIGN_KEY_CHECKS = 0, UNIQUE_CHECKS = 0, AUTOCOMMIT = 0;\n")
    for table, cols, rows in tables(scale):
        head = "INSERT INTO `%s` (%s) VALUES\n" % (table, ", ".join("`%s`" % c for c in cols))
        batch = []
        for r in rows:
            batch.append("(" + ", ".join(lit(v) for v in r) + ")")
            if len(batch) == per:
                f.write(head + ",\n".join(batch) + ";\n")
                batch = []
        if batch:
            f.write(head + ",\n".join(batch) + ";\n")
        f.write("COMMIT;\n")
    f.write("SET FOREIGN_KEY_CHECKS = 1, UNIQUE_CHECKS = 1;\n")


def main(argv):
    scale = 1.0
    if len(argv) > 2 and argv[1] == "--scale":
        scale = float(argv[2])
        argv = argv[:1] + argv[3:]
    if len(argv) == 2 and argv[1] == "counts":
        for table, cols, rows in tables(scale):
            print("%-22s %d" % (table, sum(1 for _ in rows)))
        return 0
    if len(argv) != 3 or argv[1] not in ("sqlite", "mysql"):
        sys.stderr.write(__doc__)
        return 2
    if argv[1] == "sqlite":
        if os.path.exists(argv[2]):
            os.unlink(argv[2])
        fill_sqlite(argv[2], scale)
    else:
        with open(argv[2], "w", encoding="utf-8") as f:
            write_mysql(f, scale)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
