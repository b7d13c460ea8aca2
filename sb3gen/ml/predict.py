"""Classify a picture of a digit the way the project's pad sees a drawing.

picture -> ink (0..1; the polarity from the border or the caller) -> the ink's skeleton (Zhang-Suen), traced
into strokes as the pad's pen path -> the pad's MNIST normalisation (sb3gen.reference.pad: the strokes drawn
again into 20x20 with the pad's pen, centre of mass in the middle, the code the blocks mirror bit for bit) ->
the network's preprocessing -> the network. So the picture's pen width does not matter, as the pad's brush
does not. A picture whose skeleton is empty (a blob of 2x2 pixels) goes the way of an image on the pad: a
gray 28x28 frame around the ink (area average; thin lines thickened first), its ink box scaled into 20x20.
`raw=True` skips the normalisation, for pictures already framed like MNIST.

Large pictures are reduced while decoding (JPEG draft) or right after (Image.reduce, in the picture's own
mode), so a 10000x10000 PNG costs its decoded size once, not gigabytes of float arrays.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from sb3gen.errors import Sb3genError
from sb3gen.ml.network import Network
from sb3gen.ml.preprocess import preprocess
from sb3gen.reference import pad as pad_reference
from sb3gen.untrusted import LIMITS, check_regular, open_regular

SIDE = 28
WORKING_SIDE = 4 * SIDE  # pictures are reduced to about this before any float work
FAINT = 0.1  # ink below this (of 1) is background: JPEG noise, paper texture, anti-aliasing fringes
MIN_STROKE = 0.1  # thinner pen lines (share of the digit's size) are thickened; the pad's brush: 0.1-0.3
REDUCIBLE_MODES = ("L", "LA", "RGB", "RGBA")
# Pillow's decoders for pictures of digits; not EPS (Pillow runs Ghostscript on it) nor the rarer formats
PICTURE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF", "PPM")


def looks_dark_on_light(gray: np.ndarray) -> bool:
    """Judge by the border: MNIST-like pictures have a background frame around the digit."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return float(border.mean()) > 127.5


# bytes per pixel of Pillow's modes (others: 4)
MODE_BYTES = {"1": 1, "L": 1, "P": 1, "LA": 2, "La": 2, "PA": 2, "I;16": 2, "I;16B": 2, "I;16L": 2, "RGB": 3,
              "YCbCr": 3, "LAB": 3, "HSV": 3}


def check_picture_size(path: Path, width: int, height: int, mode: str) -> None:
    """Refuse, from the header alone, a picture too large to decode (LIMITS' "picture pixels", and "picture
    decoded bytes" in its mode, with the RGBA copy a mode that cannot be reduced needs) or too thin for a
    digit (LIMITS' "picture side ratio"): scaling its short side to WORKING_SIDE, or squaring it for --raw,
    would multiply its long side (a 100000 x 1 PNG of 185 bytes once asked for 74.5 GiB)."""
    pixels, ratio = LIMITS["picture pixels"], LIMITS["picture side ratio"]
    if width < 1 or height < 1 or width * height > pixels:
        raise Sb3genError(f"{path}: refused, {width:,} x {height:,} pixels is over the {pixels:,} sb3gen "
                          "decodes for a picture of a digit")
    decoded = width * height * (MODE_BYTES.get(mode, 4) + (0 if mode in REDUCIBLE_MODES else 4))
    if decoded > LIMITS["picture decoded bytes"]:
        raise Sb3genError(f"{path}: refused, {width:,} x {height:,} pixels in mode {mode} take {decoded:,} "
                          f"bytes to decode, over the {LIMITS['picture decoded bytes']:,} sb3gen allows")
    if max(width, height) > ratio * min(width, height):
        raise Sb3genError(f"{path}: refused, {width:,} x {height:,} pixels: one side is more than {ratio} "
                          "times the other (a picture of one digit is roughly square)")


