"""numpy mirror of the teaching blocks (templates/network/teach.sb): corrections, training on my digits, and
the confusion matrix the Test pass leaves behind. Steps run in the blocks' order: weights agree bit for bit.

Both learn at the stage variable TEACHING_RATE: the caller sets the network's learning_rate to it.

Order of work (what the blocks do):
  correct   `steps per correction` times: forward pass of `input`, then one SGD step towards the label.
  my digits `my digits epochs` times, for each of my digits k in list order: one step on my digit k, then
            one step on each of the next `mixed training images` training images, taken in list order
            from a cursor that wraps around (the cursor is the stage variable `mix cursor`, 0-based).
  confusion item label * 10 + prediction + 1 counts the test images with that label and prediction;
            `digit accuracy` item d + 1 = correct of d * 100 / images of d (0 if there are none);
            `mistakes` = the 1-based numbers of the misclassified test images, in order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sb3gen.reference.network import ReferenceNetwork


def correct(network: ReferenceNetwork, image: np.ndarray, label: int, steps: int) -> None:
    """A correction: `steps` SGD steps on one image (the forward pass is redone before each)."""
    for _ in range(steps):
        network.train_step(image, label)


def train_my_digits(network: ReferenceNetwork, my_images: np.ndarray, my_labels: np.ndarray,
                    train_images: np.ndarray, train_labels: np.ndarray, *, epochs: int, mixed: int,
                    cursor: int) -> int:
    """Epochs over my digits, each followed by `mixed` training images; returns the new cursor."""
    for _ in range(epochs):
        for image, label in zip(my_images, my_labels, strict=True):
            network.train_step(image, int(label))
            for _ in range(mixed):
                cursor = cursor % len(train_labels)
                network.train_step(train_images[cursor], int(train_labels[cursor]))
                cursor = cursor + 1
    return cursor


@dataclass
class Mistakes:
    confusion: np.ndarray  # (10, 10) counts: row = true digit, column = predicted digit
    digit_accuracy: list[float]  # percent per true digit, as the blocks compute it
    mistakes: list[int]  # 1-based test image numbers that were misclassified


def count_mistakes(predictions: np.ndarray, labels: np.ndarray) -> Mistakes:
    confusion = np.zeros((10, 10), dtype=np.int64)
    mistakes = []
    for number, (predicted, label) in enumerate(zip(predictions, labels, strict=True), start=1):
        confusion[int(label), int(predicted)] += 1
        if int(predicted) != int(label):
            mistakes.append(number)
    accuracy = []
    for digit in range(10):
        total = int(confusion[digit].sum())
        accuracy.append(0 if total == 0 else (int(confusion[digit, digit]) * 100) / total)
    return Mistakes(confusion, accuracy, mistakes)
