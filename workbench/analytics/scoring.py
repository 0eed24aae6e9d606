"""Ring scores: how much a group of storefronts looks like a counterfeit operation rather than
one legitimate owner's shops, with the reasons behind every score."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SIGNAL_WEIGHTS", "score_rings"]

# weight of each signal in the score; a signal a ring has no data for is left out of its average
SIGNAL_WEIGHTS = {
    "identity_spread": 0.30,  # storefronts registered to different real people
    "counterfeit_test_buys": 0.25,
    "upheld_complaints": 0.15,
    "banned_or_closed": 0.10,
    "under_brand_median": 0.20,
}


def _share(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator.replace(0, np.nan)).clip(0, 1)


def score_rings(members: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per ring: ``ring_id, size, ring_score`` and each signal's value.

    ``members`` has ``seller_id, ring_id``; ``tables`` are the loaded input tables.
    """
    rings = members.groupby("ring_id").size().rename("size").to_frame()
    links = tables["seller_links"]
    persons = links[links["kind"] == "person_id"].merge(members, on="seller_id")
    distinct = persons.groupby("ring_id")["value"].nunique()
    rings["identity_spread"] = _share(distinct.reindex(rings.index) - 1, rings["size"] - 1)

    sellers = tables["sellers"].merge(members, on="seller_id")
    rings["banned_or_closed"] = (
        sellers["status"].isin(["banned", "closed"]).groupby(sellers["ring_id"]).mean()
    )

    listings = tables.get("listings", pd.DataFrame(columns=["listing_id", "seller_id"]))
    listings = listings.merge(members, on="seller_id")
    if len(listings) and "price" in listings:
        all_listings = tables["listings"]
        median = all_listings.groupby("brand")["price"].median()
        ratio = listings["price"] / listings["brand"].map(median)
        rings["under_brand_median"] = (ratio < 0.6).groupby(listings["ring_id"]).mean()
    test_buys = tables.get("test_buys")
    if test_buys is not None and len(listings):
        buys = test_buys.merge(listings[["listing_id", "ring_id"]], on="listing_id")
        decided = buys[buys["verdict"].isin(["counterfeit", "genuine"])]
        rings["counterfeit_test_buys"] = (
            (decided["verdict"] == "counterfeit").groupby(decided["ring_id"]).mean()
        )
    complaints = tables.get("complaints")
    if complaints is not None and len(listings):
        filed = complaints.merge(listings[["listing_id", "ring_id"]], on="listing_id")
        decided = filed[filed["outcome"].isin(["upheld", "rejected"])]
        rings["upheld_complaints"] = (decided["outcome"] == "upheld").groupby(decided["ring_id"]).mean()

    signals = [s for s in SIGNAL_WEIGHTS if s in rings]
    values = rings[signals]
    weights = pd.Series(SIGNAL_WEIGHTS)[signals]
    present = values.notna()
    weighted = (values.fillna(0) * weights).sum(axis=1)
    rings["ring_score"] = (weighted / (present * weights).sum(axis=1).replace(0, np.nan)).fillna(0)
    return rings.reset_index()
