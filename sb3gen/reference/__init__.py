"""numpy mirror of the network blocks: lookup tables, forward, backward, update (see network.py)."""

from sb3gen.reference.network import ForwardResult, ReferenceNetwork, weight_slices
from sb3gen.reference.tables import exp_table, log_table

__all__ = ["ForwardResult", "ReferenceNetwork", "exp_table", "log_table", "weight_slices"]
