"""The content hash: one fixed-length name for a value, equal wherever the value is equal.

``content_hash(value)`` is the SHA-256 of a domain prefix followed by the *canonical*
encoding of the value: the wire encoding of :mod:`scistack_engine.codec` (without its
header) with arrays in C order and dict entries sorted by the bytes of their encoded keys.
It therefore depends on the value alone (type, dtype, shape, content), never on the
process, the run, dict insertion order, memory layout or the language that produced the
value. The exact rule is written down in ``docs/data-model.md``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .codec import decode, iter_chunks

__all__ = ["content_hash", "content_hash_of_encoded", "HASH_PREFIX"]

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


def content_hash_of_encoded(data: bytes) -> str:
    """The content hash of a value given as wire bytes (for example from MATLAB).

    Wire bytes may hold column-major arrays and dicts in insertion order; the value is
    decoded and hashed in canonical form, so the result equals ``content_hash`` of the
    decoded value.
    """
    return content_hash(decode(data))
