"""Split one line of scratchblocks text into words and bracketed groups.

`(...)` round and `<...>` angle groups nest and are split again inside; `[...]` square groups are literal text
with `\\[` `\\]` `\\\\` escapes. A `[x v]` or `(x v)` is a dropdown. `<` opens a group only when followed by a
non-space; `>` with whitespace on both sides inside an angle group is the "greater than" word, not a closer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class TokenError(ValueError):
    """The line's brackets do not pair up."""


@dataclass
class Word:
    text: str


@dataclass
class Group:
    bracket: str  # "(", "[" or "<"
    raw: str  # text inside the brackets, escapes resolved for "["
    children: list[Word | Group] = field(default_factory=list)  # for "(" and "<"
    dropdown: bool = False  # "[x v]" (square) - round dropdowns are decided by the slot

    @property
    def value(self) -> str:
        """Dropdown text without the trailing " v"."""
        if self.bracket == "[" and self.dropdown:
            return self.raw[:-2]
        if self.bracket == "(" and self.raw.rstrip().endswith(" v"):
            return self.raw.rstrip()[:-2].strip()
        return self.raw

    @property
    def round_dropdown(self) -> bool:
        return self.bracket == "(" and len(self.children) >= 2 and self.children[-1] == Word("v")


Token = Word | Group

NUMBER_RE = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def is_number_text(text: str) -> bool:
    return text == "" or NUMBER_RE.match(text) is not None


@dataclass
class Line:
    tokens: list[Token]
    annotations: list[str]  # words after "::"
    comment: str | None  # text after " // "


def split_line(text: str) -> Line:
    tokens, _, comment = _scan(text, 0, None)
    tokens, annotations = split_annotations(tokens)
    return Line(tokens, annotations, comment)


def split_annotations(tokens: list[Token]) -> tuple[list[Token], list[str]]:
    for i, tok in enumerate(tokens):
        if isinstance(tok, Word) and tok.text.startswith("::"):
            rest = [tok.text[2:]] if tok.text[2:] else []
            rest += [t.text if isinstance(t, Word) else t.raw for t in tokens[i + 1 :]]
            return tokens[:i], rest
    return tokens, []


def _scan(text: str, i: int, closer: str | None) -> tuple[list[Token], int, str | None]:
    tokens: list[Token] = []
    word: list[str] = []

    def flush() -> None:
        if word:
            tokens.append(Word("".join(word)))
            word.clear()

    n = len(text)
    while i < n:
        c = text[i]
        if closer == ">" and c == ">" and not _is_gt_word(text, i):
            flush()
            return tokens, i + 1, None
        if closer == ")" and c == ")":
            flush()
            return tokens, i + 1, None
        if c.isspace():
            flush()
            i += 1
        elif closer is None and text.startswith("//", i) and (i == 0 or text[i - 1].isspace()):
            flush()
            return tokens, n, text[i + 2 :].strip()
        elif c == "(":
            flush()
            children, j, _ = _scan(text, i + 1, ")")
            tokens.append(Group("(", text[i + 1 : j - 1], children))
            i = j
        elif c == "<" and i + 1 < n and not text[i + 1].isspace():
            flush()
            children, j, _ = _scan(text, i + 1, ">")
            tokens.append(Group("<", text[i + 1 : j - 1].strip(), children))
            i = j
        elif c == "[":
            flush()
            group, i = _scan_square(text, i + 1)
            tokens.append(group)
        elif c in ")]" or (c == ">" and closer is None and not _is_gt_word(text, i)):
            raise TokenError(f"unmatched '{c}' at column {i + 1}")
        else:
            word.append(c)
            i += 1
    if closer is not None:
        raise TokenError(f"missing '{closer}' at the end of the line")
    flush()
    return tokens, i, None


def _is_gt_word(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return before.isspace() and after.isspace()


def _scan_square(text: str, i: int) -> tuple[Group, int]:
    chars: list[str] = []
    escaped_last = False
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            chars.append(text[i + 1])
            escaped_last = True
            i += 2
            continue
        if c == "]":
            raw = "".join(chars)
            dropdown = raw.endswith(" v") and not escaped_last
            return Group("[", raw, dropdown=dropdown), i + 1
        chars.append(c)
        escaped_last = False
        i += 1
    raise TokenError("missing ']' at the end of the line")


def escape_square(text: str) -> str:
    """Text for inside `[...]` that reads back as exactly `text` (and never as a dropdown)."""
    out = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    if out.endswith(" v"):
        out = out[:-1] + "\\v"
    return out


def signature(tokens: list[Token]) -> tuple[str | None, ...]:
    """Words (lower case) and None for each group: the key for finding a block's pattern."""
    return tuple(t.text.lower() if isinstance(t, Word) else None for t in tokens)
