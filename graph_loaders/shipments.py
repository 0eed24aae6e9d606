"""Loader checks for shipments.csv: senders and recipients must exist as the kind they claim to be."""

from __future__ import annotations

import pandas as pd

from workbench.model import INPUT_FILES

from .checks import LoadContext, reference_check
from .quarantine import RowFilter

SPEC = INPUT_FILES["shipments"]
_PARTY_FILE = {"seller": ("sellers", "seller_id"), "org": ("organizations", "org_id")}


def hook(rows: RowFilter, typed: pd.DataFrame, context: LoadContext) -> None:
    rows.reject(typed["parcels"].fillna(0) < 0, "parcels", "negative parcel count")
    for party in ("sender", "recipient"):
        kind, party_id = typed[f"{party}_kind"], typed[f"{party}_id"].astype(str).str.strip()
        typed[f"{party}_id"] = party_id
        rows.reject(
            (kind.isin(list(_PARTY_FILE))) & (party_id == ""),
            f"{party}_id",
            f"{party}_id missing for {party}_kind seller/org",
        )
        for party_kind, (file_name, key) in _PARTY_FILE.items():
            reference_check(
                rows,
                typed,
                f"{party}_id",
                context.tables.get(file_name),
                key,
                file_name,
                applies=kind == party_kind,
            )
