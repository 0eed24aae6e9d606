"""One ring's case, assembled from a store: every fact a lead packet shows, with its provenance,
already redacted for the recipient where asked."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from workbench import __version__
from workbench.analytics.evidence import evidence_links, shared_identifiers
from workbench.analytics.places import ring_addresses
from workbench.analytics.settings import AnalysisSettings
from workbench.errors import WorkbenchError
from workbench.i18n import _
from workbench.store.base import GraphStore

from .redact import Redactor

__all__ = ["RingCase", "assemble_case", "ring_locations", "jurisdiction_of"]


@dataclass
class RingCase:
    """Everything about one ring that goes into its lead packet."""

    ring_id: str
    score: pd.Series  # the ring's row of ring_scores: score, signals, reasons, goods value
    members: pd.DataFrame  # storefronts with their people, contacts and evidence weight
    # sellers tied by weak ties only: associated, not established (never listed as members)
    associates: pd.DataFrame
    identifiers: pd.DataFrame  # identifiers tying members together, with provenance
    suppressed: pd.DataFrame  # hubs the members touch, ignored as evidence
    listings: pd.DataFrame
    test_buys: pd.DataFrame
    complaints: pd.DataFrame
    shipments: pd.DataFrame
    payments: pd.DataFrame
    upstream: pd.DataFrame  # ranked sources with evidence text
    paths: pd.DataFrame  # hops of the evidence paths, one record each
    locations: pd.DataFrame  # entity_kind, entity_id, role, lat, lon, city, province
    timeline: pd.DataFrame  # when, event, detail, provenance
    jurisdiction: str
    methods: dict = field(default_factory=dict)
    referral_threshold: float = 50_000.0
    # the city and province the suggested jurisdiction names (empty when nothing is located)
    jurisdiction_place: tuple[str, str] = ("", "")
    # the task force's case events on this ring: status, note, who, when
    notes: pd.DataFrame = field(default_factory=pd.DataFrame)


def _redact_frame(frame: pd.DataFrame, redactor: Redactor, columns: dict[str, str]) -> pd.DataFrame:
    frame = frame.copy()
    for column, kind in columns.items():
        if column in frame:
            frame[column] = frame[column].astype(str).map(lambda v, k=kind: redactor.value(k, v))
    return frame


def _first_link(links: pd.DataFrame, kind: str) -> pd.Series:
    chosen = links[links["kind"] == kind].drop_duplicates("seller_id")
    return chosen.set_index("seller_id")["value"]


def assemble_case(store: GraphStore, ring_id: str, redactor: Redactor | None = None) -> RingCase:
    """Collect ring ``ring_id`` from ``store`` (after `workbench analyze --store` or `detect`)."""
    redactor = redactor or Redactor(enabled=False)
    member_ids = _member_ids(store, ring_id)
    meta = store.meta()
    settings = AnalysisSettings.of_store(meta)
    tables = store.input_tables()
    sellers = tables["sellers"][tables["sellers"]["seller_id"].isin(member_ids)]
    links = evidence_links(tables)
    member_links = links[links["seller_id"].isin(member_ids)]
    members_frame = pd.DataFrame({"seller_id": member_ids.to_numpy(), "ring_id": ring_id})
    shared = shared_identifiers(links, members_frame, settings)
    # the ring's own places: hubs (a fulfilment warehouse, an e-commerce park) are everyone's
    places = ring_addresses(members_frame, tables, store.result("suppressed"))
    members = _members(store, ring_id, sellers, tables["seller_links"], places, redactor)
    identifiers = shared.assign(
        value=[redactor.value(k, v) for k, v in zip(shared["kind"], shared["value"], strict=True)]
    )
    touched = _hubs_touched(store.result("suppressed"), member_links, redactor)
    accounts = set(member_links.loc[member_links["kind"] == "bank_account", "value"])
    listings, test_buys, complaints, shipments, payments = _ring_records(
        tables, member_ids, set(places["address_id"]), accounts, redactor
    )
    associates = _associates(store, ring_id, tables["sellers"], redactor)
    upstream, paths = _upstream_and_paths(store, ring_id, accounts, redactor)
    # storefronts are often registered at home: shown to about 1 km; warehouses and sources exact
    locations = redactor.coordinates(ring_locations(places, upstream, tables), ("storefront",))
    return RingCase(
        ring_id=ring_id,
        score=_score_row(store, ring_id),
        members=members.reset_index(drop=True),
        associates=associates,
        identifiers=identifiers,
        suppressed=touched,
        listings=listings,
        test_buys=test_buys,
        complaints=complaints,
        shipments=shipments,
        payments=payments,
        upstream=upstream.reset_index(drop=True),
        paths=paths.reset_index(drop=True),
        locations=locations,
        timeline=_timeline(sellers, listings, complaints, test_buys, shipments, payments),
        jurisdiction=jurisdiction_of(locations),
        jurisdiction_place=_jurisdiction_place(locations),
        notes=_notes(store, ring_id, redactor),
        methods={
            "input_fingerprint": meta.get("input", {}).get("fingerprint", ""),
            "method": meta.get("rings", {}).get("method", settings.method),
            "settings": settings.as_dict(),
            "software_version": __version__,
        },
        referral_threshold=settings.referral_threshold,
    )


def _member_ids(store: GraphStore, ring_id: str) -> pd.Series:
    """The ring's core members; a ring the store does not hold is named with the ones it does."""
    rings = store.rings()
    member_ids = rings.loc[rings["ring_id"] == ring_id, "seller_id"]
    if len(member_ids):
        return member_ids
    known = ", ".join(rings["ring_id"].drop_duplicates().head(5))
    if not known:
        lacking = store.meta().get("coverage", {}).get("rings", {}).get("lacking", [])
        why = f": the data held no rows of {', '.join(lacking)}" if lacking else ""
        raise WorkbenchError(
            f"no ring {ring_id!r}: the store holds no rings{why}; `workbench packet --flows` refers its flows"
        )
    raise WorkbenchError(f"no ring {ring_id!r} in the store (rings look like: {known})")