def open_reduced(path: Path):
    """The picture as RGBA, its shorter side reduced to about WORKING_SIDE (never enlarged)."""
    from PIL import Image, UnidentifiedImageError

    check_regular(path, "picture")
    info = os.stat(path)
    if info.st_size > LIMITS["picture file bytes"]:
        raise Sb3genError(f"{path}: {info.st_size:,} bytes, over the {LIMITS['picture file bytes']:,} "
                          "sb3gen reads for a picture")
    try:
        with warnings.catch_warnings(), open_regular(path, "picture") as handle:
            # between Pillow's warning and error limits: fine, it is reduced before any float work
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(handle, formats=PICTURE_FORMATS) as opened:
                width, height = opened.size  # from the header: nothing decoded yet
                check_picture_size(path, width, height, opened.mode)
                factor = max(1, min(width, height) // WORKING_SIDE)
                if factor > 1:
                    opened.draft("RGB", (width // factor, height // factor))  # JPEG decodes at 1/2..1/8
                picture = opened if opened.mode in REDUCIBLE_MODES else opened.convert("RGBA")
                factor = max(1, min(picture.size) // WORKING_SIDE)
                if factor > 1:
                    picture = picture.reduce(factor)
                return picture.convert("RGBA")
    except Image.DecompressionBombError as exc:
        raise Sb3genError(f"{path}: refused, too many pixels for a picture of a digit ({exc})") from None
    except Sb3genError:
        raise
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError, EOFError) as exc:
        raise Sb3genError(f"{path}: cannot read as an image ({exc})") from None


def ink_of(picture, dark_on_light: bool | None) -> np.ndarray:
    """Ink 0..255 (light digit on a dark background, MNIST's polarity) of an RGBA picture, float64.
    dark_on_light None = decide from the picture's border. Transparent pixels count as background."""
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
    ink = 255.0 - gray if dark_on_light else gray
    # grey paper is no ink: count ink above the border's level (a single-colour picture has none)
    border = np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]])
    return np.clip(ink - float(np.median(border)), 0.0, 255.0)


def to_square(ink: np.ndarray) -> np.ndarray:
    """Centre the picture on a square background canvas, so the digit keeps its proportions."""
    height, width = ink.shape
    side = max(height, width)
    canvas = np.zeros((side, side))
    top, left = (side - height) // 2, (side - width) // 2
    canvas[top:top + height, left:left + width] = ink
    return canvas


def load_picture(image_path: str | Path, dark_on_light: bool | None = None) -> np.ndarray:
    """The whole picture as a 28x28 gray image (uint8, light ink on dark, MNIST's polarity): for --raw."""
    from PIL import Image

    square = to_square(ink_of(open_reduced(Path(image_path)), dark_on_light))
    small = Image.fromarray(np.clip(np.rint(square), 0, 255).astype(np.uint8))
    return np.asarray(small.resize((SIDE, SIDE), Image.Resampling.BOX), dtype=np.uint8)


def stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width in pixels of a binary drawing: a stroke of length L and width w covers L*w pixels
    and has about 2L edge pixels."""
    padded = np.pad(mask, 1)
    inner = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    edge = int(np.sum(mask & ~inner))
    return 2.0 * mask.sum() / max(edge, 1)


def dilate(ink: np.ndarray, steps: int) -> np.ndarray:
    for _ in range(steps):
        padded = np.pad(ink, 1)
        ink = np.maximum.reduce([padded[r:r + ink.shape[0], c:c + ink.shape[1]]
                                 for r in range(3) for c in range(3)])
    return ink


def picture_ink(image_path: str | Path, dark_on_light: bool | None = None) -> np.ndarray:
    """The picture's ink (0..1, light on dark), its shorter side about WORKING_SIDE. Raises Sb3genError for a
    picture without ink."""
    from PIL import Image

    picture = open_reduced(Path(image_path))
    if min(picture.size) < WORKING_SIDE:  # small pictures: work at the same resolution as large ones
        factor = -(-WORKING_SIDE // min(picture.size))
        picture = picture.resize((picture.width * factor, picture.height * factor), Image.Resampling.BILINEAR)
    ink = ink_of(picture, dark_on_light) / 255.0
    ink[ink < FAINT] = 0.0
    if not np.any(ink > 0.5):
        raise Sb3genError(f"{image_path}: no ink found (a blank or single-colour picture?); draw a digit, "
                          "or pass --dark-on-light / --light-on-dark if the colours were misjudged")
    return ink


def framed_picture(ink: np.ndarray) -> np.ndarray:
    """A picture's ink (picture_ink) as the pad would hold it as an image: a 28x28 gray frame (0..1) around
    it, the ink's box filling 20 of the 28 cells (the pad's normalisation then puts it where MNIST puts it).
    Thin pen lines are first thickened to a pad brush's share of the digit (MIN_STROKE of its size)."""
    from PIL import Image

    rows, columns = np.nonzero(ink > 0.5)
    top, bottom, left, right = rows.min(), rows.max(), columns.min(), columns.max()
    longest = max(bottom - top, right - left) + 1
    width = stroke_width(ink > 0.5)
    if width < MIN_STROKE * longest:
        ink = dilate(ink, int(np.ceil((MIN_STROKE * longest - width) / 2)))
    side = int(np.ceil(longest * SIDE / pad_reference.BOX))
    centre_row, centre_column = (top + bottom) // 2, (left + right) // 2
    canvas = np.zeros((side, side))
    r0, c0 = centre_row - side // 2, centre_column - side // 2
    src = ink[max(r0, 0):r0 + side, max(c0, 0):c0 + side]
    canvas[max(-r0, 0):max(-r0, 0) + src.shape[0], max(-c0, 0):max(-c0, 0) + src.shape[1]] = src
    frame = Image.fromarray(canvas.astype(np.float32), mode="F").resize((SIDE, SIDE), Image.Resampling.BOX)
    pad = np.clip(np.asarray(frame, dtype=np.float64), 0.0, 1.0)
    pad[pad < FAINT] = 0.0
    return pad


def pen_path_of(ink: np.ndarray) -> pad_reference.PenPath:
    """The picture's strokes as the pad's pen path: the ink's skeleton traced into strokes, in stage pixels
    as if the digit were drawn 20 cells tall on the pad (only the proportions matter, and a dot's size)."""
    from sb3gen.ml.redraw import GEOMETRY, thin, trace_strokes

    mask = ink > 0.5
    rows, columns = np.nonzero(mask)
    longest = max(int(np.ptp(rows)), int(np.ptp(columns))) + 1
    factor = pad_reference.BOX * GEOMETRY.cell / longest
    path = pad_reference.PenPath()
    for stroke in trace_strokes(thin(mask)):
        for k, (row, column) in enumerate(stroke):
            path.add(column * factor, -row * factor, 0 if k == 0 else 1)
    return path


def picture_input(net: Network, image_path: str | Path, dark_on_light: bool | None = None, *,
                  raw: bool = False) -> np.ndarray:
    """The network's input (1, n_inputs) for a picture: the pad's normalisation and preprocessing (raw:
    the preprocessing alone)."""
    if raw:
        image = load_picture(image_path, dark_on_light)
        if not np.any(image >= FAINT * 255):
            raise Sb3genError(f"{image_path}: no ink found (a blank or single-colour picture?)")
        return preprocess(image, net.preprocess)
    ink = picture_ink(image_path, dark_on_light)
    pad = framed_picture(ink)
    settings = net.preprocess.to_dict()
    return np.array([pad_reference.pad_to_input(pad.ravel().tolist(), settings, path=pen_path_of(ink))],
                    dtype=np.float64)


def predict_image(net: Network, image_path: str | Path, dark_on_light: bool | None = None, *,
                  raw: bool = False) -> np.ndarray:
    """The 10 class probabilities for a picture, computed with numpy from the network's weights."""
    return net.forward(picture_input(net, image_path, dark_on_light, raw=raw))[0]
