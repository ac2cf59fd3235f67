"""A variable's records and its SQL view never part: they commit together, and a reopen
rebuilds any view a file lacks (files written before that was so)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

import scidb
from scidb import BaseVariable

KEYS = ["subject", "session"]


class Plain(BaseVariable):
    pass


class Table(BaseVariable):
    pass


def _variables_without_view(path: Path) -> list[str]:
    """Variables with records whose view or ``_variables`` row is missing, read with
    DuckDB directly (no SciStack repair in between)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        recorded = {r[0] for r in con.execute("SELECT DISTINCT variable FROM _records").fetchall()}
        views = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW'"
            ).fetchall()
        }
        registered = {r[0] for r in con.execute("SELECT name FROM _variables").fetchall()}
    finally:
        con.close()
    return sorted(v for v in recorded if v not in views or v not in registered)


def _break_view(path: Path, variable: str, *, unregister: bool) -> None:
    """What a kill between a record's commit and its view's commit used to leave."""
    con = duckdb.connect(str(path))
    con.execute(f'DROP VIEW "{variable}"')
    if unregister:
        con.execute("DELETE FROM _variables WHERE name = ?", [variable])
    con.close()


@pytest.mark.parametrize("unregister", [True, False])
def test_a_missing_view_is_rebuilt_on_open(scidb_path, scidb_unconfigured, unregister):
    db = scidb.configure_database(scidb_path, KEYS)
    Plain.save(1.5, subject=1, session="a")
    Plain.save(2.5, subject=2, session="a")
    Table.save(pd.DataFrame({"t": [0.0, 0.1], "x": [3, 4]}), subject=1, session="a")
    scidb.close(db)
    for variable in ("Plain", "Table"):
        _break_view(scidb_path, variable, unregister=unregister)
    assert _variables_without_view(scidb_path) == ["Plain", "Table"]

    db = scidb.configure_database(scidb_path, KEYS)
    assert db.variables() == ["Plain", "Table"]
    assert db.con.execute("SELECT subject, value FROM Plain ORDER BY subject").fetchall() == [
        (1, 1.5), (2, 2.5)]
    assert db.con.execute("SELECT t, x FROM \"Table\"").fetchall() == [(0.0, 3), (0.1, 4)]
    scidb.close(db)
    assert _variables_without_view(scidb_path) == []


def test_a_view_made_for_other_kinds_is_rebuilt_on_open(scidb_path, scidb_unconfigured):
    db = scidb.configure_database(scidb_path, KEYS)
    Plain.save(1.5, subject=1, session="a")
    scidb.close(db)
    # a text record committed, its view (still numeric) not yet replaced
    con = duckdb.connect(str(scidb_path))
    con.execute("INSERT INTO _records (record_id, variable, address, version, subject, session, "
                "kind, content_hash, value_txt, created_at) SELECT 'r2', 'Plain', "
                "'{\"session\":\"a\",\"subject\":2}', 1, '2', 'a', 'str', 'h', 'two', now()")
    con.close()
    db = scidb.configure_database(scidb_path, KEYS)
    assert db.con.execute("SELECT subject, value FROM Plain ORDER BY subject").fetchall() == [
        (1, "1.5"), (2, "two")]
    scidb.close(db)


_CHILD = textwrap.dedent("""
    import sys, numpy as np
    import scidb
    from scidb.variable import variable_class
    db = scidb.configure_database(sys.argv[1], ["subject", "session"])
    print("ready", flush=True)
    for n in range(100000):
        # every save is the first record of a new variable: a new view each time
        cls = variable_class(f"V{n}")
        value = float(n) if n % 3 else np.arange(float(n % 50 + 1))
        cls.save(value, subject=n, session="a")
""")


@pytest.mark.slow
def test_kill_during_saves_of_new_variables_never_leaves_records_without_a_view(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    rng = np.random.default_rng(7)
    for trial in range(6):
        path = tmp_path / f"kill{trial}.duckdb"
        child = subprocess.Popen([sys.executable, str(script), str(path)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
        time.sleep(0.3 + float(rng.uniform(0, 0.7)))
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        assert _variables_without_view(path) == [], f"trial {trial}"
        db = scidb.Database(str(path), KEYS)  # and the file opens and reads back
        try:
            recorded = db.con.execute("SELECT count(DISTINCT variable) FROM _records").fetchone()[0]
            assert recorded > 0 and len(db.variables()) == recorded
            for variable in db.variables():
                assert db.con.execute(f'SELECT count(*) FROM "{variable}"').fetchone()[0] == 1
        finally:
            db.close()
