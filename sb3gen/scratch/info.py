"""Sizes of a project against the Scratch website's limits (for `sb3gen info`)."""

from __future__ import annotations

from sb3gen.scratch.packer import ASSET_LIMIT, LIST_LIMIT, PROJECT_JSON_LIMIT, list_sizes, project_json_bytes


def _percent(value: int, limit: int) -> str:
    return f"{100 * value / limit:5.1f}%"


def _status(value: int, limit: int) -> str:
    return "TOO BIG" if value > limit else "ok"


def project_info(
    project_json: dict, assets: dict[str, bytes], json_size: int | None = None, top: int = 5
) -> str:
    """A report: project.json bytes vs 5 MB, the largest lists vs 200,000 items, assets vs 10 MB, blocks."""
    size = len(project_json_bytes(project_json)) if json_size is None else json_size
    lines = [
        f"project.json  {size:>12,} bytes of {PROJECT_JSON_LIMIT:,}  {_percent(size, PROJECT_JSON_LIMIT)}  "
        f"{_status(size, PROJECT_JSON_LIMIT)}"
    ]
    sizes = list_sizes(project_json)
    lines.append(f"lists: {len(sizes)} (largest {min(top, len(sizes))})")
    for target, name, items, nbytes in sizes[:top]:
        lines.append(
            f"  {target}/{name}: {items:>9,} items of {LIST_LIMIT:,}  {_percent(items, LIST_LIMIT)}  "
            f"{nbytes:,} bytes  {_status(items, LIST_LIMIT)}"
        )
    lines.append(f"assets: {len(assets)}")
    for name, data in sorted(assets.items(), key=lambda a: (-len(a[1]), a[0]))[:top]:
        lines.append(
            f"  {name}: {len(data):>12,} bytes of {ASSET_LIMIT:,}  {_percent(len(data), ASSET_LIMIT)}  "
            f"{_status(len(data), ASSET_LIMIT)}"
        )
    lines.append("blocks per target (not counting shadows):")
    for target in project_json.get("targets", []):
        blocks = target.get("blocks", {}).values()
        count = sum(1 for b in blocks if isinstance(b, list) or not b.get("shadow"))
        scripts = sum(1 for b in blocks if isinstance(b, dict) and b.get("topLevel") and not b.get("shadow"))
        lines.append(f"  {target.get('name')}: {count:,} blocks in {scripts} scripts")
    return "\n".join(lines) + "\n"
