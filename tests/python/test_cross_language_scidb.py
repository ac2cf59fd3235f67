"""One database for both languages: scidb in Python and the MATLAB toolbox in GNU Octave.

The module fixture builds the exchange in a temporary folder:

1. Python writes ``python_wrote.duckdb`` with :mod:`scidb`: one ``TypedValue`` record per
   case of ``FROM_PYTHON`` (at ``subject=0, session=<case>``), inputs for for_each
   (``RawEMG``, ``Side``, ``Speed`` tables, ``Counted``), and runs the Python for_each
   calls that Octave will mirror (outputs ``...ByPython``);
2. it writes the case lists ``octave_cases.txt`` and ``python_cases.txt`` (name, tab, an
   Octave expression);
3. Octave runs ``tests/matlab/test_scidb_cross_language.m`` with ``SCISTACK_CROSS_DIR``
   set to the folder: it saves every ``FROM_OCTAVE`` expression into
   ``octave_wrote.duckdb``, loads every ``FROM_PYTHON`` case and compares it with the
   expression of what the mapping table of ``docs/data-model.md`` says Octave gets, and
   runs the same for_each calls as Python over ``python_wrote.duckdb`` (outputs
   ``...ByOctave``).

The tests here then read ``octave_wrote.duckdb`` with scidb (values as the mapping table
says), and compare the two languages' for_each results: the same records (metadata and
content hash) and the same run log (combinations, statuses, reasons, options).
"""

from __future__ import annotations

import json
import math
import pathlib
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from octave_support import ensure_bridge, run_octave, same
from scidb import Fixed, Merge, Sql, close, configure_database, for_each
from scidb.foreach import build_spec
from scidb.variable import variable_class
from scistack_engine.foreach_options import settle_options
from scistack_engine.gateway.scidb import matlab_options, normalize_spec

octave = pytest.mark.octave

#: name -> (Octave expression saved by Octave, the Python value scidb must load)
FROM_OCTAVE: dict[str, tuple[str, Any]] = {
    "double_scalar": ("1.5", 1.5),
    "double_nan": ("NaN", math.nan),
    "double_column": ("[1; 2.5; -3]", np.array([1.0, 2.5, -3.0])),
    "double_row": ("[1 2 3]", np.array([[1.0, 2.0, 3.0]])),
    "double_matrix": ("[1 2 3; 4 5 6]", np.array([[1.0, 2, 3], [4, 5, 6]])),
    "double_empty": ("[]", np.zeros((0, 0))),
    "int32_3d": ("reshape(int32(0:23), [2 3 4])",
                 np.arange(24, dtype=np.int32).reshape((2, 3, 4), order="F")),
    "int16_scalar": ("int16(-12)", np.int16(-12)),
    "single_scalar": ("single(0.5)", np.float32(0.5)),
    "uint64_max": ("intmax('uint64')", np.uint64(2**64 - 1)),
    "uint8_row": ("uint8([0 128 255])", np.array([[0, 128, 255]], dtype=np.uint8)),
    "true": ("true", True),
    "logical_column": ("[true; false]", np.array([True, False])),
    "complex_scalar": ("complex(1.5, -2)", complex(1.5, -2.0)),
    "complex_column": ("[1 + 2i; -3.5i]", np.array([1 + 2j, -3.5j])),
    "text": ("'pre'", "pre"),
    "text_unicode": ("native2unicode(uint8([194 181 86]), 'UTF-8')", "\u00b5V"),
    "char_matrix": ("['ab'; 'cd']", np.array([["a", "b"], ["c", "d"]], dtype="<U1")),
    "cell_row": ("{1, 'a'}", np.array([[1.0, "a"]], dtype=object)),
    "cell_column": ("{1; 'a'; []}", np.array([1.0, "a", np.zeros((0, 0))], dtype=object)),
    "struct": ("struct('subject', 1, 'session', 'pre')", {"subject": 1.0, "session": "pre"}),
    "struct_nested": ("struct('inner', struct('x', [1; 2]), 'tags', {{'a', 'b'}})",
                      {"inner": {"x": np.array([1.0, 2.0])},
                       "tags": np.array([["a", "b"]], dtype=object)}),
    "struct_array": ("struct('a', {1, 2})", np.array([[{"a": 1.0}, {"a": 2.0}]], dtype=object)),
}

