"""The app until the workbench app lands: the rings of a store, their scores and upstream sources."""

from __future__ import annotations

import os

import streamlit as st

from workbench.store import MemoryStore


@st.cache_resource
def _store(path: str) -> MemoryStore:
    return MemoryStore(path, create=False)


def run() -> None:
    st.set_page_config(page_title="Counterfeit Ring Workbench", layout="wide")
    st.title("Counterfeit Ring Workbench")
    path = os.environ.get("WORKBENCH_STORE")
    if not path or not os.path.isdir(path):
        st.error(
            "No store to open. Build one with `workbench analyze DATA --out OUT --store STORE` "
            "and start the app with `workbench app --store STORE`."
        )
        return
    store = _store(path)
    rings = store.rings()
    counts = store.counts()
    cols = st.columns(4)
    cols[0].metric("Sellers", f"{counts.get('sellers', 0):,}")
    cols[1].metric("Identifier links", f"{counts.get('seller_links', 0):,}")
    cols[2].metric("Rings", f"{rings['ring_id'].nunique():,}")
    cols[3].metric("Quarantined rows", f"{counts.get('quarantine', 0):,}")
    st.caption("The full investigation app (network, map, leads) is being built; this page lists rings.")
    summary = (
        rings.groupby("ring_id")
        .agg(size=("seller_id", "size"), ring_score=("ring_score", "first"))
        .sort_values(["ring_score", "size"], ascending=False)
        .reset_index()
    )
    st.subheader("Rings by score")
    # st.dataframe renders cell values as text, so hostile shop names cannot inject HTML
    st.dataframe(summary, hide_index=True, width="stretch")
    if len(summary):
        ring_id = st.selectbox("Ring", summary["ring_id"])
        sellers = store.table("sellers")
        members = rings[rings["ring_id"] == ring_id].merge(sellers, on="seller_id", how="left")
        st.subheader("Members")
        st.dataframe(members[["seller_id", "shop_name", "status", "provenance"]], hide_index=True)
        st.subheader("Upstream sources")
        upstream = store.upstream()
        st.dataframe(upstream[upstream["ring_id"] == ring_id], hide_index=True)
