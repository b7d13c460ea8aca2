"""The .sb3 handed to the TurboWarp packager for a page: checked project.json plus the assets it names.

project.json is written again from what sb3gen parsed and checked, so the packager reads exactly that. Only
the assets a costume, sound or font names are copied, one at a time through the bounded reader, so memory
holds one chunk, not the project; PAGE_ASSETS_LIMIT bounds their total, because the packager (Node) holds
every asset of the page at once.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from sb3gen.errors import Sb3genError
from sb3gen.scratch.extensions import printable
from sb3gen.scratch.packer import ASSET_LIMIT, project_json_bytes
from sb3gen.scratch.reader import Sb3File

# bytes, decompressed: five assets at the website's limit. The packager (Node) peaks at about 13 times its
# assets (measured: 50 MB of incompressible assets, 0.66 GB; 100 MB, 1.3 GB); a default build has 2.4 MB.
PAGE_ASSETS_LIMIT = 5 * ASSET_LIMIT


def asset_names(project_json: dict) -> list[str]:
    """The zip entries the page loads, named as TurboWarp's loader names them (md5ext, else id.format)."""
    names: dict[str, None] = {}
    for target in project_json.get("targets", []):
        for asset in [*target.get("costumes", []), *target.get("sounds", [])]:
            name = asset.get("md5ext") or f"{asset.get('assetId')}.{asset.get('dataFormat')}"
            names[str(name)] = None
    fonts = project_json.get("customFonts")
    for font in fonts if isinstance(fonts, list) else []:
        if isinstance(font, dict) and isinstance(font.get("md5ext"), str):
            names[font["md5ext"]] = None
    return list(names)


def write_page_sb3(source: Sb3File, project_json: dict, destination: Path) -> int:
    """Write the page's .sb3 (entries stored: the packager compresses them again); the assets' total."""
    present = set(source.asset_names)
    total = 0
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("project.json", project_json_bytes(project_json))
        for name in asset_names(project_json):
            if name not in present:  # the packager would download it (packager.js forbids that)
                raise Sb3genError(f"{source.label} names asset {printable(name)}, which it does not contain "
                                  "(a page is made without downloading anything)")
            with archive.open(name, "w") as out:
                total += source.copy_asset(name, out)
            if total > PAGE_ASSETS_LIMIT:
                raise Sb3genError(f"{source.label}: its assets decompress to more than {PAGE_ASSETS_LIMIT:,} "
                                  "bytes, more than sb3gen puts in one page")
    return total
