"""The evidence graph: storefront-to-storefront evidence from shared identifiers, weighted by kind
and rarity, with hubs suppressed and listed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.frames import inner_joined, is_in, positions_in, rows_of, taken

from .grouped import first_rows, joined_per_group, numbered_by_group
from .settings import AnalysisSettings

__all__ = [
    "EvidenceGraph",
    "INPUT_VALUE",
    "cited_links",
    "evidence_links",
    "evidence_graph",
    "pair_weight",
    "shared_identifiers",
]

_LINK_COLUMNS = ["seller_id", "kind", "value", "provenance"]
# beside a link whose value entity resolution replaced, the value its input line gave (a name with a
# space: no input column is stored under one, so a seller's own column cannot pose as it)
INPUT_VALUE = "value as input"


def cited_links(links: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """``seller_id, kind, value, provenance`` of the links at ``rows`` (a mask), with provenance
    as evidence cites it: a link whose value entity resolution replaced names the record it gave
    too (``seller_links.csv:12 as A7``). Only the rows cited are written so."""
    given = INPUT_VALUE in links.columns
    picked = rows_of(links, rows, [*_LINK_COLUMNS, INPUT_VALUE] if given else _LINK_COLUMNS)
    if not given:
        return picked
    input_value = picked.pop(INPUT_VALUE)
    renamed = (input_value.notna() & (input_value != picked["value"])).to_numpy(dtype=bool)
    if renamed.any():
        provenance = picked["provenance"]
        picked["provenance"] = provenance.where(~renamed, provenance + " as " + input_value)
    return picked


@dataclass
class EvidenceGraph:
    """Seller pairs with summed evidence weight, and what was ignored as a hub.

    ``sellers`` maps the integer node ids used in ``edges`` (columns ``a, b, weight``, a < b)
    to seller ids; ``suppressed`` lists ``kind, value, degree, max_degree`` of every hub.
    """

    sellers: pd.Index
    edges: pd.DataFrame
    suppressed: pd.DataFrame
    identifiers: pd.DataFrame  # kind, value, degree, pair_weight of every identifier kept

    def touching(self, sellers: set[str]) -> tuple[EvidenceGraph, set[str]]:
        """The graph with only the edges of the connected components that hold one of
        ``sellers`` (what an increment touches), and every seller of those components."""
        import igraph

        if self.edges.empty:
            return self, set(sellers)
        graph = igraph.Graph(n=len(self.sellers), edges=self.edges[["a", "b"]].to_numpy().tolist())
        component = np.asarray(graph.connected_components().membership)
        touched = np.flatnonzero(self.sellers.isin(list(sellers)))
        hit = np.isin(component, np.unique(component[touched]))
        keep = hit[self.edges["a"].to_numpy()]
        inside = set(self.sellers[hit])
        edges = self.edges[keep].reset_index(drop=True)
        return EvidenceGraph(self.sellers, edges, self.suppressed, self.identifiers), inside

    def seller_pairs(self) -> pd.DataFrame:
        """Edges with seller ids instead of node numbers."""
        return pd.DataFrame(
            {
                "seller_a": self.sellers[self.edges["a"].to_numpy()],
                "seller_b": self.sellers[self.edges["b"].to_numpy()],
                "weight": self.edges["weight"].to_numpy(),
            }
        )


def pair_weight(
    kind_weight: float | np.ndarray, degree: int | np.ndarray, rarity_exponent: float = 1.5
) -> float | np.ndarray:
    """Evidence one shared identifier gives a pair of its sellers: its kind's weight times its
    rarity ``(2 / degree) ** rarity_exponent`` (1 when two sellers share it).

    With an exponent above 1 the evidence a seller gets from one identifier *falls* as more
    sellers share it, so a cafe IP used by twenty shops ties none of them strongly.

    >>> float(pair_weight(1.0, 2)), float(pair_weight(0.3, 8, rarity_exponent=2.0))
    (1.0, 0.01875)
    """
    return np.round(kind_weight * (2.0 / np.asarray(degree, dtype=float)) ** rarity_exponent, 6)


def evidence_links(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every identifier tie of a seller, declared or seen in logistics, with its provenance.

    Beside ``seller_links``: the address a seller ships from on its waybills and on test buys of
    its listings (kind ``address``), and each organisation that ships goods to it (kind
    ``supplier``). Waybills show where a shop really operates, whatever it declares.
    """
    seller_links = tables["seller_links"]
    # the input's values where entity resolution replaced some, to cite them (``cited_links``)
    parts = [seller_links[[c for c in (*_LINK_COLUMNS, INPUT_VALUE) if c in seller_links.columns]]]
    shipments = tables.get("shipments")
    if shipments is not None and len(shipments):
        sent = shipments[shipments["sender_kind"] == "seller"]
        parts.append(
            pd.DataFrame(
                {
                    "seller_id": sent["sender_id"],
                    "kind": "address",
                    "value": sent["from_address_id"],
                    "provenance": sent["provenance"],
                }
            )
        )
        received = shipments[(shipments["recipient_kind"] == "seller") & (shipments["sender_kind"] == "org")]
        parts.append(
            pd.DataFrame(
                {
                    "seller_id": received["recipient_id"],
                    "kind": "supplier",
                    "value": received["sender_id"],
                    "provenance": received["provenance"],
                }
            )
        )
    test_buys, listings = tables.get("test_buys"), tables.get("listings")
    if test_buys is not None and listings is not None and len(test_buys):
        bought = inner_joined(
            test_buys[test_buys["ship_from_address_id"] != ""],
            listings[["listing_id", "seller_id"]],
            on="listing_id",
        )
        parts.append(
            pd.DataFrame(
                {
                    "seller_id": bought["seller_id"],
                    "kind": "address",
                    "value": bought["ship_from_address_id"],
                    "provenance": bought["provenance"],
                }
            )
        )
    kind = seller_links["kind"]
    if isinstance(kind.dtype, pd.CategoricalDtype) and len(parts) > 1:
        # the links' kinds held as codes stay codes with the kinds seen in logistics among them:
        # joined to text, the links' kinds were a new column of text (110 MiB a million sellers)
        derived = {p["kind"].iloc[0] for p in parts[1:] if len(p)}
        codes = pd.CategoricalDtype(sorted({*kind.cat.categories, *derived}))
        parts = [p.astype({"kind": codes}) for p in parts]
    # Arrow's text is not copied by the join: the links' columns are pieces of the input's
    return pd.concat(parts, ignore_index=True)


