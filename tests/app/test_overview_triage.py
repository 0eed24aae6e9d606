"""The Overview's "Needs attention": referable rings with no case, rings the last analysis changed,
screening hits nobody judged, contradicted decisions and stale cases, each one click from its ring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import run_workbench
from workbench.app.data import ring_table
from workbench.app.testing import page_test
from workbench.app.triage import needs_attention
from workbench.store import MemoryStore
from workbench.synth.generator import generate_marketplace


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("triage")
    generate_marketplace(root / "data", sellers=3000, rings=20, seed=37, scenario="hard", new=300)
    for args in (
        (
            "analyze",
            str(root / "data"),
            "--out",
            str(root / "o1"),
            "--store",
            str(root / "store"),
            "--source",
            "day1",
        ),
        (
            "analyze",
            str(root / "data" / "registrations"),
            "--out",
            str(root / "o2"),
            "--store",
            str(root / "store"),
            "--source",
            "day2",
            "--incremental",
        ),
        (
            "screen",
            str(root / "data" / "registrations"),
            "--store",
            str(root / "store"),
            "--out",
            str(root / "s"),
        ),
    ):
        done = run_workbench(*args)
        assert done.returncode == 0, done.stderr
    return root / "store"


def test_the_overview_lists_what_needs_a_decision_first(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    at = page_test("overview", role="investigator")
    at.run()
    assert not at.exception, at.exception
    assert at.subheader[0].value.endswith("groups found") and at.subheader[1].value == "Needs attention"
    todo = at.dataframe[0].value
    kinds = set(todo["what"])
    assert "over the referral threshold, no case opened" in kinds
    assert "grew in the last analysis" in kinds
    assert "screening hit not judged" in kinds
    ring = next(r for r in todo["ring_id"] if r)
    at.selectbox(key="attention_ring").set_value(ring).run()
    next(b for b in at.button if b.label == f"Open ring {ring}").click().run()
    assert at.session_state["ring"] == ring


def test_a_case_opened_leaves_the_list_and_one_left_for_weeks_comes_back(store_dir):
    store = MemoryStore(store_dir)
    table = ring_table(str(store_dir), "triage-test")  # score, goods value, referable per ring
    todo = needs_attention(store, table, 0.5)
    first = todo.loc[todo["what"] == "over the referral threshold, no case opened", "ring_id"].iloc[0]
    store.record_case_event(first, "in progress", "surveillance", "Inspector Zhao")
    again = needs_attention(store, table, 0.5)
    assert first not in set(
        again.loc[again["what"] == "over the referral threshold, no case opened", "ring_id"]
    )
    later = needs_attention(store, table, 0.5, now=datetime.now(UTC) + timedelta(days=20))
    stale = later[later["what"].str.startswith("case untouched")]
    assert list(stale["ring_id"]) == [first] and "Inspector Zhao" in stale["detail"].iloc[0]
