"""Packed images (one text item per image): the encoder, the numpy decoder and the decoding blocks in the real
scratch-vm and TurboWarp, project.json bytes per image, and the decoding's share of the block evaluations."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sb3gen.ml.dataset import load_mnist
from sb3gen.ml.preprocess import preprocess
from sb3gen.project import build_network_project
from sb3gen.project.image_codec import SYMBOLS, encode_image, encode_images
from sb3gen.reference.packed import stroke_pixels, unpack, unpack_all
from sb3gen.scratch import compile_project, pack_sb3
from sb3gen.scratch.packer import project_json_bytes
from sb3gen.vm import run_project

ALPHABET = list(SYMBOLS)
SIZES = [196, 32, 10]


def random_images(n: int, seed: int, density: float = 0.25) -> np.ndarray:
    return (np.random.default_rng(seed).random((n, 196)) < density).astype(np.int64)


def fan_in_weights(sizes: list[int], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    parts = []
    for n_in, n_out in zip(sizes, sizes[1:], strict=False):
        parts += [rng.uniform(-1, 1, n_in * n_out) / np.sqrt(n_in), np.zeros(n_out)]
    return np.concatenate(parts)


@pytest.fixture(scope="module")
def mnist_images():
    dataset = load_mnist(None)
    return preprocess(dataset.images[::50]), dataset.labels[::50]  # 100 real images, every class


def test_the_alphabet_never_relies_on_case_or_reads_as_a_number():
    assert len(SYMBOLS) == 64 and SYMBOLS == SYMBOLS.upper()
    assert not set(SYMBOLS) & set('"\\ ,')
    images = np.vstack([random_images(500, 1, 0.5), np.ones((1, 196), int), np.zeros((1, 196), int)])
    for code in encode_images(images):
        assert len(code) == 33
        with pytest.raises(ValueError):
            float(code)  # the last symbol (4 pixels) is one of the 16 letters G-V: never a number


def test_encode_then_decode_gives_the_image_back_also_in_lower_case():
    images = random_images(300, 2, 0.4)
    codes = encode_images(images)
    assert np.array_equal(unpack_all(codes, ALPHABET, 196), images)
    for code, image in zip(codes[:20], images[:20], strict=True):
        assert np.array_equal(unpack(code.lower(), ALPHABET, 196), image)
        assert stroke_pixels(code, ALPHABET, 196).tolist() == (np.flatnonzero(image) + 1).tolist()
    assert encode_image(images[0]) == codes[0]
    # pixel 1 is worth 1 in the first symbol, pixel 6 is worth 32, pixel 7 starts the second symbol
    first = np.zeros(196, int)
    first[[0, 5, 6]] = 1
    assert encode_image(first)[:2] == SYMBOLS[33] + SYMBOLS[1]


def test_each_image_takes_36_bytes_of_project_json():
    codes = encode_images(random_images(100, 3))
    assert len(project_json_bytes({"l": codes})) - len(project_json_bytes({"l": []})) == 100 * 36 - 1


EDGE_CASES = [
    "G" * 32 + "~",  # last symbol 63: its 2 bits past pixel 196 are dropped
    "xyz",  # lower case, and a short item: missing symbols are 0
    "",
    "G" * 10 + " é\"" + "~" * 20,  # symbols not in the list count as 0
    "~" * 33,  # every pixel
]


@pytest.mark.parametrize("engine", ["scratch-vm", "turbowarp"])
def test_unpack_blocks_equal_the_reference_on_real_and_odd_items(engine, mnist_images):
    images, labels = mnist_images
    codes = encode_images(images[:5]) + EDGE_CASES
    project = build_network_project(SIZES, "sigmoid", fan_in_weights(SIZES, 0), images[:5], labels[:5],
                                    images[5:8], labels[5:8], math="native")
    sb3 = pack_sb3(compile_project(project))
    actions = []
    for code in codes:
        actions += [{"set_variable": "packed image", "value": code}, {"broadcast": "unpack"}, {"read": True}]
    run = run_project(sb3, actions, engine=engine)
    for code, snapshot in zip(codes, run.snapshots, strict=True):
        got = [float(v) for v in snapshot["Stage"]["lists"]["input"]]
        assert got == unpack(code, ALPHABET, 196).tolist(), code
    assert sum(float(v) for v in run.snapshots[-1]["Stage"]["lists"]["input"]) == 196


@pytest.mark.slow
def test_decoding_costs_under_a_tenth_of_a_training_step_and_the_passes_meet_their_targets(mnist_images):
    """Deterministic block-evaluation counts on real digits: decoding < 10% of a training step; a training
    step <= 2.0 and a test pass <= 1.7 evaluations per dense multiply-add, decoding included."""
    images, labels = mnist_images
    sb3 = pack_sb3(compile_project(build_network_project(
        SIZES, "sigmoid", fan_in_weights(SIZES, 1), images[:50], labels[:50], images[50:], labels[50:])))
    run = run_project(sb3, [{"broadcast": "test"}, {"broadcast": "train"}], profile=True)
    test_phase, train_phase = run.phases
    forward_macs = 196 * 32 + 32 * 10
    step_macs = forward_macs + 6912
    decode = train_phase.by_procedure["find stroke pixels of packed image %s"] / 50
    step = train_phase.evaluations / 50
    assert decode < 0.1 * step, (decode, step)
    assert step / step_macs <= 2.0, step / step_macs
    assert test_phase.evaluations / 50 / forward_macs <= 1.7


def test_the_stage_holds_one_item_per_image_and_the_symbols():
    images = random_images(30, 4)
    project = build_network_project(SIZES, "sigmoid", fan_in_weights(SIZES, 0), images[:20],
                                    np.arange(20) % 10, images[20:], np.arange(10), math="native")
    compiled = compile_project(project)
    stage = compiled.project_json["targets"][0]
    lists = {entry[0]: entry[1] for entry in stage["lists"].values()}
    assert lists["train images"] == encode_images(images[:20]) and len(lists["test images"]) == 10
    assert lists["symbols"] == ALPHABET
    json.dumps(lists["train images"])  # plain strings
