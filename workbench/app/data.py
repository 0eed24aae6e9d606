"""What the pages show, computed once per store version and cached: overview figures, the rings table,
the identifier index the network explorer walks, a ring's places and timeline."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from graph_loaders.normalise import normalise_identifiers
from workbench.analytics.explorer import EXPLORER_TABLES, SortedGroups, explorer_tables
from workbench.analytics.places import ring_addresses
from workbench.analytics.ring_summary import place_tables, stored_ring_summary
from workbench.analytics.settings import AnalysisSettings
from workbench.app.common import cached, store_at
from workbench.i18n import N_, in_language
from workbench.model import LINK_KINDS as INPUT_LINK_KINDS

__all__ = [
    "overview",
    "ring_table",
    "network_index",
    "NetworkIndex",
    "ring_places",
    "ring_timeline",
    "ring_reading",
]


@cached(N_("reading the store"))
def overview(where: str, version: str) -> dict:
    """Figures of the loaded data and the quarantine by file and reason."""
    store = store_at(where)
    counts = store.counts()
    rings = store.rings()
    flag_score = AnalysisSettings.of_store(store.meta()).flag_score
    test_buys = store.table("test_buys")
    quarantine = store.quarantine()
    by_reason = (
        quarantine.groupby(["file", "field", "reason"]).size().rename("rows").reset_index()
        if len(quarantine)
        else pd.DataFrame(columns=["file", "field", "reason", "rows"])
    )
    return {
        "sellers": counts.get("sellers", 0),
        "links": counts.get("seller_links", 0) + counts.get("org_links", 0),
        "rings": int(rings["ring_id"].nunique()),
        "flagged": int(rings.loc[rings["ring_score"] >= flag_score, "ring_id"].nunique()),
        "flag_score": flag_score,
        "ring_sellers": len(rings),
        "associates": len(store.result("associates")),
        "conflicts": len(store.result("conflicts")),
        "counterfeit_test_buys": int((test_buys["verdict"] == "counterfeit").sum()),
        "quarantined": len(quarantine),
        "files": store.meta().get("input", {}).get("files", {}),
        # which analyses the last run could do on this data, and what the others lacked
        "coverage": store.meta().get("coverage", {}),
        "receivers": store.result("receivers"),
        "by_reason": by_reason.sort_values("rows", ascending=False, ignore_index=True),
        "examples": quarantine.head(200),
    }


@cached(N_("summarising the rings"))
def ring_table(where: str, version: str) -> pd.DataFrame:
    """One row per ring (``workbench.analytics.ring_summary``), as the analysis kept it; a store
    analysed before it was kept has it computed here once."""
    store = store_at(where)
    kept = store.result("ring_table")
    return kept if len(kept) or store.rings().empty else stored_ring_summary(store)


@dataclass
class NetworkIndex:
    """Who uses which identifier, both ways, for walking the network without a database round trip."""

    identifiers_of: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    owners_of: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    shop_names: dict[str, str] = field(default_factory=dict)
    ring_of: dict[str, str] = field(default_factory=dict)
    suppressed: set[tuple[str, str]] = field(default_factory=set)
    # the settings the rings were found with: their degree caps say what a hub is
    settings: AnalysisSettings = field(default_factory=AnalysisSettings.load)

    def is_hub(self, kind: str, value: str) -> bool:
        """Shared by more sellers than the analysis's cap for its kind (a courier, a pickup point),
        or suppressed by the analysis: drawn collapsed."""
        return self.degree(kind, value) > self.settings.degree_cap(kind) or (kind, value) in self.suppressed

    def degree(self, kind: str, value: str) -> int:
        if isinstance(self.owners_of, SortedGroups):
            return self.owners_of.size((kind, value))
        return len(self.owners_of.get((kind, value), ()))

    def search(self, text: str, limit: int = 20, default_country: str = "86") -> list[tuple[str, str]]:
        """Sellers (by id or shop name) and identifiers containing ``text``, as people type them:
        an identifier is also matched in the loaders' normal form (``130 0186 8899`` finds
        ``+8613001868899``, ``6222 0200-1234`` an account stored without spaces)."""
        needle = text.strip().lower()
        if not needle:
            return []
        kinds = sorted(INPUT_LINK_KINDS)
        forms, reasons = normalise_identifiers(
            pd.Series(kinds), pd.Series([text.strip()] * len(kinds)), default_country
        )
        typed = {k: f.lower() for k, f, r in zip(kinds, forms, reasons, strict=True) if not r and f}
        hits = [
            ("seller", s) for s, n in self.shop_names.items() if needle in s.lower() or needle in n.lower()
        ]
        if isinstance(self.owners_of, SortedGroups):
            hits += self.owners_of.matching(typed, needle)
        else:
            hits += [
                (k, v)
                for (k, v) in self.owners_of
                if needle in v.lower() or (k in typed and typed[k] in v.lower())
            ]
        return sorted(hits, key=lambda h: (len(h[1]), h))[:limit]

    def seller(self, text: str) -> str | None:
        """The seller ``text`` names: its id in any case, or its exact shop name; None if unknown
        (or if that shop name belongs to several sellers)."""
        wanted = text.strip()
        if wanted in self.shop_names:
            return wanted
        by_id = [s for s in self.shop_names if s.lower() == wanted.lower()]
        if len(by_id) == 1:
            return by_id[0]
        by_name = [s for s, n in self.shop_names.items() if n.strip().lower() == wanted.lower()]
        return by_name[0] if len(by_name) == 1 else None


@cached(N_("reading the identifier index"), resource=True)
def network_index(where: str, version: str) -> NetworkIndex:
    """The explorer's index from the tables the analysis kept (``workbench.analytics.explorer``);
    a store analysed before they existed has them computed here once."""
    store = store_at(where)
    kept = {name: store.result(name) for name in EXPLORER_TABLES}
    if any(frame.empty for frame in kept.values()):
        kept = explorer_tables(store.table("seller_links"))
    index = NetworkIndex(settings=AnalysisSettings.of_store(store.meta()))
    index.identifiers_of = SortedGroups.by_seller(kept["explorer_by_seller"])
    index.owners_of = SortedGroups.by_identifier(kept["explorer_by_identifier"])
    sellers = store.table("sellers")
    # through numpy: iterating Arrow-backed strings one by one is ten times slower
    index.shop_names = dict(
        zip(
            sellers["seller_id"].to_numpy(dtype=object),
            sellers["shop_name"].fillna("").to_numpy(dtype=object),
            strict=True,
        )
    )
    rings = store.rings()
    index.ring_of = dict(
        zip(rings["seller_id"].to_numpy(dtype=object), rings["ring_id"].to_numpy(dtype=object), strict=True)
    )
    suppressed = store.result("suppressed")
    if len(suppressed):
        index.suppressed = set(zip(suppressed["kind"], suppressed["value"], strict=True))
    return index


@cached(N_("finding the ring's places"))
def ring_places(where: str, version: str, ring_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where a ring is: members' addresses, the warehouses they ship from, and its sources' addresses,
    each with coordinates; and the goods flowing into those addresses (from, to, parcels)."""
    store = store_at(where)
    rings = store.rings()
    members = rings.loc[rings["ring_id"] == ring_id, ["seller_id", "ring_id"]]
    addresses = store.table("addresses").set_index("address_id")
    mine = ring_addresses(members, place_tables(store), store.result("suppressed"))
    rows = [
        {"role": r, "entity": s, "address_id": a}
        for s, a, r in zip(mine["seller_id"], mine["address_id"], mine["role"], strict=True)
    ]
    shipments = store.table("shipments")
    into = shipments[shipments["to_address_id"].isin(set(mine["address_id"]))]
    upstream = store.upstream()
    sources = upstream[upstream["ring_id"] == ring_id]
    organizations = store.table("organizations").set_index("org_id")
    for org, rank in zip(sources["entity_id"], sources["rank"], strict=True):
        if org in organizations.index and pd.notna(organizations.loc[org, "address_id"]):
            rows.append(
                {"role": f"source #{rank}", "entity": org, "address_id": organizations.loc[org, "address_id"]}
            )
    places = pd.DataFrame(rows, columns=["role", "entity", "address_id"]).drop_duplicates()
    places = places.join(addresses[["text", "city", "province", "lat", "lon", "kind"]], on="address_id")
    # goods flows into the ring's addresses: from where, to where, how many parcels
    flows = (
        into.groupby(["from_address_id", "to_address_id"])["parcels"]
        .sum(min_count=1)
        .fillna(1)
        .rename("parcels")
        .reset_index()
    )
    coords = addresses[["lat", "lon"]]
    flows = flows.join(coords.add_prefix("from_"), on="from_address_id").join(
        coords.add_prefix("to_"), on="to_address_id"
    )
    return places, flows.dropna(subset=["from_lat", "from_lon", "to_lat", "to_lon"])


