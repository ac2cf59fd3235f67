"""scidb.for_each over the database (issue 3, design §1 and §6)."""

from __future__ import annotations

import getpass
import json
import re
import socket

import numpy as np
import pandas as pd
import pytest

import scidb
from scidb import BaseVariable, Fixed, Merge, PathTemplate, Sql, for_each
from scistack_engine.execution import ForEachRun


class RawEMG(BaseVariable):
    pass


class FilteredEMG(BaseVariable):
    pass


class MaxActivation(BaseVariable):
    pass


class Delta(BaseVariable):
    pass


class Side(BaseVariable):
    pass


class Steps(BaseVariable):
    pass


class Force(BaseVariable):
    pass


class Mean(BaseVariable):
    pass


class Peak(BaseVariable):
    pass


def bandpass_filter(signal, low_hz=20):
    return signal * 2.0 + low_hz


def _raw(subject, session):
    return np.arange(4.0) + 10 * subject + (0.5 if session == "post" else 0.0)


def _save_raw(subjects=(1, 2, 3), sessions=("pre", "post")):
    for subject in subjects:
        for session in sessions:
            RawEMG.save(_raw(subject, session), subject=subject, session=session)


def _count(db, table="_records"):
    return db.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def _combos(db, run_id):
    rows = db.con.execute(
        "SELECT combo, metadata, status, reason, duration_s, record_ids FROM _run_combos "
        "WHERE run_id = ? ORDER BY combo", [run_id]).fetchall()
    return [
        dict(zip(["combo", "metadata", "status", "reason", "duration_s", "record_ids"], r))
        for r in rows
    ]


# -------------------------------------------------------------- the product description's examples


def test_product_example_bandpass_filter_raw_to_filtered(scidb_db):
    _save_raw()
    result = for_each(
        bandpass_filter,
        inputs={"signal": RawEMG, "low_hz": 20},
        outputs=[FilteredEMG],
        subject=[1, 2, 3],
        session=["pre", "post"],
    )
    assert list(result.columns) == ["subject", "session", "status", "reason", "FilteredEMG"]
    assert result["status"].tolist() == ["done"] * 6
    for subject in (1, 2, 3):
        for session in ("pre", "post"):
            loaded = FilteredEMG.load(subject=subject, session=session)
            np.testing.assert_array_equal(loaded.data, _raw(subject, session) * 2 + 20)
            row = result[(result.subject == subject) & (result.session == session)].iloc[0]
            assert row["FilteredEMG"] == loaded.record_id


def test_product_example_range_of_subjects_skips_missing_ones(scidb_db):
    _save_raw(subjects=(1, 2), sessions=("baseline", "post"))
    result = for_each(bandpass_filter, inputs={"signal": RawEMG}, outputs=[FilteredEMG],
                      subject=range(1, 10000), session=["baseline", "post"])
    assert len(result) == 9999 * 2
    assert (result["status"] == "done").sum() == 4
    assert (result["status"] == "skipped").sum() == 9999 * 2 - 4
    skipped = result[result.status == "skipped"].iloc[0]
    assert (skipped["subject"], skipped["session"]) == (3, "baseline")
    assert skipped["reason"] == "no RawEMG record at subject=3, session='baseline'"
    assert len(list(FilteredEMG.load_all())) == 4


def test_product_example_fixed_baseline(scidb_db):
    _save_raw(subjects=(1, 2), sessions=("baseline", "post_1", "post_2"))

    def compare_to_baseline(baseline, current):
        return current - baseline

    result = for_each(compare_to_baseline,
                      inputs={"baseline": Fixed(RawEMG, session="baseline"), "current": RawEMG},
                      outputs=[Delta], subject=[1, 2], session=["post_1", "post_2"])
    assert result["status"].tolist() == ["done"] * 4
    for subject in (1, 2):
        for session in ("post_1", "post_2"):
            np.testing.assert_array_equal(Delta.load(subject=subject, session=session).data,
                                          _raw(subject, session) - _raw(subject, "baseline"))


