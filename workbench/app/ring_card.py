"""The ring card: one screen that says what a ring is and why it was flagged (score and reasons in
words, signals by contribution, top source, suggested jurisdiction, warnings), its members with shop
name and status, its timeline, and buttons to everything one does next."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import streamlit as st

from workbench.analytics.scoring import SIGNALS
from workbench.app.cases import status_form
from workbench.app.common import open_page
from workbench.app.data import ring_reading, ring_timeline

__all__ = ["ring_card"]

# the pages a ring is taken to from its card, with the button's words
NEXT_PAGES = {"network": "Network", "upstream": "Upstream", "map": "Map", "leads": "Build packet"}


def ring_card(store, where: str, version: str, ring: pd.Series, ring_id: str, threshold: float) -> None:
    reading = ring_reading(where, version, ring_id)
    heading = st.empty()  # filled after the status form: a status just saved shows at once
    cols = st.columns([1, 1, 1.3, 2.2])
    cols[0].metric("Score", f"{ring['ring_score']:.3f}", help="0 to 1; flagged at the flag threshold")
    cols[1].metric("Storefronts", f"{int(ring['size']):,}")
    goods = ring.get("goods_value")
    if goods is not None and pd.notna(goods):
        cols[2].metric(
            "Goods value (RMB)", f"{goods:,.0f}", f"{goods - threshold:+,.0f} vs referral threshold"
        )
    top = ring.get("top_source")
    cols[3].markdown(f"**Top source**  \n{_text(top) if isinstance(top, str) and top else 'none found'}")
    jurisdiction = reading["jurisdiction"].removeprefix("Suggested: ")
    st.markdown(
        f"**Why:** {_text(ring.get('reasons') or 'no counterfeit signal')}  \n"
        f"**Suggested jurisdiction:** {_text(jurisdiction)}"
    )
    for warning in reading["warnings"]:
        st.warning(warning)

    buttons = st.columns([1, 1, 1, 1, 1.4, 2])
    for col, (page, words) in zip(buttons, NEXT_PAGES.items(), strict=False):
        if col.button(words, key=f"card_{page}", width="stretch"):
            open_page(page, ring_id)
    with buttons[4].popover("Set status", width="stretch"):
        status = status_form(store, ring_id, key="card_status")
    heading.header(f"Ring {ring_id} · {status}")

    left, right = st.columns([2, 3])
    with left:
        _signals_chart(store, ring_id)
        timeline = ring_timeline(where, version, ring_id)
        if len(timeline):
            st.altair_chart(_timeline_chart(timeline), width="stretch", height=170)
    with right:
        st.dataframe(_members(store, ring_id), hide_index=True, width="stretch", height=330)


def _text(value) -> str:
    """Data shown as markdown text: a shop or company name's markdown and HTML stay characters."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$])", r"\\\1", str(value))


def _signals_chart(store, ring_id: str) -> None:
    """The score's signals, largest contribution first, each named in words."""
    scores = store.result("ring_scores")
    row = scores[scores["ring_id"] == ring_id]
    if row.empty:
        return
    contributions = pd.DataFrame(
        {
            "signal": [signal.replace("_", " ") for signal in SIGNALS],
            "contribution": [float(row.iloc[0].get(f"contrib_{s}", 0.0) or 0.0) for s in SIGNALS],
            "meaning": list(SIGNALS.values()),
        }
    ).sort_values("contribution", ascending=False)
    chart = (
        alt.Chart(contributions, title="Signals by contribution to the score (log-odds)")
        .mark_bar(color="#d62728")
        .encode(
            x=alt.X("contribution:Q", title=None),
            y=alt.Y("signal:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False)),
            tooltip=[
                alt.Tooltip("signal:N"),
                alt.Tooltip("contribution:Q", format=".2f"),
                alt.Tooltip("meaning:N"),
            ],
        )
        .properties(height=alt.Step(18))
    )
    st.altair_chart(chart, width="stretch")


def _members(store, ring_id: str) -> pd.DataFrame:
    """Members with shop name and status first (what one scans for), then their evidence weight."""
    rings = store.rings()
    members = rings.loc[rings["ring_id"] == ring_id, ["seller_id"]]
    sellers = store.table("sellers")[["seller_id", "shop_name", "status"]]
    weights = store.result("members")
    members = members.merge(sellers, on="seller_id", how="left")
    if len(weights):
        mine = weights[weights["ring_id"] == ring_id][["seller_id", "evidence_weight"]]
        members = members.merge(mine, on="seller_id", how="left")
        members = members.sort_values("evidence_weight", ascending=False, ignore_index=True)
    return members


def _timeline_chart(timeline: pd.DataFrame) -> alt.Chart:
    """Monthly events as stacked bars on a time axis (a quiet month is a gap), with tooltips in
    words."""
    # a field named "count" collides with Vega-Lite's own count: the bars would not draw
    long = timeline.reset_index().melt("month", var_name="event", value_name="events")
    return (
        alt.Chart(long[long["events"] > 0])
        .mark_bar()
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0)),
            y=alt.Y("events:Q", title="a month"),
            color=alt.Color("event:N", title="Members' events", legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("month:T", title="month", format="%B %Y"),
                alt.Tooltip("event:N"),
                alt.Tooltip("events:Q"),
            ],
        )
    )
