"""Helpers for the kind tests: one Keras layer with random weights and the same layer imported."""

from __future__ import annotations

from typing import Any

import numpy as np

from sb3gen.kinds import Layer, kind
from sb3gen.ml.keras_model import import_keras


def channels_last(shape: tuple[int, ...], data_format: str) -> tuple[int, int, int]:
    if len(shape) == 1:
        return (1, 1, shape[0])
    if data_format == "channels_first":
        return (shape[1], shape[2], shape[0])
    return (shape[0], shape[1], shape[2] if len(shape) == 3 else 1)


def keras_and_layer(kind_name: str, keras_layer: Any, in_shape: tuple[int, ...], seed: int = 0,
                    data_format: str = "channels_last") -> tuple[Any, Layer]:
    """A Keras model of just `keras_layer` on inputs of `in_shape` (Keras' own order, random weights) and
    the sb3gen Layer made from its config and weights."""
    keras = import_keras()
    rng = np.random.default_rng(seed)
    inputs = keras.Input(shape=in_shape)
    model = keras.Model(inputs, keras_layer(inputs))
    shapes = [w.shape for w in keras_layer.get_weights()]
    keras_layer.set_weights([rng.normal(0, 0.5, shape).astype("float32") for shape in shapes])
    module = kind(kind_name)
    sb3_in = channels_last(in_shape, data_format)
    imported = module.from_keras(type(keras_layer).__name__, keras_layer.get_config(),
                                 [np.asarray(w) for w in keras_layer.get_weights()], sb3_in)
    out_shape = module.out_shape(sb3_in, imported.config)
    layer = Layer(kind_name, 1, f"{module.LABEL} 1", keras_layer.name, sb3_in, out_shape, imported.config,
                  imported.params)
    return model, layer


def to_sb3_order(batch: np.ndarray, data_format: str) -> np.ndarray:
    """Keras outputs (batch, ...) as sb3gen's flat channels_last vectors."""
    if data_format == "channels_first" and batch.ndim == 4:
        batch = np.transpose(batch, (0, 2, 3, 1))
    return batch.reshape(batch.shape[0], -1).astype(np.float64)


def images(count: int, shape: tuple[int, ...], seed: int = 1, zeros: float = 0.3) -> np.ndarray:
    """Random inputs in 0..1 with a share of exact zeros (the blocks skip them)."""
    rng = np.random.default_rng(seed)
    values = rng.random((count, *shape)).astype("float32")
    values[rng.random(values.shape) < zeros] = 0
    return values
