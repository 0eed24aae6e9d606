"""Ring detection: communities of storefronts on the evidence graph, with stable ring ids."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Protocol

import igraph as ig
import numpy as np
import pandas as pd

from workbench.model import STRONG_LINK_KINDS

from .evidence import EvidenceGraph
from .grouped import first_rows, row_codes
from .settings import AnalysisSettings

__all__ = [
    "connected_rings",
    "ring_id_for",
    "embedded_weights",
    "PreparedGraph",
    "prepare_graph",
    "partition",
    "detect_communities",
    "rings_from_communities",
    "assign_stable_ids",
]


def ring_id_for(members: list[str] | pd.Series) -> str:
    """A ring id derived from its smallest member: the same members always give the same id.

    >>> ring_id_for(["S2", "S1"]) == ring_id_for(["S1", "S2"])
    True
    """
    anchor = min(members)
    return "R-" + hashlib.sha1(anchor.encode()).hexdigest()[:10]


def connected_rings(seller_links: pd.DataFrame, kinds: tuple[str, ...] = STRONG_LINK_KINDS) -> pd.DataFrame:
    """The baseline: connected components of sellers over shared identifiers of ``kinds``.

    Returns ``seller_id, ring_id`` for every seller in a component of two or more sellers.

    >>> links = pd.DataFrame({"seller_id": ["S1", "S2", "S3"], "kind": ["phone", "phone", "device"],
    ...                       "value": ["13800000001", "13800000001", "D9"]})
    >>> connected_rings(links)["seller_id"].tolist()  # S3's device is its own: no ring
    ['S1', 'S2']
    """
    links = seller_links.loc[seller_links["kind"].isin(kinds), ["seller_id", "kind", "value"]]
    links = links[first_rows(row_codes(links, ["seller_id", "kind", "value"]))]
    if links.empty:
        return pd.DataFrame(columns=["seller_id", "ring_id"])
    seller_codes, sellers = pd.factorize(links["seller_id"])
    ident_codes = row_codes(links, ["kind", "value"])
    graph = ig.Graph(
        n=len(sellers) + int(ident_codes.max()) + 1,
        edges=np.column_stack([seller_codes, ident_codes + len(sellers)]),
    )
    membership = np.asarray(graph.connected_components().membership)[: len(sellers)]
    groups = pd.DataFrame({"seller_id": np.asarray(sellers), "group": membership})
    return _named(groups)


def _named(groups: pd.DataFrame) -> pd.DataFrame:
    """Groups of two or more sellers, each named by ``ring_id_for``."""
    size = groups.groupby("group")["seller_id"].transform("size")
    groups = groups[size >= 2].copy()
    ids = groups.groupby("group")["seller_id"].agg(ring_id_for)
    groups["ring_id"] = groups["group"].map(ids)
    return groups[["seller_id", "ring_id"]].sort_values(["ring_id", "seller_id"], ignore_index=True)


def embedded_weights(graph: ig.Graph, weights: np.ndarray, isolated_penalty: float) -> np.ndarray:
    """Edge weights with ties that share no common neighbour multiplied by ``isolated_penalty``.

    Ties inside an operation sit in triangles (members share several identifiers and suppliers);
    a bridge between two operations (an agent's phone, a second-hand device) usually does not.
    """
    if graph.ecount() == 0:
        return weights
    ends = np.array(graph.get_edgelist())
    jaccard = np.asarray(graph.similarity_jaccard(pairs=[tuple(e) for e in ends], loops=False))
    degree = np.asarray(graph.degree())
    union_plus = degree[ends[:, 0]] + degree[ends[:, 1]]
    common = np.rint(jaccard * union_plus / (1 + jaccard))
    return np.where(common == 0, weights * isolated_penalty, weights)


@dataclass
class PreparedGraph:
    """The evidence graph over the sellers that have evidence, ready for a community method."""

    graph: ig.Graph
    weights: np.ndarray
    nodes: np.ndarray  # evidence-graph node number of each graph vertex
    size: int  # sellers in the evidence graph, isolated ones included


def prepare_graph(evidence: EvidenceGraph, settings: AnalysisSettings) -> PreparedGraph:
    """The weighted graph the community step runs on; sellers without evidence stay out."""
    ends = evidence.edges[["a", "b"]].to_numpy()
    # the sellers with an edge, in order: marked in an array of all of them (np.unique hashes
    # every end, 1.6 s for eight million)
    marked = np.zeros(len(evidence.sellers), dtype=bool)
    marked[ends.ravel()] = True
    nodes = np.flatnonzero(marked)
    position = np.full(len(evidence.sellers), -1, dtype=np.int64)
    position[nodes] = np.arange(len(nodes))
    edges = position[ends] if len(ends) else np.empty((0, 2), dtype=np.int64)
    graph = ig.Graph(n=len(nodes), edges=edges)
    weights = embedded_weights(graph, evidence.edges["weight"].to_numpy(), settings.isolated_penalty)
    return PreparedGraph(graph, weights, nodes, len(evidence.sellers))


class CommunityEngine(Protocol):
    """Community detection outside this process (a Neo4j store's Graph Data Science Leiden):
    given the numbered, weighted edges of the evidence graph, the community of each vertex."""

    def __call__(
        self, a: np.ndarray, b: np.ndarray, weights: np.ndarray, vertices: int, settings: AnalysisSettings
    ) -> np.ndarray: ...


def partition(
    prepared: PreparedGraph, settings: AnalysisSettings, engine: CommunityEngine | None = None
) -> np.ndarray:
    """Community of each vertex of ``prepared.graph`` by ``settings.method``.

    ``leiden`` is igraph's C implementation optimising the constant Potts model (Traag, Waltman &
    van Eck 2019, "From Louvain to Leiden: guaranteeing well-connected communities", Scientific
    Reports 9:5233; CPM: Traag, Van Dooren & Nesterov 2011, Phys. Rev. E 84:016114), seeded
    through its own random generator so runs repeat; ``louvain`` is networkx's modularity Louvain;
    ``gds`` hands the same weighted graph to ``engine`` (a Neo4j store's Graph Data Science Leiden).
    """
    graph, weights = prepared.graph, prepared.weights
    if settings.method == "gds":
        if engine is None:
            from workbench.errors import WorkbenchError

            raise WorkbenchError(
                "--method gds runs in Neo4j: give --neo4j URI (a server with Graph Data Science)"
            )
        ends = np.array(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
        return engine(ends[:, 0], ends[:, 1], weights, graph.vcount(), settings)
    if settings.method == "leiden":
        ig.set_random_number_generator(random.Random(settings.seed))
        try:
            found = graph.community_leiden(
                objective_function="CPM",
                weights=list(weights),
                resolution=settings.resolution,
                n_iterations=-1,
            ).membership
        finally:
            ig.set_random_number_generator(random)
        return np.asarray(found, dtype=np.int64)
    if settings.method == "louvain":
        import networkx as nx

        nxg = nx.Graph()
        nxg.add_nodes_from(range(graph.vcount()))
        ends = np.array(graph.get_edgelist()).reshape(-1, 2)
        nxg.add_weighted_edges_from(
            zip(ends[:, 0].tolist(), ends[:, 1].tolist(), weights.tolist(), strict=True)
        )
        found = np.empty(graph.vcount(), dtype=np.int64)
        for index, community in enumerate(
            nx.community.louvain_communities(nxg, weight="weight", seed=settings.seed)
        ):
            found[list(community)] = index
        return found
    return np.asarray(graph.connected_components().membership, dtype=np.int64)


def detect_communities(
    evidence: EvidenceGraph, settings: AnalysisSettings, engine: CommunityEngine | None = None
) -> pd.DataFrame:
    """Communities of the evidence graph by ``settings.method``: ``seller_id, group``.

    Two operations of three storefronts each (one shares a person ID and a phone, the other a
    payout account and a device) come out as two groups:

    >>> import pandas as pd
    >>> from workbench.analytics.evidence import evidence_graph
    >>> links = pd.DataFrame({
    ...     "seller_id": ["S1", "S2", "S3", "S1", "S2", "S3", "S4", "S5", "S6", "S4", "S5", "S6"],
    ...     "kind": ["person_id"] * 3 + ["phone"] * 3 + ["bank_account"] * 3 + ["device"] * 3,
    ...     "value": ["P1"] * 3 + ["+861"] * 3 + ["B1"] * 3 + ["D1"] * 3,
    ...     "provenance": [f"seller_links.csv:{n}" for n in range(2, 14)]})
    >>> found = detect_communities(evidence_graph(links, AnalysisSettings.load()), AnalysisSettings.load())
    >>> found.groupby("group")["seller_id"].apply(list).tolist()
    [['S1', 'S2', 'S3'], ['S4', 'S5', 'S6']]

    The constant Potts model, unlike modularity, does not merge small groups just because the
    whole graph is large; sellers with no evidence are singletons.
    """
    prepared = prepare_graph(evidence, settings)
    found = partition(prepared, settings, engine)
    membership = np.arange(prepared.size, dtype=np.int64) + len(prepared.nodes)
    membership[prepared.nodes] = found
    return pd.DataFrame({"seller_id": np.asarray(evidence.sellers), "group": membership})


def rings_from_communities(
    communities: pd.DataFrame, evidence: EvidenceGraph, settings: AnalysisSettings
) -> pd.DataFrame:
    """Keep communities of two or more sellers whose members share enough evidence.

    Returns ``seller_id, ring_id, evidence_weight`` where ``evidence_weight`` is the member's
    summed evidence to the other members of its ring (what ties it there).
    """
    group = communities["group"].to_numpy()
    a, b = evidence.edges["a"].to_numpy(), evidence.edges["b"].to_numpy()
    weight = evidence.edges["weight"].to_numpy()
    inside = group[a] == group[b]
    tie = np.bincount(a[inside], weight[inside], minlength=len(group)) + np.bincount(
        b[inside], weight[inside], minlength=len(group)
    )
    frame = communities.assign(evidence_weight=np.round(tie, 4))
    internal = frame.groupby("group")["evidence_weight"].transform("sum") / 2
    frame = frame[internal >= settings.min_ring_weight]
    named = _named(frame[["seller_id", "group"]])
    return named.merge(frame[["seller_id", "evidence_weight"]], on="seller_id")


def _unclaimed_id(members: list[str], taken: set[str]) -> str:
    """The id of the first of ``members`` (in order) whose id is not ``taken``; the same members
    and the same taken ids always give the same answer."""
    for anchor in members:
        candidate = ring_id_for([anchor])
        if candidate not in taken:
            return candidate
    return "R-" + hashlib.sha1("|".join(members).encode()).hexdigest()[:10]


def assign_stable_ids(
    rings: pd.DataFrame, previous: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Carry ring ids over from a previous run: a ring that keeps most of a previous ring's
    members keeps its id; splits and merges are recorded.

    ``rings`` and ``previous`` have ``seller_id, ring_id``. Returns the renamed rings and a
    history of ``ring_id, previous_ring_id, event, shared_members`` with events ``kept``,
    ``new``, ``split`` (another ring holds the rest of the previous ring), ``merged`` (the ring
    took in members of a second previous ring) and ``dissolved``.
    """
    columns = ["ring_id", "previous_ring_id", "event", "shared_members"]
    if previous is None or previous.empty:
        history = pd.DataFrame({"ring_id": rings["ring_id"].unique()}).assign(
            previous_ring_id=None, event="new", shared_members=0
        )
        return rings, history[columns]
    overlap = (
        rings[["seller_id", "ring_id"]]
        .merge(previous[["seller_id", "ring_id"]], on="seller_id", suffixes=("", "_previous"))
        .groupby(["ring_id", "ring_id_previous"])
        .size()
        .rename("shared")
        .reset_index()
    )
    previous_size = previous.groupby("ring_id").size()
    overlap["share_of_previous"] = overlap["shared"] / overlap["ring_id_previous"].map(previous_size)
    # each previous ring hands its id to the new ring holding most of its members (if > half),
    # each new ring takes at most one previous id: the one it holds most of
    heirs = overlap[overlap["share_of_previous"] > 0.5].sort_values(
        ["shared", "ring_id_previous"], ascending=[False, True]
    )
    heirs = heirs.drop_duplicates("ring_id").drop_duplicates("ring_id_previous")
    rename = dict(zip(heirs["ring_id"], heirs["ring_id_previous"], strict=True))
    # a ring that inherits nothing may still be named like a previous ring (its smallest member
    # was that ring's): it takes a name no previous or inheriting ring has, so two rings never
    # share an id
    taken = set(previous["ring_id"]) | set(rename.values())
    members_of = rings.groupby("ring_id")["seller_id"].agg(sorted)
    for ring_id in sorted(set(rings["ring_id"]) - set(rename)):
        if ring_id in taken:
            rename[ring_id] = _unclaimed_id(members_of[ring_id], taken)
        taken.add(rename.get(ring_id, ring_id))
    renamed = rings.assign(ring_id=rings["ring_id"].map(lambda r: rename.get(r, r)))
    events = []
    for ring_id, rows in overlap.groupby("ring_id"):
        final = rename.get(ring_id, ring_id)
        for row in rows.itertuples(index=False):
            if rename.get(ring_id) == row.ring_id_previous:
                event = "kept"
            elif row.share_of_previous <= 0.5:
                event = "split" if row.ring_id_previous in rename.values() else "merged"
            else:
                event = "merged"
            events.append((final, row.ring_id_previous, event, int(row.shared)))
    untouched = set(rings["ring_id"]) - set(overlap["ring_id"])
    events += [(rename.get(r, r), None, "new", 0) for r in sorted(untouched)]
    gone = set(previous["ring_id"]) - set(overlap["ring_id_previous"])
    events += [(None, r, "dissolved", 0) for r in sorted(gone)]
    return renamed, pd.DataFrame(events, columns=columns)
