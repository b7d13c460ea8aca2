"""Print every script of an .sb3 (any Scratch 3 project) in the scratchblocks text notation of
docs/notation.md, one `// === Sprite: name ===` header per target. Blocks the notation does not know are
printed as `opcode ... :: unknown`. A first `//` line names the extensions the project asks for."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.sb3", help="the Scratch 3 project to print")
    parser.add_argument("--target", metavar="NAME",
                        help="print only this sprite (or 'Stage') (default: every target)")


def run(args: argparse.Namespace) -> int:
    from sb3gen.errors import Sb3genError
    from sb3gen.scratch.extensions import extensions_line, requested_extensions
    from sb3gen.scratch.reader import Sb3File
    from sb3gen.scratch.show import show_project
    from sb3gen.untrusted import short, terminal_text

    with Sb3File(args.file) as sb3:  # assets are not needed to print scripts
        project_json = sb3.project_json
    if args.target is not None:
        targets = [t for t in project_json["targets"] if t.get("name") == args.target]
        if not targets:
            names = ", ".join(short(t.get("name")) for t in project_json["targets"][:20])
            raise Sb3genError(f"{args.file} has no target {args.target!r} (targets: {names})")
        project_json = {**project_json, "targets": targets}
    extensions = extensions_line(requested_extensions(project_json))  # of the whole project, as it loads
    # names and texts from the file: no terminal escape sequences, no lone surrogates (not UTF-8)
    header = f"// {extensions}\n" if extensions else ""
    sys.stdout.write(terminal_text(header + show_project(project_json)))
    return 0
