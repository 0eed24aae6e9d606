"""The network explorer's graph: a ring or a seller's neighbourhood as sellers and identifiers, hubs
collapsed, nodes expanded in place up to a cap, drawn with pyvis (its script inlined, no CDN).

Labels are drawn on a canvas (text, never HTML); tooltips are escaped, so a hostile shop name shows
as text wherever it appears.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from pyvis.network import Network

from workbench.app.components import network_html
from workbench.app.data import NetworkIndex
from workbench.i18n import N_, _
from workbench.leads.redact import PERSONAL_KINDS, Redactor
from workbench.model import LINK_KIND_TO_NODE
from workbench.palette import legend_html, style

__all__ = [
    "ExplorerGraph",
    "ring_graph",
    "collapsed",
    "focused",
    "neighbourhood_graph",
    "expand",
    "to_html",
    "EXPAND_CAP",
    "click_expansions",
    "path_graph",
    "masked",
    "masked_path",
]

EXPAND_CAP = 25


@dataclass
class ExplorerGraph:
    """Nodes and edges to draw; node ids are ``seller:S1`` or ``phone:8613...``."""

    nodes: dict[str, dict] = field(default_factory=dict)
    edges: set[tuple[str, str]] = field(default_factory=set)

    def add_seller(self, index: NetworkIndex, seller: str, ring_id: str | None = None) -> str:
        node = f"seller:{seller}"
        if node not in self.nodes:
            # in a ring's view its own members; elsewhere any seller some ring holds
            ring = index.ring_of.get(seller)
            in_ring = ring is not None and (ring_id is None or ring == ring_id)
            name = index.shop_names.get(seller, "")
            self.nodes[node] = {
                "label": f"{seller}\n{name}"[:60],
                "kind": "ring_member" if in_ring else "seller",
                "title": _("seller {seller}: {name}; ring {ring}").format(
                    seller=seller, name=name, ring=index.ring_of.get(seller, _("none"))
                ),
            }
        return node

    def add_identifier(self, index: NetworkIndex, kind: str, value: str) -> str:
        node = f"{kind}:{value}"
        if node not in self.nodes:
            degree = index.degree(kind, value)
            hub = index.is_hub(kind, value)
            self.nodes[node] = {
                "label": f"{_(kind)}\n{value}"
                + ("\n" + _("(hub, {n} sellers)").format(n=degree) if hub else ""),
                "kind": "hub" if hub else kind,
                "title": _("{kind} {value}: used by {n} seller(s)").format(
                    kind=_(kind), value=value, n=degree
                )
                + (_("; collapsed hub") if hub else ""),
            }
        return node


def ring_graph(index: NetworkIndex, members: list[str], ring_id: str) -> ExplorerGraph:
    """A ring's members and the identifiers they use; identifiers only one member uses are left
    out (they tie nothing together), hubs are shown collapsed (not expanded into their sellers)."""
    graph = ExplorerGraph()
    in_ring = set(members)
    for seller in members:
        a = graph.add_seller(index, seller, ring_id)
        for kind, value, _uses in index.identifiers_of.get(seller, []):
            shared = [s for s in index.owners_of.get((kind, value), []) if s in in_ring]
            if len(shared) >= 2 or index.degree(kind, value) > index.settings.degree_cap(kind):
                graph.edges.add((a, graph.add_identifier(index, kind, value)))
    return graph


def neighbourhood_graph(index: NetworkIndex, seller: str) -> ExplorerGraph:
    """A seller, its identifiers and (capped) the other sellers using each of them."""
    graph = ExplorerGraph()
    node = graph.add_seller(index, seller, index.ring_of.get(seller))
    expand(graph, index, node)
    for other in list(graph.nodes):
        if other != node and graph.nodes[other]["kind"] != "hub":
            expand(graph, index, other, ring_id=index.ring_of.get(seller))
    return graph


def expand(
    graph: ExplorerGraph, index: NetworkIndex, node: str, cap: int = EXPAND_CAP, ring_id: str | None = None
) -> int:
    """Add ``node``'s neighbours in place, at most ``cap`` of them, and an "and N more" node for
    the rest; returns how many were left out."""
    kind, _colon, key = node.partition(":")
    if kind == "more":
        return 0
    if kind == "seller":
        neighbours = [(k, v) for k, v, _uses in index.identifiers_of.get(key, [])]
        neighbours = sorted(set(neighbours))
        shown = neighbours[:cap]
        for k, v in shown:
            graph.edges.add((node, graph.add_identifier(index, k, v)))
    else:
        neighbours = index.owners_of.get((kind, key), [])
        shown = neighbours[:cap]
        for seller in shown:
            graph.edges.add((graph.add_seller(index, seller, ring_id), node))
    hidden = len(neighbours) - len(shown)
    if hidden > 0:
        more = f"more:{node}"
        graph.nodes[more] = {
            "label": _("and {n} more").format(n=hidden),
            "kind": "more",
            "title": _("{n} more neighbours of {node} not drawn (cap {cap})").format(
                n=hidden, node=node, cap=cap
            ),
        }
        graph.edges.add((node, more))
    return hidden


# path entries are Label:key; the labels whose keys are personal identifiers
_PERSONAL_LABELS = {LINK_KIND_TO_NODE[k]: k for k in PERSONAL_KINDS}


def masked(graph: ExplorerGraph, masker: Redactor) -> tuple[ExplorerGraph, dict[str, str]]:
    """``graph`` with personal identifiers replaced by tokens (ids, labels, tooltips) for a role
    that may not see them, and the map from each shown node id back to the real one."""
    if not masker.enabled:
        return graph, {n: n for n in graph.nodes}

    def shown(node: str) -> str:
        kind, _colon, key = node.partition(":")
        if kind == "more":
            return "more:" + shown(key)
        return f"{kind}:{masker.value(kind, key)}" if kind in PERSONAL_KINDS else node

    ids = {node: shown(node) for node in graph.nodes}  # registers every value before the texts
    out = ExplorerGraph()
    for node, attrs in graph.nodes.items():
        out.nodes[ids[node]] = {
            **attrs,
            "label": masker.text(attrs["label"]),
            "title": masker.text(attrs["title"]),
        }
    out.edges = {(ids[a], ids[b]) for a, b in graph.edges}
    return out, {v: k for k, v in ids.items()}


def masked_path(path: list[str], masker: Redactor) -> list[str]:
    """A shortest-connection path (``Label:key`` entries) with personal keys tokenised."""
    out = []
    for entry in path:
        label, _colon, key = entry.partition(":")
        kind = _PERSONAL_LABELS.get(label)
        out.append(f"{label}:{masker.value(kind, key)}" if kind else entry)
    return out


def click_expansions(
    graph: ExplorerGraph, index: NetworkIndex, cap: int = EXPAND_CAP, limit: int = 400
) -> dict[str, ExplorerGraph]:
    """For each node drawn (up to ``limit``), what a click on it adds: its neighbours not drawn
    yet (at most ``cap``), so the browser expands it in place without asking the server."""
    out = {}
    for node in list(graph.nodes)[:limit]:
        kind, _colon, key = node.partition(":")
        if kind == "more" or graph.nodes[node]["kind"] == "hub":
            continue
        added = ExplorerGraph()
        if kind == "seller":
            around = sorted({(k, v) for k, v, _uses in index.identifiers_of.get(key, [])})[:cap]
            pairs = [(node, added.add_identifier(index, k, v)) for k, v in around]
        else:
            pairs = [(added.add_seller(index, s), node) for s in index.owners_of.get((kind, key), [])[:cap]]
        added.edges = {pair for pair in pairs if pair not in graph.edges}
        for drawn in set(added.nodes) & set(graph.nodes):
            del added.nodes[drawn]
        if added.nodes or added.edges:
            out[node] = added
    return out


# past this many identifiers of one kind in a view, they are folded into one expandable node
COLLAPSE_AT = 20
# how far from the member in focus the focus mode reaches
FOCUS_HOPS = 2


def focused(graph: ExplorerGraph, node: str, hops: int = FOCUS_HOPS) -> ExplorerGraph:
    """The part of ``graph`` within ``hops`` links of ``node`` (a member and what ties it to the
    others): a big ring read one storefront at a time."""
    around: dict[str, set[str]] = {}
    for a, b in graph.edges:
        around.setdefault(a, set()).add(b)
        around.setdefault(b, set()).add(a)
    reached, frontier = {node}, {node}
    for _hop in range(hops):
        frontier = {n for f in frontier for n in around.get(f, ())} - reached
        reached |= frontier
    out = ExplorerGraph()
    out.nodes = {n: attrs for n, attrs in graph.nodes.items() if n in reached}
    out.edges = {(a, b) for a, b in graph.edges if a in reached and b in reached}
    return out


def collapsed(graph: ExplorerGraph, at: int = COLLAPSE_AT) -> tuple[ExplorerGraph, dict[str, ExplorerGraph]]:
    """``graph`` with the identifiers of each kind drawn more than ``at`` times folded into one node
    (``group:phone``, tied to every storefront using one of them), and what a click on each such
    node adds back: its identifiers and their links. Sellers, hubs and places stay as they are."""
    by_kind: dict[str, list[str]] = {}
    for node, attrs in graph.nodes.items():
        kind = node.partition(":")[0]
        if kind in KIND_NAMES and kind != "address" and attrs["kind"] == kind:
            by_kind.setdefault(kind, []).append(node)
    folded = {kind: set(nodes) for kind, nodes in by_kind.items() if len(nodes) > at}
    if not folded:
        return graph, {}
    inside = set().union(*folded.values())
    out = ExplorerGraph()
    out.nodes = {n: attrs for n, attrs in graph.nodes.items() if n not in inside}
    out.edges = {(a, b) for a, b in graph.edges if a not in inside and b not in inside}
    groups: dict[str, ExplorerGraph] = {}
    for kind, nodes in folded.items():
        group = f"group:{kind}"
        users = {a if b in nodes else b for a, b in graph.edges if a in nodes or b in nodes}
        out.nodes[group] = {
            "label": _("{kind} ×{n}\n(click to show)").format(kind=_(kind), n=len(nodes)),
            "kind": kind,
            "title": _(
                "{n} {kind} identifiers shared in this view, folded into one node; a click draws them"
            ).format(n=len(nodes), kind=_(kind)),
        }
        out.edges |= {(user, group) for user in users - inside}
        added = ExplorerGraph()
        added.nodes = {n: graph.nodes[n] for n in nodes}
        added.edges = {(a, b) for a, b in graph.edges if a in nodes or b in nodes}
        groups[group] = added
    return out, groups


def path_graph(index: NetworkIndex, path: list[str]) -> ExplorerGraph:
    """A shortest connection (``Label:key`` entries) as a graph: sellers with shop name and ring,
    identifiers with how many sellers use each."""
    labels = {v: k for k, v in LINK_KIND_TO_NODE.items()}
    graph = ExplorerGraph()
    drawn = []
    for entry in path:
        label, _colon, key = entry.partition(":")
        if label == "Seller":
            node = graph.add_seller(index, key, index.ring_of.get(key))
            graph.nodes[node]["label"] += "\n" + _("ring {ring}").format(
                ring=index.ring_of.get(key, _("none"))
            )
        else:
            kind = labels.get(label, label.lower())
            node = graph.add_identifier(index, kind, key)
            if graph.nodes[node]["kind"] != "hub":
                graph.nodes[node]["label"] += "\n" + _("used by {n} sellers").format(
                    n=index.degree(kind, key)
                )
        drawn.append(node)
    graph.edges = set(zip(drawn, drawn[1:], strict=False))
    return graph


def legend(graph: ExplorerGraph) -> str:
    """The swatches of the kinds drawn in ``graph``, in the palette's order."""
    from workbench.palette import STYLES

    kinds = {attrs["kind"] for attrs in graph.nodes.values()}
    return legend_html([k for k in STYLES if k in kinds])


