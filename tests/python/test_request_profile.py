"""The MATLAB request profile: request items raised to the stored encoding, exactly.

The request items are built here by hand, as the toolbox writes them
(toolbox/+scistack/+internal/encode_matlab_only.m); the stored bytes they must become
are checked against the values they decode to, against the golden bytes the toolbox
wrote before the profile (tests/fixtures/matlab_stored.json) and against MATLAB's
rounding rules. Octave's end of the same is tests/python/test_matlab_stored_bytes.py.
"""

from __future__ import annotations

import json
import pathlib
import struct

import numpy as np
import pandas as pd
import pytest

from scistack_engine.codec import HEADER, decode, encode
from scistack_engine.errors import UnsupportedValueError, WireFormatError
from scistack_engine.gateway import dispatch
from scistack_engine.gateway.request_profile import _duration_ticks, raise_wire
from scistack_engine.hashing import content_hash

GOLDEN = json.loads((pathlib.Path(__file__).parents[1] / "fixtures" / "matlab_stored.json")
                    .read_text())
MISSING = 2**64 - 1


def u64(*values: int) -> bytes:
    return b"".join(struct.pack("<Q", v) for v in values)


def text(s: str) -> bytes:
    raw = s.encode("utf-8")
    return u64(len(raw)) + raw


def w(size: tuple[int, ...], texts: list[str | None]) -> bytes:
    """A 'W' item; texts in column-major order."""
    absent = bytes(t is None for t in texts)
    mask = (b"?" + absent if size == (1, 1)
            else b"a" + text("b1") + b"F" + u64(len(size), *size) + absent)
    return b"W" + mask + b"Y" + u64(len(size), *size) + b"".join(
        b"s" + text(t or "") for t in texts)


def zone(name: str) -> bytes:
    return b"s" + text(name)


def table(rows: int, columns: list[tuple[str, bytes]], row_names: list[str] | None = None,
          dimension: str = "Row") -> bytes:
    """A 'Q' item: the struct of a table's parts."""
    def cell(texts: list[str]) -> bytes:
        size = (len(texts), 1) if texts else (0, 0)
        return b"Y" + u64(2, *size) + b"".join(b"s" + text(t) for t in texts)
    names = [n for n, _ in columns]
    fields = [("rows", b"f" + struct.pack("<d", rows)), ("dimension", b"s" + text(dimension)),
              ("row_names", cell(row_names or [])),
              ("names", b"Y" + u64(2, 1, len(names)) + b"".join(b"s" + text(n) for n in names)),
              ("values", b"Y" + u64(2, 1, len(columns)) + b"".join(c for _, c in columns))]
    return b"Q" + b"d" + u64(len(fields)) + b"".join(b"s" + text(k) + v for k, v in fields)


def numbers(values: list[float] | np.ndarray, code: str = "f8",
            size: tuple[int, ...] | None = None) -> bytes:
    """What wire_encode writes for a numeric array: 'f'/'g' for 1-by-1, else 'a' F."""
    arr = np.asarray(values, dtype="<" + code)
    if arr.size == 1 and size is None:
        return b"f" + arr.tobytes() if code == "f8" else b"g" + text(code) + arr.tobytes()
    size = size or (arr.size, 1)
    shape = (size[0],) if len(size) == 2 and size[1] == 1 and size[0] != 1 else size
    return b"a" + text(code) + b"F" + u64(len(shape), *shape) + arr.tobytes()


def raised(item: bytes) -> bytes:
    return raise_wire(HEADER + item)


def golden(name: str) -> bytes:
    return bytes.fromhex(GOLDEN[name][0])


MU = "\u00b5V"
NS = int(float(1709296200123456789))  # Octave read the literal as a double


def test_stored_bytes_come_back_as_they_are():
    for value in (1.5, [1, "a"], {"k": np.arange(3.0)}, pd.DataFrame({"x": [1.0]}),
                  pd.Timestamp("2024-01-01", tz="UTC")):
        wire = encode(value)
        assert raise_wire(wire) is wire


