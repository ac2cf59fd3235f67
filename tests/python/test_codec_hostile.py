"""Damaged or hostile wire bytes: every one is a WireFormatError (or, for a time zone this
machine does not know, an UnsupportedValueError naming it), and decoding never spends more
memory than a small multiple of the bytes given (declared sizes are checked first)."""

from __future__ import annotations

import pathlib
import struct
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scistack_engine.codec import HEADER, decode, encode
from scistack_engine.errors import ScistackError, UnsupportedValueError, WireFormatError

SEEDS = sorted((pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "wire").glob("*.bin"))
SEED_BYTES = [p.read_bytes() for p in SEEDS]

#: Peak memory a decode of a few kilobytes may take (the bug it guards against: 2.1 GB).
PEAK_LIMIT = 32 * 2**20


def _u64(n: int) -> bytes:
    return struct.pack("<Q", n)


def _decode_bounded(data: bytes) -> None:
    """Decode ``data``: a value or a SciStack error, within the memory limit."""
    tracemalloc.start()
    try:
        decode(data)
    except (WireFormatError, UnsupportedValueError):
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < PEAK_LIMIT, f"decoding {len(data)} bytes peaked at {peak / 2**20:.0f} MB"


HUGE = 2**28  # elements: 2 GB as an object array


@pytest.mark.parametrize("data", [
    HEADER + b"O" + _u64(1) + _u64(HUGE),                      # the 21-byte object array
    HEADER + b"O" + _u64(2) + _u64(2**32) + _u64(2**32),       # its size overflows int64
    HEADER + b"O" + _u64(2**60),                               # absurd number of dimensions
    HEADER + b"a" + _u64(2) + b"f8C" + _u64(1) + _u64(HUGE),   # float array, no data
    HEADER + b"a" + _u64(2) + b"f8C" + _u64(3) + _u64(2**40) * 2 + _u64(0),  # empty, absurd
    HEADER + b"a" + _u64(2) + b"O8C" + _u64(0),                # object dtype as raw bytes
    HEADER + b"a" + _u64(9) + b"(999,)f8C" + _u64(0),          # a sub-array dtype
    HEADER + b"a" + _u64(3) + b"f,iC" + _u64(0),               # a structured dtype
    HEADER + b"a" + _u64(3) + b"\xff\xfe\x00C" + _u64(0),      # no dtype at all
    HEADER + b"g" + _u64(5) + b"bogus",
    HEADER + b"l" + _u64(HUGE),
    HEADER + b"u" + _u64(2**64 - 1),
    HEADER + b"d" + _u64(HUGE),
    HEADER + b"d" + _u64(1) + b"l" + _u64(0) + b"n",           # an unhashable key
    HEADER + b"F" + _u64(0) + _u64(HUGE),
    HEADER + b"S" + b"n" + b"nr" + struct.pack("<qqq", 0, 2**40, 1) + b"o" + _u64(0),
    HEADER + b"S" + b"n" + b"n" + b"o" + _u64(HUGE),
    HEADER + b"I" + _u64(5000) + b"9" * 5000,                   # more digits than int() takes
    HEADER + b"t" + struct.pack("<q", 2**62) + _u64(0),         # beyond datetime's range
    HEADER + b"t" + struct.pack("<q", 0) + _u64(3) + b"+99",    # an offset beyond a day
    HEADER + b"p" + struct.pack("<q", 0) + _u64(2) + b"xx" + _u64(0),  # unknown unit
    HEADER + b"D" + struct.pack("<q", 2**62),
    HEADER + b"s" + _u64(2) + b"\xff\xfe",                      # not UTF-8
    HEADER + b"l" + _u64(1) * 1 + b"l" * 1 + _u64(2**63),
])
def test_hostile_bytes_are_refused_without_allocating(data):
    tracemalloc.start()
    try:
        with pytest.raises(WireFormatError):
            decode(data)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < 2**20


def test_deep_nesting_in_bytes_is_a_wire_format_error():
    data = HEADER + (b"l" + _u64(1)) * 100_000 + b"n"
    with pytest.raises(WireFormatError, match="nested too deeply"):
        decode(data)


_FUZZ = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(st.binary(max_size=300))
def test_fuzz_random_bytes_after_the_header(tail):
    _decode_bounded(HEADER + tail)


@_FUZZ
@given(st.sampled_from(SEED_BYTES), st.data())
def test_fuzz_damaged_real_encodings(seed, data):
    """Real encodings (every golden vector) with bytes flipped, cut, or sizes inflated."""
    damaged = bytearray(seed)
    for _ in range(data.draw(st.integers(1, 3))):
        how = data.draw(st.sampled_from(["flip", "cut", "size", "insert"]))
        at = data.draw(st.integers(4, max(4, len(damaged) - 1)))
        if how == "flip":
            if at < len(damaged):
                damaged[at] ^= data.draw(st.integers(1, 255))
        elif how == "cut":
            del damaged[at:]
        elif how == "size":
            big = data.draw(st.sampled_from([2**20, 2**28, 2**31, 2**32 + 1, 2**63, 2**64 - 1]))
            damaged[at:at + 8] = _u64(big)
        else:
            damaged[at:at] = data.draw(st.binary(min_size=1, max_size=9))
    _decode_bounded(bytes(damaged))


@_FUZZ
@given(st.recursive(
    st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=5)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=10), st.integers(0, 200), st.integers(1, 255))
def test_fuzz_flipped_bytes_of_nested_values(value, at, xor):
    data = bytearray(encode(value))
    position = 4 + at % max(1, len(data) - 4)
    if position < len(data):
        data[position] ^= xor
    _decode_bounded(bytes(data))


def test_wire_format_error_is_the_one_scistack_error():
    assert issubclass(WireFormatError, ScistackError)
    assert WireFormatError.identifier == "scistack:value:badEncoding"
