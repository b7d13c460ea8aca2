"""scratchblocks text -> blocks (ir.Block), resolved against one target's variables, lists and custom blocks.

Every failure names the origin (template), the line and the text: no guessing, no silent fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sb3gen.scratch import opcodes as op
from sb3gen.scratch.errors import TemplateError
from sb3gen.scratch.ir import Block, Literal, MenuValue, Procedure, Script
from sb3gen.scratch.opcodes import Kind, Shape
from sb3gen.scratch.tokens import (
    Group,
    Token,
    TokenError,
    Word,
    is_number_text,
    signature,
    split_annotations,
    split_line,
)

COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")  # what scratch-parser accepts


class ReadError(ValueError):
    """Why one line could not be read (the caller adds where)."""


@dataclass
class Scope:
    """Names a target's scripts can use."""

    target: str
    is_stage: bool
    variables: set[str]  # own
    lists: set[str]
    stage_variables: set[str]
    stage_lists: set[str]
    costumes: list[str]
    backdrops: list[str]
    broadcasts: set[str] = field(default_factory=set)  # filled while parsing (shared by all targets)
    procedures: dict[tuple, tuple[Procedure, list[Token]]] = field(default_factory=dict)  # signature -> def

    def has_variable(self, name: str) -> bool:
        return name in self.variables or name in self.stage_variables

    def has_list(self, name: str) -> bool:
        return name in self.lists or name in self.stage_lists


@dataclass
class SourceLine:
    text: str
    number: int  # 1-based line in the rendered text
    origin: str


def _patterns() -> dict[tuple, list[tuple[op.Opcode, list[Token]]]]:
    index: dict[tuple, list[tuple[op.Opcode, list[Token]]]] = {}
    for entry in op.OPCODES.values():
        if entry.opcode in ("data_variable", "data_listcontents", "control_if_else"):
            continue  # written as (name), (name :: list) and if/else/end
        for pattern in entry.patterns:
            tokens = split_line(pattern).tokens
            index.setdefault(signature(tokens), []).append((entry, tokens))
    return index


PATTERNS = _patterns()


def slot_name(group: Group) -> str:
    return group.value


# ---------------------------------------------------------------- definitions (first pass)


def read_definition(
    tokens: list[Token], annotations: list[str], target: str
) -> tuple[Procedure, list[Token]]:
    """`define label (arg) <flag> :: warp` -> Procedure and its call pattern (words + groups)."""
    parts: list[str] = []
    names: list[str] = []
    kinds: list[str] = []
    for tok in tokens[1:]:
        if isinstance(tok, Word):
            parts.append(tok.text)
        elif tok.bracket in "(<":
            kinds.append("s" if tok.bracket == "(" else "b")
            names.append(tok.raw.strip())
            parts.append("%" + kinds[-1])
        else:
            raise ReadError("a define takes (number/text) and <boolean> arguments, not [square] ones")
    if not parts:
        raise ReadError("a define needs a label")
    if not any(isinstance(t, Word) for t in tokens[1:]):
        raise ReadError("a custom block needs at least one word in its label")
    if len(set(names)) != len(names):
        raise ReadError("two arguments of a custom block have the same name")
    unknown = [a for a in annotations if a != "warp"]
    if unknown:
        raise ReadError(f"unknown annotation ':: {' '.join(unknown)}' on define (only ':: warp')")
    proc = Procedure(" ".join(parts), names, kinds, "warp" in annotations, target)
    return proc, tokens[1:]


# ---------------------------------------------------------------- reading blocks


