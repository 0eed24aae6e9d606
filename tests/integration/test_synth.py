"""The synthetic marketplace: deterministic, and its ground truth agrees with its data."""

from __future__ import annotations

import hashlib

import pandas as pd

from graph_loaders import load_folder
from workbench.synth.generator import generate_marketplace


def _digest(folder) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*.csv"))
    }


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate_marketplace(a, sellers=800, rings=8, seed=3)
    generate_marketplace(b, sellers=800, rings=8, seed=3)
    generate_marketplace(c, sellers=800, rings=8, seed=4)
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)


def test_ground_truth_is_consistent_with_the_data(marketplace):
    loaded = load_folder(marketplace)
    rings = pd.read_csv(marketplace / "truth" / "rings.csv")
    sources = pd.read_csv(marketplace / "truth" / "sources.csv")
    sizes = rings.groupby("ring_id").size()
    assert sizes.between(3, 30).all()
    assert set(sources["ring_id"]) == set(rings["ring_id"])
    orgs = loaded.tables["organizations"].set_index("org_id")
    assert (orgs.loc[sources["org_id"], "kind"] == "factory").all()
    # most sellers are legitimate
    assert len(rings) < 0.2 * len(loaded.tables["sellers"])

    links = loaded.tables["seller_links"].merge(rings, on="seller_id")
    # borrowed identities: every storefront of a ring has its own person id
    persons = links[links["kind"] == "person_id"].groupby("ring_id")["value"].nunique()
    assert (persons == sizes.reindex(persons.index)).all()
    # members are tied by shared identifiers: each ring shares some value among 2+ members
    shared = links.groupby(["ring_id", "kind", "value"])["seller_id"].nunique()
    assert set(shared[shared >= 2].index.get_level_values("ring_id")) == set(sizes.index)
    # every source factory ships or is paid within the chain feeding its ring
    ships = loaded.tables["shipments"]
    assert sources["org_id"].isin(ships["sender_id"]).all()


def test_hubs_tie_many_unrelated_sellers(marketplace):
    links = load_folder(marketplace).tables["seller_links"]
    degree = links.groupby(["kind", "value"])["seller_id"].nunique()
    assert degree.loc["ip"].max() > 100  # carrier NAT
    assert degree.loc["address"].max() > 50  # parks, pickup points, fulfilment warehouses


def test_formatting_noise_is_present_in_raw_files(marketplace):
    raw = pd.read_csv(marketplace / "seller_links.csv", dtype=str, keep_default_na=False)
    phones = raw.loc[raw["kind"] == "phone", "value"]
    assert phones.str.contains(" ").any() and phones.str.startswith("0086").any()
    emails = raw.loc[raw["kind"] == "email", "value"]
    assert (emails != emails.str.lower()).any()


def test_a_marketplace_in_parts_is_one_marketplace(tmp_path):
    """Past ``part_sellers`` the generator writes part after part (bounded memory at any size):
    the files hold every part's rows under one header, no id is given twice, the planted truth
    covers every part, and the whole loads and analyses as one marketplace."""
    from workbench.pipeline import analyze

    data = tmp_path / "data"
    summary = generate_marketplace(data, sellers=3000, rings=24, seed=5, part_sellers=1000)
    loaded = load_folder(data)
    for file in data.glob("*.csv"):
        lines = file.read_text().splitlines()
        assert lines.count(lines[0]) == 1, f"{file.name}: the header is written once"
    for name, key in (
        ("sellers", "seller_id"),
        ("addresses", "address_id"),
        ("organizations", "org_id"),
        ("listings", "listing_id"),
        ("shipments", "waybill"),
        ("payments", "payment_id"),
    ):
        table = loaded.tables[name]
        assert table[key].is_unique and len(table) > 0, name
        # exact duplicates and bad rows are the planted ones of each part, nothing more
        assert loaded.counts[name]["read"] == summary.rows[name], name
    sellers = loaded.tables["sellers"]
    assert len(sellers) >= 3000 and sellers["seller_id"].str.fullmatch(r"S\d{7}").all()
    links = loaded.tables["seller_links"]
    assert links["source_record_id"].is_unique
    truth = pd.read_csv(data / "truth" / "rings.csv")
    assert truth["ring_id"].nunique() == 24 and summary.ring_sellers == len(truth)
    assert set(pd.read_csv(data / "truth" / "sources.csv")["ring_id"]) == set(truth["ring_id"])
    # the parts' rings are found like those of one part, and nothing ties two parts together
    result = analyze(data, tmp_path / "out")
    found = result.rings.merge(truth, on="seller_id")
    assert found["ring_id_y"].nunique() >= 20
    part_of = (found["ring_id_y"].str[2:].astype(int) - 1) // 8  # 8 rings a part, numbered on
    assert part_of.groupby(found["ring_id_x"]).nunique().max() == 1
    # and a marketplace in parts is as deterministic as one in one part
    again = tmp_path / "again"
    generate_marketplace(again, sellers=3000, rings=24, seed=5, part_sellers=1000)
    assert _digest(again) == _digest(data)


def test_records_a_scenario_adds_are_numbered_on_across_parts(tmp_path):
    """The duplicates and split-source scenarios add addresses, organisations, links, waybills
    and payments after a part's own: numbered on from every earlier part, none given twice."""
    data = tmp_path / "data"
    generate_marketplace(data, sellers=2400, rings=16, seed=8, scenario="split-source", part_sellers=800)
    loaded = load_folder(data)
    for name, key in (
        ("addresses", "address_id"),
        ("organizations", "org_id"),
        ("shipments", "waybill"),
        ("payments", "payment_id"),
    ):
        assert loaded.tables[name][key].is_unique, name
        reasons = loaded.quarantine.loc[loaded.quarantine["file"].str.startswith(name), "reason"]
        assert not reasons.str.contains("duplicate").any(), name
    assert loaded.tables["seller_links"]["source_record_id"].is_unique
    assert (data / "truth" / "entities.csv").exists()
