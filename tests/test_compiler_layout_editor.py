"""The layout seen in the real Scratch editor (scratch-gui in headless Chromium, see tests/browser): no script
and no comment of the generated project overlaps another, and each comment sits where the project puts it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sb3gen.scratch import compile_project, pack_sb3, write_sb3

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
import editor_harness  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_compiler_templates import small_network_project  # noqa: E402

DRIVER = Path(__file__).resolve().parent / "test_compiler_layout_editor.mjs"
# A browser: slow, and in the browser tests' xdist group (one Chromium at a time, beside the other worker).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def editor_layout(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    compiled = compile_project(small_network_project("tables"))
    path = tmp_path_factory.mktemp("layout") / "layout.sb3"
    write_sb3(path, pack_sb3(compiled))
    env = {
        **os.environ,
        "SB3GEN_CHROMIUM": editor_harness.chromium(),
        "SB3GEN_GUI_DIST": str(editor_harness.gui_dist()),
    }
    editor_harness.node_tools()
    done = subprocess.run(
        ["node", str(DRIVER), json.dumps({"sb3": str(path)})],
        cwd=DRIVER.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return compiled.project_json, json.loads(done.stdout.strip().splitlines()[-1])


def overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_nothing_overlaps_in_the_editor(editor_layout: tuple[dict, dict]) -> None:
    project_json, report = editor_layout
    assert report["problems"] == []
    assert set(report["targets"]) == {t["name"] for t in project_json["targets"]}
    clashes = []
    for name, boxes in report["targets"].items():
        for i, first in enumerate(boxes):
            for second in boxes[i + 1 :]:
                if overlap(first["box"], second["box"]):
                    clashes.append(
                        f"{name}: {first['kind']} {first['id']} and {second['kind']} {second['id']}"
                    )
    assert not clashes, clashes[:10]


def test_every_script_and_comment_is_where_the_project_puts_it(editor_layout: tuple[dict, dict]) -> None:
    project_json, report = editor_layout
    for target in project_json["targets"]:
        boxes = report["targets"][target["name"]]
        scripts = {b["id"] for b in boxes if b["kind"] == "script"}
        tops = {k for k, b in target["blocks"].items() if isinstance(b, dict) and b["topLevel"]}
        assert scripts == tops
        wanted = sorted((round(c["x"]), round(c["y"])) for c in target["comments"].values())
        shown = sorted((round(b["box"][0]), round(b["box"][1])) for b in boxes if b["kind"] == "comment")
        assert shown == wanted, target["name"]
