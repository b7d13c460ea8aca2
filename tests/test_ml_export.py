"""Network layout and files: network.json, one-number-per-line and CSV exports round-trip exactly."""

from __future__ import annotations

import numpy as np
import pytest

from sb3gen.errors import Sb3genError
from sb3gen.ml.export import read_weight_csv, read_weight_lines, write_weight_csv, write_weight_lines
from sb3gen.ml.network import Network, weight_count
from sb3gen.ml.preprocess import PreprocessSettings

SIZES = [196, 8, 4, 10]


def random_network(sizes=SIZES, seed=0) -> Network:
    rng = np.random.default_rng(seed)
    # float32 values (as Keras trains them) plus awkward float64 ones: tiny, huge, negative zero
    weights = rng.normal(0, 1, weight_count(sizes)).astype(np.float32).astype(np.float64)
    weights[:4] = [1e-300, -3.5e17, -0.0, 0.1 + 0.2]
    return Network(sizes, "relu", weights, PreprocessSettings(invert=True), {"test_accuracy": 0.5})


def test_layout_is_day2_order():
    net = random_network()
    assert weight_count(SIZES) == 1662  # 196*8+8 + 8*4+4 + 4*10+10
    assert net.layer_slices() == [(0, 196, 8, 1568), (1576, 8, 4, 1608), (1612, 4, 10, 1652)]
    w2, b2 = net.layer_arrays()[1]
    assert w2.shape == (4, 8) and w2[1, 0] == net.weights[1576 + 8] and b2[3] == net.weights[1611]


def test_forward_matches_explicit_math():
    net = random_network()
    x = np.random.default_rng(1).integers(0, 2, (3, 196)).astype(np.float64)
    a = x
    for index, (w_off, n_in, n_out, b_off) in enumerate(net.layer_slices()):
        w = net.weights[w_off : w_off + n_in * n_out]
        z = np.array([[sum(w[j * n_in + i] * row[i] for i in range(n_in)) + net.weights[b_off + j]
                       for j in range(n_out)] for row in a])
        a = np.maximum(z, 0) if index < 2 else np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(net.forward(x), a, rtol=1e-12)


def test_network_json_round_trip(tmp_path):
    net = random_network()
    net.save(tmp_path / "network.json")
    back = Network.load(tmp_path / "network.json")
    assert back.weights.tobytes() == net.weights.tobytes()
    assert (back.layer_sizes, back.hidden_activation, back.preprocess, back.metrics) == (
        net.layer_sizes, net.hidden_activation, net.preprocess, net.metrics)


def test_network_json_errors(tmp_path):
    path = tmp_path / "network.json"
    path.write_text("{not json")
    with pytest.raises(Sb3genError, match="network.json: not valid JSON"):
        Network.load(path)
    path.write_text('{"format": "something-else"}')
    with pytest.raises(Sb3genError, match="not an sb3gen network file"):
        Network.load(path)
    with pytest.raises(Sb3genError, match="196-8-4-10 need 1,662 weights and biases, got 1,661"):
        Network(SIZES, "relu", np.zeros(1661))
    with pytest.raises(Sb3genError, match="hidden activation must be one of sigmoid, relu, got 'tanh'"):
        Network(SIZES, "tanh", np.zeros(1662))


@pytest.mark.parametrize("fmt", ["lines", "csv"])
def test_export_round_trip_is_exact(tmp_path, fmt):
    net = random_network([196, 20, 8, 4, 10])
    path = tmp_path / f"weights.{fmt}"
    if fmt == "lines":
        write_weight_lines(net, path)
        back = read_weight_lines(path, net.layer_sizes)
    else:
        write_weight_csv(net, path)
        back = read_weight_csv(path, net.layer_sizes)
    assert back.dtype == np.float64 and back.tobytes() == net.weights.tobytes()


def test_lines_file_is_one_number_per_line(tmp_path):
    net = random_network()
    write_weight_lines(net, tmp_path / "w.txt")
    lines = (tmp_path / "w.txt").read_text().splitlines()
    assert len(lines) == 1662 and lines[3] == "0.30000000000000004" and lines[2] == "-0.0"
    write_weight_lines(net.weights, tmp_path / "plain.txt")  # a bare array works too
    assert (tmp_path / "plain.txt").read_text() == (tmp_path / "w.txt").read_text()


def test_lines_wrong_count_or_text(tmp_path):
    path = tmp_path / "w.txt"
    path.write_text("\n".join(["0.5"] * 1661) + "\n\n")
    with pytest.raises(Sb3genError, match="layers 196-8-4-10 need 1,662 numbers .*the file has 1,661"):
        read_weight_lines(path, SIZES)
    path.write_text("0.5\nabc\n")
    with pytest.raises(Sb3genError, match="w.txt, line 2: 'abc' is not a number"):
        read_weight_lines(path, SIZES)


def test_csv_layout_and_errors(tmp_path):
    net = random_network()
    path = tmp_path / "w.csv"
    write_weight_csv(net, path)
    rows = path.read_text().splitlines()
    assert rows[0] == "layer_1_weight,196 inputs,8 outputs"
    assert rows[1].split(",")[:2] == [repr(float(net.weights[0])), repr(float(net.weights[1]))]
    assert rows[9] == "layer_1_bias" and len(rows[10].split(",")) == 8 and rows[11] == "###########"
    assert rows[12] == "layer_2_weight,8 inputs,4 outputs"
    message = r"w.csv, line 2: expected a row of layer 1's weights \(100 values\), found 196 values"
    with pytest.raises(Sb3genError, match=message):
        read_weight_csv(path, [100, 8, 4, 10])
    message = r"line 10: expected a row of layer 1's weights \(196 values\), found 'layer_1_bias'"
    with pytest.raises(Sb3genError, match=message):
        read_weight_csv(path, [196, 9, 4, 10])
    with pytest.raises(Sb3genError, match="file ends where the heading 'layer_4_weight' should follow"):
        read_weight_csv(path, [196, 8, 4, 10, 10])
    with pytest.raises(Sb3genError, match="more rows than layers 196-8-4 need"):
        read_weight_csv(path, [196, 8, 4])
