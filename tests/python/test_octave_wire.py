"""Octave -> Python: bytes the .m codec writes decode in Python to the documented values.

The reverse of the golden vectors (Python bytes decoded by the toolbox, in
tests/matlab/test_wire_golden.m): GNU Octave encodes each value of ``CASES`` with
``scistack.internal.wire_encode`` into a file (in the MATLAB request profile), and Python
raises it to the stored encoding (``raise_wire``) and decodes it with
``scistack_engine.codec.decode``; the result must equal the Python value the mapping
table of docs/data-model.md gives. A second test asks the engine, from Octave, for the
content hash of the same values and compares it with ``content_hash`` computed here.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zoneinfo
from typing import Any

import numpy as np
import pandas as pd
import pytest

from octave_support import run_octave, same
from scistack_engine.codec import decode, encode
from scistack_engine.gateway.profile import lower
from scistack_engine.gateway.request_profile import raise_wire
from scistack_engine.hashing import content_hash

pytestmark = pytest.mark.octave

#: name -> (Octave expression, the Python value it must decode to)
CASES: dict[str, tuple[str, Any]] = {
    "double_scalar": ("1.5", 1.5),
    "double_nan": ("NaN", math.nan),
    "double_column": ("[1; 2.5; -3]", np.array([1.0, 2.5, -3.0])),
    "double_row": ("[1 2 3]", np.array([[1.0, 2.0, 3.0]])),
    "double_matrix": ("[1 2 3; 4 5 6]", np.array([[1.0, 2, 3], [4, 5, 6]])),
    "int32_3d": ("reshape(int32(0:23), [2 3 4])",
                 np.arange(24, dtype=np.int32).reshape((2, 3, 4), order="F")),
    "empty": ("[]", np.zeros((0, 0))),
    "empty_column": ("zeros(0, 1)", np.zeros((0,))),
    "int16_scalar": ("int16(-12)", np.int16(-12)),
    "single_scalar": ("single(0.5)", np.float32(0.5)),
    "uint64_max": ("intmax('uint64')", np.uint64(2**64 - 1)),
    "int64_min_column": ("[intmin('int64'); 5]", np.array([-(2**63), 5], dtype=np.int64)),
    "uint8_row": ("uint8([0 128 255])", np.array([[0, 128, 255]], dtype=np.uint8)),
    "true": ("true", True),
    "logical_column": ("[true; false]", np.array([True, False])),
    "complex_scalar": ("complex(1.5, -2)", complex(1.5, -2.0)),
    "complex_column": ("[1 + 2i; -3.5i]", np.array([1 + 2j, -3.5j])),
    "complex_single": ("single([1 + 2i, 3])", np.array([[1 + 2j, 3]], dtype=np.complex64)),
    "text": ("'pre'", "pre"),
    "text_empty": ("''", ""),
    "text_unicode": ("native2unicode(uint8([194 181 86 32 226 128 147 32 206 148]), 'UTF-8')",
                     "\u00b5V \u2013 \u0394"),
    "char_matrix": ("['ab'; 'cd']", np.array([["a", "b"], ["c", "d"]], dtype="<U1")),
    "cell_row": ("{1, 'a'}", np.array([[1.0, "a"]], dtype=object)),
    "cell_column": ("{1; 'a'; []}", np.array([1.0, "a", np.zeros((0, 0))], dtype=object)),
    "struct": ("struct('subject', 1, 'session', 'pre')", {"subject": 1.0, "session": "pre"}),
    "struct_nested": ("struct('inner', struct('x', [1; 2]), 'tags', {{'a', 'b'}})",
                      {"inner": {"x": np.array([1.0, 2.0])},
                       "tags": np.array([["a", "b"]], dtype=object)}),
    "struct_array": ("struct('a', {1, 2})",
                     np.array([[{"a": 1.0}, {"a": 2.0}]], dtype=object)),
    "map_text_keys": ("containers.Map({'a b', 'c'}, {1, 'x'})", {"a b": 1.0, "c": "x"}),
    "map_number_keys": ("containers.Map({1, 2}, {'one', 'two'})", {1.0: "one", 2.0: "two"}),
}


def run(code: str) -> str:
    """Run Octave code from the repository root; its standard output."""
    return run_octave(code).stdout




@pytest.fixture(scope="module")
def octave_bytes(tmp_path_factory) -> dict[str, bytes]:
    """Each case encoded by the toolbox in Octave, read back as bytes."""
    folder = tmp_path_factory.mktemp("octave_wire")
    lines = ["addpath('toolbox');"]
    for name, (expression, _) in CASES.items():
        lines.append(
            f"fid = fopen('{folder / (name + '.bin')}', 'w'); "
            f"fwrite(fid, scistack.internal.wire_encode({expression}), 'uint8'); fclose(fid);"
        )
    run("\n".join(lines))
    return {name: (folder / f"{name}.bin").read_bytes() for name in CASES}


@pytest.mark.parametrize("name", list(CASES))
def test_octave_encoding_decodes_in_python(octave_bytes, name):
    value = decode(raise_wire(octave_bytes[name]))
    expected = CASES[name][1]
    assert same(value, expected), f"{name}: decoded {value!r}, expected {expected!r}"


HASHED = ["double_column", "double_row", "double_matrix", "int32_3d", "int16_scalar",
          "complex_single", "text_unicode", "struct", "struct_nested", "cell_row",
          "map_text_keys"]


@pytest.fixture(scope="module")
def octave_hashes() -> dict[str, str]:
    """The engine's content hash of each case in HASHED, asked for from Octave."""
    lines = ["addpath('toolbox'); scistack.setup();"]
    for name in HASHED:
        lines.append(f"printf('{name}=%s\\n', "
                     f"scistack.internal.engine_call('hash', 'value', {CASES[name][0]}));")
    out = run("\n".join(lines))
    return dict(re.findall(r"^(\w+)=([0-9a-f]{64})$", out, re.MULTILINE))


