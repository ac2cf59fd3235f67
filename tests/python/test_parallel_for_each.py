"""for_each on local worker processes and on Dask: the same records as serial, faults kept
to their chunk, nothing lost.

The functions run by workers are defined at the top of this module, so workers import them
by reference (the module is on the ``sys.path`` the workers receive); the tests of
``__main__`` functions run a script in a child process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

import scifor
from scidb import BaseVariable, Processes, for_each
from scihist import for_each as hist_for_each
from scihist import lineage_fcn
from scistack_engine.errors import UnsendableFunctionError
from scistack_engine.executors import Serial, resolve_executor
from scistack_engine.transport import (
    pack_function,
    pack_pickled,
    pack_value,
    unpack_function,
    unpack_value,
)


class Signal(BaseVariable):
    pass


class Peak(BaseVariable):
    pass


class Summary(BaseVariable):
    pass


class Doubled(BaseVariable):
    pass


def peak_and_summary(signal):
    """Outputs of several kinds: a float, and a DataFrame with a tuple beside it."""
    return float(np.max(signal)), pd.DataFrame({"n": [len(signal)], "mean": [signal.mean()]})


def _subject(signal) -> int:
    return int(signal[0] // 1000)  # _save_signals marks each signal with its subject


def raise_on_three(signal):
    if _subject(signal) == 3:
        raise ValueError(f"subject {_subject(signal)} is too noisy")
    return float(signal.sum())


def die_on_three(signal):
    if _subject(signal) == 3:
        os.kill(os.getpid(), signal_module.SIGKILL)
    return float(signal.sum())


signal_module = signal


def cheap(signal):
    return float(signal[0])


@lineage_fcn
def filtered(signal, gain):
    return signal * gain


@pytest.fixture(scope="module")
def pool():
    """Two local workers shared by the tests of this module (as a user's runs share them)."""
    executor = Processes(workers=2, chunk_size=2)
    yield executor
    executor.close()


def _save_signals(n: int = 6) -> None:
    rng = np.random.default_rng(7)
    for subject in range(1, n + 1):
        for session in ("pre", "post"):
            values = rng.normal(size=50)
            values[0] = 1000 * subject
            Signal.save(values, subject=subject, session=session)


def _records(db, variable: str) -> list[tuple]:
    """Everything stored of ``variable``'s records but their ids and times, in address order."""
    return db.con.execute(
        "SELECT subject, session, version, kind, content_hash, value_num, value_int, value_txt, "
        "value_arr, shape, payload, cache_key, lineage, output_index FROM _records "
        "WHERE variable = ? ORDER BY subject, session, output_index", [variable]).fetchall()


def _combos(db) -> pd.DataFrame:
    return db.con.execute("SELECT combo, status, reason, stack, host, pid, worker "
                          "FROM _run_combos ORDER BY combo").df()


# ------------------------------------------------------------------ same records as serial


def test_processes_save_byte_identical_records_to_serial(scidb_unconfigured, pool, tmp_path):
    from scidb import configure_database

    stored = {}
    for label, executor in (("serial", "serial"), ("processes", pool)):
        db = configure_database(tmp_path / f"{label}.duckdb", ["subject", "session"])
        _save_signals()
        result = for_each(peak_and_summary, inputs={"signal": Signal}, outputs=[Peak, Summary],
                          subject=[], session=[], executor=executor)
        assert (result["status"] == "done").all()
        stored[label] = (_records(db, "Peak"), _records(db, "Summary"))
        db.close()
    assert stored["serial"] == stored["processes"]
    assert len(stored["serial"][0]) == 12


def test_lineage_functions_keep_cache_keys_and_skip_on_rerun(scidb_db, pool, tmp_path):
    _save_signals(4)
    first = hist_for_each(filtered, inputs={"signal": Signal, "gain": 2.0}, outputs=[Doubled],
                          subject=[], session=[], executor=pool)
    assert (first["status"] == "done").all()
    parallel = _records(scidb_db, "Doubled")
    again = hist_for_each(filtered, inputs={"signal": Signal, "gain": 2.0}, outputs=[Doubled],
                          subject=[], session=[], executor=pool)
    assert (again["status"] == "cached").all()
    # the same run in serial on a copy of the inputs gives the same records and cache keys
    from scidb import configure_database

    serial_db = configure_database(tmp_path / "serial.duckdb", ["subject", "session"])
    _save_signals(4)
    hist_for_each(filtered, inputs={"signal": Signal, "gain": 2.0}, outputs=[Doubled],
                  subject=[], session=[])
    assert _records(serial_db, "Doubled") == parallel


def test_the_run_log_says_where_each_combination_ran(scidb_db, pool):
    _save_signals(3)
    for_each(peak_and_summary, inputs={"signal": Signal}, outputs=[Peak, Summary],
             subject=[], session=[], executor=pool)
    combos = _combos(scidb_db)
    assert len(combos) == 6 and set(combos["status"]) == {"done"}
    assert set(combos["worker"]) <= {"local-1", "local-2", "local-3", "local-4"}
    assert os.getpid() not in set(combos["pid"])
    assert set(combos["host"]) == {os.uname().nodename}
    options = json.loads(scidb_db.con.execute("SELECT options FROM _runs").fetchone()[0])
    assert options["executor"] == "Processes(workers=2, chunk_size=2)"


def test_scifor_gives_the_serial_result_on_processes(pool):
    scifor.set_schema(["subject", "session"])
    table = pd.DataFrame({"subject": [1, 1, 2, 2, 3, 3], "session": ["a", "b"] * 3,
                          "signal": [np.arange(4.0) * k for k in range(6)]})
    serial = scifor.for_each(cheap, inputs={"signal": table}, subject=[], session=[])
    parallel = scifor.for_each(cheap, inputs={"signal": table}, subject=[], session=[],
                               executor=pool)
    pd.testing.assert_frame_equal(serial, parallel)


# ------------------------------------------------------------------ failures and faults


def test_an_exception_in_a_worker_is_recorded_as_in_serial(scidb_db, pool):
    _save_signals(4)
    result = for_each(raise_on_three, inputs={"signal": Signal}, outputs=[Peak],
                      subject=[], session=[], executor=pool)
    failed = result[result["status"] == "failed"]
    assert list(failed["subject"]) == [3, 3]
    assert set(failed["reason"]) == {"ValueError: subject 3 is too noisy"}
    stacks = _combos(scidb_db).dropna(subset=["stack"])["stack"]
    assert len(stacks) == 2 and all("raise_on_three" in s and "Traceback" in s for s in stacks)
    assert (result["status"] == "done").sum() == 6


def test_on_error_raise_reraises_the_workers_exception(scidb_db, pool):
    _save_signals(4)
    with pytest.raises(ValueError, match="subject 3 is too noisy"):
        for_each(raise_on_three, inputs={"signal": Signal}, outputs=[Peak], subject=[],
                 session=[], executor=pool, on_error="raise")
    run = scidb_db.con.execute("SELECT status FROM _runs").fetchall()
    assert run == [("failed",)]


def test_a_worker_killed_mid_chunk_fails_only_its_chunk(scidb_db, pool):
    _save_signals(6)
    result = for_each(die_on_three, inputs={"signal": Signal}, outputs=[Peak],
                      subject=[], session=[], executor=pool)
    failed = result[result["status"] == "failed"]
    # subject 3's two sessions form one chunk of two: only they fail
    assert list(failed["subject"]) == [3, 3]
    assert all("killed by signal 9 (SIGKILL)" in reason for reason in failed["reason"])
    assert (result["status"] == "done").sum() == 10
    # the pool replaced the dead worker: the next run has both workers
    again = for_each(cheap, inputs={"signal": Signal}, outputs=[Doubled], subject=[],
                     session=[], executor=pool)
    assert (again["status"] == "done").all()
    assert scidb_db.con.execute(
        "SELECT count(DISTINCT pid) FROM _run_combos WHERE record_ids LIKE '%' "
        "AND run_id = (SELECT run_id FROM _runs ORDER BY started_at DESC LIMIT 1)"
    ).fetchone()[0] == 2


def test_a_function_that_cannot_travel_is_refused_with_the_fix(scidb_db, pool):
    _save_signals(2)
    lock = threading.Lock()

    def holds_a_lock(signal):
        with lock:
            return float(signal[0])

    with pytest.raises(UnsendableFunctionError, match="holds_a_lock.*executor='serial'"):
        for_each(holds_a_lock, inputs={"signal": Signal}, outputs=[Peak], subject=[],
                 session=[], executor=pool)
    assert scidb_db.con.execute("SELECT count(*) FROM _records WHERE variable = 'Peak'"
                                ).fetchone()[0] == 0


# ------------------------------------------------------------------ the automatic choice


def test_a_cheap_function_stays_in_this_process(scidb_db):
    _save_signals(6)
    executor = Processes(workers=2)
    try:
        result = for_each(cheap, inputs={"signal": Signal}, outputs=[Peak], subject=[],
                          session=[], executor=executor)
        assert (result["status"] == "done").all()
        assert set(_combos(scidb_db)["worker"]) == {"main"}
        assert not executor.pool.started  # no worker was started for it
    finally:
        executor.close()


def test_executor_names_resolve_and_wrong_ones_are_refused():
    assert isinstance(resolve_executor("serial"), Serial)
    assert resolve_executor("processes") is resolve_executor("processes")
    with pytest.raises(TypeError, match="'serial', 'processes'"):
        resolve_executor("threads")
    with pytest.raises(ValueError, match="positive"):
        Processes(workers=0)
    with pytest.raises(ValueError, match="positive"):
        Processes(chunk_size=0)


# ------------------------------------------------------------------ transport


def test_functions_travel_by_reference_when_they_can():
    assert pack_function(cheap) == b"Rtest_parallel_for_each:cheap"
    assert unpack_function(pack_function(cheap)) is cheap
    # the function under @lineage_fcn: by reference to the decorated name
    wrapped = filtered.__wrapped__
    assert pack_function(wrapped).endswith(b":filtered:__wrapped__")
    assert unpack_function(pack_function(wrapped)) is wrapped
    # a lambda travels by value
    assert unpack_function(pack_function(lambda x: x + 1))(1) == 2


def test_values_travel_as_wire_bytes_and_others_pickled():
    value = {"a": np.arange(3.0), "b": (1, "x"), "c": pd.DataFrame({"v": [1.5]})}
    packed = pack_value(value)
    assert packed[:1] == b"W"
    back = unpack_value(packed)
    assert back["b"] == (1, "x") and type(back["b"]) is tuple
    np.testing.assert_array_equal(back["a"], value["a"])
    assert pack_value(Path("/tmp"))[:1] == b"P" and unpack_value(pack_value(Path("/x"))) == Path(
        "/x"
    )


def test_pickled_values_come_back_as_the_very_objects_packed():
    metadata = {"subject": np.int64(3), "trial": 2, "side": "L", "when": (1, 2.5)}
    packed = pack_pickled(metadata)
    assert packed[:1] == b"P"
    back = unpack_value(packed)
    assert back == metadata and list(back) == list(metadata)
    assert [type(v) for v in back.values()] == [type(v) for v in metadata.values()]


# ------------------------------------------------------------------ real processes and signals


def _script(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent("""
        import os, sys, time
        import numpy as np
        from scidb import BaseVariable, Processes, configure_database, for_each

        class RawX(BaseVariable):
            pass

        class OutX(BaseVariable):
            pass

        configure_database(sys.argv[1], ["subject"])
    """) + textwrap.dedent(body))
    return script


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_a_function_defined_in_main_runs_on_processes_without_a_main_guard(tmp_path):
    script = _script(tmp_path, """
        for s in range(8):
            RawX.save(float(s), subject=s)

        def triple(x):
            return x * 3

        result = for_each(triple, inputs={"x": RawX}, outputs=[OutX], subject=[],
                          executor=Processes(workers=2, chunk_size=2))
        print(sorted(result["status"]), flush=True)
    """)
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "main.duckdb")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(["done"] * 8)
    con = duckdb.connect(str(tmp_path / "main.duckdb"), read_only=True)
    values = con.execute("SELECT value FROM OutX ORDER BY subject").fetchall()
    workers = {w for (w,) in con.execute("SELECT DISTINCT worker FROM _run_combos").fetchall()}
    con.close()
    assert [v for (v,) in values] == [3.0 * s for s in range(8)]
    assert workers <= {"local-1", "local-2"}


