"""Whether a DuckDB write-ahead log ends with a complete transaction.

DuckDB keeps the commits not yet folded into a file in its write-ahead log
(``<file>.wal``) and replays the log when the file is opened. A log whose end is missing —
a write interrupted by a crash, a copy that stopped short, a disk that filled up — is
replayed up to its last complete transaction, and DuckDB drops the rest without a word: it
cannot tell a torn last write from a log that lost acknowledged commits. :func:`torn_tail`
reads the log's framing *before* the open and says how much of it will be dropped, so the
open can say so (:class:`WriteAheadLogWarning`).

The log format read here is DuckDB's version 2 (DuckDB 0.10 on, every storage format):

* a header written by DuckDB's binary serializer: 16-bit little-endian field ids, each
  followed by its value — 100 the entry type (98, "version"), 101 the log version (2),
  optionally 102 the database identifier (a count and that many varint bytes) and 103 the
  checkpoint iteration (a varint) — and the end mark ``0xFFFF``;
* then entries framed as ``size`` (uint64 LE), ``checksum`` (uint64), ``size`` bytes whose
  first field (id 100) is the entry type; each transaction ends with a *flush* entry
  (type 100).

A log is complete when its frames reach the end of the file exactly and the last frame is
a flush. A log this module cannot read (version 1 without frames, version 3 encrypted, a
header with other fields) is not judged: :func:`torn_tail` returns None, as for a complete
log.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from typing import BinaryIO

from .errors import WriteAheadLogWarning

__all__ = ["TornTail", "torn_tail", "WriteAheadLogWarning"]

_END_MARK = 0xFFFF
_FIELD_TYPE, _FIELD_VERSION, _FIELD_DATABASE, _FIELD_ITERATION = 100, 101, 102, 103
_TYPE_VERSION, _TYPE_FLUSH = 98, 100
_FRAME = struct.Struct("<QQ")
_FLUSH_START = struct.pack("<H", _FIELD_TYPE) + bytes([_TYPE_FLUSH])


@dataclass(frozen=True)
class TornTail:
    """A log that DuckDB replays only up to ``complete`` bytes of its ``size``."""

    path: str
    complete: int
    size: int

    def message(self, database: str) -> str:
        """What the open of ``database`` lost, and what to do about it."""
        return (
            f"the write-ahead log {self.path!r} of database {database!r} ends inside a "
            f"transaction: DuckDB replayed it up to its last complete commit (byte "
            f"{self.complete:,} of {self.size:,}) and dropped the {self.size - self.complete:,} "
            "bytes after it. If the process writing the database was killed while saving, "
            "only that unfinished save is lost; if the log was cut short (a copy that "
            "stopped early, a full disk), later commits are lost too: compare with a copy "
            "of the database if you have one")


def torn_tail(wal_path: str) -> TornTail | None:
    """The torn end of the log at ``wal_path``, or None when it is complete, absent, empty
    or in a form this module does not read."""
    try:
        size = os.path.getsize(wal_path)
        if size == 0:
            return None
        with open(wal_path, "rb") as log:
            start = _header_end(log)
            if start is None:
                return None
            complete = _last_flush_end(log, start, size)
    except _CutShort:
        complete = 0
    except OSError:
        return None
    return None if complete == size else TornTail(wal_path, complete, size)


class _CutShort(Exception):
    """The file ends inside the log's header."""


def _header_end(log: BinaryIO) -> int | None:
    """The offset after a version-2 header, or None for any other header."""
    fields: dict[int, int] = {}
    while (field := _read_u16(log)) != _END_MARK:
        if field in (_FIELD_TYPE, _FIELD_VERSION, _FIELD_ITERATION):
            fields[field] = _read_varint(log)
        elif field == _FIELD_DATABASE:
            for _ in range(_read_varint(log)):
                _read_varint(log)
        else:
            return None
    if fields.get(_FIELD_TYPE) != _TYPE_VERSION or fields.get(_FIELD_VERSION) != 2:
        return None
    return log.tell()


def _last_flush_end(log: BinaryIO, offset: int, size: int) -> int:
    """The end of the last flush entry that every frame before it leads to, walking the
    frames from ``offset`` (the end of the header when no transaction is complete)."""
    complete = offset
    while offset + _FRAME.size <= size:
        log.seek(offset)
        entry_size, _checksum = _FRAME.unpack(log.read(_FRAME.size))
        body = offset + _FRAME.size
        if entry_size > size - body:
            break
        if log.read(len(_FLUSH_START)) == _FLUSH_START:
            complete = body + entry_size
        offset = body + entry_size
    return complete


def _read_u16(log: BinaryIO) -> int:
    data = log.read(2)
    if len(data) < 2:
        raise _CutShort
    return int(struct.unpack("<H", data)[0])


def _read_varint(log: BinaryIO) -> int:
    """An unsigned LEB128 number (DuckDB's varint)."""
    value = shift = 0
    while True:
        data = log.read(1)
        if not data:
            raise _CutShort
        value |= (data[0] & 0x7F) << shift
        if data[0] < 0x80:
            return value
        shift += 7
