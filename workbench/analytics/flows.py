"""Money and goods flows over the whole input, rings or none: who pays whom, and which organisations
receive money from the most payers or send the most parcels (the upstream ranking a dataset of
flows alone allows, such as a bank's transfers or a financial-intelligence unit's bank flows)."""

from __future__ import annotations

import pandas as pd

from ..frames import is_in, rows_of
from .grouped import joined_per_group

__all__ = ["ANALYSES", "FLOW_COLUMNS", "RECEIVER_COLUMNS", "coverage", "flow_receivers", "money_flows"]

FLOW_COLUMNS = [
    "from_account",
    "from_holders",
    "to_account",
    "to_holders",
    "payments",
    "amount",
    "currency",
    "first_paid",
    "last_paid",
    "evidence",
]
RECEIVER_COLUMNS = [
    "rank",
    "entity_kind",
    "entity_id",
    "name",
    "received",
    "payers",
    "payments",
    "parcels_sent",
    "waybills",
    "evidence",
]
EVIDENCE_SHOWN = 5

# what each analysis needs: every file of ``all_of`` with rows, and one of ``any_of`` with rows
ANALYSES = {
    "rings": {"all_of": ("sellers", "seller_links"), "any_of": ()},
    "upstream": {"all_of": ("sellers", "seller_links"), "any_of": ("shipments", "payments")},
    "money_flows": {"all_of": ("payments",), "any_of": ()},
    "flow_receivers": {"all_of": (), "any_of": ("payments", "shipments")},
    "entities": {"all_of": (), "any_of": ("addresses", "organizations")},
    "map_and_hotspots": {"all_of": ("addresses",), "any_of": ()},
    "marketplace_evidence": {"all_of": ("listings",), "any_of": ("complaints", "test_buys")},
    "screening_watch": {"all_of": ("seller_links",), "any_of": ()},
}


def coverage(tables: dict[str, pd.DataFrame]) -> dict[str, dict]:
    """Which analyses the input allows: for each, whether it ran and, if not, the files it lacked.

    >>> said = coverage({"sellers": pd.DataFrame({"seller_id": ["S1"]}),
    ...                  "seller_links": pd.DataFrame({"seller_id": ["S1"]})})
    >>> said["rings"], said["money_flows"]
    ({'ran': True, 'lacking': []}, {'ran': False, 'lacking': ['payments']})
    """

    def has(name: str) -> bool:
        return name in tables and len(tables[name]) > 0

    said = {}
    for name, needs in ANALYSES.items():
        lacking = [f for f in needs["all_of"] if not has(f)]
        if needs["any_of"] and not any(has(f) for f in needs["any_of"]):
            lacking.append(" or ".join(needs["any_of"]))
        if name == "map_and_hotspots" and has("addresses"):
            located = tables["addresses"][["lat", "lon"]].notna().all(axis=1).any()
            if not located:
                lacking.append("addresses with lat and lon")
        said[name] = {"ran": not lacking, "lacking": lacking}
    return said


def _holders(tables: dict[str, pd.DataFrame], accounts: pd.Series) -> pd.Series:
    """Each of ``accounts`` -> who holds it ("seller S1; org O2"), from the bank_account links."""
    parts = []
    for file, owner, kind in (("seller_links", "seller_id", "seller"), ("org_links", "org_id", "org")):
        links = tables.get(file)
        if links is not None and len(links):
            # only the accounts asked about (a marketplace's million accounts paid nothing here),
            # and only the two columns used: picking all of millions of rows cost a second
            bank = rows_of(links, (links["kind"] == "bank_account").to_numpy(), [owner, "value"])
            bank = bank[is_in(bank["value"], accounts)]
            parts.append(
                pd.DataFrame({"account": bank["value"], "holder": kind + " " + bank[owner].astype(str)})
            )
    if not parts:
        return pd.Series(dtype=object)
    return joined_per_group(pd.concat(parts), "account", "holder", "; ")


