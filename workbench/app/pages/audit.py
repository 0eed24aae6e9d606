"""Audit trail page (lead role only): who viewed personal identifiers, built packets, changed cases
and signed in, with the hash chain checked."""

from __future__ import annotations

import streamlit as st

from workbench.access import require
from workbench.app.common import current_user, open_store, table
from workbench.i18n import _
from workbench.safe_output import csv_bytes


def audit_page() -> None:
    st.title(_("Audit trail"))
    require(current_user(), "read_audit")
    store = open_store()
    if store is None:
        return
    log = store.audit_log()
    problems = store.verify_audit()
    if problems:
        st.error(_("The audit trail's hash chain is broken: {problems}").format(problems="; ".join(problems)))
    else:
        head = log["entry_hash"].iloc[-1][:16] if len(log) else _("(empty)")
        st.success(_("{n:,} entries, chain intact (head {head}…)").format(n=len(log), head=head))
    actions = sorted(log["action"].unique()) if len(log) else []
    chosen = st.multiselect(_("Actions"), actions, placeholder=_("All actions"))
    shown = log[log["action"].isin(chosen)] if chosen else log
    table(shown.sort_values("seq", ascending=False), hide_index=True, width="stretch")
    st.download_button(_("Download the audit trail (CSV)"), csv_bytes(log), file_name="audit.csv")
