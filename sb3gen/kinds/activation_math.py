"""The activations the blocks compute, operation by operation (shared by the dense and activation kinds).

Not a kind: the registry loads only the modules in sb3gen.kinds._MODULES. Every formula is the one the
templates render (templates/kinds/activations.sb), with exp as Scratch's `[e ^] of`, i.e. V8's Math.exp
(sb3gen.reference.jsmath.js_exp), so a VM run equals this bit for bit:
  relu     y = z if z > 0 else 0            dz = dy if y > 0 else 0
  sigmoid  y = 1 / (1 + exp(0 - z))         dz = dy * (y * (1 - y))
  tanh     y = 1 - 2 / (exp(z * 2) + 1)     dz = dy * (1 - y * y)
           (exp(z * 2) overflows to Infinity for large z, giving 1; never NaN)
  linear   y = z                            dz = dy
  softmax  z's largest value m (the first of equal ones), e = exp(z - m), total = 0 + e[0] + e[1] + ...
           in order, y = e / total;          dz = dy: softmax is only allowed last, where the network
           hands it dy = p - onehot(label), the gradient of the cross-entropy for its inputs.
"""

from __future__ import annotations

import numpy as np

from sb3gen.reference.jsmath import native_exp

ACTIVATIONS = ("relu", "sigmoid", "tanh", "softmax", "linear")
ELEMENTWISE = ("relu", "sigmoid", "tanh", "linear")


def activate(z: np.ndarray, activation: str) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    if activation == "relu":
        return np.where(z > 0.0, z, 0.0)
    if activation == "sigmoid":
        return 1.0 / (1.0 + native_exp(0.0 - z))
    if activation == "tanh":
        return 1.0 - 2.0 / (native_exp(z * 2.0) + 1.0)
    if activation == "softmax":
        return softmax(z)[0]
    if activation == "linear":
        return z.copy()
    raise ValueError(f"unknown activation {activation!r}")


def softmax(z: np.ndarray) -> tuple[np.ndarray, int]:
    """(probabilities, index of the largest input: the first of equal ones), as the blocks compute them."""
    z = np.asarray(z, dtype=np.float64)
    best, best_index = z[0], 0
    for k in range(1, z.size):
        if z[k] > best:
            best, best_index = z[k], k
    e = native_exp(z - best)
    total = 0.0
    for value in e.tolist():
        total = total + value
    return e / total, best_index


def pre_activation_gradient(y: np.ndarray, dy: np.ndarray, activation: str) -> np.ndarray:
    """dL/dz from dL/dy and the activation's output y (softmax: dy is already dL/dz, see above)."""
    y = np.asarray(y, dtype=np.float64)
    dy = np.asarray(dy, dtype=np.float64)
    if activation == "relu":
        return np.where(y > 0.0, dy, 0.0)
    if activation == "sigmoid":
        return dy * (y * (1.0 - y))
    if activation == "tanh":
        return dy * (1.0 - y * y)
    if activation in ("linear", "softmax"):
        return dy.copy()
    raise ValueError(f"unknown activation {activation!r}")


def keras_activation(name: object) -> str | None:
    """sb3gen's name for a Keras activation setting (None: one the blocks do not run)."""
    if name is None:
        return "linear"
    if isinstance(name, dict):  # a serialised activation function: {"class_name": ..., "config": ...}
        name = name.get("config", {}).get("name", name.get("class_name"))
    text = str(name).lower()
    return text if text in ACTIVATIONS else None
