"""The ``scistack`` command on the example pipeline's database: output, --json, exit codes."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import textwrap

import duckdb
import pytest

import inspection_pipeline
from scistack_engine import cli


@pytest.fixture(scope="module")
def pipeline_db(tmp_path_factory) -> str:
    return str(inspection_pipeline.build(tmp_path_factory.mktemp("cli") / "gait.duckdb"))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def run_json(capsys, *argv: str):
    status, out, err = run(capsys, *argv, "--json")
    assert status == 0, err
    return json.loads(out)


def test_info_lists_variables_counts_and_runs(capsys, pipeline_db):
    status, out, _ = run(capsys, "info", pipeline_db)
    assert status == 0
    assert "schema keys: subject, session, trial" in out
    assert "70 records (74 versions) in 5 variables" in out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("variable"))
    raw = next(line for line in lines if line.startswith("RawKinematicData"))
    assert raw.split()[:3] == ["RawKinematicData", "30", "31"]
    # aligned: the numbers end in the header's column
    assert raw.index("30") + 2 == lines[header].index("records") + len("records")
    assert "latest runs" in out and "step_ratio" in out


def test_info_json(capsys, pipeline_db):
    info = run_json(capsys, "info", pipeline_db)
    assert info["schema_keys"] == ["subject", "session", "trial"]
    assert {v["name"]: v["records"] for v in info["variables"]} == {
        "MeanStepLength": 6, "RawKinematicData": 30, "ScaledMean": 2, "StepLength": 30,
        "StepRatio": 2}
    assert info["runs"][0]["function"] == "step_ratio"
    assert info["runs"][0]["n_failed"] == 1 and info["size_bytes"] > 0


def test_vars_gives_versions_keys_and_coverage(capsys, pipeline_db):
    status, out, _ = run(capsys, "vars", pipeline_db)
    assert status == 0
    row = next(line for line in out.splitlines() if line.startswith("MeanStepLength"))
    assert "subject (3), session (2)" in row and "6/6 (100%)" in row
    one = run_json(capsys, "vars", pipeline_db, "MeanStepLength")
    assert (one["records"], one["versions"], one["max_version"]) == (6, 8, 2)
    assert one["keys"] == {"subject": 3, "session": 2}
    ratio = run_json(capsys, "vars", pipeline_db, "StepRatio")
    assert ratio["grid_cells"] == 2 and ratio["coverage"] == 1.0


def test_show_one_record_with_versions_and_provenance(capsys, pipeline_db):
    status, out, _ = run(capsys, "show", pipeline_db, "MeanStepLength", "subject=1",
                         "session=post")
    assert status == 0
    assert "version 2" in out and "compute_mean" in out
    assert "StepLength" in out and "RawKinematicData" in out
    detail = run_json(capsys, "show", pipeline_db, "MeanStepLength", "subject=1",
                      "session=post")
    assert detail["version"] == 2 and [v["version"] for v in detail["versions"]] == [1, 2]
    assert detail["value"]["type"] == "float"
    chain = detail["provenance"]
    assert chain[0]["function_name"] == "compute_mean"
    assert {step["variable"] for step in chain} == {"MeanStepLength", "StepLength",
                                                    "RawKinematicData"}
    older = run_json(capsys, "show", pipeline_db, "MeanStepLength", "subject=1",
                     "session=post", "--version", "1")
    assert older["version"] == 1
    assert older["provenance"][0]["fingerprint"] != chain[0]["fingerprint"]


def test_show_array_value_summary(capsys, pipeline_db):
    detail = run_json(capsys, "show", pipeline_db, "RawKinematicData", "subject=1",
                      "session=pre", "trial=1")
    assert detail["value"]["type"] == "ndarray" and detail["value"]["shape"] == [1000]
    assert detail["value"]["min"] < detail["value"]["max"]


def test_runs_filters(capsys, pipeline_db):
    runs = run_json(capsys, "runs", pipeline_db)
    assert len(runs) == 6 and runs[0]["function"] == "step_ratio"
    failed = run_json(capsys, "runs", pipeline_db, "--failed")
    assert [r["function"] for r in failed] == ["step_ratio"]
    assert run_json(capsys, "runs", pipeline_db, "--since", "1h") == runs
    assert run_json(capsys, "runs", pipeline_db, "--since", "2999-01-01") == []
    assert len(run_json(capsys, "runs", pipeline_db, "--limit", "2")) == 2
    status, out, _ = run(capsys, "runs", pipeline_db, "--since", "2999-01-01")
    assert status == 0 and out.strip() == "no runs"


def test_exit_codes(capsys, pipeline_db, tmp_path):
    status, _, err = run(capsys, "info", str(tmp_path / "absent.duckdb"))
    assert status == 3 and "does not exist" in err
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    status, _, err = run(capsys, "vars", str(other))
    assert status == 3 and "not a SciStack database" in err
    status, _, err = run(capsys, "vars", pipeline_db, "NoSuchVariable")
    assert status == 5 and "MeanStepLength" in err  # names what exists
    status, _, err = run(capsys, "show", pipeline_db, "MeanStepLength", "subject=9",
                         "session=pre")
    assert status == 5
    status, _, err = run(capsys, "show", pipeline_db, "MeanStepLength", "subject")
    assert status == 2 and "key=value" in err
    status, _, err = run(capsys, "runs", pipeline_db, "--since", "last week")
    assert status == 2 and "7d" in err
    with pytest.raises(SystemExit) as usage:
        cli.main(["info"])
    assert usage.value.code == 2


class _Writer:
    """A second process holding ``path`` open for writing; each line sent to it is run as
    SQL and committed (a line ``wal`` adds one record's worth to the write-ahead log)."""

    def __init__(self, path: str, tmp_path: pathlib.Path) -> None:
        ready = tmp_path / "writer-ready"
        self.process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, pathlib, sys
            con = duckdb.connect({path!r})
            con.execute("SET checkpoint_threshold = '1GB'")  # commits stay in the WAL
            pathlib.Path({str(ready)!r}).write_text("x")
            for line in sys.stdin:
                con.execute(line)
                print("done", flush=True)
            """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(400):
            if ready.exists():
                break
            subprocess.run(["sleep", "0.05"])

    def run(self, sql: str) -> None:
        self.process.stdin.write(sql + "\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "done"

    def close(self) -> None:
        self.process.communicate("")


def _scistack(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scistack_engine", *argv],
                          capture_output=True, text=True)


def test_a_writer_holding_the_lock_is_named_with_no_snapshot(pipeline_db, tmp_path):
    writer = _Writer(pipeline_db, tmp_path)
    try:
        result = _scistack("info", pipeline_db, "--no-snapshot")
    finally:
        writer.close()
    assert result.returncode == 4
    assert f"process {writer.process.pid}" in result.stderr and "writing" in result.stderr


def test_a_snapshot_is_read_while_another_process_writes(tmp_path):
    path = str(inspection_pipeline.build(tmp_path / "gait.duckdb"))
    copies_before = _snapshot_folders()
    writer = _Writer(path, tmp_path)
    try:
        # a commit the writer made (in the WAL only) is in the snapshot
        writer.run("INSERT INTO _runs (run_id, function, status, started_at) "
                   "VALUES ('snapshot-run-1', 'committed_before', 'completed', now())")
        assert (pathlib.Path(path + ".wal")).stat().st_size > 0
        info = _scistack("info", path, "--json")
        runs = _scistack("runs", path, "--json")
        vars_ = _scistack("vars", path, "StepLength", "--json")
        out = tmp_path / "steps.csv"
        export = _scistack("export", path, "StepLength", "-o", str(out))
        # a commit after the snapshot is not
        writer.run("INSERT INTO _runs (run_id, function, status, started_at) "
                   "VALUES ('snapshot-run-2', 'committed_after', 'completed', now())")
        assert writer.process.poll() is None  # the writer held the file all along
    finally:
        writer.close()
    for result in (info, runs, vars_, export):
        assert result.returncode == 0, result.stderr
        assert f"open for writing in process {writer.process.pid}" in result.stderr
        assert "snapshot of it taken at 20" in result.stderr
    assert json.loads(info.stdout)["path"] == path
    assert json.loads(vars_.stdout)["records"] == 30
    functions = [r["function"] for r in json.loads(runs.stdout)]
    assert "committed_before" in functions
    with duckdb.connect(path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM _runs WHERE run_id LIKE 'snapshot-run-%'"
                           ).fetchall() == [(2,)]
        assert len(duckdb.sql(f"SELECT * FROM read_csv('{out}')").fetchall()) == 30
    sidecar = json.loads(pathlib.Path(f"{out}.provenance.json").read_text())
    assert sidecar["database"] == os.path.abspath(path)
    assert _snapshot_folders() == copies_before  # every copy deleted


def _snapshot_folders() -> set[str]:
    return {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("scistack-snapshot-")}


def test_help_on_every_command():
    script = pathlib.Path(sys.executable).with_name("scistack")
    for command in ("info", "vars", "show", "runs"):
        result = subprocess.run([str(script), command, "--help"], capture_output=True, text=True)
        assert result.returncode == 0 and "--json" in result.stdout, command