@pytest.mark.parametrize("name", HASHED)
def test_octave_hash_equals_python_hash(octave_hashes, name):
    assert octave_hashes.get(name) == content_hash(CASES[name][1])


# ------------------------------------------------------------------ Python -> Octave

#: name -> (Python value, Octave expression of what the toolbox must decode it to), for
#: the parts of the mapping table the golden vectors do not reach.
FROM_PYTHON: dict[str, tuple[Any, str]] = {
    "c_order_3d": (np.arange(24.0).reshape(2, 3, 4),
                   "permute(reshape(0:23, [4 3 2]), [3 2 1])"),
    "object_2d": (np.array([[1.0, "a"], [None, 2.5]], dtype=object), "{1, 'a'; [], 2.5}"),
    "text_array": (np.array(["ab", "", "\u00b5x"]),
                   "{'ab'; ''; native2unicode(uint8([194 181 120]), 'UTF-8')}"),
    "text_array_2d": (np.array([["a", "bc"], ["d", "e"]]), "{'a', 'bc'; 'd', 'e'}"),
    "float16": (np.array([1.5, np.inf, 65504], dtype=np.float16), "single([1.5; Inf; 65504])"),
    "complex64_scalar": (np.complex64(1 + 2j), "single(complex(1, 2))"),
    "numpy_bool": (np.bool_(True), "true"),
    "numpy_text": (np.str_("hey"), "'hey'"),
    "huge_but_exact_int": (2**62, "2^62"),
    "int_needs_int64": (2**53 + 1, "int64(9007199254740993)"),
    "tuple_in_list": ([(1, 2), {"k": [None]}], "{{1; 2}; struct('k', {{[]}})}"),
    "int_keys": ({1: "a", 2: "b"}, "containers.Map({1, 2}, {'a', 'b'})"),
    "text_keys": ({"1x": 1, "ok": 2}, "containers.Map({'1x', 'ok'}, {1, 2})"),
    "series": (pd.Series([1.5, 2.5], name="s"), "[1.5; 2.5]"),
    "na": (pd.NA, "[]"),
    "nat": (pd.NaT, "NaN"),
    "datetime64_array": (np.array(["2024-03-01T12:30:00.125", "NaT"], dtype="datetime64[ms]"),
                         "[1709296200.125; NaN]"),
    "timedelta64_array": (np.array([1500, -2], dtype="timedelta64[ms]"), "[1.5; -0.002]"),
    "datetime64_scalar": (np.datetime64("2024-03-01"), "'2024-03-01'"),
    "timestamp_ns_utc": (pd.Timestamp("2024-03-01 12:30:00.123456789", tz="UTC"),
                         "'2024-03-01T12:30:00.123456789Z'"),
    "timestamp_naive_s": (pd.Timestamp("2024-03-01 12:30:00").as_unit("s"),
                          "'2024-03-01T12:30:00'"),
    "datetime_before_1970": (dt.datetime(1969, 12, 31, 23, 59, 59, 500000),
                             "'1969-12-31T23:59:59.500000'"),
    "datetime_paris": (dt.datetime(2024, 7, 1, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
                       "'2024-07-01T10:00:00Z'"),
    "date_year_1": (dt.date(1, 1, 1), "'0001-01-01'"),
    "frame_categorical": (
        pd.DataFrame({"c": pd.Categorical(["a", None, "b"], categories=["b", "a", "z"],
                                          ordered=True), "x": np.array([1, 2, 3])}),
        "struct('c', struct('values', {{'a'; ''; 'b'}}, 'categories', {{'b'; 'a'; 'z'}}, "
        "'ordered', true), 'x', int64([1; 2; 3]))"),
    "frame_extension": (
        pd.DataFrame({"i": pd.array([1, None, 3], dtype="Int64"),
                      "s": pd.array(["a", None, "c"], dtype="string"),
                      "b": pd.array([True, None, False], dtype="boolean"),
                      "j": pd.array([4, 5], dtype="Int16").repeat([2, 1])}),
        "struct('i', [1; NaN; 3], 's', {{'a'; ''; 'c'}}, 'b', [1; NaN; 0], "
        "'j', int16([4; 4; 5]))"),
    "frame_aware_times": (
        pd.DataFrame({"t": pd.DatetimeIndex(["2024-01-01 01:00", None]).tz_localize("UTC")}),
        "struct('t', [1704070800; NaN])"),
    "frame_text_index": (pd.DataFrame({"v": [1.0, 2.0]}, index=pd.Index(["r1", "r2"], name="row")),
                         "struct('row', {{'r1'; 'r2'}}, 'v', [1; 2])"),
    "frame_shifted_index": (pd.DataFrame({"v": [1.0, 2.0]}, index=pd.RangeIndex(5, 7)),
                            "struct('index', [5; 6], 'v', [1; 2])"),
    "frame_number_names": (pd.DataFrame({0: [1.0], 1: [2.0]}), "struct('x0', 1, 'x1', 2)"),
}


@pytest.fixture(scope="module")
def decoded_in_octave(tmp_path_factory) -> dict[str, str]:
    """For each FROM_PYTHON case: 'ok', or what Octave decoded instead."""
    folder = tmp_path_factory.mktemp("python_wire")
    lines = ["addpath('toolbox');",
             "same = @(a, b) strcmp(class(a), class(b)) && isequal(size(a), size(b)) "
             "&& isequaln(a, b);"]
    for name, (value, expression) in FROM_PYTHON.items():
        (folder / f"{name}.bin").write_bytes(lower(encode(value), "octave"))
        lines.append(
            f"fid = fopen('{folder / (name + '.bin')}'); b = fread(fid, Inf, 'uint8=>uint8').'; "
            f"fclose(fid); v = scistack.internal.wire_decode(b); e = {expression}; "
            "if isa(e, 'containers.Map'), ok = isa(v, 'containers.Map') && "
            "isequal(keys(v), keys(e)) && isequal(values(v), values(e)); "
            "else, ok = same(v, e); end; "
            f"if ok, printf('{name}=ok\\n'); else, printf('{name}=%s\\n', "
            "strtrim(disp(v)(1:min(end, 200)))); end"
        )
    out = run("\n".join(lines))
    return dict(re.findall(r"^(\w+)=(.*)$", out, re.MULTILINE))


@pytest.mark.parametrize("name", list(FROM_PYTHON))
def test_python_values_decode_in_octave_as_documented(decoded_in_octave, name):
    assert decoded_in_octave.get(name) == "ok", decoded_in_octave.get(name)


def test_dict_with_mixed_key_types_has_no_octave_form(tmp_path):
    path = tmp_path / "mixed.bin"
    path.write_bytes(encode({1: "a", "b": 2}))
    out = run(
        "addpath('toolbox'); scistack.setup(); "
        f"fid = fopen('{path}'); b = fread(fid, Inf, 'uint8=>uint8').'; fclose(fid); "
        "try, scistack.internal.engine_call('lower_wire', 'wire', b); "
        "catch err, printf('id=%s\\n', err.identifier); end"
    )
    assert "id=scistack:value:unsupported" in out
