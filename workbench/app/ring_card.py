"""The ring card: one screen that says what a ring is and why it was flagged (score and reasons in
words, signals by contribution, top source, suggested jurisdiction, warnings), its members with shop
name and status, its timeline, and buttons to everything one does next."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import streamlit as st

from workbench.analytics.scoring import SIGNAL_NAMES, SIGNALS, reasons_of
from workbench.app.cases import status_form
from workbench.app.common import open_page, table
from workbench.app.data import ring_reading, ring_timeline
from workbench.i18n import N_, _, current_language

__all__ = ["ring_card"]

# the pages a ring is taken to from its card, with the button's words
NEXT_PAGES = {
    "network": N_("Network"),
    "upstream": N_("Upstream"),
    "map": N_("Map"),
    "leads": N_("Build packet"),
}


def ring_card(store, where: str, version: str, ring: pd.Series, ring_id: str, threshold: float) -> None:
    reading = ring_reading(where, version, ring_id, current_language())
    score = _score_row(store, ring_id)
    heading = st.empty()  # filled after the status form: a status just saved shows at once
    cols = st.columns([1, 1, 1.3, 2.2])
    cols[0].metric(_("Score"), f"{ring['ring_score']:.3f}", help=_("0 to 1; flagged at the flag threshold"))
    cols[1].metric(_("Storefronts"), f"{int(ring['size']):,}")
    goods = ring.get("goods_value")
    if goods is not None and pd.notna(goods):
        cols[2].metric(
            _("Goods value (RMB)"),
            f"{goods:,.0f}",
            _("{difference:+,.0f} vs referral threshold").format(difference=goods - threshold),
        )
    top = ring.get("top_source")
    cols[3].markdown(
        "**{title}**  \n{top}".format(
            title=_("Top source"), top=_text(top) if isinstance(top, str) and top else _("none found")
        )
    )
    st.markdown(
        "**{why}** {reasons}  \n**{where}** {jurisdiction}".format(
            why=_("Why:"),
            reasons=_text(
                (reasons_of(score) if score is not None else "")
                or ring.get("reasons")
                or _("no counterfeit signal")
            ),
            where=_("Suggested jurisdiction:"),
            jurisdiction=_text(reading["jurisdiction"].removeprefix(_("Suggested: "))),
        )
    )
    for warning in reading["warnings"]:
        st.warning(warning)

    buttons = st.columns([1, 1, 1, 1, 1.4, 2])
    for col, (page, words) in zip(buttons, NEXT_PAGES.items(), strict=False):
        if col.button(_(words), key=f"card_{page}", width="stretch"):
            open_page(page, ring_id)
    with buttons[4].popover(_("Set status"), width="stretch"):
        status = status_form(store, ring_id, key="card_status")
    heading.header(_("Ring {ring_id} · {status}").format(ring_id=ring_id, status=_(status)))

    left, right = st.columns([2, 3])
    with left:
        if score is not None:
            _signals_chart(score)
        timeline = ring_timeline(where, version, ring_id)
        if len(timeline):
            st.altair_chart(_timeline_chart(timeline), width="stretch", height=170)
    with right:
        members = _members(store, ring_id)
        table(
            members.assign(status=members["status"].fillna("").map(_)),
            hide_index=True,
            width="stretch",
            height=330,
        )


def _score_row(store, ring_id: str) -> pd.Series | None:
    """The ring's row of the kept scores (signals, contributions and the counts behind them): the
    reasons are said from it in the reader's language, and the signals chart drawn from it."""
    scores = store.result("ring_scores")
    row = scores[scores["ring_id"] == ring_id] if len(scores) else scores
    return row.iloc[0] if len(row) else None


def _text(value) -> str:
    """Data shown as markdown text: a shop or company name's markdown and HTML stay characters."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$])", r"\\\1", str(value))


def _signals_chart(score: pd.Series) -> None:
    """The score's signals, largest contribution first, each named in words."""
    contributions = pd.DataFrame(
        {
            "signal": [_(SIGNAL_NAMES[signal]) for signal in SIGNALS],
            "contribution": [float(score.get(f"contrib_{s}", 0.0) or 0.0) for s in SIGNALS],
            "meaning": [_(meaning) for meaning in SIGNALS.values()],
        }
    ).sort_values("contribution", ascending=False)
    chart = (
        alt.Chart(contributions, title=_("Signals by contribution to the score (log-odds)"))
        .mark_bar(color="#d62728")
        .encode(
            x=alt.X("contribution:Q", title=None),
            y=alt.Y("signal:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False)),
            tooltip=[
                alt.Tooltip("signal:N", title=_("signal")),
                alt.Tooltip("contribution:Q", format=".2f", title=_("contribution")),
                alt.Tooltip("meaning:N", title=_("meaning")),
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
    long["event"] = long["event"].map(_)
    return (
        alt.Chart(long[long["events"] > 0])
        .mark_bar()
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%Y-%m", labelAngle=0)),
            y=alt.Y("events:Q", title=_("a month")),
            color=alt.Color("event:N", title=_("Members' events"), legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("month:T", title=_("month"), format="%Y-%m"),
                alt.Tooltip("event:N", title=_("event")),
                alt.Tooltip("events:Q", title=_("events")),
            ],
        )
    )
