"""Assemble the Scratch Project of the network: stage data (the automation interface) and the Network sprite.

The compute scripts come from templates/network/*.sb, specialised per layer; the UI sprites (drawing pad,
buttons) come from sb3gen.project.ui.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sb3gen import layers as layer_kinds
from sb3gen.errors import Sb3genError
from sb3gen.layers import Layer
from sb3gen.project import ui
from sb3gen.project.comments import COMMENTS
from sb3gen.project.image_codec import SYMBOLS, encode_images
from sb3gen.project.plan import KIND_VARIABLES, LayerPlan, plan_layers
from sb3gen.project.ui_i18n import LANGUAGES
from sb3gen.reference import int8, packed, schedule, tables
from sb3gen.reference.network import MATH_MODES, NATIVE_LOG_FLOOR
from sb3gen.scratch import Costume, Project, Sprite, Stage, render_template

NETWORK_SPRITE = "Network"
TEMPLATES = ("math.sb", "forward.sb", "learn.sb", "passes.sb", "weights.sb", "teach.sb")
CHUNK_IMAGES = 10  # images per run-without-screen-refresh chunk: the display updates between chunks
DEFAULT_LEARNING_RATE_DECAY = 1.0  # LEARNING_RATE / (1 + epoch x decay)


@dataclass(frozen=True)
class ScratchTraining:
    """How one kind of network trains inside Scratch by default: the rate for going on from the shipped
    (trained) weights, the rate after `randomize weights`, and the range that block draws weights from."""

    learning_rate: float  # LEARNING_RATE of the shipped project, set again by `restore weights`
    random_start_rate: float  # what `randomize weights` sets LEARNING_RATE to
    teaching_rate: float  # TEACHING_RATE: corrections and `train my digits` (templates/network/teach.sb)
    init: str  # "fan-in": U(+-1/sqrt(n_in)); "he": U(+-sqrt(6/n_in)), which keeps relu outputs from fading
    decay: float = DEFAULT_LEARNING_RATE_DECAY  # LEARNING_RATE_DECAY: epoch e at rate / (1 + e x decay)


# One row per kind of network, measured with the reference (which the VM equals bit for bit) over the 4,000
# training images, new order each epoch, decay 1 (README, benchmarks/learning_curve.py):
# - sigmoid MLP, 196-32-10: 0.2 from fan-in random weights reaches 88%, 90%, 91% after epochs 1-3.
# - relu MLP, 196-64-10: from He random weights 0.05 reaches 92.4-92.7% after 3 epochs (4 seeds; fan-in
#   weights 92.1%, 0.01 89.9%, 0.1 90.3%), but going on from the shipped weights at 0.05 costs accuracy
#   (its shipped 94.4% becomes 89.3%, 94.3%, 94.3% after epochs 1-3 at 0.05, and 95.3%, 95.5%, 95.4% at
#   0.01; 0.2 ruins it: 34.8% after one epoch over 1,000 images).
# - CNN (conv 8, pool, dense 32): per-sample SGD diverges at 0.1 from random weights. After 3 epochs from
#   fan-in random weights: 0.05 with decay 1 94.5% (TurboWarp, the project's own draw: 93.7%); 0.025 with
#   decay 0.2 95.8%, 95.6% (2 seeds); 0.02 / 0.2 95.8, 95.7, 94.6, 94.6%; 0.03 / 0.3 95.7, 95.2, 95.2%.
#   From the shipped 97.3%: 87.7%, 92.8%, 94.4% at 0.05; 96.4%, 96.0%, 97.1% at 0.01.
# TEACHING_RATE, measured with benchmarks/teach.py (10 corrections of 3 steps; the other 500 test images
# before -> after): the MLP 196-32-10 sigmoid at 0.05 91.0% -> 87.2% (0.2: 69.4%), every wrong image fixed in
# 1 or 2 corrections; the CNN at 0.05 96.6% -> 71.0%, at 0.01 96.6% -> 95.6%, each fixed by 1 correction.
SCRATCH_TRAINING: dict[str, ScratchTraining] = {
    "sigmoid MLP": ScratchTraining(0.2, 0.2, 0.05, "fan-in"),
    "relu MLP": ScratchTraining(0.01, 0.05, 0.05, "he"),
    "CNN": ScratchTraining(0.01, 0.025, 0.01, "fan-in", decay=0.2),
}
DEFAULT_LEARNING_RATE = SCRATCH_TRAINING["sigmoid MLP"].learning_rate


def network_kind(layers: list[Layer]) -> str:
    """The row of SCRATCH_TRAINING for these layers."""
    if not layer_kinds.is_dense_only(layers):
        return "CNN"
    hidden = [layer.activation for layer in layers if not layer.is_output]
    return "relu MLP" if hidden and all(a == "relu" for a in hidden) else "sigmoid MLP"


def scratch_training(layers: list[Layer]) -> ScratchTraining:
    return SCRATCH_TRAINING[network_kind(layers)]


DEFAULT_SHUFFLE_SEED = 1  # first `random state` of the shuffle generator (1 .. 2147483646)
# TurboWarp compiles each custom block to one JavaScript function, and the browser's optimising compiler gives
# up on very long ones (measured: a 320-multiply-add block ran 30x slower than the same work in ten blocks).
# So the dense layers run one custom block per neuron, hidden deltas and the first layer's sigmoids in groups.
SIGMOID_GROUP = 8  # sigmoids per custom block
DELTA_MACS_PER_BLOCK = 40  # multiply-adds per custom block of hidden deltas

# The automation interface (README): names other tools and tests rely on.
STAGE_LISTS = ("weights", "shipped weights", "layer sizes", "activations", "train images", "train labels",
               "test images", "test labels", "symbols", "order", "input", "probabilities", "predictions",
               "my digits", "my labels", "confusion", "digit accuracy", "mistakes")
STAGE_VARIABLES = ("accuracy", "loss", "epoch", "prediction", "LEARNING_RATE", "busy", "progress",
                   "images per second", "hidden activation", "packed image", "LEARNING_RATE_DECAY",
                   "random state", "images done", "images total", "seconds left", "right digit",
                   "steps per correction", "my digits epochs", "mixed training images", "mix cursor",
                   "accuracy before", "TEACHING_RATE")
BROADCASTS = ("train", "test", "predict", "unpack", "restore weights", "randomize weights", "correct",
              "train my digits", "forget my digits")
# Teaching (templates/network/teach.sb): what a correction and `train my digits` do by default (TEACHING_RATE
# by kind of network: SCRATCH_TRAINING).
STEPS_PER_CORRECTION = 3
MY_DIGITS_EPOCHS = 3
MIXED_TRAINING_IMAGES = 5

_SPRITE_SCALARS = ("table index", "result", "pixel", "stroke #", "weight #", "largest score", "sum of scores",
                   "predicted digit", "log sum", "image", "correct", "start time", "chunk size",
                   "seconds", "position", "swap with", "swapped", "epoch learning rate", "symbol #",
                   "symbol value", "bit #", "pixel base", "my digit", "images to do", "cell", "digit",
                   "images of digit", "bit value", "code")

_ICON = """<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 48 48">
<g stroke="#855cd6" stroke-width="2">
<line x1="8" y1="12" x2="24" y2="24"/><line x1="8" y1="36" x2="24" y2="24"/>
<line x1="24" y1="24" x2="40" y2="12"/><line x1="24" y1="24" x2="40" y2="36"/></g>
<g fill="#ffab19" stroke="#cf8b17" stroke-width="2">
<circle cx="8" cy="12" r="5"/><circle cx="8" cy="36" r="5"/><circle cx="24" cy="24" r="6"/>
<circle cx="40" cy="12" r="5"/><circle cx="40" cy="36" r="5"/></g>
</svg>
"""


def build_network_project(
    layer_sizes: list[int],
    hidden_activation: str,
    weights: np.ndarray,
    train_images: np.ndarray,
    train_labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    *,
    math: str = "tables",
    lang: str = "en",
    learning_rate: float | None = None,
    learning_rate_decay: float | None = None,
    shuffle_seed: int = DEFAULT_SHUFFLE_SEED,
    ui_settings: dict[str, Any] | None = None,
    test_accuracy: float | None = None,
    layers: list[Layer] | None = None,
    int8: bool = False,
) -> Project:
    """The whole project: stage lists/variables pre-filled, Network sprite scripts, and the UI if available.

    Images are (N, n_inputs) arrays of 0/1; weights the flat day-2 layout. `test_accuracy` (percent, what
    `test` gives for the shipped weights) fills the accuracy monitor before anyone has pressed Test.
    `layers` (sb3gen.layers) describes a network with conv and pooling layers; None: the dense layers of
    `layer_sizes`. `learning_rate` None: the network kind's rates (SCRATCH_TRAINING); a given rate is used
    after `randomize weights` too."""
    if math not in MATH_MODES:
        raise Sb3genError(f"--math must be one of {', '.join(MATH_MODES)}, not {math!r}")
    if lang not in LANGUAGES:
        raise Sb3genError(f"--lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    if not 1 <= shuffle_seed < schedule.MODULUS:
        raise Sb3genError(f"the shuffle seed must be 1 to 2147483646, not {shuffle_seed}")
    if learning_rate_decay is not None and learning_rate_decay < 0:
        raise Sb3genError(f"the learning rate decay must not be negative, not {learning_rate_decay}")
    if layers is None:
        layers = layer_kinds.describe(layer_kinds.input_shape(int(layer_sizes[0])),
                                      layer_kinds.mlp_specs(list(layer_sizes), hidden_activation))
    layer_sizes = layer_kinds.flat_sizes(layers)
    training = scratch_training(layers)
    random_start_rate = training.random_start_rate if learning_rate is None else float(learning_rate)
    learning_rate = training.learning_rate if learning_rate is None else float(learning_rate)
    plans = plan_layers(layers, init=training.init)
    n_inputs = int(layer_sizes[0])
    weights_list = [float(w) for w in np.asarray(weights, dtype=np.float64).ravel()]
    stage = Stage()
    int8_lists = _int8_lists(weights_list, plans) if int8 else None
    stage.lists.update({
        "weights": [] if int8 else list(weights_list),
        "shipped weights": [] if int8 else list(weights_list),
        "layer sizes": [int(n) for n in layer_sizes],
        "activations": [],
        "train images": _packed(train_images, n_inputs, "train images"),
        "train labels": _labels(train_labels, len(train_images)),
        "test images": _packed(test_images, n_inputs, "test images"),
        "test labels": _labels(test_labels, len(test_images)),
        "symbols": list(SYMBOLS),
        "input": [0] * n_inputs,
        "probabilities": [],
        "predictions": [],
        "order": [],
        "my digits": [],  # the user's corrected drawings, stored like `train images` (and kept when saved)
        "my labels": [],
        "confusion": [],
        "digit accuracy": [],
        "mistakes": [],
    })
    if int8_lists is not None:
        stage.lists.update(int8_lists)
    if not layer_kinds.is_dense_only(layers):  # MLP projects stay as they were: dense is the default
        stage.lists["layer kinds"] = [layer_kinds.layer_text(layer) for layer in layers]
    if math == "tables":
        stage.lists["exp table"] = tables.exp_table().tolist()
        stage.lists["log table"] = tables.log_table().tolist()
    stage.variables.update({
        "accuracy": 0 if test_accuracy is None else test_accuracy,
        "loss": 0, "epoch": 0, "prediction": 0, "LEARNING_RATE": float(learning_rate),
        "LEARNING_RATE_DECAY": float(training.decay if learning_rate_decay is None else learning_rate_decay),
        "random state": int(shuffle_seed),
        "images done": 0, "images total": 0, "seconds left": "",
        "busy": 0, "progress": 0, "images per second": 0, "hidden activation": hidden_activation,
        "packed image": "",
        "right digit": 0, "steps per correction": STEPS_PER_CORRECTION, "my digits epochs": MY_DIGITS_EPOCHS,
        "mixed training images": MIXED_TRAINING_IMAGES, "mix cursor": 0, "accuracy before": 0,
        "TEACHING_RATE": training.teaching_rate,
    })
    project = Project(stage=stage, sprites=[])
    ui.add_ui(project, settings=dict(ui_settings or {}), lang=lang)
    # The editor opens on the first sprite: a small UI sprite loads in seconds, the 4,000-block Network
    # sprite's scripts took 16-52 s to lay out in the browser test.
    project.sprites.append(network_sprite(plans, n_inputs, math=math, lang=lang, learning_rate=learning_rate,
                                          random_start_rate=random_start_rate, int8=int8))
    return project


def network_sprite(layers: list[LayerPlan], n_inputs: int, *, math: str, lang: str, learning_rate: float,
                   random_start_rate: float, int8: bool = False) -> Sprite:
    sprite = Sprite(name=NETWORK_SPRITE, visible=False, x=200, y=150, hats_first=True)
    sprite.costumes.append(Costume.svg("network", _ICON))
    names = list(_SPRITE_SCALARS)
    for layer in layers:
        names.extend(layer.variables)
        names.extend(name for name in KIND_VARIABLES[layer.kind] if name not in names)
    sprite.variables.update({name: 0 for name in names})
    first, count, offsets = packed.bit_tables()
    sprite.lists.update({"stroke pixels": [], "first bit": list(first), "bit count": list(count),
                         "bit offsets": list(offsets)})
    for layer in layers:
        sprite.lists.update(layer.lists)
    context = template_context(layers, n_inputs, math=math, lang=lang)
    context.update(learning_rate=repr(float(learning_rate)), random_start_rate=repr(float(random_start_rate)),
                   int8=int8)
    for name in TEMPLATES:
        sprite.add_scripts(render_template(f"network/{name}", **context), f"network/{name}")
    return sprite


def template_context(layers: list[LayerPlan], n_inputs: int, *, math: str, lang: str) -> dict[str, Any]:
    if layers[0].w_offset != 0:
        raise AssertionError("the first layer starts the flat weights")  # update layer 1 relies on it
    return {
        "layers": layers,
        "n_inputs": n_inputs,
        "math": math,
        "c": _Comments(COMMENTS[lang]),
        # the start-here comment's list of layers: "conv 1 (conv 8 3x3 relu), pool 1 (maxpool 2x2), ..."
        "layer_titles": ", ".join(f"{plan.title} ({layer_kinds.layer_text(plan.layer)})" for plan in layers),
        "n_symbols": packed.symbol_count(n_inputs),
        "bits_per_symbol": packed.BITS_PER_SYMBOL,
        "chunk": CHUNK_IMAGES,
        "sigmoid_group": SIGMOID_GROUP,
        "deltas_group": lambda n_next: max(1, DELTA_MACS_PER_BLOCK // n_next),
        "exp_min": tables.EXP_MIN,
        "exp_steps": tables.EXP_STEPS_PER_UNIT,
        "exp_size": tables.EXP_SIZE,
        "log_steps": tables.LOG_STEPS_PER_UNIT,
        "log_floor": repr(NATIVE_LOG_FLOOR),
    }


def int8_counts(plans: list[LayerPlan], total: int) -> list[int]:
    """Weights per scale: one segment (weights and biases) per layer with weights, in flat order."""
    return int8.segments([plan.w_offset for plan in plans if plan.has_weights], total)


def _int8_lists(weights_list: list[float], plans: list[LayerPlan]) -> dict[str, list]:
    """The float weights as int8 stage lists: codes packed two symbols each, a scale and a count per layer."""
    weights = np.array(weights_list, dtype=np.float64)
    counts = int8_counts(plans, weights.size)
    codes, scales = int8.quantize(weights, counts)
    return {"int8 weights": int8.encode_codes(codes, SYMBOLS), "weight scales": [float(s) for s in scales],
            "scale counts": counts}


def int8_weights(weights: np.ndarray, layers: list[Layer]) -> np.ndarray:
    """What an --weight-int8 project of these float weights decodes to in blocks (the reference's weights)."""
    flat = np.asarray(weights, dtype=np.float64).ravel()
    counts = int8_counts(plan_layers(layers), flat.size)
    return int8.decode(*int8.quantize(flat, counts), counts)


class _Comments(dict):
    """Comments by attribute (`c.softmax` in templates); a missing one is a template bug, not blank text."""

    def __getattr__(self, name: str) -> str:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"no block comment named {name!r}") from None


def _packed(images: np.ndarray, n_inputs: int, what: str) -> list[str]:
    """One packed text per image (sb3gen.project.image_codec)."""
    array = np.asarray(images)
    if array.ndim != 2 or array.shape[1] != n_inputs:
        raise Sb3genError(f"{what}: expected (N, {n_inputs}) pixels, got shape {array.shape}")
    if not np.all((array == 0) | (array == 1)):
        raise Sb3genError(f"{what}: pixels must be 0 or 1 (thresholded)")
    return encode_images(array)


def _labels(labels: np.ndarray, count: int) -> list[int]:
    values = np.asarray(labels).astype(np.int64).ravel()
    if values.size != count:
        raise Sb3genError(f"{count} images but {values.size} labels")
    return values.tolist()
