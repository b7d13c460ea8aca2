"""The share rule of issue 22: where an epoch over the training images (or a test over the test images) would
take longer than about 10 minutes in the Scratch editor, Train and Test run on a smaller share the build
chooses, and the build says so; --train-images / --test-images still choose.

The time comes from block evaluations, counted exactly in scratch-vm on one image of the project itself
(`unpack` + `predict` for a test image, `unpack` + `learn` for a training step), at the editor's speed: the
editor runs scratch-vm's interpreter, about 11 million evaluations per second on these machines
(/work/shared/notes/scratch-runtime.md; TurboWarp is 35-75x faster).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sb3gen.kinds import Layer
from sb3gen.project.inputs import InputFormat

EDITOR_EVALUATIONS_PER_SECOND = 11_000_000
EPOCH_LIMIT_SECONDS = 600


@dataclass(frozen=True)
class ImageCost:
    test: int  # evaluations per test image
    train: int  # evaluations per training step


def measure(layers: Sequence[Layer], fmt: InputFormat, image: np.ndarray, label: int) -> ImageCost:
    """Evaluations of one image through the project's own blocks (a project of that one image)."""
    from sb3gen.loops.app import loop_project
    from sb3gen.scratch import compile_project, pack_sb3
    from sb3gen.vm import run_project

    images, labels = image.reshape(1, -1), np.array([label])
    project = loop_project(layers, images, labels, images, labels, input_format=fmt, with_ui=False)
    sb3 = pack_sb3(compile_project(project))
    code = fmt.encode(images)[0]
    run = run_project(sb3, [{"set_variable": "packed image", "value": code}, {"broadcast": "unpack"},
                            {"broadcast": "predict"}, {"set_variable": "right digit", "value": int(label)},
                            {"broadcast": "learn"}], timeout_s=3600)
    unpack, predict, learn = (p.evaluations or 0 for p in run.phases if p.action.startswith("broadcast"))
    return ImageCost(test=unpack + predict, train=unpack + learn)


def minutes(images: int, per_image: int) -> float:
    return images * per_image / EDITOR_EVALUATIONS_PER_SECOND / 60


def share(requested: int | None, default: int, per_image: int, option: str) -> tuple[int, str]:
    """(images, what to tell): the default unless an epoch of it is over the limit; a requested count is
    kept whatever it costs."""
    limit = max(1, math.floor(EPOCH_LIMIT_SECONDS * EDITOR_EVALUATIONS_PER_SECOND / per_image))
    chosen = requested if requested is not None else min(default, limit)
    text = (f"{option.strip('-').replace('-', ' ')}: {per_image:,} block evaluations per image, a pass over "
            f"{chosen:,} takes about {minutes(chosen, per_image):.1f} min in the Scratch editor")
    if requested is None and chosen < default:
        text += (f" ({default:,} would take {minutes(default, per_image):.0f} min: the build chose "
                 f"{chosen:,}; {option} chooses)")
    return chosen, text
