# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures: the branched test graph, and a fresh database per test on SQLite
and, when tests/servers/start.sh exported their URLs, MariaDB and PostgreSQL."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import dbs  # noqa: E402

SOURCE_ROOT = os.environ.get("AURMIG_SOURCE_ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
GRAPH = os.path.join(SOURCE_ROOT, "tests", "data", "graphs", "branched")
A, B1, B2, C1, C2, M, D = ("1000aaaa0001", "2000bbbb0001", "2000bbbb0002", "3000cccc0001", "3000cccc0002",
                           "4000dddd0001", "5000eeee0001")


@pytest.fixture(scope="session")
def server_graph(tmp_path_factory):
    return dbs.portable_graph(GRAPH, str(tmp_path_factory.mktemp("graph-servers")))


@pytest.fixture(params=["sqlite", "mysql", "pgsql"])
def db(request, tmp_path, server_graph):
    """(url, migrations directory) of a fresh, empty database."""
    kind = request.param
    if kind == "sqlite":
        yield "sqlite:///%s" % (tmp_path / "t.db"), GRAPH
        return
    base = dbs.available().get(kind)
    if not base:
        pytest.skip("%s not set" % dbs.ENV[kind])
    url, name = dbs.create(kind, base, "py")
    try:
        yield url, server_graph
    finally:
        dbs.drop(kind, base, name)


@pytest.fixture
def sqlite_db(tmp_path):
    return "sqlite:///%s" % (tmp_path / "t.db"), GRAPH
