"""Map page: a ring's storefront addresses, warehouses and sources with the goods flowing between them,
and where rings and sources concentrate by province."""

from __future__ import annotations

import html
import math

import folium
import pandas as pd
import streamlit as st

from workbench.app.common import current_user, identifier_masker, no_rings, page_start, ring_picker, table
from workbench.app.components import map_html, map_text, marker_cluster, offline_map, on_map
from workbench.app.data import ring_places, ring_table
from workbench.i18n import N_, _
from workbench.palette import legend_html, style, swatch_html


def map_page() -> None:
    opened = page_start(N_("Map"))
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
            places.loc[places["role"] == "storefront", "text"] = _("(address masked for your role)")
    placed = places.dropna(subset=["lat", "lon"])
    if len(places) > len(placed):
        st.caption(
            _("{n} address(es) without coordinates are not drawn.").format(n=len(places) - len(placed))
        )
    if placed.empty:
        st.warning(_("No address of {ring_id} has coordinates.").format(ring_id=ring_id))
    else:
        st.iframe(ring_map_html(placed, flows), height=560)
    table(places.assign(role=places["role"].map(_role)), hide_index=True, width="stretch")

    st.subheader(_("Where rings and sources concentrate, by province"))
    table(province_view(store, rings), hide_index=True, width="stretch")
    st.caption(_("The Hotspots page tests these concentrations for significance (Getis-Ord Gi*)."))


# what each role is drawn as: the palette's kind (colour, shape and words)
_ROLE_KIND = {"storefront": "ring_member", "warehouse": "address"}


def _role_kind(role: str) -> str:
    """Storefronts, warehouses, the rank-1 source (a star) and the other ranked sources."""
    if role in _ROLE_KIND:
        return _ROLE_KIND[role]
    return "factory" if role == "source #1" else "intermediary"


# on the map a star is the most likely source and a diamond any other ranked source, whatever its kind
_MAP_WORDS = {
    "ring_member": N_("storefront address"),
    "address": N_("warehouse the ring ships from"),
    "factory": N_("most likely source (rank 1)"),
    "intermediary": N_("other ranked source"),
}


def _role(role: str) -> str:
    """A place's role in the reader's words (storefront, warehouse, source #N)."""
    if role.startswith("source #"):
        return _("source #{rank}").format(rank=role.removeprefix("source #"))
    return _(ROLES.get(role, role))


ROLES = {"storefront": N_("storefront"), "warehouse": N_("warehouse")}


def ring_map_html(placed: pd.DataFrame, flows: pd.DataFrame) -> str:
    """The ring on a folium map with its legend drawn on it: storefronts clustered (the cluster
    bubbles in the storefronts' colour), warehouses, sources (rank 1 marked with a star and its
    name), and goods flows as arrows; every tooltip escaped."""
    fmap = offline_map(location=[placed["lat"].mean(), placed["lon"].mean()], zoom_start=5, tiles=None)
    fmap.options["maxZoom"] = 18  # clustering needs it; with no tile layer nothing else sets it
    # province outlines as the base layer: the map reads without a tile server
    folium.GeoJson(
        _province_outlines(),
        style_function=lambda feature: {
            "color": "#999999",
            "weight": 1,
            "fillColor": "#f2f2f2",
            "fillOpacity": 1,
        },
        name="provinces",
    ).add_to(fmap)
    storefront = style("ring_member").colour
    cluster = marker_cluster(
        name="storefronts",
        # the bubble says how many storefronts it holds, in the storefronts' colour (not the
        # plugin's green and yellow, which the legend would not explain)
        icon_create_function=(
            "function (cluster) { return L.divIcon({html: '<div style=\"background:"
            + storefront
            + ";color:white;border-radius:50%;width:30px;height:30px;line-height:30px;"
            "text-align:center;font:bold 12px sans-serif;border:2px solid white\">' + "
            "cluster.getChildCount() + '</div>', className: 'storefront-cluster', "
            "iconSize: L.point(30, 30)}); }"
        ),
    ).add_to(fmap)
    for row in placed.itertuples(index=False):
        _place_marker(row).add_to(cluster if row.role == "storefront" else fmap)
    for row in flows.itertuples(index=False):
        _goods_flow(row, fmap)
    fmap.fit_bounds([[placed["lat"].min(), placed["lon"].min()], [placed["lat"].max(), placed["lon"].max()]])
    roles = dict.fromkeys(_role_kind(r) for r in placed["role"])
    on_map(
        fmap,
        legend_html(
            [k for k in ("ring_member", "address", "factory", "intermediary") if k in roles],
            [(FLOW_COLOUR, N_("goods flow, arrow at the receiving end, thicker for more parcels"))],
            words=_MAP_WORDS,
        )
        + "<div>"
        + html.escape(_("Numbered circles: storefronts grouped when close together; zoom in to part them."))
        + "</div>",
    )
    return map_html(fmap)


