"""The one table of every opcode the compiler emits (and `show` reads).

Each entry gives the block's text pattern in the scratchblocks notation (docs/notation.md), its shape and the
kind of each input or field. A slot in a pattern is written with its Scratch input/field name inside the
brackets, e.g. `set [VARIABLE v] to (VALUE)`; the kind of that slot comes from `slots`. The parser,
serializer, checker and `show` all derive from this table; only `serializer.py` knows Scratch's input
encodings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Shape(Enum):
    HAT = "hat"
    STACK = "stack"
    C_BLOCK = "c-block"  # a stack block with one or two substacks
    CAP = "cap"  # nothing can follow it
    REPORTER = "reporter"
    BOOLEAN = "boolean"


class Kind(Enum):
    """What a slot holds. Primitive kinds map to Scratch's primitive shadows (see serializer)."""

    NUMBER = "number"  # math_number
    POSITIVE_NUMBER = "positive_number"  # math_positive_number
    WHOLE_NUMBER = "whole_number"  # math_whole_number
    INTEGER = "integer"  # math_integer
    ANGLE = "angle"  # math_angle
    COLOUR = "colour"  # colour_picker
    TEXT = "text"  # text
    BOOLEAN = "boolean"  # a boolean block or empty
    SUBSTACK = "substack"  # a stack of blocks
    BROADCAST_MENU = "broadcast_menu"  # event_broadcast_menu shadow
    MENU = "menu"  # a menu shadow block (menu_opcode, menu_field)
    VARIABLE_FIELD = "variable_field"
    LIST_FIELD = "list_field"
    BROADCAST_FIELD = "broadcast_field"
    CHOICE_FIELD = "choice_field"  # a field with fixed or free options


PRIMITIVE_KINDS = {
    Kind.NUMBER,
    Kind.POSITIVE_NUMBER,
    Kind.WHOLE_NUMBER,
    Kind.INTEGER,
    Kind.ANGLE,
    Kind.COLOUR,
    Kind.TEXT,
}
NUMERIC_KINDS = {Kind.NUMBER, Kind.POSITIVE_NUMBER, Kind.WHOLE_NUMBER, Kind.INTEGER, Kind.ANGLE}
FIELD_KINDS = {Kind.VARIABLE_FIELD, Kind.LIST_FIELD, Kind.BROADCAST_FIELD, Kind.CHOICE_FIELD}


@dataclass(frozen=True)
class Slot:
    kind: Kind
    # For MENU: the shadow block's opcode and field. For CHOICE_FIELD and MENU: shown text -> stored value
    # (None = any text is allowed and stored as written).
    menu_opcode: str | None = None
    menu_field: str | None = None
    choices: dict[str, str] | None = None
    default: str = ""  # shadow value when a reporter covers a menu
    costume_names: str | None = None  # "costume" / "backdrop": the value must be one of the target's names


@dataclass(frozen=True)
class Opcode:
    opcode: str
    patterns: tuple[str, ...]  # first = how `show` prints it; others are accepted aliases
    shape: Shape
    slots: dict[str, Slot] = field(default_factory=dict)
    sprite_only: bool = False  # motion and some looks blocks do not exist on the Stage
    extension: str | None = None  # e.g. "pen": listed in project.json "extensions"


def _n(kind: Kind = Kind.NUMBER) -> Slot:
    return Slot(kind)


T = Slot(Kind.TEXT)
N = Slot(Kind.NUMBER)
B = Slot(Kind.BOOLEAN)
SUB = Slot(Kind.SUBSTACK)
VAR = Slot(Kind.VARIABLE_FIELD)
LIST = Slot(Kind.LIST_FIELD)
BCAST = Slot(Kind.BROADCAST_MENU)


def _choice(*shown: str, stored: dict[str, str] | None = None) -> Slot:
    return Slot(Kind.CHOICE_FIELD, choices={s: (stored or {}).get(s, s) for s in shown})


def _free_choice() -> Slot:
    return Slot(Kind.CHOICE_FIELD)


MATHOPS = (
    "abs",
    "floor",
    "ceiling",
    "sqrt",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "ln",
    "log",
    "e ^",
    "10 ^",
)
EFFECTS = {e.lower(): e for e in ("COLOR", "FISHEYE", "WHIRL", "PIXELATE", "MOSAIC", "BRIGHTNESS", "GHOST")}
STOP_OPTIONS = ("all", "this script", "other scripts in sprite", "other scripts in stage")
KEY_MENU = Slot(Kind.MENU, "sensing_keyoptions", "KEY_OPTION", default="space")
PEN_PARAM = Slot(
    Kind.MENU,
    "pen_menu_colorParam",
    "colorParam",
    choices={c: c for c in ("color", "saturation", "brightness", "transparency")},
    default="color",
)

