"""Overview page: what the store holds, the top rings, and what was quarantined on the way in."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from workbench.access import allowed
from workbench.app.common import current_user, no_rings, page_start
from workbench.app.data import overview, ring_table
from workbench.app.triage import needs_attention


def overview_page() -> None:
    opened = page_start("Overview")
    if opened is None:
        return
    store, where, version = opened
    figures = overview(where, version)
    _attention(store, ring_table(where, version), figures["flag_score"])
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
        f"{figures['flagged']:,} flagged of {figures['rings']:,} groups found. "
        f"Store: {where}. Rings list {figures['ring_sellers']:,} core members (corroborated ties); "
        f"{figures['associates']:,} more sellers are associated, not established"
        + (
            f"; {figures['conflicts']:,} decisions conflict with the data (Leads page)"
            if figures["conflicts"]
            else ""
        )
        + "."
    )

    st.subheader("Top rings by score")
    rings = ring_table(where, version)
    if rings.empty:
        no_rings()
    else:
        columns = [
            c
            for c in ("ring_id", "ring_score", "size", "provinces", "goods_value", "top_source")
            if c in rings
        ]
        st.dataframe(
            rings.loc[rings["ring_score"] >= figures["flag_score"], columns].head(10),
            hide_index=True,
            width="stretch",
        )
        st.caption("Open the Rings page to search, sort and read the evidence of any ring.")

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
        st.session_state["ring"] = choice
        pages = st.session_state.get("_pages", {})
        if "rings" in pages:
            st.switch_page(pages["rings"])