class BlockReader:
    """Reads lines and groups into Blocks within one target's Scope."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.definition: Procedure | None = None  # the define whose body is being read

    # -- a stack line
    def stack_block(self, tokens: list[Token], annotations: list[str]) -> Block:
        if annotations:
            raise ReadError(f"unknown annotation ':: {' '.join(annotations)}' on a stack block")
        if not tokens:
            raise ReadError("empty block")
        sig = signature(tokens)
        candidates = [
            (e, p) for e, p in PATTERNS.get(sig, []) if e.shape not in (Shape.REPORTER, Shape.BOOLEAN)
        ]
        if candidates:
            return self._from_candidates(tokens, candidates)
        if sig in self.scope.procedures:
            return self._call(tokens, *self.scope.procedures[sig])
        raise ReadError(self._no_block_message(tokens, stack=True))

    def _no_block_message(self, tokens: list[Token], stack: bool) -> str:
        words = [t.text.lower() for t in tokens if isinstance(t, Word)]
        for proc, pattern in self.scope.procedures.values():
            if stack and [t.text.lower() for t in pattern if isinstance(t, Word)] == words:
                given = sum(isinstance(t, Group) for t in tokens)
                return (
                    f"custom block '{proc.proccode}' takes {len(proc.arg_names)} argument(s), {given} given"
                )
        shape_word = "stack block or custom block" if stack else "reporter"
        return f"no {shape_word} has this text (see docs/notation.md and sb3gen/scratch/opcodes.py)"

    def _from_candidates(self, tokens: list[Token], candidates: list[tuple[op.Opcode, list[Token]]]) -> Block:
        problems = []
        for entry, pattern in candidates:
            mismatch = self._slot_mismatch(entry, pattern, tokens)
            if mismatch is None:
                return self._build(entry, pattern, tokens)
            problems.append(f"{entry.opcode}: {mismatch}")
        raise ReadError("; ".join(problems))

    def _slot_mismatch(self, entry: op.Opcode, pattern: list[Token], tokens: list[Token]) -> str | None:
        for want, got in zip(pattern, tokens, strict=True):
            if isinstance(want, Word):
                continue
            slot = entry.slots[slot_name(want)]
            assert isinstance(got, Group)
            if not _fits(slot, got):
                return f"slot {slot_name(want)} ({slot.kind.value}) cannot hold {_show_group(got)}"
        return None

    def _build(self, entry: op.Opcode, pattern: list[Token], tokens: list[Token]) -> Block:
        if entry.sprite_only and self.scope.is_stage:
            raise ReadError(f"'{entry.patterns[0]}' does not exist on the Stage")
        block = Block(entry.opcode)
        for want, got in zip(pattern, tokens, strict=True):
            if isinstance(want, Word):
                continue
            name = slot_name(want)
            assert isinstance(got, Group)
            self._fill(block, name, entry.slots[name], got)
        return block

    def _fill(self, block: Block, name: str, slot: op.Slot, got: Group) -> None:
        kind = slot.kind
        if kind in op.PRIMITIVE_KINDS:
            value = self._value(got)
            if kind is Kind.COLOUR and isinstance(value, Literal) and not COLOUR_RE.match(value.text):
                raise ReadError(f"a colour is written [#rrggbb], not {_show_group(got)}")
            block.inputs[name] = value
        elif kind is Kind.BOOLEAN:
            if got.children:
                block.inputs[name] = self.boolean(got)
        elif kind is Kind.VARIABLE_FIELD:
            var = got.value
            if not self.scope.has_variable(var):
                raise ReadError(f"unknown variable '{var}' in {self.scope.target}")
            block.fields[name] = var
        elif kind is Kind.LIST_FIELD:
            lst = got.value
            if not self.scope.has_list(lst):
                raise ReadError(f"unknown list '{lst}' in {self.scope.target}")
            block.fields[name] = lst
        elif kind is Kind.BROADCAST_FIELD:
            self._broadcast_name(got.value)
            block.fields[name] = got.value
        elif kind is Kind.CHOICE_FIELD:
            block.fields[name] = self._choice(slot, got.value)
        elif kind is Kind.BROADCAST_MENU:
            if _is_dropdown(got):
                self._broadcast_name(got.value)
                block.inputs[name] = MenuValue(got.value)
            else:
                block.inputs[name] = self.reporter(got)
        elif kind is Kind.MENU:
            if _is_dropdown(got):
                value = self._choice(slot, got.value)
                names = {"costume": self.scope.costumes, "backdrop": self.scope.backdrops}.get(
                    slot.costume_names or ""
                )
                if names is not None and value not in names:
                    raise ReadError(f"no {slot.costume_names} named '{value}' (have: {', '.join(names)})")
                block.inputs[name] = MenuValue(value)
            else:
                block.inputs[name] = self.reporter(got)
        else:  # pragma: no cover - SUBSTACK never appears in a pattern
            raise AssertionError(kind)

    def _broadcast_name(self, name: str) -> None:
        if not name:
            raise ReadError("empty broadcast name")
        self.scope.broadcasts.add(name)

    @staticmethod
    def _choice(slot: op.Slot, shown: str) -> str:
        stored = op.stored_choice(slot, shown)
        if stored is None:
            raise ReadError(f"'{shown}' is not one of: {', '.join(slot.choices or {})}")
        return stored

    def _value(self, got: Group) -> object:
        """A number/text slot: a literal, a reporter or a boolean."""
        if got.bracket == "[":
            return Literal(got.raw)
        if got.bracket == "<":  # an empty <> leaves the slot's own (empty) value
            return self.boolean(got) if got.children else Literal("")
        text = got.raw.strip()
        if is_number_text(text):
            return Literal(text)
        return self.reporter(got)

    # -- reporters and booleans
    def reporter(self, group: Group) -> Block:
        if group.bracket == "<":
            return self.boolean(group)
        if group.bracket == "[":
            raise ReadError(f"{_show_group(group)} is not a reporter")
        tokens, annotations = split_annotations(group.children)
        name = _plain_text(group.raw)
        if annotations == ["list"]:
            if not self.scope.has_list(name):
                raise ReadError(f"unknown list '{name}' in {self.scope.target}")
            return Block("data_listcontents", fields={"LIST": name})
        if annotations == ["variables"]:
            if not self.scope.has_variable(name):
                raise ReadError(f"unknown variable '{name}' in {self.scope.target}")
            return Block("data_variable", fields={"VARIABLE": name})
        if annotations:
            raise ReadError(
                f"unknown annotation ':: {' '.join(annotations)}' (use ':: list' or ':: variables')"
            )
        candidates = [(e, p) for e, p in PATTERNS.get(signature(tokens), []) if e.shape is Shape.REPORTER]
        if candidates:
            return self._from_candidates(tokens, candidates)
        if self.definition is not None and name in self.definition.arg_names:
            if self.definition.arg_kinds[self.definition.arg_names.index(name)] != "s":
                raise ReadError(f"'{name}' is a boolean argument: write <{name}>")
            return Block("argument_reporter_string_number", fields={"VALUE": name})
        if self.scope.has_variable(name):
            return Block("data_variable", fields={"VARIABLE": name})
        if any(isinstance(t, Group) for t in tokens) or any(
            isinstance(t, Word) and t.text in "+-*/" for t in tokens
        ):
            raise ReadError(f"no reporter has the text ({group.raw})")
        raise ReadError(f"unknown variable, argument or reporter ({group.raw}) in {self.scope.target}")

    def boolean(self, group: Group) -> Block:
        tokens, annotations = split_annotations(group.children)
        if annotations:
            raise ReadError(f"unknown annotation ':: {' '.join(annotations)}' in <{group.raw}>")
        candidates = [(e, p) for e, p in PATTERNS.get(signature(tokens), []) if e.shape is Shape.BOOLEAN]
        if candidates:
            return self._from_candidates(tokens, candidates)
        name = _plain_text(group.raw)
        if self.definition is not None and name in self.definition.arg_names:
            if self.definition.arg_kinds[self.definition.arg_names.index(name)] != "b":
                raise ReadError(f"'{name}' is a number/text argument: write ({name})")
            return Block("argument_reporter_boolean", fields={"VALUE": name})
        raise ReadError(f"no boolean block or boolean argument has the text <{group.raw}>")

    # -- custom block calls
    def _call(self, tokens: list[Token], proc: Procedure, pattern: list[Token]) -> Block:
        block = Block("procedures_call", procedure=proc)
        arg_ids = proc.arg_ids
        index = 0
        for want, got in zip(pattern, tokens, strict=True):
            if isinstance(want, Word):
                continue
            assert isinstance(got, Group)
            kind = proc.arg_kinds[index]
            if kind == "b":
                if got.bracket != "<":
                    raise ReadError(
                        f"argument <{proc.arg_names[index]}> of '{proc.proccode}' takes a <boolean>,"
                        f" not {_show_group(got)}"
                    )
                if got.children:
                    block.inputs[arg_ids[index]] = self.boolean(got)
            else:
                value = self._value(got)
                block.inputs[arg_ids[index]] = value if value is not None else Literal("")
            index += 1
        return block


def _plain_text(raw: str) -> str:
    return raw.split("::")[0].strip()


def _is_dropdown(group: Group) -> bool:
    return (group.bracket == "[" and group.dropdown) or group.round_dropdown


def _fits(slot: op.Slot, got: Group) -> bool:
    kind = slot.kind
    if kind in op.PRIMITIVE_KINDS:
        return not (got.bracket == "[" and got.dropdown)
    if kind is Kind.BOOLEAN:
        return got.bracket == "<"
    if kind in op.FIELD_KINDS:
        return _is_dropdown(got)
    if kind in (Kind.MENU, Kind.BROADCAST_MENU):
        return _is_dropdown(got) or got.bracket in "(<"
    return False


def _show_group(group: Group) -> str:
    return {"(": f"({group.raw})", "[": f"[{group.raw}]", "<": f"<{group.raw}>"}[group.bracket]


# ---------------------------------------------------------------- scripts


@dataclass
class _Open:
    block: Block
    substack: str  # "SUBSTACK" or "SUBSTACK2"
    body: list[Block]
    outer: list[Block]
    line: SourceLine


class ScriptReader:
    """Turns the lines of one target's sources into scripts."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.reader = BlockReader(scope)

    def collect_definitions(self, lines: list[SourceLine]) -> None:
        for line in lines:
            if not line.text.strip().startswith("define"):
                continue
            parsed = self._split(line)
            if not parsed.tokens or parsed.tokens[0] != Word("define"):
                continue
            try:
                proc, pattern = read_definition(parsed.tokens, parsed.annotations, self.scope.target)
                sig = signature(pattern)
                if sig in PATTERNS:
                    raise ReadError(f"custom block '{proc.proccode}' has the same text as a Scratch block")
                if sig in self.scope.procedures:
                    raise ReadError(f"custom block '{proc.proccode}' is defined twice in {self.scope.target}")
            except ReadError as exc:
                raise located(line, str(exc)) from None
            self.scope.procedures[sig] = (proc, pattern)

    def read_scripts(self, lines: list[SourceLine]) -> list[Script]:
        scripts: list[Script] = []
        current: list[Block] | None = None  # the stack being appended to
        script: Script | None = None
        opened: list[_Open] = []
        last_shape: Shape | None = None
        for line in lines:
            stripped = line.text.strip()
            if not stripped:
                if not opened:
                    current = script = None
                continue
            if stripped.startswith("//"):
                continue
            try:
                parsed = self._split(line)
                words = [t.text for t in parsed.tokens if isinstance(t, Word)]
                is_keyword = len(parsed.tokens) == 1 and words and words[0] in ("end", "else")
                if is_keyword and words[0] == "end":
                    if not opened:
                        raise ReadError("'end' without an open repeat/if/forever")
                    top = opened.pop()
                    if top.body:
                        top.block.inputs[top.substack] = top.body
                    current = top.outer
                    last_shape = op.OPCODES[top.block.opcode].shape
                    if top.block.opcode == "control_forever":
                        last_shape = Shape.CAP
                    continue
                if is_keyword and words[0] == "else":
                    if (
                        not opened
                        or opened[-1].block.opcode not in ("control_if",)
                        or opened[-1].substack != "SUBSTACK"
                    ):
                        raise ReadError("'else' without an open 'if <> then'")
                    top = opened[-1]
                    top.block.opcode = "control_if_else"
                    if top.body:
                        top.block.inputs["SUBSTACK"] = top.body
                    top.substack, top.body = "SUBSTACK2", []
                    current = top.body
                    last_shape = None
                    continue
                if parsed.tokens and parsed.tokens[0] == Word("define"):
                    if script is not None:
                        raise ReadError("'define' must start a script (leave a blank line before it)")
                    proc, pattern = read_definition(parsed.tokens, parsed.annotations, self.scope.target)
                    block = Block(
                        "procedures_definition",
                        procedure=self.scope.procedures[signature(pattern)][0],
                        comment=parsed.comment,
                    )
                    self.reader.definition = block.procedure
                    script = [block]
                    scripts.append(script)
                    current, last_shape = script, Shape.HAT
                    continue
                block = self.reader.stack_block(parsed.tokens, parsed.annotations)
                block.comment = parsed.comment
                shape = op.OPCODES[block.opcode].shape if block.opcode in op.OPCODES else Shape.STACK
                if shape is Shape.HAT:
                    if script is not None:
                        raise ReadError("a hat block must start a script (leave a blank line before it)")
                    self.reader.definition = None
                if script is None:
                    if shape is not Shape.HAT:
                        self.reader.definition = None
                    script = []
                    scripts.append(script)
                    current = script
                elif last_shape is Shape.CAP:
                    raise ReadError("no block can follow a cap block (forever, stop, delete this clone)")
                assert current is not None
                current.append(block)
                last_shape = shape
                if block.opcode == "control_stop" and block.fields["STOP_OPTION"].startswith("other"):
                    last_shape = Shape.STACK
                if block.opcode in (
                    "control_repeat",
                    "control_forever",
                    "control_if",
                    "control_repeat_until",
                ):
                    opened.append(_Open(block, "SUBSTACK", [], current, line))
                    current = opened[-1].body
                    last_shape = None
            except ReadError as exc:
                raise located(line, str(exc)) from None
        if opened:
            raise located(opened[-1].line, "this block is never closed with 'end'")
        return scripts

    @staticmethod
    def _split(line: SourceLine):
        try:
            return split_line(line.text)
        except TokenError as exc:
            raise located(line, str(exc)) from None


# ---------------------------------------------------------------- error locations


def located(line: SourceLine, why: str) -> TemplateError:
    """TemplateError naming the origin, the template line (when the text is found there) and the text."""
    from sb3gen.scratch.templates import find_template_line  # late: avoids importing jinja for `show`

    where = find_template_line(line.origin, line.text.strip())
    if where is not None:
        path, template_line = where
        place = f"{path} line {template_line} (rendered line {line.number})"
    else:
        place = f"{line.origin} line {line.number}"
    return TemplateError(f'{place}: cannot read "{line.text.strip()}": {why}')


def source_lines(text: str, origin: str) -> list[SourceLine]:
    return [SourceLine(t, i + 1, origin) for i, t in enumerate(text.splitlines())]
