"""The value model and its wire encoding: every value SciStack stores, as bytes.

A *value* is anything a user may save, pass between MATLAB and Python, or hash: numeric
arrays of any dtype and shape, Python and NumPy scalars, text, ``None``, lists, tuples,
dicts, pandas DataFrames and Series, and datetimes. :func:`encode` turns a value into
bytes and :func:`decode` turns the bytes back into an equal value of the same type, dtype
and shape. Anything outside the model raises :class:`UnsupportedValueError`, never a
lossy fallback.

The byte layout is specified in ``docs/data-model.md`` (the MATLAB toolbox implements the
other end from that text). In brief: a 4-byte header, then one *item*: a one-byte tag
followed by a tag-specific body; integers are little-endian ``uint64`` unless stated.

Values written by MATLAB may carry a *class hint* (tag ``h``) that lets MATLAB restore
its own class (``string`` versus ``char``, a struct array, ...); Python reads the plain
value beneath it.

The same walk over a value produces the canonical form used by the content hash
(:mod:`scistack_engine.hashing`): there, dict entries are sorted by the bytes of their
encoded keys, so key order never changes a hash.
"""

from __future__ import annotations

import datetime as dt
import math
import struct
import zoneinfo
from collections.abc import Callable, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from .errors import UnsupportedValueError, WireFormatError

__all__ = ["HEADER", "ClassHint", "encode", "decode", "iter_chunks", "body", "framed",
           "wire_list", "with_entry"]

#: Every encoded value starts with these bytes: "SSW" and the format version.
HEADER = b"SSW\x01"

#: How deeply lists, tuples, dicts and object arrays may nest in a value.
MAX_DEPTH = 100

Chunk = bytes | memoryview

_U64 = struct.Struct("<Q")
_I64 = struct.Struct("<q")
_F64 = struct.Struct("<d")
#: The first bytes of a whole encoding of one float or int, and how its 8 bytes read.
_SCALAR_HEADS = {HEADER + b"f": _F64, HEADER + b"i": _I64}
_SCALAR_SIZE = len(HEADER) + 1 + 8
_EPOCH_NAIVE = dt.datetime(1970, 1, 1)
_EPOCH_UTC = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_ONE_MICROSECOND = dt.timedelta(microseconds=1)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

# dtype kinds stored as raw little-endian bytes: bool, signed, unsigned, float, complex,
# datetime64, timedelta64 and fixed-width unicode (UTF-32).
_RAW_KINDS = frozenset("biufcMmU")

_SUPPORTED = (
    "numpy arrays and scalars (bool, int, uint, float, complex, datetime64, timedelta64, "
    "str), int, float, complex, bool, str, None, list, tuple, dict, pandas DataFrame, "
    "Series, Timestamp, NA and NaT, datetime.datetime and datetime.date"
)


# --------------------------------------------------------------------------- encoding


class ClassHint(NamedTuple):
    """A value encoded under a MATLAB class hint (tag ``h``, ``docs/data-model.md`` 2.4):
    how the engine asks for a MATLAB class in a reply (``struct`` over an object array of
    dicts with the same keys: a struct array). Decoding gives the plain value; the
    canonical form (the content hash) leaves the hint out."""

    hint: str
    value: Any


def encode(value: Any) -> bytes:
    """Encode ``value`` as wire bytes (header included).

    Raises
    ------
    UnsupportedValueError
        When ``value``, or anything nested in it, lies outside the value model.
    """
    chunks: list[Chunk] = [HEADER]
    _Encoder(chunks.append, canonical=False).item(value)
    return b"".join(chunks)


def iter_chunks(value: Any, sink: Callable[[Chunk], Any], *, canonical: bool) -> None:
    """Feed the encoding of ``value`` (without header) to ``sink`` chunk by chunk.

    With ``canonical=True`` dict entries are ordered by their encoded keys; this is the
    form the content hash reads. Large array payloads are passed as memoryviews, never
    copied.
    """
    _Encoder(sink, canonical=canonical).item(value)


