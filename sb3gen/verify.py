"""Run an .sb3 built by sb3gen in the real Scratch VM and prove its numbers equal the numpy reference.

Checks: (1) scratch-parser (the VM's own loader) and sb3gen's structural check; (2) `test`: predictions
for every test image and `accuracy` equal the reference's; (3) `unpack` then `predict` on the first 10 test
images: the unpacked pixels and every layer's activations against the reference (max absolute difference per
layer); (4) the reference against the Keras model rebuilt from the project's weights: agreement of predicted
digits, largest probability difference, and Scratch's accuracy at least Keras' minus 1 point; (5) one `train`
epoch from the project's weights: the shuffled order, `weights` and `loss` equal the reference's training
within 1e-9 relative. Checks 2 and 5 decode every packed image in blocks; --images N limits them (and 4) to
the first N test and training images.

Exit 0 when every check passes, 1 when one fails, 2 for a file that is not a project built by sb3gen.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from sb3gen import layers as layer_kinds
from sb3gen.errors import Sb3genError

RELATIVE_TOLERANCE = 1e-9
ACTIVATION_IMAGES = 10  # check (3): test images unpacked and run through `predict` one by one
KERAS_ACCURACY_MARGIN = 1.0  # points: Scratch may score at most this much below Keras
TRAIN_STEP_LIMIT = 100_000


@dataclass
class Check:
    number: int
    title: str
    passed: bool
    lines: list[str] = field(default_factory=list)


@dataclass
class ProjectData:
    """The automation interface as stored in project.json."""

    layer_sizes: list[int]
    hidden_activation: str
    weights: np.ndarray
    learning_rate: float
    learning_rate_decay: float
    random_state: float
    order: list[float]
    epoch: float
    math: str
    exp_table: np.ndarray | None
    log_table: np.ndarray | None
    symbols: list[str]
    train_codes: list[str]  # the packed items as stored
    test_codes: list[str]
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    layer_specs: list | None = None  # from the `layer kinds` list; None: dense layers of layer_sizes
    int8: bool = False  # --weight-int8: `weights` ships empty and `restore weights` decodes `int8 weights`

    @property
    def layers(self) -> list:
        """The neutral layer description (sb3gen.layers) the project was built from."""
        side = int(round(self.layer_sizes[0] ** 0.5))
        if self.layer_specs is None:
            return layer_kinds.describe(layer_kinds.input_shape(self.layer_sizes[0]),
                                        layer_kinds.mlp_specs(self.layer_sizes, self.hidden_activation))
        return layer_kinds.describe((side, side, 1), self.layer_specs)


    @property
    def shape_text(self) -> str:
        """How people read the network: '196-64-10 relu', or a CNN's layers ('conv 8 3x3 relu, ...')."""
        if self.layer_specs is None:
            return f"{'-'.join(map(str, self.layer_sizes))} {self.hidden_activation}"
        return ", ".join(layer_kinds.layer_text(layer) for layer in self.layers)

    def first(self, n: int) -> ProjectData:
        """The same project with only its first n training and first n test images."""
        return replace(self, train_codes=self.train_codes[:n], test_codes=self.test_codes[:n],
                       train_images=self.train_images[:n], train_labels=self.train_labels[:n],
                       test_images=self.test_images[:n], test_labels=self.test_labels[:n])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE.sb3", help="a project written by 'sb3gen build'")
    parser.add_argument("--engine", choices=["scratch-vm", "turbowarp"], default="scratch-vm",
                        help="Scratch runtime to run it in (default: %(default)s)")
    parser.add_argument("--images", type=int, metavar="N",
                        help="check `test` on the first N test images and a training epoch on the first N "
                             "training images (default: all of them)")
    parser.add_argument("--model", type=Path, metavar="FILE.onnx",
                        help="the ONNX model a loop project was built from: check (5), each layer of its "
                             "import within 1e-5 of onnx's reference evaluator and the project's weights "
                             "the model's (default: no model check)")
    from sb3gen.ml.options import add_verbosity  # argparse only: no TensorFlow

    add_verbosity(parser, quiet="print only the last line (how many checks passed, which failed)",
                  verbose=None)


def run(args: argparse.Namespace) -> int:
    checks = verify_file(args.file, engine=args.engine, images=args.images,
                         log=(lambda line: None) if args.quiet else print_safely, model=args.model)
    failed = [c for c in checks if not c.passed]
    print(f"{len(checks) - len(failed)} of {len(checks)} checks passed"
          + (f"; FAILED: {', '.join(f'({c.number})' for c in failed)}" if failed else ""))
    return 1 if failed else 0


