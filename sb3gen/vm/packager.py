"""A standalone HTML page of an .sb3 through the TurboWarp packager's Node API (packager.js).

The page inlines TurboWarp's runtime (compiler on), the project and its assets: it makes no network request
and runs from a USB stick, a school website or file://. The packager is the pinned @turbowarp/packager of
package-lock.json; it reads its runtime from its own npm files, so packaging works offline too.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sb3gen.errors import Sb3genError
from sb3gen.vm.node_tools import HERE, ensure_node_tools, node_executable

PACKAGER = HERE / "packager.js"
PACKAGE_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class PageSettings:
    """What the page's runtime is set to. Measured in headless Chromium (README, "A web page"): turbo mode
    runs many chunks of a training or test pass per frame (an epoch 2-3x faster than without); 30 frames per
    second, Scratch's own rate, measured no slower than 60 and keeps drawing on the pad as in Scratch."""

    title: str
    turbo: bool = True
    framerate: int = 30


def package_html(sb3: Path, html: Path, settings: PageSettings) -> int:
    """Write the HTML page of the .sb3 file `sb3` to `html`; its size. Sb3genError with the packager's
    one-line reason if it refuses the project. The page refuses any extension the project brings
    (packager.js); callers check extensions first (sb3gen.scratch.extensions) to refuse in one line."""
    node_folder = ensure_node_tools()
    with tempfile.TemporaryDirectory(prefix="sb3gen-html-") as tmp:
        options = {"sb3_path": str(sb3), "html_path": str(html), "title": settings.title,
                   "turbo": settings.turbo, "framerate": settings.framerate}
        options_path = Path(tmp) / "options.json"
        options_path.write_text(json.dumps(options))
        try:
            done = subprocess.run([node_executable(), str(PACKAGER), str(options_path)],
                                  capture_output=True, text=True, timeout=PACKAGE_TIMEOUT_S,
                                  env={**os.environ, "SB3GEN_NODE_DIR": str(node_folder)})
        except subprocess.TimeoutExpired:
            raise Sb3genError(f"the TurboWarp packager took over {PACKAGE_TIMEOUT_S:.0f} s") from None
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise Sb3genError(f"the TurboWarp packager failed (exit {done.returncode}): {tail}")
    result = json.loads(lines[-1])
    if "error" in result:
        raise Sb3genError(f"the TurboWarp packager refused the project: {result['error']}")
    return int(result["bytes"])
