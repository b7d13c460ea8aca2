"""Outputs are all-or-nothing (sb3gen.files.OutputSet): an interrupt between writes, an interrupt during the
final renames, or a full disk leaves either the old set of files or the new one, never a mix, and no folder
or temporary file behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sb3gen.errors import Sb3genError
from sb3gen.files import STAGING_PREFIX, OutputSet
from sb3gen.ml.network import Network
from sb3gen.progress import PHASE_LINE

SET = ("evaluation.json", "evaluation.png", "mnist.sb3", "network.json", "subsets.json")


def network_file(folder: Path, seed: int) -> Path:
    path = folder / f"net{seed}.json"
    weights = np.random.default_rng(seed).uniform(-0.2, 0.2, 197 * 8 + 9 * 10)
    Network([196, 8, 10], "sigmoid", weights).save(path)
    return path


def build(out: Path, network: Path, prelude: str = "") -> subprocess.CompletedProcess:
    """`sb3gen build --network ...` in a child; `prelude` is Python run first (to inject an interrupt)."""
    args = ["build", "--network", str(network), "--train-images", "20", "--test-images", "10", "--math",
            "native", "-o", str(out / "mnist.sb3")]
    code = f"{prelude}\nimport sys\nfrom sb3gen.cli import main\nsys.exit(main({args!r}))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def sets(tmp_path_factory) -> dict:
    """The old set (network 1) and the new set (network 2), each built cleanly, for comparison."""
    folder = tmp_path_factory.mktemp("sets")
    nets = {seed: network_file(folder, seed) for seed in (1, 2)}
    result = {"nets": nets}
    for seed, net in nets.items():
        out = folder / f"set{seed}"
        done = build(out, net)
        assert done.returncode == 0, done.stderr
        result[seed] = snapshot(out)
        assert sorted(result[seed]) == sorted(SET)
    assert result[1]["mnist.sb3"] != result[2]["mnist.sb3"]
    return result


def old_set(tmp_path: Path, sets: dict) -> Path:
    out = tmp_path / "build"
    out.mkdir()
    for name, data in sets[1].items():
        (out / name).write_bytes(data)
    return out


INTERRUPT_AFTER_NETWORK_JSON = """
import sb3gen.ml.subsets as subsets
def interrupted(*args, **kwargs):
    raise KeyboardInterrupt  # Ctrl-C after the .sb3 and network.json were written, before subsets.json
subsets.write_subsets = interrupted
"""

SIGINT_DURING_THE_RENAMES = """
import os, signal
real_replace = os.replace
def replace(source, target):
    real_replace(source, target)
    if ".sb3gen-writing-" not in str(target):  # a file moved into place: a real Ctrl-C right after the first
        os.kill(os.getpid(), signal.SIGINT)
os.replace = replace
"""


def test_an_interrupt_between_writes_leaves_the_old_set(tmp_path, sets) -> None:
    out = old_set(tmp_path, sets)
    done = build(out, sets["nets"][2], INTERRUPT_AFTER_NETWORK_JSON)
    assert done.returncode == 130 and "interrupted" in done.stderr, done.stderr
    assert snapshot(out) == sets[1]  # nothing new, nothing half-written, no temporary folder


def test_an_interrupt_during_the_renames_waits_for_them_and_leaves_the_new_set(tmp_path, sets) -> None:
    out = old_set(tmp_path, sets)
    done = build(out, sets["nets"][2], SIGINT_DURING_THE_RENAMES)
    assert done.returncode == 130, done.stderr
    assert snapshot(out) == sets[2]


def test_a_failed_build_removes_the_folders_it_created(tmp_path, sets) -> None:
    out = tmp_path / "new" / "deeper"
    done = build(out, sets["nets"][2], INTERRUPT_AFTER_NETWORK_JSON)
    assert done.returncode == 130
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def small_disk(tmp_path, sets):
    """A tmpfs with room for one set and a half: the old set fits, old + new do not."""
    size = sum(len(data) for data in sets[1].values())
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size * 3 // 2}", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_leaves_the_old_set(small_disk, sets) -> None:
    out = small_disk / "build"
    first = build(out, sets["nets"][1])
    assert first.returncode == 0, first.stderr
    assert snapshot(out) == sets[1]
    second = build(out, sets["nets"][2])
    assert second.returncode == 2, second.stderr
    lines = [line for line in second.stderr.strip().splitlines() if not PHASE_LINE.match(line)]
    assert len(lines) == 1 and "No space left on device" in lines[0] and str(out) in lines[0], lines
    assert snapshot(out) == sets[1]
    assert sorted(os.listdir(small_disk)) == ["build"]


# --- the helper itself, in process ----------------------------------------------------------------------

def test_output_set_commits_everything_or_nothing(tmp_path) -> None:
    target = tmp_path / "out"
    with OutputSet(target, main="a.sb3") as out:
        out.write_bytes("a.sb3", b"new main")
        out.write_text("side.json", "{}")
        (out.folder / "plot.png").write_bytes(b"png")  # a writer given the folder
    assert snapshot(target) == {"a.sb3": b"new main", "plot.png": b"png", "side.json": b"{}"}
    with pytest.raises(RuntimeError), OutputSet(target, main="a.sb3") as out:
        out.write_bytes("a.sb3", b"newer")
        raise RuntimeError("failed halfway")
    assert snapshot(target)["a.sb3"] == b"new main"
    assert not [p for p in target.iterdir() if p.name.startswith(STAGING_PREFIX)]


@pytest.mark.parametrize("existing", ["folder", "device"])
def test_output_set_refuses_what_is_not_a_regular_file(tmp_path, existing) -> None:
    if existing == "folder":
        (tmp_path / "a.sb3").mkdir()
        folder, name = tmp_path, "a.sb3"
    else:
        folder, name = Path("/dev"), "null"
    with pytest.raises(Sb3genError, match="folder|not a regular file"), OutputSet(folder, main=name):
        pass
    assert Path("/dev/null").is_char_device()
