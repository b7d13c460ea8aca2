"""Which extensions a project asks for, and which of them are code the project brings with it.

Mirrors how TurboWarp's scratch-vm (the runtime of `sb3gen html` pages) decides what to load: every block's
opcode prefix (shadows and monitors included) that is not a core category names an extension; an id that is
not built into the VM is loaded from the project's `extensionURLs` (or TurboWarp's gallery): JavaScript from
the project. The `extensions` list is reported too, though the VM itself reads only opcodes and URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# TurboWarp/scratch-vm src/serialization/sb3.js CORE_EXTENSIONS: opcode prefixes that are not extensions.
CORE_PREFIXES = frozenset({"argument", "colour", "control", "data", "event", "looks", "math", "motion",
                           "operator", "procedures", "sensing", "sound"})
# TurboWarp/scratch-vm src/extension-support/extension-manager.js builtinExtensions (the packager's copy):
# code that ships inside the VM, never loaded from a project.
BUILTIN_EXTENSIONS = frozenset({"coreExample", "pen", "wedo2", "music", "microbit", "text2speech",
                                "translate", "videoSensing", "ev3", "makeymakey", "boost", "gdxfor", "tw"})
_NOT_ID_CHARACTER = re.compile(r"[^\w-]", re.ASCII)  # the VM's forbiddenSymbols
SHOWN = 60  # characters of an id or URL shown in a message


@dataclass(frozen=True)
class ExtensionRequest:
    ident: str
    url: str | None = None  # from extensionURLs
    where: str = ""  # how the project asks: "extensionURLs", "listed in extensions", "block ...", "a monitor"

    @property
    def builtin(self) -> bool:
        return self.ident in BUILTIN_EXTENSIONS and self.url is None

    def text(self) -> str:
        name = printable(self.ident)
        if self.url is not None:
            return f"{name} from URL {printable(self.url)}"
        return name if self.builtin else f"{name} ({printable(self.where, 2 * SHOWN)})"


def extension_of(opcode: object) -> str | None:
    """The extension id the VM derives from an opcode (sb3.js getExtensionIdForOpcode), None for core."""
    if not isinstance(opcode, str) or "_" not in opcode:
        return None
    prefix = _NOT_ID_CHARACTER.sub("-", opcode[: opcode.index("_")])
    return None if prefix in CORE_PREFIXES or not prefix else prefix


def requested_extensions(project_json: dict) -> list[ExtensionRequest]:
    """Every extension the project asks for, one entry per id (a URL, if any, wins), in a stable order."""
    found: dict[str, ExtensionRequest] = {}

    def add(ident: str, where: str, url: str | None = None) -> None:
        if url is not None or ident not in found:
            found[ident] = ExtensionRequest(ident, url, where)

    for target in project_json.get("targets", []):
        for ident, block in target.get("blocks", {}).items():
            extension = extension_of(block.get("opcode")) if isinstance(block, dict) else None
            if extension:
                add(extension, f"block {str(ident)[:SHOWN]} in {str(target.get('name'))[:SHOWN]}")
    for monitor in project_json.get("monitors", []):
        extension = extension_of(monitor.get("opcode")) if isinstance(monitor, dict) else None
        if extension:
            add(extension, "a monitor")
    listed = project_json.get("extensions")
    for ident in listed if isinstance(listed, list) else []:
        add(str(ident), "listed in extensions")
    for ident, url in js_entries(project_json.get("extensionURLs")):
        add(ident, "extensionURLs", str(url))
    return sorted(found.values(), key=lambda r: (r.builtin, r.ident))


def js_entries(value: object) -> list[tuple[str, object]]:
    """JavaScript's Object.entries, which the VM applies to extensionURLs whatever its type."""
    if isinstance(value, dict):
        return [(str(k), v) for k, v in value.items()]
    if isinstance(value, list | str):
        return [(str(i), v) for i, v in enumerate(value)]
    return []


def foreign(requests: list[ExtensionRequest]) -> list[ExtensionRequest]:
    """The requests for code that is not built into Scratch (an unknown id, or any URL)."""
    return [r for r in requests if not r.builtin]


def extensions_line(requests: list[ExtensionRequest]) -> str | None:
    """One line for `info`, `show` and `verify`; None when the project asks for no extension."""
    if not requests:
        return None
    parts = []
    outside = foreign(requests)
    if outside:
        parts.append(f"asks for extension {listing(outside)}: not built into Scratch, its code would come "
                     "from the project (`sb3gen html` and `verify` refuse it)")
    inside = [r.ident for r in requests if r.builtin]
    if inside:
        parts.append(f"uses Scratch's built-in extension{'s' if len(inside) > 1 else ''} {', '.join(inside)}")
    return "; ".join(parts)


def refusal(label: str, requests: list[ExtensionRequest], remedy: str) -> str:
    """The one-line refusal of a project asking for code from outside Scratch; `remedy` ends it."""
    return (f"{label} asks for extension {listing(foreign(requests))}, which is not built into Scratch: "
            f"sb3gen runs no code from a project; {remedy}")


def listing(requests: list[ExtensionRequest], most: int = 3) -> str:
    shown = "; ".join(r.text() for r in requests[:most])
    return shown + (f"; and {len(requests) - most:,} more" if len(requests) > most else "")


def printable(text: str, limit: int = SHOWN) -> str:
    """Text from a stranger's file, safe for a terminal: control characters escaped, cut to `limit`."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[: limit + 1])
    return shown if len(shown) <= limit else f"{shown[:limit]}... ({len(text):,} characters)"