# when the graph is first on screen (document.body.dataset.drawnAt, ms since the frame opened):
# the browser test reads it to report how long a big ring takes to draw
_DRAWN_SCRIPT = """
<script type="text/javascript">
(function () {
  function drawn() {
    document.body.dataset.drawnAt = document.body.dataset.drawnAt || String(performance.now());
  }
  network.once("afterDrawing", drawn);
  // without physics the first drawing may come before this script: the second frame from now has it
  requestAnimationFrame(function () { requestAnimationFrame(drawn); });
})();
</script>
"""

_CLICK_SCRIPT = """
<script type="text/javascript">
// a click on a node adds its neighbours in place (computed by the server with the page)
var EXPAND = %s;
network.on("click", function (params) {
  if (!params.nodes.length) { return; }
  var id = params.nodes[0], more = EXPAND[id];
  if (!more) { return; }
  // new nodes start around the one clicked (a sunflower spiral), not piled at the origin: a big
  // graph is drawn without physics and would leave them there
  // (added in one call each: one redraw, not one per node)
  var at = network.getPositions([id])[id];
  var added = more.nodes.filter(function (n) { return !nodes.get(n.id); }).map(function (n, i) {
    return Object.assign({x: at.x + 45 * Math.sqrt(i + 1) * Math.cos((i + 1) * 2.39996),
                          y: at.y + 45 * Math.sqrt(i + 1) * Math.sin((i + 1) * 2.39996)}, n);
  });
  nodes.add(added);
  edges.add(more.edges);
  delete EXPAND[id];
  // a folded group gives way to the identifiers it stood for
  if (id.indexOf("group:") === 0) { nodes.remove(id); } else { nodes.update({id: id, borderWidth: 4}); }
  document.body.dataset.expanded = (document.body.dataset.expanded || "") + id + "\\n";
});
</script>
"""


