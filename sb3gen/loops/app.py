"""The whole project on the loop engine: the stage interface of sb3gen/project/network.py (lists, variables,
broadcasts train, test, predict, ...), the Network sprite (sb3gen.loops.project) with the passes
(templates/loops/passes.sb) and the input format's seam, and the UI (sb3gen.project.ui).

The UI's "what it learned" pictures a first dense layer's neurons (their weights one every n_out items of
`weights`: the kernel keeps Keras' order); a first conv layer's filters are not pictured right yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sb3gen.errors import Sb3genError
from sb3gen.kinds import Layer
from sb3gen.loops.description import LIST_NAME, describe_layers, read_layers
from sb3gen.loops.plan import flat_weights, plan_network
from sb3gen.loops.project import network_sprite
from sb3gen.project import ui
from sb3gen.project.comments import COMMENTS
from sb3gen.project.image_codec import SYMBOLS
from sb3gen.project.inputs import BINARY14, InputFormat
from sb3gen.project.network import (
    CHUNK_IMAGES,
    DEFAULT_SHUFFLE_SEED,
    MIXED_TRAINING_IMAGES,
    MY_DIGITS_EPOCHS,
    STEPS_PER_CORRECTION,
)
from sb3gen.reference import int8 as int8_codec
from sb3gen.reference import schedule
from sb3gen.scratch import Project, Stage, render_template

PASSES_TEMPLATE = "loops/passes.sb"
PASS_VARIABLES = ("position", "image", "swap with", "swapped", "correct", "seconds", "start time",
                  "chunk size", "images to do", "my digit", "cell", "digit", "images of digit")
INT8_SYMBOLS = "int8 symbols"  # the 64 symbols (image_codec.SYMBOLS): a grey project has no `symbols`
INT8_VARIABLES = ("int8 item", "int8 symbol", "int8 layer", "int8 high", "int8 low", "int8 code")
DEFAULT_LEARNING_RATE = 0.01  # going on from trained weights: small steps keep what they learned
DEFAULT_RANDOM_START_RATE = 0.05  # after `randomize weights` (He weights, relu MLP: project/network.py)
DEFAULT_TEACHING_RATE = 0.05


def loop_project(
    layers: Sequence[Layer],
    train_images: np.ndarray,
    train_labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    *,
    input_format: InputFormat = BINARY14,
    lang: str = "en",
    learning_rate: float = DEFAULT_LEARNING_RATE,
    random_start_rate: float = DEFAULT_RANDOM_START_RATE,
    teaching_rate: float = DEFAULT_TEACHING_RATE,
    learning_rate_decay: float = 1.0,
    shuffle_seed: int = DEFAULT_SHUFFLE_SEED,
    ui_settings: dict[str, Any] | None = None,
    test_accuracy: float | None = None,
    with_ui: bool = True,
    int8: bool = False,
) -> Project:
    """Images are (N, n_inputs) arrays in the input format's values (binary: 0/1; grey: 0..1).
    The input format (sb3gen.project.inputs) gives `load image (code) into input` and `store input as image
    code` (a correction's drawing kept in `my digits`). `int8`: ship the weights as int8 codes and per-layer
    scales (sb3gen.reference.int8), decoded at the green flag; the blocks then run int8_layers(layers)."""
    fmt = input_format
    if layers[0].n_in != fmt.n_inputs:
        raise Sb3genError(f"the network takes {layers[0].n_in} inputs; the input format {fmt.name!r} gives "
                          f"{fmt.n_inputs}")
    if not 1 <= shuffle_seed < schedule.MODULUS:
        raise Sb3genError(f"the shuffle seed must be 1 to 2147483646, not {shuffle_seed}")
    weights = [float(w) for w in flat_weights(layers).tolist()]
    first_activation = str(layers[0].config.get("activation", "linear"))
    stage = Stage()
    stage.lists.update({
        "weights": [] if int8 else list(weights), "shipped weights": [] if int8 else list(weights),
        LIST_NAME: describe_layers(layers),
        "layer sizes": [layers[0].n_in, *(layer.n_out for layer in layers if layer.kind == "dense")],
        "activations": [],
        "train images": fmt.encode(train_images), "train labels": _labels(train_labels, len(train_images)),
        "test images": fmt.encode(test_images), "test labels": _labels(test_labels, len(test_images)),
        "probabilities": [], "predictions": [],
        "order": [], "my digits": [], "my labels": [], "confusion": [], "digit accuracy": [], "mistakes": [],
    })
    if int8:
        counts = int8_counts(layers)
        codes, scales = int8_codec.quantize(np.array(weights, dtype=np.float64), counts)
        stage.lists.update({"int8 weights": int8_codec.encode_codes(codes, SYMBOLS),
                            "weight scales": [float(s) for s in scales], "scale counts": counts,
                            INT8_SYMBOLS: list(SYMBOLS)})
    stage.variables.update({
        "accuracy": 0 if test_accuracy is None else test_accuracy, "loss": 0, "epoch": 0, "prediction": 0,
        "LEARNING_RATE": float(learning_rate), "LEARNING_RATE_DECAY": float(learning_rate_decay),
        "random state": int(shuffle_seed), "images done": 0, "images total": 0, "seconds left": "",
        "busy": 0, "progress": 0, "images per second": 0, "hidden activation": first_activation,
        "packed image": "", "right digit": 0, "steps per correction": STEPS_PER_CORRECTION,
        "my digits epochs": MY_DIGITS_EPOCHS, "mixed training images": MIXED_TRAINING_IMAGES,
        "mix cursor": 0, "accuracy before": 0, "TEACHING_RATE": float(teaching_rate),
    })
    project = Project(stage=stage, sprites=[])
    sprite = network_sprite(layers, rate=learning_rate, bare=False)
    fmt.add_to(stage, sprite, lang)  # `input`, its tables, `load image (code) into input`
    if with_ui:  # the pad draws into `input` in the input format's form (binary14 or grey28)
        settings = {**(ui_settings or {}), "input_format": fmt.name, "weight_stride": _weight_stride(layers)}
        ui.add_ui(project, settings=settings, lang=lang)
    sprite.variables.update({name: 0 for name in PASS_VARIABLES + (INT8_VARIABLES if int8 else ())})
    planned = plan_network(layers)
    context = {"c": COMMENTS[lang], "chunk": CHUNK_IMAGES, "layers": planned,
               "out_lists": [item.context.out_list for item in planned],
               "learning_rate": repr(float(learning_rate)),
               "random_start_rate": repr(float(random_start_rate)), "n_inputs": fmt.n_inputs, "int8": int8}
    sprite.add_scripts(render_template(PASSES_TEMPLATE, **context), PASSES_TEMPLATE)
    project.sprites.append(sprite)  # last: the editor opens on a small UI sprite
    return project


def int8_counts(layers: Sequence[Layer]) -> list[int]:
    """Weights per int8 scale: one per layer with params, in `weights` order."""
    return [int(layer.param_count) for layer in layers if layer.param_count]


def int8_layers(layers: Sequence[Layer]) -> list[Layer]:
    """The layers an --weight-int8 loop project runs: params decoded from the int8 codes, bit for bit."""
    counts = int8_counts(layers)
    flat = flat_weights(layers).astype(np.float64)
    decoded = int8_codec.decode(*int8_codec.quantize(flat, counts), counts)
    return read_layers(describe_layers(layers), decoded, "--weight-int8")


def _weight_stride(layers: Sequence[Layer]) -> int:
    """How far apart a neuron's weights from one pixel to the next are in `weights`, for the UI's "what it
    learned" pictures: a dense kernel keeps one input's weights to every neuron together (Keras' order)."""
    first = next((layer for layer in layers if layer.param_count), None)
    return first.n_out if first is not None and first.kind == "dense" else 1


def _labels(labels: np.ndarray, count: int) -> list[int]:
    values = np.asarray(labels).astype(np.int64).ravel()
    if values.size != count:
        raise Sb3genError(f"{count} images but {values.size} labels")
    return values.tolist()
