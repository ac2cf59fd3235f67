"""The MATLAB reply profile (scistack_engine.gateway.profile): stored wire bytes lowered
to what wire_decode.m reads, per profile, with every class hint kept."""

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
from scistack_engine.gateway.profile import lower, lower_active, serving

U64 = struct.Struct("<Q")


def text(s: str) -> bytes:
    raw = s.encode()
    return U64.pack(len(raw)) + raw


def a_item(arr: np.ndarray, order: str = "F") -> bytes:
    return (b"a" + text(arr.dtype.str[1:]) + order.encode() + U64.pack(arr.ndim)
            + b"".join(U64.pack(n) for n in arr.shape) + arr.tobytes(order=order))


def lowered(value, profile: str) -> bytes:
    return lower(encode(value), profile)[len(HEADER):]


@pytest.mark.parametrize("value", [1.5, True, None, "é", np.int16(-2), np.complex64(1j),
                                   ["a", 2.5], {"x": [1.0, "y"]}, 2**70])
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
    stored = encode(np.arange(6).reshape(2, 3))
    assert lower(lower(stored, profile), profile) == lower(stored, profile)


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
        assert lowered(big, "matlab") == b"g" + text("i8") + struct.pack("<q", big)


def test_complex_na_and_tuples_take_the_forms_matlab_reads():
    assert lowered(2 - 1j, "matlab") == b"g" + text("c16") + struct.pack("<dd", 2.0, -1.0)
    assert lowered(pd.NA, "octave") == b"n"
    assert lowered((1.5, pd.NA), "matlab") == (b"l" + U64.pack(2) + b"f"
                                               + struct.pack("<d", 1.5) + b"n")


def test_class_hints_are_kept_around_lowered_items():
    hinted = HEADER + b"h" + text("char:2x2") + a_item(np.array(["ab", "cd"]).view("<U1"))
    out = lower(hinted, "octave")
    assert out.startswith(HEADER + b"h" + text("char:2x2") + b"W")


def test_utf32_text_becomes_utf8_items_of_the_same_shape():
    out = lowered(np.array([["a", "é"], ["", "xy"]]), "octave")
    counts = b"".join(U64.pack(n) for n in (1, 0, 2, 2))
    assert out == b"W" + U64.pack(2) + U64.pack(2) + U64.pack(2) + counts + "aéxy".encode()
    assert lowered(np.str_("hé"), "matlab") == b"s" + text("hé")


def test_half_floats_become_single():
    assert decode(lower(encode(np.array([1.5, -2.0], dtype=np.float16)), "octave")).dtype \
        == np.float32
    assert decode(lower(encode(np.float16(0.25)), "matlab")) == np.float32(0.25)


def test_datetimes_for_matlab_are_integer_ticks_with_the_zone():
    stamp = pd.Timestamp("2024-03-01 12:30:00.123456789", tz="Europe/Berlin")
    out = lowered(stamp, "matlab")
    assert out == (b"T" + U64.pack(10**9) + text("Europe/Berlin") + b"g" + text("i8")
                   + struct.pack("<q", stamp.value))
    day = lowered(dt.date(1970, 1, 3), "matlab")
    assert day == b"T" + U64.pack(1) + text("") + b"g" + text("i8") + struct.pack("<q", 172800)
    column = lowered(np.array(["2024-01-01T00:00", "NaT"], dtype="M8[m]"), "matlab")
    ticks = np.array([1704067200, np.iinfo(np.int64).min], dtype=np.int64)
    assert column == b"T" + U64.pack(1) + text("") + a_item(ticks)


def test_fixed_offsets_take_matlab_spelling_and_seconds_are_refused():
    tz = dt.timezone(dt.timedelta(hours=5, minutes=30))
    out = lowered(dt.datetime(2024, 1, 1, tzinfo=tz), "matlab")
    assert out.startswith(b"T" + U64.pack(10**6) + text("+05:30") + b"g")
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
    seconds = decode(lower(encode(np.array([1709296200123456789], dtype="M8[ns]")), "octave"))
    assert seconds.dtype == np.float64
    assert seconds[0] == 1709296200 + 0.123456789  # whole seconds first: rounded once


def test_durations_are_seconds():
    assert lowered(np.timedelta64(1500, "ms"), "octave") == b"f" + struct.pack("<d", 1.5)
    assert lowered(np.timedelta64(1500, "ms"), "matlab") == b"Lf" + struct.pack("<d", 1.5)
    with pytest.raises(UnsupportedValueError):
        lower(encode(np.array([1], dtype="m8[Y]")), "matlab")


