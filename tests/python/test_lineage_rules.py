"""The lineage rules MATLAB asks the engine for: a Thunk's options and a result's chain."""

from __future__ import annotations

import numpy as np
import pytest

from scistack_engine import gateway
from scistack_engine.codec import decode, encode
from scistack_engine.gateway import scilineage  # noqa: F401 - registers the operations
from scistack_engine.hashing import content_hash
from scistack_engine.lineage import LineageOptionError, check_thunk_options
from scistack_engine.provenance import lineage_chain


def call(op, **args):
    reply = decode(gateway.handle(encode({"op": op, "args": args})))
    if "error" in reply:
        raise RuntimeError(f"{reply['error']['identifier']}: {reply['error']['message']}")
    return reply["ok"]


def described(name):
    """The description MATLAB sends of a handle to the function ``name`` (file unread)."""
    return f"simple\0{name}\0/nowhere/{name}.m\0"


def options(*pairs, **defaults):
    cell = np.empty(len(pairs), dtype=object)
    cell[:] = list(pairs)
    return call("thunk_options", handle=described("bandpass"), options=cell, **defaults)


def test_thunk_options_apply_over_the_defaults_without_regard_to_case():
    got = options("N_OUTPUTS", 2.0)
    assert {k: got[k] for k in ("n_outputs", "version", "version_digest", "name")} == {
        "n_outputs": 2, "version": "", "version_digest": "", "name": "bandpass"}
    assert got["shown"] == "scilineage.Thunk of bandpass, n_outputs 2"
    inherited = options(n_outputs=3.0, version="v1")
    assert inherited["n_outputs"] == 3 and inherited["version"] == "v1"
    assert inherited["shown"] == "scilineage.Thunk of bandpass, n_outputs 3, version 'v1'"
    assert options()["shown"] == "scilineage.Thunk of bandpass"


def test_a_declared_version_is_hashed_with_the_function_name():
    got = options("version", "v2")
    assert got["version_digest"] == content_hash(
        {"scheme": "scistack-matlab-version-v1", "function": "bandpass", "version": "v2"})
    other = call("thunk_options", handle=described("lowpass"), options=["version", "v2"])
    assert other["version_digest"] != got["version_digest"]


@pytest.mark.parametrize("pairs", [
    ("n_outputs", 0.0), ("n_outputs", 1.5), ("n_outputs", True), ("n_outputs", "2"),
    ("n_outputs", np.array([1.0, 2.0])), ("version", ""), ("version", 2.0),
    ("colour", "red"), (3.0, 1.0), ("n_outputs",),
])
def test_bad_thunk_options_are_refused(pairs):
    with pytest.raises(RuntimeError, match="scistack:lineage:badOption"):
        options(*pairs)


def test_the_option_rule_is_the_python_fronts_too():
    check_thunk_options(2, "v1")
    check_thunk_options(None, None)
    for bad in [(0, None), (True, None), (2.0, None), (1, ""), (None, 3)]:
        with pytest.raises(LineageOptionError):
            check_thunk_options(*bad)
    with pytest.raises(LineageOptionError, match="ambiguous"):
        check_thunk_options(1, None, unpack_output=True)


def lineage(key, **upstream):
    inputs = {name: {"kind": "upstream", "output_index": 0, "content_hash": "0" * 64,
                     "lineage": up} for name, up in upstream.items()}
    inputs["raw"] = {"kind": "record", "variable": "Raw", "record_id": "r1"}
    return {"function_name": key, "cache_key": key, "inputs": inputs, "constants": {}}


def test_a_chain_is_depth_first_and_names_each_call_once():
    base = lineage("base")
    left = lineage("left", a=base)
    right = lineage("right", b=base)
    top = lineage("top", x=left, y=right)
    chain = lineage_chain(top)
    assert [item["cache_key"] for _, item in chain] == ["top", "left", "base", "right"]
    assert [path for path, _ in chain] == [(), ("x",), ("x", "a"), ("y",)]
    assert call("lineage_chain", lineage=top, options=["chain", True]) == [
        [], ["x"], ["x", "a"], ["y"]]


def test_a_results_provenance_follows_the_chain_only_when_asked():
    top = lineage("top", x=lineage("left"))
    assert call("lineage_chain", lineage=top, options=[]) is None
    assert call("lineage_chain", lineage=top, options=["Chain", False]) is None
    assert call("lineage_chain", lineage=top, options=["chain", 1.0]) == [[], ["x"]]
    for options, identifier in ((["chain"], "scistack:arguments:unpaired"),
                                (["depth", 2.0], "scistack:lineage:badOption")):
        with pytest.raises(RuntimeError, match=identifier):
            call("lineage_chain", lineage=top, options=options)


def test_a_lineage_without_upstream_inputs_is_its_own_chain():
    assert lineage_chain(lineage("alone")) == [((), lineage("alone"))]
