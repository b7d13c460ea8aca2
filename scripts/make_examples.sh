#!/usr/bin/env bash
# Make examples/: the default project (mnist.sb3), its standalone page (mnist.html) and its network.json.
#
#   bash scripts/make_examples.sh                       # trains the default network first (sb3gen build)
#   bash scripts/make_examples.sh build/network.json    # reuses a trained network.json
#
# mnist.sb3 is compiled from examples/network.json exactly as tests/test_examples.py compiles it again, so
# the test gets the same bytes on any machine. Compiling and packaging are deterministic; only Keras training
# may differ across processors, which is why the test never retrains. Needs sb3gen installed (pip install -e .)
# and, for the page, Node.js 18+ with npm.
set -euo pipefail
cd "$(dirname "$0")/.."

TITLE="Draw a digit: a neural network in Scratch"   # the title `sb3gen build --html` gives the page
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p examples

if [ $# -ge 1 ]; then
    network=$1
else
    sb3gen build -o "$work/trained/mnist.sb3"       # the default network, trained with Keras
    network=$work/trained/network.json
fi
if [ "$(realpath "$network")" != "$(realpath -m examples/network.json)" ]; then
    cp "$network" examples/network.json
fi

# Compile only (no training): the same command the test runs.
sb3gen build --network examples/network.json -o "$work/compiled/mnist.sb3"
cp "$work/compiled/mnist.sb3" examples/mnist.sb3
sb3gen html examples/mnist.sb3 -o examples/mnist.html --title "$TITLE"
ls -l examples/
