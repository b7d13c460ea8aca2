"""How long the project's buttons take: the broadcasts behind them, timed in scratch-vm (the editor's engine)
or TurboWarp (the page of `sb3gen html`), headless, without drawing the stage.

    python benchmarks/button_times.py examples/mnist.sb3 [--engine scratch-vm|turbowarp]

Runs, in order: Test; Predict; 10 corrections (10 embedded images, one per 500); Train my digits; Train one
epoch; Random weights; Test; Train one epoch; Test. Prints wall and CPU seconds per button (CPU is steadier on
a busy machine) and the accuracy after Random weights and after one epoch from there. The editor and the page
also redraw the stage between chunks of 10 images, so they take somewhat longer.
"""

from __future__ import annotations

import argparse

from sb3gen.ml.dataset import load_mnist
from sb3gen.ml.preprocess import preprocess
from sb3gen.vm import run_project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sb3")
    parser.add_argument("--engine", choices=("scratch-vm", "turbowarp"), default="scratch-vm")
    args = parser.parse_args()

    data = load_mnist(log=lambda *_: None)
    images, labels = preprocess(data.images[::500][:10]), data.labels[::500][:10]
    steps: list[tuple[str, list[dict]]] = [("green flag", [{"green_flag": True}]),
                                           ("Test", [{"broadcast": "test"}]),
                                           ("Predict", [{"set_list": "input", "values": images[0].tolist()},
                                                        {"broadcast": "predict"}])]
    for image, label in zip(images, labels, strict=True):
        steps.append(("a correction", [{"set_list": "input", "values": image.tolist()},
                                       {"set_variable": "right digit", "value": int(label)},
                                       {"broadcast": "correct"}]))
    steps += [("Train my digits (10 digits)", [{"broadcast": "train my digits"}]),
              ("Train one epoch", [{"broadcast": "train"}]),
              ("Random weights", [{"broadcast": "randomize weights"}]),
              ("Test (random weights)", [{"broadcast": "test"}, {"read": True}]),
              ("Train one epoch (from random)", [{"broadcast": "train"}]),
              ("Test (after that epoch)", [{"broadcast": "test"}, {"read": True}])]
    actions = [action for _, group in steps for action in group]
    result = run_project(args.sb3, actions, engine=args.engine, timeout_s=3600, max_steps=1_000_000)
    phases = iter(result.phases)
    corrections = [0.0, 0.0]
    for name, group in steps:
        wall = cpu = 0.0
        for _ in group:
            phase = next(phases)
            wall += phase.seconds
            cpu += phase.cpu_seconds or 0.0
        if name == "a correction":
            corrections = [max(corrections[0], wall), max(corrections[1], cpu)]
            continue
        print(f"{args.engine:10s} {name:32s} {wall:8.2f} s wall {cpu:8.2f} s CPU")
    print(f"{args.engine:10s} {'a correction (slowest of 10)':32s} {corrections[0]:8.2f} s wall "
          f"{corrections[1]:8.2f} s CPU")
    accuracies = [snapshot["Stage"]["variables"]["accuracy"] for snapshot in result.snapshots]
    print(f"accuracy after Random weights {accuracies[0]}%, after one epoch from there {accuracies[1]}%")


if __name__ == "__main__":
    main()
