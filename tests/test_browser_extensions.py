"""Issue 21 in a real browser: an `sb3gen html` page never runs JavaScript a project brings. The project's
extension (a data: URL used by one hidden shadow block) sets a marker (window.__pwned, the title) when it
runs. Pages open in headless Chromium from file:// with every other request blocked:
- made with --drop-extensions: the project loads and its other script runs; the marker never appears;
- made by the packager path itself from the project, extension and all (no refusal before it): the page's
  security manager refuses the extension at load, so the marker never appears;
- the same page with the packager's own security manager put back: the marker appears (the test can fail).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
import editor_harness  # noqa: E402
from extension_projects import hostile_project  # noqa: E402

from sb3gen.vm.packager import PageSettings, package_html  # noqa: E402

# A browser: slow, and in the browser tests' xdist group (one Chromium at a time, beside the other worker).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

PACKAGER_MANAGER = "getSandboxMode: () => 'unsandboxed',\n        canLoadExtensionFromProject: () => true"
SAFE_MANAGER = "getSandboxMode: () => 'worker',\n        canLoadExtensionFromProject: () => false"


def open_page(html: Path) -> dict:
    """extension_scenario.mjs's report (no Scratch GUI needed, only Chromium and playwright-core)."""
    editor_harness.node_tools()
    env = {"SB3GEN_CHROMIUM": editor_harness.chromium()}
    done = subprocess.run(["node", str(editor_harness.HARNESS_DIR / "extension_scenario.mjs"),
                           json.dumps({"html": str(html)})], cwd=editor_harness.HARNESS_DIR,
                          capture_output=True, text=True, timeout=180,
                          env={**os.environ, **env})
    assert done.returncode == 0 and done.stdout.strip(), done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_project(tmp_path_factory.mktemp("hostile") / "evil.sb3")


@pytest.fixture(scope="module")
def packaged_with_extension(hostile: Path) -> Path:
    """The packager path given the hostile project as it is: only the page's security manager stands."""
    html = hostile.with_name("packaged.html")
    package_html(hostile, html, PageSettings(title="packaged"))
    return html


def test_dropped_page_loads_runs_and_never_shows_the_marker(hostile: Path) -> None:
    html = hostile.with_name("dropped.html")
    done = subprocess.run([sys.executable, "-m", "sb3gen", "html", str(hostile), "-o", str(html),
                           "--drop-extensions"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = open_page(html)
    assert "failure" not in report, report["failure"]
    assert report["pwned"] is None and report["title"] == "evil"  # the file's name, not the marker
    assert report["error"] is None and report["problems"] == []
    assert report["targets"] == ["Stage", "Sprite1"] and report["v"] == "ran"  # the kept script ran
    assert not any(name.startswith("unsandboxed") or name == "evil" for name in report["loadedExtensions"])


def test_security_manager_refuses_the_extension_at_load(packaged_with_extension: Path) -> None:
    page = packaged_with_extension.read_text(encoding="utf-8")
    assert SAFE_MANAGER in page and PACKAGER_MANAGER not in page
    report = open_page(packaged_with_extension)
    assert "failure" not in report, report["failure"]
    assert report["pwned"] is None and report["title"] == "packaged"
    assert "Permission to load extension denied: evil" in (report["error"] or "")
    assert report["v"] != "ran"  # the project never started


def test_the_packagers_own_manager_would_run_it(packaged_with_extension: Path) -> None:
    """The control: the marker is real, and only the security manager keeps it from appearing."""
    unsafe = packaged_with_extension.with_name("unsafe.html")
    page = packaged_with_extension.read_text(encoding="utf-8")
    unsafe.write_text(page.replace(SAFE_MANAGER, PACKAGER_MANAGER), encoding="utf-8")
    report = open_page(unsafe)
    assert "failure" not in report, report["failure"]
    assert report["pwned"] == 1 and report["title"] == "PWNED"
