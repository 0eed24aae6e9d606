"""Drawing helpers shared by pages: folium maps and pyvis networks that work without reaching a CDN."""

from __future__ import annotations

import base64
import html
import re
from functools import lru_cache
from pathlib import Path

import folium
from folium.plugins import MarkerCluster

__all__ = [
    "offline_map",
    "map_html",
    "marker_cluster",
    "map_text",
    "network_html",
    "EXTERNAL",
    "on_map",
]

# a reference that would make the browser leave the machine
EXTERNAL = re.compile(
    r"""(?:<(?:script|img|iframe)[^>]*\ssrc|<link[^>]*\shref)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|tile\.openstreetmap""",
    re.IGNORECASE,
)
# pyvis's page template pulls Bootstrap from a CDN for menus these networks do not use
_BOOTSTRAP = re.compile(r"<(?:link|script)[^>]*bootstrap[^>]*>(?:\s*</script>)?", re.IGNORECASE)

_STATIC = Path(__file__).resolve().parent / "static"
_LEAFLET = _STATIC / "leaflet"


@lru_cache(maxsize=8)
def _data_uri(name: str, mime: str, folder: str = "leaflet") -> str:
    return f"data:{mime};base64," + base64.b64encode((_STATIC / folder / name).read_bytes()).decode()


def marker_cluster(**kwargs) -> MarkerCluster:
    """A marker cluster layer whose script and styles come from the bundled copy, not a CDN."""
    cluster = MarkerCluster(**kwargs)
    cluster.default_js = [
        ("markerclusterjs", _data_uri("leaflet.markercluster.js", "text/javascript", "markercluster"))
    ]
    cluster.default_css = [
        ("markerclustercss", _data_uri("MarkerCluster.css", "text/css", "markercluster")),
        ("markerclusterdefaultcss", _data_uri("MarkerCluster.Default.css", "text/css", "markercluster")),
    ]
    return cluster


def offline_map(**kwargs) -> folium.Map:
    """A folium map whose Leaflet comes from the bundled copy instead of a CDN.

    jQuery and Bootstrap, which folium also pulls from CDNs, are left out: the maps here use
    only Leaflet; and no tile server (the bundled province outlines are the base layer).
    """
    fmap = folium.Map(**{**kwargs, "tiles": None})
    fmap.default_js = [("leaflet", _data_uri("leaflet.js", "text/javascript"))]
    fmap.default_css = [("leaflet_css", _data_uri("leaflet.css", "text/css"))]
    return fmap


def map_html(fmap: folium.Map) -> str:
    return fmap.get_root().render()


def map_text(text: str) -> str:
    """Data text for a folium tooltip: HTML-escaped, and with the characters that could end or
    interpolate the JavaScript template literal folium wraps it in (backtick, dollar) as entities."""
    return html.escape(str(text)).replace("`", "&#96;").replace("$", "&#36;")


def network_html(net) -> str:
    """A pyvis network's page with vis.js inline and without pyvis's Bootstrap links: nothing in
    it asks a CDN for anything (the app works offline)."""
    return _BOOTSTRAP.sub("", net.generate_html(notebook=False))


def on_map(fmap: folium.Map, body: str, corner: str = "bottom:18px;left:12px") -> None:
    """Draw ``body`` (trusted HTML: a legend) in a box in a corner of the map, above the layers."""
    fmap.get_root().html.add_child(
        folium.Element(
            f'<div class="map-legend" style="position:fixed;{corner};z-index:9999;max-width:340px;'
            f'background:white;padding:6px 8px;border:1px solid #999;font:12px sans-serif">{body}</div>'
        )
    )
