"""Python side of the browser harness: fetch the Scratch GUI into a cache, install the pinned Node tools, find
Chromium, and run a Node driver script that reports JSON.

The Scratch GUI is AGPL: it is fetched with `npm pack` at test time into a cache folder and never committed or
shipped with sb3gen. Only `dist/` is unpacked (without source maps)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HARNESS_DIR = Path(__file__).resolve().parent
GUI_PACKAGE = "@scratch/scratch-gui"
GUI_VERSION = "15.2.0"
GUI_ENTRY = "scratch-gui-standalone.js"


class HarnessError(RuntimeError):
    """The browser harness could not be set up (missing tool, failed download)."""


def _run(cmd: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise HarnessError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return proc


def _require(tool: str, hint: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise HarnessError(f"'{tool}' not found on PATH; {hint}")
    return found


@contextmanager
def _setup_lock() -> Iterator[None]:
    """Held while the GUI is fetched or the Node packages installed: parallel test workers (pytest-xdist)
    wait for the first one instead of unpacking or running `npm ci` into the same folder at once."""
    with open(Path(tempfile.gettempdir()) / "sb3gen-browser-harness.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def gui_dist() -> Path:
    """The GUI's dist/ folder, fetched on first use into $SB3GEN_SCRATCH_GUI_DIR
    (default ~/.cache/sb3gen/scratch-gui-<version>)."""
    default = Path.home() / ".cache" / "sb3gen" / f"scratch-gui-{GUI_VERSION}"
    root = Path(os.environ.get("SB3GEN_SCRATCH_GUI_DIR", default))
    dist = root / "dist"
    if (dist / GUI_ENTRY).is_file():
        return dist
    with _setup_lock():
        if not (dist / GUI_ENTRY).is_file():  # another worker may have fetched it meanwhile
            _fetch_gui(root, dist)
    return dist


def _fetch_gui(root: Path, dist: Path) -> None:
    npm = _require("npm", "install Node.js 20+ with npm")
    root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root.parent, prefix=".scratch-gui-") as tmp:
        tmp_path = Path(tmp)
        proc = _run([npm, "pack", f"{GUI_PACKAGE}@{GUI_VERSION}", "--silent"], tmp_path, timeout=600)
        tarball = tmp_path / proc.stdout.strip().splitlines()[-1]
        unpacked = tmp_path / "unpacked"
        with tarfile.open(tarball) as tar:
            members = [m for m in tar.getmembers()
                       if m.name.startswith("package/dist/") and not m.name.endswith(".map")]
            tar.extractall(unpacked, members=members, filter="data")
        if not (unpacked / "package" / "dist" / GUI_ENTRY).is_file():
            raise HarnessError(f"{GUI_PACKAGE}@{GUI_VERSION} has no dist/{GUI_ENTRY}")
        root.mkdir(parents=True, exist_ok=True)
        if dist.exists():
            shutil.rmtree(dist)
        os.replace(unpacked / "package" / "dist", dist)  # appears whole or not at all


def node_tools() -> Path:
    """Install the harness's pinned Node packages (npm ci) when missing; returns node_modules."""
    modules = HARNESS_DIR / "node_modules"
    lock = HARNESS_DIR / "package-lock.json"
    stamp = modules / ".sb3gen-lock"
    if stamp.is_file() and stamp.read_text() == lock.read_text():
        return modules
    with _setup_lock():
        if not (stamp.is_file() and stamp.read_text() == lock.read_text()):
            npm = _require("npm", "install Node.js 20+ with npm")
            _run([npm, "ci", "--no-audit", "--no-fund"], HARNESS_DIR, timeout=600)
            stamp.write_text(lock.read_text())
    return modules


def chromium() -> str:
    """Debian's Chromium ($SB3GEN_CHROMIUM overrides); Playwright's own browser download is not used."""
    override = os.environ.get("SB3GEN_CHROMIUM")
    if override:
        return override
    return _require("chromium", "install it with: apt-get install chromium fonts-dejavu-core")


def run_driver(script: str, args: list[str], timeout: float = 600) -> dict:
    """Run tests/browser/<script> with node; it prints one JSON object on its last stdout line."""
    node = _require("node", "install Node.js 20+")
    env = {**os.environ, "SB3GEN_CHROMIUM": chromium(), "SB3GEN_GUI_DIST": str(gui_dist())}
    node_tools()
    proc = subprocess.run([node, str(HARNESS_DIR / script), *args], cwd=HARNESS_DIR, env=env,
                          capture_output=True, text=True, timeout=timeout)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise HarnessError(
            f"node {script} failed ({proc.returncode}):\n{proc.stderr[-4000:]}\n{proc.stdout[-2000:]}")
    return json.loads(lines[-1])


def drawing_actions(drawn: dict) -> list[dict]:
    """scratch-vm actions that put a drawing read in a browser (`pad`, `penPath`) back on the pad."""
    pen_path = [{"set_list": name, "values": values, "target": "Pad"}
                for name, values in drawn["penPath"].items()]
    return [{"set_list": "pad", "values": drawn["pad"]}, *pen_path]
