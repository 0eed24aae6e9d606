"""Entities and links as CSV, the lowest common denominator every analyst tool reads."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pandas as pd

from workbench.safe_output import write_csv

__all__ = ["write_tables"]


def write_tables(graph: nx.MultiDiGraph, folder: Path) -> list[Path]:
    entities = pd.DataFrame(
        [{"entity_id": n, **{k: v for k, v in d.items()}} for n, d in graph.nodes(data=True)]
    )
    links = pd.DataFrame(
        [{"source": u, "target": v, **d} for u, v, d in graph.edges(data=True)],
        columns=["source", "target", "relation", "record_id", "provenance"],
    )
    paths = [folder / "entities.csv", folder / "links.csv"]
    write_csv(entities, paths[0])
    write_csv(links, paths[1])
    return paths
