"""Entity resolution: comparators on real-looking strings, explained matches, stable entity ids,
investigators' must-link and cannot-link, hostile text, and detection and tracing over entities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graph_loaders import load_folder
from tests.conftest import write_folder
from workbench.analytics.resolution import (
    BLOCK_WINDOW,
    Resolution,
    _address_candidates,
    _address_keys,
    _blocks,
    _clusters,
    _pairs,
    resolve_entities,
)
from workbench.analytics.settings import AnalysisSettings
from workbench.analytics.text_forms import address_columns, address_parts, name_parts, words
from workbench.pipeline import detect_and_trace
from workbench.synth.defects import HOSTILE_STRINGS

WAREHOUSE = [
    ("A1", "123 Industrial Rd, Dongguan", 23.0200, 113.7500, "Dongguan"),
    ("A2", "No. 123, Industrial Road, Dongguan City, Guangdong", 23.0201, 113.7502, ""),
    ("A3", "Dongguan, Industrial Rd 123", None, None, ""),
    ("A4", "123 Indsutrial Rd, Dongguan", 23.0199, 113.7499, "Dongguan"),
    ("A5", "东莞市工业路123号", None, None, ""),
]
# a different business four hundred metres along the same road
NEIGHBOUR = ("A6", "131 Industrial Rd, Dongguan", 23.0236, 113.7500, "Dongguan")
FACTORY = [
    ("O1", "Henghua Leather Goods Factory", "factory", "A1"),
    ("O2", "HENGHUA LEATHER GOODS FACTORY", "factory", "A2"),
    ("O3", "Dongguan Henghua Leather Goods Co., Ltd.", "factory", "A5"),
    ("O4", "东莞市恒华皮具厂", "factory", "A3"),
]


def _addresses(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["address_id", "text", "lat", "lon", "city"])
    return frame.assign(province="", country="CN", kind="warehouse")


def _orgs(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["org_id", "name", "kind", "address_id"])


def _entities(resolution: Resolution, kind: str) -> dict[str, str]:
    rows = resolution.records[resolution.records["record_kind"] == kind]
    return dict(zip(rows["record_id"], rows["entity_id"], strict=True))


# ---- comparators -------------------------------------------------------------------------------
def test_chinese_and_english_forms_of_one_address_have_the_same_parts():
    english = address_parts("123 Industrial Rd, Dongguan")
    chinese = address_parts("东莞市工业路123号")
    formal = address_parts("No. 123, Industrial Road, Dongguan City, Guangdong")
    assert (english.number, english.road, english.city) == ("123", "industrial road", "Dongguan")
    assert (chinese.number, chinese.road, chinese.city) == (english.number, english.road, english.city)
    assert (formal.number, formal.road, formal.city) == (english.number, english.road, english.city)


def test_reordered_tokens_and_the_city_column_are_understood():
    reordered = address_parts("Dongguan, Industrial Rd 123")
    assert (reordered.number, reordered.road, reordered.city) == ("123", "industrial road", "Dongguan")
    # a city written only in the city column, and one whose pinyin differs from its English name
    assert address_parts("No. 9 Renmin St", city="Dongguan").city == "Dongguan"
    assert address_parts("哈尔滨市红旗大街9号").city == "Harbin"
    assert address_parts("No. 5 Heping Rd, Xi'an").city == "Xi'an"


def test_pinyin_roads_and_abbreviations_meet():
    assert words("深圳市人民路88号") == ("shenzhen", "renmin", "road", "88")
    assert words("88 Renmin Rd., Shenzhen") == ("88", "renmin", "road", "shenzhen")
    assert words("NO. 88 RENMIN ROAD, SHENZHEN") == ("88", "renmin", "road", "shenzhen")


def test_an_ordinal_is_part_of_the_roads_name_not_its_house_number():
    parts = address_parts("Nanjing, Longhua 2nd Rd 306")
    assert (parts.number, parts.road, parts.city) == ("306", "longhua 2nd road", "Nanjing")
    assert address_parts("No. 306, 3rd Ave").road == "3rd avenue"
    # a number followed by letters that are not an ordinal's stays a number
    assert address_parts("12ndfloor Renmin Rd").number == "12"


def test_two_numbered_roads_of_one_name_are_two_places():
    rows = [
        ("R1", "Longhua 2nd Rd 306, Nanjing", 32.0600, 118.7900, "Nanjing"),
        ("R2", "No. 306, Longhua 2nd Road, Nanjing", 32.0601, 118.7901, ""),
        ("R3", "Longhua 3rd Rd 306, Nanjing", 32.0602, 118.7900, "Nanjing"),
        ("R4", "Longhua Rd 306, Nanjing", 32.0600, 118.7902, "Nanjing"),
    ]
    places = _entities(resolve_entities({"addresses": _addresses(rows)}), "address")
    assert places["R1"] == places["R2"]
    assert len({places["R1"], places["R3"], places["R4"]}) == 3


def _random_addresses(count: int, seed: int) -> list[str]:
    """Texts built from every ASCII character and the words the reading treats apart: cities,
    provinces, abbreviations, apostrophes, runs of letters and digits joined ("2nd", "a1b2")."""
    rng = np.random.default_rng(seed)
    pieces = [
        *map(chr, range(128)),
        "Dongguan", "XI'AN", "haerbin", "Guangdong", "innermongolia", "Rd.", "st", "No.", "CITY",
        "2nd", "a1b2", "123", "0", "Industrial", "'", "  ", "\t", "\n", "\x1f", "Renmin", "lu",
    ]  # fmt: skip
    return ["".join(rng.choice(pieces, rng.integers(0, 12))) for _ in range(count)]


def test_addresses_read_a_column_at_a_time_have_the_parts_read_one_by_one():
    texts = [
        *_random_addresses(3000, seed=4),
        *HOSTILE_STRINGS,
        "东莞市工业路123号",  # not ASCII: read one by one
        "No. 5 Heping Rd, Xi\u2019an",
        "１２３ Industrial Rd",
        "Café 9 Rue Lepic",
        "Nanjing, Longhua 2nd Rd 306",
        "1st-3rd 4th,5thx 6TH 21st7 8nd",
        "",
    ]
    cities = ["", "Dongguan", "东莞", "nowhere", "xian", "Harbin"]
    given = [cities[i % len(cities)] for i in range(len(texts))]
    column = pd.Series([*texts, None], dtype="str")
    city_column = pd.Series([*given, None], dtype="str")
    number, road, city = address_columns(column, city_column)
    expected = [
        address_parts(t, c)
        for t, c in zip(column.astype(object), city_column.astype(object).fillna(""), strict=True)
    ]
    assert number.tolist() == [e.number for e in expected]
    assert road.tolist() == [e.road for e in expected]
    assert city.tolist() == [e.city for e in expected]
    # the check has teeth: cities, numbers and spelled-out words are all there
    assert {"Dongguan", "Harbin"} <= set(city.tolist()) and "street" in " ".join(road.tolist())
    assert sum(n != "" for n in number.tolist()) > 500


def test_company_names_in_four_forms_share_their_naming_words():
    forms = [name_parts(name) for _, name, _, _ in FACTORY]
    assert {p.core for p in forms} == {"henghua"}
    assert all(p.trade == {"leather", "goods"} for p in forms)
    assert name_parts("东莞恒华皮具有限公司").core == "henghua"  # no 市 between city and name
    assert name_parts("Manufacturing Co. #17").core == "17"


# ---- resolution --------------------------------------------------------------------------------
def test_the_warehouse_and_the_factory_are_one_entity_each_and_the_neighbour_stays_apart():
    resolution = resolve_entities(
        {"addresses": _addresses([*WAREHOUSE, NEIGHBOUR]), "organizations": _orgs(FACTORY)}
    )
    places = _entities(resolution, "address")
    assert {places[a] for a, *_ in WAREHOUSE} == {"A1"}
    assert places["A6"] == "A6"
    companies = _entities(resolution, "org")
    assert set(companies.values()) == {"O1"}
    assert resolution.aliases("org")["O1"] == "O2;O3;O4"


def test_every_merged_record_says_why_with_its_probability():
    resolution = resolve_entities({"addresses": _addresses([*WAREHOUSE, NEIGHBOUR])})
    rows = resolution.records.set_index("record_id")
    typo = rows.loc["A4"]
    assert typo["match_probability"] >= 0.9
    assert "house number equal" in typo["reasons"] and "jaro-winkler" in typo["reasons"]
    assert "m apart" in typo["reasons"] and typo["reasons"].startswith("matches A")
    assert "no coordinates on one" in rows.loc["A5", "reasons"]
    # alone: no probability, an empty reason
    assert rows.loc["A6", "reasons"] == "" and pd.isna(rows.loc["A6", "match_probability"])


def test_the_same_text_four_kilometres_away_is_another_place_even_through_a_record_without_coordinates():
    far = ("A9", "123 Industrial Rd, Dongguan", 23.06, 113.79, "Dongguan")
    resolution = resolve_entities({"addresses": _addresses([*WAREHOUSE, far])})
    places = _entities(resolution, "address")
    # A3 and A5 have no coordinates and match both; they still cannot join A1 and A9 together
    assert places["A9"] != places["A1"]


def test_companies_with_one_name_in_different_cities_stay_apart():
    addresses = _addresses([WAREHOUSE[0], ("B1", "No. 40 Renmin Rd, Putian", 25.45, 119.01, "Putian")])
    orgs = _orgs(
        [
            ("O1", "Henghua Leather Goods Factory", "factory", "A1"),
            ("O9", "Henghua Leather Goods Factory", "factory", "B1"),
        ]
    )
    companies = _entities(resolve_entities({"addresses": addresses, "organizations": orgs}), "org")
    assert companies["O1"] != companies["O9"]
    numbered = _orgs(
        [("O1", "Manufacturing Co. #17", "factory", "A1"), ("O2", "Manufacturing Co. #170", "factory", "A1")]
    )
    assert (
        len(
            set(
                _entities(
                    resolve_entities({"addresses": addresses, "organizations": numbered}), "org"
                ).values()
            )
        )
        == 2
    )


def test_entity_ids_do_not_depend_on_row_order():
    tables = {"addresses": _addresses([*WAREHOUSE, NEIGHBOUR]), "organizations": _orgs(FACTORY)}
    shuffled = {name: frame.sample(frac=1, random_state=3) for name, frame in tables.items()}
    first = resolve_entities(tables).records.sort_values("record_id", ignore_index=True)
    second = resolve_entities(shuffled).records.sort_values("record_id", ignore_index=True)
    pd.testing.assert_frame_equal(first[["record_id", "entity_id"]], second[["record_id", "entity_id"]])
    # the representative has coordinates: A1 (not A3 or A5, which have none)
    assert set(first.loc[first["record_kind"] == "address", "entity_id"]) == {"A1", "A6"}


def _decision(kind: str, a: str, b: str) -> dict:
    return {"decision_id": f"D-{a}-{b}", "kind": kind, "subject": a, "target": b, "withdrawn": False}


def test_a_cannot_link_splits_a_wrong_merge_and_a_must_link_joins_by_hand():
    tables = {"addresses": _addresses([*WAREHOUSE, NEIGHBOUR])}
    split = pd.DataFrame([_decision("different-entities", "A5", "A1")])
    places = _entities(resolve_entities(tables, decisions=split), "address")
    assert places["A5"] != places["A1"] and places["A2"] == places["A1"]
    joined = pd.DataFrame([_decision("same-entity", "A6", "A1")])
    resolution = resolve_entities(tables, decisions=joined)
    places = _entities(resolution, "address")
    assert places["A6"] == places["A1"]
    assert "joined by hand" in resolution.records.set_index("record_id").loc["A6", "reasons"]


def test_hostile_text_is_compared_as_text_and_merges_nothing():
    rows = [(f"H{i}", text, None, None, "") for i, text in enumerate(HOSTILE_STRINGS)]
    rows.append(("H99", "seller_id,kind,value\n=cmd|' /C calc'!A0", None, None, ""))
    resolution = resolve_entities(
        {
            "addresses": _addresses([*rows, *WAREHOUSE]),
            "organizations": _orgs([(r[0], r[1], "other", "") for r in rows]),
        }
    )
    hostile = resolution.records[resolution.records["record_id"].str.startswith("H")]
    assert (hostile["record_id"] == hostile["entity_id"]).all()


def test_one_address_written_for_thousands_of_shops_is_compared_in_a_window_and_stays_one_place():
    # 3,000 storefronts give one address and no coordinates: every pair would be 4.5 M
    # comparisons; each record meets its next BLOCK_WINDOW records of the block instead
    n = 3000
    rows = [(f"S{i:05d}", "No. 1 Main Street, Beijing", None, None, "Beijing") for i in range(n)]
    resolution = resolve_entities({"addresses": _addresses(rows)})
    assert resolution.compared["address"] == sum(n - step for step in range(1, BLOCK_WINDOW + 1))
    assert set(_entities(resolution, "address").values()) == {"S00000"}


@pytest.mark.parametrize("seed", [1, 2])
def test_address_candidates_rank_only_crowded_blocks_and_pair_as_a_rank_of_every_record_would(seed):
    # two crowded blocks (one number on roads of one prefix, in two cities) among small ones, some
    # records without coordinates or a city: the window follows road, latitude and longitude
    rng = np.random.default_rng(seed)
    n = 400
    records = pd.DataFrame(
        {
            "record_id": [f"A{i:03d}" for i in range(n)],
            "number": np.where(rng.random(n) < 0.3, "8", rng.integers(1, 60, n).astype(str)),
            "road": rng.choice(["industrial road", "industry street", "inner lane", "renmin road"], n),
            "city": rng.choice(["dongguan", "putian", ""], n, p=[0.45, 0.45, 0.1]),
            "lat": np.where(rng.random(n) < 0.1, np.nan, 23 + rng.integers(0, 3, n) / 100),
            "lon": 113 + rng.integers(0, 3, n) / 100,
        }
    )
    found = _address_candidates(records)
    keys = _address_keys(records)
    assert max(np.bincount(key[key >= 0]).max() for key in keys) > BLOCK_WINDOW + 1
    roads, _ = pd.factorize(records["road"], sort=True)
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((records["lon"].to_numpy(), records["lat"].to_numpy(), roads))] = np.arange(n)
    assert found.equals(_pairs(records, keys, rank))


def test_a_block_of_up_to_the_window_and_one_more_compares_every_pair():
    rows = [(f"B{i:02d}", "No. 7 Renmin Rd, Putian", None, None, "Putian") for i in range(BLOCK_WINDOW + 1)]
    resolution = resolve_entities({"addresses": _addresses(rows)})
    assert resolution.compared["address"] == (BLOCK_WINDOW + 1) * BLOCK_WINDOW // 2


def test_in_a_large_block_each_record_meets_its_nearest_in_the_blocks_order():
    # 40 records of one block and 3 of another; the order puts record 39 right after record 0;
    # the last record has the block's value but is not usable (no house number, say)
    n = 44
    keys = pd.Series(["road"] * 40 + ["other"] * 3 + ["road"])
    usable = np.arange(n) < 43
    order = np.r_[0, np.arange(2, 40), 1, 40, 41, 42, 43]
    blocks = _blocks({"key": keys}, usable)
    pairs = set(map(tuple, _pairs(pd.DataFrame(index=range(n)), [blocks], order).to_numpy().tolist()))
    rank = dict(enumerate(order.tolist()))
    expected = {
        (i, j)
        for i in range(n)
        for j in range(i + 1, n)
        if usable[j] and keys[i] == keys[j] and abs(rank[i] - rank[j]) <= BLOCK_WINDOW
    }
    assert pairs == expected and len(pairs) == 40 * BLOCK_WINDOW - BLOCK_WINDOW * (BLOCK_WINDOW + 1) // 2 + 3
    assert (0, 39) in pairs and (0, 16) not in pairs


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("ordered", [False, True])
def test_pairs_of_several_keys_come_once_where_a_key_first_found_them(seed, ordered):
    # small blocks (every pair) and large ones (a window) over three keys that overlap, the
    # records in their positions' order or in another (as addresses are, by road and place)
    rng = np.random.default_rng(seed)
    n = 300
    keys = [np.where(rng.random(n) < 0.1, -1, rng.integers(0, blocks, n)) for blocks in (40, 8, 120)]
    order = rng.permutation(n) if ordered else None
    rank = order if ordered else np.arange(n)
    found = _pairs(pd.DataFrame(index=range(n)), keys, order).to_numpy().tolist()
    expected, seen = [], set()
    for key in keys:
        of_key = set()
        for block in set(key[key >= 0].tolist()):
            members = sorted(np.flatnonzero(key == block).tolist(), key=lambda record: rank[record])
            for at, i in enumerate(members):
                of_key |= {(min(i, j), max(i, j)) for j in members[at + 1 : at + 1 + BLOCK_WINDOW]}
        new = sorted(of_key - seen)
        expected += [list(pair) for pair in new]
        seen |= of_key
    assert found == expected and len(found) > n


def _greedy_reference(n, pairs, threshold, must, cannot):
    """The constrained union as specified, slowly: by hand first, then strongest first; no join
    across an investigator's cannot-link, nor on a match across a pair judged different."""
    group = list(range(n))
    different = {(i, j) for i, j, p in pairs if p < 0.5}
    judged = different | {(j, i) for i, j in different}
    apart = set(cannot) | {(j, i) for i, j in cannot}
    strong = sorted(((p, i, j) for i, j, p in pairs if p >= threshold), key=lambda x: -x[0])
    for by_hand, (_, i, j) in [(True, (1.0, *pair)) for pair in must] + [(False, s) for s in strong]:
        gi, gj = group[i], group[j]
        if gi == gj:
            continue
        across = {(x, y) for x in range(n) if group[x] == gi for y in range(n) if group[y] == gj}
        if across & apart or (not by_hand and across & judged):
            continue
        group = [gi if g == gj else g for g in group]
    return group


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_records_join_strongest_first_and_never_across_a_pair_judged_different(seed):
    # many strong and weak pairs over few records: joins that a weak pair anywhere between the
    # two groups must stop, and investigators' links both ways
    rng = np.random.default_rng(seed)
    n = 40
    i, j = rng.integers(0, n, 400), rng.integers(0, n, 400)
    keep = i < j
    frame = pd.DataFrame({"i": i[keep], "j": j[keep]}).drop_duplicates(ignore_index=True)
    frame["probability"] = rng.choice([0.1, 0.3, 0.7, 0.92, 0.95, 0.99], len(frame))
    reasons = pd.Series("r", index=frame.index[frame["probability"] >= 0.9], dtype=object)
    must = [tuple(sorted(rng.choice(n, 2, replace=False).tolist())) for _ in range(3)]
    cannot = [tuple(sorted(rng.choice(n, 2, replace=False).tolist())) for _ in range(3)]
    ids = np.array([f"A{k:02d}" for k in range(n)])
    rep, _, _ = _clusters(ids, np.ones(n, dtype=bool), frame, reasons, 0.9, must, cannot)
    pairs = list(zip(frame["i"].tolist(), frame["j"].tolist(), frame["probability"].tolist(), strict=True))
    expected = _greedy_reference(n, pairs, 0.9, must, cannot)
    # the same partition (representatives differ in how they are chosen)
    assert pd.factorize(rep)[0].tolist() == pd.factorize(np.array(expected))[0].tolist()
    assert len(set(rep.tolist())) < n - 3  # records were joined


