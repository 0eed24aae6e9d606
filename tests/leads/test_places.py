"""One definition of where a ring is: its storefronts and warehouses, never a hub everyone shares;
the ring page, the map, the packet's locations and its suggested jurisdiction all use it."""

from __future__ import annotations

import pytest

from workbench.analytics.places import ring_addresses
from workbench.leads.case import assemble_case
from workbench.pipeline import analyze
from workbench.store import MemoryStore


@pytest.fixture(scope="module")
def store(marketplace, tmp_path_factory):
    root = tmp_path_factory.mktemp("places")
    with MemoryStore(root / "store") as graph_store:
        analyze(marketplace, root / "out", graph_store)
    return MemoryStore(root / "store")


def _ring_touching_a_hub(store) -> tuple[str, set[str]]:
    """A ring with a member linked to a suppressed address hub, and those hub addresses."""
    hubs = store.result("suppressed")
    hub_addresses = set(hubs.loc[hubs["kind"] == "address", "value"])
    links = store.table("seller_links")
    touching = links[(links["kind"] == "address") & links["value"].isin(hub_addresses)]
    rings = store.rings().merge(touching[["seller_id", "value"]], on="seller_id")
    assert len(rings), "the shared marketplace has ring members at fulfilment hubs"
    ring_id = rings["ring_id"].value_counts().index[0]
    return ring_id, set(rings.loc[rings["ring_id"] == ring_id, "value"])


def test_hubs_are_not_a_rings_place(store):
    ring_id, hubs = _ring_touching_a_hub(store)
    members = store.rings().query("ring_id == @ring_id")[["seller_id", "ring_id"]]
    tables = store.input_tables()
    places = ring_addresses(members, tables, store.result("suppressed"))
    assert len(places) and not set(places["address_id"]) & hubs
    assert set(places["role"]) <= {"storefront", "warehouse"}
    everything = ring_addresses(members, tables, None)
    assert set(everything["address_id"]) & hubs  # without the hub list they would be there

    case = assemble_case(store, ring_id)
    assert not set(case.locations["address_id"].dropna()) & hubs
    addresses = tables["addresses"].set_index("address_id")
    own_provinces = set(addresses.loc[list(set(places["address_id"])), "province"].dropna())
    assert set(case.members["province"]) - {""} <= own_provinces
    warehouses = case.locations[case.locations["role"] == "warehouse"]
    assert set(warehouses["address_id"]) == set(places.loc[places["role"] == "warehouse", "address_id"])
    hub_cities = set(addresses.loc[list(hubs), "city"].dropna()) - set(
        addresses.loc[list(set(places["address_id"])), "city"]
    )
    for city in hub_cities:
        assert city not in case.jurisdiction


def test_the_ring_table_and_the_map_use_the_same_places(store, monkeypatch, tmp_path):
    from workbench.app import data

    ring_id, hubs = _ring_touching_a_hub(store)
    where = str(store.path)
    monkeypatch.setenv("WORKBENCH_STORE", where)
    table = data.ring_table.__wrapped__(where, "v")
    places, _ = data.ring_places.__wrapped__(where, "v", ring_id)
    assert not set(places["address_id"]) & hubs
    members = store.rings().query("ring_id == @ring_id")[["seller_id", "ring_id"]]
    own = ring_addresses(members, store.input_tables(), store.result("suppressed"))
    provinces = table.set_index("ring_id").loc[ring_id, "provinces"].split(", ")
    assert set(provinces) == set(own["province"].dropna()) - {""}
    assert set(places.loc[places["role"].isin(["storefront", "warehouse"]), "address_id"]) == set(
        own["address_id"]
    )
