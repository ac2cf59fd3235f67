"""Behaviours that protect users from surprises: one index per file, their own SQL cursor,
empty results, failure stacks in the run log, superseded cached results."""

from __future__ import annotations

import pytest

import scidb
from scidb import BaseVariable, DatabaseLockedError, configure_database, for_each
from scihist import for_each as hist_for_each


class Reading(BaseVariable):
    pass


class Doubled(BaseVariable):
    pass


def test_a_second_object_on_an_open_file_is_refused_and_reconfiguring_replaces(
    tmp_path, scidb_unconfigured
):
    path = tmp_path / "one.duckdb"
    first = configure_database(path, ["subject"])
    with pytest.raises(DatabaseLockedError, match="already open in this process"):
        scidb.Database(str(path), ["subject"])
    second = configure_database(path, ["subject"])
    assert not first.is_open and second.is_open
    scidb.close()


def test_an_open_user_result_never_blocks_a_save(scidb_db):
    Reading.save(1.0, subject=1, session="a")
    pending = scidb_db.con.execute("SELECT * FROM _records")
    pending.fetchone()  # a result left open on the user's connection
    Reading.save(2.0, subject=2, session="a")
    assert Reading.load(subject=2, session="a").data == 2.0


def test_load_all_with_no_match_is_empty_with_the_metadata_columns(scidb_db):
    Reading.save(1.0, subject=1, session="a")
    frame = Reading.load_all(as_df=True, subject=99)
    assert frame.empty and list(frame.columns) == ["subject", "session", "data"]
    assert list(Reading.load_all(subject=99)) == []
    with pytest.raises(scidb.UnknownVariableError):
        Doubled.load_all(as_df=True)


def test_a_failing_combination_logs_its_stack(scidb_db):
    Reading.save(1.0, subject=1, session="a")

    def explode(x):
        raise ZeroDivisionError("no luck")

    result = for_each(explode, inputs={"x": Reading}, outputs=[Doubled], subject=[1], session=["a"])
    assert result["status"].tolist() == ["failed"]
    reason, stack = scidb_db.con.execute(
        "SELECT reason, stack FROM _run_combos WHERE run_id = ?", [result.attrs["run_id"]]
    ).fetchone()
    assert reason == "ZeroDivisionError: no luck"
    assert "in explode" in stack and "ZeroDivisionError" in stack


def test_reverting_a_constant_makes_the_earlier_results_latest_without_running(scidb_db):
    Reading.save(3.0, subject=1, session="a")
    calls = []

    def scale(x, k):
        calls.append(k)
        return x * k

    for k in (2.0, 5.0, 2.0):
        hist_for_each(
            scale, inputs={"x": Reading, "k": k}, outputs=[Doubled], subject=[1], session=["a"]
        )
    assert calls == [2.0, 5.0]
    latest = Doubled.load(subject=1, session="a")
    assert latest.data == 6.0 and latest.version == 3
    assert scidb_db.get_provenance(Doubled, subject=1, session="a")["constants"] == {"k": 2.0}


def test_skip_existing_continues_an_interrupted_run(scidb_db):
    for subject in (1, 2, 3):
        Reading.save(float(subject), subject=subject, session="a")
    calls = []

    def double(x):
        calls.append(x)
        return 2 * x

    # an earlier run that stopped after subject 1
    for_each(double, inputs={"x": Reading}, outputs=[Doubled], subject=[1], session=["a"])
    result = for_each(double, inputs={"x": Reading}, outputs=[Doubled], subject=[1, 2, 3],
                      session=["a"], skip_existing=True)
    assert calls == [1.0, 2.0, 3.0]  # subject 1 ran once, in the first run
    assert result["status"].tolist() == ["cached", "done", "done"]
    assert result["reason"].tolist()[0] == "its outputs are already saved"
    logged = scidb_db.con.execute("SELECT status FROM _run_combos WHERE run_id = ? ORDER BY combo",
                                  [result.attrs["run_id"]]).fetchall()
    assert [s for (s,) in logged] == ["cached", "done", "done"]
    # without the option every combination runs again (identical outputs add no version)
    for_each(double, inputs={"x": Reading}, outputs=[Doubled], subject=[1, 2, 3], session=["a"])
    assert len(calls) == 6 and Doubled.load(subject=2, session="a").version == 1
