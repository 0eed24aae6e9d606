"""Static pictures for the report: a map of the ring's places and a picture of its network."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from workbench.palette import style  # noqa: E402

from .report import FONT  # noqa: E402

# Chinese names draw with the bundled CJK font; Latin text keeps matplotlib's own
font_manager.fontManager.addfont(str(FONT))
matplotlib.rcParams["font.family"] = ["DejaVu Sans", "WenQuanYi Micro Hei"]

__all__ = ["map_image", "network_image", "choropleth"]

PROVINCES = Path(__file__).resolve().parent.parent / "geo" / "cn-atlas-provinces.geojson"
# the app's palette: a kind has one colour and shape in the app and in the packet's pictures
_ROLE_STYLE = {
    role: (style(kind).colour, style(kind).marker, words)
    for role, kind, words in (
        ("storefront", "ring_member", "storefront address"),
        ("warehouse", "address", "warehouse"),
        ("source rank 1", "factory", "most likely source"),
    )
}
# the case graph's node labels -> the palette's kinds
_LABEL_KIND = {
    "Seller": "ring_member",
    "Person": "person_id",
    "Phone": "phone",
    "Email": "email",
    "Device": "device",
    "IP": "ip",
    "BankAccount": "bank_account",
    "Address": "address",
    "Organization": "factory",
}


def _save(fig, ax, title: str, path: Path, axis: bool = True) -> Path:
    """Title, write and release a figure (pyplot keeps figures alive until closed)."""
    ax.set_title(title, fontsize=10)
    if not axis:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


@lru_cache(maxsize=1)
def _provinces():
    import geopandas as gpd

    frame = gpd.read_file(PROVINCES)
    frame["geometry"] = frame.geometry.make_valid()
    return frame


def map_image(locations: pd.DataFrame, path: Path, title: str) -> Path:
    placed = locations.dropna(subset=["lat", "lon"])
    fig, ax = plt.subplots(figsize=(8, 6.5), dpi=110)
    _provinces().plot(ax=ax, color="#f2f2f2", edgecolor="#b0b0b0", linewidth=0.4)
    for role, (colour, marker, label) in _ROLE_STYLE.items():
        points = placed[placed["role"] == role]
        if len(points):
            size = 220 if marker == "*" else 28
            ax.scatter(
                points["lon"],
                points["lat"],
                c=colour,
                marker=marker,
                s=size,
                label=label,
                edgecolors="black",
                linewidths=0.4,
                zorder=3,
            )
    if len(placed):
        pad = 3
        ax.set_xlim(max(73, placed["lon"].min() - pad), min(135, placed["lon"].max() + pad))
        ax.set_ylim(max(17, placed["lat"].min() - pad), min(54, placed["lat"].max() + pad))
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.legend(loc="lower left", fontsize=8)
    return _save(fig, ax, title, path)


def network_image(graph: nx.MultiDiGraph, path: Path, title: str) -> Path:
    # the ring itself: storefronts, people and shared identifiers (flows have their own section)
    keep = [n for n, d in graph.nodes(data=True) if d.get("label") not in ("Organization",)]
    simple = nx.Graph(graph.subgraph(keep))
    fig, ax = plt.subplots(figsize=(8, 6.5), dpi=110)
    if simple.number_of_nodes():
        layout = nx.spring_layout(simple, seed=7, k=0.6)
        nx.draw_networkx_edges(simple, layout, ax=ax, alpha=0.4, width=0.8)
        for label, kind in _LABEL_KIND.items():  # one draw per kind: each has its own shape
            nodes = [n for n in simple if simple.nodes[n].get("label") == label]
            if nodes:
                look = style(kind)
                nx.draw_networkx_nodes(
                    simple,
                    layout,
                    nodelist=nodes,
                    ax=ax,
                    node_color=look.colour,
                    node_shape=look.marker,
                    node_size=220 if label == "Seller" else 80,
                    edgecolors="black",
                    linewidths=0.3,
                    label=look.words,
                )
        labels = {
            n: simple.nodes[n].get("key", "") for n in simple if simple.nodes[n].get("label") == "Seller"
        }
        nx.draw_networkx_labels(simple, layout, labels=labels, ax=ax, font_size=6)
        ax.legend(loc="lower left", fontsize=7)
    return _save(fig, ax, title, path, axis=False)


def choropleth(table, column: str, path: Path, title: str) -> Path:
    """A static choropleth of ``column`` over the regions in ``table`` (a GeoDataFrame)."""
    fig, ax = plt.subplots(figsize=(9, 7), dpi=110)
    table.plot(
        ax=ax,
        column=column,
        cmap="OrRd",
        legend=True,
        edgecolor="#888888",
        linewidth=0.3,
        missing_kwds={"color": "#eeeeee", "label": "no data"},
    )
    ax.set_xlim(73, 135)
    ax.set_ylim(17, 54)
    return _save(fig, ax, title, path, axis=False)
