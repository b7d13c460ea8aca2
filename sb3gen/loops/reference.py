"""numpy mirror of the loop engine's blocks (templates/loops/network.sb), per sample.

  forward   each layer's kind forward, in order, from the input list; the probabilities are the last layer's
            output if it is softmax, else the softmax of its output (sb3gen.kinds.activation_math.softmax);
            prediction = the first largest probability's index.
  loss      log p[label] (V8's Math.log of p, p raised to NATIVE_LOG_FLOOR first so that it is finite), added
            to the epoch's `log sum`; loss = (0 - log sum) / images.
  backward  d loss / d logits = p with 1 subtracted at the label (p[label] + -1); then each kind's backward,
            last layer first, every error from the old weights;
  update    then each kind's update with the learning rate (the blocks do a dense layer's update inside its
            backward, right after each weight gave its error: the same numbers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sb3gen.kinds import Layer, kind
from sb3gen.kinds.activation_math import softmax
from sb3gen.loops.plan import ends_in_softmax
from sb3gen.reference.jsmath import js_log
from sb3gen.reference.network import NATIVE_LOG_FLOOR
from sb3gen.reference.schedule import EpochPlan


@dataclass(frozen=True)
class Forward:
    inputs: np.ndarray
    outputs: list[np.ndarray]  # each layer's output list
    probabilities: np.ndarray
    prediction: int


def forward(layers: Sequence[Layer], image: np.ndarray) -> Forward:
    x = np.asarray(image, dtype=np.float64).reshape(-1)
    outputs = []
    current = x
    for layer in layers:
        current = np.asarray(kind(layer.kind).forward(layer, current), dtype=np.float64)
        outputs.append(current)
    probabilities = current.copy() if ends_in_softmax(layers) else softmax(current)[0]
    return Forward(inputs=x, outputs=outputs, probabilities=probabilities,
                   prediction=first_largest(probabilities))


def first_largest(values: np.ndarray) -> int:
    best = 0
    for k in range(1, values.size):
        if values[k] > values[best]:
            best = k
    return best


def log_probability(p: float) -> float:
    return js_log(max(float(p), NATIVE_LOG_FLOOR))


def train_step(layers: Sequence[Layer], image: np.ndarray, label: int,
               rate: float) -> tuple[list[Layer], float, Forward]:
    """One per-sample SGD step: (the layers after it, log p[label], the forward pass it learned from)."""
    result = forward(layers, image)
    error = result.probabilities.copy()
    error[label] = error[label] + -1.0
    grads = []
    for index in range(len(layers) - 1, -1, -1):
        layer = layers[index]
        x = result.inputs if index == 0 else result.outputs[index - 1]
        error, layer_grads = kind(layer.kind).backward(layer, x, result.outputs[index], error)
        grads.append(layer_grads)
    grads.reverse()
    updated = [kind(layer.kind).update(layer, g, rate) for layer, g in zip(layers, grads, strict=True)]
    return updated, log_probability(result.probabilities[label]), result


def train_epoch(layers: Sequence[Layer], images: np.ndarray, labels: np.ndarray,
                plan: EpochPlan) -> tuple[list[Layer], float]:
    """One `train` epoch over the plan's order at its rate (sb3gen.reference.schedule): (layers, `loss`)."""
    current = list(layers)
    log_sum = 0.0
    for image in plan.order:
        current, log_p, _ = train_step(current, images[image - 1], int(labels[image - 1]), plan.rate)
        log_sum = log_sum + log_p
    return current, 0.0 - log_sum / len(labels)


def test(layers: Sequence[Layer], images: np.ndarray, labels: np.ndarray) -> tuple[list[int], float]:
    """`test`: every image's prediction, and accuracy = correct x 100 / images."""
    predictions = [forward(layers, image).prediction for image in images]
    correct = sum(int(p == int(label)) for p, label in zip(predictions, labels, strict=True))
    return predictions, correct * 100 / len(labels)
