"""The named queries of ``queries/``: declared parameters and columns, and the embedded store's answers.

Each ``queries/<name>.cypher`` opens with ``// name:``, ``// question:``, ``// params:``,
``// columns:`` and ``// order:`` lines. Neo4j runs the Cypher; ``MemoryStore`` answers the same
question from its tables with the functions registered here, and both shape the answer the same
way (declared columns, sorted by the declared order, lists sorted) so they can be compared.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from workbench.errors import WorkbenchError
from workbench.model import LINK_OWNERS, LINK_TYPES, identifier_key

from .graph_view import model_graph

__all__ = ["NamedQuery", "NamedQueries", "QUERY_DIR", "answer_in_memory"]

QUERY_DIR = Path(__file__).resolve().parents[2] / "queries"
_TYPES = {"str": str, "int": int, "float": float}


@dataclass(frozen=True)
class NamedQuery:
    name: str
    question: str
    params: dict[str, type]
    columns: list[str]
    order: list[str]
    cypher: str

    def bind(self, params: dict) -> dict:
        """The parameters checked against the declaration (missing, unknown, wrong type)."""
        missing = sorted(set(self.params) - set(params))
        unknown = sorted(set(params) - set(self.params))
        if missing or unknown:
            raise WorkbenchError(
                f"query {self.name}: missing {missing or 'none'}, unknown {unknown or 'none'}"
            )
        bound = {}
        for key, kind in self.params.items():
            try:
                bound[key] = kind(params[key])
            except (TypeError, ValueError):
                raise WorkbenchError(f"query {self.name}: {key} must be {kind.__name__}") from None
        return bound

    def frame(self, rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
        """The answer in canonical shape: declared columns, lists sorted, rows in declared order."""
        frame = pd.DataFrame(rows, columns=self.columns) if not isinstance(rows, pd.DataFrame) else rows
        frame = frame[self.columns].copy()
        for column in self.columns:
            if len(frame) and isinstance(frame[column].iloc[0], list | tuple):
                if column != "path":  # a path's order is its meaning
                    frame[column] = [sorted(v) for v in frame[column]]
        return frame.sort_values(self.order, ignore_index=True, kind="stable") if self.order else frame


class NamedQueries:
    """The catalogue of ``queries/*.cypher``."""

    @staticmethod
    @cache
    def all() -> dict[str, NamedQuery]:
        return {q.name: q for q in map(_parse, sorted(QUERY_DIR.glob("*.cypher")))}

    @classmethod
    def get(cls, name: str) -> NamedQuery:
        try:
            return cls.all()[name]
        except KeyError:
            raise WorkbenchError(f"no named query {name!r}; known: {', '.join(cls.all())}") from None


def model_text(cypher: str) -> str:
    """A query's Cypher with the model's names put in: ``{{LINK_TYPES}}`` (every identifier link
    type, ``A|B|...``) and ``{{KEY:var}}`` (``var``'s key whatever its label). Only the model's
    text goes in; values always travel as parameters.

    >>> model_text("[:{{LINK_TYPES}}]").startswith("[:HAS_PERSON_ID|HAS_PHONE")
    True
    """
    cypher = cypher.replace("{{LINK_TYPES}}", "|".join(LINK_TYPES.values()))
    return re.sub(r"\{\{KEY:(\w+)\}\}", lambda m: identifier_key(m.group(1)), cypher)


def _parse(path: Path) -> NamedQuery:
    header: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if not line.startswith("//"):
            break
        key, _, value = line[2:].strip().partition(":")
        if key in ("name", "question", "params", "columns", "order"):
            header[key] = value.strip()
    params = {}
    for item in filter(None, (p.strip() for p in header.get("params", "").split(","))):
        key, _, kind = item.partition(":")
        params[key.strip()] = _TYPES[kind.strip()]
    split = lambda text: [c.strip() for c in text.split(",") if c.strip()]  # noqa: E731
    if header.get("name") != path.stem:
        raise ValueError(f"{path}: the name line must match the file name")
    return NamedQuery(
        name=path.stem,
        question=header.get("question", ""),
        params=params,
        columns=split(header["columns"]),
        order=split(header.get("order", "")),
        cypher=model_text(path.read_text()),
    )


# ---- the embedded store's answers ------------------------------------------------------------------
_ANSWERS: dict[str, Callable] = {}


def _answers(name: str):
    def register(fn):
        _ANSWERS[name] = fn
        return fn

    return register


def answer_in_memory(store, name: str, **params) -> pd.DataFrame:
    query = NamedQueries.get(name)
    return query.frame(_ANSWERS[name](store, **query.bind(params)))


def _links(store, labels: tuple[str, ...] | None = None, owners: set[str] | None = None) -> pd.DataFrame:
    """Seller and organization identifier links as one frame: owner label and key, kind, value;
    only owners of ``labels`` and, with ``owners``, only theirs (a ring's few rows of a million)."""
    parts = []
    for file_name, (label, owner) in LINK_OWNERS.items():
        if labels is not None and label not in labels:
            continue
        table = store.table(file_name)
        if owners is not None:
            table = table[table[owner].astype(str).isin(owners)]
        parts.append(
            pd.DataFrame(
                {
                    "owner_label": label,
                    "owner": table[owner].astype(str),
                    "kind": table["kind"].astype(str),
                    "value": table["value"].astype(str),
                    "role": table["role"],
                    "provenance": table["provenance"],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _seller_links(store, sellers: set[str] | None = None) -> pd.DataFrame:
    return _links(store, ("Seller",), sellers)


def _members(store, ring_id: str) -> pd.DataFrame:
    rings = store.rings()
    return rings[rings["ring_id"] == ring_id]


def _adjacency(store) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """Nodes and their neighbours over the model's identifier links, either way (the Cypher
    walks ``{{LINK_TYPES}}`` the same)."""
    adjacency: dict[tuple[str, str], set[tuple[str, str]]] = {}
    link_types = set(LINK_TYPES.values())
    # the link files alone make the link relationships: no other table is read or grouped
    graph = model_graph({name: store.table(name) for name in LINK_OWNERS})
    for part in (r for r in graph.relationships if r.type in link_types):
        rows = part.rows
        for start, end in zip(rows["_start"].astype(str), rows["_end"].astype(str), strict=True):
            a, b = (part.start, start), (part.end, end)
            adjacency.setdefault(a, set()).add(b)
            adjacency.setdefault(b, set()).add(a)
    return adjacency


def _bfs(adjacency, start, depth: int) -> dict:
    hops = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if hops[node] == depth:
            continue
        for nxt in adjacency.get(node, ()):
            if nxt not in hops:
                hops[nxt] = hops[node] + 1
                queue.append(nxt)
    return hops


@_answers("seller_neighbourhood")
def _seller_neighbourhood(store, seller_id: str, depth: int):
    hops = _bfs(_adjacency(store), ("Seller", seller_id), min(depth, 6))
    return [{"label": n[0], "key": n[1], "hops": h} for n, h in hops.items() if h > 0]


@_answers("sellers_sharing_identifier")
def _sellers_sharing_identifier(store, kind: str, value: str):
    links = _seller_links(store)
    hit = links[(links["kind"] == kind) & (links["value"] == value)]
    return hit.rename(columns={"owner": "seller_id"})[["seller_id", "role", "provenance"]]


def _shared_in_ring(store, ring_id: str) -> pd.DataFrame:
    return _seller_links(store, set(_members(store, ring_id)["seller_id"]))


@_answers("ring_identifiers")
def _ring_identifiers(store, ring_id: str):
    links = _shared_in_ring(store, ring_id)
    grouped = (
        links.groupby(["kind", "value"])["owner"]
        .agg(lambda s: sorted(set(s)))
        .rename("sellers")
        .reset_index()
    )
    grouped["members"] = grouped["sellers"].str.len()
    return grouped[grouped["members"] >= 2]


@_answers("shortest_connection")
def _shortest_connection(store, from_seller: str, to_seller: str, max_sellers: int):
    adjacency = _adjacency(store)
    # a hub (used by more than max_sellers sellers) is never walked through
    hubs = {
        node
        for node, around in adjacency.items()
        if node[0] != "Seller" and sum(1 for n in around if n[0] == "Seller") > max_sellers
    }
    start, goal = ("Seller", from_seller), ("Seller", to_seller)
    previous = {start: None}
    queue = deque([(start, 0)])
    while queue:
        node, hops = queue.popleft()
        if node == goal and hops > 0:
            path = []
            while node is not None:
                path.append(f"{node[0]}:{node[1]}")
                node = previous[node]
            return [{"hops": hops, "path": path[::-1]}]
        if hops == 8:
            continue
        for nxt in sorted(adjacency.get(node, ())):
            if nxt not in previous and nxt not in hubs:
                previous[nxt] = node
                queue.append((nxt, hops + 1))
    return []


@_answers("ring_flows")
def _ring_flows(store, ring_id: str):
    links = _shared_in_ring(store, ring_id)
    addresses = set(links.loc[links["kind"] == "address", "value"])
    accounts = set(links.loc[links["kind"] == "bank_account", "value"])
    columns = ["flow", "direction", "id", "counterparty", "amount", "provenance"]
    shipments = store.table("shipments")
    payments = store.table("payments")
    # whole-column masks: a ring touches a few hundred of a million shipments
    goods = _flows_of(
        shipments, "goods", ("from_address_id", "to_address_id"), "waybill", "parcels", addresses
    )
    money = _flows_of(payments, "money", ("from_account", "to_account"), "payment_id", "amount", accounts)
    return pd.concat([goods, money], ignore_index=True)[columns]


def _flows_of(records: pd.DataFrame, flow: str, ends: tuple[str, str], key: str, amount: str, mine: set):
    """Records leaving the ring's ``mine`` ('internal' when they arrive in it too) and records arriving
    from outside ('in'), with the far end as the counterparty."""
    start, end = ends
    leaving = records[start].isin(mine)
    arriving = ~leaving & records[end].isin(mine)
    out = records[leaving]
    into = records[arriving]

    def rows(part: pd.DataFrame, direction, counterparty: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "flow": flow,
                "direction": direction,
                "id": part[key].to_numpy(dtype=object),
                "counterparty": part[counterparty].to_numpy(dtype=object),
                "amount": pd.to_numeric(part[amount], errors="coerce").astype(float).to_numpy(),
                "provenance": part["provenance"].to_numpy(dtype=object),
            }
        )

    internal = out[end].isin(mine).to_numpy()
    return pd.concat(
        [
            rows(out, pd.Series(internal).map({True: "internal", False: "out"}).to_numpy(), end),
            rows(into, "in", start),
        ],
        ignore_index=True,
    )


@_answers("membership_evidence")
def _membership_evidence(store, ring_id: str, seller_id: str):
    links = _shared_in_ring(store, ring_id)
    if seller_id not in set(links["owner"]):
        return []
    own = links[links["owner"] == seller_id]
    others = links[links["owner"] != seller_id]
    pairs = own.merge(others, on=["kind", "value"], suffixes=("", "_other"))
    return pairs.rename(columns={"owner_other": "other_seller", "provenance_other": "other_provenance"})


@_answers("community_projection")
def _community_projection(store, max_sellers: int):
    links = _seller_links(store)
    grouped = (
        links.groupby(["kind", "value"])["owner"]
        .agg(lambda s: sorted(set(s)))
        .rename("sellers")
        .reset_index()
    )
    grouped["degree"] = grouped["sellers"].str.len()
    return grouped[(grouped["degree"] >= 2) & (grouped["degree"] <= max_sellers)]


@_answers("ring_members")
def _ring_members(store, ring_id: str):
    members = _members(store, ring_id)
    sellers = store.table("sellers")[["seller_id", "shop_name", "status"]]
    return members.merge(sellers, on="seller_id", how="left")
