"""From a saved Keras file to blocks: the second article's CNN, channels_first and saved as .h5 as the article
does, imported and built by the loop engine; in scratch-vm and TurboWarp its forward pass and one training
step equal the reference bit for bit, and the reference's answer equals Keras' within 1e-5."""

from __future__ import annotations

import numpy as np
import pytest
from article_models import second_article_cnn

from sb3gen.importers import import_model
from sb3gen.loops import reference
from sb3gen.loops.plan import flat_weights
from sb3gen.loops.project import NETWORK_SPRITE, network_project
from sb3gen.ml.keras_model import import_keras
from sb3gen.scratch import compile_project, pack_sb3
from sb3gen.vm import Case, run_many
from tests.loops_helpers import sparse_image, step_actions

RATE = 0.05
LABEL = 3


@pytest.fixture(scope="module")
def article_model(tmp_path_factory):
    import_keras().utils.set_random_seed(8)
    model = second_article_cnn("channels_first")
    path = tmp_path_factory.mktemp("article") / "my_model.h5"
    model.save(path)
    layers = list(import_model(path).layers)
    image = sparse_image(9, 28 * 28, ink=0.2)
    keras_answer = model.predict(image.reshape(1, 1, 28, 28).astype("float32"), verbose=0)[0]
    return layers, image, keras_answer, pack_sb3(compile_project(network_project(layers, rate=RATE)))


@pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])
def test_article_cnn_runs_and_learns_in_blocks(article_model, engine):
    layers, image, keras_answer, sb3 = article_model
    run = run_many([Case(sb3, step_actions(image, LABEL))], engine=engine)[0]
    expected = reference.forward(layers, image)
    np.testing.assert_allclose(expected.probabilities, keras_answer, atol=1e-5, rtol=0)
    seen = run.snapshots[0]
    for layer, output in zip(layers, expected.outputs, strict=True):
        got = np.array(seen[NETWORK_SPRITE]["lists"][f"{layer.name} out"], dtype=np.float64)
        assert np.array_equal(got, output), f"{engine}: {layer.name} out"
    probabilities = np.array(seen["Stage"]["lists"]["probabilities"], dtype=np.float64)
    assert np.array_equal(probabilities, expected.probabilities)
    trained, _, _ = reference.train_step(layers, image, LABEL, RATE)
    assert np.array_equal(np.array(run.stage_lists["weights"], dtype=np.float64), flat_weights(trained))


@pytest.mark.slow
def test_fourth_article_cnn_runs_in_blocks_bit_for_bit(tmp_path):
    """The fourth article's CNN (10.9 million multiply-adds): forward in both engines, one training step in
    TurboWarp (17 s of CPU in scratch-vm: left to benchmarks), equal to the reference bit for bit."""
    from article_models import fourth_article_cnn

    import_keras().utils.set_random_seed(2)
    model = fourth_article_cnn()
    model.save(tmp_path / "cnn.keras")
    layers = list(import_model(tmp_path / "cnn.keras").layers)
    image = sparse_image(4, 28 * 28, ink=0.2)
    sb3 = pack_sb3(compile_project(network_project(layers, rate=RATE)))
    expected = reference.forward(layers, image)
    keras_logits = model.predict(image.reshape(1, 28, 28).astype("float32"), verbose=0)[0]
    np.testing.assert_allclose(expected.outputs[-1], keras_logits, atol=1e-5, rtol=0)
    forward_only = step_actions(image, LABEL)[:3]
    for engine, actions in (("scratch-vm", forward_only), ("turbowarp", step_actions(image, LABEL))):
        run = run_many([Case(sb3, actions, timeout_s=900)], engine=engine)[0]
        for layer, output in zip(layers, expected.outputs, strict=True):
            got = np.array(run.snapshots[0][NETWORK_SPRITE]["lists"][f"{layer.name} out"], dtype=np.float64)
            assert np.array_equal(got, output), f"{engine}: {layer.name} out"
    trained, _, _ = reference.train_step(layers, image, LABEL, RATE)
    assert np.array_equal(np.array(run.stage_lists["weights"], dtype=np.float64), flat_weights(trained))
