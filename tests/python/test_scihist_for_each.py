"""scihist.for_each (issue 4): lineage on every output, skip-if-computed by default, exact
reruns after a change of code, constant or input, force, and ``from scihist import *``."""

from __future__ import annotations

import json

import numpy as np
import pytest

import scidb
import scihist
import scilineage
from scidb import BaseVariable
from scihist import for_each
from scilineage import lineage_fcn


class CallCounter:
    """Counts calls; a fixed fingerprint keeps it out of every cache key."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> None:
        self.n += 1

    def __scistack_fingerprint__(self) -> str:
        return "scihist-test-counter"


class RawEMG(BaseVariable):
    pass


class FilteredEMG(BaseVariable):
    pass


class Smoothed(BaseVariable):
    pass


class Zeta(BaseVariable):
    pass


class Alpha(BaseVariable):
    pass


SUBJECTS = [1, 2, 3]
SESSIONS = ["pre", "post"]
COMBOS = dict(subject=SUBJECTS, session=SESSIONS)


def raw_value(subject: int, session: str) -> np.ndarray:
    return np.arange(4.0) * subject + (0.5 if session == "post" else 0.0)


@pytest.fixture
def db(scidb_db):
    for subject in SUBJECTS:
        for session in SESSIONS:
            RawEMG.save(raw_value(subject, session), subject=subject, session=session)
    return scidb_db


def run_rows(db, result):
    """The run log's combination rows of a for_each result: (metadata, status, reason)."""
    rows = db.con.execute(
        "SELECT metadata, status, reason, record_ids FROM _run_combos "
        "WHERE run_id = ? ORDER BY combo",
        [result.attrs["run_id"]],
    ).fetchall()
    return [(json.loads(m), s, r, json.loads(ids) if ids else None) for m, s, r, ids in rows]


def run_counts(db, result):
    return db.con.execute(
        "SELECT status, n_combos, n_done, n_cached, n_skipped, n_failed FROM _runs "
        "WHERE run_id = ?",
        [result.attrs["run_id"]],
    ).fetchone()


def versions(var, **metadata):
    return [v["version"] for v in var.list_versions(**metadata)]


# --------------------------------------------------------------------------- skip_computed


def test_second_run_is_cached_without_calling_and_the_run_log_says_so(db):
    calls = CallCounter()

    def bandpass_filter(signal, low_hz):
        calls()
        return signal * low_hz

    first = for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20},
                     outputs=[FilteredEMG], **COMBOS)
    assert list(first["status"]) == ["done"] * 6
    assert calls.n == 6

    second = for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20},
                      outputs=[FilteredEMG], **COMBOS)
    assert calls.n == 6, "skip_computed is the default: nothing may be called"
    assert list(second["status"]) == ["cached"] * 6
    assert list(second["FilteredEMG"]) == list(first["FilteredEMG"])
    assert second.attrs["run_id"] != first.attrs["run_id"]

    rows = run_rows(db, second)
    assert [s for _, s, _, _ in rows] == ["cached"] * 6
    assert [ids for _, _, _, ids in rows] == [[rid] for rid in first["FilteredEMG"]]
    assert [m for m, _, _, _ in rows] == [
        {"subject": s, "session": se} for s in SUBJECTS for se in SESSIONS]
    assert run_counts(db, second) == ("finished", 6, 0, 6, 0, 0)
    assert run_counts(db, first) == ("finished", 6, 6, 0, 0, 0)
    for subject in SUBJECTS:
        for session in SESSIONS:
            assert versions(FilteredEMG, subject=subject, session=session) == [1]


def test_outputs_carry_lineage(db):
    def bandpass_filter(signal, low_hz):
        return signal * low_hz

    for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20}, outputs=[FilteredEMG],
             **COMBOS)
    p = db.get_provenance(FilteredEMG, subject=2, session="post")
    assert p["function_name"] == "bandpass_filter"
    assert p["language"] == "python"
    assert p["fingerprint"] == scilineage.function_fingerprint(bandpass_filter)
    assert p["constants"] == {"low_hz": 20}
    raw = RawEMG.load(subject=2, session="post")
    assert p["inputs"]["signal"]["record_id"] == raw.record_id
    assert p["inputs"]["signal"]["version"] == raw.version


def test_dry_run_reports_what_is_cached_and_what_would_run(db):
    calls = CallCounter()

    def bandpass_filter(signal, low_hz):
        calls()
        return signal * low_hz

    for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20}, outputs=[FilteredEMG],
             subject=[1], session=SESSIONS)
    plan = for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20},
                    outputs=[FilteredEMG], dry_run=True, **COMBOS)
    assert calls.n == 2
    assert list(plan["status"]) == ["cached", "cached"] + ["would_run"] * 4


# --------------------------------------------------------------------------- exact reruns


