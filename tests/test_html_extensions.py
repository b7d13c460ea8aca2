"""Issue 21: `html` never runs a project's own code. A project asking for an extension not built into Scratch
(by URL, block opcode, hidden shadow, monitor or `extensions` entry) is refused in one line with nothing
written, or written without the scripts using it with --drop-extensions; the page's security manager refuses
project extensions; `info`, `show` and `verify` name them; assets are streamed within a total."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from conftest import make_target
from extension_projects import MARKER_JS, block, hostile_project, sprite_blocks, write_project

from sb3gen.scratch.extension_drop import drop_foreign_extensions
from sb3gen.scratch.extensions import extension_of, requested_extensions
from sb3gen.scratch.page_copy import PAGE_ASSETS_LIMIT, write_page_sb3
from sb3gen.scratch.reader import Sb3File

SAFE_MANAGER = "getSandboxMode: () => 'worker',\n        canLoadExtensionFromProject: () => false"


def sb3gen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sb3gen", *args], capture_output=True, text=True,
                          timeout=300)


def asking_projects(folder: Path) -> dict[str, Path]:
    """One project per way of asking for extension `evil` (none of them with the others)."""
    monitor = {"id": "m", "mode": "default", "opcode": "evil_reporter", "params": {}, "spriteName": None,
               "value": 0, "width": 0, "height": 0, "x": 0, "y": 0, "visible": True}
    cases = {
        "url and hidden shadow": dict(blocks=sprite_blocks(), extensionURLs={"evil": "data:,x"}),
        "url only": dict(extensionURLs={"evil": "https://example.com/evil.js"}),
        "hidden shadow only": dict(blocks=sprite_blocks()),
        "a stack block": dict(blocks={"h": block("event_whenflagclicked", next_="e", top=True),
                                      "e": block("evil_run", parent="h")}),
        "a monitor": dict(monitors=[monitor]),
        "extensions list": dict(extensions=["evil"]),
    }
    return {name: write_project(folder / f"{name.replace(' ', '_')}.sb3", **kw) for name, kw in cases.items()}


@pytest.mark.parametrize("opcode, extension", [
    ("pen_clear", "pen"), ("motion_movesteps", None), ("procedures_call", None), ("evil_run", "evil"),
    ("evil.x_y", "evil-x"), ("noUnderscore", None), ("_x", None), ("é_x", "-"), (3, None),
])
def test_extension_of_mirrors_the_vm(opcode, extension) -> None:
    assert extension_of(opcode) == extension


@pytest.mark.slow  # over 5 s (docs/development.md, Tests)
def test_html_refuses_every_way_of_asking_in_one_line(tmp_path: Path) -> None:
    for name, path in asking_projects(tmp_path).items():
        out = tmp_path / "pages" / "page.html"
        done = sb3gen("html", str(path), "-o", str(out))
        assert done.returncode == 2, (name, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "asks for extension evil" in lines[0], name
        assert "--drop-extensions" in lines[0], name
        assert not out.exists() and not (tmp_path / "pages").exists(), name


def test_refusal_escapes_control_characters(tmp_path: Path) -> None:
    path = write_project(tmp_path / "ansi.sb3", extensionURLs={"\x1b[2Jevil": "data:,\x07"})
    done = sb3gen("html", str(path))
    assert done.returncode == 2 and "\x1b" not in done.stderr and "\x07" not in done.stderr
    assert "\\x1b[2Jevil from URL data:,\\x07" in done.stderr
    blocks = {"\x1b]0;title\x07": block("evil_run", top=True)}  # a block id that would retitle a terminal
    done = sb3gen("info", str(write_project(tmp_path / "ansi_id.sb3", blocks=blocks)))
    assert done.returncode == 0 and "\x1b" not in done.stdout
    assert "evil (block \\x1b]0;title\\x07 in Sprite1)" in done.stdout


def test_drop_extensions_writes_the_page_without_the_scripts_using_it(tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    done = sb3gen("html", str(hostile_project(tmp_path / "evil.sb3")), "-o", str(out), "--drop-extensions")
    assert done.returncode == 0, done.stderr
    assert "dropped extension evil from URL data:text/javascript" in done.stdout and "3 blocks" in done.stdout
    page = out.read_text(encoding="utf-8")
    assert MARKER_JS not in page and "__pwned" not in page  # the URL is not in the page at all
    assert page.count("scaffolding.setExtensionSecurityManager(") == 1 and SAFE_MANAGER in page
    assert "canLoadExtensionFromProject: () => true" not in page


def test_drop_removes_whole_scripts_and_keeps_the_rest_linked() -> None:
    project = {"targets": [make_target("Stage"), make_target("Sprite1", blocks=sprite_blocks())],
               "monitors": [{"id": "m", "opcode": "evil_reporter"},
                            {"id": "x", "opcode": "motion_xposition"}],
               "extensions": ["pen", "evil", {"odd": 1}], "extensionURLs": {"evil": "data:,x"}}
    project["targets"][1]["comments"] = {"c": {"blockId": "say", "text": "hi"}}
    dropped, removed = drop_foreign_extensions(project)
    blocks = dropped["targets"][1]["blocks"]
    assert removed == 3 and sorted(blocks) == ["hat", "set"]  # the script holding the shadow, all of it
    assert all(b["parent"] in (None, *blocks) and b["next"] in (None, *blocks) for b in blocks.values())
    assert dropped["targets"][1]["comments"]["c"]["blockId"] is None
    assert [m["id"] for m in dropped["monitors"]] == ["x"]
    assert dropped["extensions"] == ["pen"] and "extensionURLs" not in dropped
    assert requested_extensions(dropped) == requested_extensions({"extensions": ["pen"]})
    assert "extensionURLs" in project and len(project["targets"][1]["blocks"]) == 5  # the input is untouched


def test_drop_follows_links_a_hostile_file_makes() -> None:
    """A block that points at an extension block through an input, with no parent link back, goes too."""
    blocks = {"a": block("event_whenflagclicked", next_="b", top=True),
              "b": block("looks_say", parent="a", inputs={"MESSAGE": [3, "loose", [10, "x"]]}),
              "loose": block("evil_reporter", top=True), "keep": block("motion_movesteps", top=True)}
    dropped, removed = drop_foreign_extensions({"targets": [make_target("Stage", blocks=blocks)]})
    assert removed == 3 and list(dropped["targets"][0]["blocks"]) == ["keep"]


def test_built_in_extension_and_core_blocks_make_a_page(tmp_path: Path) -> None:
    blocks = {"h": block("event_whenflagclicked", next_="p", top=True), "p": block("pen_clear", parent="h")}
    path = write_project(tmp_path / "pen.sb3", blocks=blocks, extensions=["pen"])
    done = sb3gen("html", str(path))
    assert done.returncode == 0, done.stderr
    assert "dropped" not in done.stdout and SAFE_MANAGER in path.with_suffix(".html").read_text("utf-8")
    info = sb3gen("info", str(path))
    assert info.returncode == 0 and "extensions: uses Scratch's built-in extension pen" in info.stdout


def test_pen_from_a_url_is_not_the_built_in_pen(tmp_path: Path) -> None:
    path = write_project(tmp_path / "pen_url.sb3", extensionURLs={"pen": "data:,x"})
    done = sb3gen("html", str(path))
    assert done.returncode == 2 and "asks for extension pen from URL data:,x" in done.stderr


@pytest.mark.parametrize("command", ["info", "show", "verify"])
def test_info_show_and_verify_name_the_extension(tmp_path: Path, command: str) -> None:
    path = hostile_project(tmp_path / "evil.sb3")
    done = sb3gen(command, str(path))
    said = [line for line in (done.stdout + done.stderr).splitlines() if "asks for extension evil" in line]
    assert len(said) == 1 and "from URL data:text/javascript,window.__pwned" in said[0]
    if command == "verify":  # refused before any engine runs it, as TurboWarp's loader would
        assert done.returncode == 2 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
    else:
        assert done.returncode == 0
    if command == "show":
        assert done.stdout.startswith("// asks for extension evil")


@pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])
def test_verify_refuses_in_both_engines(tmp_path: Path, engine: str) -> None:
    done = sb3gen("verify", str(hostile_project(tmp_path / "evil.sb3")), "--engine", engine)
    assert done.returncode == 2 and "not built into Scratch" in done.stderr


def test_a_missing_asset_is_refused_not_downloaded(tmp_path: Path) -> None:
    path = write_project(tmp_path / "missing.sb3")
    with zipfile.ZipFile(path) as full, zipfile.ZipFile(tmp_path / "lacking.sb3", "w") as lacking:
        lacking.writestr("project.json", full.read("project.json"))
    done = sb3gen("html", str(tmp_path / "lacking.sb3"))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "names asset" in done.stderr and "which it does not contain" in done.stderr
    assert not (tmp_path / "lacking.html").exists()


def many_assets_project(path: Path, count: int, size: int) -> Path:
    """A stage with `count` costumes of `size` bytes each, compressed to almost nothing."""
    stage = {**make_target("Stage"), "costumes": []}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in range(count):
            data = b"<svg xmlns='http://www.w3.org/2000/svg'>" + str(number).encode() + bytes(size)
            name = hashlib.md5(data).hexdigest() + ".svg"
            archive.writestr(name, data)
            stage["costumes"].append({"name": f"c{number}", "assetId": name[:-4], "md5ext": name,
                                      "dataFormat": "svg", "rotationCenterX": 0, "rotationCenterY": 0})
        archive.writestr("project.json", json.dumps({"targets": [stage], "monitors": [], "extensions": []}))
    return path


def test_page_copy_streams_one_asset_at_a_time(tmp_path: Path) -> None:
    source_path = many_assets_project(tmp_path / "many.sb3", count=6, size=6 << 20)
    with Sb3File(source_path) as source:
        tracemalloc.start()
        total = write_page_sb3(source, source.project_json, tmp_path / "copy.sb3")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert total > 36 << 20 and peak < 2 << 20  # 36 MB copied through at most 2 MB of Python memory
    with zipfile.ZipFile(tmp_path / "copy.sb3") as copy:
        assert len(copy.namelist()) == 7 and copy.read(copy.namelist()[1])[:4] == b"<svg"


def test_html_refuses_assets_over_the_page_total_within_memory(tmp_path: Path, run_capped) -> None:
    """The attack of issue 21 (60 small compressed assets that decompress to gigabytes) under 1.5 GB."""
    count = 60
    path = many_assets_project(tmp_path / "bomb.sb3", count=count, size=PAGE_ASSETS_LIMIT // 20)
    assert path.stat().st_size < 2 << 20
    done = run_capped("html", str(path), "-o", str(tmp_path / "bomb.html"))
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "more than sb3gen puts in one page" in done.stderr
    assert not (tmp_path / "bomb.html").exists()
