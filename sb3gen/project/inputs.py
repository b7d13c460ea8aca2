"""The input formats a network can take, each with the one custom block `load image (code) into input`
(templates/inputs/) that fills the stage list `input` from a stored image: the seam between the stored images
and whatever network reads `input`.

- binary: the articles' binarised images (14x14 by default), values 0/1 (image_codec, reference.packed);
- grey: MNIST's own 28x28 frame, 784 grey values level / (LEVELS - 1) (grey_codec, reference.grey).

`add_to(stage, target)` declares what the block needs (the stage's `input` and tables, the block's own
variables on the target) and adds it to the target; the images are stored as `encode()` gives them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sb3gen.project import grey_codec, image_codec
from sb3gen.reference import grey, packed
from sb3gen.scratch import Stage, Target, render_template

VARIABLES = ("image symbol #", "image symbol", "image value")  # the block's own variables

COMMENTS = {
    "binary": {"en": "input = the image's {n} pixels, 0 or 1 (6 pixels per symbol, see `symbols`)",
               "ja": "input = 画像の{n}画素、0か1（1記号に6画素、`symbols` を参照）"},
    "grey": {"en": "input = the image's {n} grey pixels, 0 to 1 (each symbol a run of pixels of one level, "
                   "see `grey counts` and `grey levels`)",
             "ja": "input = 画像の{n}画素の濃さ、0〜1（1記号は同じ濃さの画素の並び、`grey counts` と "
                   "`grey levels` を参照）"},
}


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
        """The scripts of `load image (code) into input`."""
        comment = COMMENTS[self.kind][lang].format(n=self.n_inputs)
        context: dict[str, object] = {"comment": comment, "n_inputs": self.n_inputs}
        if self.kind == "grey":
            context["levels"] = grey.LEVELS
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
