"""Small projects that ask for an extension the way a stranger's file can: a URL with JavaScript, a hidden
shadow block, a monitor, an `extensions` entry. Shared by the html, info/show/verify and browser tests."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from conftest import EMPTY_SVG, EMPTY_SVG_NAME, make_target

MARKER_JS = "window.__pwned = 1; document.title = 'PWNED';"
MARKER_URL = "data:text/javascript," + MARKER_JS


def block(opcode: str, *, parent: str | None = None, next_: str | None = None, inputs: dict | None = None,
          fields: dict | None = None, shadow: bool = False, top: bool = False) -> dict[str, Any]:
    made = {"opcode": opcode, "next": next_, "parent": parent, "inputs": inputs or {}, "fields": fields or {},
            "shadow": shadow, "topLevel": top}
    return {**made, "x": 0, "y": 0} if top else made


def sprite_blocks(evil_opcode: str = "evil_menu") -> dict[str, dict]:
    """Two green-flag scripts: one sets `v` to "ran"; the other says a hidden shadow of the extension."""
    return {
        "hat": block("event_whenflagclicked", next_="set", top=True),
        "set": block("data_setvariableto", parent="hat", inputs={"VALUE": [1, [10, "ran"]]},
                     fields={"VARIABLE": ["v", "v1"]}),
        "hat2": block("event_whenflagclicked", next_="say", top=True),
        "say": block("looks_say", parent="hat2", inputs={"MESSAGE": [1, "shadow"]}),
        "shadow": block(evil_opcode, parent="say", shadow=True),
    }


def write_project(path: Path, *, blocks: dict | None = None, **top: Any) -> Path:
    """A stage with variable `v`, Sprite1 with `blocks`; `top` adds keys to project.json (extensionURLs)."""
    targets = [make_target("Stage", variables={"v1": ["v", 0]}),
               make_target("Sprite1", layer=1, blocks=blocks)]
    project = {"targets": targets, "monitors": [], "extensions": [], "meta": {"semver": "3.0.0"}, **top}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.json", json.dumps(project))
        archive.writestr(EMPTY_SVG_NAME, EMPTY_SVG)
    return path


def hostile_project(path: Path) -> Path:
    """The attack of issue 21: JavaScript in a data: URL, asked for by one hidden shadow block."""
    return write_project(path, blocks=sprite_blocks(), extensionURLs={"evil": MARKER_URL})
