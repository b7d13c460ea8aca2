"""--model: saved Keras .keras / .h5 files of Flatten/Dense become Networks; anything else is refused."""

from __future__ import annotations

import numpy as np
import pytest

from sb3gen.errors import Sb3genError
from sb3gen.ml.keras_model import import_keras, network_to_keras, to_model_input
from sb3gen.ml.model_file import load_model_file
from sb3gen.ml.preprocess import PreprocessSettings


def mlp(hidden_activation="relu", output_activation="softmax", input_shape=(14, 14)):
    keras = import_keras()
    keras.utils.set_random_seed(1)
    return keras.Sequential([
        keras.Input(shape=input_shape),
        keras.layers.Flatten(),
        keras.layers.Dense(8, activation=hidden_activation, name="hidden_a"),
        keras.layers.Dense(4, activation=hidden_activation, name="hidden_b"),
        keras.layers.Dense(10, activation=output_activation, name="digits"),
    ])


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_saved_model_loads_with_the_same_outputs(tmp_path, suffix):
    model = mlp()
    path = tmp_path / f"model{suffix}"
    model.save(path)
    net = load_model_file(path, PreprocessSettings(invert=True))
    assert net.layer_sizes == [196, 8, 4, 10] and net.hidden_activation == "relu"
    assert net.preprocess == PreprocessSettings(invert=True)
    kernel = model.get_layer("hidden_a").get_weights()[0]
    assert net.weights[196] == np.float64(kernel[0, 1])  # row 1 = weights into hidden neuron 1
    x = np.random.default_rng(0).integers(0, 2, (20, 196)).astype(np.float32)
    expected = model.predict(to_model_input(x, 196), verbose=0)
    np.testing.assert_allclose(net.forward(x), expected, atol=1e-6)
    rebuilt = network_to_keras(net)
    np.testing.assert_array_equal(rebuilt.predict(to_model_input(x, 196), verbose=0), expected)


def test_flat_input_model_loads(tmp_path):
    mlp("sigmoid", input_shape=(196,)).save(tmp_path / "flat.keras")
    net = load_model_file(tmp_path / "flat.keras")
    assert net.layer_sizes == [196, 8, 4, 10] and net.hidden_activation == "sigmoid"


def test_conv_model_without_pooling_is_refused(tmp_path):
    keras = import_keras()
    model = keras.Sequential([keras.Input(shape=(14, 14, 1)),
                              keras.layers.Conv2D(2, 3, activation="relu", name="conv_one"),
                              keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model.save(tmp_path / "conv.keras")
    with pytest.raises(Sb3genError, match="conv.keras: the Scratch blocks run one or two conv layers, "
                                          "each followed by a max-pool"):
        load_model_file(tmp_path / "conv.keras")


@pytest.mark.parametrize("hidden, output, message", [
    ("tanh", "softmax", "m.h5: layer 'hidden_a' uses activation 'tanh'; supported hidden activations"),
    ("relu", "linear", "output layer 'digits' uses activation 'linear'; it must be softmax"),
])
def test_unsupported_activations_are_refused(tmp_path, hidden, output, message):
    mlp(hidden, output).save(tmp_path / "m.h5")
    with pytest.raises(Sb3genError, match=message):
        load_model_file(tmp_path / "m.h5")


def test_unreadable_model_files(tmp_path):
    (tmp_path / "junk.keras").write_bytes(b"not a model")
    with pytest.raises(Sb3genError, match="junk.keras: cannot load as a Keras model"):
        load_model_file(tmp_path / "junk.keras")
    with pytest.raises(Sb3genError, match="must end in .keras or .h5"):
        load_model_file(tmp_path / "model.tflite")
