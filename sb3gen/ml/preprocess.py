"""The articles' preprocessing in numpy: /255, crop the border, bilinear resize, threshold, optional invert.

The resize reproduces `tf.image.resize(x, (size, size), 'bilinear')` bit for bit: float32 throughout and
TensorFlow's half-pixel-centre rule (src = (i + 0.5) * in/out - 0.5; lower = floor, upper = ceil, both
clamped; lerp = src - floor(src)), with the same order of operations.
float64 would flip a few binarized pixels.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from sb3gen.errors import Sb3genError
from sb3gen.reference.grey import LEVELS, quantized


@dataclass(frozen=True)
class PreprocessSettings:
    """crop: pixels cut from each border of the 28x28 image; size: side after resizing; threshold: a
    resized value strictly greater than it is ink (1.0); invert: swap 0 and 1 afterwards (day-2 article)."""

    crop: int = 4
    size: int = 14
    threshold: float = 0.5
    invert: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.crop < 14:
            raise Sb3genError(f"preprocess crop must be 0-13 pixels, got {self.crop}")
        if not 1 <= self.size <= 28:
            raise Sb3genError(f"preprocess size must be 1-28 pixels, got {self.size}")
        if not 0.0 <= self.threshold < 1.0:
            raise Sb3genError(f"preprocess threshold must be in [0, 1), got {self.threshold}")

    @property
    def n_inputs(self) -> int:
        return self.size * self.size

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PreprocessSettings:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise Sb3genError(f"unknown preprocess settings: {', '.join(sorted(unknown))}")
        return cls(**data)


def preprocess(images_uint8: np.ndarray, settings: PreprocessSettings = PreprocessSettings()) -> np.ndarray:
    """(N, 28, 28) uint8 MNIST-style (light ink on dark) -> (N, size*size) float32 of 0.0/1.0, row-major
    from the top-left pixel."""
    images = np.asarray(images_uint8)
    if images.ndim == 2:
        images = images[np.newaxis]
    scaled = images.astype(np.float32) / np.float32(255.0)
    c = settings.crop
    cropped = scaled[:, c : images.shape[1] - c, c : images.shape[2] - c]
    resized = resize_bilinear(cropped, settings.size)
    binary = (resized > np.float32(settings.threshold)).astype(np.float32)
    if settings.invert:
        binary = np.float32(1.0) - binary
    return binary.reshape(len(binary), -1)


def resize_bilinear(images_float32: np.ndarray, size: int) -> np.ndarray:
    """(N, H, W) float32 -> (N, size, size) float32, equal to tf.image.resize(..., 'bilinear') bit for bit."""
    images = np.asarray(images_float32, dtype=np.float32)
    rows = _interpolation(images.shape[1], size)
    cols = _interpolation(images.shape[2], size)
    (y_lo, y_hi, y_lerp), (x_lo, x_hi, x_lerp) = rows, cols
    # np.take rather than fancy indexing: the same values, several times faster on many images
    top_rows, bottom_rows = np.take(images, y_lo, axis=1), np.take(images, y_hi, axis=1)
    top_left, top_right = np.take(top_rows, x_lo, axis=2), np.take(top_rows, x_hi, axis=2)
    bottom_left, bottom_right = np.take(bottom_rows, x_lo, axis=2), np.take(bottom_rows, x_hi, axis=2)
    x_lerp = x_lerp[np.newaxis, np.newaxis, :]
    y_lerp = y_lerp[np.newaxis, :, np.newaxis]
    # Same operation order as TensorFlow's compute_lerp, each step rounded to float32.
    top = top_left + (top_right - top_left) * x_lerp
    bottom = bottom_left + (bottom_right - bottom_left) * x_lerp
    return top + (bottom - top) * y_lerp


def _interpolation(in_size: int, out_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    scale = np.float32(in_size) / np.float32(out_size)
    src = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    floor = np.floor(src)
    lower = np.maximum(floor, 0).astype(np.int64)
    upper = np.minimum(np.ceil(src), in_size - 1).astype(np.int64)
    return lower, upper, (src - floor).astype(np.float32)


def preprocess_grey(images_uint8: np.ndarray, levels: int | None = None) -> np.ndarray:
    """(N, 28, 28) uint8 MNIST images -> (N, 784) float64 grey values as a grey model sees them in Scratch:
    x / 255, then quantized to the grey format's levels exactly as the stored images are
    (sb3gen.reference.grey: level = round(x / 255 * (levels - 1)), value = level / (levels - 1)). Train a
    Keras model on these (as float32) and it is trained on what the blocks give it."""
    images = np.asarray(images_uint8)
    if images.ndim == 2:
        images = images[np.newaxis]
    if images.shape[1:] != (28, 28):
        raise Sb3genError(f"grey images must be 28x28, got {images.shape[1:]}")
    return quantized(images.reshape(len(images), -1).astype(np.float64) / 255.0, levels or LEVELS)
