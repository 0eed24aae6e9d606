"""Hostile strings from the data show as text in every view; the explorer caps expansion at 25."""

from __future__ import annotations

import json
import re

import pandas as pd

from tests.conftest import write_folder
from workbench.app.common import store_version
from workbench.app.data import NetworkIndex, network_index
from workbench.app.network import EXPAND_CAP, ExplorerGraph, click_expansions, expand, ring_graph, to_html
from workbench.app.pages.ring_map import ring_map_html
from workbench.app.testing import page_test
from workbench.pipeline import analyze
from workbench.store import MemoryStore

SCRIPT = "<script>alert('x')</script>"


def _hostile_store(tmp_path) -> MemoryStore:
    data = write_folder(
        tmp_path / "hostile",
        {
            "addresses": """\
                address_id,text,lat,lon,city,province,country,kind
                A1,"<img src=x onerror=alert(1)>",23.1,113.3,Guangzhou,Guangdong,CN,residential
                A2,Warehouse 2,23.2,113.4,Guangzhou,Guangdong,CN,warehouse
                """,
            "sellers": f"""\
                seller_id,shop_name,platform,status
                S1,"{SCRIPT}",tmall,active
                S2,"</script><script>alert(2)</script>",tmall,banned
                S3,plain shop,taobao,active
                """,
            "seller_links": """\
                seller_id,kind,value,role
                S1,person_id,110101198001010011,registered
                S2,person_id,110101198001010011,registered
                S1,bank_account,6222 0200 0000 0001,payout
                S2,bank_account,6222-0200-0000-0001,payout
                S3,bank_account,6222020000000001,payout
                S1,address,A1,registered
                S2,address,A2,ship_from
                """,
        },
    )
    store = MemoryStore(tmp_path / "store")
    analyze(data, tmp_path / "out", store)
    return store


def _script_payloads(page: str) -> list[str]:
    """Every script element's text, as a browser's HTML parser would split them."""
    return re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S)


def test_hostile_shop_names_are_text_in_the_network_map_and_tables(tmp_path, monkeypatch):
    store = _hostile_store(tmp_path)
    rings = store.rings()
    assert set(rings["seller_id"]) >= {"S1", "S2"}
    ring_id = rings.loc[rings["seller_id"] == "S1", "ring_id"].iloc[0]
    members = sorted(rings.loc[rings["ring_id"] == ring_id, "seller_id"])

    page = to_html(ring_graph(network_index(str(store.path), store_version(store)), members, ring_id))
    # no element is injected: the names never appear raw, only JSON-escaped inside the data
    assert SCRIPT not in page and "<script>alert(2)" not in page
    assert not any("alert('x')" in s and "vis.DataSet" not in s for s in _script_payloads(page))
    data = re.search(r"nodes = new vis.DataSet\((\[.*?\])\);", page, flags=re.S).group(1)
    nodes = json.loads(data)
    labels = " ".join(n["label"] for n in nodes)
    assert SCRIPT[:20] in labels  # shown as the text it is
    titles = " ".join(n["title"] for n in nodes)
    assert "&lt;script&gt;" in titles and "<script" not in titles

    places = pd.DataFrame(
        [
            {
                "role": "storefront",
                "entity": SCRIPT,
                "address_id": "A1",
                "text": "<img src=x onerror=alert(1)>",
                "city": "Guangzhou",
                "province": "Guangdong",
                "lat": 23.1,
                "lon": 113.3,
                "kind": "residential",
            }
        ]
    )
    fmap = ring_map_html(places, pd.DataFrame(columns=["from_address_id", "to_address_id", "parcels"]))
    assert SCRIPT not in fmap and "<img src=x" not in fmap
    assert "&lt;script&gt;" in fmap

    monkeypatch.setenv("WORKBENCH_STORE", str(store.path))
    at = page_test("rings", timeout=60).run()
    assert not at.exception
    # the hostile ring is small and cheap: outside the default queue, one click away
    assert any("untick the filters" in w.value for w in at.warning)
    for box in ("Flagged only", "Goods value"):
        next(c for c in at.checkbox if c.label.startswith(box)).uncheck().run()
    members_table = next(d.value for d in at.dataframe if "shop_name" in d.value.columns)
    assert SCRIPT in set(members_table["shop_name"])  # a table cell holds it as plain text


