"""--weight-int8: int8 codes and per-layer scales, decoded in blocks (green flag, `restore weights`) to the
very weights of the reference (sb3gen.reference.int8), bit for bit in scratch-vm and TurboWarp; a smaller
project; a build that passes verify."""

from __future__ import annotations

import numpy as np
import pytest

from sb3gen import layers as layer_kinds
from sb3gen.project import build_network_project
from sb3gen.project.image_codec import SYMBOLS
from sb3gen.project.network import int8_weights
from sb3gen.reference import ReferenceNetwork, int8
from sb3gen.scratch import compile_project, pack_sb3
from sb3gen.scratch.packer import project_json_bytes
from sb3gen.vm import run_project

SIZES = [196, 16, 10]


def small_network():
    rng = np.random.default_rng(3)
    weights = np.concatenate([rng.normal(0, 0.3, 196 * 16), rng.normal(0, 0.1, 16),
                              rng.normal(0, 0.8, 160), rng.normal(0, 0.2, 10)])
    train = (rng.random((20, 196)) < 0.25).astype(int), rng.integers(0, 10, 20)
    test = (rng.random((5, 196)) < 0.25).astype(int), rng.integers(0, 10, 5)
    return weights, train, test


def test_quantize_round_trips_through_the_symbols():
    rng = np.random.default_rng(0)
    weights = rng.normal(0, 1, 1000)
    counts = [600, 400]
    codes, scales = int8.quantize(weights, counts)
    assert codes.min() >= -127 and codes.max() <= 127
    assert abs(codes[:600]).max() == abs(codes[600:]).max() == 127
    assert np.array_equal(scales, [np.abs(weights[:600]).max() / 127, np.abs(weights[600:]).max() / 127])
    items = int8.encode_codes(codes, SYMBOLS)
    assert all(item[0] in "GHIJ" for item in items) and len(items) == -(-1000 // int8.WEIGHTS_PER_ITEM)
    assert np.array_equal(int8.decode_codes([i.lower() for i in items], list(SYMBOLS), 1000), codes)
    decoded = int8.decode(codes, scales, counts)
    assert np.max(np.abs(decoded - weights)[:600]) <= scales[0] / 2 + 1e-15


@pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])
def test_the_blocks_decode_the_reference_weights_bit_for_bit(engine):
    weights, train, test = small_network()
    project = build_network_project(SIZES, "sigmoid", weights, *train, *test, learning_rate=0.3, int8=True)
    sb3 = pack_sb3(compile_project(project))
    layers = layer_kinds.describe(layer_kinds.input_shape(196), layer_kinds.mlp_specs(SIZES, "sigmoid"))
    expected = int8_weights(weights, layers)
    assert not np.array_equal(expected, weights)
    run = run_project(sb3, [{"green_flag": True}, {"read": True},
                            {"set_list": "weights", "values": [0.5] * len(weights)},
                            {"broadcast": "restore weights"}, {"broadcast": "test"}, {"read": True}],
                      engine=engine)
    for snapshot in run.snapshots:
        assert np.array_equal(np.array(snapshot["Stage"]["lists"]["weights"], dtype=np.float64), expected)
    reference = ReferenceNetwork(SIZES, "sigmoid", expected, 0.0)
    _, accuracy = reference.test(*test)
    assert float(run.snapshots[1]["Stage"]["variables"]["accuracy"]) == accuracy


def test_int8_shrinks_project_json_and_ships_empty_weights():
    weights, train, test = small_network()
    sizes = {}
    for flag in (False, True):
        project = compile_project(build_network_project(SIZES, "sigmoid", weights, *train, *test, int8=flag))
        sizes[flag] = len(project_json_bytes(project.project_json))
        lists = {e[0]: e[1] for e in project.project_json["targets"][0]["lists"].values()}
        if flag:
            assert lists["weights"] == [] and lists["shipped weights"] == []
            assert np.array_equal(int8.from_lists(lists), int8_weights(
                weights, layer_kinds.describe(layer_kinds.input_shape(196),
                                              layer_kinds.mlp_specs(SIZES, "sigmoid"))))
    float_weight_bytes = sizes[False] - sizes[True]
    assert float_weight_bytes > 2 * 17 * len(weights) * 0.8  # two float lists of ~17-20 bytes an item gone


def test_an_int8_build_reports_both_and_passes_verify(tmp_path, capsys):
    from sb3gen.cli import main

    output = tmp_path / "mnist.sb3"
    code = main(["build", "--preset", "day2", "--epochs", "2", "--train-images", "200", "--test-images", "50",
                 "--weight-int8", "-o", str(output)])
    text = capsys.readouterr()
    assert code == 0, text.err
    line = next(x for x in text.out.splitlines() if x.startswith("int8 weights: project.json "))
    assert "float (3 digits)" in line and "held-out accuracy float " in line and ", drop " in line
    assert "int8 weights, math" in text.out
    code = main(["verify", str(output)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "5 of 5 checks passed" in text and "bit-identical" in text


def test_verify_refuses_malformed_int8_lists(tmp_path, capsys):
    import io
    import json
    import zipfile

    from sb3gen.cli import main

    weights, train, test = small_network()
    project = build_network_project(SIZES, "sigmoid", weights, *train, *test, int8=True)
    sb3 = pack_sb3(compile_project(project))
    with zipfile.ZipFile(io.BytesIO(sb3)) as source:
        files = {name: source.read(name) for name in source.namelist()}
    project = json.loads(files["project.json"])
    for entry in project["targets"][0]["lists"].values():
        if entry[0] == "int8 weights":
            entry[1][0] = entry[1][0][:-2]  # one weight short
    files["project.json"] = json.dumps(project).encode()
    path = tmp_path / "bad.sb3"
    with zipfile.ZipFile(path, "w") as target:
        for name, data in files.items():
            target.writestr(name, data)
    code = main(["verify", str(path)])
    text = capsys.readouterr()
    assert code == 2, text.out + text.err
    assert "the int8 weight lists are malformed" in text.out + text.err
