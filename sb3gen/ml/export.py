"""Weights as text: one number per line (the day-2 article's list file) or CSV with a heading per layer.

Numbers are written with Python's repr(), the shortest text that reads back as the identical float64.

Lines format: the flat layout of `network.py`, one number per line, nothing else. Scratch imports it into a
list (right-click the list, "import").

CSV format (the second seed's spreadsheet layout), for each layer k = 1, 2, ... in order:
    layer_k_weight,<n_in> inputs,<n_out> outputs        heading row
    w,w,...,w                                           n_out rows of n_in values: row j = weights into
    ...                                                 output neuron j (column j of Keras' kernel)
    layer_k_bias                                        heading row
    b,b,...,b                                           one row of n_out biases
    ###########                                         end of the layer
A conv layer k (a CNN's) is written one block per filter, like the second article's CSV:
    layer_k_conv,<filters> filters,3x3x<channels> kernel   heading row
    filter_f                                            heading of filter f = 1, 2, ...
    w,w,w                                               3 rows (kernel rows) of 3 x channels values (kernel
    ...                                                 columns, then channels): Keras' kernel[:, :, :, f]
    layer_k_bias / b,...,b / ###########                as for a dense layer
A max-pool layer has no weights and no rows. The layers are numbered as in sb3gen/layers.py (pool included).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from sb3gen.errors import Sb3genError
from sb3gen.files import write_text_atomic
from sb3gen.ml.network import Network, layers_text, weight_count

LAYER_END = "###########"


def as_weights(net_or_weights: Network | np.ndarray) -> np.ndarray:
    weights = net_or_weights.weights if isinstance(net_or_weights, Network) else net_or_weights
    return np.asarray(weights, dtype=np.float64).ravel()


def format_number(value: float) -> str:
    return repr(float(value))


def weight_lines_text(net_or_weights: Network | np.ndarray) -> str:
    return "".join(format_number(w) + "\n" for w in as_weights(net_or_weights))


def write_weight_lines(net_or_weights: Network | np.ndarray, path: str | Path) -> None:
    write_text_atomic(Path(path), weight_lines_text(net_or_weights))


def read_weight_lines(path: str | Path, layer_sizes: list[int]) -> np.ndarray:
    """The flat weights from a one-number-per-line file; the count must match the layer sizes exactly."""
    path = Path(path)
    values = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        text = line.strip()
        if not text:
            continue
        try:
            values.append(float(text))
        except ValueError:
            raise Sb3genError(f"{path}, line {number}: {text[:40]!r} is not a number") from None
    expected = weight_count(layer_sizes)
    if len(values) != expected:
        raise Sb3genError(f"{path}: layers {layers_text(layer_sizes)} need {expected:,} numbers "
                          f"(weights and biases), the file has {len(values):,}")
    return np.array(values, dtype=np.float64)


def write_weight_csv(net: Network, path: str | Path) -> None:
    write_text_atomic(Path(path), weight_csv_text(net))


def weight_csv_text(net: Network) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    arrays = iter(net.layer_arrays())
    for layer in net.layers:
        if not layer.units:
            continue
        k = layer.number
        w, b = next(arrays)
        n_out, n_in = w.shape
        if layer.kind == "conv":
            size, channels = layer.window, layer.in_shape[2]
            writer.writerow([f"layer_{k}_conv", f"{n_out} filters", f"{size}x{size}x{channels} kernel"])
            for f, row in enumerate(w, start=1):
                writer.writerow([f"filter_{f}"])
                writer.writerows([format_number(v) for v in kernel_row]
                                 for kernel_row in row.reshape(size, size * channels))
        else:
            writer.writerow([f"layer_{k}_weight", f"{n_in} inputs", f"{n_out} outputs"])
            writer.writerows([format_number(v) for v in row] for row in w)
        writer.writerow([f"layer_{k}_bias"])
        writer.writerow([format_number(v) for v in b])
        writer.writerow([LAYER_END])
    return buffer.getvalue()


def read_weight_csv(path: str | Path, layer_sizes: list[int]) -> np.ndarray:
    """The flat weights from the CSV layout above, checked row by row against the layer sizes."""
    path = Path(path)
    rows = list(csv.reader(io.StringIO(read_text(path))))
    reader = _CsvCursor(path, rows)
    parts = []
    for k, (n_in, n_out) in enumerate(zip(layer_sizes, layer_sizes[1:], strict=False), start=1):
        reader.expect_heading(f"layer_{k}_weight")
        for _ in range(n_out):
            parts.append(reader.numbers(n_in, f"a row of layer {k}'s weights ({n_in} values)"))
        reader.expect_heading(f"layer_{k}_bias")
        parts.append(reader.numbers(n_out, f"layer {k}'s {n_out} biases"))
        reader.expect_heading(LAYER_END)
    reader.expect_end(layers_text(layer_sizes))
    return np.concatenate(parts)


class _CsvCursor:
    def __init__(self, path: Path, rows: list[list[str]]) -> None:
        self.path = path
        self.rows = [(number, row) for number, row in enumerate(rows, start=1) if any(c.strip() for c in row)]
        self.position = 0

    def next_row(self, wanted: str) -> tuple[int, list[str]]:
        if self.position >= len(self.rows):
            raise Sb3genError(f"{self.path}: file ends where {wanted} should follow")
        self.position += 1
        return self.rows[self.position - 1]

    def expect_heading(self, heading: str) -> None:
        number, row = self.next_row(f"the heading {heading!r}")
        if row[0].strip() != heading:
            raise Sb3genError(f"{self.path}, line {number}: expected the heading {heading!r}, "
                              f"found {','.join(row)[:40]!r}")

    def numbers(self, count: int, wanted: str) -> np.ndarray:
        number, row = self.next_row(wanted)
        cells = [c for c in row if c.strip()]
        try:
            values = np.array([float(c) for c in cells], dtype=np.float64)
        except ValueError:
            raise Sb3genError(f"{self.path}, line {number}: expected {wanted}, found "
                              f"{','.join(row)[:40]!r}") from None
        if len(values) != count:
            raise Sb3genError(f"{self.path}, line {number}: expected {wanted}, found {len(values)} values")
        return values

    def expect_end(self, shape: str) -> None:
        if self.position < len(self.rows):
            number, _ = self.rows[self.position]
            raise Sb3genError(f"{self.path}, line {number}: more rows than layers {shape} need")


def read_text(path: Path) -> str:
    from sb3gen.untrusted import LIMITS, read_capped

    data = read_capped(path, LIMITS["weights file bytes"], "weights file")
    try:
        return data.decode("utf-8-sig")  # tolerate a spreadsheet's byte-order mark
    except UnicodeDecodeError as exc:
        raise Sb3genError(f"{path}: cannot read ({exc})") from None
