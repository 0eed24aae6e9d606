"""The analytic core on hand-made marketplaces: evidence weights, hub suppression, rings, stable
ids, score reasons, and upstream tracing through a wholesaler to a factory."""

from __future__ import annotations

import pandas as pd
import pytest

from graph_loaders import load_folder
from tests.conftest import write_folder
from workbench.analytics.communities import assign_stable_ids, ring_id_for
from workbench.analytics.evidence import evidence_graph, evidence_links, pair_weight
from workbench.analytics.settings import AnalysisSettings
from workbench.pipeline import detect_and_trace

# An operation of four storefronts (S1-S4) with four different real persons, tied by a shared
# device, a payout account and a warehouse; a legitimate owner with two shops (S5, S6: one
# person, one account); S7-S9 unrelated shops that only share a carrier NAT IP with S1 and
# many others (a hub). Goods: FACTORY -> WHOLESALER -> warehouse W1 -> storefronts; a popular
# wholesaler (POPULAR) ships a little to the ring and much to everyone else.
NAT_USERS = [f"N{i}" for i in range(12)]
SELLERS = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", *NAT_USERS]
FILES = {
    "sellers": "seller_id,status\n"
    + "\n".join(f"{s},{'banned' if s == 'S2' else 'active'}" for s in SELLERS),
    "seller_links": "seller_id,kind,value\n"
    + "\n".join(
        [
            "S1,device,D-1",
            "S2,device,d1",
            "S3,device,D1",
            "S1,bank_account,6222 1111",
            "S2,bank_account,6222-1111",
            "S4,bank_account,62221111",
            "S3,address,W1",
            "S4,address,W1",
            "S2,address,W1",
            "S1,person_id,P1",
            "S2,person_id,P2",
            "S3,person_id,P3",
            "S4,person_id,P4",
            "S5,person_id,P5",
            "S6,person_id,P5",
            "S5,bank_account,6222 5555",
            "S6,bank_account,6222 5555",
            "S1,ip,10.0.0.1",
            "S7,ip,10.0.0.1",
            "S8,ip,10.0.0.1",
            "S9,ip,10.0.0.1",
            *[f"{n},ip,10.0.0.1" for n in NAT_USERS],
        ]
    ),
    "addresses": "address_id,kind\nW1,warehouse\nF1,factory\nH1,warehouse\nP1,warehouse\nC1,residential\n",
    "organizations": "org_id,kind,address_id\nFACTORY,factory,F1\nWHOLESALER,wholesaler,H1\n"
    "POPULAR,wholesaler,P1\n",
    "org_links": "org_id,kind,value\nFACTORY,bank_account,9999 0001\nWHOLESALER,bank_account,9999 0002\n"
    "POPULAR,bank_account,9999 0003\n",
    "shipments": "waybill,from_address_id,to_address_id,sender_kind,sender_id,"
    "recipient_kind,recipient_id,parcels\n"
    + "\n".join(
        [
            "WB-F1,F1,H1,org,FACTORY,org,WHOLESALER,100",
            "WB-F2,F1,H1,org,FACTORY,org,WHOLESALER,100",
            "WB-W1,H1,W1,org,WHOLESALER,seller,S3,60",
            "WB-W2,H1,W1,org,WHOLESALER,seller,S4,60",
            "WB-P1,P1,W1,org,POPULAR,seller,S3,5",
            *[f"WB-P{i},P1,C1,org,POPULAR,seller,{n},40" for i, n in enumerate(NAT_USERS, start=2)],
        ]
    ),
    "payments": "payment_id,from_account,to_account,amount\n"
    "PAY-1,6222 1111,9999-0002,50000\nPAY-2,9999 0002,9999 0001,45000\nPAY-3,62225555,99990003,3000\n",
    "listings": "listing_id,seller_id,brand,price\n"
    + "\n".join(
        [f"L{i},S{i},Gucci,{900 if i <= 4 else 9000}" for i in range(1, 10)]
        + [f"LN{i},{n},Gucci,9100" for i, n in enumerate(NAT_USERS)]
    ),
    "test_buys": "test_buy_id,listing_id,verdict\nT1,L1,counterfeit\nT2,L5,genuine\n",
    "complaints": "complaint_id,listing_id,outcome\nC1,L2,upheld\nC2,L6,rejected\n",
}
RING = ["S1", "S2", "S3", "S4"]


@pytest.fixture()
def tables(tmp_path):
    loaded = load_folder(write_folder(tmp_path, FILES))
    assert loaded.quarantine.empty, loaded.quarantine
    return loaded.tables


@pytest.fixture()
def settings():
    return AnalysisSettings.load(max_degree={"default": 10})


def test_pair_weight_falls_with_degree_and_depends_on_kind():
    assert pair_weight(1.0, 2) == 1.0
    assert pair_weight(1.0, 4) < pair_weight(1.0, 3) < pair_weight(1.0, 2)
    # a seller gets less from one identifier the more sellers share it (exponent above 1)
    assert pair_weight(1.0, 20) * 19 < pair_weight(1.0, 4) * 3