def _members(
    store: GraphStore,
    ring_id: str,
    sellers: pd.DataFrame,
    seller_links: pd.DataFrame,
    places: pd.DataFrame,
    redactor: Redactor,
) -> pd.DataFrame:
    """One row per storefront: its registrant, contacts, payout account, registered address, city
    and province (from its own places, never a hub) and its evidence weight."""
    evidence_weight = store.result("members")
    weights = (
        evidence_weight[evidence_weight["ring_id"] == ring_id].set_index("seller_id")["evidence_weight"]
        if len(evidence_weight)
        else pd.Series(dtype=float)
    )
    declared = seller_links[seller_links["seller_id"].isin(sellers["seller_id"])]
    members = sellers[["seller_id", "shop_name", "platform", "status", "registered_at", "provenance"]].copy()
    for kind in ("person_id", "phone", "email", "bank_account"):
        members[kind] = members["seller_id"].map(_first_link(declared, kind)).fillna("")
    registered = declared[(declared["kind"] == "address") & (declared["role"] != "return")]
    members["address_id"] = members["seller_id"].map(
        registered.drop_duplicates("seller_id").set_index("seller_id")["value"]
    )
    # city and province from the member's own places (storefront first), never from a hub
    located = places.sort_values("role", key=lambda r: r != "storefront", kind="stable").drop_duplicates(
        "seller_id"
    )
    located = located.set_index("seller_id")
    members["city"] = members["seller_id"].map(located["city"]).fillna("")
    members["province"] = members["seller_id"].map(located["province"]).fillna("")
    members["evidence_weight"] = members["seller_id"].map(weights)
    return _redact_frame(members, redactor, {k: k for k in ("person_id", "phone", "email", "bank_account")})


def _hubs_touched(hubs: pd.DataFrame, member_links: pd.DataFrame, redactor: Redactor) -> pd.DataFrame:
    """The hubs (identifiers suppressed as evidence) the members use."""
    if not len(hubs):
        return pd.DataFrame()
    touched = hubs.merge(member_links[["kind", "value"]].drop_duplicates(), on=["kind", "value"])
    if len(touched):
        touched = touched.assign(
            value=[redactor.value(k, v) for k, v in zip(touched["kind"], touched["value"], strict=True)]
        )
    return touched


def _ring_records(
    tables: dict[str, pd.DataFrame],
    member_ids: pd.Series,
    own_addresses: set,
    accounts: set,
    redactor: Redactor,
) -> tuple[pd.DataFrame, ...]:
    """The ring's listings, test buys, complaints, shipments and payments, as a redacted packet may
    carry them (only what the model knows is not personal; extra columns go)."""
    empty = pd.DataFrame()
    listings = tables.get("listings", empty)
    listings = listings[listings["seller_id"].isin(member_ids)] if len(listings) else listings
    listing_ids = listings["listing_id"] if len(listings) else pd.Series(dtype=str)
    test_buys = tables.get("test_buys", empty)
    test_buys = test_buys[test_buys["listing_id"].isin(listing_ids)] if len(test_buys) else test_buys
    complaints = tables.get("complaints", empty)
    complaints = complaints[complaints["listing_id"].isin(listing_ids)] if len(complaints) else complaints
    shipments = tables.get("shipments", empty)
    if len(shipments):
        touches = (
            shipments["sender_id"].isin(member_ids)
            | shipments["recipient_id"].isin(member_ids)
            | shipments["to_address_id"].isin(own_addresses)
        )
        shipments = shipments[touches]
    payments = tables.get("payments", empty)
    if len(payments):
        payments = payments[payments["from_account"].isin(accounts) | payments["to_account"].isin(accounts)]
    listings, test_buys, complaints, shipments, payments = (
        redactor.table(name, frame)
        for name, frame in (
            ("listings", listings),
            ("test_buys", test_buys),
            ("complaints", complaints),
            ("shipments", shipments),
            ("payments", payments),
        )
    )
    test_buys = _test_buys_read(test_buys, listings, tables.get("addresses", empty))
    return listings, test_buys, complaints, shipments, payments


