"""Jinja2 rendering of the `*.sb` templates (docs/notation.md), with errors that name template and line."""

from __future__ import annotations

import functools
import importlib.resources
import traceback
from pathlib import Path

import jinja2

from sb3gen.scratch.errors import TemplateError


@functools.cache
def templates_dir() -> Path:
    return Path(str(importlib.resources.files("sb3gen.templates")))


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render_template(name: str, **context: object) -> str:
    """Render templates/<name>; any Jinja error becomes a TemplateError naming template and line."""
    env = _environment()
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"templates/{name}: template not found ({exc.name})") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"templates/{exc.name or name} line {exc.lineno}: {exc.message}") from None
    try:
        return template.render(**context)
    except jinja2.TemplateSyntaxError as exc:  # an included template
        raise TemplateError(f"templates/{exc.name or name} line {exc.lineno}: {exc.message}") from None
    except Exception as exc:  # UndefinedError, errors in filters or expressions
        where = _template_frame(exc, name)
        raise TemplateError(f"{where}: {type(exc).__name__}: {exc}") from None


def _template_frame(exc: BaseException, name: str) -> str:
    """The innermost template file and line in the traceback (Jinja maps frames to template lines)."""
    root = str(templates_dir())
    found = f"templates/{name}"
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith(root) and frame.filename.endswith(".sb"):
            rel = Path(frame.filename).relative_to(root).as_posix()
            found = f"templates/{rel} line {frame.lineno}"
    return found


def find_template_line(origin: str, text: str) -> tuple[str, str] | None:
    """If templates/<origin> holds `text` verbatim, its path and line number(s) ("12", or "12 or 30" when the
    same text is on several lines; a line built by Jinja expressions is not found)."""
    if not text or origin.startswith(("/", "..")):
        return None
    path = templates_dir() / origin
    try:
        if not path.is_file():
            return None
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError):
        return None
    numbers = [str(n) for n, line in enumerate(lines, start=1) if line.strip() == text]
    if not numbers:
        return None
    shown = " or ".join(numbers[:3]) + (f" (and {len(numbers) - 3} more)" if len(numbers) > 3 else "")
    return f"templates/{origin}", shown
