"""Where things sit on the 480x360 stage (Scratch coordinates: x right, y up, origin in the middle).

The drawing pad's geometry is shared by the templates (mouse -> cell) and by the tests' numpy reference.
"""

from __future__ import annotations

from dataclasses import dataclass

STAGE_WIDTH = 480
STAGE_HEIGHT = 360


@dataclass(frozen=True)
class PadGeometry:
    """28x28 cells of `cell` pixels; (left, top) is the pad's top-left corner."""

    left: int = -232
    top: int = 158
    cell: int = 7
    side: int = 28

    @property
    def right(self) -> int:
        return self.left + self.side * self.cell

    @property
    def bottom(self) -> int:
        return self.top - self.side * self.cell

    def cell_centre(self, row: int, column: int) -> tuple[int, int]:
        """Stage x, y of the middle of a cell (what a test moves the mouse to)."""
        return self.left + column * self.cell + self.cell // 2, self.top - row * self.cell - self.cell // 2


PAD = PadGeometry()

# Stage plan (pixels from the top-left): caption and pad on the left (x 8..204, y 22..218), the answer card,
# monitors and bars in the right column; under them the message line, two rows of buttons, and the progress
# strip. Nothing overlaps and nothing touches the stage's edge (see docs/stage-predict.png).

# The big answer digit, top of the right column (no speech bubble: messages have their own line).
ANSWER_X, ANSWER_Y = 20, 110
ANSWER_WIDTH, ANSWER_HEIGHT = 80, 96

# Monitors of accuracy, loss and epoch, stacked to the right of the answer (their top-left corner).
MONITORS_TOP_LEFT = (72, 140)
MONITORS_STEP = 26

# Ten probability bars (pen), one row per digit from the top.
BARS_LEFT = -4
BARS_LENGTH = 230
BARS_TOP_Y = 34
BARS_STEP = 8
BARS_PEN_SIZE = 6

# The message line (a large monitor of `message`) across the stage under the pad.
MESSAGE_TOP_LEFT = (-232, -48)

# Buttons: three rows of four, under the message line.
BUTTON_WIDTH = 116
BUTTON_HEIGHT = 24
BUTTON_COLUMNS_X = (-180, -60, 60, 180)
BUTTON_ROWS_Y = (-87, -114, -141)

# Training progress bar (pen) along the bottom, its readout (a large monitor) to the right.
PROGRESS_LEFT = -232
PROGRESS_LENGTH = 200
PROGRESS_Y = -164
PROGRESS_PEN_SIZE = 10
PROGRESS_READOUT = (-20, -155)

# The views "where it fails" and "what it learned" replace the answer column (answer card, monitors, bars);
# the pad stays, so a drawing lights up the neurons it activates. (left, top, right, bottom)
VIEW_BOX = (-24, 158, 232, -42)
VIEWS = ("confusion", "weights")  # also the names of their backdrops
VIEW_TITLE_HEIGHT = 16
# Confusion matrix: 10x10 cells; (left, top) is the top-left corner of the cell (right digit 0, answer 0).
MATRIX_LEFT, MATRIX_TOP = -6, 128
MATRIX_CELL = 16
MATRIX_ACCURACY_X = 180  # centre of the per-digit accuracy column
SMALL_DIGIT_WIDTH = 5  # the stamped digits of the counts: 3 fit in a cell (1,000 test images)


@dataclass(frozen=True)
class WeightsGrid:
    """Where each neuron's picture goes in the view: `columns` per row, `pixel` stage pixels per weight."""

    columns: int
    rows: int
    pixel: int
    side: int  # weights per picture row (14 for 196 inputs)

    @property
    def cell(self) -> int:
        return self.side * self.pixel + 6  # room for the frame that lights up

    def origin(self, neuron: int) -> tuple[int, int]:
        """Stage x, y of the centre of the top-left weight of a neuron (0-based) picture."""
        left, top = VIEW_BOX[0] + 3, VIEW_BOX[1] - VIEW_TITLE_HEIGHT - 3
        return (left + (neuron % self.columns) * self.cell + self.pixel // 2,
                top - (neuron // self.columns) * self.cell - self.pixel // 2)


def weights_grid(neurons: int, side: int) -> WeightsGrid:
    """The largest pictures that fit all neurons into the view (at 1 pixel per weight, as many as fit)."""
    width, height = VIEW_BOX[2] - VIEW_BOX[0], VIEW_BOX[1] - VIEW_BOX[3] - VIEW_TITLE_HEIGHT
    for pixel in (16, 12, 8, 6, 4, 3, 2, 1) if side <= 5 else (4, 3, 2, 1):  # 3x3 kernels: large pixels
        cell = side * pixel + 6
        columns = max(1, width // cell)
        rows = -(-neurons // columns)
        if rows * cell <= height or pixel == 1:
            return WeightsGrid(columns, min(rows, max(1, height // cell)), pixel, side)
    raise AssertionError("unreachable")


def monitor_position(stage_x: float, stage_y: float) -> tuple[int, int]:
    """Monitors are placed in pixels from the stage's top-left corner."""
    return round(stage_x + STAGE_WIDTH / 2), round(STAGE_HEIGHT / 2 - stage_y)
