"""scifor.for_each: each feature, with a test that fails if the feature breaks."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from scifor import (
    Col,
    FilterError,
    Fixed,
    InputError,
    Merge,
    OutputError,
    SchemaError,
    Select,
    for_each,
    get_schema,
    set_schema,
)


@pytest.fixture(autouse=True)
def _schema():
    saved = get_schema()
    set_schema(["subject", "session", "trial"])
    yield
    set_schema(saved)


def signals_df() -> pd.DataFrame:
    """One row per subject/session holding an array; subject 3 has no 'post'."""
    rows = []
    for subject in (1, 2, 3):
        for session in ("pre", "post"):
            if (subject, session) == (3, "post"):
                continue
            rows.append(
                {"subject": subject, "session": session, "signal": np.arange(4.0) + 10 * subject}
            )
    return pd.DataFrame(rows)


def trials_df() -> pd.DataFrame:
    """Trial-level scalars: subject x session x trial, value = 100*subject + 10*sess + trial."""
    rows = []
    for subject in (1, 2):
        for s_num, session in enumerate(("pre", "post")):
            for trial in (1, 2, 3):
                rows.append(
                    {
                        "subject": subject,
                        "session": session,
                        "trial": trial,
                        "value": 100 * subject + 10 * s_num + trial,
                        "quality": "good" if trial != 2 else "bad",
                    }
                )
    return pd.DataFrame(rows)


# ---- the product's example, exactly as written --------------------------------------------


def test_readme_example_runs_as_written():
    raw_df = signals_df()
    calls = []

    def bandpass_filter(signal, low_hz):
        calls.append((signal.copy(), low_hz))
        return signal - signal.mean()

    from scifor import for_each, set_schema

    set_schema(["subject", "session"])
    results = for_each(
        bandpass_filter,
        inputs={"signal": raw_df, "low_hz": 20},
        subject=[1, 2, 3],
        session=["pre", "post"],
    )
    assert list(results.columns) == ["subject", "session", "result"]
    assert results[["subject", "session"]].values.tolist() == [
        [1, "pre"], [1, "post"], [2, "pre"], [2, "post"], [3, "pre"],
    ]
    assert len(calls) == 5
    assert all(isinstance(sig, np.ndarray) and low == 20 for sig, low in calls)
    np.testing.assert_allclose(results["result"][0], np.arange(4.0) - 1.5)
    assert results.attrs["skipped"] == [
        {"combo": {"subject": 3, "session": "post"}, "reason": "input 'signal' has no rows"}
    ]
    assert results.attrs["errors"] == []
    assert results.attrs["summary"]["ran"] == 5


# ---- slicing and constants ------------------------------------------------------------------


def test_each_call_gets_its_own_rows():
    df = signals_df()
    seen = {}

    def record(signal):
        seen[float(signal[0])] = signal
        return float(signal.sum())

    result = for_each(record, inputs={"signal": df}, subject=[1, 2], session=["pre"])
    assert result["result"].tolist() == [46.0, 86.0]
    assert set(seen) == {10.0, 20.0}


def test_dataframe_without_an_iterated_key_is_not_filtered_on_it():
    per_subject = pd.DataFrame({"subject": [1, 2], "mass": [70.0, 80.0]})
    result = for_each(
        lambda signal, mass: float(signal[0]) + mass,
        inputs={"signal": signals_df(), "mass": per_subject},
        subject=[1, 2],
        session=["pre", "post"],
    )
    assert result["result"].tolist() == [80.0, 80.0, 100.0, 100.0]


def test_constants_are_passed_unchanged():
    marker = {"opaque": object()}
    arr = np.ones(3)
    got = []
    for_each(
        lambda signal, cfg, arr, n: got.append((cfg, arr, n)),
        inputs={"signal": signals_df(), "cfg": marker, "arr": arr, "n": 5},
        subject=[1],
        session=["pre"],
    )
    assert got[0][0] is marker and got[0][1] is arr and got[0][2] == 5


def test_series_input_is_a_constant():
    series = pd.Series([1, 2, 3])
    result = for_each(lambda s: s is series, inputs={"s": series}, subject=[1, 2])
    assert result["result"].tolist() == [True, True]


def test_multi_row_slice_is_a_frame_without_the_iterated_keys():
    got = []
    for_each(lambda t: got.append(t), inputs={"t": trials_df()}, subject=[2], session=["post"])
    (frame,) = got
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["trial", "value", "quality"]
    assert frame["value"].tolist() == [211, 212, 213]
    assert list(frame.index) == [0, 1, 2]


def test_one_row_with_several_columns_is_a_frame():
    df = trials_df()
    got = []
    for_each(lambda t: got.append(t), inputs={"t": df}, subject=[1], session=["pre"], trial=[1])
    assert isinstance(got[0], pd.DataFrame) and list(got[0].columns) == ["value", "quality"]


def test_one_row_one_data_column_is_the_value():
    df = trials_df()[["subject", "session", "trial", "value"]]
    result = for_each(
        lambda t: t * 2, inputs={"t": df}, subject=[1], session=["pre"], trial=[1, 2]
    )
    assert result["result"].tolist() == [202, 204]


def test_remaining_lower_key_keeps_the_frame_even_with_one_row():
    # Only trial 1 exists for this subject, but the input still has a trial column:
    # the function gets a DataFrame, the same type as when there are several trials.
    df = pd.DataFrame({"subject": [1], "session": ["pre"], "trial": [1], "value": [3.0]})
    got = []
    for_each(lambda t: got.append(t), inputs={"t": df}, subject=[1], session=["pre"])
    assert isinstance(got[0], pd.DataFrame)


def test_metadata_equality_int_float_numpy():
    df = pd.DataFrame({"subject": [1.0, 2.0], "v": [10, 20]})
    result = for_each(lambda v: v, inputs={"v": df}, subject=[np.int64(1), 2])
    assert result["result"].tolist() == [10, 20]
    df_int = pd.DataFrame({"subject": np.array([1, 2], dtype=np.int32), "v": [10, 20]})
    result = for_each(lambda v: v, inputs={"v": df_int}, subject=[1.0, 2.0])
    assert result["result"].tolist() == [10, 20]


def test_text_key_does_not_match_number():
    df = pd.DataFrame({"subject": ["1", "2"], "v": [10, 20]})
    result = for_each(lambda v: v, inputs={"v": df}, subject=[1, 2])
    assert len(result) == 0
    assert len(result.attrs["skipped"]) == 2


def test_iteration_order_follows_the_keywords():
    result = for_each(
        lambda signal: 0, inputs={"signal": signals_df()}, session=["pre", "post"], subject=[1, 2]
    )
    assert list(result.columns[:2]) == ["session", "subject"]
    assert result[["session", "subject"]].values.tolist() == [
        ["pre", 1], ["pre", 2], ["post", 1], ["post", 2],
    ]


def test_none_means_every_value_like_an_empty_list():
    result = for_each(
        lambda signal: 0, inputs={"signal": signals_df()}, subject=None, session=["pre"]
    )
    assert result["subject"].tolist() == [1, 2, 3]


def test_single_value_and_range_and_array_iterables():
    df = signals_df()
    r1 = for_each(lambda signal: 0, inputs={"signal": df}, subject=2, session="pre")
    r2 = for_each(lambda signal: 0, inputs={"signal": df}, subject=range(1, 3), session=["pre"])
    r3 = for_each(
        lambda signal: 0, inputs={"signal": df}, subject=np.array([1, 2]), session=("pre",)
    )
    assert r1[["subject", "session"]].values.tolist() == [[2, "pre"]]
    assert r2["subject"].tolist() == [1, 2]
    assert r3["subject"].tolist() == [1, 2]


def test_duplicate_iterable_values_run_once():
    result = for_each(lambda signal: 0, inputs={"signal": signals_df()}, subject=[1, 1.0],
                      session=["pre"])
    assert len(result) == 1


def test_no_iterables_runs_once_on_everything():
    result = for_each(lambda signal: len(signal), inputs={"signal": signals_df()})
    assert result["result"].tolist() == [5]


# ---- [] expansion -----------------------------------------------------------------------------


def test_empty_list_means_every_value_present():
    result = for_each(
        lambda signal: 0, inputs={"signal": signals_df()}, subject=[], session=["pre"]
    )
    assert result["subject"].tolist() == [1, 2, 3]


def test_empty_list_values_are_sorted_and_unioned_across_inputs():
    a = pd.DataFrame({"subject": [3, 1], "x": [0, 0]})
    b = pd.DataFrame({"subject": [2.0, 1.0], "y": [0, 0]})
    plan = for_each(lambda a, b: 0, inputs={"a": a, "b": b}, subject=[], dry_run=True)
    assert plan["subject"].tolist() == [1, 2, 3]


def test_empty_list_respects_where():
    df = trials_df()
    result = for_each(
        lambda t: 0, inputs={"t": df}, where=Col("value") > 200, subject=[], session=["pre"]
    )
    assert result["subject"].tolist() == [2]


def test_empty_list_without_any_column_is_an_error():
    with pytest.raises(InputError, match="no DataFrame input has a 'trial' column"):
        for_each(lambda signal: 0, inputs={"signal": signals_df()}, trial=[])


def test_empty_list_ignores_pinned_inputs():
    base = pd.DataFrame({"subject": [1], "session": ["baseline"], "v": [1.0]})
    cur = pd.DataFrame({"subject": [1, 1], "session": ["post1", "post2"], "v": [2.0, 3.0]})
    result = for_each(
        lambda base, cur: cur - base,
        inputs={"base": Fixed(base, session="baseline"), "cur": cur},
        subject=[1],
        session=[],
    )
    assert result["session"].tolist() == ["post1", "post2"]
    assert result["result"].tolist() == [1.0, 2.0]


# ---- Fixed ----------------------------------------------------------------------------------


def test_fixed_pins_metadata_whatever_the_combination():
    df = trials_df()
    got = []

    def compare(baseline, current):
        got.append((baseline["value"].tolist(), current["value"].tolist()))
        return float(current["value"].mean() - baseline["value"].mean())

    result = for_each(
        compare,
        inputs={"baseline": Fixed(df, session="pre"), "current": df},
        subject=[1, 2],
        session=["post"],
    )
    assert got[0] == ([101, 102, 103], [111, 112, 113])
    assert result["result"].tolist() == [10.0, 10.0]


def test_fixed_pin_on_a_non_iterated_key():
    df = trials_df()
    result = for_each(
        lambda first: first["value"].item(),
        inputs={"first": Fixed(df, trial=1)},
        subject=[1, 2],
        session=["pre"],
    )
    assert result["result"].tolist() == [101, 201]


def test_fixed_pin_value_uses_the_equality_rule():
    df = trials_df()
    result = for_each(
        lambda t: len(t), inputs={"t": Fixed(df, trial=2.0)}, subject=[1], session=["pre"],
        as_table=True,
    )
    assert result["result"].tolist() == [1]


def test_fixed_pin_without_rows_skips_with_reason():
    df = trials_df()
    result = for_each(
        lambda b: 0, inputs={"b": Fixed(df, session="nope")}, subject=[1], session=["pre"]
    )
    assert len(result) == 0
    assert "session='nope'" in result.attrs["skipped"][0]["reason"]


def test_fixed_rejects_unknown_column_and_non_frames():
    with pytest.raises(InputError, match="does not have"):
        Fixed(trials_df(), block=1)
    with pytest.raises(InputError, match="DataFrame"):
        Fixed([1, 2, 3], session="pre")
    with pytest.raises(InputError, match="at least one"):
        Fixed(trials_df())


# ---- Select ---------------------------------------------------------------------------------


def test_select_one_column_many_rows_is_an_array():
    got = []
    for_each(
        lambda v: got.append(v), inputs={"v": Select(trials_df(), "value")},
        subject=[1], session=["pre"],
    )
    assert isinstance(got[0], np.ndarray) and got[0].tolist() == [101, 102, 103]


def test_select_one_column_one_row_is_the_scalar():
    result = for_each(
        lambda v: v, inputs={"v": Select(trials_df(), "value")},
        subject=[1], session=["pre"], trial=[3],
    )
    assert result["result"].tolist() == [103]


def test_select_several_columns_is_a_frame_of_those_columns():
    got = []
    for_each(
        lambda v: got.append(v), inputs={"v": Select(trials_df(), ["trial", "value"])},
        subject=[1], session=["pre"],
    )
    assert list(got[0].columns) == ["trial", "value"] and len(got[0]) == 3


def test_select_and_fixed_nest_both_ways():
    df = trials_df()
    a = for_each(lambda v: v.tolist(), inputs={"v": Select(Fixed(df, session="pre"), "value")},
                 subject=[2], session=["post"])
    b = for_each(lambda v: v.tolist(), inputs={"v": Fixed(Select(df, "value"), session="pre")},
                 subject=[2], session=["post"])
    assert a["result"][0] == b["result"][0] == [201, 202, 203]


def test_select_unknown_column_is_an_error():
    with pytest.raises(InputError, match="available"):
        Select(trials_df(), "nope")


# ---- Merge ----------------------------------------------------------------------------------


def test_merge_joins_on_shared_lower_key():
    df = trials_df()
    emg = df.assign(rms=df["value"] / 100)[["subject", "session", "trial", "rms"]]
    got = []

    def fit(x):
        got.append(x)
        return float((x["value"] * x["rms"]).sum())

    for_each(fit, inputs={"x": Merge(Select(df, "value"), emg)}, subject=[1], session=["pre"])
    (frame,) = got
    assert list(frame.columns) == ["trial", "value", "rms"]
    assert frame["rms"].tolist() == [1.01, 1.02, 1.03]


def test_merge_broadcasts_a_single_row_part():
    per_subject = pd.DataFrame({"subject": [1, 2], "mass": [70.0, 80.0]})
    got = []
    for_each(
        lambda x: got.append(x),
        inputs={"x": Merge(Select(trials_df(), "value"), per_subject)},
        subject=[2], session=["pre"],
    )
    assert got[0]["mass"].tolist() == [80.0, 80.0, 80.0]


def test_merge_with_fixed_part():
    df = trials_df()
    got = []
    for_each(
        lambda x: got.append(x),
        inputs={"x": Merge(Select(Fixed(df, session="pre"), "value"),
                           Select(df, "quality"))},
        subject=[1], session=["post"],
    )
    assert got[0]["value"].tolist() == [101, 102, 103]


def test_merge_single_values_become_a_one_row_frame():
    a = pd.DataFrame({"subject": [1], "x": [1.0]})
    b = pd.DataFrame({"subject": [1], "y": [2.0]})
    result = for_each(lambda m: m, inputs={"m": Merge(a, b)}, subject=[1], session=["pre"])
    # one output which is a DataFrame -> stacked with metadata prepended
    assert list(result.columns) == ["subject", "session", "x", "y"]


def test_merge_column_clash_is_an_error_naming_select():
    df = trials_df()
    with pytest.raises(InputError, match="Select"):
        for_each(lambda m: 0, inputs={"m": Merge(df, df)}, subject=[1])


def test_merge_misaligned_parts_is_recorded_per_combination():
    a = pd.DataFrame({"subject": [1, 1], "x": [1.0, 2.0]})
    b = pd.DataFrame({"subject": [1, 1], "y": [3.0, 4.0]})
    result = for_each(lambda m: 0, inputs={"m": Merge(a, b)}, subject=[1])
    assert len(result) == 0
    (error,) = result.attrs["errors"]
    assert error["stage"] == "inputs" and "cannot align" in error["message"]


def test_merge_part_without_rows_skips():
    a = Select(trials_df(), "value")
    b = pd.DataFrame({"subject": [1], "mass": [70.0]})
    result = for_each(lambda m: 0, inputs={"m": Merge(a, b)}, subject=[1, 2], session=["pre"])
    assert result["subject"].tolist() == [1]
    assert "Merge part 2" in result.attrs["skipped"][0]["reason"]


def test_merge_needs_two_frames():
    with pytest.raises(InputError, match="two or more"):
        Merge(trials_df())
    with pytest.raises(InputError, match="constants"):
        Merge(trials_df(), 3)


# ---- where= -----------------------------------------------------------------------------------


def test_where_filters_rows_before_slicing():
    result = for_each(
        lambda t: t["trial"].tolist(), inputs={"t": trials_df()},
        where=Col("quality") == "good", subject=[1], session=["pre"],
    )
    assert result["result"][0] == [1, 3]


def test_where_with_and_or_not_isin():
    df = trials_df()

    def trials(where):
        r = for_each(lambda t: t["trial"].tolist(), inputs={"t": df}, where=where,
                     subject=[1], session=["pre"])
        return r["result"][0]

    assert trials((Col("trial") > 1) & (Col("quality") == "good")) == [3]
    assert trials((Col("trial") == 1) | (Col("trial") == 2)) == [1, 2]
    assert trials(~Col("trial").isin([1, 2])) == [3]
    assert trials(Col("trial").isin([2, 3]) & ~(Col("quality") == "bad")) == [3]
    assert trials((Col("trial") <= 2) & (Col("trial") != 1)) == [2]
    assert trials(Col("trial") >= 3) == [3]
    assert trials(Col("trial") < 2) == [1]


def test_where_applies_only_to_inputs_with_the_column():
    per_subject = pd.DataFrame({"subject": [1, 2], "mass": [70.0, 80.0]})
    result = for_each(
        lambda t, m: (len(t), m), inputs={"t": trials_df(), "m": per_subject},
        where=Col("quality") == "good", subject=[1], session=["pre"],
    )
    assert result["result"][0] == (2, 70.0)


def test_where_removing_all_rows_skips_with_reason():
    result = for_each(
        lambda t: 0, inputs={"t": trials_df()}, where=Col("value") > 150,
        subject=[1, 2], session=["pre"],
    )
    assert result["subject"].tolist() == [2]
    assert "where=" in result.attrs["skipped"][0]["reason"]


def test_where_on_unknown_column_is_an_error():
    with pytest.raises(FilterError, match="no DataFrame input"):
        for_each(lambda t: 0, inputs={"t": trials_df()}, where=Col("snr") > 1, subject=[1])


def test_where_part_spanning_two_inputs_is_an_error():
    per_subject = pd.DataFrame({"subject": [1, 2], "mass": [70.0, 80.0]})
    flt = (Col("mass") > 1) | (Col("quality") == "good")
    with pytest.raises(FilterError, match="Split the filter"):
        for_each(lambda t, m: 0, inputs={"t": trials_df(), "m": per_subject}, where=flt,
                 subject=[1])


def test_where_conjuncts_apply_to_different_inputs():
    per_subject = pd.DataFrame({"subject": [1, 2], "mass": [70.0, 80.0]})
    result = for_each(
        lambda t, m: len(t), inputs={"t": trials_df(), "m": per_subject},
        where=(Col("mass") > 75) & (Col("quality") == "good"), subject=[1, 2], session=["pre"],
    )
    assert result["subject"].tolist() == [2]
    assert result["result"].tolist() == [2]


def test_where_must_be_a_filter():
    with pytest.raises(FilterError, match="Col"):
        for_each(lambda t: 0, inputs={"t": trials_df()}, where="value > 3", subject=[1])


# ---- as_table --------------------------------------------------------------------------------


def test_as_table_true_passes_rows_unchanged():
    df = signals_df()
    got = []
    for_each(lambda signal: got.append(signal), inputs={"signal": df}, as_table=True,
             subject=[2], session=["post"])
    (frame,) = got
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["subject", "session", "signal"]
    pd.testing.assert_frame_equal(frame, df[(df.subject == 2) & (df.session == "post")])


def test_as_table_list_only_for_named_inputs():
    df = signals_df()
    got = []
    for_each(lambda a, b: got.append((a, b)), inputs={"a": df, "b": df}, as_table=["a"],
             subject=[1], session=["pre"])
    a, b = got[0]
    assert isinstance(a, pd.DataFrame) and isinstance(b, np.ndarray)


def test_as_table_rejects_unknown_and_constant_names():
    with pytest.raises(InputError, match="not an input"):
        for_each(lambda a: 0, inputs={"a": signals_df()}, as_table=["b"], subject=[1])
    with pytest.raises(InputError, match="constant"):
        for_each(lambda a, k: 0, inputs={"a": signals_df(), "k": 1}, as_table=["k"], subject=[1])


# ---- outputs ------------------------------------------------------------------------------------


def test_output_names_make_one_column_each():
    result = for_each(
        lambda signal: (float(signal.min()), float(signal.max())),
        inputs={"signal": signals_df()}, output_names=["lo", "hi"],
        subject=[1, 2], session=["pre"],
    )
    assert list(result.columns) == ["subject", "session", "lo", "hi"]
    assert result["lo"].tolist() == [10.0, 20.0] and result["hi"].tolist() == [13.0, 23.0]


def test_output_names_wrong_count_is_recorded():
    result = for_each(
        lambda signal: (1, 2, 3), inputs={"signal": signals_df()}, output_names=["a", "b"],
        subject=[1], session=["pre"],
    )
    assert len(result) == 0
    (error,) = result.attrs["errors"]
    assert error["stage"] == "outputs" and "3 values" in error["message"]


def test_single_output_name_takes_the_value():
    result = for_each(lambda signal: [1, 2], inputs={"signal": signals_df()},
                      output_names=["pair"], subject=[1], session=["pre"])
    assert result["pair"][0] == [1, 2]


def test_default_output_column_is_result_and_clash_is_an_error():
    set_schema(["subject", "result"])
    with pytest.raises(InputError, match="output_names"):
        for_each(lambda: 0, subject=[1], result=[1])


def test_dataframe_outputs_are_stacked_with_metadata():
    def summarize(t):
        return pd.DataFrame({"stat": ["mean", "max"], "v": [t["value"].mean(), t["value"].max()]})

    result = for_each(summarize, inputs={"t": trials_df()}, subject=[1, 2], session=["pre"])
    assert list(result.columns) == ["subject", "session", "stat", "v"]
    assert len(result) == 4
    assert result["subject"].tolist() == [1, 1, 2, 2]
    assert result["v"].tolist() == [102.0, 103, 202.0, 203]
    assert list(result.index) == [0, 1, 2, 3]


def test_returned_metadata_columns_are_not_duplicated():
    result = for_each(lambda t: t, inputs={"t": trials_df()}, as_table=True,
                      subject=[1], session=["pre"])
    assert list(result.columns) == ["subject", "session", "trial", "value", "quality"]
    assert len(result) == 3


def test_mixed_outputs_stay_in_cells():
    def mixed(signal):
        return pd.DataFrame({"a": [1]}) if signal[0] == 10 else 5

    result = for_each(mixed, inputs={"signal": signals_df()}, subject=[1, 2], session=["pre"])
    assert list(result.columns) == ["subject", "session", "result"]
    assert isinstance(result["result"][0], pd.DataFrame) and result["result"][1] == 5


# ---- distribute ---------------------------------------------------------------------------------


def test_distribute_splits_a_list_into_numbered_rows():
    set_schema(["subject", "session", "trial"])
    result = for_each(
        lambda signal: list(signal[:3]), inputs={"signal": signals_df()}, distribute=True,
        subject=[1], session=["pre", "post"],
    )
    assert list(result.columns) == ["subject", "session", "trial", "result"]
    assert result["trial"].tolist() == [1, 2, 3, 1, 2, 3]
    assert result["result"].tolist() == [10.0, 11.0, 12.0, 10.0, 11.0, 12.0]


def test_distribute_uses_the_next_key_below_the_iterated_ones():
    result = for_each(lambda signal: np.array([1, 2]), inputs={"signal": signals_df()},
                      distribute=True, subject=[1])
    assert "session" in result.columns and result["session"].tolist() == [1, 2]


def test_distribute_array_series_and_multiple_outputs():
    def split(signal):
        return np.array([[1, 2], [3, 4]]), pd.Series(["a", "b"])

    result = for_each(split, inputs={"signal": signals_df()}, distribute=True,
                      output_names=["row", "tag"], subject=[1], session=["pre"])
    assert result["trial"].tolist() == [1, 2]
    assert result["row"][1].tolist() == [3, 4]
    assert result["tag"].tolist() == ["a", "b"]


def test_distribute_dataframe_rows():
    result = for_each(lambda t: t[["value"]], inputs={"t": trials_df()}, distribute=True,
                      subject=[1])
    assert list(result.columns) == ["subject", "session", "value"]
    assert result["session"].tolist() == [1, 2, 3, 4, 5, 6]


def test_distribute_without_a_lower_key_is_an_error():
    with pytest.raises(SchemaError, match="last key"):
        for_each(lambda signal: [1], inputs={"signal": signals_df()}, distribute=True,
                 subject=[1], session=["pre"], trial=[1])


def test_distribute_scalar_output_is_recorded():
    result = for_each(lambda signal: 3.0, inputs={"signal": signals_df()}, distribute=True,
                      subject=[1], session=["pre"])
    assert "no items to split" in result.attrs["errors"][0]["message"]
    with pytest.raises(OutputError, match="distribute"):
        for_each(lambda signal: 3.0, inputs={"signal": signals_df()}, distribute=True,
                 subject=[1], session=["pre"], on_error="raise")


# ---- skips, errors, dry run, progress, logging -------------------------------------------------


def test_skip_reason_lists_every_empty_input():
    a = signals_df()
    b = signals_df()[lambda d: d.subject != 1]
    result = for_each(lambda a, b: 0, inputs={"a": a, "b": b}, subject=[1, 4], session=["pre"])
    reasons = [s["reason"] for s in result.attrs["skipped"]]
    assert reasons == ["input 'b' has no rows", "input 'a' has no rows; input 'b' has no rows"]


def test_function_error_is_recorded_and_the_loop_continues(caplog):
    def fragile(signal):
        if signal[0] == 20:
            raise ValueError("bad signal")
        return 1

    with caplog.at_level(logging.INFO, logger="scifor"):
        result = for_each(fragile, inputs={"signal": signals_df()}, subject=[1, 2, 3],
                          session=["pre"])
    assert result["subject"].tolist() == [1, 3]
    (error,) = result.attrs["errors"]
    assert error["combo"] == {"subject": 2, "session": "pre"}
    assert error["stage"] == "function"
    assert error["error_type"] == "ValueError" and error["message"] == "bad signal"
    assert "fragile" in error["traceback"]
    messages = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any("subject=2, session='pre'" in r.getMessage() for r in messages)
    assert any("bad signal" in r.getMessage() for r in messages)


def test_on_error_raise_stops_with_the_original_exception():
    calls = []

    def fragile(signal):
        calls.append(1)
        raise KeyError("boom")

    with pytest.raises(KeyError) as info:
        for_each(fragile, inputs={"signal": signals_df()}, subject=[1, 2], session=["pre"],
                 on_error="raise")
    assert len(calls) == 1
    if hasattr(info.value, "__notes__"):
        assert "subject=1" in info.value.__notes__[0]


def test_on_error_must_be_known():
    with pytest.raises(InputError, match="on_error"):
        for_each(lambda signal: 0, inputs={"signal": signals_df()}, subject=[1], on_error="stop")


def test_skips_are_logged(caplog):
    with caplog.at_level(logging.INFO, logger="scifor"):
        for_each(lambda signal: 0, inputs={"signal": signals_df()}, subject=[3],
                 session=["post"])
    assert any("skipped" in r.getMessage() and "subject=3" in r.getMessage()
               for r in caplog.records)


def test_dry_run_reports_without_calling():
    calls = []
    plan = for_each(lambda signal, t, k: calls.append(1),
                    inputs={"signal": signals_df(), "t": trials_df(), "k": 1},
                    dry_run=True, subject=[1, 3], session=["pre", "post"])
    assert calls == []
    assert list(plan.columns) == ["subject", "session", "rows_signal", "rows_t", "status",
                                  "reason"]
    rows = plan.set_index(["subject", "session"])
    assert rows.loc[(1, "pre"), "status"] == "run"
    assert rows.loc[(1, "pre"), "rows_t"] == 3
    assert rows.loc[(3, "post"), "status"] == "skip"
    assert "input 'signal' has no rows" in rows.loc[(3, "post"), "reason"]
    assert plan.attrs["summary"]["dry_run"] is True
    assert plan.attrs["summary"]["ran"] == 2


def test_progress_false_writes_nothing_and_true_shows_a_bar(capsys):
    for_each(lambda signal: 0, inputs={"signal": signals_df()}, subject=[1, 2],
             session=["pre"], progress=False)
    assert capsys.readouterr().err == ""
    for_each(lambda signal: 0, inputs={"signal": signals_df()}, subject=[1, 2],
             session=["pre"], progress=True)
    err = capsys.readouterr().err
    assert "for_each(" in err and "2/2" in err


def test_progress_is_off_by_default_when_not_a_terminal(capsys):
    for_each(lambda signal: 0, inputs={"signal": signals_df()}, subject=[1, 2], session=["pre"])
    assert capsys.readouterr().err == ""


# ---- checks before running --------------------------------------------------------------------


def test_unknown_iterable_names_the_schema():
    with pytest.raises(SchemaError, match="not in the schema"):
        for_each(lambda signal: 0, inputs={"signal": signals_df()}, subjetc=[1])


def test_no_schema_set_is_explained():
    set_schema([])
    with pytest.raises(SchemaError, match="set_schema"):
        for_each(lambda signal: 0, inputs={"signal": signals_df()}, subject=[1])


def test_inputs_must_match_the_function_parameters():
    def f(signal):
        return 0

    with pytest.raises(InputError, match="parameters are \\['signal'\\]"):
        for_each(f, inputs={"sig": signals_df()}, subject=[1])


def test_unhashable_iterable_value_is_an_error():
    with pytest.raises(InputError, match="single number"):
        for_each(lambda signal: 0, inputs={"signal": signals_df()}, subject=[[1, 2]])


def test_repeated_column_names_are_an_error():
    df = pd.DataFrame([[1, 2, 3]], columns=["subject", "v", "v"])
    with pytest.raises(InputError, match="repeated column"):
        for_each(lambda a: 0, inputs={"a": df}, subject=[1])


def test_no_successful_combination_gives_empty_table_with_columns():
    result = for_each(lambda signal: 0, inputs={"signal": signals_df()}, subject=[9],
                      session=["pre"])
    assert len(result) == 0
    assert list(result.columns) == ["subject", "session", "result"]


# ---- performance: each DataFrame is indexed once ---------------------------------------------


def test_each_dataframe_is_grouped_once_not_once_per_combination(monkeypatch):
    n = 2000
    df = pd.DataFrame({"subject": np.arange(n), "session": "pre", "v": np.arange(n) * 2})
    calls = {"groupby": 0}
    original = pd.DataFrame.groupby

    def counting(self, *args, **kwargs):
        calls["groupby"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "groupby", counting)
    # Any boolean-mask scan of a column per combination would go through Series.__eq__.
    monkeypatch.setattr(pd.Series, "__eq__", lambda self, other: pytest.fail("column scanned"))
    result = for_each(lambda v: v, inputs={"v": df}, subject=range(n), session=["pre"],
                      progress=False)
    assert calls["groupby"] == 1
    assert len(result) == n
    assert result["result"].tolist() == list(range(0, 2 * n, 2))


# ---- a few more corners ---------------------------------------------------------------------


def test_as_table_with_select_and_merge():
    df = trials_df()
    got = {}

    def keep(sel, mer):
        got["sel"], got["mer"] = sel, mer

    per_subject = pd.DataFrame({"subject": [1], "mass": [70.0]})
    for_each(keep, inputs={"sel": Select(df, "value"), "mer": Merge(Select(df, "value"),
                                                                    per_subject)},
             as_table=True, subject=[1], session=["pre"], trial=[2])
    assert isinstance(got["sel"], pd.DataFrame) and list(got["sel"].columns) == ["value"]
    assert list(got["mer"].columns) == ["value", "mass"]


def test_on_error_raise_also_stops_on_input_errors():
    a = pd.DataFrame({"subject": [1, 1], "x": [1.0, 2.0]})
    b = pd.DataFrame({"subject": [1, 1], "y": [3.0, 4.0]})
    with pytest.raises(InputError, match="cannot align"):
        for_each(lambda m: 0, inputs={"m": Merge(a, b)}, subject=[1], on_error="raise")


def test_report_survives_pandas_operations():
    def fragile(signal):
        raise RuntimeError("nope")

    result = for_each(fragile, inputs={"signal": signals_df()}, subject=[1, 3],
                      session=["post"])
    copied = result.copy()
    assert copied.attrs["errors"][0]["message"] == "nope"
    assert copied.attrs["skipped"][0]["combo"] == {"subject": 3, "session": "post"}
    pd.concat([result, result])  # attrs hold plain values, so this does not fail
    table = pd.DataFrame(result.attrs["errors"])
    assert list(table["stage"]) == ["function"]


def test_summary_is_logged(caplog):
    with caplog.at_level(logging.INFO, logger="scifor"):
        for_each(lambda signal: 0, inputs={"signal": signals_df()}, subject=[1, 3],
                 session=["post"])
    assert any("2 combination(s), ran 1, skipped 1, errors 0" in r.getMessage()
               for r in caplog.records)


def test_zero_dimensional_array_iterable_is_a_single_value():
    result = for_each(lambda signal: 0, inputs={"signal": signals_df()},
                      subject=np.array(2), session=["pre"])
    assert result["subject"].tolist() == [2]
