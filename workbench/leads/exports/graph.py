"""The case as one graph: entities (storefronts, people, identifiers, organisations, addresses)
and the links between them, each carrying the input records that show it."""

from __future__ import annotations

import networkx as nx
import pandas as pd

from workbench.model import LINK_KIND_TO_NODE

from ..case import RingCase

__all__ = ["case_graph"]

# evidence kinds to node labels: the model's, plus suppliers seen on waybills
_KIND_LABEL = {**LINK_KIND_TO_NODE, "supplier": "Organization"}


def _node(kind: str, value: str) -> str:
    return f"{kind}:{value}"


def _dates(frame, key: str, column: str) -> dict[str, str]:
    """Record id -> its day (``YYYY-MM-DD``) where the input dated it."""
    if frame is None or not len(frame) or key not in frame or column not in frame:
        return {}
    days = pd.to_datetime(frame[column], errors="coerce", utc=True).dt.strftime("%Y-%m-%d")
    return {k: d for k, d in zip(frame[key].astype(str), days, strict=True) if isinstance(d, str)}


def case_graph(case: RingCase) -> nx.MultiDiGraph:
    """Nodes ``Label:key`` with ``label``, ``key`` and ``name``; edges with ``relation``,
    ``provenance`` (``file:line`` of each input record, ``;``-separated) and, where the input dates
    the record (a registration, a waybill, a payment), its ``date``."""
    graph = nx.MultiDiGraph(ring_id=case.ring_id)
    dated = {
        **_dates(case.shipments, "waybill", "shipped_at"),
        **_dates(case.payments, "payment_id", "paid_at"),
    }
    registered_on = _dates(case.members, "seller_id", "registered_at")
    for m in case.members.itertuples(index=False):
        seller = _node("Seller", m.seller_id)
        graph.add_node(
            seller,
            label="Seller",
            key=m.seller_id,
            name=str(m.shop_name),
            status=str(m.status),
            provenance=m.provenance,
        )
        if m.person_id:
            person = _node("Person", m.person_id)
            graph.add_node(person, label="Person", key=m.person_id, name=m.person_id)
            registered = registered_on.get(str(m.seller_id), "")
            graph.add_edge(seller, person, relation="REGISTERED_TO", provenance=m.provenance, date=registered)
    for i in case.identifiers.itertuples(index=False):
        label = _KIND_LABEL.get(i.kind, i.kind)
        target = _node(label, i.value)
        graph.add_node(target, label=label, key=i.value, name=i.value)
        graph.add_edge(
            _node("Seller", i.seller_id), target, relation=f"HAS_{i.kind.upper()}", provenance=i.provenance
        )
    for p in case.paths.itertuples(index=False):
        source, target = (_flow_node(p.from_entity), _flow_node(p.to_entity))
        for node in (source, target):
            if node not in graph:
                label, key = node.split(":", 1)
                graph.add_node(node, label=label, key=key, name=key)
        relation = "SHIPPED_TO" if p.flow == "goods" else "PAID"
        graph.add_edge(
            source,
            target,
            relation=relation,
            record_id=p.record_id,
            provenance=p.provenance,
            date=dated.get(str(p.record_id), ""),
        )
    for u in case.upstream.itertuples(index=False):
        node = _node("Organization", u.entity_id)
        graph.add_node(
            node,
            label="Organization",
            key=u.entity_id,
            name=str(getattr(u, "entity_name", "")),
            source_rank=int(u.rank),
            source_score=float(u.score),
        )
    return graph


def _flow_node(entity: str) -> str:
    kind, key = entity.split(":", 1)
    return _node(
        {"org": "Organization", "seller": "Seller", "addr": "Address", "acct": "BankAccount"}[kind], key
    )
