"""The SQL view of each variable type (issue 3, design §4): readable from any DuckDB client."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

import scidb
from scidb import BaseVariable


class MaxActivation(BaseVariable):
    pass


class FilteredEMG(BaseVariable):
    pass


class StepTable(BaseVariable):
    pass


class Label(BaseVariable):
    pass


class Flag(BaseVariable):
    pass


class Count(BaseVariable):
    pass


def _types(con, view: str) -> dict:
    return {row[0]: row[1] for row in con.execute(f'DESCRIBE "{view}"').fetchall()}


def _views(con) -> set:
    return {row[0] for row in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}


def _product_example(db):
    for subject, base, post in [(1, 0.82, 1.47), (2, 0.91, 1.38), (3, 0.76, 1.22)]:
        MaxActivation.save(base, subject=subject, session="baseline")
        MaxActivation.save(post, subject=subject, session="post")


def test_each_variable_has_a_view_named_after_it(scidb_db):
    MaxActivation.save(1.0, subject=1, session="pre")
    FilteredEMG.save(np.ones(3), subject=1, session="pre")
    assert {"MaxActivation", "FilteredEMG"} <= _views(scidb_db.con)


def test_product_description_query_returns_the_table_with_typed_columns(scidb_db):
    _product_example(scidb_db)
    rows = scidb_db.con.execute("SELECT subject, session, value FROM MaxActivation").fetchall()
    assert rows == [(1, "baseline", 0.82), (1, "post", 1.47), (2, "baseline", 0.91),
                    (2, "post", 1.38), (3, "baseline", 0.76), (3, "post", 1.22)]
    types = _types(scidb_db.con, "MaxActivation")
    assert types["subject"] == "BIGINT"
    assert types["session"] == "VARCHAR"
    assert types["value"] == "DOUBLE"


def test_view_shows_only_the_latest_version(scidb_db):
    MaxActivation.save(1.0, subject=1, session="pre")
    MaxActivation.save(2.0, subject=1, session="pre")
    MaxActivation.save(5.0, subject=2, session="pre")
    MaxActivation.save(3.0, subject=1, session="pre")
    rows = scidb_db.con.execute(
        "SELECT subject, value, version FROM MaxActivation ORDER BY subject").fetchall()
    assert rows == [(1, 3.0, 3), (2, 5.0, 1)]


def test_view_sql_filters_and_aggregates(scidb_db):
    _product_example(scidb_db)
    mean = scidb_db.con.execute(
        "SELECT avg(value) FROM MaxActivation WHERE session = 'post' AND subject >= 2").fetchall()
    assert mean[0][0] == pytest.approx((1.38 + 1.22) / 2)


def test_arrays_are_double_lists_in_c_order(scidb_db):
    FilteredEMG.save(np.array([1.0, 2.5, -3.0]), subject=1, session="pre")
    FilteredEMG.save(np.arange(6.0).reshape(2, 3), subject=2, session="pre")
    assert _types(scidb_db.con, "FilteredEMG")["value"] == "DOUBLE[]"
    rows = scidb_db.con.execute(
        "SELECT subject, value FROM FilteredEMG ORDER BY subject"
    ).fetchall()
    assert rows == [(1, [1.0, 2.5, -3.0]), (2, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0])]
    n = scidb_db.con.execute("SELECT len(value) FROM FilteredEMG WHERE subject = 1").fetchall()
    assert n == [(3,)]


@pytest.mark.parametrize(
    "variable, values, sql_type, expected",
    [
        (Count, [3, np.int16(4)], "BIGINT", [3, 4]),
        (Flag, [True, np.bool_(False)], "BOOLEAN", [True, False]),
        (Label, ["left", "right"], "VARCHAR", ["left", "right"]),
        (MaxActivation, [1.5, np.float32(2.5)], "DOUBLE", [1.5, 2.5]),
        (MaxActivation, [1, 2.5], "DOUBLE", [1.0, 2.5]),
    ],
    ids=["int", "bool", "text", "float", "int-and-float"],
)
def test_scalar_values_have_native_sql_types(scidb_db, variable, values, sql_type, expected):
    for subject, value in enumerate(values, start=1):
        variable.save(value, subject=subject, session="pre")
    name = variable.__name__
    assert _types(scidb_db.con, name)["value"] == sql_type
    assert [
        r[0]
        for r in scidb_db.con.execute(f'SELECT value FROM "{name}" ORDER BY subject').fetchall()
    ] == expected


def test_metadata_key_types_are_sql_types(scidb_db):
    for key in ("speed", "ok", "trial"):
        scidb_db.add_schema_key(key)
    MaxActivation.save(1.0, subject=1, session="pre", speed=1.25, ok=True, trial=2)
    types = _types(scidb_db.con, "MaxActivation")
    assert (types["subject"], types["session"]) == ("BIGINT", "VARCHAR")
    assert (types["speed"], types["ok"], types["trial"]) == ("DOUBLE", "BOOLEAN", "BIGINT")
    rows = scidb_db.con.execute(
        "SELECT subject, session, speed, ok, trial, value FROM MaxActivation"
    ).fetchall()
    assert rows == [(1, "pre", 1.25, True, 2, 1.0)]


def test_an_added_schema_key_is_a_view_column_and_missing_values_are_null(scidb_db):
    scidb_db.add_schema_key("trial")
    MaxActivation.save(1.0, subject=1, session="pre", trial=1)
    MaxActivation.save(2.0, subject=1, session="pre", trial=2)
    MaxActivation.save(3.0, subject=2)
    rows = scidb_db.con.execute(
        "SELECT subject, session, trial, value FROM MaxActivation ORDER BY value").fetchall()
    assert rows == [(1, "pre", 1, 1.0), (1, "pre", 2, 2.0), (2, None, None, 3.0)]


def test_a_key_holding_numbers_and_text_is_a_text_column(scidb_db):
    MaxActivation.save(1.0, subject=1, session="pre")
    MaxActivation.save(2.0, subject="S02", session="pre")
    rows = scidb_db.con.execute(
        "SELECT subject, value FROM MaxActivation ORDER BY value"
    ).fetchall()
    assert rows == [("1", 1.0), ("S02", 2.0)]


def test_dataframe_variables_expand_to_their_columns(scidb_db):
    StepTable.save(pd.DataFrame({"step": [1, 2, 3], "length": [0.61, 0.63, 0.59],
                                 "side": ["L", "R", "L"]}), subject=1, session="pre")
    StepTable.save(pd.DataFrame({"step": [1, 2], "length": [0.7, 0.72], "side": ["R", "L"]}),
                   subject=2, session="pre")
    types = _types(scidb_db.con, "StepTable")
    assert list(types)[:5] == ["subject", "session", "step", "length", "side"]
    assert "value" not in types
    assert (types["step"], types["length"], types["side"]) == ("BIGINT", "DOUBLE", "VARCHAR")
    rows = scidb_db.con.execute(
        "SELECT subject, step, length, side FROM StepTable ORDER BY subject, step").fetchall()
    assert rows == [(1, 1, 0.61, "L"), (1, 2, 0.63, "R"), (1, 3, 0.59, "L"),
                    (2, 1, 0.7, "R"), (2, 2, 0.72, "L")]


def test_dataframe_view_shows_only_the_latest_version_rows(scidb_db):
    StepTable.save(pd.DataFrame({"step": [1, 2, 3]}), subject=1, session="pre")
    StepTable.save(pd.DataFrame({"step": [7]}), subject=1, session="pre")
    assert scidb_db.con.execute("SELECT step, version FROM StepTable").fetchall() == [(7, 2)]


def test_dataframe_view_gains_new_columns_from_later_frames(scidb_db):
    StepTable.save(pd.DataFrame({"a": [1.0]}), subject=1, session="pre")
    StepTable.save(pd.DataFrame({"a": [2.0], "b": ["x"]}), subject=2, session="pre")
    rows = scidb_db.con.execute("SELECT subject, a, b FROM StepTable ORDER BY subject").fetchall()
    assert rows == [(1, 1.0, None), (2, 2.0, "x")]


def test_dataframe_with_a_column_named_like_a_schema_key(scidb_db):
    frame = pd.DataFrame({"subject": [9, 9], "x": [1.0, 2.0]})
    StepTable.save(frame, subject=1, session="pre")
    rows = scidb_db.con.execute("SELECT subject, session, x FROM StepTable").fetchall()
    assert rows == [(1, "pre", 1.0), (1, "pre", 2.0)]
    pd.testing.assert_frame_equal(StepTable.load(subject=1, session="pre").data, frame)


@pytest.mark.parametrize(
    "first, second, shown",
    [
        ([1, 2], [1.5], [1.0, 2.0, 1.5]),
        ([1.5], [2, 3], [1.5, 2.0, 3.0]),
        ([1, 2], ["x"], ["1", "2", "x"]),
        (["x"], [7], ["x", "7"]),
        ([2**62 + 1], [0.5], None),
    ],
    ids=[
        "int-then-float",
        "float-then-int",
        "int-then-text",
        "text-then-int",
        "big-int-then-float",
    ],
)
def test_dataframe_view_never_changes_values_when_a_column_type_changes(
    scidb_db, first, second, shown
):
    StepTable.save(pd.DataFrame({"x": first}), subject=1, session="pre")
    StepTable.save(pd.DataFrame({"x": second}), subject=2, session="pre")
    values = [
        x for (x,) in scidb_db.con.execute("SELECT x FROM StepTable ORDER BY subject").fetchall()
    ]
    if shown is None:  # no exact common number type: every value as it was, as text
        assert [str(v) for v in values] == [str(v) for v in first + second]
    else:
        assert values == shown


def test_dataframe_view_keeps_columns_that_differ_only_in_case(scidb_db):
    # SQL names ignore case, so the second column is shown as a_2
    StepTable.save(pd.DataFrame({"A": [1], "a": [2]}), subject=1, session="pre")
    frame = scidb_db.con.execute("SELECT * FROM StepTable").df()
    assert frame.iloc[0]["A"] == 1 and frame.iloc[0]["a_2"] == 2


def test_dataframe_view_keeps_user_columns_named_like_internal_ones(scidb_db):
    StepTable.save(pd.DataFrame({"_row": [10, 20], "y": [1.0, 2.0]}), subject=1, session="pre")
    frame = scidb_db.con.execute("SELECT * FROM StepTable").df()
    assert frame["_row"].tolist() == [10, 20]
    assert frame["y"].tolist() == [1.0, 2.0]


def test_a_variable_mixing_kinds_shows_text_values(scidb_db):
    Label.save("left", subject=1, session="pre")
    Label.save(2.5, subject=2, session="pre")
    rows = scidb_db.con.execute("SELECT subject, value FROM Label ORDER BY subject").fetchall()
    assert rows == [(1, "left"), (2, "2.5")]
    # every record still loads exactly
    assert Label.load(subject=2, session="pre").data == 2.5


def test_variable_names_differing_only_in_case_do_not_share_a_view(scidb_db):
    class Speed(BaseVariable):
        pass

    class speed(BaseVariable):
        pass

    Speed.save(1.5, subject=1, session="pre")
    try:
        speed.save("fast", subject=1, session="pre")
    except scidb.ScistackError as err:
        assert "Speed" in str(err)
        assert scidb_db.con.execute('SELECT value FROM "Speed"').fetchall() == [(1.5,)]
        assert scidb_db.con.execute("SELECT count(*) FROM _records").fetchall() == [(1,)]
        return
    assert scidb_db.con.execute('SELECT value FROM "Speed"').fetchall() == [(1.5,)]
    assert scidb_db.con.execute('SELECT value FROM "speed"').fetchall() == [("fast",)]


def test_views_are_readable_from_a_separate_read_only_connection_after_close(scidb_db, scidb_path):
    """The DuckDB CLI / DBeaver case: another client opens the file read-only."""
    _product_example(scidb_db)
    FilteredEMG.save(np.arange(3.0), subject=1, session="post")
    StepTable.save(pd.DataFrame({"step": [1, 2]}), subject=1, session="post")
    scidb.close()
    con = duckdb.connect(str(scidb_path), read_only=True)
    try:
        rows = con.execute("SELECT subject, session, value FROM MaxActivation").fetchall()
        assert rows[:2] == [(1, "baseline", 0.82), (1, "post", 1.47)] and len(rows) == 6
        assert con.execute("SELECT value FROM FilteredEMG").fetchall() == [([0.0, 1.0, 2.0],)]
        assert con.execute("SELECT step FROM StepTable ORDER BY step").fetchall() == [(1,), (2,)]
    finally:
        con.close()


def test_views_stay_current_after_reopening_and_saving_more(scidb_db, scidb_path):
    MaxActivation.save(1.0, subject=1, session="pre")
    scidb.close()
    scidb.configure_database(scidb_path, ["subject", "session"])
    MaxActivation.save(2.0, subject=1, session="pre")
    MaxActivation.save("text now", subject=2, session="pre")
    con = scidb.get_database().con
    assert con.execute("SELECT subject, value FROM MaxActivation ORDER BY subject").fetchall() == [
        (1, "2.0"), (2, "text now")]


def test_the_dataframe_view_of_a_mixed_frame_is_readable(scidb_db):
    from test_codec import mixed_frame

    StepTable.save(mixed_frame(), subject=1, session="pre")
    frame = scidb_db.con.execute("SELECT * FROM StepTable").df()
    assert len(frame) == 3
    assert frame["subject"].tolist() == [1, 1, 1]  # the key, not the frame's own column
    assert frame["score"].tolist()[::2] == [0.5, 1.5]
    assert frame["ok"].tolist() == [True, False, True]
    assert frame["cat"].tolist()[::2] == ["lo", "hi"]
    assert frame["count"].tolist()[::2] == [1, 3]
