"""Regional hotspots: where counterfeit storefronts, ring warehouses and production sources
concentrate, per province or prefecture, with Getis-Ord Gi* to tell a cluster from a big region."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from workbench.analytics.places import registered_addresses, ring_addresses
from workbench.i18n import N_

__all__ = [
    "LEVELS",
    "MEASURES",
    "regions",
    "store_hotspots",
    "place_points",
    "getis_ord",
    "HotspotResult",
    "hotspots",
    "SIGNIFICANCE",
    "significant",
]

# a region is a significant hot spot when its Gi* is positive at this p (conditional permutations)
SIGNIFICANCE = 0.05

GEO = Path(__file__).resolve().parent.parent / "geo"
LEVELS = {
    "province": (GEO / "cn-atlas-provinces.geojson", None),
    "prefecture": (GEO / "cn-atlas.topojson.json", "prefectures"),
    # world countries, for cross-border cases (Natural Earth 1:110m)
    "country": (GEO / "ne_110m_admin_0_countries.geojson", None),
}
# spellings of province names in exports that differ from the boundary file's romanisation
_ALIASES = {
    "inner mongolia": "neimenggu",
    "tibet": "xizang",
    "hong kong": "hongkong",
    "macau": "aomen",
    "macao": "aomen",
}
COUNTED = ["sellers", "counterfeit_sellers", "rings", "warehouses", "sources", "confirmed_test_buys"]
# what hotspot_z / hotspot_p test for clustering
MEASURES = {
    "production": N_(
        "ring warehouses plus production sources in the region (where goods are made and stored)"
    ),
    "storefronts": N_("counterfeit storefronts per 1,000 sellers (a rate: no hotspot by size alone)"),
    "activity": N_("counterfeit storefronts, warehouses and sources per 1,000 sellers"),
}


@lru_cache(maxsize=2)
def regions(level: str = "province") -> gpd.GeoDataFrame:
    """Boundaries of ``level`` (province or prefecture): ``region_id, region_name, geometry``."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    path, layer = LEVELS[level]
    frame = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    frame = frame.set_crs(4326, allow_override=True)
    frame["geometry"] = frame.geometry.make_valid()  # a few published shapes are invalid
    if level == "country":
        # a few countries have no ISO code in Natural Earth (-99): fall back on its own code
        codes = frame["ISO_A3"].where(frame["ISO_A3"] != "-99", frame["ADM0_A3"])
        ids, names, local = codes.astype(str), frame["ADMIN"], frame["NAME"]
    else:
        ids, names, local = frame["id"].astype(str), frame["name"], frame["地名"]
    out = gpd.GeoDataFrame(
        {"region_id": ids, "region_name": names, "local_name": local}, geometry=frame.geometry, crs=4326
    )
    return out.sort_values("region_id", ignore_index=True)


def _name_key(names: pd.Series) -> pd.Series:
    key = names.fillna("").astype(str).str.strip().str.lower()
    return key.replace(_ALIASES).str.replace(r"\s+(province|shi|sheng)$", "", regex=True).str.replace(" ", "")


