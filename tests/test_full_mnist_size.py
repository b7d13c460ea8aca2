"""The full-MNIST case without MNIST: a project with 60,000 training and 10,000 test images (packed) fits the
website's limits, and the capacity estimate `build` refuses with is close to the real size.
(benchmarks/big_build.py builds it from a generated mnist.npz and runs `test` over 10,000 images in
TurboWarp.)"""

from __future__ import annotations

import numpy as np
import pytest

from sb3gen.project import build_network_project
from sb3gen.project.capacity import base_bytes, bytes_per_image, check_image_counts
from sb3gen.scratch import compile_project, pack_sb3
from sb3gen.scratch.packer import LIST_LIMIT, PROJECT_JSON_LIMIT, list_sizes, project_json_bytes


@pytest.mark.slow  # over 5 s (docs/development.md, Tests)
def test_a_70000_image_project_fits_and_the_estimate_is_within_half_a_percent():
    rng = np.random.default_rng(0)
    sizes = [196, 32, 10]
    weights = np.concatenate([rng.uniform(-1, 1, 196 * 32) / 14, np.zeros(32),
                              rng.uniform(-1, 1, 320) / np.sqrt(32), np.zeros(10)])
    images = (rng.random((70_000, 196)) < 0.25).astype(np.int8)
    labels = np.arange(70_000) % 10
    project = build_network_project(sizes, "sigmoid", weights, images[:60_000], labels[:60_000],
                                    images[60_000:], labels[60_000:])
    compiled = compile_project(project)
    size = len(project_json_bytes(compiled.project_json))
    pack_sb3(compiled)  # refuses anything over a limit
    assert size < PROJECT_JSON_LIMIT
    assert max(items for _, _, items, _ in list_sizes(compiled.project_json)) == 60_000 < LIST_LIMIT
    estimate = base_bytes((196, 32, 10), "sigmoid", "tables", "en") + 70_000 * bytes_per_image(196)
    assert abs(estimate - size) < 0.005 * size, (estimate, size)
    assert check_image_counts(60_000, 10_000, sizes, "sigmoid", math="tables", lang="en") is None
    assert "images fit" in check_image_counts(120_000, 10_000, sizes, "sigmoid", math="tables", lang="en")


@pytest.mark.slow  # over 5 s (docs/development.md, Tests)
def test_the_default_cnn_with_weights_at_3_digits_carries_70000_images_and_the_estimate_knows_it():
    """The default CNN, weights rounded to 3 significant digits (build's default), with all of full MNIST:
    project.json fits, and the estimate `build` refuses with (stand-in weights as long as rounded ones) is
    within half a percent of it, so `build` does not refuse it."""
    from sb3gen import layers as layer_kinds
    from sb3gen.ml.network import round_weights
    from sb3gen.ml.presets import PRESETS

    rng = np.random.default_rng(1)
    specs = PRESETS["default"].layer_specs()
    layers = layer_kinds.describe((14, 14, 1), specs)
    weights = round_weights(rng.uniform(-0.5, 0.5, layer_kinds.weight_count(layers)), 3)
    images = (rng.random((70_000, 196)) < 0.25).astype(np.int8)
    labels = np.arange(70_000) % 10
    project = build_network_project([196, 10], "relu", weights, images[:60_000], labels[:60_000],
                                    images[60_000:], labels[60_000:], layers=layers)
    size = len(project_json_bytes(compile_project(project).project_json))
    assert size < PROJECT_JSON_LIMIT
    estimate = base_bytes((196, 10), "relu", "tables", "en", tuple(specs), 3) + 70_000 * bytes_per_image(196)
    assert abs(estimate - size) < 0.005 * size, (estimate, size)
    assert check_image_counts(60_000, 10_000, [196, 10], "relu", math="tables", lang="en", specs=specs,
                              digits=3) is None
