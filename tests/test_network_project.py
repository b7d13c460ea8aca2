"""The network project in the real scratch-vm: the automation interface, training, math modes, block cost."""

from __future__ import annotations

import numpy as np
import pytest

from sb3gen.ml.dataset import load_mnist
from sb3gen.ml.preprocess import preprocess
from sb3gen.project import build_network_project
from sb3gen.project.network import (
    DEFAULT_LEARNING_RATE,
    DEFAULT_LEARNING_RATE_DECAY,
    DEFAULT_SHUFFLE_SEED,
    NETWORK_SPRITE,
    SCRATCH_TRAINING,
)
from sb3gen.reference import ReferenceNetwork, schedule
from sb3gen.scratch import compile_project, pack_sb3
from sb3gen.vm import Case, run_many, run_project

FORWARD_MACS = {(196, 32, 10): 196 * 32 + 32 * 10}
BACKWARD_MACS = {(196, 32, 10): 6912}  # baseline.md: hidden deltas, and the updates of both layers


def fan_in_weights(sizes: list[int], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    parts = []
    for n_in, n_out in zip(sizes, sizes[1:], strict=False):
        parts.append(rng.uniform(-1, 1, n_in * n_out) / np.sqrt(n_in))
        parts.append(np.zeros(n_out))
    return np.concatenate(parts)


def synthetic_images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.random((n, 196)) < 0.25).astype(np.int64), rng.integers(0, 10, n)


def sb3_of(sizes, activation, weights, train, test, **options) -> tuple[bytes, dict]:
    project = build_network_project(sizes, activation, weights, train[0], train[1], test[0], test[1],
                                    **options)
    compiled = compile_project(project)
    return pack_sb3(compiled), compiled.project_json


@pytest.fixture(scope="module")
def mnist_inputs():
    dataset = load_mnist(None)
    return preprocess(dataset.images[::50], ), dataset.labels[::50]  # 100 real images, every class


def test_training_twice_lowers_the_loss_and_reports_progress():
    sizes = [196, 16, 10]
    train, test = synthetic_images(40, 1), synthetic_images(10, 2)
    sb3, _ = sb3_of(sizes, "sigmoid", fan_in_weights(sizes, 0), train, test, learning_rate=0.1)
    run = run_project(sb3, [{"broadcast": "train"}, {"read": True}, {"broadcast": "train"}, {"read": True}])
    first, second = (s["Stage"]["variables"] for s in run.snapshots)
    assert float(second["loss"]) < float(first["loss"])
    assert (float(first["epoch"]), float(second["epoch"])) == (1, 2)
    assert float(second["busy"]) == 0 and float(second["progress"]) == 100
    assert float(second["images per second"]) > 0


def test_restore_and_randomize_weights():
    """A relu MLP: `randomize weights` draws He-scaled weights and sets the random-start rate;
    `restore weights` brings back the shipped weights and their rate (SCRATCH_TRAINING)."""
    sizes = [196, 16, 10]
    shipped = fan_in_weights(sizes, 0)
    rates = SCRATCH_TRAINING["relu MLP"]
    sb3, _ = sb3_of(sizes, "relu", shipped, synthetic_images(20, 1), synthetic_images(5, 2))
    run = run_project(sb3, [{"broadcast": "randomize weights"}, {"read": True}, {"broadcast": "train"},
                            {"broadcast": "restore weights"}, {"read": True}])
    randomized = np.array(run.snapshots[0]["Stage"]["lists"]["weights"], dtype=float)
    restored = np.array(run.snapshots[1]["Stage"]["lists"]["weights"], dtype=float)
    assert np.array_equal(restored, shipped)
    assert float(run.snapshots[1]["Stage"]["variables"]["epoch"]) == 0
    assert float(run.snapshots[0]["Stage"]["variables"]["LEARNING_RATE"]) == rates.random_start_rate
    assert float(run.snapshots[1]["Stage"]["variables"]["LEARNING_RATE"]) == rates.learning_rate
    assert rates.random_start_rate != rates.learning_rate
    w1, b1 = randomized[: 196 * 16], randomized[196 * 16: 196 * 16 + 16]
    w2, b2 = randomized[3152: 3152 + 160], randomized[3312:]
    assert np.all(b1 == 0) and np.all(b2 == 0) and b2.size == 10
    he1, he2 = (6 / 196) ** 0.5, (6 / 16) ** 0.5
    assert np.max(np.abs(w1)) <= he1 and np.max(np.abs(w2)) <= he2
    assert np.max(np.abs(w1)) > 0.9 * he1 and np.max(np.abs(w2)) > 0.8 * he2  # not the fan-in range
    assert np.std(w1) > 0.07 and not np.array_equal(w1, shipped[: 196 * 16])


