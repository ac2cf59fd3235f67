"""Windowed for_each runs: a run over a large grid reads the records of a block at a time
(``Database.window``) and saves without loading its outputs' indexes, and stores exactly
what a run that loads the whole indexes stores.

Each scenario runs twice on identical databases, once with every run windowed and once
with none (``planner.WINDOWED_FROM``), and the two files must hold the same records
(ids, versions, content hashes, cache keys, values) and the same run-log decisions.
"""

from __future__ import annotations

import numpy as np
import pytest

import scidb
import scihist
from scidb import BaseVariable, Fixed, Merge, Processes
from scistack_engine import planner


class WinSignal(BaseVariable):
    pass


class WinBaseline(BaseVariable):
    pass


class WinGain(BaseVariable):
    pass


class WinOut(BaseVariable):
    pass


class WinSecond(BaseVariable):
    pass


def _double(signal):
    return signal * 2


def _scaled(signal, gain):
    return signal * gain


def _two(signal):
    return signal + 1, float(np.sum(signal))


def _offset(signal, baseline):
    return float(np.mean(signal)) - float(baseline)


def _inputs():
    """Signals at 3 subjects x 2 sessions but one missing; per-subject gains (an address
    with fewer keys than the schema); text and number values of one key."""
    for subject in (1, 2, 3):
        for session in ("pre", "post"):
            if (subject, session) != (3, "post"):
                WinSignal.save(np.arange(4.0) * subject, subject=subject, session=session)
        WinGain.save(float(subject), subject=subject)
        WinBaseline.save(0.5 * subject, subject=subject, session="pre")
    WinSignal.save(np.ones(2), subject="4", session="pre")


def _plain():
    return [scidb.for_each(_double, inputs={"signal": WinSignal}, outputs=[WinOut],
                           subject=[1, 2, 3, "4"], session=["pre", "post"])]


def _fixed_and_aggregated():
    return [scidb.for_each(_offset, inputs={"signal": WinSignal,
                                            "baseline": Fixed(WinBaseline, session="pre")},
                           outputs=[WinOut], subject=[1, 2, 3], session=["pre", "post"]),
            scidb.for_each(_scaled, inputs={"signal": WinSignal, "gain": WinGain},
                           outputs=[WinSecond], subject=[1, 2, 3], session=[])]


def _merged():
    return [scidb.for_each(lambda both: float(len(both)),
                           inputs={"both": Merge(WinSignal, Fixed(WinBaseline, session="pre"))},
                           outputs=[WinOut], subject=[1, 2], session=["pre", "post"])]


def _lineage_reruns():
    def run(k):
        return scihist.for_each(_scaled, inputs={"signal": WinSignal, "gain": k},
                                outputs=[WinOut], subject=[], session=[])
    return [run(2.0), run(2.0), run(3.0), run(2.0)]


def _two_outputs_then_skip_existing():
    first = scihist.for_each(_two, inputs={"signal": WinSignal}, outputs=[WinOut, WinSecond],
                             subject=[1, 2], session=["pre"])
    again = scidb.for_each(_two, inputs={"signal": WinSignal}, outputs=[WinOut, WinSecond],
                           subject=[1, 2, 3], session=["pre", "post"], skip_existing=True)
    return [first, again]


def _on_processes():
    return [scidb.for_each(_double, inputs={"signal": WinSignal}, outputs=[WinOut],
                           subject=[1, 2, 3, "4"], session=["pre", "post"],
                           executor=Processes(workers=2, chunk_size=2))]


SCENARIOS = {"plain": _plain, "on_processes": _on_processes,
             "fixed_and_aggregated": _fixed_and_aggregated,
             "merged": _merged, "lineage_reruns": _lineage_reruns,
             "two_outputs_then_skip_existing": _two_outputs_then_skip_existing}


def _stored(db):
    records = db.cx.execute(
        "SELECT record_id, variable, address, version, kind, content_hash, value_num, "
        "value_int, value_txt, shape, cache_key, lineage, output_index "
        "FROM _records ORDER BY record_id").fetchall()
    # by record: array ids follow the order of the commits (completion order on workers)
    arrays = db.cx.execute(
        "SELECT r.record_id, a.piece, a.data FROM _records r "
        "JOIN _arrays a ON a.array_id = r.value_array_id ORDER BY r.record_id, a.piece"
    ).fetchall()
    combos = db.cx.execute(
        "SELECT r.function, c.combo, c.metadata, c.status, c.reason, c.record_ids "
        "FROM _run_combos c JOIN _runs r USING (run_id) ORDER BY r.started_at, c.combo"
    ).fetchall()
    return records, arrays, combos


