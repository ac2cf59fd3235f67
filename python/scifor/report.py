"""The run report: what ran, what was skipped and why, what failed and how.

:class:`RunLog` collects one record per skipped or failed combination while
:func:`scifor.for_each` runs, writes each to the ``scifor`` logger, and finally attaches
the records to the result DataFrame's ``attrs``:

* ``attrs["skipped"]``: list of ``{"combo": {key: value, ...}, "reason": str}``;
* ``attrs["errors"]``: list of ``{"combo": {...}, "stage": "inputs" | "function" |
  "outputs", "error_type": str, "message": str, "traceback": str}``;
* ``attrs["summary"]``: ``{"function": str, "combos": int, "ran": int, "skipped": int,
  "errors": int, "dry_run": bool}``.

Records hold only plain values (text, numbers), so they survive pandas copying ``attrs``.
``pandas.DataFrame(result.attrs["errors"])`` turns them into a table. This module does not
decide what to skip; :mod:`scifor.loop` does.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["RunLog", "describe_combo"]

logger = logging.getLogger("scifor")


def describe_combo(combo: Mapping[str, Any]) -> str:
    """Render a combination as ``subject=1, session='pre'`` for messages."""
    if not combo:
        return "the single run (no iterables)"
    return ", ".join(f"{key}={value!r}" for key, value in combo.items())


def _plain(value: Any) -> Any:
    """Turn NumPy scalars into Python scalars so records stay plain."""
    item = getattr(value, "item", None)
    if item is not None and getattr(value, "ndim", None) == 0:
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


class RunLog:
    """Collects and logs the outcome of each combination of one ``for_each`` call.

    Parameters
    ----------
    function_name : str
        Name of the function being run, used in log messages.
    dry_run : bool
        Whether this is a dry run (recorded in the summary; skips are logged the same way).
    """

    def __init__(self, function_name: str, dry_run: bool = False) -> None:
        self.function_name = function_name
        self.dry_run = dry_run
        self.combos = 0
        self.ran = 0
        self.skipped: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []

    def _combo(self, combo: Mapping[str, Any]) -> dict[str, Any]:
        return {key: _plain(value) for key, value in combo.items()}

    def record_run(self) -> None:
        """Count a combination that ran (or would run, in a dry run)."""
        self.ran += 1

    def record_skip(self, combo: Mapping[str, Any], reason: str) -> None:
        """Record and log a combination skipped for lack of data."""
        self.skipped.append({"combo": self._combo(combo), "reason": reason})
        verb = "would skip" if self.dry_run else "skipped"
        logger.info(
            "for_each(%s) %s %s: %s", self.function_name, verb, describe_combo(combo), reason
        )

    def record_error(self, combo: Mapping[str, Any], stage: str, error: BaseException) -> None:
        """Record and log an error raised while preparing inputs, calling, or collecting.

        Parameters
        ----------
        combo : mapping
            The combination's key values.
        stage : {"inputs", "function", "outputs"}
            Where the error happened.
        error : BaseException
            The exception raised.
        """
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        self.record_error_text(combo, stage, type(error).__name__, str(error), text)

    def record_error_text(
        self, combo: Mapping[str, Any], stage: str, error_type: str, message: str,
        trace: str,
    ) -> None:
        """Record and log an error given as text (for errors raised outside Python).

        Parameters
        ----------
        combo : mapping
            The combination's key values.
        stage : {"inputs", "function", "outputs"}
            Where the error happened.
        error_type : str
            The kind of error (a Python class name, a MATLAB error identifier, ...).
        message : str
            The error message.
        trace : str
            The stack, as text (may be empty).
        """
        self.errors.append(
            {
                "combo": self._combo(combo),
                "stage": stage,
                "error_type": error_type,
                "message": message,
                "traceback": trace,
            }
        )
        where = {"inputs": "preparing inputs", "function": "calling the function",
                 "outputs": "collecting outputs"}.get(stage, stage)
        logger.error(
            "for_each(%s) failed for %s while %s: %s: %s",
            self.function_name,
            describe_combo(combo),
            where,
            error_type,
            message,
        )
        if trace:
            logger.debug("Traceback for %s:\n%s", describe_combo(combo), trace)

    def summary(self) -> dict[str, Any]:
        """Counts of this run as a plain dictionary."""
        return {
            "function": self.function_name,
            "combos": self.combos,
            "ran": self.ran,
            "skipped": len(self.skipped),
            "errors": len(self.errors),
            "dry_run": self.dry_run,
        }

    def finish(self, result: pd.DataFrame) -> pd.DataFrame:
        """Log the summary and attach the records to ``result.attrs``; return *result*."""
        summary = self.summary()
        verb = "would run" if self.dry_run else "ran"
        logger.info(
            "for_each(%s): %d combination(s), %s %d, skipped %d, errors %d",
            self.function_name,
            summary["combos"],
            verb,
            summary["ran"],
            summary["skipped"],
            summary["errors"],
        )
        if self.errors and not self.dry_run:
            logger.warning(
                "for_each(%s): %d combination(s) failed; see result.attrs['errors'].",
                self.function_name,
                len(self.errors),
            )
        result.attrs["skipped"] = self.skipped
        result.attrs["errors"] = self.errors
        result.attrs["summary"] = summary
        return result
