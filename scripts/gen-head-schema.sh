#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Regenerate the head schema that `aurmig init` runs, from our own migration
# chain, and the 2020 test fixture:
#
#   migrations/schema/sqlite.sql           head schema + seed rows, SQLite
#   migrations/schema/mysql.sql            head schema + seed rows, MariaDB
#   tests/aurweb/data/schema-2020-sqlite.sql   the 2020 schema (revision
#   tests/aurweb/data/schema-2020-mysql.sql    f47cad5d6d03) + its seed rows
#
# usage: scripts/gen-head-schema.sh [--out DIR] [--dialects sqlite,mysql]
#                                   [--mysql-socket SOCK --mysql-user USER]
#
# How: migrations/*.sql is copied into a temporary directory WITHOUT schema/
# (otherwise `aurmig upgrade` refuses an empty database and points at init),
# an empty database is brought to the head (and another one to the baseline
# f47cad5d6d03) with `aurmig upgrade`, and the result is dumped:
#
# - SQLite: the CREATE TABLE text SQLite keeps in sqlite_master, laid out one
#   column or constraint per line (only whitespace outside quotes changes),
#   then the table's CREATE INDEX statements by name.
# - MariaDB: a throwaway server (tests/servers/start.sh on a free port, or the
#   one named by --mysql-socket), databases created CHARACTER SET utf8 as on
#   aur.archlinux.org, `mariadb-dump --no-data --skip-comments`, cleaned of
#   session-variable lines, AUTO_INCREMENT counters and of the table charset
#   where it is only the database default (those tables, the integer-only
#   ones, take the default of the database they are created in, as they do
#   when the chain runs).
#
# Tables come in a stable order: alphabetical, except that a table comes
# after the tables its foreign keys reference. The seed rows (AccountTypes,
# DependencyTypes, RelationTypes, RequestTypes) follow at the end as one
# INSERT per row, by primary key. alembic_version and aurmig_journal are left
# out: `aurmig init` writes them itself.
#
# --out DIR writes the files under DIR (same relative paths) instead of the
# source tree, e.g. to compare with the committed ones:
#   scripts/gen-head-schema.sh --out /tmp/g && diff -r migrations/schema /tmp/g/migrations/schema
# --dialects limits the run to some dialects (default: sqlite,mysql).
# --mysql-socket/--mysql-user use a running MariaDB instead of starting one;
# the user must be able to create and drop databases named aurmig_gen_*
# (password, if any, in MYSQL_PWD).
#
# Environment: AURMIG (the CLI; default build/cli/aurmig, built with ninja
# first when build/ exists).
set -eu

cd "$(dirname "$0")/.."
ROOT=$(pwd)

OUT=$ROOT
DIALECTS=sqlite,mysql
MY_SOCK=
MY_USER=
while [ $# -gt 0 ]; do
	case "$1" in
	--out) OUT=$2; shift 2;;
	--dialects) DIALECTS=$2; shift 2;;
	--mysql-socket) MY_SOCK=$2; shift 2;;
	--mysql-user) MY_USER=$2; shift 2;;
	-h|--help) sed -n '3,/^set -eu$/p' "$0" | sed '$d; s/^# \{0,1\}//; s/^#$//'; exit 0;;
	*) echo "gen-head-schema: unknown argument '$1' (see --help)" >&2; exit 2;;
	esac
done
if [ -n "$MY_SOCK" ] && [ -z "$MY_USER" ]; then
	echo "gen-head-schema: --mysql-socket needs --mysql-user" >&2
	exit 2
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# aurweb's baseline: the 2020 schema (docs/aurweb-migrations.md)
BASELINE=f47cad5d6d03
PYTHON=/usr/bin/python3

if [ -z "${AURMIG:-}" ]; then
	AURMIG=$ROOT/build/cli/aurmig
	[ ! -d build ] || ninja -C build >/dev/null
