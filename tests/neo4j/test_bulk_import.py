"""The bulk first load (Neo4j's offline importer) against the batched path, on real servers: the same
graph, tables and named-query answers either way; bulk-then-increment equals batched both; a bulk
load into a database that holds anything is refused; the CLI says when --bulk cannot apply."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from graph_loaders import load_folder
from tests.conftest import run_workbench
from tests.neo4j.test_neo4j_store import _parameters
from workbench.errors import WorkbenchError
from workbench.pipeline import analyze
from workbench.store.bulk_import import bulk_first_load
from workbench.store.local_neo4j import free_port, start
from workbench.store.named_queries import NamedQueries
from workbench.store.neo4j_store import Neo4jStore, open_neo4j
from workbench.synth.generator import generate_marketplace

HOSTILE = 'Shop "A"\nline two, \\ `x` \'}) MATCH (n) DETACH DELETE n // 联系'


@pytest.fixture(scope="module")
def market(tmp_path_factory) -> Path:
    """A generated marketplace plus a storefront whose name spans lines and carries quotes."""
    out = tmp_path_factory.mktemp("bulk_market") / "day1"
    generate_marketplace(out, sellers=900, rings=8, seed=33, new=60)
    sellers = pd.read_csv(out / "sellers.csv", dtype=str, keep_default_na=False)
    sellers.loc[0, "shop_name"] = HOSTILE
    sellers.to_csv(out / "sellers.csv", index=False)
    return out


@pytest.fixture(scope="module")
def bulk_server(tmp_path_factory):
    """A second local server of our own: the importer stops and starts it."""
    server = start(tmp_path_factory.mktemp("bulk_neo4j"), free_port(), heap="1g", page_cache_mb=256)
    yield server
    server.stop()


def _tables(store) -> dict[str, pd.DataFrame]:
    return store.input_tables()


def _same_tables(a: dict, b: dict) -> None:
    assert set(a) == set(b)
    for name in a:
        # rows of two sources cite the same file and line; order them alike before comparing
        order = [a[name].columns[0], "provenance"]
        left = a[name].sort_values(order, kind="stable").reset_index(drop=True)
        right = b[name].sort_values(order, kind="stable").reset_index(drop=True)
        pd.testing.assert_frame_equal(left, right, check_dtype=False, obj=name)


def test_bulk_and_batched_give_the_same_graph_tables_and_answers(market, bulk_server, neo4j_uri, tmp_path):
    batched = open_neo4j(neo4j_uri)
    batched.wipe()
    analyze(market, tmp_path / "batched", batched)
    bulk = Neo4jStore(bulk_server.uri)
    bulk.wipe()
    result = analyze(market, tmp_path / "bulk", bulk, bulk=bulk_server)
    assert result.timings["bulk_import"] > 0  # it did go through the importer
    assert bulk.graph_counts() == batched.graph_counts()
    _same_tables(_tables(bulk), _tables(batched))
    sellers = bulk.table("sellers")
    assert HOSTILE in set(sellers["shop_name"])  # a name over two lines, quotes and all, as written
    parameters = _parameters(batched)
    assert set(parameters) == set(NamedQueries.all())
    for name, params in parameters.items():
        expected, got = batched.query(name, **params), bulk.query(name, **params)
        assert len(expected), name
        if name == "shortest_connection":
            assert got["hops"].tolist() == expected["hops"].tolist()
            continue
        pd.testing.assert_frame_equal(expected, got, check_dtype=False, obj=name)
    rings = [pd.read_csv(tmp_path / side / "rings.csv") for side in ("bulk", "batched")]
    assert rings[0].equals(rings[1])
    # the constraints exist after the import, as after a batched load
    assert {c["name"] for c in bulk.constraints()} == {c["name"] for c in batched.constraints()}
    # and a second bulk load into what is now a full database is refused, nothing touched
    before = bulk.graph_counts()
    with pytest.raises(WorkbenchError, match=r"--bulk writes an empty database, and .* holds [\d,]+ nodes"):
        bulk_first_load(bulk, bulk_server, load_folder(market))
    assert bulk.graph_counts() == before
    bulk.close()
    batched.close()


def test_bulk_then_increment_equals_batched_both(market, bulk_server, neo4j_uri, tmp_path):
    day2 = tmp_path / "day2"
    shutil.copytree(market / "registrations", day2)
    batched = open_neo4j(neo4j_uri)
    batched.wipe()
    batched.load(load_folder(market), source="day1")
    batched.load(load_folder(day2), source="day2")
    bulk = Neo4jStore(bulk_server.uri)
    bulk.wipe()
    bulk_first_load(bulk, bulk_server, load_folder(market), source="day1")
    bulk.load(load_folder(day2), source="day2")  # the increment: batched, merged
    assert bulk.graph_counts() == batched.graph_counts()
    _same_tables(_tables(bulk), _tables(batched))
    assert [s["name"] for s in bulk.info()["sources"]] == ["day1", "day2"]
    bulk.close()
    batched.close()


def test_bulk_needs_the_local_server(market, neo4j_uri):
    done = run_workbench("load", str(market), "--neo4j", "bolt://127.0.0.1:1", "--bulk")
    assert done.returncode == 2
    assert "--bulk" in done.stderr and "make neo4j-up" in done.stderr and "--bulk-files" in done.stderr
    assert "Traceback" not in done.stderr


def test_bulk_files_for_docker_compose(market, tmp_path):
    done = run_workbench("load", str(market), "--bulk-files", str(tmp_path / "bulk"))
    assert done.returncode == 0, done.stderr
    script = (tmp_path / "bulk" / "import.sh").read_text()
    assert "neo4j-admin database import full neo4j" in script
    assert "--nodes=Seller=/import/bulk/nodes_sellers.csv" in script
    assert "--relationships=HAS_PHONE=/import/bulk/rels_seller_links_phone.csv" in script
    assert "--multiline-fields=true" in script  # the hostile name spans lines


def _operators(plan) -> set[str]:
    found = {plan["operatorType"].split("@")[0]} if "operatorType" in plan else set()
    for child in plan.get("children", []):
        found |= _operators(child)
    return found


def test_named_queries_start_from_an_index_never_a_label_scan(market, neo4j_uri, tmp_path):
    """Every named query's plan starts from a uniqueness-constraint seek on its seller or ring:
    no full label scan or all-nodes scan that would grow with the marketplace."""
    store = open_neo4j(neo4j_uri)
    store.wipe()
    analyze(market, tmp_path / "out", store)
    scanning = {
        "NodeByLabelScan",
        "AllNodesScan",
        "DirectedAllRelationshipsScan",
        "UndirectedAllRelationshipsScan",
    }
    for name, params in _parameters(store).items():
        if name == "community_projection":
            continue  # a projection of the whole graph for GDS: a scan is what it is for
        query = NamedQueries.get(name)
        with store.driver.session(database=store.database) as session:
            plan = session.run("EXPLAIN " + query.cypher, query.bind(params)).consume().plan
        operators = _operators(plan)
        assert not operators & scanning, (name, sorted(operators))
        assert any("IndexSeek" in o for o in operators), (name, sorted(operators))
    store.close()
