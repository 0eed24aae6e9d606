"""GeoJSON of the case's places: storefront addresses, warehouses and production sources."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

__all__ = ["write_geojson"]


def write_geojson(locations: pd.DataFrame, path: Path) -> Path:
    placed = locations.dropna(subset=["lat", "lon"])
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(r.lon), float(r.lat)]},
            "properties": {
                "entity_kind": r.entity_kind,
                "entity_id": r.entity_id,
                "role": r.role,
                "address_id": r.address_id,
                "city": r.city,
                "province": r.province,
            },
        }
        for r in placed.itertuples(index=False)
    ]
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1)
    )
    return path
