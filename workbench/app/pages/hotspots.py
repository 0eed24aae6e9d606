"""Hotspots page: where rings, warehouses and sources concentrate, as a choropleth with Gi*."""

from __future__ import annotations

import folium
import pandas as pd
import streamlit as st

from workbench.analytics.hotspots import MEASURES, store_hotspots
from workbench.app.common import no_rings, page_start, store_at
from workbench.app.components import map_html, offline_map


@st.cache_data(show_spinner="computing hotspots")
def _hotspots(path: str, level: str, measure: str, version: str):
    # the store's version is part of the cache key: new input or a new detection, fresh hotspots
    result = store_hotspots(store_at(path), level, measure)
    return result.table, result.monthly, result.placement


def hotspots_page() -> None:
    opened = page_start("Regional hotspots")
    if opened is None:
        return
    store, where, version = opened
    if store.rings().empty:
        no_rings()
        return
    left, right = st.columns(2)
    level = left.selectbox("Level", ["province", "prefecture", "country"])
    measure = right.selectbox("Gi* measure", list(MEASURES), format_func=lambda m: f"{m}: {MEASURES[m]}")
    table, monthly, placement = _hotspots(where, level, measure, version)
    options = [
        "hotspot_z",
        "counterfeit_sellers",
        "rate_per_1000",
        "rings",
        "warehouses",
        "sources",
        "goods_value",
    ]
    months = sorted(monthly["month"].unique())
    if months:
        month = st.select_slider("Counterfeit storefronts registered up to month", months, value=months[-1])
        upto = monthly[monthly["month"] <= month].groupby("region_id")["counterfeit_sellers"].sum()
        table = table.assign(counterfeit_sellers_to_month=table["region_id"].map(upto).fillna(0).astype(int))
        options.insert(1, "counterfeit_sellers_to_month")
    shown = st.selectbox("Colour regions by", options)
    fmap = offline_map(location=[33, 108], zoom_start=4)
    geo = table[["region_id", "region_name", shown, "hotspot_p", "geometry"]].copy()
    # simplified outlines for the screen: the page stays light (full shapes are ~2 MB)
    geo["geometry"] = geo.geometry.simplify(0.02, preserve_topology=True)
    # colours computed here: branca's choropleth legend needs d3 from a CDN
    values = geo[shown].astype(float)
    low, high = values.min(), values.max()
    scale = (values - low) / (high - low) if high > low else values * 0
    palette = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"]
    geo["fill"] = [palette[min(4, int(v * 5))] if v == v else "#eeeeee" for v in scale]
    # tooltips escape their text: region names come from the bundled boundary file
    folium.GeoJson(
        geo.to_json(),
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "color": "#777777",
            "weight": 0.6,
            "fillOpacity": 0.75,
        },
        tooltip=folium.GeoJsonTooltip(["region_name", shown, "hotspot_p"]),
    ).add_to(fmap)
    st.iframe(map_html(fmap), height=520)
    st.caption(f"Colour: {shown}, from {low:,.2f} (light) to {high:,.2f} (dark); grey: no data.")
    significant = table[(table["hotspot_p"] < 0.05) & (table["hotspot_z"] > 0)]
    st.caption(
        f"Significant hotspots (Gi* of {measure}, p < 0.05): "
        + (", ".join(significant["region_name"]) or "none")
        + ". Not placed on the map: "
        + ", ".join(f"{k} {v['not_placed']}" for k, v in placement.items())
    )
    columns = [
        "region_name",
        "sellers",
        "counterfeit_sellers",
        "rate_per_1000",
        "rings",
        "warehouses",
        "sources",
        "confirmed_test_buys",
        "goods_value",
        "hotspot_z",
        "hotspot_p",
    ]
    st.dataframe(pd.DataFrame(table[columns]).sort_values("hotspot_z", ascending=False), hide_index=True)
    region = st.selectbox("Region", table.sort_values("hotspot_z", ascending=False)["region_name"])
    _region_detail(store, table, region, level)


def _region_detail(store, table, region_name: str, level: str) -> None:
    """The rings with members in the region, and the sources located there."""
    from workbench.analytics.hotspots import place_points

    region_id = table.loc[table["region_name"] == region_name, "region_id"].iloc[0]
    addresses = store.table("addresses")
    orgs = store.table("organizations")
    upstream = store.upstream()
    top = upstream[upstream["rank"] == 1][["ring_id", "entity_id", "entity_name", "score"]]
    located = top.merge(orgs[["org_id", "address_id"]], left_on="entity_id", right_on="org_id").merge(
        addresses[["address_id", "lat", "lon", "province"]], on="address_id"
    )
    if len(located):
        where, _ = place_points(located[["lat", "lon", "province"]], level)
        located = located[where.to_numpy() == region_id]
    st.subheader(f"Production sources in {region_name}")
    st.dataframe(located[["entity_id", "entity_name", "ring_id", "score"]], hide_index=True)
    # rings with storefronts registered in the region
    links = store.table("seller_links")
    registered = links[(links["kind"] == "address") & (links["role"].isin(["registered", ""]))]
    homes = registered.drop_duplicates("seller_id").merge(
        addresses[["address_id", "lat", "lon", "province"]], left_on="value", right_on="address_id"
    )
    rings = store.rings()
    homes = homes[homes["seller_id"].isin(rings["seller_id"])]
    if len(homes):
        where, _ = place_points(homes[["lat", "lon", "province"]], level)
        homes = homes[where.to_numpy() == region_id]
    scores = store.result("ring_scores")[["ring_id", "size", "ring_score", "goods_value"]]
    here = (
        rings[rings["seller_id"].isin(homes["seller_id"])]
        .groupby("ring_id")
        .size()
        .rename("storefronts_here")
    )
    st.subheader(f"Rings with storefronts in {region_name}")
    st.dataframe(
        scores.join(here, on="ring_id", how="inner").sort_values("ring_score", ascending=False),
        hide_index=True,
    )
