"""The graph the model declares, derived from tables: every label's nodes and every type's
relationships, as Neo4j holds them, for the stores that keep tables (the embedded store, the
bulk importer's files).

Read from ``workbench.model`` when called, never copied: a node kind or relationship kind added
to the model reaches every store through here (docs/architecture.md, "The graph model").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from workbench import model

__all__ = [
    "ENTITY_LABEL",
    "RelationshipRows",
    "ModelGraph",
    "entity_labels",
    "entity_relationships",
    "model_graph",
]


def entity_labels() -> dict[str, str]:
    """Input file -> the node each of its rows becomes, as the model declares it now."""
    return {kind.source_file: label for label, kind in model.NODE_KINDS.items() if kind.source_file}


# the same, read once at import, for the stores' dispatch on table names
ENTITY_LABEL = entity_labels()


@dataclass(frozen=True)
class RelationshipRows:
    """The relationships of one ``type`` one table makes: ``rows`` has ``_start`` and ``_end`` (the
    two nodes' keys) and then the relationship's properties; ``part`` names where they came from."""

    type: str
    start: str
    end: str
    rows: pd.DataFrame
    part: str


@dataclass
class ModelGraph:
    """Nodes per label (entity rows first, then keys only referred to) and relationships."""

    entities: dict[str, pd.DataFrame] = field(default_factory=dict)
    relationships: list[RelationshipRows] = field(default_factory=list)

    @cached_property
    def node_keys(self) -> dict[str, pd.Index]:
        """Every node's key per label: entity rows first (in their order), then keys only a
        relationship refers to (an identifier, an address no addresses row describes)."""
        keys: dict[str, list[pd.Series]] = {}
        for label, frame in self.entities.items():
            keys.setdefault(label, []).append(frame[model.NODE_KINDS[label].key])
        for r in self.relationships:
            keys.setdefault(r.start, []).append(r.rows["_start"])
            keys.setdefault(r.end, []).append(r.rows["_end"])
        return {
            label: pd.Index(pd.unique(pd.concat(found).dropna().astype(str))) for label, found in keys.items()
        }

    def relationships_of(self, type_: str) -> pd.DataFrame:
        """Every relationship of ``type_``: ``_start``, ``_end`` and the properties."""
        parts = [r.rows for r in self.relationships if r.type == type_ and len(r.rows)]
        if not parts:
            return pd.DataFrame(columns=["_start", "_end"])
        return pd.concat(parts, ignore_index=True)

    def counts(self) -> dict[str, int]:
        """Nodes per label and relationships per type, the ones with none left out (as
        ``Neo4jStore.graph_counts`` reads them off the database)."""
        counts = {label: len(keys) for label, keys in self.node_keys.items() if len(keys)}
        for r in self.relationships:
            if len(r.rows):
                counts[r.type] = counts.get(r.type, 0) + len(r.rows)
        return counts


def entity_relationships(name: str, frame: pd.DataFrame) -> list[RelationshipRows]:
    """What each row of entity file ``name`` implies: one relationship per distinct pair of ends
    (Neo4j MERGEs them), none where an end is empty."""
    out = []
    for r in (r for r in model.ENTITY_RELATIONSHIPS if r.file == name):
        (a_label, _, a_col), (b_label, _, b_col) = r.source, r.target
        pairs = frame[[a_col, b_col]].dropna()
        # an empty cell names nothing: no node with an empty key (a Brand "", an Address "")
        pairs = pairs[(pairs[a_col] != "") & (pairs[b_col] != "")]
        pairs = pairs.drop_duplicates().set_axis(["_start", "_end"], axis=1)
        out.append(RelationshipRows(r.type, a_label, b_label, pairs, f"{r.type}_{name}"))
    return out


def _link_relationships(name: str, frame: pd.DataFrame) -> list[RelationshipRows]:
    """A link file's rows: one ``HAS_<KIND>`` relationship per row, with its provenance."""
    owner_label, owner_key = model.LINK_OWNERS[name]
    out = []
    for kind, part in frame.groupby("kind", sort=True):
        props = [c for c in part.columns if c not in (owner_key, "kind", "value")]
        rows = pd.concat(
            [part[[owner_key, "value"]].set_axis(["_start", "_end"], axis=1), part[props]], axis=1
        )
        out.append(
            RelationshipRows(
                model.LINK_TYPES[kind], owner_label, model.LINK_KIND_TO_NODE[kind], rows, f"{name}_{kind}"
            )
        )
    return out


def _payment_relationships(payments: pd.DataFrame) -> RelationshipRows:
    """One ``PAID`` per payment, between the two accounts."""
    props = [c for c in payments.columns if c not in ("from_account", "to_account")]
    rows = pd.concat(
        [payments[["from_account", "to_account"]].set_axis(["_start", "_end"], axis=1), payments[props]],
        axis=1,
    )
    return RelationshipRows("PAID", "BankAccount", "BankAccount", rows, "payments")


def _result_relationships(
    rings: pd.DataFrame | None, upstream: pd.DataFrame | None
) -> list[RelationshipRows]:
    """What an analysis writes back: ``MEMBER_OF`` per ring member, ``SOURCED_FROM`` per ranked
    organisation."""
    out = []
    if rings is not None and len(rings):
        members = rings[["seller_id", "ring_id"]].set_axis(["_start", "_end"], axis=1)
        out.append(RelationshipRows("MEMBER_OF", "Seller", "Ring", members, "rings"))
    if upstream is not None and len(upstream):
        orgs = upstream[upstream["entity_kind"] == "Organization"]
        sources = orgs[["ring_id", "entity_id"]].set_axis(["_start", "_end"], axis=1)
        out.append(RelationshipRows("SOURCED_FROM", "Ring", "Organization", sources, "upstream"))
    return out


def model_graph(
    tables: Mapping[str, pd.DataFrame],
    rings: pd.DataFrame | None = None,
    upstream: pd.DataFrame | None = None,
) -> ModelGraph:
    """The graph ``tables`` (as the loaders produced them) make under the model, with the rings
    and sources of an analysis when given.

    >>> sellers = pd.DataFrame({"seller_id": ["S1", "S2"], "provenance": ["sellers.csv:2", "sellers.csv:3"]})
    >>> links = pd.DataFrame({"seller_id": ["S1", "S2"], "kind": "phone", "value": "+8613800000001",
    ...                       "provenance": ["seller_links.csv:2", "seller_links.csv:3"]})
    >>> model_graph({"sellers": sellers, "seller_links": links}).counts()
    {'Seller': 2, 'Phone': 1, 'HAS_PHONE': 2}
    """
    graph = ModelGraph()
    for name, label in entity_labels().items():
        frame = tables.get(name)
        if frame is None or not len(frame):
            continue
        graph.entities[label] = frame
        graph.relationships.extend(entity_relationships(name, frame))
    for name in model.LINK_OWNERS:
        frame = tables.get(name)
        if frame is not None and len(frame):
            graph.relationships.extend(_link_relationships(name, frame))
    payments = tables.get("payments")
    if payments is not None and len(payments):
        graph.relationships.append(_payment_relationships(payments))
    graph.relationships.extend(_result_relationships(rings, upstream))
    return graph
