"""project.json -> scratchblocks text (placeholder until the full printer lands)."""


def show_project(project_json: dict) -> str:
    raise NotImplementedError
