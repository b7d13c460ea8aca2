"""Structural checker of project.json: what scratch-parser (schema only) does not check.

Every generated project passes through it; a failure is a compiler bug and stops the build.
"""

from __future__ import annotations

from sb3gen.errors import Sb3genError
from sb3gen.scratch import opcodes as op
from sb3gen.scratch.errors import CompilerBug
from sb3gen.scratch.serializer import (
    BROADCAST_PRIMITIVE,
    INPUT_CODES,
    INPUT_DIFF_BLOCK_SHADOW,
    INPUT_SAME_BLOCK_SHADOW,
    LIST_PRIMITIVE,
    NAMED_PRIMITIVES,
    VALUE_PRIMITIVES,
    VAR_PRIMITIVE,
)

BLOCK_KEYS = ("opcode", "next", "parent", "inputs", "fields", "shadow", "topLevel")
PROTOTYPE_MUTATION_KEYS = ("proccode", "argumentids", "argumentnames", "argumentdefaults", "warp")


def check_project(project_json: dict) -> None:
    """Raise CompilerBug listing every structural problem found (nothing returned when all is well)."""
    problems: list[str] = []
    targets = project_json.get("targets", [])
    if not targets or not targets[0].get("isStage"):
        problems.append("the first target must be the Stage")
    stage = targets[0] if targets else {}
    names = [t.get("name") for t in targets]
    if len(set(names)) != len(names):
        problems.append(f"target names are not unique: {names}")
    broadcasts = dict(stage.get("broadcasts", {}))
    for target in targets:
        _TargetCheck(target, stage, broadcasts, problems).run()
    _check_monitors(project_json, problems)
    if problems:
        shown = problems[:30]
        more = f" (and {len(problems) - 30} more)" if len(problems) > 30 else ""
        raise CompilerBug(f"structural check failed ({len(problems)} problems){more}: " + "; ".join(shown))


def _check_monitors(project_json: dict, problems: list[str]) -> None:
    ids = set()
    for target in project_json.get("targets", []):
        ids |= set(target.get("variables", {})) | set(target.get("lists", {}))
    for monitor in project_json.get("monitors", []):
        if monitor.get("id") not in ids:
            problems.append(f"monitor {monitor.get('id')} refers to no variable or list")


