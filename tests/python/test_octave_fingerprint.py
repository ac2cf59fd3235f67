"""MATLAB function fingerprints and Thunk caching across GNU Octave processes.

The fingerprint of a MATLAB function (``scistack.internal.fingerprint``) must be the same in
every process for the same code, or no cache hit would ever survive a restart; and a
``scilineage.Thunk`` result saved to a database must answer the same call in a later
process without running the function. The Octave tests here start Octave more than once
and compare what the processes report; the lineage MATLAB saves is checked from Python
with the engine's own reader (``LineageRecord.from_dict``). The engine operations a Thunk
call uses (``lineage_lookup``, ``lineage_put``) are also tested directly, without Octave.

The Octave tests are skipped without Octave, except under CI (``CI=true``), where that is
a failure.
"""

from __future__ import annotations

import json
import os
import pathlib
import re

import numpy as np
import pytest

from octave_support import ROOT, ensure_bridge, run_octave
from scistack_engine.codec import decode, encode
from scistack_engine.gateway import handle
from scistack_engine.hashing import content_hash
from scistack_engine.lineage import LineageRecord, cache_key
from scistack_engine.store import Database

HELPERS = ROOT / "tests" / "matlab" / "helpers_lineage"

octave = pytest.mark.octave


def run(code: str, cwd: pathlib.Path = ROOT, timeout: float = 300) -> str:
    """Run Octave code with the toolbox and the lineage test helpers on the path."""
    prelude = f"addpath('{ROOT / 'toolbox'}'); addpath('{HELPERS}'); "
    return run_octave(prelude + code, cwd=cwd, timeout=timeout).stdout


def reported(stdout: str) -> dict:
    """The ``name=value`` lines an Octave run printed."""
    return dict(re.findall(r"^(\w+)=(.*)$", stdout, re.MULTILINE))


@pytest.fixture(scope="module")
def bridge() -> None:
    """Build the MEX bridge when needed (scistack.setup)."""
    ensure_bridge()


FINGERPRINTS = """
k = 3; name = 'pre';
shown = struct();
shown.named = scistack.internal.fingerprint(@lineage_filter);
shown.package = scistack.internal.fingerprint(@lineage_uses_package);
shown.cycle = scistack.internal.fingerprint(@lineage_ping);
shown.anonymous = scistack.internal.fingerprint(@(x) lineage_gain(x, k) + numel(name));
shown.library = scistack.internal.fingerprint(@sum);
shown.handle = scistack.internal.fingerprint(@(x) feval(@lineage_filter, x, k, 2 * k));
fields = fieldnames(shown);
for f = 1:numel(fields)
    printf('%s=%s\\n', fields{f}, shown.(fields{f}));
end
"""


@octave
def test_fingerprints_are_the_same_in_every_process(bridge, tmp_path):
    first = reported(run(FINGERPRINTS))
    second = reported(run(FINGERPRINTS, cwd=tmp_path))
    assert set(first) == {"named", "package", "cycle", "anonymous", "library", "handle"}
    assert first == second
    for value in first.values():
        assert re.fullmatch(r"[0-9a-f]{64}", value)
    assert len(set(first.values())) == len(first), "every function has its own fingerprint"


PINNED_FINGERPRINTS = """
k = 3; name = 'pre'; how = @lineage_gain;
shown = struct();
shown.named = scistack.internal.fingerprint(@lineage_filter);
shown.package = scistack.internal.fingerprint(@lineage_uses_package);
shown.cycle = scistack.internal.fingerprint(@lineage_ping);
shown.package_function = scistack.internal.fingerprint(@lineage_pkg.twice);
shown.class_constructor = scistack.internal.fingerprint(@LineageRaw);
shown.library = scistack.internal.fingerprint(@sum);
shown.plain = scistack.internal.fingerprint(@(x) x + 1);
shown.anonymous = scistack.internal.fingerprint(@(x) lineage_gain(x, k) + numel(name));
shown.handle = scistack.internal.fingerprint(@(x) feval(@lineage_filter, x, k, 2 * k));
shown.captured_handle = scistack.internal.fingerprint(@(x) how(x) + k);
shown.captured_cell = scistack.internal.fingerprint( ...
    @(x) x + numel({k, 'a'; 2, struct('f', [1 2])}));
fields = fieldnames(shown);
for f = 1:numel(fields)
    printf('%s=%s\\n', fields{f}, shown.(fields{f}));
end
"""

