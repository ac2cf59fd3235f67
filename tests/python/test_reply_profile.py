"""The MATLAB reply profile (scistack_engine.gateway.profile): stored wire bytes lowered
to what wire_decode.m reads, per profile, the class hints turned into the forms the
toolbox only constructs."""

from __future__ import annotations

import datetime as dt
import math
import struct
import zoneinfo

import numpy as np
import pandas as pd
import pytest

from scistack_engine.codec import HEADER, body, decode, encode
from scistack_engine.errors import NotRepresentableError, UnsupportedValueError, WireFormatError
from scistack_engine.gateway.dispatch import handle
from scistack_engine.gateway.matlab_args import struct_array
from scistack_engine.gateway.profile import lower, lower_active, serving

U64 = struct.Struct("<Q")


def text(s: str) -> bytes:
    raw = s.encode()
    return U64.pack(len(raw)) + raw


CLASSES = {"b1": "logical", "i1": "int8", "i2": "int16", "i4": "int32", "i8": "int64",
           "u1": "uint8", "u2": "uint16", "u4": "uint32", "u8": "uint64", "f4": "single",
           "f8": "double", "c8": "single", "c16": "double"}


def stored_array(arr: np.ndarray) -> bytes:
    """An ``a`` item of the stored encoding, in ``F`` order."""
    return (b"a" + text(arr.dtype.str[1:]) + b"F" + U64.pack(arr.ndim)
            + b"".join(U64.pack(n) for n in arr.shape) + arr.tobytes(order="F"))


def a_item(arr: np.ndarray) -> bytes:
    """A lowered ``A`` item: MATLAB class, bytes per element, complexity, shape, data."""
    arr = np.asarray(arr)
    return (b"A" + text(CLASSES[arr.dtype.str[1:]])
            + bytes((arr.dtype.itemsize, arr.dtype.kind == "c")) + U64.pack(arr.ndim)
            + b"".join(U64.pack(n) for n in arr.shape) + arr.tobytes(order="F"))


def lowered(value, profile: str) -> bytes:
    return lower(encode(value), profile)[len(HEADER):]


def parts(kind: str, *fields: tuple[str, bytes]) -> bytes:
    """An ``X`` item: a MATLAB class's name and the ``d`` of its parts."""
    return b"X" + text(kind) + fields_item(b"d", *fields)


def fields_item(tag: bytes, *fields: tuple[str, bytes]) -> bytes:
    """A lowered ``d`` (count, then each key as ``s`` and its value) or an ``m`` with text
    keys (the keys as ``W``, the values as ``O``)."""
    if tag == b"d":
        return b"d" + U64.pack(len(fields)) + b"".join(b"s" + text(k) + v for k, v in fields)
    return (tag + texts((len(fields),), *(k for k, _ in fields))
            + b"O" + U64.pack(1) + U64.pack(len(fields)) + b"".join(v for _, v in fields))


def texts(shape: tuple[int, ...], *values: str) -> bytes:
    """A ``W`` item of ``values`` (column-major)."""
    raws = [v.encode() for v in values]
    return (b"W" + U64.pack(len(shape)) + b"".join(U64.pack(n) for n in shape)
            + b"".join(U64.pack(len(r)) for r in raws) + b"".join(raws))


def f8(x: float) -> bytes:
    return b"f" + struct.pack("<d", x)


@pytest.mark.parametrize("value", [1.5, True, None, "é"])
@pytest.mark.parametrize("profile", ["matlab", "octave"])
def test_items_the_toolbox_reads_as_stored_are_copied(value, profile):
    assert lower(encode(value), profile) == encode(value)


@pytest.mark.parametrize("profile", ["matlab", "octave"])
def test_arrays_come_column_major(profile):
    one_d = np.array([True, False])
    assert lowered(one_d, profile) == a_item(one_d)
    for arr in (np.arange(6.0).reshape(2, 3), np.arange(24, dtype="i2").reshape(2, 3, 4),
                np.array(7.0), np.zeros((0, 3))):
        assert lowered(arr, profile) == a_item(arr)
    assert lowered(np.arange(6).reshape(2, 3), profile) == a_item(np.arange(6).reshape(2, 3))
    assert lower(HEADER + stored_array(np.arange(6.0).reshape(2, 3)), profile) == (
        HEADER + a_item(np.arange(6.0).reshape(2, 3)))


