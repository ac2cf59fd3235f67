"""The MATLAB request profile: what MATLAB sends, raised to the stored wire encoding.

MATLAB's classes that Python lacks (string, datetime, duration, categorical, table) are
sent by the toolbox in a small *request profile* holding only what MATLAB knows at no
cost: integer ticks, milliseconds, category codes, UTF-8 text in one block, the
variables of a table. :func:`raise_wire` rewrites those items into the stored encoding of
``docs/data-model.md`` (the ``h`` class hints MATLAB reads back, pandas columns,
nanosecond ticks), byte for byte what the toolbox wrote itself before (the golden
vectors of ``tests/fixtures/matlab_stored.json``); every other item is copied as it is.
The request tags (u64 little-endian counts, as everywhere):

``W`` string array
    where the texts are missing (a logical ``?`` or ``a`` of MATLAB's size), then the
    texts as a ``Y`` cell of ``s`` items (missing ones empty). Raised to ``h string`` +
    ``s``/``n`` (1-by-1) or ``h string:<size>`` + ``O`` of ``s``/``n`` in row-major order.
``T`` datetime
    u64 ticks per second, the zone as an ``s`` item ('' unzoned), then the ticks (int64
    from 1970-01-01, UTC when zoned; the int64 minimum for NaT) as ``g`` (1-by-1) or
    ``a``. Raised to ``p`` in nanoseconds (``M`` for NaT) or ``h datetime:<size>`` + a
    Series of ``datetime64[ns]`` (zoned: ``datetime64[ns, <zone>]``).
``L`` duration
    milliseconds as ``f`` or ``a`` of ``f8`` (NaN missing). Raised to ``g``/``a`` of
    ``m8[ns]`` (round half away from zero, saturating; NaN -> NaT).
``K`` categorical
    ordered byte, the category names as ``W``, then the codes as MATLAB's ``double``
    gives them (1-based, NaN undefined) in ``f`` or ``a``. Raised to
    ``h categorical:<size>`` + a Series of a categorical column.
``Q`` table
    a ``d`` of, in this order, ``rows`` (``f``), ``dimension`` (the row dimension name,
    ``s``), ``row_names``, ``names`` (``Y`` cells of ``s``) and ``values`` (a ``Y`` cell
    of one item per variable). Raised to a DataFrame ``F``; a variable without a column
    form (several columns, complex, char, struct, ...) is refused with
    :class:`UnsupportedValueError`.
``Y`` cell array
    u64 dimensions, MATLAB's size, then the elements (any items) in column-major
    order. Raised to ``h cell:<size>`` + ``O`` with the elements in row-major order.
``Z`` struct array
    u64 dimensions, MATLAB's size, u64 field count, the field names as ``s`` items,
    then per element (column-major) the values of its fields in order. Raised to
    ``h struct:<size>`` + ``O`` of ``d`` dicts (the names as keys), row-major.
``C`` char array (not a row)
    its character codes as an ``a`` item (``uint16``, MATLAB's size). Stored as
    ``s`` (0-by-0), ``h char:1x0`` + ``s`` (1-by-0) or ``h char:<size>`` + ``a`` of
    ``U1`` in ``F`` order with MATLAB's size; a code above 127 is refused.
``P`` containers.Map
    its keys, then its values, each a ``Y`` cell. Stored as ``h containers.Map`` + ``d``
    of the key and value items in order.
``A`` numeric and logical arrays
    MATLAB's class (an ``s`` body), a complexity byte, u64 dimensions, MATLAB's size,
    then the column-major data (real and imaginary parts interleaved): the reply's ``A``
    without its byte width. Stored as ``g`` (1-by-1) or ``a`` in ``F`` order with the
    dtype of the class (the table :mod:`.profile` lowers dtypes with) and MATLAB's size
    after the vector rule (an N-by-1 array is stored with the 1-D shape ``(N)``);
    complex integers are refused.
``a`` arrays
    as ``A``, but with the dtype code: an N-by-1 array sent with MATLAB's size
    ``(N, 1)`` in ``F`` order is stored with the 1-D shape ``(N)``; other arrays are
    stored as sent.

A timetable or a zone of ``UTCLeapSeconds`` is refused here too. The size of an ``a``
item follows the vector rule: a 1-D shape ``(N)`` is MATLAB's N-by-1.
"""

