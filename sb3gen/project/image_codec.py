"""Packed images: a 0/1 image as one short text item, 6 pixels per symbol (14x14 -> 33 symbols, 36 bytes of
project.json with quotes and comma, against 196 items of one pixel each).

Pixel p (1-based, row-major) is bit (p - 1) mod 6 of symbol ceil(p / 6): the first pixel of a group of six
is worth 1, the sixth 32, and a group of value v is written as SYMBOLS[v] (item v + 1 of the project's
`symbols` list); a last group shorter than six is padded with 0 bits. The blocks
(templates/network/forward.sb) and their numpy mirror (sb3gen.reference.packed) decode it.

Why these 64 symbols: Scratch compares text without case (`item # of`, `=`), so only digits, upper-case
letters and punctuation, never `"` or `\\` (JSON would escape them), never a space or comma (Scratch's list
import splits at commas). The first 16 symbols are letters that cannot end a number, and a 196-pixel image's
last symbol carries 4 pixels (values 0-15): no item ever reads as a number, so Scratch keeps it text.
"""

from __future__ import annotations

import numpy as np

from sb3gen.reference.packed import BITS_PER_SYMBOL, VALUES, scratch_equal, symbol_count

SYMBOLS = "GHIJKLMNOPQRSTUVWXYZ0123456789ABCDEF!#$%&'()*+-/:;<=>?@[]^_`{|}~"

assert len(SYMBOLS) == VALUES and len(set(SYMBOLS)) == VALUES
assert not any(scratch_equal(a, b) for i, a in enumerate(SYMBOLS) for b in SYMBOLS[i + 1:])


def encode_images(images: np.ndarray) -> list[str]:
    """(N, n_pixels) array of 0/1 -> N texts of ceil(n_pixels / 6) symbols."""
    array = np.asarray(images)
    if array.ndim != 2:
        raise ValueError(f"expected (N, pixels) images, got shape {array.shape}")
    n, n_pixels = array.shape
    if not np.all((array == 0) | (array == 1)):
        raise ValueError("pixels must be 0 or 1 (thresholded)")
    width = symbol_count(n_pixels) * BITS_PER_SYMBOL
    bits = np.zeros((n, width), dtype=np.int64)
    bits[:, :n_pixels] = array
    values = bits.reshape(n, -1, BITS_PER_SYMBOL) @ (1 << np.arange(BITS_PER_SYMBOL))
    table = np.array(list(SYMBOLS))
    return ["".join(row) for row in table[values]]


def encode_image(pixels: np.ndarray) -> str:
    """One image (n_pixels values 0/1) -> its packed text."""
    return encode_images(np.asarray(pixels).reshape(1, -1))[0]
