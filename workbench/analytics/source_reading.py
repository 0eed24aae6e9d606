"""How far a ring's ranked sources can be trusted: which storefronts each source's evidence reaches,
and the warnings an investigator needs before acting on rank 1 (a near tie, or sources that serve
separate groups of storefronts: possibly two operations merged into one ring)."""

from __future__ import annotations

import pandas as pd

from workbench.i18n import _

__all__ = ["storefronts_served", "source_warnings", "address_entity", "CLOSE_CALL"]

# rank 2 within this share of rank 1's score is a near tie: the ranking alone does not decide
CLOSE_CALL = 0.05


def address_entity(resolved: pd.DataFrame) -> pd.Series:
    """Address record id -> the entity the analysis resolved it into (empty before resolution)."""
    if resolved.empty:
        return pd.Series(dtype=str)
    return resolved[resolved["record_kind"] == "address"].set_index("record_id")["entity_id"]


def storefronts_served(
    paths: pd.DataFrame, members: set[str], links: pd.DataFrame, resolved: pd.DataFrame
) -> dict[str, set[str]]:
    """Source -> the ring's storefronts its evidence paths reach: goods delivered to an address a
    storefront uses, or money paid from a storefront's payout account."""
    if paths.empty or not members:
        return {}
    mine = links[links["seller_id"].isin(members) & links["kind"].isin(["address", "bank_account"])]
    entity = address_entity(resolved)
    addresses = mine[mine["kind"] == "address"]
    node_of = pd.concat(
        [
            pd.DataFrame({"node": "addr:" + addresses["value"], "seller_id": addresses["seller_id"]}),
            pd.DataFrame(
                {
                    "node": "addr:" + addresses["value"].map(entity).fillna(addresses["value"]),
                    "seller_id": addresses["seller_id"],
                }
            ),
            pd.DataFrame(
                {
                    "node": "acct:" + mine.loc[mine["kind"] == "bank_account", "value"],
                    "seller_id": mine.loc[mine["kind"] == "bank_account", "seller_id"],
                }
            ),
        ]
    ).drop_duplicates()
    ends = pd.concat(
        [
            paths[["entity_id", "to_entity"]].rename(columns={"to_entity": "node"}),
            paths[["entity_id", "from_entity"]].rename(columns={"from_entity": "node"}),
        ]
    ).merge(node_of, on="node")
    return {source: set(group) for source, group in ends.groupby("entity_id")["seller_id"]}


def source_warnings(sources: pd.DataFrame, served: dict[str, set[str]], top: int = 3) -> list[str]:
    """Warnings on a ring's ranked ``sources`` (rank order): a near tie between rank 1 and 2, and
    top sources that serve storefronts no other top source serves."""
    warnings = []
    ranked = sources.sort_values("rank").head(top)
    if len(ranked) >= 2:
        first, second = (float(s) for s in ranked["score"].iloc[:2])
        if first > 0 and (first - second) / first <= CLOSE_CALL:
            warnings.append(
                _(
                    "Near tie: {second_source} scores within {margin:.0%} of {first_source} "
                    "({second:.3f} against {first:.3f}); the ranking alone does not say which is the "
                    "source. Read both evidence paths."
                ).format(
                    second_source=ranked["entity_id"].iloc[1],
                    first_source=ranked["entity_id"].iloc[0],
                    margin=CLOSE_CALL,
                    second=second,
                    first=first,
                )
            )
    reached = [(s, served.get(s, set())) for s in ranked["entity_id"] if served.get(s)]
    separate = [
        (s, group) for s, group in reached if not any(group & other for t, other in reached if t != s)
    ]
    if len(separate) >= 2:
        groups = "; ".join(_("{source}: {n} storefront(s)").format(source=s, n=len(g)) for s, g in separate)
        warnings.append(
            _(
                "The storefronts fall into separate groups, each with its own source ({groups}): "
                "possibly separate operations merged into one ring. Consider splitting it."
            ).format(groups=groups)
        )
    return warnings
