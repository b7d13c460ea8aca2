"""Candidate networks for the default, MLPs and CNNs, measured: the sweep's table in docs/measurements.md.

    nice python benchmarks/sweep.py [--out build/sweep] [--only NAME ...]

Each candidate is trained with Keras exactly as `sb3gen build` trains (embedded data, seed 0, the 1,000
held-out images never trained on). Columns: validation accuracy (Keras' 400 validation images, from the
training part: the mean of their accuracy clean and redrawn on the pad, since the project's digits come from
the pad), accuracy on the 1,000 held-out images with its 95% Wilson interval, on the
same digits redrawn on the pad (benchmarks/drawn.py), and block evaluations per image of a `test` pass and a
`train` epoch in scratch-vm (exact counts, math tables; `test` over the project's 1,000 test images, since a
CNN's tables are built once per pass, `train` over 100 images).

The MLP default is chosen by VALIDATION accuracy among MLPs whose training step costs at most 2x today's
196-32-10 sigmoid (measured here); the held-out and drawn columns only report, they never choose it. The CNN
(`--arch cnn`) is the CNN candidate of best validation accuracy; issue 12's rule then makes it the default
only if it beats the MLP default by at least 1 point on the held-out images AND on the same digits redrawn,
with a training step at most 4x today's.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from drawn import drawn_benchmark

from sb3gen.ml.presets import TrainConfig

ROOT = Path(__file__).resolve().parents[1]
COST_BUDGET = 2.0  # x today's training evaluations per image, for an MLP
CNN_COST_BUDGET = 4.0  # for a CNN
CNN_MARGIN = 0.01  # the CNN must win by this on held-out and drawn to be the default
VALIDATION_SEED = 777  # the validation images' redrawing (the held-out ones use drawn.BENCHMARK_SEED)


@dataclass(frozen=True)
class Candidate:
    name: str
    config: TrainConfig


def candidates() -> list[Candidate]:
    def mlp(hidden, activation, augment=0, dropout=0.0, weight_decay=0.0, redraw=0):
        return TrainConfig(layer_sizes=[196, hidden, 10], hidden_activation=activation,
                           augment_copies=augment, redraw_copies=redraw, dropout=dropout,
                           weight_decay=weight_decay)

    def cnn(filters, dense, augment, redraw, dropout, activity_l1=0.0):
        return TrainConfig(arch="cnn", filters=[filters], dense=[dense], augment_copies=augment,
                           redraw_copies=redraw, dropout=dropout, activity_l1=activity_l1)

    return [
        Candidate("today: 196-32-10 sigmoid", mlp(32, "sigmoid")),
        Candidate("196-32-10 sigmoid, aug 2 + redrawn 1", mlp(32, "sigmoid", 2, redraw=1)),
        Candidate("196-64-10 relu, aug 2, dropout .2", mlp(64, "relu", 2, 0.2)),
        Candidate("196-64-10 relu, aug 2 + redrawn 1, dropout .2", mlp(64, "relu", 2, 0.2, redraw=1)),
        Candidate("196-64-10 relu, aug 2 + redrawn 2, dropout .2", mlp(64, "relu", 2, 0.2, redraw=2)),
        Candidate("CNN conv 8, dense 32, aug 2 + redrawn 2, dropout .2", cnn(8, 32, 2, 2, 0.2)),
        Candidate("CNN conv 8, dense 32, aug 2 + redrawn 4, dropout .2", cnn(8, 32, 2, 4, 0.2)),
        Candidate("CNN conv 8, dense 32, aug 4 + redrawn 2, dropout .2", cnn(8, 32, 4, 2, 0.2)),
        Candidate("CNN conv 8, dense 32, aug 2 + redrawn 2, dropout .3", cnn(8, 32, 2, 2, 0.3)),
        Candidate("CNN conv 8, dense 32, aug 2 + redrawn 2, dropout .2, pool L1 1e-4",
                  cnn(8, 32, 2, 2, 0.2, 1e-4)),
        Candidate("CNN conv 8, dense 32, aug 2 + redrawn 2, dropout .2, pool L1 3e-4",
                  cnn(8, 32, 2, 2, 0.2, 3e-4)),
        Candidate("CNN conv 8, dense 32, aug 2 + redrawn 2, dropout .2, pool L1 1e-3",
                  cnn(8, 32, 2, 2, 0.2, 1e-3)),
        Candidate("CNN conv 8, dense 32, aug 2 + redrawn 4, dropout .2, pool L1 3e-4",
                  cnn(8, 32, 2, 4, 0.2, 3e-4)),
        Candidate("CNN conv 8, dense 32, aug 4 + redrawn 4, dropout .2, pool L1 3e-4",
                  cnn(8, 32, 4, 4, 0.2, 3e-4)),
    ]


def evaluations_per_image(net, data) -> tuple[float, float]:
    """Block evaluations per image of `test` (all the test images) and `train` (100 images) in scratch-vm."""
    from sb3gen.project import build_network_project
    from sb3gen.scratch import compile_project, pack_sb3
    from sb3gen.vm import run_project

    train, test = data.train_indices[:100], data.test_indices
    labels = data.dataset.labels
    project = build_network_project(net.layer_sizes, net.hidden_activation, net.weights,
                                    data.inputs[train], labels[train], data.inputs[test], labels[test],
                                    math="tables", ui_settings=net.preprocess.to_dict(), layers=net.layers)
    run = run_project(pack_sb3(compile_project(project)), [{"broadcast": "test"}, {"broadcast": "train"}])
    test_phase, train_phase = run.phases
    return test_phase.evaluations / len(test), train_phase.evaluations / len(train)


def measure(candidate: Candidate, data, network_path: Path) -> dict:
    from sb3gen.ml.network import Network
    from sb3gen.ml.pipeline import keras_split, train_held_out

    saved = Network.load(network_path) if network_path.is_file() else None
    if saved is not None and saved.metrics.get("config") == candidate.config.to_dict():
        net = saved  # trained by an earlier run that stopped before its row was written
    else:
        net, _ = train_held_out(candidate.config, data, verbose=0)
        net.save(network_path)  # for --recount
    held_out = data.evaluate(net)
    images, labels = data.dataset.images, data.dataset.labels
    # choosing: the validation images (from the training part), clean and redrawn on the pad
    _, validation = keras_split(candidate.config, data)
    validation_clean, validation_drawn = drawn_benchmark(net, images[validation], labels[validation],
                                                         seed=VALIDATION_SEED)
    # reporting only: the held-out images, clean and redrawn
    clean, drawn = drawn_benchmark(net, images[data.held_out_indices], labels[data.held_out_indices])
    test_cost, train_cost = evaluations_per_image(net, data)
    return {"name": candidate.name, "config": candidate.config.to_dict(),
            "validation_accuracy": (validation_clean.accuracy + validation_drawn.accuracy) / 2,
            "validation_clean": validation_clean.accuracy, "validation_drawn": validation_drawn.accuracy,
            "validation_images": len(validation),
            "held_out": held_out.to_dict(), "drawn": drawn.to_dict(), "clean_same_digits": clean.accuracy,
            "test_evaluations_per_image": test_cost, "train_evaluations_per_image": train_cost}


def is_cnn(row: dict) -> bool:
    return row["config"].get("arch") == "cnn"


def table(rows: list[dict]) -> str:
    today = next(r for r in rows if r["name"].startswith("today"))["train_evaluations_per_image"]
    budget = COST_BUDGET * today
    eligible = [r for r in rows if not is_cnn(r) and r["train_evaluations_per_image"] <= budget]
    chosen = max(eligible, key=lambda r: r["validation_accuracy"])
    cnns = [r for r in rows if is_cnn(r)]
    best_cnn = max(cnns, key=lambda r: r["validation_accuracy"]) if cnns else None
    verdict = None
    if best_cnn is not None:
        held = best_cnn["held_out"]["accuracy"] - chosen["held_out"]["accuracy"]
        drawn = best_cnn["drawn"]["accuracy"] - chosen["drawn"]["accuracy"]
        cost = best_cnn["train_evaluations_per_image"] / today
        cnn_wins = held >= CNN_MARGIN and drawn >= CNN_MARGIN and cost <= CNN_COST_BUDGET
        verdict = (f"the CNN against the MLP: held-out {held * 100:+.1f} points, drawn {drawn * 100:+.1f} "
                   f"points, training step {cost:.2f}x today's (rule: +{CNN_MARGIN * 100:g} on both, at most "
                   f"{CNN_COST_BUDGET:g}x) -> default: {'the CNN' if cnn_wins else 'the MLP'}")
    else:
        cnn_wins = False
    marks = {id(chosen): " **(--arch mlp)**" if cnn_wins else " **(default)**"}
    if best_cnn is not None:
        marks[id(best_cnn)] = " **(default)**" if cnn_wins else " **(--arch cnn)**"
    lines = ["| candidate | validation: clean / drawn (mean) | held-out (95% interval) | held-out drawn "
             "| block evaluations per image: test / train |", "|---|---|---|---|---|"]
    for r in rows:
        held_r = r["held_out"]
        low, high = held_r["interval_95"]["low"], held_r["interval_95"]["high"]
        mark = marks.get(id(r), "" if r in eligible or is_cnn(r) else " (over budget)")
        lines.append(f"| {r['name']}{mark} | {r['validation_clean']:.1%} / {r['validation_drawn']:.1%} "
                     f"({r['validation_accuracy']:.1%}) | {held_r['accuracy']:.1%} ({low:.1%}-{high:.1%}) | "
                     f"{r['drawn']['accuracy']:.1%} | {r['test_evaluations_per_image']:,.0f} / "
                     f"{r['train_evaluations_per_image']:,.0f} |")
    lines.append(f"\nbudget: {budget:,.0f} training evaluations per image ({COST_BUDGET:g}x today's); "
                 f"the MLP chosen by validation accuracy: {chosen['name']}")
    if verdict:
        lines.append(verdict)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from sb3gen.ml.pipeline import prepare_data
    from sb3gen.ml.preprocess import PreprocessSettings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "sweep")
    parser.add_argument("--only", nargs="*", help="names (substrings) of candidates to run")
    parser.add_argument("--recount", action="store_true",
                        help="count the block evaluations again with today's blocks (saved networks)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    data = prepare_data(None, PreprocessSettings(), n_train=600, n_test=None, seed=0, log=print)
    rows = []
    for candidate in candidates():
        if args.only and not any(part in candidate.name for part in args.only):
            continue
        cached = args.out / (candidate.name.replace(" ", "_").replace(",", "").replace(":", "") + ".json")
        network_path = cached.with_suffix(".network.json")
        if cached.is_file() and json.loads(cached.read_text())["config"] == candidate.config.to_dict():
            row = json.loads(cached.read_text())
            if args.recount and network_path.is_file():
                from sb3gen.ml.network import Network

                costs = evaluations_per_image(Network.load(network_path), data)
                row["test_evaluations_per_image"], row["train_evaluations_per_image"] = costs
                cached.write_text(json.dumps(row, indent=1) + "\n")
        else:
            row = measure(candidate, data, network_path)
            cached.write_text(json.dumps(row, indent=1) + "\n")
        rows.append(row)
        print(f"{row['name']}: validation {row['validation_clean']:.1%} clean, {row['validation_drawn']:.1%} "
              f"drawn; held-out "
              f"{row['held_out']['accuracy']:.1%}, drawn {row['drawn']['accuracy']:.1%} (clean "
              f"{row['clean_same_digits']:.1%}), evaluations test {row['test_evaluations_per_image']:,.0f} "
              f"train {row['train_evaluations_per_image']:,.0f}", flush=True)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
