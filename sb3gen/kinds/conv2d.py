"""Conv2D: kernels 1x1 to 5x5, strides 1 and 2, padding 'valid' and 'same', any filters and channels, an
activation (linear, relu, sigmoid, tanh) applied to each sum, as sb3gen.kinds.activation_math computes it.

Params: kernel (kh, kw, in channels, filters) as Keras keeps it (the same for channels_first models), bias
(filters,). In the project's `weights` list each filter is one block: its kernel in (row, column, channel)
order, then its bias (flat_params).

The order the blocks compute (the reference does the same, so they agree bit for bit):
forward   for each output position (row by row, column by column), for each filter f (the blocks run up to
          GROUP filters side by side, which keeps each filter's sum in this order):
            sum = bias[f]; for each kernel tap (ky, kx) whose input cell is inside the input (padding adds
            nothing), for each channel c: a = input; if a is not 0: sum = sum + w[ky, kx, c, f] * a
            (zero inputs are skipped: they add nothing); output = activation(sum).
backward  for each output position, in the same order:
            for each filter f: dz[f] = dy * activation'(y); bias grad[f] = bias grad[f] + dz[f];
            if some dz is not 0: for each group of up to GROUP filters (side by side, dz in variables),
            for each tap inside the input, for each channel c: a = input;
              s = 0; for each filter f of the group: s = s + w[ky, kx, c, f] * dz[f];
              input grad[cell, c] = input grad[cell, c] + s;
              if a is not 0: for each filter f of the group: kernel grad = kernel grad + dz[f] * a.
          (A term with dz = 0 adds +0 or -0, which changes no sum: the blocks do not test dz per term.)
update    every param, in the `weights` order: w = w - rate * grad.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from sb3gen.kinds import window
from sb3gen.kinds.activation_math import ELEMENTWISE, activate, keras_activation, pre_activation_gradient
from sb3gen.kinds.base import Imported, Layer, LayerProblem, Shape
from sb3gen.kinds.planning import KindPlan, make_plan

NAME = "conv2d"
LABEL = "conv"
KERAS_CLASSES = ("Conv2D",)
TEMPLATE = "kinds/conv2d.sb"
KERNEL_SIDES = range(1, 6)
GROUP = 16  # filters whose sums forward keeps at once in `sum 1` .. (each input is read once per group)
TEMPLATE_VARIABLES = ("out row", "out col", "in row", "in col", "tap row", "filter base", "filter", "sum",
                      "w #", "x #", "a", "o #", "live", "dz", "dz #", "s", "w item", "g #", "output value")
STRIDES = (1, 2)


def from_keras(class_name: str, config: Mapping[str, Any], weights: Sequence[np.ndarray],
               in_shape: Shape) -> Imported:
    kernel_size = window.pair(config.get("kernel_size"), "kernel_size")
    strides = window.pair(config.get("strides", 1), "strides")
    filters = int(config["filters"])
    refused = []
    if window.pair(config.get("dilation_rate", 1), "dilation_rate") != (1, 1):
        refused.append(f"dilation {window.text(window.pair(config['dilation_rate'], 'dilation_rate'))}; "
                       "the blocks run dilation 1 only")
    if int(config.get("groups", 1)) != 1:
        refused.append(f"groups {config['groups']}; the blocks run groups=1 only")
    expected = (*kernel_size, in_shape[2], filters)
    if len(weights) not in (1, 2) or tuple(weights[0].shape) != expected:
        raise LayerProblem(f"its kernel has shape {tuple(weights[0].shape) if weights else None}, "
                           f"{expected} expected from its config and input")
    bias = weights[1] if len(weights) == 2 else np.zeros(filters)
    if tuple(bias.shape) != (filters,):
        raise LayerProblem(f"its bias has shape {tuple(bias.shape)}, ({filters},) expected")
    settings = {"filters": filters, "kernel": kernel_size, "strides": strides,
                "padding": str(config.get("padding", "valid")).lower(),
                "activation": keras_activation(config.get("activation")) or str(config.get("activation")),
                "refused": tuple(refused)}
    return Imported(settings, (weights[0], bias))


def out_shape(in_shape: Shape, config: Mapping[str, Any]) -> Shape:
    (kh, kw), (sh, sw), padding = config["kernel"], config["strides"], config["padding"]
    return (window.out_size(in_shape[0], kh, sh, padding), window.out_size(in_shape[1], kw, sw, padding),
            config["filters"])


def problems(layer: Layer) -> list[str]:
    config = layer.config
    found = list(config.get("refused", ()))
    kh, kw = config["kernel"]
    if kh not in KERNEL_SIDES or kw not in KERNEL_SIDES:
        found.append(f"kernel {kh}x{kw}; the blocks run 1x1 to 5x5")
    if any(s not in STRIDES for s in config["strides"]):
        found.append(f"strides {window.text(config['strides'])}; the blocks run strides 1 and 2")
    if config["padding"] not in window.PADDINGS:
        found.append(f"padding {config['padding']!r}; the blocks run 'valid' and 'same'")
    if config["activation"] not in ELEMENTWISE:
        found.append(f"activation {config['activation']}; a conv runs {', '.join(ELEMENTWISE)} "
                     "(a softmax belongs after Flatten and Dense)")
    if min(layer.out_shape[:2]) < 1:
        found.append(f"its input {layer.in_shape[0]}x{layer.in_shape[1]} is smaller than its kernel")
    return found


def _windows(layer: Layer) -> tuple[list[list[tuple[int, int]]], list[list[tuple[int, int]]]]:
    """Per output row / column: its (tap, input index) pairs inside the input."""
    (kh, kw), (sh, sw), padding = layer.config["kernel"], layer.config["strides"], layer.config["padding"]
    rows = [list(window.cells(o, layer.in_shape[0], kh, sh, padding)) for o in range(layer.out_shape[0])]
    cols = [list(window.cells(o, layer.in_shape[1], kw, sw, padding)) for o in range(layer.out_shape[1])]
    return rows, cols


def _axis(out: int, size: int, window_: int, stride: int, padding: str,
          tap: int) -> tuple[np.ndarray, np.ndarray]:
    """For one kernel tap: each output's input index along an axis (clipped) and whether it is inside."""
    index = np.arange(out) * stride + tap - window.pad_before(size, window_, stride, padding)
    inside = (index >= 0) & (index < size)
    return np.clip(index, 0, size - 1), inside


