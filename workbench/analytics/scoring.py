"""Ring scores: how much a group of storefronts looks like a counterfeit operation rather than
one legitimate owner's shops, with the reason behind every point of the score."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from workbench.frames import inner_joined, rows_naming
from workbench.i18n import N_, _, in_language, ngettext

from .settings import AnalysisSettings

__all__ = [
    "SIGNALS",
    "SIGNAL_NAMES",
    "COUNTS",
    "ring_signals",
    "score_rings",
    "goods_value",
    "signal_in_words",
    "reasons_of",
]

# signal -> what it means, shown beside its contribution
SIGNALS = {
    "identity_spread": N_("storefronts registered to different real people (a legitimate owner uses one)"),
    "counterfeit_test_buys": N_("share of decided test buys found counterfeit"),
    "upheld_complaints": N_("share of decided rights-holder complaints upheld"),
    "banned_or_closed": N_("share of storefronts already banned or closed (repeat offenders)"),
    "under_brand_median": N_("share of listings priced far under the brand's median"),
    "shared_payout": N_("storefronts paid out to one account, beyond one owner's few shops"),
}
# each signal's short name, for charts and tables
SIGNAL_NAMES = {
    "identity_spread": N_("identity spread"),
    "counterfeit_test_buys": N_("counterfeit test buys"),
    "upheld_complaints": N_("upheld complaints"),
    "banned_or_closed": N_("banned or closed"),
    "under_brand_median": N_("under brand median"),
    "shared_payout": N_("shared payout"),
}


def _mean_by(values: pd.Series, groups: pd.Series) -> pd.Series:
    return values.astype(float).groupby(groups.to_numpy()).mean()


def ring_signals(
    members: pd.DataFrame, tables: dict[str, pd.DataFrame], settings: AnalysisSettings
) -> pd.DataFrame:
    """Each ring's signals in [0, 1] (NaN where the ring has no data for one)."""
    rings = members.groupby("ring_id").size().rename("size").to_frame()
    # each table's rows of ring members picked in Arrow before a join (a ring's few of millions)
    links = inner_joined(
        tables["seller_links"][["seller_id", "kind", "value"]],
        members[["seller_id", "ring_id"]],
        on="seller_id",
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

    sellers = inner_joined(tables["sellers"][["seller_id", "status"]], members, on="seller_id")
    rings["banned_or_closed"] = _mean_by(sellers["status"].isin(["banned", "closed"]), sellers["ring_id"])
    rings["banned_or_closed_count"] = (
        sellers["status"].isin(["banned", "closed"]).groupby(sellers["ring_id"].to_numpy()).sum()
    )

    listings = tables.get("listings")
    if listings is not None and len(listings):
        median = listings.groupby("brand")["price"].median()
        ring_listings = inner_joined(listings, members[["seller_id", "ring_id"]], on="seller_id")
        ratio = ring_listings["price"] / ring_listings["brand"].map(median)
        priced = ratio.notna()
        cheap = ratio[priced] < settings.scoring.cheap_ratio
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
            decided = inner_joined(
                frame[frame[column].isin([positive, negative])],
                ring_listings[["listing_id", "ring_id"]],
                on="listing_id",
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


def _storefronts(n: int) -> str:
    return ngettext("{n:,} storefront", "{n:,} storefronts", n).format(n=n)


def signal_in_words(signal: str, row: Mapping) -> str:
    """What one signal of a ring means in its own counts ("2 of 3 test buys counterfeit"), in the
    current language (``workbench.i18n``).

    >>> signal_in_words("shared_payout", pd.Series({"widest_payout": 4}))
    '4 storefronts paid out to one account'
    """
    counts = {c: int(row.get(c, 0) or 0) for c in ("size", *COUNTS)}
    if signal == "identity_spread":
        people = ngettext("{n:,} different person", "{n:,} different people", counts["people"])
        return _("{storefronts} registered to {people}").format(
            storefronts=_storefronts(counts["size"]), people=people.format(n=counts["people"])
        )
    if signal == "shared_payout":
        return _("{storefronts} paid out to one account").format(
            storefronts=_storefronts(counts["widest_payout"])
        )
    if signal == "banned_or_closed":
        return _("{n:,} of {storefronts} already banned or closed").format(
            n=counts["banned_or_closed_count"], storefronts=_storefronts(counts["size"])
        )
    if signal == "counterfeit_test_buys":
        decided = counts["counterfeit_test_buys_decided"]
        return _("{n:,} of {decided} counterfeit").format(
            n=counts["counterfeit_test_buys_count"],
            decided=ngettext("{n:,} test buy", "{n:,} test buys", decided).format(n=decided),
        )
    if signal == "upheld_complaints":
        decided = counts["upheld_complaints_decided"]
        return _("{n:,} of {decided} upheld").format(
            n=counts["upheld_complaints_count"],
            decided=ngettext(
                "{n:,} rights-holder complaint", "{n:,} rights-holder complaints", decided
            ).format(n=decided),
        )
    if signal == "under_brand_median":
        decided = counts["priced_listings"]
        return _("{n:,} of {decided} priced far under the brand's median").format(
            n=counts["cheap_listings"],
            decided=ngettext("{n:,} listing", "{n:,} listings", decided).format(n=decided),
        )
    return _(SIGNAL_NAMES.get(signal, signal.replace("_", " ")))


def reasons_of(ring: Mapping) -> str:
    """A ring's score in words, the strongest contribution first (what an officer reads as "why"):
    ``ring`` is a row of ``score_rings`` (its ``contrib_<signal>`` and count columns)."""
    contributions = [(s, float(ring.get(f"contrib_{s}", 0.0) or 0.0)) for s in SIGNALS]
    positive = sorted((c for c in contributions if c[1] > 0), key=lambda c: -c[1])
    return ", ".join(signal_in_words(signal, ring) for signal, _weight in positive) or _(
        "no counterfeit signal"
    )


def goods_value(members: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Estimated goods value (RMB) per ring: parcels shipped to consumers times the ring's median
    listing price, or one unit of each listing where no shipments are known."""
    listings = tables.get("listings")
    if listings is None or listings.empty:
        return pd.Series(0.0, index=members["ring_id"].unique())
    ring_listings = inner_joined(listings, members[["seller_id", "ring_id"]], on="seller_id")
    price = ring_listings.groupby("ring_id")["price"].median()
    listed = ring_listings.groupby("ring_id")["price"].sum()
    shipments = tables.get("shipments")
    parcels = pd.Series(dtype=float)
    if shipments is not None and len(shipments):
        out = rows_naming(shipments, "sender_id", members["seller_id"])
        out = out[(out["sender_kind"] == "seller") & (out["recipient_kind"] == "consumer")]
        out = inner_joined(out, members[["seller_id", "ring_id"]], left_on="sender_id", right_on="seller_id")
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
    logit = pd.Series(weights.intercept, index=rings.index)
    for signal in SIGNALS:
        contribution = (rings[signal].fillna(0.0) * weights.weight(signal)).round(3)
        rings[f"contrib_{signal}"] = contribution
        logit = logit + contribution
    rings["ring_score"] = (1 / (1 + np.exp(-logit))).round(4)
    # in English whatever the interface's language: rings.csv is the batch contract
    with in_language("en"):
        # rows as dictionaries: a row Series per ring cost seconds at twenty thousand rings
        rings["reasons"] = [reasons_of(row) for row in rings.to_dict("index").values()]
    rings["goods_value"] = goods_value(members, tables).reindex(rings.index).round(2)
    rings["over_referral_threshold"] = rings["goods_value"] >= settings.referral_threshold
    return rings.reset_index()
