"""What a for_each stores is fixed: the rows a sample pipeline leaves are the recorded ones.

The pipeline (run through the engine's :class:`~scistack_engine.execution.ForEachRun` and
:func:`~scistack_engine.batches.drive`, with a fixed function fingerprint) covers what the
commit path treats differently: scalar outputs of each kind (saved as columns), arrays,
outputs of mixed types and values outside the value model (saved item by item), a
function that raises, a missing input, a rerun whose combinations are cached, a plain run
without a fingerprint and a run that saves new versions. Its records — record ids,
content hashes, versions, values, cache keys, lineage — and its run-log rows (all but
times, run ids, hosts and pids) must equal ``tests/fixtures/foreach_stored_rows.json``,
recorded before the commit path saved scalar outputs as columns and built the run log as
columns. ``python tests/python/test_foreach_stored_rows.py`` writes that file anew.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from scistack_engine.batches import drive
from scistack_engine.execution import ForEachRun
from scistack_engine.runlog import json_texts
from scistack_engine.store import Database, SaveItem

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "foreach_stored_rows.json"
SCHEMA = ["subject", "session"]
FINGERPRINT = "ab" * 32
SUBJECTS, SESSIONS = list(range(7)), ["pre", "post"]


class Opaque:
    """A value outside the value model: its outputs cannot be stored."""


def peak(signal, gain):
    if signal == 3.5:
        raise ValueError("too noisy")
    return signal * gain, np.arange(3.0) + signal, f"s{signal}", bool(signal > 2), int(signal)


def mixed(signal):
    """An int for some combinations, a float for others; a value outside the value model
    for one (its combination fails, saving nothing)."""
    if signal == 6.0:
        return Opaque(), 1.0
    return (int(signal) if signal < 3 else signal / 2), signal


def _spec(function: str, outputs: list[str], fingerprint: str | None = FINGERPRINT,
          **inputs) -> dict:
    return {"function": function, "outputs": outputs, "fingerprint": fingerprint,
            "inputs": {"signal": {"kind": "variable", "variable": "Signal"},
                       **{k: {"kind": "constant", "value": v} for k, v in inputs.items()}},
            "iterables": {"subject": SUBJECTS, "session": SESSIONS}, "skip_computed": True,
            "batch_size": 4}


def _run(db: Database, spec: dict, call) -> None:
    drive(ForEachRun(db, spec), call, batch_size=4, commit_seconds=3600, progress=False)


def pipeline(db: Database) -> None:
    """The sample pipeline (Signal is missing at subject 6, session post)."""
    db.save_batch([SaveItem("Signal", {"subject": s, "session": p},
                            s + (0.5 if p == "post" else 0.0))
                   for s in SUBJECTS for p in SESSIONS if (s, p) != (6, "post")])
    outputs = ["Peak", "Trace", "Tag", "Flag", "Count"]
    _run(db, _spec("peak", outputs, gain=2.0), peak)
    _run(db, _spec("peak", outputs, gain=2.0), peak)  # cached
    _run(db, _spec("peak", outputs, gain=3.0), peak)  # new versions
    _run(db, _spec("mixed", ["Mixed", "Half"]), mixed)
    _run(db, _spec("mixed", ["Mixed", "Half"], fingerprint=None), mixed)  # no lineage


def stored_rows(db: Database) -> dict[str, list[str]]:
    """The pipeline's rows as text, in a fixed order, without times, run ids and hosts
    (an array as its list of floats, wherever the storage format keeps its bytes)."""
    records = db.cx.execute(
        "SELECT record_id, variable, address, version, subject, session, kind, content_hash, "
        "value_num, value_int, value_txt, COALESCE(value_arr, _scistack_f8(a.data)), shape, "
        "payload, cache_key, lineage, output_index FROM _records "
        "LEFT JOIN _arrays a ON a.array_id = _records.value_array_id "
        "ORDER BY variable, address, version").fetchall()
    runs = db.cx.execute(
        "SELECT function, language, status, n_combos, n_done, n_cached, n_skipped, n_failed, "
        "options FROM _runs ORDER BY started_at").fetchall()
    combos = db.cx.execute(
        "SELECT c.combo, c.metadata, c.status, c.reason, c.record_ids, c.stack IS NOT NULL, "
        "c.worker FROM _run_combos c JOIN _runs r USING (run_id) "
        "ORDER BY r.started_at, c.combo").fetchall()
    return {"records": [repr(row) for row in records], "runs": [repr(row) for row in runs],
            "run_combos": [repr(row) for row in combos]}


def _rows_of_a_fresh_run(path: Path) -> dict[str, list[str]]:
    db = Database(str(path), SCHEMA)
    try:
        pipeline(db)
        return stored_rows(db)
    finally:
        db.close()


def test_a_pipelines_stored_rows_are_the_recorded_ones(tmp_path):
    expected = json.loads(FIXTURE.read_text())
    got = _rows_of_a_fresh_run(tmp_path / "rows.duckdb")
    for table in ("records", "runs", "run_combos"):
        assert got[table] == expected[table], table


def test_run_log_json_texts_equal_json_dumps():
    objects = [{"subject": 1, "session": "pre"}, {"session": "pré\n\"", "subject": 10**30},
               {"b": -0.0, "a": 0.0}, {"x": float("nan"), "y": True, "z": None}, {},
               {"k": [1, {"b": 2, "a": 1}], "t": 1}, {"t": True}, {"t": 1.0}, {"t": 1},
               {"d": np.float64(2.5), "e": Opaque()}]
    assert json_texts(objects) == [json.dumps(o, sort_keys=True, default=str) for o in objects]
    same_keys = [{"trial": t, "subject": -t, "100%": 10**30 + t} for t in range(3)]
    for objects in (same_keys, [*same_keys, {"trial": True, "subject": 0, "100%": 0}]):
        assert json_texts(objects) == [json.dumps(o, sort_keys=True) for o in objects]


if __name__ == "__main__":
    import tempfile

    sys.path.insert(0, str(Path(__file__).parent))
    from test_foreach_stored_rows import _rows_of_a_fresh_run as rows_of  # Opaque's own module

    with tempfile.TemporaryDirectory() as folder:
        rows = rows_of(Path(folder) / "rows.duckdb")
    FIXTURE.write_text(json.dumps(rows, indent=1) + "\n")
    print(f"wrote {FIXTURE}: " + ", ".join(f"{len(v)} {k}" for k, v in rows.items()),
          file=sys.stderr)