fi
[ -x "$AURMIG" ] || { echo "gen-head-schema: $AURMIG not found: build first (meson setup build && ninja -C build)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/gen-head-schema.XXXXXX)
# the MariaDB server runs as user mysql when we are root: it must reach its
# directory under $WORK
chmod 755 "$WORK"
SERVER_STARTED=0
cleanup() {
	rc=$?
	trap - EXIT INT TERM HUP
	if [ "$SERVER_STARTED" -eq 1 ]; then
		AURMIG_TEST_SERVERS=mysql "$ROOT/tests/servers/stop.sh" "$WORK/srv" >/dev/null 2>&1 || true
	fi
	rm -rf "$WORK"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# The chain, without schema/ (an empty database must be upgraded, not init'ed).
mkdir "$WORK/migrations"
cp migrations/*.sql "$WORK/migrations/"
heads=$("$AURMIG" --no-color --dir "$WORK/migrations" heads)
HEAD=${heads%% *}
if [ "$(printf '%s\n' "$heads" | wc -l)" -ne 1 ] || [ -z "$HEAD" ]; then
	echo "gen-head-schema: the migrations must have exactly one head, not:" >&2
	printf '%s\n' "$heads" >&2
	exit 1
fi

# The dumper: python, because ordering tables by foreign keys and laying out
# SQLite's CREATE TABLE text is easier there than in sh.
cat >"$WORK/dump.py" <<'PY'
import re, sqlite3, subprocess, sys

SKIP = {"alembic_version", "aurmig_journal"}
SEEDS = ["AccountTypes", "DependencyTypes", "RelationTypes", "RequestTypes"]


def ordered(tables, refs):
    """Alphabetical, but every table after the tables it references."""
    done, out = set(), []
    todo = sorted(tables)
    while todo:
        for t in todo:
            if all(r in done or r == t or r not in tables for r in refs.get(t, ())):
                break
        else:
            sys.exit("dump: foreign-key cycle among %s" % ", ".join(todo))
        todo.remove(t)
        done.add(t)
        out.append(t)
    return out


def sql_value(v):
    if v is None:
        return "NULL"
    if isinstance(v, (int, float)):
        return repr(v)
    return "'" + str(v).replace("'", "''") + "'"


def split_top(body):
    """Split at commas outside parentheses and quotes; collapse whitespace
    outside quotes (string literals stay byte for byte)."""
    items, cur, depth, i, n = [], [], 0, 0, len(body)
    close = {"'": "'", '"': '"', "`": "`", "[": "]"}
    while i < n:
        c = body[i]
        if c in close:
            j = i + 1
            while j < n:
                if body[j] == close[c]:
                    if c != "[" and j + 1 < n and body[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            cur.append(body[i:j + 1])
            i = j + 1
            continue
        if c.isspace():
            if cur and cur[-1] != " ":
                cur.append(" ")
            i += 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if c == "," and depth == 0:
            items.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    items.append("".join(cur).strip())
    return [x for x in items if x]


def layout_table(sql):
    head, _, rest = sql.partition("(")
    body = rest[:rest.rindex(")")]
    tail = rest[rest.rindex(")") + 1:].strip()
    head = " ".join(head.split())
    return head + " (\n\t" + ",\n\t".join(split_top(body)) + "\n)" + (" " + tail if tail else "")


def dump_sqlite(path):
    db = sqlite3.connect(path)
    names = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")]
    tables = [t for t in names if t not in SKIP]
    refs = {t: {r[2] for r in db.execute("SELECT * FROM pragma_foreign_key_list(?)", (t,))} for t in tables}
    other = db.execute("SELECT type, name FROM sqlite_master WHERE type IN ('view', 'trigger')").fetchall()
    if other:
        sys.exit("dump: views/triggers are not handled: %r" % other)
    out = []
    for t in ordered(tables, refs):
        (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (t,)).fetchone()
        out.append(layout_table(sql) + ";")
        for (isql,) in db.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                                  "AND sql IS NOT NULL ORDER BY name", (t,)):
            out.append(" ".join(isql.split()) + ";")
        out.append("")
    out.append("-- Seed rows")
    for t in SEEDS:
        cols = [r[1] for r in db.execute("SELECT * FROM pragma_table_info(?)", (t,))]
        for row in db.execute("SELECT %s FROM %s ORDER BY 1" % (", ".join(cols), t)):
            out.append("INSERT INTO %s (%s) VALUES (%s);" % (t, ", ".join(cols), ", ".join(map(sql_value, row))))
    return "\n".join(out) + "\n"


def run(tool, sock, user, args):
    cmd = [tool, "--no-defaults", "--socket=" + sock, "--user=" + user] + args
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout


def dump_mysql(sock, user, db):
    q = lambda sql: [l.split("\t") for l in
                     run("mariadb", sock, user, ["--batch", "--skip-column-names", "-e", sql, db]).splitlines()]
    (cs, coll), = q("SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA "
                    "WHERE SCHEMA_NAME = DATABASE()")
    tables = [r[0] for r in q("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")
              if r[0] not in SKIP]
    refs = {}
    for t, r in q("SELECT TABLE_NAME, REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS "
                  "WHERE CONSTRAINT_SCHEMA = DATABASE()"):
        refs.setdefault(t, set()).add(r)
    order = ordered(tables, refs)
    ddl = run("mariadb-dump", sock, user, ["--no-data", "--skip-comments", "--compact", "--skip-add-drop-table",
                                           "--skip-triggers", db] + order)
    rows = run("mariadb-dump", sock, user, ["--no-create-info", "--skip-comments", "--compact",
                                            "--skip-extended-insert", "--complete-insert", "--order-by-primary",
                                            "--skip-triggers", db] + SEEDS)
    default_opts = " DEFAULT CHARSET=%s COLLATE=%s" % (cs, coll)
    out = []
    # session variables (/*!40101 SET ... */;) and the sandbox marker (/*M!999999\- ... */)
    noise = lambda line: line.startswith("/*") and line.rstrip().endswith(("*/", "*/;"))
    for line in ddl.splitlines():
        if noise(line):
            continue
        if line.startswith(") ENGINE="):
            line = re.sub(r" AUTO_INCREMENT=\d+", "", line)
            line = line.replace(default_opts + ";", ";")
        out.append(line)
        if line.startswith(") ENGINE="):
            out.append("")
    out.append("-- Seed rows")
    out += [line for line in rows.splitlines() if not noise(line)]
    text = "\n".join(out) + "\n"
    for t in order:
        if ("CREATE TABLE `%s` (" % t) not in text:
            sys.exit("dump: table %s missing from mariadb-dump's output" % t)
    return text


if __name__ == "__main__":
    if sys.argv[1] == "sqlite":
        sys.stdout.write(dump_sqlite(sys.argv[2]))
    else:
        sys.stdout.write(dump_mysql(*sys.argv[2:5]))
PY

# write_file DIALECT KIND OUTPUT-PATH BODY-FILE
write_file() {
	d=$1 kind=$2 path=$3 body=$4
	case $d in
	sqlite) how="built with 'aurmig upgrade' on an empty SQLite database, dumped from sqlite_master";;
	mysql) how="built with 'aurmig upgrade' on an empty MariaDB database (CHARACTER SET utf8), dumped
