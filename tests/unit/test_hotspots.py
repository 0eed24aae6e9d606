"""Regional hotspots: spatial join on known places, Gi* and rates on hand-made cases."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.analytics.hotspots import getis_ord, hotspots, place_points, regions


def test_known_points_land_in_their_provinces_and_names_fill_in():
    points = pd.DataFrame(
        {
            "lat": [23.13, 30.27, 39.90, 20.0, np.nan, np.nan],
            "lon": [113.26, 120.16, 116.41, 125.0, np.nan, np.nan],
            "province": ["", "", "", "Inner Mongolia", "Fujian", "Atlantis"],
        }
    )
    region, counts = place_points(points, "province")
    assert list(region[:3]) == ["440000", "330000", "110000"]  # Guangzhou, Hangzhou, Beijing
    assert region[3] == "150000" and region[4] == "350000"  # by name: sea point, no coordinates
    assert pd.isna(region[5])
    assert counts == {"placed_by_coordinates": 3, "placed_by_province_name": 2, "not_placed": 1}


def test_prefecture_level_places_cities():
    points = pd.DataFrame({"lat": [23.13, 25.45], "lon": [113.26, 119.01], "province": ["", ""]})
    region, _ = place_points(points, "prefecture")
    names = regions("prefecture").set_index("region_id")["region_name"]
    assert list(names[region]) == ["Guangzhou", "Putian"]


def test_country_level_for_cross_border_cases():
    points = pd.DataFrame({"lat": [23.13, 13.75, 48.85], "lon": [113.26, 100.50, 2.35], "province": ""})
    region, _ = place_points(points, "country")
    assert list(region) == ["CHN", "THA", "FRA"]


def test_getis_ord_ranks_a_cluster_above_an_isolated_peak():
    shapes = regions("province")
    values = pd.Series(0.0, index=shapes["region_id"])
    cluster = ["440000", "350000", "360000", "450000", "430000"]  # Guangdong and its neighbours
    values[cluster] = 10.0
    values["650000"] = 10.0  # Xinjiang alone
    z, p = getis_ord(values, shapes)
    by_region = pd.DataFrame({"z": z, "p": p}, index=shapes["region_id"])
    assert (by_region.loc["440000", "p"] < 0.05) and by_region.loc["440000", "z"] > 0
    # Gi* counts a region's own value, so a lone peak scores too, but below a cluster's centre
    assert by_region.loc["650000", "z"] < by_region.loc["440000", "z"]
    assert by_region.loc["110000", "z"] < 0  # Beijing, far from the cluster


def test_rates_per_1000_sellers_on_a_hand_made_store():
    sellers = pd.DataFrame(
        {"seller_id": [f"S{i}" for i in range(20)], "registered_at": pd.Timestamp("2024-01-15", tz="UTC")}
    )
    # S0-S9 live in Guangzhou, S10-S19 in Beijing
    links = pd.DataFrame(
        {
            "seller_id": sellers["seller_id"],
            "kind": "address",
            "value": ["GZ"] * 10 + ["BJ"] * 10,
            "role": "registered",
        }
    )
    addresses = pd.DataFrame(
        {
            "address_id": ["GZ", "BJ"],
            "lat": [23.13, 39.90],
            "lon": [113.26, 116.41],
            "province": ["Guangdong", "Beijing"],
            "kind": "residential",
        }
    )
    rings = pd.DataFrame(
        {"seller_id": ["S0", "S1", "S2", "S3", "S10", "S11"], "ring_id": ["A"] * 4 + ["B"] * 2}
    )
    scores = pd.DataFrame({"ring_id": ["A", "B"], "ring_score": [0.9, 0.2], "goods_value": [80000.0, 10.0]})
    tables = {"sellers": sellers, "seller_links": links, "addresses": addresses}
    empty_up = pd.DataFrame(columns=["ring_id", "rank", "entity_id"])
    result = hotspots(
        tables, rings, scores, empty_up, pd.DataFrame(columns=["kind", "value"]), measure="storefronts"
    )
    table = result.table.set_index("region_name")
    assert table.loc["Guangdong", "sellers"] == 10 and table.loc["Guangdong", "counterfeit_sellers"] == 4
    assert table.loc["Guangdong", "rate_per_1000"] == 400.0
    assert table.loc["Beijing", "counterfeit_sellers"] == 0  # ring B is under the referral cut
    assert table.loc["Guangdong", "goods_value"] == 80000.0
    assert np.isnan(table.loc["Taiwan", "hotspot_z"])  # no sellers, no test
    assert result.monthly.iloc[0]["month"] == "2024-01"


def test_the_map_counts_a_rings_warehouses_as_its_card_and_packet_do():
    """One definition of a ring's warehouses (``ring_addresses``): a declared ship-from and a waybill's
    sender address both count, a hub warehouse (suppressed) and a home sending parcels do not."""
    from workbench.analytics.places import ring_addresses

    sellers = pd.DataFrame(
        {"seller_id": ["S0", "S1", "S2"], "registered_at": pd.Timestamp("2024-01-15", tz="UTC")}
    )
    links = pd.DataFrame(
        {
            "seller_id": ["S0", "S1", "S2", "S0", "S1"],
            "kind": "address",
            "value": ["GZ", "GZ", "GZ", "W1", "HUB"],
            "role": ["registered"] * 3 + ["ship_from", "ship_from"],
        }
    )
    addresses = pd.DataFrame(
        {
            "address_id": ["GZ", "W1", "W2", "HUB"],
            "lat": [23.13, 23.2, 30.27, 23.3],
            "lon": [113.26, 113.3, 120.15, 113.4],
            "province": ["Guangdong", "Guangdong", "Zhejiang", "Guangdong"],
            "kind": ["residential", "warehouse", "warehouse", "warehouse"],
        }
    )
    # S2's goods leave from W2 (Zhejiang) by waybill only; S1 posts a parcel from its home
    shipments = pd.DataFrame(
        {
            "sender_kind": ["seller", "seller"],
            "sender_id": ["S2", "S1"],
            "from_address_id": ["W2", "GZ"],
            "to_address_id": ["GZ", "W1"],
        }
    )
    rings = pd.DataFrame({"seller_id": ["S0", "S1", "S2"], "ring_id": "A"})
    scores = pd.DataFrame({"ring_id": ["A"], "ring_score": [0.9], "goods_value": [1.0]})
    hubs = pd.DataFrame({"kind": ["address"], "value": ["HUB"]})
    tables = {"sellers": sellers, "seller_links": links, "addresses": addresses, "shipments": shipments}
    empty_up = pd.DataFrame(columns=["ring_id", "rank", "entity_id"])
    table = hotspots(tables, rings, scores, empty_up, hubs).table.set_index("region_name")
    assert table.loc["Guangdong", "warehouses"] == 1  # W1; not the hub, not S1's home
    assert table.loc["Zhejiang", "warehouses"] == 1  # W2, known from the waybill alone
    card = ring_addresses(rings, tables, hubs)
    assert set(card.loc[card["role"] == "warehouse", "address_id"]) >= {"W1", "W2"}
