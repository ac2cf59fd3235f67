"""Lineage and caching with a configured database (issue 4), in one process.

The product description's lineage example as written, ``from scidb.thunk import Thunk``,
the persistent cache answered from saved records and from the lineage cache after the
database is reopened (so the in-memory layer is empty), multi-output order on a fresh call
and on a hit from saved records, and the unhashable-argument error. Across processes:
test_lineage_db_processes.py.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from scipy.signal import butter, filtfilt

import scidb
import scilineage
from scidb import BaseVariable, configure_database
from scilineage import LineageResult, Thunk, UnhashableArgumentError, lineage_fcn
from scistack_engine.hashing import content_hash

SCHEMA = ["subject", "session"]


class CallCounter:
    """Counts calls of a wrapped function without entering its fingerprint.

    Referenced from a function body (closure or global), it is identified by the fixed
    string below, so counting never changes a cache key.
    """

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> None:
        self.n += 1

    def __scistack_fingerprint__(self) -> str:
        return "lineage-db-test-counter"


def reopen(path) -> scidb.Database:
    """Close the current database and configure it again: a fresh persistent cache store
    whose in-memory layer is empty, so hits can only come from saved records."""
    scidb.close()
    return configure_database(path, SCHEMA)


# --------------------------------------------------------------------------- product example


def test_product_lineage_example_runs_as_written(tmp_path, monkeypatch, scidb_unconfigured):
    monkeypatch.chdir(tmp_path)
    calls = CallCounter()

    db = configure_database("experiment.duckdb", ["subject", "session"])

    class RawEMG(BaseVariable):
        pass

    class FilteredEMG(BaseVariable):
        pass

    @lineage_fcn
    def bandpass_filter(signal, low_hz, high_hz):
        calls()
        b, a = butter(4, [low_hz, high_hz], btype="bandpass", fs=2000)
        filtered_signal = filtfilt(b, a, signal)
        return filtered_signal

    RawEMG.save(np.random.randn(1000), subject=1, session="pre")

    raw = RawEMG.load(subject=1, session="pre")
    filtered = bandpass_filter(raw, low_hz=20, high_hz=450)
    FilteredEMG.save(filtered, subject=1, session="pre")

    provenance = db.get_provenance(FilteredEMG, subject=1, session="pre")
    assert provenance["function_name"] == "bandpass_filter"
    assert provenance["constants"] == {"low_hz": 20, "high_hz": 450}
    assert calls.n == 1

    first = filtered
    filtered = bandpass_filter(raw, low_hz=20, high_hz=450)  # returns instantly
    assert calls.n == 1, "the second call must be a cache hit that does not call the function"
    assert isinstance(filtered, LineageResult)
    np.testing.assert_array_equal(filtered.data, first.data)
    assert filtered.lineage.cache_key == first.lineage.cache_key

    # the function received the plain array, and the saved value is that array
    assert isinstance(first.data, np.ndarray) and first.data.shape == (1000,)
    np.testing.assert_array_equal(FilteredEMG.load(subject=1, session="pre").data, first.data)


def test_product_example_provenance_has_every_documented_field(scidb_db):
    class RawEMG(BaseVariable):
        pass

    class FilteredEMG(BaseVariable):
        pass

    @lineage_fcn
    def bandpass_filter(signal, low_hz, high_hz):
        b, a = butter(4, [low_hz, high_hz], btype="bandpass", fs=2000)
        return filtfilt(b, a, signal)

    raw_id = RawEMG.save(np.sin(np.arange(1000) / 3.0), subject=1, session="pre")
    raw = RawEMG.load(subject=1, session="pre")
    filtered = bandpass_filter(raw, low_hz=20, high_hz=450)
    filtered_id = FilteredEMG.save(filtered, subject=1, session="pre")

    p = scidb_db.get_provenance(FilteredEMG, subject=1, session="pre")
    assert p["variable"] == "FilteredEMG"
    assert p["metadata"] == {"subject": 1, "session": "pre"}
    assert p["record_id"] == filtered_id and p["version"] == 1
    assert p["function_name"] == "bandpass_filter"
    assert p["fingerprint"] == bandpass_filter.fingerprint
    assert p["language"] == "python"
    assert p["cache_key"] == filtered.lineage.cache_key
    assert set(p["inputs"]) == {"signal"}
    signal = p["inputs"]["signal"]
    assert signal["variable"] == "RawEMG"
    assert signal["metadata"] == {"subject": 1, "session": "pre"}
    assert signal["record_id"] == raw_id and signal["version"] == 1


def test_second_call_after_reopening_is_answered_from_saved_records(scidb_path, scidb_unconfigured):
    calls = CallCounter()
    configure_database(scidb_path, SCHEMA)

    class RawEMG(BaseVariable):
        pass

    class FilteredEMG(BaseVariable):
        pass

    @lineage_fcn
    def bandpass_filter(signal, low_hz, high_hz):
        calls()
        b, a = butter(4, [low_hz, high_hz], btype="bandpass", fs=2000)
        return filtfilt(b, a, signal)

    RawEMG.save(np.cos(np.arange(500) / 5.0), subject=1, session="pre")
    first = bandpass_filter(RawEMG.load(subject=1, session="pre"), low_hz=20, high_hz=450)
    FilteredEMG.save(first, subject=1, session="pre")

    reopen(scidb_path)
    again = bandpass_filter(RawEMG.load(subject=1, session="pre"), low_hz=20, high_hz=450)
    assert calls.n == 1
    np.testing.assert_array_equal(again.data, first.data)
    assert again.lineage.cache_key == first.lineage.cache_key

    # saving the hit again adds no version
    FilteredEMG.save(again, subject=1, session="pre")
    assert [v["version"] for v in FilteredEMG.list_versions(subject=1, session="pre")] == [1]


def test_unsaved_result_is_a_persistent_hit_from_the_lineage_cache(scidb_path, scidb_unconfigured):
    # a result never saved under a variable is kept in the lineage cache all the same
    calls = CallCounter()
    configure_database(scidb_path, SCHEMA)

    class RawEMG(BaseVariable):
        pass

    @lineage_fcn
    def double(signal):
        calls()
        return signal * 2

    RawEMG.save(np.arange(4.0), subject=1, session="pre")
    first = double(RawEMG.load(subject=1, session="pre"))
    db = reopen(scidb_path)
    again = double(RawEMG.load(subject=1, session="pre"))
    assert calls.n == 1
    np.testing.assert_array_equal(again.data, first.data)
    assert again.lineage.cache_key == first.lineage.cache_key
    kept = db.cx.execute("SELECT content_hash FROM _lineage_values").fetchall()
    assert kept == [(content_hash(first.data),)], "the value is kept once, in the cache"


def test_input_content_change_is_a_miss_and_identical_resave_is_a_hit(
    scidb_path, scidb_unconfigured
):
    calls = CallCounter()
    configure_database(scidb_path, SCHEMA)

    class RawEMG(BaseVariable):
        pass

    class Scaled(BaseVariable):
        pass

    @lineage_fcn
    def scale(signal, factor):
        calls()
        return signal * factor

    RawEMG.save(np.arange(5.0), subject=1, session="pre")
    Scaled.save(scale(RawEMG.load(subject=1, session="pre"), factor=3), subject=1, session="pre")
    assert calls.n == 1

    reopen(scidb_path)
    RawEMG.save(np.arange(5.0), subject=1, session="pre")  # identical: no new version
    raw = RawEMG.load(subject=1, session="pre")
    assert raw.version == 1
    scale(raw, factor=3)
    assert calls.n == 1

    RawEMG.save(np.arange(5.0) + 1, subject=1, session="pre")  # new content: version 2
    raw = RawEMG.load(subject=1, session="pre")
    assert raw.version == 2
    result = scale(raw, factor=3)
    assert calls.n == 2
    np.testing.assert_array_equal(result.data, (np.arange(5.0) + 1) * 3)


def test_same_content_saved_under_another_address_shares_the_key(scidb_db):
    # content hashes, not record ids, enter the key
    calls = CallCounter()

    class RawEMG(BaseVariable):
        pass

    @lineage_fcn
    def total(signal):
        calls()
        return float(signal.sum())

    RawEMG.save(np.arange(6.0), subject=1, session="pre")
    RawEMG.save(np.arange(6.0), subject=2, session="post")
    a = total(RawEMG.load(subject=1, session="pre"))
    b = total(RawEMG.load(subject=2, session="post"))
    assert calls.n == 1
    assert a.lineage.cache_key == b.lineage.cache_key
    # ... while each result still names the record it came from
    assert a.lineage.inputs["signal"].metadata == {"subject": 1, "session": "pre"}
    assert b.lineage.inputs["signal"].metadata == {"subject": 2, "session": "post"}


# --------------------------------------------------------------------------- scidb.thunk


def test_thunk_from_scidb_thunk_wraps_a_function_later(scidb_db):
    from scidb.thunk import Thunk as ScidbThunk

    assert ScidbThunk is Thunk is scilineage.Thunk
    calls = CallCounter()

    class RawEMG(BaseVariable):
        pass

    class MaxActivation(BaseVariable):
        pass

    def compute_max(signal):
        calls()
        return float(np.max(np.abs(signal)))

    compute_max = ScidbThunk(compute_max)

    RawEMG.save(np.array([0.5, -2.5, 1.0]), subject=2, session="post")
    raw = RawEMG.load(subject=2, session="post")
    peak = compute_max(raw)
    assert isinstance(peak, LineageResult) and peak.data == 2.5
    MaxActivation.save(peak, subject=2, session="post")
    assert compute_max(raw).data == 2.5
    assert calls.n == 1

    p = scidb_db.get_provenance(MaxActivation, subject=2, session="post")
    assert p["function_name"] == "compute_max"
    assert p["inputs"]["signal"]["variable"] == "RawEMG"
    assert p["constants"] == {}


# --------------------------------------------------------------------------- multi-output


def _three_outputs_setup(calls: CallCounter, **options):
    class RawEMG(BaseVariable):
        pass

    # output 0 -> Zeta, 1 -> Alpha, 2 -> Mid: neither alphabetical nor the save order
    class Zeta(BaseVariable):
        pass

    class Alpha(BaseVariable):
        pass

    class Mid(BaseVariable):
        pass

    @lineage_fcn(**options)
    def describe(signal):
        calls()
        return float(signal.min()), "label-" + str(len(signal)), np.cumsum(signal)

    return RawEMG, (Zeta, Alpha, Mid), describe


def _check_three(outputs, signal):
    assert isinstance(outputs, tuple) and len(outputs) == 3
    assert [o.output_index for o in outputs] == [0, 1, 2]
    assert outputs[0].data == float(signal.min())
    assert outputs[1].data == "label-" + str(len(signal))
    np.testing.assert_array_equal(outputs[2].data, np.cumsum(signal))


@pytest.mark.parametrize("options", [{"n_outputs": 3}, {"unpack_output": True}],
                         ids=["declared_n_outputs", "unpack_output"])
def test_multi_output_order_fresh_and_hit_from_saved_outputs(
    scidb_path, scidb_unconfigured, options
):
    calls = CallCounter()
    configure_database(scidb_path, SCHEMA)
    RawEMG, (Zeta, Alpha, Mid), describe = _three_outputs_setup(calls, **options)
    signal = np.array([3.0, -1.0, 4.0, 1.5])
    RawEMG.save(signal, subject=1, session="pre")

    fresh = describe(RawEMG.load(subject=1, session="pre"))
    _check_three(fresh, signal)
    # saved in an order that is neither declaration order nor alphabetical
    Mid.save(fresh[2], subject=1, session="pre")
    Zeta.save(fresh[0], subject=1, session="pre")
    Alpha.save(fresh[1], subject=1, session="pre")

    reopen(scidb_path)
    hit = describe(RawEMG.load(subject=1, session="pre"))
    assert calls.n == 1, "all three outputs are saved: the call must be a hit"
    _check_three(hit, signal)
    assert all(h.lineage.cache_key == fresh[0].lineage.cache_key for h in hit)

    # and in memory, within the same open database
    _check_three(describe(RawEMG.load(subject=1, session="pre")), signal)
    assert calls.n == 1


def test_multi_output_call_with_an_unsaved_output_is_a_hit_from_the_lineage_cache(
        scidb_path, scidb_unconfigured):
    calls = CallCounter()
    configure_database(scidb_path, SCHEMA)
    RawEMG, (Zeta, _, Mid), describe = _three_outputs_setup(calls, n_outputs=3)
    signal = np.array([2.0, 7.0])
    RawEMG.save(signal, subject=1, session="pre")
    fresh = describe(RawEMG.load(subject=1, session="pre"))
    Zeta.save(fresh[0], subject=1, session="pre")
    Mid.save(fresh[2], subject=1, session="pre")  # output 1 never saved

    db = reopen(scidb_path)
    again = describe(RawEMG.load(subject=1, session="pre"))
    assert calls.n == 1
    _check_three(again, signal)
    # the two saved outputs are read from their records, the third from the cache alone
    rows = db.cx.execute("SELECT output_index, record_id IS NOT NULL FROM _lineage_cache "
                         "ORDER BY output_index").fetchall()
    assert rows == [(0, True), (1, False), (2, True)]


# --------------------------------------------------------------------------- unhashable


@pytest.mark.parametrize(
    "make_value",
    [object, threading.Lock, lambda: [1, threading.Lock()], lambda: {"a": object()}],
    ids=["object", "lock", "lock_in_list", "object_in_dict"],
)
def test_unhashable_argument_is_an_error_never_a_shared_key(scidb_db, make_value):
    calls = CallCounter()

    class RawEMG(BaseVariable):
        pass

    @lineage_fcn
    def apply(signal, option):
        calls()
        return signal

    RawEMG.save(np.arange(3.0), subject=1, session="pre")
    raw = RawEMG.load(subject=1, session="pre")
    for _ in range(2):  # two different unhashable values: neither may be served a result
        with pytest.raises(UnhashableArgumentError) as info:
            apply(raw, option=make_value())
        assert isinstance(info.value, TypeError)
        assert "apply" in str(info.value) and "option" in str(info.value)
    assert calls.n == 0