def print_safely(line: str) -> None:
    """A report line that may quote the project (block ids, names): one terminal line at most 2,000 long."""
    from sb3gen.untrusted import safe_line

    print(safe_line(line, 2000))


def verify_file(path: Path, *, engine: str = "scratch-vm", images: int | None = None,
                log=print, model: Path | None = None) -> list[Check]:
    from sb3gen.scratch import Sb3File

    if images is not None and images < 1:
        raise Sb3genError("--images must be at least 1")
    if model is not None and Path(model).suffix.lower() != ".onnx":
        raise Sb3genError(f"{model}: verify --model compares with an ONNX model (.onnx)")
    from sb3gen.untrusted import check_regular

    check_regular(path, ".sb3 file")  # missing, a folder, a device or a FIFO: one line
    with Sb3File(path) as sb3:  # Sb3genError (exit 2) for anything that is not a readable .sb3
        project_json = sb3.project_json
        sb3.asset_sizes()  # the VM will load every asset: each must decompress within its limit
    extensions = checked_extensions(project_json, str(path))
    from sb3gen.loops.verify import is_loop_project, verify_loop_project

    if is_loop_project(project_json):  # built on the loop engine (sb3gen/loops/)
        log(f"verifying {path} in {engine}: a loop project")
        if extensions:
            log(f"extensions: {extensions}")
        checks = verify_loop_project(path, project_json, engine=engine, images=images)
        if model is not None:
            from sb3gen.importers.onnx_check import model_check
            from sb3gen.loops.verify import read_loop_project

            data = read_loop_project(project_json, str(path), images)
            shown = data.test[:ACTIVATION_IMAGES]
            checks.append(model_check(Path(model), data.layers, shown, len(checks) + 1))
        return _logged(checks, log)
    if model is not None:
        raise Sb3genError(f"{path}: --model is checked for projects built on the loop engine")
    data = read_interface(project_json, str(path))
    if images is not None:
        data = data.first(images)
    images = min(ACTIVATION_IMAGES, len(data.test_labels))
    log(f"verifying {path} in {engine}: network {data.shape_text}, math {data.math}, "
        f"{len(data.train_labels)} train / {len(data.test_labels)} test images")
    if extensions:
        log(f"extensions: {extensions}")
    checks = [structure_check(project_json, data, str(path))]
    run = run_in_vm(path, data, engine, images)
    checks[0].lines.append(f"scratch-parser accepted it and {engine} loaded it")
    checks.append(test_check(data, run))
    checks.append(activation_check(data, run, images))
    checks.append(keras_check(data))
    checks.append(train_check(data, run))
    return _logged(checks, log)


def _logged(checks: list[Check], log) -> list[Check]:
    for check in checks:
        log(f"[{'PASS' if check.passed else 'FAIL'}] ({check.number}) {check.title}")
        for line in check.lines:
            log(f"       {line}")
    return checks


# --- reading the project ---------------------------------------------------------------------------------

def checked_extensions(project_json: dict, label: str) -> str | None:
    """The line naming the extensions the project asks for; Sb3genError for one not built into Scratch,
    whatever the engine: its code would come from the file (TurboWarp's loader refuses it too)."""
    from sb3gen.scratch.extensions import extensions_line, foreign, refusal, requested_extensions

    requests = requested_extensions(project_json)
    if foreign(requests):
        raise Sb3genError(refusal(label, requests, "no project built by sb3gen asks for one"))
    return extensions_line(requests)


