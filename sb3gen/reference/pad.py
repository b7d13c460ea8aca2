"""The drawing pad's blocks in Python: brush strokes, the pen path, MNIST-style normalisation, the training
preprocessing.

Every function mirrors a custom block of templates/ui/pad.sb or templates/ui/normalise.sb operation by
operation, in the same order, on Python floats (float64, like Scratch), so the results are bit-for-bit those
of the VM. Cells are 0-based (row, column) here and in the blocks' variables; list items are 1-based in the
blocks only.

The pad keeps two things: its cells (`pad`, painted with a 3-cell brush: what the child sees) and the pen
path (the mouse positions, one per cell entered, and where strokes start). Normalisation (MNIST's own
recipe, done in blocks):
1. a drawing: the pen path's extent (longest side) is scaled to the 20x20 box less the pen's radius on each
   side, and the strokes are drawn again into the box with a pen of a fixed width in box pixels, so a small
   drawing gets strokes as thin as a large one's (scaling the cells would thicken them);
   an image on the pad (no path): the ink box of the cells > 0 is resampled (aspect kept) into the 20x20 box
   by bilinear interpolation; box cell (i, j) samples the pad at centre + (i + 0.5 - 10) * scale - 0.5
   (half-pixel centres, scale = longest side / 20, cells outside the pad read 0);
   either way the box's centre of mass is summed;
2. centre: the box is placed in the 28x28 frame shifted by round(14 - centre of mass) rows/columns
   (Scratch's round: halves go up), so the mass sits in the frame's middle; what falls outside is cut.
Then the training images' own steps: crop the border, bilinear resize with TensorFlow's half-pixel rule
(lower = max(floor, 0), upper = min(ceil, n - 1), weight = src - floor), threshold `>`, optional invert;
or, for a model of MNIST's 28x28 grey frame, the frame itself rounded to the grey images' levels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from sb3gen.reference.grey import LEVELS, quantized
from sb3gen.reference.tables import js_round

SIDE = 28  # MNIST's frame
BOX = 20  # MNIST's digit box
CENTRE = 14.0  # where MNIST puts the centre of mass (cell-index coordinates; measured mean 14.05, 14.01)

# The soft brush: (row offset, column offset, ink added); sums are capped at 1.
BRUSH: tuple[tuple[int, int, float], ...] = (
    (0, 0, 1.0),
    (-1, 0, 0.5), (1, 0, 0.5), (0, -1, 0.5), (0, 1, 0.5),
    (-1, -1, 0.25), (-1, 1, 0.25), (1, -1, 0.25), (1, 1, 0.25),
)


def scratch_round(x: float) -> int:
    """Scratch's `round` (JavaScript Math.round): halves go towards +infinity."""
    return int(js_round(x))


@dataclass(frozen=True)
class Geometry:
    """The pad on the stage: top-left corner and cell size in Scratch pixels (see ui_layout.PadGeometry)."""

    left: int
    top: int
    cell: int


def cell_under_mouse(mouse_x: int, mouse_y: int, geometry: Geometry) -> tuple[int, int]:
    """`find the cell under the mouse`: may lie outside the pad."""
    row = math.floor((geometry.top - mouse_y) / geometry.cell)
    column = math.floor((mouse_x + -geometry.left) / geometry.cell)
    return row, column


def inside(row: int, column: int) -> bool:
    return -1 < row < SIDE and -1 < column < SIDE


def add_ink(pad: list[float], amount: float, row: int, column: int) -> None:
    if inside(row, column):
        cell = row * SIDE + column
        ink = pad[cell] + amount
        if ink > 1:
            ink = 1.0
        pad[cell] = ink


def paint_brush(pad: list[float], row: int, column: int) -> None:
    for d_row, d_column, amount in BRUSH:
        add_ink(pad, amount, row + d_row, column + d_column)


def paint_line(pad: list[float], last: tuple[int, int], to: tuple[int, int]) -> None:
    """`paint line to row () column ()`: a brush on every cell between the last cell and this one."""
    last_row, last_column = last
    row, column = to
    steps = abs(row - last_row)
    if abs(column - last_column) > steps:
        steps = abs(column - last_column)
    for step in range(1, steps + 1):
        paint_brush(
            pad,
            scratch_round(last_row + ((row - last_row) * step) / steps),
            scratch_round(last_column + ((column - last_column) * step) / steps),
        )


