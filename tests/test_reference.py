"""The numpy reference of the network blocks: tables, index arithmetic, sums in block order, training."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sb3gen.reference import ReferenceNetwork, exp_table, log_table, weight_slices
from sb3gen.reference.tables import EXP_SIZE, LOG_SIZE, exp_index, js_round, log_index, table_exp, table_log


def test_tables_have_the_articles_ranges_and_steps():
    assert exp_table().size == EXP_SIZE == 20_001
    assert log_table().size == LOG_SIZE == 10_001
    assert exp_table()[0] == pytest.approx(math.exp(-10), rel=1e-9)
    assert exp_table()[10_000] == 1.0
    assert exp_table()[-1] == pytest.approx(math.exp(10), rel=1e-9)
    assert exp_table()[12_345] == pytest.approx(math.exp(2.345), rel=1e-9)
    assert log_table()[-1] == 0.0
    assert log_table()[5_000] == pytest.approx(math.log(0.5), rel=1e-9)
    assert np.isfinite(log_table()[0]) and log_table()[0] < log_table()[1]  # finite stand-in for log(0)


def test_table_values_survive_json_unchanged_and_stay_short():
    for table in (exp_table(), log_table()):
        again = np.array(json.loads(json.dumps(table.tolist())))
        assert np.array_equal(again, table)
        assert max(len(repr(v)) for v in table.tolist()[1:]) <= 17  # 10 significant digits + sign/exponent


def test_js_round_rounds_halves_up_like_math_round():
    values = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994, 1e16 + 1, -3.7, 3.2]
    expected = [1, 2, 3, 0, -1, -2, 0, 1e16 + 1, -4, 3]
    assert js_round(np.array(values)).tolist() == expected


def test_table_indexes_clamp_at_both_ends():
    assert exp_index(-10.0) == 1 and exp_index(-50.0) == 1 and exp_index(10.0) == EXP_SIZE
    assert exp_index(1e9) == EXP_SIZE and exp_index(0.0) == 10_001
    assert exp_index(0.0004) == 10_001 and exp_index(0.0005) == 10_002  # round half up
    assert log_index(0.0) == 1 and log_index(1.0) == LOG_SIZE and log_index(0.5) == 5_001
    assert table_exp(-30.0) == exp_table()[0] and table_log(0.0) == log_table()[0]


@given(st.floats(min_value=-12, max_value=12, allow_nan=False))
def test_table_exp_is_close_to_exp_inside_the_range(x):
    clamped = min(max(x, -10.0), 10.0)
    assert table_exp(x) == pytest.approx(math.exp(clamped), rel=6e-4)


def random_network(sizes, activation, seed=0, math_mode="tables", rate=0.1):
    rng = np.random.default_rng(seed)
    count = sum((a + 1) * b for a, b in zip(sizes, sizes[1:], strict=False))
    return ReferenceNetwork(sizes, activation, rng.uniform(-0.5, 0.5, count), rate, math=math_mode)


def random_images(n, seed=1):
    rng = np.random.default_rng(seed)
    return (rng.random((n, 196)) < 0.25).astype(np.float64), rng.integers(0, 10, n)


def test_weight_slices_follow_the_day2_layout():
    (w1, b1), (w2, b2) = weight_slices([196, 8, 10])
    assert (w1.start, w1.stop, b1.start, b1.stop) == (0, 1568, 1568, 1576)
    assert (w2.start, w2.stop, b2.start, b2.stop) == (1576, 1656, 1656, 1666)


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_forward_adds_weights_in_block_order(activation):
    """Layer 1 starts at the bias and adds the stroke pixels' weights one at a time, in pixel order."""
    net = random_network([196, 5, 10], activation)
    image, _ = random_images(1)
    result = net.forward(image[0])
    w, b = net.layer(0)
    z = b.copy()
    for p in np.flatnonzero(image[0] == 1):
        z = z + w[:, p]
    expected = 1.0 / (1.0 + table_exp(0.0 - z)) if activation == "sigmoid" else np.where(z < 0, 0.0, z)
    assert np.array_equal(result.layers[1], expected)
    assert result.probabilities.sum() == pytest.approx(1.0)
    assert result.concatenated().size == 196 + 5 + 10


def test_forward_agrees_with_plain_float64_math_to_table_precision():
    net = random_network([196, 16, 10], "sigmoid")
    images, _ = random_images(20)
    w1, b1 = net.layer(0)
    w2, b2 = net.layer(1)
    for image in images:
        h = 1 / (1 + np.exp(-(w1 @ image + b1)))
        z = w2 @ h + b2
        p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        result = net.forward(image)
        assert np.max(np.abs(result.probabilities - p)) < 2e-3
        assert result.prediction == int(np.argmax(z))


def test_prediction_takes_the_first_of_equal_outputs():
    net = random_network([196, 3, 10], "relu")
    _, b = net.layer(1)
    w, _ = net.layer(1)
    w[:] = 0.0
    b[:] = [0, 2, 1, 2, 0, 0, 0, 0, 0, 2]
    assert net.forward(np.zeros(196)).prediction == 1


@pytest.mark.parametrize("math_mode", ["tables", "native"])
@pytest.mark.parametrize("sizes,activation", [([196, 16, 10], "sigmoid"), ([196, 8, 4, 10], "relu")])
def test_training_lowers_the_loss(sizes, activation, math_mode):
    net = random_network(sizes, activation, math_mode=math_mode, rate=0.05)
    images, labels = random_images(60)
    losses = [net.train_epoch(images, labels) for _ in range(4)]
    assert losses[-1] < losses[0]
    assert all(np.isfinite(losses))


def test_training_changes_first_layer_weights_only_for_stroke_pixels():
    net = random_network([196, 4, 10], "sigmoid")
    before = net.weights.copy()
    image = np.zeros(196)
    image[[3, 50]] = 1
    net.train_step(image, 7)
    w_before = before[: 196 * 4].reshape(4, 196)
    w_after, _ = net.layer(0)
    changed = np.flatnonzero(np.any(w_after != w_before, axis=0))
    assert changed.tolist() == [3, 50]


def test_train_step_matches_the_textbook_gradient():
    """Same as dL/dW of cross-entropy through softmax and sigmoid, up to table precision."""
    net = random_network([196, 6, 10], "sigmoid", math_mode="native", rate=1.0)
    image, _ = random_images(1)
    x, label = image[0], 4
    w1, b1 = (a.copy() for a in net.layer(0))
    w2, b2 = (a.copy() for a in net.layer(1))
    h = 1 / (1 + np.exp(-(w1 @ x + b1)))
    z = w2 @ h + b2
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    d2 = p - np.eye(10)[label]
    d1 = (w2.T @ d2) * h * (1 - h)
    log_p = net.train_step(x, label)
    assert log_p == pytest.approx(math.log(p[label]), rel=1e-12)
    assert np.allclose(net.layer(1)[0], w2 - np.outer(d2, h), rtol=0, atol=1e-12)
    assert np.allclose(net.layer(0)[0], w1 - np.outer(d1, x), rtol=0, atol=1e-12)
    assert np.allclose(net.layer(0)[1], b1 - d1, rtol=0, atol=1e-12)


def test_test_pass_reports_percent_as_the_blocks_compute_it():
    net = random_network([196, 8, 10], "sigmoid")
    images, labels = random_images(30)
    predictions, accuracy = net.test(images, labels)
    assert accuracy == (int(np.sum(predictions == labels)) * 100) / 30


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="math"):
        random_network([196, 4, 10], "sigmoid", math_mode="exact")
    with pytest.raises(ValueError, match="activation"):
        random_network([196, 4, 10], "tanh")
