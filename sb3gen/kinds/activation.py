"""A standalone activation layer (Keras Activation, ReLU, Softmax): y = f(x) item by item, no params.

The formulas are sb3gen.kinds.activation_math's (the blocks' own order of operations). Softmax is allowed only
as the network's last layer (its gradient is then the cross-entropy's, handed over by the network).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sb3gen.kinds import activation_math
from sb3gen.kinds.base import Imported, Layer, LayerProblem, Shape

NAME = "activation"
LABEL = "activation"
KERAS_CLASSES = ("Activation", "ReLU", "Softmax")
TEMPLATE = "kinds/activation.sb"


def from_keras(class_name: str, config: Mapping[str, Any], weights: Sequence[np.ndarray],
               in_shape: Shape) -> Imported:
    if class_name == "ReLU":
        changed = [f"{key}={config[key]!r}" for key in ("max_value", "negative_slope", "threshold")
                   if config.get(key) not in (None, 0, 0.0)]
        if changed:
            raise LayerProblem(f"ReLU with {', '.join(changed)}: the blocks run plain relu (max(x, 0))")
        activation: str | None = "relu"
    elif class_name == "Softmax":
        axis = config.get("axis", -1)
        if axis not in (-1, [-1]):
            raise LayerProblem(f"Softmax over axis {axis!r}: the blocks run it over the last axis")
        activation = "softmax"
    else:
        activation = activation_math.keras_activation(config.get("activation"))
        if activation is None:
            raise LayerProblem(f"activation {config.get('activation')!r}: the blocks run "
                               f"{', '.join(activation_math.ACTIVATIONS)}")
    return Imported({"activation": activation})


def out_shape(in_shape: Shape, config: Mapping[str, Any]) -> Shape:
    return in_shape


def problems(layer: Layer) -> list[str]:
    activation = layer.config.get("activation")
    if activation not in activation_math.ACTIVATIONS:
        return [f"activation {activation!r}: the blocks run {', '.join(activation_math.ACTIVATIONS)}"]
    if activation == "softmax" and layer.in_shape[:2] != (1, 1):
        return [f"softmax over a {layer.in_shape} map: the blocks run it over a flat layer (Flatten first)"]
    return []


def forward(layer: Layer, x: np.ndarray) -> np.ndarray:
    return activation_math.activate(np.asarray(x, dtype=np.float64), layer.config["activation"])


def backward(layer: Layer, x: np.ndarray, y: np.ndarray, dy: np.ndarray) -> tuple[np.ndarray, tuple[()]]:
    return activation_math.pre_activation_gradient(y, dy, layer.config["activation"]), ()


def update(layer: Layer, grads: tuple[()], rate: float) -> Layer:
    return layer  # nothing to learn


def flat_params(layer: Layer) -> np.ndarray:
    return np.zeros(0)


@dataclass(frozen=True)
class ActivationPlan:
    name: str
    n: int
    activation: str
    in_list: str
    out_list: str
    error_list: str
    in_error_list: str | None


def plan(layer: Layer, context: Any) -> ActivationPlan:
    """context: sb3gen.loops.plan.LayerContext."""
    return ActivationPlan(name=layer.name, n=layer.n_in, activation=layer.config["activation"],
                          in_list=context.in_list, out_list=context.out_list, error_list=context.error_list,
                          in_error_list=context.in_error_list)


def sprite_lists(p: ActivationPlan) -> list[str]:
    return []


def csv(layer: Layer) -> str:
    return f"# {layer.where()}: {layer.config['activation']}, no params\n"


ONNX_OPS = ("Relu", "Sigmoid", "Tanh", "Softmax")


def from_onnx(op_type: str, attributes: Mapping[str, Any], constants: Sequence[np.ndarray | None],
              in_shape: Shape) -> Imported:
    """Softmax over the last axis; the front end passes a flat layer's axis 1 as -1 (the same axis)."""
    if op_type == "Softmax" and int(attributes.get("axis", -1)) != -1:
        raise LayerProblem(f"Softmax over axis {attributes['axis']}: the blocks run it over the last axis")
    return Imported({"activation": op_type.lower()})
