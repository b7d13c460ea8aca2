"""The ONNX front end: the third article's PyTorch MLP and a small CNN (built with onnx.helper as
torch.onnx.export writes them) become Layers whose reference equals onnx.reference.ReferenceEvaluator within
1e-5 at every layer; a model with three problems gets three lines; a hostile file is refused before its
tensors are loaded."""

from __future__ import annotations

import os

import numpy as np
import onnx
import pytest
from kinds_helpers import images
from onnx import TensorProto, helper, numpy_helper
from onnx_models import MEAN, STD, evaluate, other_ops, save, small_cnn, third_article_mlp

from sb3gen.cli import main
from sb3gen.errors import Sb3genError
from sb3gen.importers import import_model, onnx_files
from sb3gen.importers.onnx_check import TOLERANCE, layer_differences
from sb3gen.loops import reference


@pytest.mark.parametrize("build", [third_article_mlp, small_cnn, other_ops])
def test_every_layer_equals_the_onnx_reference_evaluator(tmp_path, build):
    model, ends = build(seed=5)
    path = save(model, tmp_path, "model.onnx")
    imported = import_model(path)
    layers = list(imported.layers)
    assert imported.ends == tuple(ends)  # which graph tensor each layer stands for
    inputs = images(4, (784,), seed=6).astype(np.float64)
    for image in inputs:
        got = reference.forward(layers, image).outputs
        for layer, mine, want in zip(layers, got, evaluate(model, ends, image), strict=True):
            np.testing.assert_allclose(mine, want, atol=1e-5, rtol=0, err_msg=layer.where())
    differences = layer_differences(path, imported, layers, inputs)
    assert len(differences) == len(layers) and max(differences) < TOLERANCE
    assert max(differences) > 0  # float32 in ONNX, float64 in the reference: compared, not copied


def test_the_mlp_is_the_articles_layers_with_normalize_as_one_scale(tmp_path):
    model, _ = third_article_mlp(seed=1)
    layers = import_model(save(model, tmp_path, "mynet.onnx")).layers
    seen = [(lay.name, lay.source, lay.out_shape[2], lay.config.get("activation")) for lay in layers]
    assert seen == [
        ("scale 1", "/Sub", 1, None), ("reshape 1", "/flatten/Flatten", 784, None),
        ("dense 1", "/layer1/Gemm", 128, "relu"), ("dense 2", "/layer2/Gemm", 128, "relu"),
        ("dense 3", "/layer3/Gemm", 128, "relu"), ("dense 4", "/layer4/Gemm", 10, "softmax")]
    a, b = layers[0].params
    mean, std = float(np.float32(MEAN)), float(np.float32(STD))  # as the graph stores them
    assert (a[0], b[0]) == (1 / std, -mean * (1 / std))
    weight = numpy_helper.to_array(next(t for t in model.graph.initializer if t.name == "layer1.weight"))
    assert np.array_equal(layers[2].params[0], weight.T.astype(np.float64))  # transB=1: rows are outputs


def test_softmax_before_opset_13_takes_its_default_axis_1_of_a_flat_layer(tmp_path):
    model, ends = third_article_mlp(seed=3, hidden=16)
    model.opset_import[0].version = 11
    softmax = model.graph.node[-1]
    del softmax.attribute[:]  # Softmax-11's default axis is 1: the last axis of (1, 10)
    path = save(model, tmp_path, "opset11.onnx")
    imported = import_model(path)
    assert imported.layers[-1].config["activation"] == "softmax"
    assert max(layer_differences(path, imported, imported.layers, images(2, (784,)))) < TOLERANCE


