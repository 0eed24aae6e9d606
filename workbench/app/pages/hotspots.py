"""Hotspots page: where rings, warehouses and sources concentrate, as a choropleth with Gi*."""

from __future__ import annotations

import html

import folium
import pandas as pd
import streamlit as st

from workbench.analytics.hotspots import MEASURES, SIGNIFICANCE, significant, store_hotspots
from workbench.analytics.places import registered_addresses
from workbench.app.common import cached, no_rings, page_start, store_at, table
from workbench.app.components import map_html, offline_map, on_map
from workbench.i18n import N_, _

TO_MONTH = "counterfeit_sellers_to_month"
# what a region can be coloured by: the measure's name for people, and one line on what it is
COLOURED_BY = {
    TO_MONTH: (
        N_("counterfeit storefronts registered up to the month"),
        N_("Storefronts of detected rings registered in the region up to the month on the slider."),
    ),
    "hotspot_z": (
        N_("hot-spot strength (Gi* z-score)"),
        N_(
            "Getis-Ord Gi*: how far the region and its neighbours stand above the country on the chosen "
            "measure; above about 2 is unusual. Outlined in black: significant at p < {p}."
        ),
    ),
    "counterfeit_sellers": (
        N_("counterfeit storefronts"),
        N_("Storefronts of detected rings registered in the region."),
    ),
    "rate_per_1000": (
        N_("counterfeit storefronts per 1,000 sellers"),
        N_(
            "Ring storefronts per 1,000 sellers registered in the region: a rate, so a big region is "
            "not a hotspot by size alone."
        ),
    ),
    "rings": (
        N_("rings with storefronts here"),
        N_("Rings with at least one storefront registered in the region."),
    ),
    "warehouses": (N_("ring warehouses"), N_("Warehouses that ring members ship from, hubs left out.")),
    "sources": (N_("production sources"), N_("Rank-1 upstream sources located in the region.")),
    "goods_value": (
        N_("goods value (RMB)"),
        N_("Value of the rings' listings whose storefronts are in the region."),
    ),
}
LEVEL_WORDS = {"province": N_("province"), "prefecture": N_("prefecture"), "country": N_("country")}
MEASURE_NAMES = {"production": N_("production"), "storefronts": N_("storefronts"), "activity": N_("activity")}
# ColorBrewer OrRd: sequential, readable by the colour-blind and in greyscale
PALETTE = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"]


def _legend(title: str, low: float, high: float) -> str:
    """The map's legend, drawn on the map (plain HTML, no script, nothing fetched)."""
    steps = [low + (high - low) * k / 5 for k in range(6)]
    step = _("{low:,.2f} to {high:,.2f}")
    outlined = _("significant hotspot (Gi*, p < {p})").format(p=SIGNIFICANCE)
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:10px;background:{colour};'
        f'border:1px solid #999"></span> {html.escape(step.format(low=a, high=b))}</div>'
        for colour, a, b in zip(PALETTE, steps, steps[1:], strict=False)
    )
    return (
        f"<b>{html.escape(title)}</b>{rows}"
        '<div><span style="display:inline-block;width:14px;height:10px;background:#eeeeee;'
        f'border:1px solid #999"></span> {html.escape(_("no data"))}</div>'
        '<div><span style="display:inline-block;width:14px;height:10px;border:2.5px solid #000">'
        f"</span> {html.escape(outlined)}</div>"
    )


@cached(N_("computing hotspots"))
def _hotspots(path: str, level: str, measure: str, version: str):
    # the store's version is part of the cache key: new input or a new detection, fresh hotspots
    result = store_hotspots(store_at(path), level, measure)
    return result.table, result.monthly, result.placement


