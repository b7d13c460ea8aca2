"""Benchmark the network blocks: block evaluations per multiply-add, wall time in scratch-vm and TurboWarp
against a plain numpy loop, build time, and `--math native` against the lookup tables.

    python benchmarks/bench.py [build/mnist.sb3]

Evaluation counts are deterministic (every primitive call in scratch-vm); wall times depend on the machine
and its load (the load average is printed with them).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from sb3gen.project import build_network_project
from sb3gen.reference import ReferenceNetwork
from sb3gen.scratch import compile_project, pack_sb3, read_sb3
from sb3gen.scratch.packer import project_json_bytes
from sb3gen.verify import ProjectData, read_interface
from sb3gen.vm import run_project

PHASES = {  # custom block (proccode prefix) -> phase of a training step
    "find stroke pixels": "forward", "forward pass": "forward", "softmax": "forward", "sigmoid of": "forward",
    "exp of": "forward", "output deltas": "backward", "log of": "backward", "learn from label": "backward",
}


def phase_of(proccode: str) -> str:
    if proccode.startswith("update layer"):
        return "update"
    if proccode.endswith(" deltas"):
        return "backward"
    if proccode.endswith(" forward"):
        return "forward"
    for prefix, phase in PHASES.items():
        if proccode.startswith(prefix):
            return phase
    return "loop and display"


def macs(sizes: list[int]) -> tuple[int, int]:
    """Dense multiply-adds per image: forward (all weights), backward (hidden deltas + all weight updates)."""
    forward = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
    deltas = sum(a * b for a, b in zip(sizes[1:-1], sizes[2:], strict=False))
    return forward, forward + deltas


def evaluation_report(sb3: bytes, data: ProjectData) -> list[str]:
    run = run_project(sb3, [{"broadcast": "test"}, {"broadcast": "train"}], profile=True)
    test_phase, train_phase = run.phases
    n_test, n_train = len(data.test_labels), len(data.train_labels)
    sizes = data.layer_sizes
    forward_macs, backward_macs = macs(sizes)
    lines = [f"block evaluations ({'-'.join(map(str, sizes))} {data.hidden_activation}, math {data.math}):"]
    per_phase: dict[str, int] = {}
    for proccode, count in train_phase.by_procedure.items():
        per_phase[phase_of(proccode)] = per_phase.get(phase_of(proccode), 0) + count
    fwd, bwd, upd = (per_phase.get(p, 0) / n_train for p in ("forward", "backward", "update"))
    loop = per_phase.get("loop and display", 0) / n_train
    lines.append(f"  test pass: {test_phase.evaluations / n_test:,.0f} per image = "
                 f"{test_phase.evaluations / n_test / forward_macs:.2f} per forward multiply-add")
    lines.append(f"  train step: {train_phase.evaluations / n_train:,.0f} per image = "
                 f"{train_phase.evaluations / n_train / (forward_macs + backward_macs):.2f} per multiply-add "
                 f"(forward {forward_macs:,} + backward {backward_macs:,})")
    lines.append(f"    forward {fwd:,.0f} ({fwd / forward_macs:.2f}/MAC), backward (deltas) {bwd:,.0f}, "
                 f"update {upd:,.0f}; backward+update {(bwd + upd) / backward_macs:.2f}/MAC; "
                 f"loop and display {loop:,.0f}")
    for layer, (n_in, n_out) in enumerate(zip(sizes, sizes[1:], strict=False), start=1):
        layer_macs = n_in * n_out
        forward = train_phase.by_procedure.get(f"layer {layer} forward", 0) / n_train
        update = train_phase.by_procedure.get(f"update layer {layer}", 0) / n_train
        text = f"    layer {layer} ({n_in}x{n_out}): forward {forward / layer_macs:.2f}/MAC, " \
               f"update {update / layer_macs:.2f}/MAC"
        if layer < len(sizes) - 1:
            next_macs = n_out * sizes[layer + 1]
            deltas = train_phase.by_procedure.get(f"layer {layer} deltas", 0) / n_train
            text += f", deltas {deltas / next_macs:.2f}/MAC"
        lines.append(text)
    decode = train_phase.by_procedure.get("find stroke pixels of packed image %s", 0) / n_train
    lines.append(f"  decoding a packed image (find stroke pixels of packed image): {decode:,.0f} per image = "
                 f"{decode / (train_phase.evaluations / n_train):.1%} of a training step")
    stroke = np.mean(data.train_images == 1)
    lines.append(f"  (layer 1 runs only over stroke pixels: {stroke:.0%} of the training pixels)")
    return lines


def numpy_loop(data: ProjectData) -> tuple[float, float]:
    """Seconds for the same work in a plain per-image numpy loop (float64, exact exp): test pass, epoch."""
    sizes = data.layer_sizes
    weights = data.weights.copy()
    layers = []
    offset = 0
    for n_in, n_out in zip(sizes, sizes[1:], strict=False):
        w = weights[offset: offset + n_in * n_out].reshape(n_out, n_in)
        b = weights[offset + n_in * n_out: offset + (n_in + 1) * n_out]
        layers.append((w, b))
        offset += (n_in + 1) * n_out
    relu = data.hidden_activation == "relu"

    def forward(x):
        outs = [x]
        for index, (w, b) in enumerate(layers):
            z = w @ outs[-1] + b
            if index == len(layers) - 1:
                e = np.exp(z - z.max())
                outs.append(e / e.sum())
            else:
                outs.append(np.maximum(z, 0) if relu else 1 / (1 + np.exp(-z)))
        return outs

    started = time.perf_counter()
    for x in data.test_images:
        forward(x)
    test_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for x, label in zip(data.train_images, data.train_labels, strict=True):
        outs = forward(x)
        delta = outs[-1].copy()
        delta[label] -= 1
        deltas = [delta]
        for index in range(len(layers) - 1, 0, -1):
            a = outs[index]
            back = layers[index][0].T @ deltas[0]
            deltas.insert(0, back * (a > 0) if relu else back * a * (1 - a))
        for (w, b), d, a in zip(layers, deltas, outs[:-1], strict=True):
            w -= data.learning_rate * np.outer(d, a)
            b -= data.learning_rate * d
    return test_seconds, time.perf_counter() - started


def timing_report(sb3: bytes, data: ProjectData) -> list[str]:
    numpy_test, numpy_train = numpy_loop(data)
    lines = [f"wall time (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores), "
             f"{len(data.train_labels)} train / {len(data.test_labels)} test images:",
             f"  numpy loop: test {numpy_test * 1000:.0f} ms, epoch {numpy_train * 1000:.0f} ms"]
    for engine in ("scratch-vm", "turbowarp"):
        run = run_project(sb3, [{"broadcast": "test"}, {"broadcast": "train"}], engine=engine)
        test_s, train_s = (phase.seconds for phase in run.phases)
        lines.append(f"  {engine}: test {test_s:.2f} s ({test_s / numpy_test:,.0f}x numpy), "
                     f"epoch {train_s:.2f} s ({train_s / numpy_train:,.0f}x numpy)")
    return lines


def build_report(sb3_path: Path, data: ProjectData, project_json: dict) -> tuple[list[str], dict[str, bytes]]:
    lines = ["build (no Keras training):"]
    built: dict[str, bytes] = {}
    for math in ("tables", "native"):
        started = time.perf_counter()
        project = build_network_project(data.layer_sizes, data.hidden_activation, data.weights,
                                        data.train_images, data.train_labels, data.test_images,
                                        data.test_labels, math=math, learning_rate=data.learning_rate)
        compiled = compile_project(project)
        built[math] = pack_sb3(compiled)
        seconds = time.perf_counter() - started
        size = len(project_json_bytes(compiled.project_json))
        reference = ReferenceNetwork(data.layer_sizes, data.hidden_activation, data.weights,
                                     data.learning_rate, math=math)
        accuracy = reference.test(data.test_images, data.test_labels)[1]
        lines.append(f"  math {math}: project -> compile -> pack {seconds:.2f} s; project.json {size:,} "
                     f"bytes, .sb3 {len(built[math]):,} bytes; test accuracy in Scratch {accuracy:g}%")
    network = sb3_path.parent / "network.json"
    if network.is_file():
        out = sb3_path.parent / "bench-build" / "mnist.sb3"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sb3gen", "build", "--network", str(network), "-o", str(out)],
                       check=True, capture_output=True)
        lines.append(f"  whole `sb3gen build --network` command (load data, preprocess, build, write): "
                     f"{time.perf_counter() - started:.2f} s")
    return lines, built


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sb3", nargs="?", type=Path, default=Path("build/mnist.sb3"))
    args = parser.parse_args()
    project_json, _ = read_sb3(args.sb3)
    data = read_interface(project_json, str(args.sb3))
    lines, built = build_report(args.sb3, data, project_json)
    print("\n".join(lines), flush=True)
    for math in ("tables", "native"):
        print("\n".join(evaluation_report(built[math], read_interface(read_sb3(built[math])[0], math))),
              flush=True)
    print("\n".join(timing_report(built["tables"], data)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
