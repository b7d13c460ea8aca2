"""Generic fixtures: build a tiny .sb3 from hand-written project.json targets."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

EMPTY_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2" viewBox="0 0 2 2"></svg>'
EMPTY_SVG_NAME = hashlib.md5(EMPTY_SVG).hexdigest() + ".svg"


def make_target(
    name: str = "Stage",
    *,
    blocks: dict[str, Any] | None = None,
    variables: dict[str, list[Any]] | None = None,
    lists: dict[str, list[Any]] | None = None,
    broadcasts: dict[str, str] | None = None,
    layer: int = 0,
) -> dict[str, Any]:
    """A stage (name "Stage") or sprite target dict with one blank costume; ids map to [name, value]."""
    costume = {
        "name": "blank",
        "assetId": EMPTY_SVG_NAME[:-4],
        "md5ext": EMPTY_SVG_NAME,
        "dataFormat": "svg",
        "rotationCenterX": 1,
        "rotationCenterY": 1,
    }
    target: dict[str, Any] = {
        "isStage": name == "Stage",
        "name": name,
        "variables": variables or {},
        "lists": lists or {},
        "broadcasts": broadcasts or {},
        "blocks": blocks or {},
        "comments": {},
        "currentCostume": 0,
        "costumes": [costume],
        "sounds": [],
        "volume": 100,
        "layerOrder": layer,
    }
    if name == "Stage":
        target.update(tempo=60, videoTransparency=50, videoState="off", textToSpeechLanguage=None)
    else:
        target.update(
            visible=True, x=0, y=0, size=100, direction=90, draggable=False, rotationStyle="all around"
        )
    return target


def sb3_bytes(
    targets: list[dict[str, Any]], *, monitors: list[dict] | None = None, project_json: bytes | None = None
) -> bytes:
    """Zip targets (stage first) into .sb3 bytes; project_json replaces the JSON text (for broken files)."""
    project = {
        "targets": targets,
        "monitors": monitors or [],
        "extensions": [],
        "meta": {"semver": "3.0.0", "vm": "0.2.0", "agent": "sb3gen tests"},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.json", project_json if project_json is not None else json.dumps(project))
        archive.writestr(EMPTY_SVG_NAME, EMPTY_SVG)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def build_sb3() -> Callable[..., bytes]:
    """`build_sb3([make_target(...), ...])` -> .sb3 bytes."""
    return sb3_bytes


@pytest.fixture(scope="session")
def target() -> Callable[..., dict[str, Any]]:
    """`target("Stage", blocks=..., variables=...)` -> a target dict (see make_target)."""
    return make_target


MEMORY_CAP = 1536 * 1024 * 1024  # the bound for any bad input: 1.5 GB of address space, ...
TIME_CAP = 60  # ... and a minute


def run_capped_sb3gen(*args: str, cwd: str | None = None, env: dict | None = None):
    """`python -m sb3gen ARGS` in a child limited to MEMORY_CAP of address space (RLIMIT_AS) and TIME_CAP."""
    import os
    import resource
    import subprocess
    import sys

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    return subprocess.run([sys.executable, "-m", "sb3gen", *args], capture_output=True, text=True,
                          preexec_fn=limit, timeout=TIME_CAP, cwd=cwd, env={**os.environ, **(env or {})})


@pytest.fixture(scope="session")
def run_capped() -> Callable[..., Any]:
    return run_capped_sb3gen


def small_network_sb3(path, layers, weights, seed: int = 0):
    """A network project with 12 training and 6 test images of random 0/1 pixels (a quarter of them 1), for
    the CNN tests; written to `path`, which is returned."""
    import numpy as np

    from sb3gen.project import build_network_project
    from sb3gen.scratch import compile_project, pack_sb3

    rng = np.random.default_rng(seed)
    images = (rng.random((18, 196)) < 0.25).astype(np.int64)
    labels = np.arange(18) % 10
    project = build_network_project([], "relu", weights, images[:12], labels[:12], images[12:], labels[12:],
                                    layers=layers, learning_rate=0.1)
    path.write_bytes(pack_sb3(compile_project(project)))
    return path


def verified_text(sb3, engine: str, images: int) -> str:
    """`sb3gen verify`'s report on a project, after asserting that every check passed."""
    from sb3gen.verify import verify_file

    lines: list[str] = []
    checks = verify_file(sb3, engine=engine, images=images, log=lines.append)
    assert all(check.passed for check in checks), "\n".join(lines)
    return "\n".join(lines)