@dataclass
class PenPath:
    """The lists `pen x`, `pen y`, `pen joined`: the mouse positions (stage pixels) at which the drawing
    loop entered a new cell of the pad; joined 1 = a line from the position before, 0 = a stroke starts."""

    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)
    joined: list[int] = field(default_factory=list)

    def add(self, x: float, y: float, joined: int) -> None:
        self.xs.append(float(x))
        self.ys.append(float(y))
        self.joined.append(joined)


def paint_stroke(pad: list[float], mouse_positions: Sequence[tuple[int, int]], geometry: Geometry,
                 path: PenPath | None = None) -> None:
    """One press-drag-release: the mouse positions the drawing loop saw, the press first. `path` gets the
    positions the pen path keeps: those in a cell of the pad, each one in a new cell."""
    path = PenPath() if path is None else path
    last = cell_under_mouse(*mouse_positions[0], geometry)
    if not inside(*last):
        return  # a press outside the pad draws nothing
    paint_brush(pad, *last)
    path.add(*mouse_positions[0], 0)
    joined = 1
    for position in mouse_positions[1:]:
        here = cell_under_mouse(*position, geometry)
        if here != last:
            paint_line(pad, last, here)
            last = here
            if inside(*here):
                path.add(*position, joined)
                joined = 1
            else:
                joined = 0  # a line that left the pad: the next position inside starts a new stroke


def empty_pad() -> list[float]:
    return [0.0] * (SIDE * SIDE)


