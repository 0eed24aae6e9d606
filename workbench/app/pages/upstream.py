"""Upstream page: a ring's ranked sources and evidence paths, drawn as a flow from factory to storefronts."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st
from pyvis.network import Network

from workbench.analytics.source_reading import address_entity
from workbench.app.common import current_user, no_rings, page_start, ring_picker, shown_identifiers, table
from workbench.app.components import network_html
from workbench.app.data import ring_reading, ring_table
from workbench.app.entities import entities_section
from workbench.i18n import N_, _, current_language
from workbench.palette import legend_html, style


def upstream_page() -> None:
    opened = page_start(N_("Upstream: where the goods come from, where the money goes"))
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
        st.info(
            _("No upstream source found for {ring_id}: no shipment or payment leads out of it.").format(
                ring_id=ring_id
            )
        )
        return
    masker = shown_identifiers(store, current_user(), f"ring {ring_id} upstream")
    paths = store.result("paths")
    paths = paths[paths["ring_id"] == ring_id].copy() if len(paths) else paths
    if masker.enabled and len(paths):  # account numbers are personal: masked in paths and evidence
        for column in ("from_entity", "to_entity"):
            paths[column] = paths[column].astype(str).map(masker.account_entity)
        sources = sources.assign(evidence=sources["evidence"].astype(str).map(masker.text))
    st.subheader(_("Ranked sources"))
    for warning in ring_reading(where, version, ring_id, current_language())["warnings"]:
        st.warning(warning)
    table(
        _sources_read(sources),
        hide_index=True,
        width="stretch",
        column_config={
            "score": st.column_config.NumberColumn(format="%.3f"),
            "goods share": st.column_config.NumberColumn(format="%.0f%%", help=_(GOODS_SHARE)),
            "money share": st.column_config.NumberColumn(format="%.0f%%", help=_(MONEY_SHARE)),
            "exclusivity": st.column_config.NumberColumn(format="%.1f%%", help=_(EXCLUSIVITY)),
        },
    )
    st.caption(
        _(
            "Why this source: goods share, the part of the parcels reaching the ring's addresses that "
            "come from it; money share, the part of the ring's payments out that reach it; exclusivity, "
            "the part of the source's own trade that is with this ring. Aliases: the company's other "
            "records, resolved into the one ranked."
        )
    )
    if len(paths):
        st.subheader(_("Flow: factories → intermediaries → warehouses → storefronts"))
        st.html(_flow_legend())
        st.iframe(_flow_html(paths, store, ring_id), height=520)
    flows = store.query("ring_flows", ring_id=ring_id)
    if len(flows):
        st.subheader(_("Goods and money into and out of the ring"))
        table(
            _volumes(flows),
            hide_index=True,
            width="content",
            column_config={
                "parcels": st.column_config.NumberColumn(format="%.0f"),
                "RMB": st.column_config.NumberColumn(format="%.2f"),
            },
        )
    entities_section(store, current_user(), sources["entity_id"].tolist(), _ring_places(store, ring_id))
    if paths.empty:
        return
    source = st.selectbox(_("Evidence path of source"), sources["entity_id"].tolist(), key="upstream_source")
    table(paths[paths["entity_id"] == source].sort_values(["flow", "hop"]), hide_index=True, width="stretch")


GOODS_SHARE = N_("Share of the parcels reaching the ring's addresses that come from this source.")
MONEY_SHARE = N_("Share of the money the ring's accounts pay out that reaches this source.")
EXCLUSIVITY = N_("Share of the source's own trade that is with this ring: high means it works for the ring.")


def _sources_read(sources: pd.DataFrame) -> pd.DataFrame:
    """The ranked sources as one reads them: name and kind, score, the three reasons as percentages,
    and in words why this one."""
    out = pd.DataFrame(
        {
            "rank": sources["rank"],
            "source": sources.get("entity_name", sources["entity_id"]).fillna(sources["entity_id"]),
            "id": sources["entity_id"],
            "kind": sources.get("org_kind", pd.Series("", index=sources.index)),
            "score": sources["score"].astype(float),
        }
    )
    for column, shown in (
        ("goods_share", "goods share"),
        ("money_share", "money share"),
        ("exclusivity", "exclusivity"),
    ):
        out[shown] = sources[column].astype(float) * 100 if column in sources else float("nan")
    out["why this source"] = [
        _why(goods, money, exclusive)
        for goods, money, exclusive in zip(
            out["goods share"], out["money share"], out["exclusivity"], strict=True
        )
    ]
    out["aliases"] = sources.get("aliases", "")
    out["evidence"] = sources["evidence"]
    return out


def _why(goods: float, money: float, exclusive: float) -> str:
    parts = []
    if pd.notna(goods) and goods > 0:
        parts.append(_("sends {share:.0f}% of the ring's incoming goods").format(share=goods))
    if pd.notna(money) and money > 0:
        parts.append(_("receives {share:.0f}% of the ring's money").format(share=money))
    if pd.notna(exclusive):
        parts.append(_("{share:.1f}% of its own trade is with this ring").format(share=exclusive))
    return "; ".join(parts) or _("reached by the ring's flows")


DIRECTIONS = {"in": N_("into the ring"), "out": N_("out of the ring"), "internal": N_("inside the ring")}
FLOWS = (N_("goods"), N_("money"))


def _volumes(flows: pd.DataFrame) -> pd.DataFrame:
    """Records, parcels and RMB per flow and direction, each unit in its own column."""
    rows = []
    for (flow, direction), group in flows.groupby(["flow", "direction"]):
        rows.append(
            {
                "flow": _(flow),
                "direction": _(DIRECTIONS.get(direction, direction)),
                "records": len(group),
                "parcels": float(group["amount"].sum()) if flow == "goods" else None,
                "RMB": float(group["amount"].sum()) if flow == "money" else None,
            }
        )
    return pd.DataFrame(rows, columns=["flow", "direction", "records", "parcels", "RMB"])


def _ring_places(store, ring_id: str) -> list[str]:
    """The address entities the ring's storefronts use (as the analysis resolved them)."""
    resolved = store.result("resolved")
    if resolved.empty:
        return []
    members = set(store.rings().query("ring_id == @ring_id")["seller_id"])
    links = store.table("seller_links")
    used = links.loc[(links["kind"] == "address") & links["seller_id"].isin(members), "value"]
    return sorted(set(used.map(address_entity(resolved)).dropna()))


