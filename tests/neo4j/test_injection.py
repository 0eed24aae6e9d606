"""Names are data, never code: hostile column names reach a real Neo4j as data, nothing runs."""

from __future__ import annotations

import os

import pytest

from tests.conftest import run_workbench, write_folder
from workbench.store.neo4j_store import open_neo4j

# the header that deleted every Address node before: Neo4j reads \u0060 in a quoted name as `
DELETE_ADDRESSES = "x\\u0060: 1}) WITH 1 AS y CALL { MATCH (z:Address) DETACH DELETE z } RETURN 1 //"
# escapes and quote characters Neo4j's lexer knows, plus look-alikes, plus a plain Chinese name
SWEEP = [
    "a`b",
    "a``b",
    "a\\u0060b",
    "a\\U00000060b",
    "a\\`b",
    "a\\\\u0060b",
    "a'b",
    'a"b',
    "a\uff40b",  # fullwidth grave accent
    "a\u02cbb",  # modifier grave
    "a b",
    "a\\nb",
    "a$b",
    "a}b",
    "1abc",
    "联系电话",
]


def _market(root, column: str):
    quoted = '"' + column.replace('"', '""') + '"'
    return write_folder(
        root,
        {
            "addresses": "address_id,text,city,province,kind\nA1,深圳市南山区,深圳,广东,residential\n"
            "A2,东莞市工业路123号,东莞,广东,warehouse\n",
            "sellers": f"seller_id,shop_name,{quoted}\nS1,王氏旗舰店,payload-1\nS2,李记,payload-2\n",
            "seller_links": "seller_id,kind,value,role\nS1,address,A1,registered\nS2,address,A2,ship_from\n",
        },
    )


@pytest.mark.parametrize("column", [DELETE_ADDRESSES, *SWEEP])
def test_a_hostile_column_name_is_stored_as_data_and_runs_nothing(neo4j_store, neo4j_uri, tmp_path, column):
    data = _market(tmp_path / "data", column)
    env = {**os.environ, "NEO4J_URI": neo4j_uri}
    done = run_workbench("load", str(data), "--neo4j", neo4j_uri, env=env)
    assert done.returncode == 0, done.stderr
    store = open_neo4j(neo4j_uri)
    try:
        counts = store.graph_counts()
        assert counts["Address"] == 2 and counts["Seller"] == 2  # nothing deleted, nothing extra
        sellers = store.table("sellers").set_index("seller_id")
        renamed = store.meta()["input"]["renamed_columns"].get("sellers", {})
        stored = next((safe for safe, original in renamed.items() if original == column), column)
        assert sellers.loc["S1", stored] == "payload-1"  # the values are kept, under a safe name
        if stored != column:
            assert stored.startswith("extra_")
        keys = store.run("MATCH (s:Seller {seller_id: 'S1'}) RETURN keys(s) AS k")[0]["k"]
        assert stored in keys and all("`" not in k and "\\" not in k for k in keys)
    finally:
        store.close()


def test_a_packets_cypher_script_recreates_the_ring_and_hostile_names_stay_data(neo4j_store, tmp_path):
    """The packet's ring.cypher, run statement by statement on an empty Neo4j, gives the case
    graph's nodes and links; a shop name written to end the string and delete nodes is stored as
    written."""
    import networkx as nx
    import pandas as pd

    from workbench.leads.packet import build_lead_packet
    from workbench.pipeline import analyze
    from workbench.store import MemoryStore
    from workbench.synth.generator import generate_marketplace

    generate_marketplace(tmp_path / "data", sellers=800, rings=6, seed=45)
    hostile = "x\\u0060 '}) MATCH (n) DETACH DELETE n // \\' \" 联系"
    sellers = pd.read_csv(tmp_path / "data" / "sellers.csv", dtype=str, keep_default_na=False)
    planted = pd.read_csv(tmp_path / "data" / "truth" / "rings.csv", dtype=str)
    core = planted.loc[planted["standing"] == "core", "seller_id"]
    sellers.loc[sellers["seller_id"].isin(core), "shop_name"] = hostile
    sellers.to_csv(tmp_path / "data" / "sellers.csv", index=False)
    with MemoryStore(tmp_path / "store") as store:
        analyze(tmp_path / "data", tmp_path / "out", store)
    store = MemoryStore(tmp_path / "store")
    ring_id = store.rings()["ring_id"].value_counts().index[0]
    built = build_lead_packet(store, ring_id, tmp_path / "packet")
    graph = nx.read_graphml(built.folder / "exports" / "ring.graphml")
    script = (built.folder / "exports" / "ring.cypher").read_text().splitlines()
    for statement in (line for line in script if line and not line.startswith("//")):
        neo4j_store.run(statement.rstrip(";"))
    nodes = neo4j_store.run("MATCH (n) RETURN count(n) AS n")[0]["n"]
    links = neo4j_store.run("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    assert (nodes, links) == (graph.number_of_nodes(), graph.number_of_edges())
    names = [r["name"] for r in neo4j_store.run("MATCH (s:Seller) RETURN s.name AS name")]
    assert hostile in names
