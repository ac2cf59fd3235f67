"""MATLAB values are stored byte for byte as they always were: golden stored bytes and hashes.

GNU Octave, with MATLAB's classes emulated (tests/matlab/matlab_semantics), saves every
case of ``CASES`` through ``scidb.BaseVariable.save``, the path every MATLAB value takes
to the database. The stored wire bytes and the content hash of each record must equal
the ones recorded in ``tests/fixtures/matlab_stored.json`` (written by the toolbox's own
encoder before the MATLAB request profile existed): however the toolbox and the engine
share the work of encoding (docs/data-model.md section 2.7), a change to what is stored
for any MATLAB-only class, struct array, cell, char matrix or containers.Map fails here.
``REFUSED`` are values that must be refused with ``scistack:value:unsupported``.

Record the fixture again only for a deliberate format change:
``python tests/python/test_matlab_stored_bytes.py --record``.
"""

from __future__ import annotations

import json
import pathlib
import re
import sys
import tempfile

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from octave_support import ROOT, run_octave  # noqa: E402
from scistack_engine.store import Database  # noqa: E402

pytestmark = pytest.mark.octave

FIXTURE = ROOT / "tests" / "fixtures" / "matlab_stored.json"

#: Octave statements run first: a datetime from integer nanoseconds.
PRELUDE = ("dt = @(ticks, varargin) datetime(int64(ticks), 'ConvertFrom', 'epochtime', "
           "'Epoch', '1970-01-01', 'TicksPerSecond', 1e9, varargin{:}); "
           "mu = native2unicode(uint8([194 181 86]), 'UTF-8');")

#: name -> Octave statements that leave the value in ``v``
CASES: dict[str, str] = {
    "string_scalar": "v = string('pre');",
    "string_missing": "v = string(missing);",
    "string_empty_text": "v = string('');",
    "string_unicode": "v = string(mu);",
    "string_matrix": "v = string({'a', 'bc'; '', mu}); v(2, 2) = missing;",
    "string_column": "v = string({'x'; 'y'; 'z'});",
    "string_row": "v = string({'x', 'y'});",
    "categorical_column": "v = categorical([1; 2; 3; 1], [1 2], {'lo', 'hi'}, 'Ordinal', true);",
    "categorical_row": "v = categorical([2 1], [1 2], {'a', mu});",
    "categorical_scalar": "v = categorical(1, 1, {'only'});",
    "datetime_scalar": "v = dt(1709296200123456789);",
    "datetime_scalar_zoned": "v = dt(1709292600123456789, 'TimeZone', 'Europe/Berlin');",
    "datetime_nat": "v = dt(intmin('int64'));",
    "datetime_column": "v = dt([0; 10^18; intmin('int64'); -5]);",
    "datetime_row": "v = dt([1 2 3]);",
    "table_mixed": (
        "s = string({'a'; 'b'; 'c'}); s(2) = missing; "
        "v = table([1; 2.5; -3], [true; false; true], s, "
        "categorical([1; 3; 2], [1 2], {'p', 'q'}), dt([0; 1; intmin('int64')]), "
        "{1; 'x'; [1 2]}, int32([3; 4; 5]), uint8([1; 2; 3]), "
        "'VariableNames', {'num', 'flag', 'label', 'level', 'when', 'misc', 'count', 'b'});"),
    "table_row_names": (
        "v = table([1; 2], 'VariableNames', {'x'}, 'DimensionNames', {'trial', 'Variables'}); "
        "v.Properties.RowNames = {'a'; 'b'};"),
    "table_one_row": ("v = table(5, {'x'}, string('s'), true, "
                      "'VariableNames', {'n', 'c', 's', 'f'});"),
    "table_unicode_names": ("v = table(string({mu; 'b'}), 'VariableNames', {'name'}); "
                            "v.Properties.RowNames = {mu; 'r2'};"),
    "struct_array": "v = struct('a', {1, 2; 3, 4}, 'b', {'x', 'y'; 'z', 'w'});",
    "struct_array_row": "v = struct('a', {1, 'two', [3 4]});",
    "struct_array_column": "v = struct('a', {1; 2; 3});",
    "struct_array_nested": ("v = struct('x', {'p', struct('y', {1, 2})}, "
                            "'t', {dt(1), string('q')});"),
    "struct_array_empty": "v = repmat(struct('a', 1), 0, 3);",
    "struct_array_3d": "v = repmat(struct('k', 7), [1 2 2]); v(1, 2, 2).k = 8;",
    "struct_with_classes": "v = struct('t', dt(5), 's', string({'q', 'r'}), 'c', {{string('z')}});",
    "cell_matrix": "v = {1, 'a'; [2 3], {}};",
    "cell_of_strings": "v = {string('a'), dt(7), categorical(1, 1, {'c'})};",
    "map_text_keys": "v = containers.Map({'a b', 'c'}, {1, string('x')});",
    "char_matrix": "v = ['ab'; 'cd'];",
    "char_empty_row": "v = char(zeros(1, 0));",
}

