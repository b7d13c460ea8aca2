"""The three target models, written as the articles and the Keras tutorial write them, saved, imported, and
run by the reference: every layer within 1e-5 of Keras (keras.Model(inputs, layer.output), as the second
article checks its spreadsheet), and the whole network's answer within 1e-5 of model.predict."""

from __future__ import annotations

import numpy as np
import pytest
from article_models import fourth_article_cnn, second_article_cnn, tutorial_mlp
from kinds_helpers import images

from sb3gen.importers import import_model
from sb3gen.loops import reference
from sb3gen.ml.keras_model import import_keras


def keras_outputs(model, x: np.ndarray) -> dict[str, np.ndarray]:
    keras = import_keras()
    probe = keras.Model(model.inputs, [layer.output for layer in model.layers])
    return {layer.name: out for layer, out in zip(model.layers, probe.predict(x, verbose=0), strict=True)}


def check_model(model, path, x: np.ndarray, channels_first: bool = False) -> list[str]:
    """Import the saved model, compare each layer and the answer; the names of the layers compared."""
    model.save(path)
    imported = import_model(path)
    outputs = keras_outputs(model, x)
    keras_layers = {layer.name: layer for layer in model.layers}
    inputs = np.transpose(x, (0, 2, 3, 1)) if channels_first else x
    compared = []
    predicted = model.predict(x, verbose=0)
    for n, image in enumerate(inputs):
        run = reference.forward(imported.layers, image)
        for layer, got in zip(imported.layers, run.outputs, strict=True):
            keras_layer = keras_layers[layer.source]
            folded = layer.config.get("activation", "linear") != keras_layer.get_config().get("activation",
                                                                                              "linear")
            if folded or (channels_first and layer.kind == "reshape"):
                continue  # Keras' own output is before the folded activation / in channels-first order
            want = outputs[layer.source][n]
            if channels_first and want.ndim == 3:
                want = np.transpose(want, (1, 2, 0))
            np.testing.assert_allclose(got, want.ravel(), atol=1e-5, rtol=0, err_msg=layer.where())
            compared.append(layer.name)
        np.testing.assert_allclose(run.outputs[-1], predicted[n], atol=1e-5, rtol=0)
    return sorted(set(compared))


def test_fourth_article_cnn(tmp_path):
    model = fourth_article_cnn()
    compared = check_model(model, tmp_path / "cnn.keras", images(2, (28, 28)))
    imported = import_model(tmp_path / "cnn.keras")
    assert [(layer.name, layer.out_shape) for layer in imported.layers] == [
        ("reshape 1", (28, 28, 1)), ("conv 1", (26, 26, 32)), ("conv 2", (24, 24, 64)),
        ("pool 1", (12, 12, 64)), ("reshape 2", (1, 1, 9216)), ("dense 1", (1, 1, 10))]
    assert imported.layers[-1].config["activation"] == "linear"  # logits: the network adds the softmax
    assert compared == ["conv 1", "conv 2", "dense 1", "pool 1", "reshape 1", "reshape 2"]


SECOND_ARTICLE_SAVES = [("channels_last", ".keras"), ("channels_first", ".keras"), ("channels_first", ".h5")]


@pytest.mark.parametrize(("data_format", "suffix"), SECOND_ARTICLE_SAVES)
def test_second_article_cnn(tmp_path, data_format, suffix):
    keras = import_keras()
    keras.utils.set_random_seed(4)
    model = second_article_cnn(data_format)
    channels_first = data_format == "channels_first"
    x = images(2, (1, 28, 28) if channels_first else (28, 28, 1))
    compared = check_model(model, tmp_path / f"my_model{suffix}", x, channels_first)
    imported = import_model(tmp_path / f"my_model{suffix}")
    assert [layer.name for layer in imported.layers] == [
        "conv 1", "pool 1", "activation 1", "conv 2", "pool 2", "activation 2", "conv 3", "reshape 1",
        "dense 1"]
    assert imported.layers[6].config["activation"] == "relu"  # conv3's Activation folded into it
    assert imported.layers[-1].config["activation"] == "softmax"
    assert [layer.param_count for layer in imported.layers if layer.param_count] == [85, 138, 147, 280]
    assert "dense 1" not in compared  # its softmax was folded in; the whole answer is compared instead
    assert "conv 1" in compared and "pool 2" in compared


def test_tutorial_mlp(tmp_path):
    compared = check_model(tutorial_mlp(), tmp_path / "mlp.keras", images(2, (28, 28)))
    imported = import_model(tmp_path / "mlp.keras")
    assert [(layer.name, layer.n_out) for layer in imported.layers] == [
        ("reshape 1", 784), ("dense 1", 128), ("dense 2", 10)]
    assert sum(layer.param_count for layer in imported.layers) == 101_770
    assert compared == ["dense 1", "dense 2", "reshape 1"]
