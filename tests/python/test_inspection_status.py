"""Status of records and grids: done, error, stale (each reason), missing."""

from __future__ import annotations

import json

import numpy as np
import pytest

import inspection_pipeline
from scistack_engine import cli
from scistack_engine.errors import MetadataError
from scistack_engine.inspection.records import read_current_records
from scistack_engine.inspection.status import Staleness, status_grid, variable_statuses
from scistack_engine.store import Database


@pytest.fixture(scope="module")
def pipeline_db(tmp_path_factory) -> str:
    return str(inspection_pipeline.build(tmp_path_factory.mktemp("status") / "gait.duckdb"))


@pytest.fixture(scope="module")
def statuses(pipeline_db):
    with Database(pipeline_db, None, read_only=True) as db:
        records = read_current_records(db)
        staleness = Staleness(records)
        found = {}
        for variable in db.variables():
            for entry in variable_statuses(db, variable, records=records, staleness=staleness):
                found[(variable, tuple(sorted(entry.metadata.items())))] = entry
        return found


def test_every_case_gets_its_status(statuses):
    got = {case: statuses[case].status for case in inspection_pipeline.EXPECTED}
    assert got == inspection_pipeline.EXPECTED


def reasons(statuses, variable, **metadata):
    return statuses[(variable, tuple(sorted(metadata.items())))].reasons


def test_input_replaced(statuses):
    found = reasons(statuses, "StepLength", subject=2, session="pre", trial=1)
    assert len(found) == 1 and found[0].startswith("input replaced: kinematic_data used "
                                                    "RawKinematicData")
    assert "version 1" in found[0]


def test_input_stale_follows_upstream(statuses):
    found = reasons(statuses, "MeanStepLength", subject=2, session="pre")
    assert any(r.startswith("input stale: values (StepLength") for r in found)
    # two levels down: StepRatio subject=2 reads the stale means
    assert any(r.startswith("input stale: pre (MeanStepLength")
               for r in reasons(statuses, "StepRatio", subject=2))


def test_code_changed(statuses):
    found = reasons(statuses, "MeanStepLength", subject=3, session="post")
    assert found and found[0].startswith("code: compute_mean changed")
    assert reasons(statuses, "MeanStepLength", subject=1, session="post") == []


def test_constants_changed(statuses):
    assert reasons(statuses, "ScaledMean", subject=1, session="post") == [
        "constants: factor=2 -> 3"
    ]


def test_error_and_missing_keep_the_run_log_reason(statuses):
    error = statuses[("StepRatio", (("subject", 3),))]
    assert error.record is None
    assert error.reasons == ["ValueError: post step length above 0.8 m: check the marker"]
    missing = statuses[("StepRatio", (("subject", 4),))]
    assert missing.reasons == ["no MeanStepLength record at subject=4, session='pre'"]


def test_current_fingerprints_given_by_the_caller_win(pipeline_db):
    with Database(pipeline_db, None, read_only=True) as db:
        records = read_current_records(db)
        old = records.current("MeanStepLength")
        old_fingerprint = next(v.producer.fingerprint for v in old if v.metadata["subject"] == 3)
        staleness = Staleness(records, {"compute_mean": old_fingerprint})
        got = {tuple(e.metadata.values()): e for e in
               variable_statuses(db, "MeanStepLength", records=records, staleness=staleness)}
    assert got[(1, "post")].status == "stale"  # made by the new code: not current any more
    assert got[(3, "post")].status == "done"


def test_a_save_after_a_failure_is_not_an_error(tmp_path, scidb_unconfigured):
    import scidb
    from scihist import BaseVariable, for_each

    class Source(BaseVariable):
        pass

    class Result(BaseVariable):
        pass

    db = scidb.configure_database(tmp_path / "f.duckdb", ["subject", "session"])
    Source.save(np.arange(3.0), subject=1, session="a")

    def fails(x):
        raise RuntimeError("no")

    for_each(fails, inputs={"x": Source}, outputs=[Result], subject=[1], session=["a"])
    assert [e.status for e in variable_statuses(db, "Result")] == ["error"]
    Result.save(1.0, subject=1, session="a")
    assert [e.status for e in variable_statuses(db, "Result")] == ["done"]
    scidb.close(db)


