"""GraphML of the case for Gephi and yEd."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

__all__ = ["write_graphml"]


def write_graphml(graph: nx.MultiDiGraph, path: Path) -> Path:
    # GraphML wants plain attribute values: strings, numbers, booleans
    clean = nx.MultiDiGraph()
    clean.add_nodes_from(
        (n, {k: v for k, v in d.items() if v is not None}) for n, d in graph.nodes(data=True)
    )
    clean.add_edges_from(
        (u, v, {k: x for k, x in d.items() if x is not None}) for u, v, d in graph.edges(data=True)
    )
    nx.write_graphml(clean, path)
    return path