def test_product_example_two_step_pipeline_and_load_all(scidb_db):
    """The complete-pipeline example: trials feed a per-session mean."""
    scidb_db.add_schema_key("trial")
    for subject in (1, 2):
        for session in ("pre", "post"):
            for trial in (1, 2, 3):
                RawEMG.save(
                    np.full(3, float(subject * 100 + trial)),
                    subject=subject,
                    session=session,
                    trial=trial,
                )

    for_each(lambda values: values * 0.5, inputs={"values": RawEMG}, outputs=[Steps],
             subject=[1, 2], session=["pre", "post"], trial=[1, 2, 3])
    for_each(lambda values: float(np.mean(np.concatenate(values))), inputs={"values": Steps},
             outputs=[Mean], subject=[1, 2], session=["pre", "post"])
    df = Mean.load_all(as_df=True)
    assert len(df) == 4
    assert df.groupby("subject")["data"].mean().to_dict() == {1: 51.0, 2: 101.0}


# ------------------------------------------------------------------ iterables


def test_empty_list_means_every_value_present(scidb_db):
    _save_raw(subjects=(1, 2, 5), sessions=("pre",))
    RawEMG.save(np.zeros(4), subject=7, session="post")
    result = for_each(bandpass_filter, inputs={"signal": RawEMG}, outputs=[FilteredEMG],
                      subject=[], session=[])
    assert sorted(set(result["subject"])) == [1, 2, 5, 7]
    assert sorted(set(result["session"])) == ["post", "pre"]
    assert len(result) == 8
    assert (result["status"] == "done").sum() == 4


def test_empty_list_combined_with_a_given_list(scidb_db):
    _save_raw(subjects=(1, 2), sessions=("pre", "post"))
    result = for_each(bandpass_filter, inputs={"signal": RawEMG}, outputs=[FilteredEMG],
                      subject=[], session=["post"])
    assert sorted(result["subject"]) == [1, 2]
    assert set(result["session"]) == {"post"}


def test_empty_list_with_no_variable_input_having_the_key_is_a_clear_error(scidb_db):
    _save_raw()
    scidb_db.add_schema_key("trial")
    with pytest.raises(scidb.PlanError, match="trial"):
        for_each(bandpass_filter, inputs={"signal": RawEMG}, outputs=[FilteredEMG],
                 subject=[1], session=["pre"], trial=[])


def test_iterables_accept_numpy_arrays_and_numbers_compare_by_value(scidb_db):
    _save_raw(subjects=(1, 2), sessions=("pre",))
    result = for_each(bandpass_filter, inputs={"signal": RawEMG}, outputs=[FilteredEMG],
                      subject=np.array([1.0, 2.0]), session="pre")
    assert result["status"].tolist() == ["done", "done"]
    assert FilteredEMG.load(subject=2, session="pre").metadata["subject"] == 2


def test_input_without_an_iterated_key_is_shared_by_every_combination(scidb_db):
    _save_raw(subjects=(1, 2), sessions=("pre", "post"))
    Side.save(10.0, subject=1)
    Side.save(20.0, subject=2)
    for_each(lambda signal, offset: signal + offset, inputs={"signal": RawEMG, "offset": Side},
             outputs=[FilteredEMG], subject=[1, 2], session=["pre", "post"])
    np.testing.assert_array_equal(
        FilteredEMG.load(subject=2, session="post").data, _raw(2, "post") + 20
    )


# ------------------------------------------------------------------ kinds of input


def test_constants_are_passed_unchanged(scidb_db):
    _save_raw(subjects=(1,), sessions=("pre",))
    seen = []

    def fn(signal, low_hz, options, label):
        seen.append((low_hz, options, label))
        return signal

    for_each(fn, inputs={"signal": RawEMG, "low_hz": 20, "options": {"order": 4}, "label": "x"},
             outputs=[FilteredEMG], subject=[1], session=["pre"])
    assert seen == [(20, {"order": 4}, "x")]


