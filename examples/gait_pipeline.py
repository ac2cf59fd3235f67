"""The complete gait-study pipeline: raw kinematics → step lengths → mean step length.

Generates kinematic data for 3 subjects × 2 sessions × 5 trials, saves it, then runs two
lineage-tracked steps with ``scihist.for_each`` and analyses the result. Run it twice: the
second run finds every step already computed and runs nothing.
"""

from __future__ import annotations

import sys

import numpy as np

from scihist import BaseVariable, configure_database, for_each, lineage_fcn


class RawKinematicData(BaseVariable):
    pass


class StepLength(BaseVariable):
    pass


class MeanStepLength(BaseVariable):
    pass


@lineage_fcn
def extract_step_length(kinematic_data):
    """Step lengths (m) from a heel-marker trajectory: distance between successive strikes."""
    heel_x = kinematic_data
    # a heel strike is the lowest point within ±0.3 s (30 samples at 100 Hz)
    w = 30
    lowest = np.lib.stride_tricks.sliding_window_view(heel_x, 2 * w + 1).min(axis=1)
    strikes = np.flatnonzero(heel_x[w:-w] == lowest) + w
    return np.diff(heel_x[strikes]) if len(strikes) > 1 else np.array([np.nan])


@lineage_fcn
def compute_mean(values):
    return float(np.nanmean(np.concatenate([np.atleast_1d(v) for v in values])))


def generate_raw_data(seed: int = 7) -> None:
    """Heel trajectories: forward progression plus a stride oscillation, per condition."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 10, 1000)
    for subject in (1, 2, 3):
        for session in ("pre", "post"):
            stride = 0.6 + 0.05 * subject + (0.08 if session == "post" else 0.0)
            for trial in range(1, 6):
                progression = stride * t + 0.25 * np.sin(2 * np.pi * t) + rng.normal(0, 0.003, t.size)
                RawKinematicData.save(progression, subject=subject, session=session, trial=trial)


def main(path: str = "gait_study.duckdb") -> None:
    db = configure_database(path, ["subject", "session", "trial"])
    generate_raw_data()
    steps = for_each(extract_step_length, inputs={"kinematic_data": RawKinematicData},
                     outputs=[StepLength], subject=[1, 2, 3], session=["pre", "post"],
                     trial=[1, 2, 3, 4, 5])
    means = for_each(compute_mean, inputs={"values": StepLength}, outputs=[MeanStepLength],
                     subject=[1, 2, 3], session=["pre", "post"])
    print(f"extract_step_length: {steps['status'].value_counts().to_dict()}")
    print(f"compute_mean:        {means['status'].value_counts().to_dict()}")

    df = MeanStepLength.load_all(as_df=True)
    print("\nMean step length by session (m):")
    print(df.groupby("session")["data"].mean().round(4).to_string())

    print("\nThe SQL view, as any DuckDB client sees it:")
    print("SELECT subject, session, value FROM MeanStepLength")
    print(db.con.sql("SELECT subject, session, value FROM MeanStepLength").df().to_string(index=False))

    provenance = db.get_provenance(MeanStepLength, subject=1, session="post")
    print(f"\nMeanStepLength(subject=1, session='post') was made by {provenance['function_name']} "
          f"from {len(provenance['inputs']['values']['record_id'].split(','))} StepLength records")
    db.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
