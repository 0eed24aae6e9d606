"""Investigators' records on Neo4j: case events, the register and the audit chain, from two real
processes at once, exactly as on the embedded store."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd

_WRITER = """
import sys
from workbench.store.neo4j_store import open_neo4j
store = open_neo4j(sys.argv[1])
for n in range(int(sys.argv[3])):
    if n % 2:
        store.record_case_event("R-" + sys.argv[2], "in progress", f"note {n}", sys.argv[2])
    else:
        store.audit(sys.argv[2], "viewed_identifiers", f"ring R-{n}")
store.close()
"""


def test_two_processes_append_to_one_chain_on_neo4j(neo4j_store, neo4j_uri):
    env = {**os.environ, "NEO4J_URI": neo4j_uri}
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, neo4j_uri, who, "30"], env=env)
        for who in ("app", "cli")
    ]
    assert [w.wait(timeout=300) for w in writers] == [0, 0]
    log = neo4j_store.audit_log()
    assert log["seq"].tolist() == list(range(1, 61))
    assert neo4j_store.verify_audit() == []
    events = neo4j_store.case_events()
    assert len(events) == 30 and set(events["changed_by"]) == {"app", "cli"}
    assert neo4j_store.case_status().loc["R-app", "status"] == "in progress"


def test_register_and_a_tampered_entry_on_neo4j(neo4j_store):
    neo4j_store.record_packet(
        pd.DataFrame(
            [
                {
                    "packet_id": "LP-1",
                    "ring_id": "R-1",
                    "recipient": "深圳市公安局",
                    "redacted": True,
                    "zip_sha256": "ab" * 32,
                    "created_at": "2026-12-01T00:00:00+00:00",
                }
            ]
        ),
        actor="lee",
        role="lead",
    )
    register = neo4j_store.case_register()
    assert register.iloc[0]["recipient"] == "深圳市公安局" and bool(register.iloc[0]["redacted"]) is True
    entry = neo4j_store.audit_log().iloc[-1]
    assert entry["action"] == "packet_built" and entry["actor"] == "lee" and '"LP-1"' in entry["detail"]
    assert neo4j_store.verify_audit() == []
    neo4j_store.run("MATCH (e:AuditEntry {seq: 1}) SET e.actor = 'nobody'")
    assert neo4j_store.verify_audit() == ["entry 1: its content does not match its hash (edited)"]


def test_commands_close_the_store_they_open(neo4j_store, neo4j_uri, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from tests.conftest import write_folder
    from workbench.cli import app
    from workbench.store.neo4j_store import Neo4jStore

    data = write_folder(
        tmp_path,
        {
            "sellers": "seller_id\nS1\nS2\n",
            # a phone and a device: two kinds of tie, a ring with two core members
            "seller_links": "seller_id,kind,value\nS1,phone,13800000001\nS2,phone,13800000001\n"
            "S1,device,D1\nS2,device,D1\n",
        },
    )
    closed = []
    monkeypatch.setattr(Neo4jStore, "close", lambda self: (closed.append(self), self.driver.close()))
    runner = CliRunner()
    assert runner.invoke(app, ["load", str(data), "--neo4j", neo4j_uri]).exit_code == 0
    for command in (["detect"], ["trace"], ["info"]):
        before = len(closed)
        result = runner.invoke(app, [*command, "--neo4j", neo4j_uri])
        assert result.exit_code == 0, result.output
        assert len(closed) == before + 1, command


def test_a_node_kind_and_a_relationship_added_to_the_model_reach_neo4j(
    neo4j_store, neo4j_uri, tmp_path, monkeypatch
):
    """A change to the model declaration alone: a new node kind gets its uniqueness constraint,
    a new relationship of an entity file is written on load."""
    from graph_loaders import load_folder
    from tests.conftest import write_folder
    from workbench import model
    from workbench.store.neo4j_store import open_neo4j

    monkeypatch.setitem(model.NODE_KINDS, "Platform", model.NodeKind("Platform", "platform"))
    added = model.RelationshipKind(
        "ON_PLATFORM", "sellers", ("Seller", "seller_id", "seller_id"), ("Platform", "platform", "platform")
    )
    monkeypatch.setattr(model, "ENTITY_RELATIONSHIPS", (*model.ENTITY_RELATIONSHIPS, added))
    store = open_neo4j(neo4j_uri)
    try:
        constraints = {(tuple(c["labelsOrTypes"]), tuple(c["properties"])) for c in store.constraints()}
        assert (("Platform",), ("platform",)) in constraints
        data = write_folder(
            tmp_path,
            {
                "sellers": "seller_id,platform\nS1,taobao\nS2,taobao\nS3,jd\n",
                "seller_links": "seller_id,kind,value\nS1,phone,13800000001\n",
            },
        )
        loaded = load_folder(data)
        store.load(loaded)
        counts = store.graph_counts()
        assert counts["Platform"] == 2 and counts["ON_PLATFORM"] == 3
    finally:
        store.close()
    # the bulk importer's files, too: the relationship gets its file, the new label its nodes
    from workbench.store.bulk_import import write_import_files

    files = write_import_files(loaded.tables, tmp_path / "import")
    assert files.counts["relationships:ON_PLATFORM"] == 3 and files.counts["nodes:Platform"] == 2
    assert "ON_PLATFORM" in {rel for rel, _path in files.relationships}


def test_decisions_on_neo4j_are_kept_and_applied_like_on_the_embedded_store(neo4j_store, neo4j_uri, tmp_path):
    import json

    from tests.conftest import run_workbench
    from workbench.synth.generator import generate_marketplace

    data = tmp_path / "data"
    generate_marketplace(data, sellers=800, rings=8, seed=21)
    where = {"embedded": ["--store", str(tmp_path / "store")], "neo4j": ["--neo4j", neo4j_uri]}

    def analyse(name: str, out: str) -> tuple[str, str]:
        done = run_workbench("analyze", str(data), "--out", str(tmp_path / f"{name}_{out}"), *where[name])
        assert done.returncode == 0, done.stderr
        folder = tmp_path / f"{name}_{out}"
        return (folder / "rings.csv").read_text(), (folder / "associates.csv").read_text()

    first = {name: analyse(name, "first") for name in where}
    assert first["embedded"] == first["neo4j"]
    rings = pd.read_csv(tmp_path / "embedded_first" / "rings.csv", dtype=str)
    sizes = rings.groupby("ring_id").size().sort_values(ascending=False, kind="stable")
    big, other = sizes.index[0], sizes.index[1]
    seller = sorted(rings.loc[rings["ring_id"] == big, "seller_id"])[0]
    for name, args in where.items():
        for decision in (
            ["not-member", seller, big, "--reason", "a reseller"],
            ["same-operation", big, other, "--reason", "one warehouse manager"],
        ):
            done = run_workbench("decide", *decision, *args)
            assert done.returncode == 0, (name, done.stderr)
    listed = json.loads(run_workbench("decisions", "--json", *where["neo4j"]).stdout)
    assert [d["kind"] for d in listed] == ["not-member", "same-operation"] and all(
        d["in_force"] for d in listed
    )
    again = {name: analyse(name, "again") for name in where}
    assert again["embedded"] == again["neo4j"] and again["neo4j"] != first["neo4j"]
    after = pd.read_csv(tmp_path / "neo4j_again" / "rings.csv", dtype=str).set_index("seller_id")["ring_id"]
    both = sorted(set(rings.loc[rings["ring_id"].isin([big, other]), "seller_id"]) - {seller})
    merged = set(after.reindex(both).dropna())
    assert len(merged) == 1 and after.get(seller) not in merged
    assert neo4j_store.audit_log()["action"].tolist().count("decision_recorded") == 2
