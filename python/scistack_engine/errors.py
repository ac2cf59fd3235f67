"""SciStack's exception hierarchy: one base class, one subclass per kind of failure.

Every error SciStack raises derives from :class:`ScistackError`, so callers can catch them
all at once. Each also carries a stable ``identifier`` of the form
``scistack:<area>:<reason>``, the same string the MATLAB toolbox uses for its error
identifiers, so one failure has one name in both languages.
"""

from __future__ import annotations


class ScistackError(Exception):
    """Base class of every error raised by SciStack."""

    identifier = "scistack:error"


class UnsupportedValueError(ScistackError, TypeError):
    """A value lies outside the value model (see ``docs/data-model.md``)."""

    identifier = "scistack:value:unsupported"


class WireFormatError(ScistackError, ValueError):
    """Bytes that do not decode as a value of the wire encoding."""

    identifier = "scistack:value:badEncoding"