@cached(N_("counting the ring's activity by month"))
def ring_timeline(where: str, version: str, ring_id: str) -> pd.DataFrame:
    """Monthly listings, complaints, test buys and shipments of a ring's members."""
    store = store_at(where)
    rings = store.rings()
    members = set(rings.loc[rings["ring_id"] == ring_id, "seller_id"])
    listings = store.table("listings")
    mine = listings[listings["seller_id"].isin(members)]
    complaints = store.table("complaints")
    complaints = complaints[complaints["listing_id"].isin(set(mine["listing_id"]))]
    test_buys = store.table("test_buys")
    test_buys = test_buys[test_buys["listing_id"].isin(set(mine["listing_id"]))]
    shipments = store.table("shipments")
    shipments = shipments[
        (shipments["recipient_kind"] == "seller") & shipments["recipient_id"].isin(members)
        | (shipments["sender_kind"] == "seller") & shipments["sender_id"].isin(members)
    ]
    series = {
        "listings": mine["listed_at"],
        "complaints": complaints["filed_at"],
        "test buys": test_buys["bought_at"],
        "shipments": shipments["shipped_at"],
    }
    monthly = {
        name: pd.to_datetime(values, utc=True).dropna().dt.tz_localize(None).dt.to_period("M").value_counts()
        for name, values in series.items()
    }
    frame = pd.DataFrame(monthly).fillna(0).astype(int).sort_index()
    if frame.empty:
        return frame
    # every month from the first to the last, the quiet ones as zero: the axis is time
    months = pd.period_range(frame.index.min(), frame.index.max(), freq="M")
    frame = frame.reindex(months, fill_value=0)
    frame.index = frame.index.to_timestamp()
    return frame.rename_axis("month")