def test_the_cnn_folds_batch_norm_and_reorders_the_flattened_rows(tmp_path):
    model, _ = small_cnn(seed=2)
    layers = import_model(save(model, tmp_path, "cnn.onnx")).layers
    assert [layer.kind for layer in layers] == ["conv2d", "maxpool2d", "conv2d", "maxpool2d", "reshape",
                                                "dense", "dense"]
    assert layers[0].config["padding"] == "same" and layers[0].config["activation"] == "relu"
    onnx_rows = numpy_helper.to_array(next(t for t in model.graph.initializer if t.name == "fc1.weight_t"))
    # sb3gen's input 1 is row 0, column 0, channel 1: ONNX's channel-first index 36
    assert np.array_equal(layers[5].params[0][1], onnx_rows[36].astype(np.float64))


def _bad_model() -> onnx.ModelProto:
    n = helper.make_node
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.normal(0, 1, (2, 1, 3, 3)).astype(np.float32), "w"),
             numpy_helper.from_array(rng.normal(0, 1, (10, 72)).astype(np.float32), "fc")]
    nodes = [n("Conv", ["input", "w"], ["c"], name="/conv/Conv", kernel_shape=[3, 3], dilations=[2, 2]),
             n("MaxPool", ["c"], ["p"], name="/pool/MaxPool", kernel_shape=[4, 4], strides=[4, 4]),
             n("LeakyRelu", ["p"], ["l"], name="/act/LeakyRelu", alpha=0.1),
             n("Flatten", ["l"], ["f"], name="/Flatten"),
             n("Gemm", ["f", "fc"], ["output"], name="/fc/Gemm", transB=1)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                                                         [1, 1, 28, 28])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 10])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_three_problems_are_three_lines_naming_the_nodes(tmp_path):
    path = tmp_path / "bad.onnx"
    path.write_bytes(_bad_model().SerializeToString())
    with pytest.raises(Sb3genError) as caught:
        import_model(path)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("bad.onnx: 3 problems")
    assert lines[1] == "  conv 1 (/conv/Conv): dilations [2, 2]; the blocks run dilation 1 only"
    assert lines[2] == "  pool 1 (/pool/MaxPool): pool 4x4; the blocks run 2x2 and 3x3"
    assert lines[3].startswith("  /act/LeakyRelu (LeakyRelu): the blocks do not run LeakyRelu (they run ")
    assert len(lines) == 4 and caught.value.exit_code == 2


def test_a_branch_a_constant_minus_the_input_and_a_custom_domain_are_refused(tmp_path):
    n = helper.make_node
    one = numpy_helper.from_array(np.ones((1, 1, 1), dtype=np.float32), "one")
    nodes = [n("Sub", ["one", "input"], ["inverted"], name="/invert"),
             n("Relu", ["inverted"], ["r"], name="/relu"),
             n("Add", ["r", "inverted"], ["skip"], name="/skip"),
             n("Gelu", ["skip"], ["output"], name="/gelu", domain="com.example")]
    value = helper.make_tensor_value_info
    graph = helper.make_graph(nodes, "g", [value("input", TensorProto.FLOAT, [1, 1, 28, 28])],
                              [value("output", TensorProto.FLOAT, [1, 1, 28, 28])], [one])
    path = tmp_path / "branch.onnx"
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path.write_bytes(model.SerializeToString())
    with pytest.raises(Sb3genError) as caught:
        import_model(path)
    assert str(caught.value).splitlines()[1:] == [
        "  /invert (Sub): a constant sub the tensor; the blocks run x - c and x / c",
        "  /skip (Add): it takes ['r', 'inverted'], not just 'r'; sb3gen runs graphs whose nodes follow one "
        "another",
        "  /gelu (Gelu): an operator of the domain 'com.example'; sb3gen runs ONNX's own"]


def test_build_of_a_bad_model_exits_2_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "bad.onnx"
    path.write_bytes(_bad_model().SerializeToString())
    before = sorted(os.listdir(tmp_path))
    assert main(["build", "--model", str(path), "-o", str(tmp_path / "out.sb3")]) == 2
    err = capsys.readouterr().err
    assert "/conv/Conv" in err and "/pool/MaxPool" in err and "/act/LeakyRelu" in err
    assert sorted(os.listdir(tmp_path)) == before


