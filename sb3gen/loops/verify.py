"""`sb3gen verify` for a loop project (one with the stage list `loop layers`): the network is rebuilt from the
project alone (sb3gen.loops.description), run in scratch-vm or TurboWarp, and compared with the reference
(sb3gen.loops.reference) bit for bit:

  (1) structure: every id, link, opcode, variable, list and custom block call resolves
  (2) `test`: every prediction and `accuracy`
  (3) `unpack` then `predict` on the first test images: `input` and every layer's output (`activations`)
  (4) one `train` epoch from the project's weights: `weights` and `loss`

(The Keras comparison is the importer's: each layer within 1e-5 of Keras, tests/test_keras_target_models.py.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sb3gen.errors import Sb3genError
from sb3gen.kinds import Layer
from sb3gen.loops import reference
from sb3gen.loops.description import LIST_NAME, read_layers
from sb3gen.loops.plan import flat_weights
from sb3gen.project.inputs import GREY28, InputFormat, binary
from sb3gen.reference import schedule
from sb3gen.verify import ACTIVATION_IMAGES, TRAIN_STEP_LIMIT, Check

GREY_TABLES = ("grey counts", "grey levels")


def is_loop_project(project_json: dict) -> bool:
    """Whether the stage has the list `loop layers` (an untrusted file may hold anything: no is no)."""
    stage = _stage(project_json)
    lists = stage.get("lists") if stage is not None else None
    if not isinstance(lists, dict):
        return False
    return any(isinstance(entry, list) and entry[:1] == [LIST_NAME] for entry in lists.values())


def is_int8(lists: dict) -> bool:
    """--weight-int8: `weights` ships empty, `int8 weights` holds the codes."""
    return "int8 weights" in lists and not lists.get("weights")


@dataclass
class LoopData:
    layers: list[Layer]
    fmt: InputFormat
    lists: dict[str, list[Any]]
    variables: dict[str, Any]
    train: np.ndarray
    test: np.ndarray
    train_labels: np.ndarray
    test_labels: np.ndarray


def _stage(project_json: dict) -> dict | None:
    targets = project_json.get("targets") if isinstance(project_json, dict) else None
    if not isinstance(targets, list):
        return None
    return next((t for t in targets if isinstance(t, dict) and t.get("isStage")), None)


def read_loop_project(project_json: dict, label: str, images: int | None) -> LoopData:
    stage = _stage(project_json) or {}
    try:
        lists = {name: values for name, values in stage["lists"].values()}
        variables = {name: value for name, value, *_ in stage["variables"].values()}
        if is_int8(lists):  # the weights `decode the int8 weights` makes (sb3gen.reference.int8)
            from sb3gen.reference import int8

            weights = int8.from_lists(lists, "int8 symbols")
        else:
            weights = np.array([float(w) for w in lists["weights"]], dtype=np.float64)
        layers = read_layers(lists[LIST_NAME], weights, label)
        n = layers[0].n_in
        fmt = GREY28 if all(name in lists for name in GREY_TABLES) else binary(round(n ** 0.5))
        if fmt.n_inputs != n:
            raise ValueError(f"the network takes {n} inputs, the images give {fmt.n_inputs}")
        keep = slice(None) if images is None else slice(0, images)
        lists["train images"], lists["test images"] = lists["train images"][keep], lists["test images"][keep]
        lists["train labels"], lists["test labels"] = lists["train labels"][keep], lists["test labels"][keep]
        tables = {name: lists[name] for name in GREY_TABLES if name in lists}
        train, test = (fmt.decode(list(lists[name]), lists["symbols"], tables)
                       for name in ("train images", "test images"))
        return LoopData(layers, fmt, lists, variables, train, test,
                        np.array(lists["train labels"], dtype=np.int64),
                        np.array(lists["test labels"], dtype=np.int64))
    except (KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
        raise Sb3genError(f"{label}: not a loop project sb3gen wrote ({type(exc).__name__}: {exc})") from None


def verify_loop_project(path: Path, project_json: dict, *, engine: str, images: int | None) -> list[Check]:
    from sb3gen.scratch import check_project
    from sb3gen.vm import VMError, run_project

    data = read_loop_project(project_json, str(path), images)
    shown = min(ACTIVATION_IMAGES, len(data.test_labels))
    actions: list[dict[str, Any]] = [
        {"set_list": name, "values": data.lists[name]}
        for name in ("train images", "train labels", "test images", "test labels")]
    if is_int8(data.lists):  # decoded in blocks, as at the green flag; the rate and epoch as shipped
        actions += [{"broadcast": "restore weights"},
                    {"set_variable": "LEARNING_RATE", "value": data.variables["LEARNING_RATE"]},
                    {"set_variable": "epoch", "value": data.variables["epoch"]}]
    for code in data.lists["test images"][:shown]:
        actions += [{"set_variable": "packed image", "value": code}, {"broadcast": "unpack"},
                    {"broadcast": "predict"}, {"read": True}]
    actions += [{"set_variable": "accuracy", "value": ""}, {"set_list": "predictions", "values": []},
                {"broadcast": "test"}, {"read": True}, {"broadcast": "train"}, {"read": True}]
    try:
        run = run_project(path, actions, engine=engine, max_steps=TRAIN_STEP_LIMIT)
    except VMError as exc:
        raise Sb3genError(f"{path}: the Scratch VM could not run it: {exc}") from None
    stages = [s["Stage"] for s in run.snapshots]

    structure = Check(1, "scratch-parser and structural check", True,
                      [f"scratch-parser accepted it, {engine} loaded it"])
    try:
        check_project(project_json)
    except Sb3genError as exc:
        structure.passed, structure.lines = False, [f"structure: {exc}"]
    return [structure, _test_check(data, stages[shown]), _activation_check(data, stages[:shown]),
            _train_check(data, stages[shown + 1])]


def _numbers(values: Any) -> np.ndarray:
    return np.array([float(v) for v in values], dtype=np.float64)


def _test_check(data: LoopData, after: dict) -> Check:
    predictions, accuracy = reference.test(data.layers, data.test, data.test_labels)
    vm = [int(v) for v in _numbers(after["lists"]["predictions"])]
    vm_accuracy = float(after["variables"]["accuracy"])
    same = vm == predictions and vm_accuracy == accuracy
    return Check(2, "`test`: predictions and accuracy equal the reference", same,
                 [f"{len(predictions)} predictions {'equal' if vm == predictions else 'DIFFER'}; accuracy "
                  f"{vm_accuracy:.2f}% (reference {accuracy:.2f}%)"])


def _activation_check(data: LoopData, snapshots: list[dict]) -> Check:
    check = Check(3, "`unpack` + `predict`: input and every layer's output bit for bit", True)
    worst: dict[str, float] = {}
    for image, snapshot in zip(data.test, snapshots, strict=False):
        expected = reference.forward(data.layers, image)
        got = _numbers(snapshot["lists"]["activations"])
        parts = [("input", image), *((layer.name, out) for layer, out in zip(data.layers, expected.outputs,
                                                                            strict=True))]
        start = 0
        for name, values in parts:
            piece = got[start:start + values.size]
            start += values.size
            same = piece.shape == values.shape and np.array_equal(piece, values)
            check.passed &= same
            difference = float(np.max(np.abs(piece - values))) if piece.shape == values.shape else np.inf
            worst[name] = max(worst.get(name, 0.0), difference)
    check.lines.append(f"{len(snapshots)} images; largest difference per layer: "
                       + ", ".join(f"{name} {value:g}" for name, value in worst.items()))
    return check


def _train_check(data: LoopData, after: dict) -> Check:
    v = data.variables
    plan = schedule.plan_epoch(_numbers(data.lists.get("order", [])), len(data.train_labels),
                               float(v["random state"]), float(v["LEARNING_RATE"]),
                               float(v["LEARNING_RATE_DECAY"]), float(v["epoch"]))
    trained, loss = reference.train_epoch(data.layers, data.train, data.train_labels, plan)
    expected = flat_weights(trained)
    weights = _numbers(after["lists"]["weights"])
    same_weights = weights.shape == expected.shape and np.array_equal(weights, expected)
    vm_loss = float(after["variables"]["loss"])
    changed = int(np.sum(expected != flat_weights(data.layers)))
    return Check(4, "one `train` epoch: weights and loss equal the reference",
                 same_weights and vm_loss == loss,
                 [f"{len(data.train_labels)} images at rate {plan.rate:g}: {changed:,} weights changed, all "
                  f"{'equal' if same_weights else 'NOT equal'}; loss {vm_loss:.6f} (reference {loss:.6f})"])