from __future__ import annotations

import struct

import numpy as np

from ..errors import UnsupportedValueError, WireFormatError
from .profile import MATLAB_CLASS, RewritingWalk, text_bytes

__all__ = ["raise_wire"]

_U64 = struct.Struct("<Q")
_I64 = struct.Struct("<q")
_MISSING = 2**64 - 1
_NAT = np.iinfo(np.int64).min
_REQUEST_TAGS = frozenset(b"WTLKQA")
#: The dtype codes of a MATLAB class: (real, complex); None where MATLAB has no such array.
_CODES: dict[str, list[str | None]] = {}
for _code, _class in MATLAB_CLASS.items():
    _CODES.setdefault(_class, [None, None])[_code.startswith("c")] = _code
_CONTAINER_TAGS = frozenset(b"YZCP")


def raise_wire(wire: bytes) -> bytes:
    """``wire`` (header included) with every request-profile item raised to its stored
    form; ``wire`` itself when it holds none."""
    raising = _Raising(memoryview(wire))
    raising.whole()
    if not raising.changed:
        return wire
    return b"".join(raising.out)


def _shape(shape: tuple[int, ...]) -> bytes:
    """u64 dimensions, then each, after the vector rule (N-by-1 -> (N))."""
    if len(shape) == 2 and shape[1] == 1 and shape[0] != 1:
        shape = (shape[0],)
    return _U64.pack(len(shape)) + b"".join(_U64.pack(n) for n in shape)


def _array(values: np.ndarray, code: str, size: tuple[int, ...]) -> bytes:
    """An ``a`` item of column-major ``values`` (flat) with MATLAB ``size``."""
    data = values.astype("<" + code, copy=False).tobytes()
    return b"a" + text_bytes(code) + b"F" + _shape(size) + data


def _column(values: np.ndarray, code: str) -> bytes:
    """A 1-D ``a`` item (a DataFrame column or an array of one)."""
    return _array(values, code, (len(values), 1) if len(values) != 1 else (1,))


def _hint(name: str, size: tuple[int, ...] | None) -> bytes:
    text = name if size is None else f"{name}:{'x'.join(str(n) for n in size)}"
    return b"h" + text_bytes(text)


def _series(column: bytes, n: int) -> bytes:
    """An ``S`` item: no name, a RangeIndex 0..n-1, then the column."""
    return b"Snnr" + _I64.pack(0) + _I64.pack(n) + _I64.pack(1) + column


def _row_major(n_or_size: tuple[int, ...]) -> np.ndarray:
    """Positions of the column-major elements of an array of MATLAB size, in row-major order."""
    return np.arange(int(np.prod(n_or_size))).reshape(n_or_size, order="F").reshape(-1)


def _refuse(message: str) -> UnsupportedValueError:
    return UnsupportedValueError(message)