#: The fingerprints of the helper functions: a fingerprint that changes (a different text
#: rule, file set, label or hash input) invalidates every cached result, so a change of
#: these values must be deliberate.
PINNED = {
    "named": "1c9f59c928a1f11232048ca8baac3796edf5bda1377b51bb722084f80bff559b",
    "package": "1ebc68549e0ecb05571eb05f836f29076175ac8bce2b6c3a84c2573028b90633",
    "cycle": "5f35affd136764558eb0e6c37a7c48806740460bfe89690834cfee557515882c",
    "package_function": "2f3c670e65d6717d9eb378869d6d85c5b4a419900db55a8d8055e9f49bb781b9",
    "class_constructor": "2cde5172012ef050fa3133bd331e7a0d581101296a097139cc07156f8ee05831",
    "library": "65dc95fec94adf2d374727610879f598c677c2dd86113b35021f378fe3ccbdff",
    "plain": "27a915725f5c8dd34a9eb140a91fd2d96a24f4f706a084e4719b88fb7e4a5973",
    "anonymous": "2c0eb24236ba306398feb0f90a03576ac651e6395b3039b0c92f8f7ea355d64f",
    "handle": "7b9ca5d7902455de891efd8eb214d26f4e38905d1859a74e666eeb9b83634a00",
    "captured_handle": "2c2e2c8d802fbfb420d8abcef0ae025bcbb8fe5b1ecfd415af1167eff7ceb280",
    "captured_cell": "729bd2bbc420c235113ee31cb1e06f5d2ad68eef5832aeb9624a72478e3b5bdd",
}


@octave
def test_fingerprints_keep_their_pinned_values(bridge, tmp_path):
    assert reported(run(PINNED_FINGERPRINTS, cwd=tmp_path)) == PINNED


@octave
def test_fingerprint_does_not_depend_on_the_folder(bridge, tmp_path):
    """A copy of a function file in another folder has the same fingerprint."""
    code = ("d = tempname(); mkdir(d); copyfile(which('lineage_ping'), d); "
            "copyfile(which('lineage_pong'), d); a = scistack.internal.fingerprint(@lineage_ping); "
            "rmpath(fileparts(which('lineage_ping'))); addpath(d); "
            "b = scistack.internal.fingerprint(@lineage_ping); w = which('lineage_ping'); "
            "printf('a=%s\\nb=%s\\nwhere=%s\\n', a, b, w);")
    shown = reported(run(code, cwd=tmp_path))
    assert not shown["where"].startswith(str(HELPERS))
    assert shown["a"] == shown["b"]


SAVE_AND_CALL = """
global LINEAGE_TEST_CALLS
LINEAGE_TEST_CALLS = 0;
scidb.configure_database('experiment.duckdb', {{'subject', 'session'}});
if {first}
    LineageRaw().save((1:100)' / 7, 'subject', 1, 'session', 'pre');
end
filter_fn = scidb.Thunk(@lineage_filter);
raw = LineageRaw().load('subject', 1, 'session', 'pre');
filtered = filter_fn(raw, 20, 450);
if {first}
    LineageFiltered().save(filtered, 'subject', 1, 'session', 'pre');
end
printf('calls=%d\\n', LINEAGE_TEST_CALLS);
printf('key=%s\\n', filtered.lineage.cache_key);
printf('data=%s\\n', sprintf('%.17g,', filtered.data));
"""


@octave
def test_a_saved_result_answers_the_same_call_in_a_later_process(bridge, tmp_path):
    first = reported(run(SAVE_AND_CALL.format(first="true"), cwd=tmp_path))
    later = reported(run(SAVE_AND_CALL.format(first="false"), cwd=tmp_path))
    assert first["calls"] == "1"
    assert later["calls"] == "0", "the function ran although its result was saved"
    assert later["key"] == first["key"]
    assert later["data"] == first["data"]


