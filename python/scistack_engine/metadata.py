"""Metadata: the experimental address of a record, its keys, values and canonical form.

A record is addressed by its variable and a set of metadata pairs (``subject=1,
session="pre"``). Keys are identifiers; the database's *schema keys* name the dimensions
of the experiment, and every key of a saved record is one of them (a record may leave some
out: a partial address, for aggregated results). Values are numbers, text or booleans.
This module validates keys and values, checks keys against the schema keys, normalises
values so that equal addresses have one form, and turns an address into its canonical JSON
text (the ``address`` column of the records table).

The rule for values (also in ``docs/storage.md``):

* numbers compare by value: ``1``, ``1.0``, ``np.int64(1)`` and MATLAB's ``1`` are the same
  value (stored as the integer ``1``); ``1.5`` stays ``1.5``;
* text is text: ``"1"`` is not the number ``1``;
* booleans are their own kind: ``True`` is not ``1``;
* ``None``, NaN, infinities, integers outside int64 and any other type are refused.
"""

from __future__ import annotations

import difflib
import json
import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from json.encoder import encode_basestring as _json_string
from typing import Any

import numpy as np

from .errors import MetadataError, ReservedMetadataKeyError, UnknownMetadataKeyError

__all__ = [
    "MetadataError",
    "ReservedMetadataKeyError",
    "UnknownMetadataKeyError",
    "RESERVED_KEYS",
    "validate_identifier",
    "check_schema_keys",
    "reserved_key_error",
    "normalize_value",
    "normalize_metadata",
    "normalize_column",
    "address_of",
    "addresses_of",
    "describe_metadata",
    "parse_address",
    "normalize_query",
    "is_many",
]

MetaValue = Any  # int | float | str | bool after normalisation

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")

#: Names that may not be metadata keys, with what each already means: the arguments of
#: the public calls and the columns every record and view already has.
_RESERVED = {
    "db": "names the database of a call (db=...)",
    "version": "selects a version on load (version=N)",
    **dict.fromkeys(("as_df", "version_id", "include_record_id"), "is an option of load_all"),
    **dict.fromkeys(("value", "record_id", "address", "variable", "kind", "content_hash",
                     "created_at", "payload", "shape", "lineage"),
                    "is a column of every record and view"),
    **dict.fromkeys(("data", "metadata"), "is an attribute of a loaded variable"),
    **dict.fromkeys(("where", "inputs", "outputs", "dry_run", "save", "force", "select"),
                    "is an option of for_each"),
}
RESERVED_KEYS = frozenset(_RESERVED)


#: Keys already validated in this process (validation runs once per saved record).
_valid_keys: set = set()


def validate_identifier(name: str, what: str) -> str:
    """Check that ``name`` can be a SQL column/view name; return it."""
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise MetadataError(
            f"invalid {what} {name!r}: use a letter followed by letters, digits or "
            "underscores (at most 63 characters)"
        )
    return name


def _validate_key(key: str) -> str:
    if key in _valid_keys:
        return key
    validate_identifier(key, "metadata key")
    if key.lower() in RESERVED_KEYS:
        raise reserved_key_error(key)
    _valid_keys.add(key)
    return key


def reserved_key_error(key: str) -> ReservedMetadataKeyError:
    """The error for the reserved metadata key ``key`` (any letter case)."""
    return ReservedMetadataKeyError(
        f"metadata key {key!r} is reserved: {key.lower()!r} {_RESERVED[key.lower()]}, so it "
        f"cannot name a dimension of the experiment; choose another name (reserved: "
        f"{', '.join(sorted(RESERVED_KEYS))})"
    )


def check_schema_keys(keys: Iterable[str], schema_keys: Sequence[str], context: str) -> None:
    """Raise :class:`UnknownMetadataKeyError` unless every key is a schema key.

    The message names ``context`` (what was asked: a save at an address, a for_each), the
    schema keys, the closest schema key to each unknown one, and how to add a new
    dimension. A reserved or malformed key gets its own error first. In a database with
    one schema key that is the concatenation of the unknown keys, the message explains
    GNU Octave's concatenation of double-quoted strings.
    """
    unknown = [key for key in keys if key not in schema_keys]
    if not unknown:
        return
    for key in unknown:
        try:
            _validate_key(key)
        except MetadataError as exc:
            raise type(exc)(f"{context}: {exc}") from None
    named = ", ".join(repr(k) for k in unknown)
    verb = "is not a schema key" if len(unknown) == 1 else "are not schema keys"
    message = f"{context}: {named} {verb} of this database (schema keys: {list(schema_keys)}). "
    closest = {key: difflib.get_close_matches(key, schema_keys, n=1) for key in unknown}
    if len(schema_keys) == 1 and len(unknown) > 1 and "".join(unknown) == schema_keys[0]:
        quoted = ", ".join(repr(k) for k in unknown)
        double_quoted = ", ".join(f'"{k}"' for k in unknown)
        message += (
            f"The database has the single schema key {schema_keys[0]!r}, the concatenation of "
            f"{quoted}: GNU Octave joins double-quoted strings, so [{double_quoted}] is the "
            f"one text {schema_keys[0]!r}. Write the schema keys as a cell array, "
            f"{{{quoted}}}, and create the database again (in a new file)."
        )
    elif any(closest.values()):
        message += " ".join(f"The closest schema key to {key!r} is {match[0]!r}."
                            for key, match in closest.items() if match) + " Check the spelling."
    else:
        message += (
            "Every key of a save or a for_each is a schema key (a record may leave some out). "
            "To add a new dimension to the experiment, add it to the database first: "
            f"db.add_schema_key({unknown[0]!r})."
        )
    raise UnknownMetadataKeyError(message)