def test_expansion_is_capped_with_and_n_more():
    index = NetworkIndex()
    sellers = [f"S{i:03d}" for i in range(60)]
    index.owners_of[("phone", "8613800000000")] = sellers
    for s in sellers:
        index.identifiers_of[s] = [("phone", "8613800000000", "seller_links.csv:2")]
        index.shop_names[s] = s
    graph = ExplorerGraph()
    node = graph.add_identifier(index, "phone", "8613800000000")
    assert graph.nodes[node]["kind"] == "hub"  # 60 sellers: collapsed until expanded
    hidden = expand(graph, index, node)
    assert hidden == 60 - EXPAND_CAP
    assert sum(1 for n in graph.nodes if n.startswith("seller:")) == EXPAND_CAP
    assert graph.nodes[f"more:{node}"]["label"] == f"and {60 - EXPAND_CAP} more"


def test_a_click_expands_in_place_with_what_the_server_computed_and_hostile_names_stay_data():
    index = NetworkIndex()
    index.owners_of[("phone", "8613800000001")] = ["S1", "S2", "S3"]
    for s in ("S1", "S2", "S3"):
        index.identifiers_of[s] = [("phone", "8613800000001", "seller_links.csv:2")]
        index.shop_names[s] = SCRIPT if s == "S3" else s
    graph = ExplorerGraph()
    graph.edges.add((graph.add_seller(index, "S1"), graph.add_identifier(index, "phone", "8613800000001")))
    clicks = click_expansions(graph, index)
    # a click on the phone adds S2 and S3 (S1 is drawn); a click on S1 adds nothing new
    assert set(clicks) == {"phone:8613800000001"}
    assert set(clicks["phone:8613800000001"].nodes) == {"seller:S2", "seller:S3"}
    page = to_html(graph, expansions=clicks)
    payload = json.loads(re.search(r"var EXPAND = (.*);\n", page).group(1))
    assert {n["id"] for n in payload["phone:8613800000001"]["nodes"]} == {"seller:S2", "seller:S3"}
    assert "</script><script>" not in page.split("var EXPAND")[1].split("network.on")[0]
    assert 'network.on("click"' in page


def test_a_kind_looks_the_same_in_the_app_and_in_the_packet():
    from workbench.leads import images
    from workbench.palette import style

    page = to_html(ring_graph(_one_ring_index(), ["S1", "S2"], "R-1"))
    assert style("ring_member").colour in page and style("phone").colour in page
    assert images._ROLE_STYLE["storefront"][0] == style("ring_member").colour
    assert images._LABEL_KIND["Seller"] == "ring_member" and images._LABEL_KIND["Phone"] == "phone"


def _one_ring_index() -> NetworkIndex:
    index = NetworkIndex()
    index.owners_of[("phone", "8613800000001")] = ["S1", "S2"]
    for s in ("S1", "S2"):
        index.identifiers_of[s] = [("phone", "8613800000001", "seller_links.csv:2")]
        index.shop_names[s] = s
        index.ring_of[s] = "R-1"
    return index


def test_a_big_graph_is_laid_out_on_the_server_and_drawn_without_physics():
    from workbench.app.network import PHYSICS_NODES

    graph = ExplorerGraph()
    for i in range(PHYSICS_NODES + 50):
        graph.nodes[f"seller:S{i}"] = {"label": f"S{i}", "kind": "ring_member", "title": "t"}
        graph.nodes[f"phone:{i // 3}"] = {"label": "p", "kind": "phone", "title": "t"}
        graph.edges.add((f"seller:S{i}", f"phone:{i // 3}"))
    page = to_html(graph)
    nodes = json.loads(re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);", page, re.S).group(1))
    assert all("x" in n and "y" in n for n in nodes)  # positions from igraph
    assert len({(round(n["x"]), round(n["y"])) for n in nodes}) > len(nodes) * 0.9  # spread out
    options = page[page.rfind("var options = ") :]
    assert re.search(r'"physics": \{\s*"enabled": false', options)
    small = to_html(ring_graph(_one_ring_index(), ["S1", "S2"], "R-1"))
    assert '"x":' not in small.split("new vis.DataSet(")[1][:500]  # small graphs keep physics


def _wide_ring(members: int = 30, phones_each: int = 2) -> tuple[NetworkIndex, list[str]]:
    """A ring whose members pair up on many phones (more than the view folds) and all share one
    device."""
    index = NetworkIndex()
    sellers = [f"S{i:03d}" for i in range(members)]
    for i, s in enumerate(sellers):
        index.shop_names[s] = f"shop {i}"
        index.ring_of[s] = "R-1"
        index.identifiers_of[s] = [("device", "dev-1", "seller_links.csv:1")]
        for k in range(phones_each):
            phone = f"86138{(i // 2) * phones_each + k:08d}"
            index.identifiers_of[s].append(("phone", phone, "seller_links.csv:2"))
            index.owners_of.setdefault(("phone", phone), []).append(s)
    index.owners_of[("device", "dev-1")] = sellers
    return index, sellers