@octave
def test_the_lineage_matlab_saves_is_a_valid_engine_record(bridge, tmp_path):
    shown = reported(run(SAVE_AND_CALL.format(first="true"), cwd=tmp_path))
    db = Database(str(tmp_path / "experiment.duckdb"), ["subject", "session"], read_only=True)
    try:
        (info,) = db.select("LineageFiltered", {"subject": 1, "session": "pre"}, None)
        lineage = db.lineage_of([info.record_id])[info.record_id]
        (raw,) = db.select("LineageRaw", {"subject": 1, "session": "pre"}, None)
    finally:
        db.close()
    if isinstance(lineage, str):
        lineage = json.loads(lineage)
    record = LineageRecord.from_dict(lineage)
    assert record.language == "matlab"
    assert record.function_name == "lineage_filter"
    assert record.cache_key == shown["key"] == info.cache_key
    assert set(record.constants) == {"low_hz", "high_hz"}
    assert record.constant_values == {"low_hz": 20.0, "high_hz": 450.0}
    signal = record.inputs["signal"]
    assert signal.kind == "record"
    assert (signal.variable, signal.record_id) == ("LineageRaw", raw.record_id)
    assert signal.content_hash == raw.content_hash


# ------------------------------------------------------------ the engine operations


def call(op: str, args: dict):
    """One gateway request, as MATLAB sends it; the result, or the error reply."""
    reply = decode(handle(encode({"op": op, "args": args})))
    if "error" in reply:
        return reply["error"]
    return reply["ok"]


FINGERPRINT = "f" * 64


def signature_key(*inputs: str, varargin: bool = False, known: bool = True) -> str:
    """The ``key`` of a ``thunk_options`` reply for a function declaring ``inputs``."""
    return json.dumps(["fn", list(inputs), varargin, known])


def test_lookup_computes_the_engine_cache_key():
    record_hash = "a" * 64
    signal = [1.0, 2.0, 3.0]
    key, hashes, outputs, output_hashes, names, fingerprint = call("lineage_lookup", {
        "fingerprint": FINGERPRINT, "n_outputs": 1.0, "force": False, "kinds": "ich",
        "items": [record_hash, 20.0, "b" * 64],
        "signature": signature_key("signal", "low_hz", "how"),
    })
    assert key == cache_key(FINGERPRINT, {"signal": record_hash},
                            {"low_hz": content_hash(20.0), "how": "b" * 64}, 1)
    assert hashes == record_hash + content_hash(20.0) + "b" * 64
    assert outputs is None and output_hashes is None
    assert names == "signal,low_hz,how" and fingerprint == FINGERPRINT
    upstream = call("lineage_lookup", {"fingerprint": FINGERPRINT, "n_outputs": 1.0,
                                       "kinds": "v", "items": [signal],
                                       "signature": signature_key("signal")})
    assert upstream[0] == cache_key(FINGERPRINT, {"signal": content_hash(signal)}, {}, 1)


def test_lookup_names_the_argument_matlab_could_not_encode():
    error = call("lineage_lookup", {"fingerprint": FINGERPRINT, "kinds": "cc",
                                    "items": ["", ""], "unhashable": 2.0,
                                    "reason": "cannot encode values of class 'Gain'",
                                    "signature": signature_key("signal", "gain")})
    assert error["identifier"] == "scistack:lineage:unhashableArgument"
    assert error["message"].startswith(
        "fn: argument 'gain' has no content hash, so the call has no cache key (cannot "
        "encode values of class 'Gain'). Pass data")
    unknown = call("lineage_lookup", {"fingerprint": FINGERPRINT, "kinds": "c", "items": [""],
                                      "unhashable": 0.0, "reason": "?",
                                      "signature": signature_key("signal")})
    assert "argument '' has no content hash" in unknown["message"]


def test_put_names_the_output_matlab_could_not_encode():
    error = call("lineage_put", {"unstorable": 2.0, "reason": "cannot encode a Gain",
                                 "function": "split"})
    assert error["identifier"] == "scistack:lineage:unstorableOutput"
    assert error["message"].startswith(
        "output 2 of split cannot be cached: cannot encode a Gain. Return values of the")


def _lineage(key_parts: dict, n_outputs: int = 2) -> dict:
    return {
        "function_name": "split",
        "fingerprint": FINGERPRINT,
        "language": "matlab",
        "n_outputs": n_outputs,
        "inputs": {},
        "constants": {"x": {"value": key_parts["x"], "content_hash": content_hash(key_parts["x"])}},
    }


