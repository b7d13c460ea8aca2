"""Random block trees from the opcode table: each compiles, passes the structural checker, round-trips through
show -> parse to the same blocks, and (all in one Node call) passes scratch-parser and loads in scratch-vm."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sb3gen.scratch import Costume, Project, Sprite, Stage, compile_project, pack_sb3
from sb3gen.scratch import opcodes as op
from sb3gen.scratch.opcodes import Kind, Shape
from sb3gen.scratch.roundtrip import check_roundtrip
from sb3gen.scratch.tokens import escape_square
from sb3gen.vm import Case, run_many

SPRITE_VARIABLES = ["v", "w"]
STAGE_VARIABLES = ["g"]
LISTS = ["l", "sl"]
BROADCASTS = ["m1", "m 2"]
COSTUMES = ["c1", "c2"]
BACKDROPS = ["b1"]
EXAMPLES = 50

REPORTERS = [
    e
    for e in op.OPCODES.values()
    if e.shape is Shape.REPORTER and e.opcode not in ("data_variable", "data_listcontents")
]
BOOLEANS = [e for e in op.OPCODES.values() if e.shape is Shape.BOOLEAN]
STACKS = [
    e
    for e in op.OPCODES.values()
    if e.shape in (Shape.STACK, Shape.C_BLOCK) and e.opcode not in ("control_if_else",)
]
CAPS = [e for e in op.OPCODES.values() if e.shape is Shape.CAP and e.opcode != "control_forever"]

numbers = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr).filter(lambda s: "inf" not in s),
    st.sampled_from(["", "0.001", "1e-9", "-0.5", ".5", "7.", "1E3"]),
)
texts = st.text(alphabet=st.sampled_from(list("ab Z09.-_[]\\/v:<>()#%?é")), max_size=8)


def literal(kind: Kind) -> st.SearchStrategy[str]:
    if kind is Kind.COLOUR:
        return st.sampled_from(["[#ff0000]", "[#00aa11]"])
    return st.one_of(numbers.map(lambda n: f"({n})"), texts.map(lambda t: f"[{escape_square(t)}]"))


def variable_reporter(arguments: list[tuple[str, str]]) -> st.SearchStrategy[str]:
    names = [f"({n})" for n in SPRITE_VARIABLES + STAGE_VARIABLES] + [f"({n} :: list)" for n in LISTS]
    names += [f"({n})" for n, kind in arguments if kind == "s"]
    return st.sampled_from(names)


def dropdown(slot: op.Slot, bracket: str) -> st.SearchStrategy[str]:
    if slot.kind is Kind.VARIABLE_FIELD:
        values = SPRITE_VARIABLES + STAGE_VARIABLES
    elif slot.kind is Kind.LIST_FIELD:
        values = LISTS
    elif slot.kind in (Kind.BROADCAST_FIELD, Kind.BROADCAST_MENU):
        values = BROADCASTS
    elif slot.costume_names == "costume":
        values = COSTUMES
    elif slot.costume_names == "backdrop":
        values = BACKDROPS
    elif slot.choices:
        values = list(slot.choices)
    else:
        values = ["space", "a", "left arrow"]
    if bracket == "(":
        return st.sampled_from(values).map(lambda v: f"({v} v)")
    return st.sampled_from(values).map(lambda v: f"[{escape_square(v)} v]")


@st.composite
def fill(draw, entry: op.Opcode, depth: int, arguments: list[tuple[str, str]]) -> str:
    """The pattern of `entry` with every slot filled at random."""
    from sb3gen.scratch.tokens import Group, Word, split_line

    out = []
    for token in split_line(entry.patterns[0]).tokens:
        if isinstance(token, Word):
            out.append(token.text)
            continue
        assert isinstance(token, Group)
        slot = entry.slots[token.value]
        if slot.kind in op.FIELD_KINDS:
            out.append(draw(dropdown(slot, token.bracket)))
        elif slot.kind is Kind.BOOLEAN:
            out.append(draw(boolean(depth - 1, arguments)))
        elif slot.kind in (Kind.MENU, Kind.BROADCAST_MENU):
            choices = [dropdown(slot, token.bracket)]
            if depth > 0:
                choices.append(reporter(depth - 1, arguments))
            out.append(draw(st.one_of(choices)))
        else:
            out.append(draw(value(slot.kind, depth - 1, arguments)))
    return " ".join(out)


def value(kind: Kind, depth: int, arguments: list[tuple[str, str]]) -> st.SearchStrategy[str]:
    options = [literal(kind), variable_reporter(arguments)]
    if depth > 0:
        options.append(reporter(depth, arguments))
    if depth > 0 and kind is not Kind.COLOUR:  # an empty <> in a colour slot is refused (not a colour)
        options.append(boolean(depth, arguments))
    return st.one_of(options)


def reporter(depth: int, arguments: list[tuple[str, str]]) -> st.SearchStrategy[str]:
    return st.sampled_from(REPORTERS).flatmap(lambda e: fill(e, depth, arguments)).map(lambda t: f"({t})")


def boolean(depth: int, arguments: list[tuple[str, str]]) -> st.SearchStrategy[str]:
    options = [st.just("<>")] + [st.just(f"<{n}>") for n, kind in arguments if kind == "b"]
    if depth > 0:
        options.append(
            st.sampled_from(BOOLEANS).flatmap(lambda e: fill(e, depth, arguments)).map(lambda t: f"<{t}>")
        )
    return st.one_of(options)


@st.composite
def stack(draw, depth: int, arguments: list[tuple[str, str]], indent: str = "") -> list[str]:
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        entry = draw(st.sampled_from(STACKS + [op.OPCODES["control_if_else"], "call"]))
        if entry == "call":
            lines.append(indent + draw(call(depth, arguments)))
            continue
        comment = draw(st.one_of(st.just(""), st.just(" // note [x] (y)")))
        lines.append(indent + draw(fill(entry, 2, arguments)) + comment)
        if entry.shape is Shape.C_BLOCK:
            if depth > 0 and draw(st.booleans()):
                lines += draw(stack(depth - 1, arguments, indent + "  "))
            if entry.opcode == "control_if_else":
                lines.append(indent + "else")
                if depth > 0:
                    lines += draw(stack(depth - 1, arguments, indent + "  "))
            lines.append(indent + "end")
    if draw(st.integers(0, 5)) == 0:
        lines.append(indent + draw(fill(draw(st.sampled_from(CAPS)), 1, arguments)))
    return lines


@st.composite
def call(draw, depth: int, arguments: list[tuple[str, str]]) -> str:
    number = draw(value(Kind.TEXT, 1, arguments))
    flag = draw(boolean(1, arguments))
    return f"helper {number} and {flag}"


HELPER_ARGS = [("a", "s"), ("b flag", "b")]


@st.composite
def program(draw) -> str:
    hat = draw(
        st.sampled_from(
            [
                "when green flag clicked",
                "when I receive [m1 v]",
                "when [space v] key pressed",
                "when this sprite clicked",
                "when I start as a clone",
            ]
        )
    )
    main = [hat, *draw(stack(2, []))]
    warp = draw(st.sampled_from(["", " :: warp"]))
    helper = [f"define helper (a) and <b flag>{warp} // the helper", *draw(stack(1, HELPER_ARGS))]
    return "\n".join(main) + "\n\n" + "\n".join(helper) + "\n"


def build(text: str) -> Project:
    stage = Stage(variables={n: 0 for n in STAGE_VARIABLES}, lists={"l": [1, "two"]})
    stage.costumes.append(Costume.svg("b1", '<svg width="4" height="4"></svg>'))
    stage.add_scripts("when green flag clicked\nbroadcast [m 2 v]\n", "stage.sb")
    sprite = Sprite("S", variables={n: 0.5 for n in SPRITE_VARIABLES}, lists={"sl": []})
    sprite.costumes += [
        Costume.svg(n, f'<svg width="{i + 2}" height="4"></svg>') for i, n in enumerate(COSTUMES)
    ]
    sprite.add_scripts(text, "random.sb")
    return Project(stage, [sprite])


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program())
def test_random_trees_compile_check_and_round_trip(text: str) -> None:
    compiled = compile_project(build(text))  # runs the structural checker
    check_roundtrip(compiled.project_json, compiled.assets)
    assert pack_sb3(compiled) == pack_sb3(compile_project(build(text)))


def test_random_trees_pass_scratch_parser_and_load() -> None:
    collected: list[bytes] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(program())
    def collect(text: str) -> None:
        collected.append(pack_sb3(compile_project(build(text))))

    collect()
    assert len(collected) >= EXAMPLES // 2
    results = run_many([Case(sb3, []) for sb3 in collected], engine="scratch-vm", return_errors=True)
    failures = [f"{i}: {r}" for i, r in enumerate(results) if isinstance(r, Exception)]
    assert not failures, failures[:3]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=4) | st.just("%s %b"),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=2),
    max_leaves=5,
)
SHOWN_PROJECT = compile_project(build(
    "when green flag clicked\nhelper (v) and <(1) = (2)>\nswitch costume to (join [c] (1))\n\n"
    "define helper (a) and <b flag> // note\nif <b flag> then\n  say (a)\nend\n"
)).project_json


@settings(max_examples=EXAMPLES, deadline=None, database=None)
@given(st.data())
def test_show_never_crashes_on_damaged_projects(data) -> None:
    """Any .sb3 (from the website, older tools, a broken file) prints; nothing it reads is assumed."""
    import copy

    from sb3gen.scratch import show_project

    project_json = copy.deepcopy(SHOWN_PROJECT)
    for _ in range(data.draw(st.integers(1, 4))):
        target = data.draw(st.sampled_from(project_json["targets"]))
        blocks = target["blocks"]
        block_id = data.draw(st.sampled_from(sorted(blocks)))
        block = blocks[block_id]
        if isinstance(block, dict) and data.draw(st.booleans()):
            key = data.draw(st.sampled_from(sorted(block) + ["mutation", "comment"]))
            block[key] = data.draw(JSON_VALUES)
        else:
            blocks[block_id] = data.draw(JSON_VALUES)
    assert isinstance(show_project(project_json), str)
