"""The in-Scratch learning curve: from random weights, accuracy on the project's test images after each epoch
of training inside scratch-vm, proved equal to the numpy reference (shuffle, learning rate, weights, loss).

    python benchmarks/learning_curve.py [build/mnist.sb3] [--epochs 5] [--engine scratch-vm|turbowarp]

`randomize weights` draws the start (Scratch's own `pick random`); the reference then trains from the weights
the project drew. Prints one line per epoch and Keras' accuracy of the same shape from network.json next to
the .sb3 (when there). Slow on purpose: 5 epochs over 4,000 images take a few minutes in scratch-vm.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from sb3gen.reference import ReferenceNetwork, schedule
from sb3gen.scratch import read_sb3
from sb3gen.verify import read_interface
from sb3gen.vm import run_project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sb3", nargs="?", type=Path, default=Path("build/mnist.sb3"))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--engine", choices=["scratch-vm", "turbowarp"], default="scratch-vm")
    args = parser.parse_args()
    data = read_interface(read_sb3(args.sb3)[0], str(args.sb3))
    actions = [{"broadcast": "randomize weights"}, {"read": True}]
    for _ in range(args.epochs):
        actions += [{"broadcast": "train"}, {"broadcast": "test"}, {"read": True}]
    run = run_project(args.sb3, actions, engine=args.engine, max_steps=10_000_000, timeout_s=3600)
    start = run.snapshots[0]["Stage"]
    weights = np.array(start["lists"]["weights"], dtype=np.float64)
    rate = float(start["variables"]["LEARNING_RATE"])  # `randomize weights` sets the random-start rate
    reference = ReferenceNetwork(data.layer_sizes, data.hidden_activation, weights, rate, math=data.math,
                                 layers=data.layers)
    order, state = data.order, data.random_state
    train_phases = [p for p in run.phases if p.action == "broadcast train"]
    print(f"{args.engine}: {data.shape_text}, "
          f"{len(data.train_labels):,} train / {len(data.test_labels):,} test images, LEARNING_RATE "
          f"{rate:g} (shipped weights: {data.learning_rate:g}), decay "
          f"{data.learning_rate_decay:g}, from `randomize weights`")
    identical = True
    for epoch, snapshot in enumerate(run.snapshots[1:]):
        stage = snapshot["Stage"]
        plan = schedule.plan_epoch(order, len(data.train_labels), state, rate, data.learning_rate_decay,
                                   epoch)
        loss = schedule.train_epoch(reference, data.train_images, data.train_labels, plan)
        _, accuracy = reference.test(data.test_images, data.test_labels)
        same = (np.array_equal(np.array(stage["lists"]["weights"], dtype=np.float64), reference.weights)
                and float(stage["variables"]["loss"]) == loss
                and float(stage["variables"]["accuracy"]) == accuracy)
        identical &= same
        print(f"  epoch {epoch + 1}: accuracy {float(stage['variables']['accuracy']):.1f}%, loss "
              f"{float(stage['variables']['loss']):.4f}, rate {plan.rate:g}, "
              f"{train_phases[epoch].seconds:.1f} s; reference {'equal' if same else 'DIFFERS'}")
        order, state = plan.order, plan.state
    network = args.sb3.parent / "network.json"
    if network.is_file():
        metrics = json.loads(network.read_text()).get("metrics", {})
        if "test_accuracy" in metrics:
            print(f"  Keras, same shape, trained by `sb3gen build`: {float(metrics['test_accuracy']):.1%} on "
                  "the same test images")
    print("every epoch bit-identical to the reference" if identical else "MISMATCH with the reference")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
