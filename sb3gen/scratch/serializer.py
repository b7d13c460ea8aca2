"""Blocks (ir) -> project.json. The only module that knows Scratch's input and shadow array encodings."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable

from sb3gen.errors import Sb3genError
from sb3gen.scratch import opcodes as op
from sb3gen.scratch.ir import Block, Literal, MenuValue, Procedure, Script, short_hash
from sb3gen.scratch.layout import COMMENT_GAP, ROW_HEIGHT, Placement, comment_box
from sb3gen.scratch.model import Costume, Monitor, Project, Sprite, Target
from sb3gen.scratch.opcodes import Kind

# Scratch's input and primitive codes (scratch-vm src/serialization/sb3.js), defined here only: the checker,
# `show` and the round trip import them.
INPUT_SAME_BLOCK_SHADOW = 1  # [1, shadow]: a literal or menu
INPUT_BLOCK_NO_SHADOW = 2  # [2, block]: a reporter in a slot without a shadow (booleans, stacks)
INPUT_DIFF_BLOCK_SHADOW = 3  # [3, block, shadow]: a reporter covering a literal
INPUT_CODES = (INPUT_SAME_BLOCK_SHADOW, INPUT_BLOCK_NO_SHADOW, INPUT_DIFF_BLOCK_SHADOW)
PRIMITIVE_CODES = {
    Kind.NUMBER: 4,
    Kind.POSITIVE_NUMBER: 5,
    Kind.WHOLE_NUMBER: 6,
    Kind.INTEGER: 7,
    Kind.ANGLE: 8,
    Kind.COLOUR: 9,
    Kind.TEXT: 10,
}
VALUE_PRIMITIVES = frozenset(PRIMITIVE_CODES.values())  # [code, value]
BROADCAST_PRIMITIVE = 11  # [11, name, id]
VAR_PRIMITIVE = 12  # [12, name, id] (and x, y when loose on the workspace)
LIST_PRIMITIVE = 13  # [13, name, id] (likewise)
NAMED_PRIMITIVES = (VAR_PRIMITIVE, LIST_PRIMITIVE)

BLANK_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2" viewBox="0 0 2 2">'
    '<rect width="2" height="2" fill="none"/></svg>'
)


def variable_id(target: str, kind: str, name: str) -> str:
    return f"{kind[0]}_{short_hash(target, kind, name)}"


def target_tags(names: list[str]) -> list[str]:
    """Per target, the shortest prefix (2 characters or more) of its name's hash that no target before it
    has: the same names give the same tags, and a sprite's tag does not change when others are added."""
    tags: list[str] = []
    for name in names:
        digest = short_hash("target", name, length=40)
        length = 2
        while digest[:length] in tags:
            length += 1
        tags.append(digest[:length])
    return tags


def base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
        if number == 0:
            return text


def broadcast_id(name: str) -> str:
    return f"m_{short_hash('broadcast', name)}"


