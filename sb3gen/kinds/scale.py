"""Scale: y = x * a[channel] + b[channel], elementwise. Rescaling (scale, offset), Normalization (mean,
variance: a = 1 / max(sqrt(variance), 1e-7), b = -mean * a, as Keras divides) and a BatchNormalization that
cannot be folded into the layer before it (a = gamma / sqrt(variance + epsilon), b = beta - mean * a).

Its params are fixed input scaling: training leaves them as they are (Keras does not train Rescaling and
Normalization; an unfolded BatchNormalization keeps its imported gamma and beta).
Params in `weights`: per channel a then b.

The order the blocks compute: forward, for each item in order: (x * a) + b; backward: dx = dy * a.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sb3gen.kinds.base import Imported, Layer, LayerProblem, Shape
from sb3gen.kinds.planning import KindPlan, make_plan

NAME = "scale"
LABEL = "scale"
KERAS_CLASSES = ("Rescaling", "Normalization", "BatchNormalization")
TEMPLATE = "kinds/scale.sb"
KERAS_EPSILON = 1e-7  # keras.backend.epsilon(), Normalization's floor on the standard deviation


def _per_channel(value: Any, channels: int, what: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64).ravel()
    if array.size == 1:
        return np.full(channels, float(array[0]))
    if array.size != channels:
        raise LayerProblem(f"its {what} has {array.size} values for {channels} channels")
    return array


def batch_norm_factors(config: Mapping[str, Any], weights: Sequence[np.ndarray],
                       channels: int) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of a BatchNormalization at inference: y = x * a + b per channel."""
    expected = int(bool(config.get("scale", True))) + int(bool(config.get("center", True))) + 2
    if len(weights) != expected:
        raise LayerProblem(f"it has {len(weights)} weight arrays, {expected} expected")
    arrays = list(weights)
    gamma = arrays.pop(0) if config.get("scale", True) else np.ones(channels)
    beta = arrays.pop(0) if config.get("center", True) else np.zeros(channels)
    mean, variance = arrays
    gamma, beta = _per_channel(gamma, channels, "gamma"), _per_channel(beta, channels, "beta")
    mean, variance = _per_channel(mean, channels, "mean"), _per_channel(variance, channels, "variance")
    a = gamma / np.sqrt(variance + float(config.get("epsilon", 1e-3)))
    return a, beta - mean * a


def from_keras(class_name: str, config: Mapping[str, Any], weights: Sequence[np.ndarray],
               in_shape: Shape) -> Imported:
    channels = in_shape[2]
    if class_name == "Rescaling":
        a = _per_channel(config.get("scale", 1.0), channels, "scale")
        b = _per_channel(config.get("offset", 0.0), channels, "offset")
    elif class_name == "BatchNormalization":
        a, b = batch_norm_factors(config, weights, channels)
    else:  # Normalization: its mean and variance in the config, or adapted (weights: mean, variance, count)
        if config.get("invert"):
            raise LayerProblem("invert=True (it undoes a normalisation); the blocks run the forward one")
        if config.get("mean") is not None:
            mean, variance = config["mean"], config["variance"]
        elif len(weights) >= 2:
            mean, variance = weights[0], weights[1]
        else:
            raise LayerProblem("it has neither a mean and variance nor adapted weights")
        mean, variance = _per_channel(mean, channels, "mean"), _per_channel(variance, channels, "variance")
        a = 1.0 / np.maximum(np.sqrt(variance), KERAS_EPSILON)
        b = -mean * a
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise LayerProblem("its factors are not finite numbers")
    return Imported({"channels": channels}, (a, b))


def out_shape(in_shape: Shape, config: Mapping[str, Any]) -> Shape:
    return in_shape


def problems(layer: Layer) -> list[str]:
    return []


def _factors(layer: Layer) -> tuple[np.ndarray, np.ndarray]:
    a, b = layer.params
    positions = math.prod(layer.in_shape[:2])
    return np.tile(a, positions), np.tile(b, positions)


def forward(layer: Layer, x: np.ndarray) -> np.ndarray:
    a, b = _factors(layer)
    return np.asarray(x, dtype=np.float64).ravel() * a + b


def backward(layer: Layer, x: np.ndarray, y: np.ndarray,
             dy: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    a, _ = _factors(layer)
    return np.asarray(dy, dtype=np.float64).ravel() * a, ()


def update(layer: Layer, grads: tuple[np.ndarray, ...], rate: float) -> Layer:
    return layer  # fixed input scaling (module docstring)


def flat_params(layer: Layer) -> np.ndarray:
    a, b = layer.params
    return np.stack([a, b], axis=1).ravel()


def plan(layer: Layer, context: Mapping[str, Any]) -> KindPlan:
    return make_plan(layer, context, channels=layer.in_shape[2])


def sprite_variables(p: KindPlan) -> tuple[str, ...]:
    return ("o #", "w item")


def csv(layer: Layer) -> str:
    a, b = layer.params
    rows = [f"{layer.where()}", "channel,a,b"]
    rows += [f"{c + 1},{float(a[c])!r},{float(b[c])!r}" for c in range(a.size)]
    return "\n".join(rows) + "\n"


ONNX_OPS = ("Sub", "Div", "Mul", "Add", "BatchNormalization")


def from_onnx(op_type: str, attributes: Mapping[str, Any], constants: Sequence[np.ndarray | None],
              in_shape: Shape) -> Imported:
    """x - c, x / c, x * c, x + c with c one number or one per channel (PyTorch's Normalize(mean, std) is
    Sub then Div), or a BatchNormalization (scale, B, mean, var) that is not folded."""
    channels = in_shape[2]
    if op_type == "BatchNormalization":
        if int(attributes.get("training_mode", 0)):
            raise LayerProblem("training_mode=1: the blocks run it at inference")
        config = {"epsilon": float(attributes.get("epsilon", 1e-5))}
        a, b = batch_norm_factors(config, [c for c in constants if c is not None], channels)
        return Imported({"channels": channels}, (a, b))
    if len(constants) != 1 or constants[0] is None:
        raise LayerProblem(f"{op_type} of two computed values; the blocks run {op_type} by a constant")
    c = _per_channel(constants[0], channels, "constant")
    ones, zeros = np.ones(channels), np.zeros(channels)
    a, b = {"Sub": (ones, -c), "Add": (ones, c), "Mul": (c, zeros), "Div": (1.0 / c, zeros)}[op_type]
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise LayerProblem("its factors are not finite numbers")
    return Imported({"channels": channels}, (a, b))
