"""Input formats of the loop engine's project: how images are packed into text items, what `input` holds, and
the template that provides the seam the passes call (templates/loops/passes.sb):

  load image (code) into input    a packed image into the stage list `input`
  add input to my digits          `input` packed into the list `my digits` (a correction)

A new format (h8's grey 28x28) is one InputFormat here plus its template.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sb3gen.errors import Sb3genError
from sb3gen.project.image_codec import SYMBOLS, encode_images
from sb3gen.reference import packed


@dataclass(frozen=True)
class InputFormat:
    name: str
    n_inputs: int
    template: str  # under templates/
    encode: Callable[[np.ndarray], list[str]]  # (N, n_inputs) images -> packed texts
    decode: Callable[[str], np.ndarray]  # the reference of `load image (code) into input`
    sprite_lists: dict[str, list[Any]] = field(default_factory=dict)  # the Network sprite's lookup lists
    sprite_variables: Sequence[str] = ()
    context: dict[str, Any] = field(default_factory=dict)  # what its template needs


def _encode_binary(images: np.ndarray) -> list[str]:
    array = np.asarray(images)
    if array.ndim != 2 or array.shape[1] != 196:
        raise Sb3genError(f"binary 14x14 images: expected (N, 196) pixels, got shape {array.shape}")
    if not np.all((array == 0) | (array == 1)):
        raise Sb3genError("binary 14x14 images: pixels must be 0 or 1 (thresholded)")
    return encode_images(array)


def _binary_14x14() -> InputFormat:
    first, count, offsets = packed.bit_tables()
    return InputFormat(
        name="binary 14x14", n_inputs=196, template="loops/input_binary.sb", encode=_encode_binary,
        decode=lambda code: packed.unpack(code, SYMBOLS, 196),
        sprite_lists={"first bit": list(first), "bit count": list(count), "bit offsets": list(offsets)},
        sprite_variables=("symbol #", "pixel base", "symbol value", "bit #", "code", "pixel", "bit value"),
        context={"n_symbols": packed.symbol_count(196), "bits_per_symbol": packed.BITS_PER_SYMBOL},
    )


INPUT_FORMATS: dict[str, Callable[[], InputFormat]] = {"binary 14x14": _binary_14x14}


def input_format(name: str) -> InputFormat:
    try:
        return INPUT_FORMATS[name]()
    except KeyError:
        raise Sb3genError(f"unknown input format {name!r} (known: {', '.join(INPUT_FORMATS)})") from None
