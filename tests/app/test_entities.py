"""The Upstream page's entities: a source's records and why they were merged; an investigator
splits a wrong merge off or joins a record by hand, and the next analysis applies it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from workbench.app.testing import page_test
from workbench.pipeline import analyze
from workbench.store import MemoryStore
from workbench.synth.generator import generate_marketplace


@pytest.fixture(scope="module")
def split_market(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("split_source")
    generate_marketplace(out, sellers=1500, rings=10, seed=19, scenario="split-source")
    return out


@pytest.fixture
def store_dir(split_market, tmp_path) -> Path:
    with MemoryStore(tmp_path / "store") as store:
        analyze(split_market, tmp_path / "out", store)
    return tmp_path / "store"


def _source_with_aliases(store: MemoryStore) -> tuple[str, str, list[str]]:
    upstream = store.upstream()
    row = upstream[(upstream["rank"] == 1) & (upstream["aliases"] != "")].iloc[0]
    return row["ring_id"], row["entity_id"], row["aliases"].split(";")


def _open(ring_id: str, role: str = "investigator"):
    at = page_test("upstream", role=role, user="Inspector Li")
    at.session_state["ring"] = ring_id
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_sources_records_are_listed_with_the_reasons_they_were_merged(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    ring_id, entity, aliases = _source_with_aliases(MemoryStore(store_dir))
    at = _open(ring_id)
    assert any(h.value == "One company or place, many records" for h in at.subheader)
    records = next(d.value for d in at.dataframe if "reasons" in d.value.columns)
    assert set(records["record_id"]) == {entity, *aliases}
    assert records["reasons"].str.contains("jaro-winkler").all()
    assert records["name"].notna().all()  # what each record calls the company
    viewer = _open(ring_id, role="viewer")
    assert any("may not record decisions" in c.value for c in viewer.caption)


def test_split_and_join_from_the_page_apply_on_the_next_analysis(
    store_dir, monkeypatch, split_market, tmp_path
):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    store = MemoryStore(store_dir)
    ring_id, entity, aliases = _source_with_aliases(store)
    wrong = aliases[0]
    at = _open(ring_id)
    next(s for s in at.selectbox if s.label == "Record that is another place or company").set_value(wrong)
    at.text_input(key="entity_split_reason").set_value("a different licence number at the SAMR register")
    next(b for b in at.button if b.label == "Split it off").click().run()
    assert not at.exception
    assert any("different-entities" in s.value for s in at.success)

    # a record of another company joined by hand to this one
    resolved = store.result("resolved")
    stranger = resolved[(resolved["record_kind"] == "org") & (resolved["entity_id"] != entity)][
        "record_id"
    ].iloc[0]
    at = _open(ring_id)
    next(s for s in at.selectbox if s.label == "Record of the same place or company").set_value(stranger)
    at.text_input(key="entity_join_reason").set_value("same legal representative")
    next(b for b in at.button if b.label == "Join it").click().run()
    assert any("same-entity" in s.value for s in at.success)
    decisions = MemoryStore(store_dir).decisions()
    assert list(decisions["kind"]) == ["different-entities", "same-entity"]
    assert set(decisions["decided_by"]) == {"Inspector Li"}

    with MemoryStore(store_dir) as again:
        analyze(split_market, tmp_path / "again", again)
    after = pd.read_csv(tmp_path / "again" / "resolved.csv", dtype=str).set_index("record_id")
    assert after.loc[wrong, "entity_id"] != after.loc[entity, "entity_id"]
    assert after.loc[stranger, "entity_id"] == after.loc[entity, "entity_id"]
    assert "joined by hand" in after.loc[stranger, "reasons"]
