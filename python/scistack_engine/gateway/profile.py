"""The MATLAB reply profile: wire bytes lowered to what the toolbox decodes directly.

Stored values keep the wire encoding of ``docs/data-model.md`` (and MATLAB's class hints)
byte for byte. Replies to the toolbox are *lowered* on their way out, so that
``wire_decode.m`` does no calendar arithmetic, no time-zone parsing, no UTF-32 or
half-float decoding and no pandas layout work: the engine does it once, here. A request
names its *profile* (``"matlab"``: MATLAB's own classes, ``"octave"``: the portable forms
of GNU Octave); a request without one (Python, tests) gets the plain encoding.

Lowering keeps the items the toolbox decodes as they stand (``n ? f s``) and
rewrites the rest, in both profiles (``docs/data-model.md`` 2.6 has the byte layouts):

* every array is in MATLAB's memory order and names its MATLAB class: ``a`` and ``g``
  items become ``A`` (the class, bytes per element, complexity, the shape, the data
  column-major; a scalar 0-d), the elements of ``O`` object arrays (and of ``W``)
  column-major, so that the toolbox only reshapes them to the shape sent;
* ``i`` becomes ``f`` when a double holds it exactly, else an int64 ``A``; an ``I``
  integer is refused; ``c`` becomes a complex ``A`` scalar, ``N`` becomes ``n``,
  and ``l``, ``u`` and ``o`` columns become ``O`` items of shape ``(n)``;
* a ``d`` whose keys are not all field names (``isvarname`` of the profile), and a
  ``d`` under a ``containers.Map`` hint, become ``m``: the keys, all text (``W``) or
  all doubles (``A``; mixed keys are refused), then the values (``O``);
* ``U`` (UTF-32) scalars become ``s`` items, and ``U`` arrays ``W`` (UTF-8 text at its
  shape); ``f2`` becomes ``f4``; a Series (``S``) becomes its column, lowered;
* no class hint reaches the toolbox: a struct array becomes ``Z`` + its ``O`` (an empty
  one with fields ``Z`` + a ``d`` of them), a char
  array ``C`` + its codes at their size, a hinted datetime or categorical column its
  values at the hint's size, strings the form below; other hints are dropped;
* a DataFrame (``F``) gets the names MATLAB uses as they are (:mod:`.matlab_names`).

The profiles differ in the classes GNU Octave lacks. For MATLAB each is an ``X`` item,
the class name and a ``d`` of its parts, which the toolbox only hands to the constructor:

==========================  ===========================================  ==================
wire                        ``matlab``: ``X`` and its parts              ``octave``
==========================  ===========================================  ==================
``t p D M``, ``M8``          ``datetime``: int64 ticks from 1970-01-01     one: ISO 8601 text
                            (UTC when zoned; NaT the int64 minimum),      (NaN for NaT);
                            ticks per second, MATLAB's zone spelling      many: POSIX seconds
``m8``                      ``duration``: seconds                         seconds
``k`` categorical           ``categorical``: codes (-1 missing), the      ``d`` {values,
                            exact text of each category, ordered          categories, ordered}
strings (hinted, text       ``string``: the texts (``W``) and where they   ``s``/``n`` (one)
columns)                    are missing                                   or ``W`` ('' missing)
``F`` DataFrame             ``table``: rows, variable names,              ``d`` of the columns
                            descriptions, dimension names, row names,     under valid, unique
                            the columns                                   field names
==========================  ===========================================  ==================

Tags ``A``, ``W``, ``m``, ``Z``, ``C`` and ``X`` appear only in lowered replies, never in
stored bytes.
"""

from __future__ import annotations

import contextlib
import contextvars
import struct
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from ..codec import HEADER, _Reader, body, encode
from ..errors import NotRepresentableError, UnsupportedValueError, WireFormatError
from .matlab_names import is_field_name, make_unique_strings, make_valid_name, table_names

__all__ = ["PROFILES", "MATLAB_CLASS", "lower", "lower_active", "serving"]

#: The profiles a request may name.
PROFILES = ("matlab", "octave")

_active: contextvars.ContextVar[str | None] = contextvars.ContextVar("profile", default=None)

