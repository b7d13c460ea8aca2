"""project.json -> scratchblocks text (docs/notation.md) for any .sb3; unknown opcodes show `:: unknown`.

The text grows linearly with the project, whatever a hostile one holds: past MAX_INDENT levels a block's depth
is written as a marker (`[depth 30] `) instead of more indentation (a 10,000-deep stack would otherwise print
50 million spaces), and a block that two parents share (Scratch never makes one) is printed once, then named.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sb3gen.errors import Sb3genError
from sb3gen.scratch import opcodes as op
from sb3gen.scratch.opcodes import Kind, Shape
from sb3gen.scratch.serializer import (
    BROADCAST_PRIMITIVE,
    INPUT_SAME_BLOCK_SHADOW,
    LIST_PRIMITIVE,
    NAMED_PRIMITIVES,
    VAR_PRIMITIVE,
)
from sb3gen.scratch.tokens import Group, Word, escape_square, is_number_text, split_line
from sb3gen.untrusted import LIMITS, loads_bounded

INDENT = "  "
MAX_INDENT = LIMITS["show indent levels"]
HEADER_PREFIX = "// === "


def indent(depth: int) -> str:
    """Indentation of a line `depth` levels deep: spaces up to MAX_INDENT, then a marker of the depth."""
    return INDENT * depth if depth <= MAX_INDENT else f"{INDENT * MAX_INDENT}[depth {depth}] "


def target_header(target: dict) -> str:
    return (
        f"{HEADER_PREFIX}Stage ==="
        if target.get("isStage")
        else f"{HEADER_PREFIX}Sprite: {target.get('name')} ==="
    )


def show_project(project_json: dict) -> str:
    """Every script of every target, a `// === Sprite: name ===` header line before each target's scripts."""
    parts = []
    for target in project_json.get("targets", []):
        if not isinstance(target, dict):
            continue
        parts.append(target_header(target))
        parts.append(show_target(target))
    return "\n".join(parts).rstrip("\n") + "\n"


def show_target(target: dict) -> str:
    printer = _Printer(target)
    scripts = []
    for block_id, block in printer.blocks.items():
        if isinstance(block, list):
            if len(block) >= 3 and block[0] in NAMED_PRIMITIVES:
                scripts.append(f"// loose reporter: {printer.primitive(block, Kind.TEXT)}")
            continue
        if isinstance(block, dict) and block.get("topLevel") and not block.get("shadow"):
            scripts.append("\n".join(printer.script(block_id)))
    for comment in printer.comments.values():
        if isinstance(comment, dict) and comment.get("blockId") is None:
            scripts.append("// workspace comment: " + _one_line(comment.get("text", "")))
    return "\n\n".join(scripts) + "\n"


