"""The input formats a network can take, each with the same two custom blocks (templates/inputs/): `load
image (code) into input` fills the stage list `input` from a stored image, `store input as image code` sets
the variable `image code` to the stored form of `input` (a drawing kept for `train my digits`). They are the
seam between the stored images and whatever network reads `input`.

- binary: the articles' binarised images (14x14 by default), values 0/1 (image_codec, reference.packed);
- grey: MNIST's own 28x28 frame, 784 grey values level / (LEVELS - 1) (grey_codec, reference.grey).

`add_to(stage, target)` declares what the blocks need (the stage's `input` and tables, the blocks' own
variables on the target) and adds them to the target; the images are stored as `encode()` gives them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sb3gen.project import grey_codec, image_codec
from sb3gen.reference import grey, packed
from sb3gen.scratch import Stage, Target, render_template

VARIABLES = ("image code", "image symbol #", "image symbol", "image value", "image pixel", "image level",
             "image is text", "run level", "run length", "image length left")  # the blocks' own variables

COMMENTS = {
    "en": {
        "load binary": "input = the image's {n} pixels, 0 or 1 (6 pixels per symbol, see `symbols`)",
        "load grey": "input = the image's {n} grey pixels, 0 to 1 (each symbol a run of pixels of one level, "
                     "see `grey counts` and `grey levels`)",
        "store": "image code = input as a stored image is written (what `load image` reads back)",
        "write run": "add the symbols of one run of pixels of the same level to image code",
        "write runs": "a run in pieces of at most `longest` pixels, the fewest symbols",
        "write symbol": "add item s of `symbols` to image code; note a symbol that no number has",
    },
    "ja": {
        "load binary": "input = 画像の{n}画素、0か1（1記号に6画素、`symbols` を参照）",
        "load grey": "input = 画像の{n}画素の濃さ、0〜1（1記号は同じ濃さの画素の並び、`grey counts` と "
                     "`grey levels` を参照）",
        "store": "image code = input を保存する画像の形にしたもの（`load image` で元に戻る）",
        "write run": "同じ濃さの画素の並びを記号にして image code に足す",
        "write runs": "並びを `longest` 画素までに分ける（記号が一番少なくなる）",
        "write symbol": "`symbols` の s 番目を image code に足す。数字に使われない記号なら印をつける",
    },
}


def _text_literal(text: str) -> str:
    """Characters as a [text] literal of the notation (brackets and backslash escaped)."""
    return "".join("\\" + ch if ch in "[]\\" else ch for ch in text)


@dataclass(frozen=True)
class InputFormat:
    kind: str  # "binary" or "grey"
    shape: tuple[int, int, int]  # rows, columns, channels: what the model's input layer takes

    @property
    def name(self) -> str:
        """"binary14", "grey28": what the pad's templates are told (`input_format`)."""
        return f"{self.kind}{self.shape[0]}"

    @property
    def template(self) -> str:
        return f"inputs/{self.kind}.sb"

    @property
    def n_inputs(self) -> int:
        rows, columns, channels = self.shape
        return rows * columns * channels

    def stage_lists(self) -> dict[str, list]:
        """The lists the block reads besides `input` (which the project declares with n_inputs items)."""
        lists: dict[str, list] = {"symbols": list(image_codec.SYMBOLS)}
        if self.kind == "grey":
            lists |= {"grey counts": grey_codec.grey_counts(), "grey levels": grey_codec.grey_levels()}
        return lists

    def render(self, lang: str = "en") -> str:
        """The scripts of `load image (code) into input` and `store input as image code`."""
        t = COMMENTS[lang]
        context: dict[str, object] = {"comment": t[f"load {self.kind}"].format(n=self.n_inputs),
                                      "store_comment": t["store"], "n_inputs": self.n_inputs}
        if self.kind == "grey":
            context |= {"levels": grey.LEVELS, "symbols": image_codec.SYMBOLS,
                        "zero_runs": grey_codec.ZERO_RUNS, "ink_runs": grey_codec.INK_RUNS,
                        "ink_first": grey_codec.TABLE.index((1, grey_codec.FULL)) + 1,
                        "single_offset": grey_codec.TABLE.index((1, 1)),
                        "never_in_number": _text_literal("".join(sorted(grey_codec.NEVER_IN_NUMBER))),
                        "write_comment": t["write run"], "runs_comment": t["write runs"],
                        "symbol_comment": t["write symbol"]}
        else:
            context |= {"n_symbols": packed.symbol_count(self.n_inputs),
                        "bits_per_symbol": packed.BITS_PER_SYMBOL}
        return render_template(self.template, **context)

    def add_to(self, stage: Stage, target: Target, lang: str = "en") -> None:
        """Declare `input` (n_inputs zeros), the tables and the block's variables; add the block to target."""
        stage.lists |= {"input": [0] * self.n_inputs, **self.stage_lists()}
        target.variables |= {name: 0 for name in VARIABLES}
        target.add_scripts(self.render(lang), self.template)

    def encode(self, images: np.ndarray) -> list[str]:
        """(N, n_inputs) images as the model takes them (0/1, or grey 0..1) -> one text item each."""
        if self.kind == "grey":
            return grey_codec.encode_grey(images)
        return image_codec.encode_images(images)

    def decode(self, codes: list[str], symbols: list[str], tables: dict[str, list]) -> np.ndarray:
        """(N, n_inputs) float64: what the block leaves in `input` for each code (the reference)."""
        if self.kind == "grey":
            return grey.unpack_all(codes, symbols, tables["grey counts"], tables["grey levels"])
        return packed.unpack_all(codes, symbols, self.n_inputs)


def binary(size: int = 14) -> InputFormat:
    """The binarised format at the preprocessing's size (size x size pixels)."""
    return InputFormat("binary", (size, size, 1))


BINARY14 = binary(14)
GREY28 = InputFormat("grey", (grey.SIDE, grey.SIDE, 1))
