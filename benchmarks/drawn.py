"""Drawn-digit benchmark: held-out digits redrawn as a person draws them on the project's pad.

    python benchmarks/drawn.py [--network build/network.json] [--vm SB3] [--images 1000] [--seed 0]
                               [--redraws 3]

1. Redrawn held-out digits (numpy, the pad's reference code): each held-out digit's skeleton (Zhang-Suen
   thinning) is traced into strokes, then drawn with the pad's own brush (sb3gen.reference.pad.paint_stroke,
   bit for bit the blocks) at a random height from a third of the pad to nearly all of it, at a random place,
   slightly slanted, the mouse sampled every few stage pixels like a person dragging. The pad and its pen path
   are then normalised and preprocessed by the same reference code (`predict pad`), and classified. Each digit
   is redrawn --redraws times (other heights, places and slants), and all of them are counted. Printed beside
   the accuracy of the same digits clean (the training preprocessing alone), with the gap by drawn height.
2. Hand-made stroke digits (--vm): the polylines in benchmarks/hand_digits.py drawn with mouse events in
   scratch-vm through the real project's pad, at several sizes and places; the project's own answers.

Accuracy figures are on held-out images only (never trained on, never used to choose a model).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from sb3gen.ml.redraw import redrawn_drawings
from sb3gen.reference import pad as R

ROOT = Path(__file__).resolve().parents[1]
BENCHMARK_SEED = 12345  # not a seed training uses


def pad_geometry() -> R.Geometry:
    from sb3gen.project.ui_layout import PAD

    return R.Geometry(PAD.left, PAD.top, PAD.cell)


# ---- the benchmark ----------------------------------------------------------------------------------------

def drawn_benchmark(net, images: np.ndarray, labels: np.ndarray, seed: int = 0, heights: list | None = None,
                    ink: list | None = None):
    """(clean Evaluation, drawn Evaluation) of the same digits; `heights`, if given, gets each redrawn
    digit's height on the pad in cells (its ink box); `ink` the share of ink pixels in the clean and in the
    redrawn inputs."""
    from sb3gen.ml.evaluate import Evaluation
    from sb3gen.ml.preprocess import preprocess

    settings = net.preprocess.to_dict()
    clean_inputs = preprocess(images, net.preprocess)
    clean = net.forward(clean_inputs).argmax(axis=1)
    drawings = redrawn_drawings(images, BENCHMARK_SEED + seed, pad_geometry())
    pads = [pad for pad, _ in drawings]
    inputs = np.array([R.pad_to_input(pad, settings, path=path) for pad, path in drawings], dtype=np.float64)
    drawn = net.forward(inputs).argmax(axis=1)
    if ink is not None:
        background = 1.0 if net.preprocess.invert else 0.0
        ink.extend([float(np.mean(clean_inputs != background)), float(np.mean(inputs != background))])
    labels = np.asarray(labels).astype(np.int64)
    if heights is not None:
        heights.extend(box[1] - box[0] + 1 if (box := R.find_ink_box(pad)) else 0 for pad in pads)
    return (Evaluation(labels, clean, "held-out digits, clean"),
            Evaluation(labels, drawn, "held-out digits redrawn on the pad"))


HEIGHT_BANDS = ((1, 13), (14, 18), (19, 23), (24, R.SIDE))  # cells of the 28-cell pad


def by_height_text(clean, drawn, heights: list[int]) -> list[str]:
    """Clean and drawn accuracy of the digits by how tall they were drawn: where the gap comes from."""
    heights_array = np.asarray(heights)
    right_clean = clean.predictions == clean.labels
    right_drawn = drawn.predictions == drawn.labels
    lines = []
    for low, high in HEIGHT_BANDS:
        band = (heights_array >= low) & (heights_array <= high)
        if band.any():
            was, now = right_clean[band].mean(), right_drawn[band].mean()
            lines.append(f"{f'drawn {low}-{high} cells tall':>36}: {band.sum()} digits, clean {was:.1%}, "
                         f"drawn {now:.1%} ({100 * (now - was):+.1f} points)")
    return lines


def held_out_images(data_path=None, n: int | None = None):
    from sb3gen.ml.dataset import load_mnist
    from sb3gen.ml.subsets import held_out_indices

    dataset = load_mnist(data_path)
    indices = held_out_indices(dataset.labels, dataset.test_start)
    if n is not None:
        indices = indices[:n]  # every prefix is class-balanced
    return dataset.images[indices], dataset.labels[indices]


def per_digit_text(evaluation) -> str:
    return " ".join(f"{d}:{'-' if a is None else f'{a:.0%}'}" for d, a in enumerate(evaluation.per_digit()))


def main(argv: list[str] | None = None) -> int:
    from sb3gen.ml.network import Network

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--network", type=Path, default=ROOT / "build" / "network.json")
    parser.add_argument("--images", type=int, help="first N held-out images (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--redraws", type=int, default=3,
                        help="times each held-out digit is redrawn (seeds --seed, --seed + 1, ...)")
    parser.add_argument("--vm", type=Path, metavar="SB3",
                        help="also draw the hand-made digits with the mouse in scratch-vm on this project")
    args = parser.parse_args(argv)
    net = Network.load(args.network)
    images, labels = held_out_images(n=args.images)
    from sb3gen.ml.evaluate import Evaluation

    print(f"network {net.describe()}")
    heights: list[int] = []
    ink: list[float] = []
    redrawn = []
    for k in range(max(args.redraws, 1)):
        clean, drawn = drawn_benchmark(net, images, labels, args.seed + k, heights, ink)
        redrawn.append(drawn)
        print(f"{f'redraw {k + 1} (seed {args.seed + k})':>36}: {drawn.accuracy:.1%}, "
              f"{100 * (drawn.accuracy - clean.accuracy):+.1f} points")
    # every redraw of every digit counted (drawings of one digit are not independent: the interval is narrow)
    drawn = Evaluation(np.concatenate([d.labels for d in redrawn]),
                       np.concatenate([d.predictions for d in redrawn]),
                       f"held-out digits redrawn {len(redrawn)}x")
    everyone = Evaluation(np.tile(clean.labels, len(redrawn)), np.tile(clean.predictions, len(redrawn)),
                          clean.what)
    for evaluation in (clean, drawn):
        print(f"{evaluation.what:>36}: {evaluation.summary()}")
        print(f"{'per digit':>36}  {per_digit_text(evaluation)}")
    print(f"drawn - clean: {100 * (drawn.accuracy - clean.accuracy):+.1f} points")
    print(f"ink pixels in the input: clean {ink[0]:.1%}, redrawn {np.mean(ink[1::2]):.1%}")
    print("\n".join(by_height_text(everyone, drawn, heights)))
    if args.vm:
        from hand_digits import vm_benchmark

        hand = vm_benchmark(args.vm, net)
        print(f"{hand.what:>36}: {hand.summary()}")
        print(f"{'per digit':>36}  {per_digit_text(hand)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