def _sums(layer: Layer, x: np.ndarray) -> np.ndarray:
    """Each output's sum term by term in the blocks' order (bias, then taps, then channels); numpy runs
    all outputs at once, which keeps every single sum's order."""
    kernel, bias = layer.params
    (kh, kw), (sh, sw), padding = layer.config["kernel"], layer.config["strides"], layer.config["padding"]
    image = np.asarray(x, dtype=np.float64).reshape(layer.in_shape)
    (rows, cols, filters), (in_rows, in_cols, channels) = layer.out_shape, layer.in_shape
    sums = np.broadcast_to(bias, (rows, cols, filters)).copy()
    for ky in range(kh):
        iy, inside_y = _axis(rows, in_rows, kh, sh, padding, ky)
        for kx in range(kw):
            ix, inside_x = _axis(cols, in_cols, kw, sw, padding, kx)
            inside = inside_y[:, None] & inside_x[None, :]
            for c in range(channels):
                a = image[iy][:, ix, c]
                used = (inside & (a != 0))[:, :, None]
                sums = np.where(used, sums + kernel[ky, kx, c][None, None, :] * a[:, :, None], sums)
    return sums


def forward(layer: Layer, x: np.ndarray) -> np.ndarray:
    return activate(_sums(layer, x), layer.config["activation"]).ravel()