@pytest.mark.parametrize("name, item", [
    ("string_scalar", w((1, 1), ["pre"])),
    ("string_missing", w((1, 1), [None])),
    ("string_empty_text", w((1, 1), [""])),
    ("string_unicode", w((1, 1), [MU])),
    ("string_matrix", w((2, 2), ["a", "", "bc", None])),
    ("string_column", w((3, 1), ["x", "y", "z"])),
    ("string_row", w((1, 2), ["x", "y"])),
    ("categorical_column", b"K\x01" + w((2, 1), ["lo", "hi"]) + numbers([1, 2, np.nan, 1])),
    ("categorical_row", b"K\x00" + w((2, 1), ["a", MU]) + numbers([2, 1], size=(1, 2))),
    ("categorical_scalar", b"K\x00" + w((1, 1), ["only"]) + numbers([1])),
    ("datetime_scalar", b"T" + u64(10**9) + zone("") + numbers([NS], "i8")),
    ("datetime_scalar_zoned", b"T" + u64(10**9) + zone("Europe/Berlin")
     + numbers([int(float(1709292600123456789))], "i8")),
    ("datetime_nat", b"T" + u64(10**9) + zone("") + numbers([-(2**63)], "i8")),
    ("datetime_column", b"T" + u64(10**9) + zone("")
     + numbers([0, 10**18, -(2**63), -5], "i8")),
    ("datetime_row", b"T" + u64(10**9) + zone("") + numbers([1, 2, 3], "i8", size=(1, 3))),
])
def test_request_items_raise_to_the_golden_stored_bytes(name, item):
    assert raised(item) == golden(name)


def test_a_table_raises_to_its_golden_dataframe():
    label = w((3, 1), ["a", None, "c"])
    level = b"K\x00" + w((2, 1), ["p", "q"]) + numbers([1, np.nan, 2])
    when = b"T" + u64(10**9) + zone("") + numbers([0, 1, -(2**63)], "i8")
    misc = (b"Y" + u64(2, 3, 1) + b"f" + struct.pack("<d", 1)
            + b"s" + text("x") + numbers([1, 2], size=(1, 2)))
    columns = [("num", numbers([1, 2.5, -3])), ("flag", numbers([1, 0, 1], "b1")),
               ("label", label), ("level", level), ("when", when), ("misc", misc),
               ("count", numbers([3, 4, 5], "i4")), ("b", numbers([1, 2, 3], "u1"))]
    assert raised(table(3, columns)) == golden("table_mixed")


def test_row_names_and_one_row_variables():
    item = table(2, [("name", w((2, 1), [MU, "b"]))], row_names=[MU, "r2"])
    assert raised(item) == golden("table_unicode_names")
    named = table(2, [("x", numbers([1, 2]))], row_names=["a", "b"], dimension="trial")
    assert raised(named) == golden("table_row_names")
    one = table(1, [("n", numbers([5])), ("c", b"Y" + u64(2, 1, 1) + b"s" + text("x")),
                    ("s", w((1, 1), ["s"])), ("f", b"?\x01")])
    assert raised(one) == golden("table_one_row")


def f8(x: float) -> bytes:
    return b"f" + struct.pack("<d", x)


def test_cell_arrays_raise_to_row_major_object_arrays():
    # {1, 'a'; [2 3], {}}: elements sent column-major
    item = (b"Y" + u64(2, 2, 2) + f8(1) + numbers([2, 3], size=(1, 2)) + b"s" + text("a")
            + b"Y" + u64(2, 0, 0))
    assert raised(item) == golden("cell_matrix")
    column = raised(b"Y" + u64(2, 3, 1) + f8(1) + f8(2) + f8(3))
    assert column == HEADER + b"h" + text("cell:3x1") + b"O" + u64(1, 3) + f8(1) + f8(2) + f8(3)


def test_column_vectors_are_stored_one_dimensional():
    column = b"a" + text("i2") + b"F" + u64(2, 2, 1) + struct.pack("<hh", 5, -1)
    assert raised(column) == HEADER + b"a" + text("i2") + b"F" + u64(1, 2) + column[-4:]
    for size in ((1, 1), (1, 2), (2, 2)):
        kept = b"a" + text("u1") + b"F" + u64(2, *size) + bytes(size[0] * size[1])
        assert raised(kept) == HEADER + kept


