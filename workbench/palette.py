"""One colour and shape per kind of thing drawn (storefronts, identifiers, places, sources), shared by
the app's network, flow chart and maps and by the packet's pictures, with the legend that explains them.

The colours are from the Tableau 10 set, which stays distinguishable for the common forms of colour
blindness when paired with distinct shapes (every kind also has its own shape).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from workbench.i18n import N_, _

__all__ = ["Style", "STYLES", "style", "legend_html", "swatch_html"]


@dataclass(frozen=True)
class Style:
    colour: str
    shape: str  # vis-network's shape name
    marker: str  # matplotlib's marker for the same shape
    words: str  # what the legend says (English; ``_()`` gives it in the reader's language)


STYLES: dict[str, Style] = {
    "ring_member": Style("#1f77b4", "dot", "o", N_("storefront in a ring")),
    "seller": Style("#aec7e8", "dot", "o", N_("other storefront")),
    "person_id": Style("#9467bd", "square", "s", N_("person ID")),
    "phone": Style("#2ca02c", "square", "s", N_("phone")),
    "email": Style("#17becf", "square", "s", N_("e-mail")),
    "device": Style("#8c564b", "square", "s", N_("device")),
    "ip": Style("#7f7f7f", "square", "s", N_("IP address")),
    "bank_account": Style("#e377c2", "square", "s", N_("payout account")),
    "address": Style("#ff7f0e", "triangle", "^", N_("address or warehouse")),
    "factory": Style("#d62728", "star", "*", N_("factory (source)")),
    "intermediary": Style("#ad494a", "diamond", "D", N_("wholesaler or intermediary")),
    "hub": Style("#c7c7c7", "diamond", "D", N_("hub (shared by many, not evidence)")),
    "more": Style("#ffffff", "box", "s", N_("more neighbours, not drawn")),
}
# the shape drawn as a CSS swatch in a legend
_SWATCH = {
    "dot": "border-radius:50%",
    "square": "",
    "box": "border:1px solid #999",
    "triangle": "clip-path:polygon(50% 0,100% 100%,0 100%)",
    "star": "clip-path:polygon(50% 0,61% 35%,98% 35%,68% 57%,79% 91%,50% 70%,21% 91%,32% 57%,2% 35%,39% 35%)",
    "diamond": "clip-path:polygon(50% 0,100% 50%,50% 100%,0 50%)",
}


def style(kind: str) -> Style:
    """The style of ``kind`` (an organisation's kind other than a factory is an intermediary)."""
    if kind in STYLES:
        return STYLES[kind]
    if kind in ("organization", "org", "wholesaler", "logistics"):
        return STYLES["intermediary"]
    return Style("#999999", "dot", "o", kind.replace("_", " "))


def swatch_html(kind: str, size: int = 14) -> str:
    """The kind's shape in its colour, as an HTML element (for legends and map markers)."""
    s = style(kind)
    return (
        f'<span style="display:inline-block;width:{size}px;height:{size}px;background:{s.colour};'
        f'{_SWATCH.get(s.shape, "")}"></span>'
    )


def legend_html(
    kinds: list[str], extra: list[tuple[str, str]] | None = None, words: dict[str, str] | None = None
) -> str:
    """A legend of swatches, one per kind in ``kinds`` (each in its colour and shape, said in the
    palette's words or in ``words``), and ``extra`` (colour, words) lines such as edge colours."""
    items = []
    for kind in dict.fromkeys(kinds):
        said = _((words or {}).get(kind, style(kind).words))
        items.append(
            f'<span style="display:inline-flex;align-items:center;margin:0 14px 4px 0">'
            f'<span style="margin-right:6px;display:inline-flex">{swatch_html(kind)}</span>'
            f"{html.escape(said)}</span>"
        )
    for colour, words in extra or []:
        items.append(
            f'<span style="display:inline-flex;align-items:center;margin:0 14px 4px 0">'
            f'<span style="display:inline-block;width:22px;height:3px;background:{colour};'
            f'margin-right:6px"></span>{html.escape(_(words))}</span>'
        )
    return (
        '<div class="legend" style="font:13px sans-serif;color:#333;display:flex;flex-wrap:wrap">'
        + "".join(items)
        + "</div>"
    )
