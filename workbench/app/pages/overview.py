"""Overview page: what the store holds, the top rings, and what was quarantined on the way in."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from workbench.access import allowed
from workbench.app.cases import with_status
from workbench.app.common import clicked_row, current_user, no_rings, open_page, page_start
from workbench.app.data import overview, ring_table
from workbench.app.triage import needs_attention


def overview_page() -> None:
    opened = page_start("Overview")
    if opened is None:
        return
    store, where, version = opened
    figures = overview(where, version)
    rings = ring_table(where, version)
    st.subheader(f"{figures['flagged']:,} flagged of {figures['rings']:,} groups found")
    _attention(store, rings, figures["flag_score"])
    _queue(store, rings, figures["flag_score"])

    st.subheader("What the store holds")
    cols = st.columns(5)
    cols[0].metric("Sellers", f"{figures['sellers']:,}")
    cols[1].metric("Identifier links", f"{figures['links']:,}")
    cols[2].metric(
        "Flagged rings",
        f"{figures['flagged']:,}",
        help=f"Score {figures['flag_score']:.2f} or more; the other groups found look legitimate so far.",
    )
    cols[3].metric("Confirmed counterfeit test buys", f"{figures['counterfeit_test_buys']:,}")
    cols[4].metric("Quarantined rows", f"{figures['quarantined']:,}")
    st.caption(
        f"Store: {where}. Rings list {figures['ring_sellers']:,} core members (corroborated ties); "
        f"{figures['associates']:,} more sellers are associated, not established"
        + (
            f"; {figures['conflicts']:,} decisions conflict with the data (Leads page)"
            if figures["conflicts"]
            else ""
        )
        + "."
    )

    _coverage(figures["coverage"], figures["receivers"])

    st.subheader("Data quality")
    files = pd.DataFrame.from_dict(figures["files"], orient="index")
    if len(files):
        st.dataframe(files.rename_axis("file").reset_index(), hide_index=True)
        st.caption("Every input row is loaded, quarantined with its reason, or merged as an exact duplicate.")
    if figures["quarantined"]:
        st.dataframe(figures["by_reason"], hide_index=True, width="stretch")
        with st.expander("Quarantined rows (first 200)"):
            examples = figures["examples"]
            if not allowed(current_user(), "see_identifiers"):  # a bad row's value may be a phone
                examples = examples.drop(columns=["value"], errors="ignore")
            st.dataframe(examples, hide_index=True, width="stretch")
    else:
        st.success("No row was quarantined.")


ANALYSIS_NAMES = {
    "rings": "Ring detection",
    "upstream": "Upstream tracing of rings",
    "money_flows": "Money flows (flows.csv)",
    "flow_receivers": "Where money and goods concentrate (flow_receivers.csv)",
    "entities": "Entity resolution of addresses and companies",
    "map_and_hotspots": "Maps and regional hotspots",
    "marketplace_evidence": "Complaints and test buys as evidence",
    "screening_watch": "Screening of new registrations",
}


def _coverage(coverage: dict, receivers: pd.DataFrame) -> None:
    """Which analyses this data allowed; for a dataset of flows alone, where the money goes."""
    skipped = {name: said for name, said in coverage.items() if not said.get("ran")}
    if not coverage or not skipped:
        return
    st.subheader("What this data allows")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "analysis": ANALYSIS_NAMES.get(name, name),
                    "ran": "yes" if said.get("ran") else "no",
                    "lacking": ", ".join(said.get("lacking", [])),
                }
                for name, said in coverage.items()
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption("An analysis that did not run names the input files it lacked; add them and analyse again.")
    if len(receivers) and not coverage.get("rings", {}).get("ran", True):
        st.subheader("Where money and goods concentrate")
        st.dataframe(receivers.head(20), hide_index=True, width="stretch")
        st.caption("Ranked by distinct payers, then money received, then parcels sent; evidence cites lines.")


def _queue(store, rings: pd.DataFrame, flag_score: float) -> None:
    """Flagged rings over the referral threshold, with their case status; a row opens its ring."""
    st.subheader("The queue: flagged and over the referral threshold")
    if rings.empty:
        no_rings()
        return
    referable = rings["referable"].fillna(False).astype(bool) if "referable" in rings else True
    queue = with_status(store, rings[(rings["ring_score"] >= flag_score) & referable])
    if queue.empty:
        st.info("No flagged ring is over the referral threshold; the Rings page lists every group.")
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
    st.dataframe(
        queue[columns],
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="overview_queue",
        column_config={
            "ring_score": st.column_config.ProgressColumn(
                "score", min_value=0.0, max_value=1.0, format="%.3f"
            ),
            "goods_value": st.column_config.NumberColumn("goods value (RMB)", format="%.0f"),
            "top_source": "top source",
        },
    )
    st.caption(f"{len(queue):,} rings; click a row to open its card.")


def _attention(store, rings: pd.DataFrame, flag_score: float) -> None:
    """What needs a decision today, each one click from its ring."""
    st.subheader("Needs attention")
    todo = needs_attention(store, rings, flag_score)
    if todo.empty:
        st.success("Nothing waits for a decision: no unopened referable ring, change, hit or conflict.")
        return
    st.dataframe(todo, hide_index=True, width="stretch")
    rings_named = [r for r in dict.fromkeys(todo["ring_id"]) if r]
    if not rings_named:
        return
    choice = st.selectbox("Ring", rings_named, key="attention_ring")
    if st.button(f"Open ring {choice}", key="attention_open"):
        open_page("rings", choice)