def test_struct_arrays_raise_to_row_major_dicts():
    # struct('a', {1, 2; 3, 4}, 'b', {'x', 'y'; 'z', 'w'}): elements column-major
    keys = b"s" + text("a") + b"s" + text("b")
    values = b"".join(f8(a) + b"s" + text(b) for a, b in ((1, "x"), (3, "z"), (2, "y"),
                                                          (4, "w")))
    assert raised(b"Z" + u64(2, 2, 2, 2) + keys + values) == golden("struct_array")
    column = b"Z" + u64(2, 3, 1, 1) + b"s" + text("a") + f8(1) + f8(2) + f8(3)
    assert raised(column) == golden("struct_array_column")
    empty = b"Z" + u64(2, 0, 3, 1) + b"s" + text("a")
    assert raised(empty) == golden("struct_array_empty")
    cube = b"Z" + u64(3, 1, 2, 2, 1) + b"s" + text("k") + f8(7) * 3 + f8(8)
    assert raised(cube) == golden("struct_array_3d")


def test_char_arrays_raise_from_their_codes_with_their_size():
    # ['ab'; 'cd']: codes column-major, as uint16
    assert raised(b"C" + numbers([97, 99, 98, 100], "u2", size=(2, 2))) == golden("char_matrix")
    assert raised(b"C" + numbers([], "u2", size=(1, 0))) == golden("char_empty_row")
    assert raised(b"C" + numbers([], "u2", size=(0, 0))) == HEADER + b"s" + text("")
    column = raised(b"C" + numbers([120, 121], "u2", size=(2, 1)))
    assert column == (HEADER + b"h" + text("char:2x1") + b"a" + text("U1") + b"F" + u64(2, 2, 1)
                      + struct.pack("<II", 120, 121))
    assert decode(column).tolist() == [["x"], ["y"]]
    with pytest.raises(UnsupportedValueError, match="non-ASCII char matrices"):
        raised(b"C" + numbers([97, 181], "u2", size=(2, 1)))


def test_maps_raise_from_their_keys_and_values():
    keys = b"Y" + u64(2, 1, 2) + b"s" + text("a b") + b"s" + text("c")
    values = b"Y" + u64(2, 1, 2) + f8(1) + w((1, 1), ["x"])
    assert raised(b"P" + keys + values) == golden("map_text_keys")
    numbered = raised(b"P" + b"Y" + u64(2, 1, 1) + f8(2) + b"Y" + u64(2, 1, 1) + f8(3))
    assert numbered == HEADER + b"h" + text("containers.Map") + b"d" + u64(1) + f8(2) + f8(3)
    empty = raised(b"P" + b"Y" + u64(2, 0, 0) + b"Y" + u64(2, 0, 0))
    assert empty == HEADER + b"h" + text("containers.Map") + b"d" + u64(0)
    with pytest.raises(WireFormatError, match="expected a cell"):
        raised(b"P" + f8(1) + f8(2))


def test_request_items_nested_in_containers_are_raised():
    item = (b"d" + u64(2) + b"s" + text("t") + b"T" + u64(10**9) + zone("")
            + numbers([5], "i8") + b"s" + text("s") + w((1, 2), ["q", "r"]))
    value = decode(raised(item))
    assert value["t"] == pd.Timestamp(5, unit="ns")
    assert value["s"].tolist() == [["q", "r"]]


def test_datetime_ticks_at_other_rates_become_nanoseconds():
    item = b"T" + u64(1000) + zone("UTC") + numbers([1500, -(2**63)], "i8")
    values = decode(raised(item))
    assert values.iloc[0] == pd.Timestamp(1_500_000_000, unit="ns", tz="UTC")
    assert values.isna().tolist() == [False, True]


def test_durations_round_as_matlab_does():
    millis = np.array([1.5, -2.0000005, 0.0000005, -0.0000005, 2.4999999e-7, np.nan,
                       1e300, -1e300])
    ticks = _duration_ticks(millis)
    assert ticks.tolist() == [1_500_000, -2_000_001, 1, -1, 0, -(2**63),
                              2**63 - 1, -(2**63)]
    assert decode(raised(b"L" + numbers([1.5]))) == np.timedelta64(1_500_000, "ns")
    arr = decode(raised(b"L" + numbers([1, np.nan], size=(1, 2))))
    assert arr.dtype == np.dtype("m8[ns]") and arr.shape == (1, 2)
    assert np.isnat(arr[0, 1])


