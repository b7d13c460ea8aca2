"""Classify a picture of a digit and print each class's percentage.

The picture (PNG, JPEG, GIF, BMP, WebP, TIFF or PPM; at most 100 million pixels, sides at most 16:1)
is seen the way the project's pad sees a drawing:
made light ink on a dark background like MNIST (--dark-on-light pictures are inverted; by default the
picture's border decides), its strokes found (the ink's skeleton) and normalised like MNIST by the pad's own
code (the strokes drawn again into 20x20 with the pad's pen, whatever the picture's pen width; the centre of
mass in the middle), then the network's preprocessing (crop, 14x14 bilinear, threshold) and the network,
computed with numpy. --raw skips the normalisation, for pictures
already framed like MNIST. A picture with no ink is refused.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sb3gen.ml.sources import add_network_arguments, network_from_args


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", type=Path, help="picture of one digit")
    add_network_arguments(parser)
    colours = parser.add_mutually_exclusive_group()
    colours.add_argument("--dark-on-light", dest="dark_on_light", action="store_true", default=None,
                         help="dark digit on a light background (pen on paper) (default: the picture's "
                              "border decides)")
    colours.add_argument("--light-on-dark", dest="dark_on_light", action="store_false",
                         help="light digit on a dark background (like MNIST)")
    parser.add_argument("--raw", action="store_true",
                        help="the picture is already framed like MNIST (digit in the middle 20x20): no "
                             "normalisation, only the preprocessing")


def run(args: argparse.Namespace) -> int:
    from sb3gen.ml.predict import predict_image

    net = network_from_args(args)
    probabilities = predict_image(net, args.image, args.dark_on_light, raw=args.raw)
    for digit, p in enumerate(probabilities):
        print(f"Class {digit}: {p * 100:.2f}%")
    best = int(probabilities.argmax())
    print(f"Predicted: {best} ({probabilities[best] * 100:.1f}%)")
    return 0
