"""The text rules of MATLAB fingerprints: normalised code, names used, declarations,
canonical anonymous text and signatures (scistack_engine.matlab_code)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scistack_engine.codec import decode, encode
from scistack_engine.gateway.dispatch import handle
from scistack_engine.hashing import content_hash
from scistack_engine.matlab_code import anonymous_text, parse, read_source, signature

HELPERS = Path(__file__).resolve().parents[1] / "matlab" / "helpers_lineage"


def test_comments_layout_and_continuations_go_text_stays():
    source = ("function y = f(x) % comment\n  s = '50% off';  # octave\n"
              '  t = "a % b";\n\ny = [x\' ...\n     x.\'];\nend\n')
    parsed = parse(source)
    assert parsed.code == ("function y = f(x)\ns = '50% off';\nt = \"a % b\";\n"
                           "y = [x' x.'];\nend")
    assert {"s", "t", "x", "y"} <= set(parsed.names)
    assert not {"end", "function", "off"} & set(parsed.names)
    assert parsed.declared == ["f"] and parsed.inputs == [["x"]]


def test_double_quoted_text_ends_as_matlab_reads_it():
    source = 'folder = "C:\\data\\"; mark = "%"; lineage_hidden_call(folder);'
    parsed = parse(source)
    assert parsed.code == source and "lineage_hidden_call" in parsed.names
    parsed = parse('say = "she said ""hi % there"""; next_step(say); % done')
    assert parsed.code == 'say = "she said ""hi % there"""; next_step(say);'
    assert "next_step" in parsed.names


def test_block_comments_nest_and_quoted_names_count():
    source = "a = 1;\n%{\nhidden(1)\n  %{\n  deeper\n  %}\nstill_hidden\n%}\nfeval('helper');\r\n"
    parsed = parse(source)
    assert parsed.code == "a = 1;\nfeval('helper');"
    assert parsed.names == ["a", "feval", "helper"]


def test_declarations_and_their_inputs():
    parsed = parse("function [a, b] = first(x, ~, varargin)\nend\nfunction second\nend\n"
                   "function r = pkg.third( )\nend")
    assert parsed.declared == ["first", "second", "pkg.third"]
    assert parsed.inputs == [["x", "~", "varargin"], [], [""]]


@pytest.mark.parametrize("text, canonical", [
    ("@(x) f (x, k)", "@(x)f(x,k)"),
    ("@(x)f(x,k)", "@(x)f(x,k)"),
    ("@() [1 -2]", "@()[1,-2]"),
    ("@() [1 - 2]", "@()[1-2]"),
    ("@() {'a b', \"c  d\"}", "@(){'a b',\"c  d\"}"),
    ("@(a) [a != 1, !a]", "@(a)[a~=1,~a]"),
    ("@(x) x' * x.'", "@(x)x'*x.'"),
    ("@() {a ~b, c ~= d, 'it''s'}", "@(){a,~b,c~=d,'it''s'}"),
])
def test_anonymous_text_is_canonical(text, canonical):
    assert anonymous_text(text) == canonical


def test_signatures_name_the_declared_inputs():
    sig = signature("lineage_filter", file=str(HELPERS / "lineage_filter.m"))
    assert (sig.inputs, sig.varargin, sig.known) == (["signal", "low_hz", "high_hz"], False, True)
    sig = signature("lineage_gain", file=str(HELPERS / "lineage_gain.m"))
    assert (sig.inputs, sig.varargin) == (["x"], True)
    sig = signature("", anonymous="@(signal, gain) gain * signal")
    assert (sig.name, sig.inputs) == ("@(signal,gain)gain*signal", ["signal", "gain"])
    assert not signature("sum", file="built-in (sum)").known


def test_sources_are_read_as_utf8():
    code = read_source(str(HELPERS / "lineage_unicode_label.m")).code
    assert "'Gr\u00f6\u00dfe in \u00b5V'" in code


def test_gateway_operations_answer_matlab_requests():
    def call(op, **args):
        reply = decode(handle(encode({"op": op, "args": args})))
        return reply["ok"]

    assert call("matlab_fingerprint", reset=True) == {}
    request = {"handle": "simple\0@sum\0\0", "path": "", "pwd": ""}
    assert call("matlab_fingerprint", **request) == {"resolve": [], "rehash": False,
                                                     "libraries": True}
    request["libraries"] = {"roots": ["/opt/"], "fold_case": False}
    assert call("matlab_fingerprint", **request) == {"resolve": ["sum"], "rehash": True,
                                                     "libraries": False}
    assert call("matlab_fingerprint", names=["sum"], found=["/opt/sum.m"], **request) == \
        content_hash({"scheme": "scistack-matlab-library-v1", "function": "sum"})
    gain = f"simple\0lineage_gain\0{HELPERS / 'lineage_gain.m'}\0"
    sig = call("thunk_options", handle=gain)
    assert {k: sig[k] for k in ("name", "inputs", "varargin", "known", "key")} == {
        "name": "lineage_gain", "inputs": ["x"], "varargin": True, "known": True,
        "key": '["lineage_gain", ["x"], true, true]'}
    assert call("thunk_options", handle="simple\0@sum\0\0") == {
        "resolve": ["sum"], "rehash": False, "libraries": False}
    assert call("thunk_options", handle="simple\0@sum\0\0", names=["sum"],
                found=[""])["known"] is False
    local = f"scopedfunction\0helper\0{HELPERS / 'lineage_gain.m'}\0helper"
    assert call("thunk_options", handle=local)["name"] == "helper"
    anonymous = call("thunk_options", handle="anonymous\0@(a, b) a + b\0\0")
    assert anonymous["inputs"] == ["a", "b"] and anonymous["name"] == "@(a,b)a+b"
