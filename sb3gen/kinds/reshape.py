"""Flatten and Reshape: the flat list stays as it is, only the shape changes (sb3gen keeps every map
channels_last, so Flatten is a no-op; the Keras front end permutes what a channels_first model needs).

The order the blocks compute: forward copies the input list item by item; backward copies dy to dx.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from sb3gen.kinds.base import Imported, Layer, LayerProblem, Shape
from sb3gen.kinds.planning import KindPlan, make_plan

NAME = "reshape"
LABEL = "reshape"
KERAS_CLASSES = ("Flatten", "Reshape")
TEMPLATE = "kinds/reshape.sb"


def as_shape(dims: Sequence[int], size: int) -> Shape:
    """A Keras shape without its batch axis, one -1 allowed, as (rows, columns, channels)."""
    dims = [int(d) for d in dims]
    if dims.count(-1) == 1:
        known = math.prod(d for d in dims if d != -1)
        dims[dims.index(-1)] = size // known if known else 0
    if len(dims) == 1:
        return (1, 1, dims[0])
    if len(dims) == 2:
        return (dims[0], dims[1], 1)
    if len(dims) == 3:
        return (dims[0], dims[1], dims[2])
    raise LayerProblem(f"target shape {tuple(dims)}; the blocks run shapes of 1 to 3 axes")


def from_keras(class_name: str, config: Mapping[str, Any], weights: Sequence[np.ndarray],
               in_shape: Shape) -> Imported:
    size = math.prod(in_shape)
    if class_name == "Flatten":
        return Imported({"target": (1, 1, size)})
    return Imported({"target": as_shape(config.get("target_shape", ()), size)})


def out_shape(in_shape: Shape, config: Mapping[str, Any]) -> Shape:
    return tuple(config["target"])  # type: ignore[return-value]


def problems(layer: Layer) -> list[str]:
    if layer.n_in != layer.n_out:
        return [f"it turns {layer.n_in} values into {layer.n_out}"]
    return []


def forward(layer: Layer, x: np.ndarray) -> np.ndarray:
    return np.array(x, dtype=np.float64).ravel()


def backward(layer: Layer, x: np.ndarray, y: np.ndarray,
             dy: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    return np.array(dy, dtype=np.float64).ravel(), ()


def update(layer: Layer, grads: tuple[np.ndarray, ...], rate: float) -> Layer:
    return replace(layer)


def flat_params(layer: Layer) -> np.ndarray:
    return np.zeros(0)


def plan(layer: Layer, context: Mapping[str, Any]) -> KindPlan:
    return make_plan(layer, context)


def sprite_variables(p: KindPlan) -> tuple[str, ...]:
    return ("o #", "w item")


def csv(layer: Layer) -> str:
    shapes = ",to,".join("x".join(map(str, shape)) for shape in (layer.in_shape, layer.out_shape))
    return f"{layer.where()}\nshape,{shapes}\n"


ONNX_OPS = ("Flatten", "Reshape")


def from_onnx(op_type: str, attributes: Mapping[str, Any], constants: Sequence[np.ndarray | None],
              in_shape: Shape) -> Imported:
    """Flatten (axis 1) or Reshape to a constant shape; the front end gives the shape channels_last and
    without the batch axis (it owns the NCHW order)."""
    size = math.prod(in_shape)
    if op_type == "Flatten":
        if int(attributes.get("axis", 1)) != 1:
            raise LayerProblem(f"Flatten axis {attributes['axis']}: the blocks flatten everything after "
                               "the batch axis (axis 1)")
        return Imported({"target": (1, 1, size)})
    if not constants or constants[0] is None:
        raise LayerProblem("its shape is not a constant")
    return Imported({"target": as_shape([int(d) for d in constants[0].ravel()], size)})