def _one_initializer_model(tensor: TensorProto) -> onnx.ModelProto:
    node = helper.make_node("Add", ["input", tensor.name], ["output"], name="/add")
    value = helper.make_tensor_value_info
    graph = helper.make_graph([node], "g", [value("input", TensorProto.FLOAT, [1, 4])],
                              [value("output", TensorProto.FLOAT, [1, 4])], [tensor])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_a_huge_declared_initializer_is_refused_before_it_is_loaded(tmp_path, monkeypatch):
    loaded = []
    monkeypatch.setattr(numpy_helper, "to_array", lambda t, *a: loaded.append(t.name))
    huge = TensorProto(name="huge", data_type=TensorProto.FLOAT, dims=[200_000, 200_000], raw_data=b"\0" * 16)
    path = tmp_path / "huge.onnx"
    path.write_bytes(_one_initializer_model(huge).SerializeToString())
    assert path.stat().st_size < 200
    declared = r"'huge': it declares 40,000,000,000 values \(dims \[200000, 200000\]\)"
    with pytest.raises(Sb3genError, match=declared):
        import_model(path)
    assert loaded == []


def test_stored_length_unlike_the_dims_and_external_data_are_refused(tmp_path):
    short = TensorProto(name="short", data_type=TensorProto.FLOAT, dims=[4], raw_data=b"\0" * 8)
    path = tmp_path / "short.onnx"
    path.write_bytes(_one_initializer_model(short).SerializeToString())
    with pytest.raises(Sb3genError, match="declares 4 values .* but stores 8 bytes"):
        import_model(path)
    outside = TensorProto(name="outside", data_type=TensorProto.FLOAT, dims=[4],
                          data_location=TensorProto.EXTERNAL)
    outside.external_data.add(key="location", value="/etc/passwd")
    path.write_bytes(_one_initializer_model(outside).SerializeToString())
    with pytest.raises(Sb3genError, match="its data is in another file"):
        import_model(path)


def test_a_file_over_the_cap_is_not_parsed(tmp_path, monkeypatch):
    model, _ = third_article_mlp(seed=1, hidden=8)
    path = save(model, tmp_path, "big.onnx")
    monkeypatch.setattr(onnx_files, "MAX_FILE_BYTES", path.stat().st_size - 1)
    with pytest.raises(Sb3genError, match="bytes; sb3gen reads ONNX models of at most"):
        import_model(path)
    path.write_bytes(b"\xff" * 100)
    monkeypatch.undo()
    with pytest.raises(Sb3genError, match="not an ONNX model"):
        import_model(path)


def test_damaged_files_give_one_sb3gen_error_or_a_model(tmp_path):
    """Random bytes changed, cut or inserted: the importer answers with layers or an Sb3genError, nothing
    else (no protobuf, numpy or onnx exception escapes)."""
    model, _ = small_cnn(seed=4)
    data = bytearray(model.SerializeToString())
    rng = np.random.default_rng(9)
    path = tmp_path / "damaged.onnx"
    outcomes = {"model": 0, "refused": 0}
    for _ in range(300):
        damaged = bytearray(data)
        for _ in range(int(rng.integers(1, 4))):
            at = int(rng.integers(0, len(damaged)))
            choice = rng.integers(0, 3)
            if choice == 0:
                damaged[at] = int(rng.integers(0, 256))
            elif choice == 1:
                del damaged[at:at + int(rng.integers(1, 40))]
            else:
                damaged[at:at] = rng.integers(0, 256, int(rng.integers(1, 8))).astype(np.uint8).tobytes()
        path.write_bytes(bytes(damaged))
        try:
            import_model(path)
            outcomes["model"] += 1
        except Sb3genError as refused:
            assert str(refused).strip(), "an empty message"
            outcomes["refused"] += 1
    assert outcomes["refused"] > 50