def test_randomize_weights_of_a_sigmoid_network_keeps_the_fan_in_range_and_rate():
    sizes = [196, 16, 10]
    train, test = synthetic_images(4, 1), synthetic_images(2, 2)
    sb3, _ = sb3_of(sizes, "sigmoid", fan_in_weights(sizes, 0), train, test)
    run = run_project(sb3, [{"broadcast": "randomize weights"}, {"read": True}])
    weights = np.array(run.snapshots[0]["Stage"]["lists"]["weights"], dtype=float)
    assert np.max(np.abs(weights[: 196 * 16])) <= 1 / 14 and np.max(np.abs(weights[3152:3312])) <= 1 / 4
    assert float(run.snapshots[0]["Stage"]["variables"]["LEARNING_RATE"]) == DEFAULT_LEARNING_RATE


@pytest.mark.parametrize("math_mode,activation", [("native", "sigmoid"), ("native", "relu")])
def test_native_math_equals_the_reference_bit_for_bit(math_mode, activation):
    sizes = [196, 8, 4, 10]
    weights = fan_in_weights(sizes, 4)
    train, test = synthetic_images(30, 5), synthetic_images(15, 6)
    sb3, project_json = sb3_of(sizes, activation, weights, train, test, math=math_mode,
                               learning_rate=DEFAULT_LEARNING_RATE)
    stage_lists = {v[0] for v in project_json["targets"][0]["lists"].values()}
    assert "exp table" not in stage_lists and "log table" not in stage_lists
    run = run_project(sb3, [{"broadcast": "test"}, {"broadcast": "train"}])
    reference = ReferenceNetwork(sizes, activation, weights, DEFAULT_LEARNING_RATE, math=math_mode)
    predictions, accuracy = reference.test(test[0], test[1])
    plan = schedule.plan_epoch([], len(train[1]), DEFAULT_SHUFFLE_SEED, DEFAULT_LEARNING_RATE,
                               DEFAULT_LEARNING_RATE_DECAY, 0)
    loss = schedule.train_epoch(reference, train[0], train[1], plan)
    assert [int(p) for p in run.stage_lists["predictions"]] == predictions.tolist()
    assert float(run.stage_variables["accuracy"]) == accuracy
    assert float(run.stage_variables["loss"]) == loss
    assert np.array_equal(np.array(run.stage_lists["weights"], dtype=float), reference.weights)


@pytest.mark.slow
def test_block_evaluations_per_multiply_add_meet_the_targets(mnist_inputs):
    """Forward <= 5 and a training step <= 6 evaluations per dense multiply-add (deterministic counts)."""
    images, labels = mnist_inputs
    sizes = (196, 32, 10)
    train, test = (images[:50], labels[:50]), (images[50:], labels[50:])
    sb3, _ = sb3_of(list(sizes), "sigmoid", fan_in_weights(list(sizes), 1), train, test)
    run = run_project(sb3, [{"broadcast": "test"}, {"broadcast": "train"}])
    test_phase, train_phase = run.phases
    forward = test_phase.evaluations / (len(test[1]) * FORWARD_MACS[sizes])
    step = train_phase.evaluations / (len(train[1]) * (FORWARD_MACS[sizes] + BACKWARD_MACS[sizes]))
    assert forward <= 5, forward
    assert step <= 6, step


def test_every_network_block_is_warp_with_a_comment_in_the_chosen_language():
    """Except `run the test`: it drives the chunks of a test pass, and the screen redraws between them."""
    sizes = [196, 8, 10]
    for lang, sample in (("en", "result = e^x"), ("ja", "順伝播")):
        _, project_json = sb3_of(sizes, "sigmoid", fan_in_weights(sizes, 0), synthetic_images(3, 1),
                                 synthetic_images(3, 2), lang=lang)
        network = next(t for t in project_json["targets"] if t["name"] == NETWORK_SPRITE)
        prototypes = [b for b in network["blocks"].values()
                      if isinstance(b, dict) and b.get("opcode") == "procedures_prototype"]
        definitions = {b["inputs"]["custom_block"][1]: b_id for b_id, b in network["blocks"].items()
                       if isinstance(b, dict) and b.get("opcode") == "procedures_definition"}
        commented = {c["blockId"] for c in network["comments"].values()}
        assert len(prototypes) >= 15
        for prototype in prototypes:
            name, warp = prototype["mutation"]["proccode"], prototype["mutation"]["warp"] in ("true", True)
            assert warp != (name == "run the test"), name
        prototype_ids = [i for i, b in network["blocks"].items() if b in prototypes]
        assert all(definitions[i] in commented for i in prototype_ids)
        assert any(sample in c["text"] for c in network["comments"].values())


