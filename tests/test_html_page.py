"""`sb3gen html`: one self-contained page per .sb3 (TurboWarp packager, no network), reproducible, written
atomically; a bad input is refused in one line with exit 2 and nothing written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest


def sb3gen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sb3gen", *args], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def small_sb3(tmp_path: Path, build_sb3, target) -> Path:
    """Any Scratch 3 project will do: a stage and one sprite."""
    path = tmp_path / "tiny.sb3"
    path.write_bytes(build_sb3([target("Stage", variables={"v1": ["x", 0]}), target("Sprite1", layer=1)]))
    return path


def test_page_is_self_contained_titled_and_reproducible(small_sb3: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "pages" / "a.html", tmp_path / "pages" / "b.html"
    for out in (first, second):
        done = sb3gen("html", str(small_sb3), "-o", str(out), "--title", "Tiny <net>")
        assert done.returncode == 0, done.stderr
    page = first.read_text(encoding="utf-8")
    assert first.read_bytes() == second.read_bytes()
    assert "<title>Tiny &lt;net&gt;</title>" in page
    # everything inlined: no script, style, image or frame loaded from anywhere
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)
    assert re.search(r"vm.setCompilerOptions\(\{\s*enabled: true", page)  # TurboWarp's compiler on
    assert sorted(p.name for p in first.parent.iterdir()) == ["a.html", "b.html"]  # no temporary file left


def test_default_output_is_next_to_the_sb3(small_sb3: Path) -> None:
    done = sb3gen("html", str(small_sb3))
    assert done.returncode == 0, done.stderr
    assert small_sb3.with_suffix(".html").is_file()
    assert "<title>tiny</title>" in small_sb3.with_suffix(".html").read_text(encoding="utf-8")


@pytest.mark.parametrize("content", [b"not a zip", b"PK\x03\x04broken", b""])
def test_bad_input_is_refused_in_one_line(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.sb3"
    bad.write_bytes(content)
    done = sb3gen("html", str(bad), "-o", str(tmp_path / "out.html"))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "bad.sb3" in done.stderr
    assert not (tmp_path / "out.html").exists()
