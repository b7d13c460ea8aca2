"""The whole loop-engine project (stage interface, passes, binary 14x14 input, UI) in scratch-vm and
TurboWarp: `train` (one epoch, shuffled) and `test` equal the reference bit for bit; `unpack` fills input."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from sb3gen.loops import reference
from sb3gen.loops.app import loop_project
from sb3gen.loops.plan import flat_weights
from sb3gen.project.image_codec import SYMBOLS, encode_images
from sb3gen.project.inputs import GREY28
from sb3gen.reference import packed, schedule
from sb3gen.scratch import compile_project, pack_sb3
from sb3gen.vm import run_project
from tests.loops_helpers import dense, network

RATE, DECAY, SEED = 0.05, 1.0, 7


def _layers():
    return network(11, 196, [partial(dense, n_in=196, units=20, activation="relu"),
                             partial(dense, n_in=20, units=10, activation="linear")])


def _images(seed: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.random((count, 196)) < 0.25).astype(np.int64), rng.integers(0, 10, count)


@pytest.fixture(scope="module")
def project_data():
    layers = _layers()
    train, train_labels = _images(1, 14)
    test, test_labels = _images(2, 9)
    project = loop_project(layers, train, train_labels, test, test_labels, learning_rate=RATE,
                           learning_rate_decay=DECAY, shuffle_seed=SEED)
    return layers, (train, train_labels, test, test_labels), pack_sb3(compile_project(project))


@pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])
def test_train_epoch_and_test_equal_the_reference(project_data, engine):
    layers, (train, train_labels, test, test_labels), sb3 = project_data
    code = encode_images(test[3:4])[0]
    run = run_project(sb3, [{"set_variable": "packed image", "value": code}, {"broadcast": "unpack"},
                            {"read": True}, {"broadcast": "train"}, {"broadcast": "test"}, {"read": True},
                            {"set_variable": "right digit", "value": 4}, {"broadcast": "correct"}],
                      engine=engine, max_steps=5000)
    assert np.array_equal(np.array(run.snapshots[0]["Stage"]["lists"]["input"], dtype=float), test[3])

    # a correction keeps the drawing (the last test image, in `input`) as a stored image with its label
    assert run.stage_lists["my digits"] == encode_images(test[-1:]) and run.stage_lists["my labels"] == [4]
    plan = schedule.plan_epoch([], len(train_labels), SEED, RATE, DECAY, 0)
    decoded = np.array([packed.unpack(c, SYMBOLS, 196) for c in encode_images(train)])
    trained, loss = reference.train_epoch(layers, decoded, train_labels, plan)
    weights = np.array(run.snapshots[1]["Stage"]["lists"]["weights"], dtype=np.float64)
    assert np.array_equal(weights, flat_weights(trained))
    assert not np.array_equal(weights, flat_weights(layers))
    after_test = run.snapshots[1]["Stage"]
    assert float(after_test["variables"]["loss"]) == loss
    predictions, accuracy = reference.test(trained, test.astype(np.float64), test_labels)
    assert [int(float(p)) for p in after_test["lists"]["predictions"]] == predictions
    assert float(after_test["variables"]["accuracy"]) == accuracy
    activations = np.array(after_test["lists"]["activations"], dtype=np.float64)
    last = reference.forward(trained, test[-1].astype(np.float64))
    assert np.array_equal(activations, np.concatenate([test[-1], *last.outputs]))


def _grey_images(seed: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = np.where(rng.random((count, 784)) < 0.2, rng.uniform(0.0, 1.0, (count, 784)), 0.0)
    return images, rng.integers(0, 10, count)


@pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])
def test_grey_28x28_input_trains_and_tests_as_the_reference(engine):
    layers = network(12, 784, [partial(dense, n_in=784, units=12, activation="tanh"),
                               partial(dense, n_in=12, units=10, activation="softmax")])
    train, train_labels = _grey_images(3, 6)
    test, test_labels = _grey_images(4, 5)
    project = loop_project(layers, train, train_labels, test, test_labels, input_format=GREY28,
                           learning_rate=RATE, learning_rate_decay=DECAY, shuffle_seed=SEED)
    run = run_project(pack_sb3(compile_project(project)), [{"broadcast": "train"}, {"broadcast": "test"}],
                      engine=engine, max_steps=5000)
    stage = project.stage.lists
    tables = {name: stage[name] for name in ("grey counts", "grey levels")}
    decoded_train = GREY28.decode(stage["train images"], stage["symbols"], tables)
    decoded_test = GREY28.decode(stage["test images"], stage["symbols"], tables)
    assert 0 < np.mean(decoded_train != 0) < 0.5  # grey values on a background of 0
    plan = schedule.plan_epoch([], len(train_labels), SEED, RATE, DECAY, 0)
    trained, loss = reference.train_epoch(layers, decoded_train, train_labels, plan)
    assert np.array_equal(np.array(run.stage_lists["weights"], dtype=np.float64), flat_weights(trained))
    assert float(run.stage_variables["loss"]) == loss
    predictions, accuracy = reference.test(trained, decoded_test, test_labels)
    assert [int(float(p)) for p in run.stage_lists["predictions"]] == predictions
    assert float(run.stage_variables["accuracy"]) == accuracy