def test_column_selection_passes_one_column_as_an_array(scidb_db):
    Steps.save(pd.DataFrame({"length": [0.6, 0.7], "side": ["L", "R"]}), subject=1, session="pre")
    result = for_each(lambda lengths: lengths, inputs={"lengths": Steps["length"]},
                      outputs=[Mean], subject=[1], session=["pre"], save=False)
    value = result["Mean"].iloc[0]
    assert isinstance(value, np.ndarray)
    np.testing.assert_array_equal(value, [0.6, 0.7])
    result = for_each(lambda both: both, inputs={"both": Steps[["side", "length"]]},
                      outputs=[Mean], subject=[1], session=["pre"], save=False)
    assert list(result["Mean"].iloc[0].columns) == ["side", "length"]


def test_column_selection_of_a_missing_column_fails_that_combination_clearly(scidb_db):
    Steps.save(pd.DataFrame({"length": [0.6]}), subject=1, session="pre")
    with pytest.raises(scidb.PlanError, match="width"):
        for_each(
            lambda x: x, inputs={"x": Steps["width"]}, outputs=[Mean], subject=[1], session=["pre"]
        )


def test_merge_joins_inputs_column_wise(scidb_db):
    Steps.save(pd.DataFrame({"length": [0.6, 0.7, 0.8]}), subject=1, session="pre")
    Force.save(
        pd.DataFrame({"fz": [10.0, 11.0, 12.0], "fx": [1.0, 2.0, 3.0]}), subject=1, session="pre"
    )
    RawEMG.save(np.array([5.0, 6.0, 7.0]), subject=1, session="pre")
    result = for_each(lambda merged: merged, inputs={"merged": Merge(Steps, Force["fz"], RawEMG)},
                      outputs=[Mean], subject=[1], session=["pre"], save=False)
    merged = result["Mean"].iloc[0]
    assert isinstance(merged, pd.DataFrame)
    assert list(merged.columns) == ["length", "fz", "RawEMG"]
    assert merged.values.tolist() == [[0.6, 10.0, 5.0], [0.7, 11.0, 6.0], [0.8, 12.0, 7.0]]


def test_merge_with_a_missing_part_skips_the_combination(scidb_db):
    Steps.save(pd.DataFrame({"length": [0.6]}), subject=1, session="pre")
    Steps.save(pd.DataFrame({"length": [0.6]}), subject=2, session="pre")
    Force.save(pd.DataFrame({"fz": [10.0]}), subject=1, session="pre")
    result = for_each(lambda m: len(m), inputs={"m": Merge(Steps, Force)}, outputs=[Mean],
                      subject=[1, 2], session=["pre"])
    assert result["status"].tolist() == ["done", "skipped"]
    assert "Force" in result["reason"].iloc[1]


def test_path_template_passes_existing_paths_and_skips_missing_files(scidb_db, tmp_path):
    for subject in (1, 3):
        (tmp_path / f"s{subject}_pre.csv").write_text(f"{subject}\n")
    template = str(tmp_path / "s{subject}_{session}.csv")

    def read(path):
        return float(open(path).read())

    result = for_each(read, inputs={"path": PathTemplate(template)}, outputs=[Peak],
                      subject=[1, 2, 3], session=["pre"])
    assert result["status"].tolist() == ["done", "skipped", "done"]
    assert "s2_pre.csv" in result["reason"].iloc[1] and "does not exist" in result["reason"].iloc[1]
    assert Peak.load(subject=3, session="pre").data == 3.0


def test_path_template_naming_an_unknown_key_is_a_clear_error(scidb_db, tmp_path):
    with pytest.raises(scidb.PlanError, match="trial"):
        for_each(lambda path: 1.0, inputs={"path": PathTemplate(str(tmp_path / "{trial}.csv"))},
                 outputs=[Peak], subject=[1])


# ------------------------------------------------------------------ where filters


