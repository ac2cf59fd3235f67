"""scistack merge / resubmit on SLURM run folders whose coordinating process stopped.

The run is staged by a real ``Slurm`` for_each that is interrupted before it submits; its
chunks are then run by the array-task entry point (``python -m scistack_engine.slurm_task``)
as SLURM would run them. Resubmission through a real ``sbatch`` is in
test_slurm_for_each.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scidb import BaseVariable, configure_database, for_each
from scistack_engine import cli, slurm_runs
from scistack_engine.slurm import Slurm

HERE = Path(__file__).resolve().parent


class Raw(BaseVariable):
    pass


class Scaled(BaseVariable):
    pass


def scale(x):
    if x == 7.0:
        raise ValueError("seven is refused")
    return x * 3.0


def _stage_only(self, folder, run, chunks):
    self._job_script(folder, run.function)  # as a coordinator killed after staging left it
    raise KeyboardInterrupt  # the coordinator stops once the folder is staged
    yield  # pragma: no cover


def _run_chunk(folder: Path, chunk: int) -> None:
    subprocess.run([sys.executable, "-m", "scistack_engine.slurm_task", str(folder),
                    str(chunk)], check=True, cwd=HERE, capture_output=True)


@pytest.fixture
def staged(tmp_path, scidb_unconfigured, monkeypatch):
    db = configure_database(tmp_path / "cluster.duckdb", ["subject"])
    for subject in range(8):
        Raw.save(float(subject), subject=subject)
    monkeypatch.setattr(Slurm, "_run_array", _stage_only)
    monkeypatch.syspath_prepend(str(HERE))
    with pytest.raises(KeyboardInterrupt):
        for_each(scale, inputs={"x": Raw}, outputs=[Scaled], subject=[],
                 executor=Slurm(chunk_size=3, time=None))
    db.close()
    (folder,) = [p.parent for p in (tmp_path / ".scistack-runs").glob("*/manifest.duckdb")]
    return tmp_path / "cluster.duckdb", folder


def _merge(capsys, path, run):
    status = cli.main(["merge", str(path), run, "--json"])
    return status, json.loads(capsys.readouterr().out)


def _scaled_rows(path, columns):
    """``columns`` of the Scaled records in the file at ``path``, by subject."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"SELECT {columns} FROM _records WHERE variable = 'Scaled' "
                           "ORDER BY subject").fetchall()
    finally:
        con.close()


def _scaled(path):
    return _scaled_rows(path, "CAST(subject AS INTEGER), value_num, version")


def test_merge_commits_the_finished_chunks_and_names_what_is_missing(staged, capsys):
    path, folder = staged
    _run_chunk(folder, 0)
    _run_chunk(folder, 2)  # subjects 6 and 7: 7 fails in the function
    (folder / "shards" / "000001.duckdb.partial-99").write_text("torn")
    status, report = _merge(capsys, path, folder.name[:8])  # a prefix of the run id
    assert status == cli.EXIT_CODES["incomplete"]
    assert report["merged"] == 4 and report["failed"] == 1 and report["not_merged"] == 3
    assert report["state"]["half_written"] == [1] and report["state"]["resubmittable"] == [1]
    assert report["state"]["with_failures"] == [2] and not report["complete"]
    assert [(s, v) for s, v, _ in _scaled(path)] == [(0, 0.0), (1, 3.0), (2, 6.0), (6, 18.0)]
    assert not (folder / "merged").exists()

    status = cli.main(["merge", str(path), str(folder)])  # text output, by folder path
    text = capsys.readouterr().out
    assert status == cli.EXIT_CODES["incomplete"]
    assert "half-written shard:    1" in text and "submits chunks 1 again" in text
    assert "merged 0 results" in text and "4 already in the database" in text

    _run_chunk(folder, 1)
    status, report = _merge(capsys, path, folder.name)
    assert status == 0 and report["complete"] and report["merged"] == 3
    assert (folder / "merged").exists()
    before = _scaled(path)
    assert len(before) == 7 and all(version == 1 for _, _, version in before)
    status, report = _merge(capsys, path, folder.name)  # merging twice changes nothing
    assert status == 0 and report["merged"] == 0 and report["already_saved"] == 7
    assert _scaled(path) == before