class _TargetCheck:
    def __init__(self, target: dict, stage: dict, broadcasts: dict, problems: list[str]) -> None:
        self.target = target
        self.name = target.get("name")
        self.blocks: dict = target.get("blocks", {})
        self.problems = problems
        self.variables = {**stage.get("variables", {}), **target.get("variables", {})}
        self.lists = {**stage.get("lists", {}), **target.get("lists", {})}
        self.broadcasts = broadcasts
        self.prototypes: dict[str, dict] = {}  # proccode -> mutation
        self._tops: dict[str, str | None] = {}  # block -> the top of its parent chain (see _top)

    def bad(self, block_id: str, what: str) -> None:
        self.problems.append(f"{self.name} block {block_id}: {what}")

    def run(self) -> None:
        for key in ("variables", "lists", "broadcasts", "blocks", "comments", "costumes", "sounds"):
            if key not in self.target:
                self.problems.append(f"{self.name}: missing '{key}'")
        if not self.target.get("costumes"):
            self.problems.append(f"{self.name}: needs at least one costume")
        for block_id, block in self.blocks.items():
            if isinstance(block, dict) and block.get("opcode") == "procedures_prototype":
                proccode = block.get("mutation", {}).get("proccode")
                if proccode in self.prototypes:
                    self.bad(block_id, f"custom block '{proccode}' defined twice")
                self.prototypes[proccode] = block.get("mutation", {})
        for block_id, block in self.blocks.items():
            if isinstance(block, list):
                self._primitive(block_id, block, top_level=True)
            else:
                self._block(block_id, block)
        for comment_id, comment in self.target.get("comments", {}).items():
            block_id = comment.get("blockId")
            if block_id is not None:
                if block_id not in self.blocks:
                    self.problems.append(f"{self.name} comment {comment_id}: block {block_id} does not exist")
                elif self.blocks[block_id].get("comment") != comment_id:
                    self.problems.append(
                        f"{self.name} comment {comment_id}: block {block_id} does not point back"
                    )

    # -- references
    def _primitive(self, where: str, value: list, top_level: bool = False) -> None:
        code = value[0] if value else None
        if code in VALUE_PRIMITIVES:
            if len(value) != 2 or not isinstance(value[1], str | int | float):
                self.bad(where, f"malformed primitive {value}")
        elif code == BROADCAST_PRIMITIVE:
            self._named(where, "broadcast", self.broadcasts, value)
        elif code == VAR_PRIMITIVE:
            self._named(where, "variable", self.variables, value)
        elif code == LIST_PRIMITIVE:
            self._named(where, "list", self.lists, value)
        else:
            self.bad(where, f"unknown primitive {value}")
        if top_level and (code not in NAMED_PRIMITIVES or len(value) < 5):
            self.bad(where, "top-level primitive must be a variable or list with x and y")

    def _named(self, where: str, kind: str, table: dict, value: list) -> None:
        if len(value) < 3:
            self.bad(where, f"malformed {kind} reference {value}")
            return
        name, ident = value[1], value[2]
        if ident not in table:
            self.bad(where, f"{kind} id {ident} ({name!r}) does not exist")
            return
        entry = table[ident]
        actual = entry if kind == "broadcast" else entry[0]
        if actual != name:
            self.bad(where, f"{kind} id {ident} is named {actual!r}, not {name!r}")

    def _child(self, block_id: str, child: object, input_name: str) -> None:
        if child is None:
            return
        if isinstance(child, list):
            self._primitive(f"{block_id}.{input_name}", child)
            return
        if child not in self.blocks:
            self.bad(block_id, f"input {input_name} refers to missing block {child}")
            return
        child_block = self.blocks[child]
        if isinstance(child_block, dict) and child_block.get("parent") != block_id:
            self.bad(block_id, f"input {input_name}: block {child} has parent {child_block.get('parent')}")

    # -- blocks
    def _block(self, block_id: str, block: dict) -> None:
        missing = [k for k in BLOCK_KEYS if k not in block]
        if missing:
            self.bad(block_id, f"missing keys {missing}")
            return
        opcode = block["opcode"]
        if opcode not in op.KNOWN_OPCODES:
            self.bad(block_id, f"opcode {opcode} is not in the opcode table")
        self._links(block_id, block)
        for name, value in block["inputs"].items():
            if (
                not isinstance(value, list)
                or value[0] not in INPUT_CODES
                or len(value) != (3 if value[0] == INPUT_DIFF_BLOCK_SHADOW else 2)
            ):
                self.bad(block_id, f"input {name} is malformed: {value}")
                continue
            self._child(block_id, value[1], name)
            if value[0] == INPUT_DIFF_BLOCK_SHADOW:
                self._child(block_id, value[2], name)
            if value[0] == INPUT_SAME_BLOCK_SHADOW and isinstance(value[1], str) and value[1] in self.blocks:
                if not self.blocks[value[1]].get("shadow"):
                    self.bad(block_id, f"input {name} [1, id] must hold a shadow block")
        if opcode in op.OPCODES:
            self._slots(block_id, block, op.OPCODES[opcode])
        elif opcode in op.MENU_OPCODES and op.MENU_OPCODES[opcode] not in block["fields"]:
            self.bad(block_id, f"menu {opcode} has no field {op.MENU_OPCODES[opcode]}")
        elif opcode == "procedures_definition":
            self._definition(block_id, block)
        elif opcode == "procedures_prototype":
            self._prototype(block_id, block)
        elif opcode == "procedures_call":
            self._call(block_id, block)
        elif opcode.startswith("argument_reporter_"):
            self._argument(block_id, block)
        if "comment" in block and block["comment"] not in self.target.get("comments", {}):
            self.bad(block_id, f"comment {block['comment']} does not exist")

    def _links(self, block_id: str, block: dict) -> None:
        nxt, parent = block["next"], block["parent"]
        if nxt is not None:
            if nxt not in self.blocks:
                self.bad(block_id, f"next {nxt} does not exist")
            elif self.blocks[nxt].get("parent") != block_id:
                self.bad(block_id, f"next {nxt} has parent {self.blocks[nxt].get('parent')}")
        if block["topLevel"]:
            if parent is not None:
                self.bad(block_id, "top-level block has a parent")
            if not isinstance(block.get("x"), int | float) or not isinstance(block.get("y"), int | float):
                self.bad(block_id, "top-level block needs x and y")
        elif parent is None:
            self.bad(block_id, "block without parent is not top-level")
        elif parent not in self.blocks:
            self.bad(block_id, f"parent {parent} does not exist")
        else:
            p = self.blocks[parent]
            held = p.get("next") == block_id or any(
                isinstance(v, list) and block_id in v[1:] for v in p.get("inputs", {}).values()
            )
            if not held:
                self.bad(block_id, f"parent {parent} neither continues to it nor holds it in an input")

    def _slots(self, block_id: str, block: dict, spec: op.Opcode) -> None:
        for name, slot in spec.slots.items():
            if slot.kind in op.FIELD_KINDS:
                value = block["fields"].get(name)
                if not isinstance(value, list) or len(value) != 2:
                    self.bad(block_id, f"field {name} missing or malformed")
                    continue
                table = {
                    op.Kind.VARIABLE_FIELD: ("variable", self.variables),
                    op.Kind.LIST_FIELD: ("list", self.lists),
                    op.Kind.BROADCAST_FIELD: ("broadcast", self.broadcasts),
                }.get(slot.kind)
                if table is not None:
                    self._named(block_id, table[0], table[1], [0, value[0], value[1]])
                elif slot.choices is not None and op.stored_choice(slot, value[0]) is None:
                    self.bad(block_id, f"field {name} value {value[0]!r} is not a valid choice")
        allowed = {n for n, s in spec.slots.items() if s.kind not in op.FIELD_KINDS}
        extra = set(block["inputs"]) - allowed
        if extra:
            self.bad(block_id, f"unknown inputs {sorted(extra)} for {spec.opcode}")
        for name, slot in spec.slots.items():
            if slot.kind is op.Kind.MENU and name in block["inputs"]:
                shadow = block["inputs"][name][-1]
                if (
                    not isinstance(shadow, str)
                    or self.blocks.get(shadow, {}).get("opcode") != slot.menu_opcode
                ):
                    self.bad(block_id, f"input {name} needs a {slot.menu_opcode} shadow")

    def _mutation_lists(self, block_id: str, mutation: dict, keys: tuple[str, ...]) -> dict[str, list] | None:
        out = {}
        for key in keys:
            value = mutation_list(mutation.get(key))
            if value is None:
                self.bad(block_id, f"mutation {key} missing or not a JSON list")
                return None
            out[key] = value
        return out

    def _prototype(self, block_id: str, block: dict) -> None:
        mutation = block.get("mutation", {})
        missing = [k for k in PROTOTYPE_MUTATION_KEYS if k not in mutation]
        if missing or mutation.get("tagName") != "mutation" or mutation.get("warp") not in ("true", "false"):
            self.bad(block_id, f"prototype mutation incomplete (missing {missing})")
            return
        lists = self._mutation_lists(block_id, mutation, ("argumentids", "argumentnames", "argumentdefaults"))
        if lists is None:
            return
        count = mutation["proccode"].count("%s") + mutation["proccode"].count("%b")
        if (
            not len(lists["argumentids"])
            == len(lists["argumentnames"])
            == len(lists["argumentdefaults"])
            == count
        ):
            self.bad(block_id, "prototype argument lists do not match the proccode")
        if set(block["inputs"]) != set(lists["argumentids"]):
            self.bad(block_id, "prototype inputs are not its argumentids")
        parent = self.blocks.get(block["parent"], {})
        if parent.get("opcode") != "procedures_definition":
            self.bad(block_id, "prototype is not inside a procedures_definition")

    def _definition(self, block_id: str, block: dict) -> None:
        proto = block["inputs"].get("custom_block", [None, None])[1]
        if not isinstance(proto, str) or self.blocks.get(proto, {}).get("opcode") != "procedures_prototype":
            self.bad(block_id, "procedures_definition without a procedures_prototype")

    def _call(self, block_id: str, block: dict) -> None:
        mutation = block.get("mutation", {})
        proccode = mutation.get("proccode")
        if proccode not in self.prototypes:
            self.bad(block_id, f"call of '{proccode}' matches no definition in {self.name}")
            return
        if mutation.get("argumentids") != self.prototypes[proccode].get("argumentids"):
            self.bad(block_id, f"call of '{proccode}' has argumentids unlike its definition")
        lists = self._mutation_lists(block_id, mutation, ("argumentids",))
        if lists is not None and not set(block["inputs"]) <= set(lists["argumentids"]):
            self.bad(block_id, f"call of '{proccode}' has inputs that are not its arguments")

    def _argument(self, block_id: str, block: dict) -> None:
        name = block.get("fields", {}).get("VALUE", [None])[0]
        if block.get("shadow"):
            parent = self.blocks.get(block["parent"], {})
            if parent.get("opcode") != "procedures_prototype":
                self.bad(block_id, "argument shadow outside a prototype")
            return
        top = self._top(block_id)
        if top is None or self.blocks[top].get("opcode") != "procedures_definition":
            self.bad(block_id, f"argument reporter ({name}) used outside a custom block definition")
            return
        proto = self.blocks.get(self.blocks[top]["inputs"].get("custom_block", [None, None])[1], {})
        mutation = proto.get("mutation", {})
        names = mutation_list(mutation.get("argumentnames", "[]"))
        if names is None:
            return  # reported on the prototype
        kinds = [part[1] for part in mutation.get("proccode", "").split() if part in ("%s", "%b")]
        want = "b" if block["opcode"] == "argument_reporter_boolean" else "s"
        if not any(n == name and k == want for n, k in zip(names, kinds, strict=False)):
            self.bad(
                block_id,
                f"argument reporter ({name}) is not a {want} argument of '{mutation.get('proccode')}'",
            )

    def _top(self, block_id: str) -> str | None:
        """The top block of a block's parent chain (None: it loops or breaks). Every block on the way is
        remembered, so all the argument reporters of a 50,000-block stack cost one walk, not 50,000."""
        path, seen, top = [], set(), None
        while block_id is not None:
            if block_id in self._tops:
                top = self._tops[block_id]
                break
            if block_id in seen or block_id not in self.blocks:
                self.bad(block_id, "parent chain loops or breaks")
                break
            seen.add(block_id)
            path.append(block_id)
            parent = self.blocks[block_id].get("parent")
            if parent is None:
                top = block_id
                break
            block_id = parent
        for step in path:
            self._tops[step] = top
        return top


def mutation_list(text: object) -> list | None:
    """A mutation's JSON list of names or ids, or None: not text, not JSON, not a list, or nested (a project
    once held one 100,000 levels deep, past Python's recursion limit)."""
    from sb3gen.untrusted import loads_bounded

    try:
        value = loads_bounded(text, "a mutation", max_depth=2) if isinstance(text, str) else None
    except Sb3genError:
        return None
    return value if isinstance(value, list) else None
