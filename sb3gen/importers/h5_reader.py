"""Reading an HDF5 weights file in a child process. libhdf5 can crash the process on a damaged or crafted
file (a segmentation fault seen here on randomly damaged .h5 files); in a child, that crash becomes one
Sb3genError. The child only reads: the legacy model_config attribute and every layer's weight arrays, each
checked (float dtype, at most MAX_ARRAY_AXES axes, MAX_VALUES values in all) before its data is read. It hands
them back without pickle: one JSON line (the config, each group's array shapes, or an error), then the arrays
as raw little-endian float64."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from sb3gen.errors import Sb3genError
from sb3gen.untrusted import limit

MAX_VALUES = limit("model weights")  # weight values read in all (sb3gen's models stay under 200,000)
MAX_ARRAY_AXES = 4
MAX_GROUPS = 10_000
CHILD_TIMEOUT_S = 300

Arrays = dict[str, list[np.ndarray]]


def _checked(dataset: Any, where: str, label: str, budget: list[int]) -> np.ndarray:
    import h5py

    if not isinstance(dataset, h5py.Dataset):
        raise Sb3genError(f"{label}: the weights of {where} are not arrays")
    if dataset.dtype.kind != "f" or len(dataset.shape) > MAX_ARRAY_AXES:
        raise Sb3genError(f"{label}: a weight of {where} is {dataset.dtype} with shape {dataset.shape}, "
                          f"not an array of floats of at most {MAX_ARRAY_AXES} axes")
    budget[0] += int(np.prod(dataset.shape))
    if budget[0] > MAX_VALUES:
        raise Sb3genError(f"{label}: the weights hold more than {MAX_VALUES:,} values")
    array = np.asarray(dataset[()], dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise Sb3genError(f"{label}: a weight of {where} is not a finite number")
    return array


def read_h5(source: bytes | str, legacy: bool, label: str) -> tuple[str | None, Arrays]:
    """(legacy: the model_config text, else None; the weight arrays of every layer group, in order).
    Keras 3 groups are keyed as in the file (layers/<key>/vars/0, 1, ...); legacy ones by layer name."""
    import io

    import h5py

    budget = [0]
    try:
        with h5py.File(io.BytesIO(source) if isinstance(source, bytes) else source, "r") as h5:
            config = None
            if legacy:
                text = h5.attrs.get("model_config")
                config = text.decode() if isinstance(text, bytes) else (None if text is None else str(text))
            arrays: Arrays = {}
            top = h5.get("model_weights") if legacy else h5.get("layers")
            if top is None:
                return config, arrays
            keys = list(top.keys())
            if len(keys) > MAX_GROUPS:
                raise Sb3genError(f"{label}: {len(keys):,} weight groups, over {MAX_GROUPS:,}")
            for key in keys:
                group = top.get(key)
                if legacy:
                    names = [n.decode() if isinstance(n, bytes) else str(n)
                             for n in group.attrs.get("weight_names", [])]
                    arrays[key] = [_checked(group.get(n), f"layer '{key}'", label, budget) for n in names]
                else:
                    found = group.get("vars")
                    numbers = sorted((k for k in (found.keys() if found is not None else []) if k.isdigit()),
                                     key=int)
                    arrays[key] = [_checked(found.get(k), f"layer '{key}'", label, budget) for k in numbers]
            return config, arrays
    except Sb3genError:
        raise
    except Exception as exc:  # h5py raises OSError, KeyError, ValueError, RuntimeError, ... on damaged files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise Sb3genError(f"{label}: the weights cannot be read as HDF5 ({reason})") from None


def read_h5_isolated(source: bytes | Path, legacy: bool, label: str) -> tuple[str | None, Arrays]:
    """read_h5 in a fresh Python process (`python -m sb3gen.importers.h5_reader`): a crash of libhdf5 is
    reported, not suffered. Bytes go in on stdin, a path as an argument."""
    command = [sys.executable, "-m", "sb3gen.importers.h5_reader", "legacy" if legacy else "keras3", label]
    command.append("-" if isinstance(source, bytes) else str(source))
    try:
        stdin = source if isinstance(source, bytes) else b""
        done = subprocess.run(command, input=stdin, capture_output=True, timeout=CHILD_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise Sb3genError(f"{label}: reading the weights took over {CHILD_TIMEOUT_S} s") from None
    if done.returncode != 0:
        raise Sb3genError(f"{label}: the HDF5 reader crashed on this file (damaged, or not a Keras model)")
    try:
        return _parse_answer(done.stdout)
    except (ValueError, KeyError, TypeError) as exc:  # not what the child writes: a broken run
        raise Sb3genError(f"{label}: the HDF5 reader gave no usable answer ({exc})") from None


def _parse_answer(answer: bytes) -> tuple[str | None, Arrays]:
    header_end = answer.index(b"\n")
    header = json.loads(answer[:header_end])
    if header.get("error"):
        raise Sb3genError(str(header["error"]))
    values = np.frombuffer(answer[header_end + 1:], dtype="<f8")
    arrays: Arrays = {}
    start = 0
    for key, shapes in header["groups"]:
        arrays[str(key)] = []
        for shape in shapes:
            size = int(np.prod(shape))
            if start + size > values.size:
                raise ValueError("fewer values than the shapes need")
            arrays[str(key)].append(values[start:start + size].reshape(shape).astype(np.float64))
            start += size
    if start != values.size:
        raise ValueError("more values than the shapes need")
    config = header["config"]
    return (None if config is None else str(config)), arrays


def _child(kind: str, label: str, where: str) -> None:
    source: bytes | str = sys.stdin.buffer.read() if where == "-" else where
    try:
        config, arrays = read_h5(source, kind == "legacy", label)
    except Sb3genError as exc:
        sys.stdout.write(json.dumps({"error": str(exc)}) + "\n")
        return
    groups = [[key, [list(a.shape) for a in found]] for key, found in arrays.items()]
    out = sys.stdout.buffer
    out.write(json.dumps({"config": config, "groups": groups}).encode() + b"\n")
    for found in arrays.values():
        for array in found:
            out.write(np.ascontiguousarray(array, dtype="<f8").tobytes())
    out.flush()


if __name__ == "__main__":
    _child(*sys.argv[1:4])
