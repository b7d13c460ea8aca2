#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine, then runs them all (lint + pytest).
# Python package with its test extra, the pinned Node tools (npm ci into a cache), Debian's Chromium for the
# editor test. Safe to run again: each step skips what is already there.
# pytest runs on 2 workers (pytest-xdist; SB3GEN_TEST_WORKERS changes it, 0 = one process) and prints the 15
# slowest tests; arguments go to pytest: `bash scripts/test.sh -m "not slow"` is the fast tier
# (docs/development.md, Tests).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'

# Debian packages for the editor test: the browser and the fonts the screenshots were made with.
missing=()
for pkg in chromium fonts-dejavu-core fonts-liberation; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  echo "Installing Debian packages for the editor test: ${missing[*]} ..."
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python3 -m sb3gen.vm.install          # npm ci of scratch-vm, scratch-parser, TurboWarp (cached)

python3 -m ruff check .
# loadgroup: the tests of one shared build in one worker (xdist_group, tests/conftest.py); the groups first,
# in the order conftest gives (no reordering by size)
python3 -m pytest -q -n "${SB3GEN_TEST_WORKERS:-2}" --dist loadgroup --no-loadscope-reorder --durations=15 "$@"
