"""Front ends: a saved model from another framework as sb3gen's list of Layers (sb3gen.kinds).

A front end reads its framework's files without running code from them and maps each layer through the
registry of kinds; a new front end (sb3gen.importers.onnx) adds a reader here, not kinds.
"""

from __future__ import annotations

from pathlib import Path

from sb3gen.errors import Sb3genError
from sb3gen.importers.keras import ImportedModel, import_keras_model
from sb3gen.importers.keras_files import SUFFIXES as KERAS_SUFFIXES
from sb3gen.importers.onnx import SUFFIXES as ONNX_SUFFIXES
from sb3gen.importers.onnx import import_onnx_model

__all__ = ["ImportedModel", "import_model"]


def import_model(path: str | Path) -> ImportedModel:
    """The layers of a saved model, chosen by the file's suffix."""
    path = Path(path)
    if path.suffix.lower() in KERAS_SUFFIXES:
        return import_keras_model(path)
    if path.suffix.lower() in ONNX_SUFFIXES:
        return import_onnx_model(path)
    raise Sb3genError(f"{path}: sb3gen reads Keras models ({', '.join(KERAS_SUFFIXES)}) and ONNX models "
                      f"({', '.join(ONNX_SUFFIXES)})")
