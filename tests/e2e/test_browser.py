"""The served app in a real headless browser (Debian's chromium driven by Playwright):
pick a ring, see its network and map, open the hotspot map; screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS, serve_app
from workbench.pipeline import analyze
from workbench.store import MemoryStore


@pytest.fixture(scope="module")
def served_app(marketplace, tmp_path_factory):
    store = tmp_path_factory.mktemp("browser") / "store"
    with MemoryStore(store) as graph_store:
        analyze(marketplace, store.parent / "out", graph_store)
    with serve_app({"WORKBENCH_STORE": str(store)}) as url:
        yield url


def test_select_a_ring_then_see_its_network_and_map(served_app, browser):
    """One browser session: pick a ring on the Rings page; the Network and Map pages open on it."""
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(served_app, wait_until="networkidle")
    page.get_by_text("Top rings by score").wait_for(timeout=60000)
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)

    page.get_by_role("link", name="Rings").click()
    page.get_by_text("Members and the evidence").wait_for(timeout=60000)
    picker = page.get_by_role("combobox", name="Ring")
    picker.click()
    options = page.locator("[role='option']")
    options.nth(1).wait_for(timeout=20000)
    chosen = options.nth(1).inner_text()
    options.nth(1).click()
    expect(picker).to_have_value(chosen, timeout=20000)
    page.get_by_role("heading", name=f"Ring {chosen}").wait_for(timeout=20000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "rings.png"), full_page=True)
    assert chosen.startswith("R-")

    page.get_by_role("link", name="Network").click()
    expect(page.get_by_role("combobox", name="Ring")).to_have_value(chosen, timeout=60000)
    graph = page.frame_locator("iframe").first
    graph.locator("canvas").first.wait_for(timeout=60000)  # vis-network drew the graph
    page.wait_for_timeout(2500)
    page.screenshot(path=str(ARTIFACTS / "network.png"), full_page=True)

    page.get_by_role("link", name="Map").click()
    expect(page.get_by_role("combobox", name="Ring")).to_have_value(chosen, timeout=60000)
    page.get_by_text("Where rings and sources concentrate").wait_for(timeout=60000)
    page.wait_for_timeout(3000)
    page.screenshot(path=str(ARTIFACTS / "map.png"), full_page=True)
    fmap = page.frame_locator("iframe").first
    fmap.locator(".leaflet-container").wait_for(timeout=60000)
    markers = fmap.locator(".leaflet-marker-icon, path.leaflet-interactive")
    expect(markers.first).to_be_attached(timeout=30000)
    assert markers.count() >= 1
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "map.png"), full_page=True)
    page.close()


def test_hotspots_page_draws_the_map(served_app, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(f"{served_app}/hotspots", wait_until="networkidle")
    page.get_by_text("Regional hotspots").wait_for(timeout=60000)
    frame = page.frame_locator("iframe").first
    frame.locator(".leaflet-container").wait_for(timeout=60000)
    from playwright.sync_api import expect

    expect(frame.locator("path.leaflet-interactive")).to_have_count(34, timeout=30000)  # every province drawn
    page.get_by_text("Significant hotspots").wait_for(timeout=30000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "hotspots.png"), full_page=True)
    page.close()


def test_every_page_opens_by_its_address(served_app, browser):
    """A link someone saved or sent (`/overview`, `/rings`, ...) opens that page, never "Page not found"."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    for path, heading in (("overview", "Needs attention"), ("rings", "Rings"), ("leads", "Leads")):
        page.goto(f"{served_app}/{path}", wait_until="networkidle")
        expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=60000)
        assert page.get_by_text("Page not found").count() == 0, path
    # the sidebar lists each page once, Overview included
    links = page.get_by_role("link", name="Overview")
    assert links.count() == 1
    page.close()
