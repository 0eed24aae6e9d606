"""Leads page: each ring's case status (open, in progress, referred, dismissed) with notes and who
changed it, kept in the store; lead packets to build and download; the case register."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from workbench.access import allowed
from workbench.app.cases import status_form
from workbench.app.common import current_user, no_rings, page_start, ring_picker, table, your_role_may_not
from workbench.app.data import ring_table
from workbench.app.judgement import conflicts_section
from workbench.errors import WorkbenchError
from workbench.i18n import LANGUAGES, N_, _, current_language, in_language
from workbench.leads.flow_packet import FLOWS_SUBJECT
from workbench.store.base import CASE_STATUSES


def leads_page() -> None:
    opened = page_start(N_("Leads"))
    if opened is None:
        return
    store, where, version = opened
    rings = ring_table(where, version)
    # drawn after the form below, so that a status just saved shows at once
    counters = st.container()
    conflicts_section(store)
    ring_id = ring_picker(rings["ring_id"].tolist(), key="leads_ring")
    if ring_id is None:
        _counters(counters, store, rings)
        no_rings()
        if len(store.result("flows")) or len(store.result("receivers")):
            # data with no ring (a bank's transfers, waybills alone): its flows can still be referred
            _lead_packet(store, FLOWS_SUBJECT)
        return
    heading = st.empty()
    current = status_form(store, ring_id, key="case_status")
    heading.subheader(_("Case status of {ring_id}: {status}").format(ring_id=ring_id, status=_(current)))
    _counters(counters, store, rings)
    events = store.case_events()
    history = events[events["ring_id"] == ring_id].sort_values("changed_at", ascending=False)
    if len(history):
        st.caption(_("History"))
        table(
            history.drop(columns=["event_id"]).assign(status=history["status"].map(_)),
            hide_index=True,
            width="stretch",
        )
    _lead_packet(store, ring_id)


def _counters(where, store, rings) -> None:
    """How many of this analysis's rings are in each status (never touched: open); events of
    rings that have since dissolved do not count."""
    status = store.case_status()
    current = status["status"].reindex(rings["ring_id"]).fillna("open") if len(rings) else status["status"]
    counts = current.value_counts()
    for col, name in zip(where.columns(len(CASE_STATUSES)), CASE_STATUSES, strict=True):
        col.metric(_(name).capitalize(), f"{int(counts.get(name, 0)):,}")


def _lead_packet(store, ring_id: str) -> None:
    """Build a lead packet for the ring (or, for ``FLOWS``, a flows packet) on request and offer its
    zip; show the case register."""
    from workbench.leads.flow_packet import build_flow_packet
    from workbench.leads.packet import build_lead_packet

    flows = ring_id == FLOWS_SUBJECT
    st.subheader(_("Flows packet") if flows else _("Lead packet"))
    if flows:
        st.caption(_("No ring to refer: a flows packet refers where money and goods concentrate, signed."))
    user = current_user()
    if not allowed(user, "build_redacted_packet"):
        your_role_may_not(user, N_("build lead packets"))
        return
    recipient = st.text_input(_("Recipient"), value="unspecified recipient")
    if allowed(user, "build_unredacted_packet"):
        redact = st.checkbox(
            _("Redact personal identifiers (person IDs, phones, e-mails, accounts)"), value=True
        )
    else:
        redact = True
        st.caption(_("Packets you build are redacted (unredacted packets need the lead role)."))
    # the report is written for its reader (a police unit), whatever language this page is in
    language = st.radio(
        _("Report language"),
        list(LANGUAGES),
        index=list(LANGUAGES).index(current_language()),
        format_func=LANGUAGES.get,
        horizontal=True,
        key="packet_language",
    )
    if st.button(_("Build flows packet") if flows else _("Build lead packet")):
        try:
            with st.spinner(_("building and signing the packet")), in_language(language):
                folder = Path(tempfile.mkdtemp(prefix="lead-packet-"))
                who = {"redact": redact, "recipient": recipient, "actor": user.name, "role": user.role}
                if flows:
                    built = build_flow_packet(store, folder, **who)
                else:
                    built = build_lead_packet(store, ring_id, folder, **who)
        except WorkbenchError as exc:
            st.error(str(exc))
            return
        st.success(
            _("Packet {packet_id} built in {seconds:.1f}s; SHA-256 {sha}").format(
                packet_id=built.packet_id, seconds=built.seconds, sha=built.zip_sha256
            )
        )
        # kept for this session: the download button stays after a click, and can be used again
        st.session_state.setdefault("built_packets", {})[built.packet_id] = (ring_id, str(built.zip_path))
    register = store.case_register()
    register = register[register["ring_id"] == ring_id]
    built_here = {
        packet_id: path
        for packet_id, (ring, path) in st.session_state.get("built_packets", {}).items()
        if ring == ring_id and Path(path).is_file()
    }
    for packet_id, path in built_here.items():
        st.download_button(
            _("Download {packet_id} (zip)").format(packet_id=packet_id),
            Path(path).read_bytes(),
            file_name=Path(path).name,
            mime="application/zip",
            key=f"download_{packet_id}",
        )
    if len(register):
        st.caption(
            _(
                "Packets already built for this ring (case register); those built in this session can be "
                "downloaded again above, others with `workbench packet` again"
            )
        )
        table(register, hide_index=True)