#: name -> (Python value saved by scidb, Octave expression of what Octave must load)
FROM_PYTHON: dict[str, tuple[Any, str]] = {
    "float": (1.5, "1.5"),
    "int": (7, "7"),
    "int_needs_int64": (2**53 + 1, "int64(9007199254740993)"),
    "bool": (True, "true"),
    "text": ("h\u00e9llo", "native2unicode(uint8([104 195 169 108 108 111]), 'UTF-8')"),
    "np_int16": (np.int16(-3), "int16(-3)"),
    "np_float32": (np.float32(0.5), "single(0.5)"),
    "vector": (np.arange(4.0), "[0; 1; 2; 3]"),
    "empty_vector": (np.zeros(0), "zeros(0, 1)"),
    "matrix": (np.arange(6.0).reshape(2, 3), "[0 1 2; 3 4 5]"),
    "int32_3d": (np.arange(24, dtype=np.int32).reshape(2, 3, 4),
                 "int32(permute(reshape(0:23, [4 3 2]), [3 2 1]))"),
    "bool_vector": (np.array([True, False]), "[true; false]"),
    "uint8_vector": (np.array([1, 2, 255], dtype=np.uint8), "uint8([1; 2; 255])"),
    "complex": (1 + 2j, "complex(1, 2)"),
    "list": ([1, "a"], "{1; 'a'}"),
    "dict": ({"a": 1.5, "b": "x"}, "struct('a', 1.5, 'b', 'x')"),
    "nested": ({"values": np.array([1.0, 2.0]), "tags": ["p", "q"]},
               "struct('values', [1; 2], 'tags', {{'p'; 'q'}})"),
    "none": (None, "[]"),
    "frame": (pd.DataFrame({"x": [1.0, 2.0], "label": ["a", "b"]}),
              "struct('x', [1; 2], 'label', {{'a'; 'b'}})"),
}

#: for_each runs made in both languages: output suffix -> how they were called
RUNS = ["Doubled", "Filtered", "SumLeft", "Delta", "Counted"]




def fail_on_two(x):
    if x == 2:
        raise ValueError("the value 2 is not accepted")
    return x + 1


def write_python_database(path: pathlib.Path) -> None:
    """The Python half: typed values, for_each inputs, and the runs Octave mirrors."""
    TypedValue, RawEMG, Side, Speed, Counted = (
        variable_class(n) for n in ("TypedValue", "RawEMG", "Side", "Speed", "Counted"))
    db = configure_database(path, ["subject", "session"])
    try:
        for name, (value, _) in FROM_PYTHON.items():
            TypedValue.save(value, subject=0, session=name)
        for subject in (1, 2, 3):
            for session in ("pre", "post"):
                if (subject, session) != (3, "post"):
                    RawEMG.save(np.arange(3.0) + 10 * subject + (session == "post"),
                                subject=subject, session=session)
                Side.save("left" if subject != 2 else "right", subject=subject, session=session)
            Speed.save(pd.DataFrame({"left": np.arange(4.0) * subject, "right": np.ones(4)}),
                       subject=subject, session="pre")
            Counted.save(float(subject), subject=subject, session="pre")
        out = {n: variable_class(n + "ByPython") for n in RUNS}
        everywhere = dict(subject=[1, 2, 3], session=["pre", "post"])
        for_each(lambda x: 2 * x, {"x": RawEMG}, [out["Doubled"]], **everywhere)
        for_each(lambda x: 2 * x, {"x": RawEMG}, [out["Filtered"]],
                 where=(Side == "left") | Sql("subject > 2"), **everywhere)
        for_each(lambda v: float(np.sum(v)), {"v": Speed["left"]}, [out["SumLeft"]],
                 subject=[1, 2, 3, 4], session="pre")
        for_each(lambda current, baseline: current - baseline,
                 {"current": RawEMG, "baseline": Fixed(RawEMG, session="pre")},
                 [out["Delta"]], subject=[], session="post")
        for_each(fail_on_two, {"x": Counted}, [out["Counted"]], subject=[1, 2, 3],
                 session="pre")
    finally:
        close(db)


