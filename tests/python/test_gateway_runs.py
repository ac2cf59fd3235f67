"""The run operations' answers that steer MATLAB's driver (``gateway/runs.py``), and how
the gateway names a MATLAB for_each's inputs (``gateway/scidb.py``).

``run_batches.m`` takes from the engine how many outputs to ask for, whether outputs are
marked as tables, and, with parallel workers, how many combinations to hand them at once
(:class:`~scistack_engine.gateway.runs.Groups`). These tests check those answers, from
the rule alone and through the gateway as MATLAB asks for them, and the rules of a
scidb for_each's input names (:func:`~scistack_engine.gateway.scidb.named_inputs`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scifor
from matlab_driver import call, commit_request
from scistack_engine import gateway
from scistack_engine.batches import COMMIT_SECONDS, Outcome
from scistack_engine.codec import decode, encode
from scistack_engine.errors import ForEachInputsError
from scistack_engine.gateway import runs
from scistack_engine.gateway import scifor as gateway_scifor  # noqa: F401 - registers its front
from scistack_engine.gateway.runs import PROBE_CALLS, SERIAL_BELOW, Groups
from scistack_engine.gateway.scidb import named_inputs

#: MATLAB's workers as run_next is told of them: none, and two parcellfun workers of
#: GNU Octave's process 100.
NO_WORKERS = {"kind": "", "count": 0.0, "main_pid": 0.0}
PARCELLFUN = {"kind": "parcellfun", "count": 2.0, "main_pid": 100.0}


def timed(*seconds: float) -> list[Outcome]:
    return [Outcome(k, None, duration_s=s) for k, s in enumerate(seconds)]


def test_without_workers_every_chunk_runs_in_matlab_as_asked():
    groups = Groups()
    assert groups.next(0, 500) == (500, 0)
    groups.measured(timed(1.0, 1.0, 1.0))
    assert groups.next(0, 500) == (500, 0)


def test_workers_wait_for_the_probe_calls_made_in_matlab():
    groups = Groups()
    assert groups.next(4, 500) == (PROBE_CALLS, 0)
    groups.measured(timed(0.5))
    assert groups.next(4, 500) == (PROBE_CALLS - 1, 0)
    groups.measured(timed(0.5, 0.5))
    # one commit interval of work for the workers
    assert groups.next(4, 500) == (500, int(COMMIT_SECONDS * 4 / 0.5))


def test_a_cheap_function_stays_in_matlab_for_the_whole_run():
    groups = Groups()
    groups.measured(timed(SERIAL_BELOW / 2, SERIAL_BELOW / 3, 1.0))
    assert groups.next(4, 500) == (500, 0)
    groups.measured(timed(5.0, 5.0, 5.0))  # decided: later calls change nothing
    assert groups.next(4, 500) == (500, 0)


def test_groups_hold_at_least_two_combinations_per_worker_and_are_decided_once():
    groups = Groups()
    groups.measured(timed(10.0, 20.0, 30.0))  # median 20 s: a commit interval holds none
    assert groups.next(3, 500) == (500, 6)
    groups.measured(timed(0.01, 0.01, 0.01))
    assert groups.next(3, 500) == (500, 6)


@pytest.fixture
def schema():
    saved = scifor.get_schema()
    scifor.set_schema(["subject"])
    yield
    scifor.set_schema(saved)


def start_request(*pairs):
    frame = pd.DataFrame({"subject": np.arange(1.0, 11.0), "x": np.arange(10.0)})
    return {"front": "scifor", "function": "f",
            "inputs": [{"name": "t", "kind": "table",
                        "value": np.frombuffer(encode(frame), dtype=np.uint8).copy()}],
            "pairs": ["subject", [], *pairs]}


def start_scifor(*pairs):
    return call("run_start", **start_request(*pairs))


@pytest.mark.parametrize("pairs, fails, status", [
    ((), True, "finished"), (("on_error", "raise"), False, "finished"),
    (("on_error", "raise"), True, "failed")])
def test_a_run_ends_as_failed_when_a_failure_stopped_it(schema, monkeypatch, pairs, fails,
                                                         status):
    started = start_scifor(*pairs)
    run = runs._held[started["run_id"]].run
    ended = []
    monkeypatch.setattr(run, "finish", lambda how, finish=run.finish: ended.append(how)
                        or finish(how))
    call("run_next", run_id=started["run_id"], size=1.0, workers=NO_WORKERS)
    committed = call("run_commit", **commit_request(
        started["run_id"], [(0, [1.0], 0.1, ValueError("boom") if fails else None)],
        lambda error: "scistack:test:boom", lambda position: False))
    finished = call("run_finish", run_id=started["run_id"])
    assert ended == [status]
    assert committed["stop"] is (status == "failed")
    # what MATLAB raises once the run has ended: the failure that stopped it
    assert finished["failure"] == ({"identifier": "scistack:test:boom", "message": "boom"}
                                   if status == "failed" else None)


def test_scifor_runs_mark_tables_and_count_outputs_only_when_named(schema):
    started = start_scifor()
    assert started["mark_tables"] is True and started["n_out"] == 1
    call("run_finish", run_id=started["run_id"], status="finished")
    none_declared = call("run_start", **{**start_request(), "declared_outputs": 0.0})
    assert none_declared["n_out"] == 0
    call("run_finish", run_id=none_declared["run_id"], status="finished")
    named = start_scifor("output_names", ["lo", "hi"])
    assert named["n_out"] == 2
    call("run_finish", run_id=named["run_id"], status="finished")


def test_run_next_sizes_groups_from_the_committed_probe(schema):
    started = start_scifor("executor", "processes")
    run_id = started["run_id"]
    first = call("run_next", run_id=run_id, size=500.0, workers=PARCELLFUN)
    indexes = [int(i) for i in np.asarray(first["indexes"]).reshape(-1)]
    assert len(indexes) == PROBE_CALLS and first["group"] == 0
    outcomes = [(i, [float(i)], 0.25, None) for i in indexes]
    call("run_commit", **commit_request(run_id, outcomes, str, lambda position: False))
    second = call("run_next", run_id=run_id, size=500.0, workers=PARCELLFUN)
    assert np.asarray(second["indexes"]).size == 10 - PROBE_CALLS
    assert second["group"] == int(COMMIT_SECONDS * 2 / 0.25)
    call("run_finish", run_id=run_id, status="interrupted")


def test_scidb_runs_ask_for_one_output_per_output_variable(tmp_path):
    opened = call("db_open", path=str(tmp_path / "r.duckdb"), schema_keys=["subject"])
    try:
        spec = {"function": "f", "outputs": ["A", "B"], "fingerprint": "",
                "inputs": {"x": {"kind": "constant", "value": 1.0}}}
        started = call("run_start", front="scidb", spec=spec, lineage=False,
                       pairs=["subject", [1.0], "db", {"handle": opened["handle"]},
                              "dry_run", True])
        assert started["n_out"] == 2 and started["mark_tables"] is False
        assert started["done"] is True
    finally:
        call("db_close", handle=opened["handle"])


# ------------------------------------------------------------------ scidb input names

VARIABLE = {"kind": "variable", "variable": "RawEMG", "fixed": {}, "columns": ""}
CONSTANT = {"kind": "constant", "value": 20.0}


def test_inputs_are_named_as_the_user_gave_them():
    named = named_inputs([VARIABLE, CONSTANT], ["signal", "low_hz"], "")
    assert list(named) == ["signal", "low_hz"]
    assert named["low_hz"] == {"kind": "constant", "value": 20.0}
    assert list(named_inputs([VARIABLE, CONSTANT], ["signal", "low_hz"], "pairs")) == [
        "signal", "low_hz"]
    assert list(named_inputs([VARIABLE], ["RawEMG"], "group")) == ["RawEMG"]


@pytest.mark.parametrize(("specs", "names", "form", "text"), [
    ([VARIABLE], ["signal", "low_hz"], "pairs", "name/value pairs"),  # an odd cell
    ([VARIABLE], [42.0], "pairs", "valid MATLAB names"),
    ([VARIABLE], ["2x"], "pairs", "valid MATLAB names"),
    ([VARIABLE], ["end"], "pairs", "valid MATLAB names"),
    ([VARIABLE, CONSTANT], ["RawEMG", "double"], "group", "not a double"),
    ([VARIABLE, CONSTANT], ["x", "x"], "pairs", "named twice"),
])
def test_badly_named_inputs_are_refused_with_matlabs_identifier(specs, names, form, text):
    with pytest.raises(ForEachInputsError, match=text) as caught:
        named_inputs(specs, names, form)
    assert caught.value.identifier == "scistack:foreach:badInputs"


def test_a_scidb_run_that_finished_with_failures_warns_with_its_notes(tmp_path):
    opened = call("db_open", path=str(tmp_path / "w.duckdb"), schema_keys=["subject"])
    try:
        spec = {"function": "f", "outputs": ["A"], "fingerprint": "",
                "inputs": {"x": {"kind": "constant", "value": 1.0}}}
        for stop, warned in ((False, ["scistack:foreach:failed"]), (True, [])):
            started = call("run_start", front="scidb", spec=spec, lineage=False,
                           pairs=["subject", [1.0], "db", {"handle": opened["handle"]},
                                  "on_error", "raise" if stop else "continue"])
            call("run_next", run_id=started["run_id"], size=1.0, workers=NO_WORKERS)
            call("run_commit", **commit_request(started["run_id"],
                                                [(0, None, 0.1, ValueError("boom"))],
                                                lambda error: "scistack:test:boom",
                                                lambda position: False))
            reply = decode(gateway.handle(encode({"op": "run_finish",
                                                  "args": {"run_id": started["run_id"]}})))
            assert [w["identifier"] for w in reply.get("warnings", [])] == warned
            if warned:
                assert "subject=1" in reply["warnings"][0]["message"]
    finally:
        call("db_close", handle=opened["handle"])


def test_a_scidb_run_whose_function_matlab_could_not_fingerprint_warns(tmp_path):
    opened = call("db_open", path=str(tmp_path / "p.duckdb"), schema_keys=["subject"])
    try:
        spec = {"function": "f", "outputs": ["A"], "fingerprint": "",
                "inputs": {"x": {"kind": "constant", "value": 1.0}}}
        for reason, warned in (("", []), ("no source file", ["scistack:foreach:noProvenance"])):
            reply = decode(gateway.handle(encode({"op": "run_start", "args": {
                "front": "scidb", "spec": {**spec, "unfingerprinted": reason}, "lineage": False,
                "pairs": ["subject", [1.0], "db", {"handle": opened["handle"]}]}})))
            assert [w["identifier"] for w in reply.get("warnings", [])] == warned
            if warned:
                assert reply["warnings"][0]["message"] == (
                    "for_each(f): outputs are saved without provenance: no source file")
            call("run_finish", run_id=reply["ok"]["run_id"], status="interrupted")
    finally:
        call("db_close", handle=opened["handle"])
