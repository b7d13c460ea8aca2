"""The loop engine's templates (templates/loops/, the kinds' templates/kinds/) compile, pass the checker and
round-trip through show -> parse to the same blocks; a loop project with UI renders every one of them."""

from __future__ import annotations

from functools import partial

import numpy as np

from sb3gen.kinds import KINDS
from sb3gen.loops.app import loop_project
from sb3gen.scratch import compile_project
from sb3gen.scratch.roundtrip import check_roundtrip
from sb3gen.scratch.templates import templates_dir
from tests.loops_helpers import activation, dense, network


def test_loop_templates_round_trip_through_show() -> None:
    layers = network(0, 196, [partial(dense, n_in=196, units=40, activation="tanh"), activation("sigmoid"),
                              partial(dense, n_in=40, units=10, activation="softmax", use_bias=False)])
    images = (np.random.default_rng(0).random((4, 196)) > 0.7).astype(int)
    project = loop_project(layers, images, np.arange(4), images[:2], np.arange(2))
    used = {source.origin for target in project.targets() for source in target.sources}
    used |= {"kinds/activations.sb", *(KINDS[name].TEMPLATE for name in ("dense", "activation"))}
    shipped = {p.relative_to(templates_dir()).as_posix() for p in (templates_dir() / "loops").rglob("*.sb")}
    assert shipped <= used, f"templates not exercised: {sorted(shipped - used)}"
    compiled = compile_project(project)
    check_roundtrip(compiled.project_json, compiled.assets)


def test_the_weights_view_pictures_a_first_dense_layer_in_keras_order() -> None:
    layers = network(1, 196, [partial(dense, n_in=196, units=12, activation="relu"),
                              partial(dense, n_in=12, units=10, activation="softmax")])
    images = (np.random.default_rng(0).random((2, 196)) > 0.7).astype(int)
    project = loop_project(layers, images, np.arange(2), images, np.arange(2))
    views = next(s for s in project.sprites if s.name == "Views").sources[0].text
    picture = views[views.index("define draw the picture of neuron"):]
    # neuron n's weight from pixel k (0-based) is item k x 12 + n + 1 of `weights`
    assert "set [weight # v] to ((n) - (11))" in picture
    assert picture.count("change [weight # v] by (12)") == 2 and "change [weight # v] by (1)" not in picture