@pytest.mark.parametrize("profile", ["matlab", "octave"])
def test_numpy_scalars_are_zero_dimensional_arrays(profile):
    assert lowered(np.int16(-2), profile) == a_item(np.array(-2, dtype="<i2"))
    assert lowered(np.complex64(1j), profile) == a_item(np.array(1j, dtype="<c8"))
    assert lowered(np.bool_(True), profile) == a_item(np.array(True))


def test_object_and_text_arrays_come_column_major():
    objects = np.array([[1.5, "a", None], ["b", 2.5, True]], dtype=object)
    out = lowered(objects, "matlab")
    head = b"O" + U64.pack(2) + U64.pack(2) + U64.pack(3)
    items = [b"f" + struct.pack("<d", 1.5), b"s" + text("b"), b"s" + text("a"),
             b"f" + struct.pack("<d", 2.5), b"n", b"?\x01"]
    assert out == head + b"".join(items)
    texts = lowered(np.array([["a", "bc", ""], ["d", "", "ef"]]), "octave")
    counts = b"".join(U64.pack(n) for n in (1, 1, 2, 0, 0, 2))
    assert texts == b"W" + U64.pack(2) + U64.pack(2) + U64.pack(3) + counts + b"adbcef"


def test_python_ints_are_doubles_when_exact_else_int64():
    assert lowered(3, "matlab") == b"f" + struct.pack("<d", 3.0)
    assert lowered(-2**63, "octave") == b"f" + struct.pack("<d", -2.0**63)
    for big in (2**53 + 1, 2**63 - 1):
        assert lowered(big, "matlab") == a_item(np.array(big, dtype="<i8"))


def test_complex_na_and_tuples_take_the_forms_matlab_reads():
    assert lowered(2 - 1j, "matlab") == a_item(np.array(2 - 1j))
    assert lowered(pd.NA, "octave") == b"n"
    assert lowered((1.5, pd.NA), "matlab") == (b"O" + U64.pack(1) + U64.pack(2) + f8(1.5)
                                               + b"n")
    assert lowered(["a", [2.5]], "octave") == (b"O" + U64.pack(1) + U64.pack(2) + b"s"
                                               + text("a") + b"O" + U64.pack(1) + U64.pack(1)
                                               + f8(2.5))


def test_integers_outside_int64_are_refused_by_the_engine():
    with pytest.raises(NotRepresentableError, match="outside the int64 range"):
        lower(encode([2**70]), "matlab")


def hinted(hint: str, item: bytes) -> bytes:
    return HEADER + b"h" + text(hint) + item


@pytest.mark.parametrize("profile", ["matlab", "octave"])
def test_char_arrays_come_as_their_codes_at_their_size(profile):
    chars = np.array([["a", "b"], ["c", ""]])
    out = lower(hinted("char:2x2", stored_array(chars)), profile)
    assert out == HEADER + b"C" + a_item(np.array([[97, 98], [99, 0]], dtype="<u4"))
    empty = lower(hinted("char:1x0", b"s" + text("")), profile)
    assert empty == HEADER + b"C" + a_item(np.zeros((1, 0), dtype="<u4"))


@pytest.mark.parametrize("profile", ["matlab", "octave"])
def test_struct_arrays_and_cells_drop_their_hints(profile):
    head = b"O" + U64.pack(2) + U64.pack(1) + U64.pack(2)
    dicts = head + b"".join(b"d" + U64.pack(1) + b"s" + text("a") + f8(x) for x in (1.0, 2.0))
    assert lower(hinted("struct:1x2", dicts), profile) == HEADER + b"Z" + head + b"".join(
        fields_item(b"d", ("a", f8(x))) for x in (1.0, 2.0))
    cells = b"O" + U64.pack(1) + U64.pack(2) + f8(1.0) + b"n"
    assert lower(hinted("cell:2x1", cells), profile) == HEADER + cells
    assert lower(hinted("future:3", f8(1.0)), profile) == HEADER + f8(1.0)


@pytest.mark.parametrize("profile", ["matlab", "octave"])
def test_struct_arrays_the_engine_sends_are_n_by_1_and_python_reads_an_object_array(profile):
    records = [{"a": 1.0, "b": "x"}, {"a": 2.0, "b": "y"}]
    reply = lower(encode(struct_array(records)), profile)
    head = b"O" + U64.pack(1) + U64.pack(2)
    assert reply == HEADER + b"Z" + head + b"".join(
        fields_item(b"d", ("a", f8(r["a"])), ("b", b"s" + text(r["b"]))) for r in records)
    plain = decode(encode(struct_array(records)))
    assert plain.dtype == object and plain.shape == (2,) and list(plain) == records
    assert lower(encode(struct_array([])), profile) == HEADER + b"Z" + b"O" + U64.pack(1) + \
        U64.pack(0)


