"""Nothing the app draws asks the internet for anything: network frames without pyvis's Bootstrap
CDN links, maps without a tile server (the bundled province outlines are the base layer)."""

from __future__ import annotations

import pytest
from pyvis.network import Network

from workbench.app.components import EXTERNAL, map_html, network_html, offline_map
from workbench.app.testing import page_test
from workbench.pipeline import analyze
from workbench.store import MemoryStore


def test_the_pattern_sees_what_a_browser_would_fetch():
    assert EXTERNAL.search('<script src="https://cdn.example/x.js"></script>')
    assert EXTERNAL.search("<link rel=stylesheet href='//cdn.example/x.css'>")
    assert EXTERNAL.search('L.tileLayer("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")')
    assert not EXTERNAL.search('<a href="https://leafletjs.com">Leaflet</a>')  # a link, not a request
    net = Network(cdn_resources="in_line")
    net.add_node("a")
    assert EXTERNAL.search(net.generate_html(notebook=False))  # pyvis alone would reach a CDN
    assert not EXTERNAL.search(network_html(net))
    assert not EXTERNAL.search(map_html(offline_map(location=[33, 108], zoom_start=4, tiles="OpenStreetMap")))


@pytest.fixture(scope="module")
def store_dir(marketplace, tmp_path_factory):
    root = tmp_path_factory.mktemp("offline")
    with MemoryStore(root / "store") as store:
        analyze(marketplace, root / "out", store)
    return root / "store"


@pytest.mark.parametrize("page", ["network", "upstream", "ring_map", "hotspots"])
def test_every_frame_a_page_draws_stays_on_the_machine(store_dir, monkeypatch, page):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    at = page_test(page, role="investigator")
    at.run()
    assert not at.exception, at.exception
    frames = [f.proto.srcdoc for f in at.get("iframe")]
    assert frames, f"{page} drew no frame"
    for html in frames:
        found = EXTERNAL.search(html)
        assert found is None, f"{page}: {html[max(0, found.start() - 80) : found.end() + 80]}"
