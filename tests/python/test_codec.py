"""The value model's wire encoding: exact round trips, clear refusals, fixed golden bytes."""

from __future__ import annotations

import collections
import datetime as dt
import decimal
import pathlib
import struct
import sys
import zoneinfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scistack_engine.codec import HEADER, ClassHint, body, decode, encode
from scistack_engine.errors import UnsupportedValueError, WireFormatError
from scistack_engine.hashing import content_hash

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
from golden_values import golden_values  # noqa: E402


def assert_same(a, b):
    """Equal value, same type, dtype and shape (NaN equal to NaN)."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True)
    elif isinstance(a, np.ndarray):
        # byte order is storage, not value: '>f8' comes back as '<f8'
        assert a.dtype.newbyteorder("<") == b.dtype and a.shape == b.shape
        if a.dtype.kind == "O":
            for x, y in zip(a.reshape(-1), b.reshape(-1)):
                assert_same(x, y)
        else:
            assert a.astype(b.dtype).tobytes() == b.tobytes()
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (float, complex)):
        # bit-exact: NaN equals its own copy, -0.0 differs from 0.0
        pack = lambda x: struct.pack("<dd", x.real, x.imag)  # noqa: E731
        assert pack(complex(a)) == pack(complex(b))
    elif isinstance(a, np.generic):
        assert a.dtype == b.dtype
        assert a == b or (a != a and b != b)
    elif a is pd.NA or a is pd.NaT:
        assert a is b
    else:
        assert a == b
        if isinstance(a, dt.datetime):
            assert a.tzinfo == b.tzinfo or a.utcoffset() == b.utcoffset()


def roundtrip(value):
    return decode(encode(value))


# ------------------------------------------------------------------ every kind of value

EXAMPLES = {
    "none": None,
    "bools": [True, False],
    "ints": [0, -1, 2**63 - 1, -(2**63), 2**63, -(2**100)],
    "floats": [0.0, -0.0, 1.5, float("inf"), float("nan")],
    "complex": 3 - 4j,
    "text": ["", "abc", "ünïcødé ✓", "a\x00b"],
    "numpy scalars": [
        np.float16(1.5),
        np.float32(2),
        np.int8(-3),
        np.uint64(2**64 - 1),
        np.bool_(True),
        np.complex64(1j),
        np.datetime64("2020-01-02", "D"),
        np.timedelta64(5, "ms"),
        np.str_("hé"),
    ],
    "arrays": [
        np.arange(12.0).reshape(3, 4),
        np.zeros((2, 0, 3), dtype=np.int16),
        np.array(7),
        np.array([1 + 2j], dtype=np.complex64),
        np.array(["a", "bcd"]),
        np.array(["2020-01-01", "NaT"], dtype="M8[s]"),
        np.arange(6, dtype=">f8").reshape(2, 3),
        np.arange(20).reshape(4, 5)[::2, 1:],
        np.array([[1, "x"], [None, 2.5]], dtype=object),
        np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    ],
    "containers": [[], (), {}, [1, [2, (3, {"a": None})]], {1: "int key", "s": [1.0]}],
    "datetimes": [
        dt.datetime(2021, 5, 6, 7, 8, 9, 123456),
        dt.datetime(2021, 5, 6, tzinfo=dt.timezone.utc),
        dt.datetime(2021, 5, 6, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
        dt.datetime(2021, 3, 28, 2, 30, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
        dt.datetime(1900, 1, 1),
        dt.date(1969, 12, 31),
    ],
    "pandas scalars": [
        pd.Timestamp("2020-01-01 12:00"),
        pd.Timestamp("2020-01-01", tz="Europe/Paris"),
        pd.Timestamp("2020-01-01").as_unit("s"),
        pd.NaT,
        pd.NA,
    ],
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_kind_of_value_round_trips_exactly(name):
    value = EXAMPLES[name]
    assert_same(value, roundtrip(value))


def test_arrays_come_back_writable_and_c_ordered():
    out = roundtrip(np.asfortranarray(np.arange(6.0).reshape(2, 3)))
    assert out.flags.c_contiguous and out.flags.writeable
    out[0, 0] = 99.0


def mixed_frame():
    return pd.DataFrame(
        {
            "subject": [1, 2, 3],
            "score": [0.5, np.nan, 1.5],
            "ok": [True, False, True],
            "label": pd.Series(["a", None, "c"], dtype="str"),
            "label_na": pd.Series(["a", None, "c"], dtype="string"),
            "label_python": pd.Series(["x", "y", None], dtype=pd.StringDtype("python")),
            "obj": pd.Series([1, "two", None], dtype=object),
            "cat": pd.Categorical(["lo", None, "hi"], categories=["lo", "hi"], ordered=True),
            "when": pd.to_datetime(["2020-01-01", None, "2020-01-03"]),
            "when_tz": pd.to_datetime(["2020-01-01", None, "2020-01-03"]).tz_localize(
                "Europe/Paris"
            ),
            "count": pd.array([1, None, 3], dtype="Int64"),
            "small": pd.array([1, 2, None], dtype="UInt8"),
            "flag": pd.array([True, None, False], dtype="boolean"),
            "ratio": pd.array([0.5, None, 2.0], dtype="Float32"),
            "delta": pd.to_timedelta([1, 2, 3], unit="s"),
            "array_cells": [np.zeros(2), np.ones(3), np.array([])],
        },
        index=pd.Index(["r1", "r2", "r3"], name="row"),
    )


def test_dataframe_with_every_column_kind_round_trips():
    df = mixed_frame()
    out = roundtrip(df)
    pd.testing.assert_frame_equal(df.drop(columns="array_cells"), out.drop(columns="array_cells"))
    for a, b in zip(df["array_cells"], out["array_cells"]):
        assert_same(a, b)


@pytest.mark.parametrize(
    "df",
    [
        pd.DataFrame(),
        pd.DataFrame(index=pd.RangeIndex(5)),
        pd.DataFrame({"x": []}),
        pd.DataFrame({0: [1.0], 1: [2.0]}),
        pd.DataFrame({"x": [1.0, 2.0]}, index=pd.RangeIndex(10, 30, 10, name="i")),
        pd.DataFrame({"x": [1, 2]}, index=pd.to_datetime(["2020-01-01", "2020-01-02"])),
        pd.DataFrame([[1, 2]], columns=["a", "a"]),
        pd.DataFrame({"x": range(30)}, index=pd.date_range("2024-03-30", periods=30,
                                                           freq="h", tz="Europe/Berlin")),
        pd.DataFrame({"x": [1.5, 2.5, 3.5]}, index=pd.timedelta_range(0, periods=3,
                                                                      freq="10ms")),
        pd.DataFrame({"x": [1, 2, 3, 4]}, index=pd.bdate_range("2024-01-05", periods=4,
                                                               name="day")),
    ],
)
def test_dataframe_shapes_and_indexes_round_trip(df):
    out = roundtrip(df)
    pd.testing.assert_frame_equal(df, out)  # checks the index's freq too
    assert getattr(out.index, "freq", None) == getattr(df.index, "freq", None)


def test_a_regular_time_index_keeps_its_frequency_in_a_series():
    s = pd.Series([0.1, 0.2, 0.3], index=pd.date_range("2024-01-01", periods=3, freq="15min"))
    out = roundtrip(s)
    assert out.index.freq == pd.tseries.frequencies.to_offset("15min")
    pd.testing.assert_series_equal(s, out)


@pytest.mark.parametrize("freq, index", [
    ("h", pd.Index([1, 2, 3])),                               # not a time index
    ("no such step", pd.DatetimeIndex(["2024-01-01", "2024-01-02"])),
    ("h", pd.DatetimeIndex(["2024-01-01", "2024-01-03"])),    # steps that differ from it
])
def test_a_frequency_that_does_not_fit_its_index_is_a_wire_format_error(freq, index):
    stored = encode(pd.DataFrame({"x": range(len(index))}, index=index))
    at = 4 + 1 + 16 + 1  # header, F, rows, columns, the index's name (None: one byte)
    assert stored[at - 1:at] == b"n"
    with pytest.raises(WireFormatError, match="frequency"):
        decode(stored[:at] + b"q" + _text_item(freq) + stored[at:])


def _text_item(text: str) -> bytes:
    data = text.encode()
    return len(data).to_bytes(8, "little") + data


def test_series_round_trip():
    s = pd.Series([1.0, None, 3.0], index=["a", "b", "c"], name="emg")
    pd.testing.assert_series_equal(s, roundtrip(s))
    s2 = pd.Series(pd.Categorical(["x", "y"]), name=None)
    pd.testing.assert_series_equal(s2, roundtrip(s2))


@pytest.mark.parametrize(
    "value",
    [{1, 2}, frozenset(), object(), decimal.Decimal("1.5"), collections.OrderedDict(a=1),
     b"raw bytes", [1, {2}], {"k": lambda x: x}, np.zeros(2, dtype=[("a", "f8")]),
     pd.DataFrame({"a": [1]}).set_index(pd.MultiIndex.from_tuples([(1, 2)])),
     dt.time(12, 0)],
    ids=lambda v: type(v).__name__,
)
def test_values_outside_the_model_are_refused_with_the_type_named(value):
    with pytest.raises(UnsupportedValueError) as err:
        encode(value)
    assert isinstance(err.value, TypeError)
    message = str(err.value)
    assert "cannot store" in message


def test_refusal_names_the_type_and_what_is_supported():
    with pytest.raises(UnsupportedValueError, match=r"builtins\.set.*supported: numpy"):
        encode({1, 2})


@pytest.mark.parametrize(
    "data",
    [b"", b"XXXX", HEADER, HEADER + b"Z", HEADER + b"f\x00", HEADER + b"n\x00",
     HEADER + b"s" + struct.pack("<Q", 10) + b"abc",
     HEADER + b"a" + struct.pack("<Q", 2) + b"f8X" + struct.pack("<Q", 0)],
)
def test_malformed_bytes_raise_wire_format_error(data):
    with pytest.raises(WireFormatError):
        decode(data)


def test_column_major_arrays_from_matlab_decode_to_the_same_matrix():
    # A MATLAB 2x3 matrix [1 2 3; 4 5 6] arrives as its column-major memory.
    body = b"a" + struct.pack("<Q", 2) + b"f8" + b"F" + struct.pack("<QQQ", 2, 2, 3)
    body += np.array([1, 4, 2, 5, 3, 6], dtype="<f8").tobytes()
    out = decode(HEADER + body)
    np.testing.assert_array_equal(out, [[1, 2, 3], [4, 5, 6]])


def test_matlab_class_hints_are_read_through():
    hinted = HEADER + b"h" + struct.pack("<Q", 6) + b"string" + b"s" + struct.pack("<Q", 3) + b"pre"
    assert decode(hinted) == "pre"


def _datetime_column_spec(wire: bytes) -> bytes:
    start = wire.index(b"datetime64[")
    return wire[start:wire.index(b"]", start) + 1]


@pytest.mark.parametrize("zone, spec", [
    (dt.timezone(dt.timedelta(hours=5, minutes=30)), b"datetime64[ns, +05:30]"),
    (dt.timezone(-dt.timedelta(hours=8)), b"datetime64[ns, -08:00]"),
    ("UTC", b"datetime64[ns, UTC]"),
    ("Europe/Berlin", b"datetime64[ns, Europe/Berlin]"),
])
def test_zoned_columns_carry_the_wire_zone_name(zone, spec):
    # MATLAB takes '+05:30' and 'UTC' as written; pandas spells the offset 'UTC+05:30'
    times = pd.to_datetime(["2024-03-01 12:30:00.123456789"]).tz_localize(zone)
    frame = pd.DataFrame({"t": times.as_unit("ns")})
    wire = encode(frame)
    assert _datetime_column_spec(wire) == spec
    assert_same(frame, decode(wire))


def test_pandas_offset_spelling_in_older_files_still_decodes():
    times = pd.to_datetime(["2024-03-01 12:30"]).tz_localize(dt.timezone(dt.timedelta(hours=1)))
    frame = pd.DataFrame({"t": times.as_unit("ns")})
    old = encode(frame).replace(b"\x16\x00\x00\x00\x00\x00\x00\x00datetime64[ns, +01:00]",
                                b"\x19\x00\x00\x00\x00\x00\x00\x00datetime64[ns, UTC+01:00]")
    assert b"UTC+01:00" in old
    assert_same(frame, decode(old))


def test_a_zone_pandas_cannot_hold_is_refused_clearly():
    # MATLAB's 'UTCLeapSeconds' is refused by the toolbox before it is sent; bytes that
    # hold it anyway get an error naming the zone and the conversion
    wire = HEADER + b"p" + struct.pack("<q", 0) + struct.pack("<Q", 2) + b"ns"
    wire += struct.pack("<Q", 14) + b"UTCLeapSeconds"
    with pytest.raises(UnsupportedValueError, match="UTCLeapSeconds.*'UTC'"):
        decode(wire)


# ------------------------------------------------------------------ golden vectors


@pytest.mark.parametrize("name", sorted(golden_values()))
def test_golden_vectors_are_stable(name):
    value = golden_values()[name]
    stored = (FIXTURES / "wire" / f"{name}.bin").read_bytes()
    assert encode(value) == stored, "the wire format changed: bump its version"
    assert_same(value, decode(stored))


# ------------------------------------------------------------------ property tests

dtypes = st.one_of(
    hnp.boolean_dtypes(),
    hnp.integer_dtypes(endianness="="),
    hnp.unsigned_integer_dtypes(endianness="="),
    hnp.floating_dtypes(endianness="="),
    hnp.complex_number_dtypes(endianness="="),
    hnp.datetime64_dtypes(endianness="="),
    hnp.timedelta64_dtypes(endianness="="),
    hnp.unicode_string_dtypes(endianness="="),
)
arrays = hnp.arrays(dtypes, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.complex_numbers(), st.text(),
    st.datetimes(), st.dates(),
)
values = st.recursive(
    st.one_of(scalars, arrays),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=5), st.integers()), inner, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(values)
def test_property_round_trip_is_exact(value):
    assert_same(value, roundtrip(value))


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_property_dataframes_round_trip(data):
    n = data.draw(st.integers(0, 6))
    columns = {
        "f": data.draw(st.lists(st.floats(), min_size=n, max_size=n)),
        "i": data.draw(st.lists(st.integers(-(2**62), 2**62), min_size=n, max_size=n)),
        "s": pd.Series(
            data.draw(st.lists(st.one_of(st.none(), st.text()), min_size=n, max_size=n)),
            dtype="str",
        ),
        "c": pd.Categorical(
            data.draw(st.lists(st.sampled_from(["a", "b", None]), min_size=n, max_size=n))
        ),
    }
    df = pd.DataFrame(columns)
    pd.testing.assert_frame_equal(df, roundtrip(df))


def test_a_class_hint_is_written_before_its_value_and_left_out_of_the_hash():
    value = [1.0, "a"]
    wire = encode(ClassHint("struct", value))
    assert wire == HEADER + b"h" + struct.pack("<Q", 6) + b"struct" + body(encode(value))
    assert decode(wire) == value
    assert content_hash(ClassHint("struct", value)) == content_hash(value)


@given(st.one_of(st.floats(allow_nan=True), st.integers(-(2**63), 2**63 - 1),
                 st.text(max_size=1), st.booleans(), st.none()))
def test_a_whole_encoding_of_one_scalar_decodes_as_the_reader_reads_it(value):
    # decode reads a lone float or int straight from its 8 bytes; other values of the same
    # length (an empty string's encoding, say) go through the reader
    from scistack_engine.codec import _Reader

    data = encode(value)
    expected = _Reader(memoryview(data), len(HEADER)).item()
    assert_same(decode(data), expected)
    assert_same(decode(bytearray(data)), expected)