def test_merge_is_callable_from_python_and_reads_the_run_log(staged):
    from scistack_engine.store import Database

    path, folder = staged
    for chunk in range(3):
        _run_chunk(folder, chunk)
    with Database(str(path), None) as db:
        report = slurm_runs.merge_run(db, folder)
        runs = db.cx.execute("SELECT status, n_done, n_failed FROM _runs "
                             "WHERE run_id = ?", [report.merge_run_id]).fetchall()
    assert report.complete and report.merged == 7 and report.failed == 1
    assert runs == [("finished", 7, 1)]


def test_a_merge_leaves_the_garbage_collector_on_even_when_interrupted(staged, monkeypatch):
    import gc

    from scistack_engine.execution import ForEachRun
    from scistack_engine.store import Database

    path, folder = staged
    for chunk in range(3):
        _run_chunk(folder, chunk)

    def interrupted(self, outcomes):
        assert not gc.isenabled()  # paused while a block is committed
        raise KeyboardInterrupt

    with Database(str(path), None) as db:
        with monkeypatch.context() as patch:
            patch.setattr(ForEachRun, "commit", interrupted)
            with pytest.raises(KeyboardInterrupt):
                slurm_runs.merge_run(db, folder)
        assert gc.isenabled()
        assert slurm_runs.merge_run(db, folder).merged == 7 and gc.isenabled()


def test_merge_and_resubmit_errors_have_exit_codes(staged, capsys, tmp_path):
    path, folder = staged
    assert cli.main(["merge", str(path), "nosuchrun"]) == cli.EXIT_CODES["not_found"]
    assert "no run folder 'nosuchrun'" in capsys.readouterr().err
    assert cli.main(["resubmit", str(path), folder.name, "--chunk", "9"]) == \
        cli.EXIT_CODES["not_found"]
    status = cli.main(["resubmit", str(path), folder.name, "--dry-run", "--json"])
    state = json.loads(capsys.readouterr().out)
    assert status == 0 and state["missing"] == [0, 1, 2] and state["resubmittable"] == [0, 1, 2]


def test_merge_help_says_it_writes(capsys):
    with pytest.raises(SystemExit):
        cli.main(["merge", "--help"])
    assert "idempotent; writes the database" in capsys.readouterr().out


def _combos(path, run_id):
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("SELECT metadata, status, reason FROM _run_combos WHERE run_id = ? "
                           "ORDER BY combo", [run_id]).fetchall()
        run = con.execute("SELECT status, n_done, n_skipped FROM _runs WHERE run_id = ?",
                          [run_id]).fetchone()
    finally:
        con.close()
    return [(json.loads(m)["subject"], s, r) for m, s, r in rows], run


def test_partial_merge_logs_the_left_out_combinations(staged):
    from scistack_engine.store import Database

    path, folder = staged
    _run_chunk(folder, 0)  # subjects 0-2; chunk 1 (3-5) torn while writing, chunk 2 lost
    (folder / "shards" / "000001.duckdb.partial-7").write_text("torn")
    with Database(str(path), None) as db:
        report = slurm_runs.merge_run(db, folder)
    assert report.merged == 3 and report.not_merged == 5
    rows, run = _combos(path, report.merge_run_id)
    assert run == ("interrupted", 3, 5)
    left = {subject: reason for subject, status, reason in rows if status == "skipped"}
    assert sorted(left) == [3, 4, 5, 6, 7]
    assert all("chunk 1 is half-written" in left[s] and "resubmit it" in left[s]
               for s in (3, 4, 5))
    assert all("chunk 2 is lost" in left[s] for s in (6, 7))
    assert [s for s, status, _ in rows if status == "done"] == [0, 1, 2]


def test_merge_refuses_what_is_not_a_run_folder(staged, capsys, tmp_path):
    path, folder = staged
    plain = tmp_path / "plain"
    plain.mkdir()
    assert cli.main(["merge", str(path), str(plain)]) == cli.EXIT_CODES["not_found"]
    assert "is not a run folder: it has no manifest.duckdb" in capsys.readouterr().err
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "manifest.duckdb").write_bytes(b"not a database")
    assert cli.main(["merge", str(path), str(damaged)]) == cli.EXIT_CODES["error"]
    assert "is not a SciStack run folder" in capsys.readouterr().err
    assert cli.main(["resubmit", str(path), str(damaged), "--dry-run"]) == cli.EXIT_CODES["error"]
    assert "is not a SciStack run folder" in capsys.readouterr().err


