"""The product description's complete gait-study pipeline, run as written (issue 4).

The script below is the product text with only what it leaves to the user filled in: the
body of ``extract_step_length`` (plus a line counting calls in ``calls.txt``), the
``numpy`` import, the generated raw data, and a trailer that reports what the run did.
It runs with scidb's ``for_each`` (the product text's import) and with scihist's, each
twice in fresh interpreters on the same database file: the second run of the script must
compute nothing. The in-process variants check the same with the run log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

GENERATE = '''\
def generated_positions(subject, session, trial):
    # heel positions along the walkway (m) for one trial: steps of about 0.7 m
    rng = np.random.default_rng(subject * 1000 + (session == "post") * 100 + trial)
    steps = 0.65 + 0.05 * subject + (0.04 if session == "post" else 0.0) + rng.normal(0, 0.01, 8)
    return np.concatenate([[0.0], np.cumsum(steps)])
'''

PIPELINE = '''\
import numpy as np
{import_line}
from scilineage import lineage_fcn

# --- Setup ---
db = configure_database("gait_study.duckdb", ["subject", "session", "trial"])

# --- Variable types ---
class RawKinematicData(BaseVariable):
    pass

class StepLength(BaseVariable):
    pass

class MeanStepLength(BaseVariable):
    pass

# --- Processing functions ---
@lineage_fcn
def extract_step_length(kinematic_data):
    # your biomechanics logic here
    with open("calls.txt", "a") as fh:
        fh.write("extract_step_length\\n")
    step_lengths = np.diff(kinematic_data)
    return step_lengths

@lineage_fcn
def compute_mean(values):
    with open("calls.txt", "a") as fh:
        fh.write("compute_mean\\n")
    return float(np.mean(values))

# --- Generated raw data (not part of the product text) ---
{generate}
for subject in [1, 2, 3]:
    for session in ["pre", "post"]:
        for trial in [1, 2, 3, 4, 5]:
            RawKinematicData.save(generated_positions(subject, session, trial),
                                  subject=subject, session=session, trial=trial)

# --- Run the pipeline ---
for_each(
    extract_step_length,
    inputs={{"kinematic_data": RawKinematicData}},
    outputs=[StepLength],
    subject=[1, 2, 3],
    session=["pre", "post"],
    trial=[1, 2, 3, 4, 5],
)

for_each(
    compute_mean,
    inputs={{"values": StepLength}},
    outputs=[MeanStepLength],
    subject=[1, 2, 3],
    session=["pre", "post"],
)

# --- Analyze results ---
df = MeanStepLength.load_all(as_df=True)
print(df.groupby("session")["data"].mean())

# --- Report (not part of the product text) ---
import json
runs = db.con.execute(
    "SELECT function, n_done, n_cached, n_skipped, n_failed FROM _runs "
    "WHERE pid = ? ORDER BY started_at", [__import__("os").getpid()]).fetchall()
print(json.dumps({{
    "runs": [list(r) for r in runs],
    "means": df.groupby("session")["data"].mean().to_dict(),
    "rows": len(df),
    "versions": sorted({{v["version"] for v in MeanStepLength.list_versions()}}),
}}))
'''

IMPORTS = {
    "scidb": "from scidb import BaseVariable, configure_database, for_each",
    "scihist": "from scihist import BaseVariable, configure_database, for_each",
    "scihist_star": "from scihist import *",
}


def expected_means() -> dict:
    namespace = {"np": np}
    exec(GENERATE, namespace)
    positions = namespace["generated_positions"]
    per_session = {}
    for session in ("pre", "post"):
        means = [float(np.mean([np.diff(positions(s, session, t)) for t in range(1, 6)]))
                 for s in (1, 2, 3)]
        per_session[session] = float(np.mean(means))
    return per_session


def run_pipeline(directory: Path, which: str) -> tuple[dict, str]:
    script = directory / "gait.py"
    script.write_text(PIPELINE.format(import_line=IMPORTS[which], generate=GENERATE))
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run([sys.executable, str(script)], cwd=directory, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"the pipeline failed:\n{done.stdout}\n{done.stderr}"
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]), "\n".join(lines[:-1])


def calls_of(directory: Path) -> list:
    path = directory / "calls.txt"
    return path.read_text().splitlines() if path.exists() else []


@pytest.mark.parametrize("which", ["scidb", "scihist"])
def test_product_gait_pipeline_runs_as_written_and_second_run_recomputes_nothing(tmp_path, which):
    first, printed = run_pipeline(tmp_path, which)
    calls = calls_of(tmp_path)
    assert calls.count("extract_step_length") == 30 and calls.count("compute_mean") == 6
    assert first["runs"] == [["extract_step_length", 30, 0, 0, 0], ["compute_mean", 6, 0, 0, 0]]
    assert first["rows"] == 6
    want = expected_means()
    assert first["means"] == pytest.approx(want, rel=1e-12)
    # the printed groupby is the one the product text shows
    assert "session" in printed and "post" in printed and "pre" in printed

    second, printed_again = run_pipeline(tmp_path, which)
    assert calls_of(tmp_path) == calls, "the second run of the script must compute nothing"
    assert second["runs"] == [["extract_step_length", 0, 30, 0, 0], ["compute_mean", 0, 6, 0, 0]]
    assert second["means"] == first["means"]
    assert second["versions"] == [1]
    assert printed_again == printed


def test_star_import_variant_of_the_pipeline_runs(tmp_path):
    result, _ = run_pipeline(tmp_path, "scihist_star")
    assert result["means"] == pytest.approx(expected_means(), rel=1e-12)


# --------------------------------------------------------------------------- in process


@pytest.mark.parametrize("which", ["scidb", "scihist"])
def test_gait_pipeline_in_process_second_run_is_all_cached(tmp_path, monkeypatch,
                                                           scidb_unconfigured, which):
    monkeypatch.chdir(tmp_path)
    import scidb
    import scihist
    from scidb import BaseVariable, configure_database
    from scilineage import lineage_fcn

    for_each = scidb.for_each if which == "scidb" else scihist.for_each
    namespace = {"np": np}
    exec(GENERATE, namespace)
    positions = namespace["generated_positions"]

    db = configure_database("gait_study.duckdb", ["subject", "session", "trial"])

    class RawKinematicData(BaseVariable):
        pass

    class StepLength(BaseVariable):
        pass

    class MeanStepLength(BaseVariable):
        pass

    counts = {"extract": 0, "mean": 0}

    class Count:
        def __call__(self, what):
            counts[what] += 1

        def __scistack_fingerprint__(self):
            return "gait-counter"

    count = Count()

    @lineage_fcn
    def extract_step_length(kinematic_data):
        count("extract")
        return np.diff(kinematic_data)

    @lineage_fcn
    def compute_mean(values):
        count("mean")
        return float(np.mean(values))

    for subject in [1, 2, 3]:
        for session in ["pre", "post"]:
            for trial in [1, 2, 3, 4, 5]:
                RawKinematicData.save(positions(subject, session, trial),
                                      subject=subject, session=session, trial=trial)

    def pipeline():
        a = for_each(extract_step_length, inputs={"kinematic_data": RawKinematicData},
                     outputs=[StepLength], subject=[1, 2, 3], session=["pre", "post"],
                     trial=[1, 2, 3, 4, 5])
        b = for_each(compute_mean, inputs={"values": StepLength}, outputs=[MeanStepLength],
                     subject=[1, 2, 3], session=["pre", "post"])
        return a, b

    a, b = pipeline()
    assert set(a["status"]) == {"done"} and set(b["status"]) == {"done"}
    assert counts == {"extract": 30, "mean": 6}
    a2, b2 = pipeline()
    assert counts == {"extract": 30, "mean": 6}
    assert set(a2["status"]) == {"cached"} and set(b2["status"]) == {"cached"}

    df = MeanStepLength.load_all(as_df=True)
    assert df.groupby("session")["data"].mean().to_dict() == pytest.approx(expected_means())
    # the mean's provenance goes back to the five trials of raw data
    chain = db.get_provenance_chain(MeanStepLength, subject=2, session="post")
    assert chain[0]["function_name"] == "compute_mean"
    variables = [n["variable"] for n in chain]
    assert variables.count("StepLength") == 5 and variables.count("RawKinematicData") == 5
