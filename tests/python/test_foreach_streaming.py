"""for_each plans its combinations a block at a time: what a run holds does not grow with
the grid, and the decisions (run, skipped, cached) and the result are those of planning
everything up front."""

from __future__ import annotations

import tracemalloc

import pytest

import scidb
import scistack_engine.planner as planner
from scidb import BaseVariable
from scihist import for_each
from scilineage import lineage_fcn
from scistack_engine.execution import ForEachRun


class Signal(BaseVariable):
    pass


class Doubled(BaseVariable):
    pass


@lineage_fcn
def double(x):
    return 2 * x


def _grid(subjects=range(1, 8), sessions=("a", "b", "c")):
    for s in subjects:
        for session in sessions:
            if (s + len(session)) % 4:  # some inputs missing: skipped combinations
                Signal.save(float(s), subject=s, session=session)


def _run_and_log(db):
    first = for_each(double, inputs={"x": Signal}, outputs=[Doubled],
                     subject=list(range(1, 6)), session=["a", "b", "c"], progress=False)
    second = for_each(double, inputs={"x": Signal}, outputs=[Doubled],
                      subject=list(range(1, 9)), session=["a", "b", "c"], progress=False)
    log = db.con.sql("SELECT c.combo, c.metadata, c.status, c.reason FROM _run_combos c "
                     "JOIN _runs r USING (run_id) ORDER BY r.started_at, c.combo").fetchall()
    runs = db.con.sql("SELECT n_combos, n_done, n_cached, n_skipped FROM _runs "
                      "ORDER BY started_at").fetchall()
    return [first, second], log, runs


@pytest.mark.parametrize("block", [1, 4])
def test_small_blocks_decide_and_log_as_one_block(scidb_path, scidb_unconfigured, tmp_path,
                                                  monkeypatch, block):
    db = scidb.configure_database(str(scidb_path), ["subject", "session"])
    _grid()
    whole, whole_log, whole_runs = _run_and_log(db)
    scidb.close()
    monkeypatch.setattr(planner, "PLAN_BLOCK", block)
    db = scidb.configure_database(str(tmp_path / "blocks.duckdb"), ["subject", "session"])
    _grid()
    blocks, blocks_log, blocks_runs = _run_and_log(db)
    for a, b in zip(whole, blocks):
        assert a.drop(columns=["Doubled"]).equals(b.drop(columns=["Doubled"]))
        assert list(a["Doubled"].isna()) == list(b["Doubled"].isna())
    assert whole_log == blocks_log
    assert whole_runs == blocks_runs
    assert set(blocks[1]["status"]) == {"done", "cached", "skipped"}


def test_a_run_plans_one_block_until_chunks_are_asked_for(scidb_db, monkeypatch):
    monkeypatch.setattr(planner, "PLAN_BLOCK", 4)
    for s in range(1, 11):
        Signal.save(float(s), subject=s, session="a")
    spec = {"function": "double", "inputs": {"x": {"kind": "variable", "variable": "Signal"}},
            "outputs": ["Doubled"], "iterables": {"subject": list(range(1, 13)),
                                                  "session": ["a"]}}
    run = ForEachRun(scidb_db, spec)
    assert len(run.column("status")) == 4
    assert run.to_run == 12  # not planned yet: counted as to run
    handed = []
    while chunk := run.next_chunk(3):
        handed += [item.index for item in chunk]
        assert len(run.column("status")) <= len(handed) + 4
    assert handed == list(range(10))
    assert run.to_run == 10  # exact once planned
    result = run.finish()
    assert result.summary["combos"] == 12 and result.summary["skipped"] == 2
    n_combos = scidb_db.con.sql("SELECT n_combos FROM _runs").fetchall()[0][0]
    assert n_combos == 12


def test_a_run_reading_what_it_writes_is_planned_in_one_block(scidb_db):
    Signal.save(1.0, subject=1, session="a")
    reads_output = {"inputs": {"x": {"kind": "variable", "variable": "Signal"}},
                    "outputs": ["Signal"], "iterables": {"subject": [1, 2], "session": ["b"]}}
    repeated = {"inputs": {"x": {"kind": "variable", "variable": "Signal"}},
                "outputs": ["Doubled"], "iterables": {"subject": [1, 1], "session": ["a"]}}
    plain = {**repeated, "iterables": {"subject": [1, 2], "session": ["a"]}}
    db = scidb_db
    assert planner.make_plan(db, reads_output).block_size == 2
    assert planner.make_plan(db, repeated).block_size == 2
    assert planner.make_plan(db, plain).block_size == planner.PLAN_BLOCK


def _held_by_a_new_run(db, side: int) -> int:
    spec = {"function": "f", "inputs": {}, "outputs": [],
            "iterables": {"subject": list(range(side)), "session": list(range(side))}}
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        run = ForEachRun(db, spec, save=False)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert run.to_run == side * side
    return held


def test_what_a_run_holds_does_not_grow_with_the_grid(scidb_db):
    small = _held_by_a_new_run(scidb_db, 64)  # 4,096 combinations: two blocks
    large = _held_by_a_new_run(scidb_db, 640)  # 409,600
    assert large < 2 * small


def test_a_filter_that_cannot_be_planned_logs_no_run(scidb_db):
    Signal.save(1.0, subject=1, session="a")
    with pytest.raises(planner.PlanError):
        for_each(double, inputs={"x": Signal}, outputs=[Doubled], subject=[1], session=["a"],
                 where=scidb.Sql("no_such_column > 1"), progress=False)
    assert scidb_db.con.sql("SELECT count(*) FROM _runs").fetchall() == [(0,)]


def test_a_large_logged_run_keeps_rows_for_its_problems_only(scidb_db, monkeypatch):
    import scistack_engine.execution as execution

    _grid()

    @lineage_fcn
    def fails_on_two(x):
        if x == 2.0:
            raise ValueError("two")
        return x

    def run(**options):
        return for_each(fails_on_two, inputs={"x": Signal}, outputs=[Doubled],
                        subject=list(range(1, 8)), session=["a", "b", "c"], progress=False,
                        force=True, **options)

    full = run()
    monkeypatch.setattr(execution, "RESULT_ROWS", 5)  # a grid of 21 is now large
    monkeypatch.setattr(planner, "PLAN_BLOCK", 4)
    large = run()
    assert full.attrs["all_rows"] and not large.attrs["all_rows"]
    assert large.attrs["summary"]["combos"] == full.attrs["summary"]["combos"] == 21
    for key in ("done", "skipped", "failed"):
        assert large.attrs["summary"][key] == full.attrs["summary"][key]
    problems = full[full["status"].isin(["skipped", "failed"])].reset_index(drop=True)
    assert len(problems) > 5 and "failed" in problems["status"].iloc[:5].tolist()
    # the first RESULT_ROWS problems, in plan order, as in the full table
    columns = ["subject", "session", "status", "reason"]
    assert list(large.columns) == list(full.columns)
    assert (large[columns].values.tolist() == problems[columns].iloc[:5].values.tolist())
    assert large["Doubled"].isna().all()
    # the run log still has a row per combination
    logged = scidb_db.con.sql("SELECT count(*) FROM _run_combos WHERE run_id = ?",
                              params=[large.attrs["run_id"]]).fetchall()[0][0]
    assert logged == 21
    # nothing logged: every row is kept, whatever the grid (the values are only there)
    unsaved = run(save=False)
    assert unsaved.attrs["all_rows"] and len(unsaved) == 21