def test_strings_are_texts_and_where_they_are_missing():
    items = b"O" + U64.pack(2) + U64.pack(2) + U64.pack(2) + b"".join(
        b"n" if t is None else b"s" + text(t) for t in ("a", "b", None, "d"))  # row-major
    absent = a_item(np.array([[False, False], [True, False]]))
    assert lower(hinted("string:2x2", items), "matlab") == HEADER + parts(
        "string", ("texts", texts((2, 2), "a", "", "b", "d")), ("absent", absent))
    assert lower(hinted("string:2x2", items), "octave") == HEADER + texts((2, 2), "a", "",
                                                                           "b", "d")
    one = lower(hinted("string", b"n"), "matlab")
    assert one == HEADER + parts("string", ("texts", texts((1, 1), "")),
                                 ("absent", a_item(np.array([[True]]))))
    assert lower(hinted("string", b"n"), "octave") == HEADER + b"n"
    assert lower(hinted("string", b"s" + text("é")), "octave") == HEADER + b"s" + text("é")


def test_hinted_datetime_and_categorical_columns_come_at_their_size():
    ticks = np.arange(6, dtype="<i8") * 10**9  # column-major, as MATLAB sent them
    series = b"Snnr" + struct.pack("<qqq", 0, 6, 1) + stored_array(ticks.astype("M8[ns]"))
    matlab = lower(hinted("datetime:2x3", series), "matlab")
    assert a_item(ticks.reshape((2, 3), order="F")) in matlab
    octave = lower(hinted("datetime:2x3", series), "octave")
    assert octave == HEADER + a_item(np.arange(6.0).reshape((2, 3), order="F"))
    codes = np.array([0, 1, -1, 0], dtype="<i4")
    column = (b"k\x00o" + U64.pack(2) + b"s" + text("x") + b"s" + text("y")
              + stored_array(codes))
    series = b"Snnr" + struct.pack("<qqq", 0, 4, 1) + column
    matlab = lower(hinted("categorical:2x2", series), "matlab")
    assert a_item(codes.astype(np.float64).reshape((2, 2), order="F")) in matlab
    values = b"O" + U64.pack(2) + U64.pack(2) + U64.pack(2) + b"".join(
        b"s" + text(t) for t in ("x", "y", "", "x"))  # column-major
    assert values in lower(hinted("categorical:2x2", series), "octave")


def test_utf32_text_becomes_utf8_items_of_the_same_shape():
    out = lowered(np.array([["a", "é"], ["", "xy"]]), "octave")
    counts = b"".join(U64.pack(n) for n in (1, 0, 2, 2))
    assert out == b"W" + U64.pack(2) + U64.pack(2) + U64.pack(2) + counts + "aéxy".encode()
    assert lowered(np.str_("hé"), "matlab") == b"s" + text("hé")


def test_half_floats_become_single():
    half = np.array([1.5, -2.0], dtype=np.float16)
    assert lowered(half, "octave") == a_item(half.astype(np.float32))
    assert lowered(np.float16(0.25), "matlab") == a_item(np.array(0.25, dtype=np.float32))


def test_datetimes_for_matlab_are_integer_ticks_with_the_zone():
    stamp = pd.Timestamp("2024-03-01 12:30:00.123456789", tz="Europe/Berlin")
    out = lowered(stamp, "matlab")
    assert out == parts("datetime", ("ticks", a_item(np.array(stamp.value))),
                        ("per_second", f8(1e9)), ("counted_in", b"s" + text("UTC")),
                        ("tz", b"s" + text("Europe/Berlin")))
    day = lowered(dt.date(1970, 1, 3), "matlab")
    assert day == parts("datetime", ("ticks", a_item(np.array(172800))),
                        ("per_second", f8(1.0)), ("counted_in", b"s" + text("")),
                        ("tz", b"s" + text("")))
    column = lowered(np.array(["2024-01-01T00:00", "NaT"], dtype="M8[m]"), "matlab")
    ticks = np.array([1704067200, np.iinfo(np.int64).min], dtype=np.int64)
    assert column == parts("datetime", ("ticks", a_item(ticks)), ("per_second", f8(1.0)),
                           ("counted_in", b"s" + text("")), ("tz", b"s" + text("")))