def find_ink_box(pad: Sequence[float]) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) of the cells > 0, or None for an empty pad."""
    found = False
    top = bottom = left = right = 0
    index = 0
    for row in range(SIDE):
        for column in range(SIDE):
            if pad[index] > 0:
                if not found:
                    found = True
                    top, left, right = row, column, column
                bottom = row
                if column < left:
                    left = column
                if column > right:
                    right = column
            index += 1
    return (top, bottom, left, right) if found else None


def read_pad(pad: Sequence[float], row: int, column: int) -> float:
    if row < 0 or row > SIDE - 1 or column < 0 or column > SIDE - 1:
        return 0.0
    return float(pad[row * SIDE + column])


def scale_into_box(pad: Sequence[float],
                   ink_box: tuple[int, int, int, int]) -> tuple[list[float], float, float, float]:
    """The 20x20 box (row-major) and its mass, mass-weighted row sum and column sum."""
    top, bottom, left, right = ink_box
    ink_height = (bottom - top) + 1
    ink_width = (right - left) + 1
    longest = ink_width if ink_width > ink_height else ink_height
    scale = longest / BOX
    centre_row = top + ink_height / 2
    centre_column = left + ink_width / 2
    box: list[float] = []
    mass = mass_row = mass_column = 0.0
    for box_row in range(BOX):
        source_row = (centre_row + ((box_row + 0.5) - 10) * scale) - 0.5
        row = math.floor(source_row)
        row_weight = source_row - row
        for box_column in range(BOX):
            source_column = (centre_column + ((box_column + 0.5) - 10) * scale) - 0.5
            column = math.floor(source_column)
            column_weight = source_column - column
            top_left = read_pad(pad, row, column)
            top_right = read_pad(pad, row, column + 1)
            bottom_left = read_pad(pad, row + 1, column)
            bottom_right = read_pad(pad, row + 1, column + 1)
            ink = ((1 - row_weight) * (((1 - column_weight) * top_left) + (column_weight * top_right))) + (
                row_weight * (((1 - column_weight) * bottom_left) + (column_weight * bottom_right))
            )
            box.append(ink)
            mass = mass + ink
            mass_row = mass_row + box_row * ink
            mass_column = mass_column + box_column * ink
    return box, mass, mass_row, mass_column


def centre_by_mass(box: Sequence[float], mass: float, mass_row: float, mass_column: float) -> list[float]:
    """The 28x28 frame with the box shifted so that its centre of mass is in the middle."""
    if mass > 0:
        shift_row = scratch_round(CENTRE - mass_row / mass)
        shift_column = scratch_round(CENTRE - mass_column / mass)
    else:
        shift_row = shift_column = (SIDE - BOX) // 2
    frame: list[float] = []
    for row in range(SIDE):
        for column in range(SIDE):
            box_row = row - shift_row
            box_column = column - shift_column
            if box_row < 0 or box_row > BOX - 1 or box_column < 0 or box_column > BOX - 1:
                frame.append(0.0)
            else:
                frame.append(box[box_row * BOX + box_column])
    return frame


# The pen: what `normalise the drawing` draws the pen path with, in pixels of the 20x20 box, whatever the
# drawing's size: full ink within PEN_CORE of the path, fading (linearly in the squared distance) to none at
# PEN_RADIUS. Chosen on 600 training images (none held out) redrawn on the pad, so that their inputs carry
# as much ink as the same images' own: 28.4% of the pixels against 28.1% (1.6 gave 24.4%, 1.8 27.1%).
PEN_RADIUS = 1.9
PEN_CORE = 0.95
PEN_STEP = 0.5  # box pixels between the pen's stamps along a line
MIN_EXTENT = 7.0  # stage pixels (one cell): a dot is scaled as if it were this long
RADIUS_SQUARED = PEN_RADIUS * PEN_RADIUS
CORE_SQUARED = PEN_CORE * PEN_CORE
INNER_BOX = BOX - 2 * PEN_RADIUS  # the path's longest side: the box less the pen's radius each side
FADE = RADIUS_SQUARED - CORE_SQUARED


def stamp_pen(box: list[float], row: float, column: float) -> None:
    """`stamp the pen at row () column ()`: ink around a point of the box (cell centres at .5), kept where it
    is darker than what the box has."""
    top = math.ceil((row - PEN_RADIUS) - 0.5)
    bottom = math.floor((row + PEN_RADIUS) - 0.5)
    left = math.ceil((column - PEN_RADIUS) - 0.5)
    right = math.floor((column + PEN_RADIUS) - 0.5)
    if top < 0:
        top = 0
    if bottom > BOX - 1:
        bottom = BOX - 1
    if left < 0:
        left = 0
    if right > BOX - 1:
        right = BOX - 1
    for box_row in range(top, bottom + 1):
        row_distance = (box_row + 0.5) - row
        for box_column in range(left, right + 1):
            column_distance = (box_column + 0.5) - column
            squared_distance = (row_distance * row_distance) + (column_distance * column_distance)
            if squared_distance < RADIUS_SQUARED:
                ink = 1.0 if squared_distance < CORE_SQUARED else (RADIUS_SQUARED - squared_distance) / FADE
                cell = box_row * BOX + box_column
                if ink > box[cell]:
                    box[cell] = ink


def draw_path_into_box(path: PenPath) -> tuple[list[float], float, float, float]:
    """`draw the pen path into a 20x20 box`: the path's extent (longest side) scaled to the box less the pen's
    radius on each side, drawn with the pen; the box and its mass sums, as scale_into_box gives them."""
    left = right = path.xs[0]
    bottom = top = path.ys[0]
    for x, y in zip(path.xs, path.ys, strict=True):
        if x < left:
            left = x
        if x > right:
            right = x
        if y < bottom:
            bottom = y
        if y > top:
            top = y
    longest = right - left
    if (top - bottom) > longest:
        longest = top - bottom
    if longest < MIN_EXTENT:
        longest = MIN_EXTENT
    scale = longest / INNER_BOX  # stage pixels per box pixel
    middle_x = (left + right) / 2
    middle_y = (bottom + top) / 2
    box = [0.0] * (BOX * BOX)
    last_row = last_column = 0.0
    for x, y, joined in zip(path.xs, path.ys, path.joined, strict=True):
        column = ((x - middle_x) / scale) + BOX // 2
        row = ((middle_y - y) / scale) + BOX // 2
        if joined == 1:
            steps = abs(column - last_column)
            if abs(row - last_row) > steps:
                steps = abs(row - last_row)
            steps = math.ceil(steps / PEN_STEP)
            for step in range(1, steps + 1):
                stamp_pen(box, last_row + ((row - last_row) * step) / steps,
                          last_column + ((column - last_column) * step) / steps)
        else:
            stamp_pen(box, row, column)
        last_column, last_row = column, row
    mass = mass_row = mass_column = 0.0
    cell = 0
    for box_row in range(BOX):
        for box_column in range(BOX):
            ink = box[cell]
            mass = mass + ink
            mass_row = mass_row + box_row * ink
            mass_column = mass_column + box_column * ink
            cell += 1
    return box, mass, mass_row, mass_column


def normalise_drawing(pad: Sequence[float], path: PenPath | None) -> list[float]:
    """`normalise the drawing`: from the pen path when there is one (the strokes at MNIST's width whatever
    their size), else from the pad's cells (a training image or a picture on the pad)."""
    if path is None or not path.xs:
        return normalise(pad)
    return centre_by_mass(*draw_path_into_box(path))


