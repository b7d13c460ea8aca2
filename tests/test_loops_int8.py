"""--weight-int8 in the loop engine: `decode the int8 weights` (green flag, `restore weights`) gives the
reference's int8_layers bit for bit, and `train` / `test` from them equal the reference, in scratch-vm and
TurboWarp; `weights` ships empty."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from sb3gen.loops import reference
from sb3gen.loops.app import int8_layers, loop_project
from sb3gen.loops.plan import flat_weights
from sb3gen.project.inputs import GREY28
from sb3gen.reference import schedule
from sb3gen.scratch import compile_project, pack_sb3
from sb3gen.vm import run_project
from tests.loops_helpers import dense, network

RATE, DECAY, SEED = 0.05, 1.0, 7


def _grey_images(seed: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = np.where(rng.random((count, 784)) < 0.2, rng.uniform(0.0, 1.0, (count, 784)), 0.0)
    return images, rng.integers(0, 10, count)


@pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])
def test_int8_loop_project_decodes_trains_and_tests_as_the_reference(engine):
    layers = network(12, 784, [partial(dense, n_in=784, units=12, activation="tanh"),
                               partial(dense, n_in=12, units=10, activation="softmax")])
    train, train_labels = _grey_images(3, 6)
    test, test_labels = _grey_images(4, 5)
    project = loop_project(layers, train, train_labels, test, test_labels, input_format=GREY28,
                           learning_rate=RATE, learning_rate_decay=DECAY, shuffle_seed=SEED, int8=True)
    stage = project.stage.lists
    assert stage["weights"] == [] and stage["shipped weights"] == [] and stage["scale counts"] == [9420, 130]
    decoded = int8_layers(layers)
    assert not np.array_equal(flat_weights(decoded), flat_weights(layers))
    run = run_project(pack_sb3(compile_project(project)),
                      [{"green_flag": True}, {"read": True}, {"broadcast": "train"}, {"broadcast": "test"}],
                      engine=engine, max_steps=5000)
    first = np.array(run.snapshots[0]["Stage"]["lists"]["weights"], dtype=np.float64)
    assert np.array_equal(first, flat_weights(decoded))
    tables = {name: stage[name] for name in ("grey counts", "grey levels")}
    decoded_train = GREY28.decode(stage["train images"], stage["symbols"], tables)
    plan = schedule.plan_epoch([], len(train_labels), SEED, RATE, DECAY, 0)
    trained, loss = reference.train_epoch(decoded, decoded_train, train_labels, plan)
    assert np.array_equal(np.array(run.stage_lists["weights"], dtype=np.float64), flat_weights(trained))
    assert float(run.stage_variables["loss"]) == loss


@pytest.mark.slow
def test_an_int8_keras_model_build_reports_both_and_passes_verify(tmp_path, capsys):
    from sb3gen.cli import main
    from sb3gen.ml.keras_model import import_keras
    from sb3gen.verify import verify_file

    keras = import_keras()
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input(shape=(196,)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(10)])
    model_path = tmp_path / "tanh.keras"
    model.save(model_path)
    out = tmp_path / "out" / "tanh.sb3"
    assert main(["build", "--model", str(model_path), "--train-images", "10", "--test-images", "12",
                 "--weight-int8", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    line = next(x for x in printed.splitlines() if x.startswith("int8 weights: project.json "))
    assert "float (3 digits)" in line and ", drop " in line
    assert "(int8 codes with a scale per layer)" in printed
    checks = verify_file(out, images=6, log=lambda *_: None)
    assert [c.number for c in checks if c.passed] == [1, 2, 3, 4]