_U64 = struct.Struct("<Q")
_I64 = struct.Struct("<q")
_F64 = struct.Struct("<d")
_NAT = np.iinfo(np.int64).min
_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
_SECONDS_PER = {"m": 60, "h": 3600, "D": 86400, "W": 604800}
_KEPT_KINDS = frozenset("biufc")
#: The MATLAB class of each stored dtype code (the ``A`` items of replies and requests).
MATLAB_CLASS = {"b1": "logical", "i1": "int8", "i2": "int16", "i4": "int32", "i8": "int64",
                 "u1": "uint8", "u2": "uint16", "u4": "uint32", "u8": "uint64",
                 "f4": "single", "f8": "double", "c8": "single", "c16": "double"}


@contextlib.contextmanager
def serving(profile: str | None) -> Iterator[None]:
    """Lower every :func:`lower_active` call inside the block for ``profile``."""
    if profile is not None and profile not in PROFILES:
        raise WireFormatError(f"unknown reply profile {profile!r}; known: {', '.join(PROFILES)}")
    token = _active.set(profile)
    try:
        yield
    finally:
        _active.reset(token)


def lower_active(wire: bytes) -> bytes:
    """``wire`` (header included) lowered for the profile being served, if any."""
    profile = _active.get()
    return wire if profile is None else lower(wire, profile)


def lower(wire: bytes, profile: str) -> bytes:
    """The wire bytes ``wire`` (header included) lowered for ``profile``."""
    lowering = _Lowering(memoryview(wire), profile)
    lowering.whole()
    return b"".join(lowering.out)


class RewritingWalk:
    """One walk over wire bytes (header included) that copies what stays and rewrites the
    rest into ``out``; a subclass's ``item`` reads one item at ``r`` and writes its form."""

    def __init__(self, buf: memoryview) -> None:
        if bytes(buf[:4]) != HEADER:
            raise WireFormatError("not SciStack wire data: the header is missing")
        self.r = _Reader(buf, 4)
        self.out: list[bytes | memoryview] = [HEADER]

    def item(self) -> None:
        raise NotImplementedError

    def copy_from(self, start: int) -> None:
        """Copy the bytes read since ``start`` as they are."""
        self.out.append(self.r.buf[start:self.r.pos])

    def whole(self) -> None:
        """Walk one whole value: bytes no encoder writes are a :class:`WireFormatError`
        that says where, as are bytes left after the value."""
        try:
            self.item()
        except (WireFormatError, UnsupportedValueError):
            raise
        except Exception as exc:  # noqa: BLE001 - bytes no encoder writes
            raise WireFormatError(f"malformed wire data at byte {self.r.pos}: {exc}") from exc
        if self.r.pos != len(self.r.buf):
            raise WireFormatError(f"trailing bytes after the value at byte {self.r.pos}")


def text_bytes(s: str | bytes) -> bytes:
    """A wire text body: u64 byte count, then the UTF-8 bytes."""
    raw = s.encode("utf-8") if isinstance(s, str) else s
    return _U64.pack(len(raw)) + raw


def _array_head(dtype: np.dtype, shape: tuple[int, ...]) -> bytes:
    """The head of an ``A`` item: MATLAB class, bytes per element, complexity, shape."""
    return (b"A" + text_bytes(MATLAB_CLASS[dtype.kind + str(dtype.itemsize)])
            + bytes((dtype.itemsize, dtype.kind == "c")) + _U64.pack(len(shape))
            + b"".join(_U64.pack(n) for n in shape))


def _array(arr: np.ndarray) -> bytes:
    """An ``A`` item: the array (a 0-d one for a scalar) with its data column-major."""
    arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
    return _array_head(arr.dtype, arr.shape) + arr.tobytes(order="F")


def _int(value: int) -> bytes:
    """A Python int as MATLAB reads it: an ``f`` item when a double holds it exactly,
    else an int64 scalar."""
    if float(value) < 2.0**63 and int(float(value)) == value:
        return b"f" + _F64.pack(float(value))
    return _array(np.asarray(value, dtype=np.int64))


