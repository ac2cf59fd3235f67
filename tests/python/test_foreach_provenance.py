"""Provenance of a plain ``scidb.for_each``: every output records the function, its code
fingerprint, the constants and the input records; loads select by those constants; the
run never skips by cache key (that is scihist's)."""

from __future__ import annotations

import logging
import threading

import numpy as np
import pytest

import scidb
import scihist
from scidb import BaseVariable
from scistack_engine.fingerprint import function_fingerprint


class RawEMG(BaseVariable):
    pass


class FilteredEMG(BaseVariable):
    pass


class Peak(BaseVariable):
    pass


def bandpass_filter(signal, low_hz):
    return np.asarray(signal) * low_hz


def save_raw():
    for subject in (1, 2):
        for session in ("pre", "post"):
            RawEMG.save(np.arange(3.0) + subject, subject=subject, session=session)


def test_get_provenance_answers_after_a_plain_for_each(scidb_db):
    save_raw()
    scidb.for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20},
                   outputs=[FilteredEMG], subject=[1, 2], session=["pre", "post"])
    provenance = scidb_db.get_provenance(FilteredEMG, subject=1, session="pre")
    assert provenance["function_name"] == "bandpass_filter"
    assert provenance["fingerprint"] == function_fingerprint(bandpass_filter)
    assert provenance["language"] == "python"
    assert provenance["constants"] == {"low_hz": 20}
    raw = RawEMG.load(subject=1, session="pre")
    signal = provenance["inputs"]["signal"]
    assert (signal["variable"], signal["record_id"], signal["version"]) == (
        "RawEMG", raw.record_id, 1)
    assert signal["metadata"] == {"subject": 1, "session": "pre"}


def test_loads_select_the_version_made_with_a_constant(scidb_db):
    save_raw()
    for low_hz in (20, 30):
        scidb.for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": low_hz},
                       outputs=[FilteredEMG], subject=[1], session=["pre"])
    assert FilteredEMG.load(subject=1, session="pre").data.tolist() == [30.0, 60.0, 90.0]
    twenty = FilteredEMG.load(subject=1, session="pre", low_hz=20)
    assert (twenty.version, twenty.data.tolist()) == (1, [20.0, 40.0, 60.0])
    versions = FilteredEMG.list_versions(subject=1, session="pre")
    assert [v["constants"] for v in versions] == [{"low_hz": 20}, {"low_hz": 30}]


def test_a_plain_for_each_runs_every_combination_again(scidb_db):
    save_raw()
    calls = []

    def peak(signal):
        calls.append(1)
        return float(np.max(signal))

    for _ in range(2):
        result = scidb.for_each(peak, inputs={"signal": RawEMG}, outputs=[Peak],
                                subject=[1, 2], session=["pre"])
        assert result["status"].tolist() == ["done", "done"]
    assert len(calls) == 4
    assert [v["version"] for v in Peak.list_versions(subject=1, session="pre")] == [1]
    # the same function through scihist finds what the plain run computed
    again = scihist.for_each(peak, inputs={"signal": RawEMG}, outputs=[Peak],
                             subject=[1, 2], session=["pre"])
    assert again["status"].tolist() == ["cached", "cached"]
    assert len(calls) == 4


def test_skip_existing_still_skips_with_provenance_recorded(scidb_db):
    save_raw()
    scidb.for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20},
                   outputs=[FilteredEMG], subject=[1], session=["pre"])
    result = scidb.for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 30},
                            outputs=[FilteredEMG], subject=[1], session=["pre", "post"],
                            skip_existing=True)
    assert result["status"].tolist() == ["cached", "done"]
    assert result["reason"].tolist()[0] == "its outputs are already saved"


_LOCK = threading.Lock()


def locked_peak(signal):
    with _LOCK:
        return float(np.max(signal))


def test_an_unfingerprintable_function_runs_without_provenance(scidb_db, caplog):
    save_raw()
    with caplog.at_level(logging.WARNING, logger="scidb.for_each"):
        result = scidb.for_each(locked_peak, inputs={"signal": RawEMG}, outputs=[Peak],
                                subject=[1], session=["pre"])
    assert result["status"].tolist() == ["done"]
    assert "without provenance" in caplog.text
    assert scidb_db.get_provenance(Peak, subject=1, session="pre")["function_name"] is None


def test_provenance_by_schema_lists_every_record_at_a_partial_address(scidb_db):
    save_raw()
    scidb.for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20},
                   outputs=[FilteredEMG], subject=[1, 2], session=["pre"])
    found = scidb_db.get_provenance_by_schema(subject=1)
    described = [(p["variable"], p["metadata"]["session"], p["function_name"]) for p in found]
    assert described == [("FilteredEMG", "pre", "bandpass_filter"),
                         ("RawEMG", "post", None), ("RawEMG", "pre", None)]
    assert found[0]["constants"] == {"low_hz": 20}
    assert len(scidb_db.get_provenance_by_schema()) == 6
    assert scidb_db.get_provenance_by_schema(subject=9) == []
    with pytest.raises(scidb.UnknownMetadataKeyError):
        scidb_db.get_provenance_by_schema(trial=1)