@pytest.mark.parametrize("column, message", [
    (numbers([1, 2, 3, 4], size=(2, 2)), "has 2 columns"),
    (numbers([1, 2], "c16"), "complex"),
    (b"C" + numbers([97, 98], "u2", size=(2, 1)), "class char"),
    (b"P" + b"Y" + u64(2, 1, 0) + b"Y" + u64(2, 1, 0), "class containers.Map"),
    (b"Z" + u64(2, 2, 1, 0), "class struct"),
    (b"Y" + u64(2, 1, 2) + b"n" * 2, "has 2 columns"),
    (w((2, 2), ["a", "b", "c", "d"]), "has 2 columns"),
])
def test_table_variables_without_a_column_form_are_refused(column, message):
    with pytest.raises(UnsupportedValueError, match=message):
        raised(table(2, [("v", column)]))


def test_utc_leap_seconds_and_odd_rates_are_refused():
    with pytest.raises(UnsupportedValueError, match="UTCLeapSeconds"):
        raised(b"T" + u64(10**9) + zone("UTCLeapSeconds") + numbers([0], "i8"))
    with pytest.raises(UnsupportedValueError, match="ticks per second"):
        raised(b"T" + u64(7) + zone("") + numbers([0], "i8"))


def test_malformed_table_parts_are_wire_format_errors():
    good = table(1, [("x", numbers([1]))])
    with pytest.raises(WireFormatError, match="five parts"):
        raised(b"Q" + f8(1))
    with pytest.raises(WireFormatError, match="rows"):
        raised(good.replace(b"rows", b"ROWS"))
    with pytest.raises(WireFormatError, match="malformed table parts"):
        raised(good.replace(b"Y" + u64(2, 1, 1) + b"f", b"Y" + u64(2, 1, 2) + b"f") + f8(2))


def test_truncated_request_items_are_wire_format_errors():
    whole = raised(w((1, 2), ["ab", "c"]))
    assert decode(whole).tolist() == [["ab", "c"]]
    with pytest.raises(WireFormatError):
        raised(w((1, 2), ["ab", "c"])[:-1])


def test_the_gateway_raises_requests_and_nested_values():
    item = b"T" + u64(10**9) + zone("") + numbers([NS], "i8")
    hand = (HEADER + b"d" + u64(2) + b"s" + text("op") + b"s" + text("hash")
            + b"s" + text("args") + b"d" + u64(1) + b"s" + text("value") + item)
    reply = decode(dispatch.handle(hand))
    assert reply == {"ok": content_hash(pd.Timestamp(NS, unit="ns"))}


def matlab_array(cls: str, size: tuple[int, ...], data: bytes, is_complex: bool = False) -> bytes:
    """An ``A`` request item: MATLAB's class, complexity, size, column-major data."""
    return b"A" + text(cls) + bytes((is_complex,)) + u64(len(size), *size) + data


def test_matlab_arrays_are_stored_with_the_dtype_of_their_class():
    column = np.array([1.5, -2.0, 3.0])
    assert raise_wire(HEADER + matlab_array("double", (3, 1), column.tobytes())) == \
        HEADER + b"a" + text("f8") + b"F" + u64(1, 3) + column.tobytes()  # the vector rule
    matrix = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int16)
    stored = raise_wire(HEADER + matlab_array("int16", (2, 3), matrix.tobytes(order="F")))
    assert stored == HEADER + b"a" + text("i2") + b"F" + u64(2, 2, 3) + \
        matrix.tobytes(order="F")
    assert raise_wire(HEADER + matlab_array("uint8", (1, 1), b"\x07")) == encode(np.uint8(7))
    parts = np.array([1.0, 2.0], dtype=np.float32).tobytes()
    assert decode(raise_wire(HEADER + matlab_array("single", (1, 1), parts, True))) == \
        np.complex64(1 + 2j)
    flags = decode(raise_wire(HEADER + matlab_array("logical", (1, 2), b"\x01\x00")))
    assert flags.dtype == bool and flags.tolist() == [[True, False]]


def test_matlab_arrays_without_a_dtype_are_refused():
    with pytest.raises(UnsupportedValueError, match="complex integers"):
        raise_wire(HEADER + matlab_array("int8", (1, 1), b"\x01\x02", True))
    with pytest.raises(WireFormatError, match="unknown MATLAB class"):
        raise_wire(HEADER + matlab_array("quaternion", (1, 1), b""))