def _cited(rows: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Per group of ``keys``, the first lines behind it in ``rows``' order and how many more."""
    shown = joined_per_group(rows, keys, "provenance", "; ", distinct=False, sort=False, limit=EVIDENCE_SHOWN)
    more = rows.groupby(keys, sort=True).size().reindex(shown.index) - EVIDENCE_SHOWN
    return shown.where(more <= 0, shown + "; and " + more.astype(str) + " more")


def money_flows(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Payments summed per pair of accounts, largest first, each with the payment lines behind it."""
    payments = tables.get("payments")
    if payments is None or not len(payments):
        return pd.DataFrame(columns=FLOW_COLUMNS)
    paid = payments.assign(
        currency=payments["currency"].fillna("") if "currency" in payments else "",
        paid_at=pd.to_datetime(payments["paid_at"], errors="coerce", utc=True)
        if "paid_at" in payments
        else pd.NaT,
    )
    pair = ["from_account", "to_account"]
    # in key order, as joined_per_group's columns are: they are set without aligning the index
    flows = paid.groupby(pair, sort=True).agg(
        payments=("payment_id", "size"),
        amount=("amount", "sum"),
        first_paid=("paid_at", "min"),
        last_paid=("paid_at", "max"),
    )
    flows["currency"] = joined_per_group(paid, pair, "currency", "; ", skip_empty=True)
    flows["evidence"] = _cited(paid, pair)
    flows = flows.reset_index()
    holders = _holders(tables, pd.concat([flows["from_account"], flows["to_account"]]))
    flows["from_holders"] = flows["from_account"].map(holders).fillna("")
    flows["to_holders"] = flows["to_account"].map(holders).fillna("")
    for column in ("first_paid", "last_paid"):
        flows[column] = flows[column].dt.strftime("%Y-%m-%d").fillna("")
    flows["amount"] = flows["amount"].round(2)
    return flows.sort_values(["amount", "from_account", "to_account"], ascending=[False, True, True])[
        FLOW_COLUMNS
    ].reset_index(drop=True)


def flow_receivers(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Organisations (or, with no holder known, accounts) ranked by the payers they receive from,
    then money received and parcels sent: where money and goods concentrate."""
    rows = []
    payments = tables.get("payments")
    org_accounts = pd.DataFrame(columns=["org_id", "account"])
    links = tables.get("org_links")
    if links is not None and len(links):
        bank = links[links["kind"] == "bank_account"]
        # an account observed on many rows is one holding: counted once, or its money would be too
        org_accounts = pd.DataFrame({"org_id": bank["org_id"].astype(str), "account": bank["value"]})
        org_accounts = org_accounts.drop_duplicates()
    if payments is not None and len(payments):
        paid = payments.merge(org_accounts, left_on="to_account", right_on="account", how="left")
        paid["entity_kind"] = paid["org_id"].notna().map({True: "org", False: "account"})
        paid["entity_id"] = paid["org_id"].fillna(paid["to_account"])
        entity = ["entity_kind", "entity_id"]
        received = paid.groupby(entity).agg(
            received=("amount", "sum"),
            payers=("from_account", "nunique"),
            payments=("payment_id", "nunique"),
        )
        received["paid_evidence"] = _cited(paid, entity)
        rows.append(received)
    shipments = tables.get("shipments")
    if shipments is not None and len(shipments):
        sent = (
            shipments[shipments["sender_kind"] == "org"] if "sender_kind" in shipments else shipments.iloc[:0]
        )
        organisations = tables.get("organizations")
        if organisations is not None and len(organisations):
            # a waybill without a sender id counts for the organisation at its sending address
            at = organisations.dropna(subset=["address_id"]).drop_duplicates("address_id")
            by_address = shipments.merge(
                at[["org_id", "address_id"]], left_on="from_address_id", right_on="address_id"
            )
            sent = pd.concat([sent.assign(org_id=sent["sender_id"]), by_address]).drop_duplicates("waybill")
        else:
            sent = sent.assign(org_id=sent["sender_id"])
        sent = sent.dropna(subset=["org_id"])
        if len(sent):
            parcels = pd.to_numeric(sent.get("parcels"), errors="coerce").fillna(1)
            sent = sent.assign(entity_kind="org", entity_id=sent["org_id"].astype(str), parcels=parcels)
            entity = ["entity_kind", "entity_id"]
            shipped = sent.groupby(entity).agg(
                parcels_sent=("parcels", "sum"), waybills=("waybill", "nunique")
            )
            shipped["sent_evidence"] = _cited(sent, entity)
            rows.append(shipped)
    if not rows:
        return pd.DataFrame(columns=RECEIVER_COLUMNS)
    ranked = pd.concat(rows, axis=1).reset_index()
    for column in ("received", "payers", "payments", "parcels_sent", "waybills"):
        if column not in ranked:
            ranked[column] = 0
        ranked[column] = ranked[column].fillna(0)
    ranked["evidence"] = (
        ranked.get("paid_evidence", pd.Series("", index=ranked.index))
        .fillna("")
        .map(lambda e: f"paid: {e}" if e else "")
        + " "
        + ranked.get("sent_evidence", pd.Series("", index=ranked.index))
        .fillna("")
        .map(lambda e: f"sent: {e}" if e else "")
    ).str.strip()
    names = {}
    organisations = tables.get("organizations")
    if organisations is not None and len(organisations):
        names = dict(zip(organisations["org_id"].astype(str), organisations["name"].fillna(""), strict=False))
    ranked["name"] = ranked["entity_id"].map(names).astype(object).fillna("")
    ranked["received"] = ranked["received"].round(2)
    ranked = ranked.sort_values(
        ["payers", "received", "parcels_sent", "entity_id"], ascending=[False, False, False, True]
    ).reset_index(drop=True)
    ranked["rank"] = range(1, len(ranked) + 1)
    for column in ("payers", "payments", "waybills"):
        ranked[column] = ranked[column].astype(int)
    return ranked[RECEIVER_COLUMNS]
