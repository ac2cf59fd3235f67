"""The main job: runs SciStack's example pipelines end to end and prints their results.

1. scifor over an in-memory DataFrame (no database);
2. the gait-study pipeline in Python over a DuckDB file
   (``examples/output/gait_study.duckdb``), run twice: the second run finds everything
   computed;
3. the same pipeline in MATLAB (``toolbox/examples/gait_study.m``), run twice under GNU
   Octave through the toolbox's bridge to this Python, on
   ``examples/output/gait_study_matlab.duckdb``; then its SQL view and provenance, read
   from Python. Skipped, with the reason, when ``octave-cli`` is not installed (or the
   bridge is not built and ``mkoctfile`` is missing to build it).

Every run starts from fresh database files, so the output is the same every time.
Exit status: 0 when every part that ran succeeded.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import gait_pipeline  # noqa: E402
import scifor_example  # noqa: E402

OUTPUT = HERE / "output"
OCTAVE_ARGS = ["--no-history", "--norc", "--quiet"]
BRIDGE = ROOT / "toolbox" / "+scistack" / "+internal" / "bridge.mex"


def fresh(path: pathlib.Path) -> pathlib.Path:
    """PATH with no database file (nor write-ahead log) left from an earlier run."""
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    return path


def shown(path: pathlib.Path) -> str:
    return str(path.relative_to(ROOT))


def octave_missing() -> str | None:
    """Why the MATLAB example cannot run here, or None when it can."""
    if shutil.which("octave-cli") is None:
        return "GNU Octave (octave-cli) is not installed (apt-get install octave liboctave-dev)"
    if not BRIDGE.is_file() and shutil.which("mkoctfile") is None:
        return ("the Octave bridge is not built and mkoctfile, which builds it, is missing "
                "(apt-get install liboctave-dev)")
    return None


def octave(code: str) -> subprocess.CompletedProcess:
    """Run Octave code from the repository root, with this Python as the engine's."""
    env = dict(os.environ, SCISTACK_PYTHON=sys.executable)
    return subprocess.run(["octave-cli", *OCTAVE_ARGS, "--eval", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)


def run_octave_step(code: str) -> None:
    """Run CODE in Octave and print its output; exit with its output when it fails."""
    result = octave(code)
    print(result.stdout, end="", flush=True)
    if result.returncode != 0:
        print(result.stderr, end="", file=sys.stderr)
        sys.exit(f"run_example: Octave failed (exit status {result.returncode}) running: {code}")


def run_matlab_example() -> None:
    reason = octave_missing()
    if reason is not None:
        print(f"\n== gait study in MATLAB: not run: {reason} ==")
        return
    path = fresh(OUTPUT / "gait_study_matlab.duckdb")
    print("\n== gait study in MATLAB, under GNU Octave: scistack.setup() ==", flush=True)
    run_octave_step("addpath('toolbox'); scistack.setup();")
    call = (f"addpath('toolbox'); addpath(fullfile('toolbox', 'examples')); "
            f"gait_study('{shown(path)}');")
    for run in (1, 2):
        print(f"\n== gait study in MATLAB, run {run} ({shown(path)}) ==", flush=True)
        run_octave_step(call)
    print_matlab_results_from_python(path)


def print_matlab_results_from_python(path: pathlib.Path) -> None:
    """The database MATLAB wrote, read from Python: its SQL view and a provenance."""
    import scidb

    print(f"\n== the MATLAB results, read from Python ({shown(path)}) ==")
    db = scidb.configure_database(path, ["subject", "session", "trial"], read_only=True)
    try:
        print("SELECT subject, session, value FROM MeanStepLength")
        view = db.con.sql("SELECT subject, session, value FROM MeanStepLength").df()
        print(view.to_string(index=False))
        provenance = db.get_provenance(gait_pipeline.MeanStepLength, subject=1, session="post")
        print(f"\nMeanStepLength(subject=1, session='post') was made in "
              f"{provenance['language']} by {provenance['function_name']}")
    finally:
        db.close()


def main() -> None:
    print("== scifor: for_each over an in-memory DataFrame ==")
    scifor_example.main()
    OUTPUT.mkdir(exist_ok=True)
    path = fresh(OUTPUT / "gait_study.duckdb")
    for run in (1, 2):
        print(f"\n== gait study, run {run} ({shown(path)}) ==")
        gait_pipeline.main(str(path))
    sys.stdout.flush()
    run_matlab_example()


if __name__ == "__main__":
    main()
