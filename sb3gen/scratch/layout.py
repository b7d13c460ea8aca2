"""Place scripts in the editor without overlaps: estimate each script's size, then fill columns."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sb3gen.scratch import opcodes as op
from sb3gen.scratch.ir import Block, Literal, MenuValue, Script

ROW_HEIGHT = 48  # a stack block in workspace units
HAT_EXTRA = 32  # hats (and the taller define hat) stick out above their first row
C_ARM = 32  # the bottom arm of a C block
NEST_EXTRA = 8  # each level of nested reporters makes a row a bit taller
CHAR_WIDTH = 8
INDENT = 16
COMMENT_WIDTH = 220
COMMENT_WIDE = 440  # a long comment (a sprite's "start here") is drawn wider instead of scrolling
COMMENT_GAP = 40
COMMENT_MAX_HEIGHT = 400
GAP = 60
HEIGHT_MARGIN = 1.15  # measured in the editor: real heights are 0.87-1.10 of the estimate
COLUMN_HEIGHT = 2400  # start a new column once a column is this tall
ORIGIN = (40, 40)


@dataclass
class Placement:
    x: int
    y: int
    width: int  # blocks only; comments go to the right of this
    height: int


def comment_box(text: str) -> tuple[int, int]:
    """(width, height) of an editor comment showing all of `text`: about 26 narrow characters a line at
    COMMENT_WIDTH (word wrap loses some); wide (CJK) characters count twice."""
    length = sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)
    width = COMMENT_WIDTH if length <= 12 * 26 else COMMENT_WIDE
    lines = max(1, math.ceil(length / (26 * width // COMMENT_WIDTH))) + text.count("\n")
    return width, min(COMMENT_MAX_HEIGHT, 44 + 24 * lines)


def text_length(value: object) -> int:
    """Rough length in characters of a value as drawn."""
    if value is None:
        return 3
    if isinstance(value, Literal):
        return len(value.text) + 3
    if isinstance(value, MenuValue):
        return len(value.value) + 5
    if isinstance(value, list):
        return 0
    assert isinstance(value, Block)
    if value.opcode in ("data_variable", "data_listcontents") or value.opcode.startswith("argument_reporter"):
        return len(next(iter(value.fields.values()))) + 4  # drawn as just the name
    if value.procedure is not None:
        base = len(value.procedure.proccode)
    elif value.opcode in op.OPCODES:
        base = len(op.OPCODES[value.opcode].patterns[0]) - sum(len(s) for s in op.OPCODES[value.opcode].slots)
    else:
        base = len(value.opcode)
    inner = sum(text_length(v) for v in value.inputs.values()) + sum(
        len(v) + 4 for v in value.fields.values()
    )
    return base + inner + 2


def _depth(value: object) -> int:
    if isinstance(value, Block):
        nested = [_depth(v) for v in value.inputs.values() if isinstance(v, Block)]
        return 1 + max(nested, default=0)
    return 0


def measure(blocks: list[Block], indent: int = 0) -> tuple[int, int, bool]:
    """(height, width, has_comments) of a stack."""
    height = width = 0
    comments = False
    for block in blocks:
        comments = comments or block.comment is not None
        nested = max((_depth(v) for v in block.inputs.values() if isinstance(v, Block)), default=0)
        height += ROW_HEIGHT + NEST_EXTRA * nested
        width = max(width, indent * INDENT + text_length(block) * CHAR_WIDTH + 40)
        if block.opcode in ("procedures_definition",) or (
            block.opcode in op.OPCODES and op.OPCODES[block.opcode].shape is op.Shape.HAT
        ):
            height += HAT_EXTRA
        slots = op.OPCODES[block.opcode].slots if block.opcode in op.OPCODES else {}
        for name in ("SUBSTACK", "SUBSTACK2"):
            if name in slots:
                inner = block.inputs.get(name)
                if isinstance(inner, list):
                    h, w, c = measure(inner, indent + 1)
                    height += h
                    width = max(width, w)
                    comments = comments or c
                else:
                    height += ROW_HEIGHT // 2
                height += C_ARM
    return height, width, comments


def place_scripts(scripts: list[Script]) -> list[Placement]:
    """Deterministic columns: scripts go down a column until it is COLUMN_HEIGHT tall, then a new column."""
    placements = []
    x, y = ORIGIN
    column_width = 0
    for script in scripts:
        height, width, comments = measure(script)
        height = int(height * HEIGHT_MARGIN)
        footprint = width + (COMMENT_GAP + COMMENT_WIDTH if comments else 0)
        if script[0].comment is not None:  # a hat's comment sits beside its first row and may be the taller
            comment_width, comment_height = comment_box(script[0].comment)
            height = max(height, comment_height)
            footprint = max(footprint, width + COMMENT_GAP + comment_width)
        if y > ORIGIN[1] and y + height > COLUMN_HEIGHT:
            x += column_width + GAP
            y = ORIGIN[1]
            column_width = 0
        placements.append(Placement(x, y, width, height))
        y += height + GAP
        column_width = max(column_width, footprint)
    return placements
