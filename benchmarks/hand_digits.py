"""Hand-made stroke digits: polylines written by hand (x to the right, y down, in a unit box), three ways of
writing each digit, drawn with mouse events in scratch-vm through the real project's pad.

    python benchmarks/hand_digits.py build/mnist.sb3 [--network build/network.json]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

Stroke = list[tuple[float, float]]

# digit -> variants -> strokes -> (x, y) points; the pen goes down at the first point of each stroke.
HAND_DIGITS: dict[int, list[list[Stroke]]] = {
    0: [[[(0.5, 0.0), (0.2, 0.15), (0.05, 0.5), (0.2, 0.88), (0.5, 1.0), (0.8, 0.88), (0.95, 0.5),
          (0.8, 0.12), (0.5, 0.0)]],
        [[(0.55, 0.02), (0.25, 0.1), (0.1, 0.45), (0.22, 0.9), (0.55, 1.0), (0.85, 0.8), (0.9, 0.4),
          (0.7, 0.05), (0.45, 0.05)]],
        [[(0.5, 0.0), (0.3, 0.2), (0.25, 0.5), (0.3, 0.8), (0.5, 1.0), (0.7, 0.8), (0.75, 0.5), (0.7, 0.2),
          (0.5, 0.0)]]],
    1: [[[(0.5, 0.0), (0.5, 1.0)]],
        [[(0.3, 0.2), (0.55, 0.0), (0.55, 1.0)]],
        [[(0.6, 0.0), (0.4, 1.0)]]],
    2: [[[(0.1, 0.25), (0.3, 0.03), (0.65, 0.0), (0.88, 0.2), (0.8, 0.45), (0.1, 1.0), (0.95, 1.0)]],
        [[(0.15, 0.2), (0.5, 0.0), (0.85, 0.15), (0.85, 0.4), (0.5, 0.7), (0.1, 0.98), (0.5, 0.9),
          (0.9, 0.95)]],
        [[(0.1, 0.3), (0.35, 0.05), (0.7, 0.05), (0.8, 0.3), (0.15, 0.95), (0.9, 0.95)]]],
    3: [[[(0.15, 0.1), (0.5, 0.0), (0.8, 0.15), (0.75, 0.38), (0.4, 0.5), (0.8, 0.62), (0.85, 0.85),
          (0.5, 1.0), (0.1, 0.9)]],
        [[(0.1, 0.05), (0.85, 0.05), (0.45, 0.45), (0.8, 0.6), (0.85, 0.85), (0.5, 1.0), (0.15, 0.9)]],
        [[(0.2, 0.15), (0.5, 0.0), (0.75, 0.2), (0.45, 0.48), (0.75, 0.7), (0.5, 1.0), (0.2, 0.85)]]],
    4: [[[(0.6, 0.0), (0.05, 0.65), (0.95, 0.65)], [(0.7, 0.3), (0.7, 1.0)]],
        [[(0.2, 0.0), (0.15, 0.55), (0.85, 0.55)], [(0.75, 0.0), (0.75, 1.0)]],
        [[(0.3, 0.0), (0.1, 0.5), (0.5, 0.55), (0.9, 0.5)], [(0.65, 0.1), (0.6, 1.0)]]],
    5: [[[(0.85, 0.0), (0.2, 0.0), (0.15, 0.45), (0.5, 0.38), (0.85, 0.55), (0.85, 0.85), (0.5, 1.0),
          (0.1, 0.9)]],
        [[(0.25, 0.0), (0.2, 0.45), (0.55, 0.4), (0.85, 0.6), (0.75, 0.9), (0.4, 1.0), (0.1, 0.85)],
         [(0.25, 0.0), (0.85, 0.0)]],
        [[(0.8, 0.05), (0.3, 0.05), (0.25, 0.42), (0.7, 0.45), (0.8, 0.75), (0.55, 0.98), (0.15, 0.9)]]],
    6: [[[(0.7, 0.0), (0.35, 0.25), (0.15, 0.6), (0.25, 0.92), (0.55, 1.0), (0.8, 0.8), (0.7, 0.55),
          (0.4, 0.52), (0.2, 0.7)]],
        [[(0.6, 0.0), (0.3, 0.4), (0.2, 0.8), (0.5, 1.0), (0.8, 0.8), (0.6, 0.55), (0.25, 0.7)]],
        [[(0.75, 0.05), (0.4, 0.1), (0.2, 0.5), (0.3, 0.95), (0.7, 0.95), (0.75, 0.65), (0.35, 0.6)]]],
    7: [[[(0.05, 0.05), (0.95, 0.05), (0.4, 1.0)]],
        [[(0.1, 0.1), (0.15, 0.0), (0.9, 0.0), (0.6, 0.5), (0.45, 1.0)], [(0.35, 0.5), (0.8, 0.5)]],
        [[(0.1, 0.0), (0.9, 0.0), (0.55, 0.45), (0.5, 1.0)]]],
    8: [[[(0.8, 0.1), (0.5, 0.0), (0.2, 0.15), (0.3, 0.4), (0.75, 0.62), (0.8, 0.88), (0.5, 1.0),
          (0.2, 0.88), (0.25, 0.62), (0.7, 0.38), (0.78, 0.15)]],
        [[(0.5, 0.5), (0.2, 0.3), (0.35, 0.02), (0.65, 0.02), (0.8, 0.3), (0.5, 0.5), (0.15, 0.75),
          (0.5, 1.0), (0.85, 0.75), (0.5, 0.5)]],
        [[(0.7, 0.05), (0.3, 0.05), (0.3, 0.4), (0.7, 0.6), (0.7, 0.95), (0.3, 0.95), (0.3, 0.6),
          (0.7, 0.4), (0.7, 0.05)]]],
    9: [[[(0.8, 0.2), (0.5, 0.0), (0.2, 0.2), (0.25, 0.45), (0.55, 0.5), (0.8, 0.3), (0.75, 1.0)]],
        [[(0.75, 0.15), (0.45, 0.0), (0.2, 0.25), (0.4, 0.5), (0.75, 0.35)], [(0.75, 0.05), (0.7, 1.0)]],
        [[(0.8, 0.25), (0.55, 0.0), (0.25, 0.1), (0.25, 0.4), (0.55, 0.45), (0.8, 0.25), (0.6, 0.7),
          (0.45, 1.0)]]],
}

# (height in pad cells, centre row, centre column): small, medium and large drawings in different places
PLACEMENTS = ((11, 8, 9), (18, 14, 15), (25, 14, 13))


def mouse_strokes(strokes: list[Stroke], height: float, row: float, column: float, geometry,
                  step: float = 5.0) -> list[list[tuple[int, int]]]:
    """Unit-box strokes -> whole stage pixels about `step` apart (a drag), digit `height` cells tall, its
    box centred on the cell (row, column); digits are about 0.6 as wide as tall."""
    width = 0.6 * height
    result = []
    for stroke in strokes:
        points = []
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:] + stroke[-1:], strict=True):
            start = (geometry.left + (column + (x0 - 0.5) * width) * geometry.cell,
                     geometry.top - (row + (y0 - 0.5) * height) * geometry.cell)
            end = (geometry.left + (column + (x1 - 0.5) * width) * geometry.cell,
                   geometry.top - (row + (y1 - 0.5) * height) * geometry.cell)
            count = max(1, int(np.hypot(end[0] - start[0], end[1] - start[1]) // step))
            points.extend((start[0] + (end[0] - start[0]) * k / count,
                           start[1] + (end[1] - start[1]) * k / count) for k in range(count))
        points.append(points[-1] if len(stroke) == 1 else (
            geometry.left + (column + (stroke[-1][0] - 0.5) * width) * geometry.cell,
            geometry.top - (row + (stroke[-1][1] - 0.5) * height) * geometry.cell))
        pixels = [(round(x), round(y)) for x, y in points]
        result.append([p for i, p in enumerate(pixels) if i == 0 or p != pixels[i - 1]])
    return result


def drawings(geometry):
    """(digit, mouse strokes) for every hand-made digit at every placement."""
    for digit, variants in HAND_DIGITS.items():
        for strokes in variants:
            for height, row, column in PLACEMENTS:
                yield digit, mouse_strokes(strokes, height, row, column, geometry)


def stroke_actions(positions: list[tuple[int, int]]) -> list[dict]:
    (x, y), *rest = positions
    actions: list[dict] = [{"mouse": {"x": x, "y": y, "down": True}}, {"steps": 1}]
    for x, y in rest:
        actions += [{"mouse": {"x": x, "y": y}}, {"steps": 1}]
    return actions + [{"mouse": {"x": x, "y": y, "down": False}}, {"idle": True}]


def vm_benchmark(sb3: Path, net=None):
    """Draws every hand-made digit with the mouse in scratch-vm; the project's answers as an Evaluation.
    With `net`, also checks each pad and answer against the reference (sb3gen.reference.pad)."""
    from drawn import pad_geometry

    from sb3gen.ml.evaluate import Evaluation
    from sb3gen.reference import pad as R
    from sb3gen.vm import run_project

    geometry = pad_geometry()
    cases = list(drawings(geometry))
    actions: list[dict] = [{"green_flag": True}]
    for _, strokes in cases:
        actions.append({"click": "Clear"})
        for stroke in strokes:
            actions += stroke_actions(stroke)
        actions.append({"read": True})
    result = run_project(sb3, actions, max_steps=100_000)
    predictions, mismatches = [], 0
    for (_, strokes), snapshot in zip(cases, result.snapshots, strict=True):
        stage = snapshot["Stage"]
        predictions.append(int(stage["variables"]["prediction"]))
        if net is not None:
            pad, path = R.empty_pad(), R.PenPath()
            for stroke in strokes:
                R.paint_stroke(pad, stroke, geometry, path)
            expected = int(net.forward(np.array([R.pad_to_input(pad, net.preprocess.to_dict(), path=path)]))
                           .argmax())
            mismatches += [float(v) for v in stage["lists"]["pad"]] != pad or expected != predictions[-1]
    if mismatches:
        raise AssertionError(f"{mismatches} drawings differ between scratch-vm and the reference")
    labels = np.array([digit for digit, _ in cases])
    return Evaluation(labels, np.array(predictions), "hand-made digits drawn with the mouse in scratch-vm")


def main(argv: list[str] | None = None) -> int:
    from drawn import per_digit_text

    from sb3gen.ml.network import Network

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sb3", type=Path)
    parser.add_argument("--network", type=Path,
                        help="network.json of the project: checks against the reference")
    args = parser.parse_args(argv)
    net = Network.load(args.network) if args.network else None
    hand = vm_benchmark(args.sb3, net)
    print(f"{hand.what}: {hand.summary()}")
    print(f"per digit {per_digit_text(hand)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