def test_evidence_weights_by_kind_and_suppresses_hubs(tables, settings):
    evidence = evidence_graph(evidence_links(tables), settings)
    pairs = evidence.seller_pairs().set_index(["seller_a", "seller_b"])["weight"]
    # S5-S6 share a person id and an account (degree 2 each): 1.0 + 1.0
    assert pairs[("S5", "S6")] == pytest.approx(2.0)
    # the NAT IP is shared by 16 sellers, over the cap of 10: listed with its degree, no evidence
    hubs = evidence.suppressed.set_index(["kind", "value"])
    assert hubs.loc[("ip", "10.0.0.1"), ["degree", "max_degree"]].tolist() == [16, 10]
    assert hubs.loc[("supplier", "POPULAR"), "degree"] == 13  # ships to S3 and the 12 other shops
    assert not any("S7" in pair for pair in pairs.index)
    # a person id says more than a warehouse address shared by the same number of sellers
    weights = settings.kind_weights
    assert weights["person_id"] > weights["bank_account"] - 1e-9 > weights["address"] > weights["ip"]


def test_hub_cap_is_configurable(tables):
    loose = AnalysisSettings.load(max_degree={"default": 100})
    evidence = evidence_graph(evidence_links(tables), loose)
    assert evidence.suppressed.empty
    assert any("S7" in pair for pair in evidence.seller_pairs()[["seller_a", "seller_b"]].itertuples())


def test_rings_are_found_with_member_evidence(tables, settings):
    findings = detect_and_trace(tables, settings)
    groups = sorted(findings.rings.groupby("ring_id")["seller_id"].apply(sorted).tolist())
    assert groups == [RING, ["S5", "S6"]]
    members = findings.members.set_index("seller_id")
    assert (
        "device D1" in members.loc["S1", "evidence"] and "seller_links.csv:" in members.loc["S1", "evidence"]
    )
    # declared links plus waybill evidence: S3 and S4 both receive goods from WHOLESALER
    assert members.loc["S4", "kinds"] == "address,bank_account,supplier"
    assert (
        "supplier WHOLESALER" in members.loc["S4", "evidence"]
        and "shipments.csv:5" in members.loc["S4", "evidence"]
    )


def test_same_input_same_rings_and_ids_whatever_the_row_order(tables, settings):
    first = detect_and_trace(tables, settings).rings
    shuffled = {name: t.sample(frac=1.0, random_state=3).reset_index(drop=True) for name, t in tables.items()}
    second = detect_and_trace(shuffled, settings).rings
    pd.testing.assert_frame_equal(first, second)
    assert set(first["ring_id"]) == {ring_id_for(RING), ring_id_for(["S5", "S6"])}


def test_ring_ids_survive_new_members_and_record_splits_and_merges():
    previous = pd.DataFrame(
        {"seller_id": ["a", "b", "c", "d", "x", "y"], "ring_id": ["R-A"] * 4 + ["R-X"] * 2}
    )
    # the ring keeps three of four members and gains one; x and y merge into it
    now = pd.DataFrame({"seller_id": ["b", "c", "d", "e", "x", "y"], "ring_id": ["new1"] * 6})
    renamed, history = assign_stable_ids(now, previous)
    assert set(renamed["ring_id"]) == {"R-A"}
    events = set(zip(history["previous_ring_id"], history["event"], strict=True))
    assert ("R-A", "kept") in events and ("R-X", "merged") in events
    # a split: a ring's members go two ways; the larger part keeps the id
    now = pd.DataFrame({"seller_id": ["a", "b", "c", "d"], "ring_id": ["n1", "n1", "n1", "n2"]})
    renamed, history = assign_stable_ids(now, previous[previous["ring_id"] == "R-A"])
    assert renamed.set_index("seller_id")["ring_id"].to_dict() == {
        "a": "R-A",
        "b": "R-A",
        "c": "R-A",
        "d": "n2",
    }
    assert "split" in set(history["event"]) and "dissolved" not in set(history["event"])


def test_score_separates_operation_from_owner_with_reasons(tables, settings):
    scores = detect_and_trace(tables, settings).ring_scores.set_index("ring_id")
    ring, owner = scores.loc[ring_id_for(RING)], scores.loc[ring_id_for(["S5", "S6"])]
    assert ring["ring_score"] > 0.8 and owner["ring_score"] < 0.2
    assert ring["identity_spread"] == 1.0 and owner["identity_spread"] == 0.0
    assert ring["contrib_under_brand_median"] == pytest.approx(settings.scoring.under_brand_median)
    # the reasons in words and counts, the strongest contribution first
    size = len(RING)
    assert f"{size} storefronts registered to {size} different people" in ring["reasons"]
    assert "1 of 1 test buy counterfeit" in ring["reasons"]
    assert ring["reasons"].startswith(f"{size} of {size} listings priced far under")
    assert owner["reasons"] == "no counterfeit signal"
    contributions = sum(ring[c] for c in scores.columns if c.startswith("contrib_"))
    import math

    assert ring["ring_score"] == pytest.approx(
        1 / (1 + math.exp(-(settings.scoring.intercept + contributions))), abs=1e-3
    )


