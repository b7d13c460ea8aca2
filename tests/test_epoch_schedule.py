"""A new order each epoch and a decaying learning rate, in blocks: scratch-vm and TurboWarp against the
reference's shuffle and training, bit for bit, over two short epochs."""

from __future__ import annotations

import numpy as np
import pytest

from sb3gen.project import build_network_project
from sb3gen.reference import ReferenceNetwork, schedule
from sb3gen.scratch import compile_project, pack_sb3
from sb3gen.vm import run_project


def test_park_miller_is_the_minimal_standard_generator():
    state = 1.0
    for _ in range(10_000):
        state = schedule.next_state(state)
    assert state == 1043618065  # Park & Miller (1988): the 10,000th value from seed 1


def test_a_plan_is_a_permutation_and_a_wrong_length_order_starts_from_one_to_n():
    plan = schedule.plan_epoch([], 50, 7, 0.2, 1.0, 2)
    assert sorted(plan.order) == list(range(1, 51)) and plan.order != list(range(1, 51))
    assert plan.rate == 0.2 / 3
    again = schedule.plan_epoch(plan.order, 50, plan.state, 0.2, 1.0, 3)
    assert sorted(again.order) == list(range(1, 51)) and again.order != plan.order


@pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])
def test_two_epochs_in_blocks_equal_the_reference_bit_for_bit(engine):
    rng = np.random.default_rng(1)
    sizes = [196, 16, 10]
    weights = np.concatenate([rng.uniform(-1, 1, 196 * 16) / 14, np.zeros(16),
                              rng.uniform(-1, 1, 160) / 4, np.zeros(10)])
    train = (rng.random((30, 196)) < 0.25).astype(int), rng.integers(0, 10, 30)
    test = (rng.random((5, 196)) < 0.25).astype(int), rng.integers(0, 10, 5)
    project = build_network_project(sizes, "sigmoid", weights, *train, *test, learning_rate=0.3,
                                    learning_rate_decay=0.5, shuffle_seed=12345)
    run = run_project(pack_sb3(compile_project(project)),
                      [{"broadcast": "train"}, {"read": True}, {"broadcast": "train"}, {"read": True}],
                      engine=engine)
    reference = ReferenceNetwork(sizes, "sigmoid", weights, 0.3)
    order, state = [], 12345.0
    for epoch, snapshot in enumerate(run.snapshots):
        stage = snapshot["Stage"]
        plan = schedule.plan_epoch(order, 30, state, 0.3, 0.5, epoch)
        loss = schedule.train_epoch(reference, *train, plan)
        assert [int(float(v)) for v in stage["lists"]["order"]] == plan.order
        assert float(stage["variables"]["random state"]) == plan.state
        assert float(stage["variables"]["loss"]) == loss
        assert np.array_equal(np.array(stage["lists"]["weights"], dtype=float), reference.weights)
        assert float(stage["variables"]["images done"]) == float(stage["variables"]["images total"]) == 30
        order, state = plan.order, plan.state
    assert run.snapshots[0]["Stage"]["lists"]["order"] != run.snapshots[1]["Stage"]["lists"]["order"]


def test_bad_schedule_settings_are_refused():
    from sb3gen.errors import Sb3genError

    images = np.zeros((2, 196), int)
    with pytest.raises(Sb3genError, match="shuffle seed"):
        build_network_project([196, 10], "sigmoid", np.zeros(1970), images, [0, 1], images, [0, 1],
                              shuffle_seed=0)