@pytest.fixture(scope="module")
def exchange(tmp_path_factory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("cross_language")
    write_python_database(folder / "python_wrote.duckdb")
    (folder / "octave_cases.txt").write_text(
        "".join(f"{name}\t{expr}\n" for name, (expr, _) in FROM_OCTAVE.items()), encoding="utf-8")
    (folder / "python_cases.txt").write_text(
        "".join(f"{name}\t{expr}\n" for name, (_, expr) in FROM_PYTHON.items()), encoding="utf-8")
    ensure_bridge()
    code = ("addpath('toolbox'); cd('tests/matlab'); "
            "run_tests('test_scidb_cross_language', 'Exit', true);")
    result = run_octave(code, env={"SCISTACK_CROSS_DIR": str(folder)}, check=False)
    return {"folder": folder, "returncode": result.returncode,
            "output": result.stdout + result.stderr}


@octave
def test_octave_side_passes_without_skips(exchange):
    output = exchange["output"]
    assert exchange["returncode"] == 0, output
    summary = re.search(r"^(\d+) passed, (\d+) failed(.*)$", output, re.MULTILINE)
    assert summary, output
    assert summary.group(1) == "3" and summary.group(2) == "0", output
    assert "skipped" not in summary.group(3), output


@pytest.fixture(scope="module")
def octave_database(exchange):
    assert exchange["returncode"] == 0, exchange["output"]
    db = configure_database(exchange["folder"] / "octave_wrote.duckdb", ["subject", "session"],
                            read_only=True)
    yield db
    close(db)


@octave
@pytest.mark.parametrize("name", list(FROM_OCTAVE))
def test_python_loads_what_octave_saved(octave_database, name):
    loaded = variable_class("TypedValue").load(subject=0, session=name, db=octave_database)
    expected = FROM_OCTAVE[name][1]
    assert same(loaded.data, expected), f"{name}: loaded {loaded.data!r}, expected {expected!r}"
    assert loaded.metadata == {"subject": 0, "session": name}


@octave
def test_octave_saved_values_are_readable_in_sql(octave_database):
    rows = dict(octave_database.con.sql(
        "SELECT session, value FROM TypedValue WHERE session IN ('double_scalar', 'text')"
    ).fetchall())
    assert float(rows["double_scalar"]) == 1.5
    assert rows["text"] == "pre"


@pytest.fixture(scope="module")
def python_database(exchange):
    assert exchange["returncode"] == 0, exchange["output"]
    db = configure_database(exchange["folder"] / "python_wrote.duckdb", ["subject", "session"],
                            read_only=True)
    yield db
    close(db)


def records(db, variable: str):
    """(metadata, content hash, version) of every latest record of ``variable``."""
    frame_keys = ("subject", "session")
    found = sorted((tuple(v.metadata[k] for k in frame_keys), v.content_hash, v.version)
                   for v in variable_class(variable).load_all(db=db))
    return found


@octave
@pytest.mark.parametrize("run", RUNS)
def test_for_each_saves_the_same_records_from_both_languages(python_database, run):
    from_python = records(python_database, run + "ByPython")
    from_octave = records(python_database, run + "ByOctave")
    assert from_python, run
    assert from_octave == from_python


def run_log(db, output: str):
    """The run row and the combination rows of the run that saved ``output``."""
    runs = db.con.sql("SELECT run_id, language, options, status, n_combos, n_done, n_skipped, "
                      "n_failed, n_cached FROM _runs").fetchall()
    for run_id, language, options, *counts in runs:
        if json.loads(options)["outputs"] == [output]:
            combos = db.con.sql(
                "SELECT combo, metadata, status, reason FROM _run_combos WHERE run_id = ? "
                "ORDER BY combo", params=[run_id]).fetchall()
            return language, json.loads(options), counts, combos
    raise AssertionError(f"no run saved {output}")


@octave
@pytest.mark.parametrize("run", RUNS)
def test_for_each_logs_the_same_run_from_both_languages(python_database, run):
    py_language, py_options, py_counts, py_combos = run_log(python_database, run + "ByPython")
    m_language, m_options, m_counts, m_combos = run_log(python_database, run + "ByOctave")
    assert (py_language, m_language) == ("python", "matlab")
    assert m_counts == py_counts
    for key in ("iterables", "as_table", "batch_size"):
        assert m_options[key] == py_options[key], key
    assert [(c, m, s) for c, m, s, _ in m_combos] == [(c, m, s) for c, m, s, _ in py_combos]
    for (_, _, status, m_reason), (_, _, _, py_reason) in zip(m_combos, py_combos):
        if status == "failed":  # each language words its own exception
            assert "the value 2 is not accepted" in m_reason and py_reason
        else:
            assert m_reason == py_reason


# ------------------------------------------------------------------ the spec, without Octave


def test_a_matlab_spec_normalises_to_the_spec_python_builds():
    """What MATLAB sends (doubles, row vectors, object arrays, '' for none) becomes the
    spec Python's scidb.for_each builds for the same call."""
    RawEMG, Side = variable_class("RawEMG"), variable_class("Side")
    objects = lambda *items: np.array(list(items), dtype=object)  # noqa: E731
    from_matlab = {
        "function": "bandpass_filter",
        "inputs": objects(
            {"kind": "variable", "variable": "RawEMG", "fixed": {}, "columns": ""},
            {"kind": "variable", "variable": "RawEMG", "fixed": {"session": "pre"},
             "columns": "left"},
            {"kind": "merge", "parts": objects(
                {"kind": "variable", "variable": "RawEMG", "fixed": {}, "columns": ""},
                {"kind": "variable", "variable": "Side", "fixed": {},
                 "columns": objects("a", "b")})},
            {"kind": "constant", "value": 20.0},
        ),
        "input_names": objects("signal", "baseline", "both", "low_hz"),
        "input_form": "",
        "outputs": np.array([["FilteredEMG"]], dtype=object),
        "iterables": {"subject": np.array([[1.0, 2.0, 3.0]]), "session": objects("pre", "post"),
                      "trial": np.zeros((0, 0)), "site": "lab"},
    }
    options = {"where": {"op": "or", "args": objects(
                   {"op": "cmp", "variable": "Side", "column": "", "cmp": "==",
                    "value": "left"},
                   {"op": "sql", "sql": "subject > 2"})},
               "as_table": False, "batch_size": 500.0, "on_error": "raise"}
    from_python = build_spec(
        lambda signal, baseline, both, low_hz: None,
        {"signal": RawEMG, "baseline": Fixed(RawEMG["left"], session="pre"),
         "both": Merge(RawEMG, Side[["a", "b"]]), "low_hz": 20},
        [variable_class("FilteredEMG")],
        {"subject": [1, 2, 3], "session": ["pre", "post"], "trial": [], "site": "lab"},
        settle_options({"where": ((Side == "left") | Sql("subject > 2")).to_spec(),
                        "as_table": False, "batch_size": 500, "on_error": "raise"},
                       lineage=True))
    normalised = normalize_spec(from_matlab, matlab_options(options, lineage=True))
    from_python["function"] = "bandpass_filter"
    from_python["inputs"]["low_hz"]["value"] = 20.0  # MATLAB numbers are doubles
    assert normalised == from_python
