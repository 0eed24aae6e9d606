"""One place or company recorded many times: an entity's records and why they were merged, with
forms to split a wrong merge off (cannot-link) or join a record by hand (must-link)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from workbench.access import allowed
from workbench.app.common import record_judgement, table, your_role_may_not
from workbench.i18n import N_, _

__all__ = ["entities_section"]


def _records(store, kind: str) -> pd.DataFrame:
    """The entity's records with what each says (name or address text)."""
    resolved = store.result("resolved")
    if resolved.empty:
        return resolved
    mine = resolved[resolved["record_kind"] == kind]
    if kind == "org":
        orgs = store.table("organizations").drop_duplicates("org_id").set_index("org_id")
        return mine.join(orgs[["name", "kind", "address_id"]], on="record_id")
    addresses = store.table("addresses").drop_duplicates("address_id").set_index("address_id")
    return mine.join(addresses[["text", "city", "lat", "lon"]], on="record_id")


def entities_section(store, user, sources: list[str], places: list[str]) -> None:
    """The records behind a ring's sources (``sources``, org entity ids) and addresses (``places``)."""
    st.subheader(_("One company or place, many records"))
    resolved = store.result("resolved")
    if resolved.empty:
        st.caption(_("Entity resolution has not run on this store (`[entities] resolve` is off)."))
        return
    size = resolved.groupby("entity_id")["record_id"].size()
    choices = [("org", e) for e in sources] + [("address", e) for e in places if size.get(e, 0) > 1]
    if not choices:
        st.caption(_("Every source and address of this ring is recorded once."))
        return
    kind, entity = st.selectbox(
        _("Entity"),
        choices,
        format_func=lambda c: (
            _("organisation {entity} ({n} records)") if c[0] == "org" else _("address {entity} ({n} records)")
        ).format(entity=c[1], n=size.get(c[1], 1)),
        key="entity_choice",
    )
    records = _records(store, kind)
    mine = records[records["entity_id"] == entity]
    st.caption(
        _(
            "Records resolved into one entity (its id is one of its records'), each with the match that "
            "joined it: probability and the comparisons behind it."
        )
    )
    table(mine.drop(columns=["record_kind"]), hide_index=True, width="stretch")
    if not allowed(user, "decide"):
        your_role_may_not(user, N_("record decisions"))
        return
    split_tab, join_tab = st.tabs([_("Split a record off"), _("Join a record")])
    with split_tab, st.form("entity_split"):
        others = [r for r in mine["record_id"] if r != entity]
        record = st.selectbox(_("Record that is another place or company"), others)
        reason = st.text_input(_("Reason"), key="entity_split_reason")
        if st.form_submit_button(_("Split it off")) and record:
            record_judgement(store, user, "different-entities", record, entity, reason)
    with join_tab, st.form("entity_join"):
        outside = sorted(set(records["record_id"]) - set(mine["record_id"]))
        record = st.selectbox(_("Record of the same place or company"), outside)
        reason = st.text_input(_("Reason"), key="entity_join_reason")
        if st.form_submit_button(_("Join it")) and record:
            record_judgement(store, user, "same-entity", record, entity, reason)
