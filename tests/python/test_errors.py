"""The exception hierarchy: one root, every engine error reachable from errors.py."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys

import scifor.errors
import scistack_engine
from scistack_engine import errors

#: One area word per part of SciStack (see the errors module's docstring).
AREAS = {"value", "metadata", "db", "lineage", "foreach", "gateway", "scifor", "cli"}


def _engine_error_classes():
    for info in pkgutil.walk_packages(scistack_engine.__path__, "scistack_engine."):
        if info.name.endswith("setup_support"):
            continue  # a stand-alone script run under any Python (scistack:setup:*)
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, errors.ScistackError) and cls.__module__ == module.__name__:
                yield cls


def test_every_engine_error_is_listed_in_errors():
    found = set(_engine_error_classes())
    assert found, "no engine error classes found"
    for cls in found:
        assert getattr(errors, cls.__name__) is cls, f"{cls.__qualname__} is not in errors.py"
        assert cls.__name__ in errors.__all__


def test_identifiers_have_one_area_word_per_part():
    classes = {getattr(errors, name) for name in errors.__all__}
    classes = {c for c in classes if issubclass(c, errors.ScistackError)}
    classes |= {c for _, c in inspect.getmembers(scifor.errors, inspect.isclass)
                if issubclass(c, errors.ScistackError)}
    for cls in classes - {errors.ScistackError}:
        match = re.fullmatch(r"scistack:(\w+):\w+", cls.identifier)
        assert match and match.group(1) in AREAS, (cls.__name__, cls.identifier)
        assert cls.identifier in errors.__doc__ or cls.__module__ == "scifor.errors"


def test_scifor_shares_the_root():
    assert issubclass(scifor.errors.SciforError, errors.ScistackError)


def test_an_interrupted_run_is_listed_too():
    assert issubclass(errors.ForEachInterrupted, KeyboardInterrupt)


def test_the_root_module_imports_nothing_heavy():
    code = ("import sys, scistack_engine.errors; "
            "print(sorted(m for m in ('duckdb', 'numpy', 'pandas', 'pyarrow') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
