# SPDX-License-Identifier: GPL-2.0-or-later
"""The first deploy from Python (issue 17): the read-only start-up check on
a missing SQLite file, Migrator.init(), and upgrade() building an empty
database from the declared schema."""
import os

import pytest

import aurmig
from conftest import GRAPH, SOURCE_ROOT

AURWEB = os.path.join(SOURCE_ROOT, "migrations")


def test_status_on_a_missing_file_creates_nothing(tmp_path):
    path = tmp_path / "typo.db"
    with pytest.raises(aurmig.NotFoundError) as e:
        aurmig.status(GRAPH, "sqlite:///%s" % path)
    assert "no such database file: %s" % path in str(e.value)
    assert not path.exists()


def test_init_builds_an_empty_database(tmp_path):
    url = "sqlite:///%s" % (tmp_path / "aur.db")
    with aurmig.Migrator(AURWEB, url) as m:
        head = [r.id for r in m.heads()]
        assert m.init() == head
        assert m.check().at_head
        with pytest.raises(aurmig.Error) as e:
            m.init()
        assert "not empty" in str(e.value)


def test_upgrade_builds_an_empty_database_from_the_schema(tmp_path):
    url = "sqlite:///%s" % (tmp_path / "aur.db")
    with aurmig.Migrator(AURWEB, url) as m:
        head = [r.id for r in m.heads()]
        with m.plan("upgrade", "heads") as plan:
            assert plan.init_schema == os.path.join(AURWEB, "schema", "sqlite.sql")
            assert plan.after == head
            assert list(plan) == []          # the schema is at the heads: no step after it
        assert m.current_rows() == head
        assert aurmig.status(AURWEB, url).at_head
        with m.plan("upgrade", "heads") as plan:
            assert plan.init_schema is None
