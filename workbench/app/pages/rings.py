"""Rings page: the rings of a store, their scores, upstream sources, and lead packets to download."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from workbench.app.common import open_store
from workbench.store import MemoryStore


def rings_page() -> None:
    st.title("Counterfeit Ring Workbench")
    store = open_store()
    if store is None:
        return
    rings = store.rings()
    counts = store.counts()
    cols = st.columns(4)
    cols[0].metric("Sellers", f"{counts.get('sellers', 0):,}")
    cols[1].metric("Identifier links", f"{counts.get('seller_links', 0):,}")
    cols[2].metric("Rings", f"{rings['ring_id'].nunique():,}")
    cols[3].metric("Quarantined rows", f"{counts.get('quarantine', 0):,}")
    st.caption(
        "The network explorer and ring map are still to come; here: rings, their sources and "
        "lead packets, and regional hotspots on the next page."
    )
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
        _lead_packet(store, ring_id)


def _lead_packet(store: MemoryStore, ring_id: str) -> None:
    """Build a lead packet for the ring on request and offer its zip; show the case register."""
    from workbench.leads.packet import build_lead_packet

    st.subheader("Lead packet")
    recipient = st.text_input("Recipient", value="unspecified recipient")
    redact = st.checkbox("Redact personal identifiers (person IDs, phones, e-mails, accounts)", value=True)
    if st.button("Build lead packet"):
        with st.spinner("building the packet"):
            folder = Path(tempfile.mkdtemp(prefix="lead-packet-"))
            built = build_lead_packet(store, ring_id, folder, redact=redact, recipient=recipient)
        st.success(f"Packet {built.packet_id} built in {built.seconds:.1f}s; SHA-256 {built.zip_sha256}")
        st.download_button(
            "Download the packet (zip)",
            built.zip_path.read_bytes(),
            file_name=built.zip_path.name,
            mime="application/zip",
        )
    register = store.case_register()
    register = register[register["ring_id"] == ring_id]
    if len(register):
        st.caption("Packets already built for this ring (case register)")
        st.dataframe(register, hide_index=True)
