"""One database object used from several threads: every save that returned is in the file,
the in-process index agrees with ``_records``, and transactions never mix threads."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import scidb
from scidb import BaseVariable, for_each
from scistack_engine.index import VariableIndex

THREADS = 8


class Level(BaseVariable):
    pass


class Trace(BaseVariable):
    pass


class Doubled(BaseVariable):
    pass


def _run_threads(target, n: int = THREADS) -> list[BaseException]:
    """Run ``target(i)`` in ``n`` real threads started together; the exceptions raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(n)

    def body(i: int) -> None:
        start.wait()
        try:
            target(i)
        except BaseException as exc:  # collected: the test reports them all
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return errors


def _index_rows(index: VariableIndex) -> set[tuple]:
    return {(v.record_id, v.address, v.version, v.content_hash)
            for entry in index.addresses.values() for v in entry.versions}


def test_saves_and_loads_from_eight_threads_all_land(scidb_path, scidb_db):
    returned: list[str] = []

    def work(t: int) -> None:
        for i in range(30):
            returned.append(Level.save(float(t * 100 + i), subject=t, session=str(i)))
            if i % 3 == 0:  # arrays go through the bulk insert, in a transaction
                returned.append(Trace.save(np.arange(i + 1.0), subject=t, session=str(i)))
            # a second version at an address another thread may be reading
            returned.append(Level.save(float(-i - 1), subject=t, session=str(i)))
            assert Level.load(subject=t, session=str(i)).data == float(-i - 1)
            assert len(list(Level.load_all(subject=t))) == i + 1

    assert _run_threads(work) == []
    assert len(returned) == THREADS * (30 + 10 + 30)
    db = scidb_db
    live = {name: _index_rows(db.index(name)) for name in ("Level", "Trace")}
    scidb.close(db)

    reopened = scidb.configure_database(scidb_path, ["subject", "session"])
    in_file = {row[0] for row in reopened.con.execute("SELECT record_id FROM _records").fetchall()}
    assert set(returned) <= in_file
    assert len(in_file) == len(returned)  # nothing stored that no save returned
    for name, rows in live.items():
        assert _index_rows(reopened.index(name)) == rows
    versions = reopened.con.execute(
        "SELECT max(version), count(*) FROM _records WHERE variable = 'Level' GROUP BY address"
    ).fetchall()
    assert set(versions) == {(2, 2)}  # each address: versions 1 and 2, none lost or doubled


def test_a_thread_inside_a_transaction_keeps_other_threads_out(scidb_db):
    db = scidb_db
    inside = threading.Event()
    release = threading.Event()
    other_done = threading.Event()

    def in_transaction() -> None:
        with pytest.raises(RuntimeError), db.transaction():
            Level.save(1.0, subject=1, session="a")
            inside.set()
            release.wait(10)
            raise RuntimeError("rolled back on purpose")

    def other() -> None:
        inside.wait(10)
        Level.save(2.0, subject=2, session="a")  # waits for the transaction to end
        other_done.set()

    threads = [threading.Thread(target=in_transaction), threading.Thread(target=other)]
    for thread in threads:
        thread.start()
    inside.wait(10)
    # the other thread's save neither joins the open transaction nor gets past it
    assert not other_done.wait(0.3)
    release.set()
    for thread in threads:
        thread.join(30)
    rows = db.con.execute("SELECT subject FROM _records").fetchall()
    assert rows == [("2",)]  # the rolled-back save is gone, the other thread's is kept
    assert [e.metadata for e in db.index("Level").addresses.values()] == [
        {"subject": 2, "session": "a"}]


def test_other_threads_read_committed_data_while_a_transaction_is_open(scidb_db):
    db = scidb_db
    Level.save(1.0, subject=1, session="a")
    seen: list = []
    with db.transaction():
        Level.save(5.0, subject=1, session="a")
        reader = threading.Thread(target=lambda: seen.append(
            (Level.load(subject=1, session="a").data,
             db.con.execute("SELECT count(*) FROM _records").fetchone()[0])))
        reader.start()
        reader.join(10)
        assert not reader.is_alive()  # reads do not wait for the writer
    assert seen == [(1.0, 1)]  # the last committed version, not the open transaction's
    assert Level.load(subject=1, session="a").data == 5.0


def test_for_each_in_threads_each_run_logged(scidb_db):
    for subject in range(THREADS):
        Level.save(float(subject), subject=subject, session="a")

    def run(t: int) -> None:
        for_each(lambda level: level * 2, inputs={"level": Level}, outputs=[Doubled],
                 subject=[t], session=["a"])

    assert _run_threads(run) == []
    db = scidb_db
    assert db.con.execute("SELECT count(*), count(DISTINCT status) FROM _runs").fetchone() == (
        THREADS, 1)
    assert sorted(r.data for r in Doubled.load_all()) == [2.0 * s for s in range(THREADS)]


def test_cursors_of_ended_threads_are_closed(scidb_db):
    db = scidb_db
    Level.save(1.0, subject=1, session="a")
    for _ in range(20):
        thread = threading.Thread(target=lambda: db.con.execute("SELECT 1").fetchall())
        thread.start()
        thread.join()
    assert len(db._user_cons._cursors) <= 2