-- with 'mariadb-dump --no-data --skip-comments' (session variables, AUTO_INCREMENT counters and
-- table charsets equal to the database default removed).
-- Dumped from MariaDB $MY_VERSION";;
	esac
	mkdir -p "$(dirname "$path")"
	{
		if [ "$kind" = head ]; then
			echo "-- aurmig:schema-revision $HEAD"
			echo "--"
			echo "-- GENERATED by scripts/gen-head-schema.sh: do not edit, run the script again."
			echo "-- aurweb's schema at revision $HEAD (the head of migrations/) with the seed rows:"
			echo "-- $how."
			echo "-- 'aurmig init' runs it on an empty database and stamps $HEAD."
			echo "-- How it differs from an upgraded database and from aurweb's own fresh schema:"
			echo "-- migrations/schema/DIFFERENCES.md."
		else
			echo "-- The aurweb schema of 2020 (revision $BASELINE, the baseline) with its seed rows,"
			echo "-- as an unstamped production database had it: no alembic_version table."
			echo "--"
			echo "-- GENERATED by scripts/gen-head-schema.sh from migrations/${BASELINE}_*.sql:"
			echo "-- $how."
			echo "-- Test data for tests/aurweb/; regenerate, do not edit."
		fi
		echo
		cat "$body"
	} >"$path.tmp"
	mv "$path.tmp" "$path"
	echo "gen-head-schema: wrote ${path#"$OUT"/}"
}

