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


def onnx_padding(size: int, window: int, stride: int, begin: int, end: int,
                 ceil_mode: bool = False) -> str | None:
    """The Keras padding ('valid' or 'same') whose windows are exactly those of an ONNX Conv/pool along one
    axis with explicit pads (begin, end), or None. Equal output count and equal padding before give the same
    windows, and padded cells are absent in both (a conv adds 0 for them, a max or an average without
    count_include_pad ignores them)."""
    span = size + begin + end - window
    if span < 0:
        return None
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + begin:  # ONNX/PyTorch drop a window that starts in the pad
        out -= 1
    for padding in PADDINGS:
        geometry = out_size(size, window, stride, padding), pad_before(size, window, stride, padding)
        if geometry == (out, begin):
            return padding
    return None


def onnx_auto_pads(size: int, window: int, stride: int, auto_pad: str) -> tuple[int, int]:
    """ONNX auto_pad as explicit pads (begin, end): SAME_UPPER puts the odd cell after, SAME_LOWER before."""
    if auto_pad not in ("SAME_UPPER", "SAME_LOWER"):
        return 0, 0
    total = max((math.ceil(size / stride) - 1) * stride + window - size, 0)
    small = total // 2
    return (small, total - small) if auto_pad == "SAME_UPPER" else (total - small, small)


def onnx_window(attributes: Any, kernel: tuple[int, int], in_shape: Sequence[int],
                ceil_mode: bool = False) -> tuple[tuple[int, int], str, list[str]]:
    """(strides, Keras padding, problems) of an ONNX Conv/pool on an input of (rows, columns, ...)."""
    strides = pair(list(attributes.get("strides", [1, 1])), "strides")
    auto_pad = str(attributes.get("auto_pad", "NOTSET"))
    if auto_pad in ("SAME_UPPER", "SAME_LOWER", "VALID"):
        rows = onnx_auto_pads(in_shape[0], kernel[0], strides[0], auto_pad)
        cols = onnx_auto_pads(in_shape[1], kernel[1], strides[1], auto_pad)
        pads = [rows[0], cols[0], rows[1], cols[1]]
    else:
        pads = [int(p) for p in attributes.get("pads", [0, 0, 0, 0])]
    if len(pads) != 4:
        return strides, "valid", [f"pads {pads}: the blocks run 2-D windows (4 pads)"]
    found = {onnx_padding(in_shape[0], kernel[0], strides[0], pads[0], pads[2], ceil_mode),
             onnx_padding(in_shape[1], kernel[1], strides[1], pads[1], pads[3], ceil_mode)}
    if len(found) == 1 and None not in found:
        return strides, found.pop(), []  # type: ignore[return-value]
    return strides, "valid", [f"pads {pads}{' with ceil_mode' if ceil_mode else ''} on a {in_shape[0]}x"
                              f"{in_shape[1]} input: the blocks run no padding or TensorFlow's 'same' "
                              "(auto_pad SAME_UPPER; for a 3x3 kernel at stride 1, padding=1)"]
