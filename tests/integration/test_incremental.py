"""Daily increments: a day's registrations added to a store as a new source; the incremental run
detects again only what the new data touches and gives the rings a full run gives, keeping ring
ids, decisions and case history; changes.csv says what the day changed."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from tests.conftest import run_workbench
from workbench.store import MemoryStore
from workbench.synth.generator import generate_marketplace


def _run(*args: str) -> str:
    done = run_workbench(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module", params=[("hard", 41), ("strays", 43)])
def day_two(request, tmp_path_factory):
    scenario, seed = request.param
    root = tmp_path_factory.mktemp(f"incremental-{scenario}")
    generate_marketplace(root / "data", sellers=4000, rings=25, seed=seed, scenario=scenario, new=400)
    _run(
        "analyze",
        str(root / "data"),
        "--out",
        str(root / "day1"),
        "--store",
        str(root / "full"),
        "--source",
        "day1",
    )
    # an investigator's decision and a case status before the day's data arrives
    store = MemoryStore(root / "full")
    rings = store.rings()
    ring_id = rings["ring_id"].value_counts().index[0]
    member = sorted(rings.loc[rings["ring_id"] == ring_id, "seller_id"])[0]
    _run(
        "decide",
        "not-member",
        member,
        ring_id,
        "--reason",
        "a reseller, not the operation",
        "--store",
        str(root / "full"),
    )
    store.record_case_event(ring_id, "in progress", "surveillance since Monday", "Inspector Ma")
    shutil.copytree(root / "full", root / "incremental")
    new = str(root / "data" / "registrations")
    _run("analyze", new, "--out", str(root / "full_run"), "--store", str(root / "full"), "--source", "day2")
    said = _run(
        "analyze",
        new,
        "--out",
        str(root / "inc_run"),
        "--store",
        str(root / "incremental"),
        "--source",
        "day2",
        "--incremental",
    )
    return root, ring_id, member, said


def test_an_incremental_run_gives_the_rings_of_a_full_run(day_two):
    root, *_ = day_two
    for name in ("rings.csv", "associates.csv", "upstream.csv"):
        assert (root / "inc_run" / name).read_text() == (root / "full_run" / name).read_text(), name
    summary = json.loads((root / "inc_run" / "summary.json").read_text())
    part = summary["incremental"]
    assert part["touched_sellers"] == 400
    assert part["sellers_detected_again"] < 4400 and part["rings_kept_as_they_were"] > 0


def test_ring_ids_decisions_and_case_history_are_kept(day_two):
    root, ring_id, member, _ = day_two
    day1 = pd.read_csv(root / "day1" / "rings.csv", dtype=str)
    after = pd.read_csv(root / "inc_run" / "rings.csv", dtype=str)
    kept = set(day1["ring_id"]) & set(after["ring_id"])
    assert len(kept) >= 0.9 * day1["ring_id"].nunique()
    assert member not in set(after.loc[after["ring_id"] == ring_id, "seller_id"])
    store = MemoryStore(root / "incremental")
    assert len(store.decisions()) == 1 and store.source_names() == ["day1", "day2"]
    events = store.case_events()
    assert list(events.loc[events["ring_id"] == ring_id, "note"]) == ["surveillance since Monday"]


def test_changes_list_the_rings_the_day_grew_with_their_new_members(day_two):
    root, *_ = day_two
    changes = pd.read_csv(root / "inc_run" / "changes.csv", dtype=str).fillna("")
    assert list(changes.columns) == [
        "ring_id",
        "change",
        "members_added",
        "members_removed",
        "previous_ring_ids",
    ]
    grew = changes[changes["change"] == "grew"]
    assert len(grew)
    rings = pd.read_csv(root / "inc_run" / "rings.csv", dtype=str)
    for row in grew.itertuples():
        added = row.members_added.split(";")
        assert set(added) <= set(rings.loc[rings["ring_id"] == row.ring_id, "seller_id"])
    # mostly the day's reopened storefronts (a new tie can also lift a known associate to member)
    added = [s for names in grew["members_added"] for s in names.split(";")]
    assert sum(s.startswith("NEW") for s in added) > len(added) / 2
    assert (root / "full_run" / "changes.csv").read_text() == (root / "inc_run" / "changes.csv").read_text()


def test_incremental_needs_a_store(tmp_path, marketplace):
    done = run_workbench("analyze", str(marketplace), "--out", str(tmp_path / "o"), "--incremental")
    assert done.returncode == 2 and "--store" in done.stderr and "Traceback" not in done.stderr


def test_load_then_analyze_the_store_incrementally_is_the_same(day_two, tmp_path):
    root, *_ = day_two
    store = tmp_path / "store"
    _run(
        "analyze",
        str(root / "data"),
        "--out",
        str(tmp_path / "d1"),
        "--store",
        str(store),
        "--source",
        "day1",
    )
    # the two steps: the day's data loaded, then the store analysed without naming a folder
    _run(
        "decide",
        "not-member",
        *_first_member(MemoryStore(root / "full")),
        "--reason",
        "a reseller",
        "--store",
        str(store),
    )
    _run("load", str(root / "data" / "registrations"), "--store", str(store), "--source", "day2")
    _run("analyze", "--store", str(store), "--incremental", "--out", str(tmp_path / "d2"))
    assert (tmp_path / "d2" / "rings.csv").read_text() == (root / "inc_run" / "rings.csv").read_text()


def _first_member(store: MemoryStore) -> tuple[str, str]:
    decision = store.decisions().iloc[0]
    return decision["subject"], decision["target"]