def json_value(value: object, where: str) -> object:
    """A Python value as Scratch stores it: numbers stay numbers (floats as repr), text stays text."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # numpy scalar
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Sb3genError(f"{where}: {value} cannot be stored in project.json (JSON has no inf/nan)")
        return value
    if isinstance(value, str):
        return value
    raise Sb3genError(f"{where}: value {value!r} of type {type(value).__name__} is not a number or text")


def mutation_of(proc: Procedure, definition: bool) -> dict:
    dumps = _compact_json
    mutation = {
        "tagName": "mutation",
        "children": [],
        "proccode": proc.proccode,
        "argumentids": dumps(proc.arg_ids),
    }
    if definition:
        mutation["argumentnames"] = dumps(proc.arg_names)
        mutation["argumentdefaults"] = dumps(["false" if k == "b" else "" for k in proc.arg_kinds])
    mutation["warp"] = "true" if proc.warp else "false"
    return mutation


def _compact_json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class TargetWriter:
    """Serializes the scripts of one target into its `blocks` and `comments`."""

    def __init__(self, target: Target, stage: Target, broadcast_default: str | None, tag: str) -> None:
        self.target = target
        self.stage = stage
        self.tag = tag  # target_tags: unique in the project, so block ids are too
        self.blocks: dict[str, dict] = {}
        self.comments: dict[str, dict] = {}
        self.counter = 0
        self.broadcast_default = broadcast_default
        self.extensions: set[str] = set()

    def new_id(self) -> str:
        """Short ids (every block's id is written 2-4 times: a big project's blocks are 1.8 MB)."""
        self.counter += 1
        return f"{self.tag}-{base36(self.counter)}"

    # -- references
    def _var_ref(self, name: str) -> list:
        owner = self.target if name in self.target.variables else self.stage
        return [name, variable_id(owner.name, "variable", name)]

    def _list_ref(self, name: str) -> list:
        owner = self.target if name in self.target.lists else self.stage
        return [name, variable_id(owner.name, "list", name)]

    # -- scripts
    def script(self, script: Script, place: Placement) -> None:
        self._row = 0
        self._place = place
        first = self.stack(script, None)
        top = self.blocks[first]
        top["topLevel"] = True
        top["x"], top["y"] = place.x, place.y

    def stack(self, blocks: list[Block], parent: str | None) -> str:
        ids = [self.new_id() for _ in blocks]
        for i, (block, block_id) in enumerate(zip(blocks, ids, strict=True)):
            self.block(
                block, block_id, ids[i - 1] if i > 0 else parent, ids[i + 1] if i + 1 < len(ids) else None
            )
        return ids[0]

    def block(self, block: Block, block_id: str, parent: str | None, next_id: str | None) -> None:
        entry = {
            "opcode": block.opcode,
            "next": next_id,
            "parent": parent,
            "inputs": {},
            "fields": {},
            "shadow": False,
            "topLevel": False,
        }
        self.blocks[block_id] = entry
        if block.comment is not None:
            self._comment(block_id, block.comment)
        self._row += 1
        if block.opcode == "procedures_definition":
            entry["inputs"]["custom_block"] = [
                INPUT_SAME_BLOCK_SHADOW,
                self._prototype(block.procedure, block_id),
            ]
            return
        if block.opcode == "procedures_call":
            self._call_inputs(block, block_id, entry)
            return
        spec = op.OPCODES[block.opcode]
        if spec.extension:
            self.extensions.add(spec.extension)
        for name, slot in spec.slots.items():
            if slot.kind in op.FIELD_KINDS:
                entry["fields"][name] = self._field(slot, block.fields[name])
            elif name in block.inputs:
                entry["inputs"][name] = self._input(slot, block.inputs[name], block_id)
        if block.opcode == "control_stop":
            has_next = block.fields["STOP_OPTION"].startswith("other")
            entry["mutation"] = {"tagName": "mutation", "children": [], "hasnext": _bool_text(has_next)}

    def _comment(self, block_id: str, text: str) -> None:
        comment_id = f"{block_id}-comment"
        width, height = comment_box(text)
        self.comments[comment_id] = {
            "blockId": block_id,
            "x": self._place.x + self._place.width + COMMENT_GAP,
            "y": self._place.y + self._row * ROW_HEIGHT,
            "width": width,
            "height": height,
            "minimized": False,
            "text": text,
        }
        self.blocks[block_id]["comment"] = comment_id

    def _field(self, slot: op.Slot, value: str) -> list:
        if slot.kind is Kind.VARIABLE_FIELD:
            return self._var_ref(value)
        if slot.kind is Kind.LIST_FIELD:
            return self._list_ref(value)
        if slot.kind is Kind.BROADCAST_FIELD:
            return [value, broadcast_id(value)]
        return [value, None]

    def _input(self, slot: op.Slot, value: object, parent: str) -> list:
        kind = slot.kind
        if kind is Kind.SUBSTACK:
            assert isinstance(value, list)
            return [INPUT_BLOCK_NO_SHADOW, self.stack(value, parent)]
        if kind is Kind.BOOLEAN:
            return [INPUT_BLOCK_NO_SHADOW, self._reporter(value, parent)]
        if kind in PRIMITIVE_CODES:
            empty = "#000000" if kind is Kind.COLOUR else ""  # scratch-parser wants a colour here
            return self._over_shadow([PRIMITIVE_CODES[kind], empty], value, parent, PRIMITIVE_CODES[kind])
        if kind is Kind.BROADCAST_MENU:
            if isinstance(value, MenuValue):
                return [
                    INPUT_SAME_BLOCK_SHADOW,
                    [BROADCAST_PRIMITIVE, value.value, broadcast_id(value.value)],
                ]
            if self.broadcast_default is None:
                raise Sb3genError(
                    "a reporter in a broadcast slot needs at least one broadcast in the project"
                )
            shadow = [BROADCAST_PRIMITIVE, self.broadcast_default, broadcast_id(self.broadcast_default)]
            return [INPUT_DIFF_BLOCK_SHADOW, self._reporter(value, parent), shadow]
        if kind is Kind.MENU:
            menu_value = value.value if isinstance(value, MenuValue) else slot.default
            shadow_id = self.new_id()
            self.blocks[shadow_id] = {
                "opcode": slot.menu_opcode,
                "next": None,
                "parent": parent,
                "inputs": {},
                "fields": {slot.menu_field: [menu_value, None]},
                "shadow": True,
                "topLevel": False,
            }
            if isinstance(value, MenuValue):
                return [INPUT_SAME_BLOCK_SHADOW, shadow_id]
            return [INPUT_DIFF_BLOCK_SHADOW, self._reporter(value, parent), shadow_id]
        raise AssertionError(kind)

    def _over_shadow(self, shadow: list, value: object, parent: str, code: int) -> list:
        if isinstance(value, Literal):
            return [INPUT_SAME_BLOCK_SHADOW, [code, value.text]]
        return [INPUT_DIFF_BLOCK_SHADOW, self._reporter(value, parent), shadow]

    def _reporter(self, value: object, parent: str) -> str | list:
        """A reporter in an input: variables and lists compress to [12|13, name, id] as in Scratch."""
        assert isinstance(value, Block), value
        if value.opcode == "data_variable":
            return [VAR_PRIMITIVE, *self._var_ref(value.fields["VARIABLE"])]
        if value.opcode == "data_listcontents":
            return [LIST_PRIMITIVE, *self._list_ref(value.fields["LIST"])]
        block_id = self.new_id()
        if value.opcode.startswith("argument_reporter_"):
            self.blocks[block_id] = {
                "opcode": value.opcode,
                "next": None,
                "parent": parent,
                "inputs": {},
                "fields": {"VALUE": [value.fields["VALUE"], None]},
                "shadow": False,
                "topLevel": False,
            }
            return block_id
        self.block(value, block_id, parent, None)
        self._row -= 1  # reporters sit on their stack block's row
        return block_id

    def _prototype(self, proc: Procedure | None, definition_id: str) -> str:
        assert proc is not None
        proto_id = self.new_id()
        inputs = {}
        for arg_id, name, kind in zip(proc.arg_ids, proc.arg_names, proc.arg_kinds, strict=True):
            shadow_id = self.new_id()
            opcode = "argument_reporter_boolean" if kind == "b" else "argument_reporter_string_number"
            self.blocks[shadow_id] = {
                "opcode": opcode,
                "next": None,
                "parent": proto_id,
                "inputs": {},
                "fields": {"VALUE": [name, None]},
                "shadow": True,
                "topLevel": False,
            }
            inputs[arg_id] = [INPUT_SAME_BLOCK_SHADOW, shadow_id]
        self.blocks[proto_id] = {
            "opcode": "procedures_prototype",
            "next": None,
            "parent": definition_id,
            "inputs": inputs,
            "fields": {},
            "shadow": True,
            "topLevel": False,
            "mutation": mutation_of(proc, definition=True),
        }
        return proto_id

    def _call_inputs(self, block: Block, block_id: str, entry: dict) -> None:
        proc = block.procedure
        assert proc is not None
        for arg_id, kind in zip(proc.arg_ids, proc.arg_kinds, strict=True):
            if arg_id not in block.inputs:
                continue
            if kind == "b":
                entry["inputs"][arg_id] = [
                    INPUT_BLOCK_NO_SHADOW,
                    self._reporter(block.inputs[arg_id], block_id),
                ]
            else:
                entry["inputs"][arg_id] = self._over_shadow([10, ""], block.inputs[arg_id], block_id, 10)
        entry["mutation"] = mutation_of(proc, definition=False)


def _bool_text(value: bool) -> str:
    return "true" if value else "false"


# ---------------------------------------------------------------- targets, costumes, monitors


def costume_json(costume: Costume) -> tuple[dict, str, bytes]:
    md5 = hashlib.md5(costume.data).hexdigest()
    md5ext = f"{md5}.{costume.ext}"
    entry = {
        "name": costume.name,
        "bitmapResolution": costume.bitmap_resolution,
        "dataFormat": costume.ext,
        "assetId": md5,
        "md5ext": md5ext,
        "rotationCenterX": costume.rotation_center_x,
        "rotationCenterY": costume.rotation_center_y,
    }
    return entry, md5ext, costume.data


def target_costumes(target: Target) -> list[Costume]:
    """A target's costumes; Scratch needs at least one, so a target without any gets a blank 2x2 svg."""
    if target.costumes:
        return target.costumes
    return [Costume.svg("blank" if not target.is_stage else "backdrop", BLANK_SVG)]


