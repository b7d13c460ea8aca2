"""Installs the pinned Node tools (scratch-vm, scratch-parser, TurboWarp, jsdom) on first use.

package.json and package-lock.json ship with sb3gen; `npm ci` installs them into a cache folder
named after the lock's hash, so a changed lock gets a fresh folder and an unchanged one installs once.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from sb3gen.errors import Sb3genError
from sb3gen.files import write_text_atomic

HERE = Path(__file__).resolve().parent
PACKAGE_FILES = ("package.json", "package-lock.json")
RUNNER = HERE / "runner.js"
MIN_NODE_MAJOR = 18
ENV_DIR = "SB3GEN_NODE_DIR"
INSTALL_HINT = "install Node.js 18+ with npm (e.g. `apt-get install nodejs npm`)"


def lock_hash() -> str:
    digest = hashlib.sha256()
    for name in PACKAGE_FILES:
        digest.update((HERE / name).read_bytes())
    return digest.hexdigest()[:16]


def node_dir() -> Path:
    """Where the Node tools live: $SB3GEN_NODE_DIR, else ~/.cache/sb3gen/node-<hash of the lock>."""
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override).expanduser().resolve()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "sb3gen" / f"node-{lock_hash()}"


def node_executable() -> str:
    node = shutil.which("node")
    if node is None:
        raise Sb3genError(f"`node` was not found on PATH: {INSTALL_HINT}")
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    match = re.match(r"v(\d+)", version)
    if not match or int(match.group(1)) < MIN_NODE_MAJOR:
        raise Sb3genError(f"Node.js {version or '(unknown version)'} is too old: {INSTALL_HINT}")
    return node


def ensure_node_tools() -> Path:
    """Install the Node tools once (concurrent first uses wait on a file lock); return their folder."""
    node_executable()
    target = node_dir()
    marker = target / ".sb3gen-installed"
    wanted = lock_hash()
    if _installed(marker, wanted):
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise Sb3genError(f"`npm` was not found on PATH: {INSTALL_HINT}")
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".sb3gen-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second process waits here, then finds the marker
        if not _installed(marker, wanted):
            _install(npm, target)
            write_text_atomic(marker, wanted)
    return target


def _installed(marker: Path, wanted: str) -> bool:
    has_modules = (marker.parent / "node_modules").is_dir()
    return has_modules and marker.is_file() and marker.read_text().strip() == wanted


def _install(npm: str, target: Path) -> None:
    for name in PACKAGE_FILES:
        shutil.copyfile(HERE / name, target / name)
    command = [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"]
    note = f"sb3gen: installing the Scratch runtimes with npm ci into {target} (once)"
    print(note, file=sys.stderr, flush=True)
    done = subprocess.run(command, cwd=target, capture_output=True, text=True)
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-5:])
        raise Sb3genError(f"`npm ci` failed in {target} (exit {done.returncode}): {tail}")