@pytest.fixture
def filter_data(scidb_db):
    _save_raw(subjects=(1, 2, 3, 4), sessions=("pre",))
    for subject, side in [(1, "left"), (2, "right"), (3, "left"), (4, "right")]:
        Side.save(side, subject=subject, session="pre")
        Steps.save(pd.DataFrame({"length": [0.5 + subject / 10, 0.4], "n": [subject, 0]}),
                   subject=subject, session="pre")
    return scidb_db


def _ran(where):
    result = for_each(lambda signal: 1.0, inputs={"signal": RawEMG}, outputs=[Peak],
                      subject=[1, 2, 3, 4], session=["pre"], where=where, save=False)
    return sorted(result.loc[result.status == "done", "subject"].tolist())


@pytest.mark.parametrize(
    "make_where, expected",
    [
        (lambda: Side == "left", [1, 3]),
        (lambda: Side != "left", [2, 4]),
        (lambda: Side.isin(["right"]), [2, 4]),
        (lambda: Steps["length"] > 0.75, [3, 4]),
        (lambda: Steps["n"] >= 2, [2, 3, 4]),
        (lambda: Steps["n"] < 1, [1, 2, 3, 4]),  # any row passes
        (lambda: (Side == "left") & (Steps["length"] > 0.65), [3]),
        (lambda: (Side == "left") | (Steps["n"] == 4), [1, 3, 4]),
        (lambda: ~(Side == "left"), [2, 4]),
        (lambda: ~Side.isin(["left", "right"]), []),
        (lambda: Sql("subject > 2"), [3, 4]),
        (lambda: "subject IN (1, 4)", [1, 4]),
        (lambda: Sql("session = 'pre' AND subject % 2 = 0") & ~(Side == "right"), []),
    ],
    ids=["eq", "ne", "isin", "col-gt", "col-ge", "col-any-row", "and", "or", "not", "not-isin",
         "sql", "sql-string", "sql-and-not"],
)
def test_where_filters(filter_data, make_where, expected):
    assert _ran(make_where()) == expected


def test_where_filtered_combinations_are_not_run_or_logged(filter_data):
    result = for_each(lambda signal: 1.0, inputs={"signal": RawEMG}, outputs=[Peak],
                      subject=[1, 2, 3, 4], session=["pre"], where=Side == "left")
    assert result["subject"].tolist() == [1, 3]
    assert len(_combos(filter_data, result.attrs["run_id"])) == 2


def test_invalid_sql_where_is_a_clear_error_that_runs_nothing(filter_data):
    calls = []
    with pytest.raises(scidb.PlanError, match="not a valid condition"):
        for_each(lambda signal: calls.append(1), inputs={"signal": RawEMG}, outputs=[Peak],
                 subject=[1, 2], session=["pre"], where=Sql("subject >>> 2"))
    assert calls == []


def test_filters_have_no_truth_value(filter_data):
    with pytest.raises(TypeError, match=re.escape("&, |, ~")):
        bool(Side == "left")
    with pytest.raises(TypeError, match="not and, or, not"):
        if (Side == "left") or (Side == "right"):
            pass


# ------------------------------------------------------------------ dry run and save=False


def test_dry_run_reports_what_would_run_and_what_is_missing_and_writes_nothing(scidb_db):
    _save_raw(subjects=(1, 2), sessions=("pre",))
    records, runs = _count(scidb_db), _count(scidb_db, "_runs")
    calls = []
    result = for_each(lambda signal: calls.append(1) or signal, inputs={"signal": RawEMG},
                      outputs=[FilteredEMG], subject=[1, 2, 3], session=["pre"], dry_run=True)
    assert calls == []
    assert result["status"].tolist() == ["would_run", "would_run", "skipped"]
    assert result["reason"].iloc[:2].isna().all()
    assert "RawEMG" in result["reason"].iloc[2] and "subject=3" in result["reason"].iloc[2]
    assert (_count(scidb_db), _count(scidb_db, "_runs"), _count(scidb_db, "_run_combos")) == (
        records,
        runs,
        0,
    )
    assert "FilteredEMG" not in scidb_db.variables()