def normalise(pad: Sequence[float]) -> list[float]:
    """`normalise the drawing`: pad (784) -> MNIST-style frame (784)."""
    ink_box = find_ink_box(pad)
    if ink_box is None:
        return [0.0] * (SIDE * SIDE)
    return centre_by_mass(*scale_into_box(pad, ink_box))


def _source(index: int, in_size: int, out_size: int) -> tuple[int, int, float]:
    source = ((index + 0.5) * (in_size / out_size)) - 0.5
    lower = math.floor(source)
    weight = source - lower
    upper = math.ceil(source)
    if upper > in_size - 1:
        upper = in_size - 1
    if lower < 0:
        lower = 0
    return lower, upper, weight


def preprocess_frame(frame: Sequence[float], crop: int, size: int, threshold: float,
                     invert: bool) -> list[int]:
    """`preprocess the frame into input`: crop, bilinear resize (TF's rule), threshold, optional invert."""
    in_size = SIDE - 2 * crop
    ink, background = (0, 1) if invert else (1, 0)
    result: list[int] = []

    def item(row: int, column: int) -> float:
        return float(frame[(row + crop) * SIDE + (column + crop)])

    for out_row in range(size):
        row, row_below, row_weight = _source(out_row, in_size, size)
        for out_column in range(size):
            column, column_right, column_weight = _source(out_column, in_size, size)
            top_left, top_right = item(row, column), item(row, column_right)
            bottom_left, bottom_right = item(row_below, column), item(row_below, column_right)
            top = top_left + (top_right - top_left) * column_weight
            bottom = bottom_left + (bottom_right - bottom_left) * column_weight
            value = top + (bottom - top) * row_weight
            result.append(ink if value > threshold else background)
    return result


def grey_frame(frame: Sequence[float], levels: int) -> list[float]:
    """`preprocess the frame into input` for a grey 28x28 model: each pixel round(v * (levels - 1)) /
    (levels - 1), the values the stored grey images have (sb3gen.reference.grey)."""
    return quantized(np.asarray(frame, dtype=np.float64), levels).tolist()


def pad_to_input(pad: Sequence[float], settings: dict, *, normalised: bool = True,
                 path: PenPath | None = None) -> list[float]:
    """What `predict pad` puts into `input` (normalised=False: the training preprocessing alone): with
    settings["input_format"] "grey28" the frame's grey levels, else the binarised image."""
    frame = normalise_drawing(pad, path) if normalised else [float(v) for v in pad]
    if settings.get("input_format") == "grey28":
        return grey_frame(frame, int(settings.get("levels", LEVELS)))
    return preprocess_frame(frame, int(settings["crop"]), int(settings["size"]), float(settings["threshold"]),
                            bool(settings["invert"]))


def training_image_on_pad(image: Iterable[float], size: int, invert: bool) -> list[float]:
    """`show training image`: a size x size training image spread over the 28x28 pad (ink = 1)."""
    pixels = [float(v) for v in image]
    pad: list[float] = []
    for row in range(SIDE):
        for column in range(SIDE):
            value = pixels[math.floor((row * size) / SIDE) * size + math.floor((column * size) / SIDE)]
            pad.append(1 - value if invert else value)
    return pad
