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

    left: int = -236
    top: int = 156
    cell: int = 8
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

# Buttons: two rows of four, under the pad.
BUTTON_WIDTH = 114
BUTTON_HEIGHT = 28
BUTTON_COLUMNS_X = (-180, -60, 60, 180)
BUTTON_ROWS_Y = (-94, -128)

# The big answer digit, top right.
ANSWER_X, ANSWER_Y = 50, 124
ANSWER_WIDTH, ANSWER_HEIGHT = 80, 96

# Monitors of accuracy, loss and epoch, stacked to the right of the answer (their top-left corner).
MONITORS_TOP_LEFT = (98, 150)
MONITORS_STEP = 26

# Ten probability bars (pen), one row per digit from the top.
BARS_LEFT = 30
BARS_LENGTH = 196
BARS_TOP_Y = 30
BARS_STEP = 10
BARS_PEN_SIZE = 7

# Training progress bar (pen) along the bottom, its readout (a large monitor) to the right.
PROGRESS_LEFT = -230
PROGRESS_LENGTH = 220
PROGRESS_Y = -160
PROGRESS_PEN_SIZE = 10
PROGRESS_READOUT = (4, -149)


def monitor_position(stage_x: float, stage_y: float) -> tuple[int, int]:
    """Monitors are placed in pixels from the stage's top-left corner."""
    return round(stage_x + STAGE_WIDTH / 2), round(STAGE_HEIGHT / 2 - stage_y)
