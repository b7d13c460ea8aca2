"""project.json + assets -> deterministic .sb3 bytes, after checking the Scratch website's limits."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from sb3gen.errors import Sb3genError
from sb3gen.files import write_bytes_atomic
from sb3gen.scratch.errors import LimitError

if TYPE_CHECKING:
    from sb3gen.scratch.compiler import CompiledProject

PROJECT_JSON_LIMIT = 5_000_000  # bytes
ASSET_LIMIT = 10 * 1024 * 1024  # bytes (10 MB)
LIST_LIMIT = 200_000  # items
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def project_json_bytes(project_json: dict) -> bytes:
    return json.dumps(project_json, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


def list_sizes(project_json: dict) -> list[tuple[str, str, int, int]]:
    """(target, list name, items, bytes in project.json) for every list, largest first."""
    sizes = []
    for target in project_json.get("targets", []):
        for entry in target.get("lists", {}).values():
            name, items = entry[0], entry[1]
            sizes.append((target.get("name", "?"), name, len(items), len(project_json_bytes(items))))
    return sorted(sizes, key=lambda s: (-s[2], s[0], s[1]))


def check_limits(project_json_bytes: bytes, assets: dict[str, bytes], project_json: dict) -> None:
    """Raise LimitError naming each part over a website limit: its size, the limit, what to shrink."""
    problems = []
    for target, name, items, _ in list_sizes(project_json):
        if items > LIST_LIMIT:
            problems.append(
                f"list {name!r} of {target} has {items:,} items, the limit is {LIST_LIMIT:,}: "
                f"remove {items - LIST_LIMIT:,} items (Scratch silently stops adding past the limit)"
            )
    size = len(project_json_bytes)
    if size > PROJECT_JSON_LIMIT:
        biggest = ", ".join(
            f"{name!r} of {target} {nbytes:,} bytes"
            for target, name, _, nbytes in sorted(list_sizes(project_json), key=lambda s: -s[3])[:3]
        )
        problems.append(
            f"project.json is {size:,} bytes, the limit is {PROJECT_JSON_LIMIT:,}: shrink it by "
            f"{size - PROJECT_JSON_LIMIT:,} bytes (largest lists: {biggest or 'none'})"
        )
    for name, data in sorted(assets.items()):
        if len(data) > ASSET_LIMIT:
            problems.append(
                f"asset {name} is {len(data):,} bytes, the limit is {ASSET_LIMIT:,}: shrink it by "
                f"{len(data) - ASSET_LIMIT:,} bytes"
            )
    if problems:
        raise LimitError("too big for the Scratch website: " + "; ".join(problems))


def pack_sb3(compiled: CompiledProject) -> bytes:
    """The .sb3 (zip) bytes: limits checked first; sorted entries, fixed timestamps, fixed compression."""
    data = project_json_bytes(compiled.project_json)
    check_limits(data, compiled.assets, compiled.project_json)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in sorted({"project.json": data, **compiled.assets}.items()):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return buffer.getvalue()


def write_sb3(path: str | os.PathLike, data: bytes) -> None:
    """Write atomically (a temporary file in the same folder, then os.replace); Sb3genError on failure."""
    try:
        write_bytes_atomic(path, data)
    except OSError as exc:
        raise Sb3genError(f"cannot write {Path(path)}: {exc.strerror or exc}") from None
