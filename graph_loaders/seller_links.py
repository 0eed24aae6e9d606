"""Loader checks for seller_links.csv: identifiers normalised by kind, address links resolved."""

from __future__ import annotations

import pandas as pd

from workbench.model import INPUT_FILES

from .checks import LoadContext, reference_check
from .normalise import normalise_identifiers
from .quarantine import RowFilter

SPEC = INPUT_FILES["seller_links"]


def check_links(rows: RowFilter, typed: pd.DataFrame, context: LoadContext) -> None:
    """Normalise each link's value for its kind and quarantine values that are not identifiers.

    Shared by seller_links and org_links, whose rows differ only in their owner column.
    """
    values, reasons = normalise_identifiers(
        typed["kind"], typed["value"].astype(str), context.default_country
    )
    rows.reject(reasons != "", "value", reasons)
    typed["value"] = values
    reference_check(
        rows,
        typed,
        "value",
        context.tables.get("addresses"),
        "address_id",
        "addresses",
        applies=typed["kind"] == "address",
    )


hook = check_links