_TABLE: list[Opcode] = [
    # Events
    Opcode("event_whenflagclicked", ("when green flag clicked", "when flag clicked"), Shape.HAT),
    Opcode(
        "event_whenbroadcastreceived",
        ("when I receive [BROADCAST_OPTION v]",),
        Shape.HAT,
        {"BROADCAST_OPTION": Slot(Kind.BROADCAST_FIELD)},
    ),
    Opcode("event_whenthisspriteclicked", ("when this sprite clicked",), Shape.HAT, sprite_only=True),
    Opcode("event_whenstageclicked", ("when stage clicked",), Shape.HAT),
    Opcode(
        "event_whenkeypressed",
        ("when [KEY_OPTION v] key pressed",),
        Shape.HAT,
        {"KEY_OPTION": _free_choice()},
    ),
    Opcode("event_broadcast", ("broadcast [BROADCAST_INPUT v]",), Shape.STACK, {"BROADCAST_INPUT": BCAST}),
    Opcode(
        "event_broadcastandwait",
        ("broadcast [BROADCAST_INPUT v] and wait",),
        Shape.STACK,
        {"BROADCAST_INPUT": BCAST},
    ),
    # Control
    Opcode("control_wait", ("wait (DURATION) seconds",), Shape.STACK, {"DURATION": _n(Kind.POSITIVE_NUMBER)}),
    Opcode(
        "control_repeat",
        ("repeat (TIMES)",),
        Shape.C_BLOCK,
        {"TIMES": _n(Kind.WHOLE_NUMBER), "SUBSTACK": SUB},
    ),
    Opcode("control_forever", ("forever",), Shape.CAP, {"SUBSTACK": SUB}),
    Opcode("control_if", ("if <CONDITION> then",), Shape.C_BLOCK, {"CONDITION": B, "SUBSTACK": SUB}),
    Opcode(
        "control_if_else",
        ("if <CONDITION> then",),
        Shape.C_BLOCK,
        {"CONDITION": B, "SUBSTACK": SUB, "SUBSTACK2": SUB},
    ),
    Opcode("control_wait_until", ("wait until <CONDITION>",), Shape.STACK, {"CONDITION": B}),
    Opcode(
        "control_repeat_until",
        ("repeat until <CONDITION>",),
        Shape.C_BLOCK,
        {"CONDITION": B, "SUBSTACK": SUB},
    ),
    Opcode("control_stop", ("stop [STOP_OPTION v]",), Shape.CAP, {"STOP_OPTION": _choice(*STOP_OPTIONS)}),
    Opcode(
        "control_create_clone_of",
        ("create clone of [CLONE_OPTION v]",),
        Shape.STACK,
        {
            "CLONE_OPTION": Slot(
                Kind.MENU,
                "control_create_clone_of_menu",
                "CLONE_OPTION",
                choices={"myself": "_myself_"},
                default="_myself_",
            )
        },
    ),
    Opcode("control_start_as_clone", ("when I start as a clone",), Shape.HAT, sprite_only=True),
    Opcode("control_delete_this_clone", ("delete this clone",), Shape.CAP, sprite_only=True),
    # Operators
    Opcode("operator_add", ("(NUM1) + (NUM2)",), Shape.REPORTER, {"NUM1": N, "NUM2": N}),
    Opcode("operator_subtract", ("(NUM1) - (NUM2)",), Shape.REPORTER, {"NUM1": N, "NUM2": N}),
    Opcode("operator_multiply", ("(NUM1) * (NUM2)",), Shape.REPORTER, {"NUM1": N, "NUM2": N}),
    Opcode("operator_divide", ("(NUM1) / (NUM2)",), Shape.REPORTER, {"NUM1": N, "NUM2": N}),
    Opcode("operator_mod", ("(NUM1) mod (NUM2)",), Shape.REPORTER, {"NUM1": N, "NUM2": N}),
    Opcode("operator_round", ("round (NUM)",), Shape.REPORTER, {"NUM": N}),
    Opcode(
        "operator_mathop",
        ("[OPERATOR v] of (NUM)",),
        Shape.REPORTER,
        {"OPERATOR": _choice(*MATHOPS), "NUM": N},
    ),
    Opcode("operator_random", ("pick random (FROM) to (TO)",), Shape.REPORTER, {"FROM": N, "TO": N}),
    Opcode("operator_gt", ("(OPERAND1) > (OPERAND2)",), Shape.BOOLEAN, {"OPERAND1": T, "OPERAND2": T}),
    Opcode("operator_lt", ("(OPERAND1) < (OPERAND2)",), Shape.BOOLEAN, {"OPERAND1": T, "OPERAND2": T}),
    Opcode("operator_equals", ("(OPERAND1) = (OPERAND2)",), Shape.BOOLEAN, {"OPERAND1": T, "OPERAND2": T}),
    Opcode("operator_and", ("<OPERAND1> and <OPERAND2>",), Shape.BOOLEAN, {"OPERAND1": B, "OPERAND2": B}),
    Opcode("operator_or", ("<OPERAND1> or <OPERAND2>",), Shape.BOOLEAN, {"OPERAND1": B, "OPERAND2": B}),
    Opcode("operator_not", ("not <OPERAND>",), Shape.BOOLEAN, {"OPERAND": B}),
    Opcode("operator_join", ("join (STRING1) (STRING2)",), Shape.REPORTER, {"STRING1": T, "STRING2": T}),
    Opcode(
        "operator_letter_of",
        ("letter (LETTER) of (STRING)",),
        Shape.REPORTER,
        {"LETTER": _n(Kind.WHOLE_NUMBER), "STRING": T},
    ),
    Opcode("operator_length", ("length of (STRING)",), Shape.REPORTER, {"STRING": T}),
    Opcode(
        "operator_contains", ("(STRING1) contains (STRING2) ?",), Shape.BOOLEAN, {"STRING1": T, "STRING2": T}
    ),
    # Variables and lists
    Opcode("data_variable", ("[VARIABLE v] :: variables",), Shape.REPORTER, {"VARIABLE": VAR}),
    Opcode(
        "data_setvariableto", ("set [VARIABLE v] to (VALUE)",), Shape.STACK, {"VARIABLE": VAR, "VALUE": T}
    ),
    Opcode(
        "data_changevariableby",
        ("change [VARIABLE v] by (VALUE)",),
        Shape.STACK,
        {"VARIABLE": VAR, "VALUE": N},
    ),
    Opcode("data_showvariable", ("show variable [VARIABLE v]",), Shape.STACK, {"VARIABLE": VAR}),
    Opcode("data_hidevariable", ("hide variable [VARIABLE v]",), Shape.STACK, {"VARIABLE": VAR}),
    Opcode("data_listcontents", ("[LIST v] :: list",), Shape.REPORTER, {"LIST": LIST}),
    Opcode("data_addtolist", ("add (ITEM) to [LIST v]",), Shape.STACK, {"ITEM": T, "LIST": LIST}),
    Opcode(
        "data_deleteoflist",
        ("delete (INDEX) of [LIST v]",),
        Shape.STACK,
        {"INDEX": _n(Kind.INTEGER), "LIST": LIST},
    ),
    Opcode("data_deletealloflist", ("delete all of [LIST v]",), Shape.STACK, {"LIST": LIST}),
    Opcode(
        "data_insertatlist",
        ("insert (ITEM) at (INDEX) of [LIST v]",),
        Shape.STACK,
        {"ITEM": T, "INDEX": _n(Kind.INTEGER), "LIST": LIST},
    ),
    Opcode(
        "data_replaceitemoflist",
        ("replace item (INDEX) of [LIST v] with (ITEM)",),
        Shape.STACK,
        {"INDEX": _n(Kind.INTEGER), "LIST": LIST, "ITEM": T},
    ),
    Opcode(
        "data_itemoflist",
        ("item (INDEX) of [LIST v]",),
        Shape.REPORTER,
        {"INDEX": _n(Kind.INTEGER), "LIST": LIST},
    ),
    Opcode(
        "data_itemnumoflist", ("item # of (ITEM) in [LIST v]",), Shape.REPORTER, {"ITEM": T, "LIST": LIST}
    ),
    Opcode("data_lengthoflist", ("length of [LIST v]",), Shape.REPORTER, {"LIST": LIST}),
    Opcode(
        "data_listcontainsitem", ("[LIST v] contains (ITEM) ?",), Shape.BOOLEAN, {"LIST": LIST, "ITEM": T}
    ),
    Opcode("data_showlist", ("show list [LIST v]",), Shape.STACK, {"LIST": LIST}),
    Opcode("data_hidelist", ("hide list [LIST v]",), Shape.STACK, {"LIST": LIST}),
    # Looks
    Opcode("looks_say", ("say (MESSAGE)",), Shape.STACK, {"MESSAGE": T}, sprite_only=True),
    Opcode(
        "looks_sayforsecs",
        ("say (MESSAGE) for (SECS) seconds",),
        Shape.STACK,
        {"MESSAGE": T, "SECS": N},
        sprite_only=True,
    ),
    Opcode("looks_think", ("think (MESSAGE)",), Shape.STACK, {"MESSAGE": T}, sprite_only=True),
    Opcode(
        "looks_thinkforsecs",
        ("think (MESSAGE) for (SECS) seconds",),
        Shape.STACK,
        {"MESSAGE": T, "SECS": N},
        sprite_only=True,
    ),
    Opcode(
        "looks_switchcostumeto",
        ("switch costume to [COSTUME v]",),
        Shape.STACK,
        {"COSTUME": Slot(Kind.MENU, "looks_costume", "COSTUME", costume_names="costume")},
        sprite_only=True,
    ),
    Opcode("looks_nextcostume", ("next costume",), Shape.STACK, sprite_only=True),
    Opcode(
        "looks_switchbackdropto",
        ("switch backdrop to [BACKDROP v]",),
        Shape.STACK,
        {"BACKDROP": Slot(Kind.MENU, "looks_backdrops", "BACKDROP", costume_names="backdrop")},
    ),
    Opcode("looks_nextbackdrop", ("next backdrop",), Shape.STACK),
    Opcode("looks_show", ("show",), Shape.STACK, sprite_only=True),
    Opcode("looks_hide", ("hide",), Shape.STACK, sprite_only=True),
    Opcode("looks_setsizeto", ("set size to (SIZE) %",), Shape.STACK, {"SIZE": N}, sprite_only=True),
    Opcode("looks_changesizeby", ("change size by (CHANGE)",), Shape.STACK, {"CHANGE": N}, sprite_only=True),
    Opcode(
        "looks_seteffectto",
        ("set [EFFECT v] effect to (VALUE)",),
        Shape.STACK,
        {"EFFECT": _choice(*EFFECTS, stored=EFFECTS), "VALUE": N},
    ),
    Opcode(
        "looks_changeeffectby",
        ("change [EFFECT v] effect by (CHANGE)",),
        Shape.STACK,
        {"EFFECT": _choice(*EFFECTS, stored=EFFECTS), "CHANGE": N},
    ),
    Opcode("looks_cleargraphiceffects", ("clear graphic effects",), Shape.STACK),
    Opcode(
        "looks_gotofrontback",
        ("go to [FRONT_BACK v] layer",),
        Shape.STACK,
        {"FRONT_BACK": _choice("front", "back")},
        sprite_only=True,
    ),
    Opcode(
        "looks_goforwardbackward",
        ("go [FORWARD_BACKWARD v] (NUM) layers",),
        Shape.STACK,
        {"FORWARD_BACKWARD": _choice("forward", "backward"), "NUM": _n(Kind.INTEGER)},
        sprite_only=True,
    ),
    Opcode(
        "looks_costumenumbername",
        ("costume [NUMBER_NAME v]",),
        Shape.REPORTER,
        {"NUMBER_NAME": _choice("number", "name")},
        sprite_only=True,
    ),
    Opcode(
        "looks_backdropnumbername",
        ("backdrop [NUMBER_NAME v]",),
        Shape.REPORTER,
        {"NUMBER_NAME": _choice("number", "name")},
    ),
    Opcode("looks_size", ("size",), Shape.REPORTER, sprite_only=True),
    # Motion
    Opcode("motion_gotoxy", ("go to x: (X) y: (Y)",), Shape.STACK, {"X": N, "Y": N}, sprite_only=True),
    Opcode("motion_setx", ("set x to (X)",), Shape.STACK, {"X": N}, sprite_only=True),
    Opcode("motion_sety", ("set y to (Y)",), Shape.STACK, {"Y": N}, sprite_only=True),
    Opcode("motion_changexby", ("change x by (DX)",), Shape.STACK, {"DX": N}, sprite_only=True),
    Opcode("motion_changeyby", ("change y by (DY)",), Shape.STACK, {"DY": N}, sprite_only=True),
    Opcode(
        "motion_pointindirection",
        ("point in direction (DIRECTION)",),
        Shape.STACK,
        {"DIRECTION": _n(Kind.ANGLE)},
        sprite_only=True,
    ),
    Opcode("motion_movesteps", ("move (STEPS) steps",), Shape.STACK, {"STEPS": N}, sprite_only=True),
    Opcode("motion_xposition", ("x position",), Shape.REPORTER, sprite_only=True),
    Opcode("motion_yposition", ("y position",), Shape.REPORTER, sprite_only=True),
    # Pen (extension)
    Opcode("pen_clear", ("erase all",), Shape.STACK, extension="pen"),
    Opcode("pen_stamp", ("stamp",), Shape.STACK, extension="pen", sprite_only=True),
    Opcode("pen_penDown", ("pen down",), Shape.STACK, extension="pen", sprite_only=True),
    Opcode("pen_penUp", ("pen up",), Shape.STACK, extension="pen", sprite_only=True),
    Opcode(
        "pen_setPenColorToColor",
        ("set pen color to (COLOR)",),
        Shape.STACK,
        {"COLOR": Slot(Kind.COLOUR)},
        extension="pen",
        sprite_only=True,
    ),
    Opcode(
        "pen_setPenColorParamTo",
        ("set pen (COLOR_PARAM v) to (VALUE)",),
        Shape.STACK,
        {"COLOR_PARAM": PEN_PARAM, "VALUE": N},
        extension="pen",
        sprite_only=True,
    ),
    Opcode(
        "pen_changePenColorParamBy",
        ("change pen (COLOR_PARAM v) by (VALUE)",),
        Shape.STACK,
        {"COLOR_PARAM": PEN_PARAM, "VALUE": N},
        extension="pen",
        sprite_only=True,
    ),
    Opcode(
        "pen_setPenSizeTo",
        ("set pen size to (SIZE)",),
        Shape.STACK,
        {"SIZE": N},
        extension="pen",
        sprite_only=True,
    ),
    Opcode(
        "pen_changePenSizeBy",
        ("change pen size by (SIZE)",),
        Shape.STACK,
        {"SIZE": N},
        extension="pen",
        sprite_only=True,
    ),
    # Sensing
    Opcode("sensing_mousex", ("mouse x",), Shape.REPORTER),
    Opcode("sensing_mousey", ("mouse y",), Shape.REPORTER),
    Opcode("sensing_mousedown", ("mouse down?",), Shape.BOOLEAN),
    Opcode("sensing_askandwait", ("ask (QUESTION) and wait",), Shape.STACK, {"QUESTION": T}),
    Opcode("sensing_answer", ("answer",), Shape.REPORTER),
    Opcode("sensing_timer", ("timer",), Shape.REPORTER),
    Opcode("sensing_resettimer", ("reset timer",), Shape.STACK),
    Opcode("sensing_keypressed", ("key (KEY_OPTION v) pressed?",), Shape.BOOLEAN, {"KEY_OPTION": KEY_MENU}),
    Opcode("sensing_dayssince2000", ("days since 2000",), Shape.REPORTER),
]

