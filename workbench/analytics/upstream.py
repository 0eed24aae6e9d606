"""Upstream tracing: follow a ring's goods back (waybills) and its money forward (payments), several
hops, and rank the organisations most likely to be its production source, with evidence paths."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.frames import inner_joined, is_in, looked_up, rows_naming
from workbench.provenance import as_text
from workbench.store.base import UPSTREAM_COLUMNS

from .settings import AnalysisSettings

__all__ = ["upstream_sources", "flow_edges"]

_UPSTREAM_FRAME = [*UPSTREAM_COLUMNS, "entity_name", "org_kind", "goods_share", "money_share", "exclusivity"]
PATH_COLUMNS = ["ring_id", "entity_id", "flow", "hop", "from_entity", "to_entity", "record_id", "provenance"]


def _org_by_address(tables: dict[str, pd.DataFrame]) -> pd.Series:
    orgs = tables.get("organizations")
    if orgs is None or orgs.empty:
        return pd.Series(dtype=object)
    located = orgs[orgs["address_id"] != ""]
    return located.drop_duplicates("address_id").set_index("address_id")["org_id"]


def flow_edges(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Goods and money as entity-to-entity edges: ``src, dst, amount, record_id, provenance``.

    Entities are ``org:ID``, ``seller:ID``, ``addr:ID`` and ``acct:ID``: a shipment's sender is
    the organisation named on it or the one at its from-address; an account is its owning
    organisation's where org_links says so.
    """
    columns = ["src", "dst", "amount", "record_id", "provenance"]
    goods = pd.DataFrame(columns=columns)
    shipments = tables.get("shipments")
    if shipments is not None and len(shipments):
        at = _org_by_address(tables)
        from_org = shipments["from_address_id"].map(at)
        to_org = shipments["to_address_id"].map(at)
        src = _either(
            shipments["sender_kind"] == "org",
            "org:" + shipments["sender_id"].astype(str),
            _either(
                from_org.notna(),
                "org:" + from_org.fillna("").astype(str),
                "addr:" + shipments["from_address_id"],
            ),
        )
        dst = _either(
            shipments["recipient_kind"] == "org",
            "org:" + shipments["recipient_id"].astype(str),
            _either(
                to_org.notna(), "org:" + to_org.fillna("").astype(str), "addr:" + shipments["to_address_id"]
            ),
        )
        goods = pd.DataFrame(
            {
                "src": src,
                "dst": dst,
                "amount": shipments["parcels"].fillna(1).astype(float),
                "record_id": shipments["waybill"].astype(str),
                "provenance": as_text(shipments["provenance"]),
                "recipient": _either(
                    shipments["recipient_kind"] == "seller",
                    "seller:" + shipments["recipient_id"].astype(str),
                    pd.Series("", index=shipments.index, dtype="str"),
                ),
                "to_address": "addr:" + shipments["to_address_id"].astype(str),
            }
        ).reset_index(drop=True)
    money = pd.DataFrame(columns=columns)
    payments = tables.get("payments")
    if payments is not None and len(payments):
        owners = pd.Series(dtype=object)
        org_links = tables.get("org_links")
        if org_links is not None and len(org_links):
            accounts = org_links[org_links["kind"] == "bank_account"].drop_duplicates("value")
            owners = accounts.set_index("value")["org_id"]

        def entity(account: pd.Series) -> pd.Series:
            owner = looked_up(account, owners)
            return _either(
                owner.notna(), "org:" + owner.fillna("").astype(str), "acct:" + account.astype(str)
            )

        money = pd.DataFrame(
            {
                "src": entity(payments["from_account"]),
                "dst": entity(payments["to_account"]),
                "amount": payments["amount"].astype(float),
                "record_id": payments["payment_id"].astype(str),
                "provenance": as_text(payments["provenance"]),
                "from_account": "acct:" + payments["from_account"].astype(str),
            }
        ).reset_index(drop=True)
    return goods, money


def _either(where: pd.Series, yes: pd.Series, no: pd.Series) -> pd.Series:
    """Row by row ``yes`` where ``where`` holds, else ``no``, as pandas text (Arrow's): NumPy's
    ``where`` made a Python string of every shipment's ends, a gigabyte at ten million sellers."""
    return yes.astype("str").where(where.to_numpy(dtype=bool), no.astype("str"))


