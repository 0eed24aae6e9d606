"""The baseline analysis on a hand-made marketplace: rings over strong identifiers, scores, upstream."""

from __future__ import annotations

from graph_loaders import load_folder
from tests.conftest import write_folder
from workbench.analytics.communities import connected_rings, ring_id_for
from workbench.pipeline import detect_and_trace

FILES = {
    "sellers": """
        seller_id,status
        S1,banned
        S2,active
        S3,active
        S4,active
        S5,active
        S6,active
    """,
    # S1-S2 share a device, S2-S3 a payout account (formatted differently): one ring of three.
    # S4-S5 are one owner (same person id, same account): a legitimate multi-store owner.
    # S6 shares only a carrier IP with S1: not strong evidence.
    "seller_links": """
        seller_id,kind,value
        S1,device,D-1
        S2,device,d1
        S2,bank_account,6222 1111
        S3,bank_account,6222-1111
        S1,person_id,P1
        S2,person_id,P2
        S3,person_id,P3
        S4,person_id,P4
        S5,person_id,P4
        S4,bank_account,6222 4444
        S5,bank_account,6222 4444
        S1,ip,10.0.0.1
        S6,ip,10.0.0.1
        S1,address,W1
        S3,address,W1
    """,
    "addresses": """
        address_id,kind
        W1,warehouse
        F1,factory
        H1,warehouse
    """,
    "organizations": """
        org_id,kind,address_id
        FACTORY,factory,F1
        GIANT,logistics,H1
    """,
    "org_links": """
        org_id,kind,value
        FACTORY,bank_account,9999 0001
    """,
    "shipments": """
        waybill,from_address_id,to_address_id,sender_kind,sender_id,recipient_kind,recipient_id,parcels
        W-1,F1,W1,org,FACTORY,seller,S1,40
        W-2,F1,W1,org,FACTORY,seller,S3,40
        W-3,H1,W1,org,GIANT,seller,S3,10
    """,
    "payments": """
        payment_id,from_account,to_account,amount
        P-1,62221111,9999-0001,50000
    """,
    "listings": """
        listing_id,seller_id,brand,price
        L1,S1,Gucci,900
        L2,S2,Gucci,800
        L3,S4,Gucci,9000
        L4,S5,Gucci,9100
        L5,S6,Gucci,9050
    """,
    "test_buys": """
        test_buy_id,listing_id,verdict
        T1,L1,counterfeit
        T2,L3,genuine
    """,
}


def analyse(tmp_path):
    loaded = load_folder(write_folder(tmp_path, FILES))
    assert loaded.quarantine.empty
    return detect_and_trace(loaded.tables, {})


def test_strong_identifiers_make_rings_and_weak_ones_do_not(tmp_path):
    rings, _, _ = analyse(tmp_path)
    groups = rings.groupby("ring_id")["seller_id"].apply(sorted).tolist()
    assert sorted(groups) == [["S1", "S2", "S3"], ["S4", "S5"]]
    assert set(rings["ring_id"]) == {ring_id_for(["S1", "S2", "S3"]), ring_id_for(["S4", "S5"])}


def test_ring_scores_separate_the_operation_from_the_multistore_owner(tmp_path):
    _, scores, _ = analyse(tmp_path)
    by_ring = scores.set_index("ring_id")
    ring, owner = ring_id_for(["S1"]), ring_id_for(["S4"])
    assert by_ring.loc[ring, "ring_score"] > 0.7 > 0.3 > by_ring.loc[owner, "ring_score"]
    assert by_ring.loc[ring, "identity_spread"] == 1.0
    assert by_ring.loc[owner, "identity_spread"] == 0.0


def test_upstream_ranks_the_factory_first_with_evidence(tmp_path):
    _, _, upstream = analyse(tmp_path)
    ring = upstream[upstream["ring_id"] == ring_id_for(["S1"])]
    top = ring.iloc[0]
    assert top["entity_id"] == "FACTORY" and top["rank"] == 1
    assert "W-1 (shipments.csv:2)" in top["evidence"] and "P-1 (payments.csv:2)" in top["evidence"]
    assert ring.iloc[1]["entity_id"] == "GIANT"


def test_ring_ids_do_not_depend_on_row_order(tmp_path):
    loaded = load_folder(write_folder(tmp_path, FILES))
    links = loaded.tables["seller_links"]
    a = connected_rings(links)
    b = connected_rings(links.iloc[::-1].reset_index(drop=True))
    assert a.equals(b)
