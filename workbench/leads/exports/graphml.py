"""GraphML of the case for Gephi and yEd."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from workbench.safe_output import xml_text

__all__ = ["write_graphml", "plain_graph"]


def _plain(value):
    # GraphML wants plain attribute values; text loses the characters XML 1.0 forbids (a control
    # character in a shop name would otherwise make the file unreadable for networkx and Gephi)
    return xml_text(value) if isinstance(value, str) else value


def plain_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The graph with XML-safe text and no empty attributes (GraphML and GEXF alike)."""
    clean = nx.MultiDiGraph()
    clean.add_nodes_from(
        (_plain(n), {k: _plain(v) for k, v in d.items() if v is not None}) for n, d in graph.nodes(data=True)
    )
    clean.add_edges_from(
        (_plain(u), _plain(v), {k: _plain(x) for k, x in d.items() if x is not None})
        for u, v, d in graph.edges(data=True)
    )
    return clean


def write_graphml(graph: nx.MultiDiGraph, path: Path) -> Path:
    nx.write_graphml(plain_graph(graph), path)
    return path