# ---- detection and tracing read entities ---------------------------------------------------------
# three storefronts, each shipping from its own record of one warehouse, a device and a phone in
# common; a
# fourth registered next door; a factory recorded twice that ships to them, and a smaller
# exclusive supplier that would rank first against either record alone
MARKET = {
    "sellers": "seller_id,status\nS1,active\nS2,active\nS3,active\nS4,active\n",
    "seller_links": "seller_id,kind,value,role\n"
    "S1,device,D1,login\nS2,device,D1,login\nS3,device,D1,login\n"
    "S1,phone,13800000001,contact\nS2,phone,13800000001,contact\nS3,phone,13800000001,contact\n"
    "S1,address,A1,ship_from\nS2,address,A2,ship_from\nS3,address,A5,ship_from\nS4,address,A6,registered\n",
    "addresses": "address_id,text,lat,lon,city,kind\n"
    '"A1","123 Industrial Rd, Dongguan",23.0200,113.7500,Dongguan,warehouse\n'
    '"A2","No. 123, Industrial Road, Dongguan City, Guangdong",23.0201,113.7502,,warehouse\n'
    "A5,东莞市工业路123号,,,,warehouse\n"
    '"A6","131 Industrial Rd, Dongguan",23.0236,113.7500,Dongguan,commercial\n'
    '"F1","9 Jinshan Ave, Dongguan",23.03,113.76,Dongguan,factory\n'
    "F2,东莞市金山大道9号,23.0301,113.7601,,factory\n"
    '"X1","77 Xingfu Rd, Putian",25.45,119.01,Putian,factory\n',
    "organizations": "org_id,name,kind,address_id\n"
    "O1,Henghua Leather Goods Factory,factory,F1\nO2,东莞市恒华皮具厂,factory,F2\n"
    "O9,Yongsheng Bags Factory,factory,X1\n",
    "shipments": "waybill,from_address_id,to_address_id,sender_kind,sender_id,"
    "recipient_kind,recipient_id,parcels\n"
    "W1,F1,A1,org,O1,seller,S1,30\nW2,F2,A2,org,O2,seller,S2,30\nW3,X1,A5,org,O9,seller,S3,40\n",
}


