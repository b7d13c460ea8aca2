"""The pad's `normalise the drawing` from the pen path, for many drawings at once in numpy.

Bit for bit sb3gen.reference.pad.normalise_drawing (the blocks' order of float64 operations): every stamp's
ink is the same elementwise arithmetic; a cell keeps the largest ink stamped on it, which does not depend
on the order of the stamps; the mass sums are running sums in the blocks' cell order (np.cumsum adds one
item after the other, unlike np.sum's pairwise sums). The reference loops take about 1 ms per drawing, this
about 0.03 ms: the redrawn training copies of a build are thousands of drawings.
"""

from __future__ import annotations

import numpy as np

from sb3gen.reference import pad as R
from sb3gen.reference.tables import js_round

WINDOW = 5  # cells per side a stamp may touch: the pen spans 2 x 1.9 = 3.8 cells, so 4 (one spare)
CHUNK = 2000  # drawings per batch: bounds the memory of the stamps (about 250 KB per drawing)


def normalise_paths(paths: list[R.PenPath]) -> np.ndarray:
    """(N, 784) float64 frames of non-empty pen paths, equal to R.normalise_drawing(pad, path) each."""
    if any(not path.xs for path in paths):
        raise ValueError("an empty pen path is normalised from the pad's cells (R.normalise)")
    parts = [_normalise_chunk(paths[start:start + CHUNK]) for start in range(0, len(paths), CHUNK)]
    return np.concatenate(parts) if parts else np.zeros((0, R.SIDE * R.SIDE))


def _normalise_chunk(paths: list[R.PenPath]) -> np.ndarray:
    boxes = draw_paths_into_boxes(paths)
    cells = np.arange(R.BOX * R.BOX)
    mass = np.cumsum(boxes, axis=1)[:, -1]
    mass_row = np.cumsum((cells // R.BOX) * boxes, axis=1)[:, -1]
    mass_column = np.cumsum((cells % R.BOX) * boxes, axis=1)[:, -1]
    return centre_by_mass(boxes, mass, mass_row, mass_column)


def draw_paths_into_boxes(paths: list[R.PenPath]) -> np.ndarray:
    """(N, 400) boxes: R.draw_path_into_box's box for each path."""
    n = len(paths)
    lengths = np.array([len(path.xs) for path in paths])
    owner = np.repeat(np.arange(n), lengths)
    xs = np.concatenate([path.xs for path in paths]).astype(np.float64)
    ys = np.concatenate([path.ys for path in paths]).astype(np.float64)
    joined = np.concatenate([path.joined for path in paths]) == 1
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])

    left, right = np.minimum.reduceat(xs, starts), np.maximum.reduceat(xs, starts)
    bottom, top = np.minimum.reduceat(ys, starts), np.maximum.reduceat(ys, starts)
    longest = right - left
    longest = np.where((top - bottom) > longest, top - bottom, longest)
    longest = np.where(longest < R.MIN_EXTENT, R.MIN_EXTENT, longest)
    scale = (longest / R.INNER_BOX)[owner]
    middle_x, middle_y = ((left + right) / 2)[owner], ((bottom + top) / 2)[owner]
    column = ((xs - middle_x) / scale) + R.BOX // 2
    row = ((middle_y - ys) / scale) + R.BOX // 2
    # the point before (0, 0 at a path's start, as the block's variables begin)
    last_row, last_column = np.roll(row, 1), np.roll(column, 1)
    last_row[starts] = last_column[starts] = 0.0

    # a joined point: stamps at steps 1..steps of the line from the point before; else one stamp on it
    steps = np.abs(column - last_column)
    steps = np.where(np.abs(row - last_row) > steps, np.abs(row - last_row), steps)
    steps = np.ceil(steps / R.PEN_STEP)
    count = np.where(joined, steps, 1).astype(np.int64)
    point = np.repeat(np.arange(len(xs)), count)
    step = (np.arange(len(point)) - np.repeat(np.cumsum(count) - count, count) + 1).astype(np.float64)
    on_line = joined[point]
    d_row, d_column = row - last_row, column - last_column
    n_steps = np.where(joined, steps, 1.0)  # a joined point that stamps has steps >= 1
    stamp_row = np.where(on_line, last_row[point] + (d_row[point] * step) / n_steps[point], row[point])
    stamp_column = np.where(on_line, last_column[point] + (d_column[point] * step) / n_steps[point],
                            column[point])
    return stamp_boxes(owner[point], stamp_row, stamp_column, n)


def stamp_boxes(owner: np.ndarray, row: np.ndarray, column: np.ndarray, n: int) -> np.ndarray:
    """R.stamp_pen of every stamp (row, column) into box `owner`: the largest ink per cell."""
    top = np.maximum(np.ceil((row - R.PEN_RADIUS) - 0.5), 0).astype(np.int64)
    bottom = np.minimum(np.floor((row + R.PEN_RADIUS) - 0.5), R.BOX - 1).astype(np.int64)
    left = np.maximum(np.ceil((column - R.PEN_RADIUS) - 0.5), 0).astype(np.int64)
    right = np.minimum(np.floor((column + R.PEN_RADIUS) - 0.5), R.BOX - 1).astype(np.int64)
    offsets = np.arange(WINDOW)
    box_row = top[:, None, None] + offsets[None, :, None]  # (stamps, WINDOW, 1)
    box_column = left[:, None, None] + offsets[None, None, :]  # (stamps, 1, WINDOW)
    row_distance = (box_row + 0.5) - row[:, None, None]
    column_distance = (box_column + 0.5) - column[:, None, None]
    squared = (row_distance * row_distance) + (column_distance * column_distance)
    inside = ((box_row <= bottom[:, None, None]) & (box_column <= right[:, None, None])
              & (squared < R.RADIUS_SQUARED))
    ink = np.where(squared < R.CORE_SQUARED, 1.0, (R.RADIUS_SQUARED - squared) / R.FADE)
    cell = owner[:, None, None] * (R.BOX * R.BOX) + box_row * R.BOX + box_column
    boxes = np.zeros(n * R.BOX * R.BOX)
    np.maximum.at(boxes, cell[inside], ink[inside])  # the box starts at 0: only ink > 0 is kept, as there
    return boxes.reshape(n, R.BOX * R.BOX)


def centre_by_mass(boxes: np.ndarray, mass: np.ndarray, mass_row: np.ndarray,
                   mass_column: np.ndarray) -> np.ndarray:
    """R.centre_by_mass of each box: (N, 784) frames."""
    n = len(boxes)
    heavy = mass > 0
    safe = np.where(heavy, mass, 1.0)
    default = (R.SIDE - R.BOX) // 2
    shift_row = np.where(heavy, js_round(R.CENTRE - mass_row / safe), default).astype(np.int64)
    shift_column = np.where(heavy, js_round(R.CENTRE - mass_column / safe), default).astype(np.int64)
    rows = np.arange(R.SIDE)[None, :, None] - shift_row[:, None, None]
    columns = np.arange(R.SIDE)[None, None, :] - shift_column[:, None, None]
    inside = (rows >= 0) & (rows <= R.BOX - 1) & (columns >= 0) & (columns <= R.BOX - 1)
    source = np.arange(n)[:, None, None] * (R.BOX * R.BOX) + np.clip(rows, 0, R.BOX - 1) * R.BOX \
        + np.clip(columns, 0, R.BOX - 1)
    frames = np.where(inside, boxes.reshape(-1)[source], 0.0)
    return frames.reshape(n, R.SIDE * R.SIDE)
