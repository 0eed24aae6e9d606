"""The single declaration of input files, their columns, and the graph's node and edge kinds.

Loaders derive their column checks from ``INPUT_FILES``; stores derive keys and constraints
from ``NODE_KINDS`` and their relationships from ``LINK_TYPES`` and ``ENTITY_RELATIONSHIPS``
(``workbench.store.graph_view`` for the embedded store and the bulk importer). Change the data
model here and nowhere else.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Column",
    "InputFile",
    "INPUT_FILES",
    "REQUIRED_FILES",
    "LINK_KINDS",
    "STRONG_LINK_KINDS",
    "NodeKind",
    "NODE_KINDS",
    "LINK_KIND_TO_NODE",
    "SELLER_STATUSES",
    "ADDRESS_KINDS",
    "PROPERTY_NAME",
    "property_name",
    "LINK_OWNERS",
    "LINK_TYPES",
    "RelationshipKind",
    "ENTITY_RELATIONSHIPS",
    "RELATIONSHIP_TYPES",
    "identifier_key",
]

# what a stored property may be called: letters (any script), digits and "_", not starting with a
# digit. Names are data, never code: no backtick, backslash, quote or space can reach Cypher text.
PROPERTY_NAME = re.compile(r"^[^\W\d]\w{0,62}$")


def property_name(column: str) -> str:
    """The name an extra input column is stored under: itself if it fits ``PROPERTY_NAME``, else a
    generated ``extra_<hash>`` (the original name is kept beside it as data).

    >>> property_name("recipient_phone"), property_name("联系电话")
    ('recipient_phone', '联系电话')
    >>> property_name("x` DETACH DELETE n //")
    'extra_c1366258c5c3'
    """
    if PROPERTY_NAME.match(column):
        return column
    return "extra_" + hashlib.sha256(column.encode("utf-8", "surrogatepass")).hexdigest()[:12]


ColumnType = Literal["str", "float", "int", "datetime", "enum"]


@dataclass(frozen=True)
class Column:
    """One input column: its type, whether it must be filled, and what it refers to."""

    name: str
    type: ColumnType = "str"
    required: bool = False
    choices: tuple[str, ...] = ()
    # "file.column" that every non-empty value must exist in (checked when that file is loaded)
    references: str | None = None
    # read by ``workbench analyze`` (rings, scores, tracing); the store keeps every column, and an
    # analysis holds only these (``LoadedInput.analysed``): the others are for people to read
    analysed: bool = True
    # a few distinct values in a file of millions of rows (a link's kind and role): an analysis
    # holds it as a categorical, codes of a byte, not a text per row (the kinds and roles of eight
    # million links were 230 MiB); the store and the findings keep text
    few_values: bool = False

    @property
    def read_as_codes(self) -> bool:
        """Read from a CSV file as a number per row into its distinct values: a column of few
        values, or one whose values are parsed once each (dates, choices). As text, the kinds,
        roles and dates of ten million sellers' links were 3.6 GB parsed, and as much again copied,
        for a column the checks then numbered by value."""
        return self.few_values or self.type in ("datetime", "enum")


@dataclass(frozen=True)
class InputFile:
    """One input file kind of the input format (docs/architecture.md)."""

    name: str
    columns: tuple[Column, ...]
    # unique key of an entity file; empty for observation files such as seller_links
    key: tuple[str, ...] = ()
    required: bool = False
    # columns known not to name or reach a person: a redacted packet carries these as they are.
    # An allow-list: every other column, extra columns included, is tokenised (``personal``) or
    # left out of a redacted packet.
    shareable: tuple[str, ...] = ()
    # column -> the identifier kind a redacted packet replaces its values with a token of
    personal: tuple[tuple[str, str], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def analysed_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.analysed)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


LINK_KINDS = ("person_id", "phone", "email", "device", "ip", "bank_account", "address")
# identifiers that, shared between storefronts, point to one operator (the baseline's evidence)
STRONG_LINK_KINDS = ("person_id", "bank_account", "device", "phone")
SELLER_STATUSES = ("active", "closed", "banned")
ADDRESS_KINDS = ("residential", "warehouse", "factory", "pickup_point", "commercial", "unknown")
ORG_KINDS = ("factory", "wholesaler", "warehouse", "logistics", "other")


def _link_columns(owner: str, owner_file: str) -> tuple[Column, ...]:
    return (
        Column(owner, required=True, references=f"{owner_file}.{owner}"),
        Column("kind", "enum", required=True, choices=LINK_KINDS, few_values=True),
        Column("value", required=True),
        Column("role", few_values=True),
        Column("observed_at", "datetime", analysed=False),
        Column("source_record_id", analysed=False),
    )


_LINK_SHAREABLE = ("kind", "role", "observed_at", "source_record_id")


# Ordered so that every file comes after the files it refers to.
INPUT_FILES: dict[str, InputFile] = {
    f.name: f
    for f in (
        InputFile(
            "addresses",
            key=("address_id",),
            shareable=("address_id", "city", "province", "country", "kind"),
            columns=(
                Column("address_id", required=True),
                Column("text"),
                Column("lat", "float"),
                Column("lon", "float"),
                Column("city"),
                Column("province"),
                Column("country"),
                Column("kind", "enum", choices=ADDRESS_KINDS),
            ),
        ),
        InputFile(
            "sellers",
            key=("seller_id",),
            shareable=("seller_id", "shop_name", "platform", "registered_at", "status"),
            required=True,
            columns=(
                Column("seller_id", required=True),
                Column("shop_name", analysed=False),
                Column("platform", analysed=False),
                Column("registered_at", "datetime", analysed=False),
                Column("status", "enum", choices=SELLER_STATUSES, few_values=True),
            ),
        ),
        InputFile(
            "organizations",
            key=("org_id",),
            shareable=("org_id", "name", "kind", "address_id"),
            columns=(
                Column("org_id", required=True),
                Column("name"),
                Column("kind", "enum", choices=ORG_KINDS),
                Column("address_id", references="addresses.address_id"),
            ),
        ),
        InputFile(
            "seller_links",
            columns=_link_columns("seller_id", "sellers"),
            required=True,
            shareable=("seller_id", *_LINK_SHAREABLE),
            personal=(("value", "by kind"),),
        ),
        InputFile(
            "org_links",
            columns=_link_columns("org_id", "organizations"),
            shareable=("org_id", *_LINK_SHAREABLE),
            personal=(("value", "by kind"),),
        ),
        InputFile(
            "listings",
            key=("listing_id",),
            shareable=(
                "listing_id",
                "seller_id",
                "title",
                "brand",
                "category",
                "price",
                "currency",
                "listed_at",
                "status",
            ),
            columns=(
                Column("listing_id", required=True),
                Column("seller_id", required=True, references="sellers.seller_id"),
                Column("title", analysed=False),
                Column("brand"),
                Column("category", analysed=False),
                Column("price", "float"),
                Column("currency", few_values=True),
                Column("listed_at", "datetime", analysed=False),
                Column("status", "enum", choices=("live", "removed"), few_values=True),
            ),
        ),
        InputFile(
            "complaints",
            key=("complaint_id",),
            shareable=("complaint_id", "listing_id", "rights_holder", "filed_at", "outcome"),
            columns=(
                Column("complaint_id", required=True),
                Column("listing_id", required=True, references="listings.listing_id"),
                Column("rights_holder", analysed=False),
                Column("filed_at", "datetime", analysed=False),
                Column("outcome", "enum", choices=("upheld", "rejected", "pending")),
            ),
        ),
        InputFile(
            "test_buys",
            key=("test_buy_id",),
            shareable=("test_buy_id", "listing_id", "bought_at", "verdict", "ship_from_address_id"),
            columns=(
                Column("test_buy_id", required=True),
                Column("listing_id", required=True, references="listings.listing_id"),
                Column("bought_at", "datetime", analysed=False),
                Column("verdict", "enum", choices=("counterfeit", "genuine", "inconclusive")),
                Column("ship_from_address_id", references="addresses.address_id"),
            ),
        ),
        InputFile(
            "shipments",
            key=("waybill",),
            shareable=(
                "waybill",
                "from_address_id",
                "to_address_id",
                "courier",
                "shipped_at",
                "sender_kind",
                "sender_id",
                "recipient_kind",
                "parcels",
            ),
            # a consumer recipient is a person; a seller or org recipient id is shown as it is
            personal=(("recipient_id", "consumer"),),
            columns=(
                Column("waybill", required=True),
                Column("from_address_id", required=True, references="addresses.address_id"),
                Column("to_address_id", required=True, references="addresses.address_id"),
                Column("courier", analysed=False),
                Column("shipped_at", "datetime", analysed=False),
                Column("sender_kind", "enum", choices=("seller", "org"), few_values=True),
                Column("sender_id"),
                Column("recipient_kind", "enum", choices=("seller", "org", "consumer"), few_values=True),
                Column("recipient_id"),
                Column("parcels", "int"),
            ),
        ),
        InputFile(
            "payments",
            key=("payment_id",),
            shareable=("payment_id", "amount", "currency", "paid_at"),
            personal=(("from_account", "bank_account"), ("to_account", "bank_account")),
            columns=(
                Column("payment_id", required=True),
                Column("from_account", required=True),
                Column("to_account", required=True),
                Column("amount", "float", required=True),
                Column("currency"),
                Column("paid_at", "datetime"),
            ),
        ),
    )
}

REQUIRED_FILES = tuple(name for name, f in INPUT_FILES.items() if f.required)


@dataclass(frozen=True)
class NodeKind:
    """A node label of the graph model and its one key property."""

    label: str
    key: str
    source_file: str | None = None
    properties: tuple[str, ...] = field(default_factory=tuple)


NODE_KINDS: dict[str, NodeKind] = {
    n.label: n
    for n in (
        NodeKind("Seller", "seller_id", "sellers"),
        NodeKind("Person", "person_id"),
        NodeKind("Phone", "phone"),
        NodeKind("Email", "email"),
        NodeKind("Device", "device"),
        NodeKind("IP", "ip"),
        NodeKind("BankAccount", "account"),
        NodeKind("Address", "address_id", "addresses"),
        NodeKind("Organization", "org_id", "organizations"),
        NodeKind("Listing", "listing_id", "listings"),
        NodeKind("Brand", "brand"),
        NodeKind("Complaint", "complaint_id", "complaints"),
        NodeKind("TestBuy", "test_buy_id", "test_buys"),
        NodeKind("Shipment", "waybill", "shipments"),
        NodeKind("Ring", "ring_id"),
        NodeKind("Case", "case_id"),
    )
}

# link files -> (the owner's label, the owner's column): whose identifier links a file holds
LINK_OWNERS: dict[str, tuple[str, str]] = {
    "seller_links": ("Seller", "seller_id"),
    "org_links": ("Organization", "org_id"),
}
# identifier link kind -> the relationship type a link row becomes
LINK_TYPES: dict[str, str] = {kind: "HAS_" + kind.upper() for kind in LINK_KINDS}


@dataclass(frozen=True)
class RelationshipKind:
    """A relationship an entity file's rows imply: ``type`` from (label, key, column) to (label,
    key, column), the columns being the file's."""

    type: str
    file: str
    source: tuple[str, str, str]
    target: tuple[str, str, str]


