"""What MaxPooling2D and AveragePooling2D share: config, shape, problems, the windows and the CSV/plan.

Pools are 2x2 or 3x3 with strides 1 to 3 (default: the pool size), 'valid' or 'same'. With 'same' Keras pads
asymmetrically (the smaller half before) and the padded cells are absent: a max ignores them, an average
divides by the number of cells inside the input.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from sb3gen.kinds import window
from sb3gen.kinds.base import Imported, Layer, LayerProblem, Shape
from sb3gen.kinds.planning import KindPlan, make_plan

POOL_SIDES = (2, 3)
STRIDES = (1, 2, 3)


def from_keras(config: Mapping[str, Any], weights: Sequence[np.ndarray]) -> Imported:
    if weights:
        raise LayerProblem(f"a pool has no weights, this one has {len(weights)}")
    pool = window.pair(config.get("pool_size", 2), "pool_size")
    strides = config.get("strides")
    strides = pool if strides is None else window.pair(strides, "strides")
    padding = str(config.get("padding", "valid")).lower()
    return Imported({"pool": pool, "strides": strides, "padding": padding})


def out_shape(in_shape: Shape, config: Mapping[str, Any]) -> Shape:
    (ph, pw), (sh, sw), padding = config["pool"], config["strides"], config["padding"]
    return (window.out_size(in_shape[0], ph, sh, padding), window.out_size(in_shape[1], pw, sw, padding),
            in_shape[2])


def problems(layer: Layer) -> list[str]:
    (ph, pw), strides, padding = layer.config["pool"], layer.config["strides"], layer.config["padding"]
    found = list(layer.config.get("refused", ()))
    if ph != pw or ph not in POOL_SIDES:
        found.append(f"pool {ph}x{pw}; the blocks run 2x2 and 3x3")
    if any(s not in STRIDES for s in strides) and tuple(strides) != (ph, pw):  # default strides: the pool's
        found.append(f"strides {window.text(strides)}; the blocks run strides 1 to 3")
    if padding not in window.PADDINGS:
        found.append(f"padding {padding!r}; the blocks run 'valid' and 'same'")
    if min(layer.out_shape[:2]) < 1:
        found.append(f"its input {layer.in_shape[0]}x{layer.in_shape[1]} is smaller than its pool")
    return found


def windows(layer: Layer) -> Iterator[tuple[int, int, list[tuple[int, int]]]]:
    """Per output position (row by row): (row, column, the input cells (iy, ix) under it in order)."""
    (ph, pw), (sh, sw), padding = layer.config["pool"], layer.config["strides"], layer.config["padding"]
    (in_rows, in_cols, _), (rows, cols, _) = layer.in_shape, layer.out_shape
    for oy in range(rows):
        ys = [iy for _, iy in window.cells(oy, in_rows, ph, sh, padding)]
        for ox in range(cols):
            xs = [ix for _, ix in window.cells(ox, in_cols, pw, sw, padding)]
            yield oy, ox, [(iy, ix) for iy in ys for ix in xs]


def image(layer: Layer, x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64).reshape(layer.in_shape)


def update(layer: Layer, grads: tuple[np.ndarray, ...], rate: float) -> Layer:
    return layer  # no params


def flat_params(layer: Layer) -> np.ndarray:
    return np.zeros(0)


def plan(layer: Layer, context: Mapping[str, Any]) -> KindPlan:
    (ph, pw), (sh, sw), padding = layer.config["pool"], layer.config["strides"], layer.config["padding"]
    return make_plan(layer, context, pool=(ph, pw), strides=(sh, sw), padding=padding,
                     winners_list=f"{layer.name} winners",
                     pad=(window.pad_before(layer.in_shape[0], ph, sh, padding),
                          window.pad_before(layer.in_shape[1], pw, sw, padding)))


TEMPLATE_VARIABLES = ("out row", "out col", "in row", "in col", "channel", "x #", "o #", "a", "m", "winner",
                      "first", "s", "cells")


def sprite_lists(p: KindPlan) -> list[str]:
    return [p.winners_list] if p.layer.kind == "maxpool2d" else []


def sprite_variables(p: KindPlan) -> tuple[str, ...]:
    return TEMPLATE_VARIABLES


def csv(layer: Layer) -> str:
    (ph, pw), strides, padding = layer.config["pool"], layer.config["strides"], layer.config["padding"]
    return f"{layer.where()}\npool,{ph}x{pw},strides,{window.text(strides)},padding,{padding}\nno params\n"


def from_onnx(attributes: Mapping[str, Any], in_shape: Shape, average: bool) -> Imported:
    """MaxPool / AveragePool: kernel_shape, strides (ONNX's default 1), pads or auto_pad as 'valid' or 'same'
    when the windows are the same; an average divides by the cells inside, so count_include_pad with pads
    is refused."""
    pool = window.pair(list(attributes.get("kernel_shape", [])), "kernel_shape")
    ceil_mode = bool(int(attributes.get("ceil_mode", 0)))
    strides, padding, refused = window.onnx_window(attributes, pool, in_shape, ceil_mode)
    if any(int(d) != 1 for d in attributes.get("dilations", [1, 1])):
        refused.append(f"dilations {list(attributes['dilations'])}; the blocks run dilation 1 only")
    if average and padding == "same" and int(attributes.get("count_include_pad", 0)):
        refused.append("count_include_pad=1 with pads; the blocks divide by the cells inside the input")
    return Imported({"pool": pool, "strides": strides, "padding": padding, "refused": tuple(refused)})
