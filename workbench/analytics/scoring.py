"""Ring scores: how much a group of storefronts looks like a counterfeit operation rather than
one legitimate owner's shops, with the reason behind every point of the score."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .settings import AnalysisSettings

__all__ = ["SIGNALS", "ring_signals", "score_rings", "goods_value"]

# signal -> what it means, shown beside its contribution
SIGNALS = {
    "identity_spread": "storefronts registered to different real people (a legitimate owner uses one)",
    "counterfeit_test_buys": "share of decided test buys found counterfeit",
    "upheld_complaints": "share of decided rights-holder complaints upheld",
    "banned_or_closed": "share of storefronts already banned or closed (repeat offenders)",
    "under_brand_median": "share of listings priced far under the brand's median",
    "shared_payout": "storefronts paid out to one account, beyond one owner's few shops",
}


def _mean_by(values: pd.Series, groups: pd.Series) -> pd.Series:
    return values.astype(float).groupby(groups.to_numpy()).mean()


def ring_signals(
    members: pd.DataFrame, tables: dict[str, pd.DataFrame], settings: AnalysisSettings
) -> pd.DataFrame:
    """Each ring's signals in [0, 1] (NaN where the ring has no data for one)."""
    rings = members.groupby("ring_id").size().rename("size").to_frame()
    links = tables["seller_links"][["seller_id", "kind", "value"]].merge(
        members[["seller_id", "ring_id"]], on="seller_id"
    )
    persons = links[links["kind"] == "person_id"].groupby("ring_id")["value"].nunique()
    rings["identity_spread"] = ((persons.reindex(rings.index).fillna(1) - 1) / (rings["size"] - 1)).clip(0, 1)
    payouts = links[links["kind"] == "bank_account"]
    widest = payouts.groupby(["ring_id", "value"])["seller_id"].nunique().groupby("ring_id").max()
    # one owner runs a handful of shops on one account; many storefronts on one account is an operation
    rings["shared_payout"] = ((widest.reindex(rings.index).fillna(1) - 2) / 8).clip(0, 1)

    sellers = tables["sellers"][["seller_id", "status"]].merge(members, on="seller_id")
    rings["banned_or_closed"] = _mean_by(sellers["status"].isin(["banned", "closed"]), sellers["ring_id"])

    listings = tables.get("listings")
    if listings is not None and len(listings):
        median = listings.groupby("brand")["price"].median()
        ring_listings = listings.merge(members[["seller_id", "ring_id"]], on="seller_id")
        ratio = ring_listings["price"] / ring_listings["brand"].map(median)
        priced = ratio.notna()
        rings["under_brand_median"] = _mean_by(
            ratio[priced] < settings.scoring["cheap_ratio"], ring_listings.loc[priced, "ring_id"]
        )
        for table, column, positive, negative, signal in (
            ("test_buys", "verdict", "counterfeit", "genuine", "counterfeit_test_buys"),
            ("complaints", "outcome", "upheld", "rejected", "upheld_complaints"),
        ):
            frame = tables.get(table)
            if frame is None or frame.empty:
                continue
            decided = frame[frame[column].isin([positive, negative])].merge(
                ring_listings[["listing_id", "ring_id"]], on="listing_id"
            )
            rings[signal] = _mean_by(decided[column] == positive, decided["ring_id"])
    for signal in SIGNALS:
        if signal not in rings:
            rings[signal] = np.nan
    return rings


def goods_value(members: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Estimated goods value (RMB) per ring: parcels shipped to consumers times the ring's median
    listing price, or one unit of each listing where no shipments are known."""
    listings = tables.get("listings")
    if listings is None or listings.empty:
        return pd.Series(0.0, index=members["ring_id"].unique())
    ring_listings = listings.merge(members[["seller_id", "ring_id"]], on="seller_id")
    price = ring_listings.groupby("ring_id")["price"].median()
    listed = ring_listings.groupby("ring_id")["price"].sum()
    shipments = tables.get("shipments")
    parcels = pd.Series(dtype=float)
    if shipments is not None and len(shipments):
        out = shipments[(shipments["sender_kind"] == "seller") & (shipments["recipient_kind"] == "consumer")]
        out = out.merge(members[["seller_id", "ring_id"]], left_on="sender_id", right_on="seller_id")
        parcels = out.groupby("ring_id")["parcels"].sum().astype(float)
    shipped = parcels.reindex(price.index) * price
    return (
        shipped.where(shipped.notna() & (shipped > 0), listed)
        .reindex(members["ring_id"].unique())
        .fillna(0.0)
    )


def score_rings(
    members: pd.DataFrame, tables: dict[str, pd.DataFrame], settings: AnalysisSettings
) -> pd.DataFrame:
    """One row per ring: size, ``ring_score`` in [0, 1], every signal, its contribution
    (``contrib_<signal>``, log-odds), a one-line ``reasons`` text, goods value and whether it
    is over the referral threshold.

    The score is a logistic of the weighted signals; a signal with no data contributes nothing.
    """
    rings = ring_signals(members, tables, settings)
    weights = settings.scoring
    logit = pd.Series(weights["intercept"], index=rings.index)
    for signal in SIGNALS:
        contribution = (rings[signal].fillna(0.0) * weights[signal]).round(3)
        rings[f"contrib_{signal}"] = contribution
        logit = logit + contribution
    rings["ring_score"] = (1 / (1 + np.exp(-logit))).round(4)
    contribs = rings[[f"contrib_{s}" for s in SIGNALS]]
    rings["reasons"] = [
        "; ".join(
            f"{signal.replace('_', ' ')} {rings.at[ring, signal]:.0%} (+{value:.2f})"
            for signal, value in sorted(
                ((c.removeprefix("contrib_"), v) for c, v in row.items() if v > 0), key=lambda x: -x[1]
            )
        )
        or "no counterfeit signal"
        for ring, row in contribs.iterrows()
    ]
    rings["goods_value"] = goods_value(members, tables).reindex(rings.index).round(2)
    rings["over_referral_threshold"] = rings["goods_value"] >= settings.referral_threshold
    return rings.reset_index()
