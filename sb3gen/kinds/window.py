"""Sliding-window geometry shared by conv2d and the pools, as Keras computes it.

'valid': the window stays inside the input. 'same': out = ceil(in / stride) and the input is padded by
max((out - 1) * stride + window - in, 0) cells, the smaller half before (top/left), the rest after, as
TensorFlow does; padded cells are absent (a conv adds nothing for them, a pool ignores them).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

PADDINGS = ("valid", "same")


def pair(value: Any, name: str) -> tuple[int, int]:
    """A Keras size setting (an int or a pair) as a pair of ints."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value, value
    if isinstance(value, Sequence) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return int(value[0]), int(value[1])
    raise ValueError(f"{name} {value!r} is not a size or a pair of sizes")


def out_size(size: int, window: int, stride: int, padding: str) -> int:
    if padding == "same":
        return math.ceil(size / stride)
    return (size - window) // stride + 1 if size >= window else 0


def pad_before(size: int, window: int, stride: int, padding: str) -> int:
    if padding != "same":
        return 0
    total = max((out_size(size, window, stride, padding) - 1) * stride + window - size, 0)
    return total // 2


def cells(out_index: int, size: int, window: int, stride: int, padding: str) -> Iterator[tuple[int, int]]:
    """(tap, input index) of one output's window along one axis, in order, inside the input only."""
    first = out_index * stride - pad_before(size, window, stride, padding)
    for tap in range(window):
        if 0 <= first + tap < size:
            yield tap, first + tap


def text(pair_: tuple[int, int]) -> str:
    return f"{pair_[0]}x{pair_[1]}"
