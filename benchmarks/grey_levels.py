"""How many grey levels the 28x28 grey input format stores (docs/grey-input.md): for each number of levels,
the stored bytes per image of the 5,000 embedded images (grey_codec's scheme: runs of zeros, one symbol per
middle level, runs of full ink, the 64 - (levels - 2) run symbols split between the two runs the way that
makes the images shortest), and the held-out accuracy of Keras models trained and tested on images quantized
to those levels (5 folds of 4,000 / 1,000 images, the same folds and seeds for every level, so the levels
are compared pair by pair).

    python benchmarks/grey_levels.py [--models mlp,cnn] [--levels 2,4,8,16,32,64,256]

mlp: Flatten, Dense 128 relu, Dense 10 softmax (every Keras tutorial's first model), 15 epochs;
cnn: Conv2D 8 3x3 relu, MaxPooling 2x2, Conv2D 16 3x3 relu, MaxPooling 2x2, Flatten, Dense 10 softmax,
10 epochs. Both Adam, batch 32, one CPU thread.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from sb3gen.ml.dataset import load_mnist
from sb3gen.reference.grey import quantized

SYMBOLS = 64
FOLDS = 5


def run_lengths(levels: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray]:
    """Per image, the lengths of its runs of zeros and of its runs of full ink (the trailing zeros left out,
    as they are not stored)."""
    zero_runs, ink_runs = [], []
    for row in levels:
        starts = np.r_[0, np.flatnonzero(np.diff(row)) + 1]
        lengths = np.diff(np.r_[starts, len(row)])
        values = row[starts]
        if values[-1] == 0:
            values, lengths = values[:-1], lengths[:-1]
        zero_runs.append(lengths[values == 0])
        ink_runs.append(lengths[values == top])
    return zero_runs, ink_runs


def stored_bytes(images: np.ndarray, levels: int) -> tuple[float, int, int]:
    """(mean, max) bytes per image in project.json (symbols + quotes + comma) at the best split, and the
    longest zero run a symbol then covers. Past 64 levels the middle levels alone need more than 62 symbols:
    (nan, 0, 0)."""
    singles = levels - 2
    if singles + 2 > SYMBOLS:
        return float("nan"), 0, 0
    values = quantized(images.reshape(len(images), -1) / 255, levels) * (levels - 1)
    q = np.rint(values).astype(np.int64)
    zero_runs, ink_runs = run_lengths(q, levels - 1)
    middle = ((q > 0) & (q < levels - 1)).sum(axis=1)
    best: tuple[float, int, int] | None = None
    for zero_longest in range(1, SYMBOLS - singles):
        ink_longest = SYMBOLS - singles - zero_longest
        sizes = np.array([(-(-z // zero_longest)).sum() + (-(-k // ink_longest)).sum()
                          for z, k in zip(zero_runs, ink_runs, strict=True)]) + middle + 3
        if best is None or sizes.mean() < best[0]:
            best = (float(sizes.mean()), int(sizes.max()), zero_longest)
    assert best is not None
    return best


def model(kind: str):
    import keras

    if kind == "mlp":
        return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                                 keras.layers.Dense(128, activation="relu"),
                                 keras.layers.Dense(10, activation="softmax")])
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Conv2D(16, 3, activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                             keras.layers.Dense(10, activation="softmax")])


def accuracy(images: np.ndarray, labels: np.ndarray, levels: int, kind: str) -> float:
    """Held-out accuracy over the 5 folds (every image tested once) of `kind` trained on quantized images."""
    import keras

    x = quantized(images.reshape(len(images), -1) / 255, levels).astype(np.float32).reshape(-1, 28, 28, 1)
    folds = np.random.default_rng(0).permutation(len(images)).reshape(FOLDS, -1)
    right = 0
    for fold, test in enumerate(folds):
        train = np.setdiff1d(np.arange(len(images)), test)
        keras.utils.set_random_seed(fold)
        net = model(kind)
        net.compile("adam", "sparse_categorical_crossentropy")
        net.fit(x[train], labels[train], epochs=15 if kind == "mlp" else 10, batch_size=32, verbose=0)
        right += int((net.predict(x[test], verbose=0).argmax(1) == labels[test]).sum())
    return right / len(images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="mlp,cnn")
    parser.add_argument("--levels", default="2,4,8,16,32,64,256")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    data = load_mnist(log=lambda *_: None)
    images, labels = data.images.astype(np.int64), data.labels.astype(np.int64)
    kinds = [k for k in args.models.split(",") if k]
    if kinds:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    print("levels | bytes per image (mean, max) | longest zero run | " + " | ".join(kinds))
    for levels in (int(n) for n in args.levels.split(",")):
        mean, most, zero_longest = stored_bytes(images, levels)
        scores = [f"{accuracy(images, labels, levels, kind) * 100:.2f}%" for kind in kinds]
        print(f"{levels} | {mean:.1f}, {most} | {zero_longest} | " + " | ".join(scores), flush=True)


if __name__ == "__main__":
    main()