@cached(N_("reading the ring's sources and places"))
def ring_reading(where: str, version: str, ring_id: str, language: str = "en") -> dict:
    """What the ring card says beyond the score: the suggested jurisdiction (the packet's own
    words), warnings on its sources, and each member's shop name and status; the texts in
    ``language`` (part of the cache key: each language has its own)."""
    from workbench.analytics.source_reading import source_warnings, storefronts_served
    from workbench.leads.case import jurisdiction_of, ring_locations

    store = store_at(where)
    rings = store.rings()
    members = rings.loc[rings["ring_id"] == ring_id, ["seller_id", "ring_id"]]
    tables = {**place_tables(store), "organizations": store.table("organizations")}
    places = ring_addresses(members, tables, store.result("suppressed"))
    upstream = store.upstream()
    sources = upstream[upstream["ring_id"] == ring_id].sort_values("rank")
    paths = store.result("paths")
    paths = paths[paths["ring_id"] == ring_id] if len(paths) else paths
    served = storefronts_served(
        paths, set(members["seller_id"]), tables["seller_links"], store.result("resolved")
    )
    with in_language(language):
        jurisdiction = jurisdiction_of(ring_locations(places, sources, tables))
        warnings = source_warnings(sources, served) if len(sources) else []
    return {
        "jurisdiction": jurisdiction,
        "warnings": warnings,
        "served": {source: len(group) for source, group in served.items()},
    }
