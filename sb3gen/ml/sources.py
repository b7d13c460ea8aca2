"""Where a trained network comes from on the command line: network.json, a Keras model, or a weights file.

Shared by `export-weights`, `predict` and `build`: add_network_arguments() adds the options,
network_from_args() turns them into a Network (or an Sb3genError that says what is missing).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sb3gen.errors import Sb3genError
from sb3gen.ml import options
from sb3gen.ml.network import Network, parse_layer_sizes
from sb3gen.ml.preprocess import PreprocessSettings

DEFAULT_NETWORK = Path("build") / "network.json"


def add_network_arguments(parser: argparse.ArgumentParser, default_network: Path | None = DEFAULT_NETWORK,
                          ) -> None:
    group = parser.add_argument_group("which network (one of)")
    options.add_network_sources(group, default_network)
    options.add_shape(group, "for --weights")


def network_from_args(args: argparse.Namespace, default_network: Path | None = DEFAULT_NETWORK) -> Network:
    return network_from_sources(network=args.network, model=args.model, weights=args.weights,
                                layers=args.layers, activation=args.activation, invert=bool(args.invert),
                                default_network=default_network)


def network_from_sources(*, network: Path | None = None, model: Path | None = None,
                         weights: Path | None = None, layers: str | None = None,
                         activation: str | None = None, invert: bool = False,
                         default_network: Path | None = DEFAULT_NETWORK) -> Network:
    chosen = [name for name, value in (("--network", network), ("--model", model), ("--weights", weights))
              if value is not None]
    if len(chosen) > 1:
        raise Sb3genError(f"give only one of {', '.join(chosen)}")
    if model is not None:
        from sb3gen.ml.model_file import load_model_file

        if Path(model).suffix.lower() == ".onnx":  # the loop engine reads it; these commands do not yet
            raise Sb3genError(f"{model}: an ONNX model is built with 'sb3gen build --model'; this command "
                              "reads Keras models (.keras, .h5)")
        return load_model_file(model, PreprocessSettings(invert=invert))
    if weights is not None:
        from sb3gen.ml.export import read_weight_lines

        if not layers or not activation:
            raise Sb3genError("--weights needs --layers (e.g. 196,8,4,10) and --activation (sigmoid or relu)")
        sizes = parse_layer_sizes(layers)
        flat = read_weight_lines(weights, sizes)
        side = round(sizes[0] ** 0.5)
        return Network(sizes, activation, flat, PreprocessSettings(size=side, invert=invert),
                       {"weights_file": Path(weights).name})
    path = network or default_network
    if path is None:
        raise Sb3genError("no network given: use --network, --model or --weights")
    if not Path(path).is_file():
        raise Sb3genError(f"{path}: no such network file (run 'sb3gen train' first, or give --model or "
                          "--weights)")
    return Network.load(path)
