"""Standing in a ring: core members stand on corroborated ties, associates on one weak tie only.

A referral names people, so a storefront is a *core member* of a ring only when its ties to the
ring's other core members are corroborated: at least ``min_independent_ties`` ties of different
kinds (a device and a phone, a warehouse and a supplier), or one tie of identity grade (the same
real-person ID, the same payout account). A storefront the community step put in a ring on
weaker ties alone (one second-hand device, one internet-cafe IP, one ship-from address) is an
*associate*: listed with the tie that connects it, never in ``rings.csv``. The same standard
holds between groups: two groups that one weak identifier alone ties together are two rings.
"""

from __future__ import annotations

from dataclasses import dataclass

import igraph as ig
import numpy as np
import pandas as pd

from workbench.frames import is_in, positions_in, rows_of

from .communities import _unclaimed_id
from .evidence import cited_links
from .grouped import joined_per_group
from .settings import AnalysisSettings

__all__ = [
    "HeldIdentifiers",
    "held_identifiers",
    "ring_ties",
    "split_core",
    "split_bridged",
    "ASSOCIATE_COLUMNS",
]

ASSOCIATE_COLUMNS = ["seller_id", "ring_id", "ties", "evidence"]


@dataclass
class HeldIdentifiers:
    """The identifiers that can tie sellers together (counted kinds, shared, not hubs), numbered
    once per analysis: ``frame`` has ``seller, ident, kind``, one row per seller and identifier
    (sellers numbered in ``sellers``); ``kinds`` and ``values`` name each ident; ``links`` keeps
    the links and which of them were counted, to cite them."""

    frame: pd.DataFrame  # seller (number in ``sellers``), ident, kind
    sellers: pd.Index
    seller_names: np.ndarray  # the same as an array, to pick names by number
    kinds: np.ndarray
    values: np.ndarray
    identity: np.ndarray  # per ident: of identity grade (never a mere bridge)
    kind_numbers: np.ndarray  # per ident: its kind as a number (0 to the kinds counted)
    links: pd.DataFrame
    counted: np.ndarray  # per link: of a counted kind (and, when asked, of the sellers asked)

    @property
    def kind_spread(self) -> int:
        """More than any kind number: ``x * kind_spread + kind`` is one number per ``(x, kind)``."""
        return int(self.kind_numbers.max()) + 1 if len(self.kind_numbers) else 1


