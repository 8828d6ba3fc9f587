#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests need, then lint, types, tests.
#   bash scripts/test.sh            # everything
#   bash scripts/test.sh -k reader  # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"

# The BLE tests run bleak against an emulated BlueZ on a private dbus-daemon.
if ! command -v dbus-daemon >/dev/null 2>&1; then
  echo "installing dbus-daemon (Debian package) for the BLE tests"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq dbus-daemon >/dev/null
fi

# Spoken cues (repscope live --speak/--count) use the espeak-ng command line; its tests
# render speech to a WAV file.
if ! command -v espeak-ng >/dev/null 2>&1; then
  echo "installing espeak-ng (Debian package) for the speech tests"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq espeak-ng >/dev/null
fi

echo "== ruff"
.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/ruff format --check src tests benchmarks scripts
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
.venv/bin/python -m pytest -n 2 "$@"
