"""Class-balanced, seeded, disjoint train/test selections of image indices."""

from __future__ import annotations

import json
import os

import numpy as np

from sb3gen.errors import Sb3genError
from sb3gen.files import write_text_atomic

N_CLASSES = 10


def per_class_counts(n: int) -> np.ndarray:
    """n images over 10 classes as evenly as possible; the first n % 10 digits get one more."""
    counts = np.full(N_CLASSES, n // N_CLASSES)
    counts[: n % N_CLASSES] += 1
    return counts


def select_subsets(labels: np.ndarray, n_train: int = 600, n_test: int = 100,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices (int64) of a training and a test subset: each class equally represented, no index in both,
    the same for the same labels and seed. Each subset is in a seeded shuffled order (MNIST files are often
    sorted by class, and the Scratch project trains through its subset in order)."""
    labels = np.asarray(labels)
    if n_train < 0 or n_test < 0:
        raise Sb3genError(f"subset sizes must not be negative (train {n_train}, test {n_test})")
    rng = np.random.default_rng(seed)
    train_counts, test_counts = per_class_counts(n_train), per_class_counts(n_test)
    train_parts, test_parts = [], []
    for digit in range(N_CLASSES):
        members = rng.permutation(np.flatnonzero(labels == digit))
        needed = test_counts[digit] + train_counts[digit]
        if len(members) < needed:
            raise Sb3genError(f"the data has {len(members)} images of digit {digit}; {n_train} train + "
                              f"{n_test} test images need {needed}")
        test_parts.append(members[: test_counts[digit]])
        train_parts.append(members[test_counts[digit] : needed])
    train = rng.permutation(np.concatenate(train_parts)).astype(np.int64)
    test = rng.permutation(np.concatenate(test_parts)).astype(np.int64)
    return train, test


def write_subsets(path: str | os.PathLike, *, data_source: str, data_images: int, seed: int,
                  train_indices: np.ndarray, test_indices: np.ndarray) -> None:
    """subsets.json: which images of which data the project carries, so a run can be traced back."""
    record = {"data_source": data_source, "data_images": data_images, "seed": seed,
              "train_indices": train_indices.tolist(), "test_indices": test_indices.tolist()}
    write_text_atomic(path, json.dumps(record) + "\n")
