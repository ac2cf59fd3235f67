"""A write-ahead log cut short: DuckDB replays it up to its last complete transaction and
drops the rest; opening the database says so (WriteAheadLogWarning) instead of silently
losing commits. The logs are real ones, left by a real process that saved and was ended
without closing the database; the cut points are checked against DuckDB's own replay."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import duckdb
import pytest

from scistack_engine import gateway, session
from scistack_engine.codec import decode, encode
from scistack_engine.connection import connect
from scistack_engine.wal import WriteAheadLogWarning, torn_tail

SAVES = 6


@pytest.fixture(scope="module")
def left_behind(tmp_path_factory) -> Path:
    """A database whose last SAVES saves are only in its write-ahead log."""
    folder = tmp_path_factory.mktemp("wal")
    path = folder / "study.duckdb"
    script = textwrap.dedent(f"""
        import os
        import scidb
        from scidb import BaseVariable
        class Score(BaseVariable):
            pass
        scidb.configure_database({str(path)!r}, ["subject"])
        for i in range({SAVES}):
            Score.save(float(i), subject=i)
        os._exit(0)  # ended without closing: nothing folds the log into the file
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    assert (folder / "study.duckdb.wal").stat().st_size > 0
    return path


def _copy_with_log(source: Path, folder: Path, log_bytes: int | None = None) -> Path:
    """A copy of ``source`` and its log, the log cut to ``log_bytes``."""
    folder.mkdir(exist_ok=True)
    target = folder / source.name
    shutil.copy(source, target)
    log = Path(str(source) + ".wal").read_bytes()
    Path(str(target) + ".wal").write_bytes(log if log_bytes is None else log[:log_bytes])
    return target


def _scores(path: Path) -> int:
    """How many scores DuckDB itself replays from the file and its log."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables"
                                            ).fetchall()}
        if "_records" not in tables:
            return -1
        return con.execute("SELECT count(*) FROM _records").fetchone()[0]


def test_a_complete_log_opens_without_a_warning(left_behind, tmp_path):
    copy = _copy_with_log(left_behind, tmp_path / "whole")
    assert torn_tail(str(copy) + ".wal") is None
    with warnings.catch_warnings():
        warnings.simplefilter("error", WriteAheadLogWarning)
        connect(str(copy), read_only=True).close()
    assert _scores(copy) == SAVES


def test_a_log_cut_inside_a_transaction_is_reported_on_open(left_behind, tmp_path):
    size = Path(str(left_behind) + ".wal").stat().st_size
    copy = _copy_with_log(left_behind, tmp_path / "cut", size - 10)
    with pytest.warns(WriteAheadLogWarning) as seen:
        connect(str(copy), read_only=False).close()
    message = str(seen[0].message)
    assert str(copy) in message and ".wal" in message
    assert "ends inside a transaction" in message and "dropped" in message
    assert "compare with a copy" in message
    assert _scores(copy) == SAVES - 1  # the last save was dropped, as the warning says


def test_the_reported_complete_part_is_what_duckdb_replays(left_behind, tmp_path):
    """For cut points across the whole log, DuckDB replays from the cut log exactly what
    it replays from the log cut at the offset torn_tail reports, and that shorter log is
    judged complete."""
    log = Path(str(left_behind) + ".wal")
    size = log.stat().st_size
    for n, cut in enumerate(sorted({1, 5, size // 7, size // 3, size // 2, size - 200,
                                    size - 17, size - 1})):
        cut_copy = _copy_with_log(left_behind, tmp_path / f"cut{n}", cut)
        torn = torn_tail(str(cut_copy) + ".wal")
        assert torn is not None and torn.size == cut and 0 <= torn.complete < cut
        kept_copy = _copy_with_log(left_behind, tmp_path / f"kept{n}", torn.complete)
        assert torn_tail(str(kept_copy) + ".wal") is None
        assert _scores(cut_copy) == _scores(kept_copy), f"cut at {cut} of {size}"


def test_logs_it_cannot_read_are_not_judged(tmp_path):
    empty = tmp_path / "empty.wal"
    empty.write_bytes(b"")
    assert torn_tail(str(empty)) is None
    assert torn_tail(str(tmp_path / "absent.wal")) is None
    other = tmp_path / "other.wal"  # a header field this reader does not know
    other.write_bytes(b"\x64\x00\x62\x65\x00\x02\x70\x00\x01\xff\xff" + b"\0" * 40)
    assert torn_tail(str(other)) is None
    version_3 = tmp_path / "encrypted.wal"
    version_3.write_bytes(b"\x64\x00\x62\x65\x00\x03\xff\xff" + b"\0" * 40)
    assert torn_tail(str(version_3)) is None


def test_a_gateway_open_sends_the_warning_to_matlab(left_behind, tmp_path):
    """Through the gateway the warning travels with the reply, under its identifier."""
    size = Path(str(left_behind) + ".wal").stat().st_size
    copy = _copy_with_log(left_behind, tmp_path / "gateway", size - 10)
    request = {"op": "db_open", "args": {"path": str(copy), "schema_keys": ["subject"]},
               "profile": "octave"}
    reply = decode(gateway.handle(encode(request)))
    try:
        [sent] = reply["warnings"]
        assert sent["identifier"] == "scistack:db:tornWriteAheadLog"
        assert str(copy) in sent["message"] and ".wal" in sent["message"]
    finally:
        session.close(session.by_handle(reply["ok"]["handle"]))
