"""Files SciStack writes open in an older DuckDB client (the 1.x series that the DuckDB CLI,
DBeaver and JDBC drivers ship), and every view reads there as it does here."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import duckdb
import numpy as np
import pandas as pd
import pytest

import scidb
from scidb import BaseVariable

ROOT = pathlib.Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # installs an older duckdb wheel on first use


class Label(BaseVariable):
    pass


class Samples(BaseVariable):
    pass


class Steps(BaseVariable):
    pass


_READ_EVERY_VIEW = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
views = [r[0] for r in con.execute(
    "SELECT table_name FROM information_schema.tables "
    "WHERE table_type = 'VIEW' ORDER BY 1").fetchall()]
print(json.dumps({"version": duckdb.__version__,
                  "views": {v: [[str(x) for x in row]
                                for row in con.execute(f'SELECT * FROM "{v}"').fetchall()]
                            for v in views}}))
"""


def _old_python() -> str:
    done = subprocess.run(["bash", str(ROOT / "scripts" / "ensure-old-duckdb.sh")],
                          capture_output=True, text=True)
    assert done.returncode == 0, f"could not install the older duckdb client: {done.stderr}"
    return done.stdout.strip().splitlines()[-1]


def _every_view(python: str, path: pathlib.Path) -> dict:
    done = subprocess.run([python, "-c", _READ_EVERY_VIEW, str(path)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _example_database(tmp_path: pathlib.Path) -> pathlib.Path:
    """The gait example's database, plus variables of the other kinds views show."""
    path = tmp_path / "gait.duckdb"
    code = (f"import sys; sys.path.insert(0, {str(ROOT / 'examples')!r}); "
            f"import gait_pipeline; gait_pipeline.main({str(path)!r})")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, cwd=ROOT)
    db = scidb.configure_database(path, ["subject", "session", "trial"])
    Label.save("left", subject=1, session="pre", trial=1)
    Samples.save(np.arange(4.0), subject=1, session="pre", trial=1)
    # stored as raw bytes, shown as a list by a macro the older client runs too
    Samples.save(np.array([-0.0, 5e-324, -np.inf, np.nan, 0.1, 1.7976931348623157e308]),
                 subject=2, session="pre", trial=1)
    Steps.save(pd.DataFrame({"t": [0.0, 0.5], "foot": ["L", "R"]}), subject=1, session="pre",
               trial=1)
    scidb.close(db)
    return path


def test_an_older_duckdb_reads_every_view_of_the_example_database(tmp_path, scidb_unconfigured):
    path = _example_database(tmp_path)
    old = _every_view(_old_python(), path)
    assert old["version"].startswith("1.")
    here = _every_view(sys.executable, path)
    assert {"StepLength", "MeanStepLength", "Label", "Samples", "Steps"} <= set(old["views"])
    assert old["views"] == here["views"]
    assert all(old["views"][v] for v in old["views"])  # every view has rows


def test_new_files_have_the_1_0_storage_format(scidb_path, scidb_unconfigured):
    scidb.close(scidb.configure_database(scidb_path, ["subject"]))
    con = duckdb.connect(str(scidb_path), read_only=True)
    tags = con.execute("SELECT tags FROM duckdb_databases() WHERE NOT internal").fetchall()
    con.close()
    assert tags == [({"storage_version": "v1.0.0+"},)]


def test_a_file_in_the_newer_format_still_opens_and_saves(scidb_path, scidb_unconfigured):
    con = duckdb.connect(str(scidb_path))  # DuckDB's own (newer) default format
    con.close()
    db = scidb.configure_database(scidb_path, ["subject"])
    Label.save("x", subject=1)
    scidb.close(db)
    db = scidb.configure_database(scidb_path, ["subject"])
    assert Label.load(subject=1).data == "x"
    scidb.close(db)