def place_points(points: pd.DataFrame, level: str = "province") -> tuple[pd.Series, dict[str, int]]:
    """Region of each point: by its coordinates, else by its own province name (province level).

    ``points`` has ``lat, lon`` (may be empty) and ``province``. Returns the region ids (NaN where
    unplaced) and counts of points placed by coordinates, by name, and not placed.
    """
    shapes = regions(level)
    region = pd.Series(np.nan, index=points.index, dtype=object)
    located = points["lat"].notna() & points["lon"].notna()
    if located.any():
        coords = points.loc[located, ["lon", "lat"]].drop_duplicates()
        gdf = gpd.GeoDataFrame(coords, geometry=gpd.points_from_xy(coords["lon"], coords["lat"]), crs=4326)
        joined = gpd.sjoin(gdf, shapes[["region_id", "geometry"]], predicate="within", how="left")
        joined = joined[~joined.index.duplicated()]
        lookup = pd.Series(
            joined["region_id"].to_numpy(), index=pd.MultiIndex.from_frame(coords[["lon", "lat"]])
        )
        keys = pd.MultiIndex.from_frame(points.loc[located, ["lon", "lat"]])
        region[located] = lookup.reindex(keys).to_numpy()
    by_coordinates = int(region.notna().sum())
    if level == "province" and "province" in points:
        missing = region.isna()
        by_name = dict(zip(_name_key(shapes["region_name"]), shapes["region_id"], strict=True))
        by_name.update(dict(zip(shapes["local_name"].astype(str), shapes["region_id"], strict=True)))
        guessed = _name_key(points.loc[missing, "province"]).map(by_name)
        local = points.loc[missing, "province"].astype(str).map(by_name)
        region[missing] = guessed.fillna(local).to_numpy()
    counts = {
        "placed_by_coordinates": by_coordinates,
        "placed_by_province_name": int(region.notna().sum()) - by_coordinates,
        "not_placed": int(region.isna().sum()),
    }
    return region, counts


def getis_ord(
    values: pd.Series, shapes: gpd.GeoDataFrame, k: int = 5, permutations: int = 999, seed: int = 42
) -> tuple[np.ndarray, np.ndarray]:
    """Getis-Ord Gi* z-scores and pseudo p-values (conditional permutations) of ``values``.

    Neighbours are the ``k`` nearest regions by centroid, so islands (Hainan, Taiwan) have
    neighbours too. A high z with a low p is a cluster of high values, not one big region.
    References: Getis & Ord 1992, "The analysis of spatial association by use of distance
    statistics", Geographical Analysis 24(3); Ord & Getis 1995, "Local spatial autocorrelation
    statistics: distributional issues and an application", Geographical Analysis 27(4).

    A 4 x 4 grid of regions with high values in one corner: the corner is the hot spot.

    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cells = gpd.GeoDataFrame(geometry=[box(x, y, x + 1, y + 1) for y in range(4) for x in range(4)],
    ...                          crs=4326)
    >>> values = pd.Series([9, 9, 0, 0, 9, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], dtype=float)
    >>> z, p = getis_ord(values, cells, k=3, permutations=99)
    >>> bool(z[0] > 1 and z[15] < 0), int(np.argmax(z)) in (0, 1, 4, 5)
    (True, True)
    """
    from esda.getisord import G_Local
    from libpysal.weights import KNN

    if len(values) < 3:  # no neighbourhood to compare with
        return np.full(len(values), np.nan), np.full(len(values), np.nan)
    k = min(k, len(values) - 1)
    centroids = shapes.to_crs(3857).geometry.centroid
    weights = KNN.from_array(np.column_stack([centroids.x, centroids.y]), k=k)
    weights.transform = "B"
    np.random.seed(seed)  # esda draws its permutations from numpy's global generator
    g = G_Local(values.to_numpy(dtype=float), weights, star=True, permutations=permutations, seed=seed)
    return np.asarray(g.Zs), np.asarray(g.p_sim)


@dataclass
class HotspotResult:
    table: gpd.GeoDataFrame  # one row per region with measures, rates, hotspot_z, hotspot_p
    monthly: pd.DataFrame  # region_id, month, counterfeit_sellers, rings
    placement: dict[str, dict[str, int]]  # per entity kind: placed by coordinates / name, not placed
    level: str


def _points(address_ids: pd.Series, addresses: pd.DataFrame) -> pd.DataFrame:
    where = addresses.set_index("address_id")[["lat", "lon", "province"]] if len(addresses) else None
    if where is None:
        return pd.DataFrame({"lat": np.nan, "lon": np.nan, "province": ""}, index=address_ids.index)
    found = where.reindex(address_ids.to_numpy())
    found.index = address_ids.index
    return found


