"""Standing in a ring: core members stand on corroborated ties, associates on one weak tie only.

A referral names people, so a storefront is a *core member* of a ring only when its ties to the
ring's other core members are corroborated: at least ``min_independent_ties`` ties of different
kinds (a device and a phone, a warehouse and a supplier), or one tie of identity grade (the same
real-person ID, the same payout account). A storefront the community step put in a ring on
weaker ties alone (one second-hand device, one internet-cafe IP, one ship-from address) is an
*associate*: listed with the tie that connects it, never in ``rings.csv``.
"""

from __future__ import annotations

import igraph as ig
import numpy as np
import pandas as pd

from .communities import _unclaimed_id
from .settings import AnalysisSettings

__all__ = ["ring_ties", "split_core", "split_bridged", "TIE_COLUMNS", "ASSOCIATE_COLUMNS"]

TIE_COLUMNS = ["ring_id", "seller_id", "kind", "value", "provenance"]
ASSOCIATE_COLUMNS = ["seller_id", "ring_id", "ties", "evidence"]


def _identifiers(links: pd.DataFrame, settings: AnalysisSettings) -> pd.DataFrame:
    """Each seller's identifiers of counted kinds, hubs left out (they prove nothing), with the
    input lines that show them."""
    kinds = [k for k, w in settings.kind_weights.items() if w > 0]
    counted = links.loc[links["kind"].isin(kinds), ["seller_id", "kind", "value", "provenance"]]
    degree = counted.drop_duplicates(["seller_id", "kind", "value"]).groupby(["kind", "value"]).size()
    counted = counted.join(degree.rename("degree"), on=["kind", "value"])
    caps = counted["kind"].map(settings.degree_cap)
    return counted[(counted["degree"] >= 2) & (counted["degree"] <= caps)]


def ring_ties(links: pd.DataFrame, members: pd.DataFrame, settings: AnalysisSettings) -> pd.DataFrame:
    """Every identifier a member shares with at least one other member of its ring:
    ``ring_id, seller_id, kind, value, provenance`` (provenance of this member's rows)."""
    held = _identifiers(links, settings).merge(members[["seller_id", "ring_id"]], on="seller_id")
    if held.empty:
        return pd.DataFrame(columns=TIE_COLUMNS)
    held = (
        held.groupby(["ring_id", "seller_id", "kind", "value"], sort=True)["provenance"]
        .agg(lambda p: ";".join(sorted(set(p))))
        .reset_index()
    )
    holders = held.groupby(["ring_id", "kind", "value"])["seller_id"].transform("size")
    return held[holders >= 2].reset_index(drop=True)[TIE_COLUMNS]


def _standing(ties: pd.DataFrame, core: pd.Series, settings: AnalysisSettings) -> pd.Series:
    """Whether each member's ties to the *other core members* of its ring are corroborated."""
    by_core = ties[ties["seller_id"].map(core).fillna(False).astype(bool)]
    core_holders = by_core.groupby(["ring_id", "kind", "value"])["seller_id"].size()
    holders = ties.join(core_holders.rename("core_holders"), on=["ring_id", "kind", "value"])
    held_core = holders["core_holders"].fillna(0) - holders["seller_id"].map(core).fillna(False).astype(int)
    live = holders[held_core >= 1]
    kinds = live.groupby("seller_id")["kind"].nunique()
    identity = live[live["kind"].isin(settings.identity_kinds)].groupby("seller_id").size() > 0
    standing = (kinds >= settings.min_independent_ties) | identity.reindex(kinds.index, fill_value=False)
    return standing.reindex(core.index, fill_value=False)


