"""Issue 22's "Done when" for the three target models, end to end as a user runs them: each saved as the
articles and the Keras tutorial write them (the second article's channels_first, as .h5), built by `sb3gen
build --model`, passes `verify` bit for bit (TurboWarp; scratch-vm for the small two; the fourth article's
CNN is ~4 s of CPU per forward there: tests/test_loops_imported_model.py runs it), classifies a 1 and a 0
drawn on the pad with the mouse (probabilities equal the reference bit for bit), and trains in blocks
(verify's check 4: one epoch on the first images of the training share the build chose equals the
reference)."""

from __future__ import annotations

import contextlib
import io
import math
import re

import numpy as np
import pytest
from article_models import fourth_article_cnn, second_article_cnn, tutorial_mlp
from mouse_strokes import stroke_actions

from sb3gen.cli import main
from sb3gen.loops import reference
from sb3gen.loops.model_build import loop_layers, rounded
from sb3gen.ml.keras_model import import_keras
from sb3gen.project.ui_layout import PAD
from sb3gen.reference import pad as R
from sb3gen.scratch import read_sb3
from sb3gen.verify import verify_file
from sb3gen.vm import run_project

SETTINGS = {"input_format": "grey28"}
GEOMETRY = R.Geometry(PAD.left, PAD.top, PAD.cell)
# name -> (the model, file name, extra build options, verify's engines and images)
MODELS = {
    "tutorial_mlp": (tutorial_mlp, "mlp.keras", [], {"scratch-vm": 2, "turbowarp": 3}),
    "second_article_cnn": (lambda: second_article_cnn("channels_first"), "my_model.h5", [],
                           {"scratch-vm": 2, "turbowarp": 3}),
    # the build's own training share (about 47); two test images keep the build's reference pass short
    "fourth_article_cnn": (fourth_article_cnn, "cnn.keras", ["--test-images", "2"], {"turbowarp": 1}),
}


def quiet(*_: object) -> None:
    pass


@pytest.fixture(scope="module", params=list(MODELS))
def built(request, tmp_path_factory):
    make, file_name, options, engines = MODELS[request.param]
    import_keras().utils.set_random_seed(5)
    folder = tmp_path_factory.mktemp(request.param)
    model_path = folder / file_name
    make().save(model_path)
    out = folder / "model.sb3"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["build", "--model", str(model_path), *options, "-o", str(out)]) == 0
    return request.param, model_path, out, engines, printed.getvalue()


@pytest.mark.slow
def test_target_model_builds_verifies_classifies_the_pad_and_trains(built):
    name, model_path, out, engines, printed = built
    assert "building it on the loop engine" in printed
    project_json, _ = read_sb3(out.read_bytes())
    stage = next(t for t in project_json["targets"] if t["isStage"])
    lists = {list_name: values for list_name, values in stage["lists"].values()}
    if name == "fourth_article_cnn":  # the share rule: an epoch over 4,000 images would take hours
        chosen = re.search(r"4,000 would take [\d,]+ min: the build chose (\d+)", printed)
        assert chosen and 0 < len(lists["train labels"]) == int(chosen[1]) < 4000

    for engine, images in engines.items():
        checks = verify_file(out, engine=engine, images=images, log=quiet)
        assert all(c.passed for c in checks), (engine, [(c.number, c.passed) for c in checks])
        assert [c.number for c in checks] == [1, 2, 3, 4]

    layers = rounded(loop_layers(model_path), 3)  # --weight-digits' default, as the project's weights
    one = [PAD.cell_centre(4, 14), PAD.cell_centre(12, 15), PAD.cell_centre(23, 13)]
    centre_x, centre_y = PAD.cell_centre(14, 14)
    zero = [(round(centre_x + 52 * math.sin(a)), round(centre_y + 76 * math.cos(a)))
            for a in np.linspace(0, 2 * math.pi, 17)]
    actions = [{"green_flag": True}, *stroke_actions(one), {"click": "Clear"}, *stroke_actions(zero)]
    for engine in engines:  # the pad in the engines verify ran (TurboWarp only for the fourth article's CNN)
        result = run_project(out.read_bytes(), actions, engine=engine)
        for snapshot, positions in zip(result.snapshots, (one, zero), strict=True):
            pad, path = R.empty_pad(), R.PenPath()
            R.paint_stroke(pad, positions, GEOMETRY, path)
            assert sum(v > 0 for v in pad) > 40  # a real stroke
            expected_input = R.pad_to_input(pad, SETTINGS, path=path)
            got_input = [float(v) for v in snapshot["Stage"]["lists"]["input"]]
            assert got_input == expected_input
            forward = reference.forward(layers, np.array(expected_input, dtype=np.float64))
            got = np.array(snapshot["Stage"]["lists"]["probabilities"], dtype=np.float64)
            assert np.array_equal(got, forward.probabilities), (name, engine)
            assert int(snapshot["Stage"]["variables"]["prediction"]) == forward.prediction
