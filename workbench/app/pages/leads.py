"""Leads page: each ring's case status (open, in progress, referred, dismissed) with notes and who
changed it, kept in the store; lead packets to build and download; the case register."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from workbench.access import allowed
from workbench.app.common import current_user, no_rings, page_start, ring_picker
from workbench.app.data import ring_table
from workbench.app.judgement import conflicts_section
from workbench.errors import WorkbenchError
from workbench.store.base import CASE_STATUSES


def leads_page() -> None:
    opened = page_start("Leads")
    if opened is None:
        return
    store, where, version = opened
    rings = ring_table(where, version)
    status = store.case_status()
    # the rings of this analysis, each with its latest status (never touched: open); events
    # of rings that have since dissolved do not count
    current = status["status"].reindex(rings["ring_id"]).fillna("open") if len(rings) else status["status"]
    counts = current.value_counts()
    cols = st.columns(len(CASE_STATUSES))
    for col, name in zip(cols, CASE_STATUSES, strict=True):
        col.metric(name.capitalize(), f"{int(counts.get(name, 0)):,}")
    conflicts_section(store)
    ring_id = ring_picker(rings["ring_id"].tolist(), key="leads_ring")
    if ring_id is None:
        no_rings()
        return
    current = status["status"].get(ring_id, "open") if len(status) else "open"
    st.subheader(f"Case status of {ring_id}: {current}")
    user = current_user()
    if allowed(user, "change_case"):
        with st.form("case_status"):
            new_status = st.selectbox("Status", CASE_STATUSES, index=CASE_STATUSES.index(current))
            note = st.text_area("Note (what was done, by whom it was referred, why dismissed)")
            if st.form_submit_button(f"Save status as {user.name}"):
                # who changed it is the signed-in user, never a typed name
                store.record_case_event(ring_id, new_status, note, user.name, role=user.role)
                st.success(f"{ring_id}: {new_status} (by {user.name})")
    else:
        st.caption(f"Your role ({user.role}) may not change cases.")
    events = store.case_events()
    history = events[events["ring_id"] == ring_id].sort_values("changed_at", ascending=False)
    if len(history):
        st.caption("History")
        st.dataframe(history.drop(columns=["event_id"]), hide_index=True, width="stretch")
    _lead_packet(store, ring_id)


def _lead_packet(store, ring_id: str) -> None:
    """Build a lead packet for the ring on request and offer its zip; show the case register."""
    from workbench.leads.packet import build_lead_packet

    st.subheader("Lead packet")
    user = current_user()
    if not allowed(user, "build_redacted_packet"):
        st.caption(f"Your role ({user.role}) may not build lead packets.")
        return
    recipient = st.text_input("Recipient", value="unspecified recipient")
    if allowed(user, "build_unredacted_packet"):
        redact = st.checkbox(
            "Redact personal identifiers (person IDs, phones, e-mails, accounts)", value=True
        )
    else:
        redact = True
        st.caption("Packets you build are redacted (unredacted packets need the lead role).")
    if st.button("Build lead packet"):
        try:
            with st.spinner("building and signing the packet"):
                folder = Path(tempfile.mkdtemp(prefix="lead-packet-"))
                built = build_lead_packet(
                    store,
                    ring_id,
                    folder,
                    redact=redact,
                    recipient=recipient,
                    actor=user.name,
                    role=user.role,
                )
        except WorkbenchError as exc:
            st.error(str(exc))
            return
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