@pytest.mark.octave
def test_merge_and_resubmit_from_octave(staged):
    from octave_support import ROOT, ensure_bridge, run_octave

    path, folder = staged
    _run_chunk(folder, 0)
    (folder / "shards" / "000001.duckdb.partial-3").write_text("torn")
    ensure_bridge()
    run = folder.name[:8]
    code = (
        f"addpath('{ROOT / 'toolbox'}'); db = scidb.configure_database('{path}', {{'subject'}}); "
        f"r = scistack.merge_run('{run}'); "
        "printf('merged=%d not_merged=%d complete=%d half=%s sizes=%s\\n', r.merged, "
        "r.not_merged, r.complete, mat2str(r.state.half_written), "
        "mat2str(r.state.chunk_sizes)); "
        f"r2 = scistack.merge_run('{folder}', 'db', db); "
        "printf('again merged=%d saved=%d\\n', r2.merged, r2.already_saved); "
        f"s = scistack.resubmit_run('{run}', 'dry_run', true); "
        "printf('resubmittable=%s\\n', mat2str(s.resubmittable)); "
        "try, scistack.merge_run('nosuchrun'); catch err, printf('id=%s\\n', err.identifier); end; "
        "try, scistack.merge_run(3); catch err, printf('id=%s\\n', err.identifier); end; "
        f"try, scistack.resubmit_run('{run}', 'chunk', 1); catch err, "
        "printf('id=%s\\n', err.identifier); end")
    out = run_octave(code).stdout
    assert "merged=3 not_merged=5 complete=0 half=1 sizes=[3 3 2]" in out
    assert "again merged=0 saved=3" in out  # the shard merged twice changes nothing
    assert "resubmittable=[1 2]" in out
    assert "id=scistack:db:notFound" in out
    assert "id=scistack:arguments:badRun" in out
    assert "id=scistack:arguments:unknownOption" in out
    assert [(s, v) for s, v, _ in _scaled(path)] == [(0, 0.0), (1, 3.0), (2, 6.0)]


def _saved(path):
    return _scaled_rows(path, "subject, content_hash, cache_key, lineage, version, "
                              "output_index")


def test_a_merge_saves_what_a_serial_run_saves(staged, tmp_path, scidb_unconfigured):
    path, folder = staged
    for chunk in range(3):
        _run_chunk(folder, chunk)
    import duckdb

    con = duckdb.connect(str(folder / "manifest.duckdb"), read_only=True)
    try:  # staging wrote what the outputs are saved with: the merge plans nothing
        assert con.execute("SELECT count(*) FROM items WHERE lineage IS NULL "
                           "OR cache_key IS NULL").fetchone() == (0,)
    finally:
        con.close()
    from scistack_engine.store import Database

    with Database(str(path), None) as db:
        assert slurm_runs.merge_run(db, folder).merged == 7
    serial = tmp_path / "serial" / "serial.duckdb"
    serial.parent.mkdir()
    db = configure_database(serial, ["subject"])
    for subject in range(8):
        Raw.save(float(subject), subject=subject)
    for_each(scale, inputs={"x": Raw}, outputs=[Scaled], subject=[])
    db.close()
    merged, alone = _saved(path), _saved(serial)
    assert len(merged) == 7 and merged == alone


def test_staged_combinations_come_in_plan_order_however_the_manifest_lists_them(staged):
    _, folder = staged
    import duckdb

    con = duckdb.connect(str(folder / "manifest.duckdb"))
    try:
        con.execute("CREATE TABLE reversed AS SELECT * FROM items ORDER BY combo DESC")
        con.execute("DROP TABLE items")
        con.execute("ALTER TABLE reversed RENAME TO items")
        listed = [row[0] for row in con.execute("SELECT combo FROM items").fetchall()]
        blocks = list(slurm_runs._staged_combos(con, 3))
    finally:
        con.close()
    assert listed == sorted(listed, reverse=True)
    assert [len(block) for block in blocks] == [3, 3, 2]
    assert [combo.index for block in blocks for combo in block] == sorted(listed)
