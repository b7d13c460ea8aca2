"""Two conv layers (conv, pool, conv, pool, dense): layers, reference gradients, blocks, --model."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from conftest import small_network_sb3, verified_text

from sb3gen import layers as layer_kinds
from sb3gen.errors import Sb3genError
from sb3gen.layers import LayerSpec

SPECS = [LayerSpec("conv", 2, "relu"), LayerSpec("maxpool", 2), LayerSpec("conv", 3, "relu"),
         LayerSpec("maxpool", 2), LayerSpec("dense", 8, "relu"), LayerSpec("dense", 10, "softmax")]


def two_conv_layers():
    return layer_kinds.describe((14, 14, 1), SPECS)


def two_conv_weights(seed: int) -> np.ndarray:
    """Random weights; negative conv biases make part of both pools' outputs 0 (the blocks skip those)."""
    layers = two_conv_layers()
    weights = np.random.default_rng(seed).uniform(-0.5, 0.5, layer_kinds.weight_count(layers))
    weights[layers[0].b_offset:layers[0].end] = -0.3
    weights[layers[2].b_offset:layers[2].end] = -0.1
    return weights


def test_the_layers_of_two_convs_and_the_second_convs_kernel_layout():
    layers = two_conv_layers()
    assert [layer.out_shape for layer in layers] == [(12, 12, 2), (6, 6, 2), (4, 4, 3), (2, 2, 3), (1, 1, 8),
                                                    (1, 1, 10)]
    conv2 = layers[2]
    assert (conv2.w_offset, conv2.fan_in, conv2.units, conv2.b_offset) == (20, 18, 3, 20 + 54)
    layer_kinds.check_runnable(layers)


def test_filters_8_16_trains_a_pool_after_each_conv_and_the_blocks_run_it():
    from sb3gen.build import check_blocks_run
    from sb3gen.ml.presets import PRESETS

    config = PRESETS["default"].with_changes(filters=[8, 16])
    specs = config.layer_specs()
    assert [(spec.kind, spec.size) for spec in specs] == [("conv", 8), ("maxpool", 2), ("conv", 16),
                                                         ("maxpool", 2), ("dense", 32), ("dense", 10)]
    check_blocks_run(specs, config)


@pytest.mark.parametrize("kinds, message", [
    (["conv", "conv", "maxpool"], "this network has conv, conv, maxpool, dense, dense"),
    (["conv", "maxpool", "conv", "maxpool", "conv", "maxpool"], "one or two conv layers, each followed by a "
                                                                "max-pool"),
    (["conv", "maxpool", "maxpool"], "this network has conv, maxpool, maxpool, dense"),
])
def test_what_the_blocks_cannot_run_is_refused_by_name(kinds, message):
    specs = [LayerSpec(kind, 2, "relu" if kind == "conv" else "none") for kind in kinds]
    specs += [LayerSpec("dense", 8, "relu"), LayerSpec("dense", 10, "softmax")]
    with pytest.raises(Sb3genError, match=message):
        layer_kinds.check_runnable(layer_kinds.describe((30, 30, 1), specs))


def test_a_sigmoid_second_conv_is_refused_by_name():
    specs = [*SPECS[:2], LayerSpec("conv", 3, "sigmoid"), *SPECS[3:]]
    with pytest.raises(Sb3genError, match=r"relu conv layers; layer 3 \(conv\) has sigmoid"):
        layer_kinds.check_runnable(layer_kinds.describe((14, 14, 1), specs))


def test_the_references_training_step_is_the_gradient_of_the_loss():
    """Through dense, the second pool and conv, the first pool and conv: every weight's change / rate equals
    the central difference of -ln p[label] (native math: no tables between the two)."""
    from sb3gen.reference import ReferenceNetwork

    layers, weights = two_conv_layers(), two_conv_weights(1)
    image = (np.random.default_rng(2).random(196) < 0.3).astype(np.int64)
    label, rate = 4, 1e-3
    net = ReferenceNetwork([], "relu", weights, rate, math="native", layers=layers)
    assert 0 < net.forward(image).active[2].size < 72 and net.forward(image).active[4].size > 0
    net.train_step(image, label)
    step = (weights - net.weights) / rate
    numeric = np.empty_like(weights)
    for i in range(weights.size):
        losses = []
        for eps in (1e-6, -1e-6):
            shifted = weights.copy()
            shifted[i] += eps
            p = ReferenceNetwork([], "relu", shifted, rate, math="native", layers=layers).forward(image)
            losses.append(-np.log(p.probabilities[label]))
        numeric[i] = (losses[0] - losses[1]) / 2e-6
    conv2 = layers[2]
    assert np.count_nonzero(step[:conv2.w_offset]) > 5  # both convs learn
    assert np.count_nonzero(step[conv2.w_offset:conv2.end]) > 5
    np.testing.assert_allclose(step, numeric, atol=1e-6)


def two_conv_sb3(tmp_path, seed: int = 0):
    return small_network_sb3(tmp_path / "two-convs.sb3", two_conv_layers(), two_conv_weights(seed), seed)


@pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])
@pytest.mark.slow  # over 5 s (docs/development.md, Tests)
def test_two_conv_blocks_pass_every_verify_check_bit_identically(tmp_path, engine):
    text = verified_text(two_conv_sb3(tmp_path), engine, images=4)
    # both convs' feature maps and both pools', exactly
    assert "conv 1 (288) 0.0e+00, pool 1 (72) 0.0e+00, conv 2 (48) 0.0e+00, pool 2 (12) 0.0e+00" in text
    assert "(bit-identical)" in text