# the flow chart's columns, left to right: who makes, who passes on, where it is kept, who sells
_LEVEL = {"factory": 0, "intermediary": 1, "address": 2, "ring_member": 3, "bank_account": 3}
_FLOW_EDGES = {"goods": ("#555555", N_("goods (parcels)")), "money": ("#2ca02c", N_("money (payments)"))}


def _flow_legend() -> str:
    return legend_html(
        ["factory", "intermediary", "address", "ring_member", "bank_account"],
        [colour_words for colour_words in _FLOW_EDGES.values()],
    )


def _flow_html(paths: pd.DataFrame, store, ring_id: str) -> str:
    """Every hop of every evidence path, and the storefronts the last addresses serve, as a layered
    graph from factories on the left to storefronts on the right, edges as wide as their records."""
    edges = paths.groupby(["from_entity", "to_entity", "flow"]).size().rename("records").reset_index()
    organizations = store.table("organizations").set_index("org_id")
    members = set(store.rings().query("ring_id == @ring_id")["seller_id"])
    links = store.table("seller_links")
    mine = links[links["seller_id"].isin(members) & (links["kind"] == "address")]
    # the paths name address entities (resolved); a storefront's link names its own record
    place = mine["value"].map(address_entity(store.result("resolved"))).fillna(mine["value"])
    served = mine.assign(from_entity="addr:" + place, to_entity="seller:" + mine["seller_id"])
    addresses = set(pd.unique(edges[["from_entity", "to_entity"]].to_numpy().ravel()))
    served = served[served["from_entity"].isin(addresses)][["from_entity", "to_entity"]].drop_duplicates()
    edges = pd.concat([edges, served.assign(flow="goods", records=1)], ignore_index=True)
    net = Network(height="500px", width="100%", directed=True, cdn_resources="in_line")
    net.set_options(
        '{"layout": {"hierarchical": {"direction": "LR", "sortMethod": "directed", "levelSeparation": 260}}, '
        '"physics": {"enabled": false}, "edges": {"arrows": {"to": {"enabled": true}}}}'
    )
    for node in pd.unique(edges[["from_entity", "to_entity"]].to_numpy().ravel()):
        prefix, _colon, key = node.partition(":")
        if prefix == "org":
            kind = "factory" if organizations["kind"].get(key) == "factory" else "intermediary"
            label = f"{organizations['name'].get(key, key)}\n{key}"
        else:
            kind = {"acct": "bank_account", "addr": "address", "seller": "ring_member"}.get(prefix, prefix)
            label = node
        look = style(kind)
        net.add_node(
            node,
            label=label,
            title=html.escape(node),
            color=look.colour,
            shape=look.shape,
            level=_LEVEL.get(kind, 3),
            font={"size": 15},
        )
    for row in edges.itertuples(index=False):
        colour = _FLOW_EDGES.get(row.flow, ("#999999", row.flow))[0]
        net.add_edge(
            row.from_entity,
            row.to_entity,
            value=int(row.records),
            title=html.escape(_("{flow}: {n} record(s)").format(flow=_(row.flow), n=row.records)),
            color=colour,
        )
    return network_html(net)
