"""DuckDB's memory in long runs (scistack_engine.buffers): the write-ahead log folded into
the file, cached blocks released, and the memory limit always set back."""

from __future__ import annotations

import os

import duckdb
import pandas as pd
import pytest

import scidb
from scidb import BaseVariable
from scistack_engine import buffers, planner


class FoldIn(BaseVariable):
    pass


class FoldOut(BaseVariable):
    pass


def _cached(con):
    return con.execute("SELECT memory_usage_bytes FROM duckdb_memory() WHERE tag = 'BASE_TABLE'"
                       ).fetchone()[0]


@pytest.fixture
def read_table(tmp_path):
    """A file connection holding the cached blocks of a table it wrote (18 MB)."""
    con = duckdb.connect(str(tmp_path / "blocks.duckdb"))
    con.execute("CREATE TABLE t (i BIGINT, s VARCHAR)")
    for start in range(0, 1_000_000, 200_000):
        con.execute("INSERT INTO t SELECT range, md5(range::VARCHAR) "
                    f"FROM range({start}, {start + 200_000})")
    con.execute("CHECKPOINT")
    yield con
    con.close()


def test_released_blocks_leave_the_default_limit_as_it_was(read_table, monkeypatch):
    monkeypatch.setattr(buffers, "RELEASE_TO", "1MB")  # under what the table holds
    default = buffers.memory_limit(read_table)
    assert _cached(read_table) > 10_000_000
    assert buffers.release_blocks(read_table, default)
    assert _cached(read_table) < 1_000_000
    assert buffers.memory_limit(read_table) == default
    assert read_table.execute("SELECT count(*) FROM t").fetchone()[0] == 1_000_000


def test_a_limit_the_user_set_is_left_alone(read_table):
    default = buffers.memory_limit(read_table)
    read_table.execute("SET memory_limit = '3GB'")
    shown = buffers.memory_limit(read_table)
    assert not buffers.release_blocks(read_table, default)
    assert buffers.memory_limit(read_table) == shown != default
    assert _cached(read_table) > 10_000_000


class _Connection:
    """A connection at its default limit whose lowering of the limit fails with ``error``."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.statements: list[str] = []

    def execute(self, sql: str) -> _Connection:
        self.statements.append(sql)
        if sql == f"SET memory_limit = '{buffers.RELEASE_TO}'":
            raise self.error
        return self

    def fetchone(self) -> tuple[str]:
        return ("18.8 GiB",)


def test_the_limit_is_set_back_when_it_cannot_be_lowered():
    con = _Connection(duckdb.OutOfMemoryException("could not free up enough memory"))
    assert buffers.release_blocks(con, "18.8 GiB")  # type: ignore[arg-type]
    assert con.statements[-1] == "RESET memory_limit"


def test_the_limit_is_set_back_when_lowering_it_is_interrupted():
    con = _Connection(KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        buffers.release_blocks(con, "18.8 GiB")  # type: ignore[arg-type]
    assert con.statements[-1] == "RESET memory_limit"


def _wal(db) -> int:
    return os.path.getsize(db.path + ".wal") if os.path.exists(db.path + ".wal") else 0


def test_the_log_is_folded_only_once_it_is_long_enough(scidb_db, monkeypatch):
    scidb_db.save("FoldIn", 1.0, {"subject": 1, "session": "a"})
    logged = _wal(scidb_db)
    assert logged > 0
    monkeypatch.setattr(buffers, "FOLD_LOG_BYTES", logged + 1)
    assert not scidb_db.fold_log()
    assert _wal(scidb_db) == logged
    monkeypatch.setattr(buffers, "FOLD_LOG_BYTES", logged)
    assert scidb_db.fold_log()
    assert _wal(scidb_db) < logged
    assert FoldIn.load(subject=1, session="a").data == 1.0


@pytest.mark.parametrize("windowed", [True, False])
def test_a_windowed_run_folds_the_log_after_its_commits(scidb_db, monkeypatch, windowed):
    FoldIn.save_from_dataframe(
        pd.DataFrame({"subject": range(300), "session": ["a"] * 300,
                                        "value": [float(i) for i in range(300)]}),
        "value", ["subject", "session"])
    scidb_db.cx.execute("CHECKPOINT")
    monkeypatch.setattr(planner, "WINDOWED_FROM", 0 if windowed else 10**9)
    monkeypatch.setattr(buffers, "FOLD_LOG_BYTES", 1)
    scidb.for_each(lambda x: x + 1, inputs={"x": FoldIn}, outputs=[FoldOut],
                   subject=[], session=[], progress=False)
    # folded, the log holds only what the run wrote after its last commit (its end)
    held = scidb_db.cx.execute("SELECT count(*) FROM _records WHERE variable = 'FoldOut'"
                               ).fetchone()[0]
    assert held == 300
    logged = _wal(scidb_db)
    assert (logged < 20_000) if windowed else (logged > 20_000)
