"""The column-wise paths of the in-process index and of view shapes give what the
record-by-record paths give: ``VariableIndex.extend`` with ``key_columns`` and
``ViewShape.of_columns``."""

from __future__ import annotations

import pytest

from scistack_engine.index import RecordInfo, VariableIndex
from scistack_engine.metadata import address_of
from scistack_engine.views import ViewShape

SCHEMA = ("subject", "trial")


def _records(columns: dict[str, list], version: int = 1, kind: str = "float",
             cache_key: str | None = None) -> list[RecordInfo]:
    rows = [dict(zip(columns, row)) for row in zip(*columns.values())]
    return [RecordInfo(f"r{version}-{position}", "V", address_of(row), row, version,
                       f"h{position}", kind, cache_key if position % 2 else None)
            for position, row in enumerate(rows)]


def _state(index: VariableIndex) -> tuple:
    entries = {address: (entry.metadata, [v.record_id for v in entry.versions])
               for address, entry in index.addresses.items()}
    postings = {key: {pair: set(hits) for pair, hits in by_value.items()}
                for key, by_value in index._postings.items()}
    cached = {key: [v.record_id for v in infos] for key, infos in index.by_cache_key.items()}
    return (entries, list(index.addresses), index.kinds, index.key_types, postings, cached,
            len(index))


# booleans, integers, floats and text that compare or hash alike stay apart
MIXED = {"subject": [1, True, 1.0, "1", 2, 2, False, 0],
         "trial": [0, 0, 0, 0, 1, 2, 3, 3]}
SCALARS = {"subject": [n // 10 for n in range(100)], "trial": [n % 10 for n in range(100)]}
# each column of one type other than int (the records are at distinct addresses)
TYPED = {"subject": ["a", "b", "a", "c", "b", "c"],
         "trial": [True, True, False, True, False, False]}


@pytest.mark.parametrize("columns", [MIXED, SCALARS, TYPED, {"subject": [], "trial": []}],
                         ids=["mixed", "scalars", "typed", "empty"])
def test_extend_by_columns_matches_record_by_record(columns):
    by_row, by_column = VariableIndex("V", SCHEMA), VariableIndex("V", SCHEMA)
    infos = _records(columns, cache_key="k")
    by_row.extend(infos)
    by_column.extend(infos, columns)
    assert _state(by_column) == _state(by_row)
    assert [e.address for e in by_column.find({})] == [e.address for e in by_row.find({})]


def test_extend_by_columns_adds_versions_at_known_addresses():
    """Half the addresses already have a version: they get a second one, the others join
    the postings."""
    first = {key: column[::2] for key, column in SCALARS.items()}
    by_row, by_column = VariableIndex("V", SCHEMA), VariableIndex("V", SCHEMA)
    for index in (by_row, by_column):
        index.extend(_records(first, kind="int"))
    second = _records(SCALARS, version=2, kind="float", cache_key="k2")
    by_row.extend(second)
    by_column.extend(second, SCALARS)
    assert _state(by_column) == _state(by_row)
    assert by_column.find({"subject": [3], "trial": [1]})[0].latest.version == 2
    assert by_column.find({"subject": [3], "trial": [0]})[0].latest.version == 2
    assert by_column.kinds == {"int": 50, "float": 100}


@pytest.mark.parametrize("columns", [MIXED, SCALARS, {"subject": [], "trial": []}],
                         ids=["mixed", "scalars", "empty"])
def test_shape_of_columns_matches_shape_of_records(columns):
    infos = _records(columns, kind="int")
    expected = ViewShape.of_records("V", infos)
    got = ViewShape.of_columns("V", "int", columns)
    assert got.key_types == expected.key_types
    assert got.kinds == {"int"}
    assert expected.kinds == ({"int"} if infos else set())


def test_shape_include_unites_kinds_and_key_types():
    shape = ViewShape("V", {"int"}, {"subject": {"int"}})
    shape.include(ViewShape("V", {"float"}, {"subject": {"str"}, "trial": {"int"}}))
    assert shape.kinds == {"int", "float"}
    assert shape.key_types == {"subject": {"int", "str"}, "trial": {"int"}}
