"""Benchmark the network blocks: block evaluations per multiply-add, time in scratch-vm and TurboWarp
against a plain numpy loop (as ratios, per phase), build time, `--math native` against the lookup tables,
and project.json size and held-out accuracy with the weights rounded to N = 3..17 digits (--weight-digits).

    python benchmarks/bench.py [build/mnist.sb3]
    python benchmarks/bench.py CNN.sb3 [--mlp build/mnist.sb3] [--images N] [--profile-images N]

For a CNN (built with `--arch cnn`) it prints benchmarks/bench_cnn.py's report instead (evaluations per image
and per multiply-add per layer, the multiply-add counts defined there, epoch times as ratios to numpy and to
the MLP project's), then the weight-digits table.

Evaluation counts are deterministic (every primitive call in scratch-vm). Times are CPU seconds of the process
(numpy's and the Node runner's, all threads), which other programs on a busy machine disturb less than wall
time; the load average is printed with them. TurboWarp's first epoch includes compiling to JavaScript and
V8's optimisation; the best of EPOCHS epochs is the steady state.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from sb3gen import layers as layer_kinds
from sb3gen.project import build_network_project
from sb3gen.project.plan import layer_titles
from sb3gen.reference import ReferenceNetwork
from sb3gen.scratch import compile_project, pack_sb3, read_sb3
from sb3gen.scratch.packer import project_json_bytes
from sb3gen.verify import ProjectData, read_interface
from sb3gen.vm import run_project

EPOCHS = 3  # TurboWarp epochs in one runner (the first includes compiling)
PROFILED_IMAGES = 600  # train and test images whose evaluations are counted
TIMEOUT_S = 3600.0  # a scratch-vm epoch over thousands of images on a busy machine
PHASE_NAMES = ("decode", "forward", "backward", "update", "loop and display")
PHASES = {  # custom block (proccode prefix) -> phase of a training step
    "find stroke pixels": "decode", "forward pass": "forward", "softmax": "forward", "sigmoid of": "forward",
    "exp of": "forward", "output errors": "backward", "log of": "backward", "learn from label": "backward",
}


def phase_of(proccode: str) -> str:
    if proccode.startswith("update "):
        return "update"
    if proccode.endswith(" errors"):
        return "backward"
    if proccode.endswith(" forward"):
        return "forward"
    for prefix, phase in PHASES.items():
        if proccode.startswith(prefix):
            return phase
    return "loop and display"


def layer_evaluations(by_procedure: dict[str, int], title: str, kind: str) -> int:
    """A layer's evaluations of one kind (forward, errors, update), over its custom blocks (per neuron or
    group, see dense.sb); `title`: the layer as the blocks name it (dense 1, output)."""
    def belongs(proccode: str) -> bool:
        if kind == "update":
            return proccode == f"update {title}" or proccode.startswith(f"update {title} ")
        own = proccode.startswith(f"{title} ") and proccode.endswith(f" {kind}")
        return own or (kind == "forward" and proccode.startswith(f"sigmoid of {title} "))
    return sum(count for proccode, count in by_procedure.items() if belongs(proccode))


def macs(sizes: list[int]) -> tuple[int, int]:
    """Dense multiply-adds per image: forward (all weights), backward (hidden deltas + all weight updates)."""
    forward = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
    deltas = sum(a * b for a, b in zip(sizes[1:-1], sizes[2:], strict=False))
    return forward, forward + deltas


def with_images(data: ProjectData) -> list[dict]:
    """Actions that load the data's images into the project (e.g. fewer of them: data.first(n))."""
    return [{"set_list": "train images", "values": data.train_codes},
            {"set_list": "train labels", "values": [int(v) for v in data.train_labels]},
            {"set_list": "test images", "values": data.test_codes},
            {"set_list": "test labels", "values": [int(v) for v in data.test_labels]}]