def held_identifiers(
    links: pd.DataFrame,
    settings: AnalysisSettings,
    identifiers: pd.DataFrame | None = None,
    sellers: set[str] | None = None,
) -> HeldIdentifiers:
    """Number every identifier of a counted kind that two or more sellers hold, hubs left out.

    ``identifiers`` (``kind, value`` of the identifiers the evidence graph kept, which has counted
    their sellers over all links already) allows looking at the links of ``sellers`` only."""
    kinds = [k for k, w in settings.kind_weights.items() if w > 0]
    wanted = is_in(links["kind"], kinds)
    if sellers is not None:
        wanted = wanted & is_in(links["seller_id"], sellers)
    # one pick of the rows and columns used, not one per condition (millions of rows each time)
    counted = rows_of(links, wanted, ["seller_id", "kind", "value"])
    # integer keys instead of string tuples: the links run to millions of rows. Kinds and sellers
    # are numbered over every counted link, values over those an identifier kept may have only
    kind_codes, kind_names = pd.factorize(counted["kind"])
    seller_codes, seller_names = pd.factorize(counted["seller_id"])
    if identifiers is not None:
        # a value no kept identifier has is no tie: its links are not numbered at all (at ten
        # million sellers most of the members' values, held by them alone)
        maybe = is_in(counted["value"], identifiers["value"])
        counted, kind_codes, seller_codes = rows_of(counted, maybe), kind_codes[maybe], seller_codes[maybe]
    value_codes, value_names = pd.factorize(counted["value"])
    spread = max(len(value_names), 1)
    pair = kind_codes.astype(np.int64) * spread + value_codes
    first = np.unique(pair * max(len(seller_names), 1) + seller_codes, return_index=True)[1]
    codes, uniques = pd.factorize(pair[first])
    if identifiers is not None:
        # the kept identifiers as the same numbers (kind and value looked up in Arrow): tuples of
        # text for every identifier of the links took 13.6 s at ten million sellers
        kind_at = positions_in(identifiers["kind"], [str(k) for k in kind_names])
        value_at = positions_in(identifiers["value"], pd.Series(value_names))
        found = (kind_at >= 0) & (value_at >= 0)
        kept = np.isin(uniques, kind_at[found] * spread + value_at[found])
    else:
        degree = np.bincount(codes, minlength=len(uniques))
        cap_of_kind = np.array([settings.degree_cap(k) for k in kind_names], dtype=np.int64)
        kept = (degree >= 2) & (degree <= cap_of_kind[uniques // spread])
    # the identifiers kept, numbered in the same order among themselves: only theirs are named
    ident_of = np.cumsum(kept) - 1
    kept_pairs = uniques[kept]
    kind_of = np.asarray(kind_names, dtype=object)[kept_pairs // spread]
    values = np.asarray(value_names[kept_pairs % spread].astype(object), dtype=object)
    keep = kept[codes]
    ident = ident_of[codes[keep]]
    frame = pd.DataFrame({"seller": seller_codes[first][keep], "ident": ident, "kind": kind_of[ident]})
    identity = np.isin(kind_of, list(settings.identity_kinds))
    names = np.asarray(seller_names.astype(object), dtype=object)
    return HeldIdentifiers(
        frame, pd.Index(names), names, kind_of, values, identity, kept_pairs // spread, links, wanted
    )


def _distinct(numbers: np.ndarray) -> np.ndarray:
    """``np.unique(numbers)``, by a sort: NumPy 2.4 hashes them instead, which grows faster than
    the numbers (three million: 2.3 s against 0.02 s; 300,000: 0.045 s against 0.002 s)."""
    ordered = np.sort(numbers)
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered


def _ties(held: HeldIdentifiers, members: pd.DataFrame) -> pd.DataFrame:
    """``seller_id, ident, kind, ring_id`` of every identifier a member shares with at least one
    other member of its ring, and as numbers: ``seller`` (in ``held.sellers``) and ``shared``
    (one per ring and identifier)."""
    members = members.drop_duplicates("seller_id")
    ring_codes, ring_names = pd.factorize(members["ring_id"])
    ring_of = np.full(len(held.sellers), -1, dtype=np.int64)
    found = held.sellers.get_indexer(members["seller_id"])
    ring_of[found[found >= 0]] = ring_codes[found >= 0]
    seller = held.frame["seller"].to_numpy()
    ring = ring_of[seller]
    inside = ring >= 0
    seller, ring, ident = seller[inside], ring[inside], held.frame["ident"].to_numpy()[inside]
    # identifiers two or more members of the same ring hold
    _, inverse, counts = np.unique(ring * len(held.kinds) + ident, return_inverse=True, return_counts=True)
    shared = counts[inverse] >= 2
    return pd.DataFrame(
        {
            "seller_id": held.seller_names[seller[shared]],
            "ident": ident[shared],
            "kind": held.kinds[ident[shared]],
            "ring_id": np.asarray(ring_names, dtype=object)[ring[shared]],
            "seller": seller[shared],
            "shared": inverse[shared],
        }
    )


def ring_ties(links: pd.DataFrame, members: pd.DataFrame, settings: AnalysisSettings) -> pd.DataFrame:
    """Every identifier a member shares with another member of its ring: ``ring_id, seller_id,
    kind, value``."""
    held = held_identifiers(links, settings)
    ties = _ties(held, members)
    return ties.assign(value=held.values[ties["ident"].to_numpy()])[["ring_id", "seller_id", "kind", "value"]]


def _standing(
    ties: pd.DataFrame, core: pd.Series, held: HeldIdentifiers, settings: AnalysisSettings
) -> pd.Series:
    """Whether each member's ties to the *other core members* of its ring are corroborated.

    In numbers (sellers, kinds, a ring's identifier): looking the members up by id and grouping
    by ring and identifier took 13.5 s of ten million sellers' split."""
    sellers = len(held.sellers)
    at = held.sellers.get_indexer(core.index)
    is_core = np.zeros(sellers, dtype=bool)
    is_core[at[at >= 0]] = core.to_numpy(dtype=bool)[at >= 0]
    seller, ident, shared = (ties[c].to_numpy() for c in ("seller", "ident", "shared"))
    mine = is_core[seller]
    # each tie's ring-and-identifier's core holders other than the member itself
    core_holders = np.bincount(shared, weights=mine)[shared]
    live = (core_holders - mine) >= 1
    seller, ident = seller[live], ident[live]
    spread = held.kind_spread
    kinds = np.bincount(_distinct(seller * spread + held.kind_numbers[ident]) // spread, minlength=sellers)
    identity = np.bincount(seller[held.identity[ident]], minlength=sellers) > 0
    standing = ((kinds >= settings.min_independent_ties) & (kinds > 0)) | identity
    return pd.Series(np.where(at >= 0, standing[at], False), index=core.index)


def _seeds(ties: pd.DataFrame, held: HeldIdentifiers, settings: AnalysisSettings) -> set[str]:
    """Members standing together without help: two sellers of one ring sharing an identifier of
    identity grade, or identifiers of at least ``min_independent_ties`` kinds."""
    # in numbers: each two holders of one ring's identifier, side by side once sorted by it (a
    # join of the ties with themselves on ring and identifier took 10 s at ten million sellers)
    order = np.argsort(ties["shared"].to_numpy(), kind="stable")
    shared, seller, ident = (ties[c].to_numpy()[order] for c in ("shared", "seller", "ident"))
    first, second, of = [], [], []
    for step in range(1, len(shared)):
        same = shared[step:] == shared[:-step]
        if not same.any():
            break
        first.append(seller[:-step][same])
        second.append(seller[step:][same])
        of.append(ident[:-step][same])
    if not first:
        return set()
    a, b, ident = np.concatenate(first), np.concatenate(second), np.concatenate(of)
    sellers, spread = max(len(held.sellers), 1), held.kind_spread
    pair = np.minimum(a, b) * sellers + np.maximum(a, b)
    # the kinds each pair shares, each once
    each_kind = _distinct(pair * spread + held.kind_numbers[ident])
    pairs, kinds = np.unique(each_kind // spread, return_counts=True)
    together = np.concatenate([pairs[kinds >= settings.min_independent_ties], pair[held.identity[ident]]])
    found = _distinct(np.concatenate([together // sellers, together % sellers]))
    return set(held.seller_names[found])


def _associates(
    held: HeldIdentifiers, ties: pd.DataFrame, outside: pd.DataFrame, core_ids: set[str]
) -> pd.DataFrame:
    """``outside`` members with the identifiers they share with their ring's core members, and the
    input lines that show them."""
    if outside.empty:
        return pd.DataFrame(columns=ASSOCIATE_COLUMNS)
    core_pairs = ties.loc[is_in(ties["seller_id"], core_ids), ["ring_id", "ident"]].drop_duplicates()
    theirs = ties.merge(outside[["seller_id", "ring_id"]], on=["seller_id", "ring_id"]).merge(
        core_pairs, on=["ring_id", "ident"]
    )
    theirs = theirs.assign(value=held.values[theirs["ident"].to_numpy()])
    of_outside = held.counted & is_in(held.links["seller_id"], outside["seller_id"])
    lines = cited_links(held.links, of_outside).merge(
        theirs[["seller_id", "kind", "value"]].drop_duplicates(), on=["seller_id", "kind", "value"]
    )
    cited = joined_per_group(lines, ["seller_id", "kind", "value"], "provenance", ";")
    theirs = theirs.join(cited, on=["seller_id", "kind", "value"]).sort_values(["seller_id", "kind", "value"])
    tie = theirs["kind"].astype("str") + " " + theirs["value"]
    described = theirs.assign(tie=tie, cited=tie + " (" + theirs["provenance"].fillna("") + ")")
    text = (
        described.groupby(["seller_id", "ring_id"], sort=True)
        .agg(ties=("tie", " | ".join), evidence=("cited", " | ".join))
        .reset_index()
    )
    # a member tied to the ring only through other associates still stands apart from it
    out = outside[["seller_id", "ring_id"]].merge(text, on=["seller_id", "ring_id"], how="left")
    out = out.fillna({"ties": "", "evidence": ""})
    return out[ASSOCIATE_COLUMNS].sort_values(["ring_id", "seller_id"], ignore_index=True)


def _split_once(
    members: pd.DataFrame, held: HeldIdentifiers, settings: AnalysisSettings, fixed: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Core members and associates of each ring of ``members`` (``seller_id, ring_id, ...``), and
    the members' ties.

    ``fixed`` are sellers an investigator confirmed, core whatever their ties. Standing is judged
    against the other core members only, repeatedly, so two weak sellers cannot corroborate each
    other. A ring left with fewer than two core members is no ring: its members are neither.
    """
    ties = _ties(held, members)
    ring_of = members.drop_duplicates("seller_id").set_index("seller_id")["ring_id"]
    # the core grows from sellers whose standing needs nobody's but each other's: pairs tied by
    # an identity-grade identifier or by identifiers of two kinds; a seller joins when its ties
    # to the core so far are corroborated
    # membership in Arrow (pandas' isin on Arrow text makes a scalar of each of the seeds: 2.3 s of
    # the split at three million sellers)
    core = pd.Series(
        is_in(pd.Series(ring_of.index.array), _seeds(ties, held, settings) | set(fixed)), index=ring_of.index
    )
    while True:
        grown = _standing(ties, core, held, settings) | core
        if grown.equals(core):
            break
        core = grown
    core_size = core.groupby(ring_of.to_numpy()).transform("sum")
    core &= core_size.to_numpy() >= 2
    in_core = members["seller_id"].map(core).fillna(False).to_numpy(dtype=bool)
    rings_left = set(members.loc[in_core, "ring_id"])
    outside = members[~in_core & is_in(members["ring_id"], rings_left)]
    return members[in_core].reset_index(drop=True), outside[["seller_id", "ring_id"]], ties


def _parts_after_removing(graph: ig.Graph, vertices: np.ndarray, cut: int, sellers: int) -> list[np.ndarray]:
    """The seller vertices of ``vertices`` grouped by component once vertex ``cut`` is gone."""
    kept = vertices[vertices != cut]
    membership = np.asarray(graph.induced_subgraph(kept).connected_components().membership)
    # the subgraph keeps the original order of vertex ids; sellers are numbered first
    is_seller = kept < sellers
    return [kept[is_seller & (membership == part)] for part in np.unique(membership[is_seller])]


def split_bridged(
    core: pd.DataFrame,
    held: HeldIdentifiers,
    settings: AnalysisSettings,
    keep_whole: set[str] | None = None,
    taken: set[str] | None = None,
) -> pd.DataFrame:
    """Split each ring that one identifier of a weak kind alone holds together into its groups.

    Two groups of storefronts tied to each other by one shared device or phone and nothing else
    are two operations with a bridge between them (a device sold on, an agent working for both),
    not one. On the graph of members and the identifiers they share within their ring, such an
    identifier is a cut vertex whose removal leaves two or more groups of at least two members.
    The largest group keeps the ring's id, each other group of two or more becomes a ring of its
    own, and a lone seller cut off stays to be judged as an associate. Rings in ``keep_whole``
    (merged by an investigator) stay whole. One split per ring per call: call again on the result.
    """
    keep_whole = keep_whole or set()
    ties = _ties(held, core)
    ties = ties[~ties["ring_id"].isin(keep_whole)]
    if ties.empty:
        return core
    seller_codes, sellers = pd.factorize(ties["seller_id"])
    # a vertex per ring and identifier shared in it (numbered by ``_ties``: no tuples of text)
    pair_codes, pairs = pd.factorize(ties["shared"])
    first = np.unique(pair_codes, return_index=True)[1]
    n = len(sellers)
    graph = ig.Graph(n=n + len(pairs), edges=np.column_stack([seller_codes, n + pair_codes]))
    pair_ring = ties["ring_id"].to_numpy(dtype=object)[first]
    pair_ident = ties["ident"].to_numpy().astype(np.int64)[first]
    cuts = np.array([v for v in graph.articulation_points() if v >= n], dtype=np.int64) - n
    cuts = cuts[~held.identity[pair_ident[cuts]]] if len(cuts) else cuts
    if not len(cuts):
        return core
    # vertices of each ring: its members and its shared identifiers
    seller_ring = ties["ring_id"].to_numpy(dtype=object)[np.unique(seller_codes, return_index=True)[1]]
    # vertices numbered in order, so a stable sort by ring leaves each ring's in order
    ring_codes, ring_names = pd.factorize(np.concatenate([seller_ring, pair_ring]))
    by_ring = np.argsort(ring_codes, kind="stable")
    bounds = np.searchsorted(ring_codes[by_ring], np.arange(len(ring_names) + 1))
    ring_vertices = {name: by_ring[bounds[r] : bounds[r + 1]] for r, name in enumerate(ring_names.tolist())}
    order = np.lexsort(
        (
            held.values[pair_ident[cuts]].astype(str),
            held.kinds[pair_ident[cuts]].astype(str),
            pair_ring[cuts].astype(str),
        )
    )
    # ids a new ring must not take: every ring's, not only those looked at here
    taken = set(core["ring_id"]) | (taken or set())
    done: set[str] = set()
    # seller -> the new ring of its group, applied once at the end (a pass over every member
    # per split made a thousand splits cost seconds)
    moved: dict[str, str] = {}
    for cut in cuts[order]:
        ring_id = pair_ring[cut]
        if ring_id in done:
            continue
        parts = _parts_after_removing(graph, ring_vertices[ring_id], n + cut, n)
        if sum(len(p) >= 2 for p in parts) < 2:
            continue
        done.add(ring_id)
        named = sorted((sorted(sellers[p]) for p in parts), key=lambda p: (-len(p), p))
        for part in named[1:]:
            if len(part) >= 2:
                new = _unclaimed_id(part, taken)
                taken.add(new)
                moved.update(dict.fromkeys(part, new))
    members = core.copy()
    if moved:
        new_ring = members["seller_id"].map(moved)
        split = new_ring.notna().to_numpy()
        members.loc[split, "ring_id"] = new_ring.to_numpy()[split]
    return members


def split_core(
    members: pd.DataFrame,
    links: pd.DataFrame,
    settings: AnalysisSettings,
    fixed: set[str] | None = None,
    keep_whole: set[str] | None = None,
    identifiers: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Core members and associates of each ring, rings that one weak identifier alone holds
    together split first (not those in ``keep_whole``), until nothing changes.

    ``members`` has ``seller_id, ring_id`` (and whatever rides along); ``fixed`` are confirmed
    sellers; ``identifiers`` the evidence graph's kept identifiers (``kind, value``), which lets
    only the members' links be read. Returns ``(core, associates)``: the core rows of ``members``
    (with their final ring ids) and ``seller_id, ring_id, ties, evidence`` of the associates.
    """
    if members.empty:
        return members, pd.DataFrame(columns=ASSOCIATE_COLUMNS)
    fixed = fixed or set()
    if identifiers is not None:
        # a set made from the ids as one array (pandas reads an Arrow column value by value)
        held = held_identifiers(links, settings, identifiers, set(members["seller_id"].to_numpy()) | fixed)
    else:
        held = held_identifiers(links, settings)
    taken = set(members["ring_id"])
    settled: list[pd.DataFrame] = []
    settled_outside: list[pd.DataFrame] = []
    while True:
        core, outside, _ = _split_once(members, held, settings, fixed)
        parted = split_bridged(core, held, settings, keep_whole, taken)
        moved = parted["ring_id"].to_numpy() != core["ring_id"].to_numpy()
        if not moved.any():
            break
        # only the rings that split are judged again, each part against its own members
        changed = set(core.loc[moved, "ring_id"]) | set(parted.loc[moved, "ring_id"])
        taken |= changed
        again = parted["ring_id"].isin(changed)
        settled.append(parted[~again])
        settled_outside.append(outside[~outside["ring_id"].isin(changed)])
        members = pd.concat([parted[again], outside[outside["ring_id"].isin(changed)]], ignore_index=True)
    core = pd.concat([*settled, core], ignore_index=True)
    outside = pd.concat([*settled_outside, outside], ignore_index=True)
    ties = _ties(held, pd.concat([core[["seller_id", "ring_id"]], outside], ignore_index=True))
    return core, _associates(held, ties, outside, set(core["seller_id"].to_numpy()))