#: name -> Octave statements leaving in ``v`` a value that must be refused
REFUSED: dict[str, str] = {
    "timetable": "v = timetable();",
    "utc_leap_seconds": "v = dt(0, 'TimeZone', 'UTC'); v.TimeZone = 'UTCLeapSeconds';",
    "table_two_column_variable": "v = table([1 2; 3 4], 'VariableNames', {'xy'});",
    "table_complex_variable": "v = table([1 + 2i; 3], 'VariableNames', {'z'});",
    "table_char_variable": "v = table(['a'; 'b'], 'VariableNames', {'c'});",
    "table_struct_variable": "v = table(struct('q', {1; 2}), 'VariableNames', {'s'});",
}


def _saved(folder: pathlib.Path) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """Save every case from Octave; (name -> (stored bytes in hex, content hash)) and
    (refused name -> error identifier)."""
    file = folder / "stored.duckdb"
    lines = ["addpath('toolbox'); addpath('tests/matlab/matlab_semantics'); "
             "addpath('tests/matlab/helpers_scidb'); scistack.setup();",
             f"db = scidb.configure_database('{file}', {{'subject', 'session'}});", PRELUDE]
    for name, code in CASES.items():
        lines.append(f"{code} id = RawEMG().save(v, 'subject', 1, 'session', '{name}'); "
                     f"printf('{name}=%s\\n', id);")
    for name, code in REFUSED.items():
        lines.append(f"try, {code} RawEMG().save(v, 'subject', 2, 'session', '{name}'); "
                     f"printf('{name}!saved\\n'); catch err, "
                     f"printf('{name}!%s\\n', err.identifier); end")
    lines.append("db.close();")
    out = run_octave("\n".join(lines)).stdout
    ids = dict(re.findall(r"^(\w+)=(\S+)$", out, re.MULTILINE))
    refused = dict(re.findall(r"^(\w+)!(\S+)$", out, re.MULTILINE))
    db = Database(str(file), None)
    try:
        infos = {name: db.record_by_id(rid) for name, rid in ids.items()}
        wires = db.fetch_wires([i for i in infos.values() if i is not None])
        stored = {name: (wires[i.record_id].hex(), i.content_hash)
                  for name, i in infos.items() if i is not None}
    finally:
        db.close()
    return stored, refused


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    return _saved(tmp_path_factory.mktemp("matlab_stored"))


@pytest.fixture(scope="module")
def golden() -> dict[str, list[str]]:
    return json.loads(FIXTURE.read_text())


@pytest.mark.parametrize("name", list(CASES))
def test_stored_bytes_and_hash_are_unchanged(saved, golden, name):
    stored, _ = saved
    assert name in stored, f"{name} was not saved"
    wire, content_hash = stored[name]
    expected_wire, expected_hash = golden[name]
    assert wire == expected_wire, f"{name}: stored bytes changed"
    assert content_hash == expected_hash, f"{name}: content hash changed"


@pytest.mark.parametrize("name", list(REFUSED))
def test_values_without_a_stored_form_are_refused(saved, name):
    _, refused = saved
    assert refused.get(name) == "scistack:value:unsupported"


if __name__ == "__main__" and sys.argv[1:] == ["--record"]:
    with tempfile.TemporaryDirectory() as where:
        recorded, refusals = _saved(pathlib.Path(where))
    assert set(recorded) == set(CASES), sorted(set(CASES) - set(recorded))
    assert all(v == "scistack:value:unsupported" for v in refusals.values()), refusals
    FIXTURE.write_text(json.dumps({k: list(v) for k, v in recorded.items()}, indent=1) + "\n")
    print(f"wrote {FIXTURE} ({len(recorded)} values)")
