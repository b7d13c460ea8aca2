"""Scratch writer: scratchblocks text -> blocks -> project.json -> .sb3. Knows nothing of ML."""
