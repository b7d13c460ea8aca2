"""Grey images as text: a 28x28 image of LEVELS grey levels as one text item (sb3gen.reference.grey decodes
it as the blocks do; docs/grey-input.md has the measurements behind the numbers).

Each symbol of the project's 64 (image_codec.SYMBOLS, safe for Scratch's case-insensitive compare) stands for
a run of pixels of one level: runs of 1..ZERO_RUNS zeros (MNIST is ~80% zeros), one pixel of each level
1..LEVELS-2, runs of 1..INK_RUNS full-ink pixels (strokes are mostly saturated). The stage lists
`grey counts` and `grey levels` hold, for item s, the run length and level of symbol s. A run longer than a
symbol's is cut greedily (the fewest symbols, since every length up to the longest has a symbol), and the
zeros after the last ink are left out: the blocks fill `input` up to 784 values.
"""

from __future__ import annotations

import numpy as np

from sb3gen.project.image_codec import SYMBOLS
from sb3gen.reference.grey import LEVELS, N_PIXELS, quantize

ZERO_RUNS = 39  # with INK_RUNS, the split of the 50 run symbols that made the 5,000 images shortest
INK_RUNS = 11
FULL = LEVELS - 1
SINGLE_LEVELS = range(1, FULL)  # one symbol per pixel of these levels

# (count, level) of each symbol, in the order of SYMBOLS: the zero runs, the single levels, the full-ink runs.
TABLE: tuple[tuple[int, int], ...] = (
    *((n, 0) for n in range(1, ZERO_RUNS + 1)),
    *((1, level) for level in SINGLE_LEVELS),
    *((n, FULL) for n in range(1, INK_RUNS + 1)),
)
assert len(TABLE) == len(SYMBOLS)

# Characters that no JavaScript number can contain (not digits, signs, '.', e/x/b/o, hex digits, or the
# letters of Infinity and NaN): a code with one of them is text to Scratch, never a number.
NEVER_IN_NUMBER = frozenset("GHJKLMPQRSUVWZ!#$%&'()*/:;<=>?@[]^_`{|}~")
assert NEVER_IN_NUMBER <= set(SYMBOLS) and SYMBOLS[0] in NEVER_IN_NUMBER

# Index in SYMBOLS of the first zero run, of level 0's place among the singles, of the first ink run.
_ZERO_BASE = 0
_SINGLE_BASE = ZERO_RUNS - 1
_INK_BASE = ZERO_RUNS + len(SINGLE_LEVELS)


def grey_counts() -> list[int]:
    """The stage list `grey counts`: item s is how many pixels symbol s adds."""
    return [count for count, _ in TABLE]


def grey_levels() -> list[int]:
    """The stage list `grey levels`: item s is the level of the pixels symbol s adds."""
    return [level for _, level in TABLE]


def _run_symbols(level: int, length: int) -> list[int]:
    if level == 0:
        longest, base = ZERO_RUNS, _ZERO_BASE
    elif level == FULL:
        longest, base = INK_RUNS, _INK_BASE
    else:
        return [_SINGLE_BASE + level] * length
    whole, rest = divmod(length, longest)
    return [base + longest - 1] * whole + ([base + rest - 1] if rest else [])


def encode_levels(levels: np.ndarray) -> list[str]:
    """(N, 784) integer levels 0..LEVELS-1 -> N codes."""
    array = np.asarray(levels)
    if array.ndim != 2 or array.shape[1] != N_PIXELS:
        raise ValueError(f"expected (N, {N_PIXELS}) levels, got shape {array.shape}")
    if array.size and (array.min() < 0 or array.max() > FULL or not np.all(array == np.round(array))):
        raise ValueError(f"levels must be whole numbers 0..{FULL}")
    codes = []
    for row in array.astype(np.int64):
        starts = np.r_[0, np.flatnonzero(np.diff(row)) + 1]
        lengths = np.diff(np.r_[starts, N_PIXELS])
        runs = list(zip(row[starts].tolist(), lengths.tolist(), strict=True))
        if runs and runs[-1][0] == 0:
            runs.pop()  # trailing zeros are implied
        code = "".join(SYMBOLS[s] for level, length in runs for s in _run_symbols(level, length))
        if not NEVER_IN_NUMBER & set(code):
            code += SYMBOLS[_ZERO_BASE]  # keep it text (and never empty); a zero past 784 is cut
        codes.append(code)
    return codes


def encode_grey(values: np.ndarray) -> list[str]:
    """(N, 784) grey values 0..1 -> N codes of their quantized levels (sb3gen.reference.grey.quantize)."""
    array = np.asarray(values, dtype=np.float64)
    if array.size and (np.isnan(array).any() or array.min() < 0 or array.max() > 1):
        raise ValueError("grey values must lie in 0..1")
    return encode_levels(quantize(array))
