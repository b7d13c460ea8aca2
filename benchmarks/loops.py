"""Benchmark the loop engine (sb3gen/loops/): block evaluations per multiply-add for a forward pass and a
training step, counted by runner.js (every primitive call in scratch-vm: deterministic), and seconds per image
in TurboWarp, for dense networks on MNIST digits (the embedded 5,000 images: 784 inputs grey 28x28,
196 inputs the articles' binarised 14x14).

    python benchmarks/loops.py [--images N] [--networks 196-16-10,784-128-10] [--no-turbowarp]

Multiply-adds as benchmarks/bench.py counts them: forward = every weight of every layer (inputs that are 0 are
counted although the blocks skip them); training step = forward + the errors of hidden layers' inputs + every
weight's update. Weights are random (He), so about half of the relu outputs are 0, as in trained networks.
"""

from __future__ import annotations

import argparse
import time
from functools import partial

import numpy as np

from sb3gen.kinds import Layer
from sb3gen.loops import reference
from sb3gen.loops.model_build import model_images
from sb3gen.loops.plan import LayerSpec, assemble
from sb3gen.loops.project import network_project
from sb3gen.ml.dataset import load_mnist
from sb3gen.project.inputs import BINARY14, GREY28
from sb3gen.scratch import compile_project, pack_sb3
from sb3gen.vm import run_project

RATE = 0.01


def dense_spec(rng: np.random.Generator, n_in: int, units: int, activation: str) -> LayerSpec:
    from sb3gen.kinds import Imported

    limit = np.sqrt(6.0 / n_in)
    params = (rng.uniform(-limit, limit, (n_in, units)), np.zeros(units))
    return LayerSpec("dense", Imported({"units": units, "activation": activation}, params))


def mlp(sizes: list[int], hidden: str, seed: int = 0) -> list[Layer]:
    rng = np.random.default_rng(seed)
    specs = [partial(dense_spec, rng, a, b, hidden if i < len(sizes) - 2 else "softmax")()
             for i, (a, b) in enumerate(zip(sizes, sizes[1:], strict=False))]
    return assemble((1, 1, sizes[0]), specs)


def images(n_inputs: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The model's inputs as the project gives them: 784 grey (sb3gen.project.inputs.GREY28), 196 the
    articles' binarised 14x14 (BINARY14, the default preprocessing)."""
    data = load_mnist(None, log=None)
    fmt = GREY28 if n_inputs == 784 else BINARY14
    return model_images(fmt, data.images[:count]), data.labels[:count].astype(int)


def macs(layers: list[Layer]) -> tuple[int, int]:
    forward = sum(layer.n_in * layer.n_out for layer in layers if layer.kind == "dense")
    deltas = sum(layer.n_in * layer.n_out for layer in layers[1:] if layer.kind == "dense")
    return forward, 2 * forward + deltas


def actions(x: np.ndarray, labels: np.ndarray) -> list[dict]:
    steps = []
    for image, label in zip(x, labels, strict=True):
        steps += [{"set_list": "input", "values": image.tolist()}, {"broadcast": "predict"},
                  {"set_variable": "right digit", "value": int(label)}, {"broadcast": "learn"}]
    return steps


def report(sizes: list[int], hidden: str, count: int, turbowarp: bool) -> list[str]:
    layers = mlp(sizes, hidden)
    sb3 = pack_sb3(compile_project(network_project(layers, rate=RATE)))
    x, labels = images(sizes[0], count)
    forward_macs, train_macs = macs(layers)
    run = run_project(sb3, actions(x, labels), timeout_s=3600)
    predict = [p.evaluations for p in run.phases if p.action == "broadcast predict"]
    learn = [p.evaluations for p in run.phases if p.action == "broadcast learn"]
    ink = float(np.mean(x != 0))
    name = "-".join(map(str, sizes))
    weights = sum(layer.param_count for layer in layers)
    lines = [f"{name} {hidden}: {weights:,} weights, .sb3 {len(sb3):,} bytes, "
             f"{ink:.0%} of input pixels not 0, {count} images",
             f"  forward: {np.mean(predict):,.0f} evaluations per image = "
             f"{np.mean(predict) / forward_macs:.2f} per multiply-add ({forward_macs:,})",
             f"  training step: {np.mean(learn):,.0f} per image = {np.mean(learn) / train_macs:.2f} per "
             f"multiply-add ({train_macs:,})"]
    # the run is the reference's, bit for bit (tests/test_loops_dense.py); check the end state here too
    for image, label in zip(x, labels, strict=True):
        layers, _, _ = reference.train_step(layers, image, int(label), RATE)
    from sb3gen.loops.plan import flat_weights

    same = np.array_equal(np.array(run.stage_lists["weights"], dtype=np.float64), flat_weights(layers))
    lines.append(f"  weights after {count} steps equal the reference: {same}")
    if turbowarp:
        started = time.perf_counter()
        tw = run_project(sb3, actions(x, labels), engine="turbowarp", timeout_s=3600)
        seconds = {a: sum(p.seconds for p in tw.phases if p.action == a) / count
                   for a in ("broadcast predict", "broadcast learn")}
        lines.append(f"  TurboWarp: forward {seconds['broadcast predict'] * 1000:.1f} ms, training step "
                     f"{seconds['broadcast learn'] * 1000:.1f} ms per image (first run, compile included; "
                     f"{time.perf_counter() - started:.1f} s in all)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--networks", default="196-16-10:relu,196-32-10:sigmoid,784-128-10:relu")
    parser.add_argument("--no-turbowarp", action="store_true")
    args = parser.parse_args()
    for spec in args.networks.split(","):
        shape, _, hidden = spec.partition(":")
        for line in report([int(n) for n in shape.split("-")], hidden or "relu", args.images,
                           not args.no_turbowarp):
            print(line, flush=True)


if __name__ == "__main__":
    main()