def hotspots(
    tables: dict[str, pd.DataFrame],
    rings: pd.DataFrame,
    ring_scores: pd.DataFrame,
    upstream: pd.DataFrame,
    suppressed: pd.DataFrame,
    referral_cut: float = 0.5,
    level: str = "province",
    permutations: int = 999,
    measure: str = "production",
) -> HotspotResult:
    """Hotspot measures per region from a store's tables and analysis results.

    ``counterfeit_sellers`` counts members of rings scored at or above ``referral_cut``;
    ``warehouses`` the non-hub warehouse addresses those rings ship from; ``sources`` the
    rank-1 upstream organisation of each such ring; ``hotspot_z``/``hotspot_p`` are Gi* of the
    chosen ``measure`` (see ``MEASURES``) over the regions that have sellers.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}")
    shapes = regions(level)
    addresses = tables.get(
        "addresses", pd.DataFrame(columns=["address_id", "lat", "lon", "province", "kind"])
    )
    flagged_rings = set(ring_scores.loc[ring_scores["ring_score"] >= referral_cut, "ring_id"])
    members = rings[rings["ring_id"].isin(flagged_rings)]
    registered = registered_addresses(tables["seller_links"])
    sellers = tables["sellers"][["seller_id", "registered_at"]].copy()
    sellers["address_id"] = sellers["seller_id"].map(registered)
    seller_region, seller_counts = place_points(_points(sellers["address_id"], addresses), level)
    sellers["region_id"] = seller_region.to_numpy()
    placement = {"sellers": seller_counts}

    counts = pd.DataFrame(index=shapes["region_id"])
    counts["sellers"] = sellers.groupby("region_id").size()
    ring_sellers = sellers.merge(members[["seller_id", "ring_id"]], on="seller_id")
    counts["counterfeit_sellers"] = ring_sellers.groupby("region_id").size()
    counts["rings"] = ring_sellers.groupby("region_id")["ring_id"].nunique()
    for name, address_ids in _production_places(tables, members, flagged_rings, upstream, suppressed).items():
        region, placement[name] = place_points(_points(address_ids, addresses), level)
        counts[name] = region.value_counts()
    value = (
        ring_scores.set_index("ring_id")["goods_value"]
        if "goods_value" in ring_scores
        else pd.Series(dtype=float)
    )
    per_member = ring_sellers["ring_id"].map(value / ring_sellers.groupby("ring_id").size())
    counts["goods_value"] = per_member.groupby(ring_sellers["region_id"].to_numpy()).sum()
    counts = _with_rates(counts)

    column = {"production": "production", "storefronts": "rate_per_1000", "activity": "activity_per_1000"}[
        measure
    ]
    # regions without sellers (no data) take no part in the test rather than count as zeros
    with_data = counts["sellers"].to_numpy() > 0
    z, p = getis_ord(counts.loc[with_data, column], shapes[with_data], permutations=permutations)
    counts["hotspot_z"], counts["hotspot_p"] = np.nan, np.nan
    counts.loc[with_data, "hotspot_z"], counts.loc[with_data, "hotspot_p"] = np.round(z, 3), np.round(p, 4)
    counts["hotspot_measure"] = measure
    table = shapes.merge(counts.reset_index(), on="region_id")
    return HotspotResult(table, _monthly(ring_sellers), placement, level)


def _production_places(
    tables: dict[str, pd.DataFrame],
    members: pd.DataFrame,
    flagged_rings: set[str],
    upstream: pd.DataFrame,
    suppressed: pd.DataFrame,
) -> dict[str, pd.Series]:
    """The addresses the flagged rings produce and ship from, by what they are: ``warehouses``,
    ``sources`` (each ring's rank-1 upstream organisation) and ``confirmed_test_buys``."""
    addresses = tables.get("addresses", pd.DataFrame(columns=["address_id", "kind"]))
    # the flagged rings' warehouses as everywhere else (ring_addresses: declared ship-from, waybills,
    # test buys; hubs left out), counted where they are warehouses, not a home shipping parcels
    places = ring_addresses(members[["seller_id", "ring_id"]], tables, suppressed)
    warehouse_ids = pd.Series(
        sorted(set(places.loc[places["role"] == "warehouse", "address_id"])), dtype=object
    )
    if len(addresses):
        kinds = addresses.set_index("address_id")["kind"]
        warehouse_ids = warehouse_ids[warehouse_ids.map(kinds).eq("warehouse").to_numpy()]

    top = upstream[(upstream["rank"] == 1) & upstream["ring_id"].isin(flagged_rings)]
    orgs = tables.get("organizations", pd.DataFrame(columns=["org_id", "address_id"]))
    source_addresses = (
        top["entity_id"].drop_duplicates().map(orgs.set_index("org_id")["address_id"])
        if len(orgs)
        else pd.Series(dtype=object)
    )
    buys = tables.get("test_buys", pd.DataFrame(columns=["verdict", "ship_from_address_id"]))
    confirmed = buys.loc[buys["verdict"] == "counterfeit", "ship_from_address_id"]
    return {
        "warehouses": warehouse_ids,
        "sources": source_addresses.dropna(),
        "confirmed_test_buys": confirmed,
    }


def _with_rates(counts: pd.DataFrame) -> pd.DataFrame:
    """``counts`` (per region) with zeros for no data, and each count per 1,000 sellers."""
    counts = counts.fillna(0)
    counts[COUNTED] = counts[COUNTED].astype(int)
    sellers_n = counts["sellers"].replace(0, np.nan)
    for column in ("counterfeit_sellers", "rings", "warehouses", "sources", "confirmed_test_buys"):
        counts[f"{column}_per_1000"] = (counts[column] * 1000 / sellers_n).fillna(0).round(3)
    counts["rate_per_1000"] = counts["counterfeit_sellers_per_1000"]
    activity = (counts["counterfeit_sellers"] + counts["warehouses"] + counts["sources"]) * 1000 / sellers_n
    counts["activity_per_1000"] = activity.fillna(0).round(3)
    counts["production"] = counts["warehouses"] + counts["sources"]
    return counts


def _monthly(ring_sellers: pd.DataFrame) -> pd.DataFrame:
    """Flagged storefronts registered per region and month, and how many rings they belong to."""
    registered_month = pd.to_datetime(ring_sellers["registered_at"], utc=True).dt.strftime("%Y-%m")
    return (
        ring_sellers.assign(month=registered_month.to_numpy())
        .dropna(subset=["month", "region_id"])
        .groupby(["region_id", "month"])
        .agg(counterfeit_sellers=("seller_id", "size"), rings=("ring_id", "nunique"))
        .reset_index()
    )


def significant(table: pd.DataFrame) -> pd.Series:
    """Which regions of a hotspot table are significant hot spots (Gi* above the country, p under
    ``SIGNIFICANCE``): what the map outlines, the page and the CLI name, and the tests check.

    >>> significant(pd.DataFrame({"hotspot_z": [2.1, 2.1, -2.0], "hotspot_p": [0.01, 0.2, 0.01]})).tolist()
    [True, False, False]
    """
    return (table["hotspot_p"] < SIGNIFICANCE) & (table["hotspot_z"] > 0)


def store_hotspots(store, level: str = "province", measure: str = "production") -> HotspotResult:
    """Hotspots of what a GraphStore holds (its input tables and its last analysis), counting
    the rings flagged with the settings they were scored with."""
    from .settings import AnalysisSettings

    return hotspots(
        store.input_tables(),
        store.rings(),
        store.result("ring_scores"),
        store.upstream(),
        store.result("suppressed"),
        referral_cut=AnalysisSettings.of_store(store.meta()).flag_score,
        level=level,
        measure=measure,
    )