def _vis_node(node: str, attrs: dict, highlight: set[str]) -> dict:
    look = style(attrs["kind"])
    return {
        "id": node,
        "label": attrs["label"],  # canvas text: never parsed as HTML
        "title": html.escape(attrs["title"]),
        "color": look.colour,
        "shape": look.shape,
        "size": 24 if node in highlight else 15,
        "borderWidth": 4 if node in highlight else 1,
        "font": {"size": 16, "strokeWidth": 3, "strokeColor": "#ffffff"},
    }


# more nodes than this are laid out on the server (igraph) and drawn without physics
PHYSICS_NODES = 300


def server_layout(graph: ExplorerGraph, width: float = 2400.0) -> dict[str, tuple[float, float]]:
    """Positions for a big graph, computed once with igraph's Fruchterman-Reingold (in C), scaled to
    about ``width`` pixels so labels do not pile up."""
    import igraph as ig

    names = list(graph.nodes)
    number = {n: i for i, n in enumerate(names)}
    g = ig.Graph(n=len(names), edges=[(number[a], number[b]) for a, b in graph.edges])
    coords = g.layout_fruchterman_reingold(niter=150) if len(names) else []
    if not len(names):
        return {}
    xs, ys = zip(*coords, strict=True)
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    scale = width / span
    at = {n: (float(x * scale), float(y * scale)) for n, (x, y) in zip(names, coords, strict=True)}
    return _twins_apart(graph, at)