def read_interface(project_json: dict, label: str) -> ProjectData:
    from sb3gen.project.network import BROADCASTS, STAGE_LISTS, STAGE_VARIABLES
    from sb3gen.reference.packed import unpack_all

    stage = project_json["targets"][0] if project_json.get("targets") else {}
    variables = {entry[0]: entry[1] for entry in stage.get("variables", {}).values()}
    lists = {entry[0]: entry[1] for entry in stage.get("lists", {}).values()}
    broadcasts = set(stage.get("broadcasts", {}).values())
    missing = [f"list {n!r}" for n in STAGE_LISTS if n not in lists]
    missing += [f"variable {n!r}" for n in STAGE_VARIABLES if n not in variables]
    missing += [f"broadcast {n!r}" for n in BROADCASTS if n not in broadcasts]
    if missing:
        raise Sb3genError(f"{label}: not a network project built by sb3gen (no {', '.join(missing[:3])})")
    from sb3gen import layers as layer_kinds

    sizes = check_lists(lists, label)  # lengths and types, before any of them sizes an allocation
    int8_project = "int8 weights" in lists and not lists["weights"]
    if int8_project:  # the weights the blocks decode (sb3gen.reference.int8), bit for bit
        from sb3gen.reference import int8

        try:
            lists = dict(lists, weights=int8.from_lists(lists).tolist())
        except (ValueError, TypeError, KeyError, OverflowError) as exc:
            raise Sb3genError(f"{label}: the int8 weight lists are malformed ({exc})") from None
    try:
        n_inputs = sizes[0]
        specs = [layer_kinds.spec_from_text(t) for t in lists["layer kinds"]] if "layer kinds" in lists \
            else None
        math = "tables" if "exp table" in lists and "log table" in lists else "native"
        symbols = [str(s) for s in lists["symbols"]]
        data = ProjectData(
            layer_sizes=sizes, hidden_activation=str(variables["hidden activation"]),
            weights=np.array(lists["weights"], dtype=np.float64),
            learning_rate=float(variables["LEARNING_RATE"]),
            learning_rate_decay=float(variables["LEARNING_RATE_DECAY"]),
            random_state=float(variables["random state"]), order=[float(v) for v in lists["order"]],
            epoch=float(variables["epoch"]), math=math,
            exp_table=np.array(lists["exp table"], dtype=np.float64) if math == "tables" else None,
            log_table=np.array(lists["log table"], dtype=np.float64) if math == "tables" else None,
            symbols=symbols, train_codes=[str(c) for c in lists["train images"]],
            test_codes=[str(c) for c in lists["test images"]],
            train_images=unpack_all(lists["train images"], symbols, n_inputs),
            train_labels=np.array(lists["train labels"], dtype=np.int64),
            test_images=unpack_all(lists["test images"], symbols, n_inputs),
            test_labels=np.array(lists["test labels"], dtype=np.int64),
            layer_specs=specs, int8=int8_project,
        )
    except (ValueError, TypeError, IndexError, OverflowError) as exc:
        raise Sb3genError(f"{label}: the network lists are malformed ({exc})") from None
    check_consistent(data, label)
    return data


def check_lists(lists: dict[str, Any], label: str) -> list[int]:
    """The layer sizes, after checking what the lists would make verify allocate or loop over: every list
    within LIMITS' "list items", layer sizes whole numbers, 64 distinct one-letter symbols, every packed image
    of the right length in those symbols, and no more pixels than LIMITS' "verify pixels"."""
    from sb3gen.reference.packed import VALUES, scratch_equal, symbol_count
    from sb3gen.untrusted import LIMITS, short, sized_list, whole_number

    for name, items in lists.items():
        sized_list(items, f"{label}: list {short(name)}", LIMITS["list items"])
    sizes = [whole_number(_number_item(n), f"{label}: an item of list 'layer sizes'")
             for n in sized_list(lists["layer sizes"], f"{label}: list 'layer sizes'", LIMITS["layers"])]
    if not sizes:
        raise Sb3genError(f"{label}: list 'layer sizes' is empty")
    symbols = [str(s) if isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= 9 else s
               for s in lists["symbols"]]  # a digit symbol re-saved by Scratch as a number
    if len(symbols) != VALUES or not all(isinstance(s, str) and len(s) == 1 for s in symbols) or any(
            scratch_equal(a, b) for i, a in enumerate(symbols) for b in symbols[i + 1:]):  # 64: 2,016 pairs
        raise Sb3genError(f"{label}: list 'symbols' is not {VALUES} distinct letters (the packed images' "
                          "alphabet)")
    pixels = (len(lists["train images"]) + len(lists["test images"])) * sizes[0]
    if pixels > LIMITS["verify pixels"]:
        raise Sb3genError(f"{label}: the images hold {pixels:,} pixels, more than the "
                          f"{LIMITS['verify pixels']:,} verify checks")
    letters, length = set(symbols), symbol_count(sizes[0])
    for name in ("train images", "test images"):
        for number, code in enumerate(lists[name], start=1):
            if not isinstance(code, str) or len(code) != length or not set(code) <= letters:
                raise Sb3genError(f"{label}: item {number} of list '{name}' is not {length} letters of "
                                  "'symbols' (a packed image)")
    return sizes


