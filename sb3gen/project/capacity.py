"""How many packed images a project of a given network can carry within the Scratch website's limits, known
before any data is read or network trained: project.json at most 5 MB, every list at most 200,000 items.

The project without images is built once with stand-in weights of the usual repr length: 20 characters for
exact float64 weights, N + 3 ("-0." and N digits) for weights rounded to N significant digits (`build
--weight-digits`); each image adds its packed text (symbols + quotes + comma) and its label (one digit +
comma). The exact size is checked again when the project is written.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from sb3gen import layers as layer_kinds
from sb3gen.layers import LayerSpec
from sb3gen.reference.packed import symbol_count

STAND_IN_WEIGHT = -0.011111111111111112  # repr is 20 characters, as long as a float64 weight's usually gets
LABEL_BYTES = 2  # "7,"


def stand_in_weight(digits: int | None) -> float:
    """A weight whose repr is as long as a usual one's: exact (None), or rounded to `digits` digits."""
    return STAND_IN_WEIGHT if digits is None else float(f"{-0.1111111111111111:.{digits}g}")


def bytes_per_image(n_inputs: int) -> int:
    return symbol_count(n_inputs) + 3 + LABEL_BYTES


@cache
def base_bytes(layer_sizes: tuple[int, ...], hidden_activation: str, math: str, lang: str,
               specs: tuple[LayerSpec, ...] | None = None, digits: int | None = None) -> int:
    """project.json bytes of the project with one train and one test image, less those two images.
    `specs`: a CNN's layers (sb3gen.layers); None for the dense layers of `layer_sizes`. `digits`: the
    weights' significant digits (None: exact)."""
    from sb3gen.project.network import build_network_project
    from sb3gen.scratch import compile_project
    from sb3gen.scratch.packer import project_json_bytes

    shape = layer_kinds.input_shape(layer_sizes[0])
    layers = layer_kinds.describe(shape, list(specs) if specs else
                                  layer_kinds.mlp_specs(list(layer_sizes), hidden_activation))
    n_weights = layer_kinds.weight_count(layers)
    image = np.zeros((1, layer_sizes[0]), dtype=np.int64)
    weights = np.full(n_weights, stand_in_weight(digits))
    project = build_network_project(list(layer_sizes), hidden_activation, weights, image, [0], image, [0],
                                    math=math, lang=lang, layers=layers)
    size = len(project_json_bytes(compile_project(project).project_json))
    return size - 2 * bytes_per_image(layer_sizes[0])


def images_that_fit(layer_sizes: list[int], hidden_activation: str, *, math: str, lang: str,
                    specs: list[LayerSpec] | None = None, digits: int | None = None) -> int:
    """Train + test images that keep project.json within the website's limit."""
    from sb3gen.scratch.packer import PROJECT_JSON_LIMIT

    room = PROJECT_JSON_LIMIT - base_bytes(tuple(layer_sizes), hidden_activation, math, lang,
                                           tuple(specs) if specs else None, digits)
    return max(0, room // bytes_per_image(layer_sizes[0]))


def check_image_counts(n_train: int, n_test: int, layer_sizes: list[int], hidden_activation: str, *,
                       math: str, lang: str, specs: list[LayerSpec] | None = None,
                       digits: int | None = None) -> str | None:
    """None when the counts fit, else a one-line reason that says how many images would."""
    from sb3gen.project.estimate import check_layers_fit
    from sb3gen.scratch.packer import LIST_LIMIT, PROJECT_JSON_LIMIT

    layers = layer_kinds.describe(layer_kinds.input_shape(layer_sizes[0]), list(specs) if specs else
                                  layer_kinds.mlp_specs(list(layer_sizes), hidden_activation))
    check_layers_fit(layers, what="the network")  # arithmetic first: no stand-in of a hopeless network
    for what, count in (("training", n_train), ("test", n_test)):
        if count > LIST_LIMIT:
            return (f"{count:,} {what} images are over Scratch's {LIST_LIMIT:,} items per list (one item per "
                    f"image): use at most {LIST_LIMIT:,}")
    fit = images_that_fit(layer_sizes, hidden_activation, math=math, lang=lang, specs=specs, digits=digits)
    if fit < 2:  # not even one training and one test image: the network alone is too large
        size = base_bytes(tuple(layer_sizes), hidden_activation, math, lang, tuple(specs) if specs else None,
                          digits)
        return (f"the network alone makes project.json about {size:,} bytes, over the website's "
                f"{PROJECT_JSON_LIMIT:,} with room for {fit} images: use fewer neurons")
    if n_train + n_test > fit:
        estimate = base_bytes(tuple(layer_sizes), hidden_activation, math, lang,
                              tuple(specs) if specs else None, digits) + \
            (n_train + n_test) * bytes_per_image(layer_sizes[0])
        return (f"{n_train:,} training + {n_test:,} test images make project.json about {estimate:,} bytes, "
                f"over the website's {PROJECT_JSON_LIMIT:,}: {fit:,} images fit in all (choose with "
                f"--train-images and --test-images, e.g. --train-images {max(fit - n_test, 1)})")
    return None
