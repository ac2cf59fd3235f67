"""SciStack's exception hierarchy: one root class, one subclass per kind of failure.

Every error SciStack raises on purpose derives from :class:`ScistackError`, so callers can
catch them all at once; ``scifor``'s :class:`~scifor.errors.SciforError` derives from it
too. Each class also carries a stable ``identifier`` of the form
``scistack:<area>:<reason>``, the same string the MATLAB toolbox uses for its error
identifiers, so one failure has one name in both languages. The area names the part of
SciStack that raises it, one word per part:

=======================================  ===========================================
``scistack:error``                       :class:`ScistackError` (the root)
``scistack:value:unsupported``           :class:`UnsupportedValueError` (codec)
``scistack:value:badEncoding``           :class:`WireFormatError` (codec)
``scistack:value:notRepresentable``      :class:`NotRepresentableError` (gateway.profile)
``scistack:metadata:invalid``            :class:`MetadataError` (metadata)
``scistack:metadata:reservedKey``        :class:`ReservedMetadataKeyError`
``scistack:metadata:unknownKey``         :class:`UnknownMetadataKeyError`
``scistack:db:error``                    :class:`DatabaseError` (storage)
``scistack:db:locked``                   :class:`DatabaseLockedError`
``scistack:db:notADatabase``             :class:`NotADatabaseError`
``scistack:db:damaged``                  :class:`DatabaseDamagedError`
``scistack:db:diskFull``                 :class:`DiskFullError`
``scistack:db:io``                       :class:`DatabaseIOError`
``scistack:db:schemaMismatch``           :class:`SchemaMismatchError`
``scistack:db:readOnly``                 :class:`ReadOnlyError`
``scistack:db:notConfigured``            :class:`NotConfiguredError` (session)
``scistack:db:notFound``                 :class:`NotFoundError` (selection)
``scistack:db:unknownVariable``          :class:`UnknownVariableError`
``scistack:lineage:error``               :class:`LineageError` (lineage, cache)
``scistack:lineage:unfingerprintable``   :class:`FingerprintError`
``scistack:lineage:unhashableArgument``  :class:`UnhashableArgumentError`
``scistack:lineage:outputCount``         :class:`OutputCountError`
``scistack:lineage:badOption``           :class:`LineageOptionError`
``scistack:lineage:badRecord``           :class:`LineageFormatError`
``scistack:foreach:badSpec``             :class:`PlanError` (planner)
``scistack:foreach:badOption``           :class:`ForEachOptionError` (foreach_options)
``scistack:foreach:badInputs``           :class:`ForEachInputsError` (gateway.scidb)
``scistack:foreach:badFilter``           :class:`FilterOptionError`
``scistack:foreach:badExecutor``         :class:`ExecutorOptionError`
``scistack:foreach:outputCount``         ``OutputsError`` (execution)
``scistack:foreach:unknownRun``          ``RunStateError`` (the gateway's run protocol)
``scistack:foreach:unsendable``          :class:`UnsendableFunctionError` (executors)
``scistack:foreach:workerStart``         :class:`WorkerStartError`
``scistack:foreach:remoteError``         :class:`RemoteError`
``scistack:foreach:slurm``               :class:`SlurmError`
``scistack:gateway:badRequest``          :class:`GatewayError` (MATLAB gateway; a few
                                         requests name their own ``gateway`` reason)
``scistack:scifor:*``                    ``scifor.errors`` (schema, input, filter, output)
``scistack:cli:badUsage``                :class:`CommandLineError` (the ``scistack`` command)
=======================================  ===========================================

Warnings follow the same rule: every warning SciStack issues on purpose derives from
:class:`ScistackWarning` and carries its ``identifier``, which the gateway sends with
its reply and the toolbox raises with MATLAB's ``warning(identifier, message)`` (so
``warning('off', identifier)`` silences it there):

=======================================  ===========================================
``scistack:warning``                     :class:`ScistackWarning` (the root)
``scistack:db:tornWriteAheadLog``        :class:`WriteAheadLogWarning` (connection)
``scistack:db:closedUnfolded``           :class:`UnfoldedCloseWarning` (store)
``scistack:db:variableRedefined``        :class:`VariableNameWarning` (``scidb``)
=======================================  ===========================================

Any other warning raised during a gateway operation reaches MATLAB as
``scistack:engine:<its class name>``.

The MATLAB toolbox adds its own areas for what it checks before calling the engine
(``scistack:arguments:*``, ``scistack:engine:*``, ``scistack:bridge:*``; the gateway
raises ``scistack:arguments:*`` too, as a :class:`GatewayError`, where it reads a MATLAB
call's arguments for the toolbox), and
``scistack.setup`` reports ``scistack:setup:*`` from ``setup_support``, a script that runs
under any Python and so depends on nothing of the engine.

This module imports nothing beyond the standard library, so any front (``scifor``
included) can import it cheaply. The for_each errors (:class:`PlanError`, ``OutputsError``,
``RunStateError``, and ``ForEachInterrupted``, a ``KeyboardInterrupt`` that says how much
of a run was kept) are defined beside the modules that raise them and re-exported here
on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "ScistackError",
    "UnsupportedValueError",
    "WireFormatError",
    "NotRepresentableError",
    "MetadataError",
    "ReservedMetadataKeyError",
    "UnknownMetadataKeyError",
    "DatabaseError",
    "DatabaseLockedError",
    "NotADatabaseError",
    "DatabaseDamagedError",
    "DiskFullError",
    "DatabaseIOError",
    "SchemaMismatchError",
    "ReadOnlyError",
    "NotConfiguredError",
    "NotFoundError",
    "UnknownVariableError",
    "LineageError",
    "FingerprintError",
    "UnhashableArgumentError",
    "OutputCountError",
    "LineageOptionError",
    "LineageFormatError",
    "UnsendableFunctionError",
    "WorkerStartError",
    "RemoteError",
    "SlurmError",
    "ForEachOptionError",
    "ForEachInputsError",
    "FilterOptionError",
    "ExecutorOptionError",
    "GatewayError",
    "CommandLineError",
    "ScistackWarning",
    "WriteAheadLogWarning",
    "UnfoldedCloseWarning",
    "VariableNameWarning",
    "ForEachFailedWarning",
    "NoProvenanceWarning",
    # defined beside the for_each modules, see __getattr__
    "PlanError",  # noqa: F822
    "OutputsError",  # noqa: F822
    "RunStateError",  # noqa: F822
    "ForEachInterrupted",  # noqa: F822
]


class ScistackError(Exception):
    """Base class of every error raised by SciStack."""

    identifier = "scistack:error"


# --------------------------------------------------------------------------- value model


class UnsupportedValueError(ScistackError, TypeError):
    """A value lies outside the value model (see ``docs/data-model.md``)."""

    identifier = "scistack:value:unsupported"


class WireFormatError(ScistackError, ValueError):
    """Bytes that do not decode as a value of the wire encoding."""

    identifier = "scistack:value:badEncoding"


class NotRepresentableError(UnsupportedValueError):
    """A stored value that has no exact form in the MATLAB (or Octave) it is sent to."""

    identifier = "scistack:value:notRepresentable"


class MetadataError(ScistackError, ValueError):
    """Invalid metadata: a bad or reserved key, or a value that cannot address a record."""

    identifier = "scistack:metadata:invalid"


class ReservedMetadataKeyError(MetadataError):
    """A metadata key that SciStack already uses for something else (``db``, ``value``, ...)."""

    identifier = "scistack:metadata:reservedKey"


class UnknownMetadataKeyError(MetadataError):
    """A key given to a save or a for_each that is not one of the database's schema keys."""

    identifier = "scistack:metadata:unknownKey"


