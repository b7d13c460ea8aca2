"""Write a standalone HTML page of a Scratch 3 project with the TurboWarp packager.

The page runs the project in TurboWarp's compiling runtime (scripts become JavaScript: an epoch of training
takes a fraction of a second instead of seconds) and inlines everything it needs, so it works offline, from a
USB stick or on any website. The Scratch website stays the place to share and remix the .sb3 itself.

    sb3gen html build/mnist.sb3                 # writes build/mnist.html
    sb3gen html project.sb3 -o page.html --title "My project"
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sb3gen.errors import Sb3genError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sb3", type=Path, help="the .sb3 project")
    parser.add_argument("-o", "--output", type=Path,
                        help="the .html page to write (default: next to the .sb3, same name)")
    parser.add_argument("--title", help="the page's title (default: the file's name)")


def run(args: argparse.Namespace) -> int:
    from sb3gen.files import OutputSet
    from sb3gen.scratch import read_sb3

    output = args.output or page_path(args.sb3)
    # refuses a folder or a device as -o, writes nothing on failure (sb3gen.files.OutputSet)
    # and the input itself as the output (-o A.sb3, or a project named X.html whose default page is X.html)
    with OutputSet(output.parent, main=output.name, option="-o", example="mnist.html",
                   inputs=[("project", args.sb3)]) as out:
        read_sb3(args.sb3)  # a one-line refusal for anything that is not a Scratch 3 project
        page = make_page(args.sb3.read_bytes(), args.title or args.sb3.stem)
        out.write_bytes(output.name, page)
    print(f"wrote {output} ({len(page):,} bytes): open it in a browser, no internet needed")
    return 0


def page_path(sb3_path: Path) -> Path:
    return sb3_path.with_suffix(".html")


def make_page(sb3: bytes, title: str) -> bytes:
    from sb3gen.vm.packager import PageSettings, package_html

    return package_html(sb3, PageSettings(title=title))


def write_page(output: Path, page: bytes) -> None:
    from sb3gen.files import write_bytes_atomic

    try:
        write_bytes_atomic(output, page)
    except OSError as exc:
        raise Sb3genError(f"cannot write {output}: {exc.strerror or exc}") from None
