"""Machine-readable exports of a ring's case, one format per module, all from one case graph."""

from .graph import case_graph
from .tables import write_tables

__all__ = ["case_graph", "write_tables"]
