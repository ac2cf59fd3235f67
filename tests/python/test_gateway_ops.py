"""The engine operations MATLAB uses, driven through the gateway as MATLAB drives them."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from scistack_engine import gateway, gateway_ops  # noqa: F401 - registers the operations
from scistack_engine.codec import HEADER, decode, encode
from scistack_engine.hashing import content_hash


def call(op, **args):
    reply = decode(gateway.handle(encode({"op": op, "args": args})))
    if "error" in reply:
        raise RuntimeError(f"{reply['error']['identifier']}: {reply['error']['message']}")
    return reply["ok"]


def wire(value) -> np.ndarray:
    return np.frombuffer(encode(value), dtype=np.uint8)


@pytest.fixture
def handle(tmp_path):
    opened = call("db_open", path=str(tmp_path / "m.duckdb"), schema_keys=["subject", "session"])
    yield opened["handle"]
    call("db_close", handle=opened["handle"])


def matlab_string(text: str) -> np.ndarray:
    """The wire bytes MATLAB writes for a string scalar: a class hint over the text."""
    raw = text.encode()
    body = b"h" + struct.pack("<Q", 6) + b"string" + b"s" + struct.pack("<Q", len(raw)) + raw
    return np.frombuffer(HEADER + body, dtype=np.uint8)


def test_save_and_load_keep_matlab_bytes_exactly(handle):
    # MATLAB numbers arrive as doubles: subject=1.0 addresses the same record as 1
    sent = matlab_string("left")
    call("save", handle=handle, variable="Side", metadata={"subject": 1.0, "session": "pre"}, value=sent)
    (record,) = call("load", handle=handle, variable="Side", metadata={"subject": 1, "session": "pre"})
    assert bytes(record["value"]) == bytes(sent)
    assert record["version"] == 1 and record["metadata"] == {"subject": 1, "session": "pre"}


def test_values_saved_from_python_load_as_wire(handle):
    call("save", handle=handle, variable="Emg", metadata={"subject": 2, "session": "pre"},
         value=wire(np.arange(4.0)))
    (record,) = call("load", handle=handle, variable="Emg", metadata={"subject": 2})
    np.testing.assert_array_equal(decode(bytes(record["value"])), np.arange(4.0))
    assert record["content_hash"] == content_hash(np.arange(4.0))


def test_errors_carry_identifiers(handle):
    with pytest.raises(RuntimeError, match="scistack:load:unknownVariable"):
        call("load", handle=handle, variable="Nope", metadata={"subject": 1})


def test_foreach_protocol_plans_batches_and_commits(handle):
    for subject in (1, 2, 3):
        call("save", handle=handle, variable="Raw", metadata={"subject": subject, "session": "pre"},
             value=wire(np.full(3, float(subject))))
    spec = {"function": "double_it", "outputs": ["Doubled"],
            "inputs": {"x": {"kind": "variable", "variable": "Raw", "fixed": {}, "columns": None},
                       "k": {"kind": "constant", "value": 2.0}},
            "iterables": {"subject": [1.0, 2.0, 3.0, 4.0], "session": ["pre"]},
            "fingerprint": "matlab-fingerprint-1", "batch_size": 2}
    plan = call("foreach_plan", handle=handle, spec=spec)
    assert plan["status"] == ["run", "run", "run", "skipped"]
    assert "no Raw record" in plan["reason"][3]
    committed = []
    while True:
        batch = call("foreach_batch", run_id=plan["run_id"])
        if batch["done"]:
            break
        results = []
        for combo, inputs in zip(batch["combos"], batch["inputs"]):
            x, k = decode(bytes(inputs["x"])), decode(bytes(inputs["k"]))
            results.append({"combo": combo, "outputs": [wire(x * k)], "duration_s": 0.001})
        committed += call("foreach_commit", run_id=plan["run_id"], results=results)
    call("foreach_finish", run_id=plan["run_id"])
    assert len(committed) == 3 and all(len(ids) == 1 for ids in committed)
    (record,) = call("load", handle=handle, variable="Doubled", metadata={"subject": 3, "session": "pre"})
    np.testing.assert_array_equal(decode(bytes(record["value"])), np.full(3, 6.0))
    prov = call("provenance", handle=handle, variable="Doubled", metadata={"subject": 3, "session": "pre"})
    assert prov["language"] == "matlab" and prov["constants"] == {"k": 2.0}
    again = call("foreach_plan", handle=handle, spec=spec)
    assert again["status"] == ["cached", "cached", "cached", "skipped"]
    call("foreach_finish", run_id=again["run_id"])


def test_cache_key_get_and_put(handle):
    args = {"fingerprint": "f1", "inputs": {"x": content_hash(1.0)}, "constants": {"k": wire(3.0)},
            "n_outputs": 1}
    key = call("cache_key", **args)
    assert call("cache_get", cache_key=key) is None
    lineage = {"function_name": "f", "fingerprint": "f1", "language": "matlab", "n_outputs": 1,
               "inputs": {"x": {"kind": "record", "variable": "X", "metadata": {}, "record_id": "r",
                                "version": 1, "content_hash": content_hash(1.0)}},
               "constants": {"k": {"value": 3.0, "content_hash": content_hash(3.0)}}}
    call("cache_put", cache_key=key, outputs=[wire(np.arange(2.0))], lineage=lineage)
    (hit,) = call("cache_get", cache_key=key)
    np.testing.assert_array_equal(decode(bytes(hit)), np.arange(2.0))