# --------------------------------------------------------------------------- storage


class DatabaseError(ScistackError):
    """A database cannot be opened or used as asked."""

    identifier = "scistack:db:error"


class DatabaseLockedError(DatabaseError):
    """The file is open for writing in another process, or through another database object of this one."""  # noqa: E501

    identifier = "scistack:db:locked"


class NotADatabaseError(DatabaseError):
    """The file is not a SciStack DuckDB database, or is damaged."""

    identifier = "scistack:db:notADatabase"


class DatabaseDamagedError(NotADatabaseError):
    """The file is damaged: truncated, or a block fails its checksum (restore a copy)."""

    identifier = "scistack:db:damaged"


class DiskFullError(DatabaseError):
    """The disk holding the file is full: free space and call again (earlier data is kept).

    The database object recovers by itself once there is space again.
    """

    identifier = "scistack:db:diskFull"


class DatabaseIOError(DatabaseError):
    """The file cannot be reached: a missing folder, a read-only file system, no permission."""

    identifier = "scistack:db:io"


class SchemaMismatchError(DatabaseError):
    """The file was created with other schema keys."""

    identifier = "scistack:db:schemaMismatch"


class ReadOnlyError(DatabaseError):
    """A save to a database opened with ``read_only=True``."""

    identifier = "scistack:db:readOnly"


class NotConfiguredError(ScistackError, RuntimeError):
    """No database is configured in this process.

    Also raised for a MATLAB handle whose database was closed.
    """

    identifier = "scistack:db:notConfigured"


class NotFoundError(ScistackError, LookupError):
    """No record matches the metadata or version asked for."""

    identifier = "scistack:db:notFound"


class UnknownVariableError(NotFoundError):
    """The variable has no records in this file."""

    identifier = "scistack:db:unknownVariable"


# --------------------------------------------------------------------------- lineage


class LineageError(ScistackError):
    """Base class of lineage and caching errors."""

    identifier = "scistack:lineage:error"


