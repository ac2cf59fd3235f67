#!/usr/bin/env bash
# Install the system packages SciStack's MATLAB side needs on Debian 12, when missing.
#
#   bash scripts/ensure-system.sh
#
# GNU Octave runs the toolbox and its tests on machines without MATLAB; liboctave-dev
# provides mkoctfile, which compiles the toolbox's MEX bridge to Python. Nothing is done
# when both `octave-cli` and `mkoctfile` are already on the PATH, so the script is safe to
# call before every test run. Installing needs root (CI runs as root) or sudo.
set -euo pipefail

PACKAGES=(octave liboctave-dev)

missing=()
for tool in octave-cli mkoctfile; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "[ensure-system] octave-cli and mkoctfile present: nothing to install"
    exit 0
fi

echo "[ensure-system] missing: ${missing[*]}"

if ! command -v apt-get >/dev/null 2>&1; then
    echo "[ensure-system] apt-get not found: install ${PACKAGES[*]} (GNU Octave >= 7 and" \
         "its development files) with your system's package manager" >&2
    exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "[ensure-system] not root and no sudo: run as root to install ${PACKAGES[*]}" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "[ensure-system] apt-get update"
"${SUDO[@]}" apt-get update
echo "[ensure-system] apt-get install -y --no-install-recommends ${PACKAGES[*]}"
"${SUDO[@]}" apt-get install -y --no-install-recommends "${PACKAGES[@]}"

for tool in octave-cli mkoctfile; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "[ensure-system] $tool still missing after installing ${PACKAGES[*]}" >&2
        exit 1
    fi
done
echo "[ensure-system] installed: $(octave-cli --version | head -n 1)"
