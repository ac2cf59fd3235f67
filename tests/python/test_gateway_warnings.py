"""Warnings issued during a gateway operation travel with its reply, not to Python's stderr.

The gateway captures them per call and adds a ``warnings`` entry (identifier, message) to
the reply; ``engine_call.m`` raises each with MATLAB's ``warning``. A reply without
warnings keeps its one ``ok`` entry, the form the toolbox reads without decoding it twice.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from scistack_engine import gateway, session
from scistack_engine.codec import HEADER, decode, encode, with_entry
from scistack_engine.errors import (
    GatewayError,
    ScistackWarning,
    UnfoldedCloseWarning,
    VariableNameWarning,
    WriteAheadLogWarning,
)


def call(op: str, args: dict | None = None, **extra) -> dict:
    return decode(gateway.handle(encode({"op": op, "args": args or {}, **extra})))


@pytest.fixture
def warning_ops():
    """Operations that warn, registered for one test and removed afterwards."""
    added = []

    def add(name, fn):
        gateway.operation(name)(fn)
        added.append(name)

    yield add
    for name in added:
        gateway.dispatch._OPERATIONS.pop(name, None)


def test_a_warning_is_sent_with_the_result_under_its_identifier(warning_ops):
    def warns(args):
        warnings.warn("the log was torn", WriteAheadLogWarning, stacklevel=1)
        return 7.0

    warning_ops("warns_once", warns)
    with warnings.catch_warnings(record=True) as leaked:
        warnings.simplefilter("always")
        reply = call("warns_once")
    assert reply == {"ok": 7.0, "warnings": [
        {"identifier": "scistack:db:tornWriteAheadLog", "message": "the log was torn"}]}
    assert leaked == []  # captured for MATLAB, not shown by Python


def test_every_scistack_warning_is_sent_each_time_in_order(warning_ops):
    def warns(args):
        for n in range(2):
            warnings.warn(f"closed {n}", UnfoldedCloseWarning, stacklevel=1)
        warnings.warn("twice defined", VariableNameWarning, stacklevel=1)
        return None

    warning_ops("warns_thrice", warns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Python's own filters do not hide SciStack's
        first = call("warns_thrice")
        second = call("warns_thrice")
    expected = [("scistack:db:closedUnfolded", "closed 0"),
                ("scistack:db:closedUnfolded", "closed 1"),
                ("scistack:db:variableRedefined", "twice defined")]
    for reply in (first, second):
        assert [(w["identifier"], w["message"]) for w in reply["warnings"]] == expected


def test_another_warning_is_named_after_its_class(warning_ops):
    def warns(args):
        warnings.warn("numbers overflowed", RuntimeWarning, stacklevel=1)
        return 1.0

    warning_ops("warns_runtime", warns)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        reply = call("warns_runtime")
    assert reply["warnings"] == [{"identifier": "scistack:engine:RuntimeWarning",
                                  "message": "numbers overflowed"}]


def test_a_warning_before_a_failure_comes_with_the_error(warning_ops):
    def fails(args):
        warnings.warn("first this", ScistackWarning, stacklevel=1)
        raise GatewayError("then that", identifier="scistack:gateway:testFailure")

    warning_ops("warns_then_fails", fails)
    reply = call("warns_then_fails")
    assert reply["error"]["identifier"] == "scistack:gateway:testFailure"
    assert reply["warnings"] == [{"identifier": "scistack:warning", "message": "first this"}]


def test_a_reply_without_warnings_holds_its_result_alone():
    wire = gateway.handle(encode({"op": "echo", "args": {"value": 2.0}, "profile": "octave"}))
    assert wire == HEADER + b"d" + (1).to_bytes(8, "little") + b"s" + (2).to_bytes(
        8, "little") + b"ok" + b"f" + encode(2.0)[5:]


def test_the_warnings_are_lowered_to_the_profile_of_the_request(warning_ops):
    warning_ops("warns_lowered",
                lambda args: warnings.warn("w", ScistackWarning, stacklevel=1))
    wire = gateway.handle(encode({"op": "warns_lowered", "profile": "octave"}))
    key = b"s" + (8).to_bytes(8, "little") + b"warnings"
    assert wire.count(key) == 1
    # a list reaches the toolbox as an object array ('O'), which wire_decode.m reads
    assert wire[wire.index(key) + len(key):][:1] == b"O"


def test_with_entry_adds_an_entry_to_encoded_dict_bytes():
    wire = with_entry(encode({"ok": [1.0, "a"]}), "extra", encode({"n": None}))
    assert decode(wire) == {"ok": [1.0, "a"], "extra": {"n": None}}
    with pytest.raises(Exception, match="dict"):
        with_entry(encode([1.0]), "extra", encode(None))


# ------------------------------------------------------------- a warning that happens


@pytest.fixture(scope="module")
def torn(tmp_path_factory) -> Path:
    """A database whose write-ahead log ends inside a transaction."""
    folder = tmp_path_factory.mktemp("torn")
    path = folder / "study.duckdb"
    script = textwrap.dedent(f"""
        import os
        import scidb
        from scidb import BaseVariable
        class Score(BaseVariable):
            pass
        scidb.configure_database({str(path)!r}, ["subject"])
        for i in range(3):
            Score.save(float(i), subject=i)
        os._exit(0)
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    log = Path(str(path) + ".wal")
    log.write_bytes(log.read_bytes()[:-10])
    return path


def test_opening_a_torn_log_through_the_gateway_warns_the_caller(torn, tmp_path):
    copy = tmp_path / torn.name
    shutil.copy(torn, copy)
    shutil.copy(str(torn) + ".wal", str(copy) + ".wal")
    reply = call("db_open", {"path": str(copy), "schema_keys": ["subject"]},
                 profile="octave")
    try:
        assert "ok" in reply
        [sent] = reply["warnings"]
        assert sent["identifier"] == "scistack:db:tornWriteAheadLog"
        assert str(copy) in sent["message"] and ".wal" in sent["message"]
    finally:
        session.close(session.by_handle(reply["ok"]["handle"]))