def split_shown(text: str) -> dict[str, str]:
    """Inverse of the headers of show_project: target name -> its scripts' text."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith(HEADER_PREFIX) and line.endswith(" ==="):
            label = line[len(HEADER_PREFIX) : -4]
            name = "Stage" if label == "Stage" else label.removeprefix("Sprite: ")
            current = out.setdefault(name, [])
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines) + "\n" for name, lines in out.items()}


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# zero-input reporters and booleans: a variable with one of these names must be written `(name :: variables)`
_RESERVED = {
    p.lower()
    for e in op.OPCODES.values()
    for p in e.patterns
    if not e.slots and e.shape in (Shape.REPORTER, Shape.BOOLEAN)
}


def _run(call: Generator) -> Any:
    """Drive a printer generator without recursion: a sub-printer is yielded, its result sent back, so
    scripts nested thousands of levels deep (e.g. 250 joins in joins) need no Python stack."""
    stack: list[Generator] = [call]
    value: Any = None
    error: BaseException | None = None
    while True:
        top = stack[-1]
        try:
            if error is not None:
                thrown, error = error, None
                request = top.throw(thrown)
            else:
                request = top.send(value)
        except StopIteration as stop:
            stack.pop()
            if not stack:
                return stop.value
            value = stop.value
            continue
        except Exception as exc:  # handed to the caller's generator, like a normal raise
            stack.pop()
            if not stack:
                raise
            error = exc
            continue
        stack.append(request)
        value = None


class _Printer:
    """Generators throughout (see _run): `x = yield self.method(...)` is a nested call."""

    def __init__(self, target: dict) -> None:
        self.blocks: dict = _as_dict(target.get("blocks"))
        self.comments: dict = _as_dict(target.get("comments"))
        self.arg_names: set[str] = set()  # of the define being printed
        self.open: set[str] = set()  # blocks being printed: meeting one again inside itself is a cycle
        self.shown: set[str] = set()  # blocks printed in this target: each once, so the text stays linear

    # -- stacks
    def script(self, top_id: str) -> list[str]:
        self.arg_names = set()
        self.open = set()
        return _run(self.stack(top_id, 0))

    def stack(self, block_id: str | None, depth: int) -> Generator:
        lines: list[str] = []
        seen = set()
        while isinstance(block_id, str) and block_id in self.blocks:
            if block_id in seen or block_id in self.open:
                note = f"// cycle: block {_one_line(block_id)[:40]} comes again inside itself; the rest"
                lines.append(indent(depth) + note + " of this script is not shown")
                break
            if block_id in self.shown:
                lines.append(indent(depth) + f"// block {_one_line(block_id)[:40]} is shown already (two "
                             "scripts share it); the rest of this script is not shown")
                break
            seen.add(block_id)
            self.shown.add(block_id)
            block = self.blocks[block_id]
            if not isinstance(block, dict):
                break
            self.open.add(block_id)
            try:
                lines.extend((yield self.statement(block, depth)))
            finally:
                self.open.discard(block_id)
            block_id = block.get("next")
        return lines

    def statement(self, block: dict, depth: int) -> Generator:
        """The block's lines; a block too damaged to read prints as a note instead of stopping `show`."""
        try:
            return (yield self._statement(block, depth))
        except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
            opcode = _one_line(block.get("opcode"))
            return [indent(depth) + f"// unreadable block {opcode}: {type(exc).__name__}"]

    def _statement(self, block: dict, depth: int) -> Generator:
        pad = indent(depth)
        opcode = block.get("opcode", "?")
        comment = self._comment(block)
        if opcode == "procedures_definition":
            return [pad + self._define(block) + comment]
        if opcode == "procedures_call":
            return [pad + (yield self._call(block)) + comment]
        spec = op.OPCODES.get(opcode)
        if spec is None or spec.shape in (Shape.REPORTER, Shape.BOOLEAN):
            return (yield self._unknown_statement(block, depth, comment))
        lines = [pad + (yield self.fill(spec, block)) + comment]
        if "SUBSTACK" in spec.slots:
            lines += yield self.stack(self._input_block(block, "SUBSTACK"), depth + 1)
            if opcode == "control_if_else":
                lines.append(pad + "else")
                lines += yield self.stack(self._input_block(block, "SUBSTACK2"), depth + 1)
            lines.append(pad + "end")
        return lines

    def _comment(self, block: dict) -> str:
        key = block.get("comment")
        comment = self.comments.get(key) if isinstance(key, str) else None
        if not isinstance(comment, dict):
            return ""
        return " // " + _one_line(comment.get("text", ""))

    def _unknown_statement(self, block: dict, depth: int, comment: str) -> Generator:
        pad = indent(depth)
        opcode = str(block.get("opcode", "?"))
        parts = [opcode]
        stacks = []
        for name, value in _as_dict(block.get("inputs")).items():
            if name.startswith("SUBSTACK"):
                stacks.append(self._input_block(block, name))
            else:
                parts.append(f"{name} {(yield self.value_of(value, Kind.TEXT))}")
        for name, value in _as_dict(block.get("fields")).items():
            parts.append(f"{name} [{escape_square(str(_field_value(value)))} v]")
        lines = [pad + " ".join(parts) + " :: unknown" + comment]
        for inner in stacks:
            lines += yield self.stack(inner, depth + 1)
            lines.append(pad + "end")
        return lines

    def _input_block(self, block: dict, name: str) -> str | None:
        value = _as_dict(block.get("inputs")).get(name)
        if isinstance(value, list) and len(value) >= 2 and isinstance(value[1], str):
            return value[1]
        return None

    # -- custom blocks
    def _prototype(self, definition: dict) -> dict:
        value = _as_dict(definition.get("inputs")).get("custom_block")
        if isinstance(value, list) and len(value) > 1 and isinstance(value[1], str):
            return _as_dict(self.blocks.get(value[1]))
        return {}

    def _define(self, block: dict) -> str:
        mutation = _as_dict(self._prototype(block).get("mutation"))
        names = _json_list(mutation.get("argumentnames"))
        self.arg_names = {str(n) for n in names}
        parts, index = [], 0
        for word in _proc_words(mutation.get("proccode", "")):
            if word in ("%s", "%b") and index < len(names):
                name = str(names[index])
                parts.append(f"({name})" if word == "%s" else f"<{name}>")
                index += 1
            else:
                parts.append(word)
        warp = " :: warp" if str(mutation.get("warp")).lower() == "true" else ""
        return "define " + " ".join(parts) + warp

    def _call(self, block: dict) -> Generator:
        mutation = _as_dict(block.get("mutation"))
        ids = [i for i in _json_list(mutation.get("argumentids")) if isinstance(i, str)]
        parts, index = [], 0
        for word in _proc_words(mutation.get("proccode", "")):
            if word in ("%s", "%b") and index < len(ids):
                value = _as_dict(block.get("inputs")).get(ids[index])
                kind = Kind.BOOLEAN if word == "%b" else Kind.TEXT
                parts.append((yield self.value_of(value, kind)))
                index += 1
            else:
                parts.append(word)
        return " ".join(parts)

    # -- filling a pattern
    def fill(self, spec: op.Opcode, block: dict) -> Generator:
        out: list[str] = []
        for token in split_line(spec.patterns[0]).tokens:
            if isinstance(token, Word):
                if token.text == "?" and out:
                    out[-1] += "?"
                else:
                    out.append(token.text)
                continue
            out.append((yield self._slot(spec, token, block)))
        return " ".join(out)

    def _slot(self, spec: op.Opcode, token: Group, block: dict) -> Generator:
        name = token.value
        slot = spec.slots[name]
        if slot.kind in op.FIELD_KINDS:
            value = str(_field_value(_as_dict(block.get("fields")).get(name)))
            if slot.kind is Kind.CHOICE_FIELD:
                value = op.shown_choice(slot, value)
            return _dropdown(value, token.bracket)
        value = _as_dict(block.get("inputs")).get(name)
        if slot.kind is Kind.MENU:
            return (yield self._menu(value, slot, token.bracket))
        return (yield self.value_of(value, slot.kind))

    def _menu(self, value: object, slot: op.Slot, bracket: str) -> Generator:
        if not isinstance(value, list) or len(value) < 2:
            return _dropdown("", bracket)
        if value[0] == INPUT_SAME_BLOCK_SHADOW and isinstance(value[1], str):
            shadow = _as_dict(self.blocks.get(value[1]))
            field = _as_dict(shadow.get("fields")).get(slot.menu_field)
            return _dropdown(op.shown_choice(slot, str(_field_value(field))), bracket)
        return (yield self.value_of(value, Kind.TEXT))

    def value_of(self, value: object, kind: Kind) -> Generator:
        """An input array ([1|2|3, ...]) in a slot of this kind."""
        if not isinstance(value, list) or len(value) < 2:
            return _empty(kind)
        item = value[1]
        if item is None:
            return _empty(kind)
        if isinstance(item, list):
            return self.primitive(item, kind)
        block = self.blocks.get(item) if isinstance(item, str) else None
        if not isinstance(block, dict | list):
            return _empty(kind)
        if item in self.open:
            return f"(cycle: block {_one_line(item)[:40]} inside itself :: unknown)"
        if item in self.shown:
            return f"(block {_one_line(item)[:40]} shown already :: unknown)"
        self.shown.add(item)
        if isinstance(block, list):
            return self.primitive(block, kind)
        self.open.add(item)
        try:
            return (yield self.reporter(block, kind))
        except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
            return f"(unreadable {_one_line(block.get('opcode'))} {type(exc).__name__} :: unknown)"
        finally:
            self.open.discard(item)

    def primitive(self, item: list, kind: Kind) -> str:
        if not item:
            return _empty(kind)
        code = item[0]
        if code == BROADCAST_PRIMITIVE and len(item) >= 2:
            return _dropdown(str(item[1]), "[")
        if code == VAR_PRIMITIVE and len(item) >= 2:
            return self._variable(str(item[1]))
        if code == LIST_PRIMITIVE and len(item) >= 2:
            return f"({item[1]} :: list)"
        return _literal(str(item[1]) if len(item) > 1 else "", kind)

    def _variable(self, name: str) -> str:
        plain = (
            name.lower() not in _RESERVED
            and name not in self.arg_names
            and not is_number_text(name)
            and not any(c in name for c in "()[]<>:\\")
            and name.strip() == name
        )
        return f"({name})" if plain else f"({name} :: variables)"

    def reporter(self, block: dict, kind: Kind) -> Generator:
        opcode = str(block.get("opcode", "?"))
        fields = _as_dict(block.get("fields"))
        if opcode in op.PRIMITIVE_OPCODES:  # an unpacked shadow, e.g. {"opcode": "math_number", ...}
            field = next(iter(fields.values()), ["", None])
            if opcode == "event_broadcast_menu":
                return _dropdown(str(_field_value(field)), "[")
            return _literal(str(_field_value(field)), kind)
        if opcode in op.MENU_OPCODES:
            return _dropdown(str(_field_value(fields.get(op.MENU_OPCODES[opcode]))), "[")
        if opcode == "data_variable":
            return self._variable(str(_field_value(fields.get("VARIABLE"))))
        if opcode == "data_listcontents":
            return f"({_field_value(fields.get('LIST'))} :: list)"
        if opcode == "argument_reporter_string_number":
            return f"({_field_value(fields.get('VALUE'))})"
        if opcode == "argument_reporter_boolean":
            return f"<{_field_value(fields.get('VALUE'))}>"
        spec = op.OPCODES.get(opcode)
        if spec is None or spec.shape not in (Shape.REPORTER, Shape.BOOLEAN):
            inner = [opcode]
            for n, v in _as_dict(block.get("inputs")).items():
                inner.append(f"{n} {(yield self.value_of(v, Kind.TEXT))}")
            inner += [f"{n} [{escape_square(str(_field_value(v)))} v]" for n, v in fields.items()]
            return f"({' '.join(inner)} :: unknown)"
        text = yield self.fill(spec, block)
        return f"<{text}>" if spec.shape is Shape.BOOLEAN else f"({text})"


def _as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _field_value(field: object) -> object:
    if isinstance(field, list) and field:
        return field[0]
    return "" if field is None else field


def _dropdown(value: str, bracket: str) -> str:
    if bracket == "(":
        return f"({value} v)"
    return f"[{escape_square(value)} v]"


def _literal(text: str, kind: Kind) -> str:
    if kind is Kind.BOOLEAN:
        return "<>"
    if kind is not Kind.COLOUR and is_number_text(text) and text != "":
        return f"({text})"
    if kind in op.NUMERIC_KINDS and text == "":
        return "()"
    return f"[{escape_square(text)}]"


def _empty(kind: Kind) -> str:
    if kind is Kind.BOOLEAN:
        return "<>"
    if kind in op.NUMERIC_KINDS:
        return "()"
    return "[]"


def _json_list(text: object) -> list:
    """A mutation's argument list (JSON text inside project.json); anything else, or nested, is no list."""
    try:
        value = loads_bounded(text, "a mutation", max_depth=2) if isinstance(text, str) else []
    except Sb3genError:
        return []
    return value if isinstance(value, list) else []


def _proc_words(proccode: object) -> list[str]:
    return proccode.split() if isinstance(proccode, str) else []
