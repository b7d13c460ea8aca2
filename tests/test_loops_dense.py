"""The loop engine with dense and activation layers in scratch-vm and TurboWarp: forward pass and one training
step equal the numpy reference bit for bit (each layer, probabilities, prediction, weights, log p)."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from sb3gen.errors import Sb3genError
from sb3gen.loops import reference
from sb3gen.loops.plan import check, flat_weights
from sb3gen.loops.project import NETWORK_SPRITE, network_project
from sb3gen.scratch import compile_project, pack_sb3
from sb3gen.vm import Case, run_many
from tests.loops_helpers import activation, dense, network, sparse_image, step_actions

RATE = 0.05
NETWORKS = {
    # the tutorials' MLP shape, small: relu then softmax
    "relu-softmax": lambda: network(1, 196, [partial(dense, n_in=196, units=16, activation="relu"),
                                             partial(dense, n_in=16, units=10, activation="softmax")]),
    # tanh and sigmoid, a layer without bias, logits out (the network adds the softmax); 40 outputs: groups
    # of 32 and 8
    "tanh-sigmoid-logits": lambda: network(2, 196, [
        partial(dense, n_in=196, units=40, activation="tanh"),
        partial(dense, n_in=40, units=12, activation="sigmoid", use_bias=False),
        partial(dense, n_in=12, units=10, activation="linear")]),
    # standalone activation layers: Dense linear + ReLU layer, Dense + Softmax layer
    "activation-layers": lambda: network(3, 100, [
        partial(dense, n_in=100, units=18, activation="linear"), activation("relu"),
        partial(dense, n_in=18, units=10, activation="linear"), activation("softmax")]),
}
LABEL = 7


def _sb3(layers) -> bytes:
    project = network_project(layers, rate=RATE)
    return pack_sb3(compile_project(project))


@pytest.fixture(scope="module")
def cases():
    built = {}
    for seed, (name, make) in enumerate(NETWORKS.items()):
        layers = make()
        image = sparse_image(seed, layers[0].n_in)
        built[name] = (layers, image, _sb3(layers))
    # a binarised image: the first layer's groups for 0/1 inputs (no multiplications by 1)
    layers, _, sb3 = built["tanh-sigmoid-logits"]
    built["binarised image"] = (layers, (sparse_image(9, layers[0].n_in) > 0).astype(np.float64), sb3)
    return built


@pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])
def test_forward_and_training_step_equal_the_reference(cases, engine):
    names = list(cases)
    runs = run_many([Case(cases[n][2], step_actions(cases[n][1], LABEL)) for n in names], engine=engine)
    for name, run in zip(names, runs, strict=True):
        layers, image, _ = cases[name]
        expected = reference.forward(layers, image)
        seen = run.snapshots[0]
        for layer, output in zip(layers, expected.outputs, strict=True):
            got = np.array(seen[NETWORK_SPRITE]["lists"][f"{layer.name} out"], dtype=np.float64)
            assert np.array_equal(got, output), f"{name} {engine}: {layer.name} out"
        probabilities = np.array(seen["Stage"]["lists"]["probabilities"], dtype=np.float64)
        assert np.array_equal(probabilities, expected.probabilities), f"{name} {engine}"
        assert float(seen["Stage"]["variables"]["prediction"]) == expected.prediction

        trained, log_p, _ = reference.train_step(layers, image, LABEL, RATE)
        weights = np.array(run.stage_lists["weights"], dtype=np.float64)
        assert not np.array_equal(flat_weights(trained), flat_weights(layers))  # the step did learn
        assert np.array_equal(weights, flat_weights(trained)), f"{name} {engine}: weights after one step"
        assert float(run.targets[NETWORK_SPRITE]["variables"]["log sum"]) == log_p
        not_ones = int(np.sum((image != 0) & (image != 1)))  # 0: the groups for 0/1 inputs ran
        assert float(run.targets[NETWORK_SPRITE]["variables"]["inputs not 1"]) == not_ones


def test_skipped_zero_inputs_keep_their_weights():
    layers = NETWORKS["relu-softmax"]()
    image = sparse_image(5, 196)
    trained, _, _ = reference.train_step(layers, image, 3, RATE)
    kernel_before, kernel_after = layers[0].params[0], trained[0].params[0]
    zero_rows = image == 0
    assert np.array_equal(kernel_before[zero_rows], kernel_after[zero_rows])
    assert not np.array_equal(kernel_before[~zero_rows], kernel_after[~zero_rows])


def test_network_problems_are_all_reported():
    bad = network(4, 20, [partial(dense, n_in=20, units=8, activation="softmax"),
                          partial(dense, n_in=8, units=10, activation="tanh")])
    with pytest.raises(Sb3genError) as raised:
        check(bad)
    message = str(raised.value)
    assert "dense 1: softmax before the last layer" in message
    assert "dense 2: the last layer must give logits" in message
