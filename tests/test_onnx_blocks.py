"""From a .onnx file to blocks: the third article's PyTorch MLP (Normalize as Sub/Div, 784 -> 128 x 3 -> 10),
a small ONNX CNN and the other accepted operators, imported and built by the loop engine; in scratch-vm and
TurboWarp every layer's output and the weights after one training step equal the reference bit for bit, and
the reference's answer equals the ONNX reference evaluator's within 1e-5."""

from __future__ import annotations

import numpy as np
import pytest
from onnx_models import evaluate, other_ops, save, small_cnn, third_article_mlp

from sb3gen.importers import import_model
from sb3gen.loops import reference
from sb3gen.loops.plan import flat_weights
from sb3gen.loops.project import NETWORK_SPRITE, network_project
from sb3gen.scratch import compile_project, pack_sb3
from sb3gen.vm import Case, run_many
from tests.loops_helpers import sparse_image, step_actions

RATE = 0.05
LABEL = 7
MODELS = {"third article MLP": third_article_mlp, "small CNN": small_cnn, "other ops": other_ops}


@pytest.fixture(scope="module", params=sorted(MODELS))
def onnx_project(request, tmp_path_factory):
    model, _ = MODELS[request.param](seed=11)
    layers = list(import_model(save(model, tmp_path_factory.mktemp("onnx"), "model.onnx")).layers)
    image = sparse_image(12, 28 * 28, ink=0.2)
    answer = evaluate(model, ["output"], image)[0]
    return layers, image, answer, pack_sb3(compile_project(network_project(layers, rate=RATE)))


@pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])
def test_onnx_model_runs_and_learns_in_blocks(onnx_project, engine):
    layers, image, onnx_answer, sb3 = onnx_project
    run = run_many([Case(sb3, step_actions(image, LABEL))], engine=engine)[0]
    expected = reference.forward(layers, image)
    np.testing.assert_allclose(expected.probabilities, onnx_answer, atol=1e-5, rtol=0)
    seen = run.snapshots[0]
    for layer, output in zip(layers, expected.outputs, strict=True):
        got = np.array(seen[NETWORK_SPRITE]["lists"][f"{layer.name} out"], dtype=np.float64)
        assert np.array_equal(got, output), f"{engine}: {layer.name} out"
    probabilities = np.array(seen["Stage"]["lists"]["probabilities"], dtype=np.float64)
    assert np.array_equal(probabilities, expected.probabilities)
    trained, _, _ = reference.train_step(layers, image, LABEL, RATE)
    assert np.array_equal(np.array(run.stage_lists["weights"], dtype=np.float64), flat_weights(trained))
    assert not np.array_equal(flat_weights(trained), flat_weights(layers))  # the step changed something
