"""What every page shares: the store the app was started on (embedded or Neo4j), opened once per process."""

from __future__ import annotations

import functools
import os

import streamlit as st

from workbench.access import User, allowed
from workbench.errors import WorkbenchError
from workbench.i18n import N_, _
from workbench.leads.redact import Redactor
from workbench.store import GraphStore, MemoryStore

__all__ = [
    "cached",
    "open_store",
    "open_store_quietly",
    "store_at",
    "store_location",
    "store_version",
    "ring_picker",
    "current_user",
    "identifier_masker",
    "shown_identifiers",
    "page_start",
    "no_rings",
    "table",
    "your_role_may_not",
]

# one wording wherever a page has no ring to show
NO_RINGS = N_(
    "No rings yet: run `workbench analyze DATA --out OUT --store STORE` on this store to find them."
)


def cached(words: str, *, resource: bool = False):
    """``st.cache_data`` (``st.cache_resource`` with ``resource``) whose wait, when there is one, says
    ``words`` (an ``N_`` text) in the reader's language: Streamlit's own cache spinner takes one
    fixed text when the function is defined, before anyone chose a language."""

    def decorate(function):
        kept = (st.cache_resource if resource else st.cache_data)(show_spinner=False)(function)

        @functools.wraps(function)
        def call(*args, **kwargs):
            # st.spinner shows only after half a second: a cached answer comes back without it
            with st.spinner(_(words)):
                return kept(*args, **kwargs)

        call.clear = kept.clear
        return call

    return decorate


def is_neo4j(where: str) -> bool:
    """Whether a store location is a Neo4j URI (else it is a folder)."""
    return where.startswith(("bolt://", "neo4j://", "bolt+s://", "neo4j+s://", "bolt+ssc://", "neo4j+ssc://"))


@st.cache_resource
def store_at(where: str) -> GraphStore:
    """The store at ``where`` (a folder or a bolt:// URI), opened once per app process."""
    if is_neo4j(where):
        from workbench.store.neo4j_store import open_neo4j

        return open_neo4j(where)
    return MemoryStore(where, create=False)


def store_location() -> str:
    """WORKBENCH_NEO4J_URI or WORKBENCH_STORE: the key every cached result is filed under."""
    return os.environ.get("WORKBENCH_NEO4J_URI") or os.environ.get("WORKBENCH_STORE") or ""


def store_version(store: GraphStore) -> str:
    """Changes when the store is loaded or analysed again, so cached results are recomputed."""
    meta = store.meta()
    return (
        f"{meta.get('input', {}).get('fingerprint', '')}|{meta.get('rings', {})}|{meta.get('analysis', {})}"
    )


def ring_picker(rings: list[str], key: str, label: str = N_("Ring")) -> str | None:
    """A ring select box whose choice carries over to the other pages (session key ``ring``)."""
    if not rings:
        return None
    current = st.session_state.get("ring")
    if current in rings and st.session_state.get(key) != current:
        st.session_state.pop(key, None)  # chosen elsewhere since: start from that ring
    index = rings.index(current) if current in rings else 0
    choice = st.selectbox(
        _(label),
        rings,
        index=index,
        key=key,
        on_change=lambda: st.session_state.update(ring=st.session_state[key]),
    )
    st.session_state["ring"] = choice
    return choice


def open_store() -> GraphStore | None:
    """The store in WORKBENCH_NEO4J_URI or WORKBENCH_STORE, or an error on the page saying what to do."""
    where = store_location()
    if not where or not (is_neo4j(where) or os.path.isdir(where)):
        st.error(
            _(
                "No store to open. Build one with `workbench analyze DATA --out OUT --store STORE` "
                "and start the app with `workbench app --store STORE` (or set WORKBENCH_NEO4J_URI to a "
                "Neo4j filled with `workbench analyze DATA --out OUT --neo4j URI`)."
            )
        )
        return None
    try:
        store = store_at(where)
    except WorkbenchError as exc:
        st.error(str(exc))
        return None
    if not store.has_data():
        st.warning(
            _(
                "The store at {where} holds no sellers yet: run `workbench analyze DATA --out OUT` on it."
            ).format(where=where)
        )
        return None
    return store


