"""Loader checks for payments.csv: positive amounts, accounts normalised like bank_account links."""

from __future__ import annotations

import pandas as pd

from workbench.model import INPUT_FILES

from .checks import LoadContext
from .normalise import compact_id
from .quarantine import RowFilter

SPEC = INPUT_FILES["payments"]


def hook(rows: RowFilter, typed: pd.DataFrame, context: LoadContext) -> None:
    rows.reject(typed["amount"] <= 0, "amount", "amount must be positive")
    for column in ("from_account", "to_account"):
        accounts, reasons = compact_id(typed[column])
        rows.reject(reasons != "", column, reasons)
        typed[column] = accounts
