"""Class-balanced, seeded selections of image indices: the held-out set, and the subsets a project carries.

The held-out set is chosen first and never depends on the training seed: it is never trained on and never
used to choose a model (Keras' validation split comes from the other images). It is MNIST's own 10,000 test
images when the data has that split, else HELD_OUT_IMAGES class-balanced images (a fifth of smaller data).
It is stored in a class-interleaved order, so every prefix is class-balanced: the project's `test images`
are a prefix of it (all of it by default).
"""

from __future__ import annotations

import json
import os

import numpy as np

from sb3gen.errors import Sb3genError
from sb3gen.files import write_text_atomic

N_CLASSES = 10
HELD_OUT_IMAGES = 1000
HELD_OUT_SEED = 0  # fixed: the same held-out images whatever --seed trains with


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


def held_out_indices(labels: np.ndarray, test_start: int | None = None) -> np.ndarray:
    """The held-out images (int64 indices), class-interleaved: MNIST's own test split (test_start to the
    end) when given, else HELD_OUT_IMAGES class-balanced images (a fifth of the data when it has fewer
    than 5 x that many)."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(HELD_OUT_SEED)
    if test_start is not None and 0 < test_start < len(labels):
        candidates = np.arange(test_start, len(labels))
        by_class = [rng.permutation(candidates[labels[candidates] == d]) for d in range(N_CLASSES)]
    else:
        n = min(HELD_OUT_IMAGES, len(labels) // 5)
        counts = per_class_counts(n)
        by_class = []
        for digit in range(N_CLASSES):
            members = rng.permutation(np.flatnonzero(labels == digit))
            if len(members) < 2 * counts[digit]:
                raise Sb3genError(f"the data has {len(members)} images of digit {digit}: too few to hold "
                                  f"{counts[digit]} out for testing and train on the rest")
            by_class.append(members[: counts[digit]])
    return interleave(by_class, rng)


def interleave(by_class: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """One image of each class per round (classes in a shuffled order each round) until all are used."""
    rounds = max(len(part) for part in by_class)
    order = []
    for k in range(rounds):
        for digit in rng.permutation(len(by_class)):
            if k < len(by_class[digit]):
                order.append(by_class[digit][k])
    return np.asarray(order, dtype=np.int64)


def project_subsets(labels: np.ndarray, held_out: np.ndarray, n_train: int | None, n_test: int,
                    seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The project's training images and test images (the first n_test held-out images: class-balanced and
    class-interleaved). Training images: n_train None takes every image not held out, class-interleaved in
    a seeded order; a number takes a class-balanced seeded subset of them (the articles' 600)."""
    labels = np.asarray(labels)
    if n_test > len(held_out):
        raise Sb3genError(f"{n_test} test images requested but the held-out set has {len(held_out)}")
    rest = np.setdiff1d(np.arange(len(labels)), held_out)
    if n_train is None:
        rng = np.random.default_rng(seed)
        train = interleave([rng.permutation(rest[labels[rest] == d]) for d in range(N_CLASSES)], rng)
    else:
        train_local, _ = select_subsets(labels[rest], n_train, 0, seed)
        train = rest[train_local]
    return train, np.asarray(held_out[:n_test], dtype=np.int64)


def write_subsets(path: str | os.PathLike, *, data_source: dict, data_images: int, seed: int,
                  train_indices: np.ndarray, test_indices: np.ndarray,
                  held_out_indices: np.ndarray | None = None) -> None:
    """subsets.json: which images of which data the project carries and which are held out, so a run can
    be traced back."""
    record = {"data_source": data_source, "data_images": data_images, "seed": seed,
              "train_indices": train_indices.tolist(), "test_indices": test_indices.tolist()}
    if held_out_indices is not None:
        record["held_out_indices"] = held_out_indices.tolist()
    write_text_atomic(path, json.dumps(record) + "\n")
