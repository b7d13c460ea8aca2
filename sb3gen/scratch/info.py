"""Sizes of a project against the Scratch website's limits (for `sb3gen info`)."""

from __future__ import annotations

from sb3gen.scratch.extensions import extensions_line, requested_extensions
from sb3gen.scratch.packer import ASSET_LIMIT, LIST_LIMIT, PROJECT_JSON_LIMIT, list_sizes, project_json_bytes


def _row(label: str, width: int, value: int, unit: str, limit: int, extra: str = "") -> str:
    status = "TOO BIG" if value > limit else "ok"
    return (
        f"  {label.ljust(width)} {value:>12,} {unit} of {limit:,} {100 * value / limit:6.1f}%"
        f"{extra}  {status}"
    )


def project_info(
    project_json: dict, assets: dict[str, bytes] | dict[str, int], json_size: int | None = None, top: int = 5
) -> str:
    """A report: project.json bytes vs 5 MB, the largest lists vs 200,000 items, assets vs 10 MB, blocks,
    the extensions it asks for.

    `assets` maps names to their bytes or to their sizes."""
    assets = {name: data if isinstance(data, int) else len(data) for name, data in assets.items()}
    size = len(project_json_bytes(project_json)) if json_size is None else json_size
    sizes = list_sizes(project_json)[:top]
    largest_assets = sorted(assets.items(), key=lambda a: (-a[1], a[0]))[:top]
    labels = ["project.json"] + [f"{t}/{n}" for t, n, _, _ in sizes] + [name for name, _ in largest_assets]
    width = max(len(label) for label in labels) + 1
    lines = [_row("project.json", width + 2, size, "bytes", PROJECT_JSON_LIMIT).strip()]
    lines.append(f"lists: {len(list_sizes(project_json))} (largest {len(sizes)})")
    for target, name, items, nbytes in sizes:
        lines.append(_row(f"{target}/{name}", width, items, "items", LIST_LIMIT, f"  ({nbytes:,} bytes)"))
    lines.append(f"assets: {len(assets)} (largest {len(largest_assets)})")
    for name, size in largest_assets:
        lines.append(_row(name, width, size, "bytes", ASSET_LIMIT))
    lines.append("blocks per target (not counting shadows):")
    for target in project_json.get("targets", []):
        blocks = target.get("blocks", {}).values()  # objects or lists (reader.check_project_shape)
        count = sum(1 for b in blocks if isinstance(b, list) or not b.get("shadow"))
        scripts = sum(1 for b in blocks if isinstance(b, dict) and b.get("topLevel") and not b.get("shadow"))
        lines.append(f"  {target.get('name')}: {count:,} blocks in {scripts} scripts")
    lines.append(f"extensions: {extensions_line(requested_extensions(project_json)) or 'none'}")
    return "\n".join(lines) + "\n"