def _list_head(n: int) -> bytes:
    """The head of an ``O`` item of ``n`` elements (the toolbox's N-by-1 cell)."""
    return b"O" + _U64.pack(1) + _U64.pack(n)


def _text_array(texts: list[str], shape: tuple[int, ...]) -> bytes:
    """A ``W`` item: ``texts`` (column-major) as an array of ``shape``."""
    raws = [t.encode("utf-8") for t in texts]
    return (b"W" + _U64.pack(len(shape)) + b"".join(_U64.pack(n) for n in shape)
            + np.array([len(x) for x in raws], dtype="<u8").tobytes() + b"".join(raws))


def _parts(kind: str, fields: list[tuple[str, bytes]]) -> bytes:
    """An ``X`` item: a MATLAB class GNU Octave lacks, as its name and a ``d`` of its
    parts (field name, item)."""
    return (b"X" + text_bytes(kind) + b"d" + _U64.pack(len(fields))
            + b"".join(b"s" + text_bytes(name) + item for name, item in fields))


class _Lowering(RewritingWalk):
    """One walk over wire bytes, copying what stays and lowering the rest for a profile."""

    def __init__(self, buf: memoryview, profile: str) -> None:
        super().__init__(buf)
        self.matlab = profile == "matlab"

    def item(self) -> None:  # noqa: C901 - one dispatch table, read top to bottom
        r = self.r
        start = r.pos
        tag = r.tag()
        if tag == b"n":
            self.copy_from(start)
        elif tag == b"N":
            self.out.append(b"n")
        elif tag == b"?":
            r.take(1)
            self.copy_from(start)
        elif tag == b"f":
            r.take(8)
            self.copy_from(start)
        elif tag == b"i":
            self.out.append(_int(r.i64()))
        elif tag == b"c":
            self.out.append(_array(np.frombuffer(r.take(16), dtype="<c16")[0]))
        elif tag == b"s":
            r.take(r.u64())
            self.copy_from(start)
        elif tag == b"I":
            raise NotRepresentableError(
                f"the integer {r.text()} is outside the int64 range and has no exact MATLAB "
                "form; store it as text or as a float in Python")
        elif tag == b"a":
            self.array(start)
        elif tag == b"g":
            dtype = r.dtype()
            value = np.asarray(np.frombuffer(r.take(dtype.itemsize), dtype=dtype)[0])
            self.out.append(_array(value) if _kept(dtype) else
                            self.lowered_array(value, scalar=True))
        elif tag == b"O":
            shape, n = r.shape(1)
            self.copy_from(start)
            items = [self.collected(self.item) for _ in range(n)]
            for k in np.arange(n).reshape(shape).ravel(order="F"):
                self.out += items[k]
        elif tag in (b"l", b"u"):
            n = r.count()
            self.out.append(_list_head(n))
            for _ in range(n):
                self.item()
        elif tag == b"d":
            self.dict(as_map=False)
        elif tag == b"h":
            self.hinted(r.text())
        elif tag == b"S":
            r.item()
            r.index()
            self.column()
        elif tag == b"F":
            self.frame()
        elif tag in (b"t", b"p", b"D", b"M"):
            self.out.append(self.time_scalar(tag))
        else:
            raise WireFormatError(f"unknown tag {tag!r} at byte {start}")

    def hinted(self, hint: str) -> None:
        """The item under a MATLAB class hint, in the form that gives the toolbox the
        class and size the hint names: a ``containers.Map`` an ``m``, a string its text
        (``X`` string in MATLAB), a datetime or categorical column its values at the
        hint's size, a struct array ``Z``, a char array ``C``; the rest (cells, durations,
        hints not known here) the item as it decodes."""
        r = self.r
        cls, _, size_text = hint.partition(":")
        size = tuple(int(n) for n in size_text.split("x")) if size_text else None
        ahead = bytes(r.buf[r.pos:r.pos + 1])
        if cls == "containers.Map" and ahead == b"d":
            r.take(1)
            self.dict(as_map=True)
        elif cls == "string" and ahead in (b"s", b"n", b"O"):
            value = r.item()
            if isinstance(value, np.ndarray):
                self.out.append(self.strings(list(value.ravel(order="F")), value.shape))
            else:
                self.out.append(self.strings([value], None))
        elif cls in ("datetime", "categorical") and ahead == b"S" and size is not None:
            r.take(1)
            r.item()
            r.index()
            self.column(size)
        elif cls == "struct" and ahead in (b"O", b"d"):  # a d: the fields of an empty one
            self.out.append(b"Z")
            self.item()
        elif cls == "char" and size is not None:
            value = r.item()
            codes = (np.array([ord(c) for c in value], dtype=np.uint32)
                     if isinstance(value, str) else np.asarray(value).view(np.uint32))
            self.out += [b"C", _array(codes.reshape(size, order="F"))]
        else:
            self.item()

    def strings(self, texts: list[str | None], shape: tuple[int, ...] | None) -> bytes:
        """MATLAB strings (``shape`` None: one) given column-major, None for missing: an
        ``X`` string of the texts and where they are missing; for GNU Octave text (one:
        ``s``, ``n`` when missing; else ``W`` with missing as '')."""
        plain = ["" if t is None else str(t) for t in texts]
        if self.matlab:
            size = (1, 1) if shape is None else shape
            absent = np.array([t is None for t in texts], dtype=bool).reshape(size, order="F")
            return _parts("string", [("texts", _text_array(plain, size)),
                                     ("absent", _array(absent))])
        if shape is None:
            return b"n" if texts[0] is None else b"s" + text_bytes(plain[0])
        return _text_array(plain, shape)

    def dict(self, as_map: bool) -> None:
        """A ``d`` item after its tag: kept (its values lowered) when its keys are field
        names (as the profile's ``isvarname`` has them) and it is no ``containers.Map``,
        else an ``m`` item: its keys, all text (``W``) or all doubles (``A``), then its
        values (``O``)."""
        r = self.r
        n = r.count(2)
        keys, chunks, values = [], [], []
        for _ in range(n):
            start = r.pos
            keys.append(r.item())
            chunks.append(r.buf[start:r.pos])
            values.append(self.collected(self.item))
        texts = all(isinstance(k, str) for k in keys)
        if not as_map and texts and all(is_field_name(k, self.matlab) for k in keys):
            self.out.append(b"d" + _U64.pack(n))
            for key, value in zip(chunks, values):
                self.out += [key, *value]
            return
        self.out += [b"m", _text_array(keys, (n,)) if texts else
                     _array(np.array([_map_key(k) for k in keys], dtype=np.float64)),
                     _list_head(n)]
        for value in values:
            self.out += value

    def array(self, start: int, size: tuple[int, ...] | None = None) -> None:
        """An ``a`` item whose tag starts at ``start``, in ``F`` order: copied unless its
        dtype is lowered (then at the MATLAB ``size`` when one is given) or its data must
        be reordered."""
        r = self.r
        dtype = r.dtype()
        if not _kept(dtype):
            r.pos = start + 1
            arr = r.array()
            if size is not None:
                arr = arr.reshape(size, order="F")
            self.out.append(self.lowered_array(arr, scalar=False))
            return
        order = r.tag()
        shape, n = r.shape(dtype.itemsize)
        data = r.take(n * dtype.itemsize)
        if order == b"F" or len(shape) < 2:
            self.out += [_array_head(dtype.newbyteorder("<"), shape), data]
        elif order == b"C":
            self.out.append(_array(np.frombuffer(data, dtype=dtype).reshape(shape)))
        else:
            raise WireFormatError(f"array order must be b'C' or b'F', got {order!r}")

    def lowered_array(self, arr: np.ndarray, scalar: bool) -> bytes:
        """The item for an array (or, ``scalar``, a NumPy scalar) of a lowered dtype."""
        kind = arr.dtype.kind
        if _kept(arr.dtype):
            return _array(arr)
        if kind == "f":
            single = arr.astype(np.float32)
            return _array(single)
        if kind == "U":
            if scalar:
                return b"s" + text_bytes(str(arr[()]))
            return _text_array([str(x) for x in arr.reshape(-1, order="F")], arr.shape)
        unit = np.datetime_data(arr.dtype)[0]
        ticks = arr.view(np.int64)
        if kind == "m":
            seconds = _seconds(ticks, unit)
            plain = b"f" + _F64.pack(float(seconds)) if scalar else _array(seconds)
            return _parts("duration", [("seconds", plain)]) if self.matlab else plain
        if self.matlab:
            return self.matlab_time(ticks, unit, "")
        if scalar:
            return _iso(int(ticks), unit, unit, "")
        return _array(_seconds(ticks, unit))

    def matlab_time(self, ticks: np.ndarray, unit: str, zone: str) -> bytes:
        """An ``X`` datetime: integer ticks that MATLAB's epochtime conversion takes as
        they are, their rate, the zone they count in (UTC when zoned) and MATLAB's
        spelling of the zone."""
        rate = _PER_SECOND.get(unit)
        if rate is None:
            ticks = np.where(ticks == _NAT, _NAT, ticks * _factor(unit))
            rate = 1
        ticks = np.asarray(ticks, dtype=np.int64)
        counted_in = "UTC" if zone else ""
        return _parts("datetime", [("ticks", _array(ticks)), ("per_second", b"f" + _F64.pack(rate)),
                                   ("counted_in", b"s" + text_bytes(counted_in)),
                                   ("tz", b"s" + text_bytes(_matlab_zone(zone)))])

    def time_scalar(self, tag: bytes) -> bytes:
        """One ``t``, ``p``, ``D`` or ``M`` item after its tag."""
        r = self.r
        if tag == b"M":
            ticks, unit, shown, zone = _NAT, "s", "s", ""
        elif tag == b"p":
            ticks, unit, shown, zone = r.i64(), "ns", r.text(), ""
            zone = r.text()
        elif tag == b"t":
            ticks, unit, shown, zone = r.i64(), "us", "us", r.text()
        else:
            ticks, unit, shown, zone = r.i64(), "D", "D", ""
        if self.matlab:
            return self.matlab_time(np.int64(ticks), unit, zone)
        return _iso(ticks, unit, shown, zone)

    # ------------------------------------------------------------------ DataFrames

    def frame(self) -> None:
        """A DataFrame: for GNU Octave a ``d`` of its columns under valid, unique field
        names; for MATLAB an ``X`` table: rows, the variable names a table takes (with
        the original of each renamed one as its description), the dimension names, the
        row names (``n`` or ``W``) and the columns. A non-default index that is not row
        names is the first column."""
        r = self.r
        nrows, ncols = r.u64(), r.count(2)
        index_name = r.item()
        r.frequency()  # a regular time index's step: MATLAB's table has no place for it
        index_start = r.pos
        names: list[str] = []
        columns: list[list[bytes | memoryview]] = []
        row_names = b"n"
        if bytes(r.buf[r.pos:r.pos + 1]) == b"r":
            r.take(1)
            start, stop, step = r.i64(), r.i64(), r.i64()
            if not (start == 0 and step == 1 and stop == nrows and _empty(index_name)):
                names.append(_name_text(index_name, 0))
                columns.append([_array(np.arange(start, stop, step, dtype=np.float64))])
        else:
            texts = list(r.column())
            if (self.matlab and all(isinstance(v, str) for v in texts)
                    and len(set(texts)) == nrows):
                row_names = _text_array(texts, (nrows,))
            else:
                r.pos = index_start
                names.append(_name_text(index_name, 0))
                columns.append(self.collected(self.column))
        for position in range(1, ncols + 1):
            names.append(_name_text(r.item(), position))
            columns.append(self.collected(self.column))
        if not self.matlab:
            fields = make_unique_strings([make_valid_name(n, matlab=False) for n in names])
            self.out.append(b"d" + _U64.pack(len(fields)))
            for field, column in zip(fields, columns):
                self.out += [b"s", text_bytes(field), *column]
            return
        variables, descriptions, dims = table_names(names, _name_text(index_name, 0),
                                                    row_names != b"n")
        self.out.append(_parts("table", [
            ("rows", b"f" + _F64.pack(nrows)),
            ("names", _text_array(variables, (1, len(variables)))),
            ("descriptions", _text_array(descriptions, (1, len(descriptions)))),
            ("dims", _text_array(dims, (1, 2))), ("row_names", row_names),
            ("columns", _list_head(len(columns)) + b"".join(b"".join(c) for c in columns))]))

    def collected(self, step: Any) -> list[bytes | memoryview]:
        """The chunks ``step()`` emits, taken out of the output."""
        mark = len(self.out)
        step()
        chunks = self.out[mark:]
        del self.out[mark:]
        return chunks

    def column(self, size: tuple[int, ...] | None = None) -> None:
        """One column (of a DataFrame, Series or index) as one lowered item; datetime and
        categorical values at the MATLAB ``size`` when one is given."""
        r = self.r
        start = r.pos
        tag = r.tag()
        if tag == b"a":
            self.array(start, size)
        elif tag == b"o":
            n = r.count()
            self.out.append(_list_head(n))
            for _ in range(n):
                self.item()
        elif tag == b"k":
            self.categorical(size)
        elif tag == b"e":
            self.extension_column(size)
        else:
            raise WireFormatError(f"unknown column tag {tag!r} at byte {start}")

    def categorical(self, size: tuple[int, ...] | None) -> None:
        r = self.r
        ordered = r.take(1)[0] != 0
        categories = list(r.column())
        codes = r.expect_array()
        if size is not None:
            codes = codes.reshape(size, order="F")
        if self.matlab:
            names = [_exact_text(c) for c in categories]
            self.out.append(_parts("categorical", [
                ("codes", _array(codes.astype(np.float64))),
                ("names", _text_array(names, (len(names),))),
                ("ordered", b"?\x01" if ordered else b"?\x00")]))
            return
        flat = np.empty(codes.size, dtype=object)
        flat[:] = ["" if c < 0 else categories[c] for c in codes.ravel(order="F").tolist()]
        plain = {"values": flat.reshape(codes.shape, order="F"), "categories": categories,
                 "ordered": ordered}
        self.out.append(body(lower(encode(plain), "octave")))

    def extension_column(self, size: tuple[int, ...] | None) -> None:
        r = self.r
        spec = r.text()
        mask = r.expect_array()
        if spec.startswith(("str[", "string[")):
            texts = r.item()
            self.out.append(self.strings([None if m else t for t, m in zip(texts, mask)],
                                         (len(texts),)))
            return
        values = r.expect_array()
        if spec.startswith("datetime64["):
            unit, _, zone = spec[len("datetime64["):-1].partition(", ")
            ticks = values.view(np.int64)
            if size is not None:
                ticks = ticks.reshape(size, order="F")
            if self.matlab:
                self.out.append(self.matlab_time(ticks, unit, zone))
            else:
                self.out.append(_array(_seconds(ticks, unit)))
            return
        if mask.any():
            values = values.astype(np.float64)
            values[mask] = np.nan
        self.out.append(self.lowered_array(values, scalar=False))


