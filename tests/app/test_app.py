"""The app as it stands: it opens a store and lists rings, or says how to build a store."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from workbench.pipeline import analyze
from workbench.store import MemoryStore

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(scope="module")
def store_dir(marketplace, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("app") / "store"
    with MemoryStore(path) as store:
        analyze(marketplace, path.parent / "out", store)
    return path


def test_app_lists_rings_of_the_store(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    rings = MemoryStore(store_dir).rings()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rings"] == f"{rings['ring_id'].nunique():,}"
    table = at.dataframe[0].value
    assert set(table["ring_id"]) == set(rings["ring_id"])
    assert table["ring_score"].is_monotonic_decreasing


def test_app_without_store_says_how_to_build_one(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_STORE", str(tmp_path / "missing"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "workbench analyze" in at.error[0].value


def test_app_builds_a_lead_packet_and_registers_it(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    at = AppTest.from_file(APP, default_timeout=120).run()
    before = len(MemoryStore(store_dir).case_register())
    at.text_input[0].set_value("PSB test unit")
    at.button[0].click().run()
    assert not at.exception
    assert at.success and "Packet LP-" in at.success[0].value
    register = MemoryStore(store_dir).case_register()
    assert len(register) == before + 1 and register.iloc[-1]["recipient"] == "PSB test unit"


def test_hotspots_page_shows_the_map_table_and_a_region(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    at = AppTest.from_string(
        "from workbench.app.pages.hotspots import hotspots_page\nhotspots_page()", default_timeout=120
    ).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 34 and {"hotspot_z", "hotspot_p", "rate_per_1000"} <= set(table.columns)
    assert any("Significant hotspots" in c.value for c in at.caption)
    at.selectbox[1].set_value("storefronts").run()  # the Gi* measure picker
    assert not at.exception and any("Gi* of storefronts" in c.value for c in at.caption)
    assert any("Rings with storefronts in" in h.value for h in at.subheader)
    # the month filter: colour by storefronts registered up to the first month
    at.select_slider[0].set_value(at.select_slider[0].options[0]).run()
    at.selectbox[2].set_value("counterfeit_sellers_to_month").run()
    assert not at.exception and any("Colour: counterfeit_sellers_to_month" in c.value for c in at.caption)
    at.selectbox[0].set_value("prefecture").run()
    assert not at.exception and len(at.dataframe[0].value) > 300