def normalize_value(key: str, value: Any) -> MetaValue:
    """The canonical form of one metadata value (see the module docstring)."""
    kind = type(value)
    if kind is str:
        return _encodable(key, value)
    if kind is int and -(2**63) <= value < 2**63:
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        return _encodable(key, str(value))
    if isinstance(value, numbers.Integral):
        if not -(2**63) <= int(value) < 2**63:
            # the views type integer keys as BIGINT; a wider one would break them
            raise MetadataError(f"metadata {key}={value!r}: an integer must fit in 64 bits")
        return int(value)
    if isinstance(value, numbers.Real):
        f = float(value)
        if not math.isfinite(f):
            raise MetadataError(f"metadata {key}={value!r}: the value must be finite")
        return int(f) if f.is_integer() and abs(f) < 2**63 else f
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return normalize_value(key, value.item())
    raise MetadataError(
        f"metadata {key}={value!r}: a value must be a number, text or a boolean, "
        f"not {type(value).__name__}"
    )


def _encodable(key: str, text: str) -> str:
    """``text``, if UTF-8 can hold it (a lone surrogate it cannot)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MetadataError(
            f"metadata {key}={text!r}: the text holds a lone surrogate "
            f"{text[exc.start]!r} at position {exc.start}, which UTF-8 cannot store (text "
            "decoded with errors='surrogateescape'?); remove it or decode the text "
            "properly") from None
    return text


def normalize_metadata(metadata: Mapping[str, Any]) -> dict[str, MetaValue]:
    """Validated, normalised metadata of one record (every value a single value)."""
    if not metadata:
        raise MetadataError("a record needs at least one metadata key, e.g. subject=1")
    return {_validate_key(k): normalize_value(k, v) for k, v in metadata.items()}


def normalize_column(key: str, values: Any) -> list[MetaValue]:
    """The values of metadata ``key`` for many records (a NumPy array, a pandas Series
    or a list), normalised as :func:`normalize_value` normalises each; whole int, bool and
    finite float columns are converted at once."""
    _validate_key(key)
    array = values.to_numpy() if hasattr(values, "to_numpy") else values
    if isinstance(array, np.ndarray) and array.ndim == 1 and len(array):
        kind = array.dtype.kind
        if kind == "b" or kind == "i" or (kind == "u" and int(array.max()) < 2**63):
            return array.tolist()
        if kind == "f" and bool(np.isfinite(array).all()):
            whole = (array == np.floor(array)) & (np.abs(array) < 2**63)
            if bool(whole.all()):
                return array.astype(np.int64).tolist()
            if not bool(whole.any()):
                return array.astype(np.float64).tolist()
    items = values.tolist() if hasattr(values, "tolist") else list(values)
    if items and set(map(type, items)) == {int} and -(2**63) <= min(items) and max(items) < 2**63:
        return items  # Python ints within 64 bits are their own canonical form
    return [normalize_value(key, v) for v in items]


def addresses_of(columns: Mapping[str, Sequence[MetaValue]]) -> list[str]:
    """The canonical address of each record of normalised metadata columns (equal
    lengths, each record has every key): ``address_of`` of each row, built by column."""
    keys = sorted(columns)
    # one %-format per record: a column of ints fills its "%s" itself (str of an int is
    # its JSON text), any other column is turned into JSON texts first
    template = "{" + ",".join(_json_string(key).replace("%", "%%") + ":%s" for key in keys) + "}"
    texts = [values if set(map(type, values)) == {int} else list(map(_json_text, values))
             for values in (columns[key] for key in keys)]
    return [template % row for row in zip(*texts)]


def _json_text(value: MetaValue) -> str:
    """JSON text of one normalised metadata value."""
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is str:
        return _json_string(value)
    return repr(value)  # int, or a finite float: JSON's own spelling


def address_of(metadata: Mapping[str, MetaValue]) -> str:
    """Canonical JSON text of normalised metadata: keys sorted, no spaces.

    Equal to ``json.dumps(metadata, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)``, written out because it runs once per saved record.
    """
    return "{" + ",".join(_json_string(key) + ":" + _json_text(metadata[key])
                          for key in sorted(metadata)) + "}"


def describe_metadata(metadata: Mapping[str, Any]) -> str:
    """Metadata as users write it in a call: ``subject=1, session='pre'``."""
    return ", ".join(f"{k}={v!r}" for k, v in metadata.items())


def parse_address(address: str) -> dict[str, MetaValue]:
    return json.loads(address)


def normalize_query(metadata: Mapping[str, Any]) -> dict[str, tuple[MetaValue, ...]]:
    """Metadata of a query: each key maps to the tuple of values it may take.

    A list, tuple, range or array value means "any of these"; a single value means itself.
    """
    out: dict[str, tuple[MetaValue, ...]] = {}
    for key, value in metadata.items():
        _validate_key(key)
        if is_many(value):
            options = tuple(normalize_value(key, v) for v in _iterate(value))
            if not options:
                raise MetadataError(f"metadata {key}=[] matches nothing; give at least one value")
        else:
            options = (normalize_value(key, value),)
        out[key] = options
    return out


def is_many(value: Any) -> bool:
    """True for a query value that stands for several values ("any of these")."""
    return isinstance(value, (list, tuple, range, set, frozenset, np.ndarray)) and not (
        isinstance(value, np.ndarray) and value.ndim == 0)


def _iterate(value: Iterable[Any]) -> list[Any]:
    return list(value.tolist() if isinstance(value, np.ndarray) else value)