ENTITY_RELATIONSHIPS: tuple[RelationshipKind, ...] = (
    RelationshipKind(
        "LOCATED_AT",
        "organizations",
        ("Organization", "org_id", "org_id"),
        ("Address", "address_id", "address_id"),
    ),
    RelationshipKind(
        "LISTS", "listings", ("Seller", "seller_id", "seller_id"), ("Listing", "listing_id", "listing_id")
    ),
    RelationshipKind(
        "OF_BRAND", "listings", ("Listing", "listing_id", "listing_id"), ("Brand", "brand", "brand")
    ),
    RelationshipKind(
        "AGAINST",
        "complaints",
        ("Complaint", "complaint_id", "complaint_id"),
        ("Listing", "listing_id", "listing_id"),
    ),
    RelationshipKind(
        "BOUGHT",
        "test_buys",
        ("TestBuy", "test_buy_id", "test_buy_id"),
        ("Listing", "listing_id", "listing_id"),
    ),
    RelationshipKind(
        "SHIPPED_FROM",
        "test_buys",
        ("TestBuy", "test_buy_id", "test_buy_id"),
        ("Address", "address_id", "ship_from_address_id"),
    ),
    RelationshipKind(
        "SHIPPED",
        "shipments",
        ("Address", "address_id", "from_address_id"),
        ("Shipment", "waybill", "waybill"),
    ),
    RelationshipKind(
        "DELIVERED_TO",
        "shipments",
        ("Shipment", "waybill", "waybill"),
        ("Address", "address_id", "to_address_id"),
    ),
)
# relationships of the payments file and of what the analysis writes back
FLOW_AND_RESULT_TYPES = ("PAID", "MEMBER_OF", "SOURCED_FROM")
RELATIONSHIP_TYPES: frozenset[str] = frozenset(
    [*LINK_TYPES.values(), *(r.type for r in ENTITY_RELATIONSHIPS), *FLOW_AND_RESULT_TYPES]
)

# seller_links / org_links kind -> node label of the identifier it names
LINK_KIND_TO_NODE = {
    "person_id": "Person",
    "phone": "Phone",
    "email": "Email",
    "device": "Device",
    "ip": "IP",
    "bank_account": "BankAccount",
    "address": "Address",
}


def identifier_key(var: str) -> str:
    """Cypher for the key of node ``var`` whatever its label: every node kind's key in turn (the
    model's text, never data's).

    >>> identifier_key("n").startswith("coalesce(n.seller_id, n.org_id, n.person_id")
    True
    """
    keys = dict.fromkeys(
        NODE_KINDS[label].key for label in ("Seller", "Organization", *LINK_KIND_TO_NODE.values())
    )
    return "coalesce(" + ", ".join(f"{var}.{k}" for k in keys) + ")"