def open_store_quietly() -> GraphStore | None:
    """The store for the sign-in audit, or None where it cannot be opened (the page says why)."""
    where = store_location()
    if not where or not (is_neo4j(where) or os.path.isdir(where)):
        return None
    try:
        return store_at(where)
    except WorkbenchError:
        return None


def current_user() -> User:
    """Who this session belongs to (set by the sign-in before any page runs)."""
    return st.session_state["user"]


@st.cache_resource
def _viewer_key() -> bytes:
    # one random key per app process: viewers see that two storefronts share an identifier,
    # never the identifier itself
    return os.urandom(32)


def identifier_masker(user: User) -> Redactor:
    """Masks personal identifiers for roles that may not see them; a no-op for the others."""
    return Redactor(enabled=not allowed(user, "see_identifiers"), key=_viewer_key())


def shown_identifiers(store: GraphStore, user: User, subject: str) -> Redactor:
    """The masker for a view of ``subject``'s personal identifiers: masking for roles that may not
    see them; for the others the view is written to the audit trail (once per session)."""
    from workbench.app.signin import audit_once

    masker = identifier_masker(user)
    if not masker.enabled:
        audit_once(store, user, "viewed_identifiers", subject)
    return masker


def page_start(title: str) -> tuple[GraphStore, str, str] | None:
    """Every page's opening: its title, then the store with its location and version (the keys
    cached results are filed under), or None after saying on the page why there is none."""
    st.title(_(title))
    store = open_store()
    if store is None:
        return None
    return store, store_location(), store_version(store)


def no_rings(also: str = "") -> None:
    """The one wording of "no ring to show", and what else the page offers (``also``, translated)."""
    st.info(_(NO_RINGS) + (f" {_(also)}" if also else ""))


def your_role_may_not(user: User, what: str) -> None:
    """Why a form is not offered: ``what`` (a text to translate) is what the role may not do."""
    st.caption(_("Your role ({role}) may not {what}.").format(role=_(user.role), what=_(what)))


def table(frame, column_config: dict | None = None, **kwargs):
    """``st.dataframe`` with its column headings in the reader's language (the columns keep their
    names, so selections, ``column_order`` and exports read the same in every language)."""
    headings = {str(column): _(str(column)) for column in frame.columns}
    for column, config in (column_config or {}).items():
        if isinstance(config, dict) and not config.get("label"):
            config = {**config, "label": _(str(column))}  # a format without words keeps the heading
        headings[column] = config
    return st.dataframe(frame, column_config=headings, **kwargs)


def open_page(name: str, ring_id: str | None = None) -> None:
    """Switch to page ``name`` (its address: ``rings``, ``network``...) on ring ``ring_id``."""
    if ring_id is not None:
        st.session_state["ring"] = ring_id
    pages = st.session_state.get("_pages", {})
    if name in pages:
        st.switch_page(pages[name])


def clicked_row(key: str) -> int | None:
    """The row just clicked in the selectable table ``key``, once: a selection Streamlit keeps
    across reruns and page visits is not read as a new click."""
    rows = st.session_state.get(key, {}).get("selection", {}).get("rows", [])
    seen = st.session_state.get(f"_{key}_seen")
    st.session_state[f"_{key}_seen"] = rows
    return rows[0] if rows and rows != seen else None


# a decision recorded in the app takes effect at the next analysis, as one made on the command line
DECISION_APPLIES = N_("it applies from the next `workbench analyze` (or detect and trace) on this store")


def record_judgement(
    store: GraphStore,
    user: User,
    kind: str,
    subject: str,
    target: str,
    reason: str,
    chosen=None,
    applies: str | None = DECISION_APPLIES,
) -> dict | None:
    """Record an investigator's decision from a form and say on the page who recorded what and,
    with ``applies`` (a text to translate), when it takes effect; or why it was refused (one
    line). The decision, or None when refused."""
    from workbench.analytics.decisions import decide

    try:
        decision = decide(store, kind, subject, target, reason, user.name, user.role, chosen=chosen)
    except WorkbenchError as exc:
        st.error(str(exc))
        return None
    said = dict(decision=decision["decision_id"], name=user.name, kind=kind, subject=subject, target=target)
    if applies is None:
        st.success(_("{decision} recorded by {name}: {kind} {subject} {target}.").format(**said))
    else:
        st.success(
            _("{decision} recorded by {name}: {kind} {subject} {target}; {applies}.").format(
                **said, applies=_(applies)
            )
        )
    return decision
