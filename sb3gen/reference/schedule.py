"""numpy mirror of the blocks that prepare each training epoch (templates/network/passes.sb): a new order of
the training images from a seeded generator, and a learning rate that decays with the epoch.

The generator is Park-Miller's minimal standard, state = state x 16807 mod 2147483647: every product is below
2^46, so float64 (Scratch's numbers) computes it exactly. The shuffle is Fisher-Yates over the list `order`
(positions N down to 2, each swapped with position (state mod position) + 1). The epoch's learning rate is
LEARNING_RATE / (1 + epoch x LEARNING_RATE_DECAY), epoch counting the epochs trained before this one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MULTIPLIER = 16807.0
MODULUS = 2147483647.0


def next_state(state: float) -> float:
    return (state * MULTIPLIER) % MODULUS  # exact: state < 2^31, product < 2^46; JS and Python % agree here


def epoch_rate(learning_rate: float, decay: float, epoch: float) -> float:
    return learning_rate / (1.0 + epoch * decay)


@dataclass
class EpochPlan:
    order: list[int]  # 1-based image numbers, the order `train` goes through
    state: float  # `random state` after the shuffle
    rate: float  # the learning rate of this epoch


def plan_epoch(order: Sequence[float], n_images: int, state: float, learning_rate: float, decay: float,
               epoch: float) -> EpochPlan:
    """What `prepare the epoch` does: `order` back to 1..N when its length is not N, then shuffled."""
    items = [int(v) for v in order] if len(order) == n_images else list(range(1, n_images + 1))
    state = float(state)
    for position in range(n_images, 1, -1):
        state = next_state(state)
        other = int(state % position) + 1
        items[position - 1], items[other - 1] = items[other - 1], items[position - 1]
    return EpochPlan(items, state, epoch_rate(learning_rate, decay, epoch))


def train_epoch(network, images: np.ndarray, labels: np.ndarray, plan: EpochPlan) -> float:
    """One `train` epoch of a ReferenceNetwork over the plan's order at its rate; returns `loss`."""
    network.learning_rate = plan.rate
    log_sum = 0.0
    for image in plan.order:
        log_sum = log_sum + network.train_step(images[image - 1], int(labels[image - 1]))
    return (0.0 - log_sum) / len(labels)
