"""The project as a person uses it: drawing pad, buttons, the answer, probability bars, training progress,
corrections (keys 0-9, clicks on the bars), and the views "where it fails" and "what it learned".

`add_ui` adds the UI sprites, the `pad` list, the `predict pad` broadcast (MNIST normalisation of the drawing,
then the training preprocessing, into `input`, then `predict`), monitors and the backdrops to a Project whose
stage already holds the automation interface (sb3gen.project.network). Scripts come from templates/ui/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sb3gen.errors import Sb3genError
from sb3gen.layers import spec_from_text
from sb3gen.project import ui_costumes, ui_i18n
from sb3gen.project import ui_layout as L
from sb3gen.reference import grey as grey_reference
from sb3gen.reference import pad as pad_reference
from sb3gen.scratch import Monitor, Project, Sprite, render_template

PAD_SPRITE = "Pad"
ANSWER_SPRITE = "Answer"
BARS_SPRITE = "Bars"
PROGRESS_SPRITE = "Progress"

# What the UI reads and writes on the stage; the network's project must provide these.
REQUIRED_LISTS = ("input", "probabilities", "train images", "train labels", "test images", "test labels",
                  "weights", "activations", "predictions", "my labels", "confusion", "digit accuracy",
                  "mistakes", "layer sizes")
REQUIRED_VARIABLES = ("busy", "prediction", "accuracy", "loss", "epoch", "progress", "images per second",
                      "images done", "images total", "seconds left", "packed image", "right digit",
                      "accuracy before", "hidden activation")

DEFAULT_SETTINGS: dict[str, Any] = {"crop": 4, "size": 14, "threshold": 0.5, "invert": False}

# Hues of Scratch's pen colour (0-100).
BAR_HUE = 60  # blue
ANSWER_HUE = 8  # orange
PROGRESS_HUE = 33  # green

PAD_VARIABLES = (
    "mouse row", "mouse column", "last row", "last column", "line steps", "line step", "cell", "ink",
    "row", "column", "shown image", "image start", "ink found", "ink top", "ink bottom", "ink left",
    "ink right", "ink height", "ink width", "longest side", "scale", "centre row", "centre column", "mass",
    "mass row", "mass column", "box row", "box column", "source row", "source column", "row weight",
    "column weight", "top left", "top right", "bottom left", "bottom right", "pad value", "shift row",
    "shift column", "out row", "out column", "row below", "column right", "top", "bottom", "mistake #",
    "pen x", "pen y", "joined", "pad shows an image", "path left", "path right", "path top", "path bottom",
    "point", "middle x", "middle y", "pen row", "pen column", "last pen row", "last pen column", "pen steps",
    "pen step", "stamp top", "stamp bottom", "stamp left", "stamp right", "row distance", "column distance",
    "squared distance",
)
VIEWS_VARIABLES = ("row", "column", "row total", "count", "cell x", "cell y", "letter #", "neuron",
                   "weight #", "biggest", "weight", "picture x", "picture y")


@dataclass(frozen=True)
class Button:
    sprite: str  # also what tests click
    action: str  # selects the script in templates/ui/button.sb
    label: str  # ui_i18n key
    colour: str
    column: int
    row: int


BUTTONS = (
    Button("Predict", "predict", "button predict", "#4c97ff", 0, 0),
    Button("Clear", "clear", "button clear", "#8f9bb0", 1, 0),
    Button("Training image", "training image", "button training image", "#40b840", 2, 0),
    Button("What it learned", "weights view", "button weights view", "#5cb1d6", 3, 0),
    Button("Train", "train", "button train", "#ff8c1a", 0, 1),
    Button("Test", "test", "button test", "#9966ff", 1, 1),
    Button("Where it fails", "confusion view", "button confusion view", "#cf63cf", 2, 1),
    Button("Show a mistake", "show a mistake", "button show a mistake", "#d65cd6", 3, 1),
    Button("Train my digits", "train my digits", "button train my digits", "#ffab19", 0, 2),
    Button("Forget my digits", "forget", "button forget", "#8f9bb0", 1, 2),
    Button("Restore weights", "restore", "button restore", "#0fa888", 2, 2),
    Button("Random weights", "randomize", "button randomize", "#ff6680", 3, 2),
)
VIEWS_SPRITE = "Views"
ANSWER_MONITORS = ("accuracy", "loss", "epoch")  # hidden while a view takes the answer column
RIGHT_HUE, WRONG_HUE = 33, 0  # confusion cells: green on the diagonal, red elsewhere
POSITIVE_HUE, NEGATIVE_HUE = 0, 66  # weights: red positive, blue negative (white at 0)
LIT_HUE = ANSWER_HUE


def preprocess_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The training preprocessing (crop, size, threshold, invert) with defaults for what is not given, and
    the input format: "binary14" (the articles' steps; also other sizes) or "grey28" (MNIST's 28x28 frame in
    grey levels, sb3gen.reference.grey: no crop, resize or threshold)."""
    input_format = settings.get("input_format", "binary14")
    if input_format == "grey28":
        if settings.get("invert"):
            raise Sb3genError("the grey 28x28 input is not inverted (ink is 1, as in MNIST)")
        return {"input_format": input_format, "levels": grey_reference.LEVELS, "crop": 0,
                "size": grey_reference.SIDE, "threshold": 0.5, "invert": False,
                "image_size": grey_reference.N_PIXELS}
    if input_format != "binary14":
        raise Sb3genError(f"unknown input format {input_format!r}: binary14 or grey28")
    merged = {**DEFAULT_SETTINGS, **{k: v for k, v in settings.items() if k in DEFAULT_SETTINGS}}
    crop, size = int(merged["crop"]), int(merged["size"])
    if not 0 <= crop < 14 or not 1 <= size <= 28:
        raise Sb3genError(f"preprocess settings out of range for the pad: crop {crop}, size {size}")
    image_size = int(settings.get("image_size", size * size))
    if image_size != size * size:
        raise Sb3genError(f"image_size {image_size} does not match size {size} x {size}")
    return {"input_format": input_format, "levels": grey_reference.LEVELS, "crop": crop, "size": size,
            "threshold": float(merged["threshold"]), "invert": bool(merged["invert"]),
            "image_size": image_size}