def test_dataframe_becomes_named_columns():
    frame = pd.DataFrame({"n": [1, 2], "s": pd.array(["x", None], dtype="string"),
                          "o": np.array(["p", 1], dtype=object),
                          "m": pd.array([1, None], dtype="Int64")})
    out = lowered(frame, "octave")
    head = b"Q" + U64.pack(2) + U64.pack(4) + text("index") + b"n"
    assert out.startswith(head + text("n") + a_item(np.array([1, 2])))
    rest = out[len(head) + len(text("n")) + len(a_item(np.array([1, 2]))):]
    strings = b"h" + text("string") + b"l" + U64.pack(2) + b"s" + text("x") + b"n"
    objects = b"l" + U64.pack(2) + b"s" + text("p") + b"f" + struct.pack("<d", 1)
    masked = a_item(np.array([1.0, np.nan]))
    assert rest == text("s") + strings + text("o") + objects + text("m") + masked


def test_unique_text_index_is_row_names_for_matlab_only():
    frame = pd.DataFrame({"x": [1.0, 2.0]}, index=pd.Index(["a", "b"], name="trial",
                                                           dtype=object))
    matlab = lowered(frame, "matlab")
    assert matlab.startswith(b"Q" + U64.pack(2) + U64.pack(1) + text("trial") + b"l"
                             + U64.pack(2) + b"s" + text("a") + b"s" + text("b") + text("x"))
    octave = lowered(frame, "octave")
    assert octave.startswith(b"Q" + U64.pack(2) + U64.pack(2) + text("trial") + b"n"
                             + text("trial") + b"l")


def test_shifted_range_index_becomes_the_first_column():
    out = lowered(pd.DataFrame({"v": [1.0, 2.0]}, index=pd.RangeIndex(5, 7)), "matlab")
    assert out.startswith(b"Q" + U64.pack(2) + U64.pack(2) + text("index") + b"n"
                          + text("index") + a_item(np.array([5.0, 6.0])))


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
    names = b"l" + U64.pack(2) + b"s" + text("0.1") + b"s" + text("3")
    assert out.endswith(text("c") + b"K\x01" + names + a_item(np.array([0, 1, -1], "i1")))
    plain = decode(HEADER + lowered(frame, "octave")[len(b"Q") + 16 + len(text("index")) + 1
                                                      + len(text("c")):])
    assert plain == {"values": [0.1, 3.0, ""], "categories": [0.1, 3.0], "ordered": True}


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
    assert decode(octave) == {"ok": "2024-03-01T12:30:00Z"}
    refused = decode(handle(encode({**request, "profile": "fortran"})))
    assert refused["error"]["identifier"] == "scistack:value:badEncoding"


def test_nested_wire_values_are_lowered_while_serving():
    wire = encode(np.array(["a"]))
    assert lower_active(wire) == wire
    with serving("octave"):
        assert lower_active(wire) == lower(wire, "octave")
    reply = decode(handle(encode({"op": "lower_wire", "args": {"wire": np.frombuffer(
        wire, dtype=np.uint8)}, "profile": "matlab"})))
    assert reply["ok"].tobytes() == lower(wire, "matlab")


def test_dicts_are_structs_when_their_keys_are_field_names_else_maps():
    f1 = b"f" + struct.pack("<d", 1.0)
    assert lowered({"a_1": 1.0}, "matlab") == b"d" + U64.pack(1) + b"s" + text("a_1") + f1
    for key in ("a b", "1a", "end", "x" * 64, "_x"):
        assert lowered({key: 1.0}, "matlab")[:1] == b"m", key
    assert lowered({"_x": 1.0}, "octave")[:1] == b"d"
    assert lowered({"until": 1.0}, "octave")[:1] == b"m"
    numbers = lowered({True: "t", np.int8(-2): "two"}, "octave")
    assert numbers == (b"m" + U64.pack(2) + f1 + b"s" + text("t")
                       + b"f" + struct.pack("<d", -2.0) + b"s" + text("two"))
    hinted = HEADER + b"h" + text("containers.Map") + body(encode({"alpha": 1.0}))
    assert lower(hinted, "matlab") == HEADER + b"m" + U64.pack(1) + b"s" + text("alpha") + f1


def test_dicts_without_a_containers_map_form_are_refused():
    with pytest.raises(UnsupportedValueError, match="mixed"):
        lower(encode({1: 1.0, "a b": 2.0}), "matlab")
    with pytest.raises(NotRepresentableError, match="double cannot hold"):
        lower(encode({2**53 + 1: 1.0}), "octave")
