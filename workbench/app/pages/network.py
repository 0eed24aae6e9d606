"""Network explorer page: a ring or a seller's neighbourhood as a graph, expanded in place, searchable,
with the shortest connection between two sellers."""

from __future__ import annotations

import streamlit as st

from workbench.access import allowed
from workbench.analytics.settings import AnalysisSettings
from workbench.app.common import current_user, no_rings, page_start, ring_picker, shown_identifiers
from workbench.app.data import network_index, ring_table
from workbench.app.network import (
    COLLAPSE_AT,
    EXPAND_CAP,
    ExplorerGraph,
    click_expansions,
    collapsed,
    expand,
    focused,
    legend,
    masked,
    neighbourhood_graph,
    path_graph,
    ring_graph,
    to_html,
)
from workbench.i18n import N_, _


def network_page() -> None:
    opened = page_start(N_("Network explorer"))
    if opened is None:
        return
    store, where, version = opened
    index = network_index(where, version)
    user = current_user()
    focus = _searched(index, user)
    chosen = _chosen_view(index, ring_table(where, version)["ring_id"].tolist(), focus)
    if chosen is None:
        return
    base, graph = chosen
    masker = shown_identifiers(store, user, base)
    _draw(index, masker, _with_expansions(index, graph, base), base, focus)
    _shortest_connection(store, index, masker)


def _searched(index, user) -> str | None:
    """The node a search picked ("kind:value"), or None; a role that may not see identifiers
    finds sellers only (it cannot probe identifiers by typing them)."""
    found = st.text_input(_("Find a seller, shop, phone, account, e-mail, device or address"))
    if not found:
        return None
    hits = index.search(found)
    if not allowed(user, "see_identifiers"):
        hits = [h for h in hits if h[0] == "seller"]
    if not hits:
        st.warning(_("Nothing matches {text!r}.").format(text=found))
        return None
    choice = st.selectbox(
        _("{n} match(es)").format(n=len(hits)),
        hits,
        format_func=lambda h: f"{_(h[0])} {h[1]}",
        key="network_hit",
    )
    return f"{choice[0]}:{choice[1]}"


def _chosen_view(index, rings: list[str], focus: str | None) -> tuple[str, ExplorerGraph] | None:
    """What to draw: the searched node, else a ring (whole or one member's two hops) or a seller's
    neighbourhood; its base id keys the expansions kept across reruns. None: nothing to draw."""
    if focus is not None and focus.startswith("seller:"):
        return focus, neighbourhood_graph(index, focus.partition(":")[2])
    if focus is not None:
        graph = ExplorerGraph()
        kind, _colon, value = focus.partition(":")
        graph.add_identifier(index, kind, value)
        expand(graph, index, focus)
        return focus, graph
    mode = st.radio(_("Show"), [N_("Ring"), N_("Seller neighbourhood")], horizontal=True, format_func=_)
    if mode == "Ring":
        ring_id = ring_picker(rings, key="network_ring")
        if ring_id is None:
            no_rings(N_("Or search a seller above."))
            return None
        members = sorted(s for s, r in index.ring_of.items() if r == ring_id)
        graph = ring_graph(index, members, ring_id)
        # a big ring read one storefront at a time: the member and its two hops
        focus_on = st.selectbox(
            _("Focus on a member (it and its two hops)"),
            [None, *members],
            format_func=lambda s: _("the whole ring") if s is None else f"{s} {index.shop_names.get(s, '')}",
            key=f"focus:{ring_id}",
        )
        if focus_on is not None:
            graph = focused(graph, f"seller:{focus_on}")
        return f"ring:{ring_id}", graph
    # any seller by id (any case) or exact shop name: a list of millions would not fit a page
    first = min(index.shop_names, default="")
    typed = st.text_input(_("Seller (id or shop name)"), value=first, key="network_seller")
    seller = index.seller(typed)
    if seller is None:
        st.error(_unknown_seller(typed))
        return None
    return f"seller:{seller}", neighbourhood_graph(index, seller)


