"""The Neo4j store against a real Neo4j server: loading, idempotency, constraints, hostile strings,
interrupted loads, named-query parity with the embedded store, ring write-back and clear failures."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from neo4j.exceptions import ConstraintError

from graph_loaders import load_folder
from tests.conftest import run_workbench, write_folder
from workbench.errors import WorkbenchError
from workbench.model import NODE_KINDS, RELATIONSHIP_TYPES
from workbench.pipeline import analyze
from workbench.store import MemoryStore
from workbench.store.local_neo4j import free_port, start
from workbench.store.named_queries import NamedQueries
from workbench.store.neo4j_store import Neo4jStore, open_neo4j
from workbench.synth.generator import generate_marketplace


@pytest.fixture(scope="module")
def small_market(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("neo4j_market")
    generate_marketplace(out, sellers=800, rings=8, seed=21)
    return out


def _link_relationships(counts: dict[str, int]) -> int:
    return sum(v for k, v in counts.items() if k.startswith("HAS_"))


# tiny batches make every link kind run many batches in the two parallel write sessions
@pytest.mark.parametrize("batch_size", [10_000, 97])
def test_load_reads_back_every_table_and_reload_changes_nothing(neo4j_store, small_market, batch_size):
    neo4j_store.batch_size = batch_size
    loaded = load_folder(small_market)
    written = neo4j_store.load(loaded)
    first = neo4j_store.graph_counts()

    for name, table in loaded.tables.items():
        # the loader holds a column of few values as codes; every store keeps its text
        coded = {c: "str" for c, t in table.dtypes.items() if isinstance(t, pd.CategoricalDtype)}
        pd.testing.assert_frame_equal(
            table.astype(coded).reset_index(drop=True), neo4j_store.table(name), check_dtype=False, obj=name
        )
    assert first["Seller"] == written["sellers"] == loaded.tables["sellers"]["seller_id"].nunique()
    links = loaded.tables["seller_links"]
    org_links = loaded.tables["org_links"]
    assert _link_relationships(first) == len(links) + len(org_links)
    assert first["PAID"] == len(loaded.tables["payments"])
    # every link relationship carries the file:line it was read from
    missing = neo4j_store.run("MATCH ()-[r:HAS_PHONE]->() WHERE r.provenance IS NULL RETURN count(r) AS n")
    assert missing[0]["n"] == 0

    neo4j_store.load(load_folder(small_market))
    assert neo4j_store.graph_counts() == first


def test_links_to_sellers_the_store_lacks_are_refused_not_dropped(neo4j_store, small_market):
    loaded = load_folder(small_market)
    loaded.files = {"seller_links": loaded.files["seller_links"]}
    with pytest.raises(WorkbenchError, match=r"seller_links: \d+ rows name a Seller the store does not hold"):
        neo4j_store.load(loaded)
    assert _link_relationships(neo4j_store.graph_counts()) == 0


def test_every_node_key_has_a_uniqueness_constraint(neo4j_store):
    constraints = {
        (c["labelsOrTypes"][0], c["properties"][0])
        for c in neo4j_store.constraints()
        if c["type"] == "UNIQUENESS"
    }
    assert {(label, kind.key) for label, kind in NODE_KINDS.items()} <= constraints
    neo4j_store.run("CREATE (:Seller {seller_id: 'S1'})")
    with pytest.raises(ConstraintError):
        neo4j_store.run("CREATE (:Seller {seller_id: 'S1'})")


HOSTILE = "'}) DETACH DELETE n //"
SCRIPT = "<script>alert('x')</script>"


def test_hostile_strings_are_stored_verbatim(neo4j_store, tmp_path):
    data = write_folder(
        tmp_path / "hostile",
        {
            "sellers": f"""\
                seller_id,shop_name,platform
                S1,"{HOSTILE}",tmall
                S2,"{SCRIPT}",tmall
                S3,"back`tick",taobao
                """,
            "seller_links": """\
                seller_id,kind,value
                S1,email,a'b@x.com
                S2,email,a'b@x.com
                S3,device,"dev`ice"
                """,
        },
    )
    neo4j_store.load(load_folder(data))
    sellers = neo4j_store.table("sellers").set_index("seller_id")
    assert sellers.loc["S1", "shop_name"] == HOSTILE
    assert sellers.loc["S2", "shop_name"] == SCRIPT
    assert sellers.loc["S3", "shop_name"] == "back`tick"
    counts = neo4j_store.graph_counts()
    assert counts["Seller"] == 3 and counts["HAS_EMAIL"] == 2 and counts["Email"] == 1
    shared = neo4j_store.query("sellers_sharing_identifier", kind="email", value="a'b@x.com")
    assert shared["seller_id"].tolist() == ["S1", "S2"]


def test_interrupted_load_can_be_rerun_to_the_same_counts(neo4j_store, small_market, tmp_path):
    loaded = load_folder(small_market)
    neo4j_store.load(loaded)
    expected = neo4j_store.graph_counts()

    server = start(tmp_path / "db", free_port(), heap="1g", page_cache_mb=256, password="s3cret-pw")
    try:
        with pytest.raises(WorkbenchError, match="refused the credentials"):
            Neo4jStore(server.uri, "neo4j", "wrong-password")
        store = Neo4jStore(server.uri, "neo4j", "s3cret-pw", batch_size=500)
        failure: list[Exception] = []

        def load_until_stopped():
            try:
                store.load(loaded)
            except Exception as exc:  # the server goes away mid-load
                failure.append(exc)

        loader = threading.Thread(target=load_until_stopped)
        loader.start()
        watcher = Neo4jStore(server.uri, "neo4j", "s3cret-pw")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if _link_relationships(watcher.graph_counts()) > 1000:
                break
            time.sleep(0.2)
        watcher.close()
        server.stop()
        loader.join(120)
        assert failure, "the load should have been cut off by the server stopping"
        store.close()

        server = start(tmp_path / "db", free_port(), heap="1g", page_cache_mb=256, password="s3cret-pw")
        resumed = Neo4jStore(server.uri, "neo4j", "s3cret-pw")
        partial = _link_relationships(resumed.graph_counts())
        assert 0 < partial < _link_relationships(expected)
        resumed.load(loaded)
        assert resumed.graph_counts() == expected
        resumed.close()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def both_stores(neo4j_uri, small_market, tmp_path_factory):
    """The same marketplace analysed into the embedded store and into Neo4j."""
    out = tmp_path_factory.mktemp("parity")
    memory = MemoryStore(out / "store")
    analyze(small_market, out / "memory_out", memory)
    neo4j = open_neo4j(neo4j_uri)
    neo4j.wipe()
    analyze(small_market, out / "neo4j_out", neo4j)
    yield memory, neo4j, out
    neo4j.close()


def _parameters(store: MemoryStore) -> dict[str, dict]:
    """Parameters for every named query, chosen from the data so that the answers are not empty."""
    rings = store.rings()
    ring_id = rings["ring_id"].value_counts().index[0]
    members = sorted(rings.loc[rings["ring_id"] == ring_id, "seller_id"])
    links = store.table("seller_links")
    shared = links.groupby(["kind", "value"])["seller_id"].nunique()
    kind, value = shared[shared >= 2].index[0]
    return {
        "seller_neighbourhood": {"seller_id": members[0], "depth": 3},
        "sellers_sharing_identifier": {"kind": kind, "value": value},
        "ring_identifiers": {"ring_id": ring_id},
        "shortest_connection": {"from_seller": members[0], "to_seller": members[-1], "max_sellers": 40},
        "ring_flows": {"ring_id": ring_id},
        "membership_evidence": {"ring_id": ring_id, "seller_id": members[0]},
        "community_projection": {"max_sellers": 40},
        "ring_members": {"ring_id": ring_id},
    }


def test_named_queries_answer_alike_on_both_stores(both_stores):
    memory, neo4j, _ = both_stores
    parameters = _parameters(memory)
    assert set(parameters) == set(NamedQueries.all()), "every named query needs a parity case"
    for name, params in parameters.items():
        expected, got = memory.query(name, **params), neo4j.query(name, **params)
        assert len(expected), f"{name}: the embedded store found nothing to compare"
        if name == "shortest_connection":
            # several shortest paths can exist: same length, and each a real path
            assert got["hops"].tolist() == expected["hops"].tolist()
            _assert_is_path(memory, got["path"].iloc[0])
            continue
        pd.testing.assert_frame_equal(expected, got, check_dtype=False, obj=name)


def _assert_is_path(store: MemoryStore, path: list[str]) -> None:
    links = store.table("seller_links")
    pairs = {(f"Seller:{s}", v) for s, v in zip(links["seller_id"], links["value"], strict=True)}
    for a, b in zip(path, path[1:], strict=False):
        seller, other = (a, b) if a.startswith("Seller:") else (b, a)
        assert (seller, other.split(":", 1)[1]) in pairs, f"{a} - {b} is not a link"


def test_rings_are_written_back_as_member_of(both_stores):
    memory, neo4j, out = both_stores
    rings = memory.rings()
    back = neo4j.run(
        "MATCH (s:Seller)-[:MEMBER_OF]->(r:Ring) "
        "RETURN count(s) AS members, count(DISTINCT r) AS rings, "
        "min(r.method) AS method, count(r.detected_at) AS dated"
    )[0]
    assert back == {
        "members": len(rings),
        "rings": rings["ring_id"].nunique(),
        "method": "leiden",
        "dated": len(rings),
    }
    pd.testing.assert_frame_equal(neo4j.rings(), memory.rings(), check_dtype=False)
    # the batch contract's files are the same whichever store ran
    for name in ("rings.csv", "upstream.csv"):
        assert (out / "neo4j_out" / name).read_text() == (out / "memory_out" / name).read_text()


def test_the_models_graph_is_the_same_on_both_stores(both_stores):
    """The embedded store derives its graph from the model's declaration; Neo4j counts what it
    holds: the same nodes per label and relationships per type, rings and sources included."""
    memory, neo4j, _ = both_stores
    declared = set(NODE_KINDS) | RELATIONSHIP_TYPES
    in_neo4j = {name: n for name, n in neo4j.graph_counts().items() if name in declared}
    embedded = memory.graph_counts()
    assert embedded == in_neo4j
    assert {"Seller", "Phone", "HAS_PHONE", "PAID", "SHIPPED", "MEMBER_OF", "SOURCED_FROM"} <= set(embedded)


def test_entities_resolve_alike_on_both_stores(neo4j_uri, tmp_path):
    """Entity resolution reads what each store holds: the same entities, aliases and reasons."""
    market = tmp_path / "market"
    generate_marketplace(market, sellers=800, rings=8, seed=23, scenario="split-source")
    memory = MemoryStore(tmp_path / "store")
    analyze(market, tmp_path / "memory_out", memory)
    neo4j = open_neo4j(neo4j_uri)
    try:
        neo4j.wipe()
        analyze(market, tmp_path / "neo4j_out", neo4j)
        for name in ("resolved.csv", "upstream.csv"):
            assert (tmp_path / "neo4j_out" / name).read_text() == (tmp_path / "memory_out" / name).read_text()
        resolved = neo4j.result("resolved")
        assert (resolved["record_id"] != resolved["entity_id"]).sum() > 0, "the scenario plants duplicates"
        pd.testing.assert_frame_equal(resolved, memory.result("resolved"), check_dtype=False)
        upstream = pd.read_csv(tmp_path / "neo4j_out" / "upstream.csv", dtype=str).fillna("")
        assert (upstream["aliases"] != "").any()
    finally:
        neo4j.wipe()  # this market is not the one the later tests load
        neo4j.close()


def test_cli_analyze_on_neo4j_gives_the_embedded_rings(neo4j_uri, small_market, tmp_path):
    embedded = run_workbench("analyze", str(small_market), "--out", str(tmp_path / "a"))
    on_neo4j = run_workbench("analyze", str(small_market), "--out", str(tmp_path / "b"), "--neo4j", neo4j_uri)
    assert embedded.returncode == 0 and on_neo4j.returncode == 0, on_neo4j.stderr
    assert (tmp_path / "a" / "rings.csv").read_text() == (tmp_path / "b" / "rings.csv").read_text()


def test_unreachable_server_names_the_uri_and_the_way_to_start_one(tmp_path):
    uri = f"bolt://127.0.0.1:{free_port()}"
    with pytest.raises(WorkbenchError, match="make neo4j-up") as caught:
        Neo4jStore(uri)
    assert uri in str(caught.value)
    result = run_workbench("analyze", str(tmp_path), "--out", str(tmp_path / "o"), "--neo4j", uri)
    assert result.returncode == 2
    assert uri in result.stderr and "Traceback" not in result.stderr


def test_password_is_never_in_the_store_repr(neo4j_uri):
    store = Neo4jStore(neo4j_uri, "neo4j", None)
    assert "password" not in repr(store)
    store.close()


def test_graph_data_science_and_apoc_run_in_the_local_server(neo4j_store, small_market):
    """GDS weakly connected components over sellers and identifiers, against networkx on the same links."""
    import networkx as nx

    neo4j_store.load(load_folder(small_market))
    assert neo4j_store.run("RETURN apoc.text.join(['a', 'b'], '-') AS s")[0]["s"] == "a-b"
    neo4j_store.run(
        "MATCH (s:Seller)-[r:HAS_PHONE|HAS_PERSON_ID]->(i) "
        "WITH gds.graph.project('links', s, i, {}, {undirectedRelationshipTypes: ['*']}) AS g "
        "RETURN g.graphName"
    )
    try:
        rows = neo4j_store.run(
            "CALL gds.wcc.stream('links') YIELD nodeId, componentId "
            "WITH gds.util.asNode(nodeId) AS n, componentId WHERE n:Seller "
            "RETURN count(DISTINCT componentId) AS components"
        )
    finally:
        neo4j_store.run("CALL gds.graph.drop('links') YIELD graphName RETURN graphName")
    links = neo4j_store.table("seller_links")
    strong = links[links["kind"].isin(["phone", "person_id"])]
    graph = nx.Graph()
    graph.add_edges_from(zip("S:" + strong["seller_id"], strong["kind"] + ":" + strong["value"], strict=True))
    expected = sum(1 for c in nx.connected_components(graph) if any(n.startswith("S:") for n in c))
    assert rows[0]["components"] == expected


def test_app_pages_run_on_the_neo4j_store(neo4j_store, neo4j_uri, small_market, tmp_path, monkeypatch):
    """The app on WORKBENCH_NEO4J_URI shows what the embedded store shows."""
    import streamlit as st

    from workbench.app.common import store_at
    from workbench.app.testing import page_test

    memory = MemoryStore(tmp_path / "store")
    analyze(small_market, tmp_path / "memory_out", memory)
    analyze(small_market, tmp_path / "neo4j_out", neo4j_store)
    store_at.clear()  # stores opened by earlier tests in this process
    st.cache_data.clear()
    monkeypatch.delenv("WORKBENCH_STORE", raising=False)
    monkeypatch.setenv("WORKBENCH_NEO4J_URI", neo4j_uri)
    for page in ("overview", "rings", "network"):
        at = page_test(page, timeout=180).run()
        assert not at.exception, page
        rings = memory.rings()
        if page == "overview":
            metrics = {m.label: m.value for m in at.metric}
            assert (
                metrics["Flagged rings"] == f"{rings.loc[rings['ring_score'] >= 0.5, 'ring_id'].nunique():,}"
            )
            assert metrics["Sellers"] == f"{len(memory.table('sellers')):,}"
        if page == "rings":
            scores = memory.result("ring_scores")
            queue = scores[(scores["ring_score"] >= 0.5) & scores["over_referral_threshold"].astype(bool)]
            # the queue below the ring's card (the card's member table comes first)
            shown = next(d.value for d in at.dataframe if "ring_score" in d.value.columns)
            assert len(queue) and set(shown["ring_id"]) == set(queue["ring_id"])


def test_method_gds_runs_leiden_in_the_database(neo4j_store, small_market):
    """--method gds: Graph Data Science's (modularity) Leiden on the same evidence graph: it repeats,
    finds planted rings (well above chance, below the CPM default: figures in the README) and
    leaves no projected graph behind."""
    from workbench.analytics.evaluation import adjusted_rand
    from workbench.analytics.settings import AnalysisSettings
    from workbench.pipeline import detect_rings

    tables = load_folder(small_market).tables
    truth = pd.read_csv(small_market / "truth" / "rings.csv")
    sellers = pd.Index(tables["sellers"]["seller_id"])

    def ari(method: str) -> tuple[float, list]:
        found, _ = detect_rings(
            tables, AnalysisSettings.load(method=method), engine=neo4j_store.community_engine()
        )
        flagged = found.rings[found.rings["ring_score"] >= 0.5]
        return adjusted_rand(sellers, truth, flagged[["seller_id", "ring_id"]]), found.rings[
            "ring_id"
        ].tolist()

    gds, first = ari("gds")
    _, again = ari("gds")
    assert first == again and len(set(first)) >= 2
    assert gds > 0.3
    assert neo4j_store.run("CALL gds.graph.list() YIELD graphName RETURN count(*) AS n")[0]["n"] == 0


def test_cli_engine_gds_finds_the_rings_in_the_database(neo4j_uri, small_market, tmp_path):
    import json

    result = run_workbench(
        "analyze", str(small_market), "--out", str(tmp_path / "o"), "--neo4j", neo4j_uri, "--engine", "gds"
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["method"] == "gds" and summary["rings"] >= 2
    rings = pd.read_csv(tmp_path / "o" / "rings.csv")
    assert rings["ring_id"].nunique() == summary["rings"]


@pytest.mark.parametrize(
    "options, says",
    [
        (["--method", "gds"], "--neo4j"),
        (["--engine", "gds"], "--neo4j"),
        (["--engine", "client", "--method", "gds"], "cannot go with --engine client"),
        (["--engine", "gds", "--method", "wcc"], "drop --method wcc"),
        (["--engine", "spark"], "choose client or gds"),
    ],
)
def test_engine_and_method_mistakes_are_named(small_market, tmp_path, options, says):
    result = run_workbench("analyze", str(small_market), "--out", str(tmp_path / "o"), *options)
    assert result.returncode == 2 and says in result.stderr


def test_the_shortest_connection_goes_around_a_hub_on_both_stores(neo4j_uri, tmp_path):
    """S1 and S2 share a pickup point used by 5 sellers (a hub at max_sellers 4) and are also tied
    by a phone and a device through S3: the path goes around the hub unless the cap allows it."""
    # H0 uses the pickup point in two roles: still one seller of the five
    crowd = "".join(f"H{i},address,A9,shipping\n" for i in range(3)) + "H0,address,A9,return\n"
    data = write_folder(
        tmp_path / "data",
        {
            "sellers": "seller_id,shop_name\nS1,One\nS2,Two\nS3,Three\n"
            + "".join(f"H{i},Crowd {i}\n" for i in range(3)),
            "addresses": "address_id,text,city\nA9,Pickup point 1,Yiwu\n",
            "seller_links": "seller_id,kind,value,role\nS1,address,A9,shipping\nS2,address,A9,shipping\n"
            + crowd
            + "S1,phone,13800000001,\nS3,phone,13800000001,\nS3,device,dev-1,\nS2,device,dev-1,\n",
        },
    )
    memory = MemoryStore(tmp_path / "store")
    memory.load(load_folder(data))
    neo4j = open_neo4j(neo4j_uri)
    neo4j.wipe()
    neo4j.load(load_folder(data))
    try:
        for store in (memory, neo4j):
            around = store.query("shortest_connection", from_seller="S1", to_seller="S2", max_sellers=4)
            assert around["hops"].tolist() == [4], type(store).__name__
            assert not any(step.startswith("Address:") for step in around["path"].iloc[0])
            through = store.query("shortest_connection", from_seller="S1", to_seller="S2", max_sellers=5)
            assert through["hops"].tolist() == [2] and through["path"].iloc[0][1] == "Address:A9"
    finally:
        neo4j.close()