def add_ui(project: Project, *, settings: dict[str, Any], lang: str) -> None:
    """Add the drawing pad, buttons and displays to a project that has the network's stage interface."""
    t = ui_i18n.texts(lang)
    prep = preprocess_settings(settings)
    _check_interface(project, prep["image_size"])
    font_size = ui_costumes.label_font_size([t[button.label] for button in BUTTONS])
    stage = project.stage
    stage.lists["pad"] = [0] * (pad_reference.SIDE * pad_reference.SIDE)
    stage.variables.update({"message": "", "training progress": "", "view": "answer", "drawing predicted": 0})
    stage.costumes[:] = [ui_costumes.backdrop(t), *(ui_costumes.view_backdrop(t, v) for v in L.VIEWS)]
    stage.current_costume = 0
    stage.add_scripts(render_template("ui/stage.sb", t=t), "ui/stage.sb")
    project.sprites.extend([
        _pad_sprite(t, prep),
        _answer_sprite(t),
        _bars_sprite(t),
        _progress_sprite(t),
        _views_sprite(t, stage.lists["layer sizes"], str(stage.variables["hidden activation"]),
                      stage.lists.get("layer kinds"), int(settings.get("weight_stride", 1))),
        *(_button_sprite(button, t, font_size) for button in BUTTONS),
    ])
    project.monitors.extend(_monitors())


def _check_interface(project: Project, image_size: int) -> None:
    stage = project.stage
    missing = [f"list {n!r}" for n in REQUIRED_LISTS if n not in stage.lists]
    missing += [f"variable {n!r}" for n in REQUIRED_VARIABLES if n not in stage.variables]
    if missing:
        raise Sb3genError(f"the UI needs the network's stage interface; missing {', '.join(missing)}")
    if len(stage.lists["input"]) != image_size:
        raise Sb3genError(
            f"list 'input' holds {len(stage.lists['input'])} values, the UI expects {image_size}")
    taken = {sprite.name for sprite in project.sprites}
    ours = {PAD_SPRITE, ANSWER_SPRITE, BARS_SPRITE, PROGRESS_SPRITE, VIEWS_SPRITE,
            *(b.sprite for b in BUTTONS)}
    if taken & ours:
        raise Sb3genError(f"sprite names already used: {', '.join(sorted(taken & ours))}")