def _draw(index, masker, graph: ExplorerGraph, base: str, focus: str | None) -> None:
    """The graph as the user may see it (identifiers masked by role), with its legend, the nodes
    expanded by hand or by a click, and folded groups of one kind."""
    shown, real = masked(graph, masker)
    cols = st.columns([3, 1])
    expandable = sorted(n for n in shown.nodes if not n.startswith("more:"))
    target = cols[0].selectbox(_("Expand a node in place"), expandable, key=f"expand_pick:{base}")
    if cols[1].button(_("Expand"), key="expand_button"):
        st.session_state.setdefault(f"expanded:{base}", []).append(real[target])
        graph = _with_expansions(index, graph, base)
        shown, real = masked(graph, masker)
    shown, groups = collapsed(shown)
    st.html(legend(shown))
    st.caption(
        _(
            "{nodes:,} nodes, {links:,} links. Click a node to expand it in place (at most {cap} "
            "neighbours and an 'and N more' node), or pick it above to keep it expanded. Hubs (shared "
            "by more sellers than the analysis's cap, or suppressed by it) stay collapsed."
        ).format(nodes=len(graph.nodes), links=len(graph.edges), cap=EXPAND_CAP)
    )
    shown_of = {v: k for k, v in real.items()}
    highlight = shown_of.get(focus) if focus else None
    kept = set(st.session_state.get(f"expanded:{base}", []))
    expanded = {shown_id for shown_id, node in real.items() if node in kept}
    clicks = {shown_of.get(node, node): added for node, added in click_expansions(graph, index).items()}
    clicks = {node: masked(added, masker)[0] for node, added in clicks.items()} | groups
    if groups:
        st.caption(
            _(
                "Identifiers of one kind past {n} in this view are folded into one node each "
                "({kinds}); click it to draw them."
            ).format(n=COLLAPSE_AT, kinds=", ".join(_(g.partition(":")[2]) for g in groups))
        )
    with st.spinner(_("drawing {n:,} nodes").format(n=len(shown.nodes))):
        st.iframe(to_html(shown, highlight={highlight, *expanded} - {None}, expansions=clicks), height=640)


def _unknown_seller(typed: str) -> str:
    return _("Unknown seller {typed!r}: give a seller id or a shop's exact name.").format(typed=typed)


def _shortest_connection(store, index, masker) -> None:
    """The fewest links between two sellers, not through a hub unless asked, drawn with shop names,
    rings and each identifier's seller count."""
    st.subheader(_("Shortest connection between two sellers"))
    left, right, mid = st.columns([2, 2, 1])
    a = left.text_input(_("From seller (id or shop name)"), key="path_from")
    b = right.text_input(_("To seller (id or shop name)"), key="path_to")
    through_hubs = mid.checkbox(
        _("Allow hubs"), help=_("Paths through a hub are weak: a hub ties nobody to anybody.")
    )
    if not (a and b):
        return
    ends = [index.seller(a), index.seller(b)]
    unknown = [typed for typed, found in zip((a, b), ends, strict=True) if found is None]
    if unknown:
        st.error(_unknown_seller(unknown[0]))
        return
    cap = AnalysisSettings.of_store(store.meta()).degree_cap("default")
    path = store.query("shortest_connection", from_seller=ends[0], to_seller=ends[1], max_sellers=cap)
    weak = False
    if path.empty and through_hubs:
        path = store.query(
            "shortest_connection", from_seller=ends[0], to_seller=ends[1], max_sellers=len(index.shop_names)
        )
        weak = not path.empty
    if path.empty:
        said = _("No connection of 8 links or fewer between {a} and {b} that avoids hubs.").format(
            a=ends[0], b=ends[1]
        )
        st.warning(
            said if through_hubs else said + " " + _("Tick 'Allow hubs' to look through hubs (weak ties).")
        )
        return
    drawn, _real = masked(path_graph(index, list(path["path"].iloc[0])), masker)
    steps = [attrs["label"].replace("\n", " ") for attrs in drawn.nodes.values()]
    said = _("{n} links: {steps}").format(n=path["hops"].iloc[0], steps=" → ".join(steps))
    if weak:
        st.warning(_("Weak: this connection runs through a hub.") + " " + said)
    else:
        st.success(said)
    st.iframe(to_html(drawn, height=300, highlight=set(drawn.nodes)), height=320)


def _with_expansions(index, graph: ExplorerGraph, base: str) -> ExplorerGraph:
    """Replay the nodes expanded on this view, in order (so the drawing survives reruns)."""
    for node in st.session_state.get(f"expanded:{base}", []):
        if node in graph.nodes:
            expand(graph, index, node)
    return graph
