"""The served app in a real headless browser (Debian's chromium driven by Playwright):
pick a ring, see its network and map, open the hotspot map; screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import ARTIFACTS, serve_app
from workbench.i18n import _, in_language
from workbench.pipeline import analyze
from workbench.store import MemoryStore

_STORES: dict[str, Path] = {}


@pytest.fixture(scope="module")
def served_app(marketplace, tmp_path_factory):
    store = tmp_path_factory.mktemp("browser") / "store"
    with MemoryStore(store) as graph_store:
        analyze(marketplace, store.parent / "out", graph_store)
    with serve_app({"WORKBENCH_STORE": str(store)}) as url:
        _STORES[url] = store
        yield url


def served_app_store(url: str) -> Path:
    """The store the app at ``url`` serves (to choose what to type from the data itself)."""
    return _STORES[url]


LOCAL = ("http://127.0.0.1", "data:", "blob:", "about:")


def _offline_page(browser, external: list[str], locale: str = "en-GB"):
    """A page whose every request is checked: one leaving the machine is recorded and refused; the
    browser asks for ``locale`` (its Accept-Language), as a reader's browser would."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale=locale
    )

    def route(route):
        if route.request.url.startswith(LOCAL):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    return context, context.new_page()


def _graph_frame(page, timeout_s: float = 60):
    """The frame holding a vis-network graph (the network explorer's main graph)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate("typeof network !== 'undefined' && typeof EXPAND !== 'undefined'"):
                    return frame
            except Exception:  # a frame being replaced by a rerun
                continue
        page.wait_for_timeout(500)
    pytest.fail("no network graph with click expansion was drawn")


def _click_to_expand(page) -> tuple[str, int, int, str]:
    """Click the first expandable node of the graph; (node, nodes before, nodes after, the nodes the
    page says it expanded). A rerun may replace the frame meanwhile: then it is found again."""
    from playwright.sync_api import Error

    for _attempt in range(5):
        frame = _graph_frame(page)
        page.wait_for_timeout(2500)  # the layout settles
        try:
            before = frame.evaluate("nodes.length")
            target = frame.evaluate("Object.keys(EXPAND)[0]")
            key = json.dumps(target)
            spot = frame.evaluate(f"network.canvasToDOM(network.getPositions([{key}])[{key}])")
            frame.locator("canvas").first.click(position={"x": spot["x"], "y": spot["y"]})
            page.wait_for_timeout(1000)
            return (
                target,
                before,
                frame.evaluate("nodes.length"),
                frame.evaluate("document.body.dataset.expanded") or "",
            )
        except Error as exc:  # the frame was detached by a rerun
            if "detached" not in str(exc):
                raise
    pytest.fail("the graph's frame kept being replaced")


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]


def _words(language: str):
    """The interface's words in ``language`` (from the catalogue the app reads), and a pattern
    matching a text with placeholders ("{n} match(es)") whatever fills them."""

    def said(text: str) -> str:
        with in_language(language):
            return _(text)

    def pattern(text: str) -> re.Pattern:
        return re.compile("^" + re.sub(r"\\\{[^}]*\\\}|\{[^}]*\}", ".+?", re.escape(said(text))))

    return said, pattern


@pytest.mark.parametrize(("language", "locale"), [("en", "en-GB"), ("zh", "zh-CN")])
def test_the_investigators_path_with_nothing_leaving_the_machine(
    served_app, browser, marketplace, language, locale
):
    """Overview (the queue) -> the most urgent ring (its card on one screen) -> Network (a phone
    typed with spaces, a node expanded by a click) -> Upstream -> Map -> Leads (a status saved and
    shown, the packet downloaded twice), in the language the browser asks for; any request to
    another machine fails the test."""
    from playwright.sync_api import expect

    said, pattern = _words(language)
    ARTIFACTS.mkdir(exist_ok=True)
    external: list[str] = []
    context, page = _offline_page(browser, external, locale)
    page.goto(served_app, wait_until="networkidle")
    queue_heading = page.get_by_role(
        "heading", name=said("The queue: flagged and over the referral threshold")
    )
    queue_heading.wait_for(timeout=90000)
    page.screenshot(path=str(ARTIFACTS / f"walk-{language}-1-overview.png"))
    # the product's name and icon (served by the app itself), no developer toolbar
    assert said("Counterfeit Ring Workbench") in page.title()
    icon = page.locator("link[rel*='icon']").first.get_attribute("href")
    assert icon and (
        icon.startswith("http://127.0.0.1") or not icon.startswith(("http://", "https://", "//"))
    )
    assert page.get_by_role("button", name="Deploy").count() == 0

    # click the queue's first row (the grid is a canvas: its row-select column at the left), once
    # the page has finished drawing: a click on a table still loading selects nothing
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    grid = page.locator("[data-testid='stDataFrame']").nth(1)
    grid.locator("canvas").first.wait_for(timeout=60000)
    card = page.get_by_role("heading", name=pattern("Ring {ring_id} · {status}"))
    for _attempt in range(3):
        page.wait_for_timeout(1500)
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
        try:
            card.wait_for(timeout=30000)
            break
        except PlaywrightTimeout:
            continue
    card.wait_for(timeout=30000)
    ring_id = re.search(r"R-[0-9a-f]+", card.inner_text()).group(0)
    why = page.get_by_text(said("Why:")).first
    why.wait_for(timeout=30000)
    page.wait_for_timeout(3000)
    page.screenshot(path=str(ARTIFACTS / f"walk-{language}-2-ring-card.png"))
    for part in (card, why, page.get_by_role("button", name=said("Build packet"))):
        assert _in_view(page, part), "the ring card does not fit one screen at 1400 x 1000"
    members = page.locator("[data-testid='stDataFrame']").first
    assert _in_view(page, members)

    # Network, from the card: a member's phone typed as people write it (spaces, no country code)
    store = MemoryStore(served_app_store(served_app))
    ring_members = set(store.rings().query("ring_id == @ring_id")["seller_id"])
    links = store.table("seller_links")
    phone = links[(links["kind"] == "phone") & links["seller_id"].isin(ring_members)]["value"].iloc[0]
    digits = phone.removeprefix("+86")
    typed = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    page.get_by_role("button", name=said("Network")).click()
    search = page.get_by_label(said("Find a seller, shop, phone, account, e-mail, device or address"))
    search.wait_for(timeout=60000)
    search.fill(typed)
    search.press("Enter")
    expect(page.get_by_text(pattern("{n} match(es)"))).to_be_visible(timeout=60000)
    # the legend beside the graph, in the reader's words
    expect(page.get_by_text(said("storefront in a ring")).first).to_be_visible(timeout=30000)
    target, before, after, expanded = _click_to_expand(page)
    assert target in expanded and after > before
    page.screenshot(path=str(ARTIFACTS / f"walk-{language}-3-network.png"))

    for name, wait in (
        ("Upstream", "Ranked sources"),
        ("Map", "Where rings and sources concentrate, by province"),
    ):
        page.get_by_role("link", name=said(name)).click()
        expect(page.get_by_role("combobox", name=said("Ring"))).to_have_value(ring_id, timeout=60000)
        page.get_by_text(said(wait)).first.wait_for(timeout=60000)
        page.wait_for_timeout(3000)
        page.screenshot(path=str(ARTIFACTS / f"walk-{language}-4-{name.lower()}.png"))
    fmap = page.frame_locator("iframe").first
    expect(fmap.locator(".map-legend")).to_be_visible(timeout=30000)

    # Leads: the status saved shows at once; the packet downloads, and downloads again
    page.get_by_role("link", name=said("Leads")).click()
    expect(page.get_by_role("combobox", name=said("Ring"))).to_have_value(ring_id, timeout=60000)
    page.get_by_label(said("Note (what was done, by whom it was referred, why dismissed)")).fill(
        "sent to Yiwu PSB"
    )
    page.get_by_role("combobox", name=said("Status")).click()
    page.get_by_role("option", name=said("referred")).click()
    page.get_by_role("button", name=pattern("Save status as {name}")).click()
    heading = said("Case status of {ring_id}: {status}").format(ring_id=ring_id, status=said("referred"))
    expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=60000)
    page.get_by_role("button", name=said("Build lead packet")).click()
    download = page.get_by_role("button", name=pattern("Download {packet_id} (zip)"))
    download.wait_for(timeout=120000)
    for _attempt in range(2):
        with page.expect_download(timeout=60000) as got:
            download.click()
        assert got.value.suggested_filename.endswith(".zip")
    page.screenshot(path=str(ARTIFACTS / f"walk-{language}-5-leads.png"))
    context.close()
    assert external == [], f"requests left the machine: {external[:5]}"


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
    # (the sidebar may draw after the page's heading: wait for it)
    expect(page.get_by_role("link", name="Overview", exact=True)).to_have_count(1, timeout=30000)
    page.close()
