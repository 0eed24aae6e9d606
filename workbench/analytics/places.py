"""Where a ring is: one definition of a ring's own addresses (storefronts and the warehouses it
ships from), hubs and return addresses left out, for the ring page, the map, the packet and its
suggested jurisdiction."""

from __future__ import annotations

import pandas as pd

from workbench.frames import is_in, rows_naming

__all__ = ["ring_addresses", "registered_addresses", "PLACE_COLUMNS"]

PLACE_COLUMNS = [
    "ring_id",
    "seller_id",
    "address_id",
    "role",
    "text",
    "city",
    "province",
    "lat",
    "lon",
    "kind",
]


def registered_addresses(links: pd.DataFrame) -> pd.Series:
    """Where each seller is registered: its first address link with the role ``registered`` (or
    no role), by seller id; what the hotspot map counts a storefront under.

    >>> links = pd.DataFrame({"seller_id": ["S1", "S1", "S2"], "kind": ["address", "address", "phone"],
    ...                       "value": ["A1", "A2", "+86130"], "role": ["ship_from", "registered", ""]})
    >>> registered_addresses(links).to_dict()
    {'S1': 'A2'}
    """
    role = links["role"]
    addresses = links[(links["kind"] == "address") & (role.isin(["registered", ""]) | role.isna())]
    return addresses.drop_duplicates("seller_id").set_index("seller_id")["value"]


def ring_addresses(
    members: pd.DataFrame, tables: dict[str, pd.DataFrame], hubs: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Each member's own addresses: ``storefront`` where it is registered, ``warehouse`` where its
    goods leave from (declared ship-from, waybills, test buys).

    ``members`` has ``seller_id, ring_id``; ``hubs`` the suppressed identifiers (``kind, value``):
    an address shared by more sellers than its cap (a fulfilment warehouse, an e-commerce park) is
    everyone's, not the ring's, so it says nothing about where the ring is. Return addresses
    (often a pickup station) are left out too. One row per ring, seller, address and role, with
    the address's text, city, province, coordinates and kind.

    >>> links = pd.DataFrame({"seller_id": ["S1", "S2", "S2"], "kind": "address",
    ...                       "value": ["A1", "A9", "A2"], "role": ["registered", "ship_from", "return"]})
    >>> places = pd.DataFrame({"address_id": ["A1", "A9", "A2"], "text": ["No. 3", "No. 8", "Stn 1"],
    ...                        "city": "Putian", "province": "Fujian", "lat": 25.4, "lon": 119.0,
    ...                        "kind": ["residential", "warehouse", "pickup_point"]})
    >>> ring = pd.DataFrame({"seller_id": ["S1", "S2"], "ring_id": "R-1"})
    >>> found = ring_addresses(ring, {"seller_links": links, "addresses": places})
    >>> found[["seller_id", "address_id", "role"]].values.tolist()  # the return address is left out
    [['S1', 'A1', 'storefront'], ['S2', 'A9', 'warehouse']]
    """
    links = tables["seller_links"]
    # the members' rows picked in Arrow first: a ring's few of a marketplace's millions
    declared = links[
        (links["kind"] == "address").to_numpy() & is_in(links["seller_id"], members["seller_id"])
    ]
    role = pd.Series("", index=declared.index)
    if "role" in declared:
        role = declared["role"].astype("str").fillna("")  # text: the analysis holds roles as codes
    parts = [
        pd.DataFrame(
            {
                "seller_id": declared["seller_id"],
                "address_id": declared["value"],
                "role": role.map(lambda r: "warehouse" if r == "ship_from" else "storefront"),
                "declared_role": role,
            }
        )
    ]
    shipments = tables.get("shipments")
    if shipments is not None and len(shipments):
        sent = shipments[
            (shipments["sender_kind"] == "seller").to_numpy()
            & is_in(shipments["sender_id"], members["seller_id"])
        ]
        parts.append(pd.DataFrame({"seller_id": sent["sender_id"], "address_id": sent["from_address_id"]}))
    test_buys, listings = tables.get("test_buys"), tables.get("listings")
    if test_buys is not None and listings is not None and len(test_buys):
        theirs = rows_naming(listings, "seller_id", members["seller_id"])[["listing_id", "seller_id"]]
        bought = test_buys[test_buys["ship_from_address_id"] != ""].merge(theirs, on="listing_id")
        parts.append(
            pd.DataFrame({"seller_id": bought["seller_id"], "address_id": bought["ship_from_address_id"]})
        )
    places = pd.concat(parts, ignore_index=True)
    places["role"] = places["role"].fillna("warehouse")
    places = places[places["declared_role"].fillna("") != "return"].drop(columns="declared_role")
    if hubs is not None and len(hubs):
        shared = set(hubs.loc[hubs["kind"] == "address", "value"])
        places = places[~places["address_id"].isin(shared)]
    places = places.dropna(subset=["address_id"]).drop_duplicates(["seller_id", "address_id", "role"])
    places = places.merge(members[["seller_id", "ring_id"]], on="seller_id")
    addresses = tables.get("addresses")
    columns = ["text", "city", "province", "lat", "lon", "kind"]
    if addresses is not None and len(addresses):
        info = addresses.drop_duplicates("address_id").set_index("address_id")
        places = places.join(info.reindex(columns=columns), on="address_id")
    else:
        places = places.assign(**{c: None for c in columns})
    return places[PLACE_COLUMNS].sort_values(["ring_id", "seller_id", "address_id"], ignore_index=True)
