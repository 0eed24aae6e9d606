"""Loader checks for listings.csv: prices cannot be negative."""

from __future__ import annotations

import pandas as pd

from workbench.model import INPUT_FILES

from .checks import LoadContext
from .quarantine import RowFilter

SPEC = INPUT_FILES["listings"]


def hook(rows: RowFilter, typed: pd.DataFrame, context: LoadContext) -> None:
    rows.reject(typed["price"] < 0, "price", "negative price")