def test_save_false_returns_values_and_saves_nothing(scidb_db):
    _save_raw(subjects=(1, 2), sessions=("pre",))
    records = _count(scidb_db)
    result = for_each(lambda signal: float(signal.max()), inputs={"signal": RawEMG},
                      outputs=[Peak], subject=[1, 2], session=["pre"], save=False)
    assert result["status"].tolist() == ["done", "done"]
    assert result["Peak"].tolist() == [13.0, 23.0]
    assert _count(scidb_db) == records
    assert _count(scidb_db, "_runs") == 0
    with pytest.raises(scidb.UnknownVariableError):
        Peak.load(subject=1, session="pre")


def test_save_false_returns_every_output_of_a_multi_output_function(scidb_db):
    _save_raw(subjects=(1,), sessions=("pre",))
    result = for_each(lambda signal: (signal.max(), signal.min()), inputs={"signal": RawEMG},
                      outputs=[Peak, Mean], subject=[1], session=["pre"], save=False)
    assert (result["Peak"].iloc[0], result["Mean"].iloc[0]) == (13.0, 10.0)


# ------------------------------------------------------------------ skips, failures, outputs


def test_missing_input_skips_the_combination_with_its_reason(scidb_db):
    _save_raw(subjects=(1,), sessions=("pre",))
    result = for_each(bandpass_filter, inputs={"signal": RawEMG}, outputs=[FilteredEMG],
                      subject=[1, 2], session=["pre"])
    assert result["status"].tolist() == ["done", "skipped"]
    assert result["reason"].iloc[1] == "no RawEMG record at subject=2, session='pre'"
    combos = _combos(scidb_db, result.attrs["run_id"])
    assert [(c["status"], c["reason"]) for c in combos] == [
        ("done", None), ("skipped", "no RawEMG record at subject=2, session='pre'")]


def test_an_exception_is_recorded_with_its_message_and_the_loop_continues(scidb_db):
    _save_raw(subjects=(1, 2, 3), sessions=("pre",))

    def fragile(signal):
        if signal[0] == 20.0:
            raise ValueError("cannot filter subject two")
        return signal + 1

    result = for_each(fragile, inputs={"signal": RawEMG}, outputs=[FilteredEMG],
                      subject=[1, 2, 3], session=["pre"])
    assert result["status"].tolist() == ["done", "failed", "done"]
    assert result["reason"].iloc[1] == "ValueError: cannot filter subject two"
    assert pd.isna(result["FilteredEMG"].iloc[1])
    assert FilteredEMG.load(subject=3, session="pre").data[0] == 31.0
    with pytest.raises(scidb.NotFoundError):
        FilteredEMG.load(subject=2, session="pre")
    combos = _combos(scidb_db, result.attrs["run_id"])
    assert combos[1]["status"] == "failed"
    assert "cannot filter subject two" in combos[1]["reason"]
    run = scidb_db.con.execute("SELECT status, n_done, n_failed FROM _runs WHERE run_id = ?",
                               [result.attrs["run_id"]]).fetchall()
    assert run == [("finished", 2, 1)]


def test_on_error_raise_stops_after_committing_what_finished(scidb_db):
    _save_raw(subjects=(1, 2, 3), sessions=("pre",))
    calls = []

    def fragile(signal):
        calls.append(signal[0])
        if signal[0] == 20.0:
            raise KeyError("boom")
        return signal

    with pytest.raises(KeyError, match="boom"):
        for_each(fragile, inputs={"signal": RawEMG}, outputs=[FilteredEMG],
                 subject=[1, 2, 3], session=["pre"], on_error="raise")
    assert calls == [10.0, 20.0]
    assert FilteredEMG.load(subject=1, session="pre").data[0] == 10.0
    with pytest.raises(scidb.NotFoundError):
        FilteredEMG.load(subject=3, session="pre")
    status = scidb_db.con.execute("SELECT status, n_done, n_failed FROM _runs").fetchall()
    assert status == [("failed", 1, 1)]