def test_the_second_pools_active_lists_and_the_first_pools_errors(tmp_path):
    """After `predict`, the second conv + pool block keeps the reference's pooled outputs above 0 and their
    winning patches (items of the first pool's map); after one training image the first pool's errors
    (`pool 1 active errors`) are the reference's conv input gradient at its outputs above 0."""
    from sb3gen.reference import ReferenceNetwork
    from sb3gen.reference.network import INPUT_GRADIENT
    from sb3gen.vm import run_project

    rng = np.random.default_rng(0)
    images = (rng.random((18, 196)) < 0.25).astype(np.int64)
    image = images[12]
    run = run_project(two_conv_sb3(tmp_path), [
        {"set_list": "input", "values": [int(v) for v in image]}, {"broadcast": "predict"}, {"read": True}])
    lists = run.snapshots[0]["Network"]["lists"]
    ref = ReferenceNetwork([], "relu", two_conv_weights(0), 0.1, layers=two_conv_layers())
    result = ref.forward(image)
    active = result.active[4]
    assert 0 < active.size < 12
    assert [int(float(v)) for v in lists["pool 2 active items"]] == (active + 1).tolist()
    winners = result.winners[4][active]  # conv 3 outputs (row, column, filter) on its 4x4 map
    position = winners // 3
    patches = ((position // 4) * 6 + position % 4) * 2  # its patch's first item in the 6x6x2 map, minus 1
    assert [int(float(v)) for v in lists["pool 2 winner patches"]] == patches.tolist()
    assert [int(float(v)) for v in lists["pool 2 winner kernels"]] == (20 + (winners % 3) * 18).tolist()
    # the first pool's errors from a hand-made error of the second conv's winners
    delta = np.zeros(48)
    delta[winners] = np.arange(1, active.size + 1) * 0.25
    errors = INPUT_GRADIENT["conv"](ref, 2, delta, result)
    inputs = result.layers[2]
    assert np.count_nonzero(errors) > 0 and not np.any(errors[inputs == 0])


@pytest.fixture(scope="module")
def two_conv_keras_file(tmp_path_factory):
    from sb3gen.ml.keras_model import import_keras

    keras = import_keras()
    keras.utils.set_random_seed(4)
    model = keras.Sequential([
        keras.Input(shape=(14, 14, 1)),
        keras.layers.Conv2D(2, 3, activation="relu", name="conv_a"), keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(3, 3, activation="relu", name="conv_b"), keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(), keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(10, activation="softmax")])
    path = tmp_path_factory.mktemp("keras") / "two-convs.keras"
    model.save(path)
    return path, model


def test_a_saved_two_conv_keras_model_loads_with_keras_outputs(two_conv_keras_file):
    from sb3gen.ml.model_file import load_model_file

    path, model = two_conv_keras_file
    net = load_model_file(path)
    assert net.layer_specs == SPECS
    kernel = model.get_layer("conv_b").get_weights()[0]  # (3, 3, 2, 3)
    # filter 3, kernel row 2, column 1, input channel 2: tap (1 * 3 + 0) * 2 + 1 of its 18
    assert net.weights[20 + 2 * 18 + 7] == np.float64(kernel[1, 0, 1, 2])
    x = np.random.default_rng(0).integers(0, 2, (20, 196)).astype(np.float32)
    np.testing.assert_allclose(net.forward(x), model.predict(x.reshape(20, 14, 14, 1), verbose=0), atol=1e-6)


@pytest.mark.slow  # over 5 s (docs/development.md, Tests)
def test_build_model_accepts_a_two_conv_keras_model(tmp_path, two_conv_keras_file, capsys):
    from sb3gen.cli import main

    out = tmp_path / "out" / "mnist.sb3"
    code = main(["build", "--model", str(two_conv_keras_file[0]), "--train-images", "20",
                 "--test-images", "10", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    with zipfile.ZipFile(out) as sb3:
        stage = json.loads(sb3.read("project.json"))["targets"][0]
    kinds = next(items for name, items in stage["lists"].values() if name == "layer kinds")
    assert kinds == ["conv 2 3x3 relu", "maxpool 2x2", "conv 3 3x3 relu", "maxpool 2x2", "dense 8 relu",
                     "dense 10 softmax"]


def test_a_keras_model_the_blocks_cannot_run_still_says_why(tmp_path):
    from sb3gen.ml.keras_model import import_keras
    from sb3gen.ml.model_file import load_model_file

    keras = import_keras()
    model = keras.Sequential([
        keras.Input(shape=(14, 14, 1)), keras.layers.Conv2D(2, 3, activation="relu"),
        keras.layers.Conv2D(3, 3, activation="relu"), keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax")])
    model.save(tmp_path / "stacked.keras")
    with pytest.raises(Sb3genError, match="stacked.keras: the Scratch blocks run one or two conv layers, "
                                          "each followed by a max-pool .* this network has conv, conv, "
                                          "maxpool, dense"):
        load_model_file(tmp_path / "stacked.keras")


def test_the_capacity_estimate_counts_the_second_convs_blocks_and_lists(tmp_path):
    from sb3gen.project.capacity import base_bytes, bytes_per_image
    from sb3gen.scratch.packer import project_json_bytes

    with zipfile.ZipFile(two_conv_sb3(tmp_path)) as sb3:
        size = len(project_json_bytes(json.loads(sb3.read("project.json"))))
    estimate = base_bytes((196,), "relu", "tables", "en", tuple(SPECS)) + 18 * bytes_per_image(196)
    one_conv = [LayerSpec("conv", 2, "relu"), LayerSpec("maxpool", 2), *SPECS[4:]]
    assert abs(estimate - size) < 0.005 * size, (estimate, size)
    assert estimate > base_bytes((196,), "relu", "tables", "en", tuple(one_conv)) + 100_000
