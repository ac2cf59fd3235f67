"""Ctrl-C that lands inside a DuckDB query is a KeyboardInterrupt, not a RuntimeError.

DuckDB's Python client takes the pending interrupt itself and raises
``RuntimeError("Query interrupted")``; a for_each stopped that way must still commit what
finished and end the run as ``interrupted``. Each test sends a real SIGINT to this process
while a real query runs (one that takes far longer than the signal's delay).
"""

from __future__ import annotations

import os
import signal
import threading

import duckdb
import pytest

import scidb
from scidb import BaseVariable, for_each
from scistack_engine import execution
from scistack_engine.batches import ForEachInterrupted
from scistack_engine.faults import interrupted, interrupts_as_keyboard

# about 6 s on 2 cores: far longer than DELAY. DuckDB usually cancels at once, but now and
# then notices the interrupt only when the query ends; it raises the same error then.
LONG_QUERY = "SELECT count(*) FROM range(2000000000) t(i) WHERE i % 7 = 3"
DELAY = 0.3  # seconds before the SIGINT


class InX(BaseVariable):
    pass


class OutY(BaseVariable):
    pass


def _sigint_soon() -> threading.Timer:
    timer = threading.Timer(DELAY, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_duckdb_reports_an_interrupted_query_as_a_runtime_error():
    # the behaviour the translation exists for: if DuckDB changes it, this says so
    con = duckdb.connect()
    _sigint_soon()
    with pytest.raises(BaseException) as caught:
        con.execute(LONG_QUERY).fetchall()
    assert interrupted(caught.value)
    assert not interrupted(RuntimeError("something else"))


def test_interrupts_as_keyboard_raises_the_interrupt():
    con = duckdb.connect()
    _sigint_soon()
    with pytest.raises(KeyboardInterrupt) as caught:
        with interrupts_as_keyboard():
            con.execute(LONG_QUERY).fetchall()
    assert interrupted(caught.value.__cause__)
    with pytest.raises(RuntimeError, match="other"), interrupts_as_keyboard():
        raise RuntimeError("other")


def test_a_query_interrupted_inside_a_transaction_rolls_back(scidb_unconfigured, tmp_path):
    db = scidb.configure_database(tmp_path / "s.duckdb", ["subject"])
    InX.save(1.0, subject=1)
    _sigint_soon()
    with pytest.raises(KeyboardInterrupt):
        with db.transaction():
            InX.save(2.0, subject=2)
            db.cx.execute(LONG_QUERY).fetchall()
    assert InX.load(subject=1).data == 1.0  # the database goes on; the save rolled back
    assert db.cx.execute("SELECT count(*) FROM _records").fetchone()[0] == 1


def test_for_each_interrupted_inside_a_query_keeps_what_finished(scidb_unconfigured,
                                                                 tmp_path, monkeypatch):
    db = scidb.configure_database(tmp_path / "s.duckdb", ["subject"])
    for subject in range(1, 7):
        InX.save(float(subject), subject=subject)
    load_batch = execution.load_batch
    chunks = []

    def slow_third_chunk(database, plan, combos):
        chunks.append(len(combos))
        if len(chunks) == 3:  # Ctrl-C while the third chunk's inputs are read
            _sigint_soon()
            database.cx.execute(LONG_QUERY).fetchall()
        return load_batch(database, plan, combos)

    monkeypatch.setattr(execution, "load_batch", slow_third_chunk)
    with pytest.raises(ForEachInterrupted, match="2 of 6 combinations saved; run again"):
        for_each(lambda x: x * 10, inputs={"x": InX}, outputs=[OutY],
                 subject=[1, 2, 3, 4, 5, 6], batch_size=1)
    status = db.cx.execute("SELECT status FROM _runs").fetchone()[0]
    assert status == "interrupted"
    assert [OutY.load(subject=s).data for s in (1, 2)] == [10.0, 20.0]
