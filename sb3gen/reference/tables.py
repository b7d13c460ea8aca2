"""The exp and log lookup tables of the day-3 article, and the exact index arithmetic the blocks use.

The project stores these very floats (rounded to 10 significant digits so project.json stays small) and
the reference reads the same ones, so table lookups agree bit for bit with the VM.
"""

from __future__ import annotations

from functools import cache

import numpy as np

EXP_MIN = -10
EXP_MAX = 10
EXP_STEPS_PER_UNIT = 1000  # step 0.001
EXP_SIZE = (EXP_MAX - EXP_MIN) * EXP_STEPS_PER_UNIT + 1  # 20,001 entries

LOG_STEPS_PER_UNIT = 10000  # step 0.0001 over [0, 1]
LOG_SIZE = LOG_STEPS_PER_UNIT + 1  # 10,001 entries
# log(0) is -Infinity, which JSON cannot hold: item 1 holds log(1e-7), the floor Keras clips probabilities to.
LOG_ZERO_STAND_IN_ARGUMENT = 1e-7

SIGNIFICANT_DIGITS = 10


def js_round(x: np.ndarray | float) -> np.ndarray:
    """JavaScript's Math.round (Scratch's `round`): nearest integer, halves toward +infinity.

    Not floor(x + 0.5): that sum itself rounds (0.49999999999999994 + 0.5 == 1.0)."""
    x = np.asarray(x, dtype=np.float64)
    low = np.floor(x)
    return low + (x - low >= 0.5)  # x - floor(x) is exact in float64


def _rounded(values: np.ndarray) -> np.ndarray:
    return np.array([float(f"{v:.{SIGNIFICANT_DIGITS}g}") for v in values.tolist()], dtype=np.float64)


@cache
def exp_table() -> np.ndarray:
    """Item i (1-based) holds exp(-10 + (i - 1) / 1000)."""
    steps = np.arange(EXP_SIZE, dtype=np.float64) + EXP_MIN * EXP_STEPS_PER_UNIT
    table = _rounded(np.exp(steps / EXP_STEPS_PER_UNIT))
    table.setflags(write=False)
    return table


@cache
def log_table() -> np.ndarray:
    """Item i (1-based) holds log((i - 1) / 10000); item 1 holds the finite stand-in for log(0)."""
    steps = np.arange(LOG_SIZE, dtype=np.float64)
    with np.errstate(divide="ignore"):
        exact = np.log(steps / LOG_STEPS_PER_UNIT)
    exact[0] = np.log(LOG_ZERO_STAND_IN_ARGUMENT)
    table = _rounded(exact)
    table.setflags(write=False)
    return table


def exp_index(x: np.ndarray | float) -> np.ndarray:
    """1-based item of the exp table, as the blocks compute it: round((x + 10) * 1000) + 1, clamped."""
    x = np.asarray(x, dtype=np.float64)
    index = js_round((x + float(-EXP_MIN)) * float(EXP_STEPS_PER_UNIT)) + 1.0
    return np.clip(index, 1.0, float(EXP_SIZE))


def log_index(p: np.ndarray | float) -> np.ndarray:
    """1-based item of the log table for a probability p in [0, 1]: round(p * 10000) + 1 (clamped too)."""
    p = np.asarray(p, dtype=np.float64)
    index = js_round(p * float(LOG_STEPS_PER_UNIT)) + 1.0
    return np.clip(index, 1.0, float(LOG_SIZE))


def table_exp(x: np.ndarray | float) -> np.ndarray:
    return exp_table()[exp_index(x).astype(np.int64) - 1]


def table_log(p: np.ndarray | float) -> np.ndarray:
    return log_table()[log_index(p).astype(np.int64) - 1]
