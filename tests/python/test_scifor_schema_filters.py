"""scifor: the schema, the metadata value rule, and where= filters on their own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scifor
from scifor import Col, FilterError, SchemaError, SciforError, get_schema, set_schema
from scifor.filters import split_conjuncts
from scifor.schema import key_value


@pytest.fixture(autouse=True)
def _restore_schema():
    saved = get_schema()
    yield
    set_schema(saved)


# ---- schema ------------------------------------------------------------------------------


def test_set_and_get_schema_round_trip():
    set_schema(["subject", "session"])
    assert get_schema() == ["subject", "session"]


def test_get_schema_returns_a_copy():
    set_schema(["subject"])
    get_schema().append("other")
    assert get_schema() == ["subject"]


def test_single_string_is_a_one_key_schema():
    set_schema("subject")
    assert get_schema() == ["subject"]


def test_empty_list_clears_schema():
    set_schema(["subject"])
    set_schema([])
    assert get_schema() == []


@pytest.mark.parametrize(
    "keys, fragment",
    [
        (["subject", "subject"], "twice"),
        (["where"], "clashes"),
        (["progress"], "clashes"),
        (["not an identifier"], "identifier"),
        ([3], "identifier"),
    ],
)
def test_bad_schema_is_rejected_with_reason(keys, fragment):
    set_schema(["kept"])
    with pytest.raises(SchemaError, match=fragment):
        set_schema(keys)
    assert get_schema() == ["kept"]  # unchanged on error


def test_errors_share_one_base_and_builtin():
    with pytest.raises(SciforError):
        set_schema(["a", "a"])
    with pytest.raises(ValueError):
        set_schema(["a", "a"])
    assert SchemaError.identifier.startswith("scistack:scifor:")


# ---- metadata value rule ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 1.0, np.int64(1), np.int32(1), np.float64(1.0), np.uint8(1)])
def test_numbers_match_by_value(value):
    assert key_value(value) == 1
    assert hash(key_value(value)) == hash(1)
    assert type(key_value(value)) is int


def test_text_does_not_match_numbers():
    assert key_value("1") != key_value(1)
    assert key_value(np.str_("pre")) == "pre"
    assert type(key_value(np.str_("pre"))) is str


def test_non_integral_float_stays_float():
    assert key_value(np.float32(0.5)) == 0.5
    assert key_value(2.5) == 2.5


def test_datetime64_becomes_timestamp():
    assert key_value(np.datetime64("2024-01-02")) == pd.Timestamp("2024-01-02")


# ---- filters -------------------------------------------------------------------------------

FRAME = pd.DataFrame(
    {
        "x": [1, 2, 3, 4, 5],
        "label": ["a", "b", "a", "c", None],
        "score": [0.5, np.nan, 2.5, 3.5, 4.5],
    }
)


@pytest.mark.parametrize(
    "flt, expected",
    [
        (Col("x") > 3, [False, False, False, True, True]),
        (Col("x") >= 3, [False, False, True, True, True]),
        (Col("x") < 3, [True, True, False, False, False]),
        (Col("x") <= 3, [True, True, True, False, False]),
        (Col("x") == 3, [False, False, True, False, False]),
        (Col("x") != 3, [True, True, False, True, True]),
        (3 < Col("x"), [False, False, False, True, True]),  # reflected
        (Col("label").isin(["a", "c"]), [True, False, True, True, False]),
        (Col("score").isna(), [False, True, False, False, False]),
        (Col("score").notna(), [True, False, True, True, True]),
    ],
)
def test_comparisons(flt, expected):
    assert flt.mask(FRAME).tolist() == expected


def test_and_or_not():
    both = (Col("x") > 1) & (Col("label") == "a")
    either = (Col("x") == 1) | (Col("label") == "c")
    negated = ~(Col("label") == "a")
    assert both.mask(FRAME).tolist() == [False, False, True, False, False]
    assert either.mask(FRAME).tolist() == [True, False, False, True, False]
    assert negated.mask(FRAME).tolist() == [False, True, False, True, True]


def test_missing_values_fail_comparisons():
    assert (Col("score") > 0).mask(FRAME).tolist() == [True, False, True, True, True]
    nullable = pd.DataFrame({"v": pd.array([1, None, 3], dtype="Int64")})
    assert (Col("v") > 0).mask(nullable).tolist() == [True, False, True]


def test_columns_are_collected():
    flt = ((Col("x") > 1) | Col("label").isin(["a"])) & ~(Col("score") == 1)
    assert flt.columns() == frozenset({"x", "label", "score"})


def test_split_conjuncts_only_at_top_level_and():
    a, b, c = Col("a") == 1, Col("b") == 2, Col("c") == 3
    assert len(split_conjuncts((a & b) & c)) == 3
    assert len(split_conjuncts(a | (b & c))) == 1
    assert len(split_conjuncts(~(a & b))) == 1


def test_python_and_or_and_chained_comparisons_are_refused():
    with pytest.raises(TypeError, match="& | ~"):
        (Col("x") > 1) and (Col("x") < 3)  # noqa: B015
    with pytest.raises(TypeError, match="no truth value"):
        1 < Col("x") < 3  # noqa: B015


def test_combining_with_non_filter_explains():
    with pytest.raises(TypeError, match="parentheses"):
        (Col("x") > 1) & True


def test_isin_needs_a_list():
    with pytest.raises(TypeError, match=r"\.isin\(\['a'\]\)"):
        Col("label").isin("a")


def test_type_mismatch_in_comparison_is_a_filter_error():
    with pytest.raises(FilterError, match="label"):
        (Col("label") > 3).mask(FRAME.dropna())


def test_repr_is_readable():
    assert repr((Col("x") > 3) & Col("y").isin([1])) == "((Col('x') > 3) & Col('y').isin([1]))"


def test_public_api_is_declared():
    for name in scifor.__all__:
        assert hasattr(scifor, name)
    assert {"set_schema", "get_schema", "for_each", "Fixed", "Merge", "Select", "Col"} <= set(
        scifor.__all__
    )
