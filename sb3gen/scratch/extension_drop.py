"""A project without the extensions that are not built into Scratch (`sb3gen html --drop-extensions`).

A block of such an extension cannot just be deleted: the blocks around it link to it (parent, next, inputs)
and a hostile file may link anything to anything. So the whole script it belongs to goes: every block
linked to it, directly or not, by parent, next or an input. The monitors of such reporters go too, and the
project's `extensionURLs` and the ids in `extensions` that are not built in.
"""

from __future__ import annotations

import copy

from sb3gen.scratch.extensions import BUILTIN_EXTENSIONS, extension_of


class _Groups:
    """Union-find over block ids: which blocks are linked into one script."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        root = item
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while item != root:  # path compression keeps long scripts fast
            self.parent[item], item = root, self.parent.get(item, root)
        return root

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def linked_ids(block: dict) -> list[object]:
    """The ids a block object points at: parent, next, the blocks and shadows of its inputs."""
    ids = [block.get("parent"), block.get("next")]
    inputs = block.get("inputs")
    for value in inputs.values() if isinstance(inputs, dict) else []:
        if isinstance(value, list):
            ids.extend(value[1:])
    return ids


def is_foreign(block: object) -> bool:
    extension = extension_of(block.get("opcode")) if isinstance(block, dict) else None
    return extension is not None and extension not in BUILTIN_EXTENSIONS


def drop_foreign_extensions(project_json: dict) -> tuple[dict, int]:
    """(a copy without code from outside Scratch, how many blocks were removed)."""
    project = copy.deepcopy(project_json)
    removed_count = 0
    for target in project.get("targets", []):
        blocks = target.get("blocks", {})
        groups = _Groups()
        for ident, block in blocks.items():
            if isinstance(block, dict):
                for other in linked_ids(block):
                    if isinstance(other, str) and other in blocks:
                        groups.union(ident, other)
        bad = {groups.find(ident) for ident, block in blocks.items() if is_foreign(block)}
        removed = {ident for ident in blocks if groups.find(ident) in bad}
        target["blocks"] = {ident: block for ident, block in blocks.items() if ident not in removed}
        for comment in target.get("comments", {}).values():
            if isinstance(comment, dict) and isinstance(comment.get("blockId"), str) \
                    and comment["blockId"] in removed:
                comment["blockId"] = None  # kept as a workspace comment
        removed_count += len(removed)
    if isinstance(project.get("monitors"), list):
        project["monitors"] = [m for m in project["monitors"] if not is_foreign(m)]
    project.pop("extensionURLs", None)
    listed = project.get("extensions")
    kept = listed if isinstance(listed, list) else []
    project["extensions"] = [e for e in kept if isinstance(e, str) and e in BUILTIN_EXTENSIONS]
    return project, removed_count