def backward(layer: Layer, x: np.ndarray, y: np.ndarray,
             dy: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    kernel, _ = layer.params
    image = np.asarray(x, dtype=np.float64).reshape(layer.in_shape)
    dz_all = pre_activation_gradient(np.asarray(y, dtype=np.float64).reshape(layer.out_shape),
                     np.asarray(dy, dtype=np.float64).reshape(layer.out_shape), layer.config["activation"])
    kernel_grad, bias_grad = np.zeros_like(kernel), np.zeros(layer.out_shape[2])
    dx = np.zeros(layer.in_shape)
    rows, cols = _windows(layer)
    groups = [slice(g, g + GROUP) for g in range(0, layer.out_shape[2], GROUP)]
    for oy, row in enumerate(rows):
        for ox, col in enumerate(cols):
            dz = dz_all[oy, ox]
            bias_grad = bias_grad + dz
            if not np.any(dz != 0):
                continue
            for group in groups:  # terms with dz = 0 add +-0: they change no sum, skipped or not
                for ky, iy in row:
                    for kx, ix in col:
                        # s per channel: the group's filters term by term (cumsum is sequential)
                        s = np.cumsum(kernel[ky, kx][:, group] * dz[group][None, :], axis=1)[:, -1]
                        dx[iy, ix] = dx[iy, ix] + s
                        a = image[iy, ix]
                        grown = kernel_grad[ky, kx][:, group] + dz[group][None, :] * a[:, None]
                        kernel_grad[ky, kx][:, group] = np.where((a != 0)[:, None], grown,
                                                                 kernel_grad[ky, kx][:, group])
    return dx.ravel(), (kernel_grad, bias_grad)


def update(layer: Layer, grads: tuple[np.ndarray, ...], rate: float) -> Layer:
    return replace(layer, params=tuple(p - rate * g for p, g in zip(layer.params, grads, strict=True)))


def flat_params(layer: Layer) -> np.ndarray:
    kernel, bias = layer.params
    per_filter = kernel.reshape(-1, kernel.shape[3]).T  # (filters, kh * kw * channels)
    return np.concatenate([per_filter, bias[:, None]], axis=1).ravel()


def plan(layer: Layer, context: Mapping[str, Any]) -> KindPlan:
    (kh, kw), (sh, sw), padding = layer.config["kernel"], layer.config["strides"], layer.config["padding"]
    return make_plan(layer, context, kernel=(kh, kw), strides=(sh, sw), padding=padding,
                     pad=(window.pad_before(layer.in_shape[0], kh, sh, padding),
                          window.pad_before(layer.in_shape[1], kw, sw, padding)),
                     filters=layer.out_shape[2], filter_items=kh * kw * layer.in_shape[2] + 1,
                     activation=layer.config["activation"], grads_list=f"{layer.name} grads",
                     dz_list=f"{layer.name} dz", group=min(GROUP, layer.out_shape[2]),
                     full_groups=layer.out_shape[2] // GROUP, rest=layer.out_shape[2] % GROUP)


def sprite_lists(p: KindPlan) -> list[str]:
    """The Network sprite's lists this layer uses besides its output and error lists."""
    return [p.grads_list, p.dz_list]


def sprite_variables(p: KindPlan) -> tuple[str, ...]:
    return (*TEMPLATE_VARIABLES, *(f"{name} {k}" for name in ("sum", "dz") for k in range(1, p.group + 1)))


def csv(layer: Layer) -> str:
    """One block per filter: per channel its kernel rows, then its bias (the second article's layout)."""
    kernel, bias = layer.params
    lines = []
    for f in range(kernel.shape[3]):
        lines.append(f"{layer.where()} filter {f + 1}")
        for c in range(kernel.shape[2]):
            lines.append(f"channel {c + 1}")
            lines.extend(",".join(repr(float(v)) for v in kernel[r, :, c, f]) for r in range(kernel.shape[0]))
        lines += ["bias", repr(float(bias[f])), ""]
    return "\n".join(lines) + "\n"


ONNX_OPS = ("Conv",)


def from_onnx(op_type: str, attributes: Mapping[str, Any], constants: Sequence[np.ndarray | None],
              in_shape: Shape) -> Imported:
    """Conv: weights (filters, channels, kh, kw) as ONNX keeps them, turned into Keras' (kh, kw, channels,
    filters); pads as 'valid' or 'same' when they give the same windows (sb3gen.kinds.window.onnx_window)."""
    weights, bias = (list(constants) + [None, None])[:2]
    if weights is None or weights.ndim != 4:
        raise LayerProblem("its weights must be a constant 4-D tensor (filters, channels, rows, columns)")
    filters, channels, kh, kw = (int(n) for n in weights.shape)
    if channels != in_shape[2] or int(attributes.get("group", 1)) != 1:
        raise LayerProblem(f"group {attributes.get('group', 1)} with weights for {channels} channels on "
                           f"{in_shape[2]}; the blocks run group=1")
    strides, padding, refused = window.onnx_window(attributes, (kh, kw), in_shape)
    dilations = [int(d) for d in attributes.get("dilations", [1, 1])]
    if any(d != 1 for d in dilations):
        refused.append(f"dilations {dilations}; the blocks run dilation 1 only")
    bias = np.zeros(filters) if bias is None else np.asarray(bias, dtype=np.float64).ravel()
    if bias.shape != (filters,):
        raise LayerProblem(f"its bias has {bias.size} values for {filters} filters")
    kernel = np.transpose(np.asarray(weights, dtype=np.float64), (2, 3, 1, 0))
    settings = {"filters": filters, "kernel": (kh, kw), "strides": strides, "padding": padding,
                "activation": "linear", "refused": tuple(refused)}
    return Imported(settings, (kernel, bias))