def _kept(dtype: np.dtype) -> bool:
    """Whether items of ``dtype`` reach the toolbox as they are stored."""
    return dtype.kind in _KEPT_KINDS and dtype != np.float16


# ------------------------------------------------------------------ time values


def _factor(unit: str) -> int:
    try:
        return _SECONDS_PER[unit]
    except KeyError:
        raise UnsupportedValueError(
            f"datetime64/timedelta64 values in unit {unit!r} have no MATLAB form") from None


def _split(ticks: np.ndarray, unit: str) -> tuple[np.ndarray, np.ndarray]:
    """Ticks of ``unit`` -> whole seconds and nanoseconds (0 <= nanos < 1e9)."""
    rate = _PER_SECOND.get(unit)
    if rate is None:
        return ticks * _factor(unit), np.zeros_like(ticks)
    secs, rest = np.divmod(ticks, rate)
    return secs, rest * (10**9 // rate)


def _seconds(ticks: np.ndarray, unit: str) -> np.ndarray:
    """Ticks -> seconds as float64, rounded once; NaT (the int64 minimum) -> NaN."""
    ticks = np.asarray(ticks, dtype=np.int64)
    nat = ticks == _NAT
    rate = _PER_SECOND.get(unit)
    secs, nanos = _split(ticks, unit)
    if rate is None:
        out = secs.astype(np.float64)
    else:
        out = ticks.astype(np.float64) / rate
        big = (np.abs(ticks.astype(np.float64)) >= 2.0**53) & ~nat
        out = np.where(big, secs.astype(np.float64) + nanos.astype(np.float64) / 1e9, out)
    return np.where(nat, np.nan, out)


def _iso(ticks: int, unit: str, shown: str, zone: str) -> bytes:
    """One datetime as an ``s`` item of ISO 8601 text ('Z' when zoned: shown in UTC), or
    ``f`` NaN for NaT."""
    if ticks == _NAT:
        return b"f" + _F64.pack(float("nan"))
    secs_arr, nanos_arr = _split(np.int64(ticks), unit)
    secs, nanos = int(secs_arr), int(nanos_arr)
    days, sod = divmod(secs, 86400)
    year, month, day = _civil_date(days)
    text = f"{year:04d}-{month:02d}-{day:02d}"
    if shown not in ("D", "W"):
        text += f"T{sod // 3600:02d}:{sod // 60 % 60:02d}:{sod % 60:02d}"
        if nanos:
            digits, scale = {"ms": (3, 10**6), "us": (6, 10**3)}.get(shown, (9, 1))
            text += f".{nanos // scale:0{digits}d}"
        if zone:
            text += "Z"
    return b"s" + text_bytes(text)


def _civil_date(days: int) -> tuple[int, int, int]:
    """Days since 1970-01-01 -> proleptic Gregorian year, month, day (any year)."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


def _matlab_zone(name: str) -> str:
    """A wire time zone ('', 'UTC', '+HH:MM[:SS]', an IANA name, pandas' 'UTC+HH:MM') as
    MATLAB's datetime spells it."""
    if name.startswith(("UTC+", "UTC-")) and name[4:5].isdigit():
        name = name[3:]
    if name[:1] in ("+", "-") and name.count(":") == 2:
        if not name.endswith(":00"):
            raise NotRepresentableError(
                f"the time zone offset {name} has seconds, which MATLAB's datetime cannot "
                "hold; store the times in UTC (or an IANA zone) in Python")
        name = name[:-3]
    return name


# ------------------------------------------------------------------ names and categories


def _map_key(key: Any) -> float:
    """A number key of a ``containers.Map`` as a double: refused unless every key is a
    real number that a double holds exactly."""
    if isinstance(key, (str, complex, np.complexfloating)) or not isinstance(
            key, (int, float, np.integer, np.floating, np.bool_)):
        raise UnsupportedValueError(
            "a dict with keys of mixed or non-scalar types has no MATLAB form "
            "(containers.Map keys are all text or all numbers)")
    number = float(key)
    if number != key or (isinstance(key, (int, np.integer)) and int(number) != int(key)):
        raise NotRepresentableError("a dict key is an integer that double cannot hold exactly")
    return number


def _empty(name: Any) -> bool:
    return name is None or name is pd.NA or (isinstance(name, str) and not name)


def _name_text(name: Any, position: int) -> str:
    """A column (position 1...) or index (position 0) name as MATLAB text."""
    if isinstance(name, str) and name:
        return name
    if _empty(name) and position == 0:
        return "index"
    if isinstance(name, (int, float, np.integer, np.floating)) and not isinstance(
            name, (bool, np.bool_)):
        number = float(name)
        return f"{int(name)}" if number == int(number) else f"{number:e}"
    return f"Var{position}"


def _exact_text(x: Any) -> str:
    """A category as text that reads back as the same value: integers in full, floats in
    the fewest significant digits (15 to 17) that round-trip."""
    if isinstance(x, str):
        return x
    if isinstance(x, (bool, np.bool_)):
        return "true" if x else "false"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    number = float(x)
    if number == int(number) and abs(number) < 2**53:
        return str(int(number))
    for digits in (15, 16):
        text = f"{number:.{digits}g}"
        if float(text) == number:
            return text
    return f"{number:.17g}"
