"""Convolutional networks: the layer description, Keras models in and out, blocks against the reference."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_network_sb3, verified_text

from sb3gen import layers as layer_kinds
from sb3gen.errors import Sb3genError
from sb3gen.layers import LayerSpec

SPECS = [LayerSpec("conv", 3, "relu"), LayerSpec("maxpool", 2), LayerSpec("dense", 6, "relu"),
         LayerSpec("dense", 10, "softmax")]


def small_cnn_weights(seed: int) -> np.ndarray:
    """Random weights; the conv biases are negative so that about half the pooled outputs are 0 (the blocks
    skip those) and some of the relu neurons after them too."""
    layers = layer_kinds.describe((14, 14, 1), SPECS)
    weights = np.random.default_rng(seed).uniform(-0.4, 0.4, layer_kinds.weight_count(layers))
    weights[27:30] = -0.45
    return weights


def test_layer_description_gives_shapes_and_the_flat_layout():
    layers = layer_kinds.describe((14, 14, 1), SPECS)
    assert [layer.out_shape for layer in layers] == [(12, 12, 3), (6, 6, 3), (1, 1, 6), (1, 1, 10)]
    conv, pool, dense, out = layers
    assert (conv.w_offset, conv.b_offset, conv.fan_in, conv.units) == (0, 27, 9, 3)
    assert (pool.w_offset, pool.units) == (30, 0)
    assert (dense.w_offset, dense.b_offset, dense.fan_in) == (30, 30 + 108 * 6, 108)
    assert out.end == layer_kinds.weight_count(layers) == 30 + 109 * 6 + 7 * 10
    assert layer_kinds.flat_sizes(layers) == [196, 432, 108, 6, 10]
    assert [layer_kinds.spec_from_text(layer_kinds.layer_text(layer)) for layer in layers] == SPECS


@pytest.mark.parametrize("specs, message", [
    ([LayerSpec("dense", 8, "relu"), LayerSpec("conv", 2, "relu"), LayerSpec("dense", 10, "softmax")],
     "comes after a dense layer"),
    ([LayerSpec("conv", 2, "tanh"), LayerSpec("maxpool", 2), LayerSpec("dense", 10, "softmax")],
     "activation 'tanh'"),
    ([LayerSpec("conv", 2, "relu"), LayerSpec("maxpool", 2), LayerSpec("dense", 9, "softmax")],
     "10 softmax outputs"),
])
def test_layer_description_refuses_what_cannot_run(specs, message):
    with pytest.raises(Sb3genError, match=message):
        layer_kinds.describe((14, 14, 1), specs)


def test_two_conv_layers_are_refused_for_the_blocks():
    specs = [LayerSpec("conv", 2, "relu"), LayerSpec("conv", 2, "relu"), *SPECS[1:]]
    message = "one or two conv layers, each followed by a max-pool .* this network has conv, conv, maxpool"
    with pytest.raises(Sb3genError, match=message):
        layer_kinds.check_runnable(layer_kinds.describe((14, 14, 1), specs))


def keras_cnn(*extra_conv_options, **conv_options):
    from sb3gen.ml.keras_model import import_keras

    keras = import_keras()
    keras.utils.set_random_seed(3)
    return keras.Sequential([
        keras.Input(shape=(14, 14, 1)),
        keras.layers.Conv2D(3, 3, activation="relu", name="conv", **conv_options),
        keras.layers.MaxPooling2D(2, name="pool"),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(6, activation="relu", name="hidden"),
        keras.layers.Dense(10, activation="softmax", name="digits"),
    ])


def test_saved_keras_cnn_loads_in_the_flat_layout(tmp_path):
    from sb3gen.ml.export import write_weight_csv
    from sb3gen.ml.keras_model import network_to_keras, to_model_input
    from sb3gen.ml.model_file import load_model_file

    model = keras_cnn()
    model.save(tmp_path / "cnn.keras")
    net = load_model_file(tmp_path / "cnn.keras")
    assert net.layer_specs == SPECS and net.layer_sizes == [196, 432, 108, 6, 10]
    kernel = model.get_layer("conv").get_weights()[0]  # (3, 3, 1, filters)
    assert net.weights[9 + 1 * 3 + 2] == np.float64(kernel[1, 2, 0, 1])  # filter 2, kernel row 2, column 3
    x = np.random.default_rng(0).integers(0, 2, (20, 196)).astype(np.float32)
    expected = model.predict(x.reshape(20, 14, 14, 1), verbose=0)
    np.testing.assert_allclose(net.forward(x), expected, atol=1e-6)
    rebuilt = network_to_keras(net)
    np.testing.assert_array_equal(rebuilt.predict(to_model_input(x, 196), verbose=0), expected)
    write_weight_csv(net, tmp_path / "w.csv")
    rows = (tmp_path / "w.csv").read_text().splitlines()
    assert rows[:2] == ["layer_1_conv,3 filters,3x3x1 kernel", "filter_1"]
    assert rows[2].split(",") == [repr(float(v)) for v in kernel[0, :, 0, 0]]
    assert "layer_3_weight,108 inputs,6 outputs" in rows and "layer_2_weight" not in "".join(rows)


@pytest.mark.parametrize("options, message", [
    ({"padding": "same"}, "padding 'same'"),
    ({"strides": 2}, r"strides \(2, 2\)"),
    ({"dilation_rate": 2}, r"dilation \(2, 2\)"),
])
def test_keras_cnn_options_the_blocks_cannot_run_are_refused(tmp_path, options, message):
    from sb3gen.ml.model_file import load_model_file

    keras_cnn(**options).save(tmp_path / "m.keras")
    with pytest.raises(Sb3genError, match=f"m.keras: layer 'conv' \\(Conv2D\\) has {message}"):
        load_model_file(tmp_path / "m.keras")


def test_batch_normalization_is_refused_by_name(tmp_path):
    from sb3gen.ml.keras_model import import_keras
    from sb3gen.ml.model_file import load_model_file

    keras = import_keras()
    model = keras.Sequential([keras.Input(shape=(14, 14, 1)), keras.layers.Conv2D(2, 3, activation="relu"),
                              keras.layers.BatchNormalization(name="norm"), keras.layers.MaxPooling2D(2),
                              keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model.save(tmp_path / "bn.keras")
    with pytest.raises(Sb3genError, match="layer 'norm' \\(BatchNormalization\\): only Conv2D"):
        load_model_file(tmp_path / "bn.keras")


def cnn_sb3(tmp_path, seed: int = 0):
    layers = layer_kinds.describe((14, 14, 1), SPECS)
    return small_network_sb3(tmp_path / "cnn.sb3", layers, small_cnn_weights(seed), seed)


@pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])
def test_cnn_blocks_pass_every_verify_check_bit_identically(tmp_path, engine):
    text = verified_text(cnn_sb3(tmp_path), engine, images=3)
    assert "conv 1 (432) 0.0e+00, pool 1 (108) 0.0e+00" in text  # the feature maps, exactly
    assert "(bit-identical)" in text


def test_cnn_randomize_weights_uses_each_layers_fan_in(tmp_path):
    from sb3gen.vm import run_project

    run = run_project(cnn_sb3(tmp_path), [{"broadcast": "randomize weights"}, {"read": True}])
    weights = np.array([float(v) for v in run.snapshots[0]["Stage"]["lists"]["weights"]])
    kernels, conv_biases = weights[:27], weights[27:30]
    assert np.all(np.abs(kernels) <= 1 / 3) and np.std(kernels) > 0.05 and not np.any(conv_biases)
    dense = weights[30:30 + 648]
    assert np.all(np.abs(dense) <= 1 / np.sqrt(108)) and np.std(dense) > 0.02


def test_a_sigmoid_conv_is_refused_for_the_blocks():
    specs = [LayerSpec("conv", 2, "sigmoid"), *SPECS[1:]]
    with pytest.raises(Sb3genError, match=r"relu conv layers; layer 1 \(conv\) has sigmoid"):
        layer_kinds.check_runnable(layer_kinds.describe((14, 14, 1), specs))


def test_the_pools_active_lists_hold_the_references_outputs_above_0_and_winners(tmp_path):
    """The conv + pool block keeps only the pooled outputs above 0: their items, values, winning patches (the
    item before the winning position's top-left pixel) and the filters' kernel and bias items."""
    from sb3gen.reference import ReferenceNetwork
    from sb3gen.vm import run_project

    rng = np.random.default_rng(5)
    images = (rng.random((3, 196)) < 0.3).astype(np.int64)
    layers = layer_kinds.describe((14, 14, 1), SPECS)
    weights = small_cnn_weights(0)
    actions = []
    for image in images:
        actions += [{"set_list": "input", "values": [int(v) for v in image]}, {"broadcast": "predict"},
                    {"read": True}]
    run = run_project(cnn_sb3(tmp_path), actions)
    ref = ReferenceNetwork([], "relu", weights, 0.1, layers=layers)
    for image, snapshot in zip(images, run.snapshots, strict=True):
        lists = snapshot["Network"]["lists"]
        result = ref.forward(image)
        active = result.active[2]
        assert 0 < active.size < 108
        assert [int(float(v)) for v in lists["pool 1 active items"]] == (active + 1).tolist()
        assert [float(v) for v in lists["pool 1 active values"]] == result.layers[2][active].tolist()
        winners = result.winners[2][active]  # 0-based conv outputs (row, column, filter)
        position, filters = winners // 3, winners % 3
        patches = (position // 12) * 14 + position % 12
        assert [int(float(v)) for v in lists["pool 1 winner patches"]] == patches.tolist()
        assert [int(float(v)) for v in lists["pool 1 winner kernels"]] == (filters * 9).tolist()
        assert [int(float(v)) for v in lists["pool 1 winner biases"]] == (27 + filters + 1).tolist()


def test_the_test_pass_reads_the_conv_table_and_gets_the_references_numbers_exactly(tmp_path):
    """`test` reads each pool window's largest conv sums from the pair table and the dense layer's weights
    from its neurons' lists (built from the weights at its start, emptied at its end, so nothing of them is
    saved); the last test image's pooled values and every prediction equal the reference's bit for bit, and so
    do the activations of `predict` (sums pixel by pixel) on the same image."""
    from sb3gen.reference import ReferenceNetwork
    from sb3gen.vm import run_project

    rng = np.random.default_rng(0)
    images = (rng.random((18, 196)) < 0.25).astype(np.int64)  # as cnn_sb3 makes them
    layers = layer_kinds.describe((14, 14, 1), SPECS)
    ref = ReferenceNetwork([], "relu", small_cnn_weights(0), 0.1, layers=layers)
    expected = ref.forward(images[-1])
    run = run_project(cnn_sb3(tmp_path), [
        {"broadcast": "test"}, {"read": True}, {"set_list": "input", "values": [int(v) for v in images[-1]]},
        {"broadcast": "predict"}, {"read": True}])
    after_test, after_predict = run.snapshots
    network = after_test["Network"]["lists"]
    for name in ("conv 1 table", "conv 1 pair table", "conv 1 row codes", "dense 1 neuron 1 weights",
                 "dense 1 neuron 4 weights"):
        assert network[name] == []
    assert network["pool 1 winner patches"] == []  # the pair table's pass keeps no winners (no learning)
    assert [float(v) for v in network["pool 1 active values"]] == \
        expected.layers[2][expected.active[2]].tolist()
    for snapshot in (after_test, after_predict):
        assert [float(v) for v in snapshot["Stage"]["lists"]["activations"]] == \
            expected.concatenated().tolist()
    predictions = [int(float(v)) for v in after_test["Stage"]["lists"]["predictions"]]
    assert predictions == [ref.forward(image).prediction for image in images[12:]]


@pytest.mark.slow  # over 5 s (docs/development.md, Tests)
def test_cnn_weights_view_draws_the_kernels_lit_by_each_filters_largest_map_value(tmp_path):
    """`What it learned` of a CNN: one 3x3 picture per conv filter, lit by the largest value of the filter's
    feature map for the drawing (the views sprite's `filter activity`), equal to the reference's maps."""
    from sb3gen.project.ui import VIEWS_SPRITE
    from sb3gen.reference import ReferenceNetwork
    from sb3gen.vm import run_project

    image = (np.random.default_rng(3).random(196) < 0.3).astype(np.int64)
    actions = [{"green_flag": True}, {"set_list": "input", "values": image.tolist()},
               {"broadcast": "predict"}, {"click": "What it learned"}, {"read": True}]
    run = run_project(cnn_sb3(tmp_path), actions, max_steps=5000)
    layers = layer_kinds.describe((14, 14, 1), SPECS)
    maps = ReferenceNetwork([], "relu", small_cnn_weights(0), 0.1, layers=layers).forward(image).layers[1]
    expected = maps.reshape(-1, 3).max(axis=0)
    activity = [float(v) for v in run.snapshots[0][VIEWS_SPRITE]["lists"]["filter activity"]]
    assert activity == expected.tolist() and max(activity) > 0
    drawn = next(p for p in run.phases if p.action == "click What it learned")
    assert drawn.evaluations > 3 * 9 * 5 + 3 * 144 * 4  # every kernel weight drawn, every map value read
