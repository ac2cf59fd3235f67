"""scifor.for_each properties checked on generated data (hypothesis)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scifor import for_each, get_schema, set_schema

SUBJECTS = [1, 2, 3, 4]
SESSIONS = ["a", "b", "c"]
ALL_PAIRS = list(itertools.product(SUBJECTS, SESSIONS))


@pytest.fixture(autouse=True)
def _schema():
    saved = get_schema()
    set_schema(["subject", "session", "trial"])
    yield
    set_schema(saved)


def build_frame(present: dict[tuple[int, str], int], key_dtype: str) -> pd.DataFrame:
    """Rows: for each present pair, `count` trials with value = 10*subject + trial."""
    rows = [
        {"subject": s, "session": se, "trial": t, "value": 10 * s + t}
        for (s, se), count in present.items()
        for t in range(1, count + 1)
    ]
    frame = pd.DataFrame(rows, columns=["subject", "session", "trial", "value"])
    frame["subject"] = frame["subject"].astype(key_dtype)
    return frame


present_st = st.dictionaries(
    st.sampled_from(ALL_PAIRS), st.integers(min_value=1, max_value=4), max_size=len(ALL_PAIRS)
)


@settings(max_examples=60, deadline=None)
@given(
    present=present_st,
    subjects=st.lists(st.sampled_from(SUBJECTS + [9]), min_size=1, max_size=5, unique=True),
    sessions=st.lists(st.sampled_from(SESSIONS), min_size=1, max_size=3, unique=True),
    key_dtype=st.sampled_from(["int64", "float64", "int32"]),
    as_float=st.booleans(),
)
def test_one_row_per_combination_with_data(present, subjects, sessions, key_dtype, as_float):
    frame = build_frame(present, key_dtype)
    wanted = [float(s) for s in subjects] if as_float else subjects
    result = for_each(
        lambda t: int(t["value"].sum()), inputs={"t": frame},
        subject=wanted, session=sessions, progress=False,
    )
    combos = list(itertools.product(subjects, sessions))
    with_data = [c for c in combos if c in present]
    assert len(result) == len(with_data)
    assert len(result.attrs["skipped"]) == len(combos) - len(with_data)
    assert result.attrs["errors"] == []
    # each row holds the sum over exactly that combination's rows, in product order
    expected = [sum(10 * s + t for t in range(1, present[(s, se)] + 1)) for s, se in with_data]
    assert result["result"].tolist() == expected
    assert [(int(s), se) for s, se in zip(result["subject"], result["session"])] == with_data


@settings(max_examples=40, deadline=None)
@given(present=present_st.filter(bool))
def test_empty_list_expands_to_the_values_present(present):
    frame = build_frame(present, "int64")
    plan = for_each(lambda t: 0, inputs={"t": frame}, subject=[], session=[], dry_run=True)
    subjects = sorted({s for s, _ in present})
    sessions = sorted({se for _, se in present})
    assert plan["subject"].drop_duplicates().tolist() == subjects
    assert plan["session"].drop_duplicates().tolist() == sessions
    assert len(plan) == len(subjects) * len(sessions)
    assert (plan["status"] == "run").sum() == len(present)


@settings(max_examples=40, deadline=None)
@given(present=present_st)
def test_distribute_gives_one_row_per_item(present):
    frame = build_frame(present, "int64")
    result = for_each(
        lambda t: t["value"].to_numpy(), inputs={"t": frame}, distribute=True,
        subject=SUBJECTS, session=SESSIONS, progress=False,
    )
    assert len(result) == sum(present.values())
    assert np.array_equal(
        result.sort_values(["subject", "session", "trial"])["result"].to_numpy(dtype=int),
        frame.sort_values(["subject", "session", "trial"])["value"].to_numpy(dtype=int),
    )
