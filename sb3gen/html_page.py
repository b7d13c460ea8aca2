"""Write a standalone HTML page of a Scratch 3 project with the TurboWarp packager.

The page runs the project in TurboWarp's compiling runtime (scripts become JavaScript: an epoch of training
takes a fraction of a second instead of seconds) and inlines everything it needs, so it works offline, from a
USB stick or on any website. The Scratch website stays the place to share and remix the .sb3 itself.

    sb3gen html build/mnist.sb3                 # writes build/mnist.html
    sb3gen html project.sb3 -o page.html --title "My project"
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from sb3gen.errors import Sb3genError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sb3", type=Path, help="the .sb3 project")
    from sb3gen.ml.options import add_output  # argparse only: no TensorFlow

    add_output(parser, "the .html page to write (default: next to the .sb3, same name)")
    parser.add_argument("--title", help="the page's title (default: the file's name)")
    parser.add_argument("--drop-extensions", action="store_true",
                        help="write the page of a project that asks for an extension not built into Scratch "
                             "without it: every script using it is removed (docs/security.md); without "
                             "this option such a project is refused")


def run(args: argparse.Namespace) -> int:
    from sb3gen.files import OutputSet

    output = args.output or page_path(args.sb3)
    # refuses a folder or a device as -o, writes nothing on failure (sb3gen.files.OutputSet)
    # and the input itself as the output (-o A.sb3, or a project named X.html whose default page is X.html)
    with OutputSet(output.parent, main=output.name, option="-o", example="mnist.html",
                   inputs=[("project", args.sb3)]) as out:
        size, dropped = write_page(args.sb3, out.path(output.name), args.title or args.sb3.stem,
                                   drop_extensions=args.drop_extensions)
    if dropped:
        print(dropped)
    print(f"wrote {output} ({size:,} bytes): open it in a browser, no internet needed")
    return 0


def page_path(sb3_path: Path) -> Path:
    return sb3_path.with_suffix(".html")


def write_page(sb3: Path | bytes, html: Path, title: str, *, drop_extensions: bool = False
               ) -> tuple[int, str | None]:
    """Write the page of `sb3` (a file or its bytes) to `html`: (its size, what was dropped or None).

    A project asking for an extension not built into Scratch is refused in one line (Sb3genError), or with
    `drop_extensions` written without the scripts that use it. Assets are streamed, one at a time."""
    from sb3gen.scratch.extension_drop import drop_foreign_extensions
    from sb3gen.scratch.extensions import foreign, listing, refusal, requested_extensions
    from sb3gen.scratch.page_copy import write_page_sb3
    from sb3gen.scratch.reader import Sb3File
    from sb3gen.vm.packager import PageSettings, package_html

    with Sb3File(sb3) as source:  # a one-line refusal for anything that is not a Scratch 3 project
        source.check_unpacked_total()  # the page carries every asset: 100 of 39 MB each is no page
        project_json, dropped = source.project_json, None
        outside = foreign(requested_extensions(project_json))
        if outside and not drop_extensions:
            raise Sb3genError(refusal(source.label, outside, "--drop-extensions writes the page without it"))
        if outside:
            project_json, removed = drop_foreign_extensions(project_json)
            if foreign(requested_extensions(project_json)):  # drop_foreign_extensions' own promise
                raise AssertionError("a dropped extension is still asked for")
            dropped = (f"dropped extension {listing(outside)} (not built into Scratch) and the {removed:,} "
                       "blocks of the scripts using it")
        with tempfile.TemporaryDirectory(prefix="sb3gen-page-") as tmp:
            copy = Path(tmp) / "project.sb3"
            write_page_sb3(source, project_json, copy)
            return package_html(copy, html, PageSettings(title=title)), dropped
