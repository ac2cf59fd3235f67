#!/usr/bin/env bash
# An older DuckDB client for the storage-compatibility test: a separate virtual environment
# (.venv-duckdb-old) holding the duckdb wheel of an earlier 1.x release, nothing else.
# Idempotent: does nothing when the environment already has that release. Prints the path
# of its python.
#
#   scripts/ensure-old-duckdb.sh [VERSION]     (default 1.1.3)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VERSION=${1:-1.1.3}
VENV=$PWD/.venv-duckdb-old
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

if [ "$("$VENV/bin/python" -c 'import duckdb; print(duckdb.__version__)' 2>/dev/null)" != "$VERSION" ]; then
    echo "[old-duckdb] installing duckdb==$VERSION into .venv-duckdb-old" >&2
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet "duckdb==$VERSION" >&2
fi
echo "$VENV/bin/python"