def evaluation_report(sb3: bytes, data: ProjectData) -> list[str]:
    # Evaluations per image do not depend on how many images there are: profiling (slow) counts a subset.
    data = data.first(PROFILED_IMAGES)
    run = run_project(sb3, [*with_images(data), {"broadcast": "test"}, {"broadcast": "train"}], profile=True,
                      timeout_s=TIMEOUT_S)
    test_phase, train_phase = run.phases[-2:]
    n_test, n_train = len(data.test_labels), len(data.train_labels)
    sizes = data.layer_sizes
    forward_macs, backward_macs = macs(sizes)
    lines = [f"block evaluations ({'-'.join(map(str, sizes))} {data.hidden_activation}, math {data.math}):"]
    per_phase: dict[str, int] = {}
    for proccode, count in train_phase.by_procedure.items():
        per_phase[phase_of(proccode)] = per_phase.get(phase_of(proccode), 0) + count
    dec, fwd, bwd, upd, loop = (per_phase.get(p, 0) / n_train for p in PHASE_NAMES)
    lines.append(f"  test pass: {test_phase.evaluations / n_test:,.0f} per image = "
                 f"{test_phase.evaluations / n_test / forward_macs:.2f} per forward multiply-add")
    lines.append(f"  train step: {train_phase.evaluations / n_train:,.0f} per image = "
                 f"{train_phase.evaluations / n_train / (forward_macs + backward_macs):.2f} per multiply-add "
                 f"(forward {forward_macs:,} + backward {backward_macs:,})")
    lines.append(f"    forward {fwd:,.0f} ({fwd / forward_macs:.2f}/MAC), backward (deltas) {bwd:,.0f}, "
                 f"update {upd:,.0f}; backward+update {(bwd + upd) / backward_macs:.2f}/MAC; "
                 f"decode {dec:,.0f}, loop and display {loop:,.0f}")
    titles = layer_titles(data.layers)
    for layer, (n_in, n_out) in enumerate(zip(sizes, sizes[1:], strict=False), start=1):
        layer_macs = n_in * n_out
        title = titles[layer - 1]
        forward = layer_evaluations(train_phase.by_procedure, title, "forward") / n_train
        update = layer_evaluations(train_phase.by_procedure, title, "update") / n_train
        text = f"    {title} ({n_in}x{n_out}): forward {forward / layer_macs:.2f}/MAC, " \
               f"update {update / layer_macs:.2f}/MAC"
        if layer < len(sizes) - 1:
            next_macs = n_out * sizes[layer + 1]
            deltas = layer_evaluations(train_phase.by_procedure, title, "errors") / n_train
            text += f", deltas {deltas / next_macs:.2f}/MAC"
        lines.append(text)
    decode = train_phase.by_procedure.get("find stroke pixels of packed image %s", 0) / n_train
    lines.append(f"  decoding a packed image (find stroke pixels of packed image): {decode:,.0f} per image = "
                 f"{decode / (train_phase.evaluations / n_train):.1%} of a training step")
    stroke = np.mean(data.train_images == 1)
    lines.append(f"  ({titles[0]} runs only over stroke pixels: {stroke:.0%} of the training pixels)")
    return lines


def numpy_loop(data: ProjectData) -> tuple[float, dict[str, float]]:
    """CPU seconds for the same work in a plain per-image numpy loop (float64, exact exp): a test pass, and
    an epoch by phase (forward, backward = the deltas, update)."""
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

    clock = time.process_time
    started = clock()
    for x in data.test_images:
        forward(x)
    test_seconds = clock() - started
    phases = dict.fromkeys(("forward", "backward", "update"), 0.0)
    for x, label in zip(data.train_images, data.train_labels, strict=True):
        t0 = clock()
        outs = forward(x)
        t1 = clock()
        delta = outs[-1].copy()
        delta[label] -= 1
        deltas = [delta]
        for index in range(len(layers) - 1, 0, -1):
            a = outs[index]
            back = layers[index][0].T @ deltas[0]
            deltas.insert(0, back * (a > 0) if relu else back * a * (1 - a))
        t2 = clock()
        for (w, b), d, a in zip(layers, deltas, outs[:-1], strict=True):
            w -= data.learning_rate * np.outer(d, a)
            b -= data.learning_rate * d
        t3 = clock()
        phases["forward"] += t1 - t0
        phases["backward"] += t2 - t1
        phases["update"] += t3 - t2
    return test_seconds, phases


def turbowarp_phases(sb3: bytes) -> dict[str, float]:
    """Fractions of TurboWarp's last profiled epoch spent in each phase (custom blocks timed in Node)."""
    run = run_project(sb3, [{"broadcast": "train"}] * EPOCHS, engine="turbowarp", profile=True,
                      timeout_s=TIMEOUT_S)
    last = run.phases[-1]
    seconds = dict.fromkeys(PHASE_NAMES, 0.0)
    for proccode, spent in (last.seconds_by_procedure or {}).items():
        seconds[phase_of(proccode)] += spent
    seconds["loop and display"] += max(0.0, last.seconds - sum(seconds.values()))  # scripts outside blocks
    total = sum(seconds.values())
    return {phase: spent / total for phase, spent in seconds.items()}


