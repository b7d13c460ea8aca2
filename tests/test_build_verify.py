"""`sb3gen build` + `sb3gen verify` end to end, in the real scratch-vm."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from sb3gen.cli import main
from sb3gen.ml.export import write_weight_lines


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def check_build_then_verify(capsys, output: Path, text: str, preset: str) -> None:
    """What `build` printed and wrote next to `output`, then `verify` of it in scratch-vm."""
    folder = output.parent
    assert "training with Keras: " in text and "project.json" in text
    assert f"next: open {output} in the Scratch editor (File > Load from your computer)" in text
    for name in ("network.json", "subsets.json", "history.json", "training.png", "evaluation.png"):
        assert (folder / name).is_file(), name
    evaluation = json.loads((folder / "evaluation.json").read_text())
    subsets = json.loads((folder / "subsets.json").read_text())
    assert evaluation["images"] == len(subsets["held_out_indices"]) == 1000  # always the whole held-out set
    assert len(subsets["test_indices"]) == (1000 if preset == "default" else 50)
    assert f"on 1,000 held-out images ({evaluation['correct']} right; 95% interval" in text
    code, text = run_cli(capsys, "verify", str(output))
    assert code == 0, text
    assert "5 of 5 checks passed" in text
    assert "bit-identical" in text


@pytest.mark.parametrize("preset,extra", [
    ("day2", ["--train-images", "200", "--test-images", "50"]),
    ("day3", ["--train-images", "200", "--test-images", "50"]),
])
@pytest.mark.slow  # over 5 s (docs/development.md, Tests)
def test_build_then_verify_passes_every_check(tmp_path, capsys, preset, extra):
    output = tmp_path / "mnist.sb3"
    code, text = run_cli(capsys, "build", "--preset", preset, "--epochs", "2", "-o", str(output), "--retrain",
                         *extra)
    assert code == 0, text
    check_build_then_verify(capsys, output, text, preset)


def test_the_default_build_then_verify_passes_every_check(capsys, default_build):
    """The real default build (conftest.default_build, shared with the accuracy tests)."""
    check_build_then_verify(capsys, default_build / "mnist.sb3", (default_build / "build.log").read_text(),
                            "default")


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory) -> Path:
    """A fixed day-2-layout weights file, so builds need no Keras training."""
    rng = np.random.default_rng(3)
    sizes = [196, 12, 10]
    count = sum((a + 1) * b for a, b in zip(sizes, sizes[1:], strict=False))
    path = tmp_path_factory.mktemp("weights") / "weights.txt"
    write_weight_lines(rng.uniform(-0.3, 0.3, count), path)
    return path


def build_from_weights(capsys, weights: Path, output: Path, *extra: str) -> None:
    code, text = run_cli(capsys, "build", "--weights", str(weights), "--layers", "196,12,10", "--activation",
                         "sigmoid", "--train-images", "60", "--test-images", "20", "-o", str(output), *extra)
    assert code == 0, text


@pytest.mark.slow  # over 5 s (docs/development.md, Tests)
def test_same_inputs_give_the_same_bytes(tmp_path, capsys, weights_file):
    build_from_weights(capsys, weights_file, tmp_path / "a" / "mnist.sb3")
    build_from_weights(capsys, weights_file, tmp_path / "b" / "mnist.sb3")
    assert (tmp_path / "a" / "mnist.sb3").read_bytes() == (tmp_path / "b" / "mnist.sb3").read_bytes()
    build_from_weights(capsys, weights_file, tmp_path / "c" / "mnist.sb3", "--seed", "1")
    assert (tmp_path / "a" / "mnist.sb3").read_bytes() != (tmp_path / "c" / "mnist.sb3").read_bytes()


def rewrite_project(source: Path, target: Path, change) -> None:
    with zipfile.ZipFile(source) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    project = json.loads(entries["project.json"])
    change(project)
    entries["project.json"] = json.dumps(project).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    target.write_bytes(buffer.getvalue())


def slow_down_learning_in_blocks(project: dict) -> None:
    """Scale one layer's steps by 0.5 instead of the learning rate: wrong, and the VM runs it happily."""
    network = next(t for t in project["targets"] if t["name"] == "Network")
    for block in network["blocks"].values():
        if isinstance(block, dict) and block.get("opcode") == "operator_multiply":
            factor = block["inputs"]["NUM2"]
            if isinstance(factor[1], list) and factor[1][:2] == [12, "epoch learning rate"]:
                block["inputs"]["NUM2"] = [1, [4, "0.5"]]
                return
    raise AssertionError("no `(...) * (epoch learning rate)` block found")


@pytest.mark.slow  # over 5 s (docs/development.md, Tests)
def test_verify_fails_with_exit_1_when_the_blocks_compute_something_else(tmp_path, capsys, weights_file):
    built = tmp_path / "mnist.sb3"
    build_from_weights(capsys, weights_file, built)
    broken = tmp_path / "broken.sb3"
    rewrite_project(built, broken, slow_down_learning_in_blocks)
    code, text = run_cli(capsys, "verify", str(broken), "--images", "3")
    assert code == 1, text
    assert "[FAIL] (5)" in text and "[PASS] (2)" in text


def test_verify_refuses_what_is_not_a_network_project(tmp_path, capsys, build_sb3, target):
    text_file = tmp_path / "notes.sb3"
    text_file.write_text("hello")
    corrupt = tmp_path / "corrupt.sb3"
    corrupt.write_bytes(build_sb3([target("Stage")])[:40])
    plain = tmp_path / "plain.sb3"
    plain.write_bytes(build_sb3([target("Stage")]))
    for path, message in ((text_file, "not an .sb3"), (corrupt, "not an .sb3"),
                          (plain, "not a network project"), (tmp_path / "missing.sb3", "no such file")):
        code, text = run_cli(capsys, "verify", str(path))
        assert code == 2, text
        assert message in text
        assert len(text.strip().splitlines()) == 1