# Custom blocks: written as `define ...` and calls, handled by the parser from their definitions.
PROCEDURE_OPCODES = {
    "procedures_definition",
    "procedures_prototype",
    "procedures_call",
    "argument_reporter_string_number",
    "argument_reporter_boolean",
}

# Menu shadow blocks (not written in text; the serializer makes them for MENU slots).
MENU_OPCODES: dict[str, str] = {}  # menu opcode -> its field name

OPCODES: dict[str, Opcode] = {}
for _op in _TABLE:
    if _op.opcode in OPCODES:
        raise AssertionError(f"duplicate opcode {_op.opcode}")
    OPCODES[_op.opcode] = _op
    for _slot in _op.slots.values():
        if _slot.kind is Kind.MENU:
            MENU_OPCODES[_slot.menu_opcode] = _slot.menu_field

PRIMITIVE_OPCODES = {
    "math_number",
    "math_positive_number",
    "math_whole_number",
    "math_integer",
    "math_angle",
    "colour_picker",
    "text",
    "event_broadcast_menu",
}

KNOWN_OPCODES = set(OPCODES) | PROCEDURE_OPCODES | set(MENU_OPCODES) | PRIMITIVE_OPCODES


def stored_choice(slot: Slot, shown: str) -> str | None:
    """The stored value of a dropdown choice as written, or None if the slot does not offer it."""
    if slot.choices is None:
        return shown
    if shown in slot.choices:
        return slot.choices[shown]
    # also accept the stored spelling (e.g. GHOST) so files from elsewhere read back
    return shown if shown in slot.choices.values() else None


def shown_choice(slot: Slot, stored: str) -> str:
    if slot.choices:
        for shown, value in slot.choices.items():
            if value == stored:
                return shown
    return stored