class FingerprintError(LineageError, TypeError):
    """A function references something that cannot be fingerprinted (the message names it)."""

    identifier = "scistack:lineage:unfingerprintable"

    #: The reference that failed, as shown in the message (for example ``"global 'LOG'"``).
    reference: str | None = None


class UnhashableArgumentError(LineageError, TypeError):
    """An argument of a lineage-tracked call has no content hash; it would give no cache key."""

    identifier = "scistack:lineage:unhashableArgument"

    def __init__(self, message: str, *, function: str = "", parameter: str = "") -> None:
        super().__init__(message)
        self.function = function
        self.parameter = parameter


class OutputCountError(LineageError, ValueError):
    """A function declared several outputs but returned a different number of them."""

    identifier = "scistack:lineage:outputCount"


class LineageOptionError(LineageError, ValueError):
    """Contradictory or invalid options for a lineage-tracked function."""

    identifier = "scistack:lineage:badOption"


class LineageFormatError(LineageError, ValueError):
    """A lineage dict (for example from MATLAB) that is not a valid lineage record."""

    identifier = "scistack:lineage:badRecord"


# --------------------------------------------------------------------------- executors


class UnsendableFunctionError(ScistackError, TypeError):
    """A for_each function cannot be sent to worker processes."""

    identifier = "scistack:foreach:unsendable"


class WorkerStartError(ScistackError, RuntimeError):
    """A worker process of a parallel for_each could not be started."""

    identifier = "scistack:foreach:workerStart"


class RemoteError(ScistackError, RuntimeError):
    """An exception raised in a worker whose own type could not travel back."""

    identifier = "scistack:foreach:remoteError"


class SlurmError(ScistackError, RuntimeError):
    """SLURM refused a submission, or its commands are missing."""

    identifier = "scistack:foreach:slurm"


class ForEachOptionError(ScistackError, ValueError):
    """A for_each option is unknown or has a value it does not take."""

    identifier = "scistack:foreach:badOption"


class ForEachInputsError(ScistackError, ValueError):
    """A MATLAB for_each's inputs are not named as they must be: a cell of name/value
    pairs with valid names, or a variable group of variables alone."""

    identifier = "scistack:foreach:badInputs"


class FilterOptionError(ScistackError, TypeError):
    """A for_each ``where`` that is neither a filter nor SQL text."""

    identifier = "scistack:foreach:badFilter"


class ExecutorOptionError(ScistackError, TypeError):
    """A for_each ``executor`` that names no executor."""

    identifier = "scistack:foreach:badExecutor"


# --------------------------------------------------------------------------- gateway


class GatewayError(ScistackError):
    """A request the gateway cannot serve: malformed, or naming an unknown operation."""

    identifier = "scistack:gateway:badRequest"

    def __init__(self, message: str, identifier: str | None = None) -> None:
        super().__init__(message)
        if identifier is not None:
            self.identifier = identifier


# --------------------------------------------------------------------------- command line


class CommandLineError(ScistackError, ValueError):
    """A ``scistack`` command argument that cannot be understood (exit status 2)."""

    identifier = "scistack:cli:badUsage"


# --------------------------------------------------------------------------- warnings


class ScistackWarning(UserWarning):
    """Base class of every warning issued by SciStack."""

    identifier = "scistack:warning"


class WriteAheadLogWarning(ScistackWarning):
    """A database's write-ahead log ended inside a transaction, so DuckDB dropped its tail."""

    identifier = "scistack:db:tornWriteAheadLog"


class UnfoldedCloseWarning(ScistackWarning):
    """A database closed without folding its write-ahead log into the file (a last
    checkpoint failed); every commit is kept in the log and replayed on the next open."""

    identifier = "scistack:db:closedUnfolded"


class VariableNameWarning(ScistackWarning):
    """A variable type is defined under a name another module already defines.

    Both classes are the one variable of that name in the database; lookups by name
    return the class defined last.
    """

    identifier = "scistack:db:variableRedefined"


class ForEachFailedWarning(ScistackWarning):
    """A MATLAB for_each finished with failed combinations: the message is the run's notes
    (the first failures, how many more, where to read them)."""

    identifier = "scistack:foreach:failed"


class NoProvenanceWarning(ScistackWarning):
    """A MATLAB for_each without lineage saves its outputs without provenance: its function
    could not be fingerprinted (the message says why)."""

    identifier = "scistack:foreach:noProvenance"


# --------------------------------------------------------------------------- elsewhere

#: Errors defined beside the module that raises them, imported when first asked for here.
_DEFINED_IN = {"PlanError": "scistack_engine.planner",
               "OutputsError": "scistack_engine.execution",
               "RunStateError": "scistack_engine.gateway.runs",
               "ForEachInterrupted": "scistack_engine.batches"}


def __getattr__(name: str) -> Any:
    module = _DEFINED_IN.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
