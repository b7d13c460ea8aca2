"""Digits redrawn as a person draws them on the project's pad: for training and the drawn-digit benchmark.

A 28x28 digit's skeleton (Zhang-Suen thinning) is traced into pen strokes, placed on the pad at a random
height (a third of the pad to nearly all of it), place and slant, sampled as mouse positions a few stage
pixels apart like a drag, and painted with the pad's own brush (sb3gen.reference.pad, bit for bit the blocks).
The pad's MNIST normalisation then gives the 28x28 frame that `predict pad` preprocesses. Seeded: same images
and seed -> same frames.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sb3gen.reference import pad as R

MIN_HEIGHT, MAX_HEIGHT = 9.0, 26.0  # digit height in pad cells: a third of the 28-cell pad to nearly all
MAX_SLANT = 0.2  # columns per row, either way
MOUSE_STEP = 5.0  # stage pixels between the mouse positions a drag reports (the pad's cells are 7 px)
GEOMETRY = R.Geometry(left=-232, top=158, cell=7)  # the project's pad (sb3gen.project.ui_layout.PAD)


# Zhang-Suen's rule as two tables over a pixel's 8 neighbours P2..P9 (clockwise from north, bit k = P(k+2)):
# whether an ink pixel with those neighbours is removed in the first or the second sub-step.
RING = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


def _removal_tables() -> tuple[np.ndarray, np.ndarray]:
    codes = np.arange(256)
    p2, p3, p4, p5, p6, p7, p8, p9 = ring = [(codes >> k) & 1 for k in range(8)]
    neighbours = sum(ring)
    # 0 -> 1 changes going once round
    transitions = sum((1 - a) & b for a, b in zip(ring, ring[1:] + ring[:1], strict=True))
    removable = (neighbours >= 2) & (neighbours <= 6) & (transitions == 1)
    first = removable & ~((p2 & p4 & p6) | (p4 & p6 & p8)).astype(bool)
    second = removable & ~((p2 & p4 & p8) | (p2 & p6 & p8)).astype(bool)
    return first, second


REMOVE = _removal_tables()


def thin(binary: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning (Zhang & Suen 1984) of a bool image (H, W), or of many at once (N, H, W), to
    1-pixel-wide lines. Each image thins independently (and stops being worked on once a whole pass removes
    nothing), so a batch gives each image's own result."""
    binary = np.asarray(binary, dtype=bool)
    height, width = binary.shape[-2:]
    image = np.zeros((int(np.prod(binary.shape[:-2], dtype=np.int64)), height + 2, width + 2), np.uint8)
    image[:, 1:-1, 1:-1] = binary.reshape(-1, height, width)
    active = np.arange(len(image))
    while len(active):
        part = image[active]
        changed = np.zeros(len(active), bool)
        for table in REMOVE:  # each sub-step decides every pixel from the image before it
            code = np.zeros((len(active), height, width), np.uint8)
            for bit, (d_row, d_column) in enumerate(RING):
                code |= part[:, 1 + d_row:height + 1 + d_row, 1 + d_column:width + 1 + d_column] << bit
            remove = table[code] & (part[:, 1:-1, 1:-1] == 1)
            part[:, 1:-1, 1:-1][remove] = 0
            changed |= remove.any(axis=(1, 2))
        image[active] = part
        active = active[changed]
    return image[:, 1:-1, 1:-1].astype(bool).reshape(binary.shape)


NEIGHBOURS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


def trace_strokes(skeleton: np.ndarray) -> list[list[tuple[float, float]]]:
    """The skeleton's pixels as pen strokes: walks along unvisited 8-neighbour links, starting at line ends,
    so each link is drawn once; (row, column) points."""
    pixels = {(int(r), int(c)) for r, c in zip(*np.nonzero(skeleton), strict=True)}
    # links not yet drawn, per pixel; a diagonal link beside two 4-links would draw a small triangle
    remaining: dict[tuple[int, int], set[tuple[int, int]]] = {}
    for r, c in pixels:
        linked = set()
        for dr, dc in NEIGHBOURS:
            other = (r + dr, c + dc)
            if other not in pixels:
                continue
            if dr and dc and ((r, c + dc) in pixels or (r + dr, c) in pixels):
                continue
            linked.add(other)
        remaining[(r, c)] = linked
    degree = {p: len(linked) for p, linked in remaining.items()}
    strokes = []
    while True:
        ends = [p for p, linked in remaining.items() if linked]
        if not ends:
            break
        here = min(ends, key=lambda p: (degree[p] != 1, p))
        stroke = [here]
        while remaining[here]:
            step = min(remaining[here])
            remaining[here].discard(step)
            remaining[step].discard(here)
            stroke.append(step)
            here = step
        strokes.append([(float(r), float(c)) for r, c in stroke])
    strokes.extend([[(float(r), float(c))] for r, c in sorted(p for p in pixels if degree[p] == 0)])
    return strokes


def digit_strokes(images_uint8: np.ndarray, upsample: int = 3) -> list[list[list[tuple[float, float]]]]:
    """Strokes along the shape of each 28x28 MNIST digit (N, 28, 28; light ink on dark), in its pixel
    coordinates. The skeleton is taken at `upsample` times the resolution (bilinear), where thinning keeps
    small loops open and makes fewer spurs."""
    from sb3gen.ml.preprocess import resize_bilinear

    images = np.asarray(images_uint8)
    size = images.shape[-1] * upsample
    large = resize_bilinear(images.reshape(-1, *images.shape[-2:]).astype(np.float32) / np.float32(255), size)
    result = []
    for skeleton in thin(large > 0.5):
        strokes = trace_strokes(skeleton)
        result.append([[((r + 0.5) / upsample - 0.5, (c + 0.5) / upsample - 0.5) for r, c in stroke]
                       for stroke in strokes])
    return result


