"""The engine gateway that MATLAB and the Octave bridge call: bytes in, bytes out.

``scistack_engine.gateway.handle`` is the Python end of every toolbox call (through
``py.`` in MATLAB and the MEX bridge in GNU Octave). These tests drive it from Python
with wire-encoded requests, as the toolbox does, and need no Octave.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import scistack_engine
from scistack_engine import gateway
from scistack_engine.codec import HEADER, decode, encode
from scistack_engine.errors import ScistackError
from scistack_engine.hashing import content_hash


def call(op, args=None, **extra) -> dict:
    request = {"op": op, **extra}
    if args is not None:
        request["args"] = args
    return decode(gateway.handle(encode(request)))


def test_ping_returns_the_engine_version():
    assert call("ping", {}) == {"ok": scistack_engine.__version__}


def test_args_may_be_left_out():
    assert call("ping") == {"ok": scistack_engine.__version__}


@pytest.mark.parametrize("value", [
    1.5, -3, "µV", None, True, [1.0, "a"], {"k": np.arange(3)},
    np.arange(6, dtype=np.int16).reshape(2, 3), np.float32(2.5), complex(1, -1),
])
def test_echo_returns_the_value(value):
    reply = call("echo", {"value": value})
    assert encode(reply["ok"]) == encode(value)


def test_hash_is_the_content_hash():
    value = {"x": np.array([1.0, 2.5, -3.0]), "label": "emg"}
    assert call("hash", {"value": value}) == {"ok": content_hash(value)}


def test_column_major_arrays_from_matlab_hash_like_python_arrays():
    matrix = np.array([[1.0, 2, 3], [4, 5, 6]])
    # what MATLAB sends for [1 2 3; 4 5 6]: its memory (column-major) with order byte F
    body = (b"a" + (2).to_bytes(8, "little") + b"f8" + b"F" + (2).to_bytes(8, "little")
            + (2).to_bytes(8, "little") + (3).to_bytes(8, "little")
            + np.asfortranarray(matrix).tobytes(order="F"))
    args = b"d" + (1).to_bytes(8, "little") + b"s" + (5).to_bytes(8, "little") + b"value" + body
    request = (HEADER + b"d" + (2).to_bytes(8, "little")
               + b"s" + (2).to_bytes(8, "little") + b"op"
               + b"s" + (4).to_bytes(8, "little") + b"hash"
               + b"s" + (4).to_bytes(8, "little") + b"args" + args)
    assert decode(gateway.handle(request)) == {"ok": content_hash(matrix)}


def test_operations_lists_the_registered_names():
    names = call("operations")["ok"]
    assert {"echo", "hash", "operations", "ping"} <= set(names)
    assert names == sorted(names)


# ---------------------------------------------------------------------- errors


def error_of(reply: dict) -> dict:
    assert set(reply) == {"error"}, reply
    assert set(reply["error"]) == {"identifier", "message", "type"}
    return reply["error"]


def test_unknown_operation():
    error = error_of(call("no_such_op", {}))
    assert error["identifier"] == "scistack:gateway:unknownOperation"
    assert "no_such_op" in error["message"] and "echo" in error["message"]


def test_missing_argument():
    error = error_of(call("echo", {}))
    assert error["identifier"] == "scistack:gateway:missingArgument"


@pytest.mark.parametrize("request_value", [
    [1, 2], {"args": {}}, {"op": 3}, {"op": "echo", "args": [1]},
])
def test_malformed_requests(request_value):
    error = error_of(decode(gateway.handle(encode(request_value))))
    assert error["identifier"] == "scistack:gateway:badRequest"
    assert error["type"] == "GatewayError"


@pytest.mark.parametrize("raw", [b"", b"not wire", HEADER + b"z", HEADER + b"f\x00"])
def test_undecodable_bytes(raw):
    error = error_of(decode(gateway.handle(raw)))
    assert error["identifier"] == "scistack:value:badEncoding"


def test_a_request_that_is_not_bytes_gets_an_error_reply():
    error = error_of(decode(gateway.handle("text")))
    assert error["identifier"] == "scistack:gateway:badRequest"


def test_python_exceptions_map_to_engine_identifiers(temporary_ops):
    def fails(args):
        raise KeyError("subject")

    temporary_ops("test_fails", fails)
    error = error_of(call("test_fails", {}))
    assert error["identifier"] == "scistack:engine:KeyError"
    assert error["type"] == "KeyError"
    assert "subject" in error["message"]


def test_scistack_errors_keep_their_identifier(temporary_ops):
    class NotFound(ScistackError):
        identifier = "scistack:db:notFound"

    def fails(args):
        raise NotFound("no record for subject 1")

    class Odd(Exception):
        identifier = 42

    def odd(args):
        raise Odd("x")

    temporary_ops("test_not_found", fails)
    temporary_ops("test_odd", odd)
    error = error_of(call("test_not_found", {}))
    assert error == {"identifier": "scistack:db:notFound",
                     "message": "no record for subject 1", "type": "NotFound"}
    assert error_of(call("test_odd", {}))["identifier"] == "scistack:engine:Odd"


def test_every_identifier_is_one_matlab_accepts(temporary_ops):
    class Spaced(Exception):
        identifier = "scistack:db:not found"

    class _Hidden(Exception):
        pass

    def raises(cls):
        def fails(args):
            raise cls("x")
        return fails

    temporary_ops("test_spaced", raises(Spaced))
    temporary_ops("test_hidden", raises(_Hidden))
    assert error_of(call("test_spaced", {}))["identifier"] == "scistack:engine:Spaced"
    assert error_of(call("test_hidden", {}))["identifier"] == "scistack:engine:error"


def test_results_outside_the_value_model_are_errors(temporary_ops):
    temporary_ops("test_returns_set", lambda args: {1, 2})
    error = error_of(call("test_returns_set", {}))
    assert error["identifier"] == "scistack:value:unsupported"


def test_an_error_message_that_cannot_be_encoded_still_replies(temporary_ops):
    def fails(args):
        raise ValueError("bad \udcff surrogate")

    temporary_ops("test_bad_message", fails)
    error = error_of(call("test_bad_message", {}))
    assert error["identifier"] == "scistack:engine:ValueError"
    assert error["type"] == "ValueError"


def test_handle_never_raises(temporary_ops):
    def explodes(args):
        raise SystemError("boom")

    temporary_ops("test_explodes", explodes)
    assert error_of(call("test_explodes", {}))["identifier"] == "scistack:engine:SystemError"


# ---------------------------------------------------------------- registration


def test_operation_names_are_unique(temporary_ops):
    def first(args):
        return 1

    def second(args):
        return 2

    temporary_ops("test_unique", first)
    gateway.operation("test_unique")(first)  # the same function again is fine
    with pytest.raises(ValueError, match="already registered"):
        gateway.operation("test_unique")(second)
    with pytest.raises(ValueError):
        gateway.operation("")


def test_decorated_function_stays_callable(temporary_ops):
    def double_it(args):
        return 2 * args["value"]

    temporary_ops("test_double", double_it)
    assert double_it({"value": 2.0}) == 4.0
    assert call("test_double", {"value": 2.0}) == {"ok": 4.0}


def test_operation_modules_are_imported_on_first_use(tmp_path, monkeypatch):
    (tmp_path / "scistack_test_ops.py").write_text(
        "from scistack_engine.gateway import operation\n"
        "@operation('test_from_module')\n"
        "def _from_module(args):\n"
        "    return 'registered'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(gateway.dispatch, "OPERATION_MODULES", ("scistack_test_ops",))
    monkeypatch.setattr(gateway.dispatch, "_loaded_modules", set())
    try:
        assert "scistack_test_ops" not in sys.modules
        assert call("test_from_module", {}) == {"ok": "registered"}
        assert "scistack_test_ops" in sys.modules
    finally:
        gateway.dispatch._OPERATIONS.pop("test_from_module", None)
        sys.modules.pop("scistack_test_ops", None)


def test_an_error_whose_message_cannot_be_encoded_still_gets_an_error_reply(temporary_ops):
    def bad_text(args):
        raise ValueError("lone surrogate \udc80")

    temporary_ops("test_bad_text", bad_text)
    reply = call("test_bad_text", {})
    assert reply["error"]["identifier"] == "scistack:engine:ValueError"
    assert reply["error"]["message"] == "ValueError (its message could not be encoded)"
