"""Overview page: what the store holds, the top rings, and what was quarantined on the way in."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from workbench.access import allowed
from workbench.app.cases import with_status
from workbench.app.common import clicked_row, current_user, no_rings, open_page, page_start, table
from workbench.app.data import overview, ring_table
from workbench.app.triage import needs_attention
from workbench.i18n import N_, _


def overview_page() -> None:
    opened = page_start(N_("Overview"))
    if opened is None:
        return
    store, where, version = opened
    figures = overview(where, version)
    rings = ring_table(where, version)
    st.subheader(
        _("{flagged:,} flagged of {rings:,} groups found").format(
            flagged=figures["flagged"], rings=figures["rings"]
        )
    )
    _attention(store, rings, figures["flag_score"])
    _queue(store, rings, figures["flag_score"])

    st.subheader(_("What the store holds"))
    cols = st.columns(5)
    cols[0].metric(_("Sellers"), f"{figures['sellers']:,}")
    cols[1].metric(_("Identifier links"), f"{figures['links']:,}")
    cols[2].metric(
        _("Flagged rings"),
        f"{figures['flagged']:,}",
        help=_("Score {score:.2f} or more; the other groups found look legitimate so far.").format(
            score=figures["flag_score"]
        ),
    )
    cols[3].metric(_("Confirmed counterfeit test buys"), f"{figures['counterfeit_test_buys']:,}")
    cols[4].metric(_("Quarantined rows"), f"{figures['quarantined']:,}")
    said = _(
        "Store: {where}. Rings list {core:,} core members (corroborated ties); "
        "{associates:,} more sellers are associated, not established."
    ).format(where=where, core=figures["ring_sellers"], associates=figures["associates"])
    if figures["conflicts"]:
        said += " " + _("{n:,} decisions conflict with the data (Leads page).").format(n=figures["conflicts"])
    st.caption(said)

    _coverage(figures["coverage"], figures["receivers"])

    st.subheader(_("Data quality"))
    files = pd.DataFrame.from_dict(figures["files"], orient="index")
    if len(files):
        table(files.rename_axis("file").reset_index(), hide_index=True)
        st.caption(
            _("Every input row is loaded, quarantined with its reason, or merged as an exact duplicate.")
        )
    if figures["quarantined"]:
        table(figures["by_reason"], hide_index=True, width="stretch")
        with st.expander(_("Quarantined rows (first 200)")):
            examples = figures["examples"]
            if not allowed(current_user(), "see_identifiers"):  # a bad row's value may be a phone
                examples = examples.drop(columns=["value"], errors="ignore")
            table(examples, hide_index=True, width="stretch")
    else:
        st.success(_("No row was quarantined."))


ANALYSIS_NAMES = {
    "rings": N_("Ring detection"),
    "upstream": N_("Upstream tracing of rings"),
    "money_flows": N_("Money flows (flows.csv)"),
    "flow_receivers": N_("Where money and goods concentrate (flow_receivers.csv)"),
    "entities": N_("Entity resolution of addresses and companies"),
    "map_and_hotspots": N_("Maps and regional hotspots"),
    "marketplace_evidence": N_("Complaints and test buys as evidence"),
    "screening_watch": N_("Screening of new registrations"),
}


def _coverage(coverage: dict, receivers: pd.DataFrame) -> None:
    """Which analyses this data allowed; for a dataset of flows alone, where the money goes."""
    skipped = {name: said for name, said in coverage.items() if not said.get("ran")}
    if not coverage or not skipped:
        return
    st.subheader(_("What this data allows"))
    table(
        pd.DataFrame(
            [
                {
                    "analysis": _(ANALYSIS_NAMES.get(name, name)),
                    "ran": _("yes") if said.get("ran") else _("no"),
                    "lacking": ", ".join(said.get("lacking", [])),
                }
                for name, said in coverage.items()
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(_("An analysis that did not run names the input files it lacked; add them and analyse again."))
    if len(receivers) and not coverage.get("rings", {}).get("ran", True):
        st.subheader(_("Where money and goods concentrate"))
        table(receivers.head(20), hide_index=True, width="stretch")
        st.caption(
            _("Ranked by distinct payers, then money received, then parcels sent; evidence cites lines.")
        )


def _queue(store, rings: pd.DataFrame, flag_score: float) -> None:
    """Flagged rings over the referral threshold, with their case status; a row opens its ring."""
    st.subheader(_("The queue: flagged and over the referral threshold"))
    if rings.empty:
        no_rings()
        return
    referable = rings["referable"].fillna(False).astype(bool) if "referable" in rings else True
    queue = with_status(store, rings[(rings["ring_score"] >= flag_score) & referable])
    if queue.empty:
        st.info(_("No flagged ring is over the referral threshold; the Rings page lists every group."))
        return
    columns = [
        c
        for c in ("ring_id", "status", "ring_score", "size", "goods_value", "provinces", "top_source")
        if c in queue
    ]
    # read before the table is drawn: a click reruns the page with the selection already in state
    clicked = clicked_row("overview_queue")
    if clicked is not None and clicked < len(queue):
        open_page("rings", queue.iloc[clicked]["ring_id"])
    table(
        queue.assign(status=queue["status"].map(_))[columns],
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="overview_queue",
        column_config={
            "ring_score": st.column_config.ProgressColumn(
                _("score"), min_value=0.0, max_value=1.0, format="%.3f"
            ),
            "goods_value": st.column_config.NumberColumn(_("goods value (RMB)"), format="%.0f"),
            "top_source": _("top source"),
        },
    )
    st.caption(_("{n:,} rings; click a row to open its card.").format(n=len(queue)))


def _attention(store, rings: pd.DataFrame, flag_score: float) -> None:
    """What needs a decision today, each one click from its ring."""
    st.subheader(_("Needs attention"))
    todo = needs_attention(store, rings, flag_score)
    if todo.empty:
        st.success(_("Nothing waits for a decision: no unopened referable ring, change, hit or conflict."))
        return
    table(todo, hide_index=True, width="stretch")
    rings_named = [r for r in dict.fromkeys(todo["ring_id"]) if r]
    if not rings_named:
        return
    choice = st.selectbox(_("Ring"), rings_named, key="attention_ring")
    if st.button(_("Open ring {ring_id}").format(ring_id=choice), key="attention_open"):
        open_page("rings", choice)
