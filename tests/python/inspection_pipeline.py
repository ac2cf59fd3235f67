"""The example gait pipeline's database, then changes that give every status a case.

``build(path)`` runs ``examples/gait_pipeline.py`` (3 subjects x 2 sessions x 5 trials of
RawKinematicData -> StepLength -> MeanStepLength), then, on the same file:

* **stale, input replaced**: RawKinematicData subject=2, session='pre', trial=1 is saved
  again with other content, so StepLength there was made from an older input version and
  MeanStepLength subject=2, session='pre' (made from that StepLength) is stale upstream;
* **stale, code**: ``compute_mean`` is changed and rerun for subject 1 only, so
  MeanStepLength for subjects 2 and 3 carries an older fingerprint;
* **stale, constants**: ``scaled`` makes ScaledMean with ``factor=2``, then again for
  session 'pre' with ``factor=3``: ScaledMean at session 'post' has the old constant;
* **error**: ``step_ratio`` raises for subject 3 (StepRatio subject=3 is an error);
* **missing**: StepRatio is asked for subject 4, which has no data (skipped: missing).

``EXPECTED`` lists the status each case must get. Each test module builds its own copy
(a module-scoped fixture), and the file is closed when ``build`` returns.
"""

from __future__ import annotations

import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]

#: (variable, metadata) -> status the inspection must report.
EXPECTED = {
    ("StepLength", (("session", "pre"), ("subject", 2), ("trial", 1))): "stale",
    ("StepLength", (("session", "pre"), ("subject", 1), ("trial", 1))): "done",
    ("MeanStepLength", (("session", "pre"), ("subject", 2))): "stale",
    ("MeanStepLength", (("session", "post"), ("subject", 3))): "stale",
    ("MeanStepLength", (("session", "post"), ("subject", 1))): "done",
    ("ScaledMean", (("session", "post"), ("subject", 1))): "stale",
    ("ScaledMean", (("session", "pre"), ("subject", 1))): "done",
    ("StepRatio", (("subject", 3),)): "error",
    ("StepRatio", (("subject", 4),)): "missing",
    ("StepRatio", (("subject", 1),)): "done",
}


def build(path: pathlib.Path) -> pathlib.Path:
    """Make the database at ``path`` (see the module docstring); returns ``path``."""
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import gait_pipeline
    finally:
        sys.path.remove(str(ROOT / "examples"))
    import scidb
    from scihist import BaseVariable, for_each, lineage_fcn

    gait_pipeline.main(str(path))
    db = scidb.configure_database(path, ["subject", "session", "trial"])
    raw, steps, means = (gait_pipeline.RawKinematicData, gait_pipeline.StepLength,
                         gait_pipeline.MeanStepLength)

    class ScaledMean(BaseVariable):
        pass

    class StepRatio(BaseVariable):
        pass

    raw.save(raw.load(subject=2, session="pre", trial=1).data * 1.01,
             subject=2, session="pre", trial=1)

    @lineage_fcn
    def compute_mean(values):  # the same name, changed code: a new fingerprint
        return float(np.nanmedian(np.concatenate([np.atleast_1d(v) for v in values])))

    for_each(compute_mean, inputs={"values": steps}, outputs=[means], subject=[1],
             session=["pre", "post"])

    @lineage_fcn
    def scaled(mean, factor):
        return mean * factor

    for_each(scaled, inputs={"mean": means, "factor": 2}, outputs=[ScaledMean],
             subject=[1], session=["pre", "post"])
    for_each(scaled, inputs={"mean": means, "factor": 3}, outputs=[ScaledMean],
             subject=[1], session=["pre"])

    @lineage_fcn
    def step_ratio(pre, post):
        if float(np.mean(post)) > 0.8:
            raise ValueError("post step length above 0.8 m: check the marker")
        return float(np.mean(post) / np.mean(pre))

    for_each(step_ratio, inputs={"pre": scidb.Fixed(means, session="pre"),
                                 "post": scidb.Fixed(means, session="post")},
             outputs=[StepRatio], subject=[1, 2, 3, 4])
    scidb.close(db)
    return path
