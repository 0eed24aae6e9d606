"""The ring page's judgement forms: associates shown apart, decisions recorded under the signed-in
name, the same records as the CLI's, applied by the next analysis; conflicts on the Leads page."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_workbench
from workbench.app.testing import page_test
from workbench.pipeline import analyze
from workbench.store import MemoryStore


@pytest.fixture
def store_dir(marketplace, tmp_path) -> Path:
    path = tmp_path / "store"
    with MemoryStore(path) as store:
        analyze(marketplace, tmp_path / "out", store)
    return path


def _ring_with_associates(store: MemoryStore) -> str:
    associates = store.result("associates")
    return associates["ring_id"].value_counts().index[0]


def _open_ring(ring_id: str, role: str = "investigator"):
    at = page_test("rings", role=role, user="Inspector Li")
    at.session_state["ring"] = ring_id
    at.run()
    assert not at.exception, at.exception
    return at


def _by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def test_associates_are_shown_apart_from_the_members(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    store = MemoryStore(store_dir)
    ring_id = _ring_with_associates(store)
    at = _open_ring(ring_id)
    assert any(h.value == "Associated, not established" for h in at.subheader)
    frames = [d.value for d in at.dataframe]
    members = next(f for f in frames if "evidence_weight" in f.columns)
    associates = next(f for f in frames if "ties" in f.columns)
    expected = store.result("associates")
    assert set(associates["seller_id"]) == set(expected.loc[expected["ring_id"] == ring_id, "seller_id"])
    assert not set(associates["seller_id"]) & set(members["seller_id"])
    # a viewer sees the kinds of the ties, not the identifiers
    viewer = _open_ring(ring_id, role="viewer")
    shown = next(d.value for d in viewer.dataframe if "ties" in d.value.columns)
    assert "evidence" not in shown.columns
    assert not any(any(c.isdigit() for c in t) for t in shown["ties"])
    assert any("may not record decisions" in c.value for c in viewer.caption)


def test_app_and_cli_decisions_are_the_same_records_and_both_apply(
    store_dir, monkeypatch, tmp_path, marketplace
):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    store = MemoryStore(store_dir)
    ring_id = _ring_with_associates(store)
    associate = store.result("associates").query("ring_id == @ring_id")["seller_id"].iloc[0]
    at = _open_ring(ring_id)
    _by_label(at.selectbox, "Seller").set_value(associate)
    _by_label(at.radio, "Judgement").set_value("confirmed member")
    at.text_input(key="member_reason").set_value("same courier account, seen on CCTV")
    next(b for b in at.button if b.label == "Record").click().run()
    assert not at.exception
    assert any("recorded by Inspector Li" in s.value for s in at.success)

    rings = store.rings()
    other = sorted(set(rings["ring_id"]) - {ring_id})[0]
    member = rings.loc[rings["ring_id"] == other, "seller_id"].iloc[0]
    done = run_workbench(
        "decide", "not-member", member, other, "--reason", "a reseller", "--store", str(store_dir)
    )
    assert done.returncode == 0, done.stderr

    listed = json.loads(run_workbench("decisions", "--json", "--store", str(store_dir)).stdout)
    assert [(d["kind"], d["decided_by"], d["role"]) for d in listed] == [
        ("member", "Inspector Li", "investigator"),
        ("not-member", listed[1]["decided_by"], "cli"),
    ]
    assert set(listed[0]) == set(listed[1])  # one kind of record, whoever made it
    audit = store.audit_log()
    recorded = audit[audit["action"] == "decision_recorded"]
    assert list(recorded["actor"]) == ["Inspector Li", listed[1]["decided_by"]]

    with MemoryStore(store_dir) as again:
        analyze(marketplace, tmp_path / "again", again)
    after = pd.read_csv(tmp_path / "again" / "rings.csv", dtype=str).set_index("seller_id")["ring_id"]
    assert after.get(associate) == ring_id
    assert after.get(member) != other

    # the ring page's history lists the decision and who made it
    at = _open_ring(ring_id)
    history = next(d.value for d in at.dataframe if "decided_by" in d.value.columns)
    assert list(history["decided_by"]) == ["Inspector Li"] and history["state"].iloc[0] == "in force"


def test_a_split_and_a_merge_from_the_ring_page(store_dir, monkeypatch, tmp_path, marketplace):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    store = MemoryStore(store_dir)
    rings = store.rings()
    sizes = rings.groupby("ring_id").size().sort_values(ascending=False, kind="stable")
    big, other = sizes.index[0], sizes.index[1]
    members = sorted(rings.loc[rings["ring_id"] == big, "seller_id"])
    at = _open_ring(big)
    _by_label(at.multiselect, "Members that are a different operation").set_value(members[:3])
    at.text_input(key="split_reason").set_value("three shops of a second family")
    next(b for b in at.button if b.label == "Split them off").click().run()
    assert any("different-operations" in s.value for s in at.success)
    at = _open_ring(other)
    _by_label(at.selectbox, "The same operation as ring").set_value(
        sorted(set(rings["ring_id"]) - {other, big})[0]
    )
    at.text_input(key="merge_reason").set_value("one warehouse manager")
    next(b for b in at.button if b.label == "Merge the two rings").click().run()
    assert any("same-operation" in s.value for s in at.success)
    # a reason is required
    at.text_input(key="merge_reason").set_value("")
    next(b for b in at.button if b.label == "Merge the two rings").click().run()
    assert any("reason" in e.value for e in at.error)

    with MemoryStore(store_dir) as again:
        analyze(marketplace, tmp_path / "again", again)
    after = pd.read_csv(tmp_path / "again" / "rings.csv", dtype=str).set_index("seller_id")["ring_id"]
    split_off = set(after.reindex(members[:3]).dropna())
    rest = set(after.reindex(members[3:]).dropna())
    assert rest and not split_off & rest


def test_leads_page_lists_open_conflicts(store_dir, monkeypatch, tmp_path, marketplace):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    store = MemoryStore(store_dir)
    rings = store.rings()
    ring_id = rings["ring_id"].iloc[0]
    traced = set(store.upstream()["entity_id"])
    elsewhere = sorted(set(store.table("organizations")["org_id"]) - traced)[0]
    refused = run_workbench(
        "decide", "source", "O-NOWHERE", ring_id, "--reason", "a tip-off", "--store", str(store_dir)
    )
    assert refused.returncode == 2 and "not in the store" in refused.stderr
    done = run_workbench(
        "decide", "source", elsewhere, ring_id, "--reason", "a tip-off", "--store", str(store_dir)
    )
    assert done.returncode == 0, done.stderr
    with MemoryStore(store_dir) as again:
        analyze(marketplace, tmp_path / "again", again)
    at = page_test("leads", role="investigator", user="Inspector Li").run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "conflict" in d.value.columns)
    assert list(table["subject"]) == [elsewhere] and f"reaches {elsewhere}" in table["conflict"].iloc[0]
    assert table["reason"].iloc[0] == "a tip-off"