def _number_item(value: object) -> object:
    """A list item as Scratch may store it: a number, or its text ("196")."""
    if isinstance(value, str) and 0 < len(value) <= 20:
        try:
            return float(value)
        except ValueError:
            return value
    return value


def check_consistent(data: ProjectData, label: str) -> None:
    """Sizes, weights and images that agree with each other, or one line saying which do not (before the VM
    runs or the reference computes anything)."""
    from sb3gen.ml.network import check_shape

    try:
        check_shape(data.layer_sizes, data.hidden_activation)
    except Sb3genError as exc:
        raise Sb3genError(f"{label}: {exc}") from None
    problems = []
    from sb3gen import layers as layer_kinds

    try:  # the layer description (sb3gen.layers) says how many weights, a CNN's too
        expected = layer_kinds.weight_count(data.layers)
    except Sb3genError as exc:
        raise Sb3genError(f"{label}: {exc}") from None
    if data.weights.size != expected:
        problems.append(f"list 'weights' has {data.weights.size:,} items, layer sizes "
                        f"{'-'.join(map(str, data.layer_sizes))} need {expected:,}")
    elif not np.all(np.isfinite(data.weights)):
        problems.append("list 'weights' holds a value that is not a finite number")
    if not np.isfinite(data.learning_rate):
        problems.append("LEARNING_RATE is not a finite number")
    for what, images, labels in (("train", data.train_images, data.train_labels),
                                 ("test", data.test_images, data.test_labels)):
        if len(images) < 1:
            problems.append(f"list '{what} images' is empty")
        if len(images) != len(labels):
            problems.append(f"{len(images):,} {what} images but {len(labels):,} {what} labels")
        if not np.all((images == 0) | (images == 1)):
            problems.append(f"list '{what} images' holds pixels other than 0 and 1")
        if labels.size and (labels.min() < 0 or labels.max() > 9):
            problems.append(f"list '{what} labels' holds values other than the digits 0-9")
    if problems:
        raise Sb3genError(f"{label}: not a consistent sb3gen network project: " + "; ".join(problems))


def reference(data: ProjectData):
    from sb3gen.reference import ReferenceNetwork

    return ReferenceNetwork(data.layer_sizes, data.hidden_activation, data.weights, data.learning_rate,
                            math=data.math, layers=data.layers)


# --- running ---------------------------------------------------------------------------------------------

@dataclass
class VmRun:
    predicts: list[dict[str, Any]]  # stage variables and lists after each `predict`
    after_test: dict[str, Any]
    after_train: dict[str, Any]
    seconds: dict[str, float]


def run_in_vm(path: Path, data: ProjectData, engine: str, images: int) -> VmRun:
    from sb3gen.vm import VMError, run_project

    # Only the images being checked (all of them unless --images); each check-(3) image goes through `unpack`.
    actions: list[dict[str, Any]] = [
        {"set_list": "train images", "values": data.train_codes},
        {"set_list": "train labels", "values": [int(v) for v in data.train_labels]},
        {"set_list": "test images", "values": data.test_codes},
        {"set_list": "test labels", "values": [int(v) for v in data.test_labels]}]
    if data.int8:  # the blocks decode the int8 weights (as at the green flag); the checks then see them
        actions += [{"broadcast": "restore weights"},
                    {"set_variable": "LEARNING_RATE", "value": data.learning_rate},
                    {"set_variable": "epoch", "value": data.epoch}]
    for code in data.test_codes[:images]:
        actions += [{"set_variable": "packed image", "value": code}, {"broadcast": "unpack"},
                    {"broadcast": "predict"}, {"read": True}]
    # The project ships `accuracy` filled in: blank it and `predictions`, so only `test` can pass check 2.
    actions += [{"set_variable": "accuracy", "value": ""}, {"set_list": "predictions", "values": []},
                {"broadcast": "test"}, {"read": True}, {"broadcast": "train"}, {"read": True}]
    try:
        result = run_project(path, actions, engine=engine, max_steps=TRAIN_STEP_LIMIT)
    except VMError as exc:
        raise Sb3genError(f"{path}: the Scratch VM could not run it: {exc}") from None

    def stage(snapshot: dict) -> dict[str, Any]:
        return {**snapshot["Stage"]["variables"], **snapshot["Stage"]["lists"]}

    snapshots = [stage(s) for s in result.snapshots]
    seconds = {p.action: p.seconds for p in result.phases if p.action in ("broadcast test",
                                                                          "broadcast train")}
    return VmRun(snapshots[:images], snapshots[images], snapshots[images + 1], seconds)


