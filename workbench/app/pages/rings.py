"""Rings page: the chosen ring's card first, then the queue (every ring, searchable and sortable) and
the ring's evidence member by member."""

from __future__ import annotations

import streamlit as st

from workbench.analytics.settings import AnalysisSettings
from workbench.app.cases import with_status
from workbench.app.common import (
    clicked_row,
    current_user,
    no_rings,
    page_start,
    ring_picker,
    shown_identifiers,
    table,
)
from workbench.app.data import ring_table
from workbench.app.judgement import associates_section, history_section, judgement_section
from workbench.app.ring_card import ring_card
from workbench.i18n import N_, _
from workbench.store.base import CASE_STATUSES


def rings_page() -> None:
    opened = page_start(N_("Rings"))
    if opened is None:
        return
    store, where, version = opened
    rings = ring_table(where, version)
    if rings.empty:
        no_rings()
        return
    rings = with_status(store, rings)
    # the threshold the rings were scored with: the same one the filter and the packets use
    threshold = AnalysisSettings.of_store(store.meta()).referral_threshold
    flag_score = AnalysisSettings.of_store(store.meta()).flag_score
    left, mid, right, pick = st.columns([2.2, 1.2, 1, 1.3])
    search = left.text_input(_("Search rings, places, brands, sources, sellers"))
    # the queue: flagged rings first; the groups that look legitimate are one click away
    only_flagged = mid.checkbox(_("Flagged only (score ≥ {score:.2f})").format(score=flag_score), value=True)
    only_referable = mid.checkbox(_("Goods value ≥ {value:,.0f}").format(value=threshold), value=True)
    statuses = right.multiselect(_("Status"), list(CASE_STATUSES), format_func=_, placeholder=_("Any status"))
    view = _searched(store, rings, search)
    # a search looks through every group found; the queue's filters order the work otherwise
    if only_flagged and not search:
        view = view[view["ring_score"] >= flag_score]
    if only_referable and not search and "referable" in view:
        view = view[view["referable"].fillna(False).astype(bool)]
    if statuses:
        view = view[view["status"].isin(statuses)]
    flagged = int((rings["ring_score"] >= flag_score).sum())
    st.caption(
        _("{flagged:,} flagged of {found:,} groups found; {shown:,} shown.").format(
            flagged=flagged, found=len(rings), shown=len(view)
        )
        + (" " + _("The search looks through every group.") if search else "")
        + " "
        + _("Click a row of the queue to open its ring.")
    )
    choices = _choices(rings, view, search)
    if not choices:
        hint = (
            _("No ring matches; clear the search or untick the filters to see the {n:,} groups found.")
            if search
            else _("No ring matches; untick the filters to see the {n:,} groups found.")
        )
        st.warning(hint.format(n=len(rings)))
        return
    with pick:
        ring_id = ring_picker(choices, key="rings_page_ring")
    ring_card(store, where, version, rings.set_index("ring_id").loc[ring_id], ring_id, threshold)
    _queue_table(store, view, threshold)
    _ring_detail(store, ring_id)


def _searched(store, rings, search: str):
    """The rings whose row, or one of whose members' ids or shop names, holds ``search``."""
    if not search:
        return rings
    needle = search.strip().lower()
    searchable = rings.drop(columns=["ring_score", "size"]).astype(object).fillna("").astype(str)
    text = searchable.agg(" ".join, axis=1).str.lower()
    members = store.rings().merge(store.table("sellers")[["seller_id", "shop_name"]], on="seller_id")
    hit = members["seller_id"].str.lower().str.contains(needle, regex=False) | members["shop_name"].fillna(
        ""
    ).str.lower().str.contains(needle, regex=False)
    return rings[text.str.contains(needle, regex=False) | rings["ring_id"].isin(members.loc[hit, "ring_id"])]


def _choices(rings, view, search: str) -> list[str]:
    """The rings the picker offers: the queue's, with a row clicked in the queue (below) opened in
    the card (above) on this very rerun, and a ring opened on another page kept open."""
    clicked = clicked_row("rings_table")
    if clicked is not None and clicked < len(view):
        st.session_state["ring"] = view.iloc[clicked]["ring_id"]
    choices = view["ring_id"].tolist()
    opened_elsewhere = st.session_state.get("ring")
    if opened_elsewhere in set(rings["ring_id"]) - set(choices) and not search:
        # a ring opened on another page stays open here, whatever the queue's filters
        choices = [opened_elsewhere, *choices]
        st.caption(
            _("{ring_id} is outside these filters; shown because you opened it.").format(
                ring_id=opened_elsewhere
            )
        )
    return choices


def _queue_table(store, view, threshold: float) -> None:
    """The queue, each row one click from its card."""
    st.subheader(_("The queue"))
    # read again: a status set on the card above shows in the queue on this very run
    queue = with_status(store, view)
    table(
        queue.assign(status=queue["status"].map(_)),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="rings_table",
        column_order=QUEUE_COLUMNS,
        column_config={
            "ring_score": st.column_config.ProgressColumn(
                _("score"), min_value=0.0, max_value=1.0, format="%.3f"
            ),
            "goods_value": st.column_config.NumberColumn(_("goods value (RMB)"), format="%.0f"),
            "referable": st.column_config.CheckboxColumn(f"≥ {threshold:,.0f}"),
            "top_source": _("top source"),
        },
    )


# the queue's columns, what one decides by first
QUEUE_COLUMNS = (
    "ring_id",
    "status",
    "ring_score",
    "size",
    "goods_value",
    "referable",
    "provinces",
    "brands",
    "top_source",
    "reasons",
)


def _ring_detail(store, ring_id: str) -> None:
    """Below the card and the queue: each member's evidence, associates, identifiers, judgement."""
    st.subheader(_("Members and the evidence tying each to the ring"))
    members = store.result("members")
    members = (
        members[members["ring_id"] == ring_id]
        if len(members)
        else store.query("ring_members", ring_id=ring_id)
    )
    sellers = store.table("sellers")[["seller_id", "shop_name", "status", "registered_at", "provenance"]]
    masker = shown_identifiers(store, current_user(), f"ring {ring_id}")
    members = members.merge(sellers, on="seller_id", how="left")
    if masker.enabled:  # the evidence text names the identifiers themselves; their kinds stay
        members = members.drop(columns=["evidence"], errors="ignore")
    table(members, hide_index=True, width="stretch")
    associates = associates_section(store, ring_id, masker)

    st.subheader(_("Identifiers shared inside the ring"))
    shared = store.query("ring_identifiers", ring_id=ring_id)
    shared["value"] = [masker.value(k, v) for k, v in zip(shared["kind"], shared["value"], strict=True)]
    if masker.enabled:
        st.caption(_("Personal identifiers are masked for your role: equal tokens mean the same identifier."))
    table(shared, hide_index=True, width="stretch")

    core = sorted(members["seller_id"])
    judgement_section(store, current_user(), ring_id, core, sorted(associates["seller_id"]))
    history_section(store, ring_id, set(core) | set(associates["seller_id"]))
