"""Map page: a ring's storefront addresses, warehouses and sources with the goods flowing between them,
and where rings and sources concentrate by province."""

from __future__ import annotations

import math

import folium
import pandas as pd
import streamlit as st

from workbench.app.common import current_user, identifier_masker, no_rings, page_start, ring_picker
from workbench.app.components import map_html, map_text, marker_cluster, offline_map
from workbench.app.data import ring_places, ring_table

_ROLE_COLOUR = {"storefront": "#1f77b4", "warehouse": "#ff7f0e"}


def map_page() -> None:
    opened = page_start("Map")
    if opened is None:
        return
    store, where, version = opened
    rings = ring_table(where, version)
    ring_id = ring_picker(rings["ring_id"].tolist(), key="map_ring")
    if ring_id is None:
        no_rings()
        return
    places, flows = ring_places(where, version, ring_id)
    masker = identifier_masker(current_user())
    if masker.enabled:  # storefronts are often homes: a viewer sees them to about 1 km, no street
        places = masker.coordinates(places, ("storefront",))
        if "text" in places:
            places.loc[places["role"] == "storefront", "text"] = "(address masked for your role)"
    placed = places.dropna(subset=["lat", "lon"])
    if len(places) > len(placed):
        st.caption(f"{len(places) - len(placed)} address(es) without coordinates are not drawn.")
    if placed.empty:
        st.warning(f"No address of {ring_id} has coordinates.")
    else:
        st.iframe(ring_map_html(placed, flows), height=560)
        st.caption(
            "Blue: storefront addresses (clustered), orange: warehouses shipped from, red: sources; "
            "grey lines: goods flowing into the ring's addresses, thicker for more parcels."
        )
    st.dataframe(places, hide_index=True, width="stretch")

    st.subheader("Where rings and sources concentrate, by province")
    st.dataframe(province_view(store, rings), hide_index=True, width="stretch")
    st.caption("The Hotspots page tests these concentrations for significance (Getis-Ord Gi*).")


def ring_map_html(placed: pd.DataFrame, flows: pd.DataFrame) -> str:
    """The ring on a folium map; every tooltip escaped (hover a marker for what it is)."""
    fmap = offline_map(location=[placed["lat"].mean(), placed["lon"].mean()], zoom_start=5, tiles=None)
    fmap.options["maxZoom"] = 18  # clustering needs it; with no tile layer nothing else sets it
    # province outlines as the base layer: the map reads without a tile server
    folium.GeoJson(
        _province_outlines(),
        style_function=lambda _: {"color": "#999999", "weight": 1, "fillColor": "#f2f2f2", "fillOpacity": 1},
        name="provinces",
    ).add_to(fmap)
    cluster = marker_cluster(name="storefronts").add_to(fmap)
    for row in placed.itertuples(index=False):
        text = map_text(f"{row.role}: {row.entity} at {row.address_id} {row.text or ''} ({row.city or ''})")
        colour = _ROLE_COLOUR.get(row.role, "#d62728")
        marker = folium.CircleMarker(
            [row.lat, row.lon],
            radius=7 if row.role != "storefront" else 5,
            color=colour,
            fill=True,
            fill_opacity=0.8,
            tooltip=folium.Tooltip(text),
        )
        marker.add_to(cluster if row.role == "storefront" else fmap)
    for row in flows.itertuples(index=False):
        folium.PolyLine(
            [[row.from_lat, row.from_lon], [row.to_lat, row.to_lon]],
            color="#555555",
            opacity=0.6,
            weight=1 + math.log1p(float(row.parcels)),
            tooltip=map_text(f"{row.from_address_id} → {row.to_address_id}: {row.parcels:.0f} parcels"),
        ).add_to(fmap)
    fmap.fit_bounds([[placed["lat"].min(), placed["lon"].min()], [placed["lat"].max(), placed["lon"].max()]])
    return map_html(fmap)


@st.cache_resource
def _province_outlines() -> str:
    from workbench.analytics.hotspots import regions

    outlines = regions("province")[["region_name", "geometry"]]
    return outlines.assign(geometry=outlines.geometry.simplify(0.02)).to_json()


def province_view(store, rings: pd.DataFrame) -> pd.DataFrame:
    """Rings with a storefront address in each province, and rank-1 sources located there."""
    members = (
        rings[["ring_id", "provinces"]]
        .assign(province=rings["provinces"].str.split(", "))
        .explode("province")
    )
    members = members[members["province"].fillna("") != ""]
    by_province = members.groupby("province")["ring_id"].nunique().rename("rings")
    upstream = store.upstream()
    top = upstream[upstream["rank"] == 1]
    orgs = store.table("organizations")[["org_id", "address_id"]]
    addresses = store.table("addresses")[["address_id", "province"]]
    located = top.merge(orgs, left_on="entity_id", right_on="org_id").merge(addresses, on="address_id")
    sources = located.groupby("province")["entity_id"].nunique().rename("rank_1_sources")
    view = pd.concat([by_province, sources], axis=1).fillna(0).astype(int)
    return (
        view.sort_values(["rank_1_sources", "rings"], ascending=False).rename_axis("province").reset_index()
    )
