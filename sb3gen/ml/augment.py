"""Seeded, deterministic augmentation of 28x28 gray digits, applied before the articles' preprocessing (so
the preprocessing in blocks stays the same): stroke thickness, then one affine map per image (shift, scale,
small rotation, slant), bilinear, in float64 numpy. Same images and seed -> same bytes.

Thickness: MNIST's own strokes vary, and pictures given to `sb3gen predict --raw` come with any pen (the
pad's drawings are drawn again at one pen width, see sb3gen.reference.pad).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AugmentSettings:
    shift: float = 2.0  # pixels, uniform in +-shift per axis
    scale: tuple[float, float] = (0.85, 1.15)
    rotation: float = 12.0  # degrees, uniform in +-rotation
    slant: float = 0.2  # horizontal shear per row, uniform in +-slant
    thicker: float = 0.3  # chance of a thicker stroke (grey dilation by the 3x3 cross)
    thinner: float = 0.15  # chance of a thinner stroke (half way to a grey erosion)


def dilate(images: np.ndarray) -> np.ndarray:
    """Grey dilation by the 3x3 cross (the pixel and its 4 neighbours); images (N, 28, 28) float64."""
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    return np.maximum.reduce([padded[:, 1:-1, 1:-1], padded[:, :-2, 1:-1], padded[:, 2:, 1:-1],
                              padded[:, 1:-1, :-2], padded[:, 1:-1, 2:]])


def erode(images: np.ndarray) -> np.ndarray:
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    return np.minimum.reduce([padded[:, 1:-1, 1:-1], padded[:, :-2, 1:-1], padded[:, 2:, 1:-1],
                              padded[:, 1:-1, :-2], padded[:, 1:-1, 2:]])


def affine(images: np.ndarray, matrices: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """out[p] = in[M^-1 (p - c - shift) + c] about the centre c = 13.5, bilinear, 0 outside.
    images (N, H, W) float64; matrices (N, 2, 2) in (row, column) coordinates; shifts (N, 2)."""
    n, height, width = images.shape
    rows, columns = np.meshgrid(np.arange(height, dtype=np.float64), np.arange(width, dtype=np.float64),
                                indexing="ij")
    centre = np.array([(height - 1) / 2, (width - 1) / 2])
    points = np.stack([rows.ravel(), columns.ravel()])  # (2, H*W)
    inverse = np.linalg.inv(matrices)  # (N, 2, 2)
    offset = points[np.newaxis] - centre[np.newaxis, :, np.newaxis] - shifts[:, :, np.newaxis]
    source = inverse @ offset + centre[np.newaxis, :, np.newaxis]  # (N, 2, H*W)
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))  # a zero frame: samples outside read 0
    src_row = np.clip(source[:, 0] + 1, 0, height + 1)
    src_column = np.clip(source[:, 1] + 1, 0, width + 1)
    row0 = np.minimum(np.floor(src_row).astype(np.int64), height)
    column0 = np.minimum(np.floor(src_column).astype(np.int64), width)
    row_weight = src_row - row0
    column_weight = src_column - column0
    index = np.arange(n)[:, np.newaxis]
    top = (padded[index, row0, column0] * (1 - column_weight)
           + padded[index, row0, column0 + 1] * column_weight)
    bottom = (padded[index, row0 + 1, column0] * (1 - column_weight)
              + padded[index, row0 + 1, column0 + 1] * column_weight)
    return (top * (1 - row_weight) + bottom * row_weight).reshape(n, height, width)


def augment(images_uint8: np.ndarray, seed: int, settings: AugmentSettings = AugmentSettings()) -> np.ndarray:
    """One augmented copy of every image: (N, 28, 28) uint8 in, uint8 out."""
    rng = np.random.default_rng(seed)
    images = np.asarray(images_uint8, dtype=np.float64) / 255.0
    n = len(images)
    # Every random number is drawn up front, in a fixed order, so the result depends only on (N, seed).
    stroke = rng.random(n)
    shifts = rng.uniform(-settings.shift, settings.shift, (n, 2))
    scales = rng.uniform(*settings.scale, n)
    angles = np.radians(rng.uniform(-settings.rotation, settings.rotation, n))
    slants = rng.uniform(-settings.slant, settings.slant, n)

    thick = stroke < settings.thicker
    thin = (stroke >= settings.thicker) & (stroke < settings.thicker + settings.thinner)
    images = images.copy()
    images[thick] = dilate(images[thick])
    images[thin] = (images[thin] + erode(images[thin])) / 2
    cos, sin = np.cos(angles), np.sin(angles)
    # (row, column) coordinates, rows pointing down: rotate, then slant the columns by the row, then scale.
    rotation = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    shear = np.zeros((n, 2, 2))
    shear[:, 0, 0] = shear[:, 1, 1] = 1.0
    shear[:, 1, 0] = -slants  # a column moves right as the row goes up: a forward slant
    matrices = scales[:, np.newaxis, np.newaxis] * (shear @ rotation)
    moved = affine(images, matrices, shifts)
    return np.clip(np.rint(moved * 255.0), 0, 255).astype(np.uint8)


def augmented_copies(images_uint8: np.ndarray, copies: int, seed: int,
                     settings: AugmentSettings = AugmentSettings()) -> np.ndarray:
    """`copies` augmented versions of every image, copy by copy: (copies * N, 28, 28) uint8."""
    if copies <= 0:
        return np.zeros((0, *np.shape(images_uint8)[1:]), dtype=np.uint8)
    return np.concatenate([augment(images_uint8, seed * 1000 + copy, settings) for copy in range(copies)])
