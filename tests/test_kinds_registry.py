"""Every registered layer kind has every part of the contract (sb3gen.kinds.base.REQUIRED_PARTS)."""

from __future__ import annotations

import pytest

from sb3gen.kinds import KINDS, REQUIRED_PARTS, missing_parts
from sb3gen.scratch.templates import templates_dir


def test_the_registry_holds_the_dense_and_activation_kinds():
    assert {"dense", "activation"} <= set(KINDS)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_has_every_part(name):
    module = KINDS[name]
    assert missing_parts(module) == [], f"{name} lacks parts"
    assert module.NAME == name
    assert all(callable(getattr(module, part)) for part in REQUIRED_PARTS if part[0].islower())
    if module.TEMPLATE is not None:
        text = (templates_dir() / module.TEMPLATE).read_text()
        for macro in ("forward", "backward", "update"):
            assert f"{{% macro {macro}(" in text, f"{module.TEMPLATE} has no macro {macro}"
