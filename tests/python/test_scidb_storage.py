"""scidb storage API (issue 3): databases, variable types, save / load / load_all, DataFrames."""

from __future__ import annotations

import types

import duckdb
import numpy as np
import pandas as pd
import pytest

import scidb
from scidb import (
    BaseVariable,
    NotConfiguredError,
    NotFoundError,
    ReadOnlyError,
    SchemaMismatchError,
    configure_database,
    get_database,
)


class RawEMG(BaseVariable):
    pass


class FilteredEMG(BaseVariable):
    pass


class MaxActivation(BaseVariable):
    pass


def _count_records(path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM _records").fetchall()[0][0]
    finally:
        con.close()


# ------------------------------------------------------------------ databases


def test_configure_database_creates_a_file_and_makes_it_current(scidb_path, scidb_unconfigured):
    assert not scidb_path.exists()
    db = configure_database(scidb_path, ["subject", "session"])
    try:
        assert scidb_path.exists()
        assert get_database() is db
        assert db.schema_keys == ["subject", "session"]
        assert db.is_open and not db.read_only
    finally:
        scidb.close()


def test_configure_database_accepts_a_str_path(scidb_path, scidb_unconfigured):
    db = configure_database(str(scidb_path), ["subject"])
    RawEMG.save(1.0, subject=1)
    scidb.close()
    assert not db.is_open
    db = configure_database(str(scidb_path), ["subject"])
    assert RawEMG.load(subject=1).data == 1.0
    scidb.close()


def test_memory_database_works_and_keeps_nothing_after_close(scidb_unconfigured):
    db = configure_database(":memory:", ["subject", "session"])
    record_id = RawEMG.save(np.arange(3.0), subject=1, session="pre")
    loaded = RawEMG.load(subject=1, session="pre")
    assert loaded.record_id == record_id
    np.testing.assert_array_equal(loaded.data, np.arange(3.0))
    scidb.close()
    assert not db.is_open
    configure_database(":memory:", ["subject", "session"])
    with pytest.raises(scidb.UnknownVariableError):
        RawEMG.load(subject=1, session="pre")
    scidb.close()


def test_data_persists_across_close_and_reopen(scidb_db, scidb_path):
    RawEMG.save(np.array([1.0, 2.0]), subject=1, session="pre")
    scidb.close()
    configure_database(scidb_path, ["subject", "session"])
    np.testing.assert_array_equal(RawEMG.load(subject=1, session="pre").data, [1.0, 2.0])


def test_get_database_without_configuration_is_a_clear_error(scidb_unconfigured):
    with pytest.raises(NotConfiguredError, match="configure_database"):
        get_database()


def test_close_makes_the_database_unconfigured_and_is_idempotent(scidb_db):
    scidb.close()
    assert not scidb_db.is_open
    scidb.close()
    scidb_db.close()
    with pytest.raises(NotConfiguredError):
        get_database()
    with pytest.raises(NotConfiguredError):
        RawEMG.save(1.0, subject=1, session="pre")


def test_context_manager_closes_the_database_at_the_end_of_the_block(
    scidb_path, scidb_unconfigured
):
    with configure_database(scidb_path, ["subject", "session"]) as db:
        assert get_database() is db
        RawEMG.save(2.5, subject=1, session="pre")
    assert not db.is_open
    with pytest.raises(NotConfiguredError):
        get_database()
    assert _count_records(scidb_path) == 1


def test_context_manager_closes_even_when_the_block_raises(scidb_path, scidb_unconfigured):
    opened = []
    with pytest.raises(RuntimeError), configure_database(scidb_path, ["subject"]) as db:
        opened.append(db)
        RawEMG.save(2.5, subject=1)
        raise RuntimeError("boom")
    assert not opened[0].is_open
    assert _count_records(scidb_path) == 1


def test_configuring_the_same_file_again_replaces_the_current_database(scidb_db, scidb_path):
    RawEMG.save(1.0, subject=1, session="pre")
    again = configure_database(scidb_path, ["subject", "session"])
    assert get_database() is again
    assert RawEMG.load(subject=1, session="pre").data == 1.0
    RawEMG.save(2.0, subject=2, session="pre")
    assert len(RawEMG.load(session="pre")) == 2


def test_db_argument_on_every_call_uses_a_second_database(scidb_db, tmp_path):
    other = scidb.Database(str(tmp_path / "other.duckdb"), ["subject", "session"])
    try:
        # save / load / list_versions / load_all / save_from_dataframe with db=
        rid = RawEMG.save(np.ones(2), subject=1, session="pre", db=other)
        RawEMG.save(np.zeros(2), subject=1, session="pre", db=other)
        assert RawEMG.load(subject=1, session="pre", db=other).version == 2
        assert RawEMG.load(subject=1, session="pre", version=1, db=other).record_id == rid
        assert [v["version"] for v in RawEMG.list_versions(subject=1, db=other)] == [1, 2]
        assert len(list(RawEMG.load_all(db=other))) == 1
        assert len(RawEMG.load_all(as_df=True, db=other)) == 1
        frame = pd.DataFrame({"subject": [2, 3], "session": ["pre", "pre"], "v": [1.0, 2.0]})
        MaxActivation.save_from_dataframe(frame, "v", ["subject", "session"], db=other)
        assert MaxActivation.load(subject=3, session="pre", db=other).data == 2.0

        out = scidb.for_each(lambda signal: signal * 2, inputs={"signal": RawEMG},
                             outputs=[FilteredEMG], subject=[1], session=["pre"], db=other)
        assert list(out["status"]) == ["done"]
        np.testing.assert_array_equal(FilteredEMG.load(subject=1, session="pre", db=other).data,
                                      np.zeros(2))
        # the current database saw none of it
        assert get_database() is scidb_db
        assert scidb_db.variables() == []
        with pytest.raises(scidb.UnknownVariableError):
            RawEMG.load(subject=1, session="pre")
    finally:
        other.close()


def test_read_only_database_loads_but_refuses_saves(scidb_db, scidb_path):
    RawEMG.save(np.arange(4.0), subject=1, session="pre")
    scidb.close()
    ro = configure_database(scidb_path, ["subject", "session"], read_only=True)
    assert ro.read_only
    np.testing.assert_array_equal(RawEMG.load(subject=1, session="pre").data, np.arange(4.0))
    assert len(RawEMG.load_all(as_df=True)) == 1
    with pytest.raises(ReadOnlyError, match="read_only"):
        RawEMG.save(np.zeros(1), subject=2, session="pre")
    with pytest.raises(ReadOnlyError):
        MaxActivation.save_from_dataframe(
            pd.DataFrame({"subject": [1], "session": ["pre"], "v": [1.0]}),
            "v",
            ["subject", "session"],
        )
    scidb.close()
    assert _count_records(scidb_path) == 1


def test_read_only_database_refuses_a_saving_for_each_with_a_clear_error(scidb_db, scidb_path):
    RawEMG.save(np.arange(4.0), subject=1, session="pre")
    scidb.close()
    configure_database(scidb_path, ["subject", "session"], read_only=True)
    with pytest.raises(ReadOnlyError, match="read_only"):
        scidb.for_each(lambda signal: signal, inputs={"signal": RawEMG}, outputs=[FilteredEMG],
                       subject=[1], session=["pre"])
    # save=False and dry_run only read: they work on a read-only database
    out = scidb.for_each(lambda signal: signal.sum(), inputs={"signal": RawEMG},
                         outputs=[MaxActivation], subject=[1], session=["pre"], save=False)
    assert out["MaxActivation"].tolist() == [6.0]
    dry = scidb.for_each(lambda signal: signal, inputs={"signal": RawEMG}, outputs=[FilteredEMG],
                         subject=[1], session=["pre"], dry_run=True)
    assert dry["status"].tolist() == ["would_run"]


def test_read_only_open_of_a_missing_file_creates_nothing(tmp_path, scidb_unconfigured):
    path = tmp_path / "missing.duckdb"
    with pytest.raises(scidb.DatabaseError, match="does not exist"):
        configure_database(path, ["subject"], read_only=True)
    assert not path.exists()


def test_reopening_with_other_schema_keys_is_an_error_that_changes_nothing(scidb_db, scidb_path):
    RawEMG.save(1.0, subject=1, session="pre")
    scidb.close()
    before = scidb_path.read_bytes()
    for keys in (["subject"], ["session", "subject"], ["subject", "session", "trial"]):
        with pytest.raises(SchemaMismatchError) as err:
            configure_database(scidb_path, keys)
        assert "['subject', 'session']" in str(err.value)
        assert str(keys) in str(err.value)
    assert scidb_path.read_bytes() == before
    with pytest.raises(NotConfiguredError):
        get_database()
    configure_database(scidb_path, ["subject", "session"])
    assert RawEMG.load(subject=1, session="pre").data == 1.0


def test_schema_mismatch_while_the_file_is_current_leaves_the_current_database_open(
    scidb_db, scidb_path
):
    RawEMG.save(1.0, subject=1, session="pre")
    with pytest.raises(SchemaMismatchError):
        configure_database(scidb_path, ["subject"])
    assert scidb_db.is_open
    assert get_database() is scidb_db
    assert RawEMG.load(subject=1, session="pre").data == 1.0


# ------------------------------------------------------------------ variable types, save and load


def test_variable_types_are_one_line_subclasses():
    class OneLiner(BaseVariable):
        pass

    assert OneLiner.name() == "OneLiner"
    assert issubclass(OneLiner, BaseVariable)


def test_save_returns_the_record_id_and_load_returns_an_instance(scidb_db):
    signal = np.random.default_rng(0).standard_normal(1000)
    record_id = RawEMG.save(signal, subject=1, session="pre")
    assert isinstance(record_id, str) and record_id
    raw = RawEMG.load(subject=1, session="pre")
    assert isinstance(raw, RawEMG)
    np.testing.assert_array_equal(raw.data, signal)
    assert raw.metadata == {"subject": 1, "session": "pre"}
    assert raw.record_id == record_id
    assert raw.version == 1


def test_partial_address_returns_a_list_in_canonical_order(scidb_db):
    ids = {s: FilteredEMG.save(np.full(3, float(i)), subject=3, session=s)
           for i, s in enumerate(["pre", "post", "follow"])}
    FilteredEMG.save(np.zeros(3), subject=4, session="pre")
    sessions = FilteredEMG.load(subject=3)
    assert isinstance(sessions, list)
    assert [v.metadata["session"] for v in sessions] == ["follow", "post", "pre"]
    assert [v.record_id for v in sessions] == [ids["follow"], ids["post"], ids["pre"]]
    assert all(isinstance(v, FilteredEMG) and v.data.shape == (3,) for v in sessions)


def test_partial_address_with_one_match_is_still_a_list(scidb_db):
    FilteredEMG.save(1.0, subject=3, session="pre")
    assert isinstance(FilteredEMG.load(subject=3), list)
    assert isinstance(FilteredEMG.load(subject=3, session=["pre", "post"]), list)


def test_a_record_loaded_with_exactly_the_keys_it_was_saved_with_is_one_instance(scidb_db):
    record_id = FilteredEMG.save(4.0, subject=3)  # an aggregate at a partial address
    one = FilteredEMG.load(subject=3)
    assert isinstance(one, FilteredEMG)
    assert (one.record_id, one.data, one.metadata) == (record_id, 4.0, {"subject": 3})
    assert isinstance(FilteredEMG.load(subject=[3]), list)
    FilteredEMG.save(5.0, subject=3, session="pre")
    assert [v.data for v in FilteredEMG.load(subject=3)] == [4.0, 5.0]


def test_load_with_version_returns_earlier_versions(scidb_db):
    first = RawEMG.save(np.array([1.0]), subject=1, session="pre")
    second = RawEMG.save(np.array([2.0]), subject=1, session="pre")
    assert first != second
    latest = RawEMG.load(subject=1, session="pre")
    assert (latest.version, latest.record_id, latest.data.tolist()) == (2, second, [2.0])
    old = RawEMG.load(subject=1, session="pre", version=1)
    assert (old.version, old.record_id, old.data.tolist()) == (1, first, [1.0])
    with pytest.raises(NotFoundError, match=r"no version 3.*\[1, 2\]"):
        RawEMG.load(subject=1, session="pre", version=3)


def test_list_versions_lists_every_version_oldest_first(scidb_db):
    ids = [RawEMG.save(float(i), subject=1, session="pre") for i in range(3)]
    other = RawEMG.save(9.0, subject=2, session="pre")
    versions = RawEMG.list_versions(subject=1, session="pre")
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert [v["record_id"] for v in versions] == ids
    assert all(v["metadata"] == {"subject": 1, "session": "pre"} for v in versions)
    assert all(set(v) >= {"record_id", "version", "metadata", "content_hash"} for v in versions)
    everything = RawEMG.list_versions()
    assert [v["record_id"] for v in everything] == ids + [other]


def test_load_all_iterates_over_latest_versions(scidb_db):
    for s in (1, 2):
        for sess in ("pre", "post"):
            MaxActivation.save(0.5, subject=s, session=sess)
            MaxActivation.save(s + (0.25 if sess == "post" else 0.0), subject=s, session=sess)
    everything = MaxActivation.load_all()
    assert isinstance(everything, types.GeneratorType) or iter(everything) is everything
    loaded = list(everything)
    assert len(loaded) == 4
    assert all(isinstance(v, MaxActivation) and v.version == 2 for v in loaded)
    assert sorted((v.metadata["subject"], v.metadata["session"], v.data) for v in loaded) == [
        (1, "post", 1.25), (1, "pre", 1.0), (2, "post", 2.25), (2, "pre", 2.0)]
    only_post = list(MaxActivation.load_all(session="post"))
    assert {v.metadata["subject"] for v in only_post} == {1, 2}


def test_load_all_iterates_over_more_records_than_one_fetch(scidb_db, monkeypatch):
    import scidb.variable as variable_module

    monkeypatch.setattr(variable_module, "LOAD_BATCH", 7)
    frame = pd.DataFrame({"subject": range(30), "session": "pre", "v": np.arange(30.0)})
    MaxActivation.save_from_dataframe(frame, "v", ["subject", "session"])
    assert sorted(v.data for v in MaxActivation.load_all()) == list(np.arange(30.0))


def _product_example_max_activation():
    MaxActivation.save(1.47, subject=1, session="post")
    MaxActivation.save(0.91, subject=2, session="baseline")
    MaxActivation.save(0.82, subject=1, session="baseline")


def test_load_all_as_df_has_metadata_columns_and_a_data_column(scidb_db):
    _product_example_max_activation()
    df = MaxActivation.load_all(as_df=True)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["subject", "session", "data"]
    assert sorted(df.values.tolist()) == [
        [1, "baseline", 0.82],
        [1, "post", 1.47],
        [2, "baseline", 0.91],
    ]
    assert df["data"].dtype == np.float64
    assert df["subject"].dtype == np.int64
    assert df.groupby("session")["data"].mean().to_dict() == pytest.approx(
        {"baseline": (0.82 + 0.91) / 2, "post": 1.47})


def test_load_all_as_df_rows_follow_the_schema_key_order_of_the_product_example(scidb_db):
    """The product description shows rows by subject, then session (schema order)."""
    _product_example_max_activation()
    df = MaxActivation.load_all(as_df=True)
    assert df.values.tolist() == [[1, "baseline", 0.82], [1, "post", 1.47], [2, "baseline", 0.91]]


def test_load_all_as_df_list_values_mean_any_of(scidb_db):
    for s in (1, 2, 3):
        for sess in ("pre", "post", "follow"):
            MaxActivation.save(float(s), subject=s, session=sess)
    df = MaxActivation.load_all(as_df=True, subject=[1, 3], session=["pre", "follow"])
    assert sorted(map(tuple, df[["subject", "session"]].values.tolist())) == [
        (1, "follow"), (1, "pre"), (3, "follow"), (3, "pre")]
    df = MaxActivation.load_all(as_df=True, subject=(2,))
    assert sorted(df["session"]) == ["follow", "post", "pre"]
    assert len(list(MaxActivation.load_all(subject=range(2, 4), session="pre"))) == 2


def test_load_all_as_df_keeps_array_values_and_an_added_schema_key(scidb_db):
    scidb_db.add_schema_key("trial")
    RawEMG.save(np.arange(3.0), subject=1, session="pre", trial=1)
    RawEMG.save(np.arange(4.0), subject=1, session="pre", trial=2)
    df = RawEMG.load_all(as_df=True)
    assert list(df.columns) == ["subject", "session", "trial", "data"]
    assert df["trial"].tolist() == [1, 2]
    assert [a.shape for a in df["data"]] == [(3,), (4,)]


def test_save_from_dataframe_saves_many_records_in_one_call(scidb_db):
    frame = pd.DataFrame({
        "subject": [1, 1, 2, 2],
        "session": ["pre", "post", "pre", "post"],
        "peak": [0.1, 0.2, 0.3, 0.4],
        "ignored": ["a", "b", "c", "d"],
    })
    ids = MaxActivation.save_from_dataframe(frame, "peak", ["subject", "session"])
    assert len(ids) == 4 and len(set(ids)) == 4
    assert MaxActivation.load(subject=2, session="pre").data == 0.3
    assert MaxActivation.load(subject=2, session="pre").record_id == ids[2]
    assert "ignored" not in MaxActivation.load(subject=1, session="post").metadata
    # again with the same content: nothing new
    assert MaxActivation.save_from_dataframe(frame, "peak", ["subject", "session"]) == ids
    assert len(MaxActivation.list_versions()) == 4


def test_save_from_dataframe_uses_one_transaction(scidb_db, monkeypatch):
    calls = []
    original = scidb_db.save_batch
    monkeypatch.setattr(
        scidb_db, "save_batch",
        lambda items, **options: calls.append(len(items)) or original(items, **options)
    )
    frame = pd.DataFrame({"subject": range(50), "session": "pre",
                          "signal": [np.full(3, float(i)) for i in range(50)]})
    RawEMG.save_from_dataframe(frame, "signal", ["subject", "session"])
    assert calls == [50]
    np.testing.assert_array_equal(RawEMG.load(subject=49, session="pre").data, np.full(3, 49.0))


def test_save_from_dataframe_with_a_bad_row_saves_nothing(scidb_db):
    frame = pd.DataFrame({"subject": [1, 2, 3], "session": "pre",
                          "v": pd.Series([1.0, {1, 2}, 3.0], dtype=object)})
    with pytest.raises(scidb.UnsupportedValueError):
        MaxActivation.save_from_dataframe(frame, "v", ["subject", "session"])
    assert scidb_db.variables() == []
    assert scidb_db.con.execute("SELECT count(*) FROM _records").fetchall()[0][0] == 0


def test_save_from_dataframe_names_missing_columns(scidb_db):
    frame = pd.DataFrame({"subject": [1], "v": [1.0]})
    with pytest.raises(KeyError, match="session"):
        MaxActivation.save_from_dataframe(frame, "v", ["subject", "session"])


def test_saving_a_loaded_variable_saves_its_data(scidb_db):
    RawEMG.save(np.arange(3.0), subject=1, session="pre")
    raw = RawEMG.load(subject=1, session="pre")
    FilteredEMG.save(raw, subject=1, session="pre")
    np.testing.assert_array_equal(FilteredEMG.load(subject=1, session="pre").data, np.arange(3.0))


# ------------------------------------------------------------- the product description, as written


def test_product_description_scidb_snippets_run_as_written(
    tmp_path, monkeypatch, scidb_unconfigured, capsys
):
    monkeypatch.chdir(tmp_path)
    from scidb import BaseVariable, configure_database, for_each

    # One-time setup
    db = configure_database("experiment.duckdb", ["subject", "session"])

    # Define variable types (one-liners)
    class RawEMG(BaseVariable):
        pass

    class FilteredEMG(BaseVariable):
        pass

    class MaxActivation(BaseVariable):
        pass

    RawEMG.save(np.random.randn(1000), subject=1, session="pre")
    # Load it back
    raw = RawEMG.load(subject=1, session="pre")
    print(raw.data)  # your numpy array

    def bandpass_filter(signal, low_hz=20):
        return signal * low_hz

    for subject in (2, 3):
        for session in ("pre", "post"):
            RawEMG.save(np.random.randn(1000), subject=subject, session=session)

    # Batch processing — loads from DB, runs function, saves results
    for_each(
        bandpass_filter,
        inputs={"signal": RawEMG, "low_hz": 20},
        outputs=[FilteredEMG],
        subject=[1, 2, 3],
        session=["pre", "post"],
    )

    # Load one specific record
    emg = FilteredEMG.load(subject=3, session="post")
    assert emg.data.shape == (1000,)
    # Load all sessions for a subject — returns a list
    all_sessions = FilteredEMG.load(subject=3)
    for var in all_sessions:
        print(var.metadata["session"], var.data.shape)
    assert sorted(v.metadata["session"] for v in all_sessions) == ["post", "pre"]

    for subject, base, post in [(1, 0.82, 1.47), (2, 0.91, 1.38), (3, 0.76, 1.22)]:
        MaxActivation.save(base, subject=subject, session="baseline")
        MaxActivation.save(post, subject=subject, session="post")
    # Load everything as a DataFrame for analysis
    df = MaxActivation.load_all(as_df=True)
    assert list(df.columns) == ["subject", "session", "data"] and len(df) == 6

    rows = db.con.execute("SELECT subject, session, value FROM MaxActivation;").fetchall()
    assert rows[:3] == [(1, "baseline", 0.82), (1, "post", 1.47), (2, "baseline", 0.91)]
    scidb.close()
    assert (tmp_path / "experiment.duckdb").exists()


def test_product_description_complete_pipeline_runs_as_written(
    tmp_path, monkeypatch, scidb_unconfigured
):
    monkeypatch.chdir(tmp_path)
    from scidb import BaseVariable, configure_database, for_each
    from scilineage import lineage_fcn

    # --- Setup ---
    db = configure_database("gait_study.duckdb", ["subject", "session", "trial"])

    # --- Variable types ---
    class RawKinematicData(BaseVariable):
        pass

    class StepLength(BaseVariable):
        pass

    class MeanStepLength(BaseVariable):
        pass

    for subject in (1, 2, 3):
        for session in ("pre", "post"):
            for trial in (1, 2, 3, 4, 5):
                RawKinematicData.save(np.full(10, subject + trial / 10), subject=subject,
                                      session=session, trial=trial)

    # --- Processing functions ---
    @lineage_fcn
    def extract_step_length(kinematic_data):
        step_lengths = kinematic_data[::2] * 0.5
        return step_lengths

    @lineage_fcn
    def compute_mean(values):
        return float(np.mean(values))

    # --- Run the pipeline ---
    for_each(
        extract_step_length,
        inputs={"kinematic_data": RawKinematicData},
        outputs=[StepLength],
        subject=[1, 2, 3],
        session=["pre", "post"],
        trial=[1, 2, 3, 4, 5],
    )

    for_each(
        compute_mean,
        inputs={"values": StepLength},
        outputs=[MeanStepLength],
        subject=[1, 2, 3],
        session=["pre", "post"],
    )

    # --- Analyze results ---
    df = MeanStepLength.load_all(as_df=True)
    print(df.groupby("session")["data"].mean())
    assert len(df) == 6
    assert df.groupby("session")["data"].mean().to_dict() == pytest.approx(
        {"pre": 1.15, "post": 1.15}
    )
    assert (
        db.get_provenance(MeanStepLength, subject=1, session="pre")["function_name"]
        == "compute_mean"
    )
    scidb.close()


def test_load_takes_a_record_id_as_the_version(scidb_db):
    first = RawEMG.save(np.array([1.0]), subject=1, session="pre")
    RawEMG.save(np.array([2.0]), subject=1, session="pre")
    by_id = RawEMG.load(version=first)
    assert isinstance(by_id, RawEMG)
    assert (by_id.version, by_id.record_id, by_id.data.tolist()) == (1, first, [1.0])
    assert RawEMG.load(subject=1, session="pre", version=first).record_id == first
    with pytest.raises(NotFoundError, match="not at subject=2"):
        RawEMG.load(subject=2, version=first)
    every = RawEMG.load(subject=1, session="pre", version="all")
    assert [v.version for v in every] == [1, 2]


def test_a_version_is_read_by_record_id_through_an_index_without_a_uniqueness_check(scidb_db):
    """Record ids are unique by construction; a primary key's check on every insert
    would cost more than the rest of a bulk save, so new files index the id instead."""
    from scistack_engine.store import _SCALAR_SELECT

    record_id = RawEMG.save(1.5, subject=1, session="pre")
    RawEMG.save(2.5, subject=2, session="pre")
    con = scidb_db.cx
    constraints = {row[0] for row in con.execute(
        "SELECT constraint_type FROM duckdb_constraints() WHERE table_name = '_records'"
    ).fetchall()}
    assert constraints == {"NOT NULL"}
    assert con.execute("SELECT index_name, expressions FROM duckdb_indexes() "
                       "WHERE table_name = '_records'").fetchall() == [
        ("_records_record_id", "[record_id]")]
    plan = con.execute(f"EXPLAIN ANALYZE SELECT {_SCALAR_SELECT} FROM _records "
                       f"WHERE record_id = '{record_id}'").fetchall()[0][1]
    assert "Index Scan" in plan
    assert RawEMG.load(subject=1, session="pre").data == 1.5


def test_load_all_with_record_ids_and_versions(scidb_db):
    first = MaxActivation.save(0.5, subject=1, session="pre")
    second = MaxActivation.save(0.75, subject=1, session="pre")
    other = MaxActivation.save(0.25, subject=2, session="pre")
    df = MaxActivation.load_all(as_df=True, include_record_id=True)
    assert list(df.columns) == ["subject", "session", "record_id", "data"]
    assert df["record_id"].tolist() == [second, other]
    assert df["data"].tolist() == [0.75, 0.25]
    every = MaxActivation.load_all(as_df=True, include_record_id=True, version_id="all")
    assert every["record_id"].tolist() == [first, second, other]
    assert MaxActivation.load_all(as_df=True, version_id="latest")["data"].tolist() == [0.75, 0.25]
    assert [v.record_id for v in MaxActivation.load_all(version=1)] == [first, other]
    assert MaxActivation.load_all(as_df=True, version=[2])["data"].tolist() == [0.75]
    with pytest.raises(scidb.MetadataError, match="give one of them"):
        MaxActivation.load_all(version=1, version_id=1)
    with pytest.raises(scidb.ReservedMetadataKeyError):
        MaxActivation.save(1.0, subject=3, include_record_id=True)