class _Raising(RewritingWalk):
    """One walk over request bytes, copying what is stored as it is and raising the rest."""

    def __init__(self, buf: memoryview) -> None:
        super().__init__(buf)
        self.changed = False

    def item(self) -> None:  # noqa: C901 - one dispatch table, read top to bottom
        r = self.r
        start = r.pos
        tag = r.tag()
        if tag in (b"n", b"N", b"M"):
            self.copy_from(start)
        elif tag == b"?":
            r.take(1)
            self.copy_from(start)
        elif tag in (b"i", b"f"):
            r.take(8)
            self.copy_from(start)
        elif tag == b"c":
            r.take(16)
            self.copy_from(start)
        elif tag in (b"s", b"I"):
            r.take(r.u64())
            self.copy_from(start)
        elif tag == b"a":
            self.array(start)
        elif tag == b"g":
            r.take(r.dtype().itemsize)
            self.copy_from(start)
        elif tag == b"O":
            _, n = r.shape(1)
            self.copy_from(start)
            for _ in range(n):
                self.item()
        elif tag in (b"l", b"u"):
            n = r.count()
            self.copy_from(start)
            for _ in range(n):
                self.item()
        elif tag == b"d":
            n = r.count(2)
            self.copy_from(start)
            for _ in range(2 * n):
                self.item()
        elif tag == b"h":
            r.take(r.u64())
            self.copy_from(start)
            self.item()
        elif tag[0] in _REQUEST_TAGS:
            self.changed = True
            self.out.append(self.raised(tag))
        elif tag[0] in _CONTAINER_TAGS:
            self.changed = True
            self.out.append(self.containers(tag))
        else:  # the stored items MATLAB never sends (DataFrames, Python times) stay
            r.pos = start
            r.item()
            self.copy_from(start)

    def array(self, start: int) -> None:
        """An ``a`` item whose tag starts at ``start``: copied, but for the vector rule
        (MATLAB sends an N-by-1 array with its size; it is stored with shape (N))."""
        r = self.r
        dtype = r.dtype()
        order = r.tag()
        shape_at = r.pos
        shape, n = r.shape(dtype.itemsize)
        r.take(n * dtype.itemsize)
        if order == b"F" and len(shape) == 2 and shape[1] == 1 and shape[0] != 1:
            self.changed = True
            self.out += [r.buf[start:shape_at], _shape(shape), r.buf[shape_at + 24:r.pos]]
        else:
            self.copy_from(start)

    # ------------------------------------------------------------------ request items

    def raised(self, tag: bytes) -> bytes:
        """The stored item for the request item whose tag was just read."""
        if tag == b"W":
            size, texts = self.texts()
            if size == (1, 1):
                t = texts[0]
                return _hint("string", None) + (b"n" if t is None else b"s" + text_bytes(t))
            order = _row_major(size)
            return (_hint("string", size) + b"O" + _shape(size)
                    + b"".join(b"n" if texts[k] is None else b"s" + text_bytes(texts[k])
                               for k in order))
        if tag == b"T":
            size, ticks, zone = self.times()
            if size == (1, 1):
                if ticks[0] == _NAT:
                    return b"M"
                return b"p" + _I64.pack(int(ticks[0])) + text_bytes("ns") + text_bytes(zone)
            return _hint("datetime", size) + _series(_time_column(ticks, zone), len(ticks))
        if tag == b"L":
            size, millis = self.numbers()
            ticks = _duration_ticks(millis)
            if size == (1, 1):
                return b"g" + text_bytes("m8[ns]") + ticks.astype("<i8").tobytes()
            return _hint("duration", size) + _array(ticks, "m8[ns]", size)
        if tag == b"A":
            size, values = self.matlab_array()
            code = values.dtype.str[1:]
            if size == (1, 1):
                return b"g" + text_bytes(code) + values.tobytes()
            return _array(values, code, size)
        if tag == b"K":
            size, column = self.categorical()
            return _hint("categorical", size) + _series(column, int(np.prod(size)))
        return self.table()

    def collected(self) -> bytes:
        """The next item, stored form, taken out of the output."""
        mark = len(self.out)
        self.item()
        chunks = b"".join(self.out[mark:])
        del self.out[mark:]
        return chunks

    def size(self) -> tuple[int, ...]:
        """A MATLAB size: u64 dimensions, then each."""
        r = self.r
        return tuple(r.u64() for _ in range(r.count(8)))

    def elements(self, size: tuple[int, ...]) -> list[bytes]:
        """The items of an array of MATLAB ``size``, sent column-major, row-major."""
        items = [self.collected() for _ in range(int(np.prod(size)))]
        return [items[k] for k in _row_major(size)]

    def containers(self, tag: bytes) -> bytes:
        """A ``Y``, ``Z``, ``C`` or ``P`` item after its tag, in its stored form."""
        if tag == b"Y":
            size = self.size()
            return _hint("cell", size) + b"O" + _shape(size) + b"".join(self.elements(size))
        if tag == b"Z":
            return self.structs()
        if tag == b"C":
            return self.chars()
        keys, values = (self.cell_items() for _ in range(2))
        return (_hint("containers.Map", None) + b"d" + _U64.pack(len(keys))
                + b"".join(k + v for k, v in zip(keys, values)))

    def cell_items(self) -> list[bytes]:
        """The stored items of a ``Y`` cell, in the order sent."""
        if self.r.tag() != b"Y":
            raise WireFormatError(f"expected a cell at byte {self.r.pos - 1}")
        return [self.collected() for _ in range(int(np.prod(self.size())))]

    def chars(self) -> bytes:
        """A ``C`` item after its tag: a char array from its codes."""
        size, codes = self.numbers()
        if size == (0, 0):
            return b"s" + text_bytes("")
        if size == (1, 0):
            return _hint("char", size) + b"s" + text_bytes("")
        if (codes > 127).any():
            raise _refuse("cannot encode non-ASCII char matrices (use a cell array of char "
                          "rows)")
        return (_hint("char", size) + b"a" + text_bytes("U1") + b"F"
                + _U64.pack(len(size)) + b"".join(_U64.pack(n) for n in size)
                + codes.astype("<u4").tobytes())

    def structs(self) -> bytes:
        """A ``Z`` item after its tag, as ``h struct:<size>`` + ``O`` of dicts."""
        r = self.r
        size = self.size()
        keys = [self.collected() for _ in range(r.count(9))]
        n = int(np.prod(size))
        values = [self.collected() for _ in range(n * len(keys))]
        head = b"d" + _U64.pack(len(keys))
        dicts = [head + b"".join(key + values[k * len(keys) + j] for j, key in enumerate(keys))
                 for k in range(n)]
        return (_hint("struct", size) + b"O" + _shape(size)
                + b"".join(dicts[k] for k in _row_major(size)))

    def texts(self) -> tuple[tuple[int, ...], list[bytes | None]]:
        """A ``W`` item after its tag: MATLAB size and the UTF-8 texts (None: missing)."""
        _, absent = self.numbers()
        size, texts = self.cell_texts()
        return size, [None if a else t for t, a in zip(texts, absent.tolist())]

    def cell_texts(self) -> tuple[tuple[int, ...], list[bytes]]:
        """A ``Y`` cell of ``s`` items: MATLAB size and the UTF-8 texts."""
        r = self.r
        if r.tag() != b"Y":
            raise WireFormatError(f"expected a cell of texts at byte {r.pos - 1}")
        size = self.size()
        return size, [self.text_item() for _ in range(int(np.prod(size)))]

    def text_item(self) -> bytes:
        """An ``s`` item's UTF-8 text (a 1-by-0 char, sent as ``C``, is empty too)."""
        r = self.r
        tag = r.tag()
        if tag == b"s":
            return bytes(r.take(r.u64()))
        if tag == b"C" and not self.numbers()[1].size:
            return b""
        raise WireFormatError(f"expected text at byte {r.pos - 1}")

    def numbers(self) -> tuple[tuple[int, ...], np.ndarray]:
        """An ``f``, ``?``, ``g``, ``A`` or ``a`` item: MATLAB size and the values,
        column-major."""
        r = self.r
        tag = r.tag()
        if tag == b"A":
            return self.matlab_array()
        if tag == b"f":
            return (1, 1), np.array([r.f64()])
        if tag == b"?":
            return (1, 1), np.array([r.take(1)[0] != 0])
        if tag == b"g":
            dtype = r.dtype()
            return (1, 1), np.frombuffer(r.take(dtype.itemsize), dtype=dtype).copy()
        if tag != b"a":
            raise WireFormatError(f"expected numbers at byte {r.pos - 1}")
        dtype = r.dtype()
        order = r.tag()
        shape, n = r.shape(dtype.itemsize)
        values = np.frombuffer(r.take(n * dtype.itemsize), dtype=dtype)
        if order == b"C" and len(shape) > 1:
            values = values.reshape(shape).reshape(-1, order="F")
        return ((shape[0], 1) if len(shape) == 1 else shape), values

    def matlab_array(self) -> tuple[tuple[int, ...], np.ndarray]:
        """An ``A`` item after its tag: MATLAB size and the values, column-major."""
        r = self.r
        cls = r.text()
        is_complex = r.take(1)[0] != 0
        if cls not in _CODES:
            raise WireFormatError(f"an array of unknown MATLAB class {cls!r}")
        code = _CODES[cls][is_complex]
        if code is None:
            raise _refuse("cannot encode complex integers; supported: numeric, logical and "
                          "char arrays (integers real)")
        dtype = np.dtype("<" + code)
        shape, n = r.shape(dtype.itemsize)
        return shape, np.frombuffer(r.take(n * dtype.itemsize), dtype=dtype)

    def times(self) -> tuple[tuple[int, ...], np.ndarray, str]:
        """A ``T`` item after its tag: MATLAB size, nanosecond ticks, zone."""
        rate = self.r.u64()
        zone = self.text_item().decode("utf-8")
        if zone == "UTCLeapSeconds":
            raise _refuse("datetimes in 'UTCLeapSeconds' have no Python form (pandas counts "
                          "no leap seconds); set t.TimeZone = 'UTC' before saving")
        size, ticks = self.numbers()
        ticks = ticks.astype(np.int64)
        if rate != 10**9:
            if rate <= 0 or 10**9 % rate:
                raise _refuse(f"datetimes at {rate} ticks per second have no nanosecond form")
            ticks = np.where(ticks == _NAT, _NAT, ticks * (10**9 // rate))
        return size, ticks, zone

    def categorical(self) -> tuple[tuple[int, ...], bytes]:
        """A ``K`` item after its tag: MATLAB size and its categorical column."""
        r = self.r
        ordered = r.take(1)
        if r.tag() != b"W":
            raise WireFormatError(f"expected category names at byte {r.pos - 1}")
        _, names = self.texts()
        size, codes = self.numbers()
        codes = np.where(np.isnan(codes), -1, codes - 1).astype(np.int32)
        column = (b"k" + bytes(ordered) + b"o" + _U64.pack(len(names))
                  + b"".join(b"s" + text_bytes(t or b"") for t in names) + _column(codes, "i4"))
        return size, column

    def table(self) -> bytes:
        """A ``Q`` item after its tag, as a DataFrame ``F``."""
        r = self.r
        if r.tag() != b"d" or r.count(2) != 5:
            raise WireFormatError(f"expected the five parts of a table at byte {r.pos}")
        self.part("rows")
        rows = int(r.f64()) if r.tag() == b"f" else -1
        self.part("dimension")
        dimension = self.text_item()
        self.part("row_names")
        _, row_names = self.cell_texts()
        self.part("names")
        _, names = self.cell_texts()
        self.part("values")
        if rows < 0 or r.tag() != b"Y" or int(np.prod(self.size())) != len(names):
            raise WireFormatError(f"malformed table parts at byte {r.pos}")
        if not row_names:
            index = b"nr" + _I64.pack(0) + _I64.pack(rows) + _I64.pack(1)
        else:
            index = (b"s" + text_bytes(dimension) + b"o" + _U64.pack(len(row_names))
                     + b"".join(b"s" + text_bytes(t) for t in row_names))
        out = [b"F", _U64.pack(rows), _U64.pack(len(names)), index]
        for name in names:
            out += [b"s" + text_bytes(name), self.table_column(name.decode("utf-8"))]
        return b"".join(out)

    def part(self, name: str) -> None:
        """The key ``name`` of a table's parts, next."""
        if self.text_item() != name.encode():
            raise WireFormatError(f"expected the table's {name} at byte {self.r.pos}")

    def table_column(self, name: str) -> bytes:  # noqa: C901 - one branch per class
        """One table variable (any request item) as a DataFrame column."""
        r = self.r
        start = r.pos
        tag = r.tag()
        hint = r.text() if tag == b"h" else ""
        cls = hint.partition(":")[0]
        size = _hint_size(hint)
        if tag == b"h":
            tag = r.tag()
        if size is not None and (len(size) != 2 or size[1] != 1):
            raise _refuse(f"table variable '{name}' has {size[1]} columns; store "
                          "multi-column variables as separate variables (splitvars) or in "
                          "a cell")
        if tag == b"W":
            wsize, texts = self.texts()
            _one_column(name, wsize)
            mask = np.array([t is None for t in texts], dtype=bool)
            return (b"e" + text_bytes("string[python]") + _column(mask, "b1") + b"l"
                    + _U64.pack(len(texts))
                    + b"".join(b"n" if t is None else b"s" + text_bytes(t) for t in texts))
        if tag == b"T":
            tsize, ticks, zone = self.times()
            _one_column(name, tsize)
            return _time_column(ticks, zone)
        if tag == b"L":
            lsize, millis = self.numbers()
            _one_column(name, lsize)
            return _column(_duration_ticks(millis), "m8[ns]")
        if tag == b"K":
            ksize, column = self.categorical()
            _one_column(name, ksize)
            return column
        if tag == b"Y":
            csize = self.size()
            _one_column(name, csize)
            return b"o" + _U64.pack(int(np.prod(csize))) + b"".join(self.elements(csize))
        if tag in (b"f", b"g", b"a", b"A", b"?") and not cls:
            r.pos = start
            if tag == b"?":
                r.take(1)
                return _column(np.array([r.take(1)[0] != 0]), "b1")
            nsize, values = self.numbers()
            _one_column(name, nsize)
            if values.dtype.kind == "c":
                raise _refuse("complex table variables are not supported")
            return _column(values, values.dtype.str[1:])
        if tag == b"c":
            raise _refuse("complex table variables are not supported")
        shown = cls or {b"s": "char", b"C": "char", b"d": "struct", b"Z": "struct",
                        b"P": "containers.Map", b"Q": "table"}.get(tag, "unknown")
        raise _refuse(f"table variable '{name}' of class {shown} has no DataFrame column form")


def _hint_size(hint: str) -> tuple[int, ...] | None:
    _, _, text = hint.partition(":")
    return tuple(int(n) for n in text.split("x")) if text else None


def _one_column(name: str, size: tuple[int, ...]) -> None:
    if len(size) != 2 or size[1] != 1:
        raise _refuse(f"table variable '{name}' has {size[1] if len(size) > 1 else 1} "
                      "columns; store multi-column variables as separate variables "
                      "(splitvars) or in a cell")


def _time_column(ticks: np.ndarray, zone: str) -> bytes:
    """Naive: ``a`` datetime64[ns] of wall-clock ticks; zoned: ``e`` of UTC instants."""
    if not zone:
        return _column(ticks, "M8[ns]")
    return (b"e" + text_bytes(f"datetime64[ns, {zone}]") + _column(ticks == _NAT, "b1")
            + _column(ticks, "M8[ns]"))


def _duration_ticks(millis: np.ndarray) -> np.ndarray:
    """Milliseconds -> int64 nanoseconds as MATLAB's int64(round(ms * 1e6)) computes them
    (half away from zero, saturating); NaN -> NaT."""
    scaled = np.asarray(millis, dtype=np.float64) * 1e6
    whole = np.trunc(scaled)
    rounded = whole + np.where(np.abs(scaled - whole) >= 0.5, np.sign(scaled), 0.0)
    nan = np.isnan(rounded)
    clipped = np.clip(np.where(nan, 0.0, rounded), -(2.0**63), 2.0**63)
    high = clipped >= 2.0**63
    ticks = np.where(high, np.iinfo(np.int64).max, np.where(high, 0.0, clipped).astype(np.int64))
    return np.where(nan, _NAT, ticks).astype(np.int64)
