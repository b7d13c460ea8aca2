"""`sb3gen build --model` with a Keras model the unrolled engine refuses (tanh, logits out) builds on the loop
engine: the project's `weights` are the model's, its `test` in scratch-vm equals the reference, and `sb3gen
verify` rebuilds the network from the project and passes (and fails when the description is wrong)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from sb3gen.cli import main
from sb3gen.loops import reference
from sb3gen.loops.model_build import loop_layers, rounded
from sb3gen.loops.plan import flat_weights
from sb3gen.ml.keras_model import import_keras
from sb3gen.ml.network import round_weights
from sb3gen.project.inputs import BINARY14
from sb3gen.scratch import read_sb3
from sb3gen.verify import verify_file
from sb3gen.vm import run_project


def quiet(*_: object) -> None:
    pass


@pytest.mark.slow
def test_a_model_the_unrolled_engine_refuses_builds_on_the_loop_engine(tmp_path: Path, capsys) -> None:
    keras = import_keras()
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input(shape=(196,)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(10)])
    model_path = tmp_path / "tanh.keras"
    model.save(model_path)
    out = tmp_path / "out" / "tanh.sb3"
    assert main(["build", "--model", str(model_path), "--train-images", "10", "--test-images", "12",
                 "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "the unrolled engine refuses it" in printed and "tanh" in printed

    keras_weights = np.concatenate([w.ravel() for w in model.get_weights()]).astype(np.float64)
    assert np.array_equal(flat_weights(loop_layers(model_path)), keras_weights)
    keras_weights = round_weights(keras_weights, 3)  # --weight-digits' default, as the unrolled engine's
    layers = rounded(loop_layers(model_path), 3)
    project_json, _ = read_sb3(out.read_bytes())
    stage = next(t for t in project_json["targets"] if t["isStage"])
    lists = {name: values for name, values in stage["lists"].values()}
    assert np.array_equal(np.array(lists["weights"], dtype=np.float64), keras_weights)

    run = run_project(out.read_bytes(), [{"broadcast": "test"}], max_steps=5000)
    test_inputs = BINARY14.decode(lists["test images"], lists["symbols"], {})
    predictions, accuracy = reference.test(layers, test_inputs, np.array(lists["test labels"]))
    assert [int(float(p)) for p in run.stage_lists["predictions"]] == predictions
    assert float(run.stage_variables["accuracy"]) == accuracy

    checks = verify_file(out, images=6, log=quiet)
    assert [c.number for c in checks if c.passed] == [1, 2, 3, 4]

    # the same blocks with a description that says relu where the blocks compute tanh: verify must fail
    for entry in stage["lists"].values():
        if entry[0] == "loop layers":
            entry[1] = [item.replace("'tanh'", "'relu'") for item in entry[1]]
    wrong = tmp_path / "wrong.sb3"
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(wrong, "w") as target:
        for info in source.infolist():
            data = json.dumps(project_json).encode() if info.filename == "project.json" else source.read(info)
            target.writestr(info, data)
    failed = [c.number for c in verify_file(wrong, images=6, log=quiet) if not c.passed]
    assert 3 in failed and 4 in failed


@pytest.mark.slow  # over 5 s (docs/development.md, Tests)
def test_a_small_28x28_model_the_unrolled_engine_would_fit_builds_on_the_loop_engine(tmp_path: Path,
                                                                                    capsys) -> None:
    """The unrolled engine's project reads 14x14 only: a 784-16-10 MLP small enough for its size estimate
    failed on its UI ("list 'input' holds 784 values, the UI expects 196") instead of going to the loops."""
    keras = import_keras()
    keras.utils.set_random_seed(4)
    model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model_path = tmp_path / "small28.keras"
    model.save(model_path)
    out = tmp_path / "small28.sb3"
    assert main(["build", "--model", str(model_path), "--train-images", "10", "--test-images", "12",
                 "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "the unrolled engine reads the 14x14 binarised input only" in printed and "(grey28)" in printed
