"""Block templates (Jinja2 over scratchblocks text), shipped inside the wheel."""
