"""Round trip project -> show -> parse, compared as normalized block trees (no ids, no positions)."""

from __future__ import annotations

import json

from sb3gen.scratch.compiler import compile_project
from sb3gen.scratch.errors import CompilerBug
from sb3gen.scratch.model import Costume, Project, Sprite, Stage, Target
from sb3gen.scratch.show import show_project, split_shown


def normalized_scripts(project_json: dict) -> dict[str, list]:
    """Target name -> sorted list of script trees, with ids, positions and argument ids left out."""
    out = {}
    for target in project_json.get("targets", []):
        blocks = target.get("blocks", {})
        comments = target.get("comments", {})
        trees = [
            _stack(block_id, blocks, comments)
            for block_id, block in blocks.items()
            if isinstance(block, dict) and block.get("topLevel") and not block.get("shadow")
        ]
        out[target.get("name")] = sorted(trees, key=repr)
    return out


def _stack(block_id: str | None, blocks: dict, comments: dict) -> tuple:
    chain = []
    while block_id is not None:
        chain.append(_block(block_id, blocks, comments))
        block_id = blocks[block_id].get("next")
    return tuple(chain)


def _block(block_id: str, blocks: dict, comments: dict) -> tuple:
    block = blocks[block_id]
    opcode = block["opcode"]
    mutation = block.get("mutation", {})
    inputs = dict(block.get("inputs", {}))
    if opcode in ("procedures_call", "procedures_prototype"):
        # argument ids are arbitrary: key the inputs by argument position instead
        ids = json.loads(mutation.get("argumentids", "[]"))
        inputs = {f"arg{ids.index(k)}": v for k, v in inputs.items() if k in ids}
    fields = tuple(
        sorted(
            (name, value[0] if isinstance(value, list) else value)
            for name, value in block.get("fields", {}).items()
        )
    )
    norm_inputs = tuple(
        sorted((name, _input(name, value, blocks, comments)) for name, value in inputs.items())
    )
    kept = tuple(sorted((k, str(v)) for k, v in mutation.items() if k not in ("argumentids", "children")))
    comment = comments.get(block.get("comment") or "", {}).get("text")
    return (opcode, fields, norm_inputs, kept, comment)


def _input(name: str, value: list, blocks: dict, comments: dict) -> tuple:
    items = []
    for item in value[1:]:
        if item is None:
            items.append(None)
        elif isinstance(item, list):
            items.append(("value", item[0], item[1]))  # primitives: code and value or name (not the id)
        elif name.startswith("SUBSTACK"):
            items.append(("stack", _stack(item, blocks, comments)))
        else:
            inner = blocks[item]
            if isinstance(inner, list):
                items.append(("value", inner[0], inner[1]))
            else:
                items.append(("block", _block(item, blocks, comments)))
    return tuple(items)


def project_from_json(project_json: dict, assets: dict[str, bytes]) -> Project:
    """The declarations (variables, lists, costumes, sprites) of a project.json, without scripts."""
    stage: Stage | None = None
    sprites = []
    for target in project_json["targets"]:
        fields = {  # variables are [name, value] or [name, value, is_cloud]
            "variables": {entry[0]: entry[1] for entry in target.get("variables", {}).values()},
            "lists": {entry[0]: list(entry[1]) for entry in target.get("lists", {}).values()},
            "costumes": [
                Costume(
                    c["name"],
                    assets.get(c.get("md5ext", ""), b""),
                    c.get("dataFormat", "svg"),
                    c.get("rotationCenterX", 0),
                    c.get("rotationCenterY", 0),
                    c.get("bitmapResolution", 1),
                )
                for c in target.get("costumes", [])
            ],
            "current_costume": target.get("currentCostume", 0),
        }
        if target.get("isStage"):
            stage = Stage(**fields)
        else:
            sprites.append(
                Sprite(
                    target["name"],
                    x=target.get("x", 0),
                    y=target.get("y", 0),
                    size=target.get("size", 100),
                    direction=target.get("direction", 90),
                    visible=target.get("visible", True),
                    draggable=target.get("draggable", False),
                    **fields,
                )
            )
    assert stage is not None
    return Project(stage, sprites)


def reparse(project_json: dict, assets: dict[str, bytes]) -> dict:
    """show the project, read the text back with the same declarations, and compile it again."""
    text = show_project(project_json)
    project = project_from_json(project_json, assets)
    by_target = split_shown(text)
    target: Target
    for target in project.targets():
        target.add_scripts(by_target.get(target.name, ""), f"show of {target.name}")
    return compile_project(project).project_json


def check_roundtrip(project_json: dict, assets: dict[str, bytes]) -> None:
    """Raise CompilerBug naming the first script that differs after show -> parse."""
    before = normalized_scripts(project_json)
    after = normalized_scripts(reparse(project_json, assets))
    for name in before:
        if before[name] != after.get(name):
            old, new = before[name], after.get(name, [])
            if len(old) != len(new):
                raise CompilerBug(f"round trip of {name}: {len(old)} scripts became {len(new)}")
            for a, b in zip(old, new, strict=True):
                if a != b:
                    raise CompilerBug(f"round trip of {name} changed a script:\n  before {a}\n  after  {b}")
