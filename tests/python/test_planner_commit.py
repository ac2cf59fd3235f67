"""The planner alone (a spec in, planned combinations out) and ForEachRun.commit alone
(outcomes in, records, run-log rows and result cells out), without a front's driver."""

from __future__ import annotations

import pytest

from scidb import BaseVariable
from scistack_engine.batches import Failure, Outcome
from scistack_engine.execution import ForEachRun
from scistack_engine.planner import PlanError, make_plan


class Signal(BaseVariable):
    pass


class Out(BaseVariable):
    pass


def _spec(**extra):
    return {"function": "f", "inputs": {"x": {"kind": "variable", "variable": "Signal"},
                                         "k": {"kind": "constant", "value": 3}},
            "outputs": ["Out"], "iterables": {"subject": [1, 2, 3], "session": ["a"]},
            **extra}


def _planned(db, spec):
    return [combo for block in make_plan(db, spec).blocks() for combo in block]


def test_a_spec_plans_every_combination_in_order_with_its_records(scidb_db):
    ids = [Signal.save(float(s), subject=s, session="a") for s in (1, 2)]
    combos = _planned(scidb_db, _spec())
    assert [c.index for c in combos] == [0, 1, 2]
    assert [c.metadata for c in combos] == [{"subject": s, "session": "a"} for s in (1, 2, 3)]
    assert [c.status for c in combos] == ["run", "run", "skipped"]
    assert [[r.record_id for r in c.records["x"]] for c in combos[:2]] == [[i] for i in ids]
    assert "Signal" in combos[2].missing and combos[0].cache_key is None


def test_where_drops_combinations_before_they_are_numbered(scidb_db):
    for s in (1, 2, 3):
        Signal.save(float(s), subject=s, session="a")
    combos = _planned(scidb_db, _spec(where={"op": "sql", "sql": "subject > 1"}))
    assert [(c.index, c.metadata["subject"]) for c in combos] == [(0, 2), (1, 3)]


def test_a_fingerprint_gives_cache_keys_that_follow_inputs_and_constants(scidb_db):
    for s in (1, 2):
        Signal.save(5.0, subject=s, session="a")
    keys = [c.cache_key for c in _planned(scidb_db, _spec(fingerprint="abc"))]
    assert keys[0] == keys[1] and keys[0] is not None and keys[2] is None  # same content
    other = _spec(fingerprint="abc")
    other["inputs"]["k"] = {"kind": "constant", "value": 4}
    assert _planned(scidb_db, other)[0].cache_key != keys[0]
    assert _planned(scidb_db, _spec(fingerprint="abd"))[0].cache_key != keys[0]


def test_skip_existing_plans_combinations_with_saved_outputs_as_cached(scidb_db):
    Signal.save(1.0, subject=1, session="a")
    saved = Out.save(9.0, subject=1, session="a")
    combo = _planned(scidb_db, _spec(skip_existing=True))[0]
    assert combo.status == "cached" and combo.cached_records == [saved]
    assert _planned(scidb_db, _spec())[0].status == "run"


@pytest.mark.parametrize("spec", [
    {"inputs": {}, "iterables": {}},
    {"inputs": {"x": {"kind": "magic"}}, "iterables": {"subject": [1]}},
    {"inputs": {"x": {"kind": "merge", "parts": []}}, "iterables": {"subject": [1]}},
])
def test_a_bad_spec_is_refused_before_planning(scidb_db, spec):
    with pytest.raises(PlanError):
        make_plan(scidb_db, {"function": "f", "outputs": [], **spec})


def test_commit_saves_logs_and_fills_the_result(scidb_db):
    for s in (1, 2, 3):
        Signal.save(float(s), subject=s, session="a")
    run = ForEachRun(scidb_db, _spec())
    items = run.next_chunk(3)
    assert [item.index for item in items] == [0, 1, 2]
    assert items[0].kwargs == {"x": 1.0, "k": 3}
    refused = run.commit([Outcome(0, 10.0, duration_s=0.5),
                          Outcome(1, failure=Failure("ValueError", "too noisy")),
                          Outcome(2, object())])  # a value no record can hold
    assert [o.index for o in refused] == [2] and refused[0].failure is not None
    assert Out.load(subject=1, session="a").data == 10.0
    table = run.finish().table
    assert list(table["status"]) == ["done", "failed", "failed"]
    assert table["reason"][1] == "ValueError: too noisy"
    assert table["Out"][0] == Out.load(subject=1, session="a").record_id
    logged = scidb_db.con.sql("SELECT combo, status, reason FROM _run_combos "
                              "ORDER BY combo").fetchall()
    assert [row[:2] for row in logged] == [(0, "done"), (1, "failed"), (2, "failed")]
    assert logged[1][2] == "ValueError: too noisy"


def test_combinations_left_out_are_skipped_in_the_log_and_the_result(scidb_db):
    # a merge of a run folder leaves out the combinations whose chunk has no result yet
    for s in (1, 2, 3):
        Signal.save(float(s), subject=s, session="a")
    run = ForEachRun(scidb_db, _spec())
    run.next_chunk(3)
    run.commit([Outcome(0, 10.0)])
    run.leave_out({1: "chunk 1 is queued", 2: "chunk 1 is queued"})
    result = run.finish("interrupted")
    assert list(result.table["status"]) == ["done", "skipped", "skipped"]
    assert list(result.table["reason"][1:]) == ["chunk 1 is queued"] * 2
    assert (result.summary["done"], result.summary["skipped"]) == (1, 2)
    logged = scidb_db.con.sql("SELECT status, reason FROM _run_combos WHERE combo > 0 "
                              "ORDER BY combo").fetchall()
    assert logged == [("skipped", "chunk 1 is queued")] * 2


def test_commit_without_saving_keeps_the_values_in_the_result(scidb_db):
    Signal.save(1.0, subject=1, session="a")
    run = ForEachRun(scidb_db, _spec(iterables={"subject": [1], "session": ["a"]}), save=False)
    run.next_chunk(1)
    assert run.commit([Outcome(0, 42.0)]) == []
    assert run.finish().table["Out"][0] == 42.0
    assert Out.__name__ not in scidb_db.variables()  # nothing saved