def test_put_keeps_the_exact_bytes_and_a_lookup_returns_them():
    x = 7.25
    lineage = _lineage({"x": x})
    key = call("lineage_lookup", {"fingerprint": FINGERPRINT, "n_outputs": 2.0, "kinds": "c",
                                  "items": [x], "signature": signature_key("x")})[0]
    lineage["cache_key"] = key
    wires = [encode({"low": 1.0}), encode([1.0, "two"])]
    cell_row = np.empty((1, 2), dtype=object)  # what a MATLAB 1x2 cell of uint8 rows decodes to
    for k, w in enumerate(wires):
        cell_row[0, k] = np.frombuffer(w, dtype=np.uint8).reshape(1, -1)
    hashes = call("lineage_put", {"cache_key": key, "outputs": cell_row, "lineage": lineage})
    assert hashes == content_hash({"low": 1.0}) + content_hash([1.0, "two"])
    got_key, _, outputs, output_hashes, _, _ = call("lineage_lookup", {
        "fingerprint": FINGERPRINT, "n_outputs": 2.0, "kinds": "c", "items": [x],
        "signature": signature_key("x")})
    assert got_key == key
    assert [bytes(np.asarray(o, dtype=np.uint8)) for o in outputs] == wires
    assert output_hashes == hashes
    forced = call("lineage_lookup", {"fingerprint": FINGERPRINT, "n_outputs": 2.0,
                                     "kinds": "c", "items": [x], "force": True,
                                     "signature": signature_key("x")})
    assert forced[2] is None
    other_arity = call("lineage_lookup", {"fingerprint": FINGERPRINT, "n_outputs": 3.0,
                                          "kinds": "c", "items": [x],
                                          "signature": signature_key("x")})
    assert other_arity[2] is None


def test_put_refuses_a_lineage_that_does_not_match_its_key():
    lineage = _lineage({"x": 1.5}, n_outputs=1)
    wire = [np.frombuffer(encode(1.0), dtype=np.uint8)]
    error = call("lineage_put", {"cache_key": "0" * 64, "outputs": wire, "lineage": lineage})
    assert error["identifier"] == "scistack:lineage:badRecord"
    lineage["cache_key"] = LineageRecord.from_dict(lineage).cache_key
    error = call("lineage_put", {"cache_key": lineage["cache_key"], "outputs": wire * 2,
                                 "lineage": lineage})
    assert error["identifier"] == "scistack:lineage:badRecord"
    assert "2 outputs" in error["message"]


def test_lookup_refuses_kinds_that_do_not_match_the_arguments():
    error = call("lineage_lookup", {"fingerprint": FINGERPRINT, "kinds": "cc",
                                    "items": [1.0], "signature": signature_key("x")})
    assert error["identifier"] == "scistack:lineage:badRecord"
    error = call("lineage_lookup", {"fingerprint": FINGERPRINT, "kinds": "z",
                                    "items": [1.0], "signature": signature_key("x")})
    assert error["identifier"] == "scistack:lineage:badRecord"


def test_lookup_names_the_arguments_after_the_signature():
    def names(key: str, count: int):
        return call("lineage_lookup", {"fingerprint": FINGERPRINT, "kinds": "c" * count,
                                       "items": [1.0] * count, "signature": key})

    assert names(signature_key("x", varargin=True), 3)[4] == "x,varargin_1,varargin_2"
    assert names(signature_key("", "y"), 2)[4] == "arg1,y"
    assert names(signature_key(known=False), 2)[4] == "arg1,arg2"
    assert names("", 1)[4] == "arg1"
    error = names(signature_key("x"), 2)
    assert error["identifier"] == "scistack:lineage:tooManyArguments"
    assert "fn takes 1 input(s), 2 were given" in error["message"]


def test_lookup_fingerprints_the_function_it_is_described_in_the_same_call(tmp_path):
    described = {"handle": "anonymous\0@() 2\0\0", "path": "", "pwd": str(tmp_path),
                 "libraries": {"roots": [str(tmp_path / "lib") + os.sep], "fold_case": False}}
    call("matlab_fingerprint", {"reset": True})
    first = call("lineage_lookup", {"kinds": "c", "items": [1.0],
                                    "signature": signature_key("x"), "handle": described["handle"]})
    assert first == {"resolve": [], "rehash": False, "libraries": True}
    reply = call("lineage_lookup", {"kinds": "c", "items": [1.0],
                                    "signature": signature_key("x"), **described})
    digest = call("matlab_fingerprint", described)
    assert len(digest) == 64 and reply[5] == digest
    assert reply[0] == cache_key(digest, {}, {"x": content_hash(1.0)}, 1)
