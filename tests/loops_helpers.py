"""Small networks for the loop engine's tests: random params, made as a front end would hand them over."""

from __future__ import annotations

import numpy as np

from sb3gen.kinds import Imported, Layer
from sb3gen.loops.plan import LayerSpec, assemble


def dense(rng: np.random.Generator, n_in: int, units: int, activation: str,
          use_bias: bool = True) -> LayerSpec:
    params = [rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_in, units))]
    if use_bias:
        params.append(rng.normal(0.0, 0.1, units))
    return LayerSpec("dense", Imported({"units": units, "activation": activation, "use_bias": use_bias},
                                       tuple(params)))


def activation(name: str) -> LayerSpec:
    return LayerSpec("activation", Imported({"activation": name}))


def network(seed: int, n_in: int, specs: list) -> list[Layer]:
    rng = np.random.default_rng(seed)
    return assemble((1, 1, n_in), [spec(rng) if callable(spec) else spec for spec in specs])


def sparse_image(seed: int, n: int, ink: float = 0.25) -> np.ndarray:
    """Grey values 0..1 on a background of 0, like an MNIST digit: about `ink` of the pixels are not 0."""
    rng = np.random.default_rng(seed)
    image = np.zeros(n)
    where = rng.random(n) < ink
    image[where] = rng.uniform(0.05, 1.0, int(where.sum()))
    image[rng.choice(n, 3, replace=False)] = 1.0
    return image


def step_actions(image: np.ndarray, label: int) -> list[dict]:
    """predict (then read), then one training step on the same image: learn from label."""
    return [{"set_list": "input", "values": image.tolist()}, {"broadcast": "predict"}, {"read": True},
            {"set_variable": "right digit", "value": label}, {"broadcast": "learn"}]
