"""The Watch page: the last screening's hits highest risk first, each one click from its ring, and
an investigator's confirmation or dismissal kept as a decision with who and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_workbench
from workbench.app.testing import page_test
from workbench.store import MemoryStore
from workbench.synth.generator import generate_marketplace


@pytest.fixture
def store_dir(tmp_path) -> Path:
    generate_marketplace(tmp_path / "data", sellers=2000, rings=12, seed=35, scenario="hard", new=300)
    for args in (
        (
            "analyze",
            str(tmp_path / "data"),
            "--out",
            str(tmp_path / "out"),
            "--store",
            str(tmp_path / "store"),
        ),
        (
            "screen",
            str(tmp_path / "data" / "registrations"),
            "--store",
            str(tmp_path / "store"),
            "--out",
            str(tmp_path / "s"),
        ),
    ):
        done = run_workbench(*args)
        assert done.returncode == 0, done.stderr
    return tmp_path / "store"


def _open(role: str = "investigator"):
    at = page_test("watch", role=role, user="Inspector Wu")
    at.run()
    assert not at.exception, at.exception
    return at


def test_hits_are_listed_highest_risk_first_and_open_their_ring(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    at = _open()
    hits = next(d.value for d in at.dataframe if "matched_seller_id" in d.value.columns)
    assert len(hits) and (hits["risk"] >= 0.5).all()
    assert list(hits["risk"]) == sorted(hits["risk"], reverse=True)
    first = hits.iloc[0]
    next(b for b in at.button if b.label == f"Open ring {first['ring_id']}").click().run()
    assert at.session_state["ring"] == first["ring_id"]


def test_a_hit_confirmed_is_a_decision_with_who_and_why(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    at = _open()
    hits = next(d.value for d in at.dataframe if "matched_seller_id" in d.value.columns)
    hit = hits[hits["ring_id"] != ""].iloc[0]
    at.selectbox(key="watch_hit").set_value(hit["seller_id"]).run()
    at.radio[0].set_value("confirmed: it is that operation")
    at.text_input(key="watch_reason").set_value("same courier pickup as the banned shop")
    next(b for b in at.button if b.label == "Record").click().run()
    assert any("hit-confirmed" in s.value for s in at.success)
    decisions = MemoryStore(store_dir).decisions()
    row = decisions.iloc[-1]
    assert (row["kind"], row["subject"], row["target"], row["decided_by"]) == (
        "hit-confirmed",
        hit["seller_id"],
        hit["ring_id"],
        "Inspector Wu",
    )
    again = _open()
    shown = next(d.value for d in again.dataframe if "matched_seller_id" in d.value.columns).set_index(
        "seller_id"
    )
    assert shown.loc[hit["seller_id"], "judged"] == "confirmed"
    viewer = _open("viewer")
    assert any("may not judge hits" in c.value for c in viewer.caption)


def test_without_a_screening_the_page_says_how_to_make_one(tmp_path, monkeypatch, marketplace):
    done = run_workbench(
        "analyze", str(marketplace), "--out", str(tmp_path / "out"), "--store", str(tmp_path / "store")
    )
    assert done.returncode == 0
    monkeypatch.setenv("WORKBENCH_STORE", str(tmp_path / "store"))
    at = _open()
    assert any("workbench screen" in i.value for i in at.info)