def _pad_sprite(t: dict[str, str], prep: dict[str, Any]) -> Sprite:
    sprite = Sprite(name=PAD_SPRITE, x=0, y=0, visible=False)
    sprite.costumes.append(ui_costumes.pad_cell())
    sprite.variables.update({name: 0 for name in PAD_VARIABLES})
    sprite.lists.update({"box": [], "frame": [], "path x": [], "path y": [], "path joined": []})
    side, box = pad_reference.SIDE, pad_reference.BOX
    context = {
        "t": t, "pad": L.PAD, "side": side, "box": box, "centre": repr(pad_reference.CENTRE),
        "pen": _pen_numbers(),
        "brush": [(f"{amount:g}", _offset("brush row", dr), _offset("brush column", dc))
                  for dr, dc, amount in pad_reference.BRUSH],
        "crop": prep["crop"], "size": prep["size"], "crop_size": side - 2 * prep["crop"],
        "threshold": repr(prep["threshold"]), "ink": 0 if prep["invert"] else 1,
        "background": 1 if prep["invert"] else 0, "invert": prep["invert"], "image_size": prep["image_size"],
        "input_format": prep["input_format"], "levels": prep["levels"],
    }
    for name in ("ui/pad.sb", "ui/normalise.sb", "ui/mistakes.sb"):
        sprite.add_scripts(render_template(name, **context), name)
    return sprite


def _pen_numbers() -> dict[str, str]:
    """The pen that `draw the pen path into a 20x20 box` draws with, as the reference computes them."""
    R = pad_reference
    return {"radius": repr(R.PEN_RADIUS), "radius_squared": repr(R.RADIUS_SQUARED),
            "core_squared": repr(R.CORE_SQUARED), "fade": repr(R.FADE), "step": repr(R.PEN_STEP),
            "inner_box": repr(R.INNER_BOX), "min_extent": repr(R.MIN_EXTENT)}


def _offset(name: str, delta: int) -> str:
    """`(name)`, `((name) + (1))` or `((name) - (1))`: the brush cells as a person would write them."""
    if delta == 0:
        return f"({name})"
    return f"(({name}) {'+' if delta > 0 else '-'} ({abs(delta)}))"


def _answer_sprite(t: dict[str, str]) -> Sprite:
    sprite = Sprite(name=ANSWER_SPRITE, x=L.ANSWER_X, y=L.ANSWER_Y)
    sprite.costumes.append(ui_costumes.digit("?"))
    sprite.costumes.extend(ui_costumes.digit(str(d)) for d in range(10))
    sprite.add_scripts(render_template("ui/answer.sb", t=t), "ui/answer.sb")
    return sprite


def _bars_sprite(t: dict[str, str]) -> Sprite:
    sprite = Sprite(name=BARS_SPRITE, x=L.BARS_LEFT, y=L.BARS_TOP_Y, visible=False)
    sprite.costumes.append(ui_costumes.pen_dot())
    sprite.variables["bar digit"] = 0
    context = {"t": t, "left": L.BARS_LEFT, "top_y": L.BARS_TOP_Y, "step": L.BARS_STEP,
               "length": L.BARS_LENGTH, "pen_size": L.BARS_PEN_SIZE, "bar_hue": BAR_HUE,
               "answer_hue": ANSWER_HUE}
    for name in ("ui/bars.sb", "ui/correct.sb"):
        sprite.add_scripts(render_template(name, **context), name)
    return sprite