def test_many_identifiers_of_one_kind_fold_into_one_node_that_a_click_unfolds():
    from workbench.app.network import COLLAPSE_AT, collapsed

    index, sellers = _wide_ring()
    graph = ring_graph(index, sellers, "R-1")
    phones = [n for n in graph.nodes if n.startswith("phone:")]
    assert len(phones) == 30 > COLLAPSE_AT
    shown, groups = collapsed(graph)
    assert "group:phone" in shown.nodes and not any(n.startswith("phone:") for n in shown.nodes)
    assert "device:dev-1" in shown.nodes  # one device: nothing to fold
    assert shown.nodes["group:phone"]["label"].startswith("phone ×30")
    # every member that used one of the phones is tied to the group; a click gives back every phone
    assert {a for a, b in shown.edges if b == "group:phone"} == {f"seller:{s}" for s in sellers}
    assert set(groups["group:phone"].nodes) == set(phones)
    assert groups["group:phone"].edges == {e for e in graph.edges if e[1] in phones or e[0] in phones}
    page = to_html(shown, expansions=groups)
    assert "nodes.remove(id)" in page and '"group:phone"' in page
    small, none = collapsed(ring_graph(_one_ring_index(), ["S1", "S2"], "R-1"))
    assert none == {} and "group:phone" not in small.nodes


def test_focus_mode_keeps_a_member_and_its_two_hops():
    from workbench.app.network import focused

    index, sellers = _wide_ring(members=10, phones_each=1)
    index.identifiers_of = {s: [i for i in ids if i[0] == "phone"] for s, ids in index.identifiers_of.items()}
    del index.owners_of[("device", "dev-1")]
    graph = ring_graph(index, sellers, "R-1")
    near = focused(graph, "seller:S000")
    # S000 shares its phone with S001 only: the member, its phone and its partner
    assert set(near.nodes) == {"seller:S000", "seller:S001", "phone:8613800000000"}
    assert near.edges <= graph.edges and len(near.edges) == 2


def test_what_the_explorer_draws_as_a_hub_follows_the_analysis_caps():
    """The degree cap comes from the settings the rings were found with, not a copy in the app: a
    phone used by three sellers is a hub under a cap of 2 and an ordinary phone under the default."""
    from workbench.analytics.settings import AnalysisSettings

    def index_with(settings: AnalysisSettings) -> NetworkIndex:
        index = NetworkIndex(settings=settings)
        index.owners_of[("phone", "8613800000009")] = ["S1", "S2", "S3"]
        for s in ("S1", "S2", "S3"):
            index.identifiers_of[s] = [("phone", "8613800000009", "seller_links.csv:2")]
        return index

    packaged = AnalysisSettings.load()
    tight = AnalysisSettings(**{**packaged.as_dict(), "max_degree": {"default": 40, "phone": 2}})
    drawn = {
        name: ring_graph(index_with(settings), ["S1", "S2", "S3"], "R1").nodes["phone:8613800000009"]["kind"]
        for name, settings in (("packaged", packaged), ("tight", tight))
    }
    assert drawn == {"packaged": "phone", "tight": "hub"}


def test_folded_groups_tied_to_the_same_members_are_drawn_apart_so_each_takes_its_click():
    from workbench.app.network import TWIN_GAP, collapsed, server_layout

    index, sellers = _wide_ring(members=60, phones_each=1)
    for i, s in enumerate(sellers):  # each member also pays out to its own account: two folded kinds
        account = f"6222{i:012d}"
        index.identifiers_of[s].append(("bank_account", account, "seller_links.csv:3"))
        index.owners_of[("bank_account", account)] = [s, sellers[(i + 1) % len(sellers)]]
    shown, groups = collapsed(ring_graph(index, sellers, "R-1"))
    assert {"group:phone", "group:bank_account"} <= set(groups)
    at = server_layout(shown)
    (px, py), (bx, by) = at["group:phone"], at["group:bank_account"]
    assert ((px - bx) ** 2 + (py - by) ** 2) ** 0.5 >= TWIN_GAP - 1e-6
