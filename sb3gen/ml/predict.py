"""Classify a picture of a digit: any size, dark on light or light on dark, through the same preprocessing."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sb3gen.errors import Sb3genError
from sb3gen.ml.network import Network
from sb3gen.ml.preprocess import preprocess


def looks_dark_on_light(gray: np.ndarray) -> bool:
    """Judge by the border: MNIST-like pictures have a background frame around the digit."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return float(border.mean()) > 127.5


def load_picture(image_path: str | Path, dark_on_light: bool | None = None) -> np.ndarray:
    """The picture as an MNIST image: (28, 28) uint8, light ink (255) on a dark background (0).
    dark_on_light None = decide from the picture's border. Transparent pixels count as background."""
    from PIL import Image, UnidentifiedImageError

    path = Path(image_path)
    try:
        with Image.open(path) as opened:
            picture = opened.convert("RGBA")
    except (OSError, UnidentifiedImageError) as exc:
        raise Sb3genError(f"{path}: cannot read as an image ({exc})") from exc
    rgba = np.asarray(picture, dtype=np.float64)
    alpha = rgba[..., 3] / 255.0
    gray = rgba[..., :3] @ np.array([0.299, 0.587, 0.114])  # ITU-R 601 luma, as PIL's convert("L")
    if dark_on_light is None:
        if alpha.mean() < 0.5:  # mostly transparent: the opaque pixels are the ink, judge by their colour
            dark_on_light = bool(gray[alpha >= 0.5].mean() < 127.5) if np.any(alpha >= 0.5) else True
        else:
            dark_on_light = looks_dark_on_light(gray)
    background = 255.0 if dark_on_light else 0.0
    gray = gray * alpha + background * (1.0 - alpha)
    if dark_on_light:
        gray = 255.0 - gray
    small = Image.fromarray(np.clip(np.rint(gray), 0, 255).astype(np.uint8))
    return np.asarray(small.resize((28, 28), Image.Resampling.BILINEAR), dtype=np.uint8)


def predict_image(net: Network, image_path: str | Path, dark_on_light: bool | None = None) -> np.ndarray:
    """The 10 class probabilities for a picture, computed with numpy from the network's weights."""
    image = load_picture(image_path, dark_on_light)
    return net.forward(preprocess(image, net.preprocess))[0]
