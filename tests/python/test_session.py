"""The session: the current database, MATLAB's handles, and the cache store it installs."""

from __future__ import annotations

import pytest

import scidb
from scistack_engine import session
from scistack_engine.cache_store import DatabaseCacheStore
from scistack_engine.errors import DatabaseLockedError, NotConfiguredError, SchemaMismatchError
from scistack_engine.gateway import scidb as gateway_scidb
from scistack_engine.lineage import get_cache_store

KEYS = ["subject", "session"]


@pytest.fixture
def path(tmp_path, scidb_unconfigured):
    return str(tmp_path / "s.duckdb")


def test_opening_makes_the_database_current_with_a_handle_and_the_cache(path):
    db = session.open_database(path, KEYS)
    try:
        assert session.current() is db
        assert session.resolve() is db
        assert session.by_handle(session.handle_of(db)) is db
        assert session.by_handle(None) is db
        store = get_cache_store()
        assert isinstance(store, DatabaseCacheStore) and store.db is db
    finally:
        session.close(db)


def test_closing_the_current_database_leaves_none_and_removes_the_cache(path):
    db = session.open_database(path, KEYS)
    handle = session.handle_of(db)
    assert session.close() is True
    assert not db.is_open
    assert not isinstance(get_cache_store(), DatabaseCacheStore)
    with pytest.raises(NotConfiguredError, match="configure_database") as err:
        session.current()
    assert err.value.identifier == "scistack:db:notConfigured"
    with pytest.raises(NotConfiguredError, match=f"handle {handle} is closed"):
        session.by_handle(handle)
    assert session.close() is False  # nothing left to close
    session.close(db)  # closing twice is harmless


def test_closing_another_database_keeps_the_current_one(path, tmp_path):
    other = session.open_database(str(tmp_path / "other.duckdb"), ["subject"])
    db = session.open_database(path, KEYS)
    try:
        session.close(other)
        assert session.current() is db
        assert get_cache_store().db is db
    finally:
        session.close(db)


def test_replacing_an_opening_checks_the_keys_first(path):
    first = session.open_database(path, KEYS)
    with pytest.raises(SchemaMismatchError, match=r"\['subject', 'session'\]"):
        session.open_database(path, ["subject"], replace=True)
    assert first.is_open and session.current() is first
    with pytest.raises(DatabaseLockedError):
        session.open_database(path, KEYS)  # without replace the store refuses a second object
    second = session.open_database(path, KEYS, replace=True)
    try:
        assert not first.is_open and session.current() is second
        with pytest.raises(NotConfiguredError):
            session.handle_of(first)
    finally:
        session.close(second)


def test_both_fronts_share_the_current_database(path):
    db = scidb.configure_database(path, KEYS)
    assert isinstance(db, scidb.Database)
    assert session.current() is db
    reply = gateway_scidb._db_current({})
    assert reply["handle"] == session.handle_of(db) and reply["schema_keys"] == KEYS
    assert gateway_scidb._db_close({"handle": reply["handle"]}) is True
    with pytest.raises(NotConfiguredError):
        scidb.get_database()
    opened = gateway_scidb._db_configure({"path": path, "arguments": [KEYS],
                                           "folder": "/"})
    assert scidb.get_database() is session.by_handle(opened["handle"])
    scidb.close()