def _distinct_links(seller_links: pd.DataFrame, kinds: list[str]) -> tuple[pd.DataFrame, pd.Index]:
    """Each seller's identifiers of the counted ``kinds`` once, in the order they first appear, as
    numbers: ``seller`` (its place in the sorted seller ids, returned beside), ``ident`` (one
    number per kind and value, in that order), ``kind`` (its place in ``kinds``) and ``row`` (the
    link's position in ``seller_links``, where its text is read when needed).

    Each column is numbered once (the values kind by kind, so the hash table is one kind's) and
    the rest is integers: no string of the millions of links is copied or hashed twice."""
    kind_of_row = positions_in(seller_links["kind"], kinds)
    rows = np.flatnonzero(kind_of_row >= 0)
    # a kind's number in a byte (a handful of kinds): a link's four numbers are this step's memory
    kind = kind_of_row[rows].astype(np.int8)
    rows = rows.astype(np.int32) if len(seller_links) < 2**31 else rows
    del kind_of_row  # the arrays of this function are the evidence step's peak: each one goes early
    ident = numbered_by_group(seller_links["value"], rows, kind)
    # every link counted (the usual weights): the column itself, not a copy of its text picked
    # row by row (1.4 GB at ten million sellers)
    owners = seller_links["seller_id"]
    seller, names = pd.factorize(owners if len(rows) == len(owners) else owners.iloc[rows], sort=True)
    # a seller and an identifier as one number: its first link is the one kept; an identifier
    # named by one link only (most of them) has nothing to compare
    first = np.ones(len(rows), dtype=bool)
    repeated = np.flatnonzero(np.bincount(ident)[ident] > 1)
    pair = pd.Series(ident[repeated] * max(len(names), 1) + seller[repeated])
    first[repeated] = ~pair.duplicated().to_numpy()
    del pair, repeated
    kept = np.flatnonzero(first)
    columns = {"seller": seller, "ident": ident, "kind": kind, "row": rows}
    # one array per column, not copied again into one block of four
    distinct = pd.DataFrame({name: column.take(kept) for name, column in columns.items()}, copy=False)
    return distinct, pd.Index(names)


