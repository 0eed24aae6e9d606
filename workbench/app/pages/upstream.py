"""Upstream page: a ring's ranked sources and evidence paths, drawn as a flow from factory to storefronts."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st
from pyvis.network import Network

from workbench.app.common import current_user, no_rings, page_start, ring_picker, shown_identifiers
from workbench.app.components import network_html
from workbench.app.data import ring_table
from workbench.app.entities import entities_section

_LEVEL = {"org": 0, "acct": 1, "addr": 2, "seller": 3}
_COLOUR = {"org": "#d62728", "acct": "#ff7f0e", "addr": "#bcbd22", "seller": "#1f77b4"}


def upstream_page() -> None:
    opened = page_start("Upstream: where the goods come from, where the money goes")
    if opened is None:
        return
    store, where, version = opened
    ring_id = ring_picker(ring_table(where, version)["ring_id"].tolist(), key="upstream_ring")
    if ring_id is None:
        no_rings()
        return
    upstream = store.upstream()
    sources = upstream[upstream["ring_id"] == ring_id].sort_values("rank")
    if sources.empty:
        st.info(f"No upstream source found for {ring_id}: no shipment or payment leads out of it.")
        return
    masker = shown_identifiers(store, current_user(), f"ring {ring_id} upstream")
    paths = store.result("paths")
    paths = paths[paths["ring_id"] == ring_id].copy() if len(paths) else paths
    if masker.enabled and len(paths):  # account numbers are personal: masked in paths and evidence
        for column in ("from_entity", "to_entity"):
            paths[column] = paths[column].astype(str).map(masker.account_entity)
        sources = sources.assign(evidence=sources["evidence"].astype(str).map(masker.text))
    st.subheader("Ranked sources")
    st.caption("aliases: the other records (ids) of the same company, resolved into the one ranked.")
    st.dataframe(sources.drop(columns=["ring_id"]), hide_index=True, width="stretch")
    entities_section(store, current_user(), sources["entity_id"].tolist(), _ring_places(store, ring_id))

    flows = store.query("ring_flows", ring_id=ring_id)
    if len(flows):
        volumes = flows.groupby(["flow", "direction"])["amount"].agg(["count", "sum"]).reset_index()
        volumes.columns = ["flow", "direction", "records", "parcels or RMB"]
        st.subheader("Goods and money into and out of the ring")
        st.dataframe(volumes, hide_index=True)

    if paths.empty:
        return
    st.subheader("Flow (factory → wholesaler → warehouses → storefronts), widths by records")
    st.iframe(_flow_html(paths), height=520)
    source = st.selectbox("Evidence path of source", sources["entity_id"].tolist(), key="upstream_source")
    st.dataframe(
        paths[paths["entity_id"] == source].sort_values(["flow", "hop"]), hide_index=True, width="stretch"
    )


def _ring_places(store, ring_id: str) -> list[str]:
    """The address entities the ring's storefronts use (as the analysis resolved them)."""
    resolved = store.result("resolved")
    if resolved.empty:
        return []
    members = set(store.rings().query("ring_id == @ring_id")["seller_id"])
    links = store.table("seller_links")
    used = links.loc[(links["kind"] == "address") & links["seller_id"].isin(members), "value"]
    addresses = resolved[resolved["record_kind"] == "address"].set_index("record_id")["entity_id"]
    return sorted(set(used.map(addresses).dropna()))


def _flow_html(paths: pd.DataFrame) -> str:
    """Every hop of every evidence path as a layered graph, edges as wide as their record count."""
    edges = paths.groupby(["from_entity", "to_entity", "flow"]).size().rename("records").reset_index()
    net = Network(height="500px", width="100%", directed=True, cdn_resources="in_line")
    net.set_options(
        '{"layout": {"hierarchical": {"direction": "LR", "sortMethod": "directed"}}, '
        '"physics": {"enabled": false}}'
    )
    for node in pd.unique(edges[["from_entity", "to_entity"]].to_numpy().ravel()):
        kind = node.partition(":")[0]
        net.add_node(
            node,
            label=node,
            title=html.escape(node),
            color=_COLOUR.get(kind, "#999"),
            level=_LEVEL.get(kind, 3),
        )
    for row in edges.itertuples(index=False):
        net.add_edge(
            row.from_entity,
            row.to_entity,
            value=int(row.records),
            title=html.escape(f"{row.flow}: {row.records} record(s)"),
            color="#2ca02c" if row.flow == "money" else "#555555",
        )
    return network_html(net)
