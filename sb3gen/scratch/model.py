"""What a caller builds: a Project of a Stage and Sprites with variables, lists, costumes and script text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sb3gen.errors import Sb3genError


@dataclass
class Costume:
    name: str
    data: bytes
    ext: str  # "svg" or "png"
    rotation_center_x: float
    rotation_center_y: float
    bitmap_resolution: int = 1

    @staticmethod
    def svg(name: str, svg_text: str, center: tuple[float, float] | None = None) -> Costume:
        """An SVG costume; rotation centre defaults to the middle of its width/height (or viewBox)."""
        if center is None:
            width, height = _svg_size(name, svg_text)
            center = (width / 2, height / 2)
        return Costume(name, svg_text.encode("utf-8"), "svg", center[0], center[1])


def _svg_size(name: str, svg_text: str) -> tuple[float, float]:
    head = re.search(r"<svg\b[^>]*>", svg_text)
    if head is None:
        raise Sb3genError(f"costume {name!r}: not an svg (no <svg> element)")
    tag = head.group(0)
    width = re.search(r'\swidth="([\d.]+)(px)?"', tag)
    height = re.search(r'\sheight="([\d.]+)(px)?"', tag)
    if width and height:
        return float(width.group(1)), float(height.group(1))
    box = re.search(r'viewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)\s*"', tag)
    if box:
        return float(box.group(1)), float(box.group(2))
    raise Sb3genError(f"costume {name!r}: svg has neither width/height nor viewBox; pass center=")


@dataclass
class Source:
    """Script text of one target, with the template name it came from (for error messages)."""

    text: str
    origin: str


@dataclass
class Target:
    name: str
    variables: dict[str, object] = field(default_factory=dict)  # name -> initial value
    lists: dict[str, list] = field(default_factory=dict)  # name -> initial items
    costumes: list[Costume] = field(default_factory=list)
    current_costume: int = 0
    sources: list[Source] = field(default_factory=list)
    # The editor opens a sprite at its top-left script: True puts the scripts that start on their own (hats:
    # green flag, broadcasts) before the custom block definitions, so a reader meets the entry points first.
    hats_first: bool = False

    def add_scripts(self, text: str, origin: str) -> None:
        """Add scratchblocks text (scripts separated by blank lines); origin names it in errors."""
        self.sources.append(Source(text, origin))

    @property
    def is_stage(self) -> bool:
        return False


@dataclass
class Stage(Target):
    name: str = "Stage"

    def __post_init__(self) -> None:
        if self.name != "Stage":
            raise Sb3genError(f"the stage is always named 'Stage', not {self.name!r}")

    @property
    def is_stage(self) -> bool:
        return True


@dataclass
class Sprite(Target):
    x: float = 0
    y: float = 0
    size: float = 100
    direction: float = 90
    visible: bool = True
    draggable: bool = False
    # layer order is assigned from the sprite's position in Project.sprites (first = 1, bottom)


@dataclass
class Monitor:
    target: str  # "Stage" or a sprite name
    name: str  # the variable or list
    kind: str = "variable"  # "variable" | "list"
    mode: str = "default"  # "default" | "large" | "slider" | "list"
    x: int = 0
    y: int = 0
    visible: bool = True
    width: int = 0  # lists only (0 = Scratch's default)
    height: int = 0
    slider_min: float = 0
    slider_max: float = 100
    discrete: bool = True


@dataclass
class Project:
    stage: Stage
    sprites: list[Sprite] = field(default_factory=list)
    monitors: list[Monitor] = field(default_factory=list)

    def targets(self) -> list[Target]:
        return [self.stage, *self.sprites]
