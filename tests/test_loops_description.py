"""The stage list `loop layers`: a loop project's layers written and read back (params through each kind's
flat order), and what verify says of a damaged one: one Sb3genError, never a traceback."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from sb3gen.errors import Sb3genError
from sb3gen.loops.description import describe_layers, read_layers
from sb3gen.loops.plan import flat_weights
from sb3gen.loops.verify import is_loop_project, read_loop_project
from tests.loops_helpers import activation, dense, network


def _layers():
    return network(5, 20, [partial(dense, n_in=20, units=6, activation="tanh"), activation("relu"),
                           partial(dense, n_in=6, units=10, activation="linear", use_bias=False)])


def test_layers_read_back_from_their_description_and_weights() -> None:
    layers = _layers()
    back = read_layers(describe_layers(layers), flat_weights(layers), "p")
    for original, read in zip(layers, back, strict=True):
        seen = (read.kind, read.name, read.in_shape, read.out_shape)
        assert seen == (original.kind, original.name, original.in_shape, original.out_shape)
        assert dict(read.config) == dict(original.config)
        assert all(np.array_equal(a, b) for a, b in zip(read.params, original.params, strict=True))


@pytest.mark.parametrize("damage", ["short weights", "long weights", "bad text", "unknown kind",
                                    "huge shape"])
def test_a_damaged_description_is_one_error(damage: str) -> None:
    layers = _layers()
    items, weights = describe_layers(layers), flat_weights(layers)
    if damage == "short weights":
        weights = weights[:-1]
    elif damage == "long weights":
        weights = np.append(weights, 1.0)
    elif damage == "bad text":
        items[0] = items[0][:-3]
    elif damage == "unknown kind":
        items[1] = items[1].replace("'activation'", "'lambda'", 1)
    else:
        items[0] = items[0].replace("(20, 6)", "(10**12, 6)")
    with pytest.raises(Sb3genError):
        read_layers(items, weights, "p")


def _project(lists: object) -> dict:
    return {"targets": [{"isStage": True, "lists": lists, "variables": {}}]}


def test_only_a_stage_with_loop_layers_is_a_loop_project() -> None:
    assert is_loop_project(_project({"a": ["loop layers", []]}))
    for odd in ({}, {"targets": 3}, _project(5), _project({"a": 7}), _project({"a": ["weights", []]})):
        assert not is_loop_project(odd)


def test_a_loop_project_missing_its_lists_is_one_error() -> None:
    with pytest.raises(Sb3genError, match="not a loop project sb3gen wrote"):
        read_loop_project(_project({"a": ["loop layers", describe_layers(_layers())]}), "p", None)