def _market(tmp_path) -> dict[str, pd.DataFrame]:
    return load_folder(write_folder(tmp_path, MARKET)).tables


@pytest.mark.parametrize("resolve", [True, False])
def test_sellers_shipping_from_records_of_one_warehouse_share_it(tmp_path, resolve):
    findings = detect_and_trace(_market(tmp_path), AnalysisSettings.load(resolve_entities=resolve))
    members = findings.members.set_index("seller_id")
    assert "S4" not in members.index  # the neighbour's seller is not pulled in
    if resolve:
        # the three records of the warehouse are one address, shared by the three storefronts
        assert all("address A1 (shared with 2" in members.loc[s, "evidence"] for s in ("S1", "S2", "S3"))
        # the evidence cites the line and the record it names
        assert "address A1 (shared with 2, seller_links.csv:9 as A2)" in members.loc["S2", "evidence"]
        assert set(findings.resolved.loc[findings.resolved["entity_id"] == "A1", "record_id"]) == {
            "A1",
            "A2",
            "A5",
        }
    else:
        assert not members["evidence"].str.contains("address").any()
        assert findings.resolved.empty


def test_goods_from_the_records_of_one_company_add_up_and_aliases_name_them(tmp_path):
    on = detect_and_trace(_market(tmp_path), AnalysisSettings.load()).upstream
    top = on.sort_values("rank").iloc[0]
    # O1 and O2 are one factory: 60 parcels against the side supplier's 40
    assert (top["entity_id"], top["aliases"]) == ("O1", "O2")
    off = detect_and_trace(_market(tmp_path), AnalysisSettings.load(resolve_entities=False)).upstream
    assert off.sort_values("rank").iloc[0]["entity_id"] == "O9"