def target_json(
    target: Target, writer: TargetWriter, broadcasts: Iterable[str], layer: int, assets: dict[str, bytes]
) -> dict:
    where = f"{target.name}"
    costumes = []
    for costume in target_costumes(target):
        entry, name, data = costume_json(costume)
        costumes.append(entry)
        assets[name] = data
    if not 0 <= target.current_costume < len(costumes):
        raise Sb3genError(
            f"{where}: current_costume {target.current_costume} is not one of its {len(costumes)} costumes"
        )
    obj: dict = {
        "isStage": target.is_stage,
        "name": target.name,
        "variables": {
            variable_id(target.name, "variable", name): [name, json_value(v, f"{where} variable {name}")]
            for name, v in target.variables.items()
        },
        "lists": {
            variable_id(target.name, "list", name): [
                name,
                [json_value(v, f"{where} list {name}") for v in items],
            ]
            for name, items in target.lists.items()
        },
        "broadcasts": {broadcast_id(b): b for b in broadcasts} if target.is_stage else {},
        "blocks": writer.blocks,
        "comments": writer.comments,
        "currentCostume": target.current_costume,
        "costumes": costumes,
        "sounds": [],
        "volume": 100,
        "layerOrder": layer,
    }
    if target.is_stage:
        obj.update({"tempo": 60, "videoTransparency": 50, "videoState": "on", "textToSpeechLanguage": None})
    else:
        assert isinstance(target, Sprite)
        obj.update(
            {
                "visible": target.visible,
                "x": target.x,
                "y": target.y,
                "size": target.size,
                "direction": target.direction,
                "draggable": target.draggable,
                "rotationStyle": "all around",
            }
        )
    return obj


