"""conv2d, maxpool2d, avgpool2d, reshape and scale as blocks, through the loop engine's network (h7's driver),
in scratch-vm and TurboWarp: each layer's output and the weights after one training step equal the numpy
reference bit for bit (stride 2, 'same' padding with its uneven pad, windows cut by the edge)."""

from __future__ import annotations

import numpy as np
import pytest

from sb3gen.kinds import Imported
from sb3gen.loops import reference
from sb3gen.loops.plan import LayerSpec, assemble, flat_weights
from sb3gen.loops.project import NETWORK_SPRITE, network_project
from sb3gen.scratch import compile_project, pack_sb3
from sb3gen.vm import Case, run_many
from tests.loops_helpers import sparse_image, step_actions

RATE = 0.05
LABEL = 4


def conv(rng, channels: int, filters: int, kernel: int, stride: int, padding: str,
         activation: str) -> LayerSpec:
    params = (rng.normal(0, 0.6, (kernel, kernel, channels, filters)), rng.normal(0, 0.1, filters))
    config = {"filters": filters, "kernel": (kernel, kernel), "strides": (stride, stride), "padding": padding,
              "activation": activation, "refused": ()}
    return LayerSpec("conv2d", Imported(config, params))


def pool(kind_name: str, size: int, stride: int, padding: str) -> LayerSpec:
    config = {"pool": (size, size), "strides": (stride, stride), "padding": padding}
    return LayerSpec(kind_name, Imported(config))


def dense(rng, n_in: int, activation: str) -> LayerSpec:
    params = (rng.normal(0, 1 / np.sqrt(n_in), (n_in, 10)), rng.normal(0, 0.1, 10))
    return LayerSpec("dense", Imported({"units": 10, "activation": activation, "use_bias": True}, params))


def flatten(size: int) -> LayerSpec:
    return LayerSpec("reshape", Imported({"target": (1, 1, size)}))


def conv_stride2_same_then_pool():
    rng = np.random.default_rng(11)
    return assemble((12, 12, 1), [conv(rng, 1, 18, 3, 2, "same", "relu"),  # 6x6x18: groups of 16 and 2
                                  pool("maxpool2d", 3, 2, "same"),  # 3x3x18, padded 0 before and 1 after
                                  flatten(162), dense(rng, 162, "softmax")])


def scale_conv_avgpool_conv():
    rng = np.random.default_rng(12)
    scale = LayerSpec("scale", Imported({"channels": 1}, (np.array([0.8]), np.array([-0.1]))))
    return assemble((9, 9, 1), [scale, conv(rng, 1, 3, 3, 1, "same", "tanh"),  # 9x9x3
                                pool("avgpool2d", 2, 2, "same"),  # 5x5x3: the last row and column hold 2 or 1
                                conv(rng, 3, 17, 2, 2, "valid", "linear"),  # 2x2x17: errors from 2 groups
                                flatten(68), dense(rng, 68, "linear")])


NETWORKS = {"conv-pool": conv_stride2_same_then_pool, "scale-conv-avgpool-conv": scale_conv_avgpool_conv}


@pytest.fixture(scope="module")
def cases():
    built = {}
    for seed, (name, make) in enumerate(NETWORKS.items()):
        layers = make()
        image = sparse_image(seed + 20, layers[0].n_in, ink=0.4)
        built[name] = (layers, image, pack_sb3(compile_project(network_project(layers, rate=RATE))))
    return built


@pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])
def test_blocks_equal_the_reference_bit_for_bit(cases, engine):
    names = list(cases)
    runs = run_many([Case(cases[n][2], step_actions(cases[n][1], LABEL)) for n in names], engine=engine)
    for name, run in zip(names, runs, strict=True):
        layers, image, _ = cases[name]
        expected = reference.forward(layers, image)
        seen = run.snapshots[0]
        for layer, output in zip(layers, expected.outputs, strict=True):
            got = np.array(seen[NETWORK_SPRITE]["lists"][f"{layer.name} out"], dtype=np.float64)
            assert np.array_equal(got, output), f"{name} {engine}: {layer.name} out"
        assert float(seen["Stage"]["variables"]["prediction"]) == expected.prediction
        trained, _, _ = reference.train_step(layers, image, LABEL, RATE)
        weights = np.array(run.stage_lists["weights"], dtype=np.float64)
        for layer in layers:
            if layer.kind == "conv2d":  # the step changed the conv kernels, through every layer after them
                assert not np.array_equal(flat_weights([layer]), flat_weights([trained[layer.number - 1]]))
        assert np.array_equal(weights, flat_weights(trained)), f"{name} {engine}: weights after one step"


def test_the_project_description_rebuilds_these_kinds():
    """verify rebuilds a loop project's layers from `loop layers` and `weights`: every kind here survives."""
    from sb3gen.loops.description import describe_layers, read_layers

    for make in NETWORKS.values():
        layers = make()
        rebuilt = read_layers(describe_layers(layers), flat_weights(layers), "test")
        for before, after in zip(layers, rebuilt, strict=True):
            assert (after.kind, after.name, after.in_shape, after.out_shape) == (
                before.kind, before.name, before.in_shape, before.out_shape)
            assert dict(after.config) == dict(before.config)
            assert all(np.array_equal(a, b) for a, b in zip(after.params, before.params, strict=True))
