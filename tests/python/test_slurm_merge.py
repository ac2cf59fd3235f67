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


def _scaled(path):
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT CAST(subject AS INTEGER), value_num, version "
                           "FROM _records "
                           "WHERE variable = 'Scaled' ORDER BY subject").fetchall()
    finally:
        con.close()


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