def evidence_graph(seller_links: pd.DataFrame, settings: AnalysisSettings) -> EvidenceGraph:
    """Build the weighted seller graph from ``seller_links`` (normalised loader output)."""
    kinds = [k for k, w in settings.kind_weights.items() if w > 0]
    links, sellers = _distinct_links(seller_links, kinds)
    ident_codes = links["ident"].to_numpy()
    degree = np.bincount(ident_codes)
    link_degree = degree[ident_codes]
    caps = settings.degree_caps(pd.Series(kinds)).to_numpy()
    is_hub = link_degree > caps[links["kind"].to_numpy()]
    hub = np.zeros(len(degree), dtype=bool)
    hub[ident_codes[is_hub]] = True
    # identifiers are numbered as they first appear, so their first links are in number order
    first_row = links["row"].to_numpy()[first_rows(ident_codes)]

    def described(idents: np.ndarray) -> pd.DataFrame:
        """``kind, value, degree`` of the identifiers numbered ``idents``, read from their first links."""
        at = first_row[idents]
        return pd.DataFrame(
            {
                # text, as the findings keep it (the links may hold their kinds as codes)
                "kind": seller_links["kind"].take(at).astype("str").reset_index(drop=True),
                "value": taken(seller_links["value"], at).reset_index(drop=True),
                "degree": degree[idents],
            }
        )

    suppressed = described(np.flatnonzero(hub))
    suppressed["max_degree"] = settings.degree_caps(suppressed["kind"])
    suppressed = suppressed.sort_values(
        ["degree", "kind", "value"], ascending=[False, True, True], ignore_index=True
    )

    kept_idents = np.flatnonzero((degree >= 2) & ~hub)
    kept = described(kept_idents)
    kept["pair_weight"] = pair_weight(
        kept["kind"].map(settings.kind_weights).to_numpy(), kept["degree"], settings.rarity_exponent
    )
    # all pairs of sellers of each shared identifier: a self-join on the identifier
    shared = (link_degree >= 2) & ~is_hub
    left = pd.DataFrame({"ident": ident_codes[shared], "seller": links["seller"].to_numpy()[shared]})
    pairs = left.merge(left, on="ident", suffixes=("_a", "_b"))
    pairs = pairs[pairs["seller_a"] < pairs["seller_b"]]
    weight = pd.Series(kept["pair_weight"].to_numpy(), index=kept_idents)
    pairs = pairs.assign(weight=weight.reindex(pairs["ident"].to_numpy()).to_numpy())
    edges = (
        pairs.groupby(["seller_a", "seller_b"], sort=True)["weight"]
        .sum()
        .reset_index()
        .rename(columns={"seller_a": "a", "seller_b": "b"})
    )
    return EvidenceGraph(sellers, edges, suppressed, kept)


def shared_identifiers(
    seller_links: pd.DataFrame,
    members: pd.DataFrame,
    settings: AnalysisSettings,
    identifiers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """For each ring member, the identifiers it shares with other members of its ring.

    ``members`` has ``seller_id, ring_id``. Returns ``ring_id, seller_id, kind, value, degree,
    shared_with, provenance`` with hubs left out (they are not evidence). ``identifiers`` are the
    evidence graph's (``kind, value, degree``) when the caller built it from these links.
    """
    kinds = [k for k, w in settings.kind_weights.items() if w > 0]
    # the members' links picked in Arrow before the join: joining all the links took seconds
    of_members = is_in(seller_links["kind"], kinds) & is_in(seller_links["seller_id"], members["seller_id"])
    links = cited_links(seller_links, of_members).merge(members, on="seller_id")
    if links.empty:  # no ring, or no identifier of a counted kind: nothing is shared
        columns = ["ring_id", "seller_id", "kind", "value", "degree", "shared_with", "provenance"]
        return pd.DataFrame(columns=columns)
    if identifiers is not None:
        # the evidence graph counted the sellers of every identifier it kept over all the links;
        # one it did not keep has one seller or is a hub, and neither is shared evidence
        degree = identifiers.dropna(subset=["value"]).set_index(["kind", "value"])["degree"]
    else:
        # degrees of the identifiers members hold, counted over the links that name them only
        naming = seller_links[is_in(seller_links["value"], links["value"])]
        distinct, _ = _distinct_links(naming, kinds)
        held = naming[["kind", "value"]].take(distinct["row"].to_numpy())
        degree = held.groupby(["kind", "value"]).size().rename("degree")
    links = links.join(degree, on=["kind", "value"])
    caps = settings.degree_caps(links["kind"])
    links = links[links["degree"] <= caps]
    links = links.assign(degree=links["degree"].astype("int64"))
    per_ring = links.groupby(["ring_id", "kind", "value"])["seller_id"].transform("nunique")
    links = links[per_ring >= 2].copy()
    links["shared_with"] = per_ring[per_ring >= 2] - 1
    keys = ["ring_id", "seller_id", "kind", "value"]
    shared = links.groupby(keys, sort=True).agg(
        degree=("degree", "first"), shared_with=("shared_with", "first")
    )
    shared["provenance"] = joined_per_group(links, keys, "provenance", ";")
    return shared.reset_index()
