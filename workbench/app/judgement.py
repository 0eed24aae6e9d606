"""The investigator's judgement on a ring page: associates shown apart, decisions on members,
merges, splits and sources (each with a reason, kept in the store), and the ring's history."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from workbench.access import allowed
from workbench.analytics.decisions import in_force
from workbench.app.common import DECISION_APPLIES, current_user, record_judgement, table, your_role_may_not
from workbench.i18n import N_, _

__all__ = ["associates_section", "judgement_section", "history_section", "conflicts_section"]


def associates_section(store, ring_id: str, masker) -> pd.DataFrame:
    """The ring's associates: tied by weak ties only, associated but not established."""
    associates = store.result("associates")
    mine = associates[associates["ring_id"] == ring_id] if len(associates) else associates
    st.subheader(_("Associated, not established"))
    if mine.empty:
        st.caption(
            _("No associate: every seller the analysis tied to this ring stands on corroborated ties.")
        )
        return mine
    st.caption(
        _(
            "Tied to the ring by weak ties only (one device, IP or ship-from address): not members, never "
            "in rings.csv or a referral's list of members, until an investigator confirms them."
        )
    )
    shown = mine.copy()
    if masker.enabled:  # the ties name identifiers; keep only their kinds
        shown["ties"] = shown["ties"].map(
            lambda t: ", ".join(sorted({p.split(" ")[0] for p in t.split(" | ")}))
        )
        shown = shown.drop(columns=["evidence"])
    table(shown, hide_index=True, width="stretch")
    return mine


def judgement_section(store, user, ring_id: str, members: list[str], associates: list[str]) -> None:
    """Forms for each decision about this ring (investigators and leads)."""
    st.subheader(_("Your judgement"))
    if not allowed(user, "decide"):
        your_role_may_not(user, N_("record decisions"))
        return
    st.caption(
        _("Each decision is kept with your name, the time and your reason; {applies}.").format(
            applies=_(DECISION_APPLIES)
        )
    )
    member_tab, merge_tab, split_tab, source_tab = st.tabs([_("Member"), _("Merge"), _("Split"), _("Source")])
    with member_tab, st.form("decide_member"):
        seller = st.selectbox(
            _("Seller"),
            [*members, *associates],
            format_func=lambda s: s + (" " + _("(associate)") if s in associates else ""),
        )
        verdict = st.radio(
            _("Judgement"),
            [N_("not part of this ring"), N_("confirmed member")],
            horizontal=True,
            format_func=_,
        )
        reason = st.text_input(_("Reason"), key="member_reason")
        if st.form_submit_button(_("Record")):
            kind = "not-member" if verdict == "not part of this ring" else "member"
            record_judgement(store, user, kind, seller, ring_id, reason)
    with merge_tab, st.form("decide_merge"):
        others = sorted(set(store.rings()["ring_id"]) - {ring_id})
        other = st.selectbox(_("The same operation as ring"), others)
        reason = st.text_input(_("Reason"), key="merge_reason")
        if st.form_submit_button(_("Merge the two rings")):
            record_judgement(store, user, "same-operation", ring_id, other, reason)
    with split_tab, st.form("decide_split"):
        chosen = st.multiselect(
            _("Members that are a different operation"), members, placeholder=_("Choose members")
        )
        reason = st.text_input(_("Reason"), key="split_reason")
        if st.form_submit_button(_("Split them off")):
            record_judgement(store, user, "different-operations", ring_id, "", reason, chosen=chosen)
    with source_tab, st.form("decide_source"):
        upstream = store.upstream()
        candidates = (
            upstream.loc[upstream["ring_id"] == ring_id, "entity_id"].tolist() if len(upstream) else []
        )
        org = st.selectbox(_("Organisation"), candidates)
        verdict = st.radio(
            _("Judgement"), [N_("confirmed source"), N_("not a source")], horizontal=True, format_func=_
        )
        reason = st.text_input(_("Reason"), key="source_reason")
        if st.form_submit_button(_("Record")) and org:
            record_judgement(
                store, user, "source" if verdict == "confirmed source" else "not-source", org, ring_id, reason
            )


def _about(decisions: pd.DataFrame, ring_id: str, sellers: set[str]) -> pd.Series:
    """Which decisions concern this ring: naming it, or one of its sellers."""

    def concerns(row) -> bool:
        sides = json.loads(row["sides"] or "{}")
        named = {row["subject"], row["target"], *sides.get("a", []), *sides.get("b", [])}
        return ring_id in named or bool(named & sellers)

    return decisions.apply(concerns, axis=1).astype(bool) if len(decisions) else pd.Series(dtype=bool)


def history_section(store, ring_id: str, sellers: set[str]) -> None:
    """The decisions about this ring and who made them, its case events and its id lineage."""
    st.subheader(_("History"))
    decisions = store.decisions()
    active = set(in_force(decisions)["decision_id"])
    withdrawn = set(decisions.loc[decisions["kind"] == "withdraw", "subject"]) if len(decisions) else set()
    mine = decisions[_about(decisions, ring_id, sellers)] if len(decisions) else decisions
    if len(mine):
        mine = mine.assign(
            state=[
                _("in force") if d in active else _("withdrawn") if d in withdrawn else ""
                for d in mine["decision_id"]
            ]
        )
        st.caption(_("Decisions"))
        table(
            mine[
                [
                    "decision_id",
                    "kind",
                    "subject",
                    "target",
                    "reason",
                    "decided_by",
                    "role",
                    "decided_at",
                    "state",
                ]
            ],
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption(_("No decision about this ring yet."))
    events = store.case_events()
    events = events[events["ring_id"] == ring_id]
    if len(events):
        st.caption(_("Case status changes"))
        table(
            events.drop(columns=["event_id"]).assign(status=events["status"].map(_)),
            hide_index=True,
            width="stretch",
        )
    lineage = store.result("history")
    if len(lineage):
        lineage = lineage[(lineage["ring_id"] == ring_id) | (lineage["previous_ring_id"] == ring_id)]
        if len(lineage):
            st.caption(_("Ring id against the previous analysis"))
            table(lineage, hide_index=True, width="stretch")


def conflicts_section(store) -> None:
    """Decisions the last analysis found contradicted by the data, for review."""
    conflicts = store.result("conflicts")
    st.subheader(_("Open conflicts"))
    if conflicts.empty:
        st.caption(_("No decision is contradicted by the data of the last analysis."))
        return
    if not allowed(current_user(), "see_identifiers"):  # the text names the identifiers
        conflicts = conflicts.assign(
            conflict=_("contradicted by new data (details need the investigator role)")
        )
    decisions = store.decisions()[["decision_id", "reason", "decided_by", "decided_at"]]
    st.caption(
        _(
            "Each decision stays in force until it is withdrawn (`workbench decide withdraw ID`); the data "
            "of the last analysis says otherwise:"
        )
    )
    table(conflicts.merge(decisions, on="decision_id", how="left"), hide_index=True, width="stretch")