def _views_sprite(t: dict[str, str], layer_sizes: list[int], hidden_activation: str,
                  layer_kinds: list[str] | None = None, weight_stride: int = 1) -> Sprite:
    """Draws the views; the pictures are of the first layer's units (its weights start the flat list): an
    MLP's hidden neurons (a weight per input pixel), or a CNN's first conv filters (their 3x3 kernels)."""
    n_inputs = int(layer_sizes[0])
    first = spec_from_text(layer_kinds[0]) if layer_kinds else None
    maps = None
    if first is not None and first.kind == "conv":
        side, neurons = first.window, first.size
        maps = {"filters": first.size, "positions": int(layer_sizes[1]) // first.size}
    else:
        neurons, side = int(layer_sizes[1]), round(n_inputs ** 0.5)
        if side * side != n_inputs:
            raise Sb3genError(f"the weights view needs a square input, not {n_inputs} pixels")
    grid = L.weights_grid(neurons, side)
    sprite = Sprite(name=VIEWS_SPRITE, visible=False)
    sprite.costumes.extend([ui_costumes.pen_dot(), *ui_costumes.small_digits()])
    sprite.variables.update({name: 0 for name in VIEWS_VARIABLES})
    if maps is not None:
        sprite.lists["filter activity"] = []
    origin_x, origin_y = grid.origin(0)
    relu = hidden_activation == "relu" and len(layer_sizes) > 2
    context = {"t": t, "monitors": ANSWER_MONITORS, "cell": L.MATRIX_CELL, "matrix_left": L.MATRIX_LEFT,
               "matrix_top": L.MATRIX_TOP, "accuracy_x": L.MATRIX_ACCURACY_X, "right_hue": RIGHT_HUE,
               "wrong_hue": WRONG_HUE, "digit_width": L.SMALL_DIGIT_WIDTH, "n_inputs": n_inputs,
               "grid": grid, "shown_neurons": min(neurons, grid.columns * grid.rows), "origin_x": origin_x,
               "origin_y": origin_y, "positive_hue": POSITIVE_HUE, "negative_hue": NEGATIVE_HUE,
               "lit_hue": LIT_HUE, "relu": relu, "maps": maps, "picture_weights": side * side,
               "weight_stride": weight_stride}
    sprite.add_scripts(render_template("ui/views.sb", **context), "ui/views.sb")
    return sprite


def _progress_sprite(t: dict[str, str]) -> Sprite:
    sprite = Sprite(name=PROGRESS_SPRITE, x=L.PROGRESS_LEFT, y=L.PROGRESS_Y, visible=False)
    sprite.costumes.append(ui_costumes.pen_dot())
    sprite.variables["progress label"] = ""
    context = {"t": t, "left": L.PROGRESS_LEFT, "y": L.PROGRESS_Y, "length": L.PROGRESS_LENGTH,
               "pen_size": L.PROGRESS_PEN_SIZE, "hue": PROGRESS_HUE}
    sprite.add_scripts(render_template("ui/progress.sb", **context), "ui/progress.sb")
    return sprite


def _button_sprite(button: Button, t: dict[str, str], font_size: float) -> Sprite:
    sprite = Sprite(name=button.sprite, x=L.BUTTON_COLUMNS_X[button.column], y=L.BUTTON_ROWS_Y[button.row])
    sprite.costumes.append(ui_costumes.button(t[button.label], button.colour, font_size))
    sprite.add_scripts(render_template("ui/button.sb", t=t, action=button.action), "ui/button.sb")
    return sprite


def _monitors() -> list[Monitor]:
    x, y = L.monitor_position(*L.MONITORS_TOP_LEFT)
    shown = [Monitor("Stage", name, x=x, y=y + i * L.MONITORS_STEP)
             for i, name in enumerate(("accuracy", "loss", "epoch"))]
    message_x, message_y = L.monitor_position(*L.MESSAGE_TOP_LEFT)
    message = Monitor("Stage", "message", mode="large", x=message_x, y=message_y)
    readout_x, readout_y = L.monitor_position(*L.PROGRESS_READOUT)
    readout = Monitor("Stage", "training progress", mode="large", x=readout_x, y=readout_y, visible=False)
    return [*shown, message, readout]
