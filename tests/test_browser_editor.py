"""The generated project in the real Scratch editor (scratch-gui, fetched at test time) in headless Chromium:
loaded through File > Load from your computer, green flag, digits drawn with the mouse on the stage, Train
and Test pressed like a person would. Any page error, console error, HTTP error or request leaving
localhost fails the test. Needs node/npm and Debian's chromium (see tests/browser/editor_harness.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
import editor_harness  # noqa: E402

from sb3gen.project import ui_layout as L  # noqa: E402
from sb3gen.project.ui_i18n import texts  # noqa: E402
from sb3gen.project.ui_layout import PAD  # noqa: E402
from sb3gen.vm import run_project  # noqa: E402

PAD_BOX = {"left": PAD.left, "top": PAD.top, "size": PAD.side * PAD.cell}
BARS = {"left": L.BARS_LEFT, "top": L.BARS_TOP_Y, "step": L.BARS_STEP, "length": L.BARS_LENGTH}


@pytest.fixture(scope="module")
def fast_sb3(fast_build: Path) -> Path:
    """A fast build (conftest.FAST_BUILD): the browser test is about the editor, not about accuracy."""
    return fast_build


@pytest.fixture(scope="module")
def report(fast_sb3: Path) -> dict:
    options = {"sb3": str(fast_sb3), "load": "menu", "pad": PAD_BOX, "bars": BARS, "selfCheck": True}
    return editor_harness.run_driver("mnist_scenario.mjs", [json.dumps(options)], timeout=600)


def test_editor_runs_the_project_without_any_error(report: dict) -> None:
    assert "error" not in report, report.get("error")
    assert report["problems"] == []
    assert "loadFromComputer" in report["timings"]  # loaded through the File menu and the file chooser
    assert {"Stage", "Predict", "Clear", "Train", "Test"} <= set(report["targets"])


def test_harness_catches_what_it_must_fail_on(report: dict) -> None:
    """Negative control, run after the scenario in the same page: each kind of problem is recorded."""
    caught = "\n".join(report["selfCheck"])
    assert "HTTP 404" in caught
    assert "request leaving localhost (aborted): https://example.com/" in caught
    assert "console error: sb3gen self-check" in caught
    assert "page error: sb3gen self-check" in caught


@pytest.mark.parametrize("digit", [1, 0])
def test_drawing_with_the_mouse_gives_a_prediction(report: dict, digit: int) -> None:
    drawn = next(d for d in report["digits"] if d["drawn"] == digit)
    assert drawn["spritesDragged"] == []  # every sprite is draggable in the editor: drawing must grab none
    assert drawn["padBeforeNonzero"] == 0  # Clear emptied the pad
    inked = [float(v) for v in drawn["pad"] if float(v) > 0]
    assert len(drawn["pad"]) == 784 and len(inked) >= 15
    assert len(drawn["penPath"]["path x"]) >= 3 and drawn["penPath"]["path joined"][0] in (0, "0")  # kept
    # the ink lies where the mouse drew it (mouse -> cell mapping in the real editor)
    (col, row), (stroke_col, stroke_row) = drawn["padCentroid"], drawn["strokeCentroid"]
    assert abs(col - stroke_col) < 1.5 and abs(row - stroke_row) < 1.5
    prediction = str(drawn["prediction"])
    assert prediction in [str(d) for d in range(10)]
    assert str(drawn["predictionAgain"]) == prediction  # the project's own `predict pad`, same VM


@pytest.mark.parametrize("digit", [1, 0])
def test_editor_prediction_equals_headless_scratch_vm(report: dict, fast_sb3: Path, digit: int) -> None:
    """The pad drawn in the editor, put into scratch-vm in Node: its `predict pad` gives the same digit."""
    drawn = next(d for d in report["digits"] if d["drawn"] == digit)
    result = run_project(fast_sb3, [
        {"green_flag": True},
        *editor_harness.drawing_actions(drawn),
        {"broadcast": "predict pad"},
    ])
    assert str(result.stage_variables["prediction"]) == str(drawn["prediction"])


def test_train_button_trains_one_epoch_with_moving_progress(report: dict) -> None:
    assert float(report["training"][-1]["epoch"]) == float(report["epochBefore"]) + 1
    # recorded after every VM frame: the values the progress display showed while training ran
    shown = [float(f["values"][1]) for f in report["trainingFrames"] if f["running"] > 0]
    assert len(set(shown)) >= 2, report["trainingFrames"]
    assert shown == sorted(shown) and shown[-1] <= 100


def test_test_button_measures_accuracy(report: dict) -> None:
    assert any(f["running"] > 0 for f in report["testingFrames"])  # the Test scripts ran
    assert report["testing"][-1]["running"] == 0
    accuracy = float(report["accuracy"])
    assert 0 <= accuracy <= 100


def test_clicking_a_bar_corrects_the_drawing_and_changes_the_prediction(report: dict) -> None:
    """The drawn 0 is corrected with a click on a bar: to 0 if the network said otherwise, else to its second
    choice, so the prediction must change either way."""
    correction = report["correction"]
    target, after = correction["target"], correction["after"]
    assert correction["before"] != target and 1 <= len(after) <= 3 and after[-1] == target, correction
    assert [int(float(d)) for d in correction["myLabels"]] == [target] * len(after)
    t = texts("en")
    assert correction["message"] == f"{t['learned']}{target}{t['now i say']}{target}{t['now i say end']}"


def test_the_views_open_after_test(report: dict) -> None:
    confusion, weights = report["views"]["confusion"], report["views"]["weights"]
    assert confusion["view"] == "confusion" and weights["view"] == "weights"
    counts = [int(float(c)) for c in confusion["confusion"]]
    assert len(counts) == 100 and sum(counts) == 40  # every test image of the fast build, once
    assert len(confusion["mistakes"]) == 40 - sum(counts[d * 11] for d in range(10))
    if confusion["mistakes"]:
        assert confusion["message"].startswith(texts("en")["mistake image"])
    assert str(weights["prediction"]) in [str(d) for d in range(10)]  # the 1 drawn in the weights view


def overlaps(a: list[float], b: list[float]) -> bool:
    """Boxes [left, top, right, bottom] in stage coordinates (y up)."""
    return a[0] < b[2] and b[0] < a[2] and a[3] < b[1] and b[3] < a[1]


@pytest.mark.parametrize("when", ["answer", "confusion", "weights"])
def test_nothing_on_the_stage_overlaps(report: dict, when: str) -> None:
    """Buttons, the answer card and the monitors as the editor shows them (sprite bounds, monitor boxes)."""
    layout = report["layout"] if when == "answer" else report["views"][when]["layout"]
    assert sum(box["kind"] == "sprite" for box in layout) >= 12
    clashes = [f"{a['name']} / {b['name']}" for i, a in enumerate(layout) for b in layout[i + 1:]
               if overlaps(a["box"], b["box"])]
    assert not clashes, clashes
    outside = [box["name"] for box in layout
               if box["box"][0] < -240 or box["box"][2] > 240 or box["box"][1] > 180 or box["box"][3] < -180]
    assert not outside, outside