def test_upstream_goes_through_the_wholesaler_to_the_factory(tables, settings):
    findings = detect_and_trace(tables, settings)
    upstream = findings.upstream[findings.upstream["ring_id"] == ring_id_for(RING)].set_index("entity_id")
    assert upstream["rank"].idxmin() == "FACTORY"
    assert upstream.loc["WHOLESALER", "rank"] == 2
    # the popular wholesaler serves everyone: barely exclusive, ranked below
    assert upstream.loc["POPULAR", "exclusivity"] < 0.2 < upstream.loc["FACTORY", "exclusivity"]
    evidence = upstream.loc["FACTORY", "evidence"]
    assert "WB-F1 (shipments.csv:2)" in evidence and "WB-W1 (shipments.csv:4)" in evidence
    assert "PAY-2 (payments.csv:3)" in evidence and "PAY-1 (payments.csv:2)" in evidence
    paths = findings.paths[findings.paths["entity_id"] == "FACTORY"]
    assert set(paths["hop"]) == {1, 2}
    assert set(paths["record_id"]) >= {"WB-F1", "WB-W1", "PAY-1", "PAY-2"}


def test_wcc_baseline_is_selectable(tables):
    findings = detect_and_trace(tables, AnalysisSettings.load(method="wcc"))
    assert sorted(findings.rings.groupby("ring_id")["seller_id"].apply(sorted).tolist()) == [
        RING,
        ["S5", "S6"],
    ]


def test_bad_settings_file_is_a_clear_error(tmp_path):
    from workbench.errors import WorkbenchError

    bad = tmp_path / "a.toml"
    bad.write_text("[communities]\nmethod = 'magic'\n")
    with pytest.raises(WorkbenchError, match="method must be one of leiden, louvain, wcc, gds"):
        AnalysisSettings.load(bad)


def test_a_misspelled_setting_is_refused_with_the_nearest_name(tmp_path):
    import pytest

    from workbench.analytics.settings import AnalysisSettings
    from workbench.errors import WorkbenchError

    for text, expected in (
        (
            "[evidence]\nrarity_exponant = 3.0\n",
            "[evidence] 'rarity_exponant'; did you mean 'rarity_exponent'?",
        ),
        ("[scoring]\nidentity_sprad = 1.0\n", "[scoring] 'identity_sprad'; did you mean 'identity_spread'?"),
        ("[comunities]\nseed = 1\n", "'comunities'; did you mean 'communities'?"),
    ):
        config = tmp_path / "analysis.toml"
        config.write_text(text)
        with pytest.raises(WorkbenchError, match=expected.replace("[", r"\[").replace("?", r"\?")):
            AnalysisSettings.load(config)
    config.write_text("[evidence.max_degree]\nphone = 10\n")  # any identifier kind may get a cap
    assert AnalysisSettings.load(config).degree_cap("phone") == 10


def test_a_split_never_gives_two_rings_one_id():
    import pandas as pd

    from workbench.analytics.communities import assign_stable_ids, ring_id_for

    old = ring_id_for(["S1"])
    previous = pd.DataFrame({"seller_id": ["S1", "S2", "S3", "S4", "S5"], "ring_id": old})
    # the ring splits: {S2..S5} keeps most members (inherits the id), {S1, S9} is named after S1
    now = pd.DataFrame(
        {
            "seller_id": ["S2", "S3", "S4", "S5", "S1", "S9"],
            "ring_id": [ring_id_for(["S2"])] * 4 + [ring_id_for(["S1"])] * 2,
        }
    )
    renamed, history = assign_stable_ids(now, previous)
    groups = renamed.groupby("ring_id")["seller_id"].agg(frozenset)
    assert set(groups) == {frozenset({"S2", "S3", "S4", "S5"}), frozenset({"S1", "S9"})}
    assert groups[old] == frozenset({"S2", "S3", "S4", "S5"})
    other = next(r for r in groups.index if r != old)
    assert other == ring_id_for(["S9"])  # the next member's name, deterministically
    events = set(zip(history["ring_id"], history["event"], strict=True))
    assert events == {(old, "kept"), (other, "split")}


def test_a_stored_runs_scoring_table_reads_back_typed_and_an_older_one_gets_the_packaged_values():
    from workbench.analytics.settings import AnalysisSettings, ScoringSettings

    settings = AnalysisSettings.load()
    recorded = settings.as_dict()
    assert isinstance(recorded["scoring"], dict)  # JSON in summary.json and the store
    assert AnalysisSettings.of_store({"analysis": recorded}) == settings
    older = {**recorded, "scoring": {"intercept": -3.0, "gone_setting": 1.0}}  # no flag_score yet
    read = AnalysisSettings.of_store({"analysis": older})
    assert isinstance(read.scoring, ScoringSettings)
    assert read.scoring.intercept == -3.0 and read.flag_score == settings.flag_score