def test_fixed_offsets_take_matlab_spelling_and_seconds_are_refused():
    tz = dt.timezone(dt.timedelta(hours=5, minutes=30))
    out = lowered(dt.datetime(2024, 1, 1, tzinfo=tz), "matlab")
    assert out.endswith(b"s" + text("+05:30")) and f8(1e6) in out
    odd = dt.timezone(dt.timedelta(hours=5, minutes=30, seconds=15))
    with pytest.raises(NotRepresentableError):
        lower(encode(dt.datetime(2024, 1, 1, tzinfo=odd)), "matlab")


def test_datetimes_for_octave_are_iso_text_or_posix_seconds():
    utc = dt.datetime(2024, 3, 1, 12, 30, tzinfo=dt.timezone.utc)
    assert lowered(utc, "octave") == b"s" + text("2024-03-01T12:30:00Z")
    assert lowered(dt.date(2024, 3, 1), "octave") == b"s" + text("2024-03-01")
    assert lowered(dt.date(1, 1, 1), "octave") == b"s" + text("0001-01-01")
    ms = pd.Timestamp("2024-03-01 00:00:00.5").as_unit("ms")
    assert lowered(ms, "octave") == b"s" + text("2024-03-01T00:00:00.500")
    assert math.isnan(decode(HEADER + lowered(pd.NaT, "octave")))
    seconds = lowered(np.array([1709296200123456789], dtype="M8[ns]"), "octave")
    assert seconds == a_item(np.array([1709296200 + 0.123456789]))  # whole seconds first


def test_durations_are_seconds():
    assert lowered(np.timedelta64(1500, "ms"), "octave") == b"f" + struct.pack("<d", 1.5)
    assert lowered(np.timedelta64(1500, "ms"), "matlab") == parts("duration",
                                                                   ("seconds", f8(1.5)))
    with pytest.raises(UnsupportedValueError):
        lower(encode(np.array([1], dtype="m8[Y]")), "matlab")


def test_dataframe_becomes_a_struct_of_columns_for_octave():
    frame = pd.DataFrame({"n": [1, 2], "s": pd.array(["x", None], dtype="string"),
                          "o": np.array(["p", 1], dtype=object),
                          "m": pd.array([1, None], dtype="Int64"),
                          "1 st": [0.5, 0.5], "n_1": [0.0, 0.0], "end": [1.0, 1.0]})
    out = lowered(frame, "octave")
    objects = b"O" + U64.pack(1) + U64.pack(2) + b"s" + text("p") + f8(1)
    column = a_item(np.array([0.5, 0.5]))
    assert out == fields_item(b"d", ("n", a_item(np.array([1, 2]))),
                              ("s", texts((2,), "x", "")), ("o", objects),
                              ("m", a_item(np.array([1.0, np.nan]))), ("x1St", column),
                              ("n_1", a_item(np.array([0.0, 0.0]))),
                              ("xEnd", a_item(np.array([1.0, 1.0]))))


def test_dataframe_becomes_a_table_for_matlab():
    frame = pd.DataFrame({"x": [1.0, 2.0]}, index=pd.Index(["a", "b"], name="trial",
                                                           dtype=object))
    assert lowered(frame, "matlab") == parts(
        "table", ("rows", f8(2.0)), ("names", texts((1, 1), "x")),
        ("descriptions", texts((1, 1), "")), ("dims", texts((1, 2), "trial", "Variables")),
        ("row_names", texts((2,), "a", "b")),
        ("columns", b"O" + U64.pack(1) + U64.pack(1) + a_item(np.array([1.0, 2.0]))))
    octave = lowered(frame, "octave")
    assert octave.startswith(b"d" + U64.pack(2) + b"s" + text("trial") + b"O")


def test_table_names_a_table_refuses_are_renamed_and_described():
    frame = pd.DataFrame([[1.0, 2.0, 3.0]], columns=["Properties", "Row", "v" * 70])
    out = lowered(frame, "matlab")
    assert texts((1, 3), "Properties_1", "Row", "v" * 63) in out
    assert texts((1, 3), "Properties", "", "v" * 70) in out
    assert texts((1, 2), "Row_1", "Variables") in out


def test_shifted_range_index_becomes_the_first_column():
    out = lowered(pd.DataFrame({"v": [1.0, 2.0]}, index=pd.RangeIndex(5, 7)), "matlab")
    assert texts((1, 2), "index", "v") in out
    assert (b"O" + U64.pack(1) + U64.pack(2) + a_item(np.array([5.0, 6.0]))) in out


