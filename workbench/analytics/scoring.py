"""Ring scores: how much a group of storefronts looks like a counterfeit operation rather than
one legitimate owner's shops, with the reason behind every point of the score."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .settings import AnalysisSettings

__all__ = ["SIGNALS", "COUNTS", "ring_signals", "score_rings", "goods_value", "signal_in_words"]

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
    # the counts behind each signal: what the reasons say in words
    rings["people"] = persons.reindex(rings.index).fillna(0).astype(int)
    rings["identity_spread"] = ((persons.reindex(rings.index).fillna(1) - 1) / (rings["size"] - 1)).clip(0, 1)
    payouts = links[links["kind"] == "bank_account"]
    widest = payouts.groupby(["ring_id", "value"])["seller_id"].nunique().groupby("ring_id").max()
    # one owner runs a handful of shops on one account; many storefronts on one account is an operation
    rings["shared_payout"] = ((widest.reindex(rings.index).fillna(1) - 2) / 8).clip(0, 1)
    rings["widest_payout"] = widest.reindex(rings.index).fillna(0).astype(int)

    sellers = tables["sellers"][["seller_id", "status"]].merge(members, on="seller_id")
    rings["banned_or_closed"] = _mean_by(sellers["status"].isin(["banned", "closed"]), sellers["ring_id"])
    rings["banned_or_closed_count"] = (
        sellers["status"].isin(["banned", "closed"]).groupby(sellers["ring_id"].to_numpy()).sum()
    )

    listings = tables.get("listings")
    if listings is not None and len(listings):
        median = listings.groupby("brand")["price"].median()
        ring_listings = listings.merge(members[["seller_id", "ring_id"]], on="seller_id")
        ratio = ring_listings["price"] / ring_listings["brand"].map(median)
        priced = ratio.notna()
        cheap = ratio[priced] < settings.scoring["cheap_ratio"]
        rings["under_brand_median"] = _mean_by(cheap, ring_listings.loc[priced, "ring_id"])
        rings["cheap_listings"] = cheap.groupby(ring_listings.loc[priced, "ring_id"].to_numpy()).sum()
        rings["priced_listings"] = priced.groupby(ring_listings["ring_id"].to_numpy()).sum()
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
            rings[f"{signal}_count"] = (
                (decided[column] == positive).groupby(decided["ring_id"].to_numpy()).sum()
            )
            rings[f"{signal}_decided"] = decided.groupby("ring_id").size()
    for signal in SIGNALS:
        if signal not in rings:
            rings[signal] = np.nan
    for count in COUNTS:
        rings[count] = rings[count].fillna(0).astype(int) if count in rings else 0
    return rings


# the counts ``ring_signals`` keeps beside the shares, for reasons in words
COUNTS = (
    "people",
    "widest_payout",
    "banned_or_closed_count",
    "cheap_listings",
    "priced_listings",
    "counterfeit_test_buys_count",
    "counterfeit_test_buys_decided",
    "upheld_complaints_count",
    "upheld_complaints_decided",
)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def signal_in_words(signal: str, row: pd.Series) -> str:
    """What one signal of a ring means in its own counts ("2 of 3 test buys counterfeit").

    >>> signal_in_words("shared_payout", pd.Series({"widest_payout": 4}))
    '4 storefronts paid out to one account'
    """
    counts = {c: int(row.get(c, 0) or 0) for c in ("size", *COUNTS)}
    shops = _plural(counts["size"], "storefront")
    if signal == "identity_spread":
        return f"{shops} registered to {_plural(counts['people'], 'different person', 'different people')}"
    if signal == "shared_payout":
        return f"{_plural(counts['widest_payout'], 'storefront')} paid out to one account"
    if signal == "banned_or_closed":
        return f"{counts['banned_or_closed_count']:,} of {shops} already banned or closed"
    of = {  # signal -> (positive count, decided count, what, verdict)
        "counterfeit_test_buys": (
            "counterfeit_test_buys_count",
            "counterfeit_test_buys_decided",
            "test buy",
            "counterfeit",
        ),
        "upheld_complaints": (
            "upheld_complaints_count",
            "upheld_complaints_decided",
            "rights-holder complaint",
            "upheld",
        ),
        "under_brand_median": (
            "cheap_listings",
            "priced_listings",
            "listing",
            "priced far under the brand's median",
        ),
    }
    if signal in of:
        positive, decided, what, verdict = of[signal]
        return f"{counts[positive]:,} of {_plural(counts[decided], what)} {verdict}"
    return signal.replace("_", " ")


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
    # in words, the strongest contribution first: what an officer reads as "why"
    rings["reasons"] = [
        ", ".join(
            signal_in_words(signal, rings.loc[ring])
            for signal, _ in sorted(
                ((c.removeprefix("contrib_"), v) for c, v in row.items() if v > 0), key=lambda x: -x[1]
            )
        )
        or "no counterfeit signal"
        for ring, row in contribs.iterrows()
    ]
    rings["goods_value"] = goods_value(members, tables).reindex(rings.index).round(2)
    rings["over_referral_threshold"] = rings["goods_value"] >= settings.referral_threshold
    return rings.reset_index()
