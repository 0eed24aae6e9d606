"""One row per ring, as the queue, the Overview and the Network page list them: score, size, its own
provinces (hubs left out), brands, goods value against the referral threshold, top source, reasons.
Computed with the analysis and kept in the store (``result_ring_table``)."""

from __future__ import annotations

import pandas as pd

from workbench.frames import rows_naming

from .grouped import joined_per_group
from .places import ring_addresses

__all__ = ["ring_summary", "stored_ring_summary", "place_tables"]


def place_tables(store, held: dict[str, pd.DataFrame] | None = None) -> dict[str, pd.DataFrame]:
    """The input tables ``ring_addresses`` and ``ring_summary`` read: those in ``held`` (tables the
    caller holds already, the rows the store holds), the others from the store."""
    names = ("seller_links", "shipments", "test_buys", "listings", "addresses")
    held = held or {}
    return {name: held[name] if name in held else store.table(name) for name in names}


def stored_ring_summary(store) -> pd.DataFrame:
    """``ring_summary`` of what ``store`` holds now."""
    return ring_summary(
        store.rings(),
        store.result("ring_scores"),
        store.upstream(),
        store.result("suppressed"),
        place_tables(store),
    )


def ring_summary(
    rings: pd.DataFrame,
    scores: pd.DataFrame,
    upstream: pd.DataFrame,
    suppressed: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
) -> pd.DataFrame:
    """One row per ring from an analysis's rings, scores, sources and hubs and the input
    ``tables`` (``place_tables``); status is joined by the pages: it changes without a re-run."""
    if rings.empty:
        return pd.DataFrame(
            columns=["ring_id", "ring_score", "size", "provinces", "brands", "goods_value", "referable"]
        )
    members = rings[["seller_id", "ring_id"]]
    # the ring's own places (hubs left out): the same ones the map and the packet show
    places = ring_addresses(members, tables, suppressed)
    provinces = joined_per_group(places, "ring_id", "province", ", ", skip_empty=True)
    listings = tables["listings"]
    brands = joined_per_group(
        rows_naming(listings, "seller_id", members["seller_id"])[["seller_id", "brand"]].merge(
            members, on="seller_id"
        ),
        "ring_id",
        "brand",
        ", ",
        skip_empty=True,
    )
    top = upstream[upstream["rank"] == 1].set_index("ring_id") if len(upstream) else upstream
    table = (
        rings.groupby("ring_id")
        .agg(ring_score=("ring_score", "first"), size=("seller_id", "size"))
        .join(provinces.rename("provinces"))
        .join(brands.rename("brands"))
    )
    if len(scores):
        table = table.join(
            scores.set_index("ring_id")[["goods_value", "over_referral_threshold", "reasons"]].rename(
                columns={"over_referral_threshold": "referable"}
            )
        )
    if len(top):
        name = top["entity_name"] if "entity_name" in top else top["entity_id"]
        table = table.join(name.rename("top_source"))
    return (
        table.reset_index()
        .fillna({"provinces": "", "brands": ""})
        .sort_values(["ring_score", "size"], ascending=False, ignore_index=True)
    )
