"""Between Keras models and `Network`: build the Sequential MLP, flatten its weights, rebuild it.

TensorFlow is imported inside the functions (it takes seconds), its C++ start-up lines hidden.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

import numpy as np

from sb3gen.layers import LayerSpec
from sb3gen.ml.network import Network, check_shape


def import_keras(show_log: bool = False) -> Any:
    """Keras (TensorFlow's), imported once. Its start-up lines (absl's "All log messages before
    absl::InitializeLog()", oneDNN's banner) are written by the C++ side straight to file descriptor 2 before
    any setting applies, so unless show_log they go to a temporary file during the import; they are shown
    if the import fails."""
    if "keras" in sys.modules and "tensorflow" in sys.modules:
        return sys.modules["keras"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0" if show_log else "3")
    with contextlib.nullcontext() if show_log else _stderr_held_back():
        import keras
        import tensorflow as tf
    # One thread: these networks' operations are too small to gain from more (two threads cost twice the
    # CPU time for the same wall time), and the trained weights then do not depend on the machine's cores.
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow already ran something (imported by other code first): as it is
        pass
    import absl.logging

    absl.logging.set_verbosity(absl.logging.INFO if show_log else absl.logging.ERROR)
    return keras


@contextlib.contextmanager
def _stderr_held_back() -> Iterator[None]:
    """File descriptor 2 into a temporary file meanwhile; written out after all if the block fails."""
    try:
        _flush_stderr()
        saved = os.dup(2)
    except OSError:  # no file descriptor 2 (closed): nothing to hide
        yield
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        failed = False
        try:
            yield
        except BaseException:
            failed = True
            raise
        finally:
            _flush_stderr()
            os.dup2(saved, 2)
            os.close(saved)
            if failed and sys.stderr is not None:
                captured.seek(0)
                sys.stderr.write(captured.read().decode("utf-8", "replace"))
                sys.stderr.flush()


def _flush_stderr() -> None:
    if sys.stderr is not None:  # None when Python started without file descriptor 2
        sys.stderr.flush()


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


def build_keras_cnn(specs: list[LayerSpec], side: int, dropout: float = 0.0, activity_l1: float = 0.0) -> Any:
    """Sequential: Input (side, side), Reshape to one channel, then per spec Conv2D (3x3, valid, stride 1) /
    MaxPooling2D / Dense; Flatten before the first Dense; optional Dropout before each Dense (inactive at
    inference). Not compiled."""
    keras = import_keras()
    layers = [keras.Input(shape=(side, side)), keras.layers.Reshape((side, side, 1))]
    flat = False
    for number, spec in enumerate(specs, start=1):
        if spec.kind == "conv":
            layers.append(keras.layers.Conv2D(spec.size, spec.window, activation=spec.activation,
                                              padding="valid", name=f"conv_{number}"))
        elif spec.kind == "maxpool":
            layers.append(keras.layers.MaxPooling2D(spec.size, name=f"pool_{number}"))
            if activity_l1:  # training only: no weights, nothing at inference
                layers.append(keras.layers.ActivityRegularization(l1=activity_l1))
        else:
            if not flat:
                layers.append(keras.layers.Flatten())
                flat = True
            if dropout:
                layers.append(keras.layers.Dropout(dropout))
            layers.append(keras.layers.Dense(spec.size, activation=spec.activation, name=f"dense_{number}"))
    return keras.Sequential(layers)


WEIGHT_LAYERS = ("Dense", "Conv2D")


def dense_layers(model: Any) -> list[Any]:
    """The layers holding weights (Dense and Conv2D), in order."""
    return [layer for layer in model.layers if layer.__class__.__name__ in WEIGHT_LAYERS]


def flatten_keras(model: Any) -> np.ndarray:
    """The weights in the flat layout (sb3gen/layers.py), float64: a Dense kernel transposed row by row, a
    Conv2D kernel (rows, cols, in, filters) filter by filter as (rows, cols, in); then the biases."""
    parts = []
    for layer in dense_layers(model):
        params = layer.get_weights()
        kernel = np.asarray(params[0], dtype=np.float64)
        bias = np.asarray(params[1], dtype=np.float64) if len(params) > 1 else np.zeros(kernel.shape[-1])
        parts.append(np.moveaxis(kernel, -1, 0).ravel())  # Dense: kernel.T; Conv2D: filters first
        parts.append(bias)
    return np.concatenate(parts)


def network_to_keras(net: Network) -> Any:
    """An equivalent Keras model (float32 weights) for the network, e.g. to evaluate or save it."""
    if net.is_mlp:
        model = build_keras_model(net.layer_sizes, net.hidden_activation)
    else:
        model = build_keras_cnn(net.layer_specs or [], net.preprocess.size)
    for layer, plan in zip(dense_layers(model), [lay for lay in net.layers if lay.units], strict=True):
        w = net.weights[plan.w_offset : plan.b_offset].reshape(plan.units, plan.fan_in)
        kernel = w.T if plan.kind == "dense" else np.moveaxis(
            w.reshape(plan.units, plan.window, plan.window, plan.in_shape[2]), 0, -1)
        bias = net.weights[plan.b_offset : plan.end]
        layer.set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
    return model


def to_model_input(x: np.ndarray, n_inputs: int) -> np.ndarray:
    """Preprocessed (N, n_inputs) rows -> the model's input shape, float32."""
    return np.asarray(x, dtype=np.float32).reshape(len(x), *input_shape(n_inputs))
