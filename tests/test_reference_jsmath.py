"""V8's Math.exp / Math.log (what Scratch's `e ^` and `ln` blocks call) reproduced bit for bit in Python."""

from __future__ import annotations

import json
import math
import subprocess

import numpy as np

from sb3gen.reference.jsmath import js_exp, js_log, native_exp
from sb3gen.vm.node_tools import node_executable


def node_values(expression: str, inputs: list[float]) -> list[float]:
    script = ("const xs = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              f"process.stdout.write(JSON.stringify(xs.map(x => {expression})));")
    done = subprocess.run([node_executable(), "-e", script], input=json.dumps(inputs), capture_output=True,
                          text=True, check=True)
    return [float(v) for v in json.loads(done.stdout)]  # JSON writes big whole numbers as integers


def test_exp_and_log_equal_node_bit_for_bit():
    rng = np.random.default_rng(5)
    xs = np.concatenate([rng.uniform(-40, 40, 20_000), rng.uniform(-1, 1, 5_000),
                         [0.0, 1e-30, -745.2, 709.7]])
    ps = np.concatenate([rng.uniform(0, 1, 20_000), [1.0, 1e-7, 5e-324, 0.5, 2.0, 1e300]])
    assert [js_exp(x) for x in xs.tolist()] == node_values("Math.exp(x)", xs.tolist())
    assert [js_log(p) for p in ps.tolist()] == node_values("Math.log(x)", ps.tolist())


def test_special_values():
    assert js_exp(float("inf")) == math.inf and js_exp(float("-inf")) == 0.0 and js_exp(800.0) == math.inf
    assert js_log(0.0) == -math.inf and math.isnan(js_log(-1.0)) and js_log(1.0) == 0.0
    assert native_exp(np.array([[0.0, 1.0]])).shape == (1, 2)
