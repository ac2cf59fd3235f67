"""Warnings issued during a gateway operation travel with its reply, not to Python's stderr.

The gateway captures them per call and adds a ``warnings`` entry (identifier, message) to
the reply; ``engine_call.m`` raises each with MATLAB's ``warning``. A reply without
warnings keeps its one ``ok`` entry, the form the toolbox reads without decoding it twice.
"""

from __future__ import annotations

import warnings

import pytest

from scistack_engine import gateway
from scistack_engine.codec import HEADER, decode, encode, with_entry
from scistack_engine.errors import (
    GatewayError,
    ScistackWarning,
    UnfoldedCloseWarning,
    VariableNameWarning,
    WireFormatError,
    WriteAheadLogWarning,
)


def call(op: str, args: dict | None = None, **extra) -> dict:
    return decode(gateway.handle(encode({"op": op, "args": args or {}, **extra})))


def test_a_warning_is_sent_with_the_result_under_its_identifier(temporary_ops):
    def warns(args):
        warnings.warn("the log was torn", WriteAheadLogWarning, stacklevel=1)
        return 7.0

    temporary_ops("warns_once", warns)
    with warnings.catch_warnings(record=True) as leaked:
        warnings.simplefilter("always")
        reply = call("warns_once")
    assert reply == {"ok": 7.0, "warnings": [
        {"identifier": "scistack:db:tornWriteAheadLog", "message": "the log was torn"}]}
    assert leaked == []  # captured for MATLAB, not shown by Python


def test_every_scistack_warning_is_sent_each_time_in_order(temporary_ops):
    def warns(args):
        for n in range(2):
            warnings.warn(f"closed {n}", UnfoldedCloseWarning, stacklevel=1)
        warnings.warn("twice defined", VariableNameWarning, stacklevel=1)
        return None

    temporary_ops("warns_thrice", warns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Python's own filters do not hide SciStack's
        first = call("warns_thrice")
        second = call("warns_thrice")
    expected = [("scistack:db:closedUnfolded", "closed 0"),
                ("scistack:db:closedUnfolded", "closed 1"),
                ("scistack:db:variableRedefined", "twice defined")]
    for reply in (first, second):
        assert [(w["identifier"], w["message"]) for w in reply["warnings"]] == expected


def test_another_warning_is_named_after_its_class(temporary_ops):
    def warns(args):
        warnings.warn("numbers overflowed", RuntimeWarning, stacklevel=1)
        return 1.0

    temporary_ops("warns_runtime", warns)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        reply = call("warns_runtime")
    assert reply["warnings"] == [{"identifier": "scistack:engine:RuntimeWarning",
                                  "message": "numbers overflowed"}]


def test_a_warning_before_a_failure_comes_with_the_error(temporary_ops):
    def fails(args):
        warnings.warn("first this", ScistackWarning, stacklevel=1)
        raise GatewayError("then that", identifier="scistack:gateway:testFailure")

    temporary_ops("warns_then_fails", fails)
    reply = call("warns_then_fails")
    assert reply["error"]["identifier"] == "scistack:gateway:testFailure"
    assert reply["warnings"] == [{"identifier": "scistack:warning", "message": "first this"}]


def test_a_reply_without_warnings_holds_its_result_alone():
    wire = gateway.handle(encode({"op": "echo", "args": {"value": 2.0}, "profile": "octave"}))
    assert wire == HEADER + b"d" + (1).to_bytes(8, "little") + b"s" + (2).to_bytes(
        8, "little") + b"ok" + b"f" + encode(2.0)[5:]


def test_the_warnings_are_lowered_to_the_profile_of_the_request(temporary_ops):
    temporary_ops("warns_lowered",
                lambda args: warnings.warn("w", ScistackWarning, stacklevel=1))
    wire = gateway.handle(encode({"op": "warns_lowered", "profile": "octave"}))
    key = b"s" + (8).to_bytes(8, "little") + b"warnings"
    assert wire.count(key) == 1
    # a list reaches the toolbox as an object array ('O'), which wire_decode.m reads
    assert wire[wire.index(key) + len(key):][:1] == b"O"


def test_with_entry_adds_an_entry_to_encoded_dict_bytes():
    wire = with_entry(encode({"ok": [1.0, "a"]}), "extra", encode({"n": None}))
    assert decode(wire) == {"ok": [1.0, "a"], "extra": {"n": None}}
    with pytest.raises(WireFormatError, match="dict"):
        with_entry(encode([1.0]), "extra", encode(None))