def monitor_json(monitor: Monitor, project: Project) -> dict:
    targets = {t.name: t for t in project.targets()}
    target = targets.get(monitor.target)
    if target is None:
        raise Sb3genError(f"monitor of {monitor.name!r}: no target named {monitor.target!r}")
    if monitor.kind == "list":
        if monitor.name not in target.lists:
            raise Sb3genError(f"monitor: {monitor.target} has no list {monitor.name!r}")
        value = [json_value(v, f"list {monitor.name}") for v in target.lists[monitor.name]]
        opcode, params = "data_listcontents", {"LIST": monitor.name}
    elif monitor.kind == "variable":
        if monitor.name not in target.variables:
            raise Sb3genError(f"monitor: {monitor.target} has no variable {monitor.name!r}")
        value = json_value(target.variables[monitor.name], f"variable {monitor.name}")
        opcode, params = "data_variable", {"VARIABLE": monitor.name}
    else:
        raise Sb3genError(f"monitor kind must be 'variable' or 'list', not {monitor.kind!r}")
    modes = ("list",) if monitor.kind == "list" else ("default", "large", "slider")
    if monitor.mode not in modes:
        raise Sb3genError(f"monitor of {monitor.name!r}: mode {monitor.mode!r} is not one of {modes}")
    entry = {
        "id": variable_id(target.name, monitor.kind, monitor.name),
        "mode": monitor.mode,
        "opcode": opcode,
        "params": params,
        "spriteName": None if target.is_stage else target.name,
        "value": value,
        "width": monitor.width,
        "height": monitor.height,
        "x": monitor.x,
        "y": monitor.y,
        "visible": monitor.visible,
    }
    if monitor.kind != "list":
        entry.update(
            {"sliderMin": monitor.slider_min, "sliderMax": monitor.slider_max, "isDiscrete": monitor.discrete}
        )
    return entry
