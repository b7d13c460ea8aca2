"""examples/mnist.sb3 is what compiling examples/network.json gives, byte for byte.

Compiling is reproducible on any machine (Keras training is not, across processors), so the test compiles
the committed network.json again, as scripts/make_examples.sh does, and never retrains.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.slow  # over 5 s (docs/development.md, Tests)
def test_example_project_is_compiled_again_byte_for_byte(tmp_path):
    out = tmp_path / "mnist.sb3"
    network = EXAMPLES / "network.json"
    command = [sys.executable, "-m", "sb3gen", "build", "--network", str(network), "-o", str(out)]
    run = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert out.read_bytes() == (EXAMPLES / "mnist.sb3").read_bytes(), (
        "examples/mnist.sb3 differs from a compile of examples/network.json: run scripts/make_examples.sh")


def test_example_page_is_there():
    page = EXAMPLES / "mnist.html"
    assert page.is_file() and page.stat().st_size > 100_000
    assert b"<html" in page.read_bytes()[:2000].lower()