def test_on_error_must_be_continue_or_raise(scidb_db):
    _save_raw(subjects=(1,), sessions=("pre",))
    with pytest.raises(ValueError, match="on_error"):
        for_each(bandpass_filter, inputs={"signal": RawEMG}, outputs=[FilteredEMG],
                 subject=[1], session=["pre"], on_error="ignore")


def test_multiple_outputs_from_a_tuple(scidb_db):
    _save_raw(subjects=(1, 2), sessions=("pre",))
    result = for_each(
        lambda signal: (float(signal.max()), float(signal.mean())),
        inputs={"signal": RawEMG},
        outputs=[Peak, Mean],
        subject=[1, 2],
        session=["pre"],
    )
    assert list(result.columns[-2:]) == ["Peak", "Mean"]
    assert Peak.load(subject=2, session="pre").data == 23.0
    assert Mean.load(subject=2, session="pre").data == 21.5
    assert result["Peak"].iloc[1] == Peak.load(subject=2, session="pre").record_id


def test_wrong_number_of_outputs_fails_that_combination(scidb_db):
    _save_raw(subjects=(1, 2), sessions=("pre",))
    result = for_each(
        lambda signal: (1.0, 2.0) if signal[0] == 10.0 else 3.0,
        inputs={"signal": RawEMG},
        outputs=[Peak, Mean],
        subject=[1, 2],
        session=["pre"],
    )
    assert result["status"].tolist() == ["done", "failed"]
    assert "returned 1 value(s) but 2 outputs are declared" in result["reason"].iloc[1]
    with pytest.raises(scidb.NotFoundError):
        Peak.load(subject=2, session="pre")


def test_an_unstorable_return_value_fails_only_its_combination(scidb_db):
    _save_raw(subjects=(1, 2, 3), sessions=("pre",))
    result = for_each(lambda signal: {1, 2} if signal[0] == 20.0 else float(signal[0]),
                      inputs={"signal": RawEMG}, outputs=[Peak], subject=[1, 2, 3], session=["pre"])
    assert result["status"].tolist() == ["done", "failed", "done"]
    assert "set" in result["reason"].iloc[1]
    assert [v.data for v in Peak.load_all()] == [10.0, 30.0]
    run = scidb_db.con.execute("SELECT status, n_done, n_failed FROM _runs").fetchall()
    assert run == [("finished", 2, 1)]


def test_rerunning_a_for_each_adds_no_versions_for_identical_outputs(scidb_db):
    _save_raw()
    first = for_each(bandpass_filter, inputs={"signal": RawEMG}, outputs=[FilteredEMG],
                     subject=[1, 2, 3], session=["pre", "post"])
    second = for_each(bandpass_filter, inputs={"signal": RawEMG}, outputs=[FilteredEMG],
                      subject=[1, 2, 3], session=["pre", "post"])
    assert first["FilteredEMG"].tolist() == second["FilteredEMG"].tolist()
    assert all(v["version"] == 1 for v in FilteredEMG.list_versions())


def test_changed_function_output_adds_versions(scidb_db):
    _save_raw(subjects=(1,), sessions=("pre",))
    for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20}, outputs=[FilteredEMG],
             subject=[1], session=["pre"])
    for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 30}, outputs=[FilteredEMG],
             subject=[1], session=["pre"])
    assert FilteredEMG.load(subject=1, session="pre").version == 2
    assert FilteredEMG.load(subject=1, session="pre", version=1).data[0] == 40.0


def test_unknown_input_variable_is_a_clear_error(scidb_db):
    _save_raw(subjects=(1,), sessions=("pre",))
    with pytest.raises(scidb.UnknownVariableError, match="RawEMG"):
        for_each(lambda x: x, inputs={"x": Force}, outputs=[Peak], subject=[1], session=["pre"])


# ------------------------------------------------------------------ plan -> execute -> commit