def body(wire: bytes) -> bytes:
    """The item of an encoded value: its wire bytes without the header."""
    if wire[:len(HEADER)] != HEADER:
        raise WireFormatError("not SciStack wire bytes (the header is missing)")
    return wire[len(HEADER):]


def framed(item: bytes) -> bytes:
    """The wire bytes of an encoded item: the header, then the item."""
    return HEADER + item


def wire_list(items: Sequence[bytes]) -> bytes:
    """The wire bytes of a list whose elements are already encoded items (no headers).

    Lets a reply carry many stored values in one list without decoding them first.
    """
    return b"".join([HEADER, b"l", _U64.pack(len(items)), *items])


def with_entry(wire: bytes, key: str, value: bytes) -> bytes:
    """The wire bytes of the dict ``wire`` with one more entry, ``key``: ``value`` (wire
    bytes, header included), last; neither is decoded.

    Lets a reply carry something beside its result (the gateway's warnings) without
    encoding the result again.
    """
    if wire[:len(HEADER) + 1] != HEADER + b"d":
        raise WireFormatError("wire bytes of a dict are needed to add an entry to")
    start = len(HEADER) + 1
    (count,) = _U64.unpack_from(wire, start)
    return b"".join([wire[:start], _U64.pack(count + 1), wire[start + 8:], b"s", _text(key),
                     body(value)])


def _u64(n: int) -> bytes:
    return _U64.pack(n)


def _text(s: str) -> bytes:
    try:
        raw = s.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UnsupportedValueError(
            f"cannot store text holding a lone surrogate {s[exc.start]!r} at position "
            f"{exc.start} ({s[max(0, exc.start - 10):exc.start + 10]!r}): UTF-8 cannot hold "
            "it (text decoded with errors='surrogateescape'?); remove it or decode the text "
            "properly") from None
    return _U64.pack(len(raw)) + raw


def _dtype_code(dtype: np.dtype) -> str:
    """The wire name of a raw dtype: kind and item size, e.g. ``f8``, ``M8[ns]``, ``U5``."""
    return dtype.str[1:]


