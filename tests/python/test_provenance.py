"""Provenance queries (issue 4): one record, the whole upstream chain, version histories,
and selecting a version by the constant that produced it."""

from __future__ import annotations

import numpy as np
import pytest

from scidb import BaseVariable, NotFoundError
from scihist import for_each
from scilineage import lineage_fcn


class CallCounter:
    """Counts calls; a fixed fingerprint keeps it out of every cache key."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> None:
        self.n += 1

    def __scistack_fingerprint__(self) -> str:
        return "provenance-test-counter"


class RawEMG(BaseVariable):
    pass


class FilteredEMG(BaseVariable):
    pass


class RectifiedEMG(BaseVariable):
    pass


class MaxActivation(BaseVariable):
    pass


@lineage_fcn
def bandpass_filter(signal, low_hz, high_hz):
    # a stand-in filter whose output depends on both constants
    return signal * (high_hz - low_hz) / 1000.0


@lineage_fcn
def rectify(signal):
    return np.abs(signal)


@lineage_fcn
def compute_max(signal, window):
    return float(np.max(np.convolve(signal, np.ones(window) / window, mode="valid")))


RAW = np.array([1.0, -3.0, 2.0, -0.5, 4.0, -2.0])


def save_raw(**metadata) -> str:
    return RawEMG.save(RAW * (1 + metadata.get("subject", 1)), **metadata)


def run_three_steps(low_hz: int, **metadata):
    """Raw -> FilteredEMG -> RectifiedEMG -> MaxActivation, each step loaded and saved."""
    filtered = bandpass_filter(RawEMG.load(**metadata), low_hz=low_hz, high_hz=450)
    filtered_id = FilteredEMG.save(filtered, **metadata)
    rectified = rectify(FilteredEMG.load(**metadata))
    rectified_id = RectifiedEMG.save(rectified, **metadata)
    peak = compute_max(RectifiedEMG.load(**metadata), window=2)
    peak_id = MaxActivation.save(peak, **metadata)
    return filtered_id, rectified_id, peak_id


# --------------------------------------------------------------------------- one record


def test_provenance_of_latest_and_of_a_given_version(scidb_db):
    save_raw(subject=1, session="pre")
    run_three_steps(20, subject=1, session="pre")
    run_three_steps(30, subject=1, session="pre")

    latest = scidb_db.get_provenance(FilteredEMG, subject=1, session="pre")
    assert latest["version"] == 2
    assert latest["constants"] == {"low_hz": 30, "high_hz": 450}
    first = scidb_db.get_provenance(FilteredEMG, subject=1, session="pre", version=1)
    assert first["version"] == 1
    assert first["constants"] == {"low_hz": 20, "high_hz": 450}
    assert first["record_id"] != latest["record_id"]
    assert first["fingerprint"] == latest["fingerprint"] == bandpass_filter.fingerprint


def test_provenance_of_a_plain_save_says_nothing_produced_it(scidb_db):
    raw_id = save_raw(subject=1, session="pre")
    p = scidb_db.get_provenance(RawEMG, subject=1, session="pre")
    assert p["record_id"] == raw_id and p["version"] == 1
    assert p["function_name"] is None
    assert p["inputs"] == {} and p["constants"] == {}


def test_provenance_of_a_missing_record_is_not_found(scidb_db):
    save_raw(subject=1, session="pre")
    with pytest.raises(NotFoundError):
        scidb_db.get_provenance(RawEMG, subject=9, session="pre")


# --------------------------------------------------------------------------- chains


def test_chain_walks_three_saved_steps_with_record_ids_and_versions(scidb_db):
    raw_id = save_raw(subject=1, session="pre")
    filtered_id, rectified_id, peak_id = run_three_steps(20, subject=1, session="pre")

    chain = scidb_db.get_provenance_chain(MaxActivation, subject=1, session="pre")
    assert [n["variable"] for n in chain] == [
        "MaxActivation",
        "RectifiedEMG",
        "FilteredEMG",
        "RawEMG",
    ]
    assert [n["record_id"] for n in chain] == [peak_id, rectified_id, filtered_id, raw_id]
    assert [n["version"] for n in chain] == [1, 1, 1, 1]
    assert [n["function_name"] for n in chain] == [
        "compute_max",
        "rectify",
        "bandpass_filter",
        None,
    ]
    assert [n["constants"] for n in chain] == [
        {"window": 2}, {}, {"low_hz": 20, "high_hz": 450}, {}]
    assert all(n["metadata"] == {"subject": 1, "session": "pre"} for n in chain)
    # each step's input names the record and version of the next link
    for node, upstream in zip(chain, chain[1:]):
        ref = node["inputs"]["signal"]
        assert ref["variable"] == upstream["variable"]
        assert ref["record_id"] == upstream["record_id"]
        assert ref["version"] == upstream["version"]
        assert ref["content_hash"] == upstream["content_hash"]


def test_chain_of_an_older_version_follows_that_version(scidb_db):
    save_raw(subject=1, session="pre")
    old_ids = run_three_steps(20, subject=1, session="pre")
    new_ids = run_three_steps(30, subject=1, session="pre")
    assert set(old_ids).isdisjoint(new_ids)

    latest = scidb_db.get_provenance_chain(MaxActivation, subject=1, session="pre")
    assert [n["record_id"] for n in latest[:3]] == list(reversed(new_ids))
    assert [n["version"] for n in latest] == [2, 2, 2, 1]
    assert latest[2]["constants"]["low_hz"] == 30

    older = scidb_db.get_provenance_chain(MaxActivation, subject=1, session="pre", version=1)
    assert [n["record_id"] for n in older[:3]] == list(reversed(old_ids))
    assert [n["version"] for n in older] == [1, 1, 1, 1]
    assert older[2]["constants"]["low_hz"] == 20


def test_chain_through_unsaved_intermediate_results(scidb_db):
    raw_id = save_raw(subject=2, session="post")
    filtered = bandpass_filter(RawEMG.load(subject=2, session="post"), low_hz=20, high_hz=450)
    rectified = rectify(filtered)
    peak = compute_max(rectified, window=3)
    peak_id = MaxActivation.save(peak, subject=2, session="post")

    chain = scidb_db.get_provenance_chain(MaxActivation, subject=2, session="post")
    assert [n["function_name"] for n in chain] == [
        "compute_max",
        "rectify",
        "bandpass_filter",
        None,
    ]
    assert [n["variable"] for n in chain] == ["MaxActivation", None, None, "RawEMG"]
    assert chain[0]["record_id"] == peak_id and chain[-1]["record_id"] == raw_id
    assert chain[1]["record_id"] is None and chain[2]["record_id"] is None
    assert chain[2]["constants"] == {"low_hz": 20, "high_hz": 450}
    # an unsaved link is described by the content it passed on
    assert chain[1]["content_hash"] == peak.lineage.inputs["signal"].content_hash
    assert chain[2]["content_hash"] == rectified.lineage.inputs["signal"].content_hash
    assert chain[0]["inputs"]["signal"]["function_name"] == "rectify"


def test_every_provenance_list_gives_its_dicts_the_same_keys_in_one_order(scidb_db):
    # MATLAB concatenates the decoded dicts into a struct array as they are
    save_raw(subject=2, session="post")
    FilteredEMG.save(np.zeros(3), subject=2, session="post")  # a plain save
    filtered = bandpass_filter(RawEMG.load(subject=2, session="post"), low_hz=20, high_hz=450)
    FilteredEMG.save(filtered, subject=2, session="post")  # a second version, with lineage
    MaxActivation.save(compute_max(rectify(filtered), window=3), subject=2, session="post")
    lists = [scidb_db.get_provenance_chain(MaxActivation, subject=2, session="post"),
             scidb_db.list_versions(FilteredEMG, subject=2, session="post"),
             scidb_db.get_provenance_by_schema(subject=2)]
    for listed in lists:
        assert len(listed) > 1 and len({tuple(item) for item in listed}) == 1


def test_chain_of_a_for_each_pipeline(scidb_db):
    for subject in (1, 2):
        for session in ("pre", "post"):
            save_raw(subject=subject, session=session)
    combos = dict(subject=[1, 2], session=["pre", "post"])
    for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20, "high_hz": 450},
             outputs=[FilteredEMG], **combos)
    for_each(rectify, inputs={"signal": FilteredEMG}, outputs=[RectifiedEMG], **combos)
    for_each(compute_max, inputs={"signal": RectifiedEMG, "window": 2}, outputs=[MaxActivation],
             **combos)

    chain = scidb_db.get_provenance_chain(MaxActivation, subject=2, session="post")
    assert [n["variable"] for n in chain] == [
        "MaxActivation",
        "RectifiedEMG",
        "FilteredEMG",
        "RawEMG",
    ]
    assert [n["function_name"] for n in chain] == [
        "compute_max",
        "rectify",
        "bandpass_filter",
        None,
    ]
    assert chain[0]["constants"] == {"window": 2}
    assert chain[2]["constants"] == {"low_hz": 20, "high_hz": 450}
    assert all(n["metadata"] == {"subject": 2, "session": "post"} for n in chain)
    loaded = [MaxActivation, RectifiedEMG, FilteredEMG, RawEMG]
    for node, var in zip(chain, loaded):
        record = var.load(subject=2, session="post")
        assert (node["record_id"], node["version"]) == (record.record_id, record.version)
    for node, upstream in zip(chain, chain[1:]):
        assert node["inputs"]["signal"]["record_id"] == upstream["record_id"]
        assert node["inputs"]["signal"]["version"] == upstream["version"]


# --------------------------------------------------------------------------- version history


def test_db_list_versions_lists_versions_and_what_produced_each(scidb_db):
    save_raw(subject=1, session="pre")
    FilteredEMG.save(np.zeros(3), subject=1, session="pre")  # v1: a plain save
    run_three_steps(20, subject=1, session="pre")              # v2
    run_three_steps(30, subject=1, session="pre")              # v3

    history = scidb_db.list_versions(FilteredEMG, subject=1, session="pre")
    assert [h["version"] for h in history] == [1, 2, 3]
    assert [h["function_name"] for h in history] == [None, "bandpass_filter", "bandpass_filter"]
    assert [h["constants"].get("low_hz") for h in history] == [None, 20, 30]
    assert len({h["record_id"] for h in history}) == 3
    assert history[1]["inputs"]["signal"]["variable"] == "RawEMG"
    listed = FilteredEMG.list_versions(subject=1, session="pre")
    assert [v["record_id"] for v in listed] == [h["record_id"] for h in history]
    assert [v["function_name"] for v in listed] == [None, "bandpass_filter", "bandpass_filter"]
    assert [v["constants"].get("low_hz") for v in listed] == [None, 20, 30]
    saved = [v["created_at"] for v in listed]
    assert all(when.tzinfo is not None and when.utcoffset().total_seconds() == 0
               for when in saved)
    assert saved == sorted(saved)
    assert all(set(v) >= {"record_id", "version", "content_hash", "created_at",
                          "function_name", "constants"} for v in listed)


def test_db_list_versions_over_several_addresses(scidb_db):
    for session in ("pre", "post"):
        save_raw(subject=1, session=session)
    run_three_steps(20, subject=1, session="pre")
    run_three_steps(20, subject=1, session="post")
    run_three_steps(30, subject=1, session="post")

    history = scidb_db.list_versions(FilteredEMG, subject=1)
    by_session = {}
    for h in history:
        by_session.setdefault(h["metadata"]["session"], []).append(
            (h["version"], h["constants"]["low_hz"]))
    assert by_session == {"pre": [(1, 20)], "post": [(1, 20), (2, 30)]}


# --------------------------------------------------------------------------- select by constant


def test_load_by_constant_selects_the_latest_version_made_with_it(scidb_db):
    save_raw(subject=1, session="pre")
    run_three_steps(20, subject=1, session="pre")  # FilteredEMG v1
    run_three_steps(30, subject=1, session="pre")  # FilteredEMG v2

    plain = FilteredEMG.load(subject=1, session="pre")  # no ambiguity error
    assert plain.version == 2
    by_20 = FilteredEMG.load(subject=1, session="pre", low_hz=20)
    assert by_20.version == 1
    np.testing.assert_array_equal(by_20.data, RAW * 2 * 430 / 1000.0)
    assert FilteredEMG.load(subject=1, session="pre", low_hz=30).version == 2
    assert FilteredEMG.load(subject=1, session="pre", low_hz=20, high_hz=450).version == 1
    assert FilteredEMG.load(subject=1, session="pre", low_hz=20.0).version == 1

    run_three_steps(20, subject=1, session="pre")  # back to 20: v3
    assert FilteredEMG.load(subject=1, session="pre").version == 3
    assert FilteredEMG.load(subject=1, session="pre", low_hz=20).version == 3
    assert FilteredEMG.load(subject=1, session="pre", low_hz=30).version == 2


def test_load_by_constant_that_never_produced_a_version_is_not_found(scidb_db):
    save_raw(subject=1, session="pre")
    run_three_steps(20, subject=1, session="pre")
    with pytest.raises(NotFoundError) as info:
        FilteredEMG.load(subject=1, session="pre", low_hz=25)
    assert "low_hz" in str(info.value)
    with pytest.raises(NotFoundError):
        FilteredEMG.load(subject=1, session="pre", cutoff=20)


def test_select_by_constant_over_several_records_and_load_all(scidb_db):
    for session in ("pre", "post"):
        save_raw(subject=1, session=session)
        run_three_steps(20, subject=1, session=session)
    run_three_steps(30, subject=1, session="post")

    loaded = FilteredEMG.load(subject=1, low_hz=20)
    assert isinstance(loaded, list)
    assert sorted((v.metadata["session"], v.version) for v in loaded) == [("post", 1), ("pre", 1)]
    assert sorted((v.metadata["session"], v.version) for v in FilteredEMG.load(subject=1)) == [
        ("post", 2), ("pre", 1)]
    frame = FilteredEMG.load_all(as_df=True, low_hz=30)
    assert list(frame["session"]) == ["post"]


def test_select_by_constant_after_for_each_reruns(scidb_db):
    calls = CallCounter()

    def lowpass(signal, low_hz):
        calls()
        return signal / low_hz

    for subject in (1, 2):
        save_raw(subject=subject, session="pre")
    for_each(lowpass, inputs={"signal": RawEMG, "low_hz": 20}, outputs=[FilteredEMG],
             subject=[1, 2], session=["pre"])
    for_each(lowpass, inputs={"signal": RawEMG, "low_hz": 30}, outputs=[FilteredEMG],
             subject=[1, 2], session=["pre"])
    assert calls.n == 4
    for subject in (1, 2):
        assert FilteredEMG.load(subject=subject, session="pre").version == 2
        chosen = FilteredEMG.load(subject=subject, session="pre", low_hz=20)
        assert chosen.version == 1
        np.testing.assert_array_equal(chosen.data, RAW * (1 + subject) / 20)