# build DIALECT URL-OF-HEAD-DB URL-OF-2020-DB
build() {
	"$AURMIG" --no-color -q --dir "$WORK/migrations" --url "$2" upgrade "$HEAD"
	"$AURMIG" --no-color -q --dir "$WORK/migrations" --url "$3" upgrade "$BASELINE"
}

case ",$DIALECTS," in *,sqlite,*)
	build sqlite "sqlite:///$WORK/head.db" "sqlite:///$WORK/2020.db"
	"$PYTHON" "$WORK/dump.py" sqlite "$WORK/head.db" >"$WORK/head-sqlite.sql"
	"$PYTHON" "$WORK/dump.py" sqlite "$WORK/2020.db" >"$WORK/2020-sqlite.sql"
	write_file sqlite head "$OUT/migrations/schema/sqlite.sql" "$WORK/head-sqlite.sql"
	write_file sqlite 2020 "$OUT/tests/aurweb/data/schema-2020-sqlite.sql" "$WORK/2020-sqlite.sql"
	;;
esac

case ",$DIALECTS," in *,mysql,*)
	if [ -z "$MY_SOCK" ]; then
		port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		SERVER_STARTED=1
		AURMIG_TEST_SERVERS=mysql AURMIG_TEST_MYSQL_PORT=$port "$ROOT/tests/servers/start.sh" "$WORK/srv" 2>"$WORK/start.log" ||
			{ cat "$WORK/start.log" >&2; exit 1; }
		MY_SOCK=$(sed -n 's/^AURMIG_TEST_MYSQL_SOCKET=//p' "$WORK/srv/env")
		MY_USER=$(sed -n 's/^AURMIG_TEST_MYSQL_ADMIN_USER=//p' "$WORK/srv/env")
	fi
	DB_HEAD=aurmig_gen_head_$$
	DB_2020=aurmig_gen_2020_$$
	my() { mariadb --no-defaults --socket="$MY_SOCK" --user="$MY_USER" "$@"; }
	MY_VERSION=$(my --batch --skip-column-names -e "SELECT VERSION()")
	my -e "CREATE DATABASE $DB_HEAD CHARACTER SET utf8; CREATE DATABASE $DB_2020 CHARACTER SET utf8"
	url() { echo "mysql://$MY_USER${MYSQL_PWD:+:$MYSQL_PWD}@/$1?unix_socket=$MY_SOCK"; }
	rc=0
	{
		build mysql "$(url $DB_HEAD)" "$(url $DB_2020)" &&
		"$PYTHON" "$WORK/dump.py" mysql "$MY_SOCK" "$MY_USER" "$DB_HEAD" >"$WORK/head-mysql.sql" &&
		"$PYTHON" "$WORK/dump.py" mysql "$MY_SOCK" "$MY_USER" "$DB_2020" >"$WORK/2020-mysql.sql"
	} || rc=$?
	my -e "DROP DATABASE IF EXISTS $DB_HEAD; DROP DATABASE IF EXISTS $DB_2020" || true
	[ $rc -eq 0 ] || exit $rc
	write_file mysql head "$OUT/migrations/schema/mysql.sql" "$WORK/head-mysql.sql"
	write_file mysql 2020 "$OUT/tests/aurweb/data/schema-2020-mysql.sql" "$WORK/2020-mysql.sql"
	;;
esac