def _slow_child(tmp_path: Path, combos: int) -> subprocess.Popen:
    script = _script(tmp_path, f"""
        RawX.save_from_dataframe(__import__("pandas").DataFrame(
            {{"subject": range({combos}), "v": range({combos})}}), "v", ["subject"])

        def slow(x):
            time.sleep(0.05)
            return x * 2

        print("started", flush=True)
        for_each(slow, inputs={{"x": RawX}}, outputs=[OutX], subject=range({combos}),
                 executor=Processes(workers=2, chunk_size=4), skip_existing=True)
        print("finished", flush=True)
    """)
    child = subprocess.Popen([sys.executable, str(script), str(tmp_path / "run.duckdb")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=_interruptible)
    assert child.stdout is not None and child.stdout.readline().strip() == "started"
    return child


def _worker_pids(path: Path) -> set[int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {p for (p,) in con.execute(
            "SELECT DISTINCT pid FROM _run_combos WHERE worker LIKE 'local-%'").fetchall()}
    finally:
        con.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_gone(pids: set[int], seconds: float = 10.0) -> set[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    return {p for p in pids if _alive(p)}


@pytest.mark.slow
def test_ctrl_c_keeps_what_finished_and_leaves_no_worker(tmp_path):
    child = _slow_child(tmp_path, 400)
    time.sleep(7)  # past the first time-bounded commit
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode != 0
    assert "combinations saved; run again to continue" in err
    path = tmp_path / "run.duckdb"
    pids = _worker_pids(path)
    assert pids and not _wait_gone(pids)
    con = duckdb.connect(str(path), read_only=True)
    status, saved = con.execute("SELECT status, (SELECT count(*) FROM _records WHERE "
                                "variable = 'OutX') FROM _runs").fetchone()
    con.close()
    assert status == "interrupted" and 0 < saved < 400


@pytest.mark.slow
def test_a_killed_coordinator_loses_seconds_and_a_rerun_continues(tmp_path):
    child = _slow_child(tmp_path, 300)
    time.sleep(7)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    path = tmp_path / "run.duckdb"
    pids = _worker_pids(path)
    assert pids and not _wait_gone(pids)  # workers end when their coordinator is gone
    con = duckdb.connect(str(path), read_only=True)
    kept = con.execute("SELECT count(*) FROM _records WHERE variable = 'OutX'").fetchone()[0]
    con.close()
    assert kept > 0
    rerun = _slow_child(tmp_path, 300)
    rerun.communicate(timeout=120)
    assert rerun.returncode == 0
    con = duckdb.connect(str(path), read_only=True)
    per_address = con.execute("SELECT max(n), count(*) FROM (SELECT subject, count(*) AS n "
                              "FROM _records WHERE variable = 'OutX' GROUP BY subject)").fetchone()
    cached = con.execute("SELECT count(*) FROM _run_combos WHERE status = 'cached'").fetchone()[0]
    con.close()
    assert per_address == (1, 300)  # every output once, none saved twice
    assert cached == kept


# ------------------------------------------------------------------ Dask


@pytest.fixture(scope="module")
def dask_client():
    """A real dask.distributed cluster: two worker processes on this machine."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            yield client


@pytest.mark.slow
def test_dask_saves_the_serial_records_and_names_its_workers(scidb_unconfigured, dask_client,
                                                             tmp_path):
    from scidb import Dask, configure_database

    stored = {}
    for label, executor in (("serial", "serial"), ("dask", Dask(dask_client, chunk_size=3))):
        db = configure_database(tmp_path / f"{label}.duckdb", ["subject", "session"])
        _save_signals(4)
        result = for_each(raise_on_three, inputs={"signal": Signal}, outputs=[Peak],
                          subject=[], session=[], executor=executor)
        assert list(result["status"]) == ["done"] * 4 + ["failed"] * 2 + ["done"] * 2
        stored[label] = (_records(db, "Peak"), list(result["reason"]))
        workers = set(_combos(db)["worker"])
        db.close()
    assert stored["serial"] == stored["dask"]
    assert all(w.startswith("tcp://") for w in workers) and len(workers) == 2


@pytest.mark.slow
def test_a_dask_worker_that_dies_fails_its_chunk_and_the_run_goes_on(scidb_db, dask_client):
    from scidb import Dask

    _save_signals(4)
    result = for_each(die_on_three, inputs={"signal": Signal}, outputs=[Peak], subject=[],
                      session=[], executor=Dask(dask_client, chunk_size=2))
    failed = result[result["status"] == "failed"]
    # Dask counts a worker's death against every task that worker held, so a chunk
    # beside the deadly one may fail with it; the deadly chunk always does
    assert {3} <= set(failed["subject"]) <= {2, 3, 4}
    assert all("KilledWorker" in reason for reason in failed["reason"]), list(failed["reason"])
    assert set(result[result["status"] == "done"]["subject"]) >= {1}
    assert (result["status"] == "done").sum() + len(failed) == 8


def test_results_from_one_place_share_one_place_and_keep_their_values():
    from scistack_engine.executors import outcomes_of

    where = ("node-1", 41, "w0")
    outcomes = outcomes_of([(k, pack_value(k * 1.5), None, 0.25, where) for k in range(3)]
                           + [(3, pack_value("x"), None, 0.5, ("node-2", 7, "w1"))])
    assert [o.returned for o in outcomes] == [0.0, 1.5, 3.0, "x"]
    assert outcomes[0].place is outcomes[1].place is outcomes[2].place
    places = [(o.place.host, o.place.pid, o.place.worker) for o in outcomes]
    assert places == [where] * 3 + [("node-2", 7, "w1")]
