"""numpy mirror of `load image (code) into input` for the 28x28 grey format (templates/inputs/grey.sb), and
the quantization every grey image goes through (stored images, the pad's frame, Keras' training inputs).

A grey pixel is a level 0..LEVELS-1 standing for level / (LEVELS - 1). An image is one text item of symbols
from the project's `symbols` list (sb3gen.project.image_codec.SYMBOLS, safe for Scratch's case-insensitive
compare); symbol s (1-based item of `symbols`) means "item s of `grey counts` pixels of level item s of
`grey levels`", so the decoder is one table lookup per symbol whatever the table holds. Zeros after the last
symbol are implied: the blocks fill `input` up to 784 values and cut anything past 784.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sb3gen.reference.packed import item_number
from sb3gen.reference.tables import js_round

SIDE = 28
N_PIXELS = SIDE * SIDE
LEVELS = 16  # chosen by measurement: docs/grey-input.md


def quantize(values: np.ndarray | Sequence[float], levels: int = LEVELS) -> np.ndarray:
    """Grey values 0..1 (float64) -> integer levels, as the blocks round: round(value * (levels - 1)) with
    JavaScript's Math.round (halves up)."""
    scaled = np.asarray(values, dtype=np.float64) * (levels - 1)
    return js_round(scaled).astype(np.int64)


def level_values(levels_: np.ndarray, levels: int = LEVELS) -> np.ndarray:
    """Levels -> the float64 values the blocks hold: level / (levels - 1), one JavaScript division."""
    return np.asarray(levels_, dtype=np.float64) / (levels - 1)


def quantized(values: np.ndarray | Sequence[float], levels: int = LEVELS) -> np.ndarray:
    """Grey values 0..1 -> the grey values a model is given (quantize, then level / (levels - 1))."""
    return level_values(quantize(values, levels), levels)


def unpack(code: str, symbols: Sequence[str], counts: Sequence[int], levels_: Sequence[int],
           levels: int = LEVELS, *, _items: dict[str, int] | None = None) -> np.ndarray:
    """What `load image (code) into input` leaves in `input`: 784 float64 values, row-major. A letter that is
    not in `symbols` adds nothing (item 0 of a list is empty: repeat 0 times)."""
    items = {} if _items is None else _items  # letter -> `item # of`, the same answer for the same letter
    values: list[float] = []
    for letter in str(code):
        if letter not in items:
            items[letter] = item_number(symbols, letter)
        item = items[letter]
        if item:
            value = float(levels_[item - 1]) / (levels - 1)
            values.extend([value] * int(counts[item - 1]))
    values = values[:N_PIXELS] + [0.0] * (N_PIXELS - len(values))
    return np.array(values, dtype=np.float64)


def unpack_all(codes: Sequence[str], symbols: Sequence[str], counts: Sequence[int], levels_: Sequence[int],
               levels: int = LEVELS) -> np.ndarray:
    """(N, 784) float64, unpack() of each code."""
    symbols = [str(s) for s in symbols]
    items: dict[str, int] = {}
    out = np.zeros((len(codes), N_PIXELS), dtype=np.float64)
    for row, code in enumerate(codes):
        out[row] = unpack(code, symbols, counts, levels_, levels, _items=items)
    return out
