"""scifor's exceptions: one base class, one subclass per kind of mistake.

Every error scifor raises on purpose derives from :class:`SciforError`, so a caller can
catch them all at once; each subclass also derives from the matching built-in
(``ValueError`` or ``TypeError``). Errors raised by *your* function inside
:func:`scifor.for_each` are not wrapped: they are recorded (or re-raised unchanged when
``on_error="raise"``).

Each class carries a stable ``identifier`` of the form ``scistack:scifor:<reason>``, the
naming scheme the rest of SciStack uses for error identifiers, and :class:`SciforError`
derives from SciStack's root :class:`~scistack_engine.errors.ScistackError` (a module of
the standard library only: scifor still needs nothing but pandas).
"""

from __future__ import annotations

from scistack_engine.errors import ScistackError

__all__ = [
    "SciforError",
    "SchemaError",
    "InputError",
    "FilterError",
    "OutputError",
]


class SciforError(ScistackError):
    """Base class of every error raised by scifor itself."""

    identifier = "scistack:scifor:error"


class SchemaError(SciforError, ValueError):
    """The schema is missing, malformed, or does not name a key that was used."""

    identifier = "scistack:scifor:schema"


class InputError(SciforError, ValueError):
    """An input (DataFrame, ``Fixed``, ``Merge``, ``Select``) or iterable is unusable."""

    identifier = "scistack:scifor:input"


class FilterError(SciforError, ValueError):
    """A ``where=`` filter cannot be applied to the inputs."""

    identifier = "scistack:scifor:filter"


class OutputError(SciforError, ValueError):
    """What the function returned does not fit ``output_names`` or ``distribute``."""

    identifier = "scistack:scifor:output"