def place(strokes, rng: np.random.Generator, geometry: R.Geometry) -> list[list[tuple[int, int]]]:
    """Strokes (row, column) -> mouse positions (stage x, y): random height, place and slant."""
    points = np.array([p for stroke in strokes for p in stroke])
    top, bottom = points[:, 0].min(), points[:, 0].max()
    left, right = points[:, 1].min(), points[:, 1].max()
    height = rng.uniform(MIN_HEIGHT, MAX_HEIGHT)
    slant = rng.uniform(-MAX_SLANT, MAX_SLANT)
    scale = height / max(bottom - top + 1, (right - left + 1) / 1.0, 1.0)
    middle_row, middle_column = (top + bottom) / 2, (left + right) / 2
    # size on the pad (cells) after scaling and slanting; choose a place where it fits
    extent_rows = (bottom - top) * scale + 1
    extent_columns = (right - left) * scale + abs(slant) * extent_rows + 1
    centre_row = (rng.uniform(extent_rows / 2, R.SIDE - extent_rows / 2)
                  if extent_rows < R.SIDE else R.SIDE / 2)
    centre_column = (rng.uniform(extent_columns / 2, R.SIDE - extent_columns / 2)
                     if extent_columns < R.SIDE else R.SIDE / 2)
    placed = []
    for stroke in strokes:
        cells = []
        for row, column in stroke:
            r = (row - middle_row) * scale
            c = (column - middle_column) * scale - slant * r
            cells.append((centre_row + r, centre_column + c))
        placed.append(mouse_path(cells, geometry))
    return placed


def mouse_path(cells: list[tuple[float, float]], geometry: R.Geometry) -> list[tuple[int, int]]:
    """Cell coordinates (row, column; cell centres at .5 offsets of the index) -> whole stage pixels, about
    MOUSE_STEP apart, as a drag reports them."""
    stage = [(geometry.left + (c + 0.5) * geometry.cell, geometry.top - (r + 0.5) * geometry.cell)
             for r, c in cells]
    path = [stage[0]]
    for x, y in stage[1:]:
        px, py = path[-1]
        if math.hypot(x - px, y - py) >= MOUSE_STEP:
            path.append((x, y))
    if len(stage) > 1 and path[-1] != stage[-1]:
        path.append(stage[-1])
    return [(round(x), round(y)) for x, y in path]


def draw_on_pad(mouse_strokes: list[list[tuple[int, int]]], geometry: R.Geometry
                ) -> tuple[list[float], R.PenPath]:
    """The pad's cells and its pen path after these strokes."""
    pad, path = R.empty_pad(), R.PenPath()
    for stroke in mouse_strokes:
        R.paint_stroke(pad, stroke, geometry, path)
    return pad, path


def redrawn_drawings(images: np.ndarray, seed: int, geometry: R.Geometry = GEOMETRY
                     ) -> list[tuple[list[float], R.PenPath]]:
    """Every 28x28 digit (uint8, light on dark) redrawn on the pad: (pad, pen path) each."""
    rng = np.random.default_rng(seed)
    return [draw_on_pad(place(strokes, rng, geometry), geometry) for strokes in digit_strokes(images)]


def pen_path(mouse_strokes: list[list[tuple[int, int]]], geometry: R.Geometry) -> R.PenPath:
    """The pen path R.paint_stroke keeps for these strokes, without painting the pad's cells (only an empty
    path needs them)."""
    path = R.PenPath()
    for stroke in mouse_strokes:
        last = R.cell_under_mouse(*stroke[0], geometry)
        if not R.inside(*last):
            continue  # a press outside the pad draws nothing
        path.add(*stroke[0], 0)
        joined = 1
        for position in stroke[1:]:
            here = R.cell_under_mouse(*position, geometry)
            if here != last:
                last = here
                if R.inside(*here):
                    path.add(*position, joined)
                    joined = 1
                else:
                    joined = 0
    return path


def redrawn_copies(images: np.ndarray, seeds: list[int], geometry: R.Geometry = GEOMETRY,
                   step_done: Callable[[], None] | None = None) -> np.ndarray:
    """redrawn_frames for each seed, copy after copy: (len(seeds) * N, 28, 28) uint8. The skeletons are
    traced once, and the frames normalised many at once (sb3gen.ml.redraw_batch, bit for bit the pad's).
    step_done() after the strokes and after each copy (1 + len(seeds) steps)."""
    from sb3gen.ml.redraw_batch import normalise_paths

    step_done = step_done or (lambda: None)
    strokes = digit_strokes(images) if len(seeds) else []
    step_done()
    frames = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        placed = [place(digit, rng, geometry) for digit in strokes]
        paths = [pen_path(mouse, geometry) for mouse in placed]
        drawn = [k for k, path in enumerate(paths) if path.xs]
        copy = np.zeros((len(paths), R.SIDE * R.SIDE))
        copy[drawn] = normalise_paths([paths[k] for k in drawn])
        for k in sorted(set(range(len(paths))) - set(drawn)):  # nothing landed on the pad: its cells
            copy[k] = R.normalise(draw_on_pad(placed[k], geometry)[0])
        frames.append(copy)
        step_done()
    joined = np.concatenate(frames) if frames else np.zeros((0, R.SIDE * R.SIDE))
    return np.clip(np.rint(joined.reshape(-1, R.SIDE, R.SIDE) * 255), 0, 255).astype(np.uint8)


def redrawn_frames(images: np.ndarray, seed: int) -> np.ndarray:
    """Every digit redrawn on the pad and normalised like `predict pad` does: (N, 28, 28) uint8, as
    training images (the gray levels rounded to 1/255)."""
    return redrawn_copies(images, [seed])

