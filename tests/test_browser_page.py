"""The standalone HTML page (`sb3gen build --html`) in headless Chromium, opened from file:// with every
other request blocked: it loads and starts by itself, a digit drawn with the mouse gets the answer the
headless Scratch VM gives for the same pad, Train runs one epoch and Test measures the accuracy that
scratch-vm measures with the page's trained weights. Any page error, console error or request fails the
test."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
import editor_harness  # noqa: E402

from sb3gen.project.ui_i18n import texts  # noqa: E402
from sb3gen.project.ui_layout import PAD  # noqa: E402
from sb3gen.vm import run_project  # noqa: E402

PAD_BOX = {"left": PAD.left, "top": PAD.top, "size": PAD.side * PAD.cell}


@pytest.fixture(scope="module")
def built(fast_build: Path) -> Path:
    """A fast build with its page (conftest.FAST_BUILD): the test is about the page, not about accuracy."""
    return fast_build


@pytest.fixture(scope="module")
def report(built: Path) -> dict:
    options = {"html": str(built.with_suffix(".html")), "pad": PAD_BOX}
    return editor_harness.run_driver("page_scenario.mjs", [json.dumps(options)], timeout=600)


def test_page_runs_offline_without_any_error(report: dict) -> None:
    assert "error" not in report, report.get("error")
    assert report["problems"] == []  # no request left the file, no page or console error
    assert report["title"] == texts("en")["title"]
    assert {"Stage", "Pad", "Predict", "Clear", "Train", "Test", "Network"} <= set(report["targets"])
    assert report["compilerEnabled"] is True and report["turbo"] is True and report["framerate"] == 30


@pytest.mark.parametrize("digit", [1, 0])
def test_drawn_digit_gets_the_headless_vm_answer(report: dict, built: Path, digit: int) -> None:
    drawn = next(d for d in report["digits"] if d["drawn"] == digit)
    assert len(drawn["pad"]) == 784 and sum(float(v) > 0 for v in drawn["pad"]) >= 15  # the mouse drew ink
    result = run_project(built, [
        {"green_flag": True},
        *editor_harness.drawing_actions(drawn),
        {"broadcast": "predict pad"},
    ])
    assert str(result.stage_variables["prediction"]) == str(drawn["prediction"])


def test_train_runs_one_epoch_and_test_agrees_with_scratch_vm(report: dict, built: Path) -> None:
    assert float(report["epoch"]) == float(report["epochBefore"]) + 1
    assert math.isfinite(float(report["loss"])) and float(report["loss"]) > 0
    shipped = run_project(built, []).stage_lists["weights"]
    trained = report["weights"]
    assert len(trained) == len(shipped) and trained != shipped
    # the accuracy the page measured is the one scratch-vm measures with the page's trained weights
    result = run_project(built, [{"set_list": "weights", "values": trained}, {"broadcast": "test"}])
    assert float(result.stage_variables["accuracy"]) == float(report["accuracy"])
