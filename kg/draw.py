"""A picture of a concept's neighbourhood as one self-contained SVG string.

No JavaScript, no web fonts, nothing fetched: the app must render it offline. The layout is radial
and computed by hand (the centre in the middle, each hop on a wider ring, nodes on a ring sorted by
type and label), so the same graph always gives the same picture, byte for byte.
"""

from __future__ import annotations

import math
from html import escape

import networkx as nx

from .build import ITEM, MISCONCEPTION, NODE_TYPES, SCENARIO, SECTION, SERVICE, STEP
from .query import subgraph

COLOURS = {
    SECTION: "#6b7280",
    ITEM: "#2563eb",
    SCENARIO: "#059669",
    STEP: "#84cc16",
    MISCONCEPTION: "#dc2626",
    SERVICE: "#d97706",
}
_OTHER_COLOUR = "#a855f7"  # a node type this module does not know yet still gets drawn
_LABEL_CHARS = 24
_TITLE_CHARS = 300
_SIZE = 640
_FONT = 'font-family="sans-serif" font-size="11"'  # a generic family: no font is downloaded


def draw_svg(graph: nx.DiGraph, centre: str, *, radius: int = 1, max_nodes: int = 40) -> str:
    """An SVG of the nodes within ``radius`` hops of ``centre`` (at most ``max_nodes`` of them).

    Nearer nodes are kept first when there are too many. Raises ``ConceptNotFound`` for an
    unknown centre. Every label is HTML-escaped, and each node has a ``<title>`` for hover text.
    """
    if max_nodes < 1:
        raise ValueError("max_nodes must be at least 1")
    near = subgraph(graph, centre, radius=radius)
    hops = nx.single_source_shortest_path_length(near.to_undirected(as_view=True), centre)
    kept = sorted(near, key=lambda n: (hops[n], _order(near, n)))[:max_nodes]
    shown = near.subgraph(kept)
    place = _layout(shown, centre, hops)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_SIZE} {_SIZE}" '
        f'width="100%" role="img" aria-label="{escape(_label(shown, centre))} and its neighbours">',
        f'<rect width="{_SIZE}" height="{_SIZE}" fill="#ffffff"/>',
    ]
    for u, v, relation in sorted(shown.edges(data="relation")):
        (x1, y1), (x2, y2) = place[u], place[v]
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#cbd5e1" '
            f'stroke-width="1.5"><title>{escape(str(relation))}</title></line>'
        )
    parts += [_node(shown, node, place[node], is_centre=node == centre) for node in kept]
    return "\n".join([*parts, *_legend(), "</svg>"])


def _order(graph: nx.DiGraph, node: str) -> tuple[int, str, str]:
    kind = graph.nodes[node].get("type", "")
    rank = NODE_TYPES.index(kind) if kind in NODE_TYPES else len(NODE_TYPES)
    return rank, _label(graph, node).casefold(), node


def _label(graph: nx.DiGraph, node: str) -> str:
    return str(graph.nodes[node].get("label", node))


def _layout(graph: nx.DiGraph, centre: str, hops: dict[str, int]) -> dict[str, tuple[float, float]]:
    middle = _SIZE / 2
    rings: dict[int, list[str]] = {}
    for node in graph:
        rings.setdefault(hops[node], []).append(node)
    step = (middle - 70) / max(1, max(rings))
    place = {centre: (middle, middle)}
    for hop, nodes in sorted(rings.items()):
        if hop == 0:
            continue
        nodes.sort(key=lambda n: _order(graph, n))
        offset = math.pi / len(nodes) if hop % 2 == 0 else 0.0  # stagger rings so lines part
        for i, node in enumerate(nodes):
            angle, r = offset + 2 * math.pi * i / len(nodes) - math.pi / 2, step * hop
            place[node] = (middle + r * math.cos(angle), middle + r * math.sin(angle))
    return place


def _node(graph: nx.DiGraph, node: str, at: tuple[float, float], *, is_centre: bool) -> str:
    x, y = at
    kind = str(graph.nodes[node].get("type", ""))
    label = _label(graph, node)
    colour = COLOURS.get(kind, _OTHER_COLOUR)
    ring = 'class="centre" r="16" stroke="#111827" stroke-width="3"' if is_centre else 'r="9"'
    weight = ' font-weight="bold"' if is_centre else ""
    return (
        f'<g class="node" data-type="{escape(kind)}">'
        f"<title>{escape(_short(label, _TITLE_CHARS))} ({escape(kind)})</title>"
        f'<circle cx="{x:.1f}" cy="{y:.1f}" {ring} fill="{colour}"/>'
        f'<text x="{x:.1f}" y="{y + (28 if is_centre else 21):.1f}" text-anchor="middle" '
        f'{_FONT}{weight} fill="#111827">{escape(_short(label, _LABEL_CHARS))}</text></g>'
    )


def _legend() -> list[str]:
    return [
        f'<rect x="8" y="{6 + 16 * i}" width="10" height="10" fill="{COLOURS[kind]}"/>'
        f'<text x="24" y="{15 + 16 * i}" {_FONT} fill="#374151">{kind}</text>'
        for i, kind in enumerate(NODE_TYPES)
    ]


def _short(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in "…" when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
