"""The app as it stands: it opens a store and lists rings, or says how to build a store."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from workbench.analytics.hotspots import significant
from workbench.app.testing import page_test
from workbench.pipeline import analyze
from workbench.store import MemoryStore

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(scope="module")
def store_dir(marketplace, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("app") / "store"
    with MemoryStore(path) as store:
        analyze(marketplace, path.parent / "out", store)
    return path


def _page(name: str, timeout: int = 120, role: str = "lead") -> AppTest:
    return page_test(name, role=role, user="Inspector Li", timeout=timeout)


def test_overview_shows_the_store_figures_top_rings_and_quarantine(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    at = AppTest.from_file(APP, default_timeout=60).run()  # the default page
    assert not at.exception
    store = MemoryStore(store_dir)
    rings = store.rings()
    metrics = {m.label: m.value for m in at.metric}
    flagged = rings.loc[rings["ring_score"] >= 0.5, "ring_id"].nunique()
    assert 0 < flagged < rings["ring_id"].nunique()  # the shared marketplace has both kinds
    assert metrics["Flagged rings"] == f"{flagged:,}"
    # the headline first, then what needs a decision, then the queue; counts below
    assert at.subheader[0].value == f"{flagged:,} flagged of {rings['ring_id'].nunique():,} groups found"
    assert metrics["Sellers"] == f"{len(store.table('sellers')):,}"
    buys = store.table("test_buys")
    assert metrics["Confirmed counterfeit test buys"] == f"{(buys['verdict'] == 'counterfeit').sum():,}"
    assert metrics["Quarantined rows"] == f"{len(store.quarantine()):,}"
    assert at.subheader[1].value == "Needs attention"
    assert at.subheader[2].value.startswith("The queue")
    top = next(d.value for d in at.dataframe if "ring_score" in d.value.columns)
    scores = store.result("ring_scores").set_index("ring_id")
    queue = scores[(scores["ring_score"] >= 0.5) & scores["over_referral_threshold"].astype(bool)].index
    assert set(top["ring_id"]) == set(queue) and top["ring_score"].is_monotonic_decreasing
    assert (top["status"] == "open").all()
    by_reason = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert by_reason["rows"].sum() == len(store.quarantine())
    # a row of the queue opens its ring (Streamlit keeps the clicked row in the table's state)
    at.session_state["overview_queue"] = {"selection": {"rows": [1], "columns": []}}
    at.run()
    assert at.session_state["ring"] == top["ring_id"].iloc[1]


def _queue(at) -> pd.DataFrame:
    """The Rings page's queue table (the card's member table comes first)."""
    return next(d.value for d in at.dataframe if "ring_score" in d.value.columns)


def test_rings_page_searches_sorts_and_opens_a_ring(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    at = _page("rings").run()
    assert not at.exception
    store = MemoryStore(store_dir)
    rings = store.rings()
    table = _queue(at)
    # the queue: flagged rings over the referral threshold by default, every group one click away
    scores = store.result("ring_scores").set_index("ring_id")
    queue = scores[(scores["ring_score"] >= 0.5) & scores["over_referral_threshold"].astype(bool)].index
    assert len(queue) and set(table["ring_id"]) == set(queue)
    assert table["ring_score"].is_monotonic_decreasing
    for box in ("Flagged only", "Goods value"):
        next(c for c in at.checkbox if c.label.startswith(box)).uncheck().run()
    assert set(_queue(at)["ring_id"]) == set(rings["ring_id"])
    table = _queue(at)
    assert {"provinces", "brands", "goods_value", "status"} <= set(table.columns)
    # search by a member seller of a ring lower down the list: only that ring remains
    target = table["ring_id"].iloc[-1]
    member = rings.loc[rings["ring_id"] == target, "seller_id"].iloc[0]
    at.text_input[0].set_value(member).run()
    assert not at.exception
    assert _queue(at)["ring_id"].tolist() == [target]
    assert any(h.value.startswith(f"Ring {target} ·") for h in at.header)
    members = next(d.value for d in at.dataframe if "evidence" in d.value.columns)
    assert set(members["seller_id"]) == set(rings.loc[rings["ring_id"] == target, "seller_id"])
    shared = next(d.value for d in at.dataframe if "sellers" in d.value.columns)
    assert (shared["members"] >= 2).all() and len(shared)
    at.text_input[0].set_value("no such ring anywhere").run()
    assert any("No ring matches" in w.value for w in at.warning)


def test_network_page_draws_the_ring_and_expands_a_node(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    at = _page("network").run()
    assert not at.exception
    caption = next(c.value for c in at.caption if "nodes" in c.value)
    before = int(caption.split(" nodes")[0].replace(",", ""))
    at.button[0].click().run()  # expand the first node in place
    assert not at.exception
    caption = next(c.value for c in at.caption if "nodes" in c.value)
    assert int(caption.split(" nodes")[0].replace(",", "")) >= before
    # search jumps to a seller's neighbourhood
    seller = MemoryStore(store_dir).table("sellers")["seller_id"].iloc[5]
    at.text_input[0].set_value(seller).run()
    assert not at.exception and at.selectbox[0].value == ("seller", seller)
    rings = MemoryStore(store_dir).rings()
    ring = rings[rings["ring_id"] == rings["ring_id"].iloc[0]]["seller_id"].tolist()
    at.text_input[1].set_value(ring[0]).run()
    at.text_input[2].set_value(ring[-1]).run()
    assert not at.exception
    said = next(s.value for s in at.success if " links: " in s.value)
    # the path names each seller's shop and ring and each identifier's seller count, and is drawn
    shops = MemoryStore(store_dir).table("sellers").set_index("seller_id")["shop_name"]
    assert said.split(" links: ")[1].startswith(f"{ring[0]} {shops[ring[0]]}"[:40])
    assert "used by" in said and f"ring {rings.set_index('seller_id').loc[ring[0], 'ring_id']}" in said
    assert shops[ring[-1]] in at.get("iframe")[-1].proto.srcdoc


def test_upstream_map_and_leads_pages_show_the_ring(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    store = MemoryStore(store_dir)
    at = _page("upstream").run()
    assert not at.exception
    ring_id = at.selectbox[0].value
    sources = at.dataframe[0].value
    assert len(sources) == (store.upstream()["ring_id"] == ring_id).sum()
    assert sources["rank"].tolist() == sorted(sources["rank"])

    at = _page("ring_map").run()
    assert not at.exception
    places = at.dataframe[0].value
    assert "storefront" in set(places["role"])
    provinces = at.dataframe[1].value
    assert provinces["rings"].sum() >= 1

    at = _page("leads").run()
    assert not at.exception
    ring_id = at.selectbox[0].value
    at.selectbox[1].set_value("referred")
    at.text_area[0].set_value("sent to PSB unit 3")
    at.button[0].click().run()  # saved as the signed-in user: no name to type
    assert not at.exception
    status = MemoryStore(store_dir).case_status()
    assert status.loc[ring_id, "status"] == "referred"
    assert status.loc[ring_id, "changed_by"] == "Inspector Li"
    assert status.loc[ring_id, "note"] == "sent to PSB unit 3"


def test_app_without_store_says_how_to_build_one(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_STORE", str(tmp_path / "missing"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "workbench analyze" in at.error[0].value


def test_app_with_unreachable_neo4j_names_the_uri_and_how_to_start_it(monkeypatch):
    from workbench.store.local_neo4j import free_port

    uri = f"bolt://127.0.0.1:{free_port()}"
    monkeypatch.setenv("WORKBENCH_NEO4J_URI", uri)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert uri in at.error[0].value and "make neo4j-up" in at.error[0].value


def test_leads_page_builds_a_lead_packet_and_registers_it(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    at = _page("leads").run()
    before = len(MemoryStore(store_dir).case_register())
    at.text_input[0].set_value("PSB test unit")
    at.button[1].click().run()
    assert not at.exception
    assert at.success and any("Packet LP-" in s.value for s in at.success)
    register = MemoryStore(store_dir).case_register()
    assert len(register) == before + 1 and register.iloc[-1]["recipient"] == "PSB test unit"


def test_hotspots_page_shows_the_map_table_and_a_region(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    at = _page("hotspots").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 34 and {"hotspot_z", "hotspot_p", "rate_per_1000"} <= set(table.columns)
    assert any("Significant hotspots" in c.value for c in at.caption)
    at.selectbox[1].set_value("storefronts").run()  # the Gi* measure picker
    assert not at.exception and any("Gi* of storefronts" in c.value for c in at.caption)
    assert any("Rings with storefronts in" in h.value for h in at.subheader)
    # the month slider applies to the default colouring: moving it changes the map
    slider = at.select_slider[0]
    assert at.selectbox[2].value == "counterfeit_sellers_to_month" and not slider.disabled
    before = at.get("iframe")[0].proto.srcdoc
    at.select_slider[0].set_value(slider.options[0]).run()
    assert not at.exception and at.get("iframe")[0].proto.srcdoc != before
    # measures carry people's names; the legend is on the map; tooltips show rounded figures
    at.selectbox[2].set_value("hotspot_z").run()
    assert at.select_slider[0].disabled  # a month bounds storefronts, not Gi*
    drawn = at.get("iframe")[0].proto.srcdoc
    assert "hot-spot strength (Gi* z-score)" in drawn and "map-legend" in drawn
    assert "significant hotspot (Gi*, p &lt; 0.05)" in drawn
    assert not re.search(r"\d\.\d{8,}", drawn.split("map-legend")[0][-200_000:])  # no float noise
    assert '"hotspot_p"' not in drawn  # field names stay out of the tooltips
    # significance is drawn: significant regions are outlined, the others not
    table = at.dataframe[0].value
    hot = set(table.loc[significant(table), "region_name"])
    assert drawn.count('"significant": true') == len(hot)
    at.selectbox[0].set_value("prefecture").run()
    assert not at.exception and len(at.dataframe[0].value) > 300


def test_leads_counts_only_the_rings_of_this_analysis(store_dir, monkeypatch, tmp_path):
    """Events of a ring that has since dissolved do not make the open count shrink (or go negative)."""
    import shutil

    copy = tmp_path / "store"
    shutil.copytree(store_dir, copy)
    store = MemoryStore(copy)
    for n in range(500):
        store.record_case_event(f"R-dissolved-{n}", "referred", "", "someone")
    ring = store.rings()["ring_id"].iloc[0]
    store.record_case_event(ring, "in progress", "", "someone")
    monkeypatch.setenv("WORKBENCH_STORE", str(copy))
    at = _page("leads").run()
    metrics = {m.label: m.value for m in at.metric}
    latest = store.case_status()["status"].to_dict()
    current = [latest.get(r, "open") for r in store.rings()["ring_id"].unique()]
    for status in ("open", "in progress", "referred", "dismissed"):
        assert metrics[status.capitalize()] == f"{current.count(status):,}", status
    assert sum(int(v.replace(",", "")) for v in metrics.values()) == len(current)  # 500 dissolved: none


def test_the_rings_page_uses_the_threshold_the_rings_were_scored_with(store_dir, monkeypatch):
    """One referral threshold: an environment variable no longer relabels the page alone."""
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    monkeypatch.setenv("WORKBENCH_REFERRAL_THRESHOLD", "1")
    at = _page("rings").run()
    assert not at.exception
    stored = MemoryStore(store_dir).meta()["analysis"]["scoring"]["referral_threshold"]
    assert any(c.label == f"Goods value ≥ {stored:,.0f}" for c in at.checkbox)


def test_leads_page_shows_a_saved_status_at_once_and_keeps_the_download(store_dir, monkeypatch, tmp_path):
    import shutil

    copy = tmp_path / "store"
    shutil.copytree(store_dir, copy)
    monkeypatch.setenv("WORKBENCH_STORE", str(copy))
    at = _page("leads").run()
    ring_id = at.selectbox[0].value
    before = {m.label: int(m.value.replace(",", "")) for m in at.metric}
    was = next(h.value for h in at.subheader if h.value.startswith("Case status of")).rsplit(": ", 1)[1]
    new = "dismissed" if was == "in progress" else "in progress"
    at.selectbox[1].set_value(new)
    at.text_area[0].set_value("handed to the Dongguan unit")
    at.button[0].click().run()
    assert not at.exception
    assert any(s.value == f"{ring_id}: {new} (by Inspector Li)" for s in at.success)
    assert any(h.value == f"Case status of {ring_id}: {new}" for h in at.subheader)
    after = {m.label: int(m.value.replace(",", "")) for m in at.metric}
    assert after[new.capitalize()] == before[new.capitalize()] + 1
    assert after[was.capitalize()] == before[was.capitalize()] - 1
    at.button[1].click().run()  # build a packet
    downloads = at.get("download_button")
    assert len(downloads) == 1
    at.run()  # any later redraw (a download click is one) keeps the button
    assert len(at.get("download_button")) == 1


def test_network_search_takes_identifiers_as_people_type_them(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    links = MemoryStore(store_dir).table("seller_links")
    stored = links.loc[links["kind"] == "phone", "value"].iloc[0]  # +86 and eleven digits
    national = stored.removeprefix("+86")
    typed = f"{national[:3]} {national[3:7]} {national[7:]}"  # "130 0186 8899"
    at = _page("network").run()
    at.text_input[0].set_value(typed).run()
    assert not at.exception and not at.warning, typed
    assert ("phone", stored) in at.selectbox[0].options or f"phone {stored}" in at.selectbox[0].options


def test_shortest_connection_names_an_unknown_seller_and_takes_ids_in_any_case(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    ring = sorted(MemoryStore(store_dir).rings().groupby("ring_id")["seller_id"].agg(list).iloc[0])
    at = _page("network").run()
    at.text_input[1].set_value("S-NOBODY").run()
    at.text_input[2].set_value(ring[-1]).run()
    assert any("Unknown seller 'S-NOBODY'" in e.value for e in at.error)
    at.text_input[1].set_value(ring[0].lower()).run()  # a lower-case id is the same seller
    assert not at.error and any(" links: " in s.value for s in at.success)


def test_network_neighbourhood_takes_any_seller_not_only_the_first_thousands(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    sellers = sorted(MemoryStore(store_dir).table("sellers")["seller_id"])
    last = sellers[-1]  # past any list cut-off
    at = _page("network").run()
    at.radio[0].set_value("Seller neighbourhood").run()
    seller_box = next(t for t in at.text_input if t.label == "Seller (id or shop name)")
    assert seller_box.value == sellers[0]
    seller_box.set_value(last.lower()).run()  # typed in lower case
    assert not at.exception and not at.error
    drawn = at.get("iframe")[0].proto.srcdoc
    assert last in drawn
    next(t for t in at.text_input if t.label == "Seller (id or shop name)").set_value("S-NOBODY").run()
    assert any("Unknown seller 'S-NOBODY'" in e.value for e in at.error)


def test_the_ring_card_says_why_in_words_and_leads_to_every_next_step(store_dir, monkeypatch, tmp_path):
    shutil.copytree(store_dir, tmp_path / "store")  # a status is saved: the shared store stays as it is
    store_dir = tmp_path / "store"
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    at = _page("rings").run()
    assert not at.exception
    store = MemoryStore(store_dir)
    ring_id = _queue(at)["ring_id"].iloc[0]
    score = store.result("ring_scores").set_index("ring_id").loc[ring_id]
    assert any(h.value == f"Ring {ring_id} · open" for h in at.header)
    said = " ".join(m.value for m in at.markdown)
    size = int(score["size"])
    assert f"{size} storefronts registered to {int(score['people'])} different" in said
    assert "**Suggested jurisdiction:** the public security bureau of" in said
    # the card's members: shop name and status beside each seller, strongest evidence first
    members = at.dataframe[0].value
    assert list(members.columns[:3]) == ["seller_id", "shop_name", "status"]
    assert set(members["seller_id"]) == set(store.rings().query("ring_id == @ring_id")["seller_id"])
    assert members["evidence_weight"].is_monotonic_decreasing
    labels = {b.label for b in at.button}
    assert {"Network", "Upstream", "Map", "Build packet"} <= labels
    # the status set from the card shows at once, in the heading and in the queue
    form = next(s for s in at.selectbox if s.label == "Status")
    form.set_value("in progress")
    at.text_area[0].set_value("called the platform")
    next(b for b in at.button if b.label.startswith("Save status")).click().run()
    assert not at.exception
    assert store.case_status().loc[ring_id, "status"] == "in progress"
    assert any(h.value == f"Ring {ring_id} · in progress" for h in at.header)
    assert _queue(at).set_index("ring_id").loc[ring_id, "status"] == "in progress"
    next(b for b in at.button if b.label == "Upstream").click().run()
    assert at.session_state["ring"] == ring_id


def test_network_focus_mode_draws_one_member_and_its_two_hops(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    at = _page("network").run()

    def nodes() -> int:
        caption = next(c.value for c in at.caption if " nodes, " in c.value)
        return int(caption.split(" nodes")[0].replace(",", ""))

    whole = nodes()
    focus = next(s for s in at.selectbox if s.label.startswith("Focus on a member"))
    assert focus.value is None  # the whole ring first
    member = focus.options[-1].split(" ")[0]
    focus.set_value(member).run()
    assert not at.exception
    assert 1 < nodes() <= whole
    assert f"seller:{member}" in at.get("iframe")[0].proto.srcdoc


def test_a_process_pool_started_after_the_app_does_not_rerun_the_app(tmp_path):
    """The order a test run takes must not matter. Streamlit leaves the app installed as
    ``__main__``; a spawned worker started by a later test (as the partial-datasets test starts
    its 256 analyses) would re-run app.py and die. Two tests in that order, run by pytest with the
    suite's conftest as a plugin: the second's pool works."""
    (tmp_path / "test_order.py").write_text(
        textwrap.dedent(
            f"""
            import multiprocessing
            import sys
            from concurrent.futures import ProcessPoolExecutor

            from streamlit.testing.v1 import AppTest

            def test_app_first():
                assert not AppTest.from_file({APP!r}, default_timeout=60).run().exception
                assert sys.modules["__main__"].__file__ == {APP!r}  # what Streamlit leaves

            def test_pool_after():
                spawn = multiprocessing.get_context("spawn")
                with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
                    assert pool.submit(sorted, [3, 1, 2]).result(timeout=120) == [1, 2, 3]
            """
        )
    )
    root = Path(APP).parent
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.conftest",
            "-o",
            "addopts=",
            str(tmp_path / "test_order.py"),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "2 passed" in run.stdout
