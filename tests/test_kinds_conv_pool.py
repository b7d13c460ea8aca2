"""conv2d, maxpool2d, avgpool2d: shapes, problems, and the float64 reference equal to Keras within 1e-5,
including stride 2, 'same' padding and channels_first."""

from __future__ import annotations

import numpy as np
import pytest
from kinds_helpers import images, keras_and_layer, to_sb3_order

from sb3gen.kinds import Layer, kind
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


def test_the_registry_maps_each_keras_class_to_one_kind():
    from sb3gen.kinds import KINDS

    assert {"conv2d", "maxpool2d", "avgpool2d", "reshape", "scale"} <= set(KINDS)
    classes = [cls for module in KINDS.values() for cls in module.KERAS_CLASSES]
    assert len(classes) == len(set(classes))


GRADIENT_CASES = [
    ("conv2d", (7, 7, 2), dict(filters=3, kernel_size=3, strides=2, padding="same", activation="relu")),
    ("conv2d", (6, 6, 2), dict(filters=2, kernel_size=4, strides=1, padding="valid", activation="tanh")),
    ("conv2d", (5, 5, 1), dict(filters=2, kernel_size=2, strides=1, padding="same", activation="sigmoid")),
    ("maxpool2d", (7, 7, 2), dict(pool_size=3, strides=2, padding="same")),
    ("avgpool2d", (7, 7, 2), dict(pool_size=2, padding="same")),
]


@pytest.mark.parametrize(("kind_name", "in_shape", "settings"), GRADIENT_CASES)
def test_backward_is_the_gradient_tensorflow_computes(kind_name, in_shape, settings):
    """dL/dx and dL/dparams of L = sum(y * dy), against tf.GradientTape in float64."""
    import tensorflow as tf

    keras = import_keras()
    keras_class = {"conv2d": keras.layers.Conv2D, "maxpool2d": keras.layers.MaxPooling2D,
                   "avgpool2d": keras.layers.AveragePooling2D}[kind_name]
    layer_obj = keras_class(dtype="float64", **settings)
    _, layer = keras_and_layer(kind_name, layer_obj, in_shape)
    x = images(1, in_shape, zeros=0.0 if kind_name == "maxpool2d" else 0.3).astype("float64")  # no max ties
    dy = np.random.default_rng(5).normal(size=layer.n_out)
    module = kind(kind_name)
    y = module.forward(layer, x[0].ravel())
    dx, grads = module.backward(layer, x[0].ravel(), y, dy)
    x_tensor = tf.constant(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x_tensor)
        loss = tf.reduce_sum(tf.reshape(layer_obj(x_tensor), [-1]) * dy)
    np.testing.assert_allclose(dx, tape.gradient(loss, x_tensor).numpy().ravel(), atol=1e-9)
    for mine, variable in zip(grads, layer_obj.trainable_variables, strict=True):
        np.testing.assert_allclose(mine, tape.gradient(loss, variable).numpy(), atol=1e-9)


def test_update_steps_against_the_gradient():
    keras = import_keras()
    _, layer = keras_and_layer("conv2d", keras.layers.Conv2D(2, 3), (5, 5, 1))
    module = kind("conv2d")
    grads = (np.ones_like(layer.params[0]), np.full(2, 2.0))
    stepped = module.update(layer, grads, 0.5)
    np.testing.assert_array_equal(stepped.params[0], layer.params[0] - 0.5)
    np.testing.assert_array_equal(stepped.params[1], layer.params[1] - 1.0)


def test_conv_csv_has_one_block_per_filter_and_flat_params_follow_it():
    keras = import_keras()
    _, layer = keras_and_layer("conv2d", keras.layers.Conv2D(3, 2), (4, 4, 2))
    module = kind("conv2d")
    text = module.csv(layer)
    blocks = text.strip().split("\n\n")
    assert len(blocks) == 3
    first = blocks[0].splitlines()
    assert first[0] == "conv 1 (" + layer.source + ") filter 1"
    assert first[1] == "channel 1" and first[4] == "channel 2" and first[-2] == "bias"
    kernel, bias = layer.params
    assert [float(v) for v in first[2].split(",")] == kernel[0, :, 0, 0].tolist()
    flat = module.flat_params(layer)
    assert flat.size == 3 * (2 * 2 * 2 + 1)
    assert flat[8] == bias[0] and flat[:8].tolist() == kernel[..., 0].ravel().tolist()


def test_conv_and_pool_problems_name_what_works():
    keras = import_keras()
    _, conv = keras_and_layer("conv2d", keras.layers.Conv2D(2, 6, strides=3, activation="softmax"), (8, 8, 1))
    assert kind("conv2d").problems(conv) == [
        "kernel 6x6; the blocks run 1x1 to 5x5", "strides 3x3; the blocks run strides 1 and 2",
        "activation softmax; a conv runs relu, sigmoid, tanh, linear "
        "(a softmax belongs after Flatten and Dense)"]
    _, pool = keras_and_layer("maxpool2d", keras.layers.MaxPooling2D(2, strides=4), (8, 8, 1))
    assert kind("maxpool2d").problems(pool) == ["strides 4x4; the blocks run strides 1 to 3"]
    module = kind("avgpool2d")
    imported = module.from_keras("AveragePooling2D", {"pool_size": [3, 3], "padding": "valid"}, [], (8, 2, 1))
    small = Layer("avgpool2d", 1, "avg pool 1", "p", (8, 2, 1), module.out_shape((8, 2, 1), imported.config),
                  imported.config)
    assert small.out_shape == (2, 0, 1)
    assert kind("avgpool2d").problems(small) == ["its input 8x2 is smaller than its pool"]


def test_every_kind_here_exports_a_csv_naming_its_layer():
    from sb3gen.kinds import Imported
    from sb3gen.loops.plan import LayerSpec, assemble

    specs = [LayerSpec("scale", Imported({"channels": 1}, (np.array([2.0]), np.array([-1.0]))), "rescaling"),
             LayerSpec("maxpool2d", Imported({"pool": (2, 2), "strides": (2, 2), "padding": "same"}), "mp"),
             LayerSpec("avgpool2d", Imported({"pool": (3, 3), "strides": (1, 1), "padding": "valid"}), "ap"),
             LayerSpec("reshape", Imported({"target": (1, 1, 1)}), "flatten")]
    layers = assemble((3, 3, 1), specs)
    for layer in layers:
        text = kind(layer.kind).csv(layer)
        assert text.splitlines()[0] == layer.where()
    assert kind("scale").csv(layers[0]).splitlines()[1:] == ["channel,a,b", "1,2.0,-1.0"]
    assert "pool,2x2,strides,2x2,padding,same" in kind("maxpool2d").csv(layers[1])