def numbers(values: Any) -> np.ndarray:
    return np.array([float(v) for v in values], dtype=np.float64)


# --- the five checks -------------------------------------------------------------------------------------

def structure_check(project_json: dict, data: ProjectData, label: str) -> Check:
    from sb3gen.reference import tables
    from sb3gen.scratch import check_project

    check = Check(1, "scratch-parser and structural check", True)
    try:
        check_project(project_json)
        check.lines.append("structure: every id, link, opcode, variable, list and custom block call resolves")
    except Sb3genError as exc:
        check.passed = False
        check.lines.append(f"structure: {exc}")
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        # the checker reads projects sb3gen wrote; a block of the wrong shape is not one of them
        raise Sb3genError(f"{label}: a block of project.json is malformed ({type(exc).__name__}: {exc}); "
                          "not a project built by sb3gen") from None
    if data.math == "tables":
        same = np.array_equal(data.exp_table, tables.exp_table()) and \
            np.array_equal(data.log_table, tables.log_table())
        check.passed &= same
        check.lines.append(f"exp/log tables {'equal' if same else 'DIFFER from'} the reference's")
    return check


def test_check(data: ProjectData, run: VmRun) -> Check:
    predictions, accuracy = reference(data).test(data.test_images, data.test_labels)
    vm_predictions = numbers(run.after_test["predictions"]).astype(np.int64)
    vm_accuracy = float(run.after_test["accuracy"])
    same = vm_predictions.shape == predictions.shape and bool(np.all(vm_predictions == predictions))
    differ = int(np.sum(vm_predictions != predictions)) if vm_predictions.shape == predictions.shape else -1
    check = Check(2, "`test`: predictions and accuracy equal the reference's",
                  same and vm_accuracy == accuracy)
    check.lines.append(f"predictions: {len(predictions)} test images, "
                       f"{'all equal' if same else f'{differ} differ (or wrong count)'}")
    check.lines.append(f"accuracy: Scratch {vm_accuracy:g}%, reference {accuracy:g}% "
                       f"({run.seconds.get('broadcast test', 0):.2f} s)")
    return check


def activation_check(data: ProjectData, run: VmRun, images: int) -> Check:
    from sb3gen.project.plan import layer_titles
    from sb3gen.reference.packed import unpack

    ref = reference(data)
    sizes = data.layer_sizes
    bounds = np.cumsum([0, *sizes])
    worst = np.zeros(len(sizes))
    predictions_equal = True
    unpacked_equal = True
    for index in range(images):
        expected = ref.forward(data.test_images[index])
        unpacked = unpack(data.test_codes[index], data.symbols, sizes[0])
        unpacked_equal &= np.array_equal(numbers(run.predicts[index]["input"]), unpacked)
        got = numbers(run.predicts[index]["activations"])
        if got.shape != (bounds[-1],):
            return Check(3, "`predict`: activations per layer", False,
                         [f"image {index + 1}: `activations` has {got.size} items, expected {bounds[-1]}"])
        want = expected.concatenated()
        for layer in range(len(sizes)):
            part = slice(bounds[layer], bounds[layer + 1])
            worst[layer] = max(worst[layer], float(np.max(np.abs(got[part] - want[part]))))
        predictions_equal &= int(float(run.predicts[index]["prediction"])) == expected.prediction
        predictions_equal &= np.array_equal(numbers(run.predicts[index]["probabilities"]),
                                            expected.probabilities)
    names = ["input", *layer_titles(data.layers)]  # as the blocks name them
    check = Check(3, f"`unpack` and `predict` on {images} test images: the unpacked pixels and the "
                  "activations per layer equal the reference's",
                  bool(np.all(worst <= 1e-12)) and predictions_equal and unpacked_equal)
    check.lines.append(f"`input` after `unpack`: {'equal to' if unpacked_equal else 'DIFFERS from'} the "
                       "reference decoder's pixels (all images: checks 2 and 5 decode every one)")
    check.lines.append("max |Scratch - reference|: " + ", ".join(
        f"{name} ({size}) {diff:.1e}" for name, size, diff in zip(names, sizes, worst, strict=True)))
    check.lines.append(f"`prediction` and `probabilities`: {'equal' if predictions_equal else 'DIFFER'}")
    return check


