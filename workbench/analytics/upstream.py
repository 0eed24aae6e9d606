"""Upstream tracing: which organisations supply a ring with goods and receive its money."""

from __future__ import annotations

import pandas as pd

from workbench.store.base import UPSTREAM_COLUMNS

__all__ = ["upstream_sources"]

_MAX_EVIDENCE = 5


def _evidence(rows: pd.DataFrame, id_column: str) -> str:
    shown = rows.head(_MAX_EVIDENCE)
    items = [f"{i} ({p})" for i, p in zip(shown[id_column], shown["provenance"], strict=True)]
    more = len(rows) - len(shown)
    return "; ".join(items) + (f"; and {more} more" if more > 0 else "")


def upstream_sources(members: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The baseline: rank organisations that ship to a ring or are paid by it, one hop.

    Score = half the organisation's share of the ring's incoming parcels plus half its share
    of the ring's outgoing payments. Evidence lists waybills and payment ids with provenance.
    """
    links = tables["seller_links"].merge(members, on="seller_id")
    candidates = []
    shipments = tables.get("shipments")
    if shipments is not None and len(shipments):
        addresses = links.loc[links["kind"] == "address", ["value", "ring_id"]].drop_duplicates()
        by_address = shipments.merge(addresses, left_on="to_address_id", right_on="value")
        by_recipient = shipments.merge(members, left_on="recipient_id", right_on="seller_id")
        into = pd.concat([by_address, by_recipient]).drop_duplicates(["waybill", "ring_id"])
        into = into[into["sender_kind"] == "org"]
        into = into.assign(parcels=into["parcels"].fillna(1).astype(float))
        total = into.groupby("ring_id")["parcels"].transform("sum")
        into = into.assign(share=into["parcels"] / total)
        for (ring_id, org_id), rows in into.groupby(["ring_id", "sender_id"]):
            candidates.append((ring_id, org_id, rows["share"].sum(), 0.0, _evidence(rows, "waybill")))
    payments = tables.get("payments")
    org_links = tables.get("org_links")
    if payments is not None and org_links is not None and len(payments):
        accounts = links.loc[links["kind"] == "bank_account", ["value", "ring_id"]].drop_duplicates()
        org_accounts = org_links.loc[org_links["kind"] == "bank_account", ["org_id", "value"]]
        out = payments.merge(accounts, left_on="from_account", right_on="value")
        out = out.merge(org_accounts, left_on="to_account", right_on="value", suffixes=("", "_org"))
        total = out.groupby("ring_id")["amount"].transform("sum")
        out = out.assign(share=out["amount"] / total)
        for (ring_id, org_id), rows in out.groupby(["ring_id", "org_id"]):
            candidates.append((ring_id, org_id, 0.0, rows["share"].sum(), _evidence(rows, "payment_id")))
    if not candidates:
        return pd.DataFrame(columns=UPSTREAM_COLUMNS)
    frame = pd.DataFrame(candidates, columns=["ring_id", "entity_id", "goods", "money", "evidence"])
    ranked = frame.groupby(["ring_id", "entity_id"], as_index=False).agg(
        goods=("goods", "sum"), money=("money", "sum"), evidence=("evidence", " | ".join)
    )
    ranked["score"] = (0.5 * ranked["goods"] + 0.5 * ranked["money"]).round(4)
    ranked["entity_kind"] = "Organization"
    ranked = ranked.sort_values(["ring_id", "score", "entity_id"], ascending=[True, False, True])
    ranked["rank"] = ranked.groupby("ring_id").cumcount() + 1
    return ranked[UPSTREAM_COLUMNS].reset_index(drop=True)
