"""MaxPooling2D (settings and shapes in sb3gen.kinds.pooling).

The order the blocks compute (the reference does the same):
forward   for each output position (row by row), for each channel: m = the first cell of the window inside
          the input; for each later cell inside, in row then column order: if cell > m: m = cell (the first
          largest wins ties).
backward  for each output position in the same order, for each channel: the input grad of the winning cell
          = itself + dy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sb3gen.kinds import pooling
from sb3gen.kinds.base import Imported, Layer, Shape
from sb3gen.kinds.pooling import (
    csv,
    flat_params,
    out_shape,
    plan,
    problems,
    sprite_lists,
    sprite_variables,
    update,
)

__all__ = ["csv", "flat_params", "out_shape", "plan", "problems", "sprite_lists", "sprite_variables",
           "update"]

NAME = "maxpool2d"
LABEL = "pool"
KERAS_CLASSES = ("MaxPooling2D", "MaxPool2D")
TEMPLATE = "kinds/maxpool2d.sb"


def from_keras(class_name: str, config: Mapping[str, Any], weights: Sequence[np.ndarray],
               in_shape: Shape) -> Imported:
    return pooling.from_keras(config, weights)


def _winners(layer: Layer, image: np.ndarray) -> list[tuple[int, int, np.ndarray, np.ndarray, np.ndarray]]:
    """Per output position: row, column, and per channel the largest value and its cell (iy, ix)."""
    found = []
    channels = np.arange(layer.in_shape[2])
    for oy, ox, cells in pooling.windows(layer):
        iy, ix = np.array(cells).T
        values = image[iy, ix]  # (cells, channels)
        best = np.zeros(len(channels), dtype=int)
        for k in range(1, len(cells)):
            best = np.where(values[k] > values[best, channels], k, best)
        found.append((oy, ox, values[best, channels], iy[best], ix[best]))
    return found


def forward(layer: Layer, x: np.ndarray) -> np.ndarray:
    y = np.empty(layer.out_shape)
    for oy, ox, best, _, _ in _winners(layer, pooling.image(layer, x)):
        y[oy, ox] = best
    return y.ravel()


def backward(layer: Layer, x: np.ndarray, y: np.ndarray,
             dy: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    grads = np.asarray(dy, dtype=np.float64).reshape(layer.out_shape)
    dx = np.zeros(layer.in_shape)
    channels = np.arange(layer.in_shape[2])
    for oy, ox, _, iy, ix in _winners(layer, pooling.image(layer, x)):
        dx[iy, ix, channels] = dx[iy, ix, channels] + grads[oy, ox]
    return dx.ravel(), ()


ONNX_OPS = ("MaxPool",)


def from_onnx(op_type: str, attributes: Mapping[str, Any], constants: Sequence[np.ndarray | None],
              in_shape: Shape) -> Imported:
    return pooling.from_onnx(attributes, in_shape, average=False)
