"""A Keras-style mnist.npz of any size made from the embedded 5,000 digits (shifted copies), for testing the
full-MNIST case (60,000 train + 10,000 test) on machines that cannot download MNIST.

    python benchmarks/big_mnist.py OUT.npz [--train 60000] [--test 10000]

Copy k of every digit is shifted by SHIFTS[k] pixels (rows, columns) inside its 28x28 frame (the 4-pixel
border is empty in MNIST, so nothing is cut off); x_test takes the last copies, so no test image is a copy of
a training image at the same shift.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

SHIFTS = [(dr, dc) for dr in (0, -2, 2, -1, 1) for dc in (0, -2, 2, -1, 1)]  # 25 distinct shifts


def shifted_copies(images: np.ndarray, labels: np.ndarray, count: int, first_copy: int = 0):
    """`count` images: copy first_copy, first_copy + 1, ... of all images in turn."""
    parts, part_labels = [], []
    copy = first_copy
    while sum(len(p) for p in parts) < count:
        dr, dc = SHIFTS[copy % len(SHIFTS)]
        parts.append(np.roll(np.roll(images, dr, axis=1), dc, axis=2))
        part_labels.append(labels)
        copy += 1
    return np.concatenate(parts)[:count], np.concatenate(part_labels)[:count]


def make_npz(path: Path, n_train: int = 60_000, n_test: int = 10_000) -> None:
    from sb3gen.ml.dataset import load_mnist

    data = load_mnist(None)
    train_copies = -(-n_train // len(data))
    x_train, y_train = shifted_copies(data.images, data.labels, n_train)
    x_test, y_test = shifted_copies(data.images, data.labels, n_test, first_copy=train_copies)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--train", type=int, default=60_000)
    parser.add_argument("--test", type=int, default=10_000)
    args = parser.parse_args()
    make_npz(args.out, args.train, args.test)
    print(f"wrote {args.out}: {args.train:,} train + {args.test:,} test images")
    return 0


if __name__ == "__main__":
    sys.exit(main())
