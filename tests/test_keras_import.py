"""The Keras front end: saved models (.keras and legacy .h5) become Layers whose reference equals Keras
within 1e-5; folding (BatchNormalization, activations), channels_first, and the one report of all problems."""

from __future__ import annotations

import os

import numpy as np
import pytest
from kinds_helpers import images

from sb3gen.errors import Sb3genError
from sb3gen.importers import import_model
from sb3gen.kinds import kind
from sb3gen.ml.keras_model import import_keras


def run_reference(imported, image: np.ndarray) -> list[np.ndarray]:
    """Every layer's output for one image (sb3gen's channels_last flat order)."""
    x, outputs = np.asarray(image, dtype=np.float64).ravel(), []
    for layer in imported.layers:
        x = kind(layer.kind).forward(layer, x)
        outputs.append(x)
    return outputs


def randomize(model, seed: int = 3) -> None:
    """Random weights (BatchNormalization's variances kept positive) so the check is not all zeros."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        weights = layer.get_weights()
        if weights:
            layer.set_weights([np.abs(rng.normal(0.5, 0.3, w.shape)).astype("float32") + 0.1
                               if "variance" in v.path else rng.normal(0, 0.4, w.shape).astype("float32")
                               for w, v in zip(weights, layer.weights, strict=True)])


def assert_same_as_keras(model, path, x: np.ndarray, channels_first: bool = False) -> None:
    model.save(path)
    imported = import_model(path)
    expected = model.predict(x, verbose=0)
    if channels_first and expected.ndim == 4:
        expected = np.transpose(expected, (0, 2, 3, 1))
    inputs = np.transpose(x, (0, 2, 3, 1)) if channels_first and x.ndim == 4 else x
    for image, want in zip(inputs, expected, strict=True):
        got = run_reference(imported, image)[-1]
        np.testing.assert_allclose(got, want.ravel(), atol=1e-5, rtol=0)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_conv_model_with_folds_equals_keras(tmp_path, suffix):
    keras = import_keras()
    layers = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(12, 12)),
        layers.Rescaling(0.5, offset=0.25),
        layers.Reshape((12, 12, 1)),
        layers.Conv2D(3, 3, strides=2, padding="same"),
        layers.BatchNormalization(),
        layers.ReLU(),
        layers.AveragePooling2D(3, strides=1, padding="same"),
        layers.Conv2D(2, 2, activation="tanh", name="second"),
        layers.MaxPooling2D(2, padding="same"),
        layers.Activation("sigmoid"),
        layers.Dropout(0.5),
        layers.Flatten(),
    ])
    randomize(model)
    path = tmp_path / f"m{suffix}"
    assert_same_as_keras(model, path, images(3, (12, 12)))
    imported = import_model(path)
    assert [layer.name for layer in imported.layers] == [
        "scale 1", "reshape 1", "conv 1", "avg pool 1", "conv 2", "pool 1", "activation 1", "reshape 2"]
    assert imported.layers[2].config["activation"] == "relu"  # BatchNormalization and ReLU folded into it
    assert imported.layers[4].source == "second"
    assert all(a.out_shape == b.in_shape for a, b in zip(imported.layers, imported.layers[1:], strict=False))


def test_unfoldable_batch_norm_becomes_scale(tmp_path):
    keras = import_keras()
    model = keras.Sequential([keras.Input(shape=(6, 6, 2)), keras.layers.Conv2D(2, 3, activation="relu"),
                              keras.layers.BatchNormalization()])
    randomize(model)
    assert_same_as_keras(model, tmp_path / "bn.keras", images(2, (6, 6, 2)))
    assert [layer.kind for layer in import_model(tmp_path / "bn.keras").layers] == ["conv2d", "scale"]


def test_channels_first_conv_model_equals_keras(tmp_path):
    keras = import_keras()
    layers = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(2, 9, 9)),
        layers.Conv2D(3, 3, strides=2, padding="same", activation="relu", data_format="channels_first"),
        layers.MaxPooling2D(2, padding="same", data_format="channels_first"),
        layers.Flatten(data_format="channels_first"),
    ])
    randomize(model)
    x = images(2, (2, 9, 9))
    model.save(tmp_path / "cf.keras")
    imported = import_model(tmp_path / "cf.keras")
    assert imported.input_shape == (9, 9, 2) and imported.data_format == "channels_first"
    for image, want in zip(np.transpose(x, (0, 2, 3, 1)), model.predict(x, verbose=0), strict=True):
        np.testing.assert_allclose(run_reference(imported, image)[-1], want, atol=1e-5, rtol=0)


def test_bad_model_gets_one_line_per_problem_and_nothing_written(tmp_path):
    keras = import_keras()
    layers = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(4, 7, name="big_kernel"),
        layers.Lambda(lambda t: t * 2, name="doubler"),
        layers.MaxPooling2D(4, name="wide_pool"),
        layers.Flatten(),
    ])
    path = tmp_path / "bad.keras"
    model.save(path)
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(Sb3genError) as caught:
        import_model(path)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("bad.keras: 3 problems")
    assert lines[1:] == [
        "  conv 1 (big_kernel): kernel 7x7; the blocks run 1x1 to 5x5",
        "  doubler (Lambda): it holds Python code; sb3gen runs no code from a model file",
        "  pool 1 (wide_pool): pool 4x4; the blocks run 2x2 and 3x3",
    ]
    assert caught.value.exit_code == 2
    assert sorted(os.listdir(tmp_path)) == before


def test_damaged_files_are_refused_in_one_line(tmp_path):
    not_zip = tmp_path / "x.keras"
    not_zip.write_bytes(b"not a zip")
    with pytest.raises(Sb3genError, match="not a .keras file"):
        import_model(not_zip)
    import zipfile

    deep = tmp_path / "deep.keras"
    with zipfile.ZipFile(deep, "w") as archive:
        archive.writestr("config.json", "[" * 100 + "]" * 100)
        archive.writestr("model.weights.h5", b"")
    with pytest.raises(Sb3genError, match="nested"):
        import_model(deep)


def test_functional_chain_and_normalization_equal_keras(tmp_path):
    keras = import_keras()
    inputs = keras.Input(shape=(8, 8, 2))
    normalize = keras.layers.Normalization(mean=[0.5, 0.2], variance=[0.04, 0.25])
    x = keras.layers.Conv2D(3, 3, padding="same", activation="sigmoid")(normalize(inputs))
    x = keras.layers.AveragePooling2D(2)(x)
    outputs = keras.layers.Dense(5)(keras.layers.Flatten()(x))
    model = keras.Model(inputs, outputs)
    randomize(model)
    assert_same_as_keras(model, tmp_path / "functional.keras", images(2, (8, 8, 2)))
    assert [layer.kind for layer in import_model(tmp_path / "functional.keras").layers] == [
        "scale", "conv2d", "avgpool2d", "reshape", "dense"]


def test_branching_functional_model_is_refused(tmp_path):
    keras = import_keras()
    inputs = keras.Input(shape=(6, 6, 1), name="pixels")
    a = keras.layers.Conv2D(2, 3, name="left")(inputs)
    b = keras.layers.Conv2D(2, 3, name="right")(inputs)
    model = keras.Model(inputs, keras.layers.Add(name="join")([a, b]))
    model.save(tmp_path / "branches.keras")
    with pytest.raises(Sb3genError) as caught:
        import_model(tmp_path / "branches.keras")
    message = str(caught.value)
    assert "right (Conv2D): it takes ['pixels'], not just left" in message
    assert "join (Add): it takes ['left', 'right']" in message
    assert "the blocks do not run Add layers" in message


def test_custom_classes_are_refused_by_name_without_loading_them(tmp_path):
    """A config naming a class from another package is refused from the JSON alone (nothing imported)."""
    import json
    import sys
    import zipfile

    keras = import_keras()
    model = keras.Sequential([keras.Input(shape=(4, 4, 1)), keras.layers.Conv2D(1, 2, name="mine"),
                              keras.layers.Flatten()])
    model.save(tmp_path / "plain.keras")
    with zipfile.ZipFile(tmp_path / "plain.keras") as archive:
        config = json.loads(archive.read("config.json"))
        weights = archive.read("model.weights.h5")
    config["config"]["layers"][1].update(module="evil_package.layers", registered_name="Evil>Conv2D")
    with zipfile.ZipFile(tmp_path / "custom.keras", "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", weights)
    with pytest.raises(Sb3genError, match=r"mine \(Conv2D\): a custom class \(Evil>Conv2D\)"):
        import_model(tmp_path / "custom.keras")
    assert "evil_package" not in sys.modules


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
@pytest.mark.slow  # over 5 s (docs/development.md, Tests)
def test_randomly_damaged_model_files_give_one_error_or_a_model(tmp_path, suffix):
    """libhdf5 can crash on a damaged file (it did here, on .h5): the weights are read in a child process,
    so each damaged copy gives an Sb3genError or imports, and this process lives on."""
    import random

    keras = import_keras()
    model = keras.Sequential([keras.Input(shape=(6, 6, 1)), keras.layers.Conv2D(2, 3),
                              keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model.save(tmp_path / f"small{suffix}")
    original = (tmp_path / f"small{suffix}").read_bytes()
    rng = random.Random(7)
    outcomes = set()
    for case in range(16):
        data = bytearray(original)
        for _ in range(rng.choice([1, 8, 64])):
            data[rng.randrange(len(data))] = rng.randrange(256)
        damaged = tmp_path / f"damaged{case}{suffix}"
        damaged.write_bytes(bytes(data))
        try:
            import_model(damaged)
            outcomes.add("imported")
        except Sb3genError as error:
            assert "\n" not in str(error) or "problem" in str(error).splitlines()[0]
            outcomes.add("refused")
    assert "refused" in outcomes


def test_build_refuses_the_bad_model_with_exit_2_and_writes_nothing(tmp_path, capsys):
    from sb3gen.cli import main

    keras = import_keras()
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(4, 7, name="big_kernel"),
        keras.layers.Lambda(lambda t: t * 2, name="doubler"), keras.layers.MaxPooling2D(4, name="wide_pool"),
        keras.layers.Flatten(), keras.layers.Dense(10)])
    model.save(tmp_path / "bad.keras")
    assert main(["build", "--model", str(tmp_path / "bad.keras"), "-o", str(tmp_path / "out" / "x.sb3")]) == 2
    printed = capsys.readouterr().err
    for line in ("  conv 1 (big_kernel): kernel 7x7; the blocks run 1x1 to 5x5",
                 "  doubler (Lambda): it holds Python code; sb3gen runs no code from a model file",
                 "  pool 1 (wide_pool): pool 4x4; the blocks run 2x2 and 3x3"):
        assert line in printed.splitlines()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.keras"]


def test_channels_first_flatten_reorders_the_dense_after_an_activation(tmp_path):
    keras = import_keras()
    layers = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(3, 6, 6)),
        layers.Conv2D(4, 3, data_format="channels_first"),
        layers.Flatten(),  # data_format channels_last (the default): flattens channels first here
        layers.Activation("relu"),
        layers.Dropout(0.1),
        layers.Dense(10, activation="softmax"),
    ])
    randomize(model)
    model.save(tmp_path / "cf.keras")
    imported = import_model(tmp_path / "cf.keras")
    assert [layer.kind for layer in imported.layers] == ["conv2d", "reshape", "activation", "dense"]
    x = images(2, (3, 6, 6))
    for image, want in zip(np.transpose(x, (0, 2, 3, 1)), model.predict(x, verbose=0), strict=True):
        np.testing.assert_allclose(run_reference(imported, image)[-1], want, atol=1e-5, rtol=0)


def test_per_channel_scaling_along_another_axis_is_refused(tmp_path):
    keras = import_keras()
    model = keras.Sequential([keras.Input(shape=(5, 5, 5)),  # 5 channels and 5 columns: the sizes fit
                              keras.layers.Normalization(axis=-1, mean=[0.1, 0.2, 0.3, 0.4, 0.5],
                                                         variance=[1.0] * 5, name="by_column"),
                              keras.layers.Conv2D(2, 3, data_format="channels_first")])
    model.save(tmp_path / "columns.keras")
    with pytest.raises(Sb3genError, match=r"scale 1 \(by_column\): it scales along an axis that is not"):
        import_model(tmp_path / "columns.keras")
