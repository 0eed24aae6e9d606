"""The case graph for the tools police analysts use: an i2 Analyst's Notebook chart (ANX, written
with anxwritter), GEXF for Gephi, and a Cypher script that recreates the ring's subgraph in
another Neo4j. Every link keeps the input records that show it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
from anxwritter import ANXChart

from .graphml import plain_graph

__all__ = ["write_anx", "write_gexf", "write_cypher"]

# one i2 icon per kind of entity (the standard icon set's names)
_ICONS = {
    "Seller": "Shop",
    "Person": "Person",
    "Phone": "Phone",
    "Email": "Email",
    "Device": "Computer",
    "IP": "Network",
    "BankAccount": "Bank Account",
    "Address": "House",
    "Organization": "Organisation",
}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def write_anx(graph: nx.MultiDiGraph, path: Path) -> Path:
    """``path`` (``.anx``): an entity per node with its kind's icon, a link per edge with its
    relation and provenance as attributes, and its date where the input gave one, so the chart's
    timeline view orders registrations, waybills and payments."""
    chart = ANXChart()
    for node, data in graph.nodes(data=True):
        kind = str(data.get("label", "Entity"))
        attributes = {
            k: str(v) for k, v in data.items() if k not in ("label", "name") and v not in (None, "")
        }
        chart.add_icon(
            id=str(node),
            type=kind,
            label=str(data.get("name") or data.get("key") or node),
            icon=_ICONS.get(kind),
            attributes=attributes,
        )
    for source, target, data in graph.edges(data=True):
        relation = str(data.get("relation", "LINK"))
        date = data.get("date") or None
        chart.add_link(
            from_id=str(source),
            to_id=str(target),
            type=relation,
            label=relation,
            arrow="->",
            date=date,
            attributes={
                k: str(v) for k, v in data.items() if k not in ("relation", "date") and v not in (None, "")
            },
        )
    written = chart.to_anx(str(path.with_suffix("")))
    return Path(written)


def write_gexf(graph: nx.MultiDiGraph, path: Path) -> Path:
    """GEXF of the case for Gephi (the same nodes, links and attributes as the GraphML)."""
    nx.write_gexf(plain_graph(graph), path)
    return path


def _literal(value) -> str:
    """A Cypher literal: strings quoted with every quote, backslash and line break escaped; a
    shop name can never end the string and start a clause."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    text = str(value).replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return "'" + text + "'"


def _name(value: str) -> str:
    """A label, relationship type or property key. They come from the model, never from the
    data; anything but a plain name is refused (Neo4j reads escapes such as \\u0060 inside
    backquotes, so quoting is no safe way out)."""
    if not _NAME.match(value):
        raise ValueError(f"not a plain Cypher name: {value!r}")
    return value


def _map(data: dict) -> str:
    return (
        "{"
        + ", ".join(f"{_name(str(k))}: {_literal(v)}" for k, v in data.items() if v not in (None, ""))
        + "}"
    )


def write_cypher(graph: nx.MultiDiGraph, path: Path) -> Path:
    """A Cypher script (one statement per line, for ``cypher-shell -f``) that MERGEs the case's
    nodes by label and key and CREATEs its links with their provenance."""
    lines = [f"// ring {graph.graph.get('ring_id', '')}: the case graph of a lead packet"]
    for node, data in graph.nodes(data=True):
        label = _name(str(data.get("label", "Entity")))
        properties = {k: v for k, v in data.items() if k not in ("label", "key")}
        lines.append(
            f"MERGE (n:{label} {{key: {_literal(data.get('key', node))}}}) SET n += {_map(properties)};"
        )
    for source, target, data in graph.edges(data=True):
        a, b = graph.nodes[source], graph.nodes[target]
        relation = _name(str(data.get("relation", "LINK")))
        lines.append(
            f"MATCH (a:{_name(str(a.get('label', 'Entity')))} {{key: {_literal(a.get('key', source))}}}), "
            f"(b:{_name(str(b.get('label', 'Entity')))} {{key: {_literal(b.get('key', target))}}}) "
            f"CREATE (a)-[:{relation} {_map({k: v for k, v in data.items() if k != 'relation'})}]->(b);"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