def test_the_network_sprite_opens_on_its_entry_scripts_each_with_a_comment_and_a_start_here():
    """The editor opens a sprite at its top-left: there are the scripts that start on their own (hats), each
    with a comment in the chosen language, the green flag's first, saying where to start and naming the
    layers as its blocks do."""
    sizes = [196, 8, 10]
    for lang, start in (("en", "START HERE"), ("ja", "ここから読もう")):
        _, project_json = sb3_of(sizes, "sigmoid", fan_in_weights(sizes, 0), synthetic_images(3, 1),
                                 synthetic_images(3, 2), lang=lang)
        network = next(t for t in project_json["targets"] if t["name"] == NETWORK_SPRITE)
        blocks, comments = network["blocks"], network["comments"]
        tops = [b for b in blocks.values() if isinstance(b, dict) and b.get("topLevel")]
        hats = [b for b in tops if b["opcode"] != "procedures_definition"]
        assert {b["opcode"] for b in hats} == {"event_whenflagclicked", "event_whenbroadcastreceived"}
        assert len(hats) == 10 and all("comment" in b for b in hats)
        first = min(tops, key=lambda b: (b["x"], b["y"]))
        assert first["opcode"] == "event_whenflagclicked"
        text = comments[first["comment"]]["text"]
        assert text.startswith(start)
        assert "dense 1 (dense 8 sigmoid), output (dense 10 softmax)" in text
        # the hats come first (columns left to right, each from the top): predict, test and train below it
        assert max((b["x"], b["y"]) for b in hats) < min((b["x"], b["y"]) for b in tops if b not in hats)
        ordered = sorted(hats, key=lambda b: (b["x"], b["y"]))
        assert [b["fields"].get("BROADCAST_OPTION", [""])[0] for b in ordered[:4]] == ["", "predict", "test",
                                                                                         "train"]
        assert comments[first["comment"]]["width"] > 220  # a long comment is drawn wide, not scrolled


def test_one_run_checks_predict_against_the_reference(mnist_inputs):
    images, labels = mnist_inputs
    sizes = [196, 20, 8, 4, 10]
    weights = fan_in_weights(sizes, 7)
    sb3, _ = sb3_of(sizes, "sigmoid", weights, (images[:10], labels[:10]), (images[10:20], labels[10:20]))
    reference = ReferenceNetwork(sizes, "sigmoid", weights, 0.05)
    actions = []
    for image in images[20:25]:
        actions += [{"set_list": "input", "values": image.astype(int).tolist()}, {"broadcast": "predict"},
                    {"read": True}]
    (result,) = run_many([Case(sb3, actions)])
    for image, snapshot in zip(images[20:25], result.snapshots, strict=True):
        expected = reference.forward(image)
        stage = snapshot["Stage"]
        assert int(stage["variables"]["prediction"]) == expected.prediction
        assert np.array_equal(np.array(stage["lists"]["probabilities"], dtype=float), expected.probabilities)
        assert np.array_equal(np.array(stage["lists"]["activations"], dtype=float), expected.concatenated())


def test_neurons_are_named_for_what_they_hold_and_each_layer_says_where_its_weights_are():
    sizes = [196, 8, 10]
    _, project_json = sb3_of(sizes, "sigmoid", fan_in_weights(sizes, 0), synthetic_images(3, 1),
                             synthetic_images(3, 2))
    network = next(t for t in project_json["targets"] if t["name"] == NETWORK_SPRITE)
    names = {v[0] for v in network["variables"].values()}
    # the output neuron of digit d is named after d; hidden neurons are numbered from 1 within their layer
    assert {f"digit {d} score" for d in range(10)} | {f"digit {d} error" for d in range(10)} <= names
    assert {f"dense 1 neuron {k}" for k in range(1, 9)} <= names and "dense 1 neuron 0" not in names
    assert {f"dense 1 neuron {k} error" for k in range(1, 9)} <= names
    texts = [c["text"] for c in network["comments"].values()]
    # 196-8-10: layer 1 rows are items 1..1568, its biases 1569..1576; layer 2 follows
    assert any("items 1 to 1,568 of the weights list (8 rows of 196" in t
               and "biases items 1,569 to 1,576" in t for t in texts)
    assert any("items 1,577 to 1,656" in t and "biases items 1,657 to 1,666" in t for t in texts)
    assert any("between -0.0714 and 0.0714" in t for t in texts)  # rounded for people; blocks keep repr