def test_a_must_link_overrides_the_models_judgement_but_not_another_investigators_cannot_link():
    # the same text four kilometres away: compared, and judged another place
    far = ("A9", "123 Industrial Rd, Dongguan", 23.06, 113.79, "Dongguan")
    tables = {"addresses": _addresses([WAREHOUSE[0], far])}
    assert len(set(_entities(resolve_entities(tables), "address").values())) == 2
    joined = pd.DataFrame([_decision("same-entity", "A9", "A1")])
    assert len(set(_entities(resolve_entities(tables, decisions=joined), "address").values())) == 1
    both = pd.DataFrame([_decision("different-entities", "A9", "A1"), _decision("same-entity", "A9", "A1")])
    assert len(set(_entities(resolve_entities(tables, decisions=both), "address").values())) == 2


def test_the_summary_counts_records_entities_and_merged_records_per_kind():
    """Two address records one place, a third apart, and a company whose id reads like a place's:
    each kind is counted on its own."""
    records = pd.DataFrame(
        {
            "record_kind": ["address", "address", "org", "address", "org"],
            "record_id": ["A1", "A2", "O1", "A3", "O2"],
            "entity_id": ["A1", "A1", "A3", "A3", "O2"],
            "match_probability": [None, 0.97, None, None, None],
            "reasons": ["", "road 0.98", "", "", ""],
        },
        dtype=object,
    )
    assert Resolution(records).summary() == {
        "address": {"records": 3, "entities": 2, "records_merged": 2},
        "org": {"records": 2, "entities": 2, "records_merged": 0},
    }