def split_core(
    members: pd.DataFrame,
    links: pd.DataFrame,
    settings: AnalysisSettings,
    fixed: set[str] | None = None,
    keep_whole: set[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Core members and associates of each ring (``_split_once``), with rings that one weak
    identifier alone holds together split first (``split_bridged``; not those in ``keep_whole``),
    until nothing changes."""
    for _ in range(4):
        core, associates, ties = _split_once(members, links, settings, fixed)
        parted = split_bridged(core, ring_ties(links, core, settings), settings, keep_whole)
        if parted["ring_id"].equals(core["ring_id"]):
            break
        # the split rings' members are judged again against their own group
        members = pd.concat([parted, associates[["seller_id", "ring_id"]]], ignore_index=True)
    return core, associates, ties


def _split_once(
    members: pd.DataFrame, links: pd.DataFrame, settings: AnalysisSettings, fixed: set[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split ring members into core members and associates.

    ``members`` has ``seller_id, ring_id`` (and whatever else rides along); ``fixed`` are sellers
    an investigator confirmed, core whatever their ties. Standing is judged against the other core
    members only, repeatedly, so two weak sellers cannot corroborate each other. A ring left with
    fewer than two core members is no ring: its members are neither core nor associates.

    Returns ``(core, associates, ties)``: core rows of ``members``, ``associates`` with
    ``seller_id, ring_id, ties, evidence`` and every member's ties to its ring.
    """
    fixed = fixed or set()
    ties = ring_ties(links, members, settings)
    core = pd.Series(True, index=pd.Index(members["seller_id"].unique()))
    for _ in range(len(core) + 1):
        standing = _standing(ties, core, settings) | core.index.isin(list(fixed))
        standing &= core
        ring_of = members.drop_duplicates("seller_id").set_index("seller_id")["ring_id"]
        core_size = standing.groupby(ring_of.reindex(standing.index).to_numpy()).transform("sum")
        standing &= core_size.to_numpy() >= 2
        if standing.equals(core):
            break
        core = standing
    in_core = members["seller_id"].map(core).fillna(False).astype(bool).to_numpy()
    rings_left = set(members.loc[in_core, "ring_id"])
    outside = members[~in_core & members["ring_id"].isin(rings_left)]
    core_ids = set(members.loc[in_core, "seller_id"])
    # an associate's ties: the identifiers it shares with the ring's core members
    core_values = ties[ties["seller_id"].isin(core_ids)][["ring_id", "kind", "value"]].drop_duplicates()
    theirs = ties.merge(outside[["seller_id", "ring_id"]], on=["seller_id", "ring_id"]).merge(
        core_values, on=["ring_id", "kind", "value"]
    )
    tie = theirs["kind"] + " " + theirs["value"]
    described = theirs.assign(tie=tie, cited=tie + " (" + theirs["provenance"] + ")")
    associates = (
        described.groupby(["seller_id", "ring_id"], sort=True)
        .agg(ties=("tie", " | ".join), evidence=("cited", " | ".join))
        .reset_index()
    )
    # members tied to the ring only through other associates still stand apart from it
    associates = outside[["seller_id", "ring_id"]].merge(associates, on=["seller_id", "ring_id"], how="left")
    associates = associates.fillna({"ties": "", "evidence": ""})
    return (
        members[in_core].reset_index(drop=True),
        associates[ASSOCIATE_COLUMNS].sort_values(["ring_id", "seller_id"], ignore_index=True),
        ties,
    )


def _bridged_parts(ties: pd.DataFrame, identity_kinds: tuple[str, ...]) -> list[list[str]] | None:
    """The groups of one ring's members that only one identifier of a weak kind ties together
    (a second-hand device, an agent's phone), or None when no such identifier holds the ring.

    On the graph of members and the identifiers they share, such an identifier is a cut vertex
    whose removal leaves two or more groups of at least two members each.
    """
    sellers = pd.Index(ties["seller_id"].unique())
    keys = ties["kind"] + "\x1f" + ties["value"]
    idents = pd.Index(keys.unique())
    graph = ig.Graph(
        n=len(sellers) + len(idents),
        edges=np.column_stack(
            [sellers.get_indexer(ties["seller_id"]), len(sellers) + idents.get_indexer(keys)]
        ),
    )
    kinds = idents.str.split("\x1f").str[0]
    for vertex in graph.articulation_points():
        if vertex < len(sellers) or kinds[vertex - len(sellers)] in identity_kinds:
            continue
        rest = graph.copy()
        rest.delete_vertices([vertex])
        # vertex numbers of sellers are unchanged: identifiers come after them
        membership = np.asarray(rest.connected_components().membership)[: len(sellers)]
        sizes = np.bincount(membership)
        if (sizes >= 2).sum() >= 2:
            return [sorted(sellers[membership == part]) for part in np.unique(membership)]
    return None


def split_bridged(
    members: pd.DataFrame,
    ties: pd.DataFrame,
    settings: AnalysisSettings,
    keep_whole: set[str] | None = None,
) -> pd.DataFrame:
    """Split rings that one identifier of a weak kind alone holds together into their groups.

    The standard for members applies to operations too: two groups of storefronts tied to each
    other by one shared device or phone and nothing else are two operations with a bridge
    between them (a device sold on, an agent working for both), not one. The largest group
    keeps the ring's id; each other group of two or more is a ring of its own, a lone seller is
    left for the core test. Rings in ``keep_whole`` (merged by an investigator) stay whole.
    """
    keep_whole = keep_whole or set()
    members = members.copy()
    taken = set(members["ring_id"])
    for ring_id, ring_ties_ in ties.groupby("ring_id", sort=True):
        if ring_id in keep_whole:
            continue
        pending = [(ring_id, ring_ties_)]
        while pending:
            name, part_ties = pending.pop()
            parts = _bridged_parts(part_ties, settings.identity_kinds)
            if parts is None:
                continue
            parts.sort(key=lambda p: (-len(p), p))
            for part in parts[1:]:
                new = _unclaimed_id(part, taken) if len(part) >= 2 else name + "~"
                taken.add(new)
                members.loc[members["seller_id"].isin(part), "ring_id"] = new
                if len(part) >= 2:
                    pending.append((new, part_ties[part_ties["seller_id"].isin(part)]))
            pending.append((name, part_ties[part_ties["seller_id"].isin(parts[0])]))
    # a lone seller cut off is no ring of its own: it goes back to be judged as an associate
    lone = members["ring_id"].str.endswith("~")
    members.loc[lone, "ring_id"] = members.loc[lone, "ring_id"].str[:-1]
    return members
