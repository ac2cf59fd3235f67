#!/usr/bin/env bash
# SciStack's two entry points on a fresh Debian 12 machine with Python 3.11.
#
#   ./dev.sh example   create the environment if needed, then run the example pipelines
#                      (Python, and MATLAB's under GNU Octave)
#   ./dev.sh test      create the environment if needed, then run every test
#   ./dev.sh lint      create the environment if needed, then run the static checks:
#                      ruff and mypy (pyproject.toml), MISS_HIT's style, parse and metric
#                      checks (miss_hit.cfg); stops at the first that reports a finding
#
# Both are idempotent: the virtual environment (.venv) is rebuilt only when
# pyproject.toml changes, and system packages are installed only when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT=$PWD
VENV=$ROOT/.venv
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

ensure_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        echo "[dev] creating virtual environment in .venv"
        "$PY" -m venv "$VENV"
    fi
    local stamp=$VENV/.stamp-pyproject
    local want
    want=$(sha256sum pyproject.toml | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "[dev] installing scistack and its test dependencies into .venv"
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        "$VENV/bin/python" -m pip install --quiet -e ".[test,examples]"
        echo "$want" > "$stamp"
    fi
}

ensure_system_packages() {
    # GNU Octave and mkoctfile (the MATLAB toolbox under Octave), and for a Debian
    # Python its headers (the MEX bridge embeds it) and venv module
    bash scripts/ensure-system.sh "$PY"
}

case "${1:-}" in
    example)
        ensure_system_packages
        ensure_venv
        shift
        exec "$VENV/bin/python" examples/run_example.py "$@"
        ;;
    test)
        ensure_system_packages
        ensure_venv
        shift
        exec "$VENV/bin/python" -m pytest "$@"
        ;;
    lint)
        ensure_venv
        bin=$VENV/bin
        echo "[lint] ruff check python tests"
        "$bin/ruff" check python tests
        echo "[lint] mypy (the engine and the fronts)"
        "$bin/mypy"
        echo "[lint] MISS_HIT: style, parse as MATLAB and as Octave, metrics"
        "$bin/mh_style" toolbox tests/matlab
        "$bin/mh_lint" --matlab 2021a toolbox \
            $(find tests/matlab -mindepth 1 -maxdepth 1 ! -name matlab_only | sort)
        "$bin/mh_lint" --octave 7.2 toolbox
        # tests/matlab/matlab_only: MATLAB-only examples written with name=value arguments
        # on purpose; MISS_HIT parses them and advises against that syntax (advice left out)
        "$bin/mh_lint" --matlab 2021a --brief tests/matlab/matlab_only \
            | grep -v '\[name_value_pairs\]$'
        "$bin/mh_metric" --ci toolbox tests/matlab
        ;;
    *)
        echo "usage: ./dev.sh example | test [pytest args] | lint" >&2
        exit 2
        ;;
esac
