"""Every value of the value model saves to the database and loads back exactly (issue 3)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scidb import BaseVariable, UnsupportedValueError
from scistack_engine.codec import encode
from test_codec import EXAMPLES, assert_same, mixed_frame, values


class Anything(BaseVariable):
    pass


def assert_exact(expected, got):
    """``test_codec.assert_same``, also treating complex NaNs bit for bit."""
    if isinstance(expected, (complex, np.complexfloating)):
        assert type(expected) is type(got)
        assert np.asarray(expected).tobytes() == np.asarray(got).tobytes()
    elif isinstance(expected, (list, tuple)) and type(expected) is type(got):
        assert len(expected) == len(got)
        for a, b in zip(expected, got):
            assert_exact(a, b)
    elif isinstance(expected, dict) and type(got) is dict:
        assert list(expected) == list(got)
        for key in expected:
            assert_exact(expected[key], got[key])
    else:
        assert_same(expected, got)


def _examples():
    for name, value in sorted(EXAMPLES.items()):
        yield pytest.param(value, id=f"{name}-whole")
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield pytest.param(item, id=f"{name}-{i}")


@pytest.mark.parametrize("value", list(_examples()))
def test_every_example_value_saves_and_loads_back_exactly(scidb_memory_db, value):
    record_id = Anything.save(value, subject=1, session="pre")
    loaded = Anything.load(subject=1, session="pre")
    assert loaded.record_id == record_id
    assert_exact(value, loaded.data)


def test_every_example_value_survives_closing_and_reopening_the_file(scidb_db, scidb_path):
    import scidb

    examples = [p.values[0] for p in _examples()]
    for subject, value in enumerate(examples):
        Anything.save(value, subject=subject, session="pre")
    scidb.close()
    scidb.configure_database(scidb_path, ["subject", "session"])
    for subject, value in enumerate(examples):
        assert_exact(value, Anything.load(subject=subject, session="pre").data)


def test_dataframe_with_every_column_kind_round_trips_through_the_database(scidb_memory_db):
    df = mixed_frame()
    Anything.save(df, subject=1, session="pre")
    out = Anything.load(subject=1, session="pre").data
    pd.testing.assert_frame_equal(df.drop(columns="array_cells"), out.drop(columns="array_cells"),
                                  check_exact=True)
    for a, b in zip(df["array_cells"], out["array_cells"]):
        assert_exact(a, b)


@pytest.mark.parametrize(
    "array",
    [np.arange(24.0).reshape(2, 3, 4), np.asfortranarray(np.arange(6.0).reshape(2, 3)),
     np.arange(10.0)[::3], np.zeros((0, 3)), np.zeros((3, 0)), np.array(5.0), np.empty(0),
     np.array([np.nan, -0.0, np.inf, -np.inf, 5e-324]), np.arange(6, dtype=">f8").reshape(3, 2),
     np.arange(6, dtype=np.float32), np.arange(6, dtype=np.int16).reshape(2, 3),
     np.array([True, False]), np.arange(4, dtype=np.uint64)],
    ids=lambda a: f"{a.dtype.str}{a.shape}",
)
def test_arrays_keep_dtype_shape_and_bits(scidb_memory_db, array):
    Anything.save(array, subject=1, session="pre")
    out = Anything.load(subject=1, session="pre").data
    assert type(out) is np.ndarray
    assert out.dtype == array.dtype.newbyteorder("=") and out.shape == array.shape
    assert out.astype(array.dtype.newbyteorder("=")).tobytes() == np.ascontiguousarray(
        array.astype(array.dtype.newbyteorder("="))).tobytes()


@pytest.mark.parametrize(
    "value",
    [0, -1, 2**63 - 1, -(2**63), 2**63, 10**30, 1.5, -0.0, float("nan"), True, False, "", "pre",
     np.float16(0.1), np.float32(0.1), np.float64(0.1), np.int8(-128), np.uint8(255),
     np.int64(-(2**63)), np.uint64(2**64 - 1), np.bool_(False), None],
    ids=repr,
)
def test_scalars_keep_their_exact_type(scidb_memory_db, value):
    Anything.save(value, subject=1, session="pre")
    out = Anything.load(subject=1, session="pre").data
    assert type(out) is type(value)
    assert_exact(value, out)
    if isinstance(value, float) and value == 0.0:
        assert np.signbit(out) == np.signbit(value)


def test_mixed_types_under_one_variable_keep_each_record_exact(scidb_memory_db):
    samples = [1, 1.0, np.float32(1.0), np.int16(1), True, "1", np.array([1.0]),
               np.array([1], dtype=np.int32), [1], {"a": 1}, pd.DataFrame({"a": [1]}), None]
    for subject, value in enumerate(samples):
        Anything.save(value, subject=subject, session="pre")
    for subject, value in enumerate(samples):
        assert_exact(value, Anything.load(subject=subject, session="pre").data)


def test_a_later_save_of_another_type_at_the_same_address_never_coerces_earlier_versions(
    scidb_memory_db,
):
    history = [
        1,
        1.0,
        np.float64(1.0),
        True,
        "1",
        np.array([1.0]),
        np.array([1.0], dtype=np.float32),
        pd.DataFrame({"x": [1.0]}),
        [1.0],
        2,
    ]
    for value in history:
        Anything.save(value, subject=1, session="pre")
    versions = Anything.list_versions(subject=1, session="pre")
    assert [v["version"] for v in versions] == list(range(1, len(history) + 1))
    for number, value in enumerate(history, start=1):
        assert_exact(value, Anything.load(subject=1, session="pre", version=number).data)
    assert Anything.load(subject=1, session="pre").data == 2


def test_load_all_returns_every_type_exactly(scidb_memory_db):
    samples = [np.arange(3.0), np.int8(3), "x", 2**70, pd.DataFrame({"a": ["b"]}), (1, "two")]
    for subject, value in enumerate(samples):
        Anything.save(value, subject=subject, session="pre")
    loaded = {v.metadata["subject"]: v.data for v in Anything.load_all()}
    for subject, value in enumerate(samples):
        assert_exact(value, loaded[subject])
    df = Anything.load_all(as_df=True)
    for subject, value in enumerate(samples):
        assert_exact(value, df.loc[df["subject"] == subject, "data"].iloc[0])


def test_unsupported_value_is_refused_naming_the_type_and_nothing_is_written(scidb_memory_db):
    Anything.save(1.0, subject=1, session="pre")
    for bad in ({1, 2}, object(), b"bytes", [1, {2}]):
        with pytest.raises(UnsupportedValueError) as err:
            Anything.save(bad, subject=2, session="pre")
        assert type(bad).__name__ in str(err.value)
    assert scidb_memory_db.con.execute("SELECT count(*) FROM _records").fetchall()[0][0] == 1
    assert len(Anything.list_versions()) == 1


def test_unsupported_value_error_names_the_variable_and_metadata(scidb_memory_db):
    with pytest.raises(UnsupportedValueError) as err:
        Anything.save({1, 2}, subject=7, session="pre")
    message = str(err.value)
    assert "Anything" in message
    assert "subject" in message and "7" in message and "pre" in message
    assert "set" in message


# ------------------------------------------------------------------ property test


def test_property_any_value_round_trips_through_the_database(scidb_memory_db):
    counter = itertools.count()

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(values)
    def check(value):
        subject = next(counter)
        record_id = Anything.save(value, subject=subject, session="p")
        loaded = Anything.load(subject=subject, session="p")
        assert loaded.record_id == record_id
        assert_exact(value, loaded.data)
        assert encode(loaded.data) == encode(value)
        # saving it again is idempotent
        assert Anything.save(value, subject=subject, session="p") == record_id

    check()


def test_property_dataframes_round_trip_through_the_database(scidb_memory_db):
    counter = itertools.count()

    @settings(max_examples=60, deadline=None)
    @given(st.data())
    def check(data):
        n = data.draw(st.integers(0, 5))
        df = pd.DataFrame({
            "f": data.draw(st.lists(st.floats(), min_size=n, max_size=n)),
            "i": data.draw(st.lists(st.integers(-(2**62), 2**62), min_size=n, max_size=n)),
            "s": pd.Series(data.draw(st.lists(st.one_of(st.none(), st.text(max_size=5)),
                                               min_size=n, max_size=n)), dtype="str"),
            "c": pd.Categorical(data.draw(st.lists(st.sampled_from(["a", "b", None]),
                                                   min_size=n, max_size=n))),
        })
        subject = next(counter)
        Anything.save(df, subject=subject, session="p")
        pd.testing.assert_frame_equal(df, Anything.load(subject=subject, session="p").data,
                                      check_exact=True)

    check()
