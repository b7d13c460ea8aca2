"""Between Keras models and `Network`: build the Sequential MLP, flatten its weights, rebuild it.

TensorFlow is imported inside the functions (it takes seconds), after quieting its C++ start-up log.
"""

from __future__ import annotations

import math
import os
import sys
from typing import Any

import numpy as np

from sb3gen.ml.network import Network, check_shape


def import_keras() -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide oneDNN / CPU-feature banners, keep errors
    if "tensorflow" not in sys.modules:
        # a few lines (absl, oneDNN) still get through, written by TensorFlow's C++ side before any setting
        print("starting TensorFlow (the lines it may print about absl or oneDNN are normal)", file=sys.stderr)
    import keras

    return keras


def input_shape(n_inputs: int) -> tuple[int, ...]:
    """(14, 14) for 196 inputs, like the articles' Flatten(input_shape=(14, 14)); flat when not square."""
    side = math.isqrt(n_inputs)
    return (side, side) if side * side == n_inputs else (n_inputs,)


def build_keras_model(layer_sizes: list[int], hidden_activation: str, *, dropout: float = 0.0,
                      weight_decay: float = 0.0) -> Any:
    """Sequential: Input, Flatten, Dense(hidden activation) [+ Dropout]..., Dense(10, softmax). Not compiled.
    Dropout only acts while training, so the Dense weights alone are the network."""
    check_shape(layer_sizes, hidden_activation)
    keras = import_keras()
    regularizer = keras.regularizers.L2(weight_decay) if weight_decay else None
    layers = [keras.Input(shape=input_shape(layer_sizes[0])), keras.layers.Flatten()]
    hidden = layer_sizes[1:-1]
    for index, n in enumerate(hidden, start=1):
        layers.append(keras.layers.Dense(n, activation=hidden_activation, name=f"layer_{index}",
                                         kernel_regularizer=regularizer))
        if dropout:
            layers.append(keras.layers.Dropout(dropout, name=f"dropout_{index}"))
    layers.append(keras.layers.Dense(layer_sizes[-1], activation="softmax", name="output_layer",
                                     kernel_regularizer=regularizer))
    return keras.Sequential(layers)


def dense_layers(model: Any) -> list[Any]:
    return [layer for layer in model.layers if layer.__class__.__name__ == "Dense"]


def flatten_keras(model: Any) -> np.ndarray:
    """The Dense layers' weights in the flat layout (kernel transposed row by row, then biases), float64."""
    parts = []
    for layer in dense_layers(model):
        params = layer.get_weights()
        kernel = np.asarray(params[0], dtype=np.float64)
        bias = np.asarray(params[1], dtype=np.float64) if len(params) > 1 else np.zeros(kernel.shape[1])
        parts.append(kernel.T.ravel())
        parts.append(bias)
    return np.concatenate(parts)


def network_to_keras(net: Network) -> Any:
    """An equivalent Keras model (float32 weights) for the network, e.g. to evaluate or save it."""
    model = build_keras_model(net.layer_sizes, net.hidden_activation)
    for layer, (w, b) in zip(dense_layers(model), net.layer_arrays(), strict=True):
        layer.set_weights([w.T.astype(np.float32), b.astype(np.float32)])
    return model


def to_model_input(x: np.ndarray, n_inputs: int) -> np.ndarray:
    """Preprocessed (N, n_inputs) rows -> the model's input shape, float32."""
    return np.asarray(x, dtype=np.float32).reshape(len(x), *input_shape(n_inputs))