def _trace(
    start: pd.DataFrame, edges: pd.DataFrame, direction: str, hops: int, min_exclusivity: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Walk ``hops`` hops from each ring's ``start`` edges (``ring_id`` + edge columns).

    ``direction`` is ``back`` (goods: from receiver to sender) or ``forward`` (money: payer to
    payee). Returns the entities reached (``ring_id, entity, share, exclusivity, hop``) and the
    edges walked (for evidence).

    ``share``: the part of the ring's own flow that comes from (goes to) the entity; an
    intermediary passes its share on in proportion to what it gets from each supplier.
    ``exclusivity``: the part of the entity's whole flow that ends up at (comes from) the ring;
    flow through an intermediary counts in proportion to the intermediary's own exclusivity.
    """
    near, far = ("dst", "src") if direction == "back" else ("src", "dst")
    far_total = edges.groupby(far)["amount"].sum()
    total = start.groupby("ring_id")["amount"].transform("sum")
    step = start.assign(share=start["amount"] / total, near_exclusivity=1.0)
    reached, walked = [], []
    visited: set[tuple[str, str]] = set()
    for hop in range(1, hops + 1):
        step = step[~step[far].str.startswith("seller:")]
        step = step[[(r, e) not in visited for r, e in zip(step["ring_id"], step[far], strict=True)]]
        if step.empty:
            break
        walked.append(step.assign(hop=hop))
        step = step.assign(ring_amount=step["amount"] * step["near_exclusivity"])
        got = step.groupby(["ring_id", far], as_index=False).agg(
            share=("share", "sum"), ring_amount=("ring_amount", "sum")
        )
        got = got.rename(columns={far: "entity"}).assign(hop=hop)
        got["exclusivity"] = (got["ring_amount"] / got["entity"].map(far_total)).clip(0, 1)
        reached.append(got.drop(columns="ring_amount"))
        visited |= set(zip(got["ring_id"], got["entity"], strict=True))
        # next hop: flows into (goods) or out of (money) the entities just reached; an entity
        # that barely serves the ring (a popular wholesaler) leads to everyone's suppliers, not
        # to the ring's, so the walk stops there
        onward = got[got["exclusivity"] >= min_exclusivity]
        flows = rows_naming(edges, near, onward["entity"])
        flows = flows.assign(part=flows["amount"] / flows.groupby(near)["amount"].transform("sum"))
        step = onward[["ring_id", "entity", "share", "exclusivity"]].merge(
            flows, left_on="entity", right_on=near
        )
        step = step.assign(share=step["share"] * step["part"], near_exclusivity=step["exclusivity"])
        step = step.drop(columns=["entity", "part", "exclusivity"])
    if not reached:
        return pd.DataFrame(columns=["ring_id", "entity", "share", "exclusivity", "hop"]), pd.DataFrame()
    entities = pd.concat(reached, ignore_index=True)
    entities = entities.groupby(["ring_id", "entity"], as_index=False).agg(
        share=("share", "sum"), exclusivity=("exclusivity", "max"), hop=("hop", "min")
    )
    return entities, pd.concat(walked, ignore_index=True)


class _PathIndex:
    """Hops walked per ring, indexed so each candidate's evidence path is a few dict look-ups."""

    def __init__(self, walked: pd.DataFrame):
        self.hops: dict[tuple, list[tuple]] = {}
        if walked.empty:
            return
        columns = ["flow", "ring_id", "hop", "src", "dst", "record_id", "provenance"]
        # plain lists: iterating Arrow-backed columns element by element is slow
        for flow, ring_id, hop, src, dst, record_id, provenance in zip(
            *(walked[c].tolist() for c in columns), strict=True
        ):
            far = src if flow == "goods" else dst
            self.hops.setdefault((flow, ring_id, int(hop), far), []).append((src, dst, record_id, provenance))

    def path(self, flow: str, ring_id: str, entity: str, max_hop: int) -> list[tuple[int, list[tuple]]]:
        """From ``entity`` towards the ring: per hop (farthest first) the records walked."""
        out, target = [], entity
        for hop in range(max_hop, 0, -1):
            rows = self.hops.get((flow, ring_id, hop, target))
            if not rows:
                continue
            out.append((hop, rows))
            src, dst = rows[0][0], rows[0][1]
            target = dst if flow == "goods" else src
        return out

    def text(self, flow: str, ring_id: str, entity: str, max_hop: int, limit: int = 3) -> str:
        parts = []
        for _, rows in self.path(flow, ring_id, entity, max_hop):
            shown = "; ".join(f"{r} ({p})" for _, _, r, p in rows[:limit])
            more = f"; +{len(rows) - limit} more" if len(rows) > limit else ""
            src, dst = rows[0][0], rows[0][1]
            parts.append(f"{src} -[{shown}{more}]-> {dst}")
        return " ".join(parts)


def _hops(walked: pd.DataFrame, flow: str) -> pd.DataFrame:
    """The hops a trace walked, as path rows (none where no flow left the ring)."""
    if walked.empty or "src" not in walked:
        return pd.DataFrame(columns=PATH_COLUMNS)
    return walked.assign(flow=flow, from_entity=walked["src"], to_entity=walked["dst"])


def upstream_sources(
    members: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    settings: AnalysisSettings,
    evidence_links: pd.DataFrame | None = None,
    hubs: pd.DataFrame | None = None,
    aliases: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank each ring's likely production sources.

    Goods are followed back from the ring's storefronts and the addresses they ship from;
    money forward from their payout accounts; ``settings.upstream_hops`` hops each way. A
    candidate's score is its share of the ring's goods and money flow, times the square root of
    how exclusive it is to the ring (a logistics giant or a drop-shipping wholesaler serving
    everyone is not the source), times the preference for its kind (factories over
    intermediaries). ``aliases`` maps an organisation entity to its other record ids (entity
    resolution). Addresses and accounts in ``hubs`` (``kind, value``) are not the ring's own
    and are not traced from. Returns ``upstream`` (the batch contract's columns plus ``entity_name``,
    ``org_kind``, ``goods_share``, ``money_share``, ``exclusivity``) and ``paths``, every hop of
    every evidence path with its waybill or payment id and provenance.
    """
    goods, money = flow_edges(tables)
    links = evidence_links if evidence_links is not None else tables["seller_links"]
    ring_links = _ring_links(links, members, hubs)
    hops, follow = settings.upstream_hops, settings.follow_exclusivity
    # each flow: (name, what it reached with its shares, every hop walked)
    traced = []
    if len(goods):
        traced.append(
            ("goods", *_trace(_goods_starts(goods, ring_links, members), goods, "back", hops, follow))
        )
    if len(money):
        traced.append(("money", *_trace(_money_starts(money, ring_links), money, "forward", hops, follow)))
    if not traced:
        return pd.DataFrame(columns=_UPSTREAM_FRAME), pd.DataFrame(columns=PATH_COLUMNS)
    reached = pd.concat([found.assign(flow=flow) for flow, found, _ in traced], ignore_index=True)
    reached = reached[reached["entity"].astype(str).str.startswith("org:")]
    if reached.empty:  # flows leave the ring, but reach no organisation
        return pd.DataFrame(columns=_UPSTREAM_FRAME), pd.DataFrame(columns=PATH_COLUMNS)
    wide = _ranked_sources(reached, tables, settings, aliases)

    index = _PathIndex(pd.concat([_hops(walked, flow) for flow, _, walked in traced], ignore_index=True))
    wide["evidence"] = [
        " | ".join(
            f"{flow}: {text}"
            for flow in ("goods", "money")
            if (text := index.text(flow, ring_id, entity, hops))
        )
        for ring_id, entity in zip(wide["ring_id"], wide["entity"], strict=True)
    ]
    upstream = wide[_UPSTREAM_FRAME]
    paths = _evidence_paths(index, wide, hops)
    return upstream.reset_index(drop=True), paths


def _ring_links(links: pd.DataFrame, members: pd.DataFrame, hubs: pd.DataFrame | None) -> pd.DataFrame:
    """The members' links with their ring, hubs left out: a hub address or account (a fulfilment
    warehouse, a pickup station) carries everyone's goods, and what arrives there is not the ring's."""
    # the members' links picked in Arrow before the join (a ring's few of millions)
    ring_links = inner_joined(
        links[["seller_id", "kind", "value"]], members[["seller_id", "ring_id"]], on="seller_id"
    )
    if hubs is not None and len(hubs):
        # kind and value compared on the rows whose value is a hub's only (a few of millions): a
        # pair index of every ring link was this step's peak
        maybe = np.flatnonzero(is_in(ring_links["value"], hubs["value"]))
        hub_keys = pd.MultiIndex.from_frame(hubs[["kind", "value"]])
        hit = pd.MultiIndex.from_frame(ring_links.iloc[maybe][["kind", "value"]]).isin(hub_keys)
        ring_links = ring_links.drop(index=ring_links.index[maybe[hit]])
    return ring_links


def _goods_starts(goods: pd.DataFrame, ring_links: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """The shipments that reach a ring (at one of its addresses, or addressed to a member), not sent
    by a seller: where tracing goods back starts."""
    at_address = ring_links["kind"] == "address"
    points = pd.concat(
        [
            ring_links.loc[at_address, ["ring_id"]].assign(
                point="addr:" + ring_links.loc[at_address, "value"]
            ),
            members[["ring_id"]].assign(point="seller:" + members["seller_id"]),
        ]
    ).drop_duplicates()
    by_address = inner_joined(goods, points, left_on="to_address", right_on="point")
    by_recipient = inner_joined(goods, points, left_on="recipient", right_on="point")
    start = pd.concat([by_address, by_recipient]).drop_duplicates(["ring_id", "record_id"])
    return start[~start["src"].str.startswith("seller:")].drop(columns="point")


def _money_starts(money: pd.DataFrame, ring_links: pd.DataFrame) -> pd.DataFrame:
    """The payments out of a ring's accounts: where following money forward starts."""
    accounts = ring_links.loc[ring_links["kind"] == "bank_account", ["ring_id", "value"]].drop_duplicates()
    accounts = accounts.assign(point="acct:" + accounts["value"])
    return money.merge(accounts[["ring_id", "point"]], left_on="from_account", right_on="point").drop(
        columns="point"
    )


def _ranked_sources(
    reached: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    settings: AnalysisSettings,
    aliases: pd.Series | None,
) -> pd.DataFrame:
    """The organisations each ring's flows reached, scored (flow share x sqrt(exclusivity) x kind
    factor) and ranked per ring, with their name, kind and other record ids."""
    wide = reached.pivot_table(
        index=["ring_id", "entity"],
        columns="flow",
        values=["share", "exclusivity"],
        aggfunc="max",
        fill_value=0.0,
    )
    wide.columns = [f"{a}_{b}" for a, b in wide.columns]
    for column in ("share_goods", "share_money", "exclusivity_goods", "exclusivity_money"):
        wide[column] = wide[column].astype("float64") if column in wide else 0.0
    wide = wide.reset_index()
    orgs = tables.get("organizations", pd.DataFrame(columns=["org_id", "name", "kind"]))
    wide["entity_id"] = wide["entity"].str.removeprefix("org:")
    info = orgs.drop_duplicates("org_id").set_index("org_id")
    wide["org_kind"] = wide["entity_id"].map(info["kind"]).fillna("other").replace("", "other")
    wide["entity_name"] = wide["entity_id"].map(info["name"]).fillna("")
    factor = wide["org_kind"].map(settings.kind_factor).fillna(settings.kind_factor.get("other", 0.4))
    flow_share = (wide["share_goods"] + wide["share_money"]) / 2
    exclusivity = wide[["exclusivity_goods", "exclusivity_money"]].max(axis=1)
    wide["score"] = (flow_share * np.sqrt(exclusivity) * factor).round(4)
    wide["goods_share"], wide["money_share"] = wide["share_goods"].round(4), wide["share_money"].round(4)
    wide["exclusivity"] = exclusivity.round(4)
    wide = wide[wide["score"] > 0].sort_values(
        ["ring_id", "score", "entity_id"], ascending=[True, False, True]
    )
    wide["rank"] = wide.groupby("ring_id").cumcount() + 1
    wide["entity_kind"] = "Organization"
    found = (
        wide["entity_id"].map(aliases) if aliases is not None else pd.Series(index=wide.index, dtype=object)
    )
    wide["aliases"] = found.astype(object).fillna("")
    return wide


def _evidence_paths(index: _PathIndex, ranked: pd.DataFrame, hops: int) -> pd.DataFrame:
    """Every hop of the evidence paths of each ring's top three candidates, one row per record."""
    top = ranked[ranked["rank"] <= 3]
    rows = [
        (ring_id, entity_id, flow, hop, src, dst, record_id, provenance)
        for ring_id, entity, entity_id in zip(top["ring_id"], top["entity"], top["entity_id"], strict=True)
        for flow in ("goods", "money")
        for hop, records in index.path(flow, ring_id, entity, hops)
        for src, dst, record_id, provenance in records
    ]
    return pd.DataFrame(rows, columns=PATH_COLUMNS)
