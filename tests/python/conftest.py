"""Shared pytest fixtures.

The ``scidb_*`` fixtures give each test its own SciStack database and leave no database
configured afterwards, so tests never see each other's records or the process-wide
"current database" of ``scidb``.
"""

from __future__ import annotations

import pathlib

import pytest

SCIDB_SCHEMA = ["subject", "session"]


def pytest_configure(config):
    # Test modules run in one process and several define a variable type of the same name
    # (RawEMG); each is told of the others by a VariableNameWarning, which is expected
    # here. test_var_groups.py checks the warning itself.
    config.addinivalue_line("filterwarnings", "ignore::scidb.VariableNameWarning")


def _close_current_scidb() -> None:
    import scidb

    scidb.close()


@pytest.fixture
def temporary_ops():
    """Register gateway operations for one test and remove them afterwards."""
    from scistack_engine import gateway

    added = []

    def add(name, fn):
        gateway.operation(name)(fn)
        added.append(name)

    yield add
    for name in added:
        gateway.dispatch._OPERATIONS.pop(name, None)


@pytest.fixture
def scidb_unconfigured():
    """No scidb database is configured while the test runs (nor after it)."""
    _close_current_scidb()
    yield
    _close_current_scidb()


@pytest.fixture
def scidb_path(tmp_path: pathlib.Path) -> pathlib.Path:
    """Path of a not-yet-existing database file in the test's temporary directory."""
    return tmp_path / "study.duckdb"


@pytest.fixture
def scidb_db(scidb_path, scidb_unconfigured):
    """A fresh file database with schema keys ``["subject", "session"]``, made current.

    Closed (and no longer current) after the test.
    """
    import scidb

    db = scidb.configure_database(scidb_path, SCIDB_SCHEMA)
    yield db
    scidb.close(db)


@pytest.fixture
def scidb_memory_db(scidb_unconfigured):
    """A fresh ``":memory:"`` database with schema keys ``["subject", "session"]``, current."""
    import scidb

    db = scidb.configure_database(":memory:", SCIDB_SCHEMA)
    yield db
    scidb.close(db)
