"""Every template in templates/ (as the project builder renders them) compiles, passes the checker and
round-trips through show -> parse to the same blocks."""

from __future__ import annotations

import numpy as np
import pytest

from sb3gen.layers import LayerSpec, describe, weight_count
from sb3gen.project.inputs import BINARY14, GREY28
from sb3gen.project.network import build_network_project
from sb3gen.project.plan import KIND_TEMPLATES
from sb3gen.scratch import compile_project
from sb3gen.scratch.roundtrip import check_roundtrip
from sb3gen.scratch.templates import templates_dir


def small_network_project(math: str):
    rng = np.random.default_rng(0)
    sizes = [196, 8, 10]
    n_weights = 196 * 8 + 8 + 8 * 10 + 10
    images = (rng.random((6, 196)) > 0.7).astype(int)
    labels = np.arange(6) % 10
    return build_network_project(sizes, "sigmoid", rng.normal(size=n_weights), images, labels, images[:2],
                                 labels[:2], math=math)


@pytest.mark.parametrize("math", ["tables", "native"])
def test_every_template_round_trips_through_show(math: str) -> None:
    project = small_network_project(math)
    used = {source.origin for target in project.targets() for source in target.sources}
    used |= set(KIND_TEMPLATES.values())  # imported by forward.sb, learn.sb and weights.sb per layer kind
    used |= {fmt.template for fmt in (BINARY14, GREY28)}  # round-tripped in tests/test_input_formats.py
    shipped = {p.relative_to(templates_dir()).as_posix() for p in templates_dir().rglob("*.sb")}
    shipped = {name for name in shipped if not name.startswith(("loops/", "kinds/"))}  # test_loops_templates
    assert shipped <= used, f"templates not exercised: {sorted(shipped - used)}"
    for built in (project, small_cnn_project(math)):  # the CNN renders the conv and max-pool templates
        compiled = compile_project(built)
        check_roundtrip(compiled.project_json, compiled.assets)


def small_cnn_project(math: str):
    specs = [LayerSpec("conv", 2, "relu"), LayerSpec("maxpool", 2), LayerSpec("dense", 4, "relu"),
             LayerSpec("dense", 10, "softmax")]
    layers = describe((14, 14, 1), specs)
    rng = np.random.default_rng(1)
    images = (rng.random((4, 196)) > 0.7).astype(int)
    return build_network_project([], "relu", rng.normal(size=weight_count(layers)), images, np.arange(4),
                                 images[:2], np.arange(2), math=math, layers=layers)