# nodes tied to exactly the same neighbours are at least this far apart (pixels): a folded node's label
# is about 140 wide, and one drawn over another could not be clicked
TWIN_GAP = 160.0


def _twins_apart(graph: ExplorerGraph, at: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """``at`` with nodes that have the same neighbours (two folded groups tied to every member, say)
    set on a circle around their common spot: the layout's forces put such twins on one point."""
    import math

    around: dict[str, set[str]] = {n: set() for n in graph.nodes}
    for a, b in graph.edges:
        around[a].add(b)
        around[b].add(a)
    twins: dict[frozenset[str], list[str]] = {}
    for node, near in around.items():
        if near:
            twins.setdefault(frozenset(near), []).append(node)
    out = dict(at)
    for same in twins.values():
        if len(same) < 2:
            continue
        cx = sum(at[n][0] for n in same) / len(same)
        cy = sum(at[n][1] for n in same) / len(same)
        radius = TWIN_GAP / 2 / math.sin(math.pi / len(same))
        for i, node in enumerate(sorted(same)):
            angle = 2 * math.pi * i / len(same)
            out[node] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    return out


def to_html(
    graph: ExplorerGraph,
    height: int = 620,
    highlight: str | set[str] | None = None,
    expansions: dict[str, ExplorerGraph] | None = None,
    physics: bool = True,
) -> str:
    """The graph as a self-contained HTML page (vis-network inlined), labels readable at the
    default zoom, ``highlight`` nodes drawn large, and ``expansions`` added by a click."""
    import json

    marked = {highlight} if isinstance(highlight, str) else set(highlight or ())
    net = Network(height=f"{height}px", width="100%", cdn_resources="in_line", directed=False)
    positions = {}
    if physics and len(graph.nodes) <= PHYSICS_NODES:
        net.barnes_hut(gravity=-6000, spring_length=130)
    else:  # past a few hundred nodes physics makes the page crawl: laid out here, then held still
        net.toggle_physics(False)
        positions = server_layout(graph)
    for node, attrs in graph.nodes.items():
        look = _vis_node(node, attrs, marked)
        if node in positions:
            look["x"], look["y"] = positions[node]
        net.add_node(node, **{k: v for k, v in look.items() if k != "id"})
    for a, b in sorted(graph.edges):
        net.add_edge(a, b, width=3 if a in marked and b in marked else 1)
    page = network_html(net).replace("</body>", _DRAWN_SCRIPT + "</body>")
    if expansions:
        data = {
            node: {
                "nodes": [_vis_node(n, attrs, set()) for n, attrs in added.nodes.items()],
                "edges": [{"from": a, "to": b} for a, b in sorted(added.edges)],
            }
            for node, added in expansions.items()
        }
        # </script> inside data must not end the script: JSON escapes "<" as \u003c
        payload = json.dumps(data).replace("<", "\\u003c")
        page = page.replace("</body>", _CLICK_SCRIPT % payload + "</body>")
    return page


# the kinds of identifier as the network names them (each translated where it is drawn)
KIND_NAMES = (
    N_("person_id"),
    N_("phone"),
    N_("email"),
    N_("device"),
    N_("ip"),
    N_("bank_account"),
    N_("address"),
)
