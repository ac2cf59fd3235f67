"""connection.snapshot: a copy of a file and its write-ahead log taken while neither changes."""

from __future__ import annotations

import itertools
import os

import duckdb
import pytest

from scistack_engine import connection
from scistack_engine.errors import DatabaseLockedError


@pytest.fixture
def db_with_wal(tmp_path) -> str:
    path = str(tmp_path / "w.duckdb")
    con = duckdb.connect(path)
    con.execute("SET checkpoint_threshold = '1GB'")
    con.execute("CREATE TABLE t AS SELECT range AS i FROM range(1000)")
    con.execute("CHECKPOINT")
    con.execute("INSERT INTO t VALUES (-1)")  # committed, in the WAL only
    yield path
    con.close()


def test_the_copy_holds_what_the_log_committed_and_is_deleted(db_with_wal):
    assert os.path.getsize(db_with_wal + ".wal") > 0
    with connection.snapshot(db_with_wal) as (copy, taken):
        assert copy != db_with_wal and os.path.basename(copy) == "w.duckdb"
        with duckdb.connect(copy, read_only=True) as con:
            assert con.execute("SELECT count(*), min(i) FROM t").fetchall() == [(1001, -1)]
        assert taken.tzinfo is not None
    assert not os.path.exists(os.path.dirname(copy))


def test_a_copy_made_while_the_file_changed_is_made_again(db_with_wal, monkeypatch):
    stamps = iter([("a",), ("b",), ("b",), ("b",)])  # changed during the first copy only
    monkeypatch.setattr(connection, "_stamps", lambda paths: next(stamps))
    with connection.snapshot(db_with_wal) as (copy, _):
        assert os.path.exists(copy)
    assert next(stamps, None) is None  # two attempts, two stamps each


def test_a_file_that_never_stops_changing_is_refused(db_with_wal, monkeypatch):
    counter = itertools.count()
    monkeypatch.setattr(connection, "_stamps", lambda paths: (next(counter),))
    with pytest.raises(DatabaseLockedError, match="changed during each of 3 attempts"):
        with connection.snapshot(db_with_wal, attempts=3):
            pass
