"""Activations fused into a conv2d (applied to each sum before it is stored), as the blocks compute them.

sigmoid: 1 / (1 + e^(0 - z)); tanh: t = e^(0 - 2|z|), (1 - t) / (1 + t) with z's sign (never overflows);
e^ is V8's Math.exp (sb3gen.reference.jsmath), which Scratch's `[e ^] of` calls.
Derivatives from the stored output y: relu 1 where y > 0, sigmoid y * (1 - y), tanh 1 - y * y.
"""

from __future__ import annotations

import numpy as np

from sb3gen.reference.jsmath import native_exp

FUSED = ("linear", "relu", "sigmoid", "tanh")


def activate(z: np.ndarray, name: str) -> np.ndarray:
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "sigmoid":
        return 1.0 / (1.0 + native_exp(0.0 - z))
    if name == "tanh":
        t = native_exp(0.0 - 2.0 * np.abs(z))
        magnitude = (1.0 - t) / (1.0 + t)
        return np.where(z < 0, 0.0 - magnitude, magnitude)
    return np.array(z, dtype=np.float64)


def through(y: np.ndarray, dy: np.ndarray, name: str) -> np.ndarray:
    """dL/dz from dL/dy and the stored output y."""
    if name == "relu":
        return np.where(y > 0, dy, 0.0)
    if name == "sigmoid":
        return dy * (y * (1.0 - y))
    if name == "tanh":
        return dy * (1.0 - y * y)
    return np.array(dy, dtype=np.float64)


def activation_name(value: object) -> str:
    """A Keras activation setting as its name ('relu'; tf.nn.relu is saved as 'relu' too)."""
    if isinstance(value, dict):  # a serialized function object: {"class_name": "function", "config": "relu"}
        value = value.get("config", value.get("class_name"))
    return str(value if value is not None else "linear")
