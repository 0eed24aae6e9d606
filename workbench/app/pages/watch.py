"""Watch page: the last screening's hits (new storefronts that look like a known ring's, or a
banned seller's) and the rings the last analysis changed, highest risk first, each one click from
its ring; an investigator confirms or dismisses a hit (a decision, with who and why)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from workbench.access import allowed
from workbench.analytics.decisions import in_force
from workbench.app.common import (
    current_user,
    open_page,
    page_start,
    record_judgement,
    table,
    your_role_may_not,
)
from workbench.i18n import N_, _


def watch_page() -> None:
    opened = page_start(N_("Watch: new storefronts and ring changes"))
    if opened is None:
        return
    store = opened[0]
    user = current_user()
    hits = store.result("screening")
    st.subheader(_("Screening hits"))
    if hits.empty:
        st.info(
            _(
                "No screening yet. Screen a day's registrations with "
                "`workbench screen NEW_DIR --store STORE --out OUT`; its hits show here."
            )
        )
    else:
        _hits(store, user, hits)
    _changes(store)


def _judged(store) -> pd.DataFrame:
    decisions = in_force(store.decisions())
    return (
        decisions[decisions["kind"].isin(["hit-confirmed", "hit-dismissed"])] if len(decisions) else decisions
    )


def _hits(store, user, hits: pd.DataFrame) -> None:
    least = st.slider(_("Least risk shown"), 0.0, 1.0, 0.5, 0.05, key="watch_risk")
    shown = hits.assign(risk=hits["risk"].astype(float))
    shown = shown[shown["risk"] >= least].sort_values(["risk", "seller_id"], ascending=[False, True])
    judged = _judged(store)
    verdict = (
        judged.drop_duplicates("subject", keep="last").set_index("subject")["kind"].str.removeprefix("hit-")
        if len(judged)
        else pd.Series(dtype=object)
    )
    shown = shown.assign(judged=shown["seller_id"].map(verdict).fillna("").map(_))
    screened_from = hits["screened_from"].iloc[0] if "screened_from" in hits else _("the last screening")
    st.caption(
        _(
            "{shown:,} of {screened:,} new sellers screened at risk {least:.2f} or more (from {where})."
        ).format(shown=len(shown), screened=len(hits), least=least, where=screened_from)
    )
    columns = ["seller_id", "risk", "ring_id", "matched_seller_id", "judged", "reasons"]
    table(shown[columns], hide_index=True, width="stretch")
    if shown.empty:
        return
    hit = st.selectbox(_("Hit"), shown["seller_id"].tolist(), key="watch_hit")
    row = shown[shown["seller_id"] == hit].iloc[0]
    if row["ring_id"] and st.button(
        _("Open ring {ring_id}").format(ring_id=row["ring_id"]), key="watch_open"
    ):
        open_page("rings", row["ring_id"])
    if not allowed(user, "decide"):
        your_role_may_not(user, N_("judge hits"))
        return
    with st.form("watch_judge", clear_on_submit=True):
        judgement = st.radio(
            _("Judgement"),
            [N_("confirmed: it is that operation"), N_("dismissed")],
            horizontal=True,
            format_func=_,
        )
        reason = st.text_input(_("Reason"), key="watch_reason")
        if st.form_submit_button(_("Record")):
            kind = "hit-confirmed" if judgement.startswith("confirmed") else "hit-dismissed"
            if kind == "hit-confirmed" and not row["ring_id"]:
                st.error(
                    _("This hit names no ring to confirm (a banned seller only): dismiss it or open a case.")
                )
                return
            # a hit's judgement is shown on this page at once; it changes no ring
            record_judgement(store, user, kind, hit, row["ring_id"], reason, applies=None)


def _changes(store) -> None:
    """What the last analysis changed: new rings, rings that grew (with the new members), merged,
    split or gone."""
    st.subheader(_("Ring changes in the last analysis"))
    changes = store.result("changes")
    if changes.empty:
        st.caption(_("No change against the store's previous analysis (or none to compare with)."))
        return
    table(changes.assign(change=changes["change"].map(_)), hide_index=True, width="stretch")
