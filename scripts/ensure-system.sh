#!/usr/bin/env bash
# Install the system packages SciStack needs on Debian 12, when missing.
#
#   bash scripts/ensure-system.sh [PYTHON]
#
# GNU Octave runs the toolbox and its tests on machines without MATLAB; liboctave-dev
# provides mkoctfile, which compiles the toolbox's MEX bridge to Python. The bridge also
# needs the C headers of the Python it embeds, and the virtual environment needs that
# Python's venv module: for Debian's own Python (PYTHON, default python3) they come as
# python3-dev and python3-venv. octave-parallel gives Octave parcellfun, which runs
# for_each(..., 'executor', 'processes') on worker processes. Chromium (Debian's
# `chromium`, run headless) loads the HTML pictures and reports of the `scistack`
# command in the browser tests. Nothing is installed when everything is present, so the
# script is safe to call before every run. Installing needs root (CI runs as root) or sudo.
set -euo pipefail

PY=${1:-python3}
packages=()
for tool in octave-cli mkoctfile; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "[ensure-system] missing: $tool"
        packages=(octave liboctave-dev)
    fi
done
if command -v dpkg-query >/dev/null 2>&1 &&
        ! dpkg-query -W -f='${Status}' octave-parallel 2>/dev/null | grep -q "ok installed"; then
    echo "[ensure-system] missing: octave-parallel"
    packages+=(octave-parallel)
fi
if ! "$PY" -c "import ensurepip, venv" >/dev/null 2>&1; then
    echo "[ensure-system] missing: the venv module of $PY"
    packages+=(python3-venv)
fi
if ! "$PY" -c "import os, sysconfig; assert os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h'))" >/dev/null 2>&1; then
    echo "[ensure-system] missing: the C headers of $PY"
    packages+=(python3-dev)
fi

if ! command -v chromium >/dev/null 2>&1; then
    echo "[ensure-system] missing: chromium (the browser tests of the HTML views)"
    packages+=(chromium fonts-dejavu-core)
fi

if [ ${#packages[@]} -eq 0 ]; then
    echo "[ensure-system] Octave (with its parallel package), mkoctfile, chromium and $PY's headers and venv present: nothing to install"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "[ensure-system] apt-get not found: install ${packages[*]} (GNU Octave >= 7 and" \
         "its development files; Python's headers and venv module) with your system's" \
         "package manager" >&2
    exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "[ensure-system] not root and no sudo: run as root to install ${packages[*]}" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "[ensure-system] apt-get update"
"${SUDO[@]}" apt-get update
echo "[ensure-system] apt-get install -y --no-install-recommends ${packages[*]}"
"${SUDO[@]}" apt-get install -y --no-install-recommends "${packages[@]}"

for tool in octave-cli mkoctfile; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "[ensure-system] $tool still missing after installing ${packages[*]}" >&2
        exit 1
    fi
done
if ! command -v chromium >/dev/null 2>&1; then
    echo "[ensure-system] chromium still missing after installing ${packages[*]}" >&2
    exit 1
fi
echo "[ensure-system] ready: $(octave-cli --version | head -n 1); $(chromium --version 2>/dev/null | head -n 1)"