_PATH_COLUMNS = ["ring_id", "entity_id", "flow", "hop", "from_entity", "to_entity", "record_id", "provenance"]


def _upstream_and_paths(
    store: GraphStore, ring_id: str, accounts: set, redactor: Redactor
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ring's ten best sources and their evidence paths, account numbers masked in both."""
    upstream = store.upstream()
    upstream = upstream[upstream["ring_id"] == ring_id].head(10).copy()
    # the company's other records (entity resolution); stores from before it have no column
    upstream["aliases"] = upstream["aliases"].fillna("") if "aliases" in upstream else ""
    paths = store.result("paths")
    paths = paths[paths["ring_id"] == ring_id].copy() if len(paths) else pd.DataFrame(columns=_PATH_COLUMNS)
    paths["from_entity"] = paths["from_entity"].astype(str).map(redactor.account_entity)
    paths["to_entity"] = paths["to_entity"].astype(str).map(redactor.account_entity)
    # evidence text names account numbers; every value redacted so far is masked in it too
    for account in accounts:
        redactor.value("bank_account", account)
    upstream["evidence"] = upstream["evidence"].astype(str).map(redactor.text)
    return upstream, paths


def _score_row(store: GraphStore, ring_id: str) -> pd.Series:
    """The ring's row of ring_scores: score, signals, reasons, goods value."""
    score_rows = store.result("ring_scores")
    if not len(score_rows):
        return pd.Series({"ring_id": ring_id})
    return score_rows[score_rows["ring_id"] == ring_id].iloc[0]


def _associates(store: GraphStore, ring_id: str, sellers: pd.DataFrame, redactor: Redactor) -> pd.DataFrame:
    """The ring's associates with their shop names and the ties that connect them (identifiers
    of personal kinds masked in a redacted packet)."""
    associates = store.result("associates")
    columns = ["seller_id", "shop_name", "standing", "ties", "evidence"]
    if associates.empty:
        return pd.DataFrame(columns=columns)
    mine = associates[associates["ring_id"] == ring_id].merge(
        sellers[["seller_id", "shop_name"]], on="seller_id", how="left"
    )
    for column in ("ties", "evidence"):
        mine[column] = mine[column].astype(str).map(lambda text: _masked_ties(text, redactor))
    return mine.assign(standing="associated, not established")[columns].reset_index(drop=True)


def _masked_ties(text: str, redactor: Redactor) -> str:
    """``kind value (records) | ...`` with each personal value replaced by its token."""
    parts = []
    for part in text.split(" | ") if text else []:
        kind, _, rest = part.partition(" ")
        value, bracket, records = rest.partition(" (")
        parts.append(f"{kind} {redactor.value(kind, value)}{bracket}{records}")
    return " | ".join(parts)


def ring_locations(places: pd.DataFrame, upstream: pd.DataFrame, tables: dict) -> pd.DataFrame:
    """Storefronts and warehouses of the ring (``ring_addresses``: no hubs) and its top sources."""
    addresses = tables.get("addresses", pd.DataFrame())
    columns = ["entity_kind", "entity_id", "role", "address_id", "lat", "lon", "city", "province"]
    if addresses.empty:
        return pd.DataFrame(columns=columns)
    where = addresses.drop_duplicates("address_id").set_index("address_id")
    storefronts = places[places["role"] == "storefront"]
    rows = [
        ("Seller", s, "storefront", a)
        for s, a in zip(storefronts["seller_id"], storefronts["address_id"], strict=True)
    ]
    warehouses = sorted(set(places.loc[places["role"] == "warehouse", "address_id"]))
    rows += [("Address", a, "warehouse", a) for a in warehouses]
    orgs = tables.get("organizations", pd.DataFrame())
    if len(orgs) and len(upstream):
        located = orgs.set_index("org_id")["address_id"]
        for row in upstream.head(3).itertuples(index=False):
            rows.append(
                ("Organization", row.entity_id, f"source rank {row.rank}", located.get(row.entity_id, ""))
            )
    frame = pd.DataFrame(rows, columns=["entity_kind", "entity_id", "role", "address_id"])
    frame = frame.join(where[["lat", "lon", "city", "province"]], on="address_id")
    return frame[columns]


def _timeline(sellers, listings, complaints, test_buys, shipments, payments) -> pd.DataFrame:
    parts = []

    def add(frame, when, event, detail):
        if len(frame) and when in frame:
            parts.append(
                pd.DataFrame(
                    {
                        "when": frame[when],
                        "event": event,
                        "detail": detail(frame),
                        "provenance": frame["provenance"],
                    }
                )
            )

    add(
        sellers,
        "registered_at",
        "storefront registered",
        lambda f: f["seller_id"] + " " + f["shop_name"].astype(str),
    )
    add(
        listings,
        "listed_at",
        "listing",
        lambda f: f["listing_id"] + " " + f["brand"].astype(str) + " at " + f["price"].astype(str),
    )
    add(complaints, "filed_at", "complaint", lambda f: f["complaint_id"] + " " + f["outcome"].astype(str))
    add(test_buys, "bought_at", "test buy", lambda f: f["test_buy_id"] + " " + f["verdict"].astype(str))
    add(
        shipments,
        "shipped_at",
        "shipment",
        lambda f: f["waybill"] + " " + f["from_address_id"] + " -> " + f["to_address_id"],
    )
    add(payments, "paid_at", "payment", lambda f: f["payment_id"] + " " + f["amount"].astype(str))
    if not parts:
        return pd.DataFrame(columns=["when", "event", "detail", "provenance"])
    timeline = pd.concat(parts, ignore_index=True).dropna(subset=["when"])
    return timeline.sort_values(["when", "event"], ignore_index=True)


def _test_buys_read(test_buys: pd.DataFrame, listings: pd.DataFrame, addresses: pd.DataFrame) -> pd.DataFrame:
    """Test buys with what was bought (the listing's title and brand) and where it shipped from
    (the address and its city): what an officer reads first."""
    if test_buys.empty:
        return test_buys
    out = test_buys.copy()
    bought = listings.drop_duplicates("listing_id").set_index("listing_id") if len(listings) else None
    for column, source in (("product", "title"), ("brand", "brand")):
        out[column] = (
            out["listing_id"].map(bought[source]).fillna("")
            if bought is not None and source in bought
            else ""
        )
    ship_from = out.get("ship_from_address_id", pd.Series("", index=out.index)).fillna("")
    city = (
        ship_from.map(addresses.drop_duplicates("address_id").set_index("address_id")["city"])
        if len(addresses) and "city" in addresses
        else pd.Series("", index=out.index)
    )
    out["ship_from"] = [
        f"{a} ({c})" if a and isinstance(c, str) and c else a for a, c in zip(ship_from, city, strict=True)
    ]
    return out


def _notes(store: GraphStore, ring_id: str, redactor: Redactor) -> pd.DataFrame:
    """The case events of the ring, oldest first; a note naming an identifier the packet masks
    shows its token."""
    events = store.case_events()
    events = events[events["ring_id"] == ring_id].sort_values("changed_at", kind="stable")
    events = events[["changed_at", "status", "note", "changed_by"]].reset_index(drop=True)
    return events.assign(note=events["note"].astype(str).map(redactor.text))


def _jurisdiction_place(locations: pd.DataFrame) -> tuple[str, str]:
    """(city, province) of the place the suggested jurisdiction is chosen by."""
    for role in ("source rank 1", "warehouse"):
        located = locations[locations["role"] == role].dropna(subset=["city"])
        if len(located):
            return str(located.iloc[0]["city"]), str(located.iloc[0]["province"])
    return "", ""


def jurisdiction_of(locations: pd.DataFrame) -> str:
    sources = locations[locations["role"] == "source rank 1"].dropna(subset=["city"])
    warehouses = locations[locations["role"] == "warehouse"].dropna(subset=["city"])
    parts = []
    if len(sources):
        s = sources.iloc[0]
        parts.append(
            _("the most likely production source {source} is in {city}, {province}").format(
                source=s["entity_id"], city=s["city"], province=s["province"]
            )
        )
    if len(warehouses):
        places = sorted(
            {f"{c}, {p}" for c, p in zip(warehouses["city"], warehouses["province"], strict=True)}
        )
        parts.append(_("the ring ships from warehouses in {places}").format(places="; ".join(places)))
    if not parts:
        return _(
            "No located source or warehouse: refer to the unit covering the storefronts' "
            "registered addresses."
        )
    lead = sources.iloc[0] if len(sources) else warehouses.iloc[0]
    return _("Suggested: the public security bureau of {city} ({province}), where {reasons}.").format(
        city=lead["city"], province=lead["province"], reasons="; ".join(parts)
    )
