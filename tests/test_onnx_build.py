"""`sb3gen build --model cnn.onnx`: the loop engine builds it on grey 28x28 images; the project's `weights`
are the graph's (rounded by --weight-digits, conv weights in sb3gen's layout), and its `test` pass in
scratch-vm gives the reference's predictions and accuracy; `sb3gen verify --model cnn.onnx` passes its five
checks, and check (5) fails for another model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx_models import save, small_cnn

from sb3gen.cli import main
from sb3gen.importers.onnx_check import model_check
from sb3gen.loops import reference
from sb3gen.loops.model_build import loop_layers, rounded
from sb3gen.loops.plan import flat_weights
from sb3gen.project.inputs import GREY28
from sb3gen.scratch import read_sb3
from sb3gen.vm import run_project


@pytest.mark.slow
def test_build_of_an_onnx_cnn_tests_in_blocks_as_the_reference(tmp_path: Path, capsys) -> None:
    model, _ = small_cnn(seed=8)
    path = save(model, tmp_path, "cnn.onnx")
    out = tmp_path / "out" / "cnn.sb3"
    assert main(["build", "--model", str(path), "--train-images", "10", "--test-images", "12",
                 "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "building it on the loop engine: conv 1 (28, 28, 4)" in printed and "unrolled" not in printed

    layers = rounded(loop_layers(path), 3)
    project_json, _ = read_sb3(out.read_bytes())
    stage = next(t for t in project_json["targets"] if t["isStage"])
    lists = {name: values for name, values in stage["lists"].values()}
    assert np.array_equal(np.array(lists["weights"], dtype=np.float64), flat_weights(layers))

    run = run_project(out.read_bytes(), [{"broadcast": "test"}], max_steps=20000)
    tables = {name: lists[name] for name in ("grey counts", "grey levels")}
    test_inputs = GREY28.decode(lists["test images"], lists["symbols"], tables)
    predictions, accuracy = reference.test(layers, test_inputs, np.array(lists["test labels"]))
    assert [int(float(p)) for p in run.stage_lists["predictions"]] == predictions
    assert float(run.stage_variables["accuracy"]) == accuracy

    assert main(["verify", "--model", str(path), str(out)]) == 0
    assert "[PASS] (5) the reference against ONNX's evaluator on cnn.onnx" in capsys.readouterr().out
    other = save(small_cnn(seed=9)[0], tmp_path, "other.onnx")
    check = model_check(other, layers, test_inputs[:3], 5)
    assert not check.passed and "not the model's at any --weight-digits" in check.lines[-1]
