"""Loader checks for addresses.csv: coordinates must be on the globe and come in pairs."""

from __future__ import annotations

import pandas as pd

from workbench.model import INPUT_FILES

from .checks import LoadContext
from .quarantine import RowFilter

SPEC = INPUT_FILES["addresses"]


def hook(rows: RowFilter, typed: pd.DataFrame, context: LoadContext) -> None:
    lat, lon = typed["lat"], typed["lon"]
    rows.reject(lat.notna() & ~lat.between(-90, 90), "lat", "latitude outside -90..90")
    rows.reject(lon.notna() & ~lon.between(-180, 180), "lon", "longitude outside -180..180")
    rows.reject(lat.isna() != lon.isna(), "lat", "lat and lon must be given together")
