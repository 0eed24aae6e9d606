"""The investigator's judgement on a ring page: associates shown apart, decisions on members,
merges, splits and sources (each with a reason, kept in the store), and the ring's history."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from workbench.access import allowed
from workbench.analytics.decisions import decide, in_force
from workbench.app.common import current_user
from workbench.errors import WorkbenchError

__all__ = ["associates_section", "judgement_section", "history_section", "conflicts_section"]

_APPLIES = "it applies from the next `workbench detect` or `workbench analyze` on this store"


def associates_section(store, ring_id: str, masker) -> pd.DataFrame:
    """The ring's associates: tied by weak ties only, associated but not established."""
    associates = store.result("associates")
    mine = associates[associates["ring_id"] == ring_id] if len(associates) else associates
    st.subheader("Associated, not established")
    if mine.empty:
        st.caption("No associate: every seller the analysis tied to this ring stands on corroborated ties.")
        return mine
    st.caption(
        "Tied to the ring by weak ties only (one device, IP or ship-from address): not members, never "
        "in rings.csv or a referral's list of members, until an investigator confirms them."
    )
    shown = mine.copy()
    if masker.enabled:  # the ties name identifiers; keep only their kinds
        shown["ties"] = shown["ties"].map(
            lambda t: ", ".join(sorted({p.split(" ")[0] for p in t.split(" | ")}))
        )
        shown = shown.drop(columns=["evidence"])
    st.dataframe(shown, hide_index=True, width="stretch")
    return mine


def _record(store, user, kind: str, subject: str, target: str, reason: str, chosen=None) -> None:
    try:
        decision = decide(store, kind, subject, target, reason, user.name, user.role, chosen=chosen)
    except WorkbenchError as exc:
        st.error(str(exc))
        return
    st.success(f"{decision['decision_id']} recorded by {user.name}: {kind}; {_APPLIES}.")


def judgement_section(store, user, ring_id: str, members: list[str], associates: list[str]) -> None:
    """Forms for each decision about this ring (investigators and leads)."""
    st.subheader("Your judgement")
    if not allowed(user, "decide"):
        st.caption(f"Your role ({user.role}) may not record decisions.")
        return
    st.caption(f"Each decision is kept with your name, the time and your reason; {_APPLIES}.")
    member_tab, merge_tab, split_tab, source_tab = st.tabs(["Member", "Merge", "Split", "Source"])
    with member_tab, st.form("decide_member"):
        seller = st.selectbox(
            "Seller",
            [*members, *associates],
            format_func=lambda s: s + (" (associate)" if s in associates else ""),
        )
        verdict = st.radio("Judgement", ["not part of this ring", "confirmed member"], horizontal=True)
        reason = st.text_input("Reason", key="member_reason")
        if st.form_submit_button("Record"):
            kind = "not-member" if verdict == "not part of this ring" else "member"
            _record(store, user, kind, seller, ring_id, reason)
    with merge_tab, st.form("decide_merge"):
        others = sorted(set(store.rings()["ring_id"]) - {ring_id})
        other = st.selectbox("The same operation as ring", others)
        reason = st.text_input("Reason", key="merge_reason")
        if st.form_submit_button("Merge the two rings"):
            _record(store, user, "same-operation", ring_id, other, reason)
    with split_tab, st.form("decide_split"):
        chosen = st.multiselect("Members that are a different operation", members)
        reason = st.text_input("Reason", key="split_reason")
        if st.form_submit_button("Split them off"):
            _record(store, user, "different-operations", ring_id, "", reason, chosen=chosen)
    with source_tab, st.form("decide_source"):
        upstream = store.upstream()
        candidates = (
            upstream.loc[upstream["ring_id"] == ring_id, "entity_id"].tolist() if len(upstream) else []
        )
        org = st.selectbox("Organisation", candidates)
        verdict = st.radio("Judgement", ["confirmed source", "not a source"], horizontal=True)
        reason = st.text_input("Reason", key="source_reason")
        if st.form_submit_button("Record") and org:
            _record(
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
    st.subheader("History")
    decisions = store.decisions()
    active = set(in_force(decisions)["decision_id"])
    withdrawn = set(decisions.loc[decisions["kind"] == "withdraw", "subject"]) if len(decisions) else set()
    mine = decisions[_about(decisions, ring_id, sellers)] if len(decisions) else decisions
    if len(mine):
        mine = mine.assign(
            state=[
                "in force" if d in active else "withdrawn" if d in withdrawn else ""
                for d in mine["decision_id"]
            ]
        )
        st.caption("Decisions")
        st.dataframe(
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
        st.caption("No decision about this ring yet.")
    events = store.case_events()
    events = events[events["ring_id"] == ring_id]
    if len(events):
        st.caption("Case status changes")
        st.dataframe(events.drop(columns=["event_id"]), hide_index=True, width="stretch")
    lineage = store.result("history")
    if len(lineage):
        lineage = lineage[(lineage["ring_id"] == ring_id) | (lineage["previous_ring_id"] == ring_id)]
        if len(lineage):
            st.caption("Ring id against the previous analysis")
            st.dataframe(lineage, hide_index=True, width="stretch")


def conflicts_section(store) -> None:
    """Decisions the last analysis found contradicted by the data, for review."""
    conflicts = store.result("conflicts")
    st.subheader("Open conflicts")
    if conflicts.empty:
        st.caption("No decision is contradicted by the data of the last analysis.")
        return
    if not allowed(current_user(), "see_identifiers"):  # the text names the identifiers
        conflicts = conflicts.assign(conflict="contradicted by new data (details need the investigator role)")
    decisions = store.decisions()[["decision_id", "reason", "decided_by", "decided_at"]]
    st.caption(
        "Each decision stays in force until it is withdrawn (`workbench decide withdraw ID`); the data "
        "of the last analysis says otherwise:"
    )
    st.dataframe(conflicts.merge(decisions, on="decision_id", how="left"), hide_index=True, width="stretch")
