"""`sb3gen build` refuses bad requests before reading data or training, and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from sb3gen.cli import main


def run_build(capsys, *args: str) -> tuple[int, str]:
    code = main(["build", *args])
    return code, capsys.readouterr().err


def test_unwritable_output_is_refused_before_any_work(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    code, err = run_build(capsys, "-o", str(blocker / "mnist.sb3"))
    assert code == 2
    assert f"cannot write to {blocker}" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a file"]


def test_output_that_is_a_folder_is_refused(tmp_path: Path, capsys) -> None:
    code, err = run_build(capsys, "-o", str(tmp_path))
    assert code == 2
    assert "is a folder" in err and str(tmp_path / "mnist.sb3") in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, message", [
    (("--train-images", "90000", "--test-images", "1000"), "images fit in all (choose with --train-images"),
    (("--train-images", "250000"), "over Scratch's 200,000 items per list"),
])
def test_image_counts_over_the_limits_are_refused_saying_how_many_fit(tmp_path: Path, capsys, args,
                                                                      message) -> None:
    code, err = run_build(capsys, *args, "--data", str(tmp_path / "missing.npz"), "-o",
                          str(tmp_path / "out" / "mnist.sb3"))
    assert code == 2
    assert message in err and "missing.npz" not in err  # refused before the data is read
    assert not (tmp_path / "out" / "mnist.sb3").exists()


def test_a_bad_model_file_is_refused_before_the_data_is_read(tmp_path: Path, capsys) -> None:
    model = tmp_path / "model.keras"
    model.write_bytes(b"not a zip")
    code, err = run_build(capsys, "--model", str(model), "--data", str(tmp_path / "missing.npz"),
                          "-o", str(tmp_path / "out" / "mnist.sb3"))
    assert code == 2
    assert str(model) in err and "missing.npz" not in err
    assert not (tmp_path / "out" / "mnist.sb3").exists()


@pytest.mark.parametrize("args, cause", [
    (["--layers", "196,-5,10"], "argument --layers: layer sizes must be at least two whole numbers >= 1"),
    (["--layers", "196,x,10"], "argument --layers: layer sizes must be whole numbers"),
    (["--seed", "-1"], "argument --seed: -1 is outside 0 .. 4,294,967,295"),
    (["--seed", "99999999999"], "argument --seed: 99999999999 is outside"),
    (["--epochs", "0"], "argument --epochs: 0 must be at least 1"),
])
@pytest.mark.parametrize("command", ["build", "train"])
def test_bad_options_are_one_line_and_exit_2(tmp_path: Path, capsys, command, args, cause) -> None:
    out = ["-o", str(tmp_path / "mnist.sb3")] if command == "build" else ["--out", str(tmp_path)]
    with pytest.raises(SystemExit) as stopped:
        main([command, *args, *out])
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert cause in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
