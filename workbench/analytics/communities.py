"""Ring detection: groups of storefronts tied by shared identifiers, with stable ring ids."""

from __future__ import annotations

import hashlib

import igraph as ig
import numpy as np
import pandas as pd

from workbench.model import STRONG_LINK_KINDS

__all__ = ["connected_rings", "ring_id_for"]


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
    """
    links = seller_links.loc[seller_links["kind"].isin(kinds), ["seller_id", "kind", "value"]]
    links = links.drop_duplicates()
    if links.empty:
        return pd.DataFrame(columns=["seller_id", "ring_id"])
    seller_codes, sellers = pd.factorize(links["seller_id"])
    ident_codes, _ = pd.factorize(links["kind"] + "\x1f" + links["value"])
    graph = ig.Graph(
        n=len(sellers) + int(ident_codes.max()) + 1,
        edges=np.column_stack([seller_codes, ident_codes + len(sellers)]),
    )
    membership = np.asarray(graph.connected_components().membership)[: len(sellers)]
    groups = pd.DataFrame({"seller_id": np.asarray(sellers), "group": membership})
    size = groups.groupby("group")["seller_id"].transform("size")
    groups = groups[size >= 2]
    ids = groups.groupby("group")["seller_id"].agg(ring_id_for)
    groups["ring_id"] = groups["group"].map(ids)
    return groups[["seller_id", "ring_id"]].sort_values(["ring_id", "seller_id"], ignore_index=True)
