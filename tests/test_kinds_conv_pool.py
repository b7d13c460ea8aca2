"""conv2d, maxpool2d, avgpool2d: shapes, problems, and the float64 reference equal to Keras within 1e-5,
including stride 2, 'same' padding and channels_first."""

from __future__ import annotations

import numpy as np
import pytest
from kinds_helpers import images, keras_and_layer, to_sb3_order

from sb3gen.kinds import kind
from sb3gen.ml.keras_model import import_keras

CL, CF = "channels_last", "channels_first"
CONV_CASES = [  # (in shape in Keras' order, settings, data format)
    ((9, 9, 2), dict(filters=3, kernel_size=3, strides=1, padding="valid", activation="relu"), CL),
    ((9, 8, 2), dict(filters=4, kernel_size=3, strides=2, padding="same", activation="linear"), CL),
    ((10, 10, 3), dict(filters=2, kernel_size=4, strides=2, padding="same", activation="tanh"), CL),
    ((7, 7, 1), dict(filters=2, kernel_size=5, strides=1, padding="same", activation="sigmoid"), CL),
    ((8, 8, 2), dict(filters=3, kernel_size=(1, 2), strides=(2, 1), padding="valid"), CL),
    ((2, 9, 9), dict(filters=5, kernel_size=4, strides=1, padding="valid", activation="relu"), CF),
    ((3, 9, 9), dict(filters=2, kernel_size=3, strides=2, padding="same", activation="relu"), CF),
]


@pytest.mark.parametrize(("in_shape", "settings", "data_format"), CONV_CASES)
def test_conv2d_reference_equals_keras(in_shape, settings, data_format):
    keras = import_keras()
    layer_obj = keras.layers.Conv2D(data_format=data_format, **settings)
    model, layer = keras_and_layer("conv2d", layer_obj, in_shape, data_format=data_format)
    x = images(3, in_shape)
    expected = to_sb3_order(model.predict(x, verbose=0), data_format)
    assert layer.n_out == expected.shape[1]
    module = kind("conv2d")
    for image, want in zip(to_sb3_order(x, data_format), expected, strict=True):
        np.testing.assert_allclose(module.forward(layer, image), want, atol=1e-5, rtol=0)


POOL_CASES = [
    ((8, 8, 2), dict(pool_size=2, padding="valid"), CL),
    ((7, 7, 2), dict(pool_size=2, padding="same"), CL),
    ((9, 8, 1), dict(pool_size=3, strides=2, padding="same"), CL),
    ((9, 9, 3), dict(pool_size=3, strides=1, padding="valid"), CL),
    ((3, 25, 25), dict(pool_size=2, padding="same"), CF),
]


@pytest.mark.parametrize("kind_name", ["maxpool2d", "avgpool2d"])
@pytest.mark.parametrize(("in_shape", "settings", "data_format"), POOL_CASES)
def test_pools_reference_equals_keras(kind_name, in_shape, settings, data_format):
    keras = import_keras()
    keras_class = keras.layers.MaxPooling2D if kind_name == "maxpool2d" else keras.layers.AveragePooling2D
    model, layer = keras_and_layer(kind_name, keras_class(data_format=data_format, **settings), in_shape,
                                   data_format=data_format)
    x = images(3, in_shape, zeros=0.5)
    expected = to_sb3_order(model.predict(x, verbose=0), data_format)
    for image, want in zip(to_sb3_order(x, data_format), expected, strict=True):
        np.testing.assert_allclose(kind(kind_name).forward(layer, image), want, atol=1e-5, rtol=0)
