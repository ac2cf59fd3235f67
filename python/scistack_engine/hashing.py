"""The content hash: one fixed-length name for a value, equal wherever the value is equal.

``content_hash(value)`` is the SHA-256 of a domain prefix followed by the *canonical*
encoding of the value: the wire encoding of :mod:`scistack_engine.codec` (without its
header) with arrays in C order and dict entries sorted by the bytes of their encoded keys.
It therefore depends on the value alone (type, dtype, shape, content), never on the
process, the run, dict insertion order, memory layout or the language that produced the
value. The exact rule is written down in ``docs/data-model.md``.

``file_hash(path)`` names what a file input of a for_each holds: the SHA-256 of the file's
bytes (of a folder: of every file under it, with their relative names), so that an edited
file changes the cache keys that read it. A process reads a file once while its size and
modification time stay the same.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import numpy as np

from .codec import iter_chunks

__all__ = ["content_hash", "scalar_hashes", "file_hash", "HASH_PREFIX"]

#: Bytes hashed before the canonical encoding; a new rule gets a new prefix.
HASH_PREFIX = b"scistack-content-v1\x00"

_PREFIXED = hashlib.sha256(HASH_PREFIX)  # copied per value: the prefix is hashed once

def content_hash(value: Any) -> str:
    """The hex SHA-256 content hash of ``value`` (64 characters).

    Raises
    ------
    UnsupportedValueError
        When ``value`` lies outside the value model; there is no fallback hash.
    """
    hasher = _PREFIXED.copy()
    iter_chunks(value, hasher.update, canonical=True)
    return hasher.hexdigest()


#: The canonical encoding of a float or an int scalar: its tag byte, then 8 bytes.
_SCALAR_LAYOUT = {float: (b"f", "<f8"), int: (b"i", "<i8")}


def scalar_hashes(values: np.ndarray, kind: type) -> list[str]:
    """``content_hash`` of each element of a 1-d array of Python floats (a float64
    array) or of ints within int64 (an int64 array), by encoding the whole column at
    once: each value's canonical encoding is its tag byte and 8 little-endian bytes."""
    tag, dtype = _SCALAR_LAYOUT[kind]
    packed = np.empty(len(values), dtype=[("tag", "S1"), ("value", dtype)])
    packed["tag"] = tag
    packed["value"] = values
    raw = packed.tobytes()
    size = packed.itemsize
    out = []
    for start in range(0, len(raw), size):
        hasher = _PREFIXED.copy()
        hasher.update(raw[start:start + size])
        out.append(hasher.hexdigest())
    return out


#: Bytes read per step when hashing a file.
_FILE_CHUNK = 1 << 20

#: (absolute path, size, mtime_ns) -> hash of files already read by this process.
_file_hashes: dict[tuple[str, int, int], str] = {}


def file_hash(path: str) -> str:
    """The hex SHA-256 of what the file (or folder) at ``path`` holds.

    A file hashes its bytes; a folder hashes the relative name and the bytes of every file
    under it, in sorted order. Raises ``OSError`` when ``path`` cannot be read.
    """
    if os.path.isdir(path):
        hasher = hashlib.sha256(b"scistack-folder-v1\x00")
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                hasher.update(os.path.relpath(full, path).encode("utf-8") + b"\x00")
                hasher.update(file_hash(full).encode("ascii"))
        return hasher.hexdigest()
    status = os.stat(path)
    key = (os.path.abspath(path), status.st_size, status.st_mtime_ns)
    digest = _file_hashes.get(key)
    if digest is None:
        hasher = hashlib.sha256(b"scistack-file-v1\x00")
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(_FILE_CHUNK), b""):
                hasher.update(chunk)
        digest = _file_hashes[key] = hasher.hexdigest()
    return digest
