"""A file another process has open: wait for it with ``timeout=``, and an error that names
the process holding it and how it holds it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

import scidb
from scidb import BaseVariable, DatabaseLockedError, configure_database

KEYS = ["subject", "session"]


class Trial(BaseVariable):
    pass


_HOLDER = textwrap.dedent("""
    import sys, time, scidb
    db = scidb.configure_database(sys.argv[1], ["subject", "session"],
                                  read_only=sys.argv[2] == "read")
    print("holding", flush=True)
    time.sleep(float(sys.argv[3]))
    scidb.close()
    print("released", flush=True)
    time.sleep(60)
""")


@pytest.fixture
def holder(scidb_path, scidb_unconfigured):
    """Start a process that holds the file ('write' or 'read') for some seconds."""
    db = configure_database(scidb_path, KEYS)
    Trial.save(1.0, subject=1, session="pre")
    scidb.close(db)
    started: list[subprocess.Popen] = []

    def start(how: str, seconds: float) -> subprocess.Popen:
        child = subprocess.Popen([sys.executable, "-c", _HOLDER, str(scidb_path), how,
                                  str(seconds)], stdout=subprocess.PIPE, text=True)
        started.append(child)
        assert child.stdout.readline().strip() == "holding"
        return child

    yield start
    for child in started:
        child.kill()
        child.wait()


def test_timeout_waits_until_the_other_process_lets_go(scidb_path, holder):
    holder("write", 1.5)
    began = time.monotonic()
    db = configure_database(scidb_path, KEYS, timeout=30)
    waited = time.monotonic() - began
    assert 0.5 < waited < 30
    assert Trial.load(subject=1, session="pre").data == 1.0
    Trial.save(2.0, subject=2, session="pre")
    scidb.close(db)


def test_timeout_runs_out_with_an_error_naming_the_holder(scidb_path, holder):
    child = holder("write", 60)
    began = time.monotonic()
    with pytest.raises(DatabaseLockedError) as err:
        configure_database(scidb_path, KEYS, timeout=1)
    assert time.monotonic() - began >= 1
    message = str(err.value)
    assert f"process {child.pid} (python" in message  # its pid and program
    assert "waited 1 s" in message


def test_without_timeout_the_error_is_immediate(scidb_path, holder):
    holder("write", 60)
    began = time.monotonic()
    with pytest.raises(DatabaseLockedError, match="timeout=SECONDS"):
        configure_database(scidb_path, KEYS)
    assert time.monotonic() - began < 1


def test_a_reader_holding_the_file_is_not_called_a_writer(scidb_path, holder):
    child = holder("read", 60)
    with pytest.raises(DatabaseLockedError) as err:
        configure_database(scidb_path, KEYS)
    message = str(err.value)
    assert f"process {child.pid}" in message
    assert "read-only" in message and "is open for writing" not in message
    # and a read-only open beside the reader works
    db = configure_database(scidb_path, KEYS, read_only=True)
    assert Trial.load(subject=1, session="pre").data == 1.0
    scidb.close(db)
