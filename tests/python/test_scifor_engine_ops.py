"""The engine operations behind MATLAB's +scifor, driven from Python as MATLAB drives them.

Each test sends wire-encoded requests through ``scistack_engine.gateway.handle`` shaped
like the toolbox's (input specs, nested wire bytes, structs of columns as GNU Octave has
them), calls the function here in the role of MATLAB (positional arguments in input
order), sends the outcomes back, and checks the result against ``scifor.for_each`` on
the same data: same table, same report.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import scifor
from matlab_driver import call, commit_request, drive
from scifor import Col, Fixed, Merge, Select, protocol
from scistack_engine.codec import decode, encode
from scistack_engine.gateway.runs import stack_text, worker_name
from scistack_engine.gateway.scifor import DEFAULT_BATCH_SIZE, table_from_struct

# ------------------------------------------------------------------ fixtures and data


@pytest.fixture(autouse=True)
def _schema():
    saved = scifor.get_schema()
    scifor.set_schema(["subject", "session", "trial"])
    yield
    scifor.set_schema(saved)


def signals() -> pd.DataFrame:
    """One signal per subject/session; subject 3 has no 'post'."""
    rows = [{"subject": float(s), "session": ses, "signal": np.arange(4.0) + 10 * s}
            for s in (1, 2, 3) for ses in ("pre", "post") if (s, ses) != (3, "post")]
    return pd.DataFrame(rows)


def trials() -> pd.DataFrame:
    rows = [{"subject": float(s), "session": ses, "trial": float(t),
             "peak": 10.0 * s + t + (5 if ses == "post" else 0),
             "quality": "bad" if t == 2 else "good"}
            for s in (1, 2) for ses in ("pre", "post") for t in (1, 2, 3)]
    return pd.DataFrame(rows)


def as_struct(frame: pd.DataFrame) -> dict:
    """A DataFrame as GNU Octave sends a struct of columns: N-by-1 columns and cells."""
    out = {}
    for name in frame.columns:
        column = frame[name]
        if column.dtype == object:
            holder = np.empty(len(column), dtype=object)
            holder[:] = list(column)
            out[name] = holder
        else:
            out[name] = column.to_numpy()
    return out


def wire(value) -> np.ndarray:
    return np.frombuffer(encode(value), dtype=np.uint8).copy()


def cell(*values) -> np.ndarray:
    """A MATLAB 1-by-N cell as it decodes in Python."""
    holder = np.empty((1, len(values)), dtype=object)
    for i, v in enumerate(values):
        holder[0, i] = v
    return holder


def table_spec(value, kind="auto"):
    return {"kind": kind, "value": wire(value)}


def start_request(fn_name, inputs, iterables, **options):
    """A run_start request as +scifor sends it; ``inputs`` maps names to specs."""
    pairs = [x for pair in [*iterables.items(), *options.items()] for x in pair]
    return {"front": "scifor", "function": fn_name,
            "inputs": [{"name": name, **spec} for name, spec in inputs.items()],
            "pairs": pairs}


def matlab_for_each(fn, inputs, iterables, *, batch_size=None, raise_from_fn=True,
                    **options):
    """Run a for_each the way +scifor does, through the run operations.

    ``inputs`` maps names to ``(spec, local value)``; constants are passed from the local
    value, tables from the values the engine sends. Returns (result, report, calls,
    driven), result and report None when the run ended in an error reply.
    """
    start = start_request(fn.__name__, {n: spec for n, (spec, _) in inputs.items()},
                          iterables, **options)
    if batch_size is not None:
        start["batch_size"] = batch_size
    names = options.get("output_names")
    driven = drive(start, fn, {n: local for n, (_, local) in inputs.items()},
                   n_out=1 if names is None else int(np.size(names)),
                   raise_on_error=options.get("on_error") == "raise" and raise_from_fn)
    # a run that a failure stopped ends (its finish reply), then the failure is raised
    finished = driven.replies[-2] if driven.failed and driven.calls > 1 else driven.last
    if "result" not in finished:
        return None, None, driven.calls, driven
    return finished["result"], records_of(finished["report"]), driven.calls, driven


def records_of(report: dict) -> dict:
    """The report with its skipped and errors struct arrays as lists of records (dicts):
    Python reads one as an object array, and an empty one as a dict of its fields."""
    out = dict(report)
    for part in ("skipped", "errors"):
        records = report[part]
        out[part] = [] if isinstance(records, dict) else list(records)
    return out


def same_report(report: dict, expected: pd.DataFrame) -> None:
    assert report["skipped"] == expected.attrs["skipped"]
    summary = dict(expected.attrs["summary"])
    summary["function_name"] = summary.pop("function")  # a MATLAB struct field
    assert report["summary"] == summary
    assert len(report["errors"]) == len(expected.attrs["errors"])
    for got, want in zip(report["errors"], expected.attrs["errors"]):
        assert got["combo"] == want["combo"] and got["stage"] == want["stage"]


def same_frame(result: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(result, expected.reset_index(drop=True), check_dtype=False)


# ------------------------------------------------------------------ user functions


def bandpass_filter(signal, low_hz):
    return (signal - signal.mean()) / low_hz


def mean_peak(trials):
    return float(trials["peak"].mean())


def change(baseline, current):
    return float(np.mean(current) - np.mean(baseline))


def scaled(x):
    return float((x["peak"] * x["rms"] / x["mass_kg"]).sum())


def min_max(trials):
    return float(trials["peak"].min()), float(trials["peak"].max())


def per_trial(trials):
    return trials["peak"].to_numpy() * 2


def fragile(signal, low_hz):
    if signal[0] > 15:
        raise ValueError("too noisy")
    return bandpass_filter(signal, low_hz)


def summary(trials):
    return pd.DataFrame({"stat": ["min", "max"],
                         "peak": [trials["peak"].min(), trials["peak"].max()]})


# ------------------------------------------------------------------ schema


def test_schema_lives_in_scifor():
    assert call("scifor_set_schema", keys=cell("subject", "session")) == ["subject", "session"]
    assert scifor.get_schema() == ["subject", "session"]
    assert call("scifor_get_schema") == ["subject", "session"]
    assert call("scifor_set_schema", keys="subject") == ["subject"]
    assert call("scifor_set_schema", keys=np.empty((0, 0))) == []


def test_schema_errors_carry_scifor_identifiers():
    reply = call("scifor_set_schema", keys=cell("subject", "where"))
    assert reply["error"]["identifier"] == "scistack:scifor:schema"
    assert "where" in reply["error"]["message"]


def test_operations_are_registered():
    names = call("operations")
    for name in ("scifor_set_schema", "scifor_get_schema", "run_start", "run_next",
                 "run_commit", "run_finish"):
        assert name in names


# ------------------------------------------------------------------ the product example


@pytest.mark.parametrize("form", ["struct of columns", "table"])
def test_product_example_matches_for_each(form):
    scifor.set_schema(["subject", "session"])
    raw = signals()
    value = as_struct(raw) if form == "struct of columns" else raw
    result, report, calls, _ = matlab_for_each(
        bandpass_filter,
        {"signal": (table_spec(value), value), "low_hz": ({"kind": "constant"}, 20)},
        {"subject": np.array([[1.0, 2.0, 3.0]]), "session": cell("pre", "post")},
    )
    expected = scifor.for_each(bandpass_filter, inputs={"signal": raw, "low_hz": 20},
                               subject=[1.0, 2.0, 3.0], session=["pre", "post"])
    same_frame(result, expected)
    same_report(report, expected)
    assert report["skipped"][0]["reason"] == "input 'signal' has no rows"
    assert calls == 5  # start, one chunk, its commit, the empty chunk, finish


def test_batches_cut_the_run_into_few_calls():
    scifor.set_schema(["subject", "session"])
    raw = signals()
    result, _, calls, driven = matlab_for_each(
        bandpass_filter,
        {"signal": (table_spec(raw), raw), "low_hz": ({"kind": "constant"}, 20)},
        {"subject": [], "session": []}, batch_size=2,
    )
    expected = scifor.for_each(bandpass_filter, inputs={"signal": raw, "low_hz": 20},
                               subject=[], session=[])
    same_frame(result, expected)
    assert driven.replies[0]["chunk"] == 2
    assert driven.chunks == [2, 2, 1, 0]
    assert calls == 1 + 2 * math.ceil(5 / 2) + 2  # start, chunks and commits, end, finish
    assert driven.last["position"] == driven.last["total"] == 6
    assert DEFAULT_BATCH_SIZE >= 50


def test_arguments_are_sliced_values_and_tables_for_matlab():
    scifor.set_schema(["subject", "session", "trial"])
    frame = trials()
    started = call("run_start", **start_request(
        "f", {"t": table_spec(as_struct(frame))}, {"subject": [1.0], "session": ["pre"]},
        as_table=True))
    assert np.asarray(started["positions"]).tolist() == [1.0]  # the table t
    chunk = call("run_next", run_id=started["run_id"], size=10.0)
    assert list(chunk["indexes"]) == [0.0]
    (passed,) = decode(chunk["values"])
    assert isinstance(passed, pd.DataFrame)
    # as_table keeps every column; the index MATLAB would show as a column is dropped
    assert list(passed.columns) == list(frame.columns)
    assert passed.index.equals(pd.RangeIndex(3))
    assert "report" in call("run_finish", run_id=started["run_id"], status="interrupted")
    assert call("run_finish", run_id=started["run_id"])["error"]["identifier"] == (
        "scistack:foreach:unknownRun")


# ------------------------------------------------------------------ inputs


def test_fixed_and_select_match_for_each():
    frame = trials()
    data = as_struct(frame)
    baseline = {"kind": "select", "columns": "peak",
                "of": {"kind": "fixed", "pins": {"session": "pre"}, "of": table_spec(data)}}
    current = {"kind": "select", "columns": cell("peak"), "of": table_spec(data)}
    result, report, _, _ = matlab_for_each(
        change, {"baseline": (baseline, None), "current": (current, None)},
        {"subject": np.array([[1.0, 2.0]]), "session": "post"},
    )
    expected = scifor.for_each(
        change,
        inputs={"baseline": Select(Fixed(frame, session="pre"), "peak"),
                "current": Select(frame, "peak")},
        subject=[1.0, 2.0], session="post",
    )
    same_frame(result, expected)
    same_report(report, expected)
    assert list(result["result"]) == [5.0, 5.0]


def test_merge_matches_for_each():
    frame = trials()
    emg = frame.assign(rms=frame["peak"] / 10)[["subject", "session", "trial", "rms"]]
    body = pd.DataFrame({"subject": [1.0, 2.0], "mass_kg": [70.0, 82.0]})
    spec = {"kind": "merge", "parts": [
        {"kind": "select", "columns": "peak", "of": table_spec(as_struct(frame), "table")},
        table_spec(emg, "table"),
        table_spec(as_struct(body), "table"),
    ]}
    result, report, _, _ = matlab_for_each(
        scaled, {"x": (spec, None)}, {"subject": [1.0, 2.0], "session": ["pre"]})
    expected = scifor.for_each(scaled, inputs={"x": Merge(Select(frame, "peak"), emg, body)},
                               subject=[1.0, 2.0], session=["pre"])
    same_frame(result, expected)
    same_report(report, expected)


def test_wrapper_errors_are_scifor_input_errors():
    frame = as_struct(trials())
    spec = {"kind": "fixed", "pins": {"nothere": 1.0}, "of": table_spec(frame)}
    reply = call("run_start", **start_request("f", {"x": spec}, {"subject": [1.0]}))
    assert reply["error"]["identifier"] == "scistack:scifor:input"
    assert "nothere" in reply["error"]["message"]
    spec = {"kind": "table", "value": wire({"subject": np.arange(3.0), "x": np.arange(2.0)})}
    reply = call("run_start", **start_request("f", {"x": spec}, {"subject": [1.0]}))
    assert reply["error"]["identifier"] == "scistack:scifor:input"
    assert "one height" in reply["error"]["message"]
    # a constant inside a wrapper, named by its MATLAB class
    spec = {"kind": "select", "columns": "x", "of": {"kind": "constant", "class": "double"}}
    reply = call("run_start", **start_request("f", {"x": spec}, {"subject": [1.0]}))
    assert reply["error"]["identifier"] == "scistack:scifor:input"
    assert "wrap tables" in reply["error"]["message"]
    assert reply["error"]["message"].endswith("got a double.")


# ------------------------------------------------------------------ struct of columns rule


def test_struct_of_columns_rule():
    schema = ["subject", "session"]
    rows = {"subject": np.array([1.0, 2.0]), "session": cell("pre", "post"),
            "x": np.array([[3.0, 4.0]])}
    frame = table_from_struct(rows, schema, forced=False)
    assert list(frame.columns) == ["subject", "session", "x"]
    assert list(frame["session"]) == ["pre", "post"] and list(frame["x"]) == [3.0, 4.0]
    one_row = table_from_struct({"subject": 1.0, "gain": 2.5}, schema, forced=False)
    assert one_row.shape == (1, 2)
    # constants: no schema key, unequal heights, a text field, a matrix, not a struct
    assert table_from_struct({"gain": np.arange(3.0)}, schema, forced=False) is None
    assert table_from_struct({"subject": 1.0, "g": np.arange(3.0)}, schema, forced=False) is None
    assert table_from_struct({"subject": 1.0, "name": "a"}, schema, forced=False) is None
    assert table_from_struct({"subject": np.ones((2, 2))}, schema, forced=False) is None
    assert table_from_struct(3.0, schema, forced=False) is None
    # marked as a table, the same rule raises instead, naming the field
    assert table_from_struct({"gain": np.arange(3.0)}, schema, forced=True).shape == (3, 1)
    with pytest.raises(scifor.InputError, match="'name'"):
        table_from_struct({"subject": 1.0, "name": "a"}, schema, forced=True)


def test_a_struct_without_a_schema_key_stays_a_constant_in_matlab():
    scifor.set_schema(["subject", "session"])
    raw = signals()
    config = {"scale": np.array([1.0, 2.0])}
    started = call("run_start", **start_request(
        "f", {"signal": table_spec(as_struct(raw)), "config": table_spec(config)},
        {"subject": [1.0], "session": ["pre"]}))
    assert np.asarray(started["positions"]).tolist() == [1.0]  # the signal, not config
    chunk = call("run_next", run_id=started["run_id"], size=10.0)
    assert len(decode(chunk["values"])) == 1  # the signal of the one combination
    call("run_finish", run_id=started["run_id"], status="interrupted")


# ------------------------------------------------------------------ where


def test_where_filters_match_for_each():
    frame = trials()
    good = {"op": "&",
            "left": {"op": "==", "column": "quality", "value": "good"},
            "right": {"op": "~", "inner": {"op": "isin", "column": "trial",
                                           "values": np.array([[3.0]])}}}
    result, report, _, _ = matlab_for_each(
        mean_peak, {"trials": (table_spec(as_struct(frame)), None)},
        {"subject": [1.0, 2.0], "session": ["pre", "post"]}, where=good)
    expected = scifor.for_each(
        mean_peak, inputs={"trials": frame},
        where=(Col("quality") == "good") & ~Col("trial").isin([3.0]),
        subject=[1.0, 2.0], session=["pre", "post"])
    same_frame(result, expected)
    same_report(report, expected)

    either = {"op": "|", "left": {"op": ">", "column": "peak", "value": 20.0},
              "right": {"op": "<=", "column": "trial", "value": 1.0}}
    result, _, _, _ = matlab_for_each(
        mean_peak, {"trials": (table_spec(frame), None)},
        {"subject": [1.0, 2.0], "session": ["pre"]}, where=either)
    expected = scifor.for_each(mean_peak, inputs={"trials": frame},
                               where=(Col("peak") > 20) | (Col("trial") <= 1),
                               subject=[1.0, 2.0], session=["pre"])
    same_frame(result, expected)


def test_where_errors_are_filter_errors():
    frame = as_struct(trials())
    reply = call("run_start", **start_request(
        "f", {"t": table_spec(frame)}, {"subject": [1.0]},
        where={"op": ">", "column": "nothere", "value": 1.0}))
    assert reply["error"]["identifier"] == "scistack:scifor:filter"
    reply = call("run_start", **start_request("f", {"t": table_spec(frame)},
                                              {"subject": [1.0]}, where=3.0))
    assert reply["error"]["identifier"] == "scistack:scifor:filter"
    # a scifor.Col, not compared, arrives as its column name
    reply = call("run_start", **start_request("f", {"t": table_spec(frame)},
                                              {"subject": [1.0]}, where={"column": "peak"}))
    assert reply["error"]["identifier"] == "scistack:scifor:filter"
    assert "scifor.Col('peak') > 3" in reply["error"]["message"]


# ------------------------------------------------------------------ outputs


def test_output_names_match_for_each():
    frame = trials()
    result, report, _, _ = matlab_for_each(
        min_max, {"trials": (table_spec(frame), None)},
        {"subject": [1.0, 2.0], "session": ["pre"]}, output_names=cell("lo", "hi"))
    expected = scifor.for_each(min_max, inputs={"trials": frame}, output_names=["lo", "hi"],
                               subject=[1.0, 2.0], session=["pre"])
    same_frame(result, expected)
    same_report(report, expected)


def test_distribute_matches_for_each_and_takes_matlab_rows_and_scalars():
    frame = trials()
    result, _, _, _ = matlab_for_each(
        per_trial, {"trials": (table_spec(frame), None)},
        {"subject": [1.0], "session": ["pre", "post"]}, distribute=True)
    expected = scifor.for_each(per_trial, inputs={"trials": frame}, distribute=True,
                               subject=[1.0], session=["pre", "post"])
    same_frame(result, expected)
    assert list(result["trial"]) == [1, 2, 3, 1, 2, 3]

    def as_row(trials):  # what a MATLAB 1-by-N row vector decodes to
        return per_trial(trials).reshape(1, -1)

    rows, _, _, _ = matlab_for_each(
        as_row, {"trials": (table_spec(frame), None)},
        {"subject": [1.0], "session": ["pre", "post"]}, distribute=True)
    same_frame(rows, expected)

    def scalar(trials):
        return 7.0

    one, _, _, _ = matlab_for_each(scalar, {"trials": (table_spec(frame), None)},
                                   {"subject": [1.0], "session": ["pre"]}, distribute=True)
    assert list(one["trial"]) == [1] and list(one["result"]) == [7.0]


def test_returned_tables_are_stacked_as_in_for_each():
    frame = trials()
    result, _, _, _ = matlab_for_each(
        summary, {"trials": (table_spec(frame), None)}, {"subject": [1.0, 2.0], "session": ["pre"]})
    expected = scifor.for_each(summary, inputs={"trials": frame},
                               subject=[1.0, 2.0], session=["pre"])
    same_frame(result, expected)
    assert list(result.columns) == ["subject", "session", "stat", "peak"]


def test_scifor_table_outputs_become_tables():
    frame = trials()
    struct = {"stat": cell("min", "max"), "peak": np.array([1.0, 2.0])}
    result, _, _, _ = matlab_for_each_marked(lambda t: struct, {"t": (table_spec(frame), None)},
                                             {"subject": [1.0]})
    assert list(result.columns) == ["subject", "stat", "peak"]
    assert list(result["stat"]) == ["min", "max"]


def matlab_for_each_marked(fn, inputs, iterables):
    """As matlab_for_each, with every output marked as a scifor.Table."""
    start = start_request("f", {n: spec for n, (spec, _) in inputs.items()}, iterables)
    driven = drive(start, fn, {n: local for n, (_, local) in inputs.items()},
                   marks=lambda position: True)
    return driven.last["result"], records_of(driven.last["report"]), driven.calls, driven


# ------------------------------------------------------------------ skips and errors


def test_function_errors_are_recorded_and_the_run_goes_on():
    scifor.set_schema(["subject", "session"])
    raw = signals()
    result, report, _, _ = matlab_for_each(
        fragile, {"signal": (table_spec(raw), None), "low_hz": ({"kind": "constant"}, 20)},
        {"subject": [1.0, 2.0, 3.0], "session": ["pre", "post"]})
    expected = scifor.for_each(fragile, inputs={"signal": raw, "low_hz": 20},
                               subject=[1.0, 2.0, 3.0], session=["pre", "post"])
    same_frame(result, expected)
    same_report(report, expected)
    first = report["errors"][0]
    assert first["error_type"] == "test:ValueError"
    assert first["message"] == "too noisy"
    assert first["traceback"] == "test:ValueError: too noisy\n  at fn (/work/fn.m, line 1)\n"
    assert first["stage"] == "function"


def test_on_error_raise_stops_at_the_first_function_error():
    scifor.set_schema(["subject", "session"])
    raw = signals()
    _, report, _, driven = matlab_for_each(
        fragile, {"signal": (table_spec(raw), None), "low_hz": ({"kind": "constant"}, 20)},
        {"subject": [1.0, 2.0], "session": ["pre"]}, on_error="raise")
    assert report["summary"]["ran"] == 1 and report["summary"]["errors"] == 1
    assert driven.replies[-2]["line"].startswith("for_each(fragile)")
    assert driven.last["error"]["identifier"] == "test:ValueError" and driven.failed
    run_id = driven.replies[0]["run_id"]
    assert call("run_next", run_id=run_id, size=1.0)["error"]["identifier"] == (
        "scistack:foreach:unknownRun")


def test_output_errors_are_recorded_or_raised():
    frame = trials()

    def one_value(trials):
        return 1.0

    result, report, _, _ = matlab_for_each(
        one_value, {"trials": (table_spec(frame), None)},
        {"subject": [1.0], "session": ["pre"]}, distribute=False,
        output_names=cell("a", "b"))
    # MATLAB sends one output where two are named: the outputs stage records it
    assert len(result) == 0 and report["errors"][0]["stage"] == "outputs"
    _, _, _, driven = matlab_for_each(
        one_value, {"trials": (table_spec(frame), None)},
        {"subject": [1.0], "session": ["pre"]}, output_names=cell("a", "b"),
        on_error="raise")
    assert driven.last["error"]["identifier"] == "scistack:scifor:output"


def test_input_errors_with_on_error_raise_come_after_the_combinations_before_them():
    frame = trials()
    peaks = frame[["subject", "session", "trial", "peak"]]
    # one note row for subject 1 (joins onto every trial), three for subject 2 (cannot)
    notes = pd.DataFrame({"subject": [1.0, 2.0, 2.0, 2.0], "session": ["pre"] * 4,
                          "note": [1.0, 2.0, 3.0, 4.0]})
    spec = {"kind": "merge", "parts": [table_spec(peaks, "table"), table_spec(notes, "table")]}
    calls = []

    def count(x):
        calls.append(len(x))
        return 1.0

    result, report, _, _ = matlab_for_each(count, {"x": (spec, None)},
                                           {"subject": [1.0, 2.0], "session": ["pre"]})
    assert len(result) == 1 and report["errors"][0]["stage"] == "inputs"
    calls.clear()
    _, _, _, driven = matlab_for_each(count, {"x": (spec, None)},
                                      {"subject": [1.0, 2.0], "session": ["pre"]},
                                      on_error="raise")
    assert driven.chunks == [1]
    assert driven.last["error"]["identifier"] == "scistack:scifor:input"
    assert calls == [3]  # subject 1 ran before subject 2's error stopped the run


def test_dry_run_matches_for_each():
    scifor.set_schema(["subject", "session"])
    raw = signals()
    reply = call("run_start", **start_request(
        "bandpass_filter", {"signal": table_spec(as_struct(raw)), "low_hz": {"kind": "constant"}},
        {"subject": [1.0, 2.0, 3.0, 4.0], "session": cell("pre", "post")}, dry_run=True))
    expected = scifor.for_each(bandpass_filter, inputs={"signal": raw, "low_hz": 20},
                               subject=[1.0, 2.0, 3.0, 4.0], session=["pre", "post"],
                               dry_run=True)
    assert reply["done"]
    same_frame(reply["result"], expected)
    same_report(records_of(reply["report"]), expected)


def test_unknown_runs_and_unexpected_outcomes_are_errors():
    assert call("run_next", run_id="nope", size=1.0)["error"]["identifier"] == (
        "scistack:foreach:unknownRun")
    frame = trials()
    started = call("run_start", **start_request("f", {"t": table_spec(frame)},
                                                {"subject": [1.0, 2.0]}))
    bad = call("run_commit", **commit_request(started["run_id"], [(99, [1.0], 0.0, None)],
                                              str, lambda position: False))
    assert bad["error"]["identifier"] == "scistack:scifor:input"
    assert "99" in bad["error"]["message"]


# ------------------------------------------------------------------ the protocol itself


def test_plan_execute_collect_by_hand_equals_for_each():
    frame = trials()
    planned = protocol.plan(mean_peak, {"trials": frame},
                            {"subject": [1.0, 2.0, 3.0], "session": ["pre"]})
    collection = protocol.Collection(planned)
    statuses = []
    for step in planned.steps():
        statuses.append(step.status)
        if step.status == "run":
            collection.add(step, planned.fn(**planned.arguments(step)))
        else:
            collection.record(step)
    expected = scifor.for_each(mean_peak, inputs={"trials": frame},
                               subject=[1.0, 2.0, 3.0], session=["pre"])
    same_frame(collection.finish(), expected)
    assert statuses == ["run", "run", "skip"]


def test_plan_by_name_skips_the_signature_check():
    frame = trials()
    with pytest.raises(scifor.InputError, match="cannot be called"):
        protocol.plan(mean_peak, {"other": frame}, {"subject": [1.0]})
    named = protocol.plan("matlab_fn", {"other": frame}, {"subject": [1.0]})
    assert named.fn is None and named.fn_name == "matlab_fn" and named.total == 1
    with pytest.raises(scifor.InputError, match="function"):
        scifor.for_each("matlab_fn", inputs={"other": frame}, subject=[1.0])


@pytest.mark.parametrize("progress, lines", [(True, 3), (False, 0), (None, 0)])
def test_progress_lines_come_with_the_commits(progress, lines):
    """progress=True: a line at each tenth a commit reaches and a closing line; False
    never; None (automatic) not for a run shorter than two seconds."""
    scifor.set_schema(["subject", "session"])
    raw = signals()
    options = {} if progress is None else {"progress": progress}
    *_, driven = matlab_for_each(
        bandpass_filter,
        {"signal": (table_spec(raw), raw), "low_hz": ({"kind": "constant"}, 20)},
        {"subject": [], "session": []}, batch_size=3, **options)
    shown = [r["progress"] for r in driven.replies[1:] if r.get("progress")]
    closing = driven.last["closing"]
    assert len(shown) + bool(closing) == lines
    if progress:
        # six planned, one skipped: the total is what was to run when the run started
        assert [line.rsplit(",", 1)[0] for line in shown] == [
            "for_each(bandpass_filter): 3 of 6 combinations run (50%), 0 failed",
            "for_each(bandpass_filter): 5 of 6 combinations run (83%), 0 failed"]
        assert closing.startswith("for_each(bandpass_filter): ") and closing.endswith(" s")


def test_options_are_checked_by_the_engine():
    scifor.set_schema(["subject", "session"])
    raw = signals()
    for bad in ({"dry_run": "yes"}, {"executor": "threads"}, {"as_table": 3.0}):
        *_, driven = matlab_for_each(
            bandpass_filter, {"signal": (table_spec(raw), raw)},
            {"subject": [], "session": []}, **bad)
        assert driven.last["error"]["identifier"].startswith("scistack:foreach:bad"), bad


def test_stack_text_is_the_users_frames_under_the_error():
    frames = [("inner", "/w/inner.m", 3), ("outer", "", 9),
              ("run_batches>run_group", "/t/run_batches.m", 120), ("after", "/w/a.m", 1)]
    assert stack_text("my:id", "too noisy", frames) == (
        "my:id: too noisy\n  at inner (/w/inner.m, line 3)\n  at outer (, line 9)\n")
    assert stack_text("", "plain", []) == "plain\n"


def test_commit_refuses_frames_that_do_not_match_and_failures_that_are_not_structs():
    scifor.set_schema(["subject"])
    for failure, text in (({"identifier": "a:b", "message": "m", "stage": "function",
                            "names": ["f"], "files": [], "lines": np.ones(1)}, "differ"),
                          ("a:b", "struct")):
        started = call("run_start", **start_request(
            "fragile", {"signal": table_spec(signals())}, {"subject": [1.0]}))
        call("run_next", run_id=started["run_id"], size=1.0)
        reply = call("run_commit", run_id=started["run_id"], indexes=np.zeros(1),
                     ok=np.zeros(1), seconds=np.zeros(1), failures=[failure])
        assert reply["error"]["identifier"] == "scistack:foreach:unknownRun"
        assert text in reply["error"]["message"]
        call("run_finish", run_id=started["run_id"], status="failed")


def test_worker_names_come_from_the_pid_and_the_kind_of_workers():
    assert worker_name(4711, "", 0) == "main"  # no workers: every call ran in MATLAB
    assert worker_name(100, "parcellfun", 100) == "main"
    assert worker_name(4711, "parcellfun", 100) == "parcellfun-4711"
    assert worker_name(0, "parfeval", 100) == "parfeval"  # the worker was lost