def timing_report(sb3: bytes, data: ProjectData) -> list[str]:
    numpy_test, numpy_phases = numpy_loop(data)
    numpy_epoch = sum(numpy_phases.values())
    lines = [f"CPU time (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores), "
             f"{len(data.train_labels)} train / {len(data.test_labels)} test images:",
             f"  numpy loop: test {numpy_test * 1000:.0f} ms, epoch {numpy_epoch * 1000:.0f} ms ("
             + ", ".join(f"{phase} {spent * 1000:.0f}" for phase, spent in numpy_phases.items()) + " ms)"]
    for engine in ("scratch-vm", "turbowarp"):
        epochs = 1 if engine == "scratch-vm" else EPOCHS
        run = run_project(sb3, [{"broadcast": "test"}] + [{"broadcast": "train"}] * epochs, engine=engine,
                          timeout_s=TIMEOUT_S)
        test_s = run.phases[0].cpu_seconds
        train = [phase.cpu_seconds for phase in run.phases[1:]]
        text = f"  {engine}: test {test_s:.2f} s ({test_s / numpy_test:,.1f}x numpy), " \
               f"epoch {train[0]:.2f} s ({train[0] / numpy_epoch:,.1f}x numpy)"
        if engine == "turbowarp":
            best = min(train)
            text += f", best of {epochs} epochs {best:.3f} s = {best / numpy_epoch:.1f}x numpy"
        lines.append(text)
    fractions = turbowarp_phases(sb3)
    best_ms = best * 1000
    numpy_ms = {phase: spent * 1000 for phase, spent in numpy_phases.items()}
    parts = []
    for phase in PHASE_NAMES:
        spent = fractions[phase] * best_ms
        ratio = f" = {spent / numpy_ms[phase]:.1f}x numpy" if phase in numpy_ms and numpy_ms[phase] else ""
        parts.append(f"{phase} {spent:.0f} ms{ratio}")
    lines.append("  turbowarp best epoch by phase (custom blocks timed): " + "; ".join(parts))
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


def digits_report(data: ProjectData) -> list[str]:
    """project.json size and held-out accuracy (the project's test images are the held-out set; float64
    forward pass) with the shipped weights rounded to N significant digits (`build --weight-digits N`)."""
    from sb3gen.ml.network import Network, round_weights
    from sb3gen.ml.preprocess import PreprocessSettings

    side = int(round(data.layer_sizes[0] ** 0.5))
    lines = [f"weights rounded to N significant digits (held-out accuracy on the project's "
             f"{len(data.test_labels):,} test images):"]
    shipped = next(n for n in range(1, 18) if np.array_equal(round_weights(data.weights, n), data.weights))
    if shipped < 17:  # rounding to more digits than the weights have changes nothing
        lines.append(f"  (its weights have at most {shipped} significant digits, so N >= {shipped} "
                     f"gives the same project: build it with --weight-digits 17 for the whole table)")
    for digits in range(3, 18):
        weights = round_weights(data.weights, digits)
        net = Network(data.layer_sizes, data.hidden_activation, weights, PreprocessSettings(size=side),
                      layer_specs=data.layer_specs)
        accuracy = float(np.mean(net.forward(data.test_images).argmax(axis=1) == data.test_labels)) * 100
        project = build_network_project(data.layer_sizes, data.hidden_activation, weights, data.train_images,
                                        data.train_labels, data.test_images, data.test_labels, math=data.math,
                                        learning_rate=data.learning_rate, layers=data.layers)
        size = len(project_json_bytes(compile_project(project).project_json))
        lines.append(f"  N = {digits:2d}: project.json {size:,} bytes, held-out accuracy {accuracy:.1f}%")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sb3", nargs="?", type=Path, default=Path("build/mnist.sb3"))
    parser.add_argument("--digits-only", action="store_true", help="only the weight-digits table")
    parser.add_argument("--mlp", type=Path, default=Path("build/mnist.sb3"),
                        help="CNN: the MLP project whose times the CNN's are compared with")
    parser.add_argument("--images", type=int, help="CNN: time the first N train and test images only")
    parser.add_argument("--profile-images", type=int, default=PROFILED_IMAGES,
                        help="CNN: images whose evaluations are counted")
    parser.add_argument("--no-timing", action="store_true", help="CNN: evaluations only")
    args = parser.parse_args()
    project_json, _ = read_sb3(args.sb3)
    data = read_interface(project_json, str(args.sb3))
    if not args.digits_only and data.layer_specs is not None and not layer_kinds.is_dense_only(data.layers):
        import bench_cnn

        print("\n".join(bench_cnn.evaluation_report(args.sb3, data, args.profile_images)), flush=True)
        if not args.no_timing:
            print("\n".join(bench_cnn.timing_report(args.sb3, data, args.mlp, args.images)), flush=True)
    if args.digits_only or data.layer_specs is not None:  # the MLP timing part below knows dense layers only
        print("\n".join(digits_report(data)), flush=True)
        return 0
    lines, built = build_report(args.sb3, data, project_json)
    print("\n".join(lines), flush=True)
    for math in ("tables", "native"):
        print("\n".join(evaluation_report(built[math], read_interface(read_sb3(built[math])[0], math))),
              flush=True)
    print("\n".join(timing_report(built["tables"], data)), flush=True)
    print("\n".join(digits_report(data)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
