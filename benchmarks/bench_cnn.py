"""The CNN part of benchmarks/bench.py: block evaluations per image and per multiply-add, per layer, and epoch
times in scratch-vm and TurboWarp as ratios to a plain numpy loop and to the MLP default's project.

Multiply-adds (MACs) per image, from the layer description (sb3gen.layers):
  conv     forward: out rows x out columns x filters x kernel taps (3 x 3 x input channels), i.e. over every
           kernel position, whatever the input pixels are (the blocks skip the 0 pixels, the count does not);
           update: the same again (every kernel weight at every position); input gradient (a conv after the
           first layer): the same again.
  maxpool  none.
  dense    forward n_in x n_out; input gradient (the deltas of the layer before, when it is not the input)
           n_in x n_out; update n_in x n_out.
  A test pass costs the forward MACs; a training step the forward, the input gradients and the updates.
  For the default CNN (conv 8, maxpool 2, dense 32, dense 10 on 14x14): forward 10,368 + 9,216 + 320 = 19,904;
  training 19,904 + (9,216 + 320) + (10,368 + 9,216 + 320) = 49,344.
Evaluations are scratch-vm's primitive calls (reporters, variable reads and `item` included), grouped by the
custom block that ran them, layers named as the blocks name them (sb3gen.project.plan.layer_titles: conv 1,
pool 1, dense 1, output): `<layer> ... forward` (a conv and its pool: `conv 1 and pool 1 forward` and
`conv 1 window ...`, counted as the conv's), `<layer> errors` (the errors of the layer's outputs, i.e. the
input gradient of the layer after it), `update <layer>`; a dense layer after a pool computes the pool's errors
and its own update in one loop over the pool's outputs (`pool 1 errors`, which calls `pooled output error and
dense 1 learning` per output), counted as the dense layer's "input gradient and update".
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from sb3gen import layers as layer_kinds
from sb3gen.layers import Layer
from sb3gen.project.plan import layer_titles
from sb3gen.scratch import read_sb3
from sb3gen.verify import ProjectData, read_interface
from sb3gen.vm import run_project

TIMEOUT_S = 7200.0
TURBOWARP_EPOCHS = 3  # the first includes compiling; the best is the steady state


@dataclass(frozen=True)
class Macs:
    forward: int
    input_gradient: int
    update: int


def layer_macs(layer: Layer, first: bool) -> Macs:
    if layer.kind == "maxpool":
        return Macs(0, 0, 0)
    per_pass = layer.n_out * layer.fan_in  # a conv: every output position x its kernel taps
    return Macs(per_pass, 0 if first else per_pass, per_pass)


def network_macs(layers: list[Layer]) -> tuple[list[Macs], int, int]:
    """Per layer, then the forward and the training-step totals."""
    per_layer = [layer_macs(layer, index == 0) for index, layer in enumerate(layers)]
    forward = sum(m.forward for m in per_layer)
    return per_layer, forward, forward + sum(m.input_gradient + m.update for m in per_layer)


TITLE = r"(conv \d+|pool \d+|dense \d+|output)"  # a layer as the blocks name it


def layer_numbers(layers: list[Layer]) -> dict[str, int]:
    """Layer number by the name the blocks give it."""
    return {title: number for number, title in enumerate(layer_titles(layers), start=1)}


def part_of(proccode: str, numbers: dict[str, int]) -> tuple[int, str] | None:
    """(layer number, forward | input gradient | update | input gradient and update) of a network custom
    block; None for the others. A conv and its max-pool run in one forward block, counted as the conv's.
    `numbers`: layer_numbers of the network."""
    if match := re.fullmatch(rf"update {TITLE}(?: .*)?", proccode):
        return numbers[match.group(1)], "update"
    if match := re.fullmatch(rf"pooled output error and {TITLE} learning", proccode):
        return numbers[match.group(1)], "input gradient and update"
    forward_parts = r"window .*|row codes|table|pair table|neuron lists|pixels|biases|relu"
    if match := re.fullmatch(rf"{TITLE} (?:{forward_parts})", proccode):
        return numbers[match.group(1)], "forward"
    if match := re.fullmatch(rf"(?:sigmoid of )?{TITLE}\b.*", proccode):
        if proccode.endswith(" errors"):  # the errors of a layer's outputs: the next layer's input gradient
            return numbers[match.group(1)] + 1, "input gradient"
        if proccode.endswith(" forward") or " forward with " in proccode or proccode.startswith("sigmoid of"):
            return numbers[match.group(1)], "forward"
    return None


def per_layer_evaluations(by_procedure: dict[str, int], images: int,
                          numbers: dict[str, int]) -> dict[tuple[int, str], float]:
    parts: dict[tuple[int, str], float] = {}
    for proccode, count in by_procedure.items():
        if (part := part_of(proccode, numbers)) is not None:
            parts[part] = parts.get(part, 0.0) + count / images
    return parts


def active_fraction(data: ProjectData) -> dict[int, float]:
    """Per conv/pool layer: the fraction of its outputs above 0 (the blocks skip the others), over the
    profiled test images."""
    from sb3gen.verify import reference

    ref = reference(data)
    fractions: dict[int, list[float]] = {}
    for image in data.test_images:
        result = ref.forward(image)
        for layer in data.layers[:-1]:
            if layer.kind != "dense":
                fractions.setdefault(layer.number, []).append(float(np.mean(result.layers[layer.number] > 0)))
    return {number: float(np.mean(values)) for number, values in fractions.items()}


def evaluation_report(sb3: Path, data: ProjectData, profiled: int) -> list[str]:
    from bench import with_images

    data = data.first(profiled)
    run = run_project(sb3, [*with_images(data), {"broadcast": "test"}, {"broadcast": "train"}], profile=True,
                      timeout_s=TIMEOUT_S)
    test_phase, train_phase = run.phases[-2:]
    n_test, n_train = len(data.test_labels), len(data.train_labels)
    layers = data.layers
    per_layer, forward_macs, train_macs = network_macs(layers)
    kinds = ", ".join(layer_kinds.layer_text(layer) for layer in layers)
    lines = [f"block evaluations (CNN {kinds}; {layers[0].in_shape[0]}x{layers[0].in_shape[1]} input, "
             f"math {data.math}; {n_test} test / {n_train} train images):",
             f"  multiply-adds per image (a conv's over every kernel position): forward {forward_macs:,}, "
             f"training step {train_macs:,}"]
    test_per_image = test_phase.evaluations / n_test
    train_per_image = train_phase.evaluations / n_train
    lines.append(f"  test pass: {test_per_image:,.0f} per image = {test_per_image / forward_macs:.2f} per "
                 "forward multiply-add")
    lines.append(f"  train step: {train_per_image:,.0f} per image = {train_per_image / train_macs:.2f} per "
                 "multiply-add")
    numbers = layer_numbers(layers)
    test_parts = per_layer_evaluations(test_phase.by_procedure, n_test, numbers)
    train_parts = per_layer_evaluations(train_phase.by_procedure, n_train, numbers)
    active = active_fraction(data)
    for layer, title, macs in zip(layers, layer_titles(layers), per_layer, strict=True):
        parts = []
        number = layer.number
        for kind, count, source in (("forward (test)", macs.forward, test_parts.get((number, "forward"))),
                                    ("forward (train)", macs.forward, train_parts.get((number, "forward"))),
                                    ("input gradient", macs.input_gradient,
                                     train_parts.get((number, "input gradient"))),
                                    ("update", macs.update, train_parts.get((number, "update"))),
                                    ("input gradient and update", macs.input_gradient + macs.update,
                                     train_parts.get((number, "input gradient and update")))):
            if source is None:
                continue
            ratio = f" = {source / count:.2f}/MAC" if count else ""
            parts.append(f"{kind} {source:,.0f}{ratio}")
        note = f" ({active[layer.number]:.0%} of its outputs above 0)" if layer.number in active else ""
        lines.append(f"    {title} ({layer_kinds.layer_text(layer)}){note}: "
                     + ("; ".join(parts) or "no blocks of its own"))
    for name, phase, n in (("test pass", test_phase, n_test), ("train step", train_phase, n_train)):
        other = {p: c / n for p, c in phase.by_procedure.items() if part_of(p, numbers) is None}
        top = sorted(other.items(), key=lambda kv: -kv[1])[:4]
        outside = (phase.evaluations - sum(phase.by_procedure.values())) / n
        lines.append(f"    other blocks in a {name}: " + ", ".join(f"{p} {c:,.0f}" for p, c in top)
                     + f"; outside custom blocks {outside:,.0f}")
    return lines


# --- plain numpy -------------------------------------------------------------------------------------

def numpy_cnn(data: ProjectData):
    """(forward, train_step, its weights) of a plain per-image numpy CNN (float64, exact exp)."""
    layers = data.layers
    weights = data.weights.copy()
    params = [(weights[layer.w_offset:layer.b_offset].reshape(layer.units, layer.fan_in),
               weights[layer.b_offset:layer.end]) for layer in layers]

    def patches(a: np.ndarray, k: int) -> np.ndarray:
        rows, cols, channels = a.shape
        view = sliding_window_view(a, (k, k), axis=(0, 1))  # (rows', cols', channels, k, k)
        return view.transpose(0, 1, 3, 4, 2).reshape((rows - k + 1) * (cols - k + 1), k * k * channels)

    def forward(x: np.ndarray):
        a = x.reshape(layers[0].in_shape).astype(np.float64)
        saved = []
        for layer, (w, b) in zip(layers, params, strict=True):
            if layer.kind == "conv":
                cols = patches(a, layer.window)
                z = (cols @ w.T + b).reshape(layer.out_shape)
                saved.append(cols)
                a = np.maximum(z, 0.0)
            elif layer.kind == "maxpool":
                s = layer.window
                r, c, ch = layer.out_shape
                blocks = a[:r * s, :c * s].reshape(r, s, c, s, ch).transpose(0, 2, 4, 1, 3)
                blocks = blocks.reshape(r, c, ch, s * s)
                saved.append((a.shape, blocks.argmax(axis=3)))
                a = blocks.max(axis=3)
            else:
                flat = a.reshape(-1)
                saved.append(flat)
                z = w @ flat + b
                if layer.is_output:
                    e = np.exp(z - z.max())
                    a = e / e.sum()
                else:
                    a = np.maximum(z, 0.0) if layer.activation == "relu" else 1.0 / (1.0 + np.exp(-z))
            saved[-1] = (saved[-1], a)
        return a, saved

    def train_step(x: np.ndarray, label: int, rate: float) -> None:
        p, saved = forward(x)
        delta = p.copy()
        delta[label] -= 1.0
        for index in range(len(layers) - 1, -1, -1):
            layer, (w, b) = layers[index], params[index]
            kept, out = saved[index]
            if index < len(layers) - 1 and layer.kind != "maxpool":
                delta = delta.reshape(out.shape) * (out > 0.0) if layer.activation == "relu" else \
                    delta.reshape(out.shape) * out * (1.0 - out)
            if layer.kind == "dense":
                back = (w.T @ delta.reshape(-1)) if index else None
                w -= rate * np.outer(delta.reshape(-1), kept)
                b -= rate * delta.reshape(-1)
            elif layer.kind == "conv":
                dz = delta.reshape(-1, layer.units)
                back = None
                if index:
                    grads = (dz @ w).reshape(*layer.out_shape[:2], layer.window, layer.window, -1)
                    back = np.zeros(layer.in_shape)
                    rows, cols = layer.out_shape[:2]
                    for ky in range(layer.window):
                        for kx in range(layer.window):
                            back[ky:ky + rows, kx:kx + cols] += grads[:, :, ky, kx]
                w -= rate * (dz.T @ kept)
                b -= rate * dz.sum(axis=0)
            else:
                in_shape, winners = kept
                s = layer.window
                r, c, ch = layer.out_shape
                spread = np.zeros((r, c, ch, s * s))
                np.put_along_axis(spread, winners[..., None], delta.reshape(r, c, ch)[..., None], axis=3)
                back = np.zeros(in_shape)
                back[:r * s, :c * s] = spread.reshape(r, c, ch, s, s).transpose(0, 3, 1, 4, 2).reshape(
                    r * s, c * s, ch)
            delta = back

    return forward, train_step, weights


def numpy_seconds(data: ProjectData) -> tuple[float, float]:
    forward, train_step, _ = numpy_cnn(data)
    clock = time.process_time
    started = clock()
    for x in data.test_images:
        forward(x)
    test_seconds = clock() - started
    started = clock()
    for x, label in zip(data.train_images, data.train_labels, strict=True):
        train_step(x, int(label), data.learning_rate)
    return test_seconds, clock() - started


def engine_seconds(sb3: Path, data: ProjectData, engine: str) -> tuple[float, list[float]]:
    """CPU seconds of a `test` pass and of each `train` epoch (TurboWarp: several epochs)."""
    from bench import with_images

    epochs = TURBOWARP_EPOCHS if engine == "turbowarp" else 1
    run = run_project(sb3, [*with_images(data), {"broadcast": "test"}] + [{"broadcast": "train"}] * epochs,
                      engine=engine, timeout_s=TIMEOUT_S)
    phases = run.phases[-(epochs + 1):]
    return phases[0].cpu_seconds, [phase.cpu_seconds for phase in phases[1:]]


def timing_report(sb3: Path, data: ProjectData, mlp: Path | None, images: int | None) -> list[str]:
    if images is not None:
        data = data.first(images)
    mlp_data = None
    if mlp is not None and mlp.is_file():
        mlp_data = read_interface(read_sb3(mlp)[0], str(mlp))
        mlp_data = mlp_data.first(len(data.train_labels))
    numpy_test, numpy_epoch = numpy_seconds(data)
    lines = [f"CPU time (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores), "
             f"{len(data.train_labels)} train / {len(data.test_labels)} test images:",
             f"  numpy loop (CNN): test {numpy_test * 1000:.0f} ms, epoch {numpy_epoch * 1000:.0f} ms"]
    if mlp_data is None:
        lines.append(f"  (no MLP project at {mlp}: build the default with `sb3gen build` for the MLP ratios)")
    for engine in ("scratch-vm", "turbowarp"):
        test_s, epochs = engine_seconds(sb3, data, engine)
        best = min(epochs)
        text = f"  {engine}: test {test_s:.2f} s = {test_s / numpy_test:,.1f}x numpy, " \
               f"epoch {epochs[0]:.2f} s = {epochs[0] / numpy_epoch:,.1f}x numpy"
        if engine == "turbowarp":
            text += f", best of {len(epochs)} epochs {best:.2f} s = {best / numpy_epoch:,.1f}x numpy"
        if mlp_data is not None:
            mlp_test, mlp_epochs = engine_seconds(mlp, mlp_data, engine)
            text += f"; the MLP's ({'-'.join(map(str, mlp_data.layer_sizes))}): test {mlp_test:.2f} s, " \
                    f"epoch {min(mlp_epochs):.2f} s -> CNN/MLP test {test_s / mlp_test:.1f}x, " \
                    f"epoch {best / min(mlp_epochs):.1f}x"
        lines.append(text)
    return lines
