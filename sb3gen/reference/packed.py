"""numpy mirror of the blocks that unpack a packed image (templates/network/forward.sb).

A packed image is one text item: symbol k (1-based) carries pixels 6(k-1)+1 .. 6(k-1)+6, the first pixel
worth 1, the sixth 32; the symbol is item (value + 1) of the project's `symbols` list. The blocks look a
symbol up with `item # of`, which compares the way Scratch compares (case-insensitive text, numbers as
numbers), so a lower-case copy decodes the same; a symbol that is not in the list, or missing from a short
item, counts as 0. Only pixels up to the image size count (the last symbol's extra bits are dropped).

Decoding lists the 1-based stroke pixels in ascending order, exactly what the first layer needs; the
lookup lists the blocks read are made here (bit_tables) so both sides hold the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

BITS_PER_SYMBOL = 6
VALUES = 1 << BITS_PER_SYMBOL  # 64 symbols


def symbol_count(n_pixels: int) -> int:
    return -(-n_pixels // BITS_PER_SYMBOL)


@cache
def bit_tables() -> tuple[list[int], list[int], list[int]]:
    """(first bit, bit count, bit offsets): for item v (value v - 1), the set bits' 1-based offsets are
    items first[v] + 1 .. first[v] + count[v] of `bit offsets`, ascending."""
    first, count, offsets = [], [], []
    for value in range(VALUES):
        first.append(len(offsets))
        bits = [j + 1 for j in range(BITS_PER_SYMBOL) if value >> j & 1]
        count.append(len(bits))
        offsets.extend(bits)
    return first, count, offsets


def _number(text: str) -> float | None:
    """JavaScript's Number(text) for what Scratch treats as a number in a comparison, else None."""
    if text.strip() == "" or not text.isascii() or "_" in text:
        return None  # Scratch: whitespace is not the number 0 in a comparison (and JS has no 1_0)
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return None if value != value else value


def scratch_equal(a: str, b: str) -> bool:
    """Scratch's `=` / `item # of` comparison of two texts: as numbers when both are, else without case."""
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        return x == y
    return a.lower() == b.lower()


def item_number(symbols: Sequence[str], letter: str) -> int:
    """`item # of (letter) in [symbols]`: the first matching item (1-based), 0 when there is none."""
    for index, symbol in enumerate(symbols, start=1):
        if scratch_equal(str(symbol), letter):
            return index
    return 0


def stroke_pixels(code: str, symbols: Sequence[str], n_pixels: int) -> np.ndarray:
    """1-based pixels that are 1, ascending, as `find stroke pixels of packed image` lists them."""
    first, count, offsets = bit_tables()
    text = str(code)
    found: list[int] = []
    base = 0
    for k in range(symbol_count(n_pixels)):
        letter = text[k] if k < len(text) else ""  # `letter (k) of` past the end is empty
        item = item_number(symbols, letter) if letter else 0
        if item:
            start = first[item - 1]
            found.extend(base + offsets[start + b] for b in range(count[item - 1]))
        base += BITS_PER_SYMBOL
    while found and found[-1] > n_pixels:  # the blocks drop the last symbol's bits past the image
        found.pop()
    return np.array(found, dtype=np.int64)


def unpack(code: str, symbols: Sequence[str], n_pixels: int) -> np.ndarray:
    """The image as 0/1 pixels (float64), row-major, as the `unpack` broadcast writes `input`."""
    pixels = np.zeros(n_pixels, dtype=np.float64)
    pixels[stroke_pixels(code, symbols, n_pixels) - 1] = 1.0
    return pixels


def unpack_all(codes: Sequence[str], symbols: Sequence[str], n_pixels: int) -> np.ndarray:
    """(N, n_pixels) 0/1 float64, as the blocks decode each item. Items made only of the list's own symbols
    take a vectorised path (valid when no two symbols compare equal); any other goes through unpack()."""
    symbols = [str(s) for s in symbols]
    distinct = not any(scratch_equal(a, b) for i, a in enumerate(symbols) for b in symbols[i + 1:])
    lookup = {s: i for i, s in enumerate(symbols)} if distinct else {}
    n_symbols = symbol_count(n_pixels)
    weights = 1 << np.arange(BITS_PER_SYMBOL)
    out = np.zeros((len(codes), n_symbols * BITS_PER_SYMBOL), dtype=np.float64)
    for row, code in enumerate(codes):
        text = str(code)
        values = [lookup.get(ch, -1) for ch in text] if len(text) == n_symbols else [-1]
        if min(values) < 0:
            out[row, :n_pixels] = unpack(text, symbols, n_pixels)
        else:
            out[row] = ((np.array(values)[:, None] & weights) > 0).ravel()
    return out[:, :n_pixels]
