"""SVG costumes of the user interface: buttons, answer digits, the pad cell and the backdrop."""

from __future__ import annotations

from xml.sax.saxutils import escape

from sb3gen.project import ui_layout as L
from sb3gen.scratch import Costume

FONT = 'font-family="Sans Serif"'  # one of Scratch's own fonts; other scripts (Japanese) fall back


def _svg(width: float, height: float, body: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">\n{body}\n</svg>\n')


BUTTON_FONT_SIZE = 13
BUTTON_PADDING = 8  # free space left and right of a label


def text_width(text: str, font_size: float) -> float:
    """Generous width of bold text: wide (CJK) characters take a full em, others about 0.55 em."""
    return sum(font_size * (1.0 if ord(ch) >= 0x2E80 else 0.55) for ch in text)


def label_font_size(labels: list[str]) -> float:
    """One font size for all buttons, smaller when the longest label would not fit at the usual size."""
    room = L.BUTTON_WIDTH - 2 * BUTTON_PADDING
    widest = max(text_width(label, BUTTON_FONT_SIZE) for label in labels)
    return round(BUTTON_FONT_SIZE * min(1.0, room / widest), 1)


def button(label: str, colour: str, size: float) -> Costume:
    """A rounded rectangle with a white label of this font size in the middle."""
    w, h = L.BUTTON_WIDTH, L.BUTTON_HEIGHT
    body = (
        f'<rect x="1" y="1" width="{w - 2}" height="{h - 2}" rx="8" ry="8" fill="{colour}" '
        f'stroke="#00000033" stroke-width="2"/>\n'
        f'<text x="{w / 2}" y="{h / 2 + size * 0.38:g}" text-anchor="middle" {FONT} font-size="{size:g}" '
        f'font-weight="bold" fill="#ffffff">{escape(label)}</text>'
    )
    return Costume.svg("button", _svg(w, h, body))


def digit(text: str) -> Costume:
    """A white card with the digit (or '?') in large type."""
    w, h = L.ANSWER_WIDTH, L.ANSWER_HEIGHT
    colour = "#575e75" if text.isdigit() else "#c1c7d0"
    body = (
        f'<rect x="2" y="2" width="{w - 4}" height="{h - 4}" rx="10" ry="10" fill="#ffffff" '
        f'stroke="#855cd6" stroke-width="4"/>\n'
        f'<text x="{w / 2}" y="{h / 2 + 26}" text-anchor="middle" {FONT} font-size="76" font-weight="bold" '
        f'fill="{colour}">{escape(text)}</text>'
    )
    return Costume.svg(f"digit {text}", _svg(w, h, body))


def pad_cell() -> Costume:
    """One white pad cell; the brightness effect darkens it to the cell's gray level when stamped."""
    size = L.PAD.cell
    return Costume.svg("cell", _svg(size, size, f'<rect width="{size}" height="{size}" fill="#ffffff"/>'))


def pen_dot() -> Costume:
    """A tiny invisible costume for the sprites that only draw with the pen."""
    return Costume.svg("pen", _svg(2, 2, '<rect width="2" height="2" fill="#ffffff" fill-opacity="0"/>'))


def small_digits() -> list[Costume]:
    """Costumes "small 0".."small 9" and "small %": the View sprite stamps numbers with them."""
    w, h = 8, 11  # wider than the spacing (SMALL_DIGIT_WIDTH): "%" needs it
    return [Costume.svg(f"small {ch}", _svg(w, h, (
        f'<text x="{w / 2}" y="{h - 2}" text-anchor="middle" {FONT} font-size="8" font-weight="bold" '
        f'fill="#3d4454">{escape(ch)}</text>'))) for ch in "0123456789%"]


def view_backdrop(t: dict[str, str], view: str) -> Costume:
    """The pad as in the backdrop, and a white panel for a view ("confusion" or "weights") on the right."""
    left, top, right, bottom = L.VIEW_BOX
    x0, y0 = left + L.STAGE_WIDTH / 2, L.STAGE_HEIGHT / 2 - top
    body = [f'<rect x="{x0}" y="{y0}" width="{right - left}" height="{top - bottom}" rx="6" fill="#ffffff" '
            f'stroke="#d9dee8" stroke-width="1"/>',
            f'<text x="{x0 + 4}" y="{y0 + 11}" {FONT} font-size="9" fill="#575e75">'
            f'{escape(t[f"caption {view}"])}</text>']
    if view == "confusion":
        cell = L.MATRIX_CELL
        mx, my = L.MATRIX_LEFT + L.STAGE_WIDTH / 2, L.STAGE_HEIGHT / 2 - L.MATRIX_TOP
        for k in range(10):
            body.append(f'<text x="{mx + k * cell + cell / 2}" y="{my - 4}" text-anchor="middle" {FONT} '
                        f'font-size="9" fill="#855cd6">{k}</text>')
            body.append(f'<text x="{mx - 8}" y="{my + k * cell + cell / 2 + 3}" text-anchor="middle" '
                        f'{FONT} font-size="9" fill="#575e75">{k}</text>')
        body.append(f'<text x="{L.MATRIX_ACCURACY_X + L.STAGE_WIDTH / 2}" y="{my - 4}" text-anchor="middle" '
                    f'{FONT} font-size="8" fill="#575e75">{escape(t["caption per digit"])}</text>')
        body.append(f'<text x="{mx}" y="{my + 10 * cell + 10}" {FONT} font-size="8" fill="#575e75">'
                    f'{escape(t["caption matrix axes"])}</text>')
    return _backdrop(t, view, "\n".join(body))


def backdrop(t: dict[str, str]) -> Costume:
    """The pad's frame with a faint cell grid, the digit labels of the bars, and captions."""
    return _backdrop(t, "backdrop", "")


def _backdrop(t: dict[str, str], name: str, view: str) -> Costume:
    """The pad's frame and caption; the answer column's captions, or (view given) that view's panel."""
    pad = L.PAD
    x0, y0 = pad.left + L.STAGE_WIDTH / 2, L.STAGE_HEIGHT / 2 - pad.top
    span = pad.side * pad.cell
    grid = "".join(
        f'<line x1="{x0 + i * pad.cell}" y1="{y0}" x2="{x0 + i * pad.cell}" y2="{y0 + span}"/>'
        f'<line x1="{x0}" y1="{y0 + i * pad.cell}" x2="{x0 + span}" y2="{y0 + i * pad.cell}"/>'
        for i in range(1, pad.side)
    )
    bars_x = L.BARS_LEFT + L.STAGE_WIDTH / 2
    labels = "".join(
        f'<text x="{bars_x - 10}" y="{L.STAGE_HEIGHT / 2 - (L.BARS_TOP_Y - k * L.BARS_STEP) + 3}" '
        f'text-anchor="middle" {FONT} font-size="9" fill="#575e75">{k}</text>'
        for k in range(10)
    )
    monitors_x, monitors_y = L.monitor_position(*L.MONITORS_TOP_LEFT)
    answer_column = (
        f'<text x="{monitors_x}" y="{monitors_y - 5}" {FONT} font-size="9" fill="#575e75">'
        f'{escape(t["caption monitors"])}</text>\n'
        f'<text x="{bars_x - 16}" y="{L.STAGE_HEIGHT / 2 - L.BARS_TOP_Y - 10}" {FONT} font-size="10" '
        f'fill="#575e75">{escape(t["caption bars"])}</text>\n'
        f'{labels}'
    )
    body = (
        f'<rect width="{L.STAGE_WIDTH}" height="{L.STAGE_HEIGHT}" fill="#f3f5f9"/>\n'
        f'<rect x="{x0}" y="{y0}" width="{span}" height="{span}" fill="#ffffff"/>\n'
        f'<g stroke="#eef1f6" stroke-width="1">{grid}</g>\n'
        f'<rect x="{x0 - 1}" y="{y0 - 1}" width="{span + 2}" height="{span + 2}" fill="none" '
        f'stroke="#a0aec0" stroke-width="2"/>\n'
        f'<text x="{x0}" y="{y0 - 7}" {FONT} font-size="11" fill="#575e75">'
        f'{escape(t["caption pad"])}</text>\n'
        f'{view or answer_column}'
    )
    return Costume.svg(name, _svg(L.STAGE_WIDTH, L.STAGE_HEIGHT, body), center=(240, 180))