@pytest.mark.parametrize("profile", ["matlab", "octave"])
def test_a_time_index_with_a_frequency_lowers_as_the_same_index_without_it(profile):
    times = pd.date_range("2024-01-01", periods=3, freq="min", tz="UTC", name="t")
    regular = pd.DataFrame({"v": [1.0, 2.0, 3.0]}, index=times)
    irregular = pd.DataFrame({"v": [1.0, 2.0, 3.0]}, index=pd.DatetimeIndex(list(times),
                                                                            name="t"))
    assert irregular.index.freq is None
    assert encode(regular) != encode(irregular)  # the stored bytes keep the frequency
    assert lowered(regular, profile) == lowered(irregular, profile)


def test_categoricals():
    frame = pd.DataFrame({"c": pd.Categorical([0.1, 3, None], ordered=True)})
    out = lowered(frame, "matlab")
    assert parts("categorical", ("codes", a_item(np.array([0.0, 1.0, -1.0]))),
                 ("names", texts((2,), "0.1", "3")), ("ordered", b"?\x01")) in out
    octave = lowered(frame, "octave")
    numbers = a_item(np.array(0.1)) + a_item(np.array(3.0))
    values = b"O" + U64.pack(1) + U64.pack(3) + numbers + b"s" + text("")
    categories = b"O" + U64.pack(1) + U64.pack(2) + numbers
    assert octave == fields_item(b"d", ("c", fields_item(
        b"d", ("values", values), ("categories", categories), ("ordered", b"?\x01"))))


def test_series_becomes_its_column():
    assert lowered(pd.Series([1.0, 2.0], name="v"), "octave") == a_item(np.array([1.0, 2.0]))


def test_malformed_bytes_are_refused():
    with pytest.raises(WireFormatError):
        lower(b"SSW\x01z", "matlab")
    with pytest.raises(WireFormatError):
        lower(encode([1, 2])[:-1], "matlab")
    with pytest.raises(WireFormatError):
        lower(encode(1) + b"n", "matlab")


def test_the_gateway_lowers_replies_for_the_profile_a_request_names():
    value = dt.datetime(2024, 3, 1, 12, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))
    request = {"op": "echo", "args": {"value": value}}
    assert handle(encode(request)) == encode({"ok": value})
    octave = handle(encode({**request, "profile": "octave"}))
    assert octave == HEADER + fields_item(b"d", ("ok", b"s" + text("2024-03-01T12:30:00Z")))
    refused = decode(handle(encode({**request, "profile": "fortran"})))
    assert refused["error"]["identifier"] == "scistack:value:badEncoding"


def test_nested_wire_values_are_lowered_while_serving():
    wire = encode(np.array(["a"]))
    assert lower_active(wire) == wire
    with serving("octave"):
        assert lower_active(wire) == lower(wire, "octave")
    reply = handle(encode({"op": "lower_wire", "args": {"wire": np.frombuffer(
        wire, dtype=np.uint8)}, "profile": "matlab"}))
    lowered_wire = np.frombuffer(lower(wire, "matlab"), dtype=np.uint8)
    assert reply == HEADER + fields_item(b"d", ("ok", a_item(lowered_wire)))


def test_dicts_are_structs_when_their_keys_are_field_names_else_maps():
    f1 = b"f" + struct.pack("<d", 1.0)
    assert lowered({"a_1": 1.0}, "matlab") == fields_item(b"d", ("a_1", f1))
    assert lowered({}, "octave") == fields_item(b"d")
    assert lowered({"a b": 1.0}, "matlab") == fields_item(b"m", ("a b", f1))
    for key in ("a b", "1a", "end", "x" * 64, "_x"):
        assert lowered({key: 1.0}, "matlab")[:1] == b"m", key
    assert lowered({"_x": 1.0}, "octave")[:1] == b"d"
    assert lowered({"until": 1.0}, "octave")[:1] == b"m"
    numbers = lowered({True: "t", np.int8(-2): "two"}, "octave")
    assert numbers == (b"m" + a_item(np.array([1.0, -2.0])) + b"O" + U64.pack(1) + U64.pack(2)
                       + b"s" + text("t") + b"s" + text("two"))
    hinted = HEADER + b"h" + text("containers.Map") + body(encode({"alpha": 1.0}))
    assert lower(hinted, "matlab") == HEADER + fields_item(b"m", ("alpha", f1))


def test_dicts_without_a_containers_map_form_are_refused():
    with pytest.raises(UnsupportedValueError, match="mixed"):
        lower(encode({1: 1.0, "a b": 2.0}), "matlab")
    with pytest.raises(NotRepresentableError, match="double cannot hold"):
        lower(encode({2**53 + 1: 1.0}), "octave")
