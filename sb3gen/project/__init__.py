"""Joins the ML and Scratch sides: builds the Scratch Project of a network (see network.py)."""

from sb3gen.project.network import BROADCASTS, STAGE_LISTS, STAGE_VARIABLES, build_network_project

__all__ = ["BROADCASTS", "STAGE_LISTS", "STAGE_VARIABLES", "build_network_project"]
