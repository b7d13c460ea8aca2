"""The dense and activation kinds on their own: Keras settings, refusals that say what works, CSV, flat order,
and the reference's sums in the blocks' order (zero inputs skipped, bias first)."""

from __future__ import annotations

import numpy as np
import pytest

from sb3gen.kinds import LayerProblem, activation, dense
from sb3gen.loops.plan import LayerSpec, assemble


def test_dense_without_bias_keeps_only_its_kernel() -> None:
    kernel = np.arange(6.0).reshape(3, 2)
    config = {"units": 2, "activation": None, "use_bias": False}
    imported = dense.from_keras("Dense", config, [kernel], (1, 1, 3))
    assert imported.config == {"units": 2, "activation": "linear", "use_bias": False}
    layer = assemble((1, 1, 3), [LayerSpec("dense", imported)])[0]
    assert np.array_equal(dense.flat_params(layer), kernel.ravel())
    x = np.array([0.0, 2.0, 0.5])
    assert np.array_equal(dense.forward(layer, x), 2.0 * kernel[1] + 0.5 * kernel[2])
    assert "bias" not in dense.csv(layer) and dense.csv(layer).count("output ") == 2


def test_dense_sums_start_at_the_bias_and_add_inputs_in_order() -> None:
    kernel, bias = np.array([[0.1], [0.2], [0.3]]), np.array([1e16])
    layer = assemble((1, 1, 3), [LayerSpec("dense", dense.from_keras(
        "Dense", {"units": 1, "activation": "linear"}, [kernel, bias], (1, 1, 3)))])[0]
    x = np.array([1.0, 1.0, 1.0])
    assert dense.forward(layer, x)[0] == ((1e16 + 0.1) + 0.2) + 0.3  # not 1e16 + (0.1 + 0.2 + 0.3)


@pytest.mark.parametrize("config, weights, part", [
    ({"units": 2, "activation": "elu"}, None, "activation 'elu': the blocks run relu, sigmoid, tanh"),
    ({"units": 3, "activation": "relu"}, None, "does not fit 4 inputs and 3 units"),
])
def test_dense_refusals_say_what_works(config, weights, part) -> None:
    arrays = weights or [np.zeros((4, 2)), np.zeros(2)]
    with pytest.raises(LayerProblem, match=part):
        dense.from_keras("Dense", config, arrays, (1, 1, 4))


def test_dense_on_a_map_asks_for_flatten() -> None:
    imported = dense.from_keras("Dense", {"units": 2, "activation": "relu"}, [np.zeros((12, 2)), np.zeros(2)],
                                (2, 2, 3))
    layer = assemble((2, 2, 3), [LayerSpec("dense", imported)])[0]
    assert any("Flatten" in text for text in dense.problems(layer))


def test_activation_layers_from_keras() -> None:
    assert activation.from_keras("ReLU", {"max_value": None, "negative_slope": 0.0, "threshold": 0.0}, [],
                                 (1, 1, 4)).config == {"activation": "relu"}
    assert activation.from_keras("Softmax", {"axis": -1}, [], (1, 1, 4)).config == {"activation": "softmax"}
    assert activation.from_keras("Activation", {"activation": "tanh"}, [], (1, 1, 4)).config == {
        "activation": "tanh"}
    with pytest.raises(LayerProblem, match="max_value=6.0"):
        activation.from_keras("ReLU", {"max_value": 6.0}, [], (1, 1, 4))
    with pytest.raises(LayerProblem, match="the blocks run relu"):
        activation.from_keras("Activation", {"activation": "gelu"}, [], (1, 1, 4))


def test_tanh_and_sigmoid_saturate_without_nan() -> None:
    layer = assemble((1, 1, 3), [LayerSpec("activation", activation.from_keras(
        "Activation", {"activation": "tanh"}, [], (1, 1, 3)))])[0]
    assert np.array_equal(activation.forward(layer, np.array([-800.0, 0.0, 800.0])), [-1.0, 0.0, 1.0])
