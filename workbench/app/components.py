"""Drawing helpers shared by pages: folium maps that work without reaching a CDN."""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

import folium

__all__ = ["offline_map", "map_html"]

_LEAFLET = Path(__file__).resolve().parent / "static" / "leaflet"


@lru_cache(maxsize=1)
def _data_uri(name: str, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode((_LEAFLET / name).read_bytes()).decode()


def offline_map(**kwargs) -> folium.Map:
    """A folium map whose Leaflet comes from the bundled copy instead of a CDN.

    jQuery and Bootstrap, which folium also pulls from CDNs, are left out: the maps here use
    only Leaflet. Tiles still come from the tile server where one is reachable.
    """
    fmap = folium.Map(**kwargs)
    fmap.default_js = [("leaflet", _data_uri("leaflet.js", "text/javascript"))]
    fmap.default_css = [("leaflet_css", _data_uri("leaflet.css", "text/css"))]
    return fmap


def map_html(fmap: folium.Map) -> str:
    return fmap.get_root().render()
