"""Octave's for_each with 'executor', 'processes': where each combination ran.

The results are checked in ``tests/matlab/test_scidb_parallel.m`` (run by the Octave
suite); this test reads the run log Octave wrote, from Python: the first combinations run
in Octave itself (worker ``main``, measuring the function), the rest on parcellfun worker
processes (``parcellfun-<pid>``), and the file is intact.
"""

from __future__ import annotations

import duckdb
import pytest

from octave_support import ROOT, ensure_bridge, run_octave

pytestmark = pytest.mark.octave


def test_the_run_log_names_octaves_parallel_workers(tmp_path):
    ensure_bridge()
    path = tmp_path / "parallel.duckdb"
    helpers = ROOT / "tests" / "matlab" / "helpers_scidb"
    result = run_octave(
        f"addpath('{ROOT / 'toolbox'}'); addpath('{helpers}'); scistack.setup(); "
        f"scidb.configure_database('{path}', {{'subject', 'session'}}); "
        "for s = 1:10, RawEMG().save(s, 'subject', s, 'session', 'pre'); end; "
        "r = scidb.for_each(@helper_slow_scale, struct('x', RawEMG(), 'factor', 2), "
        "{Doubled()}, 'subject', 1:10, 'session', 'pre', 'executor', 'processes', "
        "'progress', false); printf('pid=%d\\n', getpid()); disp(unique(r.status));")
    octave_pid = int(result.stdout.split("pid=")[1].split()[0])
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("SELECT worker, pid, host, status FROM _run_combos").fetchall()
        values = con.execute("SELECT subject, value FROM Doubled ORDER BY subject").fetchall()
    finally:
        con.close()
    assert {status for *_, status in rows} == {"done"} and len(rows) == 10
    here = [pid for worker, pid, _, _ in rows if worker == "main"]
    away = {(worker, pid) for worker, pid, _, _ in rows if worker != "main"}
    assert here and set(here) == {octave_pid}
    assert away and all(worker == f"parcellfun-{pid}" and pid != octave_pid
                        for worker, pid in away)
    assert [(int(s), v) for s, v in values] == [(s, 2.0 * s) for s in range(1, 11)]