def test_a_cached_setting_made_latest_again_replaces_no_input(tmp_path, scidb_unconfigured):
    # factor 2, then 3, then 2 again: the third run finds the first results cached and
    # makes them latest again as new versions with the first content; the step made
    # from version 1 of Scaled is done, not stale
    import scidb
    from scihist import BaseVariable, for_each

    class Source(BaseVariable):
        pass

    class Scaled(BaseVariable):
        pass

    class Peak(BaseVariable):
        pass

    def scale(x, factor):
        return x * factor

    def peak(x):
        return float(np.max(x))

    db = scidb.configure_database(tmp_path / "again.duckdb", ["subject"])
    Source.save(np.arange(3.0), subject=1)
    for factor in (2, 3, 2):
        for_each(scale, inputs={"x": Source, "factor": factor}, outputs=[Scaled], subject=[1])
        for_each(peak, inputs={"x": Scaled}, outputs=[Peak], subject=[1])
    assert [v["version"] for v in Scaled.list_versions(subject=1)] == [1, 2, 3]
    assert [e.status for e in variable_statuses(db, "Peak")] == ["done"]
    Source.save(np.arange(4.0), subject=1)  # other content: now the input is replaced
    assert [e.status for e in variable_statuses(db, "Scaled")] == ["stale"]
    scidb.close(db)


def test_grid_cells_take_the_worst_status(pipeline_db):
    with Database(pipeline_db, None, read_only=True) as db:
        grid = status_grid(db, "StepLength", ["subject", "session"])
        with pytest.raises(MetadataError, match="no key 'trial'.*subject, session"):
            status_grid(db, "MeanStepLength", ["subject", "trial"])
    assert grid.axes == [[1, 2, 3], ["post", "pre"]]
    cells = {c.coordinates: c for c in grid.cells}
    assert cells[(2, "pre")].status == "stale"
    assert cells[(2, "pre")].counts == {"done": 4, "stale": 1}
    assert cells[(1, "pre")].counts == {"done": 5}
    assert grid.totals == {"done": 5, "stale": 1, "missing": 0, "error": 0}


def test_status_command(capsys, pipeline_db):
    assert cli.main(["status", pipeline_db, "StepRatio"]) == 0
    out = capsys.readouterr().out
    assert "StepRatio over subject: 1 done, 1 stale, 1 missing, 1 error" in out
    lines = out.splitlines()
    assert any(line.split() == ["3", "error"] for line in lines)
    assert "ValueError: post step length above 0.8 m" in out
    assert cli.main(["status", pipeline_db, "StepLength", "--grid", "subject,session"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("2 "))
    assert row.split() == ["2", "done", "5/5", "stale", "1/5"]
    assert cli.main(["status", pipeline_db, "ScaledMean", "--json"]) == 0
    grid = json.loads(capsys.readouterr().out)
    assert grid["keys"] == ["subject", "session"] and grid["totals"]["missing"] == 4
    assert cli.main(["status", pipeline_db, "StepLength", "--grid", "subject,nokey"]) == 2


def test_grid_table_shape():
    from scistack_engine.inspection.grid_table import grid_table

    shape = grid_table(["subject", "session", "trial"], [[1, 2], ["a"], [1, 2, 3]])
    assert shape.row_keys == ["subject", "session"]
    assert shape.headers == ["trial=1", "trial=2", "trial=3"]
    assert shape.rows == [(1, "a"), (2, "a")]
    assert list(shape.cells((2, "a"))) == [(2, "a", 1), (2, "a", 2), (2, "a", 3)]
    one = grid_table(["subject"], [[1, 2]])
    assert (one.headers, one.rows, list(one.cells((2,)))) == (["status"], [(1,), (2,)], [(2,)])