def test_changing_the_function_code_reruns_every_combination_and_keeps_old_versions(db):
    calls = CallCounter()

    def bandpass_filter(signal, low_hz):
        calls()
        return signal * low_hz

    for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20}, outputs=[FilteredEMG],
             **COMBOS)

    def bandpass_filter(signal, low_hz):  # noqa: F811 - the user edits the function
        calls()
        return signal * low_hz + 1

    rerun = for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20},
                     outputs=[FilteredEMG], **COMBOS)
    assert list(rerun["status"]) == ["done"] * 6
    assert calls.n == 12
    for subject in SUBJECTS:
        for session in SESSIONS:
            where = dict(subject=subject, session=session)
            assert versions(FilteredEMG, **where) == [1, 2]
            latest = FilteredEMG.load(**where)  # a plain load: no ambiguity
            assert latest.version == 2
            np.testing.assert_array_equal(latest.data, raw_value(subject, session) * 20 + 1)
            np.testing.assert_array_equal(FilteredEMG.load(version=1, **where).data,
                                          raw_value(subject, session) * 20)

    again = for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20},
                     outputs=[FilteredEMG], **COMBOS)
    assert list(again["status"]) == ["cached"] * 6
    assert calls.n == 12


def test_changing_a_helper_the_function_calls_reruns(db):
    calls = CallCounter()

    def gain():
        return 2.0

    def amplify(signal):
        calls()
        return signal * gain()

    for_each(amplify, inputs={"signal": RawEMG}, outputs=[FilteredEMG], **COMBOS)

    def gain():  # noqa: F811
        return 3.0

    def amplify(signal):  # noqa: F811 - identical code; only the helper changed
        calls()
        return signal * gain()

    rerun = for_each(amplify, inputs={"signal": RawEMG}, outputs=[FilteredEMG], **COMBOS)
    assert list(rerun["status"]) == ["done"] * 6
    assert calls.n == 12
    np.testing.assert_array_equal(FilteredEMG.load(subject=1, session="pre").data,
                                  raw_value(1, "pre") * 3.0)


def test_changing_a_constant_reruns_every_combination_and_keeps_old_versions(db):
    calls = CallCounter()

    def bandpass_filter(signal, low_hz):
        calls()
        return signal * low_hz

    for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20}, outputs=[FilteredEMG],
             **COMBOS)
    rerun = for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 30},
                     outputs=[FilteredEMG], **COMBOS)
    assert list(rerun["status"]) == ["done"] * 6
    assert calls.n == 12
    for subject in SUBJECTS:
        for session in SESSIONS:
            where = dict(subject=subject, session=session)
            assert versions(FilteredEMG, **where) == [1, 2]
            assert FilteredEMG.load(**where).version == 2
            assert FilteredEMG.load(low_hz=20, **where).version == 1
            np.testing.assert_array_equal(FilteredEMG.load(**where).data,
                                          raw_value(subject, session) * 30)


def test_changing_one_input_reruns_exactly_that_combination(db):
    calls = CallCounter()

    def bandpass_filter(signal, low_hz):
        calls()
        return signal * low_hz

    for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20}, outputs=[FilteredEMG],
             **COMBOS)
    RawEMG.save(np.array([9.0, 9.0]), subject=2, session="post")
    rerun = for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20},
                     outputs=[FilteredEMG], **COMBOS)
    assert calls.n == 7
    status = {(r.subject, r.session): r.status for r in rerun.itertuples()}
    assert status.pop((2, "post")) == "done"
    assert set(status.values()) == {"cached"}
    assert versions(FilteredEMG, subject=2, session="post") == [1, 2]
    assert versions(FilteredEMG, subject=1, session="pre") == [1]


def test_code_change_with_identical_output_keeps_the_next_step_cached(db):
    # keys use content hashes: a rerun upstream that saves the same values leaves the
    # downstream step with nothing to recompute
    calls = CallCounter()

    def double(signal):
        return signal * 2

    def smooth(values):
        calls()
        return np.convolve(values, [0.5, 0.5], mode="valid")

    for_each(double, inputs={"signal": RawEMG}, outputs=[FilteredEMG], **COMBOS)
    for_each(smooth, inputs={"values": FilteredEMG}, outputs=[Smoothed], **COMBOS)

    def double(signal):  # noqa: F811 - new code, same values
        return signal + signal

    upstream = for_each(double, inputs={"signal": RawEMG}, outputs=[FilteredEMG], **COMBOS)
    assert list(upstream["status"]) == ["done"] * 6
    downstream = for_each(smooth, inputs={"values": FilteredEMG}, outputs=[Smoothed], **COMBOS)
    assert list(downstream["status"]) == ["cached"] * 6
    assert calls.n == 6


