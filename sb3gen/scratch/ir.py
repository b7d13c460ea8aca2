"""The parsed form of scripts, between the text notation and project.json (ids and positions come later)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


def short_hash(*parts: str, length: int = 10) -> str:
    """A stable id fragment: the same parts give the same id in every build."""
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:length]


@dataclass
class Literal:
    """A value typed into a slot, kept exactly as written."""

    text: str


@dataclass
class MenuValue:
    """A dropdown choice in a menu slot (stored value), e.g. a costume name or a broadcast name."""

    value: str


@dataclass
class Procedure:
    """A custom block of one target."""

    proccode: str  # e.g. "dot %s %s"
    arg_names: list[str]
    arg_kinds: list[str]  # "s" (number/text) or "b" (boolean), in order
    warp: bool
    target: str

    @property
    def arg_ids(self) -> list[str]:
        return [
            f"arg_{short_hash(self.target, self.proccode, str(i), length=8)}"
            for i in range(len(self.arg_names))
        ]


@dataclass
class Block:
    opcode: str
    inputs: dict[str, object] = field(
        default_factory=dict
    )  # name -> Literal | MenuValue | Block | list[Block]
    fields: dict[str, str] = field(default_factory=dict)  # name -> stored value (variable/list/... by name)
    procedure: Procedure | None = None  # procedures_definition / procedures_call
    comment: str | None = None


Script = list[Block]