def hotspots_page() -> None:
    opened = page_start(N_("Regional hotspots"))
    if opened is None:
        return
    store, where, version = opened
    if store.rings().empty:
        no_rings()
        return
    left, right = st.columns(2)
    level = left.selectbox(_("Level"), list(LEVEL_WORDS), format_func=lambda v: _(LEVEL_WORDS[v]))
    measure = right.selectbox(
        _("Gi* measure"),
        list(MEASURES),
        format_func=lambda m: f"{_(MEASURE_NAMES[m])}: {_(MEASURES[m])}",
    )
    regions, monthly, placement = _hotspots(where, level, measure, version)
    months = sorted(monthly["month"].unique())
    options = [c for c in COLOURED_BY if c != TO_MONTH or months]
    shown = st.selectbox(_("Colour regions by"), options, format_func=lambda c: _(COLOURED_BY[c][0]))
    if months:
        # the slider bounds the storefronts counted; it applies to that measure (the default)
        month = st.select_slider(
            _("Counterfeit storefronts registered up to month"),
            months,
            value=months[-1],
            disabled=shown != TO_MONTH,
            help=_("Applies to 'counterfeit storefronts registered up to the month'."),
        )
        upto = monthly[monthly["month"] <= month].groupby("region_id")["counterfeit_sellers"].sum()
        regions = regions.assign(**{TO_MONTH: regions["region_id"].map(upto).fillna(0).astype(int)})
    st.caption(_(COLOURED_BY[shown][1]).format(p=SIGNIFICANCE))
    st.iframe(map_html(_choropleth(regions, shown)), height=520)
    hot = regions[significant(regions)]
    st.caption(
        _(
            "Significant hotspots (Gi* of {measure}, p < {p}): {regions}. Not placed on the map: {unplaced}"
        ).format(
            measure=_(MEASURE_NAMES[measure]),
            p=SIGNIFICANCE,
            regions=", ".join(hot["region_name"]) or _("none"),
            unplaced=", ".join(f"{_(k)} {v['not_placed']}" for k, v in placement.items()),
        )
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
    table(pd.DataFrame(regions[columns]).sort_values("hotspot_z", ascending=False), hide_index=True)
    region = st.selectbox(_("Region"), regions.sort_values("hotspot_z", ascending=False)["region_name"])
    _region_detail(store, regions, region, level)


def _choropleth(regions, shown: str):
    """The regions coloured by ``shown`` on an offline map, significant hotspots outlined, with a
    tooltip in people's words and a legend drawn on the map."""
    fmap = offline_map(location=[33, 108], zoom_start=4)
    columns = list(dict.fromkeys(["region_id", "region_name", shown, "hotspot_z", "hotspot_p", "geometry"]))
    geo = regions[columns].copy()
    # simplified outlines for the screen: the page stays light (full shapes are ~2 MB)
    geo["geometry"] = geo.geometry.simplify(0.02, preserve_topology=True)
    # colours computed here: branca's choropleth legend needs d3 from a CDN
    values = geo[shown].astype(float)
    low, high = values.min(), values.max()
    scale = (values - low) / (high - low) if high > low else values * 0
    geo["fill"] = [PALETTE[min(4, int(v * 5))] if v == v else "#eeeeee" for v in scale]
    geo["significant"] = significant(geo)
    # tooltips show people's words and rounded figures, not field names and float noise
    geo["shown_value"] = values.map(
        lambda v: _("no data") if v != v else f"{v:,.2f}" if v % 1 else f"{v:,.0f}"
    )
    geo["significance"] = [
        _("significant hotspot (p = {p:.3f})").format(p=p)
        if sig
        else _("not significant (p = {p:.3f})").format(p=p)
        if p == p
        else _("no test")
        for sig, p in zip(geo["significant"], geo["hotspot_p"], strict=True)
    ]
    folium.GeoJson(
        geo[["region_name", "fill", "significant", "shown_value", "significance", "geometry"]].to_json(),
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            # a significant hotspot is outlined in black; the others thinly in grey
            "color": "#000000" if f["properties"]["significant"] else "#999999",
            "weight": 2.5 if f["properties"]["significant"] else 0.5,
            "fillOpacity": 0.75,
        },
        tooltip=folium.GeoJsonTooltip(
            ["region_name", "shown_value", "significance"],
            aliases=[_("Region"), _(COLOURED_BY[shown][0]), "Gi*"],
        ),
    ).add_to(fmap)
    on_map(fmap, _legend(_(COLOURED_BY[shown][0]), low, high))
    return fmap


def _region_detail(store, regions, region_name: str, level: str) -> None:
    """The rings with members in the region, and the sources located there."""
    from workbench.analytics.hotspots import place_points

    region_id = regions.loc[regions["region_name"] == region_name, "region_id"].iloc[0]
    addresses = store.table("addresses")
    orgs = store.table("organizations")
    upstream = store.upstream()
    top = upstream[upstream["rank"] == 1][["ring_id", "entity_id", "entity_name", "score"]]
    located = top.merge(orgs[["org_id", "address_id"]], left_on="entity_id", right_on="org_id").merge(
        addresses[["address_id", "lat", "lon", "province"]], on="address_id"
    )
    if len(located):
        where = place_points(located[["lat", "lon", "province"]], level)[0]
        located = located[where.to_numpy() == region_id]
    st.subheader(_("Production sources in {region}").format(region=region_name))
    table(located[["entity_id", "entity_name", "ring_id", "score"]], hide_index=True)
    # rings with storefronts registered in the region
    registered = registered_addresses(store.table("seller_links"))
    homes = (
        registered.rename("address_id")
        .rename_axis("seller_id")
        .reset_index()
        .merge(addresses[["address_id", "lat", "lon", "province"]], on="address_id")
    )
    rings = store.rings()
    homes = homes[homes["seller_id"].isin(rings["seller_id"])]
    if len(homes):
        where = place_points(homes[["lat", "lon", "province"]], level)[0]
        homes = homes[where.to_numpy() == region_id]
    scores = store.result("ring_scores")[["ring_id", "size", "ring_score", "goods_value"]]
    here = (
        rings[rings["seller_id"].isin(homes["seller_id"])]
        .groupby("ring_id")
        .size()
        .rename("storefronts_here")
    )
    st.subheader(_("Rings with storefronts in {region}").format(region=region_name))
    table(
        scores.join(here, on="ring_id", how="inner").sort_values("ring_score", ascending=False),
        hide_index=True,
    )