def test_inputs_are_read_once_per_batch_and_outputs_committed_once_per_batch(scidb_db, monkeypatch):
    frame = pd.DataFrame({"subject": range(25), "session": "pre", "v": np.arange(25.0)})
    RawEMG.save_from_dataframe(frame, "v", ["subject", "session"])
    reads, commits, saves = [], [], []
    fetch, save_columns = scidb_db.fetch_values, scidb_db.save_columns
    commit = ForEachRun.commit
    monkeypatch.setattr(scidb_db, "fetch_values", lambda ids: reads.append(len(ids)) or fetch(ids))
    monkeypatch.setattr(scidb_db, "save_columns", lambda variable, metadata, values, **kw:
                        saves.append(len(values)) or save_columns(variable, metadata, values, **kw))
    monkeypatch.setattr(ForEachRun, "commit", lambda run, outcomes:
                        commits.append(len(outcomes)) or commit(run, outcomes))
    result = for_each(lambda v: v * 2, inputs={"v": RawEMG}, outputs=[Peak],
                      subject=range(25), session=["pre"], batch_size=10)
    assert (result["status"] == "done").all()
    assert reads == [10, 10, 5]
    assert commits == [10, 15]  # a quick batch doubles the next one's count
    assert saves == commits  # scalar outputs: one column save per commit
    assert Peak.load(subject=24, session="pre").data == 48.0


# ------------------------------------------------------------------ the run log


def test_run_log_tables_record_every_run_and_combination(scidb_db):
    _save_raw(subjects=(1, 2), sessions=("pre",))

    def fn(signal):
        if signal[0] == 20.0:
            raise RuntimeError("bad subject")
        return signal

    result = for_each(fn, inputs={"signal": RawEMG}, outputs=[FilteredEMG],
                      subject=[1, 2, 3], session=["pre"])
    run_id = result.attrs["run_id"]
    runs = scidb_db.con.execute(
        'SELECT function, language, host, "user", status, n_combos, n_done, n_skipped, n_failed, '
        "started_at <= finished_at FROM _runs WHERE run_id = ?", [run_id]).fetchall()
    assert runs == [
        ("fn", "python", socket.gethostname(), getpass.getuser(), "finished", 3, 1, 1, 1, True)
    ]
    combos = _combos(scidb_db, run_id)
    assert [c["status"] for c in combos] == ["done", "failed", "skipped"]
    assert [json.loads(c["metadata"]) for c in combos] == [
        {"subject": s, "session": "pre"} for s in (1, 2, 3)]
    assert combos[0]["reason"] is None
    assert combos[1]["reason"] == "RuntimeError: bad subject"
    assert "RawEMG" in combos[2]["reason"]
    assert all(c["duration_s"] >= 0 for c in combos)
    assert json.loads(combos[0]["record_ids"]) == [
        FilteredEMG.load(subject=1, session="pre").record_id
    ]


def test_run_log_duration_measures_the_function(scidb_db):
    import time

    _save_raw(subjects=(1,), sessions=("pre",))
    result = for_each(lambda signal: time.sleep(0.05) or signal, inputs={"signal": RawEMG},
                      outputs=[FilteredEMG], subject=[1], session=["pre"])
    (duration,), = scidb_db.con.execute("SELECT duration_s FROM _run_combos WHERE run_id = ?",
                                        [result.attrs["run_id"]]).fetchall()
    assert 0.04 <= duration < 5


def test_run_log_is_queryable_across_runs(scidb_db):
    _save_raw(subjects=(1,), sessions=("pre",))
    for _ in range(3):
        for_each(bandpass_filter, inputs={"signal": RawEMG}, outputs=[FilteredEMG],
                 subject=[1, 2], session=["pre"])
    rows = scidb_db.con.execute(
        "SELECT c.status, count(*) FROM _run_combos c JOIN _runs r USING (run_id) "
        "WHERE r.function = 'bandpass_filter' GROUP BY c.status ORDER BY c.status").fetchall()
    assert rows == [("done", 3), ("skipped", 3)]