def _run(tmp_path, monkeypatch, name, windowed_from):
    monkeypatch.setattr(planner, "WINDOWED_FROM", windowed_from)
    db = scidb.configure_database(tmp_path / f"{name}-{windowed_from}.duckdb",
                                  ["subject", "session"])
    try:
        _inputs()
        db.close()
        db = scidb.configure_database(db.path, ["subject", "session"])  # no index loaded
        results = SCENARIOS[name]()
        stored = _stored(db)
        held = set(db._indexes)
    finally:
        scidb.close(db)
    tables = [r.drop(columns=[c for c in r.columns if c == "seconds"]) for r in results]
    return stored, [t.to_dict("list") for t in tables], held


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_windowed_run_stores_what_an_indexed_run_stores(tmp_path, monkeypatch, name):
    indexed, indexed_results, indexed_held = _run(tmp_path, monkeypatch, name, 10**9)
    windowed, windowed_results, windowed_held = _run(tmp_path, monkeypatch, name, 0)
    assert windowed[0] == indexed[0]  # records
    assert windowed[1] == indexed[1]  # array bytes
    assert windowed[2] == indexed[2]  # every combination's decision in the run log
    assert windowed_results == indexed_results
    assert indexed_held  # the indexed runs loaded their variables' indexes ...
    assert not windowed_held & {"WinSignal", "WinOut", "WinSecond"}  # ... windowed ones not


def test_a_windowed_run_leaves_what_later_calls_read_complete(scidb_db, monkeypatch):
    monkeypatch.setattr(planner, "WINDOWED_FROM", 0)
    _inputs()
    scidb.for_each(_double, inputs={"signal": WinSignal}, outputs=[WinOut],
                   subject=[1, 2], session=["pre", "post"])
    assert "WinOut" not in scidb_db._indexes
    assert len(WinOut.load_all(as_df=True)) == 4  # the index loads with the run's records
    scidb.for_each(lambda signal: signal * 3, inputs={"signal": WinSignal}, outputs=[WinOut],
                   subject=[1, 2], session=["pre", "post"])
    assert [r.version for r in scidb_db.versions("WinOut", {"subject": 1, "session": "pre"})
            ] == [1, 2]
    assert np.array_equal(WinOut.load(subject=1, session="pre").data, np.arange(4.0) * 3)
    count = scidb_db.cx.execute(
        "SELECT count(*) FROM _records WHERE variable = 'WinOut'").fetchone()[0]
    assert len(scidb_db.index("WinOut")) == count == 8


@pytest.mark.parametrize("ends", ["commit", "rollback"])
def test_an_index_loaded_inside_a_transaction_after_a_windowed_save_is_dropped(
    scidb_db, ends
):
    from scistack_engine.store import SaveItem

    scidb_db.save("WinOut", 1.0, {"subject": 1, "session": "pre"})
    scidb_db.close()
    db = scidb.configure_database(scidb_db.path, ["subject", "session"])
    with pytest.raises(RuntimeError) if ends == "rollback" else _nothing():
        with db.transaction():
            db.save_batch([SaveItem("WinOut", {"subject": 2, "session": "pre"}, 2.0)],
                          windowed=True)
            assert len(db.index("WinOut")) == 2  # loaded here: it read the new row
            if ends == "rollback":
                raise RuntimeError("rolled back")
    stored = db.cx.execute("SELECT count(*) FROM _records WHERE variable = 'WinOut'"
                           ).fetchone()[0]
    assert stored == (2 if ends == "commit" else 1)
    assert len(db.index("WinOut")) == stored
    scidb.close(db)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_a_window_holds_only_the_records_a_block_may_match(scidb_db):
    for subject in range(1, 11):
        for session in ("pre", "post"):
            WinSignal.save(float(subject), subject=subject, session=session)
    scidb_db.close()
    db = scidb.configure_database(scidb_db.path, ["subject", "session"])
    window = db.window("WinSignal", {"subject": {2, 3}})
    assert sorted(e.metadata["subject"] for e in window.addresses.values()) == [2, 2, 3, 3]
    assert [e.latest.version for e in window.find({"subject": (3,), "session": ("pre",)})
            ] == [1]
    assert window.key_types == {"subject": {"int"}, "session": {"str"}}
    assert "WinSignal" not in db._indexes
    assert len(db.window("WinNothing", {"subject": {1}})) == 0
    assert db.key_values("WinSignal", "session") == {"pre", "post"}
    scidb.close(db)


def test_a_read_only_file_missing_a_view_still_plans_from_its_records(scidb_db, monkeypatch):
    """A crash between records and their view leaves no view; a read-write open repairs
    it, a read-only one cannot, and its records must still be found."""
    monkeypatch.setattr(planner, "WINDOWED_FROM", 0)
    for subject in (1, 2):
        WinSignal.save(np.ones(2) * subject, subject=subject, session="pre")
    scidb_db.cx.execute("DELETE FROM _variables WHERE name = 'WinSignal'")
    scidb_db.cx.execute("DROP VIEW WinSignal")
    path = scidb_db.path
    scidb.close(scidb_db)
    db = scidb.configure_database(path, ["subject", "session"], read_only=True)
    try:
        result = scidb.for_each(_double, inputs={"signal": WinSignal}, outputs=[WinOut],
                                subject=[], session=["pre"], save=False)
        assert result["status"].tolist() == ["done", "done"]
    finally:
        scidb.close(db)
