"""A ring's case status, set from the ring card or the Leads page: one form, who changed it is the
signed-in user, and what was saved shows at once."""

from __future__ import annotations

import streamlit as st

from workbench.access import allowed
from workbench.app.common import current_user, your_role_may_not
from workbench.i18n import N_, _
from workbench.store.base import CASE_STATUSES

__all__ = ["current_status", "with_status", "status_form"]


def current_status(store, ring_id: str) -> str:
    status = store.case_status()
    return status["status"].get(ring_id, "open") if len(status) else "open"


def with_status(store, rings):
    """``rings`` (a frame with ``ring_id``) with each ring's case status now (never touched: open)."""
    status = store.case_status()
    current = status["status"].to_dict() if len(status) else {}
    return rings.assign(status=[current.get(r, "open") for r in rings["ring_id"]])


def status_form(store, ring_id: str, key: str) -> str:
    """The form (for roles that may change cases) and the ring's status after it."""
    current = current_status(store, ring_id)
    user = current_user()
    if not allowed(user, "change_case"):
        your_role_may_not(user, N_("change cases"))
        return current
    # cleared on saving, so the same note is not entered twice by accident
    with st.form(key, clear_on_submit=True):
        new_status = st.selectbox(
            _("Status"), CASE_STATUSES, index=CASE_STATUSES.index(current), format_func=_
        )
        note = st.text_area(_("Note (what was done, by whom it was referred, why dismissed)"))
        if st.form_submit_button(_("Save status as {name}").format(name=user.name)):
            # who changed it is the signed-in user, never a typed name
            store.record_case_event(ring_id, new_status, note, user.name, role=user.role)
            st.success(
                _("{ring_id}: {status} (by {name})").format(
                    ring_id=ring_id, status=_(new_status), name=user.name
                )
            )
            current = new_status
    return current
