"""AveragePooling2D (settings and shapes in sb3gen.kinds.pooling).

The order the blocks compute (the reference does the same):
forward   for each output position (row by row), for each channel: s = 0; for each cell of the window inside
          the input, in row then column order: s = s + cell; output = s / (number of cells inside).
backward  for each output position in the same order, for each channel: g = dy / (cells inside); for each
          cell inside, in order: its input grad = itself + g.
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

NAME = "avgpool2d"
LABEL = "avg pool"
KERAS_CLASSES = ("AveragePooling2D", "AvgPool2D")
TEMPLATE = "kinds/avgpool2d.sb"


def from_keras(class_name: str, config: Mapping[str, Any], weights: Sequence[np.ndarray],
               in_shape: Shape) -> Imported:
    return pooling.from_keras(config, weights)


def forward(layer: Layer, x: np.ndarray) -> np.ndarray:
    image = pooling.image(layer, x)
    y = np.empty(layer.out_shape)
    for oy, ox, cells in pooling.windows(layer):
        total = np.zeros(layer.in_shape[2])
        for iy, ix in cells:
            total = total + image[iy, ix]
        y[oy, ox] = total / len(cells)
    return y.ravel()


def backward(layer: Layer, x: np.ndarray, y: np.ndarray,
             dy: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    grads = np.asarray(dy, dtype=np.float64).reshape(layer.out_shape)
    dx = np.zeros(layer.in_shape)
    for oy, ox, cells in pooling.windows(layer):
        share = grads[oy, ox] / len(cells)
        for iy, ix in cells:
            dx[iy, ix] = dx[iy, ix] + share
    return dx.ravel(), ()


ONNX_OPS = ("AveragePool",)


def from_onnx(op_type: str, attributes: Mapping[str, Any], constants: Sequence[np.ndarray | None],
              in_shape: Shape) -> Imported:
    return pooling.from_onnx(attributes, in_shape, average=True)
