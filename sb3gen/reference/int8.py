"""--weight-int8: the shipped weights as 8-bit integer codes with one scale per layer, and the decode the
blocks run (templates/network/weights.sb, `decode the int8 weights`), mirrored bit for bit.

Each layer's segment of the flat weights (its weights and its biases) gets scale = max|w| / 127 (1.0 for an
all-zero segment) and codes round(w / scale) clipped to -127..127. The blocks decode a weight as one
multiplication, code x scale: a float64 product of an exact integer and the scale JSON stores exactly, so
`decode` (float64(code) * scale) is the very number Scratch computes.

Storage (stage lists): `int8 weights` holds texts of WEIGHTS_PER_ITEM weights, two symbols each from the
project's 64-symbol alphabet (sb3gen.project.image_codec.SYMBOLS): v = code + 127 (0..254) is written
SYMBOLS[v // 64] SYMBOLS[v % 64]. The first symbol is one of G, H, I, J (letters), so no item reads as a
number. `weight scales` holds one scale per layer and `scale counts` how many weights (in flat order) use it.
About 2.1 bytes of project.json per weight, against 6-25 for a float item.
"""

from __future__ import annotations

import numpy as np

LEVELS = 127  # codes -127..127 (symmetric: -128 is never used)
WEIGHTS_PER_ITEM = 32  # 64 symbols per `int8 weights` item
BASE = 64


def segments(starts: list[int], total: int) -> list[int]:
    """Weights per layer segment: starts are each weighted layer's first flat index (0 first)."""
    bounds = sorted(set(int(s) for s in starts)) + [int(total)]
    if bounds[0] != 0:
        raise ValueError("the first weighted layer must start the flat weights")
    return [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


def quantize(weights: np.ndarray, counts: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(codes int64, scales float64: one per segment)."""
    flat = np.asarray(weights, dtype=np.float64).ravel()
    if sum(counts) != flat.size:
        raise ValueError(f"segments cover {sum(counts)} weights, not {flat.size}")
    codes, scales = [], []
    start = 0
    for count in counts:
        part = flat[start:start + count]
        largest = float(np.max(np.abs(part))) if count else 0.0
        scale = largest / LEVELS if largest > 0 else 1.0
        codes.append(np.clip(np.rint(part / scale), -LEVELS, LEVELS).astype(np.int64))
        scales.append(scale)
        start += count
    return np.concatenate(codes) if codes else np.zeros(0, np.int64), np.array(scales, dtype=np.float64)


def decode(codes: np.ndarray, scales: np.ndarray, counts: list[int]) -> np.ndarray:
    """What `decode the int8 weights` puts in `weights`: float64(code) * its segment's scale."""
    per_weight = np.repeat(np.asarray(scales, dtype=np.float64), np.asarray(counts, dtype=np.int64))
    return np.asarray(codes, dtype=np.float64) * per_weight


def encode_codes(codes: np.ndarray, symbols: str) -> list[str]:
    """Codes -> `int8 weights` texts (two symbols per weight, WEIGHTS_PER_ITEM per item)."""
    values = np.asarray(codes, dtype=np.int64) + LEVELS
    if values.size and (values.min() < 0 or values.max() > 2 * LEVELS):
        raise ValueError("int8 codes must be -127..127")
    pairs = [symbols[v // BASE] + symbols[v % BASE] for v in values.tolist()]
    return ["".join(pairs[i:i + WEIGHTS_PER_ITEM]) for i in range(0, len(pairs), WEIGHTS_PER_ITEM)]


def decode_codes(items: list, symbols: list[str], count: int) -> np.ndarray:
    """`int8 weights` texts -> count codes (case-insensitive symbol look-up, as `item # of` in Scratch)."""
    index = {str(s).upper(): i for i, s in enumerate(symbols)}
    text = "".join(str(item) for item in items).upper()
    if len(text) != 2 * count:
        raise ValueError(f"`int8 weights` holds {len(text) // 2} weights, not {count}")
    try:
        values = [index[text[i]] * BASE + index[text[i + 1]] for i in range(0, len(text), 2)]
    except KeyError as exc:
        raise ValueError(f"`int8 weights` has a symbol not in `symbols`: {exc}") from None
    codes = np.array(values, dtype=np.int64) - LEVELS
    if codes.size and (codes.min() < -LEVELS or codes.max() > LEVELS):
        raise ValueError("`int8 weights` has a code outside -127..127")
    return codes


def from_lists(lists: dict, symbols: str = "symbols") -> np.ndarray:
    """The weights an int8 project decodes to, from its stage lists (verify); `symbols`: the list of the 64
    symbols (a loop project's is `int8 symbols`)."""
    counts = [int(c) for c in lists["scale counts"]]
    scales = np.array(lists["weight scales"], dtype=np.float64)
    if len(counts) != scales.size or any(c < 0 for c in counts):
        raise ValueError("`weight scales` and `scale counts` differ in length")
    codes = decode_codes(lists["int8 weights"], [str(s) for s in lists[symbols]], sum(counts))
    return decode(codes, scales, counts)