def test_reverting_a_constant_makes_plain_load_return_the_reverted_results(db):
    # 20 -> 30 -> 20: the third run needs no computation (20's results are saved), but
    # the script's current setting is 20 again, so a plain load must return 20's results
    calls = CallCounter()

    def bandpass_filter(signal, low_hz):
        calls()
        return signal * low_hz

    for low_hz in (20, 30, 20):
        for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": low_hz},
                 outputs=[FilteredEMG], **COMBOS)
    assert calls.n == 12
    latest = FilteredEMG.load(subject=1, session="pre")
    np.testing.assert_array_equal(latest.data, raw_value(1, "pre") * 20)
    assert db.get_provenance(FilteredEMG, subject=1, session="pre")["constants"] == {"low_hz": 20}


# --------------------------------------------------------------------------- force


@pytest.mark.parametrize("option", [{"force": True}, {"skip_computed": False}],
                         ids=["force", "skip_computed_false"])
def test_force_reruns_every_combination(db, option):
    calls = CallCounter()

    def bandpass_filter(signal, low_hz):
        calls()
        return signal * low_hz

    first = for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20},
                     outputs=[FilteredEMG], **COMBOS)
    forced = for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20},
                      outputs=[FilteredEMG], **option, **COMBOS)
    assert calls.n == 12
    assert list(forced["status"]) == ["done"] * 6
    assert run_counts(db, forced)[2] == 6
    # identical results add no version
    assert list(forced["FilteredEMG"]) == list(first["FilteredEMG"])
    assert versions(FilteredEMG, subject=3, session="post") == [1]


# --------------------------------------------------------------------------- forms of function


def test_lineage_fcn_function_is_accepted_and_shares_the_cache_with_direct_calls(db):
    calls = CallCounter()

    @lineage_fcn
    def bandpass_filter(signal, low_hz):
        calls()
        return signal * low_hz

    # a direct call saved at subject 1 / pre makes that combination computed ...
    FilteredEMG.save(bandpass_filter(RawEMG.load(subject=1, session="pre"), low_hz=20),
                     subject=1, session="pre")
    assert calls.n == 1
    result = for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20},
                      outputs=[FilteredEMG], **COMBOS)
    assert result["status"].tolist() == ["cached"] + ["done"] * 5
    assert calls.n == 6
    # ... and what for_each saved is a hit for a direct call, after reopening
    scidb.close()
    scidb.configure_database(db.path, db.schema_keys)
    direct = bandpass_filter(RawEMG.load(subject=3, session="post"), low_hz=20)
    assert calls.n == 6
    np.testing.assert_array_equal(direct.data, raw_value(3, "post") * 20)


def test_multiple_outputs_keep_their_order_fresh_and_cached(db):
    calls = CallCounter()

    def split(signal):
        calls()
        return float(signal.max()), "n=" + str(len(signal))

    first = for_each(split, inputs={"signal": RawEMG}, outputs=[Zeta, Alpha], **COMBOS)
    second = for_each(split, inputs={"signal": RawEMG}, outputs=[Zeta, Alpha], **COMBOS)
    assert calls.n == 6
    assert list(second["status"]) == ["cached"] * 6
    assert list(second["Zeta"]) == list(first["Zeta"])
    assert list(second["Alpha"]) == list(first["Alpha"])
    for row in second.itertuples():
        assert Zeta.load(subject=row.subject, session=row.session).record_id == row.Zeta
        assert Alpha.load(subject=row.subject, session=row.session).record_id == row.Alpha
        assert Zeta.load(subject=row.subject, session=row.session).data == raw_value(
            row.subject, row.session).max()
        assert Alpha.load(subject=row.subject, session=row.session).data == "n=4"


def test_missing_inputs_are_skipped_and_not_cached(db):
    calls = CallCounter()

    def bandpass_filter(signal, low_hz):
        calls()
        return signal * low_hz

    result = for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20},
                      outputs=[FilteredEMG], subject=[1, 4], session=["pre"])
    assert list(result["status"]) == ["done", "skipped"]
    again = for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20},
                     outputs=[FilteredEMG], subject=[1, 4], session=["pre"])
    assert list(again["status"]) == ["cached", "skipped"]
    assert calls.n == 1


# --------------------------------------------------------------------------- star import


def test_star_import_gives_the_whole_api():
    namespace: dict = {}
    exec("from scihist import *", namespace)
    expected = {
        "configure_database", "get_database", "close", "Database", "BaseVariable",
        "for_each", "Fixed", "Merge", "PathTemplate", "Sql", "lineage_fcn", "Thunk",
        "LineageResult", "NotFoundError", "UnhashableArgumentError", "set_schema",
        "get_schema", "Col",
    }
    assert expected <= set(namespace)
    assert namespace["for_each"] is scihist.for_each
    assert namespace["for_each"] is not scidb.for_each
    assert namespace["configure_database"] is scidb.configure_database
    assert namespace["BaseVariable"] is scidb.BaseVariable
    assert namespace["lineage_fcn"] is scilineage.lineage_fcn
    assert namespace["Thunk"] is scilineage.Thunk
    assert namespace["Fixed"] is scidb.Fixed and namespace["Merge"] is scidb.Merge
    for name in scihist.__all__:
        assert name in namespace, name