def keras_check(data: ProjectData) -> Check:
    from sb3gen.ml.keras_model import network_to_keras, to_model_input
    from sb3gen.ml.network import Network
    from sb3gen.ml.preprocess import PreprocessSettings

    side = int(round(data.layer_sizes[0] ** 0.5))
    net = Network(data.layer_sizes, data.hidden_activation, data.weights,
                  PreprocessSettings(size=side),
                  layer_specs=data.layer_specs)
    model = network_to_keras(net)
    keras_probabilities = np.asarray(model.predict(to_model_input(data.test_images.astype(np.float32),
                                                                  data.layer_sizes[0]), verbose=0),
                                     dtype=np.float64)
    ref = reference(data)
    results = [ref.forward(image) for image in data.test_images]
    ref_probabilities = np.array([r.probabilities for r in results])
    ref_predictions = np.array([r.prediction for r in results])
    keras_predictions = keras_probabilities.argmax(axis=1)
    agreement = float(np.mean(ref_predictions == keras_predictions)) * 100
    keras_accuracy = float(np.mean(keras_predictions == data.test_labels)) * 100
    ref_accuracy = float(np.mean(ref_predictions == data.test_labels)) * 100
    check = Check(4, "reference against the Keras model rebuilt from the project's weights",
                  ref_accuracy >= keras_accuracy - KERAS_ACCURACY_MARGIN)
    largest = float(np.max(np.abs(ref_probabilities - keras_probabilities)))
    check.lines.append(f"predicted digits agree on {agreement:.1f}% of {len(ref_predictions)} test images; "
                       f"largest probability difference {largest:.2e}")
    check.lines.append(f"accuracy: Scratch (reference, {data.math}) {ref_accuracy:.1f}%, "
                       f"Keras {keras_accuracy:.1f}% (must be at least Keras - "
                       f"{KERAS_ACCURACY_MARGIN:g} point)")
    return check


def train_check(data: ProjectData, run: VmRun) -> Check:
    from sb3gen.reference import schedule

    ref = reference(data)
    plan = schedule.plan_epoch(data.order, len(data.train_labels), data.random_state, data.learning_rate,
                               data.learning_rate_decay, data.epoch)
    loss = schedule.train_epoch(ref, data.train_images, data.train_labels, plan)
    vm_order = numbers(run.after_train["order"]).astype(np.int64).tolist()
    vm_state = float(run.after_train["random state"])
    vm_weights = numbers(run.after_train["weights"])
    vm_loss = float(run.after_train["loss"])
    if vm_weights.shape != ref.weights.shape:
        return Check(5, "one `train` epoch", False,
                     [f"`weights` has {vm_weights.size} items after training, expected {ref.weights.size}"])
    weight_error = float(np.max(np.abs(vm_weights - ref.weights)) / max(np.max(np.abs(ref.weights)), 1e-300))
    loss_error = abs(vm_loss - loss) / max(abs(loss), 1e-300)
    differing = int(np.sum(vm_weights != ref.weights))
    changed = int(np.sum(ref.weights != data.weights))
    check = Check(5, "one `train` epoch from the project's weights equals the reference's training",
                  weight_error <= RELATIVE_TOLERANCE and loss_error <= RELATIVE_TOLERANCE
                  and int(float(run.after_train["epoch"])) >= 1 and vm_order == plan.order
                  and vm_state == plan.state)
    exact = "bit-identical" if differing == 0 else f"{differing:,} items differ"
    check.lines.append(f"weights: {changed:,} of {ref.weights.size:,} changed by training; "
                       f"relative difference {weight_error:.1e} ({exact})")
    check.lines.append(f"order: {'the reference shuffle' if vm_order == plan.order else 'DIFFERS'} "
                       f"(random state {vm_state:.0f}, reference {plan.state:.0f}); learning rate "
                       f"{plan.rate!r} in epoch {data.epoch + 1:g}")
    check.lines.append(f"loss: Scratch {vm_loss!r}, reference {loss!r} (relative difference "
                       f"{loss_error:.1e}); {len(data.train_labels)} images in "
                       f"{run.seconds.get('broadcast train', 0):.2f} s")
    return check
