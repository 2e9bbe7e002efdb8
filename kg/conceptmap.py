"""The whole graph as plain data for the interactive concept map: positioned nodes and edges.

The browser draws it (``tutor/web/static/concept_map.js``); this module decides what is shown
and where.
The layout is a force-directed one (networkx's ``spring_layout``) with a fixed seed, so the same
guide always gives the same map. A big guide is cut to ``max_nodes`` nodes, the kinds a learner
needs most kept first (sections, items, scenarios, misconceptions, services, then steps), and the
map says how many it left out.
"""

from __future__ import annotations

import networkx as nx

from .build import ITEM, MISCONCEPTION, NODE_TYPES, SCENARIO, SECTION, SERVICE, STEP

MAP_FORMAT = "ecs-tutor-map v1"
COLOURS = {
    SECTION: "#6b7280",
    ITEM: "#2563eb",
    SCENARIO: "#059669",
    STEP: "#84cc16",
    MISCONCEPTION: "#dc2626",
    SERVICE: "#d97706",
}
OTHER_COLOUR = "#a855f7"  # a node type this module does not know yet is still drawn
_KEEP_ORDER = (SECTION, ITEM, SCENARIO, MISCONCEPTION, SERVICE, STEP)
_SIZE = 1000.0  # the layout's square, in the SVG's user units


def concept_map(graph: nx.DiGraph, *, max_nodes: int = 600, seed: int = 7) -> dict:
    """The graph as ``{"format", "nodes", "edges", "types", "colours", "guides", "left_out"}``.

    Each node is ``{"id", "label", "type", "section", "guide", "x", "y"}`` with x and y in
    0..1000 and guide the title of the guide it comes from ("" for a service, which guides
    share); ``guides`` lists the guides studied together. Each edge is
    ``[source index, target index, relation]``. Labels are the guide's text: the browser
    must insert them as text, never as HTML.
    """
    if max_nodes < 1:
        raise ValueError("max_nodes must be at least 1")
    kept = sorted(graph, key=lambda n: _keep_rank(graph, n))[:max_nodes]
    shown = graph.subgraph(kept)
    place = _layout(shown, seed=seed)
    order = sorted(shown, key=lambda n: _keep_rank(graph, n))
    index = {node: i for i, node in enumerate(order)}
    nodes = [
        {
            "id": node,
            "label": str(shown.nodes[node].get("label", node)),
            "type": str(shown.nodes[node].get("type", "")),
            "section": str(shown.nodes[node].get("section", "")),
            "guide": str(shown.nodes[node].get("guide", "")),
            "x": place[node][0],
            "y": place[node][1],
        }
        for node in order
    ]
    edges = [
        [index[u], index[v], str(relation)]
        for u, v, relation in sorted(shown.edges(data="relation", default=""))
    ]
    present = {n["type"] for n in nodes}
    types = [t for t in NODE_TYPES if t in present] + sorted(present - set(NODE_TYPES))
    return {
        "format": MAP_FORMAT,
        "nodes": nodes,
        "edges": edges,
        "types": types,
        "colours": {t: COLOURS.get(t, OTHER_COLOUR) for t in types},
        "guides": _guides(graph, set(kept)),
        "left_out": graph.number_of_nodes() - len(nodes),
    }


def _keep_rank(graph: nx.DiGraph, node: str) -> tuple[int, int, str]:
    """Kinds in ``_KEEP_ORDER``, then the better connected first, then by id (a total order)."""
    kind = graph.nodes[node].get("type", "")
    rank = _KEEP_ORDER.index(kind) if kind in _KEEP_ORDER else len(_KEEP_ORDER)
    return rank, -graph.degree(node), node


def _layout(graph: nx.DiGraph, *, seed: int) -> dict[str, tuple[float, float]]:
    """Positions in 0.._SIZE: the biggest connected part fills the square above a strip where
    the small parts (often lone sections such as "Overview") sit side by side, so that they do
    not squeeze the rest into a corner."""
    undirected = nx.Graph()  # built in a fixed order, so that the seed alone decides the picture
    undirected.add_nodes_from(sorted(graph))
    undirected.add_edges_from(sorted((min(u, v), max(u, v)) for u, v in graph.edges))
    parts = sorted(nx.connected_components(undirected), key=lambda c: (-len(c), min(c)))
    if not parts:
        return {}
    margin, strip = 40.0, 90.0 if len(parts) > 1 else 0.0
    place = _fit(
        _spring(undirected.subgraph(parts[0]), seed=seed),
        (margin, margin, _SIZE - margin, _SIZE - margin - strip),
    )
    rest = parts[1:]
    width = (_SIZE - 2 * margin) / max(1, len(rest))
    for n, part in enumerate(rest):
        left = margin + n * width
        box = (left, _SIZE - margin - strip + 30, left + width, _SIZE - margin)
        place.update(_fit(_spring(undirected.subgraph(part), seed=seed), box))
    return place


def _spring(graph: nx.Graph, *, seed: int) -> dict[str, tuple[float, float]]:
    if graph.number_of_nodes() == 1:
        return {next(iter(graph)): (0.0, 0.0)}
    # More room between nodes than networkx's default (k = 1/sqrt(n)): labels need it.
    k = 2.0 / graph.number_of_nodes() ** 0.5
    raw = nx.spring_layout(graph, seed=seed, k=k, iterations=300)
    return {node: (float(x), float(y)) for node, (x, y) in raw.items()}


def _fit(
    raw: dict[str, tuple[float, float]], box: tuple[float, float, float, float]
) -> dict[str, tuple[float, float]]:
    """``raw`` positions scaled (keeping the aspect) and centred into ``box`` (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    xs = [x for x, _ in raw.values()]
    ys = [y for _, y in raw.values()]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    scale = min((x1 - x0) / span_x if span_x else 1e9, (y1 - y0) / span_y if span_y else 1e9)
    scale = 0.0 if scale == 1e9 else scale
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return {
        node: (
            round((x0 + x1) / 2 + (x - mid_x) * scale, 1),
            round((y0 + y1) / 2 + (y - mid_y) * scale, 1),
        )
        for node, (x, y) in raw.items()
    }


def _guides(graph: nx.DiGraph, shown: set[str]) -> list[str]:
    """The guides the shown nodes come from, in the order the graph was built (the studied
    order)."""
    guides = (g for n, g in graph.nodes(data="guide", default="") if g and n in shown)
    return list(dict.fromkeys(guides))