def _contiguous_le(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    # not np.ascontiguousarray: it turns 0-d arrays into 1-d ones
    return arr if arr.flags.c_contiguous else arr.copy(order="C")


class _Encoder:
    """One walk over a value, emitting wire chunks to a sink."""

    def __init__(self, sink: Callable[[Chunk], Any], canonical: bool) -> None:
        self.emit = sink
        self.canonical = canonical
        self.depth = 0

    def nested(self, items: Any) -> None:
        """Encode the items of a container one level deeper."""
        self.enter()
        for x in items:
            self.item(x)
        self.depth -= 1

    def enter(self) -> None:
        """Go one container deeper (the caller steps back with ``depth -= 1``)."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise UnsupportedValueError(
                f"cannot store a value nested more than {MAX_DEPTH} levels deep (lists, "
                "tuples, dicts and object arrays inside each other); store it flatter, for "
                "example as a table or as several variables")

    def item(self, v: Any) -> None:  # noqa: C901 - one dispatch table, read top to bottom
        emit = self.emit
        t = type(v)
        if v is None:
            emit(b"n")
        elif t is bool:
            emit(b"?\x01" if v else b"?\x00")
        elif t is int:
            if _INT64_MIN <= v <= _INT64_MAX:
                emit(b"i" + _I64.pack(v))
            else:
                emit(b"I" + _text(str(v)))
        elif t is float:
            emit(b"f" + _F64.pack(v))
        elif t is complex:
            emit(b"c" + _F64.pack(v.real) + _F64.pack(v.imag))
        elif t is str:
            emit(b"s" + _text(v))
        elif t is np.ndarray:
            self.array(v)
        elif isinstance(v, np.generic):
            self.numpy_scalar(v)
        elif t is list or t is tuple:
            emit((b"l" if t is list else b"u") + _u64(len(v)))
            self.nested(v)
        elif t is dict:
            self.mapping(v)
        elif t is pd.DataFrame:
            self.dataframe(v)
        elif t is pd.Series:
            emit(b"S")
            self.item(v.name)
            self.index(v.index)
            self.column(v)
        elif v is pd.NA:
            emit(b"N")
        elif v is pd.NaT:
            emit(b"M")
        elif t is pd.Timestamp:
            emit(b"p" + _I64.pack(v.value) + _text(v.unit) + _text(_tz_name(v.tzinfo)))
        elif t is dt.datetime:
            self.datetime(v)
        elif t is dt.date:
            emit(b"D" + _I64.pack(v.toordinal() - _EPOCH_ORDINAL))
        elif t is ClassHint:
            if not self.canonical:
                emit(b"h" + _text(v.hint))
            self.item(v.value)
        else:
            raise UnsupportedValueError(
                f"cannot store a value of type {t.__module__}.{t.__qualname__}; "
                f"supported: {_SUPPORTED}"
            )

    def array(self, arr: np.ndarray) -> None:
        kind = arr.dtype.kind
        shape = b"".join(_u64(n) for n in arr.shape)
        if kind == "O":
            self.emit(b"O" + _u64(arr.ndim) + shape)
            self.nested(arr.reshape(-1))
            return
        if kind not in _RAW_KINDS or arr.dtype.fields is not None:
            raise UnsupportedValueError(
                f"cannot store a numpy array of dtype {arr.dtype}; supported dtypes: "
                "bool, int8-64, uint8-64, float16-64, complex64/128, datetime64, "
                "timedelta64, str (U) and object arrays of supported values"
            )
        arr = _contiguous_le(arr)
        self.emit(b"a" + _text(_dtype_code(arr.dtype)) + b"C" + _u64(arr.ndim) + shape)
        if arr.size:
            self.emit(arr.reshape(-1).view(np.uint8).data)

    def numpy_scalar(self, v: np.generic) -> None:
        dtype = v.dtype
        if dtype.kind not in _RAW_KINDS:
            raise UnsupportedValueError(
                f"cannot store a numpy scalar of dtype {dtype}; supported: {_SUPPORTED}"
            )
        raw = _contiguous_le(np.asarray(v)).tobytes()
        self.emit(b"g" + _text(_dtype_code(dtype.newbyteorder("<"))) + raw)

    def mapping(self, d: dict) -> None:
        self.emit(b"d" + _u64(len(d)))
        self.enter()
        if not self.canonical:
            for k, x in d.items():
                self.item(k)
                self.item(x)
        else:
            entries = []
            for k, x in d.items():
                key_chunks: list[Chunk] = []
                _Encoder(key_chunks.append, canonical=True).item(k)
                entries.append((b"".join(key_chunks), x))
            entries.sort(key=lambda e: e[0])
            for key_bytes, x in entries:
                self.emit(key_bytes)
                self.item(x)
        self.depth -= 1

    def datetime(self, v: dt.datetime) -> None:
        if v.tzinfo is None:
            micros = (v - _EPOCH_NAIVE) // _ONE_MICROSECOND
        else:
            shown = v.astimezone(dt.timezone.utc).astimezone(v.tzinfo)
            if shown.replace(tzinfo=None) != v.replace(tzinfo=None):
                raise UnsupportedValueError(
                    f"cannot store {v.replace(tzinfo=None)} in {_tz_name(v.tzinfo)}: that "
                    "local time does not exist (the clocks skip it when summer time "
                    f"starts), so it would load as {shown.replace(tzinfo=None)}; give the "
                    "time that was meant, or the time in UTC")
            micros = (v - _EPOCH_UTC) // _ONE_MICROSECOND
        self.emit(b"t" + _I64.pack(micros) + _text(_tz_name(v.tzinfo)))

    def dataframe(self, df: pd.DataFrame) -> None:
        if isinstance(df.columns, pd.MultiIndex):
            raise UnsupportedValueError(
                "cannot store a DataFrame with MultiIndex columns; flatten the column "
                "names first (e.g. df.columns = ['_'.join(map(str, c)) for c in df.columns])"
            )
        self.emit(b"F" + _u64(len(df)) + _u64(df.shape[1]))
        self.index(df.index)
        for position, name in enumerate(df.columns):
            self.item(name)
            self.column(df.iloc[:, position])

    def index(self, idx: pd.Index) -> None:
        if isinstance(idx, pd.MultiIndex):
            raise UnsupportedValueError(
                "cannot store a DataFrame or Series with a MultiIndex; call reset_index() "
                "to turn its levels into columns"
            )
        self.item(idx.name)
        if type(idx) is pd.RangeIndex:
            self.emit(b"r" + _I64.pack(idx.start) + _I64.pack(idx.stop) + _I64.pack(idx.step))
            return
        freq = getattr(idx, "freqstr", None)  # a DatetimeIndex or TimedeltaIndex with a step
        if freq is not None:
            self.emit(b"q" + _text(freq))
        self.column(pd.Series(idx, copy=False))

    def column(self, s: pd.Series) -> None:
        """One DataFrame column (or Series or Index values), by its pandas dtype."""
        dtype = s.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            self.emit(b"k" + (b"\x01" if dtype.ordered else b"\x00"))
            self.column(pd.Series(dtype.categories, copy=False))
            self.array(np.asarray(s.cat.codes))
        elif isinstance(dtype, np.dtype) and dtype.kind == "O":
            self.emit(b"o" + _u64(len(s)))
            for x in s:
                self.item(x)
        elif isinstance(dtype, np.dtype):
            self.emit(b"a")
            self.array_body(np.asarray(s))
        else:
            self.extension_column(s)

    def array_body(self, arr: np.ndarray) -> None:
        """An ndarray item without its leading tag (the column tag stands for it)."""
        chunks: list[Chunk] = []
        _Encoder(chunks.append, self.canonical).array(arr)
        first = chunks[0]
        self.emit(first[1:])
        for c in chunks[1:]:
            self.emit(c)

    def extension_column(self, s: pd.Series) -> None:
        dtype = s.dtype
        mask = np.asarray(s.isna(), dtype=bool)
        if isinstance(dtype, pd.StringDtype):
            spec = f"{'str' if dtype.na_value is not pd.NA else 'string'}[{dtype.storage}]"
            texts = [None if m else x for x, m in zip(s.tolist(), mask)]
            self.emit(b"e" + _text(spec))
            self.array(mask)
            self.item(texts)
            return
        if isinstance(dtype, pd.DatetimeTZDtype):
            values = np.asarray(s.dt.tz_convert("UTC").dt.tz_localize(None))
            spec = f"datetime64[{dtype.unit}, {_tz_name(dtype.tz)}]"
        elif getattr(dtype, "kind", "") in "biuf" and hasattr(s.array, "_mask"):
            fill = False if dtype.kind == "b" else 0
            values = s.to_numpy(dtype=dtype.numpy_dtype, na_value=fill)
            spec = str(dtype)
        else:
            raise UnsupportedValueError(
                f"cannot store a pandas column of dtype {dtype}; supported: numpy dtypes, "
                "object, category, string/str, Int8-64, UInt8-64, Float32/64, boolean, "
                "and timezone-aware datetime64"
            )
        self.emit(b"e" + _text(spec))
        self.array(mask)
        self.array(values)


def _tz_name(tz: dt.tzinfo | None) -> str:
    """The wire name of a time zone: '' (naive), 'UTC', '+HH:MM[:SS]' or an IANA key."""
    if tz is None:
        return ""
    if tz is dt.timezone.utc:
        return "UTC"
    key = getattr(tz, "key", None) or getattr(tz, "zone", None)
    if isinstance(key, str):
        return key
    if isinstance(tz, dt.timezone):
        offset = tz.utcoffset(None)
        sign = "-" if offset < dt.timedelta(0) else "+"
        seconds = abs(int(offset.total_seconds()))
        hh, rem = divmod(seconds, 3600)
        mm, ss = divmod(rem, 60)
        return f"{sign}{hh:02d}:{mm:02d}" + (f":{ss:02d}" if ss else "")
    raise UnsupportedValueError(
        f"cannot store a datetime whose time zone {tz!r} has no name; use "
        "zoneinfo.ZoneInfo('Region/City') or datetime.timezone"
    )


def _tz_from_name(name: str) -> dt.tzinfo | None:
    """The time zone of a wire name (see :func:`_tz_name`; pandas' ``UTC+HH:MM`` too)."""
    if not name:
        return None
    if name == "UTC":
        return dt.timezone.utc
    if name.startswith(("UTC+", "UTC-")):
        name = name[3:]
    if name[0] in "+-":
        parts = [int(p) for p in name[1:].split(":")]
        offset = dt.timedelta(hours=parts[0], minutes=parts[1],
                              seconds=parts[2] if len(parts) > 2 else 0)
        return dt.timezone(-offset if name[0] == "-" else offset)
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UnsupportedValueError(
            f"the time zone {name!r} is not an IANA time zone, 'UTC' or a fixed offset "
            "'+HH:MM'; convert the times to one of those (MATLAB: t.TimeZone = 'UTC')"
        ) from None


# --------------------------------------------------------------------------- decoding


def _exact_dtype(values: Any) -> Any:
    """Object arrays stay object: pandas would otherwise infer a text dtype from them."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "O":
        return object
    return None


def _series(values: Any, index: pd.Index, name: Any = None) -> pd.Series:
    return pd.Series(values, index=index, name=name, dtype=_exact_dtype(values), copy=False)


def decode(data: bytes | bytearray | memoryview) -> Any:
    """Decode wire bytes produced by :func:`encode` (or by the MATLAB toolbox).

    Raises
    ------
    WireFormatError
        When ``data`` is not a complete, well-formed encoding (whatever is wrong with it).
    UnsupportedValueError
        When it holds a time zone this machine does not know.
    """
    buf = memoryview(data)
    if len(buf) == _SCALAR_SIZE and bytes(buf[:5]) in _SCALAR_HEADS:  # a float or int
        return _SCALAR_HEADS[bytes(buf[:5])].unpack_from(buf, 5)[0]
    if bytes(buf[:4]) != HEADER:
        raise WireFormatError(
            f"not SciStack wire data: expected header {HEADER!r}, got {bytes(buf[:4])!r}"
        )
    reader = _Reader(buf, 4)
    try:
        value = reader.item()
    except (WireFormatError, UnsupportedValueError, MemoryError):
        raise  # (a value outside the model: a time zone this machine does not know)
    except RecursionError as exc:
        raise WireFormatError(f"wire data nested too deeply to decode (at byte {reader.pos}); "
                              "store deeply nested values flatter") from exc
    except Exception as exc:  # any other failure means bytes no encoder writes
        raise WireFormatError(f"malformed wire data at byte {reader.pos}: "
                              f"{type(exc).__name__}: {exc}") from exc
    if reader.pos != len(buf):
        raise WireFormatError(
            f"{len(buf) - reader.pos} trailing bytes after the value at byte {reader.pos}"
        )
    return value


class _Reader:
    """A cursor over wire bytes that rebuilds values.

    Bytes may be damaged or hostile, so every size they declare is checked against the
    bytes left before anything of that size is made: an array's elements must all be
    there, and a list, dict, object array or column of n items needs at least n more
    bytes (each item takes one at least). Memory spent is thus bounded by a small
    multiple of the input's length.
    """

    def __init__(self, buf: memoryview, pos: int) -> None:
        self.buf = buf
        self.pos = pos

    def count(self, per_item: int = 1) -> int:
        """A declared number of items, each taking at least ``per_item`` bytes."""
        n = self.u64()
        if n * per_item > len(self.buf) - self.pos:
            raise WireFormatError(f"wire data declares {n} items at byte {self.pos - 8} but "
                                  f"only {len(self.buf) - self.pos} bytes follow")
        return n

    def shape(self, itemsize: int) -> tuple[tuple[int, ...], int]:
        """An array's shape and element count, checked against the bytes left."""
        shape = tuple(self.u64() for _ in range(self.count(8)))
        n = math.prod(shape)
        if n * max(itemsize, 1) > len(self.buf) - self.pos:
            raise WireFormatError(f"wire data declares an array of shape {shape} at byte "
                                  f"{self.pos} but only {len(self.buf) - self.pos} bytes follow")
        return shape, n

    def dtype(self) -> np.dtype:
        """A raw dtype from its code (no structured, object or sub-array types)."""
        code = self.text()
        try:
            dtype = np.dtype("<" + code)
        except (TypeError, ValueError, SyntaxError) as exc:
            raise WireFormatError(f"unknown dtype code {code!r}") from exc
        if dtype.kind not in _RAW_KINDS or dtype.fields is not None or dtype.subdtype is not None:
            raise WireFormatError(f"dtype code {code!r} is not one of the stored dtypes")
        return dtype

    def take(self, n: int) -> memoryview:
        end = self.pos + n
        if end > len(self.buf):
            raise WireFormatError(f"wire data ends early: need {n} bytes at byte {self.pos}")
        out = self.buf[self.pos:end]
        self.pos = end
        return out

    def u64(self) -> int:
        return _U64.unpack(self.take(8))[0]

    def i64(self) -> int:
        return _I64.unpack(self.take(8))[0]

    def f64(self) -> float:
        return _F64.unpack(self.take(8))[0]

    def text(self) -> str:
        return str(self.take(self.u64()), "utf-8")

    def tag(self) -> bytes:
        return bytes(self.take(1))

    def item(self) -> Any:  # noqa: C901 - mirrors _Encoder.item
        tag = self.tag()
        if tag == b"n":
            return None
        if tag == b"?":
            return self.take(1)[0] != 0
        if tag == b"i":
            return self.i64()
        if tag == b"I":
            return int(self.text())
        if tag == b"f":
            return self.f64()
        if tag == b"c":
            return complex(self.f64(), self.f64())
        if tag == b"s":
            return self.text()
        if tag == b"a":
            return self.array()
        if tag == b"O":
            shape, _ = self.shape(1)
            out = np.empty(shape, dtype=object)
            flat = out.reshape(-1)
            for i in range(flat.size):
                flat[i] = self.item()
            return out
        if tag == b"g":
            dtype = self.dtype()
            return np.frombuffer(self.take(dtype.itemsize), dtype=dtype)[0]
        if tag == b"l":
            return [self.item() for _ in range(self.count())]
        if tag == b"u":
            return tuple(self.item() for _ in range(self.count()))
        if tag == b"d":
            n = self.count(2)
            mapping = {}
            for _ in range(n):
                key = self.item()
                mapping[key] = self.item()
            return mapping
        if tag == b"F":
            return self.dataframe()
        if tag == b"S":
            name = self.item()
            index = self.index()
            return _series(self.column(), index=index, name=name)
        if tag == b"N":
            return pd.NA
        if tag == b"M":
            return pd.NaT
        if tag == b"p":
            value, unit, tz = self.i64(), self.text(), self.text()
            ts = pd.Timestamp(value, unit="ns", tz="UTC" if tz else None)
            if tz:
                ts = ts.tz_convert(_tz_from_name(tz))
            return ts.as_unit(unit)
        if tag == b"t":
            micros, zone = self.i64(), _tz_from_name(self.text())
            if zone is None:
                return _EPOCH_NAIVE + dt.timedelta(microseconds=micros)
            return (_EPOCH_UTC + dt.timedelta(microseconds=micros)).astimezone(zone)
        if tag == b"D":
            return dt.date.fromordinal(self.i64() + _EPOCH_ORDINAL)
        if tag == b"h":
            self.text()  # a MATLAB class hint: Python reads the plain value beneath it
            return self.item()
        raise WireFormatError(f"unknown tag {tag!r} at byte {self.pos - 1}")

    def array(self) -> np.ndarray:
        dtype = self.dtype()
        order = self.tag()
        if order not in (b"C", b"F"):
            raise WireFormatError(f"array order must be b'C' or b'F', got {order!r}")
        shape, count = self.shape(dtype.itemsize)
        raw = self.take(count * dtype.itemsize)
        flat = np.frombuffer(raw, dtype=dtype, count=count)
        layout: Literal["C", "F"] = "C" if order == b"C" else "F"
        return np.array(flat.reshape(shape, order=layout), order="C")

    def dataframe(self) -> pd.DataFrame:
        nrows, ncols = self.u64(), self.count(2)
        index = self.index()
        names, columns = [], []
        for _ in range(ncols):
            names.append(self.item())
            columns.append(self.column())
        df = pd.DataFrame({i: _series(c, index=index) for i, c in enumerate(columns)},
                          index=index, copy=False)
        if not ncols:
            df = pd.DataFrame(index=index)
        df.columns = pd.Index(names) if names else df.columns
        if len(df) != nrows:
            raise WireFormatError(f"DataFrame declares {nrows} rows but holds {len(df)}")
        return df

    def index(self) -> pd.Index:
        name = self.item()
        if bytes(self.buf[self.pos:self.pos + 1]) == b"r":
            self.take(1)
            return pd.RangeIndex(self.i64(), self.i64(), self.i64(), name=name)
        freq = self.frequency()
        values = self.column()
        index = pd.Index(values, name=name, dtype=_exact_dtype(values), copy=False)
        if freq is None:
            return index
        if not isinstance(index, (pd.DatetimeIndex, pd.TimedeltaIndex)):
            raise WireFormatError(f"an index of {index.dtype} values declares the frequency "
                                  f"{freq!r}")
        try:
            index.freq = freq
        except (ValueError, TypeError) as exc:  # a step pandas does not know, or that differs
            raise WireFormatError(f"an index declares the frequency {freq!r}: {exc}") from exc
        return index

    def frequency(self) -> str | None:
        """The frequency text of a ``q`` index form (None when the index has none)."""
        if bytes(self.buf[self.pos:self.pos + 1]) != b"q":
            return None
        self.take(1)
        return self.text()

    def column(self) -> Any:
        """Column values: an ndarray, list or pandas array, to wrap in a Series."""
        tag = self.tag()
        if tag == b"a":
            return self.array()
        if tag == b"o":
            values = [self.item() for _ in range(self.count())]
            out = np.empty(len(values), dtype=object)
            out[:] = values
            return out
        if tag == b"k":
            ordered = self.take(1)[0] != 0
            values = self.column()
            categories = pd.Index(values, dtype=_exact_dtype(values), copy=False)
            codes = self.expect_array()
            return pd.Categorical.from_codes(
                codes, dtype=pd.CategoricalDtype(categories, ordered=ordered)
            )
        if tag == b"e":
            return self.extension_column()
        raise WireFormatError(f"unknown column tag {tag!r} at byte {self.pos - 1}")

    def expect_array(self) -> np.ndarray:
        if self.tag() != b"a":
            raise WireFormatError(f"expected an array at byte {self.pos - 1}")
        return self.array()

    def extension_column(self) -> Any:
        spec = self.text()
        mask = self.expect_array()
        if spec.startswith(("str[", "string[")):
            storage = spec[spec.index("[") + 1:-1]
            na_value = np.nan if spec.startswith("str[") else pd.NA
            texts = self.item()
            return pd.array(texts, dtype=pd.StringDtype(storage=storage, na_value=na_value))
        values = self.expect_array()
        if spec.startswith("datetime64["):
            unit, _, zone = spec[len("datetime64["):-1].partition(", ")
            dtype = pd.DatetimeTZDtype(unit, _tz_from_name(zone))
            utc = pd.DatetimeIndex(values).tz_localize("UTC")
            return utc.tz_convert(dtype.tz).astype(dtype).array
        arr = pd.array(values, dtype=spec)
        arr[mask] = pd.NA
        return arr
