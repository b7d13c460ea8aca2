"""Write a trained network's weights as text.

--format lines: one number per line, the day-2 article's importable list file (right-click a Scratch list,
"import"). Order: for each layer, the weights into output neuron 1 (n_in numbers), into neuron 2, ..., then
the layer's biases; layers in order. For 196-8-4-10: W1 (8 x 196), b1 (8), W2 (4 x 8), b2 (4), W3 (10 x 4),
b3 (10) = 1,662 numbers.

--format csv: for spreadsheets and microcontrollers. Per layer k: a heading row 'layer_k_weight,<n_in>
inputs,<n_out> outputs', then one row per output neuron (its n_in weights), a heading row 'layer_k_bias',
one row of the n_out biases, and a row '###########'.

Numbers are written exactly (Python repr of the float64 value), so reading them back gives the same weights.
"""

from __future__ import annotations

import argparse

from sb3gen.ml.options import add_output
from sb3gen.ml.sources import DEFAULT_NETWORK, add_network_arguments, network_from_args


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_network_arguments(parser)
    parser.add_argument("--format", choices=["lines", "csv"], default="lines",
                        help="one number per line, or CSV with a heading per layer (default: %(default)s)")
    add_output(parser, "file to write", required=True)


def run(args: argparse.Namespace) -> int:
    from sb3gen.files import OutputSet
    from sb3gen.ml.export import weight_csv_text, weight_lines_text

    inputs = [(f"--{name}", getattr(args, name)) for name in ("network", "model", "weights")]
    if not any(path for _, path in inputs):
        inputs.append(("--network", DEFAULT_NETWORK))  # the default is read too: never replaced
    # refuses a folder, a device, or an output that is one of the inputs
    with OutputSet(args.output.parent, main=args.output.name, option="-o", inputs=inputs) as out:
        net = network_from_args(args)
        text = weight_csv_text(net) if args.format == "csv" else weight_lines_text(net)
        out.write_text(args.output.name, text)
    print(f"wrote {net.describe()} to {args.output} ({args.format})")
    return 0