def _place_marker(row):
    """A storefront as a dot; a warehouse or source in the legend's own shape (a div, nothing
    fetched), the rank-1 source named in a permanent tooltip."""
    text = map_text(
        _("{role}: {entity} at {address} {text} ({city})").format(
            role=_role(row.role),
            entity=row.entity,
            address=row.address_id,
            text=row.text or "",
            city=row.city or "",
        )
    )
    kind = _role_kind(row.role)
    if row.role == "storefront":
        marker = folium.CircleMarker(
            [row.lat, row.lon],
            radius=5,
            color=style(kind).colour,
            fill=True,
            fill_opacity=0.8,
            tooltip=folium.Tooltip(text),
        )
    else:
        # warehouses and sources in the legend's own shapes (a div, nothing fetched)
        size = 28 if kind == "factory" else 16
        marker = folium.Marker(
            [row.lat, row.lon],
            icon=folium.DivIcon(
                html=swatch_html(kind, size),
                icon_size=(size, size),
                icon_anchor=(size // 2, size // 2),
                class_name=f"ring-map-{kind}",
            ),
            tooltip=folium.Tooltip(
                text
                if kind != "factory"
                else map_text(_("most likely source (rank 1): {entity}").format(entity=row.entity)),
                permanent=kind == "factory",
            ),
        )
    return marker


def _goods_flow(row, fmap) -> None:
    """A goods flow as a line with its arrow head at the receiving end, thicker for more parcels."""
    weight = 1 + math.log1p(float(row.parcels))
    tip = map_text(
        _("{origin} → {to}: {parcels:.0f} parcels").format(
            origin=row.from_address_id, to=row.to_address_id, parcels=row.parcels
        )
    )
    start, end = [row.from_lat, row.from_lon], [row.to_lat, row.to_lon]
    folium.PolyLine([start, end], color=FLOW_COLOUR, opacity=0.7, weight=weight, tooltip=tip).add_to(fmap)
    head = arrow_head(start, end)
    if head:
        folium.PolyLine(head, color=FLOW_COLOUR, opacity=0.9, weight=weight, tooltip=tip).add_to(fmap)


FLOW_COLOUR = "#555555"


def arrow_head(start: list[float], end: list[float], share: float = 0.06) -> list[list[float]] | None:
    """The two strokes of an arrowhead at ``end`` of the line from ``start`` (lat, lon), each
    ``share`` of the line long and 25 degrees off it; None for a line of no length."""
    dy, dx = end[0] - start[0], end[1] - start[1]
    length = math.hypot(dx, dy)
    if length == 0:
        return None
    size = max(length * share, 0.02)
    angle = math.atan2(dy, dx)
    wings = [
        [end[0] - size * math.sin(angle + turn), end[1] - size * math.cos(angle + turn)]
        for turn in (math.radians(25), -math.radians(25))
    ]
    return [wings[0], end, wings[1]]


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
